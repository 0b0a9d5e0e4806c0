//! Auditing a log from outside, from its tiles: `probity ledger verify`, `prove-inclusion`
//! and `prove-consistency`.

use std::collections::BTreeMap;

use crate::{
    checkpoint::{CheckpointError, CheckpointVerifier, SignedCheckpoint},
    entry::{Entry, EntryBody},
    rules::EntryRules,
    tiles::{new_tiles, read_entries, tile_path, LogSource, TileError, VerifiedHashes},
    tree::{
        leaf_hash, prove_consistency as consistency, prove_inclusion as inclusion,
        ConsistencyProof, InclusionProof, MemoryTree, ProofError,
    },
    witness::{FormOnly, ProofCheck},
};

/// Entries read at a time.
const CHUNK: u64 = 4096;

/// What a full audit found.
#[derive(Clone, Debug)]
pub struct AuditReport {
    /// The checkpoint the log was checked against.
    pub checkpoint: SignedCheckpoint,
    /// Number of entries of each type.
    pub counts: BTreeMap<&'static str, u64>,
}

/// Why an audit failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The checkpoint is not the log's.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The log could not be read.
    #[error(transparent)]
    Source(#[from] TileError),
    /// An entry is not acceptable.
    #[error("entry {index} is not acceptable: {reason}")]
    BadEntry {
        /// The index.
        index: u64,
        /// Why.
        reason: String,
    },
    /// The entries do not hash to the signed root.
    #[error("the {size} entries served do not hash to the signed root: the log's entries and its checkpoint disagree")]
    RootMismatch {
        /// The tree size.
        size: u64,
    },
    /// A hash tile differs from the one recomputed from the entries.
    #[error(
        "hash tile `{0}` differs from the one recomputed from the entries: the mirror is corrupt"
    )]
    TileMismatch(String),
    /// A proof could not be made.
    #[error(transparent)]
    Proof(#[from] ProofError),
}

/// Recomputes the whole tree from the log's entries and checks it against its signed
/// checkpoint; checks every entry's form, every hash tile, and every entry against the rules
/// that depend on the entries before it ([`EntryRules`]: every filing's signature against the
/// key its official registered earlier in the log, and that every accepted proof names
/// commitments its official filed earlier for those periods at that capacity).
pub fn verify_log<L: LogSource + ?Sized>(
    source: &L,
    log: &CheckpointVerifier,
) -> Result<AuditReport, AuditError> {
    verify_log_with(source, log, &FormOnly)
}

/// [`verify_log`], with every entry also shown to `proofs` in log order, as a witness shows
/// its new entries ([`ProofCheck::observe`], then [`ProofCheck::check`] for each
/// `ProofAccepted`): the caller brings the re-verification of proofs, which needs the
/// verifier that the ledger does not link. An `Err` from it fails the audit at that entry.
pub fn verify_log_with<L: LogSource + ?Sized, P: ProofCheck + ?Sized>(
    source: &L,
    log: &CheckpointVerifier,
    proofs: &P,
) -> Result<AuditReport, AuditError> {
    let checkpoint = SignedCheckpoint::verify(&source.checkpoint()?, log)?;
    let size = checkpoint.size();
    let mut tree = MemoryTree::new();
    let mut counts = BTreeMap::new();
    let mut rules = EntryRules::new();
    let mut lo = 0;
    while lo < size {
        let hi = (lo + CHUNK).min(size);
        for (index, bytes) in (lo..).zip(read_entries(source, lo, hi, size)?) {
            let bad = |reason: String| AuditError::BadEntry { index, reason };
            let entry = Entry::from_canonical_json(&bytes).map_err(|e| bad(e.to_string()))?;
            rules.check(index, &entry).map_err(bad)?;
            proofs.observe(index, &entry).map_err(bad)?;
            if let EntryBody::ProofAccepted(p) = &entry.body {
                proofs.check(index, p).map_err(bad)?;
            }
            *counts.entry(entry.body.type_name()).or_insert(0) += 1;
            tree.push(leaf_hash(&bytes));
        }
        lo = hi;
    }
    if tree.root(size)? != checkpoint.root() {
        return Err(AuditError::RootMismatch { size });
    }
    for tile in new_tiles(0, size).into_iter().filter(|t| !t.is_data()) {
        let path = tile_path(&tile);
        let expected = tile
            .read_data(&tree)
            .map_err(|e| ProofError::Read(e.to_string()))?;
        if source.read(&path)? != expected {
            return Err(AuditError::TileMismatch(path));
        }
    }
    Ok(AuditReport { checkpoint, counts })
}

/// The inclusion proof of entry `index` in the tree of `size` entries (default: the
/// checkpoint's), from the log's tiles, with the checkpoint it was authenticated against.
pub fn prove_inclusion<L: LogSource + ?Sized>(
    source: &L,
    log: &CheckpointVerifier,
    index: u64,
    size: Option<u64>,
) -> Result<(InclusionProof, SignedCheckpoint), AuditError> {
    let checkpoint = SignedCheckpoint::verify(&source.checkpoint()?, log)?;
    let size = size.unwrap_or(checkpoint.size());
    if size > checkpoint.size() {
        return Err(ProofError::OutOfRange(format!(
            "the log's checkpoint has {} entries, not {size}",
            checkpoint.size()
        ))
        .into());
    }
    let hashes = VerifiedHashes::new(source, &checkpoint);
    let proof = inclusion(&hashes, index, size)?;
    Ok((proof, checkpoint))
}

/// The consistency proof from `old_size` to `new_size` (default: the checkpoint's size), from
/// the log's tiles, with the checkpoint it was authenticated against.
pub fn prove_consistency<L: LogSource + ?Sized>(
    source: &L,
    log: &CheckpointVerifier,
    old_size: u64,
    new_size: Option<u64>,
) -> Result<(ConsistencyProof, SignedCheckpoint), AuditError> {
    let checkpoint = SignedCheckpoint::verify(&source.checkpoint()?, log)?;
    let new_size = new_size.unwrap_or(checkpoint.size());
    if new_size > checkpoint.size() {
        return Err(ProofError::OutOfRange(format!(
            "the log's checkpoint has {} entries, not {new_size}",
            checkpoint.size()
        ))
        .into());
    }
    let hashes = VerifiedHashes::new(source, &checkpoint);
    let proof = consistency(&hashes, old_size, new_size)?;
    Ok((proof, checkpoint))
}
