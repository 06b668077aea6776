//! The rules on hand-made rooms and facts: policy resolution order (tag, then the pool's site, then Global), a
//! 2010-homed user, a disabling policy, a disabled and an unknown user, group members (expanded or not, and
//! deduplicated with direct membership), several rooms and the summary, malformed facts.

use super::*;
use serde_json::json;

fn facts() -> ClientAccessFacts {
    serde_json::from_value(json!({
        "users": [
            {"sipAddress": "sip:alice@contoso.com", "enabled": true, "registrarPool": "fe2013.contoso.com"},
            {"sipAddress": "sip:bob@contoso.com", "enabled": true, "registrarPool": "fe2010.contoso.com"},
            {"sipAddress": "sip:carol@contoso.com", "enabled": true, "registrarPool": "fe2013.contoso.com",
             "persistentChatPolicy": "NoChat"},
            {"sipAddress": "sip:dave@contoso.com", "enabled": false, "registrarPool": "fe2013.contoso.com"},
            {"sipAddress": "sip:erin@contoso.com", "enabled": true, "registrarPool": "fe2013dub.contoso.com"},
            {"sipAddress": "sip:frank@contoso.com", "enabled": true, "registrarPool": "fe2013dub.contoso.com",
             "persistentChatPolicy": "Tag:Chatters"}
        ],
        "policies": [
            {"identity": "Global", "enablePersistentChat": true},
            {"identity": "Site:Dublin", "enablePersistentChat": false},
            {"identity": "Tag:NoChat", "enablePersistentChat": false},
            {"identity": "Tag:Chatters", "enablePersistentChat": true}
        ],
        "pools": [
            {"fqdn": "fe2013.contoso.com", "version": 6, "site": "Site:Redmond"},
            {"fqdn": "fe2010.contoso.com", "version": 5, "site": "Site:Redmond"},
            {"fqdn": "fe2013dub.contoso.com", "version": 6, "site": "Dublin"}
        ],
        "endpoints": [{"sipAddress": "sip:ocschat@contoso.com", "persistentChatPoolFqdn": "pc.contoso.com"}]
    }))
    .expect("facts")
}

fn user(uri: &str) -> RoomMember {
    RoomMember {
        kind: PrincipalKind::User,
        uri: uri.to_string(),
        ad_path: None,
        display_name: None,
        disabled: 0,
    }
}

fn group(dn: &str) -> RoomMember {
    RoomMember {
        kind: PrincipalKind::Group,
        uri: "ma-grp:0b6f@u.g".to_string(),
        ad_path: Some(dn.to_string()),
        display_name: Some("Sales".into()),
        disabled: 0,
    }
}

fn room(id: i32, name: &str, members: Vec<RoomMember>) -> RoomInput {
    RoomInput {
        id,
        name: name.to_string(),
        category: "Cat".into(),
        disabled: false,
        members,
    }
}

fn member<'a>(report: &'a ClientAccessReport, room: usize, sip: &str) -> &'a MemberAccess {
    report.rooms[room]
        .members
        .iter()
        .find(|m| m.sip_address == sip)
        .unwrap_or_else(|| panic!("{sip} in room {room}: {report:#?}"))
}

