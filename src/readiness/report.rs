//! The readiness report: the result as JSON (terminal-safe, for scripts) and a self-contained HTML page for
//! people: the summary, the messages-per-month chart (inline SVG, see [`super::chart`]), the findings by
//! severity with the rooms each touches, file links and target collisions. No script, no external asset; every
//! name is escaped (names come from databases an attacker may have written). The layout wraps long names
//! (`overflow-wrap: anywhere`, fixed table layout) so the page is never wider than the window.

use super::chart::render_svg;
use super::figures::Month;
use super::ReadinessResult;
use crate::error::PcmError;
use crate::export::paths::ReportPaths;
use crate::transform::{Finding, Severity};
use crate::util::text::json_terminal_safe;
use crate::util::units::format_count;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The report files written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportFiles {
    pub html: String,
    pub json: String,
}

/// HTML escaping, shared by every report (the chart uses it too).
pub use crate::util::html::escape;

/// Rooms listed inline before the rest goes into a `<details>` element.
const ROOMS_INLINE: usize = 10;

const STYLE: &str = "body{font-family:Segoe UI,Arial,sans-serif;margin:2em;max-width:100%}\
    table{border-collapse:collapse;width:100%;table-layout:fixed}\
    td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top;\
    overflow-wrap:anywhere;word-break:break-word}th{background:#eee}\
    .summary th{width:30%}.findings col.code{width:14%}.findings col.rooms{width:30%}\
    .chart{display:block;max-width:100%;height:auto;font-size:11px}\
    .bar{fill:#2f6fb0}.bar.before-start{fill:#b9cde3}.grid{stroke:#e3e3e3}.axis,.tick{stroke:#444}\
    .Error{color:#a00}.Warning{color:#8a5a00}";

fn row(html: &mut String, label: &str, value: &str) {
    let _ = writeln!(html, "<tr><th>{}</th><td>{value}</td></tr>", escape(label));
}

fn opt(value: &Option<String>) -> String {
    value.as_deref().map(escape).unwrap_or_default()
}

/// The HTML page (pure, for tests).
pub fn render_html(result: &ReadinessResult, start: Option<Month>) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>pchat-migrate readiness report</title><style>{STYLE}</style></head><body>\n\
         <h1>Group Chat migration readiness</h1>\n"
    );
    summary(&mut html, result);
    html.push_str("<h2>Messages per month</h2>\n");
    if result.start_date_utc.is_some() {
        html.push_str(
            "<p>Lighter bars: months before -StartDate, which an export with it leaves out.</p>\n",
        );
    }
    html.push_str(&render_svg(&result.months, start));
    if result.undated_messages > 0 {
        let _ = writeln!(
            html,
            "<p>{} message(s) have a time stamp that is no date and are not in the chart.</p>",
            format_count(result.undated_messages)
        );
    }
    findings(&mut html, &result.findings);
    file_links(&mut html, result);
    collisions(&mut html, result);
    html.push_str("</body></html>\n");
    html
}

fn summary(html: &mut String, r: &ReadinessResult) {
    html.push_str("<table class=\"summary\">\n");
    let source = match &r.source.file_name {
        Some(file) => format!(
            "package {} (from {} / {})",
            escape(file),
            opt(&r.source.db_instance),
            opt(&r.source.database)
        ),
        None => format!(
            "{} / {}",
            opt(&r.source.db_instance),
            opt(&r.source.database)
        ),
    };
    row(
        html,
        "Source",
        &format!("{source} ({})", escape(&r.source.kind)),
    );
    let target = match &r.target {
        Some(t) => format!(
            "{} / {} ({})",
            escape(&t.db_instance),
            escape(&t.database),
            escape(&t.kind)
        ),
        None => "not checked (give a target for collisions)".to_string(),
    };
    row(html, "Target", &target);
    row(
        html,
        "Ready",
        if r.ready {
            "yes: no finding stops an import"
        } else {
            "no: fix the errors below first"
        },
    );
    let s = r.severity_counts;
    row(
        html,
        "Findings",
        &format!(
            "{} error(s), {} warning(s), {} info",
            s.errors, s.warnings, s.info
        ),
    );
    row(
        html,
        "Start date",
        &r.start_date_utc
            .as_deref()
            .map(escape)
            .unwrap_or_else(|| "none (all history)".into()),
    );
    row(html, "Conflict action", &format!("{:?}", r.conflict_action));
    let c = &r.counts;
    for (label, n) in [
        ("Principals after the import", c.principals),
        ("Categories after flattening", c.categories),
        ("Rooms migrated", c.rooms),
        ("Role assignments", c.roles),
        ("Scope entries", c.scopes),
        ("Add-ins", c.addins),
        ("Messages migrated", c.messages),
        ("Rooms skipped", c.skipped_rooms),
        ("Messages in skipped rooms", c.skipped_messages),
        ("Rooms in the source", c.source_rooms),
        ("Messages in the source", c.source_messages),
        ("Messages with file links", r.file_links.messages),
    ] {
        row(html, label, &format_count(n));
    }
    let e = &r.estimate;
    row(
        html,
        "Estimated time",
        &format!(
            "export {:.0} s, import {:.0} s, total {:.0} s ({})",
            e.export_seconds,
            e.import_seconds,
            e.total_seconds,
            escape(&e.basis)
        ),
    );
    html.push_str("</table>\n");
}

