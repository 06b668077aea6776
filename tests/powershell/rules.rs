//! The PSScriptAnalyzer-style rules of `tests/powershell/lint-powershell.mjs` (docs/powershell-checks.md), a module
//! of tests/powershell_checks.rs:
//!
//! - the module and the Pester suite in tests/pester pass every rule;
//! - every bad sample in tests/powershell/bad-samples is flagged by exactly the rule its `# Violates:` header names,
//!   and every rule has a bad sample (so a rule that stops firing, or fires on the wrong thing, fails here);
//! - the parameter sets of every public cmdlet equal tests/powershell/parameters.json; bless a deliberate change
//!   with `PCHAT_BLESS_PARAMETERS=1 cargo test --test powershell_checks public_cmdlet_parameters`.

use super::{powershell_dir, read, repo, require_tool, run, scratch, Output, SETUP_HINT};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const BLESS_VARIABLE: &str = "PCHAT_BLESS_PARAMETERS";
const BLESS_COMMAND: &str =
    "PCHAT_BLESS_PARAMETERS=1 cargo test --test powershell_checks public_cmdlet_parameters";

fn checks_dir() -> PathBuf {
    repo().join("tests").join("powershell")
}

fn pester_dir() -> PathBuf {
    repo().join("tests").join("pester")
}

fn bad_samples_dir() -> PathBuf {
    checks_dir().join("bad-samples")
}

fn parameters_list() -> PathBuf {
    checks_dir().join("parameters.json")
}

/// Runs the linter with `args`; fails (with the setup hint) when node or the parser packages are missing.
fn lint(args: &[&std::ffi::OsStr]) -> Output {
    let node = require_tool("node");
    for package in ["tree-sitter", "tree-sitter-powershell"] {
        let dir = checks_dir().join("node_modules").join(package);
        assert!(
            dir.join("package.json").is_file(),
            "{} is missing: {SETUP_HINT}",
            dir.display()
        );
    }
    run(
        Command::new(node)
            .arg("--no-deprecation")
            .arg(checks_dir().join("lint-powershell.mjs"))
            .args(args)
            .current_dir(checks_dir()),
        Duration::from_secs(120),
    )
}

#[derive(serde::Deserialize)]
struct Finding {
    rule: String,
    file: String,
    line: u64,
    message: String,
}

/// The findings of `--json` (exit 0 with none, 1 with some; anything else is the linter failing).
fn findings(output: &Output) -> Vec<Finding> {
    let code = output.status.code();
    assert!(
        code == Some(0) || code == Some(1),
        "the linter failed:\n{}",
        output.text()
    );
    serde_json::from_str(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "the linter's --json output is not JSON ({e}):\n{}",
            output.text()
        )
    })
}

