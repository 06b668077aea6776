//! Writers: load a [`Deployment`] into a database created by [`crate::create_database`].
//!
//! Only SQL Server 2008 R2 syntax: explicit column lists, multi-row `INSERT ... VALUES` with
//! `@Pn` parameters (sp_executesql), `SET IDENTITY_INSERT` around explicit ids, and TDS bulk
//! load (`INSERT BULK`, via tiberius `bulk_insert_columns`) for messages.

use std::borrow::Cow;

use tiberius::{ColumnData, ToSql, TokenRow, Uuid};

use crate::model::*;
use crate::{DatabaseKind, Message, Result, Schema, TdsClient};

/// Rows written per table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteCounts {
    pub principals: u64,
    pub affiliations: u64,
    pub group_members: u64,
    pub addins: u64,
    pub categories: u64,
    pub rooms: u64,
    pub scopes: u64,
    pub roles: u64,
    pub invites: u64,
    pub messages: u64,
    /// Rows of every other table (meta, tree, servers, preferences, config, counters).
    pub other: u64,
}

impl std::fmt::Display for WriteCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "principals={} categories={} rooms={} roles={} scopes={} invites={} addins={} affiliations={} group_members={} messages={} other={}",
            self.principals,
            self.categories,
            self.rooms,
            self.roles,
            self.scopes,
            self.invites,
            self.addins,
            self.affiliations,
            self.group_members,
            self.messages,
            self.other
        )
    }
}

/// Progress reports from the writers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// A table other than the chat table was written.
    Table { table: &'static str, rows: u64 },
    /// Messages written so far (reported after each bulk batch).
    Messages { written: u64, total: u64 },
}

/// Writer tuning.
#[derive(Clone, Copy, Debug)]
pub struct WriteOptions {
    /// Messages per bulk-load request.
    pub bulk_batch_rows: usize,
    /// Use TDS bulk load for messages (true) or multi-row parameterized INSERTs (false).
    pub bulk_messages: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            bulk_batch_rows: 20_000,
            bulk_messages: true,
        }
    }
}

/// Writes a deployment into a legacy database (`kind` Legacy2010 or OcsR2; Mgc2013 delegates to
/// [`write_mgc`]). The connection must already be using the target database.
pub async fn write_legacy(
    client: &mut TdsClient,
    dep: &Deployment,
    kind: DatabaseKind,
) -> Result<WriteCounts> {
    write_legacy_with(client, dep, kind, WriteOptions::default(), &mut |_| {}).await
}

/// Writes a deployment into a 2013 `mgc` database.
pub async fn write_mgc(client: &mut TdsClient, dep: &Deployment) -> Result<WriteCounts> {
    write_mgc_with(client, dep, WriteOptions::default(), &mut |_| {}).await
}

