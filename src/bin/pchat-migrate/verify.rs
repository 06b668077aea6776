//! `pchat-migrate verify`: the migration's step 5. The target `mgc` (`--db-instance`, `--db-name` defaulting
//! to `mgc`) compared with the source, given as the package (`--file-name`) or the legacy database
//! (`--source-db-instance` + `--source-db-name`, read-only), after the import's transform with the import's
//! choices. Prints a summary and every item that is not Verified with its first difference; the exit code is
//! 0 when everything verified and [`EXIT_NOT_VERIFIED`] when anything did not.

use crate::import::{out, ConflictActionArg, TransformArgs};
use crate::ConnectionArgs;
use clap::Args;
use pchat_migrate::util::units::format_count;
use pchat_migrate::verify::{VerifyItem, VerifyKind, VerifyResult, VerifyStatus};
use pchat_migrate::PcmError;
use serde_json::{json, Map, Value};

/// The exit code of a verify that ran and found anything not Verified (a mismatch, a missing or an extra
/// item): distinct from 1 (an error stopped it) and 2 (bad arguments), for runbooks.
pub const EXIT_NOT_VERIFIED: u8 = pchat_migrate::error::code::exit::VERIFICATION_MISMATCH;

/// The legacy database as the source: its own login flags (usually another SQL Server than the target).
#[derive(Args, Clone)]
pub struct SourceArgs {
    /// The legacy Group Chat SQL Server: host, host\instance, host,port.
    #[arg(long = "source-db-instance")]
    pub source_db_instance: Option<String>,
    /// The legacy Group Chat database.
    #[arg(long = "source-db-name", requires = "source_db_instance")]
    pub source_db_name: Option<String>,
    /// SQL login for the source (Windows authentication without it).
    #[arg(long, requires = "source_db_instance")]
    pub source_user: Option<String>,
    /// Name of the environment variable holding the source login's password.
    #[arg(long, default_value = "PCHAT_SOURCE_SQL_PASSWORD")]
    pub source_password_env: String,
    /// A CA certificate (PEM/DER) to trust for the source's TLS certificate.
    #[arg(long, requires = "source_db_instance")]
    pub source_ca_certificate: Option<String>,
    /// Accept the source's certificate without validation.
    #[arg(long, requires = "source_db_instance")]
    pub source_trust_server_certificate: bool,
    /// Only messages at or after this time (the --start-date the export was run with; ISO 8601, UTC unless an
    /// offset is given). A package needs none: it holds what it was exported with.
    #[arg(long, requires = "source_db_instance")]
    pub start_date: Option<String>,
}

impl SourceArgs {
    /// The source connection; `shared` holds what it takes from the target's flags (encryption, timeouts,
    /// retries), as Test-PChatMigration shares them.
    fn to_params(&self, shared: Map<String, Value>) -> Result<Option<Value>, PcmError> {
        let Some(instance) = &self.source_db_instance else {
            return Ok(None);
        };
        let Some(db) = &self.source_db_name else {
            return Err(PcmError::invalid_parameter(
                "source-db-name",
                "--source-db-instance needs --source-db-name (the legacy Group Chat database)",
            ));
        };
        let mut source = shared;
        source.insert("dbInstance".into(), json!(instance));
        source.insert("dbName".into(), json!(db));
        if let Some(user) = &self.source_user {
            let password = std::env::var(&self.source_password_env).map_err(|_| {
                PcmError::invalid_parameter(
                    "source-password-env",
                    format!(
                        "--source-user was given but the environment variable {} holding its password is not set",
                        self.source_password_env
                    ),
                )
            })?;
            source.insert("user".into(), json!(user));
            source.insert("password".into(), json!(password));
        }
        if let Some(ca) = &self.source_ca_certificate {
            source.insert("caCertificatePath".into(), json!(ca));
        }
        source.insert(
            "trustServerCertificate".into(),
            json!(self.source_trust_server_certificate),
        );
        Ok(Some(Value::Object(source)))
    }
}

