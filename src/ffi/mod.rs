//! The C ABI (prefix `pcm_`): the only module with `unsafe`.
//!
//! Contract (docs/c-abi.md): UTF-8 JSON in and out; every export behind a panic boundary; every pointer
//! checked; strings handed out are freed with [`pcm_string_free`]; jobs are opaque handles looked up in a
//! registry, so a stale or doubly-freed handle is an error, never undefined behaviour.
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]

mod handles;
#[doc(hidden)]
pub mod test_hooks;

use crate::error::{ErrorCode, PcmError};
use crate::jobs::{panic_message, JobProtocolError};
use crate::operations::{self, Request};
use handles::JobRegistry;
use serde_json::{json, Value};
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

/// Stable status codes returned by every fallible export.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum pcm_status {
    PCM_STATUS_OK = 0,
    PCM_STATUS_NULL_ARGUMENT = 7001,
    PCM_STATUS_INVALID_UTF8 = 7002,
    PCM_STATUS_INVALID_JSON = 7003,
    PCM_STATUS_INVALID_REQUEST = 7004,
    PCM_STATUS_UNKNOWN_OPERATION = 7005,
    PCM_STATUS_OPERATION_FAILED = 7006,
    PCM_STATUS_JOB_RUNNING = 7007,
    PCM_STATUS_JOB_FINISHED = 7008,
    PCM_STATUS_CANCELLED = 7009,
    PCM_STATUS_PANIC = 7010,
    PCM_STATUS_RUNTIME = 7011,
    PCM_STATUS_INVALID_HANDLE = 7012,
}

use pcm_status::*;

/// Opaque handle of a running or finished job.
pub struct pcm_job {
    _private: [u8; 0],
}

/// Version of the ABI (`PCM_ABI_VERSION` in the header, defined in cbindgen.toml; tests keep them equal).
pub const PCM_ABI_VERSION: u32 = crate::ABI_VERSION;

static VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("version contains NUL"),
    };

/// The `data` of a successful job start.
#[derive(serde::Serialize)]
struct JobStarted {
    operation: String,
}

/// The error of a failure of the boundary itself (the same members as [`PcmError::to_json`]).
#[derive(serde::Serialize)]
struct BoundaryError {
    code: ErrorCode,
    category: &'static str,
    message: String,
    details: serde_json::Map<String, Value>,
}

fn to_data(data: &impl serde::Serialize) -> Result<Value, Failure> {
    serde_json::to_value(data).map_err(|e| PcmError::Internal(e.to_string()).into())
}

/// What went wrong at the boundary: a status plus the error envelope to hand back.
struct Failure {
    status: pcm_status,
    error: Value,
}

impl Failure {
    /// A failure of the boundary itself (NULL, UTF-8, handles, the job protocol, panics): its status is the
    /// code's.
    fn new(code: ErrorCode, message: impl Into<String>) -> Failure {
        Failure {
            status: code.c_status(),
            error: serde_json::to_value(BoundaryError {
                code,
                category: code.powershell_category(),
                message: message.into(),
                details: serde_json::Map::new(),
            })
            .unwrap_or(Value::Null),
        }
    }
}

impl From<PcmError> for Failure {
    fn from(error: PcmError) -> Failure {
        Failure {
            status: error.code().c_status(),
            error: error.to_json(),
        }
    }
}

fn ok_envelope(data: Value) -> Value {
    json!({ "ok": true, "data": data })
}

fn error_envelope(error: Value) -> Value {
    json!({ "ok": false, "error": error })
}

/// Writes `value` as a freshly allocated C string into `*out`.
unsafe fn write_response(out: *mut *mut c_char, value: &Value) {
    if out.is_null() {
        return;
    }
    // serde_json escapes U+0000 as \u0000, so the text never holds an interior NUL.
    let text = CString::new(value.to_string()).unwrap_or_else(|_| c"{\"ok\":false}".to_owned());
    *out = text.into_raw();
}

