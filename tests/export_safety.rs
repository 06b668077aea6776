//! Issue 7, sections 2 and 3: a resumed export never mixes in data from another database or from a room that
//! changed since; two exports of one package cannot run at once; a cancel during "Writing the package" leaves
//! no package and a resumable staging folder; output paths are checked before connecting.
//! Tests that steer the server run on their own stand-in, whatever `PCHAT_TEST_SQLSERVER` says.

mod common;
#[path = "common/unpacked.rs"]
mod unpacked;

use chat_fixtures::{
    create_database, generate_model, write_legacy, DatabaseKind, Deployment, Size,
};
use common::{run_job, unique_db_name, TestServer};
use pchat_migrate::export::assemble::test_hooks;
use pchat_migrate::jobs::{Job, JobEvent};
use pchat_migrate::operations::{self, Request};
use pchat_migrate::package::*;
use pchat_migrate::PcmError;
use serde_json::{json, Value};
use sqlserver_standin::TlsMode;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use unpacked::unpack;

fn out_dir(name: &str) -> PathBuf {
    common::fresh_dir("safety", name)
}

fn staging_of(file: &Path) -> PathBuf {
    pchat_migrate::util::sibling_path(file, ".staging")
}

/// A generated Lync 2010 database on `server`.
async fn seed(server: &TestServer, seed: u64) -> (String, Deployment) {
    let db = unique_db_name("safety");
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &db, DatabaseKind::Legacy2010)
        .await
        .expect("schema");
    let model = generate_model(seed, Size::Tiny);
    write_legacy(&mut admin, &model, DatabaseKind::Legacy2010)
        .await
        .expect("data");
    (db, model)
}

fn request(server: &TestServer, db: &str, file: &Path, extra: Value) -> Value {
    let mut params = json!({
        "connection": server.connection_params(Some(db)),
        "fileName": file.display().to_string(),
        "throttleLimit": 1,
    });
    for (k, v) in extra.as_object().expect("object") {
        params[k] = v.clone();
    }
    json!({ "operation": "export", "params": params })
}

async fn export(request: Value) -> (Result<Value, PcmError>, Vec<JobEvent>) {
    tokio::task::spawn_blocking(move || run_job(request))
        .await
        .expect("join")
}

fn start(request: Value) -> Job {
    operations::start_job(&Request::from_value(request).expect("request")).expect("starts")
}

/// Polls until `done` says so about the events seen (or 60 s pass).
fn poll_until(job: &Job, mut done: impl FnMut(&JobEvent) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let batch = job.poll(Duration::from_millis(100)).expect("running");
        if batch.events.iter().any(&mut done) {
            return;
        }
        assert_eq!(
            batch.state,
            pchat_migrate::jobs::JobState::Running,
            "ended early"
        );
    }
    panic!("the awaited event did not come");
}

fn rooms_done_at_least(n: u64) -> impl FnMut(&JobEvent) -> bool {
    move |e| matches!(e, JobEvent::Progress { current: Some(c), total: Some(t), .. } if *t > n && *c >= n)
}

fn writing_the_package(e: &JobEvent) -> bool {
    matches!(e, JobEvent::Progress { status, .. } if status == "Writing the package")
}

/// Starts a slowed-down export of `db` and cancels it once two rooms are in the staging folder.
fn interrupt(server: &TestServer, db: &str, file: &Path) {
    let standin = server.as_standin().expect("on the stand-in");
    // Slow enough that the first bundle of small rooms (finished after half a second) closes with rooms left.
    standin.faults().delay_responses(Duration::from_millis(250));
    let job = start(request(server, db, file, json!({})));
    poll_until(&job, rooms_done_at_least(2));
    job.cancel().expect("cancel while running");
    let error = job.wait(|_| {}).expect_err("cancelled");
    assert_eq!(error.code(), "cancelled");
    standin.faults().clear();
    assert!(!file.exists());
    assert!(staging_of(file).join("ledger.json").exists());
}

fn messages_of(file: &Path) -> Vec<Message> {
    unpack(file).messages().cloned().collect()
}

