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
//!
//! # Trust
//!
//! What the service says is checked, not believed: checkpoints against the pinned log key,
//! each new checkpoint against the last one accepted (a consistency proof), entries against
//! the signed root (an inclusion proof, or the whole tree recomputed). A failure of any of
//! these is an [`Untrusted`] error, which the commands whose exit code reports verification
//! (`supervisor verify`, `supervisor audit`) turn into exit code 1.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use ed25519_dalek::SigningKey;
use probity_core::Period;
use probity_ledger::{
    leaf_hash, CheckpointVerifier, Entry, InclusionProof, MemoryTree, Receipt, SignedCheckpoint,
};
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

/// Creates the secret file `path` (mode 0600 on Unix), durably, refusing to replace an
/// existing file. The file appears complete or not at all, so a crash never leaves a partial
/// secret that would block a retry.
pub(crate) fn write_new_secret(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    probity_params::create_secret(path, bytes).with_context(|| {
        format!(
            "cannot create {} (it may already exist: nothing was overwritten)",
            path.display()
        )
    })
}

/// Refuses if the data folder already holds a key for `role`, naming its public key (what
/// `init` printed the first time).
pub(crate) fn refuse_existing_key(ctx: &Ctx, role: KeyRole) -> anyhow::Result<()> {
    let path = ctx.key_path(role);
    if path.exists() {
        let public = load_key(ctx, role)
            .map(|k| {
                format!(
                    " (public key {})",
                    hex::encode(k.verifying_key().as_bytes())
                )
            })
            .unwrap_or_default();
        bail!(
            "a {} key already exists at {}{public}: keep using it (a new key would need a new registration)",
            role.name(),
            path.display()
        );
    }
    Ok(())
}

