//! The alerts the rules ([`crate::rules`]) set off, as drafts for the writer: an `Alert` entry
//! whose details stay off the public ledger, disclosed to supervisors (DESIGN.md §9). The
//! routes, the deadline sweep and the tip pool log them; nothing here reads a request.

use probity_core::{Category, OfficialId, Period};
use probity_ledger::{Alert, ChallengeExpired, Disclosure, RuleName, Timestamp};
use rand::rngs::OsRng;

use crate::{
    api::{AlertDetail, Band},
    config::Config,
    in_force::InForce,
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

/// The alert of `rule` with `detail`, if `rule` is on in `force`.
fn alert_if_on(force: &InForce, rule: &str, detail: AlertDetail) -> Option<Draft> {
    force.is_on(rule).then(|| alert(rule, detail))
}

/// What the deadlines set off at `now`: expired challenges (each with its alerts: a
/// registry challenge's name the register, so that they reach the department that owns it)
/// and overdue declarations (with `many_late_filings` when the overdue one makes enough).
/// An alert is raised only where its rule is on for the period it concerns; a challenge
/// expires whatever the rules.
pub(crate) fn sweep_drafts(state: &State, config: &Config, now: Timestamp) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for id in rules::expired_challenges(state, now) {
        let Some(c) = state.challenges.get(&id) else {
            continue;
        };
        let force = InForce::for_period(state, config, c.period);
        drafts.push(Draft::public(ChallengeExpired { challenge: id }));
        let registry = rules::registry_unanswered(c.detail.as_ref()).cloned();
        let detail = AlertDetail {
            official: c.official.clone(),
            period: Some(c.period),
            challenge: Some(id),
            registry: registry.clone(),
            message: format!(
                "the challenge went unanswered past its deadline ({})",
                rules::format_ms(c.deadline)
            ),
        };
        if let Some(registry) = registry {
            drafts.extend(alert_if_on(
                &force,
                rules::REGISTRY_UNANSWERED,
                AlertDetail {
                    message: format!(
                        "the {registry} register lists an asset of `{}` that was not proved declared in {} by the deadline ({})",
                        c.official,
                        c.period,
                        rules::format_ms(c.deadline)
                    ),
                    ..detail.clone()
                },
            ));
        }
        drafts.extend(alert_if_on(&force, rules::CHALLENGE_EXPIRED, detail));
    }
    for detail in rules::declaration_overdue(state, now) {
        let Some(period) = detail.period else {
            continue;
        };
        let force = InForce::for_period(state, config, period);
        drafts.extend(late_alert(state, &force, &detail.official, period, now));
        drafts.extend(alert_if_on(&force, rules::DECLARATION_OVERDUE, detail));
    }
    drafts
}

/// `many_late_filings` for `official`, if `period` is late and makes enough late periods in
/// the window (as `force`, in force for `period`, sets them), and it was not raised for that
/// period yet.
fn late_alert(
    state: &State,
    force: &InForce,
    official: &OfficialId,
    period: Period,
    now: Timestamp,
) -> Option<Draft> {
    let late = rules::late_periods(state, official, period, now, force.late_filings_window);
    let key = (
        rules::MANY_LATE_FILINGS.to_owned(),
        official.clone(),
        Some(period),
        None,
    );
    let fires = late.first() == Some(&period)
        && rules::many_late_filings(late.len(), force.late_filings_threshold)
        && !state.alerted.contains(&key);
    (fires && force.is_on(rules::MANY_LATE_FILINGS)).then(|| {
        let periods: Vec<String> = late.iter().rev().map(ToString::to_string).collect();
        alert(
            rules::MANY_LATE_FILINGS,
            AlertDetail {
                official: official.clone(),
                period: Some(period),
                challenge: None,
                registry: None,
                message: format!(
                    "late in {} of the last {} periods with a deadline: {}",
                    late.len(),
                    force.late_filings_window,
                    periods.join(", ")
                ),
            },
        )
    })
}

