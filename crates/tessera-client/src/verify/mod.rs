//! Networkless verification of session and template tokens.
//!
//! A [`Verifier`] holds a [`KeySource`] (a JWKS URL with a cache, a JWKS document, a PEM public
//! key or an HMAC secret) and checks tokens against [`VerifyOptions`]:
//!
//! 1. structure: three base64url segments, JSON header and payload; a `typ`, when present, must be
//!    `JWT`;
//! 2. algorithm: a known JWS `alg` (never `none`), allowed by the key's type (no HMAC with a
//!    public key, no RSA `alg` with an EC key, ...), and in [`VerifyOptions::algorithms`] when
//!    that is set;
//! 3. signature, before any claim is read;
//! 4. claims: `exp` required and `exp > now − skew`; `nbf ≤ now + skew` and `iat ≤ now + skew`
//!    when present; `sub` required; then `iss`, `aud` and `azp` when the options ask for them.
//!
//! Every failure is a [`VerifyError`] variant a caller can match on.

mod claims;
mod keys;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tessera_jwt::{Algorithm, JwtError, VerifyingKey};
use tessera_types::Jwks;
use tokio::sync::RwLock;

pub use claims::{Claims, OrgClaim, VerifiedToken};
use keys::{Cache, KeySet, Remote};

use crate::error::Redacted;

/// Default [`VerifyOptions::clock_skew`]: 5 s, as @clerk/backend.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(5);
/// Default time a fetched JWKS is trusted before it is fetched again: 5 minutes.
pub const DEFAULT_JWKS_CACHE_TTL: Duration = Duration::from_secs(300);
/// Default shortest time between two fetches caused by unknown `kid`s: 30 s.
pub const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(30);

/// Why a token was rejected.
///
/// ```
/// use tessera_client::VerifyError;
///
/// fn status_for(e: &VerifyError) -> u16 {
///     match e {
///         VerifyError::KeyFetch(_) => 503,
///         VerifyError::Expired { .. } | VerifyError::NotYetValid { .. } => 401,
///         _ => 401,
///     }
/// }
/// # let _ = status_for;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// Not a compact JWS with a JSON header and payload, or a header this verifier refuses
    /// (`crit`, a `typ` other than `JWT`, no `alg`).
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The header's `alg` is not a JWS algorithm this crate verifies (`none` included).
    #[error("unsupported algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The `alg` does not fit the key (HMAC `alg` with a public key, RSA `alg` with an EC key,
    /// an `alg` other than the JWK's own), or is not in [`VerifyOptions::algorithms`].
    #[error("the token's algorithm is not allowed for this key")]
    AlgorithmNotAllowed,
    /// No key has the token's `kid` (after one refetch, when the keys come from a URL and the
    /// last fetch is older than the refetch interval).
    #[error("no key with kid {0:?}")]
    UnknownKid(String),
    /// The JWKS could not be fetched or has no usable key.
    #[error("could not get the verification keys: {0}")]
    KeyFetch(String),
    /// The key given to the verifier cannot be used (a PEM that does not parse, an empty HMAC
    /// secret, a JWKS without a usable key).
    #[error("invalid verification key: {0}")]
    InvalidKey(String),
    /// The signature does not match.
    #[error("invalid signature")]
    BadSignature,
    /// `exp ≤ now − clock skew`.
    #[error("the token expired at {exp} (now {now})")]
    Expired {
        /// The token's `exp`, epoch seconds.
        exp: i64,
        /// The verifier's time, epoch seconds.
        now: i64,
    },
    /// `nbf > now + clock skew`.
    #[error("the token is not valid before {nbf} (now {now})")]
    NotYetValid {
        /// The token's `nbf`, epoch seconds.
        nbf: i64,
        /// The verifier's time, epoch seconds.
        now: i64,
    },
    /// `iat > now + clock skew`.
    #[error("the token was issued in the future, at {iat} (now {now})")]
    IssuedInFuture {
        /// The token's `iat`, epoch seconds.
        iat: i64,
        /// The verifier's time, epoch seconds.
        now: i64,
    },
    /// `iss` is not [`VerifyOptions::issuer`].
    #[error("issuer mismatch: expected {expected:?}, found {found:?}")]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The token's `iss`, if any.
        found: Option<String>,
    },
    /// None of the token's `aud` values is in [`VerifyOptions::audience`] (or it has none).
    #[error("audience mismatch: expected one of {expected:?}, found {found:?}")]
    AudienceMismatch {
        /// The configured audiences.
        expected: Vec<String>,
        /// The token's audiences.
        found: Vec<String>,
    },
    /// [`VerifyOptions::authorized_parties`] is set and the token's `azp` is missing or not
    /// listed.
    #[error("authorized party {found:?} is not allowed")]
    AuthorizedPartyMismatch {
        /// The token's `azp`, if any.
        found: Option<String>,
    },
    /// A required claim (`exp`, `sub`) is absent.
    #[error("the token has no {0} claim")]
    MissingClaim(&'static str),
    /// A claim has the wrong JSON type (`exp` not a number, `sub` not a string, `o` not an
    /// organization object, ...).
    #[error("the token's {0} claim is invalid")]
    InvalidClaim(&'static str),
    /// A JWT-format M2M token (header `cat: cl_B7d4PD333AAA`) given to a verification that did not
    /// ask for one ([`VerifyOptions::accept_m2m`]): a session-token verification refuses it.
    #[error("the token is an M2M token, not accepted here")]
    M2MTokenNotAccepted,
    /// [`VerifyOptions::accept_m2m`] is `Only` and the token is not an M2M token.
    #[error("the token is not an M2M token")]
    NotAnM2MToken,
}

/// `cat` header of JWT-format M2M tokens (@clerk/backend's `JWT_CATEGORY_M2M_TOKEN`).
pub const CAT_M2M_TOKEN: &str = "cl_B7d4PD333AAA";

/// Whether a verification takes JWT-format M2M tokens ([`VerifyOptions::accept_m2m`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AcceptM2M {
    /// Session and template tokens only; an M2M token is [`VerifyError::M2MTokenNotAccepted`]
    /// (the default, as @clerk/backend's `verifyToken`).
    #[default]
    No,
    /// M2M tokens only (`sub` is the machine, `scopes` the machines it may call).
    Only,
    /// Any token the keys verify.
    Also,
}

