//! Issue 7 §1: a Lync 2010 (or OCS 2007 R2) Group Chat database that holds only the columns the published schema
//! lists — no `tblScopePrincipal.scopeIsDenied`, no `tblNode.siopID`/`nodeAdded*`, no `tblPrincipal.prinAddedOn`,
//! none of the tables whose columns were never published beyond the keys the product needs — is detected as its
//! kind, exports, inspects as valid and round-trips exactly: every value the database holds is in the package,
//! and every value it lacks is the default docs/schema-assumptions.md gives. A column the migration truly needs
//! is refused by name, with what it is needed for.

mod common;
#[path = "common/unpacked.rs"]
mod unpacked;

use chat_fixtures::{
    create_database_as, generate_model, write_schema, DatabaseKind, Deployment, Schema, Size,
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
    schema: Schema,
}

async fn fixture(schema: Schema, seed: u64) -> Fixture {
    let server = TestServer::start();
    let db = unique_db_name("published");
    let mut admin = server.admin("master").await;
    create_database_as(&mut admin, &db, schema)
        .await
        .expect("schema");
    let model = generate_model(seed, Size::Tiny);
    write_schema(&mut admin, &model, schema)
        .await
        .expect("write legacy");
    Fixture {
        server,
        db,
        model,
        schema,
    }
}

fn out_dir(name: &str) -> PathBuf {
    common::fresh_dir("published", name)
}

impl Fixture {
    fn has(&self, table: &str, column: &str) -> bool {
        self.schema.has_column(table, column)
    }

    async fn run(&self, operation: &str, params: Value) -> Result<Value, pchat_migrate::PcmError> {
        self.run_with_events(operation, params).await.0
    }

    async fn run_with_events(
        &self,
        operation: &str,
        params: Value,
    ) -> (Result<Value, pchat_migrate::PcmError>, Vec<JobEvent>) {
        let request = json!({ "operation": operation, "params": params });
        tokio::task::spawn_blocking(move || run_job(request))
            .await
            .expect("join")
    }

    async fn export(&self, file: &Path) -> Result<Value, pchat_migrate::PcmError> {
        self.export_with_events(file).await.0
    }

    async fn export_with_events(
        &self,
        file: &Path,
    ) -> (Result<Value, pchat_migrate::PcmError>, Vec<JobEvent>) {
        let params = json!({
            "connection": self.server.connection_params(Some(&self.db)),
            "fileName": file.display().to_string(),
        });
        self.run_with_events("export", params).await
    }

    async fn probe(&self) -> Result<Value, pchat_migrate::PcmError> {
        self.run("probe", self.server.connection_params(Some(&self.db)))
            .await
    }

