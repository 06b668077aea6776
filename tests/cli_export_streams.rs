//! `export --what-if` counts what a real export then writes and writes nothing; `export --as-bytes` puts the
//! package on stdout and `inspect -` reads it from stdin; `--connect-retry-count` reaches the library; the exit
//! codes of invalid input and connection failure differ.

mod common;

use chat_fixtures::{create_database, generate_model, write_legacy, DatabaseKind, Size};
#[path = "common/unpacked.rs"]
mod unpacked;
use common::{unique_db_name, TestServer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use unpacked::unpack;

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pchat-migrate"))
}

async fn seeded(prefix: &str) -> (TestServer, Vec<String>) {
    let server = TestServer::standin(sqlserver_standin::TlsMode::Supported);
    let db = unique_db_name(prefix);
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &db, DatabaseKind::Legacy2010)
        .await
        .expect("schema");
    let model = generate_model(11, Size::Tiny);
    write_legacy(&mut admin, &model, DatabaseKind::Legacy2010)
        .await
        .expect("data");
    let standin = server.as_standin().expect("stand-in");
    let ca = standin.ca_cert_pem_path().expect("cert");
    let flags = vec![
        "--db-instance".to_string(),
        format!("localhost,{}", standin.port()),
        "--db-name".to_string(),
        db,
        "--user".to_string(),
        "sa".to_string(),
        "--ca-certificate".to_string(),
        ca.display().to_string(),
    ];
    (server, flags)
}

fn run(server: &TestServer, args: &[String]) -> Output {
    let password = server
        .as_standin()
        .expect("stand-in")
        .password()
        .to_string();
    cli()
        .args(args)
        .env("PCHAT_SQL_PASSWORD", password)
        .stdin(Stdio::null())
        .output()
        .expect("runs")
}

fn json_data(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let envelope: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    envelope["data"].clone()
}

