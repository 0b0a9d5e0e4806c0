//! A supervisor's routes: challenging an official, reading challenges, tips, alerts and
//! disclosures, replying to a tip. Every request is signed with a registered supervisor key.

use axum::{
    extract::{Path, State},
    Json,
};
use probity_core::{Amount, AssetId, IdHash};
use probity_ledger::{
    ChallengeDetail, ChallengeId, ChallengeIssued, Disclosure, EntryIndex, Timestamp, TipClosed,
};
use rand::rngs::OsRng;

use super::{json, require_supervisor, tip_status_text, ApiResult, AppState, Signed};
use crate::{api::*, error::ApiError, rules, shared::Draft, state::Private};

/// Longest reply to a tip, in bytes.
const MAX_REPLY_LEN: usize = 4_096;

/// Ask an official to prove that an asset is in their declaration.
#[utoipa::path(post, path = "/v1/challenges", tag = "supervisor", request_body = IssueChallenge, responses((status = 200, body = ChallengeCreated), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
pub(super) async fn issue_challenge(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<ChallengeCreated> {
    let supervisor = require_supervisor(&signed.principal)?;
    let req: IssueChallenge = json(&signed.body)?;
    let id_hash: IdHash = req
        .id_hash
        .parse()
        .map_err(|_: String| ApiError::bad_request("id_hash is not a field element in decimal"))?;
    // DESIGN.md §4: id_hash 0 is what an item without an identifier (cash) carries, and no
    // asset_included proof can name it; a challenge on it could never be answered.
    if id_hash == AssetId::default().id_hash() {
        return Err(ApiError::bad_request(
            "id_hash 0 means \"no identifier\": challenge an asset by its registry identifier's id_hash",
        ));
    }
    let deadline = Timestamp::from_millis(req.deadline).map_err(ApiError::bad_request)?;
    if deadline <= s.now() {
        return Err(ApiError::unprocessable(
            "the deadline must be in the future",
        ));
    }
    let challenge = {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut OsRng, &mut bytes);
        ChallengeId(bytes)
    };
    let official = req.official;
    let asked_period = req.period;
    let detail = Disclosure::new(
        &mut OsRng,
        ChallengeDetail {
            id_hash,
            min_value: Amount(req.min_value),
            registry: None,
        },
    );
    let (tx_period, rx_period) = std::sync::mpsc::channel();
    let receipts = s
        .write(Box::new(move |state, _| {
            if !state.officials().contains_key(&official) {
                return Err(ApiError::not_found(format!(
                    "no official `{official}` is registered"
                )));
            }
            let period = match asked_period {
                Some(p) if state.filing(&official, p).is_some() => p,
                Some(p) => {
                    return Err(ApiError::unprocessable(format!(
                        "`{official}` has not filed for {p}: nothing to challenge"
                    )))
                }
                None => state.latest_period(&official).ok_or_else(|| {
                    ApiError::unprocessable(format!(
                        "`{official}` has not filed yet: nothing to challenge"
                    ))
                })?,
            };
            let _ = tx_period.send(period);
            Ok(vec![Draft::with_private(
                ChallengeIssued {
                    challenge,
                    supervisor,
                    official,
                    period,
                    deadline,
                    detail: detail.digest(),
                },
                Private::Challenge(detail),
            )])
        }))
        .await?;
    let period = rx_period
        .try_recv()
        .map_err(|_| ApiError::internal("the challenge's period was not recorded"))?;
    Ok(Json(ChallengeCreated {
        challenge,
        period,
        receipts,
    }))
}

