//! The result of `verify` (step 5 of the migration): one [`VerifyItem`] per category, room, add-in and
//! principal, each with the **first** difference found, a [`VerifySummary`] and the decommission checklist.
//! Shared by the comparison (src/verify), its reports, the CLI and the PowerShell `Test-PChatMigration`.

use crate::target::result::{ReportFiles, TargetInfo};
use serde::{Deserialize, Serialize};

/// How one expected or found entity compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum VerifyStatus {
    /// Present on both sides and equal (after the import's transform).
    Verified,
    /// Present on both sides, with at least one difference (`firstDifference` names the first).
    Mismatch,
    /// Expected from the source, absent from the target.
    Missing,
    /// In the target, not expected from the source (a room, category or add-in only: the target's own
    /// principals are not extra).
    Extra,
}

/// What a [`VerifyItem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum VerifyKind {
    Principal,
    Addin,
    Category,
    Room,
}

/// A room's chat history as counted (quick mode) or digested (full mode) on one side.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryDigest {
    pub messages: u64,
    pub first_chat_id: Option<i64>,
    pub last_chat_id: Option<i64>,
    /// .NET ticks as stored (`chatDate`), and the same as ISO 8601 UTC for people.
    pub first_chat_date: Option<i64>,
    pub last_chat_date: Option<i64>,
    pub first_chat_date_utc: Option<String>,
    pub last_chat_date_utc: Option<String>,
    /// SHA-256 (lower-case hex) over the ordered messages as docs/verify.md defines it; `None` in quick mode.
    pub sha256: Option<String>,
}

/// A room's history on both sides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryComparison {
    pub source: HistoryDigest,
    pub target: HistoryDigest,
}

/// One entity's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyItem {
    pub kind: VerifyKind,
    /// The name in the target (after prefixing and the name map); a principal's URI.
    pub name: String,
    /// `nodeGuid` / `prinGuid` / add-in name: the key both sides are matched by.
    pub key: String,
    /// The name in the source when it differs (a legacy room's nested path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// The target's id (`nodeID`, `prinID`, `addinID`) when found there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<i64>,
    pub status: VerifyStatus,
    /// The first difference, e.g. `message chatId 1200: content differs` or `member sip:ann@contoso.com
    /// missing`; `None` when verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_difference: Option<String>,
    /// How many differences were found in all (the history counts as one however many messages differ).
    pub differences: u64,
    /// Rooms only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryComparison>,
}

/// Counts per status and kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifySummary {
    /// True when every item is `Verified`: the runbook's pass/fail (CLI exit code 0 vs 5).
    pub passed: bool,
    pub verified: u64,
    pub mismatched: u64,
    pub missing: u64,
    pub extra: u64,
    pub principals: u64,
    pub addins: u64,
    pub categories: u64,
    pub rooms: u64,
    /// Messages read on each side (both sides are read in full mode and quick mode alike; quick mode reads
    /// aggregates only, so these are the counts it compared).
    pub source_messages: u64,
    pub target_messages: u64,
    pub elapsed_seconds: f64,
}

/// Where the expected state came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifySource {
    /// `package` or `database`.
    pub kind: String,
    /// The package path, or `instance/database`.
    pub location: String,
    /// The source's kind as detected or recorded (`LyncServer2010GroupChat`, `OcsR2GroupChat`, ...).
    pub source_kind: String,
}

/// One step of the decommission checklist at the end of the verify report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecommissionStep {
    pub title: String,
    /// The command to run, with the facts filled in where they are known and `<placeholders>` where not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Why, or what the admin must check first.
    pub note: String,
    /// False while a placeholder remains in `command` (a fact was not known).
    pub complete: bool,
}

/// The result of `verify`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyResult {
    /// Counts and boundaries only (no digests, no per-message comparison).
    pub quick: bool,
    pub source: VerifySource,
    pub target: TargetInfo,
    pub summary: VerifySummary,
    /// Problems first (Mismatch, Missing, Extra), then Verified; by kind and name within a status.
    pub items: Vec<VerifyItem>,
    pub decommission: Vec<DecommissionStep>,
    pub report: Option<ReportFiles>,
}
