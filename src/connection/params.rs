//! Connection parameters as the request carries them, and their validation into settings the connector uses.

use super::instance::DbInstance;
use crate::error::PcmError;
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::sync::Arc;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// How to authenticate to SQL Server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Authentication {
    /// Integrated Windows authentication (SSPI) as the current user. Windows only.
    Windows,
    /// A SQL Server login (user and password).
    SqlServer,
    /// NTLM with explicit Windows credentials (`DOMAIN\user` and password).
    Ntlm,
}

/// Transport encryption, from strictest to none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
pub enum Encryption {
    /// TDS 8.0: TLS before any TDS traffic (SQL Server 2022+).
    Strict,
    /// TLS for the whole session; fail if the server cannot (the default).
    #[default]
    Mandatory,
    /// TLS for the login at least; the session is encrypted only if the server requires it.
    Optional,
    /// No TLS at all, not even for the login. Only for isolated test networks: the password crosses the wire
    /// merely obfuscated.
    Plaintext,
}

/// A password that never appears in Debug output, logs or error messages, and whose text is wiped (zeroized) when
/// the last holder drops it. Clones share one buffer through an `Arc`: a job's workers and per-connection configs
/// hold the same copy, never one each. The `zeroize` crate (already in the tree through tiberius and rustls) does
/// the wiping with volatile writes the optimizer cannot drop; see docs/secrets.md for why not `secrecy`.
#[derive(Clone, Default)]
pub struct Secret(Arc<SecretText>);

/// The one owned copy of a password's text; zeroized on drop (and by [`Zeroize::zeroize`]).
#[derive(Default)]
pub(crate) struct SecretText(String);

