//! Export round trips over real TDS: generated legacy and 2013 deployments are exported and every entity and
//! message is compared field by field with the generator's model; levels, scopes, start dates, cancellation,
//! resume and -DisableExportedNodes behave as documented (docs/package-format.md).

mod common;
#[path = "common/unpacked.rs"]
mod unpacked;

use chat_fixtures::{
    create_database, generate_mgc_model, generate_model, write_legacy, write_mgc, DatabaseKind,
    Deployment, Size,
};
use common::{run_job, unique_db_name, TestServer};
use pchat_migrate::jobs::JobEvent;
use pchat_migrate::package::*;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use unpacked::{unpack, Unpacked};

struct Fixture {
    server: TestServer,
    db: String,
    model: Deployment,
    kind: DatabaseKind,
}

async fn fixture(kind: DatabaseKind, seed: u64) -> Fixture {
    fixture_on(TestServer::start(), kind, seed).await
}

/// A fixture on the project's own stand-in even when `PCHAT_TEST_SQLSERVER` names a real server: for tests
/// that steer the server (delays, dropped connections).
async fn steerable_fixture(kind: DatabaseKind, seed: u64) -> Fixture {
    fixture_on(
        TestServer::standin(sqlserver_standin::TlsMode::Supported),
        kind,
        seed,
    )
    .await
}

async fn fixture_on(server: TestServer, kind: DatabaseKind, seed: u64) -> Fixture {
    let db = unique_db_name("export");
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &db, kind)
        .await
        .expect("schema");
    let model = if kind == DatabaseKind::Mgc2013 {
        let m = generate_mgc_model(seed, Size::Tiny);
        write_mgc(&mut admin, &m).await.expect("write mgc");
        m
    } else {
        let m = generate_model(seed, Size::Tiny);
        write_legacy(&mut admin, &m, kind)
            .await
            .expect("write legacy");
        m
    };
    Fixture {
        server,
        db,
        model,
        kind,
    }
}

fn out_dir(name: &str) -> PathBuf {
    common::fresh_dir("export", name)
}

impl Fixture {
    /// The name of the top category of the generator's 3+ deep category chain.
    fn deep_chain_top_name(&self) -> String {
        let top = self.model.edge.deep_category_chain[0];
        let category = self
            .model
            .categories
            .iter()
            .find(|c| c.id == top)
            .expect("top of the chain");
        category.name.clone()
    }

    fn request(&self, file: &Path, extra: Value) -> Value {
        let mut params = json!({
            "connection": self.server.connection_params(Some(&self.db)),
            "fileName": file.display().to_string(),
        });
        for (k, v) in extra.as_object().expect("object") {
            params[k] = v.clone();
        }
        json!({ "operation": "export", "params": params })
    }

    async fn export(&self, file: &Path, extra: Value) -> Result<Value, pchat_migrate::PcmError> {
        let request = self.request(file, extra);
        tokio::task::spawn_blocking(move || run_job(request).0)
            .await
            .expect("join")
    }
}

/// Waits until the export reports its history phase (the snapshot bounds are taken before it starts).
fn wait_for_history_phase(job: &pchat_migrate::jobs::Job) {
    loop {
        let batch = job
            .poll(std::time::Duration::from_millis(200))
            .expect("running");
        let in_history = batch
            .events
            .iter()
            .any(|e| matches!(e, JobEvent::Progress { status, .. } if status.contains(" rooms, ")));
        if in_history {
            return;
        }
    }
}

