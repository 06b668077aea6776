//! Chooses what goes into the package from -Level, -Scope and -Room, refusing unknown or ambiguous names
//! before anything is written.

use super::params::{ExportLevel, ExportPlan};
use crate::error::PcmError;
use crate::package::{Addin, Entities, Node, Principal};
use crate::source::SourceEntities;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The entities to write and the rooms whose history to export.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Shared with the package writer, which runs on the blocking pool (no copy of a large deployment's
    /// entities).
    pub entities: std::sync::Arc<Entities>,
    /// Rooms whose history is exported (empty unless the level has content).
    pub content_rooms: Vec<Node>,
}

impl Selection {
    /// The selected entities, owned (no copy: nothing else shares them yet).
    pub fn into_entities(self) -> Entities {
        std::sync::Arc::try_unwrap(self.entities).unwrap_or_else(|shared| (*shared).clone())
    }
}

/// `Category\Sub\Name` of a node.
pub fn full_path(node: &Node) -> String {
    node.path
        .iter()
        .cloned()
        .chain(std::iter::once(node.name.clone()))
        .collect::<Vec<_>>()
        .join("\\")
}

fn matches_name(node: &Node, wanted: &str) -> bool {
    node.name.eq_ignore_ascii_case(wanted) || full_path(node).eq_ignore_ascii_case(wanted)
}

pub fn select(source: &SourceEntities, plan: &ExportPlan) -> Result<Selection, PcmError> {
    let source = &source.entities;
    let level = plan.level;
    let children: HashMap<i32, Vec<i32>> = source
        .categories
        .iter()
        .chain(&source.rooms)
        .filter_map(|n| n.parent_id.map(|p| (p, n.id)))
        .fold(HashMap::new(), |mut map, (parent, child)| {
            map.entry(parent).or_default().push(child);
            map
        });
    // Nodes in scope: every node, or the named categories and everything below them.
    let mut in_scope: Option<HashSet<i32>> = None;
    if !plan.scope.is_empty() {
        let mut set = HashSet::new();
        for wanted in &plan.scope {
            let found: Vec<&Node> = source
                .categories
                .iter()
                .filter(|c| !c.is_root && matches_name(c, wanted))
                .collect();
            if found.is_empty() {
                let known: Vec<String> = source
                    .categories
                    .iter()
                    .filter(|c| !c.is_root)
                    .map(full_path)
                    .collect();
                return Err(PcmError::invalid_parameter(
                    "Scope",
                    format!(
                        "-Scope names category '{wanted}', which does not exist; the categories are: {}",
                        if known.is_empty() { "(none)".to_string() } else { known.join(", ") }
                    ),
                ));
            }
            let mut stack: Vec<i32> = found.iter().map(|c| c.id).collect();
            while let Some(id) = stack.pop() {
                if set.insert(id) {
                    stack.extend(children.get(&id).into_iter().flatten());
                }
            }
        }
        in_scope = Some(set);
    }
    let scoped = |n: &Node| in_scope.as_ref().is_none_or(|s| s.contains(&n.id));

    let mut rooms: Vec<Node> = if level.has_rooms() {
        source.rooms.iter().filter(|r| scoped(r)).cloned().collect()
    } else {
        Vec::new()
    };
    if !plan.rooms.is_empty() {
        let mut chosen = BTreeSet::new();
        for wanted in &plan.rooms {
            let by_id = wanted.parse::<i32>().ok();
            let found: Vec<&Node> = rooms
                .iter()
                .filter(|r| Some(r.id) == by_id || matches_name(r, wanted))
                .collect();
            match found.as_slice() {
                [] => {
                    return Err(PcmError::invalid_parameter(
                        "Room",
                        format!(
                            "-Room '{wanted}' matches no room{}",
                            if in_scope.is_some() { " in -Scope" } else { "" }
                        ),
                    ))
                }
                [one] => {
                    chosen.insert(one.id);
                }
                many => {
                    return Err(PcmError::invalid_parameter(
                        "Room",
                        format!(
                            "-Room '{wanted}' is ambiguous: {}; give the full path or the node id",
                            many.iter()
                                .map(|r| format!("'{}' (nodeID {})", full_path(r), r.id))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ))
                }
            }
        }
        rooms.retain(|r| chosen.contains(&r.id));
    }

    let categories: Vec<Node> = if !level.has_categories() {
        Vec::new()
    } else if !plan.rooms.is_empty() {
        // Only the categories the chosen rooms sit in (their chains up to the root).
        let by_id: HashMap<i32, &Node> = source.categories.iter().map(|c| (c.id, c)).collect();
        let mut needed = BTreeSet::new();
        for room in &rooms {
            let mut current = room.parent_id;
            while let Some(id) = current {
                if !needed.insert(id) {
                    break;
                }
                current = by_id.get(&id).and_then(|c| c.parent_id);
            }
        }
        source
            .categories
            .iter()
            .filter(|c| needed.contains(&c.id))
            .cloned()
            .collect()
    } else {
        source
            .categories
            .iter()
            .filter(|c| c.is_root || scoped(c))
            .cloned()
            .collect()
    };

    let node_ids: HashSet<i32> = categories.iter().chain(&rooms).map(|n| n.id).collect();
    let (roles, scopes) = if level.has_access_lists() {
        (
            source
                .roles
                .iter()
                .filter(|r| node_ids.contains(&r.node_id))
                .cloned()
                .collect::<Vec<_>>(),
            source
                .scopes
                .iter()
                .filter(|s| node_ids.contains(&s.node_id))
                .cloned()
                .collect::<Vec<_>>(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let used_addins: HashSet<&str> = rooms.iter().filter_map(|r| r.addin_id.as_deref()).collect();
    let addins: Vec<Addin> = match level {
        ExportLevel::All | ExportLevel::RoomDirectory
            if in_scope.is_none() && plan.rooms.is_empty() =>
        {
            source.addins.clone()
        }
        _ => source
            .addins
            .iter()
            .filter(|a| used_addins.contains(a.id.as_str()))
            .cloned()
            .collect(),
    };
    let principals: Vec<Principal> = if level.all_principals() {
        source.principals.clone()
    } else {
        let named: HashSet<i32> = roles
            .iter()
            .map(|r| r.principal_id)
            .chain(scopes.iter().map(|s| s.principal_id))
            .collect();
        source
            .principals
            .iter()
            .filter(|p| named.contains(&p.id))
            .cloned()
            .collect()
    };
    let content_rooms = if level.has_content() {
        rooms.clone()
    } else {
        Vec::new()
    };
    let rooms = if level == ExportLevel::User {
        Vec::new()
    } else {
        rooms
    };
    Ok(Selection {
        entities: std::sync::Arc::new(Entities {
            principals,
            categories,
            rooms,
            roles,
            scopes,
            addins,
        }),
        content_rooms,
    })
}
