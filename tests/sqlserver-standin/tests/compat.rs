//! T-SQL the fixtures and the product need: DROP COLUMN, scalar user functions, CONVERT styles,
//! sys.objects/sys.schemas, ROW_NUMBER() and TOP (@P1).
mod common;
use common::*;

async fn exec(c: &mut Conn, sql: &str) {
    c.simple_query(sql)
        .await
        .expect(sql)
        .into_results()
        .await
        .expect(sql);
}

async fn columns(c: &mut Conn, table: &str) -> Vec<(String, i32)> {
    c.query(
        "SELECT COLUMN_NAME, ORDINAL_POSITION FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = @P1 ORDER BY ORDINAL_POSITION",
        &[&table],
    )
    .await
    .unwrap()
    .into_first_result()
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.get::<&str, _>(0).unwrap().to_string(),
            r.get::<i32, _>(1).unwrap(),
        )
    })
    .collect()
}

#[tokio::test]
async fn alter_table_drop_and_add_column() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    exec(
        &mut c,
        "CREATE TABLE dbo.t (id INT NOT NULL PRIMARY KEY, a NVARCHAR(10) NULL, b INT NULL, c BIGINT NULL, d INT NULL DEFAULT 5, u INT NULL UNIQUE, k INT NULL CHECK (k > 0));
         CREATE INDEX IX_t_c ON dbo.t (c);
         INSERT INTO dbo.t (id, a, b, c) VALUES (1, N'x', 2, 3)",
    )
    .await;
    exec(&mut c, "ALTER TABLE dbo.t DROP COLUMN b;").await;
    let cols = columns(&mut c, "t").await;
    let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["id", "a", "c", "d", "u", "k"]);
    // column ids are not reused or renumbered, as on SQL Server
    assert_eq!(cols[2], ("c".to_string(), 4));
    let r = rows(&mut c, "SELECT * FROM dbo.t").await;
    assert_eq!(r[0].len(), 6);
    assert_eq!(r[0].get::<&str, _>("a"), Some("x"));
    assert_eq!(err_of(&mut c, "SELECT b FROM dbo.t").await.code(), 207);

    // ADD keeps working and gets the next column id
    exec(&mut c, "ALTER TABLE dbo.t ADD e NVARCHAR(20) NULL").await;
    exec(&mut c, "UPDATE dbo.t SET e = N'ABC' WHERE id = 1").await;
    let cols = columns(&mut c, "t").await;
    assert_eq!(cols.last().unwrap(), &("e".to_string(), 8));
    // string columns added later compare case-insensitively like the others
    let r = rows(&mut c, "SELECT COUNT(*) FROM dbo.t WHERE e = N'abc'").await;
    assert_eq!(r[0].get::<i32, _>(0), Some(1));
    assert_eq!(
        err_of(&mut c, "ALTER TABLE dbo.t ADD e INT NULL")
            .await
            .code(),
        2705
    );

    // a column that does not exist
    let e = err_of(&mut c, "ALTER TABLE dbo.t DROP COLUMN nothere").await;
    assert_eq!(e.code(), 4924, "{e:?}");
    assert_eq!(
        e.message(),
        "ALTER TABLE DROP COLUMN failed because column 'nothere' does not exist in table 't'."
    );
    // columns something depends on: the first error is 5074, then 4922
    for (col, what) in [
        ("id", "PK_t"),
        ("c", "IX_t_c"),
        ("d", "DF__"),
        ("u", "UQ__"),
        ("k", "CK__"),
    ] {
        let e = err_of(&mut c, &format!("ALTER TABLE dbo.t DROP COLUMN {col}")).await;
        assert_eq!(e.code(), 5074, "{col}: {e:?}");
        assert!(e.message().contains(what), "{col}: {e:?}");
        assert!(
            e.message()
                .ends_with(&format!("is dependent on column '{col}'.")),
            "{e:?}"
        );
    }
    // nothing was dropped by the failed statements
    assert_eq!(columns(&mut c, "t").await.len(), 7);

    // foreign keys in both directions
    exec(
        &mut c,
        "CREATE TABLE p (pid INT NOT NULL PRIMARY KEY, code INT NOT NULL UNIQUE, note INT NULL);
         CREATE TABLE ch (id INT NOT NULL PRIMARY KEY, pcode INT NULL REFERENCES p(code), z INT NULL)",
    )
    .await;
    assert_eq!(
        err_of(&mut c, "ALTER TABLE ch DROP COLUMN pcode")
            .await
            .code(),
        5074
    );
    assert_eq!(
        err_of(&mut c, "ALTER TABLE p DROP COLUMN code")
            .await
            .code(),
        5074
    );
    exec(
        &mut c,
        "ALTER TABLE p DROP COLUMN note; ALTER TABLE ch DROP COLUMN z",
    )
    .await;
    assert_eq!(columns(&mut c, "p").await.len(), 2);

    // identity columns can be dropped; the table keeps working
    exec(
        &mut c,
        "CREATE TABLE idt (n INT IDENTITY(1,1) NOT NULL, v INT NULL); INSERT INTO idt (v) VALUES (1)",
    )
    .await;
    exec(&mut c, "ALTER TABLE idt DROP COLUMN n").await;
    exec(&mut c, "INSERT INTO idt (v) VALUES (2)").await;
    let r = rows(&mut c, "SELECT COUNT(*) FROM sys.identity_columns").await;
    assert_eq!(r[0].get::<i32, _>(0), Some(0));
    assert_eq!(
        err_of(&mut c, "ALTER TABLE idt DROP COLUMN v").await.code(),
        4923
    );
    // several columns at once, and inside a transaction that is rolled back
    exec(
        &mut c,
        "CREATE TABLE m (a INT NULL, b INT NULL, c INT NULL)",
    )
    .await;
    exec(
        &mut c,
        "BEGIN TRAN; ALTER TABLE m DROP COLUMN a, b; ROLLBACK",
    )
    .await;
    assert_eq!(columns(&mut c, "m").await.len(), 3);
    exec(&mut c, "ALTER TABLE m DROP COLUMN a, b").await;
    assert_eq!(columns(&mut c, "m").await, [("c".to_string(), 3)]);
}

