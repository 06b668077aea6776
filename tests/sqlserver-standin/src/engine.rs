//! Per-session SQL engine: T-SQL (sqlparser, MsSqlDialect) translated to SQLite.

use crate::tds::{self, ColMeta};
use crate::translate::{self, Ctx, TableCat};
use crate::types::{format_datetime, SqlType, Val};
use crate::{FaultState, StandinConfig};
use rusqlite::{functions::FunctionFlags, Connection};
use sqlparser::ast::{self, Expr, SetExpr, Statement};
use sqlparser::dialect::MsSqlDialect;
use sqlparser::parser::Parser;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

pub struct DbInfo {
    pub name: String,
    pub id: i64,
    pub path: PathBuf,
    /// `sys.databases.create_date` (datetime text).
    pub created: String,
}

pub struct Shared {
    pub dir: PathBuf,
    pub dbs: Mutex<BTreeMap<String, DbInfo>>,
    pub next_db_id: AtomicI64,
    pub next_object_id: AtomicI64,
    pub config: StandinConfig,
    pub faults: Arc<FaultState>,
    pub next_spid: AtomicU16,
    pub next_tran: AtomicI64,
}

impl Shared {
    pub fn db_path(&self, name: &str) -> Option<(String, PathBuf)> {
        let dbs = self.dbs.lock().ok()?;
        dbs.get(&name.to_lowercase())
            .map(|d| (d.name.clone(), d.path.clone()))
    }

    pub fn create_database(&self, name: &str) -> Result<(), SqlErr> {
        let mut dbs = self
            .dbs
            .lock()
            .map_err(|_| SqlErr::internal("database registry poisoned"))?;
        let key = name.to_lowercase();
        if dbs.contains_key(&key) {
            return Err(SqlErr::new(
                1801,
                16,
                format!("Database '{name}' already exists. Choose a different database name."),
            ));
        }
        let id = if key == "master" {
            1
        } else if key == MSDB {
            // As on SQL Server: system databases have ids 1 to 4, msdb 4 (listings skip them by id).
            4
        } else {
            self.next_db_id.fetch_add(1, Ordering::SeqCst)
        };
        let path = self.dir.join(format!("db{id}.sqlite"));
        let conn = Connection::open(&path).map_err(|e| SqlErr::internal(e.to_string()))?;
        init_catalog(&conn, name).map_err(|e| SqlErr::internal(e.to_string()))?;
        dbs.insert(
            key,
            DbInfo {
                name: name.to_string(),
                id,
                path,
                created: {
                    let (d, n) = now_parts(0);
                    format_datetime(d, n / 3_333_333 * 3_333_333)
                },
            },
        );
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct SqlErr {
    pub number: i32,
    pub class: u8,
    pub state: u8,
    pub msg: String,
    /// statement-level errors let the batch continue; these stop it
    pub abort_batch: bool,
    /// an error message sent before this one (SQL Server sends e.g. 5074 before 4922)
    pub preceding: Option<Box<SqlErr>>,
}

impl SqlErr {
    pub fn new(number: i32, class: u8, msg: impl Into<String>) -> Self {
        SqlErr {
            number,
            class,
            state: 1,
            msg: msg.into(),
            abort_batch: true,
            preceding: None,
        }
    }
    pub fn stmt(number: i32, class: u8, msg: impl Into<String>) -> Self {
        SqlErr {
            abort_batch: false,
            ..Self::new(number, class, msg)
        }
    }
    pub fn syntax(near: &str) -> Self {
        Self::new(102, 15, format!("Incorrect syntax near '{near}'."))
    }
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::new(50000, 16, msg)
    }
    /// Sends `first` before this error.
    pub fn after(mut self, first: SqlErr) -> Self {
        self.preceding = Some(Box::new(first));
        self
    }
}

/// Why a response stream stopped early.
#[derive(Debug)]
pub enum Stop {
    Cancelled,
    Disconnected,
}

/// Sink for response packets (implemented by the server's writer side).
pub trait PacketSink {
    fn send(&mut self, bytes: Vec<u8>) -> Result<(), Stop>;
}

/// Response builder: buffers tokens, emits full packets, tracks the pending DONE.
pub struct Out<'a> {
    buf: Vec<u8>,
    pending: Option<(u8, u16, u16, u64)>,
    pub in_proc: bool,
    sink: &'a mut dyn PacketSink,
    packet_size: usize,
    spid: u16,
    attn: Arc<AtomicBool>,
    faults: Arc<FaultState>,
    pub cancelled: bool,
    pub disconnected: bool,
    pub had_error: bool,
}

impl<'a> Out<'a> {
    pub fn new(
        sink: &'a mut dyn PacketSink,
        packet_size: usize,
        spid: u16,
        attn: Arc<AtomicBool>,
        faults: Arc<FaultState>,
    ) -> Self {
        Out {
            buf: Vec::new(),
            pending: None,
            in_proc: false,
            sink,
            packet_size,
            spid,
            attn,
            faults,
            cancelled: false,
            disconnected: false,
            had_error: false,
        }
    }

    fn flush_pending(&mut self, more: bool) {
        if let Some((tok, status, cmd, rows)) = self.pending.take() {
            tds::done(
                &mut self.buf,
                tok,
                status | if more { tds::DONE_MORE } else { 0 },
                cmd,
                rows,
            );
        }
    }

    fn flush_full(&mut self) -> Result<(), Stop> {
        let chunk = self.packet_size - 8;
        if self.buf.len() >= chunk * 4 {
            let n = (self.buf.len() / chunk) * chunk;
            let mut pk = Vec::with_capacity(n + n / chunk * 8);
            tds::packetize(
                tds::PKT_TABULAR,
                &self.buf[..n],
                self.packet_size,
                false,
                self.spid,
                &mut pk,
            );
            self.buf.drain(..n);
            if let Err(e) = self.sink.send(pk) {
                self.disconnected = true;
                return Err(e);
            }
        }
        Ok(())
    }

    pub fn token(&mut self, f: impl FnOnce(&mut Vec<u8>)) -> Result<(), Stop> {
        self.flush_pending(true);
        f(&mut self.buf);
        self.flush_full()
    }

    pub fn row(&mut self, f: impl FnOnce(&mut Vec<u8>)) -> Result<(), Stop> {
        if self.attn.load(Ordering::SeqCst) {
            self.cancelled = true;
            return Err(Stop::Cancelled);
        }
        if self.faults.take_row() {
            self.disconnected = true;
            return Err(Stop::Disconnected);
        }
        self.token(f)
    }

    pub fn done(&mut self, status: u16, cmd: u16, rows: Option<u64>) -> Result<(), Stop> {
        self.flush_pending(true);
        let tok = if self.in_proc {
            tds::TOK_DONEINPROC
        } else {
            tds::TOK_DONE
        };
        let status = status | if rows.is_some() { tds::DONE_COUNT } else { 0 };
        self.pending = Some((tok, status, cmd, rows.unwrap_or(0)));
        self.flush_full()
    }

    pub fn error(&mut self, e: &SqlErr, server: &str) -> Result<(), Stop> {
        self.had_error = true;
        if let Some(p) = &e.preceding {
            self.error(p, server)?;
        }
        self.token(|b| tds::error_token(b, e.number, e.state, e.class, &e.msg, server))
    }

    /// Ends the response message.
    pub fn finish(mut self) -> Result<(), Stop> {
        if self.cancelled {
            self.pending = None;
            tds::done(&mut self.buf, tds::TOK_DONE, tds::DONE_ATTN, 0, 0);
        } else if self.in_proc {
            self.flush_pending(true);
            tds::return_status(&mut self.buf, if self.had_error { 1 } else { 0 });
            tds::done(
                &mut self.buf,
                tds::TOK_DONEPROC,
                if self.had_error { tds::DONE_ERROR } else { 0 },
                0xE0,
                0,
            );
        } else if self.pending.is_some() {
            self.flush_pending(false);
        } else {
            tds::done(
                &mut self.buf,
                tds::TOK_DONE,
                if self.had_error { tds::DONE_ERROR } else { 0 },
                0,
                0,
            );
        }
        let mut pk = Vec::new();
        tds::packetize(
            tds::PKT_TABULAR,
            &self.buf,
            self.packet_size,
            true,
            self.spid,
            &mut pk,
        );
        self.sink.send(pk)
    }
}

pub type Params = HashMap<String, (SqlType, Val)>;

pub struct Session {
    pub shared: Arc<Shared>,
    pub conn: Connection,
    pub db: String,
    pub spid: u16,
    pub trancount: u32,
    pub tran_desc: u64,
    nocount: bool,
    xact_abort: bool,
    identity_insert: Option<String>,
    vars: Params,
    last_identity: Arc<Mutex<Option<i64>>>,
    rowcount: i64,
    pub bulk: Option<(String, Vec<String>)>,
    cat_cache: HashMap<String, Option<TableCat>>,
}

