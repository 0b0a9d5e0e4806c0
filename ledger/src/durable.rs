//! Durability: what it means for a write to be on disk, and the one barrier that makes it so.
//!
//! # What "durable" means
//!
//! A write is durable once a barrier that the kernel and the disk honour has returned for it:
//! `fdatasync(2)` of every file holding its bytes, and `fsync(2)` of every folder in which a
//! file was created since the last barrier. On Linux, `fdatasync` writes the file's dirty
//! pages, commits the metadata needed to read them back (the file's size and its extents),
//! and flushes the disk's volatile write cache; the folder's `fsync` commits its entries, so
//! that a new file is found again after a crash. After such a barrier a power cut, a kernel
//! panic or a reset virtual machine loses nothing. Handing bytes to the kernel (`pwrite`) only
//! survives the death of the process (`kill -9`), because the page cache outlives it.
//!
//! # Why sled's `flush` is not a barrier
//!
//! sled 0.34's [`sled::Tree::flush`] writes its buffers with `pwrite` and then, on Linux, calls
//! `sync_file_range(WAIT_BEFORE | WRITE | WAIT_AFTER)` on the range written. That waits for
//! the pages to reach the device but commits neither the file's new size or extents nor the
//! disk's write cache: under simulated power loss, 372 of 11,595 acknowledged writes were lost,
//! always the last few hundred milliseconds before the crash. sled calls `fsync` only from its
//! background flusher, every 500 ms; it never syncs its blob files or its `conf` file, and
//! never the folder after it creates or renames a file.
//!
//! # The barrier
//!
//! Probity, not sled, decides when a write is on disk: every write the service acknowledges
//! is covered by [`DurableDb::flush`] before the response. It runs, in this order:
//!
//! 1. sled's `flush`, so that everything written so far is in the files;
//! 2. `fdatasync` of each file in `blobs/` not synced by an earlier barrier, then `fsync` of
//!    `blobs/` if its list of files changed (a record in `db` may point to a blob, so blobs go
//!    first);
//! 3. `fdatasync` of `db`;
//! 4. if the database folder's list of files changed (sled's snapshots, written next to `db`
//!    and renamed into place), `fdatasync` of each new file and `fsync` of the folder.
//!
//! Opening a [`DurableDb`] runs `fsync` once on every file and folder of the database and on
//! the folder holding it, so that a freshly created database (and its `conf`) is durable too.
//!
//! One barrier covers every write made before it started, from any thread: callers group their
//! writes and share one barrier (the service's writer appends a whole batch of requests with
//! one; its handlers' own writes share one flush at a time).
//!
//! # Why sled with a barrier, and not a log file of our own
//!
//! The alternative was an append-only segment file as the ledger's system of record, with
//! sled rebuilt from it. Both need one `fdatasync` per group commit, which is what costs: the
//! barrier adds one `fdatasync` (and a folder listing, a few microseconds) to each group of
//! writes, which sled's batching already amortises. Keeping sled keeps one store and one
//! recovery path for the ledger and the service's other data (enrollment codes, tip tags, the
//! tip pool, nonces), which must be exactly as durable as the ledger. The price is that the
//! barrier relies on sled's file layout: a database folder holding `conf`, `db` (the only file
//! sled writes in place), `blobs/` (one file per large value, written once) and `snap.*`
//! snapshots. The test `sled_layout_is_the_one_the_barrier_syncs` pins that layout and fails if
//! a sled upgrade changes it.
//!
//! Measured on a 2-core machine, release profile, without and with the barrier
//! (`cargo bench -p probity-ledger -- append`): one entry per barrier went from 203 µs to
//! 337 µs (4,900 to 3,000 appends/s); in batches of 100 and 1,000 the barrier vanishes in the
//! hashing and signing (38,600 and 28,600 appends/s before, 44,200 and 38,000 after, within
//! the runs' noise). The service under load (`cargo bench --bench service_load`) filed
//! 1,204–1,345 amendments/s before and 1,250–1,271/s after, p99 80–92 ms both ways, because
//! its writer already groups a batch of requests under one flush. A segment file of our own
//! would pay the same `fdatasync` per group and could not be faster by more than that noise.
//!
//! # After a crash
//!
//! sled recovers `db` by replaying its log up to the last record whose checksum holds. So a
//! file cut short (its tail lost, as a power cut loses writes no barrier covered) opens as a
//! consistent prefix of what was written: the ledger's entries, hashes, size and checkpoint
//! are one batch, in one record, so the log that comes back was whole on disk at some moment,
//! and every barrier that returned lies inside it. The service then starts on that prefix
//! rather than refusing: it cannot tell a lost tail from a log that never had one, and
//! refusing would leave the log unavailable over writes that nobody was told were made. What
//! it must never do is lose an acknowledged write, because a client holding that write's
//! checkpoint would then see a shorter log, a fork: the barrier is what rules that out.
//! `tests/service_durability.rs` cuts a stopped service's `db` and checks the restart.