/// The records of the rooms an interrupted run finished, from the staging folder: a big room's own record
/// (`room-<id>.json`) or the record of the bundle that holds small rooms (`bundle-<n>.json`, a list).
fn finished_rooms(file: &Path) -> Vec<Value> {
    let mut rooms = Vec::new();
    for entry in std::fs::read_dir(staging_of(file))
        .expect("staging")
        .filter_map(|e| e.ok())
    {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.ends_with(".json") || !(name.starts_with("room-") || name.starts_with("bundle-")) {
            continue;
        }
        let record: Value =
            serde_json::from_slice(&std::fs::read(entry.path()).expect("record")).expect("json");
        match record {
            Value::Array(list) => rooms.extend(list),
            one => rooms.push(one),
        }
    }
    rooms
}

fn verbose_mentions(events: &[JobEvent], text: &str) -> bool {
    events
        .iter()
        .any(|e| matches!(e, JobEvent::Verbose { message } if message.contains(text)))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_export_of_a_never_lends_its_rooms_to_an_export_of_b() {
    let server = TestServer::standin(TlsMode::Supported);
    // B is A's twin (same rooms, same chatIds, same counts) with other message text: only the source identity
    // tells them apart.
    let (a, _) = seed(&server, 31).await;
    let (b, _) = seed(&server, 31).await;
    let mut admin = server.admin(&b).await;
    admin
        .execute("UPDATE dbo.tblChat SET content = @P1", &[&"written in B"])
        .await
        .expect("B's text");
    let dir = out_dir("a-then-b");
    let file = dir.join("same.zip");
    interrupt(&server, &a, &file);
    let (result, events) = export(request(&server, &b, &file, json!({}))).await;
    let result = result.expect("export of B");
    assert_eq!(result["reusedRooms"], 0, "{result}");
    assert!(
        verbose_mentions(&events, "not from"),
        "the discard is explained"
    );
    let messages = messages_of(&file);
    assert!(!messages.is_empty());
    assert!(
        messages.iter().all(|m| m.content == "written in B"),
        "only B's history is in B's package"
    );
    let manifest = PackageReader::open(&file)
        .expect("package")
        .manifest()
        .clone();
    assert_eq!(manifest.source.database, b);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_room_that_changed_since_the_interruption_is_exported_again() {
    let server = TestServer::standin(TlsMode::Supported);
    let (db, _) = seed(&server, 32).await;
    let dir = out_dir("changed");
    let file = dir.join("changed.zip");
    interrupt(&server, &db, &file);
    // A finished room with at least three messages loses its middle ones: same highest chatId, fewer messages.
    let finished = finished_rooms(&file);
    let room = finished
        .iter()
        .find(|m| m["history"]["messages"].as_u64().unwrap_or(0) >= 3)
        .expect("a finished room with three messages or more");
    let room_id = room["roomId"].as_i64().expect("id") as i32;
    let first = room["history"]["firstChatId"].as_i64().expect("first");
    let last = room["history"]["lastChatId"].as_i64().expect("last");
    let mut admin = server.admin(&db).await;
    admin
        .execute(
            "DELETE FROM dbo.tblChat WHERE channelID = @P1 AND chatID > @P2 AND chatID < @P3",
            &[&room_id, &first, &last],
        )
        .await
        .expect("delete");
    let (result, events) = export(request(&server, &db, &file, json!({}))).await;
    let result = result.expect("resumed export");
    assert!(
        verbose_mentions(&events, "the room changed since"),
        "the discard is explained"
    );
    let reused = result["reusedRooms"].as_u64().expect("reused");
    assert!(reused < finished.len() as u64, "{result}");
    let history = PackageReader::open(&file)
        .expect("package")
        .manifest()
        .rooms
        .iter()
        .find(|h| h.room_id == room_id)
        .cloned()
        .expect("room");
    assert_eq!(history.messages, 2, "the deleted messages are gone");
    messages_of(&file);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_room_whose_oldest_message_was_renumbered_is_exported_again() {
    // Same count and same highest chatId: only the lowest chatId tells the change.
    let server = TestServer::standin(TlsMode::Supported);
    let (db, _) = seed(&server, 33).await;
    let file = out_dir("renumbered").join("renumbered.zip");
    interrupt(&server, &db, &file);
    let finished = finished_rooms(&file);
    let room = finished
        .iter()
        .find(|m| m["history"]["messages"].as_u64().unwrap_or(0) >= 2)
        .expect("a finished room with two messages or more");
    let room_id = i32::try_from(room["roomId"].as_i64().expect("id")).expect("int");
    let first = room["history"]["firstChatId"].as_i64().expect("first");
    let mut admin = server.admin(&db).await;
    admin
        .execute(
            "UPDATE dbo.tblChat SET chatID = @P2 - 1, content = @P3 WHERE channelID = @P1 AND chatID = @P2",
            &[&room_id, &first, &"renumbered"],
        )
        .await
        .expect("renumber");
    let (result, events) = export(request(&server, &db, &file, json!({}))).await;
    result.expect("resumed export");
    assert!(
        verbose_mentions(&events, "the room changed since"),
        "the discard is explained"
    );
    let renumbered: Vec<Message> = messages_of(&file)
        .into_iter()
        .filter(|m| m.content == "renumbered")
        .collect();
    assert_eq!(renumbered.len(), 1, "the room was read again");
    assert_eq!(renumbered[0].chat_id, first - 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_export_to_the_same_package_fails_at_once_naming_the_lock_file() {
    let server = TestServer::standin(TlsMode::Supported);
    let (db, _) = seed(&server, 33).await;
    let dir = out_dir("concurrent");
    let file = dir.join("one.zip");
    let standin = server.as_standin().expect("stand-in");
    standin.faults().delay_responses(Duration::from_millis(50));
    let first = start(request(&server, &db, &file, json!({})));
    // Reading histories: the first run holds the lock (its small rooms are counted when their bundle closes).
    poll_until(&first, rooms_done_at_least(0));
    let began = Instant::now();
    let (second, _) = export(request(&server, &db, &file, json!({}))).await;
    let error = second.expect_err("the second run is refused");
    assert!(began.elapsed() < Duration::from_secs(10), "at once");
    assert_eq!(error.code(), "package_in_use", "{error}");
    assert!(
        error.to_string().contains("one.zip.lock") && error.to_string().contains("another export"),
        "{error}"
    );
    standin.faults().clear();
    let result = first
        .wait(|_| {})
        .expect("the first run finishes undisturbed");
    assert_eq!(result["reusedRooms"], 0);
    messages_of(&file);
    assert!(!pchat_migrate::util::sibling_path(&file, ".lock").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_while_writing_the_package_leaves_no_package_and_the_next_run_resumes() {
    let server = TestServer::standin(TlsMode::Supported);
    let (db, model) = seed(&server, 34).await;
    let dir = out_dir("cancel-writing");
    let file = dir.join("cancelled.zip");
    test_hooks::pause_while_writing(&file, Some(Duration::from_secs(60)));
    let job = start(request(&server, &db, &file, json!({})));
    poll_until(&job, writing_the_package);
    job.cancel().expect("cancel while writing");
    let error = job.wait(|_| {}).expect_err("cancelled");
    test_hooks::pause_while_writing(&file, None);
    assert_eq!(error.code(), "cancelled");
    assert!(!file.exists(), "no package after a cancel");
    assert!(!PackageWriter::partial_path(&file).exists());
    assert!(staging_of(&file).join("ledger.json").exists(), "resumable");
    let (result, _) = export(request(&server, &db, &file, json!({}))).await;
    let result = result.expect("resumed");
    let rooms_with_content = model.rooms.len() as u64;
    assert_eq!(
        result["reusedRooms"].as_u64(),
        Some(rooms_with_content),
        "{result}"
    );
    messages_of(&file);
    assert!(!staging_of(&file).exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_existing_file_is_refused_without_force_and_replaced_with_it() {
    let server = TestServer::start();
    let (db, _) = seed(&server, 35).await;
    let dir = out_dir("force");
    let file = dir.join("exists.zip");
    std::fs::write(&file, b"my notes, not a package").expect("write");
    let refused = operations::start_job(
        &Request::from_value(request(&server, &db, &file, json!({"level": "User"}))).expect("req"),
    )
    .err()
    .expect("refused before starting");
    assert_eq!(refused.code(), "invalid_parameter");
    let text = refused.to_string();
    assert!(
        text.contains("already exists")
            && text.contains("not a package")
            && text.contains("-Force"),
        "{text}"
    );
    assert_eq!(
        std::fs::read(&file).expect("kept"),
        b"my notes, not a package"
    );
    let (result, _) = export(request(
        &server,
        &db,
        &file,
        json!({"level": "User", "force": true}),
    ))
    .await;
    result.expect("replaced with force");
    PackageReader::open(&file).expect("a package now");
    server.drop_database(&db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_json_report_name_gets_json_and_the_html_goes_beside_it() {
    let server = TestServer::start();
    let (db, _) = seed(&server, 36).await;
    let dir = out_dir("report-json");
    let file = dir.join("out.zip");
    let report = dir.join("rep.json");
    let (result, _) = export(request(
        &server,
        &db,
        &file,
        json!({"level": "RoomDirectory", "report": report.display().to_string()}),
    ))
    .await;
    let result = result.expect("export");
    let json_report: Value = serde_json::from_slice(&std::fs::read(&report).expect("rep.json"))
        .expect("rep.json is JSON");
    assert!(json_report["result"].is_object());
    let html = std::fs::read_to_string(dir.join("rep.html")).expect("rep.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(result["report"]["json"], report.display().to_string());
    server.drop_database(&db).await;
}

/// An instance nothing listens on: any error that is not about paths would be a connection error.
fn unreachable_request(file: &str, extra: Value) -> Value {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let mut params = json!({
        "connection": { "dbInstance": format!("127.0.0.1,{port}"), "dbName": "GroupChat", "user": "sa",
                        "password": "x", "encryption": "Plaintext", "connectTimeoutSeconds": 2,
                        "connectRetryCount": 0 },
        "fileName": file,
    });
    for (k, v) in extra.as_object().expect("object") {
        params[k] = v.clone();
    }
    json!({ "operation": "export", "params": params })
}

/// The request's error: when starting the job (planning) or, failing that, from running it.
fn refusal(request: Value) -> PcmError {
    let request = Request::from_value(request).expect("request");
    match operations::start_job(&request) {
        Err(e) => e,
        Ok(job) => job.wait(|_| {}).expect_err("the export fails"),
    }
}

#[test]
fn output_paths_are_refused_before_connecting() {
    let dir = out_dir("paths");
    let file = dir.join("out.zip");
    let f = file.display().to_string();
    let in_dir = |name: &str| dir.join(name).display().to_string();
    let cases: Vec<(Value, &str)> = vec![
        (json!({"report": f}), "which is the package"),
        (
            json!({"report": in_dir("out.zip.partial")}),
            "temporary file",
        ),
        (
            json!({"report": in_dir("out.zip.staging")}),
            "staging folder",
        ),
        (
            json!({"report": in_dir("nope/report.html")}),
            "does not exist",
        ),
        (json!({"startDate": "+30000-01-01"}), "outside the dates"),
    ];
    for (extra, expected) in cases {
        let error = refusal(unreachable_request(&f, extra.clone()));
        assert_eq!(error.code(), "invalid_parameter", "{extra}: {error}");
        assert!(error.to_string().contains(expected), "{extra}: {error}");
    }
    // The JSON sibling of an HTML report colliding with the package.
    let json_package = dir.join("out.json").display().to_string();
    let error = refusal(unreachable_request(
        &json_package,
        json!({"report": in_dir("out.html")}),
    ));
    assert!(error.to_string().contains("JSON report"), "{error}");
    // An empty file name: refused, and no hidden staging folder appears in the current folder.
    let error = refusal(unreachable_request("", json!({})));
    assert_eq!(error.code(), "invalid_parameter", "{error}");
    assert!(error.to_string().contains("-FileName"), "{error}");
    assert!(!Path::new(".staging").exists());
    // The same request with good paths does try to connect (so the refusals above came first).
    let error = refusal(unreachable_request(
        &f,
        json!({"report": in_dir("ok.html")}),
    ));
    assert_eq!(error.code(), "connection_failed", "{error}");
    assert!(!dir.join("out.zip.lock").exists());
}
