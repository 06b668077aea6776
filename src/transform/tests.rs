//! One test (at least) per conversion rule of docs/conversion-rules.md.

use super::*;
use crate::package::format::{
    Addin, Node, NodeKind, Principal, RoleAssignment, RoleOrigin, ScopeEntry,
};

const LEGACY: &str = "LyncGroupChat2010";

fn guid(id: i32) -> String {
    format!("00000000-0000-0000-0000-{id:012}")
}

/// A node below `parent` (None: the root) whose path is given.
fn node(id: i32, kind: NodeKind, parent: Option<i32>, name: &str, path: &[&str]) -> Node {
    Node {
        id,
        guid: guid(id),
        kind,
        parent_id: parent,
        is_root: parent.is_none(),
        name: name.to_string(),
        path: path.iter().map(|s| s.to_string()).collect(),
        description: String::new(),
        topic: None,
        invite: None,
        logged: None,
        file_post: None,
        disabled: false,
        inheritance: None,
        scope_change: None,
        override_member: None,
        restrict_child_create: None,
        behavior: 4,
        behavior_name: Some("normal".into()),
        visibility: 3,
        visibility_name: Some("scope".into()),
        addin_id: None,
        filestore_uri: None,
        added_by: None,
        added_on: None,
        updated_by: None,
        updated_on: None,
    }
}

fn cat(id: i32, parent: Option<i32>, name: &str, path: &[&str]) -> Node {
    node(id, NodeKind::Category, parent, name, path)
}

fn room(id: i32, parent: i32, name: &str, path: &[&str]) -> Node {
    node(id, NodeKind::Room, Some(parent), name, path)
}

fn principal(id: i32, type_name: &str) -> Principal {
    Principal {
        id,
        guid: guid(1000 + id),
        uri: format!("sip:p{id}@example.com"),
        type_id: 1,
        type_name: Some(type_name.to_string()),
        is_user: None,
        is_system_user: None,
        is_federated: None,
        name: None,
        display_name: None,
        company_name: None,
        email: None,
        ad_path: None,
        user_principal_name: None,
        disabled: 0,
        allowed_perm_set: None,
        use_inherited_perms: None,
        added_on: None,
        updated_on: None,
    }
}

fn role(node_id: i32, principal_id: i32, role: &str) -> RoleAssignment {
    RoleAssignment {
        node_id,
        principal_id,
        role: role.to_string(),
        role_type_id: 0,
        origin: RoleOrigin::Explicit,
        inherited_from: None,
    }
}

/// root(1) > Sales(2) > EMEA(3) > Q(4); rooms: Lobby (10, in Sales), Deep (11, in Q), Hall (12, in root).
fn tree() -> Entities {
    Entities {
        principals: (1..=9).map(|i| principal(i, "User")).collect(),
        categories: vec![
            cat(1, None, "Root", &[]),
            cat(2, Some(1), "Sales", &[]),
            cat(3, Some(2), "EMEA", &["Sales"]),
            cat(4, Some(3), "Q", &["Sales", "EMEA"]),
        ],
        rooms: vec![
            room(10, 2, "Lobby", &["Sales"]),
            room(11, 4, "Deep", &["Sales", "EMEA", "Q"]),
            room(12, 1, "Hall", &[]),
        ],
        roles: Vec::new(),
        scopes: Vec::new(),
        addins: Vec::new(),
    }
}

fn run(e: &Entities) -> MigrationModel {
    transform(LEGACY, e, &[], &TransformOptions::default())
}

fn run_with(e: &Entities, options: &TransformOptions) -> MigrationModel {
    transform(LEGACY, e, &[], options)
}

fn room_of(m: &MigrationModel, id: i32) -> &PlannedRoom {
    m.rooms
        .iter()
        .find(|r| r.source_id == id)
        .expect("room planned")
}

fn category_of(m: &MigrationModel, id: i32) -> &PlannedCategory {
    m.categories
        .iter()
        .find(|c| c.source_id == Some(id))
        .expect("category planned")
}

