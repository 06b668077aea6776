//! Reads and validates a package. [`PackageReader::open`] checks structure and version; [`PackageReader::verify`]
//! checks every byte (checksums), every record (JSON and types) and every reference between entities, before
//! anyone writes a row anywhere. A package is untrusted input: every entry is read through a limit taken from the
//! manifest (see [`limits`]), one line at a time, so memory does not grow with what the package claims or holds.

mod diagnose;
mod graph;
mod histories;
pub mod limits;
mod manifest;
mod structure;

use super::format::*;
use super::writer::{hex, EntryDigest};
use crate::error::PcmError;
use limits::{LineError, LineReader, ScratchBuf, MAX_LINE_BYTES};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::Digest;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;
use zip::ZipArchive;

/// The entity entries every package holds, in the order they are read.
pub const ENTITY_ENTRIES: [&str; 6] = [
    PRINCIPALS_ENTRY,
    CATEGORIES_ENTRY,
    ROOMS_ENTRY,
    ROLES_ENTRY,
    SCOPES_ENTRY,
    ADDINS_ENTRY,
];

/// How often (in lines) a long entry looks at the cancellation flag.
const CANCEL_CHECK_LINES: u64 = 4096;

/// An opened package whose structure and manifest were checked. `R` is the zip's bytes: a file
/// ([`PackageReader::open`]) or, for tests and fuzzing, any `Read + Seek` ([`PackageReader::from_reader`]).
pub struct PackageReader<R = BufReader<File>> {
    path: PathBuf,
    archive: ZipArchive<R>,
    manifest: Manifest,
    /// Position of each entry in `manifest.entries`, by name.
    entry_index: HashMap<String, usize>,
    cancel: Option<CancellationToken>,
    /// The read buffer and the line buffer, reused by every entry (see [`ScratchBuf`]).
    scratch: Vec<u8>,
    line: Vec<u8>,
    /// Opens the same bytes again, for the threads that help [`PackageReader::verify`] (a file only).
    reopen: Option<histories::Reopen<R>>,
}

/// Per-room figures found while verifying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomFigures {
    pub room_id: i32,
    pub name: String,
    pub path: Vec<String>,
    pub messages: u64,
    pub bytes: u64,
    pub first_message_utc: Option<String>,
    pub last_message_utc: Option<String>,
}

/// What checking one history found, before names are attached.
struct HistoryFigures {
    room_id: i32,
    messages: u64,
    bytes: u64,
    first_ticks: Option<i64>,
    last_ticks: Option<i64>,
}

/// The entities of a package, loaded (everything except history, which is streamed).
#[derive(Debug, Clone, Default)]
pub struct Entities {
    pub principals: Vec<Principal>,
    pub categories: Vec<Node>,
    pub rooms: Vec<Node>,
    pub roles: Vec<RoleAssignment>,
    pub scopes: Vec<ScopeEntry>,
    pub addins: Vec<Addin>,
}

impl PackageReader {
    /// Opens a package and checks its structure: a readable, unambiguous zip of plain files with safe names, a
    /// manifest of a supported version within its size limit, and exactly the entries the manifest lists, each
    /// of a kind the format defines.
    pub fn open(path: &Path) -> Result<PackageReader, PcmError> {
        let file = File::open(path).map_err(|e| PcmError::io("opening", path, e))?;
        let mut reader = PackageReader::from_reader(BufReader::new(file), path)?;
        let again = path.to_path_buf();
        reader.reopen = Some(std::sync::Arc::new(move || {
            File::open(&again).map(BufReader::new)
        }));
        Ok(reader)
    }
}

impl<R: Read + Seek> PackageReader<R> {
    fn invalid(&self, message: impl Into<String>) -> PcmError {
        invalid(&self.path, message)
    }

    /// [`PackageReader::open`] on bytes already open (`path` only names the package in messages): the same
    /// checks, so that tests and the fuzz targets (fuzz/) exercise exactly what a file gets.
    pub fn from_reader(reader: R, path: &Path) -> Result<PackageReader<R>, PcmError> {
        let mut archive = ZipArchive::new(reader).map_err(|e| {
            invalid(
                path,
                format!("it is not a readable zip file ({e}); it may be truncated"),
            )
        })?;
        let names = structure::check_zip(&mut archive).map_err(|m| invalid(path, m))?;
        let manifest = manifest::read(&mut archive).map_err(|m| invalid(path, m))?;
        let entry_index =
            structure::check_listing(&manifest, &names).map_err(|m| invalid(path, m))?;
        Ok(PackageReader {
            path: path.to_path_buf(),
            archive,
            manifest,
            entry_index,
            cancel: None,
            scratch: vec![0; 64 * 1024],
            line: Vec::new(),
            reopen: None,
        })
    }

