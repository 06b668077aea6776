//! Applying an [`ImportPlan`](super::ImportPlan) to `mgc`: the admin lock, principals, add-ins, categories,
//! rooms with their roles and scopes, then each room's chat in ordered batches (bulk insert) inside
//! transactions, `tblLastChatId`, and `tblSystemRevision` at the end. Resumable with the target as the ledger.

use super::plan::PreparedImport;
use super::{EntityResult, ImportSummary};
use crate::connection::ConnectionSettings;
use crate::error::PcmError;
use crate::jobs::JobContext;

/// What the writes did.
#[derive(Debug, Clone, Default)]
pub struct ApplyOutcome {
    pub entities: Vec<EntityResult>,
    pub summary: ImportSummary,
}

/// Writes the plan. Preconditions (checked by the planner): no error findings, the admin lock free.
pub async fn apply(
    settings: &ConnectionSettings,
    prepared: &PreparedImport,
    ctx: &JobContext,
) -> Result<ApplyOutcome, PcmError> {
    let _ = (settings, prepared, ctx);
    Err(PcmError::Internal(
        "the import's writes are being written (issue 8 §2)".into(),
    ))
}
