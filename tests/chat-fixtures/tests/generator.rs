//! The deterministic generator: determinism and the presence of every edge case.

use std::collections::{BTreeMap, BTreeSet};

use chat_fixtures::messages::scripted;
use chat_fixtures::*;

fn msgs(d: &Deployment) -> Vec<Message> {
    d.messages().collect()
}

#[test]
fn same_seed_same_model_and_messages() {
    for size in [Size::Tiny, Size::Small] {
        let a = generate_model(42, size);
        let b = generate_model(42, size);
        assert_eq!(a, b);
        assert_eq!(msgs(&a), msgs(&b));
        let a = generate_mgc_model(42, size);
        let b = generate_mgc_model(42, size);
        assert_eq!(a, b);
        assert_eq!(msgs(&a), msgs(&b));
    }
}

#[test]
fn different_seed_different_model() {
    let a = generate_model(1, Size::Tiny);
    let b = generate_model(2, Size::Tiny);
    assert_ne!(a, b);
    assert_ne!(msgs(&a), msgs(&b));
    assert_ne!(a.principals[3].guid, b.principals[3].guid);
}

/// Pins the generated output so that a change of platform, crate version or code that alters
/// it is noticed. Update the constant deliberately when the generator is meant to change.
#[test]
fn output_is_stable() {
    let d = generate_model(42, Size::Tiny);
    assert_eq!(d.message_count(), 100);
    assert_eq!(d.principals[0].id, 1);
    let fp = fingerprint(&d);
    println!("fingerprint(42, Tiny) = {fp:#018x}");
    assert_eq!(
        fp, PINNED_FINGERPRINT,
        "generator output changed: {fp:#018x}"
    );
}

const PINNED_FINGERPRINT: u64 = 0x33c8_6f84_1c4f_ca38;

/// FNV-1a over explicit fields (no Debug formatting of foreign types).
fn fingerprint(d: &Deployment) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |s: &str| {
        for b in s.bytes().chain([0xff]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    };
    for p in &d.principals {
        eat(&format!(
            "{} {} {} {:?}",
            p.id,
            p.guid.hyphenated(),
            p.uri,
            p.state
        ));
    }
    for c in &d.categories {
        eat(&format!(
            "{} {} {} {}",
            c.id,
            c.guid.hyphenated(),
            c.parent_id,
            c.name
        ));
    }
    for r in &d.rooms {
        eat(&format!(
            "{} {} {} {} {}",
            r.id,
            r.guid.hyphenated(),
            r.category_id,
            r.name,
            r.message_count
        ));
    }
    for x in &d.roles {
        eat(&format!(
            "{} {} {}",
            x.node_id,
            x.principal_id,
            x.role.name()
        ));
    }
    for m in d.messages() {
        eat(&format!(
            "{} {} {} {} {} {}",
            m.room_id, m.chat_id, m.date, m.user_id, m.is_alert, m.content
        ));
    }
    h
}

#[test]
fn message_counts_follow_size() {
    assert_eq!(generate_model(7, Size::Tiny).messages().count(), 100);
    assert_eq!(generate_model(7, Size::Small).messages().count(), 2_000);
    assert_eq!(generate_model(7, Size::Messages(0)).messages().count(), 0);
    assert_eq!(generate_model(7, Size::Messages(5)).messages().count(), 5);
    assert_eq!(
        generate_model(7, Size::Messages(3_333)).message_count(),
        3_333
    );
    assert_eq!(generate_model(7, Size::Large).message_count(), 2_000_000);
    assert_eq!(generate_model(7, Size::Medium).message_count(), 100_000);
    assert_eq!(
        "messages:1_000".parse::<Size>().unwrap(),
        Size::Messages(1000)
    );
    assert_eq!("TINY".parse::<Size>().unwrap(), Size::Tiny);
    assert!("huge".parse::<Size>().is_err());
}

