//! Principals: federated users and groups become disabled 2013 users and groups; disabled and deleted
//! principals are kept as they are and reported with the rooms where they hold roles.

use super::findings::Findings;
use super::model::{PlannedPrincipal, PlannedRoom};
use crate::package::format::Principal;
use std::collections::BTreeMap;

/// Legacy type names of federated principals (compared without case and spaces).
const FEDERATED_TYPES: [&str; 3] = ["federateduser", "federatedgroup", "externaluser"];

fn squashed(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

/// Whether the principal is federated: the package says so, or its type name is a federated one.
pub(crate) fn is_federated(p: &Principal) -> bool {
    p.is_federated == Some(true)
        || p.type_name
            .as_deref()
            .is_some_and(|t| FEDERATED_TYPES.contains(&squashed(t).as_str()))
}

/// The principal as it will be in 2013: federated ones as disabled users or groups, the rest as they are (a
/// missing type name stays empty and is reported by [`report_principals`]).
pub(crate) fn plan_principal(p: &Principal) -> PlannedPrincipal {
    let federated = is_federated(p);
    let source_type = p.type_name.clone().unwrap_or_default();
    let type_name = if federated {
        if squashed(&source_type).contains("group") {
            "Group".to_string()
        } else {
            "User".to_string()
        }
    } else {
        source_type.clone()
    };
    let is_system_user =
        p.is_system_user == Some(true) || source_type.eq_ignore_ascii_case("SystemUser");
    PlannedPrincipal {
        source_id: p.id,
        guid: p.guid.clone(),
        uri: p.uri.clone(),
        source_type_name: (type_name != source_type).then_some(source_type),
        type_name,
        is_system_user,
        name: p.name.clone(),
        display_name: p.display_name.clone(),
        company_name: p.company_name.clone(),
        email: p.email.clone(),
        ad_path: p.ad_path.clone(),
        user_principal_name: p.user_principal_name.clone(),
        disabled: if federated {
            p.disabled.max(1)
        } else {
            p.disabled
        },
        federated,
        added_on: p.added_on,
        updated_on: p.updated_on,
    }
}

/// 2013 names of the rooms where each principal holds a role (member, manager or presenter).
pub(crate) fn rooms_by_principal(rooms: &[PlannedRoom]) -> BTreeMap<i32, Vec<String>> {
    let mut out: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    for room in rooms {
        let mut ids: Vec<i32> = room
            .members
            .iter()
            .chain(&room.managers)
            .chain(&room.presenters)
            .copied()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            out.entry(id).or_default().push(room.name.clone());
        }
    }
    out
}

/// Findings for the principals: missing type names (Error), federated (Warning, they lose access), disabled
/// and deleted (Warning, with their rooms).
pub(crate) fn report_principals(
    planned: &[PlannedPrincipal],
    rooms: &BTreeMap<i32, Vec<String>>,
    findings: &mut Findings,
) {
    for p in planned {
        let about = ("Principal", p.uri.as_str());
        let held = rooms.get(&p.source_id).cloned().unwrap_or_default();
        let in_rooms = if held.is_empty() {
            "no rooms".to_string()
        } else {
            format!("{} room(s): {}", held.len(), held.join(", "))
        };
        if p.type_name.is_empty() {
            findings.error(
                "principal_type_unknown",
                about,
                format!(
                    "principal '{}' (prinID {}) has no type name in the package, and the target maps types by \
                     name; export again from a database whose tblPrincipalType has ptypeDesc",
                    p.uri, p.source_id
                ),
            );
        }
        if p.federated {
            findings.warning(
                "federated_principal_disabled",
                about,
                format!(
                    "'{}' is federated ({}); Persistent Chat 2013 has no federation, so it becomes a disabled \
                     {} and loses access to {in_rooms}",
                    p.uri,
                    p.source_type_name.as_deref().unwrap_or(&p.type_name),
                    p.type_name
                ),
                held,
            );
        } else if p.disabled == 1 || p.disabled == 2 {
            let state = if p.disabled == 1 {
                "disabled"
            } else {
                "deleted"
            };
            findings.warning(
                if p.disabled == 1 {
                    "principal_disabled"
                } else {
                    "principal_deleted"
                },
                about,
                format!(
                    "'{}' is {state} in the source and is imported {state}; it holds roles in {in_rooms}",
                    p.uri
                ),
                held,
            );
        }
    }
}
