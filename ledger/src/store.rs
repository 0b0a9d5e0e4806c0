//! Storage of the log: entries, stored tree hashes, the size and the latest checkpoint.
//!
//! # Invariants
//!
//! - [`Store::append`] is atomic and durable: when it returns `Ok`, the entries, their hashes
//!   and the new size are on disk (behind `fdatasync`, see [`crate::durable`]), and a crash at
//!   any moment, a power cut included, leaves either all of the batch or none of it.
//! - Entries `0..size` and stored hashes `0..stored_hash_count(size)` are present; nothing past
//!   `size` is ever visible.
//!
//! Both backends, [`MemoryStore`] and [`SledStore`], pass one conformance suite.

use std::sync::Mutex;

use tlog_tiles::stored_hash_count;

use crate::tree::Hash;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed (disk full, permissions, corruption).
    #[error("the ledger database failed: {0}; check the disk and the data folder's permissions")]
    Backend(String),
    /// An append did not start at the current size (a second writer?).
    #[error(
        "append at index {got} but the log has {size} entries: only one process may write the log"
    )]
    Conflict {
        /// The store's size.
        size: u64,
        /// The index the append started at.
        got: u64,
    },
    /// Something that must be there is not.
    #[error("the ledger database is missing {0}: it is corrupt; restore it from a mirror")]
    Missing(String),
}

/// The storage a log needs. Implementations must keep the invariants of the module docs.
pub trait Store: Send + Sync {
    /// Number of entries.
    fn size(&self) -> Result<u64, StoreError>;

    /// Appends `entries` at index `first` with the stored hashes they add (starting at
    /// `stored_hash_count(first)`) and, if given, the signed checkpoint of the new tree, all
    /// in one atomic and durable write.
    fn append(
        &self,
        first: u64,
        entries: &[Vec<u8>],
        hashes: &[Hash],
        checkpoint: Option<&[u8]>,
    ) -> Result<(), StoreError>;

    /// Entries `start..end` (each must exist).
    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError>;

    /// Stored hashes by index (each must exist).
    fn hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError>;

    /// Saves the latest signed checkpoint, durably.
    fn set_checkpoint(&self, note: &[u8]) -> Result<(), StoreError>;

    /// The latest signed checkpoint, if any.
    fn checkpoint(&self) -> Result<Option<Vec<u8>>, StoreError>;
}

fn check_counts(first: u64, entries: &[Vec<u8>], hashes: &[Hash]) -> Result<(), StoreError> {
    let n = u64::try_from(entries.len()).expect("a batch length fits in u64");
    let expected = stored_hash_count(first + n) - stored_hash_count(first);
    if u64::try_from(hashes.len()).ok() != Some(expected) {
        return Err(StoreError::Backend(format!(
            "an append of {n} entries at {first} must add {expected} hashes, not {}",
            hashes.len()
        )));
    }
    Ok(())
}

/// A store in memory, for tests and tools. Nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<MemoryInner>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    entries: Vec<Vec<u8>>,
    hashes: Vec<Hash>,
    checkpoint: Option<Vec<u8>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        // A panic while holding the lock leaves the vectors consistent: every write is one push.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Store for MemoryStore {
    fn size(&self) -> Result<u64, StoreError> {
        Ok(self.lock().entries.len() as u64)
    }

    fn append(
        &self,
        first: u64,
        entries: &[Vec<u8>],
        hashes: &[Hash],
        checkpoint: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        check_counts(first, entries, hashes)?;
        let mut inner = self.lock();
        let size = inner.entries.len() as u64;
        if size != first {
            return Err(StoreError::Conflict { size, got: first });
        }
        inner.entries.extend_from_slice(entries);
        inner.hashes.extend_from_slice(hashes);
        if let Some(note) = checkpoint {
            inner.checkpoint = Some(note.to_vec());
        }
        Ok(())
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        let inner = self.lock();
        let range = usize::try_from(start).ok().zip(usize::try_from(end).ok());
        range
            .and_then(|(s, e)| inner.entries.get(s..e))
            .map(<[Vec<u8>]>::to_vec)
            .ok_or_else(|| StoreError::Missing(format!("entries {start}..{end}")))
    }

    fn hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        let inner = self.lock();
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| inner.hashes.get(i).copied())
                    .ok_or_else(|| StoreError::Missing(format!("stored hash {i}")))
            })
            .collect()
    }

    fn set_checkpoint(&self, note: &[u8]) -> Result<(), StoreError> {
        self.lock().checkpoint = Some(note.to_vec());
        Ok(())
    }

    fn checkpoint(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock().checkpoint.clone())
    }
}

