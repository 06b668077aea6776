//! Readiness from a package: the package verified in full (the import's own check: checksums, records,
//! references), its entities loaded, then every room's history streamed once for the same figures the database
//! reading computes. All of it on the blocking pool (zip inflate, SHA-256), cancellable, with progress.

use super::figures::RoomFigures;
use super::SourceData;
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::package::reader::PackageReader;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Opens, verifies and reads the package at `path`.
pub async fn read_package(
    path: PathBuf,
    start_ticks: Option<i64>,
    ctx: &JobContext,
) -> Result<SourceData, PcmError> {
    let inner = ctx.clone();
    ctx.spawn_blocking(move || read_blocking(&path, start_ticks, &inner))
        .await
}

fn read_blocking(
    path: &std::path::Path,
    start_ticks: Option<i64>,
    ctx: &JobContext,
) -> Result<SourceData, PcmError> {
    ctx.progress(
        super::ACTIVITY,
        format!("Verifying the package '{}'", path.display()),
        None,
        None,
    );
    let mut reader = PackageReader::open(path)?;
    reader.set_cancellation(ctx.cancellation());
    reader.verify(|done, total| {
        ctx.progress(
            super::ACTIVITY,
            "Verifying the package",
            u64::try_from(done).ok(),
            u64::try_from(total).ok(),
        );
    })?;
    let entities = reader.entities()?;
    let room_ids: Vec<i32> = reader.manifest().rooms.iter().map(|h| h.room_id).collect();
    let total = u64::try_from(room_ids.len()).unwrap_or(u64::MAX);
    let mut rooms: BTreeMap<i32, RoomFigures> = BTreeMap::new();
    for (done, room_id) in room_ids.into_iter().enumerate() {
        ctx.check_cancelled()?;
        let mut figures = RoomFigures::default();
        reader.for_each_message(room_id, |m, _| {
            figures.count(m.chat_date, &m.content, start_ticks);
            Ok(())
        })?;
        rooms.insert(room_id, figures);
        let counted = u64::try_from(done + 1).unwrap_or(u64::MAX);
        if !counted.is_multiple_of(100) && counted != total {
            continue;
        }
        ctx.progress(
            super::ACTIVITY,
            "Counting messages per month",
            Some(counted),
            Some(total),
        );
    }
    let source = reader.manifest().source.clone();
    Ok(SourceData {
        kind: source.kind,
        db_instance: Some(source.db_instance),
        database: Some(source.database),
        file_name: Some(path.display().to_string()),
        entities,
        rooms,
    })
}