    async fn sql(&self, statement: &str) {
        let mut admin = self.server.admin(&self.db).await;
        admin
            .simple_query(statement)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"))
            .into_results()
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

/// `inspect_package`, a job like the export.
fn inspect(file: &Path) -> Value {
    let request =
        json!({"operation": "inspect_package", "params": {"fileName": file.display().to_string()}});
    run_job(request).0.expect("inspect")
}

/// `value` where the database has `table.column`, else `absent` (the documented default).
fn expect<T>(f: &Fixture, table: &str, column: &str, value: T, absent: T) -> T {
    if f.has(table, column) {
        value
    } else {
        absent
    }
}

fn compare_principals(f: &Fixture, e: &Entities) {
    assert_eq!(e.principals.len(), f.model.principals.len());
    let by_id: HashMap<i32, &Principal> = e.principals.iter().map(|p| (p.id, p)).collect();
    let t = "tblPrincipal";
    for p in &f.model.principals {
        let got = by_id
            .get(&p.id)
            .unwrap_or_else(|| panic!("principal {} missing", p.id));
        let id = p.id;
        assert_eq!(got.uri, p.uri, "principal {id}");
        assert_eq!(got.guid, p.guid.to_string(), "principal {id}");
        assert_eq!(got.type_id, p.kind.legacy_type_id(), "principal {id}");
        assert_eq!(
            got.disabled,
            i16::from(p.legacy_disabled()),
            "principal {id}"
        );
        assert_eq!(got.name.as_deref(), p.legacy_name(), "principal {id}");
        assert_eq!(got.display_name, None, "principal {id}");
        assert_eq!(got.email, p.email, "principal {id}");
        assert_eq!(got.ad_path, p.ad_path, "principal {id}");
        let company = expect(f, t, "prinCompanyName", p.company.clone(), None);
        assert_eq!(got.company_name, company, "principal {id}");
        let upn = expect(f, t, "prinADUserPrincipalName", p.upn.clone(), None);
        assert_eq!(got.user_principal_name, upn, "principal {id}");
        assert_eq!(
            got.allowed_perm_set,
            Some(p.allowed_perm_set),
            "principal {id}"
        );
        assert_eq!(
            got.use_inherited_perms,
            Some(p.use_inherited_perms),
            "principal {id}"
        );
        // Unpublished: absent in this flavour.
        assert_eq!(
            got.added_on,
            expect(f, t, "prinAddedOn", Some(p.added_on), None)
        );
        assert_eq!(
            got.updated_on,
            expect(f, t, "prinUpdatedOn", Some(p.updated_on), None)
        );
        // Published (2010) or derived from ptypeDesc (OCS R2).
        assert_eq!(
            got.is_federated,
            Some(p.kind.is_federated()),
            "principal {id}"
        );
        assert!(got.type_name.is_some(), "principal {id}");
    }
}

fn compare_nodes(f: &Fixture, e: &Entities) {
    let t = "tblNode";
    assert_eq!(e.categories.len(), f.model.categories.len());
    for c in &f.model.categories {
        let got = e
            .categories
            .iter()
            .find(|n| n.id == c.id)
            .expect("category");
        assert_eq!(got.kind, NodeKind::Category);
        assert_eq!(got.guid, c.guid.to_string());
        assert_eq!(got.name, c.name);
        assert_eq!(got.description, c.description);
        assert_eq!(got.is_root, c.id == 1);
        if c.id != 1 {
            assert_eq!(got.parent_id, Some(c.parent_id));
        }
        let path: Vec<String> = if c.id == 1 {
            Vec::new()
        } else {
            f.model
                .category_path(c.parent_id)
                .into_iter()
                .map(str::to_string)
                .collect()
        };
        assert_eq!(got.path, path, "category {}", c.id);
        assert_eq!(
            (got.invite, got.logged, got.file_post),
            (c.invite, c.logged, c.file_post)
        );
        assert_eq!(got.inheritance, Some(c.inheritance), "category {}", c.id);
        assert_eq!(got.scope_change, Some(c.scope_change), "category {}", c.id);
        assert_eq!(
            got.override_member,
            Some(c.override_member),
            "category {}",
            c.id
        );
        let restrict = expect(f, t, "restrictChildCreate", c.restrict_child_create, None);
        assert_eq!(got.restrict_child_create, restrict, "category {}", c.id);
        assert_eq!(got.filestore_uri, c.filestore_uri, "category {}", c.id);
        assert!(!got.disabled);
        assert_eq!((got.behavior, got.visibility), (4, 3));
        assert_eq!(got.added_on, None, "unpublished nodeAddedOn");
        assert_eq!(got.updated_by, None, "unpublished nodeUpdatedBy");
        assert_eq!(got.behavior_name, None, "no tblEnumValue in this flavour");
    }
    assert_eq!(e.rooms.len(), f.model.rooms.len());
    for r in &f.model.rooms {
        let got = e.rooms.iter().find(|n| n.id == r.id).expect("room");
        let id = r.id;
        assert_eq!(got.kind, NodeKind::Room);
        assert_eq!(got.guid, r.guid.to_string(), "room {id}");
        assert_eq!(got.name, r.name, "room {id}");
        assert_eq!(got.description, r.description, "room {id}");
        assert_eq!(got.parent_id, Some(r.category_id), "room {id}");
        let path: Vec<String> = f
            .model
            .category_path(r.category_id)
            .into_iter()
            .map(str::to_string)
            .collect();
        assert_eq!(got.path, path, "room {id}");
        assert_eq!(got.topic.as_deref(), Some(r.topic.as_str()), "room {id}");
        assert_eq!(
            (got.invite, got.logged, got.file_post),
            (r.invite, r.logged, r.file_post)
        );
        assert_eq!(got.disabled, r.disabled, "room {id}");
        assert_eq!(got.override_member, Some(r.override_member), "room {id}");
        assert_eq!(got.behavior, r.behavior as i16, "room {id}");
        assert_eq!(got.visibility, r.visibility as i16, "room {id}");
        // tblNode.siopID is not in the published 2010 columns: no room names an add-in.
        let addin = expect(f, t, "siopID", r.addin.map(|a| a.to_string()), None);
        assert_eq!(got.addin_id, addin, "room {id}");
        assert_eq!(got.added_on, None, "room {id}");
    }
}

fn compare_access(f: &Fixture, e: &Entities) {
    let explicit: BTreeSet<(i32, i32, String)> = e
        .roles
        .iter()
        .filter(|r| r.origin == RoleOrigin::Explicit)
        .map(|r| (r.node_id, r.principal_id, r.role.clone()))
        .collect();
    let expected: BTreeSet<(i32, i32, String)> = f
        .model
        .roles
        .iter()
        .filter(|r| r.role.legacy_rtype_id().is_some())
        .map(|r| (r.node_id, r.principal_id, r.role.name().to_string()))
        .collect();
    assert_eq!(explicit, expected);
    for manager in &f.model.edge.root_managers {
        for room in &f.model.rooms {
            assert!(
                e.roles.iter().any(|r| r.node_id == room.id
                    && r.principal_id == *manager
                    && r.role == "Manager"),
                "root manager {manager} is not a manager of room {}",
                room.id
            );
        }
    }
    // Scopes: no deny list in the legacy family; without scopeIsDenied every entry allows.
    let got: BTreeSet<(i32, i32, bool)> = e
        .scopes
        .iter()
        .map(|s| (s.node_id, s.principal_id, s.denied))
        .collect();
    let mut seen = BTreeSet::new();
    let want: BTreeSet<(i32, i32, bool)> = f
        .model
        .scopes
        .iter()
        .filter(|s| seen.insert((s.node_id, s.principal_id)))
        .map(|s| {
            let denied = expect(f, "tblScopePrincipal", "scopeIsDenied", s.denied, false);
            (s.node_id, s.principal_id, denied)
        })
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);
    assert_eq!(e.scopes.len(), want.len());
    let addins: BTreeSet<(String, String, String)> = e
        .addins
        .iter()
        .map(|a| (a.id.clone(), a.name.clone(), a.url.clone()))
        .collect();
    let model_addins: BTreeSet<(String, String, String)> = f
        .model
        .addins
        .iter()
        .map(|a| (a.id.to_string(), a.name.clone(), a.url.clone()))
        .collect();
    assert_eq!(addins, model_addins);
}

fn compare_history(f: &Fixture, package: &Unpacked) {
    let mut total = 0;
    for room in &f.model.rooms {
        let expected: Vec<_> = f.model.room_messages(room).collect();
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
            assert_eq!(g.rtf, None);
        }
        total += expected.len() as u64;
    }
    assert!(total > 0);
    assert_eq!(package.manifest.counts.messages, total);
}

