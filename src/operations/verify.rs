//! `verify`: the migration's step 5; the work is [`crate::verify::verify`].

use super::registry::{Checked, JobOperation};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::verify::plan::{SourceSpec, VerifyPlan};
use crate::verify::{VerifyParams, VerifyResult};

pub struct Verify;

impl JobOperation for Verify {
    const NAME: &'static str = "verify";
    type Params = VerifyParams;
    type Prepared = (VerifyPlan, VerifyParams);
    type Output = VerifyResult;

    /// Refuses bad parameters (no or two sources, a bad parallelism or date, a report that exists) before a
    /// job exists.
    fn prepare(params: VerifyParams) -> Result<Self::Prepared, PcmError> {
        Ok((params.plan()?, params))
    }

    fn describe((plan, _): &Self::Prepared) -> Checked {
        Checked {
            db_instance: Some(plan.target.instance.to_string()),
            db_name: Some(plan.database.clone()),
            file_name: match &plan.source {
                SourceSpec::Package(path) => Some(path.display().to_string()),
                SourceSpec::Database(_) => None,
            },
            ..Checked::default()
        }
    }

    async fn run((_, params): Self::Prepared, ctx: JobContext) -> Result<VerifyResult, PcmError> {
        crate::verify::verify(params, ctx).await
    }
}
