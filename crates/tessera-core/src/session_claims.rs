//! Custom session-token claims (Clerk's "Customize session token", `clerk-compat.md` §2.5): one
//! instance-level claims template, in the shortcode language of JWT templates, rendered into every
//! session token (`POST /sessions/{id}/tokens`) next to the default claims. A Tessera extension,
//! reached at `/v1/tessera/session_claims` (Clerk sets it through its dashboard or Platform API).
//!
//! Rules (docs/api.md):
//! - validated like a template's claims, with the session token's own claims reserved
//!   ([`RESERVED_SESSION_CLAIMS`], 400 `jwt_template_reserved_claim`); `aud` is allowed;
//! - the default claims always win: a reserved key is never taken from the rendered claims, even
//!   from a record stored before the reserved set grew;
//! - a session token with custom claims also gets a `jti` (20 hex), as Clerk's do;
//! - size: a write over [`RECOMMENDED_MAX_BYTES`] of JSON is stored with a warning (in the answer and
//!   in the log), as Clerk warns; a write that could not fit in a session token at all is refused;
//!   a rendered session token over `max_session_token_bytes` is refused at mint with
//!   422 `session_token_too_large`, which names the size and the limit.
//!
//! Every mint reads the stored record ([`crate::store::MintRecords::session_claims`]); what is cached
//! is only the compiled form, reused while the whole stored record is unchanged.

use std::sync::Arc;

use serde_json::{Map, Value};
use tessera_types::{DeletedObject, SessionClaims, SessionClaimsWarning, object};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields};
use crate::mint_cache::{ActiveEntry, SessionEntry, UserEntry};
use crate::service::{CoreConfig, Tessera};
use crate::shortcode::CompiledClaims;
use crate::store::SessionClaimsRecord;
use crate::templates::validate_claims_reserving;

/// Claims of the session token itself (v2 and v1, `clerk-compat.md` §2.1–2.2). The same set whatever
/// the session-token version, so switching versions never makes stored claims invalid. `aud` is
/// allowed (§2.5), and so is `orgs`: Clerk dropped that default claim and tells users to add
/// `"orgs": "{{user.organizations}}"` to their session token instead.
pub const RESERVED_SESSION_CLAIMS: [&str; 19] = [
    "act",
    "azp",
    "exp",
    "fea",
    "fva",
    "iat",
    "iss",
    "jti",
    "nbf",
    "o",
    "org_id",
    "org_permissions",
    "org_role",
    "org_slug",
    "pla",
    "sid",
    "sts",
    "sub",
    "v",
];

/// Clerk's advice: keep custom session claims under about 1.2 KB of JSON (the session token travels
/// in a cookie capped at 4 KB). Over it a write is stored with a warning.
pub const RECOMMENDED_MAX_BYTES: usize = 1_200;

/// Default largest session token, bytes: browsers cap a cookie's name and value at 4,096 bytes, and
/// the name (`__session`, or `__session_<suffix>`) and `=` need some of them.
pub const DEFAULT_MAX_SESSION_TOKEN_BYTES: usize = 4_000;

/// The warning code of claims over [`RECOMMENDED_MAX_BYTES`].
pub const OVER_RECOMMENDED_SIZE: &str = "session_claims_over_recommended_size";

const CLAIMS: Field = Field::object("claims").required();

/// `PUT /v1/tessera/session_claims`.
pub const UPDATE_SESSION_CLAIMS: Body = Body { schema: "UpdateSessionClaimsRequestBody", groups: &[&[CLAIMS]] };

/// What is kept in memory: the compiled claims, valid while the stored record is unchanged.
pub(crate) struct CachedSessionClaims {
    record: SessionClaimsRecord,
    compiled: CompiledClaims,
    uses_org_list: bool,
}

/// The longest session token accepted: `max_session_token_bytes` (0 = no session-specific limit), and
/// never more than `max_token_bytes`.
pub fn session_token_limit(config: &CoreConfig) -> usize {
    match config.max_session_token_bytes {
        0 => config.max_token_bytes,
        n => n.min(config.max_token_bytes),
    }
}

/// The most bytes of claims JSON accepted: the template limit, and no more than a whole session
/// token may be (claims that large could not fit in one).
fn max_claims_bytes(config: &CoreConfig) -> usize {
    config.max_claims_bytes.min(session_token_limit(config))
}

/// Validates session claims as a JWT template's are (size, shortcode syntax), reserving the
/// session token's own claims. Returns the compiled form.
pub fn validate_session_claims(claims: &Map<String, Value>, config: &CoreConfig) -> ApiResult<CompiledClaims> {
    validate_claims_reserving(claims, max_claims_bytes(config), &RESERVED_SESSION_CLAIMS)
}

/// The size of `claims` as compact JSON, in bytes.
pub fn claims_size(claims: &Map<String, Value>) -> usize {
    serde_json::to_vec(claims).map_or(0, |v| v.len())
}

