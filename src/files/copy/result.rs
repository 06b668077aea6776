//! The typed `copy_files` result (the JSON report holds the same document).

use crate::files::manifest::ManifestEntry;
use crate::files::source::LinkSourceInfo;
use serde::{Deserialize, Serialize};

/// A file that was not copied, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileIssue {
    pub path: String,
    pub reason: String,
}

/// A differing destination file replaced under `overwrite`, and where the old one was kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OverwrittenFile {
    pub path: String,
    pub kept_as: String,
}

/// The files one room references that the source does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MissingInRoom {
    pub room_id: i32,
    pub room_guid: String,
    pub room_name: String,
    pub files: Vec<String>,
}

/// The figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyCounts {
    pub source_files: u64,
    pub source_bytes: u64,
    /// Copied and verified by this run (with `whatIf`: would be copied).
    pub copied: u64,
    pub copied_bytes: u64,
    /// Of `copied`: differing destination files replaced (`overwrite`).
    pub overwritten: u64,
    /// Already at the destination with the same content (hashed now, or recorded by the journal).
    pub skipped_identical: u64,
    /// Of `skipped_identical`: trusted from the journal without reading the files again.
    pub skipped_by_journal: u64,
    pub conflicts: u64,
    pub failed: u64,
    /// With a manifest: distinct files the rooms reference.
    pub referenced_files: u64,
    pub missing_at_source: u64,
    pub unreferenced: u64,
    pub refused_references: u64,
    pub refused_source_entries: u64,
    /// Unfinished copies (`*.pchat-partial`) an interrupted run left, removed before copying.
    pub removed_partial_files: u64,
}

/// The `copy_files` result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyFilesResult {
    pub source: String,
    pub destination: String,
    /// Plan only: nothing was written (no folder, no journal, no lock).
    pub what_if: bool,
    pub overwrite: bool,
    /// Where the references were read from, when a manifest source was given.
    pub links: Option<LinkSourceInfo>,
    /// No conflict and no failure: every source file is at the destination with the same content.
    pub succeeded: bool,
    pub counts: CopyCounts,
    /// `whatIf` only: the files that would be copied (or overwritten), in path order.
    pub would_copy: Vec<String>,
    pub overwritten: Vec<OverwrittenFile>,
    pub conflicts: Vec<FileIssue>,
    pub failed: Vec<FileIssue>,
    /// Referenced by a room's messages but not in the source tree, by room.
    pub missing_at_source: Vec<MissingInRoom>,
    /// In the source tree but referenced by no message (only with a manifest source).
    pub unreferenced: Vec<String>,
    /// Links that name no file under the root (`..`, drives, shares ...): never followed.
    pub refused_references: Vec<ManifestEntry>,
    /// Source entries not copied: links pointing outside the root, names no path can hold, devices.
    pub refused_source: Vec<FileIssue>,
    pub journal: Option<String>,
    pub duration_ms: u64,
    pub mib_per_second: f64,
    pub report: Option<super::report::ReportFiles>,
}