#[test]
fn room_message_streams_are_independent() {
    let d = generate_model(9, Size::Small);
    let all = msgs(&d);
    let room = &d.rooms[3];
    let alone: Vec<_> = d.room_messages(room).collect();
    let from_all: Vec<_> = all
        .iter()
        .filter(|m| m.room_id == room.id)
        .cloned()
        .collect();
    assert_eq!(alone, from_all);
}

fn check_common_invariants(d: &Deployment) {
    // Ids unique, parents precede children, every reference resolves.
    let prin: BTreeSet<i32> = d.principals.iter().map(|p| p.id).collect();
    assert_eq!(prin.len(), d.principals.len());
    let nodes: BTreeSet<i32> = d
        .categories
        .iter()
        .map(|c| c.id)
        .chain(d.rooms.iter().map(|r| r.id))
        .collect();
    assert_eq!(nodes.len(), d.categories.len() + d.rooms.len());
    for c in &d.categories {
        assert!(c.parent_id <= c.id && d.category(c.parent_id).is_some());
        assert!(c.name.encode_utf16().count() <= 256);
    }
    for r in &d.rooms {
        assert!(d.category(r.category_id).is_some());
        assert!(r.category_id < r.id);
        assert!(r.name.encode_utf16().count() <= 256, "{}", r.name);
        assert!(!r.posters.is_empty());
        if let Some(a) = r.addin {
            assert!(d.addins.iter().any(|x| x.id == a));
        }
    }
    for x in &d.roles {
        assert!(nodes.contains(&x.node_id) && prin.contains(&x.principal_id));
    }
    for x in &d.scopes {
        assert!(nodes.contains(&x.node_id) && prin.contains(&x.principal_id));
    }
    for x in &d.invites {
        assert!(d.room(x.node_id).is_some() && prin.contains(&x.principal_id));
    }
    let pk: BTreeSet<(i32, i32)> = d
        .invites
        .iter()
        .map(|i| (i.principal_id, i.node_id))
        .collect();
    assert_eq!(
        pk.len(),
        d.invites.len(),
        "invite PK (prinID, nodeID) unique"
    );
    let guids: BTreeSet<_> = d
        .principals
        .iter()
        .map(|p| p.guid)
        .chain(d.categories.iter().map(|c| c.guid))
        .chain(d.rooms.iter().map(|r| r.guid))
        .collect();
    assert_eq!(
        guids.len(),
        d.principals.len() + d.categories.len() + d.rooms.len()
    );
    for p in &d.principals {
        if let Some(ad) = &p.ad_path {
            assert!(ad.encode_utf16().count() <= 256);
        }
        assert_eq!(p.verified_on % TICKS_PER_SECOND, 0);
    }
    // Messages: chat ids strictly increase per room, dates never go backwards, posters valid.
    let mut last: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    for m in d.messages() {
        if let Some((id, date)) = last.get(&m.room_id) {
            assert!(m.chat_id > *id);
            assert!(m.date >= *date);
        }
        last.insert(m.room_id, (m.chat_id, m.date));
        assert!(prin.contains(&m.user_id));
    }
}

#[test]
fn invariants_hold_for_all_sizes_and_flavours() {
    for seed in [1, 42] {
        for size in [Size::Tiny, Size::Small, Size::Messages(50)] {
            check_common_invariants(&generate_model(seed, size));
            check_common_invariants(&generate_mgc_model(seed, size));
        }
    }
    // Medium: structure only (messages are many).
    let d = generate_model(3, Size::Medium);
    assert!(d.rooms.len() > 100 && d.principals.len() > 600);
}

#[test]
fn legacy_tiny_contains_every_edge_case() {
    for seed in [0, 42, 1234567] {
        legacy_edge_cases(&generate_model(seed, Size::Tiny));
    }
    legacy_edge_cases(&generate_model(5, Size::Small));
}

