//! Issue 8 §3, readiness over real TDS: a generated Lync 2010, OCS 2007 R2 (and "published columns only")
//! deployment checked from its database and from its exported package gives the same findings and counts; the
//! generator's edge cases show up as their findings; the figures match the generator's own messages; a 2013
//! target with a colliding room yields a collision; nothing is written anywhere (checksums of every table); the
//! HTML report renders in a real browser (chromium) with its chart, inert hostile names and no horizontal
//! overflow at 1024 px.

#[path = "common/browser.rs"]
mod browser;
#[path = "common/checksums.rs"]
mod checksums;
mod common;

use browser::{chromium, dump_dom, overflow_harness, widths};
use chat_fixtures::{
    create_database_as, generate_model, write_schema, DatabaseKind, Deployment, PrincipalState,
    Role, Schema, Size, ROOT_NODE_ID,
};
use common::{run_job, unique_db_name, TestServer};
use pchat_migrate::jobs::Job;
use pchat_migrate::readiness::{readiness, ReadinessParams, ReadinessResult};
use pchat_migrate::transform::Finding;
use pchat_migrate::util::ticks::ticks_to_datetime;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

/// A seeded legacy deployment.
struct Seeded {
    server: TestServer,
    db: String,
    model: Deployment,
}

async fn seed(schema: Schema, seed: u64, change: impl FnOnce(&mut Deployment)) -> Seeded {
    let server = TestServer::start();
    let db = unique_db_name("readiness");
    let mut admin = server.admin("master").await;
    create_database_as(&mut admin, &db, schema)
        .await
        .expect("schema");
    let mut model = generate_model(seed, Size::Tiny);
    change(&mut model);
    write_schema(&mut admin, &model, schema)
        .await
        .expect("write legacy");
    Seeded { server, db, model }
}

/// Runs `readiness` as a job the way a host does.
async fn run_readiness(params: Value) -> Result<ReadinessResult, pchat_migrate::PcmError> {
    tokio::task::spawn_blocking(move || {
        let params: ReadinessParams = serde_json::from_value(params).expect("params parse");
        let job = Job::spawn("readiness", move |ctx| async move {
            readiness(params, ctx)
                .await
                .map(|r| serde_json::to_value(r).expect("serializes"))
        })
        .expect("job starts");
        job.wait(|_| {})
            .map(|v| serde_json::from_value(v).expect("result parses"))
    })
    .await
    .expect("join")
}

async fn export(s: &Seeded, name: &str) -> PathBuf {
    let file = common::fresh_dir("readiness", name).join("p.pcmpkg");
    let request = json!({
        "operation": "export",
        "params": { "connection": s.server.connection_params(Some(&s.db)), "fileName": file.display().to_string() }
    });
    tokio::task::spawn_blocking(move || run_job(request))
        .await
        .expect("join")
        .0
        .expect("export");
    file
}

fn with_code<'a>(r: &'a ReadinessResult, code: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
    r.findings.iter().filter(move |f| f.code == code)
}

/// The legacy path (`Top\Sub\Room`) of a generated room.
fn legacy_path(m: &Deployment, room_id: i32) -> String {
    let room = m.room(room_id).expect("room");
    let mut parts: Vec<&str> = m.category_path(room.category_id);
    parts.push(&room.name);
    parts.join("\\")
}

/// The categories from a room's up to the root, root included.
fn ancestors(m: &Deployment, room_id: i32) -> Vec<i32> {
    let mut out = Vec::new();
    let mut id = m.room(room_id).expect("room").category_id;
    loop {
        out.push(id);
        if id == ROOT_NODE_ID {
            return out;
        }
        id = m.category(id).expect("category").parent_id;
    }
}

/// Rooms an import keeps whose managers (on the room or any category above it: legacy manager rights cascade)
/// are all disabled, deleted or federated, or who have none; computed from the generator's model alone.
fn rooms_without_enabled_manager(m: &Deployment) -> BTreeSet<String> {
    let enabled: HashMap<i32, bool> = m
        .principals
        .iter()
        .map(|p| {
            (
                p.id,
                p.state == PrincipalState::Active && !p.kind.is_federated(),
            )
        })
        .collect();
    m.rooms
        .iter()
        .filter(|r| !r.disabled)
        .filter(|r| {
            let nodes: BTreeSet<i32> = std::iter::once(r.id).chain(ancestors(m, r.id)).collect();
            !m.roles.iter().any(|a| {
                a.role == Role::Manager
                    && nodes.contains(&a.node_id)
                    && enabled.get(&a.principal_id).copied().unwrap_or(false)
            })
        })
        .map(|r| legacy_path(m, r.id))
        .collect()
}

