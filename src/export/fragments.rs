//! Per-room history fragments in a staging folder next to the package: each room is written to its own small
//! zip (so rooms can be exported in parallel and compressed once), recorded with its checksum, and copied still
//! compressed into the package at the end. An interrupted export leaves finished fragments behind; re-running
//! it to the same file reuses a fragment only when the staging ledger names the same source database (instance,
//! name, `database_id` and `create_date`), the room's fingerprint (snapshot bound, message count, start date)
//! is unchanged, and its content still hashes right. Anything else is discarded, never reused.

use super::bundles::{bundle_number, BundledRooms, OpenArchives};
use crate::error::PcmError;
use crate::package::format::{messages_entry, EntryInfo, Message, RoomHistory};
use crate::package::reader::limits::MAX_LINE_BYTES;
use crate::package::writer::{digest_reader, EntryDigest, WRITE_CHUNK_BYTES};
use crate::util::ticks::ticks_to_iso;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Which database the fragments in a staging folder came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceIdentity {
    /// `-DBInstance` as normalised by the connection settings.
    pub instance: String,
    pub database: String,
    /// `sys.databases.database_id` and `create_date`: a database dropped and re-created (or restored from
    /// another backup) under the same name gets a new pair.
    pub database_id: i64,
    pub create_date: String,
}

/// The ledger file `ledger.json` in the staging folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Ledger {
    version: u32,
    source: SourceIdentity,
    /// The parameters of the run that wrote the ledger, for the record (a fragment depends only on its room's
    /// fingerprint, so a different -Level or -Scope does not discard it).
    parameters: Value,
}

const LEDGER_VERSION: u32 = 1;
const LEDGER_FILE: &str = "ledger.json";

/// What a room looked like at snapshot time; a fragment is reused only for an identical fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomFingerprint {
    /// Highest chatId of the room at snapshot time (`None`: the room had no messages).
    pub chat_id_bound: Option<i64>,
    /// Lowest chatId of the room at snapshot time: a purge of the oldest messages followed by as many new ones
    /// keeps the count and may keep the bound, never this.
    #[serde(default)]
    pub first_chat_id: Option<i64>,
    /// The room's message count at snapshot time (all of them, not only those after -StartDate).
    pub snapshot_messages: i64,
    pub start_ticks: Option<i64>,
}

/// What a finished fragment holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FragmentMeta {
    pub room_id: i32,
    pub fingerprint: RoomFingerprint,
    pub entry: EntryInfo,
    pub history: RoomHistory,
    /// Messages whose content is not valid Unicode (carried as exact bytes), and the first of their chatIds.
    #[serde(default)]
    pub non_unicode: NonUnicode,
    /// Messages with `ma-filelink:` links and the distinct files they name (the export report's File links).
    #[serde(default)]
    pub file_links: crate::files::tally::FileLinkCounts,
    /// The bundle file (in the staging folder) that holds the room's entry among other small rooms'; `None`:
    /// the room has a fragment of its own (`room-<id>.zip`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
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
) -> (u64, Vec<super::result::NonUnicodeMessage>) {
    let mut count = 0;
    let mut list = Vec::new();
    for meta in fragments {
        count += meta.non_unicode.count;
        for chat_id in &meta.non_unicode.chat_ids {
            if list.len() < NonUnicode::LIST_LIMIT {
                list.push(super::result::NonUnicodeMessage {
                    room_id: meta.room_id,
                    chat_id: *chat_id,
                });
            }
        }
    }
    (count, list)
}

/// Whether a room's earlier fragment can be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reuse {
    Reused(Box<FragmentMeta>),
    /// No finished fragment for this room.
    Absent,
    /// A fragment exists but does not fit; the text says why (it is rewritten).
    Discarded(String),
}

/// The staging folder `<package>.staging`.
#[derive(Debug, Clone)]
pub struct Staging {
    dir: PathBuf,
    /// The number the next bundle gets: above every bundle an earlier run left, so a newer one wins.
    next_bundle: Arc<AtomicU64>,
}

