//! `pchat-migrate migrate`: the whole migration in one command, as Start-PChatMigration runs it. The facts are
//! gathered as the cmdlet's Get-PChatMigrationPackageFact gathers them (the package validated by the
//! `inspect_package` operation, its staging folder), the library's `migration_plan` decides the stages and what
//! a re-run resumes from, and every stage is the stage subcommand's own request (the same `Command`, built from
//! these flags, run by `crate::execute` and printed by `crate::print_human`). docs/cli.md describes it.

use crate::import::{out, ConflictActionArg, ImportArgs, TransformArgs};
use crate::legacy_clients::{LegacyClientsCommand, PlanArgs, ReleaseMethodArg};
use crate::readiness::{ReadinessArgs, TargetArgs};
use crate::verify::{DecommissionArgs, SourceArgs, VerifyArgs};
use crate::{
    AuthenticationArg, Cli, Command, ConnectionArgs, ExportArgs, LevelArg, Outcome, Reporter,
};
use clap::Args;
use pchat_migrate::error::code::exit;
use pchat_migrate::error::ErrorCode;
use pchat_migrate::export::ExportResult;
use pchat_migrate::legacy_clients::{LegacyClientPlan, PlanStatus};
use pchat_migrate::migration::{MigrationPlan, PlannedStage, Stage, StageAction};
use pchat_migrate::operations::{self, InspectResult, Request};
use pchat_migrate::readiness::ReadinessResult;
use pchat_migrate::target::result::ImportResult;
use pchat_migrate::transform::Severity;
use pchat_migrate::util::text::escape_control_lines;
use pchat_migrate::verify::VerifyResult;
use pchat_migrate::PcmError;
use serde_json::{json, Value};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// Start-PChatMigration's parameters, with the flag names the stage subcommands use for the same meaning.
#[derive(Args, Clone)]
pub struct MigrateArgs {
    /// The target: the Lync 2013 Persistent Chat SQL Server (--db-name defaults to mgc). Its --encryption,
    /// --trust-server-certificate, --ca-certificate, timeouts and retries apply to the source too, as the
    /// cmdlet's do.
    #[command(flatten)]
    pub target: ConnectionArgs,
    /// The legacy Group Chat SQL Server: host, host\instance, host,port.
    #[arg(long)]
    pub source_db_instance: String,
    /// The legacy Group Chat database.
    #[arg(long)]
    pub source_db_name: String,
    /// SQL login for the source (Windows authentication without it).
    #[arg(long)]
    pub source_user: Option<String>,
    /// Name of the environment variable holding the source login's password.
    #[arg(long, default_value = "PCHAT_SOURCE_SQL_PASSWORD")]
    pub source_password_env: String,
    /// A CA certificate (PEM/DER) to trust for the source instead of --ca-certificate.
    #[arg(long)]
    pub source_ca_certificate: Option<String>,
    /// Accept the source's certificate without validation (--trust-server-certificate covers both).
    #[arg(long)]
    pub source_trust_server_certificate: bool,
    /// How to sign in to the source (default: sql-server with --source-user, else windows); the servers may
    /// differ, so --authentication is the target's only.
    #[arg(long, value_enum)]
    pub source_authentication: Option<AuthenticationArg>,
    /// Name expected in the source server's certificate (--host-name-in-certificate is the target's).
    #[arg(long)]
    pub source_host_name_in_certificate: Option<String>,
    /// The migration package: written by the export, read by the other stages, and what a re-run resumes from.
    #[arg(long = "file-name", visible_alias = "filename")]
    pub file_name: String,
    /// What to export.
    #[arg(long, value_enum, default_value = "all")]
    pub level: LevelArg,
    /// Category names or Parent\Child paths to export (repeatable).
    #[arg(long)]
    pub scope: Vec<String>,
    /// Room names, Category\Room paths or node ids to export (repeatable).
    #[arg(long)]
    pub room: Vec<String>,
    /// Only chat history posted at or after this time (ISO 8601, UTC unless an offset is given).
    #[arg(long)]
    pub start_date: Option<String>,
    /// Rooms exported in parallel.
    #[arg(long, default_value_t = 4)]
    pub throttle_limit: u32,
    #[command(flatten)]
    pub transform: TransformArgs,
    /// What to do when a category, room or add-in name is already used in the target.
    #[arg(long, value_enum, default_value = "fail")]
    pub conflict_action: ConflictActionArg,
    /// A folder for the stages' reports (Readiness, Export, ImportPlan, Import, Verify: .html and .json each);
    /// none is written with --what-if.
    #[arg(long)]
    pub report: Option<String>,
    /// The Lync 2013 Persistent Chat pool (legacy-client access, the decommission checklist); required unless
    /// --skip-legacy-client-access.
    #[arg(long)]
    pub persistent_chat_pool_fqdn: Option<String>,
    /// A lookup SIP URI legacy clients use (repeatable; as legacy-clients plan --sip-address).
    #[arg(long)]
    pub sip_address: Vec<String>,
    /// The new endpoint's display name (as legacy-clients plan --display-name).
    #[arg(long)]
    pub display_name: Option<String>,
    /// How the legacy lookup account gives up its address (as legacy-clients plan --release-method).
    #[arg(long, value_enum)]
    pub release_method: Option<ReleaseMethodArg>,
    /// The legacy-client facts (JSON, as legacy-clients plan --facts): the CLI cannot ask Lync Server, so the
    /// legacy-client stage plans from this file; required unless --skip-legacy-client-access.
    #[arg(long)]
    pub facts: Option<String>,
    /// Leave the legacy-client access stage out (legacy-clients plan / Enable-PChatLegacyClientAccess later).
    #[arg(long)]
    pub skip_legacy_client_access: bool,
    /// Stop after the import plan: readiness, export and the plan run, nothing is imported.
    #[arg(long)]
    pub stop_after_what_if: bool,
    /// Only the read-only stages: readiness, the export's counts, the import plan of a present package, the
    /// legacy-client plan. No package, report or row is written.
    #[arg(long)]
    pub what_if: bool,
    /// Export again over a package that cannot be reused, replace report files, and import although a
    /// Persistent Chat server pinged the target recently.
    #[arg(long)]
    pub force: bool,
}

