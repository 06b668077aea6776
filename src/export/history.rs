//! The history phase: every room's messages into the staging folder (a bundle shared with other rooms, or a
//! fragment of its own for a big room), `throttle_limit` rooms at a time, each worker over its own (reused)
//! connection. Rows are read on the async workers; the JSON, deflate and SHA-256 run on a writer of the
//! worker's own on the blocking pool, fed in batches. A cancel stops the workers and waits for them, so every
//! half-written bundle and fragment is removed before the export returns.

use super::bundles::{self, BundleWriter, OpenArchives};
use super::fragments::{FragmentMeta, FragmentWriter, Reuse, RoomFingerprint, Staging};
use super::ExportPlan;
use crate::connection::{connect, ConnectionSettings};
use crate::error::PcmError;
use crate::jobs::{JobContext, JobEvent};
use crate::package::format::Message;
use crate::schema::Catalog;
use crate::source::{stream_room, RoomSlice};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

const ACTIVITY: &str = super::ACTIVITY;

/// Messages handed to a worker's blocking writer at once.
const BATCH: usize = 256;
/// Commands queued per worker before the reader waits for the writer (bounds memory per worker).
const QUEUED_BATCHES: usize = 8;

/// A room whose history one worker exports.
#[derive(Debug, Clone)]
pub struct RoomTask {
    pub room_id: i32,
    pub label: String,
    pub fingerprint: RoomFingerprint,
}

/// Shared progress counters.
#[derive(Default)]
struct Counters {
    messages: AtomicU64,
    bytes: AtomicU64,
}

/// What a worker's reader sends its writer.
enum Command {
    /// A room starts; its messages follow, then [`Command::EndRoom`].
    BeginRoom {
        room_id: i32,
        fingerprint: RoomFingerprint,
    },
    Messages(Vec<Message>),
    EndRoom,
    /// Every room was read: the open bundle may be finished. Without it (the reader failed or was dropped), the
    /// writer removes what it had not finished instead.
    Done,
}

/// Everything a worker needs, shared by all workers.
struct WorkerShared {
    settings: ConnectionSettings,
    catalog: Catalog,
    staging: Staging,
    poster_uris: HashMap<i32, String>,
    queue: Mutex<VecDeque<RoomTask>>,
    counters: Counters,
    ctx: JobContext,
}

/// Splits the tasks into rooms whose earlier fragment is reused and rooms to export.
fn partition(
    tasks: Vec<RoomTask>,
    staging: &Staging,
    ctx: &JobContext,
) -> (BTreeMap<i32, (FragmentMeta, bool)>, VecDeque<RoomTask>) {
    let mut done = BTreeMap::new();
    let mut queue = VecDeque::new();
    let mut bundled = staging.bundled_rooms(|why| ctx.verbose(why));
    let mut archives = OpenArchives::default();
    for task in tasks {
        match staging.reusable(task.room_id, &task.fingerprint, &mut bundled, &mut archives) {
            Reuse::Reused(meta) => {
                ctx.verbose(format!(
                    "{}: reusing the history exported by an earlier run",
                    task.label
                ));
                done.insert(task.room_id, (*meta, true));
            }
            Reuse::Discarded(reason) => {
                ctx.verbose(format!(
                    "{}: not reusing the earlier run's history: {reason}",
                    task.label
                ));
                queue.push_back(task);
            }
            Reuse::Absent => queue.push_back(task),
        }
    }
    (done, queue)
}

