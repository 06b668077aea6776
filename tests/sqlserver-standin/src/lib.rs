//! Test-only SQL Server stand-in: a TDS 7.4 server backed by SQLite.
//!
//! See `README.md` in this crate for what it supports and what it deliberately rejects.

mod engine;
mod server;
mod tds;
mod translate;
mod types;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Server configuration.
#[derive(Debug, Clone)]
pub struct StandinConfig {
    /// SQL login name checked against LOGIN7.
    pub user: String,
    /// SQL login password checked against LOGIN7.
    pub password: String,
    /// Encryption behaviour.
    pub tls: TlsMode,
    /// Reported product version, e.g. "10.50.6000.34" (SQL Server 2008 R2). OFFSET/FETCH is accepted only from 11.
    pub product_version: String,
    /// Databases created at start besides `master`.
    pub databases: Vec<String>,
}

impl Default for StandinConfig {
    fn default() -> Self {
        StandinConfig {
            user: "sa".into(),
            password: "Standin-Passw0rd!".into(),
            tls: TlsMode::Supported,
            product_version: "10.50.6000.34".into(),
            databases: Vec::new(),
        }
    }
}

/// Encryption behaviour of the stand-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// PRELOGIN answers ENCRYPT_NOT_SUP; clients must use `encrypt=DANGER_PLAINTEXT`.
    Plaintext,
    /// TLS with a generated certificate; honours the client's choice (incl. login-only encryption).
    Supported,
}

/// Fault-injection state shared by all sessions of one server.
#[derive(Debug)]
pub struct FaultState {
    drop_after_requests: AtomicI64,
    drop_after_rows: AtomicI64,
    /// Requests and result rows seen so far (any session), for sizing the faults above.
    requests_seen: AtomicU64,
    rows_seen: AtomicU64,
    delay_ms: AtomicU64,
    fail_next_commit: AtomicBool,
    refuse_logins: AtomicBool,
    /// Databases (lower-case names) the login may not open: HAS_DBACCESS gives 0, USE gives 916, a login to
    /// them gives 4060.
    denied_databases: Mutex<BTreeSet<String>>,
    /// Bumped by [`FaultHandle::kill_sessions`]: every live session watches it and closes its connection.
    pub(crate) kill_generation: tokio::sync::watch::Sender<u64>,
    /// True while the service is stopped ([`FaultHandle::stop_service`]): the listener is closed.
    pub(crate) service_down: tokio::sync::watch::Sender<bool>,
    /// Whether the listener is open (set by the accept loop, so stop/start can wait for it).
    pub(crate) listening: AtomicBool,
}

impl FaultState {
    fn new() -> Self {
        FaultState {
            drop_after_requests: AtomicI64::new(-1),
            drop_after_rows: AtomicI64::new(-1),
            requests_seen: AtomicU64::new(0),
            rows_seen: AtomicU64::new(0),
            delay_ms: AtomicU64::new(0),
            fail_next_commit: AtomicBool::new(false),
            refuse_logins: AtomicBool::new(false),
            denied_databases: Mutex::new(BTreeSet::new()),
            kill_generation: tokio::sync::watch::Sender::new(0),
            service_down: tokio::sync::watch::Sender::new(false),
            listening: AtomicBool::new(true),
        }
    }
    /// Whether the service is stopped.
    pub(crate) fn is_down(&self) -> bool {
        *self.service_down.borrow()
    }
    /// Whether the login may not open database `name`.
    pub(crate) fn is_denied(&self, name: &str) -> bool {
        self.denied_databases
            .lock()
            .map(|d| d.contains(&name.to_lowercase()))
            .unwrap_or(false)
    }
    fn take_counter(c: &AtomicI64) -> bool {
        loop {
            let v = c.load(Ordering::SeqCst);
            if v < 0 {
                return false;
            }
            let next = if v == 0 { -1 } else { v - 1 };
            if c.compare_exchange(v, next, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                return v == 0;
            }
        }
    }
    pub(crate) fn take_request(&self) -> bool {
        self.requests_seen.fetch_add(1, Ordering::SeqCst);
        Self::take_counter(&self.drop_after_requests)
    }
    pub(crate) fn take_row(&self) -> bool {
        self.rows_seen.fetch_add(1, Ordering::SeqCst);
        Self::take_counter(&self.drop_after_rows)
    }
    pub(crate) fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms.load(Ordering::SeqCst))
    }
    pub(crate) fn take_fail_commit(&self) -> bool {
        self.fail_next_commit.swap(false, Ordering::SeqCst)
    }
}

/// Runtime fault injection for a running [`Standin`]. Cloneable; all clones act on the same server.
#[derive(Debug, Clone)]
pub struct FaultHandle(Arc<FaultState>);

