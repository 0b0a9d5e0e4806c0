//! # probity-credentials
//!
//! Anonymous credentials for whistleblowers, and the sealing of their tips (DESIGN.md §8).
//!
//! A person enrolled once, with a one-time [`EnrollmentCode`], gets a [`Credential`] by
//! blind issuance ([`issuance`]): the issuer learns the code, never the credential's secret
//! `k`. With it they send tips ([`presentation`]): each tip shows the credential afresh,
//! so that nobody, the operator included, can link a tip to the enrollment or two tips to
//! each other, while the tag `k·H(subject, epoch)` lets the service accept one tip per
//! reporter, official and epoch. The tip body is sealed to the supervisors with HPKE
//! ([`seal()`]), and the reporter keeps a [`Receipt`].
//!
//! The scheme is the keyed-verification credential of Chase, Meiklejohn and Zaverucha
//! (CCS 2014, `MAC_GGM`) on the Ristretto group, with Schnorr proofs made non-interactive
//! by merlin transcripts (`lox-zkp`). The math is in the module docs of [`issuance`] and
//! [`presentation`], and in the notes below.
//!
//! # Roles
//! - CLIENT (the whistleblower's device): [`issuance::request`],
//!   [`issuance::State::handle_response`], [`presentation::present`], [`seal()`],
//!   [`Receipt::parse`].
//! - ISSUER (the service; feature `issuer`): [`Issuer`], [`Issuer::handle_issuance`],
//!   [`Issuer::verify_presentation`], [`EnrollmentStore`], [`Receipt::generate`].
//! - SUPERVISOR: [`open`] with the [`TipSecretKey`].
//!
//! # Threat model
//! - The issuer is trusted for soundness (it holds the MAC key: only it can verify) but not
//!   for privacy: issuance is blind, each presentation is re-randomized, and the issuer's
//!   proof at issuance stops it from tagging a credential with a key of its own.
//! - The revealed attributes (`expiry`, `scope`) partition the crowd: issue them coarsely.
//! - Network-level identification (IP addresses, timing) is out of scope here; the service
//!   keeps none (DESIGN.md §8).
//!
//! # Misuse
//! - Call [`Issuer::verify_presentation`] with the *current* epoch and the subject's own
//!   scope, and keep one tip per [`TipTag`]: the library checks the proof, the service
//!   owns the replay set.
//! - Store receipts and enrollment codes only as their `storage_hash`.
//! - Randomness is explicit: every function that needs it takes
//!   `rng: &mut (impl RngCore + CryptoRng)`; pass an OS-seeded CSPRNG. The Schnorr proofs'
//!   nonces are additionally derived by merlin from the transcript, the witness and OS
//!   randomness (inside `lox-zkp`), so proofs are never reproducible byte for byte.
//!
//! # Encodings
//! Every wire type has `to_bytes`/`from_bytes`; encodings start with the version byte
//! [`ENCODING_VERSION`] and decoding refuses other versions, truncation, trailing bytes,
//! non-canonical scalars, invalid points and the identity. Proof failures are the opaque
//! [`VerificationFailure`]; malformed bytes are a [`DecodeError`].
#![deny(rustdoc::broken_intra_doc_links)]
#![deny(missing_docs)]

#[macro_use]
extern crate lox_zkp;

mod attributes;
mod code;
mod credential;
mod encoding;
mod enrollment;
mod errors;
pub mod issuance;
mod params;
pub mod presentation;
mod receipt;
mod seal;
mod transcript;

#[doc = include_str!("../docs/notes/cmz.md")]
pub mod notes {}

pub use attributes::{Epoch, Scope, Subject, TipContext};
pub use credential::Credential;
pub use encoding::ENCODING_VERSION;
#[cfg(feature = "issuer")]
pub use enrollment::{conformance, EnrollmentCodes, EnrollmentStore, Redemption};
pub use enrollment::{EnrollmentCode, EnrollmentCodeHash};
pub use errors::{
    DecodeError, FieldError, IssueError, OpenError, PresentError, SealError, StoreError,
    VerificationFailure,
};
pub use params::IssuerPublicParams;
#[cfg(feature = "issuer")]
pub use params::{Issuer, IssuerSecretKey};
pub use presentation::{Presentation, TipTag};
pub use receipt::{Receipt, ReceiptHash};
pub use seal::{
    open, seal, Attachment, SealedTip, SealedTipDigest, TipBody, TipPublicKey, TipSecretKey,
};
