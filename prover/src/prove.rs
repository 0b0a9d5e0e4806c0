//! Proving: an opening and a statement's parameters in, a proof envelope out.
//!
//! A proof is made in two steps that need different things:
//! - a [`Witness`]: the statement checked natively, so that one that does not hold gets a clear
//!   error instead of an invalid proof, and the circuit's assignment computed (no matrices, no
//!   linear-combination inlining). It needs the openings, never the key;
//! - [`Prover::prove`]: Groth16 with one proving key against the constraint matrices of its
//!   circuit, synthesized once when the prover is made. The proof is verified against the
//!   key's own verifying key, so that no invalid proof is ever handed out.
//!
//! Apart, the two can run side by side: an official's machine computes the witness while the
//! key loads. The statement methods of [`Prover`] do both in turn.

use ark_bn254::Bn254;
use ark_groth16::{r1cs_to_qap::LibsnarkReduction, Groth16, PreparedVerifyingKey, ProvingKey};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode,
};
use ark_serialize::CanonicalSerialize;
use ark_std::UniformRand;
use probity_circuits::{
    AssetIncludedCircuit, CategoryTotalRangeCircuit, NetWorthRangeCircuit, WealthGrowthCircuit,
};
use probity_core::{
    category_total, format_minor_units, income, Amount, AssetId, AssetIncluded, Capacity, Category,
    CategoryTotalRange, Class, Fr, NetWorthRange, OfficialId, Opening, ProofEnvelope, PublicInputs,
    SignedAmount, StatementKind, WealthGrowth, PROOF_LEN,
};
use probity_params::{Params, ParamsError};

use crate::{groth16, qap::CosetReduction, synthesized::Synthesized};

use rand_core::CryptoRngCore;
use zeroize::Zeroize;

/// Why no proof was made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProveError {
    /// The keys could not be loaded.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// The prover's key is for another statement or capacity.
    #[error("this prover holds the key for {have} at capacity {have_capacity}, not {want} at capacity {want_capacity}")]
    WrongKey {
        /// The key's statement.
        have: StatementKind,
        /// The key's capacity.
        have_capacity: Capacity,
        /// The statement asked for.
        want: StatementKind,
        /// The capacity asked for.
        want_capacity: Capacity,
    },
    /// The declaration does not satisfy the statement; the message says which part fails,
    /// never the declared figures.
    #[error("the statement does not hold, so it cannot be proved: {0}")]
    DoesNotHold(String),
    /// The inputs cannot form this statement (e.g. two declarations of different officials).
    #[error("{0}")]
    Mismatch(String),
    /// Synthesis or proving failed: a bug, never expected for valid inputs.
    #[error("proving failed: {0}")]
    Internal(String),
}

/// One statement's proving key with its circuit's constraint matrices.
pub struct Prover {
    circuit: Synthesized,
    proving_key: ProvingKey<Bn254>,
    verifying_key: PreparedVerifyingKey<Bn254>,
    keys: KeySource,
}

/// Where a proving key came from, which decides the QAP reduction its H points assume.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// arkworks' generator (`probity setup --dev`): H holds τⁱ·Z(τ)/δ.
    Dev,
    /// A snarkjs-format ceremony (`probity ceremony`): H holds the odd Lagrange points of
    /// the doubled domain, divided by δ.
    Ceremony,
}

impl KeySource {
    /// Where the keys of `params` come from, as its manifest's `setup` says.
    pub fn of(params: &Params) -> KeySource {
        match params.manifest().setup.as_str() {
            "ceremony" => KeySource::Ceremony,
            _ => KeySource::Dev,
        }
    }
}

impl std::fmt::Debug for Prover {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prover")
            .field("statement", &self.circuit.kind)
            .field("capacity", &self.circuit.capacity)
            .field("num_constraints", &self.circuit.num_constraints)
            .finish_non_exhaustive()
    }
}

impl Prover {
    /// A prover for `kind` at `capacity` with this dev proving key. Synthesizes the circuit's
    /// matrices once.
    pub fn new(
        kind: StatementKind,
        capacity: Capacity,
        proving_key: ProvingKey<Bn254>,
    ) -> Result<Self, ProveError> {
        Self::with_keys(kind, capacity, proving_key, KeySource::Dev)
    }

    /// A prover with a proving key from `keys`.
    pub fn with_keys(
        kind: StatementKind,
        capacity: Capacity,
        proving_key: ProvingKey<Bn254>,
        keys: KeySource,
    ) -> Result<Self, ProveError> {
        Self::from_parts(Synthesized::new(kind, capacity)?, proving_key, keys)
    }

