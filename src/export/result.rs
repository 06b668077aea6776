//! The export's result and the rows of its report, as typed structs: the job serializes them once; the report,
//! the CLI and PowerShell read these fields (their JSON names are the contract, see docs/package-format.md).

use super::ExportLevel;
use crate::package::format::EntityCounts;
use crate::schema::DatabaseKind;
use serde::{Deserialize, Serialize};

/// The result of `export`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    /// The package file; null with -AsBytes (the package is in `bytesBase64`).
    pub path: Option<String>,
    pub size_bytes: u64,
    pub source: ExportSource,
    pub level: ExportLevel,
    pub counts: EntityCounts,
    /// Room histories taken from an interrupted run's staging folder.
    pub reused_rooms: u64,
    /// Rooms disabled in the source by -DisableExportedNodes.
    pub rooms_disabled_in_source: u64,
    /// Messages carried as exact UTF-16 bytes (not valid Unicode), and the first of them.
    pub non_unicode_messages: u64,
    pub non_unicode_message_list: Vec<NonUnicodeMessage>,
    pub duration_ms: u64,
    pub messages_per_second: u64,
    pub warnings: Vec<ExportWarning>,
    /// The report files, when -Report was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportFiles>,
    /// The package itself, with -AsBytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_base64: Option<String>,
}

/// The database exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportSource {
    pub db_instance: String,
    pub database: String,
    pub kind: DatabaseKind,
}

/// A warning raised during the export (also sent as a warning event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportWarning {
    pub code: String,
    pub message: String,
}

/// A message whose content is not valid Unicode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NonUnicodeMessage {
    pub room_id: i32,
    pub chat_id: i64,
}

/// The report files written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFiles {
    pub html: String,
    pub json: String,
}

/// A room of the report's room table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomSummary {
    pub room_id: i32,
    /// `Category\Sub\Room`.
    pub room: String,
    pub disabled: bool,
    /// None for a room without history in the package (level RoomDirectory, or no content).
    pub messages: Option<u64>,
    pub first_message_utc: Option<String>,
    pub last_message_utc: Option<String>,
    /// Messages with `ma-filelink:` links (0 without history).
    #[serde(default)]
    pub file_link_messages: u64,
    /// Distinct files those links name.
    #[serde(default)]
    pub distinct_files: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON names PowerShell (Export-PChatMigrationData), the CLI's --json users and the tests read.
    #[test]
    fn the_json_names_stay_what_the_surfaces_read() {
        let result = ExportResult {
            path: None,
            size_bytes: 1,
            source: ExportSource {
                db_instance: "sql01".into(),
                database: "GroupChat".into(),
                kind: DatabaseKind::LyncGroupChat2010,
            },
            level: ExportLevel::All,
            counts: EntityCounts::default(),
            reused_rooms: 0,
            rooms_disabled_in_source: 0,
            non_unicode_messages: 1,
            non_unicode_message_list: vec![NonUnicodeMessage {
                room_id: 3,
                chat_id: 9,
            }],
            duration_ms: 0,
            messages_per_second: 0,
            warnings: Vec::new(),
            report: Some(ReportFiles {
                html: "r.html".into(),
                json: "r.json".into(),
            }),
            bytes_base64: Some("UEs=".into()),
        };
        let value = serde_json::to_value(&result).expect("serializes");
        let keys: Vec<&str> = value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = vec![
            "path",
            "sizeBytes",
            "source",
            "level",
            "counts",
            "reusedRooms",
            "roomsDisabledInSource",
            "nonUnicodeMessages",
            "nonUnicodeMessageList",
            "durationMs",
            "messagesPerSecond",
            "warnings",
            "report",
            "bytesBase64",
        ];
        expected.sort_unstable();
        assert_eq!(keys, expected);
        assert_eq!(value["path"], serde_json::Value::Null, "null, not absent");
        assert_eq!(value["source"]["dbInstance"], "sql01");
        assert_eq!(value["source"]["kind"], "LyncGroupChat2010");
        assert_eq!(value["level"], "All");
        assert_eq!(
            value["nonUnicodeMessageList"][0],
            serde_json::json!({"roomId": 3, "chatId": 9})
        );
        let without = ExportResult {
            report: None,
            bytes_base64: None,
            ..result
        };
        let value = serde_json::to_value(&without).expect("serializes");
        assert!(value.get("report").is_none() && value.get("bytesBase64").is_none());
        let back: ExportResult = serde_json::from_value(value).expect("reads back");
        assert_eq!(back, without);
    }
}
