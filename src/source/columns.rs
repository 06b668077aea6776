//! Column-aware reading: the columns to select are chosen from the catalog (required ones must exist; optional
//! ones are read only when present), and values are read by name, tolerant of the integer widths that differ
//! between Group Chat 2010 and Persistent Chat 2013 (e.g. `prinDisabled` is bit in 2010, smallint in 2013).
//!
//! Which columns are required, and the default of every optional one, is decided per column against the
//! published schemas and listed in docs/schema-assumptions.md ("Columns the export reads").

use crate::error::PcmError;
use crate::schema::Catalog;
use std::collections::HashMap;
use tiberius::{ColumnData, Row};

/// A column the reader wants. A required column carries what the migration needs it for, so that the error for
/// a database without it can say so.
#[derive(Debug, Clone, Copy)]
pub struct Want {
    pub name: &'static str,
    /// `Some(why)` when the migration cannot work without the column.
    pub need: Option<&'static str>,
}

impl Want {
    pub const fn required(&self) -> bool {
        self.need.is_some()
    }
}

/// A column the migration cannot work without; `why` completes "the export needs it to ...".
pub const fn req(name: &'static str, why: &'static str) -> Want {
    Want {
        name,
        need: Some(why),
    }
}

/// A column read when present; its default when absent is documented in docs/schema-assumptions.md.
pub const fn opt(name: &'static str) -> Want {
    Want { name, need: None }
}

/// A required table or column the database lacks, with what the migration needs it for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub table: &'static str,
    /// None when the whole table is missing.
    pub column: Option<&'static str>,
    pub why: &'static str,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            Some(column) => write!(
                f,
                "column dbo.{}.{column} (needed to {})",
                self.table, self.why
            ),
            None => write!(f, "table dbo.{} (needed to {})", self.table, self.why),
        }
    }
}

/// The required columns of `table` that `catalog` lacks (the table itself when it is missing altogether).
pub fn missing_required(catalog: &Catalog, table: &'static str, wanted: &[Want]) -> Vec<Missing> {
    if !catalog.has_table(table) {
        let why = wanted.iter().find_map(|w| w.need).unwrap_or("read it");
        return vec![Missing {
            table,
            column: None,
            why,
        }];
    }
    wanted
        .iter()
        .filter_map(|w| match w.need {
            Some(why) if !catalog.has_column(table, w.name) => Some(Missing {
                table,
                column: Some(w.name),
                why,
            }),
            _ => None,
        })
        .collect()
}

/// The error for a chat database that lacks columns the migration cannot work without: it names each table and
/// column, what it is needed for, and the fix. (A database without the chat tables altogether is refused earlier,
/// by detection, as not a chat database; a missing optional column is never an error.)
pub fn missing_error(missing: &[Missing]) -> PcmError {
    let list = missing
        .iter()
        .map(Missing::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    PcmError::InvalidSourceData(format!(
        "the database lacks what the migration cannot work without: {list}. Point -DBName at the Group Chat \
         database itself (not a partial copy or a view of it), or restore the missing column(s) from the \
         installation's backup; docs/schema-assumptions.md lists every column the export reads and which are \
         optional"
    ))
}

/// The `SELECT` list for `table`: every required column (or an error naming the missing ones) and the optional
/// columns the database has, bracket-quoted as the server spells them.
pub fn select_list(
    catalog: &Catalog,
    table: &'static str,
    wanted: &[Want],
) -> Result<String, PcmError> {
    let missing = missing_required(catalog, table, wanted);
    if !missing.is_empty() {
        return Err(missing_error(&missing));
    }
    Ok(wanted
        .iter()
        .filter(|w| catalog.has_column(table, w.name))
        .map(|w| select_item(catalog, table, w.name))
        .collect::<Vec<_>>()
        .join(", "))
}

/// The optional columns of `table` that `catalog` lacks, as `table.column` (their defaults apply).
pub fn absent_optional(catalog: &Catalog, table: &str, wanted: &[Want]) -> Vec<String> {
    wanted
        .iter()
        .filter(|w| !w.required() && !catalog.has_column(table, w.name))
        .map(|w| format!("{table}.{}", w.name))
        .collect()
}

/// One column of a `SELECT` list. Unicode text is read as its UTF-16LE bytes (`CAST(.. AS varbinary(max))`,
/// decoded by [`RowView::opt_string`]): tiberius cannot decode an unpaired surrogate, which SQL Server allows
/// in nvarchar, and would fail the whole read without naming the row (docs/package-format.md).
fn select_item(catalog: &Catalog, table: &str, column: &str) -> String {
    let name = catalog.col(table, column);
    let unicode = catalog
        .column(table, column)
        .is_some_and(|c| matches!(c.data_type.as_str(), "nvarchar" | "nchar" | "ntext"));
    if unicode {
        format!("CAST({name} AS varbinary(max)) AS {name}")
    } else {
        name
    }
}

/// Column positions by lower-case name, computed once per result set.
#[derive(Debug, Clone, Default)]
pub struct ColumnIndex {
    positions: HashMap<String, usize>,
}

impl ColumnIndex {
    pub fn of(row: &Row) -> ColumnIndex {
        ColumnIndex {
            positions: row
                .columns()
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name().to_ascii_lowercase(), i))
                .collect(),
        }
    }
}

