//! The `verify` job: parameters checked (report files before any connection), the expected model from the
//! source, the target read, entities compared, histories compared (full or quick), items sorted, the summary,
//! the decommission checklist and the HTML + JSON report.

use super::compare::{compare, conclude, expected_guids};
use super::history::{compare_all, RoomTask, Sides};
use super::plan::{SourceSpec, VerifyPlan};
use super::{expected, quick, target};
use super::{
    HistoryComparison, VerifyItem, VerifyParams, VerifyResult, VerifyStatus, VerifySummary,
};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::target::report::{write_file, ReportTarget};
use crate::target::result::{ReportFiles, TargetInfo};
use crate::transform::MigrationModel;
use crate::util::text::json_terminal_safe;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

const ACTIVITY: &str = "Verifying the migration";

/// Runs verify. Reads both sides only; writes nothing but the report files.
pub async fn verify(params: VerifyParams, ctx: JobContext) -> Result<VerifyResult, PcmError> {
    let started = Instant::now();
    let plan = params.plan()?;
    ctx.check_cancelled()?;
    let expected = expected::read(&plan, &ctx).await?;
    ctx.progress(
        ACTIVITY,
        format!(
            "Reading the target {} / {}",
            plan.target.instance, plan.database
        ),
        None,
        None,
    );
    let (target, catalog) = ctx
        .cancellable(target::read(&plan.target, &plan.database))
        .await?;
    let compared = compare(&expected.model, &target, plan.conflict_action);
    let mut items = compared.items;
    let tasks = room_tasks(&plan, &expected, &compared.rooms);
    let (source_messages, target_messages) = if plan.quick {
        quick_histories(&plan, &expected, &tasks, &mut items, &ctx).await?
    } else {
        let sides = Arc::new(Sides {
            source: plan.source.clone(),
            target: plan.target.clone(),
            database: plan.database.clone(),
            target_catalog: catalog,
            start_ticks: plan.start_ticks,
            source_posters: expected_guids(&expected.model, &target),
            target_posters: target
                .principals
                .values()
                .map(|p| (p.id, p.guid.to_ascii_lowercase()))
                .collect(),
        });
        full_histories(sides, tasks, plan.parallelism, &mut items, &ctx).await?
    };
    sort(&mut items);
    let summary = summarize(
        &items,
        &expected.model,
        source_messages,
        target_messages,
        started,
    );
    let mut result = VerifyResult {
        quick: plan.quick,
        source: expected.source,
        target: TargetInfo {
            db_instance: target.db_instance.clone(),
            database: target.database.clone(),
            kind: target.kind.clone(),
        },
        summary,
        items,
        decommission: Vec::new(),
        report: None,
    };
    result.decommission = super::decommission::checklist(&params.decommission, &result);
    if let Some(report) = plan.report.clone() {
        let recorded = result.clone();
        result.report = Some(
            ctx.spawn_blocking(move || write_report(&report, recorded))
                .await?,
        );
    }
    Ok(result)
}

/// The rooms found on both sides, with whether the source has a history for each (a package lists it).
fn room_tasks(
    plan: &VerifyPlan,
    expected: &expected::Expected,
    rooms: &[(usize, usize, i32)],
) -> Vec<RoomTask> {
    let listed: HashSet<i32> = expected.histories.iter().map(|h| h.room_id).collect();
    let package = matches!(plan.source, SourceSpec::Package(_));
    rooms
        .iter()
        .map(|(room, item, node)| {
            let source_id = expected.model.rooms[*room].source_id;
            RoomTask {
                item: *item,
                source_id,
                source_listed: !package || listed.contains(&source_id),
                target_node: *node,
            }
        })
        .collect()
}

async fn full_histories(
    sides: Arc<Sides>,
    tasks: Vec<RoomTask>,
    parallelism: usize,
    items: &mut [VerifyItem],
    ctx: &JobContext,
) -> Result<(u64, u64), PcmError> {
    let outcomes = compare_all(sides, tasks, parallelism, ctx).await?;
    let (mut s, mut t) = (0, 0);
    for (index, outcome) in outcomes {
        s += outcome.source.messages;
        t += outcome.target.messages;
        let item = &mut items[index];
        // The digests come from the same fields the merge compares; were they ever to differ without a
        // message difference, that is still reported, never passed.
        let difference = outcome.first_difference.or_else(|| {
            (outcome.source.sha256 != outcome.target.sha256)
                .then(|| "history digest differs".to_string())
        });
        item.history = Some(HistoryComparison {
            source: outcome.source,
            target: outcome.target,
        });
        conclude(item, difference.into_iter().collect());
    }
    Ok((s, t))
}

