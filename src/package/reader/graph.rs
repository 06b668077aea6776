//! Checks between entities: counts, unique ids, references, and the shape of the category tree. The import walks
//! up parents (to flatten names, to inherit roles); a cycle or a second root would make it loop or guess, so the
//! reader refuses them here, naming the ids. Everything is hashed once: linear in the number of records.

use crate::package::format::{Manifest, Node, NodeKind, RoleAssignment, ScopeEntry};
use std::collections::{HashMap, HashSet};

/// What the checks need of a category or room (a full [`Node`] is several times larger; a package may hold
/// tens of thousands of rooms).
#[derive(Debug, Clone)]
pub struct NodeView {
    pub id: i32,
    pub kind: NodeKind,
    pub parent_id: Option<i32>,
    pub is_root: bool,
    pub name: String,
    pub path: Vec<String>,
    pub addin_id: Option<String>,
}

impl From<Node> for NodeView {
    fn from(n: Node) -> NodeView {
        NodeView {
            id: n.id,
            kind: n.kind,
            parent_id: n.parent_id,
            is_root: n.is_root,
            name: n.name,
            path: n.path,
            addin_id: n.addin_id,
        }
    }
}

/// The entities as the checks see them: ids of principals and add-ins, nodes as [`NodeView`]s.
#[derive(Debug, Default)]
pub struct Graph {
    pub principals: Vec<i32>,
    pub categories: Vec<NodeView>,
    pub rooms: Vec<NodeView>,
    pub roles: Vec<RoleAssignment>,
    pub scopes: Vec<ScopeEntry>,
    pub addins: Vec<String>,
}

fn kind_name(node: &NodeView) -> &'static str {
    match node.kind {
        NodeKind::Room => "room",
        NodeKind::Category => "category",
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Every check between entities; the message names the records at fault.
pub fn check(manifest: &Manifest, e: &Graph) -> Result<(), String> {
    check_counts(manifest, e)?;
    let scoped = manifest
        .parameters
        .get("scope")
        .is_some_and(|s| !s.is_null());
    let principals = unique(
        e.principals.iter().copied(),
        "principals.jsonl",
        "principal",
    )?;
    let nodes: HashMap<i32, &NodeView> = {
        let mut map = HashMap::with_capacity(e.categories.len() + e.rooms.len());
        for node in e.categories.iter().chain(&e.rooms) {
            if let Some(other) = map.insert(node.id, node) {
                return Err(format!(
                    "node id {} appears twice in categories.jsonl / rooms.jsonl ('{}' and '{}')",
                    node.id, other.name, node.name
                ));
            }
        }
        map
    };
    let addins = unique(
        e.addins.iter().map(String::as_str),
        "addins.jsonl",
        "add-in",
    )?;
    check_kinds(e)?;
    check_tree(e, &nodes, scoped)?;
    for node in e.categories.iter().chain(&e.rooms) {
        if let Some(addin) = &node.addin_id {
            if !addins.contains(addin.as_str()) {
                return Err(format!(
                    "{} {} '{}' uses add-in {addin}, not in addins.jsonl",
                    kind_name(node),
                    node.id,
                    node.name
                ));
            }
        }
    }
    for role in &e.roles {
        if !nodes.contains_key(&role.node_id) || !principals.contains(&role.principal_id) {
            return Err(format!(
                "role {} of principal {} on node {} refers to an entity not in the package",
                role.role, role.principal_id, role.node_id
            ));
        }
        if let Some(from) = role.inherited_from {
            let is_category = nodes
                .get(&from)
                .is_some_and(|n| n.kind == NodeKind::Category);
            // A scoped export leaves out the categories above the scope, which roles may come from.
            let omitted_above_scope = scoped && !nodes.contains_key(&from);
            if !(is_category || omitted_above_scope) {
                return Err(format!(
                    "role {} of principal {} on node {} is inherited from {from}, which is not a category in \
                     categories.jsonl",
                    role.role, role.principal_id, role.node_id
                ));
            }
        }
    }
    for scope in &e.scopes {
        if !nodes.contains_key(&scope.node_id) || !principals.contains(&scope.principal_id) {
            return Err(format!(
                "scope entry of principal {} on node {} refers to an entity not in the package",
                scope.principal_id, scope.node_id
            ));
        }
    }
    Ok(())
}

fn check_counts(manifest: &Manifest, e: &Graph) -> Result<(), String> {
    let c = &manifest.counts;
    let counts = [
        ("principals", count(e.principals.len()), c.principals),
        ("categories", count(e.categories.len()), c.categories),
        ("rooms", count(e.rooms.len()), c.rooms),
        ("roles", count(e.roles.len()), c.roles),
        ("scopes", count(e.scopes.len()), c.scopes),
        ("addins", count(e.addins.len()), c.addins),
    ];
    for (what, found, said) in counts {
        if found != said {
            return Err(format!("it holds {found} {what}, the manifest says {said}"));
        }
    }
    Ok(())
}

/// The set of ids, refusing the first id seen twice.
fn unique<T: std::hash::Hash + Eq + std::fmt::Display + Copy>(
    ids: impl Iterator<Item = T>,
    file: &str,
    what: &str,
) -> Result<HashSet<T>, String> {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(format!("{file} holds {what} id {id} twice"));
        }
    }
    Ok(seen)
}

