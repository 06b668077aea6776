//! Syntax of what the Cs cmdlets take: SIP URIs (`sip:user@domain`, as New-CsPersistentChatEndpoint
//! -SipAddress requires) and FQDNs (`-PersistentChatPoolFqdn`). Comparisons are case-insensitive, as AD and
//! SIP treat these names.

use crate::error::PcmError;

/// A checked `sip:user@domain` address. `text` keeps the user part as given, with `sip:` and the domain in
/// lower case; `key` is the whole address in lower case, for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipUri {
    pub text: String,
    pub user: String,
    pub domain: String,
    pub key: String,
}

/// Characters allowed unescaped in the user part (RFC 3261 `unreserved` and the `user-unreserved` that cannot
/// start URI parameters or headers).
fn is_user_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.!~*'()&=+$,".contains(c)
}

/// Parses `value` as a SIP URI; `field` names it in the error (e.g. `sipAddresses[0]`).
pub fn parse_sip_uri(field: &str, value: &str) -> Result<SipUri, PcmError> {
    let bad = |why: String| {
        PcmError::invalid_parameter(
            field,
            format!(
                "{field} '{}' is not a SIP address: {why}. Write it as sip:user@domain, e.g. \
                 sip:ocschat@contoso.com",
                crate::util::text::escape_control(value)
            ),
        )
    };
    let rest = match value.get(..4) {
        Some(prefix) if prefix.eq_ignore_ascii_case("sip:") => &value[4..],
        _ => return Err(bad("it must start with 'sip:'".into())),
    };
    let Some((user, domain)) = rest.rsplit_once('@') else {
        return Err(bad("it has no '@' between the user and the domain".into()));
    };
    if user.is_empty() {
        return Err(bad("the user part before '@' is empty".into()));
    }
    check_user(user).map_err(bad)?;
    check_fqdn(domain).map_err(|why| bad(format!("its domain {why}")))?;
    let domain = domain.to_ascii_lowercase();
    let text = format!("sip:{user}@{domain}");
    Ok(SipUri {
        key: text.to_lowercase(),
        user: user.to_string(),
        domain,
        text,
    })
}

fn check_user(user: &str) -> Result<(), String> {
    let bytes = user.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = char::from(bytes[i]);
        if c == '%' {
            let hex = user.get(i + 1..i + 3).unwrap_or("");
            if hex.len() != 2 || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                return Err("a '%' in the user part is not followed by two hex digits".into());
            }
            i += 3;
            continue;
        }
        if !bytes[i].is_ascii() {
            return Err("the user part has a non-ASCII character (escape it as %HH)".into());
        }
        if !is_user_char(c) {
            let shown = if c.is_ascii_graphic() {
                format!("'{c}'")
            } else {
                format!("U+{:04X}", u32::from(c))
            };
            let why = match c {
                ';' | '?' => {
                    " (URI parameters and headers are not part of a lookup address)".to_string()
                }
                ' ' => " (no spaces)".to_string(),
                _ => String::new(),
            };
            return Err(format!("the user part has the character {shown}{why}"));
        }
        i += 1;
    }
    Ok(())
}

/// Checks FQDN syntax: dot-separated labels of letters, digits and hyphens (not at a label's ends), 1-63
/// characters each, at least two labels, 253 characters at most, no trailing dot. The error says what is
/// wrong, to be put after "it ..." / "its domain ...".
pub fn check_fqdn(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty".into());
    }
    if name.len() > 253 {
        return Err(format!("is {} characters long (253 at most)", name.len()));
    }
    if name.ends_with('.') {
        return Err(format!("'{name}' ends with a dot; leave the dot out"));
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return Err(format!(
            "'{}' is not fully qualified (e.g. pcpool.contoso.com)",
            crate::util::text::escape_control(name)
        ));
    }
    for label in labels {
        let valid = !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !valid {
            return Err(format!(
                "'{}' has the label '{}', which is not 1-63 letters, digits or inner hyphens",
                crate::util::text::escape_control(name),
                crate::util::text::escape_control(label)
            ));
        }
    }
    Ok(())
}

/// A checked FQDN in lower case; `field` names it in the error.
pub fn parse_fqdn(field: &str, value: &str) -> Result<String, PcmError> {
    check_fqdn(value).map_err(|why| {
        PcmError::invalid_parameter(
            field,
            format!("{field} is not a fully qualified domain name: it {why}"),
        )
    })?;
    Ok(value.to_ascii_lowercase())
}

/// A pool as Get-CsService -PersistentChatServer names it (`PersistentChatServer:<fqdn>`) or its plain FQDN,
/// as the FQDN in lower case.
pub fn parse_pool_identity(field: &str, value: &str) -> Result<String, PcmError> {
    const PREFIX: &str = "persistentchatserver:";
    let fqdn = match value.get(..PREFIX.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(PREFIX) => &value[PREFIX.len()..],
        _ => value,
    };
    parse_fqdn(field, fqdn)
}

/// Refuses control characters in a value that goes into a command line (one line, typed by people).
pub fn check_printable(field: &str, value: &str) -> Result<(), PcmError> {
    // C0 (tab and line breaks included), DEL, C1 and bidi controls.
    if value.chars().any(crate::util::text::is_unsafe_char) {
        return Err(PcmError::invalid_parameter(
            field,
            format!(
                "{field} '{}' contains control characters; give the value without them",
                crate::util::text::escape_control(value)
            ),
        ));
    }
    Ok(())
}
