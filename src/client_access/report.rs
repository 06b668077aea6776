//! The self-contained HTML page of a client access report: the summary, the warnings, then one table per room
//! that has a member without a new client (rooms where everyone can use one are listed by name only, so a large
//! deployment's page stays readable). Every value is escaped (src/util/html.rs).

use super::{Access, ClientAccessReport, RoomAccess};
use crate::util::html::escape;
use std::fmt::Write as _;

fn access_name(access: Access) -> &'static str {
    match access {
        Access::CanUseNewClient => "CanUseNewClient",
        Access::DependsOnLegacy => "DependsOnLegacy",
        Access::NoAccess => "NoAccess",
    }
}

pub fn render_html(report: &ClientAccessReport) -> String {
    let s = &report.summary;
    let mut page = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>pchat-migrate client access</title>\
         <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}\
         td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}.NoAccess{background:#fdd}\
         .DependsOnLegacy{background:#ffd}</style></head><body><h1>Client access (coexistence)</h1>",
    );
    let _ = write!(
        page,
        "<p>Database {} on {}: {} rooms, {} of them reachable with new clients by every member.</p>\
         <table><tr><th>Users</th><th>CanUseNewClient</th><th>DependsOnLegacy</th><th>NoAccess</th>\
         <th>Groups not expanded</th><th>Legacy endpoint</th></tr><tr><td></td><td>{}</td><td>{}</td><td>{}</td>\
         <td>{}</td><td>{}</td></tr></table>",
        escape(&report.database),
        escape(&report.db_instance),
        s.rooms,
        s.rooms_new_clients_only,
        s.users.can_use_new_client,
        s.users.depends_on_legacy,
        s.users.no_access,
        s.users.unexpanded_principals,
        if s.legacy_endpoint_present { "present" } else { "none" },
    );
    if !report.warnings.is_empty() {
        page.push_str("<h2>Warnings</h2><ul>");
        for w in &report.warnings {
            let _ = write!(
                page,
                "<li>[{}] {}</li>",
                escape(&w.code),
                escape(&w.message)
            );
        }
        page.push_str("</ul>");
    }
    let (clear, attention): (Vec<&RoomAccess>, Vec<&RoomAccess>) =
        report.rooms.iter().partition(|r| {
            r.counts.depends_on_legacy == 0 && r.counts.no_access == 0 && r.unexpanded.is_empty()
        });
    for room in attention {
        room_table(&mut page, room);
    }
    if !clear.is_empty() {
        page.push_str("<h2>Rooms every member reaches with a new client</h2><ul>");
        for room in clear {
            let _ = write!(
                page,
                "<li>{} \\ {}</li>",
                escape(&room.category),
                escape(&room.name)
            );
        }
        page.push_str("</ul>");
    }
    page.push_str("</body></html>\n");
    page
}

fn room_table(page: &mut String, room: &RoomAccess) {
    let _ = write!(
        page,
        "<h2>{} \\ {}</h2><table><tr><th>Member</th><th>Membership</th><th>Access</th><th>Reason</th>\
         <th>Policy</th><th>Pool</th></tr>",
        escape(&room.category),
        escape(&room.name)
    );
    for m in &room.members {
        let membership = if m.via.is_empty() {
            "Direct".to_string()
        } else {
            format!("via {}", m.via.join("; "))
        };
        let _ = write!(
            page,
            "<tr class=\"{a}\"><td>{}</td><td>{}</td><td>{a}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&m.sip_address),
            escape(&membership),
            escape(&m.reason),
            escape(m.policy.as_deref().unwrap_or("")),
            escape(m.registrar_pool.as_deref().unwrap_or("")),
            a = access_name(m.access),
        );
    }
    for u in &room.unexpanded {
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{:?}</td><td>not expanded</td><td>its users were not given</td><td></td><td></td></tr>",
            escape(&u.identity),
            u.kind
        );
    }
    page.push_str("</table>");
}
