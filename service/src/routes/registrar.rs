//! The registrar's routes: registering officials and supervisors, enrollment codes for
//! whistleblowers, filing deadlines. Every request is signed with the registrar key.

use axum::{extract::State, Json};
use probity_ledger::{
    is_jurisdiction, DeadlineSet, EnrollmentCodesIssued, Entry, OfficialRegistered, PublicKey,
    SupervisorRegistered, Timestamp,
};
use rand::rngs::OsRng;

use super::{json, require_registrar, ApiResult, AppState, Signed};
use crate::{
    api::*,
    auth::parse_public_key,
    codes::SledCodes,
    error::ApiError,
    in_force::check_policy,
    shared::Draft,
    state::{Principal, State as Facts},
};

/// Most enrollment codes per request.
const MAX_CODES: u64 = 1_000;

/// Register (or re-key) an official.
#[utoipa::path(post, path = "/v1/admin/officials", tag = "registrar", request_body = RegisterOfficial, responses((status = 200, body = Written), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
pub(super) async fn register_official(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<Written> {
    require_registrar(&signed.principal)?;
    let req: RegisterOfficial = json(&signed.body)?;
    let key = parse_public_key(&req.public_key)
        .map_err(|e| ApiError::bad_request(format!("public_key: {e}")))?;
    let entry = OfficialRegistered {
        official: req.official,
        public_key: PublicKey(key),
        name: req.name,
        position: req.position,
        jurisdiction: req.jurisdiction,
    };
    Entry::at(Timestamp::now(), entry.clone())
        .to_canonical_json()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let receipts = s
        .write(Box::new(move |state, _| {
            check_key_free(state, &key, &Principal::Official(entry.official.clone()))?;
            Ok(vec![Draft::public(entry)])
        }))
        .await?;
    Ok(Json(Written { receipts }))
}

/// A key may belong to one party only.
fn check_key_free(
    state: &Facts,
    key: &ed25519_dalek::VerifyingKey,
    for_whom: &Principal,
) -> Result<(), ApiError> {
    match state.principal(key) {
        Some(p) if p != for_whom => Err(ApiError::conflict(
            "this public key is already registered to someone else: every party needs its own key",
        )),
        _ => Ok(()),
    }
}

/// Register (or re-key) a supervisor.
#[utoipa::path(post, path = "/v1/admin/supervisors", tag = "registrar", request_body = RegisterSupervisor, responses((status = 200, body = Written), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
pub(super) async fn register_supervisor(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<Written> {
    require_registrar(&signed.principal)?;
    let req: RegisterSupervisor = json(&signed.body)?;
    let key = parse_public_key(&req.public_key)
        .map_err(|e| ApiError::bad_request(format!("public_key: {e}")))?;
    let entry = SupervisorRegistered {
        supervisor: req.supervisor,
        public_key: PublicKey(key),
    };
    let receipts = s
        .write(Box::new(move |state, _| {
            check_key_free(
                state,
                &key,
                &Principal::Supervisor(entry.supervisor.clone()),
            )?;
            Ok(vec![Draft::public(entry)])
        }))
        .await?;
    Ok(Json(Written { receipts }))
}

/// Make one-time enrollment codes for whistleblower credentials of a scope. The codes are
/// shown once; the service keeps their hashes.
#[utoipa::path(post, path = "/v1/admin/enrollment-codes", tag = "registrar", request_body = IssueEnrollmentCodes, responses((status = 200, body = EnrollmentCodes), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
pub(super) async fn enrollment_codes(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<EnrollmentCodes> {
    require_registrar(&signed.principal)?;
    let req: IssueEnrollmentCodes = json(&signed.body)?;
    if !(1..=MAX_CODES).contains(&req.count) {
        return Err(ApiError::bad_request(format!(
            "count must be 1 to {MAX_CODES}"
        )));
    }
    if !is_jurisdiction(&req.scope) {
        return Err(ApiError::bad_request(
            "scope must be a jurisdiction: 1 to 64 characters of A-Z, a-z, 0-9 and - . _ : /",
        ));
    }
    let store = SledCodes {
        tree: &s.trees.codes,
        db: &s.db,
    };
    let mut codes = Vec::new();
    for _ in 0..req.count {
        let code = probity_credentials::EnrollmentCode::generate(&mut OsRng);
        store
            .insert_scoped(&code.storage_hash(), &req.scope)
            .map_err(|e| ApiError::internal(format!("the enrollment store failed: {e}")))?;
        codes.push(code);
    }
    let entry = EnrollmentCodesIssued {
        count: req.count,
        scope: req.scope.clone(),
    };
    let written = s
        .write(Box::new(move |_, _| Ok(vec![Draft::public(entry)])))
        .await;
    let receipts = match written {
        Ok(r) => r,
        Err(e) => {
            // Not on the ledger: the codes must not work either.
            for code in &codes {
                let _ = s.trees.codes.remove(code.storage_hash().0);
            }
            return Err(e);
        }
    };
    Ok(Json(EnrollmentCodes {
        codes: codes.iter().map(ToString::to_string).collect(),
        scope: req.scope,
        receipts,
    }))
}

/// Publish the next version of the supervision policy, from a period after every one filed.
#[utoipa::path(post, path = "/v1/admin/policy", tag = "registrar", request_body = PublishPolicy, responses((status = 200, body = Written), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
pub(super) async fn publish_policy(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<Written> {
    require_registrar(&signed.principal)?;
    let req: PublishPolicy = json(&signed.body)?;
    let config = s.config.clone();
    let receipts = s
        .write(Box::new(move |state, _| {
            let next = u32::try_from(state.policies.len())
                .ok()
                .and_then(|n| n.checked_add(1))
                .ok_or_else(|| ApiError::unprocessable("too many policy versions"))?;
            let policy = req.policy;
            if policy.policy_version != next {
                return Err(ApiError::conflict(format!(
                    "the next policy version is {next}, not {}: read /v1/policies, since another version may have been published",
                    policy.policy_version
                )));
            }
            policy.check().map_err(ApiError::unprocessable)?;
            check_policy(&policy, &config).map_err(ApiError::unprocessable)?;
            let judged = state
                .filings
                .values()
                .flatten()
                .map(|f| f.period)
                .filter(|p| policy.holds_for(*p))
                .max_by_key(|p| p.start_day());
            if let Some(latest) = judged {
                return Err(ApiError::unprocessable(format!(
                    "officials have filed for {latest} already: a policy applies from a period after every one filed, so that nobody's filing is judged by rules it was not made under"
                )));
            }
            if let Some(later) = state
                .policies
                .iter()
                .map(|p| p.policy.applies_from)
                .find(|p| p.start_day() > policy.applies_from.start_day())
            {
                return Err(ApiError::unprocessable(format!(
                    "a published policy applies from {later}: a new version cannot start before it"
                )));
            }
            Ok(vec![Draft::public(policy)])
        }))
        .await?;
    Ok(Json(Written { receipts }))
}

/// Set a period's filing deadline.
#[utoipa::path(post, path = "/v1/admin/deadlines", tag = "registrar", request_body = SetDeadline, responses((status = 200, body = Written), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
pub(super) async fn set_deadline(State(s): State<AppState>, signed: Signed) -> ApiResult<Written> {
    require_registrar(&signed.principal)?;
    let req: SetDeadline = json(&signed.body)?;
    let deadline = Timestamp::from_millis(req.deadline).map_err(ApiError::bad_request)?;
    let entry = DeadlineSet {
        period: req.period,
        deadline,
    };
    let receipts = s
        .write(Box::new(move |_, _| Ok(vec![Draft::public(entry)])))
        .await?;
    Ok(Json(Written { receipts }))
}
