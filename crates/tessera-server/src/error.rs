//! The one place a core [`ApiError`] becomes an HTTP response: Clerk's envelope, the status from the
//! error kind, a trace id in the body and the headers. 5xx causes are logged by the layer that saw
//! them and never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tessera_core::ApiError;
use tessera_types::{ClerkError, ClerkErrors};

/// A handler error.
#[derive(Debug)]
pub struct HttpError(pub ApiError);

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        HttpError(e)
    }
}

pub type HttpResult<T> = Result<T, HttpError>;

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        error_response(self.0)
    }
}

pub fn error_response(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let trace = tessera_jwt::random_hex(16);
    let retry_after = e.meta.get("retry_after").and_then(serde_json::Value::as_u64);
    let body = ClerkErrors {
        errors: vec![ClerkError {
            message: e.message,
            long_message: e.long_message,
            code: e.code.to_owned(),
            meta: e.meta,
        }],
        meta: Default::default(),
        clerk_trace_id: Some(trace.clone()),
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"errors\":[]}".to_vec());
    let mut resp = (status, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(&trace) {
        h.insert("clerk-trace-id", v.clone());
        h.insert("x-clerk-trace-id", v);
    }
    if let Some(secs) = retry_after {
        h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}
