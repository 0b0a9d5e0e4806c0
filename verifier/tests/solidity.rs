//! Solidity export: the generated verifier carries the key it was made from, in the order
//! the EVM's precompiles read it.

mod common;

use ark_ec::AffineRepr;
use common::keys;
use probity_core::StatementKind;
use probity_verifier::export_solidity;

#[test]
fn the_verifier_contract_carries_its_key() {
    for (statement, name) in [
        (StatementKind::NetWorthRange, "NetWorthRange16Verifier"),
        (StatementKind::WealthGrowth, "WealthGrowth16Verifier"),
    ] {
        let k = keys(statement, 7);
        let contract = export_solidity(&k.vk);
        assert_eq!(contract.name, name);
        let src = &contract.source;
        assert!(src.contains(&format!("contract {name} {{")));
        let inputs = statement.num_public_inputs();
        assert!(src.contains(&format!("uint256 public constant INPUTS = {inputs};")));
        let key = k.vk.verifying_key();
        // One accumulation step per input, and an IC point per input plus one.
        assert_eq!(src.matches("= mulAdd(").count(), inputs);
        assert_eq!(key.gamma_abc_g1.len(), inputs + 1);
        for (i, p) in key.gamma_abc_g1.iter().enumerate() {
            let (x, y) = p.xy().expect("not the point at infinity");
            assert!(src.contains(&format!("IC{i}_X = {x};")));
            assert!(src.contains(&format!("IC{i}_Y = {y};")));
        }
        // G2 coordinates: the u-coefficient (c1) first.
        let (x, y) = key.delta_g2.xy().expect("delta");
        for (suffix, value) in [("X1", x.c1), ("X0", x.c0), ("Y1", y.c1), ("Y0", y.c0)] {
            assert!(src.contains(&format!("DELTA_{suffix} = {value};")));
        }
        // Another key makes another contract.
        assert_ne!(export_solidity(&keys(statement, 8).vk).source, *src);
    }
}
