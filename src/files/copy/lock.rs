//! One copy per destination at a time: an OS lock on `<destination>/.pchat-copy.lock`, held for the whole run,
//! with the holder's process id, host and start time written into it for the error a second run gives. The
//! lock belongs to the open file, so it dies with the process: a lock file left by a killed run blocks nobody.

use crate::error::PcmError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The lock file's name in the destination root.
pub const LOCK_FILE: &str = ".pchat-copy.lock";

/// The held lock; released (and its file removed) when dropped.
#[derive(Debug)]
pub struct DestinationLock {
    file: Option<File>,
    path: PathBuf,
}

/// This machine's name, for the lock file (COMPUTERNAME on Windows, HOSTNAME or /etc/hostname elsewhere).
fn host_name() -> String {
    std::env::var("COMPUTERNAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "an unknown host".to_string())
}

fn busy(destination: &Path, lock: &Path, holder: &str) -> PcmError {
    PcmError::TargetNotReady(format!(
        "another copy-files run is writing the destination '{}' (it holds the lock file '{}'{holder}); wait \
         for it to finish, or stop it. A lock file left by a stopped run blocks nobody",
        destination.display(),
        lock.display()
    ))
}

impl DestinationLock {
    /// Takes the lock in `destination`, or fails at once naming the holder.
    pub fn acquire(destination: &Path) -> Result<DestinationLock, PcmError> {
        let path = destination.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| PcmError::io("creating the lock file", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let holder = match file.read_to_string(&mut text) {
                    Ok(_) if !text.trim().is_empty() => format!(": {}", text.trim()),
                    _ => String::new(),
                };
                return Err(busy(destination, &path, &holder));
            }
            Err(TryLockError::Error(e)) => return Err(PcmError::io("locking", &path, e)),
        }
        let holder = format!(
            "process {} on {}, since {}",
            std::process::id(),
            host_name(),
            chrono::Utc::now().to_rfc3339()
        );
        let written = file
            .set_len(0)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(holder.as_bytes()))
            .and_then(|_| file.flush());
        written.map_err(|e| PcmError::io("writing the lock file", &path, e))?;
        Ok(DestinationLock {
            file: Some(file),
            path,
        })
    }
}

impl Drop for DestinationLock {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            let _ = std::fs::remove_file(&self.path);
            let _ = file.unlock();
        }
    }
}
