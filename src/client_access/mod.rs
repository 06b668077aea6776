//! Client access during coexistence (step 8 of the migration: new clients roll out while old ones keep
//! working): per room of `mgc`, which members can reach it with a Lync 2013 client (enabled by their Persistent
//! Chat policy, homed on a 2013 pool), which depend on the legacy Group Chat client through the legacy lookup
//! endpoint (homed on a 2010 / OCS pool), and which have no access, each with the reason.
//!
//! Native and pure in [`analyse`]: rooms and facts in, findings out. The host gathers the facts with the Cs
//! cmdlets; [`read`] reads the rooms from the target. docs/client-access.md has the rules and the assumptions.

mod facts;
mod inputs;
mod model;
pub mod read;
mod report;
mod rules;

pub use facts::{ClientAccessFacts, EndpointFact, GroupFact, PolicyFact, PoolFact, UserFact};
pub use model::*;
pub use read::{ClientAccessParams, PreparedClientAccess};
pub use report::render_html;
pub use rules::FIRST_NEW_CLIENT_VERSION;

use crate::error::PcmError;
use std::collections::{BTreeMap, BTreeSet};

/// Checks the facts (an `invalid_parameter` error names a malformed one) without analysing anything.
pub fn check_facts(facts: &ClientAccessFacts) -> Result<(), PcmError> {
    inputs::check(facts).map(|_| ())
}

/// Analyses every room against the facts.
pub fn analyse(
    rooms: &[RoomInput],
    facts: &ClientAccessFacts,
) -> Result<ClientAccessReport, PcmError> {
    let checked = inputs::check(facts)?;
    let rooms: Vec<RoomAccess> = rooms.iter().map(|r| rules::room(r, &checked)).collect();
    // Distinct users: the "worst" access a user has anywhere is the same everywhere (it depends on the user
    // only), so the first seen is kept.
    let mut users: BTreeMap<String, &MemberAccess> = BTreeMap::new();
    let mut unexpanded: BTreeSet<String> = BTreeSet::new();
    for room in &rooms {
        for member in &room.members {
            users
                .entry(member.sip_address.to_lowercase())
                .or_insert(member);
        }
        unexpanded.extend(room.unexpanded.iter().map(|u| u.identity.to_lowercase()));
    }
    let mut counts = AccessCounts {
        unexpanded_principals: count(unexpanded.len()),
        ..AccessCounts::default()
    };
    users.values().for_each(|m| counts.add(m.access));
    let warnings = warnings(&users, &unexpanded, &checked);
    let summary = AccessSummary {
        rooms: count(rooms.len()),
        rooms_new_clients_only: count(
            rooms
                .iter()
                .filter(|r| r.counts.depends_on_legacy == 0 && r.counts.no_access == 0)
                .count(),
        ),
        all_can_use_new_client: counts.depends_on_legacy == 0 && counts.no_access == 0,
        users: counts,
        legacy_endpoint_present: checked.any_endpoint,
    };
    Ok(ClientAccessReport {
        db_instance: String::new(),
        database: String::new(),
        summary,
        rooms,
        warnings,
        report: None,
    })
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn finding(code: &str, message: String) -> Finding {
    Finding {
        code: code.to_string(),
        message,
    }
}

/// What the administrator must act on: users left without a way in, groups not analysed, unknown users.
fn warnings(
    users: &BTreeMap<String, &MemberAccess>,
    unexpanded: &BTreeSet<String>,
    facts: &inputs::CheckedFacts,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut legacy_domains: BTreeMap<String, u64> = BTreeMap::new();
    for member in users
        .values()
        .filter(|m| m.access == Access::DependsOnLegacy)
    {
        let domain = member
            .sip_address
            .rsplit_once('@')
            .map(|(_, d)| d.to_lowercase())
            .unwrap_or_default();
        *legacy_domains.entry(domain).or_default() += 1;
    }
    for (domain, n) in &legacy_domains {
        if !facts.endpoint_domains.contains(domain) {
            out.push(finding(
                "noLegacyEndpoint",
                format!(
                    "{n} user(s) of {domain} depend on the legacy Group Chat client but no Persistent Chat endpoint \
                     of {domain} exists: their clients find no server. Run Enable-PChatLegacyClientAccess (step 7) \
                     or move them to a Lync Server 2013 pool"
                ),
            ));
        }
    }
    let unknown = users
        .values()
        .filter(|m| m.reason_code == "unknownUser")
        .count();
    if unknown > 0 {
        out.push(finding(
            "unknownUsers",
            format!(
                "{unknown} member(s) have no facts (Get-CsUser did not return them): they are counted as NoAccess; \
                 gather every user, or remove members that left"
            ),
        ));
    }
    if !unexpanded.is_empty() {
        out.push(finding(
            "unexpandedPrincipals",
            format!(
                "{} group, OU or domain member(s) were not expanded: their users are not counted. Give their \
                 members (facts 'groups', Test-PChatClientAccess -GroupMember) to analyse them",
                unexpanded.len()
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests;
