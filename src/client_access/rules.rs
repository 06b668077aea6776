//! The rules: a user's access from its facts (docs/client-access.md), the Persistent Chat policy that applies to
//! it as Lync resolves it (the user's tag policy, else its pool's site policy, else Global), and each room's
//! members expanded, deduplicated and counted.

use super::inputs::{CheckedFacts, Policy, User};
use super::model::AccessCounts;
use super::model::{
    Access, MemberAccess, Membership, PrincipalKind, RoomAccess, RoomInput, UnexpandedPrincipal,
};
use std::collections::HashMap;

/// The first product version that runs Persistent Chat for Lync 2013 clients (Lync Server 2013).
pub const FIRST_NEW_CLIENT_VERSION: u32 = 6;

/// The policy that applies to `user`: its tag policy, else the site policy of its pool's site, else Global.
pub fn resolve_policy<'a>(user: &User, facts: &'a CheckedFacts) -> &'a Policy {
    if let Some(tag) = user.tag.as_ref().and_then(|t| facts.tags.get(t)) {
        return tag;
    }
    let site = user
        .pool
        .as_ref()
        .and_then(|p| facts.pools.get(p))
        .and_then(|p| p.site.as_ref())
        .and_then(|s| facts.sites.get(s));
    site.unwrap_or(&facts.global)
}

/// A user's access with its reason, home pool and policy.
struct Decision(Access, &'static str, String, Option<String>, Option<String>);

/// Decides a user's access (the order of the checks is the order docs/client-access.md lists the reasons).
fn decide(key: &str, principal_disabled: i16, facts: &CheckedFacts) -> Decision {
    let Some(user) = facts.users.get(key) else {
        return Decision(
            Access::NoAccess,
            "unknownUser",
            format!("no facts for {key}: Get-CsUser did not return it (not enabled for Lync Server, or outside what was gathered)"),
            None,
            None,
        );
    };
    let pool = user.pool.clone();
    if !user.enabled {
        return Decision(
            Access::NoAccess,
            "userNotEnabled",
            "the user is disabled for Lync Server (Get-CsUser Enabled is False)".into(),
            pool,
            None,
        );
    }
    if principal_disabled != 0 {
        let why = if principal_disabled == 2 {
            "deleted from Active Directory"
        } else {
            "disabled for SIP"
        };
        return Decision(
            Access::NoAccess,
            "principalDisabled",
            format!("Persistent Chat has the user as {why} (prinDisabled {principal_disabled})"),
            pool,
            None,
        );
    }
    let Some(fqdn) = pool.clone() else {
        return Decision(
            Access::NoAccess,
            "noRegistrarPool",
            "the user has no registrar pool (Get-CsUser RegistrarPool is empty)".into(),
            None,
            None,
        );
    };
    let Some(home) = facts.pools.get(&fqdn) else {
        return Decision(Access::NoAccess, "unknownPool", format!("the user's registrar pool {fqdn} is not among the pools gathered (Get-CsPool / Get-CsService -Registrar)"), pool, None);
    };
    let policy = resolve_policy(user, facts);
    let named = Some(policy.identity.clone());
    if home.version < FIRST_NEW_CLIENT_VERSION {
        return Decision(
            Access::DependsOnLegacy,
            "homedOnLegacyPool",
            format!("homed on {fqdn} (version {}, before Lync Server 2013): only the legacy Group Chat client reaches chat, through the legacy endpoint", home.version),
            pool,
            named,
        );
    }
    if !policy.enabled {
        return Decision(
            Access::NoAccess,
            "policyDisablesPersistentChat",
            format!(
                "the Persistent Chat policy {} applies and has EnablePersistentChat False",
                policy.identity
            ),
            pool,
            named,
        );
    }
    Decision(
        Access::CanUseNewClient,
        "enabled",
        format!(
            "homed on {fqdn} and enabled by the policy {}",
            policy.identity
        ),
        pool,
        named,
    )
}

/// A member user before deduplication.
struct Seen {
    key: String,
    display_name: Option<String>,
    disabled: i16,
    via: Option<String>,
}

/// The identity a group member is named by: its DN when cached, else its URI.
fn identity(member: &super::model::RoomMember) -> String {
    member
        .ad_path
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or(&member.uri)
        .to_string()
}

/// The room's users: direct members first (so a user's own principal row, its prinDisabled, decides whatever
/// the row order), then the users of the groups the facts give; the groups without facts apart.
fn expand(input: &RoomInput, facts: &CheckedFacts) -> (Vec<Seen>, Vec<UnexpandedPrincipal>) {
    let mut seen: Vec<Seen> = input
        .members
        .iter()
        .filter(|m| m.kind == PrincipalKind::User)
        .map(|m| Seen {
            key: m.uri.to_lowercase(),
            display_name: m.display_name.clone(),
            disabled: m.disabled,
            via: None,
        })
        .collect();
    let mut unexpanded = Vec::new();
    for member in input
        .members
        .iter()
        .filter(|m| m.kind != PrincipalKind::User)
    {
        let name = identity(member);
        let users = facts
            .groups
            .get(&name.to_lowercase())
            .or_else(|| facts.groups.get(&member.uri.to_lowercase()));
        match users {
            Some(users) => seen.extend(users.iter().map(|key| Seen {
                key: key.clone(),
                display_name: None,
                disabled: 0,
                via: Some(name.clone()),
            })),
            None => unexpanded.push(UnexpandedPrincipal {
                kind: member.kind,
                identity: name,
                display_name: member.display_name.clone(),
            }),
        }
    }
    (seen, unexpanded)
}

/// Each user once (a later sighting only adds its group to `via`), decided.
fn decide_all(seen: Vec<Seen>, facts: &CheckedFacts) -> Vec<MemberAccess> {
    let mut members: Vec<MemberAccess> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for user in seen {
        if let Some(&at) = index.get(&user.key) {
            let existing = &mut members[at];
            match user.via {
                None => existing.membership = Membership::Direct,
                Some(via) if !existing.via.contains(&via) => existing.via.push(via),
                Some(_) => {}
            }
            continue;
        }
        let Decision(access, code, reason, registrar_pool, policy) =
            decide(&user.key, user.disabled, facts);
        let known = facts.users.get(&user.key);
        index.insert(user.key.clone(), members.len());
        members.push(MemberAccess {
            sip_address: known.map_or_else(|| user.key.clone(), |u| u.sip.clone()),
            display_name: known
                .and_then(|u| u.display_name.clone())
                .or(user.display_name),
            membership: if user.via.is_some() {
                Membership::Indirect
            } else {
                Membership::Direct
            },
            via: user.via.into_iter().collect(),
            access,
            reason_code: code.to_string(),
            reason,
            registrar_pool,
            policy,
        });
    }
    members
}

/// One room: its users expanded, deduplicated and decided, direct members first, then by SIP address.
pub fn room(input: &RoomInput, facts: &CheckedFacts) -> RoomAccess {
    let (seen, unexpanded) = expand(input, facts);
    let mut members = decide_all(seen, facts);
    members.sort_by_cached_key(|m| {
        (
            m.membership != Membership::Direct,
            m.sip_address.to_lowercase(),
        )
    });
    let mut counts = AccessCounts {
        unexpanded_principals: u64::try_from(unexpanded.len()).unwrap_or(u64::MAX),
        ..AccessCounts::default()
    };
    members.iter().for_each(|m| counts.add(m.access));
    RoomAccess {
        room_id: input.id,
        name: input.name.clone(),
        category: input.category.clone(),
        disabled: input.disabled,
        counts,
        members,
        unexpanded,
    }
}
