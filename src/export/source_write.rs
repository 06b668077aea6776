//! The export's only write to the source: -DisableExportedNodes, after the package is in place, all rooms in one
//! transaction ([`crate::connection::in_transaction`]).

use super::planning::SourceRead;
use super::select;
use super::ACTIVITY;
use crate::connection::{connect, in_transaction, sql_error, ConnectionSettings};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::schema::Catalog;

/// -DisableExportedNodes, after the package is in place; returns how many rooms were disabled.
pub(super) async fn disable_exported(
    settings: &ConnectionSettings,
    read: &SourceRead,
    selection: &select::Selection,
    ctx: &JobContext,
) -> Result<usize, PcmError> {
    let ids: Vec<i32> = selection
        .entities
        .rooms
        .iter()
        .filter(|r| !r.disabled)
        .map(|r| r.id)
        .collect();
    ctx.progress(
        ACTIVITY,
        format!("Disabling {} exported room(s) in the source", ids.len()),
        None,
        None,
    );
    disable_rooms(settings, &read.catalog, &ids).await?;
    ctx.verbose(format!(
        "disabled {} room(s) in '{}'",
        ids.len(),
        read.database
    ));
    Ok(ids.len())
}

/// Rooms per UPDATE: well under SQL Server's 2,100 parameters per statement.
const ROOMS_PER_STATEMENT: usize = 500;

/// Disables the exported rooms in the source, all in one transaction: either every exported room is disabled or
/// none is.
async fn disable_rooms(
    settings: &ConnectionSettings,
    catalog: &Catalog,
    ids: &[i32],
) -> Result<(), PcmError> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut connection = connect(settings, None).await?;
    let statements: Vec<(String, Vec<i32>)> = ids
        .chunks(ROOMS_PER_STATEMENT)
        .map(|chunk| (disable_statement(catalog, chunk.len()), chunk.to_vec()))
        .collect();
    in_transaction(&mut connection.client, |client| {
        Box::pin(async move {
            for (sql, chunk) in statements {
                let mut query = tiberius::Query::new(sql);
                for id in chunk {
                    query.bind(id);
                }
                query.execute(&mut *client).await.map_err(sql_error)?;
            }
            Ok(())
        })
    })
    .await
}

/// `UPDATE tblNode SET disabled = 1 WHERE nodeType = 0 AND nodeID IN (@P1, ...)` for `rooms` rooms (nodeType
/// 0: rooms only, never a category), names spelled from the catalog.
fn disable_statement(catalog: &Catalog, rooms: usize) -> String {
    let placeholders: Vec<String> = (1..=rooms).map(|i| format!("@P{i}")).collect();
    let n = |c: &str| catalog.col("tblNode", c);
    format!(
        "UPDATE {} SET {} = 1 WHERE {} = 0 AND {} IN ({})",
        catalog.table_ref("tblNode"),
        n("disabled"),
        n("nodeType"),
        n("nodeID"),
        placeholders.join(", ")
    )
}