/// What a filing is, for the rules it may set off.
pub(crate) struct FilingFacts<'a> {
    pub(crate) official: &'a OfficialId,
    pub(crate) period: Period,
    /// The official's latest filed period before this one.
    pub(crate) previous: Option<Period>,
    /// Whether the filing carries a `wealth_growth` proof from `previous`.
    pub(crate) has_wealth_growth: bool,
    /// The public band its `net_worth_range` proof shows.
    pub(crate) band: Band,
    /// The category and bounds of each `category_total_range` proof it carries.
    pub(crate) category_ranges: &'a [(Category, i64, i64)],
}

/// The alerts a filing sets off, in this order: it lacks a proof its policy requires (one
/// per requirement), it amends an earlier one (and after a challenge or tip), it is late (and
/// one of many), it lacks the `wealth_growth` proof from the previous period (twice
/// running), its band jumped. Each only where its rule is on in `force`, what is in force
/// for the filing's period.
pub(crate) fn filing_alerts(
    state: &State,
    force: &InForce,
    filing: &FilingFacts<'_>,
    now: Timestamp,
) -> Vec<Draft> {
    let FilingFacts {
        official,
        period,
        previous,
        has_wealth_growth,
        band,
        category_ranges,
    } = *filing;
    let about = |message: String| AlertDetail {
        official: official.clone(),
        period: Some(period),
        challenge: None,
        registry: None,
        message,
    };
    let mut drafts = Vec::new();
    for missing in rules::required_proof_missing(state, official, period, category_ranges) {
        drafts.extend(alert_if_on(
            force,
            rules::REQUIRED_PROOF_MISSING,
            about(format!(
                "the {period} filing lacks `{}`, which policy version {} requires of this position: a category_total_range proof that the total of {} is within {} to {}",
                missing.requirement.name.as_str(),
                missing.version,
                missing.requirement.category.name().unwrap_or("a category"),
                probity_core::format_minor_units(missing.requirement.lo.0.into()),
                probity_core::format_minor_units(missing.requirement.hi.0.into()),
            )),
        ));
    }
    if rules::declaration_amended(state, official, period) {
        drafts.extend(alert_if_on(
            force,
            rules::DECLARATION_AMENDED,
            about(format!(
                "a second declaration for {period} replaces the earlier one"
            )),
        ));
        if let Some(why) = rules::amended_after_challenge(state, official, period) {
            drafts.extend(alert_if_on(
                force,
                rules::AMENDED_AFTER_CHALLENGE,
                about(why),
            ));
        }
    }
    if rules::filed_after_deadline(state.deadline(period), now) {
        drafts.extend(alert_if_on(
            force,
            rules::FILED_AFTER_DEADLINE,
            about(format!("filed after the {period} deadline")),
        ));
        if state.filing(official, period).is_none() {
            drafts.extend(late_alert(state, force, official, period, now));
        }
    }
    if rules::wealth_growth_missing(previous, has_wealth_growth) {
        let from = previous.map(|p| p.to_string()).unwrap_or_default();
        drafts.extend(alert_if_on(
            force,
            rules::WEALTH_GROWTH_MISSING,
            about(format!(
                "filed for {period} without a wealth_growth proof from {from}: growth is not shown to be explained by income",
            )),
        ));
        if rules::repeat_unexplained_growth(state, official, previous, has_wealth_growth) {
            drafts.extend(alert_if_on(
                force,
                rules::REPEAT_UNEXPLAINED_GROWTH,
                about(format!(
                    "no wealth_growth proof for {from} nor for {period}: two periods running without growth shown to be explained by income"
                )),
            ));
        }
    }
    let before = previous.and_then(|p| state.band(official, p));
    if let Some(rise) =
        before.and_then(|b| rules::band_jump(&force.bands, b, band, force.band_jump_bands))
    {
        drafts.extend(alert_if_on(
            force,
            rules::BAND_JUMP,
            about(format!(
                "the net-worth band rose {rise} bands from {} ({}) to {period} ({})",
                previous.map(|p| p.to_string()).unwrap_or_default(),
                band_text(before.unwrap_or(band)),
                band_text(band)
            )),
        ));
    }
    drafts
}

/// A public band in words, in major units with two decimals, as the register shows amounts.
fn band_text(b: Band) -> String {
    format!(
        "{} to {}",
        probity_core::format_minor_units(b.lo.into()),
        probity_core::format_minor_units(b.hi.into())
    )
}
