//! TDS wire primitives: packet framing, token writers and client-value decoding.

use crate::types::{SqlType, Val};
use std::io;
use tokio::io::{AsyncRead, AsyncReadExt};

pub const PKT_SQLBATCH: u8 = 0x01;
pub const PKT_RPC: u8 = 0x03;
pub const PKT_TABULAR: u8 = 0x04;
pub const PKT_ATTENTION: u8 = 0x06;
pub const PKT_BULK: u8 = 0x07;
pub const PKT_TM: u8 = 0x0E;
pub const PKT_LOGIN7: u8 = 0x10;
pub const PKT_PRELOGIN: u8 = 0x12;

pub const DONE_MORE: u16 = 0x01;
pub const DONE_ERROR: u16 = 0x02;
pub const DONE_COUNT: u16 = 0x10;
pub const DONE_ATTN: u16 = 0x20;

pub const TOK_DONE: u8 = 0xFD;
pub const TOK_DONEPROC: u8 = 0xFE;
pub const TOK_DONEINPROC: u8 = 0xFF;

/// SQL_Latin1_General_CP1_CI_AS
pub const COLLATION: [u8; 5] = [0x09, 0x04, 0xD0, 0x00, 0x34];

/// A complete client message (all packets up to EOM).
#[derive(Debug)]
pub struct Message {
    pub ty: u8,
    pub data: Vec<u8>,
}

fn bad(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// Reads one message. `Ok(None)` on a clean EOF before any byte of a message.
pub async fn read_message<R: AsyncRead + Unpin>(r: &mut R) -> io::Result<Option<Message>> {
    let mut data = Vec::new();
    let mut ty_first = None;
    loop {
        let mut hdr = [0u8; 8];
        let mut got = 0;
        while got < 8 {
            let n = r.read(&mut hdr[got..]).await?;
            if n == 0 {
                if got == 0 && ty_first.is_none() {
                    return Ok(None);
                }
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "eof inside a TDS packet",
                ));
            }
            got += n;
        }
        let len = u16::from_be_bytes([hdr[2], hdr[3]]) as usize;
        if len < 8 {
            return Err(bad(format!(
                "TDS packet length {len} shorter than its header"
            )));
        }
        let start = data.len();
        data.resize(start + len - 8, 0);
        r.read_exact(&mut data[start..]).await?;
        if ty_first.is_none() {
            ty_first = Some(hdr[0]);
        }
        if hdr[1] & 0x01 != 0 {
            return Ok(Some(Message {
                ty: ty_first.unwrap_or(hdr[0]),
                data,
            }));
        }
        if data.len() > 512 * 1024 * 1024 {
            return Err(bad("TDS message larger than 512 MiB"));
        }
    }
}

/// Splits `payload` into packets of at most `packet_size` bytes.
pub fn packetize(
    ty: u8,
    payload: &[u8],
    packet_size: usize,
    eom: bool,
    spid: u16,
    out: &mut Vec<u8>,
) {
    let chunk = packet_size.saturating_sub(8).max(1);
    let n = payload.len().div_ceil(chunk).max(1);
    for i in 0..n {
        let part = &payload[(i * chunk).min(payload.len())..((i + 1) * chunk).min(payload.len())];
        let last = i == n - 1;
        out.push(ty);
        out.push(if last && eom { 0x01 } else { 0x00 });
        out.extend_from_slice(&((part.len() + 8) as u16).to_be_bytes());
        out.extend_from_slice(&spid.to_be_bytes());
        out.push(((i + 1) & 0xff) as u8);
        out.push(0);
        out.extend_from_slice(part);
    }
}

// ---------------------------------------------------------------- readers

pub struct Rd<'a> {
    pub b: &'a [u8],
    pub pos: usize,
}

impl<'a> Rd<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        Rd { b, pos: 0 }
    }
    pub fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        if self.pos + n > self.b.len() {
            return Err(bad(format!(
                "truncated TDS data: need {n} bytes at offset {}, have {}",
                self.pos,
                self.b.len() - self.pos
            )));
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    pub fn u8(&mut self) -> io::Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub fn u16(&mut self) -> io::Result<u16> {
        let s = self.take(2)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    pub fn u32(&mut self) -> io::Result<u32> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    pub fn u64(&mut self) -> io::Result<u64> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(u64::from_le_bytes(a))
    }
    pub fn utf16(&mut self, chars: usize) -> io::Result<String> {
        let s = self.take(chars * 2)?;
        Ok(utf16_to_string(s))
    }
    pub fn b_varchar(&mut self) -> io::Result<String> {
        let n = self.u8()? as usize;
        self.utf16(n)
    }
    pub fn remaining(&self) -> usize {
        self.b.len() - self.pos
    }
}