impl From<JwtError> for VerifyError {
    fn from(e: JwtError) -> Self {
        match e {
            JwtError::Malformed(m) => VerifyError::Malformed(m),
            JwtError::UnsupportedAlgorithm(a) => VerifyError::UnsupportedAlgorithm(a),
            JwtError::AlgorithmNotAllowed => VerifyError::AlgorithmNotAllowed,
            JwtError::BadSignature => VerifyError::BadSignature,
        }
    }
}

/// Where a [`Verifier`] gets its keys.
#[derive(Clone)]
pub enum KeySource {
    /// A JWKS fetched from `url` (Tessera's or Clerk's `…/v1/jwks`, or a public
    /// `/.well-known/jwks.json`), with `Authorization: Bearer <secret_key>` when given. Cached;
    /// see [`Verifier`].
    JwksUrl {
        /// The JWKS URL.
        url: String,
        /// The secret key to send, needed for `/v1/jwks`.
        secret_key: Option<String>,
    },
    /// A JWKS document you already have. Tokens must name one of its keys by `kid` (or the set
    /// must have keys without `kid`).
    Jwks(Jwks),
    /// A public key in PEM (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`): RSA, P-256, P-384 or
    /// Ed25519. Clerk calls the instance's one the "JWKS Public Key" (`CLERK_JWT_KEY`). The token's
    /// `kid` is not checked.
    PublicKeyPem(String),
    /// A shared secret for tokens of a template with a custom HMAC signing key.
    HmacSecret {
        /// `HS256`, `HS384` or `HS512`: the only algorithm accepted.
        alg: Algorithm,
        /// The secret bytes.
        secret: Vec<u8>,
    },
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::JwksUrl { url, secret_key } => f
                .debug_struct("JwksUrl")
                .field("url", url)
                .field("secret_key", &secret_key.as_deref().map(Redacted))
                .finish(),
            KeySource::Jwks(jwks) => f.debug_tuple("Jwks").field(jwks).finish(),
            KeySource::PublicKeyPem(pem) => f.debug_tuple("PublicKeyPem").field(pem).finish(),
            KeySource::HmacSecret { alg, .. } => {
                f.debug_struct("HmacSecret").field("alg", alg).field("secret", &"<redacted>").finish()
            }
        }
    }
}

