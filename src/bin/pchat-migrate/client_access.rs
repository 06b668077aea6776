//! `pchat-migrate client-access`: step 8 of the migration (coexistence). The rooms of the target `mgc`
//! (`--db-instance`, `--db-name` defaulting to `mgc`) analysed with the facts the Lync shell gathered
//! (`--facts`, a ClientAccessFacts JSON file; Test-PChatClientAccess gathers them itself). Prints the summary and
//! every member without a new client; the exit code is [`EXIT_NOT_ALL_NEW`] when any member depends on the
//! legacy endpoint or has no access.

use crate::import::out;
use crate::ConnectionArgs;
use clap::Args;
use pchat_migrate::client_access::{Access, ClientAccessReport};
use pchat_migrate::PcmError;
use serde_json::{json, Map, Value};

/// The exit code of an analysis that ran and found members who cannot use a new client (they depend on the
/// legacy endpoint or have no access); the same code as a blocked legacy-clients plan: the runbook must look.
pub const EXIT_NOT_ALL_NEW: u8 = 3;

#[derive(Args, Clone)]
pub struct ClientAccessArgs {
    /// The target (the Persistent Chat database the import wrote; --db-name defaults to mgc).
    #[command(flatten)]
    pub target: ConnectionArgs,
    /// The facts (ClientAccessFacts JSON: Get-CsUser, Get-CsPersistentChatPolicy, Get-CsPool with
    /// Get-CsService -Registrar, Get-CsPersistentChatEndpoint; docs/client-access.md, sample
    /// examples/client-access-facts.json); `-` reads stdin.
    #[arg(long)]
    pub facts: String,
    /// Write the report: 'x.html' gets the HTML page and 'x.json' beside it the JSON.
    #[arg(long)]
    pub report: Option<String>,
    /// Replace existing report files.
    #[arg(long)]
    pub force: bool,
    /// List only the members who cannot use a new client (the counts stay whole).
    #[arg(long)]
    pub problems_only: bool,
}

impl ClientAccessArgs {
    /// The `client_access` request's params: the connection, the facts file's JSON as it is (the library
    /// checks it), the report.
    pub fn to_params(&self) -> Result<Value, PcmError> {
        let mut connection = self.target.to_params()?;
        if let Value::Object(fields) = &mut connection {
            fields.entry("dbName").or_insert_with(|| json!("mgc"));
        }
        let text = if self.facts == "-" {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
                PcmError::invalid_parameter("facts", format!("cannot read stdin: {e}"))
            })?;
            text
        } else {
            std::fs::read_to_string(&self.facts).map_err(|e| {
                PcmError::invalid_parameter(
                    "facts",
                    format!("cannot read --facts '{}': {e}", self.facts),
                )
            })?
        };
        let facts: Value = serde_json::from_str(&text).map_err(|e| {
            PcmError::invalid_parameter(
                "facts",
                format!("--facts '{}' is not JSON: {e}", self.facts),
            )
        })?;
        let mut params = Map::new();
        params.insert("connection".into(), connection);
        params.insert("facts".into(), facts);
        if let Some(report) = &self.report {
            params.insert("report".into(), json!(report));
        }
        params.insert("force".into(), json!(self.force));
        params.insert("problemsOnly".into(), json!(self.problems_only));
        Ok(Value::Object(params))
    }
}

/// The exit code of a successful analysis: [`EXIT_NOT_ALL_NEW`] unless every member can use a new client.
pub fn exit_code(data: &Value) -> u8 {
    match serde_json::from_value::<ClientAccessReport>(data.clone()) {
        Ok(report) if report.summary.all_can_use_new_client => 0,
        _ => EXIT_NOT_ALL_NEW,
    }
}

fn access_name(access: Access) -> &'static str {
    match access {
        Access::CanUseNewClient => "CanUseNewClient",
        Access::DependsOnLegacy => "DependsOnLegacy",
        Access::NoAccess => "NoAccess",
    }
}

/// The human summary, then each room with a member who cannot use a new client (every member with -v).
pub fn print(data: &Value, verbose: bool) {
    let report = match serde_json::from_value::<ClientAccessReport>(data.clone()) {
        Ok(report) => report,
        Err(e) => {
            out(&format!(
                "(the client access result could not be read as expected: {e}; as JSON:)"
            ));
            out(&serde_json::to_string_pretty(data).unwrap_or_default());
            return;
        }
    };
    let s = &report.summary;
    let verdict = if s.all_can_use_new_client {
        "every member can use a new client"
    } else {
        "some members depend on the legacy endpoint or have no access"
    };
    out(&format!(
        "Client access for {} on {}: {verdict}",
        report.database, report.db_instance
    ));
    out(&format!(
        "Rooms           : {} ({} reachable with new clients by every member)",
        s.rooms, s.rooms_new_clients_only
    ));
    out(&format!(
        "Users           : {} CanUseNewClient, {} DependsOnLegacy, {} NoAccess; {} group/OU/domain members not expanded",
        s.users.can_use_new_client, s.users.depends_on_legacy, s.users.no_access, s.users.unexpanded_principals
    ));
    out(&format!(
        "Legacy endpoint : {}",
        if s.legacy_endpoint_present {
            "present"
        } else {
            "none"
        }
    ));
    for room in &report.rooms {
        let attention = room.counts.depends_on_legacy + room.counts.no_access > 0;
        if !attention && !verbose {
            continue;
        }
        let c = room.counts;
        out(&format!(
            "{}\\{} ({} new, {} legacy, {} none, {} not expanded)",
            room.category,
            room.name,
            c.can_use_new_client,
            c.depends_on_legacy,
            c.no_access,
            c.unexpanded_principals
        ));
        for m in room
            .members
            .iter()
            .filter(|m| verbose || m.access != Access::CanUseNewClient)
        {
            out(&format!(
                "  {:<16} {}: {}",
                access_name(m.access),
                m.sip_address,
                m.reason
            ));
        }
    }
    if report.warnings.is_empty() {
        out("Warnings        : none");
    } else {
        out("Warnings:");
        for w in &report.warnings {
            out(&format!("  [{}] {}", w.code, w.message));
        }
    }
    if let Some(files) = &report.report {
        out(&format!(
            "Report          : {} (JSON: {})",
            files.html, files.json
        ));
    }
}
