//! The export report: the same facts as the result object, as JSON for scripts (machine field names, raw
//! numbers: runbooks read it) and as a self-contained HTML page for change records (labels for people, sizes
//! and durations in units, names inert).

use super::paths::ReportPaths;
use crate::error::PcmError;
use crate::util::text::{escape_control, json_terminal_safe};
use crate::util::units::{format_bytes, format_count, format_duration_ms};
use serde_json::{json, Value};
use std::path::Path;

/// HTML-escapes text after showing its control characters as escapes, so a room name holding ESC, BEL or a
/// bidi override is shown literally and cannot reorder or hide what the reader sees.
fn escape(text: &str) -> String {
    escape_control(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => escape(s),
        Value::Bool(true) => "yes".to_string(),
        Value::Bool(false) => "no".to_string(),
        Value::Number(n) => match n.as_u64() {
            Some(n) => format_count(n),
            None => escape(&n.to_string()),
        },
        other => escape(&other.to_string()),
    }
}

/// A number of the result shown with a formatter, or an empty cell when it is absent.
fn figure(value: &Value, format: fn(u64) -> String) -> String {
    value.as_u64().map(format).unwrap_or_else(|| cell(value))
}

/// Labels for the entries of `counts`; an entry this list does not know yet is labelled from its name.
const COUNT_LABELS: &[(&str, &str)] = &[
    ("principals", "Principals (users and groups) exported"),
    ("categories", "Categories exported"),
    ("rooms", "Rooms exported"),
    ("roles", "Role assignments exported"),
    ("scopes", "Scope entries exported"),
    ("addins", "Add-ins exported"),
    ("messages", "Messages exported"),
];

/// `nonUnicodeMessages` → `Non unicode messages`, for count entries without a label.
fn label_from_name(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn row(html: &mut String, label: &str, value: &str) {
    html.push_str(&format!(
        "<tr><th>{}</th><td>{value}</td></tr>\n",
        escape(label)
    ));
}

/// The HTML page (pure, for tests).
pub fn render_html(result: &Value, rooms: &[Value]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>pchat-migrate export report</title>\
         <style>body{font-family:Segoe UI,Arial,sans-serif;margin:2em}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#eee}</style></head><body>\n\
         <h1>Group Chat export</h1>\n<table>\n",
    );
    let path = if result["path"].is_null() {
        "(returned to the caller, not written to a file)".to_string()
    } else {
        cell(&result["path"])
    };
    row(&mut html, "Package file", &path);
    let size = match result["sizeBytes"].as_u64() {
        Some(bytes) => format!("{} ({} bytes)", format_bytes(bytes), format_count(bytes)),
        None => cell(&result["sizeBytes"]),
    };
    row(&mut html, "Package size", &size);
    row(
        &mut html,
        "Source database",
        &format!(
            "{} / {} ({})",
            cell(&result["source"]["dbInstance"]),
            cell(&result["source"]["database"]),
            cell(&result["source"]["kind"])
        ),
    );
    row(&mut html, "Export level", &cell(&result["level"]));
    row(
        &mut html,
        "Duration",
        &figure(&result["durationMs"], format_duration_ms),
    );
    row(
        &mut html,
        "Export rate",
        &figure(&result["messagesPerSecond"], |n| {
            format!("{} messages/s", format_count(n))
        }),
    );
    row(
        &mut html,
        "Room histories reused from an interrupted run",
        &cell(&result["reusedRooms"]),
    );
    row(
        &mut html,
        "Rooms disabled in the source after export",
        &cell(&result["roomsDisabledInSource"]),
    );
    if let Some(counts) = result["counts"].as_object() {
        for (name, value) in counts {
            let label = COUNT_LABELS
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, l)| l.to_string())
                .unwrap_or_else(|| label_from_name(name));
            row(&mut html, &label, &cell(value));
        }
    }
    if !result["nonUnicodeMessages"].is_null() {
        row(
            &mut html,
            "Messages kept as exact UTF-16 bytes (not valid Unicode)",
            &cell(&result["nonUnicodeMessages"]),
        );
    }
    html.push_str("</table>\n<h2>Warnings</h2>\n<ul>\n");
    for w in result["warnings"].as_array().into_iter().flatten() {
        html.push_str(&format!("<li>{}</li>\n", cell(&w["message"])));
    }
    html.push_str("</ul>\n");
    if let Some(list) = result["nonUnicodeMessageList"]
        .as_array()
        .filter(|l| !l.is_empty())
    {
        html.push_str(
            "<h2>Messages kept as exact UTF-16 bytes (not valid Unicode)</h2>\n<table>\
             <tr><th>Room ID (nodeID)</th><th>Message (chatId)</th></tr>\n",
        );
        for m in list {
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td></tr>\n",
                escape(&m["roomId"].to_string()),
                escape(&m["chatId"].to_string())
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
            escape(&r["roomId"].to_string()),
            cell(&r["room"]),
            cell(&r["disabled"]),
            cell(&r["messages"]),
            cell(&r["firstMessageUtc"]),
            cell(&r["lastMessageUtc"])
        ));
    }
    html.push_str("</table>\n</body></html>\n");
    html
}

/// Writes the HTML and the JSON report where `paths` says (checked before the export, see
/// `super::paths::ReportPaths`); returns both paths.
pub fn write(paths: &ReportPaths, result: &Value, rooms: &[Value]) -> Result<Value, PcmError> {
    let (html_path, json_path) = (&paths.html, &paths.json);
    let document = json!({ "result": result, "rooms": rooms });
    let io = |p: &Path, e: std::io::Error| PcmError::io("writing the report", p, e);
    // The same JSON value, with C1 and bidi characters as \u escapes so `type`/`cat` of the file is safe too.
    let json_text = serde_json::to_string_pretty(&document).unwrap_or_default();
    std::fs::write(json_path, json_terminal_safe(&json_text).as_bytes())
        .map_err(|e| io(json_path, e))?;
    std::fs::write(html_path, render_html(result, rooms)).map_err(|e| io(html_path, e))?;
    Ok(json!({ "html": html_path.display().to_string(), "json": json_path.display().to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Value, Vec<Value>) {
        let result = json!({
            "path": "/tmp/out.zip",
            "sizeBytes": 1_468_006,
            "source": { "dbInstance": "sql01\\rtc", "database": "GroupChat\u{1b}]0;owned\u{7}", "kind": "LyncGroupChat2010" },
            "level": "All",
            "counts": { "principals": 3, "rooms": 2, "messages": 1500, "nonUnicodeMessages": 1 },
            "reusedRooms": 0,
            "roomsDisabledInSource": 2,
            "durationMs": 72_400,
            "messagesPerSecond": 12_345,
            "warnings": [{ "code": "w", "message": "room '\u{1b}[31mred' <b>" }],
        });
        let rooms = vec![json!({
            "roomId": 7, "room": "Sales\\\u{1b}[2J\u{202e}evil", "disabled": true, "messages": 1500,
            "firstMessageUtc": "2011-01-01T00:00:00Z", "lastMessageUtc": null
        })];
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
            "Non unicode messages",
            "Disabled in the source database",
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
        let text =
            std::fs::read_to_string(written["json"].as_str().expect("json path")).expect("read");
        assert!(!text
            .chars()
            .any(|c| c != '\n' && crate::util::text::is_unsafe_char(c)));
        let back: Value = serde_json::from_str(&text).expect("parses");
        assert_eq!(back["result"]["roomsDisabledInSource"], 2);
        assert_eq!(back["rooms"][0]["room"], rooms[0]["room"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
