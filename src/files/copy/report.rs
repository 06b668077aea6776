//! The copy report: the result as JSON (machine names, raw numbers) and as one self-contained HTML page
//! (labels for people; every path, room name and link HTML-escaped with control characters shown as escapes;
//! no scripts, no external assets).

use super::result::{CopyFilesResult, FileIssue};
use crate::error::PcmError;
use crate::export::paths::ReportPaths;
use crate::util::text::{escape_control, json_terminal_safe};
use crate::util::units::{format_bytes, format_count};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The report files written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFiles {
    pub html: String,
    pub json: String,
}

fn escape(text: &str) -> String {
    escape_control(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn row(html: &mut String, label: &str, value: &str) {
    html.push_str(&format!(
        "<tr><th>{}</th><td>{}</td></tr>\n",
        escape(label),
        escape(value)
    ));
}

fn issues(html: &mut String, title: &str, list: &[FileIssue]) {
    if list.is_empty() {
        return;
    }
    html.push_str(&format!(
        "<h2>{}</h2>\n<table><tr><th>File</th><th>Why</th></tr>\n",
        escape(title)
    ));
    for i in list {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td></tr>\n",
            escape(&i.path),
            escape(&i.reason)
        ));
    }
    html.push_str("</table>\n");
}

fn summary(html: &mut String, r: &CopyFilesResult) {
    let c = &r.counts;
    row(html, "Source (legacy file repository)", &r.source);
    row(
        html,
        "Destination (Persistent Chat file store)",
        &r.destination,
    );
    if r.what_if {
        row(html, "Mode", "WhatIf: nothing was written");
    }
    row(
        html,
        "Result",
        if r.succeeded {
            "every source file is at the destination with the same content"
        } else {
            "NOT complete: see the conflicts and failures below"
        },
    );
    row(
        html,
        "Files in the source",
        &format!(
            "{} ({})",
            format_count(c.source_files),
            format_bytes(c.source_bytes)
        ),
    );
    let copied = if r.what_if {
        "Files that would be copied"
    } else {
        "Files copied and verified (SHA-256)"
    };
    row(
        html,
        copied,
        &format!(
            "{} ({})",
            format_count(c.copied),
            format_bytes(c.copied_bytes)
        ),
    );
    row(
        html,
        "Differing files replaced (old kept aside)",
        &format_count(c.overwritten),
    );
    row(
        html,
        "Already identical at the destination",
        &format_count(c.skipped_identical),
    );
    row(
        html,
        "Of those, trusted from the journal",
        &format_count(c.skipped_by_journal),
    );
    row(
        html,
        "Conflicts (destination differs, left untouched)",
        &format_count(c.conflicts),
    );
    row(html, "Failed", &format_count(c.failed));
    row(
        html,
        "Unfinished copies of an interrupted run removed",
        &format_count(c.removed_partial_files),
    );
    if r.links.is_some() {
        row(
            html,
            "Files referenced by rooms",
            &format_count(c.referenced_files),
        );
        row(
            html,
            "Referenced but missing at the source",
            &format_count(c.missing_at_source),
        );
        row(
            html,
            "Present but never referenced",
            &format_count(c.unreferenced),
        );
        row(
            html,
            "Refused (hostile) references",
            &format_count(c.refused_references),
        );
    }
    row(
        html,
        "Source entries refused",
        &format_count(c.refused_source_entries),
    );
    row(
        html,
        "Throughput",
        &format!("{:.1} MiB/s", r.mib_per_second),
    );
    if let Some(j) = &r.journal {
        row(html, "Journal", j);
    }
}

/// The HTML page (pure, for tests).
pub fn render_html(r: &CopyFilesResult) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>pchat-migrate file store copy</title>\
         <style>body{font-family:Segoe UI,Arial,sans-serif;margin:2em}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#eee}</style></head><body>\n\
         <h1>File store copy</h1>\n<table>\n",
    );
    summary(&mut html, r);
    html.push_str("</table>\n");
    issues(&mut html, "Conflicts", &r.conflicts);
    issues(&mut html, "Failed", &r.failed);
    if !r.overwritten.is_empty() {
        html.push_str(
            "<h2>Replaced</h2>\n<table><tr><th>File</th><th>Old file kept as</th></tr>\n",
        );
        for o in &r.overwritten {
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td></tr>\n",
                escape(&o.path),
                escape(&o.kept_as)
            ));
        }
        html.push_str("</table>\n");
    }
    if !r.missing_at_source.is_empty() {
        html.push_str(
            "<h2>Referenced but missing at the source, by room</h2>\n<table><tr><th>Room ID</th><th>Room</th>\
             <th>Room GUID</th><th>Missing files</th></tr>\n",
        );
        for m in &r.missing_at_source {
            let files: Vec<String> = m.files.iter().map(|f| escape(f)).collect();
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                m.room_id,
                escape(&m.room_name),
                escape(&m.room_guid),
                files.join("<br>")
            ));
        }
        html.push_str("</table>\n");
    }
    if !r.refused_references.is_empty() {
        html.push_str(
            "<h2>Refused references (never followed)</h2>\n<table><tr><th>Room</th><th>Message (chatId)</th>\
             <th>Link</th><th>Why</th></tr>\n",
        );
        for e in &r.refused_references {
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&e.room_name),
                e.chat_id,
                escape(&e.link),
                escape(e.refused.as_deref().unwrap_or(""))
            ));
        }
        html.push_str("</table>\n");
    }
    issues(&mut html, "Source entries refused", &r.refused_source);
    if !r.unreferenced.is_empty() {
        html.push_str("<h2>Present but never referenced</h2>\n<ul>\n");
        for u in &r.unreferenced {
            html.push_str(&format!("<li>{}</li>\n", escape(u)));
        }
        html.push_str("</ul>\n");
    }
    if !r.would_copy.is_empty() {
        html.push_str("<h2>Would be copied</h2>\n<ul>\n");
        for u in &r.would_copy {
            html.push_str(&format!("<li>{}</li>\n", escape(u)));
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</body></html>\n");
    html
}

/// Writes both reports (blocking).
pub fn write(paths: &ReportPaths, result: &CopyFilesResult) -> Result<ReportFiles, PcmError> {
    let io = |p: &Path, e: std::io::Error| PcmError::io("writing the report", p, e);
    let json = serde_json::to_string_pretty(result)
        .map_err(|e| PcmError::Internal(format!("the report cannot be serialized: {e}")))?;
    std::fs::write(&paths.json, json_terminal_safe(&json).as_bytes())
        .map_err(|e| io(&paths.json, e))?;
    std::fs::write(&paths.html, render_html(result)).map_err(|e| io(&paths.html, e))?;
    Ok(ReportFiles {
        html: paths.html.display().to_string(),
        json: paths.json.display().to_string(),
    })
}
