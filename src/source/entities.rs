//! Reads categories, rooms, principals, roles, scopes and add-ins from a Group Chat 2010 / OCS 2007 R2 or a
//! Persistent Chat 2013 database, with explicit column lists chosen from the catalog.

use super::columns::{opt, req, select_list, ColumnIndex, Want};
use crate::connection::{sql_error, SqlClient};
use crate::error::PcmError;
use crate::package::{Entities, Node, NodeKind, Principal, RoleAssignment, RoleOrigin, ScopeEntry};
use crate::schema::Catalog;
use std::collections::{BTreeMap, HashMap, HashSet};
use tiberius::Row;

/// Everything but chat history, in the package's shapes: categories include the root, in id order; roles are
/// the explicit assignments as stored plus the room-level assignments inherited from categories.
#[derive(Debug, Clone, Default)]
pub struct SourceEntities {
    pub entities: Entities,
    /// Role type names by id (`rtypeDesc`), as this database defines them.
    pub role_types: BTreeMap<i32, RoleType>,
}

/// A role type as the database defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleType {
    pub id: i32,
    pub name: String,
    /// Whether a node that overrides membership cuts this role's inheritance (`honorsOverride`). OCS 2007 R2
    /// lacks the column: then Member honours the override and other roles do not (docs/schema-assumptions.md).
    pub honors_override: bool,
}

async fn query_all(client: &mut SqlClient, sql: &str) -> Result<Vec<Row>, PcmError> {
    client
        .simple_query(sql)
        .await
        .map_err(sql_error)?
        .into_first_result()
        .await
        .map_err(sql_error)
}

/// Runs `SELECT <wanted columns> FROM dbo.<table> ORDER BY <order_by>` (names as the server spells them) and
/// maps each row.
async fn read_table<T>(
    client: &mut SqlClient,
    catalog: &Catalog,
    table: &'static str,
    wanted: &[Want],
    order_by: &[&str],
    mut map: impl FnMut(&super::columns::RowView<'_>) -> Result<T, PcmError>,
) -> Result<Vec<T>, PcmError> {
    // Qualified, so that ORDER BY means the column even where the SELECT list reads it as bytes (an alias).
    let order: Vec<String> = order_by
        .iter()
        .map(|c| format!("{}.{}", catalog.table_ref(table), catalog.col(table, c)))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        select_list(catalog, table, wanted)?,
        catalog.table_ref(table),
        order.join(", ")
    );
    let rows = query_all(client, &sql).await?;
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let index = ColumnIndex::of(first);
    rows.iter().map(|row| map(&index.row(row, table))).collect()
}

const PRINCIPAL_TYPE_COLUMNS: &[Want] = &[
    req("ptypeID"),
    req("ptypeDesc"),
    opt("ptypeIsSystemUser"),
    opt("ptypeIsUser"),
    opt("ptypeIsFederated"),
];

const PRINCIPAL_COLUMNS: &[Want] = &[
    req("prinID"),
    req("prinGuid"),
    req("prinUri"),
    req("prinTypeID"),
    req("prinDisabled"),
    opt("prinName"),
    opt("prinDisplayName"),
    opt("prinCompanyName"),
    opt("prinEmail"),
    opt("prinADPath"),
    opt("prinADUserPrincipalName"),
    opt("prinAllowedPermSet"),
    opt("prinUseInheritedPerms"),
    opt("prinAddedOn"),
    opt("prinUpdatedOn"),
];

const NODE_COLUMNS: &[Want] = &[
    req("nodeID"),
    req("nodeGuid"),
    req("parentID"),
    req("nodeType"),
    req("nodeName"),
    opt("nodeDesc"),
    opt("topic"),
    opt("filestoreURI"),
    opt("inheritance"),
    opt("scopeChange"),
    opt("overrideMember"),
    opt("invite"),
    opt("logged"),
    opt("filePost"),
    req("disabled"),
    opt("restrictChildCreate"),
    opt("behavior"),
    opt("visibility"),
    opt("siopID"),
    opt("nodeAddedBy"),
    opt("nodeAddedOn"),
    opt("nodeUpdatedBy"),
    opt("nodeUpdatedOn"),
];

