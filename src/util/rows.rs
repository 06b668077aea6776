//! Reading typed values from tiberius rows without panicking, tolerant of the integer widths different SQL Server
//! versions return for the same expression (e.g. int vs bigint), and naming the column on mismatch.

use crate::error::PcmError;
use tiberius::{ColumnData, Row};

fn column_name(row: &Row, index: usize) -> String {
    row.columns()
        .get(index)
        .map(|c| c.name().to_string())
        .unwrap_or_else(|| format!("#{index}"))
}

fn mismatch(row: &Row, index: usize, expected: &str, got: &ColumnData<'_>) -> PcmError {
    PcmError::Internal(format!(
        "column '{}' holds {:?}, expected {expected}",
        column_name(row, index),
        got
    ))
}

fn cell(row: &Row, index: usize) -> Result<&ColumnData<'static>, PcmError> {
    row.cells()
        .nth(index)
        .map(|(_, data)| data)
        .ok_or_else(|| PcmError::Internal(format!("the result has no column #{index}")))
}

/// An integer of any width (tinyint..bigint, bit), or NULL.
pub fn opt_i64(row: &Row, index: usize) -> Result<Option<i64>, PcmError> {
    Ok(match cell(row, index)? {
        ColumnData::U8(v) => v.map(i64::from),
        ColumnData::I16(v) => v.map(i64::from),
        ColumnData::I32(v) => v.map(i64::from),
        ColumnData::I64(v) => *v,
        ColumnData::Bit(v) => v.map(i64::from),
        other => return Err(mismatch(row, index, "an integer", other)),
    })
}

/// A non-NULL integer of any width.
pub fn i64_at(row: &Row, index: usize) -> Result<i64, PcmError> {
    opt_i64(row, index)?
        .ok_or_else(|| PcmError::Internal(format!("column '{}' is NULL", column_name(row, index))))
}

/// A string (nvarchar/varchar/nchar), or NULL.
pub fn opt_string(row: &Row, index: usize) -> Result<Option<String>, PcmError> {
    Ok(match cell(row, index)? {
        ColumnData::String(v) => v.as_ref().map(|s| s.to_string()),
        other => return Err(mismatch(row, index, "a string", other)),
    })
}
