//! Reading the target (`mgc`) before planning: its root, system principal, lookup tables, identity metadata,
//! nodes with their message counts, add-ins, the principals the package names, server pings (the admin lock is
//! lock_state.rs), the system revision and the newest full backup. Read-only: every statement is a SELECT, parameterized, its
//! identifiers spelled from the catalog. The assumptions (clocks, ping window, backup query) are in
//! docs/import.md.

use super::{BackupStatus, ServerPing, TargetAddin, TargetNode, TargetPrincipal};
use crate::connection::{sql_error, SqlClient};
use crate::error::PcmError;
use crate::schema::Catalog;
use crate::util::rows::{i64_at, opt_i64, opt_string};
use std::collections::BTreeMap;
use tiberius::{ColumnData, Row, ToSql, Uuid};

/// SQL Server accepts at most 2,100 parameters per request; chunks stay well below.
pub const MAX_PARAMS_PER_STATEMENT: usize = 1000;

/// Runs a parameterized query and returns its first result set.
pub(crate) async fn rows(
    client: &mut SqlClient,
    sql: &str,
    params: &[&dyn ToSql],
) -> Result<Vec<Row>, PcmError> {
    client
        .query(sql, params)
        .await
        .map_err(sql_error)?
        .into_first_result()
        .await
        .map_err(sql_error)
}

/// A uniqueidentifier (or its text) as lower-case hyphenated text, or NULL.
pub(crate) fn opt_guid(row: &Row, index: usize) -> Result<Option<String>, PcmError> {
    match row.cells().nth(index).map(|(_, d)| d) {
        Some(ColumnData::Guid(g)) => Ok(g.map(|g| g.hyphenated().to_string())),
        Some(ColumnData::String(_)) => Ok(opt_string(row, index)?.map(|s| s.to_ascii_lowercase())),
        Some(other) => Err(PcmError::Internal(format!(
            "column #{index} holds {other:?}, expected a uniqueidentifier"
        ))),
        None => Err(PcmError::Internal(format!(
            "the result has no column #{index}"
        ))),
    }
}

fn i32_of(row: &Row, index: usize, what: &str) -> Result<i32, PcmError> {
    let value = i64_at(row, index)?;
    i32::try_from(value)
        .map_err(|_| PcmError::Internal(format!("{what} {value} is out of range for an int")))
}

fn i16_of(row: &Row, index: usize, what: &str) -> Result<i16, PcmError> {
    let value = i64_at(row, index)?;
    i16::try_from(value)
        .map_err(|_| PcmError::Internal(format!("{what} {value} is out of range for a smallint")))
}

fn u64_of(value: Option<i64>) -> u64 {
    value.and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
}

/// The lookup tables by lower-case name: role types, principal types (with which are system users), enum values.
pub struct Lookups {
    pub role_types: BTreeMap<String, i32>,
    pub principal_types: BTreeMap<String, i16>,
    pub system_types: Vec<i16>,
    pub enum_values: BTreeMap<String, i16>,
}

pub async fn read_lookups(client: &mut SqlClient, c: &Catalog) -> Result<Lookups, PcmError> {
    let mut role_types = BTreeMap::new();
    let sql = format!(
        "SELECT {}, {} FROM {}",
        c.col("tblRoleType", "rtypeID"),
        c.col("tblRoleType", "rtypeDesc"),
        c.table_ref("tblRoleType")
    );
    for row in rows(client, &sql, &[]).await? {
        let name = opt_string(&row, 1)?.unwrap_or_default().to_lowercase();
        role_types.insert(name, i32_of(&row, 0, "rtypeID")?);
    }
    let mut principal_types = BTreeMap::new();
    let mut system_types = Vec::new();
    let sql = format!(
        "SELECT {}, {}, {} FROM {}",
        c.col("tblPrincipalType", "ptypeID"),
        c.col("tblPrincipalType", "ptypeDesc"),
        c.col("tblPrincipalType", "ptypeIsSystemUser"),
        c.table_ref("tblPrincipalType")
    );
    for row in rows(client, &sql, &[]).await? {
        let id = i16_of(&row, 0, "ptypeID")?;
        let name = opt_string(&row, 1)?.unwrap_or_default().to_lowercase();
        if opt_i64(&row, 2)? == Some(1) {
            system_types.push(id);
        }
        principal_types.insert(name, id);
    }
    let mut enum_values = BTreeMap::new();
    let sql = format!(
        "SELECT {}, {} FROM {}",
        c.col("tblEnumValue", "valueID"),
        c.col("tblEnumValue", "attributeValue"),
        c.table_ref("tblEnumValue")
    );
    for row in rows(client, &sql, &[]).await? {
        let name = opt_string(&row, 1)?.unwrap_or_default().to_lowercase();
        enum_values.insert(name, i16_of(&row, 0, "valueID")?);
    }
    Ok(Lookups {
        role_types,
        principal_types,
        system_types,
        enum_values,
    })
}

