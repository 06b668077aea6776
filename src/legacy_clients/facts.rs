//! What the host gathered before planning (`LegacyClientFacts`): the addresses wanted, the target pool and the
//! deployment's state as the Cs cmdlets report it. The PowerShell module fills it with Get-CsSipDomain,
//! Get-CsService -PersistentChatServer, Get-CsPersistentChatEndpoint and Get-CsAdUser; the CLI reads it from a
//! JSON file. Unknown fields are refused so a misspelt fact is an error, not a fact silently missing.

use serde::{Deserialize, Serialize};

/// The planner's whole input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LegacyClientFacts {
    /// The lookup SIP URIs to serve (`sip:user@domain`). Empty: `sip:ocschat@<d>` for every SIP domain `d`
    /// (what a legacy client's automatic configuration looks up: `OCSChat@<its user's SIP domain>`).
    #[serde(default)]
    pub sip_addresses: Vec<String>,
    /// The Lync 2013 Persistent Chat pool the endpoint(s) point to (`-PersistentChatPoolFqdn`).
    pub persistent_chat_pool_fqdn: String,
    /// Get-CsSipDomain: every SIP domain of the deployment (at least one).
    pub sip_domains: Vec<SipDomainFact>,
    /// Get-CsService -PersistentChatServer: `PersistentChatServer:<fqdn>` identities or plain pool FQDNs.
    #[serde(default)]
    pub pools: Vec<String>,
    /// AD objects whose SIP address (msRTCSIP-PrimaryUserAddress) is one of the addresses (Get-CsAdUser -Filter,
    /// Get-CsUser, and contacts found by the host).
    #[serde(default)]
    pub owners: Vec<AddressOwner>,
    /// Get-CsPersistentChatEndpoint: the Persistent Chat endpoints that exist now (every pool's).
    #[serde(default)]
    pub endpoints: Vec<EndpointFact>,
    /// Get-CsService -Registrar (or Get-CsPool): the registrar pools with their version, to tell an owner homed on
    /// Lync 2013 or later (never touched) from the legacy lookup account. Optional.
    #[serde(default)]
    pub registrar_pools: Vec<RegistrarPoolFact>,
    /// How to release the address and what to call the endpoint.
    #[serde(default)]
    pub options: PlanOptions,
}

/// One SIP domain (Get-CsSipDomain: Name, IsDefault).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SipDomainFact {
    pub name: String,
    #[serde(default)]
    pub is_default: bool,
}

/// What kind of AD object owns an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OwnerKind {
    /// A user account (the legacy Lookup service's well-known account is one).
    User,
    /// A contact object (not a Persistent Chat endpoint: those are in `endpoints`).
    Contact,
    /// Anything else that holds a SIP address (an application endpoint, a conferencing contact...).
    Other,
}

/// An AD object holding one of the addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddressOwner {
    /// The identity the release step names (`-Identity`): the distinguished name when known, else what
    /// Get-CsAdUser reports as Identity.
    pub identity: String,
    /// Its SIP address (Get-CsAdUser SipAddress).
    pub sip_address: String,
    /// Whether it is enabled for Lync Server (Get-CsAdUser / Get-CsUser Enabled).
    #[serde(default)]
    pub enabled: bool,
    /// Its home pool (Get-CsUser RegistrarPool), when it has one.
    #[serde(default)]
    pub registrar_pool: Option<String>,
    pub object_kind: OwnerKind,
    /// Its display name, for messages.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// An existing Persistent Chat endpoint (Get-CsPersistentChatEndpoint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointFact {
    pub sip_address: String,
    pub persistent_chat_pool_fqdn: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub distinguished_name: Option<String>,
}

/// A registrar pool and its product version (Get-CsService -Registrar: PoolFqdn, Version; 5 is Lync Server
/// 2010, 6 Lync Server 2013, 7 Skype for Business Server 2015 — see docs/legacy-clients.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistrarPoolFact {
    pub fqdn: String,
    pub version: u32,
}

/// How the lookup account gives up its address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ReleaseMethod {
    /// `Disable-CsUser`: removes the account's Lync attributes (its SIP address with them); reversible with
    /// `Enable-CsUser`.
    #[default]
    Disable,
    /// `Remove-ADUser`: deletes the account, as the migration guide says; needs the ActiveDirectory module and
    /// can be undone only from the AD Recycle Bin.
    RemoveAdUser,
}

/// The admin's choices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanOptions {
    #[serde(default)]
    pub release_method: ReleaseMethod,
    /// `-DisplayName` of the new endpoint(s); none by default.
    #[serde(default)]
    pub display_name: Option<String>,
}
