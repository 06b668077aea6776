//! Categories: every legacy category but the root becomes one 2013 category (flattened name, effective
//! invitations, scope, creators), plus the category created for rooms that sit directly under the root.

use super::findings::Findings;
use super::model::{PlannedCategory, TransformOptions, MAX_DESCRIPTION_CHARS};
use super::names::{category_name, Renamer};
use super::roles::NodeRoles;
use super::settings::{category_invite, effective_flag, FILE_POST, LOGGED};
use super::tree::{legacy_path, Tree};
use crate::package::format::{Node, ScopeEntry};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// What the category rules read besides the category itself.
pub(crate) struct CategoryInputs<'a> {
    pub(crate) tree: &'a Tree<'a>,
    /// `tblScopePrincipal` rows by node.
    pub(crate) scopes: HashMap<i32, Vec<&'a ScopeEntry>>,
    pub(crate) explicit: &'a HashMap<i32, NodeRoles>,
    pub(crate) options: &'a TransformOptions,
    /// 2013 sources keep their deny lists and their own scopes as they are.
    pub(crate) is_2013: bool,
}

/// One legacy category (not the root) as a 2013 category. `logged` / `file_post` are the category's own
/// effective values here; folding its rooms' values in comes later.
pub(crate) fn plan_category(
    category: &Node,
    inputs: &CategoryInputs<'_>,
    renamer: &mut Renamer<'_>,
    findings: &mut Findings,
) -> PlannedCategory {
    let path = legacy_path(category);
    let name = renamer.name(
        "Category",
        &path,
        &category.name,
        category_name(category, &inputs.options.name_separator),
        findings,
    );
    check_description("Category", &path, &category.description, findings);
    let (allowed, denied) = scope_of(category, inputs);
    PlannedCategory {
        source_id: Some(category.id),
        guid: category.guid.clone(),
        source_path: path,
        name,
        description: category.description.clone(),
        invite: category_invite(inputs.tree, category),
        logged: effective_flag(inputs.tree, category, LOGGED),
        file_post: effective_flag(inputs.tree, category, FILE_POST),
        allowed,
        denied,
        creators: inputs
            .explicit
            .get(&category.id)
            .map(|r| r.creators.iter().copied().collect())
            .unwrap_or_default(),
        added_by: category.added_by,
        added_on: category.added_on,
        updated_by: category.updated_by,
        updated_on: category.updated_on,
    }
}

/// The category created for rooms directly under the legacy root: named by `root_rooms_category`, its GUID
/// derived from the root's (a re-run finds it), its settings and scope the root's.
pub(crate) fn root_rooms_category(root: &Node, inputs: &CategoryInputs<'_>) -> PlannedCategory {
    let (allowed, denied) = scope_of(root, inputs);
    PlannedCategory {
        source_id: None,
        guid: derived_guid(&root.guid),
        source_path: String::new(),
        name: inputs.options.root_rooms_category.clone(),
        description: String::new(),
        invite: category_invite(inputs.tree, root),
        logged: effective_flag(inputs.tree, root, LOGGED),
        file_post: effective_flag(inputs.tree, root, FILE_POST),
        allowed,
        denied,
        creators: Vec::new(),
        added_by: None,
        added_on: None,
        updated_by: None,
        updated_on: None,
    }
}

/// A stable GUID for the root-rooms category: SHA-256 of a fixed label and the root's GUID (lower case),
/// its first 16 bytes marked as an RFC 9562 version 8 (custom) UUID.
pub(crate) fn derived_guid(root_guid: &str) -> String {
    let digest = Sha256::digest(format!(
        "pchat-migrate root-rooms category {}",
        root_guid.to_ascii_lowercase()
    ));
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// AllowedMembers / DeniedMembers. Legacy: the category's own allow rows, else the nearest ancestor's that
/// has any (legacy scopes narrow downward, so the nearest scope is the one in force); no deny lists. 2013:
/// the category's own rows, allow and deny.
fn scope_of(category: &Node, inputs: &CategoryInputs<'_>) -> (Vec<i32>, Vec<i32>) {
    let rows = |id: i32, denied: bool| -> Vec<i32> {
        let mut v: Vec<i32> = inputs
            .scopes
            .get(&id)
            .into_iter()
            .flatten()
            .filter(|s| s.denied == denied)
            .map(|s| s.principal_id)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    if inputs.is_2013 {
        return (rows(category.id, false), rows(category.id, true));
    }
    let own = rows(category.id, false);
    if !own.is_empty() {
        return (own, Vec::new());
    }
    let inherited = inputs
        .tree
        .ancestors(category)
        .into_iter()
        .map(|a| rows(a.id, false))
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    (inherited, Vec::new())
}

/// Scope rows grouped by node, so each category's lookup does not scan the whole table.
pub(crate) fn scopes_by_node(scopes: &[ScopeEntry]) -> HashMap<i32, Vec<&ScopeEntry>> {
    let mut out: HashMap<i32, Vec<&ScopeEntry>> = HashMap::new();
    for s in scopes {
        out.entry(s.node_id).or_default().push(s);
    }
    out
}

/// 2013 `nodeDesc` holds 256 characters: a longer description is an error (never truncated).
pub(crate) fn check_description(
    kind: &str,
    path: &str,
    description: &str,
    findings: &mut Findings,
) {
    let chars = description.chars().count();
    if chars > MAX_DESCRIPTION_CHARS {
        findings.error(
            "description_too_long",
            (kind, path),
            format!(
                "the description of {} '{path}' has {chars} characters; 2013 allows \
                 {MAX_DESCRIPTION_CHARS}. Shorten it in the source and export again",
                kind.to_lowercase()
            ),
        );
    }
}
