//! The alerts the rules ([`crate::rules`]) set off, as drafts for the writer: an `Alert` entry
//! whose details stay off the public ledger, disclosed to supervisors (DESIGN.md §9). The
//! routes, the deadline sweep and the tip pool log them; nothing here reads a request.

use probity_core::{OfficialId, Period};
use probity_ledger::{Alert, ChallengeExpired, Disclosure, RuleName, Timestamp};
use rand::rngs::OsRng;

use crate::{
    api::AlertDetail,
    rules,
    shared::Draft,
    state::{Private, State},
};

/// The alert of `rule` with `detail`, its details kept off the public ledger.
pub(crate) fn alert(rule: &str, detail: AlertDetail) -> Draft {
    let disclosure = Disclosure::new(&mut OsRng, detail);
    Draft::with_private(
        Alert {
            rule: RuleName::new(rule).expect("rule names are valid"),
            detail: disclosure.digest(),
        },
        Private::Alert(disclosure),
    )
}

/// What the deadlines set off at `now`: expired challenges (each with its alert) and
/// overdue declarations.
pub(crate) fn sweep_drafts(state: &State, now: Timestamp) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for id in rules::expired_challenges(state, now) {
        let Some(c) = state.challenges.get(&id) else {
            continue;
        };
        drafts.push(Draft::public(ChallengeExpired { challenge: id }));
        drafts.push(alert(
            rules::CHALLENGE_EXPIRED,
            AlertDetail {
                official: c.official.clone(),
                period: Some(c.period),
                challenge: Some(id),
                message: format!(
                    "the challenge went unanswered past its deadline ({})",
                    rules::format_ms(c.deadline)
                ),
            },
        ));
    }
    for detail in rules::declaration_overdue(state, now) {
        drafts.push(alert(rules::DECLARATION_OVERDUE, detail));
    }
    drafts
}

/// The alerts a filing by `official` for `period` sets off, in this order: it amends an
/// earlier one, it is late, it lacks the `wealth_growth` proof from the `previous` period.
pub(crate) fn filing_alerts(
    state: &State,
    official: &OfficialId,
    period: Period,
    previous: Option<Period>,
    has_wealth_growth: bool,
    now: Timestamp,
) -> Vec<Draft> {
    let mut drafts = Vec::new();
    if rules::declaration_amended(state, official, period) {
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
    if rules::wealth_growth_missing(previous, has_wealth_growth) {
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
    drafts
}
