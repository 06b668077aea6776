//! Opening a TDS session: address resolution (incl. SQL Server Browser), TLS, login, timeouts, retries, and
//! errors worded for an administrator.

use super::params::{ConnectionSettings, Credentials, Encryption};
use crate::error::PcmError;
use std::time::Duration;
use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

/// A TDS session with the server.
pub type SqlClient = Client<Compat<TcpStream>>;

/// An open connection and what is known about how it was made.
pub struct SqlConnection {
    pub client: SqlClient,
    /// Whether the session is encrypted beyond the login.
    pub encrypted: bool,
    /// How many attempts it took.
    pub attempts: u32,
}

/// Application name shown in sys.dm_exec_sessions, so DBAs can see who is connected.
const APPLICATION_NAME: &str = concat!("pchat-migrate ", env!("CARGO_PKG_VERSION"));

/// Builds the tiberius configuration for the settings, optionally overriding the database.
pub fn build_config(
    settings: &ConnectionSettings,
    database: Option<&str>,
) -> Result<Config, PcmError> {
    let mut config = Config::new();
    config.host(&settings.instance.host);
    if settings.instance.needs_browser() {
        // No port: tiberius asks the SQL Server Browser (UDP 1434) for the instance's port.
        if let Some(instance) = &settings.instance.instance {
            config.instance_name(instance);
        }
    } else {
        config.port(settings.instance.effective_port());
    }
    if let Some(db) = database.or(settings.database.as_deref()) {
        config.database(db);
    }
    config.application_name(APPLICATION_NAME);
    config.encryption(match settings.encryption {
        Encryption::Strict => EncryptionLevel::Strict,
        Encryption::Mandatory => EncryptionLevel::Required,
        Encryption::Optional => EncryptionLevel::Off,
        Encryption::Plaintext => EncryptionLevel::NotSupported,
    });
    if settings.trust_server_certificate {
        config.trust_cert();
    } else if let Some(path) = &settings.ca_certificate_path {
        config.trust_cert_ca(path);
    }
    if let Some(name) = &settings.host_name_in_certificate {
        config.hostname_in_certificate(name);
    }
    config.handshake_timeout(Some(Duration::from_secs(
        settings.connect_timeout_seconds.into(),
    )));
    config.command_timeout(match settings.command_timeout_seconds {
        0 => None,
        seconds => Some(Duration::from_secs(seconds.into())),
    });
    config.authentication(auth_method(&settings.credentials)?);
    Ok(config)
}

fn auth_method(credentials: &Credentials) -> Result<AuthMethod, PcmError> {
    match credentials {
        Credentials::SqlLogin { user, password } => {
            Ok(AuthMethod::sql_server(user, password.expose()))
        }
        // Windows builds always carry tiberius' `winauth` (SSPI) through the target-specific dependency.
        #[cfg(windows)]
        Credentials::Integrated => Ok(AuthMethod::Integrated),
        #[cfg(windows)]
        Credentials::Ntlm { user, password } => Ok(AuthMethod::windows(user, password.expose())),
        #[cfg(all(unix, feature = "ntlm"))]
        Credentials::Ntlm { user, password } => Ok(AuthMethod::windows(user, password.expose())),
        #[allow(unreachable_patterns)]
        other => Err(PcmError::AuthenticationUnavailable(format!(
            "{:?} authentication is not built into this copy of the library on this platform",
            other.authentication()
        ))),
    }
}

/// Connects, retrying transient failures with exponential backoff (1 s, 2 s, 4 s, ...).
pub async fn connect(
    settings: &ConnectionSettings,
    database: Option<&str>,
) -> Result<SqlConnection, PcmError> {
    let started = std::time::Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        match connect_once(settings, database).await {
            Ok((client, encrypted)) => {
                return Ok(SqlConnection {
                    client,
                    encrypted,
                    attempts: attempt,
                })
            }
            Err(failure) if failure.transient && attempt <= settings.connect_retry_count => {
                tokio::time::sleep(Duration::from_secs(1 << (attempt - 1).min(5))).await;
            }
            Err(ConnectFailure {
                timed_out: Some(timeout),
                ..
            }) => {
                return Err(PcmError::Timeout(timeout_message(
                    settings,
                    &timeout,
                    attempt,
                    started.elapsed(),
                )))
            }
            Err(failure) => return Err(failure.error),
        }
    }
}

struct ConnectFailure {
    error: PcmError,
    transient: bool,
    /// Set when the attempt ran out of -ConnectTimeoutSeconds; the final message is worded by [`connect`],
    /// which knows how many attempts there were and how long they took together.
    timed_out: Option<TimedOut>,
}

impl ConnectFailure {
    fn new(error: PcmError, transient: bool) -> Self {
        ConnectFailure {
            error,
            transient,
            timed_out: None,
        }
    }
}