/// A time source for verification: returns the current time as epoch seconds.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicI64, Ordering};
/// use tessera_client::Clock;
///
/// let now = Arc::new(AtomicI64::new(1_700_000_000));
/// let clock = Clock::new({
///     let now = now.clone();
///     move || now.load(Ordering::SeqCst)
/// });
/// assert_eq!(clock.now(), 1_700_000_000);
/// now.fetch_add(60, Ordering::SeqCst);
/// assert_eq!(clock.now(), 1_700_000_060);
/// ```
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    /// A clock reading `f`.
    pub fn new(f: impl Fn() -> i64 + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(f))
    }

    /// The system clock.
    pub fn system() -> Clock {
        Clock::new(system_now)
    }

    /// The current time, epoch seconds.
    pub fn now(&self) -> i64 {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock(..)")
    }
}

fn system_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)).unwrap_or(0)
}

/// What to check beyond the signature. `Default` checks only the signature and the times, with a
/// 5 s clock skew, like @clerk/backend's `verifyToken`.
///
/// ```
/// use std::time::Duration;
/// use tessera_client::VerifyOptions;
///
/// let options = VerifyOptions {
///     issuer: Some("https://clerk.example.com".into()),
///     authorized_parties: vec!["https://app.example.com".into()],
///     clock_skew: Duration::from_secs(10),
///     ..Default::default()
/// };
/// # let _ = options;
/// ```
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Allowed difference between the issuer's clock and ours, applied to `exp`, `nbf` and `iat`.
    /// Default 5 s.
    pub clock_skew: Duration,
    /// When set, `iss` must equal it. (@clerk/backend does not check `iss`.)
    pub issuer: Option<String>,
    /// When non-empty, the token's `aud` (a string or an array) must contain one of these. Unlike
    /// @clerk/backend, a token **without** `aud` is then rejected.
    pub audience: Vec<String>,
    /// When non-empty, `azp` must be present and one of these (as @clerk/backend). Tokens minted
    /// through the Backend API have no `azp`.
    pub authorized_parties: Vec<String>,
    /// When non-empty, only these algorithms are accepted (e.g. `[RS256]`, as @clerk/backend).
    /// Empty: any algorithm the key allows.
    pub algorithms: Vec<Algorithm>,
    /// A fixed "now" (epoch seconds) for the claim checks, for tests. Takes precedence over
    /// `clock`; does not affect the JWKS cache.
    pub now: Option<i64>,
    /// The clock for the claim checks (when `now` is `None`) and for the JWKS cache. Default: the
    /// system clock.
    pub clock: Option<Clock>,
    /// Whether JWT-format M2M tokens (header `cat: cl_B7d4PD333AAA`) are accepted. Default
    /// [`AcceptM2M::No`]: a session-token verification refuses them. Opaque M2M tokens (`mt_…`)
    /// and revocation need the server: [`M2MTokens::verify`](crate::resources::M2MTokens::verify).
    pub accept_m2m: AcceptM2M,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            clock_skew: DEFAULT_CLOCK_SKEW,
            issuer: None,
            audience: Vec::new(),
            authorized_parties: Vec::new(),
            algorithms: Vec::new(),
            now: None,
            clock: None,
            accept_m2m: AcceptM2M::No,
        }
    }
}

impl VerifyOptions {
    fn clock_now(&self) -> i64 {
        self.clock.as_ref().map_or_else(system_now, Clock::now)
    }

    fn claims_now(&self) -> i64 {
        self.now.unwrap_or_else(|| self.clock_now())
    }
}

