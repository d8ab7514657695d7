//! The real `tessera` binary at debug log level: secret keys (given and created by the CLI), the
//! master key, an instance key from a PEM file, custom template keys (a PEM and an HMAC secret),
//! passwords (set, changed, verified right and wrong) and an imported password digest, a wrong key
//! presented and the minted tokens never reach its log output (stdout and
//! stderr, captured whole). The binary is `target/<profile>/tessera`, built by
//! `cargo build -p tessera-cli` (a workspace `cargo test` builds it too); when it is missing the
//! test fails under CI and is skipped, saying so, elsewhere. Every wait has a deadline.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{jwt_fixture, raw_http_client};

const DEADLINE: Duration = Duration::from_secs(60);

/// `target/<profile>/tessera`, next to this test binary's `deps/` folder.
fn tessera_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe.parent()?.parent()?.join(format!("tessera{}", std::env::consts::EXE_SUFFIX));
    bin.is_file().then_some(bin)
}

/// A child that is killed and reaped when dropped, whatever the test did.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Copies a child's stream into `sink`, sending each line on `lines` as it comes.
fn drain(
    stream: impl Read + Send + 'static,
    sink: Arc<Mutex<String>>,
    lines: Option<mpsc::Sender<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            sink.lock().unwrap_or_else(|e| e.into_inner()).push_str(&format!("{line}\n"));
            if let Some(tx) = &lines {
                let _ = tx.send(line);
            }
        }
    })
}

/// Runs a `tessera` command to its end within the deadline; returns (stdout, stderr).
fn run(bin: &PathBuf, args: &[&str], envs: &[(&str, &str)]) -> (String, String) {
    let mut cmd = Command::new(bin);
    cmd.args(args).env("TESSERA_LOG", "debug").env("NO_COLOR", "1").stdin(Stdio::null());
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = Killed(cmd.spawn().expect("tessera runs"));
    let (out, err) = (Arc::new(Mutex::new(String::new())), Arc::new(Mutex::new(String::new())));
    let (tx, rx) = mpsc::channel();
    let drains = [
        drain(child.0.stdout.take().unwrap(), out.clone(), None),
        drain(child.0.stderr.take().unwrap(), err.clone(), None),
    ];
    let pid = child.0.id();
    let waiter = std::thread::spawn(move || {
        let status = child.0.wait();
        let _ = tx.send(status.map(|s| s.success()));
        child
    });
    let ok = rx.recv_timeout(DEADLINE).unwrap_or_else(|_| panic!("tessera {args:?} (pid {pid}) did not end in time"));
    drop(waiter.join());
    // The drain threads end at EOF, right after the exit: wait for them, or the last lines may not
    // be read yet (seen under load).
    for d in drains {
        let _ = d.join();
    }
    let (out, err) = (out.lock().unwrap().clone(), err.lock().unwrap().clone());
    assert!(ok.unwrap_or(false), "tessera {args:?} failed: {out}\n{err}");
    (out, err)
}

