//! M2M tokens (Clerk's M2M Tokens tag). A machine, authenticated with its own secret key, makes a token
//! for the machines in its scope (`scopes`), lasting `seconds_until_expiration` or its
//! `default_token_ttl`:
//! - opaque (`mt_…`, the default): stored as its SHA-256 only; every verify reads it from the store,
//!   so revocation and expiry are seen by the next verify on every node;
//! - JWT (`token_format: "jwt"`): signed by the instance key with header `cat: cl_B7d4PD333AAA`
//!   (session-token verifiers refuse it), claims `iss sub iat nbf exp jti`, `scopes` (space-separated)
//!   and the custom claims. Stateless: not stored, not listed, not revocable; @clerk/backend verifies
//!   it networklessly with the instance's public key.
//!
//! Verify answers 404 for an unknown, revoked or expired token (never a 200 that an SDK would accept),
//! and, called with a machine's key, for a token not scoped to that machine.

use serde_json::{Map, Value};
use tessera_types::{M2MToken, M2MTokenList, object};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields};
use crate::machines::{MACHINE_PREFIX, MAX_TOKEN_TTL, machine_not_found};
use crate::mint::CAT_M2M;
use crate::query::QueryParams;
use crate::service::Tessera;
use crate::store::{M2MTokenRecord, MachineRecord};

/// Prefix of M2M token ids and opaque tokens.
pub const TOKEN_PREFIX: &str = "mt_";
/// Claims the server sets, which `claims` cannot.
pub const RESERVED_CLAIMS: [&str; 8] = ["aud", "exp", "iat", "iss", "jti", "nbf", "scopes", "sub"];
/// The largest `claims` accepted, as compact JSON.
pub const MAX_CLAIMS_BYTES: usize = 4096;

const SECONDS: Field = Field::positive_number("seconds_until_expiration", MAX_TOKEN_TTL);
const MIN_REMAINING: Field = Field::int("min_remaining_ttl_seconds", 0, MAX_TOKEN_TTL);
const REASON: Field = Field::string_of("revocation_reason", 0, 255);

/// `POST /m2m_tokens`.
pub const CREATE_M2M_TOKEN: Body = Body {
    schema: "CreateM2MTokenRequestBody",
    groups: &[&[Field::string("token_format"), SECONDS, Field::object("claims"), MIN_REMAINING]],
};
/// `POST /m2m_tokens/{id}/revoke`.
pub const REVOKE_M2M_TOKEN: Body = Body { schema: "RevokeM2MTokenRequestBody", groups: &[&[REASON]] };
/// `POST /m2m_tokens/verify`.
pub const VERIFY_M2M_TOKEN: Body =
    Body { schema: "VerifyM2MTokenRequestBody", groups: &[&[Field::string_of("token", 1, 8192).required()]] };

/// Who called: a machine (its secret key) or the instance (a secret key of the instance).
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    Instance,
    Machine(&'a MachineRecord),
}

/// `limit`/`offset` as [`QueryParams::page`] reads them, except that a whole number written as a
/// float (`limit=10.0`, which the Python SDK sends for these lists) is that number.
pub(crate) fn sdk_page(q: &QueryParams) -> ApiResult<crate::store::Page> {
    let whole = |v: &str| {
        v.strip_suffix(".0").filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).map(str::to_owned)
    };
    let pairs =
        q.0.iter()
            .map(|(k, v)| match k.as_str() {
                "limit" | "offset" => (k.clone(), whole(v).unwrap_or_else(|| v.clone())),
                _ => (k.clone(), v.clone()),
            })
            .collect();
    QueryParams::new(pairs).page()
}

fn token_invalid(long: &str) -> ApiError {
    ApiError::not_found("Machine token not found", long)
}

/// 403 for the routes only a machine may call.
fn machine_key_required() -> ApiError {
    ApiError::new(
        ErrorKind::Forbidden,
        "authorization_invalid",
        "Unauthorized request",
        "This endpoint must be authenticated with a machine secret key.",
    )
}

