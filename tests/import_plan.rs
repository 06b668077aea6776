//! Issue 8 §2, the planner: a generated Lync 2010 deployment is exported, then imported with -WhatIf (or
//! refused before its first write) into a `mgc` created from the 2013 fixture. -WhatIf writes nothing (every
//! table checksummed before and after); a target that is not `mgc`, running servers, a held admin lock, a
//! collision under Fail and an unknown principal type are refused; each -ConflictAction plans its steps; a node
//! with the package's GUID is resumed; the backup is reported.

#[path = "common/checksums.rs"]
mod checksums;
mod common;
#[path = "common/name_map.rs"]
mod name_map;
use name_map::write_name_map;

use chat_fixtures::{create_database, generate_model, write_legacy, DatabaseKind, Size};
use checksums::checksum_all;
use common::{run_job, unique_db_name, TestServer};
use pchat_migrate::target::result::ImportResult;
use pchat_migrate::target::{BackupStatus, EntityStatus};
use pchat_migrate::transform::Severity;
use pchat_migrate::PcmError;
use serde_json::{json, Value};
use std::path::PathBuf;

struct Fixture {
    server: TestServer,
    source: String,
    package: PathBuf,
    dir: PathBuf,
    /// A -NameMap file resolving the generator's over-long and colliding flattened names.
    name_map: PathBuf,
}

/// A Lync 2010 deployment exported to a package.
async fn fixture(name: &str, seed: u64) -> Fixture {
    let server = TestServer::start();
    let source = unique_db_name("plansrc");
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &source, DatabaseKind::Legacy2010)
        .await
        .expect("schema");
    let model = generate_model(seed, Size::Tiny);
    write_legacy(&mut admin, &model, DatabaseKind::Legacy2010)
        .await
        .expect("write legacy");
    let dir = common::fresh_dir("import-plan", name);
    let package = dir.join("package.zip");
    let request = json!({"operation": "export", "params": {
        "connection": server.connection_params(Some(&source)),
        "fileName": package.display().to_string(),
    }});
    let exported = tokio::task::spawn_blocking(move || run_job(request).0)
        .await
        .expect("join");
    exported.expect("export");
    let name_map = dir.join("names.json");
    write_name_map(&package, &name_map);
    Fixture {
        server,
        source,
        package,
        dir,
        name_map,
    }
}

impl Fixture {
    /// A fresh `mgc` from the 2013 fixture.
    async fn target(&self) -> String {
        let db = unique_db_name("plantgt");
        let mut admin = self.server.admin("master").await;
        create_database(&mut admin, &db, DatabaseKind::Mgc2013)
            .await
            .expect("mgc schema");
        db
    }

    async fn import(&self, target: &str, extra: Value) -> Result<ImportResult, PcmError> {
        let mut params = json!({
            "connection": self.server.connection_params(Some(target)),
            "fileName": self.package.display().to_string(),
            "nameMapFile": self.name_map.display().to_string(),
        });
        for (k, v) in extra.as_object().expect("object") {
            params[k] = v.clone();
        }
        let request = json!({"operation": "import", "params": params});
        let value = tokio::task::spawn_blocking(move || run_job(request).0)
            .await
            .expect("join")?;
        Ok(serde_json::from_value(value).expect("an ImportResult"))
    }

    async fn what_if(&self, target: &str, extra: Value) -> Result<ImportResult, PcmError> {
        let mut extra = extra;
        extra["whatIf"] = json!(true);
        self.import(target, extra).await
    }

    async fn exec(&self, db: &str, sql: &str) {
        let mut admin = self.server.admin(db).await;
        admin
            .simple_query(sql)
            .await
            .expect("statement")
            .into_results()
            .await
            .expect("results");
    }

    async fn drop_all(&self, targets: &[&str]) {
        for t in targets {
            self.server.drop_database(t).await;
        }
        self.server.drop_database(&self.source).await;
    }
}

fn names(result: &ImportResult, kind: &str) -> Vec<String> {
    result
        .entities
        .iter()
        .filter(|e| e.entity_type == kind && e.status != EntityStatus::WouldSkip)
        .map(|e| e.name.clone())
        .collect()
}