pub fn utf16_to_string(s: &[u8]) -> String {
    let units: Vec<u16> = s
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// A client's nvarchar value, kept exactly: `Val::Utf16` when the bytes are not valid UTF-16 (an unpaired
/// surrogate), so what a client sends reaches the table unchanged.
pub fn nvarchar_value(s: &[u8]) -> Val {
    crate::types::nvarchar_from_units(crate::types::le_bytes_to_units(s))
}

/// Skips the ALL_HEADERS block at the start of batch/RPC/TM payloads.
pub fn skip_all_headers(r: &mut Rd<'_>) -> io::Result<()> {
    let total = r.u32()? as usize;
    if total < 4 {
        return Err(bad("invalid ALL_HEADERS length"));
    }
    r.take(total - 4)?;
    Ok(())
}

// ---------------------------------------------------------------- PRELOGIN

/// Returns the client's requested encryption byte.
pub fn parse_prelogin(data: &[u8]) -> io::Result<u8> {
    let mut r = Rd::new(data);
    let mut enc = 0x02;
    loop {
        let tok = r.u8()?;
        if tok == 0xFF {
            break;
        }
        let off = u16::from_be_bytes([r.u8()?, r.u8()?]) as usize;
        let len = u16::from_be_bytes([r.u8()?, r.u8()?]) as usize;
        if tok == 1 && len >= 1 {
            enc = *data
                .get(off)
                .ok_or_else(|| bad("prelogin ENCRYPTION out of range"))?;
        }
    }
    Ok(enc)
}

pub fn build_prelogin_reply(version: [u8; 4], encryption: u8) -> Vec<u8> {
    // VERSION(6) ENCRYPTION(1) INSTOPT(1) THREADID(0) MARS(1)
    let fields: [(u8, Vec<u8>); 5] = [
        (
            0,
            vec![version[0], version[1], version[2], version[3], 0, 0],
        ),
        (1, vec![encryption]),
        (2, vec![0]),
        (3, vec![]),
        (4, vec![0]),
    ];
    let mut out = Vec::new();
    let mut off = (fields.len() * 5 + 1) as u16;
    for (t, d) in &fields {
        out.push(*t);
        out.extend_from_slice(&off.to_be_bytes());
        out.extend_from_slice(&(d.len() as u16).to_be_bytes());
        off += d.len() as u16;
    }
    out.push(0xFF);
    for (_, d) in &fields {
        out.extend_from_slice(d);
    }
    out
}

// ---------------------------------------------------------------- LOGIN7

#[derive(Debug, Default)]
#[allow(dead_code)]
pub struct Login7 {
    pub user: String,
    pub password: String,
    pub database: String,
    pub packet_size: u32,
    pub app_name: String,
}

pub fn parse_login7(data: &[u8]) -> io::Result<Login7> {
    if data.len() < 94 {
        return Err(bad("LOGIN7 record too short"));
    }
    let u16at = |o: usize| u16::from_le_bytes([data[o], data[o + 1]]) as usize;
    let field = |o: usize| -> io::Result<&[u8]> {
        let off = u16at(o);
        let len = u16at(o + 2) * 2;
        data.get(off..off + len)
            .ok_or_else(|| bad("LOGIN7 field out of range"))
    };
    let packet_size = u32::from_le_bytes([data[8], data[9], data[10], data[11]]);
    let user = utf16_to_string(field(40)?);
    let pw_raw: Vec<u8> = field(44)?
        .iter()
        .map(|b| {
            let x = b ^ 0xA5;
            x.rotate_left(4)
        })
        .collect();
    let password = utf16_to_string(&pw_raw);
    let app_name = utf16_to_string(field(48)?);
    let database = utf16_to_string(field(68)?);
    Ok(Login7 {
        user,
        password,
        database,
        packet_size,
        app_name,
    })
}

// ---------------------------------------------------------------- token writers

pub fn put_b_varchar(out: &mut Vec<u8>, s: &str) {
    let units: Vec<u16> = s.encode_utf16().take(255).collect();
    out.push(units.len() as u8);
    for u in units {
        out.extend_from_slice(&u.to_le_bytes());
    }
}

pub fn put_us_varchar(out: &mut Vec<u8>, s: &str) {
    let units: Vec<u16> = s.encode_utf16().take(65535).collect();
    out.extend_from_slice(&(units.len() as u16).to_le_bytes());
    for u in units {
        out.extend_from_slice(&u.to_le_bytes());
    }
}

pub fn done(out: &mut Vec<u8>, tok: u8, status: u16, curcmd: u16, rows: u64) {
    out.push(tok);
    out.extend_from_slice(&status.to_le_bytes());
    out.extend_from_slice(&curcmd.to_le_bytes());
    out.extend_from_slice(&rows.to_le_bytes());
}

pub fn message_token(
    out: &mut Vec<u8>,
    tok: u8,
    number: i32,
    state: u8,
    class: u8,
    msg: &str,
    server: &str,
) {
    let mut body = Vec::new();
    body.extend_from_slice(&number.to_le_bytes());
    body.push(state);
    body.push(class);
    put_us_varchar(&mut body, msg);
    put_b_varchar(&mut body, server);
    put_b_varchar(&mut body, "");
    body.extend_from_slice(&1i32.to_le_bytes());
    out.push(tok);
    out.extend_from_slice(&(body.len() as u16).to_le_bytes());
    out.extend_from_slice(&body);
}

pub fn error_token(out: &mut Vec<u8>, number: i32, state: u8, class: u8, msg: &str, server: &str) {
    message_token(out, 0xAA, number, state, class, msg, server)
}

pub fn info_token(out: &mut Vec<u8>, number: i32, msg: &str, server: &str) {
    message_token(out, 0xAB, number, 1, 0, msg, server)
}

pub fn envchange_str(out: &mut Vec<u8>, ty: u8, new: &str, old: &str) {
    let mut body = vec![ty];
    put_b_varchar(&mut body, new);
    put_b_varchar(&mut body, old);
    out.push(0xE3);
    out.extend_from_slice(&(body.len() as u16).to_le_bytes());
    out.extend_from_slice(&body);
}

pub fn envchange_bytes(out: &mut Vec<u8>, ty: u8, new: &[u8], old: &[u8]) {
    let mut body = vec![ty, new.len() as u8];
    body.extend_from_slice(new);
    body.push(old.len() as u8);
    body.extend_from_slice(old);
    out.push(0xE3);
    out.extend_from_slice(&(body.len() as u16).to_le_bytes());
    out.extend_from_slice(&body);
}

pub fn loginack(out: &mut Vec<u8>, version: [u8; 4]) {
    let mut body = vec![1u8];
    body.extend_from_slice(&0x7400_0004u32.to_be_bytes());
    put_b_varchar(&mut body, "Microsoft SQL Server");
    body.extend_from_slice(&version);
    out.push(0xAD);
    out.extend_from_slice(&(body.len() as u16).to_le_bytes());
    out.extend_from_slice(&body);
}

pub fn return_status(out: &mut Vec<u8>, v: i32) {
    out.push(0x79);
    out.extend_from_slice(&v.to_le_bytes());
}

pub const COLFLAG_NULLABLE: u16 = 0x0001;
pub const COLFLAG_UPDATEABLE: u16 = 0x0008;
pub const COLFLAG_IDENTITY: u16 = 0x0010;

#[derive(Debug, Clone)]
pub struct ColMeta {
    pub name: String,
    pub ty: SqlType,
    pub flags: u16,
}

pub fn colmetadata(out: &mut Vec<u8>, cols: &[ColMeta]) {
    out.push(0x81);
    out.extend_from_slice(&(cols.len() as u16).to_le_bytes());
    for c in cols {
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&c.flags.to_le_bytes());
        type_info(out, &c.ty);
        put_b_varchar(out, &c.name);
    }
}

