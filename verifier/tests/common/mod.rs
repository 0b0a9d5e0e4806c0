//! Test fixtures: a toy circuit with the public-input count of any statement, keys made from
//! it with a seeded RNG, and sample public inputs.
//!
//! The verifier never links the real circuits (DESIGN.md §2), so its tests prove with a
//! circuit of their own: for each public input `x_j` a witness `w_j` and the constraint
//! `w_j · 1 = x_j`. Any public inputs are provable, and a proof binds exactly the inputs it
//! was made for, which is all the verifier's mechanics need.
#![allow(dead_code, unreachable_pub)]

use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, ProvingKey};
use ark_relations::{
    gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError, Variable},
    lc,
};
use ark_serialize::CanonicalSerialize;
use ark_snark::{CircuitSpecificSetupSNARK, SNARK};
use probity_core::{
    Amount, AssetIncluded, Capacity, Category, CategoryTotalRange, Commitment, IdHash,
    ManifestEntry, NetWorthRange, OfficialId, Period, PublicInputs, SignedAmount, StatementKind,
    WealthGrowth, PROOF_LEN,
};
use probity_verifier::{Proof, StatementVerifyingKey};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

/// The toy circuit. `inputs: None` is the setup shape.
pub struct Toy {
    pub num_inputs: usize,
    pub inputs: Option<Vec<Fr>>,
}

impl ConstraintSynthesizer<Fr> for Toy {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        for j in 0..self.num_inputs {
            let value = || {
                self.inputs
                    .as_ref()
                    .map(|x| x[j])
                    .ok_or(SynthesisError::AssignmentMissing)
            };
            let x = cs.new_input_variable(value)?;
            let w = cs.new_witness_variable(value)?;
            cs.enforce_r1cs_constraint(|| lc!() + w, || lc!() + Variable::One, || lc!() + x)?;
        }
        Ok(())
    }
}

/// A seeded RNG; different seeds give independent streams.
pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// A key pair for `statement` at capacity 16. The verifying key goes through a manifest
/// entry (hex of the compressed key), the way verifiers load keys.
pub struct Keys {
    pub pk: ProvingKey<Bn254>,
    pub vk: StatementVerifyingKey,
    pub entry: ManifestEntry,
}

pub fn keys(statement: StatementKind, seed: u64) -> Keys {
    let circuit = Toy {
        num_inputs: statement.num_public_inputs(),
        inputs: None,
    };
    let (pk, vk) = Groth16::<Bn254>::setup(circuit, &mut rng(seed)).expect("toy setup");
    let mut bytes = Vec::new();
    vk.serialize_compressed(&mut bytes).expect("serialize vk");
    let entry = ManifestEntry {
        statement,
        capacity: Capacity::C16,
        num_constraints: statement.num_public_inputs(),
        verifying_key: hex::encode(&bytes),
        proving_key_file: "toy.pk".into(),
        proving_key_sha256: "00".repeat(32),
        ceremony: None,
    };
    let vk = StatementVerifyingKey::from_manifest_entry(&entry).expect("toy key loads");
    Keys { pk, vk, entry }
}

/// Proves `inputs` with the toy circuit under `pk`, through the 128-byte wire form.
pub fn prove(pk: &ProvingKey<Bn254>, inputs: &PublicInputs, seed: u64) -> Proof {
    let x = inputs.to_public_inputs();
    let circuit = Toy {
        num_inputs: x.len(),
        inputs: Some(x),
    };
    let proof = Groth16::<Bn254>::prove(pk, circuit, &mut rng(seed)).expect("toy proof");
    let mut bytes = [0u8; PROOF_LEN];
    proof
        .serialize_compressed(&mut bytes[..])
        .expect("a proof is 128 bytes");
    Proof::from_bytes(&bytes).expect("an honest proof decodes")
}

pub fn official() -> OfficialId {
    OfficialId::new("GOV-0001").expect("valid id")
}

pub fn period(p: u32) -> Period {
    Period::new(p).expect("valid period")
}

/// `net_worth_range` inputs; `n` varies the commitment and the bounds.
pub fn net_worth_range(n: u64) -> PublicInputs {
    PublicInputs::NetWorthRange(NetWorthRange {
        commitment: Commitment(Fr::from(1_000 + n)),
        official_tag: official().tag(),
        period: period(2026),
        lo: SignedAmount(-(n as i64) * 100),
        hi: SignedAmount(n as i64 * 1_000_000),
    })
}

/// `asset_included` inputs (also five public inputs, like `net_worth_range`).
pub fn asset_included(n: u64) -> PublicInputs {
    PublicInputs::AssetIncluded(AssetIncluded {
        commitment: Commitment(Fr::from(1_000 + n)),
        official_tag: official().tag(),
        period: period(2026),
        id_hash: IdHash(Fr::from(77 + n)),
        min_value: Amount(n * 10),
    })
}

/// `category_total_range` inputs.
pub fn category_total_range(n: u64) -> PublicInputs {
    PublicInputs::CategoryTotalRange(CategoryTotalRange {
        commitment: Commitment(Fr::from(1_000 + n)),
        official_tag: official().tag(),
        period: period(202606),
        category: Category::from_code(3).expect("securities"),
        lo: SignedAmount(0),
        hi: SignedAmount(0),
    })
}

/// `wealth_growth` inputs.
pub fn wealth_growth(n: u64) -> PublicInputs {
    PublicInputs::WealthGrowth(WealthGrowth {
        commitment_prev: Commitment(Fr::from(1_000 + n)),
        commitment_curr: Commitment(Fr::from(2_000 + n)),
        official_tag: official().tag(),
        period_prev: period(2025),
        period_curr: period(2026),
        tolerance: Amount(n),
    })
}

pub fn sample(statement: StatementKind, n: u64) -> PublicInputs {
    match statement {
        StatementKind::NetWorthRange => net_worth_range(n),
        StatementKind::CategoryTotalRange => category_total_range(n),
        StatementKind::WealthGrowth => wealth_growth(n),
        StatementKind::AssetIncluded => asset_included(n),
    }
}