fn status_of(result: &ImportResult, kind: &str, name: &str) -> EntityStatus {
    result
        .entities
        .iter()
        .find(|e| e.entity_type == kind && e.name == name)
        .unwrap_or_else(|| panic!("{kind} '{name}' not in {:?}", result.entities))
        .status
}

/// Inserts a category (and optionally a room in it) into the target's root, with its own GUID.
fn insert_node_sql(name: &str, category: bool, parent: &str, guid: &str) -> String {
    let (ntype, flags) = if category {
        (1, "1, 1, 1")
    } else {
        (0, "NULL, NULL, NULL")
    };
    format!(
        "INSERT INTO dbo.tblNode (nodeGuid, parentID, nodeType, nodeName, nodeDesc, invite, logged, filePost, \
         disabled, behavior, visibility, siopID, nodeAddedBy, nodeAddedOn, nodeUpdatedBy, nodeUpdatedOn, purgedOn) \
         VALUES ('{guid}', {parent}, {ntype}, N'{}', N'', {flags}, 0, 4, 3, NULL, 1, 0, 1, 0, NULL)",
        name.replace('\'', "''")
    )
}

#[tokio::test]
async fn what_if_plans_everything_and_writes_nothing() {
    let f = fixture("whatif", 81).await;
    let target = f.target().await;
    let mut admin = f.server.admin(&target).await;
    let before = checksum_all(&mut admin).await;
    let report = f.dir.join("plan.html");
    let result = f
        .what_if(&target, json!({"report": report.display().to_string()}))
        .await
        .expect("what-if");
    let after = checksum_all(&mut admin).await;
    assert_eq!(before, after, "-WhatIf changed the target");
    assert!(
        before.len() > 20,
        "every table checksummed: {}",
        before.len()
    );
    assert!(result.what_if);
    assert!(
        result.summary.categories.created > 0,
        "{:?}",
        result.summary
    );
    assert!(result.summary.rooms.created > 0);
    assert!(result.summary.principals.created > 0);
    assert_eq!(result.summary.rooms.updated, 0);
    assert!(result.estimate.messages > 0 && result.estimate.seconds > 0.0);
    assert!(result
        .entities
        .iter()
        .filter(|e| e.entity_type == "Room" && e.status == EntityStatus::WouldCreate)
        .all(|e| e.notes.contains("message(s) to import")));
    // Principals: only those to create are listed.
    assert_eq!(
        result
            .entities
            .iter()
            .filter(|e| e.entity_type == "Principal")
            .count() as u64,
        result.summary.principals.created
    );
    // The backup is reported either way; the stand-in has no backup history.
    assert!(result
        .findings
        .iter()
        .any(|x| x.code.starts_with("backup_")));
    let files = result.report.as_ref().expect("report written");
    let html = std::fs::read_to_string(&files.html).expect("html");
    assert!(html.contains("Target and preflight") && html.contains("Entities ("));
    assert!(!html.to_lowercase().contains("<script"));
    let json: ImportResult =
        serde_json::from_str(&std::fs::read_to_string(&files.json).expect("json")).expect("parses");
    assert_eq!(json.entities.len(), result.entities.len());
    // Never overwritten without -Force, checked before connecting.
    let again = f
        .what_if(&target, json!({"report": report.display().to_string()}))
        .await
        .expect_err("report exists");
    assert_eq!(again.code(), "invalid_parameter", "{again}");
    f.what_if(
        &target,
        json!({"report": report.display().to_string(), "force": true}),
    )
    .await
    .expect("replaced with -Force");
    f.drop_all(&[&target]).await;
}

#[tokio::test]
async fn a_target_that_is_not_mgc_is_refused() {
    let f = fixture("notmgc", 82).await;
    let legacy = f
        .what_if(&f.source.clone(), json!({}))
        .await
        .expect_err("legacy");
    assert_eq!(legacy.code(), "import_refused", "{legacy}");
    assert!(legacy.to_string().contains("source"), "{legacy}");
    assert!(legacy.to_string().contains("-DBName mgc"), "{legacy}");
    let empty = f.server.create_empty_database("planempty").await;
    let mut admin = f.server.admin(&empty).await;
    let before = checksum_all(&mut admin).await;
    let refused = f.import(&empty, json!({})).await.expect_err("empty");
    assert_eq!(refused.code(), "import_refused", "{refused}");
    assert!(refused
        .to_string()
        .contains("not a Persistent Chat database"));
    assert_eq!(before, checksum_all(&mut admin).await);
    f.drop_all(&[&empty]).await;
}

