//! The C ABI against hostile callers (docs/c-abi.md, "Hostile callers"): every export of
//! include/pchat_migrate.h called with NULL, invalid UTF-8, text that is not JSON, JSON of the wrong shape, deeply
//! nested and huge JSON, unknown operations, forged, stale and freed handles, and a panic forced inside it
//! ([`pchat_migrate::ffi::test_hooks`]). Each must answer its documented status with a readable error envelope,
//! never crash. A new export in the header without a case here fails [`every_export_in_the_header_has_a_case`].
//! tests/c_abi_hostile/values.rs gives every job operation garbage parameter values, and threads.rs uses the library
//! from eight threads at once.

#[path = "c_abi_hostile/support.rs"]
mod support;
#[path = "c_abi_hostile/threads.rs"]
mod threads;
#[path = "c_abi_hostile/values.rs"]
mod values;

use pchat_migrate::ffi::pcm_status::*;
use pchat_migrate::ffi::*;
use std::collections::BTreeSet;
use std::ffi::{c_char, CStr};
use std::ptr;
use std::time::Duration;
use support::*;

/// How an export reacts to a panic inside it.
enum OnPanic {
    /// No panic boundary: the export holds no code that can panic (a static pointer, a constant, a match on an
    /// integer), documented in docs/c-abi.md.
    Infallible,
    /// Forces a panic inside the export through the test hook and checks the documented outcome.
    Checked(Box<dyn Fn()>),
}

/// One export of the header with its hostile calls.
struct Export {
    name: &'static str,
    hostile: Box<dyn Fn()>,
    on_panic: OnPanic,
}

/// The named job starts: (export, operation).
const NAMED_STARTS: &[(&str, &str, StartFn)] = &[
    ("pcm_probe_start", "probe", pcm_probe_start),
    ("pcm_export_start", "export", pcm_export_start),
    ("pcm_import_start", "import", pcm_import_start),
    ("pcm_readiness_start", "readiness", pcm_readiness_start),
    ("pcm_archive_start", "archive", pcm_archive_start),
    ("pcm_copy_files_start", "copy_files", pcm_copy_files_start),
    (
        "pcm_file_manifest_start",
        "file_manifest",
        pcm_file_manifest_start,
    ),
    ("pcm_verify_start", "verify", pcm_verify_start),
    (
        "pcm_client_access_start",
        "client_access",
        pcm_client_access_start,
    ),
    (
        "pcm_inspect_package_start",
        "inspect_package",
        pcm_inspect_package_start,
    ),
];

fn exports() -> Vec<Export> {
    let mut exports = vec![
        Export {
            name: "pcm_version",
            hostile: Box::new(hostile_version),
            on_panic: OnPanic::Infallible,
        },
        Export {
            name: "pcm_abi_version",
            hostile: Box::new(hostile_abi_version),
            on_panic: OnPanic::Infallible,
        },
        Export {
            name: "pcm_status_name",
            hostile: Box::new(hostile_status_name),
            on_panic: OnPanic::Infallible,
        },
        Export {
            name: "pcm_call",
            hostile: Box::new(hostile_call),
            on_panic: OnPanic::Checked(Box::new(panic_in_call)),
        },
        Export {
            name: "pcm_legacy_clients_plan",
            hostile: Box::new(hostile_legacy_clients_plan),
            on_panic: OnPanic::Checked(Box::new(panic_in_legacy_clients_plan)),
        },
        Export {
            name: "pcm_job_start",
            hostile: Box::new(hostile_job_start),
            on_panic: OnPanic::Checked(Box::new(panic_in_job_start)),
        },
        Export {
            name: "pcm_job_poll",
            hostile: Box::new(hostile_job_poll),
            on_panic: OnPanic::Checked(Box::new(panic_in_job_poll)),
        },
        Export {
            name: "pcm_job_cancel",
            hostile: Box::new(hostile_job_cancel),
            on_panic: OnPanic::Checked(Box::new(panic_in_job_cancel)),
        },
        Export {
            name: "pcm_job_result",
            hostile: Box::new(hostile_job_result),
            on_panic: OnPanic::Checked(Box::new(panic_in_job_result)),
        },
        Export {
            name: "pcm_job_free",
            hostile: Box::new(hostile_job_free),
            on_panic: OnPanic::Checked(Box::new(panic_in_job_free)),
        },
        Export {
            name: "pcm_string_free",
            hostile: Box::new(hostile_string_free),
            on_panic: OnPanic::Checked(Box::new(panic_in_string_free)),
        },
    ];
    exports.extend(
        NAMED_STARTS
            .iter()
            .map(|&(name, operation, export)| Export {
                name,
                hostile: Box::new(move || hostile_named_start(name, operation, export)),
                on_panic: OnPanic::Checked(Box::new(move || panic_in_named_start(name, export))),
            }),
    );
    exports
}

