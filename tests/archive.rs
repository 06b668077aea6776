//! Issue 9, decommission step 6: `archive` turns a package into static HTML pages, an index, a JSON Lines copy
//! and a manifest. Every message of every room is there (JSON Lines and HTML rows counted against the package,
//! empty and split rooms included, and a generated deployment exported over real TDS); hostile content and
//! names are inert in a real browser (chromium); file links point into the file store and hostile ones are
//! not links; the archive is byte-for-byte deterministic; a non-empty folder is refused without -Force; a
//! cancel leaves nothing behind.

#[path = "common/browser.rs"]
mod browser;
mod common;
#[path = "common/sample.rs"]
mod sample;

use browser::{chromium, dump_dom};
use chat_fixtures::{create_database, generate_model, write_legacy, DatabaseKind, Size};
use common::{fresh_dir, run_job, unique_db_name, TestServer};
use pchat_migrate::archive::{ArchiveManifest, ArchiveResult, ArchivedMessage};
use pchat_migrate::jobs::{JobEvent, JobState};
use pchat_migrate::operations::{start_job, Request};
use pchat_migrate::package::*;
use pchat_migrate::PcmError;
use sample::{message, node, principal};
use serde_json::{json, Value};
use sha2::Digest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// ------------------------------------------------------------------------------------------------------------
// Packages written by hand.

/// A room and its history (`None`: no history entry, as in a RoomDirectory export).
struct RoomSpec {
    node: Node,
    history: Option<Vec<Message>>,
}

const BASE_TICKS: i64 = 634_100_000_000_000_000;

fn messages(count: usize, first_chat_id: i64) -> Vec<Message> {
    (0..count)
        .map(|i| {
            let mut m = message(
                first_chat_id + i as i64 * 3,
                BASE_TICKS + i as i64 * 600_000_000,
                &format!("message {i} of {count}"),
            );
            m.is_alert = i % 7 == 3;
            m
        })
        .collect()
}

/// Writes a package of the given principals and rooms below Root(1) > Sales(2) > EMEA(3).
fn write_package(path: &Path, principals: Vec<Principal>, rooms: Vec<RoomSpec>) {
    let categories = vec![
        node(1, NodeKind::Category, None, "Root", &[]),
        node(2, NodeKind::Category, Some(1), "Sales", &[]),
        node(3, NodeKind::Category, Some(2), "EMEA", &["Sales"]),
    ];
    let mut writer = PackageWriter::create(path).expect("create");
    writer
        .write_entities(
            &Entities {
                principals: principals.clone(),
                categories: categories.clone(),
                rooms: rooms.iter().map(|r| r.node.clone()).collect(),
                ..Entities::default()
            },
            || Ok(()),
        )
        .expect("entities");
    let mut histories = Vec::new();
    let mut total = 0u64;
    for room in &rooms {
        let Some(history) = &room.history else {
            continue;
        };
        writer
            .write_entry(&messages_entry(room.node.id), history)
            .expect("history");
        total += history.len() as u64;
        histories.push(RoomHistory {
            room_id: room.node.id,
            entry: messages_entry(room.node.id),
            messages: history.len() as u64,
            first_chat_id: history.first().map(|m| m.chat_id),
            last_chat_id: history.last().map(|m| m.chat_id),
            chat_id_bound: history.last().map(|m| m.chat_id),
            first_message_utc: history.first().map(|m| m.chat_date_utc.clone()),
            last_message_utc: history.last().map(|m| m.chat_date_utc.clone()),
        });
    }
    let manifest = Manifest {
        format: FORMAT_NAME.into(),
        format_version: format!("{FORMAT_MAJOR}.{FORMAT_MINOR}"),
        tool: ToolInfo {
            name: "pchat-migrate".into(),
            version: "test".into(),
        },
        created_utc: "2026-11-24T00:00:00Z".into(),
        source: SourceInfo {
            db_instance: "sql01\\rtc".into(),
            database: "GroupChat".into(),
            kind: "LyncGroupChat2010".into(),
            product_version: None,
        },
        parameters: json!({ "level": "All" }),
        counts: EntityCounts {
            principals: principals.len() as u64,
            categories: categories.len() as u64,
            rooms: rooms.len() as u64,
            messages: total,
            ..EntityCounts::default()
        },
        rooms: histories,
        entries: Vec::new(),
    };
    writer.finish(manifest).expect("finish");
}

