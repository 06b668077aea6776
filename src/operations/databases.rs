//! `probe` without -DBName: which databases of the instance are chat databases, so an administrator can find the
//! Group Chat database without knowing its name. Each database the login may open is switched to with `USE` and
//! classified by the same detection as a named one (INFORMATION_SCHEMA of the current database).

use crate::connection::{sql_error, SqlClient};
use crate::error::PcmError;
use crate::jobs::JobContext;
use crate::schema::detect::Counts;
use crate::schema::{detect, DatabaseKind};
use crate::util::rows::{i64_at, opt_i64, opt_string};
use serde::{Deserialize, Serialize};

/// master, tempdb, model and msdb: never chat databases, so not examined.
const LAST_SYSTEM_DATABASE_ID: i64 = 4;

/// What the listing found.
#[derive(Debug, Default)]
pub struct DatabaseListing {
    /// Every chat database, by name.
    pub chat: Vec<ChatDatabase>,
    /// User databases examined that are not chat databases.
    pub others_examined: u64,
    /// Databases that could not be examined (no access, offline, an error).
    pub skipped: Vec<SkippedDatabase>,
}

/// A chat database of the instance (`probe` without -DBName).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatDatabase {
    pub name: String,
    pub kind: DatabaseKind,
    pub kind_name: String,
    pub counts: Option<Counts>,
}

/// A database that could not be examined, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedDatabase {
    pub name: String,
    pub reason: String,
}

/// A row of sys.databases.
struct Candidate {
    name: String,
    id: i64,
    online: bool,
    state: String,
    has_access: bool,
}

/// `USE [name]`: the name bracket-quoted with `]` doubled (a database name cannot be a parameter of USE).
fn use_statement(name: &str) -> String {
    format!("USE [{}]", name.replace(']', "]]"))
}

async fn candidates(client: &mut SqlClient) -> Result<Vec<Candidate>, PcmError> {
    let rows = client
        .simple_query(
            "SELECT [name], [database_id], [state], [state_desc], HAS_DBACCESS([name]) AS [hasAccess] \
             FROM sys.databases ORDER BY [name]",
        )
        .await
        .map_err(sql_error)?
        .into_first_result()
        .await
        .map_err(sql_error)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(Candidate {
            name: opt_string(row, 0)?.unwrap_or_default(),
            id: i64_at(row, 1)?,
            online: opt_i64(row, 2)? == Some(0),
            state: opt_string(row, 3)?.unwrap_or_default(),
            has_access: opt_i64(row, 4)? == Some(1),
        });
    }
    Ok(out)
}

/// Lists the chat databases of the instance. Leaves the session in whichever database it examined last.
pub async fn list_chat_databases(
    client: &mut SqlClient,
    ctx: &JobContext,
    activity: &str,
) -> Result<DatabaseListing, PcmError> {
    let all = candidates(client).await?;
    let user: Vec<&Candidate> = all
        .iter()
        .filter(|c| c.id > LAST_SYSTEM_DATABASE_ID)
        .collect();
    let total = u64::try_from(user.len()).unwrap_or(u64::MAX);
    let mut listing = DatabaseListing::default();
    for (done, candidate) in (0u64..).zip(user) {
        if ctx.is_cancelled() {
            return Err(PcmError::Cancelled);
        }
        let name = &candidate.name;
        ctx.progress(
            activity,
            format!("Looking for chat databases: '{name}'"),
            Some(done),
            Some(total),
        );
        let skip = |reason: String| SkippedDatabase {
            name: name.clone(),
            reason,
        };
        if !candidate.online {
            listing
                .skipped
                .push(skip(format!("the database is {}", candidate.state)));
            continue;
        }
        if !candidate.has_access {
            listing.skipped.push(skip(
                "this login cannot open the database (HAS_DBACCESS is 0)".to_string(),
            ));
            continue;
        }
        match examine(client, name).await {
            Ok(Some(found)) => listing.chat.push(found),
            Ok(None) => listing.others_examined += 1,
            Err(PcmError::Cancelled) => return Err(PcmError::Cancelled),
            Err(error) => listing.skipped.push(skip(error.display_message())),
        }
    }
    for skipped in &listing.skipped {
        ctx.verbose(format!(
            "database '{}' skipped: {}",
            skipped.name, skipped.reason
        ));
    }
    Ok(listing)
}

/// Switches to `name` and classifies it; `None` for a database that is not a chat database.
async fn examine(client: &mut SqlClient, name: &str) -> Result<Option<ChatDatabase>, PcmError> {
    client
        .simple_query(use_statement(name))
        .await
        .map_err(sql_error)?
        .into_results()
        .await
        .map_err(sql_error)?;
    let (detection, _) = detect(client).await?;
    if detection.kind == DatabaseKind::NotChat {
        return Ok(None);
    }
    Ok(Some(ChatDatabase {
        name: name.to_string(),
        kind: detection.kind,
        kind_name: detection.kind_name.to_string(),
        counts: detection.counts,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_quotes_the_name() {
        assert_eq!(use_statement("GroupChat"), "USE [GroupChat]");
        assert_eq!(use_statement("a]b; DROP"), "USE [a]]b; DROP]");
    }
}
