//! Issue 8 §2, the writes: a package imported into a fresh `mgc` lands row for row (SQL queries prove it),
//! with the admin lock released, `tblSystemRevision` bumped and new principals marked for AD refresh; a second
//! import of the same package writes nothing at all.

#[path = "apply_support/mod.rs"]
mod apply_support;
mod common;

use apply_support::*;
use chat_fixtures::Size;
use common::{fresh_dir, run_job, TestServer};
use pchat_migrate::package::PackageReader;
use pchat_migrate::target::EntityStatus;
use serde_json::json;
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
        .map(|r| {
            (
                r.get::<&str, _>(0).expect("g").to_ascii_lowercase(),
                r.get::<i64, _>(1).expect("id"),
            )
        })
        .collect();
    let want: BTreeMap<String, i64> = expected
        .iter()
        .map(|(g, ids)| (g.clone(), *ids.iter().max().expect("max")))
        .collect();
    assert_eq!(last, want, "tblLastChatId");

    // The lock is gone, the revision bumped once, new principals marked dirty with their self-affiliation.
    assert_eq!(
        scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblAdminLock").await,
        0
    );
    assert_eq!(
        scalar(
            &server,
            &db,
            "SELECT MAX(sysRevision) FROM dbo.tblSystemRevision"
        )
        .await,
        2
    );
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
    let (from, to) = (
        checksums(&server, &source, &[]).await,
        checksums(&server, &db, &[]).await,
    );
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
    assert_eq!(
        scopes(&from["tblScopePrincipal"]),
        scopes(&to["tblScopePrincipal"]),
        "scopes"
    );
    assert!(!scopes(&to["tblScopePrincipal"]).is_empty());
    // Roles: the rooms' and the categories' Creators (the root's roles are not the import's to write; the
    // writer of a role row is the system principal).
    let role_sql = "SELECT COUNT(*) FROM dbo.tblPrincipalRole AS r INNER JOIN dbo.tblNode AS n \
                    ON n.nodeID = r.prinRoleNodeID INNER JOIN dbo.tblRoleType AS t ON t.rtypeID = r.prinRoleTypeID \
                    WHERE n.nodeType = 0 OR (t.rtypeDesc = N'Creator' AND n.parentID <> n.nodeID)";
    let roles = scalar(&server, &source, role_sql).await;
    assert!(roles > 0);
    assert_eq!(
        scalar(&server, &db, role_sql).await,
        roles,
        "room and creator roles"
    );
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
    assert!(
        second
            .entities
            .iter()
            .all(|e| e.status == EntityStatus::Skipped),
        "{:?}",
        second.entities
    );
    server.drop_database(&db).await;
}