/// The root category: the node that is its own parent (never assumed to be nodeID 1). Exactly one.
pub async fn read_root(
    client: &mut SqlClient,
    c: &Catalog,
    database: &str,
) -> Result<i32, PcmError> {
    let id = c.col("tblNode", "nodeID");
    let sql = format!(
        "SELECT {id} FROM {} WHERE {id} = {} ORDER BY {id}",
        c.table_ref("tblNode"),
        c.col("tblNode", "parentID")
    );
    let found = rows(client, &sql, &[]).await?;
    match found.as_slice() {
        [one] => i32_of(one, 0, "nodeID"),
        [] => Err(PcmError::TargetStateConflict(format!(
            "'{database}' has no root category (no tblNode row is its own parent); a Persistent Chat database \
             always has one: check -DBName, or re-create the database with the Lync Server deployment tools"
        ))),
        more => Err(PcmError::TargetStateConflict(format!(
            "'{database}' has {} root categories (tblNode rows that are their own parent); Persistent Chat \
             has exactly one: repair the database before importing",
            more.len()
        ))),
    }
}

/// The system principal (`ptypeIsSystemUser`), lowest id first.
pub async fn read_system_principal(
    client: &mut SqlClient,
    c: &Catalog,
    database: &str,
) -> Result<i32, PcmError> {
    let sql = format!(
        "SELECT TOP 1 p.{id} FROM {prin} AS p INNER JOIN {ptype} AS t ON t.{tid} = p.{ptid} \
         WHERE t.{sys} = 1 ORDER BY p.{id}",
        id = c.col("tblPrincipal", "prinID"),
        prin = c.table_ref("tblPrincipal"),
        ptype = c.table_ref("tblPrincipalType"),
        tid = c.col("tblPrincipalType", "ptypeID"),
        ptid = c.col("tblPrincipal", "prinTypeID"),
        sys = c.col("tblPrincipalType", "ptypeIsSystemUser"),
    );
    match rows(client, &sql, &[]).await?.first() {
        Some(row) => i32_of(row, 0, "prinID"),
        None => Err(PcmError::TargetStateConflict(format!(
            "'{database}' has no system principal (a tblPrincipal row of a ptypeIsSystemUser type); every \
             Persistent Chat database has one: check -DBName"
        ))),
    }
}

/// Whether `table.column` is an identity column, asked of the server (`COLUMNPROPERTY(..., 'IsIdentity')`).
pub async fn is_identity(
    client: &mut SqlClient,
    c: &Catalog,
    table: &str,
    column: &str,
) -> Result<bool, PcmError> {
    let object = c.table_ref(table);
    let column = c
        .column(table, column)
        .map(|col| col.name.clone())
        .unwrap_or_else(|| column.to_string());
    let sql = "SELECT COLUMNPROPERTY(OBJECT_ID(@P1), @P2, 'IsIdentity')";
    let found = rows(client, sql, &[&object, &column]).await?;
    Ok(match found.first() {
        Some(row) => opt_i64(row, 0)? == Some(1),
        None => false,
    })
}

