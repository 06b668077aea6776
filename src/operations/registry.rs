//! The one registration of every operation: [`OPERATIONS`]. Routing ([`super::call`], [`super::start_job`]),
//! `validate`, the unknown-operation message and `version().operations` all read this table, so adding an
//! operation is a module implementing [`JobOperation`] (or [`SyncOperation`]) plus one line here.

use super::{
    archive, client_access, export, files, import, inspect, legacy_clients, migration_plan, probe,
    readiness, validate, verify, version, Request,
};
use crate::error::PcmError;
use crate::jobs::{Job, JobContext};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;

/// Every operation the library answers, in the order `version().operations` lists them.
///
/// Each job operation implements [`JobOperation`]; its `prepare` refuses what needs no I/O to refuse, before a job
/// exists (see [`super::inspect`], [`super::import`], [`super::readiness`]).
pub static OPERATIONS: &[Registration] = &[
    sync::<version::Version>(),
    sync::<validate::Validate>(),
    sync::<legacy_clients::LegacyClientsPlan>(),
    sync::<migration_plan::MigrationPlanOperation>(),
    job::<probe::Probe>(),
    job::<export::Export>(),
    job::<inspect::Inspect>(),
    job::<import::Import>(),
    job::<readiness::Readiness>(),
    job::<verify::Verify>(),
    job::<archive::Archive>(),
    job::<files::FileManifest>(),
    job::<files::CopyFiles>(),
    job::<client_access::ClientAccess>(),
];

/// An operation answered at once (`pcm_call`).
pub trait SyncOperation: 'static {
    /// The name in requests (`{"operation": NAME}`).
    const NAME: &'static str;
    type Params: DeserializeOwned;
    type Output: Serialize;

    /// What `validate` reports for these parameters; an error when they are not valid.
    fn check(_params: &Self::Params) -> Result<Checked, PcmError> {
        Ok(Checked::default())
    }

    fn call(params: Self::Params) -> Result<Self::Output, PcmError>;
}

/// A long-running operation run as a job (`pcm_job_start`, `pcm_<name>_start`).
pub trait JobOperation: 'static {
    /// The name in requests (`{"operation": NAME}`).
    const NAME: &'static str;
    type Params: DeserializeOwned;
    /// The parameters checked and ready to run (connection settings validated, output paths planned): done
    /// before the job starts, so a bad request is refused at once, and shared with `validate`.
    type Prepared: Send + 'static;
    type Output: Serialize;

    fn prepare(params: Self::Params) -> Result<Self::Prepared, PcmError>;

    /// What `validate` reports about the prepared parameters.
    fn describe(prepared: &Self::Prepared) -> Checked;

    fn run(
        prepared: Self::Prepared,
        ctx: JobContext,
    ) -> impl Future<Output = Result<Self::Output, PcmError>> + Send;
}

/// What `validate` found, besides `valid` and `operation` (absent fields are left out of the JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checked {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_instance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<crate::connection::Authentication>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<crate::connection::Encryption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<crate::export::ExportLevel>,
}

/// Synchronous or a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sync,
    Job,
}

/// One row of [`OPERATIONS`]: the operation's name and kind with its type-erased entry points.
pub struct Registration {
    pub name: &'static str,
    pub kind: Kind,
    check: fn(&Request) -> Result<Checked, PcmError>,
    entry: Entry,
}

enum Entry {
    Sync(fn(&Request) -> Result<Value, PcmError>),
    Job(fn(&Request) -> Result<Job, PcmError>),
}

/// The registration of a synchronous operation.
pub const fn sync<O: SyncOperation>() -> Registration {
    Registration {
        name: O::NAME,
        kind: Kind::Sync,
        check: check_sync::<O>,
        entry: Entry::Sync(call_sync::<O>),
    }
}

/// The registration of a job operation.
pub const fn job<O: JobOperation>() -> Registration {
    Registration {
        name: O::NAME,
        kind: Kind::Job,
        check: check_job::<O>,
        entry: Entry::Job(start::<O>),
    }
}

fn to_value(output: &impl Serialize) -> Result<Value, PcmError> {
    serde_json::to_value(output)
        .map_err(|e| PcmError::Internal(format!("the result cannot be serialized: {e}")))
}

fn check_sync<O: SyncOperation>(request: &Request) -> Result<Checked, PcmError> {
    O::check(&request.params::<O::Params>()?)
}

