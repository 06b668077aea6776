//! The import's result: per-entity objects, the summary, the findings and the preflight, as one typed struct
//! (PowerShell, the CLI and the reports read these fields).

use super::{AdminLockHolder, BackupStatus, EntityResult, Estimate, ImportSummary, ServerPing};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetInfo {
    pub db_instance: String,
    pub database: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageInfo {
    pub path: String,
    pub source_kind: String,
    pub source_database: String,
    pub created_utc: String,
}

/// What the preflight found about the target (reported even when it passed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preflight {
    pub servers: Vec<ServerPing>,
    pub admin_lock: Option<AdminLockHolder>,
    pub backup: BackupStatus,
}

/// The HTML and JSON report files written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportFiles {
    pub html: String,
    pub json: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportResult {
    pub what_if: bool,
    pub target: TargetInfo,
    pub package: PackageInfo,
    pub summary: ImportSummary,
    pub entities: Vec<EntityResult>,
    pub findings: Vec<crate::transform::Finding>,
    pub preflight: Preflight,
    pub estimate: Estimate,
    pub report: Option<ReportFiles>,
}
