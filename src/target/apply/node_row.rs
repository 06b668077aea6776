//! One `tblNode` row: the values the plan wants, reading the target's, inserting and updating.

use super::sql::{exec, guid, inserted_ids, next_ids, opt_guid, rows, to_i32};
use crate::connection::SqlClient;
use crate::error::PcmError;
use crate::schema::Catalog;
use crate::util::rows::{opt_i64, opt_string};

/// The settings of a node (everything compared on Resume; `added_*` are written on insert only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeValues {
    /// Lower-case GUID.
    pub guid: String,
    pub parent: i32,
    pub is_category: bool,
    pub name: String,
    pub description: String,
    pub invite: Option<bool>,
    pub logged: Option<bool>,
    pub file_post: Option<bool>,
    pub disabled: bool,
    pub behavior: i16,
    pub visibility: i16,
    /// Lower-case add-in GUID.
    pub siop: Option<String>,
}

/// Who and when, for the `*AddedBy/On`, `*UpdatedBy/On` columns (target ids, ticks).
#[derive(Debug, Clone, Copy)]
pub struct Stamps {
    pub added_by: i32,
    pub added_on: i64,
    pub updated_by: i32,
    pub updated_on: i64,
}

/// Settings columns in statement order (after `nodeGuid`).
const SETTINGS: [&str; 11] = [
    "parentID",
    "nodeType",
    "nodeName",
    "nodeDesc",
    "invite",
    "logged",
    "filePost",
    "disabled",
    "behavior",
    "visibility",
    "siopID",
];

fn cols(c: &Catalog, names: &[&str]) -> Vec<String> {
    names.iter().map(|n| c.col("tblNode", n)).collect()
}

/// The target's values of node `id` (`None` when it does not exist).
pub async fn read(
    client: &mut SqlClient,
    c: &Catalog,
    id: i32,
) -> Result<Option<NodeValues>, PcmError> {
    let sql = format!(
        "SELECT {}, {} FROM {} WHERE {} = @P1",
        c.col("tblNode", "nodeGuid"),
        cols(c, &SETTINGS).join(", "),
        c.table_ref("tblNode"),
        c.col("tblNode", "nodeID")
    );
    let found = rows(client, &sql, &[&id]).await?;
    let Some(row) = found.first() else {
        return Ok(None);
    };
    let bit = |i: usize| -> Result<Option<bool>, PcmError> { Ok(opt_i64(row, i)?.map(|v| v != 0)) };
    let small = |i: usize| -> Result<i16, PcmError> {
        let v = opt_i64(row, i)?.unwrap_or_default();
        i16::try_from(v)
            .map_err(|_| PcmError::Internal(format!("tblNode value {v} is not a smallint")))
    };
    Ok(Some(NodeValues {
        guid: opt_guid(row, 0)?.unwrap_or_default(),
        parent: to_i32(opt_i64(row, 1)?.unwrap_or_default(), "parentID")?,
        is_category: bit(2)?.unwrap_or(false),
        name: opt_string(row, 3)?.unwrap_or_default(),
        description: opt_string(row, 4)?.unwrap_or_default(),
        invite: bit(5)?,
        logged: bit(6)?,
        file_post: bit(7)?,
        disabled: bit(8)?.unwrap_or(false),
        behavior: small(9)?,
        visibility: small(10)?,
        siop: opt_guid(row, 11)?,
    }))
}

/// Typed parameters of the settings columns, in [`SETTINGS`] order, after the GUID.
struct Params {
    guid: tiberius::Uuid,
    siop: Option<tiberius::Uuid>,
}

/// The node's GUID and its [`SETTINGS`] values, in that order (what an insert and an update both write).
fn setting_params<'a>(p: &'a Params, v: &'a NodeValues) -> [&'a dyn tiberius::ToSql; 12] {
    [
        &p.guid,
        &v.parent,
        &v.is_category,
        &v.name,
        &v.description,
        &v.invite,
        &v.logged,
        &v.file_post,
        &v.disabled,
        &v.behavior,
        &v.visibility,
        &p.siop,
    ]
}

fn params_of(v: &NodeValues) -> Result<Params, PcmError> {
    let entity = format!("'{}'", v.name);
    Ok(Params {
        guid: guid(&v.guid, &entity)?,
        siop: v.siop.as_deref().map(|s| guid(s, &entity)).transpose()?,
    })
}

