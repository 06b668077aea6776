//! Issue 9, file store: the file manifest from a database and from its package agree (and with the generator's
//! own messages); copy_files copies nested trees proved by SHA-256, resumes after a crash or a cancel without
//! recopying verified files, leaves a changed destination file alone unless told (keeping the old one when
//! told), reports referenced files missing at the source by room and files never referenced, refuses hostile
//! references and links, writes nothing outside the destination, and refuses a second run on a locked
//! destination. Real TDS against the stand-in (or PCHAT_TEST_SQLSERVER).

mod common;

use chat_fixtures::{
    create_database_as, generate_model, write_schema, DatabaseKind, Deployment, Schema, Size,
};
use common::{fresh_dir, run_job, unique_db_name, TestServer};
use pchat_migrate::files::copy::result::CopyFilesResult;
use pchat_migrate::files::manifest_job::FileManifestResult;
use pchat_migrate::jobs::JobEvent;
use pchat_migrate::operations::{self, Request};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Hostile references inserted into one room: each must be refused, none may name a file.
const HOSTILE: &[&str] = &[
    "ma-filelink:///a/../../../outside.txt",
    "ma-filelink:..\\..\\outside.txt",
    "ma-filelink:///C:/Windows/win.ini",
    "ma-filelink:///etc/passwd/..",
    "ma-filelink://server/share/outside.txt",
    "ma-filelink:///%2e%2e/%2e%2e/outside.txt",
    "ma-filelink:///a/..%5C..%5Coutside.txt",
    "ma-filelink:///%5C%5Cserver%5Cshare%5Coutside.txt",
    "ma-filelink:///%2Fetc%2Fpasswd",
    "ma-filelink:///C%3A%5CWindows%5Cwin.ini",
];

/// Rooted links (`/etc/...`): a leading slash is the link's own form (`///<guid>/...`), so these name files under
/// the repository root (`<root>/etc/passwd`), never the machine's; the copy looks for them there, reports them
/// missing, and writes nothing outside the destination.
const ROOTED: &[(&str, &str)] = &[
    ("ma-filelink:/etc/passwd", "etc/passwd"),
    ("ma-filelink:///etc/shadow", "etc/shadow"),
];

struct Seeded {
    server: TestServer,
    db: String,
    model: Deployment,
    /// The room that got the hostile links.
    hostile_room: i32,
}

async fn seed(schema: Schema) -> Seeded {
    let server = TestServer::start();
    let db = unique_db_name("files");
    let mut admin = server.admin("master").await;
    create_database_as(&mut admin, &db, schema)
        .await
        .expect("schema");
    let model = generate_model(7, Size::Tiny);
    write_schema(&mut admin, &model, schema)
        .await
        .expect("write legacy");
    let room = model.rooms.iter().find(|r| !r.disabled).expect("a room");
    let last = model
        .room_messages(room)
        .map(|m| (m.chat_id, m.date, m.user_id))
        .last()
        .unwrap_or((0, 634_000_000_000_000_000, 2));
    let mut db_admin = server.admin(&db).await;
    let links = HOSTILE.iter().chain(ROOTED.iter().map(|(link, _)| link));
    for (i, link) in links.enumerate() {
        db_admin
            .execute(
                "INSERT INTO dbo.tblChat (channelID, chatID, chatDate, userId, isAlert, content) \
                 VALUES (@P1, @P2, @P3, @P4, 0, @P5)",
                &[
                    &room.id,
                    &(last.0 + 1 + i as i64),
                    &last.1,
                    &last.2,
                    &format!("see {link} now"),
                ],
            )
            .await
            .expect("insert hostile message");
    }
    let hostile_room = room.id;
    Seeded {
        server,
        db,
        model,
        hostile_room,
    }
}

async fn job(request: Value) -> (Result<Value, pchat_migrate::PcmError>, Vec<JobEvent>) {
    tokio::task::spawn_blocking(move || run_job(request))
        .await
        .expect("join")
}

