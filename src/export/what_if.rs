//! `export` with `whatIf`: what the export would write, found by read-only queries of the source and nothing
//! else: the entities read and selected exactly as the export selects them (-Level, -Scope, -Room), and each
//! selected room's history counted (-StartDate) by one grouped statement instead of being read. No lock, no
//! staging folder, no package, no report, nothing disabled.

use super::params::ExportLevel;
use super::planning::{count, selection_warnings};
use super::result::{ExportSource, ExportWarning};
use super::select::{full_path, select};
use super::{ExportPlan, ACTIVITY};
use crate::connection::{connect, ConnectionSettings};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::package::format::EntityCounts;
use crate::schema::detect;
use crate::source::{count_history, read_entities, RoomHistoryCount};
use crate::util::ticks::ticks_to_iso;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Instant;

/// What an export with these parameters would write now (`whatIf` is always true: it tells this result from
/// an [`super::ExportResult`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportWhatIf {
    pub what_if: bool,
    /// The package the export would write (null with -AsBytes).
    pub file_name: Option<String>,
    pub source: ExportSource,
    pub level: ExportLevel,
    /// The counts the package's manifest would hold (as [`super::ExportResult`]'s).
    pub counts: EntityCounts,
    /// The rooms in the package, with the messages each would carry (null for a level without history).
    pub rooms: Vec<WhatIfRoom>,
    /// The message text's bytes in the source (UTF-16, before the package's UTF-8 and compression): an upper
    /// bound for the history's share of the package, not its size.
    pub source_content_bytes: u64,
    /// Rooms -DisableExportedNodes would disable after the export (0 without it).
    pub rooms_to_disable: u64,
    pub warnings: Vec<ExportWarning>,
    pub duration_ms: u64,
}

/// One room the export would write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WhatIfRoom {
    pub room_id: i32,
    /// `Category\Sub\Room`.
    pub room: String,
    pub disabled: bool,
    pub messages: Option<u64>,
    pub first_message_utc: Option<String>,
    pub last_message_utc: Option<String>,
}

/// Connects, reads and selects the entities and counts the selected rooms' history.
pub async fn what_if(
    settings: &ConnectionSettings,
    plan: &ExportPlan,
    ctx: &JobContext,
) -> Result<ExportWhatIf, PcmError> {
    let started = Instant::now();
    let database = settings.database.clone().ok_or_else(|| {
        PcmError::invalid_parameter(
            "DBName",
            "-DBName (the legacy Group Chat database) is required for an export",
        )
    })?;
    ctx.progress(ACTIVITY, "Counting what would be exported", None, None);
    let (detection, source, histories) = ctx
        .cancellable(async {
            let mut connection = connect(settings, None).await?;
            let client = &mut connection.client;
            let (detection, catalog) = detect(client).await?;
            detection.require_chat(&database)?;
            let source = read_entities(client, &catalog, |_| {}).await?;
            let histories = if plan.level.has_content() {
                count_history(client, &catalog, plan.start_ticks).await?
            } else {
                BTreeMap::new()
            };
            Ok((detection, source, histories))
        })
        .await?;
    let selection = select(source, plan)?;
    let warnings = selection_warnings(&selection, ctx);
    let content: BTreeMap<i32, RoomHistoryCount> = selection
        .content_rooms
        .iter()
        .map(|r| (r.id, histories.get(&r.id).copied().unwrap_or(EMPTY)))
        .collect();
    let rooms = rooms(&selection, &content, plan.level.has_content());
    let entities = &selection.entities;
    let messages: u64 = rooms.iter().filter_map(|r| r.messages).sum();
    let content_bytes: i64 = content.values().map(|h| h.content_bytes).sum();
    Ok(ExportWhatIf {
        what_if: true,
        file_name: plan.keep_file.then(|| plan.file.display().to_string()),
        source: ExportSource {
            db_instance: settings.instance.to_string(),
            database,
            kind: detection.kind,
        },
        level: plan.level,
        counts: EntityCounts {
            principals: count(entities.principals.len()),
            categories: count(entities.categories.len()),
            rooms: count(entities.rooms.len()),
            roles: count(entities.roles.len()),
            scopes: count(entities.scopes.len()),
            addins: count(entities.addins.len()),
            messages,
        },
        source_content_bytes: u64::try_from(content_bytes).unwrap_or(0),
        rooms_to_disable: if plan.disable_exported_nodes {
            count(entities.rooms.iter().filter(|r| !r.disabled).count())
        } else {
            0
        },
        rooms,
        warnings,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

const EMPTY: RoomHistoryCount = RoomHistoryCount {
    messages: 0,
    first_chat_date: None,
    last_chat_date: None,
    content_bytes: 0,
};

/// The selected rooms in package order, each with its counted history when the level exports history.
fn rooms(
    selection: &super::select::Selection,
    content: &BTreeMap<i32, RoomHistoryCount>,
    has_content: bool,
) -> Vec<WhatIfRoom> {
    selection
        .entities
        .rooms
        .iter()
        .map(|r| {
            let history = content.get(&r.id).filter(|_| has_content);
            WhatIfRoom {
                room_id: r.id,
                room: full_path(r),
                disabled: r.disabled,
                messages: history.map(|h| u64::try_from(h.messages).unwrap_or(0)),
                first_message_utc: history.and_then(|h| h.first_chat_date.and_then(ticks_to_iso)),
                last_message_utc: history.and_then(|h| h.last_chat_date.and_then(ticks_to_iso)),
            }
        })
        .collect()
}