/// Verifies tokens with keys from one [`KeySource`]. Cheap to clone; clones share the JWKS cache.
///
/// With [`KeySource::JwksUrl`], keys are fetched on first use and cached for
/// [`VerifierBuilder::cache_ttl`] (default 5 minutes). A token whose `kid` is not in the cache
/// causes a refetch (that is how key rotation is picked up), but at most once per
/// [`VerifierBuilder::min_refetch_interval`] (default 30 s), so tokens with made-up `kid`s cannot
/// turn into a flood of requests. If a refresh fails, the keys of the last successful fetch keep
/// verifying until one succeeds. One fetch runs at a time.
///
/// ```no_run
/// # async fn example(jwt: &str) -> Result<(), tessera_client::VerifyError> {
/// use tessera_client::{KeySource, Verifier, VerifyOptions};
///
/// let verifier = Verifier::new(KeySource::JwksUrl {
///     url: "https://api.clerk.com/v1/jwks".into(),
///     secret_key: Some(std::env::var("CLERK_SECRET_KEY").unwrap_or_default()),
/// })?;
/// let token = verifier.verify_token(jwt, &VerifyOptions::default()).await?;
/// println!("user {}", token.claims.sub);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Verifier {
    keys: Arc<Keys>,
}

enum Keys {
    Static(KeySet),
    Remote(Remote),
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.keys {
            Keys::Static(set) => f.debug_struct("Verifier").field("keys", set).finish(),
            Keys::Remote(r) => f
                .debug_struct("Verifier")
                .field("jwks_url", &r.url)
                .field("cache_ttl", &r.ttl)
                .field("min_refetch_interval", &r.min_refetch_interval)
                .finish_non_exhaustive(),
        }
    }
}

/// Configures a [`Verifier`]; start from [`Verifier::builder`].
#[derive(Debug)]
#[must_use]
pub struct VerifierBuilder {
    source: KeySource,
    cache_ttl: Duration,
    min_refetch_interval: Duration,
    http: Option<reqwest::Client>,
    timeout: Duration,
}

impl VerifierBuilder {
    /// How long a fetched JWKS is used before it is fetched again. Default 5 minutes.
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache_ttl = ttl;
        self
    }

    /// The shortest time between two fetches triggered by unknown `kid`s (or failed fetches).
    /// Default 30 s.
    pub fn min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch_interval = interval;
        self
    }

    /// Timeout of a JWKS fetch (ignored with [`VerifierBuilder::http_client`]). Default 10 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Fetches with this `reqwest` client.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Parses static keys now (so a bad PEM fails here, with [`VerifyError::InvalidKey`]) and, for
    /// a URL, prepares the HTTP client. Nothing is fetched yet.
    pub fn build(self) -> Result<Verifier, VerifyError> {
        let keys = match self.source {
            KeySource::JwksUrl { url, secret_key } => {
                let http = match self.http {
                    Some(h) => h,
                    None => crate::http::build_http_client(self.timeout, &crate::http::default_user_agent())
                        .map_err(VerifyError::KeyFetch)?,
                };
                Keys::Remote(Remote {
                    url,
                    secret_key,
                    http,
                    ttl: self.cache_ttl,
                    min_refetch_interval: self.min_refetch_interval,
                    cache: RwLock::new(Cache::default()),
                })
            }
            KeySource::Jwks(jwks) => Keys::Static(KeySet::from_jwks(&jwks).map_err(VerifyError::InvalidKey)?),
            KeySource::PublicKeyPem(pem) => Keys::Static(KeySet::single(
                VerifyingKey::from_public_pem(&pem).map_err(|e| VerifyError::InvalidKey(e.to_string()))?,
            )),
            KeySource::HmacSecret { alg, secret } => Keys::Static(KeySet::single(
                VerifyingKey::from_hmac_secret(alg, &secret).map_err(|e| VerifyError::InvalidKey(e.to_string()))?,
            )),
        };
        Ok(Verifier { keys: Arc::new(keys) })
    }
}

