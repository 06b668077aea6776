//! Reads categories, rooms, principals, roles, scopes and add-ins from a Group Chat 2010 / OCS 2007 R2 or a
//! Persistent Chat 2013 database, with explicit column lists chosen from the catalog.

use super::columns::{
    absent_optional, missing_error, missing_required, opt, req, select_list, ColumnIndex,
    IndexedRow, Missing, RowView, Want,
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
    /// (docs/schema-assumptions.md); for the export's log and report.
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
    let order: Vec<String> = order_by.iter().map(|c| catalog.col(table, c)).collect();
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

// Column lists, decided per column against the published Lync 2010 schema (docs/schema-assumptions.md, "Columns
// the export reads"): a column is required only where the published legacy schema has it and the migration
// cannot work without it (or, for tables whose columns were never published, where it is the key that links a
// principal to a node); every other column is optional with a documented default.

const PRINCIPAL_TYPE_COLUMNS: &[Want] = &[
    req(
        "ptypeID",
        "tell users, groups and federated principals apart",
    ),
    opt("ptypeDesc"),
    opt("ptypeIsSystemUser"),
    opt("ptypeIsUser"),
    opt("ptypeIsFederated"),
];

const PRINCIPAL_COLUMNS: &[Want] = &[
    req(
        "prinID",
        "link principals to their roles, scopes and messages",
    ),
    req(
        "prinGuid",
        "match each principal to its directory object (objectGUID) on import",
    ),
    req(
        "prinUri",
        "identify each user and group (SIP or ma-grp URI) on import",
    ),
    req(
        "prinTypeID",
        "tell users, groups and federated principals apart",
    ),
    req(
        "prinDisabled",
        "keep principals that left the company disabled (an assumed default would re-enable them)",
    ),
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
    req("nodeID", "link rooms to their categories, roles, scopes and messages"),
    req("nodeGuid", "identify each category and room on import"),
    req("parentID", "rebuild the category tree and the rooms' category names"),
    req("nodeType", "tell categories from rooms"),
    req("nodeName", "name categories and rooms"),
    opt("nodeDesc"),
    opt("topic"),
    opt("filestoreURI"),
    opt("inheritance"),
    opt("scopeChange"),
    opt("overrideMember"),
    opt("invite"),
    opt("logged"),
    opt("filePost"),
    req(
        "disabled",
        "leave out the rooms the administrator disabled before the export (the documented way to exclude rooms)",
    ),
    opt("restrictChildCreate"),
    opt("behavior"),
    opt("visibility"),
    opt("siopID"),
    opt("nodeAddedBy"),
    opt("nodeAddedOn"),
    opt("nodeUpdatedBy"),
    opt("nodeUpdatedOn"),
];

const ENUM_VALUE_COLUMNS: &[Want] = &[opt("valueID"), opt("attributeValue")];

const ROLE_TYPE_COLUMNS: &[Want] = &[
    req("rtypeID", "resolve the role of each assignment"),
    req(
        "rtypeDesc",
        "know which role type is Member, Manager or Voiced (ids differ between installations)",
    ),
    opt("honorsOverride"),
];

const PRINCIPAL_ROLE_COLUMNS: &[Want] = &[
    req(
        "prinRoleNodeID",
        "know on which category or room a role is held",
    ),
    req("prinRolePrinID", "know who holds a role"),
    req("prinRoleTypeID", "know which role is held"),
];

/// Legacy scopes had no deny list (Lync 2013 introduced DeniedMembers), so `scopeIsDenied` is optional there and
/// reads as "allowed" when absent.
const SCOPE_COLUMNS_LEGACY: &[Want] = &[
    req("scopeNodeID", "know which category a scope entry narrows"),
    req("scopePrinID", "know who is in a scope"),
    opt("scopeIsDenied"),
];

/// Lync 2013 publishes `scopeIsDenied`: a 2013 scope without it cannot tell allowed from denied members.
const SCOPE_COLUMNS_MGC: &[Want] = &[
    req("scopeNodeID", "know which category a scope entry narrows"),
    req("scopePrinID", "know who is in a scope"),
    req(
        "scopeIsDenied",
        "tell allowed from denied members (Lync 2013 scopes have both)",
    ),
];

const ADDIN_COLUMNS: &[Want] = &[opt("siopID"), opt("siopName"), opt("siopUrl")];

/// The chat history columns `source::history` reads. Listed here so that a database lacking one is refused, with
/// the reason, before any work starts.
pub const CHAT_COLUMNS: &[Want] = &[
    req("channelId", "attribute each message to its room"),
    req(
        "chatId",
        "order each room's messages and resume an interrupted export",
    ),
    req("chatDate", "date each message (and apply -StartDate)"),
    req("userId", "name each message's poster"),
    req("content", "carry each message's text"),
    opt("isAlert"),
    opt("rtf"),
];

/// The tables the export reads unconditionally, with their columns, for a database of the legacy family
/// (`legacy`) or Lync 2013.
fn required_reads(legacy: bool) -> [(&'static str, &'static [Want]); 7] {
    [
        ("tblPrincipalType", PRINCIPAL_TYPE_COLUMNS),
        ("tblPrincipal", PRINCIPAL_COLUMNS),
        ("tblNode", NODE_COLUMNS),
        ("tblRoleType", ROLE_TYPE_COLUMNS),
        ("tblPrincipalRole", PRINCIPAL_ROLE_COLUMNS),
        (
            "tblScopePrincipal",
            if legacy {
                SCOPE_COLUMNS_LEGACY
            } else {
                SCOPE_COLUMNS_MGC
            },
        ),
        ("tblChat", CHAT_COLUMNS),
    ]
}

/// Whether the catalog is of the legacy family (Lync 2010 / OCS 2007 R2), as detection tells it.
fn is_legacy(catalog: &Catalog) -> bool {
    crate::schema::detect::classify(catalog).kind.is_legacy()
}

/// Checks, before anything is read, that the database has every table and column the migration cannot work
/// without; the error names all of them at once, each with what it is needed for, and the fix.
pub fn check_required(catalog: &Catalog) -> Result<(), PcmError> {
    let missing: Vec<Missing> = required_reads(is_legacy(catalog))
        .iter()
        .flat_map(|(table, wanted)| missing_required(catalog, table, wanted))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing_error(&missing))
    }
}

