//! `readiness` (the migration's step 3, prepare): the import's transform run against a legacy database (read over
//! TDS, read-only) or a package, optionally against the target `mgc` for collisions, writing nothing but the
//! report. It returns every finding with its severity and rooms, the expected counts, an estimate of the
//! export and import time, and messages per month (the report draws them, to choose -StartDate by). See
//! docs/readiness.md.

pub mod chart;
pub mod estimate;
pub mod figures;
pub mod findings;
mod package;
pub mod params;
pub mod report;
mod source;
pub mod target;

use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::package::format::{messages_entry, RoomHistory};
use crate::package::Entities;
use crate::target::ConflictAction;
use crate::transform::{transform, Finding, MigrationModel, Severity, TransformOptions};
use figures::{histogram, Month, MonthCount, RoomFigures};
pub use params::{ReadinessParams, ReadinessPlan, SourceSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

const ACTIVITY: &str = "Checking migration readiness";

/// What both readers return: the entities an export packages and each room's history figures.
#[derive(Debug, Clone)]
pub struct SourceData {
    /// `LyncGroupChat2010`, `OcsGroupChat2007R2` or `PersistentChat2013`.
    pub kind: String,
    pub db_instance: Option<String>,
    pub database: Option<String>,
    /// The package, when read from one.
    pub file_name: Option<String>,
    pub entities: Entities,
    /// By room id; every room of `entities.rooms` has an entry.
    pub rooms: BTreeMap<i32, RoomFigures>,
}

/// Where the checked data came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceInfo {
    pub kind: String,
    pub db_instance: Option<String>,
    pub database: Option<String>,
    pub file_name: Option<String>,
}

/// What the target would hold after the import (after flattening and skipping).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpectedCounts {
    pub principals: u64,
    pub categories: u64,
    pub rooms: u64,
    /// Room members, managers and presenters, and category creators.
    pub roles: u64,
    /// Category AllowedMembers and DeniedMembers entries.
    pub scopes: u64,
    pub addins: u64,
    /// Messages of the migrated rooms (from -StartDate on, when given).
    pub messages: u64,
    pub skipped_rooms: u64,
    pub skipped_messages: u64,
    /// Rooms and messages in the source (every message, whatever -StartDate).
    pub source_rooms: u64,
    pub source_messages: u64,
}

/// Findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeverityCounts {
    pub errors: u64,
    pub warnings: u64,
    pub info: u64,
}

/// The `readiness` result (the JSON report holds the same document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadinessResult {
    pub source: SourceInfo,
    pub target: Option<target::TargetReadiness>,
    /// No Error finding: an import with these choices would not be refused for the data (the target's
    /// servers and lock are checked again by the import itself).
    pub ready: bool,
    pub severity_counts: SeverityCounts,
    pub start_date_utc: Option<String>,
    pub conflict_action: ConflictAction,
    pub options: TransformOptions,
    pub counts: ExpectedCounts,
    pub file_links: findings::FileLinks,
    /// The transform's findings, then readiness's own, then the target's.
    pub findings: Vec<Finding>,
    pub estimate: estimate::ReadinessEstimate,
    /// Messages per month over all rooms, every month from the first to the last (gaps as 0).
    pub months: Vec<MonthCount>,
    /// Messages whose time stamp is no date (left out of `months`).
    pub undated_messages: u64,
    pub report: Option<report::ReportFiles>,
}

