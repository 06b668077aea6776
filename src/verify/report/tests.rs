use super::render_html;
use crate::target::result::{ReportFiles, TargetInfo};
use crate::util::text::is_unsafe_char;
use crate::verify::{
    DecommissionStep, HistoryComparison, HistoryDigest, VerifyItem, VerifyKind, VerifyResult,
    VerifySource, VerifyStatus, VerifySummary,
};

const HOSTILE: &str = "<script>alert(1)</script>\u{1b}[2J\u{202e}";
const SHA_A: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const SHA_B: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

fn digest(messages: u64, last: i64, sha: Option<&str>) -> HistoryDigest {
    HistoryDigest {
        messages,
        first_chat_id: Some(1),
        last_chat_id: Some(last),
        first_chat_date: Some(634_000_000_000_000_000),
        last_chat_date: Some(634_000_000_100_000_000),
        first_chat_date_utc: Some("2010-01-01T00:00:00Z".into()),
        last_chat_date_utc: Some("2010-01-01T00:10:00Z".into()),
        sha256: sha.map(str::to_string),
    }
}

fn item(kind: VerifyKind, name: &str, status: VerifyStatus) -> VerifyItem {
    VerifyItem {
        kind,
        name: name.into(),
        key: format!("key-{name}"),
        source_name: None,
        target_id: Some(7),
        status,
        first_difference: None,
        differences: 0,
        history: None,
    }
}

fn sample(passed: bool, quick: bool) -> VerifyResult {
    let mut mismatch = item(
        VerifyKind::Room,
        &format!("Sales - {HOSTILE}"),
        VerifyStatus::Mismatch,
    );
    mismatch.source_name = Some(format!("Sales\\{HOSTILE}"));
    mismatch.first_difference = Some(format!("message chatId 1200: content differs {HOSTILE}"));
    mismatch.differences = 3;
    mismatch.history = Some(HistoryComparison {
        source: digest(1200, 1200, (!quick).then_some(SHA_A)),
        target: digest(1200, 1200, (!quick).then_some(SHA_B)),
    });
    let mut verified_room = item(VerifyKind::Room, "Pipeline", VerifyStatus::Verified);
    verified_room.history = Some(HistoryComparison {
        source: digest(4, 4, (!quick).then_some(SHA_A)),
        target: digest(4, 4, (!quick).then_some(SHA_A)),
    });
    let mut missing = item(
        VerifyKind::Principal,
        "sip:ann@contoso.com",
        VerifyStatus::Missing,
    );
    missing.first_difference = Some("principal missing in the target".into());
    missing.target_id = None;
    let extra = item(VerifyKind::Room, "Stray room", VerifyStatus::Extra);
    let mut items = vec![
        mismatch,
        missing,
        extra,
        verified_room,
        item(VerifyKind::Category, "Sales", VerifyStatus::Verified),
    ];
    if passed {
        items.retain(|i| i.status == VerifyStatus::Verified);
    }
    VerifyResult {
        quick,
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
            passed,
            verified: 2,
            mismatched: if passed { 0 } else { 1 },
            missing: if passed { 0 } else { 1 },
            extra: if passed { 0 } else { 1 },
            rooms: 3,
            source_messages: 1204,
            target_messages: 1204,
            elapsed_seconds: 72.4,
            ..VerifySummary::default()
        },
        items,
        decommission: vec![
            DecommissionStep {
                title: "Do not decommission: 3 items do not match".into(),
                command: None,
                note: "Fix them first.".into(),
                complete: false,
            },
            DecommissionStep {
                title: "Remove the Group Chat trusted application (step 12)".into(),
                command: Some(format!(
                    "Remove-CsTrustedApplication -Identity '{HOSTILE}/GroupChat'"
                )),
                note: "Not yet.".into(),
                complete: true,
            },
        ],
        report: Some(ReportFiles {
            html: "C:\\Logs\\Verify.html".into(),
            json: "C:\\Logs\\Verify.json".into(),
        }),
    }
}

fn position(html: &str, needle: &str) -> usize {
    html.find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the page:\n{html}"))
}

