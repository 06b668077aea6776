//! The analysis' input rooms (as read from `mgc`) and its output (`ClientAccessReport`): per room, each member's
//! access with the reason, the counts, and the overall summary and warnings.

use serde::{Deserialize, Serialize};

/// What kind of principal a room member is (tblPrincipalType, by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PrincipalKind {
    User,
    Group,
    /// An AD container or organizational unit (`Folder`).
    Ou,
    /// An AD domain (`DC`).
    Domain,
    /// Anything else (a system user...).
    Other,
}

/// A room member as `mgc` holds it (a Member role row and its principal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomMember {
    pub kind: PrincipalKind,
    /// prinUri: `sip:` for users, `ma-grp:` for the others.
    pub uri: String,
    /// prinADPath (the distinguished name), when cached.
    #[serde(default)]
    pub ad_path: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    /// prinDisabled: 0 active, 1 SIP disabled, 2 deleted from AD.
    #[serde(default)]
    pub disabled: i16,
}

/// A room as `mgc` holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomInput {
    pub id: i32,
    pub name: String,
    pub category: String,
    #[serde(default)]
    pub disabled: bool,
    pub members: Vec<RoomMember>,
}

/// Whether a user can reach the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Access {
    /// Enabled by its Persistent Chat policy and homed on Lync Server 2013 or later.
    CanUseNewClient,
    /// Homed on a Lync Server 2010 / OCS pool: reaches chat only with the legacy Group Chat client, through the
    /// legacy lookup endpoint.
    DependsOnLegacy,
    /// Neither (the reason says why).
    NoAccess,
}

/// How a user is a member of the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Membership {
    Direct,
    /// Through one or more group, OU or domain principals (named in `via`).
    Indirect,
}

/// One user's access to one room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberAccess {
    pub sip_address: String,
    pub display_name: Option<String>,
    pub membership: Membership,
    /// The group, OU or domain principals it is a member through (their DN or URI).
    pub via: Vec<String>,
    pub access: Access,
    /// A stable code: `enabled`, `homedOnLegacyPool`, `policyDisablesPersistentChat`, `userNotEnabled`,
    /// `unknownUser`, `noRegistrarPool`, `unknownPool`, `principalDisabled`.
    pub reason_code: String,
    /// The reason as a sentence naming the policy or pool.
    pub reason: String,
    pub registrar_pool: Option<String>,
    /// The Persistent Chat policy that applies (`Tag:x`, `Site:x` or `Global`), when it could be resolved.
    pub policy: Option<String>,
}

/// A group, OU or domain member whose users were not given (no `groups` fact for it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnexpandedPrincipal {
    pub kind: PrincipalKind,
    /// Its DN when cached, else its URI.
    pub identity: String,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessCounts {
    pub can_use_new_client: u64,
    pub depends_on_legacy: u64,
    pub no_access: u64,
    /// Group, OU and domain members not expanded: their users are not counted above.
    pub unexpanded_principals: u64,
}

impl AccessCounts {
    pub fn add(&mut self, access: Access) {
        match access {
            Access::CanUseNewClient => self.can_use_new_client += 1,
            Access::DependsOnLegacy => self.depends_on_legacy += 1,
            Access::NoAccess => self.no_access += 1,
        }
    }
}

/// One room's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoomAccess {
    pub room_id: i32,
    pub name: String,
    pub category: String,
    pub disabled: bool,
    pub counts: AccessCounts,
    /// Users, direct members first, then by SIP address.
    pub members: Vec<MemberAccess>,
    pub unexpanded: Vec<UnexpandedPrincipal>,
}

/// The whole deployment's figures. User counts are of distinct users (a user in several rooms counts once).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessSummary {
    pub rooms: u64,
    /// Rooms whose every analysed member can use a new client.
    pub rooms_new_clients_only: u64,
    pub users: AccessCounts,
    /// Whether any Persistent Chat endpoint (the legacy lookup URI) exists.
    pub legacy_endpoint_present: bool,
    /// True when no member depends on the legacy endpoint or has no access.
    pub all_can_use_new_client: bool,
}

/// A warning: a stable code and a sentence with the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub code: String,
    pub message: String,
}

/// The analysis' output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientAccessReport {
    /// Where the rooms were read (`mgc` on an instance); empty for a facts-only analysis.
    #[serde(default)]
    pub db_instance: String,
    #[serde(default)]
    pub database: String,
    pub summary: AccessSummary,
    pub rooms: Vec<RoomAccess>,
    pub warnings: Vec<Finding>,
    /// The report files, when `report` was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<crate::target::result::ReportFiles>,
}
