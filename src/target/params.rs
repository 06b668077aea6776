//! `import` parameters, mirroring Import-CsPersistentChatData (-DBInstance, -FileName, -Report, -WhatIf) plus
//! -DBName (default `mgc`), -ConflictAction, -Force and the transform's choices.

use super::ConflictAction;
use crate::connection::{ConnectionParams, ConnectionSettings};
use crate::error::PcmError;
use crate::transform::{SettingPolicy, TransformOptions};
use serde::Deserialize;

/// The `import` request's parameters (JSON, camelCase).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportParams {
    /// The target; `dbName` defaults to `mgc`.
    pub connection: ConnectionParams,
    /// The package (a file; PowerShell's -ByteInput is written to a temporary file first).
    pub file_name: String,
    /// Plan only: preflight, every entity and conversion, the estimate; nothing written.
    #[serde(default)]
    pub what_if: bool,
    #[serde(default)]
    pub conflict_action: ConflictAction,
    /// Import although Persistent Chat servers pinged recently, and replace existing report files.
    #[serde(default)]
    pub force: bool,
    /// HTML report path; the JSON report goes beside it (`.json`).
    #[serde(default)]
    pub report: Option<String>,
    /// CSV (`Path,NewName`) or JSON (`{"old path": "new name"}` or `[{"path":..,"newName":..}]`) file of names.
    #[serde(default)]
    pub name_map_file: Option<String>,
    #[serde(default = "crate::transform::default_separator")]
    pub name_separator: String,
    #[serde(default)]
    pub setting_conflict: SettingPolicy,
    #[serde(default)]
    pub topic_to_description: bool,
    #[serde(default)]
    pub include_disabled_rooms: bool,
    #[serde(default = "crate::transform::default_root_rooms_category")]
    pub root_rooms_category: String,
    /// Messages per transaction (default 5,000; 100 to 100,000).
    #[serde(default)]
    pub batch_size: Option<u32>,
}

/// The target database when `dbName` is absent or empty: the name Lync Server 2013 gives it.
pub const DEFAULT_TARGET_DATABASE: &str = "mgc";

impl ImportParams {
    /// The validated target connection, `dbName` defaulting to [`DEFAULT_TARGET_DATABASE`].
    pub fn target_settings(&self) -> Result<ConnectionSettings, PcmError> {
        let mut settings = self.connection.validate()?;
        if settings.database.is_none() {
            settings.database = Some(DEFAULT_TARGET_DATABASE.to_string());
        }
        Ok(settings)
    }

    /// The transform options, without the name map (read from `name_map_file` by the planner).
    pub fn transform_options(&self) -> TransformOptions {
        TransformOptions {
            name_separator: self.name_separator.clone(),
            name_map: Default::default(),
            setting_conflict: self.setting_conflict,
            topic_to_description: self.topic_to_description,
            include_disabled_rooms: self.include_disabled_rooms,
            root_rooms_category: self.root_rooms_category.clone(),
        }
    }
}

/// Messages per transaction when `batchSize` is absent, and the accepted range.
pub const DEFAULT_BATCH_SIZE: u32 = 5_000;
pub const MIN_BATCH_SIZE: u32 = 100;
pub const MAX_BATCH_SIZE: u32 = 100_000;

impl ImportParams {
    /// Checks the parameters that need no I/O, naming the parameter and the fix.
    pub fn validate(&self) -> Result<(), PcmError> {
        if self.file_name.trim().is_empty() {
            return Err(PcmError::invalid_parameter(
                "FileName",
                "-FileName is empty; give the path of the migration package to import",
            ));
        }
        if let Some(size) = self.batch_size {
            if !(MIN_BATCH_SIZE..=MAX_BATCH_SIZE).contains(&size) {
                return Err(PcmError::invalid_parameter(
                    "BatchSize",
                    format!(
                        "-BatchSize {size} is out of range; give {MIN_BATCH_SIZE} to {MAX_BATCH_SIZE} messages \
                         per transaction (default {DEFAULT_BATCH_SIZE})"
                    ),
                ));
            }
        }
        if self.report.as_deref().is_some_and(|r| r.trim().is_empty()) {
            return Err(PcmError::invalid_parameter(
                "Report",
                "-Report is empty; give a file name such as Imports/import-report.html, or leave it out",
            ));
        }
        if self
            .name_map_file
            .as_deref()
            .is_some_and(|r| r.trim().is_empty())
        {
            return Err(PcmError::invalid_parameter(
                "NameMap",
                "-NameMap is empty; give the path of a CSV or JSON name map, or leave it out",
            ));
        }
        Ok(())
    }

    /// Messages per transaction.
    pub fn batch_size(&self) -> u32 {
        self.batch_size.unwrap_or(DEFAULT_BATCH_SIZE)
    }
}
