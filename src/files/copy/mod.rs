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

use crate::error::PcmError;
use crate::files::manifest::FileManifest;
use crate::files::source::read_manifest;
use crate::jobs::JobContext;
use journal::{modified_nanos, Journal, JournalRecord};
pub use params::{CopyFilesParams, CopyPlan};
use result::{CopyCounts, CopyFilesResult, FileIssue, MissingInRoom, OverwrittenFile};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;
use transfer::{copy_file, destination_folder, hash_file, FileError, PARTIAL_SUFFIX};
use walk::{SourceFile, Walk};

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

/// Progress figures, reported at most every 200 ms.
struct Progress<'a> {
    ctx: &'a JobContext,
    files: u64,
    total_files: u64,
    bytes: u64,
    total_bytes: u64,
    last: Instant,
}

impl Progress<'_> {
    fn bytes(&mut self, n: u64) {
        self.bytes += n;
        if self.last.elapsed().as_millis() >= 200 {
            self.emit();
        }
    }

    fn file_done(&mut self) {
        self.files += 1;
        if self.last.elapsed().as_millis() >= 200 || self.files == self.total_files {
            self.emit();
        }
    }

    fn emit(&mut self) {
        self.last = Instant::now();
        self.ctx.progress(
            ACTIVITY,
            format!(
                "{} of {} files, {:.1} of {:.1} MiB",
                self.files,
                self.total_files,
                self.bytes as f64 / 1_048_576.0,
                self.total_bytes as f64 / 1_048_576.0
            ),
            Some(self.bytes),
            Some(self.total_bytes),
        );
    }
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
    let mut journal = Journal::open(&root, !plan.what_if)?;
    if !plan.what_if {
        result.journal = Some(journal.path.display().to_string());
        result.counts.removed_partial_files = sweep_partials(&root, &walk);
    }
    result.counts.source_files = u64::try_from(walk.files.len()).unwrap_or(u64::MAX);
    result.counts.source_bytes = walk.files.iter().map(|f| f.size).sum();
    let mut progress = Progress {
        ctx,
        files: 0,
        total_files: result.counts.source_files,
        bytes: 0,
        total_bytes: result.counts.source_bytes,
        last: Instant::now(),
    };
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
    for file in &walk.files {
        ctx.check_cancelled()?;
        one_file(plan, &root, file, &mut journal, &mut result, &mut progress)?;
        progress.file_done();
    }
    journal.sync()?;
    if let Some(manifest) = manifest {
        cross_check(manifest, &walk, &mut result);
    }
    result.refused_source = walk.refused;
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

/// What to do with one file whose destination exists.
enum Decision {
    Copy {
        replace: bool,
    },
    Skip {
        by_journal: bool,
        record: Option<JournalRecord>,
    },
    Conflict(String),
}

/// Compares an existing destination file with the source: the journal's record when both files still have
/// the recorded size and times, else sizes, then SHA-256 of both.
fn decide_existing(
    plan: &CopyPlan,
    file: &SourceFile,
    dest: &Path,
    dest_meta: &std::fs::Metadata,
    journal: &Journal,
    progress: &mut Progress<'_>,
) -> Result<Decision, FileError> {
    let slash = file.rel.as_slash_path();
    let source_meta = std::fs::metadata(&file.path)
        .map_err(|e| FileError::File(format!("reading '{}' failed: {e}", file.path.display())))?;
    if let Some(j) = journal.get(&slash) {
        if j.size == file.size
            && dest_meta.len() == j.size
            && j.source_modified == modified_nanos(&source_meta)
            && j.destination_modified == modified_nanos(dest_meta)
        {
            return Ok(Decision::Skip {
                by_journal: true,
                record: None,
            });
        }
    }
    let differs = if dest_meta.len() != file.size {
        format!(
            "the destination file differs from the source ({} bytes there, {} at the source)",
            dest_meta.len(),
            file.size
        )
    } else {
        let ctx = progress.ctx;
        let (source_hash, _) = hash_file(&file.path, ctx, |_| {})?;
        let (dest_hash, _) = hash_file(dest, ctx, |_| {})?;
        if source_hash == dest_hash {
            let record = JournalRecord {
                path: slash,
                size: file.size,
                sha256: source_hash,
                source_modified: modified_nanos(&source_meta),
                destination_modified: modified_nanos(dest_meta),
            };
            return Ok(Decision::Skip {
                by_journal: false,
                record: Some(record),
            });
        }
        format!(
            "the destination file differs from the source (same size, SHA-256 {dest_hash} there, {source_hash} \
             at the source)"
        )
    };
    if plan.overwrite {
        Ok(Decision::Copy { replace: true })
    } else {
        Ok(Decision::Conflict(format!(
            "{differs}; left untouched: give -Overwrite (--overwrite) to replace it (the old file is kept as \
             <name>.pchat-old-<n>)"
        )))
    }
}