fn room(
    id: i32,
    parent: i32,
    name: &str,
    path: &[&str],
    history: Option<Vec<Message>>,
) -> RoomSpec {
    RoomSpec {
        node: node(id, NodeKind::Room, Some(parent), name, path),
        history,
    }
}

/// Pipeline (12 messages, split 5/5/2), Empty (0 messages), Directory (no history entry), and a disabled room
/// directly under the root.
fn plain_package(dir: &Path) -> PathBuf {
    let path = dir.join("plain.pcmpkg");
    let mut disabled = room(13, 1, "Old news", &[], Some(messages(4, 500)));
    disabled.node.disabled = true;
    write_package(
        &path,
        vec![
            principal(1, "sip:system"),
            principal(2, "sip:ann@contoso.com"),
        ],
        vec![
            room(
                10,
                3,
                "Pipeline",
                &["Sales", "EMEA"],
                Some(messages(12, 100)),
            ),
            room(11, 2, "Empty", &["Sales"], Some(Vec::new())),
            room(12, 2, "Directory", &["Sales"], None),
            disabled,
        ],
    );
    path
}

/// Runs `archive` to its end; a request refused before a job exists is that error.
fn archive(params: Value) -> (Result<ArchiveResult, PcmError>, Vec<JobEvent>) {
    let request =
        Request::from_value(json!({ "operation": "archive", "params": params })).expect("request");
    let job = match start_job(&request) {
        Ok(job) => job,
        Err(e) => return (Err(e), Vec::new()),
    };
    let mut events = Vec::new();
    let result = job.wait(|e| events.push(e.clone()));
    (
        result.map(|v| serde_json::from_value(v).expect("an ArchiveResult")),
        events,
    )
}

fn archived(params: Value) -> ArchiveResult {
    archive(params).0.expect("archive succeeds")
}