fn legacy_edge_cases(d: &Deployment) {
    let e = &d.edge;
    // Categories nested 3+ deep.
    assert!(d.categories.iter().any(|c| c.depth >= 3));
    assert!(e.deep_category_chain.len() >= 4);
    let deepest = *e.deep_category_chain.last().unwrap();
    assert!(d.category(deepest).unwrap().depth >= 4);
    // Root-category managers (a user and a group).
    let root_mgrs: Vec<_> = d
        .roles
        .iter()
        .filter(|r| r.node_id == ROOT_NODE_ID && r.role == Role::Manager)
        .collect();
    assert!(root_mgrs.len() >= 2);
    assert!(root_mgrs
        .iter()
        .any(|r| d.principal(r.principal_id).unwrap().kind == PrincipalKind::Group));
    // Names over 256 once prefixed (with any separator), for a room and for a category.
    let long = d.room(e.long_name_room).unwrap();
    assert!(long.name.chars().count() > 150);
    assert!(d.prefixed_room_name(long, "").encode_utf16().count() > 256);
    let deep = d.room(e.deep_room).unwrap();
    assert!(deep.name.len() < 20);
    assert!(d.prefixed_room_name(deep, "").encode_utf16().count() > 256);
    assert!(
        d.category_path(deepest)
            .iter()
            .map(|n| n.encode_utf16().count())
            .sum::<usize>()
            > 256
    );
    let max = d.room(e.max_length_name_room).unwrap();
    assert_eq!(max.name.encode_utf16().count(), 256);
    assert!(!max.name.is_ascii());
    // Invitation conflict: room on, category off.
    let conflict = d.room(e.invite_conflict_room).unwrap();
    assert_eq!(conflict.invite, Some(true));
    assert!(!d.category_invite(conflict.category_id));
    assert!(d.invites.iter().any(|i| i.node_id == conflict.id));
    // Per-room history and file-post settings that differ from the category's.
    let per = d.room(e.per_room_settings_room).unwrap();
    let cat = d.category(per.category_id).unwrap();
    assert_eq!(per.logged, Some(false));
    assert_eq!(per.file_post, Some(true));
    assert_eq!(cat.file_post, Some(false));
    // overrideMember with its own members.
    let ov = d.room(e.override_member_room).unwrap();
    assert!(ov.override_member);
    assert!(d
        .roles
        .iter()
        .any(|r| r.node_id == ov.id && r.role == Role::Member));
    // Disabled room.
    assert!(d.room(e.disabled_room).unwrap().disabled);
    // Disabled and deleted principals.
    assert_eq!(
        d.principal(e.disabled_user).unwrap().state,
        PrincipalState::Disabled
    );
    assert_eq!(
        d.principal(e.deleted_user).unwrap().state,
        PrincipalState::Deleted
    );
    assert!(d
        .principal_meta
        .iter()
        .any(|m| m.principal_id == e.deleted_user && m.deleted));
    assert_eq!(d.principal(e.deleted_user).unwrap().mgc_disabled(), 2);
    // Federated users and groups, as room members.
    let fed = d.room(e.federated_room).unwrap();
    let fed_members: Vec<_> = d
        .roles
        .iter()
        .filter(|r| r.node_id == fed.id)
        .map(|r| d.principal(r.principal_id).unwrap().kind)
        .collect();
    assert!(fed_members.contains(&PrincipalKind::FederatedUser));
    assert!(fed_members.contains(&PrincipalKind::FederatedGroup));
    assert!(d
        .principals
        .iter()
        .filter(|p| p.kind.is_federated())
        .all(|p| p.ad_path.is_none()));
    // Groups, OUs and domains as members.
    let gm: BTreeSet<_> = d
        .roles
        .iter()
        .filter(|r| r.node_id == e.group_members_room && r.role == Role::Member)
        .map(|r| d.principal(r.principal_id).unwrap().kind)
        .collect();
    for k in [
        PrincipalKind::Group,
        PrincipalKind::Folder,
        PrincipalKind::Domain,
    ] {
        assert!(gm.contains(&k), "{k:?}");
    }
    // Auditorium with presenters.
    let aud = d.room(e.auditorium_room).unwrap();
    assert_eq!(aud.behavior, Behavior::Auditorium);
    assert!(
        d.roles
            .iter()
            .filter(|r| r.node_id == aud.id && r.role == Role::Voiced)
            .count()
            >= 2
    );
    // Add-ins.
    assert!(!d.addins.is_empty());
    assert!(d.room(e.addin_room).unwrap().addin.is_some());
    // Empty room.
    assert_eq!(d.room(e.empty_room).unwrap().message_count, 0);
    assert_eq!(d.room_messages(d.room(e.empty_room).unwrap()).count(), 0);
    // Name conflicts.
    let like = d.room(e.room_named_like_category).unwrap();
    assert!(d.categories.iter().any(|c| c.name == like.name));
    let (a, b) = e.duplicate_name_rooms;
    assert_eq!(d.room(a).unwrap().name, d.room(b).unwrap().name);
    assert_ne!(
        d.room(a).unwrap().category_id,
        d.room(b).unwrap().category_id
    );
    // Legacy shape: topics, no Creator, no open rooms, no deny lists, no rtf.
    assert!(d.rooms.iter().all(|r| !r.topic.is_empty()));
    assert!(d.roles.iter().all(|r| r.role != Role::Creator));
    assert!(d.rooms.iter().all(|r| r.visibility != Visibility::Open));
    assert!(d.scopes.iter().all(|s| !s.denied));
    assert!(d.messages().all(|m| m.rtf.is_none()));
    // A DN with an escaped comma.
    assert!(d
        .principals
        .iter()
        .any(|p| p.ad_path.as_deref().is_some_and(|a| a.contains("\\,"))));
    // Gappy chat ids.
    let gappy: Vec<_> = d.room_messages(d.room(e.gappy_room).unwrap()).collect();
    if gappy.len() > 10 {
        assert!(gappy.windows(2).any(|w| w[1].chat_id > w[0].chat_id + 1));
    }
    messages_edge_cases(d);
}

