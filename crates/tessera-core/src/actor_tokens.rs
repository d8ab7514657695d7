//! Impersonation (Clerk's Actor Tokens): `POST /actor_tokens` makes a single-use token that lets its
//! holder start a session as `user_id` on behalf of `actor` (the impersonator, `{"sub": …}`);
//! `POST /actor_tokens/{id}/revoke` revokes it. Clerk redeems the token as a sign-in ticket through its
//! Frontend API; Tessera has none, so it redeems through its own route,
//! `POST /v1/tessera/actor_tokens/{id}/redeem {"token": …}`, which answers the new session.
//!
//! The session's `actor` is the token's actor, so its session tokens carry the `act` claim and
//! templates see `{{session.actor}}`. The session lasts at most `session_max_duration_in_seconds`.
//! Redeeming (token `accepted` + session created) is one transaction; revoking the token revokes the
//! session it made in the same transaction; revoking the session (`POST /sessions/{id}/revoke`) ends
//! the impersonation too. The token is answered once, by the create call: the store keeps only its
//! SHA-256, compared in constant time.

use serde_json::{Map, Value};
use tessera_types::{ActorToken, ActorTokenStatus, Session, SessionStatus, object};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields};
use crate::ids;
use crate::service::Tessera;
use crate::store::ActorTokenRecord;

/// `expires_in_seconds` when none is given: one hour (Clerk's default).
pub const DEFAULT_EXPIRES_IN_SECONDS: i64 = 3600;
/// `session_max_duration_in_seconds` when none is given: 30 minutes (Clerk's default).
pub const DEFAULT_SESSION_MAX_DURATION_SECONDS: i64 = 1800;
/// The longest either duration may be (ten years, as template token lifetimes).
pub const MAX_DURATION_SECONDS: i64 = 315_360_000;
/// The largest `actor` accepted, as compact JSON: it travels in every session token of the session.
pub const MAX_ACTOR_BYTES: usize = 1024;

const EXPIRES_IN_SECONDS: Field = Field::int("expires_in_seconds", 1, MAX_DURATION_SECONDS);
const SESSION_MAX_DURATION: Field = Field::int("session_max_duration_in_seconds", 1, MAX_DURATION_SECONDS);
const TOKEN: Field = Field::string_of("token", 1, 256);

/// `POST /actor_tokens`.
pub const CREATE_ACTOR_TOKEN: Body = Body {
    schema: "CreateActorTokenRequestBody",
    groups: &[&[
        Field::string("user_id").required(),
        Field::object("actor").required(),
        EXPIRES_IN_SECONDS,
        SESSION_MAX_DURATION,
    ]],
};

/// `POST /v1/tessera/actor_tokens/{actor_token_id}/redeem`.
pub const REDEEM_ACTOR_TOKEN: Body = Body { schema: "RedeemActorTokenRequestBody", groups: &[&[TOKEN.required()]] };

/// 403 `user_banned`: a banned user cannot have new sessions.
pub(crate) fn user_banned() -> ApiError {
    ApiError::new(
        ErrorKind::Forbidden,
        "user_banned",
        "user is banned",
        "This user is banned and cannot have new sessions.",
    )
    .with_param("user_id")
}

fn actor_token_not_found(id: &str) -> ApiError {
    ApiError::not_found("Actor token not found", format!("No actor token was found with id {id}"))
}

/// Clerk's `actor_token_*` errors (400), with Clerk's messages.
fn bad(code: &'static str, message: &str, long: impl Into<String>) -> ApiError {
    ApiError::new(ErrorKind::BadRequest, code, message, long)
}