const CATALOG_SQL: &str = "
CREATE TABLE IF NOT EXISTS __standin_tables (name TEXT COLLATE NOCASE PRIMARY KEY, object_id INTEGER, type TEXT, definition TEXT);
CREATE TABLE IF NOT EXISTS __standin_columns (table_name TEXT COLLATE NOCASE, column_name NVARCHAR(128) COLLATE NOCASE, ordinal INT, type_decl TEXT, data_type NVARCHAR(128), char_max_len INT, numeric_precision TINYINT, numeric_scale INT, datetime_precision SMALLINT, is_nullable BIT, column_default NVARCHAR(4000), is_identity BIT, PRIMARY KEY (table_name, column_name));
CREATE TABLE IF NOT EXISTS __standin_identity (table_name TEXT COLLATE NOCASE PRIMARY KEY, column_name TEXT, seed INTEGER, incr INTEGER, current INTEGER);
";

fn init_catalog(conn: &Connection, db: &str) -> rusqlite::Result<()> {
    conn.execute_batch("PRAGMA journal_mode=WAL;")?;
    conn.execute_batch(CATALOG_SQL)?;
    let q = db.replace('\'', "''");
    conn.execute_batch(&format!(
        "DROP VIEW IF EXISTS __is_tables; DROP VIEW IF EXISTS __is_columns; DROP VIEW IF EXISTS __sys_tables; DROP VIEW IF EXISTS __sys_columns; DROP VIEW IF EXISTS __sys_identity_columns; DROP VIEW IF EXISTS __sys_objects; DROP VIEW IF EXISTS __sys_schemas;
CREATE VIEW __is_tables AS SELECT '{q}' AS TABLE_CATALOG, 'dbo' AS TABLE_SCHEMA, name AS TABLE_NAME, CASE type WHEN 'V' THEN 'VIEW' ELSE 'BASE TABLE' END AS TABLE_TYPE FROM __standin_tables WHERE type IN ('U','V');
CREATE VIEW __is_columns AS SELECT '{q}' AS TABLE_CATALOG, 'dbo' AS TABLE_SCHEMA, table_name AS TABLE_NAME, column_name AS COLUMN_NAME, ordinal AS ORDINAL_POSITION, column_default AS COLUMN_DEFAULT, CASE WHEN is_nullable THEN 'YES' ELSE 'NO' END AS IS_NULLABLE, data_type AS DATA_TYPE, char_max_len AS CHARACTER_MAXIMUM_LENGTH, CASE WHEN char_max_len = -1 THEN -1 WHEN data_type IN ('nvarchar','nchar') THEN char_max_len * 2 ELSE char_max_len END AS CHARACTER_OCTET_LENGTH, numeric_precision AS NUMERIC_PRECISION, numeric_scale AS NUMERIC_SCALE, datetime_precision AS DATETIME_PRECISION FROM __standin_columns;
CREATE VIEW __sys_tables AS SELECT name AS name, object_id AS object_id, 1 AS schema_id, 'U ' COLLATE RTRIM AS type FROM __standin_tables WHERE type = 'U';
CREATE VIEW __sys_objects AS SELECT name AS name, object_id AS object_id, NULL AS principal_id, 1 AS schema_id, 0 AS parent_object_id, substr(type || ' ', 1, 2) COLLATE RTRIM AS type, CASE type WHEN 'U' THEN 'USER_TABLE' WHEN 'V' THEN 'VIEW' WHEN 'FN' THEN 'SQL_SCALAR_FUNCTION' WHEN 'P' THEN 'SQL_STORED_PROCEDURE' WHEN 'TR' THEN 'SQL_TRIGGER' ELSE type END AS type_desc, 0 AS is_ms_shipped FROM __standin_tables;
CREATE VIEW __sys_schemas AS SELECT 'dbo' AS name, 1 AS schema_id, 1 AS principal_id UNION ALL SELECT 'guest', 2, 2 UNION ALL SELECT 'INFORMATION_SCHEMA', 3, 3 UNION ALL SELECT 'sys', 4, 4;
CREATE VIEW __sys_columns AS SELECT t.object_id AS object_id, c.column_name AS name, c.ordinal AS column_id, c.is_nullable AS is_nullable, c.is_identity AS is_identity FROM __standin_columns c JOIN __standin_tables t ON t.name = c.table_name;
CREATE VIEW __sys_identity_columns AS SELECT t.object_id AS object_id, c.column_name AS name, c.ordinal AS column_id, i.seed AS seed_value, i.incr AS increment_value, i.current AS last_value FROM __standin_identity i JOIN __standin_tables t ON t.name = i.table_name JOIN __standin_columns c ON c.table_name = i.table_name AND c.column_name = i.column_name;"
    ))?;
    Ok(())
}

fn now_parts(utc_offset_secs: i64) -> (i64, u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let total = now.as_nanos() as i128 + utc_offset_secs as i128 * 1_000_000_000;
    let day_ns = 86_400_000_000_000i128;
    let days = total.div_euclid(day_ns) as i64 + crate::types::days_from_civil(1970, 1, 1);
    (days, total.rem_euclid(day_ns) as u64)
}

fn text_of(v: &rusqlite::types::ValueRef<'_>) -> Option<String> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
    }
}

fn to_dt(v: &rusqlite::types::ValueRef<'_>) -> Option<(i64, u64)> {
    match Val::from_sqlite(*v, &SqlType::DateTime2(7)) {
        Ok(Val::DateTime(d, n)) => Some((d, n)),
        _ => None,
    }
}

fn date_part_ns(part: &str) -> Option<(i128, &'static str)> {
    Some(match part.to_ascii_lowercase().as_str() {
        "day" | "dd" | "d" | "dayofyear" | "dy" | "y" | "weekday" | "dw" => {
            (86_400_000_000_000, "day")
        }
        "hour" | "hh" => (3_600_000_000_000, "ns"),
        "minute" | "mi" | "n" => (60_000_000_000, "ns"),
        "second" | "ss" | "s" => (1_000_000_000, "ns"),
        "millisecond" | "ms" => (1_000_000, "ns"),
        "microsecond" | "mcs" => (1_000, "ns"),
        "nanosecond" | "ns" => (1, "ns"),
        "week" | "wk" | "ww" => (7 * 86_400_000_000_000, "day"),
        "month" | "mm" | "m" => (0, "month"),
        "quarter" | "qq" | "q" => (0, "quarter"),
        "year" | "yy" | "yyyy" => (0, "year"),
        _ => return None,
    })
}

/// The system database holding backup history (`msdb.dbo.backupset`), created at start.
pub const MSDB: &str = "msdb";

/// `msdb.dbo.backupset` as SQL Server has it, reduced to the columns readers use.
pub const MSDB_BACKUPSET_SQL: &str =
    "CREATE TABLE dbo.backupset (backup_set_id int IDENTITY(1,1) NOT NULL PRIMARY KEY, \
     database_name nvarchar(128) NULL, type char(1) NULL, backup_start_date datetime NULL, \
     backup_finish_date datetime NULL)";

/// Makes `msdb.dbo.backupset` readable from a session of any database: msdb's file is attached as `__msdb`
/// and a temp view `__msdb_backupset` (the name three-part `msdb.dbo.x` references translate to) reads it.
fn attach_msdb(conn: &Connection, shared: &Arc<Shared>, db: &str) -> rusqlite::Result<()> {
    let source = if db.eq_ignore_ascii_case(MSDB) {
        "main".to_string()
    } else {
        let Some((_, path)) = shared.db_path(MSDB) else {
            return Ok(());
        };
        conn.execute("ATTACH DATABASE ?1 AS __msdb", [path.to_string_lossy()])?;
        "__msdb".to_string()
    };
    let exists: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM {source}.sqlite_master WHERE type = 'table' AND name = 'backupset'"),
        [],
        |r| r.get(0),
    )?;
    if exists == 1 {
        conn.execute_batch(&format!(
            "CREATE TEMP VIEW IF NOT EXISTS __msdb_backupset AS SELECT backup_set_id, database_name, type, \
             backup_start_date, backup_finish_date FROM {source}.backupset"
        ))?;
    }
    Ok(())
}

