//! Add-ins, categories and rooms: each node lands whole with its roles and (categories) scope, up to
//! [`NODES_PER_TRANSACTION`] nodes per transaction. `Create`
//! inserts with the package's GUID (the resume ledger); `Resume` brings the node to the plan; `Overwrite`
//! updates the target's node in place, takes the package's GUID, replaces roles and scope and (rooms) deletes
//! its messages; `Skip` writes nothing and maps to the target's item.

use super::node_access::{
    insert_role_rows, insert_scope_rows, read_roles, read_scopes, sync_roles, sync_scopes, Roles,
    Scopes,
};
use super::node_row::{self, NodeValues, Stamps};
use super::sql::{exec, guid, ids_by_guid, rows, scalar_i64};
use super::Apply;
use crate::connection::transaction::{begin, end};
use crate::connection::SqlClient;
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::target::{EntityStatus, StepAction};
use crate::util::ticks::datetime_to_ticks;
use std::collections::HashMap;
use tiberius::Uuid;

/// Messages an overwritten room loses per DELETE (keeps each statement's log use bounded).
const DELETE_BATCH: i32 = 5_000;

/// One node as the plan wants it.
pub struct Wanted {
    pub entity_type: &'static str,
    pub values: NodeValues,
    pub roles: Roles,
    pub scopes: Scopes,
    pub stamps: Stamps,
}

/// Writes add-ins, categories, then rooms, filling the id map.
pub async fn write(
    run: &mut Apply<'_>,
    client: &mut SqlClient,
    ctx: &JobContext,
) -> Result<(), PcmError> {
    write_addins(run, client).await?;
    let prepared = run.prepared;
    // Read once: nodes are written one transaction each by this run only (the admin lock is held), so the map
    // stays true for the nodes it is asked about, those the plan creates and this run has not written yet.
    let by_guid = ids_by_guid(client, &run.catalog, "tblNode", "nodeGuid", "nodeID").await?;
    let mut group = NodeGroup::default();
    for step in &prepared.plan.categories {
        ctx.check_cancelled()?;
        let wanted = category(run, step)?;
        let key = Some(NodeKey::Category(step.planned.guid.to_ascii_lowercase()));
        let node = NodeWrite {
            name: &step.name,
            action: &step.action,
            wanted,
            delete_messages: false,
        };
        group.add(run, client, &by_guid, node, key).await?;
    }
    // Rooms name their category's target id: every category is written first.
    group.flush(run, client).await?;
    for (index, step) in prepared.plan.rooms.iter().enumerate() {
        ctx.check_cancelled()?;
        let wanted = room(run, index)?;
        let skipped = matches!(step.action, StepAction::Skip { .. });
        let node = NodeWrite {
            name: &step.name,
            action: &step.action,
            wanted,
            delete_messages: matches!(step.action, StepAction::Overwrite { .. }),
        };
        group
            .add(
                run,
                client,
                &by_guid,
                node,
                (!skipped).then_some(NodeKey::Room(index)),
            )
            .await?;
    }
    group.flush(run, client).await
}

/// Where a written node's target id goes in the id map.
enum NodeKey {
    /// A category, by its package GUID (lower case).
    Category(String),
    /// A room that gets chat, by its index in the plan.
    Room(usize),
}

/// Nodes written in one transaction, [`NODES_PER_TRANSACTION`] at a time: each node still lands whole (its row,
/// roles and scope), and a failure rolls the group back, to be written again by the next run.
#[derive(Default)]
struct NodeGroup<'a> {
    pending: Vec<(NodeWrite<'a>, Option<i32>, Option<NodeKey>)>,
}

/// Nodes per transaction (a round trip each for BEGIN and COMMIT was half of a small node's cost).
const NODES_PER_TRANSACTION: usize = 50;

