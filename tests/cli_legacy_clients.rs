//! `pchat-migrate legacy-clients plan`: the plan printed from a facts file, and the exit codes a runbook branches
//! on (0 ready or done, 3 blocked, 2 malformed facts).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn plan(facts: &Path, json: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pchat-migrate"));
    command
        .args(["legacy-clients", "plan", "--facts"])
        .arg(facts);
    if json {
        command.arg("--json");
    }
    command.output().expect("the CLI runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The sample facts with `edit` applied, written to a scratch file.
fn edited_facts(name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let sample = repo().join("examples/legacy-client-facts.json");
    let mut facts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample).expect("sample")).expect("JSON");
    edit(&mut facts);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-legacy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(name);
    std::fs::write(&path, facts.to_string()).expect("write facts");
    path
}

#[test]
fn the_sample_plan_prints_numbered_steps_release_first_and_exits_0() {
    let output = plan(&repo().join("examples/legacy-client-facts.json"), false);
    let text = stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.starts_with("Legacy-client access for pcpool.contoso.com: READY"),
        "{text}"
    );
    let release = text
        .find("  1. Release sip:ocschat@contoso.com")
        .expect("step 1 releases the address");
    let disable = text
        .find("     Disable-CsUser -Identity 'CN=ocschat,OU=Service Accounts,DC=contoso,DC=com'")
        .expect("its command line");
    let create = text
        .find("  2. Create the Persistent Chat endpoint sip:ocschat@contoso.com")
        .expect("step 2 creates the endpoint");
    assert!(release < disable && disable < create, "{text}");
    assert!(text.contains(
        "     New-CsPersistentChatEndpoint -SipAddress 'sip:ocschat@contoso.com' -PersistentChatPoolFqdn \
         'pcpool.contoso.com' -DisplayName 'Group Chat (legacy clients)'"
    ));
    assert!(text.contains("Blockers      : none"), "{text}");
}

#[test]
fn json_prints_the_envelope_with_the_same_plan() {
    let output = plan(&repo().join("examples/legacy-client-facts.json"), true);
    assert_eq!(output.status.code(), Some(0));
    let envelope: serde_json::Value = serde_json::from_str(stdout(&output).trim()).expect("JSON");
    assert_eq!(envelope["ok"], true);
    assert_eq!(envelope["data"]["status"], "ready");
    assert_eq!(envelope["data"]["steps"][0]["cmdlet"], "Disable-CsUser");
    assert_eq!(
        envelope["data"]["steps"][1]["cmdlet"],
        "New-CsPersistentChatEndpoint"
    );
}

#[test]
fn a_blocked_plan_lists_its_blockers_and_exits_3() {
    let facts = edited_facts("blocked.json", |f| {
        f["persistentChatPoolFqdn"] = "pcpool9.contoso.com".into();
    });
    let output = plan(&facts, false);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(3), "{text}");
    assert!(text.contains("BLOCKED"), "{text}");
    assert!(text.contains("[pool_not_found] pool not found"), "{text}");
    let output = plan(&facts, true);
    assert_eq!(output.status.code(), Some(3), "--json exits 3 too");
}

#[test]
fn malformed_facts_exit_2_naming_the_field() {
    let facts = edited_facts("malformed.json", |f| {
        f["sipAddresses"] = serde_json::json!(["sip:ocs chat@contoso.com"]);
    });
    let output = plan(&facts, false);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid_parameter") && stderr.contains("sipAddresses[0]"),
        "{stderr}"
    );
    let output = plan(Path::new("/nonexistent/facts.json"), false);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--facts"));
}
