//! Issue 11, hostile packages into the import: every case of the hostile corpus (tests/hostile/mod.rs:
//! truncations, flips, checksums, duplicate ids, dangling references, cycles, bombs, traversal names, invalid
//! UTF-8, lone surrogates, enormous lines, wrong versions) given to the `import` operation is refused with
//! `invalid_package` naming the problem, and the target `mgc` is unchanged row for row (every table's checksum).
//! The valid sample the corpus is built from does import (so the comparison can see a write).

#[path = "apply_support/mod.rs"]
mod apply_support;
mod common;
mod hostile;

use apply_support::{checksums, fresh_target};
use common::{fresh_dir, run_job, TestServer};
use serde_json::json;
use std::path::Path;

fn import(
    server: &TestServer,
    db: &str,
    package: &Path,
) -> Result<serde_json::Value, pchat_migrate::PcmError> {
    run_job(json!({"operation": "import", "params": {
        "connection": server.connection_params(Some(db)),
        "fileName": package.display().to_string(),
    }}))
    .0
}

#[tokio::test(flavor = "multi_thread")]
async fn every_hostile_package_is_refused_by_the_import_and_the_target_is_unchanged() {
    let server = TestServer::start();
    let dir = fresh_dir("hostile_imports", "corpus");

    // The comparison sees a write: the valid sample changes a fresh target.
    let valid_db = fresh_target(&server).await;
    let fresh = checksums(&server, &valid_db, &[]).await;
    let valid = dir.join("valid.zip");
    std::fs::write(&valid, hostile::Sample::valid().build()).expect("write the sample");
    let server_ref = &server;
    let imported = tokio::task::block_in_place(|| import(server_ref, &valid_db, &valid));
    let imported = imported.expect("the valid sample imports");
    assert!(
        imported["summary"]["messagesImported"].as_u64() > Some(0),
        "{imported}"
    );
    assert_ne!(
        checksums(&server, &valid_db, &[]).await,
        fresh,
        "the import changed nothing"
    );

    let db = fresh_target(&server).await;
    let before = checksums(&server, &db, &[]).await;
    let mut failures = Vec::new();
    let cases = hostile::cases();
    for case in &cases {
        let path = dir.join(format!("{}.zip", case.name));
        std::fs::write(&path, &case.bytes).expect("write the case");
        match tokio::task::block_in_place(|| import(server_ref, &db, &path)) {
            Ok(result) => failures.push(format!("{}: imported: {result}", case.name)),
            Err(e) if e.code() != "invalid_package" => {
                failures.push(format!("{}: code {} ({e})", case.name, e.code()))
            }
            Err(e) if !e.to_string().contains(&case.expected) => failures.push(format!(
                "{}: the message lacks '{}': {e}",
                case.name, case.expected
            )),
            Err(_) => {}
        }
        if checksums(&server, &db, &[]).await != before {
            failures.push(format!("{}: the target changed", case.name));
            break;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
