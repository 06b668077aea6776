//! Planning an import: the package validated and transformed, the target read and checked (preflight), every
//! package item matched against the target under `-ConflictAction`. Nothing is written.
//!
//! [`prepare`] does the I/O (package on the blocking pool, target over TDS) and hands the pure part to
//! [`build_plan`], which unit tests drive with hand-built models and target states.

use super::lock_state;
use super::params::ImportParams;
use super::preflight;
use super::report::{self, ReportTarget};
use super::result::{ImportResult, PackageInfo, Preflight, TargetInfo};
use super::state::{self, PrincipalKey};
use super::{
    collisions, estimate, EntityResult, EntityStatus, ImportPlan, ImportSummary, RoomStep,
    StatusCounts, StepAction, TargetState,
};
use crate::connection::{connect, ConnectionSettings};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::package::format::RoomHistory;
use crate::package::reader::Entities;
use crate::package::{Manifest, PackageReader};
use crate::schema::{detect, DatabaseKind};
use crate::transform::{self, Finding, MigrationModel, Severity, TransformOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const ACTIVITY: &str = "Planning the import";

/// Everything decided before the first write.
#[derive(Debug, Clone)]
pub struct PreparedImport {
    pub package_path: PathBuf,
    pub package: PackageInfo,
    pub database: String,
    pub model: MigrationModel,
    pub state: TargetState,
    pub plan: ImportPlan,
    pub preflight: Preflight,
    pub batch_size: u32,
}

/// Validates the package, transforms it, reads the target and plans. Refuses (before any write) when a finding
/// is an error: the package invalid, the target not `mgc`, servers running without -Force, the admin lock
/// held, a collision under `Fail`, a name too long without a mapping, an unknown principal type.
pub async fn prepare(
    settings: &ConnectionSettings,
    params: &ImportParams,
    ctx: &JobContext,
) -> Result<PreparedImport, PcmError> {
    params.validate()?;
    // The report files are checked before anything connects or reads the package.
    if let Some(target) = ReportTarget::from_params(params)? {
        target.check()?;
    }
    let package_path = PathBuf::from(&params.file_name);
    let (manifest, entities) = read_package(&package_path, ctx).await?;
    let mut options = params.transform_options();
    options.name_map = read_name_map(params, ctx).await?;
    ctx.progress(ACTIVITY, "Converting to the 2013 model", None, None);
    let mut model =
        transform::transform(&manifest.source.kind, &entities, &manifest.rooms, &options);
    drop(entities);
    // The plan holds the transform's findings from here on (the model's copy is not read again).
    let model_findings = std::mem::take(&mut model.findings);
    let database = settings
        .database
        .clone()
        .unwrap_or_else(|| "mgc".to_string());
    ctx.progress(
        ACTIVITY,
        format!("Reading the target {} / {database}", settings.instance),
        None,
        None,
    );
    let state = ctx
        .cancellable(read_target(settings, &database, &model))
        .await?;
    let entry_bytes: BTreeMap<String, u64> = manifest
        .entries
        .iter()
        .map(|e| (e.name.clone(), e.bytes))
        .collect();
    let plan = build_plan(
        &model,
        model_findings,
        &state,
        &manifest.rooms,
        &entry_bytes,
        params,
        options,
    );
    if let Some(refused) = preflight::refusal(&plan.findings) {
        return Err(refused);
    }
    Ok(PreparedImport {
        package: PackageInfo {
            path: params.file_name.clone(),
            source_kind: manifest.source.kind.clone(),
            source_database: manifest.source.database.clone(),
            created_utc: manifest.created_utc.clone(),
        },
        package_path,
        database,
        preflight: Preflight {
            servers: state.servers.clone(),
            admin_lock: state.admin_lock.clone(),
            backup: state.backup.clone(),
        },
        model,
        state,
        plan,
        batch_size: params.batch_size(),
    })
}

/// Opens and fully verifies the package (checksums, records, references) on the blocking pool, cancellable,
/// with progress; then loads its entities. A package that fails is refused with its `invalid_package` error.
async fn read_package(path: &Path, ctx: &JobContext) -> Result<(Manifest, Entities), PcmError> {
    let path = path.to_path_buf();
    let worker = ctx.clone();
    ctx.progress(
        ACTIVITY,
        format!("Checking the package {}", path.display()),
        Some(0),
        None,
    );
    ctx.spawn_blocking(move || {
        let mut reader = PackageReader::open(&path)?;
        reader.set_cancellation(worker.cancellation());
        reader.verify(|done, total| {
            let (done, total) = (u64::try_from(done).ok(), u64::try_from(total).ok());
            worker.progress(
                ACTIVITY,
                format!(
                    "Checked {} of {} package entries",
                    done.unwrap_or(0),
                    total.unwrap_or(0)
                ),
                done,
                total,
            );
        })?;
        let entities = reader.entities()?;
        Ok((reader.into_manifest(), entities))
    })
    .await
}

/// The -NameMap file (CSV or JSON), read on the blocking pool; empty without one.
async fn read_name_map(
    params: &ImportParams,
    ctx: &JobContext,
) -> Result<BTreeMap<String, String>, PcmError> {
    let Some(file) = params.name_map_file.clone() else {
        return Ok(BTreeMap::new());
    };
    ctx.spawn_blocking(move || transform::name_map::read_name_map(Path::new(&file)))
        .await
}

/// Connects to the target, refuses anything but a 2013 Persistent Chat database, and reads its state (also
/// used by readiness, src/readiness/target.rs).
pub async fn read_target(
    settings: &ConnectionSettings,
    database: &str,
    model: &MigrationModel,
) -> Result<TargetState, PcmError> {
    let mut connection = connect(settings, Some(database)).await?;
    let client = &mut connection.client;
    let (detection, c) = detect(client).await?;
    if detection.kind != DatabaseKind::PersistentChat2013 {
        return Err(not_mgc(database, detection.kind, &detection.missing));
    }
    let lookups = state::read_lookups(client, &c).await?;
    let root_id = state::read_root(client, &c, database).await?;
    let system_principal_id = state::read_system_principal(client, &c, database).await?;
    let node_id_is_identity = state::is_identity(client, &c, "tblNode", "nodeID").await?;
    let prin_id_is_identity = state::is_identity(client, &c, "tblPrincipal", "prinID").await?;
    let nodes = state::read_nodes(client, &c).await?;
    let addins = state::read_addins(client, &c).await?;
    let guids: Vec<String> = model.principals.iter().map(|p| p.guid.clone()).collect();
    let uris: Vec<String> = model.principals.iter().map(|p| p.uri.clone()).collect();
    let principals_by_guid = state::read_principals(client, &c, PrincipalKey::Guid, &guids)
        .await?
        .into_iter()
        .map(|p| (p.guid.to_lowercase(), p))
        .collect();
    let principals_by_uri = state::read_principals(client, &c, PrincipalKey::Uri, &uris)
        .await?
        .into_iter()
        .map(|p| (p.uri.to_lowercase(), p))
        .collect();
    let servers = state::read_servers(client, &c).await?;
    let admin_lock = lock_state::read_admin_lock(client, &c, system_principal_id).await?;
    let system_revision = state::read_system_revision(client, &c).await?;
    // Last: an error reading msdb must leave nothing else unread.
    let backup = state::read_backup(client, database).await;
    Ok(TargetState {
        db_instance: settings.instance.to_string(),
        database: database.to_string(),
        kind: format!("{:?}", detection.kind),
        root_id,
        system_principal_id,
        role_types: lookups.role_types,
        principal_types: lookups.principal_types,
        enum_values: lookups.enum_values,
        node_id_is_identity,
        prin_id_is_identity,
        nodes,
        addins,
        principals_by_guid,
        principals_by_uri,
        servers,
        admin_lock,
        backup,
        system_revision,
    })
}

/// The refusal of a target that is not `mgc`, naming what it is and the fix.
fn not_mgc(database: &str, kind: DatabaseKind, missing: &[String]) -> PcmError {
    let what = if kind.is_legacy() {
        format!(
            "'{database}' is a {} database: that is the source of a migration, not its target",
            kind.display_name()
        )
    } else {
        format!(
            "'{database}' is not a Persistent Chat database ({} not found)",
            missing.join(", ")
        )
    };
    PcmError::ImportRefused(format!(
        "the import target must be a Lync Server 2013 / SfB 2015 Persistent Chat database: {what}. Give \
         -DBName mgc (the Persistent Chat database of the 2013 pool)"
    ))
}

/// The plan against the target (pure): preflight, principals, collisions, lookups and the estimate. Its
/// findings start with `model_findings`, the transform's (moved in: a deployment of 40,000 rooms has ~76,000).
pub fn build_plan(
    model: &MigrationModel,
    model_findings: Vec<Finding>,
    state: &TargetState,
    histories: &[RoomHistory],
    entry_bytes: &BTreeMap<String, u64>,
    params: &ImportParams,
    options: TransformOptions,
) -> ImportPlan {
    let mut findings = model_findings;
    findings.extend(preflight::readiness(state, params.force));
    findings.push(preflight::backup(state));
    let (principals, found) = preflight::principals(model, state);
    findings.extend(found);
    let mut nodes = collisions::match_nodes(model, state, params.conflict_action);
    findings.append(&mut nodes.findings);
    resolve_room_lookups(&mut nodes.rooms, state, &mut findings);
    let role_type_ids = resolve_role_types(model, state, &mut findings);
    let nodes_to_write = nodes
        .categories
        .iter()
        .map(|c| &c.action)
        .chain(nodes.rooms.iter().map(|r| &r.action))
        .filter(|a| !matches!(a, StepAction::Skip { .. }))
        .count();
    let principals_to_write = principals
        .iter()
        .filter(|p| !matches!(p.action, StepAction::Skip { .. }))
        .count();
    let estimate = estimate::estimate(
        &nodes.rooms,
        u64::try_from(nodes_to_write).unwrap_or(u64::MAX),
        u64::try_from(principals_to_write).unwrap_or(u64::MAX),
        histories,
        entry_bytes,
    );
    ImportPlan {
        conflict_action: params.conflict_action,
        options,
        source_kind: model.source_kind.clone(),
        principals,
        addins: nodes.addins,
        categories: nodes.categories,
        rooms: nodes.rooms,
        role_type_ids,
        findings,
        estimate,
    }
}

/// Each room's behaviour and visibility id, by name from the target's `tblEnumValue`.
fn resolve_room_lookups(rooms: &mut [RoomStep], state: &TargetState, findings: &mut Vec<Finding>) {
    for room in rooms {
        let mut lookup = |value: &str, what: &str| -> i16 {
            match state.enum_values.get(&value.to_lowercase()) {
                Some(id) => *id,
                None => {
                    findings.push(preflight::finding(
                        Severity::Error,
                        "lookup_unknown",
                        format!(
                            "room '{}' has {what} '{value}', which the target's tblEnumValue does not hold; the \
                             target must be a standard Persistent Chat database",
                            room.name
                        ),
                        Some(("Room", &room.planned.source_path)),
                    ));
                    0
                }
            }
        };
        room.behavior_id = lookup(&room.planned.behavior, "behavior");
        room.visibility_id = lookup(&room.planned.visibility, "visibility");
    }
}

/// Target role type ids by 2013 role name, for the roles the plan uses.
fn resolve_role_types(
    model: &MigrationModel,
    state: &TargetState,
    findings: &mut Vec<Finding>,
) -> BTreeMap<String, i32> {
    let mut needed = vec!["Member", "Manager"];
    if model.rooms.iter().any(|r| !r.presenters.is_empty()) {
        needed.push("Voiced");
    }
    if model.categories.iter().any(|c| !c.creators.is_empty()) {
        needed.push("Creator");
    }
    let mut ids = BTreeMap::new();
    for role in needed {
        match state.role_types.get(&role.to_lowercase()) {
            Some(id) => {
                ids.insert(role.to_string(), *id);
            }
            None => findings.push(preflight::finding(
                Severity::Error,
                "role_type_unknown",
                format!(
                    "the target's tblRoleType has no role '{role}'; the target must be a standard Persistent \
                     Chat database"
                ),
                None,
            )),
        }
    }
    ids
}

fn would(action: &StepAction) -> EntityStatus {
    match action {
        StepAction::Create => EntityStatus::WouldCreate,
        StepAction::Resume { .. } | StepAction::Overwrite { .. } => EntityStatus::WouldUpdate,
        StepAction::Skip { .. } => EntityStatus::WouldSkip,
    }
}

/// The note of an item a finished earlier run already wrote as planned.
const UP_TO_DATE: &str = "up to date: already in the target as planned; nothing to write";

/// With the target holding the whole plan (a second -WhatIf after an import), resumed items are skipped, not
/// updated: the real run would write nothing and take no lock.
fn settle_up_to_date(entities: &mut [EntityResult], summary: &mut ImportSummary) {
    for e in entities.iter_mut() {
        if e.status != EntityStatus::WouldUpdate {
            continue;
        }
        e.status = EntityStatus::WouldSkip;
        e.notes = format!("{UP_TO_DATE}; {}", e.notes);
        let counts = match e.entity_type.as_str() {
            "AddIn" => &mut summary.addins,
            "Category" => &mut summary.categories,
            "Room" => &mut summary.rooms,
            _ => &mut summary.principals,
        };
        counts.updated = counts.updated.saturating_sub(1);
        counts.skipped += 1;
    }
}

fn count(counts: &mut StatusCounts, status: EntityStatus) {
    match status {
        EntityStatus::WouldCreate | EntityStatus::Successful => counts.created += 1,
        EntityStatus::WouldUpdate => counts.updated += 1,
        EntityStatus::WouldSkip | EntityStatus::Skipped => counts.skipped += 1,
        EntityStatus::Failed => counts.failed += 1,
    }
}

/// Notes of a step's action: resumed, overwritten, skipped and why, renamed.
fn action_notes(action: &StepAction, planned_name: &str, name: &str) -> Vec<String> {
    let mut notes = Vec::new();
    match action {
        StepAction::Create => {}
        StepAction::Resume { target_id } => notes.push(format!(
            "resumed: already in the target (id {target_id}) from an earlier run of this import"
        )),
        StepAction::Overwrite { target_id } => notes.push(format!(
            "overwrites the target's item of this name (id {target_id}, -ConflictAction Overwrite)"
        )),
        StepAction::Skip { reason, .. } => notes.push(format!("skipped: {reason}")),
    }
    if name != planned_name {
        notes.push(format!("renamed from '{planned_name}'"));
    }
    notes
}

/// The per-entity objects of a plan, with Would* statuses, and the summary counts.
fn plan_entities(prepared: &PreparedImport) -> (Vec<EntityResult>, ImportSummary) {
    let plan = &prepared.plan;
    let mut entities = Vec::new();
    let mut summary = ImportSummary::default();
    for p in &plan.principals {
        let status = would(&p.action);
        count(&mut summary.principals, status);
        if status != EntityStatus::WouldCreate {
            continue;
        }
        let mut notes = vec![format!("type {}", p.planned.type_name)];
        if let Some(source) = &p.planned.source_type_name {
            notes.push(format!("converted from {source}"));
        }
        if p.planned.federated {
            notes.push("federated: imported disabled".into());
        }
        entities.push(entity("Principal", &p.planned.uri, status, notes));
    }
    for a in &plan.addins {
        let status = would(&a.action);
        count(&mut summary.addins, status);
        let notes = action_notes(&a.action, &a.planned.name, &a.name);
        entities.push(entity("AddIn", &a.name, status, notes));
    }
    for c in &plan.categories {
        let status = would(&c.action);
        count(&mut summary.categories, status);
        let mut notes = action_notes(&c.action, &c.planned.name, &c.name);
        if c.planned.source_path != c.name {
            notes.push(format!("legacy path '{}'", c.planned.source_path));
        }
        entities.push(entity("Category", &c.name, status, notes));
    }
    for r in &plan.rooms {
        let status = would(&r.action);
        count(&mut summary.rooms, status);
        let mut notes = action_notes(&r.action, &r.planned.name, &r.name);
        if r.planned.source_path != r.name {
            notes.push(format!("legacy path '{}'", r.planned.source_path));
        }
        let todo = estimate::messages_to_write(r);
        if status != EntityStatus::WouldSkip {
            summary.messages_total += r.planned.messages;
            summary.messages_already_present += r.messages_in_target;
            notes.push(format!("{todo} message(s) to import"));
            if r.messages_in_target > 0 {
                notes.push(format!("{} already in the target", r.messages_in_target));
            }
            if r.messages_replaced > 0 {
                notes.push(format!(
                    "{} message(s) of the target's room replaced",
                    r.messages_replaced
                ));
            }
        }
        entities.push(entity("Room", &r.name, status, notes));
    }
    for skipped in &prepared.model.skipped_rooms {
        count(&mut summary.rooms, EntityStatus::WouldSkip);
        entities.push(entity(
            "Room",
            &skipped.source_path,
            EntityStatus::WouldSkip,
            vec![format!(
                "not imported: {} ({} message(s))",
                skipped.reason, skipped.messages
            )],
        ));
    }
    (entities, summary)
}

fn entity(kind: &str, name: &str, status: EntityStatus, notes: Vec<String>) -> EntityResult {
    EntityResult {
        entity_type: kind.to_string(),
        name: name.to_string(),
        status,
        notes: notes.join("; "),
    }
}

fn result_of(
    prepared: &PreparedImport,
    what_if: bool,
    entities: Vec<EntityResult>,
    summary: ImportSummary,
) -> ImportResult {
    ImportResult {
        what_if,
        target: TargetInfo {
            db_instance: prepared.state.db_instance.clone(),
            database: prepared.database.clone(),
            kind: prepared.state.kind.clone(),
        },
        package: prepared.package.clone(),
        summary,
        entities,
        findings: prepared.plan.findings.clone(),
        preflight: prepared.preflight.clone(),
        estimate: prepared.plan.estimate.clone(),
        report: None,
    }
}

/// Writes the report when `-Report` is given (on the blocking pool) and records its files in the result.
async fn with_report(
    mut result: ImportResult,
    params: &ImportParams,
    ctx: &JobContext,
) -> Result<ImportResult, PcmError> {
    if let Some(target) = ReportTarget::from_params(params)? {
        let snapshot = result.clone();
        let files = ctx
            .spawn_blocking(move || report::write(&target, &snapshot))
            .await?;
        result.report = Some(files);
    }
    Ok(result)
}

/// The -WhatIf result: every entity with its Would* status, findings, preflight, estimate; the report written.
pub async fn what_if_result(
    settings: &ConnectionSettings,
    prepared: &PreparedImport,
    params: &ImportParams,
    ctx: &JobContext,
) -> Result<ImportResult, PcmError> {
    let (mut entities, mut summary) = plan_entities(prepared);
    let resumes = prepared
        .plan
        .categories
        .iter()
        .map(|c| &c.action)
        .chain(prepared.plan.rooms.iter().map(|r| &r.action))
        .any(|a| matches!(a, StepAction::Resume { .. }));
    if resumes
        && ctx
            .cancellable(super::apply::nothing_pending(settings, prepared))
            .await?
    {
        settle_up_to_date(&mut entities, &mut summary);
    }
    with_report(result_of(prepared, true, entities, summary), params, ctx).await
}

/// The result of a real import, from the plan and what the writes did; the report written.
pub async fn final_result(
    prepared: &PreparedImport,
    outcome: super::apply::ApplyOutcome,
    params: &ImportParams,
    ctx: &JobContext,
) -> Result<ImportResult, PcmError> {
    let mut entities = outcome.entities;
    let mut summary = outcome.summary;
    for skipped in &prepared.model.skipped_rooms {
        summary.rooms.skipped += 1;
        entities.push(entity(
            "Room",
            &skipped.source_path,
            EntityStatus::Skipped,
            vec![format!(
                "not imported: {} ({} message(s))",
                skipped.reason, skipped.messages
            )],
        ));
    }
    with_report(result_of(prepared, false, entities, summary), params, ctx).await
}
