//! A circuit's constraint matrices, synthesized once and kept beside its proving key.
//!
//! Synthesizing a circuit's matrices is a large part of an official's set-up before a proof
//! (about a third of a second at capacity 64 on a 2-core machine, on the path to the first
//! MSM), and the matrices depend on the circuit alone. So the first proof with a key keeps
//! them in the params folder's `matrices/` folder (`<statement>-<capacity>.matrices`), and
//! later proofs read them back.
//!
//! # What a kept file is trusted with, and why that holds
//! - **Only this machine's prover writes them.** Wrong matrices cannot change a proof that
//!   verifies: `A` and `B` come from the witness and the key's points, and the verification
//!   equation then fixes `C` (δ is not zero in a key that verifies anything). But whether the
//!   prover's own check passes could be made to depend on the witness by crafted matrices, a
//!   bit per attempt. So the files live in a folder of their own, which no file the params
//!   download writes can reach (it takes plain file names only), and their name comes from
//!   the statement and capacity, never from the manifest. Whoever can write this folder can
//!   also replace the program itself.
//! - **Bound to the key.** The file names the SHA-256 of the proving-key file it was made
//!   with, the one the manifest pins: a file made for another key (a new setup, a ceremony's
//!   key) is not used. A circuit change comes with new keys, so it cannot meet old matrices.
//! - **Whole or not at all.** The file ends with the SHA-256 of everything before it, and is
//!   written atomically: a torn or damaged file is synthesized again and rewritten, never
//!   half-read.
//! - **Bounded.** Its size is capped by the manifest's constraint count, every row length
//!   by what is left of the file, and every variable index by the counts the file states,
//!   which [`Prover::from_parts`] holds against the key: a damaged file costs a synthesis,
//!   never a panic or a runaway allocation.
//!
//! [`Prover::from_parts`]: crate::Prover::from_parts

use std::{
    fs::File,
    io::{BufRead, BufReader, Read},
};

use ark_ff::{BigInteger, Field, PrimeField};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, SynthesisMode,
    R1CS_PREDICATE_LABEL,
};
use probity_circuits::StatementCircuit;
use probity_core::{Capacity, Fr, StatementKind};
use probity_params::Params;
use sha2::{Digest, Sha256};

use crate::ProveError;

/// First bytes of a kept matrices file; the number is the format's version.
const MAGIC: &[u8; 24] = b"probity r1cs matrices 1\n";
/// R1CS has three matrices: A, B and C.
const NUM_MATRICES: usize = 3;
/// Bytes of a field element, little-endian canonical.
const FR_LEN: usize = 32;
/// A coefficient's tag: the coefficient 1, the most common by far (no bytes follow).
const ONE: u8 = 0;
/// A coefficient's tag: a u64 `k` follows and the coefficient is `k` (bit weights, counts).
const SMALL: u8 = 1;
/// A coefficient's tag: a u64 `k` follows and the coefficient is `−k`.
const NEGATIVE_SMALL: u8 = 2;
/// A coefficient's tag: 32 canonical little-endian bytes follow (Poseidon's constants).
const FULL: u8 = 3;
/// The fewest bytes an entry takes: its column and a tag.
const MIN_ENTRY_LEN: u64 = 4 + 1;
/// The most bytes a kept file may take per constraint: about five times what the densest
/// circuit here needs (860 at capacity 64), so that a damaged length cannot make a read run on.
const MAX_BYTES_PER_CONSTRAINT: u64 = 4096;
/// The folder of the params folder that holds the kept files.
const KEPT_DIR: &str = "matrices";

/// A statement's circuit at one capacity, synthesized without a witness: its constraint
/// matrices, which depend on the circuit alone, never on the key or the declaration.
#[derive(PartialEq)]
pub struct Synthesized {
    pub(crate) kind: StatementKind,
    pub(crate) capacity: Capacity,
    pub(crate) matrices: Vec<Matrix<Fr>>,
    pub(crate) num_instance_variables: usize,
    pub(crate) num_witness_variables: usize,
    pub(crate) num_constraints: usize,
}

