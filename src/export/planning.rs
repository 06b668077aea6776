//! Planning the export: the source read and snapshotted ([`read_source`]), the history tasks ([`plan_rooms`]),
//! the staging folder, the warnings about the selection and the package's manifest. Everything here is decided
//! before the first room's history is read.

use super::fragments::{FragmentMeta, RoomFingerprint, SourceIdentity, Staging};
use super::history::RoomTask;
use super::result::ExportWarning;
use super::select::{self, full_path};
use super::{identity, ExportPlan, ACTIVITY};
use crate::connection::{connect, sql_error, ConnectionSettings};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::package::format::*;
use crate::schema::{detect, Catalog};
use crate::source::{read_entities, snapshot_bounds, RoomBound};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The source, read and snapshotted.
pub(super) struct SourceRead {
    pub(super) database: String,
    pub(super) detection: crate::schema::Detection,
    pub(super) catalog: Catalog,
    pub(super) product_version: Option<String>,
    pub(super) identity: Option<SourceIdentity>,
    pub(super) source: crate::source::SourceEntities,
    pub(super) bounds: BTreeMap<i32, RoomBound>,
}

/// Connects, detects the database, reads its entities and takes the snapshot bounds; all of it cancellable.
pub(super) async fn read_source(
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
pub(super) fn plan_rooms(
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
                label: format!("room '{}' (nodeID {})", r.path, r.id),
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
pub(super) async fn open_staging(
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

pub(super) fn parameters_json(plan: &ExportPlan) -> Value {
    json!({
        "level": plan.level,
        "scope": if plan.scope.is_empty() { Value::Null } else { json!(plan.scope) },
        "rooms": if plan.rooms.is_empty() { Value::Null } else { json!(plan.rooms) },
        "startDateUtc": plan.start_date_utc,
        "disableExportedNodes": plan.disable_exported_nodes,
    })
}

pub(super) fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Raises a warning event and keeps it for the result. Shown to people (PowerShell lists them): control
/// characters in names become visible escapes.
pub(super) fn warn(warnings: &mut Vec<ExportWarning>, ctx: &JobContext, code: &str, message: &str) {
    let message = crate::util::text::escape_control(message).into_owned();
    ctx.warning(code, message.clone());
    warnings.push(ExportWarning {
        code: code.to_string(),
        message,
    });
}

/// Warns about disabled rooms in the selection; returns the warnings for the result.
pub(super) fn selection_warnings(
    selection: &select::Selection,
    ctx: &JobContext,
) -> Vec<ExportWarning> {
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
pub(super) fn manifest(
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

pub(super) async fn server_version(
    client: &mut crate::connection::SqlClient,
) -> Result<String, PcmError> {
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
