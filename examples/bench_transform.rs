//! Transform benchmark (not a test): builds a legacy deployment of C categories nested 4 deep and R rooms
//! (defaults 5,000 and 40,000), with members, managers and scopes on categories and rooms, and times
//! `transform` on it. Prints the sizes, the findings, the wall time and the peak RSS.
//!
//! Run: `bash scripts/bench-transform.sh [CATEGORIES] [ROOMS]`.

#[path = "../tests/common/sample.rs"]
mod sample;

use pchat_migrate::package::reader::Entities;
use pchat_migrate::package::{NodeKind, RoleAssignment, RoleOrigin, RoomHistory, ScopeEntry};
use pchat_migrate::transform::{transform, TransformOptions};
use sample::{node, principal};
use std::time::Instant;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn role(node_id: i32, principal_id: i32, role: &str) -> RoleAssignment {
    RoleAssignment {
        node_id,
        principal_id,
        role: role.into(),
        role_type_id: 0,
        origin: RoleOrigin::Explicit,
        inherited_from: None,
    }
}

/// Root 1; categories 2.. in chains of four (each fourth one top-level); rooms spread over them.
fn deployment(categories: i32, rooms: i32) -> (Entities, Vec<RoomHistory>) {
    let mut e = Entities {
        principals: (1..=2_000)
            .map(|i| principal(i, &format!("sip:u{i}@example.com")))
            .collect(),
        ..Entities::default()
    };
    e.categories
        .push(node(1, NodeKind::Category, None, "Root", &[]));
    e.roles.push(role(1, 1, "Manager"));
    let mut paths: Vec<Vec<String>> = vec![Vec::new()];
    for i in 0..categories {
        let id = i + 2;
        let (parent, path) = if i % 4 == 0 {
            (1, Vec::new())
        } else {
            let parent = id - 1;
            let mut p = paths[usize::try_from(parent - 1).expect("index")].clone();
            p.push(format!("Category {parent}"));
            (parent, p)
        };
        let refs: Vec<&str> = path.iter().map(String::as_str).collect();
        e.categories.push(node(
            id,
            NodeKind::Category,
            Some(parent),
            &format!("Category {id}"),
            &refs,
        ));
        e.roles.push(role(id, id % 2_000 + 1, "Member"));
        e.scopes.push(ScopeEntry {
            node_id: id,
            principal_id: id % 1_000 + 1,
            denied: false,
        });
        paths.push(path);
    }
    let mut histories = Vec::new();
    for j in 0..rooms {
        let id = categories + 2 + j;
        let parent = 2 + j % categories;
        let mut path = paths[usize::try_from(parent - 1).expect("index")].clone();
        path.push(format!("Category {parent}"));
        let refs: Vec<&str> = path.iter().map(String::as_str).collect();
        let mut r = node(
            id,
            NodeKind::Room,
            Some(parent),
            &format!("Room {id}"),
            &refs,
        );
        r.logged = Some(j % 3 != 0);
        e.rooms.push(r);
        e.roles.push(role(id, j % 2_000 + 1, "Manager"));
        e.roles.push(role(id, (j + 7) % 2_000 + 1, "Member"));
        histories.push(RoomHistory {
            room_id: id,
            entry: format!("messages/room-{id}.jsonl"),
            messages: 100,
            first_chat_id: None,
            last_chat_id: None,
            chat_id_bound: None,
            first_message_utc: None,
            last_message_utc: None,
        });
    }
    (e, histories)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let categories: i32 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let rooms: i32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(40_000);
    let (entities, histories) = deployment(categories.max(1), rooms);
    let before = peak_rss_kib();
    let started = Instant::now();
    let model = transform(
        "LyncGroupChat2010",
        &entities,
        &histories,
        &TransformOptions::default(),
    );
    let elapsed = started.elapsed();
    println!(
        "transform: {} categories, {} rooms, {} roles, {} scopes -> {} categories, {} rooms, {} findings \
         in {:.3} s; peak RSS {} KiB (before the transform {} KiB)",
        entities.categories.len(),
        entities.rooms.len(),
        entities.roles.len(),
        entities.scopes.len(),
        model.categories.len(),
        model.rooms.len(),
        model.findings.len(),
        elapsed.as_secs_f64(),
        peak_rss_kib(),
        before
    );
}
