//! `inspect_package`: validate a package completely (structure, checksums, records, references) and report its
//! manifest with per-room figures — what Get-PChatMigrationPackage shows. A job like export: a package of tens of
//! thousands of rooms takes seconds, so the host sees progress per entry and can cancel. The reading itself is
//! blocking file IO, inflate and SHA-256, so it runs on the blocking pool, never on an async worker.

use super::registry::{Checked, JobOperation};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::package::format::{EntityCounts, SourceInfo, ToolInfo};
use crate::package::{Manifest, PackageReader, RoomFigures};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::PathBuf;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InspectParams {
    pub file_name: String,
}

/// The result of `inspect_package`: the manifest's facts and the per-room figures found while verifying.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectResult {
    pub path: String,
    pub size_bytes: u64,
    /// Always true: a package that fails a check is an `invalid_package` error.
    pub valid: bool,
    pub format_version: String,
    pub created_utc: String,
    pub tool: ToolInfo,
    pub source: SourceInfo,
    /// The export's parameters as the manifest records them.
    pub parameters: Value,
    pub counts: EntityCounts,
    pub rooms: Vec<RoomFigures>,
}

const ACTIVITY: &str = "Checking the migration package";

/// Progress events for at most this many steps, whatever the number of entries: a host that polls slowly never
/// finds more than this many progress events queued.
const PROGRESS_STEPS: usize = 1000;

/// Runs the inspection as a job.
pub async fn inspect_job(
    params: InspectParams,
    ctx: JobContext,
) -> Result<InspectResult, PcmError> {
    let worker = ctx.clone();
    tokio::task::spawn_blocking(move || inspect(&params, &worker))
        .await
        .map_err(|e| PcmError::Internal(format!("the inspection stopped unexpectedly: {e}")))?
}

/// Whether entry `done` of `total` gets a progress event: every entry, thinned to [`PROGRESS_STEPS`] for
/// packages of more entries (the last one always reported).
fn reports(done: usize, total: usize) -> bool {
    if total <= PROGRESS_STEPS || done == total {
        return true;
    }
    done * PROGRESS_STEPS / total != (done - 1) * PROGRESS_STEPS / total
}

fn check_file_name(params: &InspectParams) -> Result<(), PcmError> {
    if params.file_name.trim().is_empty() {
        return Err(PcmError::invalid_parameter(
            "fileName",
            "fileName is empty; give the path of the package to inspect",
        ));
    }
    Ok(())
}

/// Inspects on the calling thread, reporting progress to `ctx` and stopping when `ctx` is cancelled.
pub fn inspect(params: &InspectParams, ctx: &JobContext) -> Result<InspectResult, PcmError> {
    check_file_name(params)?;
    let path = PathBuf::from(&params.file_name);
    let size = std::fs::metadata(&path)
        .map_err(|e| PcmError::io("opening", &path, e))?
        .len();
    ctx.progress(
        ACTIVITY,
        format!("Opening {}", path.display()),
        Some(0),
        None,
    );
    let mut reader = PackageReader::open(&path)?;
    reader.set_cancellation(ctx.cancellation());
    let figures = reader.verify(|done, total| {
        if reports(done, total) {
            let (done, total) = (u64::try_from(done).ok(), u64::try_from(total).ok());
            ctx.progress(
                ACTIVITY,
                format!(
                    "Checked {} of {} entries",
                    done.unwrap_or(0),
                    total.unwrap_or(0)
                ),
                done,
                total,
            );
        }
    })?;
    // Free what is no longer needed before the result is built: the zip directory and the manifest's per-entry
    // lists (a 40,000-room package would otherwise hold them beside the figures).
    let Manifest {
        format_version,
        created_utc,
        tool,
        source,
        parameters,
        counts,
        ..
    } = reader.into_manifest();
    Ok(InspectResult {
        path: params.file_name.clone(),
        size_bytes: size,
        valid: true,
        format_version,
        created_utc,
        tool,
        source,
        parameters,
        counts,
        rooms: figures,
    })
}

pub struct Inspect;

impl JobOperation for Inspect {
    const NAME: &'static str = "inspect_package";
    type Params = InspectParams;
    type Prepared = InspectParams;
    type Output = InspectResult;

    /// An empty `fileName` is refused before a job exists, so that `validate` reports it too.
    fn prepare(params: InspectParams) -> Result<InspectParams, PcmError> {
        check_file_name(&params)?;
        Ok(params)
    }

    fn describe(_params: &InspectParams) -> Checked {
        Checked::default()
    }

    fn run(
        params: InspectParams,
        ctx: JobContext,
    ) -> impl std::future::Future<Output = Result<InspectResult, PcmError>> + Send {
        inspect_job(params, ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::reports;

    #[test]
    fn small_packages_report_every_entry_and_large_ones_a_thousand_steps() {
        assert!((1..=9).all(|d| reports(d, 9)));
        let reported = (1..=40_007).filter(|d| reports(*d, 40_007)).count();
        assert!((999..=1001).contains(&reported), "{reported}");
        assert!(reports(40_007, 40_007));
    }
}
