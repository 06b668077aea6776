//! The file manifest: every `ma-filelink:` reference of every room, with the checked relative path it names
//! (or why it is refused), per-room counts and the distinct files. Built from the messages a reader streams
//! (a package, src/files/source.rs, or a database) one at a time: memory holds the references, never history.

use super::links::{file_links, RelativePath};
use crate::util::ticks::ticks_to_iso;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The room a message belongs to, as the manifest names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomRef {
    pub room_id: i32,
    /// `nodeGuid`; empty when the room is not in the node table (history of a deleted room).
    pub room_guid: String,
    pub room_name: String,
}

/// One reference: a link in one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestEntry {
    pub room_id: i32,
    pub room_guid: String,
    pub room_name: String,
    pub chat_id: i64,
    /// .NET ticks, as stored.
    pub chat_date: i64,
    pub chat_date_utc: Option<String>,
    /// The link exactly as written, marker included.
    pub link: String,
    /// The file it names under the repository root (`/` separators); absent when refused.
    pub path: Option<String>,
    /// Why the link names no file under the root (`..`, a drive, a share ...); absent when accepted.
    pub refused: Option<String>,
}

/// Per room: how many messages link files, how many links and distinct files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomLinks {
    pub room_id: i32,
    pub room_guid: String,
    pub room_name: String,
    pub messages_with_links: u64,
    pub links: u64,
    pub distinct_files: u64,
    pub refused_links: u64,
}

/// Totals over every room.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestTotals {
    pub rooms_with_links: u64,
    pub messages_with_links: u64,
    pub links: u64,
    /// Distinct accepted paths over all rooms (compared case-insensitively, as Windows names are).
    pub distinct_files: u64,
    pub refused_links: u64,
}

/// The whole manifest, in memory (references only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileManifest {
    /// Rooms with at least one link, by room id.
    pub rooms: Vec<RoomLinks>,
    /// Every reference, in room then chatId order.
    pub entries: Vec<ManifestEntry>,
    pub totals: ManifestTotals,
}

/// The key two paths are the same file by: Windows file names are case-insensitive.
pub fn path_key(path: &RelativePath) -> String {
    path.as_slash_path().to_lowercase()
}

impl FileManifest {
    /// Accepted references grouped by file (case-insensitive key): the path as first written and the rooms
    /// that reference it.
    pub fn referenced_files(&self) -> BTreeMap<String, (String, Vec<RoomRef>)> {
        let mut files: BTreeMap<String, (String, Vec<RoomRef>)> = BTreeMap::new();
        for e in &self.entries {
            let Some(path) = &e.path else { continue };
            let (_, rooms) = files
                .entry(path.to_lowercase())
                .or_insert_with(|| (path.clone(), Vec::new()));
            if !rooms.iter().any(|r| r.room_id == e.room_id) {
                rooms.push(RoomRef {
                    room_id: e.room_id,
                    room_guid: e.room_guid.clone(),
                    room_name: e.room_name.clone(),
                });
            }
        }
        files
    }

    /// The refused references.
    pub fn refused(&self) -> impl Iterator<Item = &ManifestEntry> {
        self.entries.iter().filter(|e| e.refused.is_some())
    }
}

/// Collects references message by message; [`ManifestBuilder::finish`] gives the manifest.
#[derive(Debug, Default)]
pub struct ManifestBuilder {
    rooms: BTreeMap<i32, (RoomLinks, BTreeSet<String>)>,
    entries: Vec<ManifestEntry>,
}

impl ManifestBuilder {
    /// Adds one message's links (none: nothing happens, at the cost of one scan of the content).
    pub fn add_message(&mut self, room: &RoomRef, chat_id: i64, chat_date: i64, content: &str) {
        let links = file_links(content);
        if links.is_empty() {
            return;
        }
        let (figures, files) = self.rooms.entry(room.room_id).or_insert_with(|| {
            (
                RoomLinks {
                    room_id: room.room_id,
                    room_guid: room.room_guid.clone(),
                    room_name: room.room_name.clone(),
                    ..RoomLinks::default()
                },
                BTreeSet::new(),
            )
        });
        figures.messages_with_links += 1;
        for link in links {
            figures.links += 1;
            let (path, refused) = match &link.target {
                Ok(path) => {
                    files.insert(path_key(path));
                    (Some(path.as_slash_path()), None)
                }
                Err(why) => {
                    figures.refused_links += 1;
                    (None, Some(why.to_string()))
                }
            };
            self.entries.push(ManifestEntry {
                room_id: room.room_id,
                room_guid: room.room_guid.clone(),
                room_name: room.room_name.clone(),
                chat_id,
                chat_date,
                chat_date_utc: ticks_to_iso(chat_date),
                link: link.raw,
                path,
                refused,
            });
        }
    }

    pub fn finish(self) -> FileManifest {
        let mut all_files = BTreeSet::new();
        let mut totals = ManifestTotals::default();
        let rooms = self
            .rooms
            .into_values()
            .map(|(mut figures, files)| {
                figures.distinct_files = u64::try_from(files.len()).unwrap_or(u64::MAX);
                totals.rooms_with_links += 1;
                totals.messages_with_links += figures.messages_with_links;
                totals.links += figures.links;
                totals.refused_links += figures.refused_links;
                all_files.extend(files);
                figures
            })
            .collect();
        totals.distinct_files = u64::try_from(all_files.len()).unwrap_or(u64::MAX);
        FileManifest {
            rooms,
            entries: self.entries,
            totals,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(id: i32) -> RoomRef {
        RoomRef {
            room_id: id,
            room_guid: format!("g{id}"),
            room_name: format!("Room {id}"),
        }
    }

    #[test]
    fn counts_messages_links_and_distinct_files_per_room_case_insensitively() {
        let mut b = ManifestBuilder::default();
        b.add_message(&room(2), 1, 0, "no link here");
        b.add_message(
            &room(2),
            2,
            0,
            "ma-filelink:///a/x.txt and ma-filelink:///a/X.TXT",
        );
        b.add_message(&room(2), 3, 0, "ma-filelink:///../etc/passwd");
        b.add_message(&room(5), 9, 0, "ma-filelink:///a/x.txt");
        let m = b.finish();
        assert_eq!(m.rooms.len(), 2);
        let r2 = &m.rooms[0];
        assert_eq!(
            (
                r2.messages_with_links,
                r2.links,
                r2.distinct_files,
                r2.refused_links
            ),
            (2, 3, 1, 1)
        );
        assert_eq!(m.totals.distinct_files, 1);
        assert_eq!(m.totals.links, 4);
        assert_eq!(m.entries.len(), 4);
        assert!(m.entries[2]
            .refused
            .as_deref()
            .is_some_and(|r| r.contains("leaves")));
        let files = m.referenced_files();
        assert_eq!(files.len(), 1);
        assert_eq!(files["a/x.txt"].1.len(), 2, "both rooms reference it");
    }
}
