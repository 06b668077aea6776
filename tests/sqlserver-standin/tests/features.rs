mod common;
use common::*;
use sqlserver_standin::{Standin, StandinConfig, TlsMode};
use std::time::Duration;

async fn exec(c: &mut Conn, sql: &str) {
    c.simple_query(sql)
        .await
        .expect(sql)
        .into_results()
        .await
        .expect(sql);
}

#[tokio::test]
async fn multi_result_batch_and_plp() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    exec(&mut c, "CREATE TABLE big (id INT NOT NULL PRIMARY KEY, t NVARCHAR(MAX) NULL, b VARBINARY(MAX) NULL)").await;
    let long: String = "é".repeat(5000);
    let blob: Vec<u8> = (0..20000u32).map(|i| (i % 251) as u8).collect();
    c.execute(
        "INSERT INTO big (id, t, b) VALUES (@P1, @P2, @P3)",
        &[&1i32, &long.as_str(), &blob],
    )
    .await
    .unwrap();
    let res = c
        .simple_query("SELECT 1 AS a; SELECT t, b FROM big; SELECT N'z' AS z")
        .await
        .unwrap()
        .into_results()
        .await
        .unwrap();
    assert_eq!(res.len(), 3);
    assert_eq!(res[1][0].get::<&str, _>("t"), Some(long.as_str()));
    assert_eq!(res[1][0].get::<&[u8], _>("b"), Some(&blob[..]));
    assert_eq!(res[2][0].get::<&str, _>("z"), Some("z"));
    // parameters round trip
    let r = c
        .query(
            "SELECT @P1 AS a, @P2 AS b, @P3 AS c, @P4 AS d, @P5 AS e",
            &[&5i32, &None::<i32>, &"x", &2.5f64, &false],
        )
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert_eq!(r[0].get::<i32, _>("a"), Some(5));
    assert_eq!(r[0].get::<i32, _>("b"), None);
    assert_eq!(r[0].get::<&str, _>("c"), Some("x"));
    assert_eq!(r[0].get::<f64, _>("d"), Some(2.5));
    assert_eq!(r[0].get::<bool, _>("e"), Some(false));
}

#[tokio::test]
async fn errors_like_sql_server() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    exec(&mut c, "CREATE TABLE p (id INT NOT NULL PRIMARY KEY, n NVARCHAR(10) NOT NULL); CREATE TABLE ch (id INT NOT NULL PRIMARY KEY, pid INT NOT NULL REFERENCES p(id), q INT NULL CHECK (q > 0))").await;
    exec(&mut c, "INSERT INTO p VALUES (1, N'a')").await;
    assert_eq!(err_of(&mut c, "SELECT * FROM nothere").await.code(), 208);
    assert_eq!(err_of(&mut c, "SELECT nocol FROM p").await.code(), 207);
    assert_eq!(
        err_of(&mut c, "INSERT INTO p VALUES (1, N'b')")
            .await
            .code(),
        2627
    );
    assert_eq!(
        err_of(&mut c, "INSERT INTO p (id) VALUES (2)").await.code(),
        515
    );
    assert_eq!(
        err_of(&mut c, "INSERT INTO ch (id, pid) VALUES (1, 99)")
            .await
            .code(),
        547
    );
    assert_eq!(
        err_of(&mut c, "INSERT INTO ch (id, pid, q) VALUES (1, 1, -1)")
            .await
            .code(),
        547
    );
    assert_eq!(err_of(&mut c, "SELEC 1").await.code(), 102);
    assert_eq!(err_of(&mut c, "COMMIT").await.code(), 3902);
    assert_eq!(err_of(&mut c, "ROLLBACK").await.code(), 3903);
    assert_eq!(err_of(&mut c, "SELECT 1\nGO\nSELECT 2").await.code(), 102);
    // non-T-SQL is rejected
    for bad in [
        "SELECT id FROM p LIMIT 1",
        "SELECT id FROM p ORDER BY id OFFSET 1 ROWS",
        "SELECT \"abc\"",
        "SELECT id::int FROM p",
        "INSERT INTO p VALUES (3, N'c') RETURNING id",
        "SELECT 'a' || 'b'",
        "SELECT `id` FROM p",
        "SELECT id FROM p WHERE n ILIKE 'a'",
        "SELECT TRUE",
    ] {
        let e = err_of(&mut c, bad).await;
        assert!(e.code() == 102 || e.code() == 207, "{bad}: {e:?}");
    }
    // the connection is still usable
    assert_eq!(
        rows(&mut c, "SELECT COUNT(*) AS n FROM p").await[0].get::<i32, _>("n"),
        Some(1)
    );
}

