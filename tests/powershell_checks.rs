//! Linux-side checks of the PowerShell module in `powershell/PersistentChatMigration/` (pwsh cannot run here):
//!
//! 1. every .ps1/.psm1/.psd1 parses with tree-sitter-powershell, and the module is well formed (one function per
//!    file, exports, manifest, loader, views, the plan executor's ShouldProcess flow) —
//!    `tests/powershell/check-powershell.mjs`; and it and the Pester suite in tests/pester pass the
//!    PSScriptAnalyzer-style rules of `tests/powershell/lint-powershell.mjs` (approved verbs, singular nouns, no
//!    aliases, ShouldProcess, ConfirmImpact High on production writes, complete help, [OutputType()], Windows
//!    PowerShell 3.0 syntax), each rule proven by a bad sample, and the public cmdlets' parameter sets equal
//!    `tests/powershell/parameters.json` (module `rules`, tests/powershell/rules.rs; docs/powershell-checks.md);
//! 2. `Native/PChatMigrationNative.cs` compiles as C# 5 with no extra references (what Windows PowerShell's Add-Type
//!    accepts) and, compiled by Mono's `mcs` with the harness in `tests/powershell/harness/`, calls the real cdylib
//!    correctly (`mono`);
//! 3. every P/Invoke declaration matches a prototype of `include/pchat_migrate.h` and every exported function is
//!    declared; status constants and the ABI version agree (parsed here, in Rust).
//!
//! The Mono harness also drives the operations behind the cmdlets: `validate` of `export` requests shaped exactly as
//! Export-PChatMigrationData builds them, an `export` job that cannot connect (no package may be left), and
//! `inspect_package` (Get-PChatMigrationPackage) on a small valid package written here with the library's
//! `PackageWriter`, and on truncated and missing copies of it; and `import` with whatIf (Import-PChatMigrationData
//! -WhatIf) of that package into a fresh stand-in `mgc` (nothing may be written), `import` into a legacy database
//! (refused with a code and a PowerShell category) and `readiness` (Test-PChatMigrationReadiness) of the package;
//! `validate` of `verify` params shaped as Test-PChatMigration builds them (a package and a database source) and
//! the `verify` job of the package against that fresh mgc (it must not pass, with Missing rooms and the checklist);
//! and Start-PChatMigration's stages in the order `migration_plan` gives them, against a seeded legacy database and
//! a second fresh mgc: a run stopped at readiness, -WhatIf, the run, and a re-run resuming from the package and the
//! target (tests/powershell/harness/MigrationChecks.cs, docs/start-migration.md).
//!
//! Tools: node + the npm packages in tests/powershell, mcs and mono. `scripts/setup-test-tools.sh` installs them;
//! without them these tests fail (they never pass silently).
//!
//! To see a check fail without touching the tree, point it at broken copies: `PCHAT_PS_CHECKS_POWERSHELL_DIR`
//! replaces `powershell/`, `PCHAT_PS_CHECKS_HEADER` replaces `include/pchat_migrate.h`.

#[path = "common/sample.rs"]
mod sample;

#[path = "apply_support/mod.rs"]
mod apply_support;
#[path = "client_access_support/mod.rs"]
mod client_access_support;
mod common;
/// The PSScriptAnalyzer-style rules, the bad samples and the pinned parameter sets.
#[path = "powershell/rules.rs"]
mod rules;
#[path = "common/row_counts.rs"]
mod table_counts;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const SETUP_HINT: &str =
    "run `bash scripts/setup-test-tools.sh` (installs mono-mcs, mono-runtime and the npm \
                          packages of tests/powershell)";
const LIBRARY_TOKEN: &str = "@@PCHAT_MIGRATE_NATIVE_LIBRARY@@";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `powershell/` (or the copy named by PCHAT_PS_CHECKS_POWERSHELL_DIR).
fn powershell_dir() -> PathBuf {
    std::env::var_os("PCHAT_PS_CHECKS_POWERSHELL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("powershell"))
}

fn module_dir() -> PathBuf {
    powershell_dir().join("PersistentChatMigration")
}

/// `include/pchat_migrate.h` (or the copy named by PCHAT_PS_CHECKS_HEADER).
fn header_path() -> PathBuf {
    std::env::var_os("PCHAT_PS_CHECKS_HEADER")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("include").join("pchat_migrate.h"))
}

fn native_cs_path() -> PathBuf {
    module_dir().join("Native").join("PChatMigrationNative.cs")
}

/// The module's JSON reader (ConvertFrom-PChatResponse parses every response with it).
fn json_cs_path() -> PathBuf {
    module_dir().join("Native").join("PChatMigrationJson.cs")
}

/// The runtime selection and load-failure diagnosis the loader compiles before it picks the library.
fn platform_cs_path() -> PathBuf {
    module_dir()
        .join("Native")
        .join("PChatMigrationPlatform.cs")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A scratch directory for this test process's outputs (per process: concurrent runs must not share it).
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("powershell-checks")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// The path of `tool` on PATH, or a failure that says how to install it.
fn require_tool(tool: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(tool))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| panic!("`{tool}` is not installed: {SETUP_HINT}"))
}

struct Output {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Output {
    fn text(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout, self.stderr
        )
    }
}

/// Runs a command with a time limit (killed when it is exceeded), capturing its output.
fn run(command: &mut Command, limit: Duration) -> Output {
    let description = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {description}: {e}"));
    let mut stdout_pipe = child.stdout.take().expect("stdout piped");
    let mut stderr_pipe = child.stderr.take().expect("stderr piped");
    let stdout_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout_pipe.read_to_string(&mut text);
        text
    });
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{description} did not finish within {} s and was killed\n{}",
                limit.as_secs(),
                stdout_reader.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout_reader.join().unwrap_or_default(),
        stderr: stderr_reader.join().unwrap_or_default(),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// 1. tree-sitter parse and structure
// ---------------------------------------------------------------------------------------------------------------

