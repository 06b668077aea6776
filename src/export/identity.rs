//! Which database an export reads, precisely enough that a resumed run never mixes in rooms from another one:
//! a database dropped and re-created, or restored from another backup, under the same name gets a new
//! `database_id`/`create_date` pair in `sys.databases`.

use super::fragments::SourceIdentity;
use crate::connection::{sql_error, SqlClient};
use crate::error::PcmError;
use crate::util::rows::{i64_at, opt_string};

/// Reads the identity of `database` on `instance`. `None` when `sys.databases` does not list it for this
/// login (then nothing from an earlier run is reused).
pub async fn source_identity(
    client: &mut SqlClient,
    instance: &str,
    database: &str,
) -> Result<Option<SourceIdentity>, PcmError> {
    let mut query = tiberius::Query::new(
        "SELECT [database_id], CONVERT(nvarchar(30), [create_date], 126) AS [create_date] \
         FROM sys.databases WHERE [name] = @P1",
    );
    query.bind(database);
    let row = query
        .query(client)
        .await
        .map_err(sql_error)?
        .into_row()
        .await
        .map_err(sql_error)?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(SourceIdentity {
        instance: instance.to_string(),
        database: database.to_string(),
        database_id: i64_at(&row, 0)?,
        create_date: opt_string(&row, 1)?.unwrap_or_default(),
    }))
}
