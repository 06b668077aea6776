//! Checksums of every table of a database: all columns (from INFORMATION_SCHEMA), all rows ordered by every
//! column, hashed. Equal checksums before and after an operation prove it wrote nothing.
#![allow(dead_code)]

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use tiberius::ColumnData;

/// The tests' tiberius client (self-contained, so the file works as `common::checksums` or on its own path).
type TestClient = tiberius::Client<tokio_util::compat::Compat<tokio::net::TcpStream>>;

/// Table name → (row count, SHA-256 of its rows).
pub type Checksums = BTreeMap<String, (u64, String)>;

fn cell_text(data: &ColumnData<'_>) -> String {
    format!("{data:?}")
}

/// Every base table of `dbo` with its columns in ordinal order.
async fn tables(client: &mut TestClient) -> BTreeMap<String, Vec<String>> {
    let rows = client
        .query(
            "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS AS c \
             INNER JOIN INFORMATION_SCHEMA.TABLES AS t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA \
             AND t.TABLE_NAME = c.TABLE_NAME \
             WHERE c.TABLE_SCHEMA = @P1 AND t.TABLE_TYPE = N'BASE TABLE' \
             ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
            &[&"dbo"],
        )
        .await
        .expect("catalog")
        .into_first_result()
        .await
        .expect("catalog rows");
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        let table: &str = row.get(0).expect("table");
        let column: &str = row.get(1).expect("column");
        let data_type: &str = row.get(2).expect("type");
        // text/image/ntext cannot be ordered by: cast them (none in the mgc fixture, but stay general).
        let expr = match data_type.to_ascii_lowercase().as_str() {
            "text" | "ntext" => format!("CAST([{column}] AS nvarchar(max))"),
            "image" => format!("CAST([{column}] AS varbinary(max))"),
            _ => format!("[{column}]"),
        };
        tables.entry(table.to_string()).or_default().push(expr);
    }
    tables
}

/// Checksums of every table of the connected database.
pub async fn checksum_all(client: &mut TestClient) -> Checksums {
    let mut sums = Checksums::new();
    for (table, columns) in tables(client).await {
        let list = columns.join(", ");
        let order: Vec<String> = columns
            .iter()
            .filter(|c| !c.starts_with("CAST(") && !c.contains("max"))
            .cloned()
            .collect();
        let order_by = if order.is_empty() {
            String::new()
        } else {
            format!(" ORDER BY {}", order.join(", "))
        };
        let rows = client
            .simple_query(format!("SELECT {list} FROM dbo.[{table}]{order_by}"))
            .await
            .expect("select")
            .into_first_result()
            .await
            .expect("rows");
        let mut hash = Sha256::new();
        for row in &rows {
            for (_, data) in row.cells() {
                hash.update(cell_text(data).as_bytes());
                hash.update([0x1f]);
            }
            hash.update([0x1e]);
        }
        let digest = hash.finalize();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        sums.insert(table, (rows.len() as u64, hex));
    }
    sums
}
