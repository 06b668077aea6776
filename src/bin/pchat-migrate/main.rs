//! `pchat-migrate`: the command-line face of the library, for Linux runbooks and benchmarks. Every command
//! builds the same JSON request the PowerShell module sends and runs it through the same library calls.

mod archive;
mod client_access;
mod files;
mod import;
mod legacy_clients;
mod migrate;
mod parameter_names;
mod readiness;
mod stdio_package;
mod verify;

use clap::{Args, Parser, Subcommand, ValueEnum};
use pchat_migrate::export::{ExportResult, ExportWhatIf};
use pchat_migrate::jobs::{runtime, JobEvent};
use pchat_migrate::operations::{
    self, ChatDatabase, InspectResult, ProbeResult, Request, VersionInfo,
};
use pchat_migrate::util::text::{escape_control, escape_control_lines, json_terminal_safe};
use pchat_migrate::util::units::{format_bytes, format_count, format_duration_ms};
use pchat_migrate::PcmError;
use serde_json::{json, Map, Value};
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "pchat-migrate",
    version,
    about = "Migrate Lync 2010 / OCS 2007 R2 Group Chat to Lync 2013 Persistent Chat",
    after_help = "Exit codes (docs/cli.md): 0 success; 1 the operation failed (the error and its code are \
                  printed); 2 invalid arguments or parameters (nothing ran; for migrate also a plan blocker: \
                  a package that cannot be reused without --force, no --persistent-chat-pool-fqdn or --facts); \
                  3 copy-files left a file conflicting or failed, the legacy-clients plan is blocked, \
                  client-access found members that depend on the legacy endpoint or have no access, or a \
                  migrate stage's check failed (readiness or import-plan findings with Severity Error, a \
                  blocked legacy-client plan); 4 connection failure (SQL Server unreachable, TLS, login, \
                  database cannot be opened, or a timeout); 5 verify ran and found an item not Verified \
                  (mismatch, missing or extra; also migrate's Verify stage); 130 cancelled (Ctrl+C). migrate ends with the \
                  exit code of the stage it stopped at."
)]
struct Cli {
    /// Print the final result as JSON (the library's response envelope).
    #[arg(long, global = true)]
    json: bool,
    /// Show verbose messages on stderr.
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Do not show progress on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the library version and ABI version.
    Version,
    /// Connect to a SQL Server, report its version and what kind of chat database -DBName is.
    Probe(ConnectionArgs),
    /// Export a legacy Group Chat (or 2013 Persistent Chat) database into a migration package.
    Export(ExportArgs),
    /// Validate a migration package completely and show its contents (progress per entry on stderr; Ctrl+C
    /// cancels).
    Inspect {
        /// The package file.
        file: String,
    },
    /// Import a migration package into Lync 2013 Persistent Chat (`mgc`); --what-if plans only.
    Import(import::ImportArgs),
    /// Copy the legacy file repository to the 2013 file store, SHA-256 verified and resumable (exit code 3
    /// when a file conflicts or fails).
    CopyFiles(files::CopyFilesArgs),
    /// List every ma-filelink: reference per room from a package or a legacy database.
    FileManifest(files::FileManifestArgs),
    /// Check a legacy database or a package (and optionally the target) before migrating; writes nothing.
    Readiness(readiness::ReadinessArgs),
    /// Compare the source (package or legacy database), after the import's transform, with the target `mgc`;
    /// exit code 5 when anything is not Verified.
    Verify(verify::VerifyArgs),
    /// Legacy-client access (step 7): the lookup SIP URI as a Persistent Chat endpoint.
    #[command(subcommand)]
    LegacyClients(legacy_clients::LegacyClientsCommand),
    /// Client access during coexistence (step 8): per room of mgc, which members can use new clients, which
    /// depend on the legacy endpoint, which have no access (exit code 3 unless every member can use a new
    /// client).
    #[command(
        after_help = "Exit codes: 0 every member can use a new client; 3 some members depend on the legacy \
                      endpoint or have no access (see the rooms listed); 2 malformed facts or arguments \
                      (invalid_parameter); 1 other errors (the database could not be read); 130 cancelled."
    )]
    ClientAccess(client_access::ClientAccessArgs),
    /// Turn a package into a browsable archive (HTML page per room, index, JSON Lines copy, checked manifest)
    /// for the history that stays after the legacy servers are gone; prints where to open it.
    Archive(archive::ArchiveArgs),
    /// The whole migration in one command, as Start-PChatMigration: readiness, export, import plan, import,
    /// verify and legacy-client access, stopping at the first stage that fails; a re-run resumes from the
    /// package and the target (exit code of the failed stage; docs/cli.md).
    Migrate(Box<migrate::MigrateArgs>),
    /// Send a raw JSON request (`{"operation":...,"params":{...}}`); `-` reads it from stdin.
    Request {
        /// The request JSON, `@file` to read a file, or `-` for stdin.
        request: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum LevelArg {
    All,
    User,
    Category,
    RoomDirectory,
    Content,
}

impl LevelArg {
    /// The library's name (-Level's value), shared by `export` and `migrate`.
    fn library_name(self) -> &'static str {
        match self {
            LevelArg::All => "All",
            LevelArg::User => "User",
            LevelArg::Category => "Category",
            LevelArg::RoomDirectory => "RoomDirectory",
            LevelArg::Content => "Content",
        }
    }
}