/// Every node, with its message count and highest chatId (one GROUP BY over tblChat).
pub async fn read_nodes(client: &mut SqlClient, c: &Catalog) -> Result<Vec<TargetNode>, PcmError> {
    let n = |col: &str| c.col("tblNode", col);
    let channel = c.col("tblChat", "channelId");
    let sql = format!(
        "SELECT n.{id}, n.{guid}, n.{parent}, n.{ntype}, n.{name}, n.{disabled}, m.messages, m.maxChatId \
         FROM {node} AS n LEFT OUTER JOIN \
         (SELECT {channel} AS channel, COUNT_BIG(*) AS messages, MAX({chat_id}) AS maxChatId \
          FROM {chat} GROUP BY {channel}) AS m ON m.channel = n.{id} \
         ORDER BY n.{id}",
        id = n("nodeID"),
        guid = n("nodeGuid"),
        parent = n("parentID"),
        ntype = n("nodeType"),
        name = n("nodeName"),
        disabled = n("disabled"),
        node = c.table_ref("tblNode"),
        chat = c.table_ref("tblChat"),
        chat_id = c.col("tblChat", "chatId"),
    );
    let mut nodes = Vec::new();
    for row in rows(client, &sql, &[]).await? {
        let parent = opt_i64(&row, 2)?
            .map(|p| i32::try_from(p).map_err(|_| PcmError::Internal(format!("parentID {p}"))))
            .transpose()?;
        nodes.push(TargetNode {
            id: i32_of(&row, 0, "nodeID")?,
            guid: opt_guid(&row, 1)?.unwrap_or_default(),
            parent_id: parent,
            is_category: opt_i64(&row, 3)? == Some(1),
            name: opt_string(&row, 4)?.unwrap_or_default(),
            disabled: opt_i64(&row, 5)? == Some(1),
            messages: u64_of(opt_i64(&row, 6)?),
            max_chat_id: opt_i64(&row, 7)?,
        });
    }
    Ok(nodes)
}

pub async fn read_addins(
    client: &mut SqlClient,
    c: &Catalog,
) -> Result<Vec<TargetAddin>, PcmError> {
    if !c.has_table("tblSiopWhiteList") {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {}, {}, {} FROM {} ORDER BY {}",
        c.col("tblSiopWhiteList", "siopID"),
        c.col("tblSiopWhiteList", "siopName"),
        c.col("tblSiopWhiteList", "siopUrl"),
        c.table_ref("tblSiopWhiteList"),
        c.col("tblSiopWhiteList", "siopName"),
    );
    let mut addins = Vec::new();
    for row in rows(client, &sql, &[]).await? {
        addins.push(TargetAddin {
            id: opt_guid(&row, 0)?.unwrap_or_default(),
            name: opt_string(&row, 1)?.unwrap_or_default(),
            url: opt_string(&row, 2)?.unwrap_or_default(),
        });
    }
    Ok(addins)
}

/// Which package value a principal lookup matches on.
#[derive(Clone, Copy)]
pub enum PrincipalKey {
    Guid,
    Uri,
}

/// Target principals whose GUID (or URI) is one of `keys`, in chunks of at most
/// [`MAX_PARAMS_PER_STATEMENT`] parameters.
pub async fn read_principals(
    client: &mut SqlClient,
    c: &Catalog,
    key: PrincipalKey,
    keys: &[String],
) -> Result<Vec<TargetPrincipal>, PcmError> {
    let p = |col: &str| c.col("tblPrincipal", col);
    let column = match key {
        PrincipalKey::Guid => p("prinGuid"),
        PrincipalKey::Uri => p("prinUri"),
    };
    let mut found = Vec::new();
    for chunk in keys.chunks(MAX_PARAMS_PER_STATEMENT) {
        let guids: Vec<Uuid> = match key {
            PrincipalKey::Guid => chunk
                .iter()
                .filter_map(|g| Uuid::parse_str(g).ok())
                .collect(),
            PrincipalKey::Uri => Vec::new(),
        };
        let params: Vec<&dyn ToSql> = match key {
            PrincipalKey::Guid => guids.iter().map(|g| g as &dyn ToSql).collect(),
            PrincipalKey::Uri => chunk.iter().map(|u| u as &dyn ToSql).collect(),
        };
        if params.is_empty() {
            continue;
        }
        let placeholders: Vec<String> = (1..=params.len()).map(|i| format!("@P{i}")).collect();
        let sql = format!(
            "SELECT {}, {}, {}, {}, {} FROM {} WHERE {column} IN ({})",
            p("prinID"),
            p("prinGuid"),
            p("prinUri"),
            p("prinTypeID"),
            p("prinDisabled"),
            c.table_ref("tblPrincipal"),
            placeholders.join(", ")
        );
        for row in rows(client, &sql, &params).await? {
            found.push(TargetPrincipal {
                id: i32_of(&row, 0, "prinID")?,
                guid: opt_guid(&row, 1)?.unwrap_or_default(),
                uri: opt_string(&row, 2)?.unwrap_or_default(),
                type_id: i16_of(&row, 3, "prinTypeID")?,
                disabled: i16_of(&row, 4, "prinDisabled")?,
            });
        }
    }
    Ok(found)
}