fn codes(m: &MigrationModel, code: &str) -> Vec<Finding> {
    m.findings
        .iter()
        .filter(|f| f.code == code)
        .cloned()
        .collect()
}

#[test]
fn nested_categories_are_flattened_with_the_parent_path_as_prefix() {
    let m = run(&tree());
    let names: Vec<(&str, &str)> = m
        .categories
        .iter()
        .map(|c| (c.source_path.as_str(), c.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Sales", "Sales"),
            ("Sales\\EMEA", "Sales - EMEA"),
            ("Sales\\EMEA\\Q", "Sales - EMEA - Q"),
            ("", "Uncategorized"),
        ]
    );
    assert!(
        m.categories.iter().all(|c| c.source_id != Some(1)),
        "root not created"
    );
    assert_eq!(room_of(&m, 10).name, "Lobby");
    assert_eq!(room_of(&m, 11).name, "Sales - EMEA - Q - Deep");
    assert_eq!(room_of(&m, 11).source_path, "Sales\\EMEA\\Q\\Deep");
    assert_eq!(room_of(&m, 11).category_guid, guid(4));
    assert_eq!(room_of(&m, 10).category_guid, guid(2));
    let prefixed: Vec<String> = codes(&m, "name_prefixed")
        .into_iter()
        .filter_map(|f| f.entity)
        .collect();
    assert_eq!(
        prefixed,
        ["Sales\\EMEA", "Sales\\EMEA\\Q", "Sales\\EMEA\\Q\\Deep"]
    );
    let custom = run_with(
        &tree(),
        &TransformOptions {
            name_separator: "/".into(),
            ..TransformOptions::default()
        },
    );
    assert_eq!(room_of(&custom, 11).name, "Sales/EMEA/Q/Deep");
    assert_eq!(category_of(&custom, 3).name, "Sales/EMEA");
}

#[test]
fn rooms_under_the_root_go_into_a_created_category_with_a_stable_guid() {
    let m = run(&tree());
    let created = m
        .categories
        .iter()
        .find(|c| c.source_id.is_none())
        .expect("created");
    assert_eq!(created.name, "Uncategorized");
    assert_eq!(room_of(&m, 12).category_guid, created.guid);
    assert_eq!(room_of(&m, 12).name, "Hall");
    assert_eq!(created.guid, categories::derived_guid(&guid(1)));
    assert_ne!(created.guid, categories::derived_guid(&guid(2)));
    assert_eq!(created.guid.len(), 36);
    assert_eq!(&created.guid[14..15], "8", "version 8 UUID");
    assert_eq!(codes(&m, "root_rooms_category_created").len(), 1);
    let named = run_with(
        &tree(),
        &TransformOptions {
            root_rooms_category: "Lobby rooms".into(),
            ..TransformOptions::default()
        },
    );
    assert!(named.categories.iter().any(|c| c.name == "Lobby rooms"));
    let mut no_root_rooms = tree();
    no_root_rooms.rooms.retain(|r| r.id != 12);
    assert!(run(&no_root_rooms)
        .categories
        .iter()
        .all(|c| c.source_id.is_some()));
}

#[test]
fn the_name_map_renames_exactly_and_unknown_keys_are_errors() {
    let mut options = TransformOptions::default();
    options
        .name_map
        .insert("Sales\\EMEA\\Q\\Deep".into(), "  Deep room ".into());
    options
        .name_map
        .insert("Sales\\EMEA".into(), "Europe".into());
    options.name_map.insert("Sales\\Nope".into(), "X".into());
    let m = run_with(&tree(), &options);
    assert_eq!(room_of(&m, 11).name, "  Deep room ");
    assert_eq!(category_of(&m, 3).name, "Europe");
    assert_eq!(
        category_of(&m, 4).name,
        "Sales - EMEA - Q",
        "children keep the legacy prefix"
    );
    let unknown = codes(&m, "name_map_unknown_path");
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].severity, Severity::Error);
    assert_eq!(unknown[0].entity.as_deref(), Some("Sales\\Nope"));
    assert_eq!(codes(&m, "name_mapped").len(), 2);
}