impl<'a> NodeGroup<'a> {
    /// Records a node that needs no write at once; queues the others, writing the group when it is full. An
    /// overwritten room (its messages are deleted) is written in a transaction of its own.
    async fn add(
        &mut self,
        run: &mut Apply<'_>,
        client: &mut SqlClient,
        by_guid: &HashMap<Uuid, i32>,
        node: NodeWrite<'a>,
        key: Option<NodeKey>,
    ) -> Result<(), PcmError> {
        match unwritten(run, client, by_guid, &node).await? {
            Unwritten::Done(id) => {
                if let (Some(id), Some(key)) = (id, key) {
                    map_node(run, key, id);
                }
                Ok(())
            }
            Unwritten::Write(target) => {
                if node.delete_messages {
                    self.flush(run, client).await?;
                    self.pending.push((node, target, key));
                    return self.flush(run, client).await;
                }
                // Nodes inserted together are told apart by GUID: one GUID twice goes to the next batch.
                if self
                    .pending
                    .iter()
                    .any(|(queued, _, _)| queued.wanted.values.guid == node.wanted.values.guid)
                {
                    self.flush(run, client).await?;
                }
                self.pending.push((node, target, key));
                if self.pending.len() >= NODES_PER_TRANSACTION {
                    self.flush(run, client).await?;
                }
                Ok(())
            }
        }
    }

    /// Writes the queued nodes in one transaction, then records and maps them.
    async fn flush(&mut self, run: &mut Apply<'_>, client: &mut SqlClient) -> Result<(), PcmError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        begin(client).await?;
        let outcome = write_group(run, client, &pending).await;
        let written = end(client, outcome).await?;
        for ((node, target, key), (id, deleted)) in pending.into_iter().zip(written) {
            record_written(run, &node, target, deleted);
            if let Some(key) = key {
                map_node(run, key, id);
            }
        }
        Ok(())
    }
}

