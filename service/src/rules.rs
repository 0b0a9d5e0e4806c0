//! Rules that turn ledger facts into alerts for supervisors (DESIGN.md §9). Each rule is a
//! small named function of what the ledger says; the writer logs an `Alert` entry when one
//! fires, with its details kept for supervisors. [`ALL`] lists them with what fires each and
//! its weight in the risk view, and `/v1/info` publishes that list.
//!
//! | rule | fires when |
//! |---|---|
//! | [`DECLARATION_OVERDUE`] | a period's deadline passed and a registered official has not filed for it |
//! | [`FILED_AFTER_DEADLINE`] | a filing arrives after its period's deadline |
//! | [`WEALTH_GROWTH_MISSING`] | a filing for a period that has a previous one comes without an accepted `wealth_growth` proof |
//! | [`CHALLENGE_EXPIRED`] | a challenge's deadline passed without an answer |
//! | [`MANY_REPORTERS`] | the distinct reporters on one official in one epoch reach the threshold, for the first time within the window |
//! | [`DECLARATION_AMENDED`] | a second declaration is filed for the same period |
//! | [`BAND_JUMP`] | the public net-worth band rises by `band_jump_bands` bands or more from the official's previous filed period |
//! | [`AMENDED_AFTER_CHALLENGE`] | a declaration is amended after a challenge on that period, or after a tip on the official logged since the period's first filing |
//! | [`REGISTRY_UNANSWERED`] | a challenge a registry import issued expires unanswered (the alert names the register) |
//! | [`MANY_LATE_FILINGS`] | an official is late (filed after the deadline, or not at all) in `late_filings_threshold` of the last `late_filings_window` periods with a deadline |
//! | [`REPEAT_UNEXPLAINED_GROWTH`] | `wealth_growth` is missing in two consecutive filed periods |
//!
//! Time-based rules (overdue, expired) fire once per official and period, or per challenge.

use probity_core::{OfficialId, Period, StatementKind};
use probity_ledger::{ChallengeDetail, ChallengeId, PolicyRequirement, RegistryName, Timestamp};

use std::collections::BTreeMap;

use crate::{
    api::{AlertDetail, AlertView, Band, OfficialInfo, RiskReason, RiskView},
    config::Config,
    state::State,
};

/// Rule: a period's deadline passed without a filing.
pub const DECLARATION_OVERDUE: &str = "declaration_overdue";
/// Rule: a filing came after its period's deadline.
pub const FILED_AFTER_DEADLINE: &str = "filed_after_deadline";
/// Rule: a filing with a previous period came without an accepted `wealth_growth` proof.
pub const WEALTH_GROWTH_MISSING: &str = "wealth_growth_missing";
/// Rule: a challenge expired unanswered.
pub const CHALLENGE_EXPIRED: &str = "challenge_expired";
// Rule: at least K distinct reporters on one official in one epoch of the window. Defined with
// the state, which settles the alerts of this rule that wait for the end of a tip pool.
pub use crate::state::MANY_REPORTERS;
/// Rule: a second declaration for the same period.
pub const DECLARATION_AMENDED: &str = "declaration_amended";

/// Rule: the net-worth band rose by the configured number of bands or more.
pub const BAND_JUMP: &str = "band_jump";
/// Rule: a declaration was amended after a challenge or a tip concerning its period.
pub const AMENDED_AFTER_CHALLENGE: &str = "amended_after_challenge";
/// Rule: a registry challenge expired unanswered.
pub const REGISTRY_UNANSWERED: &str = "registry_unanswered";
/// Rule: late in N of the last M periods.
pub const MANY_LATE_FILINGS: &str = "many_late_filings";
/// Rule: `wealth_growth` missing in two consecutive filed periods.
pub const REPEAT_UNEXPLAINED_GROWTH: &str = "repeat_unexplained_growth";

/// Rule: a filing lacks a proof its policy requires.
pub const REQUIRED_PROOF_MISSING: &str = "required_proof_missing";

/// A rule as `/v1/info` lists it.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Its name, as `Alert` entries carry it.
    pub name: &'static str,
    /// What fires it.
    pub fires_when: &'static str,
    /// What one of its alerts adds to an official's total in the risk view. The weights
    /// rank what a supervisor should look at first; they are published, and every total
    /// is shown with the alerts that make it up, never as a bare score.
    pub weight: u32,
}

