//! Which kind of chat database this is, told from the columns that exist (INFORMATION_SCHEMA), never from names
//! of databases or guesses. The markers and the reasons for them are in docs/database-detection.md.

use super::catalog::Catalog;
use crate::connection::{sql_error, SqlClient};
use crate::error::PcmError;
use crate::util::rows::opt_i64;
use crate::util::ticks::ticks_to_iso;
use serde::{Deserialize, Serialize};

/// Kinds of database the tool understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DatabaseKind {
    /// Office Communications Server 2007 R2 Group Chat (schema unpublished; the 2010 family without its newer
    /// columns).
    OcsGroupChat2007R2,
    /// Lync Server 2010 Group Chat.
    LyncGroupChat2010,
    /// Lync Server 2013 / Skype for Business Server 2015 Persistent Chat (`mgc`).
    PersistentChat2013,
    /// Not a chat database.
    NotChat,
}

impl DatabaseKind {
    pub fn is_legacy(self) -> bool {
        matches!(
            self,
            DatabaseKind::OcsGroupChat2007R2 | DatabaseKind::LyncGroupChat2010
        )
    }

    /// Human-readable product name.
    pub fn display_name(self) -> &'static str {
        match self {
            DatabaseKind::OcsGroupChat2007R2 => "OCS 2007 R2 Group Chat",
            DatabaseKind::LyncGroupChat2010 => "Lync Server 2010 Group Chat",
            DatabaseKind::PersistentChat2013 => {
                "Lync Server 2013 / Skype for Business Server 2015 Persistent Chat"
            }
            DatabaseKind::NotChat => "not a chat database",
        }
    }
}

/// Tables every chat database of every supported version has.
pub const CORE_TABLES: &[&str] = &[
    "tblNode",
    "tblPrincipal",
    "tblPrincipalType",
    "tblRoleType",
    "tblPrincipalRole",
    "tblChat",
];

/// Columns only the legacy (2010 family) schema has.
const LEGACY_MARKERS: &[(&str, &str)] = &[
    ("tblNode", "overrideMember"),
    ("tblNode", "topic"),
    ("tblPrincipal", "prinAllowedPermSet"),
];
/// Columns only the 2013 schema has (`tblNode.visibility` is not one: Lync 2010 has it too).
const MGC_MARKERS: &[(&str, &str)] = &[("tblPrincipal", "prinDisplayName"), ("tblChat", "rtf")];
/// Columns published for Lync 2010 that an OCS 2007 R2 database is taken to lack.
const LYNC2010_ONLY: &[(&str, &str)] = &[
    ("tblPrincipalType", "ptypeIsFederated"),
    ("tblNode", "restrictChildCreate"),
];

/// What detection found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Detection {
    pub kind: DatabaseKind,
    pub kind_name: &'static str,
    /// Core tables or columns that were looked for and not found. For a chat database, only the columns the counts
    /// need (then `counts` is None); a missing optional column never appears here.
    pub missing: Vec<String>,
    /// Why the kind was chosen.
    pub evidence: Vec<String>,
    pub counts: Option<Counts>,
}

/// The figures an administrator wants first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub categories: i64,
    pub rooms: i64,
    pub principals: i64,
    pub messages: i64,
    pub first_message_utc: Option<String>,
    pub last_message_utc: Option<String>,
}

impl Detection {
    /// An error naming what is missing, unless this is a chat database.
    pub fn require_chat(&self, database: &str) -> Result<(), PcmError> {
        if self.kind == DatabaseKind::NotChat {
            return Err(PcmError::NotAChatDatabase(format!(
                "database '{database}' is not a Group Chat or Persistent Chat database: {} not found. Check \
                 -DBName (the legacy Group Chat database, or 'mgc')",
                self.missing.join(", ")
            )));
        }
        Ok(())
    }
}