fn call_sync<O: SyncOperation>(request: &Request) -> Result<Value, PcmError> {
    to_value(&O::call(request.params::<O::Params>()?)?)
}

fn check_job<O: JobOperation>(request: &Request) -> Result<Checked, PcmError> {
    Ok(O::describe(&O::prepare(request.params::<O::Params>()?)?))
}

fn start<O: JobOperation>(request: &Request) -> Result<Job, PcmError> {
    let prepared = O::prepare(request.params::<O::Params>()?)?;
    let about = verbose_description(O::NAME, &O::describe(&prepared));
    Job::spawn(O::NAME, move |ctx| async move {
        // -Verbose (and the CLI's --verbose) show what every job works on and how it ended, whatever it reports
        // itself.
        let started = std::time::Instant::now();
        ctx.verbose(about);
        let outcome = O::run(prepared, ctx.clone()).await;
        let seconds = started.elapsed().as_secs_f64();
        match &outcome {
            Ok(_) => ctx.verbose(format!("{} finished in {seconds:.1} s", O::NAME)),
            Err(e) => ctx.verbose(format!(
                "{} failed after {seconds:.1} s ({})",
                O::NAME,
                e.code().as_str()
            )),
        }
        to_value(&outcome?)
    })
}

/// One line naming what a job works on, from its checked parameters (which never hold a secret).
fn verbose_description(operation: &str, checked: &Checked) -> String {
    let mut parts = Vec::new();
    if let Some(instance) = &checked.db_instance {
        let database = checked
            .db_name
            .as_deref()
            .unwrap_or("the login's default database");
        parts.push(format!("database '{database}' on {instance}"));
    }
    let mut connection = Vec::new();
    if let Some(authentication) = checked.authentication {
        connection.push(format!("{authentication:?} authentication"));
    }
    if let Some(encryption) = checked.encryption {
        connection.push(format!("encryption {encryption:?}"));
    }
    if !connection.is_empty() {
        parts.push(connection.join(", "));
    }
    if let Some(file) = &checked.file_name {
        parts.push(format!("file '{file}'"));
    }
    if let Some(level) = checked.level {
        parts.push(format!("level {level:?}"));
    }
    if parts.is_empty() {
        format!("starting {operation}")
    } else {
        format!("starting {operation}: {}", parts.join("; "))
    }
}

impl Registration {
    /// Checks the request's parameters without running it.
    pub fn check(&self, request: &Request) -> Result<Checked, PcmError> {
        (self.check)(request)
    }

    /// Answers a synchronous request; a job operation is refused, saying how to start it.
    pub fn call(&self, request: &Request) -> Result<Value, PcmError> {
        match self.entry {
            Entry::Sync(call) => call(request),
            Entry::Job(_) => Err(PcmError::UnknownOperation(format!(
                "'{}' is a long-running operation; start it as a job (pcm_job_start), not with pcm_call",
                self.name
            ))),
        }
    }

    /// Starts a job; a synchronous operation is refused, saying how to call it.
    pub fn start(&self, request: &Request) -> Result<Job, PcmError> {
        match self.entry {
            Entry::Job(start) => start(request),
            Entry::Sync(_) => Err(PcmError::UnknownOperation(format!(
                "'{}' is a synchronous operation; call it with pcm_call, not as a job",
                self.name
            ))),
        }
    }
}