#[tokio::test]
async fn running_servers_are_refused_unless_forced_and_a_held_lock_always() {
    let f = fixture("servers", 83).await;
    let target = f.target().await;
    f.exec(
        &target,
        "INSERT INTO dbo.tblServerIdentity (serverID, serverAddress, serverLastPingTime) \
         VALUES (7, N'pchat01.contoso.com', GETDATE())",
    )
    .await;
    let refused = f.import(&target, json!({})).await.expect_err("running");
    assert_eq!(refused.code(), "target_not_ready", "{refused}");
    assert!(
        refused.to_string().contains("pchat01.contoso.com"),
        "{refused}"
    );
    let forced = f
        .what_if(&target, json!({"force": true}))
        .await
        .expect("forced");
    let warning = forced
        .findings
        .iter()
        .find(|x| x.code == "servers_running")
        .expect("reported");
    assert_eq!(warning.severity, Severity::Warning);
    assert_eq!(forced.preflight.servers.len(), 1);
    // An old ping is not a running server.
    f.exec(
        &target,
        "UPDATE dbo.tblServerIdentity SET serverLastPingTime = DATEADD(day, -2, GETDATE())",
    )
    .await;
    let stopped = f.what_if(&target, json!({})).await.expect("stopped");
    assert!(!stopped.findings.iter().any(|x| x.code == "servers_running"));
    // The admin lock, unexpired: refused even with -Force; expired per both clocks: free.
    f.exec(
        &target,
        "INSERT INTO dbo.tblAdminLock (lockExpiresTime, lockServerID, lockActorID) \
         VALUES (DATEADD(minute, 30, GETUTCDATE()), 3, 42)",
    )
    .await;
    let locked = f
        .what_if(&target, json!({"force": true}))
        .await
        .expect_err("locked");
    assert_eq!(locked.code(), "target_not_ready");
    assert!(
        locked.to_string().contains("server id 3") && locked.to_string().contains("actor id 42")
    );
    f.exec(
        &target,
        "UPDATE dbo.tblAdminLock SET lockExpiresTime = DATEADD(day, -1, GETUTCDATE())",
    )
    .await;
    f.what_if(&target, json!({}))
        .await
        .expect("expired lock is free");
    f.drop_all(&[&target]).await;
}

/// Issue 11 (the crash/resume sweep found it): a killed import leaves its own admin-lock row (server id 0, the
/// target's system principal), which nobody deletes. The next run must take it over rather than wait the 2
/// minutes out; a row of ours that a live run keeps extending still refuses, naming the other run.
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_runs_lock_is_taken_over_and_a_live_runs_refuses() {
    let f = fixture("our-lock", 5);
    let f = f.await;
    let target = f.target().await;
    let later_clock = "CASE WHEN GETDATE() > GETUTCDATE() THEN GETDATE() ELSE GETUTCDATE() END";
    let system =
        "(SELECT TOP 1 p.prinID FROM dbo.tblPrincipal AS p INNER JOIN dbo.tblPrincipalType AS t \
                  ON t.ptypeID = p.prinTypeID WHERE t.ptypeIsSystemUser = 1)";
    // Killed 30 s after its last extension: 90 s left, no longer extended.
    f.exec(
        &target,
        &format!(
            "INSERT INTO dbo.tblAdminLock (lockExpiresTime, lockServerID, lockActorID) \
             VALUES (DATEADD(second, 90, {later_clock}), 0, {system})"
        ),
    )
    .await;
    let plan = f
        .what_if(&target, json!({}))
        .await
        .expect("the killed run's lock is no obstacle");
    assert!(
        plan.preflight.admin_lock.is_none(),
        "{:?}",
        plan.preflight.admin_lock
    );
    let imported = f
        .import(&target, json!({}))
        .await
        .expect("the import takes it over");
    assert!(imported.summary.messages_imported > 0);
    assert_eq!(
        apply_count(&f, &target, "SELECT COUNT(*) FROM dbo.tblAdminLock").await,
        0,
        "and releases it"
    );
    // A live run of ours: its keeper extends the row every second while the planner watches it.
    let extend = format!(
        "UPDATE dbo.tblAdminLock SET lockExpiresTime = DATEADD(second, 120, {later_clock}) \
         WHERE lockServerID = 0"
    );
    f.exec(
        &target,
        &format!(
            "INSERT INTO dbo.tblAdminLock (lockExpiresTime, lockServerID, lockActorID) \
             VALUES (DATEADD(second, 120, {later_clock}), 0, {system})"
        ),
    )
    .await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let keeper = {
        let (stop, mut admin) = (stop.clone(), f.server.admin(&target).await);
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                admin.execute(extend.as_str(), &[]).await.expect("extend");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        })
    };
    let refused = f
        .what_if(&target, json!({}))
        .await
        .expect_err("a live run holds it");
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    keeper.await.expect("keeper");
    assert_eq!(refused.code(), "target_not_ready");
    assert!(
        refused.to_string().contains("another import run"),
        "{refused}"
    );
    f.drop_all(&[&target]).await;
}