impl Staging {
    /// Opens (or creates) the staging folder for `source`. A folder whose ledger is missing, unreadable or names
    /// another source is emptied first; `discarded` hears why. Blocking file work: call it off the async workers.
    pub fn open(
        dir: &Path,
        source: &SourceIdentity,
        parameters: Value,
        mut discarded: impl FnMut(String),
    ) -> Result<Staging, PcmError> {
        let mut staging = Staging {
            dir: dir.to_path_buf(),
            next_bundle: Arc::new(AtomicU64::new(1)),
        };
        if dir.is_dir() {
            if let Some(reason) = staging.mismatch(source) {
                discarded(format!(
                    "the staging folder '{}' {reason}; its rooms are discarded and exported again",
                    dir.display()
                ));
                std::fs::remove_dir_all(dir)
                    .map_err(|e| PcmError::io("emptying the staging folder", dir, e))?;
            }
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| PcmError::io("creating the staging folder", dir, e))?;
        let ledger = Ledger {
            version: LEDGER_VERSION,
            source: source.clone(),
            parameters,
        };
        let text =
            serde_json::to_vec_pretty(&ledger).map_err(|e| PcmError::Internal(e.to_string()))?;
        let path = dir.join(LEDGER_FILE);
        let temp = dir.join(format!("{LEDGER_FILE}.tmp"));
        std::fs::write(&temp, text).map_err(|e| PcmError::io("writing", &temp, e))?;
        std::fs::rename(&temp, &path).map_err(|e| PcmError::io("renaming", &path, e))?;
        staging.next_bundle = Arc::new(AtomicU64::new(staging.highest_bundle() + 1));
        Ok(staging)
    }

    /// The highest bundle number of any file in the folder (0 when none).
    fn highest_bundle(&self) -> u64 {
        std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter_map(|e| bundle_number(&e.file_name().to_string_lossy()))
            .max()
            .unwrap_or(0)
    }

    pub(super) fn next_bundle_number(&self) -> u64 {
        self.next_bundle.fetch_add(1, Ordering::SeqCst)
    }

    /// The rooms finished bundles hold (read once, before the rooms are checked for reuse).
    pub fn bundled_rooms(&self, skipped: impl FnMut(String)) -> BundledRooms {
        BundledRooms::read(&self.dir, skipped)
    }

    /// Removes a room's own fragment and record, when a newer entry for it goes to a bundle.
    pub(super) fn forget_fragment(&self, room_id: i32) {
        let _ = std::fs::remove_file(self.meta_path(room_id));
        let _ = std::fs::remove_file(self.fragment_path(room_id));
    }