/// Every Persistent Chat server's last heartbeat, in minutes before both server clocks (the smaller: the
/// docs do not say whether `serverLastPingTime` is local or UTC).
pub async fn read_servers(
    client: &mut SqlClient,
    c: &Catalog,
) -> Result<Vec<ServerPing>, PcmError> {
    if !c.has_table("tblServerIdentity") {
        return Ok(Vec::new());
    }
    let s = |col: &str| c.col("tblServerIdentity", col);
    let ping = s("serverLastPingTime");
    let sql = format!(
        "SELECT {}, {}, CONVERT(nvarchar(30), {ping}, 126), DATEDIFF(minute, {ping}, GETDATE()), \
         DATEDIFF(minute, {ping}, GETUTCDATE()) FROM {} ORDER BY {}",
        s("serverID"),
        s("serverAddress"),
        c.table_ref("tblServerIdentity"),
        s("serverID"),
    );
    let mut servers = Vec::new();
    for row in rows(client, &sql, &[]).await? {
        let local = opt_i64(&row, 3)?;
        let utc = opt_i64(&row, 4)?;
        let minutes_ago = match (local, utc) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        servers.push(ServerPing {
            server_id: i32_of(&row, 0, "serverID")?,
            address: opt_string(&row, 1)?.unwrap_or_default(),
            last_ping: opt_string(&row, 2)?,
            minutes_ago,
        });
    }
    Ok(servers)
}

pub async fn read_system_revision(
    client: &mut SqlClient,
    c: &Catalog,
) -> Result<Option<i64>, PcmError> {
    if !c.has_table("tblSystemRevision") {
        return Ok(None);
    }
    let sql = format!(
        "SELECT MAX({}) FROM {}",
        c.col("tblSystemRevision", "sysRevision"),
        c.table_ref("tblSystemRevision")
    );
    match rows(client, &sql, &[]).await?.first() {
        Some(row) => opt_i64(row, 0),
        None => Ok(None),
    }
}

/// The newest full backup (`type = 'D'`) of `database` in `msdb.dbo.backupset`. Any error (no permission on
/// msdb, not SQL Server) is [`BackupStatus::Unknown`] with its reason, never a failure.
pub async fn read_backup(client: &mut SqlClient, database: &str) -> BackupStatus {
    let sql = "SELECT TOP 1 CONVERT(nvarchar(30), backup_finish_date, 126), \
               DATEDIFF(hour, backup_finish_date, GETDATE()) \
               FROM msdb.dbo.backupset WHERE database_name = @P1 AND type = @P2 \
               ORDER BY backup_finish_date DESC";
    let full = "D";
    match rows(client, sql, &[&database, &full]).await {
        Ok(found) => match found.first() {
            None => BackupStatus::None,
            Some(row) => match (opt_string(row, 0), opt_i64(row, 1)) {
                (Ok(Some(finished)), Ok(Some(hours))) => BackupStatus::Found {
                    finished,
                    hours_ago: hours,
                },
                _ => BackupStatus::Unknown {
                    reason: "msdb.dbo.backupset returned a backup without a finish date".into(),
                },
            },
        },
        Err(e) => BackupStatus::Unknown {
            reason: format!("msdb.dbo.backupset could not be read: {e}"),
        },
    }
}
