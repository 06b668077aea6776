//! Archiving one room: its history streamed once from the package into its HTML pages (split every
//! `messagesPerPage` messages) and its JSON Lines copy, one message at a time.

use super::html::LinkCounts;
use super::model::{ArchivedMessage, ArchivedRoom};
use super::output::{ArchiveFile, HashedFile, Staging};
use super::page::{page_path, Poster, RoomPages};
use crate::error::PcmError;
use crate::package::format::{Message, Node};
use crate::util::ticks::ticks_to_iso;
use std::collections::HashMap;

/// A progress event every this many messages inside a room.
const PROGRESS_EVERY: u64 = 100_000;

/// The room's pages and copy being written.
pub struct RoomWriter<'a> {
    pages: RoomPages<'a>,
    staging: &'a Staging,
    posters: &'a HashMap<i32, Poster>,
    per_page: u64,
    page: Option<HashedFile>,
    page_no: u64,
    in_page: u64,
    data: Option<HashedFile>,
    written: u64,
    first_ticks: Option<i64>,
    last_ticks: Option<i64>,
    row: String,
    line: Vec<u8>,
    pub links: LinkCounts,
    pub files: Vec<ArchiveFile>,
}

impl<'a> RoomWriter<'a> {
    /// Opens the first page and the JSON Lines copy.
    pub fn start(
        pages: RoomPages<'a>,
        staging: &'a Staging,
        posters: &'a HashMap<i32, Poster>,
        per_page: u32,
    ) -> Result<RoomWriter<'a>, PcmError> {
        let data = staging.file(&format!("data/{}.jsonl", pages.stem))?;
        let mut writer = RoomWriter {
            pages,
            staging,
            posters,
            per_page: u64::from(per_page),
            page: None,
            page_no: 0,
            in_page: 0,
            data: Some(data),
            written: 0,
            first_ticks: None,
            last_ticks: None,
            row: String::with_capacity(4096),
            line: Vec::with_capacity(4096),
            links: LinkCounts::default(),
            files: Vec::new(),
        };
        writer.next_page()?;
        Ok(writer)
    }

    /// Ends the current page (if any) and opens the next one.
    fn next_page(&mut self) -> Result<(), PcmError> {
        self.end_page()?;
        self.page_no += 1;
        if self.page_no > self.pages.pages {
            return Err(PcmError::Internal(format!(
                "room {} holds more messages than its history entry lists",
                self.pages.room.id
            )));
        }
        let mut page = self
            .staging
            .file(&page_path(self.pages.stem, self.page_no))?;
        page.write_str(&self.pages.header(self.page_no))?;
        self.page = Some(page);
        self.in_page = 0;
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), PcmError> {
        if let Some(mut page) = self.page.take() {
            page.write_str(&self.pages.footer(self.page_no))?;
            self.files.push(page.finish()?);
        }
        Ok(())
    }

    /// Writes one message to the current page and to the copy.
    pub fn message(&mut self, message: Message) -> Result<(), PcmError> {
        if self.in_page == self.per_page {
            self.next_page()?;
        }
        let poster = self.posters.get(&message.poster_id);
        self.row.clear();
        self.pages
            .row(&mut self.row, &message, poster, &mut self.links);
        let page = self
            .page
            .as_mut()
            .ok_or_else(|| PcmError::Internal("no page is open".to_string()))?;
        page.write_str(&self.row)?;
        self.in_page += 1;
        self.written += 1;
        self.first_ticks.get_or_insert(message.chat_date);
        self.last_ticks = Some(message.chat_date);
        let record = ArchivedMessage {
            room_guid: self.pages.room.guid.clone(),
            room_id: self.pages.room.id,
            chat_id: message.chat_id,
            chat_date: message.chat_date,
            chat_date_utc: ticks_to_iso(message.chat_date).unwrap_or(message.chat_date_utc),
            poster_id: message.poster_id,
            poster_guid: poster.map(|p| p.guid.clone()),
            poster_name: poster.map(|p| p.name.clone()),
            poster_uri: poster.map(|p| p.uri.clone()).or(message.poster_uri),
            is_alert: message.is_alert,
            content: message.content,
            content_utf16_base64: message.content_utf16_base64,
        };
        self.line.clear();
        serde_json::to_writer(&mut self.line, &record)
            .map_err(|e| PcmError::Internal(format!("a message cannot be serialized: {e}")))?;
        self.line.push(b'\n');
        let data = self
            .data
            .as_mut()
            .ok_or_else(|| PcmError::Internal("the copy is not open".to_string()))?;
        data.write(&self.line)
    }

    /// Messages written so far (for progress).
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Whether a progress event is due after this message.
    pub fn progress_due(&self) -> bool {
        self.written.is_multiple_of(PROGRESS_EVERY)
    }

    /// Closes the last page and the copy; the room's record.
    pub fn finish(
        mut self,
        not_migrated: Option<String>,
    ) -> Result<(ArchivedRoom, Vec<ArchiveFile>, LinkCounts), PcmError> {
        self.end_page()?;
        if let Some(data) = self.data.take() {
            self.files.push(data.finish()?);
        }
        let room: &Node = self.pages.room;
        let archived = ArchivedRoom {
            room_id: room.id,
            guid: room.guid.clone(),
            name: room.name.clone(),
            path: room.path.clone(),
            messages: self.written,
            pages: self.page_no,
            page: page_path(self.pages.stem, 1),
            data: format!("data/{}.jsonl", self.pages.stem),
            first_message_utc: self.first_ticks.and_then(ticks_to_iso),
            last_message_utc: self.last_ticks.and_then(ticks_to_iso),
            disabled: room.disabled,
            not_migrated,
        };
        Ok((archived, self.files, self.links))
    }
}
