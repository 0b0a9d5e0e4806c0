//! Verifying keys, one per `(statement, capacity)` (DESIGN.md §6).

use std::fmt;

use ark_bn254::Bn254;
use ark_ec::{pairing::Pairing, AffineRepr};
use ark_groth16::{PreparedVerifyingKey, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Valid, Validate};
use probity_core::{Capacity, ManifestEntry, StatementKind};

use crate::error::KeyError;

/// The verifying key of one statement at one capacity, checked and prepared for pairings.
///
/// # Invariants
/// - Every point is on its curve and in the prime-order subgroup; a key decoded from bytes
///   came from its canonical encoding with nothing after it.
/// - The key takes exactly [`StatementKind::num_public_inputs`] public inputs.
/// - `alpha`, `beta`, `gamma`, `delta` are not the point at infinity.
///
/// Where the key comes from is the caller's business and the heart of the trust model: use
/// the key of the params manifest that is published on the ledger (`ParamsPublished`), so
/// that every party pins the same keys.
#[derive(Clone)]
pub struct StatementVerifyingKey {
    statement: StatementKind,
    capacity: Capacity,
    pub(crate) prepared: PreparedVerifyingKey<Bn254>,
    /// `beta`, prepared for the Miller loop; arkworks' prepared key holds `-gamma` and
    /// `-delta` but not `beta`, which batch verification pairs with `-(Σ r_i)·alpha`.
    pub(crate) beta_prepared: <Bn254 as Pairing>::G2Prepared,
}

impl StatementVerifyingKey {
    /// The key of a params-manifest entry: hex of arkworks' compressed `VerifyingKey`.
    pub fn from_manifest_entry(entry: &ManifestEntry) -> Result<Self, KeyError> {
        let bytes = hex::decode(&entry.verifying_key).map_err(|_| KeyError::Hex {
            statement: entry.statement,
            capacity: entry.capacity,
        })?;
        Self::from_bytes(entry.statement, entry.capacity, &bytes)
    }

    /// Decodes arkworks' compressed `VerifyingKey<Bn254>` and checks it (see the type's
    /// invariants). Refuses trailing bytes and non-canonical encodings.
    pub fn from_bytes(
        statement: StatementKind,
        capacity: Capacity,
        bytes: &[u8],
    ) -> Result<Self, KeyError> {
        let mut reader = bytes;
        let vk =
            VerifyingKey::<Bn254>::deserialize_with_mode(&mut reader, Compress::Yes, Validate::Yes)
                .map_err(|_| KeyError::Encoding {
                    statement,
                    capacity,
                })?;
        if !reader.is_empty() {
            return Err(KeyError::TrailingBytes {
                statement,
                capacity,
                extra: reader.len(),
            });
        }
        if !crate::proof::is_canonical(&vk, bytes) {
            return Err(KeyError::Encoding {
                statement,
                capacity,
            });
        }
        Self::from_verifying_key(statement, capacity, vk)
    }

    /// Wraps an arkworks verifying key (for the params tooling, which makes keys in memory)
    /// after the same checks as [`StatementVerifyingKey::from_bytes`]: points on the curve
    /// and in the subgroup, the statement's number of public inputs, not degenerate.
    pub fn from_verifying_key(
        statement: StatementKind,
        capacity: Capacity,
        vk: VerifyingKey<Bn254>,
    ) -> Result<Self, KeyError> {
        // `VerifyingKey`'s fields are public, so an in-memory key proves nothing about its
        // points; decoding already ran this check, and it is cheap to run twice.
        vk.check().map_err(|_| KeyError::Encoding {
            statement,
            capacity,
        })?;
        let expected = statement.num_public_inputs();
        // gamma_abc_g1 holds IC_0 (the constant 1) and one point per public input.
        let got = vk.gamma_abc_g1.len().saturating_sub(1);
        if vk.gamma_abc_g1.is_empty() || got != expected {
            return Err(KeyError::NumPublicInputs {
                statement,
                capacity,
                expected,
                got,
            });
        }
        let degenerate = [
            ("alpha", vk.alpha_g1.is_zero()),
            ("beta", vk.beta_g2.is_zero()),
            ("gamma", vk.gamma_g2.is_zero()),
            ("delta", vk.delta_g2.is_zero()),
        ];
        if let Some((point, _)) = degenerate.into_iter().find(|(_, zero)| *zero) {
            return Err(KeyError::Degenerate {
                statement,
                capacity,
                point,
            });
        }
        let beta_prepared = <Bn254 as Pairing>::G2Prepared::from(vk.beta_g2);
        let prepared = ark_groth16::prepare_verifying_key(&vk);
        Ok(Self {
            statement,
            capacity,
            prepared,
            beta_prepared,
        })
    }

    /// The statement this key verifies.
    pub fn statement(&self) -> StatementKind {
        self.statement
    }

    /// The declaration capacity of the circuit.
    pub fn capacity(&self) -> Capacity {
        self.capacity
    }

    /// The raw arkworks key, for export (snarkjs, Solidity).
    pub fn verifying_key(&self) -> &VerifyingKey<Bn254> {
        &self.prepared.vk
    }

    /// arkworks' compressed form, the inverse of [`StatementVerifyingKey::from_bytes`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.prepared.vk.compressed_size());
        self.prepared
            .vk
            .serialize_compressed(&mut out)
            .expect("serializing into a Vec cannot fail");
        out
    }
}

impl fmt::Debug for StatementVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatementVerifyingKey")
            .field("statement", &self.statement)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}
