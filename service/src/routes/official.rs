//! An official's routes: filing a declaration with its proofs, reading the challenges
//! addressed to them, answering one. Every request is signed with the official's registered
//! key.

use axum::{
    extract::{Path, State},
    Json,
};
use probity_core::{Commitment, OfficialId, Period, ProofEnvelope, PublicInputs, StatementKind};
use probity_ledger::{
    ChallengeAnswered, ChallengeId, DeclarationFiled, Entry, EntryBody, EntryIndex, ProofAccepted,
    PublicKey, Receipt, Timestamp,
};
use rand::rngs::OsRng;

use super::{json, require_official, ApiResult, AppState, Signed};
use crate::{
    alerts::{filing_alerts, FilingFacts},
    api::*,
    error::ApiError,
    in_force::InForce,
    rules,
    shared::{Draft, Prepare, Shared},
    state::{Challenge, Private, State as Facts},
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
    check_filer(&official, &filing)?;
    check_signature(&s, &official, &filing)?;
    check_capacity(&s, &filing)?;
    check_proof_set(&official, &filing, &req.proofs)?;
    let inputs = s.proofs.verify(req.proofs.clone()).await?;
    let shown = check_public_inputs(&filing, &inputs)?;
    let receipts = s
        .write(record_filing(
            s.config.clone(),
            official,
            filing,
            req.proofs,
            shown,
        ))
        .await?;
    let alerts = alerts_in(&receipts);
    Ok(Json(FilingAccepted { receipts, alerts }))
}

/// Where a filing's `wealth_growth` proof starts: the previous period and its commitment.
type GrowthStart = (Period, Commitment);

/// What a filing's verified proofs show, for the ledger checks and the rules.
struct FiledProofs {
    /// The public band of net worth.
    band: Band,
    /// Where the `wealth_growth` proof starts, if there is one.
    growth: Option<GrowthStart>,
    /// The `wealth_growth` proof's tolerance, if there is one.
    tolerance: Option<u64>,
    /// Each `category_total_range` proof's category and bounds.
    category_ranges: Vec<(probity_core::Category, i64, i64)>,
}

/// An official files only for themselves.
fn check_filer(official: &OfficialId, filing: &DeclarationFiled) -> Result<(), ApiError> {
    if filing.official != *official {
        return Err(ApiError::forbidden(format!(
            "you are signed in as `{official}` and may file only for yourself, not for `{}`",
            filing.official
        )));
    }
    Ok(())
}

/// The filing is signed with the official's registered key (the request's signature shows
/// who sent it; the filing's, which goes on the ledger, shows who declared it).
fn check_signature(
    s: &Shared,
    official: &OfficialId,
    filing: &DeclarationFiled,
) -> Result<(), ApiError> {
    let directory = s.directory();
    let info = directory
        .officials
        .get(official)
        .ok_or_else(|| ApiError::unauthorized("you are not registered"))?;
    let key = PublicKey::from_hex(&info.public_key).map_err(ApiError::internal)?;
    filing.verify_signature(&key).map_err(|_| {
        ApiError::unprocessable("the filing's signature does not verify with your registered key")
    })
}

/// The service has verifying keys for the filing's capacity.
fn check_capacity(s: &Shared, filing: &DeclarationFiled) -> Result<(), ApiError> {
    if !s
        .proofs
        .accepts(StatementKind::NetWorthRange, filing.capacity)
    {
        return Err(ApiError::unprocessable(format!(
            "the service has no keys for capacity {}: it accepts {:?}",
            filing.capacity, s.config.capacities
        )));
    }
    Ok(())
}

/// Most `category_total_range` proofs one filing carries (one per category, at most).
const MAX_CATEGORY_PROOFS: usize = 16;

/// The proofs are the ones a filing carries (one `net_worth_range`, at most one
/// `wealth_growth`, the `category_total_range` proofs its policy asks for, nothing else),
/// each about this official at the filing's capacity.
fn check_proof_set(
    official: &OfficialId,
    filing: &DeclarationFiled,
    proofs: &[ProofEnvelope],
) -> Result<(), ApiError> {
    let count = |k: StatementKind| proofs.iter().filter(|p| p.statement == k).count();
    if count(StatementKind::NetWorthRange) != 1
        || count(StatementKind::WealthGrowth) > 1
        || count(StatementKind::CategoryTotalRange) > MAX_CATEGORY_PROOFS
        || count(StatementKind::AssetIncluded) > 0
    {
        return Err(ApiError::unprocessable(format!(
            "a filing carries exactly one net_worth_range proof, at most one wealth_growth proof (from the previous filed period), at most {MAX_CATEGORY_PROOFS} category_total_range proofs (what the policy requires), and no asset_included proof (those answer challenges)",
        )));
    }
    if let Some(p) = proofs
        .iter()
        .find(|p| p.official != *official || p.capacity != filing.capacity)
    {
        return Err(ApiError::unprocessable(format!(
            "the {} proof is about `{}` at capacity {}, not this filing",
            p.statement, p.official, p.capacity
        )));
    }
    Ok(())
}

