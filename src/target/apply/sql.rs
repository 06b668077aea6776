//! Small statement helpers for the writes: every statement parameterized, errors mapped once.

use crate::connection::{sql_error, SqlClient};
use crate::error::PcmError;
use crate::util::rows::opt_i64;
use tiberius::{Row, ToSql, Uuid};

/// Runs a DML statement; the rows it affected.
pub async fn exec(
    client: &mut SqlClient,
    sql: &str,
    params: &[&dyn ToSql],
) -> Result<u64, PcmError> {
    let done = client.execute(sql, params).await.map_err(sql_error)?;
    Ok(done.total())
}

/// Runs a query; the rows of its first result.
pub async fn rows(
    client: &mut SqlClient,
    sql: &str,
    params: &[&dyn ToSql],
) -> Result<Vec<Row>, PcmError> {
    client
        .query(sql, params)
        .await
        .map_err(sql_error)?
        .into_first_result()
        .await
        .map_err(sql_error)
}

/// The first column of the first row as an integer (`None` when there is no row or it is NULL).
pub async fn scalar_i64(
    client: &mut SqlClient,
    sql: &str,
    params: &[&dyn ToSql],
) -> Result<Option<i64>, PcmError> {
    match rows(client, sql, params).await?.first() {
        Some(row) => opt_i64(row, 0),
        None => Ok(None),
    }
}

/// An `int` id from a value the server returned.
pub fn to_i32(value: i64, what: &str) -> Result<i32, PcmError> {
    i32::try_from(value)
        .map_err(|_| PcmError::Internal(format!("{what} {value} does not fit an int column")))
}

/// A package GUID as a typed parameter; a malformed one names the entity.
pub fn guid(text: &str, entity: &str) -> Result<Uuid, PcmError> {
    Uuid::parse_str(text.trim_matches(|c| c == '{' || c == '}')).map_err(|e| {
        PcmError::ImportRefused(format!(
            "{entity} has the GUID '{text}', which is not a GUID ({e}); re-export the package"
        ))
    })
}

/// A GUID read from the target, for comparisons.
pub fn opt_guid(row: &Row, index: usize) -> Result<Option<String>, PcmError> {
    match row.cells().nth(index).map(|(_, d)| d) {
        Some(tiberius::ColumnData::Guid(g)) => Ok(g.map(|g| g.to_string().to_ascii_lowercase())),
        Some(tiberius::ColumnData::String(s)) => Ok(s.as_ref().map(|s| s.to_ascii_lowercase())),
        other => Err(PcmError::Internal(format!(
            "column #{index} holds {other:?}, expected a GUID"
        ))),
    }
}

/// A table's int ids by GUID column, in one query: matching many package entities against the target at once
/// instead of one lookup each (100,000 principals took 20 s that way on the stand-in).
pub async fn ids_by_guid(
    client: &mut SqlClient,
    catalog: &crate::schema::Catalog,
    table: &str,
    guid_column: &str,
    id_column: &str,
) -> Result<std::collections::HashMap<Uuid, i32>, PcmError> {
    let sql = format!(
        "SELECT {}, {} FROM {}",
        catalog.col(table, guid_column),
        catalog.col(table, id_column),
        catalog.table_ref(table)
    );
    let mut map = std::collections::HashMap::new();
    for row in rows(client, &sql, &[]).await? {
        let (Some(g), Some(id)) = (opt_guid(&row, 0)?, opt_i64(&row, 1)?) else {
            continue;
        };
        map.insert(
            guid(&g, &format!("a row of {table}"))?,
            to_i32(id, id_column)?,
        );
    }
    Ok(map)
}

/// `count` ids from `MAX + 1` of `table`'s `id_column` on, read `WITH (TABLOCKX, HOLDLOCK)` so they stay free
/// to the end of the caller's transaction (for an id column that is not an identity). Both names are quoted.
pub async fn next_ids(
    client: &mut SqlClient,
    table: &str,
    id_column: &str,
    count: usize,
) -> Result<Vec<i32>, PcmError> {
    let sql =
        format!("SELECT ISNULL(MAX({id_column}), 0) + 1 FROM {table} WITH (TABLOCKX, HOLDLOCK)");
    let next = to_i32(scalar_i64(client, &sql, &[]).await?.unwrap_or(1), id_column)?;
    (0..count)
        .map(|i| {
            i32::try_from(i)
                .ok()
                .and_then(|i| next.checked_add(i))
                .ok_or_else(|| PcmError::Internal(format!("{id_column} beyond the int range")))
        })
        .collect()
}

/// The ids of rows a batch inserted, from its `(GUID, id)` result rows: one per inserted GUID (lower case), in
/// the order of `guids`; `what` names the rows in errors.
pub fn inserted_ids(
    found: &[Row],
    guids: &[(String, String)],
    what: &str,
) -> Result<Vec<i32>, PcmError> {
    if found.len() != guids.len() {
        return Err(PcmError::Internal(format!(
            "{} {what} were inserted, but {} new rows were found by their GUIDs",
            guids.len(),
            found.len()
        )));
    }
    let mut by_guid = std::collections::HashMap::with_capacity(found.len());
    for row in found {
        if let (Some(g), Some(id)) = (opt_guid(row, 0)?, opt_i64(row, 1)?) {
            by_guid.insert(g, to_i32(id, what)?);
        }
    }
    guids
        .iter()
        .map(|(guid, label)| {
            by_guid.get(guid).copied().ok_or_else(|| {
                PcmError::Internal(format!("{label} was inserted but not found by its GUID"))
            })
        })
        .collect()
}