/// Runs `body` behind the panic boundary and writes its response envelope.
unsafe fn respond(out: *mut *mut c_char, body: impl FnOnce() -> Result<Value, Failure>) -> i32 {
    if out.is_null() {
        return PCM_STATUS_NULL_ARGUMENT as i32;
    }
    *out = std::ptr::null_mut();
    let guarded = || {
        test_hooks::panic_if_armed();
        body()
    };
    let (status, envelope) = match catch_unwind(AssertUnwindSafe(guarded)) {
        Ok(Ok(data)) => (PCM_STATUS_OK, ok_envelope(data)),
        Ok(Err(failure)) => (failure.status, error_envelope(failure.error)),
        Err(panic) => {
            let failure = Failure::new(
                ErrorCode::InternalPanic,
                format!(
                    "internal error in pchat-migrate (caught; the session is intact): {}",
                    panic_message(panic.as_ref())
                ),
            );
            (failure.status, error_envelope(failure.error))
        }
    };
    write_response(out, &envelope);
    status as i32
}

/// Reads a NUL-terminated UTF-8 argument.
unsafe fn read_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::new(
            ErrorCode::NullArgument,
            format!("argument '{name}' is NULL"),
        ));
    }
    CStr::from_ptr(ptr).to_str().map_err(|e| {
        Failure::new(
            ErrorCode::InvalidUtf8,
            format!(
                "argument '{name}' is not valid UTF-8 (byte {})",
                e.valid_up_to()
            ),
        )
    })
}

fn parse_request(text: &str) -> Result<Request, Failure> {
    let request = Request::parse(text)?;
    #[cfg(test)]
    if request.operation == "__test_panic" {
        panic!("forced by a test");
    }
    Ok(request)
}

fn invalid_handle() -> Failure {
    Failure::new(
        ErrorCode::InvalidHandle,
        "the job handle is NULL, was already freed, or did not come from pcm_job_start",
    )
}

fn protocol_failure(error: JobProtocolError) -> Failure {
    match error {
        JobProtocolError::Finished => Failure::new(ErrorCode::JobFinished, error.to_string()),
        JobProtocolError::StillRunning => Failure::new(ErrorCode::JobRunning, error.to_string()),
    }
}

/// Library version, e.g. `"0.1.0"`. Static: do not free.
#[no_mangle]
pub extern "C" fn pcm_version() -> *const c_char {
    VERSION.as_ptr()
}

/// ABI version ([`PCM_ABI_VERSION`]); hosts refuse to run on mismatch.
#[no_mangle]
pub extern "C" fn pcm_abi_version() -> u32 {
    PCM_ABI_VERSION
}

/// The name of a status value (what [`pcm_status_name`] returns), `"PCM_STATUS_UNKNOWN"` for other values.
#[cfg(test)]
pub(crate) fn status_name(status: i32) -> &'static str {
    status_cname(status)
        .to_str()
        .unwrap_or("PCM_STATUS_UNKNOWN")
}

fn status_cname(status: i32) -> &'static CStr {
    match status {
        0 => c"PCM_STATUS_OK",
        7001 => c"PCM_STATUS_NULL_ARGUMENT",
        7002 => c"PCM_STATUS_INVALID_UTF8",
        7003 => c"PCM_STATUS_INVALID_JSON",
        7004 => c"PCM_STATUS_INVALID_REQUEST",
        7005 => c"PCM_STATUS_UNKNOWN_OPERATION",
        7006 => c"PCM_STATUS_OPERATION_FAILED",
        7007 => c"PCM_STATUS_JOB_RUNNING",
        7008 => c"PCM_STATUS_JOB_FINISHED",
        7009 => c"PCM_STATUS_CANCELLED",
        7010 => c"PCM_STATUS_PANIC",
        7011 => c"PCM_STATUS_RUNTIME",
        7012 => c"PCM_STATUS_INVALID_HANDLE",
        _ => c"PCM_STATUS_UNKNOWN",
    }
}