    /// Why the folder's content cannot be trusted for `source`, or `None` when it can (or holds nothing).
    fn mismatch(&self, source: &SourceIdentity) -> Option<String> {
        let path = self.dir.join(LEDGER_FILE);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(_) => {
                let empty = std::fs::read_dir(&self.dir)
                    .map(|mut d| d.next().is_none())
                    .unwrap_or(false);
                return (!empty).then(|| {
                    "has no ledger naming its source (an older version wrote it)".to_string()
                });
            }
        };
        let ledger: Ledger = match serde_json::from_slice(&text) {
            Ok(ledger) => ledger,
            Err(e) => return Some(format!("has a ledger that cannot be read ({e})")),
        };
        if ledger.version != LEDGER_VERSION {
            return Some(format!("was written by ledger version {}", ledger.version));
        }
        let s = &ledger.source;
        (s != source).then(|| {
            format!(
                "holds rooms exported from '{}' on '{}' (database_id {}, created {}), not from '{}' on '{}'                  (database_id {}, created {})",
                s.database,
                s.instance,
                s.database_id,
                s.create_date,
                source.database,
                source.instance,
                source.database_id,
                source.create_date
            )
        })
    }

    pub fn fragment_path(&self, room_id: i32) -> PathBuf {
        self.dir.join(format!("room-{room_id}.zip"))
    }

    fn meta_path(&self, room_id: i32) -> PathBuf {
        self.dir.join(format!("room-{room_id}.json"))
    }

    /// The file that holds a finished room's entry: its own fragment or its bundle.
    pub fn entry_file(&self, meta: &FragmentMeta) -> PathBuf {
        match &meta.bundle {
            Some(bundle) => self.dir.join(bundle),
            None => self.fragment_path(meta.room_id),
        }
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The finished entry of this room if it was exported with this very fingerprint and still hashes right:
    /// the room's own fragment record first (written after any bundle that held the room), else the newest
    /// bundle's.
    pub fn reusable(
        &self,
        room_id: i32,
        fingerprint: &RoomFingerprint,
        bundled: &mut BundledRooms,
        archives: &mut OpenArchives,
    ) -> Reuse {
        let meta = match std::fs::read(self.meta_path(room_id)) {
            Ok(text) => match serde_json::from_slice::<FragmentMeta>(&text) {
                Ok(meta) => meta,
                Err(e) => return Reuse::Discarded(format!("its record cannot be read ({e})")),
            },
            Err(_) => match bundled.take(room_id) {
                Some(meta) => meta,
                None => return Reuse::Absent,
            },
        };
        if let Some(reason) = fingerprint_mismatch(&meta, room_id, fingerprint) {
            return Reuse::Discarded(reason);
        }
        match self.content_matches(&meta, archives) {
            Ok(()) => Reuse::Reused(Box::new(meta)),
            Err(reason) => Reuse::Discarded(reason),
        }
    }

    fn content_matches(
        &self,
        meta: &FragmentMeta,
        archives: &mut OpenArchives,
    ) -> Result<(), String> {
        let path = self.entry_file(meta);
        let archive = archives
            .open(&path)
            .map_err(|e| format!("its fragment cannot be opened ({e})"))?;
        let entry = archive
            .by_name(&meta.entry.name)
            .map_err(|e| format!("its fragment lacks {} ({e})", meta.entry.name))?;
        let check = digest_reader(&meta.entry.name, entry)
            .map_err(|e| format!("its fragment cannot be read ({e})"))?;
        if check.sha256 == meta.entry.sha256 && check.bytes == meta.entry.bytes {
            Ok(())
        } else {
            Err("its fragment no longer matches its checksum".to_string())
        }
    }

    /// Starts writing a room's fragment.
    pub fn begin(
        &self,
        room_id: i32,
        fingerprint: RoomFingerprint,
    ) -> Result<FragmentWriter, PcmError> {
        let _ = std::fs::remove_file(self.meta_path(room_id));
        let final_path = self.fragment_path(room_id);
        let temp_path = self.dir.join(format!("room-{room_id}.zip.tmp"));
        let file = File::create(&temp_path).map_err(|e| PcmError::io("creating", &temp_path, e))?;
        let mut zip = ZipWriter::new(BufWriter::with_capacity(256 * 1024, file));
        zip.start_file(messages_entry(room_id), entry_options())
            .map_err(|e| PcmError::io("writing", &temp_path, e))?;
        Ok(FragmentWriter {
            zip: Some(zip),
            temp_path,
            final_path,
            meta_path: self.meta_path(room_id),
            lines: RoomLines::new(room_id, fingerprint),
        })
    }

    /// Removes the staging folder (after the package was written).
    pub fn remove(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Why a fragment's record does not fit the room as it is now, or `None`.
fn fingerprint_mismatch(
    meta: &FragmentMeta,
    room_id: i32,
    now: &RoomFingerprint,
) -> Option<String> {
    let was = &meta.fingerprint;
    if meta.room_id != room_id || meta.history.room_id != room_id {
        return Some(format!("its record is for room {}", meta.room_id));
    }
    if was.start_ticks != now.start_ticks {
        return Some("it was exported with another -StartDate".to_string());
    }
    if was.chat_id_bound != now.chat_id_bound
        || was.first_chat_id != now.first_chat_id
        || was.snapshot_messages != now.snapshot_messages
    {
        return Some(format!(
            "the room changed since (chatIds {:?}..{:?} → {:?}..{:?}, messages {} → {})",
            was.first_chat_id,
            was.chat_id_bound,
            now.first_chat_id,
            now.chat_id_bound,
            was.snapshot_messages,
            now.snapshot_messages
        ));
    }
    // The record must agree with itself: never more messages than the room had, all of them when no start date
    // filtered, and none beyond the bound.
    let history = &meta.history;
    let count_fits = match now.start_ticks {
        None => i64::try_from(history.messages).ok() == Some(now.snapshot_messages),
        Some(_) => i64::try_from(history.messages).is_ok_and(|m| m <= now.snapshot_messages),
    };
    let within_bound = match (history.last_chat_id, now.chat_id_bound) {
        (None, _) => history.messages == 0,
        (Some(last), Some(bound)) => last <= bound,
        (Some(_), None) => false,
    };
    if !count_fits || !within_bound || meta.entry.records != history.messages {
        return Some("its record disagrees with the room's figures".to_string());
    }
    None
}

/// The options of every history entry the export writes.
pub(super) fn entry_options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(crate::package::writer::DEFLATE_LEVEL))
}