/// One stage as it ran (or was skipped, described, refused).
struct StageRun {
    planned: PlannedStage,
    status: String,
    notes: String,
    duration_ms: u64,
    command: Option<Command>,
    result: Option<Value>,
    error: Option<PcmError>,
    /// Non-zero: the stage failed with this exit code.
    exit_code: u8,
}

/// Runs the migration and ends with the failed stage's exit code (0 when none failed).
pub fn run(cli: &Cli, args: &MigrateArgs) -> ExitCode {
    let reporter = crate::reporter_for(cli);
    let plan = match prepare(args, &reporter) {
        Ok(plan) => plan,
        Err(error) => return crate::report_failure(cli, &error, None),
    };
    let mut runs: Vec<StageRun> = Vec::new();
    for planned in &plan.stages {
        let stage = run_stage(args, planned, &reporter);
        if !cli.json {
            show_stage(&stage, cli.verbose);
        }
        let failed = stage.exit_code != 0;
        runs.push(stage);
        if failed {
            break;
        }
    }
    finish(cli, args, &plan, &runs)
}

/// The checks the flags need, the facts, and the library's plan; an error here means nothing ran.
fn prepare(args: &MigrateArgs, reporter: &Reporter) -> Result<MigrationPlan, PcmError> {
    check_flags(args)?;
    let facts = json!({
        "whatIf": args.what_if,
        "stopAfterWhatIf": args.stop_after_what_if,
        "skipLegacyClientAccess": args.skip_legacy_client_access,
        "force": args.force,
        "source": { "dbInstance": args.source_db_instance, "dbName": args.source_db_name },
        "export": {
            "level": args.level.library_name(),
            "scope": args.scope,
            "rooms": args.room,
            "startDateUtc": args.start_date,
        },
        "package": package_facts(&args.file_name, reporter)?,
        "persistentChatPoolFqdn": args.persistent_chat_pool_fqdn,
    });
    let request = Request::from_value(json!({ "operation": "migration_plan", "params": facts }))?;
    let plan: MigrationPlan = serde_json::from_value(operations::call(&request)?)
        .map_err(|e| PcmError::Internal(format!("the migration plan could not be read: {e}")))?;
    refuse_blockers(&plan)?;
    let legacy_runs = plan.stages.iter().any(|s| {
        s.stage == Stage::LegacyClientAccess
            && matches!(s.action, StageAction::Run | StageAction::WhatIf)
    });
    if legacy_runs && args.facts.is_none() {
        return Err(PcmError::invalid_parameter(
            "facts",
            "the legacy-client access stage needs --facts <file> (what Get-CsSipDomain, Get-CsService, \
             Get-CsPersistentChatEndpoint and Get-CsAdUser report; see legacy-clients plan): the CLI cannot ask \
             Lync Server. Give --facts, or --skip-legacy-client-access to leave the stage for later; nothing was \
             done",
        ));
    }
    if let (Some(folder), false) = (&args.report, args.what_if) {
        std::fs::create_dir_all(folder).map_err(|e| {
            PcmError::invalid_parameter("report", format!("cannot create --report {folder}: {e}"))
        })?;
    }
    Ok(plan)
}

