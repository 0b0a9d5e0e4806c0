//! A witness: follows a log, checks that it only grows, checks its entries, and cosigns.
//!
//! On each [`Witness::update`] the witness
//!
//! 1. reads the log's latest checkpoint and verifies the log's signature;
//! 2. refuses it unless it is consistent with the last checkpoint the witness accepted: the
//!    consistency proof is built from tiles authenticated against the *new* checkpoint and
//!    checked against the *old* root, so a log that rewrote history cannot pass. A conflict is
//!    a [`WitnessError::SplitView`] carrying both signed checkpoints as evidence;
//! 3. reads every new entry, checks it against the tree, checks its form and the rules that
//!    depend on the entries before it ([`EntryRules`], the same rules as
//!    [`audit::verify_log`](crate::audit::verify_log): an official registered before filing,
//!    valid filing signatures, proofs naming only commitments their official filed); each
//!    `ProofAccepted` goes to a [`ProofCheck`] ([`FormOnly`] checks the form only; the
//!    `probity witness` command re-verifies each proof with the published params);
//! 4. saves the checkpoint as its new state (durably) and only then returns its cosignature
//!    (C2SP tlog-cosignature).
//!
//! The first checkpoint a witness sees is trusted on first use, after all its entries pass.

use std::{fs, path::PathBuf};

use crate::{
    checkpoint::{
        CheckpointError, CheckpointSigner, CheckpointVerifier, Cosignature, SignedCheckpoint,
    },
    entry::{Entry, EntryBody, ProofAccepted},
    rules::EntryRules,
    tiles::{read_entries, LogSource, TileError, VerifiedHashes},
    tree::{leaf_hash, prove_consistency, ProofError},
};

/// Entries read and checked at a time.
const CHUNK: u64 = 4096;

/// Re-verification of accepted proofs.
///
/// The ledger does not link the circuits or the verifier: the caller brings the check (the
/// `probity witness` command re-verifies with the published params).
pub trait ProofCheck {
    /// Sees every entry the witness checks, in log order, once it has passed its form check
    /// and before [`ProofCheck::check`] sees it: a checker that needs context from the log
    /// (which params were published) picks it up here. An `Err` refuses the entry. The default
    /// accepts every entry.
    fn observe(&self, index: u64, entry: &Entry) -> Result<(), String> {
        let _ = (index, entry);
        Ok(())
    }

    /// Checks the proof logged at `index`; the entry has already passed its form check.
    fn check(&self, index: u64, proof: &ProofAccepted) -> Result<(), String>;
}

/// A borrowed checker, so that the caller can read what it counted after an update.
impl<P: ProofCheck + ?Sized> ProofCheck for &P {
    fn observe(&self, index: u64, entry: &Entry) -> Result<(), String> {
        (**self).observe(index, entry)
    }

    fn check(&self, index: u64, proof: &ProofAccepted) -> Result<(), String> {
        (**self).check(index, proof)
    }
}

/// Checks the form of `ProofAccepted` entries only (public inputs decode and agree with the
/// official and periods, withheld inputs are exactly the statement's, and the proof is 128
/// bytes, or withheld with them).
#[derive(Clone, Copy, Debug, Default)]
pub struct FormOnly;

impl ProofCheck for FormOnly {
    fn check(&self, _index: u64, _proof: &ProofAccepted) -> Result<(), String> {
        Ok(())
    }
}

