//! # probity-verifier
//!
//! The supervisor's and the auditor's side of Probity: checking the Groth16 proofs that
//! officials make about their committed asset declarations (DESIGN.md §5, §6), one at a time
//! or many at once, and exporting them for snarkjs.
//!
//! It depends on `probity-core` and the Groth16 verifier only. It never links the circuits,
//! the prover, the params tooling or any storage: verification needs a verifying key and
//! public inputs, nothing else, and an auditor can read all of it.
//!
//! # Roles
//! - **Supervisors** verify every proof an official files or sends in answer to a challenge,
//!   usually through the service, which verifies with this crate and never proves.
//! - **Auditors, witnesses and the public** re-verify every proof published on the ledger,
//!   in bulk with [`verify_batch`], and can hand any single proof to snarkjs with
//!   [`export_snarkjs`] to check it with an independent implementation.
//!
//! # Use
//! ```text
//! entry  = manifest.entry(statement, capacity)             // the manifest published on the ledger
//! vk     = StatementVerifyingKey::from_manifest_entry(entry)?
//! inputs = verify_envelope(&vk, &envelope)?                // the statement holds for the commitment …
//! require the ledger's DeclarationFiled(official, period) has that commitment
//!                                                          // … and the commitment is the filed one
//! ```
//!
//! # What verification shows, and what it does not
//! A successful [`verify`] shows that whoever made the proof knows a declaration whose
//! commitment is the public `commitment` input, and whose figures satisfy the statement for
//! the other public inputs (e.g. net worth between `lo` and `hi`). Nothing else about the
//! figures is revealed, and:
//!
//! - It does **not** show that the commitment is the official's filed declaration. A proof
//!   is only meaningful together with the ledger entry of its commitment (DESIGN.md §5): look
//!   up the `DeclarationFiled` entry for `(official, period)` (both periods for
//!   `wealth_growth`) and reject the proof if its public commitment or official tag differ.
//!   Without that step anyone can commit to a made-up declaration and prove anything about
//!   it. This crate does not do that lookup; the caller must.
//! - It does **not** show that the declaration is complete: zero knowledge proves facts about
//!   the committed figures, not that every asset was committed. Completeness comes from
//!   challenges (`asset_included` on assets found in registries or tips) and from the ledger
//!   making every filing permanent (DESIGN.md §1).
//! - It is only as good as the verifying key. Use the keys of the params manifest published
//!   on the ledger (`ParamsPublished`). Keys from `probity setup --dev` were made on one
//!   machine, and whoever ran it can forge proofs for them.
//!
//! # Threat model
//! Proofs, envelopes and keys are untrusted bytes. Every point is decoded with curve and
//! subgroup checks, every encoding must be canonical with nothing after it, and a key must
//! have exactly the statement's number of public inputs ([`KeyError`], [`DecodeError`]). A
//! well-formed proof that fails is reported as the opaque [`VerificationFailure`], with no hint
//! of which check failed, so a prover probing the verifier learns one bit per attempt. arkworks'
//! `Groth16::verify_proof` answers `Ok(false)` for a bad proof; that never leaks out of this
//! crate as anything but [`VerificationFailure`].
//!
//! Batch verification draws its random scalars from the caller's [`rand::CryptoRng`]; a
//! prover who could predict them could make a bad proof pass in a batch. See
//! [`verify_batch`] for the equation and the soundness bound (2^-128).
//!
//! # What it must never do
//!
//! - Link the circuits, the prover, the params tooling or storage.
//! - Report a proof that does not verify as anything but an error.
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod batch;
mod error;
mod key;
mod proof;
mod snarkjs;
mod solidity;
mod verify;

pub use batch::verify_batch;
pub use error::{DecodeError, EnvelopeVerifyError, ExportError, KeyError, VerificationFailure};
pub use key::StatementVerifyingKey;
pub use proof::Proof;
pub use snarkjs::{export_snarkjs, SnarkjsFiles, PROOF_JSON, PUBLIC_JSON, VERIFICATION_KEY_JSON};
pub use solidity::{evm_proof, evm_word, export_solidity, EvmProof, EvmWord, SolidityVerifier};
pub use verify::{decode_envelope, verify, verify_envelope};
