//! `pchat-migrate readiness`: the migration's step 3 (prepare). The transform run against a legacy database or
//! a package, optionally against the target `mgc`, writing nothing: every finding with the rooms it touches,
//! the expected counts, the estimate. The flags are Test-PChatMigrationReadiness's parameters.

use crate::import::{finding_lines, out, ConflictActionArg, TransformArgs};
use crate::ConnectionArgs;
use clap::Args;
use pchat_migrate::readiness::ReadinessResult;
use pchat_migrate::util::units::{format_count, format_duration_ms};
use pchat_migrate::PcmError;
use serde_json::{json, Map, Value};

/// The target `mgc` to check collisions, principal types, services and the backup against. Its own login
/// flags: the target is usually another SQL Server than the legacy one.
#[derive(Args, Clone)]
pub struct TargetArgs {
    /// The Lync 2013 Persistent Chat SQL Server: host, host\instance, host,port.
    #[arg(long = "target-db-instance")]
    pub target_db_instance: Option<String>,
    /// The Persistent Chat database (default mgc).
    #[arg(long = "target-db-name", requires = "target_db_instance")]
    pub target_db_name: Option<String>,
    /// SQL login for the target (Windows authentication without it).
    #[arg(long, requires = "target_db_instance")]
    pub target_user: Option<String>,
    /// Name of the environment variable holding the target login's password.
    #[arg(long, default_value = "PCHAT_TARGET_SQL_PASSWORD")]
    pub target_password_env: String,
    /// A CA certificate (PEM/DER) to trust for the target's TLS certificate.
    #[arg(long, requires = "target_db_instance")]
    pub target_ca_certificate: Option<String>,
    /// Accept the target's certificate without validation.
    #[arg(long, requires = "target_db_instance")]
    pub target_trust_server_certificate: bool,
}

impl TargetArgs {
    /// The target connection; `shared` holds what it takes from the source's flags (encryption, timeouts,
    /// retries), as Test-PChatMigrationReadiness shares them.
    fn to_params(&self, shared: Map<String, Value>) -> Result<Option<Value>, PcmError> {
        let Some(instance) = &self.target_db_instance else {
            return Ok(None);
        };
        let mut target = shared;
        target.insert("dbInstance".into(), json!(instance));
        target.insert(
            "dbName".into(),
            json!(self.target_db_name.as_deref().unwrap_or("mgc")),
        );
        if let Some(user) = &self.target_user {
            let password = std::env::var(&self.target_password_env).map_err(|_| {
                PcmError::invalid_parameter(
                    "target-password-env",
                    format!(
                        "--target-user was given but the environment variable {} holding its password is not set",
                        self.target_password_env
                    ),
                )
            })?;
            target.insert("user".into(), json!(user));
            target.insert("password".into(), json!(password));
        }
        if let Some(ca) = &self.target_ca_certificate {
            target.insert("caCertificatePath".into(), json!(ca));
        }
        target.insert(
            "trustServerCertificate".into(),
            json!(self.target_trust_server_certificate),
        );
        Ok(Some(Value::Object(target)))
    }
}

/// Readiness options: from a database (`--db-instance` + `--db-name`) or a package (`--file-name`).
#[derive(Args, Clone)]
pub struct ReadinessArgs {
    /// The legacy Group Chat database to check (with --db-instance and --db-name).
    #[command(flatten)]
    pub source: Option<ConnectionArgs>,
    /// A migration package to check instead of a database.
    #[arg(
        long = "file-name",
        visible_alias = "filename",
        conflicts_with = "db_instance",
        required_unless_present = "db_instance"
    )]
    pub file_name: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Write the report: 'x.html' gets the HTML page (with the messages-per-month chart) and 'x.json' the JSON.
    #[arg(long)]
    pub report: Option<String>,
    /// Replace existing report files.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub transform: TransformArgs,
    /// How collisions with the target would be handled (what the findings say the import would do).
    #[arg(long, value_enum, default_value = "fail")]
    pub conflict_action: ConflictActionArg,
    /// Count only the chat history an export with --start-date would move (ISO 8601, UTC unless an offset).
    #[arg(long)]
    pub start_date: Option<String>,
    /// Not a flag: `migrate`'s target connection, whose --encryption, timeouts and retries the target takes
    /// when readiness reads a package (there is then no source connection to share them, as the cmdlet does).
    #[arg(skip)]
    pub shared_from: Option<ConnectionArgs>,
}

