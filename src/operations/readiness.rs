//! `readiness`: the migration's prepare step; the work is [`crate::readiness::readiness`].

use super::registry::{Checked, JobOperation};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::readiness::{ReadinessParams, ReadinessResult};

pub struct Readiness;

impl JobOperation for Readiness {
    const NAME: &'static str = "readiness";
    type Params = ReadinessParams;
    type Prepared = ReadinessParams;
    type Output = ReadinessResult;

    /// Refuses bad parameters (no or two sources, a bad date, a report that exists) before a job exists.
    fn prepare(params: ReadinessParams) -> Result<ReadinessParams, PcmError> {
        params.plan()?;
        Ok(params)
    }

    fn describe(params: &ReadinessParams) -> Checked {
        Checked {
            file_name: params.file_name.clone(),
            ..Checked::default()
        }
    }

    async fn run(params: ReadinessParams, ctx: JobContext) -> Result<ReadinessResult, PcmError> {
        crate::readiness::readiness(params, ctx).await
    }
}
