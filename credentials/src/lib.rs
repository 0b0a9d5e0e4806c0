//! # probity-credentials
//!
//! Anonymous credentials for whistleblowers, and the sealing of their tips (DESIGN.md §8).
//!
//! A person enrolled once, with a one-time [`EnrollmentCode`], gets a [`Credential`] by
//! blind issuance ([`issuance`]): the issuer learns the code, never the credential's secret
//! `k`. With it they send tips ([`presentation`]): each tip shows the credential afresh,
//! so that nobody, the operator included, can link a tip to the enrollment or two tips to
//! each other, while the tag `k·H(subject, epoch)` lets the service accept one tip per
//! reporter, official and epoch. The tip body is padded to a size bucket and sealed to the
//! supervisors with HPKE ([`seal()`]), and the reporter keeps a [`Receipt`].
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
//! - Nothing the issuer chooses per person may reach a presentation. The client therefore
//!   takes the [`IssuerPublicParams`] and the [`ExpirySchedule`] from a pinned source (the
//!   ledger; show [`IssuerPublicParams::fingerprint_with`], which covers both, for the user
//!   to compare out of band), and names the attributes it expects
//!   ([`CredentialAttributes`]): the expiry that the schedule gives at the client's own clock
//!   ([`ExpirySchedule::expected_expiry`]), the scope from the public list of jurisdictions.
//!   It refuses a credential with any other key or attributes, and before every tip it
//!   checks the credential's expiry against the schedule again ([`ExpirySchedule::admits`]).
//!   An epoch length or expiry taken from the issuer's word would let it mark one person's
//!   every tip.
//! - A sealed tip's length shows its size bucket only (powers of two from 1 KiB; see
//!   [`seal()`]), not the length of its text. Attachments push a tip into larger, rarer
//!   buckets.
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
//!   `rng: &mut (impl RngCore + CryptoRng)`; pass an OS-seeded CSPRNG. The one exception is
//!   the proof nonces, below.
//!
//! # Proof nonces
//! The Schnorr proofs' nonces are not drawn from the caller's RNG: `lox-zkp` 0.8.4's
//! `prove_compact` draws them from merlin's transcript RNG, which is keyed with the whole
//! transcript (every public element and label), rekeyed with every witness scalar, and
//! finalized with `rand::thread_rng()` (OS-seeded). The API offers no way to pass an RNG
//! in. It is a hedged construction, and we keep it for that reason: a nonce used under
//! two different challenges reveals the witness, and these nonces stay distinct if either
//! source is sound. With a failed OS RNG they are still a function of the transcript and
//! the witness, so two different proofs never share one; with a sound OS RNG they are
//! fresh whatever the transcript. The cost is that proofs are never reproducible byte for
//! byte, so the golden vectors check in full messages produced once and verify them,
//! instead of recomputing them.
//!
//! # Secrets in memory
//! Keys, credentials, the issuance [`issuance::State`] and every temporary secret scalar
//! (blinding factors, the issuer's per-response scalars) are wiped when dropped. `lox-zkp`
//! copies the witness scalars into its prover and does not wipe those copies; that is
//! outside this crate's reach.
//!
//! # Encodings
//! Every wire type has `to_bytes`/`from_bytes`; encodings start with the version byte
//! [`ENCODING_VERSION`] and decoding refuses other versions, truncation, trailing bytes,
//! non-canonical scalars, invalid points and the identity. Proof failures are the opaque
//! [`VerificationFailure`]; malformed bytes are a [`DecodeError`].
//!
//! # What it must never do
//!
//! - Let anything the issuer chooses per person reach a presentation, or link a tip to an
//!   enrollment or to another tip.
//! - Put the credential's secret, a tip's text or a receipt code in `Debug`, errors or logs.
//! - Hand the issuer's secrets to a client build: the issuer side is behind the `issuer`
//!   feature.
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

#[cfg(all(test, feature = "issuer"))]
mod tests;

pub use attributes::{CredentialAttributes, Epoch, ExpirySchedule, Scope, Subject, TipContext};
pub use credential::Credential;
pub use encoding::ENCODING_VERSION;
#[cfg(feature = "issuer")]
pub use enrollment::{conformance, EnrollmentCodes, EnrollmentStore, Redemption};
pub use enrollment::{EnrollmentCode, EnrollmentCodeHash};
pub use errors::{
    DecodeError, FieldError, IssueError, OpenError, PresentError, SealError, StoreError,
    VerificationFailure,
};
#[cfg(feature = "issuer")]
pub use params::{Issuer, IssuerSecretKey};
pub use params::{IssuerParamsFingerprint, IssuerPublicParams};
pub use presentation::{Presentation, TipTag};
pub use receipt::{Receipt, ReceiptHash};
pub use seal::{
    open, seal, Attachment, SealedTip, SealedTipDigest, TipBody, TipPublicKey, TipSecretKey,
    PADDED_LEN_MAX, PADDED_LEN_MIN,
};
