//! The archive's typed outputs: the job's result, the manifest written into the archive, and one line of the
//! JSON Lines copy of the history.

use super::output::ArchiveFile;
use crate::package::format::SourceInfo;
use serde::{Deserialize, Serialize};

/// Name and version of the archive manifest's format.
pub const ARCHIVE_FORMAT: &str = "pchat-migrate-archive";
pub const ARCHIVE_FORMAT_VERSION: &str = "1.0";

/// One archived room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedRoom {
    pub room_id: i32,
    pub guid: String,
    pub name: String,
    /// The categories above the room, from below the root down to its parent (as in the package).
    pub path: Vec<String>,
    pub messages: u64,
    pub pages: u64,
    /// The room's first page, relative to the archive folder (`rooms/<guid>.html`).
    pub page: String,
    /// The room's JSON Lines copy, relative to the archive folder (`data/<guid>.jsonl`).
    pub data: String,
    pub first_message_utc: Option<String>,
    pub last_message_utc: Option<String>,
    pub disabled: bool,
    /// Why a default import leaves the room out, when it does.
    pub not_migrated: Option<String>,
}

/// A room of the package that the selection left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeftOutRoom {
    pub room_id: i32,
    pub guid: String,
    pub name: String,
    pub path: Vec<String>,
}

/// The figures of an archive run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveCounts {
    pub rooms: u64,
    pub messages: u64,
    pub pages: u64,
    /// Every file of the archive, the manifest and SHA256SUMS included.
    pub files: u64,
    pub bytes: u64,
    /// Rooms of the package the selection left out.
    pub skipped_rooms: u64,
    /// `ma-filelink:` links rendered as links into the file store.
    pub file_links: u64,
    /// `ma-filelink:` links refused as unsafe, shown as inert text.
    pub refused_file_links: u64,
    /// Safe links shown as text because no file store URL was given.
    pub unlinked_file_links: u64,
}

/// The result of `archive`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveResult {
    pub output_folder: String,
    /// The index page to open (`<outputFolder>/index.html`).
    pub index_path: String,
    pub manifest_path: String,
    pub package: String,
    pub time_zone: String,
    pub file_store_url: Option<String>,
    pub messages_per_page: u32,
    pub counts: ArchiveCounts,
    pub rooms: Vec<ArchivedRoom>,
    pub skipped_rooms: Vec<LeftOutRoom>,
}

/// What was asked for, as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    pub rooms: Vec<String>,
    pub only_not_migrated: bool,
}

/// The package an archive was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageFacts {
    /// The package's file name (without its folder, so the same package gives the same manifest anywhere).
    pub file_name: String,
    pub created_utc: String,
    pub source: SourceInfo,
}

/// `archive-manifest.json`: what the archive holds and the SHA-256 of every file, so it can be checked later.
/// No time of writing is recorded: the same package and parameters give the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveManifest {
    pub format: String,
    pub format_version: String,
    pub tool: crate::package::format::ToolInfo,
    pub package: PackageFacts,
    pub selection: Selection,
    pub time_zone: String,
    pub file_store_url: Option<String>,
    pub messages_per_page: u32,
    pub counts: ArchiveCounts,
    pub rooms: Vec<ArchivedRoom>,
    /// Every file except this manifest and SHA256SUMS, in path order.
    pub files: Vec<ArchiveFile>,
}

/// One line of a room's JSON Lines copy (`data/<guid>.jsonl`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedMessage {
    pub room_guid: String,
    pub room_id: i32,
    pub chat_id: i64,
    /// .NET ticks as stored.
    pub chat_date: i64,
    pub chat_date_utc: String,
    pub poster_id: i32,
    pub poster_guid: Option<String>,
    pub poster_name: Option<String>,
    pub poster_uri: Option<String>,
    pub is_alert: bool,
    /// As stored (lossy when `contentUtf16Base64` is present, as in the package).
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_utf16_base64: Option<String>,
}
