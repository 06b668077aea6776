//! Issue 9 "Verify": the verify HTML report in a real browser (headless chromium). A result built here with
//! hostile names (markup, a script, an image with an onerror handler, control and bidi characters) in rooms,
//! differences, the source and the decommission facts, and a mismatch: the page renders with the FAILED banner,
//! the first difference as text, both digests and the checklist; no script runs, no element is injected, and the
//! page is no wider than a 1024 px window. Controls prove the instruments see a script run and an overflow.

#[path = "common/browser.rs"]
mod browser;

use browser::{chromium, dump_dom, overflow_harness, widths};
use pchat_migrate::target::result::TargetInfo;
use pchat_migrate::verify::decommission::checklist;
use pchat_migrate::verify::report::render_html;
use pchat_migrate::verify::{
    DecommissionFacts, HistoryComparison, HistoryDigest, VerifyItem, VerifyKind, VerifyResult,
    VerifySource, VerifyStatus, VerifySummary,
};
use std::path::PathBuf;

/// Tries to change the title, add an element and run a handler; must stay text.
const HOSTILE: &str =
    "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">\
                       <b id=\"injected\">bold</b>\u{1b}[2J\u{202e}";

fn dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("verify-report")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn digest(messages: u64, sha: &str) -> HistoryDigest {
    HistoryDigest {
        messages,
        first_chat_id: Some(1),
        last_chat_id: Some(i64::try_from(messages).expect("small")),
        first_chat_date: Some(634_000_000_000_000_000),
        last_chat_date: Some(634_000_000_900_000_000),
        first_chat_date_utc: Some("2010-01-01T00:00:00Z".into()),
        last_chat_date_utc: Some("2010-01-01T00:15:00Z".into()),
        sha256: Some(sha.into()),
    }
}

fn room(name: String, status: VerifyStatus, difference: Option<String>) -> VerifyItem {
    VerifyItem {
        kind: VerifyKind::Room,
        key: "8f1d6c2e-0000-4000-8000-000000000001".into(),
        source_name: Some(format!("Sales\\{name}")),
        name,
        target_id: Some(42),
        status,
        differences: u64::from(difference.is_some()),
        first_difference: difference,
        history: None,
    }
}

fn hostile_result() -> VerifyResult {
    let mut mismatch = room(
        format!("Sales - {HOSTILE}"),
        VerifyStatus::Mismatch,
        Some(format!("message chatId 1200: content differs ({HOSTILE})")),
    );
    mismatch.history = Some(HistoryComparison {
        source: digest(1200, &"a".repeat(64)),
        target: digest(1200, &"b".repeat(64)),
    });
    // A long unbroken name must wrap, not widen the page.
    let mut long = room("x".repeat(300), VerifyStatus::Verified, None);
    long.history = Some(HistoryComparison {
        source: digest(5, &"c".repeat(64)),
        target: digest(5, &"c".repeat(64)),
    });
    let mut result = VerifyResult {
        quick: false,
        source: VerifySource {
            kind: "package".into(),
            location: format!("C:\\Exports\\{HOSTILE}.zip"),
            source_kind: "LyncGroupChat2010".into(),
        },
        target: TargetInfo {
            db_instance: "sql13\\rtc".into(),
            database: "mgc".into(),
            kind: "PersistentChat2013".into(),
        },
        summary: VerifySummary {
            passed: false,
            verified: 1,
            mismatched: 1,
            rooms: 2,
            source_messages: 1205,
            target_messages: 1205,
            elapsed_seconds: 3.5,
            ..VerifySummary::default()
        },
        items: vec![mismatch, long],
        decommission: Vec::new(),
        report: None,
    };
    let facts = DecommissionFacts {
        legacy_pool_fqdn: Some(format!("gcpool{HOSTILE}")),
        trusted_application_id: Some("GroupChat".into()),
        legacy_servers: vec![format!("gc01{HOSTILE}")],
        persistent_chat_pool_fqdn: Some("pcpool.contoso.com".into()),
        lookup_sip_address: Some("sip:ocschat@contoso.com".into()),
    };
    result.decommission = checklist(&facts, &result);
    result
}

/// The text content of the element with `id` in the dumped DOM (up to its closing tag).
fn element_text<'a>(dom: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\">");
    let at = dom
        .find(&marker)
        .unwrap_or_else(|| panic!("no element {id} in {dom}"))
        + marker.len();
    let end = dom[at..].find("</").expect("closing tag");
    &dom[at..at + end]
}

#[test]
fn the_verify_report_renders_in_a_browser_with_inert_names_and_the_checklist() {
    let Some(chromium) = chromium() else { return };
    let dir = dir("browser");
    let result = hostile_result();
    let page = dir.join("verify.html");
    std::fs::write(&page, render_html(&result)).expect("page");

    let dom = dump_dom(&chromium, &page, &[]);
    // It rendered: the verdict, the first difference (as text), both digests, the checklist.
    assert!(
        element_text(&dom, "verdict").starts_with("FAILED: 1 mismatched, 0 missing, 0 extra"),
        "{dom}"
    );
    assert!(dom.contains("message chatId 1200: content differs (&lt;script&gt;document.title="));
    assert!(dom.contains(&format!("title=\"{}\"", "a".repeat(64))));
    assert!(dom.contains(&format!("title=\"{}\"", "b".repeat(64))));
    assert!(dom.contains("Decommission checklist"));
    assert!(dom.contains("Do not decommission: 1 item does not match"));
    assert!(dom.contains("Remove-CsTrustedApplication -Identity 'gcpool&lt;script&gt;"));
    assert!(
        dom.contains("\\u{1b}[2J\\u{202e}"),
        "control characters shown"
    );
    // Nothing ran and nothing was injected: the title is the page's, no script/img/b element exists.
    assert!(dom.contains("<title>pchat-migrate verify report: failed</title>"));
    assert!(!dom.contains("pwned</title>"), "the title was changed");
    assert!(!dom.contains("<script"), "a script element in the DOM");
    assert!(!dom.contains("<img"), "an img element in the DOM");
    assert!(!dom.contains("<b id=\"injected\""), "an injected element");
    assert!(
        dom.contains("&lt;b id=\"injected\"&gt;bold"),
        "shown as text"
    );
    assert!(!dom.contains('\u{1b}') && !dom.contains('\u{202e}'));

    // Control: the same instrument sees a script that does run.
    let control = dir.join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><html><head><title>t</title></head><body>\
         <script>document.title='pwned'</script></body></html>",
    )
    .expect("control");
    assert!(dump_dom(&chromium, &control, &[]).contains("<title>pwned</title>"));

    // No horizontal overflow at 1024 px (the 300-character name wraps); the harness sees one that is there.
    let (scroll, client) = widths(&dump_dom(
        &chromium,
        &overflow_harness(&dir, &page, "harness"),
        &["--allow-file-access-from-files"],
    ));
    assert!(client > 900 && client <= 1024, "frame width {client}");
    assert!(
        scroll <= client,
        "the report is {scroll} px wide in {client} px"
    );
    let wide = dir.join("wide.html");
    std::fs::write(
        &wide,
        "<!DOCTYPE html><div style=\"width:2000px\">wide</div>",
    )
    .expect("wide");
    let (scroll, client) = widths(&dump_dom(
        &chromium,
        &overflow_harness(&dir, &wide, "control-wide"),
        &["--allow-file-access-from-files"],
    ));
    assert!(
        scroll > client,
        "the harness must see overflow ({scroll} vs {client})"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
