//! Who holds the admin lock (`tblAdminLock`), as the planner reads it before anything is written. Another
//! holder's unexpired row holds it. A row of ours (`lockServerID` 0 and the target's system principal, see
//! apply/lock.rs) holds it only while a live import keeps extending it: a run that was killed (SIGKILL, a
//! crash, a lost machine) could not delete its row, and the next run must not wait the row's 2 minutes out.
//! A live run's keeper sets the expiry to 2 minutes ahead every [`EXTEND_EVERY`], so a row of ours with less
//! than 2 minutes minus [`STALE_AFTER_SECONDS`] left has gone unextended that long: it is an interrupted run's,
//! and the writes take it over. A row still fresher than that is watched until it should have been extended.

use super::apply::lock::{EXTEND_EVERY, LIFETIME_SECONDS, LOCK_SERVER_ID, NOW};
use super::state::rows;
use super::AdminLockHolder;
use crate::connection::SqlClient;
use crate::error::PcmError;
use crate::schema::Catalog;
use crate::util::rows::{i64_at, opt_i64, opt_string};
use std::time::Duration;

/// Seconds without an extension after which a row of ours is an interrupted run's: two missed extensions
/// and some slack, so a keeper that is late once is not mistaken for a dead one.
pub const STALE_AFTER_SECONDS: i64 = 2 * EXTEND_EVERY.as_secs() as i64 + 2;

// A live keeper extends at least twice before its row looks stale, and the watch is short next to the lifetime.
const _: () = assert!(STALE_AFTER_SECONDS > 2 * EXTEND_EVERY.as_secs() as i64);
const _: () = assert!(STALE_AFTER_SECONDS * 4 < LIFETIME_SECONDS);

/// The holder of the admin lock, or `None` when it is free (or held only by an interrupted run of ours).
pub async fn read_admin_lock(
    client: &mut SqlClient,
    c: &Catalog,
    system: i32,
) -> Result<Option<AdminLockHolder>, PcmError> {
    if !c.has_table("tblAdminLock") {
        return Ok(None);
    }
    if let Some(other) = holder(client, c, system, false).await? {
        return Ok(Some(other));
    }
    let Some(left) = our_seconds_left(client, c, system).await? else {
        return Ok(None);
    };
    let fresh_until = LIFETIME_SECONDS - STALE_AFTER_SECONDS;
    if left > fresh_until {
        // Extended less than STALE_AFTER_SECONDS ago: wait until a live keeper must have extended it again.
        let wait = u64::try_from(left - fresh_until + 1).unwrap_or(0);
        tokio::time::sleep(Duration::from_secs(wait)).await;
        if our_seconds_left(client, c, system).await? > Some(fresh_until) {
            return holder(client, c, system, true).await;
        }
    }
    Ok(None)
}

/// The first unexpired row (by either clock) of another holder, or of ours when `ours`.
async fn holder(
    client: &mut SqlClient,
    c: &Catalog,
    system: i32,
    ours: bool,
) -> Result<Option<AdminLockHolder>, PcmError> {
    let l = |col: &str| c.col("tblAdminLock", col);
    let expires = l("lockExpiresTime");
    let (server, actor) = (l("lockServerID"), l("lockActorID"));
    let whose = if ours { "" } else { "NOT " };
    let sql = format!(
        "SELECT TOP 1 {server}, {actor}, CONVERT(nvarchar(30), {expires}, 126) FROM {} \
         WHERE ({expires} > GETDATE() OR {expires} > GETUTCDATE()) \
         AND {whose}({server} = @P1 AND {actor} = @P2) ORDER BY {expires} DESC",
        c.table_ref("tblAdminLock"),
    );
    match rows(client, &sql, &[&LOCK_SERVER_ID, &system])
        .await?
        .first()
    {
        Some(row) => Ok(Some(AdminLockHolder {
            server_id: int(row, 0, "lockServerID")?,
            actor_id: int(row, 1, "lockActorID")?,
            expires: opt_string(row, 2)?.unwrap_or_default(),
        })),
        None => Ok(None),
    }
}

/// Seconds until our row expires by the later clock (negative once expired); `None` without a row of ours.
async fn our_seconds_left(
    client: &mut SqlClient,
    c: &Catalog,
    system: i32,
) -> Result<Option<i64>, PcmError> {
    let l = |col: &str| c.col("tblAdminLock", col);
    let sql = format!(
        "SELECT DATEDIFF(second, {NOW}, MAX({})) FROM {} WHERE {} = @P1 AND {} = @P2",
        l("lockExpiresTime"),
        c.table_ref("tblAdminLock"),
        l("lockServerID"),
        l("lockActorID"),
    );
    match rows(client, &sql, &[&LOCK_SERVER_ID, &system])
        .await?
        .first()
    {
        Some(row) => opt_i64(row, 0),
        None => Ok(None),
    }
}

fn int(row: &tiberius::Row, index: usize, what: &str) -> Result<i32, PcmError> {
    let value = i64_at(row, index)?;
    i32::try_from(value)
        .map_err(|_| PcmError::Internal(format!("{what} {value} is out of range for an int")))
}
