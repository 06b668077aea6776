//! One room's pages: a header (the room's facts and the page links), one table row per message in chatId
//! order, a footer. Written a message at a time, so a room of millions of messages needs one row in memory.

use super::html::{page_end, page_start, push_content, push_text, LinkCounts};
use super::links::StoreUrl;
use super::select::legacy_path;
use super::timezone::{wall_clock, TimeZoneSpec};
use crate::package::format::{Message, Node};
use std::fmt::Write as _;

/// Room pages sit in `rooms/`, one folder below the archive folder.
pub const PAGE_DEPTH: usize = 1;

/// The path of page `page` (1-based) of the room whose files are named `stem`.
pub fn page_path(stem: &str, page: u64) -> String {
    if page <= 1 {
        format!("rooms/{stem}.html")
    } else {
        format!("rooms/{stem}-p{page}.html")
    }
}

/// A poster as the pages show it.
#[derive(Debug, Clone)]
pub struct Poster {
    pub guid: String,
    pub name: String,
    pub uri: String,
}

/// What every page of one room shows.
pub struct RoomPages<'a> {
    pub room: &'a Node,
    pub stem: &'a str,
    pub messages: u64,
    pub pages: u64,
    pub not_migrated: Option<&'a str>,
    pub time_zone: TimeZoneSpec,
    pub store: Option<&'a StoreUrl>,
}

impl RoomPages<'_> {
    /// The page's head, the room's facts, the page links and the table's start.
    pub fn header(&self, page: u64) -> String {
        let mut out = String::with_capacity(4096);
        let title = if self.pages > 1 {
            format!("{} (page {page} of {})", self.room.name, self.pages)
        } else {
            self.room.name.clone()
        };
        page_start(&mut out, &title);
        out.push_str("<nav><a href=\"../index.html\">Index of rooms</a></nav>\n<h1>");
        push_text(&mut out, &self.room.name);
        out.push_str("</h1>\n<table class=\"facts\">\n");
        let mut fact = |label: &str, value: &str| {
            out.push_str("<tr><th>");
            out.push_str(label);
            out.push_str("</th><td>");
            push_text(&mut out, value);
            out.push_str("</td></tr>\n");
        };
        fact("Legacy path", &legacy_path(self.room));
        fact("Room GUID", &self.room.guid);
        fact("nodeID", &self.room.id.to_string());
        if !self.room.description.is_empty() {
            fact("Description", &self.room.description);
        }
        if let Some(topic) = self.room.topic.as_deref().filter(|t| !t.is_empty()) {
            fact("Topic", topic);
        }
        fact("Messages", &self.messages.to_string());
        if self.room.disabled {
            fact("State", "disabled in the source");
        }
        if let Some(reason) = self.not_migrated {
            fact("Not migrated", reason);
        }
        out.push_str("</table>\n");
        self.nav(&mut out, page);
        out.push_str(
            "<table class=\"messages\">\n<thead><tr><th>chatId</th><th>Time (UTC)</th><th>Time (",
        );
        push_text(&mut out, &self.time_zone.label());
        out.push_str(")</th><th>Poster</th><th>Message</th></tr></thead>\n<tbody>\n");
        if self.messages == 0 {
            out.push_str(
                "<tr><td colspan=\"5\">This room has no messages in the package.</td></tr>\n",
            );
        }
        out
    }

    /// The end of the table, the page links again, the end of the document.
    pub fn footer(&self, page: u64) -> String {
        let mut out = String::from("</tbody>\n</table>\n");
        self.nav(&mut out, page);
        page_end(&mut out);
        out
    }

    /// "Page k of n" with first / previous / next / last links (page names are ours: safe as they are).
    fn nav(&self, out: &mut String, page: u64) {
        if self.pages <= 1 {
            return;
        }
        let link = |out: &mut String, label: &str, target: u64| {
            let name = page_path(self.stem, target);
            let file = name.trim_start_matches("rooms/");
            let _ = write!(out, "<a href=\"{file}\">{label}</a>");
        };
        out.push_str("<nav class=\"pages\">");
        if page > 1 {
            link(out, "First", 1);
            link(out, "Previous", page - 1);
        }
        let _ = write!(out, "<span>Page {page} of {}</span>", self.pages);
        if page < self.pages {
            link(out, "Next", page + 1);
            link(out, "Last", self.pages);
        }
        out.push_str("</nav>\n");
    }

    /// One message as a table row (`<tr class="msg">`; alerts also have the class `alert`).
    pub fn row(
        &self,
        out: &mut String,
        message: &Message,
        poster: Option<&Poster>,
        counts: &mut LinkCounts,
    ) {
        let _ = write!(
            out,
            "<tr class=\"msg{}\" id=\"m{}\"><td class=\"num\">{}</td><td class=\"time\">",
            if message.is_alert { " alert" } else { "" },
            message.chat_id,
            message.chat_id
        );
        match crate::util::ticks::ticks_to_datetime(message.chat_date) {
            Some(utc) => {
                out.push_str(&wall_clock(&utc));
                out.push_str("</td><td class=\"time\">");
                out.push_str(&self.time_zone.format(&utc));
            }
            None => {
                let _ = write!(out, "ticks {}</td><td class=\"time\">", message.chat_date);
            }
        }
        out.push_str("</td><td>");
        match poster {
            Some(p) => {
                push_text(out, &p.name);
                if p.uri != p.name {
                    out.push_str("<br><span class=\"uri\">");
                    push_text(out, &p.uri);
                    out.push_str("</span>");
                }
            }
            None => {
                let _ = write!(out, "unknown principal {}", message.poster_id);
            }
        }
        out.push_str("</td><td class=\"content\">");
        if message.is_alert {
            out.push_str("<span class=\"meta\">[alert]</span> ");
        }
        push_content(out, &message.content, self.store, PAGE_DEPTH, counts);
        if message.is_non_unicode() {
            out.push_str(
                " <span class=\"meta\">[the stored text is not valid Unicode: shown with U+FFFD; the exact \
                 bytes are in the JSON Lines copy]</span>",
            );
        }
        out.push_str("</td></tr>\n");
    }
}
