//! The request and row counters that size the connection cuts (the crash/resume sweep calibrates
//! `drop_after_requests` / `drop_after_rows` from them): one per request and one per result row, any session.

mod common;
use common::*;

#[tokio::test]
async fn requests_and_rows_are_counted_across_sessions() {
    let s = plaintext();
    let f = s.faults();
    let mut a = connect(&s, "testdb").await;
    let mut b = connect(&s, "testdb").await;
    let (requests, rows_before) = (f.requests_seen(), f.rows_seen());
    rows(&mut a, "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3").await;
    rows(&mut b, "SELECT 4").await;
    assert_eq!(f.requests_seen() - requests, 2);
    assert_eq!(f.rows_seen() - rows_before, 4);
    // A cut sized from the counters falls where they say: after 3 more rows, the fourth is not sent.
    f.drop_after_rows(3);
    let cut = match a
        .simple_query("SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4")
        .await
    {
        Ok(stream) => stream.into_first_result().await.map(|r| r.len()),
        Err(e) => Err(e),
    };
    assert!(cut.is_err(), "{cut:?}");
    f.clear();
    rows(&mut b, "SELECT 5").await;
    assert_eq!(
        f.rows_seen() - rows_before,
        4 + 4 + 1,
        "the row not sent is counted too"
    );
}
