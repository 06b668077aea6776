//! Support for the crash/resume sweep (tests/crash_resume.rs): a deterministic Lync 2010 deployment on its own
//! stand-in (so faults can be steered), its clean export (the reference), the name map an administrator would
//! write, the export, import and verify operations, the checks every resumed run must pass, and the CLI runs
//! that get killed.
#![allow(dead_code)]

#[cfg(unix)]
pub mod cli;
pub mod sweep;

use crate::apply_support::{fresh_target, scalar, write_name_map};
use crate::common::{fresh_dir, run_job, unique_db_name, TestServer};
use crate::unpacked::unpack;
use chat_fixtures::{DatabaseKind, Schema, Size};
use pchat_migrate::jobs::JobEvent;
use pchat_migrate::operations::{self, Request};
use pchat_migrate::package::Message;
use pchat_migrate::util::sibling_path;
use pchat_migrate::PcmError;
use serde_json::{json, Value};
use sqlserver_standin::TlsMode;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The fixture's generator seed: one deployment for every sweep, whatever the sweep's seed.
pub const FIXTURE_SEED: u64 = 1111;
/// Messages in the fixture: the small shape (about 40 rooms), the scripted long messages (4,000 and 4,001
/// UTF-16 units, over 10,000 characters) included.
pub const FIXTURE_MESSAGES: u64 = 1_200;

/// The legacy deployment, its clean export, and what a resumed run must reproduce.
pub struct Fixture {
    pub server: TestServer,
    pub source: String,
    pub dir: PathBuf,
    /// An uninterrupted export of `source`.
    pub clean: PathBuf,
    /// The name map for the deployment's long and colliding names.
    pub names: PathBuf,
    /// The clean export's history, by room id.
    pub history: BTreeMap<i32, Vec<Message>>,
    /// Messages per room (lower-case nodeGuid) in the source database.
    pub room_counts: BTreeMap<String, i64>,
}

/// Messages per room, by lower-case nodeGuid (rooms without messages are left out on both sides).
const ROOM_COUNTS: &str =
    "SELECT CONVERT(nvarchar(36), n.nodeGuid) AS room, COUNT_BIG(*) AS messages \
     FROM dbo.tblNode AS n INNER JOIN dbo.tblChat AS c ON c.channelId = n.nodeID \
     GROUP BY n.nodeGuid";

impl Fixture {
    /// Seeds the deployment on a fresh plaintext stand-in and exports it once, uninterrupted.
    pub async fn new(name: &str) -> Arc<Fixture> {
        let server = TestServer::standin(TlsMode::Plaintext);
        let dir = fresh_dir("crash-resume", name);
        let source = unique_db_name("sweep_src");
        let mut admin = server.admin("master").await;
        let schema = Schema::from(DatabaseKind::Legacy2010);
        chat_fixtures::create_database_as(&mut admin, &source, schema)
            .await
            .expect("legacy schema");
        let model = chat_fixtures::generate_model(FIXTURE_SEED, Size::Messages(FIXTURE_MESSAGES));
        chat_fixtures::write_schema(&mut admin, &model, schema)
            .await
            .expect("legacy data");
        let mut fixture = Fixture {
            server,
            source,
            clean: dir.join("clean.pcmpkg"),
            names: dir.join("names.json"),
            dir,
            history: BTreeMap::new(),
            room_counts: BTreeMap::new(),
        };
        fixture
            .export(&fixture.clean)
            .await
            .expect("the clean export");
        fixture.history = unpack(&fixture.clean).history;
        write_name_map(&fixture.clean, &fixture.names);
        fixture.room_counts = room_counts(&fixture.server, &fixture.source).await;
        let in_package: usize = fixture.history.values().map(Vec::len).sum();
        let in_source: i64 = fixture.room_counts.values().sum();
        assert_eq!(in_package as i64, in_source, "the clean export is complete");
        assert!(in_source >= 1_000 && fixture.room_counts.len() >= 10);
        Arc::new(fixture)
    }

    /// The export request for a package at `file`, rooms read four at a time (the CLI's default).
    pub fn export_request(&self, file: &Path) -> Value {
        json!({"operation": "export", "params": {
            "connection": self.server.connection_params(Some(&self.source)),
            "fileName": file.display().to_string(),
            "throttleLimit": 4,
        }})
    }

    pub async fn export(&self, file: &Path) -> Result<Value, PcmError> {
        job(self.export_request(file)).await
    }

    /// The import of the clean package into `target`, disabled rooms too, so every source room is compared.
    fn import_request(&self, target: &str) -> Value {
        json!({"operation": "import", "params": {
            "connection": self.server.connection_params(Some(target)),
            "fileName": self.clean.display().to_string(),
            "nameMapFile": self.names.display().to_string(),
            "includeDisabledRooms": true,
            "batchSize": 100,
        }})
    }

    pub async fn import(&self, target: &str) -> Result<Value, PcmError> {
        job(self.import_request(target)).await
    }

    /// [`Fixture::import`], also returning the stand-in's request count when the chat writes began (the first
    /// "Writing chat" progress event): where the sweep aims part of its import cuts.
    pub async fn import_marking_chat(
        &self,
        target: &str,
    ) -> Result<(Value, Option<u64>), PcmError> {
        let request = Request::from_value(self.import_request(target)).expect("request");
        let faults = self.server.as_standin().expect("a stand-in").faults();
        tokio::task::spawn_blocking(move || {
            let job = operations::start_job(&request)?;
            let mut mark = None;
            let result = job.wait(|e| {
                let chat = matches!(e, JobEvent::Progress { status, .. } if status.starts_with("Writing chat"));
                if chat && mark.is_none() {
                    mark = Some(faults.requests_seen());
                }
            });
            result.map(|value| (value, mark))
        })
        .await
        .expect("join")
    }

