//! sys.databases, HAS_DBACCESS and USE errors, as SQL Server answers them (what `probe` without a database
//! relies on to list the chat databases of an instance).

mod common;
use common::*;

#[tokio::test]
async fn sys_databases_lists_every_database_with_access_and_use_errors() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    c.simple_query("CREATE DATABASE [other]; CREATE DATABASE [closed]")
        .await
        .unwrap()
        .into_results()
        .await
        .unwrap();
    s.faults().deny_database_access("closed");
    let r = rows(
        &mut c,
        "SELECT [name], [database_id], [state], [state_desc], [create_date], HAS_DBACCESS([name]) AS [access] \
         FROM sys.databases WHERE [state] = 0 ORDER BY [name]",
    )
    .await;
    let listed: Vec<(String, i32, Option<i32>)> = r
        .iter()
        .map(|row| {
            (
                row.get::<&str, _>("name").unwrap().to_string(),
                row.get::<i32, _>("database_id").unwrap(),
                row.get::<i32, _>("access"),
            )
        })
        .collect();
    let names: Vec<&str> = listed.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["closed", "master", "msdb", "other", "testdb"]);
    assert_eq!(listed[1].1, 1, "master is database 1");
    assert_eq!(listed[2].1, 4, "msdb is database 4");
    assert!(listed
        .iter()
        .filter(|(n, _, _)| n != "master" && n != "msdb")
        .all(|(_, id, _)| *id > 4));
    assert_eq!(listed[0].2, Some(0), "no access to 'closed'");
    assert_eq!(listed[3].2, Some(1));
    assert_eq!(r[0].get::<&str, _>("state_desc"), Some("ONLINE"));
    let dated = rows(
        &mut c,
        "SELECT COUNT(*) AS [n] FROM sys.databases WHERE [create_date] IS NOT NULL",
    )
    .await;
    assert_eq!(dated[0].get::<i32, _>("n"), Some(5));
    // A database created later is seen by the next query.
    c.simple_query("CREATE DATABASE [later]")
        .await
        .unwrap()
        .into_results()
        .await
        .unwrap();
    let r = rows(
        &mut c,
        "SELECT [name] FROM sys.databases WHERE [name] = N'later'",
    )
    .await;
    assert_eq!(r.len(), 1);
    let r = rows(&mut c, "SELECT HAS_DBACCESS(N'missing') AS [a]").await;
    assert_eq!(r[0].get::<i32, _>("a"), None);

    // USE: 911 for a missing database (as SQL Server, 4060 being the login-time form), 916 without access.
    let e = err_of(&mut c, "USE [missing]").await;
    assert_eq!(e.code(), 911);
    assert!(
        e.message().contains("'missing' does not exist"),
        "{}",
        e.message()
    );
    let e = err_of(&mut c, "USE [closed]").await;
    assert_eq!(e.code(), 916);
    let r = rows(&mut c, "USE [other]; SELECT DB_NAME() AS [db]").await;
    assert_eq!(r[0].get::<&str, _>("db"), Some("other"));
    // A login naming a database it may not open gets 4060.
    let cfg = tiberius::Config::from_ado_string(&s.ado_connection_string("closed")).unwrap();
    let tiberius::error::Error::Server(t) = connect_cfg(cfg).await.expect_err("refused") else {
        panic!("not a server error")
    };
    assert!(t.code() == 4060 || t.code() == 18456, "{t:?}");
}

/// `msdb` exists with `dbo.backupset`, and the three-part name `msdb.dbo.backupset` reads it from a session of
/// any database (the import's backup check), with SQL Server's column types.
#[tokio::test]
async fn msdb_backupset_is_readable_by_three_part_name_from_any_database() {
    let s = plaintext();
    let mut m = connect(&s, "msdb").await;
    m.simple_query(
        "INSERT INTO dbo.backupset (database_name, type, backup_start_date, backup_finish_date) VALUES \
         (N'testdb', 'D', '2024-05-01T10:00:00', '2024-05-01T10:30:00'), \
         (N'testdb', 'L', '2024-05-02T10:00:00', '2024-05-02T10:05:00'), \
         (N'other', 'D', '2024-06-01T10:00:00', '2024-06-01T10:30:00')",
    )
    .await
    .unwrap()
    .into_results()
    .await
    .unwrap();
    let mut c = connect(&s, "testdb").await;
    let found = c
        .query(
            "SELECT TOP 1 CONVERT(nvarchar(30), backup_finish_date, 126) AS finished, backup_finish_date \
             FROM msdb.dbo.backupset WHERE database_name = @P1 AND type = @P2 ORDER BY backup_finish_date DESC",
            &[&"testdb", &"D"],
        )
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].get::<&str, _>("finished"),
        Some("2024-05-01T10:30:00")
    );
    assert!(
        matches!(
            found[0].cells().nth(1).map(|(_, d)| d),
            Some(tiberius::ColumnData::DateTime(Some(_)))
        ),
        "backup_finish_date is a datetime: {:?}",
        found[0].cells().nth(1)
    );
    let none = c
        .query(
            "SELECT COUNT(*) AS n FROM msdb.dbo.backupset WHERE database_name = @P1",
            &[&"nobody"],
        )
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert_eq!(none[0].get::<i32, _>("n"), Some(0));
    // The current database's own tables are unaffected.
    let plain = rows(
        &mut c,
        "SELECT COUNT(*) AS n FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_NAME = N'backupset'",
    )
    .await;
    assert_eq!(plain[0].get::<i32, _>("n"), Some(0));
}
