//! One transaction helper for every write (the export's -DisableExportedNodes, the import's batches): the
//! work runs between BEGIN and COMMIT, and any error rolls back, so a run stops with whole units written.

use super::{sql_error, SqlClient};
use crate::error::PcmError;
use futures_util::future::BoxFuture;

/// Runs `work` in a transaction on `client`: committed when it returns `Ok`, rolled back otherwise (a failed
/// rollback on a broken connection is ignored: the server rolls back when the session ends).
///
/// ```text
/// in_transaction(client, |c| Box::pin(async move { insert_batch(c, &rows).await })).await?;
/// ```
pub async fn in_transaction<T, F>(client: &mut SqlClient, work: F) -> Result<T, PcmError>
where
    F: for<'c> FnOnce(&'c mut SqlClient) -> BoxFuture<'c, Result<T, PcmError>>,
{
    client.begin_transaction().await.map_err(sql_error)?;
    match work(client).await {
        Ok(value) => {
            client.commit_transaction().await.map_err(sql_error)?;
            Ok(value)
        }
        Err(error) => {
            let _ = client.rollback_transaction().await;
            Err(error)
        }
    }
}

/// [`in_transaction`] in two halves, for work that borrows data from its caller (a closure passed to
/// `in_transaction` must not, since its future has to outlive every borrow of the client): `begin`, the work,
/// then `end` with its outcome, which commits an `Ok` and rolls back an `Err`.
///
/// ```text
/// begin(client).await?;
/// let outcome = insert_batch(client, &rows).await;
/// end(client, outcome).await?;
/// ```
pub async fn begin(client: &mut SqlClient) -> Result<(), PcmError> {
    client.begin_transaction().await.map_err(sql_error)
}

/// Commits when `outcome` is `Ok`, rolls back (ignoring a failed rollback, as [`in_transaction`]) otherwise.
pub async fn end<T>(client: &mut SqlClient, outcome: Result<T, PcmError>) -> Result<T, PcmError> {
    match outcome {
        Ok(value) => {
            client.commit_transaction().await.map_err(sql_error)?;
            Ok(value)
        }
        Err(error) => {
            let _ = client.rollback_transaction().await;
            Err(error)
        }
    }
}