/// Reads every entity. `on_step` is told each table as it is read.
pub async fn read_entities(
    client: &mut SqlClient,
    catalog: &Catalog,
    mut on_step: impl FnMut(&str),
) -> Result<SourceEntities, PcmError> {
    on_step("principal types");
    struct PrincipalType {
        name: String,
        is_user: Option<bool>,
        is_system: Option<bool>,
        is_federated: Option<bool>,
    }
    let types: HashMap<i16, PrincipalType> = read_table(
        client,
        catalog,
        "tblPrincipalType",
        PRINCIPAL_TYPE_COLUMNS,
        &["ptypeID"],
        |r| {
            let name = r.string("ptypeDesc")?;
            // OCS 2007 R2 has no ptypeIsFederated: derive it from the type's name (docs/schema-assumptions.md).
            let is_federated = match r.opt_bool("ptypeIsFederated")? {
                Some(v) => Some(v),
                None => Some(
                    name.to_ascii_lowercase()
                        .replace(' ', "")
                        .starts_with("federated"),
                ),
            };
            Ok((
                r.i16("ptypeID")?,
                PrincipalType {
                    is_user: r.opt_bool("ptypeIsUser")?,
                    is_system: r.opt_bool("ptypeIsSystemUser")?,
                    is_federated,
                    name,
                },
            ))
        },
    )
    .await?
    .into_iter()
    .collect();

    on_step("principals");
    let principals = read_table(
        client,
        catalog,
        "tblPrincipal",
        PRINCIPAL_COLUMNS,
        &["prinID"],
        |r| {
            let type_id = r.i16("prinTypeID")?;
            let t = types.get(&type_id);
            Ok(Principal {
                id: r.i32("prinID")?,
                guid: r.guid("prinGuid")?,
                uri: r.string("prinUri")?,
                type_id,
                type_name: t.map(|t| t.name.clone()),
                is_user: t.and_then(|t| t.is_user),
                is_system_user: t.and_then(|t| t.is_system),
                is_federated: t.and_then(|t| t.is_federated),
                name: r.opt_string("prinName")?,
                display_name: r.opt_string("prinDisplayName")?,
                company_name: r.opt_string("prinCompanyName")?,
                email: r.opt_string("prinEmail")?,
                ad_path: r.opt_string("prinADPath")?,
                user_principal_name: r.opt_string("prinADUserPrincipalName")?,
                disabled: r.i16("prinDisabled")?,
                allowed_perm_set: r.opt_i64("prinAllowedPermSet")?,
                use_inherited_perms: r.opt_bool("prinUseInheritedPerms")?,
                added_on: r.opt_i64("prinAddedOn")?,
                updated_on: r.opt_i64("prinUpdatedOn")?,
            })
        },
    )
    .await?;

    on_step("enumerations");
    let enum_names: HashMap<i64, String> = if catalog.has_table("tblEnumValue") {
        read_table(
            client,
            catalog,
            "tblEnumValue",
            &[req("valueID"), req("attributeValue")],
            &["valueID"],
            |r| Ok((r.i64("valueID")?, r.string("attributeValue")?)),
        )
        .await?
        .into_iter()
        .collect()
    } else {
        HashMap::new()
    };

    on_step("categories and rooms");
    let nodes = read_table(client, catalog, "tblNode", NODE_COLUMNS, &["nodeID"], |r| {
        let id = r.i32("nodeID")?;
        let parent = r.opt_i32("parentID")?;
        let behavior = r.opt_i64("behavior")?.unwrap_or(4) as i16;
        let visibility = r.opt_i64("visibility")?.unwrap_or(3) as i16;
        Ok(Node {
            id,
            guid: r.guid("nodeGuid")?,
            kind: if r.bool("nodeType")? {
                NodeKind::Category
            } else {
                NodeKind::Room
            },
            parent_id: parent.filter(|p| *p != id),
            is_root: parent.is_none_or(|p| p == id),
            name: r.string("nodeName")?,
            path: Vec::new(),
            description: r.opt_string("nodeDesc")?.unwrap_or_default(),
            topic: r.opt_string("topic")?,
            invite: r.opt_bool("invite")?,
            logged: r.opt_bool("logged")?,
            file_post: r.opt_bool("filePost")?,
            disabled: r.bool("disabled")?,
            inheritance: r.opt_bool("inheritance")?,
            scope_change: r.opt_bool("scopeChange")?,
            override_member: r.opt_bool("overrideMember")?,
            restrict_child_create: r.opt_bool("restrictChildCreate")?,
            behavior,
            behavior_name: enum_names.get(&i64::from(behavior)).cloned(),
            visibility,
            visibility_name: enum_names.get(&i64::from(visibility)).cloned(),
            addin_id: r.opt_guid("siopID")?,
            filestore_uri: r.opt_string("filestoreURI")?,
            added_by: r.opt_i32("nodeAddedBy")?,
            added_on: r.opt_i64("nodeAddedOn")?,
            updated_by: r.opt_i32("nodeUpdatedBy")?,
            updated_on: r.opt_i64("nodeUpdatedOn")?,
        })
    })
    .await?;
    let nodes = with_paths(nodes)?;

    on_step("role types");
    let role_types: BTreeMap<i32, RoleType> = read_table(
        client,
        catalog,
        "tblRoleType",
        &[req("rtypeID"), req("rtypeDesc"), opt("honorsOverride")],
        &["rtypeID"],
        |r| {
            let name = r.string("rtypeDesc")?;
            let honors_override = match r.opt_bool("honorsOverride")? {
                Some(v) => v,
                None => name.eq_ignore_ascii_case("Member"),
            };
            Ok((
                r.i32("rtypeID")?,
                RoleType {
                    id: r.i32("rtypeID")?,
                    name,
                    honors_override,
                },
            ))
        },
    )
    .await?
    .into_iter()
    .collect();

    on_step("role assignments");
    let explicit: Vec<(i32, i32, i32)> = read_table(
        client,
        catalog,
        "tblPrincipalRole",
        &[
            req("prinRoleNodeID"),
            req("prinRolePrinID"),
            req("prinRoleTypeID"),
        ],
        &["prinRoleNodeID", "prinRoleTypeID", "prinRolePrinID"],
        |r| {
            Ok((
                r.i32("prinRoleNodeID")?,
                r.i32("prinRolePrinID")?,
                r.i32("prinRoleTypeID")?,
            ))
        },
    )
    .await?;

    on_step("scopes");
    let scopes = read_table(
        client,
        catalog,
        "tblScopePrincipal",
        &[req("scopeNodeID"), req("scopePrinID"), req("scopeIsDenied")],
        &["scopeNodeID", "scopePrinID"],
        |r| {
            Ok(ScopeEntry {
                node_id: r.i32("scopeNodeID")?,
                principal_id: r.i32("scopePrinID")?,
                denied: r.bool("scopeIsDenied")?,
            })
        },
    )
    .await?;

    on_step("add-ins");
    let addins = if catalog.has_table("tblSiopWhiteList") {
        read_table(
            client,
            catalog,
            "tblSiopWhiteList",
            &[req("siopID"), req("siopName"), req("siopUrl")],
            &["siopName"],
            |r| {
                Ok(crate::package::Addin {
                    id: r.guid("siopID")?,
                    name: r.string("siopName")?,
                    url: r.string("siopUrl")?,
                })
            },
        )
        .await?
    } else {
        Vec::new()
    };

    let (categories, rooms): (Vec<Node>, Vec<Node>) = nodes
        .into_iter()
        .partition(|n| n.kind == NodeKind::Category);
    let roles = resolve_roles(&explicit, &role_types, &categories, &rooms)?;
    Ok(SourceEntities {
        entities: Entities {
            principals,
            categories,
            rooms,
            roles,
            scopes,
            addins,
        },
        role_types,
    })
}