#[test]
fn names_are_checked_for_256_characters_after_prefixing_in_chars() {
    let mut e = tree();
    let exactly = "é".repeat(256);
    e.rooms.push(room(13, 2, &exactly, &["Sales"]));
    e.rooms
        .push(room(14, 3, &"x".repeat(250), &["Sales", "EMEA"]));
    let m = run(&e);
    assert_eq!(
        room_of(&m, 13).name,
        exactly,
        "256 characters (512 bytes) fit"
    );
    let long = codes(&m, "name_too_long");
    assert_eq!(long.len(), 1, "{long:?}");
    let f = &long[0];
    assert_eq!(f.severity, Severity::Error);
    let path = format!("Sales\\EMEA\\{}", "x".repeat(250));
    assert_eq!(f.entity.as_deref(), Some(path.as_str()));
    assert!(f.message.contains("265 characters"), "{}", f.message);
    assert!(f.message.contains("-NameMap"), "{}", f.message);
    assert_eq!(room_of(&m, 14).name.chars().count(), 265, "never truncated");
    let mut options = TransformOptions::default();
    options.name_map.insert(path, "Short".into());
    assert!(codes(&run_with(&e, &options), "name_too_long").is_empty());
}

#[test]
fn collisions_and_empty_names_are_errors() {
    let mut e = tree();
    e.rooms.push(room(13, 3, "lobby", &["Sales", "EMEA"])); // "Sales - EMEA - lobby": no clash
    e.rooms.push(room(14, 4, "LOBBY", &["Sales", "EMEA", "Q"]));
    e.rooms.push(room(15, 2, "Sales - emea", &["Sales"])); // room named like a category
    e.categories.push(cat(5, Some(1), "sales - EMEA - q", &[])); // category like a flattened one
    let mut options = TransformOptions::default();
    options
        .name_map
        .insert("Sales\\EMEA\\Q\\LOBBY".into(), "LoBBy".into());
    options
        .name_map
        .insert("Sales\\EMEA\\lobby".into(), " ".into());
    let m = run_with(&e, &options);
    let clashes = codes(&m, "name_collision");
    assert_eq!(clashes.len(), 3, "{clashes:#?}");
    let joined: Vec<&str> = clashes.iter().map(|f| f.message.as_str()).collect();
    assert!(joined
        .iter()
        .any(|m| m.contains("room 'Sales\\Lobby'") && m.contains("room 'Sales\\EMEA\\Q\\LOBBY'")));
    assert!(joined
        .iter()
        .any(|m| m.contains("category 'Sales\\EMEA'") && m.contains("room 'Sales\\Sales - emea'")));
    assert!(joined
        .iter()
        .any(|m| m.contains("category 'Sales\\EMEA\\Q'")
            && m.contains("category 'sales - EMEA - q'")));
    let empty = codes(&m, "name_empty");
    assert_eq!(empty.len(), 1);
    assert_eq!(empty[0].entity.as_deref(), Some("Sales\\EMEA\\lobby"));
    assert!(clashes
        .iter()
        .chain(&empty)
        .all(|f| f.severity == Severity::Error));
}

#[test]
fn managers_cascade_to_every_room_below_and_root_managers_are_reported() {
    let mut e = tree();
    e.roles = vec![
        role(1, 1, "Manager"),
        role(3, 2, "manager"),
        role(11, 3, "MANAGER"),
    ];
    let m = run(&e);
    assert_eq!(room_of(&m, 10).managers, [1]);
    assert_eq!(room_of(&m, 11).managers, [1, 2, 3]);
    assert_eq!(room_of(&m, 12).managers, [1]);
    let root = codes(&m, "root_managers_manage_every_room");
    assert_eq!(root.len(), 1);
    assert_eq!(root[0].rooms, ["Lobby", "Sales - EMEA - Q - Deep", "Hall"]);
    assert!(
        root[0].message.contains("all 3 room(s)"),
        "{}",
        root[0].message
    );
}