/// Export options, named after Export-CsPersistentChatData's parameters.
#[derive(Args, Clone)]
struct ExportArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
    /// The package file to write; `-` writes it to stdout (as --as-bytes).
    #[arg(
        long = "file-name",
        visible_alias = "filename",
        required_unless_present = "as_bytes",
        conflicts_with = "as_bytes"
    )]
    file_name: Option<String>,
    /// Write the package to stdout instead of a file (Export-CsPersistentChatData -AsBytes); refused when
    /// stdout is a terminal. The result then goes to stderr.
    #[arg(long)]
    as_bytes: bool,
    /// Count what would be exported (a read-only query of the source, honouring --level, --scope, --room and
    /// --start-date) and write nothing.
    #[arg(long)]
    what_if: bool,
    /// What to export.
    #[arg(long, value_enum, default_value = "all")]
    level: LevelArg,
    /// Category names or Parent\Child paths (repeatable); their subcategories and rooms are included.
    #[arg(long)]
    scope: Vec<String>,
    /// Room names, Category\Room paths or node ids (repeatable).
    #[arg(long)]
    room: Vec<String>,
    /// Only chat history posted at or after this time (ISO 8601, UTC unless an offset is given).
    #[arg(long)]
    start_date: Option<String>,
    /// After a successful export, disable the exported rooms in the source.
    #[arg(long)]
    disable_exported_nodes: bool,
    /// Write the report: 'x.html' (or any other name) gets the HTML page and 'x.json' beside it the JSON;
    /// 'x.json' gets the JSON and 'x.html' beside it the page.
    #[arg(long)]
    report: Option<String>,
    /// Rooms exported in parallel.
    #[arg(long, default_value_t = 4)]
    throttle_limit: u32,
    /// Replace the file at --file-name if it exists (without it, an existing file is refused).
    #[arg(long)]
    force: bool,
}

