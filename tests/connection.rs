//! The connection layer and `probe` over real TDS: against the stand-in by default, or the server in
//! `PCHAT_TEST_SQLSERVER`.

mod common;

use common::{run_job, TestServer};
use pchat_migrate::jobs::JobEvent;
use serde_json::json;
use sqlserver_standin::TlsMode;
use std::net::TcpListener;

fn probe(
    params: serde_json::Value,
) -> (
    Result<serde_json::Value, pchat_migrate::PcmError>,
    Vec<JobEvent>,
) {
    run_job(json!({ "operation": "probe", "params": params }))
}

#[test]
fn probe_reports_the_server_over_an_encrypted_connection() {
    let server = TestServer::start();
    let (result, events) = probe(server.connection_params(Some("master")));
    let data = result.expect("probe succeeds");
    assert_eq!(data["database"], "master");
    assert_eq!(data["encrypted"], true);
    assert_eq!(data["authentication"], "SqlServer");
    assert_eq!(data["databaseKind"], "NotChat");
    assert!(
        data["productVersion"]
            .as_str()
            .is_some_and(|v| v.contains('.')),
        "{data}"
    );
    if server.is_standin() {
        assert_eq!(data["productVersion"], "10.50.6000.34");
        assert_eq!(data["productMajorVersion"], 10);
    }
    assert!(events
        .iter()
        .any(|e| matches!(e, JobEvent::Progress { .. })));
    assert!(events
        .iter()
        .any(|e| matches!(e, JobEvent::Warning { code, .. } if code == "not_a_chat_database")));
}

#[test]
fn wrong_password_is_a_login_failure_that_never_echoes_the_password() {
    let server = TestServer::start();
    let mut params = server.connection_params(None);
    params["password"] = json!("Wr0ng-Secret-Value");
    params["connectRetryCount"] = json!(0);
    let error = probe(params).0.expect_err("login must fail");
    assert_eq!(error.code(), "login_failed", "{error}");
    let text = format!("{error} {:?} {}", error, error.to_json());
    assert!(text.contains("18456"), "{text}");
    assert!(
        !text.contains("Wr0ng-Secret-Value"),
        "password leaked: {text}"
    );
}

#[test]
fn unknown_database_names_the_database() {
    let server = TestServer::start();
    let error = probe(server.connection_params(Some("NoSuchChatDb")))
        .0
        .expect_err("must fail");
    assert_eq!(error.code(), "database_not_found");
    assert!(error.to_string().contains("NoSuchChatDb"), "{error}");
    assert!(error.to_string().contains("-DBName"), "{error}");
}

/// Real SQL Server raises 911 ("Database 'x' does not exist") for `USE` of a missing database (4060 is the
/// login-time form): both mean a wrong -DBName, not a generic SQL error.
#[tokio::test(flavor = "multi_thread")]
async fn use_of_a_missing_database_is_the_unknown_database_error() {
    let server = TestServer::start();
    let params: pchat_migrate::connection::ConnectionParams =
        serde_json::from_value(server.connection_params(Some("master"))).expect("params");
    let settings = params.validate().expect("valid");
    let mut connection = pchat_migrate::connection::connect(&settings, None)
        .await
        .expect("connects");
    let error = match connection
        .client
        .simple_query("USE [NoSuchChatDb_911]")
        .await
    {
        Ok(_) => panic!("USE of a missing database must fail"),
        Err(e) => pchat_migrate::connection::sql_error(e),
    };
    assert_eq!(error.code(), "database_not_found", "{error}");
    assert_eq!(error.details()["number"], 911, "{error}");
    let message = error.to_string();
    assert!(message.contains("NoSuchChatDb_911"), "{message}");
    assert!(message.contains("-DBName"), "{message}");
}

#[test]
fn untrusted_certificate_fails_with_the_fix_named() {
    let server = TestServer::standin(TlsMode::Supported);
    let mut params = server.connection_params(None);
    params
        .as_object_mut()
        .expect("object")
        .remove("caCertificatePath");
    let error = probe(params.clone())
        .0
        .expect_err("self-signed certificate must be refused");
    assert_eq!(error.code(), "tls_failed", "{error}");
    assert!(
        error.to_string().contains("-TrustServerCertificate"),
        "{error}"
    );
    // Accepting the risk explicitly works.
    params["trustServerCertificate"] = json!(true);
    let data = probe(params).0.expect("trusting the certificate connects");
    assert_eq!(data["encrypted"], true);
}

