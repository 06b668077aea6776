//! The preflight: what the target must be before the first write (services stopped, the admin lock free), the
//! backup reported, and every package principal resolved against the target's principals and types. Pure: it
//! reads the [`TargetState`] already read. Each problem is a [`Finding`]; errors stop the import (see
//! [`refusal`]).

use super::{BackupStatus, PrincipalStep, StepAction, TargetState};
use crate::error::PcmError;
use crate::transform::{Finding, MigrationModel, Severity};

/// A server that pinged within this many minutes is taken to be running (the servers ping every few minutes;
/// the window is documented in docs/import.md).
pub const PING_WINDOW_MINUTES: i64 = 15;

/// A full backup older than this many hours is reported as a warning.
pub const BACKUP_MAX_AGE_HOURS: i64 = 24;

/// Codes of the findings that mean "the target is not ready now" (refused with `target_not_ready`).
pub const NOT_READY_CODES: &[&str] = &["servers_running", "admin_lock_held"];

pub fn finding(
    severity: Severity,
    code: &str,
    message: String,
    entity: Option<(&str, &str)>,
) -> Finding {
    Finding {
        severity,
        code: code.to_string(),
        message,
        entity_type: entity.map(|(t, _)| t.to_string()),
        entity: entity.map(|(_, e)| e.to_string()),
        rooms: Vec::new(),
    }
}

/// Running Persistent Chat servers (refused unless `force`) and another holder of the admin lock.
pub fn readiness(state: &TargetState, force: bool) -> Vec<Finding> {
    let mut findings = Vec::new();
    let recent: Vec<String> = state
        .servers
        .iter()
        .filter(|s| s.minutes_ago.is_some_and(|m| m <= PING_WINDOW_MINUTES))
        .map(|s| {
            format!(
                "server {} '{}' (last ping {}, {} minute(s) ago)",
                s.server_id,
                s.address,
                s.last_ping.as_deref().unwrap_or("?"),
                s.minutes_ago.unwrap_or(0).max(0)
            )
        })
        .collect();
    if !recent.is_empty() {
        let list = recent.join("; ");
        findings.push(if force {
            finding(
                Severity::Warning,
                "servers_running",
                format!(
                    "Persistent Chat servers pinged in the last {PING_WINDOW_MINUTES} minutes: {list}; importing \
                     anyway (-Force). Running servers may overwrite or cache what the import writes"
                ),
                None,
            )
        } else {
            finding(
                Severity::Error,
                "servers_running",
                format!(
                    "Persistent Chat servers pinged in the last {PING_WINDOW_MINUTES} minutes: {list}. Stop the \
                     Persistent Chat services (Stop-CsWindowsService on each server) before importing, or give \
                     -Force"
                ),
                None,
            )
        });
    }
    if let Some(lock) = &state.admin_lock {
        // Our own row is reported only while a live run keeps extending it (target/lock_state.rs).
        findings.push(finding(
            Severity::Error,
            "admin_lock_held",
            admin_lock_message(lock),
            None,
        ));
    }
    findings
}

/// Who holds the lock and what to do. A row with this tool's server id is reported only while a live run keeps
/// extending it (a row an interrupted run left is taken over: target/lock_state.rs), so it is another import's.
fn admin_lock_message(lock: &super::model::AdminLockHolder) -> String {
    if lock.server_id == super::apply::LOCK_SERVER_ID {
        format!(
            "the admin lock (tblAdminLock) is held by another import run of pchat-migrate (server id {}, actor \
             id {}), which is still extending it (until {}): another import into this database is running. Wait \
             until it ends, then run the import again",
            lock.server_id, lock.actor_id, lock.expires
        )
    } else {
        format!(
            "the admin lock (tblAdminLock) is held by server id {} for actor id {} until {}; wait until it \
             expires or the other administrative task ends, then run the import again",
            lock.server_id, lock.actor_id, lock.expires
        )
    }
}

