//! Issue 7 §6: the fixture writers must never send an untyped NULL parameter (TDS NULLTYPE, 0x1F), which some
//! T-SQL engines refuse. A TCP proxy between the writer and the stand-in decodes every RPC request
//! (sp_executesql) the writer sends and records each parameter's TYPE_INFO; the test fails on any NULLTYPE.
//! A control query binding `Option::<&str>::None` shows that the proxy does see the untyped NULL tiberius sends.

use chat_fixtures::{
    create_database, generate_mgc_model, generate_model, write_legacy_with, DatabaseKind, Size,
    TdsClient, WriteOptions,
};
use sqlserver_standin::{Standin, StandinConfig, TlsMode};
use std::sync::{Arc, Mutex};
use tiberius::{Client, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::compat::TokioAsyncWriteCompatExt;

const PKT_RPC: u8 = 0x03;
const NULLTYPE: u8 = 0x1F;

/// What the proxy saw: per RPC request, the TYPE_INFO code of every parameter after the statement and its
/// declaration list, or the reason it could not decode one.
#[derive(Default)]
struct Seen {
    rpcs: Vec<Vec<u8>>,
    undecodable: Vec<String>,
}

struct Rd<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Rd<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.b.len());
        let end = end.ok_or_else(|| format!("truncated at {} (+{n})", self.pos))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn remaining(&self) -> usize {
        self.b.len() - self.pos
    }
}

/// The TYPE_INFO codes of an sp_executesql request's parameters (the types tiberius sends: INTN, BITN, GUID,
/// FLTN, DATETIMEN, NVARCHAR incl. PLP, BIGVARBIN, and NULLTYPE).
fn rpc_parameter_types(payload: &[u8]) -> Result<Vec<u8>, String> {
    let mut r = Rd { b: payload, pos: 0 };
    let headers = r.u32()? as usize;
    r.take(headers.checked_sub(4).ok_or("bad ALL_HEADERS")?)?;
    if r.u16()? == 0xFFFF {
        r.u16()?; // proc id
    } else {
        return Err("a named procedure".into());
    }
    r.u16()?; // option flags
    let mut types = Vec::new();
    while r.remaining() > 0 {
        let name_chars = r.u8()? as usize;
        r.take(name_chars * 2)?;
        r.u8()?; // status
        let code = r.u8()?;
        match code {
            NULLTYPE => {}
            0x26 | 0x68 | 0x24 | 0x6D | 0x6F => {
                r.u8()?; // max length
                let len = r.u8()? as usize;
                r.take(len)?;
            }
            0xE7 | 0xA5 => {
                let max = r.u16()?;
                if code == 0xE7 {
                    r.take(5)?; // collation
                }
                if max == 0xFFFF {
                    let total = {
                        let b = r.take(8)?;
                        u64::from_le_bytes(b.try_into().map_err(|_| "plp")?)
                    };
                    if total != u64::MAX {
                        loop {
                            let chunk = r.u32()? as usize;
                            if chunk == 0 {
                                break;
                            }
                            r.take(chunk)?;
                        }
                    }
                } else {
                    let len = r.u16()?;
                    if len != 0xFFFF {
                        r.take(len as usize)?;
                    }
                }
            }
            other => return Err(format!("TYPE_INFO 0x{other:02X} not decoded by the test")),
        }
        types.push(code);
    }
    // The first two parameters are sp_executesql's statement and declaration list.
    Ok(types.into_iter().skip(2).collect())
}

/// Collects TDS messages from the client's byte stream and records every RPC request's parameter types.
#[derive(Default)]
struct Decoder {
    buf: Vec<u8>,
    message: Vec<u8>,
}

