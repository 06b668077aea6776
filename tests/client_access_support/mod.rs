//! Support for the client-access suites: Member rows read with the tests' own SQL, and members added to a
//! generated `mgc` (the fixture has few direct user members).
#![allow(dead_code)]

use crate::common::TestServer;
use tiberius::ColumnData;

/// A Member row of a room: (nodeID, prinUri, ptypeDesc, prinADPath, prinDisabled).
pub type MemberRow = (i64, String, String, String, i64);

fn cell_int(c: &ColumnData<'_>) -> i64 {
    match c {
        ColumnData::U8(v) => v.map(i64::from).unwrap_or(0),
        ColumnData::I16(v) => v.map(i64::from).unwrap_or(0),
        ColumnData::I32(v) => v.map(i64::from).unwrap_or(0),
        ColumnData::I64(v) => v.unwrap_or(0),
        ColumnData::Bit(v) => v.map(i64::from).unwrap_or(0),
        other => panic!("not an integer: {other:?}"),
    }
}

fn cell_text(c: &ColumnData<'_>) -> String {
    match c {
        ColumnData::String(v) => v.as_deref().unwrap_or("").to_string(),
        other => panic!("not text: {other:?}"),
    }
}

pub async fn member_rows(server: &TestServer, db: &str) -> Vec<MemberRow> {
    let sql = "SELECT r.prinRoleNodeID, p.prinUri, t.ptypeDesc, COALESCE(p.prinADPath, N''), p.prinDisabled \
               FROM dbo.tblPrincipalRole AS r \
               INNER JOIN dbo.tblPrincipal AS p ON p.prinID = r.prinRolePrinID \
               INNER JOIN dbo.tblPrincipalType AS t ON t.ptypeID = p.prinTypeID \
               INNER JOIN dbo.tblRoleType AS rt ON rt.rtypeID = r.prinRoleTypeID \
               INNER JOIN dbo.tblNode AS n ON n.nodeID = r.prinRoleNodeID \
               WHERE rt.rtypeDesc = N'Member' AND n.nodeType = 0";
    let mut admin = server.admin(db).await;
    let rows = admin
        .simple_query(sql)
        .await
        .expect(sql)
        .into_first_result()
        .await
        .expect(sql);
    rows.iter()
        .map(|r| {
            let c: Vec<&ColumnData<'_>> = r.cells().map(|(_, d)| d).collect();
            (
                cell_int(c[0]),
                cell_text(c[1]),
                cell_text(c[2]).to_lowercase(),
                cell_text(c[3]),
                cell_int(c[4]),
            )
        })
        .collect()
}

async fn ints(server: &TestServer, db: &str, sql: &str) -> Vec<i64> {
    let mut admin = server.admin(db).await;
    let rows = admin
        .simple_query(sql)
        .await
        .expect(sql)
        .into_first_result()
        .await
        .expect(sql);
    rows.iter()
        .map(|r| cell_int(r.cells().next().expect("cell").1))
        .collect()
}

/// The fixture has few direct user members: makes twelve active users members of the first three rooms (the
/// rows the import or the Control Panel would write), so every rule is exercised.
pub async fn add_members(server: &TestServer, db: &str) {
    let users = ints(
        server,
        db,
        "SELECT p.prinID FROM dbo.tblPrincipal AS p INNER JOIN dbo.tblPrincipalType AS t \
         ON t.ptypeID = p.prinTypeID WHERE t.ptypeDesc = N'User' AND p.prinDisabled = 0 ORDER BY p.prinID",
    )
    .await;
    let rooms = ints(
        server,
        db,
        "SELECT nodeID FROM dbo.tblNode WHERE nodeType = 0 ORDER BY nodeID",
    )
    .await;
    let member = ints(
        server,
        db,
        "SELECT rtypeID FROM dbo.tblRoleType WHERE rtypeDesc = N'Member'",
    )
    .await;
    assert!(
        users.len() >= 12 && rooms.len() >= 3 && member.len() == 1,
        "{users:?} {rooms:?}"
    );
    let mut admin = server.admin(db).await;
    for (i, user) in users.iter().take(12).enumerate() {
        let room = rooms[i % 3];
        let sql = format!(
            "IF NOT EXISTS (SELECT 1 FROM dbo.tblPrincipalRole WHERE prinRoleNodeID = {room} AND prinRolePrinID = \
             {user} AND prinRoleTypeID = {m}) INSERT INTO dbo.tblPrincipalRole (prinRoleNodeID, prinRolePrinID, \
             prinRoleTypeID, prinRoleUpdatedBy) VALUES ({room}, {user}, {m}, 1)",
            m = member[0]
        );
        admin
            .simple_query(&sql)
            .await
            .expect(&sql)
            .into_results()
            .await
            .expect(&sql);
    }
}
