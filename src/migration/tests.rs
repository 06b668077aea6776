use super::*;
use serde_json::json;

fn facts(extra: serde_json::Value) -> MigrationFacts {
    let mut value = json!({
        "source": {"dbInstance": "SQL01\\RTC", "dbName": "GroupChat"},
        "export": {"level": "All"},
        "package": {"fileName": "C:\\Exports\\GroupChat.zip", "exists": false},
        "persistentChatPoolFqdn": "pcpool.contoso.com",
    });
    for (k, v) in extra.as_object().expect("object") {
        value[k] = v.clone();
    }
    serde_json::from_value(value).expect("facts")
}

/// A present package as inspect_package reports it, exported from `instance`.
fn present(instance: &str, parameters: serde_json::Value) -> serde_json::Value {
    json!({"fileName": "C:\\Exports\\GroupChat.zip", "exists": true, "check": {
        "valid": true,
        "source": {"dbInstance": instance, "database": "GroupChat"},
        "parameters": parameters,
    }})
}

fn actions(plan: &MigrationPlan) -> Vec<(Stage, StageAction, StageStatus)> {
    plan.stages
        .iter()
        .map(|s| (s.stage, s.action, s.status))
        .collect()
}

use StageAction as A;
use StageStatus as S;

#[test]
fn a_first_run_runs_every_stage_in_order() {
    let p = plan(&facts(json!({}))).expect("plan");
    assert!(p.blockers.is_empty(), "{:?}", p.blockers);
    assert_eq!(p.export_decision, ExportDecision::Export);
    assert_eq!(
        actions(&p),
        [
            (Stage::Readiness, A::Run, S::Succeeded),
            (Stage::Export, A::Run, S::Succeeded),
            (Stage::ImportPlan, A::WhatIf, S::Succeeded),
            (Stage::Import, A::Run, S::Succeeded),
            (Stage::Verify, A::Run, S::Succeeded),
            (Stage::LegacyClientAccess, A::Run, S::Succeeded),
        ]
    );
    assert_eq!(p.stages[0].input.as_deref(), Some("database"));
    assert!(p.stages.iter().all(|s| !s.resume.is_empty()));
    assert!(p.stages[..5].iter().all(|s| s.writes_report));
}

#[test]
fn what_if_calls_only_read_only_forms_and_writes_no_report() {
    let p = plan(&facts(json!({"whatIf": true}))).expect("plan");
    assert_eq!(
        actions(&p),
        [
            (Stage::Readiness, A::Run, S::Succeeded),
            (Stage::Export, A::WhatIf, S::WhatIf),
            (Stage::ImportPlan, A::Describe, S::WhatIf),
            (Stage::Import, A::Describe, S::WhatIf),
            (Stage::Verify, A::Describe, S::WhatIf),
            (Stage::LegacyClientAccess, A::WhatIf, S::WhatIf),
        ]
    );
    assert!(p.stages.iter().all(|s| !s.writes_report));
    // Nothing state-changing is ever Run under -WhatIf (readiness is read-only).
    assert!(p
        .stages
        .iter()
        .all(|s| s.action != A::Run || s.stage == Stage::Readiness));
}

#[test]
fn what_if_with_a_present_package_plans_its_import() {
    let p = plan(&facts(
        json!({"whatIf": true, "package": present("sql01\\rtc", json!({"level": "All"}))}),
    ))
    .expect("plan");
    assert_eq!(p.export_decision, ExportDecision::ReusePackage);
    assert_eq!(p.stages[1].action, A::Skip);
    assert_eq!(
        (p.stages[2].action, p.stages[2].status),
        (A::WhatIf, S::Succeeded)
    );
    assert!(!p.stages[2].writes_report);
    assert_eq!(p.stages[3].action, A::Describe);
}

#[test]
fn a_re_run_reuses_a_valid_package_of_the_same_source_and_parameters() {
    let package = present(
        "sql01\\rtc",
        json!({"level": "All", "scope": null, "rooms": null, "startDateUtc": "2012-01-01T00:00:00+00:00"}),
    );
    let p = plan(&facts(json!({
        "package": package,
        "export": {"startDateUtc": "2012-01-01T00:00:00.0000000Z"},
    })))
    .expect("plan");
    assert_eq!(
        p.export_decision,
        ExportDecision::ReusePackage,
        "{}",
        p.export_reason
    );
    assert_eq!(
        actions(&p)[1..5],
        [
            (Stage::Export, A::Skip, S::Skipped),
            (Stage::ImportPlan, A::WhatIf, S::Succeeded),
            (Stage::Import, A::Run, S::Succeeded),
            (Stage::Verify, A::Run, S::Succeeded),
        ]
    );
    assert!(p.stages[1].note.starts_with("package present"));
    // The readiness then checks what is imported: the package.
    assert_eq!(p.stages[0].input.as_deref(), Some("package"));
}

#[test]
fn an_interrupted_export_resumes() {
    let p = plan(&facts(
        json!({"package": {"fileName": "x.zip", "exists": false, "stagingExists": true}}),
    ))
    .expect("plan");
    assert_eq!(p.export_decision, ExportDecision::ResumeExport);
    assert_eq!(
        (p.stages[1].action, p.stages[1].status),
        (A::Run, S::Resumed)
    );
    assert!(p.stages[1].note.contains("x.zip.staging"));
}

