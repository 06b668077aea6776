//! Roles: the package's explicit assignments, cascaded down the legacy tree into explicit 2013 room roles.
//!
//! The package's `Inherited` records are the export's own resolution (per the source's `honorsOverride`); the
//! transform recomputes from the explicit ones so the rules below are the only ones that apply.

use super::findings::Findings;
use super::tree::{legacy_path, Tree};
use crate::package::format::{Node, NodeKind, RoleOrigin};
use crate::package::reader::Entities;
use std::collections::{BTreeSet, HashMap};

/// The role types the transform knows, matched by name case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoleKind {
    Member,
    Manager,
    Voiced,
    Creator,
}

impl RoleKind {
    pub(crate) fn parse(name: &str) -> Option<Self> {
        let name = name.trim();
        [
            ("Member", RoleKind::Member),
            ("Manager", RoleKind::Manager),
            ("Voiced", RoleKind::Voiced),
            ("Creator", RoleKind::Creator),
        ]
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, k)| k)
    }
}

/// Principals holding each role on one node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NodeRoles {
    pub(crate) members: BTreeSet<i32>,
    pub(crate) managers: BTreeSet<i32>,
    pub(crate) voiced: BTreeSet<i32>,
    pub(crate) creators: BTreeSet<i32>,
}

impl NodeRoles {
    fn add(&mut self, kind: RoleKind, principal: i32) {
        match kind {
            RoleKind::Member => self.members.insert(principal),
            RoleKind::Manager => self.managers.insert(principal),
            RoleKind::Voiced => self.voiced.insert(principal),
            RoleKind::Creator => self.creators.insert(principal),
        };
    }
}

/// The explicit assignments by node. Unknown role names are Error findings (the target maps roles by name).
pub(crate) fn explicit_roles(
    entities: &Entities,
    tree: &Tree<'_>,
    findings: &mut Findings,
) -> HashMap<i32, NodeRoles> {
    let mut out: HashMap<i32, NodeRoles> = HashMap::new();
    for role in entities
        .roles
        .iter()
        .filter(|r| r.origin == RoleOrigin::Explicit)
    {
        match RoleKind::parse(&role.role) {
            Some(kind) => out
                .entry(role.node_id)
                .or_default()
                .add(kind, role.principal_id),
            None => {
                let node = tree.get(role.node_id);
                let (kind, path) = node.map_or(("Node", role.node_id.to_string()), |n| {
                    (kind_name(n), legacy_path(n))
                });
                findings.error(
                    "unknown_role",
                    (kind, &path),
                    format!(
                        "principal {} holds role '{}' on {} '{path}', which is none of Member, Manager, Voiced \
                         or Creator; remove the assignment in the source and export again",
                        role.principal_id,
                        role.role,
                        kind.to_lowercase()
                    ),
                );
            }
        }
    }
    out
}

pub(crate) fn kind_name(node: &Node) -> &'static str {
    match node.kind {
        NodeKind::Category => "Category",
        NodeKind::Room => "Room",
    }
}

/// A room's roles after cascading: its explicit roles; managers of every category above it (root included);
/// members of the categories above it up to the first node (the room included) that overrides membership —
/// that category's own members still apply, those above it do not; presenters (Voiced) of the categories
/// above, likewise not cut by overrides. Creators stay on categories.
pub(crate) fn room_roles(
    room: &Node,
    tree: &Tree<'_>,
    explicit: &HashMap<i32, NodeRoles>,
) -> NodeRoles {
    let mut roles = explicit.get(&room.id).cloned().unwrap_or_default();
    roles.creators.clear();
    let mut cut = room.override_member.unwrap_or(false);
    for category in tree.ancestors(room) {
        if let Some(above) = explicit.get(&category.id) {
            roles.managers.extend(&above.managers);
            roles.voiced.extend(&above.voiced);
            if !cut {
                roles.members.extend(&above.members);
            }
        }
        if category.override_member.unwrap_or(false) {
            cut = true;
        }
    }
    roles
}
