//! Reads and validates a package. [`PackageReader::open`] checks structure and version; [`PackageReader::verify`]
//! checks every byte (checksums), every record (JSON and types) and every reference between entities, before
//! anyone writes a row anywhere. History is streamed: memory does not grow with the number of messages.

use super::format::*;
use super::writer::{hex, EntryDigest};
use crate::error::PcmError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::Digest;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use zip::ZipArchive;

/// An opened package whose structure and manifest were checked.
pub struct PackageReader {
    path: PathBuf,
    archive: ZipArchive<BufReader<File>>,
    manifest: Manifest,
}

/// Per-room figures found while verifying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// Rejects names that could escape a folder when extracted, or that no writer of this format produces.
fn check_entry_name(name: &str) -> Result<(), String> {
    let bad = name.is_empty()
        || name.starts_with('/')
        || name.starts_with('\\')
        || name.contains('\\')
        || name.contains('\0')
        || name.split('/').any(|part| part == ".." || part == ".")
        || name.chars().nth(1) == Some(':');
    if bad {
        Err(format!(
            "entry name '{name}' is not allowed (absolute, '..', '\\' or drive letter)"
        ))
    } else {
        Ok(())
    }
}

/// Checks "major.minor" against what this reader understands.
fn check_version(version: &str) -> Result<(), String> {
    let (major, _minor) = version
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        .ok_or_else(|| format!("the format version '{version}' is not of the form major.minor"))?;
    if major > FORMAT_MAJOR {
        return Err(format!(
            "it was written in package format {version} by a newer pchat-migrate; this version reads format \
             {FORMAT_MAJOR}.x — upgrade pchat-migrate to read it"
        ));
    }
    if major < 1 {
        return Err(format!("package format {version} is not supported"));
    }
    Ok(())
}

impl PackageReader {
    fn invalid(&self, message: impl Into<String>) -> PcmError {
        invalid(&self.path, message)
    }

    /// Opens a package and checks its structure: a readable zip, safe entry names, a manifest of a supported
    /// version, and exactly the entries the manifest lists.
    pub fn open(path: &Path) -> Result<PackageReader, PcmError> {
        let file = File::open(path).map_err(|e| PcmError::io("opening", path, e))?;
        let mut archive = ZipArchive::new(BufReader::new(file)).map_err(|e| {
            invalid(
                path,
                format!("it is not a readable zip file ({e}); it may be truncated"),
            )
        })?;
        let mut names = Vec::with_capacity(archive.len());
        for index in 0..archive.len() {
            let entry = archive
                .by_index_raw(index)
                .map_err(|e| invalid(path, format!("entry #{index} cannot be read: {e}")))?;
            let name = entry
                .name()
                .map_err(|e| invalid(path, format!("entry #{index} has an unreadable name: {e}")))?
                .to_string();
            check_entry_name(&name).map_err(|m| invalid(path, m))?;
            names.push(name);
        }
        let manifest: Manifest = {
            let mut entry = archive.by_name(MANIFEST_ENTRY).map_err(|_| {
                invalid(
                    path,
                    "it has no manifest.json; it is not a pchat-migrate package or it is damaged",
                )
            })?;
            let mut text = Vec::new();
            entry
                .read_to_end(&mut text)
                .map_err(|e| invalid(path, format!("manifest.json cannot be read: {e}")))?;
            let raw: serde_json::Value = serde_json::from_slice(&text)
                .map_err(|e| invalid(path, format!("manifest.json is not valid JSON: {e}")))?;
            if raw.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
                return Err(invalid(
                    path,
                    "manifest.json does not describe a pchat-migrate package",
                ));
            }
            let version = raw
                .get("formatVersion")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            check_version(version).map_err(|m| invalid(path, m))?;
            serde_json::from_value(raw)
                .map_err(|e| invalid(path, format!("manifest.json is malformed: {e}")))?
        };
        let listed: HashSet<&str> = manifest.entries.iter().map(|e| e.name.as_str()).collect();
        if listed.len() != manifest.entries.len() {
            return Err(invalid(path, "manifest.json lists an entry twice"));
        }
        for name in &names {
            if name != MANIFEST_ENTRY && !listed.contains(name.as_str()) {
                return Err(invalid(
                    path,
                    format!("entry '{name}' is not listed in the manifest"),
                ));
            }
        }
        let present: HashSet<&str> = names.iter().map(String::as_str).collect();
        if present.len() != names.len() {
            return Err(invalid(path, "the zip holds two entries of the same name"));
        }
        for entry in &manifest.entries {
            if !present.contains(entry.name.as_str()) {
                return Err(invalid(path, format!("entry '{}' is missing", entry.name)));
            }
        }
        Ok(PackageReader {
            path: path.to_path_buf(),
            archive,
            manifest,
        })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn entry_info(&self, name: &str) -> Option<&EntryInfo> {
        self.manifest.entries.iter().find(|e| e.name == name)
    }

