//! The 2013-shaped model the transform produces: what will exist in `mgc`, keyed by the package's ids and
//! GUIDs, with names of lookup values (resolved to target ids by the import).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a per-room setting that 2013 keeps only per category (chat history `logged`, file posting `filePost`)
/// is folded when the rooms of one flattened category disagree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SettingPolicy {
    /// Off wins (no history / no file posts when any room had it off). The default: nothing becomes visible
    /// or allowed that was not before.
    #[default]
    Strictest,
    /// On wins.
    MostPermissive,
}

/// Options of the transform (import and readiness parameters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransformOptions {
    /// Put between the parent categories' names and a node's own name when flattening (default `" - "`).
    #[serde(default = "default_separator")]
    pub name_separator: String,
    /// Explicit new names: legacy path (category names from below the root down to the node, then the node's
    /// own name, joined by `\`, e.g. `Sales\EMEA\Q3 forecast`) → the 2013 name. Applied before the length and
    /// uniqueness checks; a mapped name is used exactly as given.
    #[serde(default)]
    pub name_map: BTreeMap<String, String>,
    /// Folding of per-room `logged` / `filePost` into the category.
    #[serde(default)]
    pub setting_conflict: SettingPolicy,
    /// Append the legacy room topic (which 2013 drops) to the description, when it fits in 256 characters.
    #[serde(default)]
    pub topic_to_description: bool,
    /// Import rooms that are disabled in the package (skipped by default: disabling is the documented way to
    /// leave a room out).
    #[serde(default)]
    pub include_disabled_rooms: bool,
    /// Name of the category created for rooms that sit directly under the legacy root category (2013 rooms
    /// must be in a category below the root).
    #[serde(default = "default_root_rooms_category")]
    pub root_rooms_category: String,
}

pub fn default_separator() -> String {
    " - ".to_string()
}

pub fn default_root_rooms_category() -> String {
    "Uncategorized".to_string()
}

impl Default for TransformOptions {
    fn default() -> Self {
        TransformOptions {
            name_separator: default_separator(),
            name_map: BTreeMap::new(),
            setting_conflict: SettingPolicy::default(),
            topic_to_description: false,
            include_disabled_rooms: false,
            root_rooms_category: default_root_rooms_category(),
        }
    }
}

/// Longest category, room (2013 `nodeName`) and description (`nodeDesc`) the target accepts.
pub const MAX_NAME_CHARS: usize = 256;
pub const MAX_DESCRIPTION_CHARS: usize = 256;
/// Longest add-in name (`tblSiopWhiteList.siopName`).
pub const MAX_ADDIN_NAME_CHARS: usize = 50;

/// How serious a finding is. Errors stop an import before its first write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// Something the admin should know about the migration: a conversion applied, a conflict resolved, a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub severity: Severity,
    /// Stable snake_case code, e.g. `name_prefixed`, `name_too_long`, `invitation_forced_off`.
    pub code: String,
    /// What happened and, for errors, the fix (the parameter or the file that resolves it).
    pub message: String,
    /// The entity it is about (`Category`, `Room`, `Principal`, `AddIn`) and its legacy path or URI.
    pub entity_type: Option<String>,
    pub entity: Option<String>,
    /// 2013 names of the rooms it touches.
    #[serde(default)]
    pub rooms: Vec<String>,
}

/// A principal as it will be in the target. Matched there by `guid` (same AD forest), else inserted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedPrincipal {
    /// `prinID` in the package.
    pub source_id: i32,
    pub guid: String,
    pub uri: String,
    /// 2013 type name (`tblPrincipalType.ptypeDesc`): legacy FederatedUser/ExternalUser → `User`,
    /// Federated Group → `Group`; others as in the package.
    pub type_name: String,
    /// The package's type name, when the transform changed it.
    pub source_type_name: Option<String>,
    pub is_system_user: bool,
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub ad_path: Option<String>,
    pub user_principal_name: Option<String>,
    /// 2013 `prinDisabled`: 0 active, 1 disabled (federated principals become 1), 2 deleted.
    pub disabled: i16,
    pub federated: bool,
    pub added_on: Option<i64>,
    pub updated_on: Option<i64>,
}

/// A 2013 category (one level below the root).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedCategory {
    /// The legacy category's node id; `None` for the category created for rooms under the legacy root.
    pub source_id: Option<i32>,
    /// The legacy node's GUID (kept, so a re-run finds it); a GUID derived from the package's root GUID for
    /// the root-rooms category.
    pub guid: String,
    /// Legacy path (`Sales\EMEA`), the NameMap key.
    pub source_path: String,
    /// 2013 name, after prefixing and the NameMap.
    pub name: String,
    pub description: String,
    pub invite: bool,
    pub logged: bool,
    pub file_post: bool,
    /// AllowedMembers / DeniedMembers (`tblScopePrincipal`), as package principal ids.
    pub allowed: Vec<i32>,
    pub denied: Vec<i32>,
    /// Creators (2013 sources only; legacy had no Creator role).
    pub creators: Vec<i32>,
    pub added_by: Option<i32>,
    pub added_on: Option<i64>,
    pub updated_by: Option<i32>,
    pub updated_on: Option<i64>,
}

/// A 2013 chat room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedRoom {
    pub source_id: i32,
    pub guid: String,
    /// Legacy path (`Sales\EMEA\Q3 forecast`), the NameMap key.
    pub source_path: String,
    pub name: String,
    /// GUID of its [`PlannedCategory`].
    pub category_guid: String,
    pub description: String,
    /// 2013 room `invite`: `None` inherits the category's, `Some(false)` is off. (2013 rooms cannot turn
    /// invitations on against their category, and need not say on when the category is on.)
    pub invite: Option<bool>,
    pub disabled: bool,
    /// `tblEnumValue.attributeValue` names: `normal` / `auditorium`, `private` / `scope` / `open`.
    pub behavior: String,
    pub visibility: String,
    pub addin_id: Option<String>,
    /// Explicit 2013 roles, as package principal ids (inherited legacy rights materialised).
    pub members: Vec<i32>,
    pub managers: Vec<i32>,
    /// Presenters (`Voiced`), auditorium rooms only.
    pub presenters: Vec<i32>,
    /// Messages the package holds for the room.
    pub messages: u64,
    pub added_by: Option<i32>,
    pub added_on: Option<i64>,
    pub updated_by: Option<i32>,
    pub updated_on: Option<i64>,
}

/// A registered add-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedAddin {
    pub id: String,
    pub name: String,
    pub url: String,
}

/// A room of the package that will not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedRoom {
    pub source_id: i32,
    pub source_path: String,
    pub reason: String,
    pub messages: u64,
}

/// What the target will hold after the import, before it is matched against the target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationModel {
    /// `PersistentChat2013` packages are loaded without flattening (ids mapped only).
    pub source_kind: String,
    pub principals: Vec<PlannedPrincipal>,
    pub categories: Vec<PlannedCategory>,
    pub rooms: Vec<PlannedRoom>,
    pub addins: Vec<PlannedAddin>,
    pub skipped_rooms: Vec<SkippedRoom>,
    /// Every conversion, warning and error, in a stable order.
    pub findings: Vec<Finding>,
}

impl MigrationModel {
    /// Whether any finding stops an import.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}
