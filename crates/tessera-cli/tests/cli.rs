//! The `tessera` binary end to end: a server started with the example seed on port 0, admin commands
//! against it, and the offline commands, checking output and exit codes.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_tessera");
const KEY: &str = "sk_test_cli";

fn repo_file(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(p)
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(extra: &[&str]) -> Server {
    let mut args = vec!["--ephemeral"];
    args.extend_from_slice(extra);
    spawn_server(&args)
}

fn spawn_server(args: &[&str]) -> Server {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--secret-key", KEY])
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("TESSERA_DATABASE_URL")
        .env_remove("TESSERA_MASTER_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tessera serve starts");
    let out = child.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    let url = loop {
        let line = lines.next().expect("the server logs its address").unwrap();
        if let Some(i) = line.find("listening on http://") {
            let rest = &line[i + "listening on ".len()..];
            break rest.split_whitespace().next().unwrap().trim_end_matches(|c: char| !c.is_ascii_digit()).to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Server { child, url }
}

fn run(server: &Server, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("TESSERA_URL", &server.url)
        .env("TESSERA_SECRET_KEY", KEY)
        .output()
        .expect("tessera runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_seeded_server_mints_tokens_that_verify_and_tampered_ones_fail() {
    let seed = repo_file("examples/seed.yaml");
    let server = serve(&["--seed", seed.to_str().unwrap()]);

    let users = run(&server, &["users", "list"]);
    assert!(users.status.success());
    let table = stdout(&users);
    assert!(table.starts_with("ID"), "{table}");
    assert!(table.contains("user_alice") && table.contains("alice@example.com"), "{table}");

    let token = run(&server, &["token", "sess_alice", "convex"]);
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    let jwt = stdout(&token).trim().to_owned();
    assert_eq!(jwt.split('.').count(), 3);

    let ok = run(&server, &["verify", &jwt]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    let out = stdout(&ok);
    assert!(out.contains("\"sub\": \"user_alice\"") && out.trim_end().ends_with("valid"), "{out}");

    // Flip one character inside the signature.
    let (head, sig) = jwt.rsplit_once('.').unwrap();
    let mut sig: Vec<char> = sig.chars().collect();
    let mid = sig.len() / 2;
    sig[mid] = if sig[mid] == 'A' { 'B' } else { 'A' };
    let tampered = format!("{head}.{}", sig.into_iter().collect::<String>());
    let bad = run(&server, &["verify", &tampered]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stdout(&bad).contains("invalid: ") && stdout(&bad).contains("signature"), "{}", stdout(&bad));

    // Session token, JSON output, HMAC template verified with its secret.
    let st = run(&server, &["token", "sess_alice", "--json"]);
    assert!(stdout(&st).contains("\"object\": \"token\""));
    let hs = stdout(&run(&server, &["token", "sess_alice", "supabase"])).trim().to_owned();
    let v = run(&server, &["verify", &hs, "--hmac-secret", "super-secret-jwt-token-with-at-least-32-characters-long"]);
    assert_eq!(v.status.code(), Some(0), "{}", stdout(&v));
}

#[test]
fn admin_commands_create_list_and_report_server_errors() {
    let server = serve(&[]);
    let created = run(&server, &["users", "create", "--email", "cli@example.com", "--first-name", "Cli", "--json"]);
    assert!(created.status.success());
    let user: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    let uid = user["id"].as_str().unwrap();
    let org = run(&server, &["orgs", "create", "CLI Org", "--created-by", uid, "--json"]);
    let org: serde_json::Value = serde_json::from_slice(&org.stdout).unwrap();
    let s = run(&server, &["sessions", "create", uid, "--org", org["id"].as_str().unwrap(), "--json"]);
    let s: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
    assert_eq!(s["status"], "active");

    let dir = tempfile::tempdir().unwrap();
    let claims = dir.path().join("claims.json");
    std::fs::write(&claims, r#"{"org":"{{org.slug}}"}"#).unwrap();
    let t = run(&server, &["templates", "create", "cli", "--claims", claims.to_str().unwrap(), "--lifetime", "120"]);
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    assert!(stdout(&t).contains("cli") && stdout(&t).contains("120"));

    let jwt =
        stdout(&run(&server, &["token", s["id"].as_str().unwrap(), "cli", "--expires-in", "300"])).trim().to_owned();
    let v = run(&server, &["verify", &jwt]);
    assert!(stdout(&v).contains("\"org\": \"cli-org\""), "{}", stdout(&v));

    let err = run(&server, &["token", s["id"].as_str().unwrap(), "missing"]);
    assert_eq!(err.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&err.stderr).contains("No JWT template exists with name: missing"));
    let dup = run(&server, &["users", "create", "--email", "cli@example.com"]);
    assert!(String::from_utf8_lossy(&dup.stderr).contains("form_identifier_exists"));

    let revoked = run(&server, &["sessions", "revoke", s["id"].as_str().unwrap()]);
    assert!(stdout(&revoked).contains("revoked"));
    let jwks = run(&server, &["jwks"]);
    assert!(stdout(&jwks).contains("\"kty\": \"RSA\""));
}

#[test]
fn offline_commands_render_and_check_config() {
    let dir = tempfile::tempdir().unwrap();
    let claims = dir.path().join("c.yaml");
    std::fs::write(&claims, "name: \"{{user.full_name || 'anon'}}\"\nrole: \"{{org.role}}\"\nslug: \"{{org.slug}}\"\n")
        .unwrap();
    let user = dir.path().join("u.json");
    std::fs::write(&user, r#"{"id":"user_x","first_name":"Ada","last_name":"L"}"#).unwrap();
    let org = dir.path().join("o.json");
    std::fs::write(&org, r#"{"id":"org_x","name":"X","slug":"x"}"#).unwrap();
    let out = Command::new(BIN)
        .args([
            "render",
            "--claims",
            claims.to_str().unwrap(),
            "--user",
            user.to_str().unwrap(),
            "--org",
            org.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"name": "Ada L", "role": "org:admin", "slug": "x"}));

    let ok =
        Command::new(BIN).args(["check-config", repo_file("examples/seed.yaml").to_str().unwrap()]).output().unwrap();
    assert!(ok.status.success());
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "jwt_templates:\n  - id: jtmp_b\n    name: b\n    claims: { iat: 1 }\n").unwrap();
    let out = Command::new(BIN).args(["check-config", bad.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reserved claim: 'iat'"));
}

#[test]
fn the_master_key_rotates_and_every_key_still_opens_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    let start = |extra: &[&str]| {
        let mut args = vec!["--data-dir", data_s];
        args.extend_from_slice(extra);
        spawn_server(&args)
    };
    let server = start(&[]);
    let claims = dir.path().join("c.json");
    std::fs::write(&claims, r#"{"k":"{{user.id}}"}"#).unwrap();
    let pem = dir.path().join("es.pem");
    std::fs::write(&pem, ES256_PEM).unwrap();
    let user: serde_json::Value =
        serde_json::from_slice(&run(&server, &["users", "create", "--email", "m@example.com", "--json"]).stdout)
            .unwrap();
    let s: serde_json::Value =
        serde_json::from_slice(&run(&server, &["sessions", "create", user["id"].as_str().unwrap(), "--json"]).stdout)
            .unwrap();
    let sid = s["id"].as_str().unwrap().to_owned();
    let t = run(
        &server,
        &[
            "templates",
            "create",
            "es",
            "--claims",
            claims.to_str().unwrap(),
            "--algorithm",
            "ES256",
            "--signing-key",
            pem.to_str().unwrap(),
        ],
    );
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    let before = stdout(&run(&server, &["token", &sid, "es"])).trim().to_owned();
    drop(server);

    let old_key = std::fs::read_to_string(data.join("master.key")).unwrap();
    let out = Command::new(BIN).args(["keys", "rotate-master", "--data-dir", data_s]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let new_key = std::fs::read_to_string(data.join("master.key")).unwrap();
    assert_ne!(old_key, new_key);
    assert!(!data.join("master.key.new").exists());

    let server = start(&[]);
    let after = stdout(&run(&server, &["token", &sid, "es"])).trim().to_owned();
    assert_eq!(after.split('.').count(), 3, "the custom key still opens");
    assert_eq!(run(&server, &["verify", &after]).status.code(), Some(0));
    assert_eq!(run(&server, &["verify", &before]).status.code(), Some(0), "the instance key is the same key");
    drop(server);

    // The old master key no longer opens anything: the server refuses to start with it.
    let out = Command::new(BIN)
        .args(["serve", "--data-dir", data_s, "--listen", "127.0.0.1:0", "--master-key", old_key.trim()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be decrypted"));
}

const ES256_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgajs91QegdhVbCTAh
aov43q5665gc3WIxLIqWpBtoRAyhRANCAATf6jhxbp9Sa7Ba8/LRT2b0Jn8VyFWr
RyIQMZv4+aOzKehte+//S8qmUjBBeOVKKE+qCPYz/gI0bQi0nBGeilNQ
-----END PRIVATE KEY-----
";
