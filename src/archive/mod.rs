//! `archive` (decommission, step 6): a package turned into a self-contained, browsable archive, so the history
//! of rooms that were not migrated stays readable after the legacy servers are gone. One static HTML page per
//! room (split every `messagesPerPage` messages), an index of categories and rooms, a JSON Lines copy of every
//! message and a manifest with the SHA-256 of every file. docs/archive.md.
//!
//! The package is streamed (one message in memory at a time); everything is written into a staging folder
//! beside the output folder and renamed into place at the end, on the blocking pool, with progress and
//! cancellation.

mod html;
mod index;
pub mod links;
pub mod model;
mod output;
mod page;
pub mod params;
mod room;
mod select;
pub mod timezone;

pub use model::{ArchiveCounts, ArchiveManifest, ArchiveResult, ArchivedMessage, ArchivedRoom};
pub use output::ArchiveFile;
pub use params::{ArchiveParams, ArchivePlan};

use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::package::format::{messages_entry, Manifest, Node, Principal, ToolInfo};
use crate::package::{Entities, PackageReader};
use crate::transform::{transform, TransformOptions};
use model::{LeftOutRoom, PackageFacts, Selection, ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION};
use output::Staging;
use page::{Poster, RoomPages};
use room::RoomWriter;
use std::collections::{HashMap, HashSet};

const ACTIVITY: &str = "Archiving the package";
/// The manifest's file name in the archive folder.
pub const MANIFEST_FILE: &str = "archive-manifest.json";
/// The checksum list (`sha256sum -c SHA256SUMS`).
pub const SUMS_FILE: &str = "SHA256SUMS";
pub const INDEX_FILE: &str = "index.html";

/// Runs the archive as a job: the work is blocking file IO, inflate and SHA-256, so it runs on the blocking pool.
pub async fn archive(plan: ArchivePlan, ctx: JobContext) -> Result<ArchiveResult, PcmError> {
    // The staging folder is removed by this operation when it stops; the host sees the end only after that.
    ctx.cooperative();
    let worker = ctx.clone();
    ctx.spawn_blocking(move || run(&plan, &worker)).await
}

/// Everything the rooms share while they are written.
struct Run<'a> {
    plan: &'a ArchivePlan,
    ctx: &'a JobContext,
    staging: &'a Staging,
    posters: HashMap<i32, Poster>,
    records: HashMap<String, u64>,
    not_migrated: HashMap<i32, String>,
    counts: ArchiveCounts,
    files: Vec<ArchiveFile>,
    done_messages: u64,
    total_messages: u64,
}

/// Archives on the calling thread, reporting progress to `ctx` and stopping when it is cancelled.
pub fn run(plan: &ArchivePlan, ctx: &JobContext) -> Result<ArchiveResult, PcmError> {
    ctx.progress(
        ACTIVITY,
        format!("Opening {}", plan.package.display()),
        None,
        None,
    );
    let mut reader = PackageReader::open(&plan.package)?;
    reader.set_cancellation(ctx.cancellation());
    let entities = reader.entities()?;
    let manifest = reader.manifest().clone();
    let not_migrated = not_migrated(&manifest, &entities);
    let chosen = select::select(
        &entities.rooms,
        &plan.rooms,
        plan.only_not_migrated,
        &not_migrated,
    )?;
    let records: HashMap<String, u64> = manifest
        .entries
        .iter()
        .map(|e| (e.name.clone(), e.records))
        .collect();
    let total_messages = chosen
        .iter()
        .filter_map(|i| records.get(&messages_entry(entities.rooms[*i].id)))
        .sum();
    let staging = Staging::create(&plan.output, &["rooms", "data"])?;
    let mut run = Run {
        plan,
        ctx,
        staging: &staging,
        posters: posters(&entities.principals),
        records,
        not_migrated,
        counts: ArchiveCounts::default(),
        files: Vec::new(),
        done_messages: 0,
        total_messages,
    };
    let mut archived = Vec::with_capacity(chosen.len());
    let mut stems = HashSet::new();
    for (n, index) in chosen.iter().enumerate() {
        ctx.check_cancelled()?;
        let room = &entities.rooms[*index];
        let stem = stem_for(room, &mut stems);
        if reports(n + 1, chosen.len()) {
            ctx.progress(
                ACTIVITY,
                format!(
                    "Room {} of {}: {}",
                    n + 1,
                    chosen.len(),
                    select::legacy_path(room)
                ),
                Some(run.done_messages),
                Some(run.total_messages),
            );
        }
        archived.push(run.room(&mut reader, room, &stem)?);
    }
    drop(reader);
    let chosen_ids: HashSet<i32> = archived.iter().map(|r| r.room_id).collect();
    let skipped: Vec<LeftOutRoom> = entities
        .rooms
        .iter()
        .filter(|r| !chosen_ids.contains(&r.id))
        .map(|r| LeftOutRoom {
            room_id: r.id,
            guid: r.guid.clone(),
            name: r.name.clone(),
            path: r.path.clone(),
        })
        .collect();
    let record = run.finish(&manifest, &entities, archived)?;
    ctx.progress(
        ACTIVITY,
        "Putting the archive in place",
        Some(total_messages),
        Some(total_messages),
    );
    let output = staging.commit(plan.force, || ctx.check_cancelled())?;
    Ok(ArchiveResult {
        output_folder: output.display().to_string(),
        index_path: output.join(INDEX_FILE).display().to_string(),
        manifest_path: output.join(MANIFEST_FILE).display().to_string(),
        package: plan.package.display().to_string(),
        time_zone: record.time_zone,
        file_store_url: record.file_store_url,
        messages_per_page: plan.per_page,
        counts: ArchiveCounts {
            skipped_rooms: skipped.len() as u64,
            ..record.counts
        },
        rooms: record.rooms,
        skipped_rooms: skipped,
    })
}

