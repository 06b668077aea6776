//! `export`: a legacy Group Chat (or 2013 Persistent Chat) database into a migration package. Read-only
//! against the source, except the explicit -DisableExportedNodes after a successful export.

mod fragments;
pub mod params;
mod report;
pub mod select;

use crate::connection::{connect, sql_error, ConnectionSettings};
use crate::error::PcmError;
use crate::jobs::{JobContext, JobEvent};
use crate::package::format::*;
use crate::package::PackageWriter;
use crate::schema::{detect, Catalog};
use crate::source::{read_entities, snapshot_bounds, stream_room, RoomBound, RoomSlice};
use fragments::{FragmentMeta, Staging};
pub use params::{ExportLevel, ExportParams, ExportPlan};
use select::{full_path, select};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

const ACTIVITY: &str = "Exporting Group Chat data";

/// A room whose history one worker exports.
#[derive(Debug, Clone)]
struct RoomTask {
    room_id: i32,
    label: String,
    bound: Option<i64>,
}

/// Shared progress counters.
#[derive(Default)]
struct Counters {
    messages: AtomicU64,
    bytes: AtomicU64,
}

/// Runs the export.
pub async fn export(
    settings: ConnectionSettings,
    plan: ExportPlan,
    ctx: JobContext,
) -> Result<Value, PcmError> {
    let started = Instant::now();
    let database = settings.database.clone().ok_or_else(|| {
        PcmError::invalid_parameter(
            "DBName",
            "-DBName (the legacy Group Chat database) is required for an export",
        )
    })?;
    ctx.progress(
        ACTIVITY,
        format!("Connecting to {}", settings.instance),
        None,
        None,
    );
    let mut connection = connect(&settings, None).await?;
    let (detection, catalog) = detect(&mut connection.client).await?;
    detection.require_chat(&database)?;
    ctx.verbose(format!("'{database}' is {}", detection.kind_name));
    let product_version = server_version(&mut connection.client).await.ok();

    let source = read_entities(&mut connection.client, &catalog, |step| {
        ctx.progress(ACTIVITY, format!("Reading {step}"), None, None);
    })
    .await?;
    if !source.defaults_applied.is_empty() {
        ctx.verbose(format!(
            "optional column(s) absent, their documented defaults apply (docs/schema-assumptions.md): {}",
            source.defaults_applied.join(", ")
        ));
    }
    let selection = select(&source, &plan)?;
    let mut warnings: Vec<Value> = Vec::new();
    let mut warn = |code: &str, message: String| {
        // Shown to people (PowerShell lists them): control characters in names become visible escapes.
        let message = crate::util::text::escape_control(&message).into_owned();
        ctx.warning(code, message.clone());
        warnings.push(json!({ "code": code, "message": message }));
    };
    let disabled = selection
        .entities
        .rooms
        .iter()
        .filter(|r| r.disabled)
        .count();
    if disabled > 0 {
        warn(
            "disabled_rooms_exported",
            format!("{disabled} disabled room(s) are in the package; the import skips disabled rooms unless told otherwise"),
        );
    }

    // The snapshot: each room is read only up to the highest chatId seen now.
    let bounds: BTreeMap<i32, RoomBound> = if plan.level.has_content() {
        snapshot_bounds(&mut connection.client, &catalog).await?
    } else {
        BTreeMap::new()
    };
    let tasks: Vec<RoomTask> = selection
        .content_rooms
        .iter()
        .map(|r| RoomTask {
            room_id: r.id,
            label: format!("room '{}' (nodeID {})", full_path(r), r.id),
            bound: bounds.get(&r.id).map(|b| b.max_chat_id),
        })
        .collect();
    let expected_messages: u64 = tasks
        .iter()
        .filter_map(|t| bounds.get(&t.room_id))
        .map(|b| b.messages.max(0) as u64)
        .sum();

    let staging = Staging::open(&plan.file)?;
    let fragments = export_history(
        &settings,
        &catalog,
        &plan,
        &source,
        tasks,
        expected_messages,
        &staging,
        &ctx,
    )
    .await?;
    let reused = fragments.values().filter(|(_, reused)| *reused).count();
    let (non_unicode, non_unicode_list) =
        fragments::non_unicode_summary(fragments.values().map(|(meta, _)| meta));
    if non_unicode > 0 {
        warn(
            "non_unicode_content",
            non_unicode_warning(non_unicode, &non_unicode_list),
        );
    }
    drop(connection);

    ctx.progress(ACTIVITY, "Writing the package", None, None);
    let mut writer = PackageWriter::create(&plan.file)?;
    writer.write_entry(PRINCIPALS_ENTRY, &selection.entities.principals)?;
    writer.write_entry(CATEGORIES_ENTRY, &selection.entities.categories)?;
    writer.write_entry(ROOMS_ENTRY, &selection.entities.rooms)?;
    writer.write_entry(ROLES_ENTRY, &selection.entities.roles)?;
    writer.write_entry(SCOPES_ENTRY, &selection.entities.scopes)?;
    writer.write_entry(ADDINS_ENTRY, &selection.entities.addins)?;
    let mut histories = Vec::with_capacity(fragments.len());
    let mut total_messages = 0u64;
    for (room_id, (meta, _)) in &fragments {
        writer.copy_entry_from(
            &staging.fragment_path(*room_id),
            &meta.entry.name,
            meta.entry.clone(),
        )?;
        total_messages += meta.history.messages;
        histories.push(meta.history.clone());
    }
    let parameters = json!({
        "level": plan.level,
        "scope": if plan.scope.is_empty() { Value::Null } else { json!(plan.scope) },
        "rooms": if plan.rooms.is_empty() { Value::Null } else { json!(plan.rooms) },
        "startDateUtc": plan.start_date_utc,
        "disableExportedNodes": plan.disable_exported_nodes,
    });
    let counts = EntityCounts {
        principals: selection.entities.principals.len() as u64,
        categories: selection.entities.categories.len() as u64,
        rooms: selection.entities.rooms.len() as u64,
        roles: selection.entities.roles.len() as u64,
        scopes: selection.entities.scopes.len() as u64,
        addins: selection.entities.addins.len() as u64,
        messages: total_messages,
    };
    let manifest = Manifest {
        format: FORMAT_NAME.to_string(),
        format_version: format!("{FORMAT_MAJOR}.{FORMAT_MINOR}"),
        tool: ToolInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        created_utc: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        source: SourceInfo {
            db_instance: settings.instance.to_string(),
            database: database.clone(),
            kind: serde_json::to_value(detection.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            product_version,
        },
        parameters,
        counts: counts.clone(),
        rooms: histories,
        entries: Vec::new(),
    };
    let path = writer.finish(manifest)?;
    staging.remove();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);

    let disabled_nodes = if plan.disable_exported_nodes {
        let ids: Vec<i32> = selection
            .entities
            .rooms
            .iter()
            .filter(|r| !r.disabled)
            .map(|r| r.id)
            .collect();
        ctx.progress(
            ACTIVITY,
            format!("Disabling {} exported room(s) in the source", ids.len()),
            None,
            None,
        );
        disable_rooms(&settings, &catalog, &ids).await?;
        ctx.verbose(format!("disabled {} room(s) in '{database}'", ids.len()));
        ids.len()
    } else {
        0
    };

    let elapsed = started.elapsed();
    let rate = if elapsed.as_secs_f64() > 0.0 {
        total_messages as f64 / elapsed.as_secs_f64()
    } else {
        0.0
    };
    let mut result = json!({
        "path": if plan.keep_file { json!(path.display().to_string()) } else { Value::Null },
        "sizeBytes": size,
        "source": { "dbInstance": settings.instance.to_string(), "database": database, "kind": detection.kind },
        "level": plan.level,
        "counts": counts,
        "reusedRooms": reused,
        "disabledRooms": disabled_nodes,
        "nonUnicodeMessages": non_unicode,
        "nonUnicodeMessageList": non_unicode_list,
        "durationMs": elapsed.as_millis() as u64,
        "messagesPerSecond": rate.round() as u64,
        "warnings": warnings,
    });
    if let Some(report_path) = &plan.report {
        let written = report::write(
            report_path,
            &result,
            &fragments_summary(&selection, &fragments),
        )?;
        result["report"] = written;
    }
    if !plan.keep_file {
        let bytes = std::fs::read(&path).map_err(|e| PcmError::io("reading", &path, e))?;
        let _ = std::fs::remove_file(&path);
        use base64::Engine;
        result["bytesBase64"] = json!(base64::engine::general_purpose::STANDARD.encode(bytes));
    }
    ctx.progress(ACTIVITY, "Done", Some(1), Some(1));
    Ok(result)
}

