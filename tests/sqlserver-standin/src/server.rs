//! Network side: listener, PRELOGIN/TLS/LOGIN7, per-session reader/writer tasks.

use crate::engine::{self, Out, PacketSink, Session, Shared, SqlErr, Stop};
use crate::tds::{self, Message};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// Wraps TLS handshake records in TDS PRELOGIN packets (server side), then passes through.
pub struct PreloginWrapper {
    inner: TcpStream,
    pub handshake: bool,
    hdr: [u8; 8],
    hdr_pos: usize,
    remaining: usize,
    wbuf: Vec<u8>,
    wpos: usize,
}

impl PreloginWrapper {
    fn new(inner: TcpStream) -> Self {
        PreloginWrapper {
            inner,
            handshake: true,
            hdr: [0; 8],
            hdr_pos: 0,
            remaining: 0,
            wbuf: Vec::new(),
            wpos: 0,
        }
    }
}

impl AsyncRead for PreloginWrapper {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        if !me.handshake {
            return Pin::new(&mut me.inner).poll_read(cx, buf);
        }
        while me.remaining == 0 {
            while me.hdr_pos < 8 {
                let mut rb = ReadBuf::new(&mut me.hdr[me.hdr_pos..]);
                match Pin::new(&mut me.inner).poll_read(cx, &mut rb) {
                    Poll::Ready(Ok(())) => {
                        let n = rb.filled().len();
                        if n == 0 {
                            return Poll::Ready(Ok(()));
                        }
                        me.hdr_pos += n;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                }
            }
            let len = u16::from_be_bytes([me.hdr[2], me.hdr[3]]) as usize;
            me.remaining = len.saturating_sub(8);
            me.hdr_pos = 0;
        }
        let max = me.remaining.min(buf.remaining());
        let mut tmp = vec![0u8; max];
        let mut rb = ReadBuf::new(&mut tmp);
        match Pin::new(&mut me.inner).poll_read(cx, &mut rb) {
            Poll::Ready(Ok(())) => {
                let n = rb.filled().len();
                buf.put_slice(&tmp[..n]);
                me.remaining -= n;
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl AsyncWrite for PreloginWrapper {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        if !me.handshake {
            return Pin::new(&mut me.inner).poll_write(cx, data);
        }
        let mut pk = Vec::new();
        tds::packetize(tds::PKT_PRELOGIN, data, 4096, true, 0, &mut pk);
        me.wbuf.extend_from_slice(&pk);
        Poll::Ready(Ok(data.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        while me.wpos < me.wbuf.len() {
            match Pin::new(&mut me.inner).poll_write(cx, &me.wbuf[me.wpos..]) {
                Poll::Ready(Ok(n)) => me.wpos += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        me.wbuf.clear();
        me.wpos = 0;
        Pin::new(&mut me.inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

enum Conn {
    Raw(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<PreloginWrapper>>),
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Raw(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Raw(s) => Pin::new(s).poll_write(cx, data),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, data),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Raw(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Raw(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

pub fn version_bytes(v: &str) -> [u8; 4] {
    let p: Vec<u32> = v.split('.').map(|x| x.parse().unwrap_or(0)).collect();
    let build = *p.get(2).unwrap_or(&0) as u16;
    [
        *p.first().unwrap_or(&10) as u8,
        *p.get(1).unwrap_or(&0) as u8,
        (build >> 8) as u8,
        (build & 0xff) as u8,
    ]
}

async fn write_msg<W: AsyncWrite + Unpin>(
    w: &mut W,
    ty: u8,
    payload: &[u8],
    packet_size: usize,
) -> io::Result<()> {
    let mut pk = Vec::new();
    tds::packetize(ty, payload, packet_size, true, 0, &mut pk);
    w.write_all(&pk).await?;
    w.flush().await
}

async fn read_expect<R: AsyncRead + Unpin>(r: &mut R, ty: u8) -> io::Result<Message> {
    match tds::read_message(r).await? {
        Some(m) if m.ty == ty => Ok(m),
        Some(m) => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("expected packet type 0x{ty:02X}, got 0x{:02X}", m.ty),
        )),
        None => Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "client closed the connection",
        )),
    }
}

pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<Arc<rustls::ServerConfig>>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let Ok(addr) = listener.local_addr() else {
        return;
    };
    let mut down = shared.faults.service_down.subscribe();
    let mut listener = Some(listener);
    loop {
        let Some(open) = listener.as_ref() else {
            // The service is stopped: the port refuses connections until it is started again.
            tokio::select! {
                _ = down.changed() => {
                    if !*down.borrow_and_update() {
                        listener = rebind(addr).await;
                        shared.faults.listening.store(listener.is_some(), Ordering::SeqCst);
                    }
                }
                _ = stop.changed() => break,
            }
            continue;
        };
        tokio::select! {
            r = open.accept() => {
                if let Ok((tcp, _)) = r {
                    let shared = shared.clone();
                    let tls = tls.clone();
                    let stop = stop.clone();
                    tokio::spawn(async move {
                        if let Err(e) = handle(tcp, shared, tls, stop).await {
                            if std::env::var_os("STANDIN_DEBUG").is_some() {
                                eprintln!("sqlserver-standin: connection ended: {e}");
                            }
                        }
                    });
                }
            }
            _ = down.changed() => {
                if *down.borrow_and_update() {
                    listener = None;
                    shared.faults.listening.store(false, Ordering::SeqCst);
                }
            }
            _ = stop.changed() => break,
        }
    }
}

/// Listens on `addr` again after a stopped service is started (SO_REUSEADDR: the closed sessions' sockets may
/// still be in TIME_WAIT on that port). Retries for up to 5 s.
async fn rebind(addr: std::net::SocketAddr) -> Option<TcpListener> {
    for _ in 0..100 {
        let socket = match addr {
            std::net::SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
            std::net::SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
        };
        let listener = socket.and_then(|s| {
            s.set_reuseaddr(true)?;
            s.bind(addr)?;
            s.listen(1024)
        });
        match listener {
            Ok(l) => return Some(l),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
    eprintln!("sqlserver-standin: could not listen on {addr} again");
    None
}

struct ChanSink {
    tx: mpsc::Sender<Option<Vec<u8>>>,
}

impl PacketSink for ChanSink {
    fn send(&mut self, bytes: Vec<u8>) -> Result<(), Stop> {
        self.tx
            .blocking_send(Some(bytes))
            .map_err(|_| Stop::Disconnected)
    }
}

async fn handle(
    mut tcp: TcpStream,
    shared: Arc<Shared>,
    tls: Option<Arc<rustls::ServerConfig>>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> io::Result<()> {
    tcp.set_nodelay(true)?;
    let mut killed = shared.faults.kill_generation.subscribe();
    let ver = version_bytes(&shared.config.product_version);
    let pre = read_expect(&mut tcp, tds::PKT_PRELOGIN).await?;
    let client_enc = tds::parse_prelogin(&pre.data)?;
    let server_enc = match (&tls, client_enc) {
        (None, _) => 0x02,
        (Some(_), 0x00) => 0x00,
        (Some(_), 0x02) => 0x02,
        (Some(_), _) => 0x01,
    };
    write_msg(
        &mut tcp,
        tds::PKT_TABULAR,
        &tds::build_prelogin_reply(ver, server_enc),
        4096,
    )
    .await?;
    let (mut conn, login) = if server_enc == 0x02 {
        let login = read_expect(&mut tcp, tds::PKT_LOGIN7).await?;
        (Conn::Raw(tcp), login)
    } else {
        let cfg = tls
            .clone()
            .ok_or_else(|| io::Error::other("no TLS config"))?;
        let acceptor = tokio_rustls::TlsAcceptor::from(cfg);
        let mut s = acceptor.accept(PreloginWrapper::new(tcp)).await?;
        s.get_mut().0.handshake = false;
        let login = read_expect(&mut s, tds::PKT_LOGIN7).await?;
        if server_enc == 0x00 {
            let (w, _) = s.into_inner();
            (Conn::Raw(w.inner), login)
        } else {
            (Conn::Tls(Box::new(s)), login)
        }
    };
    let login = tds::parse_login7(&login.data)?;
    let packet_size = if login.packet_size == 0 {
        4096
    } else {
        login.packet_size.clamp(512, 32767) as usize
    };
    let server = "STANDIN";
    let fail = |number: i32, msg: String, extra: Option<(i32, String)>| {
        let mut b = Vec::new();
        if let Some((n, m)) = extra {
            tds::error_token(&mut b, n, 1, 11, &m, server);
        }
        tds::error_token(&mut b, number, 1, 14, &msg, server);
        tds::done(&mut b, tds::TOK_DONE, tds::DONE_ERROR, 0, 0);
        b
    };
    if shared.faults.refuse_logins.load(Ordering::SeqCst) {
        let b = fail(18456, format!("Login failed for user '{}'. Reason: the server is refusing new logins (stand-in fault injection).", login.user), None);
        write_msg(&mut conn, tds::PKT_TABULAR, &b, packet_size).await?;
        return Ok(());
    }
    if login.user != shared.config.user || login.password != shared.config.password {
        let b = fail(
            18456,
            format!("Login failed for user '{}'.", login.user),
            None,
        );
        write_msg(&mut conn, tds::PKT_TABULAR, &b, packet_size).await?;
        return Ok(());
    }
    let dbname = if login.database.is_empty() {
        "master".to_string()
    } else {
        login.database.clone()
    };
    let Some((real_db, _)) = shared
        .db_path(&dbname)
        .filter(|(real, _)| !shared.faults.is_denied(real))
    else {
        let b = fail(
            18456,
            format!("Login failed for user '{}'.", login.user),
            Some((
                4060,
                format!(
                    "Cannot open database \"{dbname}\" requested by the login. The login failed."
                ),
            )),
        );
        write_msg(&mut conn, tds::PKT_TABULAR, &b, packet_size).await?;
        return Ok(());
    };
    if shared.faults.is_down() || killed.has_changed().unwrap_or(true) {
        // Killed (or the service stopped) while logging in.
        return Ok(());
    }
    let spid = shared.next_spid.fetch_add(1, Ordering::SeqCst);
    let mut b = Vec::new();
    tds::envchange_str(&mut b, 1, &real_db, "master");
    tds::info_token(
        &mut b,
        5701,
        &format!("Changed database context to '{real_db}'."),
        server,
    );
    tds::envchange_bytes(&mut b, 7, &tds::COLLATION, &[]);
    tds::envchange_str(&mut b, 2, "us_english", "");
    tds::info_token(
        &mut b,
        5703,
        "Changed language setting to us_english.",
        server,
    );
    tds::loginack(&mut b, ver);
    tds::envchange_str(
        &mut b,
        4,
        &packet_size.to_string(),
        &packet_size.to_string(),
    );
    tds::done(&mut b, tds::TOK_DONE, 0, 0, 0);
    write_msg(&mut conn, tds::PKT_TABULAR, &b, packet_size).await?;

    // session
    let (mut rd, mut wr) = tokio::io::split(conn);
    let (req_tx, req_rx) = std::sync::mpsc::channel::<Option<Message>>();
    let (out_tx, mut out_rx) = mpsc::channel::<Option<Vec<u8>>>(16);
    let attn = Arc::new(AtomicBool::new(false));
    let attn_r = attn.clone();
    let reader = tokio::spawn(async move {
        loop {
            match tds::read_message(&mut rd).await {
                Ok(Some(m)) => {
                    if m.ty == tds::PKT_ATTENTION {
                        attn_r.store(true, Ordering::SeqCst);
                    }
                    if req_tx.send(Some(m)).is_err() {
                        break;
                    }
                }
                _ => {
                    let _ = req_tx.send(None);
                    break;
                }
            }
        }
    });
    let sh = shared.clone();
    let db_for_thread = real_db.clone();
    std::thread::spawn(move || {
        session_thread(sh, db_for_thread, spid, packet_size, req_rx, out_tx, attn)
    });
    loop {
        tokio::select! {
            m = out_rx.recv() => match m {
                Some(Some(bytes)) => {
                    if wr.write_all(&bytes).await.is_err() { break; }
                    if out_rx.is_empty() && wr.flush().await.is_err() { break; }
                }
                _ => break,
            },
            _ = stop.changed() => break,
            _ = killed.changed() => break,
        }
    }
    let _ = wr.shutdown().await;
    reader.abort();
    Ok(())
}

fn session_thread(
    shared: Arc<Shared>,
    db: String,
    spid: u16,
    packet_size: usize,
    req_rx: std::sync::mpsc::Receiver<Option<Message>>,
    out_tx: mpsc::Sender<Option<Vec<u8>>>,
    attn: Arc<AtomicBool>,
) {
    let mut sink = ChanSink { tx: out_tx.clone() };
    let mut session = match Session::open(shared.clone(), &db, spid) {
        Ok(s) => s,
        Err(_) => {
            let _ = out_tx.blocking_send(None);
            return;
        }
    };
    let faults = shared.faults.clone();
    let mut attn_answered = false;
    while let Ok(Some(msg)) = req_rx.recv() {
        if msg.ty == tds::PKT_ATTENTION {
            attn.store(false, Ordering::SeqCst);
            if attn_answered {
                attn_answered = false;
            } else {
                let out = Out::new(
                    &mut sink,
                    packet_size,
                    spid,
                    Arc::new(AtomicBool::new(true)),
                    faults.clone(),
                );
                let mut out = out;
                out.cancelled = true;
                if out.finish().is_err() {
                    break;
                }
            }
            continue;
        }
        if faults.take_request() {
            break;
        }
        let delay = faults.delay();
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let mut out = Out::new(&mut sink, packet_size, spid, attn.clone(), faults.clone());
        let r = handle_request(&mut session, &msg, &mut out);
        if r.is_err() || out.disconnected {
            break;
        }
        let cancelled = out.cancelled;
        if out.finish().is_err() {
            break;
        }
        if cancelled {
            attn_answered = true;
        }
    }
    if session.trancount > 0 {
        let _ = session.conn.execute_batch("ROLLBACK");
    }
    let _ = out_tx.blocking_send(None);
}

fn handle_request(session: &mut Session, msg: &Message, out: &mut Out<'_>) -> Result<(), Stop> {
    match msg.ty {
        tds::PKT_SQLBATCH => {
            let mut r = tds::Rd::new(&msg.data);
            if tds::skip_all_headers(&mut r).is_err() {
                return session.report(out, &SqlErr::new(4002, 16, "The incoming tabular data stream (TDS) protocol stream is incorrect."));
            }
            let sql = tds::utf16_to_string(&msg.data[r.pos..]);
            session.run_batch(&sql, &engine::Params::new(), out)
        }
        tds::PKT_RPC => match engine::parse_rpc(&msg.data) {
            Ok((sql, params)) => {
                out.in_proc = true;
                session.run_batch(&sql, &params, out)
            }
            Err(e) => session.report(out, &SqlErr::new(8144, 16, format!("stand-in RPC error: {e}"))),
        },
        tds::PKT_BULK => session.run_bulk(&msg.data, out),
        tds::PKT_TM => {
            let mut r = tds::Rd::new(&msg.data);
            let ty = tds::skip_all_headers(&mut r).and_then(|_| r.u16());
            let res = match ty {
                Ok(5) => session.begin_tran(out),
                Ok(7) => session.commit_tran(out),
                Ok(8) => session.rollback_tran(out),
                Ok(other) => Err(SqlErr::new(50000, 16, format!("stand-in: transaction manager request {other} is not supported"))),
                Err(e) => Err(SqlErr::new(4002, 16, format!("The incoming tabular data stream (TDS) protocol stream is incorrect: {e}"))),
            };
            match res {
                Ok(()) => out.done(0, 0, None),
                Err(e) => session.report(out, &e),
            }
        }
        other => session.report(out, &SqlErr::new(4002, 16, format!("The incoming tabular data stream (TDS) protocol stream is incorrect (packet type 0x{other:02X})."))),
    }
}