/// The registration of `name`, or the unknown-operation error listing every known one.
pub fn lookup(name: &str) -> Result<&'static Registration, PcmError> {
    OPERATIONS.iter().find(|r| r.name == name).ok_or_else(|| {
        PcmError::UnknownOperation(format!(
            "unknown operation '{name}'; this library knows {}",
            OPERATIONS
                .iter()
                .map(|r| r.name)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// The names of the operations of one kind, in table order.
pub fn names(kind: Kind) -> Vec<&'static str> {
    OPERATIONS
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| r.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_name_resolves_to_its_row() {
        let mut seen = std::collections::BTreeSet::new();
        for r in OPERATIONS {
            assert!(seen.insert(r.name), "'{}' registered twice", r.name);
            assert_eq!(lookup(r.name).expect("registered").name, r.name);
        }
        assert_eq!(
            names(Kind::Sync),
            [
                "version",
                "validate",
                "legacy_clients_plan",
                "migration_plan"
            ]
        );
        assert_eq!(
            names(Kind::Job),
            [
                "probe",
                "export",
                "inspect_package",
                "import",
                "readiness",
                "verify",
                "archive",
                "file_manifest",
                "copy_files",
                "client_access"
            ]
        );
    }

    #[test]
    fn every_job_says_in_verbose_what_it_works_on_and_how_it_ended() {
        let missing = std::env::temp_dir().join(format!("pcm-verbose-{}.zip", std::process::id()));
        let request = Request::parse(
            &serde_json::json!({
                "operation": "inspect_package",
                "params": { "fileName": missing.display().to_string() }
            })
            .to_string(),
        )
        .expect("parses");
        let job = lookup("inspect_package")
            .expect("registered")
            .start(&request)
            .expect("starts");
        let mut verbose = Vec::new();
        let error = job
            .wait(|event| {
                if let crate::jobs::JobEvent::Verbose { message } = event {
                    verbose.push(message.clone());
                }
            })
            .expect_err("no such package");
        assert_eq!(
            verbose.first().map(String::as_str),
            Some("starting inspect_package")
        );
        let last = verbose.last().expect("an ending line");
        assert!(
            last.starts_with("inspect_package failed after ")
                && last.ends_with(&format!("({})", error.code())),
            "{verbose:?}"
        );
    }

    #[test]
    fn the_verbose_description_names_database_connection_and_file_but_no_secret() {
        let request = Request::parse(
            r#"{"operation":"import","params":{"connection":{"dbInstance":"sql01\\rtc","user":"sa","password":"hunter2"},"fileName":"p.zip"}}"#,
        )
        .expect("parses");
        let checked = lookup("import")
            .expect("registered")
            .check(&request)
            .expect("valid");
        let line = verbose_description("import", &checked);
        assert!(
            line.starts_with("starting import: database 'mgc' on sql01\\rtc"),
            "{line}"
        );
        assert!(line.contains("file 'p.zip'"), "{line}");
        assert!(!line.contains("hunter2"), "{line}");
    }

    #[test]
    fn import_is_a_job_whose_db_name_defaults_to_mgc() {
        let request = Request::parse(
            r#"{"operation":"import","params":{"connection":{"dbInstance":"sql01","user":"sa","password":"x"},"fileName":"p.zip"}}"#,
        )
        .expect("parses");
        let checked = lookup("import")
            .expect("registered")
            .check(&request)
            .expect("valid");
        assert_eq!(checked.db_name.as_deref(), Some("mgc"));
        assert_eq!(checked.file_name.as_deref(), Some("p.zip"));
    }

    #[test]
    fn verify_is_a_job_whose_validate_names_the_target_and_the_package() {
        let request = Request::parse(
            r#"{"operation":"verify","params":{"connection":{"dbInstance":"sql13","user":"sa","password":"x"},"fileName":"p.zip"}}"#,
        )
        .expect("parses");
        let checked = lookup("verify")
            .expect("registered")
            .check(&request)
            .expect("valid");
        assert_eq!(checked.db_name.as_deref(), Some("mgc"));
        assert_eq!(checked.file_name.as_deref(), Some("p.zip"));
        let no_source = Request::parse(
            r#"{"operation":"verify","params":{"connection":{"dbInstance":"sql13","user":"sa","password":"x"}}}"#,
        )
        .expect("parses");
        let refused = lookup("verify").expect("registered").check(&no_source);
        assert_eq!(refused.expect_err("no source").code(), "invalid_parameter");
    }

    #[test]
    fn client_access_is_a_job_whose_validate_names_the_target_and_checks_the_facts() {
        let request = Request::parse(
            r#"{"operation":"client_access","params":{"connection":{"dbInstance":"sql13","user":"sa","password":"x"},"facts":{"policies":[{"identity":"Global","enablePersistentChat":true}]}}}"#,
        )
        .expect("parses");
        let checked = lookup("client_access")
            .expect("registered")
            .check(&request)
            .expect("valid");
        assert_eq!(checked.db_name.as_deref(), Some("mgc"));
        let bad = Request::parse(
            r#"{"operation":"client_access","params":{"connection":{"dbInstance":"sql13","user":"sa","password":"x"},"facts":{"policies":[]}}}"#,
        )
        .expect("parses");
        let refused = lookup("client_access").expect("registered").check(&bad);
        assert!(refused
            .expect_err("no Global policy")
            .to_string()
            .contains("Global"));
    }
}
