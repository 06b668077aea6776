//! The one-command migration's plan (Start-PChatMigration): which stages run, in which order, and what a re-run
//! after a failure resumes from. Pure, like the legacy-client planner: the host gathers the facts (is the package
//! there, does it validate, which source and parameters it was exported with, is an interrupted export's staging
//! folder there) and runs the stages; the decisions are made and tested here. docs/start-migration.md describes
//! the rules.

mod model;
#[cfg(test)]
mod tests;

pub use model::{
    Blocker, ExportDecision, MigrationFacts, MigrationPlan, PackageCheck, PackageFacts,
    PackageSource, PlannedStage, RequestedExport, SourceFacts, Stage, StageAction, StageStatus,
};

use crate::connection::DbInstance;
use crate::error::PcmError;

/// Plans the migration from the facts. Malformed facts are an `invalid_parameter` error naming the field; a state
/// that must not go ahead (a package that cannot be reused without -Force, no legacy-client pool) is a blocker.
pub fn plan(facts: &MigrationFacts) -> Result<MigrationPlan, PcmError> {
    check(facts)?;
    let mut blockers = Vec::new();
    let (decision, reason) = export_decision(facts, &mut blockers)?;
    let pool_missing = facts
        .persistent_chat_pool_fqdn
        .as_deref()
        .is_none_or(|p| p.trim().is_empty());
    if pool_missing && !facts.skip_legacy_client_access {
        blockers.push(Blocker {
            code: "legacy_client_pool_missing".into(),
            message: "The last stage (legacy-client access) needs the Persistent Chat pool: give \
                      -PersistentChatPoolFqdn, or -SkipLegacyClientAccess to leave it for \
                      Enable-PChatLegacyClientAccess later."
                .into(),
        });
    }
    let stages = vec![
        readiness_stage(facts, decision),
        export_stage(facts, decision, &reason),
        import_plan_stage(facts, decision),
        import_stage(facts),
        verify_stage(facts),
        legacy_stage(facts),
    ];
    Ok(MigrationPlan {
        what_if: facts.what_if,
        export_decision: decision,
        export_reason: reason,
        stages,
        blockers,
    })
}

/// The facts every decision relies on must be there: an empty name would make a wrong decision look right.
fn check(facts: &MigrationFacts) -> Result<(), PcmError> {
    let required = [
        ("source.dbInstance", facts.source.db_instance.as_str()),
        ("source.dbName", facts.source.db_name.as_str()),
        ("package.fileName", facts.package.file_name.as_str()),
    ];
    for (field, value) in required {
        if value.trim().is_empty() {
            return Err(PcmError::invalid_parameter(
                field,
                format!("{field} is empty; the migration plan needs it"),
            ));
        }
    }
    DbInstance::parse(&facts.source.db_instance)?;
    if facts.package.exists && facts.package.check.is_none() {
        return Err(PcmError::invalid_parameter(
            "package.check",
            "package.exists is true but package.check is missing: validate the package \
             (Get-PChatMigrationPackage, inspect_package) and send the outcome",
        ));
    }
    Ok(())
}

/// Export, resume an interrupted export, reuse the package, or export again over it (-Force).
fn export_decision(
    facts: &MigrationFacts,
    blockers: &mut Vec<Blocker>,
) -> Result<(ExportDecision, String), PcmError> {
    let file = &facts.package.file_name;
    let Some(check) = facts
        .package
        .check
        .as_ref()
        .filter(|_| facts.package.exists)
    else {
        if facts.package.staging_exists {
            return Ok((
                ExportDecision::ResumeExport,
                format!(
                    "an interrupted export left {file}.staging: the export reuses the rooms it finished when the \
                     source and the rooms are unchanged, and exports the others"
                ),
            ));
        }
        return Ok((ExportDecision::Export, format!("no package at {file} yet")));
    };
    let unusable = why_not_reusable(facts, check)?;
    match unusable {
        None => Ok((
            ExportDecision::ReusePackage,
            format!(
                "the package {file} is present, valid and was exported from {} with the same parameters",
                source_text(&facts.source)
            ),
        )),
        Some(why) if facts.force => Ok((
            ExportDecision::ReplacePackage,
            format!("{why}; -Force: it is exported again over it"),
        )),
        Some(why) => {
            blockers.push(Blocker {
                code: "package_not_reusable".into(),
                message: format!(
                    "{why}. Give another -FileName, remove the file, or add -Force to export again over it."
                ),
            });
            Ok((ExportDecision::Refused, why))
        }
    }
}

