//! The target `mgc` as verify compares it: every node with its settings, every role and scope row, every
//! principal, the add-ins and the lookup tables, each in one read-only statement (the import's readers in
//! src/target/state.rs where they serve; the others here). Ids are the target's; names of lookup values are
//! resolved here so the comparison speaks names (`Member`, `auditorium`), never ids.

use crate::connection::{connect, ConnectionSettings, SqlClient};
use crate::error::PcmError;
use crate::schema::{detect, Catalog, DatabaseKind};
use crate::target::state::{self, opt_guid, rows};
use crate::target::TargetAddin;
use crate::util::rows::{i64_at, opt_i64, opt_string};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A `tblNode` row with the settings verify compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRow {
    pub id: i32,
    /// Lower-case GUID.
    pub guid: String,
    pub parent: Option<i32>,
    pub is_category: bool,
    pub name: String,
    pub description: String,
    pub invite: Option<bool>,
    pub logged: Option<bool>,
    pub file_post: Option<bool>,
    pub disabled: bool,
    /// `tblEnumValue.attributeValue` of `behavior` / `visibility` (lower case), or the id as text when unknown.
    pub behavior: String,
    pub visibility: String,
    /// Lower-case add-in GUID.
    pub siop: Option<String>,
}

/// A `tblPrincipal` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalRow {
    pub id: i32,
    pub guid: String,
    pub uri: String,
    /// `tblPrincipalType.ptypeDesc`, or the id as text when unknown.
    pub type_name: String,
    pub disabled: i16,
}

/// Everything verify reads from the target before the histories.
#[derive(Debug, Clone, Default)]
pub struct VerifyTarget {
    pub db_instance: String,
    pub database: String,
    pub kind: String,
    pub root_id: i32,
    pub system_principal_id: i32,
    pub nodes: Vec<NodeRow>,
    /// Node id → (principal id, role type name in lower case).
    pub roles: HashMap<i32, BTreeSet<(i32, String)>>,
    /// Node id → principal id → denied.
    pub scopes: HashMap<i32, BTreeMap<i32, bool>>,
    pub principals: HashMap<i32, PrincipalRow>,
    pub addins: Vec<TargetAddin>,
}

impl VerifyTarget {
    /// The principal of `id` (role rows, message posters).
    pub fn principal(&self, id: i32) -> Option<&PrincipalRow> {
        self.principals.get(&id)
    }

    /// Principals by lower-case GUID.
    pub fn principals_by_guid(&self) -> HashMap<String, &PrincipalRow> {
        self.principals
            .values()
            .map(|p| (p.guid.to_ascii_lowercase(), p))
            .collect()
    }

    /// The target's system principal's GUID (the poster of a legacy system user's messages after the import).
    pub fn system_guid(&self) -> Option<String> {
        self.principal(self.system_principal_id)
            .map(|p| p.guid.to_ascii_lowercase())
    }
}

fn i32_of(value: i64, what: &str) -> Result<i32, PcmError> {
    i32::try_from(value)
        .map_err(|_| PcmError::Internal(format!("{what} {value} is out of range for an int")))
}

fn i16_of(value: i64, what: &str) -> Result<i16, PcmError> {
    i16::try_from(value)
        .map_err(|_| PcmError::Internal(format!("{what} {value} is out of range for a smallint")))
}

/// Connects, refuses anything but a 2013 Persistent Chat database, and reads it.
pub async fn read(
    settings: &ConnectionSettings,
    database: &str,
) -> Result<(VerifyTarget, Catalog), PcmError> {
    let mut connection = connect(settings, Some(database)).await?;
    let client = &mut connection.client;
    let (detection, c) = detect(client).await?;
    if detection.kind != DatabaseKind::PersistentChat2013 {
        return Err(PcmError::invalid_parameter(
            "DBName",
            format!(
                "the verify target must be the Lync Server 2013 / SfB 2015 Persistent Chat database the import \
                 wrote; '{database}' is {}. Give -DBName mgc (or the database the import was run against)",
                detection.kind.display_name()
            ),
        ));
    }
    let lookups = state::read_lookups(client, &c).await?;
    let invert = |m: &BTreeMap<String, i16>| -> HashMap<i16, String> {
        m.iter().map(|(k, v)| (*v, k.clone())).collect()
    };
    let enums = invert(&lookups.enum_values);
    let ptypes = invert(&lookups.principal_types);
    let rtypes: HashMap<i32, String> = lookups
        .role_types
        .iter()
        .map(|(k, v)| (*v, k.clone()))
        .collect();
    let target = VerifyTarget {
        db_instance: settings.instance.to_string(),
        database: database.to_string(),
        kind: format!("{:?}", detection.kind),
        root_id: state::read_root(client, &c, database).await?,
        system_principal_id: state::read_system_principal(client, &c, database).await?,
        nodes: read_nodes(client, &c, &enums).await?,
        roles: read_roles(client, &c, &rtypes).await?,
        scopes: read_scopes(client, &c).await?,
        principals: read_principals(client, &c, &ptypes).await?,
        addins: state::read_addins(client, &c).await?,
    };
    Ok((target, c))
}

fn named<K: std::hash::Hash + Eq + std::fmt::Display>(map: &HashMap<K, String>, id: K) -> String {
    map.get(&id).cloned().unwrap_or_else(|| id.to_string())
}