fn read_jsonl(path: &Path) -> Vec<ArchivedMessage> {
    std::fs::read_to_string(path)
        .expect("jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("an ArchivedMessage"))
        .collect()
}

/// The chatIds of the message rows of an HTML page, in page order.
fn row_chat_ids(html: &str) -> Vec<i64> {
    html.split("<tr class=\"msg")
        .skip(1)
        .map(|row| {
            let at = row.find(" id=\"m").expect("row id") + 6;
            let end = row[at..].find('"').expect("end") + at;
            row[at..end].parse().expect("chatId")
        })
        .collect()
}

/// Every file under `dir`, relative `/` path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("list") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("below")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

fn sha256_hex(data: &[u8]) -> String {
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ------------------------------------------------------------------------------------------------------------
// Every message present.

#[test]
fn every_message_of_every_room_is_in_the_pages_and_the_copy() {
    let dir = fresh_dir("archive", "complete");
    let package = plain_package(&dir);
    let out = dir.join("archive");
    let result = archived(
        json!({ "fileName": package, "outputFolder": out, "messagesPerPage": 5,
        "timeZone": "+01:00" }),
    );
    let unpacked = PackageReader::open(&package)
        .expect("opens")
        .entities()
        .expect("entities");
    assert_eq!(result.counts.rooms, 4);
    assert_eq!(result.counts.messages, 16);
    assert_eq!(
        result.counts.pages,
        3 + 1 + 1 + 1,
        "12 messages at 5 a page make 3 pages"
    );
    assert!(result.skipped_rooms.is_empty());

    let mut reader = PackageReader::open(&package).expect("opens");
    for node in &unpacked.rooms {
        let room = result
            .rooms
            .iter()
            .find(|r| r.room_id == node.id)
            .expect("archived");
        let mut expected = Vec::new();
        if node.id != 12 {
            reader
                .for_each_message(node.id, |m, _| {
                    expected.push(m);
                    Ok(())
                })
                .expect("history");
        }
        let ids: Vec<i64> = expected.iter().map(|m| m.chat_id).collect();
        // The JSON Lines copy: every message, in chatId order, with the room and the poster resolved.
        let copy = read_jsonl(&out.join(&room.data));
        assert_eq!(
            copy.iter().map(|m| m.chat_id).collect::<Vec<_>>(),
            ids,
            "{}",
            node.name
        );
        for (c, m) in copy.iter().zip(&expected) {
            assert_eq!(
                (c.room_guid.as_str(), c.room_id),
                (node.guid.as_str(), node.id)
            );
            assert_eq!(
                (c.chat_date, c.is_alert, &c.content),
                (m.chat_date, m.is_alert, &m.content)
            );
            assert_eq!(c.chat_date_utc, m.chat_date_utc);
            assert_eq!(c.poster_name.as_deref(), Some("User 2"));
            assert_eq!(
                c.poster_guid.as_deref(),
                Some("00000000-0000-0000-0000-000000000002")
            );
        }
        // The HTML rows over all pages: the same messages in the same order, each page at most 5.
        let mut rows = Vec::new();
        for page in 1..=room.pages {
            let name = if page == 1 {
                format!("rooms/{}.html", node.guid)
            } else {
                format!("rooms/{}-p{page}.html", node.guid)
            };
            let html = std::fs::read_to_string(out.join(&name)).expect(&name);
            let on_page = row_chat_ids(&html);
            assert!(on_page.len() <= 5, "{name}");
            if room.pages > 1 {
                assert!(
                    html.contains(&format!("Page {page} of {}", room.pages)),
                    "{name}"
                );
                assert_eq!(html.contains("Next</a>"), page < room.pages, "{name}");
                assert_eq!(html.contains("Previous</a>"), page > 1, "{name}");
            }
            rows.extend(on_page);
        }
        assert_eq!(rows, ids, "{}", node.name);
        assert!(!out
            .join(format!("rooms/{}-p{}.html", node.guid, room.pages + 1))
            .exists());
    }
    let first = std::fs::read_to_string(out.join(&result.rooms[0].page)).expect("page");
    assert!(
        first.contains("<th>Time (UTC+01:00)</th>"),
        "the local column names its zone"
    );
    assert!(
        first.contains("<td class=\"time\">2010-05-21 00:53:20</td><td class=\"time\">2010-05-21 01:53:20 +01:00</td>"),
        "UTC and local"
    );
    let empty =
        std::fs::read_to_string(out.join("rooms/10000000-0000-0000-0000-000000000011.html"))
            .expect("empty");
    assert!(empty.contains("no messages in the package"));

    // The index links every room once, grouped by category path, with counts and dates.
    let index = std::fs::read_to_string(out.join("index.html")).expect("index");
    assert_eq!(index.matches("<tr class=\"room\">").count(), 4);
    for room in &result.rooms {
        assert_eq!(
            index.matches(&format!("href=\"{}\"", room.page)).count(),
            1,
            "{}",
            room.name
        );
    }
    assert!(index.contains("Sales \\ EMEA"), "nested category path");
    assert!(index.contains("(root category)"));
    assert!(
        index.contains("not migrated: disabled in the source"),
        "the import's skip reason"
    );
    assert!(index.contains("<td class=\"num\">12</td><td>2010-05-21T00:53:20.0000000Z</td>"));
}

#[test]
fn the_manifest_and_sha256sums_check_every_file() {
    let dir = fresh_dir("archive", "manifest");
    let package = plain_package(&dir);
    let out = dir.join("archive");
    let result =
        archived(json!({ "fileName": package, "outputFolder": out, "messagesPerPage": 5 }));
    let files = tree(&out);
    let manifest: ArchiveManifest =
        serde_json::from_slice(&files["archive-manifest.json"]).expect("manifest");
    assert_eq!(manifest.format, "pchat-migrate-archive");
    assert_eq!(manifest.package.file_name, "plain.pcmpkg");
    assert_eq!(manifest.counts, ArchiveResult { ..result.clone() }.counts);
    assert_eq!(manifest.files.len() as u64, result.counts.files);
    assert_eq!(
        files.len(),
        manifest.files.len() + 2,
        "every file is listed, plus the manifest and the sums"
    );
    for f in &manifest.files {
        let bytes = &files[&f.path];
        assert_eq!(
            (bytes.len() as u64, sha256_hex(bytes)),
            (f.bytes, f.sha256.clone()),
            "{}",
            f.path
        );
    }
    let sums = String::from_utf8(files["SHA256SUMS"].clone()).expect("text");
    assert_eq!(sums.lines().count(), files.len() - 1);
    for line in sums.lines() {
        let (hash, path) = line.split_once("  ").expect("sha256sum format");
        assert_eq!(sha256_hex(&files[path]), hash, "{path}");
    }
    // Page names come from GUIDs (never names), and only our three folders and files exist.
    for path in files.keys() {
        assert!(
            path == "index.html"
                || path == "archive-manifest.json"
                || path == "SHA256SUMS"
                || path.starts_with("rooms/10000000-")
                || path.starts_with("data/10000000-"),
            "{path}"
        );
    }
}

// ------------------------------------------------------------------------------------------------------------
// Selection.

#[test]
fn rooms_are_selected_by_name_path_or_guid_and_only_not_migrated_keeps_the_skipped() {
    let dir = fresh_dir("archive", "select");
    let package = plain_package(&dir);
    let out = dir.join("some");
    let result = archived(json!({ "fileName": package, "outputFolder": out,
        "rooms": ["sales\\emea\\PIPELINE", "{10000000-0000-0000-0000-000000000011}"] }));
    let ids: Vec<i32> = result.rooms.iter().map(|r| r.room_id).collect();
    assert_eq!(ids, [10, 11]);
    assert_eq!(
        result
            .skipped_rooms
            .iter()
            .map(|r| r.room_id)
            .collect::<Vec<_>>(),
        [12, 13]
    );
    assert_eq!(result.counts.skipped_rooms, 2);

    let out = dir.join("not-migrated");
    let result =
        archived(json!({ "fileName": package, "outputFolder": out, "onlyNotMigrated": true }));
    assert_eq!(
        result.rooms.iter().map(|r| r.room_id).collect::<Vec<_>>(),
        [13]
    );
    assert!(result.rooms[0]
        .not_migrated
        .as_deref()
        .is_some_and(|r| r.contains("disabled")));

    let out = dir.join("unknown");
    let (error, _) =
        archive(json!({ "fileName": package, "outputFolder": out, "rooms": ["Nope"] }));
    let error = error.expect_err("unknown room");
    assert_eq!(error.code(), "invalid_parameter");
    assert!(
        error.to_string().contains("'Nope'") && error.to_string().contains("Sales\\EMEA\\Pipeline"),
        "{error}"
    );
    assert!(!out.exists(), "nothing is written for a refused selection");
    assert!(!dir.join("unknown.archive-partial").exists());
}

// ------------------------------------------------------------------------------------------------------------
// Hostile content in a real browser.

const HOSTILE_NAME: &str = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">\"'><b id=\"injected-name\">N</b>";

fn hostile_messages() -> Vec<Message> {
    let contents = [
        "<script>document.title='pwned';document.body.appendChild(document.createElement('marquee'))</script>",
        "<img src=x onerror=\"document.title='pwned'\">",
        "\"'><svg onload=\"document.title='pwned'\"><i id=\"injected-content\">x</i>",
        "</td></tr></table><script>document.title='pwned'</script>",
        "<a href=\"javascript:document.title='pwned'\">click</a>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\"><style>body{display:none}</style>",
        "[STORY]<b>story title</b>\u{1}story body",
        "nul\u{0}esc\u{1b}[31mred line\u{2028}sep bidi\u{202e}txet bell\u{7}",
        "file ma-filelink:///r/f/Q3%20report.xlsx and ma-filelink:javascript:alert(1) and \
         ma-filelink:///../../etc/passwd and ma-filelink:///r/f/x\"onmouseover=\"document.title='pwned'.txt \
         and ma-filelink://evil/share/x",
    ];
    contents
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut m = message(i as i64 + 1, BASE_TICKS + i as i64, c);
            m.poster_id = 3;
            m
        })
        .collect()
}

