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
