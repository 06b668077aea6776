//! Issue 11, "Reliability": the crash/resume sweep. From a seeded generator, the connection is cut (stand-in
//! fault injection, after a random number of requests or result rows) during the export and during the import,
//! and the CLI process is SIGKILLed at a random moment of `export` and of `import`; then the same run is made
//! again. Every re-run must end with a package that verifies in full and holds exactly the source's
//! messages, or a target that verify (legacy database against target) passes with every room's message count
//! equal to the source's and no admin lock left: 0 lost, 0 duplicated. The cut ranges are an uninterrupted run's
//! requests and rows (the stand-in counts them), the kill times an uninterrupted CLI run's duration, so most
//! points interrupt; those that came too late are counted as such.
//!
//! CI runs a few points per kind; `scripts/crash-sweep.sh` runs the full sweep (docs/crash-resume.md).
//! `PCHAT_SWEEP_SEED`, `PCHAT_SWEEP_POINTS` and `PCHAT_SWEEP_ONLY` (one point) steer it; a failing point is
//! named with the variables that reproduce it. Each test runs on its own stand-in, whatever
//! `PCHAT_TEST_SQLSERVER` says: the faults are the stand-in's.

#[path = "apply_support/mod.rs"]
mod apply_support;
mod common;
mod crash_support;
#[path = "common/unpacked.rs"]
mod unpacked;

use apply_support::scalar;
use crash_support::sweep::{FirstRun, PointOutcome, Rng, Sweep, SweepConfig};
use crash_support::{leftovers, remove_package, Fixture};
use sqlserver_standin::FaultHandle;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

/// How the stand-in cuts the connection.
#[derive(Debug, Clone, Copy)]
enum Cut {
    /// Drops the connection that sends the request after the first `n` (any session).
    Requests(u64),
    /// Drops the connection instead of sending the result row after the first `n`.
    Rows(u64),
}

impl Cut {
    fn arm(self, faults: &FaultHandle) {
        faults.clear();
        match self {
            Cut::Requests(n) => faults.drop_after_requests(n),
            Cut::Rows(n) => faults.drop_after_rows(n),
        }
    }

    fn describe(self) -> String {
        match self {
            Cut::Requests(n) => format!("cut after {n} requests"),
            Cut::Rows(n) => format!("cut after {n} rows"),
        }
    }
}

fn faults(fixture: &Fixture) -> FaultHandle {
    fixture.server.as_standin().expect("a stand-in").faults()
}

/// How many requests and result rows an uninterrupted run takes: a cut drawn below them falls inside it.
#[derive(Debug, Clone, Copy)]
struct Ranges {
    requests: u64,
    rows: u64,
    /// The import's requests before its chat writes began (0 for the export, whose history is most of it).
    chat_from: u64,
}

/// Counts what `run` (an uninterrupted run, which must succeed) sends and receives, with the stand-in's
/// counters: searching for the count by cutting runs would mislead, since a cut that falls on a new
/// connection's first exchanges is absorbed by the connect retry (the run then finishes).
/// `run` gives the stand-in's request count when the chat writes began, if it has one.
async fn measure<F>(what: &str, fixture: &Fixture, run: F) -> Ranges
where
    F: Future<Output = Result<Option<u64>, pchat_migrate::PcmError>>,
{
    let f = faults(fixture);
    f.clear();
    let (requests, rows) = (f.requests_seen(), f.rows_seen());
    let chat = match run.await {
        Ok(chat) => chat,
        Err(e) => panic!("{what}: the uninterrupted run failed: {e}"),
    };
    let ranges = Ranges {
        requests: f.requests_seen() - requests,
        rows: f.rows_seen() - rows,
        chat_from: chat.map_or(0, |at| at - requests),
    };
    println!(
        "SWEEP-CALIBRATION\t{what}\t{} requests (chat from {}), {} rows",
        ranges.requests, ranges.chat_from, ranges.rows
    );
    assert!(
        ranges.requests > 10 && ranges.rows > 10,
        "{what}: {ranges:?}"
    );
    ranges
}

/// The cut ranges of the export: requests and rows of an uninterrupted export.
async fn calibrate_export(fixture: &Arc<Fixture>) -> Ranges {
    let file = fixture.package_for("calibrate", 0);
    let run = async { fixture.export(&file).await.map(|_| None) };
    let ranges = measure("export", fixture, run).await;
    remove_package(&file);
    ranges
}

/// A cut drawn from the calibrated ranges: after `rows_percent` of points a row count, else a request count;
/// `chat_percent` of points a request of the chat writes (so the import's resume inside a room is swept, not
/// only its planning, whose per-principal lookups are most of its requests).
fn draw_cut(rng: &mut Rng, ranges: Ranges, rows_percent: u64, chat_percent: u64) -> Cut {
    let roll = rng.between(0, 99);
    if roll < rows_percent {
        Cut::Rows(rng.between(0, ranges.rows - 1))
    } else if roll < rows_percent + chat_percent {
        Cut::Requests(rng.between(ranges.chat_from, ranges.requests - 1))
    } else {
        Cut::Requests(rng.between(0, ranges.requests - 1))
    }
}

