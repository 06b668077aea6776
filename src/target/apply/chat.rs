//! Chat, per room in plan order: the target's highest chatId is the resume point (reconciled with the
//! package first), then ordered batches of `batch_size` messages, each one transaction: a bulk insert into
//! `tblChat` (plus an exact insert of content that is not valid Unicode) and the room's `tblLastChatId` raised
//! to the batch's last chatId, never lowered. Consecutive small rooms share a transaction (up to `batch_size`
//! messages and 200 rooms). Cancellation is checked between transactions only.

use super::chat_feed::{self, ChatRow, Feed, RoomFeed};
use super::finish::Pending;
use super::progress::ChatProgress;
use super::sql::{exec, rows};
use super::Apply;
use crate::connection::transaction::{begin, end};
use crate::connection::{sql_error, SqlClient};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::schema::Catalog;
use crate::target::EntityStatus;
use crate::util::rows::opt_i64;
use std::borrow::Cow;
use tiberius::{ColumnData, TokenRow};
use tokio::sync::mpsc;

/// Batches in flight between the package reader and the writer.
const FEED_DEPTH: usize = 4;

/// A room's messages in the target: how many and the highest chatId.
pub async fn ledger(
    client: &mut SqlClient,
    c: &Catalog,
    node: i32,
) -> Result<(u64, Option<i64>), PcmError> {
    let sql = format!(
        "SELECT COUNT_BIG(*), MAX({}) FROM {} WHERE {} = @P1",
        c.col("tblChat", "chatId"),
        c.table_ref("tblChat"),
        c.col("tblChat", "channelId")
    );
    let found = rows(client, &sql, &[&node]).await?;
    let Some(row) = found.first() else {
        return Ok((0, None));
    };
    let count = u64::try_from(opt_i64(row, 0)?.unwrap_or(0)).unwrap_or(0);
    Ok((count, opt_i64(row, 1)?))
}

/// Rooms per ledger query (one parameter each, well under SQL Server's 2,100 per request).
const LEDGER_ROOMS: usize = 1_000;

/// [`ledger`] of many rooms, [`LEDGER_ROOMS`] per query (one query per room cost a round trip each); a room
/// without messages is absent from the map.
pub async fn ledgers(
    client: &mut SqlClient,
    c: &Catalog,
    nodes: &[i32],
) -> Result<std::collections::HashMap<i32, (u64, Option<i64>)>, PcmError> {
    let (chat_id, channel) = (c.col("tblChat", "chatId"), c.col("tblChat", "channelId"));
    let mut found = std::collections::HashMap::with_capacity(nodes.len());
    for chunk in nodes.chunks(LEDGER_ROOMS) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("@P{i}")).collect();
        let sql = format!(
            "SELECT {channel}, COUNT_BIG(*), MAX({chat_id}) FROM {} WHERE {channel} IN ({}) GROUP BY {channel}",
            c.table_ref("tblChat"),
            list.join(", ")
        );
        let params: Vec<&dyn tiberius::ToSql> =
            chunk.iter().map(|n| n as &dyn tiberius::ToSql).collect();
        for row in rows(client, &sql, &params).await? {
            let Some(node) = opt_i64(&row, 0)? else {
                continue;
            };
            let count = u64::try_from(opt_i64(&row, 1)?.unwrap_or(0)).unwrap_or(0);
            found.insert(
                super::sql::to_i32(node, "channelId")?,
                (count, opt_i64(&row, 2)?),
            );
        }
    }
    Ok(found)
}

/// A room being written.
struct RoomJob {
    name: String,
    node: i32,
    in_target: u64,
    after: Option<i64>,
    imported: u64,
}

/// The statements, spelled from the catalog once.
pub struct ChatSql {
    table: String,
    columns: Vec<String>,
    insert_exact: String,
    /// Raises a room's `tblLastChatId` row, or inserts it; `@PNODE` and `@PLAST` stand for its parameters.
    last_raise: String,
    has_last: bool,
}