/// Every rule, with what fires it and its weight in the risk view.
pub const ALL: [Rule; 12] = [
    Rule {
        name: DECLARATION_OVERDUE,
        fires_when: "a period's deadline passed and the official has not filed for it",
        weight: 3,
    },
    Rule {
        name: FILED_AFTER_DEADLINE,
        fires_when: "a filing arrives after its period's deadline",
        weight: 1,
    },
    Rule {
        name: WEALTH_GROWTH_MISSING,
        fires_when: "a filing with a previous filed period comes without an accepted wealth_growth proof from it",
        weight: 3,
    },
    Rule {
        name: CHALLENGE_EXPIRED,
        fires_when: "a challenge's deadline passed without an answer (for a registry challenge the alert names the register)",
        weight: 3,
    },
    Rule {
        name: MANY_REPORTERS,
        fires_when: "the distinct reporters on one official in one epoch first reach reporters_threshold within reporters_window_epochs",
        weight: 4,
    },
    Rule {
        name: DECLARATION_AMENDED,
        fires_when: "a second declaration is filed for the same period",
        weight: 1,
    },
    Rule {
        name: BAND_JUMP,
        fires_when: "the public net-worth band rises by band_jump_bands bands or more from the official's previous filed period",
        weight: 3,
    },
    Rule {
        name: AMENDED_AFTER_CHALLENGE,
        fires_when: "a declaration is amended after a challenge on its period, or after a tip on the official logged since the period's first filing",
        weight: 4,
    },
    Rule {
        name: REGISTRY_UNANSWERED,
        fires_when: "a challenge issued from a registry import expires unanswered: the register lists an asset the official did not prove declared",
        weight: 5,
    },
    Rule {
        name: MANY_LATE_FILINGS,
        fires_when: "the official was late (after the deadline, or not at all) in late_filings_threshold of the last late_filings_window periods with a deadline",
        weight: 2,
    },
    Rule {
        name: REQUIRED_PROOF_MISSING,
        fires_when: "a filing lacks a proof that the policy in force for its period requires of the official's position and jurisdiction (one alert per requirement, named)",
        weight: 4,
    },
    Rule {
        name: REPEAT_UNEXPLAINED_GROWTH,
        fires_when: "wealth_growth is missing in two consecutive filed periods",
        weight: 4,
    },
];

/// The config settings `rule` reads, with their values in `config`.
pub(crate) fn settings(rule: &str, config: &Config) -> Vec<(&'static str, u64)> {
    let n = |x: usize| u64::try_from(x).unwrap_or(u64::MAX);
    match rule {
        MANY_REPORTERS => vec![
            ("reporters_threshold", n(config.reporters_threshold)),
            ("reporters_window_epochs", config.reporters_window_epochs),
        ],
        BAND_JUMP => vec![("band_jump_bands", n(config.band_jump_bands))],
        MANY_LATE_FILINGS => vec![
            ("late_filings_threshold", n(config.late_filings_threshold)),
            ("late_filings_window", n(config.late_filings_window)),
        ],
        _ => Vec::new(),
    }
}

/// The weight of `rule` in the risk view (0 for a rule this build does not know).
pub fn weight(rule: &str) -> u32 {
    ALL.iter().find(|r| r.name == rule).map_or(0, |r| r.weight)
}

/// Officials who have not filed for a period whose deadline is before `now`, and were not
/// alerted for it yet.
pub(crate) fn declaration_overdue(state: &State, now: Timestamp) -> Vec<AlertDetail> {
    let mut found = Vec::new();
    for (period, deadline) in state.deadlines_until(now) {
        if deadline >= now {
            continue;
        }
        for official in state.officials().keys() {
            let key = (
                DECLARATION_OVERDUE.to_owned(),
                official.clone(),
                Some(period),
                None,
            );
            if state.filing(official, period).is_none() && !state.alerted.contains(&key) {
                found.push(AlertDetail {
                    official: official.clone(),
                    period: Some(period),
                    challenge: None,
                    registry: None,
                    message: format!(
                        "no declaration for {period}: the deadline was {}",
                        format_ms(deadline)
                    ),
                });
            }
        }
    }
    found
}

/// Whether a filing at `filed` is after the period's `deadline` (none set: never late).
pub(crate) fn filed_after_deadline(deadline: Option<Timestamp>, filed: Timestamp) -> bool {
    deadline.is_some_and(|d| filed > d)
}

/// Whether a filing needs a `wealth_growth` proof it does not carry: it has a previous
/// period and no accepted proof from it.
pub(crate) fn wealth_growth_missing(previous: Option<Period>, has_wealth_growth: bool) -> bool {
    previous.is_some() && !has_wealth_growth
}

/// Open challenges whose deadline is before `now`.
pub(crate) fn expired_challenges(state: &State, now: Timestamp) -> Vec<ChallengeId> {
    state
        .challenges
        .iter()
        .filter(|(_, c)| c.answer.is_none() && !c.expired && c.deadline < now)
        .map(|(id, _)| *id)
        .collect()
}

/// Whether one more distinct reporter takes the count from below `threshold` to it: the
/// alert fires once as the count crosses, not at every later tip.
pub(crate) fn many_reporters(before: usize, after: usize, threshold: usize) -> bool {
    before < threshold && after >= threshold
}

/// Whether `official` already filed for `period`: a new filing amends it.
pub(crate) fn declaration_amended(state: &State, official: &OfficialId, period: Period) -> bool {
    state.filing(official, period).is_some()
}

/// How many bands the net worth rose from `previous` to `current`, if it rose by
/// `threshold` bands or more. Bands are the public ones in order; a band that is not one
/// of them never fires (the service accepts only public bands).
pub(crate) fn band_jump(
    bands: &[Band],
    previous: Band,
    current: Band,
    threshold: usize,
) -> Option<usize> {
    let at = |b: Band| bands.iter().position(|x| *x == b);
    let rise = at(current)?.checked_sub(at(previous)?)?;
    (rise >= threshold.max(1)).then_some(rise)
}