/// Why a witness refused a checkpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    /// The log signed two checkpoints that cannot both be true.
    #[error(
        "SPLIT VIEW: the log `{origin}` signed a checkpoint that is not consistent with one this \
         witness accepted; it is showing different histories to different parties. Refusing to \
         cosign. Report both signed checkpoints to every supervisory body.\n\
         --- accepted checkpoint ---\n{accepted}--- conflicting checkpoint ---\n{offered}"
    )]
    SplitView {
        /// The log's origin.
        origin: String,
        /// The checkpoint the witness accepted before (signed note).
        accepted: String,
        /// The conflicting checkpoint (signed note).
        offered: String,
    },
    /// The log offered an older checkpoint than the one accepted.
    #[error("the log offers a checkpoint of size {offered}, older than the accepted size {accepted}: a stale mirror or cache; try again later")]
    Stale {
        /// The accepted size.
        accepted: u64,
        /// The offered size.
        offered: u64,
    },
    /// The checkpoint is not validly signed by the log.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The log's tiles or entries could not be read, or do not match its checkpoint.
    #[error(transparent)]
    Source(#[from] TileError),
    /// An entry is malformed or its proof does not verify.
    #[error("entry {index} is not acceptable: {reason}")]
    BadEntry {
        /// The entry's index.
        index: u64,
        /// Why.
        reason: String,
    },
    /// The witness's state file could not be read or written.
    #[error("cannot read or write the witness state `{path}`: {reason}")]
    State {
        /// The state file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// What an update did.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum WitnessOutcome {
    /// A new checkpoint was checked and cosigned.
    Cosigned {
        /// The checkpoint with the witness's cosignature added.
        checkpoint: SignedCheckpoint,
        /// The cosignature line.
        cosignature: Cosignature,
        /// Number of entries checked.
        entries_checked: u64,
    },
    /// The log has not grown since the accepted checkpoint.
    Unchanged {
        /// The accepted checkpoint, which the log still offers.
        checkpoint: SignedCheckpoint,
    },
}

/// A witness of one log.
pub struct Witness<P: ProofCheck = FormOnly> {
    state_path: PathBuf,
    log: CheckpointVerifier,
    key: CheckpointSigner,
    proofs: P,
}

impl<P: ProofCheck> std::fmt::Debug for Witness<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Witness")
            .field("log", &self.log.name())
            .field("witness", &self.key.name())
            .field("state", &self.state_path)
            .finish_non_exhaustive()
    }
}

impl<P: ProofCheck> Witness<P> {
    /// A witness of the log `log`, signing with `key`, keeping its last accepted checkpoint in
    /// the file `state_path`.
    pub fn new(
        state_path: impl Into<PathBuf>,
        log: CheckpointVerifier,
        key: CheckpointSigner,
        proofs: P,
    ) -> Self {
        Self {
            state_path: state_path.into(),
            log,
            key,
            proofs,
        }
    }

