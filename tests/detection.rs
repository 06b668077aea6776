//! Schema detection over real TDS: each supported kind of chat database, seeded by the generator, is told
//! apart and counted exactly; anything else is "not a chat database" with what was missing named.

mod common;

use chat_fixtures::{
    create_database, create_database_as, generate_mgc_model, generate_model, write_legacy,
    write_mgc, write_schema, DatabaseKind, Schema, Size,
};
use common::{run_job, unique_db_name, TestServer};
use pchat_migrate::util::ticks::ticks_to_iso;
use serde_json::json;

async fn seeded(server: &TestServer, kind: DatabaseKind) -> (String, chat_fixtures::Deployment) {
    let name = unique_db_name("detect");
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &name, kind)
        .await
        .expect("schema loads");
    let model = if kind == DatabaseKind::Mgc2013 {
        generate_mgc_model(7, Size::Tiny)
    } else {
        generate_model(7, Size::Tiny)
    };
    if kind == DatabaseKind::Mgc2013 {
        write_mgc(&mut admin, &model)
            .await
            .expect("mgc data written");
    } else {
        write_legacy(&mut admin, &model, kind)
            .await
            .expect("legacy data written");
    }
    (name, model)
}

/// A legacy database holding only the published columns (chat_fixtures::PUBLISHED_ONLY_TABLES).
async fn seeded_published_only(
    server: &TestServer,
    kind: DatabaseKind,
) -> (String, chat_fixtures::Deployment) {
    let name = unique_db_name("detectpub");
    let mut admin = server.admin("master").await;
    let schema = Schema::published_only(kind);
    create_database_as(&mut admin, &name, schema)
        .await
        .expect("schema loads");
    let model = generate_model(7, Size::Tiny);
    write_schema(&mut admin, &model, schema)
        .await
        .expect("legacy data written");
    (name, model)
}

async fn check_kind(kind: DatabaseKind, expected: &str) {
    let server = TestServer::start();
    let (db, model) = seeded(&server, kind).await;
    check_probe(&server, &db, &model, expected).await;
}

/// Probes `db` and checks its kind, that nothing is reported missing, and the counts against the model.
async fn check_probe(
    server: &TestServer,
    db: &str,
    model: &chat_fixtures::Deployment,
    expected: &str,
) {
    let (result, _) = tokio::task::spawn_blocking({
        let params = server.connection_params(Some(db));
        move || run_job(json!({ "operation": "probe", "params": params }))
    })
    .await
    .expect("join");
    let data = result.expect("probe succeeds");
    assert_eq!(data["databaseKind"], expected, "{data}");
    assert_eq!(data["detection"]["missing"], json!([]), "{data}");
    let counts = &data["counts"];
    assert_eq!(
        counts["categories"],
        model.categories.len() as u64 - 1,
        "root excluded"
    );
    assert_eq!(counts["rooms"], model.rooms.len() as u64);
    assert_eq!(counts["principals"], model.principals.len() as u64);
    let (mut count, mut first, mut last) = (0u64, i64::MAX, i64::MIN);
    for m in model.messages() {
        count += 1;
        first = first.min(m.date);
        last = last.max(m.date);
    }
    assert_eq!(counts["messages"], count);
    assert_eq!(counts["firstMessageUtc"], json!(ticks_to_iso(first)));
    assert_eq!(counts["lastMessageUtc"], json!(ticks_to_iso(last)));
    server.drop_database(db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn detects_lync_2010_group_chat() {
    check_kind(DatabaseKind::Legacy2010, "LyncGroupChat2010").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn detects_ocs_2007_r2_group_chat() {
    check_kind(DatabaseKind::OcsR2, "OcsGroupChat2007R2").await;
}

/// Databases with only the published columns are their kind, nothing is reported missing, and counts are exact.
#[tokio::test(flavor = "multi_thread")]
async fn published_columns_only_databases_detect_as_their_kind() {
    let server = TestServer::start();
    for (kind, expected) in [
        (DatabaseKind::Legacy2010, "LyncGroupChat2010"),
        (DatabaseKind::OcsR2, "OcsGroupChat2007R2"),
    ] {
        let (db, model) = seeded_published_only(&server, kind).await;
        check_probe(&server, &db, &model, expected).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn detects_persistent_chat_2013() {
    check_kind(DatabaseKind::Mgc2013, "PersistentChat2013").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn another_database_is_not_a_chat_database() {
    let server = TestServer::start();
    let db = server.create_empty_database("shop").await;
    let mut admin = server.admin(&db).await;
    admin
        .simple_query("CREATE TABLE dbo.Orders (OrderID int NOT NULL PRIMARY KEY, Customer nvarchar(100) NULL)")
        .await
        .expect("create table")
        .into_results()
        .await
        .expect("results");
    drop(admin);
    let (result, events) = tokio::task::spawn_blocking({
        let params = server.connection_params(Some(&db));
        move || run_job(json!({ "operation": "probe", "params": params }))
    })
    .await
    .expect("join");
    let data = result.expect("probe itself succeeds");
    assert_eq!(data["databaseKind"], "NotChat");
    let missing = data["detection"]["missing"].to_string();
    for table in ["tblNode", "tblPrincipal", "tblChat"] {
        assert!(missing.contains(table), "{missing}");
    }
    assert!(data["counts"].is_null());
    assert!(events
        .iter()
        .any(|e| format!("{e:?}").contains("not a chat database")));
    server.drop_database(&db).await;
}