/// The warning for messages carried as exact bytes, naming the first few.
fn non_unicode_warning(count: u64, list: &[Value]) -> String {
    let named: Vec<String> = list
        .iter()
        .take(10)
        .map(|m| format!("room {} message {}", m["roomId"], m["chatId"]))
        .collect();
    format!(
        "{count} message(s) hold content that is not valid Unicode (an unpaired UTF-16 surrogate, which SQL \
         Server allows): the package keeps their exact bytes (contentUtf16Base64) beside a copy with U+FFFD in \
         content; {}{}",
        named.join(", "),
        if count > named.len() as u64 { ", …" } else { "" }
    )
}

fn fragments_summary(
    selection: &select::Selection,
    fragments: &BTreeMap<i32, (FragmentMeta, bool)>,
) -> Vec<Value> {
    selection
        .entities
        .rooms
        .iter()
        .map(|room| {
            let meta = fragments.get(&room.id).map(|(m, _)| &m.history);
            json!({
                "roomId": room.id,
                "room": full_path(room),
                "disabled": room.disabled,
                "messages": meta.map(|h| h.messages),
                "firstMessageUtc": meta.and_then(|h| h.first_message_utc.clone()),
                "lastMessageUtc": meta.and_then(|h| h.last_message_utc.clone()),
            })
        })
        .collect()
}

