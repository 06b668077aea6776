//! The OCS 2007 R2 flavour as a CREATE script: the 2010 script with the optional columns
//! ([`crate::OCS_R2_ABSENT_COLUMNS`]) removed from the CREATE TABLE statements and from the
//! fixed-row INSERTs, followed by the non-ALTER batches of [`crate::OCS_R2_FLAVOUR_SQL`].
//!
//! This builds the flavour without `ALTER TABLE ... DROP COLUMN`, so it also works on servers
//! (such as the SQLite-backed stand-in) that do not support dropping columns.

use crate::{split_batches, LEGACY_2010_SQL, OCS_R2_ABSENT_COLUMNS, OCS_R2_FLAVOUR_SQL};

fn absent(table: &str, column: &str) -> bool {
    OCS_R2_ABSENT_COLUMNS
        .iter()
        .any(|(t, c)| t.eq_ignore_ascii_case(table) && c.eq_ignore_ascii_case(column))
}

/// `dbo.tblX (` / `dbo.tblX` -> `tblX`.
pub(crate) fn table_name(after_prefix: &str) -> String {
    after_prefix
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The OCS 2007 R2 flavour schema script (GO-separated batches).
pub fn ocs_r2_schema_sql() -> String {
    let mut out = String::with_capacity(LEGACY_2010_SQL.len());
    let mut create_table: Option<String> = None;
    let mut insert: Option<String> = None;
    for line in LEGACY_2010_SQL.split_inclusive('\n') {
        let t = line.trim_start();
        if let Some(stmt) = insert.as_mut() {
            stmt.push_str(line);
            if line.trim_end().ends_with(';') {
                out.push_str(&rewrite_insert(stmt, &absent));
                insert = None;
            }
            continue;
        }
        if let Some(rest) = t.strip_prefix("CREATE TABLE dbo.") {
            create_table = Some(table_name(rest));
        } else if t.starts_with(");") {
            create_table = None;
        } else if let Some(table) = &create_table {
            let first = t.split_whitespace().next().unwrap_or("");
            if absent(table, first) {
                continue;
            }
        }
        if t.starts_with("INSERT INTO dbo.") {
            if line.trim_end().ends_with(';') {
                out.push_str(&rewrite_insert(line, &absent));
            } else {
                insert = Some(line.to_string());
            }
            continue;
        }
        out.push_str(line);
    }
    for batch in split_batches(OCS_R2_FLAVOUR_SQL) {
        if !batch.to_ascii_uppercase().contains("ALTER TABLE") {
            out.push_str(&batch);
            out.push_str("GO\n");
        }
    }
    out
}

/// Splits `s` at top-level commas (outside quotes and parentheses).
pub(crate) fn split_top(s: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut quoted = false;
    for ch in s.chars() {
        match ch {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                items.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    if !cur.trim().is_empty() {
        items.push(cur.trim().to_string());
    }
    items
}

/// Returns the top-level parenthesised groups of `s` (contents without the parentheses).
pub(crate) fn groups(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quoted = false;
    let mut cur = String::new();
    for ch in s.chars() {
        if ch == '\'' {
            quoted = !quoted;
        }
        if !quoted && ch == '(' {
            depth += 1;
            if depth == 1 {
                continue;
            }
        }
        if !quoted && ch == ')' {
            depth -= 1;
            if depth == 0 {
                out.push(std::mem::take(&mut cur));
                continue;
            }
        }
        if depth >= 1 {
            cur.push(ch);
        }
    }
    out
}

/// Drops the columns `absent(table, column)` names (and their values) from
/// `INSERT INTO dbo.T (cols) VALUES (...), ...;`.
pub(crate) fn rewrite_insert(stmt: &str, absent: &dyn Fn(&str, &str) -> bool) -> String {
    let rest = stmt.trim_start().trim_start_matches("INSERT INTO dbo.");
    let table = table_name(rest);
    let upper = stmt.to_ascii_uppercase();
    let Some(values_at) = upper.find("VALUES") else {
        return stmt.to_string();
    };
    let head = &stmt[..values_at];
    let tail = &stmt[values_at + "VALUES".len()..];
    let cols = groups(head)
        .into_iter()
        .next()
        .map(|g| split_top(&g))
        .unwrap_or_default();
    let keep: Vec<bool> = cols.iter().map(|c| !absent(&table, c)).collect();
    if keep.iter().all(|k| *k) {
        return stmt.to_string();
    }
    let pick = |items: Vec<String>| -> String {
        items
            .into_iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(v, _)| v)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rows: Vec<String> = groups(tail)
        .into_iter()
        .map(|g| format!("    ({})", pick(split_top(&g))))
        .collect();
    let indent: String = stmt.chars().take_while(|c| c.is_whitespace()).collect();
    format!(
        "{indent}INSERT INTO dbo.{table} ({}) VALUES\n{};\n",
        pick(cols),
        rows.join(",\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_inserts_and_creates() {
        let s = ocs_r2_schema_sql();
        for (t, c) in OCS_R2_ABSENT_COLUMNS {
            let start = s.find(&format!("CREATE TABLE dbo.{t} (")).unwrap();
            let body = &s[start..start + s[start..].find(");").unwrap()];
            assert!(
                !body.contains(&format!("\n    {c} ")),
                "{t}.{c} still created"
            );
            for (i, _) in s.match_indices(&format!("INSERT INTO dbo.{t} (")) {
                let cols = &s[i..i + s[i..].find(')').unwrap()];
                assert!(!cols.contains(c), "{t}.{c} still inserted");
            }
        }
        assert!(s.contains("(7, N'FederatedUser', 0, 1)"));
        assert!(s.contains("(1, N'Manager', 16372)"));
        assert!(s.contains("N'3.5.6907.0'"));
        assert!(s.contains("SET IDENTITY_INSERT dbo.tblNode ON"));
        assert_eq!(
            split_top("1, N'a, b', f(x, y), NULL"),
            vec!["1", "N'a, b'", "f(x, y)", "NULL"]
        );
        assert_eq!(
            groups("(a, (b)), ('x)')"),
            vec!["a, (b)".to_string(), "'x)'".to_string()]
        );
    }
}
