//! Verify report benchmark (not a test): renders the HTML page of a `VerifyResult` with ROOMS rooms (default
//! 20,000, every tenth one a mismatch with its first difference), as many principals, 500 categories and the
//! decommission checklist, and prints the time to render, the page size and rooms per second. The page is built
//! in memory once per run (the verify job renders it once, at the end), so its cost is linear in the items.
//!
//! Run: `cargo run --release --example bench_verify_report -- [ROOMS]`

use pchat_migrate::target::result::TargetInfo;
use pchat_migrate::util::units::{format_bytes, format_count};
use pchat_migrate::verify::decommission::checklist;
use pchat_migrate::verify::report::render_html;
use pchat_migrate::verify::{
    DecommissionFacts, HistoryComparison, HistoryDigest, VerifyItem, VerifyKind, VerifyResult,
    VerifySource, VerifyStatus, VerifySummary,
};
use std::time::Instant;

fn digest(messages: u64, sha: String) -> HistoryDigest {
    HistoryDigest {
        messages,
        first_chat_id: Some(1),
        last_chat_id: i64::try_from(messages).ok(),
        first_chat_date: Some(634_609_728_000_000_000),
        last_chat_date: Some(634_609_728_900_000_000),
        first_chat_date_utc: Some("2012-01-01T00:00:00Z".into()),
        last_chat_date_utc: Some("2012-01-01T00:15:00Z".into()),
        sha256: Some(sha),
    }
}

fn item(kind: VerifyKind, name: String, key: String) -> VerifyItem {
    VerifyItem {
        kind,
        name,
        key,
        source_name: None,
        target_id: Some(1),
        status: VerifyStatus::Verified,
        first_difference: None,
        differences: 0,
        history: None,
    }
}

fn result(rooms: usize) -> VerifyResult {
    let mut items = Vec::with_capacity(rooms * 2 + 500);
    for i in 0..rooms {
        let mut room = item(
            VerifyKind::Room,
            format!("Category {} - Room <{i}> & more", i % 500),
            format!("{i:08x}-0000-4000-8000-000000000000"),
        );
        let sha = format!("{i:064x}");
        let target = if i % 10 == 0 {
            room.status = VerifyStatus::Mismatch;
            room.first_difference = Some(format!("message chatId {}: content differs", i + 7));
            room.differences = 1;
            format!("{:064x}", i + 1)
        } else {
            sha.clone()
        };
        room.history = Some(HistoryComparison {
            source: digest(250, sha),
            target: digest(250, target),
        });
        items.push(room);
        items.push(item(
            VerifyKind::Principal,
            format!("sip:user{i}@contoso.com"),
            format!("p{i:08x}"),
        ));
    }
    for c in 0..500 {
        items.push(item(
            VerifyKind::Category,
            format!("Category {c}"),
            format!("c{c:08x}"),
        ));
    }
    items.sort_by_key(|i| i.status == VerifyStatus::Verified);
    let mismatched = items
        .iter()
        .filter(|i| i.status == VerifyStatus::Mismatch)
        .count() as u64;
    let mut result = VerifyResult {
        quick: false,
        source: VerifySource {
            kind: "package".into(),
            location: "C:\\Exports\\GroupChat.zip".into(),
            source_kind: "LyncGroupChat2010".into(),
        },
        target: TargetInfo {
            db_instance: "sql13\\rtc".into(),
            database: "mgc".into(),
            kind: "PersistentChat2013".into(),
        },
        summary: VerifySummary {
            passed: mismatched == 0,
            verified: items.len() as u64 - mismatched,
            mismatched,
            rooms: rooms as u64,
            principals: rooms as u64,
            categories: 500,
            source_messages: rooms as u64 * 250,
            target_messages: rooms as u64 * 250,
            ..VerifySummary::default()
        },
        items,
        decommission: Vec::new(),
        report: None,
    };
    result.decommission = checklist(&DecommissionFacts::default(), &result);
    result
}

fn main() {
    let rooms: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("ROOMS is a number"))
        .unwrap_or(20_000);
    let result = result(rooms);
    let started = Instant::now();
    let html = render_html(&result);
    let elapsed = started.elapsed();
    println!(
        "verify report: {} rooms, {} items rendered in {:.1} ms ({} rooms/s), page {}",
        format_count(rooms as u64),
        format_count(result.items.len() as u64),
        elapsed.as_secs_f64() * 1000.0,
        format_count((rooms as f64 / elapsed.as_secs_f64().max(1e-9)) as u64),
        format_bytes(html.len() as u64)
    );
}