#[test]
fn a_package_that_cannot_be_reused_is_a_blocker_without_force() {
    let cases = [
        (
            present("sql02\\rtc", json!({"level": "All"})),
            "was exported from database 'GroupChat' on sql02\\rtc",
        ),
        (
            present("sql01\\rtc", json!({"level": "RoomDirectory"})),
            "-Level RoomDirectory, not All",
        ),
        (
            present("sql01\\rtc", json!({"level": "All", "scope": ["Sales"]})),
            "-Scope sales, not (none)",
        ),
        (
            present(
                "sql01\\rtc",
                json!({"level": "All", "startDateUtc": "2012-01-01T00:00:00Z"}),
            ),
            "-StartDate 2012-01-01T00:00:00Z, not (none)",
        ),
        (
            json!({"fileName": "p.zip", "exists": true, "check": {"valid": false, "errorCode": "invalid_package", "errorMessage": "checksum"}}),
            "not valid (invalid_package: checksum)",
        ),
    ];
    for (package, why) in cases {
        let refused = plan(&facts(json!({"package": package.clone()}))).expect("plan");
        assert_eq!(refused.export_decision, ExportDecision::Refused);
        assert_eq!(refused.blockers.len(), 1);
        assert_eq!(refused.blockers[0].code, "package_not_reusable");
        assert!(
            refused.blockers[0].message.contains(why),
            "{}",
            refused.blockers[0].message
        );
        assert!(refused.blockers[0].message.contains("-Force"));
        let forced = plan(&facts(json!({"package": package, "force": true}))).expect("plan");
        assert_eq!(forced.export_decision, ExportDecision::ReplacePackage);
        assert!(forced.blockers.is_empty());
        assert_eq!(
            (forced.stages[1].action, forced.stages[1].status),
            (A::Run, S::Succeeded)
        );
    }
}

#[test]
fn start_dates_compare_as_instants() {
    for recorded in [
        "2012-01-01T01:00:00+01:00",
        "2012-01-01T00:00:00",
        "2012-01-01T00:00:00Z",
    ] {
        let package = present(
            "sql01\\rtc",
            json!({"level": "All", "startDateUtc": recorded}),
        );
        let p = plan(&facts(json!({
            "package": package,
            "export": {"startDateUtc": "2012-01-01T00:00:00.0000000Z"},
        })))
        .expect("plan");
        assert_eq!(
            p.export_decision,
            ExportDecision::ReusePackage,
            "{recorded}: {}",
            p.export_reason
        );
    }
    let package = present(
        "sql01\\rtc",
        json!({"level": "All", "startDateUtc": "2012-01-02T00:00:00Z"}),
    );
    let p = plan(&facts(
        json!({"package": package, "export": {"startDateUtc": "2012-01-01T00:00:00Z"}}),
    ))
    .expect("plan");
    assert_eq!(p.export_decision, ExportDecision::Refused);
}

#[test]
fn instance_and_database_compare_as_sql_server_names() {
    let p = plan(&facts(
        json!({"package": present("Sql01\\Rtc", json!({"level": "all"}))}),
    ))
    .expect("plan");
    assert_eq!(
        p.export_decision,
        ExportDecision::ReusePackage,
        "{}",
        p.export_reason
    );
}

#[test]
fn stop_after_what_if_and_skip_legacy_client_access() {
    let p = plan(&facts(json!({"stopAfterWhatIf": true}))).expect("plan");
    assert_eq!(
        actions(&p)[2..],
        [
            (Stage::ImportPlan, A::WhatIf, S::Succeeded),
            (Stage::Import, A::Skip, S::Skipped),
            (Stage::Verify, A::Skip, S::Skipped),
            (Stage::LegacyClientAccess, A::Skip, S::Skipped),
        ]
    );
    assert!(p.stages[3].note.contains("-StopAfterWhatIf"));
    let p = plan(&facts(
        json!({"skipLegacyClientAccess": true, "persistentChatPoolFqdn": null}),
    ))
    .expect("plan");
    assert!(p.blockers.is_empty());
    assert_eq!(
        (p.stages[5].action, p.stages[5].status),
        (A::Skip, S::Skipped)
    );
}

#[test]
fn a_missing_pool_is_a_blocker() {
    let p = plan(&facts(json!({"persistentChatPoolFqdn": " "}))).expect("plan");
    assert_eq!(p.blockers.len(), 1);
    assert_eq!(p.blockers[0].code, "legacy_client_pool_missing");
}

#[test]
fn malformed_facts_are_named() {
    let parameter = |extra: serde_json::Value| match plan(&facts(extra)) {
        Err(PcmError::InvalidParameter { parameter, .. }) => parameter,
        other => panic!("expected invalid_parameter, got {other:?}"),
    };
    assert_eq!(
        parameter(json!({"source": {"dbInstance": " ", "dbName": "GroupChat"}})),
        "source.dbInstance"
    );
    assert_eq!(
        parameter(json!({"package": {"fileName": "x.zip", "exists": true}})),
        "package.check"
    );
    assert_eq!(
        parameter(
            json!({"package": {"fileName": "x.zip", "exists": true, "check": {"valid": true}}})
        ),
        "package.check.source"
    );
}

#[test]
fn the_operation_is_registered_and_answers_through_call() {
    let request = crate::operations::Request::from_value(json!({
        "operation": "migration_plan",
        "params": {"source": {"dbInstance": "sql01", "dbName": "GroupChat"},
                   "package": {"fileName": "x.zip", "exists": false}, "skipLegacyClientAccess": true},
    }))
    .expect("request");
    let answer = crate::operations::call(&request).expect("answered");
    assert_eq!(answer["exportDecision"], "export");
    assert_eq!(answer["stages"][0]["stage"], "Readiness");
    assert_eq!(answer["stages"][2]["action"], "whatIf");
    assert_eq!(answer["stages"][5]["status"], "Skipped");
}