impl Run<'_> {
    /// One room's pages and copy.
    fn room(
        &mut self,
        reader: &mut PackageReader,
        room: &Node,
        stem: &str,
    ) -> Result<ArchivedRoom, PcmError> {
        let entry = messages_entry(room.id);
        let listed = self.records.get(&entry).copied();
        let messages = listed.unwrap_or(0);
        let per_page = u64::from(self.plan.per_page);
        let not_migrated = self.not_migrated.get(&room.id).cloned();
        let pages = RoomPages {
            room,
            stem,
            messages,
            pages: messages.div_ceil(per_page).max(1),
            not_migrated: not_migrated.as_deref(),
            time_zone: self.plan.time_zone,
            store: self.plan.store.as_ref(),
        };
        let mut writer = RoomWriter::start(pages, self.staging, &self.posters, self.plan.per_page)?;
        if listed.is_some() {
            let (ctx, before, total) = (self.ctx, self.done_messages, self.total_messages);
            let name = room.name.as_str();
            reader
                .for_each_message(room.id, |message, _| {
                    writer.message(message)?;
                    if writer.progress_due() {
                        ctx.check_cancelled()?;
                        ctx.progress(
                            ACTIVITY,
                            format!("{name}: {} of {messages} messages", writer.written()),
                            Some(before + writer.written()),
                            Some(total),
                        );
                    }
                    Ok(())
                })
                .map_err(|e| {
                    e.about(&format!(
                        "room '{}' (nodeID {})",
                        select::legacy_path(room),
                        room.id
                    ))
                })?;
        }
        let (archived, files, links) = writer.finish(not_migrated.clone())?;
        self.done_messages += archived.messages;
        self.counts.rooms += 1;
        self.counts.messages += archived.messages;
        self.counts.pages += archived.pages;
        self.counts.file_links += links.linked;
        self.counts.refused_file_links += links.refused;
        self.counts.unlinked_file_links += links.unlinked;
        self.files.extend(files);
        Ok(archived)
    }

    /// The index, the manifest and SHA256SUMS (the manifest's record is returned).
    fn finish(
        mut self,
        manifest: &Manifest,
        entities: &Entities,
        archived: Vec<ArchivedRoom>,
    ) -> Result<ArchiveManifest, PcmError> {
        let staging = self.staging;
        self.ctx.check_cancelled()?;
        let package_name = self
            .plan
            .package
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parents: HashMap<i32, Option<i32>> =
            entities.rooms.iter().map(|r| (r.id, r.parent_id)).collect();
        let facts = index::IndexFacts {
            package_name: &package_name,
            source: &manifest.source,
            created_utc: &manifest.created_utc,
            time_zone: &self.plan.time_zone.label(),
        };
        let html = index::render(&facts, &archived, &parents, &entities.categories);
        let mut file = staging.file(INDEX_FILE)?;
        file.write_str(&html)?;
        self.files.push(file.finish()?);
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self.counts.files = self.files.len() as u64;
        self.counts.bytes = self.files.iter().map(|f| f.bytes).sum();
        self.counts.skipped_rooms = entities.rooms.len().saturating_sub(archived.len()) as u64;
        self.report_links();
        let record = ArchiveManifest {
            format: ARCHIVE_FORMAT.to_string(),
            format_version: ARCHIVE_FORMAT_VERSION.to_string(),
            tool: ToolInfo {
                name: "pchat-migrate".to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            package: PackageFacts {
                file_name: package_name,
                created_utc: manifest.created_utc.clone(),
                source: manifest.source.clone(),
            },
            selection: Selection {
                rooms: self.plan.rooms.clone(),
                only_not_migrated: self.plan.only_not_migrated,
            },
            time_zone: self.plan.time_zone.name(),
            file_store_url: self.plan.store.as_ref().map(|s| s.base().to_string()),
            messages_per_page: self.plan.per_page,
            counts: self.counts.clone(),
            rooms: archived,
            files: std::mem::take(&mut self.files),
        };
        let text = serde_json::to_vec_pretty(&record).map_err(|e| {
            PcmError::Internal(format!("the archive manifest cannot be written: {e}"))
        })?;
        let mut file = staging.file(MANIFEST_FILE)?;
        file.write(&text)?;
        file.write(b"\n")?;
        let manifest_file = file.finish()?;
        let mut sums = String::new();
        for f in record.files.iter().chain(std::iter::once(&manifest_file)) {
            sums.push_str(&format!("{}  {}\n", f.sha256, f.path));
        }
        let mut file = staging.file(SUMS_FILE)?;
        file.write_str(&sums)?;
        file.finish()?;
        Ok(record)
    }

    /// A warning for refused links, a verbose line for links shown as text.
    fn report_links(&self) {
        if self.counts.refused_file_links > 0 {
            self.ctx.warning(
                "file_links_refused",
                format!(
                    "{} file link(s) name no safe file below the file store (a '..', drive, UNC path or control \
                     character): they are shown as text with the reason, not as links",
                    self.counts.refused_file_links
                ),
            );
        }
        if self.counts.unlinked_file_links > 0 {
            self.ctx.verbose(format!(
                "{} file link(s) are shown as text: give -FileStoreUrl (--file-store-url) to make them links to \
                 the copied file store",
                self.counts.unlinked_file_links
            ));
        }
    }
}

