//! Import benchmark (not a test): writes a package of N messages (default 1,000,000) over 100 rooms with the
//! library's `PackageWriter`, starts the SQL Server stand-in (a separate process, so its memory is not
//! counted), creates two fresh `mgc` databases from the 2013 fixture, and measures in this process
//!   1. the floor: a raw tiberius `bulk_insert` of the same rows into `tblChat` of the first, in batches of the
//!      same size, each batch one transaction, the rows built in memory (no package read), and
//!   2. the import's writes (`target::apply::apply`: lock, principals, nodes, then chat read from the package
//!      on the blocking pool, bulk-inserted per batch with `tblLastChatId` in the same transaction) into the
//!      second.
//!
//! It prints messages/s of each, the ratio (goal ≥ 0.8) and the peak resident memory of the import.
//!
//! Run: `bash scripts/bench-import.sh [MESSAGES] [BATCH]` (defaults 1,000,000 and 5,000).

#[path = "bench_support/mod.rs"]
mod support;

use chat_fixtures::{create_database, DatabaseKind};
use pchat_migrate::connection::ConnectionParams;
use pchat_migrate::jobs::Job;
use pchat_migrate::package::*;
use pchat_migrate::target::apply::apply;
use pchat_migrate::target::plan::PreparedImport;
use pchat_migrate::target::result::{PackageInfo, Preflight};
use pchat_migrate::target::*;
use pchat_migrate::transform::*;
use pchat_migrate::util::ticks::ticks_to_iso;
use serde_json::json;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{client, start_standin, PASSWORD};
use tiberius::{ColumnData, TokenRow};