#[test]
fn members_cascade_unless_the_room_or_a_category_on_the_way_overrides() {
    let mut e = tree();
    e.roles = vec![
        role(1, 1, "Member"),
        role(2, 2, "Member"),
        role(3, 3, "Member"),
        role(4, 4, "Member"),
        role(10, 5, "Member"),
    ];
    let m = run(&e);
    assert_eq!(room_of(&m, 10).members, [1, 2, 5]);
    assert_eq!(room_of(&m, 11).members, [1, 2, 3, 4]);
    e.categories[2].override_member = Some(true); // EMEA overrides: its own members apply, above do not
    e.rooms[0].override_member = Some(true); // Lobby overrides: only its own
    let m = run(&e);
    assert_eq!(room_of(&m, 11).members, [3, 4]);
    assert_eq!(room_of(&m, 10).members, [5]);
    e.roles.push(role(1, 6, "Manager"));
    assert_eq!(run(&e).rooms[0].managers, [6], "managers ignore overrides");
}

#[test]
fn package_inherited_records_are_ignored_and_unknown_roles_are_errors() {
    let mut e = tree();
    let mut inherited = role(10, 7, "Member");
    inherited.origin = RoleOrigin::Inherited;
    inherited.inherited_from = Some(2);
    e.roles = vec![inherited, role(10, 8, "Owner")];
    let m = run(&e);
    assert!(room_of(&m, 10).members.is_empty());
    let unknown = codes(&m, "unknown_role");
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].severity, Severity::Error);
    assert_eq!(unknown[0].entity.as_deref(), Some("Sales\\Lobby"));
    assert!(unknown[0].message.contains("'Owner'"));
}

#[test]
fn presenters_are_kept_on_auditorium_rooms_only() {
    let mut e = tree();
    e.rooms[0].behavior_name = Some("Auditorium".into());
    e.roles = vec![
        role(2, 1, "Voiced"),
        role(10, 2, "voiced"),
        role(11, 3, "Voiced"),
    ];
    let m = run(&e);
    assert_eq!(room_of(&m, 10).behavior, "auditorium");
    assert_eq!(room_of(&m, 10).presenters, [1, 2]);
    assert!(room_of(&m, 11).presenters.is_empty());
    let dropped = codes(&m, "presenters_dropped");
    assert_eq!(
        dropped.len(),
        1,
        "only the room that named presenters itself"
    );
    assert_eq!(dropped[0].entity.as_deref(), Some("Sales\\EMEA\\Q\\Deep"));
}

#[test]
fn creators_stay_on_categories() {
    let mut e = tree();
    e.roles = vec![role(3, 4, "Creator"), role(10, 5, "Creator")];
    let m = run(&e);
    assert_eq!(category_of(&m, 3).creators, [4]);
    assert!(room_of(&m, 11).members.is_empty() && room_of(&m, 11).managers.is_empty());
    assert_eq!(codes(&m, "creator_on_room_dropped").len(), 1);
}

#[test]
fn scopes_come_from_the_category_else_the_nearest_scoped_ancestor() {
    let mut e = tree();
    let scope = |node_id, principal_id, denied| ScopeEntry {
        node_id,
        principal_id,
        denied,
    };
    e.scopes = vec![
        scope(1, 9, false),
        scope(3, 2, false),
        scope(3, 1, false),
        scope(4, 5, true),
    ];
    let m = run(&e);
    assert_eq!(category_of(&m, 2).allowed, [9], "the root's scope");
    assert_eq!(category_of(&m, 3).allowed, [1, 2]);
    assert_eq!(
        category_of(&m, 4).allowed,
        [1, 2],
        "deny rows ignored for legacy: EMEA's"
    );
    assert!(m.categories.iter().all(|c| c.denied.is_empty()));
    let created = m
        .categories
        .iter()
        .find(|c| c.source_id.is_none())
        .expect("created");
    assert_eq!(created.allowed, [9]);
    let m13 = transform(PERSISTENT_CHAT_2013, &e, &[], &TransformOptions::default());
    assert_eq!(category_of(&m13, 4).denied, [5]);
    assert!(
        category_of(&m13, 4).allowed.is_empty(),
        "2013: own rows only"
    );
}

