//! `file_manifest`: every `ma-filelink:` reference per room, from a package or a database, written as JSON
//! Lines or CSV when `output` is given. Read-only on the database.

use super::manifest::{ManifestEntry, ManifestTotals, RoomLinks};
use super::output::{check_output, write_manifest, ManifestFormat};
use super::source::{read_manifest, LinkSource, LinkSourceInfo};
use crate::connection::ConnectionParams;
use crate::error::PcmError;
use crate::jobs::JobContext;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The `file_manifest` request's parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileManifestParams {
    /// A package written by export. Exclusive with `connection`.
    #[serde(default)]
    pub file_name: Option<String>,
    /// The legacy Group Chat database (read-only; `dbName` required).
    #[serde(default)]
    pub connection: Option<ConnectionParams>,
    /// Write every reference here: `.csv` as CSV, any other name as JSON Lines.
    #[serde(default)]
    pub output: Option<String>,
    /// Replace an existing output file.
    #[serde(default)]
    pub force: bool,
}

/// The checked parameters.
#[derive(Debug, Clone)]
pub struct FileManifestPlan {
    pub source: LinkSource,
    pub output: Option<(PathBuf, ManifestFormat)>,
}

impl FileManifestParams {
    pub fn plan(&self) -> Result<FileManifestPlan, PcmError> {
        let source =
            LinkSource::from_params(self.file_name.as_deref(), self.connection.as_ref(), false)?
                .ok_or_else(|| PcmError::Internal("no manifest source".into()))?;
        let output = match self.output.as_deref().map(str::trim) {
            None => None,
            Some("") => {
                return Err(PcmError::invalid_parameter(
                    "OutputPath",
                    "-OutputPath is empty; give a .jsonl or .csv file name",
                ))
            }
            Some(text) => {
                let path = PathBuf::from(text);
                check_output(&path, self.force, "OutputPath")?;
                let format = ManifestFormat::for_path(&path);
                Some((path, format))
            }
        };
        Ok(FileManifestPlan { source, output })
    }
}

/// The `file_manifest` result. `entries` holds every reference unless they were written to `output` (then it
/// is empty and the file holds them), so a deployment with very many links is not returned in one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileManifestResult {
    pub source: LinkSourceInfo,
    pub totals: ManifestTotals,
    /// Rooms with at least one link.
    pub rooms: Vec<RoomLinks>,
    pub entries: Vec<ManifestEntry>,
    pub output: Option<String>,
    pub format: Option<ManifestFormat>,
}

pub async fn file_manifest(
    plan: FileManifestPlan,
    ctx: JobContext,
) -> Result<FileManifestResult, PcmError> {
    let manifest = read_manifest(&plan.source, &ctx).await?;
    let mut result = FileManifestResult {
        source: plan.source.info(),
        totals: manifest.totals.clone(),
        rooms: manifest.rooms,
        entries: Vec::new(),
        output: None,
        format: None,
    };
    match plan.output {
        Some((path, format)) => {
            ctx.check_cancelled()?;
            let entries = manifest.entries;
            let target = path.clone();
            ctx.spawn_blocking(move || write_manifest(&target, format, &entries))
                .await?;
            result.output = Some(path.display().to_string());
            result.format = Some(format);
        }
        None => result.entries = manifest.entries,
    }
    Ok(result)
}
