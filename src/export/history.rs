//! The history phase: every room's messages into its own fragment in the staging folder, `throttle_limit`
//! rooms at a time, each worker over its own (reused) connection. Rows are read on the async workers; the
//! JSON, deflate, SHA-256 and fsync of each fragment run on the blocking pool, fed in batches. A cancel stops
//! the workers and waits for them, so every half-written fragment is removed before the export returns.

use super::bundles::{self, BundleWriter, OpenArchives};
use super::fragments::{FragmentMeta, FragmentWriter, Reuse, RoomFingerprint, Staging};
use super::ExportPlan;
use crate::connection::{connect, ConnectionSettings};
use crate::error::PcmError;
use crate::jobs::{JobContext, JobEvent};
use crate::package::format::Message;
use crate::schema::Catalog;
use crate::source::{stream_room, RoomSlice, SourceEntities};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

const ACTIVITY: &str = super::ACTIVITY;

/// Messages handed to a fragment's blocking writer at once.
const BATCH: usize = 256;
/// Batches queued per room before the reader waits for the writer (bounds memory per worker).
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

/// What the reader sends the fragment writer.
enum Batch {
    Messages(Vec<Message>),
    /// Every message was read: the fragment may be finished. Without it (the reader failed or was dropped),
    /// the writer removes the fragment instead.
    End,
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
    source: &SourceEntities,
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
        poster_uris: source
            .entities
            .principals
            .iter()
            .map(|p| (p.id, p.uri.clone()))
            .collect(),
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

/// One worker: takes rooms off the queue until it is empty; small rooms go to the worker's bundle, big ones
/// to a fragment of their own (the open bundle is finished first, so it is never held open for long).
async fn worker(
    shared: &Arc<WorkerShared>,
    sender: mpsc::UnboundedSender<(i32, FragmentMeta)>,
) -> Result<(), PcmError> {
    let mut connection = connect(&shared.settings, None).await?;
    let mut bundle = OpenBundle::default();
    loop {
        let next = shared.queue.lock().ok().and_then(|mut q| q.pop_front());
        let Some(task) = next else { break };
        let finished = if bundles::is_small(&task.fingerprint) {
            let messages = read_small_room(shared, &mut connection.client, &task).await?;
            bundle.add(shared, &task, messages).await?
        } else {
            let mut finished = bundle.finish(shared).await?;
            finished.push(export_room(shared, &mut connection.client, &task).await?);
            finished
        };
        if finished
            .into_iter()
            .any(|meta| sender.send((meta.room_id, meta)).is_err())
        {
            return Ok(());
        }
    }
    for meta in bundle.finish(shared).await? {
        if sender.send((meta.room_id, meta)).is_err() {
            break;
        }
    }
    Ok(())
}

/// A worker's bundle between two small rooms (written on the blocking pool; see [`bundles`]).
#[derive(Default)]
struct OpenBundle {
    writer: Option<BundleWriter>,
}

impl OpenBundle {
    /// Adds a small room; returns the rooms of the bundle if that finished it.
    async fn add(
        &mut self,
        shared: &Arc<WorkerShared>,
        task: &RoomTask,
        messages: Vec<Message>,
    ) -> Result<Vec<FragmentMeta>, PcmError> {
        let open = self.writer.take();
        let for_writer = shared.clone();
        let (room_id, fingerprint) = (task.room_id, task.fingerprint);
        let (still_open, finished) = shared
            .ctx
            .spawn_blocking(move || {
                let staging = &for_writer.staging;
                let mut writer = match open {
                    Some(writer) => writer,
                    None => BundleWriter::create(staging)?,
                };
                let bytes = writer.add_room(staging, room_id, fingerprint, &messages)?;
                for_writer
                    .counters
                    .bytes
                    .fetch_add(bytes, Ordering::Relaxed);
                if writer.is_due() {
                    Ok((None, writer.finish()?))
                } else {
                    Ok((Some(writer), Vec::new()))
                }
            })
            .await?;
        self.writer = still_open;
        Ok(finished)
    }

