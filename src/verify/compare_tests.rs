//! Unit tests of the entity comparison: a hand-built model and the target the import makes of it.
use super::*;

#[test]
fn renamed_names_match_only_under_rename() {
    assert!(name_matches("Sales", "Sales", ConflictAction::Fail));
    assert!(!name_matches(
        "Sales",
        "Sales (migrated)",
        ConflictAction::Fail
    ));
    assert!(name_matches(
        "Sales",
        "Sales (migrated)",
        ConflictAction::Rename
    ));
    assert!(name_matches(
        "Sales",
        "Sales (migrated 3)",
        ConflictAction::Rename
    ));
    assert!(!name_matches(
        "Sales",
        "Sales (migrated x)",
        ConflictAction::Rename
    ));
    assert!(!name_matches("Sales", "Sales2", ConflictAction::Rename));
}

use crate::target::TargetAddin;
use crate::transform::PlannedAddin;
use crate::verify::target::PrincipalRow;
use std::collections::BTreeMap;

fn principal(id: i32, guid: &str, uri: &str, system: bool, disabled: i16) -> PlannedPrincipal {
    PlannedPrincipal {
        source_id: id,
        guid: guid.into(),
        uri: uri.into(),
        type_name: if system { "SystemUser" } else { "User" }.into(),
        source_type_name: None,
        is_system_user: system,
        name: None,
        display_name: None,
        company_name: None,
        email: None,
        ad_path: None,
        user_principal_name: None,
        disabled,
        federated: disabled == 1,
        added_on: None,
        updated_on: None,
    }
}

fn node(id: i32, guid: &str, parent: i32, is_category: bool, name: &str) -> NodeRow {
    NodeRow {
        id,
        guid: guid.into(),
        parent: Some(parent),
        is_category,
        name: name.into(),
        description: String::new(),
        invite: is_category.then_some(true),
        logged: is_category.then_some(true),
        file_post: is_category.then_some(false),
        disabled: false,
        behavior: "normal".into(),
        visibility: if is_category { "scope" } else { "private" }.into(),
        siop: (!is_category).then(|| "dddddddd-0000-0000-0000-000000000001".into()),
    }
}

/// A model with a system user, a user and a federated (disabled) user, one category scoped to the user, one
/// room with the user as member and manager and an add-in; and the target the import makes of it.
fn sample() -> (MigrationModel, VerifyTarget) {
    let model = MigrationModel {
        source_kind: "LyncGroupChat2010".into(),
        principals: vec![
            principal(
                1,
                "aaaaaaaa-0000-0000-0000-000000000001",
                "sip:old-system@x",
                true,
                0,
            ),
            principal(
                2,
                "aaaaaaaa-0000-0000-0000-000000000002",
                "sip:ann@contoso.com",
                false,
                0,
            ),
            principal(
                3,
                "aaaaaaaa-0000-0000-0000-000000000003",
                "sip:bob@fabrikam.com",
                false,
                1,
            ),
        ],
        categories: vec![PlannedCategory {
            source_id: Some(10),
            guid: "cccccccc-0000-0000-0000-000000000010".into(),
            source_path: "Sales".into(),
            name: "Sales".into(),
            description: String::new(),
            invite: true,
            logged: true,
            file_post: false,
            allowed: vec![2],
            denied: Vec::new(),
            creators: Vec::new(),
            added_by: None,
            added_on: None,
            updated_by: None,
            updated_on: None,
        }],
        rooms: vec![PlannedRoom {
            source_id: 11,
            guid: "cccccccc-0000-0000-0000-000000000011".into(),
            source_path: "Sales\\Q3".into(),
            name: "Q3".into(),
            category_guid: "CCCCCCCC-0000-0000-0000-000000000010".into(),
            description: String::new(),
            invite: None,
            disabled: false,
            behavior: "normal".into(),
            visibility: "private".into(),
            addin_id: Some("eeeeeeee-0000-0000-0000-000000000001".into()),
            members: vec![2, 1],
            managers: vec![2],
            presenters: Vec::new(),
            messages: 0,
            added_by: None,
            added_on: None,
            updated_by: None,
            updated_on: None,
        }],
        addins: vec![PlannedAddin {
            id: "eeeeeeee-0000-0000-0000-000000000001".into(),
            name: "Tracker".into(),
            url: "https://tracker/".into(),
        }],
        ..MigrationModel::default()
    };
    let prin = |id: i32, guid: &str, uri: &str, type_name: &str, disabled: i16| {
        (
            id,
            PrincipalRow {
                id,
                guid: guid.into(),
                uri: uri.into(),
                type_name: type_name.into(),
                disabled,
            },
        )
    };
    let target = VerifyTarget {
        root_id: 1,
        system_principal_id: 1,
        nodes: vec![
            node(1, "00000000-0000-0000-0000-000000000002", 1, true, "Root"),
            node(2, "cccccccc-0000-0000-0000-000000000010", 1, true, "Sales"),
            node(3, "cccccccc-0000-0000-0000-000000000011", 2, false, "Q3"),
        ],
        roles: HashMap::from([(
            3,
            BTreeSet::from([
                (5, "member".to_string()),
                (5, "manager".into()),
                (1, "member".into()),
            ]),
        )]),
        scopes: HashMap::from([(2, BTreeMap::from([(5, false)]))]),
        principals: HashMap::from([
            prin(
                1,
                "00000000-0000-0000-0000-000000000001",
                "sip:system@pchat.invalid",
                "systemuser",
                0,
            ),
            prin(
                5,
                "aaaaaaaa-0000-0000-0000-000000000002",
                "sip:ann@contoso.com",
                "user",
                0,
            ),
            prin(
                6,
                "aaaaaaaa-0000-0000-0000-000000000003",
                "sip:bob@fabrikam.com",
                "user",
                1,
            ),
        ]),
        addins: vec![TargetAddin {
            id: "dddddddd-0000-0000-0000-000000000001".into(),
            name: "Tracker".into(),
            url: "https://tracker/".into(),
        }],
        ..VerifyTarget::default()
    };
    (model, target)
}

