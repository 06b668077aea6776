//! `copy_files`: the legacy file repository tree copied to the 2013 file store (XCOPY /E semantics: every file,
//! nested folders), each file proved by SHA-256 (src/files/copy/transfer.rs), with a resumable journal, a
//! lock against a second run, progress, and a report that cross-checks the tree against the rooms' file
//! links when a package or database is given. docs/file-store.md.

pub mod journal;
pub mod lock;
pub mod params;
pub mod report;
pub mod result;
pub mod transfer;
pub mod walk;
mod workers;

use crate::error::PcmError;
use crate::files::manifest::FileManifest;
use crate::files::source::read_manifest;
use crate::jobs::JobContext;
use journal::Journal;
pub use params::{CopyFilesParams, CopyPlan};
use result::{CopyCounts, CopyFilesResult, FileIssue, MissingInRoom};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;
use transfer::{FileError, PARTIAL_SUFFIX};
use walk::Walk;
use workers::Progress;

const ACTIVITY: &str = "Copying the file store";

/// Runs the copy (or, with `whatIf`, the plan).
pub async fn copy_files(plan: CopyPlan, ctx: JobContext) -> Result<CopyFilesResult, PcmError> {
    // Cancellation is observed between files and chunks, so an unfinished copy is always removed first.
    ctx.cooperative();
    let started = Instant::now();
    let manifest = match &plan.links {
        Some(source) => Some(read_manifest(source, &ctx).await?),
        None => None,
    };
    ctx.check_cancelled()?;
    let inner = ctx.clone();
    let plan_inner = plan.clone();
    let mut result = ctx
        .spawn_blocking(move || copy_all(&plan_inner, manifest.as_ref(), &inner))
        .await?;
    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    result.duration_ms = ms;
    let seconds = (ms as f64 / 1000.0).max(0.001);
    result.mib_per_second = result.counts.copied_bytes as f64 / 1_048_576.0 / seconds;
    if let Some(paths) = plan.report.clone() {
        let document = result.clone();
        result.report = Some(
            ctx.spawn_blocking(move || report::write(&paths, &document))
                .await?,
        );
    }
    ctx.progress(ACTIVITY, "Done", Some(1), Some(1));
    Ok(result)
}

fn empty_result(plan: &CopyPlan, manifest: Option<&FileManifest>) -> CopyFilesResult {
    CopyFilesResult {
        source: plan.source.display().to_string(),
        destination: plan.destination.display().to_string(),
        what_if: plan.what_if,
        overwrite: plan.overwrite,
        links: plan.links.as_ref().map(|l| l.info()),
        succeeded: false,
        counts: CopyCounts::default(),
        would_copy: Vec::new(),
        overwritten: Vec::new(),
        conflicts: Vec::new(),
        failed: Vec::new(),
        missing_at_source: Vec::new(),
        unreferenced: Vec::new(),
        refused_references: manifest
            .map(|m| m.refused().cloned().collect())
            .unwrap_or_default(),
        refused_source: Vec::new(),
        journal: None,
        duration_ms: 0,
        mib_per_second: 0.0,
        report: None,
    }
}

