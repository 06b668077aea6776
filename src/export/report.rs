//! The export report: the same facts as the result object, as JSON for scripts (machine field names, raw
//! numbers: runbooks read it) and as a self-contained HTML page for change records (labels for people, sizes
//! and durations in units, names inert).

use super::paths::ReportPaths;
use super::result::{ExportResult, ReportFiles, RoomSummary};
use crate::error::PcmError;
use crate::package::format::EntityCounts;
use crate::util::html::escape;
use crate::util::text::json_terminal_safe;
use crate::util::units::{format_bytes, format_count, format_duration_ms};
use serde::Serialize;
use std::path::Path;

/// A count for people (`1,500`).
fn number(n: u64) -> String {
    format_count(n)
}

fn yes_no(flag: bool) -> &'static str {
    if flag {
        "yes"
    } else {
        "no"
    }
}

/// An optional text, escaped; empty when absent.
fn text(value: Option<&str>) -> String {
    value.map(escape).unwrap_or_default()
}

/// Labels of the entity counts, in the order they are shown.
fn count_rows(counts: &EntityCounts) -> [(&'static str, u64); 7] {
    [
        ("Principals (users and groups) exported", counts.principals),
        ("Categories exported", counts.categories),
        ("Rooms exported", counts.rooms),
        ("Role assignments exported", counts.roles),
        ("Scope entries exported", counts.scopes),
        ("Add-ins exported", counts.addins),
        ("Messages exported", counts.messages),
    ]
}

fn row(html: &mut String, label: &str, value: &str) {
    html.push_str(&format!(
        "<tr><th>{}</th><td>{value}</td></tr>\n",
        escape(label)
    ));
}

/// The HTML page (pure, for tests).
pub fn render_html(result: &ExportResult, rooms: &[RoomSummary]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>pchat-migrate export report</title>\
         <style>body{font-family:Segoe UI,Arial,sans-serif;margin:2em}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#eee}</style></head><body>\n\
         <h1>Group Chat export</h1>\n<table>\n",
    );
    let path = match &result.path {
        None => "(returned to the caller, not written to a file)".to_string(),
        Some(path) => escape(path),
    };
    row(&mut html, "Package file", &path);
    let size = format!(
        "{} ({} bytes)",
        format_bytes(result.size_bytes),
        number(result.size_bytes)
    );
    row(&mut html, "Package size", &size);
    let source = &result.source;
    row(
        &mut html,
        "Source database",
        &format!(
            "{} / {} ({})",
            escape(&source.db_instance),
            escape(&source.database),
            escape(&format!("{:?}", source.kind))
        ),
    );
    row(
        &mut html,
        "Export level",
        &escape(&format!("{:?}", result.level)),
    );
    row(
        &mut html,
        "Duration",
        &format_duration_ms(result.duration_ms),
    );
    row(
        &mut html,
        "Export rate",
        &format!("{} messages/s", number(result.messages_per_second)),
    );
    row(
        &mut html,
        "Room histories reused from an interrupted run",
        &number(result.reused_rooms),
    );
    row(
        &mut html,
        "Rooms disabled in the source after export",
        &number(result.rooms_disabled_in_source),
    );
    for (label, value) in count_rows(&result.counts) {
        row(&mut html, label, &number(value));
    }
    row(
        &mut html,
        "Messages kept as exact UTF-16 bytes (not valid Unicode)",
        &number(result.non_unicode_messages),
    );
    html.push_str("</table>\n<h2>Warnings</h2>\n<ul>\n");
    for w in &result.warnings {
        html.push_str(&format!("<li>{}</li>\n", escape(&w.message)));
    }
    html.push_str("</ul>\n");
    if !result.non_unicode_message_list.is_empty() {
        html.push_str(
            "<h2>Messages kept as exact UTF-16 bytes (not valid Unicode)</h2>\n<table>\
             <tr><th>Room ID (nodeID)</th><th>Message (chatId)</th></tr>\n",
        );
        for m in &result.non_unicode_message_list {
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td></tr>\n",
                m.room_id, m.chat_id
            ));
        }
        html.push_str("</table>\n");
    }
    html.push_str(
        "<h2>Rooms</h2>\n<table><tr><th>Room ID (nodeID)</th><th>Room</th>\
         <th>Disabled in the source database</th><th>Messages</th><th>First message (UTC)</th>\
         <th>Last message (UTC)</th></tr>\n",
    );
    for r in rooms {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            r.room_id,
            escape(&r.room),
            yes_no(r.disabled),
            r.messages.map(number).unwrap_or_default(),
            text(r.first_message_utc.as_deref()),
            text(r.last_message_utc.as_deref())
        ));
    }
    html.push_str("</table>\n");
    file_links_section(&mut html, result, rooms);
    html.push_str("</body></html>\n");
    html
}

/// Per room with links: the messages with links and the distinct files, then what to run to copy them.
fn file_links_section(html: &mut String, result: &ExportResult, rooms: &[RoomSummary]) {
    html.push_str("<h2>File links</h2>\n");
    let linked: Vec<&RoomSummary> = rooms.iter().filter(|r| r.file_link_messages > 0).collect();
    if linked.is_empty() {
        html.push_str("<p>No exported message links a file (ma-filelink:).</p>\n");
        return;
    }
    html.push_str(
        "<table><tr><th>Room ID (nodeID)</th><th>Room</th><th>Messages with file links</th>\
         <th>Distinct files</th></tr>\n",
    );
    for r in &linked {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            r.room_id,
            escape(&r.room),
            number(r.file_link_messages),
            number(r.distinct_files)
        ));
    }
    html.push_str("</table>\n");
    let package = result
        .path
        .as_deref()
        .map(escape)
        .unwrap_or_else(|| "PACKAGE".into());
    html.push_str(&format!(
        "<p>The export does not copy files. Copy the legacy file repository to the Persistent Chat file store \
         with <code>pchat-migrate copy-files --source REPOSITORY --destination FILE-STORE --file-name {package}</code> \
         (Copy-PChatFileStore -FileName): it verifies every file and lists the referenced files missing at the \
         source (docs/file-store.md).</p>\n"
    ));
}

