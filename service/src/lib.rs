//! # probity-service
//!
//! Probity's service (DESIGN.md §9): an axum application over sled that officials file
//! with, supervisors verify and challenge through, whistleblowers tip through, and the
//! public audits.
//!
//! - [`Service::open`] opens (or, on first start, makes) a data folder: the database, the
//!   log key, the credential issuer key, the tip key pair and, only where
//!   [`Config::allow_dev_keys`] allows them, dev params. Without it the service runs on
//!   ceremony keys only, and refuses to start, changing nothing, on keys anyone could forge
//!   proofs with.
//! - [`Service::router`] is the `/v1` API ([`openapi`] documents it); [`serve`] runs it
//!   with graceful shutdown; [`Background`] serves it from a thread of its own, for programs
//!   that embed a service (the demo, tests).
//! - [`api`] is the wire types of the routes, [`auth`] checks request signatures; both
//!   formats are `probity-api`'s, shared with the clients.
//! - The public register's pages (`/`, `/officials/{id}`, `/about`) are `probity-web`'s,
//!   filled from the same public state as the JSON routes; [`Config::public_url`] is the
//!   address their QR codes and commands give.
//!
//! # Trust
//!
//! The service verifies proofs with `probity-verifier` and never proves. Every write it
//! acknowledges is on the ledger, flushed, with a receipt (an inclusion proof against a
//! signed checkpoint) in the response. Clients trust the receipts and the log's key, not the
//! service's word.
//!
//! # Layers
//!
//! Each module imports only from the rows above its own (the last column says which), so
//! there are no import cycles. Methods of `Shared` live with the layer they belong to:
//! `tip_pool`, `sweep` and `routes` add their own.
//!
//! | layer | modules | may import |
//! |---|---|---|
//! | leaves | `chain`, `clock`, `codes`, `download`, `error`, `files`, `metrics`; `auth`, `budget`, `listener`, `proofs`, `tip_store`; `config` | nothing of the crate; `error` (and `files`, for `tip_store`); `api` |
//! | state | `state`: what the ledger says (with `MANY_REPORTERS`, the one rule name it reads) | `api` |
//! | storage | `shared`: `Shared` (config, ledger, state, sled trees, the tip pool's files), the writer and its `Draft`s, durable flushes | `state`, leaves |
//! | rules | `rules`: pure functions of the state; `alerts`: the `Alert` drafts they set off | `state`; `alerts` also `shared` |
//! | background | `tip_pool`, `sweep`, `anchor` (feature `evm`) | the rows above; `sweep` also `tip_pool` |
//! | routes | `routes`: router, extractors, the OpenAPI document; one module per role | the rows above but `sweep` and `anchor` |
//! | wiring | `service` (`Service::open`), this file (`serve`), `threaded` (`Background`: `serve` on a thread of its own) | everything: the only importers of `routes`, `sweep` and `anchor` |
//!
//! `api` is `probity-api`'s wire types, re-exported: every layer may use them.
//!
//! # What it must never do
//!
//! - Run on development keys unless told to ([`Config::allow_dev_keys`]), or on them without
//!   saying so: `/v1/info` names the keys' setup and every page of the register warns.
//! - Prove, or hold an official's declaration or blindings: it verifies and logs.
//! - Acknowledge a write that is not on the ledger, durable, with its receipt.
//! - Log or return a secret: no amount, no tip text, no whistleblower's address, no key.
#![deny(rustdoc::broken_intra_doc_links)]

mod alerts;
#[cfg(feature = "evm")]
mod anchor;
pub mod auth;
mod budget;
#[cfg(feature = "evm")]
pub mod chain;
mod clock;
mod codes;
mod config;
mod download;
mod error;
pub mod files;
mod in_force;
mod listener;
mod metrics;
mod proofs;
mod routes;
pub mod rules;
mod service;
mod shared;
mod state;
mod sweep;
mod threaded;
mod tip_pool;
mod tip_store;

pub use clock::{system_clock, Clock};
pub use config::{default_bands, AnchorConfig, Config, EXPIRY_PERIODS, EXPIRY_PERIOD_EPOCHS};
pub use error::{ApiError, ErrorBody, ErrorEnvelope, OpenError};
/// The wire types of the `/v1` API (`probity-api`), where the service's code and its users
/// have always found them.
pub use probity_api as api;
pub use routes::openapi;
pub use service::Service;
pub use state::Principal;
pub use threaded::Background;

/// Serves `service` on `listener` until `shutdown` resolves, then stops taking requests,
/// finishes those in flight and every acknowledged write, and flushes the database.
pub async fn serve(
    service: Service,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The anchoring setup moves into its task.
    #[cfg(feature = "evm")]
    let mut service = service;
    let router = service.router();
    let sweeper = tokio::spawn(sweep::run(std::sync::Arc::clone(&service.shared)));
    // Anchoring follows the ledger from its own durable cursor, so stopping it mid-round
    // loses nothing.
    #[cfg(feature = "evm")]
    let anchorer = service.anchoring.take().map(|anchoring| {
        tokio::spawn(anchor::run(
            std::sync::Arc::clone(&service.shared),
            anchoring,
        ))
    });
    let result = axum::serve(listener::Listener(listener), router)
        .with_graceful_shutdown(shutdown)
        .await;
    sweeper.abort();
    #[cfg(feature = "evm")]
    if let Some(anchorer) = anchorer {
        anchorer.abort();
    }
    service.shutdown();
    result
}