    /// Full verify of `target` against the legacy database itself (not the package).
    pub async fn verify(&self, target: &str) -> Result<Value, PcmError> {
        job(json!({"operation": "verify", "params": {
            "connection": self.server.connection_params(Some(target)),
            "sourceConnection": self.server.connection_params(Some(&self.source)),
            "nameMapFile": self.names.display().to_string(),
            "includeDisabledRooms": true,
        }}))
        .await
    }

    pub async fn fresh_target(&self) -> String {
        fresh_target(&self.server).await
    }

    /// A package file of its own for a point, with nothing beside it.
    pub fn package_for(&self, kind: &str, index: u64) -> PathBuf {
        let file = self.dir.join(format!("{kind}-{index}.pcmpkg"));
        remove_package(&file);
        file
    }

    /// The package at `file` verifies in full (as `inspect` does) and holds exactly the clean export's
    /// messages: none lost, none twice, each as stored. Returns a line on what it holds.
    pub fn check_package(&self, file: &Path) -> String {
        let got = unpack(file).history;
        let (lost, duplicated) = lost_and_duplicated(&self.history, &got);
        assert!(
            lost == 0 && duplicated == 0,
            "the package lost {lost} and duplicated {duplicated} messages"
        );
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            self.history.keys().collect::<Vec<_>>(),
            "the package's rooms"
        );
        for (room, messages) in &self.history {
            assert!(got[room] == *messages, "room {room}'s messages differ");
        }
        let total: usize = got.values().map(Vec::len).sum();
        format!(
            "{total} messages in {} rooms, as the clean export",
            got.len()
        )
    }

    /// The target after a completed import: verify (legacy database against the target) passes, every room
    /// holds the source's message count, and no admin lock is left. Returns a line on what it holds.
    pub async fn check_target(&self, target: &str) -> String {
        let verified = self.verify(target).await.expect("verify runs");
        let summary = &verified["summary"];
        assert_eq!(summary["passed"], true, "verify failed: {summary}");
        let counts = room_counts(&self.server, target).await;
        let lost: i64 = self
            .room_counts
            .iter()
            .map(|(room, n)| (n - counts.get(room).copied().unwrap_or(0)).max(0))
            .sum();
        let extra: i64 = counts
            .iter()
            .map(|(room, n)| (n - self.room_counts.get(room).copied().unwrap_or(0)).max(0))
            .sum();
        assert!(
            lost == 0 && extra == 0,
            "the target lost {lost} and duplicated {extra} messages"
        );
        assert_eq!(counts, self.room_counts, "messages per room");
        let locks = scalar(
            &self.server,
            target,
            "SELECT COUNT(*) FROM dbo.tblAdminLock",
        )
        .await;
        assert_eq!(locks, 0, "an admin lock row is left");
        format!(
            "verify passed ({} messages on each side), {} rooms as the source",
            summary["targetMessages"],
            counts.len()
        )
    }
}

/// Runs a job request on the blocking pool, as a host does.
pub async fn job(request: Value) -> Result<Value, PcmError> {
    tokio::task::spawn_blocking(move || run_job(request).0)
        .await
        .expect("join")
}

/// Removes a package and everything that travels beside it (partial file, staging folder, lock file).
pub fn remove_package(file: &Path) {
    let _ = std::fs::remove_file(file);
    let _ = std::fs::remove_file(sibling_path(file, ".partial"));
    let _ = std::fs::remove_file(sibling_path(file, ".lock"));
    let _ = std::fs::remove_dir_all(sibling_path(file, ".staging"));
}

/// What is left beside a package after an interrupted run, e.g. `staging, lock`.
pub fn leftovers(file: &Path) -> String {
    let found: Vec<&str> = [
        (".staging", "staging"),
        (".partial", "partial"),
        (".lock", "lock"),
    ]
    .into_iter()
    .filter(|(suffix, _)| sibling_path(file, suffix).exists())
    .map(|(_, name)| name)
    .collect();
    if found.is_empty() {
        "nothing".to_string()
    } else {
        found.join("+")
    }
}

/// Messages of `want` missing from `got`, and messages `got` holds more than once, by (room, chatId).
fn lost_and_duplicated(
    want: &BTreeMap<i32, Vec<Message>>,
    got: &BTreeMap<i32, Vec<Message>>,
) -> (usize, usize) {
    let keys = |h: &BTreeMap<i32, Vec<Message>>| {
        let mut seen: BTreeMap<(i32, i64), usize> = BTreeMap::new();
        for (room, messages) in h {
            for m in messages {
                *seen.entry((*room, m.chat_id)).or_default() += 1;
            }
        }
        seen
    };
    let (want, got) = (keys(want), keys(got));
    let lost = want.keys().filter(|k| !got.contains_key(k)).count();
    let duplicated = got.values().map(|n| n.saturating_sub(1)).sum();
    (lost, duplicated)
}

/// Messages per room of database `db`, by lower-case nodeGuid.
pub async fn room_counts(server: &TestServer, db: &str) -> BTreeMap<String, i64> {
    let mut admin = server.admin(db).await;
    let rows = admin
        .simple_query(ROOM_COUNTS)
        .await
        .expect("room counts")
        .into_first_result()
        .await
        .expect("room counts");
    rows.iter()
        .map(|r| {
            let room: &str = r.get(0).expect("room");
            let n: i64 = r.get(1).expect("count");
            (room.to_ascii_lowercase(), n)
        })
        .collect()
}
