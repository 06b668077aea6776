//! The fixture scripts: batch splitting, T-SQL parsing (sqlparser, MsSqlDialect) and a few
//! SQL Server 2008 R2 compatibility checks.

use chat_fixtures::{
    split_batches, DatabaseKind, LEGACY_2010_SQL, MGC_2013_SQL, OCS_R2_ABSENT_COLUMNS,
    OCS_R2_FLAVOUR_SQL,
};
use sqlparser::dialect::MsSqlDialect;
use sqlparser::parser::Parser;

#[test]
fn split_batches_on_go_lines() {
    let script = "CREATE TABLE a (x int);\nGO\nSELECT 1;\n  go  \r\nSELECT 'GO';\nSELECT 2 -- GO\nGo\n\nGO\n";
    let b = split_batches(script);
    assert_eq!(b.len(), 3, "{b:?}");
    assert_eq!(b[0], "CREATE TABLE a (x int);\n");
    assert_eq!(b[1], "SELECT 1;\n");
    assert_eq!(b[2], "SELECT 'GO';\nSELECT 2 -- GO\n");
}

#[test]
fn split_batches_without_go_and_trailing_text() {
    assert_eq!(split_batches("SELECT 1"), vec!["SELECT 1".to_string()]);
    assert!(split_batches("").is_empty());
    assert!(split_batches("GO\ngo\n  \n").is_empty());
    let b = split_batches("SELECT 1\nGOTO x\nGO\nSELECT 2");
    assert_eq!(
        b,
        vec!["SELECT 1\nGOTO x\n".to_string(), "SELECT 2".to_string()]
    );
    // CRLF line ends, GO on the last line without a newline.
    let b = split_batches("SELECT 1\r\nGO\r\nSELECT 2\r\nGO");
    assert_eq!(
        b,
        vec!["SELECT 1\r\n".to_string(), "SELECT 2\r\n".to_string()]
    );
}

fn all_scripts() -> Vec<(&'static str, String)> {
    vec![
        ("pchat-2013-mgc.sql", MGC_2013_SQL.to_string()),
        ("legacy-groupchat-2010.sql", LEGACY_2010_SQL.to_string()),
        ("ocs2007r2-flavour.sql", OCS_R2_FLAVOUR_SQL.to_string()),
        ("ocs_r2_schema_sql()", chat_fixtures::ocs_r2_schema_sql()),
        (
            "published_only_schema_sql(Legacy2010)",
            chat_fixtures::published_only_schema_sql(DatabaseKind::Legacy2010),
        ),
        (
            "published_only_schema_sql(OcsR2)",
            chat_fixtures::published_only_schema_sql(DatabaseKind::OcsR2),
        ),
    ]
}

#[test]
fn every_batch_parses_with_mssql_dialect() {
    for (name, script) in all_scripts() {
        let batches = split_batches(&script);
        assert!(!batches.is_empty(), "{name}");
        for (i, batch) in batches.iter().enumerate() {
            if let Err(e) = Parser::parse_sql(&MsSqlDialect {}, batch) {
                panic!("{name} batch {i} does not parse: {e}\n{batch}");
            }
        }
    }
}

fn count_create_tables(script: &str) -> usize {
    script
        .lines()
        .filter(|l| {
            l.trim_start()
                .to_ascii_uppercase()
                .starts_with("CREATE TABLE")
        })
        .count()
}

#[test]
fn table_counts_match_the_published_lists() {
    // 27 mgc tables (2013/2015); 38 tables in the Lync 2010 list.
    assert_eq!(count_create_tables(MGC_2013_SQL), 27);
    assert_eq!(count_create_tables(LEGACY_2010_SQL), 38);
}

#[test]
fn create_function_is_alone_in_its_batch() {
    let batches = split_batches(MGC_2013_SQL);
    let f: Vec<_> = batches
        .iter()
        .filter(|b| b.to_ascii_uppercase().contains("CREATE FUNCTION"))
        .collect();
    assert_eq!(f.len(), 1);
    let statements = Parser::parse_sql(&MsSqlDialect {}, f[0]).unwrap();
    assert_eq!(
        statements.len(),
        1,
        "CREATE FUNCTION must be the only statement"
    );
    assert!(f[0].contains("dbo.fnTicksToDate"));
}

/// Rejects syntax SQL Server 2008 R2 does not accept.
#[test]
fn no_syntax_newer_than_sql_server_2008_r2() {
    let banned = [
        "OFFSET ",
        " FETCH NEXT",
        " LIMIT ",
        "CREATE OR ALTER",
        "IF EXISTS",
        "SEQUENCE",
        "DATETIMEOFFSET",
        "THROW ",
        "IIF(",
        "CONCAT(",
        "FORMAT(",
        "TRY_CONVERT",
        "STRING_AGG",
        "::",
    ];
    for (name, script) in all_scripts() {
        let code: String = script
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n")
            .to_ascii_uppercase();
        for b in banned {
            assert!(!code.contains(b), "{name} uses {b:?}");
        }
    }
}

