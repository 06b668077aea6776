//! Which columns the source readers need: the column lists, decided per column against the published Lync 2010
//! schema (docs/schema-assumptions.md, "Columns the export reads"). A column is required only where the
//! published legacy schema has it and the migration cannot work without it (or, for tables whose columns were
//! never published, where it is the key that links a principal to a node); every other column is optional with a
//! documented default. [`check_required`] refuses a database that lacks a required one before anything is read.

use super::columns::{absent_optional, missing_error, missing_required, opt, req, Missing, Want};
use crate::error::PcmError;
use crate::schema::Catalog;

pub(crate) const PRINCIPAL_TYPE_COLUMNS: &[Want] = &[
    req(
        "ptypeID",
        "tell users, groups and federated principals apart",
    ),
    opt("ptypeDesc"),
    opt("ptypeIsSystemUser"),
    opt("ptypeIsUser"),
    opt("ptypeIsFederated"),
];

pub(crate) const PRINCIPAL_COLUMNS: &[Want] = &[
    req(
        "prinID",
        "link principals to their roles, scopes and messages",
    ),
    req(
        "prinGuid",
        "match each principal to its directory object (objectGUID) on import",
    ),
    req(
        "prinUri",
        "identify each user and group (SIP or ma-grp URI) on import",
    ),
    req(
        "prinTypeID",
        "tell users, groups and federated principals apart",
    ),
    req(
        "prinDisabled",
        "keep principals that left the company disabled (an assumed default would re-enable them)",
    ),
    opt("prinName"),
    opt("prinDisplayName"),
    opt("prinCompanyName"),
    opt("prinEmail"),
    opt("prinADPath"),
    opt("prinADUserPrincipalName"),
    opt("prinAllowedPermSet"),
    opt("prinUseInheritedPerms"),
    opt("prinAddedOn"),
    opt("prinUpdatedOn"),
];

pub(crate) const NODE_COLUMNS: &[Want] = &[
    req("nodeID", "link rooms to their categories, roles, scopes and messages"),
    req("nodeGuid", "identify each category and room on import"),
    req("parentID", "rebuild the category tree and the rooms' category names"),
    req("nodeType", "tell categories from rooms"),
    req("nodeName", "name categories and rooms"),
    opt("nodeDesc"),
    opt("topic"),
    opt("filestoreURI"),
    opt("inheritance"),
    opt("scopeChange"),
    opt("overrideMember"),
    opt("invite"),
    opt("logged"),
    opt("filePost"),
    req(
        "disabled",
        "leave out the rooms the administrator disabled before the export (the documented way to exclude rooms)",
    ),
    opt("restrictChildCreate"),
    opt("behavior"),
    opt("visibility"),
    opt("siopID"),
    opt("nodeAddedBy"),
    opt("nodeAddedOn"),
    opt("nodeUpdatedBy"),
    opt("nodeUpdatedOn"),
];

pub(crate) const ENUM_VALUE_COLUMNS: &[Want] = &[opt("valueID"), opt("attributeValue")];

pub(crate) const ROLE_TYPE_COLUMNS: &[Want] = &[
    req("rtypeID", "resolve the role of each assignment"),
    req(
        "rtypeDesc",
        "know which role type is Member, Manager or Voiced (ids differ between installations)",
    ),
    opt("honorsOverride"),
];

pub(crate) const PRINCIPAL_ROLE_COLUMNS: &[Want] = &[
    req(
        "prinRoleNodeID",
        "know on which category or room a role is held",
    ),
    req("prinRolePrinID", "know who holds a role"),
    req("prinRoleTypeID", "know which role is held"),
];

/// Legacy scopes had no deny list (Lync 2013 introduced DeniedMembers), so `scopeIsDenied` is optional there and
/// reads as "allowed" when absent.
pub(crate) const SCOPE_COLUMNS_LEGACY: &[Want] = &[
    req("scopeNodeID", "know which category a scope entry narrows"),
    req("scopePrinID", "know who is in a scope"),
    opt("scopeIsDenied"),
];

/// Lync 2013 publishes `scopeIsDenied`: a 2013 scope without it cannot tell allowed from denied members.
pub(crate) const SCOPE_COLUMNS_MGC: &[Want] = &[
    req("scopeNodeID", "know which category a scope entry narrows"),
    req("scopePrinID", "know who is in a scope"),
    req(
        "scopeIsDenied",
        "tell allowed from denied members (Lync 2013 scopes have both)",
    ),
];

pub(crate) const ADDIN_COLUMNS: &[Want] = &[opt("siopID"), opt("siopName"), opt("siopUrl")];

