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
