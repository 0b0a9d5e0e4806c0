//! An official's routes: filing a declaration with its proofs, reading the challenges
//! addressed to them, answering one. Every request is signed with the official's registered
//! key.

use axum::{
    extract::{Path, State},
    Json,
};
use probity_core::{PublicInputs, StatementKind};
use probity_ledger::{
    ChallengeAnswered, ChallengeId, Entry, EntryBody, EntryIndex, ProofAccepted, PublicKey,
    Receipt, Timestamp,
};
use rand::rngs::OsRng;

use super::{json, require_official, ApiResult, AppState, Signed};
use crate::{
    alerts::alert,
    api::*,
    error::ApiError,
    rules,
    shared::Draft,
    state::{Challenge, Private},
};

/// File a declaration's commitment with the proofs the policy asks for.
#[utoipa::path(post, path = "/v1/filings", tag = "official", request_body = FileDeclaration, responses((status = 200, body = FilingAccepted), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
pub(super) async fn file_declaration(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<FilingAccepted> {
    let official = require_official(&signed.principal)?;
    let req: FileDeclaration = json(&signed.body)?;
    let filing = req.filing;
    if filing.official != official {
        return Err(ApiError::forbidden(format!(
            "you are signed in as `{official}` and may file only for yourself, not for `{}`",
            filing.official
        )));
    }
    {
        let directory = s.directory();
        let info = directory
            .officials
            .get(&official)
            .ok_or_else(|| ApiError::unauthorized("you are not registered"))?;
        let key = PublicKey::from_hex(&info.public_key).map_err(ApiError::internal)?;
        filing.verify_signature(&key).map_err(|_| {
            ApiError::unprocessable(
                "the filing's signature does not verify with your registered key",
            )
        })?;
    }
    if !s
        .proofs
        .accepts(StatementKind::NetWorthRange, filing.capacity)
    {
        return Err(ApiError::unprocessable(format!(
            "the service has no keys for capacity {}: it accepts {:?}",
            filing.capacity, s.config.capacities
        )));
    }
    let count = |k: StatementKind| req.proofs.iter().filter(|p| p.statement == k).count();
    if count(StatementKind::NetWorthRange) != 1
        || count(StatementKind::WealthGrowth) > 1
        || req.proofs.len()
            != count(StatementKind::NetWorthRange) + count(StatementKind::WealthGrowth)
    {
        return Err(ApiError::unprocessable(
            "a filing carries exactly one net_worth_range proof, and at most one wealth_growth proof (from the previous filed period)",
        ));
    }
    if let Some(p) = req
        .proofs
        .iter()
        .find(|p| p.official != official || p.capacity != filing.capacity)
    {
        return Err(ApiError::unprocessable(format!(
            "the {} proof is about `{}` at capacity {}, not this filing",
            p.statement, p.official, p.capacity
        )));
    }
    let inputs = s.proofs.verify(req.proofs.clone()).await?;
    let mut growth = None;
    for x in &inputs {
        match x {
            PublicInputs::NetWorthRange(n) => {
                if n.commitment != filing.commitment || n.period != filing.period {
                    return Err(ApiError::unprocessable(
                        "the net_worth_range proof is about another commitment or period than this filing",
                    ));
                }
                let band = Band {
                    lo: n.lo.0,
                    hi: n.hi.0,
                };
                if !s.config.net_worth_bands.contains(&band) {
                    return Err(ApiError::unprocessable(
                        "the net_worth_range bounds are not one of the public bands: see /v1/info",
                    ));
                }
            }
            PublicInputs::WealthGrowth(w) => {
                if w.commitment_curr != filing.commitment || w.period_curr != filing.period {
                    return Err(ApiError::unprocessable(
                        "the wealth_growth proof must end at this filing's commitment and period",
                    ));
                }
                if w.tolerance.0 != s.config.wealth_growth_tolerance {
                    return Err(ApiError::unprocessable(format!(
                        "the wealth_growth tolerance must be the policy's, {}",
                        s.config.wealth_growth_tolerance
                    )));
                }
                growth = Some((w.period_prev, w.commitment_prev));
            }
            _ => {}
        }
    }
    let proofs = req.proofs;
    let receipts = s
        .write(Box::new(move |state, now| {
            if !state.officials().contains_key(&official) {
                return Err(ApiError::unauthorized("you are not registered"));
            }
            let period = filing.period;
            let previous = state.previous_period(&official, period);
            if let Some((prev_period, prev_commitment)) = growth {
                let prev = state.filing(&official, prev_period);
                let matches = previous == Some(prev_period)
                    && prev.is_some_and(|f| {
                        f.commitment == prev_commitment && f.capacity == filing.capacity
                    });
                if !matches {
                    return Err(ApiError::unprocessable(format!(
                        "the wealth_growth proof must start from your latest filing before {period} ({}), with its commitment and capacity",
                        previous.map_or_else(|| "there is none".to_owned(), |p| p.to_string())
                    )));
                }
            }
            let mut drafts = Vec::new();
            if rules::declaration_amended(state, &official, period) {
                drafts.push(alert(
                    rules::DECLARATION_AMENDED,
                    AlertDetail {
                        official: official.clone(),
                        period: Some(period),
                        challenge: None,
                        message: format!("a second declaration for {period} replaces the earlier one"),
                    },
                ));
            }
            if rules::filed_after_deadline(state.deadlines.get(&period).copied(), now) {
                drafts.push(alert(
                    rules::FILED_AFTER_DEADLINE,
                    AlertDetail {
                        official: official.clone(),
                        period: Some(period),
                        challenge: None,
                        message: format!("filed after the {period} deadline"),
                    },
                ));
            }
            if rules::wealth_growth_missing(previous, growth.is_some()) {
                drafts.push(alert(
                    rules::WEALTH_GROWTH_MISSING,
                    AlertDetail {
                        official: official.clone(),
                        period: Some(period),
                        challenge: None,
                        message: format!(
                            "filed for {period} without a wealth_growth proof from {}: growth is not shown to be explained by income",
                            previous.map(|p| p.to_string()).unwrap_or_default()
                        ),
                    },
                ));
            }
            let mut entries = vec![Draft::public(filing)];
            for envelope in &proofs {
                let (entry, _) = ProofAccepted::from_envelope(envelope, &mut OsRng)
                    .map_err(|e| ApiError::unprocessable(e.to_string()))?;
                entries.push(Draft::public(entry));
            }
            entries.extend(drafts);
            Ok(entries)
        }))
        .await?;
    let alerts = alerts_in(&receipts);
    Ok(Json(FilingAccepted { receipts, alerts }))
}

/// The challenges addressed to the signed-in official.
#[utoipa::path(get, path = "/v1/official/challenges", tag = "official", responses((status = 200, body = Vec<ChallengeView>), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
pub(super) async fn official_challenges(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<Vec<ChallengeView>> {
    let official = require_official(&signed.principal)?;
    let state = s.state();
    Ok(Json(
        state
            .challenges
            .iter()
            .filter(|(_, c)| c.official == official)
            .map(|(id, c)| state.challenge_view(id, c))
            .collect(),
    ))
}

/// Answer a challenge with an `asset_included` proof.
#[utoipa::path(post, path = "/v1/challenges/{challenge}/answer", tag = "official", params(("challenge" = String, Path, description = "the challenge id, hex")), request_body = AnswerChallenge, responses((status = 200, body = Written), (status = 404, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
pub(super) async fn answer_challenge(
    State(s): State<AppState>,
    Path(challenge): Path<String>,
    signed: Signed,
) -> ApiResult<Written> {
    let official = require_official(&signed.principal)?;
    let id = ChallengeId::from_hex(&challenge)
        .map_err(|e| ApiError::bad_request(format!("challenge id: {e}")))?;
    let req: AnswerChallenge = json(&signed.body)?;
    let detail = {
        let state = s.state();
        let c = state
            .challenges
            .get(&id)
            .filter(|c| c.official == official)
            .ok_or_else(|| ApiError::not_found("you have no challenge with this id"))?;
        open_challenge(c, s.now())?;
        c.detail
            .clone()
            .ok_or_else(|| ApiError::internal("the challenge's details are missing"))?
    };
    if req.proof.statement != StatementKind::AssetIncluded || req.proof.official != official {
        return Err(ApiError::unprocessable(
            "answer with an asset_included proof about your own declaration",
        ));
    }
    let inputs = s.proofs.verify(vec![req.proof.clone()]).await?;
    let Some(PublicInputs::AssetIncluded(proved)) = inputs.into_iter().next() else {
        return Err(ApiError::unprocessable(
            "answer with an asset_included proof",
        ));
    };
    if proved.id_hash != detail.id_hash || proved.min_value.0 < detail.min_value.0 {
        return Err(ApiError::unprocessable(
            "the proof is about another asset, or a lower value, than the challenge asks",
        ));
    }
    let envelope = req.proof;
    let receipts = s
        .write(Box::new(move |state, now| {
            let c = state
                .challenges
                .get(&id)
                .ok_or_else(|| ApiError::not_found("you have no challenge with this id"))?;
            open_challenge(c, now)?;
            let filed = state.filing(&official, c.period).ok_or_else(|| {
                ApiError::unprocessable(format!("you have not filed for {}", c.period))
            })?;
            if proved.period != c.period
                || proved.commitment != filed.commitment
                || envelope.capacity != filed.capacity
            {
                return Err(ApiError::unprocessable(format!(
                    "the proof must be about your latest filing for {} (entry {})",
                    c.period, filed.entry
                )));
            }
            let (entry, disclosure) = ProofAccepted::from_envelope(&envelope, &mut OsRng)
                .map_err(|e| ApiError::unprocessable(e.to_string()))?;
            let disclosure = disclosure.ok_or_else(|| {
                ApiError::internal("asset_included withholds its inputs and proof")
            })?;
            let proof_entry = EntryIndex::new(state.size).map_err(ApiError::internal)?;
            Ok(vec![
                Draft::with_private(entry, Private::Proof(disclosure)),
                Draft::public(ChallengeAnswered {
                    challenge: id,
                    proof_entry,
                }),
            ])
        }))
        .await?;
    Ok(Json(Written { receipts }))
}

fn open_challenge(c: &Challenge, now: Timestamp) -> Result<(), ApiError> {
    if c.answer.is_some() {
        return Err(ApiError::conflict("this challenge is already answered"));
    }
    if c.expired || now > c.deadline {
        return Err(ApiError::conflict(format!(
            "this challenge's deadline ({}) has passed",
            rules::format_ms(c.deadline)
        )));
    }
    Ok(())
}

/// The rule names among the entries of some receipts.
fn alerts_in(receipts: &[Receipt]) -> Vec<String> {
    receipts
        .iter()
        .filter_map(|r| Entry::from_canonical_json(r.entry.as_bytes()).ok())
        .filter_map(|e| match e.body {
            EntryBody::Alert(a) => Some(a.rule.as_str().to_owned()),
            _ => None,
        })
        .collect()
}