pub fn open_connection(
    shared: &Arc<Shared>,
    db: &str,
    path: &PathBuf,
    last_identity: Arc<Mutex<Option<i64>>>,
) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(15))?;
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA recursive_triggers=OFF;",
    )?;
    attach_msdb(&conn, shared, db)?;
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DQS_DML, false)?;
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DQS_DDL, false)?;
    let det = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let nondet = FunctionFlags::SQLITE_UTF8;
    conn.create_scalar_function("t_getdate", 0, nondet, |_| {
        let (d, n) = now_parts(0);
        Ok(format_datetime(d, n / 3_333_333 * 3_333_333))
    })?;
    conn.create_scalar_function("t_sysdatetime", 0, nondet, |_| {
        let (d, n) = now_parts(0);
        Ok(format_datetime(d, n))
    })?;
    conn.create_scalar_function("t_newid", 0, nondet, |_| {
        Ok(uuid::Uuid::new_v4().hyphenated().to_string().to_uppercase())
    })?;
    conn.create_scalar_function("t_len", 1, det, |c| {
        Ok(text_of(&c.get_raw(0)).map(|s| s.trim_end_matches(' ').chars().count() as i64))
    })?;
    conn.create_scalar_function("t_datalength", 1, det, |c| {
        use rusqlite::types::ValueRef;
        Ok(match c.get_raw(0) {
            ValueRef::Null => None,
            ValueRef::Blob(b) => Some(crate::types::untag_utf16_blob(b).unwrap_or(b).len() as i64),
            ValueRef::Text(t) => Some(String::from_utf8_lossy(t).encode_utf16().count() as i64 * 2),
            ValueRef::Integer(_) | ValueRef::Real(_) => Some(8),
        })
    })?;
    // CAST(nvarchar AS varbinary): the UTF-16LE bytes, as SQL Server stores them (also for values that are not
    // valid UTF-16, which the stand-in keeps as tagged BLOBs).
    conn.create_scalar_function("t_nvarchar_bytes", 1, det, |c| {
        use rusqlite::types::ValueRef;
        Ok(match c.get_raw(0) {
            ValueRef::Null => None,
            ValueRef::Blob(b) => Some(crate::types::untag_utf16_blob(b).unwrap_or(b).to_vec()),
            ValueRef::Text(t) => {
                let text = String::from_utf8_lossy(t);
                let mut out = Vec::with_capacity(text.len() * 2);
                for u in text.encode_utf16() {
                    out.extend_from_slice(&u.to_le_bytes());
                }
                Some(out)
            }
            v => text_of(&v).map(|s| s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()),
        })
    })?;
    // CAST(varbinary AS nvarchar(n)): the bytes read as UTF-16LE code units (at most n of them, -1 = max);
    // TEXT when they are valid UTF-16, else a tagged BLOB that keeps every unit.
    conn.create_scalar_function("t_bytes_nvarchar", 2, det, |c| {
        use rusqlite::types::{Value, ValueRef};
        let limit: i64 = c.get(1)?;
        let bytes = match c.get_raw(0) {
            ValueRef::Null => return Ok(Value::Null),
            ValueRef::Blob(b) => crate::types::untag_utf16_blob(b).unwrap_or(b).to_vec(),
            v => return Ok(text_of(&v).map(Value::Text).unwrap_or(Value::Null)),
        };
        let mut units = crate::types::le_bytes_to_units(&bytes);
        if let Ok(limit) = usize::try_from(limit) {
            units.truncate(limit);
        }
        Ok(match crate::types::nvarchar_from_units(units) {
            Val::Text(s) => Value::Text(s),
            Val::Utf16(u) => Value::Blob(crate::types::tagged_utf16_blob(&u)),
            _ => Value::Null,
        })
    })?;
    conn.create_scalar_function("t_right", 2, det, |c| {
        let s = text_of(&c.get_raw(0));
        let n: i64 = c.get(1)?;
        Ok(s.map(|s| {
            let ch: Vec<char> = s.chars().collect();
            ch[ch.len().saturating_sub(n.max(0) as usize)..]
                .iter()
                .collect::<String>()
        }))
    })?;
    conn.create_scalar_function("t_datetime", 1, det, |c| {
        let v = c.get_raw(0);
        if let rusqlite::types::ValueRef::Null = v {
            return Ok(None);
        }
        match to_dt(&v) {
            Some((d, n)) => Ok(Some(format_datetime(d, n))),
            None => Err(rusqlite::Error::UserFunctionError(
                "Conversion failed when converting date and/or time from character string.".into(),
            )),
        }
    })?;
    conn.create_scalar_function("t_dtstyle", 3, det, |c| {
        let v = c.get_raw(0);
        if let rusqlite::types::ValueRef::Null = v {
            return Ok(None);
        }
        let style: i64 = c.get(1)?;
        let decl: String = c.get(2)?;
        let ty = SqlType::parse(&decl, false).unwrap_or(SqlType::DateTime2(7));
        match Val::from_sqlite(v, &ty) {
            Ok(Val::DateTime(d, n)) => Ok(crate::types::format_datetime_style(d, n, &ty, style)),
            _ => Err(rusqlite::Error::UserFunctionError(
                "Conversion failed when converting date and/or time from character string.".into(),
            )),
        }
    })?;
    conn.create_scalar_function("t_guid", 1, det, |c| {
        let v = c.get_raw(0);
        if let rusqlite::types::ValueRef::Null = v {
            return Ok(None);
        }
        match Val::from_sqlite(v, &SqlType::Guid) {
            Ok(Val::Guid(g)) => Ok(Some(crate::types::format_guid(&g))),
            _ => Err(rusqlite::Error::UserFunctionError(
                "Conversion failed when converting from a character string to uniqueidentifier."
                    .into(),
            )),
        }
    })?;
    // dbo.fnTicksToDate: .NET ticks (100 ns since 0001-01-01) at full precision; the declared
    // RETURNS type (datetime2(7) in the fixtures) decides the rounding on the way out.
    conn.create_scalar_function("t_ticks_to_date", 1, det, |c| {
        let ticks: Option<i64> = c.get(0)?;
        Ok(ticks.map(|t| {
            let day = 864_000_000_000i64;
            format_datetime(t.div_euclid(day), (t.rem_euclid(day) as u64) * 100)
        }))
    })?;
    conn.create_scalar_function("t_dateadd", 3, det, |c| {
        let part: String = c.get(0)?;
        let n: i64 = c.get(1)?;
        let Some((d, ns)) = to_dt(&c.get_raw(2)) else {
            return Ok(None);
        };
        let (unit, kind) = date_part_ns(&part).ok_or_else(|| {
            rusqlite::Error::UserFunctionError(
                format!("'{part}' is not a recognized dateadd option.").into(),
            )
        })?;
        let r = match kind {
            "day" | "ns" => {
                let total = d as i128 * 86_400_000_000_000 + ns as i128 + unit * n as i128;
                let (dd, nn) = (
                    total.div_euclid(86_400_000_000_000),
                    total.rem_euclid(86_400_000_000_000),
                );
                format_datetime(dd as i64, nn as u64)
            }
            _ => {
                let months = match kind {
                    "month" => n,
                    "quarter" => n * 3,
                    _ => n * 12,
                };
                let (y, m, day) = crate::types::civil_from_days(d);
                let idx = y * 12 + (m as i64 - 1) + months;
                let (ny, nm) = (idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1);
                let mut nd = day;
                while nd > 28
                    && crate::types::civil_from_days(crate::types::days_from_civil(ny, nm, nd)).1
                        != nm
                {
                    nd -= 1;
                }
                format_datetime(crate::types::days_from_civil(ny, nm, nd), ns)
            }
        };
        Ok(Some(r))
    })?;
    conn.create_scalar_function("t_datediff", 3, det, |c| {
        let part: String = c.get(0)?;
        let (Some((d1, n1)), Some((d2, n2))) = (to_dt(&c.get_raw(1)), to_dt(&c.get_raw(2))) else {
            return Ok(None);
        };
        let (unit, kind) = date_part_ns(&part).ok_or_else(|| {
            rusqlite::Error::UserFunctionError(
                format!("'{part}' is not a recognized datediff option.").into(),
            )
        })?;
        Ok(Some(match kind {
            "day" => (d2 - d1) / (unit / 86_400_000_000_000) as i64,
            "ns" => {
                let a = (d1 as i128 * 86_400_000_000_000 + n1 as i128) / unit;
                let b = (d2 as i128 * 86_400_000_000_000 + n2 as i128) / unit;
                (b - a) as i64
            }
            _ => {
                let (y1, m1, _) = crate::types::civil_from_days(d1);
                let (y2, m2, _) = crate::types::civil_from_days(d2);
                let months = (y2 * 12 + m2 as i64) - (y1 * 12 + m1 as i64);
                match kind {
                    "month" => months,
                    "quarter" => (y2 * 4 + (m2 as i64 - 1) / 3) - (y1 * 4 + (m1 as i64 - 1) / 3),
                    _ => y2 - y1,
                }
            }
        }))
    })?;
    conn.create_scalar_function("t_datepart", 2, det, |c| {
        let part: String = c.get(0)?;
        let Some((d, ns)) = to_dt(&c.get_raw(1)) else {
            return Ok(None);
        };
        let (y, m, day) = crate::types::civil_from_days(d);
        Ok(Some(match part.to_ascii_lowercase().as_str() {
            "year" | "yy" | "yyyy" => y,
            "month" | "mm" | "m" => m as i64,
            "day" | "dd" | "d" => day as i64,
            "hour" | "hh" => (ns / 3_600_000_000_000) as i64,
            "minute" | "mi" | "n" => (ns / 60_000_000_000 % 60) as i64,
            "second" | "ss" | "s" => (ns / 1_000_000_000 % 60) as i64,
            "millisecond" | "ms" => (ns / 1_000_000 % 1000) as i64,
            _ => 0,
        }))
    })?;
    let li = last_identity.clone();
    conn.create_scalar_function("t_note_identity", 1, nondet, move |c| {
        let v: Option<i64> = c.get(0)?;
        if let (Some(v), Ok(mut g)) = (v, li.lock()) {
            *g = Some(v);
        }
        Ok(v)
    })?;
    let li = last_identity;
    conn.create_scalar_function("t_scope_identity", 0, nondet, move |_| {
        Ok(li.lock().ok().and_then(|g| *g))
    })?;
    let sh = shared.clone();
    let dbname = db.to_string();
    conn.create_scalar_function("t_db_name", -1, nondet, move |c| {
        if c.is_empty() {
            return Ok(Some(dbname.clone()));
        }
        let id: Option<i64> = c.get(0)?;
        let dbs = sh
            .dbs
            .lock()
            .map_err(|_| rusqlite::Error::UserFunctionError("poisoned".into()))?;
        Ok(id.and_then(|id| dbs.values().find(|d| d.id == id).map(|d| d.name.clone())))
    })?;
    let sh = shared.clone();
    let dbname = db.to_string();
    conn.create_scalar_function("t_db_id", -1, nondet, move |c| {
        let name: Option<String> = if c.is_empty() {
            Some(dbname.clone())
        } else {
            text_of(&c.get_raw(0))
        };
        let dbs = sh
            .dbs
            .lock()
            .map_err(|_| rusqlite::Error::UserFunctionError("poisoned".into()))?;
        Ok(name.and_then(|n| {
            dbs.get(&n.trim_matches(['[', ']']).to_lowercase())
                .map(|d| d.id)
        }))
    })?;
    let sh = shared.clone();
    conn.create_scalar_function("t_has_dbaccess", 1, nondet, move |c| {
        let Some(name) = text_of(&c.get_raw(0)) else {
            return Ok(None);
        };
        let key = name.to_lowercase();
        let dbs = sh
            .dbs
            .lock()
            .map_err(|_| rusqlite::Error::UserFunctionError("poisoned".into()))?;
        Ok(dbs.get(&key).map(|_| i64::from(!sh.faults.is_denied(&key))))
    })?;
    let sh = shared.clone();
    conn.create_scalar_function("t_serverproperty", 1, det, move |c| {
        let p = text_of(&c.get_raw(0)).unwrap_or_default();
        Ok(server_property(&sh.config, &p))
    })?;
    conn.create_scalar_function("t_objname", 1, det, |c| {
        Ok(text_of(&c.get_raw(0)).map(|s| translate::base_name_text(&s)))
    })?;
    Ok(conn)
}

