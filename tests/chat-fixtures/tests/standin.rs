//! Loads the fixture scripts and generated deployments into the SQL Server stand-in
//! (`sqlserver-standin`, TDS over SQLite) and reads them back.

use chat_fixtures::messages::scripted;
use chat_fixtures::*;
use sqlserver_standin::{Standin, StandinConfig, TlsMode};
use tiberius::{Client, Config, Row};
use tokio::net::TcpStream;
use tokio_util::compat::TokioAsyncWriteCompatExt;

fn standin() -> Standin {
    Standin::spawn(StandinConfig {
        tls: TlsMode::Plaintext,
        ..Default::default()
    })
    .expect("spawn stand-in")
}

async fn connect(s: &Standin) -> TdsClient {
    let config = Config::from_ado_string(&s.ado_connection_string("master")).unwrap();
    let tcp = TcpStream::connect(config.get_addr()).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    Client::connect(config, tcp.compat_write()).await.unwrap()
}

async fn rows(c: &mut TdsClient, sql: &str) -> Vec<Row> {
    c.simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_first_result()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn int(row: &Row, i: usize) -> i64 {
    if let Ok(Some(v)) = row.try_get::<i64, _>(i) {
        return v;
    }
    if let Ok(Some(v)) = row.try_get::<i32, _>(i) {
        return v as i64;
    }
    if let Ok(Some(v)) = row.try_get::<i16, _>(i) {
        return v as i64;
    }
    panic!("column {i} is not an integer: {row:?}")
}

async fn scalar(c: &mut TdsClient, sql: &str) -> i64 {
    int(&rows(c, sql).await[0], 0)
}

async fn count(c: &mut TdsClient, table: &str) -> i64 {
    scalar(c, &format!("SELECT COUNT(*) FROM dbo.{table}")).await
}

async fn columns(c: &mut TdsClient, table: &str) -> Vec<String> {
    c.query(
        "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = @P1 ORDER BY ORDINAL_POSITION",
        &[&table],
    )
    .await
    .unwrap()
    .into_first_result()
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<&str, _>(0).unwrap().to_string())
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn fixture_scripts_load_unchanged() {
    let s = standin();
    let mut c = connect(&s).await;
    for (db, kind, tables, ptypes, roles) in [
        ("mgc", DatabaseKind::Mgc2013, 27, 8, 4),
        ("gc2010", DatabaseKind::Legacy2010, 38, 11, 3),
        ("ocsr2", DatabaseKind::OcsR2, 38, 11, 3),
    ] {
        create_database(&mut c, db, kind)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        let n = scalar(
            &mut c,
            "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_TYPE = 'BASE TABLE'",
        )
        .await;
        assert_eq!(n, tables, "{kind:?} tables");
        assert_eq!(count(&mut c, "tblPrincipalType").await, ptypes);
        assert_eq!(count(&mut c, "tblRoleType").await, roles);
        assert_eq!(count(&mut c, "tblEnumAttribute").await, 2);
        let root = rows(
            &mut c,
            "SELECT nodeID, parentID, nodeType, nodeName FROM dbo.tblNode",
        )
        .await;
        assert_eq!(root.len(), 1);
        assert_eq!((int(&root[0], 0), int(&root[0], 1)), (1, 1));
        let sys = rows(
            &mut c,
            "SELECT prinID, prinTypeID, prinUri FROM dbo.tblPrincipal",
        )
        .await;
        assert_eq!(sys.len(), 1);
        assert_eq!((int(&sys[0], 0), int(&sys[0], 1)), (1, 4));
        assert_eq!(sys[0].get::<&str, _>(2), Some(SYSTEM_PRINCIPAL_URI));
        let names: Vec<String> = rows(
            &mut c,
            "SELECT rtypeDesc FROM dbo.tblRoleType ORDER BY rtypeDesc",
        )
        .await
        .iter()
        .map(|r| r.get::<&str, _>(0).unwrap().to_string())
        .collect();
        let mut expected = vec!["Manager", "Member", "Voiced"];
        if kind == DatabaseKind::Mgc2013 {
            expected.insert(0, "Creator");
        }
        assert_eq!(names, expected);
        // Optional columns present in 2010, absent in the OCS R2 flavour.
        for (table, col) in OCS_R2_ABSENT_COLUMNS {
            let cols = columns(&mut c, table).await;
            assert!(!cols.is_empty(), "{table} has columns");
            let has = cols.iter().any(|x| x.eq_ignore_ascii_case(col));
            match kind {
                DatabaseKind::Legacy2010 => assert!(has, "{table}.{col}"),
                DatabaseKind::OcsR2 => assert!(!has, "{table}.{col} should be dropped"),
                DatabaseKind::Mgc2013 => {}
            }
        }
        c.simple_query("USE master")
            .await
            .unwrap()
            .into_results()
            .await
            .unwrap();
    }
}

async fn write_and_check(kind: DatabaseKind, dep: &Deployment, opts: WriteOptions) {
    let s = standin();
    let mut c = connect(&s).await;
    create_database(&mut c, "chat", kind).await.unwrap();
    let mut reports = Vec::new();
    let counts = write_legacy_with(&mut c, dep, kind, opts, &mut |p| reports.push(p))
        .await
        .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    assert!(reports
        .iter()
        .any(|p| matches!(p, Progress::Messages { written, total } if written == total)));

    assert_eq!(counts.principals as usize, dep.principals.len() - 1);
    assert_eq!(counts.messages, dep.message_count());
    assert_eq!(
        count(&mut c, "tblPrincipal").await,
        dep.principals.len() as i64
    );
    assert_eq!(
        scalar(
            &mut c,
            "SELECT COUNT(*) FROM dbo.tblNode WHERE nodeType = 1"
        )
        .await,
        dep.categories.len() as i64
    );
    assert_eq!(
        scalar(
            &mut c,
            "SELECT COUNT(*) FROM dbo.tblNode WHERE nodeType = 0"
        )
        .await,
        dep.rooms.len() as i64
    );
    assert_eq!(count(&mut c, "tblChat").await, dep.message_count() as i64);
    assert_eq!(count(&mut c, "tblPrincipalRole").await, counts.roles as i64);
    assert_eq!(
        count(&mut c, "tblScopePrincipal").await,
        counts.scopes as i64
    );
    assert_eq!(
        count(&mut c, "tblPrincipalInvites").await,
        dep.invites.len() as i64
    );
    assert_eq!(
        count(&mut c, "tblSiopWhiteList").await,
        dep.addins.len() as i64
    );
    assert_eq!(
        count(&mut c, "tblPrincipalAffiliations").await,
        dep.affiliations.len() as i64
    );
    assert_eq!(
        count(&mut c, "tblLastChatId").await,
        dep.rooms.iter().filter(|r| r.message_count > 0).count() as i64
    );

    // Role names resolve through tblRoleType.
    let managers = scalar(
        &mut c,
        "SELECT COUNT(*) FROM dbo.tblPrincipalRole r JOIN dbo.tblRoleType t ON t.rtypeID = r.prinRoleTypeID \
         WHERE t.rtypeDesc = 'Manager' AND r.prinRoleNodeID = 1",
    )
    .await;
    assert_eq!(managers, dep.edge.root_managers.len() as i64);

    // Scripted messages come back byte for byte (PLP, surrogate pairs, CR/LF, GO lines).
    let room = dep.room(dep.edge.scripted_message_room).unwrap();
    let expected: Vec<Message> = dep.room_messages(room).collect();
    let got = c
        .query(
            "SELECT chatDate, userId, isAlert, content FROM dbo.tblChat WHERE channelId = @P1 ORDER BY chatId",
            &[&room.id],
        )
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert_eq!(got.len(), expected.len());
    for (i, (row, m)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(row.get::<i64, _>(0), Some(m.date), "date of {i}");
        assert_eq!(int(row, 1), m.user_id as i64, "user of {i}");
        assert_eq!(row.get::<bool, _>(2), Some(m.is_alert), "alert of {i}");
        assert_eq!(
            row.get::<&str, _>(3),
            Some(m.content.as_str()),
            "content of {i}"
        );
    }
    assert!(expected[scripted::VERY_LONG].content.len() > 10_000);

    // Node names, including the 256-character one, come back unchanged.
    let max = dep.room(dep.edge.max_length_name_room).unwrap();
    let name = c
        .query(
            "SELECT nodeName FROM dbo.tblNode WHERE nodeID = @P1",
            &[&max.id],
        )
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(name.get::<&str, _>(0), Some(max.name.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn tiny_legacy_2010_writes_and_reads_back() {
    write_and_check(
        DatabaseKind::Legacy2010,
        &generate_model(42, Size::Tiny),
        WriteOptions::default(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tiny_ocs_r2_writes_and_reads_back() {
    write_and_check(
        DatabaseKind::OcsR2,
        &generate_model(43, Size::Tiny),
        WriteOptions::default(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tiny_mgc_2013_writes_and_reads_back() {
    write_and_check(
        DatabaseKind::Mgc2013,
        &generate_mgc_model(42, Size::Tiny),
        WriteOptions::default(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_model_into_mgc_and_inserts_instead_of_bulk() {
    // A legacy-shaped model (nested categories, federated principals) written to 2013, with
    // messages as multi-row INSERTs and small batches.
    write_and_check(
        DatabaseKind::Mgc2013,
        &generate_model(7, Size::Tiny),
        WriteOptions {
            bulk_batch_rows: 7,
            bulk_messages: false,
        },
    )
    .await;
    write_and_check(
        DatabaseKind::Legacy2010,
        &generate_model(8, Size::Messages(300)),
        WriteOptions {
            bulk_batch_rows: 50,
            bulk_messages: true,
        },
    )
    .await;
}

/// `dbo.fnTicksToDate` as the documented sample queries call it (schema-qualified, as SQL Server
/// requires for scalar UDFs).
#[tokio::test(flavor = "multi_thread")]
async fn fn_ticks_to_date_converts_ticks() {
    let s = standin();
    let mut c = connect(&s).await;
    create_database(&mut c, "mgc", DatabaseKind::Mgc2013)
        .await
        .unwrap();
    let r = rows(
        &mut c,
        "SELECT dbo.fnTicksToDate(634609728000000000), dbo.fnTicksToDate(634356918001234567)",
    )
    .await;
    // (days since 1900-01-01, 100 ns ticks into the day), from datetime2 or datetime.
    let value = |d: &tiberius::ColumnData| -> (i64, i64) {
        match d {
            tiberius::ColumnData::DateTime2(Some(dt)) => {
                let scale = dt.time().scale() as u32;
                let ticks = dt.time().increments() as i64 * 10i64.pow(7 - scale.min(7));
                (dt.date().days() as i64 - 693_595, ticks)
            }
            tiberius::ColumnData::DateTime(Some(dt)) => (
                dt.days() as i64,
                dt.seconds_fragments() as i64 * 10_000_000 / 300,
            ),
            other => panic!("expected a date/time value, got {other:?}"),
        }
    };
    let v: Vec<(i64, i64)> = r[0].cells().map(|(_, d)| value(d)).collect();
    assert_eq!(v[0], (40_907, 0)); // 2012-01-01T00:00:00
    assert_eq!(v[1].0, 40_614); // 2011-03-14
                                // 09:30:00.1234567 (datetime rounds to 1/300 s)
    assert!((v[1].1 - 342_001_234_567).abs() < 40_000, "{:?}", v[1]);
}

#[tokio::test(flavor = "multi_thread")]
async fn pchat_seed_binary_fills_a_database() {
    let s = standin();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_pchat-seed"))
        .args([
            "--server",
            &format!("127.0.0.1,{}", s.port()),
            "--user",
            s.user(),
            "--password",
            s.password(),
            "--plaintext",
            "--database",
            "seeded",
            "--kind",
            "ocsr2",
            "--size",
            "messages:250",
            "--seed",
            "42",
        ])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("messages=250"), "{stdout}");
    assert!(!stdout.contains(s.password()) && !stderr.contains(s.password()));
    let mut c = connect(&s).await;
    c.simple_query("USE seeded")
        .await
        .unwrap()
        .into_results()
        .await
        .unwrap();
    assert_eq!(count(&mut c, "tblChat").await, 250);
    let dep = generate_model(42, Size::Messages(250));
    assert_eq!(
        count(&mut c, "tblPrincipal").await,
        dep.principals.len() as i64
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_database_refuses_an_existing_chat_schema() {
    let s = standin();
    let mut c = connect(&s).await;
    create_database(&mut c, "twice", DatabaseKind::Legacy2010)
        .await
        .unwrap();
    c.simple_query("USE master")
        .await
        .unwrap()
        .into_results()
        .await
        .unwrap();
    let e = create_database(&mut c, "twice", DatabaseKind::Mgc2013)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("already holds a chat schema"), "{e}");
}

/// The DROP COLUMN conversion script, on an existing 2010 database (works on SQL Server).
#[tokio::test(flavor = "multi_thread")]
async fn ocs_r2_flavour_script_converts_a_2010_database() {
    let s = standin();
    let mut c = connect(&s).await;
    create_database(&mut c, "gc", DatabaseKind::Legacy2010)
        .await
        .unwrap();
    for batch in split_batches(OCS_R2_FLAVOUR_SQL) {
        c.simple_query(batch)
            .await
            .unwrap()
            .into_results()
            .await
            .unwrap();
    }
    for (table, col) in OCS_R2_ABSENT_COLUMNS {
        let cols = columns(&mut c, table).await;
        assert!(
            !cols.iter().any(|x| x.eq_ignore_ascii_case(col)),
            "{table}.{col}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn published_only_databases_load_and_take_a_deployment() {
    let s = standin();
    let mut c = connect(&s).await;
    let dep = generate_model(44, Size::Tiny);
    for (db, kind) in [
        ("pub2010", DatabaseKind::Legacy2010),
        ("pubocs", DatabaseKind::OcsR2),
    ] {
        let schema = Schema::published_only(kind);
        create_database_as(&mut c, db, schema)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        let n = scalar(
            &mut c,
            "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_TYPE = 'BASE TABLE'",
        )
        .await;
        assert_eq!(n as usize, PUBLISHED_ONLY_TABLES.len(), "{kind:?} tables");
        for (table, published) in PUBLISHED_ONLY_TABLES {
            let expected: Vec<String> = published
                .iter()
                .filter(|c| kind.has_column(table, c))
                .map(|c| c.to_string())
                .collect();
            assert_eq!(columns(&mut c, table).await, expected, "{kind:?} {table}");
        }
        let counts = write_schema(&mut c, &dep, schema)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(
            count(&mut c, "tblPrincipal").await,
            dep.principals.len() as i64
        );
        assert_eq!(count(&mut c, "tblChat").await, dep.message_count() as i64);
        assert_eq!(
            count(&mut c, "tblScopePrincipal").await,
            counts.scopes as i64
        );
        assert_eq!(count(&mut c, "tblPrincipalRole").await, counts.roles as i64);
        assert!(counts.scopes > 0 && counts.roles > 0);
        assert_eq!(counts.invites, 0, "no tblPrincipalInvites in this flavour");
        c.simple_query("USE master")
            .await
            .unwrap()
            .into_results()
            .await
            .unwrap();
    }
}
