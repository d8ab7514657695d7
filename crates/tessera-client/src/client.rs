//! [`Client`] and [`ClientBuilder`]: configuration, the request pipeline (headers, retries,
//! error decoding) shared by every resource group.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tessera_types::ClerkErrors;
use url::Url;

use crate::error::{Error, Redacted, Result, excerpt};
use crate::http::Sleeper;
use crate::resources::{
    ActorTokens, ApiKeys, EmailAddresses, Invitations, Jwks, JwtTemplates, M2MTokens, Machines,
    OrganizationInvitations, OrganizationMemberships, OrganizationPermissions, OrganizationRoles, Organizations,
    PhoneNumbers, RoleSets, Sessions, Tessera, Users,
};
use crate::verify::{KeySource, VerifiedToken, Verifier, VerifyError, VerifyOptions};

/// The `Clerk-API-Version` sent by default.
pub const DEFAULT_API_VERSION: &str = "2025-11-10";
/// Per-request timeout by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Retries after the first attempt, by default.
pub const DEFAULT_MAX_RETRIES: u32 = 3;

/// Configures a [`Client`]. Start from [`Client::builder`].
///
/// ```
/// use std::time::Duration;
///
/// let client = tessera_client::Client::builder("http://localhost:8080", "sk_test_xxx")
///     .timeout(Duration::from_secs(10))
///     .max_retries(5)
///     .api_version("2025-11-10")
///     .user_agent("my-service/1.0")
///     .build()?;
/// assert_eq!(client.base_url(), "http://localhost:8080/v1");
/// # Ok::<(), tessera_client::Error>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    secret_key: String,
    timeout: Duration,
    max_retries: u32,
    api_version: Option<String>,
    user_agent: String,
    retry_base_delay: Duration,
    max_retry_delay: Duration,
    http_client: Option<reqwest::Client>,
    sleeper: Sleeper,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("secret_key", &Redacted(&self.secret_key))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("api_version", &self.api_version)
            .field("user_agent", &self.user_agent)
            .field("retry_base_delay", &self.retry_base_delay)
            .field("max_retry_delay", &self.max_retry_delay)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder with the defaults: 30 s timeout, 3 retries, API version
    /// [`DEFAULT_API_VERSION`], `User-Agent: tessera-client/<version>`.
    ///
    /// `base_url` is the server's origin, with or without a trailing `/v1`:
    /// `https://api.clerk.com`, `http://localhost:8080/v1` and `https://proxy.example/clerk/` all
    /// work.
    pub fn new(base_url: impl Into<String>, secret_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            secret_key: secret_key.into(),
            timeout: DEFAULT_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            api_version: Some(DEFAULT_API_VERSION.to_owned()),
            user_agent: crate::http::default_user_agent(),
            retry_base_delay: Duration::from_millis(500),
            max_retry_delay: Duration::from_secs(30),
            http_client: None,
            sleeper: Sleeper::default(),
        }
    }

    /// Total time allowed for one attempt (connect, send, read the whole answer). Default 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times a failed call is retried (so at most `1 + max_retries` attempts). Default 3;
    /// 0 disables retries. See [`Client`] for which failures are retried.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// The `Clerk-API-Version` header (`YYYY-MM-DD`). Default [`DEFAULT_API_VERSION`].
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// Sends no `Clerk-API-Version` header, leaving the choice to the server.
    pub fn no_api_version(mut self) -> Self {
        self.api_version = None;
        self
    }

    /// The `User-Agent` header. Default `tessera-client/<crate version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The first retry waits about this long, each further one twice as long (with jitter).
    /// Default 500 ms.
    pub fn retry_base_delay(mut self, delay: Duration) -> Self {
        self.retry_base_delay = delay;
        self
    }

    /// The longest wait between attempts, also the cap on a server's `Retry-After`. Default 30 s.
    pub fn max_retry_delay(mut self, delay: Duration) -> Self {
        self.max_retry_delay = delay;
        self
    }

    /// How to wait between retries. Default `tokio::time::sleep`; a test can pass a [`Sleeper`]
    /// that records each delay (the `Retry-After` honoured, the backoff chosen) and returns at once.
    pub fn sleeper(mut self, sleeper: Sleeper) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Uses this `reqwest` client instead of building one (its own timeout, proxy and TLS settings
    /// then apply; [`ClientBuilder::timeout`] and [`ClientBuilder::user_agent`] are ignored).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Builds the client. Fails with [`Error::Config`] if the base URL is not an `http(s)` URL or
    /// the secret key or API version cannot be sent as a header.
    pub fn build(self) -> Result<Client> {
        let base = normalize_base_url(&self.base_url)?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", self.secret_key.trim()))
            .map_err(|_| Error::Config("the secret key contains characters not allowed in an HTTP header".into()))?;
        auth.set_sensitive(true);
        let api_version = match &self.api_version {
            None => None,
            Some(v) => Some(HeaderValue::from_str(v).map_err(|_| {
                Error::Config("the API version contains characters not allowed in an HTTP header".into())
            })?),
        };
        let http = match self.http_client {
            Some(c) => c,
            None => crate::http::build_http_client(self.timeout, &self.user_agent).map_err(Error::Config)?,
        };
        let mut jwks_url = base.clone();
        if let Ok(mut segments) = jwks_url.path_segments_mut() {
            segments.push("jwks");
        }
        let verifier = Verifier::builder(KeySource::JwksUrl {
            url: jwks_url.to_string(),
            secret_key: Some(self.secret_key.trim().to_owned()),
        })
        .http_client(http.clone())
        .build()
        .map_err(|e| Error::Config(e.to_string()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_str: base.as_str().trim_end_matches('/').to_owned(),
                base,
                auth,
                api_version,
                max_retries: self.max_retries,
                retry_base_delay: self.retry_base_delay,
                max_retry_delay: self.max_retry_delay,
                sleeper: self.sleeper,
                verifier,
            }),
        })
    }
}

