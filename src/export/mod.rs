//! `export`: a legacy Group Chat (or 2013 Persistent Chat) database into a migration package. Read-only
//! against the source, except the explicit -DisableExportedNodes after a successful export.
//!
//! The run, in order: output paths checked (when the request is planned, before connecting), the package
//! lock taken, the source read and snapshotted ([`plan_rooms`]), every room's history into the staging folder
//! ([`history`]), the package assembled from it ([`assemble`]), then -DisableExportedNodes and the report.
//! A cancel is honoured up to the package's final rename and leaves the staging folder for a resumed run.

pub mod assemble;
mod bundles;
mod fragments;
pub mod history;
mod identity;
mod lock;
mod outputs;
pub mod params;
pub mod paths;
mod planning;
mod report;
pub mod result;
mod run;
pub mod select;
mod source_write;
pub mod what_if;

use crate::connection::ConnectionSettings;
use crate::error::PcmError;
use crate::jobs::JobContext;
use lock::PackageLock;
pub use params::{ExportLevel, ExportParams, ExportPlan};
pub use result::ExportResult;
pub use what_if::ExportWhatIf;

/// What `export` returns: the package written, or with `whatIf` what it would write.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum ExportOutcome {
    Exported(ExportResult),
    WhatIf(ExportWhatIf),
}

const ACTIVITY: &str = "Exporting Group Chat data";

/// Runs the export. The package lock is held from before connecting until the report is written (or the run
/// failed and every file it was writing is closed).
pub async fn export(
    settings: ConnectionSettings,
    plan: ExportPlan,
    ctx: JobContext,
) -> Result<ExportResult, PcmError> {
    ctx.cooperative();
    let lock = PackageLock::acquire(&plan.file, &plan.paths.lock)?;
    ctx.verbose(format!("holding the lock file '{}'", lock.path().display()));
    // Checked again under the lock: another run may have finished this package since the request was planned.
    let outcome = match plan.paths.check_package_absent(plan.force) {
        Ok(()) => run::run(&settings, &plan, &ctx).await,
        Err(e) => Err(e),
    };
    // Blocking work whose awaiting future was dropped may still be closing files: not before it ends is the
    // lock released.
    ctx.blocking_idle().await;
    drop(lock);
    outcome
}
