//! The admin lock (`tblAdminLock`), taken as the admin tools take it: in a transaction, refused while another
//! holder's row has not expired (by either GETDATE() or GETUTCDATE(), since the docs do not say which clock
//! the column uses), our row inserted with lockServerID 0 (no Persistent Chat server has id 0) and the target's
//! system principal as actor, expiring 2 minutes ahead, extended every 5 s from a task on its own connection,
//! deleted at the end (also after an error or a cancel, best effort), and `tblSystemRevision` incremented so
//! running servers reload. A row of ours (server 0) left by an interrupted run is taken over (docs/import.md);
//! the planner tells it from a live run's by whether it is still being extended (target/lock_state.rs).

use super::sql::{exec, scalar_i64};
use crate::connection::transaction::{begin, end};
use crate::connection::{connect, ConnectionSettings, SqlClient};
use crate::error::PcmError;
use crate::schema::Catalog;
use crate::target::lock_state::STALE_AFTER_SECONDS;
use crate::target::plan::PreparedImport;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The lock's `lockServerID`: not a Persistent Chat server's.
pub const LOCK_SERVER_ID: i32 = 0;
/// How often the keeper extends the lock (it expires [`LIFETIME_SECONDS`] after each extension). Often, so
/// that a row no longer extended is soon known to be an interrupted run's (target/lock_state.rs).
pub const EXTEND_EVERY: Duration = Duration::from_secs(5);
/// How far ahead each extension sets the expiry: the 2 minutes of [`EXPIRY`].
pub const LIFETIME_SECONDS: i64 = 120;

/// The later of the two server clocks (the docs do not say which one the column uses).
pub const NOW: &str = "CASE WHEN GETDATE() > GETUTCDATE() THEN GETDATE() ELSE GETUTCDATE() END";
/// The later of the two clocks, plus [`LIFETIME_SECONDS`].
const EXPIRY: &str =
    "DATEADD(second, 120, CASE WHEN GETDATE() > GETUTCDATE() THEN GETDATE() ELSE GETUTCDATE() END)";

struct LockSql {
    holders: String,
    clear_ours: String,
    insert: String,
    extend: String,
    delete: String,
    bump: String,
}

impl LockSql {
    fn new(c: &Catalog) -> LockSql {
        let (t, l) = (c.table_ref("tblAdminLock"), "tblAdminLock");
        let (exp, srv, act) = (
            c.col(l, "lockExpiresTime"),
            c.col(l, "lockServerID"),
            c.col(l, "lockActorID"),
        );
        LockSql {
            // Another holder's unexpired row, or a row of ours a live run extended less than
            // STALE_AFTER_SECONDS ago (@P3 seconds or more left): two imports that passed the planner at the
            // same moment are told apart here, under the table lock.
            holders: format!(
                "SELECT COUNT(*) FROM {t} WITH (TABLOCKX, HOLDLOCK) \
                 WHERE (({exp} > GETDATE() OR {exp} > GETUTCDATE()) AND NOT ({srv} = @P1 AND {act} = @P2)) \
                 OR ({srv} = @P1 AND {act} = @P2 AND DATEDIFF(second, {NOW}, {exp}) > @P3)"
            ),
            clear_ours: format!("DELETE FROM {t} WHERE {srv} = @P1 AND {act} = @P2"),
            insert: format!("INSERT INTO {t} ({exp}, {srv}, {act}) VALUES ({EXPIRY}, @P1, @P2)"),
            extend: format!("UPDATE {t} SET {exp} = {EXPIRY} WHERE {srv} = @P1 AND {act} = @P2"),
            delete: format!("DELETE FROM {t} WHERE {srv} = @P1 AND {act} = @P2"),
            bump: format!(
                "UPDATE {} SET {c} = {c} + 1",
                c.table_ref("tblSystemRevision"),
                c = c.col("tblSystemRevision", "sysRevision")
            ),
        }
    }
}

