#![allow(dead_code)]
use sqlserver_standin::{Standin, StandinConfig, TlsMode};
use tiberius::{Client, Config};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

pub type Conn = Client<Compat<TcpStream>>;

pub fn plaintext() -> Standin {
    Standin::spawn(StandinConfig {
        tls: TlsMode::Plaintext,
        databases: vec!["testdb".into()],
        ..Default::default()
    })
    .expect("spawn")
}

pub async fn connect_cfg(cfg: Config) -> tiberius::Result<Conn> {
    let tcp = TcpStream::connect(cfg.get_addr()).await?;
    tcp.set_nodelay(true)?;
    Client::connect(cfg, tcp.compat_write()).await
}

pub async fn connect(s: &Standin, db: &str) -> Conn {
    let cfg = Config::from_ado_string(&s.ado_connection_string(db)).expect("ado");
    connect_cfg(cfg).await.expect("connect")
}

pub async fn rows(c: &mut Conn, sql: &str) -> Vec<tiberius::Row> {
    c.simple_query(sql)
        .await
        .expect(sql)
        .into_first_result()
        .await
        .expect(sql)
}

pub async fn err_of(c: &mut Conn, sql: &str) -> tiberius::error::TokenError {
    let r = match c.simple_query(sql).await {
        Ok(s) => s.into_results().await.map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Err(tiberius::error::Error::Server(e)) => e,
        other => panic!("expected a server error for {sql}, got {other:?}"),
    }
}
