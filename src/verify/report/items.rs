//! The item sections of the verify page: every item that is not verified with its first difference (first, so
//! a reader sees the problems at once), the rooms with both sides' history digests, and the verified
//! principals, add-ins and categories folded in a `<details>` element (no script needed to open it).

use super::summary::{kind_label, status_label};
use crate::util::html::escape;
use crate::util::units::format_count;
use crate::verify::{HistoryDigest, VerifyItem, VerifyKind, VerifyResult, VerifyStatus};
use std::fmt::Write as _;

/// Hex digits of a SHA-256 shown in the table; the full value is in the cell's title (hover) and the JSON.
const SHA_SHOWN: usize = 12;

/// The item's name, with the source's name and the matching key when they help find it.
fn name_cell(item: &VerifyItem) -> String {
    let mut cell = escape(&item.name);
    if let Some(source) = item.source_name.as_deref().filter(|s| *s != item.name) {
        let _ = write!(cell, "<br><small>source: {}</small>", escape(source));
    }
    let _ = write!(cell, "<br><small>key: {}", escape(&item.key));
    if let Some(id) = item.target_id {
        let _ = write!(cell, ", target id {id}");
    }
    cell.push_str("</small>");
    cell
}

/// Mismatch, Missing and Extra items, each with its first difference and how many there are in all.
pub(super) fn differences(html: &mut String, items: &[VerifyItem]) {
    let problems: Vec<&VerifyItem> = items
        .iter()
        .filter(|i| i.status != VerifyStatus::Verified)
        .collect();
    let _ = writeln!(
        html,
        "<h2 id=\"differences\">Differences ({})</h2>",
        format_count(problems.len() as u64)
    );
    if problems.is_empty() {
        html.push_str("<p>None: every item is verified.</p>\n");
        return;
    }
    html.push_str(
        "<table class=\"differences\"><colgroup><col style=\"width:10%\"><col style=\"width:10%\">\
         <col style=\"width:30%\"><col><col style=\"width:10%\"></colgroup>\n\
         <tr><th>Status</th><th>Kind</th><th>Name</th><th>First difference</th>\
         <th class=\"num\">Differences</th></tr>\n",
    );
    for item in problems {
        let status = status_label(item.status);
        let first = match (&item.first_difference, item.status) {
            (Some(text), _) => escape(text),
            (None, VerifyStatus::Missing) => "not in the target".to_string(),
            (None, VerifyStatus::Extra) => "not expected from the source".to_string(),
            (None, _) => String::new(),
        };
        let _ = writeln!(
            html,
            "<tr><td class=\"{status}\">{status}</td><td>{}</td><td>{}</td>\
             <td class=\"first-difference\">{first}</td><td class=\"num\">{}</td></tr>",
            kind_label(item.kind),
            name_cell(item),
            format_count(item.differences)
        );
    }
    html.push_str("</table>\n");
}

/// A chatId and its date, or a dash for an empty history.
fn boundary(chat_id: Option<i64>, date_utc: &Option<String>, ticks: Option<i64>) -> String {
    match chat_id {
        None => "&ndash;".to_string(),
        Some(id) => {
            let date = match (date_utc, ticks) {
                (Some(utc), _) => escape(utc),
                (None, Some(t)) => format!("ticks {t}"),
                (None, None) => String::new(),
            };
            format!("{id}<br><small>{date}</small>")
        }
    }
}

/// The shortened digest with the full value as its title; a dash in quick mode.
fn sha_cell(digest: &HistoryDigest) -> String {
    match digest.sha256.as_deref() {
        None => "&ndash;".to_string(),
        Some(full) => {
            let shown: String = full.chars().take(SHA_SHOWN).collect();
            let more = if full.chars().count() > SHA_SHOWN {
                "&hellip;"
            } else {
                ""
            };
            format!(
                "<code class=\"sha\" title=\"{}\">{}{more}</code>",
                escape(full),
                escape(&shown)
            )
        }
    }
}