/// Makes the key for `role` in the data folder; refuses if one exists.
pub(crate) fn make_key(ctx: &Ctx, role: KeyRole) -> anyhow::Result<SigningKey> {
    refuse_existing_key(ctx, role)?;
    let path = ctx.key_path(role);
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
                return Err(Untrusted(format!(
                    "the server's log key differs from the one pinned in {}: this is not the log you used before (or it was replaced); do not trust it",
                    path.display()
                ))
                .into());
            }
            Ok(CheckpointVerifier::from_vkey(pinned.trim())?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = CheckpointVerifier::from_vkey(&info.log_key)?;
            std::fs::create_dir_all(&ctx.data_dir)?;
            probity_params::write_atomic(
                &path,
                format!(
                    "{}
",
                    info.log_key
                )
                .as_bytes(),
            )?;
            eoutln!(
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
        probity_params::write_atomic(&path, &serde_json::to_vec_pretty(r)?)?;
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
        Ok(bytes) => Some(SignedCheckpoint::verify(&bytes, log).map_err(|e| {
            Untrusted(format!(
                "{} does not verify with the pinned log key ({e}): it was damaged or replaced",
                path.display()
            ))
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
            proof.verify(old.root(), new.root()).map_err(|e| {
                Untrusted(format!(
                    "the log is NOT consistent with the checkpoint this machine saw before ({e}): it was rewritten or forked; keep both checkpoints ({} and the service's) as evidence",
                    path.display()
                ))
            })?;
        }
    }
    probity_params::write_atomic(&path, new.to_bytes())?;
    Ok(old_size)
}

/// The service served something that does not check out against the pinned log key or the
/// checkpoints this machine accepted before. The message says what, and what to do.
#[derive(Debug)]
pub(crate) struct Untrusted(pub(crate) String);

impl std::fmt::Display for Untrusted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Untrusted {}

/// Whether `e` is, or was caused by, an [`Untrusted`] answer.
pub(crate) fn is_untrusted(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<Untrusted>())
}

/// Most entries one `/v1/log/entries` request returns.
const ENTRIES_PAGE: u64 = 1000;

/// The log's latest checkpoint: verified with the pinned log key, and accepted (kept in
/// `checkpoint`) only if it is consistent with the last one this machine accepted.
pub(crate) fn latest_checkpoint(
    ctx: &Ctx,
    client: &Client,
    log: &CheckpointVerifier,
) -> anyhow::Result<SignedCheckpoint> {
    let note = client
        .get_bytes("/v1/log/checkpoint")
        .context("cannot read the log's checkpoint")?;
    let checkpoint = SignedCheckpoint::verify(&note, log).map_err(|e| {
        Untrusted(format!(
            "the service's checkpoint does not verify with the pinned log key: {e}"
        ))
    })?;
    advance_checkpoint(ctx, client, log, &checkpoint)?;
    Ok(checkpoint)
}

/// Every entry of the tree `checkpoint` signs, canonical JSON each, in log order. The leaf
/// hashes of what the service served must rebuild the signed root: that proves every entry's
/// inclusion at once, and that none is missing or extra.
pub(crate) fn entries_under(
    client: &Client,
    checkpoint: &SignedCheckpoint,
) -> anyhow::Result<Vec<Vec<u8>>> {
    let size = checkpoint.size();
    let mut entries = Vec::new();
    let mut tree = MemoryTree::new();
    let mut start = 0;
    while start < size {
        let end = (start + ENTRIES_PAGE).min(size);
        let page: api::EntriesPage = client
            .get(&format!("/v1/log/entries?start={start}&end={end}"))
            .with_context(|| format!("cannot read log entries {start}..{end}"))?;
        if page.start != start || page.entries.len() as u64 != end - start {
            return Err(Untrusted(format!(
                "the service answered entries {start}..{end} with another range: the log cannot be read reliably"
            ))
            .into());
        }
        for entry in page.entries {
            tree.push(leaf_hash(entry.as_bytes()));
            entries.push(entry.into_bytes());
        }
        start = end;
    }
    if size > 0 && tree.root(size)? != checkpoint.root() {
        return Err(Untrusted(format!(
            "the {size} entries the service served do not hash to the root of its signed checkpoint: it serves a log other than the one it signed"
        ))
        .into());
    }
    Ok(entries)
}

/// The entry at `index`, with its inclusion proof against `checkpoint` checked.
pub(crate) fn proved_entry(
    client: &Client,
    checkpoint: &SignedCheckpoint,
    index: u64,
) -> anyhow::Result<Entry> {
    let size = checkpoint.size();
    let page: api::EntriesPage = client
        .get(&format!("/v1/log/entries?start={index}&end={}", index + 1))
        .with_context(|| format!("cannot read log entry {index}"))?;
    let bytes = page
        .entries
        .into_iter()
        .next()
        .filter(|_| page.start == index)
        .ok_or_else(|| Untrusted(format!("the service did not serve log entry {index}")))?;
    let proof: InclusionProof = client
        .get(&format!("/v1/log/inclusion?index={index}&size={size}"))
        .with_context(|| format!("cannot read the inclusion proof of entry {index}"))?;
    if proof.index != index || proof.tree_size != size {
        return Err(Untrusted(format!(
            "the service answered with an inclusion proof for another entry than {index}"
        ))
        .into());
    }
    proof
        .verify(leaf_hash(bytes.as_bytes()), checkpoint.root())
        .map_err(|e| {
            Untrusted(format!(
                "entry {index} as served is not in the signed log ({e}): do not trust it"
            ))
        })?;
    Entry::from_canonical_json(bytes.as_bytes())
        .map_err(|e| Untrusted(format!("entry {index} is not a valid ledger entry: {e}")).into())
}

/// Parses a period argument: a year (`2026`) or a month (`202606`).
pub(crate) fn parse_period(s: &str) -> Result<Period, String> {
    let n: u32 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a period: use a year (2026) or a month (202606)"))?;
    Period::new(n)
}

/// Parses a deadline: `YYYY-MM-DD` is the end of that day in UTC (its last millisecond);
/// an RFC 3339 time (`2026-06-30T17:00:00+08:00`, `…Z`) is that instant. Milliseconds since
/// the Unix epoch.
pub(crate) fn parse_deadline(s: &str) -> Result<u64, String> {
    let bad = || {
        format!("`{s}` is not a date: use YYYY-MM-DD (the end of that day, UTC) or an RFC 3339 time such as 2026-06-30T17:00:00+08:00")
    };
    let s = s.trim();
    let date = s.get(..10).ok_or_else(bad)?;
    let days = civil_days(date).ok_or_else(bad)?;
    let rest = &s[10..];
    if rest.is_empty() {
        let next_day_ms = (days + 1).checked_mul(86_400_000).ok_or_else(bad)?;
        return u64::try_from(next_day_ms - 1).map_err(|_| bad());
    }
    let rest = rest.strip_prefix(['T', 't', ' ']).ok_or_else(bad)?;
    let num = |t: &str| -> Option<i64> {
        (t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (h, m, sec) = (
        num(rest.get(0..2).ok_or_else(bad)?).ok_or_else(bad)?,
        num(rest.get(3..5).ok_or_else(bad)?).ok_or_else(bad)?,
        num(rest.get(6..8).ok_or_else(bad)?).ok_or_else(bad)?,
    );
    if rest.get(2..3) != Some(":") || rest.get(5..6) != Some(":") || h > 23 || m > 59 || sec > 60 {
        return Err(bad());
    }
    let mut tail = &rest[8..];
    let mut millis = 0i64;
    if let Some(frac) = tail.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let ms: String = frac[..digits]
            .chars()
            .chain("000".chars())
            .take(3)
            .collect();
        millis = ms.parse().map_err(|_| bad())?;
        tail = &frac[digits..];
    }
    let offset_min = match tail {
        "Z" | "z" => 0,
        _ if tail.len() == 6 && tail.get(3..4) == Some(":") => {
            let sign = match tail.get(0..1) {
                Some("+") => 1,
                Some("-") => -1,
                _ => return Err(bad()),
            };
            let (oh, om) = (
                num(&tail[1..3]).ok_or_else(bad)?,
                num(&tail[4..6]).ok_or_else(bad)?,
            );
            if oh > 23 || om > 59 {
                return Err(bad());
            }
            sign * (oh * 60 + om)
        }
        _ => return Err(bad()),
    };
    let secs = days * 86_400 + h * 3600 + m * 60 + sec - offset_min * 60;
    u64::try_from(secs * 1000 + millis).map_err(|_| bad())
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date, if it is one.
fn civil_days(date: &str) -> Option<i64> {
    probity_core::parse_date(date)
}

/// A time in ms since the epoch, as `YYYY-MM-DD HH:MM UTC`.
pub(crate) fn format_ms(ms: u64) -> String {
    probity_core::format_utc(ms / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_parse_as_the_end_of_a_day_or_an_instant() {
        // 2026-03-01 00:00 UTC is 1_772_323_200 s.
        assert_eq!(parse_deadline("2026-02-28"), Ok(1_772_323_200_000 - 1));
        assert_eq!(
            parse_deadline("2026-03-01T00:00:00Z"),
            Ok(1_772_323_200_000)
        );
        assert_eq!(
            parse_deadline("2026-03-01T08:00:00.5+08:00"),
            Ok(1_772_323_200_500)
        );
        assert_eq!(parse_deadline("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_deadline("2024-02-29"), Ok(1_709_251_199_999));
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "tomorrow",
            "2026-03-01T25:00:00Z",
            "2026-03-01T00:00:00",
            "2026-03-01T00:00:00+0800",
            "1969-12-31T00:00:00Z",
        ] {
            assert!(parse_deadline(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn periods_are_years_or_months() {
        assert_eq!(parse_period("2026").map(Period::get), Ok(2026));
        assert_eq!(parse_period("202606").map(Period::get), Ok(202_606));
        assert!(parse_period("202613").is_err());
        assert!(parse_period("last year").is_err());
    }
}
