//! # probity-circuits
//!
//! The R1CS side of Probity: gadgets that are twins of `probity-core`'s native functions, and
//! the four statement circuits of DESIGN.md §5 (`net_worth_range`, `category_total_range`,
//! `wealth_growth`, `asset_included`), each for every capacity.
//!
//! | native (`probity_core`) | gadget (here) |
//! |---|---|
//! | `poseidon::poseidon` | [`poseidon::poseidon`] |
//! | `tree::ItemsTree::root` | [`tree::items_root`] |
//! | `tree::InclusionPath::root` | [`tree::PathVar::root`] |
//! | `Amount`, `SignedAmount` ranges | [`range`] |
//! | `Category::class` | [`category::CategoryVar`] |
//! | `Opening::commitment`, `net_worth`, `income`, `category_total` | [`declaration::DeclarationVar`] |
//!
//! Only the prover and the key generator link this crate; verification needs a verifying key
//! and public inputs only.
//!
//! # What it must never do
//!
//! - Hold a rule of its own: every gadget is the twin of a native function in `probity-core`,
//!   and a test holds the two to the same answers.
//! - Leave an input unconstrained: every witness a statement depends on is bound by a
//!   constraint (DESIGN.md §5 and its appendix), and the constraint counts are pinned in tests.
//! - Do IO, or be linked by a verifier: only the prover and the key generator need R1CS.
#![deny(rustdoc::broken_intra_doc_links)]

pub mod category;
pub mod declaration;
pub mod poseidon;
pub mod range;
mod statements;
pub mod tree;

pub use declaration::{DeclarationWitness, SlotWitness};
pub use statements::{
    AssetIncludedCircuit, AssetWitness, CategoryTotalRangeCircuit, NetWorthRangeCircuit,
    StatementCircuit, WealthGrowthCircuit,
};