/// Verify options: the target, one source, and the import's choices.
#[derive(Args, Clone)]
pub struct VerifyArgs {
    /// The target (the Persistent Chat database the import wrote; --db-name defaults to mgc).
    #[command(flatten)]
    pub target: ConnectionArgs,
    /// The package that was imported (or give --source-db-instance and --source-db-name).
    #[arg(
        long = "file-name",
        visible_alias = "filename",
        conflicts_with = "source_db_instance",
        required_unless_present = "source_db_instance"
    )]
    pub file_name: Option<String>,
    #[command(flatten)]
    pub source: SourceArgs,
    /// Counts and first/last chatId and chatDate per room only (aggregates): no digests, no message compared.
    #[arg(long)]
    pub quick: bool,
    /// Write the report: 'x.html' gets the HTML page and 'x.json' beside it the JSON.
    #[arg(long)]
    pub report: Option<String>,
    /// Replace existing report files.
    #[arg(long)]
    pub force: bool,
    /// Rooms compared at once (1 to 32; the library's default, 4, when absent).
    #[arg(long)]
    pub parallelism: Option<u32>,
    /// The --conflict-action the import was run with.
    #[arg(long, value_enum, default_value = "fail")]
    pub conflict_action: ConflictActionArg,
    #[command(flatten)]
    pub transform: TransformArgs,
    #[command(flatten)]
    pub decommission: DecommissionArgs,
}

/// What the decommission checklist fills its commands in with (Test-PChatMigration's parameters of the same
/// names); `<placeholders>` where absent.
#[derive(Args, Clone)]
pub struct DecommissionArgs {
    /// The legacy Group Chat trusted application pool's FQDN.
    #[arg(long)]
    pub legacy_pool_fqdn: Option<String>,
    /// The trusted application's id within that pool (e.g. GroupChat).
    #[arg(long)]
    pub trusted_application_id: Option<String>,
    /// A legacy Group Chat server (computer FQDN) to uninstall Group Chat from (repeatable).
    #[arg(long)]
    pub legacy_server: Vec<String>,
    /// The Lync 2013 Persistent Chat pool FQDN (for the endpoint check).
    #[arg(long)]
    pub persistent_chat_pool_fqdn: Option<String>,
    /// The legacy lookup SIP URI (default sip:ocschat@<domain>).
    #[arg(long)]
    pub lookup_sip_address: Option<String>,
}

impl DecommissionArgs {
    fn to_params(&self) -> Value {
        let mut facts = Map::new();
        let mut put = |name: &str, value: &Option<String>| {
            if let Some(value) = value {
                facts.insert(name.into(), json!(value));
            }
        };
        put("legacyPoolFqdn", &self.legacy_pool_fqdn);
        put("trustedApplicationId", &self.trusted_application_id);
        put("persistentChatPoolFqdn", &self.persistent_chat_pool_fqdn);
        put("lookupSipAddress", &self.lookup_sip_address);
        if !self.legacy_server.is_empty() {
            facts.insert("legacyServers".into(), json!(self.legacy_server));
        }
        Value::Object(facts)
    }
}

impl VerifyArgs {
    /// The `verify` request's params. `--db-name` defaults to `mgc`.
    pub fn to_params(&self) -> Result<Value, PcmError> {
        let mut connection = self.target.to_params()?;
        if let Value::Object(fields) = &mut connection {
            fields.entry("dbName").or_insert_with(|| json!("mgc"));
        }
        let mut params = Map::new();
        params.insert("connection".into(), connection);
        match (
            self.source.to_params(self.target.shared_settings()?)?,
            &self.file_name,
        ) {
            (Some(source), None) => {
                params.insert("sourceConnection".into(), source);
                if let Some(start) = &self.source.start_date {
                    params.insert("startDate".into(), json!(start));
                }
            }
            (None, Some(file)) => {
                params.insert("fileName".into(), json!(file));
            }
            // clap already refuses both and neither; kept for a caller that builds the struct itself.
            _ => {
                return Err(PcmError::invalid_parameter(
                    "file-name",
                    "give either --file-name (the package) or --source-db-instance with --source-db-name",
                ))
            }
        }
        params.insert("quick".into(), json!(self.quick));
        if let Some(report) = &self.report {
            params.insert("report".into(), json!(report));
        }
        params.insert("force".into(), json!(self.force));
        if let Some(n) = self.parallelism {
            params.insert("parallelism".into(), json!(n));
        }
        params.insert(
            "conflictAction".into(),
            json!(self.conflict_action.library_name()),
        );
        self.transform.insert_into(&mut params);
        params.insert("decommission".into(), self.decommission.to_params());
        Ok(Value::Object(params))
    }
}