/// The `pcm_*` functions the header declares (comments stripped, so names in prose do not count).
fn header_exports() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/pchat_migrate.h");
    let header = std::fs::read_to_string(path).expect("the header");
    let code = strip_c_comments(&header);
    let mut names = BTreeSet::new();
    for (at, _) in code.match_indices("pcm_") {
        let ident: String = code[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if code[at + ident.len()..].trim_start().starts_with('(') {
            names.insert(ident);
        }
    }
    names
}

fn strip_c_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(tail) = rest.strip_prefix("/*") {
            rest = tail.find("*/").map_or("", |end| &tail[end + 2..]);
        } else if let Some(tail) = rest.strip_prefix("//") {
            rest = tail.find('\n').map_or("", |end| &tail[end..]);
        } else {
            let c = rest.chars().next().expect("not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[test]
fn every_export_in_the_header_has_a_case() {
    let declared = header_exports();
    assert!(
        declared.len() >= 20,
        "the header parser found too little: {declared:?}"
    );
    let covered: BTreeSet<String> = exports().iter().map(|e| e.name.to_string()).collect();
    assert_eq!(
        exports().len(),
        covered.len(),
        "an export is listed twice in exports()"
    );
    let missing: Vec<_> = declared.difference(&covered).collect();
    let stale: Vec<_> = covered.difference(&declared).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "exports without a hostile case: {missing:?}; cases of exports the header lacks: {stale:?}"
    );
    let named: BTreeSet<String> = declared
        .iter()
        .filter(|n| n.ends_with("_start") && *n != "pcm_job_start")
        .cloned()
        .collect();
    let listed: BTreeSet<String> = NAMED_STARTS.iter().map(|(n, _, _)| n.to_string()).collect();
    assert_eq!(named, listed, "NAMED_STARTS lists every named start");
}

#[test]
fn every_export_survives_hostile_arguments() {
    for export in exports() {
        eprintln!("hostile arguments: {}", export.name);
        (export.hostile)();
    }
    // The library still answers normally afterwards.
    call(r#"{"operation":"version"}"#).assert_ok("version after the hostile calls");
}

#[test]
fn a_panic_inside_any_export_becomes_its_documented_outcome() {
    let mut infallible = BTreeSet::new();
    for export in exports() {
        match export.on_panic {
            OnPanic::Infallible => {
                infallible.insert(export.name);
            }
            OnPanic::Checked(check) => {
                eprintln!("forced panic: {}", export.name);
                check();
            }
        }
    }
    assert_eq!(
        infallible,
        BTreeSet::from(["pcm_version", "pcm_abi_version", "pcm_status_name"]),
        "only the three static answers have no panic boundary (docs/c-abi.md, \"Hostile callers\")"
    );
}

// ---- the static answers ----

fn hostile_version() {
    let first = pcm_version();
    let text = unsafe { CStr::from_ptr(first) }.to_str().expect("UTF-8");
    assert_eq!(text, env!("CARGO_PKG_VERSION"));
    assert_eq!(pcm_version(), first, "static: the same pointer every time");
}

fn hostile_abi_version() {
    assert_eq!(pcm_abi_version(), pchat_migrate::ABI_VERSION);
    let header = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/include/pchat_migrate.h"
    ))
    .expect("header");
    assert!(header.contains(&format!("#define PCM_ABI_VERSION {}", pcm_abi_version())));
}

