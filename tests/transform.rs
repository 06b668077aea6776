//! Issue 8 §1 end to end as far as the transform goes: a generated Lync 2010, OCS 2007 R2 (full and "published
//! columns only") and a 2013 deployment, exported through TDS to a package, read back and transformed; the model
//! is checked on the generator's edge cases (docs/schema-assumptions.md "Generator edge cases").

mod common;

use chat_fixtures::{
    create_database_as, generate_mgc_model, generate_model, write_mgc, write_schema, DatabaseKind,
    Deployment, Schema, Size,
};
use common::{run_job, unique_db_name, TestServer};
use pchat_migrate::package::reader::Entities;
use pchat_migrate::package::{Manifest, PackageReader};
use pchat_migrate::transform::{
    transform, Finding, MigrationModel, PlannedRoom, Severity, TransformOptions,
    PERSISTENT_CHAT_2013,
};
use serde_json::json;
use std::collections::BTreeSet;

/// Seeds `schema`, exports it, and returns the generator's model with the package's manifest and entities.
async fn export(schema: Schema, seed: u64) -> (Deployment, Manifest, Entities) {
    let server = TestServer::start();
    let db = unique_db_name("transform");
    let mut admin = server.admin("master").await;
    create_database_as(&mut admin, &db, schema)
        .await
        .expect("schema");
    let model = if schema.kind == DatabaseKind::Mgc2013 {
        let m = generate_mgc_model(seed, Size::Tiny);
        write_mgc(&mut admin, &m).await.expect("write mgc");
        m
    } else {
        let m = generate_model(seed, Size::Tiny);
        write_schema(&mut admin, &m, schema)
            .await
            .expect("write legacy");
        m
    };
    let file =
        common::fresh_dir("transform", &format!("{:?}-{seed}", schema.kind)).join("p.pcmpkg");
    let request = json!({
        "operation": "export",
        "params": {
            "connection": server.connection_params(Some(&db)),
            "fileName": file.display().to_string(),
        }
    });
    tokio::task::spawn_blocking(move || run_job(request))
        .await
        .expect("join")
        .0
        .expect("export");
    let mut reader = PackageReader::open(&file).expect("open package");
    let entities = reader.entities().expect("entities");
    (model, reader.into_manifest(), entities)
}

fn run(manifest: &Manifest, entities: &Entities) -> MigrationModel {
    transform(
        &manifest.source.kind,
        entities,
        &manifest.rooms,
        &TransformOptions::default(),
    )
}

fn room(m: &MigrationModel, id: i32) -> &PlannedRoom {
    m.rooms
        .iter()
        .find(|r| r.source_id == id)
        .unwrap_or_else(|| panic!("room {id} planned"))
}

fn with_code<'a>(m: &'a MigrationModel, code: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
    m.findings.iter().filter(move |f| f.code == code)
}

fn explicit(e: &Entities, node: i32, role: &str) -> BTreeSet<i32> {
    e.roles
        .iter()
        .filter(|r| {
            r.node_id == node
                && r.role.eq_ignore_ascii_case(role)
                && r.origin == pchat_migrate::package::RoleOrigin::Explicit
        })
        .map(|r| r.principal_id)
        .collect()
}

