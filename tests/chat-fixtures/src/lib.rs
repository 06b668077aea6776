//! Test fixtures for pchat-migrate: T-SQL schema scripts for the Lync 2013 / SfB 2015
//! Persistent Chat store (`mgc`) and the Lync 2010 / OCS 2007 R2 Group Chat database, plus a
//! deterministic generator of deployments (categories, rooms, principals, roles, messages)
//! and writers that load a generated deployment into either schema over TDS.
//!
//! Layers:
//! - [`MGC_2013_SQL`], [`LEGACY_2010_SQL`], [`ocs_r2_schema_sql`] (plus [`OCS_R2_FLAVOUR_SQL`])
//!   and [`split_batches`]: the scripts.
//! - [`create_database`]: creates a database and runs the scripts for a [`DatabaseKind`];
//!   [`create_database_as`] for a [`Schema`] (a kind in a flavour, e.g. "published columns only").
//! - [`generate_model`] / [`generate_mgc_model`]: a plain in-memory [`Deployment`]; its messages
//!   are streamed by [`Deployment::messages`] and regenerated from the seed on every call.
//! - [`write_legacy`] / [`write_mgc`]: write a [`Deployment`] with parameterized T-SQL and bulk
//!   insert (SQL Server 2008 R2 compatible).
//!
//! Every schema choice the published documentation leaves open is listed in
//! `docs/schema-assumptions.md`.

use tiberius::Client;
use tokio::net::TcpStream;
use tokio_util::compat::Compat;

mod flavour;
pub mod messages;
mod model;
mod ocs;
mod rng;
pub mod write;

pub use flavour::{published_only_schema_sql, Schema, SchemaFlavour, PUBLISHED_ONLY_TABLES};
pub use messages::{Message, RoomMessages};
pub use model::*;
pub use ocs::ocs_r2_schema_sql;
pub use write::{
    write_legacy, write_legacy_with, write_mgc, write_mgc_with, write_schema, write_schema_with,
    Progress, WriteCounts, WriteOptions,
};

/// Error type of the async helpers.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// Result type of the async helpers.
pub type Result<T> = std::result::Result<T, Error>;

/// The tiberius client type the helpers take.
pub type TdsClient = Client<Compat<TcpStream>>;

/// Lync Server 2013 / SfB 2015 `mgc` schema plus fixed lookup rows and `dbo.fnTicksToDate`.
pub const MGC_2013_SQL: &str = include_str!("../../fixtures/sql/pchat-2013-mgc.sql");
/// Lync Server 2010 Group Chat schema plus fixed lookup rows.
pub const LEGACY_2010_SQL: &str = include_str!("../../fixtures/sql/legacy-groupchat-2010.sql");
/// Turns an existing Lync 2010 database (from [`LEGACY_2010_SQL`]) into the OCS 2007 R2 flavour
/// with `ALTER TABLE ... DROP COLUMN` ([`OCS_R2_ABSENT_COLUMNS`]). [`create_database`] does not
/// use it: it runs [`ocs_r2_schema_sql`], which creates the flavour directly.
pub const OCS_R2_FLAVOUR_SQL: &str = include_str!("../../fixtures/sql/ocs2007r2-flavour.sql");

/// Optional columns an OCS 2007 R2 Group Chat database may lack, as (table, column).
/// [`OCS_R2_FLAVOUR_SQL`] drops exactly these; readers must tolerate their absence.
pub const OCS_R2_ABSENT_COLUMNS: &[(&str, &str)] = &[
    ("tblNode", "restrictChildCreate"),
    ("tblNode", "purgedOn"),
    ("tblPrincipal", "prinADUserPrincipalName"),
    ("tblPrincipal", "prinCompanyName"),
    ("tblPrincipalType", "ptypeIsFederated"),
    ("tblRoleType", "honorsOverride"),
    ("tblRoleType", "honorsScope"),
    ("tblFileToken", "fileTokenComplianceFileUrl"),
    ("tblFileToken", "fileTokenComplianceThumbnailUrl"),
    ("tblFileToken", "fileTokenComplianceTime"),
    ("tblFileToken", "fileTokenComplianceIsUpload"),
    ("tblFileToken", "fileTokenCompliancePinned"),
];

/// Splits a script into batches on lines that hold only `GO` (case-insensitive, surrounding
/// whitespace allowed), as sqlcmd does. Batches that are empty or hold only whitespace are
/// dropped; the `GO` lines themselves are not part of any batch. `GO n` (repeat count) is not
/// supported and stays in the batch text.
pub fn split_batches(script: &str) -> Vec<String> {
    let mut batches = Vec::new();
    let mut current = String::new();
    for line in script.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.eq_ignore_ascii_case("go") {
            push_batch(&mut batches, &mut current);
        } else {
            current.push_str(line);
        }
    }
    push_batch(&mut batches, &mut current);
    batches
}

fn push_batch(batches: &mut Vec<String>, current: &mut String) {
    if !current.trim().is_empty() {
        batches.push(std::mem::take(current));
    } else {
        current.clear();
    }
}

