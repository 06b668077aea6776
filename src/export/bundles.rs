//! Bundles: the history of all but the biggest rooms written many rooms to one zip in the staging folder instead
//! of one fragment file each. On a deployment of 40,000 small rooms, creating, renaming, reading and deleting a
//! file per room took most of the export's time (ext4 inode allocation dominated the profile); on 904 rooms of
//! about 1,100 messages it still took a tenth of the export's CPU. A room is streamed into its bundle as it is
//! read, never held in memory whole. A bundle is finished
//! (renamed into place, then its record `bundle-<n>.json` written, listing each room's [`FragmentMeta`]) when it
//! is full, when it has been open for [`BUNDLE_OPEN_FOR`], before its worker exports a big room, and when its
//! worker runs out of rooms. An unfinished bundle is removed; its rooms are exported again by the next run.

use super::fragments::{entry_options, FragmentMeta, RoomFingerprint, RoomLines, Staging};
use crate::error::PcmError;
use crate::package::format::{messages_entry, Message};
use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use zip::{ZipArchive, ZipWriter};

/// Rooms with at most this many messages at snapshot time go to a bundle; a bigger one gets a fragment of its
/// own, so it neither holds a bundle open for long nor makes an interruption lose the rooms that share it.
pub const BUNDLED_ROOM_MESSAGES: i64 = 20_000;
/// A bundle is finished once it holds this many rooms…
const BUNDLE_ROOMS: usize = 500;
/// …or this many uncompressed bytes…
const BUNDLE_BYTES: u64 = 16 * 1024 * 1024;
/// …or has been open this long, which bounds what an interruption loses.
const BUNDLE_OPEN_FOR: Duration = Duration::from_millis(500);

const PREFIX: &str = "bundle-";

/// Whether a room's history goes to a bundle.
pub fn is_bundled(fingerprint: &RoomFingerprint) -> bool {
    fingerprint.snapshot_messages <= BUNDLED_ROOM_MESSAGES
}

/// The bundle number in a staging file name (`bundle-<n>.zip`, `bundle-<n>.json`, `bundle-<n>.zip.tmp`).
pub(super) fn bundle_number(file_name: &str) -> Option<u64> {
    let rest = file_name.strip_prefix(PREFIX)?;
    let digits = rest.split('.').next()?;
    digits.parse().ok()
}

/// One bundle being written; dropped unfinished, it deletes its temporary file.
pub struct BundleWriter {
    zip: Option<ZipWriter<BufWriter<File>>>,
    name: String,
    temp_path: PathBuf,
    final_path: PathBuf,
    record_path: PathBuf,
    metas: Vec<FragmentMeta>,
    /// The room whose entry is being written.
    room: Option<RoomLines>,
    bytes: u64,
    opened: Instant,
}

impl BundleWriter {
    /// Starts the staging folder's next bundle.
    pub fn create(staging: &Staging) -> Result<BundleWriter, PcmError> {
        let number = staging.next_bundle_number();
        let name = format!("{PREFIX}{number}.zip");
        let final_path = staging.dir().join(&name);
        let temp_path = staging.dir().join(format!("{name}.tmp"));
        let record_path = staging.dir().join(format!("{PREFIX}{number}.json"));
        let file = File::create(&temp_path).map_err(|e| PcmError::io("creating", &temp_path, e))?;
        Ok(BundleWriter {
            zip: Some(ZipWriter::new(BufWriter::with_capacity(256 * 1024, file))),
            name,
            temp_path,
            final_path,
            record_path,
            metas: Vec::new(),
            room: None,
            bytes: 0,
            opened: Instant::now(),
        })
    }

    /// Starts a room's entry; its messages follow ([`BundleWriter::write`]), then [`BundleWriter::end_room`].
    pub fn begin_room(
        &mut self,
        staging: &Staging,
        room_id: i32,
        fingerprint: RoomFingerprint,
    ) -> Result<(), PcmError> {
        if self.room.is_some() {
            return Err(PcmError::Internal(format!(
                "room {room_id} begun in a bundle before the last room ended"
            )));
        }
        // This entry is newer than any fragment of its own an earlier run left for the room.
        staging.forget_fragment(room_id);
        let zip = self.zip_mut()?;
        zip.start_file(messages_entry(room_id), entry_options())
            .map_err(|e| PcmError::io("writing", &self.temp_path, e))?;
        self.room = Some(RoomLines::new(room_id, fingerprint));
        Ok(())
    }

    /// Appends a message to the open room; returns the bytes written (uncompressed).
    pub fn write(&mut self, message: &Message) -> Result<u64, PcmError> {
        let (Some(zip), Some(room)) = (self.zip.as_mut(), self.room.as_mut()) else {
            return Err(PcmError::Internal(
                "a message written to a bundle with no room open".to_string(),
            ));
        };
        let length = room.append(message)?;
        room.drain_into(zip, false)
            .map_err(|e| PcmError::io("writing", &self.temp_path, e))?;
        self.bytes += length;
        Ok(length)
    }

