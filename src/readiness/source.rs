//! Readiness from a database: the export's own readers (detection, catalog, `read_entities`, the export's
//! selection at level All) give exactly the entities an export would package; one GROUP BY statement gives each
//! room's messages per month, the messages at or after -StartDate and the messages with file links. Read-only:
//! only SELECT statements are sent.

use super::figures::{Month, RoomFigures, FILE_LINK_MARKER};
use super::SourceData;
use crate::connection::{connect, sql_error, ConnectionSettings, SqlClient};
use crate::error::PcmError;
use crate::export::paths::OutputPaths;
use crate::export::select::select;
use crate::export::{ExportLevel, ExportPlan};
use crate::jobs::JobContext;
use crate::schema::{detect, Catalog};
use crate::source::read_entities;
use crate::util::rows::{i64_at, opt_i64};
use crate::util::ticks::MAX_TICKS;
use futures_util::TryStreamExt;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use tiberius::QueryItem;

/// .NET ticks per day.
const TICKS_PER_DAY: i64 = 864_000_000_000;

/// Connects, detects the database, reads its entities and its history figures.
pub async fn read_database(
    settings: &ConnectionSettings,
    start_ticks: Option<i64>,
    ctx: &JobContext,
) -> Result<SourceData, PcmError> {
    let database = settings.database.clone().ok_or_else(|| {
        PcmError::invalid_parameter(
            "DBName",
            "-DBName (the legacy Group Chat database) is required",
        )
    })?;
    ctx.progress(
        super::ACTIVITY,
        format!("Connecting to {}", settings.instance),
        None,
        None,
    );
    ctx.cancellable(async {
        let mut connection = connect(settings, None).await?;
        let client = &mut connection.client;
        let (detection, catalog) = detect(client).await?;
        detection.require_chat(&database)?;
        ctx.verbose(format!("'{database}' is {}", detection.kind_name));
        let source = read_entities(client, &catalog, |step| {
            ctx.progress(super::ACTIVITY, format!("Reading {step}"), None, None);
        })
        .await?;
        let entities = select(source, &whole_export())?.into_entities();
        ctx.progress(super::ACTIVITY, "Counting messages per month", None, None);
        let mut rooms = room_figures(client, &catalog, start_ticks).await?;
        // Every room of the package has a history (empty ones too), as the export writes them.
        for room in &entities.rooms {
            rooms.entry(room.id).or_default();
        }
        let known: HashSet<i32> = entities.rooms.iter().map(|r| r.id).collect();
        rooms.retain(|id, _| known.contains(id));
        Ok(SourceData {
            kind: kind_name(detection.kind),
            db_instance: Some(settings.instance.to_string()),
            database: Some(database.clone()),
            file_name: None,
            entities,
            rooms,
        })
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

/// An export of everything (no -Scope, no -Room, level All): the selection the readiness figures describe.
/// Nothing is written: the plan only steers [`select`].
fn whole_export() -> ExportPlan {
    let file = PathBuf::from("readiness-writes-no-package");
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

/// The grouping statement. The month comes from the bigint ticks with functions every SQL Server since 2008
/// has (nothing of the legacy database's own, such as a ticks function, is relied on): whole days since
/// 0001-01-01 added to that `date` (which spans 0001–9999, unlike `datetime`), then YEAR and MONTH. DATEADD takes
/// an int, which holds the 3.65 million days of the range; ticks outside the range give NULL (undated), never an
/// overflow error. The file-link test is a LIKE under the column's collation (case-insensitive by default).
pub fn figures_sql(catalog: &Catalog) -> String {
    let c = |name: &str| catalog.col("tblChat", name);
    let (channel, date, content) = (c("channelId"), c("chatDate"), c("content"));
    let day = format!("DATEADD(day, CAST({date} / @P3 AS int), CAST('00010101' AS date))");
    let in_range = format!("{date} >= 0 AND {date} <= @P4");
    format!(
        "SELECT t.ch, t.y, t.m, t.sel, COUNT_BIG(*) AS messages, COUNT_BIG(t.link) AS fileLinks FROM (\
         SELECT {channel} AS ch, \
         CASE WHEN {in_range} THEN YEAR({day}) END AS y, \
         CASE WHEN {in_range} THEN MONTH({day}) END AS m, \
         CASE WHEN {date} >= @P1 THEN 1 ELSE 0 END AS sel, \
         CASE WHEN {content} LIKE @P2 THEN 1 END AS link \
         FROM {table}) AS t \
         GROUP BY t.ch, t.y, t.m, t.sel ORDER BY t.ch, t.y, t.m, t.sel",
        table = catalog.table_ref("tblChat"),
    )
}

/// Every room's figures, from one statement.
async fn room_figures(
    client: &mut SqlClient,
    catalog: &Catalog,
    start_ticks: Option<i64>,
) -> Result<BTreeMap<i32, RoomFigures>, PcmError> {
    let sql = figures_sql(catalog);
    let mut query = tiberius::Query::new(sql);
    query.bind(start_ticks.unwrap_or(i64::MIN));
    query.bind(format!("%{FILE_LINK_MARKER}%"));
    query.bind(TICKS_PER_DAY);
    query.bind(MAX_TICKS);
    let mut stream = query.query(client).await.map_err(sql_error)?;
    let mut rooms: BTreeMap<i32, RoomFigures> = BTreeMap::new();
    while let Some(item) = stream.try_next().await.map_err(sql_error)? {
        let QueryItem::Row(row) = item else { continue };
        let channel = i64_at(&row, 0)?;
        let room = i32::try_from(channel).map_err(|_| {
            PcmError::InvalidSourceData(format!(
                "tblChat has a channelId {channel} out of the int range"
            ))
        })?;
        let month = match (opt_i64(&row, 1)?, opt_i64(&row, 2)?) {
            (Some(y), Some(m)) => Some(Month {
                year: i32::try_from(y).map_err(|_| bad_figure("year", y))?,
                month: u32::try_from(m).map_err(|_| bad_figure("month", m))?,
            }),
            _ => None,
        };
        let selected = i64_at(&row, 3)? != 0;
        let count = |i: usize| -> Result<u64, PcmError> {
            let n = opt_i64(&row, i)?.unwrap_or(0);
            u64::try_from(n).map_err(|_| bad_figure("count", n))
        };
        let (messages, links) = (count(4)?, count(5)?);
        rooms
            .entry(room)
            .or_default()
            .add(month, selected, messages, links);
    }
    Ok(rooms)
}

fn bad_figure(what: &str, value: i64) -> PcmError {
    PcmError::Internal(format!(
        "the server returned a {what} of {value} for the messages per month"
    ))
}
