//! The findings readiness adds to the transform's: rooms left without an enabled manager, and rooms whose history
//! links files (`ma-filelink:`) that live in the legacy file store and must be copied separately.

use super::figures::RoomFigures;
use crate::transform::{Finding, MigrationModel, PlannedPrincipal, Severity};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Why a principal cannot manage a room after the migration, or `None` when it can.
fn disabled_reason(p: &PlannedPrincipal) -> Option<&'static str> {
    if p.federated {
        Some("federated (disabled in 2013)")
    } else {
        match p.disabled {
            0 => None,
            2 => Some("deleted"),
            _ => Some("disabled"),
        }
    }
}

/// One `no_enabled_manager` Warning per migrated room whose managers (explicit and cascaded from categories, as
/// the transform materialised them) are all disabled, deleted or federated, or who has none: nobody can change
/// the room's settings or members in 2013 until an administrator adds a manager.
pub fn no_enabled_manager(model: &MigrationModel) -> Vec<Finding> {
    let principals: HashMap<i32, &PlannedPrincipal> =
        model.principals.iter().map(|p| (p.source_id, p)).collect();
    let mut out = Vec::new();
    for room in &model.rooms {
        let mut unusable = Vec::new();
        let mut enabled = false;
        for id in &room.managers {
            match principals.get(id) {
                Some(p) => match disabled_reason(p) {
                    None => enabled = true,
                    Some(why) => unusable.push(format!("{} ({why})", p.uri)),
                },
                None => unusable.push(format!("principal {id} (not in the package)")),
            }
        }
        if enabled {
            continue;
        }
        let why = if unusable.is_empty() {
            "has no manager".to_string()
        } else {
            format!("has only managers who cannot act: {}", unusable.join(", "))
        };
        out.push(Finding {
            severity: Severity::Warning,
            code: "no_enabled_manager".to_string(),
            message: format!(
                "room '{}' (legacy '{}') {why}; after the migration nobody can manage it until a manager is \
                 added (Set-CsPersistentChatRoom -Managers, or a manager on the legacy room or its category \
                 before the export)",
                room.name, room.source_path
            ),
            entity_type: Some("Room".to_string()),
            entity: Some(room.source_path.clone()),
            rooms: vec![room.name.clone()],
        });
    }
    out
}

/// Messages with file links in one migrated room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomFileLinks {
    /// The 2013 name.
    pub room: String,
    pub source_path: String,
    pub messages: u64,
}

/// File links over the migrated rooms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileLinks {
    /// Messages with a link, over all migrated rooms (from -StartDate on, when given).
    pub messages: u64,
    pub rooms: Vec<RoomFileLinks>,
}

/// Per migrated room, the messages that link files; rooms without any are left out.
pub fn file_links(model: &MigrationModel, figures: &BTreeMap<i32, RoomFigures>) -> FileLinks {
    let rooms: Vec<RoomFileLinks> = model
        .rooms
        .iter()
        .filter_map(|room| {
            let n = figures.get(&room.source_id)?.file_links;
            (n > 0).then(|| RoomFileLinks {
                room: room.name.clone(),
                source_path: room.source_path.clone(),
                messages: n,
            })
        })
        .collect();
    FileLinks {
        messages: rooms.iter().map(|r| r.messages).sum(),
        rooms,
    }
}

/// The `file_links` Warning, when any migrated room links files.
pub fn file_links_finding(links: &FileLinks) -> Option<Finding> {
    if links.rooms.is_empty() {
        return None;
    }
    let listed: Vec<String> = links
        .rooms
        .iter()
        .take(10)
        .map(|r| format!("'{}' ({})", r.room, r.messages))
        .collect();
    Some(Finding {
        severity: Severity::Warning,
        code: "file_links".to_string(),
        message: format!(
            "{} message(s) in {} room(s) link files posted to the room (ma-filelink:): the import moves the links, \
             not the files, which live in the legacy file store; copy the file store to the Persistent Chat file \
             store separately, or the links will lead nowhere ({}{})",
            links.messages,
            links.rooms.len(),
            listed.join(", "),
            if links.rooms.len() > listed.len() { ", …" } else { "" }
        ),
        entity_type: None,
        entity: None,
        rooms: links.rooms.iter().map(|r| r.room.clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::PlannedRoom;

    fn principal(id: i32, disabled: i16, federated: bool) -> PlannedPrincipal {
        PlannedPrincipal {
            source_id: id,
            guid: format!("g{id}"),
            uri: format!("sip:u{id}@contoso.com"),
            type_name: "User".into(),
            source_type_name: None,
            is_system_user: false,
            name: None,
            display_name: None,
            company_name: None,
            email: None,
            ad_path: None,
            user_principal_name: None,
            disabled,
            federated,
            added_on: None,
            updated_on: None,
        }
    }

    fn room(id: i32, managers: Vec<i32>) -> PlannedRoom {
        PlannedRoom {
            source_id: id,
            guid: format!("r{id}"),
            source_path: format!("Sales\\Room {id}"),
            name: format!("Room {id}"),
            category_guid: "c".into(),
            description: String::new(),
            invite: None,
            disabled: false,
            behavior: "normal".into(),
            visibility: "scope".into(),
            addin_id: None,
            members: Vec::new(),
            managers,
            presenters: Vec::new(),
            messages: 0,
            added_by: None,
            added_on: None,
            updated_by: None,
            updated_on: None,
        }
    }

    #[test]
    fn rooms_without_an_enabled_manager_are_found() {
        let model = MigrationModel {
            principals: vec![
                principal(1, 0, false),
                principal(2, 1, false),
                principal(3, 2, false),
                principal(4, 1, true),
            ],
            rooms: vec![
                room(10, vec![1, 2]),
                room(11, vec![2, 3, 4]),
                room(12, vec![]),
                room(13, vec![99]),
            ],
            ..Default::default()
        };
        let found = no_enabled_manager(&model);
        let rooms: Vec<&str> = found.iter().map(|f| f.rooms[0].as_str()).collect();
        assert_eq!(rooms, ["Room 11", "Room 12", "Room 13"]);
        assert!(found[0].message.contains("deleted") && found[0].message.contains("federated"));
        assert!(found[1].message.contains("has no manager"));
        assert!(found.iter().all(|f| f.code == "no_enabled_manager"));
    }

    #[test]
    fn file_links_count_migrated_rooms_only() {
        let model = MigrationModel {
            rooms: vec![room(10, vec![]), room(11, vec![])],
            ..Default::default()
        };
        let mut figures = BTreeMap::new();
        for (id, links) in [(10, 3u64), (11, 0), (12, 7)] {
            let f = RoomFigures {
                file_links: links,
                ..Default::default()
            };
            figures.insert(id, f);
        }
        let links = file_links(&model, &figures);
        assert_eq!(links.messages, 3);
        assert_eq!(links.rooms.len(), 1);
        let finding = file_links_finding(&links).expect("finding");
        assert_eq!(finding.rooms, ["Room 10"]);
        assert!(finding.message.contains("3 message(s) in 1 room(s)"));
        assert!(file_links_finding(&FileLinks::default()).is_none());
    }
}