fn rule_names() -> BTreeSet<String> {
    let output = lint(&["--list-rules".as_ref()]);
    assert!(output.status.success(), "--list-rules:\n{}", output.text());
    output
        .stdout
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn module_and_pester_suite_pass_every_rule() {
    let module = powershell_dir();
    let pester = pester_dir();
    let output = lint(&[module.as_os_str(), pester.as_os_str()]);
    println!("{}", output.text());
    assert!(
        output.status.success(),
        "the PowerShell rules found problems (docs/powershell-checks.md says what each rule wants):\n{}",
        output.text()
    );
    // The Pester suite is really there and checked (an empty folder would pass silently).
    let suites = std::fs::read_dir(&pester)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", pester.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".Tests.ps1"))
        .count();
    assert!(suites >= 4, "tests/pester has {suites} *.Tests.ps1 files");
}

/// The rule a bad sample's first line names: `# Violates: <rule>`.
fn violated_rule(sample: &Path) -> String {
    let text = read(sample);
    let first = text.lines().next().unwrap_or_default();
    first
        .strip_prefix("# Violates: ")
        .map(|rule| rule.trim().to_string())
        .unwrap_or_else(|| {
            panic!(
                "{} does not start with `# Violates: <rule>`",
                sample.display()
            )
        })
}

#[test]
fn every_bad_sample_is_flagged_by_exactly_its_rule() {
    let dir = bad_samples_dir();
    let output = lint(&["--json".as_ref(), dir.as_os_str()]);
    let found = findings(&output);
    let mut by_file: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for finding in &found {
        by_file
            .entry(finding.file.clone())
            .or_default()
            .insert(finding.rule.clone());
    }
    let rules = rule_names();
    let mut covered = BTreeSet::new();
    let mut problems = Vec::new();
    let mut samples: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ps1"))
        .collect();
    samples.sort();
    for sample in &samples {
        let expected = violated_rule(sample);
        assert!(
            rules.contains(&expected),
            "{} names an unknown rule {expected}",
            sample.display()
        );
        covered.insert(expected.clone());
        let name = format!(
            "tests/powershell/bad-samples/{}",
            sample.file_name().expect("file name").to_string_lossy()
        );
        let got = by_file.get(&name).cloned().unwrap_or_default();
        if got != BTreeSet::from([expected.clone()]) {
            problems.push(format!(
                "{name}: expected exactly {expected}, flagged by {got:?}"
            ));
        }
    }
    for finding in &found {
        println!(
            "{} {}:{} {}",
            finding.rule, finding.file, finding.line, finding.message
        );
    }
    assert!(
        problems.is_empty(),
        "bad samples not flagged as intended:\n{}",
        problems.join("\n")
    );
    let uncovered: Vec<_> = rules.difference(&covered).collect();
    assert!(
        uncovered.is_empty(),
        "rules without a bad sample in tests/powershell/bad-samples: {uncovered:?}"
    );
}

/// Each difference between the pinned and the current parameter lists, as one line (cmdlet, set, parameter).
fn parameter_differences(pinned: &serde_json::Value, current: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_values("", pinned, current, &mut out);
    out
}

fn diff_values(
    at: &str,
    pinned: &serde_json::Value,
    current: &serde_json::Value,
    out: &mut Vec<String>,
) {
    use serde_json::Value;
    match (pinned, current) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
                let here = format!("{at}/{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => diff_values(&here, x, y, out),
                    (Some(_), None) => out.push(format!("{here}: removed")),
                    (None, Some(y)) => out.push(format!("{here}: added {y}")),
                    (None, None) => {}
                }
            }
        }
        // Parameters are listed in declaration order: compare them by name, then their order.
        (Value::Array(a), Value::Array(b))
            if a.iter().chain(b).all(|v| v.get("name").is_some()) =>
        {
            let names = |list: &Vec<Value>| -> Vec<String> {
                list.iter()
                    .map(|v| v["name"].as_str().unwrap_or_default().to_string())
                    .collect()
            };
            let by_name = |list: &Vec<Value>| -> BTreeMap<String, Value> {
                list.iter()
                    .map(|v| {
                        (
                            v["name"].as_str().unwrap_or_default().to_string(),
                            v.clone(),
                        )
                    })
                    .collect()
            };
            diff_values(
                at,
                &Value::Object(by_name(a).into_iter().collect()),
                &Value::Object(by_name(b).into_iter().collect()),
                out,
            );
            let (old, new) = (names(a), names(b));
            let common_old: Vec<_> = old.iter().filter(|n| new.contains(n)).collect();
            let common_new: Vec<_> = new.iter().filter(|n| old.contains(n)).collect();
            if common_old != common_new {
                out.push(format!("{at}: order changed from {old:?} to {new:?}"));
            }
        }
        (a, b) if a != b => out.push(format!("{at}: {a} -> {b}")),
        _ => {}
    }
}

