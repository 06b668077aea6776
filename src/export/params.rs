//! Export parameters, mirroring Export-CsPersistentChatData (-DBInstance, -DBName, -FileName, -Level, -Scope,
//! -StartDate, -DisableExportedNodes, -Report) plus -Room and -ThrottleLimit.

use super::paths::OutputPaths;
use crate::connection::ConnectionParams;
use crate::error::PcmError;
use crate::util::ticks::{checked_datetime_to_ticks, MAX_TICKS};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What to export (docs/package-format.md defines each precisely).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ExportLevel {
    /// Everything: principals, categories, rooms, roles, scopes, add-ins and chat history.
    #[default]
    All,
    /// Principals only.
    User,
    /// Categories with their roles (managers, creators, members) and scopes, and the principals they name.
    Category,
    /// Categories and rooms with all roles, scopes and add-ins, and the principals they name; no history.
    RoomDirectory,
    /// Chat history, with the rooms and categories it belongs to, the add-ins those rooms use and all principals
    /// (so posters resolve); no roles or scopes.
    Content,
}

impl ExportLevel {
    pub fn has_content(self) -> bool {
        matches!(self, ExportLevel::All | ExportLevel::Content)
    }
    pub fn has_rooms(self) -> bool {
        !matches!(self, ExportLevel::User | ExportLevel::Category)
    }
    pub fn has_categories(self) -> bool {
        self != ExportLevel::User
    }
    pub fn has_access_lists(self) -> bool {
        matches!(
            self,
            ExportLevel::All | ExportLevel::Category | ExportLevel::RoomDirectory
        )
    }
    pub fn all_principals(self) -> bool {
        matches!(
            self,
            ExportLevel::All | ExportLevel::User | ExportLevel::Content
        )
    }
}

fn default_throttle() -> u32 {
    4
}

/// The `export` request's parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportParams {
    pub connection: ConnectionParams,
    /// The package to write. Required unless `asBytes`.
    #[serde(default)]
    pub file_name: Option<String>,
    /// Return the package as base64 in the result instead of leaving a file.
    #[serde(default)]
    pub as_bytes: bool,
    #[serde(default)]
    pub level: ExportLevel,
    /// Category names (or `Parent\Child` paths); their subcategories and rooms are included.
    #[serde(default)]
    pub scope: Vec<String>,
    /// Room names, `Category\Room` paths or node ids; only these rooms.
    #[serde(default)]
    pub rooms: Vec<String>,
    /// Only history posted at or after this time: ISO 8601 (`2010-01-01`, `2010-01-01T08:00:00Z`).
    #[serde(default)]
    pub start_date: Option<String>,
    /// After a successful export, disable the exported rooms in the source (one transaction).
    #[serde(default)]
    pub disable_exported_nodes: bool,
    /// Report path; `.html` and `.json` files are written next to each other.
    #[serde(default)]
    pub report: Option<String>,
    /// Rooms exported in parallel, each over its own connection.
    #[serde(default = "default_throttle")]
    pub throttle_limit: u32,
    /// Replace an existing file at `fileName` (without it, an existing file is refused).
    #[serde(default)]
    pub force: bool,
    /// Count what would be exported (read-only queries) and write nothing: the result is an
    /// [`super::what_if::ExportWhatIf`].
    #[serde(default)]
    pub what_if: bool,
}

/// Validated export settings (besides the connection).
#[derive(Debug, Clone)]
pub struct ExportPlan {
    pub file: PathBuf,
    pub keep_file: bool,
    pub level: ExportLevel,
    pub scope: Vec<String>,
    pub rooms: Vec<String>,
    pub start_ticks: Option<i64>,
    pub start_date_utc: Option<String>,
    pub disable_exported_nodes: bool,
    pub report: Option<PathBuf>,
    pub throttle_limit: usize,
    /// The package, the files beside it and the reports, checked before connecting.
    pub paths: OutputPaths,
    pub force: bool,
    pub what_if: bool,
}

/// Parses `2010-01-01`, `2010-01-01T08:00:00`, or RFC 3339 with an offset; local-less times are UTC.
pub fn parse_start_date(text: &str) -> Result<DateTime<Utc>, PcmError> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Ok(t.and_utc());
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        if let Some(t) = d.and_hms_opt(0, 0, 0) {
            return Ok(t.and_utc());
        }
    }
    Err(PcmError::invalid_parameter(
        "StartDate",
        format!("-StartDate '{text}' is not a date; use ISO 8601 such as 2010-01-31 or 2010-01-31T08:00:00Z"),
    ))
}

