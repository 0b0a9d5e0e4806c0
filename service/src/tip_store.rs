//! Where accepted tips wait for the ledger: the pool's files ([`PoolDir`]) and the tags of
//! accepted tips ([`Reservations`]). Storage only: when and how a pool is logged is
//! [`crate::tip_pool`]'s.

use crate::error::ApiError;

/// The pool on disk: one file per tip, `DATA/tip-pool/<receipt hash>.json` (mode 0600), each
/// written and flushed (with its folder) before the tip is acknowledged, and deleted once the
/// tip's entry is durable on the ledger.
///
/// Files, not records in the service's database: sled writes every record into one
/// append-structured log, where a removed record stays readable, in arrival order, until
/// its space is reused, and beside whatever else was written then (enrollments). A deleted
/// file leaves nothing in a copy of the data folder, and the files of a pool are ordered
/// against nothing else. While a tip waits, its file's times show when it arrived (the
/// modification time is set back to the start of the pool's window; the change time cannot
/// be); see the README's threat model.
pub(crate) struct PoolDir {
    dir: std::path::PathBuf,
}

impl PoolDir {
    /// The pool folder, made if missing; clears temporary files a crash left (never
    /// acknowledged, so never pooled).
    pub(crate) fn open(dir: std::path::PathBuf) -> Result<Self, String> {
        let err = |e: std::io::Error| format!("cannot open the tip pool in {}: {e}", dir.display());
        std::fs::create_dir_all(&dir).map_err(err)?;
        for item in std::fs::read_dir(&dir).map_err(err)? {
            let path = item.map_err(err)?.path();
            if path.extension().is_some_and(|e| e == "tmp") {
                std::fs::remove_file(&path).map_err(err)?;
            }
        }
        Ok(PoolDir { dir })
    }

    fn path(&self, key: &[u8; 32]) -> std::path::PathBuf {
        self.dir.join(format!("{}.json", hex::encode(key)))
    }

    /// Writes a tip's file durably, its modification time set to `mtime`.
    pub(crate) fn put(
        &self,
        key: &[u8; 32],
        bytes: &[u8],
        mtime: std::time::SystemTime,
    ) -> Result<(), String> {
        crate::files::write_secret(&self.path(key), bytes, Some(mtime))
    }

    pub(crate) fn get(&self, key: &[u8; 32]) -> Result<Option<Vec<u8>>, ApiError> {
        match std::fs::read(self.path(key)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ApiError::internal(format!("cannot read the tip pool: {e}"))),
        }
    }

    /// Deletes a tip's file (a missing one is already deleted).
    pub(crate) fn remove(&self, key: &[u8; 32]) -> Result<(), ApiError> {
        match std::fs::remove_file(self.path(key)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ApiError::internal(format!(
                "cannot clear the tip pool: {e}"
            ))),
        }
    }

    /// Every pooled tip's file content.
    pub(crate) fn all(&self) -> Result<Vec<Vec<u8>>, ApiError> {
        let err = |e: std::io::Error| ApiError::internal(format!("cannot read the tip pool: {e}"));
        let mut tips = Vec::new();
        for item in std::fs::read_dir(&self.dir).map_err(err)? {
            let path = item.map_err(err)?.path();
            if path.extension().is_some_and(|e| e == "json") {
                tips.push(std::fs::read(&path).map_err(err)?);
            }
        }
        Ok(tips)
    }
}

/// Tags reserved by accepted tips, in memory only: a reservation written to disk as it is
/// made would record the order in which tips arrived, and with it undo the pool's shuffle.
/// Rebuilt at start from the ledger and the pool, which hold every acknowledged tip's tag.
#[derive(Default)]
pub(crate) struct Reservations(std::sync::Mutex<std::collections::HashSet<[u8; 40]>>);

impl Reservations {
    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<[u8; 40]>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reserves a tag in an epoch; false if it is already reserved (one tip per tag).
    pub(crate) fn reserve(&self, epoch: u64, tag: &[u8; 32]) -> bool {
        self.lock().insert(tag_key(epoch, tag))
    }

    /// Frees a reservation whose tip was not acknowledged.
    pub(crate) fn release(&self, epoch: u64, tag: &[u8; 32]) {
        self.lock().remove(&tag_key(epoch, tag));
    }

    /// Forgets the reservations of epochs before `epoch`: tips are only taken for the current
    /// epoch, so those cannot be asked about again once `epoch` is past the one a tip in
    /// flight was checked in.
    pub(crate) fn forget_before(&self, epoch: u64) {
        self.lock().retain(|k| k[..8] >= epoch.to_be_bytes()[..]);
    }

    /// Replaces every reservation with `tags`.
    pub(crate) fn reset(&self, tags: impl IntoIterator<Item = [u8; 40]>) {
        let mut set = self.lock();
        set.clear();
        set.extend(tags);
    }
}

/// A tag reservation ([`Reservations`]): epoch (big-endian) ‖ tag.
pub(crate) fn tag_key(epoch: u64, tag: &[u8; 32]) -> [u8; 40] {
    let mut k = [0u8; 40];
    k[..8].copy_from_slice(&epoch.to_be_bytes());
    k[8..].copy_from_slice(tag);
    k
}