    /// Ends the open room's entry (its record is written with the bundle's, when the bundle is finished).
    pub fn end_room(&mut self) -> Result<(), PcmError> {
        let mut room = self.room.take().ok_or_else(|| {
            PcmError::Internal("a bundle room ended that was not begun".to_string())
        })?;
        let zip = self.zip_mut()?;
        room.drain_into(zip, true)
            .map_err(|e| PcmError::io("writing", &self.temp_path, e))?;
        self.metas.push(room.take_meta(Some(self.name.clone())));
        Ok(())
    }

    /// Writes one room's whole history as an entry; returns the bytes written (uncompressed).
    #[cfg(test)]
    pub fn add_room(
        &mut self,
        staging: &Staging,
        room_id: i32,
        fingerprint: RoomFingerprint,
        messages: &[Message],
    ) -> Result<u64, PcmError> {
        self.begin_room(staging, room_id, fingerprint)?;
        let mut bytes = 0;
        for message in messages {
            bytes += self.write(message)?;
        }
        self.end_room()?;
        Ok(bytes)
    }

    fn zip_mut(&mut self) -> Result<&mut ZipWriter<BufWriter<File>>, PcmError> {
        self.zip
            .as_mut()
            .ok_or_else(|| PcmError::Internal("bundle already finished".to_string()))
    }

    /// Whether the bundle should be finished now.
    pub fn is_due(&self) -> bool {
        self.metas.len() >= BUNDLE_ROOMS
            || self.bytes >= BUNDLE_BYTES
            || self.opened.elapsed() >= BUNDLE_OPEN_FOR
    }

    /// Closes the bundle, renames it into place and writes its record; returns its rooms' records. No fsync,
    /// as for a fragment: a room is reused only after its entry hashes right again.
    pub fn finish(mut self) -> Result<Vec<FragmentMeta>, PcmError> {
        if self.room.is_some() {
            return Err(PcmError::Internal(
                "a bundle finished with a room still open".to_string(),
            ));
        }
        let zip = self
            .zip
            .take()
            .ok_or_else(|| PcmError::Internal("bundle already finished".to_string()))?;
        let buffered = zip
            .finish()
            .map_err(|e| PcmError::io("writing", &self.temp_path, e))?;
        buffered
            .into_inner()
            .map_err(|e| PcmError::io("writing", &self.temp_path, e.error()))?;
        std::fs::rename(&self.temp_path, &self.final_path)
            .map_err(|e| PcmError::io("renaming", &self.final_path, e))?;
        let metas = std::mem::take(&mut self.metas);
        let text = serde_json::to_vec(&metas).map_err(|e| PcmError::Internal(e.to_string()))?;
        let temp_record = self.record_path.with_extension("json.tmp");
        std::fs::write(&temp_record, text).map_err(|e| PcmError::io("writing", &temp_record, e))?;
        std::fs::rename(&temp_record, &self.record_path)
            .map_err(|e| PcmError::io("renaming", &self.record_path, e))?;
        Ok(metas)
    }
}

impl Drop for BundleWriter {
    fn drop(&mut self) {
        if self.zip.take().is_some() {
            let _ = std::fs::remove_file(&self.temp_path);
        }
    }
}

/// The rooms finished bundles hold, by room id: where two bundles hold a room, the newer (higher number) one.
#[derive(Debug, Default)]
pub struct BundledRooms {
    rooms: HashMap<i32, FragmentMeta>,
}

impl BundledRooms {
    /// Reads every finished bundle's record in `dir`; a record that cannot be read is skipped (its rooms are
    /// exported again), `skipped` hears which.
    pub fn read(dir: &Path, mut skipped: impl FnMut(String)) -> BundledRooms {
        let mut records: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().to_string();
                let number = bundle_number(&name)?;
                name.ends_with(".json").then(|| (number, e.path()))
            })
            .collect();
        records.sort();
        let mut rooms = HashMap::new();
        for (_, path) in records {
            let read = std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    serde_json::from_slice::<Vec<FragmentMeta>>(&text).map_err(|e| e.to_string())
                });
            match read {
                Ok(metas) => rooms.extend(metas.into_iter().map(|m| (m.room_id, m))),
                Err(e) => skipped(format!(
                    "the bundle record '{}' cannot be read ({e}); its rooms are exported again",
                    path.display()
                )),
            }
        }
        BundledRooms { rooms }
    }

    /// The record of a room a bundle holds.
    pub fn take(&mut self, room_id: i32) -> Option<FragmentMeta> {
        self.rooms.remove(&room_id)
    }
}

