//! `index.html`: the archive's table of contents. Rooms grouped by the category they sat in (its legacy path
//! as the heading, nested categories shown as `Parent \ Child`), each with its counts, first and last message
//! and a link to its first page. Written after every room, from the figures the pages found.

use super::html::{page_end, page_start, push_text};
use super::model::ArchivedRoom;
use crate::package::format::{Node, SourceInfo};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// What the index shows above the rooms.
pub struct IndexFacts<'a> {
    pub package_name: &'a str,
    pub source: &'a SourceInfo,
    pub created_utc: &'a str,
    pub time_zone: &'a str,
}

/// The index page. `rooms` are the archived rooms, `categories` the package's categories.
pub fn render(
    facts: &IndexFacts<'_>,
    rooms: &[ArchivedRoom],
    parents: &HashMap<i32, Option<i32>>,
    categories: &[Node],
) -> String {
    let by_id: HashMap<i32, &Node> = categories.iter().map(|c| (c.id, c)).collect();
    // Key: the heading's legacy path, then the category id (two categories could share a path), so the order
    // is stable and readable.
    let mut groups: BTreeMap<(Vec<String>, Option<i32>), Vec<&ArchivedRoom>> = BTreeMap::new();
    for room in rooms {
        let parent = parents.get(&room.room_id).copied().flatten();
        let key = match parent.and_then(|p| by_id.get(&p)) {
            Some(c) if c.is_root => (Vec::new(), Some(c.id)),
            Some(c) => {
                let mut path = c.path.clone();
                path.push(c.name.clone());
                (path, Some(c.id))
            }
            None => (room.path.clone(), None),
        };
        groups.entry(key).or_default().push(room);
    }
    let mut out = String::with_capacity(64 * 1024);
    page_start(&mut out, "Group Chat archive");
    let messages: u64 = rooms.iter().map(|r| r.messages).sum();
    out.push_str("<h1>Group Chat archive</h1>\n<p class=\"meta\">");
    let _ = write!(
        out,
        "{} room(s), {} message(s), in {} categor{}. ",
        rooms.len(),
        messages,
        groups.len(),
        if groups.len() == 1 { "y" } else { "ies" }
    );
    out.push_str("From the package ");
    push_text(&mut out, facts.package_name);
    out.push_str(" (");
    push_text(&mut out, &facts.source.database);
    out.push_str(" on ");
    push_text(&mut out, &facts.source.db_instance);
    out.push_str(", ");
    push_text(&mut out, &facts.source.kind);
    out.push_str(", exported ");
    push_text(&mut out, facts.created_utc);
    out.push_str("). Local times: ");
    push_text(&mut out, facts.time_zone);
    out.push_str(". The JSON Lines copy of each room is in data/, the SHA-256 of every file in archive-manifest.json and SHA256SUMS.</p>\n");
    for ((path, category), members) in &groups {
        out.push_str("<h2 class=\"category\">");
        match (category, path.is_empty()) {
            (Some(_), true) => out.push_str("(root category)"),
            (None, _) => {
                out.push_str("(category not in the package) ");
                push_text(&mut out, &path.join(" \\ "));
            }
            (Some(_), false) => push_text(&mut out, &path.join(" \\ ")),
        }
        let count: u64 = members.iter().map(|r| r.messages).sum();
        let _ = writeln!(
            out,
            " <span class=\"meta\">({} room(s), {count} message(s))</span></h2>",
            members.len()
        );
        out.push_str("<table class=\"rooms\">\n<thead><tr><th>Room</th><th>Messages</th><th>First message (UTC)</th><th>Last message (UTC)</th><th>Pages</th><th>Notes</th></tr></thead>\n<tbody>\n");
        for room in members {
            room_row(&mut out, room);
        }
        out.push_str("</tbody>\n</table>\n");
    }
    if rooms.is_empty() {
        out.push_str("<p>No room was selected.</p>\n");
    }
    page_end(&mut out);
    out
}

/// One room of the index (`<tr class="room">`).
fn room_row(out: &mut String, room: &ArchivedRoom) {
    out.push_str("<tr class=\"room\"><td><a href=\"");
    push_text(out, &room.page);
    out.push_str("\">");
    push_text(out, &room.name);
    out.push_str("</a><br><span class=\"uri\">");
    push_text(out, &room.guid);
    let _ = write!(
        out,
        "</span></td><td class=\"num\">{}</td><td>",
        room.messages
    );
    push_text(out, room.first_message_utc.as_deref().unwrap_or("-"));
    out.push_str("</td><td>");
    push_text(out, room.last_message_utc.as_deref().unwrap_or("-"));
    let _ = write!(out, "</td><td class=\"num\">{}</td><td>", room.pages);
    let mut notes = Vec::new();
    if room.disabled {
        notes.push("disabled in the source".to_string());
    }
    if let Some(reason) = &room.not_migrated {
        notes.push(format!("not migrated: {reason}"));
    }
    push_text(out, &notes.join("; "));
    out.push_str("</td></tr>\n");
}
