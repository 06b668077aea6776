//! What the fuzz targets do with one input and what they require of the outcome. The targets
//! (fuzz_targets/) call these under libFuzzer on nightly; tests/fuzz_regressions.rs includes this file on stable
//! and replays the checked-in cases (tests/fuzz-regressions/<target>/) through the same functions, so a crash
//! found once stays a failing ordinary test until it is fixed. Only std, serde_json and pchat_migrate here.

use pchat_migrate::error::ErrorCode;
use pchat_migrate::ffi::{pcm_call, pcm_legacy_clients_plan, pcm_status, pcm_string_free};
use pchat_migrate::package::PackageReader;
use pchat_migrate::PcmError;
use serde_json::Value;
use std::ffi::{c_char, CStr, CString};
use std::io::Cursor;
use std::path::Path;

/// The name an in-memory package goes by in messages.
const PACKAGE_NAME: &str = "fuzz-input.zip";

/// `data` as a package, read as `inspect_package` reads one (open, then verify everything). Every refusal must
/// be a clean `invalid_package` error; a package that verifies must then read back in full (the import and
/// the archive read it again after inspect accepted it).
pub fn package_reader(data: &[u8]) {
    if let Err(error) = read_package(data) {
        assert_eq!(
            error.code(),
            ErrorCode::InvalidPackage,
            "a package is refused as invalid_package, not: {error}"
        );
        let message = error.to_string();
        assert!(!message.is_empty(), "the refusal says why");
        // src/package/reader/diagnose.rs's stand-in for bad bytes is internal: it never reaches a message.
        assert!(
            !message.contains("pcm-bad-text") && !message.contains('\u{FDD0}'),
            "the refusal shows the diagnostic marker: {message}"
        );
        assert_eq!(error.to_json()["code"], "invalid_package");
    }
}

fn read_package(data: &[u8]) -> Result<(), PcmError> {
    let mut reader = PackageReader::from_reader(Cursor::new(data), Path::new(PACKAGE_NAME))?;
    reader.verify(|done, total| assert!(done <= total, "progress {done} of {total}"))?;
    if let Err(e) = reader.entities() {
        panic!("a verified package's entities do not read: {e}");
    }
    let rooms: Vec<i32> = reader.manifest().rooms.iter().map(|r| r.room_id).collect();
    for room in rooms {
        if let Err(e) = reader.for_each_message(room, |_, _| Ok(())) {
            panic!("a verified package's history of room {room} does not read: {e}");
        }
    }
    Ok(())
}

/// `data` as the text a C host passes (up to its first NUL, as a C string ends there): parsed as a request,
/// then through `pcm_call` as sent, wrapped in `validate` (which parses and prepares any job operation's
/// parameters without starting a job; `pcm_call` refuses job operations before reading their parameters) and
/// as the facts of `pcm_legacy_clients_plan`. Every answer must be a well-formed envelope whose error code
/// matches the status, and never a caught panic.
pub fn c_abi_request(data: &[u8]) {
    let text = data.split(|b| *b == 0).next().unwrap_or_default();
    let Ok(text) = std::str::from_utf8(text) else {
        let status = call_c(pcm_call, text);
        assert_eq!(status, pcm_status::PCM_STATUS_INVALID_UTF8 as i32);
        return;
    };
    let _ = pchat_migrate::operations::Request::parse(text);
    let Ok(mut value) = serde_json::from_str::<Value>(text) else {
        let status = call_c(pcm_call, text.as_bytes());
        assert_eq!(status, pcm_status::PCM_STATUS_INVALID_JSON as i32);
        return;
    };
    enter_scratch_folder();
    confine_paths(&mut value);
    let request = value.to_string();
    call_c(pcm_call, request.as_bytes());
    let validate = format!(r#"{{"operation":"validate","params":{request}}}"#);
    call_c(pcm_call, validate.as_bytes());
    call_c(pcm_legacy_clients_plan, request.as_bytes());
}

type CallC = unsafe extern "C" fn(*const c_char, *mut *mut c_char) -> i32;

/// Calls a synchronous export with `text` (no NUL) and checks its envelope; returns the status.
fn call_c(function: CallC, text: &[u8]) -> i32 {
    let Ok(request) = CString::new(text) else {
        panic!("the harness passed a NUL");
    };
    let mut response: *mut c_char = std::ptr::null_mut();
    // SAFETY: a NUL-terminated request and a valid out-pointer, as the C ABI requires; the response is read
    // once and freed once with pcm_string_free.
    let (status, answer) = unsafe {
        let status = function(request.as_ptr(), &mut response);
        assert!(!response.is_null(), "status {status} without a response");
        let answer = CStr::from_ptr(response).to_str().map(str::to_owned);
        pcm_string_free(response);
        (status, answer)
    };
    let answer = answer.unwrap_or_else(|e| panic!("the response is not UTF-8: {e}"));
    check_envelope(status, &answer);
    status
}

/// `{"ok":true,"data":...}` with status 0, or `{"ok":false,"error":{...}}` whose code is one of the table's
/// and maps to `status`; a caught panic (PCM_STATUS_PANIC) is a defect found.
fn check_envelope(status: i32, answer: &str) {
    assert_ne!(
        status,
        pcm_status::PCM_STATUS_PANIC as i32,
        "the library panicked: {answer}"
    );
    let envelope: Value = serde_json::from_str(answer)
        .unwrap_or_else(|e| panic!("the response is not JSON ({e}): {answer}"));
    if status == 0 {
        assert_eq!(envelope["ok"], true, "{answer}");
        assert!(envelope.get("data").is_some(), "{answer}");
        return;
    }
    assert_eq!(envelope["ok"], false, "status {status}: {answer}");
    let error = &envelope["error"];
    let code = error["code"].as_str().unwrap_or_default();
    let Some(known) = ErrorCode::ALL.iter().find(|c| c.as_str() == code) else {
        panic!("unknown error code '{code}': {answer}");
    };
    assert_eq!(known.c_status() as i32, status, "{answer}");
    assert_eq!(error["category"], known.powershell_category(), "{answer}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{answer}"
    );
    assert!(error["details"].is_object(), "{answer}");
}

/// Moves the process into a folder of its own under the temporary folder, once: the checks of job parameters
/// look at the file system (an export probes that it can write its package's folder), and with
/// [`confine_paths`] everything they look at or probe is inside that folder.
fn enter_scratch_folder() {
    static ENTERED: std::sync::Once = std::sync::Once::new();
    ENTERED.call_once(|| {
        // One name for every run: the probes the checks make are named by process and removed at once.
        let folder = std::env::temp_dir().join("pchat-fuzz-scratch");
        if let Err(e) =
            std::fs::create_dir_all(&folder).and_then(|()| std::env::set_current_dir(&folder))
        {
            panic!(
                "cannot use {} as the fuzz scratch folder: {e}",
                folder.display()
            );
        }
    });
}

/// Makes every string of `value` a path inside the current folder if it is read as one: no leading `/`, no `..`
/// component (Windows forms such as `C:\x` are plain names on Linux). Keys are left alone.
pub fn confine_paths(value: &mut Value) {
    match value {
        Value::String(text) if text.starts_with('/') || text.contains("..") => {
            let confined: Vec<&str> = text
                .trim_start_matches('/')
                .split('/')
                .map(|part| if part.contains("..") { "_" } else { part })
                .collect();
            *text = confined.join("/");
        }
        Value::Array(items) => items.iter_mut().for_each(confine_paths),
        Value::Object(map) => map.values_mut().for_each(confine_paths),
        _ => {}
    }
}