#[tokio::test]
async fn schema_qualified_scalar_user_function() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    // not created yet
    let e = err_of(&mut c, "SELECT dbo.fnTicksToDate(0)").await;
    assert_eq!(e.code(), 4121, "{e:?}");
    exec(
        &mut c,
        "CREATE FUNCTION dbo.fnTicksToDate (@ticks bigint)
RETURNS datetime2(7)
AS
BEGIN
    RETURN DATEADD(ns, CAST(@ticks % 10000 AS int) * 100,
        DATEADD(ms, CAST((@ticks % 864000000000) / 10000 AS int),
            DATEADD(day, CAST(@ticks / 864000000000 - 693595 AS int),
                CAST('19000101' AS datetime2(7)))));
END",
    )
    .await;
    exec(
        &mut c,
        "CREATE TABLE dbo.tblChat (chatId INT NOT NULL PRIMARY KEY, chatDate BIGINT NOT NULL);
         INSERT INTO dbo.tblChat VALUES (1, 634609728000000000), (2, 634356918001234567)",
    )
    .await;
    let r = rows(
        &mut c,
        "SELECT dbo.fnTicksToDate(chatDate) AS d, [dbo].[fnTicksToDate](chatDate) FROM dbo.tblChat ORDER BY chatId",
    )
    .await;
    let col = &r[0].columns()[0];
    assert_eq!(col.column_type(), tiberius::ColumnType::Datetime2);
    let d0: chrono_free::Dt = chrono_free::of(&r[0], 0);
    assert_eq!(d0, (40_907, 0));
    let d1 = chrono_free::of(&r[1], 0);
    // 2011-03-14 09:30:00.1234567 at full datetime2(7) precision
    assert_eq!(d1, (40_614, 342_001_234_567));
    assert_eq!(chrono_free::of(&r[1], 1), d1);
    // in WHERE and with an expression argument
    let r = rows(
        &mut c,
        "SELECT chatId FROM dbo.tblChat WHERE dbo.fnTicksToDate(chatDate + 0) < '2012-01-01'",
    )
    .await;
    assert_eq!(r.len(), 1);
    // SQL Server requires the schema for scalar user functions
    assert_eq!(
        err_of(&mut c, "SELECT fnTicksToDate(chatDate) FROM dbo.tblChat")
            .await
            .code(),
        195
    );
    // the RETURNS type decides the result type
    exec(
        &mut c,
        "CREATE FUNCTION dbo.fnTicksToDate2 (@ticks bigint) RETURNS datetime AS BEGIN RETURN NULL END",
    )
    .await;
    let e = err_of(&mut c, "SELECT dbo.fnTicksToDate2(1)").await;
    assert_eq!(e.code(), 50000);
}

