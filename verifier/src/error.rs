//! The verifier's errors, one small type per operation.
//!
//! Two kinds are kept apart on purpose:
//!
//! - *Malformed input* ([`DecodeError`], [`KeyError`], the envelope variants of
//!   [`EnvelopeVerifyError`]): bytes or files that are not what they claim to be. These say
//!   what is wrong, because nothing secret depends on it and the sender needs to fix it.
//! - *A well-formed proof that does not verify* ([`VerificationFailure`]): one opaque value,
//!   whatever the reason (wrong statement for the key, a pairing check that fails, one bad
//!   proof in a batch). An attacker who probes the verifier learns one bit and nothing more.

use probity_core::{Capacity, EnvelopeError, StatementKind};

/// A well-formed proof was not accepted.
///
/// Deliberately opaque: it does not say which check failed. See the [crate] documentation
/// for what a successful verification does and does not establish.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, thiserror::Error)]
#[error("the proof does not verify")]
pub struct VerificationFailure;

/// Proof bytes that are not a valid compressed Groth16 proof over BN254.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A point does not decode: a coordinate is not below the field modulus, the point is
    /// not on the curve or not in the prime-order subgroup, the flags are not valid, or the
    /// encoding is not the canonical one (it does not re-encode to the same bytes).
    #[error("the proof is not a valid compressed Groth16 proof over BN254: point {point} is not a canonical encoding of a curve point in the prime-order subgroup")]
    InvalidPoint {
        /// `A`, `B` or `C`.
        point: &'static str,
    },
    /// A point is the point at infinity, which no honest prover produces.
    #[error("the proof is not valid: point {point} is the point at infinity; the params manifest is damaged or not Probity's: use the manifest the ledger published (ParamsPublished), or rerun `probity setup --dev` for development")]
    PointAtInfinity {
        /// `A`, `B` or `C`.
        point: &'static str,
    },
}

/// A verifying key that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The manifest's key is not hex.
    #[error("the verifying key for {statement} (capacity {capacity}) is not hex; the params manifest is damaged or not Probity's: use the manifest the ledger published (ParamsPublished), or rerun `probity setup --dev` for development")]
    Hex {
        /// The statement.
        statement: StatementKind,
        /// The capacity.
        capacity: Capacity,
    },
    /// Not a Groth16 verifying key over BN254: the bytes are not its canonical compressed
    /// encoding, or a point is off the curve or outside the prime-order subgroup.
    #[error("the verifying key for {statement} (capacity {capacity}) is not a valid Groth16 verifying key over BN254; the params manifest is damaged or not Probity's: use the manifest the ledger published (ParamsPublished), or rerun `probity setup --dev` for development")]
    Encoding {
        /// The statement.
        statement: StatementKind,
        /// The capacity.
        capacity: Capacity,
    },
    /// Bytes follow the key.
    #[error("the verifying key for {statement} (capacity {capacity}) is followed by {extra} unexpected bytes; the params manifest is damaged or not Probity's: use the manifest the ledger published (ParamsPublished), or rerun `probity setup --dev` for development")]
    TrailingBytes {
        /// The statement.
        statement: StatementKind,
        /// The capacity.
        capacity: Capacity,
        /// How many bytes follow the key.
        extra: usize,
    },
    /// The key is for a circuit with another number of public inputs.
    #[error("the verifying key for {statement} (capacity {capacity}) takes {got} public inputs, but {statement} has {expected}: it is the key of another circuit; the params manifest is damaged or not Probity's: use the manifest the ledger published (ParamsPublished), or rerun `probity setup --dev` for development")]
    NumPublicInputs {
        /// The statement.
        statement: StatementKind,
        /// The capacity.
        capacity: Capacity,
        /// The statement's number of public inputs.
        expected: usize,
        /// The key's number of public inputs (`gamma_abc_g1.len() - 1`).
        got: usize,
    },
    /// One of `alpha`, `beta`, `gamma`, `delta` is the point at infinity. Such a key is
    /// degenerate (an all-zero key accepts the all-zero proof for every input) and never the
    /// output of a real setup.
    #[error("the verifying key for {statement} (capacity {capacity}) is degenerate: {point} is the point at infinity")]
    Degenerate {
        /// The statement.
        statement: StatementKind,
        /// The capacity.
        capacity: Capacity,
        /// `alpha`, `beta`, `gamma` or `delta`.
        point: &'static str,
    },
}

/// Why [`verify_envelope`](crate::verify_envelope) did not accept a proof file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeVerifyError {
    /// The envelope does not parse or does not agree with itself (version, public inputs,
    /// official id, periods, proof length).
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The proof bytes are not a valid proof encoding.
    #[error(transparent)]
    Proof(#[from] DecodeError),
    /// The key given is not the key the envelope names. Both sides are public, so saying so
    /// reveals nothing; it is the caller's mistake in choosing the key.
    #[error("the proof is for {envelope_statement} at capacity {envelope_capacity}, but the verifying key is for {key_statement} at capacity {key_capacity}")]
    WrongKey {
        /// The key's statement.
        key_statement: StatementKind,
        /// The key's capacity.
        key_capacity: Capacity,
        /// The envelope's statement.
        envelope_statement: StatementKind,
        /// The envelope's capacity.
        envelope_capacity: Capacity,
    },
    /// The proof is well formed but does not verify.
    #[error(transparent)]
    Failed(#[from] VerificationFailure),
}

/// Why [`export_snarkjs`](crate::export_snarkjs) refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The public inputs are for another statement than the key.
    #[error("the public inputs are for {inputs}, but the verifying key is for {key}")]
    StatementMismatch {
        /// The key's statement.
        key: StatementKind,
        /// The inputs' statement.
        inputs: StatementKind,
    },
}