pub fn type_info(out: &mut Vec<u8>, ty: &SqlType) {
    use SqlType::*;
    match ty {
        TinyInt => out.extend_from_slice(&[0x26, 1]),
        SmallInt => out.extend_from_slice(&[0x26, 2]),
        Int => out.extend_from_slice(&[0x26, 4]),
        BigInt => out.extend_from_slice(&[0x26, 8]),
        Bit => out.extend_from_slice(&[0x68, 1]),
        Float => out.extend_from_slice(&[0x6D, 8]),
        Real => out.extend_from_slice(&[0x6D, 4]),
        NVarChar(n) | NChar(n) => {
            out.push(if matches!(ty, NChar(_)) { 0xEF } else { 0xE7 });
            let len = match n {
                Some(n) => (*n as u32 * 2).min(8000) as u16,
                None => 0xFFFF,
            };
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&COLLATION);
        }
        VarChar(n) | Char(n) => {
            out.push(if matches!(ty, Char(_)) { 0xAF } else { 0xA7 });
            let len = n.map(|n| n.min(8000)).unwrap_or(0xFFFF);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&COLLATION);
        }
        VarBinary(n) | Binary(n) => {
            out.push(if matches!(ty, Binary(_)) { 0xAD } else { 0xA5 });
            let len = n.map(|n| n.min(8000)).unwrap_or(0xFFFF);
            out.extend_from_slice(&len.to_le_bytes());
        }
        Guid => out.extend_from_slice(&[0x24, 16]),
        DateTime => out.extend_from_slice(&[0x6F, 8]),
        SmallDateTime => out.extend_from_slice(&[0x6F, 4]),
        DateTime2(s) => out.extend_from_slice(&[0x2A, *s]),
        Date => out.push(0x28),
        Time(s) => out.extend_from_slice(&[0x29, *s]),
        Decimal(p, s) => out.extend_from_slice(&[0x6C, decimal_size(*p), *p, *s]),
    }
}

