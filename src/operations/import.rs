//! `import`: a package into Persistent Chat (`mgc`); the work is [`crate::target::import`].

use super::registry::{Checked, JobOperation};
use crate::connection::ConnectionSettings;
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::target::result::ImportResult;
use crate::target::ImportParams;

pub struct Import;

impl JobOperation for Import {
    const NAME: &'static str = "import";
    type Params = ImportParams;
    type Prepared = (ConnectionSettings, ImportParams);
    type Output = ImportResult;

    /// The checks that need no I/O run here, before a job exists, so that `validate` reports them too.
    fn prepare(params: ImportParams) -> Result<Self::Prepared, PcmError> {
        params.validate()?;
        Ok((params.target_settings()?, params))
    }

    fn describe((settings, params): &Self::Prepared) -> Checked {
        Checked {
            db_instance: Some(settings.instance.to_string()),
            db_name: settings.database.clone(),
            file_name: Some(params.file_name.clone()),
            ..Checked::default()
        }
    }

    async fn run(
        (settings, params): Self::Prepared,
        ctx: JobContext,
    ) -> Result<ImportResult, PcmError> {
        crate::target::import(settings, params, ctx).await
    }
}
