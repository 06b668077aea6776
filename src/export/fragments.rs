//! Per-room history fragments in a staging folder next to the package: each room is written to its own small
//! zip (so rooms can be exported in parallel and compressed once), recorded with its checksum, and copied still
//! compressed into the package at the end. An interrupted export leaves finished fragments behind; re-running
//! it to the same file reuses every fragment whose bound matches and whose content still hashes right.

use crate::error::PcmError;
use crate::package::format::{messages_entry, EntryInfo, Message, RoomHistory};
use crate::package::writer::{digest_reader, EntryDigest};
use crate::util::ticks::ticks_to_iso;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// What a finished fragment holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FragmentMeta {
    pub room_id: i32,
    pub chat_id_bound: Option<i64>,
    pub start_ticks: Option<i64>,
    pub entry: EntryInfo,
    pub history: RoomHistory,
    /// Messages whose content is not valid Unicode (carried as exact bytes), and the first of their chatIds.
    #[serde(default)]
    pub non_unicode: NonUnicode,
}

/// How many messages of a room were carried as exact bytes, with the first [`NonUnicode::LIST_LIMIT`] chatIds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NonUnicode {
    pub count: u64,
    pub chat_ids: Vec<i64>,
}

impl NonUnicode {
    /// Bounds the list (per room and in the result) so a damaged database cannot make the report huge.
    pub const LIST_LIMIT: usize = 100;

    fn note(&mut self, message: &Message) {
        if message.is_non_unicode() {
            self.count += 1;
            if self.chat_ids.len() < Self::LIST_LIMIT {
                self.chat_ids.push(message.chat_id);
            }
        }
    }
}

/// Over all rooms (in room id order): how many messages were carried as exact bytes, and the first
/// [`NonUnicode::LIST_LIMIT`] of them as `{roomId, chatId}`.
pub fn non_unicode_summary<'a>(
    fragments: impl IntoIterator<Item = &'a FragmentMeta>,
) -> (u64, Vec<serde_json::Value>) {
    let mut count = 0;
    let mut list = Vec::new();
    for meta in fragments {
        count += meta.non_unicode.count;
        for chat_id in &meta.non_unicode.chat_ids {
            if list.len() < NonUnicode::LIST_LIMIT {
                list.push(serde_json::json!({ "roomId": meta.room_id, "chatId": chat_id }));
            }
        }
    }
    (count, list)
}

/// The staging folder `<package>.staging`.
#[derive(Debug, Clone)]
pub struct Staging {
    dir: PathBuf,
}

impl Staging {
    pub fn dir_for(package: &Path) -> PathBuf {
        crate::util::sibling_path(package, ".staging")
    }

    pub fn open(package: &Path) -> Result<Staging, PcmError> {
        let dir = Self::dir_for(package);
        std::fs::create_dir_all(&dir)
            .map_err(|e| PcmError::io("creating the staging folder", &dir, e))?;
        Ok(Staging { dir })
    }

    pub fn fragment_path(&self, room_id: i32) -> PathBuf {
        self.dir.join(format!("room-{room_id}.zip"))
    }

    fn meta_path(&self, room_id: i32) -> PathBuf {
        self.dir.join(format!("room-{room_id}.json"))
    }

    /// A finished fragment for this room and bound whose content still matches its checksum.
    pub fn reusable(
        &self,
        room_id: i32,
        bound: Option<i64>,
        start_ticks: Option<i64>,
    ) -> Option<FragmentMeta> {
        let text = std::fs::read(self.meta_path(room_id)).ok()?;
        let meta: FragmentMeta = serde_json::from_slice(&text).ok()?;
        if meta.room_id != room_id || meta.chat_id_bound != bound || meta.start_ticks != start_ticks
        {
            return None;
        }
        let file = File::open(self.fragment_path(room_id)).ok()?;
        let mut archive = zip::ZipArchive::new(file).ok()?;
        let entry = archive.by_name(&meta.entry.name).ok()?;
        let check = digest_reader(&meta.entry.name, entry).ok()?;
        (check.sha256 == meta.entry.sha256 && check.bytes == meta.entry.bytes).then_some(meta)
    }

