//! Full mode: every compared room's history streamed from both sides and merge-compared by chatId, rooms in
//! parallel. `parallelism` workers each hold one target connection and one source (a package reader, or a
//! source connection) and take rooms from a shared queue. Per room, each side streams batches through a
//! bounded channel (two batches deep) into the comparison, which runs on the blocking pool with the SHA-256: the
//! async workers only move TDS rows, memory holds a few batches per worker whatever the room's size.

use super::digest::{content_utf16le, DigestMessage};
use super::merge::{merge_compare, MergeOutcome};
use super::plan::SourceSpec;
use crate::connection::{connect, sql_error, ConnectionSettings, SqlClient};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::package::reader::PackageReader;
use crate::package::Message;
use crate::schema::Catalog;
use crate::source::history::{message_at, room_query};
use crate::source::RoomSlice;
use futures_util::TryStreamExt;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tiberius::QueryItem;
use tokio::sync::mpsc;

/// Messages per batch between a side and the comparison.
const BATCH: usize = 1_000;
/// Batches in flight per side.
const DEPTH: usize = 2;

/// One room to compare.
#[derive(Debug, Clone)]
pub struct RoomTask {
    /// Index of the room's item in the result.
    pub item: usize,
    /// The room's id in the source (package room id = legacy nodeID).
    pub source_id: i32,
    /// Whether the source has a history for it (a package lists it in its manifest).
    pub source_listed: bool,
    pub target_node: i32,
}

/// What every worker shares.
pub struct Sides {
    pub source: SourceSpec,
    pub target: ConnectionSettings,
    pub database: String,
    pub target_catalog: Catalog,
    /// A database source's cut-off (ticks).
    pub start_ticks: Option<i64>,
    /// Package principal id → the GUID its messages must have in the target.
    pub source_posters: HashMap<i32, String>,
    /// Target prinID → GUID.
    pub target_posters: HashMap<i32, String>,
}

/// Compares the rooms of `tasks` with `parallelism` workers; the outcomes by item index.
pub async fn compare_all(
    sides: Arc<Sides>,
    tasks: Vec<RoomTask>,
    parallelism: usize,
    ctx: &JobContext,
) -> Result<Vec<(usize, MergeOutcome)>, PcmError> {
    let total = u64::try_from(tasks.len()).unwrap_or(u64::MAX);
    let workers = parallelism.clamp(1, tasks.len().max(1));
    let queue = Arc::new(Mutex::new(VecDeque::from(tasks)));
    let done = Arc::new(Mutex::new(Vec::new()));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (sides, queue, done, ctx) = (sides.clone(), queue.clone(), done.clone(), ctx.clone());
        set.spawn(async move { worker(sides, queue, done, total, ctx).await });
    }
    let mut failure = None;
    while let Some(joined) = set.join_next().await {
        let outcome =
            joined.map_err(|e| PcmError::Internal(format!("a verify worker stopped: {e}")))?;
        if let Err(e) = outcome {
            // The first real error wins; the others stop because of it.
            if failure.is_none() || matches!(failure, Some(PcmError::Cancelled)) {
                failure = Some(e);
            }
            queue.lock().map(|mut q| q.clear()).ok();
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    let mut done = std::mem::take(&mut *done.lock().map_err(|_| poisoned())?);
    done.sort_by_key(|(item, _)| *item);
    Ok(done)
}

fn poisoned() -> PcmError {
    PcmError::Internal("a verify worker panicked while holding the room queue".into())
}

/// A worker's source: the package reader (moved to the blocking pool and back per room) or a connection.
enum Source {
    Package(Option<Box<PackageReader>>),
    Database(Box<(SqlClient, Catalog)>),
}

async fn open_source(sides: &Sides, ctx: &JobContext) -> Result<Source, PcmError> {
    match &sides.source {
        SourceSpec::Package(path) => {
            let (path, token) = (path.clone(), ctx.cancellation());
            let reader = ctx
                .spawn_blocking(move || {
                    let mut reader = PackageReader::open(&path)?;
                    reader.set_cancellation(token);
                    Ok(reader)
                })
                .await?;
            Ok(Source::Package(Some(Box::new(reader))))
        }
        SourceSpec::Database(settings) => {
            let mut client = connect(settings, None).await?.client;
            let catalog = Catalog::read(&mut client, "dbo").await?;
            Ok(Source::Database(Box::new((client, catalog))))
        }
    }
}

async fn worker(
    sides: Arc<Sides>,
    queue: Arc<Mutex<VecDeque<RoomTask>>>,
    done: Arc<Mutex<Vec<(usize, MergeOutcome)>>>,
    total: u64,
    ctx: JobContext,
) -> Result<(), PcmError> {
    let mut target = connect(&sides.target, Some(&sides.database)).await?.client;
    let mut source = open_source(&sides, &ctx).await?;
    loop {
        ctx.check_cancelled()?;
        let Some(task) = queue.lock().map_err(|_| poisoned())?.pop_front() else {
            return Ok(());
        };
        let outcome = compare_room(&sides, &mut source, &mut target, &task, &ctx).await?;
        let finished = {
            let mut done = done.lock().map_err(|_| poisoned())?;
            done.push((task.item, outcome));
            u64::try_from(done.len()).unwrap_or(u64::MAX)
        };
        ctx.progress(
            "Verifying the migration",
            format!("Compared the history of {finished} of {total} rooms"),
            Some(finished),
            Some(total),
        );
    }
}

/// The error of a side whose comparison has gone (it stopped first, with its own error).
fn closed() -> PcmError {
    PcmError::Cancelled
}

/// One room: both sides streamed into the blocking comparison at once.
async fn compare_room(
    sides: &Arc<Sides>,
    source: &mut Source,
    target: &mut SqlClient,
    task: &RoomTask,
    ctx: &JobContext,
) -> Result<MergeOutcome, PcmError> {
    let (s_tx, s_rx) = mpsc::channel::<Vec<Message>>(DEPTH);
    let (t_tx, t_rx) = mpsc::channel::<Vec<Message>>(DEPTH);
    let shared = sides.clone();
    let compared = ctx.start_blocking(move || {
        let mut s_next = receiver(s_rx, &shared.source_posters);
        let mut t_next = receiver(t_rx, &shared.target_posters);
        merge_compare(&mut s_next, &mut t_next, true)
    });
    let source_side = async {
        match source {
            Source::Package(slot) => {
                let reader = slot
                    .take()
                    .ok_or_else(|| PcmError::Internal("the package reader was lost".into()))?;
                let (room, listed) = (task.source_id, task.source_listed);
                let reader = ctx
                    .spawn_blocking(move || stream_package(reader, room, listed, s_tx))
                    .await?;
                *slot = Some(reader);
                Ok(())
            }
            Source::Database(connection) => {
                let (client, catalog) = &mut **connection;
                let label = format!("source room (nodeID {})", task.source_id);
                let slice = RoomSlice {
                    room_id: task.source_id,
                    label: &label,
                    bound: i64::MAX,
                    start_ticks: sides.start_ticks,
                };
                stream_database(client, catalog, &slice, s_tx).await
            }
        }
    };
    let label = format!("target room (nodeID {})", task.target_node);
    let slice = RoomSlice {
        room_id: task.target_node,
        label: &label,
        bound: i64::MAX,
        start_ticks: None,
    };
    let target_side = stream_database(target, &sides.target_catalog, &slice, t_tx);
    let (s, t, c) = tokio::join!(source_side, target_side, compared);
    // A side's own error first (the comparison then saw its stream end early); a side that stopped because
    // the comparison had gone reports `closed()`, so the comparison's error comes next.
    match (s, t, c) {
        (Err(e), _, _) | (_, Err(e), _) if !matches!(e, PcmError::Cancelled) => Err(e),
        (_, _, Err(e)) => Err(e),
        (Err(e), _, _) | (_, Err(e), _) => Err(e),
        (Ok(()), Ok(()), Ok(outcome)) => Ok(outcome),
    }
}

/// The comparison's view of one side: the next message as digested, batches received as needed.
fn receiver<'a>(
    mut rx: mpsc::Receiver<Vec<Message>>,
    posters: &'a HashMap<i32, String>,
) -> impl FnMut() -> Result<Option<DigestMessage>, PcmError> + 'a {
    let mut batch = Vec::new().into_iter();
    move || loop {
        if let Some(m) = batch.next() {
            return digest_message(m, posters).map(Some);
        }
        match rx.blocking_recv() {
            Some(next) => batch = next.into_iter(),
            None => return Ok(None),
        }
    }
}

