//! The server's configuration as a value. It is assembled in `main` (defaults → `tessera.toml` →
//! `TESSERA_*` env → flags) and handed over whole; tests build it in code. Secrets redact in `Debug`.

use std::net::SocketAddr;
use std::path::PathBuf;

/// A secret string: never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where the SQLite database and the master key file live.
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; `None` means `<data_dir>/tessera.db`.
    pub database_url: Option<String>,
    /// Keep everything in memory (SQLite `:memory:`), nothing on disk.
    pub ephemeral: bool,
    /// A secret key to accept (pinned), instead of generating one on first start.
    pub secret_key: Option<Secret>,
    /// 32-byte master key (base64 or hex). `None`: read or create `<data_dir>/master.key`.
    pub master_key: Option<Secret>,
    /// PEM private key (RSA-2048) to use as the instance key, so tokens survive machines.
    pub signing_key_pem: Option<Secret>,
    /// `iss` of every token; default `http://<listen address>` recorded at first start.
    pub issuer: Option<String>,
    pub session_lifetime_secs: i64,
    pub session_abandon_secs: i64,
    /// 2 (default) or 1.
    pub session_token_version: u8,
    /// Largest request body accepted, bytes.
    pub max_body_bytes: usize,
    /// Largest signed token, bytes.
    pub max_token_bytes: usize,
    /// `Cache-Control: public, max-age=` of the JWKS.
    pub jwks_max_age_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("tessera-data"),
            database_url: None,
            ephemeral: false,
            secret_key: None,
            master_key: None,
            signing_key_pem: None,
            issuer: None,
            session_lifetime_secs: 7 * 24 * 3600,
            session_abandon_secs: 30 * 24 * 3600,
            session_token_version: 2,
            max_body_bytes: 256 * 1024,
            max_token_bytes: 16 * 1024,
            jwks_max_age_secs: 300,
        }
    }
}
