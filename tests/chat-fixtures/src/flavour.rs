//! Schema flavours: the full fixture schema, or "published columns only" — a legacy database holding only the
//! columns the published Lync 2010 schema lists (shared/reference/legacy-groupchat.md), plus, for the tables
//! whose columns were never published, only the key columns pchat-migrate truly needs. It proves the product
//! depends on no column the fixtures invented or completed from Lync 2013.
//!
//! The flavour is made by rewriting the CREATE TABLE statements and fixed-row INSERTs of the kind's script (no
//! `ALTER TABLE ... DROP COLUMN`), so it also loads on the SQLite-backed stand-in. The writers leave the absent
//! tables and columns out of their INSERTs ([`Schema::has_table`], [`Schema::has_column`]).

use crate::ocs::{groups, rewrite_insert, split_top, table_name};
use crate::{split_batches, DatabaseKind};

/// Which columns a generated database holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SchemaFlavour {
    /// Every table and column of the fixture scripts (published, completed and invented ones).
    #[default]
    Full,
    /// Legacy kinds: only the published columns ([`PUBLISHED_ONLY_TABLES`]). Lync 2013 is published in full, so
    /// for [`DatabaseKind::Mgc2013`] this is the same as [`SchemaFlavour::Full`].
    PublishedOnly,
}

/// The tables of a published-columns-only legacy database and the columns each keeps (of the Lync 2010 script;
/// the OCS 2007 R2 kind further lacks [`crate::OCS_R2_ABSENT_COLUMNS`]). Every other table of the 2010 script is
/// absent: its columns were never published and pchat-migrate does not need it.
pub const PUBLISHED_ONLY_TABLES: &[(&str, &[&str])] = &[
    // Published in full.
    (
        "tblPrincipalType",
        &[
            "ptypeID",
            "ptypeDesc",
            "ptypeIsSystemUser",
            "ptypeIsUser",
            "ptypeIsFederated",
        ],
    ),
    // Published up to prinAddedBy (the page is cut off there).
    (
        "tblPrincipal",
        &[
            "prinID",
            "prinGuid",
            "prinUri",
            "prinName",
            "prinCompanyName",
            "prinEmail",
            "prinADPath",
            "prinADUserPrincipalName",
            "prinDisabled",
            "prinTypeID",
            "prinAllowedPermSet",
            "prinUseInheritedPerms",
            "prinAddedBy",
        ],
    ),
    // Published up to visibility (the page is cut off there).
    (
        "tblNode",
        &[
            "nodeID",
            "nodeGuid",
            "parentID",
            "nodeType",
            "nodeName",
            "nodeDesc",
            "topic",
            "filestoreURI",
            "inheritance",
            "scopeChange",
            "overrideMember",
            "invite",
            "logged",
            "filePost",
            "disabled",
            "restrictChildCreate",
            "behavior",
            "visibility",
        ],
    ),
    // Published in full.
    (
        "tblRoleType",
        &[
            "rtypeID",
            "rtypeDesc",
            "rtypeAllowedPermSet",
            "honorsOverride",
            "honorsScope",
        ],
    ),
    (
        "tblChat",
        &[
            "channelID",
            "chatID",
            "chatDate",
            "userId",
            "isAlert",
            "content",
        ],
    ),
    (
        "tblComplianceParticipant",
        &[
            "channelUri",
            "userId",
            "joinedAt",
            "partedAt",
            "userUri",
            "serverId",
            "sessionId",
        ],
    ),
    // Unpublished columns: only the keys that link principal, node and role type.
    (
        "tblPrincipalRole",
        &["prinRoleNodeID", "prinRolePrinID", "prinRoleTypeID"],
    ),
    ("tblScopePrincipal", &["scopeNodeID", "scopePrinID"]),
    // Unpublished columns: what an add-in is (id, name, URL), read when present.
    ("tblSiopWhiteList", &["siopID", "siopName", "siopUrl"]),
];

fn published_columns(table: &str) -> Option<&'static [&'static str]> {
    PUBLISHED_ONLY_TABLES
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(table))
        .map(|(_, cols)| *cols)
}