impl ReadinessArgs {
    /// The `readiness` request's params.
    pub fn to_params(&self) -> Result<Value, PcmError> {
        let mut params = Map::new();
        match (&self.source, &self.file_name) {
            (Some(source), None) => {
                if source.db_name.is_none() {
                    return Err(PcmError::invalid_parameter(
                        "db-name",
                        "readiness from a database needs --db-name (the legacy Group Chat database), or give \
                         --file-name with a package instead",
                    ));
                }
                params.insert("source".into(), source.to_params()?);
            }
            (None, Some(file)) => {
                params.insert("fileName".into(), json!(file));
            }
            // clap already refuses both and neither; kept for a caller that builds the struct itself.
            _ => {
                return Err(PcmError::invalid_parameter(
                    "file-name",
                    "give either --db-instance with --db-name (a legacy database) or --file-name (a package)",
                ))
            }
        }
        let shared = match self.source.as_ref().or(self.shared_from.as_ref()) {
            Some(connection) => connection.shared_settings()?,
            None => Map::new(),
        };
        if let Some(target) = self.target.to_params(shared)? {
            params.insert("target".into(), target);
        }
        if let Some(report) = &self.report {
            params.insert("report".into(), json!(report));
        }
        params.insert("force".into(), json!(self.force));
        self.transform.insert_into(&mut params);
        params.insert(
            "conflictAction".into(),
            json!(self.conflict_action.library_name()),
        );
        if let Some(start) = &self.start_date {
            params.insert("startDate".into(), json!(start));
        }
        Ok(Value::Object(params))
    }
}

/// The human summary of a readiness result; a result this build cannot read is printed as JSON.
pub fn print(data: &Value, verbose: bool) {
    match serde_json::from_value::<ReadinessResult>(data.clone()) {
        Ok(result) => {
            for line in summary_lines(&result, verbose) {
                out(&line);
            }
        }
        Err(e) => {
            out(&format!(
                "(the readiness result could not be read as expected: {e}; as JSON:)"
            ));
            out(&serde_json::to_string_pretty(data).unwrap_or_default());
        }
    }
}

/// The summary, line by line: the source, whether it is ready, the findings, the expected counts, the
/// estimate and the report files.
fn summary_lines(r: &ReadinessResult, verbose: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let source = &r.source;
    lines.push(
        match (&source.file_name, &source.database, &source.db_instance) {
            (Some(file), _, _) => format!("Source        : package {file} ({})", source.kind),
            (None, Some(db), Some(instance)) => {
                format!("Source        : {db} on {instance} ({})", source.kind)
            }
            _ => format!("Source        : {}", source.kind),
        },
    );
    lines.push(format!(
        "Ready         : {}",
        if r.ready {
            "yes: no Error finding"
        } else {
            "no: fix every Error before the import"
        }
    ));
    lines.extend(finding_lines(&r.findings, verbose));
    let c = &r.counts;
    lines.push(format!(
        "Expected      : {} principals, {} categories, {} rooms, {} roles, {} add-ins, {} messages",
        c.principals,
        c.categories,
        c.rooms,
        c.roles,
        c.addins,
        format_count(c.messages)
    ));
    if c.skipped_rooms > 0 {
        lines.push(format!(
            "Skipped       : {} room(s) with {} message(s)",
            c.skipped_rooms,
            format_count(c.skipped_messages)
        ));
    }
    let e = &r.estimate;
    lines.push(format!(
        "Estimate      : export {}, import {}, total {} ({})",
        duration(e.export_seconds),
        duration(e.import_seconds),
        duration(e.total_seconds),
        e.basis
    ));
    lines.push(format!(
        "Months        : {} with messages (the report charts them)",
        r.months.len()
    ));
    if let Some(report) = &r.report {
        lines.push(format!(
            "Report        : {} (and {})",
            report.html, report.json
        ));
    }
    lines
}

