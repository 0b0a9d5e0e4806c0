//! # probity-client
//!
//! The client side of Probity's service (DESIGN.md §9), for every role's program: the command
//! line today, other front ends later. It holds the logic a role runs against a service, so
//! that a front end only parses arguments and shows results.
//!
//! - [`Client`]: a blocking HTTP client of the `/v1` API; with a key it signs every request
//!   ([`api::signing`]). [`log_source`] finds a log's tiles for auditors and witnesses.
//! - [`Connection`]: a client with this machine's state about the service's log in a data
//!   folder: the log key pinned on first contact, the last accepted checkpoint (each new one
//!   must be proved consistent with it), and the receipts handed out. What the service says is
//!   checked against that state, not believed: a failed check is an [`Untrusted`] error.
//! - [`params`]: the proving keys an official needs, downloaded from the service and checked
//!   against the params manifest the log published.
//! - [`Progress`]: how long operations report progress to whoever shows it.
//! - Roles: [`keys`] (the role keys in the data folder), [`registrar`] ([`Registrar`]),
//!   [`whistleblower`] ([`Whistleblower`]), [`official`] ([`Official`]), [`witness`] (the proof re-verification a witness
//!   adds to the ledger's [`Witness`](probity_ledger::Witness)).
//! - [`supervisor`] ([`Supervisor`]): an official's filings and proofs re-verified against the
//!   log, challenges, tips opened once checked against the log, replies, alerts.
//! - [`declaration_edit`]: an official's declaration file edited in place (comments kept),
//!   checked by core's parser before it is written, and its totals.
//! - [`api`]: the wire formats (`probity-api`), re-exported.
//!
//! # What it must never do
//!
//! - Print: every notice a user should see (a log key pinned on first contact) comes back in
//!   the result, and the front end words it.
//! - Hold the service's state: it keeps only what this machine needs to check the service
//!   (keys, checkpoints, receipts), never a copy of the service's database.
//! - Link the server: no axum, no sled, no HTTP server. A test (`tests/dependencies.rs`)
//!   checks the dependency tree.
#![deny(rustdoc::broken_intra_doc_links)]

pub mod auditor;
mod client;
mod connection;
pub mod declaration_edit;
pub mod keys;
pub mod official;
pub mod params;
mod progress;
pub mod registrar;
pub mod supervisor;
pub mod whistleblower;
pub mod witness;

pub use auditor::{AuditReport, Auditor, AuditorError};
pub use client::{log_source, Client, ClientError, Clock, LOG_TILES_PATH};
pub use connection::{
    Connection, ConnectionError, LogKey, NewlyPinned, Untrusted, CHECKPOINT_FILE, LOG_KEY_FILE,
    RECEIPTS_DIR,
};
pub use keys::{KeyError, KeyRole};
pub use official::{Official, OfficialError};
pub use probity_api as api;
pub use progress::{NoProgress, Progress, Task};
pub use registrar::{Registrar, RegistrarError};
pub use supervisor::{Supervisor, SupervisorError};
pub use whistleblower::{Whistleblower, WhistleblowerError};
