//! T-SQL AST (sqlparser) -> SQLite AST/SQL translation, type inference and rejection of non-T-SQL.

use crate::engine::{Params, SqlErr};
use crate::types::SqlType;
use crate::StandinConfig;
use rusqlite::Connection;
use sqlparser::ast::*;
use sqlparser::tokenizer::Span;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct CatCol {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    pub identity: bool,
}

#[derive(Debug, Clone)]
pub struct TableCat {
    pub name: String,
    pub cols: Vec<CatCol>,
    pub identity: Option<String>,
}

pub struct Ctx<'a> {
    pub conn: &'a Connection,
    pub cache: &'a mut HashMap<String, Option<TableCat>>,
    pub params: &'a Params,
    pub vars: &'a Params,
    pub config: &'a StandinConfig,
    pub spid: u16,
    pub rowcount: i64,
    pub trancount: u32,
    /// (alias or table name, table name) per nested SELECT
    pub scopes: Vec<Vec<(String, String)>>,
    /// derived tables (`(SELECT ...) AS x`) of this statement, by DERIVED_PREFIX + alias
    pub derived: HashMap<String, TableCat>,
}

const DERIVED_PREFIX: &str = "\u{1}derived:";

#[derive(Default)]
pub struct QInfo {
    pub types: Vec<Option<SqlType>>,
    pub names: Vec<Option<String>>,
    pub wildcard: bool,
}

impl QInfo {
    pub fn get(&self, i: usize) -> Option<Option<SqlType>> {
        self.types.get(i).cloned()
    }
}

fn static_cat(table: &str) -> Option<TableCat> {
    let nv = |n: &str| CatCol {
        name: n.into(),
        ty: SqlType::NVarChar(Some(128)),
        nullable: true,
        identity: false,
    };
    let it = |n: &str| CatCol {
        name: n.into(),
        ty: SqlType::Int,
        nullable: true,
        identity: false,
    };
    let cols = match table {
        "__is_tables" => vec![
            nv("TABLE_CATALOG"),
            nv("TABLE_SCHEMA"),
            nv("TABLE_NAME"),
            CatCol {
                ty: SqlType::VarChar(Some(10)),
                ..nv("TABLE_TYPE")
            },
        ],
        "__is_columns" => vec![
            nv("TABLE_CATALOG"),
            nv("TABLE_SCHEMA"),
            nv("TABLE_NAME"),
            nv("COLUMN_NAME"),
            it("ORDINAL_POSITION"),
            CatCol {
                ty: SqlType::NVarChar(Some(4000)),
                ..nv("COLUMN_DEFAULT")
            },
            CatCol {
                ty: SqlType::VarChar(Some(3)),
                ..nv("IS_NULLABLE")
            },
            nv("DATA_TYPE"),
            it("CHARACTER_MAXIMUM_LENGTH"),
            it("CHARACTER_OCTET_LENGTH"),
            CatCol {
                ty: SqlType::TinyInt,
                ..it("NUMERIC_PRECISION")
            },
            it("NUMERIC_SCALE"),
            CatCol {
                ty: SqlType::SmallInt,
                ..it("DATETIME_PRECISION")
            },
        ],
        "__sys_tables" => vec![
            nv("name"),
            it("object_id"),
            it("schema_id"),
            CatCol {
                ty: SqlType::Char(Some(2)),
                ..nv("type")
            },
        ],
        "__sys_columns" => vec![
            it("object_id"),
            nv("name"),
            it("column_id"),
            CatCol {
                ty: SqlType::Bit,
                ..it("is_nullable")
            },
            CatCol {
                ty: SqlType::Bit,
                ..it("is_identity")
            },
        ],
        "__sys_objects" => vec![
            nv("name"),
            it("object_id"),
            CatCol {
                ty: SqlType::Int,
                ..nv("principal_id")
            },
            it("schema_id"),
            it("parent_object_id"),
            CatCol {
                ty: SqlType::Char(Some(2)),
                ..nv("type")
            },
            CatCol {
                ty: SqlType::NVarChar(Some(60)),
                ..nv("type_desc")
            },
            CatCol {
                ty: SqlType::Bit,
                ..it("is_ms_shipped")
            },
        ],
        "__sys_schemas" => vec![nv("name"), it("schema_id"), it("principal_id")],
        "__sys_databases" => vec![
            nv("name"),
            it("database_id"),
            CatCol {
                ty: SqlType::TinyInt,
                ..it("state")
            },
            CatCol {
                ty: SqlType::NVarChar(Some(60)),
                ..nv("state_desc")
            },
            CatCol {
                ty: SqlType::DateTime,
                ..it("create_date")
            },
            CatCol {
                ty: SqlType::TinyInt,
                ..it("user_access")
            },
        ],
        "__sys_identity_columns" => vec![
            it("object_id"),
            nv("name"),
            it("column_id"),
            it("seed_value"),
            it("increment_value"),
            it("last_value"),
        ],
        // msdb.dbo.backupset (engine::MSDB_BACKUPSET_SQL), read through the session's view of msdb.
        "__msdb_backupset" => vec![
            it("backup_set_id"),
            nv("database_name"),
            CatCol {
                ty: SqlType::Char(Some(1)),
                ..nv("type")
            },
            CatCol {
                ty: SqlType::DateTime,
                ..it("backup_start_date")
            },
            CatCol {
                ty: SqlType::DateTime,
                ..it("backup_finish_date")
            },
        ],
        _ => return None,
    };
    Some(TableCat {
        name: table.into(),
        cols,
        identity: None,
    })
}

pub fn load_table_cat(conn: &Connection, table: &str) -> Option<TableCat> {
    if let Some(c) = static_cat(&table.to_lowercase()) {
        return Some(c);
    }
    let name: String = conn
        .query_row(
            "SELECT name FROM __standin_tables WHERE name = ?1 AND type IN ('U','V')",
            [table],
            |r| r.get(0),
        )
        .ok()?;
    let mut st = conn
        .prepare("SELECT column_name, type_decl, is_nullable, is_identity FROM __standin_columns WHERE table_name = ?1 ORDER BY ordinal")
        .ok()?;
    let cols: Vec<CatCol> = st
        .query_map([&name], |r| {
            let decl: String = r.get(1)?;
            Ok(CatCol {
                name: r.get(0)?,
                ty: SqlType::parse(&decl, true).unwrap_or(SqlType::NVarChar(None)),
                nullable: r.get::<_, i64>(2)? != 0,
                identity: r.get::<_, i64>(3)? != 0,
            })
        })
        .ok()?
        .filter_map(|c| c.ok())
        .collect();
    let identity = cols.iter().find(|c| c.identity).map(|c| c.name.clone());
    Some(TableCat {
        name,
        cols,
        identity,
    })
}

impl Ctx<'_> {
    fn cat(&mut self, t: &str) -> Option<TableCat> {
        let key = t.to_lowercase();
        if key.starts_with(DERIVED_PREFIX) {
            return self.derived.get(&key).cloned();
        }
        if let Some(c) = self.cache.get(&key) {
            return c.clone();
        }
        let c = load_table_cat(self.conn, t);
        self.cache.insert(key, c.clone());
        c
    }

    fn col_type(&mut self, qual: Option<&str>, col: &str) -> Option<SqlType> {
        let scopes: Vec<Vec<(String, String)>> = self.scopes.iter().rev().cloned().collect();
        for scope in scopes {
            for (alias, table) in scope {
                if let Some(q) = qual {
                    if !q.eq_ignore_ascii_case(&alias) && !q.eq_ignore_ascii_case(&table) {
                        continue;
                    }
                }
                if let Some(cat) = self.cat(&table) {
                    if let Some(c) = cat.cols.iter().find(|c| c.name.eq_ignore_ascii_case(col)) {
                        return Some(c.ty.clone());
                    }
                }
            }
        }
        None
    }

    fn var_type(&self, name: &str) -> Option<SqlType> {
        let k = name.to_lowercase();
        self.params
            .get(&k)
            .or_else(|| self.vars.get(&k))
            .map(|v| v.0.clone())
    }
}

// ---------------------------------------------------------------- names

pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `dbo.t`, `[dbo].[t]`, `db.dbo.t` -> `t`; `INFORMATION_SCHEMA.COLUMNS` -> `__is_columns`.
pub fn base_name(n: &ObjectName) -> String {
    let parts: Vec<String> =
        n.0.iter()
            .map(|p| match p {
                ObjectNamePart::Identifier(i) => i.value.clone(),
                other => other.to_string(),
            })
            .collect();
    map_parts(&parts)
}

fn map_parts(parts: &[String]) -> String {
    let last = parts.last().cloned().unwrap_or_default();
    // `msdb.dbo.x` from any database: the session's view of msdb's table (engine::attach_msdb).
    if parts.len() >= 3 && parts[parts.len() - 3].eq_ignore_ascii_case("msdb") {
        return format!("__msdb_{}", last.to_lowercase());
    }
    if parts.len() >= 2 {
        let schema = parts[parts.len() - 2].to_lowercase();
        if schema == "information_schema" {
            return format!("__is_{}", last.to_lowercase());
        }
        if schema == "sys" {
            return format!("__sys_{}", last.to_lowercase());
        }
    }
    last
}

pub fn base_name_text(s: &str) -> String {
    let parts: Vec<String> = s
        .split('.')
        .map(|p| {
            p.trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim_matches('"')
                .to_string()
        })
        .collect();
    map_parts(&parts)
}

fn set_name(n: &mut ObjectName, new: &str) {
    *n = ObjectName(vec![ObjectNamePart::Identifier(Ident::with_quote(
        '"', new,
    ))]);
}

// ---------------------------------------------------------------- parsing helpers

/// Token-level clean-ups for T-SQL sqlparser does not accept.
pub fn pre_clean(sql: &str) -> String {
    let sql = expand_drop_column_lists(sql);
    let sql = sql.as_str();
    // CLUSTERED/NONCLUSTERED index options and `DELETE t` without FROM.
    let mut out = String::with_capacity(sql.len());
    let mut prev_upper = String::new();
    let mut in_str = false;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String, prev: &mut String| {
        if word.is_empty() {
            return;
        }
        let up = word.to_ascii_uppercase();
        if (up == "CLUSTERED" || up == "NONCLUSTERED")
            && matches!(prev.as_str(), "UNIQUE" | "KEY" | "CREATE")
        {
            // drop the word
        } else {
            out.push_str(word);
        }
        *prev = up;
        word.clear();
    };
    for c in sql.chars() {
        if in_str {
            out.push(c);
            if c == '\'' {
                in_str = false;
            }
            continue;
        }
        if c.is_alphanumeric() || c == '_' || c == '@' || c == '#' {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out, &mut prev_upper);
        if c == '\'' {
            in_str = true;
        }
        out.push(c);
    }
    flush(&mut word, &mut out, &mut prev_upper);
    out
}

