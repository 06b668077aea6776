//! The verify HTML report: summary, every non-verified item with its first difference, the room table and the
//! decommission checklist. Self-contained (no scripts, no external assets), every name HTML-escaped.
//!
//! SEAM: the verify-surface part writes the page; until then this is a bare page. The files are written by
//! the verify job (JSON beside the HTML, as the import's report does).

use super::VerifyResult;

/// The HTML page of `result`.
pub fn render_html(result: &VerifyResult) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Verify</title></head><body><p>{} items</p></body></html>\n",
        result.items.len()
    )
}
