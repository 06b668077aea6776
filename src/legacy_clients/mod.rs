//! Legacy-client access (step 7 of the migration, the guide's step 8): plans how legacy Group Chat clients keep
//! reaching chat after the migration. They find the server through a well-known lookup SIP URI (by default
//! `sip:ocschat@<sip-domain>`, a SIP-enabled AD user the legacy Lookup service registered as); that user must
//! give the address up, then a Persistent Chat endpoint with the same address is created for the 2013 pool.
//!
//! Pure: the host gathers the facts ([`LegacyClientFacts`]) with the Cs cmdlets and runs the steps; this module
//! only decides them, so the rules are tested here and the PowerShell stays a generic executor.
//! docs/legacy-clients.md describes the facts, the rules and the assumptions.

mod command;
mod facts;
mod inputs;
mod model;
mod rules;
pub(crate) mod syntax;

pub use command::{quote, Argument, ArgumentValue, CmdletModule, Command};
pub use facts::{
    AddressOwner, EndpointFact, LegacyClientFacts, OwnerKind, PlanOptions, RegistrarPoolFact,
    ReleaseMethod, SipDomainFact,
};
pub use model::{
    AddressPlan, AddressStatus, Finding, LegacyClientPlan, PlanInputs, PlanStatus, PlanStep,
    StepKind,
};
pub use rules::DEFAULT_LOOKUP_USER;

use crate::error::PcmError;

/// Plans legacy-client access from the gathered facts. A malformed fact is an `invalid_parameter` error naming
/// the field; what the deployment's state forbids is a blocker in the plan (status `blocked`).
pub fn plan(facts: &LegacyClientFacts) -> Result<LegacyClientPlan, PcmError> {
    let checked = inputs::check(facts)?;
    let defaulted = checked.requested.is_empty();
    let addresses = rules::addresses(&checked);
    let mut outcome = rules::evaluate(&checked, &addresses, defaulted);
    for (i, step) in outcome.steps.iter_mut().enumerate() {
        step.number = i + 1;
    }
    let status = if !outcome.blockers.is_empty() {
        PlanStatus::Blocked
    } else if outcome.steps.is_empty() {
        PlanStatus::Done
    } else {
        PlanStatus::Ready
    };
    Ok(LegacyClientPlan {
        status,
        inputs: PlanInputs {
            persistent_chat_pool_fqdn: checked.pool,
            sip_addresses: addresses.into_iter().map(|a| a.text).collect(),
            addresses_defaulted: defaulted,
            sip_domains: checked.sip_domains,
            default_sip_domain: checked.default_sip_domain,
            pools: checked.pools,
            release_method: checked.release_method,
            display_name: checked.display_name,
        },
        addresses: outcome.addresses,
        steps: outcome.steps,
        blockers: outcome.blockers,
        warnings: outcome.warnings,
    })
}

#[cfg(test)]
mod tests;