/// Which schema a database gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DatabaseKind {
    /// Lync Server 2010 Group Chat ([`LEGACY_2010_SQL`]).
    Legacy2010,
    /// OCS 2007 R2 Group Chat: the 2010 schema minus [`OCS_R2_ABSENT_COLUMNS`].
    OcsR2,
    /// Lync Server 2013 / SfB 2015 Persistent Chat `mgc` ([`MGC_2013_SQL`]).
    Mgc2013,
}

impl DatabaseKind {
    /// The schema script for this kind. For [`DatabaseKind::OcsR2`] this is
    /// [`ocs_r2_schema_sql`]: the 2010 script without the optional columns.
    pub fn script(self) -> std::borrow::Cow<'static, str> {
        match self {
            DatabaseKind::Legacy2010 => LEGACY_2010_SQL.into(),
            DatabaseKind::OcsR2 => ocs_r2_schema_sql().into(),
            DatabaseKind::Mgc2013 => MGC_2013_SQL.into(),
        }
    }

    /// The batches of [`DatabaseKind::script`], in order.
    pub fn batches(self) -> Vec<String> {
        split_batches(&self.script())
    }

    /// True for the legacy family (2010 and OCS 2007 R2).
    pub fn is_legacy(self) -> bool {
        !matches!(self, DatabaseKind::Mgc2013)
    }

    /// Whether `table.column` exists in this kind's schema (only the OCS R2 drops are modelled;
    /// the answer for columns that belong to no table of the kind is `true`).
    pub fn has_column(self, table: &str, column: &str) -> bool {
        self != DatabaseKind::OcsR2
            || !OCS_R2_ABSENT_COLUMNS
                .iter()
                .any(|(t, c)| t.eq_ignore_ascii_case(table) && c.eq_ignore_ascii_case(column))
    }
}

impl std::str::FromStr for DatabaseKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "legacy2010" | "legacy" | "lync2010" => Ok(DatabaseKind::Legacy2010),
            "ocsr2" | "ocs2007r2" => Ok(DatabaseKind::OcsR2),
            "mgc2013" | "mgc" | "lync2013" => Ok(DatabaseKind::Mgc2013),
            other => Err(format!(
                "unknown database kind {other:?} (expected legacy2010, ocsr2 or mgc2013)"
            )),
        }
    }
}

/// Quotes an identifier with brackets (`]` doubled). Rejects control characters.
pub fn quote_ident(name: &str) -> Result<String> {
    if name.is_empty() || name.len() > 128 || name.chars().any(char::is_control) {
        return Err(format!("invalid identifier {name:?}").into());
    }
    Ok(format!("[{}]", name.replace(']', "]]")))
}

/// Creates database `name` if it does not exist, switches the connection to it (`USE`) and runs
/// the schema batches for `kind`. Fails (before running anything) if the database already has
/// `dbo.tblNode`, so pass a fresh name.
pub async fn create_database(client: &mut TdsClient, name: &str, kind: DatabaseKind) -> Result<()> {
    create_database_as(client, name, kind.into()).await
}

/// [`create_database`] for a kind in a flavour (e.g. [`Schema::published_only`]).
pub async fn create_database_as(client: &mut TdsClient, name: &str, schema: Schema) -> Result<()> {
    let quoted = quote_ident(name)?;
    let exists = client
        .query("SELECT DB_ID(@P1)", &[&name])
        .await?
        .into_row()
        .await?
        .and_then(|row| row.try_get::<i32, _>(0).ok().flatten())
        .is_some();
    if !exists {
        client
            .simple_query(format!("CREATE DATABASE {quoted}"))
            .await?
            .into_results()
            .await?;
    }
    client
        .simple_query(format!("USE {quoted}"))
        .await?
        .into_results()
        .await?;
    let existing = client
        .query(
            "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = @P1",
            &[&"tblNode"],
        )
        .await?
        .into_row()
        .await?
        .and_then(|row| row.try_get::<i32, _>(0).ok().flatten())
        .unwrap_or(0);
    if existing > 0 {
        return Err(format!(
            "database {name:?} already holds a chat schema (dbo.tblNode exists); use a new database name"
        )
        .into());
    }
    run_schema_batches(client, schema).await
}

/// Runs the schema batches for `kind` in the current database.
pub async fn run_script_batches(client: &mut TdsClient, kind: DatabaseKind) -> Result<()> {
    run_schema_batches(client, kind.into()).await
}

/// Runs the schema batches for a kind in a flavour in the current database.
pub async fn run_schema_batches(client: &mut TdsClient, schema: Schema) -> Result<()> {
    for (i, batch) in schema.batches().into_iter().enumerate() {
        client
            .simple_query(batch)
            .await
            .map_err(|e| format!("{schema:?} schema batch {i}: {e}"))?
            .into_results()
            .await
            .map_err(|e| format!("{schema:?} schema batch {i}: {e}"))?;
    }
    Ok(())
}
