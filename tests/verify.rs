//! Issue 9, verify (step 5) over real TDS: a generated Lync 2010 deployment is exported and imported into a
//! fresh `mgc`; verify passes from the package and from the legacy database (full and quick), and each injected
//! corruption of the target (deleted message, altered content, missing member, renamed room, extra room,
//! changed flag) is reported as the exact first difference on the right item.

#[path = "apply_support/mod.rs"]
mod apply_support;
mod common;
#[path = "verify_support/mod.rs"]
mod verify_support;

use pchat_migrate::verify::{VerifyItem, VerifyKind, VerifyResult, VerifyStatus};
use serde_json::json;
use verify_support::{migrated, migrated_with, verify, Migrated};

fn problems(r: &VerifyResult) -> Vec<&VerifyItem> {
    r.items
        .iter()
        .filter(|i| i.status != VerifyStatus::Verified)
        .collect()
}

fn assert_passed(r: &VerifyResult) {
    assert!(
        r.summary.passed,
        "not passed: {:#?}",
        problems(r).iter().take(5).collect::<Vec<_>>()
    );
    assert!(r.summary.rooms > 0 && r.summary.principals > 0 && r.summary.categories > 0);
    assert_eq!(r.summary.verified, r.items.len() as u64);
}

/// The one problem item of `r`, which must be `kind` `name` with `status` and `first`.
fn assert_single(
    r: &VerifyResult,
    kind: VerifyKind,
    name: &str,
    status: VerifyStatus,
    first: &str,
) {
    let found = problems(r);
    assert_eq!(found.len(), 1, "exactly one problem expected: {found:#?}");
    let item = found[0];
    assert_eq!(
        (item.kind, item.name.as_str(), item.status),
        (kind, name, status),
        "{item:#?}"
    );
    assert_eq!(item.first_difference.as_deref(), Some(first), "{item:#?}");
    assert!(!r.summary.passed);
    // Problems are listed first.
    assert_eq!(r.items[0].status, status);
}

