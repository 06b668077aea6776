//! Reads manifest.json: the format name and version first (so that a missing or mistyped version gets a message
//! of its own), then the whole manifest — both streamed from the zip through the manifest's size limit, so that
//! neither a manifest bomb nor a large honest manifest is ever held as text.

use super::{diagnose, limits};
use crate::package::format::{Manifest, FORMAT_MAJOR, FORMAT_NAME, MANIFEST_ENTRY};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::io::{BufReader, Read, Seek};
use zip::ZipArchive;

/// Above this size a manifest that fails to parse is not read again to find the field at fault.
const DIAGNOSE_MAX_BYTES: u64 = 1024 * 1024;

/// The first fields of manifest.json. `Some(Value::Null)` is a field present as `null`; `None` an absent one.
#[derive(Deserialize)]
struct ManifestHeader {
    #[serde(default, deserialize_with = "present")]
    format: Option<Value>,
    #[serde(default, rename = "formatVersion", deserialize_with = "present")]
    format_version: Option<Value>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Counts the bytes that pass, so that reaching the limit is told apart from a parse error.
struct Counted<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += u64::try_from(n).unwrap_or(u64::MAX);
        Ok(n)
    }
}

/// Parses manifest.json as `T`, reading at most `limit + 1` bytes of it.
fn parse_as<T: DeserializeOwned, R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    index: usize,
    limit: u64,
) -> Result<T, String> {
    let count = archive.len();
    let entry = archive
        .by_index(index)
        .map_err(|e| format!("manifest.json cannot be read: {e}"))?;
    let mut counted = Counted {
        inner: entry.take(limit.saturating_add(1)),
        read: 0,
    };
    let parsed = serde_json::from_reader::<_, T>(BufReader::with_capacity(64 * 1024, &mut counted));
    let read = counted.read;
    drop(counted);
    if read > limit {
        return Err(format!(
            "manifest.json inflates to more than {limit} bytes, the most a package of {count} entries may have \
             (docs/package-format.md, Limits); reading stopped there"
        ));
    }
    parsed.map_err(|e| parse_error(archive, index, &e))
}

/// A parse error of manifest.json, with lone surrogates and invalid UTF-8 named (the text is read again for
/// that, only when it is small).
fn parse_error<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    index: usize,
    e: &serde_json::Error,
) -> String {
    if e.is_io() {
        return format!("manifest.json is damaged: {e}");
    }
    let text = archive.by_index(index).ok().and_then(|entry| {
        limits::read_at_most(entry, DIAGNOSE_MAX_BYTES)
            .ok()
            .flatten()
    });
    if let Some(m) = text.and_then(|t| diagnose::describe(&t, "manifest.json")) {
        return m;
    }
    match e.classify() {
        serde_json::error::Category::Data => format!("manifest.json is malformed: {e}"),
        _ => format!("manifest.json is not valid JSON: {e}"),
    }
}

/// Checks "major.minor" against what this reader understands.
fn check_version(version: &str) -> Result<(), String> {
    let (major, _minor) = version
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        .ok_or_else(|| format!("the format version '{version}' is not of the form major.minor"))?;
    if major > FORMAT_MAJOR {
        return Err(format!(
            "it was written in package format {version} by a newer pchat-migrate; this version reads format \
             {FORMAT_MAJOR}.x — upgrade pchat-migrate to read it"
        ));
    }
    if major < 1 {
        return Err(format!("package format {version} is not supported"));
    }
    Ok(())
}

/// Checks the format name and version, then reads the whole manifest.
pub fn read<R: Read + Seek>(archive: &mut ZipArchive<R>) -> Result<Manifest, String> {
    let limit = limits::manifest_limit(archive.len());
    let index = archive
        .index_for_name(MANIFEST_ENTRY)
        .ok_or("it has no manifest.json; it is not a pchat-migrate package or it is damaged")?;
    let header: ManifestHeader = parse_as(archive, index, limit)?;
    if header.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
        return Err(
            "manifest.json does not describe a pchat-migrate package (its \"format\" is not \
             \"pchat-migrate-package\")"
                .to_string(),
        );
    }
    let version = match &header.format_version {
        None => {
            return Err("manifest.json has no formatVersion; a package states the version of its format as a \
                        string \"major.minor\" such as \"1.0\""
                .to_string())
        }
        Some(Value::String(v)) => v.as_str(),
        Some(other) => {
            return Err(format!(
                "manifest.json's formatVersion is {} ({other}), not a string \"major.minor\" such as \"1.0\"",
                crate::util::text::json_kind(other)
            ))
        }
    };
    check_version(version)?;
    parse_as(archive, index, limit)
}
