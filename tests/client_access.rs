//! The coexistence analysis (step 8) over real TDS: a generated 2013 deployment in a fresh `mgc`, facts built
//! from its users (some homed on a 2010 pool, some under a tag policy that disables Persistent Chat, one left
//! out, one group expanded), run as the `client_access` job through `pcm_client_access_start` as a C host does
//! and through `operations::start_job`. Every room's counts must equal what the test computes itself from the
//! Member rows it reads with its own SQL.

#[path = "apply_support/mod.rs"]
mod apply_support;
#[path = "client_access_support/mod.rs"]
mod client_access_support;
mod common;

use chat_fixtures::Size;
use client_access_support::{add_members, member_rows, MemberRow};
use common::{fresh_dir, run_job, TestServer};
use pchat_migrate::client_access::{Access, ClientAccessReport};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// What the test decides for each user of the facts (by lower-case URI); users not in the map are unknown.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Plan {
    Legacy,
    TagDisabled,
    New,
}

struct Scenario {
    facts: Value,
    plans: BTreeMap<String, Plan>,
    /// The expanded group's DN and its users.
    group: Option<(String, Vec<String>)>,
}

/// Facts for the deployment's users: every fourth on the 2010 pool, every fourth under Tag:NoChat, the last one
/// left out; the first group with a DN gets the first two users as members.
fn scenario(rows: &[MemberRow]) -> Scenario {
    let users = |disabled: bool| -> Vec<String> {
        let set: BTreeSet<String> = rows
            .iter()
            .filter(|r| r.2 == "user" && (r.4 != 0) == disabled)
            .map(|r| r.1.to_lowercase())
            .collect();
        set.into_iter().collect()
    };
    let (mut active, inactive) = (users(false), users(true));
    // The user left out of the facts (unknown): a disabled one if there is one, else the last active one.
    let mut planned: Vec<String> = inactive.iter().skip(1).cloned().collect();
    if inactive.is_empty() {
        active.pop();
    }
    assert!(
        active.len() >= 3,
        "the fixture has active room members: {active:?}"
    );
    let mut plans = BTreeMap::new();
    let mut facts_users = Vec::new();
    planned.extend(active.iter().cloned());
    for uri in &planned {
        let plan = match active.iter().position(|a| a == uri).map(|i| i % 4) {
            Some(0) => Plan::Legacy,
            Some(1) => Plan::TagDisabled,
            _ => Plan::New,
        };
        plans.insert(uri.clone(), plan);
        facts_users.push(json!({
            "sipAddress": uri,
            "enabled": true,
            "registrarPool": if plan == Plan::Legacy { "fe2010.contoso.com" } else { "fe2013.contoso.com" },
            "persistentChatPolicy": if plan == Plan::TagDisabled { Some("NoChat") } else { None },
        }));
    }
    let users = active;
    let group = rows
        .iter()
        .find(|r| r.2 == "group" && !r.3.is_empty())
        .map(|r| (r.3.clone(), users[..2].to_vec()));
    let groups: Vec<Value> = group
        .iter()
        .map(|(dn, members)| json!({"identity": dn, "members": members}))
        .collect();
    Scenario {
        facts: json!({
            "users": facts_users,
            "policies": [
                {"identity": "Global", "enablePersistentChat": true},
                {"identity": "Tag:NoChat", "enablePersistentChat": false}
            ],
            "pools": [
                {"fqdn": "fe2013.contoso.com", "version": 6, "site": "Site:Redmond"},
                {"fqdn": "fe2010.contoso.com", "version": 5, "site": "Site:Redmond"}
            ],
            "endpoints": [],
            "groups": groups,
        }),
        plans,
        group,
    }
}