/// Name of a status code, e.g. `"PCM_STATUS_NULL_ARGUMENT"`; `"PCM_STATUS_UNKNOWN"` for other values.
/// Static: do not free.
#[no_mangle]
pub extern "C" fn pcm_status_name(status: i32) -> *const c_char {
    status_cname(status).as_ptr()
}

/// Runs a synchronous operation. `*response_out` receives a JSON envelope for every status except
/// `PCM_STATUS_NULL_ARGUMENT` on `response_out` itself; free it with [`pcm_string_free`].
#[no_mangle]
pub unsafe extern "C" fn pcm_call(
    request_json: *const c_char,
    response_out: *mut *mut c_char,
) -> i32 {
    respond(response_out, || {
        let request = parse_request(read_str(request_json, "request_json")?)?;
        Ok(operations::call(&request)?)
    })
}

/// Plans legacy-client access (step 7: the lookup SIP URI as a Persistent Chat endpoint) from `facts_json`, the
/// facts the host gathered: the same as [`pcm_call`] with `{"operation":"legacy_clients_plan","params":<facts_json>}`
/// (synchronous, the same envelope and statuses). A plan with blockers is a success (`"status":"blocked"`).
#[no_mangle]
pub unsafe extern "C" fn pcm_legacy_clients_plan(
    facts_json: *const c_char,
    response_out: *mut *mut c_char,
) -> i32 {
    respond(response_out, || {
        let text = read_str(facts_json, "facts_json")?;
        let params: Value =
            serde_json::from_str(text).map_err(|e| PcmError::InvalidJson(e.to_string()))?;
        let request =
            Request::from_value(json!({ "operation": "legacy_clients_plan", "params": params }))?;
        Ok(operations::call(&request)?)
    })
}

/// Starts a job. On success `*job_out` receives the handle (free it with [`pcm_job_free`]).
#[no_mangle]
pub unsafe extern "C" fn pcm_job_start(
    request_json: *const c_char,
    job_out: *mut *mut pcm_job,
    response_out: *mut *mut c_char,
) -> i32 {
    start_with(job_out, response_out, || {
        parse_request(read_str(request_json, "request_json")?)
    })
}

/// The request of a named start function: `operation` with the caller's `params_json` object.
unsafe fn named_request(operation: &str, params_json: *const c_char) -> Result<Request, Failure> {
    let text = read_str(params_json, "params_json")?;
    let params: Value =
        serde_json::from_str(text).map_err(|e| PcmError::InvalidJson(e.to_string()))?;
    Ok(Request::from_value(
        json!({ "operation": operation, "params": params }),
    )?)
}

/// The one job start behind [`pcm_job_start`] and the named `pcm_<operation>_start` functions.
unsafe fn start_with(
    job_out: *mut *mut pcm_job,
    response_out: *mut *mut c_char,
    request: impl FnOnce() -> Result<Request, Failure>,
) -> i32 {
    if !job_out.is_null() {
        *job_out = std::ptr::null_mut();
    }
    respond(response_out, || {
        if job_out.is_null() {
            return Err(Failure::new(
                ErrorCode::NullArgument,
                "argument 'job_out' is NULL",
            ));
        }
        let request = request()?;
        let job = operations::start_job(&request)?;
        let operation = job.operation().to_string();
        *job_out = JobRegistry::global().insert(job) as *mut pcm_job;
        to_data(&JobStarted { operation })
    })
}

/// Starts `probe` with `params_json` (the connection object): the same as [`pcm_job_start`] with
/// `{"operation":"probe","params":<params_json>}`.
#[no_mangle]
pub unsafe extern "C" fn pcm_probe_start(
    params_json: *const c_char,
    job_out: *mut *mut pcm_job,
    response_out: *mut *mut c_char,
) -> i32 {
    start_with(job_out, response_out, || {
        named_request("probe", params_json)
    })
}