#[test]
fn a_failed_verify_shows_the_problems_first_and_the_checklist_last() {
    let html = render_html(&sample(false, false));
    assert!(html.contains(
        "<div class=\"banner failed\" id=\"verdict\">FAILED: 1 mismatched, 1 missing, 1 extra"
    ));
    assert!(html.contains("<title>pchat-migrate verify report: failed</title>"));
    // Banner → source/target → summary → differences → rooms → verified → checklist.
    let order = [
        position(&html, "id=\"verdict\""),
        position(&html, "<h2>Source and target</h2>"),
        position(&html, "<h2>Summary</h2>"),
        position(&html, "<h2 id=\"differences\">Differences (3)</h2>"),
        position(&html, "<h2 id=\"rooms\">Rooms and chat history (3)</h2>"),
        position(&html, "Verified principals, add-ins and categories"),
        position(&html, "<h2 id=\"decommission\">Decommission checklist</h2>"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    // The first difference, escaped, in the differences table.
    assert!(html.contains(
        "<td class=\"first-difference\">message chatId 1200: content differs &lt;script&gt;alert(1)&lt;/script&gt;\\u{1b}[2J\\u{202e}</td>"
    ));
    assert!(html.contains("<td class=\"first-difference\">not expected from the source</td>"));
    // Counts by kind and status: the Room row has 1 verified, 1 mismatch, 0 missing, 1 extra of 3.
    assert!(html.contains(
        "<tr><th>Room</th><td class=\"num\">1</td><td class=\"num Mismatch\">1</td><td class=\"num\">0</td>\
         <td class=\"num Extra\">1</td><td class=\"num\">3</td></tr>"
    ), "{html}");
    assert!(html.contains("<tr><th>All</th><td class=\"num\">2</td>"));
    // Both digests shortened, full values in the title, the differing cells marked.
    assert!(html.contains(&format!(
        "<code class=\"sha\" title=\"{SHA_A}\">0123456789ab&hellip;</code>"
    )));
    assert!(html.contains(&format!(
        "<td class=\"differs\"><code class=\"sha\" title=\"{SHA_B}\">"
    )));
    assert!(html.contains("1,200"));
    assert!(html.contains("source: Sales\\&lt;script&gt;"));
    // The checklist: numbered, the open step marked, the command in a pre block.
    assert!(html.contains("<li><strong>Do not decommission: 3 items do not match</strong> <span class=\"open\">(to fill in)</span>"));
    assert!(html.contains("<pre><code>Remove-CsTrustedApplication -Identity &#39;&lt;script&gt;"));
    assert!(!html.contains("id=\"quick-note\""));
    assert!(html.contains("1 min 12 s"));
}

#[test]
fn every_value_is_inert() {
    for (passed, quick) in [(false, false), (true, true)] {
        let html = render_html(&sample(passed, quick));
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(
            !html.chars().any(|c| c != '\n' && is_unsafe_char(c)),
            "a raw control character"
        );
        assert!(
            html.contains("Content-Security-Policy\" content=\"default-src &#39;none&#39;")
                || html.contains("Content-Security-Policy\" content=\"default-src 'none'")
        );
        assert!(!html.contains("<img") && !html.contains(" src=") && !html.contains(" href="));
    }
}

#[test]
fn a_passed_quick_verify_says_what_it_did_not_compare() {
    let html = render_html(&sample(true, true));
    assert!(html.contains("<div class=\"banner passed\" id=\"verdict\">PASSED: the target matches the source (2 items verified, quick mode)</div>"));
    assert!(html.contains(
        "<h2 id=\"differences\">Differences (0)</h2>\n<p>None: every item is verified.</p>"
    ));
    let note = position(&html, "id=\"quick-note\"");
    assert!(note < position(&html, "<h2>Summary</h2>"));
    assert!(html.contains("<th>SHA-256 (not computed in quick mode)</th>"));
    assert!(!html.contains("class=\"sha\""), "no digest in quick mode");
    assert!(!html.contains("class=\"differs\""), "nothing differs");
}

#[test]
fn an_empty_checklist_and_a_room_without_history_still_render() {
    let mut result = sample(false, false);
    result.decommission.clear();
    let html = render_html(&result);
    assert!(html.contains("<p>No checklist was produced.</p>"));
    // The extra room has no history: one row, not two.
    assert!(html.contains("<td rowspan=\"1\">Stray room"));
    assert!(html.contains("<td colspan=\"5\">no history compared</td>"));
}