fn messages_edge_cases(d: &Deployment) {
    let room = d.room(d.edge.scripted_message_room).unwrap();
    let m: Vec<Message> = d.room_messages(room).collect();
    assert!(m.len() >= messages::SCRIPTED_COUNT);
    let c = |i: usize| m[i].content.as_str();
    assert!(c(scripted::ACCENTS).contains("é"));
    assert!(c(scripted::CJK)
        .chars()
        .any(|ch| ('\u{4E00}'..='\u{9FFF}').contains(&ch)));
    assert!(c(scripted::RTL)
        .chars()
        .any(|ch| ('\u{0600}'..='\u{06FF}').contains(&ch)));
    assert!(c(scripted::RTL)
        .chars()
        .any(|ch| ('\u{0590}'..='\u{05FF}').contains(&ch)));
    assert!(
        c(scripted::EMOJI).chars().any(|ch| ch as u32 > 0xFFFF),
        "surrogate pairs"
    );
    assert!(c(scripted::FILE_LINK).contains("ma-filelink:"));
    assert!(c(scripted::NON_ASCII_FILE_LINK).starts_with("ma-filelink:"));
    assert!(c(scripted::HTML_LINK).contains("<a href=\""));
    assert!(c(scripted::STORY).starts_with("[STORY]"));
    assert!(m[scripted::ALERT].is_alert && m[scripted::NON_ASCII_ALERT].is_alert);
    assert_eq!(c(scripted::UTF16_4000).encode_utf16().count(), 4000);
    assert_eq!(c(scripted::UTF16_4001).encode_utf16().count(), 4001);
    assert!(c(scripted::VERY_LONG).chars().count() > 10_000);
    assert_eq!(c(scripted::EMOJI_4000_UNITS).encode_utf16().count(), 4000);
    assert_eq!(c(scripted::EMOJI_4002_UNITS).encode_utf16().count(), 4002);
    assert_eq!(c(scripted::EMOJI_4002_UNITS).chars().count(), 2001);
    assert!(c(scripted::MULTILINE_GO).lines().any(|l| l.trim() == "GO"));
    assert!(c(scripted::SQL_METACHARS).contains('\''));
    assert!(c(scripted::PADDED).starts_with(' ') && c(scripted::PADDED).ends_with(' '));
    assert!(c(scripted::COMBINING).contains('\u{301}'));
    let t = m[scripted::SAME_TIME_FIRST].date;
    assert!((scripted::SAME_TIME_FIRST..=scripted::SAME_TIME_LAST).all(|i| m[i].date == t));
    assert!(m.iter().filter(|x| x.is_alert).count() >= 2);
    // Ticks carry sub-second precision.
    assert!(m.iter().any(|x| x.date % TICKS_PER_SECOND != 0));
}