/// What one command cannot do: a package on a stream (several stages read it), a password on stdin (several
/// connections need it), a source login without its password.
fn check_flags(args: &MigrateArgs) -> Result<(), PcmError> {
    if args.file_name == crate::stdio_package::STREAM {
        return Err(PcmError::invalid_parameter(
            "file-name",
            "migrate needs a package file (--file-name <path>): every stage reads it, and a re-run resumes from it",
        ));
    }
    if args.target.password_stdin {
        return Err(PcmError::invalid_parameter(
            "password-stdin",
            "migrate opens several connections: give the password in the environment variable named by \
             --password-env instead of --password-stdin",
        ));
    }
    if args.source_user.is_some() && std::env::var(&args.source_password_env).is_err() {
        return Err(PcmError::invalid_parameter(
            "source-password-env",
            format!(
                "--source-user was given but the environment variable {} holding its password is not set",
                args.source_password_env
            ),
        ));
    }
    Ok(())
}

/// Get-PChatMigrationPackageFact: is the package there, does it validate (inspect_package), which source and
/// parameters it records, is an interrupted export's staging folder there. An invalid package is a fact.
fn package_facts(file: &str, reporter: &Reporter) -> Result<Value, PcmError> {
    let exists = Path::new(file).is_file();
    let staging = Path::new(&format!("{file}.staging")).is_dir();
    let mut facts = json!({ "fileName": file, "exists": exists, "stagingExists": staging });
    if !exists {
        return Ok(facts);
    }
    let inspect = Command::Inspect { file: file.into() };
    let checked = match crate::execute(&inspect, reporter) {
        Outcome::Ok(data) => serde_json::from_value::<InspectResult>(data).map_err(|e| {
            PcmError::Internal(format!("the inspection result could not be read: {e}"))
        }),
        Outcome::Failed(error) => Err(error),
    };
    facts["check"] = match checked {
        Ok(package) => json!({
            "valid": package.valid,
            "source": { "dbInstance": package.source.db_instance, "database": package.source.database },
            "parameters": package.parameters,
        }),
        Err(error) if error.code() == ErrorCode::Cancelled => return Err(error),
        Err(error) => json!({
            "valid": false,
            "errorCode": error.code().as_str(),
            "errorMessage": error.to_string(),
        }),
    };
    Ok(facts)
}

/// The plan's blockers (a package that cannot be reused without --force, no pool): nothing runs, exit code 2.
fn refuse_blockers(plan: &MigrationPlan) -> Result<(), PcmError> {
    let Some(first) = plan.blockers.first() else {
        return Ok(());
    };
    let lines: Vec<String> = plan
        .blockers
        .iter()
        .map(|b| format!("  [{}] {}", b.code, b.message))
        .collect();
    let parameter = match first.code.as_str() {
        "legacy_client_pool_missing" => "persistent-chat-pool-fqdn",
        _ => "file-name",
    };
    Err(PcmError::invalid_parameter(
        parameter,
        format!(
            "The migration cannot start; nothing was done. Fix these first:\n{}",
            lines.join("\n")
        ),
    ))
}

/// Runs (or reports) one planned stage through its subcommand's request.
fn run_stage(args: &MigrateArgs, planned: &PlannedStage, reporter: &Reporter) -> StageRun {
    let started = Instant::now();
    let mut stage = StageRun {
        planned: planned.clone(),
        status: name_of(&planned.status),
        notes: for_cli(&planned.note),
        duration_ms: 0,
        command: None,
        result: None,
        error: None,
        exit_code: 0,
    };
    if matches!(planned.action, StageAction::Run | StageAction::WhatIf) {
        let command = stage_command(args, planned);
        match crate::execute(&command, reporter) {
            Outcome::Ok(data) => {
                if let Err(error) = judge(&mut stage, &data) {
                    stage.fail(error);
                }
                stage.result = Some(data);
            }
            Outcome::Failed(error) => stage.fail(error),
        }
        stage.command = Some(command);
    }
    stage.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    stage
}

