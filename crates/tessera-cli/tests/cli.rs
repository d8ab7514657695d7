//! The `tessera` binary end to end: a server started with the example seed on port 0, admin commands
//! against it, and the offline commands, checking output and exit codes.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

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

/// The longest any child may take to start, answer or exit: past it the child is killed and the
/// test fails instead of hanging.
const DEADLINE: Duration = Duration::from_secs(60);

fn server_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--secret-key", KEY])
        .args(args)
        .env_remove("TESSERA_DATABASE_URL")
        .env_remove("TESSERA_MASTER_KEY")
        .env_remove("TESSERA_LOG_FORMAT")
        .stdin(Stdio::null());
    cmd
}

/// The base URL in a `tessera listening on http://…` log line (text or JSON).
fn listening_url(line: &str) -> Option<String> {
    let i = line.find("listening on http://")?;
    let rest = &line[i + "listening on ".len()..];
    let url = rest.split(|c: char| c.is_whitespace() || c == '"').next()?;
    Some(url.trim_end_matches(|c: char| !c.is_ascii_digit()).to_owned())
}

fn spawn_server(args: &[&str]) -> Server {
    let mut child = server_command(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tessera serve starts");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            // Once the address is known nobody listens; keep draining so the server never blocks.
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + DEADLINE;
    let mut seen = Vec::new();
    let url = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => match listening_url(&line) {
                Some(url) => break url,
                None => seen.push(line),
            },
            Err(e) => {
                let _ = child.kill();
                let status = child.wait();
                panic!("the server did not log its address ({e:?}, exit {status:?}); it printed: {seen:#?}");
            }
        }
    };
    Server { child, url }
}