/// What did not finish in time, and what to check.
struct TimedOut {
    what: &'static str,
    hint: &'static str,
}

const TIMEOUT_HINT: &str =
    "check the server name, that TCP/IP is enabled on the instance, and the firewall";

/// "the login to SQL Server 'x' did not finish: gave up after 3 attempts of 15 s each (48 s in all, with the
/// waits between attempts)". A single attempt says "within 15 s"; several never claim one timeout was all.
fn timeout_message(
    settings: &ConnectionSettings,
    timeout: &TimedOut,
    attempts: u32,
    elapsed: Duration,
) -> String {
    let per_attempt = settings.connect_timeout_seconds;
    let limit = if attempts <= 1 {
        format!("did not finish within {per_attempt} s (-ConnectTimeoutSeconds)")
    } else {
        format!(
            "did not finish: gave up after {attempts} attempts of {per_attempt} s each ({} s in all, with the \
             waits between attempts; -ConnectTimeoutSeconds, -ConnectRetryCount)",
            elapsed.as_secs_f64().round()
        )
    };
    format!(
        "{} to SQL Server '{}' {limit}; {}",
        timeout.what, settings.instance_text, timeout.hint
    )
}

async fn connect_once(
    settings: &ConnectionSettings,
    database: Option<&str>,
) -> Result<(SqlClient, bool), ConnectFailure> {
    let config =
        build_config(settings, database).map_err(|error| ConnectFailure::new(error, false))?;
    let instance = settings.instance_text.clone();
    let timeout = Duration::from_secs(settings.connect_timeout_seconds.into());
    let timed_out = |what: &'static str| {
        let timeout = TimedOut {
            what,
            hint: TIMEOUT_HINT,
        };
        ConnectFailure {
            error: PcmError::Timeout(timeout_message(settings, &timeout, 1, Duration::ZERO)),
            transient: true,
            timed_out: Some(timeout),
        }
    };
    let tcp = match tokio::time::timeout(timeout, open_tcp(&config, settings)).await {
        Err(_) => return Err(timed_out("the TCP connection")),
        Ok(Err(failure)) => return Err(failure),
        Ok(Ok(tcp)) => tcp,
    };
    let _ = tcp.set_nodelay(true);
    let encrypted = !matches!(
        settings.encryption,
        Encryption::Plaintext | Encryption::Optional
    );
    match tokio::time::timeout(timeout, Client::connect(config, tcp.compat_write())).await {
        Err(_) => Err(timed_out("the login")),
        Ok(Ok(client)) => Ok((client, encrypted)),
        Ok(Err(tiberius::error::Error::Routing { host, port })) => Err(ConnectFailure::new(
            PcmError::ConnectionFailed {
                instance,
                reason: format!("the server redirected the connection to {host},{port}; connect to that address"),
            },
            false,
        )),
        Ok(Err(error)) => Err(classify_login_error(settings, error)),
    }
}

async fn open_tcp(
    config: &Config,
    settings: &ConnectionSettings,
) -> Result<TcpStream, ConnectFailure> {
    let instance = settings.instance_text.clone();
    if settings.instance.needs_browser() {
        use tiberius::SqlBrowser;
        return TcpStream::connect_named(config).await.map_err(|e| {
            ConnectFailure::new(
                PcmError::ConnectionFailed {
                    instance,
                    reason: format!(
                        "the SQL Server Browser (UDP 1434) did not give the port of instance '{}': {e}. Start \
                         the SQL Server Browser service or give the port as 'host,port'",
                        settings.instance.instance.as_deref().unwrap_or_default()
                    ),
                },
                false,
            )
        });
    }
    let address = format!(
        "{}:{}",
        settings.instance.host,
        settings.instance.effective_port()
    );
    let address = if settings.instance.host.contains(':') {
        format!(
            "[{}]:{}",
            settings.instance.host,
            settings.instance.effective_port()
        )
    } else {
        address
    };
    TcpStream::connect(&address).await.map_err(|e| {
        let transient = matches!(
            e.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
        );
        let reason = match e.kind() {
            std::io::ErrorKind::ConnectionRefused => format!(
                "nothing accepts connections on {address} (connection refused); check that SQL Server runs, that \
                 TCP/IP is enabled and the port is right"
            ),
            _ => format!("{address}: {e}"),
        };
        ConnectFailure::new(PcmError::ConnectionFailed { instance, reason }, transient)
    })
}

/// SQL Server error numbers after which a new attempt may succeed.
const TRANSIENT_SERVER_ERRORS: &[u32] =
    &[233, 4060, 10053, 10054, 10060, 40197, 40501, 40613, 49918];

