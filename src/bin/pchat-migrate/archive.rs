//! `pchat-migrate archive`: decommission step 6. A package into a browsable, self-contained archive (HTML pages
//! per room, an index, a JSON Lines copy, a checked manifest). The flags are Export-PChatArchive's parameters.

use crate::import::out;
use clap::Args;
use pchat_migrate::archive::ArchiveResult;
use pchat_migrate::util::units::{format_bytes, format_count};
use serde_json::{json, Map, Value};

/// Archive options.
#[derive(Args, Clone)]
pub struct ArchiveArgs {
    /// The migration package to archive.
    #[arg(long = "file-name", visible_alias = "filename")]
    pub file_name: String,
    /// The folder to write the archive to (absent or empty; replaced only with --force).
    #[arg(long = "output")]
    pub output: String,
    /// Rooms to include (repeatable): room GUID, node id, name or Category\Room path. Default: every room.
    #[arg(long)]
    pub room: Vec<String>,
    /// Only the rooms a default import leaves out (disabled rooms, rooms whose category is not in the package).
    #[arg(long)]
    pub only_not_migrated: bool,
    /// Where the copied file store is: an http(s):// or file:// URL, a UNC or drive path, or a path relative to
    /// the archive folder; file links point below it.
    #[arg(long)]
    pub file_store_url: Option<String>,
    /// The "local" time column: local (this computer's zone, the default), UTC, or an offset such as +01:00
    /// (write a negative one as --time-zone=-05:00).
    #[arg(long)]
    pub time_zone: Option<String>,
    /// Messages per HTML page (default 5000).
    #[arg(long)]
    pub messages_per_page: Option<u32>,
    /// Replace the contents of a non-empty --output folder.
    #[arg(long)]
    pub force: bool,
}

impl ArchiveArgs {
    /// The `archive` request's params.
    pub fn to_params(&self) -> Value {
        let mut params = Map::new();
        params.insert("fileName".into(), json!(self.file_name));
        params.insert("outputFolder".into(), json!(self.output));
        if !self.room.is_empty() {
            params.insert("rooms".into(), json!(self.room));
        }
        params.insert("onlyNotMigrated".into(), json!(self.only_not_migrated));
        if let Some(url) = &self.file_store_url {
            params.insert("fileStoreUrl".into(), json!(url));
        }
        if let Some(tz) = &self.time_zone {
            params.insert("timeZone".into(), json!(tz));
        }
        if let Some(n) = self.messages_per_page {
            params.insert("messagesPerPage".into(), json!(n));
        }
        params.insert("force".into(), json!(self.force));
        Value::Object(params)
    }
}

/// The human summary of an archive result; a result this build cannot read is printed as JSON.
pub fn print(data: &Value) {
    match serde_json::from_value::<ArchiveResult>(data.clone()) {
        Ok(result) => {
            for line in summary_lines(&result) {
                out(&line);
            }
        }
        Err(e) => {
            out(&format!(
                "(the archive result could not be read as expected: {e}; as JSON:)"
            ));
            out(&serde_json::to_string_pretty(data).unwrap_or_default());
        }
    }
}

fn summary_lines(r: &ArchiveResult) -> Vec<String> {
    let c = &r.counts;
    let mut lines = vec![
        format!("Archive       : {}", r.output_folder),
        format!(
            "Archived      : {} room(s), {} message(s) on {} page(s)",
            c.rooms,
            format_count(c.messages),
            c.pages
        ),
        format!(
            "Files         : {} ({}) with their SHA-256 in {} and SHA256SUMS",
            c.files,
            format_bytes(c.bytes),
            r.manifest_path
        ),
    ];
    if c.skipped_rooms > 0 {
        lines.push(format!(
            "Left out      : {} room(s) not selected",
            c.skipped_rooms
        ));
    }
    lines.push(format!(
        "File links    : {} linked{}, {} refused as unsafe, {} shown as text{}",
        c.file_links,
        r.file_store_url
            .as_deref()
            .map(|u| format!(" to {u}"))
            .unwrap_or_default(),
        c.refused_file_links,
        c.unlinked_file_links,
        if r.file_store_url.is_none() && c.unlinked_file_links > 0 {
            " (give --file-store-url to link them)"
        } else {
            ""
        }
    ));
    lines.push(format!("Local times   : {}", r.time_zone));
    lines.push(format!("Open          : {}", r.index_path));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: ArchiveArgs,
    }

    #[test]
    fn flags_become_the_request() {
        let args = Wrapper::try_parse_from([
            "archive",
            "--file-name",
            "p.zip",
            "--output",
            "out",
            "--room",
            "Sales\\Q3",
            "--room",
            "12",
            "--only-not-migrated",
            "--file-store-url",
            "\\\\fs\\mgc",
            "--time-zone=-05:00",
            "--messages-per-page",
            "100",
            "--force",
        ])
        .expect("parses")
        .args;
        let params = args.to_params();
        assert_eq!(params["fileName"], "p.zip");
        assert_eq!(params["outputFolder"], "out");
        assert_eq!(params["rooms"], json!(["Sales\\Q3", "12"]));
        assert_eq!(params["onlyNotMigrated"], true);
        assert_eq!(params["fileStoreUrl"], "\\\\fs\\mgc");
        assert_eq!(params["timeZone"], "-05:00");
        assert_eq!(params["messagesPerPage"], 100);
        assert_eq!(params["force"], true);
        let params: pchat_migrate::archive::ArchiveParams =
            serde_json::from_value(params).expect("the library's parameters");
        assert_eq!(params.rooms.len(), 2);
        assert!(
            Wrapper::try_parse_from(["archive", "--file-name", "p.zip"]).is_err(),
            "--output is required"
        );
    }
}
