//! The import report: the [`ImportResult`] as JSON for scripts (machine field names, raw numbers) and as a
//! self-contained HTML page for change records (target and preflight, summary, findings by severity, the
//! entities table). No scripts, no external assets; every name HTML-escaped with its control characters shown
//! as escapes. Existing files are replaced only with -Force, and that is checked before anything connects.

use super::params::ImportParams;
use super::result::{ImportResult, ReportFiles};
use super::{BackupStatus, StatusCounts};
use crate::error::PcmError;
use crate::export::paths::ReportPaths;
use crate::transform::Severity;
use crate::util::html::escape;
use crate::util::text::json_terminal_safe;
use crate::util::units::{format_bytes, format_count};
use std::io::Write;
use std::path::Path;

/// Where the report goes and whether existing files may be replaced.
#[derive(Debug, Clone)]
pub struct ReportTarget {
    pub paths: ReportPaths,
    pub force: bool,
}

impl ReportTarget {
    pub fn from_params(params: &ImportParams) -> Result<Option<ReportTarget>, PcmError> {
        Ok(params
            .report
            .as_deref()
            .map(|r| ReportTarget::new(r, params.force)))
    }

    /// The HTML file `report` and the JSON beside it (also used by `verify`'s report).
    pub fn new(report: &str, force: bool) -> ReportTarget {
        ReportTarget {
            paths: ReportPaths::for_path(Path::new(report)),
            force,
        }
    }

