//! Typed errors of the library and their stable codes.
//!
//! Every error carries a stable snake_case `code` (the contract with PowerShell runbooks, which may branch on it),
//! an administrator-facing message, and optional structured `details`. Messages never contain passwords.

pub mod code;

pub use code::{ErrorCode, POWERSHELL_CATEGORIES};
use serde_json::{json, Value};

/// Errors the library reports. Codes returned by [`PcmError::code`] are stable across releases.
#[derive(Debug, thiserror::Error)]
pub enum PcmError {
    /// The request JSON could not be parsed at all.
    #[error("the request is not valid JSON: {0}")]
    InvalidJson(String),

    /// The request was well-formed JSON but a parameter is missing or wrong.
    #[error("{message}")]
    InvalidParameter { parameter: String, message: String },

    /// The request named an operation the library does not have (or asked a job operation synchronously).
    #[error("{0}")]
    UnknownOperation(String),

    /// The -DBInstance value cannot be understood.
    #[error("-DBInstance '{value}' is not valid: {reason}")]
    InvalidDbInstance { value: String, reason: String },

    /// The server could not be reached (DNS, TCP, SQL Server Browser).
    #[error("cannot reach SQL Server '{instance}': {reason}")]
    ConnectionFailed { instance: String, reason: String },

    /// An established connection broke (network, server restart, failover).
    #[error(
        "the connection to SQL Server broke ({0}): the server stopped or restarted, failed over, or the network \
         dropped. Once the server is reachable again, run the command again (an export or import resumes where \
         it stopped)"
    )]
    ConnectionLost(String),

    /// The TLS handshake failed.
    #[error("TLS with SQL Server '{instance}' failed: {reason}. {hint}")]
    TlsFailed {
        instance: String,
        reason: String,
        hint: String,
    },

    /// The server refused the login.
    #[error("SQL Server '{instance}' refused the login: {reason}")]
    LoginFailed { instance: String, reason: String },

    /// A statement named a database that does not exist or that the login may not open (SQL Server 911 on
    /// `USE`). Same code as the login-time form of this failure (4060, [`PcmError::LoginFailed`]), so runbooks
    /// see one code for "wrong -DBName" however the server reports it.
    #[error(
        "{message} Check -DBName (--db-name) and that the login has access to that database; run the probe \
         without -DBName to list the instance's chat databases"
    )]
    DatabaseUnavailable { number: u32, message: String },

    /// The requested authentication method is not available in this build or on this platform.
    #[error("{0}")]
    AuthenticationUnavailable(String),

    /// A statement failed on the server.
    #[error("SQL Server error {number} (state {state}, class {class}): {message}")]
    Sql {
        number: u32,
        state: u8,
        class: u8,
        message: String,
    },

    /// A connect or command timeout expired.
    #[error("{0}")]
    Timeout(String),

    /// A statement waited longer than the server's lock timeout for a lock another session holds (SQL Server
    /// 1222). Same code as [`PcmError::Timeout`]: a command that ran out of -CommandTimeoutSeconds while
    /// blocked is the same fault seen from the client.
    #[error(
        "SQL Server error {number}: {message} A statement waited too long for a lock that another session \
         holds on the same table (another administrative tool, a Persistent Chat server, or a transaction left \
         open in Management Studio). Find it with sp_who2 or sys.dm_exec_requests (blocking_session_id), let it \
         finish or end it, then run the command again (an import resumes where it stopped)"
    )]
    LockTimeout { number: u32, message: String },

    /// The database is not a chat database of a known kind.
    #[error("{0}")]
    NotAChatDatabase(String),

    /// A value in the source database cannot be exported as it is (the message names the object).
    #[error("{0}")]
    InvalidSourceData(String),

    /// A migration package is damaged, incomplete, or not one this version can read.
    #[error("package '{path}' cannot be used: {message}")]
    InvalidPackage { path: String, message: String },

    /// A file could not be read or written.
    #[error("{action} '{path}' failed: {message}")]
    Io {
        action: &'static str,
        path: String,
        message: String,
    },

    /// Another export holds the lock on this package (its lock file is named).
    #[error("another export is writing '{package}' (it holds the lock file '{lock}'); wait for it to finish, or write another file")]
    PackageInUse { package: String, lock: String },

    /// The import plan has errors (collisions under `-ConflictAction Fail`, names too long, unknown principal
    /// types, an invalid name map...): nothing was written. The message lists them with their fixes.
    #[error("{0}")]
    ImportRefused(String),

    /// The target cannot be written now: Persistent Chat servers are running (without -Force), or another
    /// holder has the admin lock (`tblAdminLock`). The message names the servers or the holder.
    #[error("{0}")]
    TargetNotReady(String),

    /// A resumed import found a room (or other item) in a state it cannot reconcile with the package; the
    /// message names the item and what differs.
    #[error("{0}")]
    TargetStateConflict(String),

    /// The operation was cancelled by the caller.
    #[error("the operation was cancelled")]
    Cancelled,

    /// The job runtime (threads) could not be created.
    #[error("the job runtime could not be started: {0}")]
    RuntimeUnavailable(String),

    /// An error already rendered once (kept so a job's result can be read more than once).
    #[error("{message}")]
    Reported {
        code: ErrorCode,
        message: String,
        details: Value,
    },

    /// A failure inside the library that is not the caller's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

impl PcmError {
    /// Shorthand for a parameter error.
    pub fn invalid_parameter(parameter: impl Into<String>, message: impl Into<String>) -> Self {
        PcmError::InvalidParameter {
            parameter: parameter.into(),
            message: message.into(),
        }
    }

