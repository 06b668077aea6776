//! Misuse of the C ABI must give clear errors, never a crash.

use super::*;
use std::ffi::CString;
use std::net::TcpListener;
use std::ptr;

fn take(s: *mut c_char) -> Value {
    assert!(!s.is_null(), "a response was expected");
    let text = unsafe { CStr::from_ptr(s) }
        .to_str()
        .expect("utf-8")
        .to_string();
    unsafe { pcm_string_free(s) };
    serde_json::from_str(&text).expect("response is JSON")
}

fn call(request: &[u8]) -> (i32, Value) {
    let c = CString::new(request).expect("no NUL");
    let mut out = ptr::null_mut();
    let status = unsafe { pcm_call(c.as_ptr(), &mut out) };
    (status, take(out))
}

fn start(request: &str) -> (i32, *mut pcm_job, Value) {
    let c = CString::new(request).expect("no NUL");
    let mut job = ptr::null_mut();
    let mut out = ptr::null_mut();
    let status = unsafe { pcm_job_start(c.as_ptr(), &mut job, &mut out) };
    (status, job, take(out))
}

fn poll(job: *mut pcm_job, timeout_ms: u32) -> (i32, Value) {
    let mut out = ptr::null_mut();
    let status = unsafe { pcm_job_poll(job, timeout_ms, &mut out) };
    (status, take(out))
}

fn result(job: *mut pcm_job) -> (i32, Value) {
    let mut out = ptr::null_mut();
    let status = unsafe { pcm_job_result(job, &mut out) };
    (status, take(out))
}

