//! The legacy category tree as the rules walk it: parents, ancestors, legacy paths and inherited settings.

use crate::package::format::{Node, NodeKind};
use crate::package::reader::Entities;
use std::collections::{HashMap, HashSet};

/// Categories and rooms by id, and the root category.
pub(crate) struct Tree<'a> {
    nodes: HashMap<i32, &'a Node>,
    pub(crate) root: Option<&'a Node>,
}

impl<'a> Tree<'a> {
    pub(crate) fn new(entities: &'a Entities) -> Self {
        let nodes: HashMap<i32, &Node> = entities
            .categories
            .iter()
            .chain(&entities.rooms)
            .map(|n| (n.id, n))
            .collect();
        let root = entities
            .categories
            .iter()
            .find(|c| c.is_root && c.kind == NodeKind::Category);
        Tree { nodes, root }
    }

    pub(crate) fn get(&self, id: i32) -> Option<&'a Node> {
        self.nodes.get(&id).copied()
    }

    /// The node's parent category, when the package has it.
    pub(crate) fn parent(&self, node: &Node) -> Option<&'a Node> {
        node.parent_id.and_then(|p| self.get(p))
    }

    /// The categories above the node, its parent first, up to and including the root. Stops at a missing
    /// parent or a repeated node (the export refuses cycles; this only keeps the pure code total).
    pub(crate) fn ancestors(&self, node: &Node) -> Vec<&'a Node> {
        let mut out = Vec::new();
        let mut seen = HashSet::from([node.id]);
        let mut current = self.parent(node);
        while let Some(category) = current {
            if !seen.insert(category.id) {
                break;
            }
            out.push(category);
            current = self.parent(category);
        }
        out
    }

    /// A setting as the node sees it: its own value, else the nearest ancestor's that has one.
    pub(crate) fn effective(
        &self,
        node: &Node,
        own: impl Fn(&Node) -> Option<bool>,
    ) -> Option<bool> {
        own(node).or_else(|| self.ancestors(node).into_iter().find_map(&own))
    }
}

/// The NameMap key of a node: the category names from below the root down to its parent, then its own name,
/// joined by `\` (`Sales\EMEA\Q3 forecast`).
pub(crate) fn legacy_path(node: &Node) -> String {
    let mut parts: Vec<&str> = node.path.iter().map(String::as_str).collect();
    parts.push(&node.name);
    parts.join("\\")
}
