//! The CLI's `verify`: flag checks (exit code 2, nothing run), and against a server (the stand-in, or
//! `PCHAT_TEST_SQLSERVER`) a migrated deployment: exit code 0 and "Passed : yes" when it verifies, exit code 5
//! with the item and its first difference when a message was deleted from the target, and the same from the
//! legacy database as the source.

#[path = "apply_support/mod.rs"]
mod apply_support;
mod common;
#[path = "verify_support/mod.rs"]
mod verify_support;

use serde_json::Value;
use std::process::{Command, Output};
use verify_support::{migrated, Migrated};

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

/// The connection flags (and the password's environment variable) of the product's connection params.
fn flags(params: &Value, prefix: &str, env: &str, cmd: &mut Command) {
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

fn verify_cmd(m: &Migrated) -> Command {
    let mut cmd = cli();
    cmd.arg("verify").arg("--quiet");
    flags(
        &m.server.connection_params(Some(&m.target)),
        "",
        "PCHAT_SQL_PASSWORD",
        &mut cmd,
    );
    cmd.arg("--name-map").arg(&m.names);
    cmd
}

#[test]
fn verify_flags_are_checked_before_anything_runs() {
    let instance = "127.0.0.1,1";
    for args in [
        vec!["verify", "--db-instance", instance],
        vec![
            "verify",
            "--db-instance",
            instance,
            "--file-name",
            "p.zip",
            "--source-db-instance",
            "old",
        ],
        vec![
            "verify",
            "--db-instance",
            instance,
            "--file-name",
            "p.zip",
            "--parallelism",
            "0",
        ],
    ] {
        let out = cli()
            .args(&args)
            .env_remove("PCHAT_SQL_PASSWORD")
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
    }
    let out = cli()
        .args([
            "verify",
            "--db-instance",
            instance,
            "--user",
            "sa",
            "--file-name",
            "p.zip",
            "--parallelism",
            "0",
        ])
        .env("PCHAT_SQL_PASSWORD", "x")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--parallelism"), "{}", text(&out));
    let help = cli().arg("--help").output().expect("runs");
    assert!(
        text(&help).contains("5 verify ran and found"),
        "{}",
        text(&help)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_exit_code_says_whether_the_migration_verified() {
    let m = migrated("cli", 9201).await;
    let mut ok = verify_cmd(&m);
    ok.arg("--file-name").arg(&m.package);
    let out = tokio::task::spawn_blocking(move || ok.output().expect("runs"))
        .await
        .expect("join");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Passed        : yes"), "{}", text(&out));

    let node = m
        .scalar("SELECT TOP 1 channelId FROM dbo.tblChat GROUP BY channelId ORDER BY channelId")
        .await;
    let first = m
        .scalar(&format!(
            "SELECT MIN(chatId) FROM dbo.tblChat WHERE channelId = {node}"
        ))
        .await;
    m.exec(&format!(
        "DELETE FROM dbo.tblChat WHERE channelId = {node} AND chatId = {first}"
    ))
    .await;
    let mut bad = verify_cmd(&m);
    bad.arg("--file-name").arg(&m.package);
    let out = tokio::task::spawn_blocking(move || bad.output().expect("runs"))
        .await
        .expect("join");
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains("Mismatch  Room      ")
            && shown.contains(&format!("message chatId {first}: missing in target")),
        "{shown}"
    );
    assert!(
        shown.contains("Passed        : no (exit code 5)"),
        "{shown}"
    );

    // The legacy database as the source, with --json: the same verdict and exit code.
    let mut db = verify_cmd(&m);
    flags(
        &m.server.connection_params(Some(&m.source)),
        "source-",
        "PCHAT_SOURCE_SQL_PASSWORD",
        &mut db,
    );
    db.arg("--json");
    let out = tokio::task::spawn_blocking(move || db.output().expect("runs"))
        .await
        .expect("join");
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let envelope: Value = serde_json::from_slice(&out.stdout).expect("JSON envelope");
    assert_eq!(envelope["ok"], true);
    assert_eq!(envelope["data"]["summary"]["passed"], false);
    assert_eq!(envelope["data"]["source"]["kind"], "database");
}
