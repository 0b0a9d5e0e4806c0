//! The log: appends, checkpoints, proofs and receipts over a [`Store`].

use std::{
    ops::Range,
    sync::{Mutex, PoisonError, RwLock},
};

use serde::{Deserialize, Serialize};
use tlog_tiles::HashReader;

use crate::{
    checkpoint::{CheckpointError, CheckpointSigner, CheckpointVerifier, SignedCheckpoint},
    entry::{Entry, EntryError},
    store::{Store, StoreError},
    tree::{self, leaf_hash, ConsistencyProof, Hash, InclusionProof, ProofError},
};

/// A log operation that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// The entry is not valid.
    #[error(transparent)]
    Entry(#[from] EntryError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A proof could not be made.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// A checkpoint could not be made or does not match the stored tree.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The stored checkpoint disagrees with the stored tree.
    #[error("the stored checkpoint (size {size}) does not match the stored tree: the database is corrupt or was rolled back; restore it from a mirror")]
    Corrupt {
        /// The checkpoint's size.
        size: u64,
    },
    /// An empty batch.
    #[error("nothing to append: the batch is empty")]
    EmptyBatch,
}

/// An append-only transparency log.
///
/// One writer at a time: appends are serialized by a lock, and the store refuses an append
/// that does not start at its size. Reads do not take the lock.
pub struct Log<S: Store> {
    store: S,
    signer: CheckpointSigner,
    write: Mutex<()>,
    /// The stored checkpoint, verified once when the log opened or when it was signed: only
    /// this log writes it, so it never has to be read and verified again.
    latest: RwLock<Option<SignedCheckpoint>>,
}

impl<S: Store> std::fmt::Debug for Log<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("origin", &self.signer.name())
            .finish_non_exhaustive()
    }
}

/// Reads stored hashes from a store; keeps the store's error for the caller.
pub(crate) struct StoreReader<'a, S> {
    store: &'a S,
}

impl<S: Store> HashReader for StoreReader<'_, S> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        self.store
            .hashes(indexes)
            .map_err(|e| tlog_tiles::Error::InvalidInput(e.to_string()))
    }
}

