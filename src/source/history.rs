//! Chat history: the snapshot bounds taken at the start of an export, and one room's messages streamed in
//! chatId order (memory does not grow with the room's size).

use crate::connection::{sql_error, SqlClient};
use crate::error::PcmError;
use crate::package::Message;
use crate::schema::Catalog;
use crate::util::rows::{i64_at, opt_i64};
use crate::util::ticks::ticks_to_iso;
use futures_util::TryStreamExt;
use std::collections::{BTreeMap, HashMap};
use tiberius::QueryItem;

/// Per room: the highest chatId at snapshot time and how many messages there were.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomBound {
    pub max_chat_id: i64,
    pub messages: i64,
}

/// Reads, in one statement, every room's highest chatId: the export reads each room only up to it, so messages
/// posted while the export runs cannot make a room disagree with its manifest figures.
pub async fn snapshot_bounds(
    client: &mut SqlClient,
    catalog: &Catalog,
) -> Result<BTreeMap<i32, RoomBound>, PcmError> {
    let channel = catalog.col("tblChat", "channelId");
    let chat = catalog.col("tblChat", "chatId");
    let rows = client
        .simple_query(format!(
            "SELECT {channel}, MAX({chat}) AS maxChatId, COUNT_BIG(*) AS messages FROM {} \
             GROUP BY {channel} ORDER BY {channel}",
            catalog.table_ref("tblChat")
        ))
        .await
        .map_err(sql_error)?
        .into_first_result()
        .await
        .map_err(sql_error)?;
    rows.iter()
        .map(|row| {
            Ok((
                i64_at(row, 0)? as i32,
                RoomBound {
                    max_chat_id: i64_at(row, 1)?,
                    messages: opt_i64(row, 2)?.unwrap_or(0),
                },
            ))
        })
        .collect()
}

/// Which part of a room's history to read.
#[derive(Debug, Clone)]
pub struct RoomSlice<'a> {
    pub room_id: i32,
    /// `room 'Sales\Q3' (nodeID 412)`, for messages.
    pub label: &'a str,
    /// The snapshot bound: only messages with `chatId <= bound`.
    pub bound: i64,
    /// Only messages with `chatDate >= start_ticks`.
    pub start_ticks: Option<i64>,
}

/// Streams one room's messages in chatId order, calling `each` per message. Errors name the room and the
/// message.
pub async fn stream_room(
    client: &mut SqlClient,
    catalog: &Catalog,
    slice: &RoomSlice<'_>,
    poster_uris: &HashMap<i32, String>,
    mut each: impl FnMut(Message) -> Result<(), PcmError>,
) -> Result<(), PcmError> {
    let RoomSlice {
        room_id,
        label: room_label,
        bound,
        start_ticks,
    } = *slice;
    let c = |name: &str| catalog.col("tblChat", name);
    let rtf = if catalog.has_column("tblChat", "rtf") {
        format!(", {}", c("rtf"))
    } else {
        String::new()
    };
    let date_filter = if start_ticks.is_some() {
        format!(" AND {} >= @P3", c("chatDate"))
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT {chat}, {date}, {user}, {alert}, {content}{rtf} FROM {table} \
         WHERE {channel} = @P1 AND {chat} <= @P2{date_filter} ORDER BY {chat}",
        chat = c("chatId"),
        date = c("chatDate"),
        user = c("userId"),
        // isAlert is optional (docs/schema-assumptions.md): absent, every message reads as not an alert.
        alert = if catalog.has_column("tblChat", "isAlert") {
            c("isAlert")
        } else {
            "NULL AS [isAlert]".to_string()
        },
        content = c("content"),
        table = catalog.table_ref("tblChat"),
        channel = c("channelId"),
    );
    let start = start_ticks.unwrap_or(0);
    let mut query = tiberius::Query::new(sql);
    query.bind(room_id);
    query.bind(bound);
    if start_ticks.is_some() {
        query.bind(start);
    }
    let mut stream = query
        .query(client)
        .await
        .map_err(|e| sql_error(e).about(room_label))?;
    while let Some(item) = stream
        .try_next()
        .await
        .map_err(|e| sql_error(e).about(room_label))?
    {
        let QueryItem::Row(row) = item else { continue };
        let chat_id = i64_at(&row, 0)?;
        let problem = |what: String| {
            PcmError::InvalidSourceData(format!("{room_label}: message {chat_id} {what}"))
        };
        let chat_date = i64_at(&row, 1).map_err(|e| problem(e.to_string()))?;
        let poster_id = i64_at(&row, 2).map_err(|e| problem(e.to_string()))? as i32;
        let is_alert = opt_i64(&row, 3)
            .map_err(|e| problem(e.to_string()))?
            .unwrap_or(0)
            != 0;
        let content = match row.try_get::<&str, _>(4) {
            Ok(Some(text)) => text.to_string(),
            Ok(None) => return Err(problem("has NULL content".to_string())),
            Err(e) => {
                return Err(problem(format!(
                    "has content that cannot be decoded ({e}); invalid UTF-16?"
                )))
            }
        };
        let rtf = if rtf.is_empty() {
            None
        } else {
            row.try_get::<&str, _>(5)
                .map_err(|e| problem(format!("has RTF that cannot be decoded ({e})")))?
                .map(str::to_string)
        };
        let chat_date_utc = ticks_to_iso(chat_date)
            .ok_or_else(|| problem(format!("has an impossible time stamp {chat_date}")))?;
        each(Message {
            chat_id,
            chat_date,
            chat_date_utc,
            poster_id,
            poster_uri: poster_uris.get(&poster_id).cloned(),
            is_alert,
            content,
            rtf,
        })?;
    }
    Ok(())
}
