//! The `client_access` job's parameters and its read of the target: the rooms of `mgc` with their members (the
//! Member role rows and their principals). Read-only, two SELECTs besides the lookup tables (read with the
//! import's reader, src/target/state.rs). The node read is its own because the import's counts every message
//! of tblChat, which this analysis does not need.

use super::{
    analyse, check_facts, Access, ClientAccessFacts, ClientAccessReport, PrincipalKind, RoomInput,
    RoomMember,
};
use crate::connection::{connect, ConnectionParams, ConnectionSettings, SqlClient};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::schema::{detect, Catalog, DatabaseKind};
use crate::target::report::{write_file, ReportTarget};
use crate::target::result::ReportFiles;
use crate::target::state::{self, rows};
use crate::util::rows::{i64_at, opt_i64, opt_string};
use crate::util::text::json_terminal_safe;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// The `client_access` request's parameters (JSON, camelCase).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientAccessParams {
    /// The target; `dbName` defaults to `mgc`.
    pub connection: ConnectionParams,
    /// What the host gathered with the Cs cmdlets.
    pub facts: ClientAccessFacts,
    /// HTML report path; the JSON report goes beside it (`.json`).
    #[serde(default)]
    pub report: Option<String>,
    /// Replace existing report files.
    #[serde(default)]
    pub force: bool,
    /// List only the members who cannot use a new client (the counts stay whole): the result of a large
    /// deployment is proportional to its rooms times their members.
    #[serde(default)]
    pub problems_only: bool,
}

/// The parameters checked before the job starts.
pub struct PreparedClientAccess {
    pub settings: ConnectionSettings,
    pub database: String,
    pub facts: ClientAccessFacts,
    pub report: Option<ReportTarget>,
    pub problems_only: bool,
}

impl ClientAccessParams {
    /// Refuses malformed facts, a bad connection or an unusable report path before anything connects.
    pub fn prepare(self) -> Result<PreparedClientAccess, PcmError> {
        let mut settings = self.connection.validate()?;
        let database = settings
            .database
            .clone()
            .unwrap_or_else(|| "mgc".to_string());
        settings.database = Some(database.clone());
        check_facts(&self.facts)?;
        let report = match self.report.as_deref().map(str::trim) {
            None => None,
            Some("") => return Err(PcmError::invalid_parameter(
                "Report",
                "-Report is empty; give a file name such as client-access.html, or leave it out",
            )),
            Some(path) => Some(ReportTarget::new(path, self.force)),
        };
        if let Some(report) = &report {
            report.check()?;
        }
        Ok(PreparedClientAccess {
            settings,
            database,
            facts: self.facts,
            report,
            problems_only: self.problems_only,
        })
    }
}

/// The job: read the rooms, analyse them, write the report when asked.
pub async fn run(
    prepared: PreparedClientAccess,
    ctx: JobContext,
) -> Result<ClientAccessReport, PcmError> {
    ctx.progress(
        "Client access",
        format!("reading the rooms of {}", prepared.database),
        None,
        None,
    );
    let rooms = read_rooms(&prepared.settings, &prepared.database).await?;
    ctx.check_cancelled()?;
    ctx.progress(
        "Client access",
        format!("analysing {} rooms", rooms.len()),
        None,
        None,
    );
    let mut report = analyse(&rooms, &prepared.facts)?;
    report.db_instance = prepared.settings.instance_text.clone();
    report.database = prepared.database.clone();
    if prepared.problems_only {
        for room in &mut report.rooms {
            room.members.retain(|m| m.access != Access::CanUseNewClient);
        }
    }
    for warning in &report.warnings {
        ctx.warning(&warning.code, warning.message.clone());
    }
    if let Some(target) = prepared.report {
        let recorded = report.clone();
        report.report = Some(
            ctx.spawn_blocking(move || write_report(&target, recorded))
                .await?,
        );
    }
    Ok(report)
}

fn write_report(
    target: &ReportTarget,
    mut report: ClientAccessReport,
) -> Result<ReportFiles, PcmError> {
    let files = ReportFiles {
        html: target.paths.html.display().to_string(),
        json: target.paths.json.display().to_string(),
    };
    report.report = Some(files.clone());
    let json = serde_json::to_string_pretty(&report).map_err(|e| {
        PcmError::Internal(format!(
            "the client access report cannot be serialized: {e}"
        ))
    })?;
    write_file(&target.paths.json, &json_terminal_safe(&json), target.force)?;
    write_file(
        &target.paths.html,
        &super::render_html(&report),
        target.force,
    )?;
    Ok(files)
}