impl StageRun {
    /// The stage's call ended in an error: its code gives the exit code (4 connection, 130 cancelled, ...).
    fn fail(&mut self, error: PcmError) {
        self.status = "Failed".into();
        self.notes = crate::parameter_names::for_cli(&error.to_string());
        self.exit_code = error.code().cli_exit_code();
        self.error = Some(error);
    }

    /// The stage ran but its result says the run must stop (exit code 3 or 5).
    fn fail_check(&mut self, notes: String, exit_code: u8) {
        self.status = "Failed".into();
        self.notes = notes;
        self.exit_code = exit_code;
    }
}

/// A plan enum's JSON name ("Succeeded", "Readiness").
fn name_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The report file of a stage that writes one, in --report's folder.
fn report_for(args: &MigrateArgs, planned: &PlannedStage) -> Option<String> {
    let folder = args.report.as_ref().filter(|_| planned.writes_report)?;
    let name = format!("{}.html", name_of(&planned.stage));
    Some(Path::new(folder).join(name).display().to_string())
}

/// The stage subcommand's own command, built from migrate's flags.
fn stage_command(args: &MigrateArgs, planned: &PlannedStage) -> Command {
    let report = report_for(args, planned);
    match planned.stage {
        Stage::Readiness => Command::Readiness(readiness_args(args, planned, report)),
        Stage::Export => Command::Export(export_args(args, planned, report)),
        Stage::ImportPlan => Command::Import(import_args(args, true, report)),
        Stage::Import => Command::Import(import_args(args, false, report)),
        Stage::Verify => Command::Verify(verify_args(args, report)),
        Stage::LegacyClientAccess => Command::LegacyClients(legacy_command(args)),
    }
}

/// The legacy database as a connection: the target's shared settings (encryption, certificate trust,
/// timeouts, retries), the source's own login and certificate.
fn source_connection(args: &MigrateArgs) -> ConnectionArgs {
    let mut source = args.target.clone();
    source.db_instance = args.source_db_instance.clone();
    source.db_name = Some(args.source_db_name.clone());
    source.authentication = args.source_authentication;
    source.user = args.source_user.clone();
    source.password_env = args.source_password_env.clone();
    source.host_name_in_certificate = args.source_host_name_in_certificate.clone();
    if args.source_ca_certificate.is_some() {
        source.ca_certificate = args.source_ca_certificate.clone();
    }
    source.trust_server_certificate |= args.source_trust_server_certificate;
    source
}

fn readiness_args(
    args: &MigrateArgs,
    planned: &PlannedStage,
    report: Option<String>,
) -> ReadinessArgs {
    let from_package = planned.input.as_deref() == Some("package");
    let target = &args.target;
    ReadinessArgs {
        source: (!from_package).then(|| source_connection(args)),
        file_name: from_package.then(|| args.file_name.clone()),
        target: TargetArgs {
            target_db_instance: Some(target.db_instance.clone()),
            target_db_name: target.db_name.clone(),
            target_user: target.user.clone(),
            target_password_env: target.password_env.clone(),
            target_ca_certificate: target.ca_certificate.clone(),
            target_trust_server_certificate: target.trust_server_certificate,
        },
        force: args.force && report.is_some(),
        report,
        transform: args.transform.clone(),
        conflict_action: args.conflict_action,
        start_date: args.start_date.clone().filter(|_| !from_package),
        shared_from: Some(args.target.clone()),
    }
}

fn export_args(args: &MigrateArgs, planned: &PlannedStage, report: Option<String>) -> ExportArgs {
    ExportArgs {
        connection: source_connection(args),
        file_name: Some(args.file_name.clone()),
        as_bytes: false,
        what_if: planned.action == StageAction::WhatIf,
        level: args.level,
        scope: args.scope.clone(),
        room: args.room.clone(),
        start_date: args.start_date.clone(),
        disable_exported_nodes: false,
        report,
        throttle_limit: args.throttle_limit,
        // Only a package that cannot be reused reaches a run with one present: --force replaces it.
        force: args.force,
    }
}

fn import_args(args: &MigrateArgs, what_if: bool, report: Option<String>) -> ImportArgs {
    ImportArgs {
        connection: args.target.clone(),
        file_name: args.file_name.clone(),
        what_if,
        conflict_action: args.conflict_action,
        report,
        force: args.force,
        transform: args.transform.clone(),
        batch_size: None,
    }
}