fn source_text(source: &SourceFacts) -> String {
    format!("database '{}' on {}", source.db_name, source.db_instance)
}

/// Why the present package is not the one this run would export (None: it is).
fn why_not_reusable(
    facts: &MigrationFacts,
    check: &PackageCheck,
) -> Result<Option<String>, PcmError> {
    let file = &facts.package.file_name;
    if !check.valid {
        let code = check.error_code.as_deref().unwrap_or("invalid_package");
        let message = check
            .error_message
            .as_deref()
            .unwrap_or("it did not validate");
        return Ok(Some(format!(
            "the package {file} is not valid ({code}: {message})"
        )));
    }
    let Some(source) = check.source.as_ref() else {
        return Err(PcmError::invalid_parameter(
            "package.check.source",
            "a valid package's check must carry its source (the manifest's source.dbInstance and database)",
        ));
    };
    if !same_instance(&source.db_instance, &facts.source.db_instance)
        || !source
            .database
            .eq_ignore_ascii_case(facts.source.db_name.trim())
    {
        return Ok(Some(format!(
            "the package {file} was exported from database '{}' on {}, not from {}",
            source.database,
            source.db_instance,
            source_text(&facts.source)
        )));
    }
    Ok(check
        .parameters
        .as_ref()
        .and_then(|recorded| model::parameter_difference(recorded, &facts.export))
        .map(|difference| format!("the package {file} was exported with {difference}")))
}

/// Instances compare as the export records them (DbInstance's text), ignoring case like SQL Server names.
fn same_instance(recorded: &str, given: &str) -> bool {
    let normal = |text: &str| {
        DbInstance::parse(text)
            .map(|i| i.to_string())
            .unwrap_or_else(|_| text.trim().to_string())
            .to_lowercase()
    };
    normal(recorded) == normal(given)
}

fn stage(stage: Stage, action: StageAction, status: StageStatus, note: String) -> PlannedStage {
    PlannedStage {
        stage,
        action,
        status,
        input: None,
        writes_report: false,
        note,
        resume: String::new(),
    }
}

fn readiness_stage(facts: &MigrationFacts, decision: ExportDecision) -> PlannedStage {
    let from_package = decision == ExportDecision::ReusePackage;
    let note = if from_package {
        "checks the package that is reused against the target (read-only)"
    } else {
        "checks the legacy database against the target (read-only)"
    };
    let mut s = stage(
        Stage::Readiness,
        StageAction::Run,
        StageStatus::Succeeded,
        note.into(),
    );
    s.input = Some(if from_package { "package" } else { "database" }.into());
    s.writes_report = !facts.what_if;
    s.resume = "Fix the findings with Severity Error (a -NameMap entry for a name that is too long, \
                -ConflictAction for collisions), then run the same command again; nothing was written."
        .into();
    s
}

fn export_stage(facts: &MigrationFacts, decision: ExportDecision, reason: &str) -> PlannedStage {
    let file = &facts.package.file_name;
    let mut s = match decision {
        ExportDecision::ReusePackage => stage(
            Stage::Export,
            StageAction::Skip,
            StageStatus::Skipped,
            format!("package present: {reason}"),
        ),
        _ if facts.what_if => stage(
            Stage::Export,
            StageAction::WhatIf,
            StageStatus::WhatIf,
            format!("would export to {file} ({reason}); only the parameters are checked"),
        ),
        ExportDecision::ResumeExport => stage(
            Stage::Export,
            StageAction::Run,
            StageStatus::Resumed,
            reason.to_string(),
        ),
        _ => stage(
            Stage::Export,
            StageAction::Run,
            StageStatus::Succeeded,
            reason.to_string(),
        ),
    };
    s.input = Some("database".into());
    s.writes_report = !facts.what_if && s.action == StageAction::Run;
    s.resume = format!(
        "Run the same command again with -FileName {file}: the export resumes from {file}.staging and reuses \
         the rooms it finished."
    );
    s
}