/// The advice for claims of `size` bytes.
pub fn warnings(size: usize, config: &CoreConfig) -> Vec<SessionClaimsWarning> {
    let mut out = Vec::new();
    if size > RECOMMENDED_MAX_BYTES {
        let limit = session_token_limit(config);
        out.push(SessionClaimsWarning {
            code: OVER_RECOMMENDED_SIZE.to_owned(),
            message: format!(
                "The session claims are {size} bytes of JSON, more than the {RECOMMENDED_MAX_BYTES} bytes Clerk recommends: \
                 session tokens travel in a cookie that browsers cap at 4 KB, and a session token over {limit} bytes is \
                 refused when minted (422 session_token_too_large)."
            ),
        });
    }
    out
}

fn claims_object(rec: Option<&SessionClaimsRecord>, config: &CoreConfig) -> SessionClaims {
    let claims = rec.map(|r| r.claims.clone()).unwrap_or_default();
    let size = claims_size(&claims);
    SessionClaims {
        object: object::SESSION_CLAIMS.to_owned(),
        claims,
        size_bytes: size as u64,
        warnings: warnings(size, config),
        created_at: rec.map(|r| r.created_at),
        updated_at: rec.map(|r| r.updated_at),
    }
}

/// 422 `session_token_too_large`: the rendered token, its size and the limit, and how much of it the
/// custom claims are.
pub(crate) fn token_too_large(size: usize, limit: usize, custom_bytes: Option<usize>) -> ApiError {
    let cause = match custom_bytes {
        Some(c) => format!(
            "The custom session claims render to {c} bytes of JSON for this session; keep them under {RECOMMENDED_MAX_BYTES} bytes and avoid whole metadata objects."
        ),
        None => "The instance has no custom session claims: the default claims alone are this large.".to_owned(),
    };
    let mut e = ApiError::new(
        ErrorKind::Unprocessable,
        "session_token_too_large",
        "session token too large",
        format!(
            "The session token would be {size} bytes, more than the limit of {limit} bytes: session tokens travel in a cookie, which browsers cap at 4 KB. {cause}"
        ),
    )
    .with_meta("size_bytes", size)
    .with_meta("limit_bytes", limit);
    if let Some(c) = custom_bytes {
        e = e.with_meta("custom_claims_bytes", c);
    }
    e
}

impl Tessera {
    /// `GET /v1/tessera/session_claims`: `{}` with null timestamps when none are set.
    pub async fn get_session_claims(&self) -> ApiResult<SessionClaims> {
        let rec = self.store.get_session_claims().await?;
        Ok(claims_object(rec.as_ref(), &self.config))
    }

    /// `PUT /v1/tessera/session_claims`: replaces the claims template.
    pub async fn set_session_claims(&self, mut f: Fields) -> ApiResult<SessionClaims> {
        let claims = f.required_object(CLAIMS.name)?;
        f.finish()?;
        self.store_session_claims(claims).await
    }

    /// Validates and stores `claims` (an empty object stores no custom claims); logs a warning when
    /// they are over the recommended size.
    pub(crate) async fn store_session_claims(&self, claims: Map<String, Value>) -> ApiResult<SessionClaims> {
        validate_session_claims(&claims, &self.config)?;
        let now = self.now_ms();
        let prev = self.store.get_session_claims().await?;
        let rec = SessionClaimsRecord {
            claims,
            created_at: prev.as_ref().map_or(now, |p| p.created_at),
            updated_at: prev.as_ref().map_or(now, |p| now.max(p.updated_at + 1)),
        };
        self.store.put_session_claims(&rec).await?;
        let answer = claims_object(Some(&rec), &self.config);
        if answer.size_bytes as usize > RECOMMENDED_MAX_BYTES {
            tracing::warn!(
                size_bytes = answer.size_bytes,
                recommended_max_bytes = RECOMMENDED_MAX_BYTES,
                "custom session claims are over the recommended size: session tokens travel in a cookie capped at 4 KB"
            );
        }
        Ok(answer)
    }

    /// `DELETE /v1/tessera/session_claims`: session tokens carry only the default claims again.
    /// Answers the same whether or not claims were set.
    pub async fn clear_session_claims(&self) -> ApiResult<DeletedObject> {
        self.store.delete_session_claims().await?;
        if let Ok(mut cache) = self.session_claims_cache.lock() {
            *cache = None;
        }
        Ok(DeletedObject { object: object::SESSION_CLAIMS.to_owned(), id: None, slug: None, deleted: true })
    }