use std::{
    collections::BTreeSet,
    fs::File,
    io,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, PoisonError},
};

use crate::store::StoreError;

/// sled's log-structured file, the only one it writes in place.
const DB: &str = "db";
/// sled's folder of large values, one file per value, each written once.
const BLOBS: &str = "blobs";

/// A sled database whose [`flush`](DurableDb::flush) is a durability barrier (see the
/// [module docs](self)). Cloning shares the database and its barrier.
#[derive(Clone, Debug)]
pub struct DurableDb {
    db: sled::Db,
    barrier: Arc<Barrier>,
}

#[derive(Debug)]
struct Barrier {
    /// The database folder.
    dir: PathBuf,
    /// `db`, opened read-only: `fdatasync` through any descriptor flushes the file.
    db_file: File,
    /// What earlier barriers made durable.
    synced: Mutex<Synced>,
}

#[derive(Debug, Default)]
struct Synced {
    /// The entries of the database folder at the last barrier.
    top: BTreeSet<String>,
    /// The entries of `blobs/` at the last barrier, each synced.
    blobs: BTreeSet<String>,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// The names in `dir`.
fn names(dir: &Path) -> io::Result<BTreeSet<String>> {
    std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect()
}

/// `fsync` of a folder. A no-op where folders cannot be opened (not Unix).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

impl DurableDb {
    /// Opens (or creates) the sled database in the folder `path`, and makes what is already
    /// there durable (a database just created, with its folder).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let dir = path.as_ref().to_path_buf();
        let db = sled::Config::new().path(&dir).open().map_err(backend)?;
        let db_file = File::open(dir.join(DB)).map_err(backend)?;
        let barrier = Barrier {
            dir,
            db_file,
            synced: Mutex::default(),
        };
        barrier.sync_all(&db).map_err(backend)?;
        Ok(Self {
            db,
            barrier: Arc::new(barrier),
        })
    }

    /// The database, to read and write. Its writes are durable once [`Self::flush`] returns.
    pub fn sled(&self) -> &sled::Db {
        &self.db
    }

    /// The barrier: when it returns `Ok`, every write made to the database before the call
    /// is durable (see the [module docs](self)).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.barrier.sync(&self.db).map_err(backend)
    }
}

