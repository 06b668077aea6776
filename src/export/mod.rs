//! `export`: a legacy Group Chat (or 2013 Persistent Chat) database into a migration package. Read-only
//! against the source, except the explicit -DisableExportedNodes after a successful export.
//!
//! The run, in order: output paths checked (when the request is planned, before connecting), the package
//! lock taken, the source read and snapshotted ([`plan_rooms`]), every room's history into the staging folder
//! ([`history`]), the package assembled from it ([`assemble`]), then -DisableExportedNodes and the report.
//! A cancel is honoured up to the package's final rename and leaves the staging folder for a resumed run.

pub mod assemble;
mod fragments;
mod history;
mod identity;
mod lock;
pub mod params;
pub mod paths;
mod report;
pub mod select;

use crate::connection::{connect, sql_error, ConnectionSettings};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::package::format::*;
use crate::schema::{detect, Catalog};
use crate::source::{read_entities, snapshot_bounds, RoomBound};
use fragments::{FragmentMeta, RoomFingerprint, SourceIdentity, Staging};
use history::{export_history, RoomTask};
use lock::PackageLock;
pub use params::{ExportLevel, ExportParams, ExportPlan};
use select::{full_path, select};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

const ACTIVITY: &str = "Exporting Group Chat data";

/// Runs the export. The package lock is held from before connecting until the report is written (or the run
/// failed and every file it was writing is closed).
pub async fn export(
    settings: ConnectionSettings,
    plan: ExportPlan,
    ctx: JobContext,
) -> Result<Value, PcmError> {
    ctx.cooperative();
    let lock = PackageLock::acquire(&plan.file, &plan.paths.lock)?;
    ctx.verbose(format!("holding the lock file '{}'", lock.path().display()));
    // Checked again under the lock: another run may have finished this package since the request was planned.
    let outcome = match plan.paths.check_package_absent(plan.force) {
        Ok(()) => run(&settings, &plan, &ctx).await,
        Err(e) => Err(e),
    };
    // Blocking work whose awaiting future was dropped may still be closing files: not before it ends is the
    // lock released.
    ctx.blocking_idle().await;
    drop(lock);
    outcome
}

/// The source, read and snapshotted.
struct SourceRead {
    database: String,
    detection: crate::schema::Detection,
    catalog: Catalog,
    product_version: Option<String>,
    identity: Option<SourceIdentity>,
    source: crate::source::SourceEntities,
    bounds: BTreeMap<i32, RoomBound>,
}

/// Connects, detects the database, reads its entities and takes the snapshot bounds; all of it cancellable.
async fn read_source(
    settings: &ConnectionSettings,
    plan: &ExportPlan,
    ctx: &JobContext,
) -> Result<SourceRead, PcmError> {
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
    ctx.cancellable(async {
        let mut connection = connect(settings, None).await?;
        let client = &mut connection.client;
        let (detection, catalog) = detect(client).await?;
        detection.require_chat(&database)?;
        ctx.verbose(format!("'{database}' is {}", detection.kind_name));
        let product_version = server_version(client).await.ok();
        let identity =
            identity::source_identity(client, &settings.instance.to_string(), &database).await?;
        let source = read_entities(client, &catalog, |step| {
            ctx.progress(ACTIVITY, format!("Reading {step}"), None, None);
        })
        .await?;
        if !source.defaults_applied.is_empty() {
            ctx.verbose(format!(
                "optional column(s) absent, their documented defaults apply (docs/schema-assumptions.md): {}",
                source.defaults_applied.join(", ")
            ));
        }
        // The snapshot: each room is read only up to the highest chatId seen now.
        let bounds = if plan.level.has_content() {
            snapshot_bounds(client, &catalog).await?
        } else {
            BTreeMap::new()
        };
        Ok(SourceRead {
            database: database.clone(),
            detection,
            catalog,
            product_version,
            identity,
            source,
            bounds,
        })
    })
    .await
}

/// The history tasks, one per content room, each with its fingerprint; and the messages expected in all.
fn plan_rooms(
    selection: &select::Selection,
    bounds: &BTreeMap<i32, RoomBound>,
    plan: &ExportPlan,
) -> (Vec<RoomTask>, u64) {
    let tasks: Vec<RoomTask> = selection
        .content_rooms
        .iter()
        .map(|r| {
            let bound = bounds.get(&r.id);
            RoomTask {
                room_id: r.id,
                label: format!("room '{}' (nodeID {})", full_path(r), r.id),
                fingerprint: RoomFingerprint {
                    chat_id_bound: bound.map(|b| b.max_chat_id),
                    first_chat_id: bound.map(|b| b.min_chat_id),
                    snapshot_messages: bound.map(|b| b.messages).unwrap_or(0),
                    start_ticks: plan.start_ticks,
                },
            }
        })
        .collect();
    let expected = tasks
        .iter()
        .map(|t| u64::try_from(t.fingerprint.snapshot_messages).unwrap_or(0))
        .sum();
    (tasks, expected)
}

