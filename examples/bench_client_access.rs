//! Client-access analysis benchmark (not a test): R rooms (default 5,000) with M direct user members each
//! (default 25) drawn from U users (default 100,000: every fourth homed on a 2010 pool, every tenth under a tag
//! policy that disables Persistent Chat, the last hundred unknown), plus one group member per room whose users
//! (G each, default 25) are given, analysed as the `client_access` job does after reading `mgc`: facts checked,
//! every room decided, the result serialized. Prints the sizes, the counts and the best of 5 runs.
//!
//! Run: `cargo run --release --example bench_client_access [ROOMS] [MEMBERS] [USERS] [GROUP_USERS]`.

use pchat_migrate::client_access::{
    analyse, ClientAccessFacts, PrincipalKind, RoomInput, RoomMember,
};
use serde_json::{json, Value};
use std::time::Instant;

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn sip(i: usize) -> String {
    format!("sip:user{i}@contoso.com")
}

fn facts(users: usize, rooms: usize, group_users: usize) -> ClientAccessFacts {
    let list: Vec<Value> = (0..users.saturating_sub(100))
        .map(|i| {
            json!({
                "sipAddress": sip(i),
                "enabled": true,
                "registrarPool": if i % 4 == 0 { "fe2010.contoso.com" } else { "fe2013.contoso.com" },
                "persistentChatPolicy": if i % 10 == 1 { Some("NoChat") } else { None },
            })
        })
        .collect();
    let groups: Vec<Value> = (0..rooms)
        .map(|r| {
            let members: Vec<String> = (0..group_users).map(|j| sip((r * 7 + j * 13) % users)).collect();
            json!({ "identity": format!("CN=Group{r},OU=Groups,DC=contoso,DC=com"), "members": members })
        })
        .collect();
    serde_json::from_value(json!({
        "users": list,
        "policies": [
            { "identity": "Global", "enablePersistentChat": true },
            { "identity": "Site:Dublin", "enablePersistentChat": false },
            { "identity": "Tag:NoChat", "enablePersistentChat": false }
        ],
        "pools": [
            { "fqdn": "fe2013.contoso.com", "version": 6, "site": "Site:Redmond" },
            { "fqdn": "fe2010.contoso.com", "version": 5, "site": "Site:Redmond" }
        ],
        "endpoints": [{ "sipAddress": "sip:ocschat@contoso.com", "persistentChatPoolFqdn": "pcpool.contoso.com" }],
        "groups": groups,
    }))
    .expect("facts")
}

fn rooms(rooms: usize, members: usize, users: usize) -> Vec<RoomInput> {
    (0..rooms)
        .map(|r| {
            let mut list: Vec<RoomMember> = (0..members)
                .map(|m| RoomMember {
                    kind: PrincipalKind::User,
                    uri: sip((r * members + m * 31) % users),
                    ad_path: None,
                    display_name: None,
                    disabled: 0,
                })
                .collect();
            list.push(RoomMember {
                kind: PrincipalKind::Group,
                uri: format!("ma-grp:{r}@u.g"),
                ad_path: Some(format!("CN=Group{r},OU=Groups,DC=contoso,DC=com")),
                display_name: None,
                disabled: 0,
            });
            RoomInput {
                id: i32::try_from(r).unwrap_or(i32::MAX),
                name: format!("Room {r}"),
                category: format!("Category {}", r % 50),
                disabled: false,
                members: list,
            }
        })
        .collect()
}

fn main() {
    let (room_count, members, users, group_users) =
        (arg(1, 5_000), arg(2, 25), arg(3, 100_000), arg(4, 25));
    let facts = facts(users, room_count, group_users);
    let input = rooms(room_count, members, users);
    let mut best = f64::MAX;
    let mut size = 0;
    let mut report = None;
    for _ in 0..5 {
        let started = Instant::now();
        let result = analyse(&input, &facts).expect("analyses");
        size = serde_json::to_string(&result).expect("serializes").len();
        best = best.min(started.elapsed().as_secs_f64());
        report = Some(result);
    }
    let report = report.expect("ran");
    let u = report.summary.users;
    println!(
        "input: {room_count} rooms x ({members} users + 1 group of {group_users}), {users} users in the facts"
    );
    println!(
        "users: {} CanUseNewClient, {} DependsOnLegacy, {} NoAccess; result {size} bytes of JSON",
        u.can_use_new_client, u.depends_on_legacy, u.no_access
    );
    println!(
        "time: {:.1} ms (best of 5: check the facts, analyse, serialize)",
        best * 1000.0
    );
}
