//! Secret-key authentication for `/v1`: `Authorization: Bearer sk_…`, checked against stored hashes
//! in constant time, or, on the M2M token routes, a machine's secret key (the request then carries
//! [`MachineCaller`]). Also validates `Clerk-API-Version` when sent.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use tessera_core::{ApiError, ErrorKind};
use tower::{Layer, Service};

use crate::error::error_response;
use crate::metrics::Timer;
use crate::ratelimit::too_many;
use crate::state::AppState;

/// The machine a request was authenticated as (its secret key), set by [`SecretKeyLayer`] on
/// the M2M token routes; absent when an instance secret key authenticated it.
#[derive(Clone)]
pub struct MachineCaller(pub Arc<tessera_core::store::MachineRecord>);

/// The routes a machine's secret key may call: `/m2m_tokens…` (under `/v1` or, as @clerk/backend
/// calls them, at the root).
fn is_m2m_path(path: &str) -> bool {
    let path = path.strip_prefix("/v1").unwrap_or(path);
    path == "/m2m_tokens" || path.starts_with("/m2m_tokens/")
}

/// `Clerk-API-Version`, named once: a header looked up by a string is parsed and validated as a
/// header name on every lookup.
static CLERK_API_VERSION: header::HeaderName = header::HeaderName::from_static("clerk-api-version");

fn format_invalid() -> ApiError {
    ApiError::new(
        ErrorKind::Unauthorized,
        "authorization_header_format_invalid",
        "Invalid Authorization header format",
        "Invalid Authorization header format. Must be 'Bearer <YOUR_API_KEY>'",
    )
}

fn key_invalid() -> ApiError {
    let m = "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.";
    ApiError::new(ErrorKind::Unauthorized, "clerk_key_invalid", m, m)
}

/// `YYYY-MM-DD`.
fn valid_api_version(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// The peer address of the connection (proxies' forwarding headers are not trusted); without one
/// (a router driven in-process) every request counts as the unspecified address.
pub fn client_addr(req: &Request) -> IpAddr {
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Checks the request's secret key (and `Clerk-API-Version`): the request to pass on (carrying
/// [`MachineCaller`] when a machine's key opened an M2M token route), or the answer refusing it.
pub(crate) async fn check_secret_key(state: &AppState, req: Request) -> Result<Request, Response> {
    let addr = client_addr(&req);
    // An address that has spent its failed attempts is refused even with a valid key, so a guess
    // made over the limit tells nothing.
    if let Some(wait) = state.failed_auth.blocked(addr) {
        state.metrics.rate_limited("failed_auth");
        return Err(error_response(too_many(wait)));
    }
    let failed = |e: ApiError| {
        // Every failed attempt spends a token of this address.
        if let Err(wait) = state.failed_auth.take(addr) {
            state.metrics.rate_limited("failed_auth");
            return error_response(too_many(wait));
        }
        error_response(e)
    };
    let Some(value) = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Err(failed(format_invalid()));
    };
    let Some(key) = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).map(str::trim) else {
        return Err(failed(format_invalid()));
    };
    if key.is_empty() {
        return Err(failed(format_invalid()));
    }
    let (digest, machine) = match state.app.authenticate_secret(key).await {
        Ok(Some(digest)) => (digest, None),
        // A machine's secret key opens the M2M token routes only.
        Ok(None) if is_m2m_path(req.uri().path()) => {
            let digest = tessera_jwt::sha256(key.as_bytes());
            match state.app.authenticate_machine_hash(&tessera_jwt::hex_lower(&digest)).await {
                Ok(Some(machine)) => (digest, Some(machine)),
                Ok(None) => return Err(failed(key_invalid())),
                Err(e) => return Err(error_response(e)),
            }
        }
        Ok(None) => return Err(failed(key_invalid())),
        Err(e) => return Err(error_response(e)),
    };
    let mut req = req;
    if let Some(machine) = machine {
        req.extensions_mut().insert(MachineCaller(Arc::new(machine)));
    }
    if let Err(wait) = state.per_key.take(digest) {
        state.metrics.rate_limited("per_key");
        return Err(error_response(too_many(wait)));
    }
    // An empty value is no version, as an empty query parameter is no value elsewhere.
    let header_version =
        req.headers().get(&CLERK_API_VERSION).and_then(|v| v.to_str().ok()).filter(|v| !v.trim().is_empty());
    let query_version = req.uri().query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, v)| k == "__clerk_api_version" && !v.trim().is_empty())
            .map(|(_, v)| v.into_owned())
    });
    let bad_version = |reason: String| {
        error_response(ApiError::new(
            ErrorKind::BadRequest,
            "api_version_invalid",
            "invalid API version",
            format!("Invalid Clerk API version: {reason}"),
        ))
    };
    let version = match (header_version, query_version) {
        (Some(_), Some(_)) => {
            return Err(bad_version(
                "give it either as the Clerk-API-Version header or as __clerk_api_version, not both".into(),
            ));
        }
        (Some(v), None) => Some(v.to_owned()),
        (None, v) => v,
    };
    if let Some(v) = version
        && !valid_api_version(&v)
    {
        return Err(bad_version(format!("'{v}' is not a date of the form YYYY-MM-DD")));
    }
    Ok(req)
}

/// The one layer of `/.well-known/*`: counted and timed, limited per client address.
pub async fn limit_well_known(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let timer = Timer::start(&req);
    let resp = match state.well_known.take(client_addr(&req)) {
        Err(wait) => {
            state.metrics.rate_limited("well_known");
            error_response(too_many(wait))
        }
        Ok(()) => next.run(req).await,
    };
    timer.finish(&state.metrics, &resp);
    resp
}

/// The one layer of the secret-key routes (`/v1`, and the unversioned M2M token and API key
/// routes): counted and timed, authenticated, then the change feed and the webhook wake-up around
/// the handler (`feed::around_handlers`). One layer rather than three, and a tower layer of its own
/// rather than `middleware::from_fn`, which per request also clones the state once more, boxes the
/// rest of the stack into a `Next` and calls it through one more vtable: each costs every request.
#[derive(Clone)]
pub struct SecretKeyLayer(pub Arc<AppState>);

impl<S> Layer<S> for SecretKeyLayer {
    type Service = SecretKeyService<S>;

    fn layer(&self, inner: S) -> SecretKeyService<S> {
        SecretKeyService { state: self.0.clone(), inner }
    }
}

/// [`SecretKeyLayer`] around one route.
#[derive(Clone)]
pub struct SecretKeyService<S> {
    state: Arc<AppState>,
    inner: S,
}

impl<S> Service<Request> for SecretKeyService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let state = self.state.clone();
        // The inner service was made ready for this call: take it and leave a clone for the next.
        let ready = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, ready);
        Box::pin(async move {
            let timer = Timer::start(&req);
            let resp = match check_secret_key(&state, req).await {
                Ok(req) => crate::feed::around_handlers(&state, req, inner).await,
                Err(refused) => refused,
            };
            timer.finish(&state.metrics, &resp);
            Ok(resp)
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn api_versions_are_dates() {
        assert!(super::valid_api_version("2025-11-10"));
        assert!(!super::valid_api_version("2025-11-1"));
        assert!(!super::valid_api_version("latest"));
    }
}