/// The test's own counts per room: (new, legacy, none, unexpanded), users deduplicated.
fn expected(rows: &[MemberRow], s: &Scenario) -> BTreeMap<i64, (u64, u64, u64, u64)> {
    let mut users: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
    let mut unexpanded: BTreeMap<i64, u64> = BTreeMap::new();
    for (node, uri, kind, dn, disabled) in rows {
        let room = users.entry(*node).or_default();
        match (kind.as_str(), &s.group) {
            ("user", _) => {
                room.insert(uri.to_lowercase(), *disabled);
            }
            (_, Some((group, members))) if group == dn => {
                for m in members {
                    room.entry(m.clone()).or_insert(0);
                }
            }
            _ => *unexpanded.entry(*node).or_default() += 1,
        }
    }
    let mut out = BTreeMap::new();
    for (node, members) in users {
        let mut c = (0, 0, 0, unexpanded.get(&node).copied().unwrap_or(0));
        for (uri, disabled) in members {
            match (s.plans.get(&uri), disabled) {
                (Some(Plan::Legacy), 0) => c.1 += 1,
                (Some(Plan::New), 0) => c.0 += 1,
                _ => c.2 += 1,
            }
        }
        out.insert(node, c);
    }
    out
}

/// Runs `client_access` through `pcm_client_access_start`, polling as a C host does, and returns the envelope
/// of `pcm_job_result`.
fn through_the_c_abi(params: &Value) -> Value {
    use pchat_migrate::ffi::{
        pcm_client_access_start, pcm_job, pcm_job_free, pcm_job_poll, pcm_job_result,
        pcm_string_free,
    };
    use std::ffi::{c_char, CStr, CString};
    let take = |s: *mut c_char| -> Value {
        assert!(!s.is_null(), "a response is always written");
        // SAFETY: the library wrote a NUL-terminated string it owns until pcm_string_free.
        let value = serde_json::from_str(unsafe { CStr::from_ptr(s) }.to_str().expect("utf-8"))
            .expect("json");
        unsafe { pcm_string_free(s) };
        value
    };
    let text = CString::new(params.to_string()).expect("no NUL");
    let mut job: *mut pcm_job = std::ptr::null_mut();
    let mut response: *mut c_char = std::ptr::null_mut();
    // SAFETY: valid strings and out pointers; the handle is freed below.
    let status = unsafe { pcm_client_access_start(text.as_ptr(), &mut job, &mut response) };
    let started = take(response);
    assert_eq!(status, 0, "{started}");
    assert_eq!(started["data"]["operation"], "client_access");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        assert!(std::time::Instant::now() < deadline, "the job did not end");
        let mut out: *mut c_char = std::ptr::null_mut();
        let status = unsafe { pcm_job_poll(job, 200, &mut out) };
        take(out);
        if status == 7008 {
            break;
        }
        assert_eq!(status, 0);
    }
    let mut out: *mut c_char = std::ptr::null_mut();
    let status = unsafe { pcm_job_result(job, &mut out) };
    let envelope = take(out);
    assert_eq!(status, 0, "{envelope}");
    pcm_job_free(job);
    envelope
}

