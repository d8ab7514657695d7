//! JWT templates: validation, CRUD, custom signing keys (write-only, sealed at rest).

use std::sync::Arc;

use serde_json::{Map, Value};
use tessera_jwt::{Algorithm, SigningKey};
use tessera_types::{DeletedObject, Jwk, JwtTemplate, object};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields, MAX_NAME_CHARS};
use crate::ids;
use crate::query::QueryParams;
use crate::service::Tessera;
use crate::sessions::Listing;
use crate::shortcode::CompiledClaims;
use crate::store::{Page, TemplateRecord};

/// Claims every template token gets and no template may set.
pub const RESERVED_CLAIMS: [&str; 7] = ["azp", "exp", "iat", "iss", "jti", "nbf", "sub"];
pub const DEFAULT_LIFETIME: i64 = 60;
pub const DEFAULT_CLOCK_SKEW: i64 = 5;
pub const MIN_LIFETIME: i64 = 30;
pub const MAX_LIFETIME: i64 = 315_360_000;
/// Unique; usable as one URL path segment (checked by `check_name`).
const NAME: Field = Field::string_of("name", 1, MAX_NAME_CHARS).required();
pub(crate) const LIFETIME: Field = Field::int("lifetime", MIN_LIFETIME, MAX_LIFETIME);
pub(crate) const ALLOWED_CLOCK_SKEW: Field = Field::int("allowed_clock_skew", 0, 300);
pub(crate) const SIGNING_ALGORITHM: Field = Field::string("signing_algorithm");
/// Write-only: never answered, never logged.
pub(crate) const SIGNING_KEY: Field = Field::string("signing_key");

/// `POST /jwt_templates` and `PATCH /jwt_templates/{template_id}` (the whole template again).
pub const TEMPLATE: Body = Body {
    schema: "CreateJwtTemplateRequestBody",
    groups: &[&[
        NAME,
        Field::object("claims").required(),
        LIFETIME,
        ALLOWED_CLOCK_SKEW,
        Field::bool("custom_signing_key"),
        SIGNING_ALGORITHM,
        SIGNING_KEY,
    ]],
};

pub(crate) fn template_key_aad(template_id: &str) -> Vec<u8> {
    format!("tessera:template-key:{template_id}").into_bytes()
}

/// Checks a template name: non-empty, at most 256 characters, usable as one URL path segment.
fn check_name(name: &str) -> ApiResult<()> {
    if name.trim().is_empty() {
        return Err(ApiError::param_value("name", "name must not be empty."));
    }
    NAME.check_len(name)?;
    if name.chars().any(|c| c.is_control() || matches!(c, '/' | '?' | '#' | '%' | '\\')) || name != name.trim() {
        return Err(ApiError::param_format(
            "name",
            "name must be usable as a URL path segment: no '/', '?', '#', '%', '\\', control characters, or leading/trailing spaces.",
        ));
    }
    Ok(())
}

/// Validates a template's claims: size, reserved top-level keys ([`RESERVED_CLAIMS`]), shortcode
/// syntax. Returns the compiled form.
pub fn validate_claims(claims: &Map<String, Value>, max_bytes: usize) -> ApiResult<CompiledClaims> {
    validate_claims_reserving(claims, max_bytes, &RESERVED_CLAIMS)
}

/// Validates claims against `reserved` (top-level keys the server sets): size, reserved keys
/// (400 `jwt_template_reserved_claim`), shortcode syntax. Returns the compiled form.
pub fn validate_claims_reserving(
    claims: &Map<String, Value>,
    max_bytes: usize,
    reserved: &[&str],
) -> ApiResult<CompiledClaims> {
    let size = serde_json::to_vec(claims).map(|v| v.len()).unwrap_or(usize::MAX);
    if size > max_bytes {
        return Err(ApiError::param_too_large(
            "claims",
            format!("claims must be at most {max_bytes} bytes of JSON, got {size} bytes."),
        ));
    }
    if let Some(reserved) = reserved.iter().find(|c| claims.contains_key(**c)) {
        return Err(ApiError::reserved_claim(reserved));
    }
    CompiledClaims::compile(claims).map_err(|e| {
        ApiError::new(
            ErrorKind::Unprocessable,
            "form_param_value_invalid",
            "is invalid",
            format!("claims.{}: {}", e.path, e.message),
        )
        .with_param("claims")
        .with_meta("claim_path", e.path.clone())
    })
}

/// Parses a custom signing key for `alg`; errors name `signing_key`.
pub fn parse_custom_key(alg: Algorithm, key: &str) -> ApiResult<SigningKey> {
    if key.is_empty() {
        return Err(ApiError::param_missing("signing_key"));
    }
    let parsed =
        if alg.is_hmac() { SigningKey::from_hmac_secret(alg, key.as_bytes()) } else { SigningKey::from_pem(alg, key) };
    parsed.map_err(|e| {
        ApiError::param_value("signing_key", format!("signing_key is not a valid {} key: {e}", alg.as_str()))
    })
}

