//! Byte-level helpers shared by every wire format.
//!
//! Every encoding starts with a version byte; readers reject unknown versions, truncation,
//! trailing bytes, non-canonical scalars, invalid points and (where asked) the identity.
//! Integers are big-endian. Variable-length fields carry a big-endian length prefix.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;

use crate::errors::DecodeError;

/// The version byte of every encoding defined by this crate.
pub const ENCODING_VERSION: u8 = 1;

pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn new(capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity + 1);
        buf.push(ENCODING_VERSION);
        Writer { buf }
    }

    pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }

    pub(crate) fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub(crate) fn u64(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub(crate) fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }

    pub(crate) fn point(&mut self, p: &CompressedRistretto) -> &mut Self {
        self.raw(p.as_bytes())
    }

    pub(crate) fn scalar(&mut self, s: &Scalar) -> &mut Self {
        self.raw(s.as_bytes())
    }

    pub(crate) fn finish(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.buf)
    }
}

pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Starts reading an encoding: checks the version byte.
    pub(crate) fn new(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let (&version, rest) = bytes.split_first().ok_or(DecodeError::Truncated)?;
        if version != ENCODING_VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        Ok(Reader { rest })
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.rest.len() < n {
            return Err(DecodeError::Truncated);
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    /// The number of bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.rest.len()
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A canonical scalar (any value, zero included).
    pub(crate) fn scalar(&mut self) -> Result<Scalar, DecodeError> {
        Option::from(Scalar::from_canonical_bytes(self.array()?))
            .ok_or(DecodeError::NonCanonicalScalar)
    }

    /// A canonically encoded Ristretto point that is not the identity.
    pub(crate) fn point(&mut self) -> Result<(CompressedRistretto, RistrettoPoint), DecodeError> {
        decode_point(&self.array()?)
    }

    /// Fails unless every byte has been read.
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes)
        }
    }
}

/// Decodes a canonical, non-identity Ristretto point.
///
/// Ristretto decompression accepts only canonical encodings, so every point has one byte
/// string; the identity is refused because no point in these protocols may be the identity.
pub(crate) fn decode_point(
    bytes: &[u8; 32],
) -> Result<(CompressedRistretto, RistrettoPoint), DecodeError> {
    let compressed = CompressedRistretto(*bytes);
    let point = compressed.decompress().ok_or(DecodeError::InvalidPoint)?;
    if point.is_identity() {
        return Err(DecodeError::IdentityPoint);
    }
    Ok((compressed, point))
}

/// `len_be32(x) || x`: the length-prefixed encoding used inside hash inputs.
pub(crate) fn length_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).expect("hash inputs are bounded far below 4 GiB");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

/// A `lox-zkp` compact proof: `challenge || responses`, `32·(1 + n)` bytes.
pub(crate) fn write_proof(w: &mut Writer, proof: &lox_zkp::CompactProof) {
    w.scalar(&proof.challenge);
    for r in &proof.responses {
        w.scalar(r);
    }
}

/// Reads a compact proof with exactly `n_responses` responses, each canonical.
pub(crate) fn read_proof(
    r: &mut Reader<'_>,
    n_responses: usize,
) -> Result<lox_zkp::CompactProof, DecodeError> {
    let challenge = r.scalar()?;
    let responses = (0..n_responses)
        .map(|_| r.scalar())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(lox_zkp::CompactProof {
        challenge,
        responses,
    })
}

/// Encoded scope: `len (1) || bytes`.
pub(crate) fn write_scope(w: &mut Writer, scope: &crate::Scope) {
    let bytes = scope.as_str().as_bytes();
    w.u8(u8::try_from(bytes.len()).expect("Scope::MAX_LEN fits a byte"));
    w.raw(bytes);
}

/// Reads an encoded scope and validates it.
pub(crate) fn read_scope(r: &mut Reader<'_>) -> Result<crate::Scope, DecodeError> {
    let len = usize::from(r.u8()?);
    let bytes = r.take(len)?;
    let text = core::str::from_utf8(bytes).map_err(|_| DecodeError::Text)?;
    crate::Scope::new(text).map_err(|e| match e {
        crate::FieldError::Length => DecodeError::Length,
        _ => DecodeError::Text,
    })
}
