//! Test support shared across the workspace (feature `test-dependencies`).

use crate::{
    Amount, AssetId, Blindings, Capacity, Category, Declaration, Fr, Item, OfficialId, Opening,
    Owner, Period,
};

/// The golden declaration of DESIGN.md's appendix: GOV-0001, 2026, capacity 16.
pub fn golden_declaration() -> Declaration {
    let item = |category: u8, id: &str, value: u64| Item {
        category: Category::from_code(category).expect("valid code"),
        asset_id: AssetId(id.to_owned()),
        value: Amount(value),
        owner: Owner::Official,
        note: String::new(),
    };
    Declaration::new(
        OfficialId::new("GOV-0001").expect("valid id"),
        Period::new(2026).expect("valid period"),
        Capacity::C16,
        "CNY".into(),
        vec![
            item(1, "京(2020)朝阳区不动产权第0001234号", 350_000_000),
            item(2, " 6222 0202 0001 2345 678 ", 12_000_000),
            item(16, "loan-2020-88", 150_000_000),
            item(32, "", 45_000_000),
        ],
    )
    .expect("valid declaration")
}

/// The appendix's blindings: `1001 + slot` for the four items, `2000 + slot` for padding.
pub fn golden_blindings() -> Blindings {
    let blindings = (0..16u64)
        .map(|slot| Fr::from(if slot < 4 { 1001 + slot } else { 2000 + slot }))
        .collect();
    Blindings::from_vec(blindings).expect("16 blindings")
}

/// The golden declaration opened with the golden blindings.
pub fn golden_opening() -> Opening {
    Opening::new(&golden_declaration(), golden_blindings()).expect("blindings match the capacity")
}

/// The forgery that commitment format v1 allowed (DESIGN.md §4), built on the golden
/// declaration: a 64-slot inclusion path to an asset the 16-slot declaration does not hold.
///
/// Leaves and nodes are both 4-input Poseidon. Slot 4 of the golden declaration is empty
/// (category 0, id_hash 0, value 0); its blinding is chosen as the fake leaf
/// `Poseidon(1, id_hash, value, salt)`, so its leaf `Poseidon(0, 0, 0, fake_leaf)` reads as a
/// level-1 node of a 64-slot tree whose slot 19 = 4·4 + 3 holds the fake asset. The path
/// reaches the 16-slot root; under v1 the commitments of both capacities were the same.
#[derive(Clone)]
pub struct CapacityForgery {
    /// The 16-slot declaration, honestly opened apart from slot 4's chosen blinding.
    pub opening: Opening,
    /// The fake asset's id_hash.
    pub id_hash: crate::IdHash,
    /// The fake asset's value (category 1, real estate).
    pub value: Amount,
    /// The fake leaf's blinding.
    pub salt: Fr,
    /// The 64-slot path of slot 19 to the 16-slot root.
    pub path: crate::InclusionPath,
}

impl std::fmt::Debug for CapacityForgery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CapacityForgery").finish_non_exhaustive()
    }
}

/// Builds [`CapacityForgery`] for a flat worth 9,000,000.00.
pub fn capacity_forgery() -> CapacityForgery {
    let id_hash = AssetId("京(2021)海淀区不动产权第0009999号".into()).id_hash();
    let value = Amount(900_000_000);
    let salt = Fr::from(77u64);
    let fake_leaf = crate::poseidon::poseidon4([Fr::from(1u64), id_hash.0, value.to_field(), salt]);
    let mut blindings: Vec<Fr> = golden_blindings().as_slice().iter().map(|b| b.0).collect();
    blindings[4] = fake_leaf;
    let opening = Opening::new(
        &golden_declaration(),
        Blindings::from_vec(blindings).expect("16 blindings"),
    )
    .expect("matching capacity");
    let short = opening.path(4);
    let path = crate::InclusionPath {
        slot: 19,
        siblings: vec![[Fr::from(0u64); 3], short.siblings[0], short.siblings[1]],
    };
    CapacityForgery {
        opening,
        id_hash,
        value,
        salt,
        path,
    }
}
