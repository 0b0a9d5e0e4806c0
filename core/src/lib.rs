//! # probity-core
//!
//! The part of Probity that every party shares: the category table, declarations and their
//! TOML file format, the canonical encodings into the BN254 scalar field (`to_field`,
//! `id_hash`, `official_tag`), circomlib-compatible Poseidon, the 4-ary items tree, the
//! declaration commitment, and the typed public inputs of every statement.
//!
//! It does no IO and holds no keys. Everything here is normative (DESIGN.md §3–§5): the golden
//! vector of the design's appendix is a test of this crate.
//!
//! # Secrets
//! Values, asset ids and blindings are the official's secrets. No type here prints them in
//! `Debug`; error messages name items by position, never by content.
//!
//! # What it must never do
//!
//! - Do IO, hold keys or choose randomness for anyone: callers bring their RNG.
//! - Print a secret: values, asset ids and blindings stay out of `Debug` and errors.
//! - Change an encoding without a new format version: every party recomputes these bytes.
#![deny(rustdoc::broken_intra_doc_links)]

pub use ark_bn254::Fr;

mod category;
mod date;
mod declaration;
pub mod durable;
mod encoding;
mod file;
pub mod poseidon;
mod statement;
#[cfg(any(test, feature = "test-dependencies"))]
pub mod testing;
pub mod text;
pub mod tree;
pub use tree::InclusionPath;
mod types;
mod wire;

pub use category::{Category, Class, InvalidCategory};
pub use date::{civil_from_days, days_from_civil, format_utc, parse_date};
pub use declaration::{
    category_total, commitment, income, net_worth, Blinding, Blindings, Capacity, Declaration,
    DeclarationError, Item, Opening, Owner, Slot, DOMAIN_DECLARATION,
};
pub use encoding::{normalize_asset_id, to_field, ASSET_ID_TAG, OFFICIAL_TAG};
pub use statement::{
    AssetIncluded, CategoryTotalRange, NetWorthRange, PublicInputError, PublicInputs,
    StatementKind, WealthGrowth,
};
pub use text::{check_text, TextError};
pub use types::{
    field_to_u128, format_minor_units, i128_to_field, parse_field_decimal, Amount, AssetId,
    Commitment, IdHash, OfficialId, OfficialTag, Period, SignedAmount,
};
pub use wire::{
    EnvelopeError, KeyCeremony, KeyContribution, ManifestEntry, ParamsManifest, ProofEnvelope,
    PARAMS_MANIFEST_VERSION, PROOF_ENVELOPE_VERSION, PROOF_LEN,
};