/// Runs the readiness check. Writes nothing to any database; writes the report files when asked.
pub async fn readiness(
    params: ReadinessParams,
    ctx: JobContext,
) -> Result<ReadinessResult, PcmError> {
    let plan = params.plan()?;
    ctx.check_cancelled()?;
    let mut options = plan.options.clone();
    if let Some(path) = plan.name_map_file.clone() {
        options.name_map = ctx
            .spawn_blocking(move || crate::transform::name_map::read_name_map(&path))
            .await?;
    }
    let data = match &plan.source {
        SourceSpec::Database(settings) => {
            source::read_database(settings, plan.start_ticks, &ctx).await?
        }
        SourceSpec::Package(path) => {
            package::read_package(path.clone(), plan.start_ticks, &ctx).await?
        }
    };
    ctx.progress(ACTIVITY, "Applying the conversion rules", None, None);
    let data = Arc::new(data);
    let model = {
        let (data, options) = (data.clone(), options.clone());
        ctx.spawn_blocking(move || {
            let histories = histories(&data);
            Ok(transform(&data.kind, &data.entities, &histories, &options))
        })
        .await?
    };
    let target = match &plan.target {
        Some((connection, settings)) => {
            let histories = histories(&data);
            Some(
                target::check(
                    connection,
                    settings,
                    &model,
                    &histories,
                    plan.conflict_action,
                    &ctx,
                )
                .await?,
            )
        }
        None => None,
    };
    let mut result = assemble(&plan, options, &data, &model, target);
    if let Some(paths) = plan.report.clone() {
        ctx.progress(ACTIVITY, "Writing the report", None, None);
        let document = result.clone();
        let start = plan.start_ticks.and_then(Month::of_ticks);
        result.report = Some(
            ctx.spawn_blocking(move || report::write(&paths, &document, start))
                .await?,
        );
    }
    ctx.progress(ACTIVITY, "Done", Some(1), Some(1));
    Ok(result)
}

/// The transform's input histories: every room with the messages an export would move.
fn histories(data: &SourceData) -> Vec<RoomHistory> {
    data.rooms
        .iter()
        .map(|(id, f)| RoomHistory {
            room_id: *id,
            entry: messages_entry(*id),
            messages: f.selected,
            first_chat_id: None,
            last_chat_id: None,
            chat_id_bound: None,
            first_message_utc: None,
            last_message_utc: None,
        })
        .collect()
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// The expected counts of the target after the import.
pub fn expected_counts(model: &MigrationModel, data: &SourceData) -> ExpectedCounts {
    let roles = model
        .rooms
        .iter()
        .map(|r| r.members.len() + r.managers.len() + r.presenters.len())
        .chain(model.categories.iter().map(|c| c.creators.len()))
        .map(count)
        .sum();
    ExpectedCounts {
        principals: count(model.principals.len()),
        categories: count(model.categories.len()),
        rooms: count(model.rooms.len()),
        roles,
        scopes: model
            .categories
            .iter()
            .map(|c| count(c.allowed.len() + c.denied.len()))
            .sum(),
        addins: count(model.addins.len()),
        messages: model.rooms.iter().map(|r| r.messages).sum(),
        skipped_rooms: count(model.skipped_rooms.len()),
        skipped_messages: model.skipped_rooms.iter().map(|r| r.messages).sum(),
        source_rooms: count(data.entities.rooms.len()),
        source_messages: data.rooms.values().map(|r| r.messages).sum(),
    }
}

/// Puts the result together (pure).
fn assemble(
    plan: &ReadinessPlan,
    options: TransformOptions,
    data: &SourceData,
    model: &MigrationModel,
    target: Option<target::TargetReadiness>,
) -> ReadinessResult {
    let mut all = model.findings.clone();
    all.extend(findings::no_enabled_manager(model));
    let file_links = findings::file_links(model, &data.rooms);
    all.extend(findings::file_links_finding(&file_links));
    if let Some(t) = &target {
        all.extend(t.findings.iter().cloned());
    }
    let mut severity_counts = SeverityCounts::default();
    for f in &all {
        match f.severity {
            Severity::Error => severity_counts.errors += 1,
            Severity::Warning => severity_counts.warnings += 1,
            Severity::Info => severity_counts.info += 1,
        }
    }
    let counts = expected_counts(model, data);
    let export_messages = data.rooms.values().map(|r| r.selected).sum();
    ReadinessResult {
        source: SourceInfo {
            kind: data.kind.clone(),
            db_instance: data.db_instance.clone(),
            database: data.database.clone(),
            file_name: data.file_name.clone(),
        },
        target,
        ready: severity_counts.errors == 0,
        severity_counts,
        start_date_utc: plan.start_date_utc.clone(),
        conflict_action: plan.conflict_action,
        options,
        estimate: estimate::estimate(
            export_messages,
            counts.messages,
            counts.categories + counts.rooms,
            counts.principals,
        ),
        counts,
        file_links,
        findings: all,
        months: histogram(data.rooms.values()),
        undated_messages: data.rooms.values().map(|r| r.undated).sum(),
        report: None,
    }
}
