//! TLS to PostgreSQL: `sslmode=require`, `verify-ca` and `verify-full` with a CA file (`sslrootcert`),
//! through sqlx's rustls (aws-lc-rs) support, against this machine's PostgreSQL.
//!
//! The test makes the server speak TLS if it does not yet with our certificate: it generates a CA and
//! a server certificate for `127.0.0.1`/`localhost` (rcgen), has the server write them into its own
//! data directory (`COPY … TO`, so the files belong to the postgres user with mode 0600 as it
//! requires), and turns `ssl` on with `ALTER SYSTEM` and `pg_reload_conf()`. This is idempotent and
//! keeps plain connections working (`host` lines accept both; nothing forces `hostssl`); a later run
//! reads the CA back with `pg_read_file` and changes nothing. It needs a superuser URL, as the other
//! PostgreSQL tests do; when `CI` is set and PostgreSQL is missing, it fails rather than skips.

use std::time::Duration;

use sqlx::{AssertSqlSafe, Row};
use tessera_core::store::InstanceStore;
use tessera_store::SqlStore;

use super::{Kind, admin_connection, run};

const CA_FILE: &str = "tessera-test-ca.crt";
const CERT_FILE: &str = "tessera-test-server.crt";
const KEY_FILE: &str = "tessera-test-server.key";

fn ca_params(name: &str) -> rcgen::CertificateParams {
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.distinguished_name.push(rcgen::DnType::CommonName, name);
    p.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
    p
}

/// A new CA: its certificate PEM, and a server certificate and key it issued for 127.0.0.1.
fn new_ca_and_server() -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let ca = ca_params("Tessera test CA").self_signed(&ca_key).expect("CA certificate");
    let issuer = rcgen::Issuer::new(ca_params("Tessera test CA"), ca_key);
    let mut server =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).expect("server params");
    server.distinguished_name.push(rcgen::DnType::CommonName, "localhost");
    let server_key = rcgen::KeyPair::generate().expect("server key");
    let cert = server.signed_by(&server_key, &issuer).expect("server certificate");
    (ca.pem(), cert.pem(), server_key.serialize_pem())
}

async fn show(conn: &mut sqlx::AnyConnection, setting: &str) -> String {
    let row = sqlx::query(AssertSqlSafe(format!("SHOW {setting}"))).fetch_one(&mut *conn).await.expect("SHOW");
    row.try_get::<String, _>(0).expect("setting")
}

/// Has the server write `text` to `path` (absolute) as the postgres user, mode 0600 (PostgreSQL
/// refuses a key file others can read). PEM holds no quote or backslash; each line becomes one row,
/// so COPY's text format writes it unchanged.
async fn server_write(conn: &mut sqlx::AnyConnection, path: &str, text: &str) {
    assert!(!text.contains('\'') && !text.contains('\\') && !path.contains('\''));
    let lines: Vec<String> = text.lines().map(|l| format!("'{l}'")).collect();
    let sql = format!(
        "COPY (SELECT unnest(ARRAY[{}]::text[])) TO PROGRAM 'umask 077 && cat > {path} && chmod 600 {path}'",
        lines.join(",")
    );
    sqlx::query(AssertSqlSafe(sql)).execute(&mut *conn).await.expect("writing a file through the server");
}

/// True when a `verify-full` connection with `ca` succeeds.
async fn verifies(admin_url: &str, ca: &str) -> bool {
    let Ok(dir) = tempfile::tempdir() else { return false };
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, ca).is_ok()
        && admin_connection(&with_tls(admin_url, "verify-full", Some(&path))).await.is_ok()
}

/// Makes the server serve TLS with a certificate from our CA (unless it already does) and returns
/// the CA's PEM.
async fn ensure_tls(admin_url: &str) -> String {
    let mut conn = admin_connection(admin_url).await.expect("admin connection");
    let existing = sqlx::query(AssertSqlSafe(format!("SELECT pg_read_file('{CA_FILE}', 0, 100000, true)")))
        .fetch_one(&mut conn)
        .await
        .ok()
        .and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten());
    if let Some(ca) = existing
        && verifies(admin_url, &ca).await
    {
        return ca;
    }
    let data_dir = show(&mut conn, "data_directory").await;
    let cert_path = format!("{data_dir}/{CERT_FILE}");
    let (ca, cert, key) = new_ca_and_server();
    server_write(&mut conn, &format!("{data_dir}/{CA_FILE}"), &ca).await;
    server_write(&mut conn, &cert_path, &cert).await;
    server_write(&mut conn, &format!("{data_dir}/{KEY_FILE}"), &key).await;
    for sql in [
        format!("ALTER SYSTEM SET ssl_cert_file = '{cert_path}'"),
        format!("ALTER SYSTEM SET ssl_key_file = '{data_dir}/{KEY_FILE}'"),
        "ALTER SYSTEM SET ssl = on".to_owned(),
        "SELECT pg_reload_conf()".to_owned(),
    ] {
        sqlx::query(AssertSqlSafe(sql)).execute(&mut conn).await.expect("configuring TLS");
    }
    // The reload is asynchronous: wait until a new connection is served with the new certificate.
    for _ in 0..100 {
        if verifies(admin_url, &ca).await {
            return ca;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("PostgreSQL did not serve the generated certificate after pg_reload_conf(); see its log");
}

fn with_tls(url: &str, mode: &str, ca: Option<&std::path::Path>) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    match ca {
        Some(p) => format!("{url}{sep}sslmode={mode}&sslrootcert={}", p.display()),
        None => format!("{url}{sep}sslmode={mode}"),
    }
}

#[tokio::test]
async fn postgresql_over_tls_verifies_the_server_certificate_with_verify_full() {
    run(Kind::Postgres, |url| async move {
        let admin_url = std::env::var("TESSERA_TEST_DATABASE_URL").expect("set when run gives a URL");
        let ca = ensure_tls(&admin_url).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let good = dir.path().join("ca.pem");
        let wrong = dir.path().join("wrong-ca.pem");
        std::fs::write(&good, &ca).expect("writing the CA");
        std::fs::write(&wrong, new_ca_and_server().0).expect("writing another CA");

        for mode in ["verify-full", "verify-ca"] {
            let store =
                SqlStore::connect(&with_tls(&url, mode, Some(&good))).await.unwrap_or_else(|e| panic!("{mode}: {e}"));
            store.ping().await.expect("a statement over TLS");
            // The session really is encrypted.
            let row = sqlx::query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                .fetch_one(&mut admin_connection(&with_tls(&url, mode, Some(&good))).await.expect("connect"))
                .await
                .expect("pg_stat_ssl");
            assert!(row.try_get::<bool, _>(0).expect("ssl column"), "{mode}: the connection uses TLS");
        }
        let store = SqlStore::connect(&with_tls(&url, "require", None)).await.expect("require without a CA file");
        store.ping().await.expect("a statement over TLS");

        // A CA that did not issue the server's certificate: the connection is refused.
        for mode in ["verify-full", "verify-ca"] {
            let refused = SqlStore::connect(&with_tls(&url, mode, Some(&wrong))).await;
            assert!(refused.is_err(), "{mode} with the wrong CA must fail");
        }
        // Plain connections still work for everyone else sharing the server.
        SqlStore::connect(&with_tls(&url, "disable", None))
            .await
            .expect("plain connection")
            .ping()
            .await
            .expect("ping");
    })
    .await;
}
