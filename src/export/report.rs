//! The export report: the same facts as the result object, as JSON for scripts and as a self-contained HTML
//! page for change records.

use super::paths::ReportPaths;
use crate::error::PcmError;
use serde_json::{json, Value};
use std::path::Path;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => escape(s),
        other => escape(&other.to_string()),
    }
}

/// Writes the HTML and the JSON report where `paths` says (checked before the export, see
/// `super::paths::ReportPaths`); returns both paths.
pub fn write(paths: &ReportPaths, result: &Value, rooms: &[Value]) -> Result<Value, PcmError> {
    let (html_path, json_path) = (&paths.html, &paths.json);
    let document = json!({ "result": result, "rooms": rooms });
    let io = |p: &Path, e: std::io::Error| PcmError::io("writing the report", p, e);
    std::fs::write(
        json_path,
        serde_json::to_vec_pretty(&document).unwrap_or_default(),
    )
    .map_err(|e| io(json_path, e))?;
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>pchat-migrate export report</title>\
         <style>body{font-family:Segoe UI,Arial,sans-serif;margin:2em}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#eee}</style></head><body>\n\
         <h1>Group Chat export</h1>\n<table>\n",
    );
    for key in [
        "path",
        "sizeBytes",
        "level",
        "durationMs",
        "messagesPerSecond",
        "reusedRooms",
        "disabledRooms",
    ] {
        html.push_str(&format!(
            "<tr><th>{key}</th><td>{}</td></tr>\n",
            cell(&result[key])
        ));
    }
    html.push_str(&format!(
        "<tr><th>source</th><td>{} / {} ({})</td></tr>\n",
        cell(&result["source"]["dbInstance"]),
        cell(&result["source"]["database"]),
        cell(&result["source"]["kind"])
    ));
    if let Some(counts) = result["counts"].as_object() {
        for (k, v) in counts {
            html.push_str(&format!(
                "<tr><th>{}</th><td>{}</td></tr>\n",
                escape(k),
                cell(v)
            ));
        }
    }
    html.push_str("</table>\n<h2>Warnings</h2>\n<ul>\n");
    for w in result["warnings"].as_array().into_iter().flatten() {
        html.push_str(&format!("<li>{}</li>\n", cell(&w["message"])));
    }
    html.push_str("</ul>\n<h2>Rooms</h2>\n<table><tr><th>nodeID</th><th>room</th><th>disabled</th><th>messages</th><th>first</th><th>last</th></tr>\n");
    for r in rooms {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            cell(&r["roomId"]),
            cell(&r["room"]),
            cell(&r["disabled"]),
            cell(&r["messages"]),
            cell(&r["firstMessageUtc"]),
            cell(&r["lastMessageUtc"])
        ));
    }
    html.push_str("</table>\n</body></html>\n");
    std::fs::write(html_path, html).map_err(|e| io(html_path, e))?;
    Ok(json!({ "html": html_path.display().to_string(), "json": json_path.display().to_string() }))
}
