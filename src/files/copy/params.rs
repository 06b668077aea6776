//! `copy_files` parameters, checked before the job starts: the source tree exists, the destination is a
//! folder (or can be created in one), neither lies inside the other, the report files are writable.

use crate::connection::ConnectionParams;
use crate::error::PcmError;
use crate::export::paths::ReportPaths;
use crate::files::output::check_output;
use crate::files::source::LinkSource;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The `copy_files` request's parameters (JSON, camelCase).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CopyFilesParams {
    /// The legacy file repository's root: a folder or a UNC share.
    pub source: String,
    /// The 2013 Persistent Chat file store's root.
    pub destination: String,
    /// A package whose file links are checked against the tree (optional; exclusive with `connection`).
    #[serde(default)]
    pub file_name: Option<String>,
    /// The legacy database whose file links are checked against the tree (optional).
    #[serde(default)]
    pub connection: Option<ConnectionParams>,
    /// Replace a differing destination file (the old one is kept as `<name>.pchat-old-<n>`).
    #[serde(default)]
    pub overwrite: bool,
    /// HTML report path; the JSON report goes beside it (`.json`).
    #[serde(default)]
    pub report: Option<String>,
    /// Replace existing report files.
    #[serde(default)]
    pub force: bool,
    /// Plan only: list what would be copied, write nothing.
    #[serde(default)]
    pub what_if: bool,
}

/// The checked parameters.
#[derive(Debug, Clone)]
pub struct CopyPlan {
    pub source: PathBuf,
    pub source_canonical: PathBuf,
    pub destination: PathBuf,
    pub links: Option<LinkSource>,
    pub overwrite: bool,
    pub report: Option<ReportPaths>,
    pub what_if: bool,
}

fn required(value: &str, parameter: &str, what: &str) -> Result<PathBuf, PcmError> {
    if value.trim().is_empty() {
        return Err(PcmError::invalid_parameter(
            parameter,
            format!("-{parameter} is empty; give {what}"),
        ));
    }
    Ok(PathBuf::from(value))
}

/// The canonical form of `path`, or of its parent joined with its name when it does not exist yet.
fn canonical_or_planned(path: &Path) -> Option<PathBuf> {
    if let Ok(c) = std::fs::canonicalize(path) {
        return Some(c);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(path.file_name()?))
}

impl CopyFilesParams {
    pub fn plan(&self) -> Result<CopyPlan, PcmError> {
        let source = required(
            &self.source,
            "Source",
            "the legacy file repository's folder or share",
        )?;
        let destination = required(
            &self.destination,
            "Destination",
            "the Persistent Chat file store's folder or share",
        )?;
        if !source.is_dir() {
            return Err(PcmError::invalid_parameter(
                "Source",
                format!(
                    "-Source '{}' is not a folder this account can read; give the legacy Group Chat file \
                     repository's root (the upload folder of the Group Chat Web service)",
                    source.display()
                ),
            ));
        }
        let source_canonical = std::fs::canonicalize(&source)
            .map_err(|e| PcmError::io("resolving the source folder", &source, e))?;
        if destination.exists() && !destination.is_dir() {
            return Err(PcmError::invalid_parameter(
                "Destination",
                format!(
                    "-Destination '{}' is a file, not a folder",
                    destination.display()
                ),
            ));
        }
        let planned = canonical_or_planned(&destination).ok_or_else(|| {
            PcmError::invalid_parameter(
                "Destination",
                format!(
                    "-Destination '{}': its parent folder does not exist; create it or give another path",
                    destination.display()
                ),
            )
        })?;
        if planned.starts_with(&source_canonical) || source_canonical.starts_with(&planned) {
            return Err(PcmError::invalid_parameter(
                "Destination",
                format!(
                    "-Destination '{}' and -Source '{}' overlap (one is inside the other); give separate \
                     folders",
                    destination.display(),
                    source.display()
                ),
            ));
        }
        let links =
            LinkSource::from_params(self.file_name.as_deref(), self.connection.as_ref(), true)?;
        let report = match self.report.as_deref().map(str::trim) {
            None => None,
            Some("") => {
                return Err(PcmError::invalid_parameter(
                    "Report",
                    "-Report is empty; give the HTML report's file name",
                ))
            }
            Some(text) => {
                let paths = ReportPaths::for_path(Path::new(text));
                check_output(&paths.html, self.force, "Report")?;
                check_output(&paths.json, self.force, "Report")?;
                Some(paths)
            }
        };
        Ok(CopyPlan {
            source,
            source_canonical,
            destination,
            links,
            overwrite: self.overwrite,
            report,
            what_if: self.what_if,
        })
    }
}
