//! Matching package categories, rooms and add-ins against the target. A package item whose GUID is in the
//! target is this import's earlier run (`Resume`), never a collision. Otherwise a name the target already uses
//! (case-insensitively, like the target's CI collation; categories and rooms share one namespace in 2013,
//! add-ins have their own) is resolved by `-ConflictAction`. Pure: works on the [`TargetState`] already read.

use super::preflight::finding;
use super::{
    AddinStep, CategoryStep, ConflictAction, RoomStep, StepAction, TargetNode, TargetState,
};
use crate::transform::{Finding, MigrationModel, Severity, MAX_ADDIN_NAME_CHARS, MAX_NAME_CHARS};
use std::collections::{BTreeMap, BTreeSet};

/// Lower-case key of a name, the way the target's case-insensitive collation compares it.
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// Names in use in one namespace (target and package), for `-ConflictAction Rename`.
struct Namespace {
    used: BTreeSet<String>,
    limit: usize,
}

impl Namespace {
    /// `<name> (migrated)`, then `(migrated 2)`, … : the first unused one within the length limit.
    fn rename(&mut self, name: &str) -> Option<String> {
        for n in 1u32.. {
            let candidate = if n == 1 {
                format!("{name} (migrated)")
            } else {
                format!("{name} (migrated {n})")
            };
            if candidate.chars().count() > self.limit {
                return None;
            }
            if self.used.insert(name_key(&candidate)) {
                return Some(candidate);
            }
        }
        None
    }
}

/// What a collision with `existing` becomes under the conflict action.
enum Resolution {
    Step(StepAction, String),
    Refused(Finding),
}

struct Collision<'a> {
    entity_type: &'static str,
    package_name: &'a str,
    source_path: &'a str,
    existing_name: &'a str,
    existing_kind: &'static str,
    existing_id: i32,
    kind_matches: bool,
}

fn resolve(c: &Collision, action: ConflictAction, names: &mut Namespace) -> Resolution {
    let what = format!(
        "{} '{}' (package path '{}') has the name of the target's {} '{}' (id {})",
        c.entity_type,
        c.package_name,
        c.source_path,
        c.existing_kind,
        c.existing_name,
        c.existing_id
    );
    let refused = |code: &str, message: String| {
        Resolution::Refused(finding(
            Severity::Error,
            code,
            message,
            Some((c.entity_type, c.source_path)),
        ))
    };
    match action {
        ConflictAction::Fail => refused(
            "name_collision",
            format!(
                "{what}; rename it with -NameMap (path '{}' → a new name), or choose -ConflictAction Skip, \
                 Overwrite or Rename",
                c.source_path
            ),
        ),
        ConflictAction::Skip if !c.kind_matches && c.entity_type == "Category" => refused(
            "skip_kind_mismatch",
            format!(
                "{what}: a category cannot be skipped in favour of a room (its rooms would have no category); \
                 rename it with -NameMap or choose -ConflictAction Rename"
            ),
        ),
        ConflictAction::Skip => Resolution::Step(
            StepAction::Skip {
                reason: format!(
                    "the target's {} '{}' has this name (-ConflictAction Skip)",
                    c.existing_kind, c.existing_name
                ),
                target_id: Some(c.existing_id),
            },
            c.package_name.to_string(),
        ),
        ConflictAction::Overwrite if !c.kind_matches => refused(
            "overwrite_kind_mismatch",
            format!(
                "{what}: a {} cannot be overwritten by a {}; rename it with -NameMap or choose \
                 -ConflictAction Skip or Rename",
                c.existing_kind,
                c.entity_type.to_lowercase()
            ),
        ),
        ConflictAction::Overwrite => Resolution::Step(
            StepAction::Overwrite {
                target_id: c.existing_id,
            },
            c.package_name.to_string(),
        ),
        ConflictAction::Rename => match names.rename(c.package_name) {
            Some(new_name) => Resolution::Step(StepAction::Create, new_name),
            None => refused(
                "rename_too_long",
                format!(
                    "{what}, and '{} (migrated)' would exceed {} characters; give it a shorter name with \
                     -NameMap (path '{}')",
                    c.package_name, names.limit, c.source_path
                ),
            ),
        },
    }
}

fn kind_name(node: &TargetNode) -> &'static str {
    if node.is_category {
        "category"
    } else {
        "room"
    }
}

