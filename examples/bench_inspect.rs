//! Inspect benchmark (not a test): writes a package of N rooms (default 40,000) with the library's own
//! `PackageWriter`, and the hostile corpus of tests/hostile with 2 GiB zip bombs, then inspects each one in a
//! child process (so that the peak resident memory, VmHWM, is that of the inspection alone) through the
//! `inspect_package` job — the path the CLI, the C ABI and PowerShell take.
//!
//! It prints, per package: its size, the outcome, the wall time and the peak RSS.
//!
//! Run: `bash scripts/bench-inspect.sh [ROOMS] [BOMB_BYTES]` (defaults 40000 and 2147483648).

#[path = "bench_support/mod.rs"]
mod support;

#[path = "../tests/hostile/mod.rs"]
mod hostile;

use hostile::sample::{message, node, principal};
use pchat_migrate::operations::{start_job, Request};
use pchat_migrate::package::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use support::peak_rss_kib;

/// Child mode: inspect one file and print one JSON line with the figures.
fn inspect_child(file: &str) {
    let request = Request::from_value(json!({
        "operation": "inspect_package",
        "params": { "fileName": file }
    }))
    .expect("request");
    let started = Instant::now();
    let job = start_job(&request).expect("job starts");
    let mut events = 0u64;
    let result = job.wait(|_| events += 1);
    let seconds = started.elapsed().as_secs_f64();
    let (ok, detail) = match result {
        Ok(v) => (
            true,
            format!("valid, {} rooms", v["rooms"].as_array().map_or(0, Vec::len)),
        ),
        Err(e) => (false, format!("{}: {e}", e.code())),
    };
    println!(
        "{}",
        json!({ "ok": ok, "detail": detail, "seconds": seconds, "peakRssKiB": peak_rss_kib(), "events": events })
    );
}

/// A package of `rooms` rooms of 3 messages each under 100 categories, written as an export writes it.
fn write_rooms_package(path: &Path, rooms: i32) {
    let mut writer = PackageWriter::create(path).expect("create");
    let principals: Vec<Principal> = (1..=100)
        .map(|i| principal(i, &format!("sip:user{i}@contoso.com")))
        .collect();
    let mut categories = vec![node(1, NodeKind::Category, None, "Root", &[])];
    categories.extend((2..=101).map(|i| {
        node(
            i,
            NodeKind::Category,
            Some(1),
            &format!("Category {i}"),
            &[],
        )
    }));
    let room_nodes: Vec<Node> = (0..rooms)
        .map(|i| {
            let parent = 2 + i % 100;
            let mut node = node(
                1000 + i,
                NodeKind::Room,
                Some(parent),
                &format!("Room {i}"),
                &[],
            );
            node.path = vec![format!("Category {parent}")];
            node
        })
        .collect();
    let roles: Vec<RoleAssignment> = room_nodes
        .iter()
        .map(|r| RoleAssignment {
            node_id: r.id,
            principal_id: 1 + r.id % 100,
            role: "Member".into(),
            role_type_id: 1,
            origin: RoleOrigin::Explicit,
            inherited_from: None,
        })
        .collect();
    let entities = Entities {
        principals,
        categories,
        rooms: room_nodes,
        roles,
        ..Entities::default()
    };
    writer
        .write_entities(&entities, || Ok(()))
        .expect("entities");
    let room_nodes = &entities.rooms;
    let mut histories = Vec::new();
    let mut total = 0u64;
    for room in room_nodes {
        let messages: Vec<Message> = (1..=3)
            .map(|c| {
                let mut m = message(
                    c,
                    634_500_000_000_000_000 + c,
                    "a message of ordinary length, with a link",
                );
                m.poster_id = 1 + room.id % 100;
                m
            })
            .collect();
        writer
            .write_entry(&messages_entry(room.id), &messages)
            .expect("history");
        total += 3;
        histories.push(RoomHistory {
            room_id: room.id,
            entry: messages_entry(room.id),
            messages: 3,
            first_chat_id: Some(1),
            last_chat_id: Some(3),
            chat_id_bound: Some(3),
            first_message_utc: Some(messages[0].chat_date_utc.clone()),
            last_message_utc: Some(messages[2].chat_date_utc.clone()),
        });
    }
    let count = |n: usize| u64::try_from(n).expect("count");
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
            database: "GroupChat".into(),
            kind: "LyncGroupChat2010".into(),
            product_version: None,
        },
        parameters: json!({ "level": "All", "scope": null }),
        counts: EntityCounts {
            principals: count(entities.principals.len()),
            categories: count(entities.categories.len()),
            rooms: count(entities.rooms.len()),
            roles: count(entities.roles.len()),
            scopes: 0,
            addins: 0,
            messages: total,
        },
        rooms: histories,
        entries: Vec::new(),
    };
    writer.finish(manifest).expect("finish");
}

