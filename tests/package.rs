//! The package format: a written package reads back identically, and every kind of damage is refused with a
//! message naming it.

#[path = "common/sample.rs"]
mod sample;

use pchat_migrate::package::*;
use sample::{message, principal};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pcm-package-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn messages() -> Vec<Message> {
    let contents = [
        "plain".to_string(),
        "Crème brûlée — 日本語 — עברית — 👩‍💻 𝄞".to_string(),
        "ma-filelink:///files/report.docx".to_string(),
        "<a href=\"http://intranet/\">intranet</a>".to_string(),
        "[STORY]title\u{1}body".to_string(),
        "x".repeat(9000),
        "nul \u{0} inside".to_string(),
    ];
    contents
        .into_iter()
        .enumerate()
        .map(|(i, content)| Message {
            is_alert: i == 3,
            ..message(
                i as i64 + 1,
                634_500_000_000_000_000 + (i as i64 / 2),
                &content,
            )
        })
        .collect()
}

/// Writes a small valid package.
fn write_sample(path: &Path) -> Vec<Message> {
    let mut writer = PackageWriter::create(path).expect("create");
    let principals = vec![
        principal(1, "sip:system"),
        principal(2, "sip:ann@contoso.com"),
    ];
    let categories = vec![
        sample::node(1, NodeKind::Category, None, "Root", &[]),
        sample::node(2, NodeKind::Category, Some(1), "Sales", &[]),
    ];
    let rooms = vec![
        sample::node(10, NodeKind::Room, Some(2), "Pipeline", &[]),
        sample::node(11, NodeKind::Room, Some(2), "Empty", &[]),
    ];
    let roles = vec![RoleAssignment {
        node_id: 10,
        principal_id: 2,
        role: "Manager".into(),
        role_type_id: 2,
        origin: RoleOrigin::Explicit,
        inherited_from: None,
    }];
    writer
        .write_entities(
            &Entities {
                principals,
                categories,
                rooms,
                roles,
                ..Entities::default()
            },
            || Ok(()),
        )
        .expect("entities");
    let history = messages();
    writer
        .write_entry(&messages_entry(10), &history)
        .expect("history");
    writer
        .write_entry::<Message>(&messages_entry(11), &[])
        .expect("empty history");
    let manifest = test_manifest(
        serde_json::json!({ "level": "All" }),
        EntityCounts {
            principals: 2,
            categories: 2,
            rooms: 2,
            roles: 1,
            scopes: 0,
            addins: 0,
            messages: history.len() as u64,
        },
        vec![
            RoomHistory {
                room_id: 10,
                entry: messages_entry(10),
                messages: history.len() as u64,
                first_chat_id: Some(1),
                last_chat_id: Some(history.len() as i64),
                chat_id_bound: Some(history.len() as i64),
                first_message_utc: None,
                last_message_utc: None,
            },
            RoomHistory {
                room_id: 11,
                entry: messages_entry(11),
                messages: 0,
                first_chat_id: None,
                last_chat_id: None,
                chat_id_bound: None,
                first_message_utc: None,
                last_message_utc: None,
            },
        ],
    );
    writer.finish(manifest).expect("finish");
    history
}

fn error_of(path: &Path) -> String {
    let result = PackageReader::open(path).and_then(|mut r| r.verify(|_, _| {}).map(|_| ()));
    match result {
        Ok(()) => panic!("{} was accepted", path.display()),
        Err(e) => {
            assert_eq!(e.code(), "invalid_package", "{e}");
            e.to_string()
        }
    }
}

/// Rewrites a zip entry by entry; `edit` may change or drop each (name, content), and may add entries.
fn rewrite(src: &Path, dst: &Path, mut edit: impl FnMut(&str, Vec<u8>) -> Vec<(String, Vec<u8>)>) {
    let mut archive = zip::ZipArchive::new(File::open(src).expect("open")).expect("zip");
    let mut out = zip::ZipWriter::new(File::create(dst).expect("create"));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("entry");
        let name = entry.name().expect("name").to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read");
        for (new_name, new_data) in edit(&name, data) {
            out.start_file(new_name, SimpleFileOptions::default())
                .expect("start");
            out.write_all(&new_data).expect("write");
        }
    }
    out.finish().expect("finish");
}

#[test]
fn round_trip_is_exact() {
    let dir = temp_dir("roundtrip");
    let path = dir.join("export.zip");
    let written = write_sample(&path);
    assert!(
        !PackageWriter::partial_path(&path).exists(),
        "no partial file left"
    );
    let mut reader = PackageReader::open(&path).expect("open");
    let figures = reader.verify(|_, _| {}).expect("verify");
    assert_eq!(figures.len(), 2);
    assert_eq!(figures[0].messages, written.len() as u64);
    let mut read = Vec::new();
    reader
        .for_each_message(10, |m, _| {
            read.push(m);
            Ok(())
        })
        .expect("history");
    assert_eq!(read, written);
    let entities = reader.entities().expect("entities");
    assert_eq!(entities.rooms.len(), 2);
    assert_eq!(entities.roles[0].origin, RoleOrigin::Explicit);
}

