//! The files copied [`COPY_THREADS`] at a time: each file's cost is dominated by latencies (fsync, and on a
//! share the round trips of open, rename and close), which overlap when several files are in flight. Workers
//! take files in path order from a shared index; each decides and copies its file without holding a lock, then
//! records the outcome (result, journal) under one. The first run-ending error (a cancel) stops every worker
//! before its next file or chunk; an unfinished copy is always removed by the worker that wrote it.

use super::journal::{modified_nanos, Journal, JournalRecord};
use super::result::{CopyFilesResult, FileIssue, OverwrittenFile};
use super::transfer::{copy_file, destination_folder, hash_file, Copied, FileError};
use super::walk::SourceFile;
use super::{CopyPlan, ACTIVITY};
use crate::error::PcmError;
use crate::jobs::JobContext;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Files copied at once.
pub const COPY_THREADS: usize = 4;

/// Progress figures shared by the workers, reported at most every 200 ms.
pub struct Progress<'a> {
    ctx: &'a JobContext,
    files: AtomicU64,
    total_files: u64,
    bytes: AtomicU64,
    total_bytes: u64,
    last: Mutex<Instant>,
}

impl<'a> Progress<'a> {
    pub fn new(ctx: &'a JobContext, total_files: u64, total_bytes: u64) -> Progress<'a> {
        Progress {
            ctx,
            files: AtomicU64::new(0),
            total_files,
            bytes: AtomicU64::new(0),
            total_bytes,
            last: Mutex::new(Instant::now()),
        }
    }

    pub fn ctx(&self) -> &'a JobContext {
        self.ctx
    }

    pub fn bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
        self.maybe_emit(false);
    }

    fn file_done(&self) {
        let done = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        self.maybe_emit(done == self.total_files);
    }

    fn maybe_emit(&self, force: bool) {
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if !force && last.elapsed().as_millis() < 200 {
            return;
        }
        *last = Instant::now();
        let (files, bytes) = (
            self.files.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        );
        self.ctx.progress(
            ACTIVITY,
            format!(
                "{files} of {} files, {:.1} of {:.1} MiB",
                self.total_files,
                bytes as f64 / 1_048_576.0,
                self.total_bytes as f64 / 1_048_576.0
            ),
            Some(bytes),
            Some(self.total_bytes),
        );
    }
}

/// What happened to one file.
enum Outcome {
    Conflict(String),
    Skipped {
        by_journal: bool,
        record: Option<JournalRecord>,
    },
    WouldCopy {
        replace: bool,
    },
    Copied(Copied),
}

/// What the workers share.
struct Shared<'a, 'p> {
    plan: &'a CopyPlan,
    root: &'a Path,
    files: &'a [SourceFile],
    next: AtomicUsize,
    stop: AtomicBool,
    error: Mutex<Option<PcmError>>,
    journal: Mutex<Journal>,
    result: Mutex<&'a mut CopyFilesResult>,
    progress: &'a Progress<'p>,
}

/// Copies (or plans) every file; returns the journal for the final sync.
pub fn copy_in_parallel(
    plan: &CopyPlan,
    root: &Path,
    files: &[SourceFile],
    journal: Journal,
    result: &mut CopyFilesResult,
    progress: &Progress<'_>,
) -> Result<Journal, PcmError> {
    let shared = Shared {
        plan,
        root,
        files,
        next: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        error: Mutex::new(None),
        journal: Mutex::new(journal),
        result: Mutex::new(result),
        progress,
    };
    let threads = COPY_THREADS.min(files.len()).max(1);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| worker(&shared));
        }
    });
    if let Some(e) = shared.error.into_inner().ok().flatten() {
        return Err(e);
    }
    shared
        .journal
        .into_inner()
        .map_err(|_| PcmError::Internal("a copy worker panicked".into()))
}

fn worker(shared: &Shared<'_, '_>) {
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let index = shared.next.fetch_add(1, Ordering::SeqCst);
        let Some(file) = shared.files.get(index) else {
            return;
        };
        let outcome = shared
            .progress
            .ctx()
            .check_cancelled()
            .map_err(FileError::Run)
            .and_then(|()| decide_and_copy(shared, file));
        let recorded = match outcome {
            Ok(outcome) => record(shared, file, outcome),
            Err(e) => Err(e),
        };
        match recorded {
            Ok(()) => shared.progress.file_done(),
            Err(FileError::File(reason)) => {
                if let Ok(mut result) = shared.result.lock() {
                    result.failed.push(FileIssue {
                        path: file.rel.as_slash_path(),
                        reason,
                    });
                }
                shared.progress.file_done();
            }
            Err(FileError::Run(e)) => {
                shared.stop.store(true, Ordering::SeqCst);
                if let Ok(mut first) = shared.error.lock() {
                    first.get_or_insert(e);
                }
                return;
            }
        }
    }
}

