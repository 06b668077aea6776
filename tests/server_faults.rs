//! Issue 11, reliability: the server-fault matrix (docs/server-faults.md). For each fault — wrong password,
//! unknown database, TLS refused, the server stopping mid-run, a server slower than the command timeout, a lock
//! held by another admin — and each operation that talks to a server (probe, readiness, export, import,
//! verify): the job ends with the expected error code and a message naming the problem and the fix; it ends
//! within its bound (a hang check, not a speed test); nothing is half-written (an import's target unchanged when
//! the fault comes before its writes, a re-run completing to the uninterrupted state when it comes during them;
//! no export package at the destination, and the re-run succeeds).
//! Every test steers its own stand-in, whatever `PCHAT_TEST_SQLSERVER` says.

#[path = "apply_support/mod.rs"]
mod apply_support;
#[path = "common/checksums.rs"]
mod checksums;
mod common;

use apply_support::{fresh_target, scalar, write_name_map};
use chat_fixtures::{DatabaseKind, Schema, Size};
use checksums::{checksum_all, Checksums};
use common::{fresh_dir, unique_db_name, TestServer};
use pchat_migrate::jobs::{JobEvent, JobState};
use pchat_migrate::operations::{self, Request};
use pchat_migrate::PcmError;
use serde_json::{json, Value};
use sqlserver_standin::{FaultHandle, TlsMode};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Tables left out when an interrupted-then-resumed import is compared with an uninterrupted one: the lock
/// table (its expiry times differ) and the revision counter (bumped by each run).
const EXCEPT: &[&str] = &["tblAdminLock", "tblSystemRevision"];

/// What a command timeout's message names: the problem, the parameter, the likely causes, the next step.
const COMMAND_TIMEOUT_WORDS: &[&str] = &[
    "did not answer a statement within the command timeout",
    "-CommandTimeoutSeconds",
    "lock",
    "run the command again",
];

/// Margin over a job's own timeouts before it counts as hung.
const HANG_MARGIN: Duration = Duration::from_secs(60);

/// The operations that talk to a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Probe,
    Readiness,
    Export,
    Import,
    Verify,
}

const EVERY_OP: [Op; 5] = [Op::Probe, Op::Readiness, Op::Export, Op::Import, Op::Verify];

/// A legacy deployment on its own stand-in, its package and name map, and a target it was imported into.
struct Deployment {
    server: TestServer,
    source: String,
    package: PathBuf,
    names: PathBuf,
    migrated: String,
    dir: PathBuf,
}

async fn deployment(name: &str, seed: u64) -> Deployment {
    let server = TestServer::standin(TlsMode::Plaintext);
    let dir = fresh_dir("server_faults", name);
    let source = unique_db_name("faults_src");
    let mut admin = server.admin("master").await;
    let schema = Schema::from(DatabaseKind::Legacy2010);
    chat_fixtures::create_database_as(&mut admin, &source, schema)
        .await
        .expect("legacy schema");
    // 600 messages: several chat transactions at -BatchSize 100 (small rooms share one up to the batch size),
    // so a fault can land while chat is written.
    let model = chat_fixtures::generate_model(seed, Size::Messages(600));
    chat_fixtures::write_schema(&mut admin, &model, schema)
        .await
        .expect("legacy data");
    let package = apply_support::export(&server, &source, &dir).await;
    let names = dir.join("names.json");
    write_name_map(&package, &names);
    let migrated = fresh_target(&server).await;
    let deployment = Deployment {
        server,
        source,
        package,
        names,
        migrated,
        dir,
    };
    let migrated = deployment.migrated.clone();
    let outcome = deployment
        .run(Op::Import, deployment.connection(&migrated), None)
        .await;
    outcome.result.expect("the reference import");
    deployment
}

/// How a job ended.
struct Outcome {
    result: Result<Value, PcmError>,
    events: Vec<JobEvent>,
}

