//! Room and category settings: behaviour and visibility names, invitations, the per-room history and
//! file-post flags folded into the category, and the topic 2013 drops.

use super::findings::Findings;
use super::model::{SettingPolicy, MAX_DESCRIPTION_CHARS};
use super::tree::Tree;
use crate::package::format::Node;

/// Legacy and 2013 default for chat history and file posting where no node on the way sets them: on.
pub(crate) const DEFAULT_LOGGED: bool = true;
pub(crate) const DEFAULT_FILE_POST: bool = true;
/// Invitations where no node on the way sets them: off.
pub(crate) const DEFAULT_INVITE: bool = false;

/// Behaviour (`tblEnumValue.attributeValue`): the package's name, else the documented id (4 normal,
/// 5 auditorium). `None` when neither is known.
pub(crate) fn behavior_name(node: &Node) -> Option<String> {
    known_name(
        node.behavior_name.as_deref(),
        node.behavior,
        &[(4, "normal"), (5, "auditorium")],
    )
}

/// Visibility: the package's name, else the documented id (2 private, 3 scope, 6 open).
pub(crate) fn visibility_name(node: &Node) -> Option<String> {
    known_name(
        node.visibility_name.as_deref(),
        node.visibility,
        &[(2, "private"), (3, "scope"), (6, "open")],
    )
}

fn known_name(name: Option<&str>, id: i16, known: &[(i16, &str)]) -> Option<String> {
    match name {
        Some(n) => known
            .iter()
            .find(|(_, k)| k.eq_ignore_ascii_case(n.trim()))
            .map(|(_, k)| k.to_string()),
        None => known
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, k)| k.to_string()),
    }
}

/// A category's invitations: its own value, else the nearest ancestor's, else off.
pub(crate) fn category_invite(tree: &Tree<'_>, category: &Node) -> bool {
    tree.effective(category, |n| n.invite)
        .unwrap_or(DEFAULT_INVITE)
}

/// A room's 2013 invitations given its category's: explicitly off stays off; explicitly on under a category
/// that is off is forced off (the second value is true then: the caller warns); otherwise inherit.
pub(crate) fn room_invite(room: &Node, category_invite: bool) -> (Option<bool>, bool) {
    match room.invite {
        Some(false) => (Some(false), false),
        Some(true) if !category_invite => (Some(false), true),
        _ => (None, false),
    }
}

/// One per-room flag that 2013 keeps per category.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flag {
    pub(crate) label: &'static str,
    pub(crate) read: fn(&Node) -> Option<bool>,
    pub(crate) default: bool,
}

pub(crate) const LOGGED: Flag = Flag {
    label: "chat history",
    read: |n| n.logged,
    default: DEFAULT_LOGGED,
};

pub(crate) const FILE_POST: Flag = Flag {
    label: "file posting",
    read: |n| n.file_post,
    default: DEFAULT_FILE_POST,
};

/// The flag as a node sees it: own, else inherited, else the default.
pub(crate) fn effective_flag(tree: &Tree<'_>, node: &Node, flag: Flag) -> bool {
    tree.effective(node, flag.read).unwrap_or(flag.default)
}

/// Folds a category's own value and its rooms' values into one. When they disagree the policy chooses, and a
/// Warning names the rooms whose value is not kept, the value chosen and the parameter that changes it.
pub(crate) fn fold_flag(
    flag: Flag,
    category: (&str, &str),
    category_value: bool,
    rooms: &[(String, bool)],
    policy: SettingPolicy,
    findings: &mut Findings,
) -> bool {
    let agree = rooms.iter().all(|(_, v)| *v == category_value);
    if agree {
        return category_value;
    }
    let chosen = match policy {
        SettingPolicy::Strictest => false,
        SettingPolicy::MostPermissive => true,
    };
    let losing: Vec<String> = rooms
        .iter()
        .filter(|(_, v)| *v != chosen)
        .map(|(n, _)| n.clone())
        .collect();
    let (path, name) = category;
    let (this, other) = (on_off(chosen), on_off(!chosen));
    let (policy_name, other_policy) = match policy {
        SettingPolicy::Strictest => ("Strictest", "MostPermissive"),
        SettingPolicy::MostPermissive => ("MostPermissive", "Strictest"),
    };
    findings.warning(
        "setting_conflict",
        ("Category", path),
        format!(
            "{} differs among category '{path}' (2013 '{name}', {}) and its rooms; 2013 keeps it per category \
             only: {this} chosen (-SettingConflict {policy_name}), so these rooms change from {other}: {}. \
             Use -SettingConflict {other_policy} to choose {other}",
            flag.label,
            on_off(category_value),
            losing.join(", ")
        ),
        losing,
    );
    chosen
}

fn on_off(v: bool) -> &'static str {
    if v {
        "on"
    } else {
        "off"
    }
}

/// The room's 2013 description: with `topic_to_description` its topic appended as `<description>\n\nTopic:
/// <topic>` (just `Topic: <topic>` when the description is empty) when the result fits in 256 characters.
/// Reports the topic either way (appended, too long, or dropped).
pub(crate) fn room_description(
    room: &Node,
    path: &str,
    name: &str,
    topic_to_description: bool,
    findings: &mut Findings,
) -> String {
    let Some(topic) = room.topic.as_deref().filter(|t| !t.trim().is_empty()) else {
        return room.description.clone();
    };
    let about = ("Room", path);
    let rooms = vec![name.to_string()];
    if !topic_to_description {
        findings.info(
            "topic_dropped",
            about,
            format!(
                "room '{path}' (2013 '{name}') has the topic '{topic}', which 2013 does not keep; use \
                 -TopicToDescription to append it to the description"
            ),
            rooms,
        );
        return room.description.clone();
    }
    let appended = if room.description.is_empty() {
        format!("Topic: {topic}")
    } else {
        format!("{}\n\nTopic: {topic}", room.description)
    };
    let chars = appended.chars().count();
    if chars > MAX_DESCRIPTION_CHARS {
        findings.warning(
            "topic_not_appended",
            about,
            format!(
                "the topic of room '{path}' (2013 '{name}') is not appended to its description: the result \
                 would have {chars} characters, 2013 allows {MAX_DESCRIPTION_CHARS}; the topic is dropped \
                 (shorten the description or the topic in the source to keep it)"
            ),
            rooms,
        );
        return room.description.clone();
    }
    findings.info(
        "topic_appended",
        about,
        format!("the topic of room '{path}' (2013 '{name}') is appended to its description"),
        rooms,
    );
    appended
}