impl<S: Store> Log<S> {
    /// Opens the log in `store`, signing checkpoints with `signer` (whose name is the origin).
    ///
    /// If the store holds a checkpoint, it must verify with the signer's key and match the
    /// stored tree at its size.
    pub fn open(store: S, signer: CheckpointSigner) -> Result<Self, LogError> {
        let latest = store
            .checkpoint()?
            .map(|note| SignedCheckpoint::verify(&note, &signer.verifier()))
            .transpose()?;
        let log = Self {
            store,
            signer,
            write: Mutex::new(()),
            latest: RwLock::new(latest),
        };
        if let Some(cp) = log.latest_checkpoint()? {
            if cp.size() > log.size()? || log.root(cp.size())? != cp.root() {
                return Err(LogError::Corrupt { size: cp.size() });
            }
        }
        Ok(log)
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The log's checkpoint verifier key.
    pub fn verifier(&self) -> CheckpointVerifier {
        self.signer.verifier()
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    /// Number of entries.
    pub fn size(&self) -> Result<u64, LogError> {
        Ok(self.store.size()?)
    }

    /// Appends one entry; returns its index once it is durable.
    pub fn append(&self, entry: &Entry) -> Result<u64, LogError> {
        self.append_batch(std::slice::from_ref(entry))
            .map(|r| r.start)
    }

    /// Appends entries in order, atomically; returns their indexes once they are durable.
    pub fn append_batch(&self, entries: &[Entry]) -> Result<Range<u64>, LogError> {
        let encoded = entries
            .iter()
            .map(Entry::to_canonical_json)
            .collect::<Result<Vec<_>, _>>()?;
        self.append_encoded(encoded)
    }

    /// Appends already-encoded entries after checking that each is a canonical entry.
    pub fn append_canonical(&self, entries: Vec<Vec<u8>>) -> Result<Range<u64>, LogError> {
        for e in &entries {
            Entry::from_canonical_json(e)?;
        }
        self.append_encoded(entries)
    }

    /// Appends already-encoded entries, after checking that each is a canonical entry, and
    /// a checkpoint of the new tree signed at `time` (POSIX seconds; never earlier than the
    /// previous checkpoint's), in one atomic and durable write. Returns the entries' indexes
    /// and the checkpoint: everything a receipt needs, for one flush instead of two.
    pub fn append_checkpointed(
        &self,
        entries: Vec<Vec<u8>>,
        time: u64,
    ) -> Result<(Range<u64>, SignedCheckpoint), LogError> {
        for e in &entries {
            Entry::from_canonical_json(e)?;
        }
        let (range, checkpoint) = self.write_batch(entries, Some(time))?;
        // `write_batch` signs whenever it is given a time.
        let checkpoint = checkpoint.ok_or(LogError::EmptyBatch)?;
        Ok((range, checkpoint))
    }

    fn append_encoded(&self, entries: Vec<Vec<u8>>) -> Result<Range<u64>, LogError> {
        Ok(self.write_batch(entries, None)?.0)
    }

    /// Appends entries and, given a time, the checkpoint of the new tree at that time.
    fn write_batch(
        &self,
        entries: Vec<Vec<u8>>,
        checkpoint_time: Option<u64>,
    ) -> Result<(Range<u64>, Option<SignedCheckpoint>), LogError> {
        if entries.is_empty() {
            return Err(LogError::EmptyBatch);
        }
        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        // The lock only orders writers; what it guards lives in the store and `latest`.
        let _guard = self.write.lock().unwrap_or_else(PoisonError::into_inner);
        let first = self.store.size()?;
        let size = first + entries.len() as u64;
        let hashes = tree::hashes_for_append(&self.reader(), first, &leaves)?;
        let checkpoint = checkpoint_time
            .map(|time| {
                let root = tree::root_after_append(&self.reader(), first, &hashes, size)?;
                self.sign_checkpoint(size, root, time)
            })
            .transpose()?;
        self.store.append(
            first,
            &entries,
            &hashes,
            checkpoint.as_ref().map(SignedCheckpoint::to_bytes),
        )?;
        if let Some(cp) = &checkpoint {
            self.remember(cp.clone());
        }
        Ok((first..size, checkpoint))
    }

    /// Signs the checkpoint of a tree at `time`, or at the previous checkpoint's time if
    /// that is later: checkpoint times never go backwards.
    fn sign_checkpoint(
        &self,
        size: u64,
        root: Hash,
        time: u64,
    ) -> Result<SignedCheckpoint, LogError> {
        let time = match self.latest_checkpoint()? {
            Some(prev) => time.max(prev.time()),
            None => time,
        };
        Ok(SignedCheckpoint::sign(&self.signer, size, root, time)?)
    }

    fn remember(&self, checkpoint: SignedCheckpoint) {
        *self.latest.write().unwrap_or_else(PoisonError::into_inner) = Some(checkpoint);
    }

    pub(crate) fn reader(&self) -> StoreReader<'_, S> {
        StoreReader { store: &self.store }
    }

    /// The canonical bytes of entry `index`.
    pub fn entry_bytes(&self, index: u64) -> Result<Vec<u8>, LogError> {
        let mut v = self.store.entries(index, index + 1)?;
        v.pop()
            .ok_or_else(|| StoreError::Missing(format!("entry {index}")).into())
    }

    /// Entry `index`, decoded.
    pub fn entry(&self, index: u64) -> Result<Entry, LogError> {
        Ok(Entry::from_canonical_json(&self.entry_bytes(index)?)?)
    }

    /// Canonical bytes of entries `start..end`.
    pub fn entries_bytes(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, LogError> {
        Ok(self.store.entries(start, end)?)
    }

    /// The root of the tree of the first `size` entries.
    pub fn root(&self, size: u64) -> Result<Hash, LogError> {
        self.check_size(size)?;
        Ok(tree::root(&self.reader(), size)?)
    }

    /// The inclusion proof of entry `index` in the tree of `tree_size` entries.
    pub fn inclusion_proof(&self, index: u64, tree_size: u64) -> Result<InclusionProof, LogError> {
        self.check_size(tree_size)?;
        Ok(tree::prove_inclusion(&self.reader(), index, tree_size)?)
    }

    /// The consistency proof from `old_size` to `new_size`.
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<ConsistencyProof, LogError> {
        self.check_size(new_size)?;
        Ok(tree::prove_consistency(&self.reader(), old_size, new_size)?)
    }

    fn check_size(&self, size: u64) -> Result<(), LogError> {
        let have = self.size()?;
        if size > have {
            return Err(
                ProofError::OutOfRange(format!("the log has {have} entries, not {size}")).into(),
            );
        }
        Ok(())
    }

    /// The latest checkpoint this log signed, if any.
    pub fn latest_checkpoint(&self) -> Result<Option<SignedCheckpoint>, LogError> {
        Ok(self
            .latest
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone())
    }

    /// Signs a checkpoint of the current tree now, stores it durably and returns it.
    pub fn checkpoint(&self) -> Result<SignedCheckpoint, LogError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        self.checkpoint_at(now)
    }

    /// Signs a checkpoint of the current tree at `time` (POSIX seconds; never earlier than the
    /// previous checkpoint's), stores it durably and returns it.
    pub fn checkpoint_at(&self, time: u64) -> Result<SignedCheckpoint, LogError> {
        let _guard = self.write.lock().unwrap_or_else(PoisonError::into_inner);
        let size = self.size()?;
        let cp = self.sign_checkpoint(size, self.root(size)?, time)?;
        self.store.set_checkpoint(cp.to_bytes())?;
        self.remember(cp.clone());
        Ok(cp)
    }

    /// The receipt of entry `index` against `checkpoint` (a checkpoint of this log that
    /// includes it).
    pub fn receipt(&self, index: u64, checkpoint: &SignedCheckpoint) -> Result<Receipt, LogError> {
        let entry = String::from_utf8(self.entry_bytes(index)?)
            .map_err(|_| StoreError::Missing(format!("a valid entry {index}")))?;
        let proof = self.inclusion_proof(index, checkpoint.size())?;
        Ok(Receipt {
            entry,
            checkpoint: String::from_utf8_lossy(checkpoint.to_bytes()).into_owned(),
            proof,
        })
    }
}

/// What an acknowledged write comes with: the entry, a signed checkpoint that includes it,
/// and the inclusion proof.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The entry's canonical JSON.
    pub entry: String,
    /// The signed checkpoint note.
    pub checkpoint: String,
    /// The entry's inclusion proof at the checkpoint's size.
    pub proof: InclusionProof,
}

impl Receipt {
    /// Checks the receipt: the checkpoint is the log's, the proof is for its size, and the
    /// entry is in the tree. Returns the decoded entry and the checkpoint.
    pub fn verify(
        &self,
        log: &CheckpointVerifier,
    ) -> Result<(Entry, SignedCheckpoint), ReceiptError> {
        let cp = SignedCheckpoint::verify(self.checkpoint.as_bytes(), log)?;
        if self.proof.tree_size != cp.size() {
            return Err(ReceiptError::Proof(ProofError::OutOfRange(format!(
                "the proof is for size {} but the checkpoint has size {}",
                self.proof.tree_size,
                cp.size()
            ))));
        }
        let entry = Entry::from_canonical_json(self.entry.as_bytes())?;
        self.proof
            .verify(leaf_hash(self.entry.as_bytes()), cp.root())?;
        Ok((entry, cp))
    }
}

/// A receipt that does not check out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// The checkpoint is not the log's.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The entry does not decode.
    #[error(transparent)]
    Entry(#[from] EntryError),
    /// The proof does not verify.
    #[error(transparent)]
    Proof(#[from] ProofError),
}
