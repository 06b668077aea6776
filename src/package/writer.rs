//! Writes a package: entries streamed one record at a time (memory does not grow with history size), each
//! hashed as it is written, into a temporary file that becomes the package only when everything is written.

use super::format::{
    EntryInfo, Manifest, ADDINS_ENTRY, CATEGORIES_ENTRY, MANIFEST_ENTRY, PRINCIPALS_ENTRY,
    ROLES_ENTRY, ROOMS_ENTRY, SCOPES_ENTRY,
};
use super::reader::Entities;
use crate::error::PcmError;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Hashes and counts what passes through it.
#[derive(Default)]
pub struct EntryDigest {
    hasher: Sha256,
    bytes: u64,
    pub(crate) records: u64,
}

impl EntryDigest {
    pub fn update(&mut self, data: &[u8]) {
        self.hasher.update(data);
        self.bytes += data.len() as u64;
    }

    pub fn finish(self, name: &str) -> EntryInfo {
        EntryInfo {
            name: name.to_string(),
            sha256: hex(&self.hasher.finalize()),
            bytes: self.bytes,
            records: self.records,
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256, size and line count of everything `reader` yields.
pub fn digest_reader(name: &str, mut reader: impl Read) -> std::io::Result<EntryInfo> {
    let mut digest = EntryDigest::default();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        digest.records += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        digest.update(&buf[..n]);
    }
    Ok(digest.finish(name))
}

/// The deflate level of every entry the project writes (a plain deflate stream: every reader takes any level).
/// A profile of the export showed deflate at level 6 taking 45 % of the client's CPU; on 300,000 generated
/// messages level 2 exports in 2.5 s instead of 3.6-4.1 s (client CPU 1.8 s instead of 3.0 s) for a package
/// 19 % larger (16.8 MB instead of 14.2 MB); level 1 was 2.97 s and 52 % larger (docs/benchmarks.md).
pub const DEFLATE_LEVEL: i64 = 2;

/// Lines go to an entry's deflate stream in chunks of about this size (every writer of the project). One write
/// per line, a few hundred bytes, ran the compressor once per message.
pub const WRITE_CHUNK_BYTES: usize = 64 * 1024;

fn options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(DEFLATE_LEVEL))
        .large_file(false)
}

/// A zip being written to `<path>.partial`, renamed to `path` by [`PackageWriter::finish`]; dropped unfinished,
/// it deletes the partial file, so a failed or cancelled export never leaves a package behind.
pub struct PackageWriter {
    zip: Option<ZipWriter<BufWriter<File>>>,
    temp_path: PathBuf,
    final_path: PathBuf,
    entries: Vec<EntryInfo>,
    current: Option<(String, EntryDigest)>,
    /// Records of the open entry not yet handed to it.
    lines: Vec<u8>,
}

impl PackageWriter {
    /// The temporary name used while `path` is written.
    pub fn partial_path(path: &Path) -> PathBuf {
        crate::util::sibling_path(path, ".partial")
    }

    pub fn create(path: &Path) -> Result<PackageWriter, PcmError> {
        let temp_path = Self::partial_path(path);
        let file = File::create(&temp_path).map_err(|e| PcmError::io("creating", &temp_path, e))?;
        Ok(PackageWriter {
            zip: Some(ZipWriter::new(BufWriter::with_capacity(256 * 1024, file))),
            temp_path,
            final_path: path.to_path_buf(),
            entries: Vec::new(),
            current: None,
            lines: Vec::with_capacity(4096),
        })
    }

    fn zip(&mut self) -> Result<&mut ZipWriter<BufWriter<File>>, PcmError> {
        self.zip
            .as_mut()
            .ok_or_else(|| PcmError::Internal("the package writer is already finished".to_string()))
    }

    fn zip_error(&self, e: impl std::fmt::Display) -> PcmError {
        PcmError::io("writing", &self.temp_path, e)
    }

    /// Starts a JSON Lines entry.
    pub fn begin_entry(&mut self, name: &str) -> Result<(), PcmError> {
        if self.current.is_some() {
            return Err(PcmError::Internal(format!(
                "entry {name} started inside another entry"
            )));
        }
        let result = self.zip()?.start_file(name, options());
        result.map_err(|e| self.zip_error(e))?;
        self.current = Some((name.to_string(), EntryDigest::default()));
        Ok(())
    }

    /// Appends one record as a line of JSON (handed to the entry in chunks of [`WRITE_CHUNK_BYTES`]).
    pub fn write_record<T: Serialize>(&mut self, record: &T) -> Result<(), PcmError> {
        let (_, digest) = self.current.as_mut().ok_or_else(|| {
            PcmError::Internal("a record was written outside an entry".to_string())
        })?;
        let start = self.lines.len();
        serde_json::to_writer(&mut self.lines, record)
            .map_err(|e| PcmError::Internal(e.to_string()))?;
        self.lines.push(b'\n');
        digest.update(&self.lines[start..]);
        digest.records += 1;
        if self.lines.len() >= WRITE_CHUNK_BYTES {
            self.write_lines()?;
        }
        Ok(())
    }