/// A database kind in a flavour: what the fixtures create and write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Schema {
    pub kind: DatabaseKind,
    pub flavour: SchemaFlavour,
}

impl From<DatabaseKind> for Schema {
    fn from(kind: DatabaseKind) -> Schema {
        Schema {
            kind,
            flavour: SchemaFlavour::Full,
        }
    }
}

impl Schema {
    /// `kind` with only its published columns.
    pub fn published_only(kind: DatabaseKind) -> Schema {
        Schema {
            kind,
            flavour: SchemaFlavour::PublishedOnly,
        }
    }

    fn restricted(self) -> bool {
        self.flavour == SchemaFlavour::PublishedOnly && self.kind.is_legacy()
    }

    /// Whether the database has `table`.
    pub fn has_table(self, table: &str) -> bool {
        !self.restricted() || published_columns(table).is_some()
    }

    /// Whether the database has `table.column` (false for every column of an absent table).
    pub fn has_column(self, table: &str, column: &str) -> bool {
        self.kind.has_column(table, column)
            && (!self.restricted()
                || published_columns(table)
                    .is_some_and(|cols| cols.iter().any(|c| c.eq_ignore_ascii_case(column))))
    }

    /// The schema script (GO-separated batches).
    pub fn script(self) -> String {
        let base = self.kind.script();
        if !self.restricted() {
            return base.into_owned();
        }
        published_only_schema_sql(self.kind)
    }

    /// The batches of [`Schema::script`], in order.
    pub fn batches(self) -> Vec<String> {
        split_batches(&self.script())
    }
}

/// The published-columns-only script for a legacy `kind` ([`PUBLISHED_ONLY_TABLES`]; for
/// [`DatabaseKind::OcsR2`] also without [`crate::OCS_R2_ABSENT_COLUMNS`]). For [`DatabaseKind::Mgc2013`],
/// published in full, it is the full script.
pub fn published_only_schema_sql(kind: DatabaseKind) -> String {
    let schema = Schema::published_only(kind);
    if !schema.restricted() {
        return kind.script().into_owned();
    }
    let keep_table = |t: &str| schema.has_table(t);
    let keep_column = |t: &str, c: &str| schema.has_column(t, c);
    let filtered = filter_script(&kind.script(), &keep_table, &keep_column);
    // Batches left holding only comments (their statements all went) are dropped.
    let mut out = String::with_capacity(filtered.len());
    out.push_str(
        "-- PUBLISHED COLUMNS ONLY (chat_fixtures::published_only_schema_sql): generated from the script\n\
         -- below by keeping only chat_fixtures::PUBLISHED_ONLY_TABLES; comments about dropped tables remain.\n",
    );
    for batch in split_batches(&filtered) {
        let has_sql = batch.lines().any(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with("--")
        });
        if has_sql {
            out.push_str(&batch);
            if !batch.ends_with('\n') {
                out.push('\n');
            }
            out.push_str("GO\n");
        }
    }
    out
}

type TablePredicate<'a> = &'a dyn Fn(&str) -> bool;
type ColumnPredicate<'a> = &'a dyn Fn(&str, &str) -> bool;

