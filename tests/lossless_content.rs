//! Lossless content (issue 7, section 5): a message whose nvarchar content is not valid UTF-16 (an unpaired
//! surrogate: legal in SQL Server, which stores UCS-2) neither aborts the export nor loses a bit. The package
//! (format 1.1) carries its exact UTF-16LE bytes in `contentUtf16Base64` beside a lossy copy in `content`, the
//! result and report count and list it, and the reader refuses an exact-bytes field that does not hold together.

mod common;
#[path = "common/sample.rs"]
mod sample;
#[path = "common/unpacked.rs"]
mod unpacked;

use base64::Engine;
use chat_fixtures::{create_database, generate_model, write_legacy, DatabaseKind, Size};
use common::{run_job, unique_db_name, TestServer};
use pchat_migrate::package::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use unpacked::unpack;

fn out_dir(name: &str) -> PathBuf {
    common::fresh_dir("lossless", name)
}

fn le(units: &[u16]) -> Vec<u8> {
    units.iter().flat_map(|u| u.to_le_bytes()).collect()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Inserted content: the UTF-16 code units and the lossy copy the package must carry in `content`
/// (`exact`: whether the exact bytes must be carried too).
struct Inserted {
    units: Vec<u16>,
    lossy: &'static str,
    exact: bool,
}

fn inserted() -> Vec<Inserted> {
    vec![
        // a lone high surrogate
        Inserted {
            units: vec![0x61, 0xD800, 0x62],
            lossy: "a\u{FFFD}b",
            exact: true,
        },
        // a lone low surrogate
        Inserted {
            units: vec![0xDC00, 0x20, 0x7A],
            lossy: "\u{FFFD} z",
            exact: true,
        },
        // a reversed pair (low, then high)
        Inserted {
            units: vec![0xDE00, 0xD83D],
            lossy: "\u{FFFD}\u{FFFD}",
            exact: true,
        },
        // a well-formed pair: plain content
        Inserted {
            units: "emoji \u{1F600}".encode_utf16().collect(),
            lossy: "emoji \u{1F600}",
            exact: false,
        },
    ]
}

fn inspect(file: &Path) -> Result<Value, pchat_migrate::PcmError> {
    run_job(
        json!({"operation": "inspect_package", "params": {"fileName": file.display().to_string()}}),
    )
    .0
}

fn history(file: &Path) -> BTreeMap<(i32, i64), Message> {
    unpack(file)
        .history
        .into_iter()
        .flat_map(|(room, messages)| messages.into_iter().map(move |m| ((room, m.chat_id), m)))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn content_that_is_not_valid_unicode_is_exported_exactly_and_reported() {
    let server = TestServer::start();
    let db = unique_db_name("lossless");
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &db, DatabaseKind::Legacy2010)
        .await
        .expect("schema");
    let model = generate_model(21, Size::Tiny);
    write_legacy(&mut admin, &model, DatabaseKind::Legacy2010)
        .await
        .expect("write legacy");
    let room = model
        .rooms
        .iter()
        .find(|r| r.message_count > 0)
        .expect("a room with history");
    let sample = model.room_messages(room).last().expect("a message");
    // A Rust String cannot hold an unpaired surrogate, so the bytes go as varbinary and SQL Server (and the
    // stand-in) reinterpret them as nvarchar.
    let mut db_admin = server.admin(&db).await;
    let cases = inserted();
    for (i, case) in cases.iter().enumerate() {
        db_admin
            .execute(
                "INSERT INTO dbo.tblChat (channelID, chatID, chatDate, userId, isAlert, content) \
                 VALUES (@P1, @P2, @P3, @P4, 0, CAST(@P5 AS nvarchar(max)))",
                &[
                    &room.id,
                    &(sample.chat_id + 1 + i as i64),
                    &sample.date,
                    &sample.user_id,
                    &le(&case.units),
                ],
            )
            .await
            .expect("insert");
    }
    drop(db_admin);

    let dir = out_dir("export");
    let file = dir.join("GroupChat.zip");
    let report = dir.join("report.html");
    let request = json!({ "operation": "export", "params": {
        "connection": server.connection_params(Some(&db)),
        "fileName": file.display().to_string(),
        "report": report.display().to_string(),
    }});
    let (result, events) = tokio::task::spawn_blocking(move || run_job(request))
        .await
        .expect("join");
    let result = result.expect("the export succeeds");

    // Counted and listed: the result, a warning event, the JSON and HTML report.
    let first = sample.chat_id + 1;
    let expected_list = json!([
        { "roomId": room.id, "chatId": first },
        { "roomId": room.id, "chatId": first + 1 },
        { "roomId": room.id, "chatId": first + 2 },
    ]);
    assert_eq!(result["nonUnicodeMessages"], 3, "{result}");
    assert_eq!(result["nonUnicodeMessageList"], expected_list);
    let warned = events.iter().any(|e| {
        matches!(e, pchat_migrate::jobs::JobEvent::Warning { code, .. } if code == "non_unicode_content")
    });
    assert!(warned, "no non_unicode_content warning in {events:?}");
    let report_json: Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("json report"))
            .expect("report JSON");
    assert_eq!(report_json["result"]["nonUnicodeMessages"], 3);
    assert_eq!(
        report_json["result"]["nonUnicodeMessageList"],
        expected_list
    );
    let html = std::fs::read_to_string(&report).expect("html report");
    assert!(html.contains("not valid Unicode"), "{html}");

    // The package inspects valid and says 1.1.
    let inspected = inspect(&file).expect("inspect");
    assert_eq!(
        inspected["counts"]["messages"],
        model.messages().count() as u64 + cases.len() as u64
    );
    let reader = PackageReader::open(&file).expect("opens");
    assert_eq!(reader.manifest().format_version, "1.1");
    drop(reader);

    // The bytes are exact; the lossy copy is marked; valid content is plain.
    let got = history(&file);
    for (i, case) in cases.iter().enumerate() {
        let m = &got[&(room.id, first + i as i64)];
        assert_eq!(m.content, case.lossy, "message {}", m.chat_id);
        if case.exact {
            let exact = m
                .content_utf16_base64
                .as_deref()
                .expect("exact bytes carried");
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(exact)
                .expect("base64");
            assert_eq!(bytes, le(&case.units), "message {}", m.chat_id);
        } else {
            assert_eq!(m.content_utf16_base64, None, "message {}", m.chat_id);
        }
    }
    // Every other message is plain content, exactly as generated.
    for m in model.messages() {
        let got = &got[&(m.room_id, m.chat_id)];
        assert_eq!(got.content, m.content);
        assert_eq!(got.content_utf16_base64, None);
    }
    server.drop_database(&db).await;
}

