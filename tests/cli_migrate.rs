//! The CLI's `migrate` (Start-PChatMigration on a command line): the flag checks that refuse a run before
//! anything is done (exit code 2), and against a server (the stand-in, or `PCHAT_TEST_SQLSERVER`) a generated
//! Lync 2010 deployment migrated into a fresh `mgc`: --what-if writes nothing, a whole run passes every stage,
//! a re-run resumes (the package reused, nothing imported twice, verified again), and a deployment with name
//! errors and no name map stops at the readiness stage with nothing written.

#[path = "apply_support/mod.rs"]
mod apply_support;
mod common;
#[path = "common/row_counts.rs"]
mod table_counts;

use apply_support::{export, fresh_target, write_name_map};
use chat_fixtures::{DatabaseKind, Schema, Size};
use common::{fresh_dir, unique_db_name, TestServer};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use table_counts::row_counts;

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pchat-migrate"))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs without a server; each must be refused by the checks before any stage (exit code 2).
fn refused(args: &[&str]) -> String {
    let out = cli()
        .arg("migrate")
        .args(args)
        .env_remove("PCHAT_SOURCE_SQL_PASSWORD")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{args:?}:\n{}", text(&out));
    text(&out)
}

#[test]
fn migrate_flags_are_checked_before_anything_runs() {
    let dir = fresh_dir("cli-migrate", "flags");
    let package = dir.join("p.pcmpkg").display().to_string();
    // Closed port 1: a check that let the run through would fail to connect (exit code 4), not 2.
    let base = [
        "--db-instance",
        "127.0.0.1,1",
        "--source-db-instance",
        "127.0.0.1,1",
        "--source-db-name",
        "GroupChat",
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let run = |extra: &[&str]| {
        let args = with(extra);
        refused(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    let err = run(&["--file-name", &package]);
    assert!(
        err.contains("legacy_client_pool_missing") && err.contains("--persistent-chat-pool-fqdn"),
        "{err}"
    );
    let err = run(&[
        "--file-name",
        &package,
        "--persistent-chat-pool-fqdn",
        "pc.contoso.com",
    ]);
    assert!(
        err.contains("--facts") && err.contains("nothing was done"),
        "{err}"
    );
    let err = run(&["--file-name", "-", "--skip-legacy-client-access"]);
    assert!(err.contains("package file"), "{err}");
    let err = run(&[
        "--file-name",
        &package,
        "--skip-legacy-client-access",
        "--password-stdin",
    ]);
    assert!(err.contains("--password-env"), "{err}");
    let err = run(&[
        "--file-name",
        &package,
        "--skip-legacy-client-access",
        "--source-user",
        "sa",
    ]);
    assert!(err.contains("PCHAT_SOURCE_SQL_PASSWORD"), "{err}");
    // --source-authentication reaches the source connection (and only it): Windows sign-in with a user name
    // is refused for the source, while the target (no --authentication) is not the one named.
    let out = cli()
        .arg("migrate")
        .args(with(&[
            "--file-name",
            &package,
            "--skip-legacy-client-access",
            "--what-if",
            "--source-user",
            "sa",
            "--source-authentication",
            "windows",
        ]))
        .env("PCHAT_SOURCE_SQL_PASSWORD", "x")
        .output()
        .expect("runs");
    let err = text(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("Windows authentication uses the identity of the current user"),
        "{err}"
    );
    assert!(
        !Path::new(&package).exists(),
        "a refused run wrote the package"
    );
}

/// A generated Lync 2010 deployment on the server, and a fresh `mgc`.
struct Deployment {
    server: TestServer,
    source: String,
    target: String,
    dir: PathBuf,
}

async fn deployment(name: &str, seed: u64) -> Deployment {
    deployment_on(TestServer::start(), name, seed).await
}

async fn deployment_on(server: TestServer, name: &str, seed: u64) -> Deployment {
    let dir = fresh_dir("cli-migrate", name);
    let source = unique_db_name("migrate_src");
    let mut admin = server.admin("master").await;
    let schema = Schema::from(DatabaseKind::Legacy2010);
    chat_fixtures::create_database_as(&mut admin, &source, schema)
        .await
        .expect("legacy schema");
    let model = chat_fixtures::generate_model(seed, Size::Tiny);
    chat_fixtures::write_schema(&mut admin, &model, schema)
        .await
        .expect("legacy data");
    let target = fresh_target(&server).await;
    Deployment {
        server,
        source,
        target,
        dir,
    }
}

impl Deployment {
    /// A name map for the deployment's long and colliding names, from a scratch export of it.
    async fn name_map(&self) -> PathBuf {
        let scratch = self.dir.join("scratch");
        std::fs::create_dir_all(&scratch).expect("scratch dir");
        let package = export(&self.server, &self.source, &scratch).await;
        let names = self.dir.join("names.json");
        write_name_map(&package, &names);
        names
    }

    /// `migrate` with both connections' flags and the package at `dir/migrated.pcmpkg`.
    fn migrate(&self) -> Command {
        let mut cmd = cli();
        cmd.arg("migrate").arg("--quiet");
        connection_flags(
            &self.server.connection_params(Some(&self.target)),
            "",
            "PCHAT_SQL_PASSWORD",
            &mut cmd,
        );
        connection_flags(
            &self.server.connection_params(Some(&self.source)),
            "source-",
            "PCHAT_SOURCE_SQL_PASSWORD",
            &mut cmd,
        );
        cmd.arg("--file-name").arg(self.package());
        cmd
    }

    fn package(&self) -> PathBuf {
        self.dir.join("migrated.pcmpkg")
    }

    async fn target_rows(&self) -> std::collections::BTreeMap<String, i64> {
        let mut admin = self.server.admin(&self.target).await;
        row_counts(&mut admin).await
    }
}

/// The connection flags (and the password's environment variable) of the product's connection params.
fn connection_flags(params: &Value, prefix: &str, env: &str, cmd: &mut Command) {
    let s = |k: &str| params[k].as_str().map(str::to_string);
    cmd.arg(format!("--{prefix}db-instance"))
        .arg(s("dbInstance").expect("instance"));
    if let Some(db) = s("dbName") {
        cmd.arg(format!("--{prefix}db-name")).arg(db);
    }
    if let Some(user) = s("user") {
        cmd.arg(format!("--{prefix}user")).arg(user);
        cmd.env(env, s("password").unwrap_or_default());
    }
    if let Some(ca) = s("caCertificatePath") {
        cmd.arg(format!("--{prefix}ca-certificate")).arg(ca);
    }
    if params["trustServerCertificate"].as_bool() == Some(true) {
        cmd.arg(format!("--{prefix}trust-server-certificate"));
    }
    if prefix.is_empty() && s("encryption").as_deref() == Some("Plaintext") {
        cmd.arg("--encryption").arg("plaintext");
    }
}

async fn output(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("join")
}

/// The `--json` document of a run.
fn document(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("one JSON document ({e}):\n{}", text(out)))
}

/// Each stage's name and status, in order.
fn statuses(doc: &Value) -> Vec<(String, String)> {
    doc["data"]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().unwrap_or("").to_string(),
                s["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn stage<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["data"]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["stage"] == name)
        .unwrap_or_else(|| panic!("no {name} stage in {doc}"))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn what_if_then_a_whole_run_then_a_rerun_that_resumes() {
    let d = deployment("whole", 9301).await;
    let names = d.name_map().await;
    let empty = d.target_rows().await;
    let reports = d.dir.join("reports");

    let mut what_if = d.migrate();
    what_if
        .arg("--name-map")
        .arg(&names)
        .arg("--skip-legacy-client-access")
        .arg("--report")
        .arg(&reports)
        .arg("--what-if");
    let out = output(what_if).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = text(&out);
    assert!(shown.contains("== Readiness: Succeeded"), "{shown}");
    assert!(shown.contains("== Export: WhatIf"), "{shown}");
    assert!(shown.contains("Migration     : what-if"), "{shown}");
    assert!(!d.package().exists(), "--what-if wrote the package");
    assert!(!reports.exists(), "--what-if wrote a report");
    assert_eq!(
        d.target_rows().await,
        empty,
        "--what-if wrote to the target"
    );

    let mut whole = d.migrate();
    whole
        .arg("--name-map")
        .arg(&names)
        .arg("--skip-legacy-client-access")
        .arg("--report")
        .arg(&reports)
        .arg("--json");
    let out = output(whole).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = document(&out);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["data"]["completed"], true, "{doc}");
    assert_eq!(
        statuses(&doc),
        pairs(&[
            ("Readiness", "Succeeded"),
            ("Export", "Succeeded"),
            ("ImportPlan", "Succeeded"),
            ("Import", "Succeeded"),
            ("Verify", "Succeeded"),
            ("LegacyClientAccess", "Skipped"),
        ])
    );
    assert_eq!(stage(&doc, "Verify")["result"]["summary"]["passed"], true);
    let imported = &stage(&doc, "Import")["result"]["summary"]["messagesImported"];
    assert!(imported.as_u64().unwrap_or(0) > 0, "{imported}");
    for name in ["Readiness", "Export", "ImportPlan", "Import", "Verify"] {
        assert!(
            reports.join(format!("{name}.html")).is_file(),
            "no {name} report"
        );
    }
    rerun_resumes(&d, &names).await;
}

/// The same command again, now with the legacy-client facts: the package is reused, nothing is imported twice,
/// the target verifies again, and the legacy-client stage is the plan the CLI can make.
async fn rerun_resumes(d: &Deployment, names: &Path) {
    let facts = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/legacy-client-facts.json");
    let mut again = d.migrate();
    again
        .arg("--name-map")
        .arg(names)
        .arg("--facts")
        .arg(&facts)
        .arg("--persistent-chat-pool-fqdn")
        .arg("pcpool.contoso.com")
        .arg("--json");
    let out = output(again).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = document(&out);
    assert_eq!(
        doc["data"]["plan"]["exportDecision"], "reusePackage",
        "{doc}"
    );
    let export = stage(&doc, "Export");
    assert_eq!(export["status"], "Skipped");
    assert!(export["result"].is_null(), "the export ran again: {export}");
    assert_eq!(stage(&doc, "Readiness")["status"], "Succeeded");
    let import = &stage(&doc, "Import")["result"]["summary"];
    assert_eq!(import["messagesImported"], 0, "{import}");
    assert_eq!(stage(&doc, "Verify")["result"]["summary"]["passed"], true);
    let legacy = stage(&doc, "LegacyClientAccess");
    assert_eq!(legacy["status"], "Planned", "{legacy}");
    assert!(legacy["result"]["steps"]
        .as_array()
        .is_some_and(|s| !s.is_empty()));
}

#[tokio::test(flavor = "multi_thread")]
async fn name_errors_without_a_name_map_stop_at_readiness_with_nothing_written() {
    let d = deployment("readiness", 9301).await;
    let empty = d.target_rows().await;
    let mut cmd = d.migrate();
    cmd.arg("--skip-legacy-client-access");
    let out = output(cmd).await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(3), "{shown}");
    assert!(shown.contains("== Readiness: Failed"), "{shown}");
    assert!(shown.contains("Severity Error"), "{shown}");
    assert!(
        shown.contains("stopped at the Readiness stage (exit code 3)"),
        "{shown}"
    );
    assert!(
        !shown.contains("== Export"),
        "a stage ran after the failed one: {shown}"
    );
    assert!(!d.package().exists(), "the failed run wrote the package");
    assert_eq!(
        d.target_rows().await,
        empty,
        "the failed run wrote to the target"
    );

    let mut json = d.migrate();
    json.arg("--skip-legacy-client-access").arg("--json");
    let out = output(json).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let doc = document(&out);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["data"]["failedStage"], "Readiness");
    assert_eq!(statuses(&doc), pairs(&[("Readiness", "Failed")]));
    assert!(doc["data"]["resume"]
        .as_str()
        .is_some_and(|r| r.contains("--name-map")));
}

/// A server without TLS (`--encryption plaintext`): `--stop-after-what-if` exports and plans, then stops with the
/// target untouched; the next run reuses the package, and its readiness (from the package) still connects to the
/// target with migrate's --encryption (readiness from a package alone has no main connection to take it from).
#[tokio::test(flavor = "multi_thread")]
async fn stop_after_what_if_then_a_run_on_a_plaintext_server() {
    // Its own plaintext stand-in whatever PCHAT_TEST_SQLSERVER says: a real server's TLS is its own.
    let server = TestServer::standin(sqlserver_standin::TlsMode::Plaintext);
    let d = deployment_on(server, "plaintext", 9302).await;
    let names = d.name_map().await;
    let empty = d.target_rows().await;
    let run = |extra: &[&str]| {
        let mut cmd = d.migrate();
        cmd.arg("--name-map")
            .arg(&names)
            .arg("--skip-legacy-client-access")
            .arg("--json")
            .args(extra);
        cmd
    };
    let out = output(run(&["--stop-after-what-if"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = document(&out);
    assert_eq!(doc["data"]["completed"], false, "{doc}");
    assert_eq!(
        statuses(&doc),
        pairs(&[
            ("Readiness", "Succeeded"),
            ("Export", "Succeeded"),
            ("ImportPlan", "Succeeded"),
            ("Import", "Skipped"),
            ("Verify", "Skipped"),
            ("LegacyClientAccess", "Skipped"),
        ])
    );
    assert!(d.package().is_file(), "the export ran");
    assert_eq!(
        d.target_rows().await,
        empty,
        "--stop-after-what-if wrote to the target"
    );

    let out = output(run(&[])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = document(&out);
    assert_eq!(doc["data"]["completed"], true, "{doc}");
    assert_eq!(stage(&doc, "Export")["status"], "Skipped");
    assert_eq!(stage(&doc, "Verify")["result"]["summary"]["passed"], true);
}