/// The optional columns this database lacks (`table.column`), whose documented defaults the export applies.
/// Optional tables (`tblEnumValue`, `tblSiopWhiteList`) count only when present.
pub fn defaults_applied(catalog: &Catalog) -> Vec<String> {
    let mut out: Vec<String> = required_reads(is_legacy(catalog))
        .iter()
        .flat_map(|(table, wanted)| absent_optional(catalog, table, wanted))
        .collect();
    for (table, wanted) in [
        ("tblEnumValue", ENUM_VALUE_COLUMNS),
        ("tblSiopWhiteList", ADDIN_COLUMNS),
    ] {
        if catalog.has_table(table) {
            out.extend(absent_optional(catalog, table, wanted));
        }
    }
    out
}

/// An optional table is read only when it has all of `wanted`; otherwise its documented default applies.
fn has_all(catalog: &Catalog, table: &str, wanted: &[Want]) -> bool {
    wanted.iter().all(|w| catalog.has_column(table, w.name))
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
    let legacy = is_legacy(catalog);
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
    let principals = read_table(
        client,
        catalog,
        "tblPrincipal",
        PRINCIPAL_COLUMNS,
        &["prinID"],
        |r| principal_row(r, &types),
    )
    .await?;

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
    let nodes = with_paths(nodes)?;

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
    let explicit: Vec<(i32, i32, i32)> = read_table(
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
        if legacy {
            SCOPE_COLUMNS_LEGACY
        } else {
            SCOPE_COLUMNS_MGC
        },
        &["scopeNodeID", "scopePrinID"],
        scope_row,
    )
    .await?;

    on_step("add-ins");
    let addins = if has_all(catalog, "tblSiopWhiteList", ADDIN_COLUMNS) {
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
        defaults_applied: defaults_applied(catalog),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ColumnInfo;
    use tiberius::ColumnData;

    fn catalog(tables: &[(&str, &[&str])]) -> Catalog {
        Catalog::from_tables(tables.iter().map(|(t, cols)| {
            (
                t.to_string(),
                cols.iter()
                    .enumerate()
                    .map(|(i, c)| ColumnInfo {
                        name: c.to_string(),
                        data_type: "int".into(),
                        max_length: None,
                        nullable: false,
                        ordinal: i as i64 + 1,
                    })
                    .collect(),
            )
        }))
    }

    /// A Lync 2010 database as published (legacy-groupchat.md), plus only the key columns of the unpublished
    /// tables: no `scopeIsDenied`, no `siopID`, no `nodeAdded*`, no `prinAddedOn`.
    const PUBLISHED_2010: &[(&str, &[&str])] = &[
        (
            "tblPrincipalType",
            &[
                "ptypeID",
                "ptypeDesc",
                "ptypeIsSystemUser",
                "ptypeIsUser",
                "ptypeIsFederated",
            ],
        ),
        (
            "tblPrincipal",
            &[
                "prinID",
                "prinGuid",
                "prinUri",
                "prinName",
                "prinCompanyName",
                "prinEmail",
                "prinADPath",
                "prinADUserPrincipalName",
                "prinDisabled",
                "prinTypeID",
                "prinAllowedPermSet",
                "prinUseInheritedPerms",
                "prinAddedBy",
            ],
        ),
        (
            "tblNode",
            &[
                "nodeID",
                "nodeGuid",
                "parentID",
                "nodeType",
                "nodeName",
                "nodeDesc",
                "topic",
                "filestoreURI",
                "inheritance",
                "scopeChange",
                "overrideMember",
                "invite",
                "logged",
                "filePost",
                "disabled",
                "restrictChildCreate",
                "behavior",
                "visibility",
            ],
        ),
        (
            "tblRoleType",
            &[
                "rtypeID",
                "rtypeDesc",
                "rtypeAllowedPermSet",
                "honorsOverride",
                "honorsScope",
            ],
        ),
        (
            "tblPrincipalRole",
            &["prinRoleNodeID", "prinRolePrinID", "prinRoleTypeID"],
        ),
        ("tblScopePrincipal", &["scopeNodeID", "scopePrinID"]),
        (
            "tblChat",
            &[
                "channelID",
                "chatID",
                "chatDate",
                "userId",
                "isAlert",
                "content",
            ],
        ),
    ];

    fn without(
        base: &[(&'static str, &'static [&'static str])],
        table: &str,
        column: &str,
    ) -> Catalog {
        let owned: Vec<(&str, Vec<&str>)> = base
            .iter()
            .map(|(t, cols)| {
                let cols = cols
                    .iter()
                    .copied()
                    .filter(|c| !(t.eq_ignore_ascii_case(table) && c.eq_ignore_ascii_case(column)))
                    .collect();
                (*t, cols)
            })
            .filter(|(t, _)| !(column.is_empty() && t.eq_ignore_ascii_case(table)))
            .collect();
        let refs: Vec<(&str, &[&str])> = owned.iter().map(|(t, c)| (*t, c.as_slice())).collect();
        catalog(&refs)
    }

    fn cells(values: &[(&str, ColumnData<'static>)]) -> HashMap<String, ColumnData<'static>> {
        values
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn a_published_columns_only_2010_database_has_everything_required() {
        let c = catalog(PUBLISHED_2010);
        assert!(is_legacy(&c));
        check_required(&c).expect("published 2010 columns suffice");
        let scope = select_list(&c, "tblScopePrincipal", SCOPE_COLUMNS_LEGACY).expect("scope");
        assert_eq!(scope, "[scopeNodeID], [scopePrinID]");
        let applied = defaults_applied(&c);
        for absent in [
            "tblScopePrincipal.scopeIsDenied",
            "tblNode.siopID",
            "tblPrincipal.prinAddedOn",
        ] {
            assert!(
                applied.iter().any(|a| a == absent),
                "{absent} in {applied:?}"
            );
        }
        assert!(
            !applied.iter().any(|a| a.contains("nodeGuid")),
            "{applied:?}"
        );
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
    fn a_2013_scope_still_needs_scope_is_denied() {
        let mgc: &[(&str, &[&str])] = &[
            ("tblPrincipalType", &["ptypeID", "ptypeDesc"]),
            (
                "tblPrincipal",
                &[
                    "prinID",
                    "prinGuid",
                    "prinUri",
                    "prinTypeID",
                    "prinDisabled",
                    "prinDisplayName",
                ],
            ),
            (
                "tblNode",
                &[
                    "nodeID", "nodeGuid", "parentID", "nodeType", "nodeName", "disabled",
                ],
            ),
            ("tblRoleType", &["rtypeID", "rtypeDesc"]),
            (
                "tblPrincipalRole",
                &["prinRoleNodeID", "prinRolePrinID", "prinRoleTypeID"],
            ),
            ("tblScopePrincipal", &["scopeNodeID", "scopePrinID"]),
            (
                "tblChat",
                &[
                    "channelId",
                    "chatId",
                    "chatDate",
                    "userId",
                    "content",
                    "rtf",
                ],
            ),
        ];
        let e = check_required(&catalog(mgc)).unwrap_err();
        assert_eq!(e.code(), "invalid_source_data");
        assert!(
            e.to_string()
                .contains("dbo.tblScopePrincipal.scopeIsDenied"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_required_column_names_table_column_need_and_fix() {
        let e = check_required(&without(PUBLISHED_2010, "tblNode", "disabled")).unwrap_err();
        assert_eq!(e.code(), "invalid_source_data");
        let text = e.to_string();
        assert!(text.contains("column dbo.tblNode.disabled"), "{text}");
        assert!(text.contains("rooms the administrator disabled"), "{text}");
        assert!(
            text.contains("-DBName") && text.contains("docs/schema-assumptions.md"),
            "{text}"
        );
        assert!(!text.contains("damaged"), "{text}");
        let e = check_required(&without(PUBLISHED_2010, "tblScopePrincipal", "")).unwrap_err();
        assert!(
            e.to_string()
                .contains("table dbo.tblScopePrincipal (needed to"),
            "{e}"
        );
    }

    #[test]
    fn every_unpublished_column_is_optional() {
        // Columns the published 2010 schema does not list (docs/schema-assumptions.md): none may be required,
        // except the keys of tables whose columns were never published.
        for (table, column) in [
            ("tblNode", "siopID"),
            ("tblNode", "nodeAddedBy"),
            ("tblNode", "nodeAddedOn"),
            ("tblNode", "nodeUpdatedBy"),
            ("tblNode", "nodeUpdatedOn"),
            ("tblPrincipal", "prinAddedOn"),
            ("tblPrincipal", "prinUpdatedOn"),
            ("tblPrincipal", "prinDisplayName"),
            ("tblScopePrincipal", "scopeIsDenied"),
            ("tblChat", "rtf"),
        ] {
            let (_, wanted) = required_reads(true)
                .into_iter()
                .find(|(t, _)| *t == table)
                .expect("table read");
            let want = wanted
                .iter()
                .find(|w| w.name == column)
                .expect("column read");
            assert!(!want.required(), "{table}.{column} must be optional");
        }
        for wanted in [ENUM_VALUE_COLUMNS, ADDIN_COLUMNS] {
            assert!(wanted.iter().all(|w| !w.required()));
        }
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