    /// Starts writing a room's fragment.
    pub fn begin(
        &self,
        room_id: i32,
        bound: Option<i64>,
        start_ticks: Option<i64>,
    ) -> Result<FragmentWriter, PcmError> {
        let _ = std::fs::remove_file(self.meta_path(room_id));
        let final_path = self.fragment_path(room_id);
        let temp_path = self.dir.join(format!("room-{room_id}.zip.tmp"));
        let file = File::create(&temp_path).map_err(|e| PcmError::io("creating", &temp_path, e))?;
        let mut zip = ZipWriter::new(BufWriter::with_capacity(256 * 1024, file));
        let entry = messages_entry(room_id);
        zip.start_file(
            entry.as_str(),
            SimpleFileOptions::default()
                .compression_method(CompressionMethod::Deflated)
                .compression_level(Some(6)),
        )
        .map_err(|e| PcmError::io("writing", &temp_path, e))?;
        Ok(FragmentWriter {
            zip: Some(zip),
            entry,
            temp_path,
            final_path,
            meta_path: self.meta_path(room_id),
            room_id,
            bound,
            start_ticks,
            digest: EntryDigest::default(),
            line: Vec::with_capacity(1024),
            first: None,
            last: None,
            count: 0,
            non_unicode: NonUnicode::default(),
        })
    }

    /// Removes the staging folder (after the package was written).
    pub fn remove(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One room's fragment being written; dropped unfinished, it deletes its temporary file.
pub struct FragmentWriter {
    zip: Option<ZipWriter<BufWriter<File>>>,
    entry: String,
    temp_path: PathBuf,
    final_path: PathBuf,
    meta_path: PathBuf,
    room_id: i32,
    bound: Option<i64>,
    start_ticks: Option<i64>,
    digest: EntryDigest,
    line: Vec<u8>,
    first: Option<(i64, i64)>,
    last: Option<(i64, i64)>,
    count: u64,
    non_unicode: NonUnicode,
}

impl FragmentWriter {
    /// Appends a message; returns the bytes written (uncompressed).
    pub fn write(&mut self, message: &Message) -> Result<u64, PcmError> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, message)
            .map_err(|e| PcmError::Internal(e.to_string()))?;
        self.line.push(b'\n');
        self.digest.update(&self.line);
        self.first
            .get_or_insert((message.chat_id, message.chat_date));
        self.last = Some((message.chat_id, message.chat_date));
        self.count += 1;
        self.non_unicode.note(message);
        let zip = self
            .zip
            .as_mut()
            .ok_or_else(|| PcmError::Internal("fragment already finished".to_string()))?;
        zip.write_all(&self.line)
            .map_err(|e| PcmError::io("writing", &self.temp_path, e))?;
        Ok(self.line.len() as u64)
    }

    /// Closes the fragment, renames it into place and records its meta.
    pub fn finish(mut self) -> Result<FragmentMeta, PcmError> {
        let zip = self
            .zip
            .take()
            .ok_or_else(|| PcmError::Internal("fragment already finished".to_string()))?;
        let buffered = zip
            .finish()
            .map_err(|e| PcmError::io("writing", &self.temp_path, e))?;
        let file = buffered
            .into_inner()
            .map_err(|e| PcmError::io("writing", &self.temp_path, e.error()))?;
        file.sync_all()
            .map_err(|e| PcmError::io("writing", &self.temp_path, e))?;
        drop(file);
        std::fs::rename(&self.temp_path, &self.final_path)
            .map_err(|e| PcmError::io("renaming", &self.final_path, e))?;
        let mut entry = std::mem::take(&mut self.digest).finish(&self.entry);
        entry.records = self.count;
        let meta = FragmentMeta {
            room_id: self.room_id,
            chat_id_bound: self.bound,
            start_ticks: self.start_ticks,
            history: RoomHistory {
                room_id: self.room_id,
                entry: self.entry.clone(),
                messages: self.count,
                first_chat_id: self.first.map(|f| f.0),
                last_chat_id: self.last.map(|l| l.0),
                chat_id_bound: self.bound,
                first_message_utc: self.first.and_then(|f| ticks_to_iso(f.1)),
                last_message_utc: self.last.and_then(|l| ticks_to_iso(l.1)),
            },
            entry,
            non_unicode: std::mem::take(&mut self.non_unicode),
        };
        let text = serde_json::to_vec(&meta).map_err(|e| PcmError::Internal(e.to_string()))?;
        std::fs::write(&self.meta_path, text)
            .map_err(|e| PcmError::io("writing", &self.meta_path, e))?;
        Ok(meta)
    }
}

impl Drop for FragmentWriter {
    fn drop(&mut self) {
        if self.zip.take().is_some() {
            let _ = std::fs::remove_file(&self.temp_path);
        }
    }
}