fn args(parts: &[&str], connection: &[String]) -> Vec<String> {
    let mut all: Vec<String> = vec!["--json".into(), "export".into()];
    all.extend(connection.iter().cloned());
    all.extend(parts.iter().map(|s| s.to_string()));
    all
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pcm-cli-streams-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// Every file in `dir`, for "nothing was written".
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Messages per room: from the what-if result and from the package.
fn what_if_rooms(data: &Value) -> BTreeMap<i64, Option<u64>> {
    data["rooms"]
        .as_array()
        .expect("rooms")
        .iter()
        .map(|r| (r["roomId"].as_i64().expect("id"), r["messages"].as_u64()))
        .collect()
}

/// A start date halfway through the history the full what-if counted.
fn midpoint(full: &Value) -> String {
    let dates: Vec<chrono::DateTime<chrono::Utc>> = full["rooms"]
        .as_array()
        .expect("rooms")
        .iter()
        .flat_map(|r| [&r["firstMessageUtc"], &r["lastMessageUtc"]])
        .filter_map(|v| v.as_str())
        .map(|s| {
            chrono::DateTime::parse_from_rfc3339(s)
                .expect("ISO date")
                .to_utc()
        })
        .collect();
    let (first, last) = (
        dates.iter().min().expect("history"),
        dates.iter().max().expect("history"),
    );
    (*first + (*last - *first) / 2).to_rfc3339()
}

#[tokio::test(flavor = "multi_thread")]
async fn what_if_counts_what_the_export_then_writes_and_writes_nothing() {
    let (server, connection) = seeded("whatif").await;
    let dir = scratch("whatif");
    let package = dir.join("history.zip");
    let file = package.display().to_string();

    let full = json_data(&run(
        &server,
        &args(&["--file-name", &file, "--what-if"], &connection),
    ));
    let start = midpoint(&full);
    let filtered = ["--file-name", &file, "--start-date", &start];
    let mut what_if_flags = filtered.to_vec();
    what_if_flags.push("--what-if");
    let counted = json_data(&run(&server, &args(&what_if_flags, &connection)));
    assert_eq!(counted["whatIf"], true);
    assert!(
        listing(&dir).is_empty(),
        "what-if wrote {:?}",
        listing(&dir)
    );
    let (all, since) = (
        full["counts"]["messages"].as_u64().expect("n"),
        counted["counts"]["messages"].as_u64().expect("n"),
    );
    assert!(
        since > 0 && since < all,
        "the start date filters: {since} of {all}"
    );

    let exported = json_data(&run(&server, &args(&filtered, &connection)));
    assert_eq!(
        exported["counts"], counted["counts"],
        "what-if counts = the export's"
    );
    let unpacked = unpack(&package);
    let written: BTreeMap<i64, Option<u64>> = unpacked
        .entities
        .rooms
        .iter()
        .map(|r| {
            let messages = unpacked.history.get(&r.id).map(|h| h.len() as u64);
            (i64::from(r.id), Some(messages.unwrap_or(0)))
        })
        .collect();
    assert_eq!(what_if_rooms(&counted), written, "messages per room");
    assert_eq!(
        counted["counts"]["principals"].as_u64(),
        Some(unpacked.entities.principals.len() as u64)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn what_if_honours_level_and_room() {
    let (server, connection) = seeded("whatifroom").await;
    let dir = scratch("whatifroom");
    let file = dir.join("dir.zip").display().to_string();
    let full = json_data(&run(
        &server,
        &args(&["--file-name", &file, "--what-if"], &connection),
    ));
    let room = full["rooms"][0]["roomId"]
        .as_i64()
        .expect("a room")
        .to_string();
    let flags = [
        "--file-name",
        &file,
        "--level",
        "room-directory",
        "--room",
        &room,
    ];
    let mut what_if_flags = flags.to_vec();
    what_if_flags.push("--what-if");
    let counted = json_data(&run(&server, &args(&what_if_flags, &connection)));
    assert_eq!(counted["counts"]["rooms"], 1);
    assert_eq!(counted["counts"]["messages"], 0);
    assert_eq!(
        counted["rooms"][0]["messages"],
        Value::Null,
        "no history at this level"
    );
    assert!(listing(&dir).is_empty());
    let exported = json_data(&run(&server, &args(&flags, &connection)));
    assert_eq!(exported["counts"], counted["counts"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn as_bytes_goes_to_stdout_and_inspect_reads_it_from_stdin() {
    let (server, connection) = seeded("asbytes").await;
    let mut export = connection.clone();
    export.insert(0, "export".into());
    export.extend([
        "--as-bytes".into(),
        "--level".into(),
        "room-directory".into(),
    ]);
    let out = run(&server, &export);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.starts_with(b"PK\x03\x04"), "a zip on stdout");
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(summary.contains("Package       : stdout"), "{summary}");

    let mut inspect = cli()
        .args(["--json", "inspect", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    inspect
        .stdin
        .take()
        .expect("stdin")
        .write_all(&out.stdout)
        .expect("written");
    let checked = inspect.wait_with_output().expect("ends");
    let data = json_data(&checked);
    assert_eq!(data["valid"], true);
    assert_eq!(data["path"], "-", "the temporary file is not shown");
    assert_eq!(data["sizeBytes"].as_u64(), Some(out.stdout.len() as u64));

    // With --what-if nothing goes to stdout but the result: the package would be the bytes (no file name).
    let mut what_if = vec!["--json".to_string()];
    what_if.extend(export.iter().cloned());
    what_if.push("--what-if".into());
    let counted = json_data(&run(&server, &what_if));
    assert_eq!(counted["whatIf"], true);
    assert_eq!(counted["fileName"], Value::Null);
    assert!(counted["counts"]["rooms"].as_u64().is_some_and(|n| n > 0));

    // --file-name - is the same as --as-bytes; both at once are refused before anything runs.
    let mut both = export.clone();
    both.extend(["--file-name".into(), "x.zip".into()]);
    assert_eq!(run(&server, &both).status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_retries_reach_the_library_and_exit_codes_differ() {
    let (server, connection) = seeded("retries").await;
    let mut probe = vec!["probe".to_string()];
    probe.extend(connection.iter().cloned());
    let mut too_many = probe.clone();
    too_many.extend(["--connect-retry-count".into(), "11".into()]);
    let out = run(&server, &too_many);
    assert_eq!(out.status.code(), Some(2), "invalid input");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--connect-retry-count"), "{stderr}");
    let mut ok = probe.clone();
    ok.extend(["--connect-retry-count".into(), "0".into()]);
    assert!(run(&server, &ok).status.success());

    // Nothing listens on the port: connection failure, exit code 4, at once with no retries.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let out = cli()
        .args(["probe", "--db-instance", &format!("127.0.0.1,{port}")])
        .args([
            "--user",
            "sa",
            "--connect-retry-count",
            "0",
            "--encryption",
            "plaintext",
        ])
        .env("PCHAT_SQL_PASSWORD", "x")
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Binary output never reaches a terminal, and a package is never awaited from one: under `script` (a pseudo
/// terminal, util-linux) `export --as-bytes` and `inspect -` are refused with exit code 2 before connecting.
#[test]
fn the_package_streams_refuse_a_terminal() {
    let binary = env!("CARGO_BIN_EXE_pchat-migrate");
    for (command, words) in [
        (
            format!("{binary} export --db-instance sql01 --db-name GroupChat --user sa --as-bytes"),
            "stdout, which is a terminal",
        ),
        (format!("{binary} inspect -"), "stdin, which is a terminal"),
    ] {
        let out = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env("PCHAT_SQL_PASSWORD", "x")
            .stdin(Stdio::null())
            .output()
            .expect("`script` (util-linux) runs the command on a pseudo terminal");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{command}: {text}");
        assert!(text.contains(words), "{command}: {text}");
    }
}