#[test]
fn invitations_inherit_and_rooms_cannot_turn_them_on_against_the_category() {
    let mut e = tree();
    let m = run(&e);
    assert!(m.categories.iter().all(|c| !c.invite), "default off");
    e.categories[1].invite = Some(true); // Sales on, EMEA and Q inherit
    e.categories[3].invite = Some(false); // Q off
    e.rooms[0].invite = Some(true); // Lobby on under Sales (on): inherit
    e.rooms[1].invite = Some(true); // Deep on under Q (off): forced off
    e.rooms[2].invite = Some(false); // Hall off: off
    let m = run(&e);
    assert!(category_of(&m, 3).invite);
    assert!(!category_of(&m, 4).invite);
    assert_eq!(room_of(&m, 10).invite, None);
    assert_eq!(room_of(&m, 11).invite, Some(false));
    assert_eq!(room_of(&m, 12).invite, Some(false));
    let forced = codes(&m, "invitation_forced_off");
    assert_eq!(forced.len(), 1);
    assert_eq!(forced[0].severity, Severity::Warning);
    assert_eq!(forced[0].rooms, ["Sales - EMEA - Q - Deep"]);
}

#[test]
fn history_and_file_posts_fold_into_the_category_by_the_policy() {
    let mut e = tree();
    e.rooms.push(room(13, 2, "Quiet", &["Sales"]));
    e.rooms[3].logged = Some(false);
    e.categories[1].file_post = Some(false);
    e.rooms[0].file_post = Some(false);
    let m = run(&e);
    let sales = category_of(&m, 2);
    assert!(!sales.logged, "Strictest: off");
    assert!(!sales.file_post, "all agree: off, no finding");
    assert!(category_of(&m, 3).logged, "default on");
    let conflicts = codes(&m, "setting_conflict");
    assert_eq!(conflicts.len(), 1, "{conflicts:#?}");
    assert_eq!(conflicts[0].rooms, ["Lobby"]);
    assert!(conflicts[0].message.contains("chat history"));
    assert!(conflicts[0]
        .message
        .contains("-SettingConflict MostPermissive"));
    let permissive = run_with(
        &e,
        &TransformOptions {
            setting_conflict: SettingPolicy::MostPermissive,
            ..TransformOptions::default()
        },
    );
    assert!(category_of(&permissive, 2).logged);
    assert_eq!(codes(&permissive, "setting_conflict")[0].rooms, ["Quiet"]);
}

#[test]
fn federated_principals_become_disabled_users_and_groups() {
    let mut e = tree();
    e.principals[1].type_name = Some("FederatedUser".into());
    e.principals[2].type_name = Some("Federated Group".into());
    e.principals[3].type_name = Some("ExternalUser".into());
    e.principals[4].is_federated = Some(true);
    e.principals[5].disabled = 1;
    e.principals[6].disabled = 2;
    e.principals[0].type_name = Some("SystemUser".into());
    e.roles = vec![
        role(10, 2, "Member"),
        role(11, 2, "Member"),
        role(10, 6, "Member"),
    ];
    let m = run(&e);
    let p = |id: i32| {
        m.principals
            .iter()
            .find(|p| p.source_id == id)
            .expect("principal")
    };
    assert_eq!(
        (p(2).type_name.as_str(), p(2).disabled, p(2).federated),
        ("User", 1, true)
    );
    assert_eq!(p(2).source_type_name.as_deref(), Some("FederatedUser"));
    assert_eq!((p(3).type_name.as_str(), p(3).disabled), ("Group", 1));
    assert_eq!((p(4).type_name.as_str(), p(4).disabled), ("User", 1));
    assert_eq!((p(5).type_name.as_str(), p(5).disabled), ("User", 1));
    assert_eq!((p(6).disabled, p(7).disabled), (1, 2), "kept as they are");
    assert!(p(1).is_system_user && p(1).type_name == "SystemUser");
    assert_eq!(p(9).source_type_name, None);
    let fed = codes(&m, "federated_principal_disabled");
    assert_eq!(fed.len(), 4);
    let p2 = fed
        .iter()
        .find(|f| f.entity.as_deref() == Some("sip:p2@example.com"))
        .expect("p2");
    assert_eq!(p2.rooms, ["Lobby", "Sales - EMEA - Q - Deep"]);
    assert!(p2.message.contains("loses access"));
    assert_eq!(codes(&m, "principal_disabled")[0].rooms, ["Lobby"]);
    assert_eq!(codes(&m, "principal_deleted").len(), 1);
}