/// The nodes and add-ins steps, with the findings (collisions refused, renames made, kind mismatches).
pub struct NodeSteps {
    pub categories: Vec<CategoryStep>,
    pub rooms: Vec<RoomStep>,
    pub addins: Vec<AddinStep>,
    pub findings: Vec<Finding>,
}

/// Matches every category, room and add-in of the model against the target.
pub fn match_nodes(
    model: &MigrationModel,
    state: &TargetState,
    action: ConflictAction,
) -> NodeSteps {
    let by_guid: BTreeMap<String, &TargetNode> = state
        .nodes
        .iter()
        .map(|n| (n.guid.to_lowercase(), n))
        .collect();
    let by_name: BTreeMap<String, &TargetNode> = state
        .nodes
        .iter()
        .filter(|n| n.id != state.root_id)
        .map(|n| (name_key(&n.name), n))
        .collect();
    let mut names = Namespace {
        used: by_name.keys().cloned().collect(),
        limit: MAX_NAME_CHARS,
    };
    names
        .used
        .extend(model.categories.iter().map(|c| name_key(&c.name)));
    names
        .used
        .extend(model.rooms.iter().map(|r| name_key(&r.name)));
    let mut findings = Vec::new();
    let mut categories = Vec::new();
    for planned in &model.categories {
        let (action, name) = match_node(
            NodeItem {
                entity_type: "Category",
                guid: &planned.guid,
                name: &planned.name,
                source_path: &planned.source_path,
                is_category: true,
            },
            &by_guid,
            &by_name,
            action,
            &mut names,
            &mut findings,
        );
        categories.push(CategoryStep {
            planned: planned.clone(),
            action,
            name,
        });
    }
    let mut rooms = Vec::new();
    for planned in &model.rooms {
        let (action, name) = match_node(
            NodeItem {
                entity_type: "Room",
                guid: &planned.guid,
                name: &planned.name,
                source_path: &planned.source_path,
                is_category: false,
            },
            &by_guid,
            &by_name,
            action,
            &mut names,
            &mut findings,
        );
        let target = match &action {
            StepAction::Resume { target_id } | StepAction::Overwrite { target_id } => {
                state.nodes.iter().find(|n| n.id == *target_id)
            }
            _ => None,
        };
        let (in_target, resume_after, replaced) = match (&action, target) {
            (StepAction::Resume { .. }, Some(n)) => (n.messages, n.max_chat_id, 0),
            (StepAction::Overwrite { .. }, Some(n)) => (0, None, n.messages),
            _ => (0, None, 0),
        };
        rooms.push(RoomStep {
            planned: planned.clone(),
            action,
            name,
            behavior_id: 0,
            visibility_id: 0,
            messages_in_target: in_target,
            resume_after_chat_id: resume_after,
            messages_replaced: replaced,
        });
    }
    let addins = match_addins(model, state, action, &mut findings);
    NodeSteps {
        categories,
        rooms,
        addins,
        findings,
    }
}

struct NodeItem<'a> {
    entity_type: &'static str,
    guid: &'a str,
    name: &'a str,
    source_path: &'a str,
    is_category: bool,
}

fn match_node(
    item: NodeItem,
    by_guid: &BTreeMap<String, &TargetNode>,
    by_name: &BTreeMap<String, &TargetNode>,
    action: ConflictAction,
    names: &mut Namespace,
    findings: &mut Vec<Finding>,
) -> (StepAction, String) {
    if let Some(node) = by_guid.get(&item.guid.to_lowercase()) {
        if node.is_category != item.is_category {
            findings.push(finding(
                Severity::Error,
                "guid_kind_mismatch",
                format!(
                    "{} '{}' (package path '{}') has the GUID {} of the target's {} '{}' (id {}); a GUID \
                     names one item: the target was not made by an import of this package, restore it or \
                     import into another database",
                    item.entity_type,
                    item.name,
                    item.source_path,
                    item.guid,
                    kind_name(node),
                    node.name,
                    node.id
                ),
                Some((item.entity_type, item.source_path)),
            ));
        }
        return (
            StepAction::Resume { target_id: node.id },
            item.name.to_string(),
        );
    }
    let Some(existing) = by_name.get(&name_key(item.name)) else {
        return (StepAction::Create, item.name.to_string());
    };
    let collision = Collision {
        entity_type: item.entity_type,
        package_name: item.name,
        source_path: item.source_path,
        existing_name: &existing.name,
        existing_kind: kind_name(existing),
        existing_id: existing.id,
        kind_matches: existing.is_category == item.is_category,
    };
    match resolve(&collision, action, names) {
        Resolution::Step(step, name) => {
            if name != item.name {
                findings.push(finding(
                    Severity::Info,
                    "renamed_on_conflict",
                    format!(
                        "{} '{}' is imported as '{name}': the target's {} of that name is kept \
                         (-ConflictAction Rename)",
                        item.entity_type, item.name, collision.existing_kind
                    ),
                    Some((item.entity_type, item.source_path)),
                ));
            }
            (step, name)
        }
        Resolution::Refused(f) => {
            findings.push(f);
            (StepAction::Create, item.name.to_string())
        }
    }
}

