//! `pchat-migrate copy-files` and `file-manifest`: the file store step (Copy-PChatFileStore and
//! Get-PChatFileManifest). `copy-files` exits 3 when a file failed or a destination file conflicts (the
//! summary says which); referenced files missing at the source are listed but do not change the exit code.

use crate::import::out;
use crate::{AuthenticationArg, ConnectionArgs, EncryptionArg};
use clap::Args;
use pchat_migrate::files::copy::result::CopyFilesResult;
use pchat_migrate::files::manifest_job::FileManifestResult;
use pchat_migrate::util::units::{format_bytes, format_count};
use pchat_migrate::PcmError;
use serde_json::{json, Map, Value};

/// The exit code of a copy that ran but left conflicts or failures.
pub const EXIT_INCOMPLETE: u8 = pchat_migrate::error::code::exit::INCOMPLETE;

/// The legacy database to read file links from: every flag optional (clap cannot make an optional
/// flattened [`ConnectionArgs`] with defaults absent), turned into the connection flags when --db-instance
/// is given.
#[derive(Args, Clone)]
pub struct LinkDbArgs {
    /// The legacy Group Chat SQL Server: host, host\instance, host,port.
    #[arg(long = "db-instance", visible_alias = "dbinstance")]
    pub db_instance: Option<String>,
    /// The legacy Group Chat database.
    #[arg(long = "db-name", visible_alias = "dbname", requires = "db_instance")]
    pub db_name: Option<String>,
    /// Authentication method (default: sql-server when --user is given, else windows).
    #[arg(long, value_enum, requires = "db_instance")]
    pub authentication: Option<AuthenticationArg>,
    /// Login name (SQL login, or DOMAIN\user for NTLM).
    #[arg(long, requires = "db_instance")]
    pub user: Option<String>,
    /// Name of the environment variable holding the password.
    #[arg(long, default_value = "PCHAT_SQL_PASSWORD")]
    pub password_env: String,
    /// Read the password from the first line of stdin instead.
    #[arg(long)]
    pub password_stdin: bool,
    /// Transport encryption (default mandatory).
    #[arg(long, value_enum, requires = "db_instance")]
    pub encryption: Option<EncryptionArg>,
    /// Accept the server certificate without validation.
    #[arg(long)]
    pub trust_server_certificate: bool,
    /// A CA certificate (PEM/DER) to trust in addition to the system store.
    #[arg(long, requires = "db_instance")]
    pub ca_certificate: Option<String>,
    /// Seconds to wait for each connection attempt (TCP, TLS and login; default 15).
    #[arg(long, requires = "db_instance")]
    pub connect_timeout_seconds: Option<u32>,
    /// Seconds a single statement may run before it is given up (default 30).
    #[arg(long, requires = "db_instance")]
    pub command_timeout_seconds: Option<u32>,
}

impl LinkDbArgs {
    fn connection(&self) -> Option<ConnectionArgs> {
        let instance = self.db_instance.clone()?;
        Some(ConnectionArgs {
            db_instance: instance,
            db_name: self.db_name.clone(),
            authentication: self.authentication,
            user: self.user.clone(),
            password_env: self.password_env.clone(),
            password_stdin: self.password_stdin,
            encryption: self.encryption.unwrap_or(EncryptionArg::Mandatory),
            trust_server_certificate: self.trust_server_certificate,
            ca_certificate: self.ca_certificate.clone(),
            host_name_in_certificate: None,
            connect_timeout_seconds: self.connect_timeout_seconds.unwrap_or(15),
            command_timeout_seconds: self.command_timeout_seconds.unwrap_or(30),
            connect_retry_count: None,
        })
    }
}

/// Where the file links come from: a package or the legacy database (both optional for copy-files).
fn links_params(
    params: &mut Map<String, Value>,
    database: &LinkDbArgs,
    file_name: &Option<String>,
) -> Result<(), PcmError> {
    if let Some(file) = file_name {
        params.insert("fileName".into(), json!(file));
    }
    if let Some(db) = database.connection() {
        if db.db_name.is_none() {
            return Err(PcmError::invalid_parameter(
                "db-name",
                "file links from a database need --db-name (the legacy Group Chat database)",
            ));
        }
        params.insert("connection".into(), db.to_params()?);
    }
    Ok(())
}

/// `copy-files` options.
#[derive(Args, Clone)]
pub struct CopyFilesArgs {
    /// The legacy Group Chat file repository's root (a folder or \\server\share).
    #[arg(long)]
    pub source: String,
    /// The Lync 2013 Persistent Chat file store's root.
    #[arg(long)]
    pub destination: String,
    /// A package whose file links are checked against the tree (missing and unreferenced files).
    #[arg(
        long = "file-name",
        visible_alias = "filename",
        conflicts_with = "db_instance"
    )]
    pub file_name: Option<String>,
    /// Or the legacy database (with --db-instance and --db-name) to read the file links from.
    #[command(flatten)]
    pub database: LinkDbArgs,
    /// Replace differing destination files (the old one is kept as <name>.pchat-old-<n>).
    #[arg(long)]
    pub overwrite: bool,
    /// Write the report: 'x.html' gets the HTML page and 'x.json' the JSON.
    #[arg(long)]
    pub report: Option<String>,
    /// Replace existing report files.
    #[arg(long)]
    pub force: bool,
    /// Plan only: list what would be copied, write nothing.
    #[arg(long)]
    pub what_if: bool,
}