/// Polls until the job reports an end state; returns every event seen.
fn drain(job: *mut pcm_job) -> Vec<Value> {
    let mut events = Vec::new();
    for _ in 0..400 {
        let (status, response) = poll(job, 100);
        if status == PCM_STATUS_JOB_FINISHED as i32 {
            return events;
        }
        assert_eq!(status, 0, "{response}");
        events.extend(
            response["data"]["events"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
    }
    panic!("job did not finish in 40 s");
}

#[test]
fn version_and_abi() {
    let v = unsafe { CStr::from_ptr(pcm_version()) }
        .to_str()
        .expect("utf-8");
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
    assert_eq!(pcm_abi_version(), crate::ABI_VERSION);
    let name = unsafe { CStr::from_ptr(pcm_status_name(7001)) }
        .to_str()
        .expect("utf-8");
    assert_eq!(name, "PCM_STATUS_NULL_ARGUMENT");
    let name = unsafe { CStr::from_ptr(pcm_status_name(-5)) }
        .to_str()
        .expect("utf-8");
    assert_eq!(name, "PCM_STATUS_UNKNOWN");
    let (status, response) = call(br#"{"operation":"version"}"#);
    assert_eq!(status, 0);
    assert_eq!(response["data"]["abiVersion"], crate::ABI_VERSION);
}

#[test]
fn null_pointers_are_refused() {
    let mut out = ptr::null_mut();
    assert_eq!(
        unsafe { pcm_call(ptr::null(), &mut out) },
        PCM_STATUS_NULL_ARGUMENT as i32
    );
    let response = take(out);
    assert_eq!(response["error"]["code"], "null_argument");
    let req = CString::new("{}").expect("no NUL");
    assert_eq!(
        unsafe { pcm_call(req.as_ptr(), ptr::null_mut()) },
        PCM_STATUS_NULL_ARGUMENT as i32
    );
    let mut out = ptr::null_mut();
    assert_eq!(
        unsafe { pcm_job_start(req.as_ptr(), ptr::null_mut(), &mut out) },
        PCM_STATUS_NULL_ARGUMENT as i32
    );
    take(out);
    let (status, response) = poll(ptr::null_mut(), 0);
    assert_eq!(status, PCM_STATUS_INVALID_HANDLE as i32);
    assert_eq!(response["error"]["code"], "invalid_handle");
    assert_eq!(
        pcm_job_cancel(ptr::null_mut()),
        PCM_STATUS_INVALID_HANDLE as i32
    );
    pcm_job_free(ptr::null_mut());
    unsafe { pcm_string_free(ptr::null_mut()) };
}

#[test]
fn invalid_utf8_and_json() {
    let (status, response) = call(b"{\"operation\":\"\xff\"}");
    assert_eq!(status, PCM_STATUS_INVALID_UTF8 as i32);
    assert!(response["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("UTF-8"));
    let (status, response) = call(b"{not json");
    assert_eq!(status, PCM_STATUS_INVALID_JSON as i32);
    assert_eq!(response["ok"], false);
    let (status, response) = call(br#"{"operation":"frobnicate"}"#);
    assert_eq!(status, PCM_STATUS_UNKNOWN_OPERATION as i32);
    assert!(response["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("frobnicate"));
    let (status, _) = call(br#"{"operation":"version","extra":1}"#);
    assert_eq!(status, PCM_STATUS_INVALID_REQUEST as i32);
}

#[test]
fn validation_errors_name_the_parameter() {
    let (status, response) = call(
        br#"{"operation":"validate","params":{"operation":"probe","params":{"dbInstance":""}}}"#,
    );
    assert_eq!(status, PCM_STATUS_INVALID_REQUEST as i32);
    assert_eq!(response["error"]["code"], "invalid_db_instance");
    let (status, _job, response) = start(r#"{"operation":"probe","params":{"dbInstance":"a,b"}}"#);
    assert_eq!(status, PCM_STATUS_INVALID_REQUEST as i32);
    assert!(response["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("'b'"));
}

#[test]
fn a_panic_inside_an_export_becomes_an_error() {
    let (status, response) = call(br#"{"operation":"__test_panic"}"#);
    assert_eq!(status, PCM_STATUS_PANIC as i32);
    assert_eq!(response["error"]["code"], "internal_panic");
    assert!(response["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("forced by a test"));
    // The library still works afterwards.
    let (status, _) = call(br#"{"operation":"version"}"#);
    assert_eq!(status, 0);
}

#[test]
fn failed_job_lifecycle_and_misuse() {
    // A closed port: the probe fails fast with a connection error.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let request = format!(
        r#"{{"operation":"probe","params":{{"dbInstance":"127.0.0.1,{port}","user":"sa","password":"x","encryption":"Plaintext","connectTimeoutSeconds":5,"connectRetryCount":0}}}}"#
    );
    let (status, job, response) = start(&request);
    assert_eq!(status, 0, "{response}");
    assert_eq!(response["data"]["operation"], "probe");
    let events = drain(job);
    assert!(events.iter().any(|e| e["type"] == "progress"), "{events:?}");
    let (status, response) = result(job);
    assert_eq!(status, PCM_STATUS_OPERATION_FAILED as i32);
    assert_eq!(response["error"]["code"], "connection_failed", "{response}");
    // Taking the result twice gives the same answer.
    assert_eq!(result(job).1, response);
    // Polling or cancelling a finished job is a clear error.
    let (status, response) = poll(job, 0);
    assert_eq!(status, PCM_STATUS_JOB_FINISHED as i32);
    assert_eq!(response["error"]["code"], "job_finished");
    assert_eq!(pcm_job_cancel(job), PCM_STATUS_JOB_FINISHED as i32);
    pcm_job_free(job);
    // A freed handle is unknown, and freeing twice is harmless.
    assert_eq!(poll(job, 0).0, PCM_STATUS_INVALID_HANDLE as i32);
    pcm_job_free(job);
}

#[test]
fn cancelling_a_hanging_job() {
    // A listener that accepts and never answers: the probe hangs in the pre-login until cancelled.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let request = format!(
        r#"{{"operation":"probe","params":{{"dbInstance":"127.0.0.1,{port}","user":"sa","password":"x","encryption":"Plaintext","connectTimeoutSeconds":60}}}}"#
    );
    let (status, job, _) = start(&request);
    assert_eq!(status, 0);
    let (status, response) = poll(job, 200);
    assert_eq!(status, 0);
    assert_eq!(response["data"]["state"], "running");
    let (status, _) = result(job);
    assert_eq!(status, PCM_STATUS_JOB_RUNNING as i32);
    assert_eq!(pcm_job_cancel(job), 0);
    // A second cancel while it winds down is fine.
    let second = pcm_job_cancel(job);
    assert!(second == 0 || second == PCM_STATUS_JOB_FINISHED as i32);
    drain(job);
    let (status, response) = result(job);
    assert_eq!(status, PCM_STATUS_CANCELLED as i32);
    assert_eq!(response["error"]["code"], "cancelled");
    pcm_job_free(job);
    drop(listener);
}

#[test]
fn inspect_package_is_a_job() {
    // pcm_call refuses it and says how to run it.
    let (status, response) =
        call(br#"{"operation":"inspect_package","params":{"fileName":"x.zip"}}"#);
    assert_eq!(status, PCM_STATUS_UNKNOWN_OPERATION as i32, "{response}");
    assert!(
        response["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("pcm_job_start")),
        "{response}"
    );
    // As a job: progress, then the operation's own error (here: the file does not exist).
    let missing = std::env::temp_dir().join(format!("pcm-ffi-missing-{}.zip", std::process::id()));
    let request = serde_json::json!({
        "operation": "inspect_package",
        "params": { "fileName": missing.display().to_string() }
    })
    .to_string();
    let (status, job, response) = start(&request);
    assert_eq!(status, 0, "{response}");
    assert_eq!(response["data"]["operation"], "inspect_package");
    drain(job);
    let (status, response) = result(job);
    assert_eq!(status, PCM_STATUS_OPERATION_FAILED as i32, "{response}");
    assert!(
        response["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("pcm-ffi-missing")),
        "{response}"
    );
    pcm_job_free(job);
}

#[test]
fn abi_constants_agree() {
    assert_eq!(PCM_ABI_VERSION, crate::ABI_VERSION);
}

/// A password no test output, message or result may contain.
const MARKER_PASSWORD: &str = "Pw-\"q\\-n\u{e9}-\u{1F600}-9f3c1e77";

#[test]
fn job_results_and_errors_never_echo_the_password() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let connection = serde_json::json!({"dbInstance": format!("127.0.0.1,{port}"), "user": "sa",
        "password": MARKER_PASSWORD, "encryption": "Plaintext", "connectTimeoutSeconds": 5, "connectRetryCount": 0});
    let never_echoed = |what: &str, text: &str| {
        assert!(text.contains("\"ok\""), "{what} is an envelope: {text}");
        for part in [MARKER_PASSWORD, "9f3c1e77"] {
            assert!(!text.contains(part), "{what} echoes the password: {text}");
        }
    };
    // A failed job: start, events and the error result.
    let request = serde_json::json!({"operation": "probe", "params": connection});
    let (status, job, response) = start(&request.to_string());
    assert_eq!(status, 0, "{response}");
    never_echoed("the start response", &response.to_string());
    let events = drain(job);
    never_echoed("the events", &format!("{{\"ok\":1,\"e\":{events:?}}}"));
    let (_, response) = result(job);
    assert_eq!(response["error"]["code"], "connection_failed", "{response}");
    never_echoed("the error result", &response.to_string());
    pcm_job_free(job);
    // A successful validate of the same request, and an invalid one (its error names the parameter, not the value).
    let (status, response) = call(
        serde_json::json!({"operation": "validate", "params": request})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(status, 0, "{response}");
    never_echoed("the validate result", &response.to_string());
    let mut bad = connection.clone();
    bad["connectTimeoutSeconds"] = 0.into();
    let (status, response) = call(
        serde_json::json!({"operation": "validate", "params": {"operation": "probe", "params": bad}})
            .to_string()
            .as_bytes(),
    );
    assert_ne!(status, 0, "{response}");
    never_echoed("the validation error", &response.to_string());
}

#[test]
fn a_request_shows_its_password_as_stars_and_wipes_it_on_drop() {
    let text = serde_json::json!({"operation": "probe", "params": {"dbInstance": "a", "user": "u",
        "password": MARKER_PASSWORD}})
    .to_string();
    let request = crate::operations::Request::parse(&text).expect("parses");
    let shown = format!("{request:?}");
    assert!(
        !shown.contains("9f3c1e77") && shown.contains("***"),
        "{shown}"
    );
    let mut params = request.params.clone();
    crate::operations::wipe_passwords(&mut params);
    let wiped = params["password"].as_str().expect("still a string");
    assert!(wiped.is_empty(), "wiped: {wiped:?}");
    assert_eq!(params["user"], "u", "other fields are left alone");
}

#[test]
fn the_secret_buffer_is_zeroed_by_zeroize() {
    use zeroize::Zeroize;
    let secret = crate::connection::Secret::new(String::from(MARKER_PASSWORD));
    let mut text = secret.into_text().expect("the only holder");
    let (ptr, capacity) = text.allocation();
    assert!(capacity >= MARKER_PASSWORD.len());
    text.zeroize();
    // The allocation is still owned by `text` (zeroize keeps the capacity), so reading it is sound.
    let (after, _) = text.allocation();
    assert_eq!(after, ptr, "zeroize must wipe in place, not reallocate");
    let bytes = unsafe { std::slice::from_raw_parts(ptr, capacity) };
    assert!(bytes.iter().all(|b| *b == 0), "left: {bytes:?}");
    // Drop runs the same wipe (ZeroizeOnDrop is the marker; Drop calls zeroize()).
    fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    zeroized_on_drop::<crate::connection::params::SecretText>();
}
