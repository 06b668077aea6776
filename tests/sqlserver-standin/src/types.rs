//! SQL Server types, values and their SQLite storage form.

use rusqlite::types::{Value as SqlVal, ValueRef};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlType {
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Bit,
    Float,
    Real,
    /// length in characters, None = max
    NVarChar(Option<u16>),
    NChar(Option<u16>),
    VarChar(Option<u16>),
    Char(Option<u16>),
    VarBinary(Option<u16>),
    Binary(Option<u16>),
    Guid,
    DateTime,
    SmallDateTime,
    DateTime2(u8),
    Date,
    Time(u8),
    Decimal(u8, u8),
}

/// A value on its way between TDS and SQLite.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    /// An nvarchar value that is not valid UTF-16 (an unpaired surrogate: legal in SQL Server, which stores
    /// UCS-2, but not representable in a Rust `String` or SQLite TEXT). Valid text is always `Text`.
    Utf16(Vec<u16>),
    Bytes(Vec<u8>),
    /// RFC 4122 byte order
    Guid([u8; 16]),
    /// days since 0001-01-01, nanoseconds since midnight
    DateTime(i64, u64),
    /// mantissa with scale 6
    Decimal(i128),
}

#[derive(Debug, Clone)]
pub struct ConvError(pub String);

/// Marks a SQLite BLOB that holds an nvarchar value which is not valid UTF-16: the tag, then the value's
/// UTF-16LE code units. 0xFF never occurs in UTF-8, so no text converted to bytes can look like it.
pub const UTF16_TAG: &[u8] = b"\xFFstandin-utf16\xFF";

