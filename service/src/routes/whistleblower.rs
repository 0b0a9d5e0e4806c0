//! A whistleblower's routes: enrolling for a credential, sending a tip, following it up.
//! Never signed: the credential presentation is the authorization, and nothing identifies
//! the sender. These routes log nothing about a request.

use std::sync::Arc;

use axum::{body::Bytes, extract::State, Json};
use base64::Engine as _;
use probity_core::OfficialId;
use probity_credentials::{
    issuance, CredentialAttributes, Epoch, Presentation, Scope, SealedTip, Subject, TipContext,
};
use rand::rngs::OsRng;

use super::{json, tip_status_text, ApiResult, AppState};
use crate::{api::*, codes::SledCodes, error::ApiError, shared::Shared, tip_pool::PooledTip};

/// The expiry an issuance now may carry: the one the request asks for if it is the
/// schedule's expiry at some time within [`crate::auth::MAX_CLOCK_SKEW_SECS`] of this
/// service's clock (a client a little ahead or behind, near a period boundary), else the one
/// for this service's clock, which the request then does not match. Either way a public
/// schedule value that everyone enrolling then shares, never one chosen per person.
fn issuable_expiry(s: &Shared, asked: Epoch) -> Epoch {
    let now = s.now().as_millis() / 1000;
    let skew = crate::auth::MAX_CLOCK_SKEW_SECS;
    let mine = s.schedule.expected_expiry(now);
    [now.saturating_sub(skew), now.saturating_add(skew)]
        .into_iter()
        .map(|t| s.schedule.expected_expiry(t))
        .find(|e| *e == asked)
        .unwrap_or(mine)
}

/// Redeem an enrollment code for a credential (blind issuance: the service never learns
/// the credential's secret).
#[utoipa::path(post, path = "/v1/enroll", tag = "whistleblower", request_body = Enroll, responses((status = 200, body = Enrolled), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
pub(super) async fn enroll(State(s): State<AppState>, body: Bytes) -> ApiResult<Enrolled> {
    let req: Enroll = json(&body)?;
    let bytes =
        hex::decode(&req.request).map_err(|_| ApiError::bad_request("request must be hex"))?;
    let request = issuance::Request::from_bytes(&bytes)
        .map_err(|e| ApiError::bad_request(format!("the issuance request is malformed: {e}")))?;
    let codes = SledCodes {
        tree: &s.trees.codes,
        db: &s.db,
    };
    let record = codes
        .record(&request.enrollment_code().storage_hash())
        .map_err(|e| ApiError::internal(format!("the enrollment store failed: {e}")))?
        .ok_or_else(|| ApiError::forbidden("this enrollment code was never issued"))?
        .1;
    let scope = Scope::new(&record.scope)
        .map_err(|_| ApiError::internal("a stored enrollment scope is not valid"))?;
    let attributes =
        CredentialAttributes::new(issuable_expiry(&s, request.attributes().expiry), scope);
    let shared = Arc::clone(&s);
    let response = tokio::task::spawn_blocking(move || {
        let codes = SledCodes {
            tree: &shared.trees.codes,
            db: &shared.db,
        };
        shared
            .issuer
            .handle_issuance(&request, &codes, &attributes, &mut OsRng)
    })
    .await
    .map_err(|_| ApiError::internal("issuance stopped"))?
    .map_err(|e| match e {
        probity_credentials::IssueError::InvalidRequest(_) => {
            ApiError::invalid_proof("the issuance request's proof does not verify")
        }
        probity_credentials::IssueError::UnexpectedAttributes => ApiError::unprocessable(
            "the request expects another scope or expiry than this code buys: check the scope and this machine's clock",
        ),
        probity_credentials::IssueError::UnknownEnrollmentCode => {
            ApiError::forbidden("this enrollment code was never issued")
        }
        probity_credentials::IssueError::EnrollmentCodeUsed => {
            ApiError::conflict("this enrollment code was already used")
        }
        other => ApiError::internal(format!("issuance failed: {other}")),
    })?;
    Ok(Json(Enrolled {
        response: hex::encode(response.to_bytes()),
    }))
}

