//! Eight threads using the library at once: synchronous calls, inspections started, polled, cancelled and freed,
//! strings freed on another thread than the one they came from, forced panics on one thread while the others
//! work, and one job shared by every thread. Every answer is checked against its own request, and every wait has
//! a deadline, so a deadlock fails the test instead of hanging it.

use super::legacy_facts;
use super::support::*;
use pchat_migrate::ffi::pcm_status::*;
use pchat_migrate::ffi::*;
use std::collections::BTreeSet;
use std::ffi::{c_char, CStr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::Duration;

const THREADS: usize = 8;
const ROUNDS: usize = 100;
/// How long the threads of one test may take before it counts as a deadlock.
const DEADLINE: Duration = Duration::from_secs(300);

/// Runs `work(t)` on `THREADS` threads and joins them, failing if they do not all end within [`DEADLINE`].
fn on_threads<T: Send + 'static>(work: impl Fn(usize) -> T + Send + Sync + 'static) -> Vec<T> {
    let work = Arc::new(work);
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (work, done) = (work.clone(), done_tx.clone());
            std::thread::spawn(move || {
                // Dropped on return and on panic alike: the watchdog below counts it either way.
                let _signal = Signal(done);
                work(t)
            })
        })
        .collect();
    drop(done_tx);
    let deadline = std::time::Instant::now() + DEADLINE;
    for ended in 0..THREADS {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let outcome = done_rx.recv_timeout(left);
        assert!(
            !matches!(outcome, Err(mpsc::RecvTimeoutError::Timeout)),
            "deadlock: {} of {THREADS} threads still running after {DEADLINE:?}",
            THREADS - ended
        );
    }
    handles
        .into_iter()
        .map(|h| {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
        .collect()
}

struct Signal(mpsc::Sender<()>);

impl Drop for Signal {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// A response string handed to another thread, with what it must say: (pointer, expected file name).
struct Handed(usize, String);

/// The packages of the busy test: `packages[k]` has `k + 1` rooms.
fn packages() -> Vec<PathBuf> {
    let dir = temp_dir("threads");
    (0..4)
        .map(|k| {
            let path = dir.join(format!("rooms-{}.zip", k + 1));
            write_package(&path, k + 1);
            path
        })
        .collect()
}

#[test]
fn eight_threads_use_the_library_at_once_and_every_answer_is_their_own() {
    let packages = Arc::new(packages());
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..THREADS).map(|_| mpsc::channel::<Handed>()).unzip();
    // Thread t hands its strings to thread t + 1, which frees them (moved, not cloned: a receiver ends when its
    // one sender is dropped).
    let mut senders = senders;
    senders.rotate_left(1);
    let slots: Vec<_> = senders
        .into_iter()
        .zip(receivers)
        .map(|pair| std::sync::Mutex::new(Some(pair)))
        .collect();
    let slots = Arc::new(slots);
    let handles = on_threads(move |t| {
        let (to_next, from_previous) = slots[t].lock().expect("slot").take().expect("once");
        let mut handles = Vec::new();
        for round in 0..ROUNDS {
            static_answers(t, round);
            validate_is_answered_per_request(t, round, &to_next);
            legacy_plan_is_answered_per_request(t, round);
            handles.push(inspect_round(&packages, t, round));
            if round % 3 == t % 3 {
                handles.push(cancel_round(&packages, t, round));
            }
            if t == THREADS - 1 {
                forced_panic_round();
            }
            while let Ok(handed) = from_previous.try_recv() {
                free_handed(handed);
            }
        }
        drop(to_next);
        // The previous thread drops its sender when its rounds are over: take the rest, then stop.
        for handed in from_previous {
            free_handed(handed);
        }
        handles
    });
    let all: Vec<usize> = handles.into_iter().flatten().collect();
    let distinct: BTreeSet<usize> = all.iter().copied().collect();
    assert_eq!(distinct.len(), all.len(), "a handle was issued twice");
    eprintln!(
        "{} jobs on {THREADS} threads; immediate cancels: {} ended cancelled, {} had already succeeded \
         ({} of them although pcm_job_cancel answered OK)",
        all.len(),
        CANCELLED.load(Ordering::SeqCst),
        LATE.load(Ordering::SeqCst),
        RACED.load(Ordering::SeqCst)
    );
}

fn static_answers(t: usize, round: usize) {
    let version = unsafe { CStr::from_ptr(pcm_version()) };
    assert_eq!(version.to_str(), Ok(env!("CARGO_PKG_VERSION")));
    assert_eq!(pcm_abi_version(), pchat_migrate::ABI_VERSION);
    let names = [
        "PCM_STATUS_JOB_RUNNING",
        "PCM_STATUS_JOB_FINISHED",
        "PCM_STATUS_CANCELLED",
    ];
    let k = (t + round) % names.len();
    let value = 7007 + i32::try_from(k).expect("small");
    let name = unsafe { CStr::from_ptr(pcm_status_name(value)) };
    assert_eq!(name.to_str(), Ok(names[k]));
}

/// Two validations whose answers name this thread's own values; the second answer goes to the next thread.
fn validate_is_answered_per_request(t: usize, round: usize, to_next: &mpsc::Sender<Handed>) {
    let port = 1000 + t * 100 + round;
    let probe = serde_json::json!({"operation": "validate", "params": {"operation": "probe",
        "params": {"dbInstance": format!("127.0.0.1,{port}"), "user": "sa", "password": "x"}}});
    let answer = call(&probe.to_string());
    let data = answer.assert_ok("validate probe");
    assert_eq!(data["operation"], "probe");
    let instance = data["dbInstance"].as_str().unwrap_or_default();
    assert!(
        instance.contains(&port.to_string()),
        "thread {t} got {instance}"
    );
    let file = format!("package-{t}-{round}.zip");
    let import = serde_json::json!({"operation": "validate", "params": {"operation": "import",
        "params": {"connection": {"dbInstance": "127.0.0.1,1", "user": "sa", "password": "x"}, "fileName": file}}});
    let text = c_text(import.to_string().as_bytes());
    let mut out: *mut c_char = std::ptr::null_mut();
    assert_eq!(unsafe { pcm_call(text.as_ptr(), &mut out) }, 0);
    to_next
        .send(Handed(out as usize, file))
        .expect("the next thread listens");
}

/// Checks a string another thread was answered, and frees it here.
fn free_handed(Handed(pointer, file): Handed) {
    let response = take(pointer as *mut c_char);
    assert_eq!(response["ok"], true, "{response}");
    assert_eq!(response["data"]["fileName"], file.as_str(), "{response}");
}

fn legacy_plan_is_answered_per_request(t: usize, round: usize) {
    let fqdn = format!("pool-{t}-{round}.contoso.com");
    let facts = c_text(legacy_facts(&fqdn).as_bytes());
    let answer = call_with(pcm_legacy_clients_plan, facts.as_ptr());
    assert_eq!(answer.assert_ok("legacy plan")["status"], "ready");
    let text = answer.response.to_string();
    assert!(text.contains(&fqdn), "thread {t} round {round}: {text}");
    let others = (0..THREADS)
        .filter(|o| *o != t)
        .map(|o| format!("pool-{o}-{round}.contoso.com"));
    for other in others {
        assert!(
            !text.contains(&other),
            "thread {t} was answered another request: {other}"
        );
    }
}

/// An inspection polled to its end: one end report, the right package's figures. Returns the handle.
fn inspect_round(packages: &[PathBuf], t: usize, round: usize) -> usize {
    let k = (t + round) % packages.len();
    let (answer, job) = start(&inspect_request(&packages[k]));
    answer.assert_ok("inspect start");
    let drained = drain(job, Duration::from_secs(120));
    let ends: Vec<_> = drained.states.iter().filter(|s| *s != "running").collect();
    assert_eq!(ends, ["succeeded"], "thread {t}: one poll reports the end");
    assert!(!drained.events.is_empty(), "thread {t}: progress events");
    assert_inspected(
        &format!("thread {t} round {round}"),
        &result(job),
        &packages[k],
        k + 1,
    );
    pcm_job_free(job);
    job as usize
}

/// An inspection cancelled at once. A cancel that found it running ends it cancelled, or, when the inspection
/// had already done its work, succeeded with the right figures; the end reported by the poll agrees with
/// the result.
static CANCELLED: AtomicUsize = AtomicUsize::new(0);
static LATE: AtomicUsize = AtomicUsize::new(0);
static RACED: AtomicUsize = AtomicUsize::new(0);

fn cancel_round(packages: &[PathBuf], t: usize, round: usize) -> usize {
    let k = (t + round + 1) % packages.len();
    let (answer, job) = start(&inspect_request(&packages[k]));
    answer.assert_ok("inspect start");
    let cancelled = pcm_job_cancel(job);
    let drained = drain(job, Duration::from_secs(120));
    let end = result(job);
    let last = drained.states.last().map(String::as_str);
    if end.status == 0 {
        assert_eq!(last, Some("succeeded"));
        assert_inspected("inspect after a late cancel", &end, &packages[k], k + 1);
        LATE.fetch_add(1, Ordering::SeqCst);
        RACED.fetch_add(usize::from(cancelled == 0), Ordering::SeqCst);
    } else {
        assert_eq!(
            cancelled, 0,
            "thread {t}: only a cancel that found it running cancels"
        );
        assert_eq!(last, Some("cancelled"));
        end.assert_error("cancelled", PCM_STATUS_CANCELLED, "cancelled");
        CANCELLED.fetch_add(1, Ordering::SeqCst);
    }
    assert!(
        cancelled == 0 || cancelled == status(PCM_STATUS_JOB_FINISHED),
        "{cancelled}"
    );
    pcm_job_free(job);
    job as usize
}

/// A panic forced in this thread's next call, while the other threads go on (the hook is per thread).
fn forced_panic_round() {
    test_hooks::panic_in_next_export();
    let answer = call(r#"{"operation":"version"}"#);
    answer.assert_error("forced panic", PCM_STATUS_PANIC, "internal_panic");
    call(r#"{"operation":"version"}"#).assert_ok("after the forced panic");
}

/// What one thread saw of the shared job.
#[derive(Default)]
struct Seen {
    end_reports: usize,
    statuses: BTreeSet<i32>,
}

#[test]
fn one_job_polled_cancelled_and_freed_from_eight_threads() {
    let (listener, job) = hanging_job();
    let job = job as usize;
    let ended = Arc::new(AtomicUsize::new(0));
    let freers = Arc::new(Barrier::new(2));
    let seen = on_threads(move |t| match t {
        0 => {
            std::thread::sleep(Duration::from_millis(300));
            assert_eq!(
                pcm_job_cancel(job as *mut pcm_job),
                0,
                "the first cancel finds it running"
            );
            // Still running, already ended, or already freed by threads 1 and 2 (a loaded machine lets the end
            // and the frees come between the two cancels; a freed handle is refused, never used).
            let again = pcm_job_cancel(job as *mut pcm_job);
            assert!(
                again == 0
                    || again == status(PCM_STATUS_JOB_FINISHED)
                    || again == status(PCM_STATUS_INVALID_HANDLE),
                "{again}"
            );
            Seen::default()
        }
        1 | 2 => {
            // Both free at once, once the end was reported.
            wait_for(&ended);
            freers.wait();
            pcm_job_free(job as *mut pcm_job);
            Seen::default()
        }
        _ => poll_shared(job as *mut pcm_job, &ended),
    });
    let end_reports: usize = seen.iter().map(|s| s.end_reports).sum();
    assert_eq!(
        end_reports, 1,
        "exactly one poll, of all threads', reports the end"
    );
    let statuses: BTreeSet<i32> = seen
        .iter()
        .flat_map(|s| s.statuses.iter().copied())
        .collect();
    let allowed = BTreeSet::from([
        0,
        status(PCM_STATUS_JOB_FINISHED),
        status(PCM_STATUS_INVALID_HANDLE),
    ]);
    assert!(statuses.is_subset(&allowed), "{statuses:?}");
    drop(listener);
}

fn wait_for(ended: &AtomicUsize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while ended.load(Ordering::SeqCst) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the end was never reported"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Polls the shared job until its handle is freed, counting the polls that report the end.
fn poll_shared(job: *mut pcm_job, ended: &AtomicUsize) -> Seen {
    let mut seen = Seen::default();
    loop {
        let answer = poll(job, 20);
        seen.statuses.insert(answer.status);
        match answer.status {
            0 => {
                let state = answer.response["data"]["state"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                if state != "running" {
                    assert_eq!(state, "cancelled");
                    seen.end_reports += 1;
                    ended.fetch_add(1, Ordering::SeqCst);
                }
            }
            s if s == status(PCM_STATUS_INVALID_HANDLE) => return seen,
            _ => {
                let code = answer.response["error"]["code"]
                    .as_str()
                    .unwrap_or_default();
                assert_eq!(code, "job_finished", "{answer:?}");
            }
        }
        let taken = result(job).status;
        let allowed = [
            PCM_STATUS_JOB_RUNNING,
            PCM_STATUS_CANCELLED,
            PCM_STATUS_INVALID_HANDLE,
        ]
        .map(status);
        assert!(allowed.contains(&taken), "result answered {taken}");
    }
}

#[test]
fn freeing_a_running_job_wakes_the_threads_waiting_in_poll() {
    let (listener, job) = hanging_job();
    let job = job as usize;
    let waiting = Arc::new(Barrier::new(THREADS));
    let seen = on_threads(move |t| {
        waiting.wait();
        if t == 0 {
            // Let the others block in their endless polls, then free the running job under them.
            std::thread::sleep(Duration::from_millis(500));
            pcm_job_free(job as *mut pcm_job);
            return Seen::default();
        }
        let mut seen = Seen::default();
        loop {
            let answer = poll(job as *mut pcm_job, u32::MAX);
            seen.statuses.insert(answer.status);
            if answer.status != 0 {
                return seen;
            }
            if answer.response["data"]["state"] != "running" {
                assert_eq!(answer.response["data"]["state"], "cancelled");
                seen.end_reports += 1;
            }
        }
    });
    let end_reports: usize = seen.iter().map(|s| s.end_reports).sum();
    assert_eq!(
        end_reports, 1,
        "exactly one of the woken polls reports the end"
    );
    drop(listener);
}
