//! The credential's revealed attributes and the context of a tip.

use core::fmt;

use curve25519_dalek::scalar::Scalar;
use sha2::Sha512;

use crate::encoding::length_prefixed;
use crate::errors::FieldError;
use crate::transcript::labels;

/// An epoch number: the unit of time in which one reporter may send one tip per official.
///
/// The service fixes what an epoch is (a week, a month); the credential's `expiry` is an
/// epoch too, and a credential is valid in every epoch `<= expiry`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Epoch(pub u64);

impl Epoch {
    /// The attribute scalar: the integer itself.
    pub(crate) fn to_scalar(self) -> Scalar {
        Scalar::from(self.0)
    }
}

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The public schedule of tip epochs and credential expiries (DESIGN.md §8).
///
/// It is part of the issuer's published parameters (the ledger's `WhistleblowerKeysPublished`
/// entry carries its three numbers), so that a client computes the expiry it expects from its
/// own clock, and refuses any other: an expiry, or an epoch length, that the issuer could
/// choose per person would mark that person's every tip.
///
/// ```text
/// epoch_at(t)   = ⌊t / epoch_seconds⌋                       (t in Unix seconds)
/// expiry_for(e) = (⌊e / period_epochs⌋ + periods + 1) · period_epochs − 1
/// ```
///
/// Epochs are grouped in periods of `period_epochs`. A credential issued in any epoch of
/// period `q` expires at the last epoch of period `q + periods`, so everyone enrolled in one
/// period carries the same expiry, and a credential lasts between `periods` and
/// `periods + 1` periods.
///
/// # Which expiries a client accepts
/// - At issuance, exactly `expiry_for(epoch_at(now))` by the client's own clock
///   ([`ExpirySchedule::expected_expiry`]); nothing else, whatever the issuer says. Near a
///   period boundary a client and an issuer whose clocks disagree compute different values;
///   the issuer may then accept either (they are both public schedule values), or refuse and
///   let the client retry, but the client never takes a value it did not compute.
/// - At every tip, an expiry on the schedule (the last epoch of a period) that an
///   issuance at or before the current epoch could have produced and that has not passed:
///   `now ≤ expiry ≤ expiry_for(now)` ([`ExpirySchedule::admits`]). No other value
///   occurs for an honest credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExpirySchedule {
    epoch_seconds: u64,
    period_epochs: u64,
    periods: u64,
}

impl ExpirySchedule {
    /// Largest epoch length, in seconds (about 136 years).
    pub const MAX_EPOCH_SECONDS: u64 = u32::MAX as u64;
    /// Largest period, and largest number of periods, in epochs.
    pub const MAX_PERIOD_EPOCHS: u64 = u16::MAX as u64;

    /// Length of the encoding in bytes: `version || epoch_seconds || period_epochs ||
    /// periods`, each a big-endian u64.
    pub const ENCODED_LEN: usize = 1 + 3 * 8;

    /// A schedule: epochs of `epoch_seconds`, periods of `period_epochs` epochs, and
    /// credentials that expire `periods` whole periods after the one they were issued in.
    /// Each number is at least 1; the epoch length at most [`Self::MAX_EPOCH_SECONDS`], the
    /// other two at most [`Self::MAX_PERIOD_EPOCHS`] (so no computation can overflow for
    /// any clock before the year 500 000 000).
    pub fn new(epoch_seconds: u64, period_epochs: u64, periods: u64) -> Result<Self, FieldError> {
        if !(1..=Self::MAX_EPOCH_SECONDS).contains(&epoch_seconds)
            || !(1..=Self::MAX_PERIOD_EPOCHS).contains(&period_epochs)
            || !(1..=Self::MAX_PERIOD_EPOCHS).contains(&periods)
        {
            return Err(FieldError::Range);
        }
        Ok(ExpirySchedule {
            epoch_seconds,
            period_epochs,
            periods,
        })
    }

    /// The length of an epoch, in seconds.
    pub fn epoch_seconds(&self) -> u64 {
        self.epoch_seconds
    }

    /// The length of a period, in epochs.
    pub fn period_epochs(&self) -> u64 {
        self.period_epochs
    }

    /// How many whole periods a credential outlasts the period it was issued in.
    pub fn periods(&self) -> u64 {
        self.periods
    }

    /// The epoch holding Unix time `unix_secs`.
    pub fn epoch_at(&self, unix_secs: u64) -> Epoch {
        Epoch(unix_secs / self.epoch_seconds)
    }

    /// The expiry of a credential issued in `epoch`.
    pub fn expiry_for(&self, epoch: Epoch) -> Epoch {
        let period = epoch.0 / self.period_epochs;
        Epoch(
            period
                .saturating_add(self.periods + 1)
                .saturating_mul(self.period_epochs)
                - 1,
        )
    }