/// Waits for `child` to exit, killing it and failing the test past [`DEADLINE`].
fn wait_or_kill(child: &mut Child, what: &str) -> ExitStatus {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(status) = child.try_wait().expect("waiting for a child") {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {DEADLINE:?}; killed");
        }
        // Polling a child's exit (bounded by the deadline above), not waiting for a state.
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `cmd.output()` with [`DEADLINE`]: a hang kills the child and fails the test.
fn output(cmd: &mut Command) -> Output {
    let what = format!("{cmd:?}");
    let mut child =
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("tessera runs");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let status = wait_or_kill(&mut child, &what);
    Output { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

fn run(server: &Server, args: &[&str]) -> Output {
    output(Command::new(BIN).args(args).env("TESSERA_URL", &server.url).env("TESSERA_SECRET_KEY", KEY))
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
    // The seeded password and the seeded digest verify.
    let alice = run_with_stdin(&server, &["users", "verify-password", "user_alice"], "alice-local-password\n");
    assert_eq!((alice.status.code(), stdout(&alice).trim()), (Some(0), "verified"));
    let bob = run_with_stdin(&server, &["users", "verify-password", "user_bob"], "U*U");
    assert_eq!((bob.status.code(), stdout(&bob).trim()), (Some(0), "verified"));
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
fn session_claims_commands_set_get_and_clear_them_and_show_warnings() {
    let seed = repo_file("examples/seed.yaml");
    let server = serve(&["--seed", seed.to_str().unwrap()]);
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();

    // The example seed sets claims; `get` prints them as JSON that `set` takes back.
    let got = run(&server, &["session-claims", "get"]);
    assert!(got.status.success(), "{}", stderr(&got));
    let seeded: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(seeded["email"], "{{user.primary_email_address}}");
    assert!(stderr(&got).contains("bytes of JSON, updated"), "{}", stderr(&got));
    let jwt = stdout(&run(&server, &["token", "sess_alice"])).trim().to_owned();
    let v = run(&server, &["verify", &jwt]);
    assert!(
        stdout(&v).contains("\"email\": \"alice@example.com\"") && stdout(&v).contains("\"plan\": \"pro\""),
        "{}",
        stdout(&v)
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("claims.yaml");
    std::fs::write(&file, "sid: mine\n").unwrap();
    let refused = run(&server, &["session-claims", "set", "--claims", file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("reserved claim: 'sid'"), "{}", stderr(&refused));

    std::fs::write(&file, format!("name: \"{{{{user.first_name}}}}\"\nnote: {}\n", "x".repeat(1_300))).unwrap();
    let set = run(&server, &["session-claims", "set", "--claims", file.to_str().unwrap(), "--json"]);
    assert!(set.status.success(), "{}", stderr(&set));
    let stored: serde_json::Value = serde_json::from_slice(&set.stdout).unwrap();
    assert_eq!(
        (&stored["object"], &stored["claims"]["name"]),
        (&serde_json::json!("session_claims"), &serde_json::json!("{{user.first_name}}"))
    );
    assert!(
        stderr(&set).contains("warning: ") && stderr(&set).contains("session_claims_over_recommended_size"),
        "{}",
        stderr(&set)
    );
    let jwt = stdout(&run(&server, &["token", "sess_bob"])).trim().to_owned();
    assert!(stdout(&run(&server, &["verify", &jwt])).contains("\"name\": \"Bob\""));

    let cleared = run(&server, &["session-claims", "clear"]);
    assert!(cleared.status.success() && stderr(&cleared).contains("cleared"), "{}", stderr(&cleared));
    let got = run(&server, &["session-claims", "get"]);
    assert_eq!(stdout(&got).trim(), "{}");
    assert!(stderr(&got).contains("no custom session claims are set"), "{}", stderr(&got));
}

#[test]
fn actor_tokens_are_created_redeemed_into_an_impersonation_session_and_revoked() {
    let seed = repo_file("examples/seed.yaml");
    let server = serve(&["--seed", seed.to_str().unwrap()]);
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();

    let created = run(&server, &["actor-tokens", "create", "user_alice", "--actor", "user_bob", "--expires-in", "600"]);
    assert!(created.status.success(), "{}", stderr(&created));
    let out = stdout(&created);
    let id = out.split_whitespace().find(|w| w.starts_with("act_")).expect("the token id").to_owned();
    let token = out.lines().find_map(|l| l.strip_prefix("token: ")).expect("the token, printed once").to_owned();
    assert!(out.contains("user_bob") && out.contains("pending"), "{out}");
    assert!(stderr(&created).contains("shown only now"), "{}", stderr(&created));

    let redeemed = run(&server, &["actor-tokens", "redeem", &id, &token, "--json"]);
    assert!(redeemed.status.success(), "{}", stderr(&redeemed));
    let session: serde_json::Value = serde_json::from_slice(&redeemed.stdout).unwrap();
    assert_eq!(
        (&session["user_id"], &session["actor"]),
        (&serde_json::json!("user_alice"), &serde_json::json!({"sub": "user_bob"}))
    );
    let sid = session["id"].as_str().unwrap().to_owned();
    let jwt = stdout(&run(&server, &["token", &sid])).trim().to_owned();
    let verified = stdout(&run(&server, &["verify", &jwt]));
    assert!(verified.contains("\"act\": {") && verified.contains("\"sub\": \"user_bob\""), "{verified}");

    let again = run(&server, &["actor-tokens", "redeem", &id, &token]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("actor_token_already_used_code"), "{}", stderr(&again));
    let revoked = run(&server, &["actor-tokens", "revoke", &id]);
    assert!(revoked.status.success() && stdout(&revoked).contains("revoked"), "{}", stderr(&revoked));
    let ended = run(&server, &["token", &sid]);
    assert_eq!(ended.status.code(), Some(1), "the impersonation session ended with its token");
    let twice = run(&server, &["actor-tokens", "revoke", &id]);
    assert!(stderr(&twice).contains("actor_token_cannot_be_revoked_code"), "{}", stderr(&twice));
}

#[test]
fn permissions_roles_and_role_sets_are_managed_by_key_and_reach_session_tokens() {
    let seed = repo_file("examples/seed.yaml");
    let server = serve(&["--seed", seed.to_str().unwrap()]);
    // The seed's role holds two custom permissions and one system permission.
    let roles = run(&server, &["roles", "get", "org:accountant"]);
    assert!(roles.status.success(), "{}", String::from_utf8_lossy(&roles.stderr));
    assert!(
        stdout(&roles).contains("org:invoices:read org:invoices:pay org:sys_memberships:read"),
        "{}",
        stdout(&roles)
    );

    let p = run(&server, &["permissions", "create", "org:reports:read", "--name", "Read reports"]);
    assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stderr));
    let g = run(&server, &["roles", "grant", "org:accountant", "org:reports:read"]);
    assert!(stdout(&g).contains("org:reports:read"), "{}", String::from_utf8_lossy(&g.stderr));
    let r = run(&server, &["roles", "revoke", "org:accountant", "org:invoices:pay", "--json"]);
    let role: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let keys: Vec<&str> = role["permissions"].as_array().unwrap().iter().map(|p| p["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["org:invoices:read", "org:sys_memberships:read", "org:reports:read"]);

    // Bob's session (he is the seed's accountant of org_acme) carries the custom permissions only.
    let s = run(&server, &["sessions", "create", "user_bob", "--org", "org_acme", "--json"]);
    let s: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
    let jwt = stdout(&run(&server, &["token", s["id"].as_str().unwrap()])).trim().to_owned();
    let v = stdout(&run(&server, &["verify", &jwt]));
    assert!(v.contains("\"fea\": \"o:invoices,o:reports\""), "{v}");
    assert!(v.contains("\"per\": \"read\"") && v.contains("\"rol\": \"accountant\""), "{v}");

    let sets = run(
        &server,
        &[
            "role-sets",
            "create",
            "Pro",
            "--role",
            "org:admin",
            "--role",
            "org:accountant",
            "--default-role",
            "org:accountant",
            "--creator-role",
            "org:admin",
        ],
    );
    assert!(stdout(&sets).contains("role_set:pro"), "{}", String::from_utf8_lossy(&sets.stderr));
    let del = run(&server, &["roles", "delete", "org:accountant"]);
    assert_eq!(del.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&del.stderr).contains("organization_role_default_creator_role"));
    let listed = stdout(&run(&server, &["permissions", "list", "--query", "invoices"]));
    assert!(listed.contains("org:invoices:read") && !listed.contains("org:reports:read"), "{listed}");
}

#[test]
fn invitations_are_created_listed_accepted_and_revoked_from_the_command_line() {
    let seed = repo_file("examples/seed.yaml");
    let server = serve(&["--seed", seed.to_str().unwrap()]);
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();
    // The seed's invitations.
    let listed = run(&server, &["invitations", "list", "--status", "pending"]);
    assert!(
        stdout(&listed).contains("inv_dave") && stdout(&listed).contains("dave@example.com"),
        "{}",
        stderr(&listed)
    );
    let org = run(&server, &["org-invitations", "list", "acme"]);
    assert!(stdout(&org).contains("orginv_carol") && stdout(&org).contains("org:accountant"), "{}", stderr(&org));

    // Several addresses at once are one bulk request; a user with an invited address accepts it.
    let made = run(&server, &["invitations", "create", "erin@example.com", "frank@example.com", "--json"]);
    let made: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    assert_eq!(made.as_array().map(Vec::len), Some(2));
    let dave = run(&server, &["users", "create", "--email", "dave@example.com", "--json"]);
    let dave: serde_json::Value = serde_json::from_slice(&dave.stdout).unwrap();
    assert_eq!(dave["public_metadata"]["plan"], "pro");
    let accepted = stdout(&run(&server, &["invitations", "list", "--status", "accepted"]));
    assert!(accepted.contains("inv_dave") && accepted.contains("accepted"), "{accepted}");
    let revoked = run(&server, &["invitations", "revoke", made[0]["id"].as_str().unwrap()]);
    assert!(stdout(&revoked).contains("revoked"), "{}", stderr(&revoked));

    // An organization invitation is accepted once its address has a user.
    let early = run(&server, &["org-invitations", "accept", "acme", "orginv_carol"]);
    assert_eq!(early.status.code(), Some(1));
    assert!(stderr(&early).contains("organization_invitation_identification_not_exist"), "{}", stderr(&early));
    run(&server, &["users", "create", "--email", "carol@example.com"]);
    let ok = run(&server, &["org-invitations", "accept", "acme", "orginv_carol"]);
    assert!(stdout(&ok).contains("is now org:accountant of acme"), "{} {}", stdout(&ok), stderr(&ok));
    let got = stdout(&run(&server, &["org-invitations", "get", "acme", "orginv_carol", "--json"]));
    assert!(got.contains("\"status\": \"accepted\""), "{got}");
    let inv =
        run(&server, &["org-invitations", "create", "acme", "gina@example.com", "--role", "org:member", "--json"]);
    let inv: serde_json::Value = serde_json::from_slice(&inv.stdout).unwrap();
    let r = run(&server, &["org-invitations", "revoke", "acme", inv["id"].as_str().unwrap()]);
    assert!(stdout(&r).contains("revoked"), "{}", stderr(&r));
    let all = stdout(&run(&server, &["org-invitations", "list", "--status", "revoked"]));
    assert!(all.contains("gina@example.com") && !all.contains("carol@example.com"), "{all}");
}

#[test]
fn email_phone_and_lock_commands_manage_a_users_contact_details() {
    let seed = repo_file("examples/seed.yaml");
    let server = serve(&["--seed", seed.to_str().unwrap()]);
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();
    let json_of = |o: &Output| -> serde_json::Value {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    // The seed gives Bob a verified primary address, a reserved one and a phone number.
    let list = stdout(&run(&server, &["emails", "list", "user_bob"]));
    let line = |text: &str, needle: &str| text.lines().find(|l| l.contains(needle)).unwrap_or_default().to_owned();
    assert!(line(&list, "bob@example.com").contains("verified") && line(&list, "bob@example.com").contains("primary"));
    assert!(line(&list, "bob@personal.example").contains("reserved"), "{list}");

    let added =
        json_of(&run(&server, &["emails", "add", "user_bob", "bob@work.example", "--verified", "--primary", "--json"]));
    let id = added["id"].as_str().unwrap().to_owned();
    assert_eq!(added["verification"]["status"], "verified");
    assert!(line(&stdout(&run(&server, &["emails", "list", "user_bob"])), "bob@work.example").contains("primary"));
    let refused = run(&server, &["emails", "update", &id, "--unverified", "--verified"]);
    assert!(!refused.status.success(), "clap refuses both");
    let got = stdout(&run(&server, &["emails", "get", &id]));
    assert!(got.starts_with("ID") && got.contains("bob@work.example"), "{got}");
    let deleted = run(&server, &["emails", "delete", &id]);
    assert!(stdout(&deleted).contains(&format!("deleted {id}")), "{}", stderr(&deleted));
    assert!(line(&stdout(&run(&server, &["emails", "list", "user_bob"])), "bob@example.com").contains("primary"));
    let taken = run(&server, &["emails", "add", "user_bob", "alice@example.com"]);
    assert_eq!(taken.status.code(), Some(1));
    assert!(stderr(&taken).contains("form_identifier_exists"), "{}", stderr(&taken));

    let phone = json_of(&run(
        &server,
        &["phones", "add", "user_bob", "+1 555 555 0101", "--verified", "--second-factor", "--json"],
    ));
    assert_eq!(
        (&phone["phone_number"], &phone["default_second_factor"]),
        (&serde_json::json!("+15555550101"), &serde_json::json!(true))
    );
    let pid = phone["id"].as_str().unwrap();
    let phones = stdout(&run(&server, &["phones", "list", "user_bob"]));
    assert!(
        line(&phones, "+15555550101").contains("default") && line(&phones, "+15555550100").contains("primary"),
        "{phones}"
    );
    let released = json_of(&run(&server, &["phones", "update", pid, "--no-second-factor", "--json"]));
    assert_eq!(released["reserved_for_second_factor"], false);
    assert!(stdout(&run(&server, &["phones", "delete", pid])).contains("deleted"));

    let locked = stdout(&run(&server, &["users", "lock", "user_bob"]));
    assert!(line(&locked, "user_bob").contains("locked"), "{locked}");
    let refused = run(&server, &["sessions", "create", "user_bob"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("user_locked"), "{}", stderr(&refused));
    let unlocked = json_of(&run(&server, &["users", "unlock", "user_bob", "--json"]));
    assert_eq!(unlocked["locked"], false);
    assert!(run(&server, &["sessions", "create", "user_bob"]).status.success());
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
    let out = output(Command::new(BIN).args([
        "render",
        "--claims",
        claims.to_str().unwrap(),
        "--user",
        user.to_str().unwrap(),
        "--org",
        org.to_str().unwrap(),
    ]));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"name": "Ada L", "role": "org:admin", "slug": "x"}));

    let ok = output(Command::new(BIN).args(["check-config", repo_file("examples/seed.yaml").to_str().unwrap()]));
    assert!(ok.status.success());
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "jwt_templates:\n  - id: jtmp_b\n    name: b\n    claims: { iat: 1 }\n").unwrap();
    let out = output(Command::new(BIN).args(["check-config", bad.to_str().unwrap()]));
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
    let out = output(Command::new(BIN).args(["keys", "rotate-master", "--data-dir", data_s]));
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
    let out = output(Command::new(BIN).args([
        "serve",
        "--data-dir",
        data_s,
        "--listen",
        "127.0.0.1:0",
        "--master-key",
        old_key.trim(),
    ]));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be decrypted"));
}

/// Runs a server whose stdout and stderr go to files (as under a service manager), makes one admin
/// call, stops it, and returns (stdout, stderr).
fn logs_in_files(envs: &[(&str, &str)]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.path().join("out.log"), dir.path().join("err.log"));
    let mut cmd = server_command(&["--ephemeral"]);
    cmd.env_remove("NO_COLOR").env("TESSERA_LOG", "info");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let child = cmd
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("tessera serve starts");
    let mut server = Server { child, url: String::new() };
    let deadline = Instant::now() + DEADLINE;
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    server.url = loop {
        if let Some(url) = read(&out_path).lines().find_map(listening_url) {
            break url;
        }
        if let Some(status) = server.child.try_wait().unwrap() {
            panic!("the server exited ({status}): {}{}", read(&out_path), read(&err_path));
        }
        assert!(Instant::now() < deadline, "no address logged within {DEADLINE:?}: {}", read(&out_path));
        // Polling a file for the server's first line, bounded by the deadline above.
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(run(&server, &["users", "list"]).status.success());
    drop(server);
    (read(&out_path), read(&err_path))
}

#[test]
fn logs_written_to_files_carry_no_colour_codes() {
    let (out, err) = logs_in_files(&[]);
    assert!(out.contains("tessera listening on http://"), "the log went elsewhere: {out:?} {err:?}");
    assert!(!out.contains("\x1b["), "ANSI escape in stdout: {out:?}");
    assert!(!err.contains("\x1b["), "ANSI escape in stderr: {err:?}");
}

#[test]
fn json_log_format_writes_one_json_object_per_line() {
    let (out, _) = logs_in_files(&[("TESSERA_LOG_FORMAT", "json")]);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
        .collect();
    let listening = lines
        .iter()
        .find(|v| v["fields"]["message"].as_str().is_some_and(|m| m.contains("listening on http://")))
        .unwrap_or_else(|| panic!("no listening line: {out}"));
    assert_eq!(listening["level"], "INFO");
    assert!(listening["fields"]["addr"].is_string() && listening["timestamp"].is_string(), "{listening}");

    let bad = output(server_command(&["--ephemeral"]).env("TESSERA_LOG_FORMAT", "yaml"));
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("TESSERA_LOG_FORMAT"));
}

const ES256_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgajs91QegdhVbCTAh
aov43q5665gc3WIxLIqWpBtoRAyhRANCAATf6jhxbp9Sa7Ba8/LRT2b0Jn8VyFWr
RyIQMZv4+aOzKehte+//S8qmUjBBeOVKKE+qCPYz/gI0bQi0nBGeilNQ
-----END PRIVATE KEY-----
";

/// `run` with `input` on standard input.
fn run_with_stdin(server: &Server, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(BIN);
    cmd.args(args).env("TESSERA_URL", &server.url).env("TESSERA_SECRET_KEY", KEY);
    let what = format!("{cmd:?}");
    let mut child =
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("tessera runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let status = wait_or_kill(&mut child, &what);
    Output { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

#[test]
fn passwords_are_set_verified_and_removed_from_standard_input() {
    let server = serve(&[]);
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();
    let created = run(&server, &["users", "create", "--email", "pw@example.com", "--json"]);
    let user: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    let uid = user["id"].as_str().unwrap();
    let password = "cli password from stdin";

    let set = run_with_stdin(&server, &["users", "set-password", uid, "--json"], &format!("{password}\n"));
    assert!(set.status.success(), "{}", stderr(&set));
    let set: serde_json::Value = serde_json::from_slice(&set.stdout).unwrap();
    assert_eq!(set["password_enabled"], true);
    let ok = run_with_stdin(&server, &["users", "verify-password", uid], &format!("{password}\r\n"));
    assert_eq!((ok.status.code(), stdout(&ok).trim()), (Some(0), "verified"), "{}", stderr(&ok));
    let wrong = run_with_stdin(&server, &["users", "verify-password", uid], "not it at all\n");
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stderr(&wrong).contains("incorrect_password"), "{}", stderr(&wrong));
    let empty = run_with_stdin(&server, &["users", "verify-password", uid], "");
    assert_eq!(empty.status.code(), Some(1));
    assert!(stderr(&empty).contains("no password on standard input"), "{}", stderr(&empty));
    let short = run_with_stdin(&server, &["users", "set-password", uid], "short\n");
    assert!(stderr(&short).contains("form_password_length_too_short"), "{}", stderr(&short));
    let skipped = run_with_stdin(&server, &["users", "set-password", uid, "--skip-password-checks"], "short\n");
    assert!(skipped.status.success(), "{}", stderr(&skipped));

    // A digest made elsewhere (Openwall's bcrypt test vector for "U*U").
    let digest = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
    let set = run_with_stdin(&server, &["users", "set-password", uid, "--hasher", "bcrypt"], digest);
    assert!(set.status.success(), "{}", stderr(&set));
    let ok = run_with_stdin(&server, &["users", "verify-password", uid, "--json"], "U*U");
    assert_eq!(stdout(&ok).split_whitespace().collect::<String>(), r#"{"verified":true}"#);
    for o in [&ok, &wrong, &set] {
        assert!(!stdout(o).contains(password) && !stderr(o).contains(password) && !stderr(o).contains(digest));
    }

    let removed = run(&server, &["users", "remove-password", uid, "--sign-out"]);
    assert!(removed.status.success() && stderr(&removed).contains("has no password"), "{}", stderr(&removed));
    let none = run_with_stdin(&server, &["users", "verify-password", uid], "U*U");
    assert_eq!(none.status.code(), Some(1));
    assert!(stderr(&none).contains("no_password_set"), "{}", stderr(&none));
}

#[test]
fn machines_m2m_tokens_and_api_keys_are_managed_with_secrets_read_from_standard_input() {
    let server = serve(&[]);
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();
    let json_of = |o: &Output| -> serde_json::Value {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let callee = json_of(&run(&server, &["machines", "create", "callee", "--json"]));
    let callee_id = callee[0]["id"].as_str().unwrap();
    let caller = json_of(&run(&server, &["machines", "create", "caller", "--scope", callee_id, "--json"]));
    let caller_id = caller[0]["id"].as_str().unwrap();
    assert_eq!(caller[0]["scoped_machines"][0]["id"], callee_id);
    let key = stdout(&run(&server, &["machines", "secret-key", caller_id])).trim().to_owned();
    assert!(key.starts_with("ak_"), "{key}");

    // The machine's key comes from standard input; the token is printed once.
    let made = run_with_stdin(&server, &["m2m-tokens", "create"], &format!("{key}\n"));
    assert!(made.status.success(), "{}", stderr(&made));
    let token = stdout(&made).lines().find_map(|l| l.strip_prefix("token: ")).expect("the token").to_owned();
    assert!(token.starts_with("mt_"), "{token}");
    let verified = json_of(&run_with_stdin(&server, &["m2m-tokens", "verify", "--json"], &token));
    assert_eq!(verified[0]["subject"], caller_id);
    let listed = json_of(&run(&server, &["m2m-tokens", "list", caller_id, "--json"]));
    let id = listed[0]["id"].as_str().unwrap();
    json_of(&run(&server, &["m2m-tokens", "revoke", id, "--reason", "done", "--json"]));
    let refused = run_with_stdin(&server, &["m2m-tokens", "verify"], &token);
    assert!(!refused.status.success() && stderr(&refused).contains("resource_not_found"), "{}", stderr(&refused));

    let user = json_of(&run(&server, &["users", "create", "--email", "keys@example.com", "--json"]));
    let uid = user["id"].as_str().unwrap();
    let created = run(&server, &["api-keys", "create", uid, "ci key", "--scope", "read"]);
    assert!(created.status.success(), "{}", stderr(&created));
    let secret = stdout(&created).lines().find_map(|l| l.strip_prefix("secret: ")).expect("the secret").to_owned();
    let key = json_of(&run_with_stdin(&server, &["api-keys", "verify", "--json"], &format!("{secret}\n")));
    assert_eq!((&key[0]["subject"], &key[0]["scopes"]), (&serde_json::json!(uid), &serde_json::json!(["read"])));
    let kid = key[0]["id"].as_str().unwrap();
    json_of(&run(&server, &["api-keys", "revoke", kid, "--json"]));
    let refused = run_with_stdin(&server, &["api-keys", "verify"], &secret);
    assert!(!refused.status.success(), "a revoked key does not verify");
    json_of(&run(&server, &["machines", "delete", caller_id]));
}

#[test]
fn seeded_machines_have_their_scopes_and_keys() {
    let seed = repo_file("examples/seed.yaml");
    let server = serve(&["--seed", seed.to_str().unwrap()]);
    let got = run(&server, &["machines", "get", "mch_reports", "--json"]);
    assert!(got.status.success(), "{}", String::from_utf8_lossy(&got.stderr));
    let m: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(
        (&m[0]["scoped_machines"][0]["id"], &m[0]["default_token_ttl"]),
        (&serde_json::json!("mch_billing"), &serde_json::json!(600))
    );
    let made = run_with_stdin(&server, &["m2m-tokens", "create", "--json"], "ak_reports_local_development_key\n");
    let t: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap_or_default();
    assert_eq!(
        (&t[0]["subject"], &t[0]["scopes"]),
        (&serde_json::json!("mch_reports"), &serde_json::json!(["mch_billing"])),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
}

#[test]
fn templates_preview_prints_the_token_a_template_would_give_and_fails_on_error_findings() {
    let seed = repo_file("examples/seed.yaml");
    let server = serve(&["--seed", seed.to_str().unwrap()]);
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();

    let p = run(&server, &["templates", "preview", "hasura", "--session", "sess_alice", "--json"]);
    assert!(p.status.success(), "{}", stderr(&p));
    let preview: serde_json::Value = serde_json::from_slice(&p.stdout).unwrap();
    assert_eq!(preview["consumers"], serde_json::json!(["hasura"]));
    assert_eq!(preview["claims"]["sub"], "user_alice");
    let jwt = stdout(&run(&server, &["token", "sess_alice", "hasura"])).trim().to_owned();
    assert_eq!(preview["size_bytes"].as_u64(), Some(jwt.len() as u64), "the preview's size is the minted token's");

    // The seed's Supabase template has a custom HS256 key: no kid, and the Supabase checks pass.
    let p = run(&server, &["templates", "preview", "supabase", "--user", "user_bob"]);
    let out = stdout(&p);
    assert!(p.status.success() && out.contains("\"alg\": \"HS256\"") && out.contains("checked for: supabase"), "{out}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("claims.json");
    std::fs::write(
        &file,
        r#"{"https://hasura.io/jwt/claims": {"x-hasura-default-role": "admin", "x-hasura-allowed-roles": ["user"]}}"#,
    )
    .unwrap();
    let bad = run(&server, &["templates", "preview", "--claims", file.to_str().unwrap(), "--user", "user_bob"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stdout(&bad).contains("error hasura_default_role_not_allowed"), "{}", stdout(&bad));
}

#[test]
fn templates_rotate_key_takes_the_key_from_a_file_or_standard_input_and_prints_a_generated_secret_once() {
    let seed = repo_file("examples/seed.yaml");
    let server = serve(&["--seed", seed.to_str().unwrap()]);
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();
    let verifies = |hmac_secret: Option<&str>| {
        let jwt = stdout(&run(&server, &["token", "sess_alice", "supabase"])).trim().to_owned();
        let mut args = vec!["verify", jwt.as_str()];
        args.extend(hmac_secret.map(|s| ["--hmac-secret", s]).iter().flatten());
        let v = run(&server, &args);
        (v.status.code(), stdout(&v))
    };

    // Generated: the HS256 secret is printed on stdout, this once, and signs the next token.
    let r = run(&server, &["templates", "rotate-key", "jtmp_supabase"]);
    assert!(r.status.success(), "{}", stderr(&r));
    let secret = stdout(&r).trim().to_owned();
    assert_eq!(secret.len(), 43, "{secret}");
    assert!(stderr(&r).contains("shown this once"), "{}", stderr(&r));
    assert_eq!(verifies(Some(&secret)).0, Some(0));

    // From standard input: never echoed.
    let given = "a-secret-from-standard-input-0123456789abcdef";
    let r = run_with_stdin(
        &server,
        &["templates", "rotate-key", "jtmp_supabase", "--stdin", "--json"],
        &format!("{given}\n"),
    );
    assert!(r.status.success(), "{}", stderr(&r));
    let k: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!((&k["object"], k.get("signing_key")), (&serde_json::json!("jwt_template_key"), None));
    assert!(!stdout(&r).contains(given) && !stderr(&r).contains(given));
    assert_eq!(verifies(Some(given)).0, Some(0));

    // From a file, with another algorithm: the token verifies through the JWKS.
    let pem = repo_file("crates/tessera-jwt/tests/fixtures/p256_pkcs8.pem");
    let args =
        ["templates", "rotate-key", "jtmp_supabase", "--algorithm", "ES256", "--key-file", pem.to_str().unwrap()];
    let r = run(&server, &args);
    assert!(r.status.success() && stderr(&r).contains("the ES256 key"), "{}", stderr(&r));
    assert_eq!(stdout(&r), "", "no secret to print");
    let (code, out) = verifies(None);
    assert_eq!(code, Some(0), "{out}");

    let bad = run_with_stdin(&server, &["templates", "rotate-key", "jtmp_supabase", "--stdin"], "not a pem\n");
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("signing_key"), "{}", stderr(&bad));
    let plain = run(&server, &["templates", "rotate-key", "jtmp_convex"]);
    assert!(stderr(&plain).contains("jwt_template_custom_signing_key_required"), "{}", stderr(&plain));
}
