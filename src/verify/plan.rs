//! `verify` parameters checked before anything connects: the target (dbName defaulting to `mgc`), exactly one
//! source, the parallelism, the database source's -StartDate, and the report files (an existing one is refused
//! without -Force before any connection, as the import does).

use super::params::VerifyParams;
use crate::connection::ConnectionSettings;
use crate::error::PcmError;
use crate::export::params::parse_start_date;
use crate::target::params::DEFAULT_TARGET_DATABASE;
use crate::target::report::ReportTarget;
use crate::target::ConflictAction;
use crate::transform::TransformOptions;
use crate::util::ticks::checked_datetime_to_ticks;
use std::path::PathBuf;

/// Rooms compared at once when `parallelism` is absent, and the accepted range.
pub const DEFAULT_PARALLELISM: u32 = 4;
pub const MAX_PARALLELISM: u32 = 32;

/// Where the expected state comes from.
#[derive(Debug, Clone)]
pub enum SourceSpec {
    Package(PathBuf),
    Database(ConnectionSettings),
}

/// The checked parameters of one verify run.
#[derive(Debug, Clone)]
pub struct VerifyPlan {
    pub target: ConnectionSettings,
    pub database: String,
    pub source: SourceSpec,
    pub quick: bool,
    pub parallelism: usize,
    pub report: Option<ReportTarget>,
    pub conflict_action: ConflictAction,
    pub options: TransformOptions,
    pub name_map_file: Option<PathBuf>,
    /// A database source's cut-off (ticks): only messages with `chatDate >=` it are expected.
    pub start_ticks: Option<i64>,
}

fn invalid(parameter: &str, message: impl Into<String>) -> PcmError {
    PcmError::invalid_parameter(parameter, message)
}

impl VerifyParams {
    /// Checks everything that needs no I/O but the report folder, naming the parameter and the fix.
    pub fn plan(&self) -> Result<VerifyPlan, PcmError> {
        let mut target = self.connection.validate()?;
        if target.database.is_none() {
            target.database = Some(DEFAULT_TARGET_DATABASE.to_string());
        }
        let database = target
            .database
            .clone()
            .unwrap_or_else(|| DEFAULT_TARGET_DATABASE.to_string());
        let source = self.source_spec()?;
        let parallelism = self.parallelism.unwrap_or(DEFAULT_PARALLELISM);
        if !(1..=MAX_PARALLELISM).contains(&parallelism) {
            return Err(invalid(
                "Parallelism",
                format!(
                    "-Parallelism {parallelism} is out of range; give 1 to {MAX_PARALLELISM} rooms compared at \
                     once (default {DEFAULT_PARALLELISM})"
                ),
            ));
        }
        let start_ticks = self.start_ticks(&source)?;
        let report = match self.report.as_deref().map(str::trim) {
            None => None,
            Some("") => return Err(invalid(
                "Report",
                "-Report is empty; give a file name such as verify-report.html, or leave it out",
            )),
            Some(path) => Some(ReportTarget::new(path, self.force)),
        };
        if let Some(report) = &report {
            report.check()?;
        }
        let name_map_file = match self.name_map_file.as_deref().map(str::trim) {
            None => None,
            Some("") => {
                return Err(invalid(
                    "NameMap",
                    "-NameMap is empty; give the CSV or JSON name map the import was run with, or leave it out",
                ))
            }
            Some(path) => Some(PathBuf::from(path)),
        };
        Ok(VerifyPlan {
            target,
            database,
            source,
            quick: self.quick,
            parallelism: usize::try_from(parallelism).unwrap_or(1),
            report,
            conflict_action: self.conflict_action,
            options: TransformOptions {
                name_separator: self.name_separator.clone(),
                name_map: Default::default(),
                setting_conflict: self.setting_conflict,
                topic_to_description: self.topic_to_description,
                include_disabled_rooms: self.include_disabled_rooms,
                root_rooms_category: self.root_rooms_category.clone(),
            },
            name_map_file,
            start_ticks,
        })
    }

