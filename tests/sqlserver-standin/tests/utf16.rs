//! nvarchar values that are not valid UTF-16 (unpaired surrogates — legal in SQL Server, which stores UCS-2)
//! are kept exactly: written through `CAST(varbinary AS nvarchar)`, read back as nvarchar they arrive with
//! their original UTF-16 over TDS, and `CAST(nvarchar AS varbinary)` yields the UTF-16LE bytes, as SQL Server
//! does (for valid text too).

mod common;
use common::*;

fn le(units: &[u16]) -> Vec<u8> {
    units.iter().flat_map(|u| u.to_le_bytes()).collect()
}

/// (id, UTF-16 code units): lone high, lone low, a reversed pair, a valid emoji pair, plain text.
fn samples() -> Vec<(i32, Vec<u16>)> {
    vec![
        (1, vec![0x61, 0xD800, 0x62]),
        (2, vec![0xDC00]),
        (3, vec![0xDE00, 0xD83D, 0x21]),
        (4, "ok \u{1F600}".encode_utf16().collect()),
        (5, "plain".encode_utf16().collect()),
    ]
}

async fn seeded() -> (sqlserver_standin::Standin, Conn) {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    c.simple_query(
        "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v NVARCHAR(MAX) NULL, n NVARCHAR(10) NULL)",
    )
    .await
    .expect("create")
    .into_results()
    .await
    .expect("create");
    for (id, units) in samples() {
        c.execute(
            "INSERT INTO t (id, v, n) VALUES (@P1, CAST(@P2 AS nvarchar(max)), CAST(@P2 AS nvarchar(10)))",
            &[&id, &le(&units)],
        )
        .await
        .expect("insert");
    }
    (s, c)
}

#[tokio::test]
async fn unpaired_surrogates_survive_varbinary_round_trips() {
    let (_s, mut c) = seeded().await;
    let got = rows(
        &mut c,
        "SELECT id, CAST(v AS varbinary(max)) AS b, DATALENGTH(v) AS n FROM t ORDER BY id",
    )
    .await;
    assert_eq!(got.len(), samples().len());
    for (row, (id, units)) in got.iter().zip(samples()) {
        assert_eq!(row.get::<i32, _>("id"), Some(id));
        assert_eq!(row.get::<&[u8], _>("b"), Some(&le(&units)[..]), "row {id}");
        // (the stand-in types DATALENGTH as int; SQL Server uses bigint for MAX types)
        assert_eq!(
            row.get::<i32, _>("n"),
            Some(units.len() as i32 * 2),
            "row {id}"
        );
    }
}

#[tokio::test]
async fn valid_text_casts_to_its_utf16le_bytes() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    let got = rows(&mut c, "SELECT CAST(N'é\u{1F600}' AS varbinary(max)) AS b").await;
    assert_eq!(
        got[0].get::<&[u8], _>("b"),
        Some(&le(&"é\u{1F600}".encode_utf16().collect::<Vec<_>>())[..])
    );
}

#[tokio::test]
async fn unpaired_surrogates_reach_the_client_as_sent() {
    let (_s, mut c) = seeded().await;
    // Valid text reads back as text, also through a varbinary round trip.
    let ok = rows(&mut c, "SELECT v, n FROM t WHERE id = 4").await;
    assert_eq!(ok[0].get::<&str, _>("v"), Some("ok \u{1F600}"));
    assert_eq!(ok[0].get::<&str, _>("n"), Some("ok \u{1F600}"));
    // An unpaired surrogate goes over TDS unchanged, which tiberius refuses to decode into a String: the
    // reason the product reads content as varbinary.
    for id in 1..=3 {
        let result = match c
            .simple_query(format!("SELECT v FROM t WHERE id = {id}"))
            .await
        {
            Ok(stream) => stream.into_first_result().await.map(|_| ()),
            Err(e) => Err(e),
        };
        assert!(result.is_err(), "row {id} decoded as valid text");
    }
}

#[tokio::test]
async fn a_hex_literal_casts_to_nvarchar() {
    let s = plaintext();
    let mut c = connect(&s, "testdb").await;
    let got = rows(
        &mut c,
        "SELECT CAST(CAST(0x00D84100 AS nvarchar(max)) AS varbinary(max)) AS b, \
         CAST(0x41004200 AS nvarchar(10)) AS t",
    )
    .await;
    assert_eq!(
        got[0].get::<&[u8], _>("b"),
        Some(&[0x00, 0xD8, 0x41, 0x00][..])
    );
    assert_eq!(got[0].get::<&str, _>("t"), Some("AB"));
}
