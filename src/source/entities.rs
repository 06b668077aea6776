//! Reads categories, rooms, principals, roles, scopes and add-ins from a Group Chat 2010 / OCS 2007 R2 or a
//! Persistent Chat 2013 database, with explicit column lists chosen from the catalog.

use super::columns::{select_list, ColumnIndex, IndexedRow, RowView, Want};
use super::requirements::{
    check_required, defaults_applied, has_all, is_legacy, scope_columns, ADDIN_COLUMNS,
    ENUM_VALUE_COLUMNS, NODE_COLUMNS, PRINCIPAL_COLUMNS, PRINCIPAL_ROLE_COLUMNS,
    PRINCIPAL_TYPE_COLUMNS, ROLE_TYPE_COLUMNS,
};
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
    /// The optional columns this database lacks (`table.column`), whose documented defaults were applied
    /// (docs/schema-assumptions.md); the export logs them.
    pub defaults_applied: Vec<String>,
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
    mut map: impl FnMut(&RowView<'_>) -> Result<T, PcmError>,
) -> Result<Vec<T>, PcmError> {
    // Qualified, so that ORDER BY means the column even where the SELECT list reads it as bytes (an alias).
    let order: Vec<String> = order_by
        .iter()
        .map(|c| format!("{}.{}", catalog.table_exposed(table), catalog.col(table, c)))
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
    rows.iter()
        .map(|row| map(&RowView::new(&IndexedRow { index: &index, row }, table)))
        .collect()
}

/// A principal type as the reader keeps it.
struct PrincipalType {
    name: Option<String>,
    is_user: Option<bool>,
    is_system: Option<bool>,
    is_federated: Option<bool>,
}

