mod common;
use common::*;

#[tokio::test]
async fn login_and_select() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    let r = rows(
        &mut c,
        "SELECT 1 AS one, N'x' AS s, DB_NAME() AS db, @@VERSION AS v",
    )
    .await;
    assert_eq!(r[0].get::<i32, _>("one"), Some(1));
    assert_eq!(r[0].get::<&str, _>("s"), Some("x"));
    assert_eq!(r[0].get::<&str, _>("db"), Some("testdb"));
    assert!(r[0].get::<&str, _>("v").unwrap().contains("2008 R2"));
}

#[tokio::test]
async fn login_failures() {
    let s = plaintext();
    let bad = s
        .ado_connection_string("testdb")
        .replace(s.password(), "wrong");
    let e = connect_cfg(tiberius::Config::from_ado_string(&bad).unwrap())
        .await
        .expect_err("must fail");
    match e {
        tiberius::error::Error::Server(t) => {
            assert_eq!(t.code(), 18456);
            assert_eq!(t.message(), "Login failed for user 'sa'.");
            assert_eq!(t.class(), 14);
        }
        other => panic!("{other:?}"),
    }
    let e =
        connect_cfg(tiberius::Config::from_ado_string(&s.ado_connection_string("nope")).unwrap())
            .await
            .expect_err("must fail");
    let tiberius::error::Error::Server(t) = e else {
        panic!("{e:?}")
    };
    assert!(t.code() == 4060 || t.code() == 18456, "{t:?}");
}

#[tokio::test]
async fn create_insert_select_and_types() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    c.simple_query(
        "CREATE TABLE dbo.T (id INT IDENTITY(1,1) NOT NULL PRIMARY KEY, name NVARCHAR(50) NOT NULL, big BIGINT NULL, flag BIT NULL, \
         g UNIQUEIDENTIFIER NULL, dt DATETIME NULL, dt2 DATETIME2 NULL, f FLOAT NULL, bin VARBINARY(MAX) NULL, v VARCHAR(20) NULL, s SMALLINT NULL, ti TINYINT NULL)",
    )
    .await
    .unwrap()
    .into_results()
    .await
    .unwrap();
    let res = c
        .execute("INSERT INTO [dbo].[T] (name, big, flag, g, dt, dt2, f, bin, v, s, ti) VALUES (@P1, @P2, @P3, @P4, @P5, @P6, @P7, @P8, @P9, @P10, @P11)", &[
            &"alice",
            &9_000_000_000i64,
            &true,
            &uuid::Uuid::parse_str("6F9619FF-8B86-D011-B42D-00C04FC964FF").unwrap(),
            &tiberius::ColumnData::DateTime(Some(tiberius::time::DateTime::new(45000, 300 * 3600))),
            &tiberius::ColumnData::DateTime2(Some(tiberius::time::DateTime2::new(tiberius::time::Date::new(738000), tiberius::time::Time::new(123_456_789, 7)))),
            &1.5f64,
            &vec![1u8, 2, 3],
            &"hello",
            &7i16,
            &200u8,
        ])
        .await
        .unwrap();
    assert_eq!(res.total(), 1);
    let r = rows(&mut c, "SELECT TOP 1 * FROM T WITH (NOLOCK)").await;
    let row = &r[0];
    assert_eq!(row.get::<i32, _>("id"), Some(1));
    assert_eq!(row.get::<&str, _>("name"), Some("alice"));
    assert_eq!(row.get::<i64, _>("big"), Some(9_000_000_000));
    assert_eq!(row.get::<bool, _>("flag"), Some(true));
    assert_eq!(
        row.get::<uuid::Uuid, _>("g")
            .unwrap()
            .to_string()
            .to_uppercase(),
        "6F9619FF-8B86-D011-B42D-00C04FC964FF"
    );
    assert_eq!(row.get::<f64, _>("f"), Some(1.5));
    assert_eq!(row.get::<&[u8], _>("bin"), Some(&[1u8, 2, 3][..]));
    assert_eq!(row.get::<&str, _>("v"), Some("hello"));
    assert_eq!(row.get::<i16, _>("s"), Some(7));
    assert_eq!(row.get::<u8, _>("ti"), Some(200));
    let r = rows(&mut c, "SELECT COUNT(*) AS n, COUNT_BIG(*) AS nb, MAX(big) AS mb, ISNULL(MAX(s), 0) AS ms, SUM(s) AS ss, CAST(1 AS BIGINT) AS cb, SCOPE_IDENTITY() AS si FROM dbo.T").await;
    assert_eq!(r[0].get::<i32, _>("n"), Some(1));
    assert_eq!(r[0].get::<i64, _>("nb"), Some(1));
    assert_eq!(r[0].get::<i64, _>("mb"), Some(9_000_000_000));
    assert_eq!(r[0].get::<i16, _>("ms"), Some(7));
    assert_eq!(r[0].get::<i32, _>("ss"), Some(7));
    assert_eq!(r[0].get::<i64, _>("cb"), Some(1));
    assert!(r[0].get::<tiberius::numeric::Numeric, _>("si").is_some());
}

#[tokio::test]
async fn sys_databases_names_each_database_with_id_and_create_date() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    exec_batch(&mut c, "CREATE DATABASE [other db]").await;
    let mut ids = Vec::new();
    for name in ["testdb", "OTHER DB"] {
        let row = c
            .query(
                "SELECT [database_id], [create_date] FROM sys.databases WHERE [name] = @P1",
                &[&name],
            )
            .await
            .expect("query")
            .into_row()
            .await
            .expect("row")
            .expect("the database is listed");
        let id: i32 = row.get(0).expect("database_id is an int");
        let created = row.cells().nth(1).map(|(_, data)| data.clone());
        match created {
            Some(tiberius::ColumnData::DateTime(Some(t))) => {
                // days since 1900-01-01: any date after 2020 will do
                assert!(t.days() > 43_000, "{t:?}");
            }
            other => panic!("create_date is not a datetime: {other:?}"),
        }
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
    let none = c
        .query(
            "SELECT [database_id] FROM sys.databases WHERE [name] = @P1",
            &[&"missing"],
        )
        .await
        .expect("query")
        .into_row()
        .await
        .expect("no row");
    assert!(none.is_none());
}

async fn exec_batch(c: &mut Conn, sql: &str) {
    c.simple_query(sql)
        .await
        .expect("batch")
        .into_results()
        .await
        .expect("results");
}
