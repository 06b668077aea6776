//! What the host gathered (`ClientAccessFacts`): the users, Persistent Chat policies, pools and endpoints as the
//! Cs cmdlets report them, plus optional group memberships. Test-PChatClientAccess fills it with Get-CsUser,
//! Get-CsPersistentChatPolicy, Get-CsPool, Get-CsService -Registrar and Get-CsPersistentChatEndpoint; the CLI
//! reads it from a JSON file. Unknown fields are refused so a misspelt fact is an error, not a fact missing.

use serde::{Deserialize, Serialize};

/// The analysis' facts (everything but the rooms, which come from `mgc`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientAccessFacts {
    /// Get-CsUser: the users enabled for Lync Server (a room member missing here is an unknown user).
    #[serde(default)]
    pub users: Vec<UserFact>,
    /// Get-CsPersistentChatPolicy: every policy (the Global one at least).
    pub policies: Vec<PolicyFact>,
    /// Get-CsPool joined with Get-CsService -Registrar: the registrar pools, their version and site.
    #[serde(default)]
    pub pools: Vec<PoolFact>,
    /// Get-CsPersistentChatEndpoint: the endpoints legacy clients look up (`sip:ocschat@<domain>`).
    #[serde(default)]
    pub endpoints: Vec<EndpointFact>,
    /// Optional: the members of group, OU or domain principals, so their users are analysed one by one.
    #[serde(default)]
    pub groups: Vec<GroupFact>,
}

/// One user (Get-CsUser: SipAddress, Enabled, RegistrarPool, PersistentChatPolicy, DisplayName).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserFact {
    pub sip_address: String,
    /// Enabled for Lync Server (Get-CsUser Enabled).
    #[serde(default)]
    pub enabled: bool,
    /// The home pool's FQDN (RegistrarPool); none when the user has no home pool.
    #[serde(default)]
    pub registrar_pool: Option<String>,
    /// The per-user (tag) policy assigned, as Get-CsUser shows it (`RedmondPersistentChatPolicy`; `Tag:` is
    /// accepted too); none or empty when no per-user policy is assigned.
    #[serde(default)]
    pub persistent_chat_policy: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// One Persistent Chat policy (Get-CsPersistentChatPolicy: Identity, EnablePersistentChat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyFact {
    /// `Global`, `Site:<site name>` or `Tag:<name>`.
    pub identity: String,
    pub enable_persistent_chat: bool,
}

/// One registrar pool: FQDN and site from Get-CsPool, product version from Get-CsService -Registrar (5 Lync
/// Server 2010, 6 Lync Server 2013, 7 Skype for Business Server 2015; 4 and lower OCS 2007 R2 and older).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PoolFact {
    pub fqdn: String,
    pub version: u32,
    /// Get-CsPool Site: `Site:Redmond` or `Redmond`; none when the host did not get it.
    #[serde(default)]
    pub site: Option<String>,
}

/// One Persistent Chat endpoint (Get-CsPersistentChatEndpoint: SipAddress, PersistentChatPoolFqdn).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointFact {
    pub sip_address: String,
    #[serde(default)]
    pub persistent_chat_pool_fqdn: Option<String>,
}

/// The users of one group, OU or domain principal (e.g. Get-ADGroupMember -Recursive, or Get-CsUser -OU).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupFact {
    /// The principal as `mgc` caches it: its distinguished name (prinADPath) or its URI (prinUri, `ma-grp:`).
    pub identity: String,
    /// The SIP addresses of its users.
    pub members: Vec<String>,
}