/// One `tblPrincipalType` row. Without `ptypeIsFederated` (OCS 2007 R2) a type is federated when its
/// `ptypeDesc` starts with "Federated"; without either, federation is unknown (None).
fn principal_type_row(r: &RowView<'_>) -> Result<(i16, PrincipalType), PcmError> {
    let name = r.opt_string("ptypeDesc")?;
    let is_federated = match r.opt_bool("ptypeIsFederated")? {
        Some(v) => Some(v),
        None => name.as_ref().map(|n| {
            n.to_ascii_lowercase()
                .replace(' ', "")
                .starts_with("federated")
        }),
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
}

/// One `tblPrincipal` row, completed from its type.
fn principal_row(
    r: &RowView<'_>,
    types: &HashMap<i16, PrincipalType>,
) -> Result<Principal, PcmError> {
    let type_id = r.i16("prinTypeID")?;
    let t = types.get(&type_id);
    Ok(Principal {
        id: r.i32("prinID")?,
        guid: r.guid("prinGuid")?,
        uri: r.string("prinUri")?,
        type_id,
        type_name: t.and_then(|t| t.name.clone()),
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
}

/// `behavior` when absent: 4, normal (every published version has the column; normal is what categories carry).
pub const DEFAULT_BEHAVIOR: i16 = 4;
/// `visibility` when absent: 3, scope (the 2013 default for new rooms, "Closed").
pub const DEFAULT_VISIBILITY: i16 = 3;

/// One `tblNode` row (its `path` is filled later).
fn node_row(r: &RowView<'_>, enum_names: &HashMap<i64, String>) -> Result<Node, PcmError> {
    let id = r.i32("nodeID")?;
    let parent = r.opt_i32("parentID")?;
    let behavior = r.opt_i16("behavior")?.unwrap_or(DEFAULT_BEHAVIOR);
    let visibility = r.opt_i16("visibility")?.unwrap_or(DEFAULT_VISIBILITY);
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
}

/// One `tblRoleType` row. Without `honorsOverride` (OCS 2007 R2) Member honours a node's membership override and
/// the other roles do not.
fn role_type_row(r: &RowView<'_>) -> Result<(i32, RoleType), PcmError> {
    let name = r.string("rtypeDesc")?;
    let honors_override = match r.opt_bool("honorsOverride")? {
        Some(v) => v,
        None => name.eq_ignore_ascii_case("Member"),
    };
    let id = r.i32("rtypeID")?;
    Ok((
        id,
        RoleType {
            id,
            name,
            honors_override,
        },
    ))
}

/// One `tblScopePrincipal` row. Without `scopeIsDenied` (legacy scopes had no deny list) the entry allows.
fn scope_row(r: &RowView<'_>) -> Result<ScopeEntry, PcmError> {
    Ok(ScopeEntry {
        node_id: r.i32("scopeNodeID")?,
        principal_id: r.i32("scopePrinID")?,
        denied: r.opt_bool("scopeIsDenied")?.unwrap_or(false),
    })
}

/// Reads every entity. `on_step` is told each table as it is read. Fails before reading anything when the
/// database lacks a table or column the migration cannot work without ([`check_required`]).
pub async fn read_entities(
    client: &mut SqlClient,
    catalog: &Catalog,
    mut on_step: impl FnMut(&str),
) -> Result<SourceEntities, PcmError> {
    check_required(catalog)?;
    let principals = read_principals(client, catalog, &mut on_step).await?;
    let nodes = read_nodes(client, catalog, &mut on_step).await?;
    let (role_types, explicit, scopes) = read_access(client, catalog, &mut on_step).await?;
    on_step("add-ins");
    let addins = read_addins(client, catalog).await?;
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
        defaults_applied: defaults_applied(catalog),
    })
}

/// Principal types, then principals completed from their type.
async fn read_principals(
    client: &mut SqlClient,
    catalog: &Catalog,
    on_step: &mut impl FnMut(&str),
) -> Result<Vec<Principal>, PcmError> {
    on_step("principal types");
    let types: HashMap<i16, PrincipalType> = read_table(
        client,
        catalog,
        "tblPrincipalType",
        PRINCIPAL_TYPE_COLUMNS,
        &["ptypeID"],
        principal_type_row,
    )
    .await?
    .into_iter()
    .collect();
    on_step("principals");
    read_table(
        client,
        catalog,
        "tblPrincipal",
        PRINCIPAL_COLUMNS,
        &["prinID"],
        |r| principal_row(r, &types),
    )
    .await
}

/// Categories and rooms with their paths, their enumeration names read when `tblEnumValue` has them.
async fn read_nodes(
    client: &mut SqlClient,
    catalog: &Catalog,
    on_step: &mut impl FnMut(&str),
) -> Result<Vec<Node>, PcmError> {
    on_step("enumerations");
    let enum_names: HashMap<i64, String> = if has_all(catalog, "tblEnumValue", ENUM_VALUE_COLUMNS) {
        read_table(
            client,
            catalog,
            "tblEnumValue",
            ENUM_VALUE_COLUMNS,
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
        node_row(r, &enum_names)
    })
    .await?;
    with_paths(nodes)
}

/// Explicit role assignments as (node, principal, role type id).
type Assignments = Vec<(i32, i32, i32)>;

/// Role types, explicit role assignments and scopes.
async fn read_access(
    client: &mut SqlClient,
    catalog: &Catalog,
    on_step: &mut impl FnMut(&str),
) -> Result<(BTreeMap<i32, RoleType>, Assignments, Vec<ScopeEntry>), PcmError> {
    on_step("role types");
    let role_types: BTreeMap<i32, RoleType> = read_table(
        client,
        catalog,
        "tblRoleType",
        ROLE_TYPE_COLUMNS,
        &["rtypeID"],
        role_type_row,
    )
    .await?
    .into_iter()
    .collect();
    on_step("role assignments");
    let explicit = read_table(
        client,
        catalog,
        "tblPrincipalRole",
        PRINCIPAL_ROLE_COLUMNS,
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
        scope_columns(is_legacy(catalog)),
        &["scopeNodeID", "scopePrinID"],
        scope_row,
    )
    .await?;
    Ok((role_types, explicit, scopes))
}

/// Registered add-ins, when `tblSiopWhiteList` has an add-in's id, name and URL (none otherwise).
async fn read_addins(
    client: &mut SqlClient,
    catalog: &Catalog,
) -> Result<Vec<crate::package::Addin>, PcmError> {
    if !has_all(catalog, "tblSiopWhiteList", ADDIN_COLUMNS) {
        return Ok(Vec::new());
    }
    read_table(
        client,
        catalog,
        "tblSiopWhiteList",
        ADDIN_COLUMNS,
        &["siopName"],
        |r| {
            Ok(crate::package::Addin {
                id: r.guid("siopID")?,
                name: r.string("siopName")?,
                url: r.string("siopUrl")?,
            })
        },
    )
    .await
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

#[cfg(test)]
mod tests {
    use super::*;
    use tiberius::ColumnData;

    fn cells(values: &[(&str, ColumnData<'static>)]) -> HashMap<String, ColumnData<'static>> {
        values
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn a_legacy_scope_without_scope_is_denied_allows() {
        let row = cells(&[
            ("scopeNodeID", ColumnData::I32(Some(12))),
            ("scopePrinID", ColumnData::I32(Some(40))),
        ]);
        let entry = scope_row(&RowView::new(&row, "tblScopePrincipal")).expect("row");
        assert_eq!(
            entry,
            ScopeEntry {
                node_id: 12,
                principal_id: 40,
                denied: false
            }
        );
        let denied = cells(&[
            ("scopeNodeID", ColumnData::I32(Some(12))),
            ("scopePrinID", ColumnData::I32(Some(40))),
            ("scopeIsDenied", ColumnData::Bit(Some(true))),
        ]);
        assert!(
            scope_row(&RowView::new(&denied, "tblScopePrincipal"))
                .expect("row")
                .denied
        );
    }

    #[test]
    fn a_node_with_only_the_required_columns_gets_the_documented_defaults() {
        let row = cells(&[
            ("nodeID", ColumnData::I32(Some(5))),
            (
                "nodeGuid",
                ColumnData::String(Some("0000000A-0000-0000-0000-000000000005".into())),
            ),
            ("parentID", ColumnData::I32(Some(1))),
            ("nodeType", ColumnData::Bit(Some(false))),
            ("nodeName", ColumnData::String(Some("Room".into()))),
            ("disabled", ColumnData::Bit(Some(false))),
        ]);
        let node = node_row(&RowView::new(&row, "tblNode"), &HashMap::new()).expect("node");
        assert_eq!(node.kind, NodeKind::Room);
        assert_eq!(node.description, "");
        assert_eq!(
            (node.behavior, node.visibility),
            (DEFAULT_BEHAVIOR, DEFAULT_VISIBILITY)
        );
        assert_eq!((node.behavior, node.visibility), (4, 3));
        assert_eq!(node.addin_id, None);
        assert_eq!(node.topic, None);
        assert_eq!(node.added_on, None);
        assert_eq!(node.override_member, None);
    }

    #[test]
    fn a_behavior_out_of_smallint_range_is_refused_not_truncated() {
        let row = cells(&[
            ("nodeID", ColumnData::I32(Some(5))),
            (
                "nodeGuid",
                ColumnData::String(Some("0000000a-0000-0000-0000-000000000005".into())),
            ),
            ("parentID", ColumnData::I32(Some(1))),
            ("nodeType", ColumnData::Bit(Some(false))),
            ("nodeName", ColumnData::String(Some("Room".into()))),
            ("disabled", ColumnData::Bit(Some(false))),
            ("behavior", ColumnData::I32(Some(65_541))),
        ]);
        let e = node_row(&RowView::new(&row, "tblNode"), &HashMap::new()).unwrap_err();
        assert!(e.to_string().contains("behavior"), "{e}");
    }

    #[test]
    fn principal_and_role_types_without_their_optional_columns() {
        let row = cells(&[("ptypeID", ColumnData::I16(Some(7)))]);
        let (id, t) = principal_type_row(&RowView::new(&row, "tblPrincipalType")).expect("type");
        assert_eq!(id, 7);
        assert_eq!((t.name, t.is_federated, t.is_user), (None, None, None));
        let ocs = cells(&[
            ("ptypeID", ColumnData::I16(Some(11))),
            (
                "ptypeDesc",
                ColumnData::String(Some("Federated Group".into())),
            ),
        ]);
        let (_, t) = principal_type_row(&RowView::new(&ocs, "tblPrincipalType")).expect("type");
        assert_eq!(t.is_federated, Some(true));
        for (name, honours) in [("Member", true), ("Manager", false), ("Voiced", false)] {
            let row = cells(&[
                ("rtypeID", ColumnData::I32(Some(2))),
                ("rtypeDesc", ColumnData::String(Some(name.into()))),
            ]);
            let (_, rt) = role_type_row(&RowView::new(&row, "tblRoleType")).expect("role type");
            assert_eq!(rt.honors_override, honours, "{name}");
        }
    }
}
