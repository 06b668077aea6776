//! One export per package at a time: an exclusive OS lock on `<package>.lock`, held for the whole run
//! (history, package, -DisableExportedNodes, report). The lock belongs to the open file, so it dies with the
//! process: a lock file left behind by a killed export blocks nobody.

use crate::error::PcmError;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// The held lock; released (and its file removed) when dropped.
#[derive(Debug)]
pub struct PackageLock {
    file: Option<File>,
    path: PathBuf,
}

impl PackageLock {
    /// Takes the lock at `lock_path` for `package`, or fails at once when another run holds it.
    pub fn acquire(package: &Path, lock_path: &Path) -> Result<PackageLock, PcmError> {
        // A run that removes its lock file as it finishes may do so just after this open: then the lock taken
        // is on a file no longer in the folder. Re-open until the locked file is the one the folder names.
        for _ in 0..5 {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(lock_path)
                .map_err(|e| PcmError::io("creating the lock file", lock_path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    return Err(PcmError::PackageInUse {
                        package: package.display().to_string(),
                        lock: lock_path.display().to_string(),
                    })
                }
                Err(TryLockError::Error(e)) => {
                    return Err(PcmError::io("locking", lock_path, e));
                }
            }
            if still_named(&file, lock_path) {
                return Ok(PackageLock {
                    file: Some(file),
                    path: lock_path.to_path_buf(),
                });
            }
        }
        Err(PcmError::PackageInUse {
            package: package.display().to_string(),
            lock: lock_path.display().to_string(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Whether `path` still names the open `file` (not a newer file created after it was removed).
#[cfg(unix)]
fn still_named(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Windows refuses to remove a file another process holds open without delete sharing, and std opens with it;
/// a removed-while-open file cannot be re-opened by name, so the open above already failed or got the live
/// file.
#[cfg(not(unix))]
fn still_named(_file: &File, path: &Path) -> bool {
    path.exists()
}

impl Drop for PackageLock {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            // Removed while still locked, so no other run can have locked this file meanwhile; a run that opened
            // it and waits finds it gone (still_named) and opens a new one.
            let _ = std::fs::remove_file(&self.path);
            let _ = file.unlock();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_fails_at_once_naming_the_lock_file_and_a_released_lock_is_free() {
        let dir = std::env::temp_dir().join(format!("pcm-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let package = dir.join("out.zip");
        let lock_path = dir.join("out.zip.lock");
        let held = PackageLock::acquire(&package, &lock_path).expect("first");
        let e = PackageLock::acquire(&package, &lock_path).expect_err("second");
        assert_eq!(e.code(), "package_in_use");
        assert!(e.to_string().contains("out.zip.lock"), "{e}");
        drop(held);
        assert!(!lock_path.exists(), "the lock file goes with the lock");
        // A stale lock file (left by a killed process) holds no lock.
        std::fs::write(&lock_path, b"").expect("stale");
        let again = PackageLock::acquire(&package, &lock_path).expect("stale file does not block");
        drop(again);
    }
}
