//! # probity-prover
//!
//! The official's side of Probity (DESIGN.md §1–§4): the declaration file on the official's
//! machine, the encrypted [`wallet`] of the blindings that open each filed commitment, and, built
//! on them, the proofs an official files or is asked for.
//!
//! # Roles and trust
//!
//! Only the official runs this crate. The figures of a declaration, its asset ids and its
//! blindings never leave the official's machine: what leaves is a commitment (DESIGN.md §4) and
//! zero-knowledge proofs about it.
//!
//! # Threat model
//!
//! - **Losing blindings is the worst failure.** Without the blindings drawn for a declaration,
//!   no later proof about its filed commitment is possible, and the official cannot answer a
//!   supervisor's challenge. The [`wallet`] therefore never removes or silently replaces an
//!   entry, writes atomically with backups, and hands out an opening only once it is on disk.
//! - **The wallet file may be stolen.** It is encrypted under a key derived from a passphrase
//!   with Argon2id; its contents and header are authenticated, so a changed byte is refused,
//!   never half-read.
//! - **Editing a committed declaration is an explicit act.** A declaration file that no longer
//!   produces the commitment held for it is refused with a message saying so; amending files a
//!   new commitment, and the old entry stays in the wallet.
//!
//! # Secrets
//! No `Debug` output or error message of this crate contains a declared value, an asset id, a
//! blinding, a key or a passphrase.
//!
//! # What it must never do
//!
//! - Send anything but commitments and proofs off the official's machine.
//! - Lose a blinding: the wallet never removes or silently replaces an entry.
//! - Print a declared value, an asset id, a blinding, a key or a passphrase.
#![deny(rustdoc::broken_intra_doc_links)]

mod groth16;
mod msm;
mod prove;
mod qap;
mod synthesized;
pub mod wallet;

pub use prove::{KeySource, ProveError, Prover, Witness};
pub use synthesized::Synthesized;
