//! Durable file writes: the one way every Probity program keeps a file it must not lose
//! (keys, wallets' neighbours, receipts, checkpoints, the witness state, tiles).
//!
//! "Durable" means what it means for the service's store (`probity_ledger::durable`): once a
//! function here returns `Ok`, the bytes and the file's name survive a power cut, because the
//! file was synced (`fsync`) before it got its name and the folder was synced after. Before
//! that, a crash leaves either the old state or the new one, never a half-written file under
//! the final name.

use std::{
    fs,
    io::{self, Write as _},
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
    time::SystemTime,
};

/// A temporary name next to `path`, unique within this process and across processes:
/// `.<file name>.<pid>.<counter>.tmp`.
fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

/// The folder holding `path` (`.` for a bare file name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Syncs the folder holding `path` (`fsync`), so that a file created, linked or renamed into
/// it survives a crash. A no-op where folders cannot be opened (not Unix).
pub fn sync_parent(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    fs::File::open(parent_of(path))?.sync_all()?;
    #[cfg(not(unix))]
    let _ = parent_of(path);
    Ok(())
}

/// Who may read a file written here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The umask decides (usually everyone may read): public keys, receipts, checkpoints.
    Default,
    /// The owner only (mode `0600` on Unix, set exactly, whatever the umask): secret keys and
    /// credentials.
    OwnerOnly,
}

/// Writes `data` to the new file `tmp`, with `access` and, if given, modification time
/// `mtime`, and syncs it.
fn write_synced(
    tmp: &Path,
    data: &[u8],
    access: Access,
    mtime: Option<SystemTime>,
) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if access == Access::OwnerOnly {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(tmp)?;
    #[cfg(unix)]
    if access == Access::OwnerOnly {
        // The creation mode is filtered by the umask; set it exactly before the file is named.
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(data)?;
    if let Some(t) = mtime {
        file.set_modified(t)?;
    }
    file.sync_all()
}

/// Replaces `path` with `data` atomically and durably: a temporary file in the same folder,
/// synced, renamed over `path`, then the folder synced. Creates the folder if needed. After
/// a crash `path` holds the old bytes or the new ones; once this returns, the new ones. The
/// temporary file is removed if a step before the rename fails.
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    replace(path, data, Access::Default, None)
}

/// [`write_atomic`] with `access`, and the modification time set to `mtime` if given (so
/// that a file's times need not show when it was written).
pub fn replace(
    path: &Path,
    data: &[u8],
    access: Access,
    mtime: Option<SystemTime>,
) -> io::Result<()> {
    fs::create_dir_all(parent_of(path))?;
    let tmp = temp_path(path);
    let written = write_synced(&tmp, data, access, mtime).and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_parent(path)
}

/// Creates `path` holding `data`, durably, and never over an existing file: the error is
/// [`io::ErrorKind::AlreadyExists`] if `path` exists (a dangling link included). The folder
/// must exist.
///
/// The bytes go to a synced temporary file that is then hard-linked to `path` (the link
/// fails if `path` exists), so `path` appears complete or not at all: a crash or a failed
/// write leaves no partial file that would block a retry.
pub fn create_new(path: &Path, data: &[u8], access: Access) -> io::Result<()> {
    if fs::symlink_metadata(path).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the file already exists",
        ));
    }
    let tmp = temp_path(path);
    let linked = write_synced(&tmp, data, access, None).and_then(|()| fs::hard_link(&tmp, path));
    // The temporary name goes whether or not the link was made.
    let removed = fs::remove_file(&tmp);
    linked?;
    match removed {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    sync_parent(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("lists")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn write_atomic_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub").join("state");
        write_atomic(&path, b"one").expect("first write");
        write_atomic(&path, b"two").expect("second write");
        assert_eq!(fs::read(&path).expect("reads"), b"two");
        assert_eq!(names_in(&dir.path().join("sub")), vec!["state"]);
    }

    #[test]
    fn temporary_names_are_unique_and_in_the_same_folder() {
        let path = Path::new("/some/dir/checkpoint");
        let (a, b) = (temp_path(path), temp_path(path));
        assert_ne!(a, b);
        assert_eq!(a.parent(), path.parent());
        // Not a fixed `with_extension("tmp")` name, which two writers would share.
        assert_ne!(a, path.with_extension("tmp"));
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state");
        write_atomic(&path, b"old").expect("writes");
        // A folder where the file should be: the rename fails, the temporary file is removed.
        let blocked = dir.path().join("blocked");
        fs::create_dir_all(blocked.join("inner")).expect("mkdir");
        assert!(write_atomic(&blocked, b"new").is_err());
        assert_eq!(fs::read(&path).expect("reads"), b"old");
        assert_eq!(names_in(dir.path()), vec!["blocked", "state"]);
    }

    #[test]
    fn create_new_never_overwrites_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("keys").join("secret");
        assert!(
            create_new(&path, b"first", Access::OwnerOnly).is_err(),
            "no folder"
        );
        fs::create_dir(dir.path().join("keys")).expect("mkdir");
        create_new(&path, b"first", Access::OwnerOnly).expect("creates");
        let again = create_new(&path, b"second", Access::OwnerOnly).expect_err("exists");
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).expect("reads"), b"first");
        assert_eq!(names_in(&dir.path().join("keys")), vec!["secret"]);
    }

    #[cfg(unix)]
    #[test]
    fn create_new_refuses_a_dangling_link() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("secret");
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), &path).expect("links");
        let e = create_new(&path, b"key", Access::OwnerOnly).expect_err("refused");
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert!(!dir.path().join("elsewhere").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_secret_is_0600_with_the_time_given() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("pooled");
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_767_225_600);
        replace(&path, b"one", Access::OwnerOnly, Some(when)).expect("writes");
        replace(&path, b"two", Access::OwnerOnly, Some(when)).expect("replaces");
        let meta = fs::metadata(&path).expect("exists");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(meta.modified().expect("a time"), when);
        assert_eq!(fs::read(&path).expect("reads"), b"two");
        assert_eq!(names_in(dir.path()), vec!["pooled"]);
    }

    #[cfg(unix)]
    #[test]
    fn owner_only_files_are_0600_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("secret");
        create_new(&path, b"key", Access::OwnerOnly).expect("creates");
        let mode = fs::metadata(&path).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
