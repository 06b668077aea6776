//! Rooms: name, category, invitations, roles, behaviour and visibility of each room the import will create,
//! and the rooms it leaves out.

use super::categories::check_description;
use super::findings::Findings;
use super::model::{PlannedRoom, SkippedRoom, TransformOptions};
use super::names::{room_name, Renamer};
use super::roles::{room_roles, NodeRoles};
use super::settings::{behavior_name, room_description, room_invite, visibility_name};
use super::tree::{legacy_path, Tree};
use crate::package::format::{Addin, Node, NodeKind};
use std::collections::HashMap;

/// Where a room goes: its category's GUID and that category's effective invitations.
pub(crate) struct Placement {
    pub(crate) category_guid: String,
    pub(crate) category_invite: bool,
}

/// What the room rules read besides the room itself.
pub(crate) struct RoomInputs<'a> {
    pub(crate) tree: &'a Tree<'a>,
    pub(crate) explicit: &'a HashMap<i32, NodeRoles>,
    pub(crate) addins: &'a [Addin],
    pub(crate) options: &'a TransformOptions,
}

/// Why a room is not imported, when it is not.
pub(crate) fn skip_reason(
    room: &Node,
    tree: &Tree<'_>,
    options: &TransformOptions,
) -> Option<String> {
    if room.disabled && !options.include_disabled_rooms {
        return Some(
            "disabled in the source (the documented way to leave a room out; -IncludeDisabledRooms imports it)"
                .to_string(),
        );
    }
    match tree.parent(room) {
        Some(p) if p.kind == NodeKind::Category => None,
        _ => Some("its category is not in the package".to_string()),
    }
}

pub(crate) fn skipped(room: &Node, reason: String, messages: u64) -> SkippedRoom {
    SkippedRoom {
        source_id: room.id,
        source_path: legacy_path(room),
        reason,
        messages,
    }
}

/// One room as a 2013 room.
pub(crate) fn plan_room(
    room: &Node,
    placement: Placement,
    messages: u64,
    inputs: &RoomInputs<'_>,
    renamer: &mut Renamer<'_>,
    findings: &mut Findings,
) -> PlannedRoom {
    let path = legacy_path(room);
    let sep = &inputs.options.name_separator;
    let name = renamer.name("Room", &path, &room.name, room_name(room, sep), findings);
    check_description("Room", &path, &room.description, findings);
    let description = room_description(
        room,
        &path,
        &name,
        inputs.options.topic_to_description,
        findings,
    );
    let (invite, forced) = room_invite(room, placement.category_invite);
    if forced {
        findings.warning(
            "invitation_forced_off",
            ("Room", &path),
            format!(
                "room '{path}' (2013 '{name}') has invitations on while its category has them off; 2013 \
                 rooms cannot turn them on against their category, so they are set off (turn them on for \
                 the category in the source, or off for the room, to decide yourself)"
            ),
            vec![name.clone()],
        );
    }
    let behavior = behavior_name(room).unwrap_or_else(|| {
        unknown_enum(
            findings,
            "unknown_behavior",
            "behaviour",
            &path,
            room.behavior,
            &room.behavior_name,
        );
        String::new()
    });
    let visibility = visibility_name(room).unwrap_or_else(|| {
        unknown_enum(
            findings,
            "unknown_visibility",
            "visibility",
            &path,
            room.visibility,
            &room.visibility_name,
        );
        String::new()
    });
    let roles = room_roles(room, inputs.tree, inputs.explicit);
    let presenters = presenters(room, &path, &name, &behavior, &roles, inputs, findings);
    PlannedRoom {
        source_id: room.id,
        guid: room.guid.clone(),
        addin_id: addin_of(room, &path, &name, inputs.addins, findings),
        source_path: path,
        name,
        category_guid: placement.category_guid,
        description,
        invite,
        disabled: room.disabled,
        behavior,
        visibility,
        members: roles.members.iter().copied().collect(),
        managers: roles.managers.iter().copied().collect(),
        presenters,
        messages,
        added_by: room.added_by,
        added_on: room.added_on,
        updated_by: room.updated_by,
        updated_on: room.updated_on,
    }
}

fn unknown_enum(
    findings: &mut Findings,
    code: &str,
    what: &str,
    path: &str,
    id: i16,
    name: &Option<String>,
) {
    findings.error(
        code,
        ("Room", path),
        format!(
            "room '{path}' has {what} {} (id {id}), which 2013 does not know (behaviour: normal or auditorium; \
             visibility: private, scope or open); change it in the source and export again",
            name.as_deref().map_or("without a name".to_string(), |n| format!("'{n}'"))
        ),
    );
}

/// Presenters (Voiced) exist only in auditorium rooms: kept there (the room's own and its categories'),
/// dropped elsewhere with a Warning when the room itself named any. Creators on a room are dropped likewise.
fn presenters(
    room: &Node,
    path: &str,
    name: &str,
    behavior: &str,
    roles: &NodeRoles,
    inputs: &RoomInputs<'_>,
    findings: &mut Findings,
) -> Vec<i32> {
    let own = inputs.explicit.get(&room.id);
    if own.is_some_and(|r| !r.creators.is_empty()) {
        findings.warning(
            "creator_on_room_dropped",
            ("Room", path),
            format!("room '{path}' (2013 '{name}') has Creator assignments, a category role in 2013: dropped"),
            vec![name.to_string()],
        );
    }
    if behavior == "auditorium" {
        return roles.voiced.iter().copied().collect();
    }
    let own_voiced = own.map_or(0, |r| r.voiced.len());
    if own_voiced > 0 {
        findings.warning(
            "presenters_dropped",
            ("Room", path),
            format!(
                "room '{path}' (2013 '{name}') is not an auditorium, so its {own_voiced} presenter(s) \
                 (Voiced) are dropped; 2013 has presenters in auditorium rooms only"
            ),
            vec![name.to_string()],
        );
    }
    Vec::new()
}

/// The room's add-in, when the package registers it; otherwise dropped with a Warning.
fn addin_of(
    room: &Node,
    path: &str,
    name: &str,
    addins: &[Addin],
    findings: &mut Findings,
) -> Option<String> {
    let id = room.addin_id.as_ref()?;
    if addins.iter().any(|a| a.id.eq_ignore_ascii_case(id)) {
        return Some(id.clone());
    }
    findings.warning(
        "addin_missing",
        ("Room", path),
        format!(
            "room '{path}' (2013 '{name}') uses add-in {id}, which the package does not register; the room is \
             imported without an add-in"
        ),
        vec![name.to_string()],
    );
    None
}
