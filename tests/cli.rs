//! The CLI runbooks use: probe, export and inspect against the stand-in, exit codes, and no password on the
//! command line or in output.

mod common;

use chat_fixtures::{create_database, generate_model, write_legacy, DatabaseKind, Size};
use common::{unique_db_name, TestServer};
use pchat_migrate::package::PackageReader;
use std::process::Command;

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pchat-migrate"))
}

/// A stand-in seeded with a generated Lync 2010 deployment (`edit` may rename things first), the CLI's connection
/// flags for it, and the deployment.
async fn seeded(
    prefix: &str,
    seed: u64,
    edit: impl FnOnce(&mut chat_fixtures::Deployment),
) -> (TestServer, Vec<String>, chat_fixtures::Deployment) {
    let server = TestServer::standin(sqlserver_standin::TlsMode::Supported);
    let db = unique_db_name(prefix);
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &db, DatabaseKind::Legacy2010)
        .await
        .expect("schema");
    let mut model = generate_model(seed, Size::Tiny);
    edit(&mut model);
    write_legacy(&mut admin, &model, DatabaseKind::Legacy2010)
        .await
        .expect("data");
    let standin = server.as_standin().expect("stand-in");
    let ca = standin
        .ca_cert_pem_path()
        .expect("cert")
        .display()
        .to_string();
    let flags = [
        "--db-instance".to_string(),
        format!("localhost,{}", standin.port()),
        "--db-name".to_string(),
        db,
        "--user".to_string(),
        "sa".to_string(),
        "--ca-certificate".to_string(),
        ca,
    ];
    (server, flags.to_vec(), model)
}

#[tokio::test(flavor = "multi_thread")]
async fn probe_export_inspect_from_the_command_line() {
    let (server, common, model) = seeded("cli", 3, |_| {}).await;
    let standin = server.as_standin().expect("stand-in");

    let out = cli()
        .arg("--json")
        .arg("probe")
        .args(&common)
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
        .args(&common)
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
            .args(&common)
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
    // The command line names its own flags, not the cmdlet parameters the library's messages use.
    assert!(
        stderr.contains("--file-name")
            && !stderr.contains("-FileName")
            && !stderr.contains("-Force"),
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
    // inspect runs as a job: progress on stderr, the last one at 100%. stderr is not a terminal here, so the
    // log gets the first and the last line of the check (and one every 5 s), not one per package entry.
    let progress = String::from_utf8_lossy(&out.stderr);
    assert!(
        progress.contains("Checking the migration package: 100.0% Checked"),
        "{progress}"
    );
    let entries = PackageReader::open(&package)
        .expect("the package opens")
        .manifest()
        .entries
        .len();
    let logged = progress.lines().filter(|l| l.contains("% Checked")).count();
    assert!(
        entries > 4 && logged <= 3,
        "{logged} progress lines for {entries} entries: {progress}"
    );

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

/// True when `bytes` hold a control character a terminal would act on (C0 other than the newline, DEL, C1, bidi
/// overrides and isolates).
fn has_raw_control(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(bytes).chars().any(|c| {
        c != '\n'
            && matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

/// A room named with ANSI colour, an OSC title sequence with BEL and a bidi override flows through the human
/// output of inspect, the JSON output, an error naming it, and the HTML report: no raw control character
/// reaches the terminal or the page, while the package keeps the exact name.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_names_reach_no_terminal_raw() {
    let hostile = "\u{1b}[31mRed\u{1b}]0;owned\u{7}\u{202e}txt.exe\u{9b}2J";
    let (server, common, _) = seeded("cliesc", 5, |model| {
        model.rooms[0].name = hostile.to_string();
    })
    .await;
    let standin = server.as_standin().expect("stand-in");
    let dir = std::env::temp_dir().join(format!("pcm-cli-esc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let package = dir.join("out.zip");
    let report = dir.join("report.html");
    let out = cli()
        .arg("--verbose")
        .arg("export")
        .args(&common)
        .args(["--file-name", &package.display().to_string()])
        .args(["--report", &report.display().to_string()])
        .env("PCHAT_SQL_PASSWORD", standin.password())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!has_raw_control(&out.stdout), "export stdout");
    // Sizes, durations and rates in units.
    let text = String::from_utf8_lossy(&out.stdout);
    let line = |label: &str| {
        text.lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} line in\n{text}"))
            .to_string()
    };
    let package_line = line("Package");
    assert!(
        package_line.ends_with(" KB)") || package_line.ends_with(" MB)"),
        "{package_line}"
    );
    let took = line("Took");
    assert!(
        took.contains(" messages/s") && (took.contains(" ms (") || took.contains(" s (")),
        "{took}"
    );
    assert!(!has_raw_control(&out.stderr), "export stderr");
    let html = std::fs::read(&report).expect("report");
    assert!(
        !has_raw_control(&html),
        "raw control character in the HTML report"
    );
    assert!(String::from_utf8_lossy(&html).contains("\\u{1b}[31mRed"));

    let out = cli().arg("inspect").arg(&package).output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\\u{1b}[31mRed\\u{1b}]0;owned\\u{7}\\u{202e}txt.exe\\u{9b}2J"),
        "{text}"
    );
    assert!(!has_raw_control(&out.stdout), "inspect stdout: {text}");

    // JSON for scripts: same value after parsing, but no raw control on the terminal.
    let out = cli()
        .arg("--json")
        .arg("inspect")
        .arg(&package)
        .output()
        .expect("runs");
    assert!(out.status.success());
    assert!(!has_raw_control(&out.stdout), "inspect --json stdout");
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(parsed.to_string().contains("Red"));
    let names: Vec<String> = parsed["data"]["rooms"]
        .as_array()
        .expect("rooms")
        .iter()
        .filter_map(|r| r["name"].as_str().map(str::to_string))
        .collect();
    assert!(
        names.iter().any(|n| n == hostile),
        "the package keeps the exact name"
    );

    // A raw request prints pretty JSON: still JSON, same names, nothing raw.
    let request = serde_json::json!({
        "operation": "inspect_package",
        "params": { "fileName": package.display().to_string() }
    });
    let out = cli()
        .arg("request")
        .arg(request.to_string())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!has_raw_control(&out.stdout), "request stdout");
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("pretty JSON");
    assert!(parsed["rooms"]
        .as_array()
        .expect("rooms")
        .iter()
        .any(|r| r["name"] == hostile));

    // An error that names the value: stderr and the JSON envelope show it escaped.
    let out = cli()
        .arg("--json")
        .arg("export")
        .args(&common)
        .args(["--file-name", &dir.join("none.zip").display().to_string()])
        .args(["--room", "\u{1b}]0;x\u{7}nope"])
        .env("PCHAT_SQL_PASSWORD", standin.password())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(!has_raw_control(&out.stderr), "error on stderr");
    assert!(!has_raw_control(&out.stdout), "error envelope");
    assert!(String::from_utf8_lossy(&out.stderr).contains("\\u{1b}]0;x\\u{7}nope"));
    let _ = std::fs::remove_dir_all(&dir);
}