#[test]
fn random_messages_cover_the_encodings_at_small_size() {
    let d = generate_model(11, Size::Small);
    let lobby = d.edge.scripted_message_room;
    let others: Vec<Message> = d.messages().filter(|m| m.room_id != lobby).collect();
    assert!(others.iter().any(|m| m.content.contains("ma-filelink:")));
    assert!(others.iter().any(|m| m.content.contains("<a href=")));
    assert!(others.iter().any(|m| m.content.starts_with("[STORY]")));
    assert!(others.iter().any(|m| m.is_alert));
    assert!(others
        .iter()
        .any(|m| m.content.encode_utf16().count() > 4000));
    assert!(others.iter().any(|m| !m.content.is_ascii()));
    assert!(others
        .windows(2)
        .any(|w| w[0].room_id == w[1].room_id && w[0].date == w[1].date));
    // Some rooms are empty besides the scripted one.
    assert!(d.rooms.iter().filter(|r| r.message_count == 0).count() >= 1);
}

#[test]
fn mgc_model_is_2013_shaped() {
    for size in [Size::Tiny, Size::Small] {
        let d = generate_mgc_model(42, size);
        assert_eq!(d.flavor, Flavor::Mgc2013);
        // One category level under the root.
        assert!(d
            .categories
            .iter()
            .all(|c| c.id == ROOT_NODE_ID || (c.parent_id == ROOT_NODE_ID && c.depth == 1)));
        // No federated principals, no topics, rooms never carry logged/filePost, invite only off.
        assert!(d.principals.iter().all(|p| !p.kind.is_federated()));
        assert!(d
            .rooms
            .iter()
            .all(|r| r.topic.is_empty() && r.logged.is_none() && r.file_post.is_none()));
        assert!(d
            .rooms
            .iter()
            .all(|r| r.invite != Some(true) && !r.override_member));
        assert!(d
            .categories
            .iter()
            .all(|c| c.invite.is_some() && c.logged.is_some() && c.file_post.is_some()));
        // Unique names across rooms and categories (pool-wide rule).
        let mut names = BTreeSet::new();
        for n in d
            .categories
            .iter()
            .map(|c| &c.name)
            .chain(d.rooms.iter().map(|r| &r.name))
        {
            assert!(names.insert(n.to_lowercase()), "duplicate name {n}");
        }
        assert!(d.roles.iter().any(|r| r.role == Role::Creator));
        assert!(d.scopes.iter().any(|s| s.denied));
        assert!(d.messages().any(|m| m.rtf.is_some()));
        assert!(d
            .messages()
            .filter_map(|m| m.rtf)
            .all(|r| r.is_ascii() && r.starts_with("{\\rtf1")));
        assert!(d
            .principals
            .iter()
            .any(|p| p.state == PrincipalState::Deleted));
        if size == Size::Small {
            assert!(d.rooms.iter().any(|r| r.visibility == Visibility::Open));
        }
    }
}