/// Where a [`RowView`] finds its values: a result row, or (in unit tests) a map of values, so that the defaults of
/// absent columns can be tested without a server.
pub trait Cells {
    /// The value of column `name` (any case), or None when the result has no such column.
    fn cell(&self, name: &str) -> Option<&ColumnData<'static>>;

    /// The first column's name and value (the row's key in every reader's column list), to name a bad row.
    fn key(&self) -> Option<(String, &ColumnData<'static>)>;
}

/// A result row with its column index.
pub struct IndexedRow<'a> {
    pub index: &'a ColumnIndex,
    pub row: &'a Row,
}

impl Cells for IndexedRow<'_> {
    fn cell(&self, name: &str) -> Option<&ColumnData<'static>> {
        let position = *self.index.positions.get(&name.to_ascii_lowercase())?;
        self.row.cells().nth(position).map(|(_, data)| data)
    }

    fn key(&self) -> Option<(String, &ColumnData<'static>)> {
        self.row
            .cells()
            .next()
            .map(|(column, data)| (column.name().to_string(), data))
    }
}

/// Values by column name, for unit tests of the row mappers.
#[cfg(test)]
impl Cells for HashMap<String, ColumnData<'static>> {
    fn cell(&self, name: &str) -> Option<&ColumnData<'static>> {
        self.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    fn key(&self) -> Option<(String, &ColumnData<'static>)> {
        None
    }
}

/// One row read by column name.
pub struct RowView<'a> {
    cells: &'a dyn Cells,
    table: &'static str,
}

impl<'a> RowView<'a> {
    pub fn new(cells: &'a dyn Cells, table: &'static str) -> RowView<'a> {
        RowView { cells, table }
    }
}

