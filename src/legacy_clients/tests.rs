use super::*;
use serde_json::json;

/// contoso: one SIP domain, the pool found, the ocschat user enabled on the legacy pool.
fn contoso() -> serde_json::Value {
    json!({
        "persistentChatPoolFqdn": "pcpool.contoso.com",
        "sipDomains": [{ "name": "contoso.com", "isDefault": true }],
        "pools": ["PersistentChatServer:pcpool.contoso.com"],
        "owners": [{
            "identity": "CN=ocschat,CN=Users,DC=contoso,DC=com",
            "sipAddress": "sip:ocschat@contoso.com",
            "enabled": true,
            "registrarPool": "fe2010.contoso.com",
            "objectKind": "user"
        }],
        "registrarPools": [{ "fqdn": "fe2010.contoso.com", "version": 5 }]
    })
}

fn facts(value: serde_json::Value) -> LegacyClientFacts {
    serde_json::from_value(value).expect("facts parse")
}

fn planned(value: serde_json::Value) -> LegacyClientPlan {
    plan(&facts(value)).expect("plans")
}

fn codes(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

fn lines(plan: &LegacyClientPlan) -> Vec<&str> {
    plan.steps
        .iter()
        .map(|s| s.command.command_line.as_str())
        .collect()
}

#[test]
fn defaults_release_the_ocschat_user_then_create_the_endpoint() {
    let plan = planned(contoso());
    assert_eq!(plan.status, PlanStatus::Ready, "{plan:#?}");
    assert!(plan.inputs.addresses_defaulted);
    assert_eq!(plan.inputs.sip_addresses, ["sip:ocschat@contoso.com"]);
    assert_eq!(
        lines(&plan),
        [
            "Disable-CsUser -Identity 'CN=ocschat,CN=Users,DC=contoso,DC=com'",
            "New-CsPersistentChatEndpoint -SipAddress 'sip:ocschat@contoso.com' -PersistentChatPoolFqdn 'pcpool.contoso.com'",
        ]
    );
    let kinds: Vec<StepKind> = plan.steps.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [StepKind::Release, StepKind::CreateEndpoint]);
    assert_eq!(
        plan.steps.iter().map(|s| s.number).collect::<Vec<_>>(),
        [1, 2]
    );
    let release = &plan.steps[0];
    assert_eq!(release.cmdlet_name(), "Disable-CsUser");
    assert_eq!(release.command.module, CmdletModule::Lync);
    assert_eq!(release.target, "CN=ocschat,CN=Users,DC=contoso,DC=com");
    assert_eq!(
        release.undo.as_ref().map(|u| u.command_line.as_str()),
        Some(
            "Enable-CsUser -Identity 'CN=ocschat,CN=Users,DC=contoso,DC=com' -SipAddress \
             'sip:ocschat@contoso.com' -RegistrarPool 'fe2010.contoso.com'"
        )
    );
    assert!(release.reason.contains("unique"), "{}", release.reason);
    let create = &plan.steps[1];
    assert_eq!(
        create.undo.as_ref().map(|u| u.command_line.as_str()),
        Some("Remove-CsPersistentChatEndpoint -Identity 'sip:ocschat@contoso.com'")
    );
    assert_eq!(
        plan.addresses[0].steps,
        [
            "release:sip:ocschat@contoso.com",
            "create:sip:ocschat@contoso.com"
        ]
    );
    assert!(
        plan.blockers.is_empty() && plan.warnings.is_empty(),
        "{plan:#?}"
    );
}

impl PlanStep {
    fn cmdlet_name(&self) -> &str {
        &self.command.cmdlet
    }
}