/// One room's history entry as it is written: its lines, checksum and figures (a fragment's or a bundle's).
pub(super) struct RoomLines {
    room_id: i32,
    fingerprint: RoomFingerprint,
    entry: String,
    digest: EntryDigest,
    /// Lines appended and not yet handed to the entry.
    lines: Vec<u8>,
    first: Option<(i64, i64)>,
    last: Option<(i64, i64)>,
    count: u64,
    non_unicode: NonUnicode,
    links: crate::files::tally::LinkTally,
}

impl RoomLines {
    pub(super) fn new(room_id: i32, fingerprint: RoomFingerprint) -> RoomLines {
        RoomLines {
            room_id,
            fingerprint,
            entry: messages_entry(room_id),
            digest: EntryDigest::default(),
            lines: Vec::with_capacity(1024),
            first: None,
            last: None,
            count: 0,
            non_unicode: NonUnicode::default(),
            links: Default::default(),
        }
    }

    /// Appends the message as its package line (checked against the format's line limit), counted in the
    /// figures; returns the line's length. The lines reach the entry through [`RoomLines::drain_into`].
    pub(super) fn append(&mut self, message: &Message) -> Result<u64, PcmError> {
        let start = self.lines.len();
        serde_json::to_writer(&mut self.lines, message)
            .map_err(|e| PcmError::Internal(e.to_string()))?;
        self.lines.push(b'\n');
        let length = self.lines.len() - start;
        if length > MAX_LINE_BYTES {
            self.lines.truncate(start);
            // A reader refuses such a line (bounded memory), so it must not be written in the first place.
            return Err(PcmError::InvalidSourceData(format!(
                "room nodeID {}: message {} is {} bytes as a package line, over the format's limit of {} MiB \
                 (docs/package-format.md, Limits), which this version cannot carry; shorten or remove the message \
                 in the source database and export again",
                self.room_id,
                message.chat_id,
                length,
                MAX_LINE_BYTES / (1024 * 1024)
            )));
        }
        self.digest.update(&self.lines[start..]);
        self.first
            .get_or_insert((message.chat_id, message.chat_date));
        self.last = Some((message.chat_id, message.chat_date));
        self.count += 1;
        self.non_unicode.note(message);
        self.links.note(&message.content);
        Ok(length as u64)
    }

    /// Hands the appended lines to the entry once they fill a chunk, or all of them with `all` (before the
    /// entry ends).
    pub(super) fn drain_into(&mut self, entry: &mut impl Write, all: bool) -> std::io::Result<()> {
        if !self.lines.is_empty() && (all || self.lines.len() >= WRITE_CHUNK_BYTES) {
            entry.write_all(&self.lines)?;
            self.lines.clear();
        }
        Ok(())
    }

