//! The history part of [`PackageReader::verify`], on this thread and on helpers that open the package again
//! (a file): decompressing, hashing and parsing every message was most of an import's check before it writes
//! (1.4 s of 1,000,000 messages on one core). The outcome is the one a check on one thread gives: the figures in
//! manifest order, or the failure of the first failing history in manifest order, and `progress` hears one call
//! per history, in order.

use super::graph::NodeView;
use super::{HistoryFigures, PackageReader};
use crate::error::PcmError;
use crate::package::format::RoomHistory;
use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Opens the package's bytes again, for a helper.
pub(super) type Reopen<R> = Arc<dyn Fn() -> std::io::Result<R> + Send + Sync>;

/// Helpers at most, besides the calling thread.
const MAX_HELPERS: usize = 3;
/// History bytes (uncompressed) per history below which the check stays on one thread.
const MIN_BYTES_PER_HISTORY: u64 = 8 * 1024;

/// What the threads share: the work, taken in manifest order, and how far it got.
struct Work<'a> {
    histories: &'a [RoomHistory],
    rooms: &'a HashMap<i32, &'a NodeView>,
    principals: &'a HashSet<i32>,
    next: AtomicUsize,
    /// The lowest index that failed (`usize::MAX`: none yet); no thread starts a history past it.
    failed_at: AtomicUsize,
    completed: AtomicUsize,
}

type Outcomes = Vec<(usize, Result<HistoryFigures, PcmError>)>;

impl<R: Read + Seek + Send> PackageReader<R> {
    /// Checks every history of `histories` (the manifest's), calling `progress` once per history.
    pub(super) fn check_histories(
        &mut self,
        histories: &[RoomHistory],
        rooms: &HashMap<i32, &NodeView>,
        principals: &HashSet<i32>,
        progress: &mut dyn FnMut(),
    ) -> Result<Vec<HistoryFigures>, PcmError> {
        let work = Work {
            histories,
            rooms,
            principals,
            next: AtomicUsize::new(0),
            failed_at: AtomicUsize::new(usize::MAX),
            completed: AtomicUsize::new(0),
        };
        let mut helpers = self.helpers(histories)?;
        let mut reported = 0;
        let mut outcomes = std::thread::scope(|scope| {
            let running: Vec<_> = helpers
                .iter_mut()
                .map(|helper| scope.spawn(|| helper.work(&work, &mut || {})))
                .collect();
            let cancel = self.cancel.clone();
            let mut report = || report(cancel.as_ref(), &work, &mut reported, progress);
            let mut outcomes = self.work(&work, &mut report);
            for helper in running {
                match helper.join() {
                    Ok(mut found) => outcomes.append(&mut found),
                    Err(_) => {
                        return Err(PcmError::Internal(
                            "a package check thread panicked".to_string(),
                        ))
                    }
                }
            }
            Ok(outcomes)
        })?;
        outcomes.sort_by_key(|(index, _)| *index);
        let mut figures = Vec::with_capacity(outcomes.len());
        for (_, outcome) in outcomes {
            figures.push(outcome?);
        }
        if figures.len() != histories.len() {
            return Err(PcmError::Internal(format!(
                "{} of {} histories were checked",
                figures.len(),
                histories.len()
            )));
        }
        report(self.cancel.as_ref(), &work, &mut reported, progress);
        Ok(figures)
    }

    /// Readers of the same package for the helpers (none for bytes that cannot be opened again, or when this
    /// machine has one core); each is checked like the first and must list the same entries.
    fn helpers(&self, histories: &[RoomHistory]) -> Result<Vec<PackageReader<R>>, PcmError> {
        let Some(reopen) = &self.reopen else {
            return Ok(Vec::new());
        };
        if !self.worth_helpers(histories) {
            return Ok(Vec::new());
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let count = cores
            .min(MAX_HELPERS + 1)
            .min(histories.len())
            .saturating_sub(1);
        let mut helpers = Vec::with_capacity(count);
        for _ in 0..count {
            let bytes = reopen().map_err(|e| PcmError::io("opening", &self.path, e))?;
            let mut helper = PackageReader::from_reader(bytes, &self.path)?;
            if helper.manifest.entries != self.manifest.entries {
                return Err(self.invalid(
                    "the file changed while it was being checked; check it again once nothing writes it",
                ));
            }
            helper.cancel = self.cancel.clone();
            helper.reopen = None;
            helpers.push(helper);
        }
        Ok(helpers)
    }

    /// Whether the histories hold enough to pay for opening the package again: a helper reads the central
    /// directory and the manifest anew, which on 40,000 rooms of a few messages each cost more than it saved
    /// (inspect 1.1 s on one core, 1.4-1.9 s with a helper).
    fn worth_helpers(&self, histories: &[RoomHistory]) -> bool {
        let bytes: u64 = histories
            .iter()
            .filter_map(|h| self.entry_index.get(&h.entry))
            .filter_map(|&i| self.manifest.entries.get(i))
            .fold(0u64, |sum, e| sum.saturating_add(e.bytes));
        let histories = u64::try_from(histories.len()).unwrap_or(u64::MAX);
        histories > 1 && bytes >= MIN_BYTES_PER_HISTORY.saturating_mul(histories)
    }

    /// Takes histories off the shared list until it is done or one before the next failed; `done` is called
    /// after each.
    fn work(&mut self, work: &Work<'_>, done: &mut dyn FnMut()) -> Outcomes {
        let mut outcomes = Vec::new();
        loop {
            let index = work.next.fetch_add(1, Ordering::SeqCst);
            if index >= work.histories.len() || index > work.failed_at.load(Ordering::SeqCst) {
                return outcomes;
            }
            let history = &work.histories[index];
            let outcome = match work.rooms.get(&history.room_id) {
                Some(room) => self.verify_history(room, history, work.principals),
                None => Err(self.invalid(format!(
                    "history '{}' belongs to no room in rooms.jsonl",
                    history.entry
                ))),
            };
            if outcome.is_err() {
                work.failed_at.fetch_min(index, Ordering::SeqCst);
            }
            outcomes.push((index, outcome));
            work.completed.fetch_add(1, Ordering::SeqCst);
            done();
        }
    }
}

/// One progress call per history completed since the last report, none once cancelled or failed.
fn report(
    cancel: Option<&CancellationToken>,
    work: &Work<'_>,
    reported: &mut usize,
    progress: &mut dyn FnMut(),
) {
    let completed = work.completed.load(Ordering::SeqCst);
    while *reported < completed {
        if cancel.is_some_and(CancellationToken::is_cancelled)
            || work.failed_at.load(Ordering::SeqCst) != usize::MAX
        {
            return;
        }
        *reported += 1;
        progress();
    }
}