/// Checks the actor payload: an object with a non-empty string `sub`, at most [`MAX_ACTOR_BYTES`].
fn check_actor(actor: Option<Value>) -> ApiResult<Map<String, Value>> {
    let actor = match actor {
        None => return Err(ApiError::param_missing("actor")),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(ApiError::param_type("actor", "object")),
    };
    match actor.get("sub") {
        None | Some(Value::Null) => {
            return Err(ApiError::new(
                ErrorKind::Unprocessable,
                "form_param_missing",
                "is missing",
                "actor.sub must be included: the ID of the impersonating user.",
            )
            .with_param("actor"));
        }
        Some(Value::String(s)) if s.trim().is_empty() || s.contains('\0') => {
            return Err(ApiError::param_value("actor", "actor.sub must be the ID of the impersonating user."));
        }
        Some(Value::String(_)) => {}
        Some(_) => {
            return Err(ApiError::new(
                ErrorKind::Unprocessable,
                "form_param_type_invalid",
                "is invalid",
                "`actor.sub` must be a `string`.",
            )
            .with_param("actor"));
        }
    }
    let size = serde_json::to_string(&actor).map(|s| s.len()).unwrap_or(usize::MAX);
    if size > MAX_ACTOR_BYTES {
        return Err(ApiError::param_too_large(
            "actor",
            format!(
                "actor is {size} bytes as JSON; it must be at most {MAX_ACTOR_BYTES} bytes (it travels in every session token of the session)."
            ),
        ));
    }
    // PostgreSQL cannot store NUL in text; nothing needs one.
    if serde_json::to_string(&actor).is_ok_and(|s| s.contains("\\u0000")) {
        return Err(ApiError::param_value("actor", "actor must not contain NUL characters."));
    }
    Ok(actor)
}

impl Tessera {
    /// The wire form of a stored token; `token` only when just created.
    fn actor_token_object(&self, rec: &ActorTokenRecord, token: Option<String>) -> ActorToken {
        ActorToken {
            object: object::ACTOR_TOKEN.to_owned(),
            id: rec.id.clone(),
            status: rec.status,
            user_id: rec.user_id.clone(),
            actor: rec.actor.clone(),
            token,
            url: Some(format!("{}/v1/tessera/actor_tokens/{}/redeem", self.issuer.trim_end_matches('/'), rec.id)),
            created_at: rec.created_at,
            updated_at: rec.updated_at,
        }
    }