impl Outcome {
    /// The error, which must have `code`; its message, which must name every word of `words`.
    fn error(self, what: &str, code: &str, words: &[&str]) -> String {
        let error = match self.result {
            Err(e) => e,
            Ok(v) => panic!("{what}: succeeded ({v})"),
        };
        assert_eq!(error.code(), code, "{what}: {error}");
        let message = error.to_string();
        for word in words {
            assert!(message.contains(word), "{what}: '{word}' not in: {message}");
        }
        message
    }
}

impl Deployment {
    fn faults(&self) -> FaultHandle {
        self.server.as_standin().expect("a stand-in").faults()
    }

    /// Connection parameters for `db` with short timeouts and one retry.
    fn connection(&self, db: &str) -> Value {
        let mut c = self.server.connection_params(Some(db));
        c["connectTimeoutSeconds"] = json!(5);
        c["connectRetryCount"] = json!(1);
        c
    }

    /// The request of `op` with `connection` as the connection it talks to (the source of probe, readiness and
    /// export, the target of import and verify); `file` is the export's destination.
    fn request(&self, op: Op, connection: Value, file: Option<&Path>) -> Value {
        let package = self.package.display().to_string();
        let names = self.names.display().to_string();
        let (operation, params) = match op {
            Op::Probe => ("probe", connection),
            Op::Readiness => ("readiness", json!({ "source": connection })),
            Op::Export => (
                "export",
                json!({
                    "connection": connection,
                    "fileName": file.expect("an export destination").display().to_string(),
                    "throttleLimit": 1,
                }),
            ),
            Op::Import => (
                "import",
                json!({
                    "connection": connection, "fileName": package, "nameMapFile": names, "batchSize": 100,
                }),
            ),
            Op::Verify => (
                "verify",
                json!({ "connection": connection, "fileName": package, "nameMapFile": names }),
            ),
        };
        json!({ "operation": operation, "params": params })
    }

    /// Runs `op` to its end; panics (a hang) if it has not ended within the connection's timeouts and
    /// [`HANG_MARGIN`].
    async fn run(&self, op: Op, connection: Value, file: Option<&Path>) -> Outcome {
        let bound = bound_of(&connection);
        let request = self.request(op, connection, file);
        tokio::task::spawn_blocking(move || run_bounded(op, request, bound))
            .await
            .expect("join")
    }

    /// Starts `op`; returns once `ready` says so of an event or the target (polled), leaving it running.
    fn start(&self, op: Op, connection: Value, file: Option<&Path>) -> Started {
        let bound = bound_of(&connection);
        let request = self.request(op, connection, file);
        let job = operations::start_job(&Request::from_value(request).expect("request"))
            .expect("the job starts");
        Started {
            op,
            job,
            bound,
            started: Instant::now(),
            events: Vec::new(),
        }
    }

    async fn sums(&self, db: &str) -> Checksums {
        checksum_all(&mut self.server.admin(db).await).await
    }

    async fn rows(&self, db: &str) -> BTreeMap<String, Vec<String>> {
        apply_support::checksums(&self.server, db, EXCEPT).await
    }

    async fn exec(&self, db: &str, sql: &str) {
        let mut admin = self.server.admin(db).await;
        admin
            .simple_query(sql)
            .await
            .expect(sql)
            .into_results()
            .await
            .expect(sql);
    }

    fn export_file(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.pcmpkg"))
    }
}

/// The longest a job may take with these connection settings before it counts as hung.
fn bound_of(connection: &Value) -> Duration {
    let seconds = |key: &str, default: u64| connection[key].as_u64().unwrap_or(default);
    let attempts = 1 + seconds("connectRetryCount", 2);
    let connect = attempts * seconds("connectTimeoutSeconds", 15) + (1 << attempts);
    Duration::from_secs(connect + seconds("commandTimeoutSeconds", 30)) + HANG_MARGIN
}