pub(crate) fn parse_alg(s: &str) -> ApiResult<Algorithm> {
    Algorithm::parse(s).ok_or_else(|| {
        let all: Vec<&str> = Algorithm::ALL.iter().map(|a| a.as_str()).collect();
        ApiError::param_value(
            "signing_algorithm",
            format!(
                "{s} does not match one of the allowed values for parameter signing_algorithm ({})",
                all.join(", ")
            ),
        )
    })
}

impl Tessera {
    /// Reads and validates a create/update body. `existing` is the stored template on update.
    fn template_from_body(
        &self,
        mut f: Fields,
        existing: Option<&TemplateRecord>,
        new_id: Option<String>,
        now: i64,
    ) -> ApiResult<(TemplateRecord, Option<SigningKey>)> {
        let name = f.required_string("name")?;
        let claims = f.required_object("claims")?;
        let lifetime = f.int(&LIFETIME)?;
        let skew = f.int(&ALLOWED_CLOCK_SKEW)?;
        let custom = f.opt_bool("custom_signing_key")?;
        let alg = f.opt_string("signing_algorithm")?;
        let key = f.opt_string("signing_key")?;
        f.finish()?;
        check_name(&name)?;
        validate_claims(&claims, self.config.max_claims_bytes)?;

        let prev = existing.map(|r| &r.template);
        let custom = custom.unwrap_or(prev.is_some_and(|p| p.custom_signing_key));
        let id = prev.map(|p| p.id.clone()).or(new_id).unwrap_or_else(|| ids::new_id(ids::TEMPLATE, now));
        let (algorithm, sealed, parsed) = if custom {
            let alg = match (alg, prev) {
                (Some(a), _) => parse_alg(&a)?,
                (None, Some(p)) if p.custom_signing_key => parse_alg(&p.signing_algorithm)?,
                (None, _) => return Err(ApiError::param_missing("signing_algorithm")),
            };
            match key {
                Some(k) => {
                    let parsed = parse_custom_key(alg, &k)?;
                    let sealed = tessera_jwt::seal(&self.master.0, &parsed.to_storage_bytes(), &template_key_aad(&id));
                    (alg, Some(sealed), Some(parsed))
                }
                None => match existing {
                    // Keep the stored key when the algorithm is unchanged.
                    Some(r) if r.template.custom_signing_key && r.template.signing_algorithm == alg.as_str() => {
                        (alg, r.signing_key_sealed.clone(), None)
                    }
                    _ => return Err(ApiError::param_missing("signing_key")),
                },
            }
        } else {
            if let Some(a) = alg
                && a != "RS256"
            {
                return Err(ApiError::param_value(
                    "signing_algorithm",
                    "signing_algorithm can only differ from RS256 with custom_signing_key: true.",
                ));
            }
            if key.is_some() {
                return Err(ApiError::param_value("signing_key", "signing_key requires custom_signing_key: true."));
            }
            (Algorithm::RS256, None, None)
        };
        let template = JwtTemplate {
            object: object::JWT_TEMPLATE.to_owned(),
            id,
            name,
            claims,
            lifetime: lifetime.or(prev.map(|p| p.lifetime)).unwrap_or(DEFAULT_LIFETIME),
            allowed_clock_skew: skew.or(prev.map(|p| p.allowed_clock_skew)).unwrap_or(DEFAULT_CLOCK_SKEW),
            custom_signing_key: custom,
            signing_algorithm: algorithm.as_str().to_owned(),
            created_at: prev.map(|p| p.created_at).unwrap_or(now),
            updated_at: prev.map(|p| now.max(p.updated_at + 1)).unwrap_or(now),
        };
        // The store keeps the recorded lifetime of a kept key (and clears it for a new one).
        let kept = existing.filter(|r| r.signing_key_sealed == sealed).and_then(|r| r.key_max_token_lifetime);
        Ok((TemplateRecord { template, signing_key_sealed: sealed, key_max_token_lifetime: kept }, parsed))
    }

    pub async fn create_template(&self, f: Fields) -> ApiResult<JwtTemplate> {
        self.create_template_as(None, f).await
    }

    pub(crate) async fn create_template_as(&self, id: Option<String>, f: Fields) -> ApiResult<JwtTemplate> {
        let now = self.now_ms();
        let (rec, _) = self.template_from_body(f, None, id, now)?;
        self.store.insert_template(&rec).await?;
        Ok(rec.template)
    }

    pub async fn get_template(&self, id: &str) -> ApiResult<JwtTemplate> {
        Ok(self.template_record(id).await?.template)
    }

    pub(crate) async fn template_record(&self, id: &str) -> ApiResult<TemplateRecord> {
        self.store.get_template(id).await?.ok_or_else(|| ApiError::template_not_found("id", id))
    }

    pub async fn update_template(&self, id: &str, f: Fields) -> ApiResult<JwtTemplate> {
        let existing = self.template_record(id).await?;
        let (rec, _) = self.template_from_body(f, Some(&existing), None, self.now_ms())?;
        if !self.store.update_template(&rec).await? {
            return Err(ApiError::template_not_found("id", id));
        }
        self.forget_template(id);
        Ok(rec.template)
    }