/// The verified proofs' public inputs match the filing: the `net_worth_range` proof is
/// about this commitment and period, the `wealth_growth` proof ends at them, each
/// `category_total_range` proof is about them. Returns what the proofs show, for the writer
/// to hold against the policy in force ([`check_against_policy`]).
fn check_public_inputs(
    filing: &DeclarationFiled,
    inputs: &[PublicInputs],
) -> Result<FiledProofs, ApiError> {
    let mut growth = None;
    let mut tolerance = None;
    let mut filed_band = None;
    let mut category_ranges = Vec::new();
    for x in inputs {
        match x {
            PublicInputs::NetWorthRange(n) => {
                if n.commitment != filing.commitment || n.period != filing.period {
                    return Err(ApiError::unprocessable(
                        "the net_worth_range proof is about another commitment or period than this filing",
                    ));
                }
                filed_band = Some(Band {
                    lo: n.lo.0,
                    hi: n.hi.0,
                });
            }
            PublicInputs::CategoryTotalRange(c) => {
                if c.commitment != filing.commitment || c.period != filing.period {
                    return Err(ApiError::unprocessable(
                        "a category_total_range proof is about another commitment or period than this filing",
                    ));
                }
                category_ranges.push((c.category, c.lo.0, c.hi.0));
            }
            PublicInputs::WealthGrowth(w) => {
                if w.commitment_curr != filing.commitment || w.period_curr != filing.period {
                    return Err(ApiError::unprocessable(
                        "the wealth_growth proof must end at this filing's commitment and period",
                    ));
                }
                growth = Some((w.period_prev, w.commitment_prev));
                tolerance = Some(w.tolerance.0);
            }
            _ => {}
        }
    }
    // check_proof_set let exactly one net_worth_range proof through.
    let band = filed_band.ok_or_else(|| ApiError::internal("the net_worth_range proof is gone"))?;
    Ok(FiledProofs {
        band,
        growth,
        tolerance,
        category_ranges,
    })
}

/// What the proofs show meets what is in force for the filing's period: the band is one of
/// its public bands and the `wealth_growth` tolerance is its tolerance. The writer checks
/// this, in log order, so that a policy published while the filing was verified is the one
/// it is held to.
fn check_against_policy(force: &InForce, shown: &FiledProofs) -> Result<(), ApiError> {
    let policy = match force.policy_version {
        0 => "the service's policy (/v1/info)".to_owned(),
        v => format!("policy version {v} (/v1/policies)"),
    };
    if !force.bands.contains(&shown.band) {
        return Err(ApiError::unprocessable(format!(
            "the net_worth_range bounds are not one of the public bands of {policy}"
        )));
    }
    if let Some(t) = shown
        .tolerance
        .filter(|t| *t != force.wealth_growth_tolerance)
    {
        return Err(ApiError::unprocessable(format!(
            "the wealth_growth tolerance is {t}, not the {} of {policy}",
            force.wealth_growth_tolerance
        )));
    }
    Ok(())
}

/// The writer's job for a checked filing: in log order, the official is still registered
/// and the growth proof starts from their latest filing before this period; then it logs
/// the filing, its proofs, and the alerts it sets off.
fn record_filing(
    config: crate::config::Config,
    official: OfficialId,
    filing: DeclarationFiled,
    proofs: Vec<ProofEnvelope>,
    shown: FiledProofs,
) -> Prepare {
    Box::new(move |state: &Facts, now: Timestamp| {
        if !state.officials().contains_key(&official) {
            return Err(ApiError::unauthorized("you are not registered"));
        }
        let period = filing.period;
        let force = InForce::for_period(state, &config, period);
        check_against_policy(&force, &shown)?;
        let previous = state.previous_period(&official, period);
        check_growth_start(state, &official, &filing, previous, shown.growth)?;
        let facts = FilingFacts {
            official: &official,
            period,
            previous,
            has_wealth_growth: shown.growth.is_some(),
            band: shown.band,
            category_ranges: &shown.category_ranges,
        };
        let alerts = filing_alerts(state, &force, &facts, now);
        let mut entries = vec![Draft::public(filing)];
        for envelope in &proofs {
            let (entry, _) = ProofAccepted::from_envelope(envelope, &mut OsRng)
                .map_err(|e| ApiError::unprocessable(e.to_string()))?;
            entries.push(Draft::public(entry));
        }
        entries.extend(alerts);
        Ok(entries)
    })
}

/// A `wealth_growth` proof starts from the official's `previous` filing (their latest before
/// this period), with its commitment and the same capacity.
fn check_growth_start(
    state: &Facts,
    official: &OfficialId,
    filing: &DeclarationFiled,
    previous: Option<Period>,
    growth: Option<GrowthStart>,
) -> Result<(), ApiError> {
    let Some((prev_period, prev_commitment)) = growth else {
        return Ok(());
    };
    let prev = state.filing(official, prev_period);
    let matches = previous == Some(prev_period)
        && prev.is_some_and(|f| f.commitment == prev_commitment && f.capacity == filing.capacity);
    if !matches {
        return Err(ApiError::unprocessable(format!(
            "the wealth_growth proof must start from your latest filing before {} ({}), with its commitment and capacity",
            filing.period,
            previous.map_or_else(|| "there is none".to_owned(), |p| p.to_string())
        )));
    }
    Ok(())
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
            .map(|(id, c)| ChallengeView {
                // Which register found the asset is the supervisors' to know.
                registry: None,
                ..state.challenge_view(id, c)
            })
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
