//! The top of the verify page: the pass/fail banner, source and target, the quick-mode note and the counts by
//! kind and status.

use crate::util::html::escape;
use crate::util::units::{format_count, format_duration_ms};
use crate::verify::{VerifyKind, VerifyResult, VerifyStatus};
use std::fmt::Write as _;

/// The statuses in the order the page shows them.
pub(super) const STATUSES: [VerifyStatus; 4] = [
    VerifyStatus::Verified,
    VerifyStatus::Mismatch,
    VerifyStatus::Missing,
    VerifyStatus::Extra,
];

/// The kinds in the order the page shows them.
const KINDS: [VerifyKind; 4] = [
    VerifyKind::Principal,
    VerifyKind::Addin,
    VerifyKind::Category,
    VerifyKind::Room,
];

pub(super) fn kind_label(kind: VerifyKind) -> &'static str {
    match kind {
        VerifyKind::Principal => "Principal",
        VerifyKind::Addin => "Add-in",
        VerifyKind::Category => "Category",
        VerifyKind::Room => "Room",
    }
}

pub(super) fn status_label(status: VerifyStatus) -> &'static str {
    match status {
        VerifyStatus::Verified => "Verified",
        VerifyStatus::Mismatch => "Mismatch",
        VerifyStatus::Missing => "Missing",
        VerifyStatus::Extra => "Extra",
    }
}

/// The verdict, in words a change record can quote.
pub(super) fn banner(html: &mut String, r: &VerifyResult) {
    let s = &r.summary;
    if s.passed {
        let _ = writeln!(
            html,
            "<div class=\"banner passed\" id=\"verdict\">PASSED: the target matches the source \
             ({} items verified{})</div>",
            format_count(s.verified),
            if r.quick { ", quick mode" } else { "" }
        );
    } else {
        let _ = writeln!(
            html,
            "<div class=\"banner failed\" id=\"verdict\">FAILED: {} mismatched, {} missing, {} extra \
             ({} verified)</div>",
            format_count(s.mismatched),
            format_count(s.missing),
            format_count(s.extra),
            format_count(s.verified)
        );
    }
}

fn row(html: &mut String, label: &str, value: &str) {
    let _ = writeln!(
        html,
        "<tr><th>{}</th><td>{}</td></tr>",
        escape(label),
        escape(value)
    );
}

/// Source, target, mode and time.
pub(super) fn facts(html: &mut String, r: &VerifyResult) {
    html.push_str("<h2>Source and target</h2>\n<table class=\"facts\">\n");
    let kind = match r.source.kind.as_str() {
        "package" => "package",
        "database" => "legacy database",
        other => other,
    };
    row(
        html,
        "Source",
        &format!("{kind} {} ({})", r.source.location, r.source.source_kind),
    );
    row(
        html,
        "Target",
        &format!(
            "{} / {} ({})",
            r.target.db_instance, r.target.database, r.target.kind
        ),
    );
    row(
        html,
        "Mode",
        if r.quick {
            "quick: counts and first/last chatId and chatDate per room"
        } else {
            "full: every message compared, SHA-256 of each room's history"
        },
    );
    row(
        html,
        "Messages read",
        &format!(
            "{} in the source, {} in the target",
            format_count(r.summary.source_messages),
            format_count(r.summary.target_messages)
        ),
    );
    row(html, "Elapsed", &elapsed(r.summary.elapsed_seconds));
    if let Some(files) = &r.report {
        row(
            html,
            "Report files",
            &format!("{} and {}", files.html, files.json),
        );
    }
    html.push_str("</table>\n");
}

/// Seconds as people read them; a negative or non-finite value (never produced) as 0.
fn elapsed(seconds: f64) -> String {
    let ms = if seconds.is_finite() && seconds > 0.0 {
        // Rounded milliseconds; a duration beyond u64 milliseconds is not a verify run.
        (seconds * 1000.0).round().min(u64::MAX as f64) as u64
    } else {
        0
    };
    format_duration_ms(ms)
}

/// Quick mode compares less: say what, where it matters (before anyone retires the source).
pub(super) fn quick_note(html: &mut String, r: &VerifyResult) {
    if r.quick {
        html.push_str(
            "<p class=\"note\" id=\"quick-note\">Quick mode: each room's message count and first and last \
             chatId and chatDate were compared, not the messages themselves (no SHA-256 digests). A message \
             altered in place is not found this way: run a full verify before decommissioning.</p>\n",
        );
    }
}

/// Items by kind (rows) and status (columns), with totals.
pub(super) fn counts(html: &mut String, r: &VerifyResult) {
    html.push_str("<h2>Summary</h2>\n<table class=\"counts\">\n<tr><th>Kind</th>");
    for status in STATUSES {
        let _ = write!(html, "<th class=\"num\">{}</th>", status_label(status));
    }
    html.push_str("<th class=\"num\">Total</th></tr>\n");
    let count = |kind: Option<VerifyKind>, status: Option<VerifyStatus>| {
        r.items
            .iter()
            .filter(|i| kind.is_none_or(|k| i.kind == k) && status.is_none_or(|s| i.status == s))
            .count() as u64
    };
    let kinds = KINDS.iter().map(|k| (kind_label(*k), Some(*k)));
    for (label, kind) in kinds.chain([("All", None)]) {
        let _ = write!(html, "<tr><th>{label}</th>");
        for status in STATUSES {
            let n = count(kind, Some(status));
            let class = if n > 0 && status != VerifyStatus::Verified {
                format!("num {}", status_label(status))
            } else {
                "num".to_string()
            };
            let _ = write!(html, "<td class=\"{class}\">{}</td>", format_count(n));
        }
        let _ = writeln!(
            html,
            "<td class=\"num\">{}</td></tr>",
            format_count(count(kind, None))
        );
    }
    html.push_str("</table>\n");
}
