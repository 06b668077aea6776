//! `sqlserver-standin [--port N] [--user U] [--password P] [--plaintext] [--database NAME]...`

use sqlserver_standin::{Standin, StandinConfig, TlsMode};
use std::io::{Read, Write};

fn main() {
    let mut cfg = StandinConfig::default();
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = |name: &str| -> String {
            args.next().unwrap_or_else(|| {
                eprintln!("sqlserver-standin: {name} needs a value");
                std::process::exit(2)
            })
        };
        match a.as_str() {
            "--port" => {
                port = val("--port").parse().unwrap_or_else(|_| {
                    eprintln!("sqlserver-standin: --port needs a number");
                    std::process::exit(2)
                })
            }
            "--user" => cfg.user = val("--user"),
            "--password" => cfg.password = val("--password"),
            "--plaintext" => cfg.tls = TlsMode::Plaintext,
            "--database" => cfg.databases.push(val("--database")),
            "--product-version" => cfg.product_version = val("--product-version"),
            "-h" | "--help" => {
                println!("usage: sqlserver-standin [--port N] [--user U] [--password P] [--plaintext] [--database NAME]... [--product-version V]");
                return;
            }
            other => {
                eprintln!("sqlserver-standin: unknown argument {other}");
                std::process::exit(2)
            }
        }
    }
    let server = match Standin::spawn_on(cfg, port) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sqlserver-standin: cannot start: {e}");
            std::process::exit(1)
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on {}", server.addr());
    let _ = out.flush();
    if let Some(p) = server.ca_cert_pem_path() {
        eprintln!("sqlserver-standin: certificate {}", p.display());
    }
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let tx2 = tx.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        let mut stdin = std::io::stdin();
        while let Ok(n) = stdin.read(&mut buf) {
            if n == 0 {
                break;
            }
        }
        let _ = tx.send(());
    });
    std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            rt.block_on(async {
                let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
                }
            });
        }
        let _ = tx2.send(());
    });
    let _ = rx.recv();
    server.shutdown();
}
