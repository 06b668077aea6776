//! Calling the C ABI from Rust the way a C host does (raw pointers, out-parameters, `pcm_string_free`), and the
//! small packages the inspections read, written by the project's own [`PackageWriter`].

use pchat_migrate::ffi::*;
use pchat_migrate::package::*;
use serde_json::Value;
use std::ffi::{c_char, CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr;
use std::time::Duration;

#[path = "../common/sample.rs"]
mod sample;

/// The signature of `pcm_job_start` and of every named `pcm_<operation>_start`.
pub type StartFn = unsafe extern "C" fn(*const c_char, *mut *mut pcm_job, *mut *mut c_char) -> i32;
/// The signature of `pcm_call` and `pcm_legacy_clients_plan`.
pub type CallFn = unsafe extern "C" fn(*const c_char, *mut *mut c_char) -> i32;

/// A value no export writes: out-parameters are pre-filled with it to see that they were set.
pub const POISON: usize = 0x5a5a_5a50;

pub fn status(s: pcm_status) -> i32 {
    s as i32
}

/// A C string of `bytes` (which hold no NUL).
pub fn c_text(bytes: &[u8]) -> CString {
    CString::new(bytes).expect("test texts hold no NUL")
}

/// Reads a string the library handed out, checks it is UTF-8 JSON, and frees it.
pub fn take(s: *mut c_char) -> Value {
    assert!(!s.is_null(), "a response was expected");
    let text = unsafe { CStr::from_ptr(s) }
        .to_str()
        .expect("responses are UTF-8")
        .to_string();
    unsafe { pcm_string_free(s) };
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("response is not JSON ({e}): {text}"))
}

/// A status with the envelope written beside it.
#[derive(Debug)]
pub struct Answer {
    pub status: i32,
    pub response: Value,
}

impl Answer {
    /// The message of an error envelope (empty for a success).
    pub fn message(&self) -> &str {
        self.response["error"]["message"]
            .as_str()
            .unwrap_or_default()
    }

    /// Asserts an error envelope with every documented member, `status` and `code`; `what` names the case.
    pub fn assert_error(&self, what: &str, status: pcm_status, code: &str) {
        assert_eq!(
            (self.status, self.response["error"]["code"].as_str()),
            (status as i32, Some(code)),
            "{what}: {}",
            self.response
        );
        let error = &self.response["error"];
        assert_eq!(self.response["ok"], false, "{what}: {}", self.response);
        assert!(!self.message().trim().is_empty(), "{what}: no message");
        assert!(error["category"].is_string(), "{what}: {}", self.response);
        assert!(error["details"].is_object(), "{what}: {}", self.response);
    }

    pub fn assert_ok(&self, what: &str) -> &Value {
        assert_eq!(self.status, 0, "{what}: {}", self.response);
        assert_eq!(self.response["ok"], true, "{what}: {}", self.response);
        &self.response["data"]
    }
}

pub fn call_with(export: CallFn, text: *const c_char) -> Answer {
    let mut out = POISON as *mut c_char;
    let status = unsafe { export(text, &mut out) };
    Answer {
        status,
        response: take(out),
    }
}

pub fn call(request: &str) -> Answer {
    call_with(pcm_call, c_text(request.as_bytes()).as_ptr())
}

/// Starts a job; the handle is NULL unless the start succeeded (checked here).
pub fn start_with(export: StartFn, text: *const c_char) -> (Answer, *mut pcm_job) {
    let mut job = POISON as *mut pcm_job;
    let mut out = POISON as *mut c_char;
    let status = unsafe { export(text, &mut job, &mut out) };
    let answer = Answer {
        status,
        response: take(out),
    };
    assert_eq!(
        job.is_null(),
        status != 0,
        "the handle is set exactly on success: {answer:?}"
    );
    (answer, job)
}

pub fn start(request: &str) -> (Answer, *mut pcm_job) {
    start_with(pcm_job_start, c_text(request.as_bytes()).as_ptr())
}

pub fn poll(job: *mut pcm_job, timeout_ms: u32) -> Answer {
    let mut out = POISON as *mut c_char;
    let status = unsafe { pcm_job_poll(job, timeout_ms, &mut out) };
    Answer {
        status,
        response: take(out),
    }
}

pub fn result(job: *mut pcm_job) -> Answer {
    let mut out = POISON as *mut c_char;
    let status = unsafe { pcm_job_result(job, &mut out) };
    Answer {
        status,
        response: take(out),
    }
}

/// What polling a job to its end saw.
pub struct Drained {
    pub events: Vec<Value>,
    /// Every state a poll reported, in order (the last is the final one).
    pub states: Vec<String>,
}

/// Polls until `PCM_STATUS_JOB_FINISHED`, at most `limit`.
pub fn drain(job: *mut pcm_job, limit: Duration) -> Drained {
    let deadline = std::time::Instant::now() + limit;
    let mut drained = Drained {
        events: Vec::new(),
        states: Vec::new(),
    };
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the job did not end in {limit:?}"
        );
        let answer = poll(job, 50);
        if answer.status == status(pcm_status::PCM_STATUS_JOB_FINISHED) {
            return drained;
        }
        let data = answer.assert_ok("poll").clone();
        drained
            .events
            .extend(data["events"].as_array().cloned().unwrap_or_default());
        drained
            .states
            .push(data["state"].as_str().unwrap_or_default().to_string());
    }
}