/// [`write_legacy`] with options and a progress callback.
pub async fn write_legacy_with(
    client: &mut TdsClient,
    dep: &Deployment,
    kind: DatabaseKind,
    opts: WriteOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<WriteCounts> {
    write_schema_with(client, dep, kind.into(), opts, progress).await
}

/// Writes a deployment into a database of `schema` (a kind in a flavour, e.g. [`Schema::published_only`]):
/// the tables and columns the schema lacks are left out of every INSERT.
pub async fn write_schema(
    client: &mut TdsClient,
    dep: &Deployment,
    schema: Schema,
) -> Result<WriteCounts> {
    write_schema_with(client, dep, schema, WriteOptions::default(), &mut |_| {}).await
}

/// [`write_schema`] with options and a progress callback.
pub async fn write_schema_with(
    client: &mut TdsClient,
    dep: &Deployment,
    schema: Schema,
    opts: WriteOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<WriteCounts> {
    if schema.kind == DatabaseKind::Mgc2013 {
        return write_mgc_with(client, dep, opts, progress).await;
    }
    let mut w = Writer {
        client,
        schema,
        counts: WriteCounts::default(),
        progress,
    };
    w.principals(dep).await?;
    w.principal_side_tables(dep).await?;
    w.addins(dep).await?;
    w.nodes(dep).await?;
    let mut tree = Table::new(
        "tblTree",
        &["treeAncestorID", "treeDescendantID", "treeDepth"],
    );
    for (a, d, depth) in dep.tree_closure() {
        if (a, d) != (ROOT_NODE_ID, ROOT_NODE_ID) {
            tree.row(vec![i32v(a), i32v(d), i32v(depth)]);
        }
    }
    w.counts.other += w.insert(tree).await?;
    w.acl(dep).await?;
    w.server_tables(dep).await?;
    w.messages(dep, opts).await?;
    Ok(w.counts)
}

/// [`write_mgc`] with options and a progress callback.
pub async fn write_mgc_with(
    client: &mut TdsClient,
    dep: &Deployment,
    opts: WriteOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<WriteCounts> {
    let mut w = Writer {
        client,
        schema: DatabaseKind::Mgc2013.into(),
        counts: WriteCounts::default(),
        progress,
    };
    w.principals(dep).await?;
    w.principal_side_tables(dep).await?;
    w.addins(dep).await?;
    w.nodes(dep).await?;
    w.acl(dep).await?;
    w.server_tables(dep).await?;
    w.messages(dep, opts).await?;
    Ok(w.counts)
}

// ---------------------------------------------------------------------------- values ----

/// An owned parameter value.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    I16(Option<i16>),
    I32(Option<i32>),
    I64(Option<i64>),
    Bit(Option<bool>),
    Str(Option<String>),
    Guid(Option<Uuid>),
    /// `datetime`, from .NET ticks.
    DateTime(Option<i64>),
}

impl ToSql for Val {
    fn to_sql(&self) -> ColumnData<'_> {
        match self {
            Val::I16(v) => ColumnData::I16(*v),
            Val::I32(v) => ColumnData::I32(*v),
            Val::I64(v) => ColumnData::I64(*v),
            Val::Bit(v) => ColumnData::Bit(*v),
            Val::Str(v) => ColumnData::String(v.as_deref().map(Cow::Borrowed)),
            Val::Guid(v) => ColumnData::Guid(*v),
            Val::DateTime(v) => ColumnData::DateTime(v.map(ticks_to_datetime)),
        }
    }
}

impl Val {
    fn is_null(&self) -> bool {
        match self {
            Val::I16(v) => v.is_none(),
            Val::I32(v) => v.is_none(),
            Val::I64(v) | Val::DateTime(v) => v.is_none(),
            Val::Bit(v) => v.is_none(),
            Val::Str(v) => v.is_none(),
            Val::Guid(v) => v.is_none(),
        }
    }
}

/// .NET ticks to a SQL Server `datetime` (days since 1900-01-01, 1/300 s units).
pub(crate) fn ticks_to_datetime(ticks: i64) -> tiberius::time::DateTime {
    let since = ticks - TICKS_1900;
    let days = since.div_euclid(TICKS_PER_DAY);
    let rem = since.rem_euclid(TICKS_PER_DAY);
    let frags = (rem as i128 * 300 + TICKS_PER_SECOND as i128 / 2) / TICKS_PER_SECOND as i128;
    tiberius::time::DateTime::new(days as i32, frags as u32)
}

fn i16v(v: i16) -> Val {
    Val::I16(Some(v))
}
fn i32v(v: i32) -> Val {
    Val::I32(Some(v))
}
fn i64v(v: i64) -> Val {
    Val::I64(Some(v))
}
fn bitv(v: bool) -> Val {
    Val::Bit(Some(v))
}
fn strv(v: impl Into<String>) -> Val {
    Val::Str(Some(v.into()))
}
fn ostr(v: Option<&str>) -> Val {
    Val::Str(v.map(str::to_string))
}
fn guidv(v: Uuid) -> Val {
    Val::Guid(Some(v))
}
fn dtv(ticks: i64) -> Val {
    Val::DateTime(Some(ticks))
}

// ----------------------------------------------------------------------------- table ----

struct Table {
    name: &'static str,
    cols: Vec<&'static str>,
    rows: Vec<Vec<Val>>,
    identity: bool,
}

impl Table {
    fn new(name: &'static str, cols: &[&'static str]) -> Self {
        Table {
            name,
            cols: cols.to_vec(),
            rows: Vec::new(),
            identity: false,
        }
    }

    fn with_identity(mut self) -> Self {
        self.identity = true;
        self
    }

    fn row(&mut self, vals: Vec<Val>) {
        assert_eq!(vals.len(), self.cols.len(), "row width for {}", self.name);
        self.rows.push(vals);
    }

    /// Drops the columns `schema` does not have (OCS R2 kind, published-columns-only flavour).
    fn for_schema(mut self, schema: Schema) -> Self {
        let keep: Vec<bool> = self
            .cols
            .iter()
            .map(|c| schema.has_column(self.name, c))
            .collect();
        if keep.iter().all(|k| *k) {
            return self;
        }
        let filter = |v: Vec<Val>| -> Vec<Val> {
            v.into_iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(v, _)| v)
                .collect()
        };
        self.cols = self
            .cols
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| *c)
            .collect();
        self.rows = std::mem::take(&mut self.rows)
            .into_iter()
            .map(filter)
            .collect();
        self
    }
}