/// A one-room package holding `history`, written as format `version`.
fn write_package(path: &Path, version: &str, history: &[Message]) {
    let mut writer = PackageWriter::create(path).expect("create");
    let entities = Entities {
        principals: vec![sample::principal(2, "sip:ann@contoso.com")],
        categories: vec![sample::node(1, NodeKind::Category, None, "Root", &[])],
        rooms: vec![sample::node(10, NodeKind::Room, Some(1), "Room", &[])],
        ..Entities::default()
    };
    writer
        .write_entities(&entities, || Ok(()))
        .expect("entities");
    writer
        .write_entry(&messages_entry(10), history)
        .expect("history");
    let last = history.last().map(|m| m.chat_id);
    let manifest = Manifest {
        format: FORMAT_NAME.into(),
        format_version: version.into(),
        tool: ToolInfo {
            name: "pchat-migrate".into(),
            version: "test".into(),
        },
        created_utc: "2026-12-01T00:00:00Z".into(),
        source: SourceInfo {
            db_instance: "sql01".into(),
            database: "GroupChat".into(),
            kind: "LyncGroupChat2010".into(),
            product_version: None,
        },
        parameters: json!({ "level": "All" }),
        counts: EntityCounts {
            principals: 1,
            categories: 1,
            rooms: 1,
            roles: 0,
            scopes: 0,
            addins: 0,
            messages: history.len() as u64,
        },
        rooms: vec![RoomHistory {
            room_id: 10,
            entry: messages_entry(10),
            messages: history.len() as u64,
            first_chat_id: history.first().map(|m| m.chat_id),
            last_chat_id: last,
            chat_id_bound: last,
            first_message_utc: None,
            last_message_utc: None,
        }],
        entries: Vec::new(),
    };
    writer.finish(manifest).expect("finish");
}

