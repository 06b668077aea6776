//! The migration package format, version 1.1 (documented in docs/package-format.md).
//!
//! A package is one zip file: `manifest.json`, one JSON Lines file per entity kind, and one JSON Lines file of
//! chat history per room in chatId order. Every field name is camelCase; readers ignore fields they do not know
//! (forward compatibility within a major version) and refuse a newer major version.

use serde::{Deserialize, Serialize};

/// Identifies the file as a pchat-migrate package.
pub const FORMAT_NAME: &str = "pchat-migrate-package";
/// Major version: readers refuse packages with a higher one.
pub const FORMAT_MAJOR: u32 = 1;
/// Minor version: additions only; readers accept any minor version of their major version.
/// 1.1 added `contentUtf16Base64` to messages (content that is not valid Unicode, kept exactly).
pub const FORMAT_MINOR: u32 = 1;

pub const MANIFEST_ENTRY: &str = "manifest.json";
pub const PRINCIPALS_ENTRY: &str = "principals.jsonl";
pub const CATEGORIES_ENTRY: &str = "categories.jsonl";
pub const ROOMS_ENTRY: &str = "rooms.jsonl";
pub const ROLES_ENTRY: &str = "roles.jsonl";
pub const SCOPES_ENTRY: &str = "scopes.jsonl";
pub const ADDINS_ENTRY: &str = "addins.jsonl";
pub const MESSAGES_DIR: &str = "messages/";

/// Entry name of a room's chat history.
pub fn messages_entry(room_id: i32) -> String {
    format!("{MESSAGES_DIR}room-{room_id}.jsonl")
}

/// The room id of a chat history entry name, if it is one.
pub fn room_of_messages_entry(name: &str) -> Option<i32> {
    name.strip_prefix(MESSAGES_DIR)?
        .strip_prefix("room-")?
        .strip_suffix(".jsonl")?
        .parse()
        .ok()
}

/// The package's table of contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub format: String,
    /// "major.minor".
    pub format_version: String,
    pub tool: ToolInfo,
    pub created_utc: String,
    pub source: SourceInfo,
    pub parameters: serde_json::Value,
    pub counts: EntityCounts,
    /// Per-room history figures, in room id order.
    pub rooms: Vec<RoomHistory>,
    /// Every entry except the manifest, with its SHA-256 and size.
    pub entries: Vec<EntryInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// Where the data came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceInfo {
    pub db_instance: String,
    pub database: String,
    /// `LyncGroupChat2010`, `OcsGroupChat2007R2` or `PersistentChat2013`.
    pub kind: String,
    pub product_version: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityCounts {
    pub principals: u64,
    pub categories: u64,
    pub rooms: u64,
    pub roles: u64,
    pub scopes: u64,
    pub addins: u64,
    pub messages: u64,
}

/// One room's exported history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomHistory {
    pub room_id: i32,
    pub entry: String,
    pub messages: u64,
    pub first_chat_id: Option<i64>,
    pub last_chat_id: Option<i64>,
    /// The snapshot bound: messages with a larger chatId were posted after the export started.
    pub chat_id_bound: Option<i64>,
    pub first_message_utc: Option<String>,
    pub last_message_utc: Option<String>,
}

/// An entry's integrity record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryInfo {
    pub name: String,
    /// Lower-case hex SHA-256 of the uncompressed content.
    pub sha256: String,
    /// Uncompressed size.
    pub bytes: u64,
    /// JSON Lines records in the entry.
    pub records: u64,
}

/// A user, group, container, domain or system principal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Principal {
    pub id: i32,
    pub guid: String,
    pub uri: String,
    pub type_id: i16,
    /// `ptypeDesc`, e.g. `User`, `Group`, `FederatedUser`.
    pub type_name: Option<String>,
    pub is_user: Option<bool>,
    pub is_system_user: Option<bool>,
    /// Federated user or group (legacy `ptypeIsFederated`, or derived from the type name where absent).
    pub is_federated: Option<bool>,
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub ad_path: Option<String>,
    pub user_principal_name: Option<String>,
    /// 0 active, 1 disabled, 2 deleted (2013); legacy bit values 0/1.
    pub disabled: i16,
    pub allowed_perm_set: Option<i64>,
    pub use_inherited_perms: Option<bool>,
    pub added_on: Option<i64>,
    pub updated_on: Option<i64>,
}