/// Whether a verify result passed (`None`: not a verify result this build can read).
pub fn passed(data: &Value) -> Option<bool> {
    serde_json::from_value::<VerifyResult>(data.clone())
        .ok()
        .map(|r| r.summary.passed)
}

/// The human summary; a result this build cannot read is printed as JSON.
pub fn print(data: &Value, verbose: bool) {
    match serde_json::from_value::<VerifyResult>(data.clone()) {
        Ok(result) => {
            for line in summary_lines(&result, verbose) {
                out(&line);
            }
            for line in checklist_lines(&result) {
                out(&line);
            }
        }
        Err(e) => {
            out(&format!(
                "(the verify result could not be read as expected: {e}; as JSON:)"
            ));
            out(&serde_json::to_string_pretty(data).unwrap_or_default());
        }
    }
}

/// The decommission checklist (step 6), filled in from --legacy-pool-fqdn and the other decommission flags.
fn checklist_lines(result: &VerifyResult) -> Vec<String> {
    if result.decommission.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![String::new(), "Decommission checklist:".to_string()];
    for (n, step) in result.decommission.iter().enumerate() {
        lines.push(format!("  {}. {}", n + 1, step.title));
        if let Some(command) = &step.command {
            lines.push(format!("       {command}"));
        }
    }
    lines
}

fn kind_name(kind: VerifyKind) -> &'static str {
    match kind {
        VerifyKind::Principal => "Principal",
        VerifyKind::Addin => "AddIn",
        VerifyKind::Category => "Category",
        VerifyKind::Room => "Room",
    }
}

fn status_name(status: VerifyStatus) -> &'static str {
    match status {
        VerifyStatus::Verified => "Verified",
        VerifyStatus::Mismatch => "Mismatch",
        VerifyStatus::Missing => "Missing",
        VerifyStatus::Extra => "Extra",
    }
}

fn item_line(i: &VerifyItem) -> String {
    let more = if i.differences > 1 {
        format!(" (+{} more)", i.differences - 1)
    } else {
        String::new()
    };
    format!(
        "  {:<9} {:<9} {}: {}{more}",
        status_name(i.status),
        kind_name(i.kind),
        i.name,
        i.first_difference.as_deref().unwrap_or("-")
    )
}