async fn quick_histories(
    plan: &VerifyPlan,
    expected: &expected::Expected,
    tasks: &[RoomTask],
    items: &mut [VerifyItem],
    ctx: &JobContext,
) -> Result<(u64, u64), PcmError> {
    ctx.progress(
        ACTIVITY,
        "Counting messages per room on both sides",
        None,
        None,
    );
    let source = match &plan.source {
        SourceSpec::Package(_) => expected
            .histories
            .iter()
            .map(|h| (h.room_id, quick::from_manifest(h)))
            .collect(),
        SourceSpec::Database(settings) => {
            ctx.cancellable(quick::read_database(settings, None, plan.start_ticks))
                .await?
        }
    };
    let target = ctx
        .cancellable(quick::read_database(
            &plan.target,
            Some(&plan.database),
            None,
        ))
        .await?;
    let (mut s, mut t) = (0, 0);
    for task in tasks {
        let src = source.get(&task.source_id).cloned().unwrap_or_default();
        let tgt = target.get(&task.target_node).cloned().unwrap_or_default();
        s += src.messages;
        t += tgt.messages;
        let difference = quick::difference(&src, &tgt);
        let item = &mut items[task.item];
        item.history = Some(HistoryComparison {
            source: src,
            target: tgt,
        });
        conclude(item, difference.into_iter().collect());
    }
    Ok((s, t))
}

/// Problems first (Mismatch, Missing, Extra), then Verified; by kind, name and key within a status.
pub fn sort(items: &mut [VerifyItem]) {
    let rank = |s: VerifyStatus| match s {
        VerifyStatus::Mismatch => 0,
        VerifyStatus::Missing => 1,
        VerifyStatus::Extra => 2,
        VerifyStatus::Verified => 3,
    };
    items.sort_by(|a, b| {
        (rank(a.status), a.kind, a.name.to_lowercase(), &a.key).cmp(&(
            rank(b.status),
            b.kind,
            b.name.to_lowercase(),
            &b.key,
        ))
    });
}

fn summarize(
    items: &[VerifyItem],
    _model: &MigrationModel,
    source_messages: u64,
    target_messages: u64,
    started: Instant,
) -> VerifySummary {
    let mut s = VerifySummary {
        source_messages,
        target_messages,
        elapsed_seconds: started.elapsed().as_secs_f64(),
        ..VerifySummary::default()
    };
    for item in items {
        match item.status {
            VerifyStatus::Verified => s.verified += 1,
            VerifyStatus::Mismatch => s.mismatched += 1,
            VerifyStatus::Missing => s.missing += 1,
            VerifyStatus::Extra => s.extra += 1,
        }
        match item.kind {
            super::VerifyKind::Principal => s.principals += 1,
            super::VerifyKind::Addin => s.addins += 1,
            super::VerifyKind::Category => s.categories += 1,
            super::VerifyKind::Room => s.rooms += 1,
        }
    }
    s.passed = s.mismatched == 0 && s.missing == 0 && s.extra == 0;
    s
}

/// Writes the JSON and the HTML page (blocking) and returns their paths.
fn write_report(target: &ReportTarget, mut result: VerifyResult) -> Result<ReportFiles, PcmError> {
    let files = ReportFiles {
        html: target.paths.html.display().to_string(),
        json: target.paths.json.display().to_string(),
    };
    result.report = Some(files.clone());
    let json = serde_json::to_string_pretty(&result)
        .map_err(|e| PcmError::Internal(format!("the verify report cannot be serialized: {e}")))?;
    write_file(&target.paths.json, &json_terminal_safe(&json), target.force)?;
    write_file(
        &target.paths.html,
        &super::report::render_html(&result),
        target.force,
    )?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::VerifyKind;

    fn item(status: VerifyStatus, kind: VerifyKind, name: &str) -> VerifyItem {
        VerifyItem {
            kind,
            name: name.into(),
            key: name.into(),
            source_name: None,
            target_id: None,
            status,
            first_difference: None,
            differences: 0,
            history: None,
        }
    }

    #[test]
    fn problems_come_first_then_kind_and_name() {
        let mut items = vec![
            item(VerifyStatus::Verified, VerifyKind::Principal, "a"),
            item(VerifyStatus::Extra, VerifyKind::Room, "z"),
            item(VerifyStatus::Mismatch, VerifyKind::Room, "b"),
            item(VerifyStatus::Mismatch, VerifyKind::Category, "c"),
            item(VerifyStatus::Missing, VerifyKind::Room, "a"),
        ];
        sort(&mut items);
        let order: Vec<(VerifyStatus, &str)> =
            items.iter().map(|i| (i.status, i.name.as_str())).collect();
        assert_eq!(
            order,
            [
                (VerifyStatus::Mismatch, "c"),
                (VerifyStatus::Mismatch, "b"),
                (VerifyStatus::Missing, "a"),
                (VerifyStatus::Extra, "z"),
                (VerifyStatus::Verified, "a"),
            ]
        );
        let s = summarize(&items, &MigrationModel::default(), 0, 0, Instant::now());
        assert!(!s.passed);
        assert_eq!(
            (s.mismatched, s.missing, s.extra, s.verified, s.rooms),
            (2, 1, 1, 1, 3)
        );
    }
}
