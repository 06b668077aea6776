//! The expected 2013 state: the source read (a package, verified in full as the import verifies it; or the
//! legacy database, read-only, through the export's own readers at level All) and run through the import's
//! transform with the import's options and name map.

use super::plan::{SourceSpec, VerifyPlan};
use super::VerifySource;
use crate::connection::connect;
use crate::error::PcmError;
use crate::export::paths::OutputPaths;
use crate::export::select::select;
use crate::export::{ExportLevel, ExportPlan};
use crate::jobs::JobContext;
use crate::package::format::RoomHistory;
use crate::package::reader::{Entities, PackageReader};
use crate::schema::detect;
use crate::source::read_entities;
use crate::transform::{self, MigrationModel};
use std::path::PathBuf;

const ACTIVITY: &str = "Verifying the migration";

/// The expected model and where its histories are read from.
pub struct Expected {
    pub source: VerifySource,
    pub model: MigrationModel,
    /// Package sources: the manifest's per-room figures (quick mode reads them instead of the messages).
    pub histories: Vec<RoomHistory>,
}

/// Reads the source and transforms it.
pub async fn read(plan: &VerifyPlan, ctx: &JobContext) -> Result<Expected, PcmError> {
    let mut options = plan.options.clone();
    if let Some(file) = plan.name_map_file.clone() {
        options.name_map = ctx
            .spawn_blocking(move || transform::name_map::read_name_map(&file))
            .await?;
    }
    let (source, entities, histories) = match &plan.source {
        SourceSpec::Package(path) => read_package(path.clone(), ctx).await?,
        SourceSpec::Database(settings) => {
            let database = settings.database.clone().unwrap_or_default();
            ctx.progress(
                ACTIVITY,
                format!("Reading the source {} / {database}", settings.instance),
                None,
                None,
            );
            let (kind, entities) = ctx
                .cancellable(async {
                    let mut connection = connect(settings, None).await?;
                    let client = &mut connection.client;
                    let (detection, catalog) = detect(client).await?;
                    detection.require_chat(&database)?;
                    let source = read_entities(client, &catalog, |_| {}).await?;
                    let entities = select(source, &whole_export())?.into_entities();
                    Ok((kind_name(detection.kind), entities))
                })
                .await?;
            let source = VerifySource {
                kind: "database".into(),
                location: format!("{}/{database}", settings.instance),
                source_kind: kind,
            };
            (source, entities, Vec::new())
        }
    };
    ctx.progress(
        ACTIVITY,
        "Converting to the expected 2013 model",
        None,
        None,
    );
    let model = transform::transform(&source.source_kind, &entities, &histories, &options);
    Ok(Expected {
        source,
        model,
        histories,
    })
}

/// Opens and verifies the package on the blocking pool (checksums, records, references), then its entities.
async fn read_package(
    path: PathBuf,
    ctx: &JobContext,
) -> Result<(VerifySource, Entities, Vec<RoomHistory>), PcmError> {
    let worker = ctx.clone();
    ctx.progress(
        ACTIVITY,
        format!("Checking the package {}", path.display()),
        None,
        None,
    );
    ctx.spawn_blocking(move || {
        let mut reader = PackageReader::open(&path)?;
        reader.set_cancellation(worker.cancellation());
        reader.verify(|done, total| {
            worker.progress(
                ACTIVITY,
                "Checking the package",
                u64::try_from(done).ok(),
                u64::try_from(total).ok(),
            );
        })?;
        let entities = reader.entities()?;
        let manifest = reader.into_manifest();
        let source = VerifySource {
            kind: "package".into(),
            location: path.display().to_string(),
            source_kind: manifest.source.kind.clone(),
        };
        Ok((source, entities, manifest.rooms))
    })
    .await
}

/// The package's `source.kind` spelling of a detected kind (the serde name, as the export's manifest has it).
fn kind_name(kind: crate::schema::DatabaseKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// An export of everything (level All, no -Scope, no -Room): what a package of the database holds. Nothing is
/// written: the plan only steers [`select`].
fn whole_export() -> ExportPlan {
    let file = PathBuf::from("verify-writes-no-package");
    ExportPlan {
        paths: OutputPaths::new(&file, None),
        file,
        keep_file: false,
        level: ExportLevel::All,
        scope: Vec::new(),
        rooms: Vec::new(),
        start_ticks: None,
        start_date_utc: None,
        disable_exported_nodes: false,
        report: None,
        throttle_limit: 1,
        force: false,
        what_if: false,
    }
}