impl Verifier {
    /// A verifier with the default cache settings.
    ///
    /// ```
    /// use tessera_client::{KeySource, Verifier};
    ///
    /// let verifier = Verifier::new(KeySource::HmacSecret {
    ///     alg: tessera_jwt::Algorithm::HS256,
    ///     secret: b"a shared secret of enough length".to_vec(),
    /// })?;
    /// # let _ = verifier;
    /// # Ok::<(), tessera_client::VerifyError>(())
    /// ```
    pub fn new(source: KeySource) -> Result<Verifier, VerifyError> {
        Self::builder(source).build()
    }

    /// Starts configuring a verifier.
    pub fn builder(source: KeySource) -> VerifierBuilder {
        VerifierBuilder {
            source,
            cache_ttl: DEFAULT_JWKS_CACHE_TTL,
            min_refetch_interval: DEFAULT_MIN_REFETCH_INTERVAL,
            http: None,
            timeout: Duration::from_secs(10),
        }
    }

    /// Verifies `jwt`: structure, algorithm, signature, then claims per `options`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use serde_json::json;
    /// use tessera_client::{KeySource, Verifier, VerifyError, VerifyOptions};
    /// use tessera_jwt::{Algorithm, SigningKey};
    ///
    /// let key = SigningKey::generate(Algorithm::ES256)?;
    /// let claims = json!({"sub": "user_1", "iat": 1_000, "exp": 1_060});
    /// let jwt = tessera_jwt::encode(&Default::default(), claims.as_object().unwrap(), &key)?;
    ///
    /// let verifier = Verifier::new(KeySource::PublicKeyPem(key.public_key_pem().unwrap()))?;
    /// let at = |now| VerifyOptions { now: Some(now), ..Default::default() };
    ///
    /// let ok = verifier.verify_token(&jwt, &at(1_030)).await?;
    /// assert_eq!(ok.claims.sub, "user_1");
    ///
    /// let late = verifier.verify_token(&jwt, &at(1_070)).await;
    /// assert_eq!(late.unwrap_err(), VerifyError::Expired { exp: 1_060, now: 1_070 });
    /// # Ok(())
    /// # }
    /// ```
    pub async fn verify_token(&self, jwt: &str, options: &VerifyOptions) -> Result<VerifiedToken, VerifyError> {
        let jwt = jwt.trim();
        let decoded = tessera_jwt::decode_unverified(jwt)?;
        let alg = match decoded.header.get("alg") {
            None => return Err(VerifyError::Malformed("the header has no alg".into())),
            Some(Value::String(name)) => Algorithm::parse(name)
                .ok_or_else(|| VerifyError::UnsupportedAlgorithm(name.chars().take(32).collect()))?,
            Some(_) => return Err(VerifyError::Malformed("the header's alg is not a string".into())),
        };
        match decoded.header.get("typ") {
            None => {}
            Some(Value::String(t)) if t.eq_ignore_ascii_case("JWT") => {}
            Some(other) => {
                return Err(VerifyError::Malformed(format!("the header's typ is {other}, not \"JWT\"")));
            }
        }
        if !options.algorithms.is_empty() && !options.algorithms.contains(&alg) {
            return Err(VerifyError::AlgorithmNotAllowed);
        }
        let m2m = decoded.header.get("cat").and_then(Value::as_str) == Some(CAT_M2M_TOKEN);
        match (options.accept_m2m, m2m) {
            (AcceptM2M::No, true) => return Err(VerifyError::M2MTokenNotAccepted),
            (AcceptM2M::Only, false) => return Err(VerifyError::NotAnM2MToken),
            _ => {}
        }
        let kid = decoded.kid.as_deref();
        let candidates = match &*self.keys {
            Keys::Static(set) => {
                set.candidates(kid).ok_or_else(|| VerifyError::UnknownKid(kid.unwrap_or_default().to_owned()))?
            }
            Keys::Remote(remote) => remote.candidates(kid, options.clock_now()).await?,
        };
        let verified = verify_with_any(jwt, &candidates)?;
        let claims = Claims::from_map(verified.claims)?;
        check_claims(&claims, options)?;
        Ok(VerifiedToken { header: verified.header, claims })
    }