    /// A prover of a circuit synthesized before (while the key was loading, say) with its
    /// proving key from `keys`.
    pub fn from_parts(
        circuit: Synthesized,
        proving_key: ProvingKey<Bn254>,
        keys: KeySource,
    ) -> Result<Self, ProveError> {
        // A key of this circuit has a point per public input, and its queries the lengths
        // that the witness of every proof fills exactly, under its source's reduction.
        if !groth16::key_fits(
            &proving_key,
            keys,
            circuit.num_instance_variables,
            circuit.num_witness_variables,
            circuit.num_constraints,
        ) {
            return Err(ProveError::Internal(format!(
                "the proving key does not fit the {} circuit at capacity {}: regenerate the params",
                circuit.kind, circuit.capacity
            )));
        }
        let verifying_key = ark_groth16::prepare_verifying_key(&proving_key.vk);
        Ok(Self {
            circuit,
            proving_key,
            verifying_key,
            keys,
        })
    }

    /// Loads the key for `kind` at `capacity` from a params folder (hash-checked), with the
    /// reduction its manifest's `setup` says its keys assume, and the circuit's matrices kept
    /// beside it ([`Synthesized::kept`], which writes them into the folder on first use).
    pub fn from_params(
        params: &Params,
        kind: StatementKind,
        capacity: Capacity,
    ) -> Result<Self, ProveError> {
        let circuit = Synthesized::kept(params, kind, capacity)?;
        let key = params.proving_key(kind, capacity)?;
        Self::from_parts(circuit, key, KeySource::of(params))
    }

    /// The statement.
    pub fn kind(&self) -> StatementKind {
        self.circuit.kind
    }

    /// The capacity.
    pub fn capacity(&self) -> Capacity {
        self.circuit.capacity
    }

    /// The circuit's constraint count.
    pub fn num_constraints(&self) -> usize {
        self.circuit.num_constraints
    }

    fn expect(&self, kind: StatementKind, capacity: Capacity) -> Result<(), ProveError> {
        if (kind, capacity) == (self.circuit.kind, self.circuit.capacity) {
            Ok(())
        } else {
            Err(ProveError::WrongKey {
                have: self.circuit.kind,
                have_capacity: self.circuit.capacity,
                want: kind,
                want_capacity: capacity,
            })
        }
    }

    /// Proves any circuit of this prover's statement and returns the compressed proof.
    ///
    /// The proof is verified against `public_inputs` before it is returned; a witness that
    /// does not satisfy the circuit yields an error, never a proof.
    pub fn prove_circuit<C: ConstraintSynthesizer<Fr>>(
        &self,
        circuit: C,
        public_inputs: &[Fr],
        rng: &mut dyn CryptoRngCore,
    ) -> Result<[u8; PROOF_LEN], ProveError> {
        let assignment = Assignment::of(circuit)?;
        self.prove_assignment(&assignment, public_inputs, rng)
    }

