//! Names: flattening (parent category names as a prefix), the NameMap, and the checks 2013 enforces on the
//! result (256 characters after prefixing, unique categories and rooms, no room named like a category).

use super::findings::Findings;
use super::model::{PlannedCategory, PlannedRoom, MAX_NAME_CHARS};
use crate::package::format::Node;
use std::collections::{BTreeMap, BTreeSet};

/// The name a flattened category gets: its parent categories' names, then its own, joined by the separator.
/// A top-level category (empty path) keeps its own name.
pub(crate) fn category_name(node: &Node, separator: &str) -> String {
    join_prefixed(&node.path, &node.name, separator)
}

/// The name a room gets: rooms in a top-level category (or under the root) keep their name; rooms in a nested
/// category get the full category path as a prefix.
pub(crate) fn room_name(node: &Node, separator: &str) -> String {
    if node.path.len() < 2 {
        node.name.clone()
    } else {
        join_prefixed(&node.path, &node.name, separator)
    }
}

fn join_prefixed(path: &[String], own: &str, separator: &str) -> String {
    let mut parts: Vec<&str> = path.iter().map(String::as_str).collect();
    parts.push(own);
    parts.join(separator)
}

/// Applies the NameMap and remembers which keys were used, so unknown keys can be reported.
pub(crate) struct Renamer<'a> {
    map: &'a BTreeMap<String, String>,
    known: BTreeSet<String>,
}

impl<'a> Renamer<'a> {
    pub(crate) fn new(map: &'a BTreeMap<String, String>) -> Self {
        Renamer {
            map,
            known: BTreeSet::new(),
        }
    }

    /// Marks a legacy path as existing in the package (also for rooms that are skipped: a mapping for them is
    /// not a typo).
    pub(crate) fn know(&mut self, path: &str) {
        self.known.insert(path.to_string());
    }

    /// The 2013 name of the node at `path`: the mapped name exactly as given, else `default`. Reports the
    /// change (prefix or mapping) as an Info finding, so the readiness report lists every name that changes.
    pub(crate) fn name(
        &mut self,
        entity_type: &str,
        path: &str,
        own_name: &str,
        default: String,
        findings: &mut Findings,
    ) -> String {
        self.know(path);
        if let Some(mapped) = self.map.get(path) {
            findings.info(
                "name_mapped",
                (entity_type, path),
                format!("{entity_type} '{path}' is renamed '{mapped}' by the NameMap"),
                Vec::new(),
            );
            return mapped.clone();
        }
        if default != own_name {
            findings.info(
                "name_prefixed",
                (entity_type, path),
                format!(
                    "{entity_type} '{path}' becomes '{default}': 2013 has one level of categories, so the \
                     parent category names are its prefix"
                ),
                Vec::new(),
            );
        }
        default
    }

    /// Error findings for NameMap keys that name no category or room of the package (typo protection).
    pub(crate) fn report_unknown(&self, findings: &mut Findings) {
        for key in self.map.keys().filter(|k| !self.known.contains(*k)) {
            findings.error(
                "name_map_unknown_path",
                ("NameMap", key),
                format!(
                    "the NameMap names '{key}', which is no category or room of the package; paths are the \
                     category names from below the root down to the node's own name, joined by '\\' and \
                     spelled exactly (fix the entry or remove it)"
                ),
            );
        }
    }
}

/// Checks every 2013 name: not empty, at most 256 characters (counted as characters, after prefixing), and
/// unique case-insensitively among categories, among rooms, and between rooms and categories.
pub(crate) fn check_names(
    categories: &[PlannedCategory],
    rooms: &[PlannedRoom],
    findings: &mut Findings,
) {
    let entries = categories
        .iter()
        .map(|c| ("Category", c.source_path.as_str(), c.name.as_str()))
        .chain(
            rooms
                .iter()
                .map(|r| ("Room", r.source_path.as_str(), r.name.as_str())),
        );
    let mut by_key: BTreeMap<String, Vec<(&str, &str, &str)>> = BTreeMap::new();
    for (kind, path, name) in entries {
        check_one(kind, path, name, findings);
        if !name.trim().is_empty() {
            by_key
                .entry(fold_case(name))
                .or_default()
                .push((kind, path, name));
        }
    }
    for same in by_key.values().filter(|v| v.len() > 1) {
        report_collision(same, findings);
    }
}

fn check_one(kind: &str, path: &str, name: &str, findings: &mut Findings) {
    let shown = if path.is_empty() { name } else { path };
    if name.trim().is_empty() {
        findings.error(
            "name_empty",
            (kind, shown),
            format!("{kind} '{path}' would have an empty name; give it one with a -NameMap entry for '{path}'"),
        );
        return;
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        findings.error(
            "name_too_long",
            (kind, shown),
            format!(
                "{kind} '{path}' would be named '{name}', {chars} characters after prefixing; 2013 allows \
                 {MAX_NAME_CHARS}. Names are never truncated: give it a shorter name with a -NameMap entry \
                 for '{path}' (or shorten it in the source)"
            ),
        );
    }
}

fn report_collision(same: &[(&str, &str, &str)], findings: &mut Findings) {
    let list: Vec<String> = same
        .iter()
        .map(|(kind, path, _)| format!("{} '{path}'", kind.to_lowercase()))
        .collect();
    let (kind, path, name) = same[0];
    let shown = if path.is_empty() { name } else { path };
    let rooms = same
        .iter()
        .filter(|(k, _, _)| *k == "Room")
        .map(|(_, _, n)| n.to_string())
        .collect();
    findings.push(
        super::model::Severity::Error,
        "name_collision",
        Some((kind, shown)),
        format!(
            "{} would all be named '{name}' (2013 names are unique regardless of case, among rooms, among \
             categories, and between rooms and categories); rename all but one with -NameMap entries",
            list.join(", ")
        ),
        rooms,
    );
}

/// Case-insensitive comparison key (SQL Server's default collations ignore case).
fn fold_case(name: &str) -> String {
    name.to_lowercase()
}
