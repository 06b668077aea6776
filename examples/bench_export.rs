//! Export benchmark (not a test): seeds the SQL Server stand-in (a separate process, so its memory is not
//! counted) with a generated legacy deployment of N messages, then measures in this process
//!   1. the floor: a raw tiberius read of the same rows (the same per-room queries, one connection), with
//!      content read as nvarchar (tiberius decodes it) and as varbinary decoded by the library (as the export
//!      does, so a value that is not valid UTF-16 survives), and
//!   2. the export through the library (the same code path as the C ABI and the CLI).
//!
//! It prints messages/s and the peak resident memory of each phase.
//!
//! Run: `bash scripts/bench-export.sh [MESSAGES]` (default 1,000,000).

use futures_util::TryStreamExt;
use pchat_migrate::operations::{start_job, Request};
use pchat_migrate::package::content::decode_utf16le;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tiberius::{AuthMethod, Client, Config, EncryptionLevel, QueryItem};
use tokio::net::TcpStream;
use tokio_util::compat::TokioAsyncWriteCompatExt;

const PASSWORD: &str = "Standin-Passw0rd!";

/// Resident set size in KiB (Linux); 0 elsewhere.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// CPU time (user + system) this process used so far, in seconds (Linux, 100 clock ticks per second; 0
/// elsewhere): the stand-in runs in its own process, so a phase's delta is the client's own cost.
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = after.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(0.0)
}