impl std::fmt::Debug for Synthesized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synthesized")
            .field("statement", &self.kind)
            .field("capacity", &self.capacity)
            .field("num_constraints", &self.num_constraints)
            .finish_non_exhaustive()
    }
}

impl Synthesized {
    /// Synthesizes the circuit of `kind` at `capacity`.
    pub fn new(kind: StatementKind, capacity: Capacity) -> Result<Self, ProveError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        StatementCircuit::empty(kind, capacity)
            .generate_constraints(cs.clone())
            .map_err(|e| ProveError::Internal(e.to_string()))?;
        cs.finalize();
        let mut all = cs
            .to_matrices()
            .map_err(|e| ProveError::Internal(e.to_string()))?;
        let matrices = all
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| ProveError::Internal("the circuit has no R1CS constraints".into()))?;
        Ok(Self {
            kind,
            capacity,
            matrices,
            num_instance_variables: cs.num_instance_variables(),
            num_witness_variables: cs.num_witness_variables(),
            num_constraints: cs.num_constraints(),
        })
    }

    /// The circuit's constraint count.
    pub fn num_constraints(&self) -> usize {
        self.num_constraints
    }

    /// The matrices of `kind` at `capacity` kept beside its key in `params`, or, where none
    /// are kept for this key or the file is damaged, synthesized and kept there for the next
    /// proof (written durably, which the first proof with a key pays once). A folder that
    /// cannot be written to only costs each proof a synthesis.
    pub fn kept(
        params: &Params,
        kind: StatementKind,
        capacity: Capacity,
    ) -> Result<Self, ProveError> {
        let entry = params.entry(kind, capacity)?;
        let key_sha256 = key_sha256(&entry.proving_key_sha256);
        let dir = params.dir().join(KEPT_DIR);
        let path = dir.join(format!("{}-{capacity}.matrices", kind.name()));
        let kept = File::open(&path).ok().and_then(|file| {
            let metadata = file.metadata().ok()?;
            // A regular file only: opening a FIFO would have blocked already, but reading
            // a device or a folder must not be tried.
            if !metadata.is_file() {
                return None;
            }
            Self::read(
                file,
                metadata.len(),
                kind,
                capacity,
                entry.num_constraints,
                &key_sha256,
            )
        });
        if let Some(kept) = kept {
            return Ok(kept);
        }
        let made = Self::new(kind, capacity)?;
        // Kept only if it will read back: the manifest's constraint count is what a kept
        // file is held to. Best effort: the proof does not depend on keeping them.
        if made.num_constraints == entry.num_constraints {
            if let Some(bytes) = made.encode(&key_sha256) {
                let _ = std::fs::create_dir_all(&dir)
                    .map_err(|e| e.to_string())
                    .and_then(|()| {
                        probity_params::write_atomic(&path, &bytes).map_err(|e| e.to_string())
                    });
            }
        }
        Ok(made)
    }

    /// The file's bytes: magic, statement, capacity, the key's SHA-256, the three counts, the
    /// rows of A, B and C (each: entry count, then column and coefficient per entry), and the
    /// SHA-256 of all that. Integers are little-endian u64 (counts) or u32 (row lengths and
    /// columns). A coefficient is a tag and what it says follows (see [`FULL`]): most are 1
    /// or small, which keeps the file about a third of the size it would be with every
    /// coefficient in 32 bytes.
    /// `None` if a count does not fit its field (no circuit here comes near).
    fn encode(&self, key_sha256: &[u8; 32]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        let name = self.kind.name().as_bytes();
        out.push(u8::try_from(name.len()).ok()?);
        out.extend_from_slice(name);
        out.extend_from_slice(&(self.capacity.slots() as u64).to_le_bytes());
        out.extend_from_slice(key_sha256);
        for count in [
            self.num_instance_variables,
            self.num_witness_variables,
            self.num_constraints,
        ] {
            out.extend_from_slice(&(count as u64).to_le_bytes());
        }
        for matrix in &self.matrices {
            for row in matrix {
                out.extend_from_slice(&u32::try_from(row.len()).ok()?.to_le_bytes());
                for (coefficient, column) in row {
                    out.extend_from_slice(&u32::try_from(*column).ok()?.to_le_bytes());
                    encode_coefficient(&mut out, coefficient);
                }
            }
        }
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        Some(out)
    }

    /// Reads back [`Self::encode`]'s `len` bytes from `file` as they come (the file is never
    /// held whole), or `None` for anything but a whole, undamaged file of this circuit, made
    /// with this key, whose every index is in bounds.
    fn read(
        mut file: impl Read,
        len: u64,
        kind: StatementKind,
        capacity: Capacity,
        num_constraints: usize,
        key_sha256: &[u8; 32],
    ) -> Option<Self> {
        if len > (num_constraints as u64 + 1).saturating_mul(MAX_BYTES_PER_CONSTRAINT) {
            return None;
        }
        let body_len = len.checked_sub(32)?;
        let (read, hasher) = {
            let mut hashing = Hashing {
                inner: file.by_ref().take(body_len),
                hasher: Sha256::new(),
            };
            let body = Reader {
                inner: BufReader::with_capacity(1 << 16, &mut hashing),
                left: body_len,
            };
            let read = Self::read_body(body, kind, capacity, num_constraints, key_sha256);
            (read, hashing.hasher)
        };
        // A body read whole has been read to its last byte, so the file is now at the seal;
        // after any early refusal there is nothing to check.
        let read = read?;
        let mut digest = [0u8; 32];
        file.read_exact(&mut digest).ok()?;
        let at_end = file.read(&mut [0u8; 1]).ok()? == 0;
        // Nothing read is used unless the whole body hashes to the seal.
        (at_end && hasher.finalize().as_slice() == digest).then_some(read)
    }

    fn read_body(
        mut r: Reader<impl BufRead>,
        kind: StatementKind,
        capacity: Capacity,
        num_constraints: usize,
        key_sha256: &[u8; 32],
    ) -> Option<Self> {
        let name = kind.name().as_bytes();
        if r.array::<{ MAGIC.len() }>()? != *MAGIC
            || usize::from(r.array::<1>()?[0]) != name.len()
            || r.bytes(name.len())? != name
            || r.u64()? != capacity.slots() as u64
            || r.array::<32>()? != *key_sha256
        {
            return None;
        }
        let num_instance_variables = usize::try_from(r.u64()?).ok()?;
        let num_witness_variables = usize::try_from(r.u64()?).ok()?;
        if usize::try_from(r.u64()?).ok()? != num_constraints {
            return None;
        }
        let num_variables = num_instance_variables.checked_add(num_witness_variables)?;
        let mut matrices = Vec::with_capacity(NUM_MATRICES);
        for _ in 0..NUM_MATRICES {
            // Each row takes at least its length: a count the rest of the file cannot hold
            // must not size an allocation.
            if (num_constraints as u64).saturating_mul(4) > r.left {
                return None;
            }
            let mut matrix = Vec::with_capacity(num_constraints);
            for _ in 0..num_constraints {
                let len = r.u32()? as usize;
                // A row names each variable at most once, and cannot be longer than what is
                // left of the file.
                if len > num_variables || len as u64 > r.left / MIN_ENTRY_LEN {
                    return None;
                }
                let mut row = Vec::with_capacity(len);
                for _ in 0..len {
                    let column = r.u32()? as usize;
                    let coefficient = r.coefficient()?;
                    if column >= num_variables {
                        return None;
                    }
                    row.push((coefficient, column));
                }
                matrix.push(row);
            }
            matrices.push(matrix);
        }
        if r.left != 0 {
            return None;
        }
        Some(Self {
            kind,
            capacity,
            matrices,
            num_instance_variables,
            num_witness_variables,
            num_constraints,
        })
    }
}