/// Rewrites a fixture script: CREATE TABLE statements of absent tables go, the others lose their absent columns
/// and every constraint naming one (or an absent table); INSERT, UPDATE and SET IDENTITY_INSERT statements of
/// absent tables go, and INSERTs lose their absent columns. Comments and GO lines stay.
fn filter_script(
    script: &str,
    keep_table: TablePredicate<'_>,
    keep_column: ColumnPredicate<'_>,
) -> String {
    let mut out = String::with_capacity(script.len());
    let mut create: Option<(String, String)> = None;
    let mut insert: Option<String> = None;
    let absent = |t: &str, c: &str| !keep_column(t, c);
    for line in script.split_inclusive('\n') {
        let t = line.trim_start();
        if let Some((table, body)) = create.as_mut() {
            if t.starts_with(");") {
                if keep_table(table) {
                    out.push_str(&rewrite_create(table, body, keep_table, keep_column));
                }
                create = None;
            } else {
                body.push_str(line);
            }
            continue;
        }
        if let Some(stmt) = insert.as_mut() {
            stmt.push_str(line);
            if line.trim_end().ends_with(';') {
                let table = table_name(stmt.trim_start().trim_start_matches("INSERT INTO dbo."));
                if keep_table(&table) {
                    out.push_str(&rewrite_insert(stmt, &absent));
                }
                insert = None;
            }
            continue;
        }
        if let Some(rest) = t.strip_prefix("CREATE TABLE dbo.") {
            create = Some((table_name(rest), String::new()));
            continue;
        }
        if let Some(rest) = t.strip_prefix("INSERT INTO dbo.") {
            if line.trim_end().ends_with(';') {
                if keep_table(&table_name(rest)) {
                    out.push_str(&rewrite_insert(line, &absent));
                }
            } else {
                insert = Some(line.to_string());
            }
            continue;
        }
        let statement_table = ["SET IDENTITY_INSERT dbo.", "UPDATE dbo."]
            .iter()
            .find_map(|p| t.strip_prefix(p))
            .map(table_name);
        if statement_table.is_some_and(|table| !keep_table(&table)) {
            continue;
        }
        out.push_str(line);
    }
    out
}

/// One CREATE TABLE statement without the absent columns and the constraints that name them.
fn rewrite_create(
    table: &str,
    body: &str,
    keep_table: TablePredicate<'_>,
    keep_column: ColumnPredicate<'_>,
) -> String {
    let items: Vec<String> = split_top(body)
        .into_iter()
        .filter(|item| {
            let first = item.split_whitespace().next().unwrap_or("");
            if first.eq_ignore_ascii_case("CONSTRAINT") {
                constraint_kept(table, item, keep_table, keep_column)
            } else {
                keep_column(table, first.trim_matches(|c| c == '[' || c == ']'))
            }
        })
        .collect();
    format!(
        "CREATE TABLE dbo.{table} (\n    {}\n);\n",
        items.join(",\n    ")
    )
}

/// A constraint stays when every column it names (and, for a foreign key, the referenced table and columns) is
/// kept.
fn constraint_kept(
    table: &str,
    item: &str,
    keep_table: TablePredicate<'_>,
    keep_column: ColumnPredicate<'_>,
) -> bool {
    let lists = groups(item);
    let columns = |list: &str| -> Vec<String> {
        split_top(list)
            .into_iter()
            .map(|c| c.trim_matches(|ch| ch == '[' || ch == ']').to_string())
            .collect()
    };
    let Some(own) = lists.first() else {
        return true;
    };
    if !columns(own).iter().all(|c| keep_column(table, c)) {
        return false;
    }
    let upper = item.to_ascii_uppercase();
    match upper.find("REFERENCES DBO.") {
        Some(at) => {
            let referenced = table_name(&item[at + "REFERENCES DBO.".len()..]);
            keep_table(&referenced)
                && lists
                    .get(1)
                    .is_none_or(|cols| columns(cols).iter().all(|c| keep_column(&referenced, c)))
        }
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_follow_their_columns() {
        let keep_table = |t: &str| t != "tblEnumValue";
        let keep_column = |t: &str, c: &str| !(t == "tblNode" && c == "siopID");
        let create = rewrite_create(
            "tblNode",
            "    nodeID int NOT NULL,\n    behavior smallint NOT NULL,\n    siopID uniqueidentifier NULL,\n    \
             CONSTRAINT PK_tblNode PRIMARY KEY (nodeID),\n    CONSTRAINT FK_tblNode_behavior FOREIGN KEY (behavior)\n        \
             REFERENCES dbo.tblEnumValue (valueID),\n    CONSTRAINT FK_tblNode_siopID FOREIGN KEY (siopID)\n        \
             REFERENCES dbo.tblSiopWhiteList (siopID)\n",
            &keep_table,
            &keep_column,
        );
        assert_eq!(
            create,
            "CREATE TABLE dbo.tblNode (\n    nodeID int NOT NULL,\n    behavior smallint NOT NULL,\n    \
             CONSTRAINT PK_tblNode PRIMARY KEY (nodeID)\n);\n"
        );
    }
}