async fn apply_count(f: &Fixture, db: &str, sql: &str) -> i32 {
    let mut admin = f.server.admin(db).await;
    let row = admin
        .simple_query(sql)
        .await
        .expect(sql)
        .into_row()
        .await
        .expect(sql)
        .expect("a row");
    row.get::<i32, _>(0).expect("a count")
}

/// A target holding a category and a room named like the package's, and an add-in of the package's name.
async fn colliding_target(
    f: &Fixture,
    plan: &ImportResult,
) -> (String, String, String, Option<String>) {
    let target = f.target().await;
    let category = names(plan, "Category")[0].clone();
    let room = names(plan, "Room")
        .into_iter()
        .find(|r| *r != category)
        .expect("a room");
    f.exec(
        &target,
        &insert_node_sql(&category, true, "1", "5a000000-0000-0000-0000-000000000001"),
    )
    .await;
    f.exec(
        &target,
        &insert_node_sql(&room, false, "2", "5a000000-0000-0000-0000-000000000002"),
    )
    .await;
    f.exec(
        &target,
        "INSERT INTO dbo.tblChat (channelId, chatId, chatDate, userId, isAlert, content, rtf) \
         VALUES (3, 1, 634609728000000000, 1, 0, N'old', NULL), (3, 2, 634609728000000001, 1, 0, N'old 2', NULL)",
    )
    .await;
    let addin = names(plan, "AddIn").first().cloned();
    if let Some(a) = &addin {
        f.exec(
            &target,
            &format!(
                "INSERT INTO dbo.tblSiopWhiteList (siopID, siopName, siopUrl) VALUES \
                 ('5a000000-0000-0000-0000-0000000000aa', N'{}', N'https://old.example/')",
                a.replace('\'', "''")
            ),
        )
        .await;
    }
    (target, category, room, addin)
}