    /// Finishes the open bundle, if any; returns its rooms.
    async fn finish(&mut self, shared: &Arc<WorkerShared>) -> Result<Vec<FragmentMeta>, PcmError> {
        match self.writer.take() {
            Some(writer) => shared.ctx.spawn_blocking(move || writer.finish()).await,
            None => Ok(Vec::new()),
        }
    }
}

/// A small room's whole history (at most [`bundles::SMALL_ROOM_MESSAGES`] at snapshot time, the snapshot bound
/// keeping later posts out).
async fn read_small_room(
    shared: &Arc<WorkerShared>,
    client: &mut crate::connection::SqlClient,
    task: &RoomTask,
) -> Result<Vec<Message>, PcmError> {
    let mut messages = Vec::new();
    stream_task(shared, client, task, |message| {
        messages.push(message);
        Ok(())
    })
    .await?;
    Ok(messages)
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

/// Streams one room into its fragment: rows are read here, written by a blocking closure fed in batches.
async fn export_room(
    shared: &Arc<WorkerShared>,
    client: &mut crate::connection::SqlClient,
    task: &RoomTask,
) -> Result<FragmentMeta, PcmError> {
    let ctx = &shared.ctx;
    let (batches, inbox) = sync_channel::<Batch>(QUEUED_BATCHES);
    let for_writer = shared.clone();
    let (room_id, fingerprint) = (task.room_id, task.fingerprint);
    // Started now, before the first row: the reader waits for the writer once `QUEUED_BATCHES` are queued.
    let writing = ctx.start_blocking(move || {
        let fragment = for_writer.staging.begin(room_id, fingerprint)?;
        write_fragment(fragment, inbox, &for_writer.counters.bytes)
    });
    let reading = async {
        let mut batch = Vec::with_capacity(BATCH);
        stream_task(shared, client, task, |message| {
            batch.push(message);
            if batch.len() >= BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                hand_over(&batches, Batch::Messages(full))?;
            }
            Ok(())
        })
        .await?;
        if !batch.is_empty() {
            hand_over(&batches, Batch::Messages(batch))?;
        }
        hand_over(&batches, Batch::End)?;
        drop(batches);
        Ok::<(), PcmError>(())
    };
    // Read and write at once; when the reading fails its sender is dropped and the writer removes the fragment.
    // A writer's own failure (a full disk) is the cause to report, not the reader's "writer stopped".
    match tokio::join!(reading, writing) {
        (_, Err(e)) if !matches!(e, PcmError::Cancelled) => Err(e),
        (Err(e), _) => Err(e),
        (Ok(()), written) => written,
    }
}

/// Gives the writer a batch; waits (off the async scheduler) only when it is `QUEUED_BATCHES` behind.
fn hand_over(batches: &SyncSender<Batch>, batch: Batch) -> Result<(), PcmError> {
    let stopped = || PcmError::Internal("the fragment writer stopped".to_string());
    match batches.try_send(batch) {
        Ok(()) => Ok(()),
        Err(TrySendError::Full(batch)) => {
            tokio::task::block_in_place(|| batches.send(batch)).map_err(|_| stopped())
        }
        Err(TrySendError::Disconnected(_)) => Err(stopped()),
    }
}

/// The blocking side: writes every batch, finishes (fsync, rename, record) only after [`Batch::End`].
fn write_fragment(
    mut fragment: FragmentWriter,
    inbox: Receiver<Batch>,
    bytes: &AtomicU64,
) -> Result<FragmentMeta, PcmError> {
    loop {
        match inbox.recv() {
            Ok(Batch::Messages(messages)) => {
                for message in &messages {
                    bytes.fetch_add(fragment.write(message)?, Ordering::Relaxed);
                }
            }
            Ok(Batch::End) => return fragment.finish(),
            // The reader failed or was cancelled: dropping the writer removes the unfinished fragment.
            Err(_) => return Err(PcmError::Cancelled),
        }
    }
}