/// One INSERT statement and the values it binds, in `@Pn` order.
struct Statement<'t> {
    sql: String,
    params: Vec<&'t Val>,
}

/// The multi-row INSERTs for a table's rows (<= 2000 parameters and <= 1000 rows per statement). A NULL is
/// written as the literal `NULL`, which the target column types, and is never bound: tiberius sends a bound
/// `None` string or datetime as TDS NULLTYPE (0x1F), an untyped NULL that some T-SQL engines refuse.
fn insert_statements(table: &Table) -> Vec<Statement<'_>> {
    let ncols = table.cols.len();
    let per_stmt = (2000 / ncols.max(1)).clamp(1, 1000);
    let col_list = table
        .cols
        .iter()
        .map(|c| format!("[{c}]"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = Vec::new();
    for chunk in table.rows.chunks(per_stmt) {
        let mut sql = format!("INSERT INTO dbo.{} ({col_list}) VALUES ", table.name);
        let mut params = Vec::with_capacity(chunk.len() * ncols);
        for (r, row) in chunk.iter().enumerate() {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (c, value) in row.iter().enumerate() {
                if c > 0 {
                    sql.push_str(", ");
                }
                if value.is_null() {
                    sql.push_str("NULL");
                } else {
                    params.push(value);
                    sql.push_str(&format!("@P{}", params.len()));
                }
            }
            sql.push(')');
        }
        out.push(Statement { sql, params });
    }
    out
}

/// Runs a plain batch and drains its results.
async fn batch(client: &mut TdsClient, sql: &str) -> Result<()> {
    client.simple_query(sql).await?.into_results().await?;
    Ok(())
}

struct Writer<'c, 'p> {
    client: &'c mut TdsClient,
    schema: Schema,
    counts: WriteCounts,
    progress: &'p mut (dyn FnMut(Progress) + Send),
}

impl Writer<'_, '_> {
    fn legacy(&self) -> bool {
        self.schema.kind.is_legacy()
    }

    /// Inserts a table's rows with multi-row parameterized INSERTs (<= 2000 parameters and
    /// <= 1000 rows per statement). Returns the row count.
    async fn insert(&mut self, table: Table) -> Result<u64> {
        self.insert_rows(table, true).await
    }

    async fn insert_rows(&mut self, table: Table, report: bool) -> Result<u64> {
        let table = table.for_schema(self.schema);
        let name = table.name;
        let n = table.rows.len() as u64;
        if n == 0 || !self.schema.has_table(name) {
            if report {
                (self.progress)(Progress::Table {
                    table: name,
                    rows: 0,
                });
            }
            return Ok(0);
        }
        if table.identity {
            batch(self.client, &format!("SET IDENTITY_INSERT dbo.{name} ON")).await?;
        }
        let result = async {
            for statement in insert_statements(&table) {
                let params: Vec<&dyn ToSql> =
                    statement.params.iter().map(|v| *v as &dyn ToSql).collect();
                self.client
                    .execute(statement.sql, &params)
                    .await
                    .map_err(|e| format!("insert into {name}: {e}"))?;
            }
            Ok::<(), crate::Error>(())
        }
        .await;
        if table.identity {
            batch(self.client, &format!("SET IDENTITY_INSERT dbo.{name} OFF")).await?;
        }
        result?;
        if report {
            (self.progress)(Progress::Table {
                table: name,
                rows: n,
            });
        }
        Ok(n)
    }

    async fn principals(&mut self, dep: &Deployment) -> Result<()> {
        let legacy = self.legacy();
        let mut t = if legacy {
            Table::new(
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
                    "prinAddedOn",
                    "prinUpdatedBy",
                    "prinUpdatedOn",
                    "prinVerifiedOn",
                ],
            )
        } else {
            Table::new(
                "tblPrincipal",
                &[
                    "prinID",
                    "prinGuid",
                    "prinUri",
                    "prinName",
                    "prinDisplayName",
                    "prinCompanyName",
                    "prinEmail",
                    "prinADPath",
                    "prinADUserPrincipalName",
                    "prinDisabled",
                    "prinTypeID",
                    "prinPoolID",
                    "prinPolicyID",
                    "prinAddedBy",
                    "prinAddedOn",
                    "prinUpdatedBy",
                    "prinUpdatedOn",
                    "prinVerifiedOn",
                ],
            )
        }
        .with_identity();
        for p in dep
            .principals
            .iter()
            .filter(|p| p.id != SYSTEM_PRINCIPAL_ID)
        {
            if legacy {
                t.row(vec![
                    i32v(p.id),
                    guidv(p.guid),
                    strv(&p.uri),
                    ostr(p.legacy_name()),
                    ostr(p.company.as_deref()),
                    ostr(p.email.as_deref()),
                    ostr(p.ad_path.as_deref()),
                    ostr(p.upn.as_deref()),
                    bitv(p.legacy_disabled()),
                    i16v(p.kind.legacy_type_id()),
                    i64v(p.allowed_perm_set),
                    bitv(p.use_inherited_perms),
                    i32v(p.added_by),
                    i64v(p.added_on),
                    i32v(p.updated_by),
                    i64v(p.updated_on),
                    dtv(p.verified_on),
                ]);
            } else {
                t.row(vec![
                    i32v(p.id),
                    guidv(p.guid),
                    strv(&p.uri),
                    ostr(p.name.as_deref()),
                    ostr(p.display_name.as_deref()),
                    ostr(p.company.as_deref()),
                    ostr(p.email.as_deref()),
                    ostr(p.ad_path.as_deref()),
                    ostr(p.upn.as_deref()),
                    i16v(p.mgc_disabled()),
                    i16v(p.kind.mgc_type_id()),
                    Val::I32(p.pool_id),
                    Val::I32(p.policy_id),
                    i32v(p.added_by),
                    i64v(p.added_on),
                    i32v(p.updated_by),
                    i64v(p.updated_on),
                    dtv(p.verified_on),
                ]);
            }
        }
        self.counts.principals = self.insert(t).await?;
        Ok(())
    }

    async fn principal_side_tables(&mut self, dep: &Deployment) -> Result<()> {
        let mut aff = Table::new(
            "tblPrincipalAffiliations",
            &["principalID", "affiliationID", "index", "updatedBy"],
        );
        for a in &dep.affiliations {
            aff.row(vec![
                i32v(a.principal_id),
                i32v(a.affiliation_id),
                i32v(a.index),
                i32v(a.updated_by),
            ]);
        }
        self.counts.affiliations = self.insert(aff).await?;

        let mut members = Table::new("tblPrincipalMembers", &["prinID", "memberADPath"]);
        for m in &dep.group_members {
            members.row(vec![i32v(m.group_id), strv(&m.member_ad_path)]);
        }
        self.counts.group_members = self.insert(members).await?;

        let mut meta = Table::new(
            "tblPrincipalMeta",
            &[
                "prinID",
                "prinAffiliationsDirty",
                "prinAttributesDirty",
                "prinDeleted",
                "tryCount",
                "lastTry",
                "nextTry",
            ],
        );
        for m in &dep.principal_meta {
            meta.row(vec![
                i32v(m.principal_id),
                bitv(m.affiliations_dirty),
                bitv(m.attributes_dirty),
                bitv(m.deleted),
                Val::I32(m.try_count),
                Val::DateTime(None),
                Val::DateTime(None),
            ]);
        }
        self.counts.other += self.insert(meta).await?;
        Ok(())
    }

    async fn addins(&mut self, dep: &Deployment) -> Result<()> {
        let mut t = Table::new("tblSiopWhiteList", &["siopID", "siopName", "siopUrl"]);
        for a in &dep.addins {
            t.row(vec![guidv(a.id), strv(&a.name), strv(&a.url)]);
        }
        self.counts.addins = self.insert(t).await?;
        Ok(())
    }

    async fn nodes(&mut self, dep: &Deployment) -> Result<()> {
        let legacy = self.legacy();
        let cols: &[&'static str] = if legacy {
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
                "siopID",
                "nodeAddedBy",
                "nodeAddedOn",
                "nodeUpdatedBy",
                "nodeUpdatedOn",
                "purgedOn",
            ]
        } else {
            &[
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
                "nodeAddedBy",
                "nodeAddedOn",
                "nodeUpdatedBy",
                "nodeUpdatedOn",
                "purgedOn",
            ]
        };
        // Rows in id order so that parents precede children.
        let mut rows: Vec<(i32, Vec<Val>)> = Vec::new();
        for c in dep.categories.iter().filter(|c| c.id != ROOT_NODE_ID) {
            let mut v = vec![
                i32v(c.id),
                guidv(c.guid),
                i32v(c.parent_id),
                bitv(true),
                strv(&c.name),
                strv(&c.description),
            ];
            if legacy {
                v.extend([
                    strv(""),
                    ostr(c.filestore_uri.as_deref()),
                    bitv(c.inheritance),
                    bitv(c.scope_change),
                    bitv(c.override_member),
                ]);
            }
            v.extend([
                Val::Bit(c.invite),
                Val::Bit(c.logged),
                Val::Bit(c.file_post),
                bitv(false),
            ]);
            if legacy {
                v.push(Val::Bit(c.restrict_child_create));
            }
            v.extend([
                i16v(Behavior::Normal as i16),
                i16v(Visibility::Scoped as i16),
                Val::Guid(None),
                i32v(c.added_by),
                i64v(c.added_on),
                i32v(c.updated_by),
                i64v(c.updated_on),
                Val::DateTime(None),
            ]);
            rows.push((c.id, v));
        }
        for r in &dep.rooms {
            let mut v = vec![
                i32v(r.id),
                guidv(r.guid),
                i32v(r.category_id),
                bitv(false),
                strv(&r.name),
                strv(&r.description),
            ];
            if legacy {
                v.extend([
                    strv(&r.topic),
                    Val::Str(None),
                    bitv(false),
                    bitv(false),
                    bitv(r.override_member),
                ]);
            }
            v.extend([
                Val::Bit(r.invite),
                Val::Bit(r.logged),
                Val::Bit(r.file_post),
                bitv(r.disabled),
            ]);
            if legacy {
                v.push(Val::Bit(None));
            }
            v.extend([
                i16v(r.behavior as i16),
                i16v(r.visibility as i16),
                Val::Guid(r.addin),
                i32v(r.added_by),
                i64v(r.added_on),
                i32v(r.updated_by),
                i64v(r.updated_on),
                Val::DateTime(None),
            ]);
            rows.push((r.id, v));
        }
        rows.sort_by_key(|(id, _)| *id);
        let mut t = Table::new("tblNode", cols).with_identity();
        for (_, v) in rows {
            t.row(v);
        }
        self.insert(t).await?;
        self.counts.categories = dep.categories.len() as u64 - 1;
        self.counts.rooms = dep.rooms.len() as u64;
        Ok(())
    }

    async fn acl(&mut self, dep: &Deployment) -> Result<()> {
        let legacy = self.legacy();
        let mut scopes = Table::new(
            "tblScopePrincipal",
            &[
                "scopeNodeID",
                "scopePrinID",
                "scopeIsDenied",
                "scopeUpdatedBy",
            ],
        );
        let mut seen = std::collections::BTreeSet::new();
        for s in &dep.scopes {
            if seen.insert((s.node_id, s.principal_id)) {
                scopes.row(vec![
                    i32v(s.node_id),
                    i32v(s.principal_id),
                    bitv(s.denied),
                    i32v(s.updated_by),
                ]);
            }
        }
        self.counts.scopes = self.insert(scopes).await?;

        let mut roles = Table::new(
            "tblPrincipalRole",
            &[
                "prinRoleNodeID",
                "prinRolePrinID",
                "prinRoleTypeID",
                "prinRoleUpdatedBy",
            ],
        );
        for r in &dep.roles {
            let rtype = if legacy {
                match r.role.legacy_rtype_id() {
                    Some(id) => id,
                    None => continue,
                }
            } else {
                r.role.mgc_rtype_id()
            };
            roles.row(vec![
                i32v(r.node_id),
                i32v(r.principal_id),
                i32v(rtype),
                i32v(r.updated_by),
            ]);
        }
        self.counts.roles = self.insert(roles).await?;

        let mut inv = Table::new(
            "tblPrincipalInvites",
            &["prinID", "invID", "nodeID", "createdOn"],
        );
        for i in &dep.invites {
            inv.row(vec![
                i32v(i.principal_id),
                i32v(i.invite_id),
                i32v(i.node_id),
                dtv(i.created_on),
            ]);
        }
        self.counts.invites = self.insert(inv).await?;

        let mut last = Table::new("tblLastInviteId", &["prinID", "lastInviteID"]);
        for (p, id) in dep.last_invite_ids() {
            last.row(vec![i32v(p), i32v(id)]);
        }
        self.counts.other += self.insert(last).await?;
        Ok(())
    }

    async fn server_tables(&mut self, dep: &Deployment) -> Result<()> {
        let mut servers = Table::new(
            "tblServerIdentity",
            &["serverID", "serverAddress", "serverLastPingTime"],
        );
        let epoch = match dep.flavor {
            Flavor::Legacy => LEGACY_EPOCH_TICKS,
            Flavor::Mgc2013 => MGC_EPOCH_TICKS,
        };
        for s in &dep.servers {
            servers.row(vec![
                i32v(s.id),
                strv(&s.address),
                dtv(epoch + 400 * TICKS_PER_DAY),
            ]);
        }
        self.counts.other += self.insert(servers).await?;

        let mut prefs = Table::new(
            "tblPreference",
            &["prefLabel", "prefSeqID", "prefContent", "lastModifiedBy"],
        );
        for p in &dep.preferences {
            prefs.row(vec![
                strv(&p.label),
                i32v(p.seq),
                strv(&p.content),
                i32v(p.modified_by),
            ]);
        }
        self.counts.other += self.insert(prefs).await?;

        let mut config = Table::new(
            "tblConfig",
            &["configLabel", "configContent", "configPoolID"],
        );
        config.row(vec![
            strv("pool"),
            strv("<config generated=\"chat-fixtures\"/>"),
            guidv(Uuid::from_u128(
                0x00c0_ffee_0000_4000_8000_0000_0000_0000 | (dep.seed as u128 & 0xffff_ffff_ffff),
            )),
        ]);
        self.counts.other += self.insert(config).await?;
        Ok(())
    }

    async fn messages(&mut self, dep: &Deployment, opts: WriteOptions) -> Result<()> {
        let legacy = self.legacy();
        let total = dep.message_count();
        let cols: &[&str] = if legacy {
            &[
                "channelID",
                "chatID",
                "chatDate",
                "userId",
                "isAlert",
                "content",
            ]
        } else {
            &[
                "channelId",
                "chatId",
                "chatDate",
                "userId",
                "isAlert",
                "content",
                "rtf",
            ]
        };
        let mut last_ids: Vec<(i32, i64)> = Vec::new();
        let mut written = 0u64;
        let batch_rows = opts.bulk_batch_rows.max(1);
        let mut pending: Vec<Message> = Vec::with_capacity(batch_rows.min(100_000));
        let mut iter = dep.messages().peekable();
        while iter.peek().is_some() {
            pending.clear();
            pending.extend(iter.by_ref().take(batch_rows));
            for m in &pending {
                match last_ids.last_mut() {
                    Some((room, last)) if *room == m.room_id => *last = m.chat_id,
                    _ => last_ids.push((m.room_id, m.chat_id)),
                }
            }
            let n = pending.len() as u64;
            if opts.bulk_messages {
                self.bulk_messages(cols, &pending, legacy).await?;
            } else {
                let mut t = Table::new("tblChat", cols);
                for m in pending.drain(..) {
                    let mut v = vec![
                        i32v(m.room_id),
                        i64v(m.chat_id),
                        i64v(m.date),
                        i32v(m.user_id),
                        bitv(m.is_alert),
                        strv(m.content),
                    ];
                    if !legacy {
                        v.push(Val::Str(m.rtf));
                    }
                    t.row(v);
                }
                self.insert_rows(t, false).await?;
            }
            written += n;
            (self.progress)(Progress::Messages {
                written: written.min(total),
                total,
            });
        }
        self.counts.messages = total;

        let mut last = Table::new("tblLastChatId", &["nodeID", "lastChatID"]);
        for (room, id) in last_ids {
            last.row(vec![i32v(room), i64v(id)]);
        }
        self.counts.other += self.insert(last).await?;
        Ok(())
    }

    async fn bulk_messages(
        &mut self,
        cols: &[&str],
        batch: &[Message],
        legacy: bool,
    ) -> Result<()> {
        let mut req = self
            .client
            .bulk_insert_columns("dbo.tblChat", cols)
            .await
            .map_err(|e| format!("bulk insert into tblChat: {e}"))?;
        for m in batch {
            let mut row = TokenRow::with_capacity(cols.len());
            row.push(ColumnData::I32(Some(m.room_id)));
            row.push(ColumnData::I64(Some(m.chat_id)));
            row.push(ColumnData::I64(Some(m.date)));
            row.push(ColumnData::I32(Some(m.user_id)));
            row.push(ColumnData::Bit(Some(m.is_alert)));
            row.push(ColumnData::String(Some(Cow::Owned(m.content.clone()))));
            if !legacy {
                row.push(ColumnData::String(m.rtf.clone().map(Cow::Owned)));
            }
            req.send(row).await?;
        }
        req.finalize().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What tiberius 0.13 sends as a parameter's TYPE_INFO for a value bound without a declared type: a `None`
    /// string, datetime or binary goes out as NULLTYPE (0x1F), which some T-SQL engines refuse.
    fn encodes_as_nulltype(data: &ColumnData<'_>) -> bool {
        matches!(
            data,
            ColumnData::String(None) | ColumnData::DateTime(None) | ColumnData::Binary(None)
        )
    }

    #[test]
    fn nulls_are_never_bound_as_parameters() {
        let mut t = Table::new(
            "tblNode",
            &["nodeID", "filestoreURI", "invite", "siopID", "purgedOn"],
        );
        t.row(vec![
            i32v(1),
            strv("https://x.invalid/"),
            bitv(true),
            guidv(Uuid::from_u128(7)),
            dtv(TICKS_1900),
        ]);
        t.row(vec![
            i32v(2),
            Val::Str(None),
            Val::Bit(None),
            Val::Guid(None),
            Val::DateTime(None),
        ]);
        let statements = insert_statements(&t);
        assert_eq!(statements.len(), 1);
        let s = &statements[0];
        assert_eq!(
            s.sql,
            "INSERT INTO dbo.tblNode ([nodeID], [filestoreURI], [invite], [siopID], [purgedOn]) VALUES \
             (@P1, @P2, @P3, @P4, @P5), (@P6, NULL, NULL, NULL, NULL)"
        );
        assert_eq!(s.params.len(), 6);
        for p in &s.params {
            assert!(!p.is_null(), "a NULL is bound: {p:?}");
            assert!(
                !encodes_as_nulltype(&p.to_sql()),
                "untyped NULL bound: {p:?}"
            );
        }
    }

    #[test]
    fn every_writer_null_kind_is_recognised() {
        for v in [
            Val::I16(None),
            Val::I32(None),
            Val::I64(None),
            Val::Bit(None),
            Val::Str(None),
            Val::Guid(None),
            Val::DateTime(None),
        ] {
            assert!(v.is_null(), "{v:?}");
        }
        assert!(encodes_as_nulltype(&Val::Str(None).to_sql()));
        assert!(encodes_as_nulltype(&Val::DateTime(None).to_sql()));
    }

    #[test]
    fn published_only_tables_lose_their_absent_columns() {
        let schema = Schema::published_only(DatabaseKind::Legacy2010);
        let mut t = Table::new(
            "tblScopePrincipal",
            &[
                "scopeNodeID",
                "scopePrinID",
                "scopeIsDenied",
                "scopeUpdatedBy",
            ],
        );
        t.row(vec![i32v(1), i32v(2), bitv(false), i32v(1)]);
        let t = t.for_schema(schema);
        assert_eq!(t.cols, ["scopeNodeID", "scopePrinID"]);
        assert_eq!(t.rows[0], vec![i32v(1), i32v(2)]);
        assert!(!schema.has_table("tblTree"));
        assert!(Schema::from(DatabaseKind::Legacy2010).has_table("tblTree"));
    }
}
