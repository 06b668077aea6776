//! The rules (docs/legacy-clients.md): from checked facts to the ordered steps, blockers and warnings.
//!
//! The order is the migration guide's (§9 "ordering constraint"): the lookup account gives up the address
//! first, then the endpoint is created with the same address; a SIP address is unique in the forest, so the
//! two objects cannot exist at once (the guide states the order, the reason is inferred).

use super::command::{text, ArgumentValue, CmdletModule, Command};
use super::facts::{OwnerKind, ReleaseMethod};
use super::inputs::{CheckedFacts, CheckedOwner};
use super::model::{AddressPlan, AddressStatus, Finding, PlanStep, StepKind};
use super::syntax::SipUri;

/// The first product version that is Lync Server 2013 (Get-CsService Version 6).
const LYNC_2013_VERSION: u32 = 6;

/// The well-known user of the legacy Lookup service.
pub const DEFAULT_LOOKUP_USER: &str = "ocschat";

/// What the rules produced, before numbering.
#[derive(Default)]
pub struct Outcome {
    pub addresses: Vec<AddressPlan>,
    pub steps: Vec<PlanStep>,
    pub blockers: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

/// The addresses to serve: those requested, else `sip:ocschat@<d>` for every SIP domain, the default domain
/// first (a legacy client's automatic configuration looks up `OCSChat@<its user's SIP domain>`).
pub fn addresses(facts: &CheckedFacts) -> Vec<SipUri> {
    if !facts.requested.is_empty() {
        return facts.requested.clone();
    }
    let mut domains = facts.sip_domains.clone();
    if let Some(default) = &facts.default_sip_domain {
        domains.retain(|d| d != default);
        domains.insert(0, default.clone());
    }
    domains
        .iter()
        .map(|d| {
            let text = format!("sip:{DEFAULT_LOOKUP_USER}@{d}");
            SipUri {
                key: text.clone(),
                user: DEFAULT_LOOKUP_USER.to_string(),
                domain: d.clone(),
                text,
            }
        })
        .collect()
}

/// Every rule, address by address.
pub fn evaluate(facts: &CheckedFacts, addresses: &[SipUri], defaulted: bool) -> Outcome {
    let mut out = Outcome::default();
    pool_rules(facts, &mut out);
    domain_warnings(facts, addresses, defaulted, &mut out);
    if facts.release_method == ReleaseMethod::RemoveAdUser {
        out.warnings.push(Finding::new(
            "remove_ad_user_needs_module",
            "releaseMethod removeAdUser deletes the lookup account with Remove-ADUser, as the migration guide \
             says: it needs the ActiveDirectory module (RSAT) on the computer running the plan, and only the AD \
             Recycle Bin can bring the account back; the default (disable, Disable-CsUser) is reversible"
                .into(),
            None,
        ));
    }
    for address in addresses {
        address_rules(facts, address, &mut out);
    }
    out
}

fn pool_rules(facts: &CheckedFacts, out: &mut Outcome) {
    if facts.pools.contains(&facts.pool) {
        return;
    }
    let known = if facts.pools.is_empty() {
        "no Persistent Chat pool was found (Get-CsService -PersistentChatServer returned none)"
            .to_string()
    } else {
        format!(
            "the Persistent Chat pools found are {}",
            facts.pools.join(", ")
        )
    };
    out.blockers.push(Finding::new(
        "pool_not_found",
        format!(
            "pool not found: '{}' is not a Persistent Chat pool of this deployment; {known}. Give one of them as \
             -PersistentChatPoolFqdn, or publish the topology with the Persistent Chat pool first",
            facts.pool
        ),
        None,
    ));
}

fn domain_warnings(facts: &CheckedFacts, addresses: &[SipUri], defaulted: bool, out: &mut Outcome) {
    if facts.sip_domains.len() > 1 {
        let planned = if defaulted {
            format!(
                "with no address given, one endpoint per domain is planned ({})",
                addresses
                    .iter()
                    .map(|a| a.text.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            "only the addresses given are planned".to_string()
        };
        out.warnings.push(Finding::new(
            "several_sip_domains",
            format!(
                "the deployment has {} SIP domains ({}). A legacy client's automatic configuration looks up \
                 ocschat@<its user's SIP domain>, so either create one endpoint per domain, or create one endpoint \
                 and point every legacy client at it with the Group Policy setting 'lookup server URI' (or the \
                 client's manual configuration); {planned}",
                facts.sip_domains.len(),
                facts.sip_domains.join(", ")
            ),
            None,
        ));
    }
    if addresses.len() > 1 {
        out.warnings.push(Finding::new(
            "several_endpoints_one_pool",
            format!(
                "{} endpoints are planned for the one pool {}: allowed, but each legacy client uses one lookup \
                 address, so the others serve only clients whose lookup address is theirs",
                addresses.len(),
                facts.pool
            ),
            None,
        ));
    }
}

fn address_rules(facts: &CheckedFacts, address: &SipUri, out: &mut Outcome) {
    let blockers_before = out.blockers.len();
    let mut plan = AddressPlan {
        sip_address: address.text.clone(),
        status: AddressStatus::Planned,
        steps: Vec::new(),
    };
    if !facts.sip_domains.contains(&address.domain) {
        out.blockers.push(Finding::new(
            "sip_domain_unknown",
            format!(
                "{}: '{}' is not a SIP domain of this deployment (Get-CsSipDomain lists {}); use an address in one \
                 of them, or add the domain with New-CsSipDomain first",
                address.text,
                address.domain,
                facts.sip_domains.join(", ")
            ),
            Some(&address.text),
        ));
    }
    for endpoint in facts.endpoints.iter().filter(|e| e.sip.key == address.key) {
        if endpoint.pool == facts.pool {
            plan.status = AddressStatus::Done;
        } else {
            out.blockers.push(Finding::new(
                "endpoint_on_other_pool",
                format!(
                    "{}: the Persistent Chat endpoint '{}' already has this address, for the pool {} (one address, \
                     one pool). Remove it first with Remove-CsPersistentChatEndpoint -Identity '{}', or choose \
                     another address",
                    address.text, endpoint.name, endpoint.pool, address.text
                ),
                Some(&address.text),
            ));
        }
    }
    if plan.status == AddressStatus::Done && out.blockers.len() == blockers_before {
        out.addresses.push(plan);
        return;
    }
    let mut steps = Vec::new();
    for owner in facts.owners.iter().filter(|o| o.sip.key == address.key) {
        match owner_blocker(facts, owner) {
            Some(message) => out.blockers.push(Finding::new(
                "address_owned",
                format!("{}: {message}", address.text),
                Some(&address.text),
            )),
            None => steps.push(release_step(facts, owner, address)),
        }
    }
    if out.blockers.len() > blockers_before {
        plan.status = AddressStatus::Blocked;
        out.addresses.push(plan);
        return;
    }
    unknown_home_warning(facts, address, out);
    steps.push(create_step(facts, address));
    plan.steps = steps.iter().map(|s| s.id.clone()).collect();
    out.addresses.push(plan);
    out.steps.extend(steps);
}

/// Why the tool must not touch this owner, or `None` when it is a lookup account to release.
fn owner_blocker(facts: &CheckedFacts, owner: &CheckedOwner) -> Option<String> {
    let who = owner_name(owner);
    match owner.kind {
        OwnerKind::Contact => Some(format!(
            "the contact {who} owns this address; it is not the Group Chat lookup account and this tool does not \
             change contacts. Clear its SIP address (or delete the contact) yourself, or choose another address"
        )),
        OwnerKind::Other => Some(format!(
            "the AD object {who} owns this address and is neither a user nor a contact; this tool does not change \
             it. Release the address from it yourself, or choose another address"
        )),
        OwnerKind::User => {
            let pool = owner.registrar_pool.as_deref()?;
            let version = registrar_version(facts, pool)?;
            (version >= LYNC_2013_VERSION).then(|| {
                format!(
                    "the user {who} owning it is homed on {pool}, a Lync Server 2013 or later pool (version \
                     {version}), so it is a user of the new deployment, not the legacy lookup account; the tool \
                     does not disable it. Move the address off that user, or choose another address"
                )
            })
        }
    }
}

fn registrar_version(facts: &CheckedFacts, pool: &str) -> Option<u32> {
    facts
        .registrar_pools
        .iter()
        .find(|(fqdn, _)| fqdn == pool)
        .map(|(_, version)| *version)
}

fn owner_name(owner: &CheckedOwner) -> String {
    match &owner.display_name {
        Some(name) if !name.is_empty() => format!("'{name}' ({})", owner.identity),
        _ => format!("'{}'", owner.identity),
    }
}

/// A user to release whose home pool's version is unknown: the plan releases it, and says what was not checked.
fn unknown_home_warning(facts: &CheckedFacts, address: &SipUri, out: &mut Outcome) {
    for owner in facts.owners.iter().filter(|o| o.sip.key == address.key) {
        let known = owner
            .registrar_pool
            .as_deref()
            .and_then(|p| registrar_version(facts, p))
            .is_some();
        if owner.kind == OwnerKind::User && owner.registrar_pool.is_some() && !known {
            out.warnings.push(Finding::new(
                "home_pool_version_unknown",
                format!(
                    "{}: the version of {}'s home pool {} was not gathered (registrarPools), so the plan could not \
                     check that it is the legacy lookup account rather than a Lync 2013 user; check it before running",
                    address.text,
                    owner_name(owner),
                    owner.registrar_pool.as_deref().unwrap_or_default()
                ),
                Some(&address.text),
            ));
        }
    }
}

fn release_step(facts: &CheckedFacts, owner: &CheckedOwner, address: &SipUri) -> PlanStep {
    let who = owner_name(owner);
    let still = if owner.enabled {
        "is enabled for Lync Server and owns"
    } else {
        "is disabled for Lync Server but still holds (msRTCSIP-PrimaryUserAddress)"
    };
    let reason = format!(
        "{who} {still} {}; a SIP address is unique, so it must give the address up before the endpoint can take it",
        address.text
    );
    let identity = text(&owner.identity);
    let (command, undo, undo_note, action) = match facts.release_method {
        ReleaseMethod::Disable => {
            let mut undo_args = vec![("Identity", identity.clone()), ("SipAddress", text(&address.text))];
            if let Some(pool) = &owner.registrar_pool {
                undo_args.push(("RegistrarPool", text(pool)));
            }
            let note = if owner.registrar_pool.is_some() {
                "remove the endpoint first (Remove-CsPersistentChatEndpoint), then enable the account again; its \
                 former policy assignments are not restored"
            } else {
                "remove the endpoint first (Remove-CsPersistentChatEndpoint), then enable the account again, adding \
                 -RegistrarPool <its legacy pool> (not gathered); its former policy assignments are not restored"
            };
            (
                Command::new("Disable-CsUser", CmdletModule::Lync, vec![("Identity", identity)]),
                Some(Command::new("Enable-CsUser", CmdletModule::Lync, undo_args)),
                note.to_string(),
                format!("Disable for Lync Server, releasing {}", address.text),
            )
        }
        ReleaseMethod::RemoveAdUser => (
            Command::new(
                "Remove-ADUser",
                CmdletModule::ActiveDirectory,
                vec![("Identity", identity)],
            ),
            None,
            "a deleted account comes back only from the AD Recycle Bin (Get-ADObject -IncludeDeletedObjects | \
             Restore-ADObject) when it is enabled; remove the endpoint first"
                .to_string(),
            format!("Delete the AD user, releasing {}", address.text),
        ),
    };
    PlanStep {
        id: format!("release:{}", address.text),
        number: 0,
        kind: StepKind::Release,
        title: format!("Release {} from {who}", address.text),
        sip_address: address.text.clone(),
        command,
        target: owner.identity.clone(),
        action,
        reason,
        undo,
        undo_note: Some(undo_note),
    }
}

fn create_step(facts: &CheckedFacts, address: &SipUri) -> PlanStep {
    let mut arguments: Vec<(&str, ArgumentValue)> = vec![
        ("SipAddress", text(&address.text)),
        ("PersistentChatPoolFqdn", text(&facts.pool)),
    ];
    if let Some(name) = &facts.display_name {
        arguments.push(("DisplayName", text(name)));
    }
    PlanStep {
        id: format!("create:{}", address.text),
        number: 0,
        kind: StepKind::CreateEndpoint,
        title: format!("Create the Persistent Chat endpoint {} for {}", address.text, facts.pool),
        sip_address: address.text.clone(),
        command: Command::new("New-CsPersistentChatEndpoint", CmdletModule::Lync, arguments),
        target: address.text.clone(),
        action: format!("Create a Persistent Chat endpoint for the pool {}", facts.pool),
        reason: format!(
            "legacy Group Chat clients whose lookup address is {} reach the Lync 2013 pool {} through this endpoint \
             without any change on the client",
            address.text, facts.pool
        ),
        undo: Some(Command::new(
            "Remove-CsPersistentChatEndpoint",
            CmdletModule::Lync,
            vec![("Identity", text(&address.text))],
        )),
        undo_note: None,
    }
}
