//! Archive benchmark (not a test): writes a package of N messages over R rooms with the library's
//! `PackageWriter`, then archives it in a child process (so that the peak resident memory, VmHWM, is the
//! archive's alone) through the `archive` job — the path the CLI, the C ABI and PowerShell take — once with the
//! machine's local time zone and once with a fixed offset.
//!
//! Prints per run: the wall time, messages/s, pages, files, bytes written and the peak RSS.
//!
//! Run: `bash scripts/bench-archive.sh [MESSAGES] [ROOMS]` (defaults 1000000 and 100).

#[path = "bench_support/mod.rs"]
mod support;

use pchat_migrate::operations::{start_job, Request};
use pchat_migrate::package::*;
use pchat_migrate::util::ticks::ticks_to_iso;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use support::peak_rss_kib;

fn node(id: i32, kind: NodeKind, parent: Option<i32>, name: &str, path: &[&str]) -> Node {
    Node {
        id,
        guid: format!("10000000-0000-0000-0000-{id:012}"),
        kind,
        parent_id: parent,
        is_root: parent.is_none(),
        name: name.to_string(),
        path: path.iter().map(|p| p.to_string()).collect(),
        description: String::new(),
        topic: None,
        invite: None,
        logged: None,
        file_post: None,
        disabled: id % 10 == 0,
        inheritance: None,
        scope_change: None,
        override_member: None,
        restrict_child_create: None,
        behavior: 4,
        behavior_name: Some("Normal".into()),
        visibility: 3,
        visibility_name: None,
        addin_id: None,
        filestore_uri: None,
        added_by: None,
        added_on: None,
        updated_by: None,
        updated_on: None,
    }
}

fn principal(id: i32) -> Principal {
    Principal {
        id,
        guid: format!("00000000-0000-0000-0000-{id:012}"),
        uri: format!("sip:user{id}@contoso.com"),
        type_id: 5,
        type_name: Some("User".into()),
        is_user: Some(true),
        is_system_user: Some(false),
        is_federated: Some(false),
        name: Some(format!("User {id}")),
        display_name: None,
        company_name: None,
        email: None,
        ad_path: None,
        user_principal_name: None,
        disabled: 0,
        allowed_perm_set: Some(0),
        use_inherited_perms: Some(true),
        added_on: None,
        updated_on: None,
    }
}

/// ~100-character messages; every 20th with a file link, every 50th with markup to escape.
fn content(i: u64) -> String {
    let base = format!(
        "Message {i}: the quarterly numbers are in, please review before the meeting on Friday."
    );
    if i.is_multiple_of(20) {
        format!("{base} ma-filelink:///room/{i}/Report%20{i}.xlsx")
    } else if i % 50 == 1 {
        format!("{base} <b>\"bold\"</b> & 'quoted'")
    } else {
        base
    }
}