    /// Both files writable: their folder exists, neither is a folder, and an existing file only with -Force.
    pub fn check(&self) -> Result<(), PcmError> {
        for (path, kind) in [(&self.paths.html, "HTML"), (&self.paths.json, "JSON")] {
            let folder = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => std::path::PathBuf::from("."),
            };
            if !folder.is_dir() {
                return Err(PcmError::invalid_parameter(
                    "Report",
                    format!(
                        "the folder '{}' of -Report does not exist; create it first",
                        folder.display()
                    ),
                ));
            }
            if let Ok(meta) = std::fs::symlink_metadata(path) {
                if meta.is_dir() {
                    return Err(PcmError::invalid_parameter(
                        "Report",
                        format!(
                            "-Report: '{}' ({kind} report) is a folder; give a file name",
                            path.display()
                        ),
                    ));
                }
                if !self.force {
                    return Err(PcmError::invalid_parameter(
                        "Report",
                        format!(
                            "-Report: the {kind} report '{}' already exists; give -Force to replace it, or another \
                             name",
                            path.display()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

fn row(html: &mut String, label: &str, value: &str) {
    html.push_str(&format!(
        "<tr><th>{}</th><td>{}</td></tr>\n",
        escape(label),
        escape(value)
    ));
}

fn counts_row(html: &mut String, label: &str, c: &StatusCounts, what_if: bool) {
    let (created, updated, skipped) = if what_if {
        ("would create", "would update", "would skip")
    } else {
        ("created", "updated", "skipped")
    };
    row(
        html,
        label,
        &format!(
            "{} {created}, {} {updated}, {} {skipped}, {} failed",
            format_count(c.created),
            format_count(c.updated),
            format_count(c.skipped),
            format_count(c.failed)
        ),
    );
}

fn backup_text(backup: &BackupStatus) -> String {
    match backup {
        BackupStatus::Found {
            finished,
            hours_ago,
        } => format!("newest full backup finished {finished} ({hours_ago} hours ago)"),
        BackupStatus::None => "no full backup recorded in msdb".to_string(),
        BackupStatus::Unknown { reason } => format!("unknown: {reason}"),
    }
}

fn target_section(html: &mut String, r: &ImportResult) {
    html.push_str("<h2>Target and preflight</h2>\n<table>\n");
    row(html, "Server", &r.target.db_instance);
    row(html, "Database", &r.target.database);
    row(html, "Kind", &r.target.kind);
    row(html, "Package", &r.package.path);
    row(
        html,
        "Package source",
        &format!("{} ({})", r.package.source_database, r.package.source_kind),
    );
    row(html, "Package created (UTC)", &r.package.created_utc);
    if r.preflight.servers.is_empty() {
        row(html, "Persistent Chat servers", "none registered");
    }
    for s in &r.preflight.servers {
        let ping = match (&s.last_ping, s.minutes_ago) {
            (Some(at), Some(m)) => format!("last ping {at} ({} minute(s) ago)", m.max(0)),
            _ => "never pinged".to_string(),
        };
        row(
            html,
            &format!("Server {} {}", s.server_id, s.address),
            &ping,
        );
    }
    let lock = match &r.preflight.admin_lock {
        Some(l) => format!(
            "held by server id {} for actor id {} until {}",
            l.server_id, l.actor_id, l.expires
        ),
        None => "free".to_string(),
    };
    row(html, "Admin lock", &lock);
    row(html, "Backup", &backup_text(&r.preflight.backup));
    html.push_str("</table>\n");
}

fn summary_section(html: &mut String, r: &ImportResult) {
    html.push_str("<h2>Summary</h2>\n<table>\n");
    let s = &r.summary;
    counts_row(html, "Principals", &s.principals, r.what_if);
    counts_row(html, "Add-ins", &s.addins, r.what_if);
    counts_row(html, "Categories", &s.categories, r.what_if);
    counts_row(html, "Rooms", &s.rooms, r.what_if);
    row(
        html,
        "Messages in the imported rooms",
        &format_count(s.messages_total),
    );
    row(
        html,
        "Messages already in the target",
        &format_count(s.messages_already_present),
    );
    if !r.what_if {
        row(html, "Messages written", &format_count(s.messages_imported));
    }
    row(
        html,
        "Still to write (estimate)",
        &format!(
            "{} messages, {}, about {:.0} s ({})",
            format_count(r.estimate.messages),
            format_bytes(r.estimate.bytes),
            r.estimate.seconds,
            r.estimate.basis
        ),
    );
    html.push_str("</table>\n");
}

fn findings_section(html: &mut String, r: &ImportResult) {
    html.push_str("<h2>Findings</h2>\n");
    for (severity, title) in [
        (Severity::Error, "Errors"),
        (Severity::Warning, "Warnings"),
        (Severity::Info, "Information"),
    ] {
        let of: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        html.push_str(&format!("<h3>{title} ({})</h3>\n", of.len()));
        if of.is_empty() {
            continue;
        }
        html.push_str("<table>\n<tr><th>Code</th><th>Entity</th><th>Message</th></tr>\n");
        for f in of {
            let entity = match (&f.entity_type, &f.entity) {
                (Some(t), Some(e)) => format!("{t} {e}"),
                (_, Some(e)) => e.clone(),
                _ => String::new(),
            };
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(&f.code),
                escape(&entity),
                escape(&f.message)
            ));
        }
        html.push_str("</table>\n");
    }
}

fn entities_section(html: &mut String, r: &ImportResult) {
    html.push_str(&format!("<h2>Entities ({})</h2>\n", r.entities.len()));
    html.push_str("<table>\n<tr><th>Type</th><th>Name</th><th>Status</th><th>Notes</th></tr>\n");
    for e in &r.entities {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&e.entity_type),
            escape(&e.name),
            escape(&format!("{:?}", e.status)),
            escape(&e.notes)
        ));
    }
    html.push_str("</table>\n");
}

/// The HTML page (pure, for tests).
pub fn render_html(result: &ImportResult) -> String {
    let title = if result.what_if {
        "pchat-migrate import plan (-WhatIf: nothing written)"
    } else {
        "pchat-migrate import report"
    };
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:Segoe UI,Arial,sans-serif;margin:2em}}table{{border-collapse:collapse}}\
         th,td{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}</style></head><body>\n\
         <h1>{title}</h1>\n"
    );
    target_section(&mut html, result);
    summary_section(&mut html, result);
    findings_section(&mut html, result);
    entities_section(&mut html, result);
    html.push_str("</body></html>\n");
    html
}