/// UTF-16LE bytes of code units.
pub fn units_to_le_bytes(units: &[u16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(units.len() * 2);
    for u in units {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

/// Code units of UTF-16LE bytes; an odd last byte is dropped (as SQL Server does converting varbinary to
/// nvarchar).
pub fn le_bytes_to_units(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect()
}

/// The nvarchar value of UTF-16 code units: `Text` when they are valid UTF-16, else `Utf16`.
pub fn nvarchar_from_units(units: Vec<u16>) -> Val {
    match String::from_utf16(&units) {
        Ok(text) => Val::Text(text),
        Err(_) => Val::Utf16(units),
    }
}

/// The SQLite storage form of code units that are not valid UTF-16: a tagged BLOB.
pub fn tagged_utf16_blob(units: &[u16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(UTF16_TAG.len() + units.len() * 2);
    out.extend_from_slice(UTF16_TAG);
    out.extend_from_slice(&units_to_le_bytes(units));
    out
}

/// The UTF-16LE bytes of a tagged BLOB, or None for any other BLOB.
pub fn untag_utf16_blob(blob: &[u8]) -> Option<&[u8]> {
    blob.strip_prefix(UTF16_TAG)
        .filter(|rest| rest.len().is_multiple_of(2))
}

impl SqlType {
    pub fn is_max(&self) -> bool {
        matches!(
            self,
            SqlType::NVarChar(None) | SqlType::VarChar(None) | SqlType::VarBinary(None)
        )
    }
    pub fn is_string(&self) -> bool {
        matches!(
            self,
            SqlType::NVarChar(_) | SqlType::NChar(_) | SqlType::VarChar(_) | SqlType::Char(_)
        )
    }
    pub fn is_unicode(&self) -> bool {
        matches!(self, SqlType::NVarChar(_) | SqlType::NChar(_))
    }
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::BigInt | SqlType::Bit
        )
    }
    pub fn is_datetime(&self) -> bool {
        matches!(
            self,
            SqlType::DateTime
                | SqlType::SmallDateTime
                | SqlType::DateTime2(_)
                | SqlType::Date
                | SqlType::Time(_)
        )
    }

    /// Lower-case SQL Server type name (INFORMATION_SCHEMA.COLUMNS.DATA_TYPE).
    pub fn name(&self) -> &'static str {
        use SqlType::*;
        match self {
            TinyInt => "tinyint",
            SmallInt => "smallint",
            Int => "int",
            BigInt => "bigint",
            Bit => "bit",
            Float => "float",
            Real => "real",
            NVarChar(_) => "nvarchar",
            NChar(_) => "nchar",
            VarChar(_) => "varchar",
            Char(_) => "char",
            VarBinary(_) => "varbinary",
            Binary(_) => "binary",
            Guid => "uniqueidentifier",
            DateTime => "datetime",
            SmallDateTime => "smalldatetime",
            DateTime2(_) => "datetime2",
            Date => "date",
            Time(_) => "time",
            Decimal(..) => "decimal",
        }
    }

    /// Declaration text (also used as the SQLite declared type).
    pub fn decl(&self) -> String {
        use SqlType::*;
        let len = |n: &Option<u16>| n.map(|n| n.to_string()).unwrap_or_else(|| "MAX".into());
        match self {
            NVarChar(n) | NChar(n) | VarChar(n) | Char(n) | VarBinary(n) | Binary(n) => {
                format!("{}({})", self.name().to_uppercase(), len(n))
            }
            DateTime2(s) | Time(s) => format!("{}({s})", self.name().to_uppercase()),
            Decimal(p, s) => format!("DECIMAL({p},{s})"),
            _ => self.name().to_uppercase(),
        }
    }

    /// Declared type usable in SQLite DDL (`MAX` becomes a large number).
    pub fn sqlite_decl(&self) -> String {
        self.decl().replace("(MAX)", "(2147483647)")
    }

    pub fn char_max_len(&self) -> Option<i64> {
        use SqlType::*;
        match self {
            NVarChar(n) | NChar(n) | VarChar(n) | Char(n) | VarBinary(n) | Binary(n) => {
                Some(n.map(|n| n as i64).unwrap_or(-1))
            }
            _ => None,
        }
    }
    pub fn numeric_precision(&self) -> Option<i64> {
        use SqlType::*;
        Some(match self {
            TinyInt => 3,
            SmallInt => 5,
            Int => 10,
            BigInt => 19,
            Float => 53,
            Real => 24,
            Decimal(p, _) => *p as i64,
            _ => return None,
        })
    }
    pub fn numeric_scale(&self) -> Option<i64> {
        use SqlType::*;
        Some(match self {
            TinyInt | SmallInt | Int | BigInt => 0,
            Decimal(_, s) => *s as i64,
            _ => return None,
        })
    }
    pub fn datetime_precision(&self) -> Option<i64> {
        use SqlType::*;
        Some(match self {
            DateTime => 3,
            SmallDateTime | Date => 0,
            DateTime2(s) | Time(s) => *s as i64,
            _ => return None,
        })
    }

    /// Integer-type precedence used for arithmetic results.
    pub fn rank(&self) -> u8 {
        use SqlType::*;
        match self {
            Bit => 1,
            TinyInt => 2,
            SmallInt => 3,
            Int => 4,
            BigInt => 5,
            Decimal(..) => 6,
            Real => 7,
            Float => 8,
            _ => 0,
        }
    }

    /// Parses a T-SQL type name such as `NVARCHAR(100)`, `nvarchar(max)`, `DECIMAL(18, 2)`.
    pub fn parse(text: &str, ddl: bool) -> Option<SqlType> {
        let t: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '[' && *c != ']')
            .collect();
        let t = t.to_ascii_uppercase();
        let (base, args) = match t.find('(') {
            Some(i) => (&t[..i], t[i + 1..].trim_end_matches(')').to_string()),
            None => (t.as_str(), String::new()),
        };
        let args: Vec<&str> = if args.is_empty() {
            vec![]
        } else {
            args.split(',').collect()
        };
        let len = |default: u16| -> Option<u16> {
            match args.first() {
                Some(&"MAX") => None,
                Some(n) => match n.parse::<u32>() {
                    Ok(v) if v <= 8000 => Some(v as u16),
                    Ok(_) => None,
                    Err(_) => Some(default),
                },
                None => Some(default),
            }
        };
        let dflt = if ddl { 1 } else { 30 };
        let num = |i: usize, d: u8| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
        use SqlType::*;
        Some(match base.trim_start_matches("DBO.") {
            "TINYINT" => TinyInt,
            "SMALLINT" => SmallInt,
            "INT" | "INTEGER" => Int,
            "BIGINT" => BigInt,
            "BIT" | "BOOLEAN" => Bit,
            "FLOAT" | "DOUBLE" | "DOUBLEPRECISION" => {
                if num(0, 53) <= 24 {
                    Real
                } else {
                    Float
                }
            }
            "REAL" => Real,
            "NVARCHAR" | "NATIONALCHARVARYING" | "NATIONALCHARACTERVARYING" => NVarChar(len(dflt)),
            "NCHAR" | "NATIONALCHAR" | "NATIONALCHARACTER" => NChar(len(dflt)),
            "VARCHAR" | "CHARVARYING" | "CHARACTERVARYING" => VarChar(len(dflt)),
            "CHAR" | "CHARACTER" => Char(len(dflt)),
            "VARBINARY" | "BINARYVARYING" => VarBinary(len(dflt)),
            "BINARY" => Binary(len(dflt)),
            "ROWVERSION" | "TIMESTAMP" => Binary(Some(8)),
            "SYSNAME" => NVarChar(Some(128)),
            "NTEXT" | "XML" => NVarChar(None),
            "TEXT" => VarChar(None),
            "IMAGE" => VarBinary(None),
            "SQL_VARIANT" => NVarChar(Some(4000)),
            "UNIQUEIDENTIFIER" => Guid,
            "DATETIME" => DateTime,
            "SMALLDATETIME" => SmallDateTime,
            "DATETIME2" | "DATETIMEOFFSET" => DateTime2(num(0, 7)),
            "DATE" => Date,
            "TIME" => Time(num(0, 7)),
            "DECIMAL" | "NUMERIC" | "DEC" => Decimal(num(0, 18), num(1, 0)),
            "MONEY" => Decimal(19, 4),
            "SMALLMONEY" => Decimal(10, 4),
            _ => return None,
        })
    }

    /// The SQLite type used in CAST(.. AS x) for this type.
    pub fn sqlite_affinity(&self) -> &'static str {
        use SqlType::*;
        match self {
            TinyInt | SmallInt | Int | BigInt | Bit => "INTEGER",
            Float | Real | Decimal(..) => "REAL",
            VarBinary(_) | Binary(_) => "BLOB",
            _ => "TEXT",
        }
    }
}