/// Classifies a catalog (pure: no I/O).
pub fn classify(catalog: &Catalog) -> Detection {
    let missing: Vec<String> = CORE_TABLES
        .iter()
        .filter(|t| !catalog.has_table(t))
        .map(|t| format!("table dbo.{t}"))
        .collect();
    let found = |markers: &[(&str, &str)]| -> Vec<String> {
        markers
            .iter()
            .filter(|(t, c)| catalog.has_column(t, c))
            .map(|(t, c)| format!("{t}.{c}"))
            .collect()
    };
    let not_chat = |missing: Vec<String>, evidence: Vec<String>| Detection {
        kind: DatabaseKind::NotChat,
        kind_name: DatabaseKind::NotChat.display_name(),
        missing,
        evidence,
        counts: None,
    };
    if !missing.is_empty() {
        return not_chat(
            missing,
            vec![format!("{} tables in schema dbo", catalog.table_count())],
        );
    }
    let legacy = found(LEGACY_MARKERS);
    let mgc = found(MGC_MARKERS);
    let (kind, evidence, missing) = match (legacy.is_empty(), mgc.is_empty()) {
        (true, false) => (DatabaseKind::PersistentChat2013, mgc, Vec::new()),
        (false, true) => {
            let newer = found(LYNC2010_ONLY);
            if newer.len() == LYNC2010_ONLY.len() {
                (
                    DatabaseKind::LyncGroupChat2010,
                    [legacy, newer].concat(),
                    Vec::new(),
                )
            } else {
                let absent = LYNC2010_ONLY
                    .iter()
                    .map(|(t, c)| format!("{t}.{c}"))
                    .filter(|m| !newer.contains(m))
                    .collect::<Vec<_>>();
                let mut evidence = legacy;
                evidence.push(format!("without Lync 2010 column(s) {}", absent.join(", ")));
                (DatabaseKind::OcsGroupChat2007R2, evidence, Vec::new())
            }
        }
        (true, true) => {
            return not_chat(
                vec!["the columns that tell Group Chat 2010 from Persistent Chat 2013".to_string()],
                vec!["chat tables present but neither schema's marker columns".to_string()],
            )
        }
        (false, false) => {
            return not_chat(
                vec!["a consistent schema version".to_string()],
                vec![format!(
                    "markers of both versions: {}",
                    [legacy, mgc].concat().join(", ")
                )],
            )
        }
    };
    Detection {
        kind,
        kind_name: kind.display_name(),
        missing,
        evidence,
        counts: None,
    }
}

/// Reads the catalog of `dbo`, classifies it and, for chat databases, counts what is in it.
pub async fn detect(client: &mut SqlClient) -> Result<(Detection, Catalog), PcmError> {
    let catalog = Catalog::read(client, "dbo").await?;
    let mut detection = classify(&catalog);
    if detection.kind != DatabaseKind::NotChat {
        let absent = absent_count_columns(&catalog);
        if absent.is_empty() {
            detection.counts = Some(count(client, &catalog).await?);
        } else {
            // Still a chat database of its kind; the export names what it needs these columns for.
            detection.missing = absent;
        }
    }
    Ok((detection, catalog))
}

/// Columns the counts are taken from (all required by the export, see docs/schema-assumptions.md).
const COUNT_COLUMNS: &[(&str, &str)] = &[
    ("tblNode", "nodeType"),
    ("tblNode", "nodeID"),
    ("tblNode", "parentID"),
    ("tblChat", "chatDate"),
];

/// The count columns the catalog lacks, as `column dbo.table.column`; counting without them would fail.
fn absent_count_columns(catalog: &Catalog) -> Vec<String> {
    COUNT_COLUMNS
        .iter()
        .filter(|(t, c)| !catalog.has_column(t, c))
        .map(|(t, c)| format!("column dbo.{t}.{c}"))
        .collect()
}

