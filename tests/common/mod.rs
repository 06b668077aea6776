//! Shared test harness: a SQL Server to test against — the project's stand-in by default, or a real server
//! when `PCHAT_TEST_SQLSERVER` holds an ADO.NET-style connection string such as
//! `Server=tcp:sql01,1433;User Id=sa;Password=...;TrustServerCertificate=true`.
//! Every test creates its own uniquely named databases, and drops them again on a real server.
#![allow(dead_code)]

use pchat_migrate::jobs::{Job, JobEvent};
use pchat_migrate::operations::{self, Request};
use pchat_migrate::PcmError;
use serde_json::{json, Value};
use sqlserver_standin::{Standin, StandinConfig, TlsMode};
use std::sync::atomic::{AtomicU32, Ordering};
use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

pub type TestClient = Client<Compat<TcpStream>>;

/// A real server's coordinates, parsed from `PCHAT_TEST_SQLSERVER`.
pub struct RealServer {
    pub db_instance: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub trust_server_certificate: bool,
}

pub enum TestServer {
    Standin(Standin),
    Real(RealServer),
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database name unique to this process and call.
pub fn unique_db_name(prefix: &str) -> String {
    format!(
        "pcmtest_{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn parse_ado(text: &str) -> RealServer {
    let mut server = RealServer {
        db_instance: String::new(),
        host: String::new(),
        port: 1433,
        user: String::new(),
        password: String::new(),
        trust_server_certificate: false,
    };
    for part in text.split(';').filter(|p| !p.trim().is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        let value = value.trim().to_string();
        match key.trim().to_ascii_lowercase().as_str() {
            "server" | "data source" | "address" => server.db_instance = value,
            "user id" | "uid" | "user" => server.user = value,
            "password" | "pwd" => server.password = value,
            "trustservercertificate" => {
                server.trust_server_certificate = value.eq_ignore_ascii_case("true")
            }
            _ => {}
        }
    }
    let instance = pchat_migrate::connection::DbInstance::parse(&server.db_instance)
        .expect("PCHAT_TEST_SQLSERVER: Server= is not a valid -DBInstance");
    server.host = instance.host.clone();
    server.port = instance.effective_port();
    server
}

impl TestServer {
    /// The server for this test: `PCHAT_TEST_SQLSERVER` if set, else a fresh stand-in with TLS.
    pub fn start() -> TestServer {
        match std::env::var("PCHAT_TEST_SQLSERVER") {
            Ok(text) if !text.trim().is_empty() => TestServer::Real(parse_ado(&text)),
            _ => TestServer::standin(TlsMode::Supported),
        }
    }

    pub fn standin(tls: TlsMode) -> TestServer {
        TestServer::Standin(
            Standin::spawn(StandinConfig {
                tls,
                ..StandinConfig::default()
            })
            .expect("the stand-in starts"),
        )
    }

    pub fn is_standin(&self) -> bool {
        matches!(self, TestServer::Standin(_))
    }

    pub fn as_standin(&self) -> Option<&Standin> {
        match self {
            TestServer::Standin(s) => Some(s),
            TestServer::Real(_) => None,
        }
    }

    pub fn db_instance(&self) -> String {
        match self {
            TestServer::Standin(s) => format!("localhost,{}", s.port()),
            TestServer::Real(r) => r.db_instance.clone(),
        }
    }

    /// Connection parameters for a product request, with the settings that work for this server.
    pub fn connection_params(&self, database: Option<&str>) -> Value {
        let mut params = match self {
            TestServer::Standin(s) => {
                let mut p = json!({
                    "dbInstance": self.db_instance(),
                    "user": s.user(),
                    "password": s.password(),
                    "connectTimeoutSeconds": 10,
                });
                match s.ca_cert_pem_path() {
                    Some(ca) => p["caCertificatePath"] = json!(ca.to_string_lossy()),
                    None => p["encryption"] = json!("Plaintext"),
                }
                p
            }
            TestServer::Real(r) => json!({
                "dbInstance": r.db_instance,
                "user": r.user,
                "password": r.password,
                "trustServerCertificate": r.trust_server_certificate,
                "connectTimeoutSeconds": 15,
            }),
        };
        if let Some(db) = database {
            params["dbName"] = json!(db);
        }
        params
    }

    /// A direct tiberius connection for setting up test data (not through the product).
    pub async fn admin(&self, database: &str) -> TestClient {
        let mut config = Config::new();
        config.database(database);
        match self {
            TestServer::Standin(s) => {
                config.host("localhost");
                config.port(s.port());
                config.authentication(AuthMethod::sql_server(s.user(), s.password()));
                match s.ca_cert_pem_path() {
                    Some(ca) => config.trust_cert_ca(ca.to_string_lossy()),
                    None => config.encryption(EncryptionLevel::NotSupported),
                }
            }
            TestServer::Real(r) => {
                config.host(&r.host);
                config.port(r.port);
                config.authentication(AuthMethod::sql_server(&r.user, &r.password));
                if r.trust_server_certificate {
                    config.trust_cert();
                }
            }
        }
        let tcp = TcpStream::connect(config.get_addr())
            .await
            .expect("tcp connect");
        tcp.set_nodelay(true).expect("nodelay");
        Client::connect(config, tcp.compat_write())
            .await
            .expect("admin login")
    }

    /// Creates an empty database and returns its name.
    pub async fn create_empty_database(&self, prefix: &str) -> String {
        let name = unique_db_name(prefix);
        let mut admin = self.admin("master").await;
        admin
            .simple_query(format!("CREATE DATABASE [{name}]"))
            .await
            .expect("CREATE DATABASE")
            .into_results()
            .await
            .expect("CREATE DATABASE results");
        name
    }

    /// Drops a test database on a real server (a stand-in's databases vanish with it).
    pub async fn drop_database(&self, name: &str) {
        if self.is_standin() {
            return;
        }
        let mut admin = self.admin("master").await;
        let _ = admin
            .simple_query(format!(
                "IF DB_ID(N'{name}') IS NOT NULL BEGIN ALTER DATABASE [{name}] SET SINGLE_USER WITH ROLLBACK \
                 IMMEDIATE; DROP DATABASE [{name}]; END"
            ))
            .await;
    }
}

/// Runs a job request to its end the way a host does; returns the result and every event.
pub fn run_job(request: Value) -> (Result<Value, PcmError>, Vec<JobEvent>) {
    let request = Request::from_value(request).expect("request is well-formed");
    let job: Job = operations::start_job(&request).expect("job starts");
    let mut events = Vec::new();
    let result = job.wait(|e| events.push(e.clone()));
    (result, events)
}

/// A fresh, empty folder `pcm-<suite>-<name>-<pid>` in the temp folder (removed first if an earlier run left it).
pub fn fresh_dir(suite: &str, name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pcm-{suite}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}
