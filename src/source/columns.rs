//! Column-aware reading: the columns to select are chosen from the catalog (required ones must exist; optional
//! ones are read only when present), and values are read by name, tolerant of the integer widths that differ
//! between Group Chat 2010 and Persistent Chat 2013 (e.g. `prinDisabled` is bit in 2010, smallint in 2013).

use crate::error::PcmError;
use crate::schema::Catalog;
use std::collections::HashMap;
use tiberius::{ColumnData, Row};

/// A column the reader wants.
#[derive(Debug, Clone, Copy)]
pub struct Want {
    pub name: &'static str,
    pub required: bool,
}

pub const fn req(name: &'static str) -> Want {
    Want {
        name,
        required: true,
    }
}

pub const fn opt(name: &'static str) -> Want {
    Want {
        name,
        required: false,
    }
}

/// The `SELECT` list for `table`: every required column (or an error naming the missing ones) and the optional
/// columns the database has, bracket-quoted.
pub fn select_list(catalog: &Catalog, table: &str, wanted: &[Want]) -> Result<String, PcmError> {
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|w| w.required && !catalog.has_column(table, w.name))
        .map(|w| w.name)
        .collect();
    if !missing.is_empty() {
        return Err(PcmError::NotAChatDatabase(format!(
            "table dbo.{table} lacks the column(s) {} that every supported version has; the database is damaged or \
             of an unknown version",
            missing.join(", ")
        )));
    }
    Ok(wanted
        .iter()
        .filter(|w| catalog.has_column(table, w.name))
        .map(|w| select_item(catalog, table, w.name))
        .collect::<Vec<_>>()
        .join(", "))
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

    pub fn row<'a>(&'a self, row: &'a Row, table: &'static str) -> RowView<'a> {
        RowView {
            index: self,
            row,
            table,
        }
    }
}

/// One row read by column name.
pub struct RowView<'a> {
    index: &'a ColumnIndex,
    row: &'a Row,
    table: &'static str,
}

impl RowView<'_> {
    fn cell(&self, name: &str) -> Option<&ColumnData<'static>> {
        let position = *self.index.positions.get(&name.to_ascii_lowercase())?;
        self.row.cells().nth(position).map(|(_, data)| data)
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

    pub fn i16(&self, name: &str) -> Result<i16, PcmError> {
        let v = self.i64(name)?;
        i16::try_from(v).map_err(|_| {
            PcmError::Internal(format!(
                "dbo.{}.{name} = {v} overflows smallint",
                self.table
            ))
        })
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
            let key = self.row.columns().first().map(|c| c.name().to_string());
            let value = self.row.cells().next().map(|(_, data)| match data {
                ColumnData::I16(Some(v)) => v.to_string(),
                ColumnData::I32(Some(v)) => v.to_string(),
                ColumnData::I64(Some(v)) => v.to_string(),
                ColumnData::Guid(Some(v)) => v.to_string(),
                other => format!("{other:?}"),
            });
            PcmError::InvalidSourceData(format!(
                "dbo.{}: the row with {} = {}: {name} {what}",
                self.table,
                key.unwrap_or_default(),
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
