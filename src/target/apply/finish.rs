//! Whether anything is left to write (a second import of the same package finds nothing and then takes no
//! lock and writes nothing), and the results of such a run.

use super::chat::ledger;
use super::{nodes, principals, Apply};
use crate::connection::SqlClient;
use crate::error::PcmError;
use crate::package::reader::PackageReader;
use crate::target::{EntityStatus, StepAction};

/// What the read-only check found.
#[derive(Debug, Default)]
pub struct Pending {
    /// Why something is left to write (the first reason found), for the log.
    pub reason: Option<String>,
}

impl Pending {
    pub fn any(&self) -> bool {
        self.reason.is_some()
    }
}

/// Reads the target (never writes) to find the first thing the plan still has to do.
pub async fn pending(run: &mut Apply<'_>, client: &mut SqlClient) -> Result<Pending, PcmError> {
    let found = |reason: String| {
        Ok(Pending {
            reason: Some(reason),
        })
    };
    let missing = principals::resolve_existing(run, client).await?;
    if let Some(i) = missing.first() {
        return found(format!(
            "principal {} is not in the target",
            run.prepared.plan.principals[*i].planned.uri
        ));
    }
    let prepared = run.prepared;
    for step in &prepared.plan.addins {
        if matches!(
            step.action,
            StepAction::Create | StepAction::Overwrite { .. }
        ) {
            return found(format!("add-in '{}' is to be written", step.name));
        }
    }
    for step in &prepared.plan.categories {
        let id = match step.action {
            StepAction::Resume { target_id } => target_id,
            StepAction::Skip {
                target_id: Some(id),
                ..
            } => {
                run.ids
                    .categories
                    .insert(step.planned.guid.to_ascii_lowercase(), id);
                continue;
            }
            StepAction::Skip { .. } => continue,
            _ => return found(format!("category '{}' is to be written", step.name)),
        };
        run.ids
            .categories
            .insert(step.planned.guid.to_ascii_lowercase(), id);
        let wanted = nodes::category(run, step)?;
        if nodes::differs(run, client, id, &wanted).await? {
            return found(format!("category '{}' differs from the plan", step.name));
        }
    }
    let histories = read_histories(run).await?;
    for (index, step) in prepared.plan.rooms.iter().enumerate() {
        let id = match step.action {
            StepAction::Resume { target_id } => target_id,
            StepAction::Skip { .. } => continue,
            _ => return found(format!("room '{}' is to be written", step.name)),
        };
        let wanted = nodes::room(run, index)?;
        if nodes::differs(run, client, id, &wanted).await? {
            return found(format!("room '{}' differs from the plan", step.name));
        }
        let (count, max) = ledger(client, &run.catalog, id).await?;
        let package = histories
            .iter()
            .find(|h| h.0 == step.planned.source_id)
            .map_or((0, None), |h| (h.1, h.2));
        if (count, max) != package {
            return found(format!(
                "room '{}' holds {count} of the package's {} messages",
                step.name, package.0
            ));
        }
    }
    Ok(Pending::default())
}

/// (room id, messages, last chatId) of every history in the package's manifest.
async fn read_histories(run: &Apply<'_>) -> Result<Vec<(i32, u64, Option<i64>)>, PcmError> {
    let path = run.prepared.package_path.clone();
    tokio::task::spawn_blocking(move || {
        let reader = PackageReader::open(&path)?;
        Ok(reader
            .manifest()
            .rooms
            .iter()
            .map(|h| (h.room_id, h.messages, h.last_chat_id))
            .collect())
    })
    .await
    .map_err(|e| PcmError::Internal(format!("reading the package manifest stopped: {e}")))?
}

/// Every entity Skipped: the target already holds the plan (nothing written, no lock taken).
pub fn nothing_to_write(run: &mut Apply<'_>) {
    let prepared = run.prepared;
    let note = "already in the target as planned; nothing written";
    for step in &prepared.plan.principals {
        run.record("Principal", &step.planned.uri, EntityStatus::Skipped, note);
    }
    for step in &prepared.plan.addins {
        run.record("AddIn", &step.name, EntityStatus::Skipped, note);
    }
    for step in &prepared.plan.categories {
        run.record("Category", &step.name, EntityStatus::Skipped, note);
    }
    for step in &prepared.plan.rooms {
        run.record("Room", &step.name, EntityStatus::Skipped, note);
        if !matches!(step.action, StepAction::Skip { .. }) {
            run.summary.messages_total += step.planned.messages;
            run.summary.messages_already_present += step.planned.messages;
        }
    }
}