/// `PCM_STATUS_X = N` of the header's enum.
fn header_statuses() -> Vec<(String, i32)> {
    let header = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/include/pchat_migrate.h"
    ))
    .expect("header");
    header
        .lines()
        .filter_map(|line| {
            let (name, value) = line.trim().trim_end_matches(',').split_once(" = ")?;
            Some((
                name.strip_prefix("PCM_STATUS_")?.to_string(),
                value.parse().ok()?,
            ))
        })
        .collect()
}

fn status_name(value: i32) -> &'static str {
    let name = pcm_status_name(value);
    assert!(!name.is_null());
    unsafe { CStr::from_ptr(name) }.to_str().expect("UTF-8")
}

fn hostile_status_name() {
    let statuses = header_statuses();
    assert_eq!(statuses.len(), 13, "{statuses:?}");
    for (name, value) in &statuses {
        assert_eq!(status_name(*value), format!("PCM_STATUS_{name}"));
        assert_eq!(pcm_status_name(*value), pcm_status_name(*value), "static");
    }
    let known: BTreeSet<i32> = statuses.iter().map(|(_, v)| *v).collect();
    let garbage = [
        i32::MIN,
        i32::MIN + 1,
        -7001,
        -1,
        1,
        2,
        6999,
        7000,
        7013,
        7014,
        65_536,
        i32::MAX,
    ];
    for value in garbage
        .into_iter()
        .chain(6990..7030)
        .filter(|v| !known.contains(v))
    {
        assert_eq!(status_name(value), "PCM_STATUS_UNKNOWN", "{value}");
    }
}

// ---- the text exports: pcm_call, pcm_legacy_clients_plan, pcm_job_start and the named starts ----

/// One way of calling an export that takes a JSON text; answers the envelope and whether a job was created.
type Invoke<'a> = &'a dyn Fn(*const c_char) -> (Answer, *mut pcm_job);

/// Bytes that are not UTF-8: a stray continuation, an invalid lead, an overlong '/', a UTF-16 surrogate, a
/// code point above U+10FFFF, a sequence cut short before the closing quote, Latin-1 text.
const NOT_UTF8: &[&[u8]] = &[
    b"{\"operation\":\"\x80\"}",
    b"\xff\xfe{}",
    b"{\"operation\":\"\xc0\xaf\"}",
    b"{\"operation\":\"\xed\xa0\x80\"}",
    b"{\"operation\":\"\xf4\x90\x80\x80\"}",
    b"{\"operation\":\"\xe2\x82\"}",
    b"{\"fileName\":\"caf\xe9.zip\"}",
];

/// Texts that are not JSON (or not one JSON value).
const NOT_JSON: &[&str] = &[
    "",
    " ",
    "{oops",
    "{\"operation\":\"version\"",
    "{\"operation\":\"version\"} {}",
    "{'operation':'version'}",
    "{\"operation\":\"\\ud800\"}",
    "{\"operation\":\"\\x41\"}",
    "NaN",
    "{\"a\":01}",
    "{\"a\":1e99999}",
];

/// JSON nested far deeper than any request (serde_json refuses more than 128 levels instead of overflowing
/// the stack).
fn deeply_nested() -> Vec<String> {
    let depth = 100_000;
    vec![
        "[".repeat(depth),
        format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)),
        format!(
            "{{\"operation\":\"version\",\"params\":{}{}}}",
            "[".repeat(200),
            "]".repeat(200)
        ),
    ]
}

fn assert_refused_text(what: &str, invoke: Invoke, arg: &str) {
    let (answer, _) = invoke(ptr::null());
    answer.assert_error(
        &format!("{what}: NULL"),
        PCM_STATUS_NULL_ARGUMENT,
        "null_argument",
    );
    assert!(
        answer.message().contains(arg),
        "{what}: names '{arg}': {}",
        answer.message()
    );
    for bytes in NOT_UTF8 {
        let (answer, _) = invoke(c_text(bytes).as_ptr());
        answer.assert_error(
            &format!("{what}: {bytes:?}"),
            PCM_STATUS_INVALID_UTF8,
            "invalid_utf8",
        );
        assert!(
            answer.message().contains(arg) && answer.message().contains("UTF-8"),
            "{what}: {answer:?}"
        );
    }
    for text in NOT_JSON
        .iter()
        .map(|t| t.to_string())
        .chain(deeply_nested())
    {
        let shown: String = text.chars().take(60).collect();
        let (answer, _) = invoke(c_text(text.as_bytes()).as_ptr());
        answer.assert_error(
            &format!("{what}: {shown:?}"),
            PCM_STATUS_INVALID_JSON,
            "invalid_json",
        );
    }
}

