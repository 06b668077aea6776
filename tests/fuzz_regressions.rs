//! The fuzz targets' regression cases, on stable (docs/fuzzing.md): every file of
//! tests/fuzz-regressions/<target>/ — each crash the fuzzers found, minimized, and a few inputs of their corpus
//! that reach deep — goes through the same check the target runs (fuzz/src/lib.rs), which panics on a panic of
//! the library, a refusal of the wrong kind or a malformed C ABI envelope. CI runs this; fuzzing itself
//! (scripts/fuzz.sh, nightly) never runs in CI.

mod hostile;

#[path = "../fuzz/src/lib.rs"]
mod fuzz_checks;

use serde_json::json;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn cases(target: &str) -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", folder.display()))
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "{} holds no regression case",
        folder.display()
    );
    files
}

/// Runs `check` on every case of `target`, naming each case that fails (all of them, not only the first).
fn replay(target: &str, check: fn(&[u8])) {
    let mut failures = Vec::new();
    for path in cases(target) {
        let data = std::fs::read(&path).expect("read case");
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(&data))) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {message}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "failing cases:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_package_reader_case_is_refused_cleanly_or_reads_in_full() {
    replay("package_reader", fuzz_checks::package_reader);
}

#[test]
fn every_c_abi_request_case_answers_a_well_formed_envelope() {
    replay("c_abi_request", fuzz_checks::c_abi_request);
}

/// The package check passes the valid sample (verified, then read back in full) and every hostile package (each
/// refused as invalid_package): the check accepts what it must, so its silence on the cases above means something.
#[test]
fn the_package_check_passes_the_valid_sample_and_the_hostile_corpus() {
    fuzz_checks::package_reader(&hostile::Sample::valid().build());
    for case in hostile::cases() {
        let outcome = catch_unwind(|| fuzz_checks::package_reader(&case.bytes));
        assert!(outcome.is_ok(), "hostile case '{}'", case.name);
    }
}

#[test]
fn the_request_check_refuses_to_let_a_path_leave_the_scratch_folder() {
    let mut value = json!({
        "fileName": "/etc/passwd",
        "report": "../../x/report.html",
        "nested": [{ "outputFolder": "//srv/../share" }, "a..b/c"],
        "dbInstance": "sql01\\rtc",
        "windows": "C:\\Temp\\gc.zip",
        "..": "kept key",
    });
    fuzz_checks::confine_paths(&mut value);
    assert_eq!(
        value,
        json!({
            "fileName": "etc/passwd",
            "report": "_/_/x/report.html",
            "nested": [{ "outputFolder": "srv/_/share" }, "_/c"],
            "dbInstance": "sql01\\rtc",
            "windows": "C:\\Temp\\gc.zip",
            "..": "kept key",
        })
    );
}
