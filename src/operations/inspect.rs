//! `inspect_package`: validate a package completely (structure, checksums, records, references) and report its
//! manifest with per-room figures — what Get-PChatMigrationPackage shows.

use crate::error::PcmError;
use crate::package::PackageReader;
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InspectParams {
    pub file_name: String,
}

pub fn inspect(params: &InspectParams) -> Result<Value, PcmError> {
    let path = PathBuf::from(&params.file_name);
    let size = std::fs::metadata(&path)
        .map_err(|e| PcmError::io("opening", &path, e))?
        .len();
    let mut reader = PackageReader::open(&path)?;
    let rooms = reader.verify(|_, _| {})?;
    let manifest = reader.manifest();
    Ok(json!({
        "path": params.file_name,
        "sizeBytes": size,
        "valid": true,
        "formatVersion": manifest.format_version,
        "createdUtc": manifest.created_utc,
        "tool": manifest.tool,
        "source": manifest.source,
        "parameters": manifest.parameters,
        "counts": manifest.counts,
        "rooms": rooms,
    }))
}