impl ExportArgs {
    /// The `export` request. Without a file (`--as-bytes` or `--file-name -` left as they are, which only
    /// `--what-if` does) it asks for `asBytes`; a streamed export has had its temporary file put in `file_name`.
    fn to_params(&self) -> Result<Value, PcmError> {
        let file = self
            .file_name
            .as_deref()
            .filter(|name| *name != stdio_package::STREAM);
        Ok(json!({
            "connection": self.connection.to_params()?,
            "fileName": file,
            "asBytes": file.is_none(),
            "level": self.level.library_name(),
            "scope": self.scope,
            "rooms": self.room,
            "startDate": self.start_date,
            "disableExportedNodes": self.disable_exported_nodes,
            "report": self.report,
            "throttleLimit": self.throttle_limit,
            "force": self.force,
            "whatIf": self.what_if,
        }))
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum AuthenticationArg {
    Windows,
    SqlServer,
    Ntlm,
}

#[derive(Clone, Copy, ValueEnum)]
enum EncryptionArg {
    Strict,
    Mandatory,
    Optional,
    Plaintext,
}

/// Connection options, named after the Lync cmdlets' parameters.
#[derive(Args, Clone)]
struct ConnectionArgs {
    /// SQL Server: host, host\instance, host,port or tcp:host,port.
    #[arg(long = "db-instance", visible_alias = "dbinstance")]
    db_instance: String,
    /// Database name.
    #[arg(long = "db-name", visible_alias = "dbname")]
    db_name: Option<String>,
    /// Authentication method (default: sql-server when --user is given, else windows).
    #[arg(long, value_enum)]
    authentication: Option<AuthenticationArg>,
    /// Login name (SQL login, or DOMAIN\user for NTLM).
    #[arg(long)]
    user: Option<String>,
    /// Name of the environment variable holding the password (default PCHAT_SQL_PASSWORD).
    #[arg(long, default_value = "PCHAT_SQL_PASSWORD")]
    password_env: String,
    /// Read the password from the first line of stdin instead.
    #[arg(long)]
    password_stdin: bool,
    /// Transport encryption.
    #[arg(long, value_enum, default_value = "mandatory")]
    encryption: EncryptionArg,
    /// Accept the server certificate without validation.
    #[arg(long)]
    trust_server_certificate: bool,
    /// A CA certificate (PEM/DER) to trust in addition to the system store.
    #[arg(long)]
    ca_certificate: Option<String>,
    /// Name expected in the server certificate.
    #[arg(long)]
    host_name_in_certificate: Option<String>,
    /// Seconds to wait for each connection attempt (TCP, TLS and login).
    #[arg(long, default_value_t = 15)]
    connect_timeout_seconds: u32,
    /// Seconds a single statement may run before it is given up.
    #[arg(long, default_value_t = 30)]
    command_timeout_seconds: u32,
    /// How often a transient connection failure is retried, with a growing pause (0-10; the library's
    /// default, 2, when absent).
    #[arg(long)]
    connect_retry_count: Option<u32>,
}

impl ConnectionArgs {
    fn to_params(&self) -> Result<Value, PcmError> {
        let mut params = Map::new();
        params.insert("dbInstance".into(), json!(self.db_instance));
        if let Some(db) = &self.db_name {
            params.insert("dbName".into(), json!(db));
        }
        if let Some(auth) = self.authentication {
            params.insert(
                "authentication".into(),
                json!(match auth {
                    AuthenticationArg::Windows => "Windows",
                    AuthenticationArg::SqlServer => "SqlServer",
                    AuthenticationArg::Ntlm => "Ntlm",
                }),
            );
        }
        if let Some(user) = &self.user {
            params.insert("user".into(), json!(user));
            params.insert("password".into(), json!(self.password()?));
        }
        params.insert(
            "encryption".into(),
            json!(match self.encryption {
                EncryptionArg::Strict => "Strict",
                EncryptionArg::Mandatory => "Mandatory",
                EncryptionArg::Optional => "Optional",
                EncryptionArg::Plaintext => "Plaintext",
            }),
        );
        params.insert(
            "trustServerCertificate".into(),
            json!(self.trust_server_certificate),
        );
        if let Some(ca) = &self.ca_certificate {
            params.insert("caCertificatePath".into(), json!(ca));
        }
        if let Some(name) = &self.host_name_in_certificate {
            params.insert("hostNameInCertificate".into(), json!(name));
        }
        params.insert(
            "connectTimeoutSeconds".into(),
            json!(self.connect_timeout_seconds),
        );
        params.insert(
            "commandTimeoutSeconds".into(),
            json!(self.command_timeout_seconds),
        );
        if let Some(retries) = self.connect_retry_count {
            params.insert("connectRetryCount".into(), json!(retries));
        }
        Ok(Value::Object(params))
    }

    /// The settings a second connection (verify's source, readiness's target) shares with this one, as the
    /// cmdlets share -Encryption, the timeouts and -ConnectRetryCount between their two connections.
    fn shared_settings(&self) -> Result<Map<String, Value>, PcmError> {
        let Value::Object(all) = self.to_params_without_password()? else {
            return Ok(Map::new());
        };
        Ok(all
            .into_iter()
            .filter(|(name, _)| {
                matches!(
                    name.as_str(),
                    "encryption"
                        | "connectTimeoutSeconds"
                        | "commandTimeoutSeconds"
                        | "connectRetryCount"
                )
            })
            .collect())
    }

    fn to_params_without_password(&self) -> Result<Value, PcmError> {
        let mut copy = self.clone();
        copy.user = None;
        copy.to_params()
    }

    /// The password never comes from the command line, where other users could read it in the process list.
    fn password(&self) -> Result<String, PcmError> {
        if self.password_stdin {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| {
                PcmError::invalid_parameter("password-stdin", format!("cannot read stdin: {e}"))
            })?;
            return Ok(line.trim_end_matches(['\r', '\n']).to_string());
        }
        std::env::var(&self.password_env).map_err(|_| {
            PcmError::invalid_parameter(
                "password-env",
                format!(
                    "--user was given but the environment variable {} holding the password is not set (or use \
                     --password-stdin)",
                    self.password_env
                ),
            )
        })
    }
}

fn read_request_text(arg: &str) -> Result<String, PcmError> {
    let read_err = |what: &str, e: std::io::Error| {
        PcmError::invalid_parameter("request", format!("{what}: {e}"))
    };
    if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| read_err("cannot read stdin", e))?;
        Ok(text)
    } else if let Some(path) = arg.strip_prefix('@') {
        std::fs::read_to_string(path).map_err(|e| read_err(&format!("cannot read {path}"), e))
    } else {
        Ok(arg.to_string())
    }
}

