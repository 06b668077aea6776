//! Issue 8 §2, the writes: a package imported into a fresh `mgc` lands row for row (SQL queries prove it),
//! with the admin lock released, `tblSystemRevision` bumped and new principals marked for AD refresh; a second
//! import of the same package writes nothing at all.

mod common;
#[path = "apply_support/mod.rs"]
mod apply_support;

use apply_support::*;
use chat_fixtures::Size;
use common::{fresh_dir, TestServer};
use pchat_migrate::package::PackageReader;
use pchat_migrate::target::EntityStatus;
use std::collections::BTreeMap;

/// The root category's GUID in the 2013 fixture (source and target alike).
const ROOT_GUID: &str = "00000000-0000-0000-0000-000000000002";

/// The package's chatIds per room GUID, in package order.
fn package_chat_ids(path: &std::path::Path) -> BTreeMap<String, Vec<i64>> {
    let mut reader = PackageReader::open(path).expect("package");
    let entities = reader.entities().expect("entities");
    let mut out = BTreeMap::new();
    for room in &entities.rooms {
        let mut ids = Vec::new();
        if reader.manifest().rooms.iter().any(|h| h.room_id == room.id) {
            reader
                .for_each_message(room.id, |m, _| {
                    ids.push(m.chat_id);
                    Ok(())
                })
                .expect("history");
        }
        out.insert(room.guid.to_ascii_lowercase(), ids);
    }
    out
}

