//! File names in the data folder (its layout is described at [`Service::open`]), and how
//! the service writes the files that hold secrets.
//!
//! [`Service::open`]: crate::Service::open

use std::path::Path;

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

/// Writes `bytes` to `path` with mode 0600 (Unix), atomically and durably (the file synced
/// before the rename, the folder after), with modification time `mtime` if given.
pub(crate) fn write_secret(
    path: &Path,
    bytes: &[u8],
    mtime: Option<std::time::SystemTime>,
) -> Result<(), String> {
    use std::io::Write as _;
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(&tmp)
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    file.write_all(bytes)
        .and_then(|()| mtime.map_or(Ok(()), |t| file.set_modified(t)))
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    probity_params::sync_parent(path).map_err(|e| e.to_string())
}
