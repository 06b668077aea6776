//! Writing the archive: every file goes into a staging folder beside the output folder, hashed (SHA-256) as it
//! is written and synced to disk; the folder is renamed into place only when everything is written, so the
//! output folder is either the previous one or the complete archive, never half of one. A staging folder
//! dropped before [`Staging::commit`] (an error, a cancel) is removed.

use super::params::check_output;
use crate::error::PcmError;
use crate::package::writer::hex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// One written file of the archive, for the manifest and `SHA256SUMS`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveFile {
    /// Relative to the archive folder, `/`-separated.
    pub path: String,
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
}

/// A file being written: buffered, hashed as it goes.
pub struct HashedFile {
    relative: String,
    path: PathBuf,
    writer: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl HashedFile {
    pub fn write(&mut self, data: &[u8]) -> Result<(), PcmError> {
        self.hasher.update(data);
        self.bytes += data.len() as u64;
        self.writer
            .write_all(data)
            .map_err(|e| PcmError::io("writing", &self.path, e))
    }

    pub fn write_str(&mut self, text: &str) -> Result<(), PcmError> {
        self.write(text.as_bytes())
    }

    /// Flushes and syncs the file; its record for the manifest.
    pub fn finish(self) -> Result<ArchiveFile, PcmError> {
        let path = self.path;
        let file = self
            .writer
            .into_inner()
            .map_err(|e| PcmError::io("writing", &path, e.error()))?;
        file.sync_all()
            .map_err(|e| PcmError::io("syncing", &path, e))?;
        Ok(ArchiveFile {
            path: self.relative,
            bytes: self.bytes,
            sha256: hex(&self.hasher.finalize()),
        })
    }
}

/// The staging folder of one archive run.
pub struct Staging {
    dir: PathBuf,
    output: PathBuf,
    committed: bool,
}

impl Staging {
    /// The staging folder's path for `output`: `<output>.archive-partial`, beside it.
    pub fn path_for(output: &Path) -> PathBuf {
        crate::util::sibling_path(output, ".archive-partial")
    }

    /// Creates the staging folder with the archive's subfolders; a staging folder left by an interrupted run
    /// (same name, so written by this tool) is removed first.
    pub fn create(output: &Path, subfolders: &[&str]) -> Result<Staging, PcmError> {
        let dir = Staging::path_for(output);
        if std::fs::symlink_metadata(&dir).is_ok() {
            std::fs::remove_dir_all(&dir)
                .map_err(|e| PcmError::io("removing the earlier staging folder", &dir, e))?;
        }
        let staging = Staging {
            dir,
            output: output.to_path_buf(),
            committed: false,
        };
        for sub in subfolders {
            let path = staging.dir.join(sub);
            std::fs::create_dir_all(&path).map_err(|e| PcmError::io("creating", &path, e))?;
        }
        std::fs::create_dir_all(&staging.dir)
            .map_err(|e| PcmError::io("creating", &staging.dir, e))?;
        Ok(staging)
    }

    /// Creates `relative` (`/`-separated, made by this module's callers from safe names only).
    pub fn file(&self, relative: &str) -> Result<HashedFile, PcmError> {
        let mut path = self.dir.clone();
        for part in relative.split('/') {
            path.push(part);
        }
        let file = File::create(&path).map_err(|e| PcmError::io("creating", &path, e))?;
        Ok(HashedFile {
            relative: relative.to_string(),
            path,
            writer: BufWriter::with_capacity(256 * 1024, file),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// Puts the finished archive in place of the output folder: an absent or empty folder is replaced at once,
    /// a non-empty one only with `force` (moved aside, replaced, then removed). `before` is asked last (a cancel).
    pub fn commit(
        mut self,
        force: bool,
        before: impl FnOnce() -> Result<(), PcmError>,
    ) -> Result<PathBuf, PcmError> {
        check_output(&self.output, force)?;
        before()?;
        let output = self.output.clone();
        let aside = crate::util::sibling_path(&output, ".archive-old");
        let mut moved_aside = false;
        // An empty folder is simply removed; a non-empty one (with force) is moved aside first.
        if std::fs::symlink_metadata(&output).is_ok() && std::fs::remove_dir(&output).is_err() {
            if std::fs::symlink_metadata(&aside).is_ok() {
                std::fs::remove_dir_all(&aside).map_err(|e| PcmError::io("removing", &aside, e))?;
            }
            std::fs::rename(&output, &aside).map_err(|e| {
                PcmError::io("moving the folder being replaced aside to", &aside, e)
            })?;
            moved_aside = true;
        }
        if let Err(e) = std::fs::rename(&self.dir, &output) {
            if moved_aside {
                let _ = std::fs::rename(&aside, &output);
            }
            return Err(PcmError::io("renaming the finished archive to", &output, e));
        }
        self.committed = true;
        if moved_aside {
            std::fs::remove_dir_all(&aside)
                .map_err(|e| PcmError::io("removing the replaced archive", &aside, e))?;
        }
        Ok(output)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
