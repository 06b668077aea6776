//! HTML text for the self-contained reports (export, import, readiness, verify): names and contents come from
//! databases and packages an attacker may have written, so every value goes through [`escape`] before it
//! reaches a page. One copy, shared, so a fix reaches every report.

use super::text::{escape_control, escape_control_lines};

/// `text` safe as HTML element content and as a quoted attribute value: control characters shown as visible
/// escapes (see [`escape_control`]), then `& < > " '` as entities.
pub fn escape(text: &str) -> String {
    entities(&escape_control(text))
}

/// Like [`escape`] but keeps line breaks, for multi-line text the program itself laid out (shown in `<pre>`).
pub fn escape_lines(text: &str) -> String {
    entities(&escape_control_lines(text))
}

fn entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_are_inert() {
        assert_eq!(
            escape("<a href=\"x\" title='y'>&</a>\u{1b}[2J\n"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;\\u{1b}[2J\\u{a}"
        );
        assert_eq!(escape_lines("a<b>\nc\u{7}"), "a&lt;b&gt;\nc\\u{7}");
        assert_eq!(escape("Sales – Q3"), "Sales – Q3");
    }
}
