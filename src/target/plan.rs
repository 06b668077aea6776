//! Planning an import: the package validated and transformed, the target read and checked (preflight), every
//! package item matched against the target under `-ConflictAction`. Nothing is written.

use super::params::ImportParams;
use super::result::{PackageInfo, Preflight};
use super::{ImportPlan, TargetState};
use crate::connection::ConnectionSettings;
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::transform::MigrationModel;
use std::path::PathBuf;

/// Everything decided before the first write.
#[derive(Debug, Clone)]
pub struct PreparedImport {
    pub package_path: PathBuf,
    pub package: PackageInfo,
    pub database: String,
    pub model: MigrationModel,
    pub state: TargetState,
    pub plan: ImportPlan,
    pub preflight: Preflight,
    pub batch_size: u32,
}

/// Validates the package, transforms it, reads the target and plans. Refuses (before any write) when a finding
/// is an error: the package invalid, the target not `mgc`, servers running without -Force, the admin lock
/// held, a collision under `Fail`, a name too long without a mapping, an unknown principal type.
pub async fn prepare(
    settings: &ConnectionSettings,
    params: &ImportParams,
    ctx: &JobContext,
) -> Result<PreparedImport, PcmError> {
    let _ = (settings, params, ctx);
    Err(PcmError::Internal(
        "the import planner is being written (issue 8 §2)".into(),
    ))
}

/// The -WhatIf result: every entity with its Would* status, findings, preflight, estimate; the report written.
pub async fn what_if_result(
    prepared: &PreparedImport,
    params: &ImportParams,
    ctx: &JobContext,
) -> Result<super::result::ImportResult, PcmError> {
    let _ = (prepared, params, ctx);
    Err(PcmError::Internal("being written (issue 8 §2)".into()))
}

/// The result of a real import, from the plan and what the writes did; the report written.
pub async fn final_result(
    prepared: &PreparedImport,
    outcome: super::apply::ApplyOutcome,
    params: &ImportParams,
    ctx: &JobContext,
) -> Result<super::result::ImportResult, PcmError> {
    let _ = (prepared, outcome, params, ctx);
    Err(PcmError::Internal("being written (issue 8 §2)".into()))
}