/// A room of the target with at least `min` messages: (nodeID, nodeName, a chatId in the middle).
async fn busy_room(m: &Migrated, min: i64) -> (i64, String, i64) {
    let node = m
        .scalar(&format!(
            "SELECT TOP 1 channelId FROM dbo.tblChat GROUP BY channelId HAVING COUNT(*) >= {min} \
             ORDER BY channelId"
        ))
        .await;
    let name = m
        .text(&format!(
            "SELECT nodeName FROM dbo.tblNode WHERE nodeID = {node}"
        ))
        .await;
    let count = m
        .scalar(&format!(
            "SELECT COUNT(*) FROM dbo.tblChat WHERE channelId = {node}"
        ))
        .await;
    let middle = m
        .scalar(&format!(
            "SELECT MAX(chatId) FROM (SELECT TOP {} chatId FROM dbo.tblChat WHERE channelId = {node} \
             ORDER BY chatId) AS t",
            count / 2
        ))
        .await;
    (node, name, middle)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_correct_migration_verifies_from_the_package_and_from_the_legacy_database() {
    let m = migrated("pass", 9101).await;
    let full = verify(m.params_package(json!({}))).await.expect("verify");
    assert_passed(&full);
    assert!(!full.quick);
    assert_eq!(full.source.kind, "package");
    assert_eq!(full.summary.source_messages, full.summary.target_messages);
    let messages = m.scalar("SELECT COUNT(*) FROM dbo.tblChat").await;
    assert_eq!(full.summary.target_messages, messages as u64);
    // Every room carries both digests, equal, computed by the one function.
    let mut with_messages = 0;
    for room in full.items.iter().filter(|i| i.kind == VerifyKind::Room) {
        let h = room.history.as_ref().expect("a room's history is compared");
        assert_eq!(h.source, h.target, "{}", room.name);
        assert!(h.source.sha256.as_ref().is_some_and(|s| s.len() == 64));
        if h.source.messages > 0 {
            with_messages += 1;
            assert!(h.source.first_chat_date_utc.is_some());
        }
    }
    assert!(with_messages > 0);

    let db = verify(m.params_database(json!({"parallelism": 2})))
        .await
        .expect("verify from the database");
    assert_passed(&db);
    assert_eq!(db.source.kind, "database");
    assert_eq!(db.items.len(), full.items.len());
    // Both sources give the same digests room by room.
    let digests = |r: &VerifyResult| -> Vec<(String, Option<String>)> {
        r.items
            .iter()
            .filter_map(|i| Some((i.key.clone(), i.history.as_ref()?.source.sha256.clone())))
            .collect()
    };
    let (mut a, mut b) = (digests(&full), digests(&db));
    a.sort();
    b.sort();
    assert_eq!(a, b);

    for params in [
        m.params_package(json!({"quick": true})),
        m.params_database(json!({"quick": true})),
    ] {
        let quick = verify(params).await.expect("quick");
        assert_passed(&quick);
        assert!(quick.quick);
        assert_eq!(quick.summary.target_messages, messages as u64);
        let room = quick
            .items
            .iter()
            .find(|i| i.history.as_ref().is_some_and(|h| h.source.messages > 0))
            .expect("a room with messages");
        let h = room.history.as_ref().expect("history");
        assert_eq!(h.source.sha256, None, "quick mode computes no digest");
        assert_eq!(h.source, h.target);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_message_is_reported_by_its_chat_id_and_caught_by_quick_mode() {
    let m = migrated("deleted", 9102).await;
    let (node, name, chat_id) = busy_room(&m, 3).await;
    m.exec(&format!(
        "DELETE FROM dbo.tblChat WHERE channelId = {node} AND chatId = {chat_id}"
    ))
    .await;
    let r = verify(m.params_package(json!({}))).await.expect("verify");
    assert_single(
        &r,
        VerifyKind::Room,
        &name,
        VerifyStatus::Mismatch,
        &format!("message chatId {chat_id}: missing in target"),
    );
    let h = r.items[0].history.as_ref().expect("history");
    assert_eq!(h.source.messages, h.target.messages + 1);
    assert_ne!(h.source.sha256, h.target.sha256);
    let quick = verify(m.params_package(json!({"quick": true})))
        .await
        .expect("quick");
    let problem = problems(&quick);
    assert_eq!(problem.len(), 1, "{problem:#?}");
    let first = problem[0].first_difference.as_deref().expect("difference");
    assert!(
        first.starts_with("message count differs (expected "),
        "{first}"
    );
    assert_eq!(problem[0].name, name);
    // From the legacy database too.
    let db = verify(m.params_database(json!({}))).await.expect("verify");
    assert_eq!(
        problems(&db)[0].first_difference.as_deref(),
        Some(format!("message chatId {chat_id}: missing in target").as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn altered_content_is_reported_on_its_message() {
    let m = migrated("content", 9103).await;
    let (node, name, chat_id) = busy_room(&m, 3).await;
    m.exec(&format!(
        "UPDATE dbo.tblChat SET content = N'tampered' WHERE channelId = {node} AND chatId = {chat_id}"
    ))
    .await;
    let r = verify(m.params_package(json!({}))).await.expect("verify");
    assert_single(
        &r,
        VerifyKind::Room,
        &name,
        VerifyStatus::Mismatch,
        &format!("message chatId {chat_id}: content differs"),
    );
    let h = r.items[0].history.as_ref().expect("history");
    assert_eq!(
        h.source.messages, h.target.messages,
        "counts alike: only the digest tells"
    );
    assert_ne!(h.source.sha256, h.target.sha256);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_member_is_reported_on_its_room() {
    let m = migrated("member", 9104).await;
    let (node, prin, uri) = {
        let node = m
            .scalar(
                "SELECT TOP 1 r.prinRoleNodeID FROM dbo.tblPrincipalRole AS r \
                 INNER JOIN dbo.tblRoleType AS t ON t.rtypeID = r.prinRoleTypeID \
                 INNER JOIN dbo.tblNode AS n ON n.nodeID = r.prinRoleNodeID \
                 WHERE t.rtypeDesc = N'Member' AND n.nodeType = 0 ORDER BY r.prinRoleNodeID",
            )
            .await;
        let prin = m
            .scalar(&format!(
                "SELECT MIN(r.prinRolePrinID) FROM dbo.tblPrincipalRole AS r \
                 INNER JOIN dbo.tblRoleType AS t ON t.rtypeID = r.prinRoleTypeID \
                 WHERE t.rtypeDesc = N'Member' AND r.prinRoleNodeID = {node}"
            ))
            .await;
        let uri = m
            .text(&format!(
                "SELECT prinUri FROM dbo.tblPrincipal WHERE prinID = {prin}"
            ))
            .await;
        (node, prin, uri)
    };
    let name = m
        .text(&format!(
            "SELECT nodeName FROM dbo.tblNode WHERE nodeID = {node}"
        ))
        .await;
    m.exec(&format!(
        "DELETE FROM dbo.tblPrincipalRole WHERE prinRoleNodeID = {node} AND prinRolePrinID = {prin} \
         AND prinRoleTypeID = (SELECT rtypeID FROM dbo.tblRoleType WHERE rtypeDesc = N'Member')"
    ))
    .await;
    let r = verify(m.params_package(json!({}))).await.expect("verify");
    assert_single(
        &r,
        VerifyKind::Room,
        &name,
        VerifyStatus::Mismatch,
        &format!("member {uri} missing"),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renamed_room_is_reported_with_both_names() {
    let m = migrated("renamed", 9105).await;
    let (node, name, _) = busy_room(&m, 1).await;
    m.exec(&format!(
        "UPDATE dbo.tblNode SET nodeName = N'Renamed by hand' WHERE nodeID = {node}"
    ))
    .await;
    let r = verify(m.params_package(json!({}))).await.expect("verify");
    // The item is named as the import named the room (the expected name), the difference shows the target's.
    assert_single(
        &r,
        VerifyKind::Room,
        &name,
        VerifyStatus::Mismatch,
        &format!("name differs (expected '{name}', found 'Renamed by hand')"),
    );
    m.exec(&format!(
        "UPDATE dbo.tblNode SET nodeName = N'{}' WHERE nodeID = {node}",
        name.replace('\'', "''")
    ))
    .await;
    assert_passed(&verify(m.params_package(json!({}))).await.expect("restored"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_extra_room_is_reported() {
    let m = migrated("extra", 9107).await;
    let (node, _, _) = busy_room(&m, 1).await;
    // A copy of a room's row under a new GUID and name.
    m.exec(&format!(
        "INSERT INTO dbo.tblNode (nodeGuid, parentID, nodeType, nodeName, nodeDesc, invite, logged, filePost, \
         disabled, behavior, visibility, siopID, nodeAddedBy, nodeAddedOn, nodeUpdatedBy, nodeUpdatedOn) \
         SELECT 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', parentID, nodeType, N'Not from the source', nodeDesc, \
         invite, logged, filePost, disabled, behavior, visibility, siopID, nodeAddedBy, nodeAddedOn, \
         nodeUpdatedBy, nodeUpdatedOn FROM dbo.tblNode WHERE nodeID = {node}"
    ))
    .await;
    let r = verify(m.params_package(json!({}))).await.expect("verify");
    assert_single(
        &r,
        VerifyKind::Room,
        "Not from the source",
        VerifyStatus::Extra,
        "in the target, not expected from the source",
    );
    assert_eq!(r.items[0].key, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_flag_is_reported_on_its_category_and_room() {
    let m = migrated("flag", 9108).await;
    // A category's chat history (logged) turned around.
    let category = m
        .scalar("SELECT MIN(nodeID) FROM dbo.tblNode WHERE nodeType = 1 AND nodeID <> parentID")
        .await;
    let (cat_name, logged) = (
        m.text(&format!(
            "SELECT nodeName FROM dbo.tblNode WHERE nodeID = {category}"
        ))
        .await,
        m.scalar(&format!(
            "SELECT CAST(logged AS int) FROM dbo.tblNode WHERE nodeID = {category}"
        ))
        .await,
    );
    m.exec(&format!(
        "UPDATE dbo.tblNode SET logged = {} WHERE nodeID = {category}",
        1 - logged
    ))
    .await;
    let r = verify(m.params_package(json!({}))).await.expect("verify");
    let (was, now) = if logged == 1 {
        ("on", "off")
    } else {
        ("off", "on")
    };
    assert_single(
        &r,
        VerifyKind::Category,
        &cat_name,
        VerifyStatus::Mismatch,
        &format!("chat history (logged) differs (expected {was}, found {now})"),
    );
    m.exec(&format!(
        "UPDATE dbo.tblNode SET logged = {logged} WHERE nodeID = {category}"
    ))
    .await;
    // A room disabled by hand.
    let (node, name, _) = busy_room(&m, 1).await;
    m.exec(&format!(
        "UPDATE dbo.tblNode SET disabled = 1 WHERE nodeID = {node}"
    ))
    .await;
    let r = verify(m.params_package(json!({}))).await.expect("verify");
    assert_single(
        &r,
        VerifyKind::Room,
        &name,
        VerifyStatus::Mismatch,
        "disabled differs (expected false, found true)",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_2013_package_imported_one_to_one_verifies() {
    let server = common::TestServer::start();
    let dir = common::fresh_dir("verify", "from2013");
    let package = apply_support::exported_mgc(&server, &dir, 9109, chat_fixtures::Size::Tiny).await;
    let names = dir.join("names.json");
    apply_support::write_name_map(&package, &names);
    let target = apply_support::fresh_target(&server).await;
    Box::pin(apply_support::import_operation(
        &server, &target, &package, &names,
    ))
    .await
    .expect("import");
    let r = verify(json!({
        "connection": server.connection_params(Some(&target)),
        "fileName": package.display().to_string(),
        "nameMapFile": names.display().to_string(),
    }))
    .await
    .expect("verify");
    assert_passed(&r);
    assert_eq!(r.source.source_kind, "PersistentChat2013");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_start_date_export_verifies_from_its_package_and_from_the_database_with_the_same_cut_off()
{
    let (m, start) = migrated_with("startdate", 9110, true).await;
    let start = start.expect("a start date");
    let package = verify(m.params_package(json!({}))).await.expect("verify");
    assert_passed(&package);
    let db = verify(m.params_database(json!({"startDate": start})))
        .await
        .expect("verify");
    assert_passed(&db);
    assert_eq!(db.summary.source_messages, package.summary.source_messages);
    for quick in [
        m.params_package(json!({"quick": true})),
        m.params_database(json!({"quick": true, "startDate": start})),
    ] {
        assert_passed(&verify(quick).await.expect("quick"));
    }
    // Without the cut-off every legacy message is expected: the older ones are missing in the target.
    let all = verify(m.params_database(json!({}))).await.expect("verify");
    assert!(!all.summary.passed);
    assert!(all.summary.source_messages > all.summary.target_messages);
    let first = problems(&all)[0]
        .first_difference
        .clone()
        .expect("a difference");
    assert!(
        first.starts_with("message chatId ") && first.ends_with(": missing in target"),
        "{first}"
    );
    // A package carries its own cut-off: -StartDate is refused with one.
    let refused = verify(m.params_package(json!({"startDate": start})))
        .await
        .expect_err("refused");
    assert!(
        refused.to_string().contains("database source only"),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rename_import_verifies_under_rename_and_the_target_s_own_rooms_are_extra() {
    let m = migrated("rename", 9111).await;
    let (_, name, _) = busy_room(&m, 1).await;
    // A second target that already holds a category and a room of that name: the import renames ours.
    let target = apply_support::fresh_target(&m.server).await;
    let mut admin = m.server.admin(&target).await;
    admin
        .simple_query(format!(
            "INSERT INTO dbo.tblNode (nodeGuid, parentID, nodeType, nodeName, nodeDesc, invite, logged, filePost, \
             disabled, behavior, visibility, nodeAddedBy, nodeAddedOn, nodeUpdatedBy, nodeUpdatedOn) \
             VALUES (NEWID(), 1, 1, N'Theirs', N'', 1, 1, 1, 0, 4, 3, 1, 0, 1, 0); \
             INSERT INTO dbo.tblNode (nodeGuid, parentID, nodeType, nodeName, nodeDesc, invite, logged, filePost, \
             disabled, behavior, visibility, nodeAddedBy, nodeAddedOn, nodeUpdatedBy, nodeUpdatedOn) \
             SELECT NEWID(), nodeID, 0, N'{}', N'', NULL, NULL, NULL, 0, 4, 2, 1, 0, 1, 0 FROM dbo.tblNode \
             WHERE nodeName = N'Theirs'",
            name.replace('\'', "''")
        ))
        .await
        .expect("theirs")
        .into_results()
        .await
        .expect("theirs");
    Box::pin(apply_support::import_operation_with(
        &m.server, &target, &m.package, &m.names, "Rename",
    ))
    .await
    .expect("import with Rename");
    let params = |action: &str| {
        json!({
            "connection": m.server.connection_params(Some(&target)),
            "fileName": m.package.display().to_string(),
            "nameMapFile": m.names.display().to_string(),
            "conflictAction": action,
        })
    };
    let r = verify(params("Rename")).await.expect("verify");
    let mut found: Vec<(VerifyKind, String, VerifyStatus)> = problems(&r)
        .iter()
        .map(|i| (i.kind, i.name.clone(), i.status))
        .collect();
    found.sort();
    let mut expected = vec![
        (
            VerifyKind::Category,
            "Theirs".to_string(),
            VerifyStatus::Extra,
        ),
        (VerifyKind::Room, name.clone(), VerifyStatus::Extra),
    ];
    expected.sort();
    assert_eq!(found, expected, "only the target's own nodes are reported");
    // Verified with the wrong -ConflictAction, the renamed room's name is a difference.
    let r = verify(params("Fail")).await.expect("verify");
    let renamed = problems(&r)
        .into_iter()
        .find(|i| i.status == VerifyStatus::Mismatch)
        .expect("the renamed room");
    assert_eq!(
        renamed.first_difference.as_deref(),
        Some(format!("name differs (expected '{name}', found '{name} (migrated)')").as_str())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_is_written_beside_and_never_replaced_without_force() {
    let m = migrated("report", 9106).await;
    let html = m.dir.join("verify.html");
    let r = verify(m.params_package(json!({"report": html.display().to_string()})))
        .await
        .expect("verify");
    let files = r.report.expect("report files");
    let back: VerifyResult =
        serde_json::from_str(&std::fs::read_to_string(&files.json).expect("json")).expect("parses");
    assert_eq!(back.items, r.items);
    assert!(std::fs::read_to_string(&files.html)
        .expect("html")
        .contains("<html"));
    let again = verify(m.params_package(json!({"report": html.display().to_string()})))
        .await
        .expect_err("exists");
    assert_eq!(again.code(), "invalid_parameter");
    assert!(again.to_string().contains("-Force"), "{again}");
    verify(m.params_package(json!({"report": html.display().to_string(), "force": true})))
        .await
        .expect("replaced with force");
}