/// The chat history columns `source::history` reads. Listed here so that a database lacking one is refused, with
/// the reason, before any work starts.
pub const CHAT_COLUMNS: &[Want] = &[
    req("channelId", "attribute each message to its room"),
    req(
        "chatId",
        "order each room's messages and resume an interrupted export",
    ),
    req("chatDate", "date each message (and apply -StartDate)"),
    req("userId", "name each message's poster"),
    req("content", "carry each message's text"),
    opt("isAlert"),
    opt("rtf"),
];

/// The scope columns for a database of the legacy family (`legacy`) or Lync 2013.
pub(crate) fn scope_columns(legacy: bool) -> &'static [Want] {
    if legacy {
        SCOPE_COLUMNS_LEGACY
    } else {
        SCOPE_COLUMNS_MGC
    }
}

/// The tables the export reads unconditionally, with their columns, for a database of the legacy family
/// (`legacy`) or Lync 2013.
pub(crate) fn required_reads(legacy: bool) -> [(&'static str, &'static [Want]); 7] {
    [
        ("tblPrincipalType", PRINCIPAL_TYPE_COLUMNS),
        ("tblPrincipal", PRINCIPAL_COLUMNS),
        ("tblNode", NODE_COLUMNS),
        ("tblRoleType", ROLE_TYPE_COLUMNS),
        ("tblPrincipalRole", PRINCIPAL_ROLE_COLUMNS),
        ("tblScopePrincipal", scope_columns(legacy)),
        ("tblChat", CHAT_COLUMNS),
    ]
}

/// Whether the catalog is of the legacy family (Lync 2010 / OCS 2007 R2), as detection tells it.
pub(crate) fn is_legacy(catalog: &Catalog) -> bool {
    crate::schema::detect::classify(catalog).kind.is_legacy()
}

/// Checks, before anything is read, that the database has every table and column the migration cannot work
/// without; the error names all of them at once, each with what it is needed for, and the fix.
pub fn check_required(catalog: &Catalog) -> Result<(), PcmError> {
    let missing: Vec<Missing> = required_reads(is_legacy(catalog))
        .iter()
        .flat_map(|(table, wanted)| missing_required(catalog, table, wanted))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing_error(&missing))
    }
}

/// Optional columns that only Lync 2013 has: their absence from a legacy database is no default worth telling.
const ONLY_2013: &[&str] = &["tblPrincipal.prinDisplayName", "tblChat.rtf"];
/// Optional columns that only the legacy family has (published for Lync 2010, absent from 2013).
const ONLY_LEGACY: &[&str] = &[
    "tblPrincipalType.ptypeIsFederated",
    "tblPrincipal.prinAllowedPermSet",
    "tblPrincipal.prinUseInheritedPerms",
    "tblNode.topic",
    "tblNode.filestoreURI",
    "tblNode.inheritance",
    "tblNode.scopeChange",
    "tblNode.overrideMember",
    "tblNode.restrictChildCreate",
    "tblRoleType.honorsOverride",
];

/// The optional columns this database lacks (`table.column`), whose documented defaults the export applies;
/// columns the database's family never has are left out. Optional tables (`tblEnumValue`, `tblSiopWhiteList`)
/// count only when present.
pub fn defaults_applied(catalog: &Catalog) -> Vec<String> {
    let legacy = is_legacy(catalog);
    let other_family = if legacy { ONLY_2013 } else { ONLY_LEGACY };
    let mut out: Vec<String> = required_reads(legacy)
        .iter()
        .flat_map(|(table, wanted)| absent_optional(catalog, table, wanted))
        .filter(|column| !other_family.contains(&column.as_str()))
        .collect();
    for (table, wanted) in [
        ("tblEnumValue", ENUM_VALUE_COLUMNS),
        ("tblSiopWhiteList", ADDIN_COLUMNS),
    ] {
        if catalog.has_table(table) {
            out.extend(absent_optional(catalog, table, wanted));
        }
    }
    out
}

