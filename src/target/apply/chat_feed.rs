//! The package side of the chat stage: one blocking task streams each room's history (in chatId order, as
//! the package stores it) and sends batches through a bounded channel, so decoding overlaps the inserts and no
//! room is ever held in memory whole. Messages at or below a room's resume point are only counted, for the
//! reconciliation the writer does before its first insert into that room.

use crate::error::PcmError;
use crate::package::format::messages_entry;
use crate::package::reader::PackageReader;
#[cfg(doc)]
use crate::package::Message;
use base64::Engine;
use serde::Deserialize;
use std::path::PathBuf;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A room to stream.
#[derive(Debug, Clone)]
pub struct RoomFeed {
    /// Position in the writer's list.
    pub slot: usize,
    pub source_id: i32,
    /// The target's highest chatId of the room (its resume point).
    pub after: Option<i64>,
}

/// One message ready to insert (package principal id; exact UTF-16 bytes decoded when the content is not
/// valid Unicode).
#[derive(Debug, Clone)]
pub struct ChatRow {
    pub chat_id: i64,
    pub chat_date: i64,
    pub poster: i32,
    pub is_alert: bool,
    pub content: String,
    pub exact_utf16le: Option<Vec<u8>>,
    pub rtf: Option<String>,
}

impl ChatRow {
    /// Bytes the message takes (progress and the summary's MB).
    pub fn bytes(&self) -> u64 {
        let content = self
            .exact_utf16le
            .as_ref()
            .map_or(self.content.len(), Vec::len);
        (content + self.rtf.as_ref().map_or(0, String::len)) as u64
    }
}

#[derive(Debug)]
pub enum Feed {
    /// The package's messages of the room up to its resume point, and whether the resume point itself is one
    /// of them. Sent before the room's first batch (also when there is none).
    Reconcile {
        slot: usize,
        at_or_below: u64,
        has_resume_point: bool,
    },
    Batch {
        slot: usize,
        rows: Vec<ChatRow>,
    },
    End,
}

/// The fields of a package [`Message`] the import writes. Reading into it skips allocating the fields it does
/// not write (`chatDateUtc`, `posterUri`); the entry's limits and SHA-256 are checked as for any read.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Written {
    chat_id: i64,
    chat_date: i64,
    poster_id: i32,
    is_alert: bool,
    content: String,
    #[serde(default)]
    content_utf16_base64: Option<String>,
    #[serde(default)]
    rtf: Option<String>,
}

fn row_of(m: Written, package: &str) -> Result<ChatRow, PcmError> {
    let exact_utf16le = match &m.content_utf16_base64 {
        Some(b64) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| PcmError::InvalidPackage {
                    path: package.to_string(),
                    message: format!(
                        "message {} has contentUtf16Base64 that is not base64 ({e})",
                        m.chat_id
                    ),
                })?,
        ),
        None => None,
    };
    Ok(ChatRow {
        chat_id: m.chat_id,
        chat_date: m.chat_date,
        poster: m.poster_id,
        is_alert: m.is_alert,
        content: m.content,
        exact_utf16le,
        rtf: m.rtf,
    })
}

/// Streams `rooms` from the package at `path` into `sender` (runs on the blocking pool).
pub fn stream(
    path: PathBuf,
    rooms: Vec<RoomFeed>,
    batch_size: usize,
    sender: mpsc::Sender<Feed>,
    cancel: CancellationToken,
) -> Result<(), PcmError> {
    let mut reader = PackageReader::open(&path)?;
    reader.set_cancellation(cancel);
    let closed = || PcmError::Cancelled;
    let package = path.display().to_string();
    // Each room's message count by id: whether the package has its history, and how big its first batch can
    // be (a batch of -BatchSize rows reserved for a room of a few messages held ~0.5 MB, and the writer holds up
    // to 200 small rooms' batches at once).
    let messages_by_room: std::collections::HashMap<i32, u64> = reader
        .manifest()
        .rooms
        .iter()
        .map(|h| (h.room_id, h.messages))
        .collect();
    for room in rooms {
        let slot = room.slot;
        let mut counted = 0u64;
        let mut has_point = false;
        let mut reconciled = false;
        let known = messages_by_room.get(&room.source_id).copied();
        // The manifest's count only sizes the batches; what the entry holds is what gets sent.
        let mut unread = known.unwrap_or(0);
        let next_batch =
            |unread: u64| usize::try_from(unread).map_or(batch_size, |m| m.min(batch_size));
        let mut batch = Vec::with_capacity(next_batch(unread));
        if known.is_some() {
            reader.for_each_record(&messages_entry(room.source_id), |m: Written, _| {
                unread = unread.saturating_sub(1);
                if room.after.is_some_and(|after| m.chat_id <= after) {
                    counted += 1;
                    has_point |= Some(m.chat_id) == room.after;
                    return Ok(());
                }
                if !reconciled {
                    reconciled = true;
                    sender
                        .blocking_send(Feed::Reconcile {
                            slot,
                            at_or_below: counted,
                            has_resume_point: has_point,
                        })
                        .map_err(|_| closed())?;
                }
                batch.push(row_of(m, &package)?);
                if batch.len() >= batch_size {
                    let rows =
                        std::mem::replace(&mut batch, Vec::with_capacity(next_batch(unread)));
                    sender
                        .blocking_send(Feed::Batch { slot, rows })
                        .map_err(|_| closed())?;
                }
                Ok(())
            })?;
        }
        if !reconciled {
            sender
                .blocking_send(Feed::Reconcile {
                    slot,
                    at_or_below: counted,
                    has_resume_point: has_point,
                })
                .map_err(|_| closed())?;
        }
        if !batch.is_empty() {
            sender
                .blocking_send(Feed::Batch { slot, rows: batch })
                .map_err(|_| closed())?;
        }
        sender.blocking_send(Feed::End).map_err(|_| closed())?;
    }
    Ok(())
}