/// Progress events for at most this many rooms, whatever their number: a host that polls slowly never finds
/// more than this many queued (rooms of many messages also report every 100,000 messages).
const PROGRESS_ROOMS: usize = 1000;

/// Whether room `done` (1-based) of `total` gets a progress event: every room of small archives, the first and
/// then one per thousandth of the rooms for larger ones.
fn reports(done: usize, total: usize) -> bool {
    total <= PROGRESS_ROOMS
        || done == 1
        || done * PROGRESS_ROOMS / total != (done - 1) * PROGRESS_ROOMS / total
}

/// Rooms a default import leaves out, with the reason (the transform's own rule, so both agree).
fn not_migrated(manifest: &Manifest, entities: &Entities) -> HashMap<i32, String> {
    transform(
        &manifest.source.kind,
        entities,
        &manifest.rooms,
        &TransformOptions::default(),
    )
    .skipped_rooms
    .into_iter()
    .map(|s| (s.source_id, s.reason))
    .collect()
}

/// Posters by prinID: the display name (2013), else the name (the display name in Lync 2010), else the URI.
fn posters(principals: &[Principal]) -> HashMap<i32, Poster> {
    principals
        .iter()
        .map(|p| {
            let name = [&p.display_name, &p.name]
                .into_iter()
                .flatten()
                .find(|n| !n.trim().is_empty())
                .cloned()
                .unwrap_or_else(|| p.uri.clone());
            (
                p.id,
                Poster {
                    guid: p.guid.clone(),
                    name,
                    uri: p.uri.clone(),
                },
            )
        })
        .collect()
}

/// The file name stem of a room: its GUID in lower case when it is a GUID not used yet (case-insensitively:
/// Windows file names are), else `room-<nodeID>`. Never derived from the room's name.
fn stem_for(room: &Node, used: &mut HashSet<String>) -> String {
    let mut stem = select::normalized_guid(&room.guid)
        .filter(|g| !used.contains(g))
        .unwrap_or_else(|| format!("room-{}", room.id));
    let mut n = 1;
    while used.contains(&stem) {
        n += 1;
        stem = format!("room-{}-{n}", room.id);
    }
    used.insert(stem.clone());
    stem
}

#[cfg(test)]
mod tests {
    use super::reports;

    #[test]
    fn progress_is_thinned_to_a_thousand_rooms() {
        assert!((1..=7).all(|d| reports(d, 7)));
        let reported = (1..=40_000).filter(|d| reports(*d, 40_000)).count();
        assert!((999..=1001).contains(&reported), "{reported}");
    }
}