#[tokio::test]
async fn offset_fetch_only_from_2012() {
    let s = Standin::spawn(StandinConfig {
        tls: TlsMode::Plaintext,
        product_version: "11.0.7001.0".into(),
        ..Default::default()
    })
    .unwrap();
    let mut c = connect(&s, "master").await;
    exec(&mut c, "CREATE TABLE o (i INT NOT NULL)").await;
    exec(&mut c, "INSERT INTO o VALUES (1),(2),(3)").await;
    let r = rows(
        &mut c,
        "SELECT i FROM o ORDER BY i OFFSET 1 ROWS FETCH NEXT 1 ROWS ONLY",
    )
    .await;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].get::<i32, _>(0), Some(2));
}

#[tokio::test]
async fn transactions_and_isolation() {
    let s = plaintext();
    let mut a = connect(&s, "testdb").await;
    let mut b = connect(&s, "testdb").await;
    exec(
        &mut a,
        "CREATE TABLE acct (id INT NOT NULL PRIMARY KEY, v INT NOT NULL)",
    )
    .await;
    // T-SQL transaction, rollback
    exec(&mut a, "BEGIN TRAN; INSERT INTO acct VALUES (1, 10)").await;
    assert_eq!(
        rows(&mut b, "SELECT COUNT(*) FROM acct").await[0].get::<i32, _>(0),
        Some(0)
    );
    exec(&mut a, "ROLLBACK TRAN").await;
    assert_eq!(
        rows(&mut a, "SELECT COUNT(*) FROM acct").await[0].get::<i32, _>(0),
        Some(0)
    );
    // transaction-manager requests
    a.begin_transaction().await.unwrap();
    a.execute("INSERT INTO acct VALUES (@P1, @P2)", &[&2i32, &20i32])
        .await
        .unwrap();
    a.commit_transaction().await.unwrap();
    assert_eq!(
        rows(&mut b, "SELECT v FROM acct WHERE id = 2").await[0].get::<i32, _>(0),
        Some(20)
    );
    a.begin_transaction().await.unwrap();
    a.execute("INSERT INTO acct VALUES (3, 30)", &[])
        .await
        .unwrap();
    a.rollback_transaction().await.unwrap();
    assert_eq!(
        rows(&mut b, "SELECT COUNT(*) FROM acct").await[0].get::<i32, _>(0),
        Some(1)
    );
    // XACT_ABORT rolls back on error
    if let Ok(st) = a.simple_query("SET XACT_ABORT ON; BEGIN TRANSACTION; INSERT INTO acct VALUES (4, 40); INSERT INTO acct VALUES (2, 0); COMMIT").await {
        assert!(st.into_results().await.is_err());
    }
    assert_eq!(
        rows(&mut b, "SELECT COUNT(*) FROM acct").await[0].get::<i32, _>(0),
        Some(1)
    );
    assert_eq!(
        rows(&mut a, "SELECT @@TRANCOUNT").await[0].get::<i32, _>(0),
        Some(0)
    );
}

#[tokio::test]
async fn identity_behaviour() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    exec(&mut c, "CREATE TABLE idt (id BIGINT IDENTITY(100, 5) NOT NULL, code NVARCHAR(20) NOT NULL, CONSTRAINT pk PRIMARY KEY (code))").await;
    exec(&mut c, "INSERT INTO idt (code) VALUES (N'a'), (N'b')").await;
    let r = rows(&mut c, "SELECT id, code FROM idt ORDER BY id").await;
    assert_eq!(r[0].get::<i64, _>(0), Some(100));
    assert_eq!(r[1].get::<i64, _>(0), Some(105));
    let r = rows(
        &mut c,
        "INSERT INTO idt (code) VALUES (N'c'); SELECT CAST(SCOPE_IDENTITY() AS BIGINT) AS id",
    )
    .await;
    assert_eq!(r[0].get::<i64, _>("id"), Some(110));
    assert_eq!(
        err_of(&mut c, "INSERT INTO idt (id, code) VALUES (1, N'x')")
            .await
            .code(),
        544
    );
    exec(&mut c, "SET IDENTITY_INSERT dbo.idt ON; INSERT INTO idt (id, code) VALUES (500, N'x'); SET IDENTITY_INSERT dbo.idt OFF").await;
    exec(&mut c, "INSERT INTO idt (code) VALUES (N'y')").await;
    let r = rows(&mut c, "SELECT id FROM idt WHERE code = N'y'").await;
    assert_eq!(r[0].get::<i64, _>(0), Some(505));
    let r = rows(&mut c, "SELECT COLUMNPROPERTY(OBJECT_ID(N'dbo.idt'), N'id', 'IsIdentity') AS a, COLUMNPROPERTY(OBJECT_ID(N'dbo.idt'), N'code', 'IsIdentity') AS b").await;
    assert_eq!(r[0].get::<i32, _>("a"), Some(1));
    assert_eq!(r[0].get::<i32, _>("b"), Some(0));
}

