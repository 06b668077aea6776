//! `import`: a package into `mgc`. Plan ([`plan::prepare`]), stop there under -WhatIf, else apply
//! ([`apply::apply`]); the HTML + JSON report either way.

use super::params::ImportParams;
use super::result::ImportResult;
use super::{apply, plan};
use crate::connection::ConnectionSettings;
use crate::error::PcmError;
use crate::jobs::JobContext;

/// Runs the import job.
pub async fn import(
    settings: ConnectionSettings,
    params: ImportParams,
    ctx: JobContext,
) -> Result<ImportResult, PcmError> {
    ctx.cooperative();
    let prepared = plan::prepare(&settings, &params, &ctx).await?;
    if params.what_if {
        return plan::what_if_result(&settings, &prepared, &params, &ctx).await;
    }
    let outcome = apply::apply(&settings, &prepared, &ctx).await?;
    plan::final_result(&prepared, outcome, &params, &ctx).await
}