/// The statements of a group (inside the caller's transaction): the nodes new to the target in one multi-row
/// insert with their roles and scopes, then each other node on its own. Each node's id and messages deleted, in
/// the group's order.
async fn write_group(
    run: &Apply<'_>,
    client: &mut SqlClient,
    pending: &[(NodeWrite<'_>, Option<i32>, Option<NodeKey>)],
) -> Result<Vec<(i32, u64)>, PcmError> {
    let c = &run.catalog;
    let fresh: Vec<&Wanted> = pending
        .iter()
        .filter(|(_, target, _)| target.is_none())
        .map(|(node, _, _)| &node.wanted)
        .collect();
    let values: Vec<(&NodeValues, Stamps)> = fresh.iter().map(|w| (&w.values, w.stamps)).collect();
    let identity = run.prepared.state.node_id_is_identity;
    let fresh_ids = node_row::insert_many(client, c, &values, identity).await?;
    // A node inserted just now has no roles or scope yet: nothing to read or delete first.
    let mut roles = Vec::new();
    let mut scopes = Vec::new();
    for (wanted, id) in fresh.iter().zip(&fresh_ids) {
        roles.extend(wanted.roles.iter().map(|(prin, role)| (*id, *prin, *role)));
        if wanted.values.is_category {
            scopes.extend(
                wanted
                    .scopes
                    .iter()
                    .map(|(prin, denied)| (*id, *prin, *denied)),
            );
        }
    }
    insert_role_rows(client, c, &roles, run.system).await?;
    insert_scope_rows(client, c, &scopes, run.system).await?;
    let mut fresh_ids = fresh_ids.into_iter();
    let mut written = Vec::with_capacity(pending.len());
    for (node, target, _) in pending {
        match target {
            None => {
                let id = fresh_ids
                    .next()
                    .ok_or_else(|| PcmError::Internal("a new node has no id".into()))?;
                written.push((id, 0));
            }
            Some(id) => {
                let deleted =
                    update_node(run, client, *id, &node.wanted, node.delete_messages).await?;
                written.push((*id, deleted));
            }
        }
    }
    Ok(written)
}

fn map_node(run: &mut Apply<'_>, key: NodeKey, id: i32) {
    match key {
        NodeKey::Category(guid) => {
            run.ids.categories.insert(guid, id);
        }
        NodeKey::Room(index) => {
            run.ids.rooms.insert(index, id);
        }
    }
}

fn now() -> i64 {
    datetime_to_ticks(chrono::Utc::now())
}

fn stamps(
    run: &Apply<'_>,
    added_by: Option<i32>,
    added_on: Option<i64>,
    updated_by: Option<i32>,
    updated_on: Option<i64>,
) -> Stamps {
    let added_on = added_on.unwrap_or_else(now);
    Stamps {
        added_by: run.by(added_by),
        added_on,
        updated_by: run.by(updated_by.or(added_by)),
        updated_on: updated_on.unwrap_or(added_on),
    }
}

fn enum_id(run: &Apply<'_>, name: &str) -> Result<i16, PcmError> {
    run.prepared.state.enum_values.get(name).copied().ok_or_else(|| {
        PcmError::TargetNotReady(format!(
            "the target's tblEnumValue has no '{name}' value; it is not a complete Persistent Chat database"
        ))
    })
}

fn role_id(run: &Apply<'_>, name: &str) -> Result<i32, PcmError> {
    let ids = &run.prepared.plan.role_type_ids;
    ids.get(name)
        .or_else(|| {
            ids.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
        .copied()
        .ok_or_else(|| {
            PcmError::TargetNotReady(format!("the target's tblRoleType has no '{name}' role"))
        })
}

fn add_roles(
    run: &Apply<'_>,
    roles: &mut Roles,
    who: &[i32],
    role: &str,
    node: &str,
) -> Result<(), PcmError> {
    if who.is_empty() {
        return Ok(());
    }
    let type_id = role_id(run, role)?;
    for p in who {
        roles.insert((
            run.principal(*p, &format!("the {role} role of '{node}'"))?,
            type_id,
        ));
    }
    Ok(())
}

/// A category as the plan wants it: one level below the root, Creators as roles, AllowedMembers and
/// DeniedMembers as its scope. Categories get behavior `normal` and visibility `scope`, as the root category
/// of a new `mgc` has (docs/import.md).
pub fn category(run: &Apply<'_>, step: &crate::target::CategoryStep) -> Result<Wanted, PcmError> {
    let p = &step.planned;
    let mut roles = Roles::new();
    add_roles(run, &mut roles, &p.creators, "Creator", &step.name)?;
    let mut scopes = Scopes::new();
    for (list, denied) in [(&p.allowed, false), (&p.denied, true)] {
        for id in list {
            scopes.insert(
                run.principal(*id, &format!("the scope of '{}'", step.name))?,
                denied,
            );
        }
    }
    Ok(Wanted {
        entity_type: "Category",
        values: NodeValues {
            guid: p.guid.to_ascii_lowercase(),
            parent: run.prepared.state.root_id,
            is_category: true,
            name: step.name.clone(),
            description: p.description.clone(),
            invite: Some(p.invite),
            logged: Some(p.logged),
            file_post: Some(p.file_post),
            disabled: false,
            behavior: enum_id(run, "normal")?,
            visibility: enum_id(run, "scope")?,
            siop: None,
        },
        roles,
        scopes,
        stamps: stamps(run, p.added_by, p.added_on, p.updated_by, p.updated_on),
    })
}

/// A room as the plan wants it: in its category's target node, `logged`/`filePost` NULL (2013 keeps them per
/// category), members, managers and (auditorium) presenters as roles.
pub fn room(run: &Apply<'_>, index: usize) -> Result<Wanted, PcmError> {
    let step = &run.prepared.plan.rooms[index];
    let p = &step.planned;
    let parent = *run
        .ids
        .categories
        .get(&p.category_guid.to_ascii_lowercase())
        .ok_or_else(|| {
            PcmError::Internal(format!(
                "room '{}' names a category the plan did not resolve",
                step.name
            ))
        })?;
    let siop = p.addin_id.as_ref().map(|id| {
        run.ids
            .addins
            .get(&id.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| id.to_ascii_lowercase())
    });
    let mut roles = Roles::new();
    add_roles(run, &mut roles, &p.members, "Member", &step.name)?;
    add_roles(run, &mut roles, &p.managers, "Manager", &step.name)?;
    add_roles(run, &mut roles, &p.presenters, "Voiced", &step.name)?;
    Ok(Wanted {
        entity_type: "Room",
        values: NodeValues {
            guid: p.guid.to_ascii_lowercase(),
            parent,
            is_category: false,
            name: step.name.clone(),
            description: p.description.clone(),
            invite: p.invite,
            logged: None,
            file_post: None,
            disabled: p.disabled,
            behavior: step.behavior_id,
            visibility: step.visibility_id,
            siop,
        },
        roles,
        scopes: Scopes::new(),
        stamps: stamps(run, p.added_by, p.added_on, p.updated_by, p.updated_on),
    })
}

/// Whether node `id` differs from `wanted` (read only: the no-op check of a second import).
pub async fn differs(
    run: &Apply<'_>,
    client: &mut SqlClient,
    id: i32,
    wanted: &Wanted,
) -> Result<bool, PcmError> {
    let c = &run.catalog;
    Ok(
        node_row::read(client, c, id).await?.as_ref() != Some(&wanted.values)
            || read_roles(client, c, id).await? != wanted.roles
            || (wanted.values.is_category && read_scopes(client, c, id).await? != wanted.scopes),
    )
}

/// One node to write: its plan step and what it must hold.
struct NodeWrite<'a> {
    name: &'a str,
    action: &'a StepAction,
    wanted: Wanted,
    delete_messages: bool,
}

/// A node before its write: recorded already (skipped, or in the target as planned) with its target id, or to
/// write over its target node (`None`: inserted).
enum Unwritten {
    Done(Option<i32>),
    Write(Option<i32>),
}

/// Records a node that needs no write; else says which target node it writes.
async fn unwritten(
    run: &mut Apply<'_>,
    client: &mut SqlClient,
    by_guid: &HashMap<Uuid, i32>,
    node: &NodeWrite<'_>,
) -> Result<Unwritten, PcmError> {
    let (name, wanted) = (node.name, &node.wanted);
    let kind = wanted.entity_type;
    let target = match node.action {
        StepAction::Skip { reason, target_id } => {
            run.record(kind, name, EntityStatus::Skipped, reason.clone());
            return Ok(Unwritten::Done(*target_id));
        }
        // A node an earlier, interrupted run of this import created has the package GUID.
        StepAction::Create => {
            let g = guid(&wanted.values.guid, &format!("'{name}'"))?;
            by_guid.get(&g).copied()
        }
        StepAction::Resume { target_id } | StepAction::Overwrite { target_id } => Some(*target_id),
    };
    if let Some(id) = target {
        if !node.delete_messages && !differs(run, client, id, wanted).await? {
            run.record(
                kind,
                name,
                EntityStatus::Skipped,
                "already in the target as planned (resumed)",
            );
            return Ok(Unwritten::Done(Some(id)));
        }
    }
    Ok(Unwritten::Write(target))
}

/// Records a node its transaction wrote.
fn record_written(run: &mut Apply<'_>, node: &NodeWrite<'_>, target: Option<i32>, deleted: u64) {
    let (kind, name) = (node.wanted.entity_type, node.name);
    match (node.action, target) {
        (StepAction::Overwrite { .. }, _) => {
            let mut note = "overwritten: settings, roles and GUID replaced".to_string();
            if node.delete_messages {
                note.push_str(&format!(", {deleted} messages deleted"));
            }
            run.record_updated(kind, name, note);
        }
        (_, Some(_)) => run.record_updated(kind, name, "resumed: brought up to the plan"),
        (_, None) => run.record(kind, name, EntityStatus::Successful, "created"),
    }
}

/// An existing node's statements (inside the caller's transaction): its row, roles, scope, and an overwritten
/// room's messages. The messages deleted.
async fn update_node(
    run: &Apply<'_>,
    client: &mut SqlClient,
    id: i32,
    wanted: &Wanted,
    delete_messages: bool,
) -> Result<u64, PcmError> {
    let c = &run.catalog;
    node_row::update(client, c, id, &wanted.values, wanted.stamps).await?;
    sync_roles(client, c, id, &wanted.roles, run.system).await?;
    if wanted.values.is_category {
        sync_scopes(client, c, id, &wanted.scopes, run.system).await?;
    }
    if delete_messages {
        delete_chat(run, client, id).await
    } else {
        Ok(0)
    }
}

/// Deletes an overwritten room's messages in batches of [`DELETE_BATCH`] by key range (the highest chatId of
/// the next batch, then everything up to it), inside its node's transaction.
async fn delete_chat(run: &Apply<'_>, client: &mut SqlClient, id: i32) -> Result<u64, PcmError> {
    let c = &run.catalog;
    let (t, ch, chat) = (
        c.table_ref("tblChat"),
        c.col("tblChat", "channelId"),
        c.col("tblChat", "chatId"),
    );
    let bound = format!(
        "SELECT MAX(b.{chat}) FROM (SELECT TOP (@P1) {chat} FROM {t} WHERE {ch} = @P2 ORDER BY {chat}) AS b"
    );
    let delete = format!("DELETE FROM {t} WHERE {ch} = @P1 AND {chat} <= @P2");
    let mut total = 0;
    while let Some(upto) = scalar_i64(client, &bound, &[&DELETE_BATCH, &id]).await? {
        total += exec(client, &delete, &[&id, &upto]).await?;
    }
    Ok(total)
}

/// Add-ins (`tblSiopWhiteList`): the id map for rooms, inserts and updates.
async fn write_addins(run: &mut Apply<'_>, client: &mut SqlClient) -> Result<(), PcmError> {
    let prepared = run.prepared;
    let t = "tblSiopWhiteList";
    let c = &run.catalog;
    let (table, id_col, name_col, url_col) = (
        c.table_ref(t),
        c.col(t, "siopID"),
        c.col(t, "siopName"),
        c.col(t, "siopUrl"),
    );
    let read = format!("SELECT {name_col}, {url_col} FROM {table} WHERE {id_col} = @P1");
    let insert =
        format!("INSERT INTO {table} ({id_col}, {name_col}, {url_col}) VALUES (@P1, @P2, @P3)");
    let update =
        format!("UPDATE {table} SET {name_col} = @P2, {url_col} = @P3 WHERE {id_col} = @P1");
    for step in &prepared.plan.addins {
        let package_id = step.planned.id.to_ascii_lowercase();
        // The planner names the target add-in a Skip / Overwrite / Resume maps to; else the one of the same
        // name, else the package's id.
        let target_id = match (&step.action, &step.target_id) {
            (StepAction::Create, _) => package_id.clone(),
            (_, Some(id)) => id.to_ascii_lowercase(),
            (StepAction::Resume { .. }, None) => package_id.clone(),
            (_, None) => prepared
                .state
                .addins
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case(&step.planned.name))
                .map(|a| a.id.to_ascii_lowercase())
                .unwrap_or_else(|| package_id.clone()),
        };
        run.ids.addins.insert(package_id, target_id.clone());
        if let StepAction::Skip { reason, .. } = &step.action {
            run.record("AddIn", &step.name, EntityStatus::Skipped, reason.clone());
            continue;
        }
        let g = guid(&target_id, &format!("add-in '{}'", step.name))?;
        let found = rows(client, &read, &[&g]).await?;
        let current = found.first().map(|row| {
            (
                crate::util::rows::opt_string(row, 0)
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
                crate::util::rows::opt_string(row, 1)
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
            )
        });
        match current {
            None => {
                exec(client, &insert, &[&g, &step.name, &step.planned.url]).await?;
                run.record("AddIn", &step.name, EntityStatus::Successful, "registered");
            }
            Some((name, url)) if name == step.name && url == step.planned.url => {
                run.record(
                    "AddIn",
                    &step.name,
                    EntityStatus::Skipped,
                    "already in the target as planned",
                );
            }
            Some(_) => {
                exec(client, &update, &[&g, &step.name, &step.planned.url]).await?;
                run.record_updated("AddIn", &step.name, "name and URL set to the package's");
            }
        }
    }
    Ok(())
}
