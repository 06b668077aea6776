//! The sweep's bookkeeping: its configuration from the environment, a seeded generator, one record per point
//! (what was done, whether the first run was really interrupted, whether the re-run passed the checks), and the
//! summary line `scripts/crash-sweep.sh` turns into its table. A point that panics is a failure that names the
//! seed and point that reproduce it; the other points still run.

use serde_json::json;
use std::future::Future;
use std::io::Write;
use std::time::{Duration, Instant};

/// The default seed: a CI run always sweeps the same points.
pub const DEFAULT_SEED: u64 = 2011;
/// Points per kind in CI (the full sweep asks for more through `PCHAT_SWEEP_POINTS`).
pub const DEFAULT_POINTS: u64 = 3;

/// `PCHAT_SWEEP_SEED`, `PCHAT_SWEEP_POINTS`, and `PCHAT_SWEEP_ONLY` (one point's index, to reproduce it).
#[derive(Debug, Clone, Copy)]
pub struct SweepConfig {
    pub seed: u64,
    pub points: u64,
    pub only: Option<u64>,
}

fn env_u64(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(
        text.parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a whole number")),
    )
}

impl SweepConfig {
    pub fn from_env() -> SweepConfig {
        SweepConfig {
            seed: env_u64("PCHAT_SWEEP_SEED").unwrap_or(DEFAULT_SEED),
            points: env_u64("PCHAT_SWEEP_POINTS").unwrap_or(DEFAULT_POINTS),
            only: env_u64("PCHAT_SWEEP_ONLY"),
        }
    }

    /// The indexes this run sweeps.
    fn indexes(&self) -> Vec<u64> {
        match self.only {
            Some(i) => vec![i],
            None => (0..self.points).collect(),
        }
    }
}

/// SplitMix64: tiny, seedable, and the same everywhere (no dependency for a test's dice).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator of point `index` of `kind`: each point reproducible on its own.
    pub fn for_point(seed: u64, kind: &str, index: u64) -> Rng {
        let kind_hash = kind.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let mut rng = Rng(seed ^ kind_hash ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        rng.next();
        rng
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        assert!(low <= high, "empty range {low}..={high}");
        low + self.next() % (high - low + 1)
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// How the first (faulted) run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstRun {
    /// The fault stopped it: the re-run had to resume.
    Interrupted,
    /// It finished before the fault fell (the fault came too late); the re-run still ran and was checked.
    Finished,
}

/// What a point that passed reports: how its first run ended and a line on what the re-run found.
pub struct PointOutcome {
    pub first: FirstRun,
    pub detail: String,
}

/// The points of one kind, as they ran.
pub struct Sweep {
    kind: &'static str,
    config: SweepConfig,
    started: Instant,
    interrupted: u64,
    finished_first: u64,
    passed: u64,
    failures: Vec<String>,
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<String>() {
        return s.clone();
    }
    if let Some(s) = payload.downcast_ref::<&str>() {
        return (*s).to_string();
    }
    "a panic without a message".to_string()
}

impl Sweep {
    /// Runs every point of `kind`: `plan` draws the point's fault from its generator and describes it (so a
    /// failing point is named even if it panics), then the returned future runs it on its own task.
    pub async fn run<P, F>(kind: &'static str, config: SweepConfig, mut plan: P) -> Sweep
    where
        P: FnMut(u64, &mut Rng) -> (String, F),
        F: Future<Output = PointOutcome> + Send + 'static,
    {
        let mut sweep = Sweep {
            kind,
            config,
            started: Instant::now(),
            interrupted: 0,
            finished_first: 0,
            passed: 0,
            failures: Vec::new(),
        };
        for index in config.indexes() {
            let mut rng = Rng::for_point(config.seed, kind, index);
            let (fault, point) = plan(index, &mut rng);
            let began = Instant::now();
            let outcome = tokio::spawn(point).await;
            sweep.record(index, &fault, began.elapsed(), outcome);
        }
        sweep
    }

    fn record(
        &mut self,
        index: u64,
        fault: &str,
        took: Duration,
        outcome: Result<PointOutcome, tokio::task::JoinError>,
    ) {
        let name = format!(
            "{} point {index} (PCHAT_SWEEP_SEED={} PCHAT_SWEEP_ONLY={index}): {fault}",
            self.kind, self.config.seed
        );
        let (first, status, detail) = match outcome {
            Ok(o) => {
                self.passed += 1;
                (Some(o.first), "ok", o.detail)
            }
            Err(e) => {
                let why = if e.is_panic() {
                    panic_text(e.into_panic())
                } else {
                    e.to_string()
                };
                self.failures.push(format!("{name}\n    {why}"));
                (None, "FAILED", why)
            }
        };
        match first {
            Some(FirstRun::Interrupted) => self.interrupted += 1,
            Some(FirstRun::Finished) => self.finished_first += 1,
            None => {}
        }
        let first = match first {
            Some(FirstRun::Interrupted) => "interrupted",
            Some(FirstRun::Finished) => "finished-first",
            None => "?",
        };
        println!(
            "SWEEP-POINT\t{}\t{index}\t{fault}\t{first}\t{status}\t{} ms\t{detail}",
            self.kind,
            took.as_millis()
        );
        self.append_results(json!({
            "kind": self.kind, "seed": self.config.seed, "point": index, "fault": fault,
            "firstRun": first, "status": status, "ms": took.as_millis() as u64, "detail": detail,
        }));
    }

    /// Appends one JSON line to `$PCHAT_SWEEP_RESULTS/<kind>.jsonl` when the variable names a folder.
    fn append_results(&self, line: serde_json::Value) {
        let Ok(dir) = std::env::var("PCHAT_SWEEP_RESULTS") else {
            return;
        };
        let path = std::path::Path::new(&dir).join(format!("{}.jsonl", self.kind));
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        writeln!(file, "{line}").expect("results line written");
    }

    /// Prints the summary line, then fails the test naming every failing point. Most points must have
    /// interrupted their first run: a sweep whose faults all came too late would prove nothing.
    pub fn finish(self) {
        let points = self.passed + self.failures.len() as u64;
        let summary = json!({
            "kind": self.kind, "seed": self.config.seed, "points": points,
            "interrupted": self.interrupted, "finishedFirst": self.finished_first,
            "resumedOk": self.passed, "failures": self.failures.len(),
            "seconds": self.started.elapsed().as_secs_f64(),
        });
        // Tab-separated for scripts/crash-sweep.sh: kind, points, interrupted, finished first, resumed OK,
        // failures, seconds.
        println!(
            "SWEEP-SUMMARY\t{}\t{points}\t{}\t{}\t{}\t{}\t{:.1}",
            self.kind,
            self.interrupted,
            self.finished_first,
            self.passed,
            self.failures.len(),
            self.started.elapsed().as_secs_f64()
        );
        self.append_results(json!({ "summary": summary }));
        assert!(
            self.failures.is_empty(),
            "{} of {points} {} points failed:\n{}",
            self.failures.len(),
            self.kind,
            self.failures.join("\n")
        );
        assert!(
            self.config.only.is_some() || self.interrupted * 2 >= points,
            "{}: only {} of {points} points interrupted the first run (ranges too wide)",
            self.kind,
            self.interrupted
        );
    }
}