fn hostile_package(dir: &Path) -> PathBuf {
    let path = dir.join("hostile.pcmpkg");
    let mut poster = principal(3, "sip:<script>@contoso.com");
    poster.name = Some(HOSTILE_NAME.into());
    let mut hostile = room(20, 2, HOSTILE_NAME, &["Sales"], Some(hostile_messages()));
    hostile.node.description = HOSTILE_NAME.into();
    hostile.node.guid = "20000000-0000-0000-0000-000000000020".into();
    write_package(
        &path,
        vec![
            principal(1, "sip:system"),
            principal(2, "sip:ann@contoso.com"),
            poster,
        ],
        vec![hostile],
    );
    path
}

/// The `href` of every real `<a>` element of `html` (not text that looks like one).
fn hrefs(html: &str) -> Vec<String> {
    elements(html)
        .into_iter()
        .filter(|(name, _)| name == "a")
        .filter_map(|(_, tag)| {
            let at = tag.find(" href=\"")? + 7;
            Some(tag[at..at + tag[at..].find('"')?].to_string())
        })
        .collect()
}

/// The elements a DOM serialization holds: in serialized text `<` is always `&lt;`, so every raw `<` opens a
/// real tag. (name, the tag's text).
fn elements(dom: &str) -> Vec<(String, String)> {
    dom.split('<')
        .skip(1)
        .filter(|t| !t.starts_with('/') && !t.starts_with('!'))
        .map(|t| {
            let tag = &t[..t.find('>').expect("tag end")];
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or_default();
            (name.to_ascii_lowercase(), tag.to_string())
        })
        .collect()
}

