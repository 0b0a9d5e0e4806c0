//! In-circuit twins of [`probity_core::tree`]: the items root over all leaves, and the root
//! recomputed from one leaf and its inclusion path.

use ark_r1cs_std::{alloc::AllocVar, boolean::Boolean, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use probity_core::{
    tree::{self, InclusionPath, ARITY},
    Fr,
};

use crate::poseidon::poseidon;

/// `items_root` over `4^d` leaves: `(4^d − 1)/3` Poseidon nodes.
///
/// # Panics
/// If the number of leaves is not a power of 4 (circuits are built for validated capacities).
pub fn items_root(
    cs: &ConstraintSystemRef<Fr>,
    leaves: &[FpVar<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
    assert!(
        tree::is_tree_size(leaves.len()),
        "a 4-ary tree needs 4^d leaves"
    );
    let mut level = leaves.to_vec();
    while level.len() > 1 {
        level = level
            .chunks_exact(ARITY)
            .map(|c| poseidon(cs, c))
            .collect::<Result<_, _>>()?;
    }
    Ok(level.swap_remove(0))
}

/// An inclusion path as witnesses: per level two position bits and three siblings.
pub struct PathVar {
    levels: Vec<LevelVar>,
}

struct LevelVar {
    low: Boolean<Fr>,
    high: Boolean<Fr>,
    siblings: [FpVar<Fr>; ARITY - 1],
}

impl PathVar {
    /// Allocates a path of `depth` levels (`depth · 5` constraints: two bits and one product
    /// of them per level, siblings are free).
    pub fn new_witness(
        cs: &ConstraintSystemRef<Fr>,
        depth: usize,
        path: Option<&InclusionPath>,
    ) -> Result<Self, SynthesisError> {
        let missing = || SynthesisError::AssignmentMissing;
        let levels = (0..depth)
            .map(|level| {
                let position = path.map(|p| p.position(level));
                let low = Boolean::new_witness(cs.clone(), || {
                    position.map(|p| p & 1 == 1).ok_or_else(missing)
                })?;
                let high = Boolean::new_witness(cs.clone(), || {
                    position.map(|p| p & 2 == 2).ok_or_else(missing)
                })?;
                let sibling = |k: usize| {
                    FpVar::new_witness(cs.clone(), || {
                        path.and_then(|p| p.siblings.get(level).map(|s| s[k]))
                            .ok_or_else(missing)
                    })
                };
                Ok(LevelVar {
                    low,
                    high,
                    siblings: [sibling(0)?, sibling(1)?, sibling(2)?],
                })
            })
            .collect::<Result<_, SynthesisError>>()?;
        Ok(Self { levels })
    }

    /// The root reached from `leaf`: the twin of [`InclusionPath::root`].
    ///
    /// With position `p = low + 2·high` and the siblings `s0, s1, s2` in order, the children
    /// are the siblings with the node inserted at `p`. Writing `ge1 = [p >= 1]`, `ge2 = high`,
    /// `ge3 = low·high`, and `t1 = ge1·(s0 − node)`, `t2 = ge2·(s1 − node)`,
    /// `t3 = ge3·(s2 − node)` (three constraints):
    /// `c0 = node + t1`, `c1 = s0 − t1 + t2`, `c2 = s1 − t2 + t3`, `c3 = s2 − t3`.
    pub fn root(
        &self,
        cs: &ConstraintSystemRef<Fr>,
        leaf: &FpVar<Fr>,
    ) -> Result<FpVar<Fr>, SynthesisError> {
        let mut node = leaf.clone();
        for level in &self.levels {
            let ge3 = FpVar::from(&level.low & &level.high);
            let high = FpVar::from(level.high.clone());
            let ge1 = FpVar::from(level.low.clone()) + &high - &ge3;
            let [s0, s1, s2] = &level.siblings;
            let t1 = ge1 * (s0 - &node);
            let t2 = high * (s1 - &node);
            let t3 = ge3 * (s2 - &node);
            let children = [&node + &t1, s0 - &t1 + &t2, s1 - &t2 + &t3, s2 - &t3];
            node = poseidon(cs, &children)?;
        }
        Ok(node)
    }
}

#[cfg(test)]
mod tests {
    use ark_r1cs_std::{eq::EqGadget, GR1CSVar};
    use ark_relations::gr1cs::ConstraintSystem;
    use probity_core::tree::ItemsTree;

    use super::*;

    fn leaves(n: u64) -> Vec<Fr> {
        (0..n).map(|i| Fr::from(i * 31 + 7)).collect()
    }

    #[test]
    fn items_root_matches_native() {
        for n in [16u64, 64] {
            let native = ItemsTree::from_leaves(leaves(n));
            let cs = ConstraintSystem::<Fr>::new_ref();
            let vars: Vec<_> = leaves(n)
                .into_iter()
                .map(|x| FpVar::new_witness(cs.clone(), || Ok(x)).expect("alloc"))
                .collect();
            let root = items_root(&cs, &vars).expect("synthesis");
            assert_eq!(root.value().expect("value"), native.root());
            assert_eq!(cs.num_constraints(), ((n as usize) - 1) / 3 * 297);
        }
    }

    fn path_check(tree: &ItemsTree, leaf: Fr, path: &InclusionPath) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let leaf = FpVar::new_witness(cs.clone(), || Ok(leaf)).expect("alloc");
        let p = PathVar::new_witness(&cs, path.siblings.len(), Some(path)).expect("alloc");
        let root = p.root(&cs, &leaf).expect("synthesis");
        let expected = FpVar::new_input(cs.clone(), || Ok(tree.root())).expect("alloc");
        root.enforce_equal(&expected).expect("enforce");
        cs.is_satisfied().expect("check")
    }

    #[test]
    fn every_position_verifies_and_tampering_fails() {
        let tree = ItemsTree::from_leaves(leaves(64));
        for slot in 0..64 {
            let path = tree.path(slot);
            assert!(path_check(&tree, tree.leaves()[slot], &path), "slot {slot}");
        }
        // A path moved to a neighbouring slot, a wrong sibling, a wrong leaf: all refused.
        let mut moved = tree.path(9);
        moved.slot = 10;
        assert!(!path_check(&tree, tree.leaves()[9], &moved));
        let mut wrong_sibling = tree.path(9);
        wrong_sibling.siblings[1][2] += Fr::from(1u64);
        assert!(!path_check(&tree, tree.leaves()[9], &wrong_sibling));
        assert!(!path_check(&tree, tree.leaves()[8], &tree.path(9)));
    }

    #[test]
    fn path_cost_per_level() {
        let tree = ItemsTree::from_leaves(leaves(64));
        let cs = ConstraintSystem::<Fr>::new_ref();
        let leaf = FpVar::new_witness(cs.clone(), || Ok(tree.leaves()[0])).expect("alloc");
        let p = PathVar::new_witness(&cs, 3, Some(&tree.path(0))).expect("alloc");
        let _root = p.root(&cs, &leaf).expect("synthesis");
        // Per level: 2 booleans, 1 AND, 3 selections, one Poseidon.
        assert_eq!(cs.num_constraints(), 3 * (2 + 1 + 3 + 297));
    }
}