#[test]
fn the_arguments_are_ordered_name_value_pairs_with_switches_as_booleans() {
    let value = serde_json::to_value(planned(contoso())).expect("serializes");
    let create = &value["steps"][1];
    assert_eq!(create["cmdlet"], "New-CsPersistentChatEndpoint");
    assert_eq!(create["module"], "lync");
    assert_eq!(
        create["arguments"],
        json!([
            { "name": "SipAddress", "value": "sip:ocschat@contoso.com" },
            { "name": "PersistentChatPoolFqdn", "value": "pcpool.contoso.com" }
        ])
    );
    assert_eq!(value["status"], "ready");
    let switch = Command::new(
        "Remove-CsPersistentChatEndpoint",
        CmdletModule::Lync,
        vec![
            ("Identity", ArgumentValue::Text("sip:a@b.com".into())),
            ("Force", ArgumentValue::Switch(true)),
            ("Confirm", ArgumentValue::Switch(false)),
        ],
    );
    assert_eq!(
        switch.command_line,
        "Remove-CsPersistentChatEndpoint -Identity 'sip:a@b.com' -Force -Confirm:$false"
    );
    assert_eq!(
        serde_json::to_value(&switch.arguments[1]).expect("json"),
        json!({ "name": "Force", "value": true })
    );
}

#[test]
fn a_custom_uri_is_planned_as_given_and_its_owner_released() {
    let mut value = contoso();
    value["sipAddresses"] = json!(["SIP:PersistentChat@Contoso.COM"]);
    value["options"] = json!({ "displayName": "Persistent Chat (legacy clients)" });
    value["owners"] = json!([]);
    let plan = planned(value);
    assert!(!plan.inputs.addresses_defaulted);
    assert_eq!(
        plan.inputs.sip_addresses,
        ["sip:PersistentChat@contoso.com"]
    );
    assert_eq!(
        lines(&plan),
        ["New-CsPersistentChatEndpoint -SipAddress 'sip:PersistentChat@contoso.com' -PersistentChatPoolFqdn \
          'pcpool.contoso.com' -DisplayName 'Persistent Chat (legacy clients)'"]
    );
    assert_eq!(plan.status, PlanStatus::Ready);
}

#[test]
fn owners_and_endpoints_match_case_insensitively() {
    let mut value = contoso();
    value["owners"][0]["sipAddress"] = json!("sip:OCSChat@CONTOSO.com");
    let plan = planned(value);
    assert_eq!(plan.steps[0].kind, StepKind::Release, "{plan:#?}");
    let mut value = contoso();
    value["endpoints"] = json!([{ "sipAddress": "sip:OcsChat@contoso.com", "persistentChatPoolFqdn": "PCPOOL.contoso.com" }]);
    value["owners"] = json!([]);
    assert_eq!(planned(value).status, PlanStatus::Done);
}

#[test]
fn several_domains_default_to_one_endpoint_each_default_first_and_warn() {
    let mut value = contoso();
    value["sipDomains"] = json!([
        { "name": "fabrikam.com", "isDefault": false },
        { "name": "contoso.com", "isDefault": true }
    ]);
    let plan = planned(value);
    assert_eq!(
        plan.inputs.sip_addresses,
        ["sip:ocschat@contoso.com", "sip:ocschat@fabrikam.com"]
    );
    assert_eq!(
        plan.inputs.default_sip_domain.as_deref(),
        Some("contoso.com")
    );
    assert_eq!(
        codes(&plan.warnings),
        ["several_sip_domains", "several_endpoints_one_pool"]
    );
    let several = &plan.warnings[0].message;
    assert!(
        several.contains("one endpoint per domain") && several.contains("Group Policy"),
        "explains both: {several}"
    );
    // Release then create for contoso (the owner), create for fabrikam.
    assert_eq!(
        plan.steps.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        [
            "release:sip:ocschat@contoso.com",
            "create:sip:ocschat@contoso.com",
            "create:sip:ocschat@fabrikam.com"
        ]
    );
}