/// Why amending `official`'s declaration for `period` now comes after a challenge or a tip,
/// if it does: a challenge on that period (any, answered or not), or a tip on the official
/// logged after the period's first filing. `None` when this is no amendment.
pub(crate) fn amended_after_challenge(
    state: &State,
    official: &OfficialId,
    period: Period,
) -> Option<String> {
    let first = state
        .filings
        .get(official)?
        .iter()
        .find(|f| f.period == period)?;
    if let Some(c) = state
        .challenges
        .values()
        .find(|c| c.official == *official && c.period == period)
    {
        return Some(format!(
            "the {period} declaration is amended after a challenge on it (entry {})",
            c.entry
        ));
    }
    state
        .tips
        .range(first.entry + 1..)
        .find(|(_, t)| t.subject == official.as_str())
        .map(|(entry, _)| {
            format!(
                "the {period} declaration is amended after a tip on the official (entry {entry})"
            )
        })
}

/// The register a challenge's expiry is to be routed to: the one its records came from,
/// for a challenge a registry import issued.
pub(crate) fn registry_unanswered(detail: Option<&ChallengeDetail>) -> Option<&RegistryName> {
    detail?.registry.as_ref()
}

/// Of the last `window` periods with a deadline, up to and including `period`, those in which
/// `official` was late at `now`: the first filing came after the deadline, or none came and
/// the deadline passed.
pub(crate) fn late_periods(
    state: &State,
    official: &OfficialId,
    period: Period,
    now: Timestamp,
    window: usize,
) -> Vec<Period> {
    let first_filing = |p: Period| {
        state
            .filings
            .get(official)
            .and_then(|fs| fs.iter().find(|f| f.period == p))
            .map(|f| f.time)
    };
    state
        .deadlines_until(now)
        .range(..=period)
        .rev()
        .take(window)
        .filter(|&(&p, &deadline)| match first_filing(p) {
            Some(filed) => filed > deadline,
            None => deadline < now,
        })
        .map(|(p, _)| *p)
        .collect()
}

/// Whether `late` late periods reach the threshold.
pub(crate) fn many_late_filings(late: usize, threshold: usize) -> bool {
    late >= threshold.max(1)
}

/// Whether the filing for `period` lacks `wealth_growth` for the second filed period in a
/// row: this one lacks it (`has_wealth_growth` false, with a `previous` period), and the
/// previous period's own filing lacked it too.
pub(crate) fn repeat_unexplained_growth(
    state: &State,
    official: &OfficialId,
    previous: Option<Period>,
    has_wealth_growth: bool,
) -> bool {
    let Some(previous) = previous else {
        return false;
    };
    if has_wealth_growth {
        return false;
    }
    let before = state.previous_period(official, previous);
    let previous_had_growth = state.proofs.get(official).is_some_and(|ps| {
        ps.iter().any(|p| {
            p.statement == StatementKind::WealthGrowth && p.periods.last() == Some(&previous)
        })
    });
    wealth_growth_missing(before, previous_had_growth)
}

/// Whether an alert still stands: every alert does, except a `declaration_overdue` whose
/// declaration has been filed since (the late filing raised `filed_after_deadline`).
pub(crate) fn open(state: &State, alert: &AlertView) -> bool {
    let d = &alert.detail;
    !(alert.rule == DECLARATION_OVERDUE
        && d.period
            .is_some_and(|p| state.filing(&d.official, p).is_some()))
}

/// The risk view: each official with open alerts, the alerts heaviest first (then newest),
/// and their total weight; the officials with the heaviest total first.
pub(crate) fn risk_view(state: &State) -> Vec<RiskView> {
    let mut by_official: BTreeMap<&OfficialId, Vec<RiskReason>> = BTreeMap::new();
    for a in state.alerts.iter().filter(|a| open(state, a)) {
        by_official
            .entry(&a.detail.official)
            .or_default()
            .push(RiskReason {
                rule: a.rule.clone(),
                weight: weight(&a.rule),
                entry: a.entry,
                detail: a.detail.clone(),
            });
    }
    let mut view: Vec<RiskView> = by_official
        .into_iter()
        .map(|(official, mut alerts)| {
            alerts.sort_by(|a, b| b.weight.cmp(&a.weight).then(b.entry.cmp(&a.entry)));
            let info = state.officials().get(official);
            let text = |f: fn(&OfficialInfo) -> &String| info.map(f).cloned().unwrap_or_default();
            RiskView {
                official: official.clone(),
                name: text(|i| &i.name),
                position: text(|i| &i.position),
                jurisdiction: text(|i| &i.jurisdiction),
                weight: alerts.iter().map(|a| a.weight).sum(),
                alerts,
            }
        })
        .collect();
    view.sort_by(|a, b| b.weight.cmp(&a.weight).then(a.official.cmp(&b.official)));
    view
}

/// A requirement a filing does not meet, with the policy version that makes it.
pub(crate) struct Missing<'a> {
    pub(crate) version: u32,
    pub(crate) requirement: &'a PolicyRequirement,
}

/// The requirements of the policy in force for `period` that apply to `official` (by the
/// position and jurisdiction they are registered with) and that none of the filing's
/// `category_total_range` proofs (`ranges`: category, lo, hi) meets.
pub(crate) fn required_proof_missing<'a>(
    state: &'a State,
    official: &OfficialId,
    period: Period,
    ranges: &[(probity_core::Category, i64, i64)],
) -> Vec<Missing<'a>> {
    let (Some(policy), Some(info)) = (
        crate::api::policy_for(&state.policies, period),
        state.officials().get(official),
    ) else {
        return Vec::new();
    };
    policy
        .requirements_for(&info.position, &info.jurisdiction)
        .filter(|r| !ranges.iter().any(|&(c, lo, hi)| r.met_by(c, lo, hi)))
        .map(|requirement| Missing {
            version: policy.policy_version,
            requirement,
        })
        .collect()
}