/// Reads a datetime/datetime2 cell as (days since 1900-01-01, 100 ns ticks into the day).
mod chrono_free {
    pub type Dt = (i64, i64);
    pub fn of(row: &tiberius::Row, i: usize) -> Dt {
        match row.cells().nth(i).unwrap().1 {
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
    }
}

#[tokio::test]
async fn convert_date_styles() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    exec(
        &mut c,
        "CREATE TABLE d (id INT NOT NULL PRIMARY KEY, dt DATETIME NULL, d2 DATETIME2(7) NULL, d3 DATETIME2(3) NULL, dd DATE NULL)",
    )
    .await;
    exec(
        &mut c,
        "INSERT INTO d VALUES (1, '2012-01-05 13:04:05.123', '2012-01-05 13:04:05.1234567', '2012-01-05 13:04:05.120', '2012-01-05'),
                              (2, '2012-01-05 13:04:05', '2012-01-05 13:04:05', '2012-01-05 13:04:05', NULL),
                              (3, '2012-01-05 23:59:59.999', NULL, NULL, NULL)",
    )
    .await;
    let r = rows(
        &mut c,
        "SELECT CONVERT(nvarchar(30), dt, 126), CONVERT(nvarchar(30), d2, 126), CONVERT(varchar(30), d3, 126),
                CONVERT(nvarchar(30), dt, 121), CONVERT(nvarchar(30), d2, 121), CONVERT(nvarchar(30), dt, 120),
                CONVERT(nvarchar(30), dd, 126), CONVERT(nvarchar(8), dt, 112), CONVERT(nvarchar(10), dt, 23),
                CONVERT(nvarchar(30), dt, 100), CONVERT(nvarchar(8), dt, 108)
         FROM d ORDER BY id",
    )
    .await;
    let get = |row: usize, i: usize| r[row].get::<&str, _>(i).map(|s| s.to_string());
    assert_eq!(get(0, 0).as_deref(), Some("2012-01-05T13:04:05.123"));
    assert_eq!(get(0, 1).as_deref(), Some("2012-01-05T13:04:05.1234567"));
    assert_eq!(get(0, 2).as_deref(), Some("2012-01-05T13:04:05.120"));
    assert_eq!(get(0, 3).as_deref(), Some("2012-01-05 13:04:05.123"));
    assert_eq!(get(0, 4).as_deref(), Some("2012-01-05 13:04:05.1234567"));
    assert_eq!(get(0, 5).as_deref(), Some("2012-01-05 13:04:05"));
    assert_eq!(get(0, 6).as_deref(), Some("2012-01-05"));
    assert_eq!(get(0, 7).as_deref(), Some("20120105"));
    assert_eq!(get(0, 8).as_deref(), Some("2012-01-05"));
    assert_eq!(get(0, 9).as_deref(), Some("Jan  5 2012  1:04PM"));
    assert_eq!(get(0, 10).as_deref(), Some("13:04:05"));
    // style 126 leaves out a zero fraction; 121 keeps it
    assert_eq!(get(1, 0).as_deref(), Some("2012-01-05T13:04:05"));
    assert_eq!(get(1, 1).as_deref(), Some("2012-01-05T13:04:05"));
    assert_eq!(get(1, 3).as_deref(), Some("2012-01-05 13:04:05.000"));
    assert_eq!(get(1, 6), None);
    // datetime rounds .999 up to the next day (1/300 s precision)
    assert_eq!(get(2, 0).as_deref(), Some("2012-01-06T00:00:00"));
    // the target length truncates
    let r = rows(
        &mut c,
        "SELECT CONVERT(nvarchar(10), dt, 126) FROM d WHERE id = 1",
    )
    .await;
    assert_eq!(r[0].get::<&str, _>(0), Some("2012-01-05"));
    // GETDATE() with a style, and a style SQL Server does not know
    let r = rows(&mut c, "SELECT CONVERT(nvarchar(30), GETDATE(), 126) AS x").await;
    let x = r[0].get::<&str, _>("x").unwrap();
    assert_eq!(x.as_bytes()[10], b'T', "{x}");
    assert_eq!(
        err_of(&mut c, "SELECT CONVERT(nvarchar(30), dt, 999) FROM d")
            .await
            .code(),
        281
    );
}

