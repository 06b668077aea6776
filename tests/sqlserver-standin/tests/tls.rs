mod common;
use common::*;
use sqlserver_standin::{Standin, StandinConfig, TlsMode};
use tiberius::{AuthMethod, Config, EncryptionLevel};

fn cfg(s: &Standin, enc: EncryptionLevel) -> Config {
    let mut c = Config::new();
    c.host("127.0.0.1");
    c.port(s.port());
    c.authentication(AuthMethod::sql_server(s.user(), s.password()));
    c.database("master");
    c.encryption(enc);
    c
}

#[tokio::test]
async fn tls_trusted_untrusted_and_bypass() {
    let s = Standin::spawn(StandinConfig::default()).unwrap();
    // trusted via the generated certificate
    let mut c = cfg(&s, EncryptionLevel::Required);
    c.trust_cert_ca(s.ca_cert_pem_path().unwrap().to_str().unwrap());
    let mut cl = connect_cfg(c).await.expect("trusted TLS");
    assert_eq!(rows(&mut cl, "SELECT 1").await[0].get::<i32, _>(0), Some(1));
    // not trusted -> fails
    let c = cfg(&s, EncryptionLevel::Required);
    assert!(connect_cfg(c).await.is_err());
    // trust_server_certificate
    let mut c = cfg(&s, EncryptionLevel::Required);
    c.trust_cert();
    let mut cl = connect_cfg(c).await.expect("trust_cert");
    assert_eq!(
        rows(&mut cl, "SELECT N'tls' AS x").await[0].get::<&str, _>(0),
        Some("tls")
    );
    // login-only encryption (encrypt=false)
    let mut c = cfg(&s, EncryptionLevel::Off);
    c.trust_cert();
    let mut cl = connect_cfg(c).await.expect("login-only TLS");
    assert_eq!(rows(&mut cl, "SELECT 2").await[0].get::<i32, _>(0), Some(2));
    // the default ADO string works
    let mut cl = connect(&s, "master").await;
    assert_eq!(rows(&mut cl, "SELECT 3").await[0].get::<i32, _>(0), Some(3));
}

#[tokio::test]
async fn plaintext_only_when_asked() {
    let s = Standin::spawn(StandinConfig {
        tls: TlsMode::Plaintext,
        ..Default::default()
    })
    .unwrap();
    assert!(s.ca_cert_pem_path().is_none());
    let mut c = cfg(&s, EncryptionLevel::Required);
    c.trust_cert();
    assert!(connect_cfg(c).await.is_err());
    let mut cl = connect_cfg(cfg(&s, EncryptionLevel::NotSupported))
        .await
        .unwrap();
    assert_eq!(rows(&mut cl, "SELECT 1").await[0].get::<i32, _>(0), Some(1));
}