/// The journal's record of `path`, if any (copied out: the lock is held only for the lookup).
fn journal_record(shared: &Shared<'_, '_>, path: &str) -> Option<JournalRecord> {
    shared.journal.lock().ok()?.get(path).cloned()
}

/// Compares an existing destination file with the source: the journal's record when both files still have
/// the recorded size and times, else sizes, then SHA-256 of both.
fn decide_existing(
    shared: &Shared<'_, '_>,
    file: &SourceFile,
    dest: &Path,
    dest_meta: &std::fs::Metadata,
) -> Result<Option<Outcome>, FileError> {
    let slash = file.rel.as_slash_path();
    let source_meta = std::fs::metadata(&file.path)
        .map_err(|e| FileError::File(format!("reading '{}' failed: {e}", file.path.display())))?;
    if let Some(j) = journal_record(shared, &slash) {
        if j.size == file.size
            && dest_meta.len() == j.size
            && j.source_modified == modified_nanos(&source_meta)
            && j.destination_modified == modified_nanos(dest_meta)
        {
            return Ok(Some(Outcome::Skipped {
                by_journal: true,
                record: None,
            }));
        }
    }
    let differs = if dest_meta.len() != file.size {
        format!(
            "the destination file differs from the source ({} bytes there, {} at the source)",
            dest_meta.len(),
            file.size
        )
    } else {
        let ctx = shared.progress.ctx();
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
            return Ok(Some(Outcome::Skipped {
                by_journal: false,
                record: Some(record),
            }));
        }
        format!(
            "the destination file differs from the source (same size, SHA-256 {dest_hash} there, {source_hash} \
             at the source)"
        )
    };
    if shared.plan.overwrite {
        Ok(None)
    } else {
        Ok(Some(Outcome::Conflict(format!(
            "{differs}; left untouched: give -Overwrite (--overwrite) to replace it (the old file is kept as \
             <name>.pchat-old-<n>)"
        ))))
    }
}

/// Decides what to do with one file and does it (no lock held while copying).
fn decide_and_copy(shared: &Shared<'_, '_>, file: &SourceFile) -> Result<Outcome, FileError> {
    let plan = shared.plan;
    let folder = destination_folder(shared.root, &file.rel, !plan.what_if)?;
    let name = file.rel.segments().last().cloned().unwrap_or_default();
    let dest = folder.join(&name);
    let replace = match std::fs::symlink_metadata(&dest) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
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
            return Ok(Outcome::Conflict(
                "a folder of that name is at the destination".into(),
            ))
        }
        Ok(m) => match decide_existing(shared, file, &dest, &m)? {
            Some(outcome) => return Ok(outcome),
            None => true,
        },
    };
    if plan.what_if {
        return Ok(Outcome::WouldCopy { replace });
    }
    let progress = shared.progress;
    let copied = copy_file(&file.path, &dest, replace, progress.ctx(), |n| {
        progress.bytes(n)
    })?;
    Ok(Outcome::Copied(copied))
}

/// Records one file's outcome in the result and the journal.
fn record(shared: &Shared<'_, '_>, file: &SourceFile, outcome: Outcome) -> Result<(), FileError> {
    let slash = file.rel.as_slash_path();
    let poisoned = || FileError::Run(PcmError::Internal("a copy worker panicked".into()));
    let journal_entry = match &outcome {
        Outcome::Skipped {
            record: Some(record),
            ..
        } if !shared.plan.what_if => Some(record.clone()),
        Outcome::Copied(c) => Some(JournalRecord {
            path: slash.clone(),
            size: c.size,
            sha256: c.sha256.clone(),
            source_modified: c.source_modified,
            destination_modified: c.destination_modified,
        }),
        _ => None,
    };
    if let Some(entry) = journal_entry {
        shared
            .journal
            .lock()
            .map_err(|_| poisoned())?
            .record(entry)?;
    }
    let mut result = shared.result.lock().map_err(|_| poisoned())?;
    let counts = &mut result.counts;
    match outcome {
        Outcome::Conflict(reason) => result.conflicts.push(FileIssue {
            path: slash,
            reason,
        }),
        Outcome::Skipped { by_journal, .. } => {
            counts.skipped_identical += 1;
            counts.skipped_by_journal += u64::from(by_journal);
            shared.progress.bytes(file.size);
        }
        Outcome::WouldCopy { replace } => {
            counts.copied += 1;
            counts.copied_bytes += file.size;
            counts.overwritten += u64::from(replace);
            result.would_copy.push(slash);
            shared.progress.bytes(file.size);
        }
        Outcome::Copied(copied) => {
            counts.copied += 1;
            counts.copied_bytes += copied.size;
            if let Some(kept) = copied.kept_as {
                counts.overwritten += 1;
                result.overwritten.push(OverwrittenFile {
                    path: slash,
                    kept_as: kept.display().to_string(),
                });
            }
        }
    }
    Ok(())
}