#[test]
fn dropped_writer_leaves_nothing() {
    let dir = temp_dir("dropped");
    let path = dir.join("export.zip");
    {
        let mut writer = PackageWriter::create(&path).expect("create");
        writer
            .write_entry(PRINCIPALS_ENTRY, &[principal(1, "sip:x")])
            .expect("write");
        assert!(PackageWriter::partial_path(&path).exists());
    }
    assert!(!PackageWriter::partial_path(&path).exists());
    assert!(!path.exists());
}

#[test]
fn damage_is_refused_with_a_reason() {
    let dir = temp_dir("damage");
    let good = dir.join("good.zip");
    write_sample(&good);

    // Truncated.
    let bytes = std::fs::read(&good).expect("read");
    let truncated = dir.join("truncated.zip");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    assert!(error_of(&truncated).contains("truncated"));

    // A flipped byte inside compressed history.
    let flipped = dir.join("flipped.zip");
    let mut damaged = bytes.clone();
    let at = find(&damaged, b"messages/room-10.jsonl").expect("local header") + 200;
    damaged[at] ^= 0x55;
    std::fs::write(&flipped, &damaged).expect("write");
    let message = error_of(&flipped);
    assert!(
        message.contains("room-10") || message.contains("damaged"),
        "{message}"
    );

    // A missing entry.
    let missing = dir.join("missing.zip");
    rewrite(&good, &missing, |name, data| {
        if name == ROLES_ENTRY {
            vec![]
        } else {
            vec![(name.to_string(), data)]
        }
    });
    assert!(error_of(&missing).contains("'roles.jsonl' is missing"));

    // Content changed but the manifest's checksum not.
    let tampered = dir.join("tampered.zip");
    rewrite(&good, &tampered, |name, data| {
        if name == messages_entry(10) {
            let text = String::from_utf8(data)
                .expect("utf-8")
                .replace("plain", "PLAIN");
            vec![(name.to_string(), text.into_bytes())]
        } else {
            vec![(name.to_string(), data)]
        }
    });
    assert!(error_of(&tampered).contains("SHA-256"));

    // A newer major version.
    let newer = dir.join("newer.zip");
    rewrite(&good, &newer, |name, data| {
        if name == MANIFEST_ENTRY {
            let text = String::from_utf8(data)
                .expect("utf-8")
                .replace(&format!("\"{FORMAT_MAJOR}.{FORMAT_MINOR}\""), "\"2.0\"");
            vec![(name.to_string(), text.into_bytes())]
        } else {
            vec![(name.to_string(), data)]
        }
    });
    let message = error_of(&newer);
    assert!(
        message.contains("newer pchat-migrate") && message.contains("2.0"),
        "{message}"
    );

    // A newer minor version with unknown fields is read.
    let minor = dir.join("minor.zip");
    rewrite(&good, &minor, |name, data| {
        if name == MANIFEST_ENTRY {
            let text = String::from_utf8(data)
                .expect("utf-8")
                .replace(&format!("\"{FORMAT_MAJOR}.{FORMAT_MINOR}\""), "\"1.7\"")
                .replacen('{', "{\"futureField\": [1, 2],", 1);
            vec![(name.to_string(), text.into_bytes())]
        } else {
            vec![(name.to_string(), data)]
        }
    });
    PackageReader::open(&minor)
        .expect("newer minor accepted")
        .verify(|_, _| {})
        .expect("verifies");

    // Entry names that escape a folder.
    for evil in [
        "../evil.txt",
        "messages/../../evil",
        "/etc/passwd",
        "C:\\evil",
        "a\\..\\b",
    ] {
        let path = dir.join("evil.zip");
        rewrite(&good, &path, |name, data| {
            let mut out = vec![(name.to_string(), data)];
            if name == MANIFEST_ENTRY {
                out.push((evil.to_string(), b"x".to_vec()));
            }
            out
        });
        assert!(error_of(&path).contains("not allowed"), "{evil}");
    }

    // An entry the manifest does not list.
    let extra = dir.join("extra.zip");
    rewrite(&good, &extra, |name, data| {
        let mut out = vec![(name.to_string(), data)];
        if name == MANIFEST_ENTRY {
            out.push(("notes.txt".to_string(), b"hello".to_vec()));
        }
        out
    });
    assert!(error_of(&extra).contains("not listed"));

    // Not a package at all.
    let other = dir.join("other.zip");
    rewrite(&good, &other, |name, data| {
        if name == MANIFEST_ENTRY {
            vec![]
        } else {
            vec![(name.to_string(), data)]
        }
    });
    assert!(error_of(&other).contains("no manifest.json"));
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn verify_reports_progress_per_entry_and_stops_when_cancelled() {
    let dir = temp_dir("progress");
    let path = dir.join("export.zip");
    write_sample(&path);
    let mut reader = PackageReader::open(&path).expect("open");
    let entries = reader.manifest().entries.len();
    let mut seen = Vec::new();
    reader
        .verify(|done, total| seen.push((done, total)))
        .expect("verify");
    let expected: Vec<(usize, usize)> = (1..=entries).map(|d| (d, entries)).collect();
    assert_eq!(seen, expected, "one progress call per entry");

    // Cancelled after the first entry: the next entry is not read.
    let token = tokio_util::sync::CancellationToken::new();
    let mut reader = PackageReader::open(&path).expect("open");
    reader.set_cancellation(token.clone());
    let mut calls = 0;
    let result = reader.verify(|_, _| {
        calls += 1;
        token.cancel();
    });
    assert_eq!(result.map(|_| ()).unwrap_err().code(), "cancelled");
    assert_eq!(calls, 1);
}

/// A valid package of `rooms` rooms (nodeIDs 100…), room `i` holding `i + 20` messages of ~500 bytes (enough
/// history per room, over 8 KiB, for the check to take helpers on a machine with more than one core).
fn write_many_rooms(path: &Path, rooms: i32) {
    let mut writer = PackageWriter::create(path).expect("create");
    let nodes: Vec<Node> = (0..rooms)
        .map(|i| sample::node(100 + i, NodeKind::Room, Some(2), &format!("Room {i}"), &[]))
        .collect();
    writer
        .write_entities(
            &Entities {
                principals: vec![
                    principal(1, "sip:system"),
                    principal(2, "sip:ann@contoso.com"),
                ],
                categories: vec![
                    sample::node(1, NodeKind::Category, None, "Root", &[]),
                    sample::node(2, NodeKind::Category, Some(1), "Sales", &[]),
                ],
                rooms: nodes,
                ..Entities::default()
            },
            || Ok(()),
        )
        .expect("entities");
    let mut histories = Vec::new();
    let mut total = 0u64;
    for i in 0..rooms {
        let count = i64::from(i) + 20;
        let history: Vec<Message> = (1..=count)
            .map(|c| {
                message(
                    c,
                    634_500_000_000_000_000 + c,
                    &format!("room {i} line {c} {}", "lorem ipsum ".repeat(40)),
                )
            })
            .collect();
        writer
            .write_entry(&messages_entry(100 + i), &history)
            .expect("history");
        total += history.len() as u64;
        histories.push(RoomHistory {
            room_id: 100 + i,
            entry: messages_entry(100 + i),
            messages: history.len() as u64,
            first_chat_id: Some(1),
            last_chat_id: Some(count),
            chat_id_bound: Some(count),
            first_message_utc: None,
            last_message_utc: None,
        });
    }
    let manifest = test_manifest(
        serde_json::json!({}),
        EntityCounts {
            principals: 2,
            categories: 2,
            rooms: rooms as u64,
            messages: total,
            ..EntityCounts::default()
        },
        histories,
    );
    writer.finish(manifest).expect("finish");
}

/// The manifest of a test package from `sql01` / `GroupChat` (its entry list is filled in by the writer).
fn test_manifest(
    parameters: serde_json::Value,
    counts: EntityCounts,
    rooms: Vec<RoomHistory>,
) -> Manifest {
    Manifest {
        format: FORMAT_NAME.into(),
        format_version: format!("{FORMAT_MAJOR}.{FORMAT_MINOR}"),
        tool: ToolInfo {
            name: "pchat-migrate".into(),
            version: "test".into(),
        },
        created_utc: "2026-11-24T00:00:00Z".into(),
        source: SourceInfo {
            db_instance: "sql01".into(),
            database: "GroupChat".into(),
            kind: "LyncGroupChat2010".into(),
            product_version: None,
        },
        parameters,
        counts,
        rooms,
        entries: Vec::new(),
    }
}

/// Histories are checked on several threads where the machine has cores (a file is opened again for each
/// helper): the figures still come in manifest order, progress comes once per entry in order, and of two
/// damaged histories the one first in the manifest is reported, every time.
#[test]
fn a_many_room_package_checks_in_order_and_names_its_first_damaged_history() {
    let dir = temp_dir("many-rooms");
    let good = dir.join("good.zip");
    write_many_rooms(&good, 40);
    let mut reader = PackageReader::open(&good).expect("open");
    let entries = reader.manifest().entries.len();
    let mut seen = Vec::new();
    let figures = reader
        .verify(|done, total| seen.push((done, total)))
        .expect("verify");
    let expected: Vec<(usize, usize)> = (1..=entries).map(|d| (d, entries)).collect();
    assert_eq!(seen, expected, "one progress call per entry, in order");
    let rooms: Vec<(i32, u64)> = figures.iter().map(|f| (f.room_id, f.messages)).collect();
    let want: Vec<(i32, u64)> = (0..40).map(|i| (100 + i, i as u64 + 20)).collect();
    assert_eq!(rooms, want, "figures in manifest order");

    // Rooms 103 and 131 altered (their checksums no longer match): room 103 is named, every time.
    let damaged = dir.join("damaged.zip");
    rewrite(&good, &damaged, |name, mut data| {
        if name == messages_entry(103) || name == messages_entry(131) {
            let at = data.len() / 2;
            data[at] = if data[at] == b'7' { b'8' } else { b'7' };
        }
        vec![(name.to_string(), data)]
    });
    for _ in 0..10 {
        let message = error_of(&damaged);
        assert!(
            message.contains("room-103") && !message.contains("room-131"),
            "{message}"
        );
    }
}
