//! The one error type of the core, shaped like one entry of Clerk's error envelope. The server maps
//! [`ErrorKind`] to an HTTP status in exactly one place.

use serde_json::{Map, Value};

use crate::store::StoreError;

/// Which family of HTTP status an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 400
    BadRequest,
    /// 401
    Unauthorized,
    /// 403
    Forbidden,
    /// 404
    NotFound,
    /// 409
    Conflict,
    /// 413
    PayloadTooLarge,
    /// 415
    UnsupportedMediaType,
    /// 422
    Unprocessable,
    /// 429
    TooManyRequests,
    /// 500: the cause is logged, never sent.
    Internal,
    /// 503
    Unavailable,
}

impl ErrorKind {
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::PayloadTooLarge => 413,
            ErrorKind::UnsupportedMediaType => 415,
            ErrorKind::Unprocessable => 422,
            ErrorKind::TooManyRequests => 429,
            ErrorKind::Internal => 500,
            ErrorKind::Unavailable => 503,
        }
    }
}

/// One Clerk-style error: `{message, long_message, code, meta}`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {long_message}")]
pub struct ApiError {
    pub kind: ErrorKind,
    pub code: &'static str,
    pub message: String,
    pub long_message: String,
    pub meta: Map<String, Value>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>, long: impl Into<String>) -> Self {
        ApiError { kind, code, message: message.into(), long_message: long.into(), meta: Map::new() }
    }

    pub fn with_meta(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.meta.insert(key.to_owned(), value.into());
        self
    }

    pub fn with_param(self, param: &str) -> Self {
        self.with_meta("param_name", param)
    }

    /// The parameter this error names, if any.
    pub fn param_name(&self) -> Option<&str> {
        self.meta.get("param_name").and_then(Value::as_str)
    }

    // ---- 4xx constructors, one per Clerk code --------------------------------------------------

    pub fn param_missing(param: &str) -> Self {
        Self::new(ErrorKind::Unprocessable, "form_param_missing", "is missing", format!("{param} must be included."))
            .with_param(param)
    }

    pub fn param_nil(param: &str) -> Self {
        Self::new(ErrorKind::Unprocessable, "form_param_nil", "is null", format!("{param} must not be null."))
            .with_param(param)
    }

    pub fn param_unknown(param: &str) -> Self {
        Self::new(
            ErrorKind::Unprocessable,
            "form_param_unknown",
            "is unknown",
            format!("{param} is not a valid parameter for this request."),
        )
        .with_param(param)
    }

    pub fn param_type(param: &str, ty: &str) -> Self {
        Self::new(
            ErrorKind::Unprocessable,
            "form_param_type_invalid",
            "is invalid",
            format!("`{param}` must be a `{ty}`."),
        )
        .with_param(param)
    }

    pub fn param_value(param: &str, long: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unprocessable, "form_param_value_invalid", "is invalid", long).with_param(param)
    }

    pub fn param_format(param: &str, long: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unprocessable, "form_param_format_invalid", "is invalid", long).with_param(param)
    }

    pub fn param_too_long(param: &str, max: usize) -> Self {
        Self::new(
            ErrorKind::Unprocessable,
            "form_param_max_length_exceeded",
            "is too long",
            format!("{param} must be at most {max} characters long."),
        )
        .with_param(param)
    }

    pub fn param_too_large(param: &str, long: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unprocessable, "form_param_exceeds_allowed_size", "exceeds allowed size", long)
            .with_param(param)
    }

    pub fn identifier_exists(param: &str, long: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unprocessable, "form_identifier_exists", "That identifier is taken.", long)
            .with_param(param)
    }

    pub fn already_exists(param: &str, long: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unprocessable, "form_already_exists", "already exists", long).with_param(param)
    }

    pub fn body_invalid(long: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, "request_body_invalid", "Request body invalid", long)
    }

    pub fn missing_query(params: &[&str]) -> Self {
        let long = if params.len() == 1 {
            format!("The query parameter '{}' is missing from the request.", params[0])
        } else {
            format!("Either of the following query parameters must be provided: {}", params.join(", "))
        };
        Self::new(ErrorKind::BadRequest, "missing_query_parameter", "missing query parameter", long)
            .with_meta("param_name", params.join(","))
    }

    pub fn not_found(message: &str, long: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, "resource_not_found", message, long)
    }

    pub fn user_not_found(id: &str) -> Self {
        Self::not_found("not found", format!("No user was found with id {id}"))
    }

    pub fn session_not_found(id: &str) -> Self {
        Self::not_found("Session not found", format!("No session was found with id {id}"))
    }

    pub fn organization_not_found() -> Self {
        Self::not_found("not found", "Given organization not found.")
    }

    pub fn membership_not_found() -> Self {
        Self::not_found("not found", "Given organization membership not found.")
    }

    pub fn template_not_found(attr: &str, value: &str) -> Self {
        Self::not_found("JWT template not found", format!("No JWT template exists with {attr}: {value}"))
    }

    pub fn reserved_claim(claim: &str) -> Self {
        Self::new(
            ErrorKind::BadRequest,
            "jwt_template_reserved_claim",
            "reserved claim used",
            format!("You can't use the reserved claim: '{claim}'"),
        )
        .with_param("claims")
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorKind::Internal,
            "internal_clerk_error",
            "Oops, an unexpected error occurred",
            "Oops, an unexpected error occurred",
        )
    }

    /// An internal error whose cause is logged here, once, and never sent: every 500 is made with this
    /// (store failures through `From<StoreError>`).
    pub fn internal_logged(what: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "{what}");
        Self::internal()
    }
}

impl ApiError {
    /// The error for a taken unique value, naming the parameter it concerns.
    pub(crate) fn conflict(field: &str) -> Self {
        let taken = |what: &str| format!("That {what} is taken. Please try another.");
        match field {
            "email_address" => Self::identifier_exists(field, taken("email address")),
            "phone_number" => Self::identifier_exists(field, taken("phone number")),
            "username" => Self::identifier_exists(field, taken("username")),
            "external_id" => Self::identifier_exists(field, taken("external ID")),
            "slug" => Self::identifier_exists(field, taken("slug")),
            "name" => Self::already_exists("name", "A JWT template with this name already exists."),
            _ => Self::already_exists(field, format!("A resource with this {field} already exists.")),
        }
    }
}

/// The one conversion of a store failure into an API error, so that `?` on any store call is enough:
/// a conflict names the parameter it concerns; a backend failure is logged here, once, with its
/// cause, and answers Clerk's 500 without it.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(field) => ApiError::conflict(&field),
            StoreError::Backend(cause) => ApiError::internal_logged("store failure", cause),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts_name_their_parameter() {
        let e = ApiError::from(StoreError::Conflict("email_address".into()));
        assert_eq!(
            (e.code, e.param_name(), e.kind),
            ("form_identifier_exists", Some("email_address"), ErrorKind::Unprocessable)
        );
        assert_eq!(e.long_message, "That email address is taken. Please try another.");
        let e = ApiError::from(StoreError::Conflict("name".into()));
        assert_eq!((e.code, e.param_name()), ("form_already_exists", Some("name")));
    }

    #[test]
    fn backend_failures_are_internal_and_keep_their_cause_out() {
        let e = ApiError::from(StoreError::Backend("no such table: users".into()));
        assert_eq!((e.code, e.kind.status()), ("internal_clerk_error", 500));
        assert!(!format!("{e:?}").contains("no such table"));
    }
}
