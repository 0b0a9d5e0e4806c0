//! The proving keys an official needs, from the service, checked against the log.
//!
//! The params manifest is taken from the log's latest `ParamsPublished` entry, read under a
//! checkpoint that verifies with the pinned log key (every entry's inclusion checked), never
//! from the service's word (`GET /v1/params`). A key is downloaded from
//! `GET /v1/params/{file}` into a temporary file of the params folder while it is hashed, and
//! kept (synced, renamed into place, the folder synced) only if its SHA-256 is the one the log
//! published: a corrupted or substituted key is refused and nothing of it is left.

use std::{
    fs::{self, File},
    io::{self, Read as _, Write as _},
    path::{Path, PathBuf},
};

use probity_core::{Capacity, ManifestEntry, ParamsManifest, StatementKind};
use probity_ledger::{CheckpointVerifier, Entry, EntryBody};
use probity_params::{Params, ParamsError, MANIFEST_FILE};
use sha2::{Digest as _, Sha256};

use crate::{ClientError, Connection, ConnectionError, Progress, Task, Untrusted};

/// The bytes read from the network, and hashed and written, at once.
const CHUNK: usize = 256 << 10;

/// The params manifest as the log published it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedParams {
    /// The manifest.
    pub manifest: ParamsManifest,
    /// The index of the `ParamsPublished` entry that holds it (the latest one).
    pub entry: u64,
}

impl PublishedParams {
    /// The manifest's entry for `kind` at `capacity`.
    pub fn key(
        &self,
        kind: StatementKind,
        capacity: Capacity,
    ) -> Result<&ManifestEntry, ParamsFetchError> {
        self.manifest
            .entry(kind, capacity)
            .ok_or(ParamsFetchError::NotPublished {
                statement: kind,
                capacity,
                entry: self.entry,
            })
    }
}

/// Why the proving keys could not be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsFetchError {
    /// Reading the log failed, or what was read does not check out.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// The log publishes no key for this statement and capacity.
    #[error("the params published on the log (entry {entry}) have no key for {statement} at capacity {capacity}: use a capacity the service accepts (GET /v1/info)")]
    NotPublished {
        /// The statement.
        statement: StatementKind,
        /// The capacity.
        capacity: Capacity,
        /// The `ParamsPublished` entry.
        entry: u64,
    },
    /// The service served a key other than the one the log published.
    #[error("the service served a proving key for {statement} at capacity {capacity} whose SHA-256 is not the one published on the log at entry {entry}: it was refused and not kept")]
    Substituted {
        /// The statement.
        statement: StatementKind,
        /// The capacity.
        capacity: Capacity,
        /// The `ParamsPublished` entry.
        entry: u64,
    },
    /// The download failed.
    #[error("cannot download the proving key for {statement} at capacity {capacity}")]
    Download {
        /// The statement.
        statement: StatementKind,
        /// The capacity.
        capacity: Capacity,
        /// Why.
        source: ClientError,
    },
    /// A file of the params folder cannot be read or written.
    #[error("cannot {action} {}", path.display())]
    File {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The params folder cannot be opened once the keys are in it.
    #[error(transparent)]
    Params(#[from] ParamsError),
}

impl ParamsFetchError {
    /// Whether the service served something that does not check out against the log.
    pub fn is_untrusted(&self) -> bool {
        match self {
            Self::Substituted { .. } => true,
            Self::Connection(e) => e.is_untrusted(),
            _ => false,
        }
    }
}

/// The params manifest of the log's latest `ParamsPublished` entry, read under the latest
/// checkpoint (verified with `log` and accepted by `conn`). Reads the whole log: the root of
/// the entries served must be the checkpoint's, so none is hidden.
pub fn published_params(
    conn: &Connection,
    log: &CheckpointVerifier,
) -> Result<PublishedParams, ParamsFetchError> {
    let checkpoint = conn.latest_checkpoint(log)?;
    let entries = conn.entries_under(&checkpoint)?;
    let mut latest = None;
    for (index, bytes) in (0u64..).zip(&entries) {
        let entry = Entry::from_canonical_json(bytes).map_err(|e| {
            ConnectionError::from(Untrusted(format!(
                "entry {index} is not a valid ledger entry: {e}"
            )))
        })?;
        if let EntryBody::ParamsPublished(p) = entry.body {
            latest = Some(PublishedParams {
                manifest: p.manifest,
                entry: index,
            });
        }
    }
    latest.ok_or_else(|| {
        ConnectionError::from(Untrusted(
            "the log holds no ParamsPublished entry: the service's proving keys are not published, so none can be checked".to_owned(),
        ))
        .into()
    })
}

/// Makes `dir` hold the keys for `needs`, as `published` lists them, and opens it: a key
/// already there whose SHA-256 is the published one is kept, any other is downloaded from
/// the service, checked, and put in place. The folder's manifest becomes the published one.
/// `progress` sees each download.
pub fn ensure_keys(
    conn: &Connection,
    published: &PublishedParams,
    dir: &Path,
    needs: &[(StatementKind, Capacity)],
    progress: &dyn Progress,
) -> Result<Params, ParamsFetchError> {
    fs::create_dir_all(dir).map_err(file_error("create", dir))?;
    for &(kind, capacity) in needs {
        let key = published.key(kind, capacity)?;
        let path = key_path(dir, key)?;
        if sha256_of(&path)?.as_deref() == Some(key.proving_key_sha256.as_str()) {
            continue;
        }
        download(conn, published, key, &path, progress)?;
    }
    let manifest = dir.join(MANIFEST_FILE);
    let current = Params::open(dir).ok();
    if current.as_ref().map(Params::manifest) != Some(&published.manifest) {
        probity_params::write_atomic(&manifest, published.manifest.to_json().as_bytes())?;
    }
    Ok(Params::open(dir)?)
}

/// Where `key`'s file goes in `dir`: its name must be a plain file name.
fn key_path(dir: &Path, key: &ManifestEntry) -> Result<PathBuf, ParamsFetchError> {
    let name = key.proving_key_file.as_str();
    let plain = Path::new(name).file_name().is_some_and(|n| n == name) && !name.starts_with('.');
    if !plain {
        return Err(ConnectionError::from(Untrusted(format!(
            "the params published on the log name the proving-key file `{name}`, which is not a plain file name: refused"
        )))
        .into());
    }
    Ok(dir.join(name))
}

/// The SHA-256 of the file at `path` (hex), or `None` if there is no such file.
fn sha256_of(path: &Path) -> Result<Option<String>, ParamsFetchError> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(file_error("read", path)(e)),
    };
    let mut hasher = Sha256::new();
    let mut buf = vec![0; CHUNK];
    loop {
        let n = file.read(&mut buf).map_err(file_error("read", path))?;
        if n == 0 {
            return Ok(Some(hex::encode(hasher.finalize())));
        }
        hasher.update(&buf[..n]);
    }
}

