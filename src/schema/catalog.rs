//! The database catalog as INFORMATION_SCHEMA reports it. Readers use it to read optional columns only when
//! present (OCS 2007 R2 databases lack some), never guessing from a version number.

use crate::connection::{sql_error, SqlClient};
use crate::error::PcmError;
use crate::util::rows::{i64_at, opt_i64, opt_string};
use std::collections::BTreeMap;

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    pub name: String,
    /// Lower-case SQL Server type name, e.g. `nvarchar`, `bigint`.
    pub data_type: String,
    /// Characters for string types, bytes for binary; -1 for `max`; None for other types.
    pub max_length: Option<i64>,
    pub nullable: bool,
    pub ordinal: i64,
}

/// Tables of one schema (normally `dbo`), keyed case-insensitively as SQL Server's default collations do.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    tables: BTreeMap<String, (String, Vec<ColumnInfo>)>,
}

impl Catalog {
    /// Reads the catalog of schema `schema` in the current database.
    pub async fn read(client: &mut SqlClient, schema: &str) -> Result<Catalog, PcmError> {
        let rows = client
            .query(
                "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.CHARACTER_MAXIMUM_LENGTH, c.IS_NULLABLE, \
                 c.ORDINAL_POSITION \
                 FROM INFORMATION_SCHEMA.COLUMNS AS c \
                 INNER JOIN INFORMATION_SCHEMA.TABLES AS t \
                   ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
                 WHERE c.TABLE_SCHEMA = @P1 AND t.TABLE_TYPE = N'BASE TABLE' \
                 ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
                &[&schema],
            )
            .await
            .map_err(sql_error)?
            .into_first_result()
            .await
            .map_err(sql_error)?;
        let mut catalog = Catalog::default();
        for row in &rows {
            let table = opt_string(row, 0)?.unwrap_or_default();
            let column = ColumnInfo {
                name: opt_string(row, 1)?.unwrap_or_default(),
                data_type: opt_string(row, 2)?.unwrap_or_default().to_ascii_lowercase(),
                max_length: opt_i64(row, 3)?,
                nullable: opt_string(row, 4)?.is_some_and(|v| v.eq_ignore_ascii_case("YES")),
                ordinal: i64_at(row, 5)?,
            };
            catalog
                .tables
                .entry(table.to_ascii_lowercase())
                .or_insert_with(|| (table.clone(), Vec::new()))
                .1
                .push(column);
        }
        Ok(catalog)
    }

    /// Builds a catalog from known columns (tests, and packages that carry one).
    pub fn from_tables(tables: impl IntoIterator<Item = (String, Vec<ColumnInfo>)>) -> Catalog {
        Catalog {
            tables: tables
                .into_iter()
                .map(|(name, columns)| (name.to_ascii_lowercase(), (name, columns)))
                .collect(),
        }
    }

    /// A catalog of int columns named per table, for unit tests of code that only asks which columns exist.
    #[cfg(test)]
    pub fn of_columns(tables: &[(&str, &[&str])]) -> Catalog {
        Catalog::from_tables(tables.iter().map(|(t, cols)| {
            (
                t.to_string(),
                cols.iter()
                    .zip(1..)
                    .map(|(c, ordinal)| ColumnInfo {
                        name: c.to_string(),
                        data_type: "int".into(),
                        max_length: None,
                        nullable: false,
                        ordinal,
                    })
                    .collect(),
            )
        }))
    }

    pub fn has_table(&self, table: &str) -> bool {
        self.tables.contains_key(&table.to_ascii_lowercase())
    }

    pub fn columns(&self, table: &str) -> Option<&[ColumnInfo]> {
        self.tables
            .get(&table.to_ascii_lowercase())
            .map(|(_, c)| c.as_slice())
    }

    pub fn column(&self, table: &str, column: &str) -> Option<&ColumnInfo> {
        self.columns(table)?
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(column))
    }

    pub fn has_column(&self, table: &str, column: &str) -> bool {
        self.column(table, column).is_some()
    }

    /// `dbo.[Table]` spelled as the server spells it (our spelling when the table is unknown). Identifiers follow
    /// the database collation, so in a case-sensitive database `channelID` (2010) and `channelId` (2013) differ;
    /// every statement is built from the catalog's spelling.
    pub fn table_ref(&self, table: &str) -> String {
        format!("dbo.{}", self.table_exposed(table))
    }

    /// `[Table]` as the server spells it: the name `FROM dbo.[Table]` exposes, for two-part column references
    /// (`[Table].[Column]`; three-part ones are deprecated in SQL Server).
    pub fn table_exposed(&self, table: &str) -> String {
        let name = self
            .tables
            .get(&table.to_ascii_lowercase())
            .map(|(name, _)| name.as_str())
            .unwrap_or(table);
        format!("[{}]", name.replace(']', "]]"))
    }

    /// `[Column]` spelled as the server spells it (our spelling when unknown).
    pub fn col(&self, table: &str, column: &str) -> String {
        let name = self
            .column(table, column)
            .map(|c| c.name.as_str())
            .unwrap_or(column);
        format!("[{}]", name.replace(']', "]]"))
    }

    pub fn table_count(&self) -> usize {
        self.tables.len()
    }

    /// Table names as the server spells them.
    pub fn table_names(&self) -> impl Iterator<Item = &str> {
        self.tables.values().map(|(name, _)| name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_use_the_servers_spelling() {
        let catalog = Catalog::from_tables([(
            "tblChat".to_string(),
            vec![ColumnInfo {
                name: "channelID".into(),
                data_type: "int".into(),
                max_length: None,
                nullable: false,
                ordinal: 1,
            }],
        )]);
        assert_eq!(catalog.table_ref("TBLCHAT"), "dbo.[tblChat]");
        assert_eq!(catalog.col("tblchat", "channelId"), "[channelID]");
        assert_eq!(catalog.col("tblChat", "rtf"), "[rtf]");
        assert_eq!(catalog.table_ref("tblNode"), "dbo.[tblNode]");
    }
}