/// An optional table is read only when it has all of `wanted`; otherwise its documented default applies.
pub(crate) fn has_all(catalog: &Catalog, table: &str, wanted: &[Want]) -> bool {
    wanted.iter().all(|w| catalog.has_column(table, w.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::columns::select_list;

    fn catalog(tables: &[(&str, &[&str])]) -> Catalog {
        Catalog::of_columns(tables)
    }

    /// A Lync 2010 database as published (legacy-groupchat.md), plus only the key columns of the unpublished
    /// tables: the fixtures' "published columns only" flavour, so the unit tests and the end-to-end tests
    /// (tests/published_columns.rs) speak of the same database.
    const PUBLISHED_2010: &[(&str, &[&str])] = chat_fixtures::PUBLISHED_ONLY_TABLES;

    fn without(
        base: &[(&'static str, &'static [&'static str])],
        table: &str,
        column: &str,
    ) -> Catalog {
        let owned: Vec<(&str, Vec<&str>)> = base
            .iter()
            .map(|(t, cols)| {
                let cols = cols
                    .iter()
                    .copied()
                    .filter(|c| !(t.eq_ignore_ascii_case(table) && c.eq_ignore_ascii_case(column)))
                    .collect();
                (*t, cols)
            })
            .filter(|(t, _)| !(column.is_empty() && t.eq_ignore_ascii_case(table)))
            .collect();
        let refs: Vec<(&str, &[&str])> = owned.iter().map(|(t, c)| (*t, c.as_slice())).collect();
        catalog(&refs)
    }

    #[test]
    fn a_published_columns_only_2010_database_has_everything_required() {
        let c = catalog(PUBLISHED_2010);
        assert!(is_legacy(&c));
        check_required(&c).expect("published 2010 columns suffice");
        let scope = select_list(&c, "tblScopePrincipal", SCOPE_COLUMNS_LEGACY).expect("scope");
        assert_eq!(scope, "[scopeNodeID], [scopePrinID]");
        let applied = defaults_applied(&c);
        for absent in [
            "tblScopePrincipal.scopeIsDenied",
            "tblNode.siopID",
            "tblPrincipal.prinAddedOn",
        ] {
            assert!(
                applied.iter().any(|a| a == absent),
                "{absent} in {applied:?}"
            );
        }
        for never in ["nodeGuid", "prinDisplayName", "rtf"] {
            assert!(!applied.iter().any(|a| a.ends_with(never)), "{applied:?}");
        }
    }

    #[test]
    fn a_2013_scope_still_needs_scope_is_denied() {
        let mgc: &[(&str, &[&str])] = &[
            ("tblPrincipalType", &["ptypeID", "ptypeDesc"]),
            (
                "tblPrincipal",
                &[
                    "prinID",
                    "prinGuid",
                    "prinUri",
                    "prinTypeID",
                    "prinDisabled",
                    "prinDisplayName",
                ],
            ),
            (
                "tblNode",
                &[
                    "nodeID", "nodeGuid", "parentID", "nodeType", "nodeName", "disabled",
                ],
            ),
            ("tblRoleType", &["rtypeID", "rtypeDesc"]),
            (
                "tblPrincipalRole",
                &["prinRoleNodeID", "prinRolePrinID", "prinRoleTypeID"],
            ),
            ("tblScopePrincipal", &["scopeNodeID", "scopePrinID"]),
            (
                "tblChat",
                &[
                    "channelId",
                    "chatId",
                    "chatDate",
                    "userId",
                    "content",
                    "rtf",
                ],
            ),
        ];
        let e = check_required(&catalog(mgc)).unwrap_err();
        assert_eq!(e.code(), "invalid_source_data");
        assert!(
            e.to_string()
                .contains("dbo.tblScopePrincipal.scopeIsDenied"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_required_column_names_table_column_need_and_fix() {
        let e = check_required(&without(PUBLISHED_2010, "tblNode", "disabled")).unwrap_err();
        assert_eq!(e.code(), "invalid_source_data");
        let text = e.to_string();
        assert!(text.contains("column dbo.tblNode.disabled"), "{text}");
        assert!(text.contains("rooms the administrator disabled"), "{text}");
        assert!(
            text.contains("-DBName") && text.contains("docs/schema-assumptions.md"),
            "{text}"
        );
        assert!(!text.contains("damaged"), "{text}");
        let e = check_required(&without(PUBLISHED_2010, "tblScopePrincipal", "")).unwrap_err();
        assert!(
            e.to_string()
                .contains("table dbo.tblScopePrincipal (needed to"),
            "{e}"
        );
    }

    #[test]
    fn every_unpublished_column_is_optional() {
        // Columns the published 2010 schema does not list (docs/schema-assumptions.md): none may be required,
        // except the keys of tables whose columns were never published.
        for (table, column) in [
            ("tblNode", "siopID"),
            ("tblNode", "nodeAddedBy"),
            ("tblNode", "nodeAddedOn"),
            ("tblNode", "nodeUpdatedBy"),
            ("tblNode", "nodeUpdatedOn"),
            ("tblPrincipal", "prinAddedOn"),
            ("tblPrincipal", "prinUpdatedOn"),
            ("tblPrincipal", "prinDisplayName"),
            ("tblScopePrincipal", "scopeIsDenied"),
            ("tblChat", "rtf"),
        ] {
            let (_, wanted) = required_reads(true)
                .into_iter()
                .find(|(t, _)| *t == table)
                .expect("table read");
            let want = wanted
                .iter()
                .find(|w| w.name == column)
                .expect("column read");
            assert!(!want.required(), "{table}.{column} must be optional");
        }
        for wanted in [ENUM_VALUE_COLUMNS, ADDIN_COLUMNS] {
            assert!(wanted.iter().all(|w| !w.required()));
        }
    }
}