    /// A file operation that failed, naming the file.
    pub fn io(action: &'static str, path: &std::path::Path, error: impl std::fmt::Display) -> Self {
        PcmError::Io {
            action,
            path: path.display().to_string(),
            message: error.to_string(),
        }
    }

    /// The same error (same code and details) with the object it concerns named first, e.g.
    /// `room 'Sales\Q3' (nodeID 412): the connection broke: ...`.
    pub fn about(self, object: &str) -> PcmError {
        match self {
            PcmError::Cancelled => PcmError::Cancelled,
            other => PcmError::Reported {
                code: other.code(),
                message: format!("{object}: {other}"),
                details: other.details(),
            },
        }
    }

    /// The stable machine-readable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            PcmError::InvalidJson(_) => ErrorCode::InvalidJson,
            PcmError::InvalidParameter { .. } => ErrorCode::InvalidParameter,
            PcmError::UnknownOperation(_) => ErrorCode::UnknownOperation,
            PcmError::InvalidDbInstance { .. } => ErrorCode::InvalidDbInstance,
            PcmError::ConnectionFailed { .. } | PcmError::ConnectionLost(_) => {
                ErrorCode::ConnectionFailed
            }
            PcmError::TlsFailed { .. } => ErrorCode::TlsFailed,
            PcmError::LoginFailed { .. } => ErrorCode::LoginFailed,
            PcmError::DatabaseUnavailable { .. } => ErrorCode::DatabaseNotFound,
            PcmError::AuthenticationUnavailable(_) => ErrorCode::AuthenticationUnavailable,
            PcmError::Sql { .. } => ErrorCode::SqlError,
            PcmError::Timeout(_) | PcmError::LockTimeout { .. } => ErrorCode::Timeout,
            PcmError::NotAChatDatabase(_) => ErrorCode::NotAChatDatabase,
            PcmError::InvalidSourceData(_) => ErrorCode::InvalidSourceData,
            PcmError::InvalidPackage { .. } => ErrorCode::InvalidPackage,
            PcmError::Io { .. } => ErrorCode::IoError,
            PcmError::PackageInUse { .. } => ErrorCode::PackageInUse,
            PcmError::ImportRefused(_) => ErrorCode::ImportRefused,
            PcmError::TargetNotReady(_) => ErrorCode::TargetNotReady,
            PcmError::TargetStateConflict(_) => ErrorCode::TargetStateConflict,
            PcmError::Cancelled => ErrorCode::Cancelled,
            PcmError::RuntimeUnavailable(_) => ErrorCode::RuntimeUnavailable,
            PcmError::Reported { code, .. } => *code,
            PcmError::Internal(_) => ErrorCode::InternalError,
        }
    }

    /// Structured details for the error envelope.
    pub fn details(&self) -> Value {
        match self {
            PcmError::InvalidParameter { parameter, .. } => json!({ "parameter": parameter }),
            PcmError::InvalidDbInstance { value, reason } => {
                json!({ "value": value, "reason": reason })
            }
            PcmError::ConnectionFailed { instance, .. }
            | PcmError::LoginFailed { instance, .. } => json!({ "instance": instance }),
            PcmError::TlsFailed { instance, hint, .. } => {
                json!({ "instance": instance, "hint": hint })
            }
            PcmError::InvalidPackage { path, .. } | PcmError::Io { path, .. } => {
                json!({ "path": path })
            }
            PcmError::Sql {
                number,
                state,
                class,
                ..
            } => json!({ "number": number, "state": state, "class": class }),
            PcmError::DatabaseUnavailable { number, .. } | PcmError::LockTimeout { number, .. } => {
                json!({ "number": number })
            }
            PcmError::PackageInUse { package, lock } => {
                json!({ "path": package, "lockFile": lock })
            }
            PcmError::Reported { details, .. } => details.clone(),
            _ => Value::Object(Default::default()),
        }
    }

    /// The message as people see it: names from databases and packages inside it have their control
    /// characters shown as escapes (`\u{1b}`), so a hostile name cannot drive the terminal of whoever reads it.
    pub fn display_message(&self) -> String {
        crate::util::text::escape_control(&self.to_string()).into_owned()
    }

    /// The error as the `error` member of a response envelope: `code`, `category` (the PowerShell
    /// ErrorCategory of the code, see [`ErrorCode`]), `message`, `details`. The message is the [`display_message`]
    /// (PowerShell and the CLI print it as it is); `details` keep the exact values for scripts.
    ///
    /// [`display_message`]: PcmError::display_message
    pub fn to_json(&self) -> Value {
        let code = self.code();
        json!({
            "code": code,
            "category": code.powershell_category(),
            "message": self.display_message(),
            "details": self.details(),
        })
    }
}

/// Result alias used throughout the library.
pub type Result<T> = std::result::Result<T, PcmError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_show_control_characters_as_escapes_and_details_stay_exact() {
        let hostile = "Sales\u{1b}[31m\u{1b}]0;owned\u{7}\u{202e}";
        let error =
            PcmError::invalid_parameter("Room", format!("-Room '{hostile}' matches no room"))
                .about(&format!("room '{hostile}'"));
        let envelope = error.to_json();
        let message = envelope["message"].as_str().expect("message");
        assert!(
            !message.chars().any(crate::util::text::is_unsafe_char),
            "{message:?}"
        );
        assert!(message.contains("Sales\\u{1b}[31m\\u{1b}]0;owned\\u{7}\\u{202e}"));
        assert!(!error
            .display_message()
            .chars()
            .any(crate::util::text::is_unsafe_char));
        let io = PcmError::io("reading", std::path::Path::new(hostile), "gone");
        assert_eq!(io.to_json()["details"]["path"], hostile);
    }
}