/// Fills each node's `path` (category names from below the root down to its parent) and checks the tree.
fn with_paths(mut nodes: Vec<Node>) -> Result<Vec<Node>, PcmError> {
    let by_id: HashMap<i32, (Option<i32>, String, bool)> = nodes
        .iter()
        .map(|n| (n.id, (n.parent_id, n.name.clone(), n.is_root)))
        .collect();
    for node in &mut nodes {
        let mut path = Vec::new();
        let mut seen = HashSet::new();
        let mut current = node.parent_id;
        while let Some(id) = current {
            if !seen.insert(id) {
                return Err(PcmError::NotAChatDatabase(format!(
                    "the category tree has a cycle through nodeID {id} (reached from '{}')",
                    node.name
                )));
            }
            let Some((parent, name, is_root)) = by_id.get(&id) else {
                return Err(PcmError::NotAChatDatabase(format!(
                    "node '{}' (nodeID {}) names parent nodeID {id}, which does not exist",
                    node.name, node.id
                )));
            };
            if !is_root {
                path.push(name.clone());
            }
            current = *parent;
        }
        path.reverse();
        node.path = path;
    }
    Ok(nodes)
}

/// Explicit assignments, plus for every room the assignments it inherits from the categories above it: walking
/// up from the room, an ancestor's role applies unless a node on the way (the room included) overrides
/// membership and the role type honours overrides. Root-category managers thus reach every room.
fn resolve_roles(
    explicit: &[(i32, i32, i32)],
    role_types: &BTreeMap<i32, RoleType>,
    categories: &[Node],
    rooms: &[Node],
) -> Result<Vec<RoleAssignment>, PcmError> {
    let name_of = |type_id: i32| -> Result<&RoleType, PcmError> {
        role_types.get(&type_id).ok_or_else(|| {
            PcmError::NotAChatDatabase(format!(
                "tblPrincipalRole uses role type {type_id}, which tblRoleType does not define"
            ))
        })
    };
    let mut by_node: HashMap<i32, Vec<(i32, i32)>> = HashMap::new();
    let mut out = Vec::with_capacity(explicit.len());
    for &(node, principal, type_id) in explicit {
        by_node.entry(node).or_default().push((principal, type_id));
        out.push(RoleAssignment {
            node_id: node,
            principal_id: principal,
            role: name_of(type_id)?.name.clone(),
            role_type_id: type_id,
            origin: RoleOrigin::Explicit,
            inherited_from: None,
        });
    }
    let category_by_id: HashMap<i32, &Node> = categories.iter().map(|c| (c.id, c)).collect();
    for room in rooms {
        let mut have: HashSet<(i32, i32)> = by_node
            .get(&room.id)
            .into_iter()
            .flatten()
            .copied()
            .collect();
        let mut cut = room.override_member.unwrap_or(false);
        let mut current = room.parent_id;
        while let Some(category_id) = current {
            let Some(category) = category_by_id.get(&category_id) else {
                break;
            };
            for &(principal, type_id) in by_node.get(&category_id).into_iter().flatten() {
                let role_type = name_of(type_id)?;
                if role_type.name.eq_ignore_ascii_case("Creator")
                    || (cut && role_type.honors_override)
                {
                    continue;
                }
                if have.insert((principal, type_id)) {
                    out.push(RoleAssignment {
                        node_id: room.id,
                        principal_id: principal,
                        role: role_type.name.clone(),
                        role_type_id: type_id,
                        origin: RoleOrigin::Inherited,
                        inherited_from: Some(category_id),
                    });
                }
            }
            if category.override_member.unwrap_or(false) {
                cut = true;
            }
            current = category.parent_id;
        }
    }
    Ok(out)
}