/// The first room with at least three messages: (plan index, target node id, name).
async fn busy_room(
    server: &TestServer,
    db: &str,
    prepared: &pchat_migrate::target::plan::PreparedImport,
) -> (usize, i32, String) {
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
        .query(
            "SELECT nodeID FROM dbo.tblNode WHERE nodeGuid = @P1",
            &[&guid],
        )
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
    run(&server, &db, prepare(&server, &db, &package, 50).await)
        .await
        .0
        .expect("import");
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
    assert_eq!(
        scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblChat").await,
        before,
        "no message written"
    );
    assert_eq!(
        scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblAdminLock").await,
        0,
        "lock released"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn overwrite_replaces_a_rooms_settings_guid_roles_and_messages() {
    let server = TestServer::start();
    let dir = fresh_dir("import_apply", "overwrite");
    let package = exported_mgc(&server, &dir, 13, Size::Tiny).await;
    let db = fresh_target(&server).await;
    run(&server, &db, prepare(&server, &db, &package, 50).await)
        .await
        .0
        .expect("import");
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
    let roles = (step.planned.members.len()
        + step.planned.managers.len()
        + step.planned.presenters.len()) as i64;
    let (result, _) = run(&server, &db, prepared).await;
    let outcome = result.expect("overwrite");
    let room = outcome
        .entities
        .iter()
        .find(|e| e.entity_type == "Room" && e.notes.starts_with("overwritten"))
        .expect("overwritten room");
    assert!(
        room.notes.contains(&format!(
            "{} messages deleted",
            package_ids[&guid].len() + 1
        )),
        "{}",
        room.notes
    );
    let landed = target_chat_ids(&server, &db).await;
    assert_eq!(
        landed[&guid], package_ids[&guid],
        "exactly the package's messages"
    );
    let mut admin = server.admin(&db).await;
    let row = admin
        .query(
            "SELECT nodeGuid, nodeDesc FROM dbo.tblNode WHERE nodeID = @P1",
            &[&node],
        )
        .await
        .expect("node")
        .into_row()
        .await
        .expect("node")
        .expect("node");
    let (g, d): (tiberius::Uuid, &str) = (row.get(0).expect("guid"), row.get(1).expect("desc"));
    assert_eq!(
        (g.to_string().to_ascii_lowercase(), d),
        (guid.clone(), desc.as_str()),
        "GUID and settings are the package's"
    );
    assert_eq!(
        scalar(
            &server,
            &db,
            &format!("SELECT COUNT(*) FROM dbo.tblPrincipalRole WHERE prinRoleNodeID = {node}")
        )
        .await,
        roles
    );
    assert_eq!(
        scalar(
            &server,
            &db,
            &format!("SELECT MAX(lastChatID) FROM dbo.tblLastChatId WHERE nodeID = {node}")
        )
        .await,
        999999,
        "tblLastChatId is never lowered"
    );
}

/// A generated legacy deployment in `schema`, exported.
async fn exported_legacy(
    server: &TestServer,
    schema: chat_fixtures::Schema,
    seed: u64,
    dir: &std::path::Path,
) -> (chat_fixtures::Deployment, std::path::PathBuf) {
    let db = common::unique_db_name("apply_legacy");
    let mut admin = server.admin("master").await;
    chat_fixtures::create_database_as(&mut admin, &db, schema)
        .await
        .expect("legacy schema");
    let model = chat_fixtures::generate_model(seed, Size::Tiny);
    chat_fixtures::write_schema(&mut admin, &model, schema)
        .await
        .expect("legacy data");
    (model, export(server, &db, dir).await)
}

async fn count(server: &TestServer, db: &str, sql: &str, guid: &tiberius::Uuid) -> i64 {
    let mut admin = server.admin(db).await;
    let row = admin
        .query(sql, &[guid])
        .await
        .expect(sql)
        .into_row()
        .await
        .expect(sql)
        .expect("a row");
    let n: i32 = row.get(0).expect("count");
    i64::from(n)
}

/// Export → transform → import into a fresh `mgc`, then SQL queries prove each conversion landed.
async fn legacy_lands_converted(schema: chat_fixtures::Schema, seed: u64, name: &str) {
    let server = TestServer::start();
    let dir = fresh_dir("import_apply", name);
    let (dep, package) = exported_legacy(&server, schema, seed, &dir).await;
    let db = fresh_target(&server).await;
    let (prepared, model) = prepare_transformed(&server, &db, &package, 9).await;
    let (result, _) = run(&server, &db, prepared).await;
    let outcome = result.expect("import");
    let edge = &dep.edge;

    // One level of categories under the root; every room in one of them, named with its categories' names.
    assert_eq!(
        scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblNode AS c WHERE c.nodeType = 1 AND c.nodeID <> c.parentID \
                              AND c.parentID <> (SELECT nodeID FROM dbo.tblNode WHERE nodeID = parentID)").await,
        0,
        "categories one level below the root"
    );
    assert_eq!(
        scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblNode AS r INNER JOIN dbo.tblNode AS c ON c.nodeID = r.parentID \
                              WHERE r.nodeType = 0 AND (c.nodeType <> 1 OR c.nodeID = c.parentID)").await,
        0,
        "rooms in a category below the root"
    );
    let renamed: std::collections::BTreeSet<&str> = model
        .rooms
        .iter()
        .filter(|r| r.name.starts_with("Renamed "))
        .map(|r| r.source_path.as_str())
        .collect();
    let mut checked = 0;
    for room in dep.rooms.iter().filter(|r| !r.disabled) {
        // docs/conversion-rules.md: a room of a top-level category keeps its name, deeper ones get the path.
        let prefixed = if dep.category_path(room.category_id).len() > 1 {
            dep.prefixed_room_name(room, " - ")
        } else {
            room.name.clone()
        };
        let path = {
            let mut p = dep.category_path(room.category_id);
            p.push(&room.name);
            p.join("\\")
        };
        if prefixed.chars().count() > 256 || renamed.contains(path.as_str()) {
            continue;
        }
        let mut admin = server.admin(&db).await;
        let row = admin
            .query(
                "SELECT nodeName FROM dbo.tblNode WHERE nodeGuid = @P1",
                &[&room.guid],
            )
            .await
            .expect("q")
            .into_row()
            .await
            .expect("q")
            .expect("room imported");
        let got: &str = row.get(0).expect("name");
        assert_eq!(got, prefixed, "room {}", room.id);
        checked += 1;
    }
    assert!(checked > 3);
    let deep: Vec<&str> = edge
        .deep_category_chain
        .iter()
        .map(|id| dep.category(*id).expect("category").name.as_str())
        .collect();
    assert!(
        scalar(
            &server,
            &db,
            &format!(
                "SELECT COUNT(*) FROM dbo.tblNode WHERE nodeType = 1 AND nodeName = N'{}'",
                deep[..2].join(" - ").replace('\'', "''")
            )
        )
        .await
            == 1,
        "a subcategory is named with its parent's name"
    );
    assert_eq!(
        scalar(
            &server,
            &db,
            "SELECT COUNT(*) FROM dbo.tblNode WHERE nodeType = 0"
        )
        .await,
        model.rooms.len() as i64
    );
    let disabled = dep.room(edge.disabled_room).expect("disabled room");
    assert_eq!(
        count(
            &server,
            &db,
            "SELECT COUNT(*) FROM dbo.tblNode WHERE nodeGuid = @P1",
            &disabled.guid
        )
        .await,
        0,
        "disabled rooms skipped"
    );

    // Root managers manage every room.
    for id in &edge.root_managers {
        let p = dep.principal(*id).expect("manager");
        let managed = count(
            &server,
            &db,
            "SELECT COUNT(*) FROM dbo.tblPrincipalRole AS r INNER JOIN dbo.tblPrincipal AS p ON p.prinID = r.prinRolePrinID \
             INNER JOIN dbo.tblRoleType AS t ON t.rtypeID = r.prinRoleTypeID INNER JOIN dbo.tblNode AS n ON n.nodeID = r.prinRoleNodeID \
             WHERE p.prinGuid = @P1 AND t.rtypeDesc = N'Manager' AND n.nodeType = 0",
            &p.guid,
        )
        .await;
        assert_eq!(
            managed,
            model.rooms.len() as i64,
            "root manager {id} manages every room"
        );
    }
    assert!(!edge.root_managers.is_empty());

    // Inherited membership materialised: every room role the transform planned is a row, none more.
    let planned: usize = model
        .rooms
        .iter()
        .map(|r| r.members.len() + r.managers.len() + r.presenters.len())
        .sum();
    assert_eq!(
        scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblPrincipalRole AS r INNER JOIN dbo.tblNode AS n ON n.nodeID = r.prinRoleNodeID WHERE n.nodeType = 0").await,
        planned as i64
    );
    let inherited = model
        .rooms
        .iter()
        .find(|r| r.source_id == edge.deep_room)
        .expect("deep room");
    assert!(!inherited.members.is_empty() || !inherited.managers.is_empty());
    // Presenters on auditorium rooms only.
    let voiced_sql = "SELECT COUNT(*) FROM dbo.tblPrincipalRole AS r INNER JOIN dbo.tblRoleType AS t ON t.rtypeID = r.prinRoleTypeID \
                      INNER JOIN dbo.tblNode AS n ON n.nodeID = r.prinRoleNodeID WHERE t.rtypeDesc = N'Voiced' AND n.nodeGuid = @P1";
    let auditorium = dep.room(edge.auditorium_room).expect("auditorium");
    assert!(
        count(&server, &db, voiced_sql, &auditorium.guid).await > 0,
        "presenters of the auditorium room"
    );
    assert_eq!(
        scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblPrincipalRole AS r INNER JOIN dbo.tblRoleType AS t ON t.rtypeID = r.prinRoleTypeID \
                              INNER JOIN dbo.tblNode AS n ON n.nodeID = r.prinRoleNodeID INNER JOIN dbo.tblEnumValue AS v ON v.valueID = n.behavior \
                              WHERE t.rtypeDesc = N'Voiced' AND v.attributeValue <> N'auditorium'").await,
        0
    );
    // Scopes as allowed members of the categories.
    let allowed: usize = model.categories.iter().map(|c| c.allowed.len()).sum();
    assert!(allowed > 0);
    assert_eq!(
        scalar(
            &server,
            &db,
            "SELECT COUNT(*) FROM dbo.tblScopePrincipal WHERE scopeIsDenied = 0"
        )
        .await,
        allowed as i64
    );
    // Invitations off where the category's are; logged / filePost on categories only.
    let conflict = dep.room(edge.invite_conflict_room).expect("invite room");
    assert_eq!(
        count(
            &server,
            &db,
            "SELECT COUNT(*) FROM dbo.tblNode WHERE nodeGuid = @P1 AND invite = 0",
            &conflict.guid
        )
        .await,
        1,
        "invitation off"
    );
    assert_eq!(scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblNode WHERE nodeType = 0 AND (logged IS NOT NULL OR filePost IS NOT NULL)").await, 0);
    assert_eq!(scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblNode WHERE nodeType = 1 AND (logged IS NULL OR filePost IS NULL)").await, 0);
    // Federated principals disabled.
    let federated: Vec<_> = dep
        .principals
        .iter()
        .filter(|p| p.kind.is_federated())
        .collect();
    assert!(!federated.is_empty());
    for p in federated {
        let n = count(
            &server,
            &db,
            "SELECT COUNT(*) FROM dbo.tblPrincipal WHERE prinGuid = @P1 AND prinDisabled = 1",
            &p.guid,
        )
        .await;
        let imported = model
            .principals
            .iter()
            .any(|m| m.guid.eq_ignore_ascii_case(&p.guid.to_string()));
        assert_eq!(
            n,
            i64::from(imported),
            "federated principal {} disabled",
            p.uri
        );
    }
    // Messages per room in chatId order, tblLastChatId, revision, principal meta.
    let mut expected = package_chat_ids(&package);
    let imported: std::collections::BTreeSet<String> = model
        .rooms
        .iter()
        .map(|r| r.guid.to_ascii_lowercase())
        .collect();
    expected.retain(|g, ids| imported.contains(g) && !ids.is_empty());
    assert_eq!(target_chat_ids(&server, &db).await, expected);
    assert_eq!(
        scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblLastChatId").await,
        expected.len() as i64
    );
    assert_eq!(
        scalar(
            &server,
            &db,
            "SELECT MAX(sysRevision) FROM dbo.tblSystemRevision"
        )
        .await,
        2
    );
    assert_eq!(
        scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblPrincipalMeta WHERE prinAffiliationsDirty = 1 AND prinAttributesDirty = 1").await,
        outcome.summary.principals.created as i64
    );

    // A second import writes nothing.
    let before = checksums(&server, &db, &[]).await;
    let (again, _) = prepare_transformed(&server, &db, &package, 9).await;
    let second = run(&server, &db, again).await.0.expect("second import");
    assert_eq!(second.summary.messages_imported, 0);
    assert_same(&before, &checksums(&server, &db, &[]).await);
    server.drop_database(&db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lync_2010_deployment_lands_converted() {
    Box::pin(legacy_lands_converted(
        chat_fixtures::Schema::from(chat_fixtures::DatabaseKind::Legacy2010),
        31,
        "lync2010",
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ocs_r2_deployment_lands_converted() {
    Box::pin(legacy_lands_converted(
        chat_fixtures::Schema::from(chat_fixtures::DatabaseKind::OcsR2),
        32,
        "ocsr2",
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_published_columns_only_lync_2010_deployment_lands_converted() {
    Box::pin(legacy_lands_converted(
        chat_fixtures::Schema::published_only(chat_fixtures::DatabaseKind::Legacy2010),
        33,
        "pub2010",
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_published_columns_only_ocs_r2_deployment_lands_converted() {
    Box::pin(legacy_lands_converted(
        chat_fixtures::Schema::published_only(chat_fixtures::DatabaseKind::OcsR2),
        34,
        "pubocs",
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn skip_and_rename_are_obeyed_in_a_non_empty_target() {
    let server = TestServer::start();
    let dir = fresh_dir("import_apply", "skip_rename");
    let package = exported_mgc(&server, &dir, 14, Size::Tiny).await;
    let db = fresh_target(&server).await;
    // The target already has a category of its own.
    let mut admin = server.admin(&db).await;
    admin
        .simple_query(
            "INSERT INTO dbo.tblNode (nodeGuid, parentID, nodeType, nodeName, nodeDesc, invite, logged, filePost, disabled, \
             behavior, visibility, nodeAddedBy, nodeAddedOn, nodeUpdatedBy, nodeUpdatedOn) \
             VALUES (NEWID(), 1, 1, N'Theirs', N'', 1, 1, 1, 0, 4, 3, 1, 0, 1, 0)",
        )
        .await
        .expect("theirs")
        .into_results()
        .await
        .expect("theirs");
    let theirs = scalar(
        &server,
        &db,
        "SELECT nodeID FROM dbo.tblNode WHERE nodeName = N'Theirs'",
    )
    .await as i32;
    let mut prepared = prepare(&server, &db, &package, 50).await;
    let with_rooms = |guid: &str, p: &pchat_migrate::target::plan::PreparedImport| {
        p.plan
            .rooms
            .iter()
            .filter(|r| r.planned.category_guid.eq_ignore_ascii_case(guid))
            .count()
    };
    let skipped = prepared
        .plan
        .categories
        .iter()
        .position(|c| with_rooms(&c.planned.guid, &prepared) > 0)
        .expect("a category with rooms");
    let renamed = (0..prepared.plan.categories.len())
        .find(|i| *i != skipped)
        .expect("another category");
    let skipped_guid = prepared.plan.categories[skipped].planned.guid.clone();
    let rooms_moved = with_rooms(&skipped_guid, &prepared) as i64;
    prepared.plan.categories[skipped].action = pchat_migrate::target::StepAction::Skip {
        reason: "-ConflictAction Skip: 'Theirs' exists".into(),
        target_id: Some(theirs),
    };
    prepared.plan.categories[renamed].name = "Renamed (migrated)".into();
    let renamed_guid =
        tiberius::Uuid::parse_str(&prepared.plan.categories[renamed].planned.guid).expect("guid");
    let outcome = run(&server, &db, prepared).await.0.expect("import");
    // Skip: nothing of the package's category written; its rooms are in the target's category.
    let skipped_guid = tiberius::Uuid::parse_str(&skipped_guid).expect("guid");
    assert_eq!(
        count(
            &server,
            &db,
            "SELECT COUNT(*) FROM dbo.tblNode WHERE nodeGuid = @P1",
            &skipped_guid
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &server,
            &db,
            &format!("SELECT COUNT(*) FROM dbo.tblNode WHERE parentID = {theirs} AND nodeType = 0")
        )
        .await,
        rooms_moved
    );
    assert_eq!(
        scalar(
            &server,
            &db,
            &format!(
                "SELECT COUNT(*) FROM dbo.tblNode WHERE nodeID = {theirs} AND nodeName = N'Theirs'"
            )
        )
        .await,
        1,
        "theirs untouched"
    );
    assert!(outcome.entities.iter().any(|e| e.entity_type == "Category"
        && e.status == EntityStatus::Skipped
        && e.notes.contains("Theirs")));
    // Rename: the package's category under its new name.
    assert_eq!(
        count(&server, &db, "SELECT COUNT(*) FROM dbo.tblNode WHERE nodeGuid = @P1 AND nodeName = N'Renamed (migrated)'", &renamed_guid).await,
        1
    );
}

/// The whole `import` operation (the planner, then the writes): a Lync 2010 deployment lands, and a second
/// import finds everything in place and writes nothing (every table checksummed).
#[tokio::test(flavor = "multi_thread")]
async fn the_import_operation_imports_then_finds_nothing_to_write() {
    let server = TestServer::start();
    let dir = fresh_dir("import_apply", "operation");
    let schema = chat_fixtures::Schema::from(chat_fixtures::DatabaseKind::Legacy2010);
    let (dep, package) = Box::pin(exported_legacy(&server, schema, 35, &dir)).await;
    let names = dir.join("names.json");
    write_name_map(&package, &names);
    let db = fresh_target(&server).await;
    let first = Box::pin(import_operation(&server, &db, &package, &names))
        .await
        .expect("import");
    assert!(!first.what_if);
    let messages: u64 = dep
        .rooms
        .iter()
        .filter(|r| !r.disabled)
        .map(|r| r.message_count)
        .sum();
    assert_eq!(first.summary.messages_imported, messages);
    assert_eq!(
        scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblChat").await,
        messages as i64
    );
    assert!(first.summary.rooms.created > 0);
    assert_eq!(
        scalar(
            &server,
            &db,
            "SELECT MAX(sysRevision) FROM dbo.tblSystemRevision"
        )
        .await,
        2
    );

    let before = checksums(&server, &db, &[]).await;
    let second = Box::pin(import_operation(&server, &db, &package, &names))
        .await
        .expect("second import");
    assert_same(&before, &checksums(&server, &db, &[]).await);
    assert_eq!(second.summary.messages_imported, 0);
    assert_eq!(second.summary.messages_already_present, messages);
    let written: Vec<_> = second
        .entities
        .iter()
        .filter(|e| e.status == EntityStatus::Successful)
        .collect();
    assert!(written.is_empty(), "{written:?}");

    // A -WhatIf now says "up to date" (skip), not "would update": the real run would write nothing.
    let request = json!({"operation": "import", "params": {
        "connection": server.connection_params(Some(&db)),
        "fileName": package.display().to_string(),
        "nameMapFile": names.display().to_string(),
        "whatIf": true,
    }});
    let value = tokio::task::spawn_blocking(move || run_job(request).0)
        .await
        .expect("join")
        .expect("what-if");
    let plan: pchat_migrate::target::result::ImportResult =
        serde_json::from_value(value).expect("an ImportResult");
    assert!(plan.what_if);
    let nodes: Vec<_> = plan
        .entities
        .iter()
        .filter(|e| e.entity_type == "Category" || e.entity_type == "Room")
        .collect();
    assert!(!nodes.is_empty());
    for e in &nodes {
        assert_eq!(e.status, EntityStatus::WouldSkip, "{e:?}");
    }
    assert!(
        nodes.iter().any(|e| e.notes.contains("up to date")),
        "{nodes:?}"
    );
    assert_eq!(
        plan.summary.rooms.updated + plan.summary.categories.updated,
        0
    );
    assert_same(&before, &checksums(&server, &db, &[]).await);
    server.drop_database(&db).await;
}

/// Every ConflictAction through the import operation, in a target that already holds the package's items
/// under other GUIDs (someone else's categories and rooms of the same names, with their own messages).
#[tokio::test(flavor = "multi_thread")]
async fn each_conflict_action_through_the_import_operation() {
    let server = TestServer::start();
    let dir = fresh_dir("import_apply", "conflicts");
    let schema = chat_fixtures::Schema::from(chat_fixtures::DatabaseKind::Legacy2010);
    let (_, package) = Box::pin(exported_legacy(&server, schema, 36, &dir)).await;
    let names = dir.join("names.json");
    write_name_map(&package, &names);
    let theirs = |db: String| {
        let server = &server;
        let (package, names) = (&package, &names);
        async move {
            Box::pin(import_operation(server, &db, package, names))
                .await
                .expect("their import");
            let mut admin = server.admin(&db).await;
            admin
                .simple_query("UPDATE dbo.tblNode SET nodeGuid = NEWID() WHERE nodeID <> parentID")
                .await
                .expect("their GUIDs")
                .into_results()
                .await
                .expect("their GUIDs");
            db
        }
    };
    let messages = scalar(
        &server,
        &theirs(fresh_target(&server).await).await,
        "SELECT COUNT(*) FROM dbo.tblChat",
    )
    .await;
    let nodes_sql = "SELECT COUNT(*) FROM dbo.tblNode WHERE nodeID <> parentID";

    let fail = theirs(fresh_target(&server).await).await;
    let before = checksums(&server, &fail, &[]).await;
    let refused = Box::pin(import_operation_with(
        &server, &fail, &package, &names, "Fail",
    ))
    .await
    .expect_err("collisions");
    assert_eq!(refused.code(), "import_refused", "{refused}");
    assert_same(&before, &checksums(&server, &fail, &[]).await);

    let skip = theirs(fresh_target(&server).await).await;
    let nodes = scalar(&server, &skip, nodes_sql).await;
    let before = checksums(
        &server,
        &skip,
        &[
            "tblPrincipal",
            "tblPrincipalMeta",
            "tblPrincipalAffiliations",
            "tblSystemRevision",
        ],
    )
    .await;
    Box::pin(import_operation_with(
        &server, &skip, &package, &names, "Skip",
    ))
    .await
    .expect("skip");
    assert_eq!(
        scalar(&server, &skip, nodes_sql).await,
        nodes,
        "nothing added"
    );
    assert_same(
        &before,
        &checksums(
            &server,
            &skip,
            &[
                "tblPrincipal",
                "tblPrincipalMeta",
                "tblPrincipalAffiliations",
                "tblSystemRevision",
            ],
        )
        .await,
    );

    let overwrite = theirs(fresh_target(&server).await).await;
    let result = Box::pin(import_operation_with(
        &server,
        &overwrite,
        &package,
        &names,
        "Overwrite",
    ))
    .await
    .expect("overwrite");
    assert_eq!(
        scalar(&server, &overwrite, nodes_sql).await,
        nodes,
        "replaced in place"
    );
    assert_eq!(
        scalar(&server, &overwrite, "SELECT COUNT(*) FROM dbo.tblChat").await,
        messages,
        "their messages replaced, none doubled"
    );
    assert!(result.summary.rooms.updated > 0);
    // A re-run resumes the overwritten nodes (they carry the package's GUIDs now) and writes nothing.
    let before = checksums(&server, &overwrite, &[]).await;
    Box::pin(import_operation_with(
        &server,
        &overwrite,
        &package,
        &names,
        "Overwrite",
    ))
    .await
    .expect("re-run");
    assert_same(&before, &checksums(&server, &overwrite, &[]).await);

    let rename = theirs(fresh_target(&server).await).await;
    // Their 256-character room would leave no room for the " (migrated)" suffix (refused, rename_too_long).
    let mut admin = server.admin(&rename).await;
    admin
        .simple_query(
            "UPDATE dbo.tblNode SET nodeName = N'Theirs, renamed' WHERE LEN(nodeName) > 240",
        )
        .await
        .expect("short")
        .into_results()
        .await
        .expect("short");
    Box::pin(import_operation_with(
        &server, &rename, &package, &names, "Rename",
    ))
    .await
    .expect("rename");
    assert_eq!(
        scalar(&server, &rename, nodes_sql).await,
        2 * nodes,
        "imported beside theirs"
    );
    assert_eq!(
        scalar(&server, &rename, "SELECT COUNT(*) FROM dbo.tblChat").await,
        2 * messages
    );
    assert!(
        scalar(
            &server,
            &rename,
            "SELECT COUNT(*) FROM dbo.tblNode WHERE nodeName LIKE N'% (migrated)'"
        )
        .await
            > 0
    );
}

/// A 2013 package through the whole import operation (transform and planner included): nothing converted,
/// the chat, nodes, add-ins and tblLastChatId equal the source's row for row, ids apart.
#[tokio::test(flavor = "multi_thread")]
async fn a_2013_package_through_the_import_operation_equals_its_source() {
    let server = TestServer::start();
    let dir = fresh_dir("import_apply", "op2013");
    let source = seeded_mgc(&server, 15, Size::Tiny).await;
    let package = export(&server, &source, &dir).await;
    let names = dir.join("names.json");
    write_name_map(&package, &names);
    let db = fresh_target(&server).await;
    // Disabled rooms too (skipped by default, docs/conversion-rules.md), so the whole source is compared.
    let request = serde_json::json!({"operation": "import", "params": {
        "connection": server.connection_params(Some(&db)),
        "fileName": package.display().to_string(),
        "nameMapFile": names.display().to_string(),
        "includeDisabledRooms": true,
    }});
    let (result, _) = tokio::task::spawn_blocking(move || common::run_job(request))
        .await
        .expect("join");
    result.expect("import");
    let (from, to) = (
        checksums(&server, &source, &[]).await,
        checksums(&server, &db, &[]).await,
    );
    for table in ["tblChat", "tblNode", "tblSiopWhiteList", "tblLastChatId"] {
        let missing: Vec<&String> = from[table]
            .iter()
            .filter(|r| !to[table].contains(r))
            .take(2)
            .collect();
        let extra: Vec<&String> = to[table]
            .iter()
            .filter(|r| !from[table].contains(r))
            .take(2)
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{table}: missing {missing:?}, extra {extra:?}"
        );
    }
}

/// Two imports that passed the planner at the same moment: the second to take the lock finds the first's row
/// (ours, freshly extended) under the table lock and is refused before writing anything.
#[tokio::test(flavor = "multi_thread")]
async fn a_run_that_finds_a_live_runs_fresh_lock_when_taking_it_writes_nothing() {
    let server = TestServer::start();
    let dir = fresh_dir("import_apply", "concurrent-take");
    let package = exported_mgc(&server, &dir, 21, Size::Tiny).await;
    let db = fresh_target(&server).await;
    let prepared = prepare(&server, &db, &package, 50).await;
    // The other run took the lock after this one was planned, and its keeper just extended it.
    let mut admin = server.admin(&db).await;
    admin
        .execute(
            "INSERT INTO dbo.tblAdminLock (lockExpiresTime, lockServerID, lockActorID) \
             VALUES (DATEADD(second, 118, CASE WHEN GETDATE() > GETUTCDATE() THEN GETDATE() ELSE GETUTCDATE() END), \
             0, @P1)",
            &[&prepared.state.system_principal_id],
        )
        .await
        .expect("the other run's lock");
    let before = checksums(&server, &db, &[]).await;
    let (result, _) = run(&server, &db, prepared).await;
    let error = result.expect_err("refused");
    assert_eq!(error.code(), "target_not_ready", "{error}");
    assert!(
        error
            .to_string()
            .contains("another import run of pchat-migrate"),
        "{error}"
    );
    assert_same(&before, &checksums(&server, &db, &[]).await);
    // Once that run is gone (its row unextended for longer than the stale bound), the import takes it over.
    admin
        .execute(
            "UPDATE dbo.tblAdminLock SET lockExpiresTime = DATEADD(second, 60, GETUTCDATE())",
            &[],
        )
        .await
        .expect("the other run stopped extending");
    let prepared = prepare(&server, &db, &package, 50).await;
    run(&server, &db, prepared).await.0.expect("takes it over");
    assert_eq!(
        scalar(&server, &db, "SELECT COUNT(*) FROM dbo.tblAdminLock").await,
        0,
        "lock released"
    );
}

/// A new `mgc` whose `prinID` and `nodeID` are plain `int` columns, not IDENTITY (the import then assigns ids
/// itself, under a table lock).
async fn fresh_target_without_identity(server: &TestServer) -> String {
    let db = common::unique_db_name("apply_noid");
    let script = chat_fixtures::MGC_2013_SQL
        .replace("prinID int IDENTITY(1,1) NOT NULL", "prinID int NOT NULL")
        .replace("nodeID int IDENTITY(1,1) NOT NULL", "nodeID int NOT NULL");
    assert_ne!(script, chat_fixtures::MGC_2013_SQL, "the fixture's columns");
    let script: String = script
        .lines()
        .filter(|line| !line.trim_start().starts_with("SET IDENTITY_INSERT"))
        .map(|line| format!("{line}\n"))
        .collect();
    let mut admin = server.admin("master").await;
    for sql in [format!("CREATE DATABASE [{db}]"), format!("USE [{db}]")] {
        admin
            .simple_query(sql)
            .await
            .expect("database")
            .into_results()
            .await
            .expect("database");
    }
    for batch in chat_fixtures::split_batches(&script) {
        admin
            .simple_query(batch)
            .await
            .expect("schema batch")
            .into_results()
            .await
            .expect("schema batch");
    }
    db
}

#[tokio::test(flavor = "multi_thread")]
async fn a_target_without_identity_ids_gets_every_principal_node_and_message_once() {
    let server = TestServer::start();
    let dir = fresh_dir("import_apply", "no_identity");
    let package = exported_mgc(&server, &dir, 23, Size::Tiny).await;
    let names = dir.join("names.json");
    write_name_map(&package, &names);
    let db = fresh_target_without_identity(&server).await;
    for table in ["tblPrincipal", "tblNode"] {
        let id = if table == "tblNode" {
            "nodeID"
        } else {
            "prinID"
        };
        let sql = format!(
            "SELECT ISNULL(COLUMNPROPERTY(OBJECT_ID(N'dbo.{table}'), N'{id}', 'IsIdentity'), 0)"
        );
        assert_eq!(
            scalar(&server, &db, &sql).await,
            0,
            "{table}.{id} is a plain int"
        );
    }
    // The planner reads that from the target: the operation, as a host runs it.
    let outcome = Box::pin(import_operation(&server, &db, &package, &names))
        .await
        .expect("import");

    // Every imported room holds exactly its package history (disabled rooms are not imported by default).
    let expected = package_chat_ids(&package);
    let landed = target_chat_ids(&server, &db).await;
    for (room, ids) in &landed {
        assert_eq!(Some(ids), expected.get(room), "room {room}");
    }
    let total: usize = landed.values().map(Vec::len).sum();
    assert!(total > 0 && landed.len() > 1);
    assert_eq!(outcome.summary.messages_imported, total as u64);
    assert!(outcome.summary.rooms.created > 0);
    // Each inserted principal has its own id, its self-affiliation and its meta row.
    let created = outcome.summary.principals.created as i64;
    assert!(created > 1);
    let principals = "SELECT COUNT(*) FROM dbo.tblPrincipal AS p INNER JOIN dbo.tblPrincipalMeta AS m \
                      ON m.prinID = p.prinID INNER JOIN dbo.tblPrincipalAffiliations AS a \
                      ON a.principalID = p.prinID AND a.affiliationID = p.prinID AND a.[index] = -1 \
                      WHERE m.prinAffiliationsDirty = 1";
    assert_eq!(scalar(&server, &db, principals).await, created);
    assert_eq!(
        scalar(
            &server,
            &db,
            "SELECT COUNT(*) - COUNT(DISTINCT prinGuid) FROM dbo.tblPrincipal"
        )
        .await,
        0,
        "no principal twice"
    );

    // A second import finds everything in place.
    let before = checksums(&server, &db, &[]).await;
    let second = Box::pin(import_operation(&server, &db, &package, &names))
        .await
        .expect("second import");
    assert_eq!(second.summary.messages_imported, 0);
    assert_same(&before, &checksums(&server, &db, &[]).await);
    server.drop_database(&db).await;
}
