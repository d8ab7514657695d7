//! The underlying `reqwest` client: HTTP/1.1, and with the `tls` feature HTTPS through rustls with
//! the aws-lc-rs provider and the webpki roots. The provider is passed explicitly rather than
//! installed process-wide, so this crate never changes global state.

use std::time::Duration;

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

#[cfg(feature = "tls")]
fn tls_config() -> Result<rustls::ClientConfig, String> {
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
