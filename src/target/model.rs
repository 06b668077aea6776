//! The types shared by the import's stages: the target as read ([`TargetState`]), the plan made against it
//! ([`ImportPlan`]) and what the import reports ([`EntityResult`], [`ImportSummary`]).

use crate::transform::{
    Finding, PlannedAddin, PlannedCategory, PlannedPrincipal, PlannedRoom, TransformOptions,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What to do when a package item's name is already used in the target by an item the import did not create.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConflictAction {
    /// Refuse before the first write, listing every collision (the default).
    #[default]
    Fail,
    /// Keep the target's item; the package's is not imported. A skipped category's rooms go into the
    /// existing category of that name; rooms naming a skipped add-in use the existing add-in.
    Skip,
    /// Microsoft's behaviour: the package's item replaces the target's (settings, roles, and a room's
    /// messages), keeping its id.
    Overwrite,
    /// Import the package's item under a new, unused name (`<name> (migrated)`, then `(migrated 2)`, ...).
    Rename,
}

/// A category or room already in the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetNode {
    pub id: i32,
    pub guid: String,
    pub parent_id: Option<i32>,
    pub is_category: bool,
    pub name: String,
    pub disabled: bool,
    /// Rooms: messages stored and the highest chatId (the resume point of a room this import created).
    pub messages: u64,
    pub max_chat_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetAddin {
    pub id: String,
    pub name: String,
    pub url: String,
}

/// A target principal with the same GUID as a package principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetPrincipal {
    pub id: i32,
    pub guid: String,
    pub uri: String,
    pub type_id: i16,
    pub disabled: i16,
}

/// A Persistent Chat server's heartbeat (`tblServerIdentity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerPing {
    pub server_id: i32,
    pub address: String,
    pub last_ping: Option<String>,
    /// Minutes between the last ping and the server's clock (the smaller of local and UTC time, since the
    /// docs do not say which the column holds); `None` when never pinged.
    pub minutes_ago: Option<i64>,
}

/// A `tblAdminLock` row that has not expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminLockHolder {
    pub server_id: i32,
    pub actor_id: i32,
    pub expires: String,
}

/// The newest full backup of the target (`msdb.dbo.backupset`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum BackupStatus {
    Found {
        finished: String,
        hours_ago: i64,
    },
    None,
    /// msdb could not be read (permissions, or not SQL Server): the reason.
    Unknown {
        reason: String,
    },
}

/// The target, as read before planning (nothing is written to read it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetState {
    pub db_instance: String,
    pub database: String,
    /// `PersistentChat2013` (2013 and 2015 share the schema).
    pub kind: String,
    /// The root category (the node that is its own parent; never assumed to be nodeID 1).
    pub root_id: i32,
    /// The system principal (`ptypeIsSystemUser`), writer of `*UpdatedBy` columns.
    pub system_principal_id: i32,
    /// Lookup tables by name (lower case) → id: `rtypeDesc`, `ptypeDesc`, `attributeValue`.
    pub role_types: BTreeMap<String, i32>,
    pub principal_types: BTreeMap<String, i16>,
    pub enum_values: BTreeMap<String, i16>,
    /// Whether `nodeID` / `prinID` are identity columns (read from the catalog, never assumed).
    pub node_id_is_identity: bool,
    pub prin_id_is_identity: bool,
    pub nodes: Vec<TargetNode>,
    pub addins: Vec<TargetAddin>,
    /// Target principals whose GUID is one of the package's, by lower-case GUID.
    pub principals_by_guid: BTreeMap<String, TargetPrincipal>,
    /// Target principals whose URI (lower case) is one of the package's: a match under another GUID is an AD
    /// account re-created since the legacy deployment.
    #[serde(default)]
    pub principals_by_uri: BTreeMap<String, TargetPrincipal>,
    pub servers: Vec<ServerPing>,
    pub admin_lock: Option<AdminLockHolder>,
    pub backup: BackupStatus,
    pub system_revision: Option<i64>,
}