fn problems(model: &MigrationModel, target: &VerifyTarget) -> Vec<(String, String)> {
    compare(model, target, ConflictAction::Fail)
        .items
        .into_iter()
        .filter(|i| i.status != VerifyStatus::Verified)
        .map(|i| (i.name, i.first_difference.unwrap_or_default()))
        .collect()
}

#[test]
fn what_the_import_made_verifies_with_its_expected_differences() {
    let (model, target) = sample();
    // The system user is the target's system principal (its GUID differs), the federated principal is
    // disabled, the add-in has another siopID in the target (matched by name): none of it is a difference.
    assert_eq!(problems(&model, &target), Vec::<(String, String)>::new());
    let compared = compare(&model, &target, ConflictAction::Fail);
    assert_eq!(compared.rooms, vec![(0, compared.items.len() - 1, 3)]);
    assert_eq!(
        compared.items.len(),
        2 + 1 + 1 + 1,
        "two principals, an add-in, a category, a room"
    );
    let guids = expected_guids(&model, &target);
    assert_eq!(guids[&1], "00000000-0000-0000-0000-000000000001");
}

#[test]
fn each_difference_is_named_on_its_item() {
    let (model, base) = sample();
    let mut t = base.clone();
    t.roles
        .get_mut(&3)
        .expect("roles")
        .insert((6, "member".into()));
    assert_eq!(
        problems(&model, &t),
        [(
            "Q3".to_string(),
            "member sip:bob@fabrikam.com extra in target".to_string()
        )]
    );

    let mut t = base.clone();
    t.roles
        .get_mut(&3)
        .expect("roles")
        .remove(&(5, "manager".to_string()));
    assert_eq!(
        problems(&model, &t),
        [(
            "Q3".to_string(),
            "manager sip:ann@contoso.com missing".to_string()
        )]
    );

    let mut t = base.clone();
    t.scopes.clear();
    assert_eq!(
        problems(&model, &t),
        [(
            "Sales".to_string(),
            "AllowedMembers sip:ann@contoso.com missing".to_string()
        )]
    );

    let mut t = base.clone();
    t.principals.get_mut(&6).expect("bob").disabled = 0;
    assert_eq!(
        problems(&model, &t),
        [(
            "sip:bob@fabrikam.com".to_string(),
            "prinDisabled differs (expected 1, found 0)".to_string()
        )]
    );

    let mut t = base.clone();
    t.nodes[2].parent = Some(1);
    assert_eq!(
        problems(&model, &t),
        [(
            "Q3".to_string(),
            "category differs (expected 'Sales', found 'Root')".to_string()
        )]
    );

    let mut t = base.clone();
    t.nodes[2].visibility = "open".into();
    assert_eq!(
        problems(&model, &t),
        [(
            "Q3".to_string(),
            "privacy (visibility) differs (expected private, found open)".to_string()
        )]
    );

    let mut t = base.clone();
    t.addins[0].url = "https://elsewhere/".into();
    assert_eq!(
        problems(&model, &t),
        [(
            "Tracker".to_string(),
            "URL differs (expected 'https://tracker/', found 'https://elsewhere/')".to_string()
        )]
    );

    let mut t = base.clone();
    t.nodes.remove(2);
    assert_eq!(
        problems(&model, &t),
        [(
            "Q3".to_string(),
            "not in the target (no tblNode row with this nodeGuid)".to_string()
        )]
    );

    let mut t = base;
    t.principals.remove(&5);
    let found = problems(&model, &t);
    assert_eq!(
        found[0],
        (
            "sip:ann@contoso.com".to_string(),
            "not in the target (no tblPrincipal row with this prinGuid)".to_string()
        )
    );
}