/// A job left running by [`Deployment::start`].
struct Started {
    op: Op,
    job: pchat_migrate::jobs::Job,
    bound: Duration,
    started: Instant,
    events: Vec<JobEvent>,
}

impl Started {
    /// Polls until an event satisfies `ready` (60 s at most; the job must still be running).
    fn wait_for(&mut self, what: &str, mut ready: impl FnMut(&JobEvent) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let batch = self.job.poll(Duration::from_millis(50)).expect("running");
            let seen = batch.events.iter().any(&mut ready);
            self.events.extend(batch.events);
            assert_eq!(
                batch.state,
                JobState::Running,
                "{:?} ended before {what}",
                self.op
            );
            if seen {
                return;
            }
        }
        panic!("{:?}: {what} did not come", self.op);
    }

    /// Polls until `db` holds messages (60 s at most; the job must still be running).
    async fn wait_for_chat_in(&mut self, d: &Deployment, db: &str) {
        self.wait_for("the chat stage", chat_stage);
        let deadline = Instant::now() + Duration::from_secs(60);
        while scalar(&d.server, db, "SELECT COUNT(*) FROM dbo.tblChat").await == 0 {
            assert!(Instant::now() < deadline, "{:?}: no chat came", self.op);
            let batch = self.job.poll(Duration::from_millis(10)).expect("running");
            self.events.extend(batch.events);
            assert_eq!(
                batch.state,
                JobState::Running,
                "ended before chat was written"
            );
        }
    }

    /// Waits for the end within the bound counted from the start.
    async fn finish(self) -> Outcome {
        let Started {
            op,
            job,
            bound,
            started,
            mut events,
        } = self;
        tokio::task::spawn_blocking(move || {
            let rest = bound.saturating_sub(started.elapsed());
            let mut outcome = wait_bounded(op, job, rest);
            events.append(&mut outcome.events);
            outcome.events = events;
            outcome
        })
        .await
        .expect("join")
    }
}

fn run_bounded(op: Op, request: Value, bound: Duration) -> Outcome {
    let request = Request::from_value(request).expect("request");
    match operations::start_job(&request) {
        Ok(job) => wait_bounded(op, job, bound),
        Err(error) => Outcome {
            result: Err(error),
            events: Vec::new(),
        },
    }
}

/// The hang check: the job must have ended within `bound`, or it is cancelled and the test fails.
fn wait_bounded(op: Op, job: pchat_migrate::jobs::Job, bound: Duration) -> Outcome {
    let deadline = Instant::now() + bound;
    let mut events = Vec::new();
    while let Ok(batch) = job.poll(Duration::from_millis(100)) {
        events.extend(batch.events);
        if Instant::now() > deadline && !batch.state.is_finished() {
            job.cancel_and_wait(Duration::from_secs(30));
            panic!("{op:?} did not end within {bound:?}: it hangs");
        }
    }
    Outcome {
        result: job.result().expect("ended"),
        events,
    }
}

/// Whether an import has reached its chat stage.
fn chat_stage(e: &JobEvent) -> bool {
    matches!(e, JobEvent::Progress { status, .. } if status.starts_with("Writing chat"))
}

/// Whether some rooms are done and most are not (a progress event with a current count below half its total).
/// The export reads histories, less than half of its rooms done (its small rooms count when their bundle
/// closes, half a second in, so the first room done may come late: the phase itself is what counts).
fn histories_under_way(e: &JobEvent) -> bool {
    matches!(e, JobEvent::Progress { current: Some(c), total: Some(t), .. } if *t > 1 && c * 2 < *t)
}

fn rooms_under_way(e: &JobEvent) -> bool {
    matches!(e, JobEvent::Progress { current: Some(c), total: Some(t), .. } if *c >= 1 && c * 2 < *t)
}

/// The checks after an export that failed: no package at the destination, then a re-run succeeds.
async fn export_left_no_package_and_reruns(d: &Deployment, file: &Path) {
    assert!(!file.exists(), "a failed export left {}", file.display());
    let rerun = d.run(Op::Export, d.connection(&d.source), Some(file)).await;
    rerun.result.expect("the export re-run succeeds");
    pchat_migrate::package::PackageReader::open(file).expect("a whole package");
}

