//! # probity-api
//!
//! The wire formats of Probity's `/v1` API (DESIGN.md §9), shared by the service and every
//! client, so that both sides read and write one definition of each:
//!
//! - the request and response types of the routes ([`ServiceInfo`], [`FileDeclaration`],
//!   [`Written`], …), each with its OpenAPI schema (the service's `/v1/openapi.json` is made
//!   from them);
//! - the error envelope every failure is answered with ([`ErrorEnvelope`]);
//! - the signed-request format ([`signing`]): the bytes a request signature covers and the
//!   headers it travels in.
//!
//! # What it must never do
//!
//! This crate is formats only: it does no I/O (no files, no network, no clock) and links no
//! web framework, database or HTTP client. Checking what the formats carry is for the sides:
//! the service verifies signatures and enforces its rules; clients check receipts against the
//! log's key. Types that carry tips, codes or investigative details keep them out of `Debug`.
#![deny(rustdoc::broken_intra_doc_links)]

mod error;
pub mod signing;
mod wire;

pub use error::{ErrorBody, ErrorEnvelope};
pub use wire::*;