    /// The record of the finished entry, held by `bundle` or by the room's own fragment (the figures are
    /// taken: call it once).
    pub(super) fn take_meta(&mut self, bundle: Option<String>) -> FragmentMeta {
        let mut entry = std::mem::take(&mut self.digest).finish(&self.entry);
        entry.records = self.count;
        FragmentMeta {
            room_id: self.room_id,
            fingerprint: self.fingerprint,
            history: RoomHistory {
                room_id: self.room_id,
                entry: std::mem::take(&mut self.entry),
                messages: self.count,
                first_chat_id: self.first.map(|f| f.0),
                last_chat_id: self.last.map(|l| l.0),
                chat_id_bound: self.fingerprint.chat_id_bound,
                first_message_utc: self.first.and_then(|f| ticks_to_iso(f.1)),
                last_message_utc: self.last.and_then(|l| ticks_to_iso(l.1)),
            },
            entry,
            non_unicode: std::mem::take(&mut self.non_unicode),
            file_links: self.links.counts(),
            bundle,
        }
    }
}

/// One room's fragment being written; dropped unfinished, it deletes its temporary file.
pub struct FragmentWriter {
    zip: Option<ZipWriter<BufWriter<File>>>,
    temp_path: PathBuf,
    final_path: PathBuf,
    meta_path: PathBuf,
    lines: RoomLines,
}

impl FragmentWriter {
    /// Appends a message; returns the bytes written (uncompressed).
    pub fn write(&mut self, message: &Message) -> Result<u64, PcmError> {
        let zip = self
            .zip
            .as_mut()
            .ok_or_else(|| PcmError::Internal("fragment already finished".to_string()))?;
        let length = self.lines.append(message)?;
        self.lines
            .drain_into(zip, false)
            .map_err(|e| PcmError::io("writing", &self.temp_path, e))?;
        Ok(length)
    }

    /// Closes the fragment, renames it into place and records its meta.
    pub fn finish(mut self) -> Result<FragmentMeta, PcmError> {
        let mut zip = self
            .zip
            .take()
            .ok_or_else(|| PcmError::Internal("fragment already finished".to_string()))?;
        self.lines
            .drain_into(&mut zip, true)
            .map_err(|e| PcmError::io("writing", &self.temp_path, e))?;
        let buffered = zip
            .finish()
            .map_err(|e| PcmError::io("writing", &self.temp_path, e))?;
        let file = buffered
            .into_inner()
            .map_err(|e| PcmError::io("writing", &self.temp_path, e.error()))?;
        // No fsync: a fragment is reused only after its content hashes right again (`reusable`), so one torn
        // by a power cut is exported again, never trusted; the package itself is synced once, when written.
        // (One fsync per room cost the export more than its reads on a deployment of 40,000 small rooms.)
        drop(file);
        std::fs::rename(&self.temp_path, &self.final_path)
            .map_err(|e| PcmError::io("renaming", &self.final_path, e))?;
        let meta = self.lines.take_meta(None);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn message(chat_id: i64, content: String) -> Message {
        Message {
            chat_id,
            chat_date: 634_000_000_000_000_000,
            chat_date_utc: String::new(),
            poster_id: 1,
            poster_uri: None,
            is_alert: false,
            content,
            content_utf16_base64: None,
            rtf: None,
        }
    }

    #[test]
    fn a_message_over_the_line_limit_is_refused_and_leaves_no_fragment() {
        let dir = std::env::temp_dir().join(format!("pcm-fragment-limit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let source = SourceIdentity {
            instance: "sql01".to_string(),
            database: "GroupChat".to_string(),
            database_id: 5,
            create_date: "2010-01-01T00:00:00".to_string(),
        };
        let staging = Staging::open(&dir, &source, Value::Null, |_| {}).expect("staging");
        let fingerprint = RoomFingerprint {
            chat_id_bound: Some(2),
            first_chat_id: Some(1),
            snapshot_messages: 2,
            start_ticks: None,
        };
        let mut fragment = staging.begin(7, fingerprint).expect("fragment");
        fragment
            .write(&message(1, "short".to_string()))
            .expect("a short message");
        let error = fragment
            .write(&message(2, "x".repeat(MAX_LINE_BYTES)))
            .expect_err("over the limit");
        assert_eq!(error.code(), "invalid_source_data");
        let text = error.to_string();
        assert!(
            text.contains("message 2") && text.contains("nodeID 7"),
            "{text}"
        );
        drop(fragment);
        let left: Vec<_> = std::fs::read_dir(&dir)
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with("room-7"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
