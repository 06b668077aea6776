//! Readiness benchmark (not a test): seeds the SQL Server stand-in (in this process) with a generated Lync 2010
//! deployment of N messages, then times readiness from the database (one GROUP BY over tblChat) and, after an
//! export, from the package (full verification plus one stream of every room). Prints seconds and messages/s.
//!
//! Run: `cargo run --release -p pchat-migrate --example bench_readiness -- [MESSAGES]` (default 100,000).

use chat_fixtures::{create_database, generate_model, write_legacy, DatabaseKind, Size};
use pchat_migrate::jobs::Job;
use pchat_migrate::operations::{start_job, Request};
use pchat_migrate::readiness::{readiness, ReadinessParams};
use serde_json::{json, Value};
use sqlserver_standin::{Standin, StandinConfig, TlsMode};
use std::time::Instant;
use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::TokioAsyncWriteCompatExt;

fn timed_readiness(params: Value) -> (f64, Value) {
    let params: ReadinessParams = serde_json::from_value(params).expect("params");
    let started = Instant::now();
    let job = Job::spawn("readiness", move |ctx| async move {
        readiness(params, ctx)
            .await
            .map(|r| serde_json::to_value(r).unwrap_or_default())
    })
    .expect("job");
    let result = job.wait(|_| {}).expect("readiness succeeds");
    (started.elapsed().as_secs_f64(), result)
}

fn main() {
    let messages: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let standin = Standin::spawn(StandinConfig {
        tls: TlsMode::Plaintext,
        ..StandinConfig::default()
    })
    .expect("stand-in");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let seeded = Instant::now();
    runtime.block_on(async {
        let mut config = Config::new();
        config.host("127.0.0.1");
        config.port(standin.port());
        config.authentication(AuthMethod::sql_server(standin.user(), standin.password()));
        config.encryption(EncryptionLevel::NotSupported);
        let tcp = TcpStream::connect(config.get_addr()).await.expect("tcp");
        let mut client = Client::connect(config, tcp.compat_write())
            .await
            .expect("login");
        create_database(&mut client, "Bench", DatabaseKind::Legacy2010)
            .await
            .expect("schema");
        let model = generate_model(1, Size::Messages(messages));
        write_legacy(&mut client, &model, DatabaseKind::Legacy2010)
            .await
            .expect("seed");
    });
    println!(
        "seeded {messages} messages in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );
    let connection = json!({ "dbInstance": format!("127.0.0.1,{}", standin.port()), "dbName": "Bench",
        "user": standin.user(), "password": standin.password(), "encryption": "Plaintext" });
    let (secs, result) = timed_readiness(json!({ "source": connection }));
    let counted = result["counts"]["sourceMessages"].as_u64().unwrap_or(0);
    println!(
        "readiness from the database: {counted} messages in {secs:.2} s = {:.0} messages/s",
        counted as f64 / secs
    );
    let dir = std::env::temp_dir().join(format!("pchat-bench-readiness-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("bench.pcmpkg");
    let request = Request::from_value(json!({ "operation": "export",
        "params": { "connection": connection, "fileName": file.display().to_string() } }))
    .expect("request");
    start_job(&request)
        .expect("export")
        .wait(|_| {})
        .expect("export succeeds");
    let (secs, result) = timed_readiness(json!({ "fileName": file.display().to_string() }));
    let counted = result["counts"]["sourceMessages"].as_u64().unwrap_or(0);
    println!(
        "readiness from the package (verify + stream): {counted} messages in {secs:.2} s = {:.0} messages/s",
        counted as f64 / secs
    );
    let _ = std::fs::remove_dir_all(&dir);
}