fn verify_args(args: &MigrateArgs, report: Option<String>) -> VerifyArgs {
    VerifyArgs {
        target: args.target.clone(),
        file_name: Some(args.file_name.clone()),
        source: SourceArgs {
            source_db_instance: None,
            source_db_name: None,
            source_user: None,
            source_password_env: args.source_password_env.clone(),
            source_ca_certificate: None,
            source_trust_server_certificate: false,
            start_date: None,
        },
        quick: false,
        force: args.force && report.is_some(),
        report,
        parallelism: None,
        conflict_action: args.conflict_action,
        transform: args.transform.clone(),
        decommission: DecommissionArgs {
            legacy_pool_fqdn: None,
            trusted_application_id: None,
            legacy_server: Vec::new(),
            persistent_chat_pool_fqdn: args.persistent_chat_pool_fqdn.clone(),
            lookup_sip_address: None,
        },
    }
}

fn legacy_command(args: &MigrateArgs) -> LegacyClientsCommand {
    LegacyClientsCommand::Plan(PlanArgs {
        // prepare() refused a run whose legacy stage runs without --facts.
        facts: args.facts.clone().unwrap_or_default(),
        persistent_chat_pool_fqdn: args.persistent_chat_pool_fqdn.clone(),
        sip_address: args.sip_address.clone(),
        display_name: args.display_name.clone(),
        release_method: args.release_method,
    })
}

fn typed<T: serde::de::DeserializeOwned>(data: &Value, what: &str) -> Result<T, PcmError> {
    serde_json::from_value(data.clone())
        .map_err(|e| PcmError::Internal(format!("the {what} result could not be read: {e}")))
}

/// The stage's notes and status from its result, as Start-PChatMigration words them; a result that says the
/// run must stop fails the stage (3: readiness or import-plan Error findings, a blocked plan; 5: not verified).
fn judge(stage: &mut StageRun, data: &Value) -> Result<(), PcmError> {
    match stage.planned.stage {
        Stage::Readiness => {
            let r: ReadinessResult = typed(data, "readiness")?;
            let c = &r.severity_counts;
            stage.notes = format!(
                "{} error(s), {} warning(s), {} info(s)",
                c.errors, c.warnings, c.info
            );
            if c.errors > 0 {
                stage.fail_check(
                    format!(
                        "{} finding(s) with Severity Error (see the findings below)",
                        c.errors
                    ),
                    exit::INCOMPLETE,
                );
            }
        }
        Stage::Export if data.get("whatIf") == Some(&Value::Bool(true)) => {}
        Stage::Export => {
            let e: ExportResult = typed(data, "export")?;
            stage.notes = format!(
                "{} room(s), {} message(s) to {}; {} room(s) reused from an interrupted run",
                e.counts.rooms,
                e.counts.messages,
                e.path.as_deref().unwrap_or("-"),
                e.reused_rooms
            );
            stage.status = if e.reused_rooms > 0 {
                "Resumed"
            } else {
                "Succeeded"
            }
            .into();
        }
        Stage::ImportPlan => judge_import_plan(stage, &typed(data, "import plan")?),
        Stage::Import => {
            let i: ImportResult = typed(data, "import")?;
            let s = &i.summary;
            stage.notes = format!(
                "{} message(s) imported, {} already present",
                s.messages_imported, s.messages_already_present
            );
            if s.messages_already_present > 0 {
                stage.status = "Resumed".into();
            }
        }
        Stage::Verify => judge_verify(stage, &typed(data, "verify")?),
        Stage::LegacyClientAccess => judge_legacy(stage, &typed(data, "legacy-client plan")?),
    }
    Ok(())
}

fn judge_import_plan(stage: &mut StageRun, plan: &ImportResult) {
    let rooms = &plan.summary.rooms;
    stage.notes = format!(
        "{} room(s) to create, {} to update or resume, {} message(s) to write",
        rooms.created, rooms.updated, plan.estimate.messages
    );
    let errors: Vec<_> = plan
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    if let Some(first) = errors.first() {
        stage.fail_check(
            format!(
                "the import plan has {} finding(s) with Severity Error, for example [{}] {}",
                errors.len(),
                first.code,
                first.message
            ),
            exit::INCOMPLETE,
        );
    }
}

fn judge_verify(stage: &mut StageRun, result: &VerifyResult) {
    let s = &result.summary;
    stage.notes = format!(
        "{} verified, {} mismatched, {} missing, {} extra",
        s.verified, s.mismatched, s.missing, s.extra
    );
    if !s.passed {
        let notes = format!("the target does not match the package ({})", stage.notes);
        stage.fail_check(notes, exit::VERIFICATION_MISMATCH);
    }
}