    /// Proves the statement of `witness`, which must be this prover's statement and capacity.
    pub fn prove(
        &self,
        witness: &Witness,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<ProofEnvelope, ProveError> {
        self.expect(witness.inputs.kind(), witness.capacity)?;
        let proof =
            self.prove_assignment(&witness.assignment, &witness.inputs.to_public_inputs(), rng)?;
        Ok(ProofEnvelope::new(
            self.circuit.capacity,
            witness.official.clone(),
            &witness.inputs,
            &proof,
        ))
    }

    /// Groth16 over a full assignment (instance, then witness), checked before it is returned.
    fn prove_assignment(
        &self,
        assignment: &Assignment,
        public_inputs: &[Fr],
        rng: &mut dyn CryptoRngCore,
    ) -> Result<[u8; PROOF_LEN], ProveError> {
        let r = Fr::rand(rng);
        let s = Fr::rand(rng);
        let (pk, m, i, n, z) = (
            &self.proving_key,
            &self.circuit.matrices,
            self.circuit.num_instance_variables,
            self.circuit.num_constraints,
            &assignment.0,
        );
        let proof = match self.keys {
            KeySource::Dev => groth16::create_proof::<LibsnarkReduction>(pk, r, s, m, i, n, z),
            KeySource::Ceremony => groth16::create_proof::<CosetReduction>(pk, r, s, m, i, n, z),
        }?;
        let valid = Groth16::<Bn254>::verify_proof(&self.verifying_key, &proof, public_inputs)
            .map_err(|e| ProveError::Internal(e.to_string()))?;
        if !valid {
            return Err(ProveError::DoesNotHold(
                "the witness does not satisfy the circuit (the declaration or its inputs are not what the statement needs)".into(),
            ));
        }
        let mut bytes = [0u8; PROOF_LEN];
        proof
            .serialize_compressed(&mut bytes[..])
            .map_err(|e| ProveError::Internal(e.to_string()))?;
        Ok(bytes)
    }

    /// `net_worth_range`: `lo <= net worth <= hi`.
    pub fn net_worth_range(
        &self,
        opening: &Opening,
        lo: SignedAmount,
        hi: SignedAmount,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<ProofEnvelope, ProveError> {
        // Checked before the witness is computed, not only in `prove`, to fail fast.
        self.expect(StatementKind::NetWorthRange, opening.capacity())?;
        self.prove(&Witness::net_worth_range(opening, lo, hi)?, rng)
    }

    /// `category_total_range`: `lo <= Σ values of category <= hi`.
    pub fn category_total_range(
        &self,
        opening: &Opening,
        category: Category,
        lo: SignedAmount,
        hi: SignedAmount,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<ProofEnvelope, ProveError> {
        self.expect(StatementKind::CategoryTotalRange, opening.capacity())?;
        self.prove(
            &Witness::category_total_range(opening, category, lo, hi)?,
            rng,
        )
    }

    /// `wealth_growth`: net worth grew from `prev` to `curr` by at most `curr`'s income plus
    /// `tolerance`.
    pub fn wealth_growth(
        &self,
        prev: &Opening,
        curr: &Opening,
        tolerance: Amount,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<ProofEnvelope, ProveError> {
        self.expect(StatementKind::WealthGrowth, curr.capacity())?;
        self.prove(&Witness::wealth_growth(prev, curr, tolerance)?, rng)
    }

    /// `asset_included`: an asset with `asset_id` (normalized) is declared at `min_value` or more.
    pub fn asset_included(
        &self,
        opening: &Opening,
        asset_id: &AssetId,
        min_value: Amount,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<ProofEnvelope, ProveError> {
        self.expect(StatementKind::AssetIncluded, opening.capacity())?;
        self.prove(&Witness::asset_included(opening, asset_id, min_value)?, rng)
    }
}

/// A circuit's full assignment, instance then witness: declared values and blindings among
/// them, so it has no `Debug` and is zeroed when dropped, as are the MSMs' and the quotient's
/// copies and those of the ceremony keys' QAP reduction. (Best effort: the constraint system
/// it is read from, and the FFT working vectors of arkworks' own reduction for dev keys, are
/// not zeroed.)
struct Assignment(Vec<Fr>);

impl Assignment {
    /// Runs `circuit` in prove mode: its values only, no constraints kept.
    fn of<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<Self, ProveError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Prove {
            construct_matrices: false,
            generate_lc_assignments: false,
        });
        circuit
            .generate_constraints(cs.clone())
            .map_err(|e| ProveError::Internal(e.to_string()))?;
        let inner = cs
            .borrow()
            .ok_or_else(|| ProveError::Internal("constraint system is gone".into()))?;
        let instance = inner
            .instance_assignment()
            .map_err(|e| ProveError::Internal(e.to_string()))?;
        let witness = inner
            .witness_assignment()
            .map_err(|e| ProveError::Internal(e.to_string()))?;
        Ok(Self([instance, witness].concat()))
    }
}

impl Drop for Assignment {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A statement checked natively, with its public inputs and its circuit's assignment: all a
/// proof needs besides the key ([`Prover::prove`]). Made from openings alone, so it can be
/// computed while the key loads. It holds the declaration's values and blindings in its
/// assignment: no `Debug`, zeroed when dropped.
pub struct Witness {
    capacity: Capacity,
    official: OfficialId,
    inputs: PublicInputs,
    assignment: Assignment,
}

impl Witness {
    /// The statement's public inputs.
    pub fn inputs(&self) -> &PublicInputs {
        &self.inputs
    }

    fn new(
        opening: &Opening,
        inputs: PublicInputs,
        circuit: impl ConstraintSynthesizer<Fr>,
    ) -> Result<Self, ProveError> {
        Ok(Self {
            capacity: opening.capacity(),
            official: opening.official().clone(),
            inputs,
            assignment: Assignment::of(circuit)?,
        })
    }

    /// `net_worth_range`: `lo <= net worth <= hi`.
    pub fn net_worth_range(
        opening: &Opening,
        lo: SignedAmount,
        hi: SignedAmount,
    ) -> Result<Self, ProveError> {
        let nw = opening.net_worth();
        if nw < i128::from(lo.0) || nw > i128::from(hi.0) {
            return Err(ProveError::DoesNotHold(format!(
                "the declared net worth is outside [{}, {}]",
                format_minor_units(lo.0.into()),
                format_minor_units(hi.0.into())
            )));
        }
        let inputs = NetWorthRange {
            commitment: opening.commitment(),
            official_tag: opening.official().tag(),
            period: opening.period(),
            lo,
            hi,
        };
        let circuit = NetWorthRangeCircuit::new(opening, &inputs);
        Self::new(opening, PublicInputs::NetWorthRange(inputs), circuit)
    }

    /// `category_total_range`: `lo <= Σ values of category <= hi`.
    pub fn category_total_range(
        opening: &Opening,
        category: Category,
        lo: SignedAmount,
        hi: SignedAmount,
    ) -> Result<Self, ProveError> {
        let total = category_total(opening.slots(), category) as i128;
        if total < i128::from(lo.0) || total > i128::from(hi.0) {
            return Err(ProveError::DoesNotHold(format!(
                "the declared total of {category} is outside [{}, {}]",
                format_minor_units(lo.0.into()),
                format_minor_units(hi.0.into())
            )));
        }
        let inputs = CategoryTotalRange {
            commitment: opening.commitment(),
            official_tag: opening.official().tag(),
            period: opening.period(),
            category,
            lo,
            hi,
        };
        let circuit = CategoryTotalRangeCircuit::new(opening, &inputs);
        Self::new(opening, PublicInputs::CategoryTotalRange(inputs), circuit)
    }

    /// `wealth_growth`: net worth grew from `prev` to `curr` by at most `curr`'s income plus
    /// `tolerance`.
    pub fn wealth_growth(
        prev: &Opening,
        curr: &Opening,
        tolerance: Amount,
    ) -> Result<Self, ProveError> {
        if prev.official() != curr.official() {
            return Err(ProveError::Mismatch(format!(
                "the previous declaration is for official {} and the current one for {}: both must be the same official's",
                prev.official(),
                curr.official()
            )));
        }
        if prev.capacity() != curr.capacity() {
            return Err(ProveError::Mismatch(format!(
                "the previous declaration has capacity {} and the current one {}: wealth_growth compares declarations of one capacity; re-commit the previous period at capacity {}",
                prev.capacity(),
                curr.capacity(),
                curr.capacity()
            )));
        }
        if prev.period() >= curr.period() {
            return Err(ProveError::Mismatch(format!(
                "the previous period {} is not before the current period {}",
                prev.period(),
                curr.period()
            )));
        }
        let growth = curr.net_worth() - prev.net_worth();
        let allowed = income(curr.slots()) as i128 + i128::from(tolerance.0);
        if growth > allowed {
            return Err(ProveError::DoesNotHold(format!(
                "net worth grew from {} to {} by more than the income declared for {} plus the tolerance of {}: the growth is not explained",
                prev.period(),
                curr.period(),
                curr.period(),
                format_minor_units(tolerance.0.into())
            )));
        }
        let inputs = WealthGrowth {
            commitment_prev: prev.commitment(),
            commitment_curr: curr.commitment(),
            official_tag: curr.official().tag(),
            period_prev: prev.period(),
            period_curr: curr.period(),
            tolerance,
        };
        let circuit = WealthGrowthCircuit::new(prev, curr, &inputs);
        Self::new(curr, PublicInputs::WealthGrowth(inputs), circuit)
    }

    /// `asset_included`: an asset with `asset_id` (normalized) is declared at `min_value` or more.
    pub fn asset_included(
        opening: &Opening,
        asset_id: &AssetId,
        min_value: Amount,
    ) -> Result<Self, ProveError> {
        let id_hash = asset_id.id_hash();
        if id_hash.0 == Fr::from(0u64) {
            return Err(ProveError::Mismatch(
                "the asset id is empty: give the registry identifier to prove".into(),
            ));
        }
        let slot = opening
            .slots()
            .iter()
            .position(|s| {
                s.category.class() == Class::Asset && s.id_hash == id_hash && s.value >= min_value
            })
            .ok_or_else(|| {
                ProveError::DoesNotHold(format!(
                    "no asset with that id is declared at a value of at least {}",
                    format_minor_units(min_value.0.into())
                ))
            })?;
        let inputs = AssetIncluded {
            commitment: opening.commitment(),
            official_tag: opening.official().tag(),
            period: opening.period(),
            id_hash,
            min_value,
        };
        let circuit = AssetIncludedCircuit::new(opening, slot, &inputs);
        Self::new(opening, PublicInputs::AssetIncluded(inputs), circuit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{One, Zero};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// Our Groth16 prover makes arkworks' proof to the byte, for either reduction and for any
    /// `r` and `s`, zero included: only the MSMs differ, and they must not show.
    #[test]
    fn proofs_equal_arkworks_for_the_same_randomness() {
        let capacity = Capacity::C16;
        let kind = StatementKind::NetWorthRange;
        let mut rng = ChaCha20Rng::seed_from_u64(19);
        let keys = probity_params::generate_keys(kind, capacity, &mut rng).expect("setup");
        let prover = Prover::new(kind, capacity, keys.proving_key).expect("the key fits");
        let witness = Witness::net_worth_range(
            &probity_core::testing::golden_opening(),
            SignedAmount(200_000_000),
            SignedAmount(250_000_000),
        )
        .expect("2,120,000.00 is in the band");
        let (pk, m, i, n, z) = (
            &prover.proving_key,
            &prover.circuit.matrices,
            prover.circuit.num_instance_variables,
            prover.circuit.num_constraints,
            &witness.assignment.0,
        );
        let randomness = [
            (Fr::rand(&mut rng), Fr::rand(&mut rng)),
            (Fr::zero(), Fr::rand(&mut rng)),
            (Fr::rand(&mut rng), Fr::zero()),
            (Fr::one(), -Fr::one()),
        ];
        for (r, s) in randomness {
            let ours = groth16::create_proof::<LibsnarkReduction>(pk, r, s, m, i, n, z);
            let theirs =
                Groth16::<Bn254, LibsnarkReduction>::create_proof_with_reduction_and_matrices(
                    pk, r, s, m, i, n, z,
                );
            assert_eq!(ours.expect("proves"), theirs.expect("proves"));
            let ours = groth16::create_proof::<CosetReduction>(pk, r, s, m, i, n, z);
            let theirs = Groth16::<Bn254, CosetReduction>::create_proof_with_reduction_and_matrices(
                pk, r, s, m, i, n, z,
            );
            assert_eq!(ours.expect("proves"), theirs.expect("proves"));
        }
        // An assignment one value short, or without the constant 1 first, is refused before
        // any work: the MSMs would drop or misweigh terms.
        let (r, s) = randomness[0];
        let short = &z[..z.len() - 1];
        let mut unweighted = z.clone();
        unweighted[0] = Fr::from(2u8);
        for bad in [short, &unweighted[..]] {
            assert!(matches!(
                groth16::create_proof::<LibsnarkReduction>(pk, r, s, m, i, n, bad),
                Err(ProveError::Internal(message)) if message.contains("does not fit")
            ));
        }
    }

    /// A key whose H query is short would have the MSM drop the quotient's top terms: refused
    /// when the prover is made, like every other query of the wrong length.
    #[test]
    fn a_key_with_a_short_query_is_refused() {
        let capacity = Capacity::C16;
        let kind = StatementKind::AssetIncluded;
        let keys =
            probity_params::generate_keys(kind, capacity, &mut ChaCha20Rng::seed_from_u64(1))
                .expect("setup");
        for shorten in [
            (|pk: &mut ProvingKey<Bn254>| pk.h_query.truncate(pk.h_query.len() - 1))
                as fn(&mut ProvingKey<Bn254>),
            |pk| pk.l_query.truncate(pk.l_query.len() - 1),
            |pk| pk.b_g1_query.truncate(pk.b_g1_query.len() - 1),
            |pk| pk.b_g2_query.truncate(pk.b_g2_query.len() - 1),
        ] {
            let mut pk = keys.proving_key.clone();
            shorten(&mut pk);
            assert!(matches!(
                Prover::new(kind, capacity, pk),
                Err(ProveError::Internal(message)) if message.contains("does not fit")
            ));
        }
        // A dev key claimed as a ceremony key has one H point too few for that reduction.
        assert!(matches!(
            Prover::with_keys(kind, capacity, keys.proving_key.clone(), KeySource::Ceremony),
            Err(ProveError::Internal(message)) if message.contains("does not fit")
        ));
        assert!(Prover::new(kind, capacity, keys.proving_key).is_ok());
    }
}
