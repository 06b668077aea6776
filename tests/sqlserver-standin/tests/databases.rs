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
    assert_eq!(names, ["closed", "master", "other", "testdb"]);
    assert_eq!(listed[1].1, 1, "master is database 1");
    assert!(listed
        .iter()
        .filter(|(n, _, _)| n != "master")
        .all(|(_, id, _)| *id > 4));
    assert_eq!(listed[0].2, Some(0), "no access to 'closed'");
    assert_eq!(listed[2].2, Some(1));
    assert_eq!(r[0].get::<&str, _>("state_desc"), Some("ONLINE"));
    let dated = rows(
        &mut c,
        "SELECT COUNT(*) AS [n] FROM sys.databases WHERE [create_date] IS NOT NULL",
    )
    .await;
    assert_eq!(dated[0].get::<i32, _>("n"), Some(4));
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
