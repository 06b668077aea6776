//! The entity comparison (pure): the expected model against the target as read, by key: principals by
//! `prinGuid`, categories and rooms by `nodeGuid`, add-ins by name. Each item gets every difference found, the
//! first one named (`name differs (expected 'A', found 'B')`, `member sip:ann@contoso.com missing`). The
//! import's own changes (prefixed names, materialised members, folded flags, federated principals disabled) are
//! in the model already, so they are not differences. docs/verify.md.

use super::target::{NodeRow, VerifyTarget};
use super::{VerifyItem, VerifyKind, VerifyStatus};
use crate::target::collisions::name_key;
use crate::target::ConflictAction;
use crate::transform::{MigrationModel, PlannedCategory, PlannedPrincipal, PlannedRoom};
use std::collections::{BTreeSet, HashMap, HashSet};

/// The items, and the rooms found in the target (model room index → target node id) for the histories.
pub struct Compared {
    pub items: Vec<VerifyItem>,
    /// (index of `model.rooms`, index of its item in `items`, target node id).
    pub rooms: Vec<(usize, usize, i32)>,
}

/// The expected poster / role holder GUID of each package principal: its own GUID, or for a system user the
/// target's system principal's (the import maps system users to it).
pub fn expected_guids(model: &MigrationModel, target: &VerifyTarget) -> HashMap<i32, String> {
    let system = target.system_guid();
    model
        .principals
        .iter()
        .filter_map(|p| {
            let guid = if p.is_system_user {
                system.clone()?
            } else {
                p.guid.to_ascii_lowercase()
            };
            Some((p.source_id, guid))
        })
        .collect()
}

struct Ctx<'a> {
    model: &'a MigrationModel,
    target: &'a VerifyTarget,
    action: ConflictAction,
    by_guid: HashMap<String, &'a NodeRow>,
    expected_guid: HashMap<i32, String>,
    /// Package principal id → URI (for messages).
    uri: HashMap<i32, &'a str>,
    /// Target node ids claimed by an expected item (not Extra).
    claimed: HashSet<i32>,
    /// Expected category GUID → its target node id.
    category_ids: HashMap<String, i32>,
}

fn item(kind: VerifyKind, name: &str, key: &str) -> VerifyItem {
    VerifyItem {
        kind,
        name: name.to_string(),
        key: key.to_string(),
        source_name: None,
        target_id: None,
        status: VerifyStatus::Verified,
        first_difference: None,
        differences: 0,
        history: None,
    }
}

/// Sets the status and first difference from the differences found.
pub fn conclude(item: &mut VerifyItem, differences: Vec<String>) {
    item.differences += u64::try_from(differences.len()).unwrap_or(u64::MAX);
    if item.first_difference.is_none() {
        item.first_difference = differences.into_iter().next();
    }
    if item.differences > 0 && item.status == VerifyStatus::Verified {
        item.status = VerifyStatus::Mismatch;
    }
}

fn differ<T: PartialEq + std::fmt::Display>(
    out: &mut Vec<String>,
    field: &str,
    expected: T,
    found: T,
) {
    if expected != found {
        out.push(format!(
            "{field} differs (expected {expected}, found {found})"
        ));
    }
}

fn quoted(s: &str) -> String {
    format!("'{s}'")
}

fn flag(value: Option<bool>) -> String {
    match value {
        None => "inherit (NULL)".into(),
        Some(true) => "on".into(),
        Some(false) => "off".into(),
    }
}

/// Whether `found` is the name the import gave an item planned as `expected`: the same, or under
/// `-ConflictAction Rename` the renamed form `<name> (migrated)` / `(migrated N)`.
fn name_matches(expected: &str, found: &str, action: ConflictAction) -> bool {
    if expected == found {
        return true;
    }
    if action != ConflictAction::Rename {
        return false;
    }
    let Some(rest) = found.strip_prefix(expected) else {
        return false;
    };
    match rest
        .strip_prefix(" (migrated")
        .and_then(|r| r.strip_suffix(')'))
    {
        Some("") => true,
        Some(n) => n
            .strip_prefix(' ')
            .is_some_and(|n| n.parse::<u32>().is_ok()),
        None => false,
    }
}

