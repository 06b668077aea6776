//! `archive` parameters and their checks, done before a job exists so a bad request is refused at once.

use super::links::StoreUrl;
use super::timezone::TimeZoneSpec;
use crate::error::PcmError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Messages per page when `messagesPerPage` is not given: a page of 5,000 messages is a few megabytes of HTML,
/// which every browser opens at once.
pub const DEFAULT_MESSAGES_PER_PAGE: u32 = 5000;
/// The largest page accepted (a larger page makes a browser crawl).
pub const MAX_MESSAGES_PER_PAGE: u32 = 100_000;

/// The `archive` request's parameters (JSON, camelCase).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArchiveParams {
    /// The package to archive (written by `export`).
    pub file_name: String,
    /// The folder that will hold the archive. Absent or empty, or replaced with `force`.
    pub output_folder: String,
    /// Rooms to include: GUIDs, nodeIDs, names or `Category\Room` legacy paths. Default: every room.
    #[serde(default)]
    pub rooms: Vec<String>,
    /// Only the rooms a default import leaves out (disabled rooms, rooms whose category is not in the package).
    #[serde(default)]
    pub only_not_migrated: bool,
    /// Base URL (`https://`, `file://`), UNC path, drive path or relative path of the copied file store;
    /// `ma-filelink:` links point below it. Without it, file links are shown as text.
    #[serde(default)]
    pub file_store_url: Option<String>,
    /// The "local" time column: `local` (default, this machine's offset at each message's instant), `UTC`, or
    /// a fixed offset such as `+01:00`.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Messages per HTML page (default 5,000).
    #[serde(default)]
    pub messages_per_page: Option<u32>,
    /// Replace a non-empty output folder.
    #[serde(default)]
    pub force: bool,
}

/// The checked parameters.
#[derive(Debug, Clone)]
pub struct ArchivePlan {
    pub package: PathBuf,
    pub output: PathBuf,
    pub rooms: Vec<String>,
    pub only_not_migrated: bool,
    pub store: Option<StoreUrl>,
    pub time_zone: TimeZoneSpec,
    pub per_page: u32,
    pub force: bool,
}

impl ArchiveParams {
    /// Checks every parameter that can be checked without reading the package.
    pub fn plan(&self) -> Result<ArchivePlan, PcmError> {
        if self.file_name.trim().is_empty() {
            return Err(PcmError::invalid_parameter(
                "fileName",
                "fileName is empty; give the path of the package to archive",
            ));
        }
        if self.output_folder.trim().is_empty() {
            return Err(PcmError::invalid_parameter(
                "outputFolder",
                "outputFolder is empty; give the folder the archive is written to",
            ));
        }
        let per_page = self.messages_per_page.unwrap_or(DEFAULT_MESSAGES_PER_PAGE);
        if per_page == 0 || per_page > MAX_MESSAGES_PER_PAGE {
            return Err(PcmError::invalid_parameter(
                "messagesPerPage",
                format!(
                    "messagesPerPage {per_page} is out of range; give 1 to {MAX_MESSAGES_PER_PAGE} (default \
                     {DEFAULT_MESSAGES_PER_PAGE})"
                ),
            ));
        }
        let store = match self.file_store_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => Some(StoreUrl::parse(url)?),
        };
        let time_zone = TimeZoneSpec::parse(self.time_zone.as_deref().unwrap_or("local"))?;
        let output = PathBuf::from(&self.output_folder);
        let package = PathBuf::from(&self.file_name);
        check_placement(&package, &output)?;
        check_output(&output, self.force)?;
        Ok(ArchivePlan {
            package,
            output,
            rooms: self.rooms.clone(),
            only_not_migrated: self.only_not_migrated,
            store,
            time_zone,
            per_page,
            force: self.force,
        })
    }
}

/// The output folder names a folder of its own (not a drive's root, whose contents -Force would replace) and
/// does not hold the package (-Force would delete it with the folder's old contents).
fn check_placement(package: &Path, output: &Path) -> Result<(), PcmError> {
    if output.file_name().is_none() {
        return Err(PcmError::invalid_parameter(
            "outputFolder",
            format!(
                "-OutputFolder '{}' is a root or ends in '..'; give a folder of its own, such as D:\\Archive\\GroupChat",
                output.display()
            ),
        ));
    }
    let absolute = |p: &Path| std::fs::canonicalize(p).ok();
    if let (Some(package), Some(output)) = (absolute(package), absolute(output)) {
        if package.starts_with(&output) {
            return Err(PcmError::invalid_parameter(
                "outputFolder",
                format!(
                    "the package '{}' is inside -OutputFolder '{}'; write the archive to another folder (-Force \
                     would delete the package with the folder's old contents)",
                    package.display(),
                    output.display()
                ),
            ));
        }
    }
    Ok(())
}

/// The output folder is absent, an empty folder, or (with `force`) a folder to replace; never a file.
pub fn check_output(output: &Path, force: bool) -> Result<(), PcmError> {
    let Ok(meta) = std::fs::symlink_metadata(output) else {
        return Ok(());
    };
    if !meta.is_dir() {
        return Err(PcmError::invalid_parameter(
            "outputFolder",
            format!(
                "-OutputFolder '{}' is a file, not a folder; give a folder path",
                output.display()
            ),
        ));
    }
    let mut listing = std::fs::read_dir(output).map_err(|e| PcmError::io("listing", output, e))?;
    if listing.next().is_some() && !force {
        return Err(PcmError::invalid_parameter(
            "outputFolder",
            format!(
                "-OutputFolder '{}' is not empty; give -Force (--force) to replace its contents with the \
                 archive, or an empty or new folder",
                output.display()
            ),
        ));
    }
    Ok(())
}
