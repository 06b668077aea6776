//! Long-running operations as jobs: one process-wide tokio runtime, an event queue the host drains by polling on
//! its own thread (PowerShell cannot take callbacks on foreign threads), cooperative cancellation, a final result.

mod runtime;

pub use runtime::runtime;

use crate::error::PcmError;
use serde::Serialize;
use serde_json::Value;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn is_finished(self) -> bool {
        self != JobState::Running
    }
}

/// Something a job tells its host while it runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum JobEvent {
    #[serde(rename_all = "camelCase")]
    Progress {
        activity: String,
        status: String,
        percent: Option<f64>,
        current: Option<u64>,
        total: Option<u64>,
        seconds_remaining: Option<u64>,
    },
    Verbose {
        message: String,
    },
    Warning {
        code: String,
        message: String,
    },
    Item {
        data: Value,
    },
}

impl JobEvent {
    /// The event with control characters in its texts shown as escapes: statuses and messages name rooms and
    /// databases, and every host prints them to a terminal. `Item` data is left exact.
    fn for_display(self) -> JobEvent {
        use crate::util::text::escape_control;
        let clean = |s: String| match escape_control(&s) {
            std::borrow::Cow::Borrowed(_) => s,
            std::borrow::Cow::Owned(escaped) => escaped,
        };
        match self {
            JobEvent::Progress {
                activity,
                status,
                percent,
                current,
                total,
                seconds_remaining,
            } => JobEvent::Progress {
                activity: clean(activity),
                status: clean(status),
                percent,
                current,
                total,
                seconds_remaining,
            },
            JobEvent::Verbose { message } => JobEvent::Verbose {
                message: clean(message),
            },
            JobEvent::Warning { code, message } => JobEvent::Warning {
                code,
                message: clean(message),
            },
            item @ JobEvent::Item { .. } => item,
        }
    }
}

/// What one poll returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PollBatch {
    pub state: JobState,
    pub events: Vec<JobEvent>,
}

/// Errors of the job protocol itself (not of the operation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JobProtocolError {
    #[error("the job has finished and every event has been delivered; take its result with pcm_job_result")]
    Finished,
    #[error("the job is still running; poll until its state is no longer 'running' before taking the result")]
    StillRunning,
}

struct Inner {
    state: JobState,
    events: VecDeque<JobEvent>,
    outcome: Option<Result<Value, PcmError>>,
    cancel_requested: bool,
    /// Whether a poll has already reported the final state (every host sees it exactly once).
    end_reported: bool,
}

struct Shared {
    inner: Mutex<Inner>,
    changed: Condvar,
    cancel: CancellationToken,
    /// Set by an operation that observes the cancel token itself (see [`JobContext::cooperative`]).
    cooperative: AtomicBool,
    /// How many blocking closures started through [`JobContext::spawn_blocking`] are still running.
    blocking: tokio::sync::watch::Sender<usize>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock only means another thread panicked while holding it; the data is still consistent
        // because every critical section here is a few field assignments.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The operation's side of a job: emit events and observe cancellation.
#[derive(Clone)]
pub struct JobContext {
    shared: Arc<Shared>,
}

impl JobContext {
    fn push(&self, event: JobEvent) {
        let event = event.for_display();
        let mut inner = self.shared.lock();
        inner.events.push_back(event);
        drop(inner);
        self.shared.changed.notify_all();
    }

    pub fn progress(
        &self,
        activity: &str,
        status: impl Into<String>,
        current: Option<u64>,
        total: Option<u64>,
    ) {
        let percent = match (current, total) {
            (Some(c), Some(t)) if t > 0 => Some((c as f64 * 100.0 / t as f64).min(100.0)),
            _ => None,
        };
        self.push(JobEvent::Progress {
            activity: activity.to_string(),
            status: status.into(),
            percent,
            current,
            total,
            seconds_remaining: None,
        });
    }

    pub fn progress_event(&self, event: JobEvent) {
        self.push(event);
    }

    pub fn verbose(&self, message: impl Into<String>) {
        self.push(JobEvent::Verbose {
            message: message.into(),
        });
    }