pub fn server_property(cfg: &StandinConfig, p: &str) -> Option<String> {
    let major: u32 = cfg
        .product_version
        .split('.')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    Some(match p.to_ascii_lowercase().as_str() {
        "productversion" => cfg.product_version.clone(),
        "productlevel" => "SP3".into(),
        "edition" => "Developer Edition (64-bit)".into(),
        "engineedition" => "3".into(),
        "machinename" | "servername" => "STANDIN".into(),
        "instancename" => return None,
        "productmajorversion" => major.to_string(),
        "collation" => "SQL_Latin1_General_CP1_CI_AS".into(),
        _ => return None,
    })
}

pub fn version_string(cfg: &StandinConfig) -> String {
    let name = match cfg.product_version.split('.').next() {
        Some("9") => "2005",
        Some("10") if cfg.product_version.starts_with("10.5") => "2008 R2",
        Some("10") => "2008",
        Some("11") => "2012",
        Some("12") => "2014",
        Some("13") => "2016",
        Some("14") => "2017",
        Some("15") => "2019",
        _ => "2022",
    };
    format!(
        "Microsoft SQL Server {name} (SP3) - {} (X64) \n\tsqlserver-standin (SQLite-backed test stand-in)\n\tDeveloper Edition (64-bit) on Linux",
        cfg.product_version
    )
}

/// Maps a SQLite error to a SQL Server error.
pub fn map_sqlite_err(e: &rusqlite::Error, db: &str, verb: &str) -> SqlErr {
    let msg = match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        rusqlite::Error::UserFunctionError(u) => return SqlErr::new(241, 16, u.to_string()),
        other => other.to_string(),
    };
    let after = |p: &str| msg.find(p).map(|i| msg[i + p.len()..].trim().to_string());
    if let Some(t) = after("no such table:") {
        let t = t.trim_start_matches("main.");
        return SqlErr::new(208, 16, format!("Invalid object name '{t}'."));
    }
    if let Some(c) = after("no such column:") {
        let c = c.rsplit('.').next().unwrap_or(&c).to_string();
        return SqlErr::new(207, 16, format!("Invalid column name '{c}'."));
    }
    if let Some(f) = after("no such function:") {
        let f = f.split(" in ").next().unwrap_or(&f).trim().to_string();
        return SqlErr::new(
            195,
            15,
            format!("'{f}' is not a recognized built-in function name."),
        );
    }
    if let Some(c) = after("UNIQUE constraint failed:") {
        let table = c.split('.').next().unwrap_or("").to_string();
        let (kind, name) = if c.contains("index") {
            ("UNIQUE KEY", c.clone())
        } else {
            ("PRIMARY KEY", format!("PK_{table}"))
        };
        return SqlErr::stmt(
            2627,
            14,
            format!("Violation of {kind} constraint '{name}'. Cannot insert duplicate key in object 'dbo.{table}'."),
        );
    }
    if let Some(c) = after("NOT NULL constraint failed:") {
        let mut it = c.split('.');
        let t = it.next().unwrap_or("").to_string();
        let col = it.next().unwrap_or("").to_string();
        return SqlErr::stmt(
            515,
            16,
            format!("Cannot insert the value NULL into column '{col}', table '{db}.dbo.{t}'; column does not allow nulls. {} fails.", verb.to_uppercase()),
        );
    }
    if msg.contains("FOREIGN KEY constraint failed") {
        return SqlErr::stmt(547, 16, format!("The {} statement conflicted with the FOREIGN KEY constraint. The conflict occurred in database \"{db}\".", verb.to_uppercase()));
    }
    if let Some(c) = after("CHECK constraint failed:") {
        return SqlErr::stmt(547, 16, format!("The {} statement conflicted with the CHECK constraint \"{c}\". The conflict occurred in database \"{db}\".", verb.to_uppercase()));
    }
    if msg.contains("database is locked") || msg.contains("database table is locked") {
        return SqlErr::new(1222, 16, "Lock request time out period exceeded.");
    }
    if msg.contains("syntax error") {
        let near = msg.split('"').nth(1).unwrap_or("").to_string();
        return SqlErr::syntax(&near);
    }
    if msg.contains("already exists") {
        let name = msg.split_whitespace().nth(1).unwrap_or("").to_string();
        return SqlErr::new(
            2714,
            16,
            format!("There is already an object named '{name}' in the database."),
        );
    }
    SqlErr::new(50000, 16, format!("stand-in: {msg}"))
}

/// Splits text lines: a batch containing a `GO` separator line is rejected like SQL Server does.
fn has_go_line(sql: &str) -> bool {
    sql.lines().any(|l| {
        let t = l.trim();
        let up = t.to_ascii_uppercase();
        up == "GO" || (up.starts_with("GO ") && up[3..].trim().chars().all(|c| c.is_ascii_digit()))
    })
}

fn strip_leading_comments(sql: &str) -> &str {
    let mut s = sql.trim_start();
    loop {
        if let Some(r) = s.strip_prefix("--") {
            s = r.split_once('\n').map(|x| x.1).unwrap_or("").trim_start();
        } else if let Some(r) = s.strip_prefix("/*") {
            s = r.split_once("*/").map(|x| x.1).unwrap_or("").trim_start();
        } else {
            return s;
        }
    }
}

fn first_words(sql: &str, n: usize) -> Vec<String> {
    strip_leading_comments(sql)
        .split(|c: char| c.is_whitespace() || c == '(' || c == '[')
        .filter(|w| !w.is_empty())
        .take(n)
        .map(|w| w.to_ascii_uppercase())
        .collect()
}

impl Session {
    pub fn open(shared: Arc<Shared>, db: &str, spid: u16) -> Result<Session, SqlErr> {
        let (name, path) = shared.db_path(db).ok_or_else(|| {
            SqlErr::new(
                911,
                16,
                format!(
                    "Database '{db}' does not exist. Make sure that the name is entered correctly."
                ),
            )
        })?;
        let last_identity = Arc::new(Mutex::new(None));
        let conn = open_connection(&shared, &name, &path, last_identity.clone())
            .map_err(|e| SqlErr::internal(e.to_string()))?;
        Ok(Session {
            shared,
            conn,
            db: name,
            spid,
            trancount: 0,
            tran_desc: 0,
            nocount: false,
            xact_abort: false,
            identity_insert: None,
            vars: HashMap::new(),
            last_identity,
            rowcount: 0,
            bulk: None,
            cat_cache: HashMap::new(),
        })
    }

