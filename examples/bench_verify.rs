//! Verify benchmark (not a test): writes a package of N messages (default 1,000,000) over R rooms (default 1,000)
//! with the library's `PackageWriter`, starts the SQL Server stand-in (a separate process, so its memory is not
//! counted), imports the package into a fresh `mgc` with the `import` operation, then runs the `verify`
//! operation against it, as the CLI, the C ABI and PowerShell do:
//!   1. full mode from the package, with parallelism 4 (the default) and 1,
//!   2. quick mode from the package.
//!
//! It prints the messages compared per second (messages of one side over the whole verify run: package
//! verification, transform, target reads, every history streamed from both sides and merge-compared with its
//! SHA-256) and the peak resident memory of each run.
//!
//! Run: `bash scripts/bench-verify.sh [MESSAGES] [ROOMS]` (defaults 1,000,000 and 1,000).

#[path = "bench_support/mod.rs"]
mod support;

use chat_fixtures::{create_database, DatabaseKind};
use pchat_migrate::package::*;
use pchat_migrate::util::ticks::ticks_to_iso;
use pchat_migrate::verify::VerifyResult;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{client, start_standin, PASSWORD};

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

/// The package: a system principal and one user, the root and one category, `rooms` rooms, `messages` messages.
fn write_package(path: &Path, messages: u64, rooms: i32) -> Entities {
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
        rooms: (0..rooms)
            .map(|r| node(100 + r, NodeKind::Room, Some(2), &format!("Room {r}")))
            .collect(),
        ..Entities::default()
    };
    writer
        .write_entities(&entities, || Ok(()))
        .expect("entities");
    let per_room = messages / rooms as u64;
    let mut histories = Vec::new();
    for r in 0..rooms {
        let n = per_room + u64::from((r as u64) < messages % rooms as u64);
        let entry = messages_entry(100 + r);
        writer.begin_entry(&entry).expect("entry");
        for c in 1..=n {
            let i = (c - 1) * rooms as u64 + r as u64;
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
            first_message_utc: (n > 0)
                .then(|| ticks_to_iso(T0 + r as i64 * 10_000_000))
                .flatten(),
            last_message_utc: (n > 0)
                .then(|| ticks_to_iso(T0 + ((n - 1) * rooms as u64 + r as u64) as i64 * 10_000_000))
                .flatten(),
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
            rooms: rooms as u64,
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

/// Runs a job request to its end; its result, the RSS before it and the peak RSS during it (MB), and the
/// seconds it took.
fn timed(request: Value) -> (Value, f64, f64, f64) {
    let request = pchat_migrate::operations::Request::from_value(request).expect("request");
    let before = rss_kib() as f64 / 1024.0;
    let memory = PeakMemory::start();
    let started = Instant::now();
    let job = pchat_migrate::operations::start_job(&request).expect("job starts");
    let result = job.wait(|_| {}).expect("the job succeeds");
    let secs = started.elapsed().as_secs_f64();
    (result, before, memory.finish() as f64 / 1024.0, secs)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let messages: u64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let rooms: i32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let dir = std::env::temp_dir().join(format!("pchat-bench-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let package = dir.join("bench.pcmpkg");
    let started = Instant::now();
    write_package(&package, messages, rooms);
    println!(
        "package of {messages} messages in {rooms} rooms: {:.1} MB, written in {:.1} s",
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
        create_database(&mut admin, "Verified", DatabaseKind::Mgc2013)
            .await
            .expect("mgc");
    });
    let connection = json!({ "dbInstance": format!("127.0.0.1,{port}"), "dbName": "Verified", "user": "sa",
                             "password": PASSWORD, "encryption": "Plaintext" });
    let (imported, _, _, secs) = timed(json!({"operation": "import", "params": {
        "connection": connection, "fileName": package.display().to_string(),
    }}));
    println!(
        "imported with the import operation in {secs:.1} s ({} messages)",
        imported["summary"]["messagesImported"]
    );
    for (label, extra) in [
        ("full, parallelism 4", json!({})),
        ("full, parallelism 1", json!({"parallelism": 1})),
        ("quick", json!({"quick": true})),
    ] {
        let mut params =
            json!({"connection": connection, "fileName": package.display().to_string()});
        for (k, v) in extra.as_object().expect("object") {
            params[k] = v.clone();
        }
        let (result, before, peak, secs) = timed(json!({"operation": "verify", "params": params}));
        let result: VerifyResult = serde_json::from_value(result).expect("a VerifyResult");
        for item in result
            .items
            .iter()
            .take_while(|i| i.status != pchat_migrate::verify::VerifyStatus::Verified)
            .take(5)
        {
            println!(
                "  NOT VERIFIED: {:?} {} {:?}: {}",
                item.kind,
                item.name,
                item.status,
                item.first_difference.as_deref().unwrap_or("")
            );
        }
        assert!(
            result.summary.passed,
            "the benchmark's migration verifies: {:?}",
            result.summary
        );
        let compared = result.summary.target_messages;
        println!(
            "verify {label}: {compared} messages in {} rooms in {secs:.2} s = {:.0} messages/s, peak RSS {peak:.1} MB \
             ({before:.1} MB before it)",
            result.summary.rooms,
            compared as f64 / secs
        );
    }
    let _ = standin.kill();
    let _ = standin.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
