//! The manifest written for people and tools: JSON Lines (one reference per line, the [`ManifestEntry`]
//! fields) or CSV (the same columns, for a spreadsheet), chosen by the file's extension. Written to a
//! temporary name beside the file, fsynced, then renamed into place, so a reader never sees half a manifest.

use super::manifest::ManifestEntry;
use crate::error::PcmError;
use crate::util::text::json_terminal_safe;
use serde::{Deserialize, Serialize};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The manifest file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ManifestFormat {
    JsonLines,
    Csv,
}

impl ManifestFormat {
    /// `.csv` (any case) is CSV; anything else JSON Lines.
    pub fn for_path(path: &Path) -> ManifestFormat {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            ManifestFormat::Csv
        } else {
            ManifestFormat::JsonLines
        }
    }
}

const CSV_HEADER: &str = "roomId,roomGuid,roomName,chatId,chatDate,chatDateUtc,link,path,refused";

/// One CSV field: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-` or `@` (which a
/// spreadsheet would run as a formula: room names and links come from the database) gets a `'` first.
pub fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn csv_line(e: &ManifestEntry) -> String {
    [
        e.room_id.to_string(),
        csv_field(&e.room_guid),
        csv_field(&e.room_name),
        e.chat_id.to_string(),
        e.chat_date.to_string(),
        csv_field(e.chat_date_utc.as_deref().unwrap_or("")),
        csv_field(&e.link),
        csv_field(e.path.as_deref().unwrap_or("")),
        csv_field(e.refused.as_deref().unwrap_or("")),
    ]
    .join(",")
}

/// Refuses an output that exists (unless `force`) or whose folder does not.
pub fn check_output(path: &Path, force: bool, parameter: &str) -> Result<(), PcmError> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(PcmError::invalid_parameter(
            parameter,
            format!(
                "-{parameter}: the folder '{}' does not exist; create it or give another path",
                folder.display()
            ),
        ));
    }
    if path.is_dir() {
        return Err(PcmError::invalid_parameter(
            parameter,
            format!(
                "-{parameter} '{}' is a folder; give a file name",
                path.display()
            ),
        ));
    }
    if !force && std::fs::symlink_metadata(path).is_ok() {
        return Err(PcmError::invalid_parameter(
            parameter,
            format!(
                "-{parameter} '{}' already exists; give -Force (--force) to replace it, or another file name",
                path.display()
            ),
        ));
    }
    Ok(())
}

/// Writes `entries` to `path` in `format` (blocking).
pub fn write_manifest(
    path: &Path,
    format: ManifestFormat,
    entries: &[ManifestEntry],
) -> Result<(), PcmError> {
    let temp = crate::util::sibling_path(path, ".pchat-partial");
    let io = |p: &Path, e: std::io::Error| PcmError::io("writing the file manifest", p, e);
    let file = std::fs::File::create(&temp).map_err(|e| io(&temp, e))?;
    let mut out = BufWriter::new(file);
    let written = (|| -> std::io::Result<()> {
        if format == ManifestFormat::Csv {
            writeln!(out, "{CSV_HEADER}")?;
        }
        for e in entries {
            let line = match format {
                ManifestFormat::Csv => csv_line(e),
                ManifestFormat::JsonLines => {
                    let text = serde_json::to_string(e).map_err(std::io::Error::other)?;
                    json_terminal_safe(&text).into_owned()
                }
            };
            writeln!(out, "{line}")?;
        }
        out.flush()?;
        out.get_ref().sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io(&temp, e));
    }
    drop(out);
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        io(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("@x,y"), "\"'@x,y\"");
        assert_eq!(
            ManifestFormat::for_path(Path::new("m.CSV")),
            ManifestFormat::Csv
        );
        assert_eq!(
            ManifestFormat::for_path(Path::new("m.jsonl")),
            ManifestFormat::JsonLines
        );
    }
}