/// Issue the challenges of a registry cross-check together: one `ChallengeIssued` per
/// (official, asset) never challenged before, on the official's latest filed period, unless
/// the register recorded the asset after that period. Skips the rest, each with why; logs
/// all the batch issues or nothing.
#[utoipa::path(post, path = "/v1/challenges/batch", tag = "supervisor", request_body = IssueChallenges, responses((status = 200, body = ChallengesIssued), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
pub(super) async fn issue_challenges(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<ChallengesIssued> {
    let supervisor = require_supervisor(&signed.principal)?;
    let req: IssueChallenges = json(&signed.body)?;
    if req.challenges.is_empty() || req.challenges.len() > IssueChallenges::MAX {
        return Err(ApiError::bad_request(format!(
            "a batch carries 1 to {} challenges, not {}",
            IssueChallenges::MAX,
            req.challenges.len()
        )));
    }
    let deadline = Timestamp::from_millis(req.deadline).map_err(ApiError::bad_request)?;
    if deadline <= s.now() {
        return Err(ApiError::unprocessable(
            "the deadline must be in the future",
        ));
    }
    let mut asked = Vec::with_capacity(req.challenges.len());
    for (index, c) in req.challenges.into_iter().enumerate() {
        let id_hash: IdHash = c.id_hash.parse().map_err(|_: String| {
            ApiError::bad_request(format!(
                "challenge {index}: id_hash is not a field element in decimal"
            ))
        })?;
        if id_hash.is_none() {
            return Err(ApiError::bad_request(format!(
                "challenge {index}: id_hash 0 means \"no identifier\" and cannot be challenged"
            )));
        }
        let recorded_on = match c.recorded_on.as_deref() {
            None => None,
            Some(day) => Some(probity_core::parse_date(day).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "challenge {index}: recorded_on is not a calendar date YYYY-MM-DD"
                ))
            })?),
        };
        let detail = Disclosure::new(
            &mut OsRng,
            ChallengeDetail {
                id_hash,
                min_value: Amount(c.min_value),
                registry: Some(req.registry.clone()),
            },
        );
        asked.push((c.official, recorded_on, detail));
    }
    let (tx_outcome, rx_outcome) = std::sync::mpsc::channel();
    let receipts = s
        .write(Box::new(move |state, _| {
            let mut issued = Vec::new();
            let mut skipped = Vec::new();
            let mut drafts = Vec::new();
            // Pairs issued by this batch: a register listing an asset twice asks once.
            let mut this_batch = std::collections::HashSet::new();
            for (index, (official, recorded_on, detail)) in asked.into_iter().enumerate() {
                let pair = (official.clone(), detail.detail.id_hash);
                let period = if !state.officials().contains_key(&official) {
                    Err(SkipReason::UnknownOfficial)
                } else if state.challenged.contains(&pair) || this_batch.contains(&pair) {
                    Err(SkipReason::AlreadyChallenged)
                } else {
                    match state.latest_period(&official) {
                        None => Err(SkipReason::NotFiled),
                        // Recorded on or after the first day after the period.
                        Some(p) if recorded_on.is_some_and(|d| d >= p.end_day()) => {
                            Err(SkipReason::RecordedAfterPeriod)
                        }
                        Some(p) => Ok(p),
                    }
                };
                let period = match period {
                    Ok(period) => period,
                    Err(reason) => {
                        skipped.push(BatchSkipped { index, reason });
                        continue;
                    }
                };
                let challenge = {
                    let mut bytes = [0u8; 16];
                    rand::RngCore::fill_bytes(&mut OsRng, &mut bytes);
                    ChallengeId(bytes)
                };
                this_batch.insert(pair);
                issued.push(BatchIssued {
                    index,
                    challenge,
                    period,
                });
                drafts.push(Draft::with_private(
                    ChallengeIssued {
                        challenge,
                        supervisor: supervisor.clone(),
                        official,
                        period,
                        deadline,
                        detail: detail.digest(),
                    },
                    Private::Challenge(detail),
                ));
            }
            let _ = tx_outcome.send((issued, skipped));
            Ok(drafts)
        }))
        .await?;
    let (issued, skipped) = rx_outcome
        .try_recv()
        .map_err(|_| ApiError::internal("the batch's outcome was not recorded"))?;
    Ok(Json(ChallengesIssued {
        issued,
        skipped,
        receipts,
    }))
}