#[test]
fn several_domains_with_one_address_given_plan_only_that_address() {
    let mut value = contoso();
    value["sipDomains"] =
        json!([{ "name": "contoso.com", "isDefault": true }, { "name": "fabrikam.com" }]);
    value["sipAddresses"] = json!(["sip:ocschat@contoso.com"]);
    let plan = planned(value);
    assert_eq!(codes(&plan.warnings), ["several_sip_domains"]);
    assert!(plan.warnings[0]
        .message
        .contains("only the addresses given"));
    assert_eq!(plan.steps.len(), 2);
}

#[test]
fn two_requested_addresses_on_one_pool_are_allowed_but_warned() {
    let mut value = contoso();
    value["sipAddresses"] = json!(["sip:ocschat@contoso.com", "sip:persistentchat@contoso.com"]);
    let plan = planned(value);
    assert_eq!(plan.status, PlanStatus::Ready);
    assert_eq!(codes(&plan.warnings), ["several_endpoints_one_pool"]);
    assert_eq!(plan.steps.len(), 3);
}

#[test]
fn a_user_disabled_for_lync_that_still_holds_the_address_is_released_too() {
    let mut value = contoso();
    value["owners"][0]["enabled"] = json!(false);
    let plan = planned(value);
    assert_eq!(plan.steps[0].kind, StepKind::Release);
    assert!(
        plan.steps[0].reason.contains("still holds"),
        "{}",
        plan.steps[0].reason
    );
}

#[test]
fn remove_ad_user_runs_in_the_active_directory_module_and_warns() {
    let mut value = contoso();
    value["options"] = json!({ "releaseMethod": "removeAdUser" });
    let plan = planned(value);
    let release = &plan.steps[0];
    assert_eq!(
        release.command.command_line,
        "Remove-ADUser -Identity 'CN=ocschat,CN=Users,DC=contoso,DC=com'"
    );
    assert_eq!(release.command.module, CmdletModule::ActiveDirectory);
    assert!(release.undo.is_none());
    assert!(release
        .undo_note
        .as_deref()
        .unwrap_or_default()
        .contains("Recycle Bin"));
    assert_eq!(codes(&plan.warnings), ["remove_ad_user_needs_module"]);
    assert!(plan.warnings[0].message.contains("ActiveDirectory module"));
}

#[test]
fn an_endpoint_already_on_this_pool_is_done_with_no_steps() {
    let mut value = contoso();
    value["owners"] = json!([]);
    value["endpoints"] = json!([{
        "sipAddress": "sip:ocschat@contoso.com",
        "persistentChatPoolFqdn": "pcpool.contoso.com",
        "displayName": "ocschat",
        "distinguishedName": "CN={6c1f},CN=Application Contacts,CN=RTC Service,CN=Services,CN=Configuration,DC=contoso,DC=com"
    }]);
    let plan = planned(value);
    assert_eq!(plan.status, PlanStatus::Done);
    assert!(plan.steps.is_empty() && plan.blockers.is_empty());
    assert_eq!(plan.addresses[0].status, AddressStatus::Done);
}

#[test]
fn an_endpoint_on_another_pool_blocks_and_says_to_remove_it_first() {
    let mut value = contoso();
    value["owners"] = json!([]);
    value["pools"] = json!([
        "PersistentChatServer:pcpool.contoso.com",
        "PersistentChatServer:pcpool2.contoso.com"
    ]);
    value["endpoints"] = json!([{ "sipAddress": "sip:ocschat@contoso.com", "persistentChatPoolFqdn": "pcpool2.contoso.com" }]);
    let plan = planned(value);
    assert_eq!(plan.status, PlanStatus::Blocked);
    assert!(plan.steps.is_empty());
    assert_eq!(codes(&plan.blockers), ["endpoint_on_other_pool"]);
    let message = &plan.blockers[0].message;
    assert!(
        message.contains("pcpool2.contoso.com")
            && message
                .contains("Remove-CsPersistentChatEndpoint -Identity 'sip:ocschat@contoso.com'"),
        "{message}"
    );
    assert_eq!(
        plan.blockers[0].sip_address.as_deref(),
        Some("sip:ocschat@contoso.com")
    );
}

