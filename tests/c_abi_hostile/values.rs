//! Garbage parameter values for every job operation: each field of a working request replaced by a value of the
//! wrong type, out of range, empty, NUL, overlong, or (for the fields with a grammar) malformed. The start must
//! refuse it (`PCM_STATUS_INVALID_REQUEST`, a parameter error) or start a job that ends with the operation's
//! own error; never a panic, never an internal error, and `validate` must say beforehand which of the two it is.

use super::support::*;
use pchat_migrate::ffi::pcm_status::*;
use pchat_migrate::ffi::*;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// A connection that fails at once: nothing listens on port 1 of the loopback address (no DNS lookup).
fn dead_connection() -> Value {
    json!({"dbInstance": "127.0.0.1,1", "user": "sa", "password": "x", "encryption": "Plaintext",
        "connectTimeoutSeconds": 2, "connectRetryCount": 0})
}

/// A working request's params for each job operation, all paths under `dir` (`pkg` a valid package).
fn bases(dir: &Path, pkg: &Path) -> Vec<(&'static str, Value)> {
    let d = |name: &str| dir.join(name).display().to_string();
    let pkg = pkg.display().to_string();
    let source = dir.join("files-source");
    std::fs::create_dir_all(source.join("room")).expect("source tree");
    std::fs::write(source.join("room/a.txt"), b"a file").expect("source file");
    let mut db = dead_connection();
    db["dbName"] = json!("GroupChat");
    vec![
        ("probe", dead_connection()),
        (
            "export",
            json!({"connection": db, "fileName": d("export.zip")}),
        ),
        (
            "import",
            json!({"connection": dead_connection(), "fileName": pkg, "whatIf": true}),
        ),
        ("readiness", json!({"fileName": pkg})),
        (
            "verify",
            json!({"connection": dead_connection(), "fileName": pkg}),
        ),
        (
            "archive",
            json!({"fileName": pkg, "outputFolder": d("archive")}),
        ),
        ("file_manifest", json!({"fileName": pkg})),
        (
            "copy_files",
            json!({"source": source.display().to_string(), "destination": d("copy-dest")}),
        ),
        (
            "client_access",
            json!({"connection": dead_connection(), "facts": {"policies": [
            {"identity": "Global", "enablePersistentChat": true}]}}),
        ),
        ("inspect_package", json!({"fileName": pkg})),
    ]
}

/// Fields holding a path: garbage for them stays under `dir` or cannot name a file at all, so that a job which
/// accepts it writes nothing outside the test's folder.
const PATH_FIELDS: &[&str] = &[
    "fileName",
    "outputFolder",
    "source",
    "destination",
    "output",
    "report",
    "nameMapFile",
    "caCertificatePath",
];

fn garbage_for(field: &str, dir: &Path) -> Vec<Value> {
    let mut values = vec![
        json!(null),
        json!(true),
        json!(-1),
        json!(0),
        json!(4_294_967_296u64),
        json!(1e308),
        json!(-0.5),
        json!([]),
        json!({}),
        json!(""),
        json!("\u{0}"),
    ];
    if PATH_FIELDS.contains(&field) {
        values.push(json!("x".repeat(5000)));
        values.push(json!(dir
            .join("bidi-\u{202e}-\u{1F4A5}")
            .display()
            .to_string()));
        values.push(json!(dir.join("nul\u{0}inside").display().to_string()));
    } else if field != "dbInstance" && field != "hostNameInCertificate" {
        // (no host names: they would be looked up in a DNS this test cannot rely on)
        values.push(json!("x".repeat(5000)));
        values.push(json!("\u{202e}\u{1F4A5}\u{7f}\u{1b}[31m"));
    }
    values.extend(specific_garbage(field));
    values
}

/// Malformed values of the fields with a grammar or a range.
fn specific_garbage(field: &str) -> Vec<Value> {
    let texts: &[&str] = match field {
        "dbInstance" => &[
            ",",
            "127.0.0.1,",
            "127.0.0.1,0",
            "127.0.0.1,65536",
            "127.0.0.1,-1",
            "127.0.0.1,1,2",
            "127.0.0.1\\",
            "127.0.0.1\\a\\b",
            "[::1",
            "127.0.0.1:1",
        ],
        "startDate" => &[
            "9999-99-99",
            "0000-00-00",
            "-5000-01-01",
            "+275760-09-13",
            "2010-01-01T25:00:00Z",
            "2010-02-30",
            "0001-01-01",
            "10000-01-01",
            "2010-01-01T00:00:00+99:00",
            "1e9",
        ],
        "timeZone" => &[
            "+99:99",
            "+24:00",
            "-24:00",
            "+23:59",
            "-23:59",
            "UTC+1",
            "+1",
            "local\u{0}",
        ],
        "level" | "conflictAction" | "settingConflict" | "encryption" | "authentication" => {
            &["NoSuchValue", "all"]
        }
        "fileStoreUrl" => &[
            "javascript:alert(1)",
            "http://",
            "file://",
            "\\\\",
            "ftp://x/",
        ],
        _ => &[],
    };
    let mut values: Vec<Value> = texts.iter().map(|t| json!(t)).collect();
    if [
        "messagesPerPage",
        "throttleLimit",
        "batchSize",
        "parallelism",
        "connectTimeoutSeconds",
        "commandTimeoutSeconds",
    ]
    .contains(&field)
    {
        values.extend([json!(u32::MAX), json!(1), json!(33)]);
    }
    values
}