impl ExportParams {
    pub fn plan(&self) -> Result<ExportPlan, PcmError> {
        let (file, keep_file) = match (&self.file_name, self.as_bytes) {
            (Some(_), true) => {
                return Err(PcmError::invalid_parameter(
                    "AsBytes",
                    "-AsBytes and -FileName cannot be combined",
                ))
            }
            (None, false) => {
                return Err(PcmError::invalid_parameter(
                    "FileName",
                    "give -FileName (the package to write) or -AsBytes",
                ))
            }
            (Some(name), false) => (PathBuf::from(name), true),
            (None, true) => (
                std::env::temp_dir().join(format!(
                    "pchat-export-{}-{}.zip",
                    std::process::id(),
                    unique()
                )),
                false,
            ),
        };
        let report = self.report.as_ref().map(PathBuf::from);
        let paths = OutputPaths::new(&file, report.as_deref());
        paths.check(self.force)?;
        let start = self
            .start_date
            .as_deref()
            .map(parse_start_date)
            .transpose()?;
        let start_ticks = start
            .map(|s| {
                checked_datetime_to_ticks(s).ok_or_else(|| {
                    PcmError::invalid_parameter(
                        "StartDate",
                        format!(
                            "-StartDate {} is outside the dates chat history can hold (0001-01-01 to \
                             9999-12-31, at most {MAX_TICKS} ticks)",
                            s.to_rfc3339()
                        ),
                    )
                })
            })
            .transpose()?;
        if start.is_some() && !self.level.has_content() {
            return Err(PcmError::invalid_parameter(
                "StartDate",
                format!(
                    "-StartDate filters chat history; -Level {:?} exports none",
                    self.level
                ),
            ));
        }
        if !self.rooms.is_empty() && !self.level.has_rooms() {
            return Err(PcmError::invalid_parameter(
                "Room",
                format!("-Room selects rooms; -Level {:?} exports none", self.level),
            ));
        }
        if self.throttle_limit == 0 || self.throttle_limit > 32 {
            return Err(PcmError::invalid_parameter(
                "ThrottleLimit",
                "-ThrottleLimit must be between 1 and 32",
            ));
        }
        let clean = |list: &[String], what: &str| -> Result<Vec<String>, PcmError> {
            list.iter()
                .map(|s| {
                    let t = s.trim();
                    if t.is_empty() {
                        Err(PcmError::invalid_parameter(
                            what,
                            format!("-{what} contains an empty name"),
                        ))
                    } else {
                        Ok(t.to_string())
                    }
                })
                .collect()
        };
        Ok(ExportPlan {
            file,
            keep_file,
            level: self.level,
            scope: clean(&self.scope, "Scope")?,
            rooms: clean(&self.rooms, "Room")?,
            start_ticks,
            start_date_utc: start.map(|s| s.to_rfc3339()),
            disable_exported_nodes: self.disable_exported_nodes,
            report,
            throttle_limit: self.throttle_limit as usize,
            paths,
            force: self.force,
            what_if: self.what_if,
        })
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(extra: serde_json::Value) -> ExportParams {
        let mut base =
            json!({ "connection": { "dbInstance": "sql01", "user": "u" }, "fileName": "out.zip" });
        for (k, v) in extra.as_object().expect("object") {
            base[k] = v.clone();
        }
        serde_json::from_value(base).expect("parses")
    }

    #[test]
    fn start_dates() {
        assert_eq!(
            parse_start_date("2010-01-31").expect("date").to_rfc3339(),
            "2010-01-31T00:00:00+00:00"
        );
        assert_eq!(
            parse_start_date("2010-01-31T08:00:00+02:00")
                .expect("offset")
                .to_rfc3339(),
            "2010-01-31T06:00:00+00:00"
        );
        assert!(parse_start_date("31/01/2010")
            .unwrap_err()
            .to_string()
            .contains("-StartDate"));
    }

    #[test]
    fn refuses_contradictions() {
        let e = params(json!({"level": "User", "startDate": "2010-01-01"}))
            .plan()
            .unwrap_err();
        assert!(e.to_string().contains("-StartDate"), "{e}");
        let e = params(json!({"asBytes": true})).plan().unwrap_err();
        assert!(e.to_string().contains("-AsBytes"), "{e}");
        let e = params(json!({"fileName": "/no/such/folder/x.zip"}))
            .plan()
            .unwrap_err();
        assert!(e.to_string().contains("does not exist"), "{e}");
        let e = params(json!({"throttleLimit": 0})).plan().unwrap_err();
        assert!(e.to_string().contains("ThrottleLimit"), "{e}");
        let e = params(json!({"scope": ["  "]})).plan().unwrap_err();
        assert!(e.to_string().contains("-Scope"), "{e}");
        assert_eq!(
            params(json!({})).plan().expect("valid").level,
            ExportLevel::All
        );
    }

    #[test]
    fn start_dates_outside_the_ticks_range_are_refused() {
        for date in ["+30000-01-01", "-0001-01-01"] {
            let e = params(json!({"startDate": date})).plan().unwrap_err();
            assert!(e.to_string().contains("outside the dates"), "{date}: {e}");
        }
        let plan = params(json!({"startDate": "9999-12-31"}))
            .plan()
            .expect("last day");
        assert!(plan.start_ticks.is_some_and(|t| t <= MAX_TICKS));
        let plan = params(json!({"startDate": "0001-01-01"}))
            .plan()
            .expect("first day");
        assert_eq!(plan.start_ticks, Some(0));
    }

    #[test]
    fn empty_file_name_is_refused() {
        for name in ["", "  "] {
            let e = params(json!({"fileName": name})).plan().unwrap_err();
            assert!(e.to_string().contains("-FileName"), "{e}");
        }
    }
}
