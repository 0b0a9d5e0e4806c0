//! RFC 6962 tree hashing and proofs, on top of `tlog_tiles`.
//!
//! `leaf = SHA-256(0x00 || entry)`, `node = SHA-256(0x01 || left || right)`; the proof math is
//! `tlog_tiles`' (a port of Go's `sumdb/tlog`). Checking needs no storage: a verifier builds the
//! proof types from what it is served and calls [`InclusionProof::verify`] or
//! [`ConsistencyProof::verify`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};
pub use tlog_tiles::Hash;
use tlog_tiles::{stored_hash_count, stored_hashes_for_record_hash, HashReader};

/// The root of the empty tree, `SHA-256("")`.
pub const EMPTY_ROOT: Hash = tlog_tiles::EMPTY_HASH;

/// `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    tlog_tiles::record_hash(data)
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: Hash, right: Hash) -> Hash {
    tlog_tiles::node_hash(left, right)
}

/// A proof that does not check out, or cannot be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The proof does not lead to the expected root.
    #[error(
        "the proof does not verify against the root: the entry or the tree is not what was claimed"
    )]
    Invalid,
    /// The index or sizes are impossible.
    #[error("{0}")]
    OutOfRange(String),
    /// The hashes needed could not be read.
    #[error("cannot read the tree's hashes: {0}")]
    Read(String),
}

/// A proof that the entry at `index` is in the tree of `tree_size` entries (RFC 6962 §2.1.1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionProof {
    /// The entry's index.
    pub index: u64,
    /// The tree size the proof is for.
    pub tree_size: u64,
    /// The audit path, leaf to root, base64.
    #[serde(with = "hash_list")]
    pub path: Vec<Hash>,
}

impl InclusionProof {
    /// Checks that the leaf with hash `leaf` is at `index` in the tree with root `root`.
    pub fn verify(&self, leaf: Hash, root: Hash) -> Result<(), ProofError> {
        if self.index >= self.tree_size {
            return Err(ProofError::OutOfRange(format!(
                "index {} is not in a tree of size {}",
                self.index, self.tree_size
            )));
        }
        tlog_tiles::check_record(&self.path, self.tree_size, root, self.index, leaf)
            .map_err(|_| ProofError::Invalid)
    }
}

/// A proof that the tree of `old_size` entries is a prefix of the tree of `new_size` entries
/// (RFC 6962 §2.1.2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyProof {
    /// The earlier size.
    pub old_size: u64,
    /// The later size.
    pub new_size: u64,
    /// The proof hashes, base64.
    #[serde(with = "hash_list")]
    pub path: Vec<Hash>,
}

impl ConsistencyProof {
    /// Checks that the tree with root `old_root` is a prefix of the tree with root `new_root`.
    ///
    /// The empty tree is a prefix of every tree: for `old_size == 0` the proof must be empty
    /// and `old_root` must be [`EMPTY_ROOT`].
    pub fn verify(&self, old_root: Hash, new_root: Hash) -> Result<(), ProofError> {
        if self.old_size > self.new_size {
            return Err(ProofError::OutOfRange(format!(
                "old size {} is larger than new size {}",
                self.old_size, self.new_size
            )));
        }
        if self.old_size == 0 {
            return if self.path.is_empty() && old_root == EMPTY_ROOT {
                Ok(())
            } else {
                Err(ProofError::Invalid)
            };
        }
        tlog_tiles::check_tree(&self.path, self.new_size, new_root, self.old_size, old_root)
            .map_err(|_| ProofError::Invalid)
    }
}

/// Builds the inclusion proof of `index` in the tree of `tree_size` from stored hashes.
pub fn prove_inclusion<R: HashReader>(
    reader: &R,
    index: u64,
    tree_size: u64,
) -> Result<InclusionProof, ProofError> {
    if index >= tree_size {
        return Err(ProofError::OutOfRange(format!(
            "index {index} is not in a tree of size {tree_size}"
        )));
    }
    let path = tlog_tiles::prove_record(tree_size, index, reader)
        .map_err(|e| ProofError::Read(e.to_string()))?;
    Ok(InclusionProof {
        index,
        tree_size,
        path,
    })
}

/// Builds the consistency proof from `old_size` to `new_size` from stored hashes.
pub fn prove_consistency<R: HashReader>(
    reader: &R,
    old_size: u64,
    new_size: u64,
) -> Result<ConsistencyProof, ProofError> {
    if old_size > new_size {
        return Err(ProofError::OutOfRange(format!(
            "old size {old_size} is larger than new size {new_size}"
        )));
    }
    let path = if old_size == 0 {
        Vec::new()
    } else {
        tlog_tiles::prove_tree(new_size, old_size, reader)
            .map_err(|e| ProofError::Read(e.to_string()))?
    };
    Ok(ConsistencyProof {
        old_size,
        new_size,
        path,
    })
}