pub fn decimal_size(p: u8) -> u8 {
    match p {
        0..=9 => 5,
        10..=19 => 9,
        20..=28 => 13,
        _ => 17,
    }
}

fn put_plp(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(&(data.len() as u64).to_le_bytes());
    if !data.is_empty() {
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    }
    out.extend_from_slice(&0u32.to_le_bytes());
}

fn utf16_bytes(s: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(s.len() * 2);
    for u in s.encode_utf16() {
        v.extend_from_slice(&u.to_le_bytes());
    }
    v
}

fn latin1_bytes(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| {
            if (c as u32) < 256 {
                c as u32 as u8
            } else {
                b'?'
            }
        })
        .collect()
}

/// Writes one value of `ty`. The value must already be converted by `Val::coerce`.
pub fn put_value(out: &mut Vec<u8>, ty: &SqlType, v: &Val) {
    use SqlType::*;
    let is_max = ty.is_max();
    if matches!(v, Val::Null) {
        match ty {
            NVarChar(_) | NChar(_) | VarChar(_) | Char(_) | VarBinary(_) | Binary(_) => {
                if is_max {
                    out.extend_from_slice(&u64::MAX.to_le_bytes());
                } else {
                    out.extend_from_slice(&0xFFFFu16.to_le_bytes());
                }
            }
            _ => out.push(0),
        }
        return;
    }
    match (ty, v) {
        (TinyInt, Val::Int(i)) => out.extend_from_slice(&[1, *i as u8]),
        (SmallInt, Val::Int(i)) => {
            out.push(2);
            out.extend_from_slice(&(*i as i16).to_le_bytes());
        }
        (Int, Val::Int(i)) => {
            out.push(4);
            out.extend_from_slice(&(*i as i32).to_le_bytes());
        }
        (BigInt, Val::Int(i)) => {
            out.push(8);
            out.extend_from_slice(&i.to_le_bytes());
        }
        (Bit, Val::Int(i)) => out.extend_from_slice(&[1, (*i != 0) as u8]),
        (Float, Val::Float(f)) => {
            out.push(8);
            out.extend_from_slice(&f.to_le_bytes());
        }
        (Real, Val::Float(f)) => {
            out.push(4);
            out.extend_from_slice(&(*f as f32).to_le_bytes());
        }
        (NVarChar(_) | NChar(_), Val::Text(s)) => {
            let b = utf16_bytes(s);
            if is_max {
                put_plp(out, &b);
            } else {
                out.extend_from_slice(&(b.len() as u16).to_le_bytes());
                out.extend_from_slice(&b);
            }
        }
        (NVarChar(_) | NChar(_), Val::Utf16(units)) => {
            let b = crate::types::units_to_le_bytes(units);
            if is_max {
                put_plp(out, &b);
            } else {
                out.extend_from_slice(&(b.len() as u16).to_le_bytes());
                out.extend_from_slice(&b);
            }
        }
        (VarChar(_) | Char(_), Val::Utf16(units)) => {
            let b = latin1_bytes(&String::from_utf16_lossy(units));
            if is_max {
                put_plp(out, &b);
            } else {
                out.extend_from_slice(&(b.len() as u16).to_le_bytes());
                out.extend_from_slice(&b);
            }
        }
        (VarChar(_) | Char(_), Val::Text(s)) => {
            let b = latin1_bytes(s);
            if is_max {
                put_plp(out, &b);
            } else {
                out.extend_from_slice(&(b.len() as u16).to_le_bytes());
                out.extend_from_slice(&b);
            }
        }
        (VarBinary(_) | Binary(_), Val::Bytes(b)) => {
            if is_max {
                put_plp(out, b);
            } else {
                out.extend_from_slice(&(b.len() as u16).to_le_bytes());
                out.extend_from_slice(b);
            }
        }
        (Guid, Val::Guid(g)) => {
            out.push(16);
            out.extend_from_slice(&guid_to_wire(g));
        }
        (DateTime | SmallDateTime, Val::DateTime(days, nanos)) => {
            // days since 0001-01-01 -> days since 1900-01-01
            let d = (*days - DAYS_1900) as i32;
            let ticks = ((*nanos as u128 * 300 + 500_000_000) / 1_000_000_000) as u32;
            out.push(8);
            out.extend_from_slice(&d.to_le_bytes());
            out.extend_from_slice(&ticks.to_le_bytes());
        }
        (DateTime2(s), Val::DateTime(days, nanos)) => {
            let tlen = time_len(*s);
            out.push(tlen + 3);
            put_time(out, *nanos, *s);
            out.extend_from_slice(&(*days as u32).to_le_bytes()[..3]);
        }
        (Date, Val::DateTime(days, _)) => {
            out.push(3);
            out.extend_from_slice(&(*days as u32).to_le_bytes()[..3]);
        }
        (Time(s), Val::DateTime(_, nanos)) => {
            out.push(time_len(*s));
            put_time(out, *nanos, *s);
        }
        (Decimal(p, s), Val::Decimal(m)) => {
            let size = decimal_size(*p);
            out.push(size);
            let m = rescale(*m, 6, *s);
            out.push(if m < 0 { 0 } else { 1 });
            let abs = m.unsigned_abs();
            out.extend_from_slice(&abs.to_le_bytes()[..(size as usize - 1)]);
        }
        // Should not happen after coercion; send NULL rather than corrupt the stream.
        _ => put_value(out, ty, &Val::Null),
    }
}