impl ChatSql {
    pub fn new(c: &Catalog) -> ChatSql {
        let mut names = vec![
            "channelId",
            "chatId",
            "chatDate",
            "userId",
            "isAlert",
            "content",
        ];
        if c.has_column("tblChat", "rtf") {
            names.push("rtf");
        }
        let columns: Vec<String> = names.iter().map(|n| c.col("tblChat", n)).collect();
        let values: Vec<String> = (1..=columns.len())
            .map(|i| {
                if i == 6 {
                    "CAST(@P6 AS nvarchar(max))".to_string()
                } else {
                    format!("@P{i}")
                }
            })
            .collect();
        let (l, n, id) = (
            "tblLastChatId",
            c.col("tblLastChatId", "nodeID"),
            c.col("tblLastChatId", "lastChatID"),
        );
        let lt = c.table_ref(l);
        ChatSql {
            table: c.table_ref("tblChat"),
            insert_exact: format!(
                "INSERT INTO {} ({}) VALUES ({})",
                c.table_ref("tblChat"),
                columns.join(", "),
                values.join(", ")
            ),
            columns,
            last_raise: format!(
                "UPDATE {lt} SET {id} = @PLAST WHERE {n} = @PNODE AND {id} < @PLAST; \
                 IF NOT EXISTS (SELECT 1 FROM {lt} WHERE {n} = @PNODE) INSERT INTO {lt} ({n}, {id}) VALUES (@PNODE, @PLAST)"
            ),
            has_last: c.has_table(l),
        }
    }
}

