//! Turns a failed parse of a package line into a message an administrator can act on. serde_json reports a
//! lone UTF-16 surrogate escape as "unexpected end of hex escape" and invalid UTF-8 as "invalid unicode code
//! point"; both are true but say neither what is wrong nor where. A tolerant second parse — the offending
//! bytes replaced by a marker — finds the field that holds them.

use serde_json::Value;

/// Stands in for the offending bytes in the tolerant second parse: two Unicode noncharacters around a tag, which
/// no chat text is expected to hold.
const MARKER: &str = "\u{FDD0}pcm-bad-text\u{FDD1}";
const MARKER_ESCAPED: &[u8] = b"\\ufdd0pcm-bad-text\\ufdd1";

/// Describes why `line` (one JSON Lines record without its `\n`, or manifest.json) failed to parse, when the
/// reason is text that is not Unicode; `None` for other errors, which keep the parser's message. `place` is e.g.
/// "line 4 of entry 'rooms.jsonl'".
pub fn describe(line: &[u8], place: &str) -> Option<String> {
    if let Err(bad) = std::str::from_utf8(line) {
        let at = bad.valid_up_to();
        let field = field_of(&replace_invalid_utf8(line));
        return Some(format!(
            "{place} is not valid UTF-8 (byte {}{}); package text is always UTF-8",
            at + 1,
            in_field(field.as_deref()),
        ));
    }
    let lone = lone_surrogates(line);
    if let Some(&(_, code)) = lone.first() {
        let field = field_of(&replace_ranges(line, &lone));
        return Some(format!(
            "lone surrogate \\u{code:04x}{} of {place}: JSON text cannot carry half of a UTF-16 surrogate pair, \
             so the text was not written by pchat-migrate or was altered",
            field.map(|f| format!(" in field '{f}'")).unwrap_or_default(),
        ));
    }
    None
}

fn in_field(field: Option<&str>) -> String {
    match field {
        Some(name) => format!(", in field '{name}'"),
        None => String::new(),
    }
}

/// `\uXXXX` escapes of unpaired surrogates: (byte offset of the backslash, code unit).
fn lone_surrogates(line: &[u8]) -> Vec<(usize, u16)> {
    let mut escapes = Vec::new();
    let mut i = 0;
    while i < line.len() {
        if line[i] != b'\\' {
            i += 1;
            continue;
        }
        if line.get(i + 1) == Some(&b'u') {
            if let Some(code) = line
                .get(i + 2..i + 6)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u16::from_str_radix(h, 16).ok())
            {
                escapes.push((i, code));
                i += 6;
                continue;
            }
        }
        i += 2;
    }
    let high = |c: u16| (0xD800..0xDC00).contains(&c);
    let low = |c: u16| (0xDC00..0xE000).contains(&c);
    let mut lone = Vec::new();
    let mut k = 0;
    while k < escapes.len() {
        let (at, code) = escapes[k];
        let paired_next = escapes
            .get(k + 1)
            .is_some_and(|&(next_at, next)| next_at == at + 6 && low(next));
        if high(code) && paired_next {
            k += 2;
            continue;
        }
        if high(code) || low(code) {
            lone.push((at, code));
        }
        k += 1;
    }
    lone
}

/// The line with each 6-byte escape at the given offsets replaced by the marker.
fn replace_ranges(line: &[u8], escapes: &[(usize, u16)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len() + escapes.len() * MARKER_ESCAPED.len());
    let mut from = 0;
    for &(at, _) in escapes {
        out.extend_from_slice(&line[from..at]);
        out.extend_from_slice(MARKER_ESCAPED);
        from = at + 6;
    }
    out.extend_from_slice(&line[from.min(line.len())..]);
    out
}

/// The line with every invalid UTF-8 sequence replaced by the marker.
fn replace_invalid_utf8(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len() + MARKER.len());
    for chunk in line.utf8_chunks() {
        out.extend_from_slice(chunk.valid().as_bytes());
        if !chunk.invalid().is_empty() {
            out.extend_from_slice(MARKER.as_bytes());
        }
    }
    out
}

/// The path of the first field whose key or string value holds the marker (`content`, `path[2]`, `tool.name`;
/// a key that holds it is shown with U+FFFD in its place).
fn field_of(repaired: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(repaired).ok()?;
    find(&value, "")
}

fn find(value: &Value, at: &str) -> Option<String> {
    match value {
        Value::String(s) if s.contains(MARKER) => Some(at.to_string()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find(v, &format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, v)| {
            let path = if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            };
            if key.contains(MARKER) {
                // The bad bytes are in the key itself: name it with U+FFFD where they were, never the marker.
                Some(path.replace(MARKER, "\u{FFFD}"))
            } else {
                find(v, &path)
            }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_for(line: &[u8]) -> String {
        let e = serde_json::from_slice::<Value>(line).expect_err("invalid");
        describe(line, "line 3 of entry 'x.jsonl'").unwrap_or_else(|| format!("other: {e}"))
    }

    #[test]
    fn a_lone_surrogate_is_named_with_its_field() {
        let m = error_for(br#"{"chatId":1,"content":"a\ud800b"}"#);
        assert!(
            m.starts_with("lone surrogate \\ud800 in field 'content' of line 3 of entry 'x.jsonl'"),
            "{m}"
        );
        let m = error_for(br#"{"path":["ok","\udc00"]}"#);
        assert!(m.contains("\\udc00 in field 'path[1]'"), "{m}");
    }

    #[test]
    fn a_surrogate_pair_and_an_escaped_backslash_are_not_lone() {
        assert!(lone_surrogates(br#"{"a":"\ud83d\ude00"}"#).is_empty());
        assert!(lone_surrogates(br#"{"a":"\\ud800"}"#).is_empty());
        assert_eq!(lone_surrogates(br#"{"a":"\ud83d\u0041"}"#).len(), 1);
    }

    #[test]
    fn invalid_utf8_is_named_with_its_field() {
        let m = error_for(b"{\"name\":\"ok\",\"uri\":\"sip:\xff\"}");
        assert!(m.contains("is not valid UTF-8"), "{m}");
        assert!(m.contains("field 'uri'"), "{m}");
    }

    /// Found by fuzzing (docs/fuzzing.md): bad bytes in a key named the field with the internal marker.
    #[test]
    fn bad_text_in_a_key_is_named_without_the_marker() {
        let invalid_utf8 = error_for(b"{\"name\":\"ok\",\"ur\xffi\":\"sip:a\"}");
        assert!(
            invalid_utf8.contains("field 'ur\u{FFFD}i'"),
            "{invalid_utf8}"
        );
        let lone = error_for(br#"{"tool":{"na\udc00me":"x"}}"#);
        assert!(lone.contains("in field 'tool.na\u{FFFD}me'"), "{lone}");
        for m in [invalid_utf8, lone] {
            assert!(
                !m.contains("pcm-bad-text") && !m.contains('\u{FDD0}'),
                "{m}"
            );
        }
    }

    #[test]
    fn other_errors_keep_the_parser_message() {
        let m = error_for(br#"{"a":1"#);
        assert!(m.starts_with("other: "), "{m}");
    }
}