#[test]
fn public_cmdlet_parameters_match_the_checked_in_list() {
    let out = scratch("parameters");
    let current_path = out.join("parameters.json");
    let module = powershell_dir();
    let output = lint(&[
        "--json".as_ref(),
        "--parameters".as_ref(),
        current_path.as_os_str(),
        module.as_os_str(),
    ]);
    findings(&output);
    let current_text = read(&current_path);
    let current: serde_json::Value =
        serde_json::from_str(&current_text).expect("the extracted list is JSON");
    assert!(
        current
            .as_object()
            .is_some_and(|cmdlets| cmdlets.len() >= 10),
        "the extractor found too few cmdlets: {current}"
    );
    if std::env::var_os(BLESS_VARIABLE).is_some_and(|v| v == "1") {
        std::fs::write(parameters_list(), &current_text)
            .expect("write tests/powershell/parameters.json");
        println!("blessed {}", parameters_list().display());
        return;
    }
    let pinned_text = std::fs::read_to_string(parameters_list()).unwrap_or_default();
    let pinned: serde_json::Value =
        serde_json::from_str(&pinned_text).unwrap_or(serde_json::Value::Null);
    let differences = parameter_differences(&pinned, &current);
    assert!(
        differences.is_empty() && pinned == current,
        "the public cmdlets' parameters differ from tests/powershell/parameters.json:\n  {}\n\
         If the change is deliberate (a scripted caller's command line changes with it: say so in the release \
         notes), bless it:\n  {BLESS_COMMAND}\nand commit parameters.json.",
        differences.join("\n  ")
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// The comparison names what changed: a renamed parameter, a lost Mandatory, a new set.
#[test]
fn parameter_comparison_names_each_difference() {
    let pinned = serde_json::json!({ "Get-X": { "parameterSets": { "A": [
        { "name": "Path", "mandatory": true, "position": 0 },
        { "name": "Force", "mandatory": false, "position": null }
    ] } } });
    let current = serde_json::json!({ "Get-X": { "parameterSets": {
        "A": [
            { "name": "Force", "mandatory": false, "position": null },
            { "name": "FileName", "mandatory": false, "position": 0 }
        ],
        "B": []
    } } });
    let differences = parameter_differences(&pinned, &current);
    for expected in [
        "/Get-X/parameterSets/A/Path: removed",
        "/Get-X/parameterSets/A/FileName: added",
        "/Get-X/parameterSets/B: added []",
    ] {
        assert!(
            differences.iter().any(|d| d.starts_with(expected)),
            "{expected} not in {differences:?}"
        );
    }
    assert!(parameter_differences(&pinned, &pinned).is_empty());
}

/// On a copy of the module, a renamed parameter is caught by the parameter list, and a removed [OutputType()], an
/// alias, a missing .PARAMETER, a `??`, a Medium-impact import, an unconfirmed -DisableExportedNodes and a lost
/// SupportsShouldProcess by their rules.
#[test]
fn rules_and_parameter_list_fail_on_a_broken_copy_of_the_module() {
    let cmdlet = "Public/Get-PChatMigrationPackage.ps1";
    let import = "Public/Import-PChatMigrationData.ps1";
    let export = "Public/Export-PChatMigrationData.ps1";
    let mutations: [(&str, &str, &str, &str); 7] = [
        (cmdlet, "    [OutputType('PChatMigration.Package')]\n", "", "PChatDeclareOutputType"),
        (cmdlet, "Write-Output -InputObject $package", "echo $package", "PSAvoidUsingCmdletAliases"),
        (cmdlet, "    .PARAMETER FileName\n", "    .NOTES\n", "PSProvideCommentHelp"),
        (cmdlet, "                $data = $null\n", "                $data = $data ?? $null\n", "PSUseCompatibleSyntax"),
        (import, "ConfirmImpact = 'High'", "ConfirmImpact = 'Medium'", "PChatConfirmImpactHigh"),
        (
            export,
            "$disableApproved = $PSCmdlet.ShouldContinue($question, 'Confirm a change to the source database')",
            "$disableApproved = $true",
            "PChatConfirmImpactHigh",
        ),
        (import, "SupportsShouldProcess = $true, ", "", "PSUseShouldProcessForStateChangingFunctions"),
    ];
    for (file, from, to, rule) in mutations {
        let dir = scratch("lint-mutated");
        super::copy_tree(&powershell_dir(), &dir.join("powershell"));
        let path = dir
            .join("powershell")
            .join("PersistentChatMigration")
            .join(file);
        let source = read(&path);
        assert!(
            source.contains(from),
            "{file} no longer contains {from:?}: update this test"
        );
        std::fs::write(&path, source.replacen(from, to, 1)).expect("write the mutated file");
        let output = lint(&["--json".as_ref(), dir.join("powershell").as_os_str()]);
        let rules: BTreeSet<String> = findings(&output).into_iter().map(|f| f.rule).collect();
        assert!(
            rules.contains(rule),
            "replacing {from:?} by {to:?} must be flagged by {rule}; got {rules:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    // A renamed parameter: the extracted list no longer equals the pinned one.
    let dir = scratch("params-mutated");
    super::copy_tree(&powershell_dir(), &dir.join("powershell"));
    let path = dir
        .join("powershell")
        .join("PersistentChatMigration")
        .join(cmdlet);
    let source = read(&path);
    assert!(source.contains("[string[]] $FileName"), "update this test");
    std::fs::write(
        &path,
        source
            .replace("$FileName", "$PackagePath")
            .replace(".PARAMETER FileName", ".PARAMETER PackagePath"),
    )
    .expect("write");
    let extracted = dir.join("parameters.json");
    lint(&[
        "--parameters".as_ref(),
        extracted.as_os_str(),
        dir.join("powershell").as_os_str(),
    ]);
    let current: serde_json::Value = serde_json::from_str(&read(&extracted)).expect("JSON");
    let pinned: serde_json::Value = serde_json::from_str(&read(&parameters_list())).expect("JSON");
    let differences = parameter_differences(&pinned, &current);
    assert!(
        differences
            .iter()
            .any(|d| d.contains("Get-PChatMigrationPackage") && d.contains("FileName: removed"))
            && differences.iter().any(|d| d.contains("PackagePath: added")),
        "a renamed parameter must show as removed + added: {differences:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
