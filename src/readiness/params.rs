//! `readiness` parameters: a legacy (or 2013) database **or** a package as the source, optionally a target `mgc`
//! for collisions, the report, the transform's choices (as the import takes them, src/target/params.rs), the
//! conflict action whose effect on collisions to show, and -StartDate (what an export with it would move).

use crate::connection::{ConnectionParams, ConnectionSettings};
use crate::error::PcmError;
use crate::export::params::parse_start_date;
use crate::export::paths::{OutputPaths, ReportPaths};
use crate::target::ConflictAction;
use crate::transform::{SettingPolicy, TransformOptions};
use crate::util::ticks::{checked_datetime_to_ticks, MAX_TICKS};
use serde::Deserialize;
use std::path::PathBuf;

/// The target database when `target.dbName` is not given.
pub const DEFAULT_TARGET_DATABASE: &str = "mgc";

/// The `readiness` request's parameters (JSON, camelCase).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReadinessParams {
    /// The legacy Group Chat database (read-only; `dbName` required). Exclusive with `fileName`.
    #[serde(default)]
    pub source: Option<ConnectionParams>,
    /// A package written by `export`. Exclusive with `source`.
    #[serde(default)]
    pub file_name: Option<String>,
    /// The 2013 Persistent Chat database to check collisions against (read-only); `dbName` defaults to `mgc`.
    #[serde(default)]
    pub target: Option<ConnectionParams>,
    /// HTML report path; the JSON report goes beside it (`.json`), as for the export.
    #[serde(default)]
    pub report: Option<String>,
    /// Replace existing report files.
    #[serde(default)]
    pub force: bool,
    /// How an import would handle collisions with the target (shown per collision).
    #[serde(default)]
    pub conflict_action: ConflictAction,
    /// Count only history at or after this time (what `export -StartDate` would move); the monthly chart
    /// still shows every month, so that a start date can be chosen from it.
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub name_map_file: Option<String>,
    #[serde(default = "crate::transform::default_separator")]
    pub name_separator: String,
    #[serde(default)]
    pub setting_conflict: SettingPolicy,
    #[serde(default)]
    pub topic_to_description: bool,
    #[serde(default)]
    pub include_disabled_rooms: bool,
    #[serde(default = "crate::transform::default_root_rooms_category")]
    pub root_rooms_category: String,
}

/// Where the data to check comes from.
#[derive(Debug, Clone)]
pub enum SourceSpec {
    Database(ConnectionSettings),
    Package(PathBuf),
}

/// Validated readiness settings: everything checked that can be checked before connecting.
#[derive(Debug, Clone)]
pub struct ReadinessPlan {
    pub source: SourceSpec,
    /// The target as given (the import planner takes it) and validated.
    pub target: Option<(ConnectionParams, ConnectionSettings)>,
    pub report: Option<ReportPaths>,
    pub conflict_action: ConflictAction,
    pub start_ticks: Option<i64>,
    pub start_date_utc: Option<String>,
    pub name_map_file: Option<PathBuf>,
    /// Without the name map (read from `name_map_file` when the run starts).
    pub options: TransformOptions,
}

impl ReadinessParams {
    /// Checks the parameters: exactly one source, a database name for a database source, the target's database
    /// defaulted, the start date, and the report paths (an existing report is refused unless `force`).
    pub fn plan(&self) -> Result<ReadinessPlan, PcmError> {
        let source = match (&self.source, &self.file_name) {
            (Some(_), Some(_)) => {
                return Err(PcmError::invalid_parameter(
                    "FileName",
                    "give either a source database (-DBInstance/-DBName) or a package (-FileName), not both",
                ))
            }
            (None, None) => {
                return Err(PcmError::invalid_parameter(
                    "FileName",
                    "give the legacy Group Chat database (-DBInstance and -DBName) or a package (-FileName) to \
                     check",
                ))
            }
            (Some(connection), None) => {
                let settings = connection.validate()?;
                if settings.database.is_none() {
                    return Err(PcmError::invalid_parameter(
                        "DBName",
                        "-DBName (the legacy Group Chat database) is required to check a database",
                    ));
                }
                SourceSpec::Database(settings)
            }
            (None, Some(name)) => {
                if name.trim().is_empty() {
                    return Err(PcmError::invalid_parameter(
                        "FileName",
                        "-FileName is empty; give the path of a package written by export",
                    ));
                }
                SourceSpec::Package(PathBuf::from(name))
            }
        };
        let target = self
            .target
            .as_ref()
            .map(|t| {
                let mut settings = t.validate()?;
                if settings.database.is_none() {
                    settings.database = Some(DEFAULT_TARGET_DATABASE.to_string());
                }
                Ok::<_, PcmError>((t.clone(), settings))
            })
            .transpose()?;
        let report = self
            .report
            .as_deref()
            .map(|r| check_report(r, self.force))
            .transpose()?;
        let (start_ticks, start_date_utc) = match self.start_date.as_deref() {
            None => (None, None),
            Some(text) => {
                let start = parse_start_date(text)?;
                let ticks = checked_datetime_to_ticks(start).ok_or_else(|| {
                    PcmError::invalid_parameter(
                        "StartDate",
                        format!(
                            "-StartDate {} is outside the dates chat history can hold (0001-01-01 to 9999-12-31, \
                             at most {MAX_TICKS} ticks)",
                            start.to_rfc3339()
                        ),
                    )
                })?;
                (Some(ticks), Some(start.to_rfc3339()))
            }
        };
        let name_map_file = match self.name_map_file.as_deref().map(str::trim) {
            None => None,
            Some("") => {
                return Err(PcmError::invalid_parameter(
                    "NameMap",
                    "-NameMap is empty; give the path of a CSV (Path,NewName) or JSON name map",
                ))
            }
            Some(path) => Some(PathBuf::from(path)),
        };
        Ok(ReadinessPlan {
            source,
            target,
            report,
            conflict_action: self.conflict_action,
            start_ticks,
            start_date_utc,
            name_map_file,
            options: TransformOptions {
                name_separator: self.name_separator.clone(),
                name_map: Default::default(),
                setting_conflict: self.setting_conflict,
                topic_to_description: self.topic_to_description,
                include_disabled_rooms: self.include_disabled_rooms,
                root_rooms_category: self.root_rooms_category.clone(),
            },
        })
    }
}

