//! Shared fixtures: an honest declaration, and raw-witness helpers for a dishonest prover who
//! recomputes commitments natively over any field elements it likes.
#![allow(dead_code, unreachable_pub)]

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use probity_circuits::{DeclarationWitness, SlotWitness};
use probity_core::{
    poseidon::{poseidon4, poseidon5},
    tree::ItemsTree,
    Amount, AssetId, Blindings, Capacity, Category, Declaration, Fr, Item, OfficialId, Opening,
    Owner, Period, DOMAIN_DECLARATION,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

pub const DEED: &str = "京(2020)朝阳区不动产权第0001234号";
pub const MORTGAGE_ID: &str = "LOAN-2020-88";

pub fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(7)
}

pub fn official(id: &str) -> OfficialId {
    OfficialId::new(id).expect("valid id")
}

pub fn period(p: u32) -> Period {
    Period::new(p).expect("valid period")
}

pub fn item(category: u8, id: &str, value: u64) -> Item {
    Item {
        category: Category::from_code(category).expect("valid code"),
        asset_id: AssetId(id.into()),
        value: Amount(value),
        owner: Owner::Official,
        note: String::new(),
    }
}

/// An honest opening at capacity 16 for GOV-0001.
pub fn open(p: u32, items: Vec<Item>) -> Opening {
    let d = Declaration::new(
        official("GOV-0001"),
        period(p),
        Capacity::C16,
        "CNY".into(),
        items,
    )
    .expect("valid");
    Opening::new(&d, Blindings::random(Capacity::C16, &mut rng())).expect("matching capacity")
}

/// real estate 3,500,000.00; deposit 120,000.00; mortgage (same id as a deposit elsewhere) 1,500,000.00;
/// salary 450,000.00. Net worth 2,120,000.00 = 212_000_000 fen.
pub fn items_2026() -> Vec<Item> {
    vec![
        item(1, DEED, 350_000_000),
        item(2, "6222 0202 0001 2345 678", 12_000_000),
        item(16, MORTGAGE_ID, 150_000_000),
        item(32, "", 45_000_000),
    ]
}

pub const NET_WORTH_2026: i64 = 212_000_000;

/// Commitment over raw slots, as a dishonest prover would compute it (format v2: the capacity
/// is the number of slots).
pub fn raw_commitment(tag: Fr, period: Fr, w: &DeclarationWitness) -> Fr {
    let leaves = w
        .slots
        .iter()
        .map(|s| poseidon4([s.category, s.id_hash, s.value, s.blinding]))
        .collect();
    let root = ItemsTree::from_leaves(leaves).root();
    let capacity = Fr::from(w.slots.len() as u64);
    poseidon5([Fr::from(DOMAIN_DECLARATION), tag, period, capacity, root])
}

pub fn slot(category: u64, id_hash: Fr, value: Fr, blinding: u64) -> SlotWitness {
    SlotWitness {
        category: Fr::from(category),
        id_hash,
        value,
        blinding: Fr::from(blinding),
    }
}

/// A 16-slot raw witness from the given slots, padded with honest empty slots.
pub fn raw_witness(mut slots: Vec<SlotWitness>) -> DeclarationWitness {
    let mut pad = 9000;
    while slots.len() < 16 {
        pad += 1;
        slots.push(slot(0, Fr::from(0u64), Fr::from(0u64), pad));
    }
    DeclarationWitness { slots }
}

pub fn satisfied(circuit: impl ConstraintSynthesizer<Fr>) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit
        .generate_constraints(cs.clone())
        .expect("synthesis succeeds for any assignment");
    cs.is_satisfied().expect("satisfaction check")
}