#[test]
fn tree_closure_matches_parents() {
    let d = generate_model(42, Size::Tiny);
    let closure = d.tree_closure();
    let deep = d.edge.deep_room;
    let ancestors: Vec<_> = closure.iter().filter(|(_, x, _)| *x == deep).collect();
    // self + 4 categories + root
    assert_eq!(ancestors.len(), 6);
    assert!(ancestors
        .iter()
        .any(|(a, _, depth)| *a == ROOT_NODE_ID && *depth == 5));
    assert!(closure.contains(&(ROOT_NODE_ID, ROOT_NODE_ID, 0)));
}

#[test]
fn primary_keys_are_unique_at_medium_size() {
    for d in [
        generate_model(5, Size::Medium),
        generate_mgc_model(5, Size::Medium),
    ] {
        let dns: Vec<_> = d
            .principals
            .iter()
            .filter_map(|p| p.ad_path.as_ref())
            .collect();
        let set: BTreeSet<_> = dns.iter().collect();
        assert_eq!(set.len(), dns.len(), "duplicate DN");
        let members: BTreeSet<_> = d
            .group_members
            .iter()
            .map(|m| (m.group_id, &m.member_ad_path))
            .collect();
        assert_eq!(members.len(), d.group_members.len());
        let aff: BTreeSet<_> = d
            .affiliations
            .iter()
            .map(|a| (a.principal_id, a.index, a.affiliation_id))
            .collect();
        assert_eq!(aff.len(), d.affiliations.len());
        let roles: BTreeSet<_> = d
            .roles
            .iter()
            .map(|r| (r.node_id, r.principal_id, r.role))
            .collect();
        assert_eq!(roles.len(), d.roles.len());
        let uris: BTreeSet<_> = d.principals.iter().map(|p| p.uri.to_lowercase()).collect();
        assert_eq!(uris.len(), d.principals.len());
        // Duplicate display names exist (as in real directories).
        let names: Vec<_> = d
            .principals
            .iter()
            .filter_map(|p| p.display_name.as_ref())
            .collect();
        assert!(names.iter().collect::<BTreeSet<_>>().len() < names.len());
    }
}

#[test]
fn scopes_are_unique_per_node_and_principal() {
    let d = generate_model(5, Size::Medium);
    let s: BTreeSet<_> = d
        .scopes
        .iter()
        .map(|x| (x.node_id, x.principal_id))
        .collect();
    assert_eq!(s.len(), d.scopes.len());
}

#[test]
fn the_realistic_shape_has_40000_rooms_100000_principals_and_three_big_rooms() {
    let started = std::time::Instant::now();
    let model = chat_fixtures::generate_model(42, chat_fixtures::Size::Realistic(1_000_000));
    eprintln!("generated in {:.1} s", started.elapsed().as_secs_f64());
    assert_eq!(model.rooms.len(), chat_fixtures::REALISTIC_ROOMS);
    assert!(
        model.principals.len() >= 100_000,
        "{} principals",
        model.principals.len()
    );
    assert_eq!(model.message_count(), 1_000_000);
    let mut counts: Vec<u64> = model.rooms.iter().map(|r| r.message_count).collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let big: u64 = counts[..chat_fixtures::REALISTIC_BIG_ROOMS].iter().sum();
    assert!(
        (550_000..=650_000).contains(&big),
        "the three big rooms hold {big}"
    );
    assert!(
        counts[chat_fixtures::REALISTIC_BIG_ROOMS] < 100,
        "the largest small room holds {}",
        counts[3]
    );
    // Every room's history can be generated: the rooms added to reach 40,000 have posters too.
    let last = model.rooms.last().expect("rooms");
    assert!(!last.posters.is_empty(), "room {} has no posters", last.id);
    assert_eq!(model.room_messages(last).count() as u64, last.message_count);
}