/// The report paths, checked with the export's checks (file names, folders existing and writable, HTML and JSON
/// not the same file), and refused when a report file exists unless `force`. The export's checks take a package
/// path too: a name in the temporary folder stands in for it (readiness writes no package), so every message
/// they give is about -Report.
fn check_report(report: &str, force: bool) -> Result<ReportPaths, PcmError> {
    let no_package = std::env::temp_dir().join(format!(
        "pchat-readiness-writes-no-package-{}",
        std::process::id()
    ));
    let path = PathBuf::from(report);
    let paths = OutputPaths::new(&no_package, Some(&path));
    paths.check(true)?;
    let report = ReportPaths::for_path(&path);
    if !force {
        for (file, kind) in [(&report.html, "HTML"), (&report.json, "JSON")] {
            if std::fs::symlink_metadata(file).is_ok() {
                return Err(PcmError::invalid_parameter(
                    "Report",
                    format!(
                        "-Report: the {kind} report '{}' already exists; give -Force (--force) to replace it, or \
                         another file name",
                        file.display()
                    ),
                ));
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(value: serde_json::Value) -> Result<ReadinessPlan, PcmError> {
        let params: ReadinessParams = serde_json::from_value(value)
            .map_err(|e| PcmError::invalid_parameter("params", format!("not valid: {e}")))?;
        params.plan()
    }

    fn db() -> serde_json::Value {
        json!({ "dbInstance": "sql01", "dbName": "GroupChat", "user": "u", "password": "p" })
    }

    #[test]
    fn exactly_one_source() {
        let e = params(json!({})).unwrap_err().to_string();
        assert!(e.contains("-FileName") && e.contains("-DBName"), "{e}");
        let e = params(json!({ "source": db(), "fileName": "p.zip" }))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not both"), "{e}");
        let e =
            params(json!({ "source": { "dbInstance": "sql01", "user": "u", "password": "p" } }))
                .unwrap_err()
                .to_string();
        assert!(e.contains("-DBName"), "{e}");
        let plan = params(json!({ "fileName": "p.zip" })).expect("package");
        assert!(matches!(plan.source, SourceSpec::Package(_)));
        let plan = params(json!({ "source": db() })).expect("database");
        assert!(matches!(plan.source, SourceSpec::Database(_)));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let e = params(json!({ "fileName": "p.zip", "conflictActon": "Skip" }))
            .unwrap_err()
            .to_string();
        assert!(e.contains("conflictActon"), "{e}");
    }

    #[test]
    fn target_database_defaults_to_mgc() {
        let plan = params(json!({ "fileName": "p.zip",
            "target": { "dbInstance": "sql02", "user": "u", "password": "p" } }))
        .expect("valid");
        assert_eq!(
            plan.target.and_then(|t| t.1.database).as_deref(),
            Some("mgc")
        );
    }

    #[test]
    fn start_date_and_options() {
        let plan = params(json!({ "fileName": "p.zip", "startDate": "2011-03-01",
            "conflictAction": "Rename", "nameSeparator": " / ", "includeDisabledRooms": true }))
        .expect("valid");
        assert_eq!(plan.start_ticks, Some(634_345_344_000_000_000));
        assert_eq!(plan.conflict_action, ConflictAction::Rename);
        assert_eq!(plan.options.name_separator, " / ");
        assert!(plan.options.include_disabled_rooms);
        let e = params(json!({ "fileName": "p.zip", "startDate": "yesterday" }))
            .unwrap_err()
            .to_string();
        assert!(e.contains("-StartDate"), "{e}");
    }

    #[test]
    fn existing_reports_need_force() {
        let dir = std::env::temp_dir().join(format!("pcm-readiness-params-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let report = dir.join("ready.html");
        let with = |force: bool| {
            params(
                json!({ "fileName": "p.zip", "report": report.to_string_lossy(), "force": force }),
            )
        };
        with(false).expect("no report yet");
        std::fs::write(dir.join("ready.json"), b"{}").expect("write");
        let e = with(false).unwrap_err().to_string();
        assert!(
            e.contains("already exists") && e.contains("ready.json"),
            "{e}"
        );
        let plan = with(true).expect("force");
        assert_eq!(plan.report.map(|r| r.html), Some(report));
        let e = params(json!({ "fileName": "p.zip", "report": dir.join("nope").join("r.html").to_string_lossy() }))
            .unwrap_err()
            .to_string();
        assert!(e.contains("-Report") && e.contains("does not exist"), "{e}");
    }
}
