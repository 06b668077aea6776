//! Progress of the import for the host: the stage, then rooms done of total, messages, MB, rate and ETA
//! while chat is written (the export's wording).

use crate::jobs::{JobContext, JobEvent};
use std::time::{Duration, Instant};

pub const ACTIVITY: &str = "Importing into Persistent Chat";
/// The status that starts the chat stage.
pub const CHAT_STAGE: &str = "Writing chat";

/// How often the chat stage reports.
const EVERY: Duration = Duration::from_millis(500);

pub fn stage(ctx: &JobContext, status: &str) {
    ctx.progress(ACTIVITY, status, None, None);
}

/// A stage announced to the host whose duration is reported (verbose) when the next one starts: where an
/// import's time went, for the administrator and the benchmark.
pub struct StageTimer<'a> {
    ctx: &'a JobContext,
    status: &'static str,
    started: Instant,
}

impl<'a> StageTimer<'a> {
    pub fn start(ctx: &'a JobContext, status: &'static str) -> StageTimer<'a> {
        stage(ctx, status);
        StageTimer {
            ctx,
            status,
            started: Instant::now(),
        }
    }

    /// Reports this stage's duration and starts the next.
    pub fn next(self, status: &'static str) -> StageTimer<'a> {
        let ctx = self.ctx;
        self.done();
        StageTimer::start(ctx, status)
    }

    pub fn done(self) {
        self.ctx.verbose(format!(
            "{}: done in {:.1} s",
            self.status,
            self.started.elapsed().as_secs_f64()
        ));
    }
}

/// Counters of the chat stage.
pub struct ChatProgress {
    started: Instant,
    last: Instant,
    rooms_total: u64,
    rooms_done: u64,
    expected: u64,
    messages: u64,
    bytes: u64,
}

impl ChatProgress {
    pub fn new(rooms_total: u64, expected: u64) -> ChatProgress {
        let now = Instant::now();
        ChatProgress {
            started: now,
            last: now,
            rooms_total,
            rooms_done: 0,
            expected,
            messages: 0,
            bytes: 0,
        }
    }

    pub fn add(&mut self, messages: u64, bytes: u64) {
        self.messages += messages;
        self.bytes += bytes;
    }

    pub fn room_done(&mut self) {
        self.rooms_done += 1;
    }

    /// Whether a report is due (and restarts the interval).
    pub fn due(&mut self) -> bool {
        let due = self.last.elapsed() >= EVERY;
        if due {
            self.last = Instant::now();
        }
        due
    }

    pub fn event(&self) -> JobEvent {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = self.messages as f64 / secs;
        let remaining = self.expected.saturating_sub(self.messages);
        JobEvent::Progress {
            activity: ACTIVITY.to_string(),
            status: format!(
                "Writing chat: {} of {} rooms, {} messages ({:.1} MB), {rate:.0} messages/s",
                self.rooms_done,
                self.rooms_total,
                self.messages,
                self.bytes as f64 / 1_048_576.0
            ),
            percent: (self.expected > 0)
                .then(|| (self.messages as f64 * 100.0 / self.expected as f64).min(100.0)),
            current: Some(self.messages),
            total: Some(self.expected),
            seconds_remaining: (rate > 0.0 && self.messages > 0)
                .then(|| (remaining as f64 / rate) as u64),
        }
    }
}
