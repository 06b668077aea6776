//! `archive`: a package into a browsable, self-contained archive (decommission, step 6); the work is
//! [`crate::archive::archive`].

use super::registry::{Checked, JobOperation};
use crate::archive::{ArchiveParams, ArchivePlan, ArchiveResult};
use crate::error::PcmError;
use crate::jobs::JobContext;

pub struct Archive;

impl JobOperation for Archive {
    const NAME: &'static str = "archive";
    type Params = ArchiveParams;
    type Prepared = ArchivePlan;
    type Output = ArchiveResult;

    /// Refuses bad parameters (a non-empty output folder without force, an unknown time zone, a file store
    /// URL of another scheme) before a job exists.
    fn prepare(params: ArchiveParams) -> Result<ArchivePlan, PcmError> {
        params.plan()
    }

    fn describe(plan: &ArchivePlan) -> Checked {
        Checked {
            file_name: Some(plan.package.display().to_string()),
            ..Checked::default()
        }
    }

    async fn run(plan: ArchivePlan, ctx: JobContext) -> Result<ArchiveResult, PcmError> {
        crate::archive::archive(plan, ctx).await
    }
}