impl Zeroize for SecretText {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for SecretText {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for SecretText {}

impl SecretText {
    /// The bytes of the buffer's whole allocation (length and spare capacity), for tests that check the wipe.
    #[cfg(test)]
    pub(crate) fn allocation(&self) -> (*const u8, usize) {
        (self.0.as_ptr(), self.0.capacity())
    }
}

impl Secret {
    /// Takes ownership of `value` without copying it (the caller's String becomes the one zeroized buffer).
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::new(SecretText(value.into())))
    }
    /// The password, for the one moment it is handed to the login (tiberius' `AuthMethod`).
    pub fn expose(&self) -> &str {
        &self.0 .0
    }
    /// How many holders share this buffer (tests: workers must share, not copy).
    #[cfg(test)]
    pub(crate) fn holders(&self) -> usize {
        Arc::strong_count(&self.0)
    }
    #[cfg(test)]
    pub(crate) fn into_text(self) -> Option<SecretText> {
        Arc::into_inner(self.0)
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// serde's own type errors quote the value ("invalid type: integer `12345`, expected a string"), which for a
/// password would put it into an error message and a log. This visitor accepts only strings and words every
/// refusal without the value.
struct SecretVisitor;

impl SecretVisitor {
    fn refuse<E: serde::de::Error>(what: &str) -> Result<Secret, E> {
        Err(E::custom(format!(
            "the password must be a JSON string, but {what} was given (its value is not shown)"
        )))
    }
}

impl<'de> serde::de::Visitor<'de> for SecretVisitor {
    type Value = Secret;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a password string")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Secret, E> {
        // `to_string` allocates exactly `v.len()` bytes, so the buffer never reallocates (which would leave an
        // un-wiped copy behind).
        Ok(Secret::new(v.to_string()))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Secret, E> {
        Ok(Secret::new(v))
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Secret, E> {
        Self::refuse("a boolean")
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Secret, E> {
        Self::refuse("a number")
    }
    fn visit_i128<E: serde::de::Error>(self, _: i128) -> Result<Secret, E> {
        Self::refuse("a number")
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Secret, E> {
        Self::refuse("a number")
    }
    fn visit_u128<E: serde::de::Error>(self, _: u128) -> Result<Secret, E> {
        Self::refuse("a number")
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Secret, E> {
        Self::refuse("a number")
    }
    fn visit_char<E: serde::de::Error>(self, v: char) -> Result<Secret, E> {
        Ok(Secret::new(v.to_string()))
    }
    fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<Secret, E> {
        Self::refuse("binary data")
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Secret, E> {
        Self::refuse("null")
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Secret, E> {
        Self::refuse("null")
    }
    fn visit_some<D: Deserializer<'de>>(self, _: D) -> Result<Secret, D::Error> {
        Self::refuse("an optional value")
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, _: D) -> Result<Secret, D::Error> {
        Self::refuse("a structure")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
        Self::refuse("a list")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
        Self::refuse("an object")
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
        Self::refuse("an enumeration")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `deserialize_any`: with `deserialize_string`, serde_json words the type error itself, quoting the value.
        deserializer.deserialize_any(SecretVisitor)
    }
}

fn default_connect_timeout() -> u32 {
    15
}
fn default_command_timeout() -> u32 {
    30
}
fn default_retry_count() -> u32 {
    2
}

/// The connection part of a request (camelCase JSON, unknown fields refused so a typo is not silently ignored).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionParams {
    pub db_instance: String,
    #[serde(default)]
    pub db_name: Option<String>,
    #[serde(default)]
    pub authentication: Option<Authentication>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password: Option<Secret>,
    #[serde(default)]
    pub encryption: Encryption,
    #[serde(default)]
    pub trust_server_certificate: bool,
    /// PEM/DER file of a CA to trust besides the system store (e.g. an enterprise CA not in the store).
    #[serde(default)]
    pub ca_certificate_path: Option<String>,
    /// Name expected in the server certificate when it differs from the host typed in -DBInstance.
    #[serde(default)]
    pub host_name_in_certificate: Option<String>,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_seconds: u32,
    /// 0 means no limit.
    #[serde(default = "default_command_timeout")]
    pub command_timeout_seconds: u32,
    /// How often a transient connection failure is retried (with backoff).
    #[serde(default = "default_retry_count")]
    pub connect_retry_count: u32,
}

/// Validated connection settings.
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    pub instance: DbInstance,
    /// The text the administrator typed, for messages.
    pub instance_text: String,
    pub database: Option<String>,
    pub credentials: Credentials,
    pub encryption: Encryption,
    pub trust_server_certificate: bool,
    pub ca_certificate_path: Option<String>,
    pub host_name_in_certificate: Option<String>,
    pub connect_timeout_seconds: u32,
    pub command_timeout_seconds: u32,
    pub connect_retry_count: u32,
}

/// Resolved credentials.
#[derive(Debug, Clone)]
pub enum Credentials {
    Integrated,
    SqlLogin { user: String, password: Secret },
    Ntlm { user: String, password: Secret },
}

impl Credentials {
    pub fn authentication(&self) -> Authentication {
        match self {
            Credentials::Integrated => Authentication::Windows,
            Credentials::SqlLogin { .. } => Authentication::SqlServer,
            Credentials::Ntlm { .. } => Authentication::Ntlm,
        }
    }
}

/// Longest database name SQL Server accepts (sysname).
const MAX_DATABASE_NAME: usize = 128;

impl ConnectionParams {
    /// Checks every field and resolves defaults; errors name the parameter as the cmdlets call it.
    pub fn validate(&self) -> Result<ConnectionSettings, PcmError> {
        let instance = DbInstance::parse(&self.db_instance)?;
        let database = match self.db_name.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) if name.chars().count() > MAX_DATABASE_NAME => {
                return Err(PcmError::invalid_parameter(
                    "DBName",
                    format!(
                        "-DBName has {} characters; SQL Server allows at most 128",
                        name.chars().count()
                    ),
                ))
            }
            Some(name) if name.contains('\0') => {
                return Err(PcmError::invalid_parameter(
                    "DBName",
                    "-DBName contains a NUL character",
                ))
            }
            Some(name) => Some(name.to_string()),
        };
        let user = self
            .user
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        let authentication = self.authentication.unwrap_or(if user.is_some() {
            Authentication::SqlServer
        } else {
            Authentication::Windows
        });
        let credentials = match authentication {
            Authentication::Windows => {
                if user.is_some() {
                    return Err(PcmError::invalid_parameter(
                        "Authentication",
                        "Windows authentication uses the identity of the current user; do not give a user name \
                         (use -Authentication Ntlm for explicit Windows credentials, or SqlServer for a SQL login)",
                    ));
                }
                if !cfg!(windows) {
                    return Err(PcmError::AuthenticationUnavailable(
                        "Windows integrated authentication is only available on Windows; here give a SQL login \
                         (-Credential) or use -Authentication Ntlm with explicit Windows credentials"
                            .to_string(),
                    ));
                }
                Credentials::Integrated
            }
            Authentication::SqlServer | Authentication::Ntlm => {
                let Some(user) = user else {
                    return Err(PcmError::invalid_parameter(
                        "Credential",
                        format!(
                            "{authentication:?} authentication needs a user name (-Credential)"
                        ),
                    ));
                };
                let password = self.password.clone().unwrap_or_default();
                if authentication == Authentication::SqlServer {
                    Credentials::SqlLogin {
                        user: user.to_string(),
                        password,
                    }
                } else {
                    if !cfg!(any(windows, feature = "ntlm")) {
                        return Err(PcmError::AuthenticationUnavailable(
                            "NTLM authentication is not built into this copy of the library on this platform \
                             (build with the 'ntlm' feature, or use a SQL login)"
                                .to_string(),
                        ));
                    }
                    Credentials::Ntlm {
                        user: user.to_string(),
                        password,
                    }
                }
            }
        };
        if self.connect_timeout_seconds == 0 || self.connect_timeout_seconds > 600 {
            return Err(PcmError::invalid_parameter(
                "ConnectTimeoutSeconds",
                "-ConnectTimeoutSeconds must be between 1 and 600",
            ));
        }
        if self.connect_retry_count > 10 {
            return Err(PcmError::invalid_parameter(
                "ConnectRetryCount",
                "-ConnectRetryCount must be between 0 and 10",
            ));
        }
        if let Some(path) = &self.ca_certificate_path {
            if !std::path::Path::new(path).is_file() {
                return Err(PcmError::invalid_parameter(
                    "CACertificatePath",
                    format!("the CA certificate file '{path}' does not exist"),
                ));
            }
        }
        Ok(ConnectionSettings {
            instance,
            instance_text: self.db_instance.trim().to_string(),
            database,
            credentials,
            encryption: self.encryption,
            trust_server_certificate: self.trust_server_certificate,
            ca_certificate_path: self.ca_certificate_path.clone(),
            host_name_in_certificate: self.host_name_in_certificate.clone(),
            connect_timeout_seconds: self.connect_timeout_seconds,
            command_timeout_seconds: self.command_timeout_seconds,
            connect_retry_count: self.connect_retry_count,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(value: serde_json::Value) -> ConnectionParams {
        serde_json::from_value(value).expect("params parse")
    }

    #[test]
    fn sql_login_is_the_default_when_a_user_is_given() {
        let s = params(json!({"dbInstance": "sql01\\rtc", "user": "sa", "password": "pw"}))
            .validate()
            .expect("valid");
        assert!(matches!(s.credentials, Credentials::SqlLogin { ref user, .. } if user == "sa"));
        assert_eq!(s.encryption, Encryption::Mandatory);
        assert_eq!(s.connect_timeout_seconds, 15);
        assert_eq!(s.command_timeout_seconds, 30);
    }

    #[test]
    fn windows_authentication_without_user() {
        let result = params(json!({"dbInstance": "sql01"})).validate();
        if cfg!(windows) {
            assert!(matches!(
                result.expect("valid").credentials,
                Credentials::Integrated
            ));
        } else {
            assert_eq!(
                result.expect_err("unavailable").code(),
                "authentication_unavailable"
            );
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err =
            serde_json::from_value::<ConnectionParams>(json!({"dbInstance": "a", "dbNmae": "x"}))
                .expect_err("typo refused");
        assert!(err.to_string().contains("dbNmae"));
    }

    #[test]
    fn password_never_prints() {
        let p = params(json!({"dbInstance": "a", "user": "u", "password": "hunter2"}));
        assert!(!format!("{p:?}").contains("hunter2"));
        let s = p.validate().expect("valid");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn copies_of_the_settings_share_one_password_buffer() {
        let p = params(json!({"dbInstance": "a", "user": "u", "password": "hunter2"}));
        let settings = p.validate().expect("valid");
        // One per worker, as a job would make them.
        let workers: Vec<ConnectionSettings> = (0..4).map(|_| settings.clone()).collect();
        let Credentials::SqlLogin { password, .. } = &settings.credentials else {
            panic!("a SQL login")
        };
        // params, settings and the four workers: one buffer, six holders.
        assert_eq!(password.holders(), 6);
        assert_eq!(
            password.expose().as_ptr(),
            p.password.as_ref().expect("set").expose().as_ptr()
        );
        drop(workers);
        assert_eq!(password.holders(), 2);
    }

    #[test]
    fn a_password_of_the_wrong_type_is_refused_without_its_value() {
        for (password, what) in [
            (json!(12345), "a number"),
            (json!(-98765), "a number"),
            (json!(3.25), "a number"),
            (json!(true), "a boolean"),
            (json!([1, 2]), "a list"),
            (json!({"a": "x"}), "an object"),
        ] {
            let error = serde_json::from_value::<ConnectionParams>(
                json!({"dbInstance": "a", "user": "u", "password": password}),
            )
            .expect_err("refused")
            .to_string();
            assert!(
                error.contains("password") && error.contains(what),
                "{error}"
            );
            for value in [
                "12345", "98765", "3.25", "true", "[1", "\"a\"", "\"x\"", "`",
            ] {
                assert!(!error.contains(value), "{value} echoed in: {error}");
            }
        }
        // A null password is the same as none.
        let p = params(json!({"dbInstance": "a", "user": "u", "password": null}));
        assert!(p.password.is_none());
    }

    #[test]
    fn bad_values_name_the_parameter() {
        let e = params(json!({"dbInstance": "a", "user": "u", "dbName": "x".repeat(129)}))
            .validate()
            .expect_err("too long");
        assert!(e.to_string().contains("-DBName"));
        let e = params(json!({"dbInstance": "a", "user": "u", "connectTimeoutSeconds": 0}))
            .validate()
            .expect_err("zero timeout");
        assert!(e.to_string().contains("ConnectTimeoutSeconds"));
        let e = params(json!({"dbInstance": "a", "authentication": "SqlServer"}))
            .validate()
            .expect_err("no user");
        assert!(e.to_string().contains("-Credential"));
        let e = params(json!({"dbInstance": ""}))
            .validate()
            .expect_err("empty");
        assert_eq!(e.code(), "invalid_db_instance");
    }
}