/// What no hostile value may have produced in a DOM: only the archive's own elements, no event handler, no
/// id but the message anchors, no meta but ours, and the page title not changed by a script.
fn assert_inert(dom: &str, what: &str) {
    const OURS: &[&str] = &[
        "html", "head", "meta", "title", "style", "body", "nav", "a", "h1", "h2", "p", "table",
        "thead", "tbody", "tr", "th", "td", "span", "br",
    ];
    for (name, tag) in elements(dom) {
        assert!(OURS.contains(&name.as_str()), "{what}: an injected <{tag}>");
        let attributes: Vec<&str> = tag.split_whitespace().skip(1).collect();
        for a in &attributes {
            let key = a.split('=').next().unwrap_or_default().to_ascii_lowercase();
            assert!(
                !key.starts_with("on"),
                "{what}: an event handler in <{tag}>"
            );
            assert!(
                [
                    "class",
                    "href",
                    "id",
                    "colspan",
                    "charset",
                    "http-equiv",
                    "content",
                    "name",
                    "lang"
                ]
                .contains(&key.as_str())
                    || key.starts_with("'")
                    || key.starts_with("default-src")
                    || !a.contains('='),
                "{what}: attribute {a} in <{tag}>"
            );
            if key == "id" {
                assert!(
                    a.starts_with("id=\"m")
                        && a[5..]
                            .trim_end_matches('"')
                            .chars()
                            .all(|c| c.is_ascii_digit()),
                    "{what}: {a}"
                );
            }
        }
        if name == "meta" {
            assert!(
                tag == "meta charset=\"utf-8\""
                    || tag.starts_with(
                        "meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
                    )
                    || tag == "meta name=\"referrer\" content=\"no-referrer\"",
                "{what}: <{tag}>"
            );
        }
    }
    assert!(
        !dom.contains("<title>pwned</title>"),
        "{what}: a script changed the title"
    );
    assert!(
        dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"),
        "{what}: the name is text"
    );
    assert!(
        dom.contains("http-equiv=\"Content-Security-Policy\""),
        "{what}: CSP"
    );
}

#[test]
fn the_inertness_check_sees_injected_elements() {
    // The instrument itself: a DOM with an injected element or handler fails it.
    let good = "<html><head><title>&lt;script&gt;document.title='pwned'&lt;/script&gt;</title><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; x\"></head><body><tr class=\"msg\" id=\"m12\"></tr></body></html>";
    assert_inert(good, "good");
    for bad in [
        "<img src=x>",
        "<b>x</b>",
        "<span onclick=\"x\">",
        "<tr id=\"injected\">",
        "<meta http-equiv=\"refresh\" content=\"0\">",
    ] {
        let dom = good.replace("<body>", &format!("<body>{bad}"));
        assert!(
            std::panic::catch_unwind(|| assert_inert(&dom, "bad")).is_err(),
            "{bad} passed"
        );
    }
}

