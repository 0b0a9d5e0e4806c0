//! The 4-ary items tree (DESIGN.md §4): `node = Poseidon(child_0, child_1, child_2, child_3)`
//! over `N = 4^d` leaves in slot order.
//!
//! The in-circuit twins are `probity_circuits::tree::{items_root, path_root}`.

use crate::{poseidon::poseidon4, Fr};

/// Children per node.
pub const ARITY: usize = 4;

/// Whether `n` leaves make a full 4-ary tree: `n = 4^d` with `d >= 1`.
pub fn is_tree_size(n: usize) -> bool {
    n >= ARITY && n.is_power_of_two() && n.trailing_zeros().is_multiple_of(2)
}

/// Every level of the tree, leaves first.
///
/// # Invariants
/// `levels[0].len()` is a power of 4 and each level is a quarter of the one below; the last
/// level holds only the root.
#[derive(Clone)]
pub struct ItemsTree {
    levels: Vec<Vec<Fr>>,
}

impl ItemsTree {
    /// Builds the tree.
    ///
    /// # Panics
    /// If the number of leaves is not a power of 4 (at least 4): capacities are validated
    /// before any tree is built.
    pub fn from_leaves(leaves: Vec<Fr>) -> Self {
        assert!(is_tree_size(leaves.len()), "a 4-ary tree needs 4^d leaves");
        let mut levels = vec![leaves];
        while levels.last().map_or(0, Vec::len) > 1 {
            let below = levels.last().expect("levels is never empty");
            let above = below
                .chunks_exact(ARITY)
                .map(|c| poseidon4([c[0], c[1], c[2], c[3]]))
                .collect();
            levels.push(above);
        }
        Self { levels }
    }

    /// The root, `items_root`.
    pub fn root(&self) -> Fr {
        self.levels.last().expect("levels is never empty")[0]
    }

    /// The leaves, in slot order.
    pub fn leaves(&self) -> &[Fr] {
        &self.levels[0]
    }

    /// The inclusion path of the leaf in `slot`.
    ///
    /// # Panics
    /// If `slot` is not below the number of leaves.
    pub fn path(&self, slot: usize) -> InclusionPath {
        assert!(
            slot < self.leaves().len(),
            "slot {slot} is outside the tree"
        );
        let mut index = slot;
        let mut siblings = Vec::with_capacity(self.levels.len() - 1);
        for level in &self.levels[..self.levels.len() - 1] {
            let first = index - index % ARITY;
            let mut others = [Fr::from(0u64); ARITY - 1];
            let mut k = 0;
            for (j, node) in level[first..first + ARITY].iter().enumerate() {
                if j != index % ARITY {
                    others[k] = *node;
                    k += 1;
                }
            }
            siblings.push(others);
            index /= ARITY;
        }
        InclusionPath { slot, siblings }
    }
}

/// The path from one leaf to the root: at each level, the other three children in order.
#[derive(Clone, PartialEq, Eq)]
pub struct InclusionPath {
    /// The leaf's slot; its base-4 digits, lowest first, are the positions at each level.
    pub slot: usize,
    /// Per level, leaves first: the three siblings in child order.
    pub siblings: Vec<[Fr; ARITY - 1]>,
}

impl InclusionPath {
    /// The position of the path's node among its siblings at `level`.
    pub fn position(&self, level: usize) -> usize {
        (self.slot >> (2 * level)) % ARITY
    }

    /// Recomputes the root from a leaf: the native twin of the path gadget.
    pub fn root(&self, leaf: Fr) -> Fr {
        let mut node = leaf;
        for (level, others) in self.siblings.iter().enumerate() {
            node = poseidon4(place_child(node, self.position(level), others));
        }
        node
    }
}

/// The four children of a node, with `node` at `position` and `others` filling the rest in order.
pub fn place_child(node: Fr, position: usize, others: &[Fr; ARITY - 1]) -> [Fr; ARITY] {
    let mut children = [Fr::from(0u64); ARITY];
    let mut k = 0;
    for (j, child) in children.iter_mut().enumerate() {
        if j == position {
            *child = node;
        } else {
            *child = others[k];
            k += 1;
        }
    }
    children
}

impl std::fmt::Debug for InclusionPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The slot and siblings are the official's private witness: print the depth only.
        f.debug_struct("InclusionPath")
            .field("depth", &self.siblings.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_recomputes_the_root_and_a_wrong_leaf_does_not() {
        let leaves: Vec<Fr> = (0..64u64).map(|i| Fr::from(i * 7 + 3)).collect();
        let tree = ItemsTree::from_leaves(leaves.clone());
        for (slot, leaf) in leaves.iter().enumerate() {
            let path = tree.path(slot);
            assert_eq!(path.siblings.len(), 3);
            assert_eq!(path.root(*leaf), tree.root(), "slot {slot}");
            assert_ne!(path.root(*leaf + Fr::from(1u64)), tree.root());
        }
        // A path moved to another slot does not verify.
        let mut moved = tree.path(5);
        moved.slot = 6;
        assert_ne!(moved.root(leaves[5]), tree.root());
    }
}