/// Every challenge, with its details.
#[utoipa::path(get, path = "/v1/supervisor/challenges", tag = "supervisor", responses((status = 200, body = Vec<ChallengeView>), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
pub(super) async fn supervisor_challenges(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<Vec<ChallengeView>> {
    require_supervisor(&signed.principal)?;
    let state = s.state();
    Ok(Json(
        state
            .challenges
            .iter()
            .map(|(id, c)| state.challenge_view(id, c))
            .collect(),
    ))
}

/// Every sealed tip, oldest first: open them with the supervisors' tip key.
#[utoipa::path(get, path = "/v1/supervisor/tips", tag = "supervisor", responses((status = 200, body = Vec<SealedTipView>), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
pub(super) async fn supervisor_tips(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<Vec<SealedTipView>> {
    require_supervisor(&signed.principal)?;
    let state = s.state();
    Ok(Json(
        state
            .tips
            .iter()
            .map(|(entry, t)| SealedTipView {
                entry: *entry,
                subject: t.subject.clone(),
                epoch: t.epoch,
                sealed: t.sealed.clone(),
                status: tip_status_text(t),
                replies: t.replies.clone(),
            })
            .collect(),
    ))
}

/// Reply to a tip (the whistleblower reads it with their receipt), and optionally close it.
#[utoipa::path(post, path = "/v1/supervisor/tips/{entry}/reply", tag = "supervisor", params(("entry" = u64, Path, description = "the TipReceived entry")), request_body = ReplyToTip, responses((status = 200, body = Written), (status = 404, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)))]
pub(super) async fn reply_to_tip(
    State(s): State<AppState>,
    Path(entry): Path<u64>,
    signed: Signed,
) -> ApiResult<Written> {
    require_supervisor(&signed.principal)?;
    let req: ReplyToTip = json(&signed.body)?;
    if req.message.trim().is_empty()
        || req.message.len() > MAX_REPLY_LEN
        || req.message.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(ApiError::bad_request(format!(
            "the reply must be 1 to {MAX_REPLY_LEN} bytes of text"
        )));
    }
    {
        let state = s.state();
        let tip = state
            .tips
            .get(&entry)
            .ok_or_else(|| ApiError::not_found("no tip at this entry"))?;
        if tip.closed {
            return Err(ApiError::conflict("this tip is closed"));
        }
    }
    let reply = TipReply {
        day: rules::day_of(s.now()),
        message: req.message.clone(),
    };
    let seq = s.db.sled().generate_id()?;
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&entry.to_be_bytes());
    key[8..].copy_from_slice(&seq.to_be_bytes());
    let value = serde_json::to_vec(&reply).map_err(|e| ApiError::internal(e.to_string()))?;
    s.trees.replies.insert(key, value)?;
    s.flush().await?;
    let receipts = if req.close {
        let outcome = Disclosure::new(&mut OsRng, req.message);
        let written = s
            .write(Box::new(move |state, _| {
                let tip = state
                    .tips
                    .get(&entry)
                    .ok_or_else(|| ApiError::not_found("no tip at this entry"))?;
                // Checked again in log order: of two closes racing past the check above,
                // one closes the tip and the other is refused.
                if tip.closed {
                    return Err(ApiError::conflict("this tip is closed"));
                }
                let tip_entry = EntryIndex::new(entry).map_err(ApiError::internal)?;
                Ok(vec![Draft::with_private(
                    TipClosed {
                        tip_entry,
                        outcome: outcome.digest(),
                    },
                    Private::TipOutcome(outcome),
                )])
            }))
            .await;
        match written {
            Ok(receipts) => receipts,
            Err(e) => {
                // Refused: its reply must not stay behind either (it would reappear after a
                // restart).
                let _ = s.trees.replies.remove(key);
                let _ = s.flush().await;
                return Err(e);
            }
        }
    } else {
        Vec::new()
    };
    s.add_reply(entry, reply);
    Ok(Json(Written { receipts }))
}

/// Every alert, with its details.
#[utoipa::path(get, path = "/v1/supervisor/alerts", tag = "supervisor", responses((status = 200, body = Vec<AlertView>), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
pub(super) async fn supervisor_alerts(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<Vec<AlertView>> {
    require_supervisor(&signed.principal)?;
    Ok(Json(s.state().alerts.clone()))
}

/// The risk view: per official with open alerts, the alerts by weight and their total,
/// officials with the heaviest total first.
#[utoipa::path(get, path = "/v1/supervisor/risk", tag = "supervisor", responses((status = 200, body = Vec<RiskView>), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
pub(super) async fn supervisor_risk(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<Vec<RiskView>> {
    require_supervisor(&signed.principal)?;
    Ok(Json(rules::risk_view(&s.state())))
}

/// Every investigative detail with its salt, by entry: check each against the entry's
/// public digest, and rebuild withheld `asset_included` proofs to re-verify them.
#[utoipa::path(get, path = "/v1/supervisor/disclosures", tag = "supervisor", responses((status = 200, body = Vec<DisclosureView>), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
pub(super) async fn supervisor_disclosures(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<Vec<DisclosureView>> {
    require_supervisor(&signed.principal)?;
    Ok(Json(s.state().disclosures.clone()))
}