/// Seeds a published-columns-only database of `kind`, checks detection, exports, inspects and compares.
async fn round_trip(kind: DatabaseKind, expected_kind: &str, seed: u64) {
    let f = fixture(Schema::published_only(kind), seed).await;
    assert!(!f.has("tblScopePrincipal", "scopeIsDenied"));
    let probe = f.probe().await.expect("probe");
    assert_eq!(probe["databaseKind"], expected_kind, "{probe}");
    assert_eq!(
        probe["counts"]["rooms"],
        f.model.rooms.len() as u64,
        "{probe}"
    );

    let dir = out_dir(&format!("{kind:?}"));
    let file = dir.join("published.zip");
    let (result, events) = f.export_with_events(&file).await;
    let result = result.expect("export succeeds");
    assert_eq!(result["path"], file.display().to_string());
    // The defaults applied are told, naming the absent columns.
    assert!(
        events.iter().any(|e| matches!(e, JobEvent::Verbose { message }
            if message.contains("tblScopePrincipal.scopeIsDenied") && message.contains("tblNode.siopID"))),
        "{events:?}"
    );
    let package = unpack(&file);
    assert_eq!(package.manifest.source.kind, expected_kind);
    compare_principals(&f, &package.entities);
    compare_nodes(&f, &package.entities);
    compare_access(&f, &package.entities);
    compare_history(&f, &package);

    let inspected = inspect(&file);
    assert_eq!(
        inspected["counts"]["messages"], package.manifest.counts.messages,
        "{inspected}"
    );
    assert_eq!(
        inspected["counts"]["scopes"],
        package.entities.scopes.len() as u64,
        "{inspected}"
    );
    assert_eq!(
        inspected["rooms"].as_array().map(Vec::len),
        Some(f.model.rooms.len()),
        "{inspected}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    f.server.drop_database(&f.db).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_published_columns_only_lync_2010_database_round_trips() {
    round_trip(DatabaseKind::Legacy2010, "LyncGroupChat2010", 21).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_published_columns_only_ocs_r2_database_round_trips() {
    round_trip(DatabaseKind::OcsR2, "OcsGroupChat2007R2", 22).await;
}

/// The database from the issue: a complete Lync 2010 database whose tblScopePrincipal has no scopeIsDenied.
#[tokio::test(flavor = "multi_thread")]
async fn a_lync_2010_scope_without_scope_is_denied_exports_as_allowed() {
    let f = fixture(DatabaseKind::Legacy2010.into(), 23).await;
    f.sql("ALTER TABLE dbo.tblScopePrincipal DROP COLUMN scopeIsDenied")
        .await;
    let dir = out_dir("no-deny");
    let file = dir.join("export.zip");
    f.export(&file).await.expect("export succeeds");
    let package = unpack(&file);
    assert!(!package.entities.scopes.is_empty());
    assert!(package.entities.scopes.iter().all(|s| !s.denied));
    let mut seen = BTreeSet::new();
    let unique = f
        .model
        .scopes
        .iter()
        .filter(|s| seen.insert((s.node_id, s.principal_id)))
        .count();
    assert_eq!(package.entities.scopes.len(), unique);
    let _ = std::fs::remove_dir_all(&dir);
    f.server.drop_database(&f.db).await;
}

/// A column the migration cannot work without is refused by table and column, with what it is needed for and
/// the fix — not as "not a chat database", and before any file is written.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_required_column_is_named_with_its_purpose() {
    let f = fixture(Schema::published_only(DatabaseKind::Legacy2010), 24).await;
    f.sql("ALTER TABLE dbo.tblNode DROP COLUMN disabled").await;
    let probe = f.probe().await.expect("probe");
    assert_eq!(
        probe["databaseKind"], "LyncGroupChat2010",
        "still a chat database: {probe}"
    );
    let dir = out_dir("no-disabled");
    let file = dir.join("export.zip");
    let e = f.export(&file).await.expect_err("export refuses");
    assert_eq!(e.code(), "invalid_source_data", "{e}");
    let text = e.to_string();
    assert!(text.contains("dbo.tblNode.disabled"), "{text}");
    assert!(text.contains("rooms the administrator disabled"), "{text}");
    assert!(text.contains("-DBName"), "{text}");
    let left: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
    assert!(left.is_empty(), "no file is written: {left:?}");
    let _ = std::fs::remove_dir_all(&dir);
    f.server.drop_database(&f.db).await;
}

/// `tblChat.isAlert` is published but the migration works without it: absent, no message is an alert.
#[tokio::test(flavor = "multi_thread")]
async fn a_chat_table_without_is_alert_exports_no_alerts() {
    let f = fixture(Schema::published_only(DatabaseKind::Legacy2010), 25).await;
    assert!(
        f.model.messages().any(|m| m.is_alert),
        "the model has alerts to lose"
    );
    f.sql("ALTER TABLE dbo.tblChat DROP COLUMN isAlert").await;
    let dir = out_dir("no-alert");
    let file = dir.join("export.zip");
    f.export(&file).await.expect("export succeeds");
    let package = unpack(&file);
    let messages: Vec<&Message> = package.history.values().flatten().collect();
    assert_eq!(messages.len(), f.model.messages().count());
    assert!(messages.iter().all(|m| !m.is_alert));
    let _ = std::fs::remove_dir_all(&dir);
    f.server.drop_database(&f.db).await;
}
