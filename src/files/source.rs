//! Where a manifest's references come from: a package (each room's history streamed with [`PackageReader`])
//! or a legacy database (one read-only, streamed statement over the messages whose content holds the marker).

use super::manifest::{FileManifest, ManifestBuilder, RoomRef};
use crate::connection::{connect, sql_error, ConnectionParams, ConnectionSettings};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::package::content::decode_utf16le;
use crate::package::reader::PackageReader;
use crate::package::Node;
use crate::schema::{detect, Catalog};
use crate::source::read_entities;
use crate::util::rows::i64_at;
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use tiberius::{QueryItem, Row};

const ACTIVITY: &str = "Listing file links";

/// A manifest source, checked.
#[derive(Debug, Clone)]
pub enum LinkSource {
    Package(PathBuf),
    Database(ConnectionSettings),
}

/// Where the manifest came from, for results and reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkSourceInfo {
    pub file_name: Option<String>,
    pub db_instance: Option<String>,
    pub database: Option<String>,
}

impl LinkSource {
    /// Exactly one of a package and a database (`dbName` required); `None` when neither is given and
    /// `optional`.
    pub fn from_params(
        file_name: Option<&str>,
        connection: Option<&ConnectionParams>,
        optional: bool,
    ) -> Result<Option<LinkSource>, PcmError> {
        match (file_name, connection) {
            (Some(_), Some(_)) => Err(PcmError::invalid_parameter(
                "FileName",
                "give either a package (-FileName) or a database (-DBInstance/-DBName) to read the file links \
                 from, not both",
            )),
            (None, None) if optional => Ok(None),
            (None, None) => Err(PcmError::invalid_parameter(
                "FileName",
                "give a package (-FileName) or the legacy Group Chat database (-DBInstance and -DBName) to read \
                 the file links from",
            )),
            (Some(name), None) => {
                if name.trim().is_empty() {
                    return Err(PcmError::invalid_parameter(
                        "FileName",
                        "-FileName is empty; give the path of a package written by export",
                    ));
                }
                Ok(Some(LinkSource::Package(PathBuf::from(name))))
            }
            (None, Some(c)) => {
                let settings = c.validate()?;
                if settings.database.is_none() {
                    return Err(PcmError::invalid_parameter(
                        "DBName",
                        "-DBName (the legacy Group Chat database) is required to read file links from a \
                         database",
                    ));
                }
                Ok(Some(LinkSource::Database(settings)))
            }
        }
    }

    pub fn info(&self) -> LinkSourceInfo {
        match self {
            LinkSource::Package(p) => LinkSourceInfo {
                file_name: Some(p.display().to_string()),
                ..LinkSourceInfo::default()
            },
            LinkSource::Database(s) => LinkSourceInfo {
                db_instance: Some(s.instance_text.clone()),
                database: s.database.clone(),
                ..LinkSourceInfo::default()
            },
        }
    }
}

/// Reads every reference from `source`.
pub async fn read_manifest(
    source: &LinkSource,
    ctx: &JobContext,
) -> Result<FileManifest, PcmError> {
    match source {
        LinkSource::Package(path) => {
            let (path, inner) = (path.clone(), ctx.clone());
            ctx.spawn_blocking(move || from_package(&path, &inner))
                .await
        }
        LinkSource::Database(settings) => ctx.cancellable(from_database(settings, ctx)).await,
    }
}

fn room_refs(rooms: &[Node]) -> HashMap<i32, RoomRef> {
    rooms
        .iter()
        .map(|n| {
            (
                n.id,
                RoomRef {
                    room_id: n.id,
                    room_guid: n.guid.clone(),
                    room_name: n.name.clone(),
                },
            )
        })
        .collect()
}

fn unknown_room(room_id: i32) -> RoomRef {
    RoomRef {
        room_id,
        room_guid: String::new(),
        room_name: format!("(room {room_id}, not in the node table)"),
    }
}

