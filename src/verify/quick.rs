//! Quick mode: each side's message count and first/last chatId and chatDate per room from aggregates only —
//! one GROUP BY statement per database (joined back to `tblChat` for the boundary dates), or a package's
//! manifest figures — no message is read, no digest computed.

use super::digest::with_dates;
use super::HistoryDigest;
use crate::connection::{connect, sql_error, ConnectionSettings, SqlClient};
use crate::error::PcmError;
use crate::package::format::RoomHistory;
use crate::schema::Catalog;
use crate::util::rows::{i64_at, opt_i64};
use crate::util::ticks::checked_datetime_to_ticks;
use futures_util::TryStreamExt;
use std::collections::HashMap;
use tiberius::QueryItem;

/// The statement: per room, count, lowest and highest chatId (messages at or after `@P1`), and the dates of
/// those two messages. Valid T-SQL since SQL Server 2005 (a derived table joined back by its keys).
pub fn aggregates_sql(c: &Catalog) -> String {
    let col = |n: &str| c.col("tblChat", n);
    let (channel, chat, date, table) = (
        col("channelId"),
        col("chatId"),
        col("chatDate"),
        c.table_ref("tblChat"),
    );
    format!(
        "SELECT a.ch, a.n, a.lo, a.hi, f.{date}, l.{date} FROM \
         (SELECT {channel} AS ch, COUNT_BIG(*) AS n, MIN({chat}) AS lo, MAX({chat}) AS hi FROM {table} \
          WHERE {date} >= @P1 GROUP BY {channel}) AS a \
         INNER JOIN {table} AS f ON f.{channel} = a.ch AND f.{chat} = a.lo \
         INNER JOIN {table} AS l ON l.{channel} = a.ch AND l.{chat} = a.hi \
         ORDER BY a.ch"
    )
}

/// Every room's aggregates in one database, by channelId.
pub async fn read_aggregates(
    client: &mut SqlClient,
    c: &Catalog,
    start_ticks: Option<i64>,
) -> Result<HashMap<i32, HistoryDigest>, PcmError> {
    let sql = aggregates_sql(c);
    let mut query = tiberius::Query::new(sql);
    query.bind(start_ticks.unwrap_or(i64::MIN));
    let mut stream = query.query(client).await.map_err(sql_error)?;
    let mut out = HashMap::new();
    while let Some(item) = stream.try_next().await.map_err(sql_error)? {
        let QueryItem::Row(row) = item else { continue };
        let channel = i64_at(&row, 0)?;
        let room = i32::try_from(channel).map_err(|_| {
            PcmError::InvalidSourceData(format!(
                "tblChat has a channelId {channel} out of the int range"
            ))
        })?;
        let n = opt_i64(&row, 1)?.unwrap_or(0);
        let digest = HistoryDigest {
            messages: u64::try_from(n)
                .map_err(|_| PcmError::Internal(format!("the server counted {n} messages")))?,
            first_chat_id: opt_i64(&row, 2)?,
            last_chat_id: opt_i64(&row, 3)?,
            first_chat_date: opt_i64(&row, 4)?,
            last_chat_date: opt_i64(&row, 5)?,
            ..HistoryDigest::default()
        };
        out.insert(room, with_dates(digest));
    }
    Ok(out)
}

/// Connects to `settings` and reads its aggregates.
pub async fn read_database(
    settings: &ConnectionSettings,
    database: Option<&str>,
    start_ticks: Option<i64>,
) -> Result<HashMap<i32, HistoryDigest>, PcmError> {
    let mut client = connect(settings, database).await?.client;
    let catalog = Catalog::read(&mut client, "dbo").await?;
    read_aggregates(&mut client, &catalog, start_ticks).await
}

fn iso_to_ticks(text: &Option<String>) -> Option<i64> {
    let parsed = chrono::DateTime::parse_from_rfc3339(text.as_deref()?).ok()?;
    checked_datetime_to_ticks(parsed.with_timezone(&chrono::Utc))
}

/// A package room's figures as its manifest records them.
pub fn from_manifest(history: &RoomHistory) -> HistoryDigest {
    with_dates(HistoryDigest {
        messages: history.messages,
        first_chat_id: history.first_chat_id,
        last_chat_id: history.last_chat_id,
        first_chat_date: iso_to_ticks(&history.first_message_utc),
        last_chat_date: iso_to_ticks(&history.last_message_utc),
        ..HistoryDigest::default()
    })
}

/// The first difference between two rooms' aggregates.
pub fn difference(source: &HistoryDigest, target: &HistoryDigest) -> Option<String> {
    if source.messages != target.messages {
        return Some(format!(
            "message count differs (expected {}, found {})",
            source.messages, target.messages
        ));
    }
    let show = |v: Option<i64>| v.map_or("none".to_string(), |v| v.to_string());
    if source.first_chat_id != target.first_chat_id {
        return Some(format!(
            "first chatId differs (expected {}, found {})",
            show(source.first_chat_id),
            show(target.first_chat_id)
        ));
    }
    if source.last_chat_id != target.last_chat_id {
        return Some(format!(
            "last chatId differs (expected {}, found {})",
            show(source.last_chat_id),
            show(target.last_chat_id)
        ));
    }
    let date = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".into());
    // A package whose manifest does not record a room's boundary dates (they are optional in the format) is
    // compared on its counts and chatIds only.
    if source.messages > 0 && source.first_chat_date_utc.is_none() {
        return None;
    }
    if source.first_chat_date_utc != target.first_chat_date_utc {
        return Some(format!(
            "first chatDate differs (expected {}, found {})",
            date(&source.first_chat_date_utc),
            date(&target.first_chat_date_utc)
        ));
    }
    if source.last_chat_date_utc != target.last_chat_date_utc {
        return Some(format!(
            "last chatDate differs (expected {}, found {})",
            date(&source.last_chat_date_utc),
            date(&target.last_chat_date_utc)
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_dates_round_trip_to_ticks_and_differences_are_named() {
        let ticks = 634_123_456_789_012_345;
        let iso = crate::util::ticks::ticks_to_iso(ticks);
        let h = RoomHistory {
            room_id: 1,
            entry: String::new(),
            messages: 3,
            first_chat_id: Some(10),
            last_chat_id: Some(30),
            chat_id_bound: None,
            first_message_utc: iso.clone(),
            last_message_utc: iso,
        };
        let d = from_manifest(&h);
        assert_eq!(d.first_chat_date, Some(ticks));
        assert_eq!(difference(&d, &d), None);
        let fewer = HistoryDigest {
            messages: 2,
            ..d.clone()
        };
        assert_eq!(
            difference(&d, &fewer).as_deref(),
            Some("message count differs (expected 3, found 2)")
        );
        let later = HistoryDigest {
            last_chat_id: Some(31),
            ..d.clone()
        };
        assert_eq!(
            difference(&d, &later).as_deref(),
            Some("last chatId differs (expected 30, found 31)")
        );
    }
}