/// The newest full backup, reported either way.
pub fn backup(state: &TargetState) -> Finding {
    let db = &state.database;
    match &state.backup {
        BackupStatus::Found {
            finished,
            hours_ago,
        } if *hours_ago > BACKUP_MAX_AGE_HOURS => finding(
            Severity::Warning,
            "backup_old",
            format!(
                "the newest full backup of '{db}' finished {finished} ({hours_ago} hours ago); back up {db} \
                 before importing, as the documented procedure says"
            ),
            None,
        ),
        BackupStatus::Found {
            finished,
            hours_ago,
        } => finding(
            Severity::Info,
            "backup_found",
            format!("the newest full backup of '{db}' finished {finished} ({hours_ago} hours ago)"),
            None,
        ),
        BackupStatus::None => finding(
            Severity::Warning,
            "backup_missing",
            format!(
                "msdb records no full backup of '{db}'; back up {db} before importing, as the documented \
                 procedure says"
            ),
            None,
        ),
        BackupStatus::Unknown { reason } => finding(
            Severity::Warning,
            "backup_unknown",
            format!(
                "whether '{db}' has a recent full backup is unknown ({reason}); make sure it is backed up \
                 before importing"
            ),
            None,
        ),
    }
}

/// Every package principal resolved: system users to the target's system principal, GUID matches skipped to
/// the target's id, the rest created with their type resolved by name (unknown ⇒ an error).
pub fn principals(
    model: &MigrationModel,
    state: &TargetState,
) -> (Vec<PrincipalStep>, Vec<Finding>) {
    let mut steps = Vec::new();
    let mut findings = Vec::new();
    for p in &model.principals {
        let type_id = state
            .principal_types
            .get(&p.type_name.to_lowercase())
            .copied();
        let action = if p.is_system_user {
            StepAction::Skip {
                reason: "system principal: the target's own is used".into(),
                target_id: Some(state.system_principal_id),
            }
        } else if let Some(found) = state.principals_by_guid.get(&p.guid.to_lowercase()) {
            StepAction::Skip {
                reason: "already in the target (same GUID)".into(),
                target_id: Some(found.id),
            }
        } else {
            if type_id.is_none() {
                let mut known: Vec<&str> =
                    state.principal_types.keys().map(String::as_str).collect();
                known.sort_unstable();
                findings.push(finding(
                    Severity::Error,
                    "principal_type_unknown",
                    format!(
                        "principal '{}' has type '{}', which the target does not know (tblPrincipalType has: {}); \
                         the target must be a Lync Server 2013 / SfB 2015 Persistent Chat database with its \
                         standard principal types",
                        p.uri,
                        p.type_name,
                        known.join(", ")
                    ),
                    Some(("Principal", &p.uri)),
                ));
            }
            if let Some(other) = state.principals_by_uri.get(&p.uri.to_lowercase()) {
                if !other.guid.eq_ignore_ascii_case(&p.guid) {
                    findings.push(finding(
                        Severity::Warning,
                        "principal_recreated",
                        format!(
                            "principal '{}' exists in the target under another GUID ({} there, {} in the \
                             package): the AD account was probably re-created; the package's principal is \
                             inserted as well and keeps its rooms' roles",
                            p.uri, other.guid, p.guid
                        ),
                        Some(("Principal", &p.uri)),
                    ));
                }
            }
            StepAction::Create
        };
        steps.push(PrincipalStep {
            planned: p.clone(),
            action,
            type_id: type_id.unwrap_or(0),
        });
    }
    (steps, findings)
}