#[test]
fn a_pool_not_found_blocks_listing_the_known_pools() {
    let mut value = contoso();
    value["persistentChatPoolFqdn"] = json!("pcpool9.contoso.com");
    value["pools"] = json!([
        "PersistentChatServer:pcpool.contoso.com",
        "pcpool2.contoso.com"
    ]);
    let plan = planned(value);
    assert_eq!(plan.status, PlanStatus::Blocked);
    assert_eq!(codes(&plan.blockers), ["pool_not_found"]);
    let message = &plan.blockers[0].message;
    assert!(
        message.starts_with("pool not found")
            && message.contains("pcpool.contoso.com, pcpool2.contoso.com"),
        "{message}"
    );
    let mut value = contoso();
    value["pools"] = json!([]);
    let plan = planned(value);
    assert!(plan.blockers[0]
        .message
        .contains("no Persistent Chat pool was found"));
}

#[test]
fn a_contact_an_other_object_or_a_2013_user_owning_the_address_blocks() {
    for (kind, pool, version, expected) in [
        ("contact", "fe2010.contoso.com", 5, "the contact"),
        (
            "other",
            "fe2010.contoso.com",
            5,
            "neither a user nor a contact",
        ),
        ("user", "fe2013.contoso.com", 6, "Lync Server 2013 or later"),
    ] {
        let mut value = contoso();
        value["owners"][0]["objectKind"] = json!(kind);
        value["owners"][0]["registrarPool"] = json!(pool);
        value["registrarPools"] = json!([{ "fqdn": pool, "version": version }]);
        let plan = planned(value);
        assert_eq!(plan.status, PlanStatus::Blocked, "{kind}");
        assert_eq!(codes(&plan.blockers), ["address_owned"], "{kind}");
        assert!(
            plan.steps.is_empty(),
            "{kind}: no step for a blocked address"
        );
        let message = &plan.blockers[0].message;
        assert!(
            message.contains(expected) && message.contains("CN=ocschat,CN=Users,DC=contoso,DC=com"),
            "{kind}: names the object and the fix: {message}"
        );
        assert!(message.contains("choose another address"), "{message}");
    }
}

#[test]
fn a_home_pool_of_unknown_version_is_released_with_a_warning() {
    let mut value = contoso();
    value["registrarPools"] = json!([]);
    let plan = planned(value);
    assert_eq!(plan.status, PlanStatus::Ready);
    assert_eq!(codes(&plan.warnings), ["home_pool_version_unknown"]);
}

#[test]
fn an_address_outside_the_sip_domains_blocks() {
    let mut value = contoso();
    value["sipAddresses"] = json!(["sip:ocschat@fabrikam.com"]);
    let plan = planned(value);
    assert_eq!(codes(&plan.blockers), ["sip_domain_unknown"]);
    assert!(plan.blockers[0].message.contains("contoso.com"));
}

