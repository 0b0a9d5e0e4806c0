//! Durable file writes shared by the witness state, the tile mirror and the key files.

use std::{
    fs,
    io::Write as _,
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
};

/// A temporary name next to `path`, unique within this process and across processes:
/// `.<file name>.<pid>.<counter>.tmp`.
pub(crate) fn temp_path(path: &Path) -> PathBuf {
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

/// Flushes the folder holding `path` to disk, so that a rename or link into it survives a
/// crash. A no-op where folders cannot be opened (not Unix).
pub(crate) fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(parent_of(path))?.sync_all()?;
    }
    #[cfg(not(unix))]
    {
        let _ = parent_of(path);
    }
    Ok(())
}

/// Replaces `path` with `data` atomically and durably: writes a uniquely named temporary file
/// in the same folder, flushes it, renames it over `path`, then flushes the folder. After a
/// crash, `path` holds either the old or the new content, and once this returns, the new
/// content survives a crash. Creates the folder if needed. The temporary file is removed if a
/// step before the rename fails.
pub(crate) fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = parent_of(path);
    fs::create_dir_all(dir)?;
    let tmp = temp_path(path);
    let written = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_parent(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub").join("state");
        write_atomic(&path, b"one").expect("first write");
        write_atomic(&path, b"two").expect("second write");
        assert_eq!(fs::read(&path).expect("reads"), b"two");
        let names: Vec<_> = fs::read_dir(path.parent().expect("has a folder"))
            .expect("lists")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state")]);
    }

    #[test]
    fn temporary_names_are_unique_and_in_the_same_folder() {
        let path = Path::new("/some/dir/checkpoint");
        let (a, b) = (temp_path(path), temp_path(path));
        assert_ne!(a, b);
        assert_eq!(a.parent(), path.parent());
        // Not the old fixed `with_extension("tmp")` name, which two writers would share.
        assert_ne!(a, path.with_extension("tmp"));
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state");
        write_atomic(&path, b"old").expect("writes");
        // A folder where the file should be: the rename fails, the temporary file is removed.
        let blocked = dir.path().join("blocked");
        fs::create_dir_all(blocked.join("inner")).expect("mkdir");
        assert!(write_atomic(&blocked, b"new").is_err());
        assert_eq!(fs::read(&path).expect("reads"), b"old");
        let leftovers = fs::read_dir(dir.path())
            .expect("lists")
            .filter(|e| {
                e.as_ref()
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .count();
        assert_eq!(leftovers, 0);
    }
}