#[tokio::test]
async fn each_conflict_action_plans_its_steps() {
    let f = fixture("conflicts", 84).await;
    let clean = f.target().await;
    let plan = f.what_if(&clean, json!({})).await.expect("clean plan");
    let (target, category, room, addin) = colliding_target(&f, &plan).await;
    let mut admin = f.server.admin(&target).await;
    let before = checksum_all(&mut admin).await;

    let failed = f.import(&target, json!({})).await.expect_err("Fail");
    assert_eq!(failed.code(), "import_refused", "{failed}");
    let text = failed.to_string();
    for name in [&category, &room] {
        assert!(text.contains(name.as_str()), "{name} not listed: {text}");
    }
    if let Some(a) = &addin {
        assert!(text.contains(a.as_str()), "add-in {a} not listed: {text}");
    }
    assert!(text.contains("-ConflictAction"), "{text}");
    assert_eq!(before, checksum_all(&mut admin).await);

    let skip = f
        .what_if(&target, json!({"conflictAction": "Skip"}))
        .await
        .expect("Skip");
    assert_eq!(
        status_of(&skip, "Category", &category),
        EntityStatus::WouldSkip
    );
    assert_eq!(status_of(&skip, "Room", &room), EntityStatus::WouldSkip);

    let overwrite = f
        .what_if(&target, json!({"conflictAction": "Overwrite"}))
        .await
        .expect("Overwrite");
    assert_eq!(
        status_of(&overwrite, "Category", &category),
        EntityStatus::WouldUpdate
    );
    let room_entity = overwrite
        .entities
        .iter()
        .find(|e| e.entity_type == "Room" && e.name == room)
        .expect("room");
    assert_eq!(room_entity.status, EntityStatus::WouldUpdate);
    assert!(
        room_entity
            .notes
            .contains("2 message(s) of the target's room replaced"),
        "{}",
        room_entity.notes
    );

    let rename = f
        .what_if(&target, json!({"conflictAction": "Rename"}))
        .await
        .expect("Rename");
    let renamed = format!("{category} (migrated)");
    assert_eq!(
        status_of(&rename, "Category", &renamed),
        EntityStatus::WouldCreate
    );
    assert_eq!(
        status_of(&rename, "Room", &format!("{room} (migrated)")),
        EntityStatus::WouldCreate
    );
    if let Some(a) = &addin {
        let renamed_addin = rename
            .entities
            .iter()
            .find(|e| e.entity_type == "AddIn" && e.name.starts_with(a.as_str()))
            .expect("add-in");
        assert!(
            renamed_addin.name.contains("(migrated"),
            "{:?}",
            renamed_addin
        );
    }
    assert!(rename
        .findings
        .iter()
        .any(|x| x.code == "renamed_on_conflict"));
    assert_eq!(before, checksum_all(&mut admin).await, "no plan wrote");
    f.drop_all(&[&clean, &target]).await;
}

#[tokio::test]
async fn a_node_with_the_packages_guid_is_resumed() {
    let f = fixture("resume", 85).await;
    let target = f.target().await;
    let mut reader = pchat_migrate::package::PackageReader::open(&f.package).expect("open");
    let entities = reader.entities().expect("entities");
    let room = entities
        .rooms
        .iter()
        .find(|r| !r.disabled)
        .expect("an enabled room")
        .clone();
    let clean = f.what_if(&target, json!({})).await.expect("clean");
    // The earlier run's node: the package room's GUID, under a name of its own (it is found by GUID).
    f.exec(
        &target,
        &insert_node_sql(
            "Earlier run",
            true,
            "1",
            "5a000000-0000-0000-0000-0000000000c1",
        ),
    )
    .await;
    f.exec(
        &target,
        &insert_node_sql("Earlier run room", false, "2", &room.guid),
    )
    .await;
    f.exec(
        &target,
        "INSERT INTO dbo.tblChat (channelId, chatId, chatDate, userId, isAlert, content, rtf) \
         VALUES (3, 1, 634609728000000000, 1, 0, N'first', NULL)",
    )
    .await;
    let resumed = f.what_if(&target, json!({})).await.expect("resume plan");
    let updated: Vec<_> = resumed
        .entities
        .iter()
        .filter(|e| e.entity_type == "Room" && e.status == EntityStatus::WouldUpdate)
        .collect();
    assert_eq!(updated.len(), 1, "{updated:?}");
    let entity = updated[0];
    assert_eq!(entity.status, EntityStatus::WouldUpdate, "{entity:?}");
    assert!(entity.notes.contains("resumed"), "{}", entity.notes);
    assert!(
        entity.notes.contains("1 already in the target"),
        "{}",
        entity.notes
    );
    assert_eq!(resumed.summary.messages_already_present, 1);
    assert_eq!(resumed.estimate.messages + 1, clean.estimate.messages);
    f.drop_all(&[&target]).await;
}

#[tokio::test]
async fn a_principal_type_the_target_lacks_is_refused() {
    let f = fixture("ptype", 86).await;
    let target = f.target().await;
    let plan = f.what_if(&target, json!({})).await.expect("plan");
    assert!(plan
        .entities
        .iter()
        .any(|e| e.entity_type == "Principal" && e.notes.contains("type Group")));
    f.exec(
        &target,
        "DELETE FROM dbo.tblPrincipalType WHERE ptypeDesc = N'Group'",
    )
    .await;
    let refused = f
        .what_if(&target, json!({}))
        .await
        .expect_err("unknown type");
    assert_eq!(refused.code(), "import_refused", "{refused}");
    assert!(
        refused.to_string().contains("principal_type_unknown"),
        "{refused}"
    );
    assert!(refused.to_string().contains("'Group'"), "{refused}");
    f.drop_all(&[&target]).await;
}