/// The cells of one side's digest; `other` marks the cells that differ.
fn digest_cells(digest: &HistoryDigest, other: Option<&HistoryDigest>) -> String {
    let differs = |same: bool| {
        if other.is_some() && !same {
            " class=\"differs\""
        } else {
            ""
        }
    };
    let o = other.cloned().unwrap_or_default();
    format!(
        "<td class=\"num\"{}>{}</td><td{}>{}</td><td{}>{}</td><td{}>{}</td>",
        differs(digest.messages == o.messages),
        format_count(digest.messages),
        differs(
            digest.first_chat_id == o.first_chat_id && digest.first_chat_date == o.first_chat_date
        ),
        boundary(
            digest.first_chat_id,
            &digest.first_chat_date_utc,
            digest.first_chat_date
        ),
        differs(digest.last_chat_id == o.last_chat_id && digest.last_chat_date == o.last_chat_date),
        boundary(
            digest.last_chat_id,
            &digest.last_chat_date_utc,
            digest.last_chat_date
        ),
        differs(digest.sha256 == o.sha256),
        sha_cell(digest)
    )
}

/// Every room, two rows each (source and target), the cells that differ highlighted.
pub(super) fn rooms(html: &mut String, r: &VerifyResult) {
    let rooms: Vec<&VerifyItem> = r
        .items
        .iter()
        .filter(|i| i.kind == VerifyKind::Room)
        .collect();
    let _ = writeln!(
        html,
        "<h2 id=\"rooms\">Rooms and chat history ({})</h2>",
        format_count(rooms.len() as u64)
    );
    if rooms.is_empty() {
        html.push_str("<p>No rooms.</p>\n");
        return;
    }
    let sha_header = if r.quick {
        "SHA-256 (not computed in quick mode)"
    } else {
        "SHA-256"
    };
    let _ = writeln!(
        html,
        "<table class=\"rooms\"><colgroup><col style=\"width:24%\"><col style=\"width:9%\">\
         <col style=\"width:7%\"><col style=\"width:9%\"><col><col><col style=\"width:14%\"></colgroup>\n\
         <tr><th>Room</th><th>Status</th><th>Side</th><th class=\"num\">Messages</th>\
         <th>First chatId (UTC)</th><th>Last chatId (UTC)</th><th>{sha_header}</th></tr>"
    );
    for room in rooms {
        let status = status_label(room.status);
        let lead = |rows: u8| {
            format!(
                "<td rowspan=\"{rows}\">{}</td><td rowspan=\"{rows}\" class=\"{status}\">{status}</td>",
                name_cell(room)
            )
        };
        match &room.history {
            Some(h) => {
                let _ = writeln!(
                    html,
                    "<tr>{}<td>source</td>{}</tr>\n<tr><td>target</td>{}</tr>",
                    lead(2),
                    digest_cells(&h.source, Some(&h.target)),
                    digest_cells(&h.target, Some(&h.source))
                );
            }
            None => {
                // A Missing or Extra room has one side only; the verify engine reports no history for it.
                let _ = writeln!(
                    html,
                    "<tr>{}<td colspan=\"5\">no history compared</td></tr>",
                    lead(1)
                );
            }
        }
    }
    html.push_str("</table>\n");
}

/// The verified principals, add-ins and categories, folded: listed for completeness, not for reading.
pub(super) fn verified_entities(html: &mut String, items: &[VerifyItem]) {
    let verified: Vec<&VerifyItem> = items
        .iter()
        .filter(|i| i.status == VerifyStatus::Verified && i.kind != VerifyKind::Room)
        .collect();
    if verified.is_empty() {
        return;
    }
    let _ = writeln!(
        html,
        "<h2>Verified principals, add-ins and categories</h2>\n<details><summary>{} item(s)</summary>\n\
         <table><tr><th>Kind</th><th>Name</th></tr>",
        format_count(verified.len() as u64)
    );
    for item in verified {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td></tr>",
            kind_label(item.kind),
            name_cell(item)
        );
    }
    html.push_str("</table></details>\n");
}