/// Compares everything but the histories.
pub fn compare(model: &MigrationModel, target: &VerifyTarget, action: ConflictAction) -> Compared {
    let mut ctx = Ctx {
        model,
        target,
        action,
        by_guid: target
            .nodes
            .iter()
            .map(|n| (n.guid.to_ascii_lowercase(), n))
            .collect(),
        expected_guid: expected_guids(model, target),
        uri: model
            .principals
            .iter()
            .map(|p| (p.source_id, p.uri.as_str()))
            .collect(),
        claimed: HashSet::from([target.root_id]),
        category_ids: HashMap::new(),
    };
    let mut items = principals(&ctx);
    items.extend(addins(&ctx));
    for c in &model.categories {
        items.push(category(&mut ctx, c));
    }
    let mut rooms = Vec::new();
    for (index, r) in model.rooms.iter().enumerate() {
        let (item, node) = room(&mut ctx, r);
        if let Some(node) = node {
            rooms.push((index, items.len(), node));
        }
        items.push(item);
    }
    items.extend(extra_nodes(&ctx));
    Compared { items, rooms }
}

fn principals(ctx: &Ctx<'_>) -> Vec<VerifyItem> {
    let by_guid = ctx.target.principals_by_guid();
    let mut items = Vec::new();
    for p in ctx.model.principals.iter().filter(|p| !p.is_system_user) {
        let mut it = item(VerifyKind::Principal, &p.uri, &p.guid.to_ascii_lowercase());
        match by_guid.get(&p.guid.to_ascii_lowercase()) {
            None => {
                it.status = VerifyStatus::Missing;
                it.first_difference =
                    Some("not in the target (no tblPrincipal row with this prinGuid)".into());
                it.differences = 1;
            }
            Some(found) => {
                it.target_id = Some(i64::from(found.id));
                conclude(&mut it, principal_differences(p, found));
            }
        }
        items.push(it);
    }
    items
}

fn principal_differences(p: &PlannedPrincipal, found: &super::target::PrincipalRow) -> Vec<String> {
    let mut d = Vec::new();
    if !p.uri.eq_ignore_ascii_case(&found.uri) {
        d.push(format!(
            "URI differs (expected '{}', found '{}')",
            p.uri, found.uri
        ));
    }
    if !p.type_name.eq_ignore_ascii_case(&found.type_name) {
        d.push(format!(
            "type differs (expected {}, found {})",
            p.type_name, found.type_name
        ));
    }
    differ(&mut d, "prinDisabled", p.disabled, found.disabled);
    d
}

fn addins(ctx: &Ctx<'_>) -> Vec<VerifyItem> {
    let mut items = Vec::new();
    let mut matched = HashSet::new();
    for a in &ctx.model.addins {
        let mut it = item(VerifyKind::Addin, &a.name, &a.name);
        let found = ctx
            .target
            .addins
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(&a.name))
            .or_else(|| {
                // Renamed (-ConflictAction Rename) add-ins keep the package's siopID.
                ctx.target.addins.iter().find(|t| {
                    t.id.eq_ignore_ascii_case(&a.id) && name_matches(&a.name, &t.name, ctx.action)
                })
            });
        match found {
            None => {
                it.status = VerifyStatus::Missing;
                it.first_difference =
                    Some("not in the target (no tblSiopWhiteList row with this name)".into());
                it.differences = 1;
            }
            Some(t) => {
                matched.insert(t.id.to_ascii_lowercase());
                it.name = t.name.clone();
                let mut d = Vec::new();
                if t.url != a.url {
                    d.push(format!(
                        "URL differs (expected '{}', found '{}')",
                        a.url, t.url
                    ));
                }
                conclude(&mut it, d);
            }
        }
        items.push(it);
    }
    for t in &ctx.target.addins {
        if !matched.contains(&t.id.to_ascii_lowercase()) {
            let mut it = item(VerifyKind::Addin, &t.name, &t.name);
            it.status = VerifyStatus::Extra;
            it.first_difference = Some("in the target, not expected from the source".into());
            it.differences = 1;
            items.push(it);
        }
    }
    items
}