/// What the import does with one package item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "action")]
pub enum StepAction {
    /// Not in the target: insert it.
    Create,
    /// Already in the target with the same GUID (an earlier run of this import): bring it up to the plan and
    /// continue (messages after the highest chatId present).
    Resume { target_id: i32 },
    /// `-ConflictAction Overwrite`: replace the target's item of the same name.
    Overwrite { target_id: i32 },
    /// Not imported (`-ConflictAction Skip`, or a principal already in the target).
    Skip {
        reason: String,
        target_id: Option<i32>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalStep {
    pub planned: PlannedPrincipal,
    /// `Skip` with the target's id for principals matched by GUID; `Create` otherwise.
    pub action: StepAction,
    /// Target `ptypeID` of `planned.type_name`.
    pub type_id: i16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddinStep {
    pub planned: PlannedAddin,
    /// `Resume` / `Overwrite` carry `target_id: 0` for add-ins: their target key is the GUID in
    /// [`AddinStep::target_id`] (`tblSiopWhiteList.siopID` is a uniqueidentifier, not an int).
    pub action: StepAction,
    /// The name it will have (differs from `planned.name` under `Rename`).
    pub name: String,
    /// The target add-in's `siopID` (lower case) this step resumes, overwrites or skips to: rooms naming
    /// `planned.id` use this id in the target. `None` for `Create`.
    #[serde(default)]
    pub target_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryStep {
    pub planned: PlannedCategory,
    pub action: StepAction,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomStep {
    pub planned: PlannedRoom,
    pub action: StepAction,
    pub name: String,
    /// Target `tblEnumValue` ids of `planned.behavior` / `planned.visibility`.
    pub behavior_id: i16,
    pub visibility_id: i16,
    /// Messages of this room already in the target (a resumed room).
    pub messages_in_target: u64,
    /// Import messages with a chatId above this (a resumed room); `None` imports all.
    pub resume_after_chat_id: Option<i64>,
    /// Messages of the target's room that `Overwrite` deletes.
    pub messages_replaced: u64,
}

/// The time the import is expected to take, from measured rates (docs/benchmarks.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    pub messages: u64,
    pub bytes: u64,
    pub seconds: f64,
    /// Where the rates come from.
    pub basis: String,
}

/// Everything the import will do, decided before the first write. `-WhatIf` returns it and stops.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportPlan {
    pub conflict_action: ConflictAction,
    pub options: TransformOptions,
    pub source_kind: String,
    pub principals: Vec<PrincipalStep>,
    pub addins: Vec<AddinStep>,
    pub categories: Vec<CategoryStep>,
    pub rooms: Vec<RoomStep>,
    /// Target role type ids by 2013 role name (`Member`, `Manager`, `Voiced`, `Creator`).
    pub role_type_ids: BTreeMap<String, i32>,
    /// Transform findings plus the preflight's (collisions, services, lock, backup, principals).
    pub findings: Vec<Finding>,
    pub estimate: Estimate,
}

/// Outcome of one entity, like dbatools' migration objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntityStatus {
    Successful,
    Skipped,
    Failed,
    WouldCreate,
    WouldUpdate,
    WouldSkip,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityResult {
    /// `Principal`, `AddIn`, `Category`, `Room`, `Messages`.
    #[serde(rename = "type")]
    pub entity_type: String,
    pub name: String,
    pub status: EntityStatus,
    pub notes: String,
}

/// Created / updated / skipped / failed per entity type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusCounts {
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub principals: StatusCounts,
    pub addins: StatusCounts,
    pub categories: StatusCounts,
    pub rooms: StatusCounts,
    /// Messages written by this run, found already present (resume), and in the package for imported rooms.
    pub messages_imported: u64,
    pub messages_already_present: u64,
    pub messages_total: u64,
    pub bytes_imported: u64,
    pub duration_ms: u64,
    pub messages_per_second: u64,
}