/// Messages per month and messages with file links per room, from the generator's own messages.
fn expected_figures(m: &Deployment) -> (BTreeMap<String, u64>, BTreeMap<i32, u64>) {
    use chrono::Datelike;
    let mut months = BTreeMap::new();
    let mut links = BTreeMap::new();
    for msg in m.messages() {
        let t = ticks_to_datetime(msg.date).expect("date");
        *months
            .entry(format!("{:04}-{:02}", t.year(), t.month()))
            .or_insert(0u64) += 1;
        if msg.content.to_ascii_lowercase().contains("ma-filelink:") {
            *links.entry(msg.room_id).or_insert(0u64) += 1;
        }
    }
    (months, links)
}

/// Everything the two readings must agree on (the source description differs: a package names its file).
fn comparable(r: &ReadinessResult) -> Value {
    json!({ "findings": r.findings, "counts": r.counts, "fileLinks": r.file_links, "months": r.months,
            "kind": r.source.kind, "ready": r.ready, "estimate": r.estimate })
}

/// Every table of a database checksummed (tests/common/checksums.rs: all columns, all rows).
async fn checksums(server: &TestServer, db: &str) -> checksums::Checksums {
    checksums::checksum_all(&mut server.admin(db).await).await
}

/// Seeds, reads the database, exports, reads the package: both readings agree, match the generator and show
/// its edge cases; neither writes to the source.
async fn database_and_package_agree(schema: Schema, seed_value: u64) {
    // The root managers disabled: every room then depends on its own and its categories' managers, and the
    // generator's rooms without any of those must be reported.
    let s = seed(schema, seed_value, |m| {
        let roots = m.edge.root_managers.clone();
        for p in m.principals.iter_mut().filter(|p| roots.contains(&p.id)) {
            p.state = PrincipalState::Disabled;
        }
    })
    .await;
    let before = checksums(&s.server, &s.db).await;
    let from_db = run_readiness(json!({ "source": s.server.connection_params(Some(&s.db)) }))
        .await
        .expect("readiness from the database");
    assert_eq!(
        checksums(&s.server, &s.db).await,
        before,
        "readiness wrote to the source"
    );
    let file = export(
        &s,
        &format!("{:?}-{:?}-{seed_value}", schema.kind, schema.flavour),
    )
    .await;
    let from_package = run_readiness(json!({ "fileName": file.display().to_string() }))
        .await
        .expect("readiness from the package");
    assert_eq!(comparable(&from_db), comparable(&from_package));
    assert_eq!(
        from_package.source.file_name.as_deref(),
        Some(file.display().to_string().as_str())
    );

    let m = &s.model;
    let r = &from_db;
    // Figures: every message by month, file links per room, against the generator.
    let (months, links) = expected_figures(m);
    let got: BTreeMap<String, u64> = r
        .months
        .iter()
        .filter(|c| c.messages > 0)
        .map(|c| (c.month.clone(), c.messages))
        .collect();
    assert_eq!(got, months);
    assert_eq!(r.counts.source_messages, m.message_count());
    let migrated_links: u64 = links
        .iter()
        .filter(|(room, _)| !m.room(**room).expect("room").disabled)
        .map(|(_, n)| n)
        .sum();
    assert!(migrated_links > 0, "the generator posts file links");
    assert_eq!(r.file_links.messages, migrated_links);
    let scripted = legacy_path(m, m.edge.scripted_message_room);
    assert!(r.file_links.rooms.iter().any(|f| f.source_path == scripted));
    assert!(with_code(r, "file_links").count() == 1);
    // Expected counts: the disabled room skipped with its messages.
    let disabled = m.room(m.edge.disabled_room).expect("room");
    assert!(r.counts.skipped_rooms >= 1);
    assert!(r.counts.skipped_messages >= disabled.message_count);
    assert_eq!(
        r.counts.rooms + r.counts.skipped_rooms,
        u64::try_from(m.rooms.len()).expect("count")
    );
    assert_eq!(
        r.counts.messages + r.counts.skipped_messages,
        m.message_count()
    );
    assert!(r.estimate.total_seconds > 0.0);
    // The generator's edge cases, each as its finding.
    for code in [
        "root_managers_manage_every_room",
        "name_too_long",
        "invitation_forced_off",
        "federated_principal_disabled",
        "rooms_skipped",
        "principal_disabled",
    ] {
        assert!(with_code(r, code).count() > 0, "finding {code} missing");
    }
    assert!(!r.ready, "names too long stop an import");
    let long = legacy_path(m, m.edge.long_name_room);
    assert!(with_code(r, "name_too_long").any(|f| f.entity.as_deref() == Some(long.as_str())));
    // No enabled manager: exactly the rooms the generator's roles leave without one.
    let flagged: BTreeSet<String> = with_code(r, "no_enabled_manager")
        .filter_map(|f| f.entity.clone())
        .collect();
    let expected = rooms_without_enabled_manager(m);
    assert!(
        !expected.is_empty(),
        "some room depends on the root managers only"
    );
    assert_eq!(flagged, expected);
}