#[test]
fn ocs_r2_flavour_drops_exactly_the_listed_columns() {
    let drops: Vec<(String, String)> = OCS_R2_FLAVOUR_SQL
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix("ALTER TABLE dbo.")?;
            let (table, rest) = rest.split_once(' ')?;
            let col = rest.strip_prefix("DROP COLUMN ")?.trim_end_matches(';');
            Some((table.to_string(), col.to_string()))
        })
        .collect();
    let listed: Vec<(String, String)> = OCS_R2_ABSENT_COLUMNS
        .iter()
        .map(|(t, c)| (t.to_string(), c.to_string()))
        .collect();
    assert_eq!(drops, listed);
    // Each dropped column exists in the 2010 script.
    for (table, col) in OCS_R2_ABSENT_COLUMNS {
        let start = LEGACY_2010_SQL
            .find(&format!("CREATE TABLE dbo.{table} ("))
            .unwrap_or_else(|| panic!("{table} missing"));
        let body = &LEGACY_2010_SQL[start..start + LEGACY_2010_SQL[start..].find(");").unwrap()];
        assert!(body.contains(&format!("\n    {col} ")), "{table}.{col}");
        assert!(!DatabaseKind::OcsR2.has_column(table, col));
        assert!(DatabaseKind::Legacy2010.has_column(table, col));
    }
    assert_eq!(
        DatabaseKind::OcsR2.batches().len(),
        split_batches(LEGACY_2010_SQL).len() + 1
    );
}

#[test]
fn legacy_script_has_the_published_2010_differences() {
    let s = LEGACY_2010_SQL;
    for col in [
        "topic nvarchar(256) NOT NULL",
        "filestoreURI nvarchar(256) NULL",
        "inheritance bit NOT NULL",
        "scopeChange bit NOT NULL",
        "overrideMember bit NOT NULL",
        "restrictChildCreate bit NULL",
        "prinAllowedPermSet bigint NOT NULL",
        "prinUseInheritedPerms bit NOT NULL",
        "prinDisabled bit NOT NULL",
        "prinADPath nvarchar(256) NULL",
        "ptypeIsFederated bit NOT NULL",
        "honorsOverride bit NOT NULL",
        "honorsScope bit NOT NULL",
    ] {
        assert!(s.contains(col), "legacy lacks {col}");
    }
    assert!(!s.contains("prinDisplayName"));
    assert!(!s.contains("rtf varchar"));
    assert!(!s.contains("N'Creator'"));
    for t in [
        "(6, N'ExternalUser'",
        "(7, N'FederatedUser'",
        "(11, N'Federated Group'",
    ] {
        assert!(s.contains(t), "{t}");
    }
    let m = MGC_2013_SQL;
    assert!(m.contains("rtf varchar(max) NULL"));
    assert!(m.contains("prinDisabled smallint NOT NULL"));
    assert!(m.contains("prinADPath nvarchar(384) NULL"));
    assert!(m.contains("N'Creator'"));
    assert!(!m.contains("ExternalUser"));
}

/// The CREATE TABLE statement of `table` in `script`, up to its closing `);`.
fn create_statement<'s>(script: &'s str, table: &str) -> Option<&'s str> {
    let start = script.find(&format!("CREATE TABLE dbo.{table} ("))?;
    let len = script[start..].find(");")?;
    Some(&script[start..start + len])
}

#[test]
fn published_only_scripts_hold_exactly_the_published_columns() {
    use chat_fixtures::{published_only_schema_sql, Schema, PUBLISHED_ONLY_TABLES};
    for kind in [DatabaseKind::Legacy2010, DatabaseKind::OcsR2] {
        let script = published_only_schema_sql(kind);
        assert_eq!(
            count_create_tables(&script),
            PUBLISHED_ONLY_TABLES.len(),
            "{kind:?}"
        );
        let schema = Schema::published_only(kind);
        for (table, published) in PUBLISHED_ONLY_TABLES {
            let body =
                create_statement(&script, table).unwrap_or_else(|| panic!("{kind:?}: no {table}"));
            let full = create_statement(LEGACY_2010_SQL, table).expect("in the 2010 script");
            for line in full.lines().skip(1) {
                let column = line.split_whitespace().next().unwrap_or("");
                if column.is_empty() || column == "CONSTRAINT" || column == "REFERENCES" {
                    continue;
                }
                let expected = published.contains(&column) && kind.has_column(table, column);
                assert_eq!(
                    body.contains(&format!("\n    {column} ")),
                    expected,
                    "{kind:?} {table}.{column}"
                );
                assert_eq!(schema.has_column(table, column), expected);
            }
        }
        // Constraints that named a dropped column or table went with it.
        assert!(!script.contains("FK_tblNode_siopID"), "{kind:?}");
        assert!(!script.contains("REFERENCES dbo.tblEnumValue"), "{kind:?}");
        assert!(!script.contains("tblTree"), "{kind:?}");
        assert!(script
            .contains("CONSTRAINT PK_tblScopePrincipal PRIMARY KEY (scopeNodeID, scopePrinID)"));
        assert!(script.contains("SET IDENTITY_INSERT dbo.tblNode ON"));
    }
    let ocs = published_only_schema_sql(DatabaseKind::OcsR2);
    assert!(!ocs.contains("ptypeIsFederated") && !ocs.contains("restrictChildCreate"));
    assert_eq!(
        published_only_schema_sql(DatabaseKind::Mgc2013),
        MGC_2013_SQL,
        "2013 is published in full"
    );
}