/// The blocking part: lock, walk, sweep, copy or plan every file, cross-check.
fn copy_all(
    plan: &CopyPlan,
    manifest: Option<&FileManifest>,
    ctx: &JobContext,
) -> Result<CopyFilesResult, PcmError> {
    let mut result = empty_result(plan, manifest);
    ctx.progress(
        ACTIVITY,
        format!("Listing '{}'", plan.source.display()),
        None,
        None,
    );
    let walk = walk::walk(&plan.source, &plan.source_canonical, ctx)?;
    let (root, _lock) = if plan.what_if {
        let root =
            std::fs::canonicalize(&plan.destination).unwrap_or_else(|_| plan.destination.clone());
        (root, None)
    } else {
        std::fs::create_dir_all(&plan.destination)
            .map_err(|e| PcmError::io("creating the destination folder", &plan.destination, e))?;
        let lock = lock::DestinationLock::acquire(&plan.destination)?;
        let root = std::fs::canonicalize(&plan.destination)
            .map_err(|e| PcmError::io("resolving the destination folder", &plan.destination, e))?;
        (root, Some(lock))
    };
    let journal = Journal::open(&root, !plan.what_if)?;
    if !plan.what_if {
        result.journal = Some(journal.path.display().to_string());
        result.counts.removed_partial_files = sweep_partials(&root, &walk);
    }
    result.counts.source_files = u64::try_from(walk.files.len()).unwrap_or(u64::MAX);
    result.counts.source_bytes = walk.files.iter().map(|f| f.size).sum();
    let progress = Progress::new(ctx, result.counts.source_files, result.counts.source_bytes);
    if !plan.what_if {
        for folder in &walk.folders {
            if let Err(FileError::File(reason)) =
                transfer::folder_under(&root, folder.segments(), true)
            {
                result.failed.push(FileIssue {
                    path: format!("{}/", folder.as_slash_path()),
                    reason,
                });
            }
        }
    }
    let journal =
        workers::copy_in_parallel(plan, &root, &walk.files, journal, &mut result, &progress)?;
    journal.sync()?;
    if let Some(manifest) = manifest {
        cross_check(manifest, &walk, &mut result);
    }
    result.refused_source = walk.refused;
    result.conflicts.sort_by(|a, b| a.path.cmp(&b.path));
    result.failed.sort_by(|a, b| a.path.cmp(&b.path));
    result.overwritten.sort_by(|a, b| a.path.cmp(&b.path));
    result.would_copy.sort();
    let c = &mut result.counts;
    c.conflicts = count(result.conflicts.len());
    c.failed = count(result.failed.len());
    c.refused_references = count(result.refused_references.len());
    c.refused_source_entries = count(result.refused_source.len());
    result.succeeded = c.conflicts == 0 && c.failed == 0;
    Ok(result)
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Removes the unfinished copies (`*.pchat-partial`) an interrupted run left in the folders this run writes
/// (a source file that itself ends so is kept: it is one of the files to copy).
fn sweep_partials(root: &Path, walk: &Walk) -> u64 {
    let copied: BTreeSet<PathBuf> = walk.files.iter().map(|f| f.rel.under(root)).collect();
    let folders: BTreeSet<PathBuf> = walk
        .files
        .iter()
        .filter_map(|f| f.rel.under(root).parent().map(Path::to_path_buf))
        .chain(std::iter::once(root.to_path_buf()))
        .collect();
    let mut removed = 0;
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let is_partial = entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.ends_with(PARTIAL_SUFFIX));
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            let is_source_file = copied.contains(&entry.path());
            if is_partial
                && is_file
                && !is_source_file
                && std::fs::remove_file(entry.path()).is_ok()
            {
                removed += 1;
            }
        }
    }
    removed
}

/// Referenced files missing from the tree (by room) and files no message references (case-insensitive).
fn cross_check(manifest: &FileManifest, walk: &Walk, result: &mut CopyFilesResult) {
    let referenced = manifest.referenced_files();
    let present: BTreeSet<String> = walk
        .files
        .iter()
        .map(|f| f.rel.as_slash_path().to_lowercase())
        .collect();
    let mut by_room: BTreeMap<i32, MissingInRoom> = BTreeMap::new();
    let mut missing = 0u64;
    for (key, (path, rooms)) in &referenced {
        if present.contains(key) {
            continue;
        }
        missing += 1;
        for room in rooms {
            by_room
                .entry(room.room_id)
                .or_insert_with(|| MissingInRoom {
                    room_id: room.room_id,
                    room_guid: room.room_guid.clone(),
                    room_name: room.room_name.clone(),
                    files: Vec::new(),
                })
                .files
                .push(path.clone());
        }
    }
    result.missing_at_source = by_room.into_values().collect();
    result.unreferenced = walk
        .files
        .iter()
        .map(|f| f.rel.as_slash_path())
        .filter(|p| !referenced.contains_key(&p.to_lowercase()))
        .collect();
    result.counts.referenced_files = count(referenced.len());
    result.counts.missing_at_source = missing;
    result.counts.unreferenced = count(result.unreferenced.len());
}