/// How the CLI ends, mapped to the exit code.
enum Outcome {
    Ok(Value),
    Failed(PcmError),
}

struct Reporter {
    verbose: bool,
    quiet: bool,
    interactive: bool,
    /// The activity of the last progress line written to a log, and when.
    last_logged: std::cell::RefCell<Option<(String, std::time::Instant)>>,
}

/// How often a progress line goes to a log (stderr not a terminal) while one activity runs: an export of
/// 40,000 rooms once wrote a line per package entry.
const LOG_PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl Reporter {
    fn event(&self, event: &JobEvent) {
        let mut err = std::io::stderr().lock();
        match event {
            JobEvent::Progress {
                activity,
                status,
                percent,
                ..
            } if !self.quiet => {
                let pct = percent.map(|p| format!(" {p:5.1}%")).unwrap_or_default();
                let (activity, status) = (escape_control(activity), escape_control(status));
                if self.interactive {
                    let _ = write!(err, "\r\x1b[2K{activity}:{pct} {status}");
                } else if self.log_progress(&activity, *percent) {
                    let _ = writeln!(err, "{activity}:{pct} {status}");
                }
            }
            JobEvent::Verbose { message } if self.verbose => {
                let message = escape_control(message);
                let _ = writeln!(err, "{}VERBOSE: {message}", self.clear());
            }
            JobEvent::Warning { message, .. } => {
                let message = escape_control(message);
                let _ = writeln!(err, "{}WARNING: {message}", self.clear());
            }
            _ => {}
        }
    }

    /// Whether a progress update goes to the log: a new activity, a stage (no percentage), the end (100 %),
    /// else one every [`LOG_PROGRESS_EVERY`].
    fn log_progress(&self, activity: &str, percent: Option<f64>) -> bool {
        let mut last = self.last_logged.borrow_mut();
        let now = std::time::Instant::now();
        let due = match &*last {
            Some((logged, at)) => {
                logged != activity
                    || percent.is_none_or(|p| p >= 100.0)
                    || now.duration_since(*at) >= LOG_PROGRESS_EVERY
            }
            None => true,
        };
        if due {
            *last = Some((activity.to_string(), now));
        }
        due
    }

    fn clear(&self) -> &'static str {
        if self.interactive && !self.quiet {
            "\r\x1b[2K"
        } else {
            ""
        }
    }

    fn finish(&self) {
        if self.interactive && !self.quiet {
            eprint!("\r\x1b[2K");
        }
    }
}

fn run_job(request: &Request, reporter: &Reporter) -> Outcome {
    let job = match operations::start_job(request) {
        Ok(job) => Arc::new(job),
        Err(e) => return Outcome::Failed(e),
    };
    if let Ok(rt) = runtime() {
        let for_signal = Arc::downgrade(&job);
        rt.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                if let Some(job) = for_signal.upgrade() {
                    eprintln!("\nCancelling...");
                    let _ = job.cancel();
                }
            }
        });
    }
    let result = job.wait(|event| reporter.event(event));
    reporter.finish();
    match result {
        Ok(value) => Outcome::Ok(value),
        Err(e) => Outcome::Failed(e),
    }
}

/// The request a subcommand sends (`request` parses its own text).
fn request_for(command: &Command) -> Result<Request, PcmError> {
    let value = match command {
        Command::Version => json!({ "operation": "version" }),
        Command::Probe(args) => json!({ "operation": "probe", "params": args.to_params()? }),
        Command::CopyFiles(args) => {
            json!({ "operation": "copy_files", "params": args.to_params()? })
        }
        Command::FileManifest(args) => {
            json!({ "operation": "file_manifest", "params": args.to_params()? })
        }
        Command::Export(args) => json!({ "operation": "export", "params": args.to_params()? }),
        Command::Inspect { file } => {
            json!({ "operation": "inspect_package", "params": { "fileName": file } })
        }
        Command::Import(args) => json!({ "operation": "import", "params": args.to_params()? }),
        Command::Readiness(args) => {
            json!({ "operation": "readiness", "params": args.to_params()? })
        }
        Command::Verify(args) => json!({ "operation": "verify", "params": args.to_params()? }),
        Command::LegacyClients(command) => {
            json!({ "operation": "legacy_clients_plan", "params": command.to_params()? })
        }
        Command::ClientAccess(args) => {
            json!({ "operation": "client_access", "params": args.to_params()? })
        }
        Command::Archive(args) => json!({ "operation": "archive", "params": args.to_params() }),
        Command::Request { request } => {
            // The text may hold a password: wiped once parsed (docs/secrets.md).
            let text = zeroize::Zeroizing::new(read_request_text(request)?);
            return Request::parse(&text);
        }
        // Several requests, one per stage (migrate::run); never one request.
        Command::Migrate(_) => {
            return Err(PcmError::invalid_parameter(
                "migrate",
                "migrate runs one request per stage, not a single request",
            ))
        }
    };
    Request::from_value(value)
}

