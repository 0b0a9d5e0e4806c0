//! What the commands that talk to a service share: the server address, the role keys on
//! this machine, the pinned log key, and receipt checking.
//!
//! Files in the data folder (client side):
//!
//! | file | holds |
//! |---|---|
//! | `registrar.key`, `official.key`, `supervisor.key` | a role's Ed25519 secret key, hex, mode 0600 |
//! | `registrar.pub` | the registrar's public key (the service reads it) |
//! | `log.vkey` | the log key pinned on first contact: later answers must verify with it |
//! | `checkpoint` | the latest checkpoint this machine accepted (consistency is checked from it) |
//! | `receipts/` | every receipt this machine was handed, by entry index |

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use ed25519_dalek::SigningKey;
use probity_ledger::{CheckpointVerifier, Receipt, SignedCheckpoint};
use probity_service::{api, Client};

use super::Ctx;

/// The roles that sign requests, and their key files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyRole {
    Registrar,
    Official,
    Supervisor,
}

impl KeyRole {
    fn file(self) -> &'static str {
        match self {
            Self::Registrar => "registrar.key",
            Self::Official => "official.key",
            Self::Supervisor => "supervisor.key",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Registrar => "registrar",
            Self::Official => "official",
            Self::Supervisor => "supervisor",
        }
    }
}

impl Ctx {
    /// An unsigned client of the server.
    pub(crate) fn client(&self) -> Client {
        Client::new(&self.server)
    }

    /// A client signing with this machine's key for `role`.
    pub(crate) fn signed_client(&self, role: KeyRole) -> anyhow::Result<Client> {
        Ok(self.client().signed(load_key(self, role)?))
    }

    pub(crate) fn key_path(&self, role: KeyRole) -> PathBuf {
        self.data_dir.join(role.file())
    }
}

/// Writes `bytes` with mode 0600 (Unix), refusing to replace an existing file.
pub(crate) fn write_new_secret(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| {
        format!(
            "cannot create {} (it may already exist: nothing was overwritten)",
            path.display()
        )
    })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Makes the key for `role` in the data folder; refuses if one exists.
pub(crate) fn make_key(ctx: &Ctx, role: KeyRole) -> anyhow::Result<SigningKey> {
    let path = ctx.key_path(role);
    if path.exists() {
        bail!(
            "a {} key already exists at {}: keep using it (a new key would need a new registration)",
            role.name(),
            path.display()
        );
    }
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    write_new_secret(&path, hex::encode(key.to_bytes()).as_bytes())?;
    Ok(key)
}

/// Loads the key for `role` from the data folder.
pub(crate) fn load_key(ctx: &Ctx, role: KeyRole) -> anyhow::Result<SigningKey> {
    let path = ctx.key_path(role);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "no {} key at {}: run `probity {} init` first",
            role.name(),
            path.display(),
            if role == KeyRole::Registrar {
                "admin"
            } else {
                role.name()
            }
        )
    })?;
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .with_context(|| format!("{} is not a key file: it is damaged", path.display()))?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// The log key: pinned in `log.vkey` on first contact, and held against the server's after.
pub(crate) fn log_key(ctx: &Ctx, client: &Client) -> anyhow::Result<CheckpointVerifier> {
    let path = ctx.data_dir.join("log.vkey");
    let info: api::ServiceInfo = client.get("/v1/info")?;
    match std::fs::read_to_string(&path) {
        Ok(pinned) => {
            if pinned.trim() != info.log_key {
                bail!(
                    "the server's log key differs from the one pinned in {}: this is not the log you used before (or it was replaced); do not trust it",
                    path.display()
                );
            }
            Ok(CheckpointVerifier::from_vkey(pinned.trim())?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = CheckpointVerifier::from_vkey(&info.log_key)?;
            std::fs::create_dir_all(&ctx.data_dir)?;
            std::fs::write(&path, format!("{}\n", info.log_key))?;
            eprintln!(
                "Pinned the log key of {} in {} (compare it with the key the operator publishes).",
                info.origin,
                path.display()
            );
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Checks receipts against the pinned log key and keeps them in `receipts/`. Also moves the
/// accepted checkpoint forward, with a consistency proof from the last one.
pub(crate) fn keep_receipts(
    ctx: &Ctx,
    client: &Client,
    receipts: &[Receipt],
) -> anyhow::Result<()> {
    let log = log_key(ctx, client)?;
    let dir = ctx.data_dir.join("receipts");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for r in receipts {
        let (_, cp) = r
            .verify(&log)
            .context("the service handed out a receipt that does not verify: the write is NOT proved to be on the log")?;
        let index = r.proof.index;
        let path = dir.join(format!("{index:012}.json"));
        std::fs::write(&path, serde_json::to_vec_pretty(r)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        advance_checkpoint(ctx, client, &log, &cp)?;
    }
    Ok(())
}

/// Accepts `new` if it is consistent with the checkpoint this machine accepted before;
/// returns the old size.
pub(crate) fn advance_checkpoint(
    ctx: &Ctx,
    client: &Client,
    log: &CheckpointVerifier,
    new: &SignedCheckpoint,
) -> anyhow::Result<u64> {
    let path = ctx.data_dir.join("checkpoint");
    let old = match std::fs::read(&path) {
        Ok(bytes) => Some(SignedCheckpoint::verify(&bytes, log).with_context(|| {
            format!("{} does not verify with the pinned log key", path.display())
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let old_size = old.as_ref().map_or(0, SignedCheckpoint::size);
    if let Some(old) = &old {
        if new.size() < old.size() {
            return Ok(old_size); // an older checkpoint: keep the newer one
        }
        if old.size() > 0 {
            let proof: probity_ledger::ConsistencyProof = client.get(&format!(
                "/v1/log/consistency?old={}&new={}",
                old.size(),
                new.size()
            ))?;
            proof.verify(old.root(), new.root()).context(
                "the log is NOT consistent with the checkpoint this machine saw before: it was rewritten or forked; keep both checkpoints as evidence",
            )?;
        }
    }
    probity_params::write_atomic(&path, new.to_bytes())?;
    Ok(old_size)
}