/// Appends `c`'s tag and bytes.
fn encode_coefficient(out: &mut Vec<u8>, c: &Fr) {
    /// `x` as a u64, if it is one.
    fn small(x: Fr) -> Option<u64> {
        let limbs = x.into_bigint().0;
        limbs[1..].iter().all(|l| *l == 0).then_some(limbs[0])
    }
    if *c == Fr::ONE {
        out.push(ONE);
    } else if let Some(k) = small(*c) {
        out.push(SMALL);
        out.extend_from_slice(&k.to_le_bytes());
    } else if let Some(k) = small(-*c) {
        out.push(NEGATIVE_SMALL);
        out.extend_from_slice(&k.to_le_bytes());
    } else {
        out.push(FULL);
        out.extend_from_slice(&c.into_bigint().to_bytes_le());
    }
}

/// The manifest's hex SHA-256 of a key file as bytes; a malformed one (which no key file
/// matches, so [`Params::proving_key`] refuses it) as zeros, which no kept file names.
fn key_sha256(hex_digest: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    if hex::decode_to_slice(hex_digest, &mut out).is_err() {
        out = [0u8; 32];
    }
    out
}

/// Hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A cursor over a kept file's body, which knows how many bytes are left of it.
struct Reader<R> {
    inner: R,
    left: u64,
}