fn with_exact(chat_id: i64, content: &str, exact: Option<String>) -> Message {
    Message {
        content_utf16_base64: exact,
        ..sample::message(chat_id, 634_500_000_000_000_000, content)
    }
}

#[test]
fn format_1_0_packages_still_read_and_consistent_exact_bytes_are_accepted() {
    let dir = out_dir("versions");
    let old = dir.join("v10.zip");
    write_package(&old, "1.0", &[with_exact(1, "plain", None)]);
    inspect(&old).expect("a 1.0 package inspects valid");
    let new = dir.join("v11.zip");
    write_package(
        &new,
        "1.1",
        &[
            with_exact(1, "plain", None),
            with_exact(2, "a\u{FFFD}b", Some(b64(&le(&[0x61, 0xD800, 0x62])))),
        ],
    );
    inspect(&new).expect("a consistent 1.1 package inspects valid");
}

#[test]
fn exact_bytes_that_do_not_hold_together_are_refused() {
    let dir = out_dir("refused");
    let lone = b64(&le(&[0xD800]));
    let cases = [
        (
            "not base64",
            with_exact(1, "\u{FFFD}", Some("%%%".into())),
            "not valid base64",
        ),
        (
            "odd length",
            with_exact(1, "\u{FFFD}", Some(b64(&[0x00, 0xD8, 0x61]))),
            "odd",
        ),
        (
            "valid UTF-16",
            with_exact(1, "ab", Some(b64(&le(&[0x61, 0x62])))),
            "valid UTF-16",
        ),
        (
            "copy differs",
            with_exact(1, "something else", Some(lone)),
            "does not match",
        ),
    ];
    for (what, message, needle) in cases {
        let file = dir.join(format!("{}.zip", what.replace(' ', "-")));
        write_package(&file, "1.1", &[message]);
        let err = inspect(&file).expect_err(what);
        assert_eq!(err.code(), "invalid_package", "{what}: {err}");
        let text = err.to_string();
        assert!(
            text.contains("contentUtf16Base64")
                && text.contains(needle)
                && text.contains("message 1"),
            "{what}: {text}"
        );
    }
}

/// Other source text (names, descriptions, URIs) is not carried as bytes: a value there that is not valid
/// Unicode stops the export with an error naming the table, the row and the column, before anything is written.
#[tokio::test(flavor = "multi_thread")]
async fn a_name_that_is_not_valid_unicode_is_refused_naming_the_row() {
    let server = TestServer::start();
    let db = unique_db_name("lossless_name");
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &db, DatabaseKind::Legacy2010)
        .await
        .expect("schema");
    let model = generate_model(22, Size::Tiny);
    write_legacy(&mut admin, &model, DatabaseKind::Legacy2010)
        .await
        .expect("write legacy");
    let room = model.rooms.first().expect("a room");
    let mut db_admin = server.admin(&db).await;
    db_admin
        .execute(
            "UPDATE dbo.tblNode SET nodeName = CAST(@P1 AS nvarchar(256)) WHERE nodeID = @P2",
            &[&le(&[0x52, 0xDBFF, 0x78]), &room.id],
        )
        .await
        .expect("update");
    drop(db_admin);
    let dir = out_dir("name");
    let file = dir.join("GroupChat.zip");
    let request = json!({ "operation": "export", "params": {
        "connection": server.connection_params(Some(&db)),
        "fileName": file.display().to_string(),
    }});
    let (result, _) = tokio::task::spawn_blocking(move || run_job(request))
        .await
        .expect("join");
    let err = result.expect_err("the export refuses the name");
    assert_eq!(err.code(), "invalid_source_data", "{err}");
    let text = err.to_string();
    let named = format!("dbo.tblNode: the row with nodeID = {}: nodeName", room.id);
    assert!(
        text.contains(&named) && text.contains("not valid Unicode"),
        "{text}"
    );
    assert!(!file.exists(), "no package");
    server.drop_database(&db).await;
}
