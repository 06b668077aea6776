//! `-DBInstance` as the Lync Server cmdlets take it: `host`, `host\instance`, `host,port`, `tcp:host,port`.

use crate::error::PcmError;
use std::fmt;

/// Port SQL Server listens on when no port and no named instance is given.
pub const DEFAULT_PORT: u16 = 1433;

/// Longest SQL Server instance name (SQL Server setup enforces 16 characters).
const MAX_INSTANCE_NAME: usize = 16;

/// A parsed `-DBInstance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbInstance {
    /// Host name or IP address; `.`, `(local)` and `localhost` become `localhost`.
    pub host: String,
    /// Named instance (`host\instance`), resolved through the SQL Server Browser unless a port is given.
    pub instance: Option<String>,
    /// Explicit TCP port (`host,port`); takes precedence over the instance name, as in ADO.NET.
    pub port: Option<u16>,
}

impl DbInstance {
    /// Parses the value an administrator typed.
    pub fn parse(value: &str) -> Result<DbInstance, PcmError> {
        let invalid = |reason: &str| PcmError::InvalidDbInstance {
            value: value.to_string(),
            reason: reason.to_string(),
        };
        let text = value.trim();
        if text.is_empty() {
            return Err(invalid("it is empty; give a server name such as 'sql01', 'sql01\\GroupChat' or 'sql01,1433'"));
        }
        let text = match text.split_once(':') {
            Some((prefix, rest)) if prefix.eq_ignore_ascii_case("tcp") => rest,
            Some((prefix, _))
                if ["np", "lpc", "admin"]
                    .iter()
                    .any(|p| prefix.eq_ignore_ascii_case(p)) =>
            {
                return Err(invalid(
                    "only TCP connections are supported; use 'tcp:host,port' or 'host\\instance'",
                ))
            }
            _ => text,
        };
        if text.matches(',').count() > 1 {
            return Err(invalid(
                "it has more than one ','; only one port may follow the server name, as in 'sql01,1433' or \
                 'sql01\\GroupChat,1433'",
            ));
        }
        let (rest, port) = match text.rsplit_once(',') {
            Some((rest, port_text)) => (
                rest,
                Some(parse_port(port_text.trim()).map_err(|r| invalid(&r))?),
            ),
            None => (text, None),
        };
        let (host, instance) = match rest.split_once('\\') {
            Some((host, instance)) => (host.trim(), Some(instance.trim())),
            None => (rest.trim(), None),
        };
        if host.is_empty() {
            return Err(invalid("the server name before '\\' or ',' is missing"));
        }
        if let Some(bad) = host
            .chars()
            .find(|c| c.is_whitespace() || *c == '\\' || *c == '/' || *c == ',')
        {
            let what = match bad {
                '\\' => {
                    "a second '\\' (only one instance name may follow the server name)".to_string()
                }
                '/' => "'/' (write 'host\\instance' with a backslash)".to_string(),
                c if c.is_whitespace() => "a space or other white space".to_string(),
                c => format!("'{c}'"),
            };
            return Err(invalid(&format!("the server name contains {what}")));
        }
        let host = if host == "."
            || host.eq_ignore_ascii_case("(local)")
            || host.eq_ignore_ascii_case("localhost")
        {
            "localhost".to_string()
        } else {
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_string()
        };
        let instance = match instance {
            None => None,
            Some("") => return Err(invalid("the instance name after '\\' is missing")),
            Some(name) if name.len() > MAX_INSTANCE_NAME => {
                return Err(invalid("an instance name has at most 16 characters"))
            }
            Some(name)
                if name.chars().any(|c| {
                    c.is_whitespace()
                        || matches!(c, '\\' | ',' | ':' | ';' | '\'' | '&' | '@' | '/')
                }) =>
            {
                return Err(invalid(
                    "the instance name contains a character SQL Server does not allow",
                ))
            }
            // MSSQLSERVER is the default instance's name: connect as to the default instance.
            Some(name) if name.eq_ignore_ascii_case("MSSQLSERVER") => None,
            Some(name) => Some(name.to_string()),
        };
        Ok(DbInstance {
            host,
            instance,
            port,
        })
    }

    /// The port to connect to when no browser lookup is needed.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(DEFAULT_PORT)
    }

    /// True when the port must come from the SQL Server Browser (UDP 1434).
    pub fn needs_browser(&self) -> bool {
        self.instance.is_some() && self.port.is_none()
    }
}

