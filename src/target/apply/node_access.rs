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

/// Makes node `node`'s roles exactly `want`; the number of rows changed.
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
    let insert = format!(
        "INSERT INTO {t} ({n}, {p}, {ty}, {}) VALUES (@P1, @P2, @P3, @P4)",
        c.col(ROLE, "prinRoleUpdatedBy")
    );
    let mut changed = 0;
    for (prin, role) in have.difference(want) {
        changed += exec(client, &delete, &[&node, prin, role]).await?;
    }
    for (prin, role) in want.difference(&have) {
        changed += exec(client, &insert, &[&node, prin, role, &system]).await?;
    }
    Ok(changed)
}

/// Makes category `node`'s scope exactly `want`; the number of rows changed.
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
    let insert = format!(
        "INSERT INTO {t} ({n}, {p}, {}, {}) VALUES (@P1, @P2, @P3, @P4)",
        c.col(SCOPE, "scopeIsDenied"),
        c.col(SCOPE, "scopeUpdatedBy")
    );
    let mut changed = 0;
    for (prin, denied) in &have {
        if want.get(prin) != Some(denied) {
            changed += exec(client, &delete, &[&node, prin]).await?;
        }
    }
    for (prin, denied) in want {
        if have.get(prin) != Some(denied) {
            changed += exec(client, &insert, &[&node, prin, denied, &system]).await?;
        }
    }
    Ok(changed)
}
