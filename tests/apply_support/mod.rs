//! Support for the import-apply suites: a 2013 source exported to a package, fresh `mgc` targets, a small
//! plan builder (a 2013 package maps one to one: principals matched by GUID, nodes resumed by GUID), running
//! `target::apply::apply` as a job, and id-independent checksums of every target table.
#![allow(dead_code)]

use crate::common::{run_job, unique_db_name, TestServer};
use chat_fixtures::{create_database, generate_mgc_model, write_mgc, DatabaseKind, Size};
use pchat_migrate::connection::{ConnectionParams, ConnectionSettings};
use pchat_migrate::jobs::{Job, JobEvent, JobState};
use pchat_migrate::package::{NodeKind, PackageReader, RoleOrigin};
use pchat_migrate::target::apply::{apply, ApplyOutcome};
use pchat_migrate::target::plan::PreparedImport;
use pchat_migrate::target::result::{PackageInfo, Preflight};
use pchat_migrate::target::*;
use pchat_migrate::transform::*;
use pchat_migrate::PcmError;
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tiberius::ColumnData;

/// A generated 2013 deployment in a new database of `server`.
pub async fn seeded_mgc(server: &TestServer, seed: u64, size: Size) -> String {
    let db = unique_db_name("apply_src");
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &db, DatabaseKind::Mgc2013)
        .await
        .expect("source schema");
    let model = generate_mgc_model(seed, size);
    write_mgc(&mut admin, &model).await.expect("source data");
    db
}

/// Exports `db` to `dir/source.pcmpkg`.
pub async fn export(server: &TestServer, db: &str, dir: &Path) -> PathBuf {
    let file = dir.join("source.pcmpkg");
    let request = json!({"operation": "export", "params": {
        "connection": server.connection_params(Some(db)),
        "fileName": file.display().to_string(),
    }});
    let (result, _) = tokio::task::spawn_blocking(move || run_job(request))
        .await
        .expect("join");
    result.expect("export");
    file
}

/// A generated 2013 deployment exported to `dir/source.pcmpkg`.
pub async fn exported_mgc(server: &TestServer, dir: &Path, seed: u64, size: Size) -> PathBuf {
    let db = seeded_mgc(server, seed, size).await;
    export(server, &db, dir).await
}

/// A new `mgc` from the 2013 fixture (lookup rows, system principal, root category only).
pub async fn fresh_target(server: &TestServer) -> String {
    let db = unique_db_name("apply_tgt");
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &db, DatabaseKind::Mgc2013)
        .await
        .expect("target schema");
    db
}

async fn pairs(server: &TestServer, db: &str, sql: &str) -> Vec<(String, i64)> {
    let mut admin = server.admin(db).await;
    let rows = admin
        .simple_query(sql)
        .await
        .expect(sql)
        .into_first_result()
        .await
        .expect(sql);
    rows.iter()
        .map(|r| {
            (
                text(r.cells().next().expect("cell").1),
                int(r.cells().nth(1).expect("cell").1),
            )
        })
        .collect()
}

fn int(c: &ColumnData<'_>) -> i64 {
    match c {
        ColumnData::U8(v) => v.map(i64::from).unwrap_or(0),
        ColumnData::I16(v) => v.map(i64::from).unwrap_or(0),
        ColumnData::I32(v) => v.map(i64::from).unwrap_or(0),
        ColumnData::I64(v) => v.unwrap_or(0),
        ColumnData::Bit(v) => v.map(i64::from).unwrap_or(0),
        other => panic!("not an integer: {other:?}"),
    }
}

fn text(c: &ColumnData<'_>) -> String {
    match c {
        ColumnData::String(v) => v.as_deref().unwrap_or("").to_string(),
        ColumnData::Guid(g) => g
            .map(|g| g.to_string().to_ascii_lowercase())
            .unwrap_or_default(),
        other => format!("{other:?}"),
    }
}

