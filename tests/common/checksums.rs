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

/// Every base table of `dbo` with its column expressions in ordinal order, and whether each can be ordered by.
async fn tables(client: &mut TestClient) -> BTreeMap<String, Vec<(String, bool)>> {
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
    let mut tables: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
    for row in rows {
        let table: &str = row.get(0).expect("table");
        let column: &str = row.get(1).expect("column");
        let data_type: &str = row.get(2).expect("type");
        let quoted = format!("[{}]", column.replace(']', "]]"));
        // text/ntext/image cannot be ordered by: they are read cast to their max types, which can. Types SQL
        // Server cannot order by at all (xml, spatial) are read as text and left out of ORDER BY.
        let (expr, orderable) = match data_type.to_ascii_lowercase().as_str() {
            "text" | "ntext" => (format!("CAST({quoted} AS nvarchar(max))"), true),
            "image" => (format!("CAST({quoted} AS varbinary(max))"), true),
            "xml" | "geography" | "geometry" | "hierarchyid" => {
                (format!("CAST({quoted} AS nvarchar(max))"), false)
            }
            _ => (quoted, true),
        };
        tables
            .entry(table.to_string())
            .or_default()
            .push((expr, orderable));
    }
    tables
}

/// Checksums of every table of the connected database.
pub async fn checksum_all(client: &mut TestClient) -> Checksums {
    let mut sums = Checksums::new();
    for (table, columns) in tables(client).await {
        let list = columns
            .iter()
            .map(|(e, _)| e.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let order: Vec<String> = columns
            .iter()
            .filter(|(_, orderable)| *orderable)
            .map(|(e, _)| e.clone())
            .collect();
        let order_by = if order.is_empty() {
            String::new()
        } else {
            format!(" ORDER BY {}", order.join(", "))
        };
        let rows = client
            .simple_query(format!(
                "SELECT {list} FROM dbo.[{}]{order_by}",
                table.replace(']', "]]")
            ))
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