    /// `POST /actor_tokens {user_id, actor: {sub, …}, expires_in_seconds?, session_max_duration_in_seconds?}`:
    /// a pending token for an existing user. The answer is the only one that carries `token`.
    pub async fn create_actor_token(&self, mut f: Fields) -> ApiResult<ActorToken> {
        let user_id = f.required_string("user_id")?;
        // Read as given and checked after `finish`, so that an unknown key is named first.
        let actor = f.take_nullable("actor").flatten();
        let expires = f.int(&EXPIRES_IN_SECONDS)?.unwrap_or(DEFAULT_EXPIRES_IN_SECONDS);
        let session_max = f.int(&SESSION_MAX_DURATION)?.unwrap_or(DEFAULT_SESSION_MAX_DURATION_SECONDS);
        f.finish()?;
        let actor = check_actor(actor)?;
        if self.store.get_user(&user_id).await?.is_none() {
            return Err(ApiError::new(
                ErrorKind::Unprocessable,
                "form_resource_not_found",
                "is missing",
                "The resource associated with the supplied user_id was not found.",
            )
            .with_param("user_id"));
        }
        let now = self.now_ms();
        let token = tessera_jwt::random_hex(32);
        let rec = ActorTokenRecord {
            id: ids::new_id(ids::ACTOR_TOKEN, now),
            user_id,
            actor,
            status: ActorTokenStatus::Pending,
            token_hash: tessera_jwt::sha256_hex(token.as_bytes()),
            expires_at: now + expires * 1000,
            session_max_duration_seconds: session_max,
            session_id: None,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_actor_token(&rec).await?;
        Ok(self.actor_token_object(&rec, Some(token)))
    }

    /// `POST /actor_tokens/{id}/revoke`: a pending token can no longer be redeemed; an accepted one
    /// is revoked with the session it made (Clerk revokes pending tokens only; Tessera also ends an
    /// impersonation this way). A token already revoked is 400 `actor_token_cannot_be_revoked_code`.
    pub async fn revoke_actor_token(&self, id: &str) -> ApiResult<ActorToken> {
        let rec = self.store.get_actor_token(id).await?.ok_or_else(|| actor_token_not_found(id))?;
        if rec.status == ActorTokenStatus::Revoked {
            return Err(bad(
                "actor_token_cannot_be_revoked_code",
                "cannot revoke",
                "Actor token cannot be revoked because its status is revoked. Only pending or accepted tokens can be revoked.",
            ));
        }
        let rec = self.store.revoke_actor_token(id, self.now_ms()).await?.ok_or_else(|| actor_token_not_found(id))?;
        Ok(self.actor_token_object(&rec, None))
    }

    /// `POST /v1/tessera/actor_tokens/{id}/redeem {token}`: checks the token (constant time), then
    /// makes an active session for the token's user whose `actor` is the token's actor, lasting at
    /// most `session_max_duration_in_seconds`, and marks the token `accepted`, in one transaction.
    pub async fn redeem_actor_token(&self, id: &str, mut f: Fields) -> ApiResult<Session> {
        let token = f.required_string(TOKEN.name)?;
        f.finish()?;
        if token.is_empty() {
            return Err(ApiError::param_value("token", "token must not be empty."));
        }
        TOKEN.check_len(&token)?;
        let rec = self.store.get_actor_token(id).await?.ok_or_else(|| actor_token_not_found(id))?;
        let given = tessera_jwt::sha256_hex(token.as_bytes());
        if !tessera_jwt::constant_time_eq(given.as_bytes(), rec.token_hash.as_bytes()) {
            return Err(bad(
                "ticket_invalid_code",
                "ticket is invalid",
                "This ticket is invalid. Make sure you're using a valid ticket generated by Clerk.",
            )
            .with_param("token"));
        }
        let now = self.now_ms();
        self.check_redeemable(&rec, now)?;
        let user = self.store.get_user(&rec.user_id).await?.ok_or_else(|| {
            ApiError::new(
                ErrorKind::NotFound,
                "actor_token_subject_not_found",
                "user not found",
                "The user of the actor token no longer exists. Please request a new one.",
            )
        })?;
        if user.banned {
            return Err(user_banned());
        }
        if user.locked {
            return Err(crate::lockout::user_locked());
        }
        let expire_at = now + (rec.session_max_duration_seconds * 1000).min(self.config.session_lifetime_ms);
        let session = Session {
            object: object::SESSION.to_owned(),
            id: ids::new_id(ids::SESSION, now),
            user_id: user.id,
            client_id: ids::new_id(ids::CLIENT, now),
            actor: Some(Value::Object(rec.actor.clone())),
            status: SessionStatus::Active,
            last_active_organization_id: None,
            last_active_at: now,
            latest_activity: None,
            expire_at,
            abandon_at: (now + self.config.session_abandon_ms).min(expire_at),
            updated_at: now,
            created_at: now,
            tasks: None,
        };
        if !self.store.redeem_actor_token(id, &session, now).await? {
            // Another request redeemed or revoked it first: answer as if it had come first.
            let now_rec = self.store.get_actor_token(id).await?.ok_or_else(|| actor_token_not_found(id))?;
            self.check_redeemable(&now_rec, now)?;
            return Err(ApiError::internal_logged(
                "actor token redeem",
                "the token stayed pending but was not redeemed",
            ));
        }
        Ok(session)
    }

    /// A token can be redeemed while it is pending and not expired; Clerk's errors otherwise.
    fn check_redeemable(&self, rec: &ActorTokenRecord, now: i64) -> ApiResult<()> {
        match rec.status {
            ActorTokenStatus::Revoked => Err(bad(
                "actor_token_revoked_code",
                "actor token has been revoked",
                "This actor token has been revoked and cannot be used anymore.",
            )),
            ActorTokenStatus::Accepted => Err(bad(
                "actor_token_already_used_code",
                "actor token has already been used",
                "This actor token has already been used. Each token can only be used once.",
            )),
            ActorTokenStatus::Pending if now >= rec.expires_at => Err(bad(
                "ticket_expired_code",
                "ticket has expired",
                "This ticket has expired and cannot be used anymore.",
            )),
            ActorTokenStatus::Pending => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_actor_needs_a_string_sub_and_fits_in_a_session_token() {
        assert_eq!(check_actor(Some(json!({"sub": "user_1", "iss": "x"}))).unwrap()["iss"], "x");
        for (actor, code) in [
            (None, "form_param_missing"),
            (Some(json!("user_1")), "form_param_type_invalid"),
            (Some(json!({})), "form_param_missing"),
            (Some(json!({"sub": null})), "form_param_missing"),
            (Some(json!({"sub": 7})), "form_param_type_invalid"),
            (Some(json!({"sub": " "})), "form_param_value_invalid"),
            (Some(json!({"sub": "a\u{0}"})), "form_param_value_invalid"),
            (Some(json!({"sub": "a", "n": {"x": "\u{0}"}})), "form_param_value_invalid"),
            (Some(json!({"sub": "a", "pad": "x".repeat(MAX_ACTOR_BYTES)})), "form_param_exceeds_allowed_size"),
        ] {
            let e = check_actor(actor.clone()).unwrap_err();
            assert_eq!((e.code, e.param_name()), (code, Some("actor")), "{actor:?}");
        }
    }
}