async fn target_chat_ids(server: &TestServer, db: &str) -> BTreeMap<String, Vec<i64>> {
    let mut admin = server.admin(db).await;
    let rows = admin
        .simple_query(
            "SELECT CAST(n.nodeGuid AS nvarchar(36)), c.chatId FROM dbo.tblChat AS c \
             INNER JOIN dbo.tblNode AS n ON n.nodeID = c.channelId ORDER BY n.nodeGuid, c.chatId",
        )
        .await
        .expect("chat")
        .into_first_result()
        .await
        .expect("chat");
    let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for r in rows {
        let g: &str = r.get(0).expect("guid");
        let id: i64 = r.get(1).expect("chatId");
        out.entry(g.to_ascii_lowercase()).or_default().push(id);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_2013_package_lands_row_for_row_and_a_second_import_writes_nothing() {
    let server = TestServer::start();
    let dir = fresh_dir("import_apply", "roundtrip");
    let source = seeded_mgc(&server, 11, Size::Tiny).await;
    // A message that is not valid Unicode (an unpaired surrogate, legal in SQL Server's UCS-2): it must land
    // byte for byte.
    let mut admin = server.admin(&source).await;
    admin
        .simple_query(
            "INSERT INTO dbo.tblChat (channelId, chatId, chatDate, userId, isAlert, content, rtf) \
             SELECT TOP 1 channelId, chatId + 1000000, chatDate, userId, 0, \
             CAST(0x41003DD842003DD8 AS nvarchar(max)), NULL FROM dbo.tblChat ORDER BY chatId DESC; \
             UPDATE dbo.tblLastChatId SET lastChatID = (SELECT MAX(chatId) FROM dbo.tblChat) \
             WHERE nodeID = (SELECT TOP 1 channelId FROM dbo.tblChat ORDER BY chatId DESC)",
        )
        .await
        .expect("lossy message")
        .into_results()
        .await
        .expect("lossy message");
    let package = export(&server, &source, &dir).await;
    let db = fresh_target(&server).await;

    let prepared = prepare(&server, &db, &package, 7).await;
    let rooms_planned = prepared.plan.rooms.len();
    let (result, events) = run(&server, &db, prepared).await;
    let outcome = result.expect("import");

    // Every message of every room, in chatId order, under the room of the same GUID.
    let mut expected = package_chat_ids(&package);
    expected.retain(|_, ids| !ids.is_empty());
    let landed = target_chat_ids(&server, &db).await;
    assert_eq!(landed, expected, "messages per room");
    let total: usize = expected.values().map(Vec::len).sum();
    assert!(total > 0, "the fixture has messages");
    assert_eq!(outcome.summary.messages_imported, total as u64);
    assert_eq!(outcome.summary.rooms.created, rooms_planned as u64);

    // tblLastChatId holds each room's highest chatId, one row per room.
    let mut admin = server.admin(&db).await;
    let last = admin
        .simple_query(
            "SELECT CAST(n.nodeGuid AS nvarchar(36)), l.lastChatID FROM dbo.tblLastChatId AS l \
             INNER JOIN dbo.tblNode AS n ON n.nodeID = l.nodeID",
        )
        .await
        .expect("last")
        .into_first_result()
        .await
        .expect("last");
    let last: BTreeMap<String, i64> = last
        .iter()
        .map(|r| (r.get::<&str, _>(0).expect("g").to_ascii_lowercase(), r.get::<i64, _>(1).expect("id")))
        .collect();
    let want: BTreeMap<String, i64> =
        expected.iter().map(|(g, ids)| (g.clone(), *ids.iter().max().expect("max"))).collect();
    assert_eq!(last, want, "tblLastChatId");

    // The lock is gone, the revision bumped once, new principals marked dirty with their self-affiliation.
    assert_eq!(scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblAdminLock").await, 0);
    assert_eq!(scalar(&server, &db, "SELECT MAX(sysRevision) FROM dbo.tblSystemRevision").await, 2);
    let created = outcome.summary.principals.created as i64;
    assert!(created > 0);
    assert_eq!(
        scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblPrincipalMeta WHERE prinAffiliationsDirty = 1 AND prinAttributesDirty = 1").await,
        created
    );
    assert_eq!(
        scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblPrincipalAffiliations WHERE principalID = affiliationID AND [index] = -1").await,
        created
    );
    assert!(events.iter().any(|e| matches!(e, pchat_migrate::jobs::JobEvent::Progress { status, .. } if status.starts_with("Writing chat"))));

    // Nothing converted: the chat, nodes, roles, scopes and add-ins equal the source's row for row, ids
    // apart (content compared as its UTF-16 bytes).
    let tables = ["tblChat", "tblNode", "tblSiopWhiteList", "tblLastChatId"];
    let (from, to) = (checksums(&server, &source, &[]).await, checksums(&server, &db, &[]).await);
    for table in tables {
        assert_eq!(from[table], to[table], "{table} differs from the source");
    }
    // Scopes: the categories' (not the root's), each written by the system principal.
    let scopes = |rows: &Vec<String>| -> Vec<String> {
        let mut out: Vec<String> = rows
            .iter()
            .filter(|r| !r.starts_with(ROOT_GUID))
            .map(|r| r.rsplit_once('|').expect("columns").0.to_string())
            .collect();
        out.sort();
        out
    };
    assert_eq!(scopes(&from["tblScopePrincipal"]), scopes(&to["tblScopePrincipal"]), "scopes");
    assert!(!scopes(&to["tblScopePrincipal"]).is_empty());
    // Roles: the rooms' and the categories' Creators (the root's roles are not the import's to write; the
    // writer of a role row is the system principal).
    let role_sql = "SELECT COUNT(*) FROM dbo.tblPrincipalRole AS r INNER JOIN dbo.tblNode AS n \
                    ON n.nodeID = r.prinRoleNodeID INNER JOIN dbo.tblRoleType AS t ON t.rtypeID = r.prinRoleTypeID \
                    WHERE n.nodeType = 0 OR (t.rtypeDesc = N'Creator' AND n.parentID <> n.nodeID)";
    let roles = scalar(&server, &source, role_sql).await;
    assert!(roles > 0);
    assert_eq!(scalar(&server, &db, role_sql).await, roles, "room and creator roles");
    assert_eq!(
        scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblChat WHERE CAST(content AS varbinary(max)) = 0x41003DD842003DD8").await,
        1,
        "the non-Unicode message landed exactly"
    );

    // The second import: nothing written, not even the lock or the revision.
    let before = checksums(&server, &db, &[]).await;
    let again = prepare(&server, &db, &package, 7).await;
    let (second, _) = run(&server, &db, again).await;
    let second = second.expect("second import");
    assert_same(&before, &checksums(&server, &db, &[]).await);
    assert_eq!(second.summary.messages_imported, 0);
    assert_eq!(second.summary.messages_already_present, total as u64);
    assert!(second.entities.iter().all(|e| e.status == EntityStatus::Skipped), "{:?}", second.entities);
    server.drop_database(&db).await;
}

/// The first room with at least three messages: (plan index, target node id, name).
async fn busy_room(server: &TestServer, db: &str, prepared: &pchat_migrate::target::plan::PreparedImport) -> (usize, i32, String) {
    let (index, step) = prepared
        .plan
        .rooms
        .iter()
        .enumerate()
        .find(|(_, r)| r.planned.messages >= 3)
        .expect("a room with messages");
    let guid = tiberius::Uuid::parse_str(&step.planned.guid).expect("guid");
    let mut admin = server.admin(db).await;
    let row = admin
        .query("SELECT nodeID FROM dbo.tblNode WHERE nodeGuid = @P1", &[&guid])
        .await
        .expect("node")
        .into_row()
        .await
        .expect("node")
        .expect("the room is in the target");
    let id: i32 = row.get(0).expect("nodeID");
    (index, id, step.name.clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_room_the_import_cannot_reconcile_stops_the_run_naming_it() {
    let server = TestServer::start();
    let dir = fresh_dir("import_apply", "reconcile");
    let package = exported_mgc(&server, &dir, 12, Size::Tiny).await;
    let db = fresh_target(&server).await;
    run(&server, &db, prepare(&server, &db, &package, 50).await).await.0.expect("import");
    let prepared = prepare(&server, &db, &package, 50).await;
    let (_, node, name) = busy_room(&server, &db, &prepared).await;
    // Someone removed a message below the room's highest chatId.
    let mut admin = server.admin(&db).await;
    admin
        .execute(
            "DELETE FROM dbo.tblChat WHERE channelId = @P1 AND chatId = (SELECT MIN(chatId) FROM dbo.tblChat WHERE channelId = @P1)",
            &[&node],
        )
        .await
        .expect("delete");
    let before = scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblChat").await;
    let (result, _) = run(&server, &db, prepared).await;
    let error = result.expect_err("the room cannot be resumed");
    assert_eq!(error.code(), "target_state_conflict", "{error}");
    assert!(error.to_string().contains(&name), "{error}");
    assert_eq!(scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblChat").await, before, "no message written");
    assert_eq!(scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblAdminLock").await, 0, "lock released");
}

#[tokio::test(flavor = "multi_thread")]
async fn overwrite_replaces_a_rooms_settings_guid_roles_and_messages() {
    let server = TestServer::start();
    let dir = fresh_dir("import_apply", "overwrite");
    let package = exported_mgc(&server, &dir, 13, Size::Tiny).await;
    let db = fresh_target(&server).await;
    run(&server, &db, prepare(&server, &db, &package, 50).await).await.0.expect("import");
    let mut prepared = prepare(&server, &db, &package, 50).await;
    let (index, node, _) = busy_room(&server, &db, &prepared).await;
    // The target's room of that name is another room: other GUID, description, an extra role and message.
    let mut admin = server.admin(&db).await;
    admin
        .execute(
            "UPDATE dbo.tblNode SET nodeGuid = NEWID(), nodeDesc = N'theirs' WHERE nodeID = @P1; \
             INSERT INTO dbo.tblChat (channelId, chatId, chatDate, userId, isAlert, content) \
             VALUES (@P1, 999999, 634609728000000000, 1, 0, N'not the package''s'); \
             UPDATE dbo.tblLastChatId SET lastChatID = 999999 WHERE nodeID = @P1; \
             INSERT INTO dbo.tblPrincipalRole (prinRoleNodeID, prinRolePrinID, prinRoleTypeID, prinRoleUpdatedBy) \
             VALUES (@P1, 1, 4, 1)",
            &[&node],
        )
        .await
        .expect("theirs");
    let package_ids = package_chat_ids(&package);
    let step = &mut prepared.plan.rooms[index];
    step.action = pchat_migrate::target::StepAction::Overwrite { target_id: node };
    let guid = step.planned.guid.to_ascii_lowercase();
    let desc = step.planned.description.clone();
    let roles = (step.planned.members.len() + step.planned.managers.len() + step.planned.presenters.len()) as i64;
    let (result, _) = run(&server, &db, prepared).await;
    let outcome = result.expect("overwrite");
    let room = outcome.entities.iter().find(|e| e.entity_type == "Room" && e.notes.starts_with("overwritten")).expect("overwritten room");
    assert!(room.notes.contains(&format!("{} messages deleted", package_ids[&guid].len() + 1)), "{}", room.notes);
    let landed = target_chat_ids(&server, &db).await;
    assert_eq!(landed[&guid], package_ids[&guid], "exactly the package's messages");
    let mut admin = server.admin(&db).await;
    let row = admin
        .query("SELECT nodeGuid, nodeDesc FROM dbo.tblNode WHERE nodeID = @P1", &[&node])
        .await
        .expect("node")
        .into_row()
        .await
        .expect("node")
        .expect("node");
    let (g, d): (tiberius::Uuid, &str) = (row.get(0).expect("guid"), row.get(1).expect("desc"));
    assert_eq!((g.to_string().to_ascii_lowercase(), d), (guid.clone(), desc.as_str()), "GUID and settings are the package's");
    assert_eq!(scalar(&server, &db, &format!("SELECT COUNT(*) FROM dbo.tblPrincipalRole WHERE prinRoleNodeID = {node}")).await, roles);
    assert_eq!(
        scalar(&server, &db, &format!("SELECT MAX(lastChatID) FROM dbo.tblLastChatId WHERE nodeID = {node}")).await,
        999999,
        "tblLastChatId is never lowered"
    );
}