/// Starts `export` (step 2 of the migration: the legacy database into a package) with `params_json`: the same
/// as [`pcm_job_start`] with `{"operation":"export","params":<params_json>}`.
#[no_mangle]
pub unsafe extern "C" fn pcm_export_start(
    params_json: *const c_char,
    job_out: *mut *mut pcm_job,
    response_out: *mut *mut c_char,
) -> i32 {
    start_with(job_out, response_out, || {
        named_request("export", params_json)
    })
}

/// Starts `import` (step 4: a package into Persistent Chat `mgc`) with `params_json`: the same as
/// [`pcm_job_start`] with `{"operation":"import","params":<params_json>}`.
#[no_mangle]
pub unsafe extern "C" fn pcm_import_start(
    params_json: *const c_char,
    job_out: *mut *mut pcm_job,
    response_out: *mut *mut c_char,
) -> i32 {
    start_with(job_out, response_out, || {
        named_request("import", params_json)
    })
}

/// Starts `readiness` (step 3: what the migration will change, writing nothing) with `params_json`: the same
/// as [`pcm_job_start`] with `{"operation":"readiness","params":<params_json>}`.
#[no_mangle]
pub unsafe extern "C" fn pcm_readiness_start(
    params_json: *const c_char,
    job_out: *mut *mut pcm_job,
    response_out: *mut *mut c_char,
) -> i32 {
    start_with(job_out, response_out, || {
        named_request("readiness", params_json)
    })
}

/// Starts `archive` (step 6, decommission: a package into a browsable static HTML archive with a JSON Lines
/// copy and a checked manifest) with `params_json`: the same as [`pcm_job_start`] with
/// `{"operation":"archive","params":<params_json>}`.
#[no_mangle]
pub unsafe extern "C" fn pcm_archive_start(
    params_json: *const c_char,
    job_out: *mut *mut pcm_job,
    response_out: *mut *mut c_char,
) -> i32 {
    start_with(job_out, response_out, || {
        named_request("archive", params_json)
    })
}

/// Starts `copy_files` (the legacy file repository to the 2013 file store, SHA-256 verified, resumable) with
/// `params_json`: the same as [`pcm_job_start`] with `{"operation":"copy_files","params":<params_json>}`.
#[no_mangle]
pub unsafe extern "C" fn pcm_copy_files_start(
    params_json: *const c_char,
    job_out: *mut *mut pcm_job,
    response_out: *mut *mut c_char,
) -> i32 {
    start_with(job_out, response_out, || {
        named_request("copy_files", params_json)
    })
}

/// Starts `file_manifest` (every `ma-filelink:` reference per room, from a package or a database) with
/// `params_json`: the same as [`pcm_job_start`] with `{"operation":"file_manifest","params":<params_json>}`.
#[no_mangle]
pub unsafe extern "C" fn pcm_file_manifest_start(
    params_json: *const c_char,
    job_out: *mut *mut pcm_job,
    response_out: *mut *mut c_char,
) -> i32 {
    start_with(job_out, response_out, || {
        named_request("file_manifest", params_json)
    })
}

/// Starts `verify` (step 5: the source, after the import's transform, compared with the target `mgc`) with
/// `params_json`: the same as [`pcm_job_start`] with `{"operation":"verify","params":<params_json>}`.
#[no_mangle]
pub unsafe extern "C" fn pcm_verify_start(
    params_json: *const c_char,
    job_out: *mut *mut pcm_job,
    response_out: *mut *mut c_char,
) -> i32 {
    start_with(job_out, response_out, || {
        named_request("verify", params_json)
    })
}