impl FaultHandle {
    /// Answer the next `n` requests (any session), then drop the connection that sends the one after.
    pub fn drop_after_requests(&self, n: u64) {
        self.0.drop_after_requests.store(n as i64, Ordering::SeqCst);
    }
    /// Send `n` more result rows (any session), then drop the connection instead of sending the next row.
    pub fn drop_after_rows(&self, n: u64) {
        self.0.drop_after_rows.store(n as i64, Ordering::SeqCst);
    }
    /// Requests received so far (any session, since the server started): the difference across an
    /// uninterrupted run is how far `drop_after_requests` can reach into it.
    pub fn requests_seen(&self) -> u64 {
        self.0.requests_seen.load(Ordering::SeqCst)
    }
    /// Result rows sent (or about to be) so far, any session: sizes `drop_after_rows` the same way.
    pub fn rows_seen(&self) -> u64 {
        self.0.rows_seen.load(Ordering::SeqCst)
    }
    /// Delay every answer by `d` (`Duration::ZERO` turns it off).
    pub fn delay_responses(&self, d: Duration) {
        self.0
            .delay_ms
            .store(d.as_millis() as u64, Ordering::SeqCst);
    }
    /// The next COMMIT (T-SQL or transaction-manager request) fails with error 3930 and rolls back.
    pub fn fail_next_commit(&self) {
        self.0.fail_next_commit.store(true, Ordering::SeqCst);
    }
    /// Refuse (true) or accept (false) new logins; refused logins get error 18456.
    pub fn refuse_logins(&self, refuse: bool) {
        self.0.refuse_logins.store(refuse, Ordering::SeqCst);
    }
    /// The login may not open database `name` (as when it has no user there): HAS_DBACCESS(name) gives 0,
    /// `USE` gives 916 and a login naming it gives 4060.
    pub fn deny_database_access(&self, name: &str) {
        if let Ok(mut denied) = self.0.denied_databases.lock() {
            denied.insert(name.to_lowercase());
        }
    }
    /// Closes every live session's connection at once, as a `KILL` of each session or a cluster failover does:
    /// their open transactions roll back, the server keeps accepting new connections.
    pub fn kill_sessions(&self) {
        self.0.kill_generation.send_modify(|g| *g += 1);
    }
    /// Stops the service as `net stop MSSQLSERVER` does: every live session is closed (open transactions roll
    /// back) and the port refuses connections until [`FaultHandle::start_service`]. The databases are kept.
    /// Returns once the port refuses connections (or after 5 s).
    pub fn stop_service(&self) {
        self.0.service_down.send_replace(true);
        self.kill_sessions();
        self.wait_listening(false);
    }
    /// Starts a stopped service again on the same port; returns once it accepts connections (or after 5 s).
    pub fn start_service(&self) {
        self.0.service_down.send_replace(false);
        self.wait_listening(true);
    }
    fn wait_listening(&self, want: bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while self.0.listening.load(Ordering::SeqCst) != want
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    /// Turns every fault off (a stopped service is started again).
    pub fn clear(&self) {
        if self.0.is_down() {
            self.start_service();
        }
        if let Ok(mut denied) = self.0.denied_databases.lock() {
            denied.clear();
        }
        self.0.drop_after_requests.store(-1, Ordering::SeqCst);
        self.0.drop_after_rows.store(-1, Ordering::SeqCst);
        self.0.delay_ms.store(0, Ordering::SeqCst);
        self.0.fail_next_commit.store(false, Ordering::SeqCst);
        self.0.refuse_logins.store(false, Ordering::SeqCst);
    }
}

/// A running stand-in server. Dropping it shuts it down and deletes its temp files.
pub struct Standin {
    addr: SocketAddr,
    config: StandinConfig,
    faults: FaultHandle,
    cert_path: Option<PathBuf>,
    cert_der: Option<Vec<u8>>,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

fn make_tls(dir: &Path) -> std::io::Result<(Arc<rustls::ServerConfig>, PathBuf, Vec<u8>)> {
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .map_err(std::io::Error::other)?;
    let der = ck.cert.der().to_vec();
    let pem = ck.cert.pem();
    let path = dir.join("standin-cert.pem");
    std::fs::write(&path, pem)?;
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        ck.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12])
        .map_err(std::io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(
            vec![rustls::pki_types::CertificateDer::from(der.clone())],
            key,
        )
        .map_err(std::io::Error::other)?;
    cfg.send_tls13_tickets = 0;
    Ok((Arc::new(cfg), path, der))
}

impl Standin {
    /// Starts a server on 127.0.0.1 (ephemeral port) on its own thread and tokio runtime.
    pub fn spawn(config: StandinConfig) -> std::io::Result<Standin> {
        Self::spawn_on(config, 0)
    }

