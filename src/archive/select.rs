//! Which rooms of the package are archived: all of them, the ones named (GUID, nodeID, name or legacy
//! `Category\Room` path, case-insensitive as SQL Server's default collations compare names), and/or only the
//! ones a default import leaves out.

use crate::error::PcmError;
use crate::package::format::Node;
use crate::util::text::escape_control;
use std::collections::{BTreeSet, HashMap};

/// How many candidates an error lists.
const LISTED: usize = 10;

/// The legacy path of a room: its categories and its name joined by `\`.
pub fn legacy_path(room: &Node) -> String {
    let mut parts = room.path.clone();
    parts.push(room.name.clone());
    parts.join("\\")
}

/// A GUID with or without braces, lower-cased, when `text` is one.
pub fn normalized_guid(text: &str) -> Option<String> {
    let t = text.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(t);
    let groups: Vec<&str> = t.split('-').collect();
    let shape = [8, 4, 4, 4, 12];
    (groups.len() == 5
        && groups
            .iter()
            .zip(shape)
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit())))
    .then(|| t.to_ascii_lowercase())
}

/// The indexes (into `rooms`) of the rooms to archive, in package order.
pub fn select(
    rooms: &[Node],
    wanted: &[String],
    only_not_migrated: bool,
    not_migrated: &HashMap<i32, String>,
) -> Result<Vec<usize>, PcmError> {
    let mut chosen: BTreeSet<usize> = if wanted.is_empty() {
        (0..rooms.len()).collect()
    } else {
        let mut set = BTreeSet::new();
        for name in wanted {
            set.insert(find(rooms, name)?);
        }
        set
    };
    if only_not_migrated {
        chosen.retain(|i| not_migrated.contains_key(&rooms[*i].id));
    }
    Ok(chosen.into_iter().collect())
}

/// The one room `wanted` names.
fn find(rooms: &[Node], wanted: &str) -> Result<usize, PcmError> {
    let w = wanted.trim();
    let hits: Vec<usize> = if let Some(guid) = normalized_guid(w) {
        matching(rooms, |r| {
            normalized_guid(&r.guid).as_deref() == Some(guid.as_str())
        })
    } else if !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()) {
        matching(rooms, |r| r.id.to_string() == w)
    } else if w.contains('\\') {
        let lower = w.to_lowercase();
        matching(rooms, |r| legacy_path(r).to_lowercase() == lower)
    } else {
        let lower = w.to_lowercase();
        matching(rooms, |r| r.name.to_lowercase() == lower)
    };
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(PcmError::invalid_parameter(
            "rooms",
            format!(
                "-Room '{}' is not a room of the package; give a room GUID, nodeID, name or Category\\Room path. \
                 The package has {} room(s){}",
                escape_control(wanted),
                rooms.len(),
                listing(rooms, &(0..rooms.len()).collect::<Vec<_>>())
            ),
        )),
        many => Err(PcmError::invalid_parameter(
            "rooms",
            format!(
                "-Room '{}' names {} rooms; give the GUID or the Category\\Room path of one{}",
                escape_control(wanted),
                many.len(),
                listing(rooms, many)
            ),
        )),
    }
}

fn matching(rooms: &[Node], test: impl Fn(&Node) -> bool) -> Vec<usize> {
    rooms
        .iter()
        .enumerate()
        .filter(|(_, r)| test(r))
        .map(|(i, _)| i)
        .collect()
}

/// `: 'A\B' (guid), ...` for the first few rooms.
fn listing(rooms: &[Node], indexes: &[usize]) -> String {
    if indexes.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = indexes
        .iter()
        .take(LISTED)
        .map(|i| {
            let r = &rooms[*i];
            format!(
                "'{}' ({})",
                escape_control(&legacy_path(r)),
                escape_control(&r.guid)
            )
        })
        .collect();
    let more = indexes.len().saturating_sub(LISTED);
    format!(
        ": {}{}",
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::format::NodeKind;

    fn room(id: i32, name: &str, path: &[&str]) -> Node {
        let text = format!(
            r#"{{"id":{id},"guid":"AB000000-0000-0000-0000-{id:012}","kind":"Room","parentId":1,"isRoot":false,
            "name":"{name}","path":{path:?},"description":"","disabled":false,"behavior":4,"visibility":3,
            "topic":null,"invite":null,"logged":null,"filePost":null,"inheritance":null,"scopeChange":null,
            "overrideMember":null,"restrictChildCreate":null,"behaviorName":null,"visibilityName":null,
            "addinId":null,"filestoreUri":null,"addedBy":null,"addedOn":null,"updatedBy":null,"updatedOn":null}}"#
        );
        let node: Node = serde_json::from_str(&text).expect("node");
        assert_eq!(node.kind, NodeKind::Room);
        node
    }

    #[test]
    fn rooms_are_found_by_guid_id_path_and_name() {
        let rooms = vec![
            room(10, "Q3", &["Sales", "EMEA"]),
            room(11, "Q3", &["Sales", "APAC"]),
            room(12, "Lobby", &[]),
        ];
        let none = HashMap::new();
        let pick = |w: &[&str]| {
            select(
                &rooms,
                &w.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                false,
                &none,
            )
        };
        assert_eq!(
            pick(&["{ab000000-0000-0000-0000-000000000011}"]).expect("guid"),
            [1]
        );
        assert_eq!(pick(&["12", "sales\\emea\\q3"]).expect("id, path"), [0, 2]);
        assert_eq!(pick(&["LOBBY"]).expect("name"), [2]);
        assert_eq!(pick(&[]).expect("all"), [0, 1, 2]);
        let ambiguous = pick(&["q3"]).expect_err("two rooms").to_string();
        assert!(
            ambiguous.contains("names 2 rooms") && ambiguous.contains("Sales\\APAC\\Q3"),
            "{ambiguous}"
        );
        let unknown = pick(&["Nope"]).expect_err("unknown").to_string();
        assert!(
            unknown.contains("has 3 room(s)") && unknown.contains("'Lobby'"),
            "{unknown}"
        );
    }

    #[test]
    fn only_not_migrated_keeps_the_rooms_the_import_skips() {
        let rooms = vec![room(10, "A", &[]), room(11, "B", &[])];
        let skipped = HashMap::from([(11, "disabled".to_string())]);
        assert_eq!(select(&rooms, &[], true, &skipped).expect("ok"), [1]);
        assert!(select(&rooms, &["A".into()], true, &skipped)
            .expect("ok")
            .is_empty());
    }
}