#[tokio::test]
async fn a_lync_2010_database_and_its_package_give_the_same_readiness() {
    database_and_package_agree(DatabaseKind::Legacy2010.into(), 8301).await;
}

#[tokio::test]
async fn an_ocs_r2_database_and_its_package_give_the_same_readiness() {
    database_and_package_agree(DatabaseKind::OcsR2.into(), 8302).await;
}

#[tokio::test]
async fn published_columns_only_databases_give_the_same_readiness() {
    database_and_package_agree(Schema::published_only(DatabaseKind::Legacy2010), 8303).await;
    database_and_package_agree(Schema::published_only(DatabaseKind::OcsR2), 8304).await;
}

#[tokio::test]
async fn a_start_date_counts_what_the_export_would_move() {
    let s = seed(DatabaseKind::Legacy2010.into(), 8305, |_| {}).await;
    let all = run_readiness(json!({ "source": s.server.connection_params(Some(&s.db)) }))
        .await
        .expect("all");
    // A start date in the middle of the history: the months stay, the counts shrink to the later messages.
    let middle = &all.months[all.months.len() / 2];
    let start = format!("{}-01", middle.month);
    let later = run_readiness(
        json!({ "source": s.server.connection_params(Some(&s.db)), "startDate": start }),
    )
    .await
    .expect("from the start date");
    assert_eq!(later.months, all.months);
    let start_ticks = pchat_migrate::util::ticks::datetime_to_ticks(
        chrono::NaiveDate::parse_from_str(&start, "%Y-%m-%d")
            .expect("date")
            .and_hms_opt(0, 0, 0)
            .expect("time")
            .and_utc(),
    );
    let expected: u64 = s
        .model
        .messages()
        .filter(|msg| msg.date >= start_ticks)
        .count()
        .try_into()
        .expect("count");
    assert_eq!(later.estimate.export_messages, expected);
    assert!(later.counts.messages < all.counts.messages);
    assert_eq!(later.counts.source_messages, all.counts.source_messages);
}

#[tokio::test]
async fn bad_parameters_are_refused_before_connecting() {
    let e = run_readiness(json!({ "fileName": "/no/such/package.pcmpkg" }))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("package.pcmpkg"), "{e}");
    let dir = common::fresh_dir("readiness", "exists");
    std::fs::write(dir.join("r.html"), b"keep").expect("write");
    let e = run_readiness(
        json!({ "fileName": "x.pcmpkg", "report": dir.join("r.html").display().to_string() }),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    assert_eq!(std::fs::read(dir.join("r.html")).expect("read"), b"keep");
}

// ------------------------------------------------------------------------------------------------------------
// The HTML report in a real browser.

const HOSTILE: &str =
    "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">";