    /// Hands the appended lines to the open entry.
    fn write_lines(&mut self) -> Result<(), PcmError> {
        if self.lines.is_empty() {
            return Ok(());
        }
        let lines = std::mem::take(&mut self.lines);
        let result = self.zip()?.write_all(&lines);
        self.lines = lines;
        self.lines.clear();
        result.map_err(|e| self.zip_error(e))
    }

    /// Ends the current entry and returns its integrity record.
    pub fn end_entry(&mut self) -> Result<EntryInfo, PcmError> {
        self.write_lines()?;
        let (name, digest) = self
            .current
            .take()
            .ok_or_else(|| PcmError::Internal("no entry to end".to_string()))?;
        let info = digest.finish(&name);
        self.entries.push(info.clone());
        Ok(info)
    }

    /// Writes the six entity entries in the format's order, calling `before_each` before each one (the export
    /// checks for a cancel there; principals alone can be 100,000 records).
    pub fn write_entities(
        &mut self,
        entities: &Entities,
        mut before_each: impl FnMut() -> Result<(), PcmError>,
    ) -> Result<(), PcmError> {
        before_each()?;
        self.write_entry(PRINCIPALS_ENTRY, &entities.principals)?;
        before_each()?;
        self.write_entry(CATEGORIES_ENTRY, &entities.categories)?;
        before_each()?;
        self.write_entry(ROOMS_ENTRY, &entities.rooms)?;
        before_each()?;
        self.write_entry(ROLES_ENTRY, &entities.roles)?;
        before_each()?;
        self.write_entry(SCOPES_ENTRY, &entities.scopes)?;
        before_each()?;
        self.write_entry(ADDINS_ENTRY, &entities.addins)?;
        Ok(())
    }

    /// Writes a whole entry from records.
    pub fn write_entry<'a, T: Serialize + 'a>(
        &mut self,
        name: &str,
        records: impl IntoIterator<Item = &'a T>,
    ) -> Result<EntryInfo, PcmError> {
        self.begin_entry(name)?;
        for record in records {
            self.write_record(record)?;
        }
        self.end_entry()
    }

    /// Copies an entry, still compressed, from another zip (a finished room fragment or bundle at `source`),
    /// with its known digest.
    pub fn copy_entry_from(
        &mut self,
        archive: &mut zip::ZipArchive<File>,
        source: &Path,
        entry: &str,
        info: EntryInfo,
    ) -> Result<(), PcmError> {
        let zipped = archive
            .by_name(entry)
            .map_err(|e| PcmError::io("reading", source, e))?;
        let result = self.zip()?.raw_copy_file(zipped);
        result.map_err(|e| self.zip_error(e))?;
        self.entries.push(info);
        Ok(())
    }

    pub fn entries(&self) -> &[EntryInfo] {
        &self.entries
    }

    /// Writes the manifest (with the entry list filled in), closes the zip, syncs it to disk and renames it
    /// to its final name, replacing an older file of that name only now.
    pub fn finish(self, manifest: Manifest) -> Result<PathBuf, PcmError> {
        self.finish_unless(manifest, || Ok(()))
    }

    /// [`PackageWriter::finish`], asking `before_rename` last (after the fsync, before the rename that makes the
    /// package appear): an error from it (a cancel) removes the partial file and no package appears.
    pub fn finish_unless(
        mut self,
        mut manifest: Manifest,
        before_rename: impl FnOnce() -> Result<(), PcmError>,
    ) -> Result<PathBuf, PcmError> {
        if self.current.is_some() {
            return Err(PcmError::Internal(
                "finish called inside an entry".to_string(),
            ));
        }
        manifest.entries = self.entries.clone();
        let text =
            serde_json::to_vec_pretty(&manifest).map_err(|e| PcmError::Internal(e.to_string()))?;
        let result = self.zip()?.start_file(MANIFEST_ENTRY, options());
        result.map_err(|e| self.zip_error(e))?;
        let result = self.zip()?.write_all(&text);
        result.map_err(|e| self.zip_error(e))?;
        let zip = self.zip.take().ok_or_else(|| {
            PcmError::Internal("the package writer is already finished".to_string())
        })?;
        let closed = (|| {
            let buffered = zip.finish().map_err(|e| self.zip_error(e))?;
            let file = buffered
                .into_inner()
                .map_err(|e| self.zip_error(e.error()))?;
            file.sync_all().map_err(|e| self.zip_error(e))?;
            drop(file);
            before_rename()?;
            std::fs::rename(&self.temp_path, &self.final_path)
                .map_err(|e| PcmError::io("renaming the finished package to", &self.final_path, e))
        })();
        if let Err(e) = closed {
            let _ = std::fs::remove_file(&self.temp_path);
            return Err(e);
        }
        Ok(self.final_path.clone())
    }
}

impl Drop for PackageWriter {
    fn drop(&mut self) {
        if self.zip.is_some() {
            self.zip = None;
            let _ = std::fs::remove_file(&self.temp_path);
        }
    }
}