/// The log on sled.
///
/// One sled tree holds everything, so that one batch (entries, hashes and the new size) is
/// applied atomically; [`SledStore::append`] then runs the database's durability barrier
/// ([`DurableDb::flush`](crate::DurableDb::flush)) before returning.
/// Keys: `e` + index (big-endian u64) → entry; `h` + stored hash index → 32 bytes;
/// `size` → big-endian u64; `checkpoint` → the signed note.
#[cfg(feature = "storage")]
#[derive(Debug, Clone)]
pub struct SledStore {
    db: crate::DurableDb,
    tree: sled::Tree,
}

#[cfg(feature = "storage")]
impl SledStore {
    const TREE: &'static [u8] = b"probity-ledger/v1";
    const SIZE: &'static [u8] = b"size";
    const CHECKPOINT: &'static [u8] = b"checkpoint";

    /// Opens (or creates) the log database in the folder `path`.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Self, StoreError> {
        Self::from_db(crate::DurableDb::open(path)?)
    }

    /// Uses the log's tree in an open database (shared with the service's other data).
    pub fn from_db(db: crate::DurableDb) -> Result<Self, StoreError> {
        let tree = db.sled().open_tree(Self::TREE).map_err(backend)?;
        Ok(Self { db, tree })
    }

    fn key(prefix: u8, i: u64) -> [u8; 9] {
        let mut k = [prefix; 9];
        k[1..].copy_from_slice(&i.to_be_bytes());
        k
    }
}

