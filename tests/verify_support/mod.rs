//! Support for the verify suites: a generated Lync 2010 deployment exported and imported into a fresh `mgc`
//! (through the real export and import operations), verify params for either source, and running verify.
#![allow(dead_code)]

use crate::apply_support::{self, export, fresh_target, import_operation, write_name_map};
use crate::common::{fresh_dir, unique_db_name, TestServer};
use chat_fixtures::{DatabaseKind, Schema, Size};
use pchat_migrate::verify::VerifyResult;
use pchat_migrate::PcmError;
use serde_json::{json, Value};
use std::path::PathBuf;

/// A legacy deployment, its package and name map, and a target the package was imported into.
pub struct Migrated {
    pub server: TestServer,
    pub source: String,
    pub package: PathBuf,
    pub names: PathBuf,
    pub target: String,
    pub dir: PathBuf,
}

pub async fn migrated(name: &str, seed: u64) -> Migrated {
    migrated_with(name, seed, false).await.0
}

/// [`migrated`], the export run with `-StartDate` at the source's median message date when `start_date`; the
/// date is returned as given to the export.
pub async fn migrated_with(name: &str, seed: u64, start_date: bool) -> (Migrated, Option<String>) {
    let server = TestServer::start();
    let dir = fresh_dir("verify", name);
    let source = unique_db_name("verify_src");
    let mut admin = server.admin("master").await;
    let schema = Schema::from(DatabaseKind::Legacy2010);
    chat_fixtures::create_database_as(&mut admin, &source, schema)
        .await
        .expect("legacy schema");
    let model = chat_fixtures::generate_model(seed, Size::Tiny);
    chat_fixtures::write_schema(&mut admin, &model, schema)
        .await
        .expect("legacy data");
    let start = if start_date {
        let count =
            apply_support::scalar(&server, &source, "SELECT COUNT(*) FROM dbo.tblChat").await;
        let ticks = apply_support::scalar(
            &server,
            &source,
            &format!(
                "SELECT MAX(chatDate) FROM (SELECT TOP {} chatDate FROM dbo.tblChat ORDER BY chatDate) AS t",
                count / 2
            ),
        )
        .await;
        pchat_migrate::util::ticks::ticks_to_iso(ticks)
    } else {
        None
    };
    let package = match &start {
        None => export(&server, &source, &dir).await,
        Some(start) => {
            let file = dir.join("source.pcmpkg");
            let request = json!({"operation": "export", "params": {
                "connection": server.connection_params(Some(&source)),
                "fileName": file.display().to_string(),
                "startDate": start,
            }});
            let (result, _) = tokio::task::spawn_blocking(move || crate::common::run_job(request))
                .await
                .expect("join");
            result.expect("export with -StartDate");
            file
        }
    };
    let names = dir.join("names.json");
    write_name_map(&package, &names);
    let target = fresh_target(&server).await;
    Box::pin(import_operation(&server, &target, &package, &names))
        .await
        .expect("import");
    (
        Migrated {
            server,
            source,
            package,
            names,
            target,
            dir,
        },
        start,
    )
}

impl Migrated {
    /// The verify params from the package (`extra` fields added).
    pub fn params_package(&self, extra: Value) -> Value {
        let mut p = json!({
            "connection": self.server.connection_params(Some(&self.target)),
            "fileName": self.package.display().to_string(),
            "nameMapFile": self.names.display().to_string(),
        });
        for (k, v) in extra.as_object().expect("object") {
            p[k] = v.clone();
        }
        p
    }

    /// The verify params from the legacy database.
    pub fn params_database(&self, extra: Value) -> Value {
        let mut p = json!({
            "connection": self.server.connection_params(Some(&self.target)),
            "sourceConnection": self.server.connection_params(Some(&self.source)),
            "nameMapFile": self.names.display().to_string(),
        });
        for (k, v) in extra.as_object().expect("object") {
            p[k] = v.clone();
        }
        p
    }

    pub async fn exec(&self, sql: &str) {
        let mut admin = self.server.admin(&self.target).await;
        admin
            .simple_query(sql)
            .await
            .expect(sql)
            .into_results()
            .await
            .expect(sql);
    }

    /// A single integer (or text) the target answers.
    pub async fn scalar(&self, sql: &str) -> i64 {
        apply_support::scalar(&self.server, &self.target, sql).await
    }

    pub async fn text(&self, sql: &str) -> String {
        let mut admin = self.server.admin(&self.target).await;
        let row = admin
            .simple_query(sql)
            .await
            .expect(sql)
            .into_row()
            .await
            .expect(sql)
            .expect("a row");
        row.get::<&str, _>(0).expect("text").to_string()
    }
}

/// Runs `verify` as a host does; a request refused before the job starts is its error too.
pub async fn verify(params: Value) -> Result<VerifyResult, PcmError> {
    let request = json!({"operation": "verify", "params": params});
    let value = tokio::task::spawn_blocking(move || {
        let request = pchat_migrate::operations::Request::from_value(request).expect("well-formed");
        let job = pchat_migrate::operations::start_job(&request)?;
        job.wait(|_| {})
    })
    .await
    .expect("join")?;
    Ok(serde_json::from_value(value).expect("a VerifyResult"))
}
