//! The export's outputs besides the package: the report (HTML + JSON) and, with -AsBytes, the package read back
//! into the result.

use super::fragments::FragmentMeta;
use super::result::{ExportResult, NonUnicodeMessage, RoomSummary};
use super::select::{self, full_path};
use super::{report, ExportPlan};
use crate::error::PcmError;
use crate::jobs::JobContext;
use std::collections::BTreeMap;

/// The report, and with -AsBytes the package read back (and removed) into the result.
pub(super) async fn write_outputs(
    mut result: ExportResult,
    plan: &ExportPlan,
    selection: &select::Selection,
    fragments: &BTreeMap<i32, (FragmentMeta, bool)>,
    path: std::path::PathBuf,
    ctx: &JobContext,
) -> Result<ExportResult, PcmError> {
    if let Some(report_paths) = plan.paths.report.clone() {
        let summary = fragments_summary(selection, fragments);
        let for_report = result.clone();
        let written = ctx
            .spawn_blocking(move || report::write(&report_paths, &for_report, &summary))
            .await?;
        result.report = Some(written);
    }
    if !plan.keep_file {
        let bytes = ctx
            .spawn_blocking(move || {
                let bytes = std::fs::read(&path).map_err(|e| PcmError::io("reading", &path, e))?;
                let _ = std::fs::remove_file(&path);
                Ok(bytes)
            })
            .await?;
        use base64::Engine;
        result.bytes_base64 = Some(base64::engine::general_purpose::STANDARD.encode(bytes));
    }
    Ok(result)
}

/// The warning for messages carried as exact bytes, naming the first few.
pub(super) fn non_unicode_warning(count: u64, list: &[NonUnicodeMessage]) -> String {
    let named: Vec<String> = list
        .iter()
        .take(10)
        .map(|m| format!("room {} message {}", m.room_id, m.chat_id))
        .collect();
    let more = u64::try_from(named.len()).is_ok_and(|shown| count > shown);
    format!(
        "{count} message(s) hold content that is not valid Unicode (an unpaired UTF-16 surrogate, which SQL \
         Server allows): the package keeps their exact bytes (contentUtf16Base64) beside a copy with U+FFFD in \
         content; {}{}",
        named.join(", "),
        if more { ", …" } else { "" }
    )
}

pub(super) fn fragments_summary(
    selection: &select::Selection,
    fragments: &BTreeMap<i32, (FragmentMeta, bool)>,
) -> Vec<RoomSummary> {
    selection
        .entities
        .rooms
        .iter()
        .map(|room| {
            let links = fragments
                .get(&room.id)
                .map(|(m, _)| m.file_links)
                .unwrap_or_default();
            let meta = fragments.get(&room.id).map(|(m, _)| &m.history);
            RoomSummary {
                room_id: room.id,
                room: full_path(room),
                disabled: room.disabled,
                messages: meta.map(|h| h.messages),
                first_message_utc: meta.and_then(|h| h.first_message_utc.clone()),
                last_message_utc: meta.and_then(|h| h.last_message_utc.clone()),
                file_link_messages: links.messages_with_links,
                distinct_files: links.distinct_files,
            }
        })
        .collect()
}