#[test]
fn optional_encryption_and_plaintext_modes() {
    let server = TestServer::standin(TlsMode::Supported);
    let mut params = server.connection_params(None);
    params["encryption"] = json!("Optional");
    let data = probe(params).0.expect("login-only encryption connects");
    assert_eq!(data["encrypted"], false);

    let plain = TestServer::standin(TlsMode::Plaintext);
    let mut params = plain.connection_params(None);
    params["encryption"] = json!("Mandatory");
    params
        .as_object_mut()
        .expect("object")
        .remove("caCertificatePath");
    let error = probe(params.clone())
        .0
        .expect_err("mandatory encryption refuses a server without TLS");
    assert_eq!(error.code(), "tls_failed", "{error}");
    params["encryption"] = json!("Plaintext");
    probe(params).0.expect("plaintext only when asked for");
}

#[test]
fn connect_timeout_is_reported_as_such() {
    // Accepts TCP and never answers the pre-login.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let started = std::time::Instant::now();
    let error = probe(json!({
        "dbInstance": format!("127.0.0.1,{port}"), "user": "sa", "password": "x",
        "encryption": "Plaintext", "connectTimeoutSeconds": 1, "connectRetryCount": 0
    }))
    .0
    .expect_err("must time out");
    assert_eq!(error.code(), "timeout", "{error}");
    assert!(
        error.to_string().contains("-ConnectTimeoutSeconds"),
        "{error}"
    );
    assert!(started.elapsed().as_secs() < 10);
    drop(listener);
}