    /// Streams the records of a JSON Lines entry, checking its SHA-256 and record count at the end.
    pub fn for_each_record<T: DeserializeOwned>(
        &mut self,
        name: &str,
        mut each: impl FnMut(T, u64) -> Result<(), PcmError>,
    ) -> Result<EntryInfo, PcmError> {
        let expected = self
            .entry_info(name)
            .cloned()
            .ok_or_else(|| self.invalid(format!("entry '{name}' is not in the manifest")))?;
        let path = self.path.clone();
        let entry = self
            .archive
            .by_name(name)
            .map_err(|e| invalid(&path, format!("entry '{name}' cannot be read: {e}")))?;
        let mut reader = BufReader::with_capacity(256 * 1024, entry);
        let mut digest = EntryDigest::default();
        let mut line = Vec::new();
        let mut number = 0u64;
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| invalid(&path, format!("entry '{name}' is damaged: {e}")))?;
            if n == 0 {
                break;
            }
            digest.update(&line);
            number += 1;
            if line.last() != Some(&b'\n') {
                return Err(invalid(
                    &path,
                    format!("entry '{name}' line {number} is cut off"),
                ));
            }
            let record: T = serde_json::from_slice(&line[..line.len() - 1]).map_err(|e| {
                invalid(
                    &path,
                    format!("entry '{name}' line {number} is not a valid record: {e}"),
                )
            })?;
            each(record, number)?;
        }
        let mut info = digest.finish(name);
        info.records = number;
        if info.sha256 != expected.sha256 {
            return Err(invalid(
                &path,
                format!("entry '{name}' fails its SHA-256 check: the file was changed or damaged"),
            ));
        }
        if info.bytes != expected.bytes || info.records != expected.records {
            return Err(invalid(
                &path,
                format!(
                    "entry '{name}' holds {} records / {} bytes, the manifest says {} / {}",
                    info.records, info.bytes, expected.records, expected.bytes
                ),
            ));
        }
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
        Ok(Entities {
            principals: self.read_all(PRINCIPALS_ENTRY)?,
            categories: self.read_all(CATEGORIES_ENTRY)?,
            rooms: self.read_all(ROOMS_ENTRY)?,
            roles: self.read_all(ROLES_ENTRY)?,
            scopes: self.read_all(SCOPES_ENTRY)?,
            addins: self.read_all(ADDINS_ENTRY)?,
        })
    }

    /// Streams one room's history in chatId order.
    pub fn for_each_message(
        &mut self,
        room_id: i32,
        each: impl FnMut(Message, u64) -> Result<(), PcmError>,
    ) -> Result<EntryInfo, PcmError> {
        self.for_each_record(&messages_entry(room_id), each)
    }

    /// Checks the entire package: every checksum, every record, every reference, every count. Calls
    /// `progress(done, total)` after each entry.
    pub fn verify(
        &mut self,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<Vec<RoomFigures>, PcmError> {
        let total = self.manifest.entries.len();
        let entities = self.entities()?;
        progress(6.min(total), total);
        self.check_references(&entities)?;
        let rooms: BTreeMap<i32, &Node> = entities.rooms.iter().map(|r| (r.id, r)).collect();
        let principals: HashSet<i32> = entities.principals.iter().map(|p| p.id).collect();
        let histories: HashMap<i32, RoomHistory> = self
            .manifest
            .rooms
            .iter()
            .map(|r| (r.room_id, r.clone()))
            .collect();
        let mut figures = Vec::new();
        let mut total_messages = 0u64;
        let history_entries: Vec<String> = self
            .manifest
            .entries
            .iter()
            .map(|e| e.name.clone())
            .filter(|n| n.starts_with(MESSAGES_DIR))
            .collect();
        for (done, name) in history_entries.iter().enumerate() {
            let room_id = room_of_messages_entry(name).ok_or_else(|| {
                self.invalid(format!("entry '{name}' is not a room history file"))
            })?;
            let room = *rooms.get(&room_id).ok_or_else(|| {
                self.invalid(format!(
                    "history '{name}' belongs to no room in rooms.jsonl"
                ))
            })?;
            let history = histories
                .get(&room_id)
                .ok_or_else(|| {
                    self.invalid(format!(
                        "room {room_id} has history but no manifest figures"
                    ))
                })?
                .clone();
            let path = self.path.clone();
            let label = format!("room '{}' (nodeID {room_id})", room.name);
            let mut last_chat_id: Option<i64> = None;
            let mut first: Option<(i64, i64)> = None;
            let mut last: Option<(i64, i64)> = None;
            let info = self.for_each_message(room_id, |m, line| {
                if last_chat_id.is_some_and(|prev| m.chat_id <= prev) {
                    return Err(invalid(
                        &path,
                        format!("{label}: message {} (line {line}) is out of chatId order", m.chat_id),
                    ));
                }
                if history.chat_id_bound.is_some_and(|bound| m.chat_id > bound) {
                    return Err(invalid(
                        &path,
                        format!("{label}: message {} is past the snapshot bound", m.chat_id),
                    ));
                }
                m.check_lossless().map_err(|e| invalid(&path, format!("{label}: message {} (line {line}): {e}", m.chat_id)))?;
                if !principals.contains(&m.poster_id) {
                    return Err(invalid(
                        &path,
                        format!("{label}: message {} was posted by principal {} not in principals.jsonl", m.chat_id, m.poster_id),
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
            total_messages += info.records;
            figures.push(RoomFigures {
                room_id,
                name: room.name.clone(),
                path: room.path.clone(),
                messages: info.records,
                bytes: info.bytes,
                first_message_utc: first.and_then(|f| crate::util::ticks::ticks_to_iso(f.1)),
                last_message_utc: last.and_then(|l| crate::util::ticks::ticks_to_iso(l.1)),
            });
            progress((6 + done + 1).min(total), total);
        }
        for history in &self.manifest.rooms {
            if !history_entries.contains(&history.entry) {
                return Err(self.invalid(format!(
                    "the manifest lists history for room {} but the entry is missing",
                    history.room_id
                )));
            }
        }
        if total_messages != self.manifest.counts.messages {
            return Err(self.invalid(format!(
                "the package holds {total_messages} messages, the manifest says {}",
                self.manifest.counts.messages
            )));
        }
        Ok(figures)
    }

    fn check_references(&self, e: &Entities) -> Result<(), PcmError> {
        let c = &self.manifest.counts;
        let counts = [
            ("principals", e.principals.len() as u64, c.principals),
            ("categories", e.categories.len() as u64, c.categories),
            ("rooms", e.rooms.len() as u64, c.rooms),
            ("roles", e.roles.len() as u64, c.roles),
            ("scopes", e.scopes.len() as u64, c.scopes),
            ("addins", e.addins.len() as u64, c.addins),
        ];
        for (what, found, said) in counts {
            if found != said {
                return Err(
                    self.invalid(format!("it holds {found} {what}, the manifest says {said}"))
                );
            }
        }
        let principals: HashSet<i32> = e.principals.iter().map(|p| p.id).collect();
        let categories: HashSet<i32> = e.categories.iter().map(|n| n.id).collect();
        let nodes: HashSet<i32> = categories
            .iter()
            .copied()
            .chain(e.rooms.iter().map(|n| n.id))
            .collect();
        let addins: HashSet<&str> = e.addins.iter().map(|a| a.id.as_str()).collect();
        if principals.len() != e.principals.len() {
            return Err(self.invalid("principals.jsonl holds a principal id twice"));
        }
        if nodes.len() != e.categories.len() + e.rooms.len() {
            return Err(self.invalid("a node id appears twice in categories.jsonl / rooms.jsonl"));
        }
        for node in e.categories.iter().chain(&e.rooms) {
            let expected_kind = if categories.contains(&node.id) {
                NodeKind::Category
            } else {
                NodeKind::Room
            };
            if node.kind != expected_kind {
                return Err(self.invalid(format!(
                    "node {} '{}' is in the wrong file",
                    node.id, node.name
                )));
            }
            if let Some(parent) = node.parent_id {
                // A scoped export may omit categories above the scope; their names survive in `path`.
                if !categories.contains(&parent)
                    && self
                        .manifest
                        .parameters
                        .get("scope")
                        .is_none_or(|s| s.is_null())
                {
                    return Err(self.invalid(format!(
                        "{} {} '{}' names parent {parent}, which is not in categories.jsonl",
                        if node.kind == NodeKind::Room {
                            "room"
                        } else {
                            "category"
                        },
                        node.id,
                        node.name
                    )));
                }
            }
            if let Some(addin) = &node.addin_id {
                if !addins.contains(addin.as_str()) {
                    return Err(self.invalid(format!(
                        "room {} '{}' uses add-in {addin}, not in addins.jsonl",
                        node.id, node.name
                    )));
                }
            }
        }
        for role in &e.roles {
            if !nodes.contains(&role.node_id) || !principals.contains(&role.principal_id) {
                return Err(self.invalid(format!(
                    "role {} of principal {} on node {} refers to an entity not in the package",
                    role.role, role.principal_id, role.node_id
                )));
            }
        }
        for scope in &e.scopes {
            if !nodes.contains(&scope.node_id) || !principals.contains(&scope.principal_id) {
                return Err(self.invalid(format!(
                    "scope entry of principal {} on node {} refers to an entity not in the package",
                    scope.principal_id, scope.node_id
                )));
            }
        }
        Ok(())
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