/// Downloads `key` into a temporary file beside `path` while hashing it, and renames it to
/// `path` only if its SHA-256 is the published one. On any failure the temporary file is
/// removed: nothing of a refused or cut download is kept.
fn download(
    conn: &Connection,
    published: &PublishedParams,
    key: &ManifestEntry,
    path: &Path,
    progress: &dyn Progress,
) -> Result<(), ParamsFetchError> {
    let (statement, capacity) = (key.statement, key.capacity);
    let partial = path.with_file_name(format!(".{}.part", key.proving_key_file));
    let (length, mut body) = conn
        .client()
        .get_large(&format!("/v1/params/{}", key.proving_key_file))
        .map_err(|source| ParamsFetchError::Download {
            statement,
            capacity,
            source,
        })?;
    progress.start(
        Task::DownloadKey {
            statement,
            capacity,
        },
        length,
    );
    let result = (|| {
        let mut out = File::create(&partial).map_err(file_error("create", &partial))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0; CHUNK];
        loop {
            let n = body
                .read(&mut buf)
                .map_err(|e| ParamsFetchError::Download {
                    statement,
                    capacity,
                    source: ClientError::Transport {
                        base: conn.client().base().to_owned(),
                        reason: e.to_string(),
                    },
                })?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(file_error("write", &partial))?;
            progress.advance(n as u64);
        }
        if hex::encode(hasher.finalize()) != key.proving_key_sha256 {
            return Err(ParamsFetchError::Substituted {
                statement,
                capacity,
                entry: published.entry,
            });
        }
        out.sync_all().map_err(file_error("write", &partial))?;
        drop(out);
        fs::rename(&partial, path).map_err(file_error("write", path))?;
        probity_params::sync_parent(path)?;
        Ok(())
    })();
    progress.finish();
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result
}

fn file_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> ParamsFetchError + 'a {
    move |source| ParamsFetchError::File {
        action,
        path: path.to_owned(),
        source,
    }
}