/// Exports every room's history into the staging folder. Returns the fragments by room id, with whether each
/// was reused.
#[allow(clippy::too_many_arguments)]
pub async fn export_history(
    settings: &ConnectionSettings,
    catalog: &Catalog,
    plan: &ExportPlan,
    poster_uris: HashMap<i32, String>,
    tasks: Vec<RoomTask>,
    expected_messages: u64,
    staging: &Staging,
    ctx: &JobContext,
) -> Result<BTreeMap<i32, (FragmentMeta, bool)>, PcmError> {
    let total_rooms = tasks.len() as u64;
    let (mut done, queue) = {
        let staging = staging.clone();
        let ctx_inner = ctx.clone();
        ctx.spawn_blocking(move || Ok(partition(tasks, &staging, &ctx_inner)))
            .await?
    };
    if queue.is_empty() {
        return Ok(done);
    }
    let worker_count = plan.throttle_limit.min(queue.len()).max(1);
    let shared = Arc::new(WorkerShared {
        settings: settings.clone(),
        catalog: catalog.clone(),
        staging: staging.clone(),
        poster_uris,
        queue: Mutex::new(queue),
        counters: Counters::default(),
        ctx: ctx.clone(),
    });
    let (sender, mut receiver) = mpsc::unbounded_channel::<(i32, FragmentMeta)>();
    let mut workers = JoinSet::new();
    for _ in 0..worker_count {
        let shared = shared.clone();
        let sender = sender.clone();
        let cancel = ctx.cancellation();
        workers.spawn(async move {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => Err(PcmError::Cancelled),
                outcome = worker(&shared, sender) => outcome,
            }
        });
    }
    drop(sender);
    let reused = done.len() as u64;
    let outcome = collect(
        &mut workers,
        &mut receiver,
        &mut done,
        &shared,
        expected_messages,
        total_rooms,
    )
    .await;
    // Stop whatever still runs and wait for it, so no worker touches the staging folder after we return.
    workers.shutdown().await;
    outcome?;
    if done.len() as u64 != total_rooms {
        return Err(PcmError::Internal(format!(
            "{} of {total_rooms} rooms were exported ({reused} reused)",
            done.len()
        )));
    }
    Ok(done)
}

/// Receives finished rooms and reports progress until every worker has stopped; the first error (or a cancel)
/// ends it.
async fn collect(
    workers: &mut JoinSet<Result<(), PcmError>>,
    receiver: &mut mpsc::UnboundedReceiver<(i32, FragmentMeta)>,
    done: &mut BTreeMap<i32, (FragmentMeta, bool)>,
    shared: &WorkerShared,
    expected_messages: u64,
    total_rooms: u64,
) -> Result<(), PcmError> {
    let ctx = &shared.ctx;
    let cancel = ctx.cancellation();
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let mut receiving = true;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return Err(PcmError::Cancelled),
            received = receiver.recv(), if receiving => match received {
                Some((room_id, meta)) => { done.insert(room_id, (meta, false)); }
                None => receiving = false,
            },
            joined = workers.join_next() => match joined {
                None => {
                    // Every worker stopped; take what they sent last.
                    while let Ok((room_id, meta)) = receiver.try_recv() {
                        done.insert(room_id, (meta, false));
                    }
                    return Ok(());
                }
                Some(Ok(Ok(()))) => {}
                Some(Ok(Err(e))) => return Err(e),
                Some(Err(e)) => return Err(PcmError::Internal(format!("an export worker stopped: {e}"))),
            },
            _ = tick.tick() => {
                ctx.progress_event(progress(&shared.counters, started, done.len() as u64, total_rooms, expected_messages));
            }
        }
    }
}

fn progress(
    counters: &Counters,
    started: Instant,
    rooms_done: u64,
    total_rooms: u64,
    expected_messages: u64,
) -> JobEvent {
    let messages = counters.messages.load(Ordering::Relaxed);
    let bytes = counters.bytes.load(Ordering::Relaxed);
    let secs = started.elapsed().as_secs_f64().max(0.001);
    let rate = messages as f64 / secs;
    let remaining = expected_messages.saturating_sub(messages);
    JobEvent::Progress {
        activity: ACTIVITY.to_string(),
        status: format!(
            "{rooms_done} of {total_rooms} rooms, {messages} messages ({:.1} MB), {rate:.0} messages/s",
            bytes as f64 / 1_048_576.0
        ),
        percent: (expected_messages > 0)
            .then(|| (messages as f64 * 100.0 / expected_messages as f64).min(100.0)),
        current: Some(rooms_done),
        total: Some(total_rooms),
        seconds_remaining: (rate > 0.0 && messages > 0).then(|| (remaining as f64 / rate) as u64),
    }
}