#[tokio::test]
async fn the_html_report_renders_in_a_browser_with_its_chart_and_inert_names() {
    let Some(chromium) = chromium() else { return };
    // A hostile room name (with file links, so it shows in several tables) and a long unbroken one.
    let s = seed(DatabaseKind::Legacy2010.into(), 8306, |m| {
        let scripted = m.edge.scripted_message_room;
        if let Some(r) = m.rooms.iter_mut().find(|r| r.id == scripted) {
            r.name = format!("{HOSTILE}{}", "x".repeat(150));
        }
    })
    .await;
    let dir = common::fresh_dir("readiness", "browser");
    let report = dir.join("readiness.html");
    let result = run_readiness(json!({ "source": s.server.connection_params(Some(&s.db)),
        "report": report.display().to_string() }))
    .await
    .expect("readiness");
    assert!(dir.join("readiness.json").is_file());
    let files = result.report.clone().expect("report files");
    assert_eq!(PathBuf::from(&files.html), report);

    let dom = dump_dom(&chromium, &report, &[]);
    // The chart is in the rendered DOM as SVG, one bar per month, heights to scale.
    assert!(
        dom.contains("<svg") && dom.contains("class=\"chart\""),
        "no chart"
    );
    let bars: Vec<&str> = dom.split("<rect class=\"bar").skip(1).collect();
    assert_eq!(bars.len(), result.months.len());
    let max = result
        .months
        .iter()
        .map(|m| m.messages)
        .max()
        .expect("months");
    for (bar, month) in bars.iter().zip(&result.months) {
        assert!(
            bar.contains(&format!("data-month=\"{}\"", month.month)),
            "{bar}"
        );
        let height: f64 = attr(bar, "height").parse().expect("height");
        let want =
            month.messages as f64 / max as f64 * pchat_migrate::readiness::chart::PLOT_HEIGHT;
        assert!(
            (height - want).abs() < 0.01,
            "{}: {height} vs {want}",
            month.month
        );
        assert!(
            bar.contains(&format!("<title>{}: ", month.month)),
            "hover title"
        );
    }
    // No script ran and no element came from the hostile name: it is text.
    assert!(!dom.contains("<script"), "a script element in the DOM");
    assert!(!dom.contains("<img"), "an img element in the DOM");
    assert!(!dom.contains("pwned</title>"), "the page title was changed");
    assert!(
        dom.contains("&lt;script&gt;document.title="),
        "the hostile name is shown as text"
    );
    assert!(!std::fs::read_to_string(&report)
        .expect("html")
        .contains("<script"));

    // No horizontal overflow at 1024 px; the harness does see overflow on a page that has it.
    let (scroll, client) = widths(&dump_dom(
        &chromium,
        &overflow_harness(&dir, &report, "harness"),
        &["--allow-file-access-from-files"],
    ));
    assert!(client > 900 && client <= 1024, "frame width {client}");
    assert!(
        scroll <= client,
        "the report is {scroll} px wide in a {client} px window"
    );
    let wide = dir.join("wide.html");
    std::fs::write(
        &wide,
        "<!DOCTYPE html><div style=\"width:2000px\">wide</div>",
    )
    .expect("wide");
    let (scroll, client) = widths(&dump_dom(
        &chromium,
        &overflow_harness(&dir, &wide, "control"),
        &["--allow-file-access-from-files"],
    ));
    assert!(
        scroll > client,
        "the harness must detect overflow ({scroll} vs {client})"
    );
}

fn attr<'a>(element: &'a str, name: &str) -> &'a str {
    let key = format!(" {name}=\"");
    let at = element
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {element}"))
        + key.len();
    let end = element[at..].find('"').expect("closing quote");
    &element[at..at + end]
}

// ------------------------------------------------------------------------------------------------------------
// With a target.

