//! Error types, one style per layer (STYLE.md practice 8).
//!
//! - [`VerificationFailure`] is opaque: a proof, a MAC or a presentation did not verify, and
//!   nobody learns which check failed.
//! - [`DecodeError`] says why bytes are not a well-formed encoding. It is about the bytes
//!   only, never about secrets, and is returned before any proof is checked.
//! - The other enums are per operation and `#[non_exhaustive]`.

use core::fmt;

/// A proof, MAC or presentation did not verify.
///
/// Deliberately carries no detail: which check failed is not revealed, so a verifier that
/// answers with this error is not an oracle for an attacker probing forged inputs.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct VerificationFailure;

impl fmt::Debug for VerificationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerificationFailure")
    }
}

impl fmt::Display for VerificationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("verification failed")
    }
}

impl std::error::Error for VerificationFailure {}

/// Bytes that are not a valid encoding of the expected type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The first byte is not a version this library reads.
    #[error("unsupported encoding version {0}")]
    UnsupportedVersion(u8),
    /// The input ended before the encoding did.
    #[error("truncated encoding")]
    Truncated,
    /// Bytes remain after a complete encoding.
    #[error("trailing bytes after encoding")]
    TrailingBytes,
    /// A scalar is not reduced modulo the group order.
    #[error("non-canonical scalar")]
    NonCanonicalScalar,
    /// 32 bytes that are not the canonical encoding of a Ristretto point (or an X25519 key
    /// that is not a valid public key).
    #[error("invalid group element")]
    InvalidPoint,
    /// The identity element where it must not appear.
    #[error("identity element not allowed here")]
    IdentityPoint,
    /// A length or count field is out of its allowed range.
    #[error("length out of range")]
    Length,
    /// A text field is not valid (not UTF-8, or characters outside its alphabet).
    #[error("invalid text field")]
    Text,
    /// A sealed tip's plaintext is not padded as [`crate::seal()`] pads it.
    #[error("invalid padding")]
    Padding,
}

/// Why a scope, subject, tip body or expiry schedule was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// The value is empty or longer than its limit.
    #[error("length out of range")]
    Length,
    /// The value contains characters outside its alphabet.
    #[error("characters outside the allowed alphabet")]
    Alphabet,
    /// A tip body has more attachments than allowed.
    #[error("too many attachments")]
    TooManyAttachments,
    /// A number is zero or above its limit.
    #[error("value out of range")]
    Range,
}

/// Why the issuer refused an issuance request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The request's proof does not verify.
    #[error("invalid issuance request")]
    InvalidRequest(#[from] VerificationFailure),
    /// The request expects other attributes (expiry, scope) than the issuer issues now.
    /// The code is not spent: the client should refresh its schedule and ask again.
    #[error("the request expects other credential attributes")]
    UnexpectedAttributes,
    /// The enrollment code was never issued.
    #[error("unknown enrollment code")]
    UnknownEnrollmentCode,
    /// The enrollment code has already bought a credential for another request.
    #[error("enrollment code already used")]
    EnrollmentCodeUsed,
    /// The enrollment-code store failed.
    #[error("enrollment store: {0}")]
    Store(#[from] StoreError),
}

/// An enrollment-code store failed (I/O, poisoned lock, …).
///
/// Wraps the backend's error; its message never contains a code (stores see hashes only).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub Box<dyn std::error::Error + Send + Sync + 'static>);

impl StoreError {
    /// Wraps a backend error.
    pub fn new(err: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        StoreError(err.into())
    }
}

/// Why the client refused to make a presentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PresentError {
    /// The credential's expiry is before the requested epoch.
    #[error("credential expired")]
    Expired,
}

/// Why a tip could not be sealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// HPKE encapsulation failed (the recipient key is unusable).
    #[error("encapsulation failed")]
    Encapsulation,
}

/// Why a sealed tip could not be opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// Decryption failed: wrong key, wrong context, or altered ciphertext.
    #[error("decryption failed")]
    Decryption,
    /// Decryption succeeded but the plaintext is not a valid tip body.
    #[error("malformed tip body: {0}")]
    MalformedBody(DecodeError),
}