#[tokio::test]
async fn information_schema_and_databases() {
    let s = plaintext();
    let mut c = connect(&s, "master").await;
    exec(&mut c, "IF DB_ID(N'other') IS NULL CREATE DATABASE [other]").await;
    exec(&mut c, "IF DB_ID(N'other') IS NULL CREATE DATABASE [other]").await;
    exec(&mut c, "USE [other]").await;
    assert_eq!(
        rows(&mut c, "SELECT DB_NAME()").await[0].get::<&str, _>(0),
        Some("other")
    );
    exec(&mut c, "CREATE TABLE [dbo].[Users] (Id INT NOT NULL PRIMARY KEY, Name NVARCHAR(100) NULL, Blob VARBINARY(MAX) NULL, Created DATETIME2(3) NULL)").await;
    let r = c
        .query("SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, IS_NULLABLE, ORDINAL_POSITION FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = @P1 ORDER BY ORDINAL_POSITION", &[&"Users"])
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert_eq!(r.len(), 4);
    assert_eq!(r[1].get::<&str, _>("COLUMN_NAME"), Some("Name"));
    assert_eq!(r[1].get::<&str, _>("DATA_TYPE"), Some("nvarchar"));
    assert_eq!(r[1].get::<i32, _>("CHARACTER_MAXIMUM_LENGTH"), Some(100));
    assert_eq!(r[2].get::<i32, _>("CHARACTER_MAXIMUM_LENGTH"), Some(-1));
    assert_eq!(r[0].get::<&str, _>("IS_NULLABLE"), Some("NO"));
    let r = rows(
        &mut c,
        "SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES",
    )
    .await;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].get::<&str, _>("TABLE_CATALOG"), Some("other"));
    assert_eq!(r[0].get::<&str, _>("TABLE_TYPE"), Some("BASE TABLE"));
    assert!(
        rows(
            &mut c,
            "IF OBJECT_ID(N'dbo.Users') IS NULL SELECT 0 ELSE SELECT 1"
        )
        .await[0]
            .get::<i32, _>(0)
            == Some(1)
    );
    // dbo.X, [dbo].[X] and X are the same table
    exec(&mut c, "INSERT INTO dbo.Users (Id, Name) VALUES (1, N'a'); INSERT INTO Users (Id, Name) VALUES (2, N'b')").await;
    assert_eq!(
        rows(&mut c, "SELECT COUNT(*) FROM [dbo].[Users]").await[0].get::<i32, _>(0),
        Some(2)
    );
    // variables
    let r = rows(
        &mut c,
        "DECLARE @n INT; SELECT @n = COUNT(*) FROM Users; SET @n = @n + 40; SELECT @n AS n",
    )
    .await;
    assert_eq!(r[0].get::<i32, _>("n"), Some(42));
}

#[tokio::test]
async fn bulk_insert_rows() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    exec(&mut c, "CREATE TABLE bl (id INT IDENTITY(1,1) NOT NULL PRIMARY KEY, n INT NOT NULL, s NVARCHAR(50) NULL)").await;
    let n = 20_000;
    let mut req = c.bulk_insert("bl").await.unwrap();
    for i in 0..n {
        let mut row = tiberius::TokenRow::new();
        row.push(tiberius::ColumnData::I32(Some(i)));
        row.push(tiberius::ColumnData::String(Some(
            format!("row {i}").into(),
        )));
        req.send(row).await.unwrap();
    }
    let res = req.finalize().await.unwrap();
    assert_eq!(res.total(), n as u64);
    let r = rows(&mut c, "SELECT COUNT(*), MAX(id), SUM(n) FROM bl").await;
    assert_eq!(r[0].get::<i32, _>(0), Some(n));
    assert_eq!(r[0].get::<i32, _>(1), Some(n));
}