/// A timestamp as UTC text, `YYYY-MM-DD HH:MM UTC`.
pub(crate) fn format_ms(t: Timestamp) -> String {
    probity_core::format_utc(t.as_millis() / 1000)
}

/// The UTC day `YYYY-MM-DD` of a time in ms.
pub(crate) fn day_of(t: Timestamp) -> String {
    let days = i64::try_from(t.as_millis() / 86_400_000).unwrap_or(i64::MAX / 2);
    let (y, m, d) = probity_core::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use probity_core::{Capacity, Commitment, Fr};
    use probity_ledger::{
        ChallengeIssued, DeadlineSet, DeclarationFiled, DetailDigest, Disclosure, Entry,
        OfficialRegistered, PublicKey, SupervisorId,
    };

    use crate::{api::ProofInfo, state::Private};

    fn t(ms: u64) -> Timestamp {
        Timestamp::from_millis(ms).expect("small")
    }

    fn official(n: u8) -> OfficialId {
        OfficialId::new(&format!("GOV-{n:04}")).expect("valid")
    }

    fn period(p: u32) -> Period {
        Period::new(p).expect("valid")
    }

    fn key(n: u8) -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&[n; 32])
    }

    struct Builder(State);

    impl Builder {
        fn new() -> Self {
            Builder(State::new(None))
        }
        fn add(&mut self, time: u64, body: impl Into<probity_ledger::EntryBody>) -> &mut Self {
            let index = self.0.size;
            self.0.apply(index, &Entry::at(t(time), body), None);
            self
        }
        fn register(&mut self, n: u8) -> &mut Self {
            self.add(
                1,
                OfficialRegistered {
                    official: official(n),
                    public_key: PublicKey(key(n).verifying_key()),
                    name: "Name".into(),
                    position: "Position".into(),
                    jurisdiction: "CN-ZJ".into(),
                },
            )
        }
        fn file(&mut self, time: u64, n: u8, p: u32) -> &mut Self {
            self.add(
                time,
                DeclarationFiled::sign(
                    official(n),
                    period(p),
                    Capacity::C16,
                    Commitment(Fr::from(u64::from(n))),
                    &key(n),
                ),
            )
        }
    }

    #[test]
    fn overdue_fires_after_the_deadline_for_those_who_did_not_file() {
        let mut b = Builder::new();
        b.register(1).register(2).file(5, 1, 2025).add(
            6,
            DeadlineSet {
                period: period(2025),
                deadline: t(1_000),
            },
        );
        assert!(
            declaration_overdue(&b.0, t(1_000)).is_empty(),
            "not before the deadline"
        );
        let found = declaration_overdue(&b.0, t(1_001));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].official, official(2));
        assert_eq!(found[0].period, Some(period(2025)));
        b.0.alerted.insert((
            DECLARATION_OVERDUE.into(),
            official(2),
            Some(period(2025)),
            None,
        ));
        assert!(declaration_overdue(&b.0, t(2_000)).is_empty(), "fires once");
        b.file(3_000, 2, 2026);
        assert!(
            declaration_overdue(&b.0, t(4_000)).is_empty(),
            "another period's filing does not count, but the alert was already raised"
        );
    }

    #[test]
    fn late_filing_is_after_the_deadline_only() {
        assert!(!filed_after_deadline(None, t(5)));
        assert!(!filed_after_deadline(Some(t(5)), t(5)));
        assert!(filed_after_deadline(Some(t(5)), t(6)));
    }

    #[test]
    fn wealth_growth_is_missing_only_with_a_previous_period() {
        assert!(!wealth_growth_missing(None, false));
        assert!(!wealth_growth_missing(Some(period(2025)), true));
        assert!(wealth_growth_missing(Some(period(2025)), false));
    }

    #[test]
    fn challenges_expire_after_their_deadline_unless_answered() {
        let mut b = Builder::new();
        b.register(1).file(2, 1, 2025);
        for (id, deadline) in [(1u8, 100u64), (2, 200)] {
            b.add(
                3,
                ChallengeIssued {
                    challenge: ChallengeId([id; 16]),
                    supervisor: SupervisorId::new("AUDIT-1").expect("valid"),
                    official: official(1),
                    period: period(2025),
                    deadline: t(deadline),
                    detail: DetailDigest([0; 32]),
                },
            );
        }
        assert!(expired_challenges(&b.0, t(100)).is_empty());
        assert_eq!(expired_challenges(&b.0, t(150)), vec![ChallengeId([1; 16])]);
        b.add(
            4,
            probity_ledger::ChallengeAnswered {
                challenge: ChallengeId([2; 16]),
                proof_entry: probity_ledger::EntryIndex::new(1).expect("small"),
            },
        );
        b.add(
            5,
            probity_ledger::ChallengeExpired {
                challenge: ChallengeId([1; 16]),
            },
        );
        assert!(
            expired_challenges(&b.0, t(1_000)).is_empty(),
            "answered and already expired challenges do not expire again"
        );
    }

    #[test]
    fn many_reporters_fires_once_as_the_count_reaches_the_threshold() {
        assert!(!many_reporters(1, 2, 3));
        assert!(many_reporters(2, 3, 3));
        assert!(!many_reporters(3, 3, 3), "the same reporter again");
        assert!(!many_reporters(3, 4, 3), "already over");
    }

    #[test]
    fn a_second_filing_for_a_period_is_an_amendment() {
        let mut b = Builder::new();
        b.register(1).file(2, 1, 2025);
        assert!(declaration_amended(&b.0, &official(1), period(2025)));
        assert!(!declaration_amended(&b.0, &official(1), period(2026)));
        assert!(!declaration_amended(&b.0, &official(2), period(2025)));
    }

    fn band(lo: i64, hi: i64) -> Band {
        Band { lo, hi }
    }

    #[test]
    fn band_jump_fires_on_a_rise_of_two_public_bands_or_more() {
        let bands = [band(0, 9), band(10, 19), band(20, 29), band(30, 39)];
        assert_eq!(band_jump(&bands, bands[0], bands[2], 2), Some(2));
        assert_eq!(band_jump(&bands, bands[0], bands[3], 2), Some(3));
        assert_eq!(band_jump(&bands, bands[1], bands[2], 2), None, "one band");
        assert_eq!(band_jump(&bands, bands[1], bands[1], 2), None, "unchanged");
        assert_eq!(band_jump(&bands, bands[3], bands[0], 2), None, "a fall");
        assert_eq!(band_jump(&bands, bands[1], bands[2], 1), Some(1));
        assert_eq!(
            band_jump(&bands, band(0, 5), bands[3], 2),
            None,
            "a band that is not public"
        );
    }

    fn challenge_on(b: &mut Builder, id: u8, n: u8, p: u32, registry: Option<&str>) {
        let detail = Disclosure::new(
            &mut rand::rngs::OsRng,
            ChallengeDetail {
                id_hash: probity_core::IdHash(Fr::from(u64::from(id) + 100)),
                min_value: probity_core::Amount(1),
                registry: registry.map(|r| RegistryName::new(r).expect("valid")),
            },
        );
        let entry = Entry::at(
            t(10),
            ChallengeIssued {
                challenge: ChallengeId([id; 16]),
                supervisor: SupervisorId::new("AUDIT-1").expect("valid"),
                official: official(n),
                period: period(p),
                deadline: t(100),
                detail: detail.digest(),
            },
        );
        let index = b.0.size;
        b.0.apply(index, &entry, Some(&Private::Challenge(detail)));
    }

    fn tip_on(b: &mut Builder, n: u8) {
        let entry = Entry::at(
            t(10),
            probity_ledger::TipReceived {
                epoch: 1,
                tag: probity_ledger::RateLimitTag([n; 32]),
                sealed_tip_sha256: probity_ledger::Sha256Digest([0; 32]),
            },
        );
        let index = b.0.size;
        b.0.apply(
            index,
            &entry,
            Some(&Private::Tip {
                subject: official(n).to_string(),
                sealed: String::new(),
                receipt: format!("receipt-{index}"),
                raises: None,
            }),
        );
    }

    #[test]
    fn amended_after_challenge_needs_a_challenge_on_the_period_or_a_later_tip() {
        let mut b = Builder::new();
        b.register(1).register(2).file(2, 1, 2025).file(2, 2, 2025);
        assert_eq!(
            amended_after_challenge(&b.0, &official(1), period(2025)),
            None,
            "an amendment with nothing before it"
        );
        assert_eq!(
            amended_after_challenge(&b.0, &official(1), period(2026)),
            None,
            "no filing for the period: not an amendment"
        );
        challenge_on(&mut b, 1, 1, 2024, None);
        assert_eq!(
            amended_after_challenge(&b.0, &official(1), period(2025)),
            None,
            "a challenge on another period"
        );
        challenge_on(&mut b, 2, 1, 2025, Some("land"));
        let why = amended_after_challenge(&b.0, &official(1), period(2025)).expect("fires");
        assert!(why.contains("challenge"), "{why}");
        assert_eq!(
            amended_after_challenge(&b.0, &official(2), period(2025)),
            None
        );
        tip_on(&mut b, 2);
        let why = amended_after_challenge(&b.0, &official(2), period(2025)).expect("fires");
        assert!(why.contains("tip"), "{why}");

        // A tip before the period's first filing is not about what was filed.
        let mut b = Builder::new();
        b.register(3);
        tip_on(&mut b, 3);
        b.file(2, 3, 2025);
        assert_eq!(
            amended_after_challenge(&b.0, &official(3), period(2025)),
            None
        );
    }

    #[test]
    fn registry_unanswered_names_the_register_of_a_registry_challenge_only() {
        let mut b = Builder::new();
        b.register(1).file(2, 1, 2025);
        challenge_on(&mut b, 1, 1, 2025, Some("vehicles"));
        challenge_on(&mut b, 2, 1, 2025, None);
        let by_registry = &b.0.challenges[&ChallengeId([1; 16])];
        assert_eq!(
            registry_unanswered(by_registry.detail.as_ref()).map(RegistryName::as_str),
            Some("vehicles")
        );
        let by_hand = &b.0.challenges[&ChallengeId([2; 16])];
        assert_eq!(registry_unanswered(by_hand.detail.as_ref()), None);
        assert_eq!(registry_unanswered(None), None, "details not disclosed");
    }

    #[test]
    fn late_periods_count_late_and_missing_filings_in_the_window() {
        let mut b = Builder::new();
        b.register(1);
        for (p, deadline) in [(2022, 100), (2023, 200), (2024, 300), (2025, 400)] {
            b.add(
                1,
                DeadlineSet {
                    period: period(p),
                    deadline: t(deadline),
                },
            );
        }
        b.file(150, 1, 2022) // late
            .file(150, 1, 2023) // on time
            .file(350, 1, 2024) // late
            .file(390, 1, 2024); // an amendment: the first filing counts
        let late = late_periods(&b.0, &official(1), period(2024), t(390), 3);
        assert_eq!(late, vec![period(2024), period(2022)]);
        assert!(many_late_filings(late.len(), 2));
        assert!(!many_late_filings(late.len(), 3));
        let window2 = late_periods(&b.0, &official(1), period(2024), t(390), 2);
        assert_eq!(window2, vec![period(2024)], "2022 is outside a window of 2");
        // 2025 not filed: late once its deadline passed, not before.
        let before = late_periods(&b.0, &official(1), period(2025), t(400), 3);
        assert_eq!(before, vec![period(2024)]);
        let after = late_periods(&b.0, &official(1), period(2025), t(401), 3);
        assert_eq!(after, vec![period(2025), period(2024)]);
    }

    #[test]
    fn repeat_unexplained_growth_needs_two_filings_running_without_growth() {
        let mut b = Builder::new();
        b.register(1).file(1, 1, 2023).file(2, 1, 2024);
        let o = official(1);
        // 2025 without growth; 2024 had none either (and had a previous period): fires.
        assert!(repeat_unexplained_growth(
            &b.0,
            &o,
            Some(period(2024)),
            false
        ));
        assert!(!repeat_unexplained_growth(
            &b.0,
            &o,
            Some(period(2024)),
            true
        ));
        // 2024 as the second filing: 2023 was the first and needed no growth proof.
        assert!(!repeat_unexplained_growth(
            &b.0,
            &o,
            Some(period(2023)),
            false
        ));
        assert!(!repeat_unexplained_growth(&b.0, &o, None, false));
        // 2024 came with growth from 2023: missing only once.
        b.0.proofs.entry(o.clone()).or_default().push(ProofInfo {
            statement: StatementKind::WealthGrowth,
            periods: vec![period(2023), period(2024)],
            entry: 9,
        });
        assert!(!repeat_unexplained_growth(
            &b.0,
            &o,
            Some(period(2024)),
            false
        ));
    }

    #[test]
    fn the_risk_view_sums_open_alerts_by_weight_with_every_reason() {
        let mut b = Builder::new();
        b.register(1).register(2).register(3);
        let raise = |b: &mut Builder, rule: &str, n: u8, p: u32| {
            let entry = Entry::at(
                t(5),
                probity_ledger::Alert {
                    rule: probity_ledger::RuleName::new(rule).expect("valid"),
                    detail: DetailDigest([0; 32]),
                },
            );
            let detail = Disclosure::new(
                &mut rand::rngs::OsRng,
                AlertDetail {
                    official: official(n),
                    period: Some(period(p)),
                    challenge: None,
                    registry: None,
                    message: format!("{rule} on {n}"),
                },
            );
            let index = b.0.size;
            b.0.apply(index, &entry, Some(&Private::Alert(detail)));
        };
        raise(&mut b, FILED_AFTER_DEADLINE, 1, 2025);
        raise(&mut b, REGISTRY_UNANSWERED, 1, 2025);
        raise(&mut b, CHALLENGE_EXPIRED, 1, 2025);
        raise(&mut b, BAND_JUMP, 2, 2025);
        raise(&mut b, BAND_JUMP, 2, 2026);
        raise(&mut b, DECLARATION_OVERDUE, 3, 2025);
        let view = risk_view(&b.0);
        let totals: Vec<(String, u32)> = view
            .iter()
            .map(|v| (v.official.to_string(), v.weight))
            .collect();
        assert_eq!(
            totals,
            vec![
                ("GOV-0001".to_owned(), 1 + 5 + 3),
                ("GOV-0002".to_owned(), 3 + 3),
                ("GOV-0003".to_owned(), 3),
            ]
        );
        let rules: Vec<&str> = view[0].alerts.iter().map(|a| a.rule.as_str()).collect();
        assert_eq!(
            rules,
            [REGISTRY_UNANSWERED, CHALLENGE_EXPIRED, FILED_AFTER_DEADLINE],
            "heaviest first"
        );
        assert!(view[0]
            .alerts
            .iter()
            .all(|a| a.detail.message.contains("on 1")));
        assert_eq!(view[0].position, "Position");
        // Filing the overdue declaration closes the overdue alert.
        b.file(50, 3, 2025);
        let view = risk_view(&b.0);
        assert!(
            view.iter().all(|v| v.official != official(3)),
            "nothing open"
        );
    }

    fn requirement(name: &str, positions: &[&str], category: u8, hi: u64) -> PolicyRequirement {
        PolicyRequirement {
            name: probity_ledger::RuleName::new(name).expect("valid"),
            positions: positions.iter().map(|p| (*p).to_owned()).collect(),
            jurisdictions: Vec::new(),
            category: probity_core::Category::from_code(category).expect("valid"),
            lo: probity_core::Amount(0),
            hi: probity_core::Amount(hi),
        }
    }

    /// The rules a filing of GOV-0001 for `p` sets off under `force`, its band `band`.
    fn fired(b: &Builder, force: &crate::in_force::InForce, p: u32, band: Band) -> Vec<String> {
        let official = official(1);
        let facts = crate::alerts::FilingFacts {
            official: &official,
            period: period(p),
            previous: b.0.previous_period(&official, period(p)),
            has_wealth_growth: true,
            band,
            category_ranges: &[],
        };
        crate::alerts::filing_alerts(&b.0, force, &facts, t(50))
            .into_iter()
            .filter_map(|d| match d.body {
                probity_ledger::EntryBody::Alert(a) => Some(a.rule.as_str().to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_sweep_raises_many_late_filings_once_where_the_policy_has_it_on() {
        let alerted = |b: &Builder| -> Vec<(String, u32)> {
            crate::alerts::sweep_drafts(&b.0, &Config::default(), t(300))
                .into_iter()
                .filter_map(|d| match (d.body, d.private) {
                    (probity_ledger::EntryBody::Alert(a), Some(Private::Alert(detail))) => Some((
                        a.rule.as_str().to_owned(),
                        detail.detail.period.map_or(0, Period::get),
                    )),
                    _ => None,
                })
                .collect()
        };
        let mut b = Builder::new();
        b.register(1);
        for (p, deadline) in [(2024, 100), (2025, 200)] {
            b.add(
                2,
                DeadlineSet {
                    period: period(p),
                    deadline: t(deadline),
                },
            );
        }
        let overdue = |p| (DECLARATION_OVERDUE.to_owned(), p);
        assert_eq!(
            alerted(&b),
            vec![
                overdue(2024),
                (MANY_LATE_FILINGS.to_owned(), 2025),
                overdue(2025)
            ],
            "late in 2 of the last 3 periods with a deadline, at the second"
        );

        let mut off = b;
        let mut policy =
            probity_ledger::PolicyPublished::with_requirements(1, period(2024), vec![]);
        policy.rules_off = vec![probity_ledger::RuleName::new(MANY_LATE_FILINGS).expect("valid")];
        off.add(3, policy.clone());
        assert_eq!(
            alerted(&off),
            vec![overdue(2024), overdue(2025)],
            "switched off"
        );

        let mut stricter = Builder::new();
        stricter.register(1);
        stricter.0.deadlines = off.0.deadlines.clone();
        policy.rules_off.clear();
        policy.rule_settings = [("late_filings_threshold".to_owned(), 3)].into();
        stricter.add(3, policy);
        assert_eq!(
            alerted(&stricter),
            vec![overdue(2024), overdue(2025)],
            "the policy asks 3 late periods"
        );
    }

    #[test]
    fn a_policys_deadlines_hold_for_its_periods_and_a_registrars_come_first() {
        let day = |d: &str| {
            u64::try_from(probity_core::parse_date(d).expect("date")).expect("after 1970")
                * 86_400_000
        };
        let mut b = Builder::new();
        let mut due = probity_ledger::PolicyPublished::with_requirements(1, period(2025), vec![]);
        due.filing_deadline_days = Some(31);
        b.add(1, due);
        b.add(
            2,
            probity_ledger::PolicyPublished::with_requirements(2, period(2028), vec![]),
        );
        b.add(
            3,
            DeadlineSet {
                period: period(2026),
                deadline: t(123),
            },
        );
        let listed = |now: u64| -> Vec<(u32, u64)> {
            b.0.deadlines_until(t(now))
                .into_iter()
                .map(|(p, d)| (p.get(), d.as_millis()))
                .collect()
        };
        assert_eq!(
            listed(day("2030-06-01")),
            vec![
                (2025, day("2026-02-01") - 1),
                (2026, 123),
                (2027, day("2028-02-01") - 1)
            ],
            "the registrar's 2026 deadline over the policy's; none from 2028, whose policy sets none"
        );
        assert_eq!(
            listed(day("2025-12-31")),
            vec![(2025, day("2026-02-01") - 1), (2026, 123)],
            "2027 has not begun"
        );
        assert_eq!(listed(day("2024-12-31")), vec![(2026, 123)]);
        assert_eq!(
            b.0.deadline(period(2027)).map(|d| d.as_millis()),
            Some(day("2028-02-01") - 1)
        );
        assert_eq!(b.0.deadline(period(2028)), None);
        assert_eq!(b.0.deadline(period(2024)), None);
        assert_eq!(
            b.0.deadline(period(202503)),
            None,
            "a month: the policy sets years"
        );
    }

    #[test]
    fn a_policy_switches_rules_and_sets_thresholds_from_its_first_period_on() {
        use crate::in_force::InForce;
        let config = Config::default();
        let mut b = Builder::new();
        b.register(1);
        let mut policy =
            probity_ledger::PolicyPublished::with_requirements(2, period(2026), vec![]);
        policy.rules_off = vec![probity_ledger::RuleName::new(DECLARATION_AMENDED).expect("valid")];
        policy.rule_settings = [("band_jump_bands".to_owned(), 1)].into();
        policy.wealth_growth_tolerance = Some(probity_core::Amount(7));
        b.add(2, policy);

        let before = InForce::for_period(&b.0, &config, period(2025));
        assert_eq!(before.policy_version, 0, "no policy holds for 2025");
        assert_eq!(before.band_jump_bands, config.band_jump_bands);
        assert_eq!(
            before.wealth_growth_tolerance,
            config.wealth_growth_tolerance
        );
        assert!(before.is_on(DECLARATION_AMENDED));
        let after = InForce::for_period(&b.0, &config, period(2027));
        assert_eq!(after.policy_version, 2);
        assert_eq!(
            (after.band_jump_bands, after.wealth_growth_tolerance),
            (1, 7)
        );
        assert_eq!(
            after.bands, config.net_worth_bands,
            "bands it leaves to the service"
        );
        assert_eq!(after.late_filings_window, config.late_filings_window);
        assert!(!after.is_on(DECLARATION_AMENDED) && after.is_on(BAND_JUMP));

        // A rise of one band, and an amendment, in each period.
        let bands = config.net_worth_bands.clone();
        b.file(5, 1, 2024).file(6, 1, 2025).file(7, 1, 2026);
        let by_period = b.0.bands_by_period.entry(official(1)).or_default();
        by_period.insert(period(2024), bands[1]);
        by_period.insert(period(2025), bands[1]);
        let under_config = InForce::for_period(&b.0, &config, period(2025));
        assert_eq!(
            fired(&b, &under_config, 2025, bands[2]),
            vec![DECLARATION_AMENDED.to_owned()],
            "one band is below the service's threshold of 2"
        );
        let under_policy = InForce::for_period(&b.0, &config, period(2026));
        assert_eq!(
            fired(&b, &under_policy, 2026, bands[2]),
            vec![BAND_JUMP.to_owned()],
            "the policy's threshold is 1, and amendments are not alerted"
        );
    }

    #[test]
    fn required_proof_missing_names_each_unmet_requirement_of_the_policy_in_force() {
        let mut b = Builder::new();
        b.register(1); // position "Position"
        let securities = probity_core::Category::from_code(3).expect("valid");
        let real_estate = probity_core::Category::from_code(1).expect("valid");
        let policy = |version, from: u32, requirements| {
            probity_ledger::PolicyPublished::with_requirements(version, period(from), requirements)
        };
        b.add(
            2,
            policy(
                1,
                2026,
                vec![
                    requirement("no_securities", &["position"], 3, 0),
                    requirement("land_cap", &["Land administration"], 1, 500),
                ],
            ),
        );
        let names = |m: Vec<Missing<'_>>| -> Vec<(u32, String)> {
            m.iter()
                .map(|m| (m.version, m.requirement.name.as_str().to_owned()))
                .collect()
        };
        let o = official(1);
        assert!(
            names(required_proof_missing(&b.0, &o, period(2025), &[])).is_empty(),
            "no policy before 2026"
        );
        assert_eq!(
            names(required_proof_missing(&b.0, &o, period(2026), &[])),
            [(1, "no_securities".to_owned())],
            "positions compare without case; the land cap is another position's"
        );
        for (ranges, missing) in [
            (vec![(securities, 0, 0)], 0),
            (vec![(securities, 0, 1)], 1), // wider than the requirement
            (vec![(real_estate, 0, 0)], 1), // another category
            (vec![(securities, -1, 0)], 1), // below lo
        ] {
            assert_eq!(
                required_proof_missing(&b.0, &o, period(2026), &ranges).len(),
                missing,
                "{ranges:?}"
            );
        }
        // Version 2 from 2027 drops the requirement; 2026 keeps version 1.
        b.add(3, policy(2, 2027, Vec::new()));
        assert!(required_proof_missing(&b.0, &o, period(2027), &[]).is_empty());
        assert_eq!(required_proof_missing(&b.0, &o, period(2026), &[]).len(), 1);
        assert!(required_proof_missing(&b.0, &official(9), period(2026), &[]).is_empty());
    }

    #[test]
    fn a_requirement_applies_to_its_jurisdiction_and_those_under_it() {
        let mut r = requirement("x", &[], 3, 0);
        r.jurisdictions = vec!["CN-ZJ".into()];
        assert!(r.applies_to("Anyone", "CN-ZJ"));
        assert!(r.applies_to("Anyone", "CN-ZJ-HZ"));
        assert!(!r.applies_to("Anyone", "CN-ZJX"));
        assert!(!r.applies_to("Anyone", "CN-BJ"));
        let bad =
            probity_ledger::PolicyPublished::with_requirements(1, period(2026), vec![r.clone(), r]);
        assert!(bad
            .check()
            .expect_err("refused")
            .contains("two requirements"));
    }

    #[test]
    fn every_rule_is_listed_once_with_a_weight_and_its_settings() {
        let config = Config::default();
        let mut names: Vec<&str> = ALL.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        for r in ALL {
            assert!(r.weight > 0, "{}", r.name);
            assert!(!r.fires_when.is_empty(), "{}", r.name);
            probity_ledger::RuleName::new(r.name).expect("a valid rule name");
            for (setting, _) in settings(r.name, &config) {
                assert!(r.fires_when.contains(setting), "{}: {setting}", r.name);
            }
        }
        assert_eq!(settings(BAND_JUMP, &config), vec![("band_jump_bands", 2)]);
        assert_eq!(weight("no_such_rule"), 0);
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(day_of(t(0)), "1970-01-01");
        assert_eq!(day_of(t(1_767_225_600_000)), "2026-01-01");
        assert_eq!(
            format_ms(t(1_772_323_200_000 + 90_000)),
            "2026-03-01 00:01 UTC"
        );
    }
}