#[tokio::test]
async fn sys_objects_and_schemas() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    exec(
        &mut c,
        "CREATE TABLE dbo.tblA (id INT NOT NULL PRIMARY KEY)",
    )
    .await;
    exec(
        &mut c,
        "CREATE FUNCTION dbo.fnX (@a int) RETURNS int AS BEGIN RETURN @a END",
    )
    .await;
    exec(&mut c, "CREATE PROCEDURE dbo.spY AS SELECT 1").await;
    let r = rows(
        &mut c,
        "SELECT o.name, o.object_id, o.type, o.type_desc, s.name AS sch, OBJECT_ID(N'dbo.' + o.name) AS oid
         FROM sys.objects o JOIN sys.schemas s ON s.schema_id = o.schema_id ORDER BY o.name",
    )
    .await;
    let got: Vec<(String, String, String, String)> = r
        .iter()
        .map(|r| {
            assert_eq!(r.get::<i32, _>("object_id"), r.get::<i32, _>("oid"));
            (
                r.get::<&str, _>("name").unwrap().to_string(),
                r.get::<&str, _>("type").unwrap().to_string(),
                r.get::<&str, _>("type_desc").unwrap().to_string(),
                r.get::<&str, _>("sch").unwrap().to_string(),
            )
        })
        .collect();
    let s4 = |a: &str, b: &str, c: &str| {
        (
            a.to_string(),
            b.to_string(),
            c.to_string(),
            "dbo".to_string(),
        )
    };
    assert_eq!(
        got,
        [
            s4("fnX", "FN", "SQL_SCALAR_FUNCTION"),
            s4("spY", "P ", "SQL_STORED_PROCEDURE"),
            s4("tblA", "U ", "USER_TABLE"),
        ]
    );
    // char(2) compares like SQL Server: trailing blanks do not count
    let r = rows(
        &mut c,
        "SELECT name FROM sys.objects WHERE type = 'U' AND object_id = OBJECT_ID(N'dbo.tblA')",
    )
    .await;
    assert_eq!(r.len(), 1);
    let r = rows(
        &mut c,
        "SELECT COUNT(*) FROM sys.objects WHERE type IN ('U', 'V')",
    )
    .await;
    assert_eq!(r[0].get::<i32, _>(0), Some(1));
    let r = rows(
        &mut c,
        "SELECT schema_id FROM sys.schemas WHERE name = 'dbo'",
    )
    .await;
    assert_eq!(r[0].get::<i32, _>(0), Some(1));
    let r = rows(
        &mut c,
        "SELECT t.name FROM sys.tables t WHERE t.type = 'U' AND SCHEMA_NAME(t.schema_id) = 'dbo'",
    )
    .await;
    assert_eq!(r.len(), 1);
}