/// The import's chat batches: a bulk load of nvarchar(max) / varchar(max) values through a column list, inside
/// a transaction, is undone by a rollback and kept by a commit, exactly, as on SQL Server.
#[tokio::test]
async fn bulk_insert_of_max_columns_inside_a_transaction() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    exec(
        &mut c,
        "CREATE TABLE chatlike (ch INT NOT NULL, id BIGINT NOT NULL, content NVARCHAR(MAX) NOT NULL, \
         rtf VARCHAR(MAX) NULL, extra INT NULL, PRIMARY KEY (ch, id))",
    )
    .await;
    let long = "x\u{00e9}\u{1F680}".repeat(5_000);
    for commit in [false, true] {
        c.begin_transaction().await.unwrap();
        let columns = ["[ch]", "[id]", "[content]", "[rtf]"];
        let mut req = c
            .bulk_insert_columns("dbo.[chatlike]", &columns)
            .await
            .unwrap();
        for i in 0..3i64 {
            let mut row = tiberius::TokenRow::new();
            row.push(tiberius::ColumnData::I32(Some(7)));
            row.push(tiberius::ColumnData::I64(Some(i)));
            row.push(tiberius::ColumnData::String(Some(long.clone().into())));
            row.push(tiberius::ColumnData::String(
                (i == 1).then(|| "{\\rtf1 hi}".into()),
            ));
            req.send(row).await.unwrap();
        }
        assert_eq!(req.finalize().await.unwrap().total(), 3);
        if commit {
            c.commit_transaction().await.unwrap();
        } else {
            c.rollback_transaction().await.unwrap();
            let n = rows(&mut c, "SELECT COUNT(*) FROM chatlike").await[0].get::<i32, _>(0);
            assert_eq!(n, Some(0), "the rollback undid the bulk load");
        }
    }
    let r = rows(
        &mut c,
        "SELECT id, content, rtf, extra FROM chatlike ORDER BY id",
    )
    .await;
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].get::<&str, _>(1), Some(long.as_str()));
    assert_eq!(r[1].get::<&str, _>(2), Some("{\\rtf1 hi}"));
    assert_eq!(r[0].get::<&str, _>(2), None);
    assert_eq!(
        r[2].get::<i32, _>(3),
        None,
        "a column left out of the list is NULL"
    );
}

#[tokio::test]
async fn attention_cancels_stream() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    exec(&mut c, "CREATE TABLE many (i INT NOT NULL)").await;
    let n = rows(&mut c, "SELECT COUNT(*) FROM many").await[0]
        .get::<i32, _>(0)
        .unwrap();
    if n == 0 {
        let mut req = c.bulk_insert("many").await.unwrap();
        for i in 0..200_000 {
            let mut row = tiberius::TokenRow::new();
            row.push(tiberius::ColumnData::I32(Some(i)));
            req.send(row).await.unwrap();
        }
        req.finalize().await.unwrap();
    }
    {
        let mut stream = c.simple_query("SELECT a.i FROM many a").await.unwrap();
        use futures_util::TryStreamExt;
        let mut k = 0;
        while let Some(_item) = stream.try_next().await.unwrap() {
            k += 1;
            if k > 10 {
                break;
            }
        }
    }
    c.cancel_query().await.unwrap();
    assert_eq!(rows(&mut c, "SELECT 7").await[0].get::<i32, _>(0), Some(7));
}

