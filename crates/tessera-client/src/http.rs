//! The underlying `reqwest` client: HTTP/1.1, and with the `tls` feature HTTPS through rustls with
//! the aws-lc-rs provider and the webpki roots. The provider is passed explicitly to our own client.
//!
//! One global effect, on purpose: the `tls` feature turns on reqwest's provider-less rustls backend
//! for the whole build (cargo unifies features), and a plain `reqwest::Client::new()` elsewhere in the
//! same program then panics with "No provider set" unless a process-wide rustls provider exists. So
//! building a [`Client`](crate::Client) or [`Verifier`](crate::Verifier) installs aws-lc-rs as the
//! process default when no default is installed yet (never replacing one). Programs that build their
//! own reqwest clients before any of ours should call [`install_default_tls_provider`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

type SleepFn = dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync;

/// How the client waits between retries: `tokio::time::sleep` unless replaced with
/// [`ClientBuilder::sleeper`](crate::ClientBuilder::sleeper) (tests record the delays instead of
/// waiting them out).
#[derive(Clone)]
pub struct Sleeper(Arc<SleepFn>);

impl Sleeper {
    /// A sleeper that runs `f(delay)` and waits for the future it returns.
    pub fn new<F, Fut>(f: F) -> Self
    where
        F: Fn(Duration) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Sleeper(Arc::new(move |d| Box::pin(f(d))))
    }

    /// `tokio::time::sleep`.
    pub fn tokio() -> Self {
        Sleeper::new(tokio::time::sleep)
    }

    pub(crate) async fn sleep(&self, delay: Duration) {
        (self.0)(delay).await;
    }
}

impl Default for Sleeper {
    fn default() -> Self {
        Sleeper::tokio()
    }
}

impl std::fmt::Debug for Sleeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sleeper")
    }
}

/// Builds the HTTP client every part of this crate uses unless the caller supplies one.
pub(crate) fn build_http_client(timeout: Duration, user_agent: &str) -> Result<reqwest::Client, String> {
    let builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(user_agent);
    #[cfg(feature = "tls")]
    let builder = builder.use_preconfigured_tls(tls_config()?);
    builder.build().map_err(|e| format!("building the HTTP client: {e}"))
}

/// Installs aws-lc-rs as the process-wide rustls provider if none is installed yet (a no-op without
/// the `tls` feature, or when a provider is already installed). Call it first thing in `main` if your
/// program builds its own rustls-backed `reqwest` clients before any client of this crate.
pub fn install_default_tls_provider() {
    #[cfg(feature = "tls")]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
}

#[cfg(feature = "tls")]
fn tls_config() -> Result<rustls::ClientConfig, String> {
    install_default_tls_provider();
    use std::sync::Arc;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("configuring TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// The default `User-Agent`.
pub(crate) fn default_user_agent() -> String {
    format!("tessera-client/{}", env!("CARGO_PKG_VERSION"))
}