/// Runs a request the way the registry says: a job (with progress and Ctrl+C) or a synchronous call.
fn dispatch(request: &Request, reporter: &Reporter) -> Outcome {
    if operations::is_job(&request.operation) {
        run_job(request, reporter)
    } else {
        match operations::call(request) {
            Ok(v) => Outcome::Ok(v),
            Err(e) => Outcome::Failed(e),
        }
    }
}

fn reporter_for(cli: &Cli) -> Reporter {
    Reporter {
        verbose: cli.verbose,
        quiet: cli.quiet,
        interactive: std::io::stderr().is_terminal(),
        last_logged: Default::default(),
    }
}

/// One subcommand's request, run: what every stage subcommand does, and what `migrate` does per stage.
fn execute(command: &Command, reporter: &Reporter) -> Outcome {
    match request_for(command) {
        Ok(request) => dispatch(&request, reporter),
        Err(e) => Outcome::Failed(e),
    }
}

fn run(cli: &Cli) -> Outcome {
    execute(&cli.command, &reporter_for(cli))
}

/// Prints a line to stdout; a closed pipe (`... | head`) ends the program quietly instead of panicking. Every
/// line shows control characters as escapes: the values come from databases and packages (room names), and a
/// raw ESC, OSC or BEL would drive the administrator's terminal.
macro_rules! println {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!($($arg)*);
        if writeln!(std::io::stdout(), "{}", escape_control(&line)).is_err() {
            std::process::exit(0);
        }
    }};
}

/// The result as its typed struct; `None` (and the JSON printed instead) if it is not of that shape.
fn typed<T: serde::de::DeserializeOwned>(data: &Value) -> Option<T> {
    match serde_json::from_value(data.clone()) {
        Ok(value) => Some(value),
        Err(_) => {
            print_json_text(&serde_json::to_string_pretty(data).unwrap_or_default());
            None
        }
    }
}

fn dash(value: Option<&str>) -> &str {
    value.unwrap_or("-")
}

fn print_human(command: &Command, data: &Value, verbose: bool) {
    match command {
        Command::Import(_) => import::print(data, verbose),
        Command::Readiness(_) => readiness::print(data, verbose),
        Command::Verify(_) => verify::print(data, verbose),
        Command::LegacyClients(_) => legacy_clients::print(data, verbose),
        Command::ClientAccess(_) => client_access::print(data, verbose),
        Command::Archive(_) => archive::print(data),
        Command::CopyFiles(_) => files::print_copy(data, verbose),
        Command::FileManifest(_) => files::print_manifest(data, verbose),
        Command::Version => {
            if let Some(v) = typed::<VersionInfo>(data) {
                println!("pchat-migrate {} (ABI {})", v.version, v.abi_version);
            }
        }
        Command::Probe(_) => {
            if let Some(probe) = typed::<ProbeResult>(data) {
                print_probe(&probe);
            }
        }
        Command::Export(_) if data.get("whatIf") == Some(&Value::Bool(true)) => {
            if let Some(counted) = typed::<ExportWhatIf>(data) {
                print_export_what_if(&counted, verbose);
            }
        }
        Command::Export(_) => {
            if let Some(export) = typed::<ExportResult>(data) {
                print_export(&export);
            }
        }
        Command::Inspect { .. } => {
            if let Some(inspect) = typed::<InspectResult>(data) {
                print_inspect(&inspect);
            }
        }
        Command::Request { .. } | Command::Migrate(_) => {
            print_json_text(&serde_json::to_string_pretty(data).unwrap_or_default())
        }
    }
}