#[tokio::test]
async fn a_target_holding_a_colliding_room_shows_the_collision_and_nothing_is_written() {
    use chat_fixtures::{generate_mgc_model, write_mgc};
    let s = seed(DatabaseKind::Legacy2010.into(), 8307, |_| {}).await;
    // A migrated room that keeps its own name: enabled, in a top-level category, named uniquely.
    let m = &s.model;
    let room = m
        .rooms
        .iter()
        .find(|r| {
            !r.disabled
                && m.category_path(r.category_id).len() == 1
                && m.rooms
                    .iter()
                    .filter(|o| o.name.eq_ignore_ascii_case(&r.name))
                    .count()
                    == 1
                && !m
                    .categories
                    .iter()
                    .any(|c| c.name.eq_ignore_ascii_case(&r.name))
        })
        .expect("a room in a top-level category");
    let name = room.name.clone();
    let target_db = unique_db_name("readiness_mgc");
    let mut admin = s.server.admin("master").await;
    create_database_as(&mut admin, &target_db, DatabaseKind::Mgc2013.into())
        .await
        .expect("mgc schema");
    let mut target = generate_mgc_model(8308, Size::Tiny);
    let first = target
        .rooms
        .iter()
        .position(|r| !r.disabled)
        .expect("an mgc room");
    target.rooms[first].name = name.clone();
    write_mgc(&mut admin, &target).await.expect("write mgc");

    let before = (
        checksums(&s.server, &s.db).await,
        checksums(&s.server, &target_db).await,
    );
    let mut connection = s.server.connection_params(Some(&target_db));
    let source = s.server.connection_params(Some(&s.db));
    let run = |action: &str| {
        run_readiness(
            json!({ "source": source.clone(), "target": connection.clone(),
            "conflictAction": action }),
        )
    };
    let fail = run("Fail").await.expect("readiness with a target");
    let skip = run("Skip").await.expect("readiness with Skip");
    assert_eq!(
        (
            checksums(&s.server, &s.db).await,
            checksums(&s.server, &target_db).await
        ),
        before,
        "readiness wrote to the source or the target"
    );
    let t = fail.target.as_ref().expect("target checked");
    assert_eq!(t.database, target_db);
    let collision = t
        .collisions
        .iter()
        .find(|c| c.entity_type == "Room" && c.name == name)
        .unwrap_or_else(|| panic!("no collision for '{name}' in {:?}", t.collisions));
    assert_eq!(collision.target_name, name);
    assert!(collision.refused && !collision.by_guid, "{collision:?}");
    // The target's preflight: the backup status is always reported.
    assert!(
        t.findings.iter().any(|f| f.code.starts_with("backup_")),
        "{:?}",
        t.findings
    );
    assert!(fail
        .findings
        .iter()
        .any(|f| f.severity == pchat_migrate::transform::Severity::Error
            && f.message.contains(&name)
            && t.findings.contains(f)));
    let skipped = skip
        .target
        .as_ref()
        .expect("target")
        .collisions
        .iter()
        .find(|c| c.name == name);
    assert!(
        matches!(
            skipped.map(|c| &c.action),
            Some(pchat_migrate::target::StepAction::Skip { .. })
        ),
        "{skipped:?}"
    );
    // A legacy database is no target.
    connection["dbName"] = json!(s.db);
    let e = run_readiness(
        json!({ "fileName": export(&s, "not-a-target").await.display().to_string(),
        "target": connection }),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("mgc"), "{e}");
}

#[tokio::test]
async fn a_2013_database_and_its_package_agree_with_nothing_flattened() {
    use chat_fixtures::{generate_mgc_model, write_mgc};
    let server = TestServer::start();
    let db = unique_db_name("readiness_2013");
    let mut admin = server.admin("master").await;
    create_database_as(&mut admin, &db, DatabaseKind::Mgc2013.into())
        .await
        .expect("schema");
    let model = generate_mgc_model(8309, Size::Tiny);
    write_mgc(&mut admin, &model).await.expect("write mgc");
    let s = Seeded { server, db, model };
    let from_db = run_readiness(json!({ "source": s.server.connection_params(Some(&s.db)) }))
        .await
        .expect("readiness from a 2013 database");
    let file = export(&s, "mgc2013").await;
    let from_package = run_readiness(json!({ "fileName": file.display().to_string() }))
        .await
        .expect("readiness from a 2013 package");
    assert_eq!(comparable(&from_db), comparable(&from_package));
    assert_eq!(from_db.source.kind, "PersistentChat2013");
    assert_eq!(with_code(&from_db, "name_prefixed").count(), 0);
    assert_eq!(from_db.counts.source_messages, s.model.message_count());
    let (months, _) = expected_figures(&s.model);
    assert_eq!(
        from_db.months.iter().map(|m| m.messages).sum::<u64>(),
        months.values().sum::<u64>()
    );
}