#[tokio::test]
async fn row_number_and_top_parameter() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    exec(
        &mut c,
        "CREATE TABLE r (g INT NOT NULL, id INT NOT NULL, v NVARCHAR(10) NULL, PRIMARY KEY (g, id));
         INSERT INTO r VALUES (1, 1, N'a'), (1, 2, N'b'), (1, 3, N'c'), (2, 1, N'd'), (2, 2, N'e')",
    )
    .await;
    let r = rows(
        &mut c,
        "SELECT g, id, ROW_NUMBER() OVER (PARTITION BY g ORDER BY id DESC) AS rn FROM dbo.r ORDER BY g, id",
    )
    .await;
    assert_eq!(r[0].columns()[2].column_type(), tiberius::ColumnType::Int8);
    let rn: Vec<i64> = r.iter().map(|x| x.get::<i64, _>("rn").unwrap()).collect();
    assert_eq!(rn, [3, 2, 1, 2, 1]);
    // paging the 2008 R2 way
    let r = c
        .query(
            "SELECT id, v, rn FROM (SELECT id, v, ROW_NUMBER() OVER (ORDER BY g, id) AS rn FROM dbo.r) AS x WHERE x.rn BETWEEN @P1 AND @P2 ORDER BY x.rn",
            &[&2i64, &3i64],
        )
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].get::<&str, _>("v"), Some("b"));
    assert_eq!(r[1].get::<i64, _>("rn"), Some(3));
    let r = c
        .query(
            "SELECT * FROM (SELECT ROW_NUMBER() OVER (ORDER BY g, id) AS rn, v FROM dbo.r) AS x WHERE rn > @P1",
            &[&4i32],
        )
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].get::<i64, _>("rn"), Some(5));
    // TOP (@P1)
    let r = c
        .query(
            "SELECT TOP (@P1) g, id FROM dbo.r WHERE g = @P2 ORDER BY id",
            &[&2i32, &1i32],
        )
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert_eq!(r.len(), 2);
    let r = c
        .query("SELECT TOP (@P1) * FROM dbo.r ORDER BY g, id", &[&0i64])
        .await
        .unwrap()
        .into_first_result()
        .await
        .unwrap();
    assert!(r.is_empty());
    assert_eq!(
        err_of(&mut c, "SELECT ROW_NUMBER() OVER () FROM dbo.r")
            .await
            .code(),
        4112
    );
}

#[tokio::test]
async fn unicode_and_plp_values_stream_unchanged() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    exec(
        &mut c,
        "CREATE TABLE u (id INT NOT NULL PRIMARY KEY, m NVARCHAR(MAX) NULL, s NVARCHAR(20) NULL, b BIGINT NULL, f BIT NULL)",
    )
    .await;
    exec(
        &mut c,
        "INSERT INTO u VALUES (1, N'', N'', 1, 1), (2, NULL, NULL, NULL, NULL), (3, N'𝄞 é ü', N'𝄞 é', -5, 0)",
    )
    .await;
    let r = rows(&mut c, "SELECT m, s, b, f FROM u ORDER BY id").await;
    assert_eq!(r[0].get::<&str, _>(0), Some(""));
    assert_eq!(r[0].get::<&str, _>(1), Some(""));
    assert_eq!(r[0].get::<i64, _>(2), Some(1));
    assert_eq!(r[0].get::<bool, _>(3), Some(true));
    assert_eq!(r[1].get::<&str, _>(0), None);
    assert_eq!(r[1].get::<&str, _>(1), None);
    assert_eq!(r[1].get::<i64, _>(2), None);
    assert_eq!(r[2].get::<&str, _>(0), Some("𝄞 é ü"));
    assert_eq!(r[2].get::<&str, _>(1), Some("𝄞 é"));
    assert_eq!(r[2].get::<i64, _>(2), Some(-5));
    assert_eq!(r[2].get::<bool, _>(3), Some(false));
}