/// The checks every legacy flavour passes.
fn check_legacy(schema: Schema, model: &Deployment, e: &Entities, m: &MigrationModel) {
    let edge = &model.edge;
    // Flatten: the deep room carries its whole category path, and is not truncated.
    let deep_node = e
        .rooms
        .iter()
        .find(|r| r.id == edge.deep_room)
        .expect("deep room");
    assert!(deep_node.path.len() >= 4, "{:?}", deep_node.path);
    let deep = room(m, edge.deep_room);
    let expected = format!("{} - {}", deep_node.path.join(" - "), deep_node.name);
    assert_eq!(deep.name, expected);
    assert_eq!(
        deep.category_guid,
        e.categories
            .iter()
            .find(|c| Some(c.id) == deep_node.parent_id)
            .expect("parent")
            .guid
    );
    assert_eq!(
        m.categories.len(),
        e.categories.len() - 1 + usize::from(m.categories.iter().any(|c| c.source_id.is_none()))
    );
    // 256 characters after prefixing: every over-long name is an Error naming its path.
    for r in &m.rooms {
        let too_long = with_code(m, "name_too_long")
            .any(|f| f.entity.as_deref() == Some(r.source_path.as_str()));
        assert_eq!(r.name.chars().count() > 256, too_long, "{}", r.source_path);
    }
    for id in [edge.long_name_room, edge.deep_room] {
        let path = &room(m, id).source_path;
        assert!(
            with_code(m, "name_too_long").any(|f| &f.entity.clone().unwrap_or_default() == path),
            "{path}"
        );
    }
    // Room named like a category and same-named rooms: collisions only where the 2013 names meet.
    let like = room(m, edge.room_named_like_category);
    let clash = m
        .categories
        .iter()
        .any(|c| c.name.to_lowercase() == like.name.to_lowercase());
    let reported = with_code(m, "name_collision")
        .any(|f| f.message.contains(&format!("room '{}'", like.source_path)));
    assert_eq!(clash, reported, "{}", like.name);
    // Invitations: room on under a category that is off.
    assert_eq!(room(m, edge.invite_conflict_room).invite, Some(false));
    assert!(with_code(m, "invitation_forced_off")
        .any(|f| f.rooms == [room(m, edge.invite_conflict_room).name.clone()]));
    // Root managers manage every room.
    for r in &m.rooms {
        for id in &edge.root_managers {
            assert!(r.managers.contains(id), "root manager {id} in {}", r.name);
        }
    }
    assert_eq!(with_code(m, "root_managers_manage_every_room").count(), 1);
    // overrideMember: the room's members are its own.
    let partners = room(m, edge.override_member_room);
    let own: Vec<i32> = explicit(e, edge.override_member_room, "Member")
        .into_iter()
        .collect();
    assert_eq!(partners.members, own);
    // Disabled room skipped with its messages; auditorium presenters; add-in kept.
    let skipped = m
        .skipped_rooms
        .iter()
        .find(|s| s.source_id == edge.disabled_room)
        .expect("skipped");
    let stored = model
        .rooms
        .iter()
        .find(|r| r.id == edge.disabled_room)
        .expect("room")
        .message_count;
    assert_eq!(skipped.messages, stored);
    let auditorium = room(m, edge.auditorium_room);
    assert_eq!(auditorium.behavior, "auditorium");
    assert!(!auditorium.presenters.is_empty());
    // (the published columns have no tblNode.siopID: no add-in to keep there)
    assert_eq!(
        room(m, edge.addin_room).addin_id.is_some(),
        schema.has_column("tblNode", "siopID")
    );
    // Federated principals: disabled users/groups, reported with the rooms they lose.
    let federated: Vec<_> = m.principals.iter().filter(|p| p.federated).collect();
    assert!(federated.len() >= 2, "federated users and a group");
    assert!(federated
        .iter()
        .all(|p| p.disabled >= 1 && (p.type_name == "User" || p.type_name == "Group")));
    assert!(federated.iter().any(|p| p.type_name == "Group"));
    let fed_room = room(m, edge.federated_room).name.clone();
    assert!(with_code(m, "federated_principal_disabled").any(|f| f.rooms.contains(&fed_room)));
    // Disabled and deleted users kept as they are.
    let state = |id: i32| {
        m.principals
            .iter()
            .find(|p| p.source_id == id)
            .expect("principal")
            .disabled
    };
    assert_eq!(
        state(edge.disabled_user),
        e.principals
            .iter()
            .find(|p| p.id == edge.disabled_user)
            .expect("p")
            .disabled
    );
    assert!(
        with_code(m, "principal_disabled")
            .chain(with_code(m, "principal_deleted"))
            .count()
            >= 2
    );
    // Per-room history / file-post settings that differ: folded with a warning.
    assert!(with_code(m, "setting_conflict").any(|f| f
        .rooms
        .contains(&room(m, edge.per_room_settings_room).name)
        || f.message
            .contains(&room(m, edge.per_room_settings_room).name)));
    assert!(m.has_errors(), "the generator's long names must be refused");
    // Resolving the errors with a NameMap leaves no name errors.
    let mut options = TransformOptions::default();
    for f in m
        .findings
        .iter()
        .filter(|f| f.code == "name_too_long" || f.code == "name_collision")
    {
        let path = f.entity.clone().expect("entity");
        let n = options.name_map.len();
        options.name_map.insert(path, format!("Renamed {n}"));
    }
    let fixed = transform("LyncGroupChat2010", e, &[], &options);
    assert_eq!(with_code(&fixed, "name_too_long").count(), 0);
}

async fn legacy(schema: Schema, seed: u64) {
    let (model, manifest, entities) = export(schema, seed).await;
    assert_ne!(manifest.source.kind, PERSISTENT_CHAT_2013);
    let m = run(&manifest, &entities);
    check_legacy(schema, &model, &entities, &m);
    assert_eq!(m, run(&manifest, &entities), "deterministic");
}

#[tokio::test]
async fn a_lync_2010_deployment_converts_on_every_edge_case() {
    legacy(Schema::from(DatabaseKind::Legacy2010), 81).await;
}

#[tokio::test]
async fn an_ocs_r2_deployment_converts_on_every_edge_case() {
    legacy(Schema::from(DatabaseKind::OcsR2), 82).await;
}

#[tokio::test]
async fn published_columns_only_deployments_convert_too() {
    legacy(Schema::published_only(DatabaseKind::Legacy2010), 83).await;
    legacy(Schema::published_only(DatabaseKind::OcsR2), 84).await;
}

#[tokio::test]
async fn a_2013_package_loads_with_nothing_converted() {
    let (_, manifest, entities) = export(Schema::from(DatabaseKind::Mgc2013), 85).await;
    assert_eq!(manifest.source.kind, PERSISTENT_CHAT_2013);
    let m = run(&manifest, &entities);
    let converted: Vec<&Finding> = m
        .findings
        .iter()
        .filter(|f| {
            f.code == "name_prefixed"
                || f.code == "root_rooms_category_created"
                || f.severity == Severity::Error
        })
        .collect();
    assert!(converted.is_empty(), "{converted:#?}");
    for r in &m.rooms {
        let node = entities
            .rooms
            .iter()
            .find(|n| n.id == r.source_id)
            .expect("node");
        assert_eq!(r.name, node.name);
        assert_eq!(
            r.category_guid,
            entities
                .categories
                .iter()
                .find(|c| Some(c.id) == node.parent_id)
                .expect("c")
                .guid
        );
    }
    assert_eq!(m.categories.len(), entities.categories.len() - 1);
}
