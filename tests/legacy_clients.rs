//! The legacy-client planner through the surfaces: `operations::call` (what the CLI and `pcm_call` use), the
//! named C function `pcm_legacy_clients_plan`, and the sample facts the demo runs
//! (examples/legacy-client-facts.json).

use pchat_migrate::legacy_clients::{LegacyClientPlan, PlanStatus, StepKind};
use pchat_migrate::operations::{self, Request};
use serde_json::{json, Value};
use std::path::PathBuf;

fn sample_facts() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/legacy-client-facts.json");
    serde_json::from_str(&std::fs::read_to_string(&path).expect("sample facts")).expect("JSON")
}

fn call(params: Value) -> Result<Value, pchat_migrate::PcmError> {
    let request =
        Request::from_value(json!({ "operation": "legacy_clients_plan", "params": params }))
            .expect("request");
    operations::call(&request)
}

fn typed(value: Value) -> LegacyClientPlan {
    serde_json::from_value(value).expect("the result is a LegacyClientPlan")
}

#[test]
fn the_sample_facts_plan_disable_then_create_through_operations_call() {
    let plan = typed(call(sample_facts()).expect("plans"));
    assert_eq!(plan.status, PlanStatus::Ready, "{plan:#?}");
    let kinds: Vec<StepKind> = plan.steps.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [StepKind::Release, StepKind::CreateEndpoint]);
    assert_eq!(
        plan.steps[0].command.command_line,
        "Disable-CsUser -Identity 'CN=ocschat,OU=Service Accounts,DC=contoso,DC=com'"
    );
    assert_eq!(
        plan.steps[1].command.command_line,
        "New-CsPersistentChatEndpoint -SipAddress 'sip:ocschat@contoso.com' -PersistentChatPoolFqdn \
         'pcpool.contoso.com' -DisplayName 'Group Chat (legacy clients)'"
    );
    assert!(
        plan.blockers.is_empty() && plan.warnings.is_empty(),
        "{plan:#?}"
    );
}

#[test]
fn the_operation_is_sync_listed_and_validatable() {
    assert!(!operations::is_job("legacy_clients_plan"));
    let version = operations::call(&Request::parse(r#"{"operation":"version"}"#).expect("request"))
        .expect("version");
    assert!(
        version["operations"]["sync"]
            .as_array()
            .expect("sync list")
            .iter()
            .any(|n| n == "legacy_clients_plan"),
        "{version}"
    );
    let validate = Request::from_value(json!({
        "operation": "validate",
        "params": { "operation": "legacy_clients_plan", "params": sample_facts() }
    }))
    .expect("request");
    assert_eq!(operations::call(&validate).expect("valid")["valid"], true);
    let mut bad = sample_facts();
    bad["persistentChatPoolFqdn"] = json!("pcpool");
    let validate = Request::from_value(json!({
        "operation": "validate",
        "params": { "operation": "legacy_clients_plan", "params": bad }
    }))
    .expect("request");
    assert_eq!(
        operations::call(&validate).expect_err("invalid").code(),
        pchat_migrate::error::ErrorCode::InvalidParameter
    );
}

#[test]
fn blockers_are_a_result_and_malformed_facts_an_invalid_parameter_error() {
    let mut facts = sample_facts();
    facts["persistentChatPoolFqdn"] = json!("other.contoso.com");
    let plan = typed(call(facts).expect("a blocked plan is still a plan"));
    assert_eq!(plan.status, PlanStatus::Blocked);
    assert_eq!(plan.blockers[0].code, "pool_not_found");

    for (pointer, value, named) in [
        (
            "/sipAddresses",
            json!(["ocschat@contoso.com"]),
            "sipAddresses[0]",
        ),
        (
            "/persistentChatPoolFqdn",
            json!("pc pool"),
            "persistentChatPoolFqdn",
        ),
        ("/surprise", json!(1), "surprise"),
    ] {
        let mut facts = sample_facts();
        match facts.pointer_mut(pointer) {
            Some(slot) => *slot = value,
            None => {
                facts[pointer.trim_start_matches('/')] = value;
            }
        }
        let error = call(facts).expect_err("refused");
        assert_eq!(error.code().to_string(), "invalid_parameter", "{error}");
        assert!(error.to_string().contains(named), "{named}: {error}");
    }
}

/// Calls `pcm_legacy_clients_plan` as a C host does and returns (status, envelope).
fn c_plan(facts: Option<&str>) -> (i32, Value) {
    use pchat_migrate::ffi::{pcm_legacy_clients_plan, pcm_string_free};
    use std::ffi::{c_char, CStr, CString};
    let text = facts.map(|f| CString::new(f).expect("no NUL"));
    let mut response: *mut c_char = std::ptr::null_mut();
    // SAFETY: a NUL-terminated string (or NULL) and a valid out pointer; the response is freed below.
    let status = unsafe {
        pcm_legacy_clients_plan(
            text.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()),
            &mut response,
        )
    };
    assert!(!response.is_null(), "a response is always written");
    // SAFETY: the library wrote a NUL-terminated string it owns until pcm_string_free.
    let envelope = unsafe { CStr::from_ptr(response) }
        .to_str()
        .expect("UTF-8")
        .to_string();
    unsafe { pcm_string_free(response) };
    (
        status,
        serde_json::from_str(&envelope).expect("JSON envelope"),
    )
}

#[test]
fn the_c_function_answers_with_the_pcm_call_envelope() {
    let facts = sample_facts().to_string();
    let (status, envelope) = c_plan(Some(&facts));
    assert_eq!(status, 0, "{envelope}");
    assert_eq!(envelope["ok"], true);
    let plan = typed(envelope["data"].clone());
    assert_eq!(plan.steps.len(), 2);
    assert_eq!(plan.steps[0].kind, StepKind::Release);

    // The same answer as pcm_call with the operation named.
    let direct = call(sample_facts()).expect("plans");
    assert_eq!(envelope["data"], direct);

    let (status, envelope) = c_plan(Some(r#"{"persistentChatPoolFqdn":"x"}"#));
    assert_eq!(status, 7004, "invalid request: {envelope}");
    assert_eq!(envelope["error"]["code"], "invalid_parameter");
    assert_eq!(envelope["error"]["category"], "InvalidArgument");

    let (status, envelope) = c_plan(Some("{oops"));
    assert_eq!(status, 7003);
    assert_eq!(envelope["error"]["code"], "invalid_json");

    let (status, envelope) = c_plan(None);
    assert_eq!(status, 7001);
    assert!(envelope["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("facts_json"));
}
