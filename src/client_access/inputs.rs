//! Checks the facts before any rule runs: a malformed or inconsistent fact is an `invalid_parameter` error naming
//! the field (`users[3].sipAddress`, `policies[1].identity`...), because the program (or the hand-written file)
//! that gathered it must be fixed; the deployment's state is never an error.

use super::facts::ClientAccessFacts;
use crate::error::PcmError;
use crate::legacy_clients::syntax::{parse_fqdn, parse_sip_uri};
use std::collections::{BTreeSet, HashMap};

/// A policy as resolved: its identity as given and whether it enables Persistent Chat.
#[derive(Debug, Clone)]
pub struct Policy {
    pub identity: String,
    pub enabled: bool,
}

#[derive(Debug, Clone)]
pub struct User {
    pub sip: String,
    pub enabled: bool,
    /// Lower case.
    pub pool: Option<String>,
    /// The tag policy's name in lower case (without `Tag:`).
    pub tag: Option<String>,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Pool {
    pub version: u32,
    /// The site's name in lower case (without `Site:`).
    pub site: Option<String>,
}

/// The facts checked, keyed for lookups (every key in lower case).
#[derive(Debug, Clone)]
pub struct CheckedFacts {
    pub users: HashMap<String, User>,
    pub global: Policy,
    pub sites: HashMap<String, Policy>,
    pub tags: HashMap<String, Policy>,
    pub pools: HashMap<String, Pool>,
    /// The SIP domains that have a Persistent Chat endpoint.
    pub endpoint_domains: BTreeSet<String>,
    pub any_endpoint: bool,
    /// Group identity (DN or URI) → its users' SIP addresses (lower case).
    pub groups: HashMap<String, Vec<String>>,
}

fn invalid(field: &str, message: String) -> PcmError {
    PcmError::invalid_parameter(field, message)
}

/// `value` without a case-insensitive `prefix`, when it has it.
pub fn strip_prefix_ci<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    match value.get(..prefix.len()) {
        Some(p) if p.eq_ignore_ascii_case(prefix) => value.get(prefix.len()..),
        _ => None,
    }
}

pub fn check(facts: &ClientAccessFacts) -> Result<CheckedFacts, PcmError> {
    let (global, sites, tags) = check_policies(facts)?;
    let pools = check_pools(facts)?;
    let users = check_users(facts, &tags)?;
    let mut endpoint_domains = BTreeSet::new();
    for (i, endpoint) in facts.endpoints.iter().enumerate() {
        let sip = parse_sip_uri(&format!("endpoints[{i}].sipAddress"), &endpoint.sip_address)?;
        endpoint_domains.insert(sip.domain);
    }
    let mut groups = HashMap::new();
    for (i, group) in facts.groups.iter().enumerate() {
        let identity = group.identity.trim();
        if identity.is_empty() {
            return Err(invalid(
                &format!("groups[{i}].identity"),
                format!("groups[{i}].identity is empty: give the group's distinguished name or its ma-grp: URI"),
            ));
        }
        let members = group
            .members
            .iter()
            .enumerate()
            .map(|(j, m)| Ok(parse_sip_uri(&format!("groups[{i}].members[{j}]"), m)?.key))
            .collect::<Result<Vec<_>, PcmError>>()?;
        groups
            .entry(identity.to_lowercase())
            .or_insert_with(Vec::new)
            .extend(members);
    }
    Ok(CheckedFacts {
        users,
        global,
        sites,
        tags,
        pools,
        any_endpoint: !endpoint_domains.is_empty(),
        endpoint_domains,
        groups,
    })
}

type Policies = (Policy, HashMap<String, Policy>, HashMap<String, Policy>);

fn check_policies(facts: &ClientAccessFacts) -> Result<Policies, PcmError> {
    let mut global = None;
    let mut sites = HashMap::new();
    let mut tags = HashMap::new();
    for (i, policy) in facts.policies.iter().enumerate() {
        let field = format!("policies[{i}].identity");
        let identity = policy.identity.trim();
        let checked = Policy {
            identity: identity.to_string(),
            enabled: policy.enable_persistent_chat,
        };
        let (map, name) = if identity.eq_ignore_ascii_case("global") {
            global = Some(checked);
            continue;
        } else if let Some(site) = strip_prefix_ci(identity, "site:") {
            (&mut sites, site)
        } else if let Some(tag) = strip_prefix_ci(identity, "tag:") {
            (&mut tags, tag)
        } else {
            return Err(invalid(
                &field,
                format!(
                    "{field} '{identity}' is not a Persistent Chat policy identity: write Global, Site:<site> or \
                     Tag:<name>, as Get-CsPersistentChatPolicy reports Identity"
                ),
            ));
        };
        if name.trim().is_empty() || map.insert(name.to_lowercase(), checked).is_some() {
            return Err(invalid(
                &field,
                format!("{field} '{identity}' is empty after its scope or listed twice; give each policy once"),
            ));
        }
    }
    let global = global.ok_or_else(|| {
        invalid(
            "policies",
            "policies has no Global policy: give every policy Get-CsPersistentChatPolicy reports (the Global \
             one always exists)"
                .to_string(),
        )
    })?;
    Ok((global, sites, tags))
}

fn check_pools(facts: &ClientAccessFacts) -> Result<HashMap<String, Pool>, PcmError> {
    let mut pools = HashMap::new();
    for (i, pool) in facts.pools.iter().enumerate() {
        let fqdn = parse_fqdn(&format!("pools[{i}].fqdn"), &pool.fqdn)?;
        let site = pool
            .site
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| strip_prefix_ci(s, "site:").unwrap_or(s).to_lowercase());
        if pools
            .insert(
                fqdn.clone(),
                Pool {
                    version: pool.version,
                    site,
                },
            )
            .is_some()
        {
            return Err(invalid(
                &format!("pools[{i}].fqdn"),
                format!("pools[{i}].fqdn '{fqdn}' is listed twice; give each pool once"),
            ));
        }
    }
    Ok(pools)
}

fn check_users(
    facts: &ClientAccessFacts,
    tags: &HashMap<String, Policy>,
) -> Result<HashMap<String, User>, PcmError> {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let mut users = HashMap::new();
    for (i, user) in facts.users.iter().enumerate() {
        let sip = parse_sip_uri(&format!("users[{i}].sipAddress"), &user.sip_address)?;
        let pool = match given(&user.registrar_pool) {
            Some(p) => Some(parse_fqdn(&format!("users[{i}].registrarPool"), &p)?),
            None => None,
        };
        let tag = given(&user.persistent_chat_policy)
            .map(|t| strip_prefix_ci(&t, "tag:").unwrap_or(&t).to_lowercase());
        if let Some(tag) = &tag {
            if !tags.contains_key(tag) {
                return Err(invalid(
                    &format!("users[{i}].persistentChatPolicy"),
                    format!(
                        "users[{i}].persistentChatPolicy '{tag}' is not among the policies: give every policy \
                         Get-CsPersistentChatPolicy reports (Tag:{tag} is missing)"
                    ),
                ));
            }
        }
        let checked = User {
            sip: sip.text.clone(),
            enabled: user.enabled,
            pool,
            tag,
            display_name: given(&user.display_name),
        };
        if users.insert(sip.key.clone(), checked).is_some() {
            return Err(invalid(
                &format!("users[{i}].sipAddress"),
                format!(
                    "users[{i}].sipAddress '{}' is listed twice; give each user once",
                    sip.text
                ),
            ));
        }
    }
    Ok(users)
}
