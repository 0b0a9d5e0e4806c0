//! File names in the data folder (its layout is described at [`Service::open`]), and how
//! the service writes the files that hold secrets.
//!
//! [`Service::open`]: crate::Service::open

use std::path::Path;

use probity_core::durable;

/// The sled database folder.
pub const DB: &str = "db";
/// The tip pool's folder.
pub const TIP_POOL: &str = "tip-pool";
/// The log's signing key.
pub const LOG_KEY: &str = "log.key";
/// The credential issuer's secret key.
pub const ISSUER_KEY: &str = "issuer.key";
/// The supervisors' tip public key.
pub const TIP_PUBLIC_KEY: &str = "tip.pub";
/// The supervisors' tip secret key, made on first start for handing over.
pub const SUPERVISOR_TIP_KEY: &str = "supervisor-tip.key";
/// The params folder.
pub const PARAMS: &str = "params";
/// The registrar's public key.
pub const REGISTRAR_PUBLIC_KEY: &str = "registrar.pub";
/// The chain operator's secret key, for anchoring (`probity serve --anchor evm`).
pub const CHAIN_KEY: &str = "chain.key";

/// Writes `bytes` to `path`, readable by the owner only, atomically and durably
/// ([`probity_core::durable::replace`]), with modification time `mtime` if given.
pub(crate) fn write_secret(
    path: &Path,
    bytes: &[u8],
    mtime: Option<std::time::SystemTime>,
) -> Result<(), String> {
    durable::replace(path, bytes, durable::Access::OwnerOnly, mtime)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