/// The wrong-shaped requests, for the exports taking a whole request.
fn assert_refused_requests(what: &str, invoke: Invoke, wrong_kind: &str) {
    let wrong_shape = [
        "[]",
        "null",
        "42",
        "true",
        "\"version\"",
        "{}",
        "{\"params\":{}}",
        "{\"operation\":5}",
        "{\"operation\":null}",
        "{\"operation\":[\"version\"]}",
        "{\"operation\":{\"name\":\"version\"}}",
        "{\"operation\":\"version\",\"extra\":1}",
        "{\"Operation\":\"version\"}",
    ];
    for text in wrong_shape {
        let (answer, _) = invoke(c_text(text.as_bytes()).as_ptr());
        answer.assert_error(
            &format!("{what}: {text}"),
            PCM_STATUS_INVALID_REQUEST,
            "invalid_parameter",
        );
    }
    let long = "x".repeat(100_000);
    let unknown = [
        "frobnicate",
        "",
        " version",
        "VERSION",
        "version\u{0}",
        "__test_panic",
        &long,
        wrong_kind,
    ];
    for name in unknown {
        let text = serde_json::json!({ "operation": name }).to_string();
        let (answer, _) = invoke(c_text(text.as_bytes()).as_ptr());
        let shown: String = name.chars().take(20).collect();
        answer.assert_error(
            &format!("{what}: {shown:?}"),
            PCM_STATUS_UNKNOWN_OPERATION,
            "unknown_operation",
        );
    }
}

/// A huge request (a 16 MiB string where a short one belongs) is refused like a small one.
fn assert_refused_huge(what: &str, invoke: Invoke, huge: String) {
    let (answer, _) = invoke(c_text(huge.as_bytes()).as_ptr());
    assert_ne!(answer.status, 0, "{what}: a huge value is refused");
    assert_eq!(answer.response["ok"], false, "{what}");
    assert!(
        answer.message().len() < 64 * 1024,
        "{what}: the error does not echo the value"
    );
}

fn invoke_call(export: CallFn) -> impl Fn(*const c_char) -> (Answer, *mut pcm_job) {
    move |text| (call_with(export, text), ptr::null_mut())
}

fn invoke_start(export: StartFn) -> impl Fn(*const c_char) -> (Answer, *mut pcm_job) {
    move |text| start_with(export, text)
}

/// NULL `response_out`: `PCM_STATUS_NULL_ARGUMENT`, nothing written, and (for starts) `*job_out` NULL.
fn assert_null_response_out(what: &str, export: Result<CallFn, StartFn>, valid: &str) {
    let text = c_text(valid.as_bytes());
    let mut job = POISON as *mut pcm_job;
    let status = match export {
        Ok(call) => unsafe { call(text.as_ptr(), ptr::null_mut()) },
        Err(start) => unsafe { start(text.as_ptr(), &mut job, ptr::null_mut()) },
    };
    assert_eq!(status, support::status(PCM_STATUS_NULL_ARGUMENT), "{what}");
    if export.is_err() {
        assert!(job.is_null(), "{what}: job_out is set to NULL");
    }
}

/// NULL `job_out` with a valid request: refused with an envelope naming `job_out`.
fn assert_null_job_out(what: &str, export: StartFn, valid: &str) {
    let text = c_text(valid.as_bytes());
    let mut out = POISON as *mut c_char;
    let status = unsafe { export(text.as_ptr(), ptr::null_mut(), &mut out) };
    let answer = Answer {
        status,
        response: take(out),
    };
    answer.assert_error(what, PCM_STATUS_NULL_ARGUMENT, "null_argument");
    assert!(answer.message().contains("job_out"), "{what}: {answer:?}");
}

