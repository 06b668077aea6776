//! Checks the facts' syntax before any rule runs: a malformed value is an `invalid_parameter` error naming the
//! field (`sipAddresses[1]`, `owners[0].sipAddress`...), never a blocker, because the facts came from a program
//! (or a hand-written file) that must be fixed.

use super::facts::{LegacyClientFacts, OwnerKind, ReleaseMethod};
use super::syntax::{check_printable, parse_fqdn, parse_pool_identity, parse_sip_uri, SipUri};
use crate::error::PcmError;

/// The facts with every name checked and normalised.
#[derive(Debug, Clone)]
pub struct CheckedFacts {
    pub pool: String,
    /// As requested; empty when none was given.
    pub requested: Vec<SipUri>,
    /// In the order given; lower case; duplicates removed.
    pub sip_domains: Vec<String>,
    pub default_sip_domain: Option<String>,
    pub pools: Vec<String>,
    pub owners: Vec<CheckedOwner>,
    pub endpoints: Vec<CheckedEndpoint>,
    /// (fqdn, version) of the registrar pools gathered.
    pub registrar_pools: Vec<(String, u32)>,
    pub release_method: ReleaseMethod,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CheckedOwner {
    pub identity: String,
    pub sip: SipUri,
    pub enabled: bool,
    pub registrar_pool: Option<String>,
    pub kind: OwnerKind,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CheckedEndpoint {
    pub sip: SipUri,
    pub pool: String,
    pub name: String,
}

/// AD's limit for displayName (rangeUpper 256).
const MAX_DISPLAY_NAME: usize = 256;

pub fn check(facts: &LegacyClientFacts) -> Result<CheckedFacts, PcmError> {
    let pool = parse_fqdn("persistentChatPoolFqdn", &facts.persistent_chat_pool_fqdn)?;
    let (sip_domains, default_sip_domain) = check_domains(facts)?;
    let requested = check_requested(&facts.sip_addresses)?;
    let pools = facts
        .pools
        .iter()
        .enumerate()
        .map(|(i, p)| parse_pool_identity(&format!("pools[{i}]"), p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut owners = Vec::with_capacity(facts.owners.len());
    for (i, owner) in facts.owners.iter().enumerate() {
        let field = |name: &str| format!("owners[{i}].{name}");
        if owner.identity.trim().is_empty() {
            return Err(PcmError::invalid_parameter(
                field("identity"),
                format!(
                    "{} is empty: give the owner's distinguished name (Get-CsAdUser DistinguishedName)",
                    field("identity")
                ),
            ));
        }
        check_printable(&field("identity"), &owner.identity)?;
        let registrar_pool = match &owner.registrar_pool {
            Some(p) if !p.trim().is_empty() => Some(parse_fqdn(&field("registrarPool"), p)?),
            _ => None,
        };
        owners.push(CheckedOwner {
            identity: owner.identity.clone(),
            sip: parse_sip_uri(&field("sipAddress"), &owner.sip_address)?,
            enabled: owner.enabled,
            registrar_pool,
            kind: owner.object_kind,
            display_name: owner.display_name.clone(),
        });
    }
    let mut endpoints = Vec::with_capacity(facts.endpoints.len());
    for (i, endpoint) in facts.endpoints.iter().enumerate() {
        let sip = parse_sip_uri(&format!("endpoints[{i}].sipAddress"), &endpoint.sip_address)?;
        let pool = parse_fqdn(
            &format!("endpoints[{i}].persistentChatPoolFqdn"),
            &endpoint.persistent_chat_pool_fqdn,
        )?;
        // The host sends "" for a property it did not get.
        let given = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let name = given(&endpoint.distinguished_name)
            .or_else(|| given(&endpoint.display_name))
            .unwrap_or_else(|| sip.text.clone());
        endpoints.push(CheckedEndpoint { sip, pool, name });
    }
    let registrar_pools = facts
        .registrar_pools
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Ok((
                parse_fqdn(&format!("registrarPools[{i}].fqdn"), &r.fqdn)?,
                r.version,
            ))
        })
        .collect::<Result<Vec<_>, PcmError>>()?;
    Ok(CheckedFacts {
        pool,
        requested,
        sip_domains,
        default_sip_domain,
        pools,
        owners,
        endpoints,
        registrar_pools,
        release_method: facts.options.release_method,
        display_name: check_display_name(facts.options.display_name.as_deref())?,
    })
}

fn check_domains(facts: &LegacyClientFacts) -> Result<(Vec<String>, Option<String>), PcmError> {
    if facts.sip_domains.is_empty() {
        return Err(PcmError::invalid_parameter(
            "sipDomains",
            "sipDomains is empty: give every SIP domain of the deployment (Get-CsSipDomain), at least one",
        ));
    }
    let mut domains: Vec<String> = Vec::new();
    let mut default = None;
    for (i, domain) in facts.sip_domains.iter().enumerate() {
        let name = parse_fqdn(&format!("sipDomains[{i}].name"), &domain.name)?;
        if domain.is_default && default.is_none() {
            default = Some(name.clone());
        }
        if !domains.contains(&name) {
            domains.push(name);
        }
    }
    Ok((domains, default))
}

fn check_requested(addresses: &[String]) -> Result<Vec<SipUri>, PcmError> {
    let mut requested: Vec<SipUri> = Vec::with_capacity(addresses.len());
    for (i, address) in addresses.iter().enumerate() {
        let field = format!("sipAddresses[{i}]");
        let sip = parse_sip_uri(&field, address)?;
        if requested.iter().any(|r| r.key == sip.key) {
            return Err(PcmError::invalid_parameter(
                field.clone(),
                format!(
                    "{field} '{}' is listed twice (SIP addresses compare case-insensitively); give each once",
                    sip.text
                ),
            ));
        }
        requested.push(sip);
    }
    Ok(requested)
}

fn check_display_name(name: Option<&str>) -> Result<Option<String>, PcmError> {
    let Some(name) = name else { return Ok(None) };
    let field = "options.displayName";
    if name.trim().is_empty() {
        return Err(PcmError::invalid_parameter(
            field,
            "options.displayName is empty: leave it out for no display name, or give one",
        ));
    }
    check_printable(field, name)?;
    if name.chars().count() > MAX_DISPLAY_NAME {
        return Err(PcmError::invalid_parameter(
            field,
            format!(
                "options.displayName is {} characters long; Active Directory allows {MAX_DISPLAY_NAME}",
                name.chars().count()
            ),
        ));
    }
    Ok(Some(name.to_string()))
}