#[test]
fn each_user_gets_its_access_and_the_reason() {
    let members = [
        "sip:alice@contoso.com",
        "sip:BOB@contoso.com",
        "sip:carol@contoso.com",
        "sip:dave@contoso.com",
        "sip:erin@contoso.com",
        "sip:frank@contoso.com",
        "sip:zoe@contoso.com",
    ]
    .map(user)
    .to_vec();
    let report = analyse(&[room(10, "General", members)], &facts()).expect("analyses");
    let expect = |sip: &str, access: Access, code: &str, policy: Option<&str>| {
        let m = member(&report, 0, sip);
        assert_eq!(
            (m.access, m.reason_code.as_str(), m.policy.as_deref()),
            (access, code, policy),
            "{m:#?}"
        );
    };
    expect(
        "sip:alice@contoso.com",
        Access::CanUseNewClient,
        "enabled",
        Some("Global"),
    );
    // Matched case-insensitively; the facts' spelling is reported.
    expect(
        "sip:bob@contoso.com",
        Access::DependsOnLegacy,
        "homedOnLegacyPool",
        Some("Global"),
    );
    // The tag policy wins over Global...
    expect(
        "sip:carol@contoso.com",
        Access::NoAccess,
        "policyDisablesPersistentChat",
        Some("Tag:NoChat"),
    );
    expect(
        "sip:dave@contoso.com",
        Access::NoAccess,
        "userNotEnabled",
        None,
    );
    // ...the pool's site policy wins over Global when there is no tag...
    expect(
        "sip:erin@contoso.com",
        Access::NoAccess,
        "policyDisablesPersistentChat",
        Some("Site:Dublin"),
    );
    // ...and the tag wins over the site.
    expect(
        "sip:frank@contoso.com",
        Access::CanUseNewClient,
        "enabled",
        Some("Tag:Chatters"),
    );
    expect("sip:zoe@contoso.com", Access::NoAccess, "unknownUser", None);
    assert!(member(&report, 0, "sip:carol@contoso.com")
        .reason
        .contains("Tag:NoChat"));
    let counts = report.rooms[0].counts;
    assert_eq!(
        (
            counts.can_use_new_client,
            counts.depends_on_legacy,
            counts.no_access
        ),
        (2, 1, 4)
    );
    assert!(!report.summary.all_can_use_new_client);
    assert_eq!(
        report
            .warnings
            .iter()
            .map(|w| w.code.as_str())
            .collect::<Vec<_>>(),
        ["unknownUsers"]
    );
}

