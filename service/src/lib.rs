//! # probity-service
//!
//! Probity's service (DESIGN.md §9): an axum application over sled that officials file
//! with, supervisors verify and challenge through, whistleblowers tip through, and the
//! public audits.
//!
//! - [`Service::open`] opens (or, on first start, makes) a data folder: the database, the
//!   log key, the credential issuer key, the tip key pair and dev params.
//! - [`Service::router`] is the `/v1` API ([`openapi`] documents it); [`serve`] runs it
//!   with graceful shutdown.
//! - [`api`] is the wire types of the routes, [`auth`] checks request signatures; both
//!   formats are `probity-api`'s, shared with the clients.
//! - [`Client`] and [`log_source`] are re-exported from `probity-client`, the blocking HTTP
//!   client every role's command line uses, for code that reaches them through this crate;
//!   the service itself never calls them.
//!
//! # Trust
//!
//! The service verifies proofs with `probity-verifier` and never proves. Every write it
//! acknowledges is on the ledger, flushed, with a receipt (an inclusion proof against a
//! signed checkpoint) in the response. Clients trust the receipts and the log's key, not the
//! service's word.
#![deny(rustdoc::broken_intra_doc_links)]

#[cfg(feature = "evm")]
mod anchor;
pub mod auth;
mod budget;
#[cfg(feature = "evm")]
pub mod chain;
mod config;
mod error;
mod listener;
mod metrics;
mod proofs;
mod routes;
pub mod rules;
mod service;
mod state;
mod tip_pool;

pub use config::{default_bands, AnchorConfig, Config, EXPIRY_PERIODS, EXPIRY_PERIOD_EPOCHS};
pub use error::{ApiError, ErrorBody, ErrorEnvelope};
/// The wire types of the `/v1` API (`probity-api`), where the service's code and its users
/// have always found them.
pub use probity_api as api;
pub use probity_client::{log_source, Client, ClientError, LOG_TILES_PATH};
pub use routes::openapi;
pub use service::{files, system_clock, Clock, OpenError, Service};
pub use state::Principal;

/// Serves `service` on `listener` until `shutdown` resolves, then stops taking requests,
/// finishes those in flight and every acknowledged write, and flushes the database.
pub async fn serve(
    service: Service,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = service.router();
    let sweeper = {
        let shared = std::sync::Arc::clone(&service.shared);
        let every = std::time::Duration::from_secs(shared.config.sweep_interval_secs.max(1));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = shared.sweep().await {
                    tracing::error!(error = %e, "the deadline sweep failed");
                }
            }
        })
    };
    // Anchoring follows the ledger from its own durable cursor, so stopping it mid-round
    // loses nothing.
    #[cfg(feature = "evm")]
    let anchorer = tokio::spawn(anchor::run(std::sync::Arc::clone(&service.shared)));
    let result = axum::serve(listener::Listener(listener), router)
        .with_graceful_shutdown(shutdown)
        .await;
    sweeper.abort();
    #[cfg(feature = "evm")]
    anchorer.abort();
    service.shutdown();
    result
}