/// `https://host[/prefix][/v1][/]` → `https://host[/prefix]/v1`.
fn normalize_base_url(raw: &str) -> Result<Url> {
    let mut url =
        Url::parse(raw.trim()).map_err(|e| Error::Config(format!("the base URL {raw:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(Error::Config(format!("the base URL {raw:?} must start with http:// or https://")));
    }
    url.set_query(None);
    url.set_fragment(None);
    let mut segments: Vec<String> =
        url.path_segments().map(|s| s.filter(|s| !s.is_empty()).map(str::to_owned).collect()).unwrap_or_default();
    if segments.last().map(String::as_str) != Some("v1") {
        segments.push("v1".to_owned());
    }
    url.path_segments_mut()
        .map_err(|()| Error::Config(format!("the base URL {raw:?} cannot have a path")))?
        .clear()
        .extend(&segments);
    Ok(url)
}

/// A typed async client for Tessera's (and Clerk's) Backend API.
///
/// Cheap to clone (an `Arc` inside); make one per process and share it.
///
/// Every request goes to `<base URL>/v1/…` with `Authorization: Bearer <secret key>`,
/// `Clerk-API-Version`, and `Content-Type: application/json` when it has a body (requests without
/// a body, like `POST /users/{id}/ban`, send none).
///
/// **Retries.** A call is retried up to `max_retries` times, waiting with exponential backoff and
/// jitter, when:
/// - the server answers `429 Too Many Requests` (the request was not processed), waiting for its
///   `Retry-After` seconds when given (capped by [`ClientBuilder::max_retry_delay`]);
/// - the connection could not be established (nothing was sent);
/// - and, for idempotent calls only (`GET`, `PUT`, `DELETE`), on `500`, `502`, `503`, `504` and
///   on transport failures after the request was sent (timeouts, reset connections).
///
/// `POST` and `PATCH` calls are never retried once the server may have seen them.
///
/// ```no_run
/// # async fn example() -> Result<(), tessera_client::Error> {
/// use tessera_client::{Client, types::CreateUserRequestBody};
///
/// let client = Client::new("http://localhost:8080", "sk_test_xxx")?;
/// let user = client
///     .users()
///     .create(CreateUserRequestBody {
///         email_address: Some(vec!["ada@example.com".into()]),
///         ..Default::default()
///     })
///     .await?;
/// println!("created {}", user.id);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Ends in `/v1`.
    base: Url,
    base_str: String,
    auth: HeaderValue,
    api_version: Option<HeaderValue>,
    max_retries: u32,
    retry_base_delay: Duration,
    max_retry_delay: Duration,
    sleeper: Sleeper,
    verifier: Verifier,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_str)
            .field("max_retries", &self.inner.max_retries)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with the default settings (see [`ClientBuilder::new`]).
    ///
    /// ```
    /// let client = tessera_client::Client::new("https://api.clerk.com", "sk_live_xxx")?;
    /// assert_eq!(client.base_url(), "https://api.clerk.com/v1");
    /// # Ok::<(), tessera_client::Error>(())
    /// ```
    pub fn new(base_url: impl Into<String>, secret_key: impl Into<String>) -> Result<Client> {
        ClientBuilder::new(base_url, secret_key).build()
    }

    /// Starts configuring a client.
    pub fn builder(base_url: impl Into<String>, secret_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(base_url, secret_key)
    }

    /// The API root every path is relative to, ending in `/v1`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_str
    }

    /// `/users`: create, list, count, get, update, delete, metadata, ban, lock.
    pub fn users(&self) -> Users<'_> {
        Users::new(self)
    }

    /// `/email_addresses`: create, get, update, delete a user's email addresses.
    pub fn email_addresses(&self) -> EmailAddresses<'_> {
        EmailAddresses::new(self)
    }

    /// `/phone_numbers`: create, get, update, delete a user's phone numbers.
    pub fn phone_numbers(&self) -> PhoneNumbers<'_> {
        PhoneNumbers::new(self)
    }

    /// `/sessions`: create, list, get, revoke, and minting session and template tokens.
    pub fn sessions(&self) -> Sessions<'_> {
        Sessions::new(self)
    }

    /// `/organizations`: create, list, get, update, delete, metadata.
    pub fn organizations(&self) -> Organizations<'_> {
        Organizations::new(self)
    }

    /// `/organizations/{id}/memberships`: create, list, update, delete, metadata.
    pub fn organization_memberships(&self) -> OrganizationMemberships<'_> {
        OrganizationMemberships::new(self)
    }

    /// `/organization_permissions`: create, list, get, update, delete.
    pub fn organization_permissions(&self) -> OrganizationPermissions<'_> {
        OrganizationPermissions::new(self)
    }

    /// `/organization_roles`: create, list, get, update, delete, assign and remove permissions.
    pub fn organization_roles(&self) -> OrganizationRoles<'_> {
        OrganizationRoles::new(self)
    }

    /// `/role_sets`: create, list, get, update, add roles, replace a role, replace the set.
    pub fn role_sets(&self) -> RoleSets<'_> {
        RoleSets::new(self)
    }

    /// `/actor_tokens`: create and revoke impersonation tokens (redeem them through
    /// [`Tessera::actor_tokens`]).
    pub fn actor_tokens(&self) -> ActorTokens<'_> {
        ActorTokens::new(self)
    }

    /// `/invitations`: create, bulk create, list, revoke.
    pub fn invitations(&self) -> Invitations<'_> {
        Invitations::new(self)
    }

    /// `/organizations/{id}/invitations` and `/organization_invitations`: create, bulk create, list,
    /// list pending, list all, get, revoke. Accepting is Tessera's:
    /// [`Tessera::organization_invitations`].
    pub fn organization_invitations(&self) -> OrganizationInvitations<'_> {
        OrganizationInvitations::new(self)
    }

    /// `/jwt_templates`: create, list, get, update, delete.
    pub fn jwt_templates(&self) -> JwtTemplates<'_> {
        JwtTemplates::new(self)
    }

    /// `/machines`: machines, their scopes and secret keys.
    pub fn machines(&self) -> Machines<'_> {
        Machines::new(self)
    }

    /// `/m2m_tokens`: machine-to-machine tokens (made with a machine's secret key).
    pub fn m2m_tokens(&self) -> M2MTokens<'_> {
        M2MTokens::new(self)
    }

    /// `/api_keys`: API keys of users, organizations and machines.
    pub fn api_keys(&self) -> ApiKeys<'_> {
        ApiKeys::new(self)
    }

    /// `/jwks`: the instance's public keys.
    pub fn jwks(&self) -> Jwks<'_> {
        Jwks::new(self)
    }

    /// Tessera's own extensions (`/v1/tessera/…`, e.g. [`Tessera::session_claims`]), which
    /// Clerk's Backend API does not have.
    pub fn tessera(&self) -> Tessera<'_> {
        Tessera::new(self)
    }

    /// The [`Verifier`] of this client: keys from `<base URL>/v1/jwks`, fetched with this client's
    /// secret key and cached (see [`Verifier`]). Clone it to keep it beyond the client.
    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }

    /// Verifies a token with the keys of the server this client talks to (see [`Verifier`]).
    ///
    /// ```no_run
    /// # async fn example(client: &tessera_client::Client, jwt: &str) -> Result<(), tessera_client::Error> {
    /// use tessera_client::VerifyOptions;
    ///
    /// let verified = client.verify_token(jwt, &VerifyOptions::default()).await?;
    /// println!("user {} in session {:?}", verified.claims.sub, verified.claims.sid);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn verify_token(
        &self,
        jwt: &str,
        options: &VerifyOptions,
    ) -> std::result::Result<VerifiedToken, VerifyError> {
        self.inner.verifier.verify_token(jwt, options).await
    }

    // ---- the request pipeline ---------------------------------------------------------------

    /// Sends `req`, retrying as documented on [`Client`], and decodes a 2xx answer as `T`.
    pub(crate) async fn call<T: DeserializeOwned>(&self, req: Request) -> Result<T> {
        let url = self.url(&req);
        let idempotent = matches!(req.method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE);
        let mut attempt: u32 = 0;
        loop {
            let retry_delay = match self.send_once(&req, url.clone()).await {
                Ok((status, headers, body)) => {
                    if status.is_success() {
                        return serde_json::from_slice(&body)
                            .map_err(|source| Error::Decode { status: status.as_u16(), source });
                    }
                    let retryable = status == StatusCode::TOO_MANY_REQUESTS
                        || (idempotent && matches!(status.as_u16(), 500 | 502 | 503 | 504));
                    if !retryable || attempt >= self.inner.max_retries {
                        return Err(error_from_response(status, &headers, &body));
                    }
                    retry_after(&headers)
                        .map(|d| d.min(self.inner.max_retry_delay))
                        .unwrap_or_else(|| self.backoff(attempt))
                }
                Err(e) => {
                    let retryable = e.is_connect() || (idempotent && !e.is_builder());
                    if !retryable || attempt >= self.inner.max_retries {
                        return Err(Error::Transport(e));
                    }
                    self.backoff(attempt)
                }
            };
            self.inner.sleeper.sleep(retry_delay).await;
            attempt += 1;
        }
    }

    fn url(&self, req: &Request) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.extend(&req.path);
        }
        if !req.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &req.query {
                pairs.append_pair(k, v);
            }
        }
        url
    }

    async fn send_once(
        &self,
        req: &Request,
        url: Url,
    ) -> std::result::Result<(StatusCode, HeaderMap, Vec<u8>), reqwest::Error> {
        let mut builder = self
            .inner
            .http
            .request(req.method.clone(), url)
            .header(header::AUTHORIZATION, req.auth.clone().unwrap_or_else(|| self.inner.auth.clone()))
            .header(header::ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(v) = &self.inner.api_version {
            builder = builder.header("Clerk-API-Version", v.clone());
        }
        if let Some(body) = &req.body {
            builder =
                builder.header(header::CONTENT_TYPE, HeaderValue::from_static("application/json")).body(body.clone());
        }
        let resp = builder.send().await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.bytes().await?.to_vec();
        Ok((status, headers, body))
    }

    /// `base · 2^attempt`, capped, with jitter in `[d/2, d]`.
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.inner.retry_base_delay;
        let full = base.saturating_mul(1u32 << attempt.min(16)).min(self.inner.max_retry_delay);
        let half = full / 2;
        let random = u64::from_le_bytes(tessera_jwt::random_bytes::<8>());
        let span = half.as_nanos().max(1) as u64;
        half + Duration::from_nanos(random % span)
    }
}

