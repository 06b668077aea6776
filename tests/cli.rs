//! The CLI runbooks use: probe, export and inspect against the stand-in, exit codes, and no password on the
//! command line or in output.

mod common;

use chat_fixtures::{create_database, generate_model, write_legacy, DatabaseKind, Size};
use common::{unique_db_name, TestServer};
use std::process::Command;

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pchat-migrate"))
}

#[tokio::test(flavor = "multi_thread")]
async fn probe_export_inspect_from_the_command_line() {
    let server = TestServer::standin(sqlserver_standin::TlsMode::Supported);
    let standin = server.as_standin().expect("stand-in");
    let db = unique_db_name("cli");
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &db, DatabaseKind::Legacy2010)
        .await
        .expect("schema");
    let model = generate_model(3, Size::Tiny);
    write_legacy(&mut admin, &model, DatabaseKind::Legacy2010)
        .await
        .expect("data");
    let ca = standin
        .ca_cert_pem_path()
        .expect("cert")
        .display()
        .to_string();
    let instance = format!("localhost,{}", standin.port());
    let common = [
        "--db-instance",
        &instance,
        "--db-name",
        &db,
        "--user",
        "sa",
        "--ca-certificate",
        &ca,
    ];

    let out = cli()
        .arg("--json")
        .arg("probe")
        .args(common)
        .env("PCHAT_SQL_PASSWORD", standin.password())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let probe: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(probe["data"]["databaseKind"], "LyncGroupChat2010");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(standin.password()));

    let dir = std::env::temp_dir().join(format!("pcm-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let package = dir.join("out.zip");
    let out = cli()
        .arg("export")
        .args(common)
        .args([
            "--file-name",
            &package.display().to_string(),
            "--level",
            "room-directory",
        ])
        .env("PCHAT_SQL_PASSWORD", standin.password())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("{} rooms", model.rooms.len())),
        "{text}"
    );

    // The package exists now: a second export to it is refused (before connecting) unless --force.
    let before = std::fs::read(&package).expect("package");
    let again = |force: bool| {
        let mut command = cli();
        command
            .arg("export")
            .args(common)
            .args([
                "--file-name",
                &package.display().to_string(),
                "--level",
                "room-directory",
            ])
            .env("PCHAT_SQL_PASSWORD", standin.password());
        if force {
            command.arg("--force");
        }
        command.output().expect("runs")
    };
    let out = again(false);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("already exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&package).expect("kept"), before, "left alone");
    let out = again(true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = cli().arg("inspect").arg(&package).output().expect("runs");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Valid         : yes"));

    // A damaged package: exit code 1 and the reason on stderr.
    let bytes = std::fs::read(&package).expect("read");
    let damaged = dir.join("damaged.zip");
    std::fs::write(&damaged, &bytes[..bytes.len() - 40]).expect("write");
    let out = cli().arg("inspect").arg(&damaged).output().expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid_package"));

    // Bad input: exit code 2 naming the parameter; a missing password variable is named, not prompted for.
    let out = cli()
        .args(["probe", "--db-instance", "sql01,99999", "--user", "sa"])
        .env("PCHAT_SQL_PASSWORD", "x")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("99999"));
    let out = cli()
        .args(["probe", "--db-instance", "sql01", "--user", "sa"])
        .env_remove("PCHAT_SQL_PASSWORD")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PCHAT_SQL_PASSWORD"));
    let _ = std::fs::remove_dir_all(&dir);
}