/// Category or room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeKind {
    Category,
    Room,
}

/// A category or chat room, as found in the source (nesting kept; flattening is the import's job).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    pub id: i32,
    pub guid: String,
    pub kind: NodeKind,
    /// None only for the root category (which is its own parent in the database).
    pub parent_id: Option<i32>,
    pub is_root: bool,
    pub name: String,
    /// Names of the categories above this node, from the top category below the root down to the parent.
    pub path: Vec<String>,
    pub description: String,
    pub topic: Option<String>,
    pub invite: Option<bool>,
    pub logged: Option<bool>,
    pub file_post: Option<bool>,
    pub disabled: bool,
    pub inheritance: Option<bool>,
    pub scope_change: Option<bool>,
    pub override_member: Option<bool>,
    pub restrict_child_create: Option<bool>,
    pub behavior: i16,
    pub behavior_name: Option<String>,
    pub visibility: i16,
    pub visibility_name: Option<String>,
    pub addin_id: Option<String>,
    pub filestore_uri: Option<String>,
    pub added_by: Option<i32>,
    pub added_on: Option<i64>,
    pub updated_by: Option<i32>,
    pub updated_on: Option<i64>,
}

/// Whether a role was assigned on the node itself or applies because of an ancestor category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoleOrigin {
    Explicit,
    Inherited,
}

/// A role assignment (member, manager, presenter = Voiced, creator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleAssignment {
    pub node_id: i32,
    pub principal_id: i32,
    /// `rtypeDesc`: Member, Manager, Voiced or Creator.
    pub role: String,
    pub role_type_id: i32,
    pub origin: RoleOrigin,
    /// For inherited roles: the category the role was assigned on.
    pub inherited_from: Option<i32>,
}

/// A category scope entry (allowed or denied principal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScopeEntry {
    pub node_id: i32,
    pub principal_id: i32,
    pub denied: bool,
}

/// A registered add-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Addin {
    pub id: String,
    pub name: String,
    pub url: String,
}

/// One chat message, exactly as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub chat_id: i64,
    /// .NET ticks (100 ns since 0001-01-01 UTC), as stored.
    pub chat_date: i64,
    /// The same instant in ISO 8601 UTC, for people and tools that do not speak ticks.
    pub chat_date_utc: String,
    pub poster_id: i32,
    pub poster_uri: Option<String>,
    pub is_alert: bool,
    /// Exactly as stored: `ma-filelink:` links, HTML link elements and `[STORY]` content untouched. When
    /// `content_utf16_base64` is present: a lossy copy, U+FFFD in place of each unpaired surrogate.
    pub content: String,
    /// Format 1.1, present only when the stored content is not valid Unicode (an unpaired surrogate, which
    /// SQL Server's UCS-2 allows and no JSON string can carry): its exact UTF-16LE bytes in base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_utf16_base64: Option<String>,
    /// RTF (2013 sources only), as stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtf: Option<String>,
}

impl Message {
    /// Whether the content had to be carried as exact bytes (it is not valid Unicode).
    pub fn is_non_unicode(&self) -> bool {
        self.content_utf16_base64.is_some()
    }

    /// The reader's check of the format 1.1 field: `contentUtf16Base64`, when present, is base64 of an even
    /// number of bytes that are not valid UTF-16, and `content` is exactly their lossy copy.
    pub fn check_lossless(&self) -> Result<(), String> {
        match &self.content_utf16_base64 {
            Some(exact) => super::content::check_exact("contentUtf16Base64", exact, &self.content),
            None => Ok(()),
        }
    }
}