async fn read_nodes(
    client: &mut SqlClient,
    c: &Catalog,
    enums: &HashMap<i16, String>,
) -> Result<Vec<NodeRow>, PcmError> {
    let cols: Vec<String> = [
        "nodeID",
        "nodeGuid",
        "parentID",
        "nodeType",
        "nodeName",
        "nodeDesc",
        "invite",
        "logged",
        "filePost",
        "disabled",
        "behavior",
        "visibility",
        "siopID",
    ]
    .iter()
    .map(|n| c.col("tblNode", n))
    .collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        cols.join(", "),
        c.table_ref("tblNode"),
        c.col("tblNode", "nodeID")
    );
    let mut nodes = Vec::new();
    for row in rows(client, &sql, &[]).await? {
        let bit =
            |i: usize| -> Result<Option<bool>, PcmError> { Ok(opt_i64(&row, i)?.map(|v| v != 0)) };
        let small = |i: usize, what: &str| -> Result<String, PcmError> {
            Ok(match opt_i64(&row, i)? {
                Some(v) => named(enums, i16_of(v, what)?),
                None => String::new(),
            })
        };
        nodes.push(NodeRow {
            id: i32_of(i64_at(&row, 0)?, "nodeID")?,
            guid: opt_guid(&row, 1)?.unwrap_or_default(),
            parent: opt_i64(&row, 2)?
                .map(|p| i32_of(p, "parentID"))
                .transpose()?,
            is_category: bit(3)?.unwrap_or(false),
            name: opt_string(&row, 4)?.unwrap_or_default(),
            description: opt_string(&row, 5)?.unwrap_or_default(),
            invite: bit(6)?,
            logged: bit(7)?,
            file_post: bit(8)?,
            disabled: bit(9)?.unwrap_or(false),
            behavior: small(10, "behavior")?,
            visibility: small(11, "visibility")?,
            siop: opt_guid(&row, 12)?,
        });
    }
    Ok(nodes)
}

async fn read_roles(
    client: &mut SqlClient,
    c: &Catalog,
    rtypes: &HashMap<i32, String>,
) -> Result<HashMap<i32, BTreeSet<(i32, String)>>, PcmError> {
    let r = |n: &str| c.col("tblPrincipalRole", n);
    let sql = format!(
        "SELECT {}, {}, {} FROM {}",
        r("prinRoleNodeID"),
        r("prinRolePrinID"),
        r("prinRoleTypeID"),
        c.table_ref("tblPrincipalRole")
    );
    let mut out: HashMap<i32, BTreeSet<(i32, String)>> = HashMap::new();
    for row in rows(client, &sql, &[]).await? {
        let node = i32_of(i64_at(&row, 0)?, "prinRoleNodeID")?;
        let prin = i32_of(i64_at(&row, 1)?, "prinRolePrinID")?;
        let role = named(rtypes, i32_of(i64_at(&row, 2)?, "prinRoleTypeID")?);
        out.entry(node).or_default().insert((prin, role));
    }
    Ok(out)
}

async fn read_scopes(
    client: &mut SqlClient,
    c: &Catalog,
) -> Result<HashMap<i32, BTreeMap<i32, bool>>, PcmError> {
    const SCOPE: &str = "tblScopePrincipal";
    let mut out: HashMap<i32, BTreeMap<i32, bool>> = HashMap::new();
    if !c.has_table(SCOPE) {
        return Ok(out);
    }
    let denied = if c.has_column(SCOPE, "scopeIsDenied") {
        c.col(SCOPE, "scopeIsDenied")
    } else {
        "0".to_string()
    };
    let sql = format!(
        "SELECT {}, {}, {denied} FROM {}",
        c.col(SCOPE, "scopeNodeID"),
        c.col(SCOPE, "scopePrinID"),
        c.table_ref(SCOPE)
    );
    for row in rows(client, &sql, &[]).await? {
        let node = i32_of(i64_at(&row, 0)?, "scopeNodeID")?;
        let prin = i32_of(i64_at(&row, 1)?, "scopePrinID")?;
        out.entry(node)
            .or_default()
            .insert(prin, opt_i64(&row, 2)?.unwrap_or(0) != 0);
    }
    Ok(out)
}

async fn read_principals(
    client: &mut SqlClient,
    c: &Catalog,
    ptypes: &HashMap<i16, String>,
) -> Result<HashMap<i32, PrincipalRow>, PcmError> {
    let p = |n: &str| c.col("tblPrincipal", n);
    let sql = format!(
        "SELECT {}, {}, {}, {}, {} FROM {}",
        p("prinID"),
        p("prinGuid"),
        p("prinUri"),
        p("prinTypeID"),
        p("prinDisabled"),
        c.table_ref("tblPrincipal")
    );
    let mut out = HashMap::new();
    for row in rows(client, &sql, &[]).await? {
        let id = i32_of(i64_at(&row, 0)?, "prinID")?;
        out.insert(
            id,
            PrincipalRow {
                id,
                guid: opt_guid(&row, 1)?.unwrap_or_default(),
                uri: opt_string(&row, 2)?.unwrap_or_default(),
                type_name: named(ptypes, i16_of(i64_at(&row, 3)?, "prinTypeID")?),
                disabled: i16_of(opt_i64(&row, 4)?.unwrap_or(0), "prinDisabled")?,
            },
        );
    }
    Ok(out)
}
