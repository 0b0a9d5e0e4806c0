//! Reading tips: each sealed tip the service serves is held against its `TipReceived` entry
//! (inclusion proved under a checkpoint verified with the pinned log key: the digest of the
//! sealed bytes and the epoch must be the logged ones) before it is opened with the
//! supervisors' tip secret key. A tip that does not check out or open is reported with why,
//! and the others are still read.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use probity_credentials::{Epoch, SealedTip, Subject, TipBody, TipContext, TipSecretKey};
use probity_ledger::{EntryBody, SignedCheckpoint};

use super::{Supervisor, SupervisorError};
use crate::{api, Connection, ConnectionError, NewlyPinned, Untrusted};

/// Why one tip was not read. The service's copy not matching the log is untrusted
/// ([`TipError::is_untrusted`]); a tip that does not open with the key given is not.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TipError {
    /// The sealed tip is not base64.
    #[error("the sealed tip is not base64")]
    NotBase64(#[source] base64::DecodeError),
    /// The sealed tip does not decode.
    #[error("the sealed tip is malformed")]
    Malformed(#[source] probity_credentials::DecodeError),
    /// Its entry cannot be read or proved on the log, or is another tip's.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// The subject the service names is not an official's id.
    #[error("the tip's subject is not a valid id")]
    Subject(#[source] probity_credentials::FieldError),
    /// The tip does not open with this key.
    #[error("it does not open with this tip key (a wrong key, or a tip sealed for another subject or epoch)")]
    Open(#[source] probity_credentials::OpenError),
}

impl TipError {
    /// Whether the service served a tip, or an entry, that does not check out.
    pub fn is_untrusted(&self) -> bool {
        matches!(self, Self::Connection(e) if e.is_untrusted())
    }
}

/// A tip, opened: its text and attachments. `Debug` shows sizes only (`TipBody`'s).
#[derive(Clone, Debug)]
pub struct OpenedTip {
    /// What the whistleblower sent.
    pub body: TipBody,
}

impl OpenedTip {
    /// Saves the tip's attachments under `dir/tip-ENTRY/` (made when there is one), each
    /// under its own file name, or `attachment-N` when that name could leave the folder or
    /// hide the file; the paths written.
    pub fn save_attachments(
        &self,
        dir: &Path,
        entry: u64,
    ) -> Result<Vec<PathBuf>, SupervisorError> {
        let dir = dir.join(format!("tip-{entry}"));
        let mut saved = Vec::new();
        for (n, a) in self.body.attachments().iter().enumerate() {
            std::fs::create_dir_all(&dir).map_err(|source| SupervisorError::CreateDir {
                path: dir.clone(),
                source,
            })?;
            let path = dir.join(safe_name(a.name(), n + 1));
            std::fs::write(&path, a.data()).map_err(|source| SupervisorError::WriteFile {
                path: path.clone(),
                source,
            })?;
            saved.push(path);
        }
        Ok(saved)
    }
}

/// A file name for an attachment that stays inside its folder.
fn safe_name(name: &str, n: usize) -> String {
    match Path::new(name).file_name().and_then(|s| s.to_str()) {
        Some(s) if !s.starts_with('.') && !s.is_empty() => s.to_owned(),
        _ => format!("attachment-{n}"),
    }
}

/// One tip as the service served it, and what came of checking and opening it.
#[derive(Debug)]
pub struct ReadTip {
    /// The service's view: entry, subject, epoch, status, replies (and the sealed bytes).
    pub view: api::SealedTipView,
    /// The tip, or why it was not read.
    pub opened: Result<OpenedTip, TipError>,
}

/// Every tip the service holds, each checked against the log and opened.
#[derive(Debug)]
pub struct Tips {
    /// The tips, as the service lists them.
    pub tips: Vec<ReadTip>,
    /// Set when this operation pinned the log key (first contact).
    pub newly_pinned: Option<NewlyPinned>,
}

impl Tips {
    /// How many tips were not read.
    pub fn unread(&self) -> usize {
        self.tips.iter().filter(|t| t.opened.is_err()).count()
    }
}

/// Reads the supervisors' tip secret key file (hex).
pub fn read_tip_key(path: &Path) -> Result<TipSecretKey, SupervisorError> {
    let text = std::fs::read_to_string(path).map_err(|source| SupervisorError::NoTipKey {
        path: path.to_owned(),
        source,
    })?;
    hex::decode(text.trim())
        .ok()
        .and_then(|b| TipSecretKey::from_bytes(&b).ok())
        .ok_or_else(|| SupervisorError::NotATipKey {
            path: path.to_owned(),
        })
}

impl Supervisor {
    /// Fetches the sealed tips, checks each against its `TipReceived` entry under the log's
    /// latest checkpoint, and opens it with `secret`.
    pub fn tips(&self, secret: &TipSecretKey) -> Result<Tips, SupervisorError> {
        let log = self.conn.log_key()?;
        let views: Vec<api::SealedTipView> =
            self.get("/v1/supervisor/tips", "cannot read the tips")?;
        let checkpoint = self.conn.latest_checkpoint(&log.key)?;
        let tips = views
            .into_iter()
            .map(|view| ReadTip {
                opened: open_tip(&self.conn, &checkpoint, secret, &view),
                view,
            })
            .collect();
        Ok(Tips {
            tips,
            newly_pinned: log.newly_pinned,
        })
    }
}

/// Checks a sealed tip against its `TipReceived` entry (inclusion proved against
/// `checkpoint`), then opens it.
fn open_tip(
    conn: &Connection,
    checkpoint: &SignedCheckpoint,
    secret: &TipSecretKey,
    view: &api::SealedTipView,
) -> Result<OpenedTip, TipError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&view.sealed)
        .map_err(TipError::NotBase64)?;
    let sealed = SealedTip::from_bytes(&bytes).map_err(TipError::Malformed)?;
    let entry = conn.proved_entry(checkpoint, view.entry)?;
    match entry.body {
        EntryBody::TipReceived(t)
            if t.sealed_tip_sha256.0 == sealed.digest().0 && t.epoch == view.epoch => {}
        _ => {
            return Err(ConnectionError::from(Untrusted(format!(
                "the sealed tip served is not the one logged at entry {}: it was altered or substituted",
                view.entry
            )))
            .into())
        }
    }
    let subject = Subject::new(&view.subject).map_err(TipError::Subject)?;
    let body = probity_credentials::open(
        secret,
        &TipContext::new(subject, Epoch(view.epoch)),
        &sealed,
    )
    .map_err(TipError::Open)?;
    Ok(OpenedTip { body })
}