impl CopyFilesArgs {
    pub fn to_params(&self) -> Result<Value, PcmError> {
        let mut params = Map::new();
        params.insert("source".into(), json!(self.source));
        params.insert("destination".into(), json!(self.destination));
        links_params(&mut params, &self.database, &self.file_name)?;
        params.insert("overwrite".into(), json!(self.overwrite));
        if let Some(report) = &self.report {
            params.insert("report".into(), json!(report));
        }
        params.insert("force".into(), json!(self.force));
        params.insert("whatIf".into(), json!(self.what_if));
        Ok(Value::Object(params))
    }
}

/// `file-manifest` options.
#[derive(Args, Clone)]
pub struct FileManifestArgs {
    /// A migration package.
    #[arg(
        long = "file-name",
        visible_alias = "filename",
        conflicts_with = "db_instance",
        required_unless_present = "db_instance"
    )]
    pub file_name: Option<String>,
    /// Or the legacy database (with --db-instance and --db-name).
    #[command(flatten)]
    pub database: LinkDbArgs,
    /// Write every reference: '.csv' as CSV, any other name as JSON Lines.
    #[arg(long)]
    pub output: Option<String>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
}

impl FileManifestArgs {
    pub fn to_params(&self) -> Result<Value, PcmError> {
        let mut params = Map::new();
        links_params(&mut params, &self.database, &self.file_name)?;
        if let Some(output) = &self.output {
            params.insert("output".into(), json!(output));
        }
        params.insert("force".into(), json!(self.force));
        Ok(Value::Object(params))
    }
}

/// The exit code of a finished copy: [`EXIT_INCOMPLETE`] when anything conflicted or failed.
pub fn copy_exit_code(data: &Value) -> u8 {
    match serde_json::from_value::<CopyFilesResult>(data.clone()) {
        Ok(r) if !r.succeeded => EXIT_INCOMPLETE,
        _ => 0,
    }
}

pub fn print_copy(data: &Value, verbose: bool) {
    let Ok(r) = serde_json::from_value::<CopyFilesResult>(data.clone()) else {
        out(&serde_json::to_string_pretty(data).unwrap_or_default());
        return;
    };
    let c = &r.counts;
    out(&format!("Source        : {}", r.source));
    out(&format!("Destination   : {}", r.destination));
    if r.what_if {
        out(&format!(
            "WhatIf        : {} files ({}) would be copied, {} already identical, {} conflicts; nothing written",
            format_count(c.copied),
            format_bytes(c.copied_bytes),
            format_count(c.skipped_identical),
            format_count(c.conflicts)
        ));
        if verbose {
            for f in &r.would_copy {
                out(&format!("  would copy  : {f}"));
            }
        }
    } else {
        out(&format!(
            "Copied        : {} of {} files ({}, {:.1} MiB/s), SHA-256 verified",
            format_count(c.copied),
            format_count(c.source_files),
            format_bytes(c.copied_bytes),
            r.mib_per_second
        ));
        out(&format!(
            "Identical     : {} already at the destination ({} trusted from the journal)",
            format_count(c.skipped_identical),
            format_count(c.skipped_by_journal)
        ));
    }
    if c.overwritten > 0 {
        out(&format!(
            "Replaced      : {} (old files kept as <name>.pchat-old-<n>)",
            c.overwritten
        ));
    }
    for issue in &r.conflicts {
        out(&format!("Conflict      : {}: {}", issue.path, issue.reason));
    }
    for issue in &r.failed {
        out(&format!("Failed        : {}: {}", issue.path, issue.reason));
    }
    for issue in &r.refused_source {
        out(&format!("Refused       : {}: {}", issue.path, issue.reason));
    }
    if r.links.is_some() {
        out(&format!(
            "Links         : {} files referenced, {} missing at the source, {} never referenced, {} hostile \
             references refused",
            format_count(c.referenced_files),
            format_count(c.missing_at_source),
            format_count(c.unreferenced),
            format_count(c.refused_references)
        ));
        for m in &r.missing_at_source {
            out(&format!(
                "Missing       : room '{}' ({}): {}",
                m.room_name,
                m.room_id,
                m.files.join(", ")
            ));
        }
    }
    out(&format!(
        "Result        : {}",
        if r.what_if {
            "WhatIf: nothing was written"
        } else if r.succeeded {
            "complete: every source file is at the destination with the same content"
        } else {
            "NOT complete: resolve the conflicts and failures above, then run again (exit code 3)"
        }
    ));
    if let Some(report) = &r.report {
        out(&format!(
            "Report        : {} (and {})",
            report.html, report.json
        ));
    }
}

pub fn print_manifest(data: &Value, verbose: bool) {
    let Ok(m) = serde_json::from_value::<FileManifestResult>(data.clone()) else {
        out(&serde_json::to_string_pretty(data).unwrap_or_default());
        return;
    };
    let t = &m.totals;
    out(&format!(
        "File links    : {} links in {} messages of {} rooms, {} distinct files, {} refused",
        format_count(t.links),
        format_count(t.messages_with_links),
        format_count(t.rooms_with_links),
        format_count(t.distinct_files),
        format_count(t.refused_links)
    ));
    for r in &m.rooms {
        out(&format!(
            "  {} ({}): {} messages, {} distinct files{}",
            r.room_name,
            r.room_id,
            r.messages_with_links,
            r.distinct_files,
            if r.refused_links > 0 {
                format!(", {} refused", r.refused_links)
            } else {
                String::new()
            }
        ));
    }
    for e in m.entries.iter().filter(|e| verbose || e.refused.is_some()) {
        match (&e.path, &e.refused) {
            (_, Some(why)) => out(&format!(
                "Refused       : room {} message {}: {} ({why})",
                e.room_id, e.chat_id, e.link
            )),
            (Some(path), None) => out(&format!("  {} / {}: {path}", e.room_id, e.chat_id)),
            _ => {}
        }
    }
    if let Some(output) = &m.output {
        out(&format!("Manifest      : {output}"));
    }
}