    pub async fn delete_template(&self, id: &str) -> ApiResult<DeletedObject> {
        if !self.store.delete_template(id).await? {
            return Err(ApiError::template_not_found("id", id));
        }
        self.forget_template(id);
        Ok(DeletedObject {
            object: object::JWT_TEMPLATE.to_owned(),
            id: Some(id.to_owned()),
            slug: None,
            deleted: true,
        })
    }

    pub async fn list_templates(&self, q: &QueryParams) -> ApiResult<Listing<JwtTemplate>> {
        let page = q.page()?;
        let paginated = q.paginated()?;
        let (rows, total_count) = self.store.list_templates(page).await?;
        let data: Vec<JwtTemplate> = rows.into_iter().map(|r| r.template).collect();
        Ok(if paginated { Listing::Page(tessera_types::Paginated { data, total_count }) } else { Listing::Bare(data) })
    }

    pub(crate) fn forget_template(&self, id: &str) {
        if let Ok(mut cache) = self.template_cache.write() {
            cache.remove(id);
        }
    }

    /// Public keys of asymmetric custom template keys, `kid` = RFC 7638 thumbprint, with their
    /// algorithm: every template's current key, then the keys rotations replaced that are still
    /// published (`template_keys.rs`). The templates are read from the store (so a change on any node
    /// shows at once), but a key is decrypted and parsed only when its template's sealed key is new to
    /// this node.
    pub(crate) async fn template_jwks(&self) -> ApiResult<Vec<(Algorithm, Jwk)>> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut offset = 0;
        loop {
            let (rows, total) = self.store.list_templates(Page { limit: 500, offset }).await?;
            for r in &rows {
                if !r.template.custom_signing_key {
                    continue;
                }
                let Some(alg) = Algorithm::parse(&r.template.signing_algorithm) else {
                    continue;
                };
                if alg.is_hmac() {
                    continue;
                }
                seen.insert(r.template.id.clone());
                let cached = self.template_jwk_cache.lock().ok().and_then(|c| {
                    c.get(&r.template.id).filter(|(sealed, _)| *sealed == r.signing_key_sealed).map(|(_, j)| j.clone())
                });
                let jwk = match cached {
                    Some(jwk) => jwk,
                    None => {
                        // Keys shared by several templates are merged by `kid` in `Tessera::jwks`.
                        let jwk = self
                            .open_template_key(r, alg)
                            .ok()
                            .and_then(|key| key.thumbprint().and_then(|kid| key.public_jwk(Some(&kid))));
                        if let Ok(mut c) = self.template_jwk_cache.lock() {
                            c.insert(r.template.id.clone(), (r.signing_key_sealed.clone(), jwk.clone()));
                        }
                        jwk
                    }
                };
                if let Some(jwk) = jwk {
                    out.push((alg, jwk));
                }
            }
            offset += rows.len() as i64;
            if rows.is_empty() || offset >= total {
                break;
            }
        }
        if let Ok(mut c) = self.template_jwk_cache.lock() {
            c.retain(|id, _| seen.contains(id));
        }
        for k in self.store.published_retired_template_keys(self.now_ms()).await? {
            if let Some(alg) = Algorithm::parse(&k.alg) {
                out.push((alg, k.public_jwk));
            }
        }
        Ok(out)
    }

    pub(crate) fn open_template_key(&self, r: &TemplateRecord, alg: Algorithm) -> ApiResult<Arc<SigningKey>> {
        let sealed = r
            .signing_key_sealed
            .as_deref()
            .ok_or_else(|| ApiError::internal_logged("custom template has no sealed key", &r.template.id))?;
        let bytes = tessera_jwt::open(&self.master.0, sealed, &template_key_aad(&r.template.id)).map_err(|_| {
            tracing::error!(template = %r.template.id, "custom signing key cannot be decrypted with the master key");
            ApiError::internal()
        })?;
        SigningKey::from_storage_bytes(alg, &bytes)
            .map(Arc::new)
            .map_err(|e| ApiError::internal_logged("custom signing key does not parse", e))
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
    fn reserved_claims_are_rejected_but_aud_is_allowed() {
        for c in RESERVED_CLAIMS {
            let e = validate_claims(&claims(json!({ c: "x" })), 16384).unwrap_err();
            assert_eq!((e.code, e.kind.status()), ("jwt_template_reserved_claim", 400), "{c}");
            assert!(e.long_message.contains(c));
        }
        assert!(validate_claims(&claims(json!({"aud": "convex"})), 16384).is_ok());
    }

    #[test]
    fn oversized_claims_and_bad_names_are_named() {
        let e = validate_claims(&claims(json!({"k": "x".repeat(100)})), 50).unwrap_err();
        assert_eq!(e.param_name(), Some("claims"));
        assert!(check_name("a/b").is_err());
        assert!(check_name(" ").is_err());
        assert!(check_name("supabase").is_ok());
    }
}
