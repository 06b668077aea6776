//! The export run, in order: plan, room histories into the staging folder, the package assembled, then
//! -DisableExportedNodes and the outputs.

use super::history::export_history;
use super::outputs::{non_unicode_warning, write_outputs};
use super::planning::{
    count, manifest, open_staging, plan_rooms, read_source, selection_warnings, warn,
};
use super::result::{ExportResult, ExportSource};
use super::select::select;
use super::source_write::disable_exported;
use super::{assemble, fragments, ExportPlan, ACTIVITY};
use crate::connection::ConnectionSettings;
use crate::error::PcmError;
use crate::jobs::JobContext;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// Every principal's SIP URI by principal id.
fn poster_uris(source: &crate::source::SourceEntities) -> HashMap<i32, String> {
    source
        .entities
        .principals
        .iter()
        .map(|p| (p.id, p.uri.clone()))
        .collect()
}

pub(super) async fn run(
    settings: &ConnectionSettings,
    plan: &ExportPlan,
    ctx: &JobContext,
) -> Result<ExportResult, PcmError> {
    let started = Instant::now();
    let mut read = read_source(settings, plan, ctx).await?;
    // Every principal's SIP URI by id (a poster need not be in the selection); the entities themselves move
    // into the selection.
    let poster_uris = poster_uris(&read.source);
    let selection = select(std::mem::take(&mut read.source), plan)?;
    let mut warnings = selection_warnings(&selection, ctx);
    let (tasks, expected_messages) = plan_rooms(&selection, &read.bounds, plan);
    let staging = open_staging(&read, settings, plan, ctx).await?;
    let fragments = export_history(
        settings,
        &read.catalog,
        plan,
        poster_uris,
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
        selection.entities.clone(),
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
    let result = ExportResult {
        path: plan.keep_file.then(|| path.display().to_string()),
        size_bytes: size,
        source: ExportSource {
            db_instance: settings.instance.to_string(),
            database: read.database.clone(),
            kind: read.detection.kind,
        },
        level: plan.level,
        counts,
        reused_rooms: count(fragments.values().filter(|(_, reused)| *reused).count()),
        rooms_disabled_in_source: count(disabled_nodes),
        non_unicode_messages: non_unicode,
        non_unicode_message_list: non_unicode_list,
        duration_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        messages_per_second: rate.round() as u64,
        warnings,
        report: None,
        bytes_base64: None,
    };
    let result = write_outputs(result, plan, &selection, &fragments, path, ctx).await?;
    ctx.progress(ACTIVITY, "Done", Some(1), Some(1));
    Ok(result)
}