/// Samples RSS every 5 ms while a phase runs; returns the peak.
struct PeakMemory {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PeakMemory {
    fn start() -> PeakMemory {
        let peak = Arc::new(AtomicU64::new(rss_kib()));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, s) = (peak.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(rss_kib(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        PeakMemory {
            peak,
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.load(Ordering::Relaxed)
    }
}

fn sibling(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("exe");
    let dir = exe
        .parent()
        .and_then(|p| p.parent())
        .expect("target/<profile>");
    dir.join(name)
}

fn start_standin() -> (Child, u16) {
    let mut child = Command::new(sibling("sqlserver-standin"))
        .arg("--plaintext")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("build the stand-in first: cargo build --release --workspace --bins");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    let mut reader = BufReader::new(stdout);
    let mut port = 0;
    for _ in 0..100 {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        if let Some(p) = line.trim().rsplit(':').next().and_then(|p| p.parse().ok()) {
            port = p;
            break;
        }
    }
    assert!(port > 0, "the stand-in did not start");
    (child, port)
}

/// Reads every room's history on one connection: content as nvarchar through tiberius' string path, or (as
/// the export does) as `CAST(content AS varbinary(max))` decoded by the library.
async fn raw_read(port: u16, database: &str, as_bytes: bool) -> (u64, u64) {
    let mut config = Config::new();
    config.host("127.0.0.1");
    config.port(port);
    config.database(database);
    config.encryption(EncryptionLevel::NotSupported);
    config.authentication(AuthMethod::sql_server("sa", PASSWORD));
    let tcp = TcpStream::connect(config.get_addr()).await.expect("tcp");
    tcp.set_nodelay(true).expect("nodelay");
    let mut client = Client::connect(config, tcp.compat_write())
        .await
        .expect("login");
    let rooms: Vec<i32> = client
        .simple_query("SELECT channelId FROM dbo.tblChat GROUP BY channelId ORDER BY channelId")
        .await
        .expect("rooms")
        .into_first_result()
        .await
        .expect("rooms")
        .iter()
        .map(|r| r.get::<i32, _>(0).unwrap_or_default())
        .collect();
    let (mut rows, mut bytes) = (0u64, 0u64);
    let content = if as_bytes {
        "CAST(content AS varbinary(max)) AS content"
    } else {
        "content"
    };
    let sql = format!(
        "SELECT chatId, chatDate, userId, isAlert, {content} FROM dbo.tblChat WHERE channelId = @P1 ORDER BY chatId"
    );
    for room in rooms {
        let mut stream = client.query(&sql, &[&room]).await.expect("query");
        while let Some(item) = stream.try_next().await.expect("row") {
            if let QueryItem::Row(row) = item {
                rows += 1;
                bytes += if as_bytes {
                    let raw = row.get::<&[u8], _>(4).unwrap_or_default();
                    decode_utf16le(raw)
                        .map(|d| d.text.len() as u64)
                        .unwrap_or(0)
                } else {
                    row.get::<&str, _>(4).map(|s| s.len() as u64).unwrap_or(0)
                };
            }
        }
    }
    (rows, bytes)
}

fn main() {
    let messages: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let (mut standin, port) = start_standin();
    println!(
        "stand-in on port {port}; seeding a Lync 2010 deployment with {messages} messages ..."
    );
    let seeded = Instant::now();
    let status = Command::new(sibling("pchat-seed"))
        .args([
            "--server",
            &format!("127.0.0.1,{port}"),
            "--user",
            "sa",
            "--plaintext",
        ])
        .args([
            "--database",
            "Bench",
            "--kind",
            "legacy2010",
            "--size",
            &format!("messages:{messages}"),
        ])
        .env("PCHAT_SEED_PASSWORD", PASSWORD)
        .status()
        .expect("pchat-seed runs");
    assert!(status.success(), "seeding failed");
    println!("seeded in {:.1} s", seeded.elapsed().as_secs_f64());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // Twice each, alternating, so the two ways of reading content compare under the same load.
    let (mut rows, mut raw_secs) = (0, f64::MAX);
    for as_bytes in [false, true, false, true] {
        let memory = PeakMemory::start();
        let started = Instant::now();
        let cpu = cpu_secs();
        let (n, bytes) = runtime.block_on(raw_read(port, "Bench", as_bytes));
        let secs = started.elapsed().as_secs_f64();
        let cpu = cpu_secs() - cpu;
        let peak = memory.finish();
        println!(
            "raw read, {}: {n} rows ({:.0} MB of content) in {secs:.2} s = {:.0} rows/s, client CPU {cpu:.2} s, \
             peak RSS {:.1} MB",
            if as_bytes { "content as varbinary + decode" } else { "content as nvarchar (tiberius)" },
            bytes as f64 / 1e6,
            n as f64 / secs,
            peak as f64 / 1024.0
        );
        if !as_bytes {
            rows = n;
            raw_secs = raw_secs.min(secs);
        }
    }

    let dir = std::env::temp_dir().join(format!("pchat-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for throttle in [1, 4] {
        let file = dir.join(format!("bench-{throttle}.zip"));
        let request = Request::from_value(json!({
            "operation": "export",
            "params": {
                "connection": { "dbInstance": format!("127.0.0.1,{port}"), "dbName": "Bench", "user": "sa",
                                "password": PASSWORD, "encryption": "Plaintext" },
                "fileName": file.display().to_string(),
                "throttleLimit": throttle,
            }
        }))
        .expect("request");
        let memory = PeakMemory::start();
        let started = Instant::now();
        let job = start_job(&request).expect("export starts");
        let result = job.wait(|_| {}).expect("export succeeds");
        let secs = started.elapsed().as_secs_f64();
        let peak = memory.finish();
        let exported = result["counts"]["messages"].as_u64().unwrap_or(0);
        println!(
            "export (throttle {throttle}) : {exported} messages in {secs:.2} s = {:.0} messages/s ({:.0}% of the raw read), \
             package {:.1} MB, peak RSS {:.1} MB",
            exported as f64 / secs,
            100.0 * (exported as f64 / secs) / (rows as f64 / raw_secs),
            result["sizeBytes"].as_u64().unwrap_or(0) as f64 / 1e6,
            peak as f64 / 1024.0
        );
        assert_eq!(exported, rows, "the export holds every row");
    }
    let _ = std::fs::remove_dir_all(&dir);
    drop(standin.stdin.take());
    let _ = standin.wait();
}