// ------------------------------------------------------------------ dates

pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    // days since 0001-01-01 (proleptic Gregorian)
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + 719_162
}

pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days - 719_162 + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn format_datetime(days: i64, nanos: u64) -> String {
    let (y, m, d) = civil_from_days(days);
    let secs = nanos / 1_000_000_000;
    let frac = (nanos % 1_000_000_000) / 100;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{frac:07}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Styles `CONVERT(string, date/time, style)` knows.
pub fn datetime_style_known(style: i64) -> bool {
    matches!(
        style,
        0 | 100
            | 1
            | 101
            | 2
            | 102
            | 3
            | 103
            | 4
            | 104
            | 5
            | 105
            | 8
            | 108
            | 10
            | 110
            | 12
            | 112
            | 20
            | 120
            | 21
            | 121
            | 23
            | 24
            | 126
            | 127
    )
}

/// `CONVERT(nvarchar, value, style)` for a date/time value of type `ty`.
pub fn format_datetime_style(days: i64, nanos: u64, ty: &SqlType, style: i64) -> Option<String> {
    // fractional digits the source type carries
    let digits: u32 = match ty {
        SqlType::DateTime => 3,
        SqlType::SmallDateTime | SqlType::Date => 0,
        SqlType::DateTime2(s) | SqlType::Time(s) => (*s).min(7) as u32,
        _ => 7,
    };
    let is_time = matches!(ty, SqlType::Time(_));
    let is_date = matches!(ty, SqlType::Date);
    let mut nanos = nanos;
    let mut days = days;
    if digits < 9 {
        let unit = 10u64.pow(9 - digits);
        nanos = (nanos + unit / 2) / unit * unit;
        if nanos >= 86_400_000_000_000 {
            nanos -= 86_400_000_000_000;
            days += 1;
        }
    }
    let (y, m, d) = civil_from_days(days);
    let secs = nanos / 1_000_000_000;
    let (hh, mi, ss) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let frac = |n: u32| -> String {
        if n == 0 {
            String::new()
        } else {
            let f = (nanos % 1_000_000_000) / 10u64.pow(9 - n);
            format!(".{f:0w$}", w = n as usize)
        }
    };
    let date = format!("{y:04}-{m:02}-{d:02}");
    let hms = format!("{hh:02}:{mi:02}:{ss:02}");
    let yy = |c: bool| {
        if c {
            format!("{y:04}")
        } else {
            format!("{:02}", y % 100)
        }
    };
    let century = style >= 100;
    let s = match style {
        20 | 120 => {
            if is_time {
                hms
            } else if is_date {
                date
            } else {
                format!("{date} {hms}")
            }
        }
        21 | 121 => {
            let n = if *ty == SqlType::SmallDateTime {
                3
            } else {
                digits
            };
            if is_time {
                format!("{hms}{}", frac(n))
            } else if is_date {
                date
            } else {
                format!("{date} {hms}{}", frac(n))
            }
        }
        126 | 127 => {
            // the fraction is left out when it is zero
            let f = if nanos.is_multiple_of(1_000_000_000) {
                String::new()
            } else {
                frac(digits)
            };
            if is_time {
                format!("{hms}{f}")
            } else if is_date {
                date
            } else {
                format!("{date}T{hms}{f}")
            }
        }
        23 => date,
        8 | 108 | 24 => hms,
        12 | 112 => format!("{}{m:02}{d:02}", yy(century)),
        1 | 101 => format!("{m:02}/{d:02}/{}", yy(century)),
        2 | 102 => format!("{}.{m:02}.{d:02}", yy(century)),
        3 | 103 => format!("{d:02}/{m:02}/{}", yy(century)),
        4 | 104 => format!("{d:02}.{m:02}.{}", yy(century)),
        5 | 105 => format!("{d:02}-{m:02}-{}", yy(century)),
        10 | 110 => format!("{m:02}-{d:02}-{}", yy(century)),
        0 | 100 => {
            const MON: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            let h12 = if hh % 12 == 0 { 12 } else { hh % 12 };
            let ampm = if hh < 12 { "AM" } else { "PM" };
            let t = format!("{h12:>2}:{mi:02}{ampm}");
            if is_time {
                t
            } else {
                format!("{} {d:>2} {y:04} {t}", MON[(m - 1) as usize])
            }
        }
        _ => return None,
    };
    Some(s)
}

pub fn parse_datetime(s: &str) -> Option<(i64, u64)> {
    let s = s.trim().trim_end_matches('Z');
    let (date, time) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let (y, m, d) = if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) {
        (
            date[..4].parse().ok()?,
            date[4..6].parse().ok()?,
            date[6..].parse().ok()?,
        )
    } else {
        let mut it = date.split('-');
        (
            it.next()?.parse().ok()?,
            it.next()?.parse().ok()?,
            it.next()?.parse().ok()?,
        )
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut nanos = 0u64;
    if !time.is_empty() {
        let (hms, frac) = match time.find('.') {
            Some(i) => (&time[..i], &time[i + 1..]),
            None => (time, ""),
        };
        let mut it = hms.split(':');
        let h: u64 = it.next()?.parse().ok()?;
        let mi: u64 = it.next().unwrap_or("0").parse().ok()?;
        let se: u64 = it.next().unwrap_or("0").parse().ok()?;
        let digits: String = frac
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .take(9)
            .collect();
        let f: u64 = if digits.is_empty() {
            0
        } else {
            digits.parse().ok()?
        };
        let f = f * 10u64.pow(9 - digits.len() as u32);
        nanos = ((h * 60 + mi) * 60 + se) * 1_000_000_000 + f;
    }
    Some((days_from_civil(y, m, d), nanos))
}

pub fn format_guid(g: &[u8; 16]) -> String {
    uuid::Uuid::from_bytes(*g)
        .hyphenated()
        .to_string()
        .to_uppercase()
}

fn conv_err(v: &str, ty: &SqlType) -> ConvError {
    let what = if ty.is_datetime() {
        "Conversion failed when converting date and/or time from character string.".to_string()
    } else if *ty == SqlType::Guid {
        "Conversion failed when converting from a character string to uniqueidentifier.".to_string()
    } else {
        format!(
            "Conversion failed when converting the nvarchar value '{v}' to data type {}.",
            ty.name()
        )
    };
    ConvError(what)
}

impl Val {
    /// SQLite storage form.
    pub fn to_sqlite(&self) -> SqlVal {
        match self {
            Val::Null => SqlVal::Null,
            Val::Int(i) => SqlVal::Integer(*i),
            Val::Float(f) => SqlVal::Real(*f),
            Val::Text(s) => SqlVal::Text(s.clone()),
            Val::Utf16(u) => SqlVal::Blob(tagged_utf16_blob(u)),
            Val::Bytes(b) => SqlVal::Blob(b.clone()),
            Val::Guid(g) => SqlVal::Text(format_guid(g)),
            Val::DateTime(d, n) => SqlVal::Text(format_datetime(*d, *n)),
            Val::Decimal(m) => {
                if m % 1_000_000 == 0 {
                    SqlVal::Integer((m / 1_000_000) as i64)
                } else {
                    SqlVal::Real(*m as f64 / 1e6)
                }
            }
        }
    }

    /// Converts a SQLite value to the representation `ty` needs on the wire.
    pub fn from_sqlite(v: ValueRef<'_>, ty: &SqlType) -> Result<Val, ConvError> {
        use SqlType::*;
        let text = |v: ValueRef<'_>| -> String {
            match v {
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                ValueRef::Integer(i) => i.to_string(),
                ValueRef::Real(f) => format_float(f),
                ValueRef::Blob(b) => match untag_utf16_blob(b) {
                    Some(le) => String::from_utf16_lossy(&le_bytes_to_units(le)),
                    None => String::from_utf8_lossy(b).into_owned(),
                },
                ValueRef::Null => String::new(),
            }
        };
        if let ValueRef::Null = v {
            return Ok(Val::Null);
        }
        Ok(match ty {
            TinyInt | SmallInt | Int | BigInt | Bit => {
                let i = match v {
                    ValueRef::Integer(i) => i,
                    ValueRef::Real(f) => f.trunc() as i64,
                    _ => {
                        let s = text(v);
                        match s.trim().parse::<i64>() {
                            Ok(i) => i,
                            Err(_) => match s.trim().parse::<f64>() {
                                Ok(f) if matches!(v, ValueRef::Text(_)) && s.contains('.') => {
                                    f.trunc() as i64
                                }
                                _ => return Err(conv_err(&s, ty)),
                            },
                        }
                    }
                };
                let (lo, hi) = match ty {
                    TinyInt => (0, 255),
                    SmallInt => (i16::MIN as i64, i16::MAX as i64),
                    Int => (i32::MIN as i64, i32::MAX as i64),
                    _ => (i64::MIN, i64::MAX),
                };
                if *ty == Bit {
                    return Ok(Val::Int((i != 0) as i64));
                }
                if i < lo || i > hi {
                    return Err(ConvError(format!(
                        "Arithmetic overflow error converting expression to data type {}.",
                        ty.name()
                    )));
                }
                Val::Int(i)
            }
            Float | Real => match v {
                ValueRef::Integer(i) => Val::Float(i as f64),
                ValueRef::Real(f) => Val::Float(f),
                _ => {
                    let s = text(v);
                    Val::Float(s.trim().parse().map_err(|_| conv_err(&s, ty))?)
                }
            },
            Decimal(..) => match v {
                ValueRef::Integer(i) => Val::Decimal(i as i128 * 1_000_000),
                ValueRef::Real(f) => Val::Decimal((f * 1e6).round() as i128),
                _ => {
                    let s = text(v);
                    let f: f64 = s.trim().parse().map_err(|_| conv_err(&s, ty))?;
                    Val::Decimal((f * 1e6).round() as i128)
                }
            },
            NVarChar(_) | NChar(_) => match v {
                ValueRef::Blob(b) => match untag_utf16_blob(b) {
                    Some(le) => nvarchar_from_units(le_bytes_to_units(le)),
                    None => Val::Text(text(v)),
                },
                _ => Val::Text(text(v)),
            },
            VarChar(_) | Char(_) => Val::Text(text(v)),
            VarBinary(_) | Binary(_) => match v {
                ValueRef::Blob(b) => Val::Bytes(untag_utf16_blob(b).unwrap_or(b).to_vec()),
                ValueRef::Text(t) => Val::Bytes(t.to_vec()),
                ValueRef::Integer(i) => Val::Bytes(i.to_be_bytes().to_vec()),
                ValueRef::Real(f) => Val::Bytes(f.to_be_bytes().to_vec()),
                ValueRef::Null => Val::Null,
            },
            Guid => match v {
                ValueRef::Blob(b) if b.len() == 16 => {
                    let mut g = [0u8; 16];
                    g.copy_from_slice(b);
                    Val::Guid(g)
                }
                _ => {
                    let s = text(v);
                    let u = uuid::Uuid::parse_str(s.trim().trim_matches(['{', '}']))
                        .map_err(|_| conv_err(&s, ty))?;
                    Val::Guid(*u.as_bytes())
                }
            },
            DateTime | SmallDateTime | DateTime2(_) | Date | Time(_) => match v {
                ValueRef::Integer(i) => Val::DateTime(tds_days_1900() + i, 0),
                ValueRef::Real(f) => {
                    let days = f.floor();
                    Val::DateTime(
                        tds_days_1900() + days as i64,
                        ((f - days) * 86_400e9) as u64,
                    )
                }
                _ => {
                    let s = text(v);
                    if let Time(_) = ty {
                        if let Some((_, n)) = parse_datetime(&format!("1900-01-01 {}", s.trim())) {
                            return Ok(Val::DateTime(0, n));
                        }
                    }
                    let (d, n) = parse_datetime(&s).ok_or_else(|| conv_err(&s, ty))?;
                    let n = match ty {
                        DateTime => {
                            // datetime has 1/300 s precision
                            let ticks = (n as u128 * 300 + 500_000_000) / 1_000_000_000;
                            (ticks * 1_000_000_000 / 300) as u64
                        }
                        Date => 0,
                        _ => n,
                    };
                    Val::DateTime(d, n)
                }
            },
        })
    }

    /// The natural SQL Server type of a SQLite value (used when nothing better is known).
    pub fn natural_type(v: ValueRef<'_>) -> SqlType {
        match v {
            ValueRef::Integer(i) if i32::try_from(i).is_ok() => SqlType::Int,
            ValueRef::Integer(_) => SqlType::BigInt,
            ValueRef::Real(_) => SqlType::Float,
            ValueRef::Blob(_) => SqlType::VarBinary(None),
            ValueRef::Text(_) => SqlType::NVarChar(None),
            ValueRef::Null => SqlType::Int,
        }
    }
}

fn tds_days_1900() -> i64 {
    crate::tds::DAYS_1900
}

pub fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}