    pub fn warning(&self, code: &str, message: impl Into<String>) {
        self.push(JobEvent::Warning {
            code: code.to_string(),
            message: message.into(),
        });
    }

    pub fn item(&self, data: Value) {
        self.push(JobEvent::Item { data });
    }

    /// The token an operation may hand to its own tasks; cancelled when the host cancels.
    pub fn cancellation(&self) -> CancellationToken {
        self.shared.cancel.clone()
    }

    pub fn is_cancelled(&self) -> bool {
        self.shared.cancel.is_cancelled()
    }

    /// `Err(Cancelled)` once the host has cancelled: for checks between steps of blocking work.
    pub fn check_cancelled(&self) -> Result<(), PcmError> {
        if self.is_cancelled() {
            Err(PcmError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Declares that this operation observes cancellation itself: a cancel no longer drops the operation's
    /// future at its next await, it lets the operation wind down (finish or remove what it was writing) and
    /// return `Cancelled`. Operations that write files call this first, so their cleanup happens before the
    /// job's end is reported, never after.
    pub fn cooperative(&self) {
        self.shared.cooperative.store(true, Ordering::SeqCst);
    }

    /// Awaits `work`, or gives up with `Cancelled` when the host cancels first (dropping `work`, so only for
    /// futures whose drop leaves nothing half-written, such as a query).
    pub async fn cancellable<T>(
        &self,
        work: impl Future<Output = Result<T, PcmError>>,
    ) -> Result<T, PcmError> {
        tokio::select! {
            biased;
            _ = self.shared.cancel.cancelled() => Err(PcmError::Cancelled),
            outcome = work => outcome,
        }
    }

    /// Runs blocking work (zip, deflate, SHA-256, fsync, big file IO) on tokio's blocking pool instead of an
    /// async worker. The job counts it: its end is reported only after every such closure has returned, even
    /// when the awaiting future was dropped, so a host that sees the end may reuse the files at once.
    pub async fn spawn_blocking<T, F>(&self, work: F) -> Result<T, PcmError>
    where
        F: FnOnce() -> Result<T, PcmError> + Send + 'static,
        T: Send + 'static,
    {
        self.start_blocking(work).await
    }

    /// [`JobContext::spawn_blocking`], but the closure starts now, not when the returned future is first
    /// polled: for a closure that must already run while this task does other work (a writer it feeds).
    pub fn start_blocking<T, F>(
        &self,
        work: F,
    ) -> impl Future<Output = Result<T, PcmError>> + Send + 'static
    where
        F: FnOnce() -> Result<T, PcmError> + Send + 'static,
        T: Send + 'static,
    {
        self.shared.blocking.send_modify(|n| *n += 1);
        let guard = BlockingGuard(self.shared.clone());
        let handle = tokio::task::spawn_blocking(move || {
            let _guard = guard;
            work()
        });
        async move { joined(handle.await) }
    }
}

/// The outcome of a blocking closure, its panic or abort turned into an error.
fn joined<T>(outcome: Result<Result<T, PcmError>, tokio::task::JoinError>) -> Result<T, PcmError> {
    match outcome {
        Ok(outcome) => outcome,
        Err(e) if e.is_panic() => Err(PcmError::Internal(format!(
            "blocking work panicked: {}",
            panic_message(e.into_panic().as_ref())
        ))),
        Err(e) => Err(PcmError::Internal(format!("blocking work stopped: {e}"))),
    }
}

impl JobContext {
    /// Waits until no blocking closure of this job runs any more (one whose awaiting future was dropped may
    /// still be finishing).
    pub async fn blocking_idle(&self) {
        let mut idle = self.shared.blocking.subscribe();
        let _ = idle.wait_for(|running| *running == 0).await;
    }
}

/// Counts one running blocking closure; dropped when the closure returns (or unwinds).
struct BlockingGuard(Arc<Shared>);

impl Drop for BlockingGuard {
    fn drop(&mut self) {
        self.0.blocking.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// The host's side of a job.
pub struct Job {
    shared: Arc<Shared>,
    operation: String,
}

impl Job {
    /// Starts `work` on the process-wide runtime. The future is dropped (so its connections close and its
    /// temporary files are removed by their guards) as soon as the host cancels.
    pub fn spawn<F, Fut>(operation: &str, work: F) -> Result<Job, PcmError>
    where
        F: FnOnce(JobContext) -> Fut,
        Fut: Future<Output = Result<Value, PcmError>> + Send + 'static,
    {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                state: JobState::Running,
                events: VecDeque::new(),
                outcome: None,
                cancel_requested: false,
                end_reported: false,
            }),
            changed: Condvar::new(),
            cancel: CancellationToken::new(),
            cooperative: AtomicBool::new(false),
            blocking: tokio::sync::watch::Sender::new(0),
        });
        let context = JobContext {
            shared: shared.clone(),
        };
        let future = work(context);
        let task_shared = shared.clone();
        let rt = runtime()?;
        rt.spawn(async move {
            let guarded = std::panic::AssertUnwindSafe(future);
            let unwinding = futures_util::FutureExt::catch_unwind(guarded);
            let mut operation = std::pin::pin!(unwinding);
            let caught = tokio::select! {
                outcome = &mut operation => Some(outcome),
                _ = task_shared.cancel.cancelled() => None,
            };
            let caught = match caught {
                Some(outcome) => Some(outcome),
                // A cooperative operation winds down by itself after the cancel.
                None if task_shared.cooperative.load(Ordering::SeqCst) => Some(operation.await),
                None => None,
            };
            let outcome = match caught {
                Some(Ok(result)) => result,
                Some(Err(panic)) => Err(PcmError::Internal(format!(
                    "the operation panicked: {}",
                    panic_message(panic.as_ref())
                ))),
                None => Err(PcmError::Cancelled),
            };
            // The end is reported only once no blocking work of the job touches its files any more.
            let mut idle = task_shared.blocking.subscribe();
            let _ = idle.wait_for(|running| *running == 0).await;
            let mut inner = task_shared.lock();
            inner.state = match &outcome {
                Ok(_) => JobState::Succeeded,
                Err(PcmError::Cancelled) => JobState::Cancelled,
                Err(_) if inner.cancel_requested => JobState::Cancelled,
                Err(_) => JobState::Failed,
            };
            inner.outcome = Some(if inner.state == JobState::Cancelled {
                Err(PcmError::Cancelled)
            } else {
                outcome
            });
            drop(inner);
            task_shared.changed.notify_all();
        });
        Ok(Job {
            shared,
            operation: operation.to_string(),
        })
    }

    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// Waits up to `timeout` for at least one event or the end of the job, then returns what is queued.
    /// The final state is reported by exactly one poll (the one that drains the last events after the end);
    /// after that, [`JobProtocolError::Finished`].
    pub fn poll(&self, timeout: Duration) -> Result<PollBatch, JobProtocolError> {
        let deadline = Instant::now() + timeout;
        let mut inner = self.shared.lock();
        if inner.end_reported {
            return Err(JobProtocolError::Finished);
        }
        while inner.events.is_empty() && !inner.state.is_finished() {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            let (guard, _) = self
                .shared
                .changed
                .wait_timeout(inner, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            inner = guard;
        }
        // Several threads may wait on one job: when it ends, all wake, and only the first reports the end.
        if inner.end_reported {
            return Err(JobProtocolError::Finished);
        }
        let events: Vec<JobEvent> = inner.events.drain(..).collect();
        if inner.state.is_finished() {
            inner.end_reported = true;
        }
        Ok(PollBatch {
            state: inner.state,
            events,
        })
    }

    /// Requests cancellation. Idempotent while the job winds down; an error once the job has ended.
    pub fn cancel(&self) -> Result<(), JobProtocolError> {
        let mut inner = self.shared.lock();
        if inner.state.is_finished() {
            return Err(JobProtocolError::Finished);
        }
        inner.cancel_requested = true;
        drop(inner);
        self.shared.cancel.cancel();
        Ok(())
    }

    pub fn state(&self) -> JobState {
        self.shared.lock().state
    }

    /// The final outcome, once the job has ended. May be taken repeatedly.
    pub fn result(&self) -> Result<Result<Value, PcmError>, JobProtocolError> {
        let inner = self.shared.lock();
        match &inner.outcome {
            None => Err(JobProtocolError::StillRunning),
            Some(Ok(value)) => Ok(Ok(value.clone())),
            Some(Err(error)) => Ok(Err(clone_error(error))),
        }
    }

    /// Cancels the job and waits up to `timeout` for it to end (its files closed or removed). Returns whether it
    /// ended in time. Used when a host frees a running job.
    pub fn cancel_and_wait(&self, timeout: Duration) -> bool {
        let _ = self.cancel();
        let deadline = Instant::now() + timeout;
        let mut inner = self.shared.lock();
        while !inner.state.is_finished() {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            let (guard, _) = self
                .shared
                .changed
                .wait_timeout(inner, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            inner = guard;
        }
        true
    }

    /// Blocks until the job ends (used by the CLI and tests), forwarding events to `on_event`. A successful
    /// result is moved out of the job, not copied (an inspection of a 40,000-room package answers ~40 MB of
    /// JSON values); [`Job::result`] afterwards answers `null` data.
    pub fn wait(&self, mut on_event: impl FnMut(&JobEvent)) -> Result<Value, PcmError> {
        // poll's only error is Finished: every event has been delivered.
        while let Ok(batch) = self.poll(Duration::from_millis(250)) {
            batch.events.iter().for_each(&mut on_event);
        }
        let mut inner = self.shared.lock();
        match &mut inner.outcome {
            Some(Ok(value)) => Ok(std::mem::take(value)),
            Some(Err(error)) => Err(clone_error(error)),
            None => Err(PcmError::Internal(
                JobProtocolError::StillRunning.to_string(),
            )),
        }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        // Freeing a running job cancels it, so nothing keeps writing after the host let go.
        self.shared.cancel.cancel();
    }
}

/// Errors are not Clone (they may wrap sources); results are re-materialised from their rendered form.
fn clone_error(error: &PcmError) -> PcmError {
    match error {
        PcmError::Cancelled => PcmError::Cancelled,
        other => PcmError::Reported {
            code: other.code(),
            message: other.to_string(),
            details: other.details(),
        },
    }
}

/// Text of a caught panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_final_state_is_reported_once_even_without_events() {
        let job = Job::spawn("test", |_ctx| async { Ok(json!({"done": true})) }).expect("spawn");
        let mut states = Vec::new();
        loop {
            match job.poll(Duration::from_millis(50)) {
                Ok(batch) => states.push(batch.state),
                Err(JobProtocolError::Finished) => break,
                Err(other) => panic!("{other}"),
            }
        }
        assert_eq!(states.last(), Some(&JobState::Succeeded));
        assert_eq!(states.iter().filter(|s| s.is_finished()).count(), 1);
        assert_eq!(job.result().expect("ended").expect("ok")["done"], true);
    }

    #[test]
    fn a_panicking_operation_fails_the_job_instead_of_the_process() {
        let job = Job::spawn("test", |_ctx| async {
            if std::env::var_os("NEVER_SET_PCHAT").is_none() {
                panic!("boom inside a job");
            }
            Ok(json!(null))
        })
        .expect("spawn");
        let result = job.wait(|_| {});
        let error = result.expect_err("panics become errors");
        assert_eq!(error.code(), "internal_error");
        assert!(error.to_string().contains("boom inside a job"));
        assert_eq!(job.state(), JobState::Failed);
    }

    #[test]
    fn the_end_is_reported_only_after_blocking_work_returned_even_when_its_future_was_dropped() {
        use std::sync::atomic::AtomicBool;
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        let job = Job::spawn("test", move |ctx| async move {
            ctx.verbose("started");
            // Not cooperative: a cancel drops this future while the closure still runs.
            ctx.spawn_blocking(move || {
                std::thread::sleep(Duration::from_millis(300));
                flag.store(true, Ordering::SeqCst);
                Ok(())
            })
            .await?;
            Ok(json!(null))
        })
        .expect("spawn");
        job.poll(Duration::from_secs(5)).expect("started");
        job.cancel().expect("running");
        let error = job.wait(|_| {}).expect_err("cancelled");
        assert_eq!(error.code(), "cancelled");
        assert!(
            finished.load(Ordering::SeqCst),
            "the job ended while its blocking work still ran"
        );
    }

    #[test]
    fn start_blocking_runs_before_its_future_is_polled() {
        // The history writer relies on it: its reader may block on a full queue before polling the writer.
        let job = Job::spawn("test", |ctx| async move {
            let (tx, rx) = std::sync::mpsc::channel();
            let writer = ctx
                .start_blocking(move || tx.send(()).map_err(|e| PcmError::Internal(e.to_string())));
            let started = tokio::task::block_in_place(|| rx.recv_timeout(Duration::from_secs(5)));
            writer.await?;
            Ok(json!(started.is_ok()))
        })
        .expect("spawn");
        assert_eq!(job.wait(|_| {}).expect("ok"), json!(true));
    }

    #[test]
    fn a_cooperative_operation_winds_down_by_itself_after_a_cancel() {
        let job = Job::spawn("test", |ctx| async move {
            ctx.cooperative();
            ctx.verbose("started");
            ctx.cancellation().cancelled().await;
            // Cleanup after the cancel still runs, then the operation reports the cancel.
            tokio::time::sleep(Duration::from_millis(50)).await;
            ctx.verbose("cleaned up");
            Err::<Value, _>(PcmError::Cancelled)
        })
        .expect("spawn");
        job.poll(Duration::from_secs(5)).expect("started");
        job.cancel().expect("running");
        let mut events = Vec::new();
        let error = job.wait(|e| events.push(e.clone())).expect_err("cancelled");
        assert_eq!(error.code(), "cancelled");
        assert!(events
            .iter()
            .any(|e| matches!(e, JobEvent::Verbose { message } if message == "cleaned up")));
    }

    #[test]
    fn events_arrive_in_order_and_cancel_wins_over_a_slow_operation() {
        let job = Job::spawn("test", |ctx| async move {
            ctx.verbose("one");
            ctx.warning("w", "two");
            ctx.item(json!(3));
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(json!(null))
        })
        .expect("spawn");
        let first = job.poll(Duration::from_secs(5)).expect("events");
        let mut events = first.events;
        while events.len() < 3 {
            events.extend(job.poll(Duration::from_secs(5)).expect("more").events);
        }
        assert!(matches!(&events[0], JobEvent::Verbose { message } if message == "one"));
        assert!(matches!(&events[2], JobEvent::Item { data } if data == &json!(3)));
        job.cancel().expect("running");
        let error = job.wait(|_| {}).expect_err("cancelled");
        assert_eq!(error.code(), "cancelled");
        assert_eq!(job.cancel(), Err(JobProtocolError::Finished));
    }

    #[test]
    fn event_texts_show_control_characters_as_escapes_and_items_stay_exact() {
        let hostile = "room \u{1b}[31mred\u{1b}]0;title\u{7}\u{202e}";
        let job = Job::spawn("test", move |ctx| async move {
            ctx.progress(hostile, hostile, None, None);
            ctx.verbose(hostile);
            ctx.warning("w", hostile);
            ctx.item(json!({ "name": hostile }));
            Ok(json!(null))
        })
        .expect("spawn");
        let mut events = Vec::new();
        job.wait(|e| events.push(e.clone())).expect("ok");
        assert_eq!(events.len(), 4);
        for event in &events[..3] {
            let texts: Vec<&String> = match event {
                JobEvent::Progress {
                    activity, status, ..
                } => vec![activity, status],
                JobEvent::Verbose { message } | JobEvent::Warning { message, .. } => vec![message],
                JobEvent::Item { .. } => unreachable!(),
            };
            for t in texts {
                assert!(!t.chars().any(crate::util::text::is_unsafe_char), "{t:?}");
                assert!(t.contains("\\u{1b}[31mred"), "{t:?}");
            }
        }
        assert!(matches!(&events[3], JobEvent::Item { data } if data["name"] == hostile));
    }
}
