//! Request extractors that turn every malformed input into a Clerk error: JSON bodies (empty allowed),
//! oversized bodies (413), wrong content types (415), query strings with repeated keys, and NUL
//! characters in the path or query.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use tessera_core::fields::Fields;
use tessera_core::query::QueryParams;
use tessera_core::{ApiError, ErrorKind};

use crate::error::HttpError;

/// A JSON object body, read field by field by the core. An empty body reads as `{}`.
pub struct Body(pub Fields);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Body(match read(req, state).await? {
            Read::Empty => Fields::default(),
            Read::Form(value) => Fields::from_value(Some(value))?,
            Read::Json(bytes) => Fields::from_bytes(&bytes)?,
        }))
    }
}

/// A JSON array of objects (the bulk operations), each read field by field by the core. Anything else,
/// an empty body included, is `request_body_invalid`.
pub struct BodyList(pub Vec<Fields>);

impl<S: Send + Sync> FromRequest<S> for BodyList {
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        const NOT_A_LIST: &str = "The request body is invalid. It must be a JSON array of objects. Please consult the API documentation for more information.";
        let bytes = match read(req, state).await? {
            Read::Json(bytes) => bytes,
            Read::Empty | Read::Form(_) => return Err(HttpError(ApiError::body_invalid(NOT_A_LIST))),
        };
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            HttpError(ApiError::body_invalid(format!(
                "The request body is invalid: malformed JSON at line {} column {}. Please consult the API documentation for more information.",
                e.line(),
                e.column()
            )))
        })?;
        let serde_json::Value::Array(items) = value else {
            return Err(HttpError(ApiError::body_invalid(NOT_A_LIST)));
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if !item.is_object() {
                return Err(HttpError(ApiError::body_invalid(NOT_A_LIST)));
            }
            out.push(Fields::from_value(Some(item))?);
        }
        Ok(BodyList(out))
    }
}

/// A request body as read: empty, form-encoded (as a JSON object of strings), or JSON text.
enum Read {
    Empty,
    Form(serde_json::Value),
    Json(Bytes),
}

/// What a request's `Content-Type` says of its body.
enum Declared {
    /// JSON (`application/json`, `…+json`) or nothing at all: read as JSON.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// Anything else (lowercased, without parameters): JSON if the body looks like it, else 415.
    Other(String),
}

fn declared(req: &Request) -> Declared {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else { return Declared::Json };
    // A value that is not visible ASCII says nothing readable: read JSON, as without one.
    let Ok(value) = value.to_str() else { return Declared::Json };
    let essence = value.split(';').next().unwrap_or("").trim();
    let is = |name: &str| essence.eq_ignore_ascii_case(name);
    if essence.is_empty() || is("application/json") {
        Declared::Json
    } else if is("application/x-www-form-urlencoded") {
        Declared::Form
    } else {
        Declared::Other(essence.to_ascii_lowercase())
    }
}

/// Reads the body, checking its size and content type.
async fn read<S: Send + Sync>(req: Request, state: &S) -> Result<Read, HttpError> {
    let declared = declared(&req);
    let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HttpError(ApiError::new(
                ErrorKind::PayloadTooLarge,
                "request_body_too_large",
                "Request body too large",
                "The request body is larger than this server accepts.",
            ))
        } else {
            HttpError(ApiError::body_invalid("The request body could not be read."))
        }
    })?;
    // An empty body, and the empty object most clients send with a POST that needs nothing, need
    // no parsing.
    let text = bytes.trim_ascii();
    if text.is_empty() || (text == b"{}" && !matches!(declared, Declared::Form)) {
        return Ok(Read::Empty);
    }
    let looks_like_json = matches!(text.first(), Some(b'{' | b'['));
    match declared {
        // JSON, or a client that did not say: read JSON.
        Declared::Json => {}
        Declared::Other(ct) if ct.ends_with("+json") || looks_like_json => {}
        // Clerk's Backend API also takes form-encoded bodies; their values are strings.
        Declared::Form => return Ok(Read::Form(form_to_json(&bytes))),
        Declared::Other(ct) => {
            return Err(HttpError(ApiError::new(
                ErrorKind::UnsupportedMediaType,
                "unsupported_content_type",
                "Unsupported Content-Type",
                format!("Content-Type {ct} is unsupported. You should use application/json instead."),
            )));
        }
    }
    Ok(Read::Json(bytes))
}

/// The query string as a list of pairs.
pub struct Query(pub QueryParams);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let pairs: Vec<(String, String)> = parts
            .uri
            .query()
            .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        // Nothing is named with a NUL character, and PostgreSQL cannot compare text holding one.
        let has_nul = |(k, v): &&(String, String)| k.contains('\0') || v.contains('\0');
        if let Some((key, _)) = pairs.iter().find(has_nul) {
            return Err(HttpError(ApiError::param_value(
                key,
                format!("{} must not contain NUL characters.", key.replace('\0', "")),
            )));
        }
        Ok(Query(QueryParams::new(pairs)))
    }
}

/// The answer to a path with a NUL byte (`%00`): it names nothing (`feed::around_handlers`).
pub(crate) fn nul_in_path() -> Response {
    HttpError(ApiError::not_found("not found", "The requested resource was not found.")).into_response()
}

/// `a=1&b=x&b=y&c[]=z` → `{"a":"1","b":["x","y"],"c":["z"]}`.
fn form_to_json(bytes: &[u8]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (k, v) in url::form_urlencoded::parse(bytes) {
        let (key, is_list) = match k.strip_suffix("[]") {
            Some(base) => (base.to_owned(), true),
            None => (k.into_owned(), false),
        };
        let v = serde_json::Value::String(v.into_owned());
        match map.get_mut(&key) {
            Some(serde_json::Value::Array(items)) => items.push(v),
            Some(existing) => {
                let first = existing.take();
                *existing = serde_json::Value::Array(vec![first, v]);
            }
            None if is_list => {
                map.insert(key, serde_json::Value::Array(vec![v]));
            }
            None => {
                map.insert(key, v);
            }
        }
    }
    serde_json::Value::Object(map)
}