/// One worker: takes rooms off the queue until it is empty and reads each over its own connection, while a
/// writer of its own (on the blocking pool) streams them into the staging folder: rooms up to
/// [`bundles::BUNDLED_ROOM_MESSAGES`] into the worker's bundle, bigger ones into a fragment each. Reading and
/// writing overlap across rooms, so the reader waits only when the writer is [`QUEUED_BATCHES`] behind.
async fn worker(
    shared: &Arc<WorkerShared>,
    sender: mpsc::UnboundedSender<(i32, FragmentMeta)>,
) -> Result<(), PcmError> {
    let mut connection = connect(&shared.settings, None).await?;
    let (commands, inbox) = sync_channel::<Command>(QUEUED_BATCHES);
    let for_writer = shared.clone();
    // Started now, before the first row.
    let writing = shared
        .ctx
        .start_blocking(move || RoomWriter::new(&for_writer, sender).run(inbox));
    let reading = async {
        loop {
            let next = shared.queue.lock().ok().and_then(|mut q| q.pop_front());
            let Some(task) = next else { break };
            read_room(shared, &mut connection.client, &task, &commands).await?;
        }
        hand_over(&commands, Command::Done)?;
        drop(commands);
        Ok::<(), PcmError>(())
    };
    // When the reading fails its sender is dropped and the writer removes what it had not finished. A writer's
    // own failure (a full disk) is the cause to report, not the reader's "writer stopped".
    match tokio::join!(reading, writing) {
        (_, Err(e)) if !matches!(e, PcmError::Cancelled) => Err(e),
        (Err(e), _) => Err(e),
        (Ok(()), written) => written,
    }
}

/// Reads one room and hands it to the writer: its start, its messages in batches of [`BATCH`], its end.
async fn read_room(
    shared: &Arc<WorkerShared>,
    client: &mut crate::connection::SqlClient,
    task: &RoomTask,
    commands: &SyncSender<Command>,
) -> Result<(), PcmError> {
    hand_over(
        commands,
        Command::BeginRoom {
            room_id: task.room_id,
            fingerprint: task.fingerprint,
        },
    )?;
    let mut batch = Vec::with_capacity(BATCH);
    stream_task(shared, client, task, |message| {
        batch.push(message);
        if batch.len() >= BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            hand_over(commands, Command::Messages(full))?;
        }
        Ok(())
    })
    .await?;
    if !batch.is_empty() {
        hand_over(commands, Command::Messages(batch))?;
    }
    hand_over(commands, Command::EndRoom)
}

/// Streams a room's messages up to its snapshot bound (none for a room that had none), counting each.
async fn stream_task(
    shared: &Arc<WorkerShared>,
    client: &mut crate::connection::SqlClient,
    task: &RoomTask,
    mut each: impl FnMut(Message) -> Result<(), PcmError>,
) -> Result<(), PcmError> {
    let Some(bound) = task.fingerprint.chat_id_bound else {
        return Ok(());
    };
    let slice = RoomSlice {
        room_id: task.room_id,
        label: &task.label,
        bound,
        start_ticks: task.fingerprint.start_ticks,
    };
    stream_room(
        client,
        &shared.catalog,
        &slice,
        &shared.poster_uris,
        |message| {
            shared.counters.messages.fetch_add(1, Ordering::Relaxed);
            each(message)
        },
    )
    .await
}

/// Gives the writer a command; waits (off the async scheduler) only when it is `QUEUED_BATCHES` behind.
fn hand_over(commands: &SyncSender<Command>, command: Command) -> Result<(), PcmError> {
    let stopped = || PcmError::Internal("the history writer stopped".to_string());
    match commands.try_send(command) {
        Ok(()) => Ok(()),
        Err(TrySendError::Full(command)) => {
            tokio::task::block_in_place(|| commands.send(command)).map_err(|_| stopped())
        }
        Err(TrySendError::Disconnected(_)) => Err(stopped()),
    }
}

/// Where the writer puts the room it is writing.
enum OpenRoom {
    /// In the worker's bundle (the bundle holds its lines).
    Bundled,
    Fragment(Box<FragmentWriter>),
}

