//! A connection to one service from one machine: the HTTP client and the state this machine
//! keeps about the service's log, so that what the service says is checked, not believed.
//!
//! Files in the connection's data folder:
//!
//! | file | holds |
//! |---|---|
//! | `log.vkey` | the log key pinned on first contact: later answers must verify with it |
//! | `checkpoint` | the latest checkpoint this machine accepted (consistency is checked from it) |
//! | `receipts/` | every receipt this machine was handed, `NNNNNNNNNNNN.json` by entry index |
//!
//! # Trust
//!
//! Checkpoints are checked against the pinned log key, each new checkpoint against the last
//! one accepted (a consistency proof), entries against the signed root (an inclusion proof, or
//! the whole tree recomputed). A failure of any of these is [`ConnectionError::Untrusted`]
//! ([`ConnectionError::is_untrusted`]): the service served something that does not check out.
//! A checkpoint is kept only once it is proved consistent with the one kept before, so the
//! kept checkpoint only ever moves forward along one log.

use std::{
    io,
    path::{Path, PathBuf},
};

use probity_ledger::{
    leaf_hash, CheckpointError, CheckpointVerifier, ConsistencyProof, Entry, InclusionProof,
    MemoryTree, ProofError, Receipt, ReceiptError, SignedCheckpoint,
};

use crate::{api, Client, ClientError, NoProgress, Progress, Task};

/// The file holding the pinned log key, in the data folder.
pub const LOG_KEY_FILE: &str = "log.vkey";
/// The file holding the latest accepted checkpoint, in the data folder.
pub const CHECKPOINT_FILE: &str = "checkpoint";
/// The folder of kept receipts, in the data folder.
pub const RECEIPTS_DIR: &str = "receipts";

/// Most entries one `/v1/log/entries` request returns.
const ENTRIES_PAGE: u64 = 1000;

/// The service served something that does not check out against the pinned log key or the
/// checkpoints this machine accepted before. The message says what, and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Untrusted(pub String);

