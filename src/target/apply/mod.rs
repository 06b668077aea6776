//! Applying an [`ImportPlan`](super::ImportPlan) to `mgc`: the admin lock, principals, add-ins, categories,
//! rooms with their roles and scopes, then each room's chat in ordered batches (bulk insert) inside
//! transactions, `tblLastChatId`, and `tblSystemRevision` at the end. Resumable with the target as the ledger:
//! principals by `prinGuid`, nodes by `nodeGuid`, messages by `chatId` per room (docs/import.md).

mod chat;
mod chat_feed;
mod finish;
pub(crate) mod lock;
mod node_access;
mod node_row;
mod nodes;
mod principals;
mod progress;
mod sql;

/// `tblAdminLock.lockServerID` of this import's lock (no Persistent Chat server has id 0): a row with it and the
/// target's system principal as actor is this tool's own, possibly left by an interrupted run, and the writes
/// take it over (docs/import.md); the planner's preflight can tell it from another holder's.
pub use lock::LOCK_SERVER_ID;

use super::plan::PreparedImport;
use super::{EntityResult, EntityStatus, ImportSummary, StatusCounts};
use crate::connection::{connect, ConnectionSettings, SqlClient};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::schema::Catalog;
use std::collections::HashMap;
use std::time::Instant;

/// What the writes did.
#[derive(Debug, Clone, Default)]
pub struct ApplyOutcome {
    pub entities: Vec<EntityResult>,
    pub summary: ImportSummary,
}

/// The ids the writes resolved: package ids → target ids, filled stage by stage.
#[derive(Debug, Default)]
pub(crate) struct IdMap {
    pub principals: HashMap<i32, i32>,
    /// Package add-in id (lower case) → target `siopID`.
    pub addins: HashMap<String, String>,
    /// Package category GUID (lower case) → target node id.
    pub categories: HashMap<String, i32>,
    /// Room index in the plan → target node id (rooms that get chat).
    pub rooms: HashMap<usize, i32>,
}

/// Everything a stage needs: the plan, the target's catalog and system ids, the id map, the results so far.
pub(crate) struct Apply<'a> {
    pub prepared: &'a PreparedImport,
    pub catalog: Catalog,
    pub system: i32,
    pub ids: IdMap,
    pub entities: Vec<EntityResult>,
    pub summary: ImportSummary,
}

impl Apply<'_> {
    pub fn record(
        &mut self,
        entity_type: &str,
        name: &str,
        status: EntityStatus,
        notes: impl Into<String>,
    ) {
        let counts = match entity_type {
            "Principal" => Some(&mut self.summary.principals),
            "AddIn" => Some(&mut self.summary.addins),
            "Category" => Some(&mut self.summary.categories),
            "Room" => Some(&mut self.summary.rooms),
            _ => None,
        };
        if let Some(counts) = counts {
            count(counts, status, false);
        }
        self.entities.push(EntityResult {
            entity_type: entity_type.to_string(),
            name: name.to_string(),
            status,
            notes: notes.into(),
        });
    }

    /// `record` for an item that was updated in place (Resume / Overwrite), counted as updated.
    pub fn record_updated(&mut self, entity_type: &str, name: &str, notes: impl Into<String>) {
        self.record(entity_type, name, EntityStatus::Successful, notes);
        let counts = match entity_type {
            "AddIn" => &mut self.summary.addins,
            "Category" => &mut self.summary.categories,
            "Room" => &mut self.summary.rooms,
            _ => &mut self.summary.principals,
        };
        counts.created = counts.created.saturating_sub(1);
        counts.updated += 1;
    }

    /// The target id of a package principal (a system user is the target's system principal).
    pub fn principal(&self, package_id: i32, context: &str) -> Result<i32, PcmError> {
        self.ids
            .principals
            .get(&package_id)
            .copied()
            .ok_or_else(|| {
                PcmError::Internal(format!(
                "{context} names package principal {package_id}, which the plan did not resolve"
            ))
            })
    }

    /// A mapped `*AddedBy` / `*UpdatedBy`: the principal's target id, else the system principal.
    pub fn by(&self, package_id: Option<i32>) -> i32 {
        package_id
            .and_then(|id| self.ids.principals.get(&id).copied())
            .unwrap_or(self.system)
    }
}