/// A worker's writer: every room the reader sends, into the bundle or a fragment of its own; each finished room's
/// record goes to the collector as soon as it is in place.
struct RoomWriter<'a> {
    shared: &'a WorkerShared,
    sender: mpsc::UnboundedSender<(i32, FragmentMeta)>,
    bundle: Option<BundleWriter>,
    room: Option<OpenRoom>,
}

impl<'a> RoomWriter<'a> {
    fn new(shared: &'a WorkerShared, sender: mpsc::UnboundedSender<(i32, FragmentMeta)>) -> Self {
        RoomWriter {
            shared,
            sender,
            bundle: None,
            room: None,
        }
    }

    /// Writes until [`Command::Done`]; without it (the reader failed or was dropped), whatever is unfinished is
    /// dropped, which removes its temporary file.
    fn run(mut self, inbox: Receiver<Command>) -> Result<(), PcmError> {
        loop {
            match inbox.recv() {
                Ok(Command::BeginRoom {
                    room_id,
                    fingerprint,
                }) => self.begin_room(room_id, fingerprint)?,
                Ok(Command::Messages(messages)) => self.write(&messages)?,
                Ok(Command::EndRoom) => self.end_room()?,
                Ok(Command::Done) => return self.finish_bundle(),
                Err(_) => return Err(PcmError::Cancelled),
            }
        }
    }

    fn begin_room(&mut self, room_id: i32, fingerprint: RoomFingerprint) -> Result<(), PcmError> {
        let staging = &self.shared.staging;
        if bundles::is_bundled(&fingerprint) {
            let bundle = match self.bundle.take() {
                Some(bundle) => bundle,
                None => BundleWriter::create(staging)?,
            };
            let bundle = self.bundle.insert(bundle);
            bundle.begin_room(staging, room_id, fingerprint)?;
            self.room = Some(OpenRoom::Bundled);
        } else {
            // The open bundle is finished first, so a big room never holds it open for long.
            self.finish_bundle()?;
            self.room = Some(OpenRoom::Fragment(Box::new(
                staging.begin(room_id, fingerprint)?,
            )));
        }
        Ok(())
    }

    fn write(&mut self, messages: &[Message]) -> Result<(), PcmError> {
        let bytes = &self.shared.counters.bytes;
        match (&mut self.room, &mut self.bundle) {
            (Some(OpenRoom::Fragment(fragment)), _) => {
                for message in messages {
                    bytes.fetch_add(fragment.write(message)?, Ordering::Relaxed);
                }
            }
            (Some(OpenRoom::Bundled), Some(bundle)) => {
                for message in messages {
                    bytes.fetch_add(bundle.write(message)?, Ordering::Relaxed);
                }
            }
            _ => {
                return Err(PcmError::Internal(
                    "messages came for no open room".to_string(),
                ))
            }
        }
        Ok(())
    }

    fn end_room(&mut self) -> Result<(), PcmError> {
        match self.room.take() {
            Some(OpenRoom::Fragment(fragment)) => {
                let meta = fragment.finish()?;
                self.send(vec![meta]);
                Ok(())
            }
            Some(OpenRoom::Bundled) => {
                let bundle = self.bundle.as_mut().ok_or_else(|| {
                    PcmError::Internal("a bundled room ended with no bundle".to_string())
                })?;
                bundle.end_room()?;
                if bundle.is_due() {
                    self.finish_bundle()?;
                }
                Ok(())
            }
            None => Err(PcmError::Internal(
                "a room ended that was not begun".to_string(),
            )),
        }
    }

    /// Finishes the open bundle, if any, and sends its rooms.
    fn finish_bundle(&mut self) -> Result<(), PcmError> {
        if let Some(bundle) = self.bundle.take() {
            let metas = bundle.finish()?;
            self.send(metas);
        }
        Ok(())
    }

    /// Sends finished rooms to the collector (gone only when the export already stopped).
    fn send(&self, metas: Vec<FragmentMeta>) {
        for meta in metas {
            if self.sender.send((meta.room_id, meta)).is_err() {
                break;
            }
        }
    }
}