async fn server_version(client: &mut crate::connection::SqlClient) -> Result<String, PcmError> {
    let row = client
        .simple_query("SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128))")
        .await
        .map_err(sql_error)?
        .into_row()
        .await
        .map_err(sql_error)?;
    Ok(row
        .and_then(|r| r.get::<&str, _>(0).map(str::to_string))
        .unwrap_or_default())
}

/// Exports every room's history into the staging folder, `throttle_limit` rooms at a time, each worker over
/// its own (reused) connection. Returns the fragments by room id, with whether each was reused.
#[allow(clippy::too_many_arguments)]
async fn export_history(
    settings: &ConnectionSettings,
    catalog: &Catalog,
    plan: &ExportPlan,
    source: &crate::source::SourceEntities,
    tasks: Vec<RoomTask>,
    expected_messages: u64,
    staging: &Staging,
    ctx: &JobContext,
) -> Result<BTreeMap<i32, (FragmentMeta, bool)>, PcmError> {
    let total_rooms = tasks.len() as u64;
    let mut done = BTreeMap::new();
    let mut queue = VecDeque::new();
    for task in tasks {
        match staging.reusable(task.room_id, task.bound, plan.start_ticks) {
            Some(meta) => {
                ctx.verbose(format!(
                    "{}: reusing the history exported by an earlier run",
                    task.label
                ));
                done.insert(task.room_id, (meta, true));
            }
            None => queue.push_back(task),
        }
    }
    if queue.is_empty() {
        return Ok(done);
    }
    let poster_uris: Arc<HashMap<i32, String>> = Arc::new(
        source
            .entities
            .principals
            .iter()
            .map(|p| (p.id, p.uri.clone()))
            .collect(),
    );
    let queue = Arc::new(Mutex::new(queue));
    let counters = Arc::new(Counters::default());
    let (sender, mut receiver) = mpsc::unbounded_channel::<(i32, FragmentMeta)>();
    let mut workers = JoinSet::new();
    let worker_count = plan
        .throttle_limit
        .min(queue.lock().map(|q| q.len()).unwrap_or(1))
        .max(1);
    for _ in 0..worker_count {
        let settings = settings.clone();
        let catalog = catalog.clone();
        let queue = queue.clone();
        let counters = counters.clone();
        let sender = sender.clone();
        let staging = staging.clone();
        let poster_uris = poster_uris.clone();
        let start_ticks = plan.start_ticks;
        workers.spawn(async move {
            let mut connection = connect(&settings, None).await?;
            loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                let Some(task) = next else { break };
                let mut fragment = staging.begin(task.room_id, task.bound, start_ticks)?;
                if let Some(bound) = task.bound {
                    let slice = RoomSlice {
                        room_id: task.room_id,
                        label: &task.label,
                        bound,
                        start_ticks,
                    };
                    stream_room(
                        &mut connection.client,
                        &catalog,
                        &slice,
                        &poster_uris,
                        |message| {
                            let bytes = fragment.write(&message)?;
                            counters.messages.fetch_add(1, Ordering::Relaxed);
                            counters.bytes.fetch_add(bytes, Ordering::Relaxed);
                            Ok(())
                        },
                    )
                    .await?;
                }
                let meta = fragment.finish()?;
                if sender.send((task.room_id, meta)).is_err() {
                    break;
                }
            }
            Ok::<(), PcmError>(())
        });
    }
    drop(sender);
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let reused = done.len() as u64;
    loop {
        tokio::select! {
            received = receiver.recv() => match received {
                Some((room_id, meta)) => { done.insert(room_id, (meta, false)); }
                None => break,
            },
            Some(joined) = workers.join_next() => {
                match joined {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => return Err(e),
                    Err(e) => return Err(PcmError::Internal(format!("an export worker stopped: {e}"))),
                }
            },
            _ = tick.tick() => {
                let messages = counters.messages.load(Ordering::Relaxed);
                let bytes = counters.bytes.load(Ordering::Relaxed);
                let secs = started.elapsed().as_secs_f64().max(0.001);
                let rate = messages as f64 / secs;
                let remaining = expected_messages.saturating_sub(messages);
                ctx.progress_event(JobEvent::Progress {
                    activity: ACTIVITY.to_string(),
                    status: format!(
                        "{} of {total_rooms} rooms, {messages} messages ({:.1} MB), {rate:.0} messages/s",
                        done.len(),
                        bytes as f64 / 1_048_576.0
                    ),
                    percent: (expected_messages > 0).then(|| (messages as f64 * 100.0 / expected_messages as f64).min(100.0)),
                    current: Some(done.len() as u64),
                    total: Some(total_rooms),
                    seconds_remaining: (rate > 0.0 && messages > 0).then(|| (remaining as f64 / rate) as u64),
                });
            }
        }
    }
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(e) => return Err(PcmError::Internal(format!("an export worker stopped: {e}"))),
        }
    }
    if done.len() as u64 != total_rooms {
        return Err(PcmError::Internal(format!(
            "{} of {total_rooms} rooms were exported ({reused} reused)",
            done.len()
        )));
    }
    Ok(done)
}

/// Disables the exported rooms in the source, all in one transaction.
async fn disable_rooms(
    settings: &ConnectionSettings,
    catalog: &Catalog,
    ids: &[i32],
) -> Result<(), PcmError> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut connection = connect(settings, None).await?;
    let client = &mut connection.client;
    client.begin_transaction().await.map_err(sql_error)?;
    let outcome = async {
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("@P{i}")).collect();
            let n = |c: &str| catalog.col("tblNode", c);
            let sql = format!(
                "UPDATE {} SET {} = 1 WHERE {} = 0 AND {} IN ({})",
                catalog.table_ref("tblNode"),
                n("disabled"),
                n("nodeType"),
                n("nodeID"),
                placeholders.join(", ")
            );
            let mut query = tiberius::Query::new(sql);
            for id in chunk {
                query.bind(*id);
            }
            query.execute(&mut *client).await.map_err(sql_error)?;
        }
        Ok::<(), PcmError>(())
    }
    .await;
    match outcome {
        Ok(()) => client.commit_transaction().await.map_err(sql_error),
        Err(e) => {
            let _ = client.rollback_transaction().await;
            Err(e)
        }
    }
}