/// The root of the tree of `size` entries, from stored hashes.
pub fn root<R: HashReader>(reader: &R, size: u64) -> Result<Hash, ProofError> {
    tlog_tiles::tree_hash(size, reader).map_err(|e| ProofError::Read(e.to_string()))
}

/// The stored hashes (Crosby–Wallach order, as `tlog_tiles` lays them out) that appending
/// `leaves` at `first_index` adds, given a reader of the hashes stored before.
///
/// The hashes of one batch are contiguous: they start at `stored_hash_count(first_index)`.
pub(crate) fn hashes_for_append<R: HashReader>(
    reader: &R,
    first_index: u64,
    leaves: &[Hash],
) -> Result<Vec<Hash>, ProofError> {
    let base = stored_hash_count(first_index);
    let overlay = Overlay {
        base,
        fresh: Vec::new(),
        reader,
    };
    let mut overlay = overlay;
    for (i, leaf) in (first_index..).zip(leaves) {
        let new = stored_hashes_for_record_hash(i, *leaf, &overlay)
            .map_err(|e| ProofError::Read(e.to_string()))?;
        overlay.fresh.extend(new);
    }
    Ok(overlay.fresh)
}

/// The root of the tree of `size` leaves, where the stored hashes from
/// `stored_hash_count(first_index)` on are `fresh` (from [`hashes_for_append`]) and the
/// earlier ones are in `reader`: the root after an append, before it is stored.
pub(crate) fn root_after_append<R: HashReader>(
    reader: &R,
    first_index: u64,
    fresh: &[Hash],
    size: u64,
) -> Result<Hash, ProofError> {
    let overlay = Overlay {
        base: stored_hash_count(first_index),
        fresh: fresh.to_vec(),
        reader,
    };
    root(&overlay, size)
}

/// Reads stored hashes below `base` from `reader`, and later ones from `fresh`.
struct Overlay<'a, R> {
    base: u64,
    fresh: Vec<Hash>,
    reader: &'a R,
}

impl<R: HashReader> HashReader for Overlay<'_, R> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        let old: Vec<u64> = indexes.iter().copied().filter(|i| *i < self.base).collect();
        let mut old = self.reader.read_hashes(&old)?.into_iter();
        indexes
            .iter()
            .map(|&i| {
                if i < self.base {
                    old.next().ok_or(tlog_tiles::Error::IndexesNotInTree)
                } else {
                    usize::try_from(i - self.base)
                        .ok()
                        .and_then(|j| self.fresh.get(j).copied())
                        .ok_or(tlog_tiles::Error::IndexesNotInTree)
                }
            })
            .collect()
    }
}

/// A whole tree in memory: what an auditor rebuilds from the entries, and the in-memory store.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    hashes: Vec<Hash>,
    size: u64,
}

impl MemoryTree {
    /// The empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tree over these leaf hashes.
    pub fn from_leaves(leaves: impl IntoIterator<Item = Hash>) -> Self {
        let mut t = Self::new();
        for leaf in leaves {
            t.push(leaf);
        }
        t
    }

    /// Appends a leaf hash; returns its index.
    pub fn push(&mut self, leaf: Hash) -> u64 {
        let new = stored_hashes_for_record_hash(self.size, leaf, &*self)
            .expect("a memory tree holds every hash an append reads");
        self.hashes.extend(new);
        self.size += 1;
        self.size - 1
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root of the first `size` leaves.
    pub fn root(&self, size: u64) -> Result<Hash, ProofError> {
        self.check_size(size)?;
        root(self, size)
    }

    /// The inclusion proof of `index` in the first `tree_size` leaves.
    pub fn inclusion_proof(
        &self,
        index: u64,
        tree_size: u64,
    ) -> Result<InclusionProof, ProofError> {
        self.check_size(tree_size)?;
        prove_inclusion(self, index, tree_size)
    }

    /// The consistency proof from `old_size` to `new_size`.
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<ConsistencyProof, ProofError> {
        self.check_size(new_size)?;
        prove_consistency(self, old_size, new_size)
    }

    fn check_size(&self, size: u64) -> Result<(), ProofError> {
        if size > self.size {
            Err(ProofError::OutOfRange(format!(
                "the tree has {} entries, not {size}",
                self.size
            )))
        } else {
            Ok(())
        }
    }
}

impl HashReader for MemoryTree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.hashes.get(i).copied())
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

/// Serde for a list of hashes as base64 strings (the checkpoint's encoding of hashes).
pub(crate) mod hash_list {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(hashes: &[Hash], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(hashes.iter().map(ToString::to_string))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Hash>, D::Error> {
        Vec::<Hash>::deserialize(d)
    }
}

#[cfg(test)]
mod tests;