#[tokio::test]
async fn the_real_binary_logs_no_secret_at_debug_level() {
    let Some(bin) = tessera_binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the tessera binary is missing next to this test: run `cargo build -p tessera-cli` first"
        );
        eprintln!("the tessera binary is not built (cargo build -p tessera-cli): skipping (outside CI)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap().to_owned();
    let master = base64::engine::general_purpose::STANDARD.encode(tessera_jwt::random_bytes::<32>());
    let secret_key = format!("sk_test_{}", tessera_jwt::random_hex(24));
    let wrong_key = format!("sk_test_{}", tessera_jwt::random_hex(24));
    let hs_secret = format!("hs-binary-secret-{}", tessera_jwt::random_hex(16));
    let password = format!("pw-{}", tessera_jwt::random_hex(12));
    let imported_password = format!("imported-{}", tessera_jwt::random_hex(12));
    let imported_digest = tessera_jwt::sha256_hex(imported_password.as_bytes());
    let wrong_password = format!("wrong-pw-{}", tessera_jwt::random_hex(12));
    let instance_pem_path = format!("{}/../tessera-jwt/tests/fixtures/rsa2048_pkcs8.pem", env!("CARGO_MANIFEST_DIR"));
    let instance_pem = jwt_fixture("rsa2048_pkcs8.pem");
    let es_pem = jwt_fixture("p256_pkcs8.pem");
    let store_env = [("TESSERA_DATA_DIR", data_s.as_str()), ("TESSERA_MASTER_KEY", master.as_str())];

    let mut server = Command::new(&bin);
    server
        .args(["serve", "--listen", "127.0.0.1:0", "--secret-key", &secret_key, "--signing-key", &instance_pem_path])
        .envs(store_env)
        .env("TESSERA_LOG", "debug")
        .env("NO_COLOR", "1")
        .env_remove("TESSERA_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Killed(server.spawn().expect("tessera serve starts"));
    let (out, err) = (Arc::new(Mutex::new(String::new())), Arc::new(Mutex::new(String::new())));
    let (tx, rx) = mpsc::channel();
    drain(child.0.stdout.take().unwrap(), out.clone(), Some(tx.clone()));
    drain(child.0.stderr.take().unwrap(), err.clone(), Some(tx));
    let base = loop {
        let line = rx.recv_timeout(DEADLINE).unwrap_or_else(|_| {
            panic!("tessera serve logged no address in time: {}{}", out.lock().unwrap(), err.lock().unwrap())
        });
        if let Some(i) = line.find("listening on http://") {
            let rest = &line[i + "listening on ".len()..];
            break rest.split_whitespace().next().unwrap().trim_end_matches(|c: char| !c.is_ascii_digit()).to_owned();
        }
    };

    // A secret key created by the CLI on the same database, used against the running server.
    let (created_out, created_err) = run(&bin, &["secret-keys", "create"], &store_env);
    let created = created_out.split_whitespace().find(|w| w.starts_with("sk_")).expect("the new key is printed");
    let created = created.to_owned();
    assert!(!created_err.contains(&created), "the CLI's log lines do not repeat the key it prints");

    let http = raw_http_client();
    let call = |method: Method, path: String, key: String, body: Option<Value>| {
        let http = http.clone();
        let url = format!("{base}/v1{path}");
        async move {
            let mut req = http.request(method, url).header("Authorization", format!("Bearer {key}"));
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.expect("an answer in time");
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (st, user) = call(
        Method::POST,
        "/users".into(),
        secret_key.clone(),
        Some(json!({"email_address": ["bin@example.com"], "password": password})),
    )
    .await;
    assert_eq!(st, 200, "{user}");
    let uid = user["id"].as_str().unwrap().to_owned();
    let (st, imported) = call(
        Method::POST,
        "/users".into(),
        secret_key.clone(),
        Some(json!({"password_digest": imported_digest, "password_hasher": "sha256"})),
    )
    .await;
    assert_eq!(st, 200, "{imported}");
    let verify = format!("/users/{}/verify_password", imported["id"].as_str().unwrap());
    for (pw, want) in [(&wrong_password, 422), (&imported_password, 200), (&imported_password, 200)] {
        let (st, r) = call(Method::POST, verify.clone(), secret_key.clone(), Some(json!({ "password": pw }))).await;
        assert_eq!(st, want, "{r}");
    }
    let (st, r) = call(
        Method::POST,
        format!("/users/{uid}/verify_password"),
        secret_key.clone(),
        Some(json!({ "password": wrong_password })),
    )
    .await;
    assert_eq!((st, r["errors"][0]["code"].as_str()), (422, Some("incorrect_password")), "{r}");
    let (st, r) = call(Method::POST, format!("/users/{uid}/remove_password"), secret_key.clone(), None).await;
    assert_eq!(st, 200, "{r}");
    let (st, session) =
        call(Method::POST, "/sessions".into(), created.clone(), Some(json!({"user_id": user["id"]}))).await;
    assert_eq!(st, 200, "the CLI-made key works: {session}");
    for (name, alg, key) in [("hs", "HS256", hs_secret.as_str()), ("es", "ES256", es_pem.as_str())] {
        let body = json!({"name": name, "claims": {"aud": name}, "custom_signing_key": true,
                          "signing_algorithm": alg, "signing_key": key});
        let (st, t) = call(Method::POST, "/jwt_templates".into(), secret_key.clone(), Some(body)).await;
        assert_eq!(st, 200, "{t}");
    }
    let mut tokens = Vec::new();
    for path in ["tokens/hs", "tokens/es", "tokens"] {
        let path = format!("/sessions/{}/{path}", session["id"].as_str().unwrap());
        let (st, t) = call(Method::POST, path, secret_key.clone(), Some(json!({}))).await;
        assert_eq!(st, 200, "{t}");
        tokens.push(t["jwt"].as_str().unwrap().to_owned());
    }
    let (st, _) = call(Method::GET, "/users".into(), wrong_key.clone(), None).await;
    assert_eq!(st, 401);
    drop(child);
    let logs = format!("{}{}{created_err}", out.lock().unwrap(), err.lock().unwrap());
    assert!(logs.contains("DEBUG"), "debug lines are captured: {logs:.2000}");

    let mut secrets: Vec<(&str, String)> = vec![
        ("the secret key", secret_key.clone()),
        ("the CLI-made secret key", created.clone()),
        ("a wrong key presented", wrong_key.clone()),
        ("the master key", master.clone()),
        ("the HS256 template secret", hs_secret.clone()),
        ("a password", password.clone()),
        ("an imported password", imported_password.clone()),
        ("an imported password digest", imported_digest.clone()),
        ("a wrong password presented", wrong_password.clone()),
    ];
    for (what, pem) in [("the instance key PEM", &instance_pem), ("the ES256 template key PEM", &es_pem)] {
        for line in pem.lines().filter(|l| !l.starts_with("-----") && l.len() >= 16) {
            secrets.push((what, line.to_owned()));
        }
    }
    for t in &tokens {
        secrets.push(("a minted token's signature", t.rsplit('.').next().unwrap().to_owned()));
    }
    for (what, value) in &secrets {
        if let Some(at) = logs.find(value.as_str()) {
            let line = logs[..at].rsplit('\n').next().unwrap_or("");
            panic!("{what} appears in the binary's log output, in the line starting: {line:.200}");
        }
    }
}