    fn cached_session_claims(&self, rec: &SessionClaimsRecord) -> ApiResult<Arc<CachedSessionClaims>> {
        if let Ok(cache) = self.session_claims_cache.lock()
            && let Some(c) = cache.as_ref()
            // The whole record, not only `updated_at`: two writers can store different claims under
            // one timestamp.
            && c.record == *rec
        {
            return Ok(c.clone());
        }
        let compiled = CompiledClaims::compile(&rec.claims)
            .map_err(|e| ApiError::internal_logged("stored session claims do not compile", e))?;
        let text = serde_json::to_string(&rec.claims).unwrap_or_default();
        let entry = Arc::new(CachedSessionClaims {
            record: rec.clone(),
            compiled,
            uses_org_list: text.contains("organizations"),
        });
        if let Ok(mut cache) = self.session_claims_cache.lock() {
            *cache = Some(entry.clone());
        }
        Ok(entry)
    }

    /// The custom claims of one session token, rendered with the JWT templates' context and without
    /// any reserved key; `None` when the instance has none.
    pub(crate) async fn render_session_claims(
        &self,
        rec: Option<&SessionClaimsRecord>,
        user: &UserEntry,
        session: &SessionEntry,
        active: Option<&ActiveEntry>,
    ) -> ApiResult<Option<Map<String, Value>>> {
        let Some(rec) = rec.filter(|r| !r.claims.is_empty()) else {
            return Ok(None);
        };
        let cached = self.cached_session_claims(rec)?;
        let with_orgs = self.user_part_with_orgs(cached.uses_org_list, &user.user).await?;
        let parts = crate::mint::context_parts(with_orgs.as_ref().unwrap_or(&user.ctx), session, active);
        let mut rendered = cached.compiled.render(&parts);
        rendered.retain(|k, _| !RESERVED_SESSION_CLAIMS.contains(&k.as_str()));
        Ok(Some(rendered))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn every_claim_of_the_session_token_is_reserved_but_aud_is_allowed() {
        let config = CoreConfig::default();
        for c in RESERVED_SESSION_CLAIMS {
            let e = validate_session_claims(&claims(json!({ c: "x", "ok": 1 })), &config).unwrap_err();
            assert_eq!((e.code, e.kind.status(), e.param_name()), ("jwt_template_reserved_claim", 400, Some("claims")));
            assert!(e.long_message.contains(&format!("'{c}'")), "{c}: {}", e.long_message);
        }
        // The template reservations are all session-token claims too.
        for c in crate::templates::RESERVED_CLAIMS {
            assert!(RESERVED_SESSION_CLAIMS.contains(&c), "{c}");
        }
        let ok = json!({"aud": "convex", "orgs": "{{user.organizations}}", "meta": {"sid": "nested is fine"}});
        assert!(validate_session_claims(&claims(ok), &config).is_ok());
    }

    #[test]
    fn shortcode_errors_name_the_claim_path() {
        let e =
            validate_session_claims(&claims(json!({"a": {"b": ["{{user.id"]}})), &CoreConfig::default()).unwrap_err();
        assert_eq!((e.code, e.param_name()), ("form_param_value_invalid", Some("claims")));
        assert_eq!(e.meta.get("claim_path"), Some(&json!("a.b[0]")));
    }

    #[test]
    fn claims_larger_than_a_session_token_can_be_are_refused() {
        let config = CoreConfig { max_session_token_bytes: 1_000, ..CoreConfig::default() };
        let e = validate_session_claims(&claims(json!({"k": "x".repeat(1_000)})), &config).unwrap_err();
        assert_eq!((e.code, e.param_name()), ("form_param_exceeds_allowed_size", Some("claims")));
        assert!(e.long_message.contains("1000"), "{}", e.long_message);
        // Without a session-token limit, the template limit applies.
        let config = CoreConfig { max_session_token_bytes: 0, ..CoreConfig::default() };
        assert!(validate_session_claims(&claims(json!({"k": "x".repeat(1_000)})), &config).is_ok());
    }

    #[test]
    fn claims_over_the_recommended_size_warn_and_smaller_ones_do_not() {
        let config = CoreConfig::default();
        assert!(warnings(RECOMMENDED_MAX_BYTES, &config).is_empty());
        let w = warnings(RECOMMENDED_MAX_BYTES + 1, &config);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].code, OVER_RECOMMENDED_SIZE);
        assert!(w[0].message.contains("1201 bytes") && w[0].message.contains("4000"), "{}", w[0].message);
        let obj = claims_object(None, &config);
        assert_eq!((obj.claims.len(), obj.size_bytes, obj.updated_at), (0, 2, None));
    }

    #[test]
    fn the_too_large_error_names_the_size_the_limit_and_the_custom_part() {
        let e = token_too_large(4_321, 4_000, Some(2_345));
        assert_eq!((e.code, e.kind.status()), ("session_token_too_large", 422));
        for n in ["4321", "4000", "2345"] {
            assert!(e.long_message.contains(n), "{n}: {}", e.long_message);
        }
        assert_eq!(e.meta.get("size_bytes"), Some(&json!(4_321)));
        assert!(token_too_large(5_000, 4_000, None).long_message.contains("no custom session claims"));
    }
}