/// Streams every room's history of the package (blocking: inflate and checksums).
fn from_package(path: &std::path::Path, ctx: &JobContext) -> Result<FileManifest, PcmError> {
    ctx.progress(
        ACTIVITY,
        format!("Reading '{}'", path.display()),
        None,
        None,
    );
    let mut reader = PackageReader::open(path)?;
    reader.set_cancellation(ctx.cancellation());
    let rooms = room_refs(&reader.entities()?.rooms);
    let ids: Vec<i32> = reader.manifest().rooms.iter().map(|h| h.room_id).collect();
    let total = u64::try_from(ids.len()).unwrap_or(u64::MAX);
    let mut builder = ManifestBuilder::default();
    for (done, id) in ids.into_iter().enumerate() {
        ctx.check_cancelled()?;
        let room = rooms.get(&id).cloned().unwrap_or_else(|| unknown_room(id));
        reader.for_each_message(id, |m, _| {
            builder.add_message(&room, m.chat_id, m.chat_date, &m.content);
            Ok(())
        })?;
        let n = u64::try_from(done + 1).unwrap_or(u64::MAX);
        ctx.progress(ACTIVITY, "Reading room histories", Some(n), Some(total));
    }
    Ok(builder.finish())
}

/// The statement: only messages whose content holds the marker (a `LIKE` under the column's collation,
/// case-insensitive by default), in room then chatId order. Content as its UTF-16LE bytes when the column is
/// a Unicode one, so an unpaired surrogate cannot fail the read (as the export reads it).
pub fn links_sql(catalog: &Catalog) -> String {
    let c = |name: &str| catalog.col("tblChat", name);
    let unicode = catalog
        .column("tblChat", "content")
        .is_some_and(|col| matches!(col.data_type.as_str(), "nvarchar" | "nchar" | "ntext"));
    let content = if unicode {
        format!("CAST({0} AS varbinary(max)) AS {0}", c("content"))
    } else {
        c("content")
    };
    format!(
        "SELECT {channel}, {chat}, {date}, {content} FROM {table} WHERE {raw} LIKE @P1 \
         ORDER BY {channel}, {chat}",
        channel = c("channelId"),
        chat = c("chatId"),
        date = c("chatDate"),
        raw = c("content"),
        table = catalog.table_ref("tblChat"),
    )
}

fn content_of(row: &Row, as_bytes: bool) -> Result<Option<String>, PcmError> {
    let bad =
        |e: String| PcmError::InvalidSourceData(format!("tblChat content cannot be read: {e}"));
    if as_bytes {
        match row.try_get::<&[u8], _>(3).map_err(|e| bad(e.to_string()))? {
            None => Ok(None),
            Some(bytes) => Ok(Some(
                decode_utf16le(bytes).map_err(|e| bad(e.to_string()))?.text,
            )),
        }
    } else {
        Ok(row
            .try_get::<&str, _>(3)
            .map_err(|e| bad(e.to_string()))?
            .map(str::to_string))
    }
}

async fn from_database(
    settings: &ConnectionSettings,
    ctx: &JobContext,
) -> Result<FileManifest, PcmError> {
    let database = settings.database.clone().unwrap_or_default();
    ctx.progress(
        ACTIVITY,
        format!("Connecting to {}", settings.instance),
        None,
        None,
    );
    let mut connection = connect(settings, None).await?;
    let client = &mut connection.client;
    let (detection, catalog) = detect(client).await?;
    detection.require_chat(&database)?;
    let entities = read_entities(client, &catalog, |step| {
        ctx.progress(ACTIVITY, format!("Reading {step}"), None, None);
    })
    .await?;
    let rooms = room_refs(&entities.entities.rooms);
    ctx.progress(ACTIVITY, "Reading the messages with file links", None, None);
    let sql = links_sql(&catalog);
    let as_bytes = sql.contains("varbinary");
    let mut query = tiberius::Query::new(sql);
    query.bind(format!("%{}%", super::links::FILE_LINK_MARKER));
    let mut stream = query.query(client).await.map_err(sql_error)?;
    let mut builder = ManifestBuilder::default();
    let mut current: Option<RoomRef> = None;
    while let Some(item) = stream.try_next().await.map_err(sql_error)? {
        let QueryItem::Row(row) = item else { continue };
        let channel = i64_at(&row, 0)?;
        let room_id = i32::try_from(channel).map_err(|_| {
            PcmError::InvalidSourceData(format!(
                "tblChat has a channelId {channel} out of the int range"
            ))
        })?;
        if current.as_ref().map(|r| r.room_id) != Some(room_id) {
            current = Some(
                rooms
                    .get(&room_id)
                    .cloned()
                    .unwrap_or_else(|| unknown_room(room_id)),
            );
        }
        let (chat_id, chat_date) = (i64_at(&row, 1)?, i64_at(&row, 2)?);
        if let (Some(room), Some(content)) = (&current, content_of(&row, as_bytes)?) {
            builder.add_message(room, chat_id, chat_date, &content);
        }
    }
    Ok(builder.finish())
}
