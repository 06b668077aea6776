//! Reading a `-NameMap` file: legacy path → new 2013 name, as CSV (header `Path,NewName`, RFC 4180 quoting)
//! or JSON (`{"old path": "new name"}` or `[{"path": "...", "newName": "..."}]`).
//!
//! Blocking file IO: call it from `spawn_blocking` (the file is at most [`MAX_NAME_MAP_BYTES`]). No CSV crate:
//! the grammar needed (quoted fields, doubled quotes, line breaks inside quotes) is small, and a hand-written
//! reader gives line numbers in every error without a new dependency.

use crate::error::PcmError;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

/// Largest name map read (16 MiB): far above any real deployment's room count, small enough to hold in memory.
pub const MAX_NAME_MAP_BYTES: u64 = 16 * 1024 * 1024;

/// The parameter name errors carry.
const PARAMETER: &str = "NameMap";

/// One mapping and where it is in the file (`line 4` for CSV, `entry 4` for JSON), for the error messages.
type Entry = (String, String, String);

/// Reads and checks a name map: CSV or JSON (by extension `.csv` / `.json`, else by the first character),
/// every path and name non-empty, no path twice.
pub fn read_name_map(path: &Path) -> Result<BTreeMap<String, String>, PcmError> {
    let text = read_bounded(path)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let json = match ext.as_deref() {
        Some("json") => true,
        Some("csv") => false,
        _ => matches!(text.trim_start().chars().next(), Some('{') | Some('[')),
    };
    let entries = if json {
        parse_json(text).map_err(|m| fail(path, &m))?
    } else {
        parse_csv(text).map_err(|m| fail(path, &m))?
    };
    collect(entries).map_err(|m| fail(path, &m))
}

fn fail(path: &Path, message: &str) -> PcmError {
    PcmError::invalid_parameter(
        PARAMETER,
        format!("name map '{}': {message}", path.display()),
    )
}