/// Starts `client_access` (step 8, coexistence: per room of the target `mgc`, which members can use new clients,
/// which depend on the legacy endpoint and which have no access, from the facts the host gathered) with
/// `params_json`: the same as [`pcm_job_start`] with `{"operation":"client_access","params":<params_json>}`.
#[no_mangle]
pub unsafe extern "C" fn pcm_client_access_start(
    params_json: *const c_char,
    job_out: *mut *mut pcm_job,
    response_out: *mut *mut c_char,
) -> i32 {
    start_with(job_out, response_out, || {
        named_request("client_access", params_json)
    })
}

/// Starts `inspect_package` (validate a package completely) with `params_json` (`{"fileName": ...}`): the
/// same as [`pcm_job_start`] with `{"operation":"inspect_package","params":<params_json>}`.
#[no_mangle]
pub unsafe extern "C" fn pcm_inspect_package_start(
    params_json: *const c_char,
    job_out: *mut *mut pcm_job,
    response_out: *mut *mut c_char,
) -> i32 {
    start_with(job_out, response_out, || {
        named_request("inspect_package", params_json)
    })
}

/// Waits up to `timeout_ms` for events and returns `{"state": ..., "events": [...]}`. After the job ended and
/// every event was delivered: `PCM_STATUS_JOB_FINISHED`.
#[no_mangle]
pub unsafe extern "C" fn pcm_job_poll(
    job: *mut pcm_job,
    timeout_ms: u32,
    response_out: *mut *mut c_char,
) -> i32 {
    respond(response_out, || {
        let job = JobRegistry::global()
            .get(job as usize)
            .ok_or_else(invalid_handle)?;
        let batch = job
            .poll(Duration::from_millis(timeout_ms.into()))
            .map_err(protocol_failure)?;
        serde_json::to_value(batch).map_err(|e| PcmError::Internal(e.to_string()).into())
    })
}

/// Requests cancellation; the job ends with state `cancelled`, unless its work was already done when the cancel
/// came (then it ends `succeeded` with its result: a cancel does not undo finished work). `PCM_STATUS_JOB_FINISHED`
/// if it already ended.
#[no_mangle]
pub extern "C" fn pcm_job_cancel(job: *mut pcm_job) -> i32 {
    let outcome = catch_unwind(|| {
        test_hooks::panic_if_armed();
        match JobRegistry::global().get(job as usize) {
            None => PCM_STATUS_INVALID_HANDLE,
            Some(job) => match job.cancel() {
                Ok(()) => PCM_STATUS_OK,
                Err(_) => PCM_STATUS_JOB_FINISHED,
            },
        }
    });
    outcome.unwrap_or(PCM_STATUS_PANIC) as i32
}

/// The final envelope of an ended job (`PCM_STATUS_JOB_RUNNING` before the end).
#[no_mangle]
pub unsafe extern "C" fn pcm_job_result(job: *mut pcm_job, response_out: *mut *mut c_char) -> i32 {
    respond(response_out, || {
        let job = JobRegistry::global()
            .get(job as usize)
            .ok_or_else(invalid_handle)?;
        let outcome = job.result().map_err(protocol_failure)?;
        Ok(outcome?)
    })
}

/// How long [`pcm_job_free`] waits for a cancelled job to wind down.
const FREE_WAIT: Duration = Duration::from_secs(120);

/// Frees a job handle. A job still running is cancelled first and the call returns only once it has ended
/// (its temporary files removed, its package lock released), at most 120 seconds: a host may re-run the same
/// export right after. NULL and already-freed handles are ignored.
#[no_mangle]
pub extern "C" fn pcm_job_free(job: *mut pcm_job) {
    let _ = catch_unwind(|| {
        test_hooks::panic_if_armed();
        if let Some(job) = JobRegistry::global().remove(job as usize) {
            if !job.state().is_finished() {
                job.cancel_and_wait(FREE_WAIT);
            }
        }
    });
}

/// Frees a string returned by this library. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn pcm_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        test_hooks::panic_if_armed();
        drop(CString::from_raw(s));
    }));
}

#[cfg(test)]
mod tests;
