//! Chat history: the snapshot bounds taken at the start of an export, and one room's messages streamed in
//! chatId order (memory does not grow with the room's size).

use crate::connection::{sql_error, SqlClient};
use crate::error::PcmError;
use crate::package::content::{decode_utf16le, encode_exact};
use crate::package::Message;
use crate::schema::Catalog;
use crate::util::rows::{i64_at, opt_i64};
use crate::util::ticks::ticks_to_iso;
use futures_util::TryStreamExt;
use std::collections::{BTreeMap, HashMap};
use tiberius::{QueryItem, Row};

/// Per room: the highest chatId at snapshot time and how many messages there were.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomBound {
    pub min_chat_id: i64,
    pub max_chat_id: i64,
    pub messages: i64,
}

/// Reads, in one statement, every room's lowest and highest chatId and message count: the export reads each room only up to it, so messages
/// posted while the export runs cannot make a room disagree with its manifest figures.
pub async fn snapshot_bounds(
    client: &mut SqlClient,
    catalog: &Catalog,
) -> Result<BTreeMap<i32, RoomBound>, PcmError> {
    let channel = catalog.col("tblChat", "channelId");
    let chat = catalog.col("tblChat", "chatId");
    let rows = client
        .simple_query(format!(
            "SELECT {channel}, MAX({chat}) AS maxChatId, COUNT_BIG(*) AS messages, MIN({chat}) AS minChatId FROM {} \
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
            let channel = i64_at(row, 0)?;
            let room_id = i32::try_from(channel).map_err(|_| {
                PcmError::InvalidSourceData(format!(
                    "tblChat has a channelId {channel} out of the int range"
                ))
            })?;
            Ok((
                room_id,
                RoomBound {
                    min_chat_id: i64_at(row, 3)?,
                    max_chat_id: i64_at(row, 1)?,
                    messages: opt_i64(row, 2)?.unwrap_or(0),
                },
            ))
        })
        .collect()
}

/// One room's history as the export would read it now: counted, not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomHistoryCount {
    pub messages: i64,
    pub first_chat_date: Option<i64>,
    pub last_chat_date: Option<i64>,
    /// `DATALENGTH(content)` summed: the message text's bytes in the source (UTF-16).
    pub content_bytes: i64,
}

/// Counts every room's messages at or after `start_ticks` (all of them without it) in one grouped, parameterized
/// statement: what `export` with `whatIf` reports, without reading a message.
pub async fn count_history(
    client: &mut SqlClient,
    catalog: &Catalog,
    start_ticks: Option<i64>,
) -> Result<BTreeMap<i32, RoomHistoryCount>, PcmError> {
    let c = |name: &str| catalog.col("tblChat", name);
    let filter = if start_ticks.is_some() {
        format!(" WHERE {} >= @P1", c("chatDate"))
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT {channel}, COUNT_BIG(*) AS messages, MIN({date}) AS firstDate, MAX({date}) AS lastDate, \
         SUM(CAST(DATALENGTH({content}) AS bigint)) AS contentBytes FROM {table}{filter} \
         GROUP BY {channel} ORDER BY {channel}",
        channel = c("channelId"),
        date = c("chatDate"),
        content = c("content"),
        table = catalog.table_ref("tblChat"),
    );
    let mut query = tiberius::Query::new(sql);
    if let Some(start) = start_ticks {
        query.bind(start);
    }
    let rows = query
        .query(client)
        .await
        .map_err(sql_error)?
        .into_first_result()
        .await
        .map_err(sql_error)?;
    rows.iter().map(history_count_at).collect()
}