fn compare_with_model(f: &Fixture, package: &Unpacked, start_ticks: Option<i64>) {
    let model = &f.model;
    let e = &package.entities;
    // Principals: every field the source has.
    assert_eq!(e.principals.len(), model.principals.len());
    let by_id: HashMap<i32, &Principal> = e.principals.iter().map(|p| (p.id, p)).collect();
    for p in &model.principals {
        let got = by_id
            .get(&p.id)
            .unwrap_or_else(|| panic!("principal {} missing", p.id));
        assert_eq!(got.uri, p.uri);
        assert_eq!(got.guid, p.guid.to_string());
        // Lync 2010's prinName holds the display name; 2013 splits common and display name.
        let name = if f.kind == DatabaseKind::Mgc2013 {
            p.name.as_deref()
        } else {
            p.legacy_name()
        };
        assert_eq!(got.name.as_deref(), name, "principal {}", p.id);
        assert_eq!(got.email, p.email);
        assert_eq!(got.ad_path, p.ad_path);
        let type_id = if f.kind == DatabaseKind::Mgc2013 {
            p.kind.mgc_type_id()
        } else {
            p.kind.legacy_type_id()
        };
        assert_eq!(got.type_id, type_id, "principal {}", p.id);
        let disabled = if f.kind == DatabaseKind::Mgc2013 {
            p.mgc_disabled()
        } else {
            i16::from(p.legacy_disabled())
        };
        assert_eq!(got.disabled, disabled, "principal {}", p.id);
        if f.kind != DatabaseKind::Mgc2013 {
            assert_eq!(
                got.is_federated,
                Some(p.kind.is_federated()),
                "principal {} federated",
                p.id
            );
            assert_eq!(got.allowed_perm_set, Some(p.allowed_perm_set));
        } else {
            assert_eq!(got.display_name, p.display_name);
        }
    }
    // Categories with their nesting, rooms with their settings.
    assert_eq!(e.categories.len(), model.categories.len());
    for c in &model.categories {
        let got = e
            .categories
            .iter()
            .find(|n| n.id == c.id)
            .expect("category");
        assert_eq!(got.name, c.name);
        assert_eq!(got.kind, NodeKind::Category);
        if c.id != 1 {
            assert_eq!(got.parent_id, Some(c.parent_id));
            let path: Vec<String> = model
                .category_path(c.parent_id)
                .into_iter()
                .map(str::to_string)
                .collect();
            assert_eq!(got.path, path, "category {}", c.id);
        } else {
            assert!(got.is_root);
        }
        assert_eq!(got.invite, c.invite);
    }
    assert_eq!(e.rooms.len(), model.rooms.len());
    for r in &model.rooms {
        let got = e.rooms.iter().find(|n| n.id == r.id).expect("room");
        assert_eq!(got.name, r.name);
        assert_eq!(got.parent_id, Some(r.category_id));
        assert_eq!(got.disabled, r.disabled);
        assert_eq!(got.invite, r.invite);
        assert_eq!(got.addin_id, r.addin.map(|a| a.to_string()));
        if f.kind != DatabaseKind::Mgc2013 {
            assert_eq!(got.topic.as_deref(), Some(r.topic.as_str()));
            assert_eq!(got.override_member, Some(r.override_member));
        }
    }
    // Explicit roles exactly; roles resolved by name, not by id.
    let explicit: BTreeSet<(i32, i32, String)> = e
        .roles
        .iter()
        .filter(|r| r.origin == RoleOrigin::Explicit)
        .map(|r| (r.node_id, r.principal_id, r.role.clone()))
        .collect();
    let expected: BTreeSet<(i32, i32, String)> = model
        .roles
        .iter()
        .map(|r| (r.node_id, r.principal_id, r.role.name().to_string()))
        .collect();
    assert_eq!(explicit, expected);
    // Root-category managers reach every room as inherited managers.
    for manager in &model.edge.root_managers {
        for room in &model.rooms {
            assert!(
                e.roles.iter().any(|r| r.node_id == room.id
                    && r.principal_id == *manager
                    && r.role == "Manager"),
                "root manager {manager} is not a manager of room {}",
                room.id
            );
        }
    }
    assert_eq!(e.scopes.len(), model.scopes.len());
    assert_eq!(e.addins.len(), model.addins.len());
    // History: every message exactly once, field by field, in chatId order.
    let mut total = 0;
    for room in &model.rooms {
        let expected: Vec<_> = model
            .room_messages(room)
            .filter(|m| start_ticks.is_none_or(|s| m.date >= s))
            .collect();
        let got = package
            .history
            .get(&room.id)
            .unwrap_or_else(|| panic!("no history for room {}", room.id));
        assert_eq!(got.len(), expected.len(), "room {} message count", room.id);
        for (g, m) in got.iter().zip(&expected) {
            assert_eq!(g.chat_id, m.chat_id);
            assert_eq!(g.chat_date, m.date);
            assert_eq!(g.poster_id, m.user_id);
            assert_eq!(g.is_alert, m.is_alert);
            assert_eq!(
                g.content, m.content,
                "room {} message {}",
                room.id, m.chat_id
            );
            assert_eq!(g.rtf, m.rtf);
            assert_eq!(
                g.chat_date_utc,
                pchat_migrate::util::ticks::ticks_to_iso(m.date).expect("iso")
            );
        }
        total += expected.len() as u64;
    }
    assert_eq!(package.manifest.counts.messages, total);
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_2010_round_trip_is_exact() {
    let f = fixture(DatabaseKind::Legacy2010, 11).await;
    let dir = out_dir("legacy");
    let file = dir.join("GroupChat.zip");
    let report = dir.join("export-report.html");
    let result = f
        .export(
            &file,
            json!({ "report": report.display().to_string(), "throttleLimit": 3 }),
        )
        .await
        .expect("export succeeds");
    assert_eq!(result["path"], file.display().to_string());
    assert!(result["sizeBytes"].as_u64().unwrap_or(0) > 0);
    let package = unpack(&file);
    assert_eq!(package.manifest.source.kind, "LyncGroupChat2010");
    compare_with_model(&f, &package, None);
    // Nothing but the package and the report is left behind.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["GroupChat.zip", "export-report.html", "export-report.json"]
    );
    let html = std::fs::read_to_string(&report).expect("report");
    assert!(html.contains("LyncGroupChat2010") && html.contains("<table>"));
    // inspect_package answers the same figures.
    let request =
        json!({"operation": "inspect_package", "params": {"fileName": file.display().to_string()}});
    let inspect = tokio::task::spawn_blocking(move || run_job(request).0)
        .await
        .expect("inspect job")
        .expect("inspect");
    assert_eq!(
        inspect["counts"]["messages"],
        package.manifest.counts.messages
    );
    assert_eq!(
        inspect["rooms"].as_array().map(Vec::len),
        Some(f.model.rooms.len())
    );
    f.server.drop_database(&f.db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ocs_r2_and_2013_round_trips_are_exact() {
    for kind in [DatabaseKind::OcsR2, DatabaseKind::Mgc2013] {
        let f = fixture(kind, 12).await;
        let dir = out_dir(&format!("{kind:?}"));
        let file = dir.join("export.zip");
        f.export(&file, json!({})).await.expect("export succeeds");
        let package = unpack(&file);
        compare_with_model(&f, &package, None);
        if kind == DatabaseKind::Mgc2013 {
            assert!(
                package.history.values().flatten().any(|m| m.rtf.is_some()),
                "rtf is exported"
            );
        }
        f.server.drop_database(&f.db).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn levels_scope_rooms_and_start_date() {
    let f = fixture(DatabaseKind::Legacy2010, 13).await;
    let dir = out_dir("levels");
    let export = |name: &str, extra: Value| {
        let file = dir.join(name);
        let request = f.request(&file, extra);
        async move {
            let result = tokio::task::spawn_blocking(move || run_job(request).0)
                .await
                .expect("join");
            (result, file)
        }
    };
    // User: principals only.
    let (r, file) = export("user.zip", json!({"level": "User"})).await;
    r.expect("user export");
    let p = unpack(&file);
    assert_eq!(p.entities.principals.len(), f.model.principals.len());
    assert!(
        p.entities.categories.is_empty() && p.entities.rooms.is_empty() && p.history.is_empty()
    );
    // Category: categories and their access lists, no rooms.
    let (r, file) = export("category.zip", json!({"level": "Category"})).await;
    r.expect("category export");
    let p = unpack(&file);
    assert_eq!(p.entities.categories.len(), f.model.categories.len());
    assert!(p.entities.rooms.is_empty() && p.history.is_empty());
    let category_ids: BTreeSet<i32> = f.model.categories.iter().map(|c| c.id).collect();
    assert!(p
        .entities
        .roles
        .iter()
        .all(|r| category_ids.contains(&r.node_id)));
    // RoomDirectory: rooms and roles, no history.
    let (r, file) = export("directory.zip", json!({"level": "RoomDirectory"})).await;
    r.expect("directory export");
    let p = unpack(&file);
    assert_eq!(p.entities.rooms.len(), f.model.rooms.len());
    assert!(!p.entities.roles.is_empty());
    assert!(p.history.is_empty() && p.manifest.counts.messages == 0);
    // Content: history, no access lists.
    let (r, file) = export("content.zip", json!({"level": "Content"})).await;
    r.expect("content export");
    let p = unpack(&file);
    assert!(p.entities.roles.is_empty() && p.entities.scopes.is_empty());
    assert_eq!(
        p.manifest.counts.messages,
        f.model.messages().count() as u64
    );
    // Scope: the top of the deep chain brings the rooms of its nested subcategories.
    let top_name = f.deep_chain_top_name();
    let (r, file) = export("scope.zip", json!({"scope": [top_name]})).await;
    r.expect("scoped export");
    let p = unpack(&file);
    assert!(
        p.entities
            .rooms
            .iter()
            .any(|r| r.id == f.model.edge.deep_room),
        "nested room included"
    );
    let below: BTreeSet<i32> = f.model.edge.deep_category_chain.iter().copied().collect();
    for room in &p.entities.rooms {
        assert!(
            below.contains(&room.parent_id.expect("parent")),
            "room {} outside the scope",
            room.id
        );
    }
    // An unknown scope is refused before anything is written.
    let (r, file) = export("bad-scope.zip", json!({"scope": ["No Such Category"]})).await;
    let e = r.expect_err("unknown category");
    assert!(e.to_string().contains("No Such Category"), "{e}");
    assert!(!file.exists());
    // Room list and start date.
    let room = f
        .model
        .rooms
        .iter()
        .find(|r| r.message_count > 2)
        .expect("a room with history");
    let messages: Vec<_> = f.model.room_messages(room).collect();
    let cut = messages[messages.len() / 2].date;
    let start = pchat_migrate::util::ticks::ticks_to_datetime(cut)
        .expect("date")
        .to_rfc3339();
    let (r, file) = export(
        "room.zip",
        json!({"rooms": [room.id.to_string()], "startDate": start}),
    )
    .await;
    r.expect("room export");
    let p = unpack(&file);
    assert_eq!(p.entities.rooms.len(), 1);
    let got = &p.history[&room.id];
    let want: Vec<_> = messages.iter().filter(|m| m.date >= cut).collect();
    assert_eq!(got.len(), want.len());
    assert!(got
        .iter()
        .zip(&want)
        .all(|(g, w)| g.chat_id == w.chat_id && g.content == w.content));
    f.server.drop_database(&f.db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelled_export_leaves_no_package_and_resume_equals_uninterrupted() {
    let f = steerable_fixture(DatabaseKind::Legacy2010, 14).await;
    let dir = out_dir("resume");
    let reference = dir.join("reference.zip");
    f.export(&reference, json!({"throttleLimit": 1}))
        .await
        .expect("reference export");
    let file = dir.join("resumed.zip");
    // Slow the server down so the export can be cancelled half way.
    let standin = f
        .server
        .as_standin()
        .expect("a steerable fixture runs on the stand-in");
    // Slow enough that the first bundle of small rooms (closed after half a second) is done with rooms left.
    standin
        .faults()
        .delay_responses(std::time::Duration::from_millis(250));
    let request = pchat_migrate::operations::Request::from_value(
        f.request(&file, json!({"throttleLimit": 1})),
    )
    .expect("request");
    let job = pchat_migrate::operations::start_job(&request).expect("starts");
    // Wait until at least two rooms are done, then cancel.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let batch = job
            .poll(std::time::Duration::from_millis(200))
            .expect("running");
        let rooms_done = batch.events.iter().filter_map(|e| match e {
            JobEvent::Progress {
                current: Some(c),
                total: Some(t),
                ..
            } if *t > 2 => Some(*c),
            _ => None,
        });
        if rooms_done.max().unwrap_or(0) >= 2 || std::time::Instant::now() > deadline {
            break;
        }
    }
    job.cancel().expect("cancel while running");
    let error = job.wait(|_| {}).expect_err("cancelled");
    assert_eq!(error.code(), "cancelled");
    assert!(!file.exists(), "a cancelled export leaves no package");
    assert!(!PackageWriter::partial_path(&file).exists());
    standin.faults().clear();
    // Re-run: finished rooms are reused, the result equals the uninterrupted export.
    let result = f
        .export(&file, json!({"throttleLimit": 1}))
        .await
        .expect("resumed export");
    assert!(result["reusedRooms"].as_u64().unwrap_or(0) >= 2, "{result}");
    let a = PackageReader::open(&reference)
        .expect("reference")
        .manifest()
        .clone();
    let b = PackageReader::open(&file)
        .expect("resumed")
        .manifest()
        .clone();
    assert_eq!(a.entries, b.entries, "same entries with the same checksums");
    assert_eq!(a.rooms, b.rooms);
    unpack(&file);
    f.server.drop_database(&f.db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn disable_exported_nodes_disables_exactly_the_exported_rooms() {
    let f = fixture(DatabaseKind::Legacy2010, 15).await;
    let dir = out_dir("disable");
    let top_name = f.deep_chain_top_name();
    let file = dir.join("scoped.zip");
    let result = f
        .export(
            &file,
            json!({"scope": [top_name], "disableExportedNodes": true}),
        )
        .await
        .expect("export");
    let exported: BTreeSet<i32> = unpack(&file).entities.rooms.iter().map(|r| r.id).collect();
    let mut admin = f.server.admin(&f.db).await;
    let rows = admin
        .simple_query("SELECT nodeID, disabled FROM dbo.tblNode WHERE nodeType = 0 ORDER BY nodeID")
        .await
        .expect("query")
        .into_first_result()
        .await
        .expect("rows");
    let mut newly = 0;
    for row in rows {
        let id: i32 = row.get(0).expect("id");
        let disabled: bool = row.get(1).expect("disabled");
        let was = f
            .model
            .rooms
            .iter()
            .find(|r| r.id == id)
            .expect("room")
            .disabled;
        if exported.contains(&id) {
            assert!(disabled, "exported room {id} is disabled");
            newly += usize::from(!was);
        } else {
            assert_eq!(disabled, was, "room {id} outside the export is untouched");
        }
    }
    assert_eq!(result["roomsDisabledInSource"], newly);
    f.server.drop_database(&f.db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_posted_during_the_export_stay_out_of_the_snapshot() {
    let f = steerable_fixture(DatabaseKind::Legacy2010, 16).await;
    let dir = out_dir("snapshot");
    let file = dir.join("snapshot.zip");
    let standin = f
        .server
        .as_standin()
        .expect("a steerable fixture runs on the stand-in");
    let room = f
        .model
        .rooms
        .iter()
        .rev()
        .find(|r| r.message_count > 0)
        .expect("a room with history");
    let last_chat_id = f
        .model
        .room_messages(room)
        .map(|m| m.chat_id)
        .max()
        .expect("messages");
    standin
        .faults()
        .delay_responses(std::time::Duration::from_millis(30));
    let request = pchat_migrate::operations::Request::from_value(
        f.request(&file, json!({"throttleLimit": 1})),
    )
    .expect("request");
    let job = pchat_migrate::operations::start_job(&request).expect("starts");
    wait_for_history_phase(&job);
    let mut admin = f.server.admin(&f.db).await;
    admin
        .execute(
            "INSERT INTO dbo.tblChat (channelID, chatID, chatDate, userId, isAlert, content) VALUES (@P1, @P2, @P3, @P4, 0, @P5)",
            &[&room.id, &(last_chat_id + 1), &634_999_999_999_999_999i64, &2i32, &"posted during the export"],
        )
        .await
        .expect("insert while exporting");
    let result = job.wait(|_| {}).expect("export succeeds");
    standin.faults().clear();
    let package = unpack(&file);
    let got = &package.history[&room.id];
    assert_eq!(
        got.len() as u64,
        f.model.room_messages(room).count() as u64,
        "{result}"
    );
    assert!(got.iter().all(|m| m.content != "posted during the export"));
    let history = package
        .manifest
        .rooms
        .iter()
        .find(|h| h.room_id == room.id)
        .expect("figures");
    assert_eq!(history.chat_id_bound, Some(last_chat_id));
    f.server.drop_database(&f.db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn as_bytes_returns_the_package_and_leaves_no_file() {
    use base64::Engine;
    let f = fixture(DatabaseKind::Legacy2010, 17).await;
    let mut params = json!({
        "connection": f.server.connection_params(Some(&f.db)),
        "asBytes": true,
        "level": "RoomDirectory",
    });
    params["connection"]["connectRetryCount"] = json!(0);
    let request = json!({ "operation": "export", "params": params });
    let result = tokio::task::spawn_blocking(move || run_job(request).0)
        .await
        .expect("join")
        .expect("export succeeds");
    assert!(result["path"].is_null());
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(result["bytesBase64"].as_str().expect("bytes"))
        .expect("base64");
    assert_eq!(
        bytes.len() as u64,
        result["sizeBytes"].as_u64().expect("size")
    );
    let dir = out_dir("bytes");
    let file = dir.join("from-bytes.zip");
    std::fs::write(&file, &bytes).expect("write");
    assert_eq!(unpack(&file).entities.rooms.len(), f.model.rooms.len());
    f.server.drop_database(&f.db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_lost_mid_history_names_the_room_and_leaves_no_package() {
    let f = steerable_fixture(DatabaseKind::Legacy2010, 18).await;
    let dir = out_dir("lost");
    let file = dir.join("lost.zip");
    let standin = f
        .server
        .as_standin()
        .expect("a steerable fixture runs on the stand-in");
    standin
        .faults()
        .delay_responses(std::time::Duration::from_millis(30));
    let request = pchat_migrate::operations::Request::from_value(
        f.request(&file, json!({"throttleLimit": 1})),
    )
    .expect("request");
    let job = pchat_migrate::operations::start_job(&request).expect("starts");
    wait_for_history_phase(&job);
    // Cut the connection a few rows into the history.
    standin.faults().drop_after_rows(3);
    let error = job.wait(|_| {}).expect_err("the export fails");
    standin.faults().clear();
    assert_eq!(error.code(), "connection_failed", "{error}");
    assert!(
        error.to_string().contains("room '") && error.to_string().contains("(nodeID"),
        "{error}"
    );
    assert!(!file.exists() && !PackageWriter::partial_path(&file).exists());
    f.server.drop_database(&f.db).await;
}
