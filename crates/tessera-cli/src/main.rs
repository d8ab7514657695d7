//! The `tessera` binary. `tessera serve` runs the server; configuration comes from flags or
//! `TESSERA_*` environment variables (flags win).

mod actor_tokens;
mod admin;
mod contacts;
mod invitations;
mod machines;
mod offline;
mod output;
mod passwords;
mod preview;
mod roles;
mod session_claims;
mod webhooks;

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tessera_server::config::{Rate, RateLimits};
use tessera_server::{Config, Secret};

/// mimalloc instead of the system allocator: 12–15 % less CPU per minted token (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "tessera", version, about = "A self-hostable, Clerk-compatible session and token service")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where admin commands send their requests.
#[derive(Args, Clone)]
struct Remote {
    /// Base URL of Tessera (or Clerk: `https://api.clerk.com`).
    #[arg(long, env = "TESSERA_URL", default_value = "http://127.0.0.1:8080", global = true)]
    url: String,
    /// Secret key (sk_test_…).
    #[arg(long, env = "TESSERA_SECRET_KEY", hide_env_values = true, global = true)]
    secret_key: Option<String>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Users: create, list, get, delete, lock, unlock; set-password, verify-password,
    /// remove-password (from stdin).
    Users {
        #[command(subcommand)]
        cmd: admin::UsersCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// A user's email addresses: add, list, get, update, delete.
    Emails {
        #[command(subcommand)]
        cmd: contacts::EmailsCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// A user's phone numbers: add, list, get, update, delete.
    Phones {
        #[command(subcommand)]
        cmd: contacts::PhonesCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// Organizations: create, list, add-member.
    Orgs {
        #[command(subcommand)]
        cmd: admin::OrgsCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// Organization permissions (`org:<feature>:<action>`): list, get, create, update, delete.
    Permissions {
        #[command(subcommand)]
        cmd: roles::PermissionsCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// Organization roles and their permissions: list, get, create, update, grant, revoke, delete.
    Roles {
        #[command(subcommand)]
        cmd: roles::RolesCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// Role sets (which roles an organization's members can hold): list, get, create, update,
    /// add-roles, remove-role, replace.
    RoleSets {
        #[command(subcommand)]
        cmd: roles::RoleSetsCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// Invitations to the instance: list, create, revoke (creating a user with an invited address
    /// accepts its invitation).
    Invitations {
        #[command(subcommand)]
        cmd: invitations::InvitationsCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// Organization invitations: list, create, get, revoke, accept.
    OrgInvitations {
        #[command(subcommand)]
        cmd: invitations::OrgInvitationsCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// Sessions: create, list, revoke.
    Sessions {
        #[command(subcommand)]
        cmd: admin::SessionsCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// JWT templates: create, list, get, update, delete, rotate-key, preview.
    Templates {
        #[command(subcommand)]
        cmd: admin::TemplatesCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// The instance's custom session-token claims (a Tessera extension): get, set, clear.
    SessionClaims {
        #[command(subcommand)]
        cmd: session_claims::SessionClaimsCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// Impersonation: actor tokens (create, revoke) and redeeming one into a session (a Tessera
    /// extension).
    ActorTokens {
        #[command(subcommand)]
        cmd: actor_tokens::ActorTokensCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// Machines, their scopes and secret keys.
    Machines {
        #[command(subcommand)]
        cmd: machines::MachinesCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// M2M tokens: create (as a machine, its secret key on standard input), list, revoke, verify.
    M2mTokens {
        #[command(subcommand)]
        cmd: machines::M2MTokensCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// API keys of users, organizations and machines.
    ApiKeys {
        #[command(subcommand)]
        cmd: machines::ApiKeysCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// Webhook endpoints (a Tessera extension): list, create, get, update, delete, rotate-secret;
    /// messages, attempts (the delivery log) and replay.
    Webhooks {
        #[command(subcommand)]
        cmd: webhooks::WebhooksCmd,
        #[command(flatten)]
        remote: Remote,
    },
    /// Mint a token for a session: the session token, or from TEMPLATE.
    Token {
        session_id: String,
        template: Option<String>,
        /// Lifetime in seconds (30..315360000).
        #[arg(long)]
        expires_in: Option<i64>,
        #[command(flatten)]
        remote: Remote,
    },
    /// Print the JWKS (GET /v1/jwks).
    Jwks {
        #[command(flatten)]
        remote: Remote,
    },
    /// Verify a token offline; exit status 0 when valid, 1 when not (the reason is printed).
    Verify {
        jwt: String,
        /// JWKS URL (default: `<url>/.well-known/jwks.json`).
        #[arg(long, conflicts_with_all = ["jwks", "key", "hmac_secret"])]
        jwks_url: Option<String>,
        /// JWKS file.
        #[arg(long, conflicts_with_all = ["key", "hmac_secret"])]
        jwks: Option<PathBuf>,
        /// PEM public key file.
        #[arg(long, conflicts_with = "hmac_secret")]
        key: Option<PathBuf>,
        /// Shared secret of an HMAC-signed token.
        #[arg(long)]
        hmac_secret: Option<String>,
        /// Expected issuer.
        #[arg(long)]
        issuer: Option<String>,
        /// Accepted audience (repeatable).
        #[arg(long)]
        audience: Vec<String>,
        /// Allowed clock skew in seconds.
        #[arg(long, default_value_t = 5)]
        skew: u64,
        #[command(flatten)]
        remote: Remote,
    },
    /// Render a template's claims locally for a user (and organization); no server needed.
    Render {
        /// JSON or YAML file with the claims object.
        #[arg(long)]
        claims: PathBuf,
        /// JSON or YAML file with the user (Clerk's User shape; missing fields take defaults).
        #[arg(long)]
        user: PathBuf,
        /// The active organization (Clerk's Organization shape).
        #[arg(long)]
        org: Option<PathBuf>,
        /// The user's role in --org.
        #[arg(long, default_value = "org:admin")]
        role: String,
        /// The session (Clerk's Session shape).
        #[arg(long)]
        session: Option<PathBuf>,
    },
    /// Validate a seed file (YAML or JSON), every template included; non-zero exit with the reason.
    CheckConfig { file: PathBuf },
    /// Instance signing keys: over HTTP with --url (`/v1/tessera/keys`), else on the database
    /// directly (stop nothing: running nodes pick changes up within a second).
    Keys {
        #[command(subcommand)]
        cmd: KeysCmd,
        #[command(flatten)]
        store: StoreArgs,
        /// Base URL of a running Tessera: list, rotate and retire through its API instead of the
        /// database (rotate-master always works on the database).
        #[arg(long, env = "TESSERA_URL", global = true)]
        url: Option<String>,
        /// Secret key for --url.
        #[arg(long, env = "TESSERA_SECRET_KEY", hide_env_values = true, global = true)]
        secret_key: Option<String>,
    },
    /// Secret keys, on the database directly: list, create, revoke.
    SecretKeys {
        #[command(subcommand)]
        cmd: SecretKeysCmd,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum KeysCmd {
    /// List the instance keys and which one signs.
    List,
    /// Add a new RSA-2048 key: published now, signing once every cached JWKS has had time to learn it.
    Rotate {
        /// Seconds until the new key signs (default: the JWKS max-age plus the key reload interval).
        #[arg(long)]
        activate_in: Option<i64>,
    },
    /// Stop a key from signing (it stays published so its tokens keep verifying).
    Retire { kid: String },
    /// Re-seal every private key under a new master key (then restart every node with it). With the
    /// default key file, the file is replaced; with --master-key/TESSERA_MASTER_KEY, pass the new key.
    RotateMaster {
        /// The new 32-byte master key (base64 or hex); generated when omitted and the key file is used.
        #[arg(long, hide_env_values = true)]
        new_master_key: Option<String>,
    },
}

#[derive(Subcommand)]
enum SecretKeysCmd {
    /// List secret keys (ids only; keys are stored as hashes).
    List,
    /// Create a secret key and print it once.
    Create,
    /// Revoke a secret key by id; every node stops accepting it within 30 s.
    Revoke { id: String },
}

/// Where the instance lives (the same flags as `serve`).
#[derive(Args)]
struct StoreArgs {
    #[arg(long, env = "TESSERA_DATA_DIR", default_value = "./tessera-data", global = true)]
    data_dir: PathBuf,
    #[arg(long, env = "TESSERA_DATABASE_URL", global = true)]
    database_url: Option<String>,
    #[arg(long, env = "TESSERA_MASTER_KEY", hide_env_values = true, global = true)]
    master_key: Option<String>,
    #[arg(long, global = true)]
    json: bool,
}

fn store_config(store: &StoreArgs) -> Config {
    Config {
        data_dir: store.data_dir.clone(),
        database_url: store.database_url.clone().filter(|u| !u.is_empty()),
        master_key: store.master_key.clone().filter(|s| !s.is_empty()).map(Secret),
        ..Config::default()
    }
}

async fn rotate_master(config: &Config, app: &tessera_core::Tessera, new: Option<String>) -> Result<(), String> {
    use std::io::Write;
    let key_file = config.data_dir.join("master.key");
    let uses_file = config.master_key.is_none();
    let (new_key, generated) = match new {
        Some(k) => (tessera_server::startup::decode_master_key(&k)?, false),
        None if uses_file => (tessera_jwt::random_bytes::<32>(), true),
        None => {
            return Err(
                "pass --new-master-key: the current master key comes from --master-key/TESSERA_MASTER_KEY".into()
            );
        }
    };
    let text = tessera_jwt::b64url(&new_key);
    let staged = config.data_dir.join("master.key.new");
    if uses_file {
        // Stage the new key on disk before any row changes, so a crash in between loses nothing.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode_private()
            .open(&staged)
            .map_err(|e| format!("writing {}: {e}", staged.display()))?;
        f.write_all(text.as_bytes()).and_then(|()| f.sync_all()).map_err(|e| e.to_string())?;
    }
    let (n_keys, n_templates) =
        app.rotate_master_key(&tessera_core::MasterKey(new_key)).await.map_err(|e| e.long_message)?;
    if uses_file {
        std::fs::rename(&staged, &key_file).map_err(|e| format!("replacing {}: {e}", key_file.display()))?;
        eprintln!(
            "re-sealed {n_keys} instance keys and {n_templates} template keys; {} now holds the new master key",
            key_file.display()
        );
    } else {
        eprintln!("re-sealed {n_keys} instance keys and {n_templates} template keys under the new master key");
        if generated {
            println!("{text}");
        }
    }
    eprintln!("restart every node with the new master key now");
    Ok(())
}

/// Opening files readable by the owner only.
trait PrivateMode {
    fn mode_private(&mut self) -> &mut Self;
}

impl PrivateMode for std::fs::OpenOptions {
    #[cfg(unix)]
    fn mode_private(&mut self) -> &mut Self {
        std::os::unix::fs::OpenOptionsExt::mode(self, 0o600)
    }
    #[cfg(not(unix))]
    fn mode_private(&mut self) -> &mut Self {
        self
    }
}

async fn secret_keys(cmd: SecretKeysCmd, store: StoreArgs) -> Result<(), String> {
    let config = store_config(&store);
    let app = tessera_server::open_core(&config, std::sync::Arc::new(tessera_server::SystemClock)).await?;
    match cmd {
        SecretKeysCmd::List => {}
        SecretKeysCmd::Create => {
            let key = app.create_secret_key().await.map_err(|e| e.long_message)?;
            println!("{key}");
            eprintln!("shown once: store it now");
            return Ok(());
        }
        SecretKeysCmd::Revoke { id } => app.revoke_secret_key(&id).await.map_err(|e| e.long_message)?,
    }
    let keys = app.secret_keys().await.map_err(|e| e.long_message)?;
    if store.json {
        let v: Vec<serde_json::Value> =
            keys.iter().map(|k| serde_json::json!({"id": k.id, "created_at": k.created_at})).collect();
        output::json(&v);
    } else {
        let rows: Vec<Vec<String>> = keys.iter().map(|k| vec![k.id.clone(), output::time_ms(k.created_at)]).collect();
        output::table(&["id", "created"], &rows);
    }
    Ok(())
}

async fn keys(cmd: KeysCmd, store: StoreArgs) -> Result<(), String> {
    let config = store_config(&store);
    let app = tessera_server::open_core(&config, std::sync::Arc::new(tessera_server::SystemClock)).await?;
    match cmd {
        KeysCmd::RotateMaster { new_master_key } => return rotate_master(&config, &app, new_master_key).await,
        KeysCmd::List => {}
        KeysCmd::Rotate { activate_in } => {
            let k = app.rotate_signing_key(activate_in.map(|s| s * 1000)).await.map_err(|e| e.long_message)?;
            eprintln!("added {}; it signs from {}", k.kid, output::time_ms(k.sign_after));
        }
        KeysCmd::Retire { kid } => {
            app.retire_signing_key(&kid).await.map_err(|e| e.long_message)?;
        }
    }
    let keys: Vec<tessera_types::InstanceKey> =
        app.signing_keys().map_err(|e| e.long_message)?.iter().map(|k| k.to_wire()).collect();
    show_keys(&keys, store.json);
    Ok(())
}

/// `tessera keys list|rotate|retire --url …`: through `/v1/tessera/keys`.
async fn remote_keys(c: &tessera_client::Client, cmd: KeysCmd, as_json: bool) -> Result<(), String> {
    let api = c.tessera().keys();
    match cmd {
        KeysCmd::List | KeysCmd::RotateMaster { .. } => {}
        KeysCmd::Rotate { activate_in } => {
            let body = tessera_types::RotateInstanceKeyRequestBody { activate_in_seconds: activate_in };
            let k = api.rotate(body).await.map_err(|e| e.to_string())?;
            eprintln!("added {}; it signs from {}", k.kid, output::time_ms(k.sign_after));
        }
        KeysCmd::Retire { kid } => {
            api.retire(&kid).await.map_err(|e| e.to_string())?;
        }
    }
    show_keys(&api.list().await.map_err(|e| e.to_string())?.data, as_json);
    Ok(())
}

fn show_keys(keys: &[tessera_types::InstanceKey], as_json: bool) {
    if as_json {
        output::json(&keys);
        return;
    }
    let rows: Vec<Vec<String>> = keys
        .iter()
        .map(|k| {
            vec![
                k.kid.clone(),
                k.alg.clone(),
                k.status.clone(),
                if k.published { "yes".into() } else { "no".into() },
                output::time_ms(k.created_at),
                k.unpublish_at.map(output::time_ms).unwrap_or_default(),
            ]
        })
        .collect();
    output::table(&["kid", "alg", "status", "in jwks", "created", "leaves jwks"], &rows);
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "TESSERA_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory for the SQLite database and the master key file.
    #[arg(long, env = "TESSERA_DATA_DIR", default_value = "./tessera-data")]
    data_dir: PathBuf,
    /// postgres://… to use PostgreSQL instead of the embedded SQLite database.
    #[arg(long, env = "TESSERA_DATABASE_URL")]
    database_url: Option<String>,
    /// Keep everything in memory; nothing is written to disk.
    #[arg(long, env = "TESSERA_EPHEMERAL")]
    ephemeral: bool,
    /// Seed file (YAML or JSON): users, organizations, sessions and templates with fixed ids, applied
    /// at every start (existing ids are left alone). Implies emulator rate limits.
    #[arg(long, env = "TESSERA_SEED")]
    seed: Option<PathBuf>,
    /// Accept this secret key (sk_test_…) instead of generating one on first start.
    #[arg(long, env = "TESSERA_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// 32-byte master key (base64 or hex) sealing private keys at rest; default: `<data-dir>/master.key`.
    #[arg(long, env = "TESSERA_MASTER_KEY", hide_env_values = true)]
    master_key: Option<String>,
    /// PEM file with an RSA-2048 private key to use as the instance signing key.
    #[arg(long, env = "TESSERA_SIGNING_KEY")]
    signing_key: Option<PathBuf>,
    /// Issuer (`iss`) of every token; default `http://<listen address>` at first start.
    #[arg(long, env = "TESSERA_ISSUER")]
    issuer: Option<String>,
    /// Maximum session lifetime in seconds (expire_at).
    #[arg(long, env = "TESSERA_SESSION_LIFETIME", default_value_t = 7 * 24 * 3600)]
    session_lifetime: i64,
    /// Seconds after creation at which a session is abandoned (abandon_at).
    #[arg(long, env = "TESSERA_SESSION_ABANDON", default_value_t = 30 * 24 * 3600)]
    session_abandon: i64,
    /// Session token claims version: 2 (current) or 1 (legacy org_* claims).
    #[arg(long, env = "TESSERA_SESSION_TOKEN_VERSION", default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=2))]
    session_token_version: u8,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "TESSERA_MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    max_body_bytes: usize,
    /// Largest signed token, in bytes.
    #[arg(long, env = "TESSERA_MAX_TOKEN_BYTES", default_value_t = 16 * 1024)]
    max_token_bytes: usize,
    /// Largest session token, in bytes (session tokens travel in a cookie, which browsers cap at
    /// 4 KB); 0 leaves only --max-token-bytes.
    #[arg(long, env = "TESSERA_MAX_SESSION_TOKEN_BYTES",
        default_value_t = tessera_core::session_claims::DEFAULT_MAX_SESSION_TOKEN_BYTES)]
    max_session_token_bytes: usize,
    /// /v1 requests per second per secret key (burst: twice that); 0 turns it off. Default 2000,
    /// off in emulator mode (--ephemeral).
    #[arg(long, env = "TESSERA_RATE_LIMIT")]
    rate_limit: Option<u32>,
    /// /.well-known requests per second per client address; 0 turns it off. Default 100, off in
    /// emulator mode.
    #[arg(long, env = "TESSERA_WELL_KNOWN_RATE_LIMIT")]
    well_known_rate_limit: Option<u32>,
    /// Failed authentication attempts per minute per client address; 0 turns it off.
    #[arg(long, env = "TESSERA_FAILED_AUTH_LIMIT", default_value_t = 30)]
    failed_auth_limit: u32,
    /// Deliver webhooks to loopback, private and link-local addresses too (emulator mode, --ephemeral
    /// or --seed, allows loopback only).
    #[arg(long, env = "TESSERA_WEBHOOKS_ALLOW_PRIVATE")]
    webhooks_allow_private: bool,
    /// Delay before each webhook attempt, comma-separated (Svix's schedule by default).
    #[arg(long, env = "TESSERA_WEBHOOKS_RETRY_SCHEDULE", default_value = tessera_core::webhooks::DEFAULT_RETRY_SCHEDULE)]
    webhooks_retry_schedule: String,
    /// Longest one webhook attempt may take (e.g. 15s).
    #[arg(long, env = "TESSERA_WEBHOOKS_TIMEOUT", default_value = "15s")]
    webhooks_timeout: String,
    /// How long delivered and failed messages and delivered events are kept (e.g. 7d).
    #[arg(long, env = "TESSERA_WEBHOOKS_RETENTION", default_value = "7d")]
    webhooks_retention: String,
    /// Serve GET /metrics (Prometheus text, unauthenticated). `false` answers it 404.
    #[arg(long, env = "TESSERA_METRICS", default_value_t = true, action = clap::ArgAction::Set)]
    metrics: bool,
    /// Scheduled rotation: add a new instance key whenever the newest is older than this (e.g.
    /// `30d`, `12h`, `90m`, `3600s`); safe on several nodes at once. Off by default.
    #[arg(long, env = "TESSERA_ROTATE_KEYS_EVERY", value_parser = parse_duration_secs)]
    rotate_keys_every: Option<u64>,
    /// Serve the web console at /console (sign in with a secret key). On by default in emulator
    /// mode (--ephemeral, --seed); --console=false turns it off there.
    #[arg(long, env = "TESSERA_CONSOLE", num_args = 0..=1, default_missing_value = "true")]
    console: Option<bool>,
    /// Records of each kind (sessions, users, memberships) kept in memory for mints; 0 turns the
    /// mint cache off (every mint reads the database).
    #[arg(long, env = "TESSERA_MINT_CACHE_ENTRIES", default_value_t = 20_000)]
    mint_cache_entries: usize,
    /// The staleness bound in ms: a change made on another node is seen by this node's mints
    /// within it (cached records are served only while the event log was read less than this ago).
    #[arg(long, env = "TESSERA_CHANGE_FEED_BOUND_MS", default_value_t = 1_000,
        value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    change_feed_bound_ms: u64,
    /// How often the event log is read, in ms (under the bound; max(this, bound/4) while listening).
    #[arg(long, env = "TESSERA_CHANGE_FEED_POLL_MS", default_value_t = 100,
        value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    change_feed_poll_ms: u64,
    /// PostgreSQL: LISTEN for other nodes' writes on one more connection (false behind PgBouncer in transaction mode).
    #[arg(long, env = "TESSERA_CHANGE_FEED_LISTEN", default_value_t = true, action = clap::ArgAction::Set)]
    change_feed_listen: bool,
}

/// `30d`, `12h`, `90m`, `45s` or a bare number of seconds.
fn parse_duration_secs(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, "s"),
    };
    let n: u64 = num.parse().map_err(|_| format!("{text:?} is not a duration like 30d, 12h, 90m or 3600s"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text:?}: the unit must be s, m, h or d")),
    };
    match n.checked_mul(mult) {
        Some(0) | None => Err(format!("{text:?} must be a positive duration")),
        Some(v) => Ok(v),
    }
}

impl ServeArgs {
    fn into_config(self) -> Result<Config, String> {
        let signing_key_pem = match &self.signing_key {
            None => None,
            Some(p) => Some(Secret(
                std::fs::read_to_string(p).map_err(|e| format!("reading the signing key {}: {e}", p.display()))?,
            )),
        };
        if self.change_feed_poll_ms >= self.change_feed_bound_ms {
            return Err("--change-feed-poll-ms must be less than --change-feed-bound-ms".into());
        }
        if self.session_lifetime <= 0 || self.session_abandon <= 0 {
            return Err("session lifetimes must be positive".into());
        }
        let emulator = self.ephemeral || self.seed.is_some();
        let seed = match &self.seed {
            None => None,
            Some(p) => {
                let doc = output::read_json_or_yaml(p)?;
                tessera_core::seed::check_seed(&doc)
                    .map_err(|e| format!("{}: {} ({})", p.display(), e.long_message, e.code))?;
                Some(doc)
            }
        };
        let base = if emulator { RateLimits::emulator() } else { RateLimits::standard() };
        let rate_limits = RateLimits {
            per_key: self.rate_limit.map(Rate::per_second).unwrap_or(base.per_key),
            well_known: self.well_known_rate_limit.map(Rate::per_second).unwrap_or(base.well_known),
            failed_auth: Rate::per_minute(self.failed_auth_limit),
        };
        let webhooks = {
            use tessera_core::webhooks::{parse_duration_ms, parse_schedule};
            let timeout = parse_duration_ms(&self.webhooks_timeout).map_err(|e| format!("--webhooks-timeout: {e}"))?;
            if timeout <= 0 {
                return Err("--webhooks-timeout must be positive".into());
            }
            tessera_server::config::WebhookConfig {
                allow_private: self.webhooks_allow_private,
                allow_loopback: emulator,
                retry_schedule_ms: parse_schedule(&self.webhooks_retry_schedule)
                    .map_err(|e| format!("--webhooks-retry-schedule: {e}"))?,
                attempt_timeout_ms: timeout as u64,
                retention_ms: parse_duration_ms(&self.webhooks_retention)
                    .map_err(|e| format!("--webhooks-retention: {e}"))?,
                ..tessera_server::config::WebhookConfig::default()
            }
        };
        Ok(Config {
            webhooks,
            rate_limits,
            seed,
            listen: self.listen,
            data_dir: self.data_dir,
            database_url: self.database_url.filter(|u| !u.is_empty()),
            ephemeral: self.ephemeral,
            secret_key: self.secret_key.filter(|s| !s.is_empty()).map(Secret),
            master_key: self.master_key.filter(|s| !s.is_empty()).map(Secret),
            signing_key_pem,
            issuer: self.issuer.filter(|s| !s.is_empty()),
            session_lifetime_secs: self.session_lifetime,
            session_abandon_secs: self.session_abandon,
            session_token_version: self.session_token_version,
            max_body_bytes: self.max_body_bytes,
            max_token_bytes: self.max_token_bytes,
            max_session_token_bytes: self.max_session_token_bytes,
            metrics: self.metrics,
            rotate_keys_every_secs: self.rotate_keys_every,
            console: self.console.unwrap_or(emulator),
            mint_cache: tessera_server::config::MintCacheConfig {
                entries: self.mint_cache_entries,
                bound_ms: self.change_feed_bound_ms,
                poll_ms: self.change_feed_poll_ms,
                listen: self.change_feed_listen,
            },
            ..Config::default()
        })
    }
}

/// Log lines go to stdout (docs/security.md): text by default, with colours only when stdout is a
/// terminal and `NO_COLOR` is unset or empty; one JSON object per line with
/// `TESSERA_LOG_FORMAT=json`.
fn init_logging() -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TESSERA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let format = std::env::var("TESSERA_LOG_FORMAT").unwrap_or_default();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    match format.trim().to_ascii_lowercase().as_str() {
        "" | "text" => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            builder.with_ansi(!no_color && std::io::stdout().is_terminal()).init();
        }
        "json" => builder.json().with_ansi(false).init(),
        other => return Err(format!("TESSERA_LOG_FORMAT must be `text` or `json`, not {other:?}")),
    }
    Ok(())
}

fn client(remote: &Remote) -> Result<tessera_client::Client, String> {
    let key = remote.secret_key.clone().ok_or("set TESSERA_SECRET_KEY or pass --secret-key")?;
    tessera_client::Client::new(remote.url.clone(), key).map_err(|e| e.to_string())
}

async fn dispatch(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Serve(args) => tessera_server::run(args.into_config()?).await.map(|()| ExitCode::SUCCESS),
        Command::Users { cmd, remote } => {
            admin::users(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Emails { cmd, remote } => {
            contacts::emails(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Phones { cmd, remote } => {
            contacts::phones(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Orgs { cmd, remote } => {
            admin::orgs(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Permissions { cmd, remote } => {
            roles::permissions(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Roles { cmd, remote } => {
            roles::roles(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::RoleSets { cmd, remote } => {
            roles::role_sets(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Invitations { cmd, remote } => {
            invitations::invitations(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::OrgInvitations { cmd, remote } => {
            invitations::org_invitations(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Sessions { cmd, remote } => {
            admin::sessions(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Templates { cmd, remote } => {
            admin::templates(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::SessionClaims { cmd, remote } => {
            session_claims::session_claims(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::ActorTokens { cmd, remote } => {
            actor_tokens::actor_tokens(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Machines { cmd, remote } => {
            machines::machines(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::M2mTokens { cmd, remote } => {
            machines::m2m_tokens(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::ApiKeys { cmd, remote } => {
            machines::api_keys(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Webhooks { cmd, remote } => {
            webhooks::webhooks(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Token { session_id, template, expires_in, remote } => {
            admin::token(&client(&remote)?, session_id, template, expires_in, remote.json)
                .await
                .map(|()| ExitCode::SUCCESS)
        }
        Command::Jwks { remote } => admin::jwks(&client(&remote)?).await.map(|()| ExitCode::SUCCESS),
        Command::Verify { jwt, jwks_url, jwks, key, hmac_secret, issuer, audience, skew, remote } => {
            let valid = offline::verify(offline::VerifyArgs {
                jwt,
                jwks_url,
                jwks,
                key,
                hmac_secret,
                issuer,
                audience,
                skew_secs: skew,
                default_url: remote.url,
                secret_key: remote.secret_key,
            })
            .await?;
            Ok(if valid { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Render { claims, user, org, role, session } => {
            offline::render(&claims, &user, org.as_deref(), &role, session.as_deref()).map(|()| ExitCode::SUCCESS)
        }
        Command::CheckConfig { file } => offline::check_config(&file).map(|()| ExitCode::SUCCESS),
        Command::Keys { cmd, store, url: Some(url), secret_key } if !matches!(cmd, KeysCmd::RotateMaster { .. }) => {
            let remote = Remote { url, secret_key, json: store.json };
            remote_keys(&client(&remote)?, cmd, remote.json).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Keys { cmd, store, .. } => keys(cmd, store).await.map(|()| ExitCode::SUCCESS),
        Command::SecretKeys { cmd, store } => secret_keys(cmd, store).await.map(|()| ExitCode::SUCCESS),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Serve(_))
        && let Err(e) = init_logging()
    {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
