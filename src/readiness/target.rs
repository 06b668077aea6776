//! Readiness against a target `mgc`: the import planner's own reader and plan (src/target/plan.rs) run on the
//! transform's model, so readiness reports exactly the collisions, unknown principal types, running servers,
//! admin lock and backup status the import would find, and what the chosen -ConflictAction would do with each
//! collision. Only SELECT statements reach the target.

use crate::connection::{ConnectionParams, ConnectionSettings};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::package::format::RoomHistory;
use crate::target::collisions::name_key;
use crate::target::params::ImportParams;
use crate::target::plan::{build_plan, read_target};
use crate::target::{
    AdminLockHolder, BackupStatus, ConflictAction, ImportPlan, ServerPing, StepAction, TargetState,
};
use crate::transform::{Finding, MigrationModel, TransformOptions};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A package item whose name or GUID is already in the target, and what the import would do with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Collision {
    /// `Category`, `Room` or `AddIn`.
    pub entity_type: String,
    /// The 2013 name the transform gave it.
    pub name: String,
    /// The target's item: its id and whether it was found by GUID (an earlier run of the import, resumed) rather
    /// than by name (a collision).
    pub target_id: Option<i32>,
    pub by_guid: bool,
    /// The name it would have in the target (differs under `Rename`).
    pub target_name: String,
    /// The import's step. Under `Fail` a name collision stops the import before its first write (`refused`);
    /// the step then says what it would have been without the collision.
    pub action: StepAction,
    pub refused: bool,
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
    let state = ctx
        .cancellable(read_target(settings, &database, model))
        .await?;
    let params = import_params(connection, conflict_action);
    let plan = build_plan(
        model,
        model.findings.clone(),
        &state,
        histories,
        &BTreeMap::new(),
        &params,
        TransformOptions::default(),
    );
    let collisions = collisions(&state, &plan, conflict_action);
    let findings = plan
        .findings
        .into_iter()
        .filter(|f| !model.findings.contains(f))
        .collect();
    Ok(TargetReadiness {
        db_instance: state.db_instance.clone(),
        database,
        kind: state.kind.clone(),
        conflict_action,
        collisions,
        servers: state.servers,
        admin_lock: state.admin_lock,
        backup: state.backup,
        findings,
    })
}

/// Every planned category, room and add-in the target already holds, by GUID or by name (case-insensitively,
/// as the planner compares: src/target/collisions.rs `name_key`; categories and rooms share one namespace).
fn collisions(state: &TargetState, plan: &ImportPlan, action: ConflictAction) -> Vec<Collision> {
    let nodes_by_guid: HashMap<String, i32> = state
        .nodes
        .iter()
        .map(|n| (n.guid.to_lowercase(), n.id))
        .collect();
    let nodes_by_name: HashMap<String, i32> = state
        .nodes
        .iter()
        .filter(|n| n.id != state.root_id)
        .map(|n| (name_key(&n.name), n.id))
        .collect();
    let addins_by_name: HashMap<String, ()> = state
        .addins
        .iter()
        .map(|a| (name_key(&a.name), ()))
        .collect();
    let addin_ids: HashMap<String, ()> = state
        .addins
        .iter()
        .map(|a| (a.id.to_lowercase(), ()))
        .collect();
    let mut out = Vec::new();
    let mut add = |entity_type: &str,
                   name: &str,
                   target_name: &str,
                   step: &StepAction,
                   found: Option<(Option<i32>, bool)>| {
        if let Some((target_id, by_guid)) = found {
            out.push(Collision {
                entity_type: entity_type.to_string(),
                name: name.to_string(),
                target_id,
                by_guid,
                target_name: target_name.to_string(),
                action: step.clone(),
                refused: !by_guid && action == ConflictAction::Fail,
            });
        }
    };
    let node = |guid: &str, name: &str| -> Option<(Option<i32>, bool)> {
        if let Some(id) = nodes_by_guid.get(&guid.to_lowercase()) {
            return Some((Some(*id), true));
        }
        nodes_by_name
            .get(&name_key(name))
            .map(|id| (Some(*id), false))
    };
    for c in &plan.categories {
        add(
            "Category",
            &c.planned.name,
            &c.name,
            &c.action,
            node(&c.planned.guid, &c.planned.name),
        );
    }
    for r in &plan.rooms {
        add(
            "Room",
            &r.planned.name,
            &r.name,
            &r.action,
            node(&r.planned.guid, &r.planned.name),
        );
    }
    for a in &plan.addins {
        let found = if addin_ids.contains_key(&a.planned.id.to_lowercase()) {
            Some((None, true))
        } else {
            addins_by_name
                .contains_key(&name_key(&a.planned.name))
                .then_some((None, false))
        };
        add("AddIn", &a.planned.name, &a.name, &a.action, found);
    }
    out
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