fn print_probe(p: &ProbeResult) {
    println!("Server        : {}", p.db_instance);
    println!(
        "SQL Server    : {} {} {}",
        dash(p.product_version.as_deref()),
        dash(p.product_level.as_deref()),
        dash(p.edition.as_deref())
    );
    if let Some(databases) = &p.databases {
        println!(
            "Database      : {} (the login's default; no --db-name given)",
            p.database
        );
        print_chat_databases(databases, p);
    } else {
        println!("Database      : {}", p.database);
        println!("Kind          : {}", p.database_kind_name);
    }
    if let Some(c) = &p.counts {
        println!(
            "Contents      : {} categories (the root not counted), {} rooms, {} principals, {} messages",
            c.categories, c.rooms, c.principals, c.messages
        );
        println!(
            "Messages from : {} to {}",
            dash(c.first_message_utc.as_deref()),
            dash(c.last_message_utc.as_deref())
        );
    }
    println!("Encrypted     : {}", p.encrypted);
    println!("Took          : {}", format_duration_ms(p.duration_ms));
}

fn print_export(e: &ExportResult) {
    for line in export_lines(e) {
        println!("{line}");
    }
}

/// What the export would write: the counts, then the rooms (all with --verbose, else the first 20).
fn print_export_what_if(w: &ExportWhatIf, verbose: bool) {
    let c = &w.counts;
    println!("What if       : nothing was written (read-only counting queries)");
    println!(
        "Package       : {}",
        w.file_name.as_deref().unwrap_or("stdout (--as-bytes)")
    );
    println!(
        "Source        : {} / {} ({:?})",
        w.source.db_instance, w.source.database, w.source.kind
    );
    println!("Level         : {:?}", w.level);
    println!(
        "Would export  : {} principals, {} categories (the root included), {} rooms, {} roles, {} scopes, {} add-ins, {} messages",
        c.principals, c.categories, c.rooms, c.roles, c.scopes, c.addins, c.messages
    );
    println!(
        "Message text  : {} in the source (UTF-16; the package stores it compressed)",
        format_bytes(w.source_content_bytes)
    );
    if w.rooms_to_disable > 0 {
        println!(
            "Would disable : {} rooms in the source (--disable-exported-nodes)",
            w.rooms_to_disable
        );
    }
    let shown = if verbose {
        w.rooms.len()
    } else {
        w.rooms.len().min(20)
    };
    println!(
        "{:>8}  {:>9}  {:<28}  {:<28}  room",
        "nodeID", "messages", "first", "last"
    );
    for room in &w.rooms[..shown] {
        let messages = room.messages.map(|m| m.to_string());
        println!(
            "{:>8}  {:>9}  {:<28}  {:<28}  {}",
            room.room_id,
            dash(messages.as_deref()),
            dash(room.first_message_utc.as_deref()),
            dash(room.last_message_utc.as_deref()),
            room.room
        );
    }
    if shown < w.rooms.len() {
        println!(
            "... and {} more rooms (--verbose lists all, --json gives them all)",
            w.rooms.len() - shown
        );
    }
}

/// The export's summary (stdout normally; stderr when the package itself goes to stdout).
fn export_lines(e: &ExportResult) -> Vec<String> {
    let c = &e.counts;
    let mut lines = vec![
        format!(
            "Package       : {} ({})",
            e.path.as_deref().unwrap_or("stdout"),
            format_bytes(e.size_bytes)
        ),
        format!("Level         : {:?}", e.level),
        format!(
            "Contents      : {} principals, {} categories (the root included), {} rooms, {} roles, {} scopes, {} add-ins, {} messages",
            c.principals, c.categories, c.rooms, c.roles, c.scopes, c.addins, c.messages
        ),
        format!(
            "Took          : {} ({} messages/s)",
            format_duration_ms(e.duration_ms),
            format_count(e.messages_per_second),
        ),
    ];
    if e.reused_rooms > 0 {
        lines.push(format!(
            "Resumed       : {} room histories reused from an interrupted run",
            e.reused_rooms
        ));
    }
    if e.rooms_disabled_in_source > 0 {
        lines.push(format!(
            "Disabled      : {} rooms disabled in the source after export",
            e.rooms_disabled_in_source
        ));
    }
    if e.non_unicode_messages > 0 {
        lines.push(format!(
            "Not Unicode   : {} message(s) kept as exact UTF-16 bytes (see the warning)",
            e.non_unicode_messages
        ));
    }
    if let Some(report) = &e.report {
        lines.push(format!(
            "Report        : {} (and {})",
            report.html, report.json
        ));
    }
    lines
}