#[cfg(feature = "storage")]
fn backend(e: sled::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

#[cfg(feature = "storage")]
impl Store for SledStore {
    fn size(&self) -> Result<u64, StoreError> {
        match self.tree.get(Self::SIZE).map_err(backend)? {
            None => Ok(0),
            Some(v) => {
                let b: [u8; 8] = v
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Missing("a valid size record".into()))?;
                Ok(u64::from_be_bytes(b))
            }
        }
    }

    fn append(
        &self,
        first: u64,
        entries: &[Vec<u8>],
        hashes: &[Hash],
        checkpoint: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        check_counts(first, entries, hashes)?;
        let size = self.size()?;
        if size != first {
            return Err(StoreError::Conflict { size, got: first });
        }
        let mut batch = sled::Batch::default();
        for (i, e) in (first..).zip(entries) {
            batch.insert(&Self::key(b'e', i), e.as_slice());
        }
        for (i, h) in (stored_hash_count(first)..).zip(hashes) {
            batch.insert(&Self::key(b'h', i), &h.0);
        }
        let new_size = first + entries.len() as u64;
        batch.insert(Self::SIZE, &new_size.to_be_bytes());
        if let Some(note) = checkpoint {
            batch.insert(Self::CHECKPOINT, note);
        }
        self.tree.apply_batch(batch).map_err(backend)?;
        self.db.flush()?;
        Ok(())
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        if end < start || end > self.size()? {
            return Err(StoreError::Missing(format!("entries {start}..{end}")));
        }
        let mut out = Vec::with_capacity(usize::try_from(end - start).unwrap_or(0));
        for kv in self
            .tree
            .range(Self::key(b'e', start)..Self::key(b'e', end))
        {
            let (_, v) = kv.map_err(backend)?;
            out.push(v.to_vec());
        }
        if out.len() as u64 != end - start {
            return Err(StoreError::Missing(format!("entries {start}..{end}")));
        }
        Ok(out)
    }

    fn hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        indexes
            .iter()
            .map(|&i| {
                let v = self
                    .tree
                    .get(Self::key(b'h', i))
                    .map_err(backend)?
                    .ok_or_else(|| StoreError::Missing(format!("stored hash {i}")))?;
                let b: [u8; tlog_tiles::HASH_SIZE] = v
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Missing(format!("a valid stored hash {i}")))?;
                Ok(Hash(b))
            })
            .collect()
    }

    fn set_checkpoint(&self, note: &[u8]) -> Result<(), StoreError> {
        self.tree.insert(Self::CHECKPOINT, note).map_err(backend)?;
        self.db.flush()?;
        Ok(())
    }

    fn checkpoint(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .tree
            .get(Self::CHECKPOINT)
            .map_err(backend)?
            .map(|v| v.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::{hashes_for_append, leaf_hash, MemoryTree};

    /// Reads hashes from a store, for `hashes_for_append`.
    struct Reader<'a, S>(&'a S);

    impl<S: Store> tlog_tiles::HashReader for Reader<'_, S> {
        fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
            self.0
                .hashes(indexes)
                .map_err(|e| tlog_tiles::Error::InvalidInput(e.to_string()))
        }
    }

    fn append<S: Store>(s: &S, items: &[&[u8]]) -> Result<(), StoreError> {
        append_with(s, items, None)
    }

    fn append_with<S: Store>(
        s: &S,
        items: &[&[u8]],
        checkpoint: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let first = s.size()?;
        let leaves: Vec<_> = items.iter().map(|e| leaf_hash(e)).collect();
        let hashes = hashes_for_append(&Reader(s), first, &leaves).expect("hashes");
        s.append(
            first,
            &items.iter().map(|e| e.to_vec()).collect::<Vec<_>>(),
            &hashes,
            checkpoint,
        )
    }

    /// The conformance suite every backend passes.
    fn conformance<S: Store>(s: &S) {
        assert_eq!(s.size().expect("size"), 0);
        assert_eq!(s.checkpoint().expect("checkpoint"), None);
        append(s, &[b"a"]).expect("single append");
        append(s, &[b"b", b"c", b"d", b"e"]).expect("batch append");
        assert_eq!(s.size().expect("size"), 5);
        assert_eq!(
            s.entries(1, 3).expect("entries"),
            vec![b"b".to_vec(), b"c".to_vec()]
        );
        assert!(
            s.entries(4, 6).is_err(),
            "entries past the size are not visible"
        );
        let mem = MemoryTree::from_leaves([b"a", b"b", b"c", b"d", b"e"].map(|e| leaf_hash(e)));
        let n = stored_hash_count(5);
        let all: Vec<u64> = (0..n).collect();
        assert_eq!(s.hashes(&all).expect("hashes"), mem.read_all());
        assert!(
            s.hashes(&[n]).is_err(),
            "hashes past the size are not visible"
        );
        // An append that does not start at the size is refused and changes nothing.
        let dummy = vec![leaf_hash(b"x"); (stored_hash_count(4) - stored_hash_count(3)) as usize];
        let err = s
            .append(3, &[b"x".to_vec()], &dummy, Some(b"cp-x"))
            .expect_err("conflict");
        assert!(matches!(err, StoreError::Conflict { size: 5, got: 3 }));
        // A batch with the wrong number of hashes is refused.
        assert!(s.append(5, &[b"x".to_vec()], &[], Some(b"cp-x")).is_err());
        assert_eq!(s.size().expect("size"), 5);
        assert_eq!(
            s.checkpoint().expect("checkpoint"),
            None,
            "a refused append stores no checkpoint"
        );
        s.set_checkpoint(b"cp").expect("checkpoint");
        assert_eq!(s.checkpoint().expect("checkpoint"), Some(b"cp".to_vec()));
        append(s, &[]).expect("an empty batch is a no-op");
        assert_eq!(s.size().expect("size"), 5);
        append_with(s, &[b"f"], Some(b"cp6")).expect("append with a checkpoint");
        assert_eq!(s.size().expect("size"), 6);
        assert_eq!(s.checkpoint().expect("checkpoint"), Some(b"cp6".to_vec()));
        append(s, &[b"g"]).expect("append without a checkpoint");
        assert_eq!(
            s.checkpoint().expect("checkpoint"),
            Some(b"cp6".to_vec()),
            "an append without a checkpoint keeps the last one"
        );
    }

    impl MemoryTree {
        fn read_all(&self) -> Vec<Hash> {
            use tlog_tiles::HashReader as _;
            let n = stored_hash_count(self.size());
            self.read_hashes(&(0..n).collect::<Vec<_>>())
                .expect("all hashes")
        }
    }

    #[test]
    fn memory_store_conforms() {
        conformance(&MemoryStore::new());
    }

    #[cfg(feature = "storage")]
    #[test]
    fn sled_store_conforms_and_reopens() {
        let dir = tempfile::tempdir().expect("temp dir");
        {
            let s = SledStore::open(dir.path()).expect("opens");
            conformance(&s);
        }
        let s = SledStore::open(dir.path()).expect("reopens");
        assert_eq!(s.size().expect("size"), 7);
        assert_eq!(s.entries(4, 5).expect("entries"), vec![b"e".to_vec()]);
        assert_eq!(s.checkpoint().expect("checkpoint"), Some(b"cp6".to_vec()));
    }
}
