//! The request router: every surface (C ABI, CLI, tests) goes through these functions, so they all behave alike.
//!
//! A request is `{"operation": "<name>", "params": {...}}`. Synchronous operations answer at once; job
//! operations return a [`Job`] the caller polls.

mod archive;
mod client_access;
mod databases;
mod export;
mod files;
mod import;
mod inspect;
mod legacy_clients;
mod migration_plan;
mod probe;
mod readiness;
pub mod registry;
mod validate;
mod verify;
mod version;

use crate::error::PcmError;
use crate::jobs::Job;
use serde::Deserialize;
use serde_json::{json, Value};
use zeroize::Zeroize;

pub use databases::{ChatDatabase, SkippedDatabase};
pub use inspect::{InspectParams, InspectResult};
pub use probe::{probe, DetectionSummary, ProbeParams, ProbeResult};
pub use registry::{Kind, OPERATIONS};
pub use validate::ValidateResult;
pub use version::{version_info, VersionInfo};

/// A parsed request. Its `params` may hold passwords (any `"password"` string): they are wiped when the request is
/// dropped, and `Debug` shows them as `***`. Operations take typed parameters from it ([`Request::params`]), whose
/// passwords are [`crate::connection::Secret`]s; the request itself lives only for the call or the job start.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub operation: String,
    #[serde(default)]
    pub params: Value,
}

impl Request {
    pub fn parse(json_text: &str) -> Result<Request, PcmError> {
        let value: Value =
            serde_json::from_str(json_text).map_err(|e| PcmError::InvalidJson(e.to_string()))?;
        Request::from_value(value)
    }

    pub fn from_value(value: Value) -> Result<Request, PcmError> {
        if !value.is_object() {
            return Err(PcmError::invalid_parameter(
                "request",
                "the request must be a JSON object {\"operation\": ..., \"params\": {...}}",
            ));
        }
        // Read in place, then wipe the caller's tree: a failed `from_value(value)` would drop it unwiped.
        let mut value = value;
        let request = Request::deserialize(&value).map_err(|e| {
            PcmError::invalid_parameter("request", format!("the request is malformed: {e}"))
        });
        wipe_passwords(&mut value);
        request
    }

    /// Deserializes `params` into the operation's parameter type, naming the operation in the error. Reads the
    /// params in place (no clone of the whole tree, which would be one more unwiped copy of each password).
    ///
    /// The params must be an object (or absent/null, meaning `{}`): serde would otherwise bind a JSON array to a
    /// struct's fields by position, so `["sql01"]` would be read as a connection to `sql01`.
    pub fn params<T: serde::de::DeserializeOwned>(&self) -> Result<T, PcmError> {
        let empty = json!({});
        let params = match &self.params {
            Value::Null => &empty,
            object @ Value::Object(_) => object,
            other => {
                return Err(PcmError::invalid_parameter(
                    "params",
                    format!(
                        "the parameters of '{}' must be a JSON object {{...}}, not {}",
                        self.operation,
                        crate::util::text::json_kind(other)
                    ),
                ))
            }
        };
        T::deserialize(params).map_err(|e| {
            PcmError::invalid_parameter(
                "params",
                format!("the parameters of '{}' are not valid: {e}", self.operation),
            )
        })
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        wipe_passwords(&mut self.params);
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut params = self.params.clone();
        visit_passwords(&mut params, &mut |text| *text = "***".to_string());
        f.debug_struct("Request")
            .field("operation", &self.operation)
            .field("params", &params)
            .finish()
    }
}

/// Zeroizes, in place, every string value under a `"password"` key (any case, any depth) of `value`.
pub fn wipe_passwords(value: &mut Value) {
    visit_passwords(value, &mut |text| text.zeroize());
}

fn visit_passwords(value: &mut Value, action: &mut dyn FnMut(&mut String)) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                match item {
                    Value::String(text) if key.eq_ignore_ascii_case("password") => action(text),
                    other => visit_passwords(other, action),
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| visit_passwords(item, action)),
        _ => {}
    }
}