impl Decoder {
    fn feed(&mut self, bytes: &[u8], seen: &Mutex<Seen>) {
        self.buf.extend_from_slice(bytes);
        while self.buf.len() >= 8 {
            let len = u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize;
            if len < 8 || self.buf.len() < len {
                break;
            }
            let (kind, status) = (self.buf[0], self.buf[1]);
            self.message.extend_from_slice(&self.buf[8..len]);
            self.buf.drain(..len);
            if status & 0x01 != 0 {
                let message = std::mem::take(&mut self.message);
                if kind == PKT_RPC {
                    let mut seen = seen.lock().expect("lock");
                    match rpc_parameter_types(&message) {
                        Ok(types) => seen.rpcs.push(types),
                        Err(e) => seen.undecodable.push(e),
                    }
                }
            }
        }
    }
}

/// A plaintext TDS proxy in front of `target`; returns its port.
async fn proxy(target: u16, seen: Arc<Mutex<Seen>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = TcpStream::connect(("127.0.0.1", target))
                .await
                .expect("connect to the stand-in");
            let seen = seen.clone();
            tokio::spawn(async move {
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let down = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut sr, &mut cw).await;
                });
                let mut decoder = Decoder::default();
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match cr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    decoder.feed(&buf[..n], &seen);
                    if sw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                let _ = sw.shutdown().await;
                let _ = down.await;
            });
        }
    });
    port
}

async fn connect_via(standin: &Standin, port: u16) -> TdsClient {
    let ado = standin
        .ado_connection_string("master")
        .replace(&format!(",{};", standin.port()), &format!(",{port};"));
    let config = Config::from_ado_string(&ado).expect("config");
    let tcp = TcpStream::connect(config.get_addr()).await.expect("tcp");
    tcp.set_nodelay(true).expect("nodelay");
    Client::connect(config, tcp.compat_write())
        .await
        .expect("login")
}

fn take(seen: &Mutex<Seen>) -> Seen {
    std::mem::take(&mut *seen.lock().expect("lock"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_writers_never_send_an_untyped_null() {
    let standin = Standin::spawn(StandinConfig {
        tls: TlsMode::Plaintext,
        ..Default::default()
    })
    .expect("stand-in");
    let seen = Arc::new(Mutex::new(Seen::default()));
    let port = proxy(standin.port(), seen.clone()).await;
    let mut client = connect_via(&standin, port).await;

    // Control: tiberius sends a bound None string as NULLTYPE, and the proxy sees it.
    client
        .execute("SELECT @P1", &[&Option::<&str>::None])
        .await
        .expect("control query");
    let control = take(&seen);
    assert_eq!(
        control.rpcs,
        vec![vec![NULLTYPE]],
        "{:?}",
        control.undecodable
    );

    let legacy = generate_model(45, Size::Tiny);
    let mgc = generate_mgc_model(46, Size::Tiny);
    let inserts = WriteOptions {
        bulk_messages: false,
        ..WriteOptions::default()
    };
    for (db, kind, dep) in [
        ("nulls2010", DatabaseKind::Legacy2010, &legacy),
        ("nullsocs", DatabaseKind::OcsR2, &legacy),
        ("nullsmgc", DatabaseKind::Mgc2013, &mgc),
    ] {
        create_database(&mut client, db, kind)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        // Parameterized INSERTs for messages too, so that NULL rtf values go through the same path.
        write_legacy_with(&mut client, dep, kind, inserts, &mut |_| {})
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        let got = take(&seen);
        assert!(
            got.undecodable.is_empty(),
            "{kind:?}: {:?}",
            got.undecodable
        );
        assert!(
            got.rpcs.len() > 10,
            "{kind:?}: {} RPC requests",
            got.rpcs.len()
        );
        assert!(
            got.rpcs.iter().flatten().any(|t| *t == 0x26),
            "{kind:?}: typed ints seen"
        );
        let untyped = got
            .rpcs
            .iter()
            .filter(|types| types.contains(&NULLTYPE))
            .count();
        assert_eq!(
            untyped, 0,
            "{kind:?}: {untyped} request(s) bind an untyped NULL"
        );
        client
            .simple_query("USE master")
            .await
            .expect("use")
            .into_results()
            .await
            .expect("use");
    }
}
