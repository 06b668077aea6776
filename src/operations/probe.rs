//! `probe`: connect to a -DBInstance, report the server, and tell what kind of chat database -DBName is; without
//! -DBName, list the chat databases of the instance (see [`super::databases`]).

use super::databases::list_chat_databases;
use super::databases::{ChatDatabase, SkippedDatabase};
use crate::connection::Authentication;
use crate::connection::{connect, sql_error, ConnectionParams, ConnectionSettings};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::schema::detect::Counts;
use crate::schema::{detect, DatabaseKind};
use crate::util::rows::opt_string;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Parameters of `probe`: just the connection.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct ProbeParams {
    pub connection: ConnectionParams,
}

/// The result of `probe`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeResult {
    pub db_instance: String,
    pub server: String,
    pub port: Option<u16>,
    pub instance: Option<String>,
    pub product_version: Option<String>,
    pub product_major_version: Option<u32>,
    pub product_level: Option<String>,
    pub edition: Option<String>,
    pub machine_name: Option<String>,
    pub instance_name: Option<String>,
    /// The session's database: -DBName, or the login's default without it.
    pub database: String,
    pub database_kind: DatabaseKind,
    pub database_kind_name: String,
    pub detection: DetectionSummary,
    pub counts: Option<Counts>,
    pub encrypted: bool,
    pub authentication: Authentication,
    pub connect_attempts: u32,
    pub duration_ms: u64,
    /// Without -DBName: the chat databases of the instance (absent with -DBName).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub databases: Option<Vec<ChatDatabase>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_databases_examined: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_databases: Option<Vec<SkippedDatabase>>,
}

/// Why the database was classified as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectionSummary {
    pub evidence: Vec<String>,
    pub missing: Vec<String>,
    /// Tables of the database's catalog.
    pub tables: u64,
}

const ACTIVITY: &str = "Testing the SQL Server connection";

/// Runs the probe.
pub async fn probe(settings: ConnectionSettings, ctx: JobContext) -> Result<ProbeResult, PcmError> {
    let started = Instant::now();
    ctx.progress(
        ACTIVITY,
        format!("Connecting to {}", settings.instance),
        Some(0),
        Some(3),
    );
    ctx.verbose(format!(
        "Connecting to '{}' ({}, encryption {:?}, timeout {} s)",
        settings.instance,
        match settings.credentials.authentication() {
            crate::connection::Authentication::Windows => "Windows authentication".to_string(),
            other => format!("{other:?} authentication"),
        },
        settings.encryption,
        settings.connect_timeout_seconds
    ));
    let mut connection = connect(&settings, None).await?;
    if connection.attempts > 1 {
        ctx.warning(
            "connect_retried",
            format!(
                "the connection succeeded after {} attempts",
                connection.attempts
            ),
        );
    }
    ctx.progress(ACTIVITY, "Reading server properties", Some(1), Some(3));
    let row = connection
        .client
        .simple_query(
            "SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS productVersion, \
             CAST(SERVERPROPERTY('ProductLevel') AS nvarchar(128)) AS productLevel, \
             CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS edition, \
             CAST(SERVERPROPERTY('MachineName') AS nvarchar(128)) AS machineName, \
             CAST(SERVERPROPERTY('InstanceName') AS nvarchar(128)) AS instanceName, \
             CAST(DB_NAME() AS nvarchar(128)) AS databaseName",
        )
        .await
        .map_err(sql_error)?
        .into_row()
        .await
        .map_err(sql_error)?
        .ok_or_else(|| {
            PcmError::Internal("the server property query returned no row".to_string())
        })?;
    let product_version = opt_string(&row, 0)?;
    let database = opt_string(&row, 5)?.unwrap_or_default();
    let major = product_version
        .as_deref()
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    if let Some(major) = major {
        if major < 10 {
            ctx.warning(
                "old_sql_server",
                format!(
                    "SQL Server {} is older than SQL Server 2008 R2; reading may work, but it is not supported",
                    product_version.as_deref().unwrap_or_default()
                ),
            );
        }
    }
    ctx.progress(
        ACTIVITY,
        format!("Inspecting database '{database}'"),
        Some(2),
        Some(3),
    );
    let (detection, catalog) = detect(&mut connection.client).await?;
    let listing = if settings.database.is_none() {
        // No -DBName: the login's default database (usually master) is rarely the point; find the chat ones.
        let listing = list_chat_databases(&mut connection.client, &ctx, ACTIVITY).await?;
        if listing.chat.is_empty() {
            ctx.warning(
                "no_chat_database",
                format!(
                    "none of the {} database(s) examined on '{}' is a Group Chat or Persistent Chat database{}",
                    listing.others_examined,
                    settings.instance,
                    if listing.skipped.is_empty() {
                        String::new()
                    } else {
                        format!("; {} could not be opened", listing.skipped.len())
                    }
                ),
            );
        }
        Some(listing)
    } else {
        None
    };
    if listing.is_some() {
        ctx.verbose(format!(
            "the login's default database '{database}' is {}",
            detection.kind_name
        ));
    } else if detection.kind == DatabaseKind::NotChat {
        ctx.warning(
            "not_a_chat_database",
            format!(
                "database '{database}' is not a chat database: {} not found",
                detection.missing.join(", ")
            ),
        );
    } else {
        ctx.verbose(format!(
            "'{database}' is {} ({})",
            detection.kind_name,
            detection.evidence.join("; ")
        ));
    }
    ctx.progress(ACTIVITY, "Done", Some(3), Some(3));
    let (databases, other_databases_examined, skipped_databases) = match listing {
        Some(listing) => (
            Some(listing.chat),
            Some(listing.others_examined),
            Some(listing.skipped),
        ),
        None => (None, None, None),
    };
    Ok(ProbeResult {
        db_instance: settings.instance.to_string(),
        server: settings.instance.host.clone(),
        port: settings.instance.port,
        instance: settings.instance.instance.clone(),
        product_version,
        product_major_version: major,
        product_level: opt_string(&row, 1)?,
        edition: opt_string(&row, 2)?,
        machine_name: opt_string(&row, 3)?,
        instance_name: opt_string(&row, 4)?,
        database,
        database_kind: detection.kind,
        database_kind_name: detection.kind_name.to_string(),
        detection: DetectionSummary {
            evidence: detection.evidence,
            missing: detection.missing,
            tables: u64::try_from(catalog.table_count()).unwrap_or(u64::MAX),
        },
        counts: detection.counts,
        encrypted: connection.encrypted,
        authentication: settings.credentials.authentication(),
        connect_attempts: connection.attempts,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        databases,
        other_databases_examined,
        skipped_databases,
    })
}

pub struct Probe;

impl super::registry::JobOperation for Probe {
    const NAME: &'static str = "probe";
    type Params = ProbeParams;
    type Prepared = ConnectionSettings;
    type Output = ProbeResult;

    fn prepare(params: ProbeParams) -> Result<ConnectionSettings, PcmError> {
        params.connection.validate()
    }

    fn describe(settings: &ConnectionSettings) -> super::registry::Checked {
        super::registry::Checked {
            db_instance: Some(settings.instance.to_string()),
            authentication: Some(settings.credentials.authentication()),
            encryption: Some(settings.encryption),
            ..Default::default()
        }
    }

    async fn run(settings: ConnectionSettings, ctx: JobContext) -> Result<ProbeResult, PcmError> {
        probe(settings, ctx).await
    }
}
