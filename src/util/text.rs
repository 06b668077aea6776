//! Text shown to people: names come from databases and packages an attacker may have written, so control
//! characters must never reach a terminal, a log or a report raw (ANSI colour, OSC title, BEL, bidi overrides
//! that reorder what is read). Data keeps the exact names; only presentation goes through here.

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for characters that change how a terminal or a reader renders text instead of being shown: C0 controls
/// (tab and newline included, so a name cannot forge a new line), DEL, C1 controls, and the bidi embedding,
/// override and isolate characters (U+202A–U+202E, U+2066–U+2069).
pub fn is_unsafe_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character (see [`is_unsafe_char`]) written as a visible escape such as `\u{1b}`;
/// borrowed unchanged when there is none (the common case).
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Like [`escape_control`] but keeps line breaks (`\n`), for multi-line text the program itself laid out.
pub fn escape_control_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe_char(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.split('\n')
            .map(escape_control)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// Serialized JSON made safe for a terminal without changing the data: serde_json already writes C0 controls
/// inside strings as escapes, but passes DEL, C1 controls and bidi characters through raw. Those can only occur
/// inside JSON strings, where the `\uXXXX` escape denotes the same character, so the document parses to the
/// same value. Raw tab, CR and LF can only be whitespace between tokens (pretty printing) and stay as they are.
pub fn json_terminal_safe(json: &str) -> Cow<'_, str> {
    let escape = |c: char| is_unsafe_char(c) && !matches!(c, '\t' | '\n' | '\r');
    if !json.chars().any(escape) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if escape(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// What a JSON value is, for messages that must not echo the value (it may hold a password): "a number", "null".
pub fn json_kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(
            escape_control("Sales\\Q3 – Ünïcode 日本"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn controls_become_visible_escapes() {
        assert_eq!(escape_control("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(
            escape_control("\u{1b}]0;title\u{7}x"),
            "\\u{1b}]0;title\\u{7}x"
        );
        assert_eq!(escape_control("a\nb\tc\rd"), "a\\u{a}b\\u{9}c\\u{d}d");
        assert_eq!(escape_control("\u{7f}\u{9b}"), "\\u{7f}\\u{9b}");
        assert_eq!(
            escape_control("x\u{202e}y\u{2066}z\u{2069}"),
            "x\\u{202e}y\\u{2066}z\\u{2069}"
        );
        assert!(!escape_control("\u{202d}\u{85}").chars().any(is_unsafe_char));
    }

    #[test]
    fn lines_keep_their_breaks() {
        assert_eq!(escape_control_lines("a\u{1b}\nb"), "a\\u{1b}\nb");
    }

    #[test]
    fn json_stays_the_same_value() {
        let value = serde_json::json!({"name": "a\u{1b}b\u{9b}c\u{202e}d\u{7f}"});
        let text = serde_json::to_string(&value).expect("json");
        let safe = json_terminal_safe(&text);
        assert!(!safe.chars().any(is_unsafe_char), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("parses");
        assert_eq!(back, value);
        let pretty = serde_json::to_string_pretty(&value).expect("json");
        let safe = json_terminal_safe(&pretty);
        assert!(safe.contains('\n'), "layout kept");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("pretty parses");
        assert_eq!(back, value);
    }
}
