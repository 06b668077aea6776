//! Principals: matched in the target by `prinGuid` (the planner's `Skip` with the target id, or a principal an
//! interrupted run of this import already inserted), else inserted disabled-as-planned with their
//! self-affiliation and a `tblPrincipalMeta` row marked dirty, so the Persistent Chat server refreshes them
//! from AD. System users map to the target's system principal.

use super::sql::{exec, guid, ids_by_guid, scalar_i64, to_i32};
use super::Apply;
use crate::connection::transaction::{begin, end};
use crate::connection::SqlClient;
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::target::{EntityStatus, PrincipalStep, StepAction};
use crate::util::ticks::datetime_to_ticks;

/// Principals inserted per transaction (each is a few small statements).
const PER_TRANSACTION: usize = 100;

/// `prinVerifiedOn` of an inserted principal: long ago, so the server's AD sync treats it as unverified and
/// refreshes it at once (docs/import.md).
const NEVER_VERIFIED: &str = "CAST(N'19000101' AS datetime)";

/// Maps every principal the target already holds; returns the plan indexes of those still to insert.
pub async fn resolve_existing(
    run: &mut Apply<'_>,
    client: &mut SqlClient,
) -> Result<Vec<usize>, PcmError> {
    let mut missing = Vec::new();
    let in_target = ids_by_guid(client, &run.catalog, "tblPrincipal", "prinGuid", "prinID").await?;
    for (index, step) in run.prepared.plan.principals.iter().enumerate() {
        let source = step.planned.source_id;
        if step.planned.is_system_user {
            run.ids.principals.insert(source, run.system);
            continue;
        }
        match &step.action {
            StepAction::Skip {
                target_id: Some(id),
                ..
            }
            | StepAction::Resume { target_id: id }
            | StepAction::Overwrite { target_id: id } => {
                run.ids.principals.insert(source, *id);
            }
            StepAction::Skip {
                target_id: None, ..
            } => {}
            StepAction::Create => {
                let g = guid(
                    &step.planned.guid,
                    &format!("Principal {}", step.planned.uri),
                )?;
                match in_target.get(&g) {
                    Some(id) => {
                        run.ids.principals.insert(source, *id);
                    }
                    None => missing.push(index),
                }
            }
        }
    }
    Ok(missing)
}

/// Inserts the principals still missing and records every principal's outcome.
pub async fn write(
    run: &mut Apply<'_>,
    client: &mut SqlClient,
    ctx: &JobContext,
) -> Result<(), PcmError> {
    let missing = resolve_existing(run, client).await?;
    let statements = Statements::new(run);
    let prepared = run.prepared;
    for chunk in missing.chunks(PER_TRANSACTION) {
        ctx.check_cancelled()?;
        begin(client).await?;
        let outcome = insert_chunk(client, &statements, prepared, chunk, run.system).await;
        let ids = end(client, outcome).await?;
        for (index, id) in chunk.iter().zip(ids) {
            run.ids
                .principals
                .insert(prepared.plan.principals[*index].planned.source_id, id);
        }
    }
    let inserted: std::collections::HashSet<usize> = missing.iter().copied().collect();
    for (index, step) in prepared.plan.principals.iter().enumerate() {
        let (status, notes) = if inserted.contains(&index) {
            (EntityStatus::Successful, inserted_note(step))
        } else if step.planned.is_system_user {
            (
                EntityStatus::Skipped,
                "system user: the target's system principal".to_string(),
            )
        } else {
            match &step.action {
                StepAction::Create => (
                    EntityStatus::Skipped,
                    "already in the target (inserted by an earlier run of this import)".to_string(),
                ),
                StepAction::Skip { reason, .. } => (EntityStatus::Skipped, reason.clone()),
                _ => (EntityStatus::Skipped, "already in the target".to_string()),
            }
        };
        run.record("Principal", &step.planned.uri, status, notes);
    }
    Ok(())
}

fn inserted_note(step: &PrincipalStep) -> String {
    let mut note = format!("inserted as {}", step.planned.type_name);
    if step.planned.federated {
        note.push_str(", disabled (federated principals cannot be used in Persistent Chat 2013)");
    } else if step.planned.disabled != 0 {
        note.push_str(&format!(", prinDisabled {}", step.planned.disabled));
    }
    note.push_str("; marked for refresh from AD");
    note
}

/// The statements, spelled from the target's catalog once.
/// Each insert is one batch: the principal, its self-affiliation and its meta row (one round trip per principal
/// where `prinID` is an identity column, two where it is not).
struct Statements {
    next_id: String,
    insert: String,
    insert_with_id: String,
    identity: bool,
}

const PRINCIPAL_COLUMNS: [&str; 15] = [
    "prinGuid",
    "prinUri",
    "prinName",
    "prinDisplayName",
    "prinCompanyName",
    "prinEmail",
    "prinADPath",
    "prinADUserPrincipalName",
    "prinDisabled",
    "prinTypeID",
    "prinAddedBy",
    "prinAddedOn",
    "prinUpdatedBy",
    "prinUpdatedOn",
    "prinVerifiedOn",
];

