//! `pchat-migrate client-access`: the exit codes a runbook branches on (0 every member can use a new client,
//! 3 some depend on the legacy endpoint or have no access, 2 malformed facts) and the human and JSON output,
//! against the stand-in.

#[path = "apply_support/mod.rs"]
mod apply_support;
#[path = "client_access_support/mod.rs"]
mod client_access_support;
mod common;

use common::{fresh_dir, TestServer};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The CLI against `db` of the stand-in with the facts file.
fn client_access(server: &TestServer, db: &str, facts: &Path, extra: &[&str]) -> Command {
    let standin = server
        .as_standin()
        .expect("the CLI tests run on the stand-in");
    let mut command = Command::new(env!("CARGO_BIN_EXE_pchat-migrate"));
    command
        .args([
            "client-access",
            "--db-instance",
            &server.db_instance(),
            "--db-name",
            db,
        ])
        .args([
            "--user",
            standin.user(),
            "--password-env",
            "PCM_TEST_PASSWORD",
            "--quiet",
        ])
        .env("PCM_TEST_PASSWORD", standin.password())
        .arg("--facts")
        .arg(facts)
        .args(extra);
    match standin.ca_cert_pem_path() {
        Some(ca) => command.arg("--ca-certificate").arg(ca),
        None => command.args(["--encryption", "plaintext"]),
    };
    command
}

/// Runs `command` off the test's runtime (the stand-in answers on it).
async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().expect("the CLI runs"))
        .await
        .expect("join")
}

fn write_facts(dir: &Path, name: &str, facts: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, facts.to_string()).expect("write facts");
    path
}

fn text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_3_when_members_depend_on_legacy_0_when_all_can_use_new_clients_2_for_bad_facts() {
    let server = TestServer::standin(sqlserver_standin::TlsMode::Supported);
    let dir = fresh_dir("cli-client-access", "exits");
    let db = apply_support::seeded_mgc(&server, 8802, chat_fixtures::Size::Small).await;
    client_access_support::add_members(&server, &db).await;
    // Every user member on a 2010 pool: all of them depend on the legacy endpoint, which does not exist.
    let uris: std::collections::BTreeSet<String> = client_access_support::member_rows(&server, &db)
        .await
        .into_iter()
        .filter(|r| r.2 == "user")
        .map(|r| r.1.to_lowercase())
        .collect();
    let users: Vec<Value> = uris
        .iter()
        .map(|r| json!({"sipAddress": r, "enabled": true, "registrarPool": "fe2010.contoso.com"}))
        .collect();
    let facts = write_facts(
        &dir,
        "legacy.json",
        &json!({
            "users": users,
            "policies": [{"identity": "Global", "enablePersistentChat": true}],
            "pools": [{"fqdn": "fe2010.contoso.com", "version": 5}],
        }),
    );
    let output = run(client_access(&server, &db, &facts, &[])).await;
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(3), "{shown}");
    assert!(
        shown.contains("some members depend on the legacy endpoint"),
        "{shown}"
    );
    assert!(shown.contains("DependsOnLegacy  sip:"), "{shown}");
    assert!(shown.contains("[noLegacyEndpoint]"), "{shown}");
    let output = run(client_access(&server, &db, &facts, &["--json"])).await;
    assert_eq!(output.status.code(), Some(3), "--json exits 3 too");
    let envelope: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(envelope["data"]["summary"]["allCanUseNewClient"], false);
    assert!(envelope["data"]["summary"]["users"]["dependsOnLegacy"].as_u64() > Some(0));

    // The same users on a 2013 pool, against a target without rooms: nobody is left behind, exit 0.
    let empty = apply_support::fresh_target(&server).await;
    let output = run(client_access(
        &server,
        &empty,
        &repo().join("examples/client-access-facts.json"),
        &[],
    ))
    .await;
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("every member can use a new client"),
        "{shown}"
    );

    // Malformed facts: 2, naming the field, before anything connects.
    let bad = write_facts(
        &dir,
        "bad.json",
        &json!({"policies": [{"identity": "Redmond", "enablePersistentChat": true}]}),
    );
    let output = run(client_access(&server, &db, &bad, &[])).await;
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("invalid_parameter") && shown.contains("policies[0].identity"),
        "{shown}"
    );
    let output = run(client_access(
        &server,
        &db,
        Path::new("/nonexistent/facts.json"),
        &[],
    ))
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("--facts"));
}
