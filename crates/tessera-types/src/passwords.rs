//! Passwords on the wire: the write-only [`Password`] string (a password or an imported digest), and
//! the bodies of `POST /users/{user_id}/verify_password` and `POST /users/{user_id}/remove_password`.
//! Responses never carry a password or a digest: a user shows only `password_enabled` and
//! `password_last_updated_at`.

use serde::{Deserialize, Serialize};

/// A password or a password digest on its way to the server. It serializes as the plain string
/// (that is what the API takes) but its `Debug` never shows it, so a request body can be logged
/// without leaking it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Password(pub String);

impl Password {
    pub fn new(s: impl Into<String>) -> Self {
        Password(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Password(s.to_owned())
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Password(s)
    }
}

/// Body of `POST /users/{user_id}/verify_password`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyPasswordRequestBody {
    /// The password to check against the user's.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub password: Password,
}

/// Answer of `POST /users/{user_id}/verify_password` when the password is the user's (a wrong one is
/// 422 `incorrect_password`, a user without a password 400 `no_password_set`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyPasswordResponse {
    pub verified: bool,
}

/// Body of `POST /users/{user_id}/remove_password` (optional as a whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemoveUserPasswordRequestBody {
    /// Revoke every live session of the user too (default `false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_out_of_other_sessions: Option<bool>,
}
