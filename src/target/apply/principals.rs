//! Principals: matched in the target by `prinGuid` (the planner's `Skip` with the target id, or a principal an
//! interrupted run of this import already inserted), else inserted disabled-as-planned with their
//! self-affiliation and a `tblPrincipalMeta` row marked dirty, so the Persistent Chat server refreshes them
//! from AD. System users map to the target's system principal.

use super::sql::{guid, ids_by_guid, inserted_ids, next_ids};
use super::Apply;
use crate::connection::transaction::{begin, end};
use crate::connection::SqlClient;
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::target::{EntityStatus, PrincipalStep, StepAction};
use crate::util::ticks::datetime_to_ticks;
use tiberius::Uuid;

/// Principals inserted per transaction, in one batch ([`PARAMS_PER_ROW`] parameters each, well under SQL
/// Server's 2,100 per request).
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
    for chunk in chunks(prepared, &missing) {
        ctx.check_cancelled()?;
        begin(client).await?;
        let outcome = insert_chunk(client, &statements, prepared, &chunk, run.system).await;
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

/// The statements, spelled from the target's catalog once. A chunk of principals is one batch: a multi-row
/// insert, then their self-affiliations and meta rows selected from it by GUID, then the new ids by GUID. (One
/// batch per principal cost a round trip each: 100,000 principals took minutes against a server's latency.)
struct Statements {
    table: String,
    columns: String,
    id: String,
    guid: String,
    /// `(principalID, affiliationID, index, updatedBy)` of `tblPrincipalAffiliations`, when the target has it.
    affiliations: Option<(String, String)>,
    /// `tblPrincipalMeta` and its columns, when the target has it.
    meta: Option<(String, String)>,
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

/// Parameters each principal of a chunk sends (every column but the system principal's two and
/// `prinVerifiedOn`), plus its `prinID` where that is not an identity column.
const PARAMS_PER_ROW: usize = 12;

impl Statements {
    fn new(run: &Apply<'_>) -> Statements {
        let c = &run.catalog;
        let cols: Vec<String> = PRINCIPAL_COLUMNS
            .iter()
            .map(|n| c.col("tblPrincipal", n))
            .collect();
        let a = "tblPrincipalAffiliations";
        let m = "tblPrincipalMeta";
        Statements {
            table: c.table_ref("tblPrincipal"),
            columns: cols.join(", "),
            id: c.col("tblPrincipal", "prinID"),
            guid: c.col("tblPrincipal", "prinGuid"),
            affiliations: c.has_table(a).then(|| {
                (
                    c.table_ref(a),
                    ["principalID", "affiliationID", "index", "updatedBy"]
                        .map(|n| c.col(a, n))
                        .join(", "),
                )
            }),
            meta: c.has_table(m).then(|| {
                (
                    c.table_ref(m),
                    [
                        "prinID",
                        "prinAffiliationsDirty",
                        "prinAttributesDirty",
                        "prinDeleted",
                        "tryCount",
                    ]
                    .map(|n| c.col(m, n))
                    .join(", "),
                )
            }),
            identity: run.prepared.state.prin_id_is_identity,
        }
    }

    /// The batch that inserts `rows` principals. `@P1` is the system principal (`prinAddedBy`,
    /// `prinUpdatedBy`, the affiliations' `updatedBy`); row `i` has [`PARAMS_PER_ROW`] parameters from
    /// `@P{2 + i * PARAMS_PER_ROW}` (its GUID first), then, without identity, its `prinID` after all rows'.
    /// Only this chunk's rows are selected back: their GUIDs (distinct within a chunk) among the ids above
    /// the table's highest before the insert (a GUID an earlier chunk inserted too is not picked up again).
    fn batch(&self, rows: usize) -> String {
        let (t, id, g) = (&self.table, &self.id, &self.guid);
        let first = |i: usize| 2 + i * PARAMS_PER_ROW;
        let values: Vec<String> = (0..rows)
            .map(|i| {
                let p = |k: usize| format!("@P{}", first(i) + k);
                let explicit = if self.identity {
                    String::new()
                } else {
                    format!("@P{}, ", first(rows) + i)
                };
                format!(
                    "({explicit}{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, @P1, {}, @P1, {}, {NEVER_VERIFIED})",
                    p(0), p(1), p(2), p(3), p(4), p(5), p(6), p(7), p(8), p(9), p(10), p(11)
                )
            })
            .collect();
        let guids: Vec<String> = (0..rows).map(|i| format!("@P{}", first(i))).collect();
        let mine = format!("{g} IN ({}) AND {id} > @pcm_before", guids.join(", "));
        let id_column = if self.identity {
            String::new()
        } else {
            format!("{id}, ")
        };
        let mut sql = format!(
            "DECLARE @pcm_before int; \
             SELECT @pcm_before = ISNULL(MAX({id}), 0) FROM {t} WITH (TABLOCKX, HOLDLOCK); \
             INSERT INTO {t} ({id_column}{}) VALUES {};",
            self.columns,
            values.join(", ")
        );
        if let Some((table, columns)) = &self.affiliations {
            sql.push_str(&format!(
                " INSERT INTO {table} ({columns}) SELECT {id}, {id}, -1, @P1 FROM {t} WHERE {mine};"
            ));
        }
        if let Some((table, columns)) = &self.meta {
            sql.push_str(&format!(
                " INSERT INTO {table} ({columns}) SELECT {id}, 1, 1, 0, 0 FROM {t} WHERE {mine};"
            ));
        }
        sql.push_str(&format!(" SELECT {g}, {id} FROM {t} WHERE {mine}"));
        sql
    }
}

/// The plan indexes of the principals to insert, in chunks of at most [`PER_TRANSACTION`] whose GUIDs are
/// distinct (a package that holds one GUID twice inserts both, as separate rows, in separate chunks).
fn chunks(prepared: &crate::target::plan::PreparedImport, missing: &[usize]) -> Vec<Vec<usize>> {
    let mut chunks: Vec<Vec<usize>> = Vec::new();
    let mut guids = std::collections::HashSet::new();
    let mut current = Vec::new();
    for &index in missing {
        let g = prepared.plan.principals[index]
            .planned
            .guid
            .to_ascii_lowercase();
        if current.len() == PER_TRANSACTION || guids.contains(&g) {
            chunks.push(std::mem::take(&mut current));
            guids.clear();
        }
        guids.insert(g);
        current.push(index);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
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
    struct Row<'a> {
        guid: Uuid,
        added: i64,
        updated: i64,
        step: &'a PrincipalStep,
    }
    let mut rows = Vec::with_capacity(chunk.len());
    for index in chunk {
        let step = &prepared.plan.principals[*index];
        let p = &step.planned;
        let added = p.added_on.unwrap_or(now);
        rows.push(Row {
            guid: guid(&p.guid, &format!("Principal {}", p.uri))?,
            added,
            updated: p.updated_on.unwrap_or(added),
            step,
        });
    }
    let explicit_ids = if s.identity {
        Vec::new()
    } else {
        next_ids(client, &s.table, &s.id, chunk.len()).await?
    };
    let mut params: Vec<&dyn tiberius::ToSql> =
        Vec::with_capacity(1 + chunk.len() * (PARAMS_PER_ROW + 1));
    params.push(&system);
    for row in &rows {
        let p = &row.step.planned;
        params.extend_from_slice(&[
            &row.guid as &dyn tiberius::ToSql,
            &p.uri,
            &p.name,
            &p.display_name,
            &p.company_name,
            &p.email,
            &p.ad_path,
            &p.user_principal_name,
            &p.disabled,
            &row.step.type_id,
            &row.added,
            &row.updated,
        ]);
    }
    params.extend(explicit_ids.iter().map(|id| id as &dyn tiberius::ToSql));
    let found = super::sql::rows(client, &s.batch(chunk.len()), &params).await?;
    let guids: Vec<(String, String)> = rows
        .iter()
        .map(|row| {
            let label = format!("principal {}", row.step.planned.uri);
            (row.guid.to_string().to_ascii_lowercase(), label)
        })
        .collect();
    inserted_ids(&found, &guids, "principals")
}