/// Extra fields each operation takes that its base request leaves out (so that they are garbaged too).
fn optional_fields(operation: &str) -> &'static [&'static str] {
    match operation {
        "export" => &[
            "level",
            "startDate",
            "throttleLimit",
            "scope",
            "rooms",
            "report",
        ],
        "import" => &[
            "batchSize",
            "conflictAction",
            "settingConflict",
            "nameSeparator",
            "rootRoomsCategory",
        ],
        "readiness" => &["startDate", "conflictAction", "nameMapFile"],
        "verify" => &["parallelism", "startDate", "decommission"],
        "archive" => &["timeZone", "messagesPerPage", "fileStoreUrl", "rooms"],
        "file_manifest" => &["output"],
        "copy_files" => &["fileName", "report"],
        "probe" => &[
            "dbName",
            "authentication",
            "commandTimeoutSeconds",
            "hostNameInCertificate",
            "caCertificatePath",
            "trustServerCertificate",
        ],
        _ => &[],
    }
}

/// Whether the garbage request started a job (that ended cleanly), or a description of what went wrong.
fn try_one(operation: &str, params: &Value) -> Result<bool, String> {
    let request = json!({"operation": operation, "params": params});
    let shown = |s: &str| -> String { s.chars().take(300).collect() };
    let validated = call(&json!({"operation": "validate", "params": request}).to_string());
    let (started, job) = start(&request.to_string());
    let refused_codes = [
        "invalid_parameter",
        "invalid_db_instance",
        "authentication_unavailable",
    ];
    let outcome = match started.status {
        0 => finish(job),
        s if s == status(PCM_STATUS_INVALID_REQUEST) => {
            let code = started.response["error"]["code"]
                .as_str()
                .unwrap_or_default();
            if refused_codes.contains(&code) && !started.message().is_empty() {
                Ok(())
            } else {
                Err(format!("refused with code {code}"))
            }
        }
        _ => Err(format!("start answered {}", started.response)),
    };
    let agreed = (validated.status == 0) == (started.status == 0);
    let outcome = outcome.and_then(|()| {
        if agreed {
            Ok(started.status == 0)
        } else {
            Err(format!(
                "validate answered {} but the start {}",
                validated.status, started.status
            ))
        }
    });
    outcome.map_err(|e| format!("{e} <- {operation} {}", shown(&params.to_string())))
}

/// Polls a started job to its end (cancelling it after a while) and checks its result.
fn finish(job: *mut pcm_job) -> Result<(), String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while result(job).status == status(PCM_STATUS_JOB_RUNNING) {
        if std::time::Instant::now() > deadline {
            pcm_job_cancel(job);
        }
        poll(job, 50);
    }
    let end = result(job);
    pcm_job_free(job);
    let code = end.response["error"]["code"].as_str().unwrap_or_default();
    let fine = [
        0,
        status(PCM_STATUS_OPERATION_FAILED),
        status(PCM_STATUS_CANCELLED),
    ]
    .contains(&end.status);
    if fine && code != "internal_error" && code != "internal_panic" {
        Ok(())
    } else {
        Err(format!(
            "the job ended {} {code}: {}",
            end.status,
            end.message()
        ))
    }
}

/// `base` with `field` (of the params, or of its `connection`) set to `value`.
fn mutated(base: &Value, field: &str, in_connection: bool, value: &Value) -> Value {
    let mut params = base.clone();
    let target = if in_connection {
        &mut params["connection"]
    } else {
        &mut params
    };
    target[field] = value.clone();
    params
}

#[test]
fn garbage_parameter_values_are_refused_or_fail_cleanly() {
    let dir = temp_dir("values");
    let pkg = dir.join("valid.zip");
    write_package(&pkg, 2);
    let mut failures = Vec::new();
    let (mut tried, mut jobs) = (0, 0);
    for (operation, base) in bases(&dir, &pkg) {
        match try_one(operation, &base) {
            Ok(true) => {}
            Ok(false) => failures.push(format!("the base request of {operation} was refused")),
            Err(e) => failures.push(format!("the base request: {e}")),
        }
        let own = base.as_object().expect("object").keys().cloned();
        let fields: Vec<(String, bool)> = own
            .chain(optional_fields(operation).iter().map(|f| f.to_string()))
            .map(|f| (f, false))
            .chain(
                base.get("connection")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|c| c.keys().map(|k| (k.clone(), true)).collect::<Vec<_>>()),
            )
            .collect();
        for (field, in_connection) in fields {
            for value in garbage_for(&field, &dir) {
                tried += 1;
                let params = mutated(&base, &field, in_connection, &value);
                match try_one(operation, &params) {
                    Ok(started) => jobs += usize::from(started),
                    Err(e) => failures.push(e),
                }
            }
        }
    }
    eprintln!("{tried} garbage requests tried, {jobs} of them started a job");
    assert!(
        tried > 500 && jobs > 100,
        "too few cases: {tried}, {jobs} jobs"
    );
    assert!(
        failures.is_empty(),
        "{} of {tried} garbage requests misbehaved:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