fn history_count_at(row: &Row) -> Result<(i32, RoomHistoryCount), PcmError> {
    let channel = i64_at(row, 0)?;
    let room_id = i32::try_from(channel).map_err(|_| {
        PcmError::InvalidSourceData(format!(
            "tblChat has a channelId {channel} out of the int range"
        ))
    })?;
    Ok((
        room_id,
        RoomHistoryCount {
            messages: opt_i64(row, 1)?.unwrap_or(0),
            first_chat_date: opt_i64(row, 2)?,
            last_chat_date: opt_i64(row, 3)?,
            content_bytes: opt_i64(row, 4)?.unwrap_or(0),
        },
    ))
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

/// Whether a column holds UCS-2 text (nvarchar, nchar, ntext), which may hold unpaired surrogates. The
/// published schemas declare `tblChat.content` nvarchar(max) in every supported version.
fn is_unicode_column(catalog: &Catalog, table: &str, column: &str) -> bool {
    catalog
        .column(table, column)
        .is_some_and(|c| matches!(c.data_type.as_str(), "nvarchar" | "nchar" | "ntext"))
}

/// The statement that reads one room's history, and the shape of its rows.
pub(crate) struct RoomQuery {
    pub(crate) sql: String,
    /// Content comes as its UTF-16LE bytes (see [`room_query`]).
    content_as_bytes: bool,
    /// Column 5 is `rtf` (2013).
    has_rtf: bool,
}

/// `CAST(nvarchar AS varbinary(max))` (valid T-SQL since SQL Server 2005) yields the value's exact UTF-16LE
/// bytes: tiberius' own nvarchar decoding fails on an unpaired surrogate, and the bytes decode faster here.
pub(crate) fn room_query(catalog: &Catalog, slice: &RoomSlice<'_>) -> RoomQuery {
    let c = |name: &str| catalog.col("tblChat", name);
    let has_rtf = catalog.has_column("tblChat", "rtf");
    let rtf = if has_rtf {
        format!(", {}", c("rtf"))
    } else {
        String::new()
    };
    let content_as_bytes = is_unicode_column(catalog, "tblChat", "content");
    let content = if content_as_bytes {
        format!("CAST({0} AS varbinary(max)) AS {0}", c("content"))
    } else {
        c("content")
    };
    let date_filter = if slice.start_ticks.is_some() {
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
        table = catalog.table_ref("tblChat"),
        channel = c("channelId"),
    );
    RoomQuery {
        sql,
        content_as_bytes,
        has_rtf,
    }
}

/// A message's content: decoded from UTF-16LE bytes (then, when they are not valid UTF-16, a lossy copy plus
/// the exact bytes in base64), or read as text where the column is not a Unicode one.
fn content_at(row: &Row, index: usize, as_bytes: bool) -> Result<(String, Option<String>), String> {
    if !as_bytes {
        return match row.try_get::<&str, _>(index) {
            Ok(Some(text)) => Ok((text.to_string(), None)),
            Ok(None) => Err("has NULL content".to_string()),
            Err(e) => Err(format!("has content that cannot be decoded ({e})")),
        };
    }
    let bytes = match row.try_get::<&[u8], _>(index) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err("has NULL content".to_string()),
        Err(e) => return Err(format!("has content that cannot be read ({e})")),
    };
    let decoded = decode_utf16le(bytes).map_err(|e| format!("has content that {e}"))?;
    Ok((
        decoded.text,
        decoded.exact_utf16le.map(|exact| encode_exact(&exact)),
    ))
}

/// One history row as a message; errors name the room and the message.
pub(crate) fn message_at(
    row: &Row,
    room_label: &str,
    shape: &RoomQuery,
    poster_uris: &HashMap<i32, String>,
) -> Result<Message, PcmError> {
    let chat_id = i64_at(row, 0)?;
    let problem = |what: String| {
        PcmError::InvalidSourceData(format!("{room_label}: message {chat_id} {what}"))
    };
    let chat_date = i64_at(row, 1).map_err(|e| problem(e.to_string()))?;
    let poster = i64_at(row, 2).map_err(|e| problem(e.to_string()))?;
    let poster_id = i32::try_from(poster)
        .map_err(|_| problem(format!("has a poster id {poster} out of the int range")))?;
    let is_alert = opt_i64(row, 3)
        .map_err(|e| problem(e.to_string()))?
        .unwrap_or(0)
        != 0;
    let (content, content_utf16_base64) =
        content_at(row, 4, shape.content_as_bytes).map_err(problem)?;
    let rtf = if shape.has_rtf {
        row.try_get::<&str, _>(5)
            .map_err(|e| problem(format!("has RTF that cannot be decoded ({e})")))?
            .map(str::to_string)
    } else {
        None
    };
    let chat_date_utc = ticks_to_iso(chat_date)
        .ok_or_else(|| problem(format!("has an impossible time stamp {chat_date}")))?;
    Ok(Message {
        chat_id,
        chat_date,
        chat_date_utc,
        poster_id,
        poster_uri: poster_uris.get(&poster_id).cloned(),
        is_alert,
        content,
        content_utf16_base64,
        rtf,
    })
}

/// Streams one room's messages in chatId order, calling `each` per message. Errors name the room and the
/// message. Content is read losslessly (see [`room_query`]).
pub async fn stream_room(
    client: &mut SqlClient,
    catalog: &Catalog,
    slice: &RoomSlice<'_>,
    poster_uris: &HashMap<i32, String>,
    mut each: impl FnMut(Message) -> Result<(), PcmError>,
) -> Result<(), PcmError> {
    let room_label = slice.label;
    let shape = room_query(catalog, slice);
    let mut query = tiberius::Query::new(shape.sql.as_str());
    query.bind(slice.room_id);
    query.bind(slice.bound);
    if let Some(start) = slice.start_ticks {
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
        each(message_at(&row, room_label, &shape, poster_uris)?)?;
    }
    Ok(())
}
