//! Transform: the legacy Group Chat model (nested categories, inherited rights, per-room settings) into the 2013
//! Persistent Chat model (one level of categories, explicit room roles, category-level settings).
//!
//! Pure code: no I/O, no database. Input is a package's [`Entities`] and room histories; output is the
//! [`MigrationModel`] the import plans against a target and the readiness report shows. Every rule is in
//! docs/conversion-rules.md and has a unit test. Names of lookup values (role types, principal types,
//! behaviours, visibilities) stay names here: the target resolves them to its own ids.

mod categories;
mod findings;
mod model;
pub mod name_map;
mod names;
mod principals;
mod roles;
mod rooms;
mod settings;
mod tree;

#[cfg(test)]
mod tests;

pub use model::*;

use crate::package::format::{Node, RoomHistory};
use crate::package::reader::Entities;
use categories::{plan_category, root_rooms_category, CategoryInputs};
use findings::Findings;
use names::{check_names, Renamer};
use rooms::{plan_room, skip_reason, skipped, Placement, RoomInputs};
use settings::{effective_flag, fold_flag, FILE_POST, LOGGED};
use std::collections::HashMap;
use tree::Tree;

/// The `source.kind` of packages exported from Persistent Chat 2013/2015 (loaded without conversion).
pub const PERSISTENT_CHAT_2013: &str = "PersistentChat2013";

/// Runs every conversion rule. Never fails: problems (names too long, collisions inside the package, unknown
/// types) are [`Finding`]s with [`Severity::Error`], so a plan can list all of them at once.
pub fn transform(
    source_kind: &str,
    entities: &Entities,
    histories: &[RoomHistory],
    options: &TransformOptions,
) -> MigrationModel {
    let mut findings = Findings::default();
    let tree = Tree::new(entities);
    let mut renamer = Renamer::new(&options.name_map);
    let explicit = roles::explicit_roles(entities, &tree, &mut findings);
    let inputs = CategoryInputs {
        tree: &tree,
        scopes: categories::scopes_by_node(&entities.scopes),
        explicit: &explicit,
        options,
        is_2013: source_kind == PERSISTENT_CHAT_2013,
    };
    let mut categories: Vec<PlannedCategory> = entities
        .categories
        .iter()
        .filter(|c| !c.is_root)
        .map(|c| plan_category(c, &inputs, &mut renamer, &mut findings))
        .collect();
    report_root_roles(&tree, &explicit, &mut findings);
    let messages: HashMap<i32, u64> = histories.iter().map(|h| (h.room_id, h.messages)).collect();
    let room_inputs = RoomInputs {
        tree: &tree,
        explicit: &explicit,
        addins: &entities.addins,
        options,
    };
    let mut rooms = Vec::new();
    let mut skipped_rooms = Vec::new();
    for room in &entities.rooms {
        let count = messages.get(&room.id).copied().unwrap_or(0);
        if let Some(reason) = skip_reason(room, &tree, options) {
            renamer.know(&tree::legacy_path(room));
            skipped_rooms.push(skipped(room, reason, count));
            continue;
        }
        let placement = place(room, &tree, &inputs, &mut categories);
        rooms.push(plan_room(
            room,
            placement,
            count,
            &room_inputs,
            &mut renamer,
            &mut findings,
        ));
    }
    report_skipped(&skipped_rooms, &mut findings);
    report_root_rooms(&categories, &rooms, options, &mut findings);
    report_root_managers(&tree, &explicit, &rooms, &mut findings);
    fold_settings(
        &mut categories,
        &rooms,
        &tree,
        entities,
        options,
        &mut findings,
    );
    check_names(&categories, &rooms, &mut findings);
    renamer.report_unknown(&mut findings);
    let principals: Vec<PlannedPrincipal> = entities
        .principals
        .iter()
        .map(principals::plan_principal)
        .collect();
    principals::report_principals(
        &principals,
        &principals::rooms_by_principal(&rooms),
        &mut findings,
    );
    let addins = plan_addins(entities, &mut findings);
    MigrationModel {
        source_kind: source_kind.to_string(),
        principals,
        categories,
        rooms,
        addins,
        skipped_rooms,
        findings: findings.into_sorted(),
    }
}

/// The room's category: its legacy parent, or for a room directly under the root the root-rooms category
/// (created on first use). Only called for rooms whose parent is a category ([`skip_reason`]).
fn place(
    room: &Node,
    tree: &Tree<'_>,
    inputs: &CategoryInputs<'_>,
    categories: &mut Vec<PlannedCategory>,
) -> Placement {
    let parent = tree.parent(room);
    match parent {
        Some(p) if !p.is_root => Placement {
            category_guid: p.guid.clone(),
            category_invite: settings::category_invite(tree, p),
        },
        _ => {
            let root = parent.or(tree.root);
            let guid = root
                .map(|r| categories::derived_guid(&r.guid))
                .unwrap_or_default();
            if !categories
                .iter()
                .any(|c| c.source_id.is_none() && c.guid == guid)
            {
                if let Some(r) = root {
                    categories.push(root_rooms_category(r, inputs));
                }
            }
            Placement {
                category_guid: guid,
                category_invite: root.is_some_and(|r| settings::category_invite(tree, r)),
            }
        }
    }
}