/// The keeper task that extends the lock.
pub struct Keeper {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

/// Takes the lock, or refuses with `TargetNotReady` naming the holder count; starts the keeper.
pub async fn take(
    client: &mut SqlClient,
    settings: &ConnectionSettings,
    prepared: &PreparedImport,
    system: i32,
    catalog: &Catalog,
) -> Result<Keeper, PcmError> {
    let s = LockSql::new(catalog);
    begin(client).await?;
    let outcome = take_rows(client, &s, system).await;
    end(client, outcome).await?;
    let mut keeper_client = connect(settings, Some(&prepared.database)).await?.client;
    let stop = CancellationToken::new();
    let stopped = stop.clone();
    let task = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stopped.cancelled() => return,
                _ = tokio::time::sleep(EXTEND_EVERY) => {
                    // A failed extension is retried at the next tick; the writes fail on their own if the
                    // server is gone.
                    let _ = exec(&mut keeper_client, &s.extend, &[&LOCK_SERVER_ID, &system]).await;
                }
            }
        }
    });
    Ok(Keeper { stop, task })
}

async fn take_rows(client: &mut SqlClient, s: &LockSql, system: i32) -> Result<(), PcmError> {
    let fresh_left = i32::try_from(LIFETIME_SECONDS - STALE_AFTER_SECONDS).unwrap_or(i32::MAX);
    let held = scalar_i64(client, &s.holders, &[&LOCK_SERVER_ID, &system, &fresh_left])
        .await?
        .unwrap_or(0);
    if held > 0 {
        return Err(PcmError::TargetNotReady(format!(
            "another holder has the admin lock (tblAdminLock: {held} unexpired row(s) of another tool, or of \
             another import run of pchat-migrate that is still extending it); wait until it is released or \
             expires, then run the import again"
        )));
    }
    exec(client, &s.clear_ours, &[&LOCK_SERVER_ID, &system]).await?;
    exec(client, &s.insert, &[&LOCK_SERVER_ID, &system]).await?;
    Ok(())
}

/// Stops the keeper, deletes the lock and bumps the revision in one transaction: on `client` when it still
/// works, else on a new connection (after a connection loss). Best effort after an error: the caller reports
/// the first error.
pub async fn release(
    client: SqlClient,
    keeper: Keeper,
    settings: &ConnectionSettings,
    prepared: &PreparedImport,
    system: i32,
    catalog: &Catalog,
) -> Result<(), PcmError> {
    keeper.stop.cancel();
    let _ = keeper.task.await;
    let s = LockSql::new(catalog);
    let mut client = client;
    if release_on(&mut client, &s, system).await.is_ok() {
        return Ok(());
    }
    drop(client);
    let mut fresh = connect(settings, Some(&prepared.database)).await?.client;
    release_on(&mut fresh, &s, system).await
}

async fn release_on(client: &mut SqlClient, s: &LockSql, system: i32) -> Result<(), PcmError> {
    begin(client).await?;
    let outcome = async {
        exec(client, &s.delete, &[&LOCK_SERVER_ID, &system]).await?;
        exec(client, &s.bump, &[]).await?;
        Ok(())
    }
    .await;
    end(client, outcome).await
}

/// The error of a run that stopped and could not release its lock (the server stopped or stopped answering):
/// the same error, saying that the next run takes the lock over once no keeper extends it.
pub fn left_behind(error: PcmError) -> PcmError {
    match error {
        PcmError::Cancelled => PcmError::Cancelled,
        other => PcmError::Reported {
            code: other.code(),
            message: format!(
                "{other}. The admin lock (tblAdminLock, server id {LOCK_SERVER_ID}) could not be released either: \
                 the next import takes it over once it has gone {STALE_AFTER_SECONDS} s without an extension (it \
                 waits up to that long), and it expires by itself within 2 minutes"
            ),
            details: other.details(),
        },
    }
}