/// Writes a SQLite value of the common kinds (integers into integer columns, text into Unicode
/// columns, NULL) without going through `Val`. Returns false when the slow path must convert.
pub fn put_sqlite_fast(out: &mut Vec<u8>, ty: &SqlType, v: rusqlite::types::ValueRef<'_>) -> bool {
    use rusqlite::types::ValueRef;
    use SqlType::*;
    match (ty, v) {
        (_, ValueRef::Null) => {
            put_value(out, ty, &Val::Null);
            true
        }
        (Int, ValueRef::Integer(i)) if i32::try_from(i).is_ok() => {
            out.push(4);
            out.extend_from_slice(&(i as i32).to_le_bytes());
            true
        }
        (BigInt, ValueRef::Integer(i)) => {
            out.push(8);
            out.extend_from_slice(&i.to_le_bytes());
            true
        }
        (Bit, ValueRef::Integer(i)) => {
            out.extend_from_slice(&[1, (i != 0) as u8]);
            true
        }
        (VarBinary(_) | Binary(_), ValueRef::Blob(b))
            if crate::types::untag_utf16_blob(b).is_none() && (ty.is_max() || b.len() <= 8000) =>
        {
            // (a tagged BLOB is an nvarchar value and takes the slow path, which strips the tag)
            if ty.is_max() {
                put_plp(out, b);
            } else {
                out.extend_from_slice(&(b.len() as u16).to_le_bytes());
                out.extend_from_slice(b);
            }
            true
        }
        (NVarChar(_) | NChar(_), ValueRef::Text(t)) => {
            let Ok(s) = std::str::from_utf8(t) else {
                return false;
            };
            let is_max = ty.is_max();
            let len_at = out.len();
            // length prefix (PLP: total length + one chunk length), filled in afterwards
            out.extend_from_slice(if is_max { &[0u8; 12] } else { &[0u8; 2] });
            let start = out.len();
            out.reserve(s.len() * 2);
            for u in s.encode_utf16() {
                out.extend_from_slice(&u.to_le_bytes());
            }
            let n = out.len() - start;
            if is_max {
                out[len_at..len_at + 8].copy_from_slice(&(n as u64).to_le_bytes());
                if n == 0 {
                    // an empty PLP value has no chunk
                    out.truncate(len_at + 8);
                } else {
                    out[len_at + 8..len_at + 12].copy_from_slice(&(n as u32).to_le_bytes());
                }
                out.extend_from_slice(&0u32.to_le_bytes());
            } else {
                if n > 8000 {
                    out.truncate(len_at);
                    return false;
                }
                out[len_at..len_at + 2].copy_from_slice(&(n as u16).to_le_bytes());
            }
            true
        }
        _ => false,
    }
}

