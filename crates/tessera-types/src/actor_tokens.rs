//! Impersonation: Clerk's `ActorToken` schema (tag Actor Tokens), its create body, and the body of
//! Tessera's redeem extension (`POST /v1/tessera/actor_tokens/{actor_token_id}/redeem`).

use serde::{Deserialize, Serialize};

use crate::JsonObject;

/// Actor token statuses, as in Clerk's `ActorToken.status` enum: `pending` until redeemed
/// (`accepted`) or revoked. A pending token past its expiry stays `pending` and can no longer be
/// redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActorTokenStatus {
    Pending,
    Accepted,
    Revoked,
}

impl ActorTokenStatus {
    pub const ALL: [ActorTokenStatus; 3] =
        [ActorTokenStatus::Pending, ActorTokenStatus::Accepted, ActorTokenStatus::Revoked];

    pub fn as_str(self) -> &'static str {
        match self {
            ActorTokenStatus::Pending => "pending",
            ActorTokenStatus::Accepted => "accepted",
            ActorTokenStatus::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// `{"object":"actor_token", ...}`: a single-use token that lets its holder start a session as
/// `user_id`, with `actor` (the impersonator, at least `{"sub": "<user id>"}`) recorded on the session
/// and in its session tokens' `act` claim.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorToken {
    /// Always `"actor_token"`.
    pub object: String,
    /// `act_…`.
    pub id: String,
    pub status: ActorTokenStatus,
    /// The user to be impersonated.
    pub user_id: String,
    /// The actor payload as given at creation; `sub` is the impersonating user's id.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub actor: JsonObject,
    /// The secret that redeems the token: answered once, by the create call, and never stored (the
    /// server keeps only its SHA-256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Where the token is redeemed: Tessera's redeem route for this token (a `POST` with the secret
    /// key and `{"token": …}`); Tessera has no Frontend API to take a sign-in ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for ActorToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorToken")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("user_id", &self.user_id)
            .field("actor", &self.actor)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("url", &self.url)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// `POST /actor_tokens`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateActorTokenRequestBody {
    /// The user to be impersonated.
    pub user_id: String,
    /// The impersonator: an object with at least `sub` (their user id); the whole object becomes the
    /// session's `actor` and its session tokens' `act` claim.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub actor: JsonObject,
    /// How long the token can be redeemed, in seconds (default 3600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<i64>,
    /// The longest the session made by redeeming the token lasts, in seconds (default 1800).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_max_duration_in_seconds: Option<i64>,
}

/// Body of `POST /v1/tessera/actor_tokens/{actor_token_id}/redeem`: the secret the create call
/// answered.
#[derive(Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RedeemActorTokenRequestBody {
    pub token: String,
}

impl std::fmt::Debug for RedeemActorTokenRequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedeemActorTokenRequestBody").field("token", &"<redacted>").finish()
    }
}
