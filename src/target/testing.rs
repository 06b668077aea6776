//! Hand-built models and target states for the planner's unit tests (the transform and a server are not
//! needed to test matching and preflight rules).

use super::{BackupStatus, TargetAddin, TargetNode, TargetState};
use crate::transform::{
    MigrationModel, PlannedAddin, PlannedCategory, PlannedPrincipal, PlannedRoom,
};
use std::collections::BTreeMap;

pub fn state() -> TargetState {
    TargetState {
        db_instance: "sql01".into(),
        database: "mgc".into(),
        kind: "PersistentChat2013".into(),
        root_id: 1,
        system_principal_id: 1,
        role_types: [("member", 1), ("manager", 2), ("voiced", 3), ("creator", 4)]
            .map(|(n, i)| (n.to_string(), i))
            .into(),
        principal_types: [("systemuser", 4), ("user", 5), ("group", 9)]
            .map(|(n, i)| (n.to_string(), i))
            .into(),
        enum_values: [
            ("private", 2),
            ("scope", 3),
            ("normal", 4),
            ("auditorium", 5),
            ("open", 6),
        ]
        .map(|(n, i)| (n.to_string(), i))
        .into(),
        node_id_is_identity: true,
        prin_id_is_identity: true,
        nodes: vec![node(
            1,
            "Root",
            true,
            "00000000-0000-0000-0000-000000000002",
            0,
        )],
        addins: Vec::new(),
        principals_by_guid: BTreeMap::new(),
        principals_by_uri: BTreeMap::new(),
        servers: Vec::new(),
        admin_lock: None,
        backup: BackupStatus::None,
        system_revision: Some(1),
    }
}

pub fn node(id: i32, name: &str, is_category: bool, guid: &str, messages: u64) -> TargetNode {
    TargetNode {
        id,
        guid: guid.into(),
        parent_id: Some(1),
        is_category,
        name: name.into(),
        disabled: false,
        messages,
        max_chat_id: (messages > 0).then_some(i64::try_from(messages).unwrap_or(0)),
    }
}

pub fn addin(id: &str, name: &str) -> TargetAddin {
    TargetAddin {
        id: id.into(),
        name: name.into(),
        url: "https://addin.example/".into(),
    }
}

pub fn category(guid: &str, name: &str) -> PlannedCategory {
    PlannedCategory {
        source_id: Some(10),
        guid: guid.into(),
        source_path: name.into(),
        name: name.into(),
        description: String::new(),
        invite: true,
        logged: true,
        file_post: true,
        allowed: Vec::new(),
        denied: Vec::new(),
        creators: Vec::new(),
        added_by: None,
        added_on: None,
        updated_by: None,
        updated_on: None,
    }
}

pub fn room(id: i32, guid: &str, name: &str, category_guid: &str, messages: u64) -> PlannedRoom {
    PlannedRoom {
        source_id: id,
        guid: guid.into(),
        source_path: format!("Cat\\{name}"),
        name: name.into(),
        category_guid: category_guid.into(),
        description: String::new(),
        invite: None,
        disabled: false,
        behavior: "normal".into(),
        visibility: "open".into(),
        addin_id: None,
        members: Vec::new(),
        managers: Vec::new(),
        presenters: Vec::new(),
        messages,
        added_by: None,
        added_on: None,
        updated_by: None,
        updated_on: None,
    }
}

pub fn principal(id: i32, guid: &str, uri: &str, type_name: &str) -> PlannedPrincipal {
    PlannedPrincipal {
        source_id: id,
        guid: guid.into(),
        uri: uri.into(),
        type_name: type_name.into(),
        source_type_name: None,
        is_system_user: false,
        name: None,
        display_name: None,
        company_name: None,
        email: None,
        ad_path: None,
        user_principal_name: None,
        disabled: 0,
        federated: false,
        added_on: None,
        updated_on: None,
    }
}

pub fn model(
    categories: Vec<PlannedCategory>,
    rooms: Vec<PlannedRoom>,
    addins: Vec<PlannedAddin>,
) -> MigrationModel {
    MigrationModel {
        source_kind: "LyncGroupChat2010".into(),
        categories,
        rooms,
        addins,
        ..MigrationModel::default()
    }
}
