//! The planner's output (`LegacyClientPlan`): the inputs as checked, the ordered steps, blockers and warnings.

use super::command::Command;
use super::facts::ReleaseMethod;
use serde::{Deserialize, Serialize};

/// The whole plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyClientPlan {
    /// `ready` (steps to run), `done` (every address is already an endpoint of the pool: nothing to run) or
    /// `blocked` (at least one blocker: the plan must not run).
    pub status: PlanStatus,
    pub inputs: PlanInputs,
    /// Each address and what the plan does with it.
    pub addresses: Vec<AddressPlan>,
    /// In the order they must run: for each address, the release of its owner(s), then the endpoint.
    pub steps: Vec<PlanStep>,
    pub blockers: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PlanStatus {
    Ready,
    Done,
    Blocked,
}

/// The inputs as checked and normalised (lower-case domains and FQDNs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanInputs {
    pub persistent_chat_pool_fqdn: String,
    pub sip_addresses: Vec<String>,
    /// True when no address was given and `sip:ocschat@<d>` was planned for every SIP domain.
    pub addresses_defaulted: bool,
    pub sip_domains: Vec<String>,
    pub default_sip_domain: Option<String>,
    pub pools: Vec<String>,
    pub release_method: ReleaseMethod,
    pub display_name: Option<String>,
}

/// One address's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressPlan {
    pub sip_address: String,
    /// `planned` (steps below), `done` (already an endpoint of this pool) or `blocked`.
    pub status: AddressStatus,
    /// The ids of its steps, in order.
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AddressStatus {
    Planned,
    Done,
    Blocked,
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StepKind {
    /// The lookup account gives up the address.
    Release,
    /// The Persistent Chat endpoint is created with the address.
    CreateEndpoint,
}

/// One cmdlet call of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanStep {
    /// Stable within a plan, e.g. `release:sip:ocschat@contoso.com`.
    pub id: String,
    /// 1-based position.
    pub number: usize,
    pub kind: StepKind,
    pub title: String,
    pub sip_address: String,
    #[serde(flatten)]
    pub command: Command,
    /// What ShouldProcess names: the object changed and the action.
    pub target: String,
    pub action: String,
    pub reason: String,
    /// The call that reverses it, when there is one.
    pub undo: Option<Command>,
    /// How to reverse it when no single call does, or what the undo needs.
    pub undo_note: Option<String>,
}

/// A blocker or a warning: a stable code, a sentence with the fix, and the address it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub code: String,
    pub message: String,
    pub sip_address: Option<String>,
}

impl Finding {
    pub fn new(code: &str, message: String, sip_address: Option<&str>) -> Finding {
        Finding {
            code: code.to_string(),
            message,
            sip_address: sip_address.map(str::to_string),
        }
    }
}