/// Writes one report file, replacing an existing one only with `force` (also used by `verify`'s report).
pub fn write_file(path: &Path, text: &str, force: bool) -> Result<(), PcmError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        // Checked before connecting, and again here: a file created since is never replaced.
        options.create_new(true);
    }
    let mut file = options
        .open(path)
        .map_err(|e| PcmError::io("writing the report", path, e))?;
    file.write_all(text.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| PcmError::io("writing the report", path, e))
}

/// Writes both files (blocking: call it on the blocking pool) and returns their paths.
pub fn write(target: &ReportTarget, result: &ImportResult) -> Result<ReportFiles, PcmError> {
    let files = ReportFiles {
        html: target.paths.html.display().to_string(),
        json: target.paths.json.display().to_string(),
    };
    let mut recorded = result.clone();
    recorded.report = Some(files.clone());
    let json = serde_json::to_string_pretty(&recorded)
        .map_err(|e| PcmError::Internal(format!("the import report cannot be serialized: {e}")))?;
    write_file(&target.paths.json, &json_terminal_safe(&json), target.force)?;
    write_file(&target.paths.html, &render_html(&recorded), target.force)?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::result::{PackageInfo, Preflight, TargetInfo};
    use crate::target::{EntityResult, EntityStatus, Estimate, ImportSummary};
    use crate::transform::Finding;

    fn sample() -> ImportResult {
        ImportResult {
            what_if: true,
            target: TargetInfo {
                db_instance: "sql01".into(),
                database: "mgc".into(),
                kind: "PersistentChat2013".into(),
            },
            package: PackageInfo {
                path: "/tmp/p.zip".into(),
                source_kind: "LyncGroupChat2010".into(),
                source_database: "GroupChat".into(),
                created_utc: "2026-01-01T00:00:00Z".into(),
            },
            summary: ImportSummary::default(),
            entities: vec![EntityResult {
                entity_type: "Room".into(),
                name: "Sales\u{1b}[2J<script>alert(1)</script>".into(),
                status: EntityStatus::WouldCreate,
                notes: "3 message(s) to import".into(),
            }],
            findings: vec![Finding {
                severity: Severity::Error,
                code: "name_collision".into(),
                message: "room '<b>x</b>'".into(),
                entity_type: Some("Room".into()),
                entity: Some("x".into()),
                rooms: Vec::new(),
            }],
            preflight: Preflight {
                servers: Vec::new(),
                admin_lock: None,
                backup: BackupStatus::None,
            },
            estimate: Estimate {
                messages: 3,
                bytes: 300,
                seconds: 0.5,
                basis: "test".into(),
            },
            report: None,
        }
    }

    #[test]
    fn html_is_inert_and_has_every_section() {
        let html = render_html(&sample());
        for section in [
            "Target and preflight",
            "Summary",
            "Errors (1)",
            "Warnings (0)",
            "Entities (1)",
        ] {
            assert!(html.contains(section), "{section} missing");
        }
        assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
        assert!(html.contains("&lt;b&gt;"));
        assert!(!html
            .chars()
            .any(|c| c != '\n' && crate::util::text::is_unsafe_char(c)));
        assert!(html.contains("would create"));
    }

    #[test]
    fn existing_files_are_replaced_only_with_force() {
        let dir = std::env::temp_dir().join(format!("pcm-import-report-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let target = ReportTarget {
            paths: ReportPaths::for_path(&dir.join("r.html")),
            force: false,
        };
        target.check().expect("nothing there yet");
        let files = write(&target, &sample()).expect("written");
        let back: ImportResult =
            serde_json::from_str(&std::fs::read_to_string(&files.json).expect("json"))
                .expect("parses");
        assert_eq!(back.entities, sample().entities);
        assert_eq!(back.report.as_ref(), Some(&files));
        assert_eq!(
            target.check().expect_err("exists").code(),
            "invalid_parameter"
        );
        assert!(
            write(&target, &sample()).is_err(),
            "never overwritten without force"
        );
        let forced = ReportTarget {
            force: true,
            ..target
        };
        forced.check().expect("force");
        write(&forced, &sample()).expect("replaced");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
