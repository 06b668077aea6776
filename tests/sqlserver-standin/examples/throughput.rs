//! Throughput of the stand-in through tiberius: bulk insert of N tblChat-like rows, then a
//! SELECT streaming them back (ORDER BY the primary key, WHERE on its first column).
//!
//! `cargo run --release -p sqlserver-standin --example throughput [-- ROWS]` (default 1,000,000).
//! Prints rows/s; it asserts nothing about speed.
use futures_util::TryStreamExt;
use sqlserver_standin::{Standin, StandinConfig, TlsMode};
use std::time::Instant;
use tiberius::{Client, ColumnData, Config, QueryItem, TokenRow};
use tokio::net::TcpStream;
use tokio_util::compat::TokioAsyncWriteCompatExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = std::env::args()
        .nth(1)
        .map(|a| a.replace(['_', ','], "").parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let tls = if std::env::var_os("STANDIN_TLS").is_some() {
        TlsMode::Supported
    } else {
        TlsMode::Plaintext
    };
    let s = Standin::spawn(StandinConfig {
        tls,
        databases: vec!["perf".into()],
        ..Default::default()
    })?;
    let cfg = Config::from_ado_string(&s.ado_connection_string("perf"))?;
    let tcp = TcpStream::connect(cfg.get_addr()).await?;
    tcp.set_nodelay(true)?;
    let mut c = Client::connect(cfg, tcp.compat_write()).await?;
    c.simple_query(
        "CREATE TABLE dbo.tblChat (channelId INT NOT NULL, chatId BIGINT NOT NULL, chatDate BIGINT NOT NULL, userId INT NOT NULL, isAlert BIT NOT NULL, content NVARCHAR(MAX) NULL, CONSTRAINT PK_tblChat PRIMARY KEY (channelId, chatId))",
    )
    .await?
    .into_results()
    .await?;
    let text: String = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore".into();

    let t = Instant::now();
    let mut req = c.bulk_insert("tblChat").await?;
    for i in 0..n {
        let mut row = TokenRow::new();
        row.push(ColumnData::I32(Some((i % 10) as i32 + 1)));
        row.push(ColumnData::I64(Some(i as i64)));
        row.push(ColumnData::I64(Some(
            634_609_728_000_000_000 + i as i64 * 10_000_000,
        )));
        row.push(ColumnData::I32(Some((i % 1000) as i32)));
        row.push(ColumnData::Bit(Some(i % 7 == 0)));
        row.push(ColumnData::String(Some(format!("{i:08} {text}").into())));
        req.send(row).await?;
    }
    let total = req.finalize().await?.total();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(total, n as u64);
    println!(
        "bulk insert: {n} rows in {secs:.2} s = {:.0} rows/s",
        n as f64 / secs
    );

    let t = Instant::now();
    let mut stream = c
        .query(
            "SELECT channelId, chatId, chatDate, userId, isAlert, content FROM dbo.tblChat WHERE channelId >= @P1 ORDER BY channelId, chatId",
            &[&1i32],
        )
        .await?;
    let mut k = 0u64;
    let mut bytes = 0usize;
    while let Some(item) = stream.try_next().await? {
        if let QueryItem::Row(r) = item {
            bytes += r.get::<&str, _>(5).map(|s| s.len()).unwrap_or(0);
            k += 1;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(k, n as u64);
    println!(
        "select stream: {k} rows in {secs:.2} s = {:.0} rows/s ({bytes} content bytes)",
        k as f64 / secs
    );
    Ok(())
}