fn classify_login_error(
    settings: &ConnectionSettings,
    error: tiberius::error::Error,
) -> ConnectFailure {
    use tiberius::error::Error;
    let instance = settings.instance_text.clone();
    match error {
        Error::Server(token) if token.code() == 18456 || token.code() == 18452 || token.code() == 18470 => {
            ConnectFailure {
                error: PcmError::LoginFailed {
                    instance,
                    reason: format!(
                        "{} (error {}). Check the user name and password, that SQL Server accepts this kind of \
                         login, and that the login is enabled",
                        token.message(),
                        token.code()
                    ),
                },
                transient: false,
                timed_out: None,
            }
        }
        Error::Server(token) if UNKNOWN_DATABASE_ERRORS.contains(&token.code()) => ConnectFailure {
            error: PcmError::DatabaseUnavailable {
                number: token.code(),
                message: format!(
                    "SQL Server '{instance}' refused the login: {}",
                    token.message()
                ),
            },
            transient: false,
            timed_out: None,
        },
        Error::Server(token) => ConnectFailure {
            transient: TRANSIENT_SERVER_ERRORS.contains(&token.code()),
            timed_out: None,
            error: PcmError::Sql {
                number: token.code(),
                state: token.state(),
                class: token.class(),
                message: token.message().to_string(),
            },
        },
        Error::Tls(reason) => ConnectFailure {
            error: PcmError::TlsFailed {
                instance,
                hint: tls_hint(settings, &reason),
                reason: short_tls_reason(&reason),
            },
            transient: false,
            timed_out: None,
        },
        // The server dropped the connection inside the TLS handshake: the classic symptom of SQL Server 2008 R2 /
        // 2012 without TLS 1.2 support (tiberius issue 274: "tls handshake eof").
        Error::Io { kind, message }
            if settings.encryption != Encryption::Plaintext
                && kind != std::io::ErrorKind::TimedOut
                && (message.to_ascii_lowercase().contains("handshake") || message.contains("close_notify")) =>
        {
            ConnectFailure {
                error: PcmError::TlsFailed {
                    instance,
                    hint: tls_hint(settings, "handshake eof"),
                    reason: format!("the server closed the connection during the TLS handshake ({message})"),
                },
                transient: false,
                timed_out: None,
            }
        }
        Error::Protocol(message) if message.contains("encryption level") => ConnectFailure {
            error: PcmError::TlsFailed {
                instance,
                reason: message.to_string(),
                hint: "The server does not offer encryption. Configure a certificate on SQL Server (SQL Server \
                       Configuration Manager > Protocols > Certificate), or, on an isolated network only, use \
                       -Encryption Optional"
                    .to_string(),
            },
            transient: false,
            timed_out: None,
        },
        Error::Io {
            kind: std::io::ErrorKind::TimedOut,
            ..
        } => {
            let timeout = TimedOut {
                what: "the login",
                hint: "the server accepted the connection but did not complete the pre-login, TLS handshake and \
                       login; check that this is a SQL Server port and that nothing in between intercepts TLS",
            };
            ConnectFailure {
                error: PcmError::Timeout(timeout_message(settings, &timeout, 1, Duration::ZERO)),
                transient: true,
                timed_out: Some(timeout),
            }
        }
        Error::Io { kind, message } => ConnectFailure {
            transient: matches!(
                kind,
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::TimedOut
                    | std::io::ErrorKind::UnexpectedEof
            ),
            timed_out: None,
            error: PcmError::ConnectionFailed {
                instance,
                reason: format!("the connection broke during the login: {message}"),
            },
        },
        other => ConnectFailure {
            error: PcmError::ConnectionFailed {
                instance,
                reason: other.to_string(),
            },
            transient: false,
            timed_out: None,
        },
    }
}

/// tiberius' certificate messages name its Rust API (`Config::trust_cert()`, ...), which means nothing to an
/// administrator; keep only what was wrong with the certificate.
fn short_tls_reason(reason: &str) -> String {
    const MARKER: &str = "certificate was rejected during the TLS handshake: ";
    match reason.find(MARKER) {
        Some(at) => {
            let rest = &reason[at + MARKER.len()..];
            let what = rest
                .split(". ")
                .next()
                .unwrap_or(rest)
                .trim_end_matches('.');
            format!("the server's certificate was rejected ({what})")
        }
        None => reason.to_string(),
    }
}

/// The fix to name when a TLS handshake fails.
fn tls_hint(settings: &ConnectionSettings, reason: &str) -> String {
    let lower = reason.to_ascii_lowercase();
    if lower.contains("certificate")
        || lower.contains("unknownissuer")
        || lower.contains("not valid for name")
    {
        if settings.trust_server_certificate {
            "The certificate was refused even with -TrustServerCertificate; check -HostNameInCertificate".to_string()
        } else {
            "The server's certificate is not trusted by this machine or does not carry the server's name. Install \
             the issuing CA in the trusted root store (or pass -CACertificatePath), connect with the name in the \
             certificate, or, if you accept the risk, use -TrustServerCertificate"
                .to_string()
        }
    } else {
        "SQL Server 2008 R2 and 2012 without the TLS 1.2 update often fail TLS handshakes from modern clients \
         ('handshake eof'). Install the SQL Server TLS 1.2 update (KB3135244), or use a build of this library with \
         native TLS (SChannel on Windows, feature 'native-tls'); on an isolated network -Encryption Optional \
         encrypts only the login"
            .to_string()
    }
}

