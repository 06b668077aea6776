//! `export`: a legacy Group Chat database into a migration package; the work is [`crate::export`].

use super::registry::{Checked, JobOperation};
use crate::connection::ConnectionSettings;
use crate::error::PcmError;
use crate::export::{ExportOutcome, ExportParams, ExportPlan};
use crate::jobs::JobContext;

pub struct Export;

impl JobOperation for Export {
    const NAME: &'static str = "export";
    type Params = ExportParams;
    type Prepared = (ConnectionSettings, ExportPlan);
    type Output = ExportOutcome;

    /// A missing `dbName` is refused here, before a job exists (the job itself cannot do without it either).
    fn prepare(params: ExportParams) -> Result<Self::Prepared, PcmError> {
        let settings = params.connection.validate()?;
        if settings.database.is_none() {
            return Err(PcmError::invalid_parameter(
                "DBName",
                "-DBName (the legacy Group Chat database) is required for an export",
            ));
        }
        Ok((settings, params.plan()?))
    }

    fn describe((settings, plan): &Self::Prepared) -> Checked {
        Checked {
            db_instance: Some(settings.instance.to_string()),
            file_name: Some(plan.file.display().to_string()),
            level: Some(plan.level),
            ..Checked::default()
        }
    }

    async fn run(
        (settings, plan): Self::Prepared,
        ctx: JobContext,
    ) -> Result<ExportOutcome, PcmError> {
        if plan.what_if {
            let counted = crate::export::what_if::what_if(&settings, &plan, &ctx).await?;
            return Ok(ExportOutcome::WhatIf(counted));
        }
        let exported = crate::export::export(settings, plan, ctx).await?;
        Ok(ExportOutcome::Exported(exported))
    }
}