impl RowView<'_> {
    fn cell(&self, name: &str) -> Option<&ColumnData<'static>> {
        self.cells.cell(name)
    }

    fn wrong(&self, name: &str, expected: &str, got: &ColumnData<'_>) -> PcmError {
        PcmError::Internal(format!(
            "dbo.{}.{name} holds {got:?} where {expected} was expected",
            self.table
        ))
    }

    fn null(&self, name: &str) -> PcmError {
        PcmError::Internal(format!(
            "dbo.{}.{name} is NULL or missing in a row where it is required",
            self.table
        ))
    }

    /// An integer of any width or a bit; None when NULL or the column is absent.
    pub fn opt_i64(&self, name: &str) -> Result<Option<i64>, PcmError> {
        Ok(match self.cell(name) {
            None => None,
            Some(ColumnData::U8(v)) => v.map(i64::from),
            Some(ColumnData::I16(v)) => v.map(i64::from),
            Some(ColumnData::I32(v)) => v.map(i64::from),
            Some(ColumnData::I64(v)) => *v,
            Some(ColumnData::Bit(v)) => v.map(i64::from),
            Some(other) => return Err(self.wrong(name, "an integer", other)),
        })
    }

    pub fn i64(&self, name: &str) -> Result<i64, PcmError> {
        self.opt_i64(name)?.ok_or_else(|| self.null(name))
    }

    pub fn opt_i32(&self, name: &str) -> Result<Option<i32>, PcmError> {
        self.opt_i64(name)?
            .map(|v| {
                i32::try_from(v).map_err(|_| {
                    PcmError::Internal(format!("dbo.{}.{name} = {v} overflows int", self.table))
                })
            })
            .transpose()
    }

    pub fn i32(&self, name: &str) -> Result<i32, PcmError> {
        self.opt_i32(name)?.ok_or_else(|| self.null(name))
    }

    pub fn opt_i16(&self, name: &str) -> Result<Option<i16>, PcmError> {
        self.opt_i64(name)?
            .map(|v| {
                i16::try_from(v).map_err(|_| {
                    PcmError::Internal(format!(
                        "dbo.{}.{name} = {v} overflows smallint",
                        self.table
                    ))
                })
            })
            .transpose()
    }

    pub fn i16(&self, name: &str) -> Result<i16, PcmError> {
        self.opt_i16(name)?.ok_or_else(|| self.null(name))
    }

    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, PcmError> {
        Ok(self.opt_i64(name)?.map(|v| v != 0))
    }

    pub fn bool(&self, name: &str) -> Result<bool, PcmError> {
        self.opt_bool(name)?.ok_or_else(|| self.null(name))
    }

    pub fn opt_string(&self, name: &str) -> Result<Option<String>, PcmError> {
        Ok(match self.cell(name) {
            None => None,
            Some(ColumnData::String(v)) => v.as_ref().map(|s| s.to_string()),
            Some(ColumnData::Binary(v)) => v.as_deref().map(|b| self.text(name, b)).transpose()?,
            Some(other) => return Err(self.wrong(name, "a string", other)),
        })
    }

    /// Unicode text read as UTF-16LE bytes (see `select_item`). Only message content may be other than valid
    /// Unicode (the package carries it exactly); anywhere else it is refused, naming the row and the column.
    fn text(&self, name: &str, bytes: &[u8]) -> Result<String, PcmError> {
        let bad = |what: String| {
            let key = self.cells.key();
            let value = key.as_ref().map(|(_, data)| match data {
                ColumnData::I16(Some(v)) => v.to_string(),
                ColumnData::I32(Some(v)) => v.to_string(),
                ColumnData::I64(Some(v)) => v.to_string(),
                ColumnData::Guid(Some(v)) => v.to_string(),
                other => format!("{other:?}"),
            });
            PcmError::InvalidSourceData(format!(
                "dbo.{}: the row with {} = {}: {name} {what}",
                self.table,
                key.as_ref().map(|(k, _)| k.as_str()).unwrap_or_default(),
                value.unwrap_or_default()
            ))
        };
        let decoded = crate::package::content::decode_utf16le(bytes).map_err(bad)?;
        if decoded.exact_utf16le.is_some() {
            return Err(bad(format!(
                "is not valid Unicode (an unpaired UTF-16 surrogate, which SQL Server allows in nvarchar; read as \
                 '{}'). Only message content is carried exactly; correct this value in the source database and \
                 export again",
                decoded.text
            )));
        }
        Ok(decoded.text)
    }

    pub fn string(&self, name: &str) -> Result<String, PcmError> {
        self.opt_string(name)?.ok_or_else(|| self.null(name))
    }

    /// A uniqueidentifier as lower-case text.
    pub fn opt_guid(&self, name: &str) -> Result<Option<String>, PcmError> {
        Ok(match self.cell(name) {
            None => None,
            Some(ColumnData::Guid(v)) => v.map(|g| g.hyphenated().to_string()),
            Some(ColumnData::String(v)) => v.as_ref().map(|s| s.to_ascii_lowercase()),
            Some(ColumnData::Binary(_)) => self.opt_string(name)?.map(|s| s.to_ascii_lowercase()),
            Some(other) => return Err(self.wrong(name, "a uniqueidentifier", other)),
        })
    }

    pub fn guid(&self, name: &str) -> Result<String, PcmError> {
        self.opt_guid(name)?.ok_or_else(|| self.null(name))
    }
}