pub const DAYS_1900: i64 = 693_595;

fn time_len(scale: u8) -> u8 {
    match scale {
        0..=2 => 3,
        3..=4 => 4,
        _ => 5,
    }
}

fn put_time(out: &mut Vec<u8>, nanos: u64, scale: u8) {
    let div = 10u64.pow(9 - scale.min(7) as u32);
    let inc = nanos / div;
    out.extend_from_slice(&inc.to_le_bytes()[..time_len(scale) as usize]);
}

pub fn guid_to_wire(g: &[u8; 16]) -> [u8; 16] {
    let mut w = *g;
    w[0..4].reverse();
    w[4..6].reverse();
    w[6..8].reverse();
    w
}

// ---------------------------------------------------------------- client values

/// A TYPE_INFO as sent by a client (RPC parameter or bulk-load column).
#[derive(Debug, Clone)]
pub struct WireType {
    pub code: u8,
    pub len: usize,
    pub prec: u8,
    pub scale: u8,
}

impl WireType {
    pub fn sql_type(&self) -> SqlType {
        match self.code {
            0x30 => SqlType::TinyInt,
            0x32 | 0x68 => SqlType::Bit,
            0x34 => SqlType::SmallInt,
            0x38 => SqlType::Int,
            0x7F => SqlType::BigInt,
            0x26 => match self.len {
                1 => SqlType::TinyInt,
                2 => SqlType::SmallInt,
                4 => SqlType::Int,
                _ => SqlType::BigInt,
            },
            0x3B => SqlType::Real,
            0x3E => SqlType::Float,
            0x6D => {
                if self.len == 4 {
                    SqlType::Real
                } else {
                    SqlType::Float
                }
            }
            0xE7 => SqlType::NVarChar(if self.len == 0xFFFF {
                None
            } else {
                Some((self.len / 2).max(1) as u16)
            }),
            0xEF => SqlType::NChar(Some((self.len / 2).max(1) as u16)),
            0xA7 => SqlType::VarChar(if self.len == 0xFFFF {
                None
            } else {
                Some(self.len.max(1) as u16)
            }),
            0xAF => SqlType::Char(Some(self.len.max(1) as u16)),
            0xA5 => SqlType::VarBinary(if self.len == 0xFFFF {
                None
            } else {
                Some(self.len.max(1) as u16)
            }),
            0xAD => SqlType::Binary(Some(self.len.max(1) as u16)),
            0x24 => SqlType::Guid,
            0x3D => SqlType::DateTime,
            0x3A => SqlType::SmallDateTime,
            0x6F => {
                if self.len == 4 {
                    SqlType::SmallDateTime
                } else {
                    SqlType::DateTime
                }
            }
            0x2A => SqlType::DateTime2(self.scale),
            0x28 => SqlType::Date,
            0x29 => SqlType::Time(self.scale),
            0x6A | 0x6C => SqlType::Decimal(self.prec, self.scale),
            0x63 | 0xF1 => SqlType::NVarChar(None),
            0x23 => SqlType::VarChar(None),
            0x22 => SqlType::VarBinary(None),
            _ => SqlType::Int,
        }
    }
}