async fn export(s: &Seeded, dir: &Path) -> PathBuf {
    let file = dir.join("p.pcmpkg");
    job(json!({ "operation": "export", "params": {
        "connection": s.server.connection_params(Some(&s.db)),
        "fileName": file.display().to_string(),
        "report": dir.join("export.html").display().to_string() } }))
    .await
    .0
    .expect("export");
    file
}

fn manifest_of(value: Value) -> FileManifestResult {
    serde_json::from_value(value).expect("manifest result parses")
}

fn copy_result(value: Value) -> CopyFilesResult {
    serde_json::from_value(value).expect("copy result parses")
}

async fn copy(params: Value) -> Result<CopyFilesResult, pchat_migrate::PcmError> {
    job(json!({ "operation": "copy_files", "params": params }))
        .await
        .0
        .map(copy_result)
}

fn sha(path: &Path) -> String {
    let bytes = std::fs::read(path).expect("read");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file and folder under `dir`, relative, `/`-separated.
fn listing(dir: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for e in std::fs::read_dir(dir).expect("list") {
            let e = e.expect("entry");
            let path = e.path();
            let rel = path
                .strip_prefix(root)
                .expect("below")
                .to_string_lossy()
                .replace('\\', "/");
            let is_dir = std::fs::symlink_metadata(&path).expect("meta").is_dir();
            out.insert(rel);
            if is_dir {
                walk(root, &path, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
    std::fs::write(path, bytes).expect("write");
}

/// Messages with links per room, from the generator's own messages (plus the hostile ones).
fn expected_link_messages(s: &Seeded) -> BTreeMap<i32, u64> {
    let mut out = BTreeMap::new();
    for m in s.model.messages() {
        if m.content.to_ascii_lowercase().contains("ma-filelink:") {
            *out.entry(m.room_id).or_insert(0) += 1;
        }
    }
    *out.entry(s.hostile_room).or_insert(0) += (HOSTILE.len() + ROOTED.len()) as u64;
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn manifest_from_database_and_package_agree_and_the_copy_cross_checks_them() {
    let s = seed(Schema::from(DatabaseKind::Legacy2010)).await;
    let dir = fresh_dir("files", "manifest");
    let package = export(&s, &dir).await;
    let from_db = manifest_of(
        job(json!({ "operation": "file_manifest", "params": {
            "connection": s.server.connection_params(Some(&s.db)) } }))
        .await
        .0
        .expect("manifest from the database"),
    );
    let jsonl = dir.join("links.jsonl");
    let from_package = manifest_of(
        job(json!({ "operation": "file_manifest", "params": {
            "fileName": package.display().to_string(), "output": jsonl.display().to_string() } }))
        .await
        .0
        .expect("manifest from the package"),
    );
    // Same rooms, same counts; the package's entries are in the file, the database's in the result.
    assert_eq!(from_db.rooms, from_package.rooms);
    assert_eq!(from_db.totals, from_package.totals);
    assert!(from_package.entries.is_empty());
    let lines: Vec<pchat_migrate::files::manifest::ManifestEntry> = std::fs::read_to_string(&jsonl)
        .expect("manifest file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines, from_db.entries, "JSON Lines file = database entries");
    let per_room: BTreeMap<i32, u64> = from_db
        .rooms
        .iter()
        .map(|r| (r.room_id, r.messages_with_links))
        .collect();
    assert_eq!(per_room, expected_link_messages(&s));
    assert!(
        from_db.totals.distinct_files > 0,
        "the generator posts files"
    );
    // Every hostile link is refused, with its reason; none gives a path.
    let refused: Vec<_> = from_db
        .entries
        .iter()
        .filter(|e| e.refused.is_some())
        .collect();
    assert_eq!(refused.len(), HOSTILE.len(), "{refused:#?}");
    assert!(refused
        .iter()
        .all(|e| e.room_id == s.hostile_room && e.path.is_none()));
    let csv = dir.join("links.csv");
    let with_csv = manifest_of(
        job(json!({ "operation": "file_manifest", "params": {
            "fileName": package.display().to_string(), "output": csv.display().to_string() } }))
        .await
        .0
        .expect("csv"),
    );
    assert_eq!(
        with_csv.format,
        Some(pchat_migrate::files::output::ManifestFormat::Csv)
    );
    let csv_text = std::fs::read_to_string(&csv).expect("csv file");
    assert_eq!(csv_text.lines().count(), from_db.entries.len() + 1);

    // A repository holding every referenced file but one, plus a file no message references.
    let source = dir.join("repository");
    let referenced: BTreeSet<String> = from_db
        .entries
        .iter()
        .filter_map(|e| e.path.clone())
        .collect();
    let rooted: BTreeSet<String> = ROOTED.iter().map(|(_, path)| path.to_string()).collect();
    assert!(
        rooted.is_subset(&referenced),
        "rooted links name files under the root"
    );
    let missing = referenced
        .iter()
        .find(|p| !rooted.contains(*p))
        .expect("a referenced file")
        .clone();
    let missing_rooms: BTreeSet<i32> = from_db
        .entries
        .iter()
        .filter(|e| e.path.as_deref() == Some(missing.as_str()))
        .map(|e| e.room_id)
        .collect();
    let mut written = 0;
    for (i, path) in referenced.iter().enumerate() {
        if *path != missing && !rooted.contains(path) {
            write(&source.join(path), format!("file {i}: {path}").as_bytes());
            written += 1;
        }
    }
    write(&source.join("orphans/never-linked.bin"), b"nobody links me");
    let before = listing(&dir);
    let destination = dir.join("store");
    let report = dir.join("copy.html");
    let r = copy(json!({ "source": source.display().to_string(),
        "destination": destination.display().to_string(), "fileName": package.display().to_string(),
        "report": report.display().to_string() }))
    .await
    .expect("copy");
    assert!(r.succeeded, "{r:#?}");
    assert_eq!(
        r.counts.copied,
        written + 1,
        "the referenced files present and the orphan"
    );
    for path in &referenced {
        if *path != missing && !rooted.contains(path) {
            assert_eq!(
                sha(&destination.join(path)),
                sha(&source.join(path)),
                "{path}"
            );
        }
    }
    assert_eq!(r.counts.missing_at_source, 1 + rooted.len() as u64);
    let rooms: BTreeSet<i32> = r
        .missing_at_source
        .iter()
        .filter(|m| m.files.contains(&missing))
        .map(|m| m.room_id)
        .collect();
    assert_eq!(
        rooms, missing_rooms,
        "the missing file is reported for its rooms"
    );
    let hostile_room = r
        .missing_at_source
        .iter()
        .find(|m| m.room_id == s.hostile_room)
        .expect("the room with the rooted links");
    assert!(
        rooted.iter().all(|p| hostile_room.files.contains(p)),
        "{hostile_room:?}"
    );
    assert_eq!(r.unreferenced, ["orphans/never-linked.bin"]);
    assert_eq!(r.counts.refused_references as usize, HOSTILE.len());
    // Nothing outside the destination: the folder holds what it held, the store and the two reports.
    let after = listing(&dir);
    let new: Vec<&String> = after.difference(&before).collect();
    assert!(
        new.iter()
            .all(|p| p.starts_with("store") || p.starts_with("copy.")),
        "written outside the destination: {new:?}"
    );
    assert!(!after.iter().any(|p| p.contains("outside")), "{after:?}");
    let html = std::fs::read_to_string(&report).expect("html report");
    assert!(html.contains("Referenced but missing at the source, by room"));
    assert!(html.contains("never-linked.bin"));
    assert!(!html.contains("<script"));
    s.server.drop_database(&s.db).await;
}

/// The manifest reads OCS 2007 R2 and "published columns only" databases too, and agrees with their packages.
#[tokio::test(flavor = "multi_thread")]
async fn manifest_agrees_with_the_package_for_ocs_r2_and_published_only_schemas() {
    for (name, schema) in [
        ("ocs", Schema::from(DatabaseKind::OcsR2)),
        (
            "published",
            Schema::published_only(DatabaseKind::Legacy2010),
        ),
    ] {
        let s = seed(schema).await;
        let dir = fresh_dir("files", name);
        let package = export(&s, &dir).await;
        let from_db = manifest_of(
            job(json!({ "operation": "file_manifest", "params": {
                "connection": s.server.connection_params(Some(&s.db)) } }))
            .await
            .0
            .expect("manifest from the database"),
        );
        let from_package = manifest_of(
            job(json!({ "operation": "file_manifest", "params": {
                "fileName": package.display().to_string() } }))
            .await
            .0
            .expect("manifest from the package"),
        );
        assert_eq!(from_db.entries, from_package.entries, "{name}");
        assert_eq!(from_db.rooms, from_package.rooms, "{name}");
        let per_room: BTreeMap<i32, u64> = from_db
            .rooms
            .iter()
            .map(|r| (r.room_id, r.messages_with_links))
            .collect();
        assert_eq!(per_room, expected_link_messages(&s), "{name}");
        s.server.drop_database(&s.db).await;
    }
}

/// A tree with nested folders, an empty folder and a few files of several chunks.
fn tree(root: &Path) -> Vec<String> {
    let files = [
        ("top.txt", 10usize),
        ("a/one.bin", 3 << 20),
        ("a/b/c/deep.bin", (1 << 20) + 17),
        ("a/b/Präsentation 東京.pptx", 4096),
        ("x/y.txt", 0),
    ];
    for (i, (path, size)) in files.iter().enumerate() {
        let bytes: Vec<u8> = (0..*size).map(|n| (n * 31 + i * 7) as u8).collect();
        write(&root.join(path), &bytes);
    }
    std::fs::create_dir_all(root.join("empty/folder")).expect("empty");
    files.iter().map(|(p, _)| p.to_string()).collect()
}

fn params(source: &Path, destination: &Path) -> Value {
    json!({ "source": source.display().to_string(), "destination": destination.display().to_string() })
}

#[tokio::test(flavor = "multi_thread")]
async fn nested_folders_are_copied_and_proved_and_a_rerun_trusts_the_journal() {
    let dir = fresh_dir("files", "nested");
    let (source, destination) = (dir.join("src"), dir.join("dst"));
    let files = tree(&source);
    // A source that was once a copy destination: its bookkeeping files are not copied over ours.
    write(
        &source.join(".pchat-copy-journal.jsonl"),
        b"{\"path\":\"top.txt\"}\n",
    );
    let r = copy(params(&source, &destination)).await.expect("copy");
    assert!(r.succeeded);
    assert_eq!(r.counts.copied, files.len() as u64);
    let refused: Vec<&str> = r.refused_source.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(refused, [".pchat-copy-journal.jsonl"]);
    for f in &files {
        assert_eq!(sha(&destination.join(f)), sha(&source.join(f)), "{f}");
    }
    assert!(
        destination.join("empty/folder").is_dir(),
        "empty folders are created"
    );
    let journal =
        std::fs::read_to_string(destination.join(".pchat-copy-journal.jsonl")).expect("journal");
    let records: Vec<Value> = journal
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).expect("line"))
        .collect();
    assert_eq!(records.len(), files.len());
    for rec in &records {
        let path = rec["path"].as_str().expect("path");
        assert_eq!(
            rec["sha256"],
            sha(&source.join(path)),
            "journal hash of {path}"
        );
    }
    assert!(
        !destination.join(".pchat-copy.lock").exists(),
        "the lock goes with the run"
    );
    let again = copy(params(&source, &destination)).await.expect("re-run");
    assert_eq!(again.counts.copied, 0);
    assert_eq!(again.counts.skipped_by_journal, files.len() as u64);
    // Without the journal, every file is hashed again and still found identical.
    std::fs::remove_file(destination.join(".pchat-copy-journal.jsonl")).expect("rm journal");
    let rehashed = copy(params(&source, &destination)).await.expect("re-run");
    assert_eq!(rehashed.counts.skipped_identical, files.len() as u64);
    assert_eq!(rehashed.counts.skipped_by_journal, 0);
    assert_eq!(rehashed.counts.copied, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_is_resumed_without_recopying_verified_files() {
    let dir = fresh_dir("files", "crash");
    let (source, destination) = (dir.join("src"), dir.join("dst"));
    let files = tree(&source);
    copy(params(&source, &destination))
        .await
        .expect("first run");
    // The state a crash leaves: the journal's first two records and a torn third line, the files after them
    // not renamed into place, one of them as a half-written temporary file.
    let journal_path = destination.join(".pchat-copy-journal.jsonl");
    let journal = std::fs::read_to_string(&journal_path).expect("journal");
    let lines: Vec<&str> = journal.lines().filter(|l| !l.is_empty()).collect();
    let kept: Vec<String> = lines[..2]
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("line")["path"]
                .as_str()
                .expect("path")
                .to_string()
        })
        .collect();
    let torn = &lines[2][..lines[2].len() / 2];
    std::fs::write(&journal_path, format!("{}\n{}\n{torn}", lines[0], lines[1])).expect("truncate");
    let lost: Vec<&String> = files.iter().filter(|f| !kept.contains(f)).collect();
    for f in &lost {
        std::fs::remove_file(destination.join(f)).expect("rm");
    }
    let partial = destination.join(format!("{}.pchat-partial", lost[0]));
    std::fs::write(&partial, b"half").expect("partial");
    let r = copy(params(&source, &destination)).await.expect("resume");
    assert!(r.succeeded);
    assert_eq!(
        r.counts.skipped_by_journal, 2,
        "verified files are not read again"
    );
    assert_eq!(
        r.counts.copied,
        lost.len() as u64,
        "only the lost files are copied"
    );
    assert_eq!(r.counts.removed_partial_files, 1);
    assert!(!partial.exists());
    for f in &files {
        assert_eq!(sha(&destination.join(f)), sha(&source.join(f)), "{f}");
    }
    assert!(!listing(&destination)
        .iter()
        .any(|p| p.ends_with(".pchat-partial")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_copy_leaves_no_partial_file_and_the_rerun_completes() {
    let dir = fresh_dir("files", "cancel");
    let (source, destination) = (dir.join("src"), dir.join("dst"));
    for i in 0..24 {
        let bytes: Vec<u8> = (0..(2usize << 20)).map(|n| (n + i) as u8).collect();
        write(&source.join(format!("d{}/f{i}.bin", i % 3)), &bytes);
    }
    let request = Request::from_value(
        json!({ "operation": "copy_files", "params": params(&source, &destination) }),
    )
    .expect("request");
    let job = operations::start_job(&request).expect("starts");
    let journal = destination.join(".pchat-copy-journal.jsonl");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        let lines = std::fs::read_to_string(&journal)
            .map(|t| t.lines().filter(|l| !l.is_empty()).count())
            .unwrap_or(0);
        if lines >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    job.cancel().expect("cancel");
    let result = tokio::task::spawn_blocking(move || job.wait(|_| {}))
        .await
        .expect("join");
    let verified = std::fs::read_to_string(&journal)
        .map(|t| t.lines().filter(|l| !l.is_empty()).count())
        .unwrap_or(0);
    let e = result.expect_err("cancelled while files remained");
    assert_eq!(e.code(), "cancelled", "{e}");
    assert!(verified < 24, "cancelled before the end");
    assert!(
        !listing(&destination)
            .iter()
            .any(|p| p.ends_with(".pchat-partial")),
        "no unfinished copy is left"
    );
    assert!(!destination.join(".pchat-copy.lock").exists());
    let r = copy(params(&source, &destination)).await.expect("re-run");
    assert!(r.succeeded);
    assert_eq!(r.counts.copied + r.counts.skipped_identical, 24);
    assert_eq!(
        r.counts.skipped_by_journal as usize, verified,
        "every verified file is trusted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_destination_file_is_a_conflict_left_alone_unless_overwrite_keeps_the_old_one() {
    let dir = fresh_dir("files", "conflict");
    let (source, destination) = (dir.join("src"), dir.join("dst"));
    tree(&source);
    copy(params(&source, &destination))
        .await
        .expect("first run");
    let same_size = destination.join("top.txt");
    std::fs::write(&same_size, b"0123456789").expect("same size, other bytes");
    let other_size = destination.join("a/b/c/deep.bin");
    std::fs::write(&other_size, b"changed").expect("other size");
    let r = copy(params(&source, &destination))
        .await
        .expect("second run");
    assert!(!r.succeeded);
    let conflicts: BTreeSet<&str> = r.conflicts.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(conflicts, BTreeSet::from(["top.txt", "a/b/c/deep.bin"]));
    assert!(r.conflicts.iter().all(|c| c.reason.contains("-Overwrite")));
    assert_eq!(
        std::fs::read(&same_size).expect("read"),
        b"0123456789",
        "left untouched"
    );
    assert_eq!(std::fs::read(&other_size).expect("read"), b"changed");
    let mut p = params(&source, &destination);
    p["overwrite"] = json!(true);
    let r = copy(p).await.expect("overwrite");
    assert!(r.succeeded);
    assert_eq!(r.counts.overwritten, 2);
    assert_eq!(sha(&same_size), sha(&source.join("top.txt")));
    assert_eq!(sha(&other_size), sha(&source.join("a/b/c/deep.bin")));
    assert_eq!(
        std::fs::read(destination.join("top.txt.pchat-old-1")).expect("kept"),
        b"0123456789"
    );
    assert_eq!(
        std::fs::read(destination.join("a/b/c/deep.bin.pchat-old-1")).expect("kept"),
        b"changed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn what_if_lists_the_copy_and_writes_nothing() {
    let dir = fresh_dir("files", "whatif");
    let (source, destination) = (dir.join("src"), dir.join("dst"));
    let files = tree(&source);
    let mut p = params(&source, &destination);
    p["whatIf"] = json!(true);
    let r = copy(p).await.expect("what-if");
    assert!(r.what_if);
    let mut expected = files.clone();
    expected.sort();
    let mut listed = r.would_copy.clone();
    listed.sort();
    assert_eq!(listed, expected);
    assert!(!destination.exists(), "what-if writes nothing");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn links_out_of_either_root_are_refused_and_nothing_is_written_through_them() {
    let dir = fresh_dir("files", "links");
    let (source, destination, outside) = (dir.join("src"), dir.join("dst"), dir.join("outside"));
    write(&source.join("ok.txt"), b"ok");
    write(&source.join("inner/real.txt"), b"real");
    write(&outside.join("secret.txt"), b"secret");
    std::os::unix::fs::symlink(outside.join("secret.txt"), source.join("leak.txt"))
        .expect("file link");
    std::os::unix::fs::symlink(&outside, source.join("leakdir")).expect("folder link");
    std::os::unix::fs::symlink(source.join("inner/real.txt"), source.join("alias.txt"))
        .expect("inner link");
    // The destination already has a folder that is a link to outside its root.
    std::fs::create_dir_all(&destination).expect("dst");
    std::os::unix::fs::symlink(&outside, destination.join("inner")).expect("dest link");
    let before = listing(&outside);
    let r = copy(params(&source, &destination)).await.expect("copy");
    let refused: BTreeSet<&str> = r.refused_source.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(refused, BTreeSet::from(["leak.txt", "leakdir"]));
    let failed: BTreeSet<&str> = r.failed.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        failed,
        BTreeSet::from(["inner/", "inner/real.txt"]),
        "{:?}",
        r.failed
    );
    assert!(r
        .failed
        .iter()
        .all(|f| f.reason.contains("outside the destination root")));
    assert_eq!(
        listing(&outside),
        before,
        "nothing written outside the destination"
    );
    assert_eq!(
        std::fs::read(destination.join("alias.txt")).expect("alias"),
        b"real"
    );
    assert!(!r.succeeded);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_on_a_locked_destination_is_refused_naming_the_holder() {
    let dir = fresh_dir("files", "lock");
    let (source, destination) = (dir.join("src"), dir.join("dst"));
    tree(&source);
    std::fs::create_dir_all(&destination).expect("dst");
    let held =
        pchat_migrate::files::copy::lock::DestinationLock::acquire(&destination).expect("lock");
    let e = copy(params(&source, &destination))
        .await
        .expect_err("refused");
    assert_eq!(e.code(), "target_not_ready");
    let text = e.to_string();
    assert!(
        text.contains(".pchat-copy.lock")
            && text.contains(&format!("process {}", std::process::id())),
        "{text}"
    );
    assert!(!destination.join("top.txt").exists(), "nothing copied");
    drop(held);
    copy(params(&source, &destination))
        .await
        .expect("free again");
}

#[test]
fn bad_parameters_are_refused_before_the_job_starts() {
    let dir = fresh_dir("files", "params");
    let source = dir.join("src");
    std::fs::create_dir_all(&source).expect("src");
    for (p, needle) in [
        (
            json!({ "source": dir.join("nope").display().to_string(), "destination": dir.join("d").display().to_string() }),
            "-Source",
        ),
        (
            json!({ "source": source.display().to_string(), "destination": source.join("inside").display().to_string() }),
            "overlap",
        ),
        (
            json!({ "source": source.display().to_string(), "destination": dir.join("x/y/z").display().to_string() }),
            "parent folder",
        ),
        (
            json!({ "source": source.display().to_string(), "destination": dir.join("d").display().to_string(), "fileName": "p", "connection": { "dbInstance": "sql01", "dbName": "x" } }),
            "not both",
        ),
    ] {
        let request = Request::from_value(json!({ "operation": "copy_files", "params": p }))
            .expect("request");
        let e = operations::start_job(&request).err().expect("refused");
        assert_eq!(e.code(), "invalid_parameter");
        assert!(e.to_string().contains(needle), "{e}");
    }
    let request = Request::from_value(json!({ "operation": "file_manifest", "params": {} }))
        .expect("request");
    let e = operations::start_job(&request).err().expect("refused");
    assert!(e.to_string().contains("-FileName"), "{e}");
}

#[test]
fn the_cli_copies_and_exits_3_on_a_conflict() {
    let dir = fresh_dir("files", "cli");
    let (source, destination) = (dir.join("src"), dir.join("dst"));
    tree(&source);
    let run = |extra: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_pchat-migrate"));
        command
            .args(["-q", "copy-files", "--source"])
            .arg(&source)
            .arg("--destination")
            .arg(&destination);
        command.args(extra);
        command.output().expect("runs")
    };
    let first = run(&[]);
    let text = String::from_utf8_lossy(&first.stdout).to_string();
    assert_eq!(first.status.code(), Some(0), "{text}");
    assert!(text.contains("Copied        : 5 of 5 files"), "{text}");
    std::fs::write(destination.join("top.txt"), b"changed!!!").expect("change");
    let second = run(&[]);
    let text = String::from_utf8_lossy(&second.stdout).to_string();
    assert_eq!(second.status.code(), Some(3), "{text}");
    assert!(text.contains("Conflict      : top.txt"), "{text}");
    assert_eq!(run(&["--overwrite"]).status.code(), Some(0));
}