#[test]
fn topics_are_appended_when_asked_and_they_fit_and_reported_either_way() {
    let mut e = tree();
    e.rooms[0].topic = Some("Q3 numbers".into());
    e.rooms[0].description = "Sales talk".into();
    e.rooms[1].topic = Some("t".repeat(250));
    e.rooms[1].description = "long".into();
    let m = run(&e);
    assert_eq!(room_of(&m, 10).description, "Sales talk");
    assert_eq!(codes(&m, "topic_dropped").len(), 2);
    let options = TransformOptions {
        topic_to_description: true,
        ..TransformOptions::default()
    };
    let m = run_with(&e, &options);
    assert_eq!(
        room_of(&m, 10).description,
        "Sales talk\n\nTopic: Q3 numbers"
    );
    assert_eq!(room_of(&m, 11).description, "long");
    assert_eq!(codes(&m, "topic_not_appended").len(), 1);
    assert_eq!(codes(&m, "topic_appended").len(), 1);
    e.rooms[0].description.clear();
    assert_eq!(
        room_of(&run_with(&e, &options), 10).description,
        "Topic: Q3 numbers"
    );
}

#[test]
fn disabled_rooms_are_skipped_unless_included() {
    let mut e = tree();
    e.rooms[0].disabled = true;
    let histories = [RoomHistory {
        room_id: 10,
        entry: "messages/room-10.jsonl".into(),
        messages: 42,
        first_chat_id: None,
        last_chat_id: None,
        chat_id_bound: None,
        first_message_utc: None,
        last_message_utc: None,
    }];
    let m = transform(LEGACY, &e, &histories, &TransformOptions::default());
    assert!(m.rooms.iter().all(|r| r.source_id != 10));
    assert_eq!(m.skipped_rooms.len(), 1);
    assert_eq!(
        (
            m.skipped_rooms[0].source_path.as_str(),
            m.skipped_rooms[0].messages
        ),
        ("Sales\\Lobby", 42)
    );
    let info = codes(&m, "rooms_skipped");
    assert_eq!((info.len(), info[0].severity), (1, Severity::Info));
    let mut options = TransformOptions {
        include_disabled_rooms: true,
        ..TransformOptions::default()
    };
    let m = transform(LEGACY, &e, &histories, &options);
    assert!(room_of(&m, 10).disabled);
    assert_eq!(room_of(&m, 10).messages, 42);
    options.include_disabled_rooms = false;
    options.name_map.insert("Sales\\Lobby".into(), "L".into());
    let m = transform(LEGACY, &e, &histories, &options);
    assert!(
        codes(&m, "name_map_unknown_path").is_empty(),
        "a skipped room's path is known"
    );
}

