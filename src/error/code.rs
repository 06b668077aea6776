//! The stable error codes: one table gives each its snake_case code, its C status, its PowerShell error
//! category and the exit code of the `pchat-migrate` CLI, so the four cannot drift. The codes are the contract
//! with runbooks (they branch on them), the statuses with C hosts, the categories with PowerShell's
//! `$Error[0].CategoryInfo`, the exit codes with shell scripts (docs/cli.md).

use crate::ffi::pcm_status::{self, *};
use serde::{Serialize, Serializer};

macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident => $code:literal, $status:ident, $category:ident, $exit:ident;)*) => {
        /// Every stable error code the library (and its C boundary) reports.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[doc = $doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in table order (complete by construction: the enum and this list are one table).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The snake_case code of the error envelope.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The `pcm_status` a C function returns with this code.
            pub fn c_status(self) -> pcm_status {
                match self {
                    $(ErrorCode::$variant => $status,)*
                }
            }

            /// The name of the System.Management.Automation.ErrorCategory PowerShell files this code under.
            pub fn powershell_category(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => stringify!($category),)*
                }
            }

            /// The exit code `pchat-migrate` ends with when the operation fails with this code ([`exit`]).
            pub fn cli_exit_code(self) -> u8 {
                match self {
                    $(ErrorCode::$variant => exit::$exit,)*
                }
            }
        }
    };
}

/// The exit codes of the `pchat-migrate` CLI (docs/cli.md lists them; README repeats them). Failures come from
/// [`ErrorCode::cli_exit_code`]; the result-based ones (3, 5) are decided by the CLI from a result that ran.
pub mod exit {
    /// The operation succeeded.
    pub const SUCCESS: u8 = 0;
    /// The operation failed for a reason not listed below (the error and its code are printed).
    pub const FAILED: u8 = 1;
    /// Invalid arguments or parameters: nothing ran.
    pub const INVALID_INPUT: u8 = 2;
    /// It ran but is incomplete: copy-files left a file conflicting or failed, a legacy-client plan is blocked.
    pub const INCOMPLETE: u8 = 3;
    /// SQL Server could not be reached or signed in to (network, TLS, login, the database cannot be opened) or
    /// did not answer in time: worth retrying once the cause is fixed.
    pub const CONNECTION_FAILED: u8 = 4;
    /// Verify ran and found an item not Verified (a mismatch, a missing or an extra item).
    pub const VERIFICATION_MISMATCH: u8 = 5;
    /// Cancelled (Ctrl+C), as shells report SIGINT (128 + 2).
    pub const CANCELLED: u8 = 130;
}