#[test]
fn hostile_content_and_names_are_inert_in_a_browser_and_file_links_point_into_the_store() {
    let Some(chromium) = chromium() else { return };
    let dir = fresh_dir("archive", "hostile");
    let package = hostile_package(&dir);
    let out = dir.join("archive");
    let (result, events) = archive(json!({ "fileName": package, "outputFolder": out,
        "fileStoreUrl": "https://files.example/store/" }));
    let result = result.expect("archive");
    // `ma-filelink:///r/f/x"onmouseover=...` is the safe link `r/f/x` followed by text: a link ends at a quote.
    assert_eq!(result.counts.file_links, 2);
    assert_eq!(result.counts.refused_file_links, 3);
    assert!(events
        .iter()
        .any(|e| matches!(e, JobEvent::Warning { code, .. } if code == "file_links_refused")));
    let page = out.join(&result.rooms[0].page);
    let html = std::fs::read_to_string(&page).expect("page");
    // No raw control character reaches the file; each is shown as a visible escape.
    for raw in ['\u{0}', '\u{1b}', '\u{7}', '\u{1}', '\u{2028}', '\u{202e}'] {
        assert!(!html.contains(raw), "raw {:?} in the page", raw);
    }

    let dom = dump_dom(&chromium, &page, &[]);
    assert_inert(&dom, "room page");
    assert_eq!(
        dom.matches("<tr class=\"msg").count(),
        hostile_messages().len(),
        "every message is a row"
    );
    for shown in [
        "nul\\u{0}esc\\u{1b}[31mred line\\u{2028}sep bidi\\u{202e}txet bell\\u{7}",
        "[STORY]&lt;b&gt;story title&lt;/b&gt;\\u{1}story body",
        "&lt;a href=\"javascript:document.title='pwned'\"&gt;click&lt;/a&gt;",
    ] {
        assert!(dom.contains(shown), "shown as text: {shown}");
    }
    // The only links: back to the index, and the one safe file link, into the file store.
    let links = hrefs(&dom);
    assert_eq!(
        links,
        [
            "../index.html",
            "https://files.example/store/r/f/Q3%20report.xlsx",
            "https://files.example/store/r/f/x"
        ],
        "{links:?}"
    );
    assert_eq!(dom.matches("<a class=\"file\"").count(), 2);
    for refused in [
        "ma-filelink:javascript:alert(1)</span>",
        "ma-filelink:///../../etc/passwd</span>",
        "ma-filelink://evil/share/x</span>",
    ] {
        assert!(
            dom.contains(&format!("<span class=\"refused\">{refused}")),
            "{refused} is inert text"
        );
    }
    assert!(
        dom.contains("[file link not followed: "),
        "the reason is shown"
    );

    let index = dump_dom(&chromium, &out.join("index.html"), &[]);
    assert_inert(&index, "index");
    assert_eq!(hrefs(&index), [result.rooms[0].page.clone()]);
}

// ------------------------------------------------------------------------------------------------------------
// Determinism, folders, cancellation.

#[test]
fn the_same_package_gives_the_same_bytes() {
    let dir = fresh_dir("archive", "deterministic");
    let package = hostile_package(&dir);
    let plain = plain_package(&dir);
    for (name, package, extra) in [
        (
            "fixed",
            &package,
            json!({ "timeZone": "-05:30", "fileStoreUrl": "\\\\fs01\\mgc files" }),
        ),
        ("local", &plain, json!({ "messagesPerPage": 5 })),
    ] {
        let mut trees = Vec::new();
        for run in ["a", "b"] {
            let out = dir.join(format!("{name}-{run}"));
            let mut params = json!({ "fileName": package, "outputFolder": out });
            for (k, v) in extra.as_object().expect("object") {
                params[k] = v.clone();
            }
            archived(params);
            trees.push(tree(&out));
        }
        assert!(!trees[0].is_empty());
        assert_eq!(trees[0], trees[1], "{name}: two runs differ");
    }
}

#[test]
fn a_non_empty_output_folder_is_refused_without_force_and_replaced_with_it() {
    let dir = fresh_dir("archive", "force");
    let package = plain_package(&dir);
    let out = dir.join("archive");
    std::fs::create_dir_all(&out).expect("dir");
    // An empty folder is used as it is.
    archived(json!({ "fileName": package, "outputFolder": out }));
    assert!(out.join("index.html").is_file());
    std::fs::write(out.join("notes.txt"), "keep me").expect("write");
    let (error, _) = archive(json!({ "fileName": package, "outputFolder": out }));
    let error = error.expect_err("refused");
    assert_eq!(error.code(), "invalid_parameter");
    assert!(
        error.to_string().contains("not empty") && error.to_string().contains("-Force"),
        "{error}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).expect("kept"),
        "keep me"
    );
    // The refusal comes before a job exists (validate sees it too).
    let request = Request::from_value(json!({ "operation": "archive", "params": {
        "fileName": package, "outputFolder": out } }))
    .expect("request");
    assert_eq!(
        start_job(&request).err().expect("refused at once").code(),
        "invalid_parameter"
    );

    let result = archived(json!({ "fileName": package, "outputFolder": out, "force": true }));
    assert!(!out.join("notes.txt").exists(), "replaced");
    assert!(out.join("index.html").is_file());
    assert_eq!(result.output_folder, out.display().to_string());
    assert!(
        !dir.join("archive.archive-old").exists() && !dir.join("archive.archive-partial").exists()
    );

    // A folder that holds the package is refused even with force: replacing it would delete the package.
    let (error, _) = archive(json!({ "fileName": package, "outputFolder": dir, "force": true }));
    assert!(error
        .expect_err("holds the package")
        .to_string()
        .contains("is inside -OutputFolder"));
    assert!(package.is_file());

    let file = dir.join("a-file");
    std::fs::write(&file, "x").expect("file");
    let (error, _) = archive(json!({ "fileName": package, "outputFolder": file, "force": true }));
    assert!(error.expect_err("a file").to_string().contains("is a file"));
}