/// The plan the planner makes for a 2013 package against `db` (matching by GUID), built directly.
pub async fn prepare(
    server: &TestServer,
    db: &str,
    package: &Path,
    batch_size: u32,
) -> PreparedImport {
    let mut reader = PackageReader::open(package).expect("package");
    let entities = reader.entities().expect("entities");
    let manifest = reader.manifest().clone();
    let lower = |v: Vec<(String, i64)>| -> BTreeMap<String, i64> {
        v.into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect()
    };
    let role_types =
        lower(pairs(server, db, "SELECT rtypeDesc, rtypeID FROM dbo.tblRoleType").await);
    let ptypes = lower(
        pairs(
            server,
            db,
            "SELECT ptypeDesc, ptypeID FROM dbo.tblPrincipalType",
        )
        .await,
    );
    let enums = lower(
        pairs(
            server,
            db,
            "SELECT attributeValue, valueID FROM dbo.tblEnumValue",
        )
        .await,
    );
    let nodes: HashMap<String, i64> = pairs(
        server,
        db,
        "SELECT CAST(nodeGuid AS nvarchar(36)), nodeID FROM dbo.tblNode",
    )
    .await
    .into_iter()
    .collect();
    let prins: HashMap<String, i64> = pairs(
        server,
        db,
        "SELECT CAST(prinGuid AS nvarchar(36)), prinID FROM dbo.tblPrincipal",
    )
    .await
    .into_iter()
    .collect();
    let nodes: HashMap<String, i32> = nodes
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v as i32))
        .collect();
    let prins: HashMap<String, i32> = prins
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v as i32))
        .collect();
    let root = pairs(
        server,
        db,
        "SELECT N'root', nodeID FROM dbo.tblNode WHERE parentID = nodeID",
    )
    .await[0]
        .1 as i32;
    let system = pairs(
        server,
        db,
        "SELECT N's', MIN(p.prinID) FROM dbo.tblPrincipal AS p INNER JOIN dbo.tblPrincipalType AS t \
         ON t.ptypeID = p.prinTypeID WHERE t.ptypeIsSystemUser = 1",
    )
    .await[0]
        .1 as i32;
    let resume = |guid: &str| match nodes.get(&guid.to_ascii_lowercase()) {
        Some(id) => StepAction::Resume { target_id: *id },
        None => StepAction::Create,
    };
    let roles_of = |node: i32, role: &str| -> Vec<i32> {
        entities
            .roles
            .iter()
            .filter(|r| {
                r.node_id == node
                    && r.origin == RoleOrigin::Explicit
                    && r.role.eq_ignore_ascii_case(role)
            })
            .map(|r| r.principal_id)
            .collect()
    };
    let principals = entities
        .principals
        .iter()
        .map(|p| {
            let type_name = p.type_name.clone().unwrap_or_else(|| "User".into());
            PrincipalStep {
                action: match prins.get(&p.guid.to_ascii_lowercase()) {
                    Some(id) => StepAction::Skip {
                        reason: "matched by GUID".into(),
                        target_id: Some(*id),
                    },
                    None => StepAction::Create,
                },
                type_id: ptypes
                    .get(&type_name.to_ascii_lowercase())
                    .copied()
                    .unwrap_or(5) as i16,
                planned: PlannedPrincipal {
                    source_id: p.id,
                    guid: p.guid.clone(),
                    uri: p.uri.clone(),
                    type_name,
                    source_type_name: None,
                    is_system_user: p.is_system_user.unwrap_or(false),
                    name: p.name.clone(),
                    display_name: p.display_name.clone(),
                    company_name: p.company_name.clone(),
                    email: p.email.clone(),
                    ad_path: p.ad_path.clone(),
                    user_principal_name: p.user_principal_name.clone(),
                    disabled: p.disabled,
                    federated: p.is_federated.unwrap_or(false),
                    added_on: p.added_on,
                    updated_on: p.updated_on,
                },
            }
        })
        .collect();
    let categories: Vec<CategoryStep> = entities
        .categories
        .iter()
        .filter(|n| !n.is_root)
        .map(|n| CategoryStep {
            action: resume(&n.guid),
            name: n.name.clone(),
            planned: PlannedCategory {
                source_id: Some(n.id),
                guid: n.guid.clone(),
                source_path: n.name.clone(),
                name: n.name.clone(),
                description: n.description.clone(),
                invite: n.invite.unwrap_or(true),
                logged: n.logged.unwrap_or(true),
                file_post: n.file_post.unwrap_or(true),
                allowed: entities
                    .scopes
                    .iter()
                    .filter(|s| s.node_id == n.id && !s.denied)
                    .map(|s| s.principal_id)
                    .collect(),
                denied: entities
                    .scopes
                    .iter()
                    .filter(|s| s.node_id == n.id && s.denied)
                    .map(|s| s.principal_id)
                    .collect(),
                creators: roles_of(n.id, "Creator"),
                added_by: n.added_by,
                added_on: n.added_on,
                updated_by: n.updated_by,
                updated_on: n.updated_on,
            },
        })
        .collect();
    let category_guid: HashMap<i32, String> = entities
        .categories
        .iter()
        .map(|c| (c.id, c.guid.clone()))
        .collect();
    let messages: HashMap<i32, u64> = manifest
        .rooms
        .iter()
        .map(|h| (h.room_id, h.messages))
        .collect();
    let rooms = entities
        .rooms
        .iter()
        .filter(|n| n.kind == NodeKind::Room)
        .map(|n| {
            let behavior = n
                .behavior_name
                .clone()
                .unwrap_or_else(|| "normal".into())
                .to_ascii_lowercase();
            let visibility = n
                .visibility_name
                .clone()
                .unwrap_or_else(|| "scope".into())
                .to_ascii_lowercase();
            RoomStep {
                action: resume(&n.guid),
                name: n.name.clone(),
                behavior_id: enums[&behavior] as i16,
                visibility_id: enums[&visibility] as i16,
                messages_in_target: 0,
                resume_after_chat_id: None,
                messages_replaced: 0,
                planned: PlannedRoom {
                    source_id: n.id,
                    guid: n.guid.clone(),
                    source_path: n.name.clone(),
                    name: n.name.clone(),
                    category_guid: category_guid[&n.parent_id.expect("room parent")].clone(),
                    description: n.description.clone(),
                    invite: n.invite,
                    disabled: n.disabled,
                    behavior,
                    visibility,
                    addin_id: n.addin_id.clone(),
                    members: roles_of(n.id, "Member"),
                    managers: roles_of(n.id, "Manager"),
                    presenters: roles_of(n.id, "Voiced"),
                    messages: messages.get(&n.id).copied().unwrap_or(0),
                    added_by: n.added_by,
                    added_on: n.added_on,
                    updated_by: n.updated_by,
                    updated_on: n.updated_on,
                },
            }
        })
        .collect();
    let addin_ids: HashSet<String> = pairs(
        server,
        db,
        "SELECT CAST(siopID AS nvarchar(36)), 0 FROM dbo.tblSiopWhiteList",
    )
    .await
    .into_iter()
    .map(|p| p.0.to_ascii_lowercase())
    .collect();
    let addins = entities
        .addins
        .iter()
        .map(|a| AddinStep {
            target_id: None,
            action: if addin_ids.contains(&a.id.to_ascii_lowercase()) {
                StepAction::Resume { target_id: 0 }
            } else {
                StepAction::Create
            },
            name: a.name.clone(),
            planned: PlannedAddin {
                id: a.id.clone(),
                name: a.name.clone(),
                url: a.url.clone(),
            },
        })
        .collect();
    let plan = ImportPlan {
        conflict_action: ConflictAction::Fail,
        options: TransformOptions::default(),
        source_kind: manifest.source.kind.clone(),
        principals,
        addins,
        categories,
        rooms,
        role_type_ids: role_types
            .iter()
            .map(|(k, v)| (capitalise(k), *v as i32))
            .collect(),
        findings: Vec::new(),
        estimate: Estimate {
            messages: 0,
            bytes: 0,
            seconds: 0.0,
            basis: "test".into(),
        },
    };
    let state = TargetState {
        db_instance: server.db_instance(),
        database: db.to_string(),
        kind: "PersistentChat2013".into(),
        root_id: root,
        system_principal_id: system,
        role_types: role_types
            .iter()
            .map(|(k, v)| (k.clone(), *v as i32))
            .collect(),
        principal_types: ptypes.iter().map(|(k, v)| (k.clone(), *v as i16)).collect(),
        enum_values: enums.iter().map(|(k, v)| (k.clone(), *v as i16)).collect(),
        node_id_is_identity: true,
        prin_id_is_identity: true,
        nodes: Vec::new(),
        addins: Vec::new(),
        principals_by_guid: BTreeMap::new(),
        principals_by_uri: BTreeMap::new(),
        servers: Vec::new(),
        admin_lock: None,
        backup: BackupStatus::None,
        system_revision: None,
    };
    PreparedImport {
        package_path: package.to_path_buf(),
        package: PackageInfo {
            path: package.display().to_string(),
            source_kind: manifest.source.kind.clone(),
            source_database: manifest.source.database.clone(),
            created_utc: manifest.created_utc.clone(),
        },
        database: db.to_string(),
        model: MigrationModel::default(),
        state,
        plan,
        preflight: Preflight {
            servers: Vec::new(),
            admin_lock: None,
            backup: BackupStatus::None,
        },
        batch_size,
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub fn settings(server: &TestServer, db: &str) -> ConnectionSettings {
    let params: ConnectionParams =
        serde_json::from_value(server.connection_params(Some(db))).expect("params");
    params.validate().expect("settings")
}

/// A started apply job and where its outcome lands.
pub struct Running {
    pub job: Job,
    outcome: Arc<Mutex<Option<ApplyOutcome>>>,
}

pub fn start(server: &TestServer, db: &str, prepared: PreparedImport) -> Running {
    let settings = settings(server, db);
    let outcome = Arc::new(Mutex::new(None));
    let slot = outcome.clone();
    let job = Job::spawn("import", move |ctx| async move {
        ctx.cooperative();
        let done = apply(&settings, &prepared, &ctx).await?;
        *slot.lock().expect("slot") = Some(done);
        Ok(serde_json::Value::Null)
    })
    .expect("job");
    Running { job, outcome }
}

impl Running {
    /// Waits for the end; the outcome (or error) and the events.
    pub async fn finish(self) -> (Result<ApplyOutcome, PcmError>, Vec<JobEvent>) {
        let Running { job, outcome } = self;
        tokio::task::spawn_blocking(move || {
            let mut events = Vec::new();
            let result = job.wait(|e| events.push(e.clone()));
            let done = outcome.lock().expect("slot").take();
            (result.map(|_| done.expect("outcome stored")), events)
        })
        .await
        .expect("join")
    }

    pub fn state(&self) -> JobState {
        self.job.state()
    }
}

pub async fn run(
    server: &TestServer,
    db: &str,
    prepared: PreparedImport,
) -> (Result<ApplyOutcome, PcmError>, Vec<JobEvent>) {
    start(server, db, prepared).finish().await
}

/// Columns that hold a principal id or a node id: compared as the GUID they name, so two imports that got
/// different identity values compare equal.
const PRINCIPAL_REFS: &[&str] = &[
    "prinid",
    "principalid",
    "affiliationid",
    "prinaddedby",
    "prinupdatedby",
    "scopeprinid",
    "scopeupdatedby",
    "prinroleprinid",
    "prinroleupdatedby",
    "userid",
    "nodeaddedby",
    "nodeupdatedby",
    "updatedby",
    "lastmodifiedby",
    "lockactorid",
    "filetokenuserid",
];
const NODE_REFS: &[&str] = &[
    "nodeid",
    "parentid",
    "channelid",
    "scopenodeid",
    "prinrolenodeid",
];

/// Every table's rows (sorted, ids replaced by GUIDs), by table; `except` tables left out.
pub async fn checksums(
    server: &TestServer,
    db: &str,
    except: &[&str],
) -> BTreeMap<String, Vec<String>> {
    let mut admin = server.admin(db).await;
    let ids = |sql: &'static str| async move {
        let mut c = server.admin(db).await;
        let rows = c
            .simple_query(sql)
            .await
            .expect(sql)
            .into_first_result()
            .await
            .expect(sql);
        rows.iter()
            .map(|r| {
                (
                    int(r.cells().next().expect("c").1),
                    text(r.cells().nth(1).expect("c").1),
                )
            })
            .collect::<HashMap<i64, String>>()
    };
    let prin_guid =
        ids("SELECT prinID, CAST(prinGuid AS nvarchar(36)) FROM dbo.tblPrincipal").await;
    let node_guid = ids("SELECT nodeID, CAST(nodeGuid AS nvarchar(36)) FROM dbo.tblNode").await;
    let columns = admin
        .simple_query(
            "SELECT TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = N'dbo' \
             ORDER BY TABLE_NAME, ORDINAL_POSITION",
        )
        .await
        .expect("columns")
        .into_first_result()
        .await
        .expect("columns");
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &columns {
        let t = text(r.cells().next().expect("c").1);
        let c = text(r.cells().nth(1).expect("c").1);
        tables.entry(t).or_default().push(c);
    }
    let mut out = BTreeMap::new();
    for (table, cols) in tables {
        if except.iter().any(|e| e.eq_ignore_ascii_case(&table)) {
            continue;
        }
        let list: Vec<String> = cols
            .iter()
            .map(|c| {
                if ["content", "adccontent"].contains(&c.to_ascii_lowercase().as_str()) {
                    format!("CAST([{c}] AS varbinary(max))")
                } else {
                    format!("[{c}]")
                }
            })
            .collect();
        let sql = format!("SELECT {} FROM dbo.[{table}]", list.join(", "));
        let rows = admin
            .simple_query(sql.as_str())
            .await
            .expect(&sql)
            .into_first_result()
            .await
            .expect(&sql);
        let mut lines: Vec<String> = rows
            .iter()
            .map(|r| {
                r.cells()
                    .zip(&cols)
                    .map(|((_, v), name)| {
                        let n = name.to_ascii_lowercase();
                        if PRINCIPAL_REFS.contains(&n.as_str()) {
                            let id = int(v);
                            prin_guid
                                .get(&id)
                                .cloned()
                                .unwrap_or_else(|| format!("prin#{id}"))
                        } else if NODE_REFS.contains(&n.as_str()) {
                            let id = int(v);
                            node_guid
                                .get(&id)
                                .cloned()
                                .unwrap_or_else(|| format!("node#{id}"))
                        } else {
                            format!("{v:?}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        lines.sort();
        out.insert(table, lines);
    }
    out
}

/// Asserts two checksum maps equal, naming the first table that differs.
pub fn assert_same(a: &BTreeMap<String, Vec<String>>, b: &BTreeMap<String, Vec<String>>) {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (table, rows) in a {
        assert_eq!(rows.len(), b[table].len(), "{table}: row counts differ");
        assert_eq!(rows, &b[table], "{table} differs");
    }
}

pub async fn scalar(server: &TestServer, db: &str, sql: &str) -> i64 {
    let mut admin = server.admin(db).await;
    let row = admin
        .simple_query(sql)
        .await
        .expect(sql)
        .into_row()
        .await
        .expect(sql)
        .expect("a row");
    let value = int(row.cells().next().expect("cell").1);
    value
}

pub fn poll_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

/// A legacy (or any) package transformed by the library's transform, every name it reports too long or
/// colliding mapped to `Renamed N` (as an admin's -NameMap does), planned against `db` as the planner would for
/// a target that holds none of it (or resumed by GUID): the steps built directly from the model.
pub async fn prepare_transformed(
    server: &TestServer,
    db: &str,
    package: &Path,
    batch_size: u32,
) -> (PreparedImport, MigrationModel) {
    let mut reader = PackageReader::open(package).expect("package");
    let entities = reader.entities().expect("entities");
    let manifest = reader.manifest().clone();
    let mut options = TransformOptions::default();
    let mut model = transform(&manifest.source.kind, &entities, &manifest.rooms, &options);
    for f in model
        .findings
        .iter()
        .filter(|f| f.code == "name_too_long" || f.code == "name_collision")
    {
        let n = options.name_map.len();
        options
            .name_map
            .insert(f.entity.clone().expect("entity"), format!("Renamed {n}"));
    }
    model = transform(&manifest.source.kind, &entities, &manifest.rooms, &options);
    assert!(
        !model.has_errors(),
        "{:?}",
        model
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect::<Vec<_>>()
    );
    let mut prepared = prepare(server, db, package, batch_size).await;
    let ptypes = prepared.state.principal_types.clone();
    let enums = prepared.state.enum_values.clone();
    let nodes: HashMap<String, i32> = pairs(
        server,
        db,
        "SELECT CAST(nodeGuid AS nvarchar(36)), nodeID FROM dbo.tblNode",
    )
    .await
    .into_iter()
    .map(|(k, v)| (k.to_ascii_lowercase(), v as i32))
    .collect();
    let prins: HashMap<String, i32> = pairs(
        server,
        db,
        "SELECT CAST(prinGuid AS nvarchar(36)), prinID FROM dbo.tblPrincipal",
    )
    .await
    .into_iter()
    .map(|(k, v)| (k.to_ascii_lowercase(), v as i32))
    .collect();
    let resume = |guid: &str| match nodes.get(&guid.to_ascii_lowercase()) {
        Some(id) => StepAction::Resume { target_id: *id },
        None => StepAction::Create,
    };
    let old_addins = prepared.plan.addins.clone();
    let plan = &mut prepared.plan;
    plan.source_kind = model.source_kind.clone();
    plan.options = options;
    plan.principals = model
        .principals
        .iter()
        .map(|p| PrincipalStep {
            action: match prins.get(&p.guid.to_ascii_lowercase()) {
                Some(id) => StepAction::Skip {
                    reason: "matched by GUID".into(),
                    target_id: Some(*id),
                },
                None => StepAction::Create,
            },
            type_id: *ptypes
                .get(&p.type_name.to_ascii_lowercase())
                .unwrap_or_else(|| panic!("type {}", p.type_name)),
            planned: p.clone(),
        })
        .collect();
    plan.categories = model
        .categories
        .iter()
        .map(|c| CategoryStep {
            action: resume(&c.guid),
            name: c.name.clone(),
            planned: c.clone(),
        })
        .collect();
    plan.rooms = model
        .rooms
        .iter()
        .map(|r| RoomStep {
            action: resume(&r.guid),
            name: r.name.clone(),
            behavior_id: enums[&r.behavior.to_ascii_lowercase()],
            visibility_id: enums[&r.visibility.to_ascii_lowercase()],
            messages_in_target: 0,
            resume_after_chat_id: None,
            messages_replaced: 0,
            planned: r.clone(),
        })
        .collect();
    plan.addins = model
        .addins
        .iter()
        .map(|a| AddinStep {
            target_id: None,
            action: old_addins
                .iter()
                .find(|s| s.planned.id.eq_ignore_ascii_case(&a.id))
                .map(|s| s.action.clone())
                .unwrap_or(StepAction::Create),
            name: a.name.clone(),
            planned: a.clone(),
        })
        .collect();
    prepared.model = model.clone();
    (prepared, model)
}

#[path = "../common/name_map.rs"]
mod name_map;
#[allow(unused_imports)] // not every test binary that includes apply_support maps names
pub use name_map::write_name_map;

/// The `import` operation (planner, writes, report) as a host runs it.
pub async fn import_operation(
    server: &TestServer,
    db: &str,
    package: &Path,
    name_map: &Path,
) -> Result<pchat_migrate::target::result::ImportResult, PcmError> {
    import_operation_with(server, db, package, name_map, "Fail").await
}

/// [`import_operation`] under a `-ConflictAction`.
pub async fn import_operation_with(
    server: &TestServer,
    db: &str,
    package: &Path,
    name_map: &Path,
    conflict_action: &str,
) -> Result<pchat_migrate::target::result::ImportResult, PcmError> {
    let request = json!({"operation": "import", "params": {
        "connection": server.connection_params(Some(db)),
        "fileName": package.display().to_string(),
        "nameMapFile": name_map.display().to_string(),
        "batchSize": 100,
        "conflictAction": conflict_action,
    }});
    let value = tokio::task::spawn_blocking(move || run_job(request).0)
        .await
        .expect("join")?;
    Ok(serde_json::from_value(value).expect("an ImportResult"))
}