/// Whether `name` is a registered job operation (the CLI's `request` routes on it).
pub fn is_job(name: &str) -> bool {
    registry::lookup(name).is_ok_and(|r| r.kind == Kind::Job)
}

/// Answers a synchronous request.
pub fn call(request: &Request) -> Result<Value, PcmError> {
    registry::lookup(&request.operation)?.call(request)
}

/// Starts a job request.
pub fn start_job(request: &Request) -> Result<Job, PcmError> {
    registry::lookup(&request.operation)?.start(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_requests_are_named() {
        assert_eq!(Request::parse("{").unwrap_err().code(), "invalid_json");
        assert_eq!(
            Request::parse("[]").unwrap_err().code(),
            "invalid_parameter"
        );
        assert_eq!(
            Request::parse(r#"{"params":{}}"#).unwrap_err().code(),
            "invalid_parameter"
        );
        let r = Request::parse(r#"{"operation":"nope"}"#).expect("parses");
        let e = call(&r).unwrap_err();
        assert_eq!(e.code(), "unknown_operation");
        for known in [
            "probe",
            "export",
            "inspect_package",
            "import",
            "version",
            "validate",
        ] {
            assert!(e.to_string().contains(known), "lists known operations: {e}");
        }
    }

    #[test]
    fn wrong_kind_of_call_says_so() {
        let r =
            Request::parse(r#"{"operation":"probe","params":{"dbInstance":"x"}}"#).expect("parses");
        assert!(call(&r).unwrap_err().to_string().contains("pcm_job_start"));
        let r = Request::parse(r#"{"operation":"version"}"#).expect("parses");
        assert!(start_job(&r)
            .err()
            .expect("refused")
            .to_string()
            .contains("pcm_call"));
    }

    #[test]
    fn a_secret_of_the_wrong_type_is_never_echoed() {
        for password in ["12345", "[1,2]", r#"{"a":"x"}"#, "7.5e3"] {
            for text in [
                format!(
                    r#"{{"operation":"probe","params":{{"dbInstance":"sql01","user":"sa","password":{password}}}}}"#
                ),
                format!(
                    r#"{{"operation":"export","params":{{"connection":{{"dbInstance":"sql01","user":"sa","password":{password}}},"fileName":"x.zip"}}}}"#
                ),
            ] {
                let request = Request::parse(&text).expect("parses");
                let via_job = start_job(&request).err().expect("refused");
                let wrapped = format!(r#"{{"operation":"validate","params":{text}}}"#);
                let via_validate = call(&Request::parse(&wrapped).expect("parses")).unwrap_err();
                for error in [via_job, via_validate] {
                    let message = error.to_json().to_string();
                    assert_eq!(error.code(), "invalid_parameter");
                    assert!(message.contains("password"), "{message}");
                    for value in ["12345", "7.5", "7500", "[1", "\\\"x\\\"", "`"] {
                        assert!(!message.contains(value), "{value} echoed in {message}");
                    }
                }
            }
        }
    }

    #[test]
    fn validate_reports_the_problem_without_running() {
        let r = Request::parse(
            r#"{"operation":"validate","params":{"operation":"probe","params":{"dbInstance":"sql01,99999"}}}"#,
        )
        .expect("parses");
        let e = call(&r).unwrap_err();
        assert_eq!(e.code(), "invalid_db_instance");
        assert!(e.to_string().contains("99999"));
        let r = Request::parse(
            r#"{"operation":"validate","params":{"operation":"probe","params":{"dbInstance":"sql01\\rtc","user":"sa"}}}"#,
        )
        .expect("parses");
        let v = call(&r).expect("valid");
        assert_eq!(v["valid"], true);
        assert_eq!(v["authentication"], "SqlServer");
    }
}