#[test]
fn bad_parameters_are_refused_naming_the_fix() {
    let dir = fresh_dir("archive", "params");
    let package = plain_package(&dir);
    for (extra, needle) in [
        (json!({ "timeZone": "Europe/Berlin" }), "+01:00"),
        (json!({ "fileStoreUrl": "javascript:alert(1)" }), "http"),
        (json!({ "messagesPerPage": 0 }), "messagesPerPage"),
        (json!({ "outputFolder": "" }), "outputFolder"),
    ] {
        let mut params = json!({ "fileName": package, "outputFolder": dir.join("x") });
        for (k, v) in extra.as_object().expect("object") {
            params[k] = v.clone();
        }
        let request = Request::from_value(json!({ "operation": "archive", "params": params }))
            .expect("request");
        let error = start_job(&request).err().expect("refused");
        assert_eq!(error.code(), "invalid_parameter");
        assert!(error.to_string().contains(needle), "{error}");
    }
}

#[test]
fn a_cancelled_archive_leaves_nothing_behind() {
    let dir = fresh_dir("archive", "cancel");
    let package = dir.join("big.pcmpkg");
    write_package(
        &package,
        vec![principal(2, "sip:ann@contoso.com")],
        vec![room(10, 2, "Big", &[], Some(messages(200_000, 1)))],
    );
    let out = dir.join("archive");
    let staging = dir.join("archive.archive-partial");
    let request = Request::from_value(json!({ "operation": "archive", "params": {
        "fileName": package, "outputFolder": out, "messagesPerPage": 1000 } }))
    .expect("request");
    let job = start_job(&request).expect("starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    // Cancel once pages are being written.
    while !(staging.join("rooms").is_dir()
        && std::fs::read_dir(staging.join("rooms"))
            .map(|d| d.count())
            .unwrap_or(0)
            > 2)
    {
        assert!(
            Instant::now() < deadline && job.state() == JobState::Running,
            "the archive did not start writing"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    job.cancel().expect("cancel while running");
    let error = job.wait(|_| {}).expect_err("cancelled");
    assert_eq!(error.code(), "cancelled");
    assert!(!out.exists(), "no output folder");
    assert!(
        !staging.exists(),
        "the staging folder is removed before the end is reported"
    );
}

/// A package whose manifest lists more messages for a room than its history holds: the reader finds it at the
/// end of that room's entry, after pages were written.
fn damaged_package(dir: &Path) -> PathBuf {
    let good = plain_package(dir);
    let damaged = dir.join("damaged.pcmpkg");
    let mut source = zip::ZipArchive::new(std::fs::File::open(&good).expect("open")).expect("zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&damaged).expect("create"));
    for i in 0..source.len() {
        let mut entry = source.by_index(i).expect("entry");
        let name = entry.name().expect("entry name").to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).expect("read");
        if name == MANIFEST_ENTRY {
            let mut manifest: Manifest = serde_json::from_slice(&bytes).expect("manifest");
            let listed = manifest
                .entries
                .iter_mut()
                .find(|e| e.name == messages_entry(10))
                .expect("room 10");
            listed.records += 1;
            bytes = serde_json::to_vec_pretty(&manifest).expect("json");
        }
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        std::io::Write::write_all(&mut writer, &bytes).expect("write");
    }
    writer.finish().expect("finish");
    damaged
}

#[test]
fn a_damaged_package_fails_naming_the_room_and_leaves_nothing() {
    let dir = fresh_dir("archive", "damaged");
    let package = damaged_package(&dir);
    let out = dir.join("archive");
    let (error, _) =
        archive(json!({ "fileName": package, "outputFolder": out, "messagesPerPage": 5 }));
    let error = error.expect_err("damaged");
    assert_eq!(error.code(), "invalid_package");
    let text = error.to_string();
    assert!(
        text.contains("Sales\\EMEA\\Pipeline") && text.contains("13"),
        "{text}"
    );
    assert!(!out.exists(), "no output folder");
    assert!(
        !dir.join("archive.archive-partial").exists(),
        "no staging folder"
    );
}

// ------------------------------------------------------------------------------------------------------------
// A generated deployment exported over TDS.

#[tokio::test]
async fn a_generated_deployment_archives_every_message_with_its_poster() {
    let server = TestServer::start();
    let db = unique_db_name("archive");
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &db, DatabaseKind::Legacy2010)
        .await
        .expect("schema");
    let model = generate_model(9061, Size::Tiny);
    write_legacy(&mut admin, &model, DatabaseKind::Legacy2010)
        .await
        .expect("seed");
    let dir = fresh_dir("archive", "generated");
    let package = dir.join("legacy.pcmpkg");
    let out = dir.join("archive");
    let connection = server.connection_params(Some(&db));
    let (package_c, out_c) = (package.clone(), out.clone());
    let result = tokio::task::spawn_blocking(move || {
        let (r, _) = run_job(json!({ "operation": "export", "params": {
            "connection": connection, "fileName": package_c } }));
        r.expect("export");
        archived(
            json!({ "fileName": package_c, "outputFolder": out_c, "messagesPerPage": 5,
            "fileStoreUrl": "files" }),
        )
    })
    .await
    .expect("join");
    server.drop_database(&db).await;

    let mut reader = PackageReader::open(&package).expect("opens");
    let entities = reader.entities().expect("entities");
    let manifest = reader.manifest().clone();
    assert_eq!(result.counts.rooms, entities.rooms.len() as u64);
    assert_eq!(result.counts.messages, manifest.counts.messages);
    assert!(
        result.counts.file_links > 0,
        "the generated data has file links"
    );
    let names: BTreeMap<i32, String> = entities
        .principals
        .iter()
        .map(|p| {
            (
                p.id,
                p.display_name
                    .clone()
                    .or(p.name.clone())
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or(p.uri.clone()),
            )
        })
        .collect();
    let mut split = 0;
    for history in &manifest.rooms {
        let room = result
            .rooms
            .iter()
            .find(|r| r.room_id == history.room_id)
            .expect("archived");
        let mut expected = Vec::new();
        reader
            .for_each_message(history.room_id, |m, _| {
                expected.push(m);
                Ok(())
            })
            .expect("history");
        let copy = read_jsonl(&out.join(&room.data));
        assert_eq!(copy.len(), expected.len(), "room {}", room.name);
        for (c, m) in copy.iter().zip(&expected) {
            assert_eq!(
                (c.chat_id, &c.content, c.content_utf16_base64.as_ref()),
                (m.chat_id, &m.content, m.content_utf16_base64.as_ref())
            );
            assert_eq!(
                c.poster_name.as_ref(),
                names.get(&m.poster_id),
                "poster of {}",
                m.chat_id
            );
        }
        let stem = room
            .page
            .trim_start_matches("rooms/")
            .trim_end_matches(".html")
            .to_string();
        let mut rows = 0;
        for page in 1..=room.pages {
            let name = if page == 1 {
                format!("rooms/{stem}.html")
            } else {
                format!("rooms/{stem}-p{page}.html")
            };
            rows += row_chat_ids(&std::fs::read_to_string(out.join(&name)).expect(&name)).len();
        }
        assert_eq!(rows, expected.len(), "room {}", room.name);
        if room.pages > 1 {
            split += 1;
        }
        // File links are relative to the archive folder: one level up from a room page.
        let html = std::fs::read_to_string(out.join(&room.page)).expect("page");
        for href in hrefs(&html).iter().filter(|h| h.starts_with("../files")) {
            assert!(
                href.starts_with("../files/") && !href.contains("/../../"),
                "{href}"
            );
        }
    }
    assert!(split > 0, "some room is split over pages");
}

// ------------------------------------------------------------------------------------------------------------
// The CLI.

#[test]
fn the_cli_prints_the_summary_and_the_index_and_exits_2_on_a_non_empty_folder() {
    let dir = fresh_dir("archive", "cli");
    let package = plain_package(&dir);
    let out = dir.join("archive");
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_pchat-migrate"))
            .args(["-q", "archive", "--file-name"])
            .arg(&package)
            .arg("--output")
            .arg(&out)
            .args(extra)
            .output()
            .expect("runs")
    };
    let ok = run(&[
        "--messages-per-page",
        "5",
        "--time-zone=-05:00",
        "--file-store-url",
        "files",
    ]);
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{stdout} {}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        stdout.contains("Archived      : 4 room(s), 16 message(s) on 6 page(s)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "Open          : {}",
            out.join("index.html").display()
        )),
        "{stdout}"
    );
    let refused = run(&[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--force"),
        "the CLI flag is named"
    );
    assert_eq!(run(&["--force"]).status.code(), Some(0));
}
