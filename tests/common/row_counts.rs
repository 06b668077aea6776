//! Row count of every base table of a database (INFORMATION_SCHEMA), to show that a dry run wrote nothing.
//! Coarser than the planner's full checksums (tests/common/checksums.rs, when it lands) but enough for the
//! surfaces' tests, whose job is that the request reaches the library as a dry run.

use std::collections::BTreeMap;
use tiberius::Client;
use tokio::net::TcpStream;
use tokio_util::compat::Compat;

pub async fn row_counts(admin: &mut Client<Compat<TcpStream>>) -> BTreeMap<String, i64> {
    let tables: Vec<String> = admin
        .simple_query(
            "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_TYPE = 'BASE TABLE' \
             ORDER BY TABLE_NAME",
        )
        .await
        .expect("tables")
        .into_first_result()
        .await
        .expect("rows")
        .iter()
        .filter_map(|row| row.get::<&str, _>(0).map(str::to_string))
        .collect();
    assert!(!tables.is_empty(), "no tables listed");
    let mut counts = BTreeMap::new();
    for table in tables {
        let row = admin
            .simple_query(format!("SELECT COUNT_BIG(*) FROM [dbo].[{table}]"))
            .await
            .expect("count")
            .into_row()
            .await
            .expect("row")
            .expect("one row");
        counts.insert(table, row.get::<i64, _>(0).expect("count"));
    }
    counts
}