/// The CLI cannot run the Lync Server cmdlets: the stage is the plan, "Planned" when it is ready to run.
fn judge_legacy(stage: &mut StageRun, plan: &LegacyClientPlan) {
    stage.notes = format!(
        "plan {}: {} step(s)",
        name_of(&plan.status),
        plan.steps.len()
    );
    if plan.status == PlanStatus::Blocked {
        let blockers: Vec<&str> = plan.blockers.iter().map(|b| b.message.as_str()).collect();
        let notes = format!("the legacy-client plan is blocked: {}", blockers.join(" "));
        stage.fail_check(notes, crate::legacy_clients::EXIT_BLOCKED);
    } else if stage.planned.action == StageAction::Run {
        stage.status = "Planned".into();
        stage.notes.push_str(
            "; the CLI does not run Lync Server cmdlets: run these steps (or Enable-PChatLegacyClientAccess) \
             on a Lync Server",
        );
    }
}

/// The stage's header line, its subcommand's own summary, and on failure the error and how to resume.
fn show_stage(stage: &StageRun, verbose: bool) {
    out(&format!(
        "== {}: {} ({}) [{} ms]",
        name_of(&stage.planned.stage),
        stage.status,
        stage.notes,
        stage.duration_ms
    ));
    if let (Some(command), Some(data)) = (&stage.command, &stage.result) {
        crate::print_human(command, data, verbose);
    }
    if let Some(error) = &stage.error {
        eprintln!(
            "pchat-migrate: error [{}]: {}",
            error.code(),
            crate::parameter_names::for_cli(&escape_control_lines(&error.to_string()))
        );
    }
    if stage.exit_code != 0 {
        out(&format!(
            "Resume        : {}",
            for_cli(&stage.planned.resume)
        ));
    }
    out("");
}

/// The plan's texts name the cmdlet's parameters (-FileName); the CLI shows its flags.
fn for_cli(text: &str) -> String {
    crate::parameter_names::for_cli(text)
}

fn stage_json(stage: &StageRun) -> Value {
    json!({
        "stage": stage.planned.stage,
        "action": stage.planned.action,
        "status": stage.status,
        "notes": stage.notes,
        "durationMs": stage.duration_ms,
        "result": stage.result,
        "error": stage.error.as_ref().map(PcmError::to_json),
        "exitCode": stage.exit_code,
        "resume": for_cli(&stage.planned.resume),
    })
}

/// The summary (a line per fact, or one JSON document with every stage) and the exit code.
fn finish(cli: &Cli, args: &MigrateArgs, plan: &MigrationPlan, runs: &[StageRun]) -> ExitCode {
    let failed = runs.iter().find(|s| s.exit_code != 0);
    let completed = failed.is_none()
        && !args.what_if
        && !args.stop_after_what_if
        && runs.len() == plan.stages.len();
    let source = format!(
        "database '{}' on {}",
        args.source_db_name, args.source_db_instance
    );
    let db_name = args.target.db_name.as_deref().unwrap_or("mgc");
    let target = format!("{db_name} on {}", args.target.db_instance);
    if cli.json {
        crate::print_json(&json!({
            "ok": failed.is_none(),
            "data": {
                "completed": completed,
                "whatIf": args.what_if,
                "failedStage": failed.map(|s| s.planned.stage),
                "resume": failed.map(|s| for_cli(&s.planned.resume)),
                "fileName": args.file_name,
                "source": source,
                "target": target,
                "stages": runs.iter().map(stage_json).collect::<Vec<_>>(),
                "plan": plan,
            },
        }));
    } else {
        out(&format!("Source        : {source}"));
        out(&format!("Target        : {target}"));
        out(&format!("Package       : {}", args.file_name));
        out(&format!(
            "Migration     : {}",
            outcome_text(args, completed, failed)
        ));
    }
    ExitCode::from(failed.map_or(exit::SUCCESS, |s| s.exit_code))
}

fn outcome_text(args: &MigrateArgs, completed: bool, failed: Option<&StageRun>) -> String {
    if let Some(stage) = failed {
        return format!(
            "stopped at the {} stage (exit code {}): {}",
            name_of(&stage.planned.stage),
            stage.exit_code,
            for_cli(&stage.planned.resume)
        );
    }
    if completed {
        "completed: every stage succeeded, was resumed or was left out by choice".into()
    } else if args.what_if {
        "what-if: the plan above; nothing was written (no package, report or row)".into()
    } else {
        "stopped after the import plan (--stop-after-what-if); run the same command without it to go on".into()
    }
}