#[test]
fn a_connect_that_gave_up_after_retries_says_attempts_times_timeout() {
    // Accepts TCP and never answers the pre-login: every attempt runs out of its 1 s.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let started = std::time::Instant::now();
    let error = probe(json!({
        "dbInstance": format!("127.0.0.1,{port}"), "user": "sa", "password": "x",
        "encryption": "Plaintext", "connectTimeoutSeconds": 1, "connectRetryCount": 2
    }))
    .0
    .expect_err("must time out");
    let took = started.elapsed().as_secs_f64();
    assert_eq!(error.code(), "timeout", "{error}");
    let message = error.to_string();
    assert!(
        message.contains("gave up after 3 attempts of 1 s each"),
        "{message}"
    );
    assert!(!message.contains("within 1 s"), "{message}");
    // 3 attempts of 1 s and the 1 s + 2 s waits between them: the total named is the time it took.
    let total: f64 = message
        .split(" s in all")
        .next()
        .and_then(|head| head.rsplit('(').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no total in {message}"));
    assert!(
        total >= 5.0 && (total - took).abs() <= 1.0,
        "{total} vs {took}: {message}"
    );
    // One attempt keeps the short form.
    let error = probe(json!({
        "dbInstance": format!("127.0.0.1,{port}"), "user": "sa", "password": "x",
        "encryption": "Plaintext", "connectTimeoutSeconds": 1, "connectRetryCount": 0
    }))
    .0
    .expect_err("must time out");
    assert!(error.to_string().contains("within 1 s"), "{error}");
    drop(listener);
}

/// A TCP proxy to `backend` that slams the door on its first `refuse` connections (as a failing-over or
/// overloaded server does) and forwards the rest.
fn flaky_proxy(backend: std::net::SocketAddr, refuse: usize) -> u16 {
    use std::io::copy;
    use std::net::TcpStream;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for (n, client) in listener.incoming().enumerate() {
            let Ok(client) = client else { break };
            if n < refuse {
                drop(client);
                continue;
            }
            let Ok(server) = TcpStream::connect(backend) else {
                break;
            };
            let (mut c2, mut s2) = (
                client.try_clone().expect("clone"),
                server.try_clone().expect("clone"),
            );
            let (mut c1, mut s1) = (client, server);
            std::thread::spawn(move || {
                let _ = copy(&mut c1, &mut s1);
                let _ = s1.shutdown(std::net::Shutdown::Both);
            });
            std::thread::spawn(move || {
                let _ = copy(&mut s2, &mut c2);
                let _ = c2.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    port
}

#[test]
fn a_transient_failure_is_retried() {
    let server = TestServer::standin(TlsMode::Supported);
    let standin = server.as_standin().expect("stand-in");
    let port = flaky_proxy(standin.addr(), 1);
    let mut params = server.connection_params(None);
    params["dbInstance"] = json!(format!("localhost,{port}"));
    params["connectRetryCount"] = json!(2);
    let (result, events) = probe(params.clone());
    let data = result.expect("second attempt connects");
    assert_eq!(data["connectAttempts"], 2, "{data}");
    assert!(events
        .iter()
        .any(|e| matches!(e, JobEvent::Warning { code, .. } if code == "connect_retried")));
    // Without retries the same failure is reported.
    let port = flaky_proxy(standin.addr(), 1);
    params["dbInstance"] = json!(format!("localhost,{port}"));
    params["connectRetryCount"] = json!(0);
    let error = probe(params).0.expect_err("no retry, no connection");
    assert_eq!(error.code(), "connection_failed", "{error}");
}

#[test]
fn a_named_instance_is_found_through_the_sql_server_browser() {
    let server = TestServer::standin(TlsMode::Supported);
    let port = server.as_standin().expect("stand-in").port();
    // A SQL Server Browser (SSRP, UDP 1434) that knows one instance, GROUPCHAT.
    let browser =
        std::net::UdpSocket::bind("127.0.0.1:1434").expect("UDP 1434 is free on this machine");
    browser
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    let answering = std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        let (n, peer) = browser.recv_from(&mut buf).expect("a browser request");
        // CLNT_UCAST_INST (0x04) followed by the instance name.
        assert_eq!(buf[0], 0x04);
        assert_eq!(&buf[1..n], b"GROUPCHAT");
        let body = format!(
            "ServerName;TEST;InstanceName;GROUPCHAT;IsClustered;No;Version;10.50.6000.34;tcp;{port};;"
        );
        let mut reply = vec![0x05];
        reply.extend_from_slice(&(body.len() as u16).to_le_bytes());
        reply.extend_from_slice(body.as_bytes());
        browser.send_to(&reply, peer).expect("reply");
    });
    let mut params = server.connection_params(None);
    params["dbInstance"] = json!("127.0.0.1\\GROUPCHAT");
    let data = probe(params).0.expect("connects through the browser");
    assert_eq!(data["instance"], "GROUPCHAT");
    answering.join().expect("browser thread");
}

/// A server that offers encryption in its PRELOGIN answer and then hangs up inside the TLS handshake, as SQL
/// Server 2008 R2 / 2012 without the TLS 1.2 update does with modern clients.
fn old_tls_server() -> u16 {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(2) {
            let Ok(mut stream) = stream else { break };
            let mut header = [0u8; 8];
            if stream.read_exact(&mut header).is_err() {
                continue;
            }
            let length = u16::from_be_bytes([header[2], header[3]]) as usize;
            let mut body = vec![0u8; length.saturating_sub(8)];
            let _ = stream.read_exact(&mut body);
            // PRELOGIN answer: VERSION (6 bytes) and ENCRYPTION = ENCRYPT_ON, then the terminator.
            let options: [u8; 11] = [
                0x00, 0x00, 0x0B, 0x00, 0x06, 0x01, 0x00, 0x11, 0x00, 0x01, 0xFF,
            ];
            let data: [u8; 7] = [10, 50, 0x17, 0x70, 0, 0, 0x01];
            let total = 8 + options.len() + data.len();
            let mut packet = vec![0x04, 0x01, (total >> 8) as u8, total as u8, 0, 0, 1, 0];
            packet.extend_from_slice(&options);
            packet.extend_from_slice(&data);
            let _ = stream.write_all(&packet);
            // Read the wrapped ClientHello, then close without answering.
            let mut hello = [0u8; 512];
            let _ = stream.read(&mut hello);
            drop(stream);
        }
    });
    port
}

#[test]
fn a_tls_handshake_cut_by_an_old_server_names_the_fix() {
    let port = old_tls_server();
    let error = probe(json!({
        "dbInstance": format!("127.0.0.1,{port}"), "user": "sa", "password": "x",
        "connectTimeoutSeconds": 5, "connectRetryCount": 0
    }))
    .0
    .expect_err("the handshake fails");
    assert_eq!(error.code(), "tls_failed", "{error}");
    let text = error.to_string();
    assert!(
        text.contains("2008 R2") && text.contains("TLS 1.2"),
        "{text}"
    );
    assert!(
        text.contains("native-tls") || text.contains("SChannel"),
        "{text}"
    );
}
