//! A node's roles (`tblPrincipalRole`) and a category's scope (`tblScopePrincipal`): read, and brought to the
//! plan by inserting what is missing and deleting what is extra (so Resume and Overwrite are idempotent).

use super::sql::{exec, rows, to_i32};
use crate::connection::SqlClient;
use crate::error::PcmError;
use crate::schema::Catalog;
use crate::util::rows::i64_at;
use std::collections::{BTreeMap, BTreeSet};

/// (principal id, role type id) pairs of a node, target ids.
pub type Roles = BTreeSet<(i32, i32)>;
/// Principal id → denied, target ids.
pub type Scopes = BTreeMap<i32, bool>;

const ROLE: &str = "tblPrincipalRole";
const SCOPE: &str = "tblScopePrincipal";

pub async fn read_roles(client: &mut SqlClient, c: &Catalog, node: i32) -> Result<Roles, PcmError> {
    let sql = format!(
        "SELECT {}, {} FROM {} WHERE {} = @P1",
        c.col(ROLE, "prinRolePrinID"),
        c.col(ROLE, "prinRoleTypeID"),
        c.table_ref(ROLE),
        c.col(ROLE, "prinRoleNodeID")
    );
    let mut out = Roles::new();
    for row in rows(client, &sql, &[&node]).await? {
        out.insert((
            to_i32(i64_at(&row, 0)?, "prinRolePrinID")?,
            to_i32(i64_at(&row, 1)?, "prinRoleTypeID")?,
        ));
    }
    Ok(out)
}

pub async fn read_scopes(
    client: &mut SqlClient,
    c: &Catalog,
    node: i32,
) -> Result<Scopes, PcmError> {
    if !c.has_table(SCOPE) {
        return Ok(Scopes::new());
    }
    let denied = if c.has_column(SCOPE, "scopeIsDenied") {
        c.col(SCOPE, "scopeIsDenied")
    } else {
        "0".to_string()
    };
    let sql = format!(
        "SELECT {}, {denied} FROM {} WHERE {} = @P1",
        c.col(SCOPE, "scopePrinID"),
        c.table_ref(SCOPE),
        c.col(SCOPE, "scopeNodeID")
    );
    let mut out = Scopes::new();
    for row in rows(client, &sql, &[&node]).await? {
        out.insert(
            to_i32(i64_at(&row, 0)?, "scopePrinID")?,
            i64_at(&row, 1)? != 0,
        );
    }
    Ok(out)
}

/// Makes existing node `node`'s roles exactly `want` (a node inserted by this run gets its roles with
/// [`insert_role_rows`]); the number of rows changed.
pub async fn sync_roles(
    client: &mut SqlClient,
    c: &Catalog,
    node: i32,
    want: &Roles,
    system: i32,
) -> Result<u64, PcmError> {
    let have = read_roles(client, c, node).await?;
    let (t, n, p, ty) = (
        c.table_ref(ROLE),
        c.col(ROLE, "prinRoleNodeID"),
        c.col(ROLE, "prinRolePrinID"),
        c.col(ROLE, "prinRoleTypeID"),
    );
    let delete = format!("DELETE FROM {t} WHERE {n} = @P1 AND {p} = @P2 AND {ty} = @P3");
    let mut changed = 0;
    for (prin, role) in have.difference(want) {
        changed += exec(client, &delete, &[&node, prin, role]).await?;
    }
    let missing: Vec<(i32, i32, i32)> = want
        .difference(&have)
        .map(|(prin, role)| (node, *prin, *role))
        .collect();
    Ok(changed + insert_role_rows(client, c, &missing, system).await?)
}

/// Rows per multi-row INSERT of roles or scopes: 4 parameters each, within SQL Server's 2,100 parameters and
/// 1,000 rows per VALUES (a room with thousands of members takes a few statements, not thousands).
const ROWS_PER_INSERT: usize = 500;

/// Inserts role rows `(node, principal, role type)` of any number of nodes, [`ROWS_PER_INSERT`] per
/// statement; the rows inserted.
pub async fn insert_role_rows(
    client: &mut SqlClient,
    c: &Catalog,
    rows: &[(i32, i32, i32)],
    system: i32,
) -> Result<u64, PcmError> {
    let columns = [
        "prinRoleNodeID",
        "prinRolePrinID",
        "prinRoleTypeID",
        "prinRoleUpdatedBy",
    ];
    insert_rows(client, c, ROLE, columns, rows, system).await
}

/// Inserts scope rows `(category node, principal, denied)` of any number of categories, [`ROWS_PER_INSERT`]
/// per statement; the rows inserted.
pub async fn insert_scope_rows(
    client: &mut SqlClient,
    c: &Catalog,
    rows: &[(i32, i32, bool)],
    system: i32,
) -> Result<u64, PcmError> {
    if !c.has_table(SCOPE) {
        return Ok(0);
    }
    let columns = [
        "scopeNodeID",
        "scopePrinID",
        "scopeIsDenied",
        "scopeUpdatedBy",
    ];
    insert_rows(client, c, SCOPE, columns, rows, system).await
}

/// Multi-row INSERTs into `table` of `(node, principal, value, system)` rows, [`ROWS_PER_INSERT`] per
/// statement, `columns` named in that order.
async fn insert_rows<T: tiberius::ToSql>(
    client: &mut SqlClient,
    c: &Catalog,
    table: &str,
    columns: [&str; 4],
    rows: &[(i32, i32, T)],
    system: i32,
) -> Result<u64, PcmError> {
    let columns = columns.map(|n| c.col(table, n)).join(", ");
    let table = c.table_ref(table);
    let mut inserted = 0;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let at = 4 * i + 1;
                format!("(@P{at}, @P{}, @P{}, @P{})", at + 1, at + 2, at + 3)
            })
            .collect();
        let sql = format!(
            "INSERT INTO {table} ({columns}) VALUES {}",
            values.join(", ")
        );
        let mut params: Vec<&dyn tiberius::ToSql> = Vec::with_capacity(4 * chunk.len());
        for (node, prin, value) in chunk {
            params.extend([node as &dyn tiberius::ToSql, prin, value, &system]);
        }
        inserted += exec(client, &sql, &params).await?;
    }
    Ok(inserted)
}

/// Makes existing category `node`'s scope exactly `want` (a category inserted by this run gets its scope with
/// [`insert_scope_rows`]); the number of rows changed.
pub async fn sync_scopes(
    client: &mut SqlClient,
    c: &Catalog,
    node: i32,
    want: &Scopes,
    system: i32,
) -> Result<u64, PcmError> {
    if !c.has_table(SCOPE) {
        return Ok(0);
    }
    let have = read_scopes(client, c, node).await?;
    let (t, n, p) = (
        c.table_ref(SCOPE),
        c.col(SCOPE, "scopeNodeID"),
        c.col(SCOPE, "scopePrinID"),
    );
    let delete = format!("DELETE FROM {t} WHERE {n} = @P1 AND {p} = @P2");
    let mut changed = 0;
    for (prin, denied) in &have {
        if want.get(prin) != Some(denied) {
            changed += exec(client, &delete, &[&node, prin]).await?;
        }
    }
    let missing: Vec<(i32, i32, bool)> = want
        .iter()
        .filter(|(prin, denied)| have.get(prin) != Some(denied))
        .map(|(prin, denied)| (node, *prin, *denied))
        .collect();
    Ok(changed + insert_scope_rows(client, c, &missing, system).await?)
}
