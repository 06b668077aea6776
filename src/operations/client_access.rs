//! `client_access`: step 8 of the migration (coexistence); the work is [`crate::client_access::read::run`]:
//! the rooms of the target `mgc`, analysed with the facts the host gathered (`params.facts`).

use super::registry::{Checked, JobOperation};
use crate::client_access::{read, ClientAccessParams, ClientAccessReport, PreparedClientAccess};
use crate::error::PcmError;
use crate::jobs::JobContext;

pub struct ClientAccess;

impl JobOperation for ClientAccess {
    const NAME: &'static str = "client_access";
    type Params = ClientAccessParams;
    type Prepared = PreparedClientAccess;
    type Output = ClientAccessReport;

    /// Refuses malformed facts, a bad connection or report path before a job exists.
    fn prepare(params: ClientAccessParams) -> Result<PreparedClientAccess, PcmError> {
        params.prepare()
    }

    fn describe(prepared: &PreparedClientAccess) -> Checked {
        Checked {
            db_instance: Some(prepared.settings.instance.to_string()),
            db_name: Some(prepared.database.clone()),
            ..Checked::default()
        }
    }

    async fn run(
        prepared: PreparedClientAccess,
        ctx: JobContext,
    ) -> Result<ClientAccessReport, PcmError> {
        read::run(prepared, ctx).await
    }
}