#[test]
fn powershell_sources_parse_and_are_well_formed() {
    let node = require_tool("node");
    let checks = repo().join("tests").join("powershell");
    for package in ["tree-sitter", "tree-sitter-powershell"] {
        let dir = checks.join("node_modules").join(package);
        assert!(
            dir.join("package.json").is_file(),
            "{} is missing: {SETUP_HINT}",
            dir.display()
        );
    }
    let output = run(
        Command::new(node)
            .arg("--no-deprecation")
            .arg(checks.join("check-powershell.mjs"))
            .arg("--root")
            .arg(powershell_dir())
            .arg("--expect-version")
            .arg(env!("CARGO_PKG_VERSION"))
            .current_dir(&checks),
        Duration::from_secs(120),
    );
    println!("{}", output.text());
    assert!(
        output.status.success(),
        "PowerShell sources failed the tree-sitter checks ({}):\n{}",
        output.status,
        output.text()
    );
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Mono: compile the P/Invoke class and call the real library
// ---------------------------------------------------------------------------------------------------------------

#[test]
fn native_class_compiles_as_csharp5_with_only_mscorlib() {
    // What Add-Type on Windows PowerShell 3.0-5.1 (CodeDom, C# 5) and PowerShell 7 (no extra references) accept.
    let mcs = require_tool("mcs");
    let out = scratch("csharp5");
    let output = run(
        Command::new(mcs)
            .args([
                "-noconfig",
                "-langversion:5",
                "-target:library",
                "-warnaserror+",
            ])
            .arg(format!(
                "-out:{}",
                out.join("PChatMigrationNative.dll").display()
            ))
            .arg(native_cs_path())
            .arg(platform_cs_path())
            .arg(json_cs_path()),
        Duration::from_secs(120),
    );
    assert!(
        output.status.success(),
        "Native/PChatMigrationNative.cs, PChatMigrationPlatform.cs and PChatMigrationJson.cs do not compile as C# 5 with mscorlib only:\n{}",
        output.text()
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// The cdylib that `cargo test` built for this run: next to this test executable (target/<profile>/deps/), else
/// one level up (target/<profile>/).
fn cdylib() -> PathBuf {
    let name = if cfg!(windows) {
        "pchat_migrate.dll"
    } else if cfg!(target_os = "macos") {
        "libpchat_migrate.dylib"
    } else {
        "libpchat_migrate.so"
    };
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("target/<profile>/deps");
    let candidates = [
        deps.join(name),
        deps.parent().expect("target/<profile>").join(name),
    ];
    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .unwrap_or_else(|| panic!("the cdylib was not built: looked for {candidates:?}"))
}

/// `$script:PChatExpectedAbiVersion = N` in the psm1.
fn module_abi_version() -> u32 {
    let psm1 = read(&module_dir().join("PersistentChatMigration.psm1"));
    psm1.lines()
        .find_map(|line| {
            let rest = line
                .trim()
                .strip_prefix("$script:PChatExpectedAbiVersion")?;
            rest.trim().strip_prefix('=')?.trim().parse().ok()
        })
        .expect("PersistentChatMigration.psm1 sets `$script:PChatExpectedAbiVersion = <number>`")
}

/// A package written by [`write_sample_package`], with the figures `inspect_package` must report.
struct SamplePackage {
    path: PathBuf,
    /// Rooms with a history entry (what `inspect_package` lists), including one without messages.
    rooms: usize,
    messages: u64,
}

/// Writes a small valid package with the library's own writer (as tests/package.rs does): two principals, the
/// root category with `Sales` and `Sales\Europe`, and three rooms, one of them without history.
fn write_sample_package(dir: &Path) -> SamplePackage {
    use pchat_migrate::package::*;

    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let path = dir.join("sample package.zip");
    let principal = sample::principal;
    let node = sample::node;
    let message = |chat_id: i64, text: &str| {
        sample::message(
            chat_id,
            634_500_000_000_000_000 + chat_id * 10_000_000,
            text,
        )
    };

    let principals = vec![
        principal(1, "sip:system"),
        principal(2, "sip:ann@contoso.com"),
    ];
    let categories = vec![
        node(1, NodeKind::Category, None, "Root", &[]),
        node(2, NodeKind::Category, Some(1), "Sales", &[]),
        node(3, NodeKind::Category, Some(2), "Europe", &["Sales"]),
    ];
    let rooms = vec![
        node(10, NodeKind::Room, Some(2), "Pipeline", &["Sales"]),
        node(
            11,
            NodeKind::Room,
            Some(3),
            "Forecast",
            &["Sales", "Europe"],
        ),
        node(12, NodeKind::Room, Some(3), "Empty", &["Sales", "Europe"]),
    ];
    let histories: Vec<(i32, Vec<Message>)> = vec![
        (
            10,
            (1..=4)
                .map(|i| message(i, "Crème brûlée — 日本語"))
                .collect(),
        ),
        (
            11,
            vec![
                message(5, "plain"),
                message(6, "<a href=\"http://intranet/\">x</a>"),
            ],
        ),
        (12, Vec::new()),
    ];

    let messages = write_package_file(&path, principals, categories, rooms, &histories);
    // The library's own reader accepts it, so a harness failure on it is the harness's or the ABI's.
    let figures = PackageReader::open(&path)
        .and_then(|mut reader| reader.verify(|_, _| {}))
        .unwrap_or_else(|e| panic!("the sample package {} does not verify: {e}", path.display()));
    assert_eq!(
        figures.len(),
        histories.len(),
        "rooms listed by verify: {figures:?}"
    );
    SamplePackage {
        path,
        rooms: histories.len(),
        messages,
    }
}

/// Writes a package with the library's own writer: the entities, one history entry per room of `histories`, the
/// manifest. Returns the number of messages written.
fn write_package_file(
    path: &Path,
    principals: Vec<pchat_migrate::package::Principal>,
    categories: Vec<pchat_migrate::package::Node>,
    rooms: Vec<pchat_migrate::package::Node>,
    histories: &[(i32, Vec<pchat_migrate::package::Message>)],
) -> u64 {
    use pchat_migrate::package::*;

    let mut writer = PackageWriter::create(path).expect("create the sample package");
    writer
        .write_entities(
            &Entities {
                principals: principals.clone(),
                categories: categories.clone(),
                rooms: rooms.clone(),
                ..Entities::default()
            },
            || Ok(()),
        )
        .expect("entities");
    let mut room_histories = Vec::new();
    let mut messages = 0u64;
    for (room_id, history) in histories {
        writer
            .write_entry(&messages_entry(*room_id), history)
            .expect("history");
        messages += history.len() as u64;
        room_histories.push(RoomHistory {
            room_id: *room_id,
            entry: messages_entry(*room_id),
            messages: history.len() as u64,
            first_chat_id: history.first().map(|m| m.chat_id),
            last_chat_id: history.last().map(|m| m.chat_id),
            chat_id_bound: history.last().map(|m| m.chat_id),
            first_message_utc: history.first().map(|m| m.chat_date_utc.clone()),
            last_message_utc: history.last().map(|m| m.chat_date_utc.clone()),
        });
    }
    let manifest = Manifest {
        format: FORMAT_NAME.into(),
        format_version: format!("{FORMAT_MAJOR}.{FORMAT_MINOR}"),
        tool: ToolInfo {
            name: "pchat-migrate".into(),
            version: "powershell-checks".into(),
        },
        created_utc: "2026-11-24T08:30:00Z".into(),
        source: SourceInfo {
            db_instance: "sql01\\rtc".into(),
            database: "GroupChat".into(),
            kind: "LyncGroupChat2010".into(),
            product_version: None,
        },
        parameters: serde_json::json!({ "level": "All" }),
        counts: EntityCounts {
            principals: principals.len() as u64,
            categories: categories.len() as u64,
            rooms: rooms.len() as u64,
            roles: 0,
            scopes: 0,
            addins: 0,
            messages,
        },
        rooms: room_histories,
        entries: Vec::new(),
    };
    writer.finish(manifest).expect("finish the sample package");
    messages
}

/// rooms of `write_large_package`: enough that the inspect_package response is far over 2 MB.
const LARGE_PACKAGE_ROOMS: usize = 40_000;

/// A package of `rooms` rooms with one message each, under one category: its inspect_package response is larger than
/// Windows PowerShell 3.0/4.0's ConvertFrom-Json limit (2,097,152 characters), which the harness checks.
fn write_large_package(dir: &Path, rooms: usize) -> PathBuf {
    use pchat_migrate::package::*;

    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let path = dir.join("large package.zip");
    let first_room = 100;
    let room_ids: Vec<i32> = (0..rooms)
        .map(|i| first_room + i32::try_from(i).expect("room count fits i32"))
        .collect();
    let room_nodes = room_ids
        .iter()
        .map(|id| {
            sample::node(
                *id,
                NodeKind::Room,
                Some(2),
                &format!("Room \"{id}\" caf\u{e9}"),
                &["Sales"],
            )
        })
        .collect();
    let histories: Vec<(i32, Vec<Message>)> = room_ids
        .iter()
        .map(|id| {
            let chat_id = i64::from(*id);
            let utc = 634_500_000_000_000_000 + chat_id * 10_000_000;
            (*id, vec![sample::message(chat_id, utc, "hello")])
        })
        .collect();
    write_package_file(
        &path,
        vec![
            sample::principal(1, "sip:system"),
            sample::principal(2, "sip:ann@contoso.com"),
        ],
        vec![
            sample::node(1, NodeKind::Category, None, "Root", &[]),
            sample::node(2, NodeKind::Category, Some(1), "Sales", &[]),
        ],
        room_nodes,
        &histories,
    );
    path
}

#[test]
fn native_class_calls_the_real_library_under_mono() {
    let mcs = require_tool("mcs");
    let mono = require_tool("mono");
    let library = cdylib();
    let out = scratch("harness");

    // Fill in the library path exactly as the psm1 does (a C# string literal).
    let source = read(&native_cs_path());
    assert_eq!(
        source.matches(LIBRARY_TOKEN).count(),
        1,
        "PChatMigrationNative.cs must contain the placeholder {LIBRARY_TOKEN} exactly once"
    );
    let literal = library
        .display()
        .to_string()
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    let native = out.join("PChatMigrationNative.cs");
    std::fs::write(&native, source.replace(LIBRARY_TOKEN, &literal))
        .expect("write the bound P/Invoke class");

    let harness_dir = repo().join("tests").join("powershell").join("harness");
    let mut harness_sources: Vec<PathBuf> = std::fs::read_dir(&harness_dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", harness_dir.display()))
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "cs"))
        .collect();
    harness_sources.sort();
    assert!(
        !harness_sources.is_empty(),
        "no harness sources in {}",
        harness_dir.display()
    );

    let exe = out.join("harness.exe");
    let compile = run(
        Command::new(mcs)
            .args([
                "-noconfig",
                "-langversion:5",
                "-r:System.dll",
                "-r:System.Xml.dll",
            ])
            .arg(format!("-out:{}", exe.display()))
            .arg(&native)
            .arg(platform_cs_path())
            .arg(json_cs_path())
            .args(&harness_sources),
        Duration::from_secs(120),
    );
    assert!(
        compile.status.success(),
        "mcs could not compile the P/Invoke class with the harness:\n{}",
        compile.text()
    );

    let sample = write_sample_package(&out.join("packages"));
    let large_package = write_large_package(&out.join("packages"), LARGE_PACKAGE_ROOMS);
    let targets = ImportTargets::start(&out, &sample.path);
    // The tree Copy-PChatFileStore's harness check copies: nested folders, a non-ASCII name, an empty file.
    let files_source = out.join("file-repository");
    for (path, bytes) in [
        ("room-1/file-1/Quarterly report.xlsx", &b"report"[..]),
        ("room-1/file-2/Pr\u{e4}sentation.pptx", &b"slides"[..]),
        ("room-2/empty.txt", &b""[..]),
    ] {
        let path = files_source.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("folders");
        std::fs::write(&path, bytes).expect("write a repository file");
    }
    let files_destination = out.join("file-store");
    let (archive_request, archive_refused) = archive_requests(&out, &sample.path);
    let secrets = SecretTarget::start(&out);
    let (client_access_params, client_access_expect) = targets.client_access(&out);
    let before = targets.mgc_counts();
    let output = run(
        Command::new(mono)
            .arg(&exe)
            .arg("--version")
            .arg(env!("CARGO_PKG_VERSION"))
            .arg("--abi")
            .arg(module_abi_version().to_string())
            .arg("--format")
            .arg(module_dir().join("PersistentChatMigration.Format.ps1xml"))
            .arg("--package")
            .arg(&sample.path)
            .arg("--package-rooms")
            .arg(sample.rooms.to_string())
            .arg("--package-messages")
            .arg(sample.messages.to_string())
            .arg("--import-request")
            .arg(&targets.import_request)
            .arg("--import-database")
            .arg(&targets.mgc)
            .arg("--bad-import-request")
            .arg(&targets.bad_import_request)
            .arg("--readiness-request")
            .arg(&targets.readiness_request)
            .arg("--legacy-client-facts")
            .arg(write_legacy_client_facts(&out))
            .arg("--secret-probe")
            .arg(&secrets.probe_params)
            .arg("--secret-password")
            .arg(&secrets.password_file)
            .arg("--archive-request")
            .arg(&archive_request)
            .arg("--archive-refused-params")
            .arg(&archive_refused)
            .arg("--files-source")
            .arg(&files_source)
            .arg("--files-destination")
            .arg(&files_destination)
            .arg("--files-count")
            .arg("3")
            .arg("--verify-params")
            .arg(&targets.verify_params)
            .arg("--verify-database-params")
            .arg(&targets.verify_database_params)
            .arg("--verify-legacy-pool")
            .arg(VERIFY_LEGACY_POOL)
            .arg("--migration")
            .arg(&targets.migration)
            .arg("--client-access-params")
            .arg(&client_access_params)
            .arg("--client-access-expect")
            .arg(&client_access_expect)
            .arg("--large-package")
            .arg(&large_package)
            .arg("--large-package-rooms")
            .arg(LARGE_PACKAGE_ROOMS.to_string()),
        Duration::from_secs(180),
    );
    println!("{}", output.text());
    assert_eq!(
        targets.mgc_counts(),
        before,
        "Import-PChatMigrationData -WhatIf wrote to the target"
    );
    assert!(
        output.status.success(),
        "the Mono harness found mismatches with the real library {} ({}):\n{}",
        library.display(),
        output.status,
        output.text()
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// The facts Get-PChatLegacyClientFact builds, as ConvertTo-Json -Compress writes its ordered dictionary:
/// two SIP domains, the pool, the enabled ocschat user of contoso on the 2010 pool, an endpoint of the pool with
/// the properties PowerShell casts to "" when the object lacks them, the registrar pools.
const LEGACY_CLIENT_FACTS: &str = concat!(
    r#"{"sipAddresses":[],"persistentChatPoolFqdn":"pcpool.contoso.com","#,
    r#""sipDomains":[{"name":"contoso.com","isDefault":true},{"name":"fabrikam.com","isDefault":false}],"#,
    r#""pools":["PersistentChatServer:pcpool.contoso.com"],"#,
    r#""owners":[{"identity":"CN=ocschat,CN=Users,DC=contoso,DC=com","sipAddress":"sip:ocschat@contoso.com","#,
    r#""enabled":true,"registrarPool":"fe2010.contoso.com","objectKind":"user","displayName":"Group Chat Lookup"}],"#,
    r#""endpoints":[{"sipAddress":"sip:pcpool@contoso.com","persistentChatPoolFqdn":"pcpool.contoso.com","#,
    r#""displayName":"","distinguishedName":""}],"#,
    r#""registrarPools":[{"fqdn":"fe2010.contoso.com","version":5},{"fqdn":"fe2013.contoso.com","version":6}],"#,
    r#""options":{"releaseMethod":"disable"}}"#
);

/// Writes [`LEGACY_CLIENT_FACTS`] for the harness, after checking it is the library's `LegacyClientFacts` and uses
/// exactly the keys the gathering helper writes.
fn write_legacy_client_facts(out: &Path) -> PathBuf {
    let facts: pchat_migrate::legacy_clients::LegacyClientFacts =
        serde_json::from_str(LEGACY_CLIENT_FACTS)
            .expect("the helper's facts are a LegacyClientFacts");
    assert_eq!(facts.sip_domains.len(), 2);
    let path = out.join("legacy-client-facts.json");
    std::fs::write(&path, LEGACY_CLIENT_FACTS).expect("write the facts");
    path
}

/// The facts Get-PChatClientAccessFact builds for `uris` (every third on the 2010 pool, no endpoint, one group
/// given with no users), with every key it writes and the values PowerShell gives a missing property.
fn client_access_facts(uris: &BTreeSet<String>) -> serde_json::Value {
    let users: Vec<serde_json::Value> = uris
        .iter()
        .enumerate()
        .map(|(i, uri)| {
            let pool = if i % 3 == 0 {
                "fe2010.contoso.com"
            } else {
                "fe2013.contoso.com"
            };
            serde_json::json!({"sipAddress": uri, "enabled": true, "registrarPool": pool,
                "persistentChatPolicy": null, "displayName": ""})
        })
        .collect();
    serde_json::json!({
        "users": users,
        "policies": [{"identity": "Global", "enablePersistentChat": true}],
        "pools": [
            {"fqdn": "fe2013.contoso.com", "version": 6, "site": "Site:Redmond"},
            {"fqdn": "fe2010.contoso.com", "version": 5, "site": null}
        ],
        "endpoints": [{"sipAddress": "sip:ocschat@fabrikam.com", "persistentChatPoolFqdn": "pcpool.contoso.com"}],
        "groups": [{"identity": "CN=Nobody,DC=contoso,DC=com", "members": []}],
    })
}

#[test]
fn the_client_access_facts_have_the_keys_the_gathering_helper_writes() {
    let source = read(
        &module_dir()
            .join("Private")
            .join("Get-PChatClientAccessFact.ps1"),
    );
    let facts = client_access_facts(&BTreeSet::from(["sip:a@contoso.com".to_string()]));
    let _: pchat_migrate::client_access::ClientAccessFacts =
        serde_json::from_value(facts.clone()).expect("the helper's facts are a ClientAccessFacts");
    let mut keys = BTreeSet::new();
    json_keys(&facts, &mut keys);
    assert_eq!(
        helper_fact_keys(&source),
        keys,
        "Get-PChatClientAccessFact.ps1 and the facts the Mono harness sends differ in their keys"
    );
}

/// Every key of a JSON value, at any depth.
fn json_keys(value: &serde_json::Value, keys: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                keys.insert(key.clone());
                json_keys(item, keys);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| json_keys(item, keys)),
        _ => {}
    }
}

/// The keys Get-PChatLegacyClientFact.ps1 writes: those of its one-line `[ordered]@{ a = ...; b = ... }`
/// literals, the `key = value` lines of its multi-line ones (camelCase names: variables start with `$`), and
/// `$options['...'] =` assignments.
fn helper_fact_keys(source: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut add = |text: &str| {
        if let Some((key, _)) = text.split_once(" = ") {
            let key = key.trim();
            let camel = key.starts_with(|c: char| c.is_ascii_lowercase())
                && key.chars().all(|c| c.is_ascii_alphanumeric());
            if camel {
                keys.insert(key.to_string());
            }
        }
    };
    for line in source.lines() {
        match (line.find("[ordered]@{"), line.rfind('}')) {
            (Some(open), Some(close)) if close > open => line[open + "[ordered]@{".len()..close]
                .split(';')
                .for_each(&mut add),
            _ => add(line),
        }
    }
    for part in source.split("$options['").skip(1) {
        if let Some((key, _)) = part.split_once("']") {
            keys.insert(key.to_string());
        }
    }
    keys
}

#[test]
fn the_harness_facts_have_the_keys_the_gathering_helper_writes() {
    let source = read(
        &module_dir()
            .join("Private")
            .join("Get-PChatLegacyClientFact.ps1"),
    );
    let mut facts_keys = BTreeSet::new();
    json_keys(
        &serde_json::from_str(LEGACY_CLIENT_FACTS).expect("JSON"),
        &mut facts_keys,
    );
    // The harness facts leave the optional display name out; the helper writes it when -DisplayName is given.
    facts_keys.insert("displayName".into());
    assert_eq!(
        helper_fact_keys(&source),
        facts_keys,
        "Get-PChatLegacyClientFact.ps1 and the facts the Mono harness sends differ in their keys"
    );
}

/// Copies `from` into `to` recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("cannot create {}: {e}", to.display()));
    for entry in
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("cannot list {}: {e}", from.display()))
    {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The plan executor's ShouldProcess checks (check-powershell.mjs section 6) fail on copies of the module
/// broken the ways that would let a step change something under -WhatIf.
#[test]
fn plan_executor_checks_fail_when_a_change_escapes_should_process() {
    let node = require_tool("node");
    let checks = repo().join("tests").join("powershell");
    let executor = "Private/Invoke-PChatPlanStep.ps1";
    let public = "Public/Enable-PChatLegacyClientAccess.ps1";
    let facts = "Private/Get-PChatLegacyClientFact.ps1";
    let mutations: [(&str, &str, &str, &str); 7] = [
        (executor, "if ($Cmdlet.ShouldProcess([string]$item.target, $action))", "if ($true)", "outside its"),
        (executor, "if ($Cmdlet.ShouldProcess(", "if ($PSCmdlet.ShouldProcess(", "other than $Cmdlet"),
        (
            executor,
            "        $status = 'Skipped'\n",
            "        $status = 'Skipped'\n        $null = Invoke-PChatCsCommand -Name ([string]$item.cmdlet)\n",
            "outside its",
        ),
        (public, " -Cmdlet $PSCmdlet", "", "without -Cmdlet $PSCmdlet"),
        (public, "-Cmdlet $PSCmdlet -Session $Session)\n", "-Cmdlet $PSCmdlet -Session $Session -WhatIf:$false)\n", "-WhatIf:$false"),
        (public, "-Name 'Get-CsPersistentChatEndpoint'", "-Name 'Remove-CsPersistentChatEndpoint'", "may only read"),
        (facts, "    $cs = @{ Session = $Session }\n", "    $cs = @{ Session = $Session }\n    Disable-CsUser -Identity 'x'\n", "directly"),
    ];
    for (file, from, to, expected) in mutations {
        let dir = scratch("mutated-module");
        copy_tree(&powershell_dir(), &dir.join("powershell"));
        let path = dir
            .join("powershell")
            .join("PersistentChatMigration")
            .join(file);
        let source = read(&path);
        assert!(
            source.contains(from),
            "{file} no longer contains {from:?}: update this test"
        );
        // Every occurrence (the help text may quote the same words; changing it too is harmless).
        let mutated = source.replace(from, to);
        std::fs::write(&path, mutated).expect("write the mutated file");
        let output = run(
            Command::new(&node)
                .arg("--no-deprecation")
                .arg(checks.join("check-powershell.mjs"))
                .arg("--root")
                .arg(dir.join("powershell"))
                .current_dir(&checks),
            Duration::from_secs(120),
        );
        assert!(
            !output.status.success() && output.stdout.contains(expected),
            "replacing {from:?} by {to:?} in {file} must fail the checks with '{expected}':\n{}",
            output.text()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The requests Export-PChatArchive sends for the sample package (the whole request for the job, and the
/// parameters alone for `pcm_archive_start`, which the harness sends after the archive exists: refused, as the
/// folder is no longer empty and `force` is false). The params are the library's `ArchiveParams`.
fn archive_requests(out: &Path, package: &Path) -> (PathBuf, PathBuf) {
    let params = serde_json::json!({
        "fileName": package.display().to_string(),
        "outputFolder": out.join("archive").display().to_string(),
        "onlyNotMigrated": false,
        "timeZone": "+01:00",
        "force": false,
    });
    let _: pchat_migrate::archive::ArchiveParams =
        serde_json::from_value(params.clone()).expect("the cmdlet's request is an ArchiveParams");
    let request = out.join("archive.json");
    std::fs::write(
        &request,
        serde_json::json!({ "operation": "archive", "params": params }).to_string(),
    )
    .expect("write the archive request");
    let refused = out.join("archive-params.json");
    std::fs::write(&refused, params.to_string()).expect("write the archive params");
    (request, refused)
}

/// The stand-in the harness imports into: a fresh `mgc` from the 2013 fixture and an (empty) legacy database, with
/// the request files the harness sends, shaped exactly as Import-PChatMigrationData and
/// Test-PChatMigrationReadiness build them. The stand-in's password is the harness's, so its NoPassword check
/// covers these jobs' events and results too.
struct ImportTargets {
    server: common::TestServer,
    runtime: tokio::runtime::Runtime,
    mgc: String,
    import_request: PathBuf,
    bad_import_request: PathBuf,
    readiness_request: PathBuf,
    /// Test-PChatMigration's params (not a whole request: the harness validates them and runs them as a job).
    verify_params: PathBuf,
    verify_database_params: PathBuf,
    /// Start-PChatMigration's stage requests against a seeded legacy database and its own fresh mgc.
    migration: PathBuf,
}

/// The sa password of the SecureString checks' stand-in: a quote, a backslash, non-ASCII and a surrogate pair
/// (U+1F600), which SecureRequest must JSON-escape and UTF-8-encode itself.
const SECRET_PASSWORD: &str = "Pw-\"q\\b-\u{e9}\u{df}-\u{1F600}-end";

/// A stand-in whose sa password is [`SECRET_PASSWORD`], and the probe params the harness sends through
/// SecureRequest (password "@PASSWORD@", replaced by a placeholder there).
struct SecretTarget {
    _server: common::TestServer,
    probe_params: PathBuf,
    password_file: PathBuf,
}

impl SecretTarget {
    fn start(out: &Path) -> SecretTarget {
        use sqlserver_standin::{Standin, StandinConfig};
        let server = common::TestServer::Standin(
            Standin::spawn(StandinConfig {
                password: SECRET_PASSWORD.into(),
                ..StandinConfig::default()
            })
            .expect("the stand-in starts"),
        );
        let mut params = server.connection_params(None);
        params["password"] = serde_json::json!("@PASSWORD@");
        params["authentication"] = serde_json::json!("SqlServer");
        params["connectRetryCount"] = serde_json::json!(0);
        let probe_params = out.join("secret-probe.json");
        std::fs::write(&probe_params, params.to_string()).expect("write the probe params");
        let password_file = out.join("secret-password.txt");
        std::fs::write(&password_file, SECRET_PASSWORD).expect("write the password");
        SecretTarget {
            _server: server,
            probe_params,
            password_file,
        }
    }
}

/// `-LegacyPoolFqdn` of the harness's Test-PChatMigration request: filled into the checklist.
const VERIFY_LEGACY_POOL: &str = "gcpool.contoso.com";

/// `-Password` of the harness (Harness.cs `Password`): never in a response.
const HARNESS_PASSWORD: &str = "harness-Secret-7e1f";

impl ImportTargets {
    fn start(out: &Path, package: &Path) -> ImportTargets {
        use chat_fixtures::{create_database, DatabaseKind};
        use sqlserver_standin::{Standin, StandinConfig, TlsMode};
        let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
        let server = common::TestServer::Standin(
            Standin::spawn(StandinConfig {
                password: HARNESS_PASSWORD.into(),
                tls: TlsMode::Supported,
                ..StandinConfig::default()
            })
            .expect("the stand-in starts"),
        );
        let mgc = common::unique_db_name("ps_mgc");
        let legacy = common::unique_db_name("ps_gc");
        runtime.block_on(async {
            let mut admin = server.admin("master").await;
            create_database(&mut admin, &mgc, DatabaseKind::Mgc2013)
                .await
                .expect("mgc schema");
            let mut admin = server.admin("master").await;
            create_database(&mut admin, &legacy, DatabaseKind::Legacy2010)
                .await
                .expect("legacy schema");
        });
        // Import-PChatMigrationData: ConvertTo-PChatConnectionParameter's fields (SqlServer login from
        // -Credential, -Encryption Mandatory, -CACertificatePath resolved), then the import's own.
        let connection = |database: &str| {
            let mut c = server.connection_params(Some(database));
            c["authentication"] = serde_json::json!("SqlServer");
            c["encryption"] = serde_json::json!("Mandatory");
            c["trustServerCertificate"] = serde_json::json!(false);
            c
        };
        let import_params = |database: &str| {
            serde_json::json!({
                "connection": connection(database),
                "fileName": package.display().to_string(),
                "whatIf": true,
                "conflictAction": "Fail",
                "force": false,
                "topicToDescription": false,
                "includeDisabledRooms": false,
            })
        };
        // The cmdlet's request is the library's contract (ImportParams refuses unknown fields).
        let params: pchat_migrate::target::ImportParams =
            serde_json::from_value(import_params(&mgc))
                .expect("the cmdlet's request is an ImportParams");
        assert!(params.what_if);
        let write = |name: &str, operation: &str, params: serde_json::Value| {
            let path = out.join(name);
            let request = serde_json::json!({ "operation": operation, "params": params });
            std::fs::write(&path, request.to_string()).expect("write the request");
            path
        };
        let import_request = write("import.json", "import", import_params(&mgc));
        let bad_import_request = write("import-legacy.json", "import", import_params(&legacy));
        let readiness_request = write(
            "readiness.json",
            "readiness",
            serde_json::json!({
                "fileName": package.display().to_string(),
                "target": connection(&mgc),
                "force": false,
                "topicToDescription": false,
                "includeDisabledRooms": false,
                "conflictAction": "Fail",
            }),
        );
        // Test-PChatMigration: the target connection as above, the source, the cmdlet's defaults (switches sent as
        // false, -ConflictAction Fail) and the decommission facts it was given.
        let verify_params = |source: (&str, serde_json::Value)| {
            let mut params = serde_json::json!({
                "connection": connection(&mgc),
                "quick": false,
                "force": false,
                "conflictAction": "Fail",
                "topicToDescription": false,
                "includeDisabledRooms": false,
                "decommission": {
                    "legacyPoolFqdn": VERIFY_LEGACY_POOL,
                    "trustedApplicationId": "GroupChat",
                    "legacyServers": ["gc01.contoso.com"],
                    "persistentChatPoolFqdn": "pcpool.contoso.com",
                    "lookupSipAddress": "sip:ocschat@contoso.com",
                },
            });
            params[source.0] = source.1;
            // The cmdlet's params are the library's contract (VerifyParams refuses unknown fields).
            let parsed: pchat_migrate::verify::VerifyParams =
                serde_json::from_value(params.clone())
                    .expect("Test-PChatMigration's params are a VerifyParams");
            assert_eq!(
                parsed.decommission.legacy_pool_fqdn.as_deref(),
                Some(VERIFY_LEGACY_POOL)
            );
            params
        };
        let write_params = |name: &str, params: serde_json::Value| {
            let path = out.join(name);
            std::fs::write(&path, params.to_string()).expect("write the params");
            path
        };
        let verify_package = write_params(
            "verify-params.json",
            verify_params(("fileName", serde_json::json!(package.display().to_string()))),
        );
        let verify_database = write_params(
            "verify-database-params.json",
            verify_params(("sourceConnection", connection(&legacy))),
        );
        let migration = write_migration_config(&server, &runtime, out);
        ImportTargets {
            server,
            runtime,
            mgc,
            migration,
            import_request,
            bad_import_request,
            readiness_request,
            verify_params: verify_package,
            verify_database_params: verify_database,
        }
    }

    /// Test-PChatClientAccess's params against a generated mgc (with members added): the connection as
    /// ConvertTo-PChatConnectionParameter builds it, facts with the keys Get-PChatClientAccessFact writes (every
    /// third user on the 2010 pool, no endpoint), `force` false. Returns the file and the summary's user counts
    /// (new,legacy,none,unexpanded) the job gives in-process, for the harness to compare with what P/Invoke gets.
    fn client_access(&self, out: &Path) -> (PathBuf, String) {
        let (db, rows) = self.runtime.block_on(async {
            let db =
                apply_support::seeded_mgc(&self.server, 8803, chat_fixtures::Size::Small).await;
            client_access_support::add_members(&self.server, &db).await;
            let rows = client_access_support::member_rows(&self.server, &db).await;
            (db, rows)
        });
        let uris: BTreeSet<String> = rows
            .iter()
            .filter(|r| r.2 == "user")
            .map(|r| r.1.to_lowercase())
            .collect();
        let mut connection = self.server.connection_params(Some(&db));
        connection["authentication"] = serde_json::json!("SqlServer");
        connection["encryption"] = serde_json::json!("Mandatory");
        connection["trustServerCertificate"] = serde_json::json!(false);
        let params = serde_json::json!({
            "connection": connection,
            "facts": client_access_facts(&uris),
            "force": false,
            "problemsOnly": false,
        });
        let (result, _) =
            common::run_job(serde_json::json!({"operation": "client_access", "params": params}));
        let report: pchat_migrate::client_access::ClientAccessReport =
            serde_json::from_value(result.expect("client_access runs in-process"))
                .expect("a ClientAccessReport");
        let u = report.summary.users;
        let expect = format!(
            "{},{},{},{}",
            u.can_use_new_client, u.depends_on_legacy, u.no_access, u.unexpanded_principals
        );
        let path = out.join("client-access-params.json");
        std::fs::write(&path, params.to_string()).expect("write the client access params");
        (path, expect)
    }

    fn mgc_counts(&self) -> BTreeMap<String, i64> {
        self.runtime.block_on(async {
            let mut admin = self.server.admin(&self.mgc).await;
            table_counts::row_counts(&mut admin).await
        })
    }
}

/// The connection params ConvertTo-PChatConnectionParameter builds for the stand-in (a SqlServer login from
/// -Credential, -Encryption Mandatory, -CACertificatePath resolved).
fn cmdlet_connection(server: &common::TestServer, database: &str) -> serde_json::Value {
    let mut c = server.connection_params(Some(database));
    c["authentication"] = serde_json::json!("SqlServer");
    c["encryption"] = serde_json::json!("Mandatory");
    c["trustServerCertificate"] = serde_json::json!(false);
    c
}

/// The Persistent Chat pool of the harness's Start-PChatMigration run (the legacy-client facts' pool).
const MIGRATION_POOL: &str = "pcpool.contoso.com";

/// Start-PChatMigration against the stand-in: a generated Lync 2010 deployment (tiny) in its own legacy database,
/// a fresh mgc of its own (the other harness checks expect theirs untouched), a name map for the names the
/// readiness check finds too long (as demo.sh writes one), and each stage's params shaped exactly as the stage
/// cmdlet builds them from Start-PChatMigration's parameters, each parsed here as the library's params type. The
/// harness gathers the package facts itself, asks migration_plan and runs the stages in its order.
fn write_migration_config(
    server: &common::TestServer,
    runtime: &tokio::runtime::Runtime,
    out: &Path,
) -> PathBuf {
    use chat_fixtures::{DatabaseKind, Schema, Size};
    let legacy = common::unique_db_name("ps_mig_gc");
    let mgc = common::unique_db_name("ps_mig_mgc");
    runtime.block_on(async {
        let mut admin = server.admin("master").await;
        let schema = Schema::from(DatabaseKind::Legacy2010);
        chat_fixtures::create_database_as(&mut admin, &legacy, schema)
            .await
            .expect("legacy schema");
        let model = chat_fixtures::generate_model(4242, Size::Tiny);
        chat_fixtures::write_schema(&mut admin, &model, schema)
            .await
            .expect("legacy data");
        let mut admin = server.admin("master").await;
        chat_fixtures::create_database(&mut admin, &mgc, DatabaseKind::Mgc2013)
            .await
            .expect("mgc schema");
    });
    let dir = out.join("migration");
    std::fs::create_dir_all(&dir).expect("migration folder");
    let package = dir.join("GroupChat.zip").display().to_string();
    let names = dir.join("names.json");
    let source = cmdlet_connection(server, &legacy);
    let target = cmdlet_connection(server, &mgc);
    // The names too long once flattened: new names, as an administrator (and demo.sh) writes them.
    let (found, _) = common::run_job(serde_json::json!({"operation": "readiness", "params": {
        "source": source.clone(), "target": target.clone(),
    }}));
    let found = found.expect("readiness of the seeded legacy database");
    let mut map = serde_json::Map::new();
    for finding in found["findings"].as_array().expect("findings") {
        let fixable = ["name_too_long", "name_collision", "name_empty"]
            .contains(&finding["code"].as_str().unwrap_or(""));
        if finding["severity"] == "Error" && fixable {
            if let Some(entity) = finding["entity"].as_str() {
                let renamed = format!("Renamed {}", map.len() + 1);
                map.insert(entity.to_string(), serde_json::json!(renamed));
            }
        }
    }
    // The harness's first run (without these names) must stop at the readiness stage.
    assert!(
        !map.is_empty(),
        "the seeded deployment has no name the readiness check refuses: {found}"
    );
    std::fs::write(&names, serde_json::Value::Object(map).to_string()).expect("name map");
    let names = names.display().to_string();
    // The conversion options every stage gets from Start-PChatMigration (-NameMap; the switches sent as false).
    let conversion = serde_json::json!({
        "nameMapFile": names, "conflictAction": "Fail", "topicToDescription": false, "includeDisabledRooms": false,
    });
    let with = |base: serde_json::Value, extra: &serde_json::Value| {
        let mut merged = base;
        for (k, v) in extra.as_object().expect("object") {
            merged[k] = v.clone();
        }
        merged
    };
    let readiness_database = with(
        serde_json::json!({"source": source, "target": target, "force": false}),
        &conversion,
    );
    let mut readiness_without_names = readiness_database.clone();
    readiness_without_names
        .as_object_mut()
        .expect("object")
        .remove("nameMapFile");
    let readiness_package = with(
        serde_json::json!({"fileName": package, "target": target, "force": false}),
        &conversion,
    );
    let export = serde_json::json!({
        "connection": source, "fileName": package, "asBytes": false, "force": false, "level": "All",
        "disableExportedNodes": false, "throttleLimit": 4,
    });
    let import = |what_if: bool| {
        with(
            serde_json::json!({"connection": target, "fileName": package, "whatIf": what_if, "force": false}),
            &conversion,
        )
    };
    let verify = with(
        serde_json::json!({"connection": target, "fileName": package, "quick": false, "force": false,
            "decommission": {"persistentChatPoolFqdn": MIGRATION_POOL}}),
        &conversion,
    );
    // Each is the library's contract (the params types refuse unknown fields).
    let _: pchat_migrate::readiness::ReadinessParams =
        serde_json::from_value(readiness_database.clone()).expect("readiness params (database)");
    let _: pchat_migrate::readiness::ReadinessParams =
        serde_json::from_value(readiness_package.clone()).expect("readiness params (package)");
    let _: pchat_migrate::export::ExportParams =
        serde_json::from_value(export.clone()).expect("export params");
    let _: pchat_migrate::target::ImportParams =
        serde_json::from_value(import(false)).expect("import params");
    let _: pchat_migrate::verify::VerifyParams =
        serde_json::from_value(verify.clone()).expect("verify params");
    // The facts Start-PChatMigration sends to migration_plan, less what the harness gathers (whatIf, package).
    let facts = serde_json::json!({
        "stopAfterWhatIf": false, "skipLegacyClientAccess": false, "force": false,
        "source": {"dbInstance": source["dbInstance"], "dbName": legacy},
        "export": {"level": "All"},
        "persistentChatPoolFqdn": MIGRATION_POOL,
    });
    let config = serde_json::json!({
        "facts": facts, "fileName": package,
        "readinessDatabase": readiness_database, "readinessPackage": readiness_package,
        "readinessDatabaseWithoutNames": readiness_without_names,
        "export": export, "importPlan": import(true), "import": import(false), "verify": verify,
    });
    let path = out.join("migration.json");
    std::fs::write(&path, config.to_string()).expect("write the migration config");
    path
}

// ---------------------------------------------------------------------------------------------------------------
// 3. P/Invoke declarations against the C header
// ---------------------------------------------------------------------------------------------------------------

/// A C type reduced to what matters for marshalling.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CType {
    base: String,
    pointers: usize,
    is_const: bool,
}

impl std::fmt::Display for CType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let constness = if self.is_const { "const " } else { "" };
        write!(f, "{constness}{}{}", self.base, " *".repeat(self.pointers))
    }
}

#[derive(Debug)]
struct CFunction {
    name: String,
    ret: CType,
    params: Vec<CType>,
}

#[derive(Debug)]
struct CsParam {
    modifier: Option<String>,
    ty: String,
}

#[derive(Debug)]
struct CsExtern {
    name: String,
    ret: String,
    params: Vec<CsParam>,
    attribute: String,
    line: usize,
}

/// Removes `/* */` and `//` comments, keeping newlines (and string literals) intact.
fn strip_comments(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '"' || c == '\'' {
            // A string or char literal: copy it verbatim up to the closing quote.
            out.push(c);
            i += 1;
            while i < chars.len() && chars[i] != c && chars[i] != '\n' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    out.push(chars[i]);
                    i += 1;
                }
                out.push(chars[i]);
                i += 1;
            }
            if i < chars.len() {
                out.push(chars[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                if chars[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_identifier(token: &str) -> bool {
    let mut chars = token.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses `const char *name`, `struct pcm_job **job_out`, `uint32_t`, `void` (with or without a name).
fn parse_c_decl(text: &str, with_name: bool) -> (CType, Option<String>) {
    let pointers = text.matches('*').count();
    let cleaned = text.replace('*', " ");
    let mut tokens: Vec<&str> = cleaned.split_whitespace().collect();
    let is_const = tokens.contains(&"const");
    tokens.retain(|t| *t != "const" && *t != "struct" && *t != "enum" && *t != "extern");
    let name = if with_name && tokens.len() >= 2 && is_identifier(tokens[tokens.len() - 1]) {
        tokens.pop().map(str::to_string)
    } else {
        None
    };
    let ty = CType {
        base: tokens.join(" "),
        pointers,
        is_const,
    };
    (ty, name)
}

/// Function prototypes named `pcm_*` in C text (a header, or the code block of docs/c-abi.md).
fn parse_c_functions(text: &str) -> Vec<CFunction> {
    let code: String = strip_comments(text)
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let mut functions = Vec::new();
    for statement in code.split(';') {
        // Drop whatever precedes the last brace (`extern "C" {`, the end of an enum, ...).
        let statement = statement.rsplit(['{', '}']).next().unwrap_or("").trim();
        let (Some(open), Some(close)) = (statement.find('('), statement.rfind(')')) else {
            continue;
        };
        if statement.starts_with("typedef") || close < open {
            continue;
        }
        let (ret, name) = parse_c_decl(&statement[..open], true);
        let Some(name) = name.filter(|n| n.starts_with("pcm_")) else {
            continue;
        };
        let inner = statement[open + 1..close].trim();
        let params = if inner.is_empty() || inner == "void" {
            Vec::new()
        } else {
            inner.split(',').map(|p| parse_c_decl(p, true).0).collect()
        };
        functions.push(CFunction { name, ret, params });
    }
    functions
}

/// `PCM_STATUS_X = N` (enum) and `#define PCM_STATUS_X N` in a header.
fn parse_header_statuses(text: &str) -> BTreeMap<String, i64> {
    let code = strip_comments(text);
    let mut statuses = BTreeMap::new();
    for piece in code.split([',', '\n', '{', '}']) {
        let piece = piece.trim();
        let piece = piece
            .strip_prefix("#define")
            .map(str::trim)
            .unwrap_or(piece);
        if !piece.starts_with("PCM_STATUS_") {
            continue;
        }
        let (name, value) = match piece.split_once('=') {
            Some((name, value)) => (name.trim(), value.trim()),
            None => match piece.split_once(char::is_whitespace) {
                Some((name, value)) => (name.trim(), value.trim()),
                None => continue,
            },
        };
        if let Ok(value) = value.trim_matches(|c| c == '(' || c == ')').parse::<i64>() {
            statuses.insert(name.to_string(), value);
        }
    }
    statuses
}

/// The `| 7001 | PCM_STATUS_NULL_ARGUMENT | ... |` rows of docs/c-abi.md.
fn parse_doc_statuses(text: &str) -> BTreeMap<String, i64> {
    let mut statuses = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() >= 3 && cells[2].starts_with("PCM_STATUS_") {
            if let Ok(value) = cells[1].parse::<i64>() {
                statuses.insert(cells[2].to_string(), value);
            }
        }
    }
    statuses
}

/// The ```c block of docs/c-abi.md's "## Functions" section.
fn doc_function_block(doc: &str) -> String {
    let section = doc
        .split("## Functions")
        .nth(1)
        .expect("docs/c-abi.md has a '## Functions' section");
    let block = section
        .split("```c")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/c-abi.md's Functions section has a ```c block");
    block.to_string()
}

/// Every `[DllImport(...)] ... static extern ...;` in the C# text.
fn parse_cs_externs(source: &str) -> (Vec<CsExtern>, usize) {
    let code = strip_comments(source);
    let mut externs = Vec::new();
    let mut rest = code.as_str();
    let mut offset = 0;
    while let Some(start) = rest.find("[DllImport(") {
        let after = &rest[start..];
        // The attribute ends at its matching ']'.
        let mut depth = 0usize;
        let mut end = 0;
        for (i, c) in after.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let attribute = after[1..end].to_string();
        let declaration_end = after[end..]
            .find(';')
            .map(|i| end + i)
            .expect("declaration ends with ';'");
        let mut declaration = after[end + 1..declaration_end].trim().to_string();
        // Further attributes such as [return: MarshalAs(...)] before the declaration.
        while declaration.starts_with('[') {
            let close = declaration.find(']').expect("attribute closes");
            declaration = declaration[close + 1..].trim().to_string();
        }
        let line = code[..offset + start].matches('\n').count() + 1;
        let open = declaration.find('(').expect("extern has a parameter list");
        let close = declaration
            .rfind(')')
            .expect("extern parameter list closes");
        let head: Vec<&str> = declaration[..open].split_whitespace().collect();
        assert!(
            head.contains(&"static") && head.contains(&"extern") && head.len() >= 2,
            "line {line}: a [DllImport] not followed by a static extern method: {declaration}"
        );
        let name = head[head.len() - 1].to_string();
        let ret = head[head.len() - 2].to_string();
        let inner = declaration[open + 1..close].trim();
        let params = if inner.is_empty() {
            Vec::new()
        } else {
            inner
                .split(',')
                .map(|param| {
                    let mut param = param.trim().to_string();
                    while param.starts_with('[') {
                        let close = param.find(']').expect("parameter attribute closes");
                        param = param[close + 1..].trim().to_string();
                    }
                    let tokens: Vec<&str> = param.split_whitespace().collect();
                    let (modifier, ty) = match tokens.as_slice() {
                        [m, ty, _name] if ["out", "ref", "in"].contains(m) => {
                            (Some(m.to_string()), ty.to_string())
                        }
                        [ty, _name] => (None, ty.to_string()),
                        _ => panic!("line {line}: cannot read the parameter '{param}' of {name}"),
                    };
                    CsParam { modifier, ty }
                })
                .collect()
        };
        externs.push(CsExtern {
            name,
            ret,
            params,
            attribute,
            line,
        });
        offset += start + declaration_end;
        rest = &rest[start + declaration_end..];
    }
    let extern_count = code
        .lines()
        .filter(|line| line.split_whitespace().any(|t| t == "extern"))
        .count();
    (externs, extern_count)
}

/// Names of the C# classes deriving from a SafeHandle type.
fn safe_handle_classes(source: &str) -> BTreeSet<String> {
    let mut classes = BTreeSet::new();
    let code = strip_comments(source);
    let mut rest = code.as_str();
    while let Some(at) = rest.find("class ") {
        let tail = &rest[at + 6..];
        let name: String = tail
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let header = tail.split('{').next().unwrap_or("");
        if let Some((_, bases)) = header.split_once(':') {
            if bases.split(',').any(|b| b.trim().starts_with("SafeHandle")) {
                classes.insert(name);
            }
        }
        rest = tail;
    }
    classes
}

/// `public const int Name = value;` in `class PcmStatus`.
fn cs_statuses(source: &str) -> BTreeMap<String, i64> {
    let code = strip_comments(source);
    let body = code
        .split("class PcmStatus")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .expect("PChatMigrationNative.cs declares class PcmStatus");
    let mut statuses = BTreeMap::new();
    for statement in body.split(';') {
        if let Some((left, right)) = statement.split_once('=') {
            let tokens: Vec<&str> = left.split_whitespace().collect();
            if tokens.contains(&"const") {
                if let (Some(name), Ok(value)) = (tokens.last(), right.trim().parse::<i64>()) {
                    statuses.insert(name.to_string(), value);
                }
            }
        }
    }
    statuses
}

/// `NullArgument` -> `NULL_ARGUMENT`, `InvalidUtf8` -> `INVALID_UTF8`.
fn screaming_snake(pascal: &str) -> String {
    let mut out = String::new();
    for (i, c) in pascal.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

const SCALARS: [(&str, &[&str]); 8] = [
    ("int32_t", &["int", "Int32", "System.Int32"]),
    ("uint32_t", &["uint", "UInt32", "System.UInt32"]),
    ("int64_t", &["long", "Int64", "System.Int64"]),
    ("uint64_t", &["ulong", "UInt64", "System.UInt64"]),
    ("uintptr_t", &["UIntPtr", "System.UIntPtr"]),
    ("size_t", &["UIntPtr", "System.UIntPtr"]),
    ("pcm_status", &["int", "Int32", "System.Int32"]),
    ("bool", &["byte"]),
];

/// Why a C parameter and a C# parameter do not match, or None when they do.
fn param_mismatch(c: &CType, cs: &CsParam, safe_handles: &BTreeSet<String>) -> Option<String> {
    let modifier = cs.modifier.as_deref();
    let is_intptr = cs.ty == "IntPtr" || cs.ty == "System.IntPtr";
    let expected: String = if c.base == "char" && c.pointers == 1 && c.is_const {
        // const char * in: NUL-terminated UTF-8 bytes.
        if modifier.is_none() && cs.ty == "byte[]" {
            return None;
        }
        "byte[] (NUL-terminated UTF-8)".into()
    } else if c.base == "char" && c.pointers == 1 {
        // char * handed back to the library (pcm_string_free).
        if modifier.is_none() && is_intptr {
            return None;
        }
        "IntPtr".into()
    } else if c.pointers == 2 {
        // char ** / pcm_job ** out-parameters.
        if modifier == Some("out") && is_intptr {
            return None;
        }
        "out IntPtr".into()
    } else if c.pointers == 1
        && c.base != "void"
        && !SCALARS.iter().any(|(name, _)| *name == c.base)
    {
        // An opaque handle (pcm_job *).
        if modifier.is_none() && (is_intptr || safe_handles.contains(&cs.ty)) {
            return None;
        }
        format!(
            "IntPtr or a SafeHandle class ({})",
            safe_handles.iter().cloned().collect::<Vec<_>>().join(", ")
        )
    } else if c.pointers == 0 {
        match SCALARS.iter().find(|(name, _)| *name == c.base) {
            Some((_, accepted)) => {
                if modifier.is_none() && accepted.contains(&cs.ty.as_str()) {
                    return None;
                }
                accepted.join(" or ")
            }
            None => {
                return Some(format!(
                    "C type '{c}' has no known C# counterpart; extend the mapping in tests/powershell_checks.rs"
                ))
            }
        }
    } else {
        return Some(format!(
            "C type '{c}' has no known C# counterpart; extend the mapping in tests/powershell_checks.rs"
        ));
    };
    let actual = match modifier {
        Some(m) => format!("{m} {}", cs.ty),
        None => cs.ty.clone(),
    };
    Some(format!(
        "C '{c}' needs {expected}, the C# declaration has '{actual}'"
    ))
}

fn return_mismatch(c: &CType, cs: &str, safe_handles: &BTreeSet<String>) -> Option<String> {
    let ok = if c.base == "void" && c.pointers == 0 {
        cs == "void"
    } else if c.pointers == 1 {
        // Strings (static or owned) and handles come back as IntPtr, never as `string` (the marshaller would free
        // them with CoTaskMemFree).
        cs == "IntPtr" || cs == "System.IntPtr" || (c.base != "char" && safe_handles.contains(cs))
    } else if c.pointers == 0 {
        match SCALARS.iter().find(|(name, _)| *name == c.base) {
            Some((_, accepted)) => accepted.contains(&cs),
            None => {
                return Some(format!(
                    "C return type '{c}' has no known C# counterpart; extend the mapping in tests/powershell_checks.rs"
                ))
            }
        }
    } else {
        false
    };
    (!ok).then(|| format!("C returns '{c}', the C# declaration returns '{cs}'"))
}

/// Compares the C# externs with the C prototypes; returns every problem found.
fn compare_declarations(c_functions: &[CFunction], cs_source: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let (externs, extern_lines) = parse_cs_externs(cs_source);
    let safe_handles = safe_handle_classes(cs_source);
    if extern_lines != externs.len() {
        problems.push(format!(
            "{extern_lines} lines declare `extern` but {} declarations carry [DllImport]",
            externs.len()
        ));
    }
    let mut seen = BTreeSet::new();
    for ext in &externs {
        let at = format!("PChatMigrationNative.cs:{}: {}", ext.line, ext.name);
        if !seen.insert(ext.name.clone()) {
            problems.push(format!("{at}: declared twice"));
        }
        // [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)], entry point = the C name.
        let args: Vec<String> = ext
            .attribute
            .trim_start_matches("DllImport(")
            .trim_end_matches(')')
            .split(',')
            .map(|a| a.split_whitespace().collect::<String>())
            .collect();
        if args.first().map(String::as_str) != Some("Lib") {
            problems.push(format!(
                "{at}: the library must be the Lib constant, not {:?}",
                args.first()
            ));
        }
        if !args
            .iter()
            .any(|a| a == "CallingConvention=CallingConvention.Cdecl")
        {
            problems.push(format!(
                "{at}: missing CallingConvention = CallingConvention.Cdecl"
            ));
        }
        let entry_point = args
            .iter()
            .find_map(|a| a.strip_prefix("EntryPoint="))
            .map(|e| e.trim_matches('"').to_string());
        let c_name = entry_point.unwrap_or_else(|| ext.name.clone());
        let Some(function) = c_functions.iter().find(|f| f.name == c_name) else {
            problems.push(format!("{at}: no function '{c_name}' in the C header"));
            continue;
        };
        if let Some(problem) = return_mismatch(&function.ret, &ext.ret, &safe_handles) {
            problems.push(format!("{at}: {problem}"));
        }
        if function.params.len() != ext.params.len() {
            problems.push(format!(
                "{at}: C has {} parameter(s), C# has {}",
                function.params.len(),
                ext.params.len()
            ));
            continue;
        }
        // `<name>_ptr` (EntryPoint = "<name>") takes its `const char *` as an IntPtr to a NUL-terminated UTF-8
        // buffer the caller built in unmanaged memory (SecureRequest: a password never in a managed array).
        let unmanaged_text = ext.name == format!("{c_name}_ptr");
        for (index, (c, cs)) in function.params.iter().zip(&ext.params).enumerate() {
            let is_const_text = c.base == "char" && c.pointers == 1 && c.is_const;
            if unmanaged_text && is_const_text && cs.modifier.is_none() && cs.ty == "IntPtr" {
                continue;
            }
            if let Some(problem) = param_mismatch(c, cs, &safe_handles) {
                problems.push(format!("{at}: parameter {}: {problem}", index + 1));
            }
        }
    }
    for function in c_functions {
        let declared = externs.iter().any(|e| {
            e.name == function.name
                || e.attribute
                    .contains(&format!("EntryPoint = \"{}\"", function.name))
        });
        if !declared {
            problems.push(format!(
                "{} is exported by the C header but has no P/Invoke declaration",
                function.name
            ));
        }
    }
    problems
}

fn compare_statuses(c_statuses: &BTreeMap<String, i64>, cs_source: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let cs = cs_statuses(cs_source);
    for (name, value) in c_statuses {
        let matching = cs
            .iter()
            .find(|(cs_name, _)| format!("PCM_STATUS_{}", screaming_snake(cs_name)) == *name);
        match matching {
            None => problems.push(format!(
                "status {name} = {value} has no constant in PcmStatus"
            )),
            Some((cs_name, cs_value)) if cs_value != value => problems.push(format!(
                "PcmStatus.{cs_name} = {cs_value}, but {name} = {value}"
            )),
            Some(_) => {}
        }
    }
    for (cs_name, cs_value) in &cs {
        let c_name = format!("PCM_STATUS_{}", screaming_snake(cs_name));
        if !c_statuses.contains_key(&c_name) {
            problems.push(format!(
                "PcmStatus.{cs_name} = {cs_value} is not a status of the C ABI ({c_name})"
            ));
        }
    }
    problems
}

/// The C prototypes and statuses the module must match: the cbindgen header when it exists, else docs/c-abi.md.
fn c_abi() -> (String, Vec<CFunction>, BTreeMap<String, i64>) {
    let header = header_path();
    if header.is_file() {
        let text = read(&header);
        (
            header.display().to_string(),
            parse_c_functions(&text),
            parse_header_statuses(&text),
        )
    } else {
        let doc = read(&repo().join("docs").join("c-abi.md"));
        (
            "docs/c-abi.md (no header yet)".into(),
            parse_c_functions(&doc_function_block(&doc)),
            parse_doc_statuses(&doc),
        )
    }
}

#[test]
fn pinvoke_declarations_match_the_c_header() {
    let (source, functions, statuses) = c_abi();
    assert!(
        functions.len() >= 3,
        "found only {} pcm_ functions in {source}: {functions:?}",
        functions.len()
    );
    assert!(
        !statuses.is_empty(),
        "found no PCM_STATUS_ codes in {source}"
    );
    let cs = read(&native_cs_path());
    let mut problems = compare_declarations(&functions, &cs);
    problems.extend(compare_statuses(&statuses, &cs));
    assert!(
        problems.is_empty(),
        "Native/PChatMigrationNative.cs does not match {source}:\n  {}",
        problems.join("\n  ")
    );
    println!(
        "{} P/Invoke declarations and {} status codes match {source}",
        functions.len(),
        statuses.len()
    );
}

#[test]
fn module_abi_version_matches_the_header() {
    let header = header_path();
    if !header.is_file() {
        println!("no include/pchat_migrate.h yet; the Mono harness compares the ABI version with the library");
        return;
    }
    let text = strip_comments(&read(&header));
    let abi: u32 = text
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("#define PCM_ABI_VERSION")?
                .trim()
                .parse()
                .ok()
        })
        .expect("include/pchat_migrate.h defines PCM_ABI_VERSION");
    assert_eq!(
        module_abi_version(),
        abi,
        "PersistentChatMigration.psm1's $script:PChatExpectedAbiVersion differs from PCM_ABI_VERSION in the header"
    );
}

#[test]
fn c_abi_doc_and_header_list_the_same_functions() {
    let header = header_path();
    if !header.is_file() {
        println!("no include/pchat_migrate.h yet");
        return;
    }
    let doc = read(&repo().join("docs").join("c-abi.md"));
    let documented: BTreeMap<String, usize> = parse_c_functions(&doc_function_block(&doc))
        .into_iter()
        .map(|f| (f.name, f.params.len()))
        .collect();
    let exported: BTreeMap<String, usize> = parse_c_functions(&read(&header))
        .into_iter()
        .map(|f| (f.name, f.params.len()))
        .collect();
    assert_eq!(
        documented, exported,
        "docs/c-abi.md (left) and include/pchat_migrate.h (right) disagree on the functions or their parameter counts"
    );
}

/// The checker itself: a deliberately wrong declaration set must be reported.
#[test]
fn declaration_comparison_reports_mismatches() {
    let header = "typedef struct pcm_job pcm_job;\n\
                  int32_t pcm_call(const char *request_json, char **response_out);\n\
                  int32_t pcm_job_poll(struct pcm_job *job,\n    uint32_t timeout_ms,\n    char **response_out);\n\
                  void pcm_string_free(char *s);\n\
                  const char *pcm_version(void);\n";
    let functions = parse_c_functions(header);
    assert_eq!(functions.len(), 4, "{functions:?}");
    let good = "class H : SafeHandleZeroOrMinusOneIsInvalid { }\n\
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]\n\
        public static extern int pcm_call(byte[] request_json, out IntPtr response_out);\n\
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]\n\
        public static extern int pcm_job_poll(H job, uint timeout_ms, out IntPtr response_out);\n\
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]\n\
        public static extern void pcm_string_free(IntPtr s);\n\
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]\n\
        public static extern IntPtr pcm_version();\n";
    assert_eq!(compare_declarations(&functions, good), Vec::<String>::new());
    // The unmanaged-buffer twin (SecureRequest) may take an IntPtr; the plain declaration may not.
    let with_ptr = format!(
        "{good}[DllImport(Lib, EntryPoint = \"pcm_call\", CallingConvention = CallingConvention.Cdecl)]\n\
         public static extern int pcm_call_ptr(IntPtr request_json, out IntPtr response_out);\n"
    );
    assert_eq!(
        compare_declarations(&functions, &with_ptr),
        Vec::<String>::new()
    );
    let plain_intptr = good.replace("byte[] request_json", "IntPtr request_json");
    assert!(compare_declarations(&functions, &plain_intptr)
        .iter()
        .any(|p| p.contains("needs byte[]")));
    for (wrong, expected) in [
        (
            good.replace("byte[] request_json", "string request_json"),
            "needs byte[]",
        ),
        (
            good.replace(
                "byte[] request_json, out IntPtr",
                "byte[] request_json, IntPtr",
            ),
            "needs out IntPtr",
        ),
        (
            good.replace("uint timeout_ms", "int timeout_ms"),
            "needs uint",
        ),
        (
            good.replace("extern IntPtr pcm_version", "extern string pcm_version"),
            "returns 'string'",
        ),
        (
            good.replace(
                "pcm_string_free(IntPtr s)",
                "pcm_string_free(IntPtr s, int n)",
            ),
            "C has 1 parameter(s), C# has 2",
        ),
        (
            good.replace("pcm_string_free", "pcm_string_fre"),
            "no function 'pcm_string_fre'",
        ),
        (
            good.replace(
                ", CallingConvention = CallingConvention.Cdecl)]\npublic static extern IntPtr",
                ")]\npublic static extern IntPtr",
            ),
            "Cdecl",
        ),
    ] {
        let problems = compare_declarations(&functions, &wrong);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "expected a problem containing '{expected}', got {problems:?}\n{wrong}"
        );
    }
}

// ---------------------------------------------------------------------------------------------------------------
// 4. The import and readiness cmdlets against the library's contracts
// ---------------------------------------------------------------------------------------------------------------

/// The text of the Format.ps1xml view named `name`, from its `<Name>` to its `</View>`.
fn format_view(name: &str) -> String {
    let format = read(&module_dir().join("PersistentChatMigration.Format.ps1xml"));
    let start = format
        .find(&format!("<Name>{name}</Name>"))
        .unwrap_or_else(|| panic!("no view {name}"));
    let end = start + format[start..].find("</View>").expect("view end");
    format[start..end].to_string()
}

fn public_script(name: &str) -> String {
    read(&module_dir().join("Public").join(format!("{name}.ps1")))
}

/// The fields Import-PChatMigrationData sends are the library's `ImportParams` fields: each is spelled in the
/// script as a request key (`name = ...` or `['name']`), and a request with all of them is an ImportParams
/// (which refuses unknown fields). A misspelled key in the cmdlet fails the first check; a field renamed in the
/// library fails the second.
#[test]
fn import_cmdlet_sends_the_import_params_fields() {
    let script = public_script("Import-PChatMigrationData");
    let fields = [
        ("connection", serde_json::json!({ "dbInstance": "sql13" })),
        ("fileName", serde_json::json!("p.zip")),
        ("whatIf", serde_json::json!(true)),
        ("conflictAction", serde_json::json!("Rename")),
        ("force", serde_json::json!(true)),
        ("report", serde_json::json!("r.html")),
        ("nameMapFile", serde_json::json!("names.csv")),
        ("nameSeparator", serde_json::json!(" / ")),
        ("settingConflict", serde_json::json!("MostPermissive")),
        ("topicToDescription", serde_json::json!(true)),
        ("includeDisabledRooms", serde_json::json!(true)),
        ("rootRoomsCategory", serde_json::json!("Lobby")),
        ("batchSize", serde_json::json!(2000)),
    ];
    let mut request = serde_json::Map::new();
    for (field, value) in &fields {
        assert!(
            script.contains(&format!("{field} = ")) || script.contains(&format!("['{field}']")),
            "Import-PChatMigrationData never sends '{field}'"
        );
        request.insert(field.to_string(), value.clone());
    }
    let params: pchat_migrate::target::ImportParams =
        serde_json::from_value(serde_json::Value::Object(request))
            .expect("every field the cmdlet sends is an ImportParams field");
    assert_eq!(
        params.conflict_action,
        pchat_migrate::target::ConflictAction::Rename
    );
    // The cmdlet's -ConflictAction and -SettingConflict values are the library's names.
    for value in [
        "'Fail', 'Skip', 'Overwrite', 'Rename'",
        "'Strictest', 'MostPermissive'",
    ] {
        assert!(
            script.contains(&format!("[ValidateSet({value})]")),
            "ValidateSet({value})"
        );
    }
    for action in ["Fail", "Skip", "Overwrite", "Rename"] {
        serde_json::from_value::<pchat_migrate::target::ConflictAction>(serde_json::json!(action))
            .unwrap_or_else(|e| panic!("'{action}' is not a ConflictAction: {e}"));
    }
}

/// The shape the issue fixes for the two cmdlets: the import is a High-impact change gated by ShouldProcess,
/// takes packages from the pipeline (bytes, or objects with a Path), and -WhatIf is sent to the library.
#[test]
fn import_and_readiness_cmdlets_have_their_shape() {
    let import = public_script("Import-PChatMigrationData");
    for needle in [
        "SupportsShouldProcess = $true, ConfirmImpact = 'High'",
        "DefaultParameterSetName = 'FileName'",
        "ParameterSetName = 'ByteInput', ValueFromPipeline = $true",
        "ParameterSetName = 'FileName', ValueFromPipelineByPropertyName = $true",
        "[Alias('Path', 'FullName')]",
        "[string] $DBName = 'mgc'",
        "$dryRun = [bool]$WhatIfPreference",
        "$PSCmdlet.ShouldProcess($target, $action)",
        "[System.IO.File]::Delete($tempFile)",
        "'PChatMigration.ImportEntity'",
        "'PChatMigration.ImportSummary'",
        "Operation = 'import'",
    ] {
        assert!(
            import.contains(needle),
            "Import-PChatMigrationData lacks `{needle}`"
        );
    }
    // The temporary file of -ByteInput is removed in a finally block.
    let finally = import.rfind("finally {").expect("a finally block");
    assert!(
        import[finally..].contains("[System.IO.File]::Delete($tempFile)"),
        "the -ByteInput temporary file is removed in finally"
    );
    let readiness = public_script("Test-PChatMigrationReadiness");
    for needle in [
        "ParameterSetName = 'Database'",
        "ParameterSetName = 'FileName', ValueFromPipelineByPropertyName = $true",
        "[string] $TargetDBName = 'mgc'",
        "$TargetCredential",
        "$StartDate",
        "Operation = 'readiness'",
        "'PChatMigration.ReadinessFinding'",
        "'PChatMigration.ReadinessSummary'",
    ] {
        assert!(
            readiness.contains(needle),
            "Test-PChatMigrationReadiness lacks `{needle}`"
        );
    }
    let manifest = read(&module_dir().join("PersistentChatMigration.psd1"));
    for name in ["Import-PChatMigrationData", "Test-PChatMigrationReadiness"] {
        assert!(
            manifest.contains(&format!("'{name}'")),
            "{name} not exported"
        );
    }
}

fn private_script(name: &str) -> String {
    read(&module_dir().join("Private").join(format!("{name}.ps1")))
}

#[test]
fn legacy_client_cmdlet_and_helpers_have_their_shape() {
    let cmdlet = public_script("Enable-PChatLegacyClientAccess");
    for needle in [
        "[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]",
        "[Parameter(Mandatory = $true)]\n        [ValidateNotNullOrEmpty()]\n        [string] $PersistentChatPoolFqdn",
        "[string[]] $SipAddress",
        "[string] $DisplayName",
        "[ValidateSet('Disable', 'RemoveAdUser')]\n        [string] $ReleaseMethod = 'Disable'",
        "[System.Management.Automation.Runspaces.PSSession] $Session",
        "[switch] $PlanOnly",
        "Get-PChatLegacyClientFact @gather",
        "Invoke-PChatLegacyClientPlan -Facts $facts",
        "Invoke-PChatPlanStep -Step @($plan.steps) -Cmdlet $PSCmdlet -Session $Session",
        "'legacy_client_plan_blocked'",
        "'PChatMigration.LegacyClientPlan'",
        "'PChatMigration.LegacyClientPlanStep'",
        "-Name 'Get-CsPersistentChatEndpoint'",
    ] {
        assert!(cmdlet.contains(needle), "Enable-PChatLegacyClientAccess lacks `{needle}`");
    }
    // Blockers stop it, and -PlanOnly returns, before the executor can run anything.
    let executor = cmdlet
        .find("Invoke-PChatPlanStep -Step")
        .expect("executor call");
    let blocked = cmdlet
        .find("'legacy_client_plan_blocked'")
        .expect("blocked error");
    let plan_only = cmdlet.find("if ($PlanOnly)").expect("-PlanOnly branch");
    assert!(
        blocked < executor && plan_only < executor,
        "blockers and -PlanOnly are handled before the steps run"
    );

    let plan = private_script("Invoke-PChatLegacyClientPlan");
    assert!(
        plan.contains("[PChatMigration.Native]::LegacyClientsPlan($json)"),
        "the planner is called through pcm_legacy_clients_plan"
    );
    assert!(
        plan.contains("New-PChatErrorRecord -Envelope $envelope"),
        "planner errors become error records"
    );

    let runner = private_script("Invoke-PChatCsCommand");
    for needle in [
        "Invoke-Command -Session $Session",
        "Import-Module -Name $moduleName",
        "Import-Module Lync",
        "New-PSSession -ConnectionUri https://<front end>/OcsPowershell",
        "ActiveDirectory module",
    ] {
        assert!(
            runner.contains(needle),
            "Invoke-PChatCsCommand lacks `{needle}`"
        );
    }
    let facts = private_script("Get-PChatLegacyClientFact");
    for needle in [
        "-Name 'Get-CsSipDomain'",
        "-Name 'Get-CsService' -Arguments @{ PersistentChatServer = $true }",
        "-Name 'Get-CsService' -Arguments @{ Registrar = $true }",
        "-Name 'Get-CsPersistentChatEndpoint'",
        "-Name 'Get-CsAdUser' -Arguments @{ Filter = $filter }",
        "-Name 'Get-CsAdPrincipal' -Arguments @{ Filter = $filter }",
        "'sip:ocschat@' + $_.name",
    ] {
        assert!(
            facts.contains(needle),
            "Get-PChatLegacyClientFact lacks `{needle}`"
        );
    }
    let executor = private_script("Invoke-PChatPlanStep");
    for needle in [
        "$arguments[[string]$argument.name] = $argument.value",
        "$arguments['Confirm'] = $false",
        "$arguments['ErrorAction'] = 'Stop'",
        "throw $record",
        "'legacy_client_step_failed'",
    ] {
        assert!(
            executor.contains(needle),
            "Invoke-PChatPlanStep lacks `{needle}`"
        );
    }
    let manifest = read(&module_dir().join("PersistentChatMigration.psd1"));
    assert!(
        manifest.contains("'Enable-PChatLegacyClientAccess'"),
        "Enable-PChatLegacyClientAccess not exported"
    );
    let about = read(
        &module_dir()
            .join("en-US")
            .join("about_PersistentChatMigration.help.txt"),
    );
    assert!(
        about.contains("LEGACY CLIENTS") && about.contains("Enable-PChatLegacyClientAccess"),
        "the about_ help has a section on legacy clients"
    );
}

/// Export-PChatArchive sends the library's `ArchiveParams` fields (spelled as request keys), writes under
/// ShouldProcess, takes packages from the pipeline, and is exported with a view for its output.
#[test]
fn archive_cmdlet_sends_the_archive_params_and_has_its_shape() {
    let script = public_script("Export-PChatArchive");
    let fields = [
        ("fileName", serde_json::json!("p.zip")),
        ("outputFolder", serde_json::json!("out")),
        ("rooms", serde_json::json!(["Sales\\Q3"])),
        ("onlyNotMigrated", serde_json::json!(true)),
        ("fileStoreUrl", serde_json::json!("https://fs/store")),
        ("timeZone", serde_json::json!("+01:00")),
        ("messagesPerPage", serde_json::json!(100)),
        ("force", serde_json::json!(true)),
    ];
    let mut request = serde_json::Map::new();
    for (field, value) in &fields {
        assert!(
            script.contains(&format!("['{field}']")),
            "Export-PChatArchive never sends '{field}'"
        );
        request.insert(field.to_string(), value.clone());
    }
    let params: pchat_migrate::archive::ArchiveParams =
        serde_json::from_value(serde_json::Value::Object(request))
            .expect("every field the cmdlet sends is an ArchiveParams field");
    assert_eq!(params.messages_per_page, Some(100));
    for needle in [
        "SupportsShouldProcess = $true",
        "$PSCmdlet.ShouldProcess($target, $action)",
        "ValueFromPipelineByPropertyName = $true",
        "[Alias('Path', 'FullName')]",
        "Resolve-PChatFilePath -Path $OutputFolder -ParameterName 'OutputFolder'",
        "Operation = 'archive'",
        "'PChatMigration.Archive'",
        &format!(
            "[ValidateRange(1, {})]",
            pchat_migrate::archive::params::MAX_MESSAGES_PER_PAGE
        ),
    ] {
        assert!(
            script.contains(needle),
            "Export-PChatArchive lacks `{needle}`"
        );
    }
    // ShouldProcess gates the native job: the job is started only after it said yes.
    let gate = script.find("ShouldProcess(").expect("ShouldProcess");
    let job = script
        .find("Invoke-PChatNativeJob @jobArgs")
        .expect("the job");
    assert!(gate < job, "the job starts before ShouldProcess");
    assert!(
        script[gate..job].contains("return"),
        "a declined ShouldProcess returns before the job"
    );
    let manifest = read(&module_dir().join("PersistentChatMigration.psd1"));
    assert!(
        manifest.contains("'Export-PChatArchive'"),
        "Export-PChatArchive not exported"
    );
    let about = read(
        &module_dir()
            .join("en-US")
            .join("about_PersistentChatMigration.help.txt"),
    );
    assert!(
        about.contains("    Export-PChatArchive\n"),
        "about_ help has no Export-PChatArchive section"
    );
}

/// The fields Copy-PChatFileStore and Get-PChatFileManifest send are the library's `CopyFilesParams` and
/// `FileManifestParams` fields (both refuse unknown fields), the copy is a change gated by ShouldProcess whose
/// -WhatIf is the library's plan, and both are exported with their output types.
#[test]
fn file_cmdlets_send_the_library_params_and_have_their_shape() {
    let copy = public_script("Copy-PChatFileStore");
    let copy_fields = [
        ("source", serde_json::json!("\\\\gc\\files")),
        ("destination", serde_json::json!("\\\\fs\\store")),
        ("fileName", serde_json::json!("p.zip")),
        (
            "connection",
            serde_json::json!({ "dbInstance": "sql01", "dbName": "GroupChat" }),
        ),
        ("overwrite", serde_json::json!(true)),
        ("report", serde_json::json!("r.html")),
        ("force", serde_json::json!(true)),
        ("whatIf", serde_json::json!(true)),
    ];
    let mut request = serde_json::Map::new();
    for (field, value) in &copy_fields {
        assert!(
            copy.contains(&format!("{field} = ")) || copy.contains(&format!("['{field}']")),
            "Copy-PChatFileStore never sends '{field}'"
        );
        request.insert(field.to_string(), value.clone());
    }
    let params: pchat_migrate::files::copy::CopyFilesParams =
        serde_json::from_value(serde_json::Value::Object(request))
            .expect("every field the cmdlet sends is a CopyFilesParams field");
    assert!(params.what_if && params.overwrite);
    for needle in [
        "SupportsShouldProcess = $true",
        "$dryRun = [bool]$WhatIfPreference",
        "$PSCmdlet.ShouldProcess($destinationPath, $action)",
        "Operation = 'copy_files'",
        "'PChatMigration.FileCopySummary'",
        "'file_conflict'",
    ] {
        assert!(
            copy.contains(needle),
            "Copy-PChatFileStore lacks `{needle}`"
        );
    }
    let manifest_cmdlet = public_script("Get-PChatFileManifest");
    let mut request = serde_json::Map::new();
    for (field, value) in [
        ("fileName", serde_json::json!("p.zip")),
        (
            "connection",
            serde_json::json!({ "dbInstance": "sql01", "dbName": "GroupChat" }),
        ),
        ("output", serde_json::json!("links.csv")),
        ("force", serde_json::json!(false)),
    ] {
        assert!(
            manifest_cmdlet.contains(&format!("{field} = "))
                || manifest_cmdlet.contains(&format!("['{field}']")),
            "Get-PChatFileManifest never sends '{field}'"
        );
        request.insert(field.to_string(), value);
    }
    serde_json::from_value::<pchat_migrate::files::manifest_job::FileManifestParams>(
        serde_json::Value::Object(request),
    )
    .expect("every field the cmdlet sends is a FileManifestParams field");
    for needle in [
        "Operation = 'file_manifest'",
        "'PChatMigration.RoomFileLinks'",
        "'PChatMigration.FileManifest'",
    ] {
        assert!(
            manifest_cmdlet.contains(needle),
            "Get-PChatFileManifest lacks `{needle}`"
        );
    }
    let psd1 = read(&module_dir().join("PersistentChatMigration.psd1"));
    for name in ["Copy-PChatFileStore", "Get-PChatFileManifest"] {
        assert!(psd1.contains(&format!("'{name}'")), "{name} not exported");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// 5. Test-PChatMigration against the library's VerifyParams, its outputs, views and help
// ---------------------------------------------------------------------------------------------------------------

/// The fields Test-PChatMigration sends are the library's `VerifyParams` fields (and `DecommissionFacts` inside
/// `decommission`): each is spelled in the script as a request key, and a request with all of them is a
/// VerifyParams, which refuses unknown fields. A misspelled key in the cmdlet fails the first check; a field
/// renamed in the library fails the second.
#[test]
fn verify_cmdlet_sends_the_verify_params_fields() {
    let script = public_script("Test-PChatMigration");
    let fields = [
        ("connection", serde_json::json!({ "dbInstance": "sql13" })),
        ("fileName", serde_json::json!("p.zip")),
        ("quick", serde_json::json!(true)),
        ("report", serde_json::json!("v.html")),
        ("force", serde_json::json!(true)),
        ("parallelism", serde_json::json!(8)),
        ("conflictAction", serde_json::json!("Rename")),
        ("nameMapFile", serde_json::json!("names.csv")),
        ("nameSeparator", serde_json::json!(" / ")),
        ("settingConflict", serde_json::json!("MostPermissive")),
        ("topicToDescription", serde_json::json!(true)),
        ("includeDisabledRooms", serde_json::json!(true)),
        ("rootRoomsCategory", serde_json::json!("Lobby")),
    ];
    let facts = [
        ("legacyPoolFqdn", serde_json::json!("gcpool.contoso.com")),
        ("trustedApplicationId", serde_json::json!("GroupChat")),
        ("legacyServers", serde_json::json!(["gc01.contoso.com"])),
        (
            "persistentChatPoolFqdn",
            serde_json::json!("pcpool.contoso.com"),
        ),
        (
            "lookupSipAddress",
            serde_json::json!("sip:ocschat@contoso.com"),
        ),
    ];
    let sends = |field: &str| script.contains(&format!("['{field}']"));
    let mut request = serde_json::Map::new();
    for (field, value) in &fields {
        assert!(sends(field), "Test-PChatMigration never sends '{field}'");
        request.insert(field.to_string(), value.clone());
    }
    let mut decommission = serde_json::Map::new();
    for (field, value) in &facts {
        assert!(
            sends(field),
            "Test-PChatMigration never sends decommission '{field}'"
        );
        decommission.insert(field.to_string(), value.clone());
    }
    assert!(sends("decommission") && sends("sourceConnection"));
    request.insert(
        "decommission".into(),
        serde_json::Value::Object(decommission),
    );
    let params: pchat_migrate::verify::VerifyParams =
        serde_json::from_value(serde_json::Value::Object(request.clone()))
            .expect("every field the cmdlet sends is a VerifyParams field");
    assert!(params.quick && params.force);
    assert_eq!(params.parallelism, Some(8));
    assert_eq!(
        params.decommission.legacy_servers,
        vec!["gc01.contoso.com".to_string()]
    );
    // The database source instead of the package.
    request.remove("fileName");
    request.insert(
        "sourceConnection".into(),
        serde_json::json!({ "dbInstance": "sql10", "dbName": "GroupChat" }),
    );
    // -StartDate (database source only): the export's cut-off, as UTC.
    assert!(sends("startDate"));
    request.insert(
        "startDate".into(),
        serde_json::json!("2011-01-01T00:00:00.0000000Z"),
    );
    let params: pchat_migrate::verify::VerifyParams =
        serde_json::from_value(serde_json::Value::Object(request))
            .expect("sourceConnection is a VerifyParams field");
    assert!(params.source_connection.is_some() && params.file_name.is_none());
    assert!(params.start_date.is_some());
    // The ValidateSets are the library's names, and -Parallelism has the library's range.
    for value in [
        "'Fail', 'Skip', 'Overwrite', 'Rename'",
        "'Strictest', 'MostPermissive'",
    ] {
        assert!(
            script.contains(&format!("[ValidateSet({value})]")),
            "ValidateSet({value})"
        );
    }
    assert!(script.contains("[ValidateRange(1, 32)]\n        [int] $Parallelism"));
}

/// The shape the issue fixes for Test-PChatMigration: the two source parameter sets, the target defaulting to mgc,
/// the job with progress, one typed object per item then the summary, and a verification_failed error after the
/// output (non-terminating unless -FailOnMismatch); its views, export and help.
#[test]
fn verify_cmdlet_has_its_shape_views_and_help() {
    let script = public_script("Test-PChatMigration");
    for needle in [
        "[CmdletBinding(DefaultParameterSetName = 'FileName')]",
        "ParameterSetName = 'FileName', ValueFromPipelineByPropertyName = $true",
        "[Alias('Path', 'FullName')]",
        "[Parameter(Mandatory = $true, ParameterSetName = 'Database')]\n        [ValidateNotNullOrEmpty()]\n        [string] $SourceDBInstance",
        "[string] $SourceDBName",
        "$SourceCredential",
        "[string] $DBName = 'mgc'",
        "[string[]] $LegacyServer",
        "[switch] $Summary",
        "[switch] $FailOnMismatch",
        "Operation = 'verify'",
        "Invoke-PChatNativeJob @jobArgs",
        "'PChatMigration.VerifyItem'",
        "'PChatMigration.VerifySummary'",
        "'PChatMigration.DecommissionStep'",
        "'verification_failed', [System.Management.Automation.ErrorCategory]::InvalidResult",
        "if (-not $Summary.IsPresent) {",
    ] {
        assert!(script.contains(needle), "Test-PChatMigration lacks `{needle}`");
    }
    // The summary says Success or Failure like Test-Cs*, the report of a failure comes after it: a warning, an
    // error with -EnableException, terminating with -FailOnMismatch (Stop-PChatCommand does each).
    let verdict = script
        .find("Add-PChatTestOutcome -InputObject $result -TargetFqdn $target -Result $verdict")
        .expect("the summary has Result, Error and Diagnosis");
    let summary = script
        .find("Write-Output -InputObject $result")
        .expect("the summary is written");
    let failed = script
        .rfind("if (-not $result.Passed) {")
        .expect("a failed verification is reported");
    let reported = script
        .find("Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $record -EnableException:($EnableException.IsPresent -or $FailOnMismatch.IsPresent) -Continue:(-not $FailOnMismatch.IsPresent)")
        .expect("-FailOnMismatch throws, -EnableException writes the error, otherwise a warning");
    assert!(verdict < summary && summary < failed && failed < reported);
    // Items come from the result, problems first as the library sorts them (not re-sorted here).
    assert!(!script.contains("Sort-Object"));

    let manifest = read(&module_dir().join("PersistentChatMigration.psd1"));
    assert!(
        manifest.contains("'Test-PChatMigration'"),
        "Test-PChatMigration not exported"
    );
    // The table view the issue asks for: Status, Kind, Name, FirstDifference, the names control-escaped.
    let view = format_view;
    let items = view("PChatMigration.VerifyItem");
    let labels: Vec<&str> = items
        .split("<Label>")
        .skip(1)
        .map(|l| &l[..l.find("</Label>").expect("label end")])
        .collect();
    assert_eq!(labels, ["Status", "Kind", "Name", "FirstDifference"]);
    for property in ["$_.Name", "$_.FirstDifference"] {
        assert!(
            items.contains(&format!(
                "[regex]::Replace([string]{property}, '[\\x00-\\x1f"
            )),
            "{property} is shown with its control characters escaped"
        );
    }
    assert!(view("PChatMigration.VerifySummary").contains("<PropertyName>Passed</PropertyName>"));
    let steps = view("PChatMigration.DecommissionStep");
    for label in ["Title", "Command", "Note"] {
        assert!(
            steps.contains(&format!("<Label>{label}</Label>")),
            "{label}"
        );
    }
    // The runbook section of the about_ help.
    let about = read(
        &module_dir()
            .join("en-US")
            .join("about_PersistentChatMigration.help.txt"),
    );
    for needle in [
        "VERIFICATION AND DECOMMISSIONING",
        "    Test-PChatMigration\n",
        "verification_failed",
        "-FailOnMismatch",
        "Remove-CsTrustedApplicationPool",
        "docs/verify-report.md",
    ] {
        assert!(about.contains(needle), "about_ help lacks `{needle}`");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Start-PChatMigration
// ---------------------------------------------------------------------------------------------------------------

/// The parameter names a cmdlet's param block declares.
fn declared_parameters(script: &str) -> BTreeSet<String> {
    let start = script.find("    param(").expect("a param block");
    let end = start
        + script[start..]
            .find("\n    )\n")
            .expect("the param block ends");
    script[start..end]
        .lines()
        .filter_map(|line| {
            let at = line.find('$')?;
            let name: String = line[at + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            (!name.is_empty() && name != "true" && name != "false").then_some(name)
        })
        .collect()
}

/// The keys `$<table>['Key'] = ` assigns in `text`.
fn assigned_keys(text: &str, table: &str) -> BTreeSet<String> {
    let needle = format!("${table}['");
    text.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &text[at + needle.len()..];
            let key = &rest[..rest.find('\'')?];
            rest[key.len()..]
                .starts_with("'] =")
                .then(|| key.to_string())
        })
        .collect()
}

/// The text of one stage's branch of Start-PChatMigration's stage switch.
fn stage_branch<'a>(script: &'a str, stage: &str, next: Option<&str>) -> &'a str {
    let start = script
        .find(&format!("                        '{stage}' {{"))
        .unwrap_or_else(|| panic!("no branch for the {stage} stage"));
    let end = match next {
        Some(next) => {
            start
                + script[start..]
                    .find(&format!("                        '{next}' {{"))
                    .expect("the next branch")
        }
        None => {
            start
                + script[start..]
                    .find("\n                    }\n")
                    .expect("the switch ends")
        }
    };
    &script[start..end]
}

#[test]
fn start_migration_sends_the_plan_facts_and_the_stage_cmdlets_parameter_names() {
    let script = public_script("Start-PChatMigration");
    let helper = private_script("Get-PChatMigrationPackageFact");
    // The facts: every key the library's MigrationFacts reads is written, under its name.
    for key in [
        "whatIf = ",
        "stopAfterWhatIf = ",
        "skipLegacyClientAccess = ",
        "force = ",
        "source = [ordered]@{ dbInstance = $SourceDBInstance; dbName = $SourceDBName }",
        "export = $requested",
        "$requested = [ordered]@{ level = $Level }",
        "$requested['scope']",
        "$requested['rooms']",
        "$requested['startDateUtc']",
        "package = (Get-PChatMigrationPackageFact -PackagePath $packagePath)",
        "$facts['persistentChatPoolFqdn']",
        "Invoke-PChatNativeCall -Operation 'migration_plan' -Params $facts",
    ] {
        assert!(script.contains(key), "Start-PChatMigration lacks `{key}`");
    }
    for key in [
        "fileName = $PackagePath",
        "exists = [System.IO.File]::Exists($PackagePath)",
        "stagingExists = [System.IO.Directory]::Exists($PackagePath + '.staging')",
        "$facts['check'] = [ordered]@{\n            valid = [bool]$package.Valid",
        "dbInstance = [string]$package.Source.dbInstance",
        "database = [string]$package.Source.database",
        "parameters = (ConvertTo-PChatRecordedExportParameter -Recorded $package.Parameters)",
        "errorCode = $code",
        "errorMessage = ",
        "Get-PChatMigrationPackage -FileName $PackagePath -ErrorAction Stop",
    ] {
        assert!(
            helper.contains(key),
            "Get-PChatMigrationPackageFact lacks `{key}`"
        );
    }
    // Those names are the library's contract (MigrationFacts refuses unknown fields).
    let facts = serde_json::json!({
        "whatIf": true, "stopAfterWhatIf": false, "skipLegacyClientAccess": false, "force": false,
        "source": {"dbInstance": "sql01\\rtc", "dbName": "GroupChat"},
        "export": {"level": "All", "scope": ["Sales"], "rooms": ["Room"], "startDateUtc": "2012-01-01T00:00:00.0000000Z"},
        "package": {"fileName": "C:\\p.zip", "exists": true, "stagingExists": false, "check": {
            "valid": false, "errorCode": "invalid_package", "errorMessage": "m",
            "source": {"dbInstance": "sql01", "database": "GroupChat"}, "parameters": {"level": "All"}}},
        "persistentChatPoolFqdn": "pcpool.contoso.com",
    });
    let _: pchat_migrate::migration::MigrationFacts =
        serde_json::from_value(facts).expect("the facts the cmdlet sends are MigrationFacts");

    // Every parameter a stage is given is one its cmdlet declares.
    let shared: Vec<String> = [
        "Encryption",
        "TrustServerCertificate",
        "ConnectTimeoutSeconds",
        "CommandTimeoutSeconds",
        "ConnectRetryCount",
        "CACertificatePath",
    ]
    .map(String::from)
    .to_vec();
    let conversion: Vec<String> = [
        "ConflictAction",
        "NameMap",
        "NameSeparator",
        "SettingConflict",
        "TopicToDescription",
        "IncludeDisabledRooms",
        "RootRoomsCategory",
    ]
    .map(String::from)
    .to_vec();
    for name in shared.iter().chain(&conversion) {
        assert!(
            script.contains(&format!("'{name}'")) || script.contains(&format!("{name} = ${name}")),
            "Start-PChatMigration does not pass -{name} on"
        );
    }
    let report = ["Report", "Force"].map(String::from).to_vec();
    let database = ["DBInstance", "DBName", "Credential"]
        .map(String::from)
        .to_vec();
    let stages: [(&str, Option<&str>, &str, Vec<String>); 6] = [
        (
            "Readiness",
            Some("Export"),
            "Test-PChatMigrationReadiness",
            [&shared[..], &conversion, &report, &database].concat(),
        ),
        (
            "Export",
            Some("ImportPlan"),
            "Export-PChatMigrationData",
            [&shared[..], &report, &database].concat(),
        ),
        (
            "ImportPlan",
            Some("Import"),
            "Import-PChatMigrationData",
            [&shared[..], &conversion, &report, &database].concat(),
        ),
        (
            "Import",
            Some("Verify"),
            "Import-PChatMigrationData",
            [&shared[..], &conversion, &report, &database].concat(),
        ),
        (
            "Verify",
            Some("LegacyClientAccess"),
            "Test-PChatMigration",
            [&shared[..], &conversion, &report, &database].concat(),
        ),
        (
            "LegacyClientAccess",
            None,
            "Enable-PChatLegacyClientAccess",
            Vec::new(),
        ),
    ];
    let legacy = assigned_keys(&script, "legacyArgs");
    for (stage, next, cmdlet, mut given) in stages {
        let branch = stage_branch(&script, stage, next);
        assert!(
            branch.contains(&format!("{cmdlet} @")),
            "the {stage} stage does not call {cmdlet}"
        );
        given.extend(assigned_keys(branch, "stageArgs"));
        if stage == "LegacyClientAccess" {
            given.extend(legacy.iter().cloned());
            given.extend(
                [
                    "ReleaseMethod",
                    "PersistentChatPoolFqdn",
                    "SipAddress",
                    "DisplayName",
                    "Session",
                    "PlanOnly",
                ]
                .map(String::from),
            );
        }
        let declared = declared_parameters(&public_script(cmdlet));
        for name in &given {
            assert!(
                declared.contains(name),
                "the {stage} stage gives {cmdlet} -{name}, which it does not declare"
            );
        }
    }
    // The readiness stage reads the target through its Target* parameters.
    let readiness = stage_branch(&script, "Readiness", Some("Export"));
    for key in [
        "TargetDBInstance",
        "TargetDBName",
        "TargetCredential",
        "FileName",
    ] {
        assert!(assigned_keys(readiness, "stageArgs").contains(key), "{key}");
    }
}

#[test]
fn start_migration_has_its_shape_views_and_help() {
    let script = public_script("Start-PChatMigration");
    for needle in [
        "[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]",
        "[OutputType('PChatMigration.MigrationStage', 'PChatMigration.MigrationSummary')]",
        "[switch] $SkipLegacyClientAccess",
        "[switch] $StopAfterWhatIf",
        "[switch] $EnableException",
        "[string] $DBName = 'mgc'",
        "$stage.PSObject.TypeNames.Insert(0, 'PChatMigration.MigrationStage')",
        "$summary.PSObject.TypeNames.Insert(0, 'PChatMigration.MigrationSummary')",
        "Stage = $stageName",
        "Status = $status",
        "Notes = $notes",
        "Duration = ",
        "Result = $result",
    ] {
        assert!(
            script.contains(needle),
            "Start-PChatMigration lacks `{needle}`"
        );
    }
    // Each stage object is written as it completes, the run stops at the first failure, and the error comes after
    // the summary: terminating with -EnableException, otherwise a warning (Stop-PChatCommand).
    let emitted = script
        .find("Write-Output -InputObject $stage")
        .expect("each stage is written");
    let stops = script
        .find("if ($status -eq 'Failed') {")
        .expect("a failed stage stops the run");
    let summary = script
        .find("Write-Output -InputObject $summary")
        .expect("the summary");
    let reported = script
        .rfind("Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $record -EnableException:$EnableException\n            return")
        .expect("the failed stage is reported: a warning, or terminating with -EnableException");
    assert!(emitted < stops && stops < summary && summary < reported);
    // The stages run with -EnableException, so their failures reach the run as errors whatever its own switch.
    for stage in [
        "Test-PChatMigrationReadiness @stageArgs -EnableException",
        "Export-PChatMigrationData @stageArgs -EnableException",
        "Import-PChatMigrationData @stageArgs -EnableException",
        "Test-PChatMigration @stageArgs -EnableException",
        "Enable-PChatLegacyClientAccess @legacyArgs -EnableException",
    ] {
        assert!(
            script.contains(stage),
            "Start-PChatMigration lacks `{stage}`"
        );
    }
    assert!(
        script[stops..summary].contains("break"),
        "the stage loop stops at a failed stage"
    );

    let manifest = read(&module_dir().join("PersistentChatMigration.psd1"));
    assert!(
        manifest.contains("'Start-PChatMigration'"),
        "Start-PChatMigration not exported"
    );
    let format = read(&module_dir().join("PersistentChatMigration.Format.ps1xml"));
    for (view, labels) in [
        (
            "PChatMigration.MigrationStage",
            &["Stage", "Status", "Duration", "Notes"][..],
        ),
        (
            "PChatMigration.MigrationSummary",
            &[
                "Completed",
                "WhatIf",
                "FailedStage",
                "Stages",
                "Duration",
                "FileName",
            ][..],
        ),
    ] {
        let start = format
            .find(&format!("<Name>{view}</Name>"))
            .unwrap_or_else(|| panic!("no view {view}"));
        let end = start + format[start..].find("</View>").expect("view end");
        let found: Vec<&str> = format[start..end]
            .split("<Label>")
            .skip(1)
            .map(|l| &l[..l.find("</Label>").expect("label end")])
            .collect();
        assert_eq!(found, labels, "{view}");
    }
    let about = read(
        &module_dir()
            .join("en-US")
            .join("about_PersistentChatMigration.help.txt"),
    );
    for needle in [
        "THE ONE-COMMAND MIGRATION",
        "Start-PChatMigration -SourceDBInstance",
        "-StopAfterWhatIf",
        "Resume: run the same command again",
    ] {
        assert!(
            about.contains(needle),
            "about_PersistentChatMigration lacks `{needle}`"
        );
    }
    // The help names every stage cmdlet it runs.
    for link in [
        "Test-PChatMigrationReadiness",
        "Export-PChatMigrationData",
        "Import-PChatMigrationData",
        "Test-PChatMigration",
        "Enable-PChatLegacyClientAccess",
    ] {
        assert!(
            script.contains(&format!(".LINK\n    {link}\n")),
            ".LINK {link}"
        );
    }
}

/// check-powershell.mjs section 7 fails on copies of Start-PChatMigration broken the ways that would let a stage
/// change something under -WhatIf.
#[test]
fn start_migration_what_if_checks_fail_when_a_change_escapes_should_process() {
    let node = require_tool("node");
    let checks = repo().join("tests").join("powershell");
    let mutations: [(&str, &str, &str); 6] = [
        (
            "elseif ($PSCmdlet.ShouldProcess($packagePath,",
            "elseif ($true -or $PSCmdlet.ShouldProcess($packagePath,",
            "outside an",
        ),
        (
            "Import-PChatMigrationData @stageArgs -EnableException -WhatIf:$true -ErrorAction SilentlyContinue",
            "Import-PChatMigrationData @stageArgs -EnableException -ErrorAction SilentlyContinue",
            "outside an",
        ),
        (
            "@legacyArgs -EnableException -PlanOnly -ErrorAction Stop",
            "@legacyArgs -EnableException -ErrorAction Stop",
            "outside an",
        ),
        ("-Operation 'migration_plan'", "-Operation 'import'", "only direct native call"),
        (
            "        $stages = New-Object -TypeName 'System.Collections.Generic.List[object]'\n",
            "        $stages = New-Object -TypeName 'System.Collections.Generic.List[object]'\n        Remove-Item -LiteralPath $packagePath\n",
            "not one of the read-only commands",
        ),
        (
            "Export-PChatMigrationData @stageArgs -EnableException -WhatIf:$true -ErrorAction Stop",
            "Export-PChatMigrationData @stageArgs -EnableException -WhatIf:$true -WhatIf:$false -ErrorAction Stop",
            "turns -WhatIf off outside",
        ),
    ];
    for (from, to, expected) in mutations {
        let dir = scratch("mutated-migration");
        copy_tree(&powershell_dir(), &dir.join("powershell"));
        let path = dir
            .join("powershell")
            .join("PersistentChatMigration")
            .join("Public")
            .join("Start-PChatMigration.ps1");
        let source = read(&path);
        assert!(
            source.contains(from),
            "Start-PChatMigration.ps1 no longer contains {from:?}: update this test"
        );
        std::fs::write(&path, source.replace(from, to)).expect("write the mutated file");
        let output = run(
            Command::new(&node)
                .arg("--no-deprecation")
                .arg(checks.join("check-powershell.mjs"))
                .arg("--root")
                .arg(dir.join("powershell"))
                .current_dir(&checks),
            Duration::from_secs(120),
        );
        assert!(
            !output.status.success() && output.stdout.contains(expected),
            "replacing {from:?} by {to:?} in Start-PChatMigration.ps1 must fail the checks with '{expected}':\n{}",
            output.text()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `Name -> parameter count` of the public static methods of a C# source (one class's worth; no overloads).
fn cs_static_method_arities(source: &str) -> BTreeMap<String, usize> {
    let mut methods = BTreeMap::new();
    let mut rest = source;
    while let Some(at) = rest.find("public static ") {
        rest = &rest[at + "public static ".len()..];
        let Some(open) = rest.find('(') else { break };
        let head = &rest[..open];
        if head.contains('=') || head.contains(';') || head.contains('{') {
            continue; // a field or a property, not a method
        }
        let Some(name) = head.split_whitespace().last() else {
            continue;
        };
        let Some(close) = rest[open..].find(')') else {
            break;
        };
        let params = rest[open + 1..open + close].trim();
        let count = if params.is_empty() {
            0
        } else {
            params.split(',').count()
        };
        methods.insert(name.to_string(), count);
    }
    methods
}

/// Every `[Type]::Name(arguments)` call in a PowerShell source: (name, argument count), counting top-level commas.
fn ps_static_calls(source: &str, type_name: &str) -> Vec<(String, usize)> {
    let prefix = format!("[{type_name}]::");
    let mut calls = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find(&prefix) {
        rest = &rest[at + prefix.len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let after = &rest[name.len()..];
        if !after.starts_with('(') {
            continue;
        }
        let (mut depth, mut commas, mut empty, mut quote) = (0usize, 0usize, true, None::<char>);
        for c in after.chars() {
            match (quote, c) {
                (Some(q), _) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '(' | '[' | '{') => depth += 1,
                (None, ')' | ']' | '}') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                (None, ',') if depth == 1 => commas += 1,
                _ => {}
            }
            if depth >= 1 && !c.is_whitespace() && c != '(' {
                empty = false;
            }
        }
        calls.push((name, if empty { 0 } else { commas + 1 }));
    }
    calls
}

#[test]
fn loader_calls_the_platform_class_with_its_signatures() {
    // PowerShell cannot run here: a call with the wrong number of arguments would only fail on Windows, at import
    // time, with "Cannot find an overload". Compare the loader's calls with the C# signatures instead.
    let source = read(&platform_cs_path());
    let methods = cs_static_method_arities(&source);
    for (name, count) in [
        ("SelectRuntimeId", 4),
        ("DescribeLoadFailure", 7),
        ("WindowsVersion", 0),
    ] {
        assert_eq!(
            methods.get(name),
            Some(&count),
            "PChatMigrationPlatform.cs: {name} ({methods:?})"
        );
    }
    let psm1 = read(&module_dir().join("PersistentChatMigration.psm1"));
    let calls = ps_static_calls(&psm1, "PChatMigration.NativePlatform");
    assert!(
        calls.len() >= 8,
        "the loader makes fewer NativePlatform calls than expected: {calls:?}"
    );
    for (name, count) in &calls {
        match methods.get(name) {
            Some(expected) => assert_eq!(
                count, expected,
                "PersistentChatMigration.psm1 calls NativePlatform.{name} with {count} arguments; it takes {expected}"
            ),
            None => panic!("PersistentChatMigration.psm1 calls NativePlatform.{name}, which PChatMigrationPlatform.cs does not define"),
        }
    }
}

/// Export-PChatMigrationData -WhatIf sends `whatIf` (an ExportParams field) under $WhatIfPreference and builds
/// its PChatMigration.ExportWhatIf from fields the library's `ExportWhatIf` has: a field renamed on either side
/// fails here.
#[test]
fn export_cmdlet_what_if_asks_the_library_and_reads_its_result() {
    let script = public_script("Export-PChatMigrationData");
    for needle in [
        "if ($WhatIfPreference) {",
        "$exportParams['whatIf'] = $true",
        "Operation = 'export'",
        "'PChatMigration.ExportWhatIf'",
        "[OutputType('PChatMigration.ExportWhatIf')]",
    ] {
        assert!(
            script.contains(needle),
            "Export-PChatMigrationData lacks `{needle}`"
        );
    }
    let params: pchat_migrate::export::ExportParams = serde_json::from_value(serde_json::json!({
        "connection": { "dbInstance": "sql01", "dbName": "GroupChat" },
        "fileName": "p.zip", "asBytes": false, "level": "All", "disableExportedNodes": false,
        "throttleLimit": 4, "force": false, "whatIf": true
    }))
    .expect("the cmdlet's what-if request is an ExportParams");
    assert!(params.what_if);
    let result = pchat_migrate::export::ExportWhatIf {
        what_if: true,
        file_name: Some("p.zip".into()),
        source: pchat_migrate::export::result::ExportSource {
            db_instance: "sql01".into(),
            database: "GroupChat".into(),
            kind: pchat_migrate::schema::DatabaseKind::LyncGroupChat2010,
        },
        level: pchat_migrate::export::ExportLevel::All,
        counts: Default::default(),
        rooms: Vec::new(),
        source_content_bytes: 0,
        rooms_to_disable: 0,
        warnings: Vec::new(),
        duration_ms: 0,
    };
    let value = serde_json::to_value(&result).expect("serializes");
    let keys: BTreeSet<&str> = value
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let read: BTreeSet<String> = script
        .match_indices("$counted.")
        .map(|(at, needle)| {
            script[at + needle.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect()
        })
        .collect();
    assert!(read.len() >= 8, "the cmdlet reads the result: {read:?}");
    for field in &read {
        assert!(
            keys.contains(field.as_str()),
            "Export-PChatMigrationData reads '{field}', which ExportWhatIf does not have ({keys:?})"
        );
    }
}

/// Test-PChatClientAccess sends the library's ClientAccessParams fields (connection, facts, report, force: a
/// request with them is a ClientAccessParams, which refuses unknown fields), runs the `client_access` job, gathers
/// the facts through the read-only runner, shapes room objects and a Test-Cs*-like result; its views, export and
/// help are there.
#[test]
fn client_access_cmdlet_sends_the_params_and_has_its_shape() {
    let script = public_script("Test-PChatClientAccess");
    let sends = |field: &str| script.contains(&format!("['{field}']"));
    let fields = [
        ("connection", serde_json::json!({ "dbInstance": "sql13" })),
        (
            "facts",
            serde_json::json!({ "policies": [{ "identity": "Global", "enablePersistentChat": true }] }),
        ),
        ("report", serde_json::json!("c.html")),
        ("force", serde_json::json!(true)),
        ("problemsOnly", serde_json::json!(true)),
    ];
    let mut request = serde_json::Map::new();
    for (field, value) in &fields {
        assert!(sends(field), "Test-PChatClientAccess never sends '{field}'");
        request.insert(field.to_string(), value.clone());
    }
    let params: pchat_migrate::client_access::ClientAccessParams =
        serde_json::from_value(serde_json::Value::Object(request))
            .expect("every field the cmdlet sends is a ClientAccessParams field");
    assert!(params.force && params.problems_only && params.report.is_some());
    for needle in [
        "[string] $DBName = 'mgc'",
        "[System.Collections.IDictionary] $GroupMember",
        "[System.Management.Automation.Runspaces.PSSession] $Session",
        "[switch] $Summary",
        "Get-PChatClientAccessFact -GroupMember $GroupMember -Session $Session",
        "Operation = 'client_access'",
        "Invoke-PChatNativeJob @jobArgs",
        "'PChatMigration.ClientAccessRoom'",
        "'PChatMigration.ClientAccessResult'",
        "Result = $result",
        "Error = $errorText",
        "Diagnosis = $diagnosis",
        "if (-not [bool]$data.summary.allCanUseNewClient) {",
    ] {
        assert!(
            script.contains(needle),
            "Test-PChatClientAccess lacks `{needle}`"
        );
    }
    // It changes nothing: no ShouldProcess, and the facts are read with Get- cmdlets only.
    assert!(!script.contains("SupportsShouldProcess"));
    let facts = private_script("Get-PChatClientAccessFact");
    for cmdlet in [
        "-Name 'Get-CsUser'",
        "-Name 'Get-CsPersistentChatPolicy'",
        "-Name 'Get-CsPool'",
        "-Name 'Get-CsService' -Arguments @{ Registrar = $true }",
        "-Name 'Get-CsPersistentChatEndpoint'",
    ] {
        assert!(
            facts.contains(cmdlet),
            "Get-PChatClientAccessFact lacks `{cmdlet}`"
        );
    }
    let room = private_script("ConvertTo-PChatClientAccessRoom");
    assert!(room.contains("'PChatMigration.ClientAccessMember'"));
    for property in [
        "SipAddress",
        "Access",
        "Membership",
        "Via",
        "ReasonCode",
        "Reason",
        "Policy",
        "RegistrarPool",
    ] {
        assert!(
            room.contains(&format!("            {property} = ")),
            "members lack {property}"
        );
    }

    let manifest = read(&module_dir().join("PersistentChatMigration.psd1"));
    assert!(
        manifest.contains("'Test-PChatClientAccess'"),
        "Test-PChatClientAccess not exported"
    );
    let view = format_view;
    let rooms = view("PChatMigration.ClientAccessRoom");
    for label in [
        "Category",
        "Name",
        "CanUseNewClient",
        "DependsOnLegacy",
        "NoAccess",
        "UnexpandedPrincipals",
    ] {
        assert!(
            rooms.contains(&format!("<Label>{label}</Label>")),
            "room view lacks {label}"
        );
    }
    assert!(
        rooms.contains("[regex]::Replace([string]$_.Name, '[\\x00-\\x1f"),
        "room names escaped"
    );
    assert!(view("PChatMigration.ClientAccessMember").contains("<Label>Reason</Label>"));
    let result = view("PChatMigration.ClientAccessResult");
    for property in ["Result", "Error", "Diagnosis", "DependsOnLegacy"] {
        assert!(
            result.contains(&format!("<PropertyName>{property}</PropertyName>")),
            "{property}"
        );
    }
    let about = read(
        &module_dir()
            .join("en-US")
            .join("about_PersistentChatMigration.help.txt"),
    );
    for needle in [
        "COEXISTENCE",
        "    Test-PChatClientAccess\n",
        "g. Coexistence (step 8)",
        "pchat-migrate client-access",
    ] {
        assert!(about.contains(needle), "about_ help lacks `{needle}`");
    }
}

/// PowerShell source without its comments: `<# ... #>` blocks and `#` comments that start a line or follow a blank
/// (enough for the module's scripts, which put no `#` inside strings after a blank).
fn ps_code(source: &str) -> String {
    let mut code = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(open) = rest.find("<#") {
        code.push_str(&rest[..open]);
        rest = rest[open..]
            .find("#>")
            .map_or("", |close| &rest[open + close + 2..]);
    }
    code.push_str(rest);
    code.lines()
        .map(|line| {
            let cut = line
                .char_indices()
                .find(|&(i, c)| c == '#' && (i == 0 || line[..i].ends_with(char::is_whitespace)))
                .map_or(line.len(), |(i, _)| i);
            &line[..cut]
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn responses_are_parsed_by_the_module_json_reader_not_convert_from_json() {
    // Windows PowerShell 3.0/4.0's ConvertFrom-Json stops at 2 MB and PowerShell 7's turns ISO strings into
    // DateTime where 5.1's does not (docs/powershell-objects.md): no module script may parse with it.
    let mut scripts: Vec<PathBuf> = Vec::new();
    for folder in ["Public", "Private"] {
        let dir = module_dir().join(folder);
        for entry in
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        {
            scripts.push(entry.expect("dir entry").path());
        }
    }
    scripts.push(module_dir().join("PersistentChatMigration.psm1"));
    for script in &scripts {
        let code = ps_code(&read(script)).to_lowercase();
        assert!(
            !code.contains("convertfrom-json"),
            "{} calls ConvertFrom-Json; parse native JSON with ConvertFrom-PChatJson",
            script.display()
        );
    }

    let response = ps_code(&private_script("ConvertFrom-PChatResponse"));
    assert!(
        response.contains("$envelope = ConvertFrom-PChatJson -Json $json"),
        "ConvertFrom-PChatResponse does not parse with ConvertFrom-PChatJson:\n{response}"
    );
    let converter = ps_code(&private_script("ConvertFrom-PChatJson"));
    let node = ps_code(&private_script("ConvertFrom-PChatJsonNode"));
    let source = read(&json_cs_path());
    let methods = cs_static_method_arities(&source);
    let calls = ps_static_calls(&converter, "PChatMigration.PChatJson");
    assert_eq!(
        calls,
        [("Parse".to_string(), 1)],
        "ConvertFrom-PChatJson's PChatJson calls"
    );
    assert_eq!(
        methods.get("Parse"),
        Some(&1),
        "PChatMigrationJson.cs: Parse(string) ({methods:?})"
    );
    assert!(
        converter.contains("ConvertFrom-PChatJsonNode -Node $tree"),
        "ConvertFrom-PChatJson does not convert the tree with ConvertFrom-PChatJsonNode"
    );
    // The JsonObject members the converter reads exist in the C# class.
    for member in [
        "$Node.Count",
        "$Node.ValueAt($i)",
        "$Node.KeyAt($i)",
        "[PChatMigration.JsonObject]",
    ] {
        assert!(
            node.contains(member),
            "ConvertFrom-PChatJsonNode no longer reads {member}"
        );
    }
    for declaration in [
        "public sealed class JsonObject",
        "public int Count",
        "public object ValueAt(int position)",
        "public string KeyAt(int position)",
        "public sealed class JsonReadException : FormatException",
    ] {
        assert!(
            source.contains(declaration),
            "PChatMigrationJson.cs lacks `{declaration}`"
        );
    }

    // The loader compiles the reader before it dot-sources the scripts that call it.
    let psm1 = ps_code(&read(&module_dir().join("PersistentChatMigration.psm1")));
    let compiled = psm1.find("-ChildPath 'PChatMigrationJson.cs'");
    let imported = psm1.find("\nImport-PChatJsonType");
    let dot_sourced = psm1.find("foreach ($folder in @('Private', 'Public'))");
    assert!(
        compiled.is_some() && imported.is_some() && imported < dot_sourced,
        "PersistentChatMigration.psm1 must compile Native/PChatMigrationJson.cs (Import-PChatJsonType) before it \
         dot-sources Private/ and Public/"
    );
}

#[test]
fn ps_code_drops_comments_only() {
    let code = ps_code("<#\n ConvertFrom-Json\n#>\n$a = 1 # ConvertFrom-Json\n# ConvertFrom-Json\n$b = '#x' | ConvertFrom-Json");
    assert!(!code.contains("1 # "), "{code}");
    assert_eq!(code.matches("ConvertFrom-Json").count(), 1, "{code}");
    assert!(code.contains("'#x'"), "{code}");
}

/// Ways PowerShell code turns a SecureString into plain text (a managed string that lives until collected).
const PLAINTEXT_PASSWORD_TOKENS: [&str; 6] = [
    "getnetworkcredential",
    "networkcredential",
    "-asplaintext",
    "securestringtobstr",
    "securestringtoglobalalloc",
    "ptrtostring",
];

/// Problems in one script's text: a plain-text read of a password, or a `.Password` read other than the
/// PSCredential's SecureString (`$Credential.Password`) that ConvertTo-PChatConnectionParameter passes on.
fn plaintext_password_reads(name: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (number, line) in strip_ps_comments(text).lines().enumerate() {
        let lower = line.to_ascii_lowercase();
        for token in PLAINTEXT_PASSWORD_TOKENS {
            if lower.contains(token) {
                problems.push(format!("{name}:{}: `{token}`: {}", number + 1, line.trim()));
            }
        }
        let mut rest = lower.as_str();
        while let Some(at) = rest.find(".password") {
            let before = &rest[..at];
            if !before.ends_with("$credential") {
                problems.push(format!(
                    "{name}:{}: reads `.Password` of something other than the PSCredential: {}",
                    number + 1,
                    line.trim()
                ));
            }
            rest = &rest[at + ".password".len()..];
            if rest.starts_with('.') || rest.starts_with('(') || rest.starts_with('[') {
                problems.push(format!(
                    "{name}:{}: uses the SecureString's members: {}",
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    problems
}

/// The text without `# ...` line comments and `<# ... #>` blocks (help may name what is forbidden).
fn strip_ps_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<#") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find("#>")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    out.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if trimmed.starts_with('#') {
                ""
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn module_scripts(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
    {
        let path = entry.expect("dir entry").path();
        if path.is_dir() && path.file_name().is_none_or(|n| n != "node_modules") {
            module_scripts(&path, found);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "ps1" || ext == "psm1")
        {
            found.push(path);
        }
    }
}

#[test]
fn no_script_reads_a_password_as_plain_text() {
    let mut scripts = Vec::new();
    module_scripts(&powershell_dir(), &mut scripts);
    module_scripts(&repo().join("tests").join("powershell"), &mut scripts);
    assert!(scripts.len() > 10, "found only {scripts:?}");
    let mut problems = Vec::new();
    for path in &scripts {
        problems.extend(plaintext_password_reads(
            &path.display().to_string(),
            &read(path),
        ));
    }
    assert!(
        problems.is_empty(),
        "passwords must stay SecureStrings until SecureRequest (docs/secrets.md):\n  {}",
        problems.join("\n  ")
    );
    // The sanctioned line passes; each way back to plain text fails.
    let helper = private_script("ConvertTo-PChatConnectionParameter");
    let sanctioned = "$connection['password'] = $Credential.Password";
    assert!(
        helper.contains(sanctioned),
        "the helper passes the SecureString on"
    );
    for mutation in [
        "$connection['password'] = $Credential.GetNetworkCredential().Password",
        "$connection['password'] = $cred.Password",
        "$connection['password'] = [Runtime.InteropServices.Marshal]::PtrToStringBSTR([Runtime.InteropServices.Marshal]::SecureStringToBSTR($Credential.Password))",
        "$connection['password'] = ConvertFrom-SecureString -SecureString $Credential.Password -AsPlainText",
        "$connection['password'] = $Credential.Password.ToString()",
    ] {
        let mutated = helper.replace(sanctioned, mutation);
        assert!(
            !plaintext_password_reads("mutated", &mutated).is_empty(),
            "the check misses: {mutation}"
        );
    }
    // Comments may name what is forbidden.
    assert!(
        plaintext_password_reads("c", "# never GetNetworkCredential()\n<# .Password #>").is_empty()
    );
}

/// Start-PChatMigration's stage progress is the parent of every native job's progress (stage -> room): it sets
/// the module's parent id around its stages, writes its own record under that id, and clears it in `finally`
/// (Ctrl+C included); Invoke-PChatNativeJob passes it as -ParentId; the module initializes it.
#[test]
fn native_progress_nests_under_the_migration_stage() {
    let start = public_script("Start-PChatMigration");
    let set = start
        .find("$script:PChatProgressParentId = $stageProgressId")
        .expect("Start-PChatMigration sets the parent id");
    let finally = start[set..]
        .find("finally {\n            $script:PChatProgressParentId = $null")
        .expect("and clears it in a finally block");
    let stages = &start[set..set + finally];
    assert!(
        stages.contains("foreach ($planned in @($plan.stages))"),
        "the stages run inside the try whose finally clears the parent id"
    );
    assert!(start.contains("Write-Progress -Id $stageProgressId -Activity"));
    let job = private_script("Invoke-PChatNativeJob");
    assert!(
        job.contains("$progressArgs['ParentId'] = [int]$script:PChatProgressParentId"),
        "Invoke-PChatNativeJob nests its records"
    );
    let psm1 = read(&module_dir().join("PersistentChatMigration.psm1"));
    assert!(psm1.contains("$script:PChatProgressParentId = $null"));
}