fn match_addins(
    model: &MigrationModel,
    state: &TargetState,
    action: ConflictAction,
    findings: &mut Vec<Finding>,
) -> Vec<AddinStep> {
    let mut names = Namespace {
        used: state.addins.iter().map(|a| name_key(&a.name)).collect(),
        limit: MAX_ADDIN_NAME_CHARS,
    };
    names
        .used
        .extend(model.addins.iter().map(|a| name_key(&a.name)));
    let mut steps = Vec::new();
    for planned in &model.addins {
        let by_id = state
            .addins
            .iter()
            .find(|a| a.id.eq_ignore_ascii_case(&planned.id));
        let by_name = state
            .addins
            .iter()
            .find(|a| name_key(&a.name) == name_key(&planned.name));
        let (step_action, name, target_id) = match (by_id, by_name) {
            (Some(found), _) => (
                StepAction::Resume { target_id: 0 },
                planned.name.clone(),
                Some(found.id.to_lowercase()),
            ),
            (None, None) => (StepAction::Create, planned.name.clone(), None),
            (None, Some(existing)) => {
                let collision = Collision {
                    entity_type: "AddIn",
                    package_name: &planned.name,
                    source_path: &planned.name,
                    existing_name: &existing.name,
                    existing_kind: "add-in",
                    existing_id: 0,
                    kind_matches: true,
                };
                match resolve(&collision, action, &mut names) {
                    Resolution::Step(StepAction::Create, new_name) => {
                        findings.push(finding(
                            Severity::Info,
                            "renamed_on_conflict",
                            format!(
                                "add-in '{}' is imported as '{new_name}': the target's add-in of that name is \
                                 kept (-ConflictAction Rename)",
                                planned.name
                            ),
                            Some(("AddIn", &planned.name)),
                        ));
                        (StepAction::Create, new_name, None)
                    }
                    Resolution::Step(StepAction::Skip { reason, .. }, name) => (
                        StepAction::Skip {
                            reason,
                            target_id: None,
                        },
                        name,
                        Some(existing.id.to_lowercase()),
                    ),
                    Resolution::Step(other, name) => {
                        (other, name, Some(existing.id.to_lowercase()))
                    }
                    Resolution::Refused(f) => {
                        findings.push(f);
                        (StepAction::Create, planned.name.clone(), None)
                    }
                }
            }
        };
        steps.push(AddinStep {
            planned: planned.clone(),
            action: step_action,
            name,
            target_id,
        });
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::testing::*;
    use crate::transform::PlannedAddin;

    const CAT: &str = "c0000000-0000-0000-0000-000000000001";
    const ROOM: &str = "d0000000-0000-0000-0000-000000000001";

    fn sample() -> (MigrationModel, TargetState) {
        let model = model(
            vec![category(CAT, "Sales")],
            vec![room(20, ROOM, "Forecast", CAT, 10)],
            vec![PlannedAddin {
                id: "a0000000-0000-0000-0000-000000000001".into(),
                name: "Ticker".into(),
                url: "https://ticker.example/".into(),
            }],
        );
        let mut target = state();
        target.nodes.push(node(
            2,
            "SALES",
            true,
            "e0000000-0000-0000-0000-000000000002",
            0,
        ));
        target.nodes.push(node(
            3,
            "forecast",
            false,
            "e0000000-0000-0000-0000-000000000003",
            7,
        ));
        target.nodes.push(node(
            4,
            "Sales (migrated)",
            true,
            "e0000000-0000-0000-0000-000000000004",
            0,
        ));
        target
            .addins
            .push(addin("b0000000-0000-0000-0000-000000000001", "TICKER"));
        (model, target)
    }

    #[test]
    fn fail_lists_every_collision_case_insensitively() {
        let (model, target) = sample();
        let steps = match_nodes(&model, &target, ConflictAction::Fail);
        let codes: Vec<&str> = steps.findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(
            codes,
            ["name_collision", "name_collision", "name_collision"]
        );
        assert!(steps.findings.iter().all(|f| f.severity == Severity::Error));
        assert!(steps.findings[0]
            .message
            .contains("-ConflictAction Skip, Overwrite or Rename"));
        assert!(
            steps.findings[2].message.contains("'TICKER'"),
            "{}",
            steps.findings[2].message
        );
    }

    #[test]
    fn skip_and_overwrite_point_at_the_target_items() {
        let (model, target) = sample();
        let skip = match_nodes(&model, &target, ConflictAction::Skip);
        assert!(skip.findings.is_empty(), "{:?}", skip.findings);
        assert!(matches!(
            skip.categories[0].action,
            StepAction::Skip {
                target_id: Some(2),
                ..
            }
        ));
        assert!(matches!(
            skip.rooms[0].action,
            StepAction::Skip {
                target_id: Some(3),
                ..
            }
        ));
        assert_eq!(
            skip.addins[0].target_id.as_deref(),
            Some("b0000000-0000-0000-0000-000000000001")
        );
        let over = match_nodes(&model, &target, ConflictAction::Overwrite);
        assert_eq!(
            over.categories[0].action,
            StepAction::Overwrite { target_id: 2 }
        );
        assert_eq!(over.rooms[0].action, StepAction::Overwrite { target_id: 3 });
        assert_eq!(over.rooms[0].messages_replaced, 7);
        assert_eq!(over.rooms[0].resume_after_chat_id, None);
    }

    #[test]
    fn rename_takes_the_first_unused_suffix() {
        let (model, target) = sample();
        let steps = match_nodes(&model, &target, ConflictAction::Rename);
        // "Sales (migrated)" is taken in the target, so the category gets "(migrated 2)".
        assert_eq!(steps.categories[0].name, "Sales (migrated 2)");
        assert_eq!(steps.categories[0].action, StepAction::Create);
        assert_eq!(steps.rooms[0].name, "Forecast (migrated)");
        assert_eq!(steps.addins[0].name, "Ticker (migrated)");
        assert!(steps
            .findings
            .iter()
            .all(|f| f.code == "renamed_on_conflict"));
    }

    #[test]
    fn rename_never_truncates() {
        let long = "x".repeat(250);
        let model = model(vec![category(CAT, &long)], Vec::new(), Vec::new());
        let mut target = state();
        target.nodes.push(node(
            2,
            &long,
            true,
            "e0000000-0000-0000-0000-000000000002",
            0,
        ));
        let steps = match_nodes(&model, &target, ConflictAction::Rename);
        assert_eq!(steps.findings[0].code, "rename_too_long");
        assert_eq!(steps.findings[0].severity, Severity::Error);
    }

    #[test]
    fn a_guid_in_the_target_is_resumed_not_a_collision() {
        let (model, mut target) = sample();
        target.nodes.push(TargetNode {
            max_chat_id: Some(40),
            ..node(9, "Forecast", false, ROOM, 4)
        });
        let steps = match_nodes(&model, &target, ConflictAction::Fail);
        assert_eq!(steps.rooms[0].action, StepAction::Resume { target_id: 9 });
        assert_eq!(steps.rooms[0].messages_in_target, 4);
        assert_eq!(steps.rooms[0].resume_after_chat_id, Some(40));
        assert!(!steps
            .findings
            .iter()
            .any(|f| f.entity_type.as_deref() == Some("Room")));
    }

    #[test]
    fn kinds_that_differ_cannot_be_overwritten_or_a_category_skipped() {
        let model = model(vec![category(CAT, "Forecast")], Vec::new(), Vec::new());
        let mut target = state();
        target.nodes.push(node(
            3,
            "Forecast",
            false,
            "e0000000-0000-0000-0000-000000000003",
            0,
        ));
        let over = match_nodes(&model, &target, ConflictAction::Overwrite);
        assert_eq!(over.findings[0].code, "overwrite_kind_mismatch");
        let skip = match_nodes(&model, &target, ConflictAction::Skip);
        assert_eq!(skip.findings[0].code, "skip_kind_mismatch");
    }
}