/// A fresh folder under the temporary directory for this test binary.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pcm-cabi-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A valid package with `rooms` rooms (ids 10, 11, ...); room `10 + k` holds `k + 1` messages.
pub fn write_package(path: &Path, rooms: usize) {
    let room_ids: Vec<i32> = (0..rooms)
        .map(|k| 10 + i32::try_from(k).expect("few rooms"))
        .collect();
    let mut writer = PackageWriter::create(path).expect("create");
    let entities = Entities {
        principals: vec![
            sample::principal(1, "sip:system"),
            sample::principal(2, "sip:ann@contoso.com"),
        ],
        categories: vec![
            sample::node(1, NodeKind::Category, None, "Root", &[]),
            sample::node(2, NodeKind::Category, Some(1), "Sales", &[]),
        ],
        rooms: room_ids
            .iter()
            .map(|id| sample::node(*id, NodeKind::Room, Some(2), &format!("Room {id}"), &[]))
            .collect(),
        ..Entities::default()
    };
    writer
        .write_entities(&entities, || Ok(()))
        .expect("entities");
    let mut histories = Vec::new();
    for (k, id) in room_ids.iter().enumerate() {
        let messages: Vec<Message> = (0..=k)
            .map(|i| {
                let i = i64::try_from(i).expect("few messages");
                sample::message(
                    i + 1,
                    634_500_000_000_000_000 + i,
                    &format!("message {i} of room {id}"),
                )
            })
            .collect();
        writer
            .write_entry(&messages_entry(*id), &messages)
            .expect("history");
        histories.push(room_history(*id, &messages));
    }
    writer
        .finish(manifest(&entities, histories))
        .expect("finish");
}

/// The number of messages [`write_package`] writes for `rooms` rooms.
pub fn package_messages(rooms: usize) -> u64 {
    u64::try_from(rooms * (rooms + 1) / 2).expect("small")
}

fn room_history(room_id: i32, messages: &[Message]) -> RoomHistory {
    RoomHistory {
        room_id,
        entry: messages_entry(room_id),
        messages: u64::try_from(messages.len()).expect("small"),
        first_chat_id: messages.first().map(|m| m.chat_id),
        last_chat_id: messages.last().map(|m| m.chat_id),
        chat_id_bound: messages.last().map(|m| m.chat_id),
        first_message_utc: messages.first().map(|m| m.chat_date_utc.clone()),
        last_message_utc: messages.last().map(|m| m.chat_date_utc.clone()),
    }
}

fn manifest(entities: &Entities, rooms: Vec<RoomHistory>) -> Manifest {
    let count = |n: usize| u64::try_from(n).expect("small");
    Manifest {
        format: FORMAT_NAME.into(),
        format_version: format!("{FORMAT_MAJOR}.{FORMAT_MINOR}"),
        tool: ToolInfo {
            name: "pchat-migrate".into(),
            version: "c-abi-hostile".into(),
        },
        created_utc: "2026-11-24T00:00:00Z".into(),
        source: SourceInfo {
            db_instance: "sql01".into(),
            database: "GroupChat".into(),
            kind: "LyncGroupChat2010".into(),
            product_version: None,
        },
        parameters: serde_json::json!({ "level": "All" }),
        counts: EntityCounts {
            principals: count(entities.principals.len()),
            categories: count(entities.categories.len()),
            rooms: count(entities.rooms.len()),
            roles: 0,
            scopes: 0,
            addins: 0,
            messages: rooms.iter().map(|r| r.messages).sum(),
        },
        rooms,
        entries: Vec::new(),
    }
}

/// An inspect_package request for `path`.
pub fn inspect_request(path: &Path) -> String {
    serde_json::json!({"operation": "inspect_package", "params": {"fileName": path.display().to_string()}})
        .to_string()
}

/// Asserts that a successful inspection result describes the package [`write_package`] wrote with `rooms`.
pub fn assert_inspected(what: &str, answer: &Answer, path: &Path, rooms: usize) {
    let data = answer.assert_ok(what);
    assert_eq!(data["path"], path.display().to_string(), "{what}");
    assert_eq!(data["counts"]["rooms"], rooms, "{what}: {data}");
    assert_eq!(
        data["counts"]["messages"],
        package_messages(rooms),
        "{what}: {data}"
    );
    let listed = data["rooms"].as_array().map(Vec::len);
    assert_eq!(listed, Some(rooms), "{what}: {data}");
}

/// A TCP listener that accepts connections and never answers: a probe to it hangs until cancelled, a job that
/// runs as long as a test needs without any SQL server.
pub fn silent_listener() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let request = serde_json::json!({"operation": "probe", "params": {
        "dbInstance": format!("127.0.0.1,{port}"), "user": "sa", "password": "x",
        "encryption": "Plaintext", "connectTimeoutSeconds": 120, "connectRetryCount": 0}});
    (listener, request.to_string())
}

/// Starts a job that keeps running until cancelled (see [`silent_listener`]; keep the listener alive).
pub fn hanging_job() -> (std::net::TcpListener, *mut pcm_job) {
    let (listener, request) = silent_listener();
    let (answer, job) = start(&request);
    answer.assert_ok("the hanging probe starts");
    let first = poll(job, 200);
    assert_eq!(first.assert_ok("first poll")["state"], "running");
    (listener, job)
}

/// A handle no export ever returned: not a multiple of 16, or far beyond every handle issued.
pub fn forged_handles() -> Vec<*mut pcm_job> {
    let on_stack = 0u64;
    let on_heap = Box::new(0u128);
    let values = [
        1usize,
        8,
        0xff0,
        0x1_0011,
        0x1_0018,
        usize::MAX,
        usize::MAX & !15,
        &on_stack as *const u64 as usize | 1,
        &*on_heap as *const u128 as usize,
    ];
    values.iter().map(|v| *v as *mut pcm_job).collect()
}

pub fn null_job() -> *mut pcm_job {
    ptr::null_mut()
}