/// `DROP COLUMN a, b` (T-SQL) -> `DROP COLUMN a, DROP COLUMN b`, which sqlparser's MsSqlDialect
/// accepts.
fn expand_drop_column_lists(sql: &str) -> String {
    if !sql
        .as_bytes()
        .windows(6)
        .any(|w| w.eq_ignore_ascii_case(b"COLUMN"))
    {
        return sql.to_string();
    }
    // tokens: (is_identifier_like, text)
    let cs: Vec<char> = sql.chars().collect();
    let mut toks: Vec<(u8, String)> = Vec::new(); // 0 space/comment, 1 word, 2 quoted ident, 3 other
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        let start = i;
        let kind;
        if c.is_whitespace() {
            while i < cs.len() && cs[i].is_whitespace() {
                i += 1;
            }
            kind = 0;
        } else if c == '-' && cs.get(i + 1) == Some(&'-') {
            while i < cs.len() && cs[i] != '\n' {
                i += 1;
            }
            kind = 0;
        } else if c == '/' && cs.get(i + 1) == Some(&'*') {
            i += 2;
            while i < cs.len() && !(cs[i] == '*' && cs.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i = (i + 2).min(cs.len());
            kind = 0;
        } else if c == '\'' || c == '[' || c == '"' {
            let close = if c == '[' { ']' } else { c };
            i += 1;
            loop {
                if i >= cs.len() {
                    break;
                }
                if cs[i] == close {
                    if cs.get(i + 1) == Some(&close) {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
            kind = if c == '\'' { 3 } else { 2 };
        } else if c.is_alphanumeric() || c == '_' || c == '@' || c == '#' {
            while i < cs.len()
                && (cs[i].is_alphanumeric() || matches!(cs[i], '_' | '@' | '#' | '$'))
            {
                i += 1;
            }
            kind = 1;
        } else {
            i += 1;
            kind = 3;
        }
        toks.push((kind, cs[start..i].iter().collect()));
    }
    let next = |from: usize| (from..toks.len()).find(|&j| toks[j].0 != 0);
    let is_word = |j: usize, w: &str| toks[j].0 == 1 && toks[j].1.eq_ignore_ascii_case(w);
    let mut inserts = Vec::new();
    let mut j = 0;
    while j < toks.len() {
        if is_word(j, "DROP") {
            if let Some(k) = next(j + 1).filter(|&k| is_word(k, "COLUMN")) {
                let mut k = next(k + 1);
                if let Some(x) = k.filter(|&x| is_word(x, "IF")) {
                    k = next(x + 1)
                        .filter(|&y| is_word(y, "EXISTS"))
                        .and_then(|y| next(y + 1));
                }
                // k: first column name
                while let Some(name) = k.filter(|&x| matches!(toks[x].0, 1 | 2)) {
                    let Some(comma) = next(name + 1).filter(|&x| toks[x].1 == ",") else {
                        break;
                    };
                    let Some(n2) = next(comma + 1) else { break };
                    let keyword = toks[n2].0 == 1
                        && matches!(
                            toks[n2].1.to_ascii_uppercase().as_str(),
                            "DROP"
                                | "ADD"
                                | "ALTER"
                                | "CONSTRAINT"
                                | "CHECK"
                                | "NOCHECK"
                                | "WITH"
                                | "SET"
                                | "ENABLE"
                                | "DISABLE"
                                | "SWITCH"
                                | "REBUILD"
                                | "COLUMN"
                                | "PERIOD"
                        );
                    if keyword || !matches!(toks[n2].0, 1 | 2) {
                        break;
                    }
                    inserts.push(n2);
                    k = Some(n2);
                }
            }
        }
        j += 1;
    }
    if inserts.is_empty() {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + inserts.len() * 12);
    for (idx, t) in toks.iter().enumerate() {
        if inserts.contains(&idx) {
            out.push_str("DROP COLUMN ");
        }
        out.push_str(&t.1);
    }
    out
}

pub fn parse_error(msg: &str) -> SqlErr {
    let near = msg
        .split("found: ")
        .nth(1)
        .map(|s| s.split(" at Line").next().unwrap_or(s).trim().to_string())
        .unwrap_or_default();
    let near = if near == "EOF" { String::new() } else { near };
    SqlErr::syntax(&near)
}

fn ident_fn(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name: ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
                .collect(),
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

fn str_lit(s: &str) -> Expr {
    Expr::Value(Value::SingleQuotedString(s.to_string()).with_empty_span())
}

fn num_lit(n: i64) -> Expr {
    Expr::Value(Value::Number(n.to_string(), false).with_empty_span())
}

fn null_lit() -> Expr {
    Expr::Value(Value::Null.with_empty_span())
}

fn parse_sql_expr(s: &str) -> Result<Expr, SqlErr> {
    sqlparser::parser::Parser::new(&sqlparser::dialect::GenericDialect {})
        .try_with_sql(s)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| SqlErr::internal(format!("stand-in internal expression error: {e}")))
}

fn major_version(cfg: &StandinConfig) -> u32 {
    cfg.product_version
        .split('.')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

// ---------------------------------------------------------------- rejection

/// Rejects constructs SQL Server would not accept (walks the statement text's AST).
pub fn reject_non_tsql(st: &Statement, cfg: &StandinConfig) -> Result<(), SqlErr> {
    match st {
        Statement::Insert(i) if i.returning.is_some() => return Err(SqlErr::syntax("RETURNING")),
        Statement::Update(u) if u.returning.is_some() => return Err(SqlErr::syntax("RETURNING")),
        Statement::Delete(d) if d.returning.is_some() => return Err(SqlErr::syntax("RETURNING")),
        _ => {}
    }
    let _ = cfg;
    Ok(())
}

fn check_query_clauses(ctx: &Ctx<'_>, q: &mut Query) -> Result<(), SqlErr> {
    if let Some(lc) = &q.limit_clause {
        match lc {
            LimitClause::LimitOffset { limit: Some(_), .. } => return Err(SqlErr::syntax("LIMIT")),
            LimitClause::OffsetCommaLimit { .. } => return Err(SqlErr::syntax("LIMIT")),
            LimitClause::LimitOffset {
                offset: Some(_), ..
            } => {
                if major_version(ctx.config) < 11 {
                    return Err(SqlErr::syntax("OFFSET"));
                }
                if q.order_by.is_none() {
                    return Err(SqlErr::new(
                        102,
                        15,
                        "Incorrect syntax near 'OFFSET'. (OFFSET requires ORDER BY)",
                    ));
                }
            }
            _ => {}
        }
    }
    if q.fetch.is_some() {
        let has_offset = matches!(
            &q.limit_clause,
            Some(LimitClause::LimitOffset {
                offset: Some(_),
                ..
            })
        );
        if !has_offset || major_version(ctx.config) < 11 {
            return Err(SqlErr::syntax("FETCH"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- expressions

fn dt_of(dt: &DataType) -> Option<SqlType> {
    SqlType::parse(&dt.to_string(), false)
}

fn literal_type(v: &Value) -> Option<SqlType> {
    Some(match v {
        Value::Number(n, _) => {
            if n.contains('.') || n.contains('e') || n.contains('E') {
                SqlType::Float
            } else if n.parse::<i32>().is_ok() {
                SqlType::Int
            } else {
                SqlType::BigInt
            }
        }
        Value::SingleQuotedString(s) => {
            SqlType::VarChar(Some(s.chars().count().clamp(1, 8000) as u16))
        }
        Value::NationalStringLiteral(s) => {
            SqlType::NVarChar(Some(s.chars().count().clamp(1, 4000) as u16))
        }
        Value::HexStringLiteral(_) => SqlType::VarBinary(Some(8000)),
        Value::Null => SqlType::Int,
        _ => return None,
    })
}

fn wider(a: Option<SqlType>, b: Option<SqlType>) -> Option<SqlType> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.rank() > a.rank() { b } else { a }),
        (a, b) => a.or(b),
    }
}

fn func_args(f: &mut Function) -> Vec<&mut Expr> {
    match &mut f.args {
        FunctionArguments::List(l) => l
            .args
            .iter_mut()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                FunctionArg::Named {
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => Some(e),
                FunctionArg::ExprNamed {
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } => Some(e),
                _ => None,
            })
            .collect(),
        _ => vec![],
    }
}

fn func_name(f: &Function) -> String {
    f.name
        .0
        .last()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => i.value.clone(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

fn rename(f: &mut Function, name: &str) {
    f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))]);
}

fn cast_to(e: Expr, ty: &SqlType) -> Expr {
    match ty {
        t if t.is_datetime() => ident_fn("t_datetime", vec![e]),
        SqlType::Guid => ident_fn("t_guid", vec![e]),
        t => {
            let c = Expr::Cast {
                kind: CastKind::Cast,
                expr: Box::new(e),
                data_type: DataType::Custom(
                    ObjectName(vec![ObjectNamePart::Identifier(Ident::new(
                        t.sqlite_affinity(),
                    ))]),
                    vec![],
                ),
                format: None,
            };
            match t {
                SqlType::NVarChar(Some(n))
                | SqlType::VarChar(Some(n))
                | SqlType::NChar(Some(n))
                | SqlType::Char(Some(n)) => {
                    ident_fn("substr", vec![c, num_lit(1), num_lit(*n as i64)])
                }
                SqlType::Bit => Expr::Nested(Box::new(Expr::BinaryOp {
                    left: Box::new(c),
                    op: BinaryOperator::NotEq,
                    right: Box::new(num_lit(0)),
                })),
                _ => c,
            }
        }
    }
}

/// CAST/CONVERT knowing the source type: between nvarchar and varbinary SQL Server reinterprets the UTF-16LE
/// bytes (SQLite would use UTF-8), and values that are not valid UTF-16 must survive both ways.
fn cast_from_to(e: Expr, src: Option<&SqlType>, ty: &SqlType) -> Expr {
    let src_unicode = src.is_some_and(SqlType::is_unicode);
    let src_binary = matches!(src, Some(SqlType::VarBinary(_) | SqlType::Binary(_)));
    match ty {
        SqlType::VarBinary(_) | SqlType::Binary(_) if src_unicode => {
            ident_fn("t_nvarchar_bytes", vec![e])
        }
        SqlType::NVarChar(n) | SqlType::NChar(n) if src_binary => {
            let limit = n.map(i64::from).unwrap_or(-1);
            ident_fn("t_bytes_nvarchar", vec![e, num_lit(limit)])
        }
        _ => cast_to(e, ty),
    }
}

fn ident_to_string_arg(e: &mut Expr) {
    if let Expr::Identifier(i) = e {
        *e = str_lit(&i.value);
    }
}

/// Translates an expression in place; returns its inferred SQL Server type.
pub fn expr(ctx: &mut Ctx<'_>, e: &mut Expr) -> Result<Option<SqlType>, SqlErr> {
    let ty: Option<SqlType> = match e {
        Expr::Identifier(id) => {
            if id.quote_style == Some('`') {
                return Err(SqlErr::syntax("`"));
            }
            let v = id.value.clone();
            if let Some(g) = v.strip_prefix("@@") {
                let (ne, t) = match g.to_ascii_uppercase().as_str() {
                    "VERSION" => (
                        str_lit(&crate::engine::version_string(ctx.config)),
                        SqlType::NVarChar(Some(300)),
                    ),
                    "SPID" => (num_lit(ctx.spid as i64), SqlType::SmallInt),
                    "ROWCOUNT" => (num_lit(ctx.rowcount), SqlType::Int),
                    "TRANCOUNT" => (num_lit(ctx.trancount as i64), SqlType::Int),
                    "ERROR" => (num_lit(0), SqlType::Int),
                    "IDENTITY" => (
                        ident_fn("t_scope_identity", vec![]),
                        SqlType::Decimal(38, 0),
                    ),
                    "SERVERNAME" => (str_lit("STANDIN"), SqlType::NVarChar(Some(128))),
                    "LANGUAGE" => (str_lit("us_english"), SqlType::NVarChar(Some(128))),
                    "MICROSOFTVERSION" => (num_lit(0x0A32_1770), SqlType::Int),
                    _ => {
                        return Err(SqlErr::new(
                            137,
                            15,
                            format!("Must declare the scalar variable \"{v}\"."),
                        ))
                    }
                };
                *e = ne;
                Some(t)
            } else if v.starts_with('@') {
                let t = ctx.var_type(&v);
                if t.is_none() {
                    return Err(SqlErr::new(
                        137,
                        15,
                        format!("Must declare the scalar variable \"{v}\"."),
                    ));
                }
                t
            } else {
                let up = v.to_ascii_uppercase();
                if id.quote_style.is_none() && (up == "TRUE" || up == "FALSE") {
                    return Err(SqlErr::new(207, 16, format!("Invalid column name '{v}'.")));
                }
                if id.quote_style.is_none() && up == "CURRENT_TIMESTAMP" {
                    *e = ident_fn("t_getdate", vec![]);
                    return Ok(Some(SqlType::DateTime));
                }
                ctx.col_type(None, &v)
            }
        }
        Expr::CompoundIdentifier(parts) => {
            if parts.iter().any(|p| p.quote_style == Some('`')) {
                return Err(SqlErr::syntax("`"));
            }
            let col = parts.last().map(|p| p.value.clone()).unwrap_or_default();
            let qual = if parts.len() >= 2 {
                Some(parts[parts.len() - 2].value.clone())
            } else {
                None
            };
            // drop schema/db qualifiers: keep alias.col
            if parts.len() > 2 {
                let keep = parts.split_off(parts.len() - 2);
                *parts = keep;
            }
            ctx.col_type(qual.as_deref(), &col)
        }
        Expr::Value(v) => {
            let t = literal_type(&v.value);
            match &v.value {
                Value::NationalStringLiteral(s) => v.value = Value::SingleQuotedString(s.clone()),
                Value::Boolean(b) => {
                    return Err(SqlErr::new(
                        207,
                        16,
                        format!(
                            "Invalid column name '{}'.",
                            if *b { "TRUE" } else { "FALSE" }
                        ),
                    ))
                }
                Value::DoubleQuotedString(s) => {
                    return Err(SqlErr::new(207, 16, format!("Invalid column name '{s}'.")))
                }
                Value::Placeholder(p) if p.starts_with('$') || p == "?" => {
                    return Err(SqlErr::syntax(p))
                }
                _ => {}
            }
            t
        }
        Expr::Nested(inner) => expr(ctx, inner)?,
        Expr::UnaryOp { expr: inner, .. } => expr(ctx, inner)?,
        Expr::BinaryOp { left, op, right } => {
            if matches!(op, BinaryOperator::StringConcat) {
                return Err(SqlErr::syntax("|"));
            }
            if matches!(
                op,
                BinaryOperator::PGExp | BinaryOperator::Arrow | BinaryOperator::LongArrow
            ) {
                return Err(SqlErr::syntax(&op.to_string()));
            }
            let lt = expr(ctx, left)?;
            let rt = expr(ctx, right)?;
            match op {
                BinaryOperator::Plus => {
                    let ls = lt.as_ref().is_some_and(|t| t.is_string());
                    let rs = rt.as_ref().is_some_and(|t| t.is_string());
                    if ls || rs {
                        *op = BinaryOperator::StringConcat;
                        let uni = lt.as_ref().is_some_and(|t| t.is_unicode())
                            || rt.as_ref().is_some_and(|t| t.is_unicode());
                        Some(if uni {
                            SqlType::NVarChar(Some(4000))
                        } else {
                            SqlType::VarChar(Some(8000))
                        })
                    } else if lt.as_ref().is_some_and(|t| t.is_datetime()) {
                        lt
                    } else {
                        wider(lt, rt)
                    }
                }
                BinaryOperator::Minus
                | BinaryOperator::Multiply
                | BinaryOperator::Divide
                | BinaryOperator::Modulo => wider(lt, rt),
                BinaryOperator::BitwiseAnd
                | BinaryOperator::BitwiseOr
                | BinaryOperator::BitwiseXor => wider(lt, rt),
                _ => Some(SqlType::Int),
            }
        }
        Expr::IsNull(i) | Expr::IsNotNull(i) => {
            expr(ctx, i)?;
            Some(SqlType::Int)
        }
        Expr::IsTrue(_) | Expr::IsFalse(_) | Expr::IsNotTrue(_) | Expr::IsNotFalse(_) => {
            return Err(SqlErr::syntax("IS"))
        }
        Expr::In {
            expr: i, target, ..
        } => {
            expr(ctx, i)?;
            match target {
                InTarget::List(list) => {
                    for x in list.iter_mut() {
                        expr(ctx, x)?;
                    }
                }
                InTarget::Subquery(q) => {
                    query(ctx, q)?;
                }
                _ => return Err(SqlErr::syntax("IN")),
            }
            Some(SqlType::Int)
        }
        Expr::Between {
            expr: i, low, high, ..
        } => {
            expr(ctx, i)?;
            expr(ctx, low)?;
            expr(ctx, high)?;
            Some(SqlType::Int)
        }
        Expr::Like {
            expr: i,
            pattern,
            escape_char,
            any,
            ..
        } => {
            if *any {
                return Err(SqlErr::syntax("ANY"));
            }
            expr(ctx, i)?;
            expr(ctx, pattern)?;
            if let Some(es) = escape_char {
                expr(ctx, es)?;
            }
            Some(SqlType::Int)
        }
        Expr::ILike { .. } => return Err(SqlErr::syntax("ILIKE")),
        Expr::SimilarTo { .. } => return Err(SqlErr::syntax("SIMILAR")),
        Expr::RLike { .. } => return Err(SqlErr::syntax("RLIKE")),
        Expr::Cast {
            kind,
            expr: inner,
            data_type,
            ..
        } => {
            if !matches!(kind, CastKind::Cast | CastKind::TryCast) {
                return Err(SqlErr::syntax("::"));
            }
            let src = expr(ctx, inner)?;
            let t = dt_of(data_type).ok_or_else(|| {
                SqlErr::new(
                    243,
                    16,
                    format!("Type {data_type} is not a defined system type."),
                )
            })?;
            let inner = std::mem::replace(inner.as_mut(), null_lit());
            *e = cast_from_to(inner, src.as_ref(), &t);
            Some(t)
        }
        Expr::Convert {
            expr: inner,
            data_type,
            styles,
            ..
        } => {
            let src = expr(ctx, inner)?;
            let dt = data_type.clone().ok_or_else(|| SqlErr::syntax("CONVERT"))?;
            let t = dt_of(&dt).ok_or_else(|| {
                SqlErr::new(243, 16, format!("Type {dt} is not a defined system type."))
            })?;
            let style = match styles.first() {
                Some(st) => Some(const_i64(st).ok_or_else(|| SqlErr::syntax("CONVERT"))?),
                None => None,
            };
            let inner = std::mem::replace(inner.as_mut(), null_lit());
            *e = match (style, &src) {
                (Some(style), Some(src)) if t.is_string() && src.is_datetime() => {
                    if !crate::types::datetime_style_known(style) {
                        return Err(SqlErr::new(
                            281,
                            16,
                            format!("{style} is not a valid style number when converting from {} to a character string.", src.name()),
                        ));
                    }
                    let styled = ident_fn(
                        "t_dtstyle",
                        vec![inner, num_lit(style), str_lit(&src.decl())],
                    );
                    cast_to(styled, &t)
                }
                _ => cast_from_to(inner, src.as_ref(), &t),
            };
            Some(t)
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            if let Some(o) = operand {
                expr(ctx, o)?;
            }
            let mut t = None;
            for c in conditions.iter_mut() {
                expr(ctx, &mut c.condition)?;
                let rt = expr(ctx, &mut c.result)?;
                t = t.or(rt);
            }
            if let Some(er) = else_result {
                let rt = expr(ctx, er)?;
                t = t.or(rt);
            }
            t
        }
        Expr::Exists { subquery, .. } => {
            query(ctx, subquery)?;
            Some(SqlType::Int)
        }
        Expr::Subquery(q) => {
            let info = query(ctx, q)?;
            info.types.first().cloned().flatten()
        }
        Expr::Tuple(list) => {
            for x in list.iter_mut() {
                expr(ctx, x)?;
            }
            None
        }
        Expr::Substring {
            expr: i,
            substring_from,
            substring_for,
            ..
        } => {
            let t = expr(ctx, i)?;
            if let Some(f) = substring_from {
                expr(ctx, f)?;
            }
            if let Some(f) = substring_for {
                expr(ctx, f)?;
            }
            t
        }
        Expr::Trim {
            expr: i, trim_what, ..
        } => {
            if let Some(w) = trim_what {
                expr(ctx, w)?;
            }
            expr(ctx, i)?
        }
        Expr::Ceil { expr: i, .. } | Expr::Floor { expr: i, .. } => expr(ctx, i)?,
        Expr::Collate { expr: i, .. } => {
            let t = expr(ctx, i)?;
            let inner = std::mem::replace(i.as_mut(), null_lit());
            *e = inner;
            t
        }
        Expr::Function(_) => return function(ctx, e),
        Expr::Wildcard(_) | Expr::QualifiedWildcard(..) => None,
        Expr::TypedString(_) => return Err(SqlErr::syntax("'")),
        Expr::Array(_)
        | Expr::Map(_)
        | Expr::Dictionary(_)
        | Expr::Struct { .. }
        | Expr::Lambda(_)
        | Expr::JsonAccess { .. }
        | Expr::CompoundFieldAccess { .. } => {
            return Err(SqlErr::syntax(
                &e.to_string().chars().take(10).collect::<String>(),
            ))
        }
        Expr::Interval(_) => return Err(SqlErr::syntax("INTERVAL")),
        Expr::AtTimeZone { .. } => return Err(SqlErr::syntax("AT")),
        _ => None,
    };
    let _ = Span::empty();
    Ok(ty)
}

fn function(ctx: &mut Ctx<'_>, e: &mut Expr) -> Result<Option<SqlType>, SqlErr> {
    let Expr::Function(f) = e else {
        return Ok(None);
    };
    let name = func_name(f).to_ascii_uppercase();
    if let Some(over) = &mut f.over {
        match over {
            WindowType::WindowSpec(ws) => {
                for p in ws.partition_by.iter_mut() {
                    expr(ctx, p)?;
                }
                for o in ws.order_by.iter_mut() {
                    expr(ctx, &mut o.expr)?;
                }
                let ranking = matches!(
                    name.as_str(),
                    "ROW_NUMBER" | "RANK" | "DENSE_RANK" | "NTILE"
                );
                if ranking && ws.order_by.is_empty() {
                    return Err(SqlErr::new(
                        4112,
                        16,
                        format!(
                            "The function '{}' must have an OVER clause with ORDER BY.",
                            name.to_lowercase()
                        ),
                    ));
                }
                if ws.window_frame.is_some() {
                    // ROWS/RANGE frames arrived in SQL Server 2012
                    if major_version(ctx.config) < 11 {
                        return Err(SqlErr::syntax("ROWS"));
                    }
                }
            }
            WindowType::NamedWindow(_) => return Err(SqlErr::syntax("OVER")),
        }
    } else if matches!(
        name.as_str(),
        "ROW_NUMBER" | "RANK" | "DENSE_RANK" | "NTILE"
    ) {
        return Err(SqlErr::new(
            10753,
            15,
            format!(
                "The function '{}' must have an OVER clause.",
                name.to_lowercase()
            ),
        ));
    }
    // arguments first (DATEADD/DATEDIFF/DATEPART take a bare date-part word)
    let mut arg_types = Vec::new();
    {
        let is_datepart_fn = matches!(
            name.as_str(),
            "DATEADD" | "DATEDIFF" | "DATEPART" | "DATENAME"
        );
        for (i, a) in func_args(f).into_iter().enumerate() {
            if i == 0 && is_datepart_fn {
                ident_to_string_arg(a);
                arg_types.push(None);
                continue;
            }
            arg_types.push(expr(ctx, a)?);
        }
    }
    if let FunctionArguments::List(l) = &f.args {
        if l.args
            .iter()
            .any(|a| matches!(a, FunctionArg::Unnamed(FunctionArgExpr::Wildcard)))
            && name != "COUNT"
            && name != "COUNT_BIG"
        {
            return Err(SqlErr::syntax("*"));
        }
    }
    let a0 = arg_types.first().cloned().flatten();
    let t = match name.as_str() {
        "ROW_NUMBER" | "RANK" | "DENSE_RANK" | "NTILE" => Some(SqlType::BigInt),
        "COUNT" => Some(SqlType::Int),
        "COUNT_BIG" => {
            rename(f, "count");
            Some(SqlType::BigInt)
        }
        "MIN" | "MAX" | "ABS" | "UPPER" | "LOWER" | "LTRIM" | "RTRIM" | "REPLACE" | "ROUND"
        | "CEILING" | "FLOOR" | "SUBSTRING" => {
            if name == "CEILING" {
                rename(f, "ceil");
            }
            a0
        }
        "AVG" => a0,
        "SUM" => match a0 {
            Some(SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::Bit) => {
                Some(SqlType::Int)
            }
            Some(SqlType::BigInt) => Some(SqlType::BigInt),
            Some(SqlType::Real | SqlType::Float) => Some(SqlType::Float),
            Some(SqlType::Decimal(_, s)) => Some(SqlType::Decimal(38, s)),
            other => other,
        },
        "ISNULL" | "IFNULL" => {
            rename(f, "ifnull");
            a0.or(arg_types.get(1).cloned().flatten())
        }
        "COALESCE" => arg_types.iter().flatten().next().cloned(),
        "NULLIF" => a0,
        "LEN" => {
            rename(f, "t_len");
            Some(if a0.as_ref().is_some_and(|t| t.is_max()) {
                SqlType::BigInt
            } else {
                SqlType::Int
            })
        }
        "DATALENGTH" => {
            rename(f, "t_datalength");
            Some(SqlType::Int)
        }
        "GETDATE" | "CURRENT_TIMESTAMP" | "GETUTCDATE" => {
            rename(f, "t_getdate");
            Some(SqlType::DateTime)
        }
        "SYSUTCDATETIME" | "SYSDATETIME" => {
            rename(f, "t_sysdatetime");
            Some(SqlType::DateTime2(7))
        }
        "NEWID" => {
            rename(f, "t_newid");
            Some(SqlType::Guid)
        }
        "SCOPE_IDENTITY" | "IDENT_CURRENT" => {
            if name == "IDENT_CURRENT" {
                let arg = func_args(f)
                    .into_iter()
                    .next()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                let t = base_name_text(arg.trim_matches('\'')).replace('\'', "''");
                *e = parse_sql_expr(&format!(
                    "(SELECT current FROM __standin_identity WHERE table_name = '{t}')"
                ))?;
                return Ok(Some(SqlType::Decimal(38, 0)));
            }
            rename(f, "t_scope_identity");
            Some(SqlType::Decimal(38, 0))
        }
        "DB_NAME" => {
            rename(f, "t_db_name");
            Some(SqlType::NVarChar(Some(128)))
        }
        "SCHEMA_NAME" => {
            let arg = func_args(f).into_iter().next().cloned();
            *e = match arg {
                None => str_lit("dbo"),
                Some(a) => parse_sql_expr(&format!(
                    "(SELECT name FROM __sys_schemas WHERE schema_id = {a})"
                ))?,
            };
            return Ok(Some(SqlType::NVarChar(Some(128))));
        }
        "SCHEMA_ID" => {
            let arg = func_args(f).into_iter().next().cloned();
            *e = match arg {
                None => num_lit(1),
                Some(a) => parse_sql_expr(&format!(
                    "(SELECT schema_id FROM __sys_schemas WHERE name = {a})"
                ))?,
            };
            return Ok(Some(SqlType::Int));
        }
        "DB_ID" => {
            rename(f, "t_db_id");
            Some(SqlType::Int)
        }
        "HAS_DBACCESS" => {
            rename(f, "t_has_dbaccess");
            Some(SqlType::Int)
        }
        "SERVERPROPERTY" => {
            rename(f, "t_serverproperty");
            Some(SqlType::NVarChar(Some(128)))
        }
        "SUSER_SNAME" | "SUSER_NAME" | "USER_NAME" | "SYSTEM_USER" => {
            *e = str_lit("sa");
            return Ok(Some(SqlType::NVarChar(Some(128))));
        }
        "OBJECT_ID" => {
            let arg = func_args(f).into_iter().next().cloned().ok_or_else(|| {
                SqlErr::new(174, 15, "The object_id function requires 1 argument(s).")
            })?;
            let sub =
                format!("(SELECT object_id FROM __standin_tables WHERE name = t_objname({arg}))");
            *e = parse_sql_expr(&sub)?;
            return Ok(Some(SqlType::Int));
        }
        "COLUMNPROPERTY" => {
            let args: Vec<Expr> = func_args(f).into_iter().map(|a| a.clone()).collect();
            if args.len() != 3 {
                return Err(SqlErr::new(
                    174,
                    15,
                    "The columnproperty function requires 3 argument(s).",
                ));
            }
            let sub = format!(
                "(SELECT CASE lower({p}) WHEN 'isidentity' THEN c.is_identity WHEN 'allowsnull' THEN c.is_nullable WHEN 'precision' THEN coalesce(c.numeric_precision, c.char_max_len) WHEN 'scale' THEN c.numeric_scale ELSE NULL END FROM __standin_columns c JOIN __standin_tables t ON t.name = c.table_name WHERE t.object_id = {id} AND c.column_name = {col})",
                id = args[0],
                col = args[1],
                p = args[2]
            );
            *e = parse_sql_expr(&sub)?;
            return Ok(Some(SqlType::Int));
        }
        "CHARINDEX" => {
            let mut args: Vec<Expr> = func_args(f).into_iter().map(|a| a.clone()).collect();
            if args.len() < 2 {
                return Err(SqlErr::new(
                    174,
                    15,
                    "The charindex function requires 2 to 3 arguments.",
                ));
            }
            let hay = args.remove(1);
            let needle = args.remove(0);
            *e = ident_fn("instr", vec![hay, needle]);
            return Ok(Some(SqlType::Int));
        }
        "LEFT" => {
            let args: Vec<Expr> = func_args(f).into_iter().map(|a| a.clone()).collect();
            if args.len() != 2 {
                return Err(SqlErr::new(
                    174,
                    15,
                    "The left function requires 2 argument(s).",
                ));
            }
            *e = ident_fn("substr", vec![args[0].clone(), num_lit(1), args[1].clone()]);
            return Ok(a0);
        }
        "RIGHT" => {
            rename(f, "t_right");
            a0
        }
        "DATEADD" => {
            rename(f, "t_dateadd");
            arg_types
                .get(2)
                .cloned()
                .flatten()
                .filter(|t| t.is_datetime())
                .or(Some(SqlType::DateTime))
        }
        "DATEDIFF" => {
            rename(f, "t_datediff");
            Some(SqlType::Int)
        }
        "DATEPART" => {
            rename(f, "t_datepart");
            Some(SqlType::Int)
        }
        "YEAR" | "MONTH" | "DAY" => {
            let arg = func_args(f)
                .into_iter()
                .next()
                .cloned()
                .unwrap_or_else(null_lit);
            *e = ident_fn("t_datepart", vec![str_lit(&name.to_lowercase()), arg]);
            return Ok(Some(SqlType::Int));
        }
        "CONCAT" => Some(SqlType::NVarChar(Some(4000))),
        "STR" => Some(SqlType::VarChar(Some(10))),
        "SQUARE" | "SQRT" | "POWER" | "EXP" | "LOG" | "LOG10" | "PI" | "RAND" => {
            Some(SqlType::Float)
        }
        "SIGN" => a0,
        "NOW" | "RANDOM" | "STRFTIME" | "IIF" | "GROUP_CONCAT" | "STRING_AGG" | "TOTAL"
        | "PRINTF" | "JULIANDAY" | "UNIXEPOCH" | "SUBSTR" | "INSTR" | "LENGTH" | "TYPEOF" => {
            if name == "IIF" && major_version(ctx.config) >= 11 {
                let args: Vec<Expr> = func_args(f).into_iter().map(|a| a.clone()).collect();
                if args.len() == 3 {
                    *e = parse_sql_expr(&format!(
                        "CASE WHEN {} THEN {} ELSE {} END",
                        args[0], args[1], args[2]
                    ))?;
                    return Ok(arg_types.get(1).cloned().flatten());
                }
            }
            return Err(SqlErr::new(
                195,
                15,
                format!(
                    "'{}' is not a recognized built-in function name.",
                    func_name(f)
                ),
            ));
        }
        _ if f.name.0.len() >= 2 => return user_function(ctx, f),
        "FNTICKSTODATE" => {
            // scalar user functions must be called with their schema
            return Err(SqlErr::new(
                195,
                15,
                format!(
                    "'{}' is not a recognized built-in function name.",
                    func_name(f)
                ),
            ));
        }
        _ => {
            let n = func_name(f);
            rename(f, &n);
            None
        }
    };
    Ok(t)
}

/// `dbo.fn(...)`: a scalar user function created with CREATE FUNCTION. Only the functions the
/// stand-in implements natively (dbo.fnTicksToDate) can run; the result type is the RETURNS type
/// of the stored definition.
fn user_function(ctx: &mut Ctx<'_>, f: &mut Function) -> Result<Option<SqlType>, SqlErr> {
    let name = func_name(f);
    let full = f.name.to_string();
    let def: Option<String> = ctx
        .conn
        .query_row(
            "SELECT definition FROM __standin_tables WHERE name = ?1 AND type = 'FN'",
            [&name],
            |r| r.get(0),
        )
        .ok();
    let Some(def) = def else {
        let schema = f.name.0[f.name.0.len() - 2].to_string();
        return Err(SqlErr::new(
            4121,
            16,
            format!("Cannot find either column \"{schema}\" or the user-defined function or aggregate \"{full}\", or the name is ambiguous."),
        ));
    };
    let ret = returns_type(&def);
    match name.to_ascii_uppercase().as_str() {
        "FNTICKSTODATE" => {
            rename(f, "t_ticks_to_date");
            Ok(Some(ret.unwrap_or(SqlType::DateTime2(7))))
        }
        _ => Err(SqlErr::new(
            50000,
            16,
            format!("stand-in: executing the user function {full} is not supported"),
        )),
    }
}

/// The type after `RETURNS` in a CREATE FUNCTION text (None for table-valued functions).
pub fn returns_type(def: &str) -> Option<SqlType> {
    let up = def.to_ascii_uppercase();
    let bytes = up.as_bytes();
    let word = |i: usize, w: &str| {
        up[i..].starts_with(w)
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
            && bytes
                .get(i + w.len())
                .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
    };
    let start = (0..up.len()).find(|&i| word(i, "RETURNS"))? + "RETURNS".len();
    let mut end = up.len();
    let mut depth = 0;
    for (i, c) in up[start..].char_indices() {
        let i = start + i;
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 && (word(i, "AS") || word(i, "WITH") || word(i, "BEGIN")) => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    SqlType::parse(def[start..end].trim(), false)
}

// ---------------------------------------------------------------- queries

fn table_factor(
    ctx: &mut Ctx<'_>,
    tf: &mut TableFactor,
    scope: &mut Vec<(String, String)>,
) -> Result<(), SqlErr> {
    match tf {
        TableFactor::Table {
            name,
            alias,
            with_hints,
            args,
            ..
        } => {
            if args.is_some() {
                return Err(SqlErr::syntax("("));
            }
            let t = base_name(name);
            with_hints.clear();
            let real = ctx.cat(&t).map(|c| c.name).unwrap_or_else(|| t.clone());
            set_name(name, &real);
            let a = alias
                .as_ref()
                .map(|a| a.name.value.clone())
                .unwrap_or_else(|| t.clone());
            scope.push((a, real.clone()));
            if alias.is_none() && (t.starts_with("__is_") || t.starts_with("__sys_")) {
                // keep `INFORMATION_SCHEMA.COLUMNS.x` style qualifiers working through the short name
                let orig_last = real
                    .trim_start_matches("__is_")
                    .trim_start_matches("__sys_")
                    .to_string();
                scope.push((orig_last, real));
            }
        }
        TableFactor::Derived {
            subquery, alias, ..
        } => {
            let info = query(ctx, subquery)?;
            if let Some(a) = alias {
                let key = format!("{DERIVED_PREFIX}{}", a.name.value.to_lowercase());
                if !info.wildcard || info.types.len() == info.names.len() {
                    let cols = info
                        .names
                        .iter()
                        .zip(info.types.iter())
                        .map(|(n, t)| CatCol {
                            name: n.clone().unwrap_or_default(),
                            ty: t.clone().unwrap_or(SqlType::NVarChar(None)),
                            nullable: true,
                            identity: false,
                        })
                        .collect();
                    ctx.derived.insert(
                        key.clone(),
                        TableCat {
                            name: a.name.value.clone(),
                            cols,
                            identity: None,
                        },
                    );
                }
                scope.push((a.name.value.clone(), key));
            }
        }
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => {
            twj(ctx, table_with_joins, scope)?;
        }
        _ => return Err(SqlErr::new(50000, 16, "stand-in: unsupported table source")),
    }
    Ok(())
}

fn twj(
    ctx: &mut Ctx<'_>,
    t: &mut TableWithJoins,
    scope: &mut Vec<(String, String)>,
) -> Result<(), SqlErr> {
    table_factor(ctx, &mut t.relation, scope)?;
    for j in t.joins.iter_mut() {
        table_factor(ctx, &mut j.relation, scope)?;
    }
    Ok(())
}

fn join_constraints(ctx: &mut Ctx<'_>, t: &mut TableWithJoins) -> Result<(), SqlErr> {
    for j in t.joins.iter_mut() {
        use JoinOperator::*;
        let c = match &mut j.join_operator {
            Join(c) | Inner(c) | Left(c) | LeftOuter(c) | Right(c) | RightOuter(c)
            | FullOuter(c) | CrossJoin(c) => c,
            _ => return Err(SqlErr::syntax("APPLY")),
        };
        if let JoinConstraint::On(e) = c {
            expr(ctx, e)?;
        }
        if let TableFactor::Table { .. } = j.relation {
        } else if let TableFactor::NestedJoin {
            table_with_joins, ..
        } = &mut j.relation
        {
            join_constraints(ctx, table_with_joins)?;
        }
    }
    Ok(())
}

fn select(ctx: &mut Ctx<'_>, s: &mut Select) -> Result<QInfo, SqlErr> {
    if s.into.is_some() {
        return Err(SqlErr::new(
            50000,
            16,
            "stand-in: SELECT INTO is not supported",
        ));
    }
    let mut scope = Vec::new();
    for t in s.from.iter_mut() {
        twj(ctx, t, &mut scope)?;
    }
    ctx.scopes.push(scope);
    let r = (|| {
        for t in s.from.iter_mut() {
            join_constraints(ctx, t)?;
        }
        let mut info = QInfo::default();
        let mut expand_ok = true;
        for p in s.projection.iter_mut() {
            match p {
                SelectItem::UnnamedExpr(e) => {
                    let is_col = matches!(e, Expr::Identifier(i) if !i.value.starts_with('@'))
                        || matches!(e, Expr::CompoundIdentifier(_));
                    let colname = match e {
                        Expr::Identifier(i) => Some(i.value.clone()),
                        Expr::CompoundIdentifier(p) => p.last().map(|i| i.value.clone()),
                        _ => None,
                    };
                    let t = expr(ctx, e)?;
                    info.types.push(t);
                    info.names
                        .push(if is_col { colname } else { Some(String::new()) });
                    if !is_col {
                        // give SQLite a stable empty-ish name
                        let ne = std::mem::replace(e, null_lit());
                        *p = SelectItem::ExprWithAlias {
                            expr: ne,
                            alias: Ident::with_quote('"', format!("__c{}", info.types.len())),
                        };
                    }
                }
                SelectItem::ExprWithAlias { expr: e, alias } => {
                    if alias.quote_style == Some('`') {
                        return Err(SqlErr::syntax("`"));
                    }
                    let t = expr(ctx, e)?;
                    info.types.push(t);
                    info.names.push(Some(alias.value.clone()));
                }
                SelectItem::Wildcard(_) => {
                    info.wildcard = true;
                    let scope = ctx.scopes.last().cloned().unwrap_or_default();
                    wildcard_cols(ctx, &scope, None, &mut info, &mut expand_ok);
                }
                SelectItem::QualifiedWildcard(kind, _) => {
                    info.wildcard = true;
                    let scope = ctx.scopes.last().cloned().unwrap_or_default();
                    match kind {
                        SelectItemQualifiedWildcardKind::ObjectName(n) => {
                            let q = base_name(n);
                            wildcard_cols(ctx, &scope, Some(&q), &mut info, &mut expand_ok);
                        }
                        SelectItemQualifiedWildcardKind::Expr(_) => expand_ok = false,
                    }
                }
                SelectItem::ExprWithAliases { .. } => return Err(SqlErr::syntax("AS")),
            }
        }
        if info.wildcard && !expand_ok {
            info.types.clear();
            info.names.clear();
        }
        if let Some(w) = &mut s.selection {
            expr(ctx, w)?;
        }
        if let GroupByExpr::Expressions(list, _) = &mut s.group_by {
            for g in list.iter_mut() {
                expr(ctx, g)?;
            }
        }
        if let Some(h) = &mut s.having {
            expr(ctx, h)?;
        }
        Ok(info)
    })();
    ctx.scopes.pop();
    r
}

/// Types and names of the columns `*` (or `q.*`) stands for; `ok` turns false when a source is
/// unknown. The scope's helper entries for INFORMATION_SCHEMA/sys short names are skipped.
fn wildcard_cols(
    ctx: &mut Ctx<'_>,
    scope: &[(String, String)],
    qual: Option<&str>,
    info: &mut QInfo,
    ok: &mut bool,
) {
    let mut seen: Vec<&str> = Vec::new();
    for (alias, table) in scope {
        if let Some(q) = qual {
            if !q.eq_ignore_ascii_case(alias) && !q.eq_ignore_ascii_case(table) {
                continue;
            }
        }
        if (table.starts_with("__is_") || table.starts_with("__sys_"))
            && seen.contains(&table.as_str())
        {
            continue;
        }
        seen.push(table);
        match ctx.cat(table) {
            Some(cat) => {
                for c in cat.cols {
                    info.types.push(Some(c.ty));
                    info.names.push(None);
                }
            }
            None => *ok = false,
        }
        if qual.is_some() {
            break;
        }
    }
}

fn set_expr(ctx: &mut Ctx<'_>, s: &mut SetExpr) -> Result<QInfo, SqlErr> {
    match s {
        SetExpr::Select(sel) => select(ctx, sel),
        SetExpr::Query(q) => query(ctx, q),
        SetExpr::SetOperation { left, right, .. } => {
            let l = set_expr(ctx, left)?;
            set_expr(ctx, right)?;
            Ok(l)
        }
        SetExpr::Values(v) => {
            let mut info = QInfo::default();
            for (ri, row) in v.rows.iter_mut().enumerate() {
                for x in row.iter_mut() {
                    let t = expr(ctx, x)?;
                    if ri == 0 {
                        info.types.push(t);
                        info.names.push(None);
                    }
                }
            }
            Ok(info)
        }
        _ => Err(SqlErr::new(50000, 16, "stand-in: unsupported query form")),
    }
}

/// Translates a query (TOP -> LIMIT etc.).
pub fn query(ctx: &mut Ctx<'_>, q: &mut Query) -> Result<QInfo, SqlErr> {
    check_query_clauses(ctx, q)?;
    if let Some(w) = &mut q.with {
        for cte in w.cte_tables.iter_mut() {
            query(ctx, &mut cte.query)?;
        }
    }
    // TOP
    let mut top_limit = None;
    if let SetExpr::Select(sel) = q.body.as_mut() {
        if let Some(top) = sel.top.take() {
            if top.percent || top.with_ties {
                return Err(SqlErr::new(
                    50000,
                    16,
                    "stand-in: TOP PERCENT / WITH TIES is not supported",
                ));
            }
            top_limit = match top.quantity {
                Some(TopQuantity::Constant(n)) => Some(num_lit(n as i64)),
                Some(TopQuantity::Expr(mut e)) => {
                    expr(ctx, &mut e)?;
                    Some(e)
                }
                None => None,
            };
        }
    }
    // ORDER BY may reference select-list aliases and FROM columns: translate with the select's scope
    let info = set_expr(ctx, &mut q.body)?;
    if let Some(ob) = &mut q.order_by {
        let mut scope = Vec::new();
        if let SetExpr::Select(sel) = q.body.as_ref() {
            for t in &sel.from {
                collect_scope(&t.relation, &mut scope);
                for j in &t.joins {
                    collect_scope(&j.relation, &mut scope);
                }
            }
        }
        ctx.scopes.push(scope);
        let r = (|| {
            if let OrderByKind::Expressions(list) = &mut ob.kind {
                for o in list.iter_mut() {
                    expr(ctx, &mut o.expr)?;
                }
            }
            Ok::<(), SqlErr>(())
        })();
        ctx.scopes.pop();
        r?;
    }
    if let Some(f) = q.fetch.take() {
        let off = match q.limit_clause.take() {
            Some(LimitClause::LimitOffset {
                offset: Some(o), ..
            }) => Some(o),
            _ => None,
        };
        q.limit_clause = Some(LimitClause::LimitOffset {
            limit: f.quantity,
            offset: off.map(|o| Offset {
                value: o.value,
                rows: OffsetRows::None,
            }),
            limit_by: vec![],
        });
    } else if let Some(LimitClause::LimitOffset {
        offset: Some(o), ..
    }) = q.limit_clause.take()
    {
        q.limit_clause = Some(LimitClause::LimitOffset {
            limit: Some(num_lit(-1)),
            offset: Some(Offset {
                value: o.value,
                rows: OffsetRows::None,
            }),
            limit_by: vec![],
        });
    }
    if let Some(l) = top_limit {
        q.limit_clause = Some(LimitClause::LimitOffset {
            limit: Some(l),
            offset: None,
            limit_by: vec![],
        });
    }
    Ok(info)
}

fn collect_scope(tf: &TableFactor, scope: &mut Vec<(String, String)>) {
    match tf {
        TableFactor::Table { name, alias, .. } => {
            let t = base_name(name);
            scope.push((
                alias
                    .as_ref()
                    .map(|a| a.name.value.clone())
                    .unwrap_or_else(|| t.clone()),
                t,
            ));
        }
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => {
            collect_scope(&table_with_joins.relation, scope);
            for j in &table_with_joins.joins {
                collect_scope(&j.relation, scope);
            }
        }
        _ => {}
    }
}

pub fn query_top(ctx: &mut Ctx<'_>, q: &mut Query) -> Result<(String, QInfo), SqlErr> {
    let info = query(ctx, q)?;
    Ok((q.to_string(), info))
}

// ---------------------------------------------------------------- DML

pub fn dml(
    ctx: &mut Ctx<'_>,
    st: &mut Statement,
    identity_insert: Option<&str>,
) -> Result<String, SqlErr> {
    match st {
        Statement::Insert(ins) => {
            let TableObject::TableName(name) = &mut ins.table else {
                return Err(SqlErr::syntax("INSERT"));
            };
            let t = base_name(name);
            let cat = ctx
                .cat(&t)
                .ok_or_else(|| SqlErr::new(208, 16, format!("Invalid object name '{t}'.")))?;
            set_name(name, &cat.name);
            ins.into = true;
            if let Some(idc) = &cat.identity {
                let ii_on = identity_insert.is_some_and(|x| x.eq_ignore_ascii_case(&cat.name));
                if ins.columns.is_empty() {
                    if ii_on {
                        return Err(SqlErr::new(8101, 16, format!("An explicit value for the identity column in table '{}' can only be specified when a column list is used and IDENTITY_INSERT is ON.", cat.name)));
                    }
                    if ins.source.is_some() {
                        ins.columns = cat
                            .cols
                            .iter()
                            .filter(|c| !c.identity)
                            .map(|c| {
                                ObjectName(vec![ObjectNamePart::Identifier(Ident::with_quote(
                                    '"',
                                    c.name.clone(),
                                ))])
                            })
                            .collect();
                    }
                } else {
                    let has_id = ins
                        .columns
                        .iter()
                        .any(|c| base_name(c).eq_ignore_ascii_case(idc));
                    if has_id && !ii_on {
                        return Err(SqlErr::stmt(544, 16, format!("Cannot insert explicit value for identity column in table '{}' when IDENTITY_INSERT is set to OFF.", cat.name)));
                    }
                    if !has_id && ii_on {
                        return Err(SqlErr::stmt(545, 16, format!("Explicit value must be specified for identity column in table '{}' either when IDENTITY_INSERT is set to ON or when a replication user is inserting into a NOT FOR REPLICATION identity column.", cat.name)));
                    }
                }
            }
            for c in ins.columns.iter() {
                let cn = base_name(c);
                if !cat.cols.iter().any(|x| x.name.eq_ignore_ascii_case(&cn)) {
                    return Err(SqlErr::new(207, 16, format!("Invalid column name '{cn}'.")));
                }
            }
            if let Some(src) = &mut ins.source {
                let info = query(ctx, src)?;
                let n = if ins.columns.is_empty() {
                    cat.cols.len()
                } else {
                    ins.columns.len()
                };
                if !info.wildcard && !info.types.is_empty() && info.types.len() != n {
                    let msg = if info.types.len() > n {
                        "There are more columns in the INSERT statement than values specified in the VALUES clause. The number of values in the VALUES clause must match the number of columns specified in the INSERT statement."
                    } else {
                        "There are fewer columns in the INSERT statement than values specified in the VALUES clause. The number of values in the VALUES clause must match the number of columns specified in the INSERT statement."
                    };
                    return Err(SqlErr::new(
                        if info.types.len() > n { 110 } else { 109 },
                        15,
                        msg,
                    ));
                }
            }
            Ok(st.to_string())
        }
        Statement::Update(up) => {
            if up.from.is_some() {
                return Err(SqlErr::new(
                    50000,
                    16,
                    "stand-in: UPDATE ... FROM is not supported",
                ));
            }
            let mut scope = Vec::new();
            twj(ctx, &mut up.table, &mut scope)?;
            let tname = scope.first().map(|s| s.1.clone()).unwrap_or_default();
            let cat = ctx
                .cat(&tname)
                .ok_or_else(|| SqlErr::new(208, 16, format!("Invalid object name '{tname}'.")))?;
            ctx.scopes.push(scope);
            let r = (|| {
                for a in up.assignments.iter_mut() {
                    if let AssignmentTarget::ColumnName(cn) = &mut a.target {
                        let c = base_name(cn);
                        if cat
                            .identity
                            .as_deref()
                            .is_some_and(|i| i.eq_ignore_ascii_case(&c))
                        {
                            return Err(SqlErr::stmt(
                                8102,
                                16,
                                format!("Cannot update identity column '{c}'."),
                            ));
                        }
                        if !cat.cols.iter().any(|x| x.name.eq_ignore_ascii_case(&c)) {
                            return Err(SqlErr::new(
                                207,
                                16,
                                format!("Invalid column name '{c}'."),
                            ));
                        }
                        *cn =
                            ObjectName(vec![ObjectNamePart::Identifier(Ident::with_quote('"', c))]);
                    }
                    expr(ctx, &mut a.value)?;
                }
                if let Some(w) = &mut up.selection {
                    expr(ctx, w)?;
                }
                Ok(())
            })();
            ctx.scopes.pop();
            r?;
            Ok(st.to_string())
        }
        Statement::Delete(del) => {
            if !del.tables.is_empty() || del.using.is_some() {
                return Err(SqlErr::new(
                    50000,
                    16,
                    "stand-in: DELETE with joins is not supported",
                ));
            }
            let tables = match &mut del.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            let mut scope = Vec::new();
            for t in tables.iter_mut() {
                twj(ctx, t, &mut scope)?;
            }
            if let Some((_, t)) = scope.first() {
                if ctx.cat(t).is_none() {
                    return Err(SqlErr::new(208, 16, format!("Invalid object name '{t}'.")));
                }
            }
            ctx.scopes.push(scope);
            let r = (|| {
                if let Some(w) = &mut del.selection {
                    expr(ctx, w)?;
                }
                Ok(())
            })();
            ctx.scopes.pop();
            r?;
            Ok(st.to_string())
        }
        _ => Err(SqlErr::internal("not a DML statement")),
    }
}

// ---------------------------------------------------------------- DDL

fn const_i64(e: &Expr) -> Option<i64> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => const_i64(expr).map(|v| -v),
        Expr::Nested(e) => const_i64(e),
        _ => None,
    }
}

fn index_cols(cols: &[IndexColumn]) -> Vec<String> {
    cols.iter()
        .map(|c| match &c.column.expr {
            Expr::Identifier(i) => i.value.clone(),
            other => other.to_string(),
        })
        .collect()
}

fn default_sql(ctx: &mut Ctx<'_>, e: &Expr) -> Result<(String, String), SqlErr> {
    let orig = format!("({e})");
    let mut e2 = e.clone();
    ctx.scopes.push(Vec::new());
    let r = expr(ctx, &mut e2);
    ctx.scopes.pop();
    r?;
    Ok((orig, format!("({e2})")))
}

/// The names of the stand-in's own indexes on foreign-key child columns (never reported as the client's).
const FK_INDEX_PREFIX: &str = "__fk_";

fn fk_sql(fk: &ForeignKeyConstraint, cols: &[String]) -> String {
    let ft = base_name(&fk.foreign_table);
    let refcols: Vec<String> = fk
        .referred_columns
        .iter()
        .map(|c| quote(&c.value))
        .collect();
    let mut s = format!(
        "FOREIGN KEY ({}) REFERENCES {}",
        cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", "),
        quote(&ft)
    );
    if !refcols.is_empty() {
        s.push_str(&format!("({})", refcols.join(", ")));
    }
    if let Some(a) = &fk.on_delete {
        s.push_str(&format!(" ON DELETE {a}"));
    }
    if let Some(a) = &fk.on_update {
        s.push_str(&format!(" ON UPDATE {a}"));
    }
    s
}

/// Returns the SQL to run (with `{OBJECT_ID}` placeholders) for CREATE TABLE.
pub fn create_table(ctx: &mut Ctx<'_>, ct: &CreateTable) -> Result<Vec<String>, SqlErr> {
    let t = base_name(&ct.name);
    if t.starts_with("__") {
        return Err(SqlErr::new(
            50000,
            16,
            "stand-in: table names starting with __ are reserved",
        ));
    }
    let mut defs = Vec::new();
    let mut cat = Vec::new();
    let mut identity: Option<(String, i64, i64)> = None;
    let mut pk_cols: Vec<String> = Vec::new();
    let mut fk_children: Vec<Vec<String>> = Vec::new();
    for (i, c) in ct.columns.iter().enumerate() {
        let ty = dt_of(&c.data_type).ok_or_else(|| {
            SqlErr::new(
                2715,
                16,
                format!(
                    "Column, parameter, or variable #{}: Cannot find data type {}.",
                    i + 1,
                    c.data_type
                ),
            )
        })?;
        let name = c.name.value.clone();
        let mut nullable = true;
        let mut is_ident = false;
        let mut default_orig: Option<String> = None;
        let mut parts = vec![quote(&name), ty.sqlite_decl()];
        if ty.is_string() {
            parts.push("COLLATE NOCASE".into());
        }
        let mut extra = Vec::new();
        for o in &c.options {
            match &o.option {
                ColumnOption::Null => nullable = true,
                ColumnOption::NotNull => nullable = false,
                ColumnOption::Default(e) => {
                    let (orig, tr) = default_sql(ctx, e)?;
                    default_orig = Some(orig);
                    extra.push(format!("DEFAULT {tr}"));
                }
                ColumnOption::PrimaryKey(_) => {
                    nullable = false;
                    pk_cols = vec![name.clone()];
                }
                ColumnOption::Unique(_) => extra.push("UNIQUE".into()),
                ColumnOption::ForeignKey(fk) => {
                    fk_children.push(vec![name.clone()]);
                    extra.push(fk_sql(fk, std::slice::from_ref(&name)).replacen(
                        &format!("FOREIGN KEY ({}) ", quote(&name)),
                        "",
                        1,
                    ))
                }
                ColumnOption::Check(ck) => {
                    let mut e = (*ck.expr).clone();
                    ctx.scopes.push(vec![]);
                    let r = expr(ctx, &mut e);
                    ctx.scopes.pop();
                    r?;
                    extra.push(format!("CHECK ({e})"));
                }
                ColumnOption::Identity(k) => {
                    let p = match k {
                        IdentityPropertyKind::Identity(p)
                        | IdentityPropertyKind::Autoincrement(p) => p,
                    };
                    let (seed, incr) = match &p.parameters {
                        Some(IdentityPropertyFormatKind::FunctionCall(ip)) => (
                            const_i64(&ip.seed).unwrap_or(1),
                            const_i64(&ip.increment).unwrap_or(1),
                        ),
                        _ => (1, 1),
                    };
                    if !ty.is_integer() && !matches!(ty, SqlType::Decimal(_, 0)) {
                        return Err(SqlErr::new(2749, 16, format!("Identity column '{name}' must be of data type int, bigint, smallint, tinyint, or decimal or numeric with a scale of 0, and constrained to be nonnullable.")));
                    }
                    if identity.is_some() {
                        return Err(SqlErr::new(2744, 16, format!("Multiple identity columns specified for table '{t}'. Only one identity column per table is allowed.")));
                    }
                    identity = Some((name.clone(), seed, incr));
                    is_ident = true;
                    nullable = false;
                }
                ColumnOption::Collation(_) => {}
                other => {
                    return Err(SqlErr::new(
                        50000,
                        16,
                        format!("stand-in: column option not supported: {other}"),
                    ))
                }
            }
        }
        if !nullable && !is_ident {
            parts.push("NOT NULL".into());
        }
        parts.extend(extra);
        defs.push(parts.join(" "));
        cat.push((name, ty, nullable, is_ident, default_orig, i + 1));
    }
    for tc in &ct.constraints {
        match tc {
            TableConstraint::PrimaryKey(pk) => {
                pk_cols = index_cols(&pk.columns);
            }
            TableConstraint::Unique(u) => {
                defs.push(format!(
                    "UNIQUE ({})",
                    index_cols(&u.columns)
                        .iter()
                        .map(|c| quote(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            TableConstraint::ForeignKey(fk) => {
                let cols: Vec<String> = fk.columns.iter().map(|c| c.value.clone()).collect();
                defs.push(fk_sql(fk, &cols));
                fk_children.push(cols);
            }
            TableConstraint::Check(ck) => {
                let mut e = (*ck.expr).clone();
                ctx.scopes.push(vec![]);
                let r = expr(ctx, &mut e);
                ctx.scopes.pop();
                r?;
                let name = ck
                    .name
                    .as_ref()
                    .map(|n| format!("CONSTRAINT {} ", quote(&n.value)))
                    .unwrap_or_default();
                defs.push(format!("{name}CHECK ({e})"));
            }
            other => {
                return Err(SqlErr::new(
                    50000,
                    16,
                    format!("stand-in: table constraint not supported: {other}"),
                ))
            }
        }
    }
    if !pk_cols.is_empty() {
        for pc in &pk_cols {
            if let Some(c) = cat.iter_mut().find(|c| c.0.eq_ignore_ascii_case(pc)) {
                c.2 = false;
            }
        }
        let pk_name = format!("PK_{t}");
        defs.push(format!(
            "CONSTRAINT {} PRIMARY KEY ({})",
            quote(&pk_name),
            pk_cols
                .iter()
                .map(|c| quote(c))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // SQLite: NOT NULL for PK columns (non-identity)
    let mut sqls = vec![format!(
        "CREATE TABLE {} (\n  {}\n)",
        quote(&t),
        defs.join(",\n  ")
    )];
    // An index on every foreign key's child columns: SQLite checks a parent key change (the identity
    // trigger's UPDATE of a new row's key) by scanning each child table without one, which made inserting
    // 100,000 principals quadratic. SQL Server checks nothing there; the index is invisible to clients.
    for (i, cols) in fk_children.iter().enumerate() {
        sqls.push(format!(
            "CREATE INDEX {} ON {} ({})",
            quote(&format!("{FK_INDEX_PREFIX}{t}_{i}")),
            quote(&t),
            cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
        ));
    }
    let esc = |s: &str| s.replace('\'', "''");
    sqls.push(format!(
        "INSERT INTO __standin_tables (name, object_id, type) VALUES ('{}', {{OBJECT_ID}}, 'U')",
        esc(&t)
    ));
    for (name, ty, nullable, ident, dflt, ord) in &cat {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "NULL".into());
        sqls.push(format!(
            "INSERT INTO __standin_columns VALUES ('{}', '{}', {ord}, '{}', '{}', {}, {}, {}, {}, {}, {}, {})",
            esc(&t),
            esc(name),
            ty.decl(),
            ty.name(),
            opt(ty.char_max_len()),
            opt(ty.numeric_precision()),
            opt(ty.numeric_scale()),
            opt(ty.datetime_precision()),
            *nullable as i32,
            dflt.as_ref().map(|d| format!("'{}'", esc(d))).unwrap_or_else(|| "NULL".into()),
            *ident as i32
        ));
    }
    if let Some((col, seed, incr)) = identity {
        let (qt, qc, et) = (quote(&t), quote(&col), esc(&t));
        sqls.push(format!(
            "INSERT INTO __standin_identity VALUES ('{et}', '{}', {seed}, {incr}, NULL)",
            esc(&col)
        ));
        sqls.push(format!(
            "CREATE TRIGGER {} AFTER INSERT ON {qt} FOR EACH ROW WHEN NEW.{qc} IS NULL BEGIN
  UPDATE __standin_identity SET current = CASE WHEN current IS NULL THEN seed ELSE current + incr END WHERE table_name = '{et}';
  UPDATE {qt} SET {qc} = (SELECT current FROM __standin_identity WHERE table_name = '{et}') WHERE rowid = NEW.rowid;
  SELECT t_note_identity((SELECT current FROM __standin_identity WHERE table_name = '{et}'));
END",
            quote(&format!("__ident_{t}"))
        ));
        sqls.push(format!(
            "CREATE TRIGGER {} AFTER INSERT ON {qt} FOR EACH ROW WHEN NEW.{qc} IS NOT NULL BEGIN
  UPDATE __standin_identity SET current = CASE WHEN current IS NULL THEN NEW.{qc} WHEN incr > 0 AND NEW.{qc} > current THEN NEW.{qc} WHEN incr < 0 AND NEW.{qc} < current THEN NEW.{qc} ELSE current END WHERE table_name = '{et}';
  SELECT t_note_identity(NEW.{qc});
END",
            quote(&format!("__identx_{t}"))
        ));
        sqls.push(format!(
            "CREATE TRIGGER {} BEFORE UPDATE OF {qc} ON {qt} FOR EACH ROW WHEN OLD.{qc} IS NOT NULL AND NEW.{qc} IS NOT OLD.{qc} BEGIN SELECT RAISE(ABORT, 'Cannot update identity column ''{}''.'); END",
            quote(&format!("__identu_{t}")),
            esc(&col)
        ));
    }
    Ok(sqls)
}

pub fn create_index(ctx: &mut Ctx<'_>, ci: &CreateIndex) -> Result<String, SqlErr> {
    let t = base_name(&ci.table_name);
    let cat = ctx.cat(&t).ok_or_else(|| SqlErr::new(1088, 16, format!("Cannot find the object \"{t}\" because it does not exist or you do not have permissions.")))?;
    let name = ci
        .name
        .as_ref()
        .map(base_name)
        .unwrap_or_else(|| format!("IX_{t}"));
    let cols: Vec<String> = ci
        .columns
        .iter()
        .map(|c| {
            let n = match &c.column.expr {
                Expr::Identifier(i) => i.value.clone(),
                other => other.to_string(),
            };
            let dir = if matches!(c.column.options.sort, Some(OrderBySort::Desc)) {
                " DESC"
            } else {
                ""
            };
            format!("{}{dir}", quote(&n))
        })
        .collect();
    Ok(format!(
        "CREATE {}INDEX {}{} ON {} ({})",
        if ci.unique { "UNIQUE " } else { "" },
        if ci.if_not_exists {
            "IF NOT EXISTS "
        } else {
            ""
        },
        quote(&name),
        quote(&cat.name),
        cols.join(", ")
    ))
}

pub fn alter_table(ctx: &mut Ctx<'_>, at: &AlterTable) -> Result<Vec<String>, SqlErr> {
    let t = base_name(&at.name);
    let cat = ctx.cat(&t).ok_or_else(|| SqlErr::new(4902, 16, format!("Cannot find the object \"{t}\" because it does not exist or you do not have permissions.")))?;
    let et = cat.name.replace('\'', "''");
    let mut out = Vec::new();
    // columns as they will be after the operations before the current one
    let mut live: Vec<String> = cat.cols.iter().map(|c| c.name.clone()).collect();
    for op in &at.operations {
        match op {
            AlterTableOperation::AddColumn { column_def, .. } => {
                let name = column_def.name.value.clone();
                if live.iter().any(|c| c.eq_ignore_ascii_case(&name)) {
                    return Err(SqlErr::new(2705, 16, format!("Column names in each table must be unique. Column name '{name}' in table '{}' is specified more than once.", cat.name)));
                }
                let ty = dt_of(&column_def.data_type).ok_or_else(|| {
                    SqlErr::new(
                        2715,
                        16,
                        format!(
                            "Column, parameter, or variable #{}: Cannot find data type {}.",
                            live.len() + 1,
                            column_def.data_type
                        ),
                    )
                })?;
                let mut nullable = true;
                let mut dflt = None;
                let mut def = format!("{} {}", quote(&name), ty.sqlite_decl());
                if ty.is_string() {
                    def.push_str(" COLLATE NOCASE");
                }
                for o in &column_def.options {
                    match &o.option {
                        ColumnOption::NotNull => nullable = false,
                        ColumnOption::Null => nullable = true,
                        ColumnOption::Default(e) => {
                            let (orig, tr) = default_sql(ctx, e)?;
                            dflt = Some(orig);
                            def.push_str(&format!(" DEFAULT {tr}"));
                        }
                        ColumnOption::Collation(_) => {}
                        other => {
                            return Err(SqlErr::new(
                                50000,
                                16,
                                format!(
                                "stand-in: ALTER TABLE ADD column option not supported: {other}"
                            ),
                            ))
                        }
                    }
                }
                if !nullable {
                    def.push_str(" NOT NULL");
                }
                out.push(format!("ALTER TABLE {} ADD COLUMN {def}", quote(&cat.name)));
                let opt =
                    |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_else(|| "NULL".into());
                // SQL Server never reuses a dropped column's column_id
                out.push(format!(
                    "INSERT INTO __standin_columns VALUES ('{et}', '{}', (SELECT COALESCE(MAX(ordinal), 0) + 1 FROM __standin_columns WHERE table_name = '{et}'), '{}', '{}', {}, {}, {}, {}, {}, {}, 0)",
                    name.replace('\'', "''"),
                    ty.decl(),
                    ty.name(),
                    opt(ty.char_max_len()),
                    opt(ty.numeric_precision()),
                    opt(ty.numeric_scale()),
                    opt(ty.datetime_precision()),
                    nullable as i32,
                    dflt.map(|d| format!("'{}'", d.replace('\'', "''"))).unwrap_or_else(|| "NULL".into())
                ));
                live.push(name);
            }
            AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                ..
            } => {
                for ident in column_names {
                    let Some(pos) = live
                        .iter()
                        .position(|c| c.eq_ignore_ascii_case(&ident.value))
                    else {
                        if *if_exists {
                            continue;
                        }
                        return Err(SqlErr::new(4924, 16, format!("ALTER TABLE DROP COLUMN failed because column '{}' does not exist in table '{}'.", ident.value, cat.name)));
                    };
                    let col = live.remove(pos);
                    if live.is_empty() {
                        return Err(SqlErr::new(4923, 16, format!("ALTER TABLE DROP COLUMN failed because '{col}' is the only data column in table '{}'. A table must have at least one data column.", cat.name)));
                    }
                    if let Some(dep) = drop_column_dependency(ctx.conn, &cat.name, &col) {
                        return Err(SqlErr::new(
                            4922,
                            16,
                            format!("ALTER TABLE DROP COLUMN {col} failed because one or more objects access this column."),
                        )
                        .after(SqlErr::new(5074, 16, format!("{dep} is dependent on column '{col}'."))));
                    }
                    let ec = col.replace('\'', "''");
                    if cat
                        .identity
                        .as_deref()
                        .is_some_and(|i| i.eq_ignore_ascii_case(&col))
                    {
                        for trig in ["__ident_", "__identx_", "__identu_"] {
                            out.push(format!(
                                "DROP TRIGGER IF EXISTS {}",
                                quote(&format!("{trig}{}", cat.name))
                            ));
                        }
                        out.push(format!(
                            "DELETE FROM __standin_identity WHERE table_name = '{et}'"
                        ));
                    }
                    out.push(format!(
                        "ALTER TABLE {} DROP COLUMN {}",
                        quote(&cat.name),
                        quote(&col)
                    ));
                    out.push(format!(
                        "DELETE FROM __standin_columns WHERE table_name = '{et}' AND column_name = '{ec}'"
                    ));
                }
            }
            other => {
                return Err(SqlErr::new(
                    50000,
                    16,
                    format!("stand-in: ALTER TABLE operation not supported: {other}"),
                ))
            }
        }
    }
    Ok(out)
}

/// What blocks `ALTER TABLE t DROP COLUMN col` on SQL Server: a key, index, foreign key,
/// DEFAULT or CHECK constraint on the column. Returns e.g. `The object 'PK_t'`.
fn drop_column_dependency(conn: &Connection, table: &str, col: &str) -> Option<String> {
    let is = |s: &str| s.eq_ignore_ascii_case(col);
    let qt = quote(table);
    // primary key
    if let Ok(mut st) = conn.prepare(&format!("PRAGMA table_info({qt})")) {
        let pk: Vec<String> = st
            .query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(5)?)))
            .ok()?
            .filter_map(|r| r.ok())
            .filter(|(_, pk)| *pk > 0)
            .map(|(n, _)| n)
            .collect();
        if pk.iter().any(|c| is(c)) {
            return Some(format!("The object 'PK_{table}'"));
        }
    }
    // indexes and UNIQUE constraints
    let idx: Vec<(String, String)> = conn
        .prepare(&format!("PRAGMA index_list({qt})"))
        .ok()
        .and_then(|mut st| {
            st.query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, String>(3)?)))
                .ok()
                .map(|it| it.filter_map(|r| r.ok()).collect())
        })
        .unwrap_or_default();
    for (name, origin) in idx {
        if origin == "pk" || name.starts_with(FK_INDEX_PREFIX) {
            continue;
        }
        let cols: Vec<String> = conn
            .prepare(&format!("PRAGMA index_info({})", quote(&name)))
            .ok()
            .and_then(|mut st| {
                st.query_map([], |r| r.get::<_, Option<String>>(2))
                    .ok()
                    .map(|it| it.filter_map(|r| r.ok().flatten()).collect())
            })
            .unwrap_or_default();
        if cols.iter().any(|c| is(c)) {
            return Some(if origin == "u" {
                format!("The object 'UQ__{table}__{col}'")
            } else {
                format!("The index '{name}'")
            });
        }
    }
    // foreign keys from this table
    let fks = |t: &str| -> Vec<(String, String, Option<String>)> {
        conn.prepare(&format!("PRAGMA foreign_key_list({})", quote(t)))
            .ok()
            .and_then(|mut st| {
                st.query_map([], |r| {
                    Ok((
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                })
                .ok()
                .map(|it| it.filter_map(|r| r.ok()).collect())
            })
            .unwrap_or_default()
    };
    if fks(table).iter().any(|(_, from, _)| is(from)) {
        return Some(format!("The object 'FK__{table}__{col}'"));
    }
    // foreign keys of other tables referencing this column
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM __standin_tables WHERE type = 'U'")
        .ok()
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, String>(0))
                .ok()
                .map(|it| it.filter_map(|r| r.ok()).collect())
        })
        .unwrap_or_default();
    for other in tables {
        for (to_table, _, to_col) in fks(&other) {
            if to_table.eq_ignore_ascii_case(table) && to_col.as_deref().is_some_and(is) {
                return Some(format!("The object 'FK__{other}__{table}'"));
            }
        }
    }
    // DEFAULT
    let has_default: bool = conn
        .query_row(
            "SELECT column_default IS NOT NULL FROM __standin_columns WHERE table_name = ?1 AND column_name = ?2",
            [table, col],
            |r| r.get(0),
        )
        .unwrap_or(false);
    if has_default {
        return Some(format!("The object 'DF__{table}__{col}'"));
    }
    // CHECK constraints mentioning the column
    let sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .ok()?;
    let stmts =
        sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::SQLiteDialect {}, &sql).ok()?;
    let Some(Statement::CreateTable(ct)) = stmts.first() else {
        return None;
    };
    let mentions = |e: &Expr| {
        e.to_string()
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '@' || c == '#'))
            .any(is)
    };
    for c in &ct.columns {
        for o in &c.options {
            if let ColumnOption::Check(ck) = &o.option {
                if is(&c.name.value) || mentions(&ck.expr) {
                    return Some(format!("The object 'CK__{table}__{col}'"));
                }
            }
        }
    }
    for tc in &ct.constraints {
        if let TableConstraint::Check(ck) = tc {
            if mentions(&ck.expr) {
                let name = ck
                    .name
                    .as_ref()
                    .map(|n| n.value.clone())
                    .unwrap_or_else(|| format!("CK__{table}__{col}"));
                return Some(format!("The object '{name}'"));
            }
        }
    }
    None
}