/// The JSON report: the result and the room table.
#[derive(Serialize)]
struct ReportDocument<'a> {
    result: &'a ExportResult,
    rooms: &'a [RoomSummary],
}

/// Writes the HTML and the JSON report where `paths` says (checked before the export, see
/// `super::paths::ReportPaths`); returns both paths.
pub fn write(
    paths: &ReportPaths,
    result: &ExportResult,
    rooms: &[RoomSummary],
) -> Result<ReportFiles, PcmError> {
    let (html_path, json_path) = (&paths.html, &paths.json);
    let document = ReportDocument { result, rooms };
    let io = |p: &Path, e: std::io::Error| PcmError::io("writing the report", p, e);
    // The same JSON value, with C1 and bidi characters as \u escapes so `type`/`cat` of the file is safe too.
    let json_text = serde_json::to_string_pretty(&document)
        .map_err(|e| PcmError::Internal(format!("the report cannot be serialized: {e}")))?;
    std::fs::write(json_path, json_terminal_safe(&json_text).as_bytes())
        .map_err(|e| io(json_path, e))?;
    std::fs::write(html_path, render_html(result, rooms)).map_err(|e| io(html_path, e))?;
    Ok(ReportFiles {
        html: html_path.display().to_string(),
        json: json_path.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (ExportResult, Vec<RoomSummary>) {
        use super::super::result::{ExportSource, ExportWarning, NonUnicodeMessage};
        let result = ExportResult {
            path: Some("/tmp/out.zip".into()),
            size_bytes: 1_468_006,
            source: ExportSource {
                db_instance: "sql01\\rtc".into(),
                database: "GroupChat\u{1b}]0;owned\u{7}".into(),
                kind: crate::schema::DatabaseKind::LyncGroupChat2010,
            },
            level: crate::export::ExportLevel::All,
            counts: EntityCounts {
                principals: 3,
                rooms: 2,
                messages: 1500,
                ..EntityCounts::default()
            },
            reused_rooms: 0,
            rooms_disabled_in_source: 2,
            non_unicode_messages: 1,
            non_unicode_message_list: vec![NonUnicodeMessage {
                room_id: 7,
                chat_id: 41,
            }],
            duration_ms: 72_400,
            messages_per_second: 12_345,
            warnings: vec![ExportWarning {
                code: "w".into(),
                message: "room '\u{1b}[31mred' <b>".into(),
            }],
            report: None,
            bytes_base64: None,
        };
        let rooms = vec![RoomSummary {
            room_id: 7,
            room: "Sales\\\u{1b}[2J\u{202e}evil".into(),
            disabled: true,
            messages: Some(1500),
            first_message_utc: Some("2011-01-01T00:00:00Z".into()),
            last_message_utc: None,
            file_link_messages: 1_234,
            distinct_files: 56,
        }];
        (result, rooms)
    }

    #[test]
    fn html_labels_fields_for_people_with_units() {
        let (result, rooms) = sample();
        let html = render_html(&result, &rooms);
        for expected in [
            "Rooms disabled in the source after export",
            "Room histories reused from an interrupted run",
            "1.4 MB (1,468,006 bytes)",
            "1 min 12 s",
            "12,345 messages/s",
            "Messages exported</th><td>1,500",
            "Messages kept as exact UTF-16 bytes (not valid Unicode)</th><td>1",
            "<td>7</td><td>41</td>",
            "Disabled in the source database",
            "<h2>File links</h2>",
            "<td>1,234</td><td>56</td>",
            "pchat-migrate copy-files",
        ] {
            assert!(html.contains(expected), "missing {expected:?} in\n{html}");
        }
        for machine_name in [
            "roomsDisabledInSource",
            "sizeBytes",
            "durationMs",
            "reusedRooms",
            "messagesPerSecond",
        ] {
            assert!(
                !html.contains(machine_name),
                "{machine_name} shown to people"
            );
        }
    }

    #[test]
    fn html_names_are_inert() {
        let (result, rooms) = sample();
        let html = render_html(&result, &rooms);
        assert!(
            !html
                .chars()
                .any(|c| c != '\n' && crate::util::text::is_unsafe_char(c)),
            "raw control character in the HTML report"
        );
        assert!(html.contains("Sales\\\\u{1b}[2J\\u{202e}evil"), "{html}");
        assert!(html.contains("&lt;b&gt;"));
    }

    #[test]
    fn json_report_keeps_machine_names_and_exact_values() {
        let (result, rooms) = sample();
        let dir = std::env::temp_dir().join(format!("pcm-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let written =
            write(&ReportPaths::for_path(&dir.join("r.html")), &result, &rooms).expect("written");
        let text = std::fs::read_to_string(&written.json).expect("read");
        assert!(!text
            .chars()
            .any(|c| c != '\n' && crate::util::text::is_unsafe_char(c)));
        let back: serde_json::Value = serde_json::from_str(&text).expect("parses");
        assert_eq!(back["result"]["roomsDisabledInSource"], 2);
        assert_eq!(back["rooms"][0]["room"], rooms[0].room.as_str());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