fn parse_port(text: &str) -> Result<u16, String> {
    match text.parse::<u32>() {
        Ok(port) if (1..=65535).contains(&port) => Ok(port as u16),
        Ok(_) => Err(format!("port {text} is outside 1-65535")),
        Err(_) if text.is_empty() => Err("the port after ',' is missing".to_string()),
        Err(_) => Err(format!("'{text}' is not a port number")),
    }
}

impl fmt::Display for DbInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.host)?;
        if let Some(instance) = &self.instance {
            write!(f, "\\{instance}")?;
        }
        if let Some(port) = self.port {
            write!(f, ",{port}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> DbInstance {
        DbInstance::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn reason(text: &str) -> String {
        match DbInstance::parse(text) {
            Err(PcmError::InvalidDbInstance { reason, .. }) => reason,
            other => panic!("{text}: expected an invalid_db_instance error, got {other:?}"),
        }
    }

    #[test]
    fn accepts_the_cs_cmdlet_forms() {
        assert_eq!(
            ok("sql01"),
            DbInstance {
                host: "sql01".into(),
                instance: None,
                port: None
            }
        );
        assert_eq!(
            ok("sql01.contoso.com\\GroupChat"),
            DbInstance {
                host: "sql01.contoso.com".into(),
                instance: Some("GroupChat".into()),
                port: None
            }
        );
        assert_eq!(
            ok("sql01,14330"),
            DbInstance {
                host: "sql01".into(),
                instance: None,
                port: Some(14330)
            }
        );
        assert_eq!(
            ok("tcp:sql01,1533"),
            DbInstance {
                host: "sql01".into(),
                instance: None,
                port: Some(1533)
            }
        );
        assert_eq!(
            ok("TCP:10.0.0.5"),
            DbInstance {
                host: "10.0.0.5".into(),
                instance: None,
                port: None
            }
        );
        assert_eq!(ok(" sql01\\rtc , 2000 ").port, Some(2000));
        assert_eq!(ok("sql01\\rtc,2000").instance.as_deref(), Some("rtc"));
        assert!(!ok("sql01\\rtc,2000").needs_browser());
        assert!(ok("sql01\\rtc").needs_browser());
    }

    #[test]
    fn local_aliases_and_default_instance_name() {
        assert_eq!(ok(".").host, "localhost");
        assert_eq!(ok("(local)\\SQLEXPRESS").host, "localhost");
        assert_eq!(ok("sql01\\MSSQLSERVER").instance, None);
        assert_eq!(ok("[::1],1433").host, "::1");
        assert_eq!(ok("sql01").effective_port(), DEFAULT_PORT);
    }

    #[test]
    fn rejects_bad_input_with_a_reason() {
        assert!(reason("").contains("empty"));
        assert!(reason("   ").contains("empty"));
        assert!(reason("\\\\").contains("server name"));
        assert!(reason("\\rtc").contains("server name"));
        assert!(reason("sql01\\").contains("instance name"));
        assert!(reason("sql01,").contains("port"));
        assert!(reason("sql01,0").contains("outside"));
        assert!(reason("sql01,70000").contains("outside"));
        assert!(reason("sql01,abc").contains("not a port"));
        assert!(reason("sql01\\averyveryverylonginstancename").contains("16"));
        assert!(reason("np:\\\\sql01\\pipe\\sql\\query").contains("TCP"));
        assert!(reason("sql 01").contains("space"));
        assert!(reason("sql01\\a\\b").contains("instance name"));
        assert!(reason("sql/01").contains("'/'"));
    }

    #[test]
    fn more_than_one_comma_is_named_as_such() {
        for text in ["a,1,2", "sql01\\rtc,1433,1434", "a,,1"] {
            let why = reason(text);
            assert!(why.contains("more than one ','"), "{text}: {why}");
            assert!(
                !why.contains("space") && !why.contains("'\\'"),
                "{text}: {why}"
            );
        }
        let why = reason("a,1x");
        assert!(why.contains("'1x' is not a port number"), "{why}");
    }

    #[test]
    fn displays_canonically() {
        assert_eq!(ok("tcp:sql01\\rtc,2000").to_string(), "sql01\\rtc,2000");
        assert_eq!(ok("sql01").to_string(), "sql01");
    }
}