/// SQL Server errors that mean "no such database, or not for this login": 4060 at login ("Cannot open
/// database ... requested by the login"), 911 when a statement such as `USE` names it ("Database 'x' does not
/// exist").
const UNKNOWN_DATABASE_ERRORS: &[u32] = &[911, 4060];

/// SQL Server's "Lock request time out period exceeded".
const LOCK_TIMEOUT_ERROR: u32 = 1222;

/// Turns a statement error into the library's error.
pub fn sql_error(error: tiberius::error::Error) -> PcmError {
    match error {
        tiberius::error::Error::Server(token)
            if UNKNOWN_DATABASE_ERRORS.contains(&token.code()) =>
        {
            PcmError::DatabaseUnavailable {
                number: token.code(),
                message: token.message().to_string(),
            }
        }
        tiberius::error::Error::Server(token) if token.code() == LOCK_TIMEOUT_ERROR => {
            PcmError::LockTimeout {
                number: token.code(),
                message: token.message().to_string(),
            }
        }
        tiberius::error::Error::Server(token) => PcmError::Sql {
            number: token.code(),
            state: token.state(),
            class: token.class(),
            message: token.message().to_string(),
        },
        tiberius::error::Error::Io { kind, message }
            if kind == std::io::ErrorKind::TimedOut
                || message.to_ascii_lowercase().contains("timed out") =>
        {
            PcmError::Timeout(command_timeout_message(&message))
        }
        tiberius::error::Error::Io { message, .. } => PcmError::ConnectionLost(message),
        other => PcmError::Internal(format!("protocol error: {other}")),
    }
}

/// A statement that ran out of -CommandTimeoutSeconds, worded for an administrator: tiberius' own message names
/// its Rust API (`Config::command_timeout`); only the limit it states ("within 2s") is kept.
fn command_timeout_message(tiberius_message: &str) -> String {
    let limit = tiberius_message
        .split_once("within ")
        .and_then(|(_, rest)| rest.split([' ', ';', ',']).next())
        .filter(|limit| limit.ends_with('s') && limit.starts_with(|c: char| c.is_ascii_digit()))
        .map(|limit| format!(" ({limit})"))
        .unwrap_or_default();
    format!(
        "SQL Server did not answer a statement within the command timeout{limit}: the server is overloaded, or \
         the statement waits for a lock that another session holds (find it with sp_who2 or \
         sys.dm_exec_requests, blocking_session_id). Raise -CommandTimeoutSeconds (--command-timeout-seconds; 0 \
         waits without limit) or end the blocking session, then run the command again (an export or import \
         resumes where it stopped)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::ConnectionParams;
    use serde_json::json;

    fn config_for(db_instance: &str) -> Config {
        let params: ConnectionParams = serde_json::from_value(
            json!({"dbInstance": db_instance, "user": "u", "password": "p"}),
        )
        .expect("params");
        build_config(&params.validate().expect("valid"), None).expect("config")
    }

    #[test]
    fn a_command_timeout_names_the_limit_and_the_parameter_not_the_rust_api() {
        let error = sql_error(tiberius::error::Error::Io {
            kind: std::io::ErrorKind::TimedOut,
            message: "the server did not send the next part of the command result within 2s (it may have \
                      stalled); adjust the bound with `Config::command_timeout`"
                .into(),
        });
        assert_eq!(error.code(), "timeout");
        let message = error.to_string();
        assert!(message.contains("command timeout (2s)"), "{message}");
        assert!(message.contains("-CommandTimeoutSeconds"), "{message}");
        assert!(!message.contains("Config::"), "{message}");
        let error = sql_error(tiberius::error::Error::Io {
            kind: std::io::ErrorKind::UnexpectedEof,
            message: "No more packets in the wire".into(),
        });
        assert_eq!(error.code(), "connection_failed");
        assert!(
            error.to_string().contains("run the command again"),
            "{error}"
        );
    }

    #[test]
    fn named_instances_go_through_the_browser_and_ports_win() {
        assert_eq!(config_for("sql01\\rtc").get_addr(), "sql01:1434");
        assert_eq!(config_for("sql01\\rtc,2000").get_addr(), "sql01:2000");
        assert_eq!(config_for("sql01").get_addr(), "sql01:1433");
        assert_eq!(config_for("tcp:sql01,1533").get_addr(), "sql01:1533");
    }
}