/// Opens the staging folder for this source (off the async workers: it may empty a large folder).
async fn open_staging(
    read: &SourceRead,
    settings: &ConnectionSettings,
    plan: &ExportPlan,
    ctx: &JobContext,
) -> Result<Staging, PcmError> {
    let identity = read.identity.clone().unwrap_or_else(|| {
        ctx.verbose(format!(
            "sys.databases does not list '{}' for this login: rooms of an earlier run are not reused",
            read.database
        ));
        SourceIdentity {
            instance: settings.instance.to_string(),
            database: read.database.clone(),
            database_id: -1,
            // Unique, so that it matches no ledger.
            create_date: format!("unknown {}", chrono::Utc::now().to_rfc3339()),
        }
    });
    let parameters = parameters_json(plan);
    let dir = plan.paths.staging.clone();
    let inner = ctx.clone();
    ctx.spawn_blocking(move || Staging::open(&dir, &identity, parameters, |why| inner.verbose(why)))
        .await
}

fn parameters_json(plan: &ExportPlan) -> Value {
    json!({
        "level": plan.level,
        "scope": if plan.scope.is_empty() { Value::Null } else { json!(plan.scope) },
        "rooms": if plan.rooms.is_empty() { Value::Null } else { json!(plan.rooms) },
        "startDateUtc": plan.start_date_utc,
        "disableExportedNodes": plan.disable_exported_nodes,
    })
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Raises a warning event and keeps it for the result. Shown to people (PowerShell lists them): control
/// characters in names become visible escapes.
fn warn(warnings: &mut Vec<Value>, ctx: &JobContext, code: &str, message: &str) {
    let message = crate::util::text::escape_control(message).into_owned();
    ctx.warning(code, message.clone());
    warnings.push(json!({ "code": code, "message": message }));
}

/// Warns about disabled rooms in the selection; returns the warnings for the result.
fn selection_warnings(selection: &select::Selection, ctx: &JobContext) -> Vec<Value> {
    let mut warnings = Vec::new();
    let disabled: Vec<String> = selection
        .entities
        .rooms
        .iter()
        .filter(|r| r.disabled)
        .map(|r| format!("'{}'", full_path(r)))
        .collect();
    if !disabled.is_empty() {
        let shown = disabled.len().min(10);
        let message = format!(
            "{} disabled room(s) are in the package ({}{}); the import skips disabled rooms unless told otherwise",
            disabled.len(),
            disabled[..shown].join(", "),
            if disabled.len() > shown { ", …" } else { "" }
        );
        warn(&mut warnings, ctx, "disabled_rooms_exported", &message);
    }
    warnings
}

/// The manifest of the package about to be written (its entry list is filled in by the writer).
fn manifest(
    settings: &ConnectionSettings,
    plan: &ExportPlan,
    read: &SourceRead,
    selection: &select::Selection,
    fragments: &BTreeMap<i32, (FragmentMeta, bool)>,
) -> Manifest {
    let histories: Vec<RoomHistory> = fragments.values().map(|(m, _)| m.history.clone()).collect();
    let entities = &selection.entities;
    let counts = EntityCounts {
        principals: count(entities.principals.len()),
        categories: count(entities.categories.len()),
        rooms: count(entities.rooms.len()),
        roles: count(entities.roles.len()),
        scopes: count(entities.scopes.len()),
        addins: count(entities.addins.len()),
        messages: histories.iter().map(|h| h.messages).sum(),
    };
    Manifest {
        format: FORMAT_NAME.to_string(),
        format_version: format!("{FORMAT_MAJOR}.{FORMAT_MINOR}"),
        tool: ToolInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        created_utc: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        source: SourceInfo {
            db_instance: settings.instance.to_string(),
            database: read.database.clone(),
            kind: serde_json::to_value(read.detection.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            product_version: read.product_version.clone(),
        },
        parameters: parameters_json(plan),
        counts,
        rooms: histories,
        entries: Vec::new(),
    }
}

async fn run(
    settings: &ConnectionSettings,
    plan: &ExportPlan,
    ctx: &JobContext,
) -> Result<Value, PcmError> {
    let started = Instant::now();
    let read = read_source(settings, plan, ctx).await?;
    let selection = select(&read.source, plan)?;
    let mut warnings = selection_warnings(&selection, ctx);
    let (tasks, expected_messages) = plan_rooms(&selection, &read.bounds, plan);
    let staging = open_staging(&read, settings, plan, ctx).await?;
    let fragments = export_history(
        settings,
        &read.catalog,
        plan,
        &read.source,
        tasks,
        expected_messages,
        &staging,
        ctx,
    )
    .await?;
    ctx.check_cancelled()?;
    let (non_unicode, non_unicode_list) =
        fragments::non_unicode_summary(fragments.values().map(|(meta, _)| meta));
    if non_unicode > 0 {
        let message = non_unicode_warning(non_unicode, &non_unicode_list);
        warn(&mut warnings, ctx, "non_unicode_content", &message);
    }

    ctx.progress(ACTIVITY, "Writing the package", None, None);
    let manifest = manifest(settings, plan, &read, &selection, &fragments);
    let counts = manifest.counts.clone();
    let fragments = Arc::new(fragments);
    let path = assemble::write_package_blocking(
        plan.file.clone(),
        Arc::new(selection.entities.clone()),
        fragments.clone(),
        staging.clone(),
        manifest,
        ctx,
    )
    .await?;
    // The package is in place: from here on the export is done; a late cancel no longer undoes it.
    let size = {
        let path = path.clone();
        ctx.spawn_blocking(move || {
            staging.remove();
            Ok(std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0))
        })
        .await?
    };
    let disabled_nodes = if plan.disable_exported_nodes {
        disable_exported(settings, &read, &selection, ctx).await?
    } else {
        0
    };

    let elapsed = started.elapsed();
    let rate = if elapsed.as_secs_f64() > 0.0 {
        counts.messages as f64 / elapsed.as_secs_f64()
    } else {
        0.0
    };
    let result = json!({
        "path": if plan.keep_file { json!(path.display().to_string()) } else { Value::Null },
        "sizeBytes": size,
        "source": { "dbInstance": settings.instance.to_string(), "database": read.database, "kind": read.detection.kind },
        "level": plan.level,
        "counts": counts,
        "reusedRooms": fragments.values().filter(|(_, reused)| *reused).count(),
        "roomsDisabledInSource": disabled_nodes,
        "nonUnicodeMessages": non_unicode,
        "nonUnicodeMessageList": non_unicode_list,
        "durationMs": u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        "messagesPerSecond": rate.round() as u64,
        "warnings": warnings,
    });
    let result = write_outputs(result, plan, &selection, &fragments, path, ctx).await?;
    ctx.progress(ACTIVITY, "Done", Some(1), Some(1));
    Ok(result)
}

/// -DisableExportedNodes, after the package is in place; returns how many rooms were disabled.
async fn disable_exported(
    settings: &ConnectionSettings,
    read: &SourceRead,
    selection: &select::Selection,
    ctx: &JobContext,
) -> Result<usize, PcmError> {
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
    disable_rooms(settings, &read.catalog, &ids).await?;
    ctx.verbose(format!(
        "disabled {} room(s) in '{}'",
        ids.len(),
        read.database
    ));
    Ok(ids.len())
}

/// The report, and with -AsBytes the package read back (and removed) into the result.
async fn write_outputs(
    mut result: Value,
    plan: &ExportPlan,
    selection: &select::Selection,
    fragments: &BTreeMap<i32, (FragmentMeta, bool)>,
    path: std::path::PathBuf,
    ctx: &JobContext,
) -> Result<Value, PcmError> {
    if let Some(report_paths) = plan.paths.report.clone() {
        let summary = fragments_summary(selection, fragments);
        let for_report = result.clone();
        let written = ctx
            .spawn_blocking(move || report::write(&report_paths, &for_report, &summary))
            .await?;
        result["report"] = written;
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
        result["bytesBase64"] = json!(base64::engine::general_purpose::STANDARD.encode(bytes));
    }
    Ok(result)
}

/// The warning for messages carried as exact bytes, naming the first few.
fn non_unicode_warning(count: u64, list: &[Value]) -> String {
    let named: Vec<String> = list
        .iter()
        .take(10)
        .map(|m| format!("room {} message {}", m["roomId"], m["chatId"]))
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