/// The file's text, refused when it is over the limit or not UTF-8.
fn read_bounded(path: &Path) -> Result<String, PcmError> {
    let file =
        std::fs::File::open(path).map_err(|e| PcmError::io("opening the name map", path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_NAME_MAP_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| PcmError::io("reading the name map", path, e))?;
    if u64::try_from(bytes.len()).map_or(true, |n| n > MAX_NAME_MAP_BYTES) {
        return Err(fail(
            path,
            &format!(
                "the file is larger than {} MiB; a name map lists only the paths to rename (split it or remove \
                 entries that do not change a name)",
                MAX_NAME_MAP_BYTES / (1024 * 1024)
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        fail(
            path,
            &format!(
                "the file is not UTF-8 (invalid byte at offset {}); save it as UTF-8 (Export-Csv -Encoding UTF8)",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// Refuses empty paths and names and paths given twice, then builds the map.
fn collect(entries: Vec<Entry>) -> Result<BTreeMap<String, String>, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut lines: BTreeMap<String, String> = BTreeMap::new();
    for (old, new, line) in entries {
        if old.trim().is_empty() {
            return Err(format!(
                "{line}: the path is empty; give the legacy path (category names and the node's name \
                 joined by '\\'), e.g. Sales\\EMEA\\Q3 forecast"
            ));
        }
        if new.trim().is_empty() {
            return Err(format!(
                "{line}: the new name for '{old}' is empty; give a name, or remove the entry to keep the \
                 default name"
            ));
        }
        if let Some(first) = lines.get(&old) {
            return Err(format!(
                "{line}: the path '{old}' is mapped twice (first at {first}); keep one entry"
            ));
        }
        lines.insert(old.clone(), line);
        out.insert(old, new);
    }
    Ok(out)
}

/// CSV per RFC 4180 (CRLF or LF line ends; fields in double quotes may hold commas, line breaks and doubled
/// quotes). The first record is the header `Path,NewName` (case-insensitive); blank lines are skipped.
fn parse_csv(text: &str) -> Result<Vec<Entry>, String> {
    let records = csv_records(text)?;
    let mut iter = records.into_iter();
    let Some((line, header)) = iter.next() else {
        return Err(
            "the file is empty; the first line must be the header Path,NewName".to_string(),
        );
    };
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if names != ["path", "newname"] {
        return Err(format!(
            "line {line}: the header is '{}', expected 'Path,NewName' (two columns, in this order)",
            header.join(",")
        ));
    }
    iter.map(|(line, fields)| match <[String; 2]>::try_from(fields) {
        Ok([old, new]) => Ok((old, new, format!("line {line}"))),
        Err(fields) => Err(format!(
            "line {line}: {} field(s), expected 2 (Path,NewName); quote values that contain commas: \
             \"Sales, EMEA\\Q3\",\"New name\"",
            fields.len()
        )),
    })
    .collect()
}

/// Splits CSV text into records (with the line each starts on), skipping blank lines.
fn csv_records(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    while chars.peek().is_some() {
        let start = line;
        if matches!(chars.peek(), Some('\r') | Some('\n')) {
            if chars.next() == Some('\r') && chars.peek() == Some(&'\n') {
                chars.next();
            }
            line += 1;
            continue;
        }
        let mut fields = Vec::new();
        loop {
            let (field, quoted_start) = (String::new(), line);
            let field = if chars.peek() == Some(&'"') {
                chars.next();
                quoted_field(&mut chars, &mut line, field, quoted_start)?
            } else {
                let mut field = field;
                while let Some(&c) = chars.peek() {
                    if c == ',' || c == '\r' || c == '\n' {
                        break;
                    }
                    if c == '"' {
                        return Err(format!(
                            "line {line}: a double quote inside an unquoted field; quote the whole field and \
                             double the quote: \"say \"\"hi\"\"\""
                        ));
                    }
                    field.push(c);
                    chars.next();
                }
                field
            };
            fields.push(field);
            match chars.next() {
                Some(',') => continue,
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    break;
                }
                Some('\n') => {
                    line += 1;
                    break;
                }
                None => break,
                Some(c) => {
                    return Err(format!(
                        "line {line}: '{c}' after a closing quote; a quoted field must end at a comma or the \
                         end of the line"
                    ))
                }
            }
        }
        records.push((start, fields));
    }
    Ok(records)
}

/// The rest of a quoted field (the opening quote read): up to the closing quote, `""` meaning one quote.
fn quoted_field(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    line: &mut usize,
    mut field: String,
    start: usize,
) -> Result<String, String> {
    loop {
        match chars.next() {
            None => {
                return Err(format!(
                    "line {start}: a quoted field is not closed; end it with a double quote"
                ))
            }
            Some('"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            Some('"') => return Ok(field),
            Some(c) => {
                if c == '\n' {
                    *line += 1;
                }
                field.push(c);
            }
        }
    }
}

/// JSON: an object of path → name, or an array of `{"path", "newName"}` objects. Keys given twice in the
/// object are reported (serde would silently keep the last).
fn parse_json(text: &str) -> Result<Vec<Entry>, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = JsonMap::deserialize(&mut de).and_then(|m| de.end().map(|()| m));
    match parsed {
        Ok(JsonMap(entries)) => Ok(entries),
        Err(e) => Err(format!(
            "line {}, column {}: {e}; expected {{\"old path\": \"new name\", ...}} or \
             [{{\"path\": \"old path\", \"newName\": \"new name\"}}, ...]",
            e.line(),
            e.column()
        )),
    }
}

/// The array form's element.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JsonEntry {
    path: String,
    new_name: String,
}

struct JsonMap(Vec<Entry>);

impl<'de> Deserialize<'de> for JsonMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonMapVisitor)
    }
}

struct JsonMapVisitor;

impl<'de> Visitor<'de> for JsonMapVisitor {
    type Value = JsonMap;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of path to new name, or an array of {path, newName} objects")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonMap, A::Error> {
        let mut out = Vec::new();
        while let Some((old, new)) = map.next_entry::<String, String>()? {
            let at = format!("entry {}", out.len() + 1);
            out.push((old, new, at));
        }
        Ok(JsonMap(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonMap, A::Error> {
        let mut out = Vec::new();
        while let Some(e) = seq.next_element::<JsonEntry>()? {
            let at = format!("element {}", out.len() + 1);
            out.push((e.path, e.new_name, at));
        }
        Ok(JsonMap(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, content: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("pcm-namemap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join(name);
        std::fs::write(&path, content).expect("write");
        path
    }

    fn message(e: PcmError) -> String {
        assert_eq!(e.code(), "invalid_parameter");
        e.to_string()
    }

    #[test]
    fn csv_with_rfc4180_quoting_bom_and_crlf() {
        let p = write(
            "a.csv",
            "\u{feff}Path,NewName\r\nSales\\EMEA,EMEA\r\n\"Sales, Inc\\Q3 \"\"hot\"\"\",\"Q3, hot\"\r\n\r\n\"A\nB\",C\n"
                .as_bytes(),
        );
        let map = read_name_map(&p).expect("map");
        assert_eq!(map.len(), 3);
        assert_eq!(map["Sales\\EMEA"], "EMEA");
        assert_eq!(map["Sales, Inc\\Q3 \"hot\""], "Q3, hot");
        assert_eq!(map["A\nB"], "C");
    }

    #[test]
    fn csv_errors_name_the_line_and_the_fix() {
        let cases: [(&str, &str); 6] = [
            ("Old,New\nA,B\n", "line 1: the header"),
            ("Path,NewName\nA,B,C\n", "line 2: 3 field(s)"),
            (
                "Path,NewName\nA,B\n\"A\",C\n",
                "line 3: the path 'A' is mapped twice (first at line 2)",
            ),
            (
                "Path,NewName\nA,\n",
                "line 2: the new name for 'A' is empty",
            ),
            (
                "Path,NewName\n\"A,B\n",
                "line 2: a quoted field is not closed",
            ),
            (
                "Path,NewName\n\"A\"x,B\n",
                "line 2: 'x' after a closing quote",
            ),
        ];
        for (i, (text, expected)) in cases.iter().enumerate() {
            let p = write(&format!("e{i}.csv"), text.as_bytes());
            let m = message(read_name_map(&p).unwrap_err());
            assert!(m.contains(expected), "{text:?}: {m}");
            assert!(m.contains(&format!("e{i}.csv")), "{m}");
        }
    }

    #[test]
    fn json_object_and_array_forms() {
        let p = write(
            "o.json",
            br#"{"Sales\\EMEA": "EMEA", "Sales\\EMEA\\Q3": "Q3"}"#,
        );
        let map = read_name_map(&p).expect("object");
        assert_eq!(map["Sales\\EMEA\\Q3"], "Q3");
        let p = write("a.map", br#" [{"path": "X\\Y", "newName": "Y"}]"#);
        assert_eq!(read_name_map(&p).expect("array")["X\\Y"], "Y");
    }

    #[test]
    fn json_errors_duplicates_unknown_fields_and_syntax() {
        let cases: [(&str, &str); 4] = [
            (
                r#"{"A": "x", "A": "y"}"#,
                "entry 2: the path 'A' is mapped twice (first at entry 1)",
            ),
            (r#"[{"path": "A", "name": "x"}]"#, "unknown field `name`"),
            ("{\n\"A\": 3}", "line 2"),
            (r#"{"A": " "}"#, "the new name for 'A' is empty"),
        ];
        for (i, (text, expected)) in cases.iter().enumerate() {
            let p = write(&format!("j{i}.json"), text.as_bytes());
            let m = message(read_name_map(&p).unwrap_err());
            assert!(m.contains(expected), "{text}: {m}");
        }
    }

    #[test]
    fn files_over_the_limit_and_non_utf8_are_refused() {
        let big = vec![b'a'; usize::try_from(MAX_NAME_MAP_BYTES).expect("fits") + 1];
        let p = write("big.csv", &big);
        assert!(message(read_name_map(&p).unwrap_err()).contains("larger than 16 MiB"));
        let p = write("bad.csv", b"Path,NewName\nA,\xff\n");
        assert!(message(read_name_map(&p).unwrap_err()).contains("not UTF-8"));
        let missing = std::env::temp_dir().join("pcm-namemap-does-not-exist.csv");
        assert_eq!(read_name_map(&missing).unwrap_err().code(), "io_error");
    }
}
