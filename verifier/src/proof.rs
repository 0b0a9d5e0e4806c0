//! The Groth16 proof and its 128-byte wire form (DESIGN.md §6).

use std::fmt;

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use probity_core::PROOF_LEN;

use crate::error::DecodeError;

/// Length of a compressed G1 point over BN254.
const G1_LEN: usize = 32;
/// Length of a compressed G2 point over BN254.
const G2_LEN: usize = 64;
/// Offsets of `A`, `B`, `C` in the wire form, which is arkworks' compressed serialization of
/// `ark_groth16::Proof<Bn254>`: the three points one after the other.
const A_AT: usize = 0;
const B_AT: usize = A_AT + G1_LEN;
const C_AT: usize = B_AT + G2_LEN;
const _: () = assert!(
    C_AT + G1_LEN == PROOF_LEN,
    "the wire form is exactly A || B || C"
);

/// A Groth16 proof over BN254 `(A, B, C)`.
///
/// # Invariants
/// Every point is on its curve, in the prime-order subgroup, and not the point at infinity:
/// the only constructor is [`Proof::from_bytes`], which checks all three. The subgroup check
/// matters beyond tidiness: batch verification is only sound for points of prime order.
#[derive(Clone, PartialEq)]
pub struct Proof(pub(crate) ark_groth16::Proof<Bn254>);

// Equality of affine points is an equivalence; arkworks only leaves out the marker.
impl Eq for Proof {}

impl Proof {
    /// Decodes arkworks' compressed form: `A` (32 bytes), `B` (64), `C` (32).
    ///
    /// Refuses anything that is not the canonical encoding of three valid, non-identity
    /// points; encodings that arkworks would accept but that do not re-encode to the same
    /// bytes (e.g. the infinity flag with stray coordinate bits) are refused too, so that
    /// each proof has exactly one byte string.
    pub fn from_bytes(bytes: &[u8; PROOF_LEN]) -> Result<Self, DecodeError> {
        let a: G1Affine = decode_point(&bytes[A_AT..B_AT], "A")?;
        let b: G2Affine = decode_point(&bytes[B_AT..C_AT], "B")?;
        let c: G1Affine = decode_point(&bytes[C_AT..], "C")?;
        Ok(Proof(ark_groth16::Proof { a, b, c }))
    }

    /// The 128-byte compressed form.
    pub fn to_bytes(&self) -> [u8; PROOF_LEN] {
        let mut out = [0u8; PROOF_LEN];
        self.0
            .serialize_compressed(&mut out[..])
            .expect("a proof over BN254 is exactly PROOF_LEN bytes compressed");
        out
    }
}

impl fmt::Debug for Proof {
    /// Prints the length only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proof")
            .field("len", &PROOF_LEN)
            .finish_non_exhaustive()
    }
}

/// Decodes one compressed point with full validation, then insists on canonical bytes and a
/// non-identity point.
pub(crate) fn decode_point<P>(bytes: &[u8], point: &'static str) -> Result<P, DecodeError>
where
    P: AffineRepr + CanonicalDeserialize + CanonicalSerialize,
{
    let mut reader = bytes;
    let p = P::deserialize_with_mode(&mut reader, Compress::Yes, Validate::Yes)
        .map_err(|_| DecodeError::InvalidPoint { point })?;
    if !reader.is_empty() || !is_canonical(&p, bytes) {
        return Err(DecodeError::InvalidPoint { point });
    }
    if p.is_zero() {
        return Err(DecodeError::PointAtInfinity { point });
    }
    Ok(p)
}

/// Whether `value` re-encodes (compressed) to exactly `bytes`.
pub(crate) fn is_canonical<T: CanonicalSerialize>(value: &T, bytes: &[u8]) -> bool {
    let mut again = Vec::with_capacity(bytes.len());
    value
        .serialize_compressed(&mut again)
        .expect("serializing into a Vec cannot fail");
    again == bytes
}