impl<R: BufRead> Reader<R> {
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.left = self.left.checked_sub(N as u64)?;
        let mut bytes = [0u8; N];
        self.inner.read_exact(&mut bytes).ok()?;
        Some(bytes)
    }

    fn bytes(&mut self, n: usize) -> Option<Vec<u8>> {
        self.left = self.left.checked_sub(n as u64)?;
        let mut bytes = vec![0u8; n];
        self.inner.read_exact(&mut bytes).ok()?;
        Some(bytes)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.array()?))
    }

    /// A coefficient: its tag, then what the tag says; an unknown tag is refused.
    fn coefficient(&mut self) -> Option<Fr> {
        match self.array::<1>()?[0] {
            ONE => Some(Fr::ONE),
            SMALL => Some(Fr::from(self.u64()?)),
            NEGATIVE_SMALL => Some(-Fr::from(self.u64()?)),
            FULL => self.fr(),
            _ => None,
        }
    }

    /// A canonical field element: a value at or above the modulus is refused.
    fn fr(&mut self) -> Option<Fr> {
        let bytes: [u8; FR_LEN] = self.array()?;
        let mut limbs = [0u64; 4];
        for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
            *limb = u64::from_le_bytes(chunk.try_into().ok()?);
        }
        Fr::from_bigint(ark_ff::BigInt(limbs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    fn circuit() -> Synthesized {
        Synthesized::new(StatementKind::AssetIncluded, Capacity::C16).expect("synthesized")
    }

    fn decode(bytes: &[u8], num_constraints: usize) -> Option<Synthesized> {
        Synthesized::read(
            bytes,
            bytes.len() as u64,
            StatementKind::AssetIncluded,
            Capacity::C16,
            num_constraints,
            &KEY,
        )
    }

    fn reader(bytes: &[u8]) -> Reader<&[u8]> {
        Reader {
            inner: bytes,
            left: bytes.len() as u64,
        }
    }

    /// `body` with its trailing digest recomputed, as a deliberate forger would.
    fn resealed(mut body: Vec<u8>) -> Vec<u8> {
        body.truncate(body.len() - 32);
        let digest = Sha256::digest(&body);
        body.extend_from_slice(&digest);
        body
    }

    #[test]
    fn kept_matrices_read_back_whole() {
        let made = circuit();
        let n = made.num_constraints;
        assert_eq!(n, 1_419);
        let bytes = made.encode(&KEY).expect("encodes");
        assert_eq!(decode(&bytes, n), Some(made));
    }

    #[test]
    fn damaged_or_foreign_files_are_not_used() {
        let made = circuit();
        let n = made.num_constraints;
        let bytes = made.encode(&KEY).expect("encodes");
        // Any changed byte, in the body or the digest, fails the digest.
        for at in (0..bytes.len()).step_by(509).chain([bytes.len() - 1]) {
            let mut bad = bytes.clone();
            bad[at] ^= 1;
            assert_eq!(decode(&bad, n), None, "byte {at} flipped");
        }
        for len in [0, 31, 32, 100, bytes.len() - 1] {
            assert_eq!(decode(&bytes[..len], n), None, "cut to {len} bytes");
        }
        // Whole files, but for another key, statement, capacity or constraint count.
        assert_eq!(decode(&made.encode(&[8; 32]).expect("encodes"), n), None);
        assert_eq!(decode(&bytes, n + 1), None);
        let other = |kind, capacity| {
            Synthesized::read(&bytes[..], bytes.len() as u64, kind, capacity, n, &KEY)
        };
        assert_eq!(other(StatementKind::NetWorthRange, Capacity::C16), None);
        assert_eq!(other(StatementKind::AssetIncluded, Capacity::C64), None);
    }

    #[test]
    fn a_resealed_file_with_an_index_out_of_bounds_is_refused() {
        let made = circuit();
        let n = made.num_constraints;
        let num_variables = (made.num_instance_variables + made.num_witness_variables) as u32;
        // The first entry's column sits after the header and the first row's length.
        let header = MAGIC.len() + 1 + StatementKind::AssetIncluded.name().len() + 8 + 32 + 24;
        let column_at = header + 4;
        let first_row = &made.matrices[0][0];
        assert!(!first_row.is_empty(), "the first row of A has an entry");
        let mut bytes = made.encode(&KEY).expect("encodes");
        bytes[column_at..column_at + 4].copy_from_slice(&num_variables.to_le_bytes());
        assert_eq!(
            decode(&resealed(bytes.clone()), n),
            None,
            "column past the last variable"
        );
        bytes[column_at..column_at + 4].copy_from_slice(&(num_variables - 1).to_le_bytes());
        assert!(
            decode(&resealed(bytes), n).is_some(),
            "the last variable is in bounds"
        );

        // An unknown tag.
        let mut bytes = made.encode(&KEY).expect("encodes");
        let tag_at = column_at + 4;
        bytes[tag_at] = 4;
        assert_eq!(decode(&resealed(bytes), n), None);

        // A row length larger than the file: refused before any allocation.
        let mut bytes = made.encode(&KEY).expect("encodes");
        bytes[header..header + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(decode(&resealed(bytes), n), None);

        // A file larger than its constraint count allows is not read at all.
        let huge = vec![0u8; (n + 1) * MAX_BYTES_PER_CONSTRAINT as usize + 1];
        assert_eq!(decode(&huge, n), None);

        // Trailing bytes.
        let mut bytes = made.encode(&KEY).expect("encodes");
        bytes.truncate(bytes.len() - 32);
        bytes.extend_from_slice(&[0; 33]);
        assert_eq!(decode(&resealed(bytes), n), None);
    }

    #[test]
    fn coefficients_read_back_in_every_form_and_only_canonically() {
        let cases = [
            (Fr::ONE, 1),
            (Fr::from(0u64), 9),
            (Fr::from(2u64).pow([63]), 9),
            (Fr::from(u64::MAX), 9),
            (-Fr::ONE, 9),
            (-Fr::from(u64::MAX), 9),
            (Fr::from(u64::MAX) + Fr::ONE, 33),
            (-(Fr::from(u64::MAX) + Fr::ONE), 33),
        ];
        for (c, len) in cases {
            let mut bytes = Vec::new();
            encode_coefficient(&mut bytes, &c);
            assert_eq!(bytes.len(), len, "{c}");
            let mut r = reader(&bytes);
            assert_eq!(r.coefficient(), Some(c));
            assert_eq!(r.left, 0);
        }
        // A full coefficient at the modulus is not a field element.
        let mut bytes = vec![FULL];
        bytes.extend_from_slice(&Fr::MODULUS.to_bytes_le());
        assert_eq!(reader(&bytes).coefficient(), None);
        assert_eq!(reader(&[SMALL, 1, 2]).coefficient(), None, "cut short");
    }

    #[test]
    fn key_digests_read_from_hex() {
        let hex = "00ff".repeat(16);
        let bytes = key_sha256(&hex);
        assert_eq!(&bytes[..4], &[0x00, 0xff, 0x00, 0xff]);
        assert_eq!(key_sha256("zz"), [0; 32]);
        assert_eq!(key_sha256(&"g0".repeat(32)), [0; 32]);
    }
}