    /// The expiry to ask for in an issuance at Unix time `unix_secs` (this machine's clock).
    pub fn expected_expiry(&self, unix_secs: u64) -> Epoch {
        self.expiry_for(self.epoch_at(unix_secs))
    }

    /// Whether a credential with `expiry` may be shown in epoch `now`: the expiry is the
    /// last epoch of a period, has not passed, and is no later than that of a credential
    /// issued now.
    pub fn admits(&self, expiry: Epoch, now: Epoch) -> bool {
        (expiry.0 % self.period_epochs == self.period_epochs - 1)
            && now <= expiry
            && expiry <= self.expiry_for(now)
    }

    /// The versioned encoding, for fingerprints.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = crate::encoding::Writer::new(Self::ENCODED_LEN);
        w.u64(self.epoch_seconds)
            .u64(self.period_epochs)
            .u64(self.periods);
        w.finish()
    }
}

/// The jurisdiction a credential holder may report on (for example `CN-BJ`).
///
/// 1 to [`Scope::MAX_LEN`] bytes of ASCII letters, digits and `-._:/`. The issuer gives the
/// same scope to everyone of one jurisdiction, so revealing it narrows nothing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope(String);

impl Scope {
    /// The longest scope, in bytes.
    pub const MAX_LEN: usize = 64;

    /// Validates a scope.
    pub fn new(scope: &str) -> Result<Self, FieldError> {
        if scope.is_empty() || scope.len() > Self::MAX_LEN {
            return Err(FieldError::Length);
        }
        if !scope
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:/".contains(&b))
        {
            return Err(FieldError::Alphabet);
        }
        Ok(Scope(scope.to_owned()))
    }

    /// The scope as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The attribute scalar:
    /// `Scalar::hash_from_bytes::<Sha512>(lp("probity/credentials/scope/v1") || lp(scope))`.
    pub(crate) fn to_scalar(&self) -> Scalar {
        let mut input = Vec::with_capacity(64 + self.0.len());
        length_prefixed(&mut input, labels::SCOPE_ATTRIBUTE);
        length_prefixed(&mut input, self.0.as_bytes());
        Scalar::hash_from_bytes::<Sha512>(&input)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The attributes an issuer sets and every presentation reveals: `(expiry, scope)`.
///
/// Both are public and coarse: one expiry for everyone enrolled in a period, one scope per
/// jurisdiction. The client states the attributes it expects when it asks for a
/// credential ([`crate::issuance::request`]) and refuses a credential with any other, so
/// an issuer cannot single a person out through them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CredentialAttributes {
    /// The last epoch in which the credential is valid.
    pub expiry: Epoch,
    /// The jurisdiction the holder may report on.
    pub scope: Scope,
}

impl CredentialAttributes {
    /// Builds the attribute pair.
    pub fn new(expiry: Epoch, scope: Scope) -> Self {
        CredentialAttributes { expiry, scope }
    }
}

/// The official a tip is about: their registered identifier, exactly as the registry holds
/// it.
///
/// The tag `k·H_T(subject, epoch)` is computed over these bytes, so two spellings of one
/// official would give one reporter two tags, and two tips against the rate limit. A
/// subject is therefore held to the alphabet of the registry's official identifiers
/// (`probity_core::OfficialId`): 1 to [`Subject::MAX_LEN`] characters of `A-Z a-z 0-9 . _ -`.
/// Input outside it (spaces, Unicode look-alikes, other normal forms) is refused, never
/// rewritten: a client must send the identifier as the registry publishes it.
///
/// # Caution
/// The alphabet is case-sensitive, as registry identifiers are. The service must accept a
/// tip only for a subject that is a registered official id, byte for byte, so that case
/// variants of a registered id are refused rather than counted as another official.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Subject(String);

impl Subject {
    /// The longest subject, in bytes (`probity_core::OfficialId::MAX_LEN`).
    pub const MAX_LEN: usize = 64;

    /// Validates a subject: 1 to 64 characters of `A-Z a-z 0-9 . _ -`, nothing else.
    pub fn new(subject: &str) -> Result<Self, FieldError> {
        if subject.is_empty() || subject.len() > Self::MAX_LEN {
            return Err(FieldError::Length);
        }
        if !subject
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return Err(FieldError::Alphabet);
        }
        Ok(Subject(subject.to_owned()))
    }

    /// The subject as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Tip subjects are investigative details (DESIGN.md §7): `Debug` prints the length only.
impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subject")
            .field("len", &self.0.len())
            .finish_non_exhaustive()
    }
}