/// The refusal for a plan with errors: every error with its fix, as `target_not_ready` when one is about
/// servers or the admin lock, else `import_refused`. `None` when nothing stops the import.
pub fn refusal(findings: &[Finding]) -> Option<PcmError> {
    let errors: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    if errors.is_empty() {
        return None;
    }
    let mut message = format!(
        "the import was refused before writing anything: {} problem(s)",
        errors.len()
    );
    for (i, f) in errors.iter().enumerate() {
        message.push_str(&format!("\n  {}. [{}] {}", i + 1, f.code, f.message));
    }
    if errors
        .iter()
        .any(|f| NOT_READY_CODES.contains(&f.code.as_str()))
    {
        Some(PcmError::TargetNotReady(message))
    } else {
        Some(PcmError::ImportRefused(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::testing::*;
    use crate::target::{AdminLockHolder, ServerPing, TargetPrincipal};

    fn ping(minutes: Option<i64>) -> ServerPing {
        ServerPing {
            server_id: 2,
            address: "pchat01".into(),
            last_ping: Some("2026-01-01T00:00:00".into()),
            minutes_ago: minutes,
        }
    }

    #[test]
    fn pings_within_the_window_refuse_unless_forced() {
        let mut s = state();
        s.servers = vec![ping(Some(15)), ping(Some(16)), ping(None)];
        let f = readiness(&s, false);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(
            f[0].message.matches("pchat01").count(),
            1,
            "{}",
            f[0].message
        );
        assert_eq!(readiness(&s, true)[0].severity, Severity::Warning);
        // A ping "in the future" by one clock counts as recent.
        s.servers = vec![ping(Some(-200))];
        assert_eq!(readiness(&s, false).len(), 1);
        s.servers = vec![ping(Some(16))];
        assert!(readiness(&s, false).is_empty());
    }

    #[test]
    fn a_held_lock_refuses_even_with_force_as_target_not_ready() {
        let mut s = state();
        s.admin_lock = Some(AdminLockHolder {
            server_id: 3,
            actor_id: 42,
            expires: "2026-01-01T00:02:00".into(),
        });
        let f = readiness(&s, true);
        assert_eq!(f[0].code, "admin_lock_held");
        let refused = refusal(&f).expect("refused");
        assert_eq!(refused.code(), "target_not_ready");
        assert!(refused.to_string().contains("server id 3"));
        // This tool's own row, still extended (an interrupted run's is taken over instead), names the other run.
        s.admin_lock = Some(AdminLockHolder {
            server_id: crate::target::apply::LOCK_SERVER_ID,
            actor_id: 1,
            expires: "2026-01-01T00:02:00".into(),
        });
        let message = refusal(&readiness(&s, true)).expect("refused").to_string();
        assert!(
            message.contains("another import run of pchat-migrate")
                && message.contains("still extending"),
            "{message}"
        );
    }

    #[test]
    fn refusal_lists_every_error_and_ignores_warnings() {
        let warn = finding(Severity::Warning, "w", "a warning".into(), None);
        assert!(refusal(std::slice::from_ref(&warn)).is_none());
        let e1 = finding(Severity::Error, "name_collision", "first".into(), None);
        let e2 = finding(Severity::Error, "name_too_long", "second".into(), None);
        let refused = refusal(&[e1, warn, e2]).expect("refused");
        assert_eq!(refused.code(), "import_refused");
        let text = refused.to_string();
        assert!(text.contains("2 problem(s)") && text.contains("first") && text.contains("second"));
        assert!(!text.contains("a warning"));
    }

    #[test]
    fn backup_age_decides_info_or_warning() {
        let mut s = state();
        s.backup = BackupStatus::Found {
            finished: "t".into(),
            hours_ago: 24,
        };
        assert_eq!(backup(&s).severity, Severity::Info);
        s.backup = BackupStatus::Found {
            finished: "t".into(),
            hours_ago: 25,
        };
        assert_eq!(backup(&s).code, "backup_old");
        s.backup = BackupStatus::Unknown {
            reason: "denied".into(),
        };
        assert!(backup(&s).message.contains("denied"));
    }

    #[test]
    fn principals_match_by_guid_warn_on_recreated_and_refuse_unknown_types() {
        let mut m = model(Vec::new(), Vec::new(), Vec::new());
        m.principals = vec![
            principal(
                2,
                "A0000000-0000-0000-0000-000000000002",
                "sip:ann@x",
                "User",
            ),
            principal(
                3,
                "a0000000-0000-0000-0000-000000000003",
                "sip:bob@x",
                "User",
            ),
            principal(
                4,
                "a0000000-0000-0000-0000-000000000004",
                "sip:ops@x",
                "Folder",
            ),
        ];
        let mut s = state();
        let tp = |id, guid: &str, uri: &str| TargetPrincipal {
            id,
            guid: guid.into(),
            uri: uri.into(),
            type_id: 5,
            disabled: 0,
        };
        s.principals_by_guid.insert(
            "a0000000-0000-0000-0000-000000000002".into(),
            tp(70, "a0000000-0000-0000-0000-000000000002", "sip:ann@x"),
        );
        s.principals_by_uri.insert(
            "sip:bob@x".into(),
            tp(71, "f0000000-0000-0000-0000-000000000003", "sip:bob@x"),
        );
        let (steps, findings) = principals(&m, &s);
        assert!(matches!(
            steps[0].action,
            StepAction::Skip {
                target_id: Some(70),
                ..
            }
        ));
        assert_eq!(steps[1].action, StepAction::Create);
        assert_eq!(steps[1].type_id, 5);
        let codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["principal_recreated", "principal_type_unknown"]);
        assert!(
            findings[1].message.contains("'Folder'") && findings[1].message.contains("sip:ops@x")
        );
    }
}