impl Barrier {
    fn synced(&self) -> std::sync::MutexGuard<'_, Synced> {
        // The sets only ever name what was synced; a panic mid-barrier leaves them valid.
        self.synced.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Everything once, when the database is opened: every file, the folders, and the folder
    /// holding the database (which may just have been created in it).
    fn sync_all(&self, db: &sled::Db) -> io::Result<()> {
        db.flush()?;
        let mut synced = self.synced();
        let blobs_dir = self.dir.join(BLOBS);
        let blobs = names(&blobs_dir)?;
        for name in &blobs {
            File::open(blobs_dir.join(name))?.sync_data()?;
        }
        sync_dir(&blobs_dir)?;
        let top = names(&self.dir)?;
        for name in &top {
            let path = self.dir.join(name);
            if path.is_file() {
                File::open(path)?.sync_all()?;
            }
        }
        sync_dir(&self.dir)?;
        match self.dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => sync_dir(p)?,
            _ => sync_dir(Path::new("."))?,
        }
        *synced = Synced { top, blobs };
        Ok(())
    }

    /// The barrier of [`DurableDb::flush`], steps 1 to 4 of the module docs.
    fn sync(&self, db: &sled::Db) -> io::Result<()> {
        db.flush()?;
        // One barrier at a time: the sets must describe what was synced.
        let mut synced = self.synced();
        let blobs_dir = self.dir.join(BLOBS);
        let blobs = names(&blobs_dir)?;
        if blobs != synced.blobs {
            for name in blobs.difference(&synced.blobs) {
                match File::open(blobs_dir.join(name)) {
                    Ok(f) => f.sync_data()?,
                    // Removed by sled since it was listed: nothing points to it any more.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
            sync_dir(&blobs_dir)?;
            synced.blobs = blobs;
        }
        self.db_file.sync_data()?;
        let top = names(&self.dir)?;
        if top != synced.top {
            // A new file next to `db` (a snapshot sled renamed into place) is synced once,
            // whatever sled did, then its name.
            for name in top.difference(&synced.top) {
                let path = self.dir.join(name);
                if path.is_file() {
                    match File::open(path) {
                        Ok(f) => f.sync_data()?,
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            sync_dir(&self.dir)?;
            synced.top = top;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// sled's configuration, written once when the database is made (synced on open).
    const CONF: &str = "conf";
    /// The prefix of sled's snapshot files (synced once, when they appear).
    const SNAPSHOT_PREFIX: &str = "snap.";

    /// Every entry of a sled folder, files under `blobs/` as `blobs/<name>`.
    fn layout(dir: &Path) -> Vec<String> {
        let mut all = Vec::new();
        for name in names(dir).expect("lists") {
            if name == BLOBS {
                all.push(format!("{BLOBS}/"));
                for blob in names(&dir.join(BLOBS)).expect("lists blobs") {
                    all.push(format!("{BLOBS}/<blob>"));
                    assert!(
                        blob.parse::<u64>().is_ok(),
                        "a blob is named by its log sequence number, not {blob:?}"
                    );
                }
            } else {
                all.push(name);
            }
        }
        all
    }

    /// The barrier syncs `db` in place, each new file in `blobs/` once, and the folders when
    /// their entries change. If a sled upgrade writes its data anywhere else, this fails, and
    /// the barrier must learn the new layout before the upgrade goes in.
    #[test]
    fn sled_layout_is_the_one_the_barrier_syncs() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("db");
        let db = DurableDb::open(&dir).expect("opens");
        assert_eq!(layout(&dir), ["blobs/", CONF, DB]);

        // Small values go into `db`, which grows in place; nothing else appears.
        let before = std::fs::metadata(dir.join(DB)).expect("db").len();
        let tree = db.sled().open_tree("t").expect("tree");
        for i in 0u32..2_000 {
            tree.insert(i.to_be_bytes(), vec![7u8; 100])
                .expect("insert");
        }
        db.flush().expect("barrier");
        assert!(std::fs::metadata(dir.join(DB)).expect("db").len() > before);
        assert_eq!(layout(&dir), ["blobs/", CONF, DB]);

        // A value over a quarter of sled's 512 KiB segment goes into a file of its own.
        tree.insert(b"big", vec![9u8; 200 * 1024]).expect("insert");
        db.flush().expect("barrier");
        assert_eq!(layout(&dir), ["blobs/", "blobs/<blob>", CONF, DB]);
        assert!(
            db.barrier.synced().blobs.len() == 1,
            "the barrier synced the new blob"
        );
        drop(tree);
        drop(db);
        let db = DurableDb::open(&dir).expect("reopens");
        let tree = db.sled().open_tree("t").expect("tree");
        assert_eq!(tree.len(), 2_001);
        assert_eq!(
            tree.get(b"big").expect("reads").map(|v| v.len()),
            Some(200 * 1024)
        );
        assert!(
            layout(&dir).iter().all(
                |n| [CONF, DB, "blobs/", "blobs/<blob>"].contains(&n.as_str())
                    || n.starts_with(SNAPSHOT_PREFIX)
            ),
            "only files the barrier knows: {:?}",
            layout(&dir)
        );
    }
}