fn run_child(file: &Path) -> Value {
    let out = Command::new(std::env::current_exe().expect("exe"))
        .arg("--inspect")
        .arg(file)
        .output()
        .expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("{}"))
        .unwrap_or_else(|_| json!({"detail": text}))
}

fn report(label: &str, file: &Path, figures: &Value) {
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let detail = figures["detail"].as_str().unwrap_or("?");
    // The reason, without the "package '<path>' cannot be used: " every refusal starts with.
    let reason = detail
        .split_once("cannot be used: ")
        .map_or(detail, |(_, r)| r);
    let detail: String = reason.chars().take(100).collect();
    println!(
        "{label:<28} {:>10.1} KiB  {:>7.3} s  peak RSS {:>8.1} MiB  {detail}",
        size as f64 / 1024.0,
        figures["seconds"].as_f64().unwrap_or(f64::NAN),
        figures["peakRssKiB"].as_f64().unwrap_or(f64::NAN) / 1024.0,
    );
}

/// Diagnostic mode (`--phases FILE`): peak RSS after each phase of an inspection, without the job around it.
fn phases(file: &str) {
    let path = Path::new(file);
    let mut reader = PackageReader::open(path).expect("open");
    eprintln!("after open: {} KiB", peak_rss_kib());
    let figures = reader.verify(|_, _| {}).expect("verify");
    eprintln!("after verify: {} KiB", peak_rss_kib());
    drop(reader);
    let value = serde_json::to_value(&figures).expect("json");
    drop(figures);
    eprintln!("after the result JSON: {} KiB", peak_rss_kib());
    drop(value);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--phases") {
        let file = args.get(2).expect("file").clone();
        // On a thread of its own, as the job's blocking task runs.
        std::thread::spawn(move || phases(&file))
            .join()
            .expect("thread");
        return;
    }
    if args.get(1).map(String::as_str) == Some("--inspect") {
        inspect_child(args.get(2).expect("file"));
        return;
    }
    let rooms: i32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(40_000);
    let bomb: u64 = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2 * 1024 * 1024 * 1024);
    let dir: PathBuf =
        std::env::temp_dir().join(format!("pcm-bench-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");

    println!("package                            size        time      peak RSS      outcome");
    let big = dir.join(format!("rooms-{rooms}.zip"));
    let started = Instant::now();
    write_rooms_package(&big, rooms);
    let manifest_size = zip::ZipArchive::new(std::fs::File::open(&big).expect("open"))
        .and_then(|mut z| z.by_name(MANIFEST_ENTRY).map(|e| e.size()))
        .unwrap_or(0);
    eprintln!(
        "(wrote {rooms} rooms in {:.1} s; manifest.json {manifest_size} bytes, {:.0} bytes per room)",
        started.elapsed().as_secs_f64(),
        manifest_size as f64 / f64::from(rooms.max(1))
    );
    report(&format!("{rooms} rooms"), &big, &run_child(&big));
    let _ = std::fs::remove_file(&big);

    let started = Instant::now();
    let cases = hostile::cases_with_bombs(bomb);
    eprintln!(
        "(built {} hostile packages, bombs of {bomb} bytes, in {:.1} s)",
        cases.len(),
        started.elapsed().as_secs_f64()
    );
    let mut worst: Option<(String, f64)> = None;
    for case in cases {
        let file = dir.join(format!("{}.zip", case.name));
        std::fs::write(&file, &case.bytes).expect("write");
        let figures = run_child(&file);
        report(case.name, &file, &figures);
        let rss = figures["peakRssKiB"].as_f64().unwrap_or(0.0);
        if worst.as_ref().is_none_or(|(_, w)| rss > *w) {
            worst = Some((case.name.to_string(), rss));
        }
        let _ = std::fs::remove_file(&file);
    }
    if let Some((name, rss)) = worst {
        println!(
            "highest peak RSS of a hostile package: {name}, {:.1} MiB",
            rss / 1024.0
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