fn print_inspect(i: &InspectResult) {
    let c = &i.counts;
    println!(
        "Package       : {} ({}), format {}",
        i.path,
        format_bytes(i.size_bytes),
        i.format_version
    );
    println!("Valid         : yes (structure, checksums, records and references checked)");
    println!(
        "Source        : {} / {} ({})",
        i.source.db_instance, i.source.database, i.source.kind
    );
    println!("Created       : {}", i.created_utc);
    println!(
        "Contents      : {} principals, {} categories (the root included), {} rooms, {} messages",
        c.principals, c.categories, c.rooms, c.messages
    );
    println!(
        "{:>8}  {:>9}  {:<28}  {:<28}  room",
        "nodeID", "messages", "first", "last"
    );
    for room in &i.rooms {
        let mut path = room.path.clone();
        path.push(room.name.clone());
        println!(
            "{:>8}  {:>9}  {:<28}  {:<28}  {}",
            room.room_id,
            room.messages,
            dash(room.first_message_utc.as_deref()),
            dash(room.last_message_utc.as_deref()),
            path.join("\\")
        );
    }
}

/// The chat databases `probe` found on the instance, as a table, then what else was examined or skipped.
fn print_chat_databases(databases: &[ChatDatabase], probe: &ProbeResult) {
    let number = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_else(|| "-".into());
    let rows: Vec<[String; 7]> = databases
        .iter()
        .map(|d| {
            let c = d.counts.as_ref();
            [
                d.name.clone(),
                d.kind_name.clone(),
                number(c.map(|c| c.categories)),
                number(c.map(|c| c.rooms)),
                number(c.map(|c| c.principals)),
                number(c.map(|c| c.messages)),
                format!(
                    "{} - {}",
                    dash(c.and_then(|c| c.first_message_utc.as_deref())),
                    dash(c.and_then(|c| c.last_message_utc.as_deref()))
                ),
            ]
        })
        .collect();
    let header = [
        "Database",
        "Kind",
        "Categories",
        "Rooms",
        "Principals",
        "Messages",
        "Messages from - to",
    ]
    .map(String::from);
    let widths: Vec<usize> = (0..7)
        .map(|i| {
            rows.iter()
                .chain(std::iter::once(&header))
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |r: &[String; 7]| {
        format!(
            "  {:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}  {:>w4$}  {:>w5$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
            w4 = widths[4],
            w5 = widths[5]
        )
    };
    if rows.is_empty() {
        println!("Chat databases: none found");
    } else {
        println!("Chat databases:");
        println!("{}", line(&header));
        for r in &rows {
            println!("{}", line(r));
        }
    }
    println!(
        "Other databases examined : {} (not chat databases)",
        probe.other_databases_examined.unwrap_or_default()
    );
    for skipped in probe.skipped_databases.iter().flatten() {
        println!("Skipped       : {}: {}", skipped.name, skipped.reason);
    }
}

/// Prints JSON for scripts: the same value, with DEL, C1 and bidi characters written as `\uXXXX` escapes so
/// the text is also safe on a terminal (serde_json already escapes C0 controls).
fn print_json(value: &Value) {
    print_json_text(&value.to_string());
}

fn print_json_text(text: &str) {
    use std::io::Write as _;
    if writeln!(std::io::stdout(), "{}", json_terminal_safe(text)).is_err() {
        std::process::exit(0);
    }
}

/// A package that travels on a standard stream for this run (see [`stdio_package`]).
struct StreamedPackage {
    temp: stdio_package::TempPackage,
    /// The export writes it to stdout (otherwise it came from stdin).
    to_stdout: bool,
}

/// `--as-bytes` and `--file-name -`: swaps the stream for a temporary file before the request is built.
fn prepare_streams(command: &mut Command) -> Result<Option<StreamedPackage>, PcmError> {
    use stdio_package::{refuse_two_stdin_readers, TempPackage, STREAM};
    let from_stdin = |file: &mut String, password_stdin: bool| {
        refuse_two_stdin_readers(password_stdin)?;
        let temp = TempPackage::new("stdin");
        temp.fill_from_stdin()?;
        *file = temp.path_text();
        Ok::<_, PcmError>(Some(StreamedPackage {
            temp,
            to_stdout: false,
        }))
    };
    match command {
        Command::Export(args) if !args.what_if => {
            if !args.as_bytes && args.file_name.as_deref() != Some(STREAM) {
                return Ok(None);
            }
            stdio_package::require_binary_stdout()?;
            let temp = TempPackage::new("export");
            args.file_name = Some(temp.path_text());
            args.as_bytes = true;
            Ok(Some(StreamedPackage {
                temp,
                to_stdout: true,
            }))
        }
        Command::Import(args) if args.file_name == STREAM => {
            from_stdin(&mut args.file_name, args.connection.password_stdin)
        }
        Command::Inspect { file } if file == STREAM => from_stdin(file, false),
        Command::Verify(args) if args.file_name.as_deref() == Some(STREAM) => {
            let mut file = String::new();
            let streamed = from_stdin(&mut file, args.target.password_stdin)?;
            args.file_name = Some(file);
            Ok(streamed)
        }
        Command::Readiness(args) if args.file_name.as_deref() == Some(STREAM) => {
            let mut file = String::new();
            let streamed = from_stdin(&mut file, false)?;
            args.file_name = Some(file);
            Ok(streamed)
        }
        _ => Ok(None),
    }
}

/// Shows `-` instead of the temporary file's name in what is printed.
fn hide_temp_path(text: &str, streamed: Option<&StreamedPackage>) -> String {
    match streamed {
        Some(s) => text.replace(&s.temp.path_text(), stdio_package::STREAM),
        None => text.to_string(),
    }
}

/// The result of a successful run, on stdout (on stderr when stdout carries the package).
fn report_success(
    cli: &Cli,
    data: &Value,
    streamed: Option<&StreamedPackage>,
) -> Result<(), PcmError> {
    let Some(streamed) = streamed.filter(|s| s.to_stdout) else {
        let data = match streamed {
            Some(_) => serde_json::from_str(&hide_temp_path(&data.to_string(), streamed))
                .unwrap_or_else(|_| data.clone()),
            None => data.clone(),
        };
        if cli.json {
            print_json(&json!({ "ok": true, "data": data }));
        } else {
            print_human(&cli.command, &data, cli.verbose);
        }
        return Ok(());
    };
    streamed.temp.copy_to_stdout()?;
    let mut data = data.clone();
    // The temporary file is gone when the command ends: the package went to stdout.
    data["path"] = Value::Null;
    let text = if cli.json {
        json_terminal_safe(&json!({ "ok": true, "data": data }).to_string()).into_owned()
    } else {
        typed::<ExportResult>(&data)
            .map(|e| export_lines(&e).join("\n"))
            .unwrap_or_default()
    };
    eprintln!("{}", escape_control_lines(&text));
    Ok(())
}

fn success_exit_code(command: &Command, data: &Value) -> ExitCode {
    match command {
        // A blocked plan is a result, but a runbook must not go on.
        Command::LegacyClients(_) => ExitCode::from(legacy_clients::exit_code(data)),
        Command::CopyFiles(_) => ExitCode::from(files::copy_exit_code(data)),
        Command::ClientAccess(_) => ExitCode::from(client_access::exit_code(data)),
        Command::Verify(_) if verify::passed(data) != Some(true) => {
            ExitCode::from(verify::EXIT_NOT_VERIFIED)
        }
        _ => ExitCode::SUCCESS,
    }
}

fn report_failure(cli: &Cli, error: &PcmError, streamed: Option<&StreamedPackage>) -> ExitCode {
    let to_stdout = streamed.is_some_and(|s| s.to_stdout);
    if cli.json {
        let envelope = json!({ "ok": false, "error": error.to_json() });
        let text = hide_temp_path(&envelope.to_string(), streamed);
        if to_stdout {
            eprintln!("{}", json_terminal_safe(&text));
        } else {
            print_json_text(&text);
        }
    }
    eprintln!(
        "pchat-migrate: error [{}]: {}",
        error.code(),
        // Line breaks kept: a refused import lists one problem per line (other controls escaped).
        hide_temp_path(
            &parameter_names::for_cli(&escape_control_lines(&error.to_string())),
            streamed
        )
    );
    ExitCode::from(error.code().cli_exit_code())
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    if let Command::Migrate(args) = &cli.command {
        return migrate::run(&cli, args);
    }
    let streamed = match prepare_streams(&mut cli.command) {
        Ok(streamed) => streamed,
        Err(error) => return report_failure(&cli, &error, None),
    };
    let outcome = run(&cli);
    let streamed = streamed.as_ref();
    match outcome {
        Outcome::Ok(data) => match report_success(&cli, &data, streamed) {
            Ok(()) => success_exit_code(&cli.command, &data),
            Err(error) => report_failure(&cli, &error, streamed),
        },
        Outcome::Failed(error) => report_failure(&cli, &error, streamed),
    }
}
