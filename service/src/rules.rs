//! Rules that turn ledger facts into alerts for supervisors (DESIGN.md §9). Each rule is a
//! small named function of what the ledger says; the writer logs an `Alert` entry when one
//! fires, with its details kept for supervisors.
//!
//! | rule | fires when |
//! |---|---|
//! | [`DECLARATION_OVERDUE`] | a period's deadline passed and a registered official has not filed for it |
//! | [`FILED_AFTER_DEADLINE`] | a filing arrives after its period's deadline |
//! | [`WEALTH_GROWTH_MISSING`] | a filing for a period that has a previous one comes without an accepted `wealth_growth` proof |
//! | [`CHALLENGE_EXPIRED`] | a challenge's deadline passed without an answer |
//! | [`MANY_REPORTERS`] | the distinct reporters on one official in one epoch reach the threshold, for the first time within the window |
//! | [`DECLARATION_AMENDED`] | a second declaration is filed for the same period |
//!
//! Time-based rules (overdue, expired) fire once per official and period, or per challenge.

use probity_core::{OfficialId, Period};
use probity_ledger::{ChallengeId, Timestamp};

use crate::{api::AlertDetail, state::State};

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

/// Every rule, for listings and tests.
pub const ALL: [&str; 6] = [
    DECLARATION_OVERDUE,
    FILED_AFTER_DEADLINE,
    WEALTH_GROWTH_MISSING,
    CHALLENGE_EXPIRED,
    MANY_REPORTERS,
    DECLARATION_AMENDED,
];

/// Officials who have not filed for a period whose deadline is before `now`, and were not
/// alerted for it yet.
pub(crate) fn declaration_overdue(state: &State, now: Timestamp) -> Vec<AlertDetail> {
    let mut found = Vec::new();
    for (&period, &deadline) in &state.deadlines {
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
        ChallengeIssued, DeadlineSet, DeclarationFiled, DetailDigest, Entry, OfficialRegistered,
        PublicKey, SupervisorId,
    };

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
