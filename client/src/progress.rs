//! Progress of long operations (reading a whole log, downloading a key, proving, sending a
//! filing), reported to whoever shows it: the library never prints, so a command line draws
//! bars, the local app draws a page, and a test or a service ignores it.

use std::fmt;

use probity_core::{Capacity, StatementKind};

/// What a long operation is. Typed, so that each observer says it in its own words (and its
/// own language) without parsing the library's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Task {
    /// Downloading the proving key of `statement` at `capacity`; the units are bytes.
    DownloadKey {
        /// The key's statement.
        statement: StatementKind,
        /// The key's capacity.
        capacity: Capacity,
    },
    /// Proving a statement; the prover reports nothing in between.
    Prove(StatementKind),
    /// Reading the log's entries; the units are entries.
    ReadLog,
    /// Sending a filing (its commitment and proofs) and waiting for the service's answer.
    SendFiling,
    /// Checking the service's receipts against the log's signed checkpoint.
    CheckReceipts,
}

/// In English, as the command line writes it after "Downloading the" or on its own.
impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Task::DownloadKey {
                statement,
                capacity,
            } => write!(f, "proving key for {statement} at capacity {capacity}"),
            Task::Prove(statement) => write!(f, "{statement} proof"),
            Task::ReadLog => f.write_str("log entries"),
            Task::SendFiling => f.write_str("filing"),
            Task::CheckReceipts => f.write_str("receipts"),
        }
    }
}

/// An observer of one long operation at a time: `start`, any number of `advance`, `finish`.
pub trait Progress {
    /// The operation `task` starts; `total` is how many units it takes, when known.
    fn start(&self, task: Task, total: Option<u64>);
    /// `n` more units are done.
    fn advance(&self, n: u64);
    /// The operation is over (done or failed).
    fn finish(&self);
}

/// Progress that nobody watches.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _task: Task, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}
