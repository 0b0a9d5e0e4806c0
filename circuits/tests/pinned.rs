//! Pins of the circuits (STYLE.md §4): any change to a constraint invalidates every deployed
//! key, so an accidental one must fail here first. If a change is intended, update the pins
//! and regenerate the params.
//!
//! Commitment format v2 (DESIGN.md §4) added 21 constraints per commitment (a width-6 Poseidon
//! with the capacity as a constant input, against width 5), and the rules of §5 one more for
//! `category_total_range` and `asset_included` (a non-zero check) and 99 for `wealth_growth`
//! (both periods below 2^32, and their order).

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
        (NetWorthRange, Capacity::C16, 7_991),
        (NetWorthRange, Capacity::C64, 30_507),
        (CategoryTotalRange, Capacity::C16, 8_031),
        (CategoryTotalRange, Capacity::C64, 30_643),
        (WealthGrowth, Capacity::C16, 15_693),
        (WealthGrowth, Capacity::C64, 60_767),
        (AssetIncluded, Capacity::C16, 1_419),
        (AssetIncluded, Capacity::C64, 1_722),
        (AssetIncluded, Capacity::C256, 2_025),
        (AssetIncluded, Capacity::C1024, 2_328),
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
            "f3d81a401f419547361623c132c4594d353b443cc66fcbc5d0a643eea449363d",
        ),
        (
            StatementKind::CategoryTotalRange,
            "8dff0c3d76a59d06d9701ab6d45ac9fd4e66216a6b194213f46adeceedcf99ed",
        ),
        (
            StatementKind::WealthGrowth,
            "7a6dcb1dc0b550c3de123f969eca1edda73c936416d87891d5b200b0ce74a8b2",
        ),
        (
            StatementKind::AssetIncluded,
            "8d35a6afb99ef12e739c4f2f6af4154fd2b1142b52d789ceb05e708f7abd2b21",
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