fn write_package(path: &Path, messages: u64, rooms: u64) {
    let mut writer = PackageWriter::create(path).expect("create");
    let room_nodes: Vec<Node> = (0..rooms)
        .map(|r| {
            let id = 100 + i32::try_from(r).expect("rooms fit i32");
            node(
                id,
                NodeKind::Room,
                Some(2),
                &format!("Room {r}"),
                &["Sales"],
            )
        })
        .collect();
    writer
        .write_entities(
            &Entities {
                principals: (1..=50).map(principal).collect(),
                categories: vec![
                    node(1, NodeKind::Category, None, "Root", &[]),
                    node(2, NodeKind::Category, Some(1), "Sales", &[]),
                ],
                rooms: room_nodes.clone(),
                ..Entities::default()
            },
            || Ok(()),
        )
        .expect("entities");
    let per_room = messages / rooms;
    let mut histories = Vec::new();
    let mut chat_id = 0i64;
    for room in &room_nodes {
        writer.begin_entry(&messages_entry(room.id)).expect("entry");
        let first = chat_id + 1;
        for i in 0..per_room {
            chat_id += 1;
            let ticks = 634_100_000_000_000_000 + chat_id * 600_000_000;
            writer
                .write_record(&Message {
                    chat_id,
                    chat_date: ticks,
                    chat_date_utc: ticks_to_iso(ticks).expect("ticks"),
                    poster_id: 1 + i32::try_from(i % 50).expect("small"),
                    poster_uri: None,
                    is_alert: i.is_multiple_of(97),
                    content: content(chat_id as u64),
                    content_utf16_base64: None,
                    rtf: None,
                })
                .expect("record");
        }
        writer.end_entry().expect("end");
        histories.push(RoomHistory {
            room_id: room.id,
            entry: messages_entry(room.id),
            messages: per_room,
            first_chat_id: (per_room > 0).then_some(first),
            last_chat_id: (per_room > 0).then_some(chat_id),
            chat_id_bound: (per_room > 0).then_some(chat_id),
            first_message_utc: None,
            last_message_utc: None,
        });
    }
    writer
        .finish(Manifest {
            format: FORMAT_NAME.into(),
            format_version: format!("{FORMAT_MAJOR}.{FORMAT_MINOR}"),
            tool: ToolInfo {
                name: "bench".into(),
                version: "0".into(),
            },
            created_utc: "2026-12-02T00:00:00Z".into(),
            source: SourceInfo {
                db_instance: "bench".into(),
                database: "GroupChat".into(),
                kind: "LyncGroupChat2010".into(),
                product_version: None,
            },
            parameters: json!({ "level": "All" }),
            counts: EntityCounts {
                principals: 50,
                categories: 2,
                rooms,
                messages: per_room * rooms,
                ..EntityCounts::default()
            },
            rooms: histories,
            entries: Vec::new(),
        })
        .expect("finish");
}

/// Child mode: archive one package and print one JSON line with the figures.
fn child(package: &str, out: &str, time_zone: &str) {
    let request = Request::from_value(json!({ "operation": "archive", "params": {
        "fileName": package, "outputFolder": out, "timeZone": time_zone, "force": true,
        "fileStoreUrl": "https://files.contoso.com/mgc" } }))
    .expect("request");
    let started = Instant::now();
    let result = start_job(&request)
        .expect("starts")
        .wait(|_| {})
        .expect("archive succeeds");
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({ "seconds": seconds, "counts": result["counts"], "peakRssKib": peak_rss_kib() })
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--archive") {
        child(&args[2], &args[3], &args[4]);
        return;
    }
    let messages: u64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let rooms: u64 = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100)
        .max(1);
    let dir = std::env::temp_dir().join(format!("pchat-bench-archive-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let package = dir.join("bench.pcmpkg");
    let written = Instant::now();
    write_package(&package, messages, rooms);
    let size = std::fs::metadata(&package).map(|m| m.len()).unwrap_or(0);
    println!(
        "package: {} messages in {rooms} rooms, {:.1} MB, written in {:.1} s",
        messages / rooms * rooms,
        size as f64 / 1e6,
        written.elapsed().as_secs_f64()
    );
    for time_zone in ["local", "+01:00"] {
        let out = dir.join("archive");
        let output = Command::new(std::env::current_exe().expect("exe"))
            .args([
                "--archive",
                &package.display().to_string(),
                &out.display().to_string(),
                time_zone,
            ])
            .output()
            .expect("child runs");
        let text = String::from_utf8_lossy(&output.stdout);
        let figures: Value =
            serde_json::from_str(text.lines().last().unwrap_or("{}")).unwrap_or_default();
        let seconds = figures["seconds"].as_f64().unwrap_or(f64::NAN);
        let counts = &figures["counts"];
        let archived = counts["messages"].as_u64().unwrap_or(0);
        println!(
            "archive (timeZone {time_zone}): {archived} messages in {seconds:.2} s = {:.0} messages/s; {} pages, {} files, {:.1} MB written; peak RSS {:.1} MB",
            archived as f64 / seconds,
            counts["pages"],
            counts["files"],
            counts["bytes"].as_f64().unwrap_or(0.0) / 1e6,
            figures["peakRssKib"].as_f64().unwrap_or(0.0) / 1024.0
        );
        if !output.status.success() {
            println!(
                "the archive failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