/// How a cut first run ended: interrupted with an error that reports the cut (never an internal error), the
/// note saying so through `interrupted(code)`, or finished before the cut fell.
fn after_cut<T>(
    first: Result<T, pchat_migrate::PcmError>,
    interrupted: impl FnOnce(&str) -> String,
) -> (FirstRun, String) {
    match first {
        Err(e) => {
            assert_ne!(
                e.code(),
                "internal_error",
                "the cut is reported as such: {e}"
            );
            (FirstRun::Interrupted, interrupted(&e.code().to_string()))
        }
        Ok(_) => (FirstRun::Finished, "finished".to_string()),
    }
}

/// Cuts the export, then exports again to the same file: the re-run resumes from the staging folder.
async fn export_cut_point(fixture: Arc<Fixture>, file: PathBuf, cut: Cut) -> PointOutcome {
    cut.arm(&faults(&fixture));
    let first = fixture.export(&file).await;
    faults(&fixture).clear();
    let left = leftovers(&file);
    let (first, note) = after_cut(first, |code| format!("[{code}], left {left}"));
    let mut reused = String::new();
    if first == FirstRun::Interrupted {
        let again = fixture.export(&file).await.expect("the re-run completes");
        reused = format!("; re-run reused {} rooms", again["reusedRooms"]);
    }
    assert_eq!(leftovers(&file), "nothing", "the finished export cleans up");
    let held = fixture.check_package(&file);
    remove_package(&file);
    PointOutcome {
        first,
        detail: format!("{note}{reused}; {held}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_cuts_during_the_export_resume_to_the_complete_package() {
    let config = SweepConfig::from_env();
    let fixture = Fixture::new("export-cut").await;
    let ranges = calibrate_export(&fixture).await;
    let sweep = Sweep::run("export-cut", config, |index, rng| {
        let cut = draw_cut(rng, ranges, 50, 0);
        let file = fixture.package_for("export-cut", index);
        (cut.describe(), export_cut_point(fixture.clone(), file, cut))
    })
    .await;
    sweep.finish();
}

/// The cut ranges of the import: requests and rows of an uninterrupted import into a fresh target.
async fn calibrate_import(fixture: &Arc<Fixture>) -> Ranges {
    let target = fixture.fresh_target().await;
    let run = async { Ok(fixture.import_marking_chat(&target).await?.1) };
    let ranges = measure("import", fixture, run).await;
    assert!(ranges.chat_from > 0, "the chat writes were seen to begin");
    ranges
}

/// Cuts the import into a fresh target, then imports again: the re-run resumes what the first one wrote.
async fn import_cut_point(fixture: Arc<Fixture>, cut: Cut) -> PointOutcome {
    let target = fixture.fresh_target().await;
    cut.arm(&faults(&fixture));
    let first = fixture.import(&target).await;
    faults(&fixture).clear();
    let chat = scalar(&fixture.server, &target, "SELECT COUNT(*) FROM dbo.tblChat").await;
    let (first, note) = after_cut(first, |code| format!("[{code}] with {chat} messages in"));
    fixture.import(&target).await.expect("the re-run completes");
    let held = fixture.check_target(&target).await;
    PointOutcome {
        first,
        detail: format!("{note}; {held}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_cuts_during_the_import_resume_to_a_verified_target() {
    let config = SweepConfig::from_env();
    let fixture = Fixture::new("import-cut").await;
    let ranges = calibrate_import(&fixture).await;
    let sweep = Sweep::run("import-cut", config, |_, rng| {
        let cut = draw_cut(rng, ranges, 25, 40);
        (cut.describe(), import_cut_point(fixture.clone(), cut))
    })
    .await;
    sweep.finish();
}

#[cfg(unix)]
mod kills {
    //! SIGKILL of the CLI at a random moment of its run, then the same command again.

    use super::*;
    use crash_support::cli::{self, CliRun, KillAt};
    use pchat_migrate::util::sibling_path;
    use std::time::Duration;

    /// How long an uninterrupted run takes, from the start of the process to its exit.
    #[derive(Debug, Clone, Copy)]
    struct Span(Duration);

    impl Span {
        fn of(run: &CliRun) -> Span {
            assert!(run.status.success(), "{}", run.output());
            println!(
                "SWEEP-CALIBRATION\t{:?}, {} stderr lines",
                run.elapsed, run.lines_at_kill
            );
            Span(run.elapsed)
        }

        /// A kill at a uniform time within the first 80 % of the run (the process start and the connect
        /// included): the runs after the calibration are often faster than it (warm caches), and a kill drawn
        /// near its end then falls after theirs.
        fn draw(self, rng: &mut Rng) -> KillAt {
            let whole = u64::try_from(self.0.as_micros() * 4 / 5).unwrap_or(u64::MAX);
            KillAt::After(Duration::from_micros(rng.between(0, whole)))
        }
    }

    fn describe(kill: KillAt) -> String {
        match kill {
            KillAt::Never => "no kill".to_string(),
            KillAt::After(delay) => format!("SIGKILL after {} ms", delay.as_millis()),
        }
    }

    /// Where the kill fell: the stderr lines so far and the last of them.
    fn phase(run: &CliRun) -> String {
        format!(
            "killed at stderr line {} ('{}')",
            run.lines_at_kill, run.phase
        )
    }

    /// How the killed run ended: killed (interrupted) or finished first (exit 0).
    fn first_run(run: &CliRun) -> FirstRun {
        if run.killed() {
            FirstRun::Interrupted
        } else {
            assert!(run.status.success(), "{}", run.output());
            FirstRun::Finished
        }
    }

    /// Kills `export`, then runs the same command again to completion. A kill that fell after the package was
    /// in place leaves a complete package, which the same command then refuses to replace (without --force).
    async fn export_kill_point(fixture: Arc<Fixture>, file: PathBuf, kill: KillAt) -> PointOutcome {
        let run = cli::run_async(cli::export_command(&fixture, &file), kill).await;
        let first = first_run(&run);
        let left = leftovers(&file);
        let note = if first == FirstRun::Finished {
            "finished".to_string()
        } else if file.exists() {
            // Killed after the rename: the package is complete; the same command refuses to replace it and
            // names a staging folder the killed run could not remove (deleted here, as the message says).
            let again = cli::run_async(cli::export_command(&fixture, &file), KillAt::Never).await;
            assert_eq!(again.status.code(), Some(2), "{}", again.output());
            assert!(
                again.stderr.contains("already exists"),
                "{}",
                again.output()
            );
            let staging = sibling_path(&file, ".staging");
            if staging.exists() {
                assert!(
                    again.stderr.contains("staging folder"),
                    "{}",
                    again.output()
                );
                std::fs::remove_dir_all(&staging).expect("the staging folder removed");
            }
            // A lock file a killed run left blocks nobody (docs/package-format.md); the next export replaces it.
            let _ = std::fs::remove_file(sibling_path(&file, ".lock"));
            format!(
                "{} after the package was in place (left {left}); the re-run refused to replace it",
                phase(&run)
            )
        } else {
            let again = cli::run_async(cli::export_command(&fixture, &file), KillAt::Never).await;
            assert!(again.status.success(), "the re-run: {}", again.output());
            format!("{}, left {left}; re-run completed", phase(&run))
        };
        assert_eq!(leftovers(&file), "nothing", "after the run that finished");
        let held = fixture.check_package(&file);
        remove_package(&file);
        PointOutcome {
            first,
            detail: format!("{note}; {held}"),
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn sigkill_of_the_cli_export_then_the_same_command_completes_the_package() {
        let config = SweepConfig::from_env();
        let fixture = Fixture::new("export-kill").await;
        let file = fixture.package_for("export-kill", 999);
        let whole = cli::run_async(cli::export_command(&fixture, &file), KillAt::Never).await;
        let span = Span::of(&whole);
        fixture.check_package(&file);
        remove_package(&file);
        let sweep = Sweep::run("export-kill", config, |index, rng| {
            let kill = span.draw(rng);
            let file = fixture.package_for("export-kill", index);
            (
                describe(kill),
                export_kill_point(fixture.clone(), file, kill),
            )
        })
        .await;
        sweep.finish();
    }

    /// Kills `import`, then runs the same command again: it takes over the admin lock the killed run left
    /// and resumes what it wrote.
    async fn import_kill_point(fixture: Arc<Fixture>, kill: KillAt) -> PointOutcome {
        let target = fixture.fresh_target().await;
        let run = cli::run_async(cli::import_command(&fixture, &target), kill).await;
        let first = first_run(&run);
        let count = |sql: &'static str| scalar(&fixture.server, &target, sql);
        let (chat, locks) = (
            count("SELECT COUNT(*) FROM dbo.tblChat").await,
            count("SELECT COUNT(*) FROM dbo.tblAdminLock").await,
        );
        let again = cli::run_async(cli::import_command(&fixture, &target), KillAt::Never).await;
        assert!(again.status.success(), "the re-run: {}", again.output());
        let held = fixture.check_target(&target).await;
        let note = match first {
            FirstRun::Finished => "finished".to_string(),
            FirstRun::Interrupted => format!(
                "{} with {chat} messages in and {locks} admin lock row(s) left",
                phase(&run)
            ),
        };
        PointOutcome {
            first,
            detail: format!("{note}; re-run completed; {held}"),
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn sigkill_of_the_cli_import_then_the_same_command_completes_the_target() {
        let config = SweepConfig::from_env();
        let fixture = Fixture::new("import-kill").await;
        let target = fixture.fresh_target().await;
        let whole = cli::run_async(cli::import_command(&fixture, &target), KillAt::Never).await;
        let span = Span::of(&whole);
        fixture.check_target(&target).await;
        let sweep = Sweep::run("import-kill", config, |_, rng| {
            let kill = span.draw(rng);
            (describe(kill), import_kill_point(fixture.clone(), kill))
        })
        .await;
        sweep.finish();
    }
}