    /// Like [`Standin::spawn`] but on a given port (0 = ephemeral).
    pub fn spawn_on(config: StandinConfig, port: u16) -> std::io::Result<Standin> {
        let dir = tempfile::Builder::new()
            .prefix("sqlserver-standin-")
            .tempdir()?;
        let faults = Arc::new(FaultState::new());
        let shared = Arc::new(engine::Shared {
            dir: dir.path().to_path_buf(),
            dbs: Mutex::new(BTreeMap::new()),
            next_db_id: AtomicI64::new(5),
            next_object_id: AtomicI64::new(245_575_913),
            config: config.clone(),
            faults: faults.clone(),
            next_spid: AtomicU16::new(51),
            next_tran: AtomicI64::new(1),
        });
        let e = |e: engine::SqlErr| std::io::Error::other(e.msg);
        shared.create_database("master").map_err(e)?;
        create_msdb(&shared)?;
        for d in &config.databases {
            if shared.db_path(d).is_none() {
                shared.create_database(d).map_err(e)?;
            }
        }
        let (tls, cert_path, cert_der) = match config.tls {
            TlsMode::Plaintext => (None, None, None),
            TlsMode::Supported => {
                let (c, p, d) = make_tls(dir.path())?;
                (Some(c), Some(p), Some(d))
            }
        };
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("sqlserver-standin".into())
            .spawn(move || {
                rt.block_on(async move {
                    match tokio::net::TcpListener::from_std(std_listener) {
                        Ok(l) => server::serve(l, shared, tls, stop_rx).await,
                        Err(e) => eprintln!("sqlserver-standin: {e}"),
                    }
                });
                rt.shutdown_timeout(Duration::from_secs(2));
            })?;
        Ok(Standin {
            addr,
            config,
            faults: FaultHandle(faults),
            cert_path,
            cert_der,
            stop: Some(stop_tx),
            thread: Some(thread),
            _dir: dir,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
    pub fn user(&self) -> &str {
        &self.config.user
    }
    pub fn password(&self) -> &str {
        &self.config.password
    }
    pub fn config(&self) -> &StandinConfig {
        &self.config
    }
    /// PEM file of the generated self-signed certificate (SANs `localhost`, `127.0.0.1`); None in Plaintext.
    pub fn ca_cert_pem_path(&self) -> Option<&Path> {
        self.cert_path.as_deref()
    }
    /// DER bytes of the generated certificate; None in Plaintext.
    pub fn ca_cert_der(&self) -> Option<&[u8]> {
        self.cert_der.as_deref()
    }

    /// ADO.NET-style connection string for `tiberius::Config::from_ado_string`.
    ///
    /// * `TlsMode::Plaintext`: `server=tcp:127.0.0.1,PORT;user id=U;password=P;database=DB;encrypt=DANGER_PLAINTEXT`
    /// * `TlsMode::Supported`: `server=tcp:127.0.0.1,PORT;user id=U;password=P;database=DB;encrypt=true;trustservercertificate=true`
    ///   (full encryption; the generated certificate is trusted blindly. To validate it instead, drop
    ///   `trustservercertificate` and call `Config::trust_cert_ca(standin.ca_cert_pem_path())`.)
    ///
    /// Passwords containing `;` are wrapped in braces.
    pub fn ado_connection_string(&self, database: &str) -> String {
        let esc = |s: &str| {
            if s.contains(';') || s.contains('{') {
                format!("{{{}}}", s.replace('}', "}}"))
            } else {
                s.to_string()
            }
        };
        let base = format!(
            "server=tcp:127.0.0.1,{};user id={};password={};database={}",
            self.port(),
            esc(&self.config.user),
            esc(&self.config.password),
            esc(database)
        );
        match self.config.tls {
            TlsMode::Plaintext => format!("{base};encrypt=DANGER_PLAINTEXT"),
            TlsMode::Supported => format!("{base};encrypt=true;trustservercertificate=true"),
        }
    }

    pub fn faults(&self) -> FaultHandle {
        self.faults.clone()
    }

    /// Stops the server and deletes its files.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(true);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Discards response packets (for statements the stand-in runs on itself at start).
struct NullSink;

impl engine::PacketSink for NullSink {
    fn send(&mut self, _bytes: Vec<u8>) -> Result<(), engine::Stop> {
        Ok(())
    }
}

/// `msdb` with `dbo.backupset`, created through the T-SQL front so its catalog has SQL Server's types.
fn create_msdb(shared: &Arc<engine::Shared>) -> std::io::Result<()> {
    let e = |e: engine::SqlErr| std::io::Error::other(e.msg);
    shared.create_database(engine::MSDB).map_err(e)?;
    let mut session = engine::Session::open(shared.clone(), engine::MSDB, 0).map_err(e)?;
    let mut sink = NullSink;
    let mut out = engine::Out::new(
        &mut sink,
        4096,
        0,
        Arc::new(std::sync::atomic::AtomicBool::new(false)),
        shared.faults.clone(),
    );
    session
        .run_batch(engine::MSDB_BACKUPSET_SQL, &Default::default(), &mut out)
        .map_err(|_| std::io::Error::other("creating msdb.dbo.backupset stopped"))?;
    if out.had_error {
        return Err(std::io::Error::other("creating msdb.dbo.backupset failed"));
    }
    Ok(())
}