    fn source_spec(&self) -> Result<SourceSpec, PcmError> {
        let file = self
            .file_name
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty());
        match (file, &self.source_connection) {
            (Some(_), Some(_)) => Err(invalid(
                "FileName",
                "give the source either as -FileName (a package) or as -SourceDBInstance/-SourceDBName (the \
                 legacy database), not both",
            )),
            (None, None) => Err(invalid(
                "FileName",
                "no source: give -FileName (the package that was imported) or -SourceDBInstance and \
                 -SourceDBName (the legacy Group Chat database)",
            )),
            (Some(file), None) => Ok(SourceSpec::Package(PathBuf::from(file))),
            (None, Some(connection)) => {
                let settings = connection.validate()?;
                if settings.database.is_none() {
                    return Err(invalid(
                        "SourceDBName",
                        "-SourceDBName (the legacy Group Chat database) is required with -SourceDBInstance",
                    ));
                }
                Ok(SourceSpec::Database(settings))
            }
        }
    }

    fn start_ticks(&self, source: &SourceSpec) -> Result<Option<i64>, PcmError> {
        let Some(text) = self.start_date.as_deref() else {
            return Ok(None);
        };
        if matches!(source, SourceSpec::Package(_)) {
            return Err(invalid(
                "StartDate",
                "-StartDate applies to a database source only: a package holds only the messages it was \
                 exported with; leave -StartDate out",
            ));
        }
        let start = parse_start_date(text)?;
        checked_datetime_to_ticks(start).map(Some).ok_or_else(|| {
            invalid(
                "StartDate",
                format!(
                    "-StartDate {} is outside the dates chat history can hold (0001-01-01 to 9999-12-31)",
                    start.to_rfc3339()
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(extra: serde_json::Value) -> VerifyParams {
        let mut v = json!({"connection": {"dbInstance": "sql01", "user": "sa", "password": "x"}});
        for (k, val) in extra.as_object().expect("object") {
            v[k] = val.clone();
        }
        serde_json::from_value(v).expect("params")
    }

    #[test]
    fn one_source_exactly_and_the_target_defaults_to_mgc() {
        let plan = params(json!({"fileName": "p.zip"})).plan().expect("valid");
        assert_eq!(plan.database, "mgc");
        assert_eq!(plan.parallelism, 4);
        assert!(matches!(plan.source, SourceSpec::Package(_)));
        let none = params(json!({})).plan().expect_err("no source");
        assert!(none.to_string().contains("-FileName"), "{none}");
        let both = params(json!({"fileName": "p.zip", "sourceConnection":
            {"dbInstance": "old", "dbName": "GroupChat", "user": "sa", "password": "x"}}))
        .plan()
        .expect_err("two sources");
        assert!(both.to_string().contains("not both"), "{both}");
        let no_db = params(
            json!({"sourceConnection": {"dbInstance": "old", "user": "sa", "password": "x"}}),
        )
        .plan()
        .expect_err("source db name");
        assert!(no_db.to_string().contains("-SourceDBName"), "{no_db}");
    }

    #[test]
    fn parallelism_and_start_date_are_checked() {
        for bad in [0, 33] {
            let e = params(json!({"fileName": "p.zip", "parallelism": bad}))
                .plan()
                .expect_err("range");
            assert!(e.to_string().contains("-Parallelism"), "{e}");
        }
        let e = params(json!({"fileName": "p.zip", "startDate": "2011-01-01"}))
            .plan()
            .expect_err("package start date");
        assert!(e.to_string().contains("database source only"), "{e}");
        let plan = params(json!({"startDate": "2011-01-01", "sourceConnection":
            {"dbInstance": "old", "dbName": "GroupChat", "user": "sa", "password": "x"}}))
        .plan()
        .expect("db source with start date");
        assert!(plan.start_ticks.is_some_and(|t| t > 0));
    }
}
