//! HTML for people, from text an attacker may have written (room names, poster names, message content): every
//! value goes through [`push_text`], which escapes the five HTML-special characters (so no value can open a tag
//! or leave an attribute) and shows control characters as visible escapes (`\u{1b}`), so nothing is hidden or
//! reordered. The pages carry no script, load nothing (inline CSS only) and forbid both in their
//! Content-Security-Policy.

use super::links::StoreUrl;
use crate::files::links::{file_links, has_file_link};
use crate::util::text::is_unsafe_char;
use std::fmt::Write as _;

/// The policy every page declares: nothing may load or run; inline styles only; links still navigate.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'none'; base-uri 'none'";

/// The style sheet, inline in every page.
const STYLE: &str = "body{font-family:Segoe UI,Arial,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;\
text-align:left}th{background:#eee}td.content{white-space:pre-wrap;overflow-wrap:anywhere}\
tr.alert td{background:#fff4e0}.uri,.meta,.why{color:#666;font-size:.9em}.refused{text-decoration:line-through}\
nav{margin:.8em 0}nav a,nav span{margin-right:1em}h2{margin-top:1.5em;font-size:1.1em}td.num{text-align:right}td.time{white-space:nowrap}";

/// Whether a character is written as a visible escape: the controls and bidi characters of
/// [`is_unsafe_char`] (tab and newline excepted in content, where they lay out text) and the Unicode line and
/// paragraph separators.
fn shown_as_escape(c: char, keep_layout: bool) -> bool {
    if keep_layout && matches!(c, '\n' | '\t') {
        return false;
    }
    is_unsafe_char(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Appends `text` escaped for an element's content or a double- or single-quoted attribute.
pub fn push_text(out: &mut String, text: &str) {
    push_escaped(out, text, false);
}

/// [`push_text`] keeping newlines and tabs (message content, shown with `white-space: pre-wrap`); `\r\n` is
/// one line break.
pub fn push_content_text(out: &mut String, text: &str) {
    if text.contains('\r') {
        push_escaped(out, &text.replace("\r\n", "\n"), true);
    } else {
        push_escaped(out, text, true);
    }
}

fn push_escaped(out: &mut String, text: &str, keep_layout: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if shown_as_escape(c, keep_layout) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

/// What the content of one message held besides text.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LinkCounts {
    /// `ma-filelink:` links rendered as links into the file store.
    pub linked: u64,
    /// Links refused as unsafe (shown as inert text with the reason).
    pub refused: u64,
    /// Safe links shown as text because no file store URL was given.
    pub unlinked: u64,
}

/// Appends a message's content: text escaped, each safe `ma-filelink:` link as a link below `store` (a page
/// `depth` folders below the archive folder), each refused one as struck-through text with the reason. HTML
/// link elements and `[STORY]` markup in the content are text like everything else.
pub fn push_content(
    out: &mut String,
    content: &str,
    store: Option<&StoreUrl>,
    depth: usize,
    counts: &mut LinkCounts,
) {
    if !has_file_link(content) {
        // Most messages: no link to look for (file_links would copy the content to search it).
        push_content_text(out, content);
        return;
    }
    let mut done = 0;
    for link in file_links(content) {
        push_content_text(out, &content[done..link.offset]);
        done = link.offset + link.raw.len();
        match (&link.target, store) {
            (Ok(path), Some(store)) => {
                counts.linked += 1;
                out.push_str("<a class=\"file\" href=\"");
                push_text(out, &store.href(path, depth));
                out.push_str("\">");
                push_text(out, &link.raw);
                out.push_str("</a>");
            }
            (Ok(_), None) => {
                counts.unlinked += 1;
                out.push_str("<span class=\"file\">");
                push_text(out, &link.raw);
                out.push_str("</span>");
            }
            (Err(why), _) => {
                counts.refused += 1;
                out.push_str("<span class=\"refused\">");
                push_text(out, &link.raw);
                out.push_str("</span> <span class=\"why\">[file link not followed: ");
                push_text(out, &why.0);
                out.push_str("]</span>");
            }
        }
    }
    push_content_text(out, &content[done..]);
}

/// The document's head and the start of its body.
pub fn page_start(out: &mut String, title: &str) {
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"");
    out.push_str(CONTENT_SECURITY_POLICY);
    out.push_str("\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
    push_text(out, title);
    out.push_str("</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
}

/// The end of the document.
pub fn page_end(out: &mut String) {
    out.push_str("</body>\n</html>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> String {
        let mut out = String::new();
        push_text(&mut out, value);
        out
    }

    fn content(value: &str, store: Option<&str>) -> (String, LinkCounts) {
        let store = store.map(|s| StoreUrl::parse(s).expect("store"));
        let mut out = String::new();
        let mut counts = LinkCounts::default();
        push_content(&mut out, value, store.as_ref(), 1, &mut counts);
        (out, counts)
    }

    #[test]
    fn markup_and_attribute_breakers_become_text() {
        assert_eq!(
            text("<script>alert('x')</script>\"&"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;"
        );
        let (html, _) = content("<a href=\"javascript:alert(1)\">x</a>", None);
        assert_eq!(
            html,
            "&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;"
        );
    }

    #[test]
    fn controls_are_visible_and_layout_is_kept_in_content() {
        assert_eq!(
            text("a\u{0}b\u{1b}[31m\u{2028}\u{202e}\n"),
            "a\\u{0}b\\u{1b}[31m\\u{2028}\\u{202e}\\u{a}"
        );
        let (html, _) = content("line 1\r\nline 2\tx\ry\u{7}", None);
        assert_eq!(html, "line 1\nline 2\tx\\u{d}y\\u{7}");
    }

    #[test]
    fn file_links_link_into_the_store_and_hostile_ones_stay_inert() {
        let (html, counts) = content(
            "see ma-filelink:///room/f/a%20b.txt and ma-filelink:///../../x and \
             ma-filelink:javascript:alert(1)",
            Some("https://fs/store"),
        );
        assert!(
            html.starts_with("see <a class=\"file\" href=\"https://fs/store/room/f/a%20b.txt\">ma-filelink:///room/f/a%20b.txt</a> and "),
            "{html}"
        );
        assert_eq!(
            counts,
            LinkCounts {
                linked: 1,
                refused: 2,
                unlinked: 0
            }
        );
        assert_eq!(html.matches("<a ").count(), 1, "{html}");
        assert!(
            html.contains("<span class=\"refused\">ma-filelink:javascript:alert(1)</span>"),
            "{html}"
        );
        let (plain, counts) = content("ma-filelink:///r/x.txt", None);
        assert_eq!(plain, "<span class=\"file\">ma-filelink:///r/x.txt</span>");
        assert_eq!(counts.unlinked, 1);
    }
}
