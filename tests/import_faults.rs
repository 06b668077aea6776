//! Issue 8 §2, resume: the connection cut (stand-in fault injection) at several points of an import, or the
//! import cancelled mid-chat, then a re-run: the final state equals an uninterrupted import row for row
//! (every table but tblAdminLock; tblSystemRevision only "bumped"), nothing duplicated, no lock left.
//! Cancellation leaves whole batches only.

#[path = "apply_support/mod.rs"]
mod apply_support;
mod common;

use apply_support::*;
use chat_fixtures::Size;
use common::{fresh_dir, TestServer};
use pchat_migrate::jobs::JobState;
use pchat_migrate::package::PackageReader;
use pchat_migrate::PcmError;
use sqlserver_standin::TlsMode;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

const BATCH: u32 = 7;
const EXCEPT: &[&str] = &["tblAdminLock", "tblSystemRevision"];

/// The plan: a 2013 package as is, a legacy one through the transform.
async fn plan(
    server: &TestServer,
    db: &str,
    package: &Path,
) -> pchat_migrate::target::plan::PreparedImport {
    let legacy = PackageReader::open(package)
        .expect("package")
        .manifest()
        .source
        .kind
        != "PersistentChat2013";
    if legacy {
        prepare_transformed(server, db, package, BATCH).await.0
    } else {
        prepare(server, db, package, BATCH).await
    }
}

/// The state an uninterrupted import leaves.
async fn reference(server: &TestServer, package: &Path) -> BTreeMap<String, Vec<String>> {
    let db = fresh_target(server).await;
    let prepared = plan(server, &db, package).await;
    run(server, &db, prepared)
        .await
        .0
        .expect("uninterrupted import");
    checksums(server, &db, EXCEPT).await
}