    /// How many times the JWKS was fetched (0 for static keys). Useful in tests and metrics.
    pub async fn jwks_fetch_count(&self) -> u64 {
        match &*self.keys {
            Keys::Static(_) => 0,
            Keys::Remote(r) => r.fetch_count().await,
        }
    }

    /// Forgets the cached JWKS, so the next verification fetches it again.
    pub async fn clear_cache(&self) {
        if let Keys::Remote(r) = &*self.keys {
            r.clear().await;
        }
    }
}

/// Tries each candidate key; the first that verifies wins. With several candidates, a bad
/// signature is reported if any key allowed the algorithm.
fn verify_with_any(jwt: &str, keys: &[Arc<VerifyingKey>]) -> Result<tessera_jwt::Decoded, VerifyError> {
    let mut error = None;
    for key in keys {
        match tessera_jwt::verify(jwt, key) {
            Ok(decoded) => return Ok(decoded),
            Err(JwtError::AlgorithmNotAllowed) => {
                error.get_or_insert(VerifyError::AlgorithmNotAllowed);
            }
            Err(e) => {
                let e = VerifyError::from(e);
                if error.is_none() || error == Some(VerifyError::AlgorithmNotAllowed) {
                    error = Some(e);
                }
            }
        }
    }
    Err(error.unwrap_or_else(|| VerifyError::UnknownKid(String::new())))
}

fn check_claims(claims: &Claims, options: &VerifyOptions) -> Result<(), VerifyError> {
    let now = options.claims_now();
    let skew = i64::try_from(options.clock_skew.as_secs()).unwrap_or(i64::MAX);
    if claims.exp <= now.saturating_sub(skew) {
        return Err(VerifyError::Expired { exp: claims.exp, now });
    }
    if let Some(nbf) = claims.nbf
        && nbf > now.saturating_add(skew)
    {
        return Err(VerifyError::NotYetValid { nbf, now });
    }
    if let Some(iat) = claims.iat
        && iat > now.saturating_add(skew)
    {
        return Err(VerifyError::IssuedInFuture { iat, now });
    }
    if let Some(expected) = &options.issuer
        && claims.iss.as_deref() != Some(expected.as_str())
    {
        return Err(VerifyError::IssuerMismatch { expected: expected.clone(), found: claims.iss.clone() });
    }
    if !options.audience.is_empty() {
        let found = claims.audiences();
        if !found.iter().any(|a| options.audience.iter().any(|e| e == a)) {
            return Err(VerifyError::AudienceMismatch {
                expected: options.audience.clone(),
                found: found.into_iter().map(str::to_owned).collect(),
            });
        }
    }
    if !options.authorized_parties.is_empty()
        && !claims.azp.as_ref().is_some_and(|azp| options.authorized_parties.contains(azp))
    {
        return Err(VerifyError::AuthorizedPartyMismatch { found: claims.azp.clone() });
    }
    Ok(())
}

/// Verifies `jwt` with a one-off [`Verifier`] for `key`: fine for static keys (PEM, JWKS document,
/// HMAC secret). With [`KeySource::JwksUrl`] this fetches the JWKS on every call; keep a
/// [`Verifier`] instead.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use serde_json::json;
/// use tessera_client::{KeySource, VerifyOptions, verify_token};
/// use tessera_jwt::{Algorithm, SigningKey};
///
/// let secret = b"0123456789abcdef0123456789abcdef".to_vec();
/// let key = SigningKey::from_hmac_secret(Algorithm::HS256, &secret)?;
/// let claims = json!({"sub": "user_1", "exp": 4_000_000_000_i64});
/// let jwt = tessera_jwt::encode(&Default::default(), claims.as_object().unwrap(), &key)?;
///
/// let source = KeySource::HmacSecret { alg: Algorithm::HS256, secret };
/// let verified = verify_token(&jwt, &source, &VerifyOptions::default()).await?;
/// assert_eq!(verified.claims.sub, "user_1");
/// # Ok(())
/// # }
/// ```
pub async fn verify_token(jwt: &str, key: &KeySource, options: &VerifyOptions) -> Result<VerifiedToken, VerifyError> {
    Verifier::new(key.clone())?.verify_token(jwt, options).await
}