impl Statements {
    fn new(run: &Apply<'_>) -> Statements {
        let c = &run.catalog;
        let t = c.table_ref("tblPrincipal");
        let cols: Vec<String> = PRINCIPAL_COLUMNS
            .iter()
            .map(|n| c.col("tblPrincipal", n))
            .collect();
        let values: Vec<String> = (1..PRINCIPAL_COLUMNS.len())
            .map(|i| format!("@P{i}"))
            .chain([NEVER_VERIFIED.to_string()])
            .collect();
        let id = c.col("tblPrincipal", "prinID");
        let n = PRINCIPAL_COLUMNS.len();
        // @P11 is the system principal (prinAddedBy) in both inserts' parameters.
        let identity_rows = dependent_rows(c, "@pcm_id", "@P11");
        let explicit_rows = dependent_rows(c, &format!("@P{n}"), "@P11");
        Statements {
            next_id: format!("SELECT ISNULL(MAX({id}), 0) + 1 FROM {t} WITH (TABLOCKX, HOLDLOCK)"),
            insert: format!(
                "INSERT INTO {t} ({}) VALUES ({}); DECLARE @pcm_id int; \
                 SET @pcm_id = CAST(SCOPE_IDENTITY() AS int);{identity_rows} SELECT @pcm_id",
                cols.join(", "),
                values.join(", ")
            ),
            insert_with_id: format!(
                "INSERT INTO {t} ({id}, {}) VALUES (@P{n}, {});{explicit_rows}",
                cols.join(", "),
                values.join(", ")
            ),
            identity: run.prepared.state.prin_id_is_identity,
        }
    }
}

/// The statements that follow a principal's insert in its batch: its self-affiliation and its meta row marked
/// dirty, where the target has those tables; `id` and `system` are the batch's expressions for them.
fn dependent_rows(c: &crate::schema::Catalog, id: &str, system: &str) -> String {
    let mut sql = String::new();
    if c.has_table("tblPrincipalAffiliations") {
        let a = "tblPrincipalAffiliations";
        sql.push_str(&format!(
            " INSERT INTO {} ({}, {}, {}, {}) VALUES ({id}, {id}, -1, {system});",
            c.table_ref(a),
            c.col(a, "principalID"),
            c.col(a, "affiliationID"),
            c.col(a, "index"),
            c.col(a, "updatedBy")
        ));
    }
    if c.has_table("tblPrincipalMeta") {
        let m = "tblPrincipalMeta";
        sql.push_str(&format!(
            " INSERT INTO {} ({}, {}, {}, {}, {}) VALUES ({id}, 1, 1, 0, 0);",
            c.table_ref(m),
            c.col(m, "prinID"),
            c.col(m, "prinAffiliationsDirty"),
            c.col(m, "prinAttributesDirty"),
            c.col(m, "prinDeleted"),
            c.col(m, "tryCount")
        ));
    }
    sql
}

/// Inserts one chunk of principals (inside the caller's transaction); their new ids in order.
async fn insert_chunk(
    client: &mut SqlClient,
    s: &Statements,
    prepared: &crate::target::plan::PreparedImport,
    chunk: &[usize],
    system: i32,
) -> Result<Vec<i32>, PcmError> {
    let now = datetime_to_ticks(chrono::Utc::now());
    let mut ids = Vec::with_capacity(chunk.len());
    for index in chunk {
        let step = &prepared.plan.principals[*index];
        let p = &step.planned;
        let g = guid(&p.guid, &format!("Principal {}", p.uri))?;
        let added = p.added_on.unwrap_or(now);
        let updated = p.updated_on.unwrap_or(added);
        let params: [&dyn tiberius::ToSql; 14] = [
            &g,
            &p.uri,
            &p.name,
            &p.display_name,
            &p.company_name,
            &p.email,
            &p.ad_path,
            &p.user_principal_name,
            &p.disabled,
            &step.type_id,
            &system,
            &added,
            &system,
            &updated,
        ];
        let id = if s.identity {
            scalar_i64(client, &s.insert, &params)
                .await?
                .ok_or_else(|| {
                    PcmError::Internal(
                        "SCOPE_IDENTITY() returned nothing after inserting a principal".into(),
                    )
                })?
        } else {
            let next = scalar_i64(client, &s.next_id, &[]).await?.unwrap_or(1);
            let next = to_i32(next, "prinID")?;
            let mut with_id: Vec<&dyn tiberius::ToSql> = params.to_vec();
            with_id.push(&next);
            exec(client, &s.insert_with_id, &with_id).await?;
            i64::from(next)
        };
        ids.push(to_i32(id, "prinID")?);
    }
    Ok(ids)
}