#[tokio::test]
async fn injected_faults_surface_as_errors() {
    let s = plaintext();
    let f = s.faults();
    let mut c = connect(&s, "testdb").await;
    exec(&mut c, "CREATE TABLE ft (i INT NOT NULL)").await;
    // fail next commit
    f.fail_next_commit();
    c.begin_transaction().await.unwrap();
    c.execute("INSERT INTO ft VALUES (1)", &[]).await.unwrap();
    assert!(c.commit_transaction().await.is_err());
    assert_eq!(
        rows(&mut c, "SELECT COUNT(*) FROM ft").await[0].get::<i32, _>(0),
        Some(0)
    );
    // drop after requests
    f.drop_after_requests(1);
    rows(&mut c, "SELECT 1").await;
    assert!(
        c.simple_query("SELECT 2").await.map(|_| ()).is_err()
            || c.simple_query("SELECT 3").await.is_err()
    );
    f.clear();
    // drop after rows
    let mut c = connect(&s, "testdb").await;
    exec(&mut c, "INSERT INTO ft VALUES (1),(2),(3),(4),(5)").await;
    f.drop_after_rows(2);
    let r = match c.simple_query("SELECT i FROM ft").await {
        Ok(st) => st.into_first_result().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(r.is_err());
    f.clear();
    // refuse logins
    f.refuse_logins(true);
    let cfg = tiberius::Config::from_ado_string(&s.ado_connection_string("testdb")).unwrap();
    assert!(connect_cfg(cfg).await.is_err());
    f.clear();
    // delay
    f.delay_responses(Duration::from_millis(300));
    let mut c = connect(&s, "testdb").await;
    let t = std::time::Instant::now();
    rows(&mut c, "SELECT 1").await;
    assert!(t.elapsed() >= Duration::from_millis(300));
    f.clear();
}

/// `SELECT 1` on `c`: its outcome, which must come within 10 s.
async fn answer_within_10_s(c: &mut Conn) -> tiberius::Result<()> {
    tokio::time::timeout(Duration::from_secs(10), async {
        c.simple_query("SELECT 1")
            .await?
            .into_results()
            .await
            .map(|_| ())
    })
    .await
    .expect("an answer (or an error) within 10 s")
}

/// `kill_sessions` closes every live session (an open transaction rolls back) while new connections work;
/// `stop_service` also refuses connections until `start_service`, and the data is kept.
#[tokio::test]
async fn killed_sessions_and_a_stopped_service_close_live_connections() {
    let s = plaintext();
    let f = s.faults();
    let mut a = connect(&s, "testdb").await;
    exec(
        &mut a,
        "CREATE TABLE kept (i INT NOT NULL); INSERT INTO kept VALUES (1)",
    )
    .await;
    exec(&mut a, "BEGIN TRAN; INSERT INTO kept VALUES (2)").await;
    f.kill_sessions();
    assert!(
        answer_within_10_s(&mut a).await.is_err(),
        "the killed session still answers"
    );
    let mut b = connect(&s, "testdb").await;
    // The killed transaction rolled back and released its lock: another session writes at once.
    exec(&mut b, "INSERT INTO kept VALUES (3)").await;
    assert_eq!(
        rows(&mut b, "SELECT COUNT(*) FROM kept").await[0].get::<i32, _>(0),
        Some(2)
    );

    f.stop_service();
    assert!(answer_within_10_s(&mut b).await.is_err());
    let refused = tokio::net::TcpStream::connect(s.addr())
        .await
        .expect_err("the port refuses");
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    f.start_service();
    let mut c = connect(&s, "testdb").await;
    assert_eq!(
        rows(&mut c, "SELECT COUNT(*) FROM kept").await[0].get::<i32, _>(0),
        Some(2),
        "the data survives the restart"
    );
    f.stop_service();
    f.clear();
    let mut d = connect(&s, "testdb").await;
    assert_eq!(rows(&mut d, "SELECT 7").await[0].get::<i32, _>(0), Some(7));
}

/// SQL Server's row locks let a transaction that has already read write after another session committed a
/// write to an unrelated row (the import's admin-lock keeper extends its row every 30 s while the import's
/// transactions read and write). A deferred SQLite transaction would fail that write at once with
/// "database is locked" (1222); the stand-in must not.
#[tokio::test]
async fn a_transaction_that_read_can_write_after_another_session_committed() {
    let s = plaintext();
    let mut a = connect(&s, "testdb").await;
    let mut b = connect(&s, "testdb").await;
    exec(
        &mut a,
        "CREATE TABLE lockrow (id INT NOT NULL PRIMARY KEY, v INT NOT NULL); \
         CREATE TABLE data (id INT NOT NULL PRIMARY KEY, v INT NOT NULL); \
         INSERT INTO lockrow VALUES (1, 0)",
    )
    .await;
    exec(&mut a, "BEGIN TRAN").await;
    assert_eq!(
        rows(&mut a, "SELECT COUNT(*) FROM data").await[0].get::<i32, _>(0),
        Some(0)
    );
    let keeper = tokio::spawn(async move {
        exec(&mut b, "UPDATE lockrow SET v = v + 1 WHERE id = 1").await;
        b
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    exec(&mut a, "INSERT INTO data VALUES (1, 1)").await;
    exec(&mut a, "COMMIT TRAN").await;
    let mut b = keeper.await.expect("the other session's update");
    assert_eq!(
        rows(&mut b, "SELECT v FROM lockrow WHERE id = 1").await[0].get::<i32, _>(0),
        Some(1)
    );
    assert_eq!(
        rows(&mut b, "SELECT COUNT(*) FROM data").await[0].get::<i32, _>(0),
        Some(1)
    );
}