/// Why a connection's request or check failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The service's answer does not check out: see [`Untrusted`].
    #[error(transparent)]
    Untrusted(#[from] Untrusted),
    /// A request failed.
    #[error(transparent)]
    Request(#[from] ClientError),
    /// A request for something named failed.
    #[error("cannot read {what}")]
    Read {
        /// What was asked for.
        what: String,
        /// Why it failed.
        source: ClientError,
    },
    /// A receipt the service handed out does not verify with the pinned log key.
    #[error("the service handed out a receipt that does not verify: the write is NOT proved to be on the log")]
    Receipt(#[source] ReceiptError),
    /// The log key is not a valid verifier key.
    #[error(transparent)]
    LogKey(#[from] CheckpointError),
    /// The entries served do not make a tree.
    #[error(transparent)]
    Tree(#[from] ProofError),
    /// A file of the data folder cannot be read.
    #[error("cannot read {}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A folder in the data folder cannot be made.
    #[error("cannot create {}", path.display())]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The data folder cannot be made.
    #[error(transparent)]
    DataDir(io::Error),
    /// A file of the data folder cannot be written.
    #[error(transparent)]
    Write(#[from] probity_params::ParamsError),
    /// A receipt cannot be encoded.
    #[error(transparent)]
    Encode(#[from] serde_json::Error),
}

impl ConnectionError {
    /// Whether the service served something that does not check out (rather than failing to
    /// answer, or this machine failing to keep its state).
    pub fn is_untrusted(&self) -> bool {
        matches!(self, Self::Untrusted(_))
    }
}

/// The log key, as [`Connection::log_key`] found it.
#[derive(Clone, Debug)]
pub struct LogKey {
    /// The key: checkpoints must verify with it.
    pub key: CheckpointVerifier,
    /// Set when this call pinned the key (first contact): the caller tells the user, who
    /// should compare it with the key the operator publishes.
    pub newly_pinned: Option<NewlyPinned>,
}

/// A log key pinned on first contact.
#[derive(Clone, Debug)]
pub struct NewlyPinned {
    /// The log's origin, as the service gives it.
    pub origin: String,
    /// Where the key was pinned.
    pub path: PathBuf,
}

/// A client of one service, with this machine's state about the service's log in a data
/// folder.
#[derive(Clone, Debug)]
pub struct Connection {
    client: Client,
    data_dir: PathBuf,
}

impl Connection {
    /// A connection through `client`, keeping its state in `data_dir`.
    pub fn new(client: Client, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            client,
            data_dir: data_dir.into(),
        }
    }

    /// The HTTP client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The log key: pinned in `log.vkey` on first contact, and held against the service's
    /// after.
    pub fn log_key(&self) -> Result<LogKey, ConnectionError> {
        let path = self.data_dir.join(LOG_KEY_FILE);
        let info: api::ServiceInfo = self.client.get("/v1/info")?;
        match std::fs::read_to_string(&path) {
            Ok(pinned) => {
                if pinned.trim() != info.log_key {
                    return Err(Untrusted(format!(
                        "the server's log key differs from the one pinned in {}: this is not the log you used before (or it was replaced); do not trust it",
                        path.display()
                    ))
                    .into());
                }
                Ok(LogKey {
                    key: CheckpointVerifier::from_vkey(pinned.trim())?,
                    newly_pinned: None,
                })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let key = CheckpointVerifier::from_vkey(&info.log_key)?;
                std::fs::create_dir_all(&self.data_dir).map_err(ConnectionError::DataDir)?;
                probity_params::write_atomic(&path, format!("{}\n", info.log_key).as_bytes())?;
                Ok(LogKey {
                    key,
                    newly_pinned: Some(NewlyPinned {
                        origin: info.origin,
                        path,
                    }),
                })
            }
            Err(source) => Err(ConnectionError::ReadFile { path, source }),
        }
    }

    /// Checks `receipts` against the log key `log` and keeps them in `receipts/`. Also moves
    /// the accepted checkpoint forward, with a consistency proof from the last one.
    pub fn keep_receipts(
        &self,
        log: &CheckpointVerifier,
        receipts: &[Receipt],
    ) -> Result<(), ConnectionError> {
        let dir = self.data_dir.join(RECEIPTS_DIR);
        std::fs::create_dir_all(&dir).map_err(|source| ConnectionError::CreateDir {
            path: dir.clone(),
            source,
        })?;
        // The receipts of one write share its checkpoint: the pinned checkpoint advances once
        // per distinct checkpoint (by size, then root: two roots at one size are a fork, which
        // the advance refuses), after every receipt is kept, not once per receipt. A batch of
        // 500 challenges then asks for one consistency proof, not 500.
        let mut checkpoints: Vec<SignedCheckpoint> = Vec::new();
        for r in receipts {
            let (_, cp) = r.verify(log).map_err(ConnectionError::Receipt)?;
            let index = r.proof.index;
            let path = dir.join(format!("{index:012}.json"));
            probity_params::write_atomic(&path, &serde_json::to_vec_pretty(r)?)?;
            if !checkpoints
                .iter()
                .any(|c| c.size() == cp.size() && c.root() == cp.root())
            {
                checkpoints.push(cp);
            }
        }
        checkpoints.sort_by_key(SignedCheckpoint::size);
        for cp in &checkpoints {
            self.advance_checkpoint(log, cp)?;
        }
        Ok(())
    }

    /// The receipts kept in `receipts/`, in entry order. They were checked when kept; whoever
    /// relies on them again checks them again (a file may have been damaged since).
    pub fn kept_receipts(&self) -> Result<Vec<Receipt>, ConnectionError> {
        let dir = self.data_dir.join(RECEIPTS_DIR);
        let listing = match std::fs::read_dir(&dir) {
            Ok(listing) => listing,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(ConnectionError::ReadFile { path: dir, source }),
        };
        let mut paths = Vec::new();
        for item in listing {
            let path = item
                .map_err(|source| ConnectionError::ReadFile {
                    path: dir.clone(),
                    source,
                })?
                .path();
            if path.extension().is_some_and(|e| e == "json") {
                paths.push(path);
            }
        }
        paths.sort();
        paths
            .into_iter()
            .map(|path| {
                let bytes = std::fs::read(&path).map_err(|source| ConnectionError::ReadFile {
                    path: path.clone(),
                    source,
                })?;
                serde_json::from_slice(&bytes).map_err(|e| {
                    Untrusted(format!(
                        "{} is not a receipt ({e}): it was damaged or replaced",
                        path.display()
                    ))
                    .into()
                })
            })
            .collect()
    }

    /// Checks that each of `receipts` verifies with the log key `log` and that its checkpoint
    /// is a prefix of `checkpoint` (a consistency proof, fetched once per size): then its entry
    /// is in the log `checkpoint` signs, at its index. Whoever holds a receipt can so hold the
    /// log to it: an acknowledged write was neither dropped nor rewritten.
    pub fn check_receipts_under(
        &self,
        log: &CheckpointVerifier,
        checkpoint: &SignedCheckpoint,
        receipts: &[Receipt],
    ) -> Result<(), ConnectionError> {
        let mut proved = Vec::new();
        for r in receipts {
            let index = r.proof.index;
            let (_, theirs) = r.verify(log).map_err(ConnectionError::Receipt)?;
            let (size, root) = (theirs.size(), theirs.root());
            if size > checkpoint.size() {
                return Err(Untrusted(format!(
                    "the receipt of entry {index} is signed at size {size}, beyond the checkpoint checked (size {}): check against a newer checkpoint",
                    checkpoint.size()
                ))
                .into());
            }
            if size == checkpoint.size() {
                if root != checkpoint.root() {
                    return Err(Untrusted(format!(
                        "the receipt of entry {index} is signed under another root at size {size} than the checkpoint checked: the log signed two histories; keep both as evidence"
                    ))
                    .into());
                }
                continue;
            }
            if proved.contains(&(size, root)) {
                continue;
            }
            let proof: ConsistencyProof = self.client.get(&format!(
                "/v1/log/consistency?old={size}&new={}",
                checkpoint.size()
            ))?;
            proof.verify(root, checkpoint.root()).map_err(|e| {
                Untrusted(format!(
                    "the receipt of entry {index} (signed at size {size}) is NOT in the log's history up to size {} ({e}): the log dropped or rewrote an acknowledged write; keep the receipt as evidence",
                    checkpoint.size()
                ))
            })?;
            proved.push((size, root));
        }
        Ok(())
    }

    /// Accepts `new` if it is consistent with the checkpoint this machine accepted before;
    /// returns the old size. An older checkpoint than the one kept is not an error: the newer
    /// one stays.
    pub fn advance_checkpoint(
        &self,
        log: &CheckpointVerifier,
        new: &SignedCheckpoint,
    ) -> Result<u64, ConnectionError> {
        let path = self.data_dir.join(CHECKPOINT_FILE);
        let old = match std::fs::read(&path) {
            Ok(bytes) => Some(SignedCheckpoint::verify(&bytes, log).map_err(|e| {
                Untrusted(format!(
                    "{} does not verify with the pinned log key ({e}): it was damaged or replaced",
                    path.display()
                ))
            })?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(source) => return Err(ConnectionError::ReadFile { path, source }),
        };
        let old_size = old.as_ref().map_or(0, SignedCheckpoint::size);
        if let Some(old) = &old {
            if new.size() < old.size() {
                return Ok(old_size); // an older checkpoint: keep the newer one
            }
            if old.size() > 0 {
                let proof: ConsistencyProof = self.client.get(&format!(
                    "/v1/log/consistency?old={}&new={}",
                    old.size(),
                    new.size()
                ))?;
                proof.verify(old.root(), new.root()).map_err(|e| {
                    Untrusted(format!(
                        "the log is NOT consistent with the checkpoint this machine saw before ({e}): it was rewritten or forked; keep both checkpoints ({} and the service's) as evidence",
                        path.display()
                    ))
                })?;
            }
        }
        probity_params::write_atomic(&path, new.to_bytes())?;
        Ok(old_size)
    }

    /// The log's latest checkpoint: verified with the log key `log`, and accepted (kept in
    /// `checkpoint`) only if it is consistent with the last one this machine accepted.
    pub fn latest_checkpoint(
        &self,
        log: &CheckpointVerifier,
    ) -> Result<SignedCheckpoint, ConnectionError> {
        let note = self
            .client
            .get_bytes("/v1/log/checkpoint")
            .map_err(|source| ConnectionError::Read {
                what: "the log's checkpoint".to_owned(),
                source,
            })?;
        let checkpoint = SignedCheckpoint::verify(&note, log).map_err(|e| {
            Untrusted(format!(
                "the service's checkpoint does not verify with the pinned log key: {e}"
            ))
        })?;
        self.advance_checkpoint(log, &checkpoint)?;
        Ok(checkpoint)
    }

    /// Every entry of the tree `checkpoint` signs, canonical JSON each, in log order. The leaf
    /// hashes of what the service served must rebuild the signed root: that proves every
    /// entry's inclusion at once, and that none is missing or extra.
    pub fn entries_under(
        &self,
        checkpoint: &SignedCheckpoint,
    ) -> Result<Vec<Vec<u8>>, ConnectionError> {
        self.entries_under_with(checkpoint, &NoProgress)
    }

    /// [`Connection::entries_under`], telling `progress` of each page read (in entries).
    pub fn entries_under_with(
        &self,
        checkpoint: &SignedCheckpoint,
        progress: &dyn Progress,
    ) -> Result<Vec<Vec<u8>>, ConnectionError> {
        progress.start(Task::ReadLog, Some(checkpoint.size()));
        let entries = self.read_entries(checkpoint, progress);
        progress.finish();
        entries
    }

    fn read_entries(
        &self,
        checkpoint: &SignedCheckpoint,
        progress: &dyn Progress,
    ) -> Result<Vec<Vec<u8>>, ConnectionError> {
        let size = checkpoint.size();
        let mut entries = Vec::new();
        let mut tree = MemoryTree::new();
        let mut start = 0;
        while start < size {
            let end = (start + ENTRIES_PAGE).min(size);
            let page: api::EntriesPage = self
                .client
                .get(&format!("/v1/log/entries?start={start}&end={end}"))
                .map_err(|source| ConnectionError::Read {
                    what: format!("log entries {start}..{end}"),
                    source,
                })?;
            if page.start != start || page.entries.len() as u64 != end - start {
                return Err(Untrusted(format!(
                    "the service answered entries {start}..{end} with another range: the log cannot be read reliably"
                ))
                .into());
            }
            for entry in page.entries {
                tree.push(leaf_hash(entry.as_bytes()));
                entries.push(entry.into_bytes());
            }
            progress.advance(end - start);
            start = end;
        }
        if size > 0 && tree.root(size)? != checkpoint.root() {
            return Err(Untrusted(format!(
                "the {size} entries the service served do not hash to the root of its signed checkpoint: it serves a log other than the one it signed"
            ))
            .into());
        }
        Ok(entries)
    }

    /// The entry at `index`, with its inclusion proof against `checkpoint` checked.
    pub fn proved_entry(
        &self,
        checkpoint: &SignedCheckpoint,
        index: u64,
    ) -> Result<Entry, ConnectionError> {
        let size = checkpoint.size();
        // An entry the checkpoint does not cover cannot be proved under it (and `index + 1`
        // below cannot overflow).
        if index >= size {
            return Err(Untrusted(format!(
                "log entry {index} is not under the service's checkpoint (size {size}): it cannot be proved on the log"
            ))
            .into());
        }
        let page: api::EntriesPage = self
            .client
            .get(&format!("/v1/log/entries?start={index}&end={}", index + 1))
            .map_err(|source| ConnectionError::Read {
                what: format!("log entry {index}"),
                source,
            })?;
        let bytes = page
            .entries
            .into_iter()
            .next()
            .filter(|_| page.start == index)
            .ok_or_else(|| Untrusted(format!("the service did not serve log entry {index}")))?;
        let proof: InclusionProof = self
            .client
            .get(&format!("/v1/log/inclusion?index={index}&size={size}"))
            .map_err(|source| ConnectionError::Read {
                what: format!("the inclusion proof of entry {index}"),
                source,
            })?;
        if proof.index != index || proof.tree_size != size {
            return Err(Untrusted(format!(
                "the service answered with an inclusion proof for another entry than {index}"
            ))
            .into());
        }
        proof
            .verify(leaf_hash(bytes.as_bytes()), checkpoint.root())
            .map_err(|e| {
                Untrusted(format!(
                    "entry {index} as served is not in the signed log ({e}): do not trust it"
                ))
            })?;
        Entry::from_canonical_json(bytes.as_bytes()).map_err(|e| {
            Untrusted(format!("entry {index} is not a valid ledger entry: {e}")).into()
        })
    }
}