#[tokio::test(flavor = "multi_thread")]
async fn every_rooms_counts_match_the_member_rows_through_the_c_abi_and_the_job() {
    let server = TestServer::start();
    let db = apply_support::seeded_mgc(&server, 8801, Size::Small).await;
    add_members(&server, &db).await;
    let rows = member_rows(&server, &db).await;
    let s = scenario(&rows);
    let dir = fresh_dir("client-access", "job");
    let report_path = dir.join("client-access.html");
    let params = json!({
        "connection": server.connection_params(Some(&db)),
        "facts": s.facts,
        "report": report_path.display().to_string(),
    });
    let for_c = params.clone();
    let envelope = tokio::task::spawn_blocking(move || through_the_c_abi(&for_c))
        .await
        .expect("join");
    assert_eq!(envelope["ok"], true, "{envelope}");
    let report: ClientAccessReport =
        serde_json::from_value(envelope["data"].clone()).expect("a ClientAccessReport");

    let want = expected(&rows, &s);
    let rooms_with_members = report
        .rooms
        .iter()
        .filter(|r| !r.members.is_empty() || !r.unexpanded.is_empty());
    let got: BTreeMap<i64, (u64, u64, u64, u64)> = rooms_with_members
        .map(|r| {
            let c = r.counts;
            (
                i64::from(r.room_id),
                (
                    c.can_use_new_client,
                    c.depends_on_legacy,
                    c.no_access,
                    c.unexpanded_principals,
                ),
            )
        })
        .collect();
    assert_eq!(got, want);
    let legacy: u64 = want.values().map(|c| c.1).sum();
    assert!(
        legacy > 0 && want.values().map(|c| c.0).sum::<u64>() > 0,
        "{want:?}"
    );
    assert!(
        s.group.is_some(),
        "the fixture has a group member with a DN"
    );
    // Nobody has an endpoint: legacy users are warned about; the one user left out is unknown.
    let codes: Vec<&str> = report.warnings.iter().map(|w| w.code.as_str()).collect();
    assert!(
        codes.contains(&"noLegacyEndpoint") && codes.contains(&"unknownUsers"),
        "{codes:?}"
    );
    assert!(!report.summary.all_can_use_new_client);
    assert_eq!(report.database, db);
    // A tag-disabled user names its policy.
    let tag = report
        .rooms
        .iter()
        .flat_map(|r| &r.members)
        .find(|m| m.reason_code == "policyDisablesPersistentChat")
        .expect("a tag-disabled member");
    assert_eq!(
        (tag.access, tag.policy.as_deref()),
        (Access::NoAccess, Some("Tag:NoChat"))
    );
    // The report files, beside each other; the JSON is the result.
    let files = report.report.clone().expect("report files");
    let html = std::fs::read_to_string(&files.html).expect("html");
    assert!(html.contains("DependsOnLegacy") && html.contains("Tag:NoChat"));
    let json: ClientAccessReport =
        serde_json::from_str(&std::fs::read_to_string(&files.json).expect("json"))
            .expect("the JSON report");
    assert_eq!(json.summary, report.summary);

    // The same answer through operations::start_job (the report exists now: force).
    let mut again = params.clone();
    again["force"] = json!(true);
    let mut problems = again.clone();
    problems["problemsOnly"] = json!(true);
    let (result, events) = tokio::task::spawn_blocking(move || {
        run_job(json!({"operation": "client_access", "params": again}))
    })
    .await
    .expect("join");
    let direct: ClientAccessReport = serde_json::from_value(result.expect("runs")).expect("report");
    assert_eq!(direct.rooms, report.rooms);
    assert!(events
        .iter()
        .any(|e| matches!(e, pchat_migrate::jobs::JobEvent::Warning { .. })));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_are_refused_before_the_job_and_a_legacy_database_at_the_read() {
    let server = TestServer::start();
    let refused = |params: Value| {
        let request = pchat_migrate::operations::Request::from_value(
            json!({"operation": "client_access", "params": params}),
        )
        .expect("request");
        pchat_migrate::operations::start_job(&request)
            .err()
            .expect("refused at start")
    };
    let connection = server.connection_params(Some("mgc"));
    let error = refused(
        json!({"connection": connection, "facts": {"policies": [{"identity": "Dublin", "enablePersistentChat": true}]}}),
    );
    assert_eq!(error.code().to_string(), "invalid_parameter");
    assert!(
        error.to_string().contains("policies[0].identity"),
        "{error}"
    );
    let error =
        refused(json!({"connection": connection, "facts": {"policies": []}, "surprise": 1}));
    assert!(error.to_string().contains("surprise"), "{error}");

    // A legacy Group Chat database is not what this reads.
    let legacy = common::unique_db_name("ca_legacy");
    let mut admin = server.admin("master").await;
    chat_fixtures::create_database(&mut admin, &legacy, chat_fixtures::DatabaseKind::Legacy2010)
        .await
        .expect("legacy schema");
    let params = json!({
        "connection": server.connection_params(Some(&legacy)),
        "facts": {"policies": [{"identity": "Global", "enablePersistentChat": true}]},
    });
    let (result, _) = tokio::task::spawn_blocking(move || {
        run_job(json!({"operation": "client_access", "params": params}))
    })
    .await
    .expect("join");
    let error = result.expect_err("a legacy database is refused");
    assert!(error.to_string().contains("-DBName mgc"), "{error}");
    server.drop_database(&legacy).await;
}