/// Checks custom claims: an object without reserved claims, at most [`MAX_CLAIMS_BYTES`] as JSON.
pub(crate) fn check_claims(claims: &Map<String, Value>, reserved: &[&str]) -> ApiResult<()> {
    if let Some(k) = claims.keys().find(|k| reserved.contains(&k.as_str())) {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            "machine_token_reserved_claim",
            "reserved claim used",
            format!("You can't use the reserved claim: '{k}'"),
        )
        .with_param("claims"));
    }
    let json = serde_json::to_string(claims).unwrap_or_default();
    if json.len() > MAX_CLAIMS_BYTES {
        return Err(ApiError::param_too_large(
            "claims",
            format!("claims must be at most {MAX_CLAIMS_BYTES} bytes of JSON."),
        ));
    }
    if json.contains("\\u0000") {
        return Err(ApiError::param_value("claims", "claims must not contain NUL characters."));
    }
    Ok(())
}

fn token_object(t: &M2MTokenRecord, now: i64, token: Option<String>) -> M2MToken {
    M2MToken {
        object: object::M2M_TOKEN.to_owned(),
        id: t.id.clone(),
        subject: t.machine_id.clone(),
        claims: t.claims.clone(),
        scopes: t.scopes.clone(),
        token,
        revoked: t.revoked,
        revocation_reason: t.revocation_reason.clone(),
        expired: t.expiration.is_some_and(|e| e <= now),
        expiration: t.expiration,
        last_used_at: t.last_used_at,
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}

impl Tessera {
    /// `POST /m2m_tokens {token_format?, seconds_until_expiration?, claims?, min_remaining_ttl_seconds?}`,
    /// by a machine. `min_remaining_ttl_seconds` is checked (below the lifetime) but every call makes
    /// a new token: Tessera keeps only hashes, so it cannot answer an earlier token's secret again.
    pub async fn create_m2m_token(&self, caller: Caller<'_>, mut f: Fields) -> ApiResult<M2MToken> {
        let format = f.opt_string("token_format")?.unwrap_or_else(|| "opaque".to_owned());
        let lifetime_ms = f.positive_millis(&SECONDS)?;
        let claims = f.opt_object("claims")?;
        let min_remaining = f.int(&MIN_REMAINING)?;
        f.finish()?;
        let Caller::Machine(machine) = caller else {
            return Err(machine_key_required());
        };
        let jwt = match format.as_str() {
            "opaque" => false,
            "jwt" => true,
            _ => return Err(ApiError::param_value("token_format", "token_format must be one of: opaque, jwt.")),
        };
        if let Some(c) = &claims {
            check_claims(c, &RESERVED_CLAIMS)?;
        }
        let lifetime_ms = lifetime_ms.unwrap_or(machine.default_token_ttl * 1000);
        if let Some(min) = min_remaining
            && min * 1000 >= lifetime_ms
        {
            return Err(ApiError::new(
                ErrorKind::BadRequest,
                "bad_request",
                "Bad request",
                "min_remaining_ttl_seconds must be less than the token's lifetime.",
            )
            .with_param("min_remaining_ttl_seconds"));
        }
        // The machine's scopes now, read fresh.
        let view = self.store.get_machine(&machine.id).await?.ok_or_else(|| machine_not_found(&machine.id))?;
        let scopes: Vec<String> = view.scoped.iter().map(|m| m.id.clone()).collect();
        let now = self.now_ms();
        let id = format!("{TOKEN_PREFIX}{}", tessera_jwt::random_hex(16));
        let expiration = now + lifetime_ms;
        let rec = M2MTokenRecord {
            id,
            machine_id: machine.id.clone(),
            token_hash: String::new(),
            claims: claims.clone().map(Value::Object),
            scopes,
            revoked: false,
            revocation_reason: None,
            expiration: Some(expiration),
            last_used_at: None,
            created_at: now,
            updated_at: now,
        };
        if jwt {
            // Whole seconds, as the token says.
            let exp = (expiration + 999) / 1000;
            let rec = M2MTokenRecord { expiration: Some(exp * 1000), ..rec };
            let mut c = claims.unwrap_or_default();
            c.insert("iss".into(), Value::from(self.issuer()));
            c.insert("sub".into(), Value::from(machine.id.as_str()));
            c.insert("iat".into(), Value::from(now / 1000));
            c.insert("nbf".into(), Value::from(now / 1000));
            c.insert("exp".into(), Value::from(exp));
            c.insert("jti".into(), Value::from(rec.id.as_str()));
            if !rec.scopes.is_empty() {
                c.insert("scopes".into(), Value::from(rec.scopes.join(" ")));
            }
            // Through the instance signer, which records the token's lifetime against the key first:
            // the key then stays in the JWKS until this token can no longer be valid.
            let signer = self.instance_signer(exp - now / 1000).await?;
            let token = self.sign(&c, CAT_M2M, Some(&signer))?;
            return Ok(token_object(&rec, now, Some(token)));
        }
        let token = format!("{TOKEN_PREFIX}{}", tessera_jwt::random_hex(32));
        let rec = M2MTokenRecord { token_hash: tessera_jwt::sha256_hex(token.as_bytes()), ..rec };
        self.store.insert_m2m_token(&rec).await?;
        Ok(token_object(&rec, now, Some(token)))
    }

    /// `GET /m2m_tokens?subject&revoked&expired&limit&offset`: a machine's opaque tokens, newest first;
    /// a machine may list only its own.
    pub async fn list_m2m_tokens(&self, caller: Caller<'_>, q: &QueryParams) -> ApiResult<M2MTokenList> {
        let page = sdk_page(q)?;
        let subject = q.one("subject").ok_or_else(|| ApiError::missing_query(&["subject"]))?;
        let revoked = q.bool("revoked")?.unwrap_or(false);
        let expired = q.bool("expired")?.unwrap_or(false);
        if let Caller::Machine(m) = caller
            && m.id != subject
        {
            return Err(ApiError::new(
                ErrorKind::Forbidden,
                "authorization_invalid",
                "Unauthorized request",
                "A machine can list only its own M2M tokens.",
            ));
        }
        if self.store.get_machine(&subject).await?.is_none() {
            return Err(machine_not_found(&subject));
        }
        let now = self.now_ms();
        let (tokens, total) = self.store.list_m2m_tokens(&subject, revoked, expired, now, page).await?;
        Ok(M2MTokenList { m2m_tokens: tokens.iter().map(|t| token_object(t, now, None)).collect(), total_count: total })
    }

    /// `POST /m2m_tokens/{id}/revoke {revocation_reason?}`: a machine may revoke only its own tokens.
    /// Revoking a revoked token answers it unchanged (the first reason stays).
    pub async fn revoke_m2m_token(&self, caller: Caller<'_>, id: &str, mut f: Fields) -> ApiResult<M2MToken> {
        let reason = f.opt_string(REASON.name)?;
        f.finish()?;
        if let Some(r) = &reason {
            REASON.check_len(r)?;
        }
        let not_found =
            || ApiError::not_found("Machine token not found", format!("No M2M token was found with id {id}"));
        let t = self.store.get_m2m_token(id).await?.ok_or_else(not_found)?;
        if let Caller::Machine(m) = caller
            && m.id != t.machine_id
        {
            return Err(not_found());
        }
        let now = self.now_ms();
        let t = self.store.revoke_m2m_token(id, reason.as_deref(), now).await?.ok_or_else(not_found)?;
        Ok(token_object(&t, now, None))
    }

    /// `POST /m2m_tokens/verify {token}`: the token's object if it is valid now (and, for a machine
    /// caller, scoped to that machine); 404 otherwise.
    pub async fn verify_m2m_token(&self, caller: Caller<'_>, mut f: Fields) -> ApiResult<M2MToken> {
        let token = f.required_string("token")?;
        f.finish()?;
        let now = self.now_ms();
        let t = if token.starts_with(TOKEN_PREFIX) {
            self.verify_opaque_m2m(&token, now).await?
        } else if token.split('.').count() == 3 {
            self.verify_jwt_m2m(&token, now).await?
        } else {
            return Err(token_invalid("The token is not an M2M token."));
        };
        if let Caller::Machine(m) = caller
            && !t.scopes.iter().any(|s| s == &m.id)
        {
            return Err(token_invalid("The M2M token is not scoped to this machine."));
        }
        Ok(t)
    }

    async fn verify_opaque_m2m(&self, token: &str, now: i64) -> ApiResult<M2MToken> {
        let hash = tessera_jwt::sha256_hex(token.as_bytes());
        let rec = self.store.find_m2m_token(&hash).await?;
        let Some(rec) = rec.filter(|r| tessera_jwt::constant_time_eq(r.token_hash.as_bytes(), hash.as_bytes())) else {
            return Err(token_invalid("The M2M token is invalid."));
        };
        if rec.revoked {
            return Err(token_invalid("The M2M token has been revoked."));
        }
        if rec.expiration.is_some_and(|e| e <= now) {
            return Err(token_invalid("The M2M token has expired."));
        }
        self.store.touch_m2m_token(&rec.id, now).await?;
        let rec = M2MTokenRecord { last_used_at: Some(now), ..rec };
        Ok(token_object(&rec, now, None))
    }

    /// A JWT-format token: signed by an instance key, `cat` of M2M tokens, not expired, its machine
    /// still existing.
    async fn verify_jwt_m2m(&self, token: &str, now: i64) -> ApiResult<M2MToken> {
        let invalid = || token_invalid("The M2M token is invalid.");
        let header = tessera_jwt::decode_unverified(token).map_err(|_| invalid())?;
        let kid = header.kid.clone().ok_or_else(invalid)?;
        let key = {
            let ring = self.keyring.read().map_err(|e| ApiError::internal_logged("keyring lock", e))?;
            ring.keys.iter().find(|k| k.info.kid == kid).and_then(|k| k.parsed.as_ref().map(|p| p.key.clone()))
        }
        .ok_or_else(invalid)?;
        let verifying = key.verifying_key().map_err(|e| ApiError::internal_logged("instance verifying key", e))?;
        let decoded = tessera_jwt::verify(token, &verifying).map_err(|_| invalid())?;
        if decoded.header.get("cat").and_then(Value::as_str) != Some(CAT_M2M) {
            return Err(invalid());
        }
        let c = &decoded.claims;
        let int = |k: &str| c.get(k).and_then(Value::as_i64);
        let (Some(exp), Some(iat)) = (int("exp"), int("iat")) else {
            return Err(invalid());
        };
        if exp * 1000 <= now {
            return Err(token_invalid("The M2M token has expired."));
        }
        if int("nbf").is_some_and(|nbf| nbf * 1000 > now + 5_000) {
            return Err(invalid());
        }
        let sub = c.get("sub").and_then(Value::as_str).filter(|s| s.starts_with(MACHINE_PREFIX)).ok_or_else(invalid)?;
        if self.store.get_machine(sub).await?.is_none() {
            return Err(token_invalid("The M2M token's machine no longer exists."));
        }
        let scopes: Vec<String> = c
            .get("scopes")
            .and_then(Value::as_str)
            .map(|s| s.split(' ').map(str::to_owned).collect())
            .unwrap_or_default();
        let custom: Map<String, Value> = c
            .iter()
            .filter(|(k, _)| !RESERVED_CLAIMS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(M2MToken {
            object: object::M2M_TOKEN.to_owned(),
            id: c.get("jti").and_then(Value::as_str).unwrap_or_default().to_owned(),
            subject: sub.to_owned(),
            claims: (!custom.is_empty()).then_some(Value::Object(custom)),
            scopes,
            token: None,
            revoked: false,
            revocation_reason: None,
            expired: false,
            expiration: Some(exp * 1000),
            last_used_at: None,
            created_at: iat * 1000,
            updated_at: iat * 1000,
        })
    }
}