error_codes! {
    /// The request is not JSON.
    InvalidJson => "invalid_json", PCM_STATUS_INVALID_JSON, InvalidArgument, INVALID_INPUT;
    /// A parameter is missing or wrong.
    InvalidParameter => "invalid_parameter", PCM_STATUS_INVALID_REQUEST, InvalidArgument, INVALID_INPUT;
    /// No such operation, or a job operation called synchronously (or the reverse).
    UnknownOperation => "unknown_operation", PCM_STATUS_UNKNOWN_OPERATION, NotImplemented, INVALID_INPUT;
    /// -DBInstance cannot be understood.
    InvalidDbInstance => "invalid_db_instance", PCM_STATUS_INVALID_REQUEST, InvalidArgument, INVALID_INPUT;
    /// The server cannot be reached, or the connection broke.
    ConnectionFailed => "connection_failed", PCM_STATUS_OPERATION_FAILED, ConnectionError, CONNECTION_FAILED;
    /// The TLS handshake failed.
    TlsFailed => "tls_failed", PCM_STATUS_OPERATION_FAILED, ConnectionError, CONNECTION_FAILED;
    /// The server refused the login.
    LoginFailed => "login_failed", PCM_STATUS_OPERATION_FAILED, AuthenticationError, CONNECTION_FAILED;
    /// -DBName names no database the login may open.
    DatabaseNotFound => "database_not_found", PCM_STATUS_OPERATION_FAILED, ObjectNotFound, CONNECTION_FAILED;
    /// The authentication method is not available in this build or on this platform.
    AuthenticationUnavailable => "authentication_unavailable", PCM_STATUS_INVALID_REQUEST, InvalidArgument, INVALID_INPUT;
    /// A statement failed on the server.
    SqlError => "sql_error", PCM_STATUS_OPERATION_FAILED, InvalidOperation, FAILED;
    /// A connect or command timeout expired.
    Timeout => "timeout", PCM_STATUS_OPERATION_FAILED, OperationTimeout, CONNECTION_FAILED;
    /// The database is not a chat database of a known kind.
    NotAChatDatabase => "not_a_chat_database", PCM_STATUS_OPERATION_FAILED, InvalidData, FAILED;
    /// A source value cannot be exported as it is.
    InvalidSourceData => "invalid_source_data", PCM_STATUS_OPERATION_FAILED, InvalidData, FAILED;
    /// A package is damaged, incomplete or of an unknown format.
    InvalidPackage => "invalid_package", PCM_STATUS_OPERATION_FAILED, InvalidData, FAILED;
    /// A file could not be read or written.
    IoError => "io_error", PCM_STATUS_OPERATION_FAILED, ResourceUnavailable, FAILED;
    /// Another export holds the package's lock.
    PackageInUse => "package_in_use", PCM_STATUS_OPERATION_FAILED, ResourceBusy, FAILED;
    /// The import plan has errors; nothing was written.
    ImportRefused => "import_refused", PCM_STATUS_OPERATION_FAILED, InvalidData, FAILED;
    /// Persistent Chat servers are running, or another holder has the admin lock.
    TargetNotReady => "target_not_ready", PCM_STATUS_OPERATION_FAILED, ResourceBusy, FAILED;
    /// A resumed import found an item it cannot reconcile with the package.
    TargetStateConflict => "target_state_conflict", PCM_STATUS_OPERATION_FAILED, InvalidData, FAILED;
    /// The caller cancelled.
    Cancelled => "cancelled", PCM_STATUS_CANCELLED, OperationStopped, CANCELLED;
    /// The job runtime could not be started.
    RuntimeUnavailable => "runtime_unavailable", PCM_STATUS_RUNTIME, ResourceUnavailable, FAILED;
    /// A failure inside the library that is not the caller's fault.
    InternalError => "internal_error", PCM_STATUS_OPERATION_FAILED, NotSpecified, FAILED;
    /// C boundary: a required pointer argument is NULL.
    NullArgument => "null_argument", PCM_STATUS_NULL_ARGUMENT, InvalidArgument, FAILED;
    /// C boundary: a string argument is not UTF-8.
    InvalidUtf8 => "invalid_utf8", PCM_STATUS_INVALID_UTF8, InvalidArgument, FAILED;
    /// C boundary: the job handle is NULL, freed, or foreign.
    InvalidHandle => "invalid_handle", PCM_STATUS_INVALID_HANDLE, InvalidOperation, FAILED;
    /// C boundary: the job has not ended yet.
    JobRunning => "job_running", PCM_STATUS_JOB_RUNNING, ResourceBusy, FAILED;
    /// C boundary: the job has ended (and every event was delivered).
    JobFinished => "job_finished", PCM_STATUS_JOB_FINISHED, InvalidOperation, FAILED;
    /// C boundary: a panic was caught.
    InternalPanic => "internal_panic", PCM_STATUS_PANIC, InvalidOperation, FAILED;
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Every name of System.Management.Automation.ErrorCategory (PowerShell 5.1 and 7).
pub const POWERSHELL_CATEGORIES: &[&str] = &[
    "NotSpecified",
    "OpenError",
    "CloseError",
    "DeviceError",
    "DeadlockDetected",
    "InvalidArgument",
    "InvalidData",
    "InvalidOperation",
    "InvalidResult",
    "InvalidType",
    "MetadataError",
    "NotImplemented",
    "NotInstalled",
    "ObjectNotFound",
    "OperationStopped",
    "OperationTimeout",
    "SyntaxError",
    "ParserError",
    "PermissionDenied",
    "ResourceBusy",
    "ResourceExists",
    "ResourceUnavailable",
    "ReadError",
    "WriteError",
    "FromStdErr",
    "SecurityError",
    "ProtocolError",
    "ConnectionError",
    "AuthenticationError",
    "LimitsExceeded",
    "QuotaExceeded",
    "NotEnabled",
];

/// The table of docs/c-abi.md ("Error codes"), as Markdown rows.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| code | C status | PowerShell category | CLI exit code |\n|---|---|---|---|\n",
    );
    for code in ErrorCode::ALL {
        out.push_str(&format!(
            "| `{}` | `{:?}` | `{}` | {} |\n",
            code.as_str(),
            code.c_status(),
            code.powershell_category(),
            code.cli_exit_code()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} appears twice");
            assert!(
                !text.is_empty()
                    && !text.starts_with('_')
                    && !text.ends_with('_')
                    && !text.contains("__")
                    && text
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{text} is not snake_case"
            );
            assert_eq!(code.to_string(), text);
            assert_eq!(
                serde_json::to_value(code).expect("serializes"),
                serde_json::json!(text)
            );
        }
    }

    #[test]
    fn every_status_is_a_named_failure_status() {
        for code in ErrorCode::ALL {
            let status = code.c_status();
            assert_ne!(status, PCM_STATUS_OK, "{code} maps to OK");
            let name = crate::ffi::status_name(status as i32);
            assert!(
                name.starts_with("PCM_STATUS_") && name != "PCM_STATUS_UNKNOWN",
                "{code}: {status:?} has no name"
            );
            assert_eq!(name, format!("{status:?}"), "{code}");
        }
    }

    #[test]
    fn invalid_input_connection_failure_and_cancel_have_distinct_exit_codes() {
        let exit = |code: ErrorCode| code.cli_exit_code();
        assert_eq!(exit(ErrorCode::InvalidParameter), exit::INVALID_INPUT);
        assert_eq!(exit(ErrorCode::InvalidDbInstance), exit::INVALID_INPUT);
        for code in [
            ErrorCode::ConnectionFailed,
            ErrorCode::TlsFailed,
            ErrorCode::LoginFailed,
            ErrorCode::Timeout,
        ] {
            assert_eq!(exit(code), exit::CONNECTION_FAILED, "{code}");
        }
        assert_eq!(exit(ErrorCode::Cancelled), exit::CANCELLED);
        assert_eq!(exit(ErrorCode::SqlError), exit::FAILED);
        let all = [
            exit::SUCCESS,
            exit::FAILED,
            exit::INVALID_INPUT,
            exit::INCOMPLETE,
            exit::CONNECTION_FAILED,
            exit::VERIFICATION_MISMATCH,
            exit::CANCELLED,
        ];
        let distinct: std::collections::BTreeSet<u8> = all.into_iter().collect();
        assert_eq!(distinct.len(), all.len(), "two outcomes share an exit code");
        for code in ErrorCode::ALL {
            assert_ne!(exit(*code), exit::SUCCESS, "{code} would exit 0");
        }
    }

    #[test]
    fn every_category_is_a_powershell_error_category() {
        assert_eq!(POWERSHELL_CATEGORIES.len(), 32);
        for code in ErrorCode::ALL {
            assert!(
                POWERSHELL_CATEGORIES.contains(&code.powershell_category()),
                "{code}: '{}' is not an ErrorCategory",
                code.powershell_category()
            );
        }
    }

    #[test]
    fn the_boundary_statuses_keep_their_codes() {
        for (code, status) in [
            (ErrorCode::InvalidJson, PCM_STATUS_INVALID_JSON),
            (ErrorCode::InvalidParameter, PCM_STATUS_INVALID_REQUEST),
            (ErrorCode::InvalidDbInstance, PCM_STATUS_INVALID_REQUEST),
            (
                ErrorCode::AuthenticationUnavailable,
                PCM_STATUS_INVALID_REQUEST,
            ),
            (ErrorCode::UnknownOperation, PCM_STATUS_UNKNOWN_OPERATION),
            (ErrorCode::Cancelled, PCM_STATUS_CANCELLED),
            (ErrorCode::RuntimeUnavailable, PCM_STATUS_RUNTIME),
            (ErrorCode::SqlError, PCM_STATUS_OPERATION_FAILED),
            (ErrorCode::NullArgument, PCM_STATUS_NULL_ARGUMENT),
            (ErrorCode::InvalidUtf8, PCM_STATUS_INVALID_UTF8),
            (ErrorCode::InvalidHandle, PCM_STATUS_INVALID_HANDLE),
            (ErrorCode::JobRunning, PCM_STATUS_JOB_RUNNING),
            (ErrorCode::JobFinished, PCM_STATUS_JOB_FINISHED),
            (ErrorCode::InternalPanic, PCM_STATUS_PANIC),
        ] {
            assert_eq!(code.c_status(), status, "{code}");
        }
    }
}