const ROOMS: i32 = 100;
/// Ticks of 2012-01-01, the first message's date.
const T0: i64 = 634_609_728_000_000_000;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Samples RSS every 5 ms while a phase runs; returns the peak.
struct PeakMemory {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PeakMemory {
    fn start() -> PeakMemory {
        let peak = Arc::new(AtomicU64::new(rss_kib()));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (peak.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(rss_kib(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        PeakMemory {
            peak,
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.load(Ordering::Relaxed)
    }
}

/// Message `i` (0-based) of the benchmark: room, chatId within the room, content (~110 characters).
fn content(i: u64) -> String {
    format!("Message {i:>9}: the quarterly numbers are in the shared folder, see ma-filelink:///share/q{i}.xlsx ok")
}

fn room_of(i: u64) -> (i32, i64) {
    let rooms = ROOMS as u64;
    ((i % rooms) as i32, (i / rooms + 1) as i64)
}

fn principal(id: i32, uri: &str, system: bool) -> Principal {
    Principal {
        id,
        guid: format!("00000000-0000-0000-0001-{id:012}"),
        uri: uri.into(),
        type_id: if system { 4 } else { 5 },
        type_name: Some(if system { "SystemUser" } else { "User" }.into()),
        is_user: Some(!system),
        is_system_user: Some(system),
        is_federated: Some(false),
        name: Some(uri.into()),
        display_name: None,
        company_name: None,
        email: None,
        ad_path: None,
        user_principal_name: None,
        disabled: 0,
        allowed_perm_set: None,
        use_inherited_perms: None,
        added_on: Some(T0),
        updated_on: Some(T0),
    }
}

fn node(id: i32, kind: NodeKind, parent: Option<i32>, name: &str) -> Node {
    Node {
        id,
        guid: format!("00000000-0000-0000-0002-{id:012}"),
        kind,
        parent_id: parent,
        is_root: parent.is_none(),
        name: name.into(),
        path: Vec::new(),
        description: String::new(),
        topic: None,
        invite: None,
        logged: None,
        file_post: None,
        disabled: false,
        inheritance: None,
        scope_change: None,
        override_member: None,
        restrict_child_create: None,
        behavior: 4,
        behavior_name: Some("normal".into()),
        visibility: 3,
        visibility_name: Some("scope".into()),
        addin_id: None,
        filestore_uri: None,
        added_by: None,
        added_on: Some(T0),
        updated_by: None,
        updated_on: Some(T0),
    }
}

/// The package: a system principal and one user, the root and one category, 100 rooms, `messages` messages.
fn write_package(path: &Path, messages: u64) -> Entities {
    let mut writer = PackageWriter::create(path).expect("create");
    let entities = Entities {
        principals: vec![
            principal(1, "sip:system@pchat.invalid", true),
            principal(2, "sip:ann@contoso.com", false),
        ],
        categories: vec![
            node(1, NodeKind::Category, None, "Root"),
            node(2, NodeKind::Category, Some(1), "Bench"),
        ],
        rooms: (0..ROOMS)
            .map(|r| node(100 + r, NodeKind::Room, Some(2), &format!("Room {r}")))
            .collect(),
        ..Entities::default()
    };
    writer
        .write_entities(&entities, || Ok(()))
        .expect("entities");
    let per_room = messages / ROOMS as u64;
    let mut histories = Vec::new();
    for r in 0..ROOMS {
        let n = per_room + u64::from((r as u64) < messages % ROOMS as u64);
        let entry = messages_entry(100 + r);
        writer.begin_entry(&entry).expect("entry");
        for c in 1..=n {
            let i = (c - 1) * ROOMS as u64 + r as u64;
            let ticks = T0 + i as i64 * 10_000_000;
            writer
                .write_record(&Message {
                    chat_id: c as i64,
                    chat_date: ticks,
                    chat_date_utc: ticks_to_iso(ticks).expect("ticks"),
                    poster_id: 2,
                    poster_uri: Some("sip:ann@contoso.com".into()),
                    is_alert: false,
                    content: content(i),
                    content_utf16_base64: None,
                    rtf: None,
                })
                .expect("message");
        }
        writer.end_entry().expect("end");
        histories.push(RoomHistory {
            room_id: 100 + r,
            entry,
            messages: n,
            first_chat_id: (n > 0).then_some(1),
            last_chat_id: (n > 0).then_some(n as i64),
            chat_id_bound: (n > 0).then_some(n as i64),
            first_message_utc: None,
            last_message_utc: None,
        });
    }
    let manifest = Manifest {
        format: FORMAT_NAME.into(),
        format_version: format!("{FORMAT_MAJOR}.{FORMAT_MINOR}"),
        tool: ToolInfo {
            name: "pchat-migrate".into(),
            version: "bench".into(),
        },
        created_utc: "2026-12-01T00:00:00Z".into(),
        source: SourceInfo {
            db_instance: "sql01".into(),
            database: "mgc".into(),
            kind: "PersistentChat2013".into(),
            product_version: None,
        },
        parameters: json!({}),
        counts: EntityCounts {
            principals: 2,
            categories: 2,
            rooms: ROOMS as u64,
            roles: 0,
            scopes: 0,
            addins: 0,
            messages,
        },
        rooms: histories,
        entries: Vec::new(),
    };
    writer.finish(manifest).expect("finish");
    entities
}

/// The plan a planner makes for the benchmark package against a fresh fixture `mgc` (root 1, system principal
/// 1, the fixture's lookup ids).
fn prepared(
    path: &Path,
    database: &str,
    entities: &Entities,
    batch_size: u32,
    messages: u64,
) -> PreparedImport {
    let per_room = messages / ROOMS as u64;
    let principals = entities
        .principals
        .iter()
        .map(|p| PrincipalStep {
            action: StepAction::Create,
            type_id: p.type_id,
            planned: PlannedPrincipal {
                source_id: p.id,
                guid: p.guid.clone(),
                uri: p.uri.clone(),
                type_name: p.type_name.clone().unwrap_or_default(),
                source_type_name: None,
                is_system_user: p.is_system_user == Some(true),
                name: p.name.clone(),
                display_name: None,
                company_name: None,
                email: None,
                ad_path: None,
                user_principal_name: None,
                disabled: 0,
                federated: false,
                added_on: p.added_on,
                updated_on: p.updated_on,
            },
        })
        .collect();
    let category = &entities.categories[1];
    let categories = vec![CategoryStep {
        action: StepAction::Create,
        name: category.name.clone(),
        planned: PlannedCategory {
            source_id: Some(category.id),
            guid: category.guid.clone(),
            source_path: category.name.clone(),
            name: category.name.clone(),
            description: String::new(),
            invite: true,
            logged: true,
            file_post: true,
            allowed: vec![2],
            denied: Vec::new(),
            creators: Vec::new(),
            added_by: None,
            added_on: Some(T0),
            updated_by: None,
            updated_on: Some(T0),
        },
    }];
    let rooms = entities
        .rooms
        .iter()
        .map(|n| RoomStep {
            action: StepAction::Create,
            name: n.name.clone(),
            behavior_id: 4,
            visibility_id: 3,
            messages_in_target: 0,
            resume_after_chat_id: None,
            messages_replaced: 0,
            planned: PlannedRoom {
                source_id: n.id,
                guid: n.guid.clone(),
                source_path: n.name.clone(),
                name: n.name.clone(),
                category_guid: category.guid.clone(),
                description: String::new(),
                invite: None,
                disabled: false,
                behavior: "normal".into(),
                visibility: "scope".into(),
                addin_id: None,
                members: vec![2],
                managers: vec![2],
                presenters: Vec::new(),
                messages: per_room + u64::from(((n.id - 100) as u64) < messages % ROOMS as u64),
                added_by: None,
                added_on: Some(T0),
                updated_by: None,
                updated_on: Some(T0),
            },
        })
        .collect();
    let ids = |pairs: &[(&str, i64)]| -> BTreeMap<String, i64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    let roles = ids(&[("member", 1), ("manager", 2), ("voiced", 3), ("creator", 4)]);
    PreparedImport {
        package_path: path.to_path_buf(),
        package: PackageInfo {
            path: path.display().to_string(),
            source_kind: "PersistentChat2013".into(),
            source_database: "mgc".into(),
            created_utc: String::new(),
        },
        database: database.into(),
        model: MigrationModel::default(),
        state: TargetState {
            db_instance: String::new(),
            database: database.into(),
            kind: "PersistentChat2013".into(),
            root_id: 1,
            system_principal_id: 1,
            role_types: roles.iter().map(|(k, v)| (k.clone(), *v as i32)).collect(),
            principal_types: BTreeMap::new(),
            enum_values: ids(&[
                ("private", 2),
                ("scope", 3),
                ("normal", 4),
                ("auditorium", 5),
                ("open", 6),
            ])
            .into_iter()
            .map(|(k, v)| (k, v as i16))
            .collect(),
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
        },
        plan: ImportPlan {
            conflict_action: ConflictAction::Fail,
            options: TransformOptions::default(),
            source_kind: "PersistentChat2013".into(),
            principals,
            addins: Vec::new(),
            categories,
            rooms,
            role_type_ids: [("Member", 1), ("Manager", 2), ("Voiced", 3), ("Creator", 4)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            findings: Vec::new(),
            estimate: Estimate {
                messages,
                bytes: 0,
                seconds: 0.0,
                basis: "bench".into(),
            },
        },
        preflight: Preflight {
            servers: Vec::new(),
            admin_lock: None,
            backup: BackupStatus::None,
        },
        batch_size,
    }
}

/// The floor: the same rows, room by room in chatId order, bulk-inserted in batches of `batch`, each batch a
/// transaction.
async fn raw_bulk(port: u16, database: &str, messages: u64, batch: u64) -> u64 {
    let mut c = client(port, database).await;
    let columns = [
        "[channelId]",
        "[chatId]",
        "[chatDate]",
        "[userId]",
        "[isAlert]",
        "[content]",
        "[rtf]",
    ];
    let per_room = messages / ROOMS as u64;
    let mut written = 0;
    for r in 0..ROOMS {
        let n = per_room + u64::from((r as u64) < messages % ROOMS as u64);
        let mut c_id = 1;
        while c_id <= n {
            let end = (c_id + batch - 1).min(n);
            c.simple_query("BEGIN TRANSACTION")
                .await
                .expect("begin")
                .into_results()
                .await
                .expect("begin");
            let mut load = c
                .bulk_insert_columns("dbo.[tblChat]", &columns)
                .await
                .expect("bulk");
            for chat in c_id..=end {
                let i = (chat - 1) * ROOMS as u64 + r as u64;
                let (_, chat_id) = room_of(i);
                let mut row = TokenRow::with_capacity(7);
                row.push(ColumnData::I32(Some(100 + r)));
                row.push(ColumnData::I64(Some(chat_id)));
                row.push(ColumnData::I64(Some(T0 + i as i64 * 10_000_000)));
                row.push(ColumnData::I32(Some(2)));
                row.push(ColumnData::Bit(Some(false)));
                row.push(ColumnData::String(Some(Cow::Owned(content(i)))));
                row.push(ColumnData::String(None));
                load.send(row).await.expect("row");
            }
            load.finalize().await.expect("finalize");
            c.simple_query("COMMIT TRANSACTION")
                .await
                .expect("commit")
                .into_results()
                .await
                .expect("commit");
            written += end - c_id + 1;
            c_id = end + 1;
        }
    }
    written
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let messages: u64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let batch: u32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let dir = std::env::temp_dir().join(format!("pchat-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let package = dir.join("bench.pcmpkg");
    let started = Instant::now();
    let entities = write_package(&package, messages);
    println!(
        "package of {messages} messages in {ROOMS} rooms: {:.1} MB, written in {:.1} s",
        std::fs::metadata(&package).map(|m| m.len()).unwrap_or(0) as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let (mut standin, port) = start_standin();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut admin = client(port, "master").await;
        for db in ["RawBulk", "Imported", "Operation"] {
            create_database(&mut admin, db, DatabaseKind::Mgc2013)
                .await
                .expect("mgc");
        }
    });

    let started = Instant::now();
    let raw = runtime.block_on(raw_bulk(port, "RawBulk", messages, u64::from(batch)));
    let raw_secs = started.elapsed().as_secs_f64();
    let raw_rate = raw as f64 / raw_secs;
    println!("raw tiberius bulk_insert, batches of {batch}: {raw} rows in {raw_secs:.2} s = {raw_rate:.0} rows/s");

    let prepared = prepared(&package, "Imported", &entities, batch, messages);
    let params: ConnectionParams = serde_json::from_value(json!({
        "dbInstance": format!("127.0.0.1,{port}"), "dbName": "Imported", "user": "sa", "password": PASSWORD,
        "encryption": "Plaintext",
    }))
    .expect("params");
    let settings = params.validate().expect("settings");
    let summary = Arc::new(Mutex::new(None));
    let slot = summary.clone();
    let memory = PeakMemory::start();
    let started = Instant::now();
    let job = Job::spawn("import", move |ctx| async move {
        let outcome = apply(&settings, &prepared, &ctx).await?;
        *slot.lock().expect("slot") = Some(outcome.summary);
        Ok(serde_json::Value::Null)
    })
    .expect("job");
    let mut chat_started = None;
    job.wait(|e| {
        if let pchat_migrate::jobs::JobEvent::Progress { status, .. } = e {
            if status == "Writing chat" && chat_started.is_none() {
                chat_started = Some(Instant::now());
            }
        }
    })
    .expect("import succeeds");
    let secs = started.elapsed().as_secs_f64();
    let chat_secs = chat_started
        .map(|t| t.elapsed().as_secs_f64())
        .unwrap_or(secs);
    let peak = memory.finish();
    let summary = summary.lock().expect("slot").take().expect("summary");
    let rate = summary.messages_imported as f64 / secs;
    println!(
        "import (apply), batches of {batch}: {} messages ({:.1} MB) in {secs:.2} s = {rate:.0} messages/s, \
         {:.2}x the raw bulk insert, peak RSS {:.1} MB",
        summary.messages_imported,
        summary.bytes_imported as f64 / 1_048_576.0,
        rate / raw_rate,
        peak as f64 / 1024.0
    );
    println!(
        "  of which the chat stage: {chat_secs:.2} s = {:.0} messages/s ({:.2}x); before it (lock, principals, \
         {ROOMS} rooms with roles): {:.2} s",
        summary.messages_imported as f64 / chat_secs,
        summary.messages_imported as f64 / chat_secs / raw_rate,
        secs - chat_secs
    );
    // 3. For reference: the whole `import` operation (package validation, transform, planning, the writes,
    //    the report), as the CLI, the C ABI and PowerShell run it.
    let request = pchat_migrate::operations::Request::from_value(json!({
        "operation": "import",
        "params": {
            "connection": { "dbInstance": format!("127.0.0.1,{port}"), "dbName": "Operation", "user": "sa",
                            "password": PASSWORD, "encryption": "Plaintext" },
            "fileName": package.display().to_string(),
            "batchSize": batch,
        }
    }))
    .expect("request");
    let memory = PeakMemory::start();
    let started = Instant::now();
    let job = pchat_migrate::operations::start_job(&request).expect("import starts");
    let result = job.wait(|_| {}).expect("the import operation succeeds");
    let secs = started.elapsed().as_secs_f64();
    let peak = memory.finish();
    let result: pchat_migrate::target::result::ImportResult =
        serde_json::from_value(result).expect("an ImportResult");
    let imported = result.summary.messages_imported;
    println!(
        "import operation (validate, plan, write), batches of {batch}: {imported} messages in {secs:.2} s = \
         {:.0} messages/s ({:.2}x the raw bulk insert), peak RSS {:.1} MB",
        imported as f64 / secs,
        imported as f64 / secs / raw_rate,
        peak as f64 / 1024.0
    );
    let _ = standin.kill();
    let _ = standin.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
