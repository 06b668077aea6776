//! What the benchmark's phases share: the stand-in process, tiberius clients, seeding, memory and CPU figures.
//! (A folder without `main.rs`, so cargo does not take it for an example of its own.) Each example uses a part.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

pub const PASSWORD: &str = "Standin-Passw0rd!";

pub type TdsClient = Client<Compat<TcpStream>>;

/// A `/proc/self/status` figure in KiB (Linux); 0 elsewhere.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// The peak resident set of this process so far (VmHWM), in KiB. Each phase runs in a process of its own, so
/// this is the phase's peak, not what an earlier phase left in the allocator.
pub fn peak_rss_kib() -> u64 {
    status_kib("VmHWM:")
}

/// CPU time (user + system) this process used so far, in seconds (Linux, 100 clock ticks per second).
pub fn cpu_secs() -> f64 {
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

/// A binary built next to this example (target/<profile>/<name>).
pub fn sibling(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the benchmark's own path");
    exe.parent()
        .and_then(|p| p.parent())
        .expect("target/<profile>")
        .join(name)
}

/// The SQL Server stand-in in a process of its own (its memory is not the client's), and its port.
pub fn start_standin() -> (Child, u16) {
    let mut child = Command::new(sibling("sqlserver-standin"))
        .arg("--plaintext")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("build the stand-in first: cargo build --release --workspace --bins");
    let stdout = child.stdout.take().expect("the stand-in's stdout");
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    for _ in 0..100 {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        if let Some(port) = line.trim().rsplit(':').next().and_then(|p| p.parse().ok()) {
            return (child, port);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the stand-in did not say its port");
}

/// A plain tiberius client (no TLS, the stand-in's sa login).
pub async fn client(port: u16, database: &str) -> TdsClient {
    let mut config = Config::new();
    config.host("127.0.0.1");
    config.port(port);
    config.database(database);
    config.encryption(EncryptionLevel::NotSupported);
    config.authentication(AuthMethod::sql_server("sa", PASSWORD));
    let tcp = TcpStream::connect(config.get_addr())
        .await
        .expect("tcp to the stand-in");
    tcp.set_nodelay(true).expect("nodelay");
    Client::connect(config, tcp.compat_write())
        .await
        .expect("login")
}

/// Runs pchat-seed: `kind` legacy2010 or mgc2013, `size` as pchat-seed takes it (`messages:N`, `realistic:N`), or
/// `None` for a freshly installed schema (an import's target). Returns pchat-seed's summary line.
pub fn seed(port: u16, database: &str, kind: &str, size: Option<&str>) -> String {
    let mut command = Command::new(sibling("pchat-seed"));
    command
        .args(["--server", &format!("127.0.0.1,{port}"), "--user", "sa"])
        .args(["--plaintext", "--database", database, "--kind", kind])
        .env("PCHAT_SEED_PASSWORD", PASSWORD);
    match size {
        Some(size) => command.args(["--size", size]),
        None => command.arg("--schema-only"),
    };
    let output = command.output().expect("pchat-seed runs");
    assert!(
        output.status.success(),
        "pchat-seed failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The connection block of a library request to the stand-in.
pub fn connection(port: u16, database: &str) -> serde_json::Value {
    serde_json::json!({
        "dbInstance": format!("127.0.0.1,{port}"), "dbName": database, "user": "sa",
        "password": PASSWORD, "encryption": "Plaintext",
    })
}