fn hostile_call() {
    let invoke = invoke_call(pcm_call);
    assert_refused_text("pcm_call", &invoke, "request_json");
    assert_refused_requests("pcm_call", &invoke, "probe");
    let huge = serde_json::json!({"operation": "validate", "params": {"operation": "probe",
        "params": {"dbInstance": "x".repeat(16 << 20)}}});
    assert_refused_huge("pcm_call", &invoke, huge.to_string());
    assert_null_response_out("pcm_call", Ok(pcm_call), r#"{"operation":"version"}"#);
    // validate of garbage is refused like the garbage itself.
    let inner = call(r#"{"operation":"validate","params":[]}"#);
    inner.assert_error(
        "validate []",
        PCM_STATUS_INVALID_REQUEST,
        "invalid_parameter",
    );
    let itself = call(r#"{"operation":"validate","params":{"operation":"validate","params":{}}}"#);
    itself.assert_error(
        "validate of validate",
        PCM_STATUS_INVALID_REQUEST,
        "invalid_parameter",
    );
}

/// Valid legacy-client facts (docs/legacy-clients.md) for the pool `fqdn`.
pub fn legacy_facts(fqdn: &str) -> String {
    serde_json::json!({"persistentChatPoolFqdn": fqdn,
        "sipDomains": [{"name": "contoso.com", "isDefault": true}],
        "pools": [format!("PersistentChatServer:{fqdn}")],
        "owners": [{"identity": "CN=ocschat,CN=Users,DC=contoso,DC=com", "sipAddress": "sip:ocschat@contoso.com",
            "enabled": true, "objectKind": "user"}]})
    .to_string()
}

/// The parameters texts of the wrong shape, refused by every export taking an operation's parameters.
const WRONG_PARAMS: &[&str] = &[
    "[]",
    "42",
    "true",
    "\"x\"",
    "{\"noSuchField\":1}",
    "{\"fileName\":7}",
];

fn hostile_legacy_clients_plan() {
    let invoke = invoke_call(pcm_legacy_clients_plan);
    assert_refused_text("pcm_legacy_clients_plan", &invoke, "facts_json");
    for text in WRONG_PARAMS
        .iter()
        .chain(&["null", "{}", "[\"pool.contoso.com\"]"])
    {
        let (answer, _) = invoke(c_text(text.as_bytes()).as_ptr());
        answer.assert_error(
            &format!("legacy plan {text}"),
            PCM_STATUS_INVALID_REQUEST,
            "invalid_parameter",
        );
    }
    let huge = legacy_facts(&format!("{}.contoso.com", "p".repeat(16 << 20)));
    assert_refused_huge("pcm_legacy_clients_plan", &invoke, huge);
    let valid = legacy_facts("pcpool.contoso.com");
    assert_null_response_out(
        "pcm_legacy_clients_plan",
        Ok(pcm_legacy_clients_plan),
        &valid,
    );
    let (answer, _) = invoke(c_text(valid.as_bytes()).as_ptr());
    assert_eq!(answer.assert_ok("the valid facts")["status"], "ready");
}

fn hostile_job_start() {
    let invoke = invoke_start(pcm_job_start);
    assert_refused_text("pcm_job_start", &invoke, "request_json");
    assert_refused_requests("pcm_job_start", &invoke, "version");
    let huge =
        serde_json::json!({"operation": "probe", "params": {"dbInstance": "x".repeat(16 << 20)}});
    assert_refused_huge("pcm_job_start", &invoke, huge.to_string());
    let dir = temp_dir("job-start");
    let package = dir.join("p.zip");
    write_package(&package, 2);
    let valid = inspect_request(&package);
    assert_null_response_out("pcm_job_start", Err(pcm_job_start), &valid);
    assert_null_job_out("pcm_job_start", pcm_job_start, &valid);
    // The same valid request starts a job that inspects the package.
    let (answer, job) = start(&valid);
    answer.assert_ok("the valid request");
    drain(job, Duration::from_secs(60));
    assert_inspected("pcm_job_start", &result(job), &package, 2);
    pcm_job_free(job);
}

fn hostile_named_start(name: &str, operation: &str, export: StartFn) {
    let invoke = invoke_start(export);
    assert_refused_text(name, &invoke, "params_json");
    for text in WRONG_PARAMS
        .iter()
        .chain(&["null", "{}", "[\"pchat-no-such-package.zip\"]"])
    {
        let (answer, _) = invoke(c_text(text.as_bytes()).as_ptr());
        answer.assert_error(
            &format!("{name} {text}"),
            PCM_STATUS_INVALID_REQUEST,
            "invalid_parameter",
        );
        assert!(
            answer.message().contains(operation) || *text == "{}" || *text == "null",
            "{name}: {answer:?}"
        );
    }
    let huge = serde_json::json!({"fileName": "x".repeat(16 << 20), "connection": {"dbInstance": "x".repeat(16 << 20)}});
    assert_refused_huge(name, &invoke, huge.to_string());
    assert_null_response_out(name, Err(export), "{}");
    assert_null_job_out(name, export, "{}");
}

// ---- the handle exports ----

/// A finished inspection's handle, its package and room count.
fn finished_job(name: &str, rooms: usize) -> (*mut pcm_job, std::path::PathBuf) {
    let package = temp_dir(name).join("p.zip");
    write_package(&package, rooms);
    let (answer, job) = start(&inspect_request(&package));
    answer.assert_ok(name);
    let drained = drain(job, Duration::from_secs(60));
    assert_eq!(
        drained.states.last().map(String::as_str),
        Some("succeeded"),
        "{name}"
    );
    (job, package)
}

/// A handle that was valid and has been freed.
fn freed_handle() -> *mut pcm_job {
    let (job, _) = finished_job("freed", 1);
    pcm_job_free(job);
    job
}

/// Every handle that must be refused: NULL, forged ones, a freed one.
fn refused_handles() -> Vec<*mut pcm_job> {
    let mut handles = vec![null_job(), freed_handle()];
    handles.extend(forged_handles());
    handles
}

fn hostile_job_poll() {
    for job in refused_handles() {
        for timeout in [0, 1, u32::MAX] {
            poll(job, timeout).assert_error(
                &format!("poll {job:p}"),
                PCM_STATUS_INVALID_HANDLE,
                "invalid_handle",
            );
        }
    }
    let (job, _) = finished_job("poll", 1);
    let status = unsafe { pcm_job_poll(job, 0, ptr::null_mut()) };
    assert_eq!(status, support::status(PCM_STATUS_NULL_ARGUMENT));
    // After the end has been reported, even the longest wait answers at once.
    let started = std::time::Instant::now();
    poll(job, u32::MAX).assert_error(
        "poll after the end",
        PCM_STATUS_JOB_FINISHED,
        "job_finished",
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "poll(u32::MAX) after the end waited"
    );
    pcm_job_free(job);
    // A NULL response_out consumes nothing: the end is still reported, once.
    let package = temp_dir("poll-null-out").join("p.zip");
    write_package(&package, 1);
    let (answer, job) = start(&inspect_request(&package));
    answer.assert_ok("start");
    while support::status(PCM_STATUS_JOB_RUNNING) == result(job).status {
        assert_eq!(
            unsafe { pcm_job_poll(job, 10, ptr::null_mut()) },
            support::status(PCM_STATUS_NULL_ARGUMENT)
        );
    }
    let drained = drain(job, Duration::from_secs(60));
    assert_eq!(drained.states, ["succeeded"], "one poll reports the end");
    assert!(!drained.events.is_empty(), "the events were kept");
    pcm_job_free(job);
}

fn hostile_job_cancel() {
    for job in refused_handles() {
        assert_eq!(
            pcm_job_cancel(job),
            support::status(PCM_STATUS_INVALID_HANDLE),
            "cancel {job:p}"
        );
    }
    let (job, _) = finished_job("cancel", 1);
    assert_eq!(
        pcm_job_cancel(job),
        support::status(PCM_STATUS_JOB_FINISHED)
    );
    pcm_job_free(job);
    let (listener, job) = hanging_job();
    assert_eq!(pcm_job_cancel(job), 0);
    for _ in 0..10 {
        let again = pcm_job_cancel(job);
        assert!(
            again == 0 || again == support::status(PCM_STATUS_JOB_FINISHED),
            "{again}"
        );
    }
    let drained = drain(job, Duration::from_secs(60));
    assert_eq!(drained.states.last().map(String::as_str), Some("cancelled"));
    result(job).assert_error("cancelled", PCM_STATUS_CANCELLED, "cancelled");
    pcm_job_free(job);
    drop(listener);
}

fn hostile_job_result() {
    for job in refused_handles() {
        result(job).assert_error(
            &format!("result {job:p}"),
            PCM_STATUS_INVALID_HANDLE,
            "invalid_handle",
        );
    }
    let (listener, job) = hanging_job();
    result(job).assert_error(
        "result while running",
        PCM_STATUS_JOB_RUNNING,
        "job_running",
    );
    assert_eq!(
        unsafe { pcm_job_result(job, ptr::null_mut()) },
        support::status(PCM_STATUS_NULL_ARGUMENT)
    );
    pcm_job_free(job);
    drop(listener);
    let (job, package) = finished_job("result", 3);
    assert_eq!(
        unsafe { pcm_job_result(job, ptr::null_mut()) },
        support::status(PCM_STATUS_NULL_ARGUMENT)
    );
    for _ in 0..3 {
        assert_inspected("result, taken again", &result(job), &package, 3);
    }
    pcm_job_free(job);
}

fn hostile_job_free() {
    let (job, package) = finished_job("free", 2);
    // Freeing handles that are not this one (forged, NULL, freed, twice) leaves it alone.
    for other in refused_handles().into_iter().chain(refused_handles()) {
        pcm_job_free(other);
    }
    let near = [job as usize + 1, job as usize + 8, job as usize ^ (1 << 40)];
    for other in near {
        pcm_job_free(other as *mut pcm_job);
    }
    assert_inspected("after the other frees", &result(job), &package, 2);
    pcm_job_free(job);
    // Freed: every use is refused, a second free is ignored, and the handle is never issued again.
    result(job).assert_error(
        "result after free",
        PCM_STATUS_INVALID_HANDLE,
        "invalid_handle",
    );
    pcm_job_free(job);
    let (again, _) = finished_job("free-again", 1);
    assert_ne!(again, job, "handles are not reused");
    pcm_job_free(again);
    // A running job: freed, it is cancelled and waited for; the handle is then refused.
    let (listener, running) = hanging_job();
    pcm_job_free(running);
    assert_eq!(
        pcm_job_cancel(running),
        support::status(PCM_STATUS_INVALID_HANDLE)
    );
    pcm_job_free(running);
    drop(listener);
}

fn hostile_string_free() {
    // NULL is ignored; every other pointer not from the library, and a second free, are undefined behaviour
    // the library cannot detect (docs/c-abi.md): not called here.
    for _ in 0..3 {
        unsafe { pcm_string_free(ptr::null_mut()) };
    }
    // Strings from every kind of export are freed the same way (empty, small, large).
    let large = call(r#"{"operation":"version"}"#);
    assert!(large.response["data"]["operations"].is_object());
    let mut out: *mut c_char = ptr::null_mut();
    assert_eq!(
        unsafe { pcm_job_poll(null_job(), 0, &mut out) },
        support::status(PCM_STATUS_INVALID_HANDLE)
    );
    take(out);
}

// ---- panics forced inside the exports ----

fn assert_panicked(what: &str, answer: &Answer) {
    answer.assert_error(what, PCM_STATUS_PANIC, "internal_panic");
    assert!(
        answer.message().contains("forced by a test"),
        "{what}: {answer:?}"
    );
}

fn panic_in_call() {
    test_hooks::panic_in_next_export();
    assert_panicked("pcm_call", &call(r#"{"operation":"version"}"#));
    call(r#"{"operation":"version"}"#).assert_ok("pcm_call after the panic");
}

fn panic_in_legacy_clients_plan() {
    let facts = c_text(legacy_facts("pcpool.contoso.com").as_bytes());
    test_hooks::panic_in_next_export();
    assert_panicked(
        "pcm_legacy_clients_plan",
        &call_with(pcm_legacy_clients_plan, facts.as_ptr()),
    );
    call_with(pcm_legacy_clients_plan, facts.as_ptr()).assert_ok("the plan after the panic");
}

fn panic_in_job_start() {
    let package = temp_dir("panic-start").join("p.zip");
    write_package(&package, 1);
    let request = c_text(inspect_request(&package).as_bytes());
    test_hooks::panic_in_next_export();
    let (answer, job) = start_with(pcm_job_start, request.as_ptr());
    assert_panicked("pcm_job_start", &answer);
    assert!(job.is_null(), "no job after a panic");
    let (answer, job) = start_with(pcm_job_start, request.as_ptr());
    answer.assert_ok("pcm_job_start after the panic");
    drain(job, Duration::from_secs(60));
    assert_inspected("after the panic", &result(job), &package, 1);
    pcm_job_free(job);
}

fn panic_in_named_start(name: &str, export: StartFn) {
    let package = temp_dir(&format!("panic-{name}")).join("p.zip");
    write_package(&package, 2);
    let params = serde_json::json!({"fileName": package.display().to_string()}).to_string();
    let params = c_text(params.as_bytes());
    test_hooks::panic_in_next_export();
    let (answer, job) = start_with(export, params.as_ptr());
    assert_panicked(name, &answer);
    assert!(job.is_null(), "{name}: no job after a panic");
    // The library still starts jobs afterwards.
    let (answer, job) = start_with(pcm_inspect_package_start, params.as_ptr());
    answer.assert_ok("a named start after the panic");
    drain(job, Duration::from_secs(60));
    assert_inspected(name, &result(job), &package, 2);
    pcm_job_free(job);
}

fn panic_in_job_poll() {
    let package = temp_dir("panic-poll").join("p.zip");
    write_package(&package, 2);
    let (answer, job) = start(&inspect_request(&package));
    answer.assert_ok("start");
    test_hooks::panic_in_next_export();
    assert_panicked("pcm_job_poll", &poll(job, 1000));
    let drained = drain(job, Duration::from_secs(60));
    assert_eq!(drained.states.last().map(String::as_str), Some("succeeded"));
    assert_eq!(
        drained.states.iter().filter(|s| *s != "running").count(),
        1,
        "the end reported once"
    );
    pcm_job_free(job);
}

fn panic_in_job_result() {
    let (job, package) = finished_job("panic-result", 2);
    test_hooks::panic_in_next_export();
    assert_panicked("pcm_job_result", &result(job));
    assert_inspected("the result after the panic", &result(job), &package, 2);
    pcm_job_free(job);
}

fn panic_in_job_cancel() {
    let (listener, job) = hanging_job();
    test_hooks::panic_in_next_export();
    assert_eq!(pcm_job_cancel(job), support::status(PCM_STATUS_PANIC));
    assert_eq!(
        poll(job, 100).assert_ok("still running")["state"],
        "running"
    );
    assert_eq!(pcm_job_cancel(job), 0, "a cancel after the panic works");
    let drained = drain(job, Duration::from_secs(60));
    assert_eq!(drained.states.last().map(String::as_str), Some("cancelled"));
    pcm_job_free(job);
    drop(listener);
}

fn panic_in_job_free() {
    let (job, package) = finished_job("panic-free", 1);
    test_hooks::panic_in_next_export();
    pcm_job_free(job);
    // The panic stopped the free before it released anything: the handle is still valid.
    assert_inspected("after the panicking free", &result(job), &package, 1);
    pcm_job_free(job);
    result(job).assert_error(
        "after the free",
        PCM_STATUS_INVALID_HANDLE,
        "invalid_handle",
    );
}

fn panic_in_string_free() {
    let mut out: *mut c_char = ptr::null_mut();
    let request = c_text(br#"{"operation":"version"}"#);
    assert_eq!(unsafe { pcm_call(request.as_ptr(), &mut out) }, 0);
    let before = unsafe { CStr::from_ptr(out) }.to_owned();
    test_hooks::panic_in_next_export();
    unsafe { pcm_string_free(out) };
    // The panic came before the string was released: it is intact, and freed properly now.
    assert_eq!(unsafe { CStr::from_ptr(out) }, before.as_c_str());
    take(out);
}
