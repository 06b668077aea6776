//! The verify HTML report for change records and runbooks: a pass/fail banner, source and target, the counts by
//! status and kind, every item that is not verified with its first difference, the rooms with both sides'
//! history digests, and the decommission checklist last. The files are written by the verify job (the JSON
//! beside the HTML, as the import's report does); this module only renders the page.
//!
//! Self-contained: no script, no external asset, and a Content-Security-Policy that forbids both, so even text
//! that escaped escaping could not run. Every value goes through [`crate::util::html::escape`] (names come from
//! databases an attacker may have written; control characters are shown as `\u{..}`). Long names wrap (fixed
//! table layout, `overflow-wrap: anywhere`) so the page is never wider than the window. docs/verify-report.md.

mod checklist;
mod items;
mod summary;

use super::VerifyResult;

const STYLE: &str = "body{font-family:Segoe UI,Arial,sans-serif;margin:2em;max-width:100%}\
    table{border-collapse:collapse;width:100%;table-layout:fixed;margin-bottom:1em}\
    td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top;\
    overflow-wrap:anywhere;word-break:break-word}th{background:#eee}\
    .facts th{width:25%}.num{text-align:right}\
    .banner{padding:12px 16px;font-size:1.3em;font-weight:bold;border-radius:4px;margin-bottom:1em}\
    .banner.passed{background:#e3f4e3;color:#145214;border:2px solid #2e7d32}\
    .banner.failed{background:#fbe4e4;color:#7a1010;border:2px solid #c62828}\
    .note{background:#fff6d6;border-left:4px solid #d9a400;padding:8px 12px}\
    .Mismatch,.Missing,.Extra{color:#a00;font-weight:bold}.Verified{color:#1b5e20}\
    td.differs{background:#fde2e2}code,pre{font-family:Consolas,monospace}\
    pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;padding:6px 8px;margin:4px 0}\
    .checklist li{margin-bottom:1em}.open{color:#8a5a00;font-weight:bold}";

/// What the page allows itself: inline styles, nothing else (no script, no image, no external request).
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// The HTML page of `result` (pure, for tests).
pub fn render_html(result: &VerifyResult) -> String {
    let verdict = if result.summary.passed {
        "passed"
    } else {
        "failed"
    };
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>pchat-migrate verify report: {verdict}</title><style>{STYLE}</style></head><body>\n\
         <h1>Persistent Chat migration verification</h1>\n"
    );
    summary::banner(&mut html, result);
    summary::facts(&mut html, result);
    summary::quick_note(&mut html, result);
    summary::counts(&mut html, result);
    items::differences(&mut html, &result.items);
    items::rooms(&mut html, result);
    items::verified_entities(&mut html, &result.items);
    checklist::section(&mut html, &result.decommission);
    html.push_str("</body></html>\n");
    html
}

#[cfg(test)]
mod tests;