/// Inserts nodes new to the target in one batch (at most a few dozen: [`INSERT_PARAMS`] parameters each);
/// their new ids in order. The ids come from the identity when `identity`, else from MAX + 1 on; either way
/// under an exclusive table lock held to the end of the caller's transaction. Only this batch's rows are read
/// back: their GUIDs (which the caller keeps distinct within a batch) among the ids above the table's highest
/// before the insert.
pub async fn insert_many(
    client: &mut SqlClient,
    c: &Catalog,
    nodes: &[(&NodeValues, Stamps)],
    identity: bool,
) -> Result<Vec<i32>, PcmError> {
    if nodes.is_empty() {
        return Ok(Vec::new());
    }
    let t = c.table_ref("tblNode");
    let (id_col, guid_col) = (c.col("tblNode", "nodeID"), c.col("tblNode", "nodeGuid"));
    let mut names = vec![guid_col.clone()];
    names.extend(cols(c, &SETTINGS));
    names.extend(cols(c, &STAMPS));
    let typed: Vec<Params> = nodes
        .iter()
        .map(|(v, _)| params_of(v))
        .collect::<Result<_, _>>()?;
    let explicit = if identity {
        Vec::new()
    } else {
        next_ids(client, &t, &id_col, nodes.len()).await?
    };
    let per_row = INSERT_PARAMS + usize::from(!identity);
    let values: Vec<String> = (0..nodes.len())
        .map(|row| {
            let first = 1 + row * per_row;
            let list: Vec<String> = (first..first + per_row).map(|i| format!("@P{i}")).collect();
            format!("({})", list.join(", "))
        })
        .collect();
    // A row's GUID is its first parameter, or its second after an explicit id.
    let guid_at = usize::from(!identity);
    let guids: Vec<String> = (0..nodes.len())
        .map(|row| format!("@P{}", 1 + row * per_row + guid_at))
        .collect();
    let id_list = if identity {
        String::new()
    } else {
        format!("{id_col}, ")
    };
    let sql = format!(
        "DECLARE @pcm_before int; \
         SELECT @pcm_before = ISNULL(MAX({id_col}), 0) FROM {t} WITH (TABLOCKX, HOLDLOCK); \
         INSERT INTO {t} ({id_list}{}) VALUES {}; \
         SELECT {guid_col}, {id_col} FROM {t} WHERE {guid_col} IN ({}) AND {id_col} > @pcm_before",
        names.join(", "),
        values.join(", "),
        guids.join(", ")
    );
    let mut params: Vec<&dyn tiberius::ToSql> = Vec::with_capacity(nodes.len() * per_row);
    for (row, ((v, stamps), p)) in nodes.iter().zip(&typed).enumerate() {
        if let Some(id) = explicit.get(row) {
            params.push(id);
        }
        params.extend_from_slice(&setting_params(p, v));
        params.extend_from_slice(&[
            &stamps.added_by as &dyn tiberius::ToSql,
            &stamps.added_on,
            &stamps.updated_by,
            &stamps.updated_on,
        ]);
    }
    let found = rows(client, &sql, &params).await?;
    let guids: Vec<(String, String)> = nodes
        .iter()
        .map(|(v, _)| (v.guid.clone(), format!("node '{}'", v.name)))
        .collect();
    inserted_ids(&found, &guids, "nodes")
}

/// Parameters of one inserted node: its GUID, the [`SETTINGS`] and the [`STAMPS`].
const INSERT_PARAMS: usize = 1 + SETTINGS.len() + STAMPS.len();

const STAMPS: [&str; 4] = [
    "nodeAddedBy",
    "nodeAddedOn",
    "nodeUpdatedBy",
    "nodeUpdatedOn",
];

/// Sets node `id` to `v` (GUID included: an overwritten node takes the package's, so a re-run resumes it).
pub async fn update(
    client: &mut SqlClient,
    c: &Catalog,
    id: i32,
    v: &NodeValues,
    stamps: Stamps,
) -> Result<(), PcmError> {
    let p = params_of(v)?;
    let mut names = vec![c.col("tblNode", "nodeGuid")];
    names.extend(cols(c, &SETTINGS));
    names.extend(cols(c, &["nodeUpdatedBy", "nodeUpdatedOn"]));
    let sets: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{n} = @P{}", i + 1))
        .collect();
    let sql = format!(
        "UPDATE {} SET {} WHERE {} = @P{}",
        c.table_ref("tblNode"),
        sets.join(", "),
        c.col("tblNode", "nodeID"),
        names.len() + 1
    );
    let mut params: Vec<&dyn tiberius::ToSql> = setting_params(&p, v).to_vec();
    params.extend_from_slice(&[&stamps.updated_by, &stamps.updated_on, &id]);
    exec(client, &sql, &params).await?;
    Ok(())
}