/// The checks after an import that failed before writing: `db` is as it was.
async fn import_wrote_nothing(d: &Deployment, db: &str, before: &Checksums) {
    assert_eq!(&d.sums(db).await, before, "the failed import wrote to {db}");
}

/// The checks after an import that failed during its writes: a re-run completes to the uninterrupted state.
async fn import_reruns_to_the_reference(d: &Deployment, db: &str) {
    let rerun = d.run(Op::Import, d.connection(db), None).await;
    rerun.result.expect("the import re-run completes");
    apply_support::assert_same(&d.rows(&d.migrated).await, &d.rows(db).await);
    assert_eq!(
        scalar(&d.server, db, "SELECT COUNT(*) FROM dbo.tblAdminLock").await,
        0,
        "no admin lock left"
    );
}

/// A job whose server stopped ends on the broken connection, or on the reconnect the server refused: either
/// message names the problem and the fix.
fn assert_names_the_stopped_server(message: &str) {
    let broke = message.contains("the connection to SQL Server broke")
        && message.contains("server stopped or restarted")
        && message.contains("run the command again");
    let refused =
        message.contains("connection refused") && message.contains("check that SQL Server runs");
    assert!(broke || refused, "{message}");
}

/// The checks after an import that stopped during its writes and could not release its admin lock (the
/// server gone or not answering): its error says so and that the next run takes the lock over; the re-run,
/// started at once, finds the row unextended (no keeper is alive), takes it over and completes.
async fn import_takes_its_lock_over_then_reruns(d: &Deployment, db: &str, message: &str) {
    assert!(
        message.contains("could not be released") && message.contains("takes it over"),
        "{message}"
    );
    import_reruns_to_the_reference(d, db).await;
}

