//! `verify` parameters: the target (as `import` takes it, `dbName` defaulting to `mgc`), exactly one source
//! (a package, or the legacy database), the transform choices the import was run with (so the expected names
//! and roles are the ones the import produced), and the facts the decommission checklist fills in.

use crate::connection::ConnectionParams;
use crate::target::ConflictAction;
use crate::transform::SettingPolicy;
use serde::Deserialize;

/// The `verify` request's parameters (JSON, camelCase).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyParams {
    /// The target; `dbName` defaults to `mgc`.
    pub connection: ConnectionParams,
    /// The source as a package (exclusive with `sourceConnection`).
    #[serde(default)]
    pub file_name: Option<String>,
    /// The source as the legacy database, read-only (exclusive with `fileName`; `dbName` required).
    #[serde(default)]
    pub source_connection: Option<ConnectionParams>,
    /// Counts and first/last chatId and chatDate only: no digests, no per-message comparison.
    #[serde(default)]
    pub quick: bool,
    /// HTML report path; the JSON report goes beside it (`.json`).
    #[serde(default)]
    pub report: Option<String>,
    /// Replace existing report files.
    #[serde(default)]
    pub force: bool,
    /// Rooms compared at once (default: 4; 1 to 32).
    #[serde(default)]
    pub parallelism: Option<u32>,
    // The import's choices, with the import's defaults: the expected state is what the import produced.
    #[serde(default)]
    pub conflict_action: ConflictAction,
    #[serde(default)]
    pub name_map_file: Option<String>,
    #[serde(default = "crate::transform::default_separator")]
    pub name_separator: String,
    #[serde(default)]
    pub setting_conflict: SettingPolicy,
    #[serde(default)]
    pub topic_to_description: bool,
    #[serde(default)]
    pub include_disabled_rooms: bool,
    #[serde(default = "crate::transform::default_root_rooms_category")]
    pub root_rooms_category: String,
    /// Facts for the decommission checklist; what is absent stays a `<placeholder>`.
    #[serde(default)]
    pub decommission: DecommissionFacts,
    /// A database source only: the export's -StartDate the package was made with (messages before it were
    /// not migrated). A package records its own cut-off and holds only later messages. docs/verify.md.
    #[serde(default)]
    pub start_date: Option<String>,
}

/// What the admin knows about the legacy deployment being retired (all optional).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecommissionFacts {
    /// The legacy Group Chat trusted application pool's FQDN.
    #[serde(default)]
    pub legacy_pool_fqdn: Option<String>,
    /// The trusted application's id within that pool (e.g. `GroupChat`).
    #[serde(default)]
    pub trusted_application_id: Option<String>,
    /// The legacy Group Chat servers (computer FQDNs) to uninstall Group Chat from.
    #[serde(default)]
    pub legacy_servers: Vec<String>,
    /// The 2013 Persistent Chat pool FQDN (for the endpoint check).
    #[serde(default)]
    pub persistent_chat_pool_fqdn: Option<String>,
    /// The legacy lookup SIP URI (default `sip:ocschat@<domain>`).
    #[serde(default)]
    pub lookup_sip_address: Option<String>,
}
