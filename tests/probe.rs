//! `probe` without a database: the chat databases of the instance are listed with their kind and counts (so an
//! administrator can find the Group Chat database), other databases are counted, and databases the login cannot
//! open are skipped with a note.

mod common;

use chat_fixtures::{
    create_database, generate_mgc_model, generate_model, write_legacy, write_mgc, DatabaseKind,
    Size,
};
use common::{run_job, unique_db_name, TestServer};
use pchat_migrate::jobs::JobEvent;
use serde_json::{json, Value};

async fn seeded(server: &TestServer, kind: DatabaseKind, seed: u64) -> (String, u64) {
    let name = unique_db_name("probe");
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &name, kind)
        .await
        .expect("schema loads");
    let model = if kind == DatabaseKind::Mgc2013 {
        generate_mgc_model(seed, Size::Tiny)
    } else {
        generate_model(seed, Size::Tiny)
    };
    if kind == DatabaseKind::Mgc2013 {
        write_mgc(&mut admin, &model).await.expect("mgc data");
    } else {
        write_legacy(&mut admin, &model, kind)
            .await
            .expect("legacy data");
    }
    (name, model.rooms.len() as u64)
}

async fn plain_database(server: &TestServer) -> String {
    let db = server.create_empty_database("probeshop").await;
    let mut admin = server.admin(&db).await;
    admin
        .simple_query("CREATE TABLE dbo.Orders (OrderID int NOT NULL PRIMARY KEY)")
        .await
        .expect("create")
        .into_results()
        .await
        .expect("results");
    db
}

fn probe(params: Value) -> (Result<Value, pchat_migrate::PcmError>, Vec<JobEvent>) {
    run_job(json!({ "operation": "probe", "params": params }))
}

fn listed<'a>(data: &'a Value, name: &str) -> Option<&'a Value> {
    data["databases"]
        .as_array()
        .expect("databases listed")
        .iter()
        .find(|d| d["name"] == name)
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_database_the_chat_databases_are_listed() {
    let server = TestServer::start();
    let (lync, lync_rooms) = seeded(&server, DatabaseKind::Legacy2010, 11).await;
    let (mgc, mgc_rooms) = seeded(&server, DatabaseKind::Mgc2013, 12).await;
    let shop = plain_database(&server).await;
    let params = server.connection_params(None);
    let (result, events) = tokio::task::spawn_blocking(move || probe(params))
        .await
        .expect("join");
    let data = result.expect("probe succeeds");

    let lync_entry = listed(&data, &lync).unwrap_or_else(|| panic!("{lync} not listed: {data}"));
    assert_eq!(lync_entry["kind"], "LyncGroupChat2010");
    assert_eq!(lync_entry["kindName"], "Lync Server 2010 Group Chat");
    assert_eq!(lync_entry["counts"]["rooms"], lync_rooms);
    let mgc_entry = listed(&data, &mgc).unwrap_or_else(|| panic!("{mgc} not listed: {data}"));
    assert_eq!(mgc_entry["kind"], "PersistentChat2013");
    assert_eq!(mgc_entry["counts"]["rooms"], mgc_rooms);
    assert!(
        listed(&data, &shop).is_none(),
        "not a chat database: {data}"
    );
    assert!(listed(&data, "master").is_none());
    assert!(
        data["otherDatabasesExamined"].as_u64().expect("count") >= 1,
        "{data}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, JobEvent::Warning { code, .. } if code == "not_a_chat_database")),
        "no warning about the default database when listing"
    );
    assert!(!events
        .iter()
        .any(|e| matches!(e, JobEvent::Warning { code, .. } if code == "no_chat_database")));

    // A database given: no listing.
    let (result, _) = tokio::task::spawn_blocking({
        let params = server.connection_params(Some(&lync));
        move || probe(params)
    })
    .await
    .expect("join");
    let data = result.expect("probe succeeds");
    assert!(data.get("databases").is_none(), "{data}");
    for db in [&lync, &mgc, &shop] {
        server.drop_database(db).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn databases_the_login_cannot_open_are_skipped_with_a_note() {
    let server = TestServer::standin(sqlserver_standin::TlsMode::Supported);
    let standin = server.as_standin().expect("stand-in");
    let (lync, _) = seeded(&server, DatabaseKind::Legacy2010, 13).await;
    let (closed, _) = seeded(&server, DatabaseKind::OcsR2, 14).await;
    standin.faults().deny_database_access(&closed);
    let params = server.connection_params(None);
    let (result, events) = tokio::task::spawn_blocking(move || probe(params))
        .await
        .expect("join");
    let data = result.expect("probe succeeds");
    assert!(listed(&data, &lync).is_some(), "{data}");
    assert!(listed(&data, &closed).is_none(), "{data}");
    let skipped = data["skippedDatabases"].as_array().expect("skipped");
    let note = skipped
        .iter()
        .find(|s| s["name"] == closed.as_str())
        .unwrap_or_else(|| panic!("{closed} not noted: {data}"));
    assert!(
        note["reason"]
            .as_str()
            .expect("reason")
            .contains("cannot open"),
        "{note}"
    );
    assert!(events.iter().any(
        |e| matches!(e, JobEvent::Verbose { message } if message.contains(&closed) && message.contains("skipped"))
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_instance_without_chat_databases_says_so() {
    let server = TestServer::standin(sqlserver_standin::TlsMode::Supported);
    let _shop = plain_database(&server).await;
    let params = server.connection_params(None);
    let (result, events) = tokio::task::spawn_blocking(move || probe(params))
        .await
        .expect("join");
    let data = result.expect("probe succeeds");
    assert_eq!(data["databases"], json!([]));
    assert_eq!(data["otherDatabasesExamined"], 1, "{data}");
    assert!(events.iter().any(
        |e| matches!(e, JobEvent::Warning { code, message } if code == "no_chat_database" && message.contains("1 database"))
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_prints_the_chat_databases_as_a_table() {
    let server = TestServer::standin(sqlserver_standin::TlsMode::Supported);
    let standin = server.as_standin().expect("stand-in");
    let (lync, rooms) = seeded(&server, DatabaseKind::Legacy2010, 15).await;
    let (mgc, _) = seeded(&server, DatabaseKind::Mgc2013, 16).await;
    let _shop = plain_database(&server).await;
    let ca = standin
        .ca_cert_pem_path()
        .expect("cert")
        .display()
        .to_string();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pchat-migrate"))
        .args([
            "probe",
            "--db-instance",
            &format!("localhost,{}", standin.port()),
        ])
        .args(["--user", "sa", "--ca-certificate", &ca])
        .env("PCHAT_SQL_PASSWORD", standin.password())
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text
        .lines()
        .find(|l| l.contains(&lync))
        .unwrap_or_else(|| panic!("{lync} not shown:\n{text}"));
    assert!(line.contains("Lync Server 2010 Group Chat"), "{line}");
    assert!(
        line.split_whitespace().any(|w| w == rooms.to_string()),
        "{line}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains(&mgc) && l.contains("Persistent Chat")),
        "{text}"
    );
    assert!(text.contains("Other databases examined : 1"), "{text}");
}