/// Seconds (an estimate) for display; negative or non-finite shows as 0 ms.
fn duration(seconds: f64) -> String {
    let ms = if seconds.is_finite() && seconds > 0.0 {
        // Saturates: a display value, not a stored one.
        (seconds * 1000.0).round().min(u64::MAX as f64) as u64
    } else {
        0
    };
    format_duration_ms(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: ReadinessArgs,
    }

    fn parse(argv: &[&str]) -> Result<ReadinessArgs, clap::Error> {
        Wrapper::try_parse_from(std::iter::once("readiness").chain(argv.iter().copied()))
            .map(|w| w.args)
    }

    #[test]
    fn from_a_database_or_a_package_but_not_both_nor_neither() {
        let db = parse(&["--db-instance", "sql01\\rtc", "--db-name", "GroupChat"]).expect("db");
        let params = db.to_params().expect("params");
        assert_eq!(params["source"]["dbInstance"], "sql01\\rtc");
        assert_eq!(params["source"]["dbName"], "GroupChat");
        assert!(params.get("fileName").is_none());

        let pkg = parse(&["--file-name", "GroupChat.zip"]).expect("package");
        let params = pkg.to_params().expect("params");
        assert_eq!(params["fileName"], "GroupChat.zip");
        assert!(params.get("source").is_none());

        assert!(parse(&[]).is_err(), "neither a database nor a package");
        assert!(
            parse(&["--db-instance", "a", "--db-name", "b", "--file-name", "c"]).is_err(),
            "both"
        );
        let no_db = parse(&["--db-instance", "sql01"]).expect("parses");
        assert_eq!(
            no_db.to_params().expect_err("no --db-name").code(),
            "invalid_parameter"
        );
    }

    #[test]
    fn target_and_options_reach_the_request() {
        let args = parse(&[
            "--file-name",
            "p.zip",
            "--target-db-instance",
            "sql13",
            "--target-ca-certificate",
            "ca.pem",
            "--conflict-action",
            "skip",
            "--start-date",
            "2012-01-01",
            "--name-separator",
            "/",
            "--setting-conflict",
            "strictest",
            "--report",
            "r.html",
        ])
        .expect("parses");
        let params = args.to_params().expect("params");
        assert_eq!(params["target"]["dbInstance"], "sql13");
        assert_eq!(params["target"]["dbName"], "mgc");
        assert_eq!(params["target"]["caCertificatePath"], "ca.pem");
        assert_eq!(params["conflictAction"], "Skip");
        assert_eq!(params["startDate"], "2012-01-01");
        assert_eq!(params["nameSeparator"], "/");
        assert_eq!(params["settingConflict"], "Strictest");
        assert_eq!(params["report"], "r.html");
        // The target connection is a ConnectionParams (the library's connection contract).
        let target: pchat_migrate::connection::ConnectionParams =
            serde_json::from_value(params["target"].clone()).expect("a ConnectionParams");
        assert_eq!(target.db_name.as_deref(), Some("mgc"));
        assert!(
            parse(&["--file-name", "p.zip", "--target-db-name", "x"]).is_err(),
            "--target-db-name without --target-db-instance"
        );
    }

    #[test]
    fn durations_never_wrap() {
        assert_eq!(duration(1.5), "1.5 s");
        assert_eq!(duration(-1.0), "0 ms");
        assert_eq!(duration(f64::NAN), "0 ms");
    }
}