#[tokio::test]
async fn names_too_long_are_refused_without_a_name_map_and_accepted_with_one() {
    let f = fixture("namemap", 87).await;
    let target = f.target().await;
    let without = f
        .what_if(&target, json!({"nameMapFile": null}))
        .await
        .expect_err("names too long");
    assert_eq!(without.code(), "import_refused", "{without}");
    assert!(without.to_string().contains("name_too_long"), "{without}");
    assert!(without.to_string().contains("-NameMap"), "{without}");
    let with = f.what_if(&target, json!({})).await.expect("mapped");
    assert!(with
        .entities
        .iter()
        .any(|e| e.name.starts_with("Mapped ") && e.status == EntityStatus::WouldCreate));
    f.drop_all(&[&target]).await;
}

/// Found / None / Unknown, through the stand-in's `msdb.dbo.backupset` (stand-in only: a real server's backup
/// history is not the test's to write; there `what_if_plans_everything_and_writes_nothing` sees whichever it is).
#[tokio::test]
async fn the_newest_full_backup_is_reported_found_none_or_unknown() {
    let f = fixture("backup", 88).await;
    if !f.server.is_standin() {
        f.drop_all(&[]).await;
        return;
    }
    let target = f.target().await;
    let code_of = |r: &ImportResult| {
        r.findings
            .iter()
            .find(|x| x.code.starts_with("backup_"))
            .map(|x| (x.code.clone(), x.severity))
            .expect("a backup finding")
    };
    f.exec(
        "msdb",
        "INSERT INTO dbo.backupset (database_name, type, backup_start_date, backup_finish_date) VALUES \
         (N'otherdb', 'D', DATEADD(hour, -1, GETDATE()), GETDATE())",
    )
    .await;
    let none = f.what_if(&target, json!({})).await.expect("none");
    assert_eq!(code_of(&none), ("backup_missing".into(), Severity::Warning));
    assert!(none.findings.iter().any(|x| x.message.contains("back up")));
    assert_eq!(none.preflight.backup, BackupStatus::None);
    f.exec(
        "msdb",
        &format!(
            "INSERT INTO dbo.backupset (database_name, type, backup_start_date, backup_finish_date) VALUES \
             (N'{target}', 'D', DATEADD(hour, -3, GETDATE()), DATEADD(hour, -2, GETDATE())), \
             (N'{target}', 'D', DATEADD(day, -9, GETDATE()), DATEADD(day, -8, GETDATE()))"
        ),
    )
    .await;
    let found = f.what_if(&target, json!({})).await.expect("found");
    assert_eq!(code_of(&found), ("backup_found".into(), Severity::Info));
    match &found.preflight.backup {
        BackupStatus::Found { hours_ago, .. } => assert_eq!(*hours_ago, 2),
        other => panic!("{other:?}"),
    }
    // Only full backups count: a newer log backup does not make an old full one recent.
    f.exec(
        "msdb",
        &format!(
            "DELETE FROM dbo.backupset WHERE backup_finish_date > DATEADD(day, -1, GETDATE()); \
             INSERT INTO dbo.backupset (database_name, type, backup_start_date, backup_finish_date) VALUES \
             (N'{target}', 'L', DATEADD(hour, -1, GETDATE()), GETDATE())"
        ),
    )
    .await;
    let old = f.what_if(&target, json!({})).await.expect("old");
    assert_eq!(code_of(&old), ("backup_old".into(), Severity::Warning));
    // msdb unreadable: reported, never a failure.
    f.exec("msdb", "DROP TABLE dbo.backupset").await;
    let unknown = f.what_if(&target, json!({})).await.expect("unknown");
    assert_eq!(
        code_of(&unknown),
        ("backup_unknown".into(), Severity::Warning)
    );
    assert!(matches!(
        unknown.preflight.backup,
        BackupStatus::Unknown { .. }
    ));
    f.drop_all(&[&target]).await;
}