/// The node planned with `guid`, or under `-ConflictAction Skip` the target's node of the same name the import
/// kept instead (the item is then Missing: it was not imported).
fn find_node<'a>(
    ctx: &Ctx<'a>,
    guid: &str,
    name: &str,
    is_category: bool,
) -> Result<&'a NodeRow, Option<&'a NodeRow>> {
    if let Some(n) = ctx.by_guid.get(&guid.to_ascii_lowercase()) {
        return Ok(n);
    }
    if ctx.action == ConflictAction::Skip {
        let kept = ctx.target.nodes.iter().find(|n| {
            n.id != ctx.target.root_id
                && n.is_category == is_category
                && name_key(&n.name) == name_key(name)
        });
        return Err(kept);
    }
    Err(None)
}

fn missing(it: &mut VerifyItem, kept: Option<&NodeRow>, what: &str) {
    it.status = VerifyStatus::Missing;
    it.differences = 1;
    it.first_difference = Some(match kept {
        Some(k) => {
            it.target_id = Some(i64::from(k.id));
            format!(
                "not imported: -ConflictAction Skip kept the target's {what} '{}' (nodeID {}) of this name",
                k.name, k.id
            )
        }
        None => "not in the target (no tblNode row with this nodeGuid)".into(),
    });
}

fn category(ctx: &mut Ctx<'_>, c: &PlannedCategory) -> VerifyItem {
    let mut it = item(VerifyKind::Category, &c.name, &c.guid.to_ascii_lowercase());
    if c.source_path != c.name {
        it.source_name = Some(c.source_path.clone());
    }
    let found = match find_node(ctx, &c.guid, &c.name, true) {
        Ok(n) => n,
        Err(kept) => {
            if let Some(k) = kept {
                ctx.claimed.insert(k.id);
                ctx.category_ids.insert(c.guid.to_ascii_lowercase(), k.id);
            }
            missing(&mut it, kept, "category");
            return it;
        }
    };
    ctx.claimed.insert(found.id);
    ctx.category_ids
        .insert(c.guid.to_ascii_lowercase(), found.id);
    it.target_id = Some(i64::from(found.id));
    let mut d = Vec::new();
    if !name_matches(&c.name, &found.name, ctx.action) {
        d.push(format!(
            "name differs (expected '{}', found '{}')",
            c.name, found.name
        ));
    }
    if !found.is_category {
        d.push("type differs (expected a category, found a room)".into());
    }
    if found.parent != Some(ctx.target.root_id) {
        d.push(format!(
            "parent differs (expected the root category, nodeID {}, found {})",
            ctx.target.root_id,
            found
                .parent
                .map_or("none".into(), |p| format!("nodeID {p}"))
        ));
    }
    differ(
        &mut d,
        "description",
        quoted(&c.description),
        quoted(&found.description),
    );
    differ(
        &mut d,
        "invitations",
        flag(Some(c.invite)),
        flag(found.invite),
    );
    differ(
        &mut d,
        "chat history (logged)",
        flag(Some(c.logged)),
        flag(found.logged),
    );
    differ(
        &mut d,
        "file upload (filePost)",
        flag(Some(c.file_post)),
        flag(found.file_post),
    );
    differ(&mut d, "disabled", false, found.disabled);
    differ(&mut d, "behavior", "normal", found.behavior.as_str());
    differ(&mut d, "visibility", "scope", found.visibility.as_str());
    let want = expected_roles(ctx, &[(&c.creators, "creator")]);
    role_differences(ctx, &want, found.id, &mut d);
    scope_differences(ctx, c, found.id, &mut d);
    conclude(&mut it, d);
    it
}