/// A message as digested: its poster as the GUID the target must have, its content as UTF-16LE bytes.
pub fn digest_message(
    m: Message,
    posters: &HashMap<i32, String>,
) -> Result<DigestMessage, PcmError> {
    Ok(DigestMessage {
        content: content_utf16le(&m)?,
        chat_id: m.chat_id,
        chat_date: m.chat_date,
        poster: posters.get(&m.poster_id).cloned(),
        is_alert: m.is_alert,
    })
}

/// Streams a package room's history in batches (blocking pool); returns the reader for the next room.
fn stream_package(
    mut reader: Box<PackageReader>,
    room: i32,
    listed: bool,
    sender: mpsc::Sender<Vec<Message>>,
) -> Result<Box<PackageReader>, PcmError> {
    if listed {
        let mut batch = Vec::with_capacity(BATCH);
        reader.for_each_message(room, |m, _| {
            batch.push(m);
            if batch.len() >= BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                sender.blocking_send(full).map_err(|_| closed())?;
            }
            Ok(())
        })?;
        if !batch.is_empty() {
            sender.blocking_send(batch).map_err(|_| closed())?;
        }
    }
    Ok(reader)
}

/// Streams one room of a database (`tblChat WHERE channelId = @P1 ... ORDER BY chatId`, the export's own
/// statement and decoding, content read losslessly) in batches.
async fn stream_database(
    client: &mut SqlClient,
    catalog: &Catalog,
    slice: &RoomSlice<'_>,
    sender: mpsc::Sender<Vec<Message>>,
) -> Result<(), PcmError> {
    let shape = room_query(catalog, slice);
    let mut query = tiberius::Query::new(shape.sql.as_str());
    query.bind(slice.room_id);
    query.bind(slice.bound);
    if let Some(start) = slice.start_ticks {
        query.bind(start);
    }
    let no_uris = HashMap::new();
    let mut stream = query
        .query(client)
        .await
        .map_err(|e| sql_error(e).about(slice.label))?;
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(item) = stream
        .try_next()
        .await
        .map_err(|e| sql_error(e).about(slice.label))?
    {
        let QueryItem::Row(row) = item else { continue };
        batch.push(message_at(&row, slice.label, &shape, &no_uris)?);
        if batch.len() >= BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            sender.send(full).await.map_err(|_| closed())?;
        }
    }
    if !batch.is_empty() {
        sender.send(batch).await.map_err(|_| closed())?;
    }
    Ok(())
}