fn count(counts: &mut StatusCounts, status: EntityStatus, _updated: bool) {
    match status {
        EntityStatus::Successful => counts.created += 1,
        EntityStatus::Skipped => counts.skipped += 1,
        EntityStatus::Failed => counts.failed += 1,
        _ => {}
    }
}

/// Whether the target already holds everything the plan imports (the read-only check a real run makes before
/// taking the lock), so that -WhatIf can say "up to date" instead of "would update".
pub async fn nothing_pending(
    settings: &ConnectionSettings,
    prepared: &PreparedImport,
) -> Result<bool, PcmError> {
    let mut client = connect(settings, Some(&prepared.database)).await?.client;
    let catalog = Catalog::read(&mut client, "dbo").await?;
    let mut run = Apply {
        prepared,
        catalog,
        system: prepared.state.system_principal_id,
        ids: IdMap::default(),
        entities: Vec::new(),
        summary: ImportSummary::default(),
    };
    Ok(!finish::pending(&mut run, &mut client).await?.any())
}

/// Writes the plan. Preconditions (checked by the planner): no error findings, the admin lock free. A plan with
/// nothing left to write (a second import) takes no lock and writes nothing.
pub async fn apply(
    settings: &ConnectionSettings,
    prepared: &PreparedImport,
    ctx: &JobContext,
) -> Result<ApplyOutcome, PcmError> {
    let started = Instant::now();
    let mut client = connect(settings, Some(&prepared.database)).await?.client;
    let catalog = Catalog::read(&mut client, "dbo").await?;
    let mut run = Apply {
        prepared,
        catalog,
        system: prepared.state.system_principal_id,
        ids: IdMap::default(),
        entities: Vec::new(),
        summary: ImportSummary::default(),
    };
    progress::stage(ctx, "Checking what is left to write");
    let pending = finish::pending(&mut run, &mut client).await?;
    if let Some(reason) = &pending.reason {
        ctx.verbose(format!("writing: {reason}"));
    }
    if !pending.any() {
        ctx.verbose("the target already holds everything the plan imports: nothing written");
        finish::nothing_to_write(&mut run);
        return Ok(run.finish(started));
    }
    let keeper = lock::take(&mut client, settings, prepared, run.system, &run.catalog).await?;
    let written = write_all(&mut run, &mut client, &pending, ctx).await;
    let released =
        lock::release(client, keeper, settings, prepared, run.system, &run.catalog).await;
    match (written, released) {
        (Err(error), Err(_)) => Err(lock::left_behind(error)),
        (Err(error), Ok(())) | (Ok(()), Err(error)) => Err(error),
        (Ok(()), Ok(())) => Ok(run.finish(started)),
    }
}

/// The stages in order; each stops at the first error (whole units written: see each stage).
async fn write_all(
    run: &mut Apply<'_>,
    client: &mut SqlClient,
    pending: &finish::Pending,
    ctx: &JobContext,
) -> Result<(), PcmError> {
    let timer = progress::StageTimer::start(ctx, "Writing principals");
    principals::write(run, client, ctx).await?;
    let timer = timer.next("Writing add-ins, categories and rooms");
    nodes::write(run, client, ctx).await?;
    let timer = timer.next(progress::CHAT_STAGE);
    chat::write(run, client, pending, ctx).await?;
    timer.done();
    Ok(())
}

impl Apply<'_> {
    fn finish(mut self, started: Instant) -> ApplyOutcome {
        let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.summary.duration_ms = ms;
        self.summary.messages_per_second = self
            .summary
            .messages_imported
            .saturating_mul(1000)
            .checked_div(ms)
            .unwrap_or(0);
        ApplyOutcome {
            entities: self.entities,
            summary: self.summary,
        }
    }
}