fn room(ctx: &mut Ctx<'_>, r: &PlannedRoom) -> (VerifyItem, Option<i32>) {
    let mut it = item(VerifyKind::Room, &r.name, &r.guid.to_ascii_lowercase());
    if r.source_path != r.name {
        it.source_name = Some(r.source_path.clone());
    }
    let found = match find_node(ctx, &r.guid, &r.name, false) {
        Ok(n) => n,
        Err(kept) => {
            if let Some(k) = kept {
                ctx.claimed.insert(k.id);
            }
            missing(&mut it, kept, "room");
            return (it, None);
        }
    };
    ctx.claimed.insert(found.id);
    it.target_id = Some(i64::from(found.id));
    let mut d = Vec::new();
    if !name_matches(&r.name, &found.name, ctx.action) {
        d.push(format!(
            "name differs (expected '{}', found '{}')",
            r.name, found.name
        ));
    }
    if found.is_category {
        d.push("type differs (expected a room, found a category)".into());
    }
    let parent = ctx
        .category_ids
        .get(&r.category_guid.to_ascii_lowercase())
        .copied();
    if parent.is_none() || found.parent != parent {
        let expected = ctx
            .model
            .categories
            .iter()
            .find(|c| c.guid.eq_ignore_ascii_case(&r.category_guid))
            .map_or_else(|| r.category_guid.clone(), |c| c.name.clone());
        let actual = found
            .parent
            .and_then(|p| ctx.target.nodes.iter().find(|n| n.id == p))
            .map_or_else(|| "none".to_string(), |n| n.name.clone());
        d.push(format!(
            "category differs (expected '{expected}', found '{actual}')"
        ));
    }
    differ(
        &mut d,
        "description",
        quoted(&r.description),
        quoted(&found.description),
    );
    differ(&mut d, "invitations", flag(r.invite), flag(found.invite));
    // 2013 keeps chat history and file posting per category: the import leaves the room's columns NULL.
    differ(
        &mut d,
        "chat history (logged)",
        flag(None),
        flag(found.logged),
    );
    differ(
        &mut d,
        "file upload (filePost)",
        flag(None),
        flag(found.file_post),
    );
    differ(&mut d, "disabled", r.disabled, found.disabled);
    differ(
        &mut d,
        "type (behavior)",
        r.behavior.to_lowercase().as_str(),
        found.behavior.as_str(),
    );
    differ(
        &mut d,
        "privacy (visibility)",
        r.visibility.to_lowercase().as_str(),
        found.visibility.as_str(),
    );
    addin_difference(ctx, r, found, &mut d);
    let want = expected_roles(
        ctx,
        &[
            (&r.members, "member"),
            (&r.managers, "manager"),
            (&r.presenters, "voiced"),
        ],
    );
    role_differences(ctx, &want, found.id, &mut d);
    conclude(&mut it, d);
    (it, Some(found.id))
}

fn addin_difference(ctx: &Ctx<'_>, r: &PlannedRoom, found: &NodeRow, d: &mut Vec<String>) {
    let expected = r.addin_id.as_ref().map(|id| {
        ctx.model
            .addins
            .iter()
            .find(|a| a.id.eq_ignore_ascii_case(id))
            .map_or_else(|| id.to_ascii_lowercase(), |a| a.name.to_lowercase())
    });
    let actual = found.siop.as_ref().map(|id| {
        ctx.target
            .addins
            .iter()
            .find(|a| a.id.eq_ignore_ascii_case(id))
            .map_or_else(|| id.to_ascii_lowercase(), |a| a.name.to_lowercase())
    });
    let matches = match (&expected, &actual) {
        (Some(e), Some(a)) => e == a || name_matches(e, a, ctx.action),
        (None, None) => true,
        _ => false,
    };
    if !matches {
        let show = |v: &Option<String>| v.as_ref().map_or("none".to_string(), |s| format!("'{s}'"));
        d.push(format!(
            "add-in differs (expected {}, found {})",
            show(&expected),
            show(&actual)
        ));
    }
}

/// The display name of a role (`voiced` is a presenter).
fn role_label(role: &str) -> &str {
    match role {
        "voiced" => "presenter",
        other => other,
    }
}