    fn server_name(&self) -> &'static str {
        "STANDIN"
    }

    pub fn report(&self, out: &mut Out<'_>, e: &SqlErr) -> Result<(), Stop> {
        out.error(e, self.server_name())?;
        out.done(tds::DONE_ERROR, 0, None)
    }

    // ------------------------------------------------------------ transactions

    pub fn begin_tran(&mut self, out: &mut Out<'_>) -> Result<(), SqlErr> {
        if self.trancount == 0 {
            // IMMEDIATE: a transaction takes SQLite's write lock when it begins, so it can write after reading
            // even when another session committed in between, as SQL Server's row locks allow. A deferred
            // transaction would get SQLITE_BUSY (snapshot stale) at its first write, at once and for good.
            self.conn
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(|e| map_sqlite_err(&e, &self.db, "begin"))?;
            self.tran_desc = self.shared.next_tran.fetch_add(1, Ordering::SeqCst) as u64;
            let d = self.tran_desc.to_le_bytes();
            let _ = out.token(|b| tds::envchange_bytes(b, 8, &d, &[]));
        }
        self.trancount += 1;
        Ok(())
    }

    pub fn commit_tran(&mut self, out: &mut Out<'_>) -> Result<(), SqlErr> {
        if self.trancount == 0 {
            return Err(SqlErr::new(
                3902,
                16,
                "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.",
            ));
        }
        if self.shared.faults.take_fail_commit() {
            self.rollback_tran(out)?;
            return Err(SqlErr::new(
                3930,
                16,
                "The current transaction cannot be committed and cannot support operations that write to the log file. Roll back the transaction. (stand-in injected COMMIT failure; the transaction was rolled back)",
            ));
        }
        self.trancount -= 1;
        if self.trancount == 0 {
            if let Err(e) = self.conn.execute_batch("COMMIT") {
                let err = map_sqlite_err(&e, &self.db, "commit");
                let _ = self.conn.execute_batch("ROLLBACK");
                let d = self.tran_desc.to_le_bytes();
                let _ = out.token(|b| tds::envchange_bytes(b, 10, &[], &d));
                return Err(err);
            }
            let d = self.tran_desc.to_le_bytes();
            let _ = out.token(|b| tds::envchange_bytes(b, 9, &[], &d));
        }
        Ok(())
    }

    pub fn rollback_tran(&mut self, out: &mut Out<'_>) -> Result<(), SqlErr> {
        if self.trancount == 0 {
            return Err(SqlErr::new(
                3903,
                16,
                "The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.",
            ));
        }
        self.trancount = 0;
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        self.cat_cache.clear();
        let d = self.tran_desc.to_le_bytes();
        let _ = out.token(|b| tds::envchange_bytes(b, 10, &[], &d));
        Ok(())
    }

    // ------------------------------------------------------------ catalog

    pub fn table_cat(&mut self, table: &str) -> Option<TableCat> {
        cached_cat(&self.conn, &mut self.cat_cache, table)
    }

    // ------------------------------------------------------------ entry points

    pub fn run_batch(&mut self, sql: &str, params: &Params, out: &mut Out<'_>) -> Result<(), Stop> {
        self.cat_cache.clear();
        if has_go_line(sql) {
            return self.report(out, &SqlErr::syntax("GO"));
        }
        let words = first_words(sql, 3);
        let w = |i: usize| words.get(i).map(|s| s.as_str()).unwrap_or("");
        if w(0) == "INSERT" && w(1) == "BULK" {
            return match self.prepare_bulk(sql) {
                Ok(()) => out.done(0, 0xC3, None),
                Err(e) => self.report(out, &e),
            };
        }
        if w(0) == "CREATE" || w(0) == "ALTER" {
            let kind = if w(1) == "OR" { w(3) } else { w(1) };
            if matches!(kind, "FUNCTION" | "PROCEDURE" | "PROC" | "TRIGGER" | "VIEW")
                && kind != "VIEW"
            {
                return match self.store_module(sql, kind) {
                    Ok(()) => Ok(()),
                    Err(e) => self.report(out, &e),
                };
            }
        }
        let cleaned = translate::pre_clean(sql);
        let stmts = match Parser::parse_sql(&MsSqlDialect {}, &cleaned) {
            Ok(s) => s,
            Err(e) => return self.report(out, &translate::parse_error(&e.to_string())),
        };
        for st in &stmts {
            if let Err(e) = translate::reject_non_tsql(st, &self.shared.config) {
                return self.report(out, &e);
            }
        }
        self.run_statements(&stmts, params, out)
    }

    fn run_statements(
        &mut self,
        stmts: &[Statement],
        params: &Params,
        out: &mut Out<'_>,
    ) -> Result<(), Stop> {
        for st in stmts {
            match self.exec_stmt(st, params, out) {
                Ok(()) => {}
                Err(e) => {
                    self.report(out, &e)?;
                    if self.xact_abort && self.trancount > 0 {
                        let _ = self.rollback_tran(out);
                        return Ok(());
                    }
                    if e.abort_batch {
                        return Ok(());
                    }
                }
            }
            if out.cancelled || out.disconnected {
                return Ok(());
            }
        }
        Ok(())
    }

    fn store_module(&mut self, sql: &str, kind: &str) -> Result<(), SqlErr> {
        let body = strip_leading_comments(sql);
        let toks: Vec<&str> = body.split_whitespace().collect();
        let idx = toks
            .iter()
            .position(|t| t.eq_ignore_ascii_case(kind))
            .unwrap_or(1);
        let raw_name = toks.get(idx + 1).copied().unwrap_or("");
        let raw_name = raw_name.split('(').next().unwrap_or(raw_name);
        let name = translate::base_name_text(raw_name);
        if name.is_empty() {
            return Err(SqlErr::syntax(kind));
        }
        let ty = match kind {
            "FUNCTION" => "FN",
            "TRIGGER" => "TR",
            _ => "P",
        };
        let oid = self.shared.next_object_id.fetch_add(1, Ordering::SeqCst);
        self.conn
            .execute(
                "INSERT OR REPLACE INTO __standin_tables (name, object_id, type, definition) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![name, oid, ty, sql],
            )
            .map_err(|e| map_sqlite_err(&e, &self.db, "create"))?;
        Ok(())
    }

    fn prepare_bulk(&mut self, sql: &str) -> Result<(), SqlErr> {
        // INSERT BULK table (col type, col type, ...) [WITH (...)]
        let s = strip_leading_comments(sql);
        let rest = s[6..].trim_start()[4..].trim_start();
        let open = rest.find('(').ok_or_else(|| SqlErr::syntax("BULK"))?;
        let table = translate::base_name_text(rest[..open].trim());
        let mut depth = 0;
        let mut end = rest.len();
        for (i, c) in rest[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let inner = &rest[open + 1..end];
        let mut cols = Vec::new();
        let mut depth = 0;
        let mut cur = String::new();
        for c in inner.chars().chain(std::iter::once(',')) {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    let name = cur.trim().to_string();
                    let name = if let Some(r) = name.strip_prefix('[') {
                        r.split(']').next().unwrap_or("").to_string()
                    } else {
                        name.split_whitespace().next().unwrap_or("").to_string()
                    };
                    if !name.is_empty() {
                        cols.push(name);
                    }
                    cur.clear();
                    continue;
                }
                _ => {}
            }
            cur.push(c);
        }
        if self.table_cat(&table).is_none() {
            return Err(SqlErr::new(
                208,
                16,
                format!("Invalid object name '{table}'."),
            ));
        }
        self.bulk = Some((table, cols));
        Ok(())
    }

    /// BulkLoad message: COLMETADATA + ROW* + DONE.
    pub fn run_bulk(&mut self, data: &[u8], out: &mut Out<'_>) -> Result<(), Stop> {
        let Some((table, names)) = self.bulk.take() else {
            return self.report(
                out,
                &SqlErr::new(
                    4804,
                    16,
                    "INSERT BULK was not sent before the bulk-load data.",
                ),
            );
        };
        match self.bulk_insert(&table, &names, data) {
            Ok(n) => {
                self.rowcount = n as i64;
                out.done(0, 0xC3, Some(n))
            }
            Err(e) => self.report(out, &e),
        }
    }

    fn bulk_insert(&mut self, table: &str, names: &[String], data: &[u8]) -> Result<u64, SqlErr> {
        let io = |e: std::io::Error| {
            SqlErr::new(4804, 16, format!("While reading current row from host, a premature end-of-message was encountered ({e})."))
        };
        let mut r = tds::Rd::new(data);
        if r.u8().map_err(io)? != 0x81 {
            return Err(SqlErr::new(
                4804,
                16,
                "bulk load data does not start with COLMETADATA",
            ));
        }
        let n = r.u16().map_err(io)? as usize;
        let mut types = Vec::with_capacity(n);
        for _ in 0..n {
            r.u32().map_err(io)?;
            r.u16().map_err(io)?;
            let t = tds::read_type_info(&mut r).map_err(io)?;
            if matches!(t.code, 0x22 | 0x23 | 0x63) {
                let l = r.u16().map_err(io)? as usize;
                r.take(l * 2).map_err(io)?;
            }
            r.b_varchar().map_err(io)?;
            types.push(t);
        }
        if names.len() != n {
            return Err(SqlErr::new(
                4804,
                16,
                format!(
                    "INSERT BULK listed {} columns but the data has {n}",
                    names.len()
                ),
            ));
        }
        let cols: Vec<String> = names.iter().map(|c| translate::quote(c)).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            translate::quote(table),
            cols.join(", "),
            (1..=n)
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let own_tx = self.conn.is_autocommit();
        if own_tx {
            self.conn
                .execute_batch("BEGIN")
                .map_err(|e| map_sqlite_err(&e, &self.db, "insert"))?;
        } else {
            self.conn
                .execute_batch("SAVEPOINT standin_bulk")
                .map_err(|e| map_sqlite_err(&e, &self.db, "insert"))?;
        }
        let res = (|| -> Result<u64, SqlErr> {
            let mut st = self
                .conn
                .prepare_cached(&sql)
                .map_err(|e| map_sqlite_err(&e, &self.db, "insert"))?;
            let mut count = 0u64;
            loop {
                let tok = r.u8().map_err(io)?;
                match tok {
                    0xD1 => {
                        for (i, t) in types.iter().enumerate() {
                            let v = tds::read_value(&mut r, t).map_err(io)?;
                            st.raw_bind_parameter(i + 1, v.to_sqlite())
                                .map_err(|e| map_sqlite_err(&e, &self.db, "insert"))?;
                        }
                        st.raw_execute()
                            .map_err(|e| map_sqlite_err(&e, &self.db, "insert"))?;
                        count += 1;
                    }
                    0xFD => break,
                    other => {
                        return Err(SqlErr::new(
                            4804,
                            16,
                            format!("unexpected token 0x{other:02X} in bulk-load data"),
                        ))
                    }
                }
            }
            Ok(count)
        })();
        let fin = match (&res, own_tx) {
            (Ok(_), true) => "COMMIT",
            (Err(_), true) => "ROLLBACK",
            (Ok(_), false) => "RELEASE standin_bulk",
            (Err(_), false) => "ROLLBACK TO standin_bulk; RELEASE standin_bulk",
        };
        self.conn
            .execute_batch(fin)
            .map_err(|e| map_sqlite_err(&e, &self.db, "insert"))?;
        res
    }

    // ------------------------------------------------------------ statements

    fn ctx<'p>(&'p mut self, params: &'p Params) -> Ctx<'p> {
        Ctx {
            conn: &self.conn,
            cache: &mut self.cat_cache,
            params,
            vars: &self.vars,
            config: &self.shared.config,
            spid: self.spid,
            rowcount: self.rowcount,
            trancount: self.trancount,
            scopes: Vec::new(),
            derived: HashMap::new(),
        }
    }

    fn exec_stmt(
        &mut self,
        st: &Statement,
        params: &Params,
        out: &mut Out<'_>,
    ) -> Result<(), SqlErr> {
        match st {
            Statement::Query(q) => self.exec_query(q, params, out),
            Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_) => {
                self.exec_dml(st, params, out)
            }
            Statement::CreateTable(ct) => {
                let sqls = {
                    let mut ctx = self.ctx(params);
                    translate::create_table(&mut ctx, ct)?
                };
                let oid = self.shared.next_object_id.fetch_add(1, Ordering::SeqCst);
                let tname = translate::base_name(&ct.name);
                if self.table_cat(&tname).is_some() {
                    return Err(SqlErr::new(
                        2714,
                        16,
                        format!("There is already an object named '{tname}' in the database."),
                    ));
                }
                let sp = self.conn.is_autocommit();
                if sp {
                    self.conn
                        .execute_batch("BEGIN")
                        .map_err(|e| map_sqlite_err(&e, &self.db, "create"))?;
                }
                let r = (|| {
                    for s in &sqls {
                        self.conn
                            .execute_batch(&s.replace("{OBJECT_ID}", &oid.to_string()))
                            .map_err(|e| map_sqlite_err(&e, &self.db, "create"))?;
                    }
                    Ok::<(), SqlErr>(())
                })();
                if sp {
                    let _ = self
                        .conn
                        .execute_batch(if r.is_ok() { "COMMIT" } else { "ROLLBACK" });
                }
                self.cat_cache.clear();
                r
            }
            Statement::CreateIndex(ci) => {
                let sql = {
                    let mut ctx = self.ctx(params);
                    translate::create_index(&mut ctx, ci)?
                };
                self.conn
                    .execute_batch(&sql)
                    .map_err(|e| map_sqlite_err(&e, &self.db, "create"))
            }
            Statement::Drop {
                object_type,
                if_exists,
                names,
                ..
            } => {
                use ast::ObjectType;
                match object_type {
                    ObjectType::Table | ObjectType::View => {
                        for n in names {
                            let t = translate::base_name(n);
                            if self.table_cat(&t).is_none() {
                                if *if_exists {
                                    continue;
                                }
                                return Err(SqlErr::new(3701, 11, format!("Cannot drop the table '{t}', because it does not exist or you do not have permission.")));
                            }
                            let q = translate::quote(&t);
                            self.conn
                                .execute_batch(&format!(
                                    "DROP TABLE {q}; DELETE FROM __standin_tables WHERE name = '{e}'; DELETE FROM __standin_columns WHERE table_name = '{e}'; DELETE FROM __standin_identity WHERE table_name = '{e}';",
                                    e = t.replace('\'', "''")
                                ))
                                .map_err(|e| map_sqlite_err(&e, &self.db, "drop"))?;
                        }
                        self.cat_cache.clear();
                        Ok(())
                    }
                    ObjectType::Database => {
                        for n in names {
                            self.drop_database(&translate::base_name(n), *if_exists)?;
                        }
                        Ok(())
                    }
                    ObjectType::Index => {
                        for n in names {
                            let i = translate::base_name(n);
                            self.conn
                                .execute_batch(&format!(
                                    "DROP INDEX IF EXISTS {}",
                                    translate::quote(&i)
                                ))
                                .map_err(|e| map_sqlite_err(&e, &self.db, "drop"))?;
                        }
                        Ok(())
                    }
                    _ => Err(SqlErr::new(
                        50000,
                        16,
                        format!("stand-in: DROP {object_type} is not supported"),
                    )),
                }
            }
            Statement::CreateDatabase {
                db_name,
                if_not_exists,
                ..
            } => {
                let name = translate::base_name(db_name);
                if *if_not_exists && self.shared.db_path(&name).is_some() {
                    return Ok(());
                }
                self.shared.create_database(&name)
            }
            Statement::Use(u) => {
                let name = match u {
                    ast::Use::Object(n)
                    | ast::Use::Database(n)
                    | ast::Use::Catalog(n)
                    | ast::Use::Schema(n) => translate::base_name(n),
                    _ => return Err(SqlErr::syntax("USE")),
                };
                self.use_db(&name, out)
            }
            Statement::StartTransaction { .. } => self.begin_tran(out),
            Statement::Commit { .. } => self.commit_tran(out),
            Statement::Rollback { savepoint, .. } => {
                if savepoint.is_some() {
                    return Err(SqlErr::new(
                        50000,
                        16,
                        "stand-in: savepoints are not supported",
                    ));
                }
                self.rollback_tran(out)
            }
            Statement::Set(s) => self.exec_set(s, params),
            Statement::Declare { stmts, .. } => {
                for d in stmts {
                    let ty = d
                        .data_type
                        .as_ref()
                        .and_then(|t| SqlType::parse(&t.to_string(), false))
                        .ok_or_else(|| {
                            SqlErr::new(
                                2715,
                                16,
                                "Column, parameter, or variable #1: Cannot find data type.",
                            )
                        })?;
                    let val = match &d.assignment {
                        Some(a) => {
                            let e = match a {
                                ast::DeclareAssignment::Expr(e)
                                | ast::DeclareAssignment::Default(e)
                                | ast::DeclareAssignment::DuckAssignment(e)
                                | ast::DeclareAssignment::For(e)
                                | ast::DeclareAssignment::MsSqlAssignment(e) => e,
                            };
                            self.eval(e, params, &ty)?
                        }
                        None => Val::Null,
                    };
                    for n in &d.names {
                        self.vars
                            .insert(n.value.to_lowercase(), (ty.clone(), val.clone()));
                    }
                }
                Ok(())
            }
            Statement::If(ifs) => {
                let mut blocks = vec![&ifs.if_block];
                blocks.extend(ifs.elseif_blocks.iter());
                for b in blocks {
                    let cond = match &b.condition {
                        Some(c) => c,
                        None => continue,
                    };
                    let case = format!("CASE WHEN {cond} THEN 1 ELSE 0 END");
                    let e = Parser::new(&MsSqlDialect {})
                        .try_with_sql(&case)
                        .and_then(|mut p| p.parse_expr())
                        .map_err(|e| translate::parse_error(&e.to_string()))?;
                    if self.eval(&e, params, &SqlType::Int)? == Val::Int(1) {
                        let stmts = b.conditional_statements.statements().clone();
                        return self.run_nested(&stmts, params, out);
                    }
                }
                if let Some(b) = &ifs.else_block {
                    let stmts = b.conditional_statements.statements().clone();
                    return self.run_nested(&stmts, params, out);
                }
                Ok(())
            }
            Statement::AlterTable(at) => {
                let sqls = {
                    let mut ctx = self.ctx(params);
                    translate::alter_table(&mut ctx, at)?
                };
                for s in sqls {
                    self.conn
                        .execute_batch(&s)
                        .map_err(|e| map_sqlite_err(&e, &self.db, "alter"))?;
                }
                self.cat_cache.clear();
                Ok(())
            }
            Statement::Truncate(t) => {
                for tn in &t.table_names {
                    let name = translate::base_name(&tn.name);
                    self.conn
                        .execute_batch(&format!("DELETE FROM {}", translate::quote(&name)))
                        .map_err(|e| map_sqlite_err(&e, &self.db, "truncate"))?;
                    self.conn
                        .execute(
                            "UPDATE __standin_identity SET current = NULL WHERE table_name = ?1",
                            [&name],
                        )
                        .map_err(|e| map_sqlite_err(&e, &self.db, "truncate"))?;
                }
                Ok(())
            }
            other => Err(SqlErr::new(
                50000,
                16,
                format!(
                    "stand-in: statement not supported: {}",
                    other.to_string().chars().take(60).collect::<String>()
                ),
            )),
        }
    }

    fn run_nested(
        &mut self,
        stmts: &[Statement],
        params: &Params,
        out: &mut Out<'_>,
    ) -> Result<(), SqlErr> {
        for st in stmts {
            self.exec_stmt(st, params, out)?;
        }
        Ok(())
    }

    fn drop_database(&mut self, name: &str, if_exists: bool) -> Result<(), SqlErr> {
        if name.eq_ignore_ascii_case("master") {
            return Err(SqlErr::new(
                3708,
                16,
                "Cannot drop the database 'master' because it is a system database.",
            ));
        }
        if name.eq_ignore_ascii_case(&self.db) {
            return Err(SqlErr::new(
                3702,
                16,
                format!("Cannot drop database \"{name}\" because it is currently in use."),
            ));
        }
        let mut dbs = self
            .shared
            .dbs
            .lock()
            .map_err(|_| SqlErr::internal("poisoned"))?;
        match dbs.remove(&name.to_lowercase()) {
            Some(d) => {
                for ext in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{ext}", d.path.display()));
                }
                Ok(())
            }
            None if if_exists => Ok(()),
            None => Err(SqlErr::new(3701, 11, format!("Cannot drop the database '{name}', because it does not exist or you do not have permission."))),
        }
    }

    /// `sys.databases` as a per-session temp table (it shadows nothing: the name is the stand-in's own), filled
    /// from the server's database registry just before a query reads it.
    fn refresh_sys_databases(&mut self) -> Result<(), SqlErr> {
        let rows: Vec<(String, i64, String)> = {
            let dbs = self
                .shared
                .dbs
                .lock()
                .map_err(|_| SqlErr::internal("database registry poisoned"))?;
            dbs.values()
                .map(|d| (d.name.clone(), d.id, d.created.clone()))
                .collect()
        };
        let e = |e: rusqlite::Error| SqlErr::internal(e.to_string());
        self.conn
            .execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS __sys_databases (name NVARCHAR(128) COLLATE NOCASE NOT NULL, \
                 database_id INT NOT NULL, state TINYINT NOT NULL, state_desc NVARCHAR(60) NOT NULL, \
                 create_date DATETIME NOT NULL, user_access TINYINT NOT NULL); DELETE FROM temp.__sys_databases;",
            )
            .map_err(e)?;
        let mut st = self
            .conn
            .prepare("INSERT INTO temp.__sys_databases VALUES (?1, ?2, 0, 'ONLINE', ?3, 0)")
            .map_err(e)?;
        for (name, id, created) in rows {
            st.execute(rusqlite::params![name, id, created])
                .map_err(e)?;
        }
        Ok(())
    }

    pub fn use_db(&mut self, name: &str, out: &mut Out<'_>) -> Result<(), SqlErr> {
        let (real, path) = self
            .shared
            .db_path(name)
            .ok_or_else(|| SqlErr::new(911, 16, format!("Database '{name}' does not exist. Make sure that the name is entered correctly.")))?;
        if self.shared.faults.is_denied(&real) {
            return Err(SqlErr::new(916, 14, format!("The server principal \"sa\" is not able to access the database \"{real}\" under the current security context.")));
        }
        if self.trancount > 0 {
            return Err(SqlErr::new(
                50000,
                16,
                "stand-in: USE inside a transaction is not supported",
            ));
        }
        let conn = open_connection(&self.shared, &real, &path, self.last_identity.clone())
            .map_err(|e| SqlErr::internal(e.to_string()))?;
        let old = std::mem::replace(&mut self.db, real.clone());
        self.conn = conn;
        self.cat_cache.clear();
        let server = self.server_name();
        let _ = out.token(|b| {
            tds::envchange_str(b, 1, &real, &old);
            tds::info_token(
                b,
                5701,
                &format!("Changed database context to '{real}'."),
                server,
            );
        });
        Ok(())
    }

    fn exec_set(&mut self, s: &ast::Set, params: &Params) -> Result<(), SqlErr> {
        use ast::{Set, SetSessionParamKind};
        match s {
            Set::SetSessionParam(SetSessionParamKind::Generic(g)) => {
                let on = g.value.eq_ignore_ascii_case("ON");
                for n in &g.names {
                    match n.to_ascii_uppercase().as_str() {
                        "NOCOUNT" => self.nocount = on,
                        "XACT_ABORT" => self.xact_abort = on,
                        _ => {}
                    }
                }
                Ok(())
            }
            Set::SetSessionParam(SetSessionParamKind::IdentityInsert(ii)) => {
                let t = translate::base_name(&ii.obj);
                let cat = self
                    .table_cat(&t)
                    .ok_or_else(|| SqlErr::new(208, 16, format!("Invalid object name '{t}'.")))?;
                if cat.identity.is_none() {
                    return Err(SqlErr::new(8106, 16, format!("Table '{t}' does not have the identity property. Cannot perform SET operation.")));
                }
                let on = matches!(ii.value, ast::SessionParamValue::On);
                if on {
                    if let Some(other) = &self.identity_insert {
                        if !other.eq_ignore_ascii_case(&t) {
                            return Err(SqlErr::new(8107, 16, format!("IDENTITY_INSERT is already ON for table '{}.dbo.{other}'. Cannot perform SET operation for table '{t}'.", self.db)));
                        }
                    }
                    self.identity_insert = Some(cat.name.clone());
                } else if self
                    .identity_insert
                    .as_deref()
                    .is_some_and(|o| o.eq_ignore_ascii_case(&t))
                {
                    self.identity_insert = None;
                }
                Ok(())
            }
            Set::SetSessionParam(_) => Ok(()),
            Set::SetTransaction { .. } => Ok(()),
            Set::SingleAssignment {
                variable, values, ..
            } => {
                let name = variable.to_string().to_lowercase();
                let ty = self.vars.get(&name).map(|v| v.0.clone()).ok_or_else(|| {
                    SqlErr::new(
                        137,
                        15,
                        format!("Must declare the scalar variable \"{variable}\"."),
                    )
                })?;
                let e = values.first().ok_or_else(|| SqlErr::syntax("="))?;
                let v = self.eval(e, params, &ty)?;
                self.vars.insert(name, (ty, v));
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Evaluates a scalar expression with SQLite and converts it to `ty`.
    fn eval(&mut self, e: &Expr, params: &Params, ty: &SqlType) -> Result<Val, SqlErr> {
        let mut e = e.clone();
        let sql = {
            let mut ctx = self.ctx(params);
            ctx.scopes.push(Vec::new());
            translate::expr(&mut ctx, &mut e)?;
            format!("SELECT {e}")
        };
        let mut st = self
            .conn
            .prepare(&sql)
            .map_err(|er| map_sqlite_err(&er, &self.db, "select"))?;
        self.bind(&mut st, params)?;
        let mut rows = st.raw_query();
        let row = rows
            .next()
            .map_err(|er| map_sqlite_err(&er, &self.db, "select"))?;
        match row {
            Some(r) => {
                let v = r
                    .get_ref(0)
                    .map_err(|er| map_sqlite_err(&er, &self.db, "select"))?;
                Val::from_sqlite(v, ty).map_err(|c| SqlErr::new(245, 16, c.0))
            }
            None => Ok(Val::Null),
        }
    }

    fn bind(&self, st: &mut rusqlite::Statement<'_>, params: &Params) -> Result<(), SqlErr> {
        for i in 1..=st.parameter_count() {
            let Some(name) = st.parameter_name(i) else {
                continue;
            };
            let key = name.to_lowercase();
            let v = params
                .get(&key)
                .or_else(|| self.vars.get(&key))
                .ok_or_else(|| {
                    SqlErr::new(
                        137,
                        15,
                        format!("Must declare the scalar variable \"{name}\"."),
                    )
                })?;
            st.raw_bind_parameter(i, v.1.to_sqlite())
                .map_err(|e| map_sqlite_err(&e, &self.db, "select"))?;
        }
        Ok(())
    }

    fn exec_dml(
        &mut self,
        st: &Statement,
        params: &Params,
        out: &mut Out<'_>,
    ) -> Result<(), SqlErr> {
        let mut st = st.clone();
        let ii = self.identity_insert.clone();
        let verb = match &st {
            Statement::Insert(_) => "insert",
            Statement::Update(_) => "update",
            _ => "delete",
        };
        let sql = {
            let mut ctx = self.ctx(params);
            translate::dml(&mut ctx, &mut st, ii.as_deref())?
        };
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(|e| map_sqlite_err(&e, &self.db, verb))?;
        self.bind(&mut stmt, params)?;
        let n = stmt
            .raw_execute()
            .map_err(|e| map_sqlite_err(&e, &self.db, verb))?;
        drop(stmt);
        self.rowcount = n as i64;
        let _ = out.done(
            0,
            if verb == "insert" {
                0xC3
            } else if verb == "update" {
                0xC5
            } else {
                0xC4
            },
            if self.nocount { None } else { Some(n as u64) },
        );
        Ok(())
    }

    fn exec_query(
        &mut self,
        q: &ast::Query,
        params: &Params,
        out: &mut Out<'_>,
    ) -> Result<(), SqlErr> {
        let mut q = q.clone();
        // SELECT @v = expr ... (assignment)
        if let SetExpr::Select(sel) = q.body.as_ref() {
            let assigns: Vec<Option<String>> = sel
                .projection
                .iter()
                .map(|p| match p {
                    ast::SelectItem::ExprWithAlias { alias, .. }
                        if alias.value.starts_with('@') =>
                    {
                        Some(alias.value.to_lowercase())
                    }
                    _ => None,
                })
                .collect();
            if assigns.iter().any(|a| a.is_some()) {
                return self.exec_select_assign(q, assigns, params, out);
            }
        }
        let (sql, info) = {
            let mut ctx = self.ctx(params);
            translate::query_top(&mut ctx, &mut q)?
        };
        if sql.contains("__sys_databases") {
            self.refresh_sys_databases()?;
        }
        let mut st = self
            .conn
            .prepare(&sql)
            .map_err(|e| map_sqlite_err(&e, &self.db, "select"))?;
        self.bind(&mut st, params)?;
        let ncol = st.column_count();
        let decls: Vec<Option<SqlType>> = st
            .columns()
            .iter()
            .map(|c| c.decl_type().and_then(|d| SqlType::parse(d, true)))
            .collect();
        let names: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
        let origins: Vec<(Option<String>, Option<String>)> = st
            .columns_with_metadata()
            .iter()
            .map(|m| {
                (
                    m.table_name().map(|s| s.to_string()),
                    m.origin_name().map(|s| s.to_string()),
                )
            })
            .collect();
        let mut metas: Vec<ColMeta> = Vec::with_capacity(ncol);
        let mut unknown = vec![false; ncol];
        for i in 0..ncol {
            let inferred = info.get(i).flatten();
            let name = info
                .names
                .get(i)
                .cloned()
                .flatten()
                .unwrap_or_else(|| names[i].clone());
            let mut flags = tds::COLFLAG_NULLABLE;
            let mut ty = decls[i].clone();
            if let (Some(t), Some(c)) = (&origins[i].0, &origins[i].1) {
                if !t.starts_with("__standin") {
                    flags = tds::COLFLAG_UPDATEABLE | tds::COLFLAG_NULLABLE;
                    if let Some(cat) = cached_cat(&self.conn, &mut self.cat_cache, t) {
                        if let Some(col) =
                            cat.cols.iter().find(|cc| cc.name.eq_ignore_ascii_case(c))
                        {
                            ty = Some(col.ty.clone());
                            if !col.nullable {
                                flags &= !tds::COLFLAG_NULLABLE;
                            }
                            if col.identity {
                                flags = tds::COLFLAG_IDENTITY;
                            }
                        }
                    }
                }
            }
            let ty = if info.wildcard {
                ty.or(inferred)
            } else {
                inferred.or(ty)
            };
            if ty.is_none() {
                unknown[i] = true;
            }
            metas.push(ColMeta {
                name,
                ty: ty.unwrap_or(SqlType::Int),
                flags,
            });
        }
        let mut rows = st.raw_query();
        let db = self.db.clone();
        let first = rows.next().map_err(|e| map_sqlite_err(&e, &db, "select"))?;
        if let Some(r) = first {
            for (i, m) in metas.iter_mut().enumerate() {
                if unknown[i] {
                    if let Ok(v) = r.get_ref(i) {
                        m.ty = Val::natural_type(v);
                        if m.ty == SqlType::Int {
                            // integers of unknown origin may exceed int later; use bigint when the
                            // first value already does
                        }
                    }
                }
            }
        }
        let _ = out.token(|b| tds::colmetadata(b, &metas));
        let mut count = 0u64;
        let mut cur = first;
        let mut rowbuf = Vec::new();
        while let Some(r) = cur {
            rowbuf.clear();
            rowbuf.push(0xD1);
            for (i, m) in metas.iter().enumerate() {
                let v = r
                    .get_ref(i)
                    .map_err(|e| map_sqlite_err(&e, &db, "select"))?;
                if tds::put_sqlite_fast(&mut rowbuf, &m.ty, v) {
                    continue;
                }
                let mut val = Val::from_sqlite(v, &m.ty);
                if val.is_err() && unknown[i] && m.ty == SqlType::Int {
                    val = Val::from_sqlite(v, &SqlType::BigInt).and_then(|_| {
                        Err(crate::types::ConvError(
                            "Arithmetic overflow error converting expression to data type int."
                                .into(),
                        ))
                    });
                }
                let val = val.map_err(|c| SqlErr::new(245, 16, c.0))?;
                tds::put_value(&mut rowbuf, &m.ty, &val);
            }
            if out.row(|b| b.extend_from_slice(&rowbuf)).is_err() {
                return Ok(());
            }
            count += 1;
            cur = rows.next().map_err(|e| map_sqlite_err(&e, &db, "select"))?;
        }
        self.rowcount = count as i64;
        let _ = out.done(0, 0xC1, if self.nocount { None } else { Some(count) });
        Ok(())
    }

    fn exec_select_assign(
        &mut self,
        mut q: ast::Query,
        assigns: Vec<Option<String>>,
        params: &Params,
        out: &mut Out<'_>,
    ) -> Result<(), SqlErr> {
        if let SetExpr::Select(sel) = q.body.as_mut() {
            for p in sel.projection.iter_mut() {
                if let ast::SelectItem::ExprWithAlias { expr, .. } = p {
                    *p = ast::SelectItem::UnnamedExpr(expr.clone());
                }
            }
        }
        let mut types = Vec::new();
        for a in assigns.iter() {
            let Some(a) = a else {
                return Err(SqlErr::new(141, 15, "A SELECT statement that assigns a value to a variable must not be combined with data-retrieval operations."));
            };
            let ty = self.vars.get(a).map(|v| v.0.clone()).ok_or_else(|| {
                SqlErr::new(
                    137,
                    15,
                    format!("Must declare the scalar variable \"{a}\"."),
                )
            })?;
            types.push(ty);
        }
        let (sql, _) = {
            let mut ctx = self.ctx(params);
            translate::query_top(&mut ctx, &mut q)?
        };
        let mut st = self
            .conn
            .prepare(&sql)
            .map_err(|e| map_sqlite_err(&e, &self.db, "select"))?;
        self.bind(&mut st, params)?;
        let mut rows = st.raw_query();
        let mut n = 0u64;
        let mut last: Option<Vec<Val>> = None;
        while let Some(r) = rows
            .next()
            .map_err(|e| map_sqlite_err(&e, &self.db, "select"))?
        {
            let mut vals = Vec::new();
            for (i, t) in types.iter().enumerate() {
                let v = r
                    .get_ref(i)
                    .map_err(|e| map_sqlite_err(&e, &self.db, "select"))?;
                vals.push(Val::from_sqlite(v, t).map_err(|c| SqlErr::new(245, 16, c.0))?);
            }
            last = Some(vals);
            n += 1;
        }
        drop(rows);
        drop(st);
        if let Some(vals) = last {
            for ((a, t), v) in assigns.into_iter().zip(types).zip(vals) {
                if let Some(a) = a {
                    self.vars.insert(a, (t, v));
                }
            }
        }
        self.rowcount = n as i64;
        let _ = out.done(0, 0xC1, if self.nocount { None } else { Some(n) });
        Ok(())
    }
}

fn cached_cat(
    conn: &Connection,
    cache: &mut HashMap<String, Option<TableCat>>,
    table: &str,
) -> Option<TableCat> {
    let key = table.to_lowercase();
    if let Some(c) = cache.get(&key) {
        return c.clone();
    }
    let cat = translate::load_table_cat(conn, table);
    cache.insert(key, cat.clone());
    cat
}

/// Decodes the sp_executesql RPC payload into (statement, parameters).
pub fn parse_rpc(data: &[u8]) -> std::io::Result<(String, Params)> {
    let mut r = tds::Rd::new(data);
    tds::skip_all_headers(&mut r)?;
    let len = r.u16()?;
    if len == 0xFFFF {
        let id = r.u16()?;
        if id != 10 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("stand-in: only sp_executesql (proc id 10) is supported, got proc id {id}"),
            ));
        }
    } else {
        let name = r.utf16(len as usize)?;
        if !name.to_lowercase().ends_with("sp_executesql") {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("stand-in: only sp_executesql is supported, got {name}"),
            ));
        }
    }
    r.u16()?; // option flags
    let mut stmt = String::new();
    let mut params = Params::new();
    let mut idx = 0;
    while r.remaining() > 0 {
        let name = r.b_varchar()?;
        r.u8()?; // status
        let t = tds::read_type_info(&mut r)?;
        let v = tds::read_value(&mut r, &t)?;
        match idx {
            0 => match v {
                Val::Text(s) => stmt = s,
                Val::Utf16(units) => stmt = String::from_utf16_lossy(&units),
                _ => {}
            },
            1 => {}
            _ => {
                let name = if name.is_empty() {
                    format!("@p{}", idx - 1)
                } else {
                    name
                };
                params.insert(name.to_lowercase(), (t.sql_type(), v));
            }
        }
        idx += 1;
    }
    Ok((stmt, params))
}