/// Decides, then copies (or plans) one file; a file's own failure is recorded and the run goes on.
fn one_file(
    plan: &CopyPlan,
    root: &Path,
    file: &SourceFile,
    journal: &mut Journal,
    result: &mut CopyFilesResult,
    progress: &mut Progress<'_>,
) -> Result<(), PcmError> {
    let slash = file.rel.as_slash_path();
    let outcome = decide_and_copy(plan, root, file, journal, result, progress);
    match outcome {
        Ok(()) => Ok(()),
        Err(FileError::Run(e)) => Err(e),
        Err(FileError::File(reason)) => {
            result.failed.push(FileIssue {
                path: slash,
                reason,
            });
            Ok(())
        }
    }
}

fn decide_and_copy(
    plan: &CopyPlan,
    root: &Path,
    file: &SourceFile,
    journal: &mut Journal,
    result: &mut CopyFilesResult,
    progress: &mut Progress<'_>,
) -> Result<(), FileError> {
    let slash = file.rel.as_slash_path();
    let folder = destination_folder(root, &file.rel, !plan.what_if)?;
    let name = file.rel.segments().last().cloned().unwrap_or_default();
    let dest = folder.join(&name);
    let decision = match std::fs::symlink_metadata(&dest) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Decision::Copy { replace: false },
        Err(e) => {
            return Err(FileError::File(format!(
                "reading '{}' failed: {e}",
                dest.display()
            )))
        }
        Ok(m) if m.file_type().is_symlink() => {
            return Err(FileError::File(format!(
                "the destination '{}' is a link; nothing is written through a link",
                dest.display()
            )))
        }
        Ok(m) if m.is_dir() => {
            Decision::Conflict("a folder of that name is at the destination".into())
        }
        Ok(m) => decide_existing(plan, file, &dest, &m, journal, progress)?,
    };
    match decision {
        Decision::Conflict(reason) => result.conflicts.push(FileIssue {
            path: slash,
            reason,
        }),
        Decision::Skip { by_journal, record } => {
            result.counts.skipped_identical += 1;
            result.counts.skipped_by_journal += u64::from(by_journal);
            if let (Some(record), false) = (record, plan.what_if) {
                journal.record(record)?;
            }
            progress.bytes(file.size);
        }
        Decision::Copy { replace } if plan.what_if => {
            result.would_copy.push(slash);
            result.counts.copied += 1;
            result.counts.copied_bytes += file.size;
            result.counts.overwritten += u64::from(replace);
            progress.bytes(file.size);
        }
        Decision::Copy { replace } => {
            let copied = copy_file(&file.path, &dest, replace, progress.ctx, |n| {
                progress.bytes(n)
            })?;
            journal.record(JournalRecord {
                path: slash.clone(),
                size: copied.size,
                sha256: copied.sha256,
                source_modified: copied.source_modified,
                destination_modified: copied.destination_modified,
            })?;
            result.counts.copied += 1;
            result.counts.copied_bytes += copied.size;
            if let Some(kept) = copied.kept_as {
                result.counts.overwritten += 1;
                result.overwritten.push(OverwrittenFile {
                    path: slash,
                    kept_as: kept.display().to_string(),
                });
            }
        }
    }
    Ok(())
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
