//! The migration plan's facts (what the host found) and the plan (what each stage does).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the host found before the run; see docs/start-migration.md for how each is gathered.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MigrationFacts {
    /// -WhatIf: only the read-only stages run.
    #[serde(default)]
    pub what_if: bool,
    /// -StopAfterWhatIf: the run stops after the import plan.
    #[serde(default)]
    pub stop_after_what_if: bool,
    #[serde(default)]
    pub skip_legacy_client_access: bool,
    /// -Force: a package that cannot be reused is exported again over it.
    #[serde(default)]
    pub force: bool,
    pub source: SourceFacts,
    #[serde(default)]
    pub export: RequestedExport,
    pub package: PackageFacts,
    #[serde(default)]
    pub persistent_chat_pool_fqdn: Option<String>,
}

/// The legacy database the run exports from (-SourceDBInstance, -SourceDBName).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SourceFacts {
    pub db_instance: String,
    pub db_name: String,
}

/// The export's parameters as this run asks for them (compared with those the package records).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestedExport {
    /// -Level; absent means All, the export's default.
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub scope: Vec<String>,
    #[serde(default)]
    pub rooms: Vec<String>,
    /// -StartDate in UTC (RFC 3339).
    #[serde(default)]
    pub start_date_utc: Option<String>,
}

/// The package at -FileName.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PackageFacts {
    pub file_name: String,
    pub exists: bool,
    /// `<file>.staging` exists: an interrupted export of this file.
    #[serde(default)]
    pub staging_exists: bool,
    /// The outcome of validating it (inspect_package), required when it exists.
    #[serde(default)]
    pub check: Option<PackageCheck>,
}

/// The outcome of validating the present package.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PackageCheck {
    pub valid: bool,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub error_message: Option<String>,
    /// The manifest's source (a valid package).
    #[serde(default)]
    pub source: Option<PackageSource>,
    /// The manifest's export parameters (level, scope, rooms, startDateUtc).
    #[serde(default)]
    pub parameters: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageSource {
    pub db_instance: String,
    pub database: String,
}

/// The plan: the export decision, the stages in order, and blockers (none: the run may start).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationPlan {
    pub what_if: bool,
    pub export_decision: ExportDecision,
    pub export_reason: String,
    pub stages: Vec<PlannedStage>,
    pub blockers: Vec<Blocker>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ExportDecision {
    /// No package yet: export.
    Export,
    /// An interrupted export's staging folder: the export resumes from it.
    ResumeExport,
    /// A complete, valid package of the same source and parameters: no export.
    ReusePackage,
    /// A package that cannot be reused, with -Force: exported again over it.
    ReplacePackage,
    /// A package that cannot be reused, without -Force: a blocker.
    Refused,
}

/// The stages, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    Readiness,
    Export,
    ImportPlan,
    Import,
    Verify,
    LegacyClientAccess,
}

/// What the host does with a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StageAction {
    /// Call the stage (for export, import and legacy-client access: the real, state-changing call).
    Run,
    /// Call the stage's read-only form: export -WhatIf (the parameters checked), import -WhatIf (the plan),
    /// legacy-client access -PlanOnly.
    WhatIf,
    /// Do not call it; report what it would do.
    Describe,
    /// Do not call it; report why.
    Skip,
}

/// A stage's status: for Run and WhatIf the status when it succeeds (a failure is Failed), otherwise the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StageStatus {
    Succeeded,
    Failed,
    Skipped,
    Resumed,
    WhatIf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedStage {
    pub stage: Stage,
    pub action: StageAction,
    pub status: StageStatus,
    /// What the stage reads: "database" (the legacy database) or "package" (-FileName).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Whether it writes its report into -Report (never under -WhatIf).
    pub writes_report: bool,
    pub note: String,
    /// What to do when this stage fails, and what the next run then resumes from.
    pub resume: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Blocker {
    pub code: String,
    pub message: String,
}

/// How the recorded export parameters differ from the requested ones (None: the same content).
pub(super) fn parameter_difference(
    recorded: &Value,
    requested: &RequestedExport,
) -> Option<String> {
    let recorded_level = recorded
        .get("level")
        .and_then(Value::as_str)
        .unwrap_or("All");
    let level = requested.level.as_deref().unwrap_or("All");
    if !recorded_level.eq_ignore_ascii_case(level) {
        return Some(format!("-Level {recorded_level}, not {level}"));
    }
    for (field, shown, asked) in [
        ("scope", "-Scope", &requested.scope),
        ("rooms", "-Room", &requested.rooms),
    ] {
        let had = names(recorded.get(field));
        let wants = names(Some(&serde_json::json!(asked)));
        if had != wants {
            return Some(format!("{shown} {}, not {}", list(&had), list(&wants)));
        }
    }
    let had = recorded.get("startDateUtc").and_then(Value::as_str);
    let wants = requested.start_date_utc.as_deref();
    if instant(had) != instant(wants) {
        return Some(format!(
            "-StartDate {}, not {}",
            had.unwrap_or("(none)"),
            wants.unwrap_or("(none)")
        ));
    }
    None
}

/// A list of names as a set, ignoring case and surrounding blanks (SQL Server names compare ignoring case).
fn names(value: Option<&Value>) -> std::collections::BTreeSet<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn list(names: &std::collections::BTreeSet<String>) -> String {
    if names.is_empty() {
        return "(none)".into();
    }
    names.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// An RFC 3339 time as an instant; a time without an offset is UTC (the manifest and the cmdlet both write UTC,
/// and a host's JSON round trip may drop the "Z"); text that does not parse compares as itself.
fn instant(text: Option<&str>) -> Option<Result<i64, String>> {
    text.map(|t| {
        let t = t.trim();
        chrono::DateTime::parse_from_rfc3339(t)
            .map(|d| d.to_utc())
            .or_else(|_| {
                chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f")
                    .map(|n| n.and_utc())
            })
            .map(|d| d.timestamp_nanos_opt().unwrap_or(i64::MAX))
            .map_err(|_| t.to_string())
    })
}