/// A connection-level fault (the connection's params changed by `fault`) for every operation: `code` and
/// `words` expected; nothing written; the export and import re-run with the right settings succeed.
async fn connection_fault_for_every_op(
    d: &Deployment,
    name: &str,
    fault: impl Fn(&mut Value),
    code: &str,
    words: &[&str],
) {
    for op in EVERY_OP {
        let what = format!("{name}, {op:?}");
        let db = match op {
            Op::Import => fresh_target(&d.server).await,
            Op::Verify => d.migrated.clone(),
            _ => d.source.clone(),
        };
        let before = d.sums(&db).await;
        let file = d.export_file(name);
        let mut connection = d.connection(&db);
        fault(&mut connection);
        let message = d
            .run(op, connection, Some(&file))
            .await
            .error(&what, code, words);
        assert!(!message.contains("Standin-Passw0rd!"), "{what}: {message}");
        assert!(!message.contains("Wr0ng"), "{what}: {message}");
        assert_eq!(d.sums(&db).await, before, "{what} changed {db}");
        match op {
            Op::Export => export_left_no_package_and_reruns(d, &file).await,
            Op::Import => import_reruns_to_the_reference(d, &db).await,
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_a_login_failure_for_every_operation() {
    let d = deployment("password", 1101).await;
    connection_fault_for_every_op(
        &d,
        "password",
        |c| c["password"] = json!("Wr0ng-Secret-Value"),
        "login_failed",
        &["refused the login", "18456", "password"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_database_names_it_and_dbname_for_every_operation() {
    let d = deployment("unknown_db", 1102).await;
    for op in EVERY_OP {
        let what = format!("unknown database, {op:?}");
        let file = d.export_file("unknown_db");
        let outcome = d.run(op, d.connection("NoSuchChatDb"), Some(&file)).await;
        outcome.error(&what, "database_not_found", &["NoSuchChatDb", "-DBName"]);
        assert!(!file.exists(), "{what}");
        assert_eq!(
            scalar(
                &d.server,
                "master",
                "SELECT COUNT(*) FROM sys.databases WHERE name = N'NoSuchChatDb'"
            )
            .await,
            0,
            "{what} created the database"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_without_tls_is_refused_when_encryption_is_required_for_every_operation() {
    let d = deployment("tls", 1103).await;
    connection_fault_for_every_op(
        &d,
        "tls",
        |c| {
            c["encryption"] = json!("Mandatory");
        },
        "tls_failed",
        &["does not offer encryption", "certificate", "-Encryption"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_stops_mid_run_ends_each_job_with_a_connection_error_and_the_rerun_completes()
{
    let d = deployment("stops", 1104).await;
    let faults = d.faults();

    let file = d.export_file("stops");
    faults.delay_responses(Duration::from_millis(100));
    let mut export = d.start(Op::Export, d.connection(&d.source), Some(&file));
    export.wait_for("rooms exported", histories_under_way);
    faults.stop_service();
    let message = export
        .finish()
        .await
        .error("export, server stopped", "connection_failed", &[]);
    assert_names_the_stopped_server(&message);
    faults.clear();
    let staging = pchat_migrate::util::sibling_path(&file, ".staging");
    assert!(
        staging.join("ledger.json").exists(),
        "a resumable staging folder"
    );
    export_left_no_package_and_reruns(&d, &file).await;

    let db = fresh_target(&d.server).await;
    faults.delay_responses(Duration::from_millis(40));
    let mut import = d.start(Op::Import, d.connection(&db), None);
    import.wait_for_chat_in(&d, &db).await;
    faults.stop_service();
    let message = import
        .finish()
        .await
        .error("import, server stopped", "connection_failed", &[]);
    assert_names_the_stopped_server(&message);
    faults.clear();
    import_takes_its_lock_over_then_reruns(&d, &db, &message).await;

    faults.delay_responses(Duration::from_millis(100));
    let mut verify = d.start(Op::Verify, d.connection(&d.migrated), None);
    verify.wait_for("rooms compared", rooms_under_way);
    faults.stop_service();
    let message = verify
        .finish()
        .await
        .error("verify, server stopped", "connection_failed", &[]);
    assert_names_the_stopped_server(&message);
    faults.clear();
    let rerun = d.run(Op::Verify, d.connection(&d.migrated), None).await;
    let result = rerun.result.expect("the verify re-run");
    assert_eq!(result["summary"]["passed"], true, "{result}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_slower_than_the_command_timeout_is_a_timeout_for_every_operation() {
    let d = deployment("slow", 1105).await;
    let faults = d.faults();
    for op in EVERY_OP {
        let what = format!("slow server, {op:?}");
        let db = match op {
            Op::Import => fresh_target(&d.server).await,
            Op::Verify => d.migrated.clone(),
            _ => d.source.clone(),
        };
        let before = d.sums(&db).await;
        let file = d.export_file("slow");
        let mut connection = d.connection(&db);
        connection["commandTimeoutSeconds"] = json!(1);
        faults.delay_responses(Duration::from_secs(3));
        let outcome = d.run(op, connection, Some(&file)).await;
        faults.clear();
        outcome.error(&what, "timeout", COMMAND_TIMEOUT_WORDS);
        assert_eq!(d.sums(&db).await, before, "{what} changed {db}");
        if op == Op::Export {
            export_left_no_package_and_reruns(&d, &file).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_slows_down_mid_import_times_out_and_the_rerun_completes() {
    let d = deployment("slow_mid", 1106).await;
    let faults = d.faults();
    let db = fresh_target(&d.server).await;
    let mut connection = d.connection(&db);
    connection["commandTimeoutSeconds"] = json!(1);
    faults.delay_responses(Duration::from_millis(40));
    let mut import = d.start(Op::Import, connection, None);
    import.wait_for_chat_in(&d, &db).await;
    faults.delay_responses(Duration::from_secs(3));
    let outcome = import.finish().await;
    faults.clear();
    let message = outcome.error("import, slowed mid-chat", "timeout", COMMAND_TIMEOUT_WORDS);
    import_takes_its_lock_over_then_reruns(&d, &db, &message).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_lock_of_another_holder_refuses_the_import_before_it_writes() {
    let d = deployment("admin_lock", 1107).await;
    let db = fresh_target(&d.server).await;
    d.exec(
        &db,
        "INSERT INTO dbo.tblAdminLock (lockExpiresTime, lockServerID, lockActorID) \
         VALUES (DATEADD(minute, 30, GETUTCDATE()), 3, 42)",
    )
    .await;
    let before = d.sums(&db).await;
    let message = d.run(Op::Import, d.connection(&db), None).await.error(
        "import, admin lock held",
        "target_not_ready",
        &[
            "tblAdminLock",
            "server id 3",
            "actor id 42",
            "run the import again",
        ],
    );
    assert!(
        message.contains("refused before writing anything"),
        "{message}"
    );
    import_wrote_nothing(&d, &db, &before).await;
    d.exec(&db, "DELETE FROM dbo.tblAdminLock").await;
    import_reruns_to_the_reference(&d, &db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_table_locked_by_another_session_ends_the_import_with_a_lock_error_and_the_rerun_completes(
) {
    let d = deployment("table_lock", 1108).await;
    for command_timeout in [2, 30] {
        let db = fresh_target(&d.server).await;
        let before = d.sums(&db).await;
        let mut holder = d.server.admin(&db).await;
        holder
            .simple_query(
                "BEGIN TRANSACTION; UPDATE dbo.tblNode WITH (TABLOCKX) SET nodeName = nodeName WHERE nodeID = -1",
            )
            .await
            .expect("the lock")
            .into_results()
            .await
            .expect("the lock");
        let mut connection = d.connection(&db);
        connection["commandTimeoutSeconds"] = json!(command_timeout);
        let outcome = d.run(Op::Import, connection, None).await;
        holder
            .simple_query("ROLLBACK TRANSACTION")
            .await
            .expect("release")
            .into_results()
            .await
            .expect("release");
        drop(holder);
        // A lock wait longer than the command timeout is the client's timeout; the stand-in's 15 s lock
        // timeout (SQL Server's with SET LOCK_TIMEOUT) comes first under a 30 s command timeout: error 1222.
        let words: &[&str] = if command_timeout == 2 {
            COMMAND_TIMEOUT_WORDS
        } else {
            &[
                "1222",
                "lock",
                "another session",
                "blocking_session_id",
                "run the command again",
            ]
        };
        outcome.error("import, table locked", "timeout", words);
        import_wrote_nothing(&d, &db, &before).await;
        import_reruns_to_the_reference(&d, &db).await;
    }
}

/// Sessions killed while the server keeps running (`KILL`, a failover): the import ends on the broken
/// connection, releases its lock on a new one, and a re-run at once completes to the uninterrupted state.
#[tokio::test(flavor = "multi_thread")]
async fn sessions_killed_mid_import_release_the_lock_and_the_rerun_completes_at_once() {
    let d = deployment("killed", 1109).await;
    let faults = d.faults();
    let db = fresh_target(&d.server).await;
    faults.delay_responses(Duration::from_millis(40));
    let mut import = d.start(Op::Import, d.connection(&db), None);
    import.wait_for_chat_in(&d, &db).await;
    faults.kill_sessions();
    let outcome = import.finish().await;
    faults.clear();
    let message = outcome.error("import, sessions killed", "connection_failed", &[]);
    assert_names_the_stopped_server(&message);
    assert!(!message.contains("could not be released"), "{message}");
    assert_eq!(
        scalar(&d.server, &db, "SELECT COUNT(*) FROM dbo.tblAdminLock").await,
        0,
        "the lock was released on a new connection"
    );
    import_reruns_to_the_reference(&d, &db).await;
}