/// The rooms of a finding: the first few inline, the rest in a `<details>` element (no script needed).
fn room_list(rooms: &[String]) -> String {
    let inline: Vec<String> = rooms.iter().take(ROOMS_INLINE).map(|r| escape(r)).collect();
    let mut out = inline.join("<br>");
    if rooms.len() > ROOMS_INLINE {
        let rest: Vec<String> = rooms[ROOMS_INLINE..].iter().map(|r| escape(r)).collect();
        let _ = write!(
            out,
            "<details><summary>{} more</summary>{}</details>",
            rest.len(),
            rest.join("<br>")
        );
    }
    out
}

fn findings(html: &mut String, all: &[Finding]) {
    html.push_str("<h2>Findings</h2>\n");
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let of: Vec<&Finding> = all.iter().filter(|f| f.severity == severity).collect();
        let _ = writeln!(
            html,
            "<h3 class=\"{severity:?}\">{severity:?} ({})</h3>",
            of.len()
        );
        if of.is_empty() {
            continue;
        }
        html.push_str(
            "<table class=\"findings\"><colgroup><col class=\"code\"><col><col class=\"rooms\"></colgroup>\
             <tr><th>Code</th><th>Finding</th><th>Rooms</th></tr>\n",
        );
        for f in of {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&f.code),
                escape(&f.message),
                room_list(&f.rooms)
            );
        }
        html.push_str("</table>\n");
    }
}

fn file_links(html: &mut String, r: &ReadinessResult) {
    if r.file_links.rooms.is_empty() {
        return;
    }
    html.push_str(
        "<h2>Rooms with file links</h2>\n<p>The files live in the legacy file store: copy them separately.</p>\n\
         <table><tr><th>Room</th><th>Legacy path</th><th>Messages with links</th></tr>\n",
    );
    for room in &r.file_links.rooms {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&room.room),
            escape(&room.source_path),
            format_count(room.messages)
        );
    }
    html.push_str("</table>\n");
}

fn collisions(html: &mut String, r: &ReadinessResult) {
    let Some(t) = &r.target else { return };
    let _ = writeln!(
        html,
        "<h2>In the target already ({})</h2>",
        t.collisions.len()
    );
    if t.collisions.is_empty() {
        return;
    }
    html.push_str("<table><tr><th>Type</th><th>Name</th><th>Name in the target</th><th>Found by</th><th>Import would</th></tr>\n");
    for c in &t.collisions {
        let action = if c.refused {
            "stop before the first write (-ConflictAction Fail)".to_string()
        } else {
            serde_json::to_string(&c.action).unwrap_or_default()
        };
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&c.entity_type),
            escape(&c.name),
            escape(&c.target_name),
            if c.by_guid {
                "GUID (earlier import)"
            } else {
                "name"
            },
            escape(&action)
        );
    }
    html.push_str("</table>\n");
}

/// Writes both files; returns their paths.
pub fn write(
    paths: &ReportPaths,
    result: &ReadinessResult,
    start: Option<Month>,
) -> Result<ReportFiles, PcmError> {
    let io = |p: &std::path::Path, e: std::io::Error| PcmError::io("writing the report", p, e);
    let json = serde_json::to_string_pretty(result)
        .map_err(|e| PcmError::Internal(format!("the readiness result does not serialize: {e}")))?;
    std::fs::write(&paths.json, json_terminal_safe(&json).as_bytes())
        .map_err(|e| io(&paths.json, e))?;
    std::fs::write(&paths.html, render_html(result, start)).map_err(|e| io(&paths.html, e))?;
    Ok(ReportFiles {
        html: paths.html.display().to_string(),
        json: paths.json.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readiness::figures::MonthCount;
    use crate::readiness::{ExpectedCounts, SeverityCounts, SourceInfo};

    fn sample() -> ReadinessResult {
        let hostile = "<script>alert(1)</script>\u{1b}[2J".to_string();
        ReadinessResult {
            source: SourceInfo {
                kind: "LyncGroupChat2010".into(),
                db_instance: Some("sql01".into()),
                database: Some("GroupChat\"><b>".into()),
                file_name: None,
            },
            target: None,
            ready: false,
            severity_counts: SeverityCounts {
                errors: 1,
                warnings: 0,
                info: 0,
            },
            start_date_utc: None,
            conflict_action: Default::default(),
            options: Default::default(),
            counts: ExpectedCounts::default(),
            file_links: Default::default(),
            findings: vec![Finding {
                severity: Severity::Error,
                code: "name_too_long".into(),
                message: format!("room '{hostile}' is too long"),
                entity_type: Some("Room".into()),
                entity: Some(hostile.clone()),
                rooms: (0..12).map(|i| format!("{hostile} {i}")).collect(),
            }],
            estimate: crate::readiness::estimate::estimate(0, 0, 0, 0),
            months: vec![MonthCount {
                month: "2011-01".into(),
                year: 2011,
                month_number: 1,
                messages: 3,
            }],
            undated_messages: 0,
            report: None,
        }
    }

    #[test]
    fn names_are_inert_and_long_room_lists_fold() {
        let html = render_html(&sample(), None);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b>"));
        assert!(!html.contains('\u{1b}'));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\u{1b}[2J"));
        assert!(html.contains("<details><summary>2 more</summary>"));
        assert!(html.contains("<h3 class=\"Error\">Error (1)</h3>"));
        assert!(html.contains("<rect class=\"bar\""));
    }

    #[test]
    fn both_files_are_written() {
        let dir = std::env::temp_dir().join(format!("pcm-readiness-report-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let paths = ReportPaths::for_path(&dir.join("r.html"));
        let files = write(&paths, &sample(), None).expect("written");
        let json = std::fs::read_to_string(&files.json).expect("json");
        let back: ReadinessResult = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, sample());
        assert!(!json.contains('\u{1b}'), "terminal-safe");
        assert!(std::fs::read_to_string(&files.html)
            .expect("html")
            .contains("<svg"));
    }
}