/// Counts categories (the root excluded), rooms, principals and messages, and the message date range.
async fn count(client: &mut SqlClient, catalog: &Catalog) -> Result<Counts, PcmError> {
    let node = catalog.table_ref("tblNode");
    let chat = catalog.table_ref("tblChat");
    let n = |c: &str| catalog.col("tblNode", c);
    let date = catalog.col("tblChat", "chatDate");
    let row = client
        .simple_query(format!(
            "SELECT \
             (SELECT COUNT_BIG(*) FROM {node} WHERE {node_type} = 1 AND {node_id} <> {parent_id}) AS categories, \
             (SELECT COUNT_BIG(*) FROM {node} WHERE {node_type} = 0) AS rooms, \
             (SELECT COUNT_BIG(*) FROM {principal}) AS principals, \
             (SELECT COUNT_BIG(*) FROM {chat}) AS messages, \
             (SELECT MIN({date}) FROM {chat}) AS firstChat, \
             (SELECT MAX({date}) FROM {chat}) AS lastChat",
            node_type = n("nodeType"),
            node_id = n("nodeID"),
            parent_id = n("parentID"),
            principal = catalog.table_ref("tblPrincipal"),
        ))
        .await
        .map_err(sql_error)?
        .into_row()
        .await
        .map_err(sql_error)?
        .ok_or_else(|| PcmError::Internal("the count query returned no row".to_string()))?;
    Ok(Counts {
        categories: opt_i64(&row, 0)?.unwrap_or(0),
        rooms: opt_i64(&row, 1)?.unwrap_or(0),
        principals: opt_i64(&row, 2)?.unwrap_or(0),
        messages: opt_i64(&row, 3)?.unwrap_or(0),
        first_message_utc: opt_i64(&row, 4)?.and_then(ticks_to_iso),
        last_message_utc: opt_i64(&row, 5)?.and_then(ticks_to_iso),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(tables: &[(&str, &[&str])]) -> Catalog {
        Catalog::of_columns(tables)
    }

    const BASE: &[(&str, &[&str])] = &[
        ("tblPrincipalRole", &["prinID"]),
        ("tblRoleType", &["rtypeID"]),
        ("tblChat", &["channelId", "chatId"]),
    ];

    fn with(extra: &[(&'static str, &'static [&'static str])]) -> Catalog {
        let mut all: Vec<(&str, &[&str])> = BASE.to_vec();
        all.extend_from_slice(extra);
        catalog(&all)
    }

    #[test]
    fn tells_the_three_kinds_apart() {
        let mgc = with(&[
            ("tblNode", &["nodeID", "visibility"]),
            ("tblPrincipal", &["prinID", "prinDisplayName"]),
            ("tblChat", &["channelId", "rtf"]),
            ("tblPrincipalType", &["ptypeID"]),
        ]);
        assert_eq!(classify(&mgc).kind, DatabaseKind::PersistentChat2013);
        let lync = with(&[
            (
                "tblNode",
                &[
                    "nodeID",
                    "topic",
                    "overrideMember",
                    "restrictChildCreate",
                    "visibility",
                ],
            ),
            ("tblPrincipal", &["prinID", "prinAllowedPermSet"]),
            ("tblPrincipalType", &["ptypeID", "ptypeIsFederated"]),
        ]);
        assert_eq!(classify(&lync).kind, DatabaseKind::LyncGroupChat2010);
        let ocs = with(&[
            ("tblNode", &["nodeID", "topic", "overrideMember"]),
            ("tblPrincipal", &["prinID", "prinAllowedPermSet"]),
            ("tblPrincipalType", &["ptypeID"]),
        ]);
        let d = classify(&ocs);
        assert_eq!(d.kind, DatabaseKind::OcsGroupChat2007R2);
        assert!(d.evidence.iter().any(|e| e.contains("ptypeIsFederated")));
    }

    #[test]
    fn names_what_is_missing() {
        let d = classify(&catalog(&[("tblNode", &["nodeID"]), ("Orders", &["id"])]));
        assert_eq!(d.kind, DatabaseKind::NotChat);
        assert!(d.missing.iter().any(|m| m.contains("tblChat")));
        let e = d.require_chat("shop").unwrap_err();
        assert_eq!(e.code(), "not_a_chat_database");
        assert!(e.to_string().contains("dbo.tblPrincipal"), "{e}");
        assert!(e.to_string().contains("'shop'"));
    }

    #[test]
    fn missing_optional_columns_never_make_a_legacy_database_unknown() {
        // Lync 2010 as published: no tblScopePrincipal at all in this catalog, no siopID, no scopeIsDenied.
        // Detection needs only the core tables and one published marker column per family.
        let lync = with(&[
            (
                "tblNode",
                &["nodeID", "overrideMember", "restrictChildCreate"],
            ),
            ("tblPrincipal", &["prinID"]),
            ("tblPrincipalType", &["ptypeID", "ptypeIsFederated"]),
        ]);
        let d = classify(&lync);
        assert_eq!(d.kind, DatabaseKind::LyncGroupChat2010, "{d:?}");
        assert!(d.missing.is_empty(), "{d:?}");
        let ocs = with(&[
            ("tblNode", &["nodeID", "topic"]),
            ("tblPrincipal", &["prinID"]),
            ("tblPrincipalType", &["ptypeID"]),
        ]);
        let d = classify(&ocs);
        assert_eq!(d.kind, DatabaseKind::OcsGroupChat2007R2, "{d:?}");
        assert!(d.missing.is_empty(), "{d:?}");
        assert!(d.require_chat("gc").is_ok());
        assert_eq!(
            absent_count_columns(&ocs),
            [
                "column dbo.tblNode.nodeType",
                "column dbo.tblNode.parentID",
                "column dbo.tblChat.chatDate"
            ]
        );
    }
}
