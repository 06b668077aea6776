//! Every case of the hostile corpus (tests/hostile/mod.rs) is refused by `inspect_package` — run as the job every
//! host runs — with the code `invalid_package`, a message naming the problem, and nothing written beside it.

mod common;
mod hostile;

use common::run_job;
use pchat_migrate::jobs::JobEvent;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;

fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

fn inspect(path: &Path) -> Result<serde_json::Value, pchat_migrate::PcmError> {
    run_job(json!({
        "operation": "inspect_package",
        "params": { "fileName": path.display().to_string() }
    }))
    .0
}

#[test]
fn the_sample_the_corpus_is_built_from_is_valid() {
    let dir = std::env::temp_dir().join(format!("pcm-hostile-valid-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("valid.zip");
    std::fs::write(&path, hostile::Sample::valid().build()).expect("write");
    let (result, events) = run_job(json!({
        "operation": "inspect_package",
        "params": { "fileName": path.display().to_string() }
    }));
    let result = result.expect("the valid sample inspects as valid");
    assert_eq!(result["valid"], true);
    assert_eq!(result["counts"]["messages"], 4);
    // A job: one progress event per entry (8 entries besides the manifest), the last at 100 %.
    let steps: Vec<(Option<u64>, Option<u64>)> = events
        .iter()
        .filter_map(|e| match e {
            JobEvent::Progress { current, total, .. } if current.is_some_and(|c| c > 0) => {
                Some((*current, *total))
            }
            _ => None,
        })
        .collect();
    let expected: Vec<(Option<u64>, Option<u64>)> = (1..=8).map(|d| (Some(d), Some(8))).collect();
    assert_eq!(steps, expected);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_hostile_package_is_refused_naming_the_problem_and_nothing_is_written() {
    let root = std::env::temp_dir().join(format!("pcm-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut failures = Vec::new();
    let cases = hostile::cases();
    let names: BTreeSet<&str> = cases.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    for case in &cases {
        let dir = root.join(case.name);
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join(format!("{}.zip", case.name));
        std::fs::write(&path, &case.bytes).expect("write");
        let before = listing(&dir);
        match inspect(&path) {
            Ok(_) => failures.push(format!("{}: accepted", case.name)),
            Err(e) => {
                let message = e.to_string();
                eprintln!("{}: {message}", case.name);
                if e.code() != "invalid_package" {
                    failures.push(format!("{}: code {} ({message})", case.name, e.code()));
                } else if !message.contains(&case.expected) {
                    failures.push(format!(
                        "{}: message lacks '{}':\n    {message}",
                        case.name, case.expected
                    ));
                }
            }
        }
        let after = listing(&dir);
        if before != after {
            failures.push(format!(
                "{}: the folder changed: {before:?} -> {after:?}",
                case.name
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn an_empty_file_name_is_refused_before_a_job_exists() {
    let request = pchat_migrate::operations::Request::from_value(
        json!({ "operation": "inspect_package", "params": { "fileName": " " } }),
    )
    .expect("well-formed");
    let error = pchat_migrate::operations::start_job(&request)
        .err()
        .expect("refused");
    assert_eq!(error.code(), "invalid_parameter", "{error}");
    assert!(error.to_string().contains("fileName"), "{error}");
}