/// Re-plans and re-runs the import on `db`, then compares it with the reference.
async fn rerun_and_compare(
    server: &TestServer,
    db: &str,
    package: &Path,
    want: &BTreeMap<String, Vec<String>>,
) {
    let prepared = plan(server, db, package).await;
    let (second, _) = run(server, db, prepared).await;
    second.expect("the re-run completes");
    assert_same(want, &checksums(server, db, EXCEPT).await);
    assert_eq!(
        scalar(server, db, "SELECT COUNT(*) FROM dbo.tblAdminLock").await,
        0,
        "no lock left"
    );
    assert!(
        scalar(
            server,
            db,
            "SELECT MAX(sysRevision) FROM dbo.tblSystemRevision"
        )
        .await
            > 1,
        "revision bumped"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_cut_at_several_points_resumes_to_the_uninterrupted_state() {
    let server = TestServer::standin(TlsMode::Plaintext);
    let standin = server.as_standin().expect("stand-in");
    let dir = fresh_dir("import_faults", "cut");
    let package = exported_mgc(&server, &dir, 21, Size::Tiny).await;
    let want = reference(&server, &package).await;
    // How many requests an uninterrupted run sends (planned the same way, on a fresh target).
    let db = fresh_target(&server).await;
    let prepared = prepare(&server, &db, &package, BATCH).await;
    let before = standin.faults().requests_seen();
    run(&server, &db, prepared).await.0.expect("a measured run");
    let total = standin.faults().requests_seen() - before;
    // Requests into the run: the no-op check, the lock, principals, nodes, and several points of the chat.
    let mut cut_in = Vec::new();
    for requests in [
        4,
        total / 10,
        total / 4,
        total / 2,
        total * 7 / 10,
        total * 9 / 10,
    ] {
        let db = fresh_target(&server).await;
        let prepared = prepare(&server, &db, &package, BATCH).await;
        standin.faults().drop_after_requests(requests);
        let (first, _) = run(&server, &db, prepared).await;
        standin.faults().clear();
        let error = first.expect_err("the cut stops the import");
        assert_ne!(error.code(), "internal_error", "{requests}: {error:?}");
        cut_in.push(scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblChat").await);
        rerun_and_compare(&server, &db, &package, &want).await;
    }
    // The cuts fell before, during and after the chat started.
    assert_eq!(cut_in.first(), Some(&0), "{cut_in:?}");
    assert!(
        cut_in.iter().any(|&n| n > 0),
        "a cut fell mid-chat: {cut_in:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_legacy_import_cut_at_several_points_resumes_to_the_uninterrupted_state() {
    let server = TestServer::standin(TlsMode::Plaintext);
    let standin = server.as_standin().expect("stand-in");
    let dir = fresh_dir("import_faults", "legacy");
    let db = common::unique_db_name("faults_legacy");
    let mut admin = server.admin("master").await;
    let schema = chat_fixtures::Schema::from(chat_fixtures::DatabaseKind::Legacy2010);
    chat_fixtures::create_database_as(&mut admin, &db, schema)
        .await
        .expect("schema");
    chat_fixtures::write_schema(
        &mut admin,
        &chat_fixtures::generate_model(25, Size::Tiny),
        schema,
    )
    .await
    .expect("data");
    let package = export(&server, &db, &dir).await;
    let want = reference(&server, &package).await;
    // How many requests an uninterrupted run sends (planned the same way, on a fresh target).
    let measured = fresh_target(&server).await;
    let prepared = plan(&server, &measured, &package).await;
    let before = standin.faults().requests_seen();
    run(&server, &measured, prepared)
        .await
        .0
        .expect("a measured run");
    let total = standin.faults().requests_seen() - before;
    for requests in [total / 20, total / 4, total / 2, total * 4 / 5] {
        let db = fresh_target(&server).await;
        let prepared = plan(&server, &db, &package).await;
        standin.faults().drop_after_requests(requests);
        let (first, _) = run(&server, &db, prepared).await;
        standin.faults().clear();
        first.expect_err("the cut stops the import");
        Box::pin(rerun_and_compare(&server, &db, &package, &want)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_cut_while_rows_are_read_resumes_too() {
    let server = TestServer::standin(TlsMode::Plaintext);
    let standin = server.as_standin().expect("stand-in");
    let dir = fresh_dir("import_faults", "rows");
    let package = exported_mgc(&server, &dir, 22, Size::Tiny).await;
    let want = reference(&server, &package).await;
    for rows in [10, 40] {
        let db = fresh_target(&server).await;
        let prepared = prepare(&server, &db, &package, BATCH).await;
        standin.faults().drop_after_rows(rows);
        let (first, _) = run(&server, &db, prepared).await;
        standin.faults().clear();
        first.expect_err("the cut stops the import");
        rerun_and_compare(&server, &db, &package, &want).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_commit_rolls_back_its_unit_and_the_rerun_completes() {
    let server = TestServer::standin(TlsMode::Plaintext);
    let standin = server.as_standin().expect("stand-in");
    let dir = fresh_dir("import_faults", "commit");
    let package = exported_mgc(&server, &dir, 23, Size::Tiny).await;
    let want = reference(&server, &package).await;
    let db = fresh_target(&server).await;
    let prepared = prepare(&server, &db, &package, BATCH).await;
    standin.faults().fail_next_commit();
    let (first, _) = run(&server, &db, prepared).await;
    standin.faults().clear();
    first.expect_err("the failed commit stops the import");
    rerun_and_compare(&server, &db, &package, &want).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_mid_chat_leaves_whole_batches_and_the_rerun_completes() {
    let server = TestServer::standin(TlsMode::Plaintext);
    let standin = server.as_standin().expect("stand-in");
    let dir = fresh_dir("import_faults", "cancel");
    let package = exported_mgc(&server, &dir, 24, Size::Tiny).await;
    let want = reference(&server, &package).await;
    let db = fresh_target(&server).await;
    let prepared = prepare(&server, &db, &package, BATCH).await;
    let per_room: BTreeMap<i32, u64> = prepared
        .plan
        .rooms
        .iter()
        .map(|r| (r.planned.source_id, r.planned.messages))
        .collect();
    let total: u64 = per_room.values().sum();
    standin.faults().delay_responses(Duration::from_millis(15));
    let running = start(&server, &db, prepared);
    // Cancel once some chat is in.
    let mut admin = server.admin(&db).await;
    let mut landed = 0;
    for _ in 0..2000 {
        let row = admin
            .simple_query("SELECT COUNT(*) FROM dbo.tblChat")
            .await
            .expect("count")
            .into_row()
            .await
            .expect("row");
        landed = row.and_then(|r| r.get::<i32, _>(0)).unwrap_or(0);
        if landed > 0 || running.state() != JobState::Running {
            break;
        }
    }
    assert!(landed > 0, "chat started");
    running.job.cancel().expect("cancel");
    let (first, _) = running.finish().await;
    standin.faults().clear();
    assert!(matches!(first, Err(PcmError::Cancelled)), "{first:?}");
    let in_target = scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblChat").await as u64;
    assert!(
        in_target < total,
        "cancelled before the end ({in_target} of {total})"
    );
    // Whole batches only: every room holds a multiple of the batch size, or all its messages.
    let mut admin = server.admin(&db).await;
    let counts = admin
        .simple_query("SELECT channelId, COUNT(*) FROM dbo.tblChat GROUP BY channelId")
        .await
        .expect("counts")
        .into_first_result()
        .await
        .expect("counts");
    let full: Vec<u64> = per_room.values().copied().collect();
    for r in counts {
        let n = r.get::<i32, _>(1).expect("n") as u64;
        assert!(
            n.is_multiple_of(u64::from(BATCH)) || full.contains(&n),
            "a room holds {n} messages: a partial batch"
        );
    }
    rerun_and_compare(&server, &db, &package, &want).await;
}

/// The whole `import` operation cut at several points, then run again: the planner sees what the first run
/// wrote (resume by GUID, by chatId) and the state ends equal to an uninterrupted import.
#[tokio::test(flavor = "multi_thread")]
async fn the_import_operation_cut_then_rerun_equals_an_uninterrupted_import() {
    let server = TestServer::standin(TlsMode::Plaintext);
    let standin = server.as_standin().expect("stand-in");
    let dir = fresh_dir("import_faults", "operation");
    let db = common::unique_db_name("faults_op");
    let mut admin = server.admin("master").await;
    let schema = chat_fixtures::Schema::from(chat_fixtures::DatabaseKind::Legacy2010);
    chat_fixtures::create_database_as(&mut admin, &db, schema)
        .await
        .expect("schema");
    chat_fixtures::write_schema(
        &mut admin,
        &chat_fixtures::generate_model(26, Size::Tiny),
        schema,
    )
    .await
    .expect("data");
    let package = export(&server, &db, &dir).await;
    let names = dir.join("names.json");
    write_name_map(&package, &names);
    let reference = fresh_target(&server).await;
    let before = standin.faults().requests_seen();
    Box::pin(import_operation(&server, &reference, &package, &names))
        .await
        .expect("uninterrupted");
    let total = standin.faults().requests_seen() - before;
    let want = checksums(&server, &reference, EXCEPT).await;
    let mut cut_in = Vec::new();
    // The planner's reads come first; the writes follow.
    for requests in [total / 5, total * 2 / 5, total * 3 / 5, total * 4 / 5] {
        let db = fresh_target(&server).await;
        standin.faults().drop_after_requests(requests);
        let first = Box::pin(import_operation(&server, &db, &package, &names)).await;
        standin.faults().clear();
        first.expect_err("the cut stops the import");
        cut_in.push(scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblNode").await);
        Box::pin(import_operation(&server, &db, &package, &names))
            .await
            .expect("the re-run completes");
        assert_same(&want, &checksums(&server, &db, EXCEPT).await);
        assert_eq!(
            scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblAdminLock").await,
            0
        );
    }
    assert!(
        cut_in.iter().any(|&n| n > 1),
        "a cut fell after nodes were written: {cut_in:?}"
    );
}