#[test]
fn a_legacy_user_without_an_endpoint_of_its_domain_is_warned_about() {
    let mut f = facts();
    f.endpoints.clear();
    let report = analyse(&[room(1, "R", vec![user("sip:bob@contoso.com")])], &f).expect("analyses");
    assert!(!report.summary.legacy_endpoint_present);
    assert_eq!(report.warnings[0].code, "noLegacyEndpoint");
    assert!(
        report.warnings[0].message.contains("contoso.com"),
        "{:?}",
        report.warnings
    );
    // An endpoint of another domain does not serve contoso.com's legacy clients.
    f.endpoints.push(EndpointFact {
        sip_address: "sip:ocschat@fabrikam.com".into(),
        persistent_chat_pool_fqdn: None,
    });
    let report = analyse(&[room(1, "R", vec![user("sip:bob@contoso.com")])], &f).expect("analyses");
    assert!(report.summary.legacy_endpoint_present);
    assert_eq!(report.warnings[0].code, "noLegacyEndpoint");
    // With the endpoint of its domain, no warning.
    let report =
        analyse(&[room(1, "R", vec![user("sip:bob@contoso.com")])], &facts()).expect("analyses");
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[test]
fn groups_are_counted_apart_unless_their_members_are_given() {
    let dn = "CN=Sales,OU=Groups,DC=contoso,DC=com";
    let rooms = [room(1, "R", vec![user("sip:alice@contoso.com"), group(dn)])];
    let report = analyse(&rooms, &facts()).expect("analyses");
    assert_eq!(report.rooms[0].unexpanded.len(), 1);
    assert_eq!(report.rooms[0].unexpanded[0].identity, dn);
    assert_eq!(report.rooms[0].counts.unexpanded_principals, 1);
    assert_eq!(report.rooms[0].members.len(), 1);
    assert!(report
        .warnings
        .iter()
        .any(|w| w.code == "unexpandedPrincipals"));

    let mut f = facts();
    f.groups.push(GroupFact {
        identity: dn.to_lowercase(),
        members: vec!["sip:Alice@contoso.com".into(), "sip:bob@contoso.com".into()],
    });
    let report = analyse(&rooms, &f).expect("analyses");
    let r = &report.rooms[0];
    assert!(r.unexpanded.is_empty());
    assert_eq!(r.members.len(), 2, "alice once: {r:#?}");
    let alice = member(&report, 0, "sip:alice@contoso.com");
    assert_eq!(
        (alice.membership, alice.via.as_slice()),
        (Membership::Direct, &[dn.to_string()][..])
    );
    let bob = member(&report, 0, "sip:bob@contoso.com");
    assert_eq!(
        (bob.membership, bob.access),
        (Membership::Indirect, Access::DependsOnLegacy)
    );
    // Direct members first.
    assert_eq!(r.members[0].sip_address, "sip:alice@contoso.com");
}

#[test]
fn several_rooms_give_distinct_user_counts_and_rooms_for_new_clients_only() {
    let rooms = [
        room(
            1,
            "New",
            vec![user("sip:alice@contoso.com"), user("sip:frank@contoso.com")],
        ),
        room(
            2,
            "Mixed",
            vec![user("sip:alice@contoso.com"), user("sip:bob@contoso.com")],
        ),
        room(3, "Empty", vec![]),
    ];
    let report = analyse(&rooms, &facts()).expect("analyses");
    let s = &report.summary;
    assert_eq!((s.rooms, s.rooms_new_clients_only), (3, 2));
    assert_eq!(
        (
            s.users.can_use_new_client,
            s.users.depends_on_legacy,
            s.users.no_access
        ),
        (2, 1, 0)
    );
    assert!(!s.all_can_use_new_client);
    let only_new = analyse(&rooms[..1], &facts()).expect("analyses");
    assert!(only_new.summary.all_can_use_new_client);
    assert!(render_html(&report).contains("Mixed"));
}

#[test]
fn a_principal_disabled_in_mgc_and_a_user_without_a_known_pool_have_no_access() {
    let mut f = facts();
    f.users.push(UserFact {
        sip_address: "sip:gina@contoso.com".into(),
        enabled: true,
        registrar_pool: Some("fe9.contoso.com".into()),
        persistent_chat_policy: None,
        display_name: None,
    });
    let mut gone = user("sip:alice@contoso.com");
    gone.disabled = 2;
    let report = analyse(
        &[room(1, "R", vec![gone, user("sip:gina@contoso.com")])],
        &f,
    )
    .expect("analyses");
    assert_eq!(
        member(&report, 0, "sip:alice@contoso.com").reason_code,
        "principalDisabled"
    );
    assert_eq!(
        member(&report, 0, "sip:gina@contoso.com").reason_code,
        "unknownPool"
    );
}

#[test]
fn malformed_facts_are_refused_naming_the_field() {
    type Edit = fn(&mut ClientAccessFacts);
    let cases: [(Edit, &str); 5] = [
        (|f| f.policies.retain(|p| p.identity != "Global"), "Global"),
        (
            |f| f.policies[1].identity = "Dublin".into(),
            "policies[1].identity",
        ),
        (
            |f| f.users[0].sip_address = "alice@contoso.com".into(),
            "users[0].sipAddress",
        ),
        (
            |f| f.users[0].persistent_chat_policy = Some("Missing".into()),
            "users[0].persistentChatPolicy",
        ),
        (
            |f| f.pools[1].fqdn = "fe2013.contoso.com".into(),
            "pools[1].fqdn",
        ),
    ];
    for (edit, named) in cases {
        let mut f = facts();
        edit(&mut f);
        let error = analyse(&[], &f).expect_err("refused");
        assert_eq!(error.code().to_string(), "invalid_parameter");
        assert!(error.to_string().contains(named), "{named}: {error}");
    }
    let unknown = serde_json::from_value::<ClientAccessFacts>(json!({"policies": [], "user": []}));
    assert!(unknown
        .expect_err("unknown field")
        .to_string()
        .contains("user"));
}

#[test]
fn the_html_report_escapes_names_and_lists_rooms_needing_attention_as_tables() {
    let rooms = [
        room(
            1,
            "<script>alert(1)</script>",
            vec![user("sip:bob@contoso.com")],
        ),
        room(2, "Quiet & calm", vec![user("sip:alice@contoso.com")]),
    ];
    let page = render_html(&analyse(&rooms, &facts()).expect("analyses"));
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // The room with a legacy member is a table; the other is listed by name.
    assert!(page.contains("<tr class=\"DependsOnLegacy\"><td>sip:bob@contoso.com</td>"));
    assert!(page.contains("<li>Cat \\ Quiet &amp; calm</li>"), "{page}");
}