/// The summary, then every item not Verified (every item with --verbose).
fn summary_lines(r: &VerifyResult, verbose: bool) -> Vec<String> {
    let s = &r.summary;
    let mut lines = vec![
        format!(
            "Target        : {} on {} ({})",
            r.target.database, r.target.db_instance, r.target.kind
        ),
        format!(
            "Source        : {} {} ({})",
            r.source.kind, r.source.location, r.source.source_kind
        ),
        format!(
            "Mode          : {}",
            if r.quick {
                "quick: counts and first/last chatId and chatDate per room"
            } else {
                "full: every message compared, SHA-256 per room"
            }
        ),
        format!(
            "Compared      : {} principals, {} add-ins, {} categories, {} rooms; {} messages in the source, {} in the target",
            s.principals,
            s.addins,
            s.categories,
            s.rooms,
            format_count(s.source_messages),
            format_count(s.target_messages)
        ),
        format!(
            "Result        : {} verified, {} mismatched, {} missing, {} extra",
            s.verified, s.mismatched, s.missing, s.extra
        ),
    ];
    for item in r
        .items
        .iter()
        .filter(|i| verbose || i.status != VerifyStatus::Verified)
    {
        lines.push(item_line(item));
    }
    lines.push(format!(
        "Passed        : {}",
        if s.passed {
            "yes: every item verified".to_string()
        } else {
            format!("no (exit code {EXIT_NOT_VERIFIED})")
        }
    ));
    lines.push(format!("Took          : {:.1} s", s.elapsed_seconds));
    if let Some(report) = &r.report {
        lines.push(format!(
            "Report        : {} (and {})",
            report.html, report.json
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: VerifyArgs,
    }

    fn parse(extra: &[&str]) -> Result<VerifyArgs, clap::Error> {
        let mut argv = vec!["verify", "--db-instance", "sql13"];
        argv.extend_from_slice(extra);
        Wrapper::try_parse_from(argv).map(|w| w.args)
    }

    /// The request the CLI builds is exactly the library's contract (`VerifyParams` refuses unknown fields).
    fn contract(args: &VerifyArgs) -> pchat_migrate::verify::VerifyParams {
        let params = args.to_params().expect("params");
        serde_json::from_value(params.clone())
            .unwrap_or_else(|e| panic!("not a VerifyParams: {e}\n{params:#}"))
    }

    #[test]
    fn a_package_source_with_every_flag() {
        let p = contract(
            &parse(&[
                "--file-name",
                "p.zip",
                "--quick",
                "--report",
                "v.html",
                "--force",
                "--parallelism",
                "8",
                "--conflict-action",
                "rename",
                "--name-map",
                "names.csv",
                "--include-disabled-rooms",
            ])
            .expect("parses"),
        );
        assert_eq!(p.connection.db_name.as_deref(), Some("mgc"));
        assert_eq!(p.file_name.as_deref(), Some("p.zip"));
        assert!(p.source_connection.is_none());
        assert!(p.quick && p.force && p.include_disabled_rooms);
        assert_eq!(p.parallelism, Some(8));
        assert_eq!(p.report.as_deref(), Some("v.html"));
        assert_eq!(p.name_map_file.as_deref(), Some("names.csv"));
        assert_eq!(
            p.conflict_action,
            pchat_migrate::target::ConflictAction::Rename
        );
    }

    #[test]
    fn a_database_source_and_the_refusals() {
        let p = contract(
            &parse(&[
                "--source-db-instance",
                "sql10",
                "--source-db-name",
                "GroupChat",
                "--start-date",
                "2011-01-01",
            ])
            .expect("parses"),
        );
        let source = p.source_connection.expect("source");
        assert_eq!(source.db_instance, "sql10");
        assert_eq!(source.db_name.as_deref(), Some("GroupChat"));
        assert_eq!(p.start_date.as_deref(), Some("2011-01-01"));
        assert!(parse(&[]).is_err(), "a source is required");
        assert!(parse(&["--file-name", "p.zip", "--source-db-instance", "x"]).is_err());
        let no_db = parse(&["--source-db-instance", "sql10"]).expect("parses");
        assert!(no_db.to_params().is_err(), "--source-db-name is required");
    }

    /// Test-PChatMigration's decommission facts and the settings its two connections share.
    #[test]
    fn decommission_flags_and_shared_connection_settings_reach_the_request() {
        let p = contract(
            &parse(&[
                "--source-db-instance",
                "sql10",
                "--source-db-name",
                "GroupChat",
                "--encryption",
                "strict",
                "--connect-retry-count",
                "7",
                "--connect-timeout-seconds",
                "40",
                "--legacy-pool-fqdn",
                "gcpool.contoso.com",
                "--trusted-application-id",
                "GroupChat",
                "--legacy-server",
                "gc01.contoso.com",
                "--legacy-server",
                "gc02.contoso.com",
                "--persistent-chat-pool-fqdn",
                "pcpool.contoso.com",
                "--lookup-sip-address",
                "sip:ocschat@contoso.com",
            ])
            .expect("parses"),
        );
        let facts = &p.decommission;
        assert_eq!(
            facts.legacy_pool_fqdn.as_deref(),
            Some("gcpool.contoso.com")
        );
        assert_eq!(facts.trusted_application_id.as_deref(), Some("GroupChat"));
        assert_eq!(
            facts.legacy_servers,
            ["gc01.contoso.com", "gc02.contoso.com"]
        );
        assert_eq!(
            facts.persistent_chat_pool_fqdn.as_deref(),
            Some("pcpool.contoso.com")
        );
        assert_eq!(
            facts.lookup_sip_address.as_deref(),
            Some("sip:ocschat@contoso.com")
        );
        for connection in [&p.connection, &p.source_connection.expect("source")] {
            assert_eq!(
                connection.connect_retry_count, 7,
                "{}",
                connection.db_instance
            );
            assert_eq!(connection.connect_timeout_seconds, 40);
            assert_eq!(
                connection.encryption,
                pchat_migrate::connection::Encryption::Strict
            );
        }
    }
}
