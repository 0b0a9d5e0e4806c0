//! # probity-web
//!
//! Probity's web pages (DESIGN.md §2): the templates, the view structs they are filled from,
//! every string in zh-CN and en, and the stylesheet. For now, the public register that the
//! service mounts at `/`: the officials list ([`pages::officials`]), one official's filings,
//! proved statements, challenges and alerts with a QR code of the page ([`pages::official`]),
//! and what the register shows and how to check it ([`pages::about`]); the register in
//! figures, as server-drawn SVG charts ([`stats`]); and the log's pages ([`log`]): the latest
//! checkpoint, the entries with their inclusion proofs, consistency proofs.
//!
//! This crate renders and nothing else: a page is a pure function of a [`pages::Context`]
//! (the language) and a view built from the service's public data (the wire types of its JSON
//! routes, `probity-api`, and the public inputs of logged proofs). The service reads its
//! state, builds the views and serves the strings; this crate links no web framework and no
//! database, and does no I/O.
//!
//! Pages are server-rendered HTML that needs no JavaScript, escaped by `maud` as it is
//! written; [`STYLESHEET`] is served by the service from [`STYLESHEET_PATH`], so that a
//! strict `Content-Security-Policy` (no inline script or style) holds. The log's pages load
//! one script, [`VERIFY_SCRIPT`] (from [`VERIFY_SCRIPT_PATH`]), which checks what the page
//! shows against the signed log with the browser's WebCrypto: it adds a check, it never
//! hides or changes what the page shows, and it holds no text of its own.
//!
//! # What it must never do
//!
//! - Show an amount of a declaration, an asset or its id, a note, a tip, or what a challenge
//!   asked: the views have no field that could hold one. The only figures shown are the
//!   public bounds a proof was made against (a net-worth band, a category's bounds, the
//!   growth tolerance), which are on the public log.
//! - Fetch anything from outside the server it is served by: no CDN, no web font, no image
//!   or script from elsewhere.
//! - Show a secret of the service or of a party, or anything that is not already public on
//!   the log or in the service's public routes.
#![deny(rustdoc::broken_intra_doc_links)]

mod lang;
pub mod log;
pub mod pages;
mod qr;
mod query;
pub mod stats;
mod views;

pub use lang::{Lang, Text};
pub use query::{Query, Selection, PAGE_SIZE};
pub use views::{
    AboutPage, AlertCount, ChallengeOutcome, ChallengeSummary, OfficialLog, OfficialPage,
    OfficialRow, ProvedStatement, Standing, Statement,
};

/// The pages' stylesheet, for screens and for print.
pub const STYLESHEET: &str = include_str!("../static/register.css");

/// Where the service serves [`STYLESHEET`]; the pages link it from there.
pub const STYLESHEET_PATH: &str = "/static/register.css";

/// The in-browser checks of the log's pages and an official's: the checkpoint's signatures
/// under the log key the page shows, witnesses' cosignatures under the keys it names, the
/// inclusion of every entry it shows (from the entry's own bytes) and the consistency
/// proofs it shows, and consistency with the checkpoint the browser saw last (kept in
/// `localStorage`). WebCrypto only (Ed25519,
/// SHA-256); every message it shows is a data attribute of the page.
pub const VERIFY_SCRIPT: &str = include_str!("../static/verify.js");

/// Where the service serves [`VERIFY_SCRIPT`].
pub const VERIFY_SCRIPT_PATH: &str = "/static/verify.js";

/// The `Content-Security-Policy` of every page: only this server's own stylesheet, script
/// and images (the QR code is inline SVG), no inline script, no framing, no form posted
/// elsewhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