    /// Makes long reads stop with [`PcmError::Cancelled`] once `token` is cancelled (checked at every entry and
    /// every few thousand lines).
    pub fn set_cancellation(&mut self, token: CancellationToken) {
        self.cancel = Some(token);
    }

    fn check_cancelled(&self) -> Result<(), PcmError> {
        match &self.cancel {
            Some(token) if token.is_cancelled() => Err(PcmError::Cancelled),
            _ => Ok(()),
        }
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The manifest, closing the package (its zip directory and entry index are freed: for a package of tens of
    /// thousands of rooms they are tens of megabytes a caller that has finished reading need not keep).
    pub fn into_manifest(self) -> Manifest {
        self.manifest
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn entry_info(&self, name: &str) -> Option<&EntryInfo> {
        self.entry_index
            .get(name)
            .and_then(|i| self.manifest.entries.get(*i))
    }

    /// Streams the records of a JSON Lines entry through the limits: never more than the manifest's byte count
    /// (+1 to see the excess), never a line over [`MAX_LINE_BYTES`], never more records than listed; the SHA-256
    /// is checked at the end.
    pub fn for_each_record<T: DeserializeOwned>(
        &mut self,
        name: &str,
        mut each: impl FnMut(T, u64) -> Result<(), PcmError>,
    ) -> Result<EntryInfo, PcmError> {
        self.check_cancelled()?;
        let expected = self
            .entry_info(name)
            .cloned()
            .ok_or_else(|| self.invalid(format!("entry '{name}' is not in the manifest")))?;
        let path = self.path.clone();
        let cancel = self.cancel.clone();
        if self.line.capacity() > 1024 * 1024 {
            // One long line earlier does not pin its buffer for the rest of the package.
            self.line = Vec::new();
        }
        let entry = self
            .archive
            .by_name(name)
            .map_err(|e| invalid(&path, format!("entry '{name}' cannot be read: {e}")))?;
        let buffered = ScratchBuf::new(entry, &mut self.scratch);
        let mut lines = LineReader::new(buffered, expected.bytes, MAX_LINE_BYTES);
        let mut digest = EntryDigest::default();
        let line = &mut self.line;
        let mut number = 0u64;
        while lines
            .next_line(line)
            .map_err(|e| invalid(&path, line_error(name, &expected, e)))?
        {
            digest.update(line);
            number += 1;
            if number > expected.records {
                return Err(invalid(
                    &path,
                    format!(
                        "entry '{name}' holds more than the {} records the manifest lists",
                        expected.records
                    ),
                ));
            }
            if number.is_multiple_of(CANCEL_CHECK_LINES)
                && cancel.as_ref().is_some_and(|c| c.is_cancelled())
            {
                return Err(PcmError::Cancelled);
            }
            if line.last() != Some(&b'\n') {
                return Err(invalid(
                    &path,
                    format!("entry '{name}' line {number} is cut off"),
                ));
            }
            let text = &line[..line.len() - 1];
            let record: T = serde_json::from_slice(text).map_err(|e| {
                let place = format!("line {number} of entry '{name}'");
                invalid(
                    &path,
                    diagnose::describe(text, &place).unwrap_or_else(|| {
                        format!("entry '{name}' line {number} is not a valid record: {e}")
                    }),
                )
            })?;
            each(record, number)?;
        }
        let mut info = digest.finish(name);
        info.records = number;
        compare_with_manifest(&info, &expected).map_err(|m| invalid(&path, m))?;
        Ok(info)
    }

    /// Reads a whole entity entry into memory (entities are small; history is not read this way).
    pub fn read_all<T: DeserializeOwned>(&mut self, name: &str) -> Result<Vec<T>, PcmError> {
        let mut out = Vec::new();
        self.for_each_record(name, |record: T, _| {
            out.push(record);
            Ok(())
        })?;
        Ok(out)
    }

    /// Loads every entity (not history), checking each entry.
    pub fn entities(&mut self) -> Result<Entities, PcmError> {
        self.load_entities(&mut || {})
    }

    fn load_entities(&mut self, after_each: &mut dyn FnMut()) -> Result<Entities, PcmError> {
        let principals = self.read_all(PRINCIPALS_ENTRY)?;
        after_each();
        let categories = self.read_all(CATEGORIES_ENTRY)?;
        after_each();
        let rooms = self.read_all(ROOMS_ENTRY)?;
        after_each();
        let roles = self.read_all(ROLES_ENTRY)?;
        after_each();
        let scopes = self.read_all(SCOPES_ENTRY)?;
        after_each();
        let addins = self.read_all(ADDINS_ENTRY)?;
        after_each();
        Ok(Entities {
            principals,
            categories,
            rooms,
            roles,
            scopes,
            addins,
        })
    }

    /// Reads and type-checks every entity entry, keeping only what the checks need (see [`graph::Graph`]).
    fn load_graph(&mut self, after_each: &mut dyn FnMut()) -> Result<graph::Graph, PcmError> {
        let mut g = graph::Graph::default();
        self.for_each_record(PRINCIPALS_ENTRY, |p: Principal, _| {
            g.principals.push(p.id);
            Ok(())
        })?;
        after_each();
        self.for_each_record(CATEGORIES_ENTRY, |n: Node, _| {
            g.categories.push(n.into());
            Ok(())
        })?;
        after_each();
        self.for_each_record(ROOMS_ENTRY, |n: Node, _| {
            g.rooms.push(n.into());
            Ok(())
        })?;
        after_each();
        g.roles = self.read_all(ROLES_ENTRY)?;
        after_each();
        g.scopes = self.read_all(SCOPES_ENTRY)?;
        after_each();
        self.for_each_record(ADDINS_ENTRY, |a: Addin, _| {
            g.addins.push(a.id);
            Ok(())
        })?;
        after_each();
        Ok(g)
    }

    /// Streams one room's history in chatId order.
    pub fn for_each_message(
        &mut self,
        room_id: i32,
        each: impl FnMut(Message, u64) -> Result<(), PcmError>,
    ) -> Result<EntryInfo, PcmError> {
        self.for_each_record(&messages_entry(room_id), each)
    }

    /// Checks the entire package: every checksum, every record, every reference, the category tree, every
    /// count. Calls `progress(done, total)` after each entry. Linear in the package's size; memory holds the
    /// entities (not history) and one line.
    pub fn verify(
        &mut self,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<Vec<RoomFigures>, PcmError>
    where
        R: Send,
    {
        let total = self.manifest.entries.len();
        let mut done = 0usize;
        let entities = self.load_graph(&mut || {
            done += 1;
            progress(done.min(total), total);
        })?;
        graph::check(&self.manifest, &entities).map_err(|m| self.invalid(m))?;
        let rooms: HashMap<i32, &graph::NodeView> =
            entities.rooms.iter().map(|r| (r.id, r)).collect();
        let principals: HashSet<i32> = entities.principals.iter().copied().collect();
        // Borrowed out of the manifest for the check (no copy of 40,000 records), put back whatever the outcome.
        let histories = std::mem::take(&mut self.manifest.rooms);
        let outcome = self.check_histories(&histories, &rooms, &principals, &mut || {
            done += 1;
            progress(done.min(total), total);
        });
        self.manifest.rooms = histories;
        let checked = outcome?;
        let total_messages = checked
            .iter()
            .fold(0u64, |sum, h| sum.saturating_add(h.messages));
        if total_messages != self.manifest.counts.messages {
            return Err(self.invalid(format!(
                "the package holds {total_messages} messages, the manifest says {}",
                self.manifest.counts.messages
            )));
        }
        // Names and times are made only now: made per entry, these small long-lived strings would sit between the
        // inflater's large short-lived buffers and fragment the heap.
        Ok(checked
            .into_iter()
            .filter_map(|h| {
                let room = rooms.get(&h.room_id)?;
                Some(RoomFigures {
                    room_id: h.room_id,
                    name: room.name.clone(),
                    path: room.path.clone(),
                    messages: h.messages,
                    bytes: h.bytes,
                    first_message_utc: h.first_ticks.and_then(crate::util::ticks::ticks_to_iso),
                    last_message_utc: h.last_ticks.and_then(crate::util::ticks::ticks_to_iso),
                })
            })
            .collect())
    }

    /// One room's history: chatId order, the snapshot bound, posters, and the manifest's figures.
    fn verify_history(
        &mut self,
        room: &graph::NodeView,
        history: &RoomHistory,
        principals: &HashSet<i32>,
    ) -> Result<HistoryFigures, PcmError> {
        let path = self.path.clone();
        let room_id = room.id;
        let label = format!("room '{}' (nodeID {room_id})", room.name);
        let mut last_chat_id: Option<i64> = None;
        let mut first: Option<(i64, i64)> = None;
        let mut last: Option<(i64, i64)> = None;
        let info = self.for_each_message(room_id, |m, line| {
            if last_chat_id.is_some_and(|prev| m.chat_id <= prev) {
                return Err(invalid(
                    &path,
                    format!(
                        "{label}: message {} (line {line}) is out of chatId order",
                        m.chat_id
                    ),
                ));
            }
            if history.chat_id_bound.is_some_and(|bound| m.chat_id > bound) {
                return Err(invalid(
                    &path,
                    format!("{label}: message {} is past the snapshot bound", m.chat_id),
                ));
            }
            m.check_lossless().map_err(|e| {
                invalid(
                    &path,
                    format!("{label}: message {} (line {line}): {e}", m.chat_id),
                )
            })?;
            if !principals.contains(&m.poster_id) {
                return Err(invalid(
                    &path,
                    format!(
                        "{label}: message {} was posted by principal {} not in principals.jsonl",
                        m.chat_id, m.poster_id
                    ),
                ));
            }
            last_chat_id = Some(m.chat_id);
            first.get_or_insert((m.chat_id, m.chat_date));
            last = Some((m.chat_id, m.chat_date));
            Ok(())
        })?;
        if info.records != history.messages
            || first.map(|f| f.0) != history.first_chat_id
            || last.map(|l| l.0) != history.last_chat_id
        {
            return Err(self.invalid(format!(
                "{label}: the history holds {} messages ({:?}..{:?}), the manifest says {} ({:?}..{:?})",
                info.records,
                first.map(|f| f.0),
                last.map(|l| l.0),
                history.messages,
                history.first_chat_id,
                history.last_chat_id
            )));
        }
        Ok(HistoryFigures {
            room_id,
            messages: info.records,
            bytes: info.bytes,
            first_ticks: first.map(|f| f.1),
            last_ticks: last.map(|l| l.1),
        })
    }
}

/// An entry read to its end against what the manifest lists for it.
fn compare_with_manifest(info: &EntryInfo, expected: &EntryInfo) -> Result<(), String> {
    let name = &info.name;
    if info.sha256 != expected.sha256 {
        return Err(format!(
            "entry '{name}' fails its SHA-256 check: the file was changed or damaged"
        ));
    }
    if info.bytes != expected.bytes || info.records != expected.records {
        return Err(format!(
            "entry '{name}' holds {} records / {} bytes, the manifest says {} / {}",
            info.records, info.bytes, expected.records, expected.bytes
        ));
    }
    Ok(())
}

/// A limit that stopped an entry, in words.
fn line_error(name: &str, expected: &EntryInfo, e: LineError) -> String {
    match e {
        LineError::Io(e) => format!("entry '{name}' is damaged: {e}"),
        LineError::TooManyBytes { limit } => format!(
            "entry '{name}' inflates to more than the {limit} bytes the manifest lists for it (reading stopped \
             at byte {}); the package was altered or is a zip bomb",
            limit.saturating_add(1)
        ),
        LineError::LineTooLong { line } => format!(
            "line {line} of entry '{name}' is longer than {MAX_LINE_BYTES} bytes, the longest line a package \
             may hold (docs/package-format.md, Limits); the entry lists {} bytes",
            expected.bytes
        ),
    }
}

fn invalid(path: &Path, message: impl Into<String>) -> PcmError {
    PcmError::InvalidPackage {
        path: path.display().to_string(),
        message: message.into(),
    }
}

/// SHA-256 of a byte slice as lower-case hex (used by tests and fragment checks).
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&sha2::Sha256::digest(data))
}