#[test]
fn quotes_in_values_are_doubled_so_a_name_cannot_end_the_string() {
    assert_eq!(quote("O'Brien"), "'O''Brien'");
    assert_eq!(quote("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
    assert_eq!(quote("$(Remove-Item C:\\)"), "'$(Remove-Item C:\\)'");
    let mut value = contoso();
    value["owners"][0]["identity"] = json!("CN=O'Chat,CN=Users,DC=contoso,DC=com");
    let plan = planned(value);
    assert_eq!(
        plan.steps[0].command.command_line,
        "Disable-CsUser -Identity 'CN=O''Chat,CN=Users,DC=contoso,DC=com'"
    );
}

fn refused(value: serde_json::Value) -> PcmError {
    plan(&facts(value)).expect_err("refused")
}

#[test]
fn malformed_sip_addresses_are_invalid_parameters_naming_the_field() {
    for (address, why) in [
        ("ocschat@contoso.com", "must start with 'sip:'"),
        ("sips:ocschat@contoso.com", "must start with 'sip:'"),
        ("sip:ocschat", "no '@'"),
        ("sip:@contoso.com", "empty"),
        ("sip:ocs chat@contoso.com", "no spaces"),
        ("sip:ocschat@contoso", "not fully qualified"),
        ("sip:ocschat@-contoso.com", "label"),
        ("sip:ocschat;transport=tls@contoso.com", "URI parameters"),
        ("sip:ocs%2@contoso.com", "hex"),
    ] {
        let mut value = contoso();
        value["sipAddresses"] = json!(["sip:ok@contoso.com", address]);
        let error = refused(value);
        assert_eq!(
            error.code(),
            crate::error::ErrorCode::InvalidParameter,
            "{address}"
        );
        let message = error.to_string();
        assert!(
            message.contains("sipAddresses[1]") && message.contains(why),
            "{address}: {message}"
        );
        assert_eq!(error.details()["parameter"], "sipAddresses[1]");
    }
    let mut value = contoso();
    value["owners"][0]["sipAddress"] = json!("ocschat@contoso.com");
    assert!(refused(value).to_string().contains("owners[0].sipAddress"));
}

#[test]
fn malformed_fqdns_are_invalid_parameters_naming_the_field() {
    for (field, pointer, bad) in [
        (
            "persistentChatPoolFqdn",
            "/persistentChatPoolFqdn",
            "pcpool",
        ),
        (
            "persistentChatPoolFqdn",
            "/persistentChatPoolFqdn",
            "pc_pool.contoso.com",
        ),
        (
            "persistentChatPoolFqdn",
            "/persistentChatPoolFqdn",
            "pcpool.contoso.com.",
        ),
        (
            "pools[0]",
            "/pools/0",
            "PersistentChatServer:bad..contoso.com",
        ),
        ("sipDomains[0].name", "/sipDomains/0/name", "contoso com"),
        (
            "owners[0].registrarPool",
            "/owners/0/registrarPool",
            "fe 2010",
        ),
    ] {
        let mut value = contoso();
        *value.pointer_mut(pointer).expect("pointer") = json!(bad);
        let error = refused(value);
        assert_eq!(error.details()["parameter"], field, "{bad}: {error}");
        assert!(error.to_string().contains(field), "{error}");
    }
}

#[test]
fn other_malformed_facts_are_refused() {
    let mut value = contoso();
    value["sipDomains"] = json!([]);
    assert!(refused(value).to_string().contains("Get-CsSipDomain"));
    let mut value = contoso();
    value["sipAddresses"] = json!(["sip:a@contoso.com", "SIP:A@CONTOSO.COM"]);
    assert!(refused(value).to_string().contains("twice"));
    let mut value = contoso();
    value["owners"][0]["identity"] = json!("CN=x\u{1b}[31m");
    assert!(refused(value).to_string().contains("control characters"));
    let mut value = contoso();
    value["options"] = json!({ "displayName": "" });
    assert!(refused(value).to_string().contains("options.displayName"));
}

#[test]
fn unknown_fields_and_values_are_refused_by_the_facts_type() {
    let mut value = contoso();
    value["sipAdresses"] = json!(["sip:ocschat@contoso.com"]);
    let error = serde_json::from_value::<LegacyClientFacts>(value).expect_err("unknown field");
    assert!(error.to_string().contains("sipAdresses"), "{error}");
    let mut value = contoso();
    value["options"] = json!({ "releaseMethod": "delete" });
    assert!(serde_json::from_value::<LegacyClientFacts>(value).is_err());
    let mut value = contoso();
    value["owners"][0]["objectKind"] = json!("computer");
    assert!(serde_json::from_value::<LegacyClientFacts>(value).is_err());
}
