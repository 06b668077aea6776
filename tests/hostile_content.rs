//! Issue 11, hostile content end to end: messages holding markup and script, SQL metacharacters, NULs, control
//! and bidi characters, a lone surrogate and a 1 MiB message go from a legacy Group Chat database through the
//! export, the import and the verification unchanged — the target holds exactly the source's UTF-16 bytes — and
//! the archive of the package renders them inert in a real browser (headless chromium: the page loads, a
//! screenshot is taken, no injected script runs, no injected element exists).

#[path = "apply_support/mod.rs"]
mod apply_support;
#[path = "common/browser.rs"]
mod browser;
mod common;

use apply_support::{fresh_target, scalar, write_name_map};
use chat_fixtures::{create_database, generate_model, write_legacy, DatabaseKind, Size};
use common::{fresh_dir, run_job, unique_db_name, TestServer};
use serde_json::json;

/// The hostile messages, as the UTF-16 code units SQL Server stores.
fn hostile() -> Vec<(&'static str, Vec<u16>)> {
    let text = |s: &str| s.encode_utf16().collect::<Vec<u16>>();
    let mut megabyte = text("start ");
    megabyte.extend(std::iter::repeat_n(u16::from(b'x'), 1 << 20));
    megabyte.extend(text(" <script>document.title='pwned'</script> end"));
    vec![
        ("script", text("<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\"><b id=\"injected\">b</b>")),
        ("sql", text("'); DROP TABLE dbo.tblChat; -- \" ]] [x] %_ \\ ; SELECT 1/0")),
        ("nul and controls", text("nul\u{0}esc\u{1b}[31mred\u{7}bell\u{8}bs\r\nline\u{2028}sep bidi\u{202e}txet")),
        ("lone surrogate", vec![0x61, 0xD800, 0x62, 0xDC00]),
        ("1 MiB", megabyte),
    ]
}

fn le(units: &[u16]) -> Vec<u8> {
    units.iter().flat_map(|u| u.to_le_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_content_survives_export_import_and_verify_exactly_and_renders_inert() {
    let server = TestServer::start();
    let dir = fresh_dir("hostile_content", "roundtrip");
    let source = unique_db_name("hostile_src");
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &source, DatabaseKind::Legacy2010)
        .await
        .expect("legacy schema");
    let model = generate_model(23, Size::Tiny);
    write_legacy(&mut admin, &model, DatabaseKind::Legacy2010)
        .await
        .expect("legacy rows");
    let room = model
        .rooms
        .iter()
        .find(|r| r.message_count > 0)
        .expect("a room with history");
    let last = model.room_messages(room).last().expect("a message");
    let cases = hostile();
    {
        // As varbinary reinterpreted as nvarchar: a Rust String cannot hold a lone surrogate.
        let mut db = server.admin(&source).await;
        for (i, (_, units)) in cases.iter().enumerate() {
            db.execute(
                "INSERT INTO dbo.tblChat (channelID, chatID, chatDate, userId, isAlert, content) \
                 VALUES (@P1, @P2, @P3, @P4, 0, CAST(@P5 AS nvarchar(max)))",
                &[
                    &room.id,
                    &(last.chat_id + 1 + i as i64),
                    &last.date,
                    &last.user_id,
                    &le(units),
                ],
            )
            .await
            .expect("insert a hostile message");
        }
    }

    let package = dir.join("GroupChat.zip");
    let target = fresh_target(&server).await;
    let export = json!({"operation": "export", "params": {
        "connection": server.connection_params(Some(&source)),
        "fileName": package.display().to_string(),
    }});
    let exported = tokio::task::block_in_place(|| run_job(export).0);
    let exported = exported.expect("the export succeeds");
    assert_eq!(exported["nonUnicodeMessages"], 1, "{exported}");
    // The generated deployment has names 2013 cannot take as they are (docs/conversion-rules.md): map them.
    let names = dir.join("names.json");
    write_name_map(&package, &names);
    let import = json!({"operation": "import", "params": {
        "connection": server.connection_params(Some(&target)),
        "fileName": package.display().to_string(),
        "nameMapFile": names.display().to_string(),
    }});
    let verify = json!({"operation": "verify", "params": {
        "connection": server.connection_params(Some(&target)),
        "fileName": package.display().to_string(),
        "nameMapFile": names.display().to_string(),
    }});
    let archive_dir = dir.join("archive");
    let archive = json!({"operation": "archive", "params": {
        "fileName": package.display().to_string(),
        "outputFolder": archive_dir.display().to_string(),
    }});
    let (imported, verified, archived) =
        tokio::task::block_in_place(|| (run_job(import).0, run_job(verify).0, run_job(archive).0));
    imported.expect("the import succeeds");
    let verified = verified.expect("the verification runs");
    assert_eq!(verified["summary"]["passed"], true, "{verified}");

    // The target holds each message's exact bytes, once.
    for (name, units) in &cases {
        let bytes = le(units);
        let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
        let found = scalar(
            &server,
            &target,
            &format!(
                "SELECT COUNT(*) FROM dbo.tblChat WHERE CAST(content AS varbinary(max)) = 0x{hex}"
            ),
        )
        .await;
        assert_eq!(found, 1, "{name}: {found} exact copies in the target");
    }

    // The archive renders it inert in a real browser.
    archived.expect("the archive is written");
    let Some(chromium) = browser::chromium() else {
        return;
    };
    let page = std::fs::read_dir(archive_dir.join("rooms"))
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("DROP TABLE dbo.tblChat")))
        .unwrap_or_else(|| {
            panic!(
                "no archive page of {} shows the hostile messages",
                archive_dir.display()
            )
        });
    let dom = browser::dump_dom(&chromium, &page, &[]);
    assert!(!dom.contains("pwned</title>"), "a script changed the title");
    assert!(
        !dom.contains("<b id=\"injected\""),
        "an element was injected"
    );
    assert!(!dom.contains("<img src=\"x\""), "an image was injected");
    assert!(
        dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"),
        "the markup is not shown as text"
    );
    let shot = dir.join("hostile.png");
    browser::screenshot(&chromium, &page, &shot);
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(
        png.len() > 1000 && png.starts_with(b"\x89PNG"),
        "not a screenshot: {} bytes",
        png.len()
    );
}