/// Zip files opened once for many entries (a bundle holds hundreds of rooms), at most [`OpenArchives::MAX`]
/// at a time.
#[derive(Default)]
pub struct OpenArchives {
    open: HashMap<PathBuf, ZipArchive<File>>,
}

impl OpenArchives {
    const MAX: usize = 64;

    pub fn open(&mut self, path: &Path) -> Result<&mut ZipArchive<File>, zip::result::ZipError> {
        if !self.open.contains_key(path) {
            if self.open.len() >= Self::MAX {
                self.open.clear();
            }
            let archive = ZipArchive::new(File::open(path)?)?;
            self.open.insert(path.to_path_buf(), archive);
        }
        self.open
            .get_mut(path)
            .ok_or(zip::result::ZipError::FileNotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fragments::{Reuse, SourceIdentity};
    use super::*;

    fn message(chat_id: i64) -> Message {
        Message {
            chat_id,
            chat_date: 634_000_000_000_000_000 + chat_id,
            chat_date_utc: String::new(),
            poster_id: 1,
            poster_uri: None,
            is_alert: false,
            content: format!("message {chat_id}"),
            content_utf16_base64: None,
            rtf: None,
        }
    }

    fn fingerprint(messages: i64) -> RoomFingerprint {
        RoomFingerprint {
            chat_id_bound: Some(messages),
            first_chat_id: Some(1),
            snapshot_messages: messages,
            start_ticks: None,
        }
    }

    fn reuse(staging: &Staging, room_id: i32, messages: i64) -> Reuse {
        let mut bundled = staging.bundled_rooms(|_| {});
        staging.reusable(
            room_id,
            &fingerprint(messages),
            &mut bundled,
            &mut OpenArchives::default(),
        )
    }

    #[test]
    fn bundled_rooms_are_reused_only_while_their_bundle_hashes_right_and_an_unfinished_one_leaves_nothing(
    ) {
        let dir = std::env::temp_dir().join(format!("pcm-bundle-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let source = SourceIdentity {
            instance: "sql01".to_string(),
            database: "GroupChat".to_string(),
            database_id: 5,
            create_date: "2010-01-01T00:00:00".to_string(),
        };
        let staging =
            Staging::open(&dir, &source, serde_json::Value::Null, |_| {}).expect("staging");
        let mut bundle = BundleWriter::create(&staging).expect("bundle");
        for (room, count) in [(7, 3), (8, 2)] {
            let messages: Vec<Message> = (1..=count).map(message).collect();
            bundle
                .add_room(&staging, room, fingerprint(count), &messages)
                .expect("room");
        }
        let metas = bundle.finish().expect("finished");
        assert_eq!(metas.len(), 2);
        assert!(metas
            .iter()
            .all(|m| m.bundle.as_deref() == Some("bundle-1.zip")));
        assert!(matches!(reuse(&staging, 7, 3), Reuse::Reused(m) if m.history.messages == 3));
        assert!(
            matches!(reuse(&staging, 8, 3), Reuse::Discarded(_)),
            "room 8 changed"
        );
        assert_eq!(reuse(&staging, 9, 1), Reuse::Absent);

        // A bundle dropped unfinished (a cancel, a failed read) leaves no file; the finished one stays.
        let staging = Staging::open(&dir, &source, serde_json::Value::Null, |_| {}).expect("again");
        let mut unfinished = BundleWriter::create(&staging).expect("second bundle");
        unfinished
            .add_room(&staging, 9, fingerprint(1), &[message(1)])
            .expect("room 9");
        drop(unfinished);
        assert_eq!(reuse(&staging, 9, 1), Reuse::Absent);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with(PREFIX))
            .collect();
        assert_eq!(
            names.len(),
            2,
            "bundle-1.zip and its record only: {names:?}"
        );

        // A damaged bundle is never trusted: its rooms are exported again.
        let zip = dir.join("bundle-1.zip");
        let mut bytes = std::fs::read(&zip).expect("bundle bytes");
        let middle = bytes.len() / 3;
        bytes[middle] ^= 0xFF;
        std::fs::write(&zip, bytes).expect("damage");
        assert!(matches!(reuse(&staging, 7, 3), Reuse::Discarded(_)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bundle_numbers_are_read_from_every_file_a_bundle_leaves() {
        assert_eq!(bundle_number("bundle-7.zip"), Some(7));
        assert_eq!(bundle_number("bundle-12.json"), Some(12));
        assert_eq!(bundle_number("bundle-3.zip.tmp"), Some(3));
        assert_eq!(bundle_number("room-3.zip"), None);
        assert_eq!(bundle_number("bundle-x.zip"), None);
    }
}