/// Send a sealed tip about an official, with a credential presentation. One tip per
/// credential, official and epoch. The tip is durable when this answers: in the tip pool,
/// which is logged when its window closes (`pooled_until`; the receipt then comes with the
/// tip's status), or, on a service that logs tips at once, on the ledger with its receipt.
#[utoipa::path(post, path = "/v1/tips", tag = "whistleblower", request_body = SubmitTip, responses((status = 200, body = TipAccepted), (status = 409, body = crate::error::ErrorEnvelope), (status = 413, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
pub(super) async fn submit_tip(State(s): State<AppState>, body: Bytes) -> ApiResult<TipAccepted> {
    let req: SubmitTip = json(&body)?;
    let subject = Subject::new(&req.subject).map_err(|_| {
        ApiError::bad_request(
            "subject must be an official id: 1 to 64 characters of A-Z a-z 0-9 . _ -",
        )
    })?;
    let official = OfficialId::new(subject.as_str()).map_err(ApiError::bad_request)?;
    let jurisdiction = s
        .directory()
        .officials
        .get(&official)
        .map(|o| o.jurisdiction.clone())
        .ok_or_else(|| ApiError::unprocessable("the subject is not a registered official: use the id exactly as /v1/officials lists it"))?;
    let epoch = s.epoch();
    if req.epoch != epoch {
        return Err(ApiError::unprocessable(format!(
            "the tip is for epoch {} but the current epoch is {epoch}: make the tip again",
            req.epoch
        )));
    }
    let sealed_bytes = base64::engine::general_purpose::STANDARD
        .decode(&req.sealed)
        .map_err(|_| ApiError::bad_request("sealed must be standard base64"))?;
    let sealed = SealedTip::from_bytes(&sealed_bytes)
        .map_err(|e| ApiError::bad_request(format!("the sealed tip is malformed: {e}")))?;
    let presentation = hex::decode(&req.presentation)
        .ok()
        .and_then(|b| Presentation::from_bytes(&b).ok())
        .ok_or_else(|| ApiError::bad_request("the presentation is malformed"))?;
    let scope = Scope::new(&jurisdiction)
        .map_err(|_| ApiError::internal("a registered jurisdiction is not a valid scope"))?;
    let context = TipContext::new(subject, Epoch(epoch));
    let shared = Arc::clone(&s);
    let sealed_for_check = sealed.clone();
    let tag = tokio::task::spawn_blocking(move || {
        shared
            .issuer
            .verify_presentation(&presentation, &context, &scope, &sealed_for_check)
    })
    .await
    .map_err(|_| ApiError::internal("verification stopped"))?
    .map_err(|_| {
        ApiError::invalid_proof(
            "the credential presentation does not verify for this official, epoch and sealed tip",
        )
    })?;
    // One tip per tag: an atomic insert-if-absent, so of two racing tips only one wins.
    if !s.reserved.reserve(epoch, &tag.0) {
        return Err(ApiError::conflict(
            "this credential already sent a tip about this official in this epoch: follow up with your receipt",
        ));
    }
    let receipt_code = probity_credentials::Receipt::generate(&mut OsRng);
    let tip = PooledTip {
        subject: official,
        epoch,
        tag: hex::encode(tag.0),
        sealed_sha256: hex::encode(sealed.digest().0),
        sealed: req.sealed,
        receipt: hex::encode(receipt_code.storage_hash().0),
    };
    let accepted = match s.tip_window_end() {
        Some(until) => s.pool_tip(&tip).await.map(|()| (None, Some(until))),
        None => {
            let prepare = tip.prepare(
                s.config.reporters_threshold,
                s.config.reporters_window_epochs,
                true,
            );
            s.write(prepare).await.and_then(|mut receipts| {
                (!receipts.is_empty())
                    .then(|| (Some(receipts.swap_remove(0)), None))
                    .ok_or_else(|| ApiError::internal("the tip was not logged"))
            })
        }
    };
    let (receipt, pooled_until) = match accepted {
        Ok(a) => a,
        Err(e) => {
            // Nothing durable holds the tip: free its tag for a retry.
            s.reserved.release(epoch, &tag.0);
            return Err(e);
        }
    };
    Ok(Json(TipAccepted {
        receipt_code: receipt_code.to_string(),
        receipt,
        pooled_until,
    }))
}

/// A tip's status and the supervisors' replies, by receipt code.
#[utoipa::path(post, path = "/v1/tips/status", tag = "whistleblower", request_body = TipStatusQuery, responses((status = 200, body = TipStatus), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn tip_status(State(s): State<AppState>, body: Bytes) -> ApiResult<TipStatus> {
    let req: TipStatusQuery = json(&body)?;
    let code = probity_credentials::Receipt::parse(&req.receipt_code)
        .map_err(|_| ApiError::bad_request("the receipt code is not valid"))?;
    let hash = hex::encode(code.storage_hash().0);
    let logged = {
        let state = s.state();
        state.tip_receipts.get(&hash).map(|&entry| {
            state
                .tips
                .get(&entry)
                .map(|tip| (entry, tip_status_text(tip), tip.replies.clone()))
        })
    };
    match logged {
        Some(Some((entry, status, replies))) => {
            let checkpoint = s
                .log
                .latest_checkpoint()?
                .ok_or_else(|| ApiError::internal("a logged tip has no checkpoint"))?;
            Ok(Json(TipStatus {
                status,
                entry: Some(entry),
                receipt: Some(s.log.receipt(entry, &checkpoint)?),
                replies,
            }))
        }
        Some(None) => Err(ApiError::internal("a receipt points at a missing tip")),
        None if s.pooled_tip(&hash)?.is_some() => Ok(Json(TipStatus {
            status: "pooled".into(),
            entry: None,
            receipt: None,
            replies: Vec::new(),
        })),
        None => Err(ApiError::not_found("no tip has this receipt code")),
    }
}