/// Expected (holder GUID, role) pairs, with a URI for each GUID.
fn expected_roles(
    ctx: &Ctx<'_>,
    lists: &[(&Vec<i32>, &str)],
) -> BTreeSet<(String, String, String)> {
    let mut want = BTreeSet::new();
    for (ids, role) in lists {
        for id in ids.iter() {
            let guid = ctx
                .expected_guid
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("package principal {id}"));
            let uri = ctx
                .uri
                .get(id)
                .map_or_else(|| guid.clone(), |u| u.to_string());
            want.insert((guid, role.to_string(), uri));
        }
    }
    want
}

fn role_differences(
    ctx: &Ctx<'_>,
    want: &BTreeSet<(String, String, String)>,
    node: i32,
    d: &mut Vec<String>,
) {
    let empty = BTreeSet::new();
    let have_rows = ctx.target.roles.get(&node).unwrap_or(&empty);
    let have: BTreeSet<(String, String)> = have_rows
        .iter()
        .map(|(p, role)| {
            let guid = ctx
                .target
                .principal(*p)
                .map_or_else(|| format!("prinID {p}"), |p| p.guid.to_ascii_lowercase());
            (guid, role.to_lowercase())
        })
        .collect();
    let want_keys: BTreeSet<(String, String)> = want
        .iter()
        .map(|(g, r, _)| (g.clone(), r.clone()))
        .collect();
    for (guid, role, uri) in want {
        if !have.contains(&(guid.clone(), role.clone())) {
            d.push(format!("{} {uri} missing", role_label(role)));
        }
    }
    for (p, role) in have_rows {
        let target = ctx.target.principal(*p);
        let guid = target.map_or_else(|| format!("prinID {p}"), |t| t.guid.to_ascii_lowercase());
        if !want_keys.contains(&(guid.clone(), role.to_lowercase())) {
            let uri = target.map_or(guid, |t| t.uri.clone());
            d.push(format!(
                "{} {uri} extra in target",
                role_label(&role.to_lowercase())
            ));
        }
    }
}

fn scope_differences(ctx: &Ctx<'_>, c: &PlannedCategory, node: i32, d: &mut Vec<String>) {
    let empty = Default::default();
    let have = ctx.target.scopes.get(&node).unwrap_or(&empty);
    let have: HashMap<String, (bool, String)> = have
        .iter()
        .map(|(p, denied)| {
            let t = ctx.target.principal(*p);
            let guid = t.map_or_else(|| format!("prinID {p}"), |t| t.guid.to_ascii_lowercase());
            let uri = t.map_or_else(|| guid.clone(), |t| t.uri.clone());
            (guid, (*denied, uri))
        })
        .collect();
    let mut wanted = HashSet::new();
    for (ids, denied) in [(&c.allowed, false), (&c.denied, true)] {
        let list = if denied {
            "DeniedMembers"
        } else {
            "AllowedMembers"
        };
        for id in ids {
            let guid = ctx.expected_guid.get(id).cloned().unwrap_or_default();
            let uri = ctx.uri.get(id).copied().unwrap_or("?");
            wanted.insert(guid.clone());
            match have.get(&guid) {
                Some((d2, _)) if *d2 == denied => {}
                _ => d.push(format!("{list} {uri} missing")),
            }
        }
    }
    let mut extra: Vec<&String> = have
        .iter()
        .filter(|(g, _)| !wanted.contains(*g))
        .map(|(_, (_, uri))| uri)
        .collect();
    extra.sort();
    for uri in extra {
        d.push(format!("scope {uri} extra in target"));
    }
}

/// Every non-root node of the target that no expected item claimed.
fn extra_nodes(ctx: &Ctx<'_>) -> Vec<VerifyItem> {
    ctx.target
        .nodes
        .iter()
        .filter(|n| !ctx.claimed.contains(&n.id))
        .map(|n| {
            let kind = if n.is_category {
                VerifyKind::Category
            } else {
                VerifyKind::Room
            };
            let mut it = item(kind, &n.name, &n.guid);
            it.target_id = Some(i64::from(n.id));
            it.status = VerifyStatus::Extra;
            it.first_difference = Some("in the target, not expected from the source".into());
            it.differences = 1;
            it
        })
        .collect()
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