pub fn read_type_info(r: &mut Rd<'_>) -> io::Result<WireType> {
    let code = r.u8()?;
    let mut t = WireType {
        code,
        len: 0,
        prec: 0,
        scale: 0,
    };
    match code {
        0x1F => {}
        0x30 => t.len = 1,
        0x32 => t.len = 1,
        0x34 => t.len = 2,
        0x38 => t.len = 4,
        0x3A | 0x3B => t.len = 4,
        0x3C | 0x3D | 0x3E | 0x7F => t.len = 8,
        0x7A => t.len = 4,
        0x24 | 0x26 | 0x68 | 0x6D | 0x6E | 0x6F => t.len = r.u8()? as usize,
        0x6A | 0x6C => {
            t.len = r.u8()? as usize;
            t.prec = r.u8()?;
            t.scale = r.u8()?;
        }
        0x28 => t.len = 3,
        0x29..=0x2B => t.scale = r.u8()?,
        0xE7 | 0xEF | 0xA7 | 0xAF => {
            t.len = r.u16()? as usize;
            r.take(5)?;
        }
        0xA5 | 0xAD => t.len = r.u16()? as usize,
        0x63 | 0x23 => {
            t.len = r.u32()? as usize;
            r.take(5)?;
        }
        0x22 => t.len = r.u32()? as usize,
        0xF1 => {
            if r.u8()? == 1 {
                r.b_varchar()?;
                r.b_varchar()?;
                let n = r.u16()? as usize;
                r.take(n * 2)?;
            }
        }
        other => return Err(bad(format!("unsupported TDS type 0x{other:02X}"))),
    }
    Ok(t)
}

fn read_plp(r: &mut Rd<'_>) -> io::Result<Option<Vec<u8>>> {
    let total = r.u64()?;
    if total == u64::MAX {
        return Ok(None);
    }
    let mut v = Vec::new();
    loop {
        let n = r.u32()? as usize;
        if n == 0 {
            break;
        }
        v.extend_from_slice(r.take(n)?);
    }
    Ok(Some(v))
}

pub fn read_value(r: &mut Rd<'_>, t: &WireType) -> io::Result<Val> {
    let int_le = |b: &[u8]| -> i64 {
        match b.len() {
            1 => b[0] as i64,
            2 => i16::from_le_bytes([b[0], b[1]]) as i64,
            4 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64,
            _ => {
                let mut a = [0u8; 8];
                a.copy_from_slice(&b[..8]);
                i64::from_le_bytes(a)
            }
        }
    };
    Ok(match t.code {
        0x1F => Val::Null,
        0x30 | 0x32 | 0x34 | 0x38 | 0x7F => Val::Int(int_le(r.take(t.len)?)),
        0x3B => {
            Val::Float(f32::from_le_bytes(r.take(4)?.try_into().map_err(|_| bad("f32"))?) as f64)
        }
        0x3E => Val::Float(f64::from_le_bytes(
            r.take(8)?.try_into().map_err(|_| bad("f64"))?,
        )),
        0x3D | 0x3A => datetime_from_wire(r.take(t.len)?),
        0x26 | 0x68 | 0x6D | 0x24 | 0x6F | 0x28 | 0x29 | 0x2A | 0x2B | 0x6A | 0x6C | 0x6E => {
            let n = r.u8()? as usize;
            if n == 0 {
                return Ok(Val::Null);
            }
            let b = r.take(n)?;
            match t.code {
                0x26 | 0x68 => Val::Int(int_le(b)),
                0x6D => {
                    if n == 4 {
                        Val::Float(f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64)
                    } else {
                        Val::Float(f64::from_le_bytes(b.try_into().map_err(|_| bad("f64"))?))
                    }
                }
                0x24 => {
                    let mut g = [0u8; 16];
                    g.copy_from_slice(b);
                    Val::Guid(guid_to_wire(&g))
                }
                0x6F => datetime_from_wire(b),
                0x28 => Val::DateTime(u24(b) as i64, 0),
                0x29 => Val::DateTime(0, time_from_wire(b, t.scale)),
                0x2A | 0x2B => {
                    let tl = time_len(t.scale) as usize;
                    let nanos = time_from_wire(&b[..tl], t.scale);
                    Val::DateTime(u24(&b[tl..tl + 3]) as i64, nanos)
                }
                0x6A | 0x6C => {
                    let mut a = [0u8; 16];
                    a[..n - 1].copy_from_slice(&b[1..]);
                    let m = u128::from_le_bytes(a) as i128;
                    let m = if b[0] == 0 { -m } else { m };
                    Val::Decimal(rescale(m, t.scale, 6))
                }
                _ => {
                    // money (8 bytes: hi, lo) / smallmoney
                    let v = if n == 8 {
                        let hi = i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64;
                        let lo = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as i64;
                        (hi << 32) | lo
                    } else {
                        i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64
                    };
                    Val::Decimal(rescale(v as i128, 4, 6))
                }
            }
        }
        0xE7 | 0xEF | 0xA7 | 0xAF | 0xA5 | 0xAD => {
            let data = if t.len == 0xFFFF {
                read_plp(r)?
            } else {
                let n = r.u16()? as usize;
                if n == 0xFFFF {
                    None
                } else {
                    Some(r.take(n)?.to_vec())
                }
            };
            match data {
                None => Val::Null,
                Some(d) => match t.code {
                    0xE7 | 0xEF => nvarchar_value(&d),
                    0xA7 | 0xAF => Val::Text(d.iter().map(|&c| c as char).collect()),
                    _ => Val::Bytes(d),
                },
            }
        }
        0xF1 => match read_plp(r)? {
            None => Val::Null,
            Some(d) => nvarchar_value(&d),
        },
        0x63 | 0x23 | 0x22 => {
            let tp = r.u8()? as usize;
            if tp == 0 {
                return Ok(Val::Null);
            }
            r.take(tp)?;
            r.take(8)?;
            let n = r.u32()? as usize;
            let d = r.take(n)?;
            match t.code {
                0x63 => nvarchar_value(d),
                0x23 => Val::Text(d.iter().map(|&c| c as char).collect()),
                _ => Val::Bytes(d.to_vec()),
            }
        }
        other => return Err(bad(format!("unsupported TDS value type 0x{other:02X}"))),
    })
}

