//! The copy journal: one JSON line per verified file in `<destination>/.pchat-copy-journal.jsonl`, appended
//! and flushed as each file is renamed into place. A re-run trusts a line only while the source and the
//! destination file still have the size and modification times it recorded; otherwise it hashes both again.
//! A torn last line (a crash mid-write) is ignored.

use crate::error::PcmError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub const JOURNAL_FILE: &str = ".pchat-copy-journal.jsonl";

/// One verified file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalRecord {
    /// The path under both roots, `/` separators.
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// Modification times, nanoseconds since 1970 (0 when the file system gives none).
    pub source_modified: u128,
    pub destination_modified: u128,
}

/// A file's modification time as the journal records it.
pub fn modified_nanos(metadata: &std::fs::Metadata) -> u128 {
    metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// The journal of one run: what earlier runs verified, and the open file this run appends to.
pub struct Journal {
    pub path: PathBuf,
    known: HashMap<String, JournalRecord>,
    file: Option<File>,
}

impl Journal {
    /// Reads the journal in `destination` (absent: empty). `append`: open it for this run's records.
    pub fn open(destination: &Path, append: bool) -> Result<Journal, PcmError> {
        let path = destination.join(JOURNAL_FILE);
        let mut known = HashMap::new();
        match File::open(&path) {
            Ok(file) => {
                for line in BufReader::new(file).lines() {
                    let line =
                        line.map_err(|e| PcmError::io("reading the copy journal", &path, e))?;
                    if let Ok(record) = serde_json::from_str::<JournalRecord>(&line) {
                        known.insert(record.path.to_lowercase(), record);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(PcmError::io("reading the copy journal", &path, e)),
        }
        let file = if append {
            let mut file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| PcmError::io("opening the copy journal", &path, e))?;
            // A torn last line from a crash: start this run's records on a line of their own.
            file.write_all(b"\n")
                .map_err(|e| PcmError::io("writing the copy journal", &path, e))?;
            Some(file)
        } else {
            None
        };
        Ok(Journal { path, known, file })
    }

    /// What an earlier run recorded for `path` (case-insensitive, as Windows names are).
    pub fn get(&self, path: &str) -> Option<&JournalRecord> {
        self.known.get(&path.to_lowercase())
    }

    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Appends a verified file (flushed to the OS at once, so a crash after it keeps the record).
    pub fn record(&mut self, record: JournalRecord) -> Result<(), PcmError> {
        if let Some(file) = &mut self.file {
            let mut line = serde_json::to_string(&record).map_err(|e| {
                PcmError::Internal(format!("a journal record cannot be serialized: {e}"))
            })?;
            line.push('\n');
            file.write_all(line.as_bytes())
                .and_then(|_| file.flush())
                .map_err(|e| PcmError::io("writing the copy journal", &self.path, e))?;
        }
        self.known.insert(record.path.to_lowercase(), record);
        Ok(())
    }

    /// Forces the records to disk (at the end of a run).
    pub fn sync(&self) -> Result<(), PcmError> {
        match &self.file {
            Some(file) => file
                .sync_all()
                .map_err(|e| PcmError::io("writing the copy journal", &self.path, e)),
            None => Ok(()),
        }
    }
}