/// `Retry-After: <seconds>` (the HTTP-date form is not used by Clerk and is ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    let secs: f64 = v.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

fn error_from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    match serde_json::from_slice::<ClerkErrors>(body) {
        Ok(envelope) => {
            let header_trace = ["clerk-trace-id", "x-clerk-trace-id"]
                .into_iter()
                .find_map(|h| headers.get(h)?.to_str().ok().map(str::to_owned));
            Error::Api {
                status: status.as_u16(),
                errors: envelope.errors,
                clerk_trace_id: envelope.clerk_trace_id.or(header_trace),
            }
        }
        Err(_) => Error::UnexpectedResponse { status: status.as_u16(), body: excerpt(body) },
    }
}

/// One API call, before it is sent: method, path segments after `/v1`, query pairs, JSON body.
/// `Debug` shows the body's size only: it may hold a password or a signing key.
#[derive(Clone)]
pub(crate) struct Request {
    method: Method,
    path: Vec<String>,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    /// `Authorization` for this request instead of the client's secret key (a machine's key).
    auth: Option<HeaderValue>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body_bytes", &self.body.as_ref().map(Vec::len))
            .field("auth", &self.auth.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Request {
    pub(crate) fn new<S: AsRef<str>>(method: Method, path: &[S]) -> Request {
        Request {
            method,
            path: path.iter().map(|s| s.as_ref().to_owned()).collect(),
            query: Vec::new(),
            body: None,
            auth: None,
        }
    }

    /// Authenticates this request with `key` (a machine's secret key) instead of the client's key.
    pub(crate) fn bearer(mut self, key: &str) -> Result<Request> {
        let mut v = HeaderValue::from_str(&format!("Bearer {key}"))
            .map_err(|_| Error::Config("the machine secret key is not a valid header value".to_owned()))?;
        v.set_sensitive(true);
        self.auth = Some(v);
        Ok(self)
    }

    pub(crate) fn get<S: AsRef<str>>(path: &[S]) -> Request {
        Self::new(Method::GET, path)
    }

    pub(crate) fn post<S: AsRef<str>>(path: &[S]) -> Request {
        Self::new(Method::POST, path)
    }

    pub(crate) fn patch<S: AsRef<str>>(path: &[S]) -> Request {
        Self::new(Method::PATCH, path)
    }

    pub(crate) fn put<S: AsRef<str>>(path: &[S]) -> Request {
        Self::new(Method::PUT, path)
    }

    pub(crate) fn delete<S: AsRef<str>>(path: &[S]) -> Request {
        Self::new(Method::DELETE, path)
    }

    pub(crate) fn query(mut self, pairs: Vec<(String, String)>) -> Request {
        self.query.extend(pairs);
        self
    }

    /// Adds a JSON body.
    pub(crate) fn json<B: Serialize>(mut self, body: &B) -> Result<Request> {
        let bytes =
            serde_json::to_vec(body).map_err(|e| Error::Config(format!("serializing the request body: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Adds a JSON body when there is one; `None` sends no body at all.
    pub(crate) fn json_opt<B: Serialize>(self, body: Option<&B>) -> Result<Request> {
        match body {
            Some(b) => self.json(b),
            None => Ok(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_get_exactly_one_v1() {
        for (input, want) in [
            ("https://api.clerk.com", "https://api.clerk.com/v1"),
            ("https://api.clerk.com/", "https://api.clerk.com/v1"),
            ("https://api.clerk.com/v1", "https://api.clerk.com/v1"),
            ("https://api.clerk.com/v1/", "https://api.clerk.com/v1"),
            ("http://127.0.0.1:8080/prefix", "http://127.0.0.1:8080/prefix/v1"),
            ("http://h/prefix//v1?x=1#f", "http://h/prefix/v1"),
        ] {
            assert_eq!(normalize_base_url(input).unwrap().as_str(), want, "{input}");
        }
        assert!(normalize_base_url("ftp://x").is_err());
        assert!(normalize_base_url("not a url").is_err());
    }

    #[test]
    fn path_segments_are_escaped() {
        let c = Client::new("http://h", "sk_test_x").unwrap();
        let url =
            c.url(&Request::post(&["sessions", "sess_1", "tokens", "a b/c?"]).query(vec![("k".into(), "v w".into())]));
        assert_eq!(url.as_str(), "http://h/v1/sessions/sess_1/tokens/a%20b%2Fc%3F?k=v+w");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let c = Client::builder("http://h", "sk")
            .retry_base_delay(Duration::from_millis(100))
            .max_retry_delay(Duration::from_millis(350))
            .build()
            .unwrap();
        for _ in 0..20 {
            let d0 = c.backoff(0);
            assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100));
            let d1 = c.backoff(1);
            assert!(d1 >= Duration::from_millis(100) && d1 <= Duration::from_millis(200));
            let d5 = c.backoff(5);
            assert!(d5 >= Duration::from_millis(175) && d5 <= Duration::from_millis(350));
        }
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn debug_never_shows_the_secret_key() {
        let b = Client::builder("http://h", "sk_test_supersecret");
        let s = format!("{b:?}");
        assert!(!s.contains("supersecret"), "{s}");
        assert!(s.contains("sk_test_<redacted>"), "{s}");
    }
}
