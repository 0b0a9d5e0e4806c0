//! # probity-ledger
//!
//! Probity's transparency log (DESIGN.md §7): the append-only record of every registration,
//! filing, accepted proof, challenge, tip and alert, checkable by anyone.
//!
//! - [`Entry`]: the entry types, one versioned enum, encoded as canonical JSON (RFC 8785). The
//!   leaf hash is `SHA-256(0x00 || JSON)`, so any client recomputes it from what it is served.
//!   Investigative details stay off the public ledger behind salted digests ([`Disclosure`]).
//! - [`InclusionProof`], [`ConsistencyProof`]: RFC 6962 proofs (the math is `tlog_tiles`').
//!   Checking them needs no storage.
//! - [`SignedCheckpoint`]: C2SP tlog-checkpoint bodies signed as C2SP signed notes with the
//!   log's Ed25519 key, twice: a plain Ed25519 signature that standard tlog clients verify, and
//!   a timestamped `cosignature/v1` signature that puts the checkpoint's time under the log's
//!   key. Both are required ([`CheckpointVerifier`]).
//! - Keys in the C2SP signed-note formats: secret key files (`PRIVATE+KEY+…`, mode 0600) with
//!   [`CheckpointSigner::save`] and [`CheckpointSigner::load`], verifier keys with
//!   [`CheckpointVerifier::from_vkey`].
//! - [`Log`] over a [`Store`] ([`SledStore`], [`MemoryStore`]): an acknowledged append is durable
//!   before it returns (behind an `fdatasync`, so it survives a power cut, not only `kill -9`);
//!   a crash never exposes half a batch. [`durable`] says what durable means and why sled's
//!   own flush is not enough; [`DurableDb`] is the barrier every acknowledged write goes
//!   through.
//! - Tiles (C2SP tlog-tiles) so that any static file host can mirror the log, read back from a
//!   folder ([`DirSource`]) or a web server (`HttpSource`, feature `http`); a [`Witness`]
//!   that follows a log, checks consistency and entries, and cosigns; [`audit`] functions that
//!   recompute a whole log from its tiles.
//!
//! # Roles and trust
//!
//! The service appends and signs. Supervisors, auditors and witnesses trust only the log's
//! verifier key and the mathematics: a client keeps the last checkpoint it accepted and refuses
//! a newer one without a valid consistency proof; witnesses cosign only checkpoints consistent
//! with everything they saw, so a split view shows up as two conflicting signed checkpoints.
//!
//! # Features
//!
//! `storage` (default) adds [`SledStore`]. `http` (default) adds `HttpSource`, a blocking
//! HTTP(S) client of a log's tiles. A verifier that only checks proofs, receipts and
//! checkpoints builds with `default-features = false` and links neither a database nor a
//! network client.
//!
//! # What it must never do
//!
//! - Acknowledge an append before it is durable, or rewrite or drop an entry once logged.
//! - Trust what it reads back from a mirror: tiles and entries are checked against the signed
//!   checkpoint.
//! - Put a withheld detail (an asset id, a value, a tip's subject) on the public log: only its
//!   salted digest.
#![deny(rustdoc::broken_intra_doc_links)]

pub mod audit;
mod bytes;
mod checkpoint;
#[cfg(feature = "storage")]
pub mod durable;
mod entry;
#[cfg(feature = "http")]
mod http;
mod keys;
mod log;
mod rules;
mod store;
mod tiles;
mod tree;
mod witness;

pub use bytes::{
    ChallengeId, DetailDigest, Ed25519Signature, IssuerParamsBytes, ProofBytes, PublicKey,
    RateLimitTag, Sha256Digest, TipKeyBytes,
};
pub use checkpoint::{
    CheckpointError, CheckpointSigner, CheckpointVerifier, Cosignature, SignedCheckpoint,
    COSIGNATURE_V1_TYPE, ED25519_TYPE,
};
#[cfg(feature = "storage")]
pub use durable::DurableDb;
pub use entry::{
    is_jurisdiction, Alert, ChallengeAnswered, ChallengeDetail, ChallengeExpired, ChallengeIssued,
    DeadlineSet, DeclarationFiled, Disclosure, EnrollmentCodesIssued, Entry, EntryBody, EntryError,
    EntryIndex, NetWorthBand, OfficialRegistered, ParamsPublished, PolicyPublished,
    PolicyRequirement, ProofAccepted, RegistryName, RuleName, SupervisorId, SupervisorRegistered,
    Timestamp, TipClosed, TipReceived, WhistleblowerKeysPublished, WithheldProof,
    DECLARATION_SIGNATURE_PURPOSE, DETAIL_DIGEST_TAG, MAX_DEADLINE_DAYS, MAX_ENTRY_LEN,
    MAX_SAFE_INTEGER,
};
#[cfg(feature = "http")]
pub use http::{HttpSource, DEFAULT_HTTP_TIMEOUT};
pub use keys::KeyFileError;
pub use log::{Log, LogError, Receipt, ReceiptError};
pub use rules::EntryRules;
#[cfg(feature = "storage")]
pub use store::SledStore;
pub use store::{MemoryStore, Store, StoreError};
pub use tiles::{
    decode_bundle, encode_bundle, new_tiles, parse_tile_path, read_entries, tile_path, DirSource,
    LogSource, TileError, VerifiedHashes, CHECKPOINT_PATH, TILE_HEIGHT, TILE_WIDTH,
};
pub use tlog_tiles::Tile;
pub use tree::{
    leaf_hash, node_hash, prove_consistency, prove_inclusion, root, ConsistencyProof, Hash,
    InclusionProof, MemoryTree, ProofError, EMPTY_ROOT,
};
pub use witness::{state_file_name, FormOnly, ProofCheck, Witness, WitnessError, WitnessOutcome};