/// Folds each room's effective `logged` / `filePost` into its category (2013 keeps them per category only).
fn fold_settings(
    categories: &mut [PlannedCategory],
    rooms: &[PlannedRoom],
    tree: &Tree<'_>,
    entities: &Entities,
    options: &TransformOptions,
    findings: &mut Findings,
) {
    let nodes: HashMap<i32, &Node> = entities.rooms.iter().map(|r| (r.id, r)).collect();
    // Rooms by category, grouped once (a deployment has thousands of categories and rooms).
    let mut by_category: HashMap<&str, Vec<(&str, &Node)>> = HashMap::new();
    for r in rooms {
        if let Some(node) = nodes.get(&r.source_id) {
            by_category
                .entry(r.category_guid.as_str())
                .or_default()
                .push((r.name.as_str(), node));
        }
    }
    for category in categories.iter_mut() {
        let members = by_category
            .get(category.guid.as_str())
            .map_or(&[][..], Vec::as_slice);
        for (flag, value) in [
            (LOGGED, &mut category.logged),
            (FILE_POST, &mut category.file_post),
        ] {
            let room_values: Vec<(String, bool)> = members
                .iter()
                .map(|(name, n)| (name.to_string(), effective_flag(tree, n, flag)))
                .collect();
            let about = (category.source_path.as_str(), category.name.as_str());
            *value = fold_flag(
                flag,
                about,
                *value,
                &room_values,
                options.setting_conflict,
                findings,
            );
        }
    }
}

/// One Info finding for the disabled rooms left out, with their message counts.
fn report_skipped(skipped_rooms: &[SkippedRoom], findings: &mut Findings) {
    if skipped_rooms.is_empty() {
        return;
    }
    let messages: u64 = skipped_rooms.iter().map(|s| s.messages).sum();
    let paths: Vec<String> = skipped_rooms
        .iter()
        .map(|s| s.source_path.clone())
        .collect();
    findings.push(
        Severity::Info,
        "rooms_skipped",
        None,
        format!(
            "{} room(s) with {messages} message(s) are not imported: {}",
            skipped_rooms.len(),
            skipped_rooms
                .iter()
                .map(|s| format!(
                    "'{}' ({}; {} messages)",
                    s.source_path, s.reason, s.messages
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        paths,
    );
}

/// One Info finding when rooms directly under the root go into the created category.
fn report_root_rooms(
    categories: &[PlannedCategory],
    rooms: &[PlannedRoom],
    options: &TransformOptions,
    findings: &mut Findings,
) {
    let Some(created) = categories.iter().find(|c| c.source_id.is_none()) else {
        return;
    };
    let held: Vec<String> = rooms
        .iter()
        .filter(|r| r.category_guid == created.guid)
        .map(|r| r.name.clone())
        .collect();
    findings.info(
        "root_rooms_category_created",
        ("Category", &options.root_rooms_category),
        format!(
            "{} room(s) sit directly under the legacy root category; 2013 rooms need a category below the root,              so they go into the new category '{}' (-RootRoomsCategory names it)",
            held.len(),
            created.name
        ),
        held,
    );
}

/// Root-category managers manage every room after the migration: one Warning naming them and the rooms.
fn report_root_managers(
    tree: &Tree<'_>,
    explicit: &HashMap<i32, roles::NodeRoles>,
    rooms: &[PlannedRoom],
    findings: &mut Findings,
) {
    let Some(root) = tree.root else { return };
    let Some(managers) = explicit
        .get(&root.id)
        .map(|r| &r.managers)
        .filter(|m| !m.is_empty())
    else {
        return;
    };
    let ids: Vec<String> = managers.iter().map(|m| m.to_string()).collect();
    findings.warning(
        "root_managers_manage_every_room",
        ("Category", &root.name),
        format!(
            "{} principal(s) (prinID {}) are managers of the root category, so they become managers of all {} room(s); remove them from the root category in the source before the export if that is not wanted",
            managers.len(),
            ids.join(", "),
            rooms.len()
        ),
        rooms.iter().map(|r| r.name.clone()).collect(),
    );
}

/// Creators on the root category have no 2013 counterpart (the root is the target's): reported.
fn report_root_roles(
    tree: &Tree<'_>,
    explicit: &HashMap<i32, roles::NodeRoles>,
    findings: &mut Findings,
) {
    let Some(root) = tree.root else { return };
    if let Some(roles) = explicit.get(&root.id).filter(|r| !r.creators.is_empty()) {
        findings.warning(
            "root_creators_dropped",
            ("Category", &root.name),
            format!(
                "{} Creator assignment(s) on the root category are not imported: the root maps to the \
                 target's root category, which the import does not change",
                roles.creators.len()
            ),
            Vec::new(),
        );
    }
}

/// Add-ins as registered; names over 50 characters are errors (`tblSiopWhiteList.siopName`).
fn plan_addins(entities: &Entities, findings: &mut Findings) -> Vec<PlannedAddin> {
    entities
        .addins
        .iter()
        .map(|a| {
            let chars = a.name.chars().count();
            if chars > MAX_ADDIN_NAME_CHARS || a.name.trim().is_empty() {
                findings.error(
                    "addin_name_invalid",
                    ("AddIn", &a.name),
                    format!(
                        "add-in '{}' ({}) has a name of {chars} characters; 2013 needs 1 to \
                         {MAX_ADDIN_NAME_CHARS}. Rename it in the source and export again",
                        a.name, a.id
                    ),
                );
            }
            PlannedAddin {
                id: a.id.clone(),
                name: a.name.clone(),
                url: a.url.clone(),
            }
        })
        .collect()
}
