//! Minimal package records for tests that write packages by hand (tests/package.rs, tests/powershell_checks.rs).
#![allow(dead_code)]

use pchat_migrate::package::{Message, Node, NodeKind, Principal};
use pchat_migrate::util::ticks::ticks_to_iso;

/// A user principal with predictable guid and name.
pub fn principal(id: i32, uri: &str) -> Principal {
    Principal {
        id,
        guid: format!("00000000-0000-0000-0000-{id:012}"),
        uri: uri.to_string(),
        type_id: 5,
        type_name: Some("User".into()),
        is_user: Some(true),
        is_system_user: Some(false),
        is_federated: Some(false),
        name: Some(format!("User {id}")),
        display_name: None,
        company_name: None,
        email: None,
        ad_path: None,
        user_principal_name: None,
        disabled: 0,
        allowed_perm_set: Some(0),
        use_inherited_perms: Some(true),
        added_on: Some(634_000_000_000_000_000),
        updated_on: Some(634_000_000_000_000_000),
    }
}

/// A category or room; `parent: None` makes it the root.
pub fn node(id: i32, kind: NodeKind, parent: Option<i32>, name: &str, path: &[&str]) -> Node {
    Node {
        id,
        guid: format!("10000000-0000-0000-0000-{id:012}"),
        kind,
        parent_id: parent,
        is_root: parent.is_none(),
        name: name.to_string(),
        path: path.iter().map(|p| p.to_string()).collect(),
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
        behavior_name: Some("Normal".into()),
        visibility: 3,
        visibility_name: None,
        addin_id: None,
        filestore_uri: None,
        added_by: None,
        added_on: None,
        updated_by: None,
        updated_on: None,
    }
}

/// A message posted by principal 2 at `ticks`.
pub fn message(chat_id: i64, ticks: i64, content: &str) -> Message {
    Message {
        chat_id,
        chat_date: ticks,
        chat_date_utc: ticks_to_iso(ticks).expect("ticks in range"),
        poster_id: 2,
        poster_uri: Some("sip:ann@contoso.com".into()),
        is_alert: false,
        content: content.to_string(),
        content_utf16_base64: None,
        rtf: None,
    }
}