    /// The last checkpoint this witness accepted.
    ///
    /// A state file that cannot be read, or that does not hold a checkpoint signed by this
    /// log, is a [`WitnessError::State`]: a fault of the witness's own storage (or a state
    /// file of another log), never a reason to blame the log.
    pub fn accepted(&self) -> Result<Option<SignedCheckpoint>, WitnessError> {
        match fs::read(&self.state_path) {
            Ok(note) => SignedCheckpoint::verify(&note, &self.log)
                .map(Some)
                .map_err(|e| {
                    self.state_error(format!(
                        "it does not hold a checkpoint of the log `{}` ({e}): the file is damaged \
                         or belongs to another log; restore it from backup, or delete it to \
                         start following the log afresh (the next checkpoint is then trusted on \
                         first use)",
                        self.log.name()
                    ))
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.state_error(e.to_string())),
        }
    }

    fn state_error(&self, reason: String) -> WitnessError {
        WitnessError::State {
            path: self.state_path.display().to_string(),
            reason,
        }
    }

    /// Follows the log one step: checks its latest checkpoint and cosigns it.
    pub fn update<L: LogSource + ?Sized>(
        &self,
        source: &L,
    ) -> Result<WitnessOutcome, WitnessError> {
        let offered = SignedCheckpoint::verify(&source.checkpoint()?, &self.log)?;
        self.update_to(source, &offered, now())
    }

    /// Checks `offered` (already verified as the log's) against the accepted state and the
    /// log's contents, and cosigns it at `time` (POSIX seconds).
    pub fn update_to<L: LogSource + ?Sized>(
        &self,
        source: &L,
        offered: &SignedCheckpoint,
        time: u64,
    ) -> Result<WitnessOutcome, WitnessError> {
        let accepted = self.accepted()?;
        let split = |accepted: &SignedCheckpoint| WitnessError::SplitView {
            origin: offered.origin().to_owned(),
            accepted: accepted.to_string(),
            offered: offered.to_string(),
        };
        let hashes = VerifiedHashes::new(source, offered);
        let start = match &accepted {
            None => 0,
            Some(old) if offered.size() < old.size() => {
                return Err(WitnessError::Stale {
                    accepted: old.size(),
                    offered: offered.size(),
                })
            }
            Some(old) if offered.size() == old.size() => {
                return if offered.root() == old.root() {
                    Ok(WitnessOutcome::Unchanged {
                        checkpoint: old.clone(),
                    })
                } else {
                    Err(split(old))
                };
            }
            Some(old) => {
                let proof = prove_consistency(&hashes, old.size(), offered.size()).map_err(
                    |e| match e {
                        ProofError::Read(_) => WitnessError::Source(TileError::BadData(format!(
                            "cannot build the consistency proof from the log's tiles: {e}"
                        ))),
                        other => WitnessError::Source(TileError::BadData(other.to_string())),
                    },
                )?;
                if proof.verify(old.root(), offered.root()).is_err() {
                    return Err(split(old));
                }
                old.size()
            }
        };
        // The rules depend on the whole history (who registered, what was filed), and the
        // witness keeps only a checkpoint as state: replay the accepted entries first.
        let mut rules = EntryRules::new();
        self.scan(source, &hashes, &mut rules, 0, start, offered.size(), false)?;
        self.scan(
            source,
            &hashes,
            &mut rules,
            start,
            offered.size(),
            offered.size(),
            true,
        )?;
        let cosignature = self.key.cosign(offered.body(), time)?;
        let checkpoint = offered.with_cosignature(&cosignature)?;
        self.save(offered)?;
        Ok(WitnessOutcome::Cosigned {
            checkpoint,
            cosignature,
            entries_checked: offered.size() - start,
        })
    }

    /// Reads entries `lo..hi` of the tree of `size` entries, checks each against the tree
    /// (tiles authenticated against the offered checkpoint), its form and `rules`. With
    /// `new_entries`, each also goes to the [`ProofCheck`].
    ///
    /// Entries the witness accepted before are replayed with `new_entries = false`: the rules
    /// need the registrations and filings of the whole log, and the witness's state is only a
    /// checkpoint, so each update reads all `n` entries again. That is O(n) reading and
    /// hashing (no proof re-verification, which is the expensive part) per update: the price of
    /// a state that is one signed checkpoint, which cannot go out of step with the log or be
    /// damaged without detection. The replayed entries are authenticated too, so the log
    /// cannot serve a made-up history to pass a new entry.
    #[allow(clippy::too_many_arguments)]
    fn scan<L: LogSource + ?Sized>(
        &self,
        source: &L,
        hashes: &VerifiedHashes<'_, L>,
        rules: &mut EntryRules,
        start: u64,
        end: u64,
        size: u64,
        new_entries: bool,
    ) -> Result<(), WitnessError> {
        let mut lo = start;
        while lo < end {
            let hi = (lo + CHUNK).min(end);
            let entries = read_entries(source, lo, hi, size)?;
            let leaves = hashes.leaf_hashes(lo, hi)?;
            for ((index, bytes), leaf) in (lo..).zip(&entries).zip(&leaves) {
                let bad = |reason: String| WitnessError::BadEntry { index, reason };
                if leaf_hash(bytes) != *leaf {
                    return Err(bad("the entry bundle does not match the tree".into()));
                }
                let entry = Entry::from_canonical_json(bytes).map_err(|e| bad(e.to_string()))?;
                rules.check(index, &entry).map_err(bad)?;
                if new_entries {
                    self.proofs.observe(index, &entry).map_err(bad)?;
                    if let EntryBody::ProofAccepted(p) = &entry.body {
                        self.proofs.check(index, p).map_err(bad)?;
                    }
                }
            }
            lo = hi;
        }
        Ok(())
    }

    fn save(&self, checkpoint: &SignedCheckpoint) -> Result<(), WitnessError> {
        probity_core::durable::write_atomic(&self.state_path, checkpoint.to_bytes())
            .map_err(|e| self.state_error(e.to_string()))
    }
}

/// The file name under which a witness keeps the state of the log `origin`:
/// `<origin, with anything but ASCII letters, digits, `.`, `-`, `_` as `_`>-<first 16 hex digits
/// of SHA-256(origin)>.checkpoint`. The readable part is for people; the digest keeps origins
/// that read the same (`a/b` and `a_b`) in separate files.
pub fn state_file_name(origin: &str) -> String {
    use sha2::{Digest as _, Sha256};
    let name: String = origin
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let digest = Sha256::digest(origin.as_bytes());
    format!("{name}-{}.checkpoint", hex::encode(&digest[..8]))
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::state_file_name;

    #[test]
    fn state_file_names_do_not_collide() {
        let a = state_file_name("probity.test/log");
        let b = state_file_name("probity.test_log");
        assert_ne!(a, b);
        assert!(a.starts_with("probity.test_log-"), "{a}");
        assert!(a.ends_with(".checkpoint"), "{a}");
        assert_eq!(
            a.len(),
            "probity.test_log-".len() + 16 + ".checkpoint".len()
        );
        assert_eq!(a, state_file_name("probity.test/log"), "stable");
    }
}