#[test]
fn behaviour_and_visibility_from_names_else_documented_ids() {
    let mut e = tree();
    e.rooms[0].behavior_name = None;
    e.rooms[0].behavior = 5;
    e.rooms[0].visibility_name = None;
    e.rooms[0].visibility = 6;
    e.rooms[1].visibility_name = Some("PRIVATE".into());
    e.rooms[2].behavior_name = Some("lecture".into());
    e.rooms[2].visibility_name = None;
    e.rooms[2].visibility = 99;
    let m = run(&e);
    assert_eq!(
        (
            room_of(&m, 10).behavior.as_str(),
            room_of(&m, 10).visibility.as_str()
        ),
        ("auditorium", "open")
    );
    assert_eq!(room_of(&m, 11).visibility, "private");
    assert_eq!(codes(&m, "unknown_behavior").len(), 1);
    assert_eq!(codes(&m, "unknown_visibility").len(), 1);
    assert!(m.has_errors());
}

#[test]
fn add_ins_are_kept_and_long_names_or_missing_ones_reported() {
    let mut e = tree();
    e.addins = vec![Addin {
        id: guid(77),
        name: "a".repeat(51),
        url: "https://addin".into(),
    }];
    e.rooms[0].addin_id = Some(guid(77));
    e.rooms[1].addin_id = Some(guid(78));
    let m = run(&e);
    assert_eq!(room_of(&m, 10).addin_id, Some(guid(77)));
    assert_eq!(room_of(&m, 11).addin_id, None);
    assert_eq!(codes(&m, "addin_missing").len(), 1);
    assert_eq!(codes(&m, "addin_name_invalid").len(), 1);
    assert_eq!(m.addins.len(), 1);
}

/// A 2013 package: one level, rooms in top-level categories, creators and deny lists.
fn mgc() -> Entities {
    let mut e = Entities {
        principals: (1..=4).map(|i| principal(i, "User")).collect(),
        categories: vec![
            cat(1, None, "RootCategory", &[]),
            cat(2, Some(1), "Sales", &[]),
            cat(3, Some(1), "HR", &[]),
        ],
        rooms: vec![
            room(10, 2, "Deals", &["Sales"]),
            room(11, 3, "People", &["HR"]),
        ],
        roles: vec![
            role(2, 1, "Creator"),
            role(10, 2, "Manager"),
            role(10, 3, "Member"),
        ],
        scopes: vec![ScopeEntry {
            node_id: 2,
            principal_id: 4,
            denied: true,
        }],
        addins: Vec::new(),
    };
    for c in &mut e.categories {
        c.invite = Some(true);
        c.logged = Some(true);
        c.file_post = Some(false);
    }
    e
}

#[test]
fn a_2013_package_loads_with_nothing_converted() {
    let e = mgc();
    let m = transform(PERSISTENT_CHAT_2013, &e, &[], &TransformOptions::default());
    assert!(m.findings.is_empty(), "{:#?}", m.findings);
    assert_eq!(m.source_kind, PERSISTENT_CHAT_2013);
    let names: Vec<&str> = m.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Sales", "HR"]);
    assert_eq!(room_of(&m, 10).name, "Deals");
    assert_eq!(room_of(&m, 10).managers, [2]);
    assert_eq!(room_of(&m, 10).members, [3]);
    assert_eq!(category_of(&m, 2).creators, [1]);
    assert_eq!(category_of(&m, 2).denied, [4]);
    assert!(
        category_of(&m, 2).invite && category_of(&m, 2).logged && !category_of(&m, 2).file_post
    );
    assert!(m.categories.iter().all(|c| c.source_id.is_some()));
}

#[test]
fn findings_come_errors_first_in_a_stable_order() {
    let mut e = tree();
    e.rooms.push(room(13, 2, "LOBBY", &["Sales"]));
    e.roles = vec![role(1, 1, "Manager")];
    e.rooms[1].topic = Some("x".into());
    let a = run(&e);
    let b = run(&e);
    assert_eq!(a.findings, b.findings);
    let severities: Vec<Severity> = a.findings.iter().map(|f| f.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort_by(|x, y| y.cmp(x));
    assert_eq!(severities, sorted);
    assert_eq!(a.findings[0].code, "name_collision");
}