/// Connects, refuses anything but a 2013 Persistent Chat database, and reads every room with its members.
pub async fn read_rooms(
    settings: &ConnectionSettings,
    database: &str,
) -> Result<Vec<RoomInput>, PcmError> {
    let mut connection = connect(settings, Some(database)).await?;
    let client = &mut connection.client;
    let (detection, c) = detect(client).await?;
    if detection.kind != DatabaseKind::PersistentChat2013 {
        return Err(PcmError::invalid_parameter(
            "DBName",
            format!(
                "client access reads the Lync Server 2013 / SfB 2015 Persistent Chat database; '{database}' is {}. \
                 Give -DBName mgc (or the database the import wrote)",
                detection.kind.display_name()
            ),
        ));
    }
    let lookups = state::read_lookups(client, &c).await?;
    let kinds: HashMap<i16, PrincipalKind> = lookups
        .principal_types
        .iter()
        .map(|(name, id)| (*id, kind_of(name)))
        .collect();
    let mut rooms = read_nodes(client, &c).await?;
    if let Some(member) = lookups.role_types.get("member") {
        for (node, member) in read_members(client, &c, *member, &kinds).await? {
            if let Some(room) = rooms.get_mut(&node) {
                room.members.push(member);
            }
        }
    }
    Ok(rooms.into_values().collect())
}

/// tblPrincipalType's name (lower case) as a kind.
fn kind_of(name: &str) -> PrincipalKind {
    match name {
        "user" => PrincipalKind::User,
        "group" => PrincipalKind::Group,
        "folder" => PrincipalKind::Ou,
        "dc" => PrincipalKind::Domain,
        _ => PrincipalKind::Other,
    }
}

fn i32_of(value: i64, what: &str) -> Result<i32, PcmError> {
    i32::try_from(value)
        .map_err(|_| PcmError::Internal(format!("{what} {value} is out of range for an int")))
}

/// Every room (nodeType 0) by id, named with its category, members empty.
async fn read_nodes(
    client: &mut SqlClient,
    c: &Catalog,
) -> Result<BTreeMap<i32, RoomInput>, PcmError> {
    let n = |col: &str| c.col("tblNode", col);
    let sql = format!(
        "SELECT {}, {}, {}, {}, {} FROM {} ORDER BY {}",
        n("nodeID"),
        n("parentID"),
        n("nodeType"),
        n("nodeName"),
        n("disabled"),
        c.table_ref("tblNode"),
        n("nodeID")
    );
    let mut names: HashMap<i32, String> = HashMap::new();
    let mut found = Vec::new();
    for row in rows(client, &sql, &[]).await? {
        let id = i32_of(i64_at(&row, 0)?, "nodeID")?;
        let parent = opt_i64(&row, 1)?
            .map(|p| i32_of(p, "parentID"))
            .transpose()?;
        let name = opt_string(&row, 3)?.unwrap_or_default();
        names.insert(id, name.clone());
        if opt_i64(&row, 2)? != Some(1) {
            found.push((id, parent, name, opt_i64(&row, 4)? == Some(1)));
        }
    }
    Ok(found
        .into_iter()
        .map(|(id, parent, name, disabled)| {
            let category = parent
                .and_then(|p| names.get(&p).cloned())
                .unwrap_or_default();
            (
                id,
                RoomInput {
                    id,
                    name,
                    category,
                    disabled,
                    members: Vec::new(),
                },
            )
        })
        .collect())
}

/// The Member role rows with their principals, in node then URI order.
async fn read_members(
    client: &mut SqlClient,
    c: &Catalog,
    member_role: i32,
    kinds: &HashMap<i16, PrincipalKind>,
) -> Result<Vec<(i32, RoomMember)>, PcmError> {
    let p = |col: &str| {
        if c.has_column("tblPrincipal", col) {
            format!("p.{}", c.col("tblPrincipal", col))
        } else {
            "NULL".to_string()
        }
    };
    let sql = format!(
        "SELECT r.{node}, {uri}, {ptype}, {path}, {display}, {disabled} FROM {role} AS r \
         INNER JOIN {prin} AS p ON p.{id} = r.{prin_id} WHERE r.{rtype} = @P1 ORDER BY r.{node}, {order}",
        node = c.col("tblPrincipalRole", "prinRoleNodeID"),
        prin_id = c.col("tblPrincipalRole", "prinRolePrinID"),
        rtype = c.col("tblPrincipalRole", "prinRoleTypeID"),
        role = c.table_ref("tblPrincipalRole"),
        prin = c.table_ref("tblPrincipal"),
        id = c.col("tblPrincipal", "prinID"),
        uri = p("prinUri"),
        ptype = p("prinTypeID"),
        path = p("prinADPath"),
        display = p("prinDisplayName"),
        disabled = p("prinDisabled"),
        // T-SQL refuses a constant in ORDER BY (error 408): without prinUri, the principal id orders.
        order = if c.has_column("tblPrincipal", "prinUri") {
            p("prinUri")
        } else {
            format!("p.{}", c.col("tblPrincipal", "prinID"))
        },
    );
    let mut out = Vec::new();
    for row in rows(client, &sql, &[&member_role]).await? {
        let ptype = i16::try_from(opt_i64(&row, 2)?.unwrap_or(0)).unwrap_or(0);
        out.push((
            i32_of(i64_at(&row, 0)?, "prinRoleNodeID")?,
            RoomMember {
                kind: kinds.get(&ptype).copied().unwrap_or(PrincipalKind::Other),
                uri: opt_string(&row, 1)?.unwrap_or_default(),
                ad_path: opt_string(&row, 3)?,
                display_name: opt_string(&row, 4)?,
                disabled: i16::try_from(opt_i64(&row, 5)?.unwrap_or(0)).unwrap_or(0),
            },
        ));
    }
    Ok(out)
}