/// What a tip is about and when: the official and the epoch.
///
/// Bound into the presentation (its proof and its tag) and into the sealed tip (HPKE
/// associated data), so neither can be moved onto another official or epoch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TipContext {
    /// The official the tip is about.
    pub subject: Subject,
    /// The epoch the tip is sent in.
    pub epoch: Epoch,
}

impl TipContext {
    /// Builds a context.
    pub fn new(subject: Subject, epoch: Epoch) -> Self {
        TipContext { subject, epoch }
    }

    /// `lp(label) || lp(subject) || lp(epoch as 8 big-endian bytes)`.
    pub(crate) fn hash_input(&self, label: &[u8]) -> Vec<u8> {
        let mut input = Vec::with_capacity(32 + label.len() + self.subject.0.len());
        length_prefixed(&mut input, label);
        length_prefixed(&mut input, self.subject.0.as_bytes());
        length_prefixed(&mut input, &self.epoch.0.to_be_bytes());
        input
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEK: u64 = 7 * 24 * 3600;
    const DAY: u64 = 24 * 3600;
    /// 2027-01-01 00:00 UTC.
    const NOW: u64 = 1_798_761_600;

    fn weekly() -> ExpirySchedule {
        ExpirySchedule::new(WEEK, 13, 4).expect("the service's schedule")
    }

    #[test]
    fn the_weekly_schedule_expires_at_the_end_of_the_fourth_quarter_after_enrollment() {
        let s = weekly();
        for epoch in [0, 1, 12, 13, 2_974, 2_975, 2_976] {
            assert_eq!(
                s.expiry_for(Epoch(epoch)).0,
                (epoch / 13 + 5) * 13 - 1,
                "{epoch}"
            );
        }
        // Everyone enrolled in one quarter carries one expiry.
        let now = s.epoch_at(NOW);
        let quarter_start = Epoch(now.0 / 13 * 13);
        let quarter_end = Epoch(quarter_start.0 + 12);
        assert_eq!(s.expiry_for(quarter_start), s.expiry_for(quarter_end));
        assert_eq!(s.expected_expiry(NOW), s.expiry_for(now));
    }

    /// An issuer that enrolls one person with another epoch length gives them an expiry
    /// nobody else has: the client, which computes its own with the published schedule,
    /// refuses it; and one shifted by one epoch, too.
    #[test]
    fn admits_only_the_published_schedules_expiries() {
        let s = weekly();
        let now = s.epoch_at(NOW);
        let expected = s.expected_expiry(NOW);
        assert!(s.admits(expected, now));
        let daily = ExpirySchedule::new(DAY, 13, 4).expect("daily");
        let marked = daily.expected_expiry(NOW);
        assert_ne!(marked, expected);
        assert!(!s.admits(marked, now), "another epoch length's expiry");
        assert!(!s.admits(Epoch(expected.0 + 1), now), "shifted by one");
        assert!(!s.admits(Epoch(expected.0 - 1), now), "shifted back by one");
        assert!(
            !s.admits(Epoch(expected.0 + 13), now),
            "a later period than an enrollment now gets"
        );
        // A credential from an earlier quarter is still good until it expires...
        let earlier = Epoch(expected.0 - 13);
        assert!(s.admits(earlier, now));
        assert!(s.admits(earlier, earlier));
        // ...and not after.
        assert!(!s.admits(earlier, Epoch(earlier.0 + 1)));
    }

    #[test]
    fn schedules_are_bounded_and_fingerprinted() {
        for (e, p, n) in [
            (0, 13, 4),
            (WEEK, 0, 4),
            (WEEK, 13, 0),
            (ExpirySchedule::MAX_EPOCH_SECONDS + 1, 13, 4),
            (WEEK, ExpirySchedule::MAX_PERIOD_EPOCHS + 1, 4),
            (WEEK, 13, ExpirySchedule::MAX_PERIOD_EPOCHS + 1),
        ] {
            assert_eq!(ExpirySchedule::new(e, p, n), Err(FieldError::Range));
        }
        let max = ExpirySchedule::new(
            ExpirySchedule::MAX_EPOCH_SECONDS,
            ExpirySchedule::MAX_PERIOD_EPOCHS,
            ExpirySchedule::MAX_PERIOD_EPOCHS,
        )
        .expect("the largest schedule");
        assert!(max.expected_expiry(u64::MAX) >= max.epoch_at(u64::MAX));
        let bytes = weekly().to_bytes();
        assert_eq!(bytes.len(), ExpirySchedule::ENCODED_LEN);
        assert_eq!(&bytes[1..9], &WEEK.to_be_bytes());
    }
}
