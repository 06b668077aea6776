//! Chooses what goes into the package from -Level, -Scope and -Room, refusing unknown or ambiguous names
//! before anything is written.

use super::params::{ExportLevel, ExportPlan};
use crate::error::PcmError;
use crate::package::{Addin, Entities, Node, Principal, RoleAssignment, ScopeEntry};
use crate::source::SourceEntities;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The entities to write and the rooms whose history to export.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Shared with the package writer, which runs on the blocking pool (no copy of a large deployment's
    /// entities).
    pub entities: std::sync::Arc<Entities>,
    /// Rooms whose history is exported (empty unless the level has content).
    pub content_rooms: Vec<ContentRoom>,
}

/// A room whose history is exported: its id and `Category\Sub\Name` (for messages), not a second copy of its
/// node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentRoom {
    pub id: i32,
    pub path: String,
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

/// Takes the selected entities out of the source (moved, not copied: on a deployment of 100,000 principals a
/// copy held both sets through the whole history phase).
pub fn select(source: SourceEntities, plan: &ExportPlan) -> Result<Selection, PcmError> {
    let Entities {
        principals,
        categories,
        rooms: source_rooms,
        roles,
        scopes,
        addins,
    } = source.entities;
    let level = plan.level;
    let in_scope = scope_nodes(&categories, &source_rooms, &plan.scope)?;
    let scoped = |n: &Node| in_scope.as_ref().is_none_or(|s| s.contains(&n.id));

    let mut rooms: Vec<Node> = if level.has_rooms() {
        source_rooms.into_iter().filter(|r| scoped(r)).collect()
    } else {
        Vec::new()
    };
    if !plan.rooms.is_empty() {
        let chosen = chosen_rooms(&rooms, &plan.rooms, in_scope.is_some())?;
        rooms.retain(|r| chosen.contains(&r.id));
    }

    let categories: Vec<Node> = if !level.has_categories() {
        Vec::new()
    } else if !plan.rooms.is_empty() {
        // Only the categories the chosen rooms sit in (their chains up to the root).
        let needed = categories_above(&categories, &rooms);
        categories
            .into_iter()
            .filter(|c| needed.contains(&c.id))
            .collect()
    } else {
        categories
            .into_iter()
            .filter(|c| c.is_root || scoped(c))
            .collect()
    };

    let (roles, scopes) = if level.has_access_lists() {
        let node_ids: HashSet<i32> = categories.iter().chain(&rooms).map(|n| n.id).collect();
        (
            roles
                .into_iter()
                .filter(|r| node_ids.contains(&r.node_id))
                .collect::<Vec<_>>(),
            scopes
                .into_iter()
                .filter(|s| node_ids.contains(&s.node_id))
                .collect::<Vec<_>>(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let every_room = in_scope.is_none() && plan.rooms.is_empty();
    let addins = selected_addins(addins, &rooms, level, every_room);
    let principals = if level.all_principals() {
        principals
    } else {
        named_principals(principals, &roles, &scopes)
    };
    let content_rooms = if level.has_content() {
        rooms
            .iter()
            .map(|r| ContentRoom {
                id: r.id,
                path: full_path(r),
            })
            .collect()
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

/// Every add-in for the whole directory, else the ones the selected rooms use.
fn selected_addins(
    addins: Vec<Addin>,
    rooms: &[Node],
    level: ExportLevel,
    every_room: bool,
) -> Vec<Addin> {
    if every_room && matches!(level, ExportLevel::All | ExportLevel::RoomDirectory) {
        return addins;
    }
    let used: HashSet<&str> = rooms.iter().filter_map(|r| r.addin_id.as_deref()).collect();
    addins
        .into_iter()
        .filter(|a| used.contains(a.id.as_str()))
        .collect()
}

/// The principals the selected roles and scopes name.
fn named_principals(
    principals: Vec<Principal>,
    roles: &[RoleAssignment],
    scopes: &[ScopeEntry],
) -> Vec<Principal> {
    let named: HashSet<i32> = roles
        .iter()
        .map(|r| r.principal_id)
        .chain(scopes.iter().map(|s| s.principal_id))
        .collect();
    principals
        .into_iter()
        .filter(|p| named.contains(&p.id))
        .collect()
}

/// The nodes -Scope covers (the named categories and everything below them); None without -Scope.
fn scope_nodes(
    categories: &[Node],
    rooms: &[Node],
    scope: &[String],
) -> Result<Option<HashSet<i32>>, PcmError> {
    if scope.is_empty() {
        return Ok(None);
    }
    let children: HashMap<i32, Vec<i32>> = categories
        .iter()
        .chain(rooms)
        .filter_map(|n| n.parent_id.map(|p| (p, n.id)))
        .fold(HashMap::new(), |mut map, (parent, child)| {
            map.entry(parent).or_default().push(child);
            map
        });
    let mut set = HashSet::new();
    for wanted in scope {
        let found: Vec<&Node> = categories
            .iter()
            .filter(|c| !c.is_root && matches_name(c, wanted))
            .collect();
        if found.is_empty() {
            let known: Vec<String> = categories
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
    Ok(Some(set))
}

/// The ids of the rooms -Room names (by node id, name or full path), refusing a name that matches none or
/// several.
fn chosen_rooms(
    rooms: &[Node],
    wanted_rooms: &[String],
    scoped: bool,
) -> Result<BTreeSet<i32>, PcmError> {
    let mut chosen = BTreeSet::new();
    for wanted in wanted_rooms {
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
                        if scoped { " in -Scope" } else { "" }
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
    Ok(chosen)
}

/// The categories the rooms sit in, their chains up to the root.
fn categories_above(categories: &[Node], rooms: &[Node]) -> BTreeSet<i32> {
    let by_id: HashMap<i32, &Node> = categories.iter().map(|c| (c.id, c)).collect();
    let mut needed = BTreeSet::new();
    for room in rooms {
        let mut current = room.parent_id;
        while let Some(id) = current {
            if !needed.insert(id) {
                break;
            }
            current = by_id.get(&id).and_then(|c| c.parent_id);
        }
    }
    needed
}
