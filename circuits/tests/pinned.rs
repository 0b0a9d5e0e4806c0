//! Pins of the circuits (STYLE.md §4): any change to a constraint invalidates every deployed
//! key, so an accidental one must fail here first. If a change is intended, update the pins
//! and regenerate the params.

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use probity_circuits::StatementCircuit;
use probity_core::{Capacity, Fr, StatementKind};
use sha2::{Digest, Sha256};

fn synthesize(
    kind: StatementKind,
    capacity: Capacity,
) -> ark_relations::gr1cs::ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    StatementCircuit::empty(kind, capacity)
        .generate_constraints(cs.clone())
        .expect("setup synthesis");
    cs.finalize();
    cs
}

#[test]
fn constraint_counts() {
    use StatementKind::*;
    let pins = [
        (NetWorthRange, Capacity::C16, 7_970),
        (NetWorthRange, Capacity::C64, 30_486),
        (CategoryTotalRange, Capacity::C16, 8_009),
        (CategoryTotalRange, Capacity::C64, 30_621),
        (WealthGrowth, Capacity::C16, 15_552),
        (WealthGrowth, Capacity::C64, 60_626),
        (AssetIncluded, Capacity::C16, 1_397),
        (AssetIncluded, Capacity::C64, 1_700),
        (AssetIncluded, Capacity::C256, 2_003),
        (AssetIncluded, Capacity::C1024, 2_306),
    ];
    for (kind, capacity, expected) in pins {
        let cs = synthesize(kind, capacity);
        assert_eq!(
            cs.num_constraints(),
            expected,
            "{kind} at capacity {capacity}"
        );
        assert_eq!(
            cs.num_instance_variables(),
            1 + kind.num_public_inputs(),
            "{kind}: the constant 1 and the public inputs"
        );
    }
}

/// SHA-256 over every matrix entry of the capacity-16 circuits.
#[test]
fn constraint_matrix_digests() {
    let pins = [
        (
            StatementKind::NetWorthRange,
            "46aef1477c843ac9c37d4bb9988ffd5656dcbcc2c94f1b9c6113f8729cde4b65",
        ),
        (
            StatementKind::CategoryTotalRange,
            "eed2e46e186b3e83a745cb59cb3710aa73cda3f0916a4cc2968f28b6a4ab4ddb",
        ),
        (
            StatementKind::WealthGrowth,
            "7a4e5235ee4fe913c9c7926c420e2b3f23d2d0416b48d78d76e5c6dc4353ee88",
        ),
        (
            StatementKind::AssetIncluded,
            "296c2e9dc2f0c5bc97ad75df8cbae263090b749fe3a55842d2a15332f71a75f2",
        ),
    ];
    let mut actual = Vec::new();
    for (kind, _) in pins {
        let cs = synthesize(kind, Capacity::C16);
        let matrices = cs.to_matrices().expect("matrices");
        let mut h = Sha256::new();
        for (label, mats) in &matrices {
            h.update(label.as_bytes());
            for m in mats {
                h.update((m.len() as u64).to_le_bytes());
                for row in m {
                    h.update((row.len() as u64).to_le_bytes());
                    for (coeff, index) in row {
                        h.update(coeff.to_string().as_bytes());
                        h.update((*index as u64).to_le_bytes());
                    }
                }
            }
        }
        actual.push((kind, hex::encode(h.finalize())));
    }
    let expected: Vec<_> = pins.iter().map(|(k, d)| (*k, d.to_string())).collect();
    assert_eq!(actual, expected, "the constraint matrices changed");
}