/// Categories in categories.jsonl, rooms in rooms.jsonl, and only a category may be the root.
fn check_kinds(e: &Graph) -> Result<(), String> {
    let misplaced = e
        .categories
        .iter()
        .find(|n| n.kind != NodeKind::Category)
        .or_else(|| e.rooms.iter().find(|n| n.kind != NodeKind::Room));
    if let Some(node) = misplaced {
        return Err(format!(
            "node {} '{}' is in the wrong file",
            node.id, node.name
        ));
    }
    if let Some(room) = e.rooms.iter().find(|n| n.is_root) {
        return Err(format!(
            "room {} '{}' says it is the root; only a category can be",
            room.id, room.name
        ));
    }
    Ok(())
}

/// One root (parentId null), every other node has a parent that is a category, and following parents never
/// comes back to where it started.
fn check_tree(e: &Graph, nodes: &HashMap<i32, &NodeView>, scoped: bool) -> Result<(), String> {
    let roots: Vec<&NodeView> = e.categories.iter().filter(|n| n.is_root).collect();
    if roots.len() > 1 {
        let named: Vec<String> = roots
            .iter()
            .map(|n| format!("{} '{}'", n.id, n.name))
            .collect();
        return Err(format!(
            "{} categories say they are the root ({}); a package has exactly one root",
            roots.len(),
            named.join(", ")
        ));
    }
    if roots.is_empty() && !e.categories.is_empty() {
        return Err("no category in categories.jsonl is the root (isRoot true)".to_string());
    }
    for node in e.categories.iter().chain(&e.rooms) {
        let label = format!("{} {} '{}'", kind_name(node), node.id, node.name);
        match (node.is_root, node.parent_id) {
            (true, None) => {}
            (true, Some(parent)) => {
                return Err(format!(
                    "the root {label} names parent {parent}; the root has parentId null"
                ))
            }
            (false, None) => {
                return Err(format!(
                    "{label} is not the root but has parentId null; only the root has no parent"
                ))
            }
            (false, Some(parent)) if parent == node.id => {
                return Err(format!("{label} names itself as its parent"))
            }
            (false, Some(parent)) => match nodes.get(&parent) {
                Some(p) if p.kind == NodeKind::Category => {}
                Some(p) => {
                    return Err(format!(
                    "{label} names parent {parent}, which is a room ('{}'); parents are categories",
                    p.name
                ))
                }
                // A scoped export may omit categories above the scope; their names survive in `path`.
                None if scoped => {}
                None => {
                    return Err(format!(
                        "{label} names parent {parent}, which is not in categories.jsonl"
                    ))
                }
            },
        }
    }
    find_cycle(&e.categories, nodes)
}

/// Walks up from every category once (nodes already known to reach the top are not walked again).
fn find_cycle(categories: &[NodeView], nodes: &HashMap<i32, &NodeView>) -> Result<(), String> {
    let mut reaches_top: HashSet<i32> = HashSet::with_capacity(categories.len());
    for start in categories {
        let mut walk: Vec<i32> = Vec::new();
        let mut on_walk: HashSet<i32> = HashSet::new();
        let mut current = Some(start.id);
        while let Some(id) = current {
            if reaches_top.contains(&id) {
                break;
            }
            if !on_walk.insert(id) {
                let from = walk.iter().position(|w| *w == id).unwrap_or(0);
                let mut cycle: Vec<String> = walk[from..].iter().map(i32::to_string).collect();
                cycle.push(id.to_string());
                return Err(format!(
                    "the categories {} form a cycle of parents; an import walking up parents would never reach \
                     the root",
                    cycle.join(" → ")
                ));
            }
            walk.push(id);
            current = nodes.get(&id).and_then(|n| n.parent_id);
        }
        reaches_top.extend(walk);
    }
    Ok(())
}