fn import_plan_stage(facts: &MigrationFacts, decision: ExportDecision) -> PlannedStage {
    let file = &facts.package.file_name;
    let mut s = if facts.what_if && decision != ExportDecision::ReusePackage {
        stage(
            Stage::ImportPlan,
            StageAction::Describe,
            StageStatus::WhatIf,
            format!("would plan the import of the package the export writes to {file}"),
        )
    } else {
        stage(
            Stage::ImportPlan,
            StageAction::WhatIf,
            StageStatus::Succeeded,
            format!("plans the import of {file} into the target (Import-PChatMigrationData -WhatIf, read-only)"),
        )
    };
    s.input = Some("package".into());
    s.writes_report = !facts.what_if && s.action == StageAction::WhatIf;
    s.resume = format!(
        "Fix the plan's findings with Severity Error, then run the same command again: the package {file} is \
         kept and reused."
    );
    s
}

fn after_plan_skip(facts: &MigrationFacts, st: Stage) -> Option<PlannedStage> {
    if facts.stop_after_what_if {
        return Some(stage(
            st,
            StageAction::Skip,
            StageStatus::Skipped,
            "stopped after the import plan (-StopAfterWhatIf); run the same command without it to go on".into(),
        ));
    }
    None
}

fn import_stage(facts: &MigrationFacts) -> PlannedStage {
    let file = &facts.package.file_name;
    let mut s = if facts.what_if {
        stage(
            Stage::Import,
            StageAction::Describe,
            StageStatus::WhatIf,
            "would import the package after its plan".into(),
        )
    } else if let Some(skip) = after_plan_skip(facts, Stage::Import) {
        skip
    } else {
        stage(
            Stage::Import,
            StageAction::Run,
            StageStatus::Succeeded,
            "imports the package; an earlier run's rooms are resumed, never duplicated (the target is the \
             ledger)"
                .into(),
        )
    };
    s.input = Some("package".into());
    s.writes_report = s.action == StageAction::Run;
    s.resume = format!(
        "Run the same command again: the package {file} is reused (the export is skipped) and the import \
         continues where it stopped; no message is imported twice."
    );
    s
}

fn verify_stage(facts: &MigrationFacts) -> PlannedStage {
    let mut s = if facts.what_if {
        stage(
            Stage::Verify,
            StageAction::Describe,
            StageStatus::WhatIf,
            "would compare the target with the package, room by room".into(),
        )
    } else if let Some(skip) = after_plan_skip(facts, Stage::Verify) {
        skip
    } else {
        stage(
            Stage::Verify,
            StageAction::Run,
            StageStatus::Succeeded,
            "compares the target with the package, room by room (always run, also on a re-run)"
                .into(),
        )
    };
    s.input = Some("package".into());
    s.writes_report = s.action == StageAction::Run;
    s.resume = "See this stage's Result (items with Status Mismatch, Missing or Extra). After a fix, the same \
                command reuses the package, imports only what is missing and verifies again."
        .into();
    s
}

fn legacy_stage(facts: &MigrationFacts) -> PlannedStage {
    let pool = facts.persistent_chat_pool_fqdn.as_deref().unwrap_or("");
    let mut s = if facts.skip_legacy_client_access {
        stage(
            Stage::LegacyClientAccess,
            StageAction::Skip,
            StageStatus::Skipped,
            "-SkipLegacyClientAccess: run Enable-PChatLegacyClientAccess when the legacy clients are to move".into(),
        )
    } else if facts.what_if {
        stage(
            Stage::LegacyClientAccess,
            StageAction::WhatIf,
            StageStatus::WhatIf,
            format!("the plan for {pool} only (Enable-PChatLegacyClientAccess -PlanOnly); nothing is changed"),
        )
    } else if let Some(skip) = after_plan_skip(facts, Stage::LegacyClientAccess) {
        skip
    } else {
        stage(
            Stage::LegacyClientAccess,
            StageAction::Run,
            StageStatus::Succeeded,
            format!("lets legacy clients reach {pool} (Enable-PChatLegacyClientAccess)"),
        )
    };
    s.resume = format!(
        "Fix the blockers named, then run Enable-PChatLegacyClientAccess -PersistentChatPoolFqdn {pool}, or the \
         same command again (every earlier stage is reused or resumed)."
    );
    s
}