impl ChatSql {
    /// The batch that raises `rooms` rooms' `tblLastChatId`: room `k` (from 0) is `@P{2k+1}` (node) and
    /// `@P{2k+2}` (its highest chatId written).
    fn last_raise_for(&self, rooms: usize) -> String {
        (0..rooms)
            .map(|k| {
                self.last_raise
                    .replace("@PNODE", &format!("@P{}", 2 * k + 1))
                    .replace("@PLAST", &format!("@P{}", 2 * k + 2))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Writes every imported room's messages after its resume point.
pub async fn write(
    run: &mut Apply<'_>,
    client: &mut SqlClient,
    _pending: &Pending,
    ctx: &JobContext,
) -> Result<(), PcmError> {
    let prepared = run.prepared;
    let mut jobs = Vec::new();
    let mut feeds = Vec::new();
    let nodes: Vec<i32> = (0..prepared.plan.rooms.len())
        .filter_map(|index| run.ids.rooms.get(&index).copied())
        .collect();
    let in_targets = ledgers(client, &run.catalog, &nodes).await?;
    for (index, step) in prepared.plan.rooms.iter().enumerate() {
        let Some(&node) = run.ids.rooms.get(&index) else {
            continue;
        };
        let (in_target, after) = in_targets.get(&node).copied().unwrap_or((0, None));
        feeds.push(RoomFeed {
            slot: jobs.len(),
            source_id: step.planned.source_id,
            after,
        });
        jobs.push(RoomJob {
            name: step.name.clone(),
            node,
            in_target,
            after,
            imported: 0,
        });
        run.summary.messages_total += step.planned.messages;
        run.summary.messages_already_present += in_target;
    }
    let expected = run
        .summary
        .messages_total
        .saturating_sub(run.summary.messages_already_present);
    let mut progress = ChatProgress::new(jobs.len() as u64, expected);
    let batch_size = usize::try_from(prepared.batch_size.max(1)).unwrap_or(5_000);
    let (sender, mut receiver) = mpsc::channel(FEED_DEPTH);
    let path = prepared.package_path.clone();
    let cancel = ctx.cancellation();
    let reader =
        ctx.start_blocking(move || chat_feed::stream(path, feeds, batch_size, sender, cancel));
    let s = ChatSql::new(&run.catalog);
    let outcome = receive(
        run,
        client,
        &s,
        &mut jobs,
        &mut receiver,
        &mut progress,
        ctx,
    )
    .await;
    drop(receiver);
    let read = reader.await;
    outcome?;
    match read {
        Err(PcmError::Cancelled) if !ctx.is_cancelled() => {}
        other => other?,
    }
    for job in &jobs {
        let notes = format!(
            "{} messages imported, {} already in the target",
            job.imported, job.in_target
        );
        run.entities.push(crate::target::EntityResult {
            entity_type: "Messages".into(),
            name: job.name.clone(),
            status: if job.imported > 0 {
                EntityStatus::Successful
            } else {
                EntityStatus::Skipped
            },
            notes,
        });
    }
    ctx.progress_event(progress.event());
    Ok(())
}

/// Rooms whose rows share one transaction at most (two parameters each for their `tblLastChatId`).
const ROOMS_PER_TRANSACTION: usize = 200;

/// Batches of one or more rooms written in one transaction: a big room's batch alone, small rooms together up to
/// the batch size (a transaction per room of a few messages was most of the chat stage on 40,000 small rooms).
#[derive(Default)]
struct Group {
    parts: Vec<(usize, Vec<ChatRow>)>,
    rows: usize,
}

/// The writer loop: reconcile, insert batches, check cancellation between batches.
async fn receive(
    run: &mut Apply<'_>,
    client: &mut SqlClient,
    s: &ChatSql,
    jobs: &mut [RoomJob],
    receiver: &mut mpsc::Receiver<Feed>,
    progress: &mut ChatProgress,
    ctx: &JobContext,
) -> Result<(), PcmError> {
    let batch_size = usize::try_from(run.prepared.batch_size.max(1)).unwrap_or(5_000);
    let mut group = Group::default();
    while let Some(feed) = receiver.recv().await {
        match feed {
            Feed::Reconcile {
                slot,
                at_or_below,
                has_resume_point,
            } => {
                reconcile(&jobs[slot], at_or_below, has_resume_point)?;
            }
            Feed::Batch { slot, rows } => {
                ctx.check_cancelled()?;
                if group.rows + rows.len() > batch_size
                    || group.parts.len() >= ROOMS_PER_TRANSACTION
                {
                    write_group(run, client, s, jobs, &mut group, progress, ctx).await?;
                }
                group.rows += rows.len();
                group.parts.push((slot, rows));
                if group.rows >= batch_size {
                    write_group(run, client, s, jobs, &mut group, progress, ctx).await?;
                }
            }
            Feed::End => progress.room_done(),
        }
    }
    ctx.check_cancelled()?;
    write_group(run, client, s, jobs, &mut group, progress, ctx).await
}

/// Writes the group's rows in one transaction and counts them; the group is empty afterwards.
async fn write_group(
    run: &mut Apply<'_>,
    client: &mut SqlClient,
    s: &ChatSql,
    jobs: &mut [RoomJob],
    group: &mut Group,
    progress: &mut ChatProgress,
    ctx: &JobContext,
) -> Result<(), PcmError> {
    let group = std::mem::take(group);
    if group.parts.is_empty() {
        return Ok(());
    }
    let mut parts = Vec::with_capacity(group.parts.len());
    for (slot, rows) in &group.parts {
        let job = &jobs[*slot];
        parts.push(RoomRows {
            node: job.node,
            rows,
            posters: map_posters(run, rows, &job.name)?,
        });
    }
    begin(client).await?;
    let outcome = insert_group(client, s, &parts).await;
    end(client, outcome).await?;
    for (slot, rows) in &group.parts {
        let bytes: u64 = rows.iter().map(ChatRow::bytes).sum();
        jobs[*slot].imported += rows.len() as u64;
        run.summary.messages_imported += rows.len() as u64;
        run.summary.bytes_imported += bytes;
        progress.add(rows.len() as u64, bytes);
    }
    if progress.due() {
        ctx.progress_event(progress.event());
    }
    Ok(())
}

/// The target's messages up to the resume point must be the package's: the same count, and the resume point
/// itself one of the package's chatIds. Otherwise the room was written by something else.
fn reconcile(job: &RoomJob, at_or_below: u64, has_point: bool) -> Result<(), PcmError> {
    let Some(after) = job.after else {
        return Ok(());
    };
    if at_or_below == job.in_target && has_point {
        return Ok(());
    }
    let what = if has_point {
        format!(
            "the target holds {} messages up to chatId {after}, the package {at_or_below}",
            job.in_target
        )
    } else {
        format!("the target's highest chatId {after} is not a message of the package")
    };
    Err(PcmError::TargetStateConflict(format!(
        "room '{}' (target nodeID {}) cannot be resumed: {what}. The room's messages were not written by this \
         package's import; remove the room from the target or import with -ConflictAction Overwrite",
        job.name, job.node
    )))
}

fn map_posters(run: &Apply<'_>, rows: &[ChatRow], room: &str) -> Result<Vec<i32>, PcmError> {
    rows.iter()
        .map(|r| run.principal(r.poster, &format!("message {} of room '{room}'", r.chat_id)))
        .collect()
}

/// The longest UTF-16 payload, in bytes, tiberius' bulk load sends for an nvarchar(max) column: it measures a
/// value against the column length the server reports, 0xFFFF for `max`, before choosing the PLP form. Longer
/// values (a 1 MiB message) go through the row INSERT, whose parameter is sent as nvarchar(max).
const BULK_MAX_UTF16_BYTES: usize = 0xFFFF;

fn too_long_for_bulk(text: &str) -> bool {
    // UTF-16 never takes more units than UTF-8 takes bytes: short text needs no count.
    text.len() * 2 > BULK_MAX_UTF16_BYTES && text.encode_utf16().count() * 2 > BULK_MAX_UTF16_BYTES
}

/// Whether a row goes through the row INSERT: exact bytes (not valid Unicode) or text the bulk load refuses.
fn needs_row_insert(r: &ChatRow) -> bool {
    r.exact_utf16le.is_some()
        || too_long_for_bulk(&r.content)
        || r.rtf.as_deref().is_some_and(too_long_for_bulk)
}

/// One room's rows of a group, with their posters' target ids.
struct RoomRows<'a> {
    node: i32,
    rows: &'a [ChatRow],
    posters: Vec<i32>,
}

/// One group (inside the caller's transaction): one bulk load of every room's plain rows, a row INSERT for each
/// row the bulk load cannot carry, then every room's `tblLastChatId` raised in one batch.
async fn insert_group(
    client: &mut SqlClient,
    s: &ChatSql,
    parts: &[RoomRows<'_>],
) -> Result<(), PcmError> {
    let with_rtf = s.columns.len() > 6;
    let plain = parts
        .iter()
        .any(|part| part.rows.iter().any(|r| !needs_row_insert(r)));
    if plain {
        let columns: Vec<&str> = s.columns.iter().map(String::as_str).collect();
        let mut load = client
            .bulk_insert_columns(&s.table, &columns)
            .await
            .map_err(sql_error)?;
        for part in parts {
            for (r, poster) in part.rows.iter().zip(&part.posters) {
                if needs_row_insert(r) {
                    continue;
                }
                let mut row = TokenRow::with_capacity(s.columns.len());
                row.push(ColumnData::I32(Some(part.node)));
                row.push(ColumnData::I64(Some(r.chat_id)));
                row.push(ColumnData::I64(Some(r.chat_date)));
                row.push(ColumnData::I32(Some(*poster)));
                row.push(ColumnData::Bit(Some(r.is_alert)));
                row.push(ColumnData::String(Some(Cow::Borrowed(r.content.as_str()))));
                if with_rtf {
                    row.push(ColumnData::String(r.rtf.as_deref().map(Cow::Borrowed)));
                }
                load.send(row).await.map_err(sql_error)?;
            }
        }
        load.finalize().await.map_err(sql_error)?;
    }
    for part in parts {
        for (r, poster) in part.rows.iter().zip(&part.posters) {
            if !needs_row_insert(r) {
                continue;
            }
            // CAST(@P6 AS nvarchar(max)) takes the exact bytes as varbinary, or the text as nvarchar(max).
            let content: &dyn tiberius::ToSql = match &r.exact_utf16le {
                Some(exact) => exact,
                None => &r.content,
            };
            let mut params: Vec<&dyn tiberius::ToSql> = vec![
                &part.node,
                &r.chat_id,
                &r.chat_date,
                poster,
                &r.is_alert,
                content,
            ];
            if with_rtf {
                params.push(&r.rtf);
            }
            exec(client, &s.insert_exact, &params).await?;
        }
    }
    raise_last_chat_ids(client, s, parts).await
}

/// `tblLastChatId` of every room of the group: the larger of the existing value and the room's highest chatId
/// written (one row per room), in one batch.
async fn raise_last_chat_ids(
    client: &mut SqlClient,
    s: &ChatSql,
    parts: &[RoomRows<'_>],
) -> Result<(), PcmError> {
    if !s.has_last {
        return Ok(());
    }
    let lasts: Vec<(i32, i64)> = parts
        .iter()
        .filter_map(|part| Some((part.node, part.rows.iter().map(|r| r.chat_id).max()?)))
        .collect();
    if lasts.is_empty() {
        return Ok(());
    }
    let mut params: Vec<&dyn tiberius::ToSql> = Vec::with_capacity(2 * lasts.len());
    for (node, last) in &lasts {
        params.push(node);
        params.push(last);
    }
    exec(client, &s.last_raise_for(lasts.len()), &params).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(in_target: u64, after: Option<i64>) -> RoomJob {
        RoomJob {
            name: "Sales - Q3".into(),
            node: 7,
            in_target,
            after,
            imported: 0,
        }
    }

    #[test]
    fn a_room_resumes_only_when_the_target_holds_exactly_the_packages_messages_up_to_its_point() {
        assert!(
            reconcile(&job(0, None), 0, false).is_ok(),
            "an empty room imports everything"
        );
        assert!(reconcile(&job(3, Some(9)), 3, true).is_ok());
        let fewer = reconcile(&job(2, Some(9)), 3, true).expect_err("a message is missing");
        assert_eq!(fewer.code(), "target_state_conflict");
        assert!(
            fewer.to_string().contains("'Sales - Q3'")
                && fewer.to_string().contains("2 messages up to chatId 9")
        );
        let foreign =
            reconcile(&job(3, Some(9)), 3, false).expect_err("chatId 9 is not the package's");
        assert!(
            foreign
                .to_string()
                .contains("highest chatId 9 is not a message of the package"),
            "{foreign}"
        );
    }

    #[test]
    fn rows_the_bulk_load_would_refuse_take_the_row_insert() {
        let row = |content: String, rtf: Option<String>, exact: Option<Vec<u8>>| ChatRow {
            chat_id: 1,
            chat_date: 0,
            poster: 1,
            is_alert: false,
            content,
            exact_utf16le: exact,
            rtf,
        };
        let limit_units = BULK_MAX_UTF16_BYTES / 2;
        assert!(!needs_row_insert(&row("x".repeat(limit_units), None, None)));
        assert!(needs_row_insert(&row(
            "x".repeat(limit_units + 1),
            None,
            None
        )));
        // Three UTF-8 bytes, one UTF-16 unit: counted in units, not bytes.
        assert!(!needs_row_insert(&row("€".repeat(limit_units), None, None)));
        assert!(needs_row_insert(&row(
            String::new(),
            Some("r".repeat(1 << 20)),
            None
        )));
        assert!(needs_row_insert(&row(
            "a".into(),
            None,
            Some(vec![0x00, 0xD8])
        )));
    }

    #[test]
    fn statements_are_spelled_from_the_catalog() {
        let c = Catalog::of_columns(&[
            (
                "tblChat",
                &[
                    "channelID",
                    "chatID",
                    "chatDate",
                    "userId",
                    "isAlert",
                    "content",
                ],
            ),
            ("tblLastChatId", &["nodeID", "lastChatID"]),
        ]);
        let s = ChatSql::new(&c);
        assert_eq!(s.columns.len(), 6, "no rtf column, none sent");
        assert!(
            s.insert_exact.contains("[channelID], [chatID]")
                && s.insert_exact.contains("CAST(@P6 AS nvarchar(max))")
        );
        assert!(s.has_last);
        let two = s.last_raise_for(2);
        assert!(
            two.contains("[lastChatID] < @P2")
                && two.contains("[nodeID] = @P3 AND [lastChatID] < @P4"),
            "{two}"
        );
    }
}