/// Decimal values are kept as i128 mantissas with scale 6 internally.
pub fn rescale(m: i128, from: u8, to: u8) -> i128 {
    if from == to {
        m
    } else if from < to {
        m * 10i128.pow((to - from) as u32)
    } else {
        m / 10i128.pow((from - to) as u32)
    }
}

fn u24(b: &[u8]) -> u32 {
    b[0] as u32 | (b[1] as u32) << 8 | (b[2] as u32) << 16
}

fn time_from_wire(b: &[u8], scale: u8) -> u64 {
    let mut a = [0u8; 8];
    a[..b.len()].copy_from_slice(b);
    u64::from_le_bytes(a) * 10u64.pow(9 - scale.min(7) as u32)
}

fn datetime_from_wire(b: &[u8]) -> Val {
    if b.len() == 4 {
        let days = u16::from_le_bytes([b[0], b[1]]) as i64;
        let mins = u16::from_le_bytes([b[2], b[3]]) as u64;
        return Val::DateTime(days + DAYS_1900, mins * 60 * 1_000_000_000);
    }
    let days = i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64;
    let ticks = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as u64;
    Val::DateTime(days + DAYS_1900, ticks * 1_000_000_000 / 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An nvarchar(4000) parameter or bulk-load value as a client sends it: NVARCHARTYPE, max length,
    /// collation, then the value's byte length and bytes.
    fn wire_nvarchar(units: &[u16]) -> Vec<u8> {
        let mut out = vec![0xE7];
        out.extend_from_slice(&8000u16.to_le_bytes());
        out.extend_from_slice(&[0x09, 0x04, 0xD0, 0x00, 0x34]);
        out.extend_from_slice(&(units.len() as u16 * 2).to_le_bytes());
        out.extend_from_slice(&crate::types::units_to_le_bytes(units));
        out
    }

    #[test]
    fn an_nvarchar_value_with_an_unpaired_surrogate_reaches_storage_unchanged() {
        let units = [0x61, 0xD800, 0x62];
        let wire = wire_nvarchar(&units);
        let mut r = Rd::new(&wire);
        let t = read_type_info(&mut r).expect("type");
        let v = read_value(&mut r, &t).expect("value");
        assert_eq!(v, Val::Utf16(units.to_vec()));
        // SQLite keeps it as a tagged BLOB, read back as the same nvarchar value, sent as the same bytes.
        let stored = v.to_sqlite();
        let back = match &stored {
            rusqlite::types::Value::Blob(b) => {
                Val::from_sqlite(rusqlite::types::ValueRef::Blob(b), &SqlType::NVarChar(None))
                    .expect("nvarchar")
            }
            other => panic!("stored as {other:?}"),
        };
        assert_eq!(back, v);
        let mut out = Vec::new();
        put_value(&mut out, &SqlType::NVarChar(Some(4000)), &back);
        assert_eq!(out, wire[8..]);
    }

    #[test]
    fn valid_utf16_stays_text() {
        let units: Vec<u16> = "a\u{1F600}".encode_utf16().collect();
        let wire = wire_nvarchar(&units);
        let mut r = Rd::new(&wire);
        let t = read_type_info(&mut r).expect("type");
        assert_eq!(
            read_value(&mut r, &t).expect("value"),
            Val::Text("a\u{1F600}".to_string())
        );
    }
}
