//! The `tessera` binary. `tessera serve` runs the server; configuration comes from flags or
//! `TESSERA_*` environment variables (flags win).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tessera_server::config::{Rate, RateLimits};
use tessera_server::{Config, Secret};

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "A self-hostable, Clerk-compatible session and token service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
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
    /// Accept this secret key (sk_test_…) instead of generating one on first start.
    #[arg(long, env = "TESSERA_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// 32-byte master key (base64 or hex) sealing private keys at rest; default: <data-dir>/master.key.
    #[arg(long, env = "TESSERA_MASTER_KEY", hide_env_values = true)]
    master_key: Option<String>,
    /// PEM file with an RSA-2048 private key to use as the instance signing key.
    #[arg(long, env = "TESSERA_SIGNING_KEY")]
    signing_key: Option<PathBuf>,
    /// Issuer (`iss`) of every token; default http://<listen address> at first start.
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
}

impl ServeArgs {
    fn into_config(self) -> Result<Config, String> {
        let signing_key_pem = match &self.signing_key {
            None => None,
            Some(p) => {
                Some(Secret(std::fs::read_to_string(p).map_err(|e| {
                    format!("reading the signing key {}: {e}", p.display())
                })?))
            }
        };
        if self.session_lifetime <= 0 || self.session_abandon <= 0 {
            return Err("session lifetimes must be positive".into());
        }
        let emulator = self.ephemeral;
        let base = if emulator { RateLimits::emulator() } else { RateLimits::standard() };
        let rate_limits = RateLimits {
            per_key: self.rate_limit.map(Rate::per_second).unwrap_or(base.per_key),
            well_known: self.well_known_rate_limit.map(Rate::per_second).unwrap_or(base.well_known),
            failed_auth: Rate::per_minute(self.failed_auth_limit),
        };
        Ok(Config {
            rate_limits,
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
            ..Config::default()
        })
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TESSERA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Serve(args) => args
            .into_config()
            .and_then(|c| runtime.block_on(tessera_server::run(c))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
