//! Minting: template tokens (`POST /sessions/{id}/tokens/{template}`) and session tokens
//! (`POST /sessions/{id}/tokens`).
//!
//! A mint needs the session, its user, the template, the active organization and membership and the
//! custom session claims. They come from the mint cache ([`crate::mint_cache`]: in memory, kept
//! coherent by the event log, so a change is seen by the next mint on the node that made it and
//! within the staleness bound on every other node), or, when any of them is not cached or the change
//! feed is not fresh, from one store call ([`crate::store::Store::load_mint`]: one statement on the
//! SQL store). Derived from those records and reused while they are unchanged: the compiled claims
//! and the parsed custom key of a template (every field of the template, and the sealed key, must
//! match), and the compiled custom session claims.
//!
//! A custom asymmetric key, like an instance key, has the longest lifetime of a token it signs
//! recorded in the store before it signs one that long (the first time on each node), so that a
//! rotation keeps its public key published long enough (`template_keys.rs`). When the store no longer
//! holds that key (another node rotated or replaced it, and this node's cache has not seen it yet),
//! the template is read again and its new key signs.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use serde_json::{Map, Value, json};
use tessera_jwt::{Algorithm, SigningKey};
use tessera_types::{JwtTemplate, Organization, OrganizationMembership, Session, SessionStatus, Token, User, object};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields};
use crate::mint_cache::{ActiveEntry, MintShared, SessionEntry, UserEntry};
use crate::service::Tessera;
use crate::sessions::effective_status;
use crate::shortcode::{CompiledClaims, ContextParts, build_context, user_context};
use crate::templates::{MAX_LIFETIME, MIN_LIFETIME};

/// `cat` header of session tokens.
pub const CAT_SESSION: &str = "cl_B7d4PD111AAA";
/// `cat` header of template tokens.
pub const CAT_TEMPLATE: &str = "cl_B7d4PD222AAA";
/// `cat` header of JWT-format M2M tokens (@clerk/backend's `JWT_CATEGORY_M2M_TOKEN`): a session-token
/// verifier refuses them.
pub const CAT_M2M: &str = "cl_B7d4PD333AAA";
/// `nbf = iat − 10` on session tokens.
pub const SESSION_TOKEN_SKEW: i64 = 10;
/// Session tokens live 60 s unless `expires_in_seconds` says otherwise.
pub const SESSION_TOKEN_LIFETIME: i64 = 60;

/// What is kept in memory per template: derived from the stored record and valid while it is unchanged.
pub(crate) struct CachedTemplate {
    /// The record this was derived from (shared with the mint cache).
    source: Arc<crate::store::TemplateRecord>,
    pub(crate) template: JwtTemplate,
    sealed: Option<String>,
    pub(crate) compiled: CompiledClaims,
    /// Custom key and its `kid` (None for HMAC); None when the instance key signs.
    pub(crate) custom: Option<(Arc<SigningKey>, Option<String>)>,
    /// The custom key's JOSE header for template tokens, base64url-encoded once (empty without one).
    custom_header: String,
    pub(crate) uses_org_list: bool,
    /// The longest token lifetime (s) known to be recorded in the store for the custom key; -1: none.
    recorded_lifetime: AtomicI64,
}

impl CachedTemplate {
    /// The same derivation, from `source` (a record equal to this one's).
    fn derived_from(&self, source: &Arc<crate::store::TemplateRecord>) -> CachedTemplate {
        CachedTemplate {
            source: source.clone(),
            template: self.template.clone(),
            sealed: self.sealed.clone(),
            compiled: self.compiled.clone(),
            custom: self.custom.clone(),
            custom_header: self.custom_header.clone(),
            uses_org_list: self.uses_org_list,
            recorded_lifetime: AtomicI64::new(self.recorded_lifetime.load(Ordering::Acquire)),
        }
    }
}

/// A custom key and its `kid` (`None` for HMAC keys).
pub(crate) type CustomKey = (Arc<SigningKey>, Option<String>);

/// A signed token and the algorithm that signed it (for metrics: no need to read the header back).
#[derive(Debug, Clone)]
pub struct Minted {
    pub token: Token,
    pub algorithm: Algorithm,
}

/// Whether claims name `user.organizations`, which needs every membership of the user (one more read).
pub(crate) fn uses_org_list(claims: &Map<String, Value>) -> bool {
    serde_json::to_string(claims).unwrap_or_default().contains("organizations")
}

/// The default claims of a template token, which the template cannot set.
pub(crate) struct TemplateDefaults<'a> {
    pub iat: i64,
    pub lifetime: i64,
    pub skew: i64,
    pub issuer: &'a str,
    pub sub: &'a str,
}

/// A template token's claims: the rendered template, then the default claims (a fresh `jti`). The
/// mint and the preview both build claims here, so a preview is the token a mint would sign.
pub(crate) fn template_token_claims(mut claims: Map<String, Value>, d: &TemplateDefaults<'_>) -> Map<String, Value> {
    claims.insert("exp".into(), json!(d.iat + d.lifetime));
    claims.insert("iat".into(), json!(d.iat));
    claims.insert("iss".into(), json!(d.issuer));
    claims.insert("jti".into(), json!(tessera_jwt::random_hex(10)));
    claims.insert("nbf".into(), json!(d.iat - d.skew));
    claims.insert("sub".into(), json!(d.sub));
    claims
}

pub(crate) fn header(alg: Algorithm, cat: &str, kid: Option<&str>) -> Map<String, Value> {
    let mut h = Map::new();
    h.insert("alg".into(), Value::from(alg.as_str()));
    h.insert("cat".into(), Value::from(cat));
    if let Some(k) = kid {
        h.insert("kid".into(), Value::from(k));
    }
    h.insert("typ".into(), Value::from("JWT"));
    h
}

/// [`header`], encoded for a compact JWS (base64url of its JSON), written without building the map:
/// the same bytes, since the map's keys serialize in this order and a `kid` is escaped by the JSON
/// serializer like any string.
pub(crate) fn header_b64(alg: Algorithm, cat: &str, kid: Option<&str>) -> String {
    let mut json = String::with_capacity(96);
    json.push_str(r#"{"alg":""#);
    json.push_str(alg.as_str());
    json.push_str(r#"","cat":"#);
    push_json_str(&mut json, cat);
    if let Some(kid) = kid {
        json.push_str(r#","kid":"#);
        push_json_str(&mut json, kid);
    }
    json.push_str(r#","typ":"JWT"}"#);
    tessera_jwt::b64url(json.as_bytes())
}

/// Whether `s` is written in JSON exactly as it is, between quotes: it holds no quote, backslash or
/// control character (what a JSON serializer escapes). Branch-free over the bytes, so the compiler
/// vectorizes it: it runs over every token answered.
pub fn json_plain(s: &str) -> bool {
    !s.bytes().fold(false, |bad, b| bad | (b == b'"') | (b == b'\\') | (b < 0x20))
}

/// A compact JWS of `claims` under the encoded header `header_b64`, signed with `key`.
fn signed(header_b64: &str, claims: &Map<String, Value>, key: &SigningKey) -> ApiResult<String> {
    tessera_jwt::encode_with_header(header_b64, claims, key).map_err(|e| ApiError::internal_logged("signing failed", e))
}

fn push_json_str(out: &mut String, s: &str) {
    if json_plain(s) {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&Value::from(s).to_string());
    }
}

const EXPIRES_IN_SECONDS: Field = Field::int("expires_in_seconds", MIN_LIFETIME, MAX_LIFETIME);

/// The optional body of both token endpoints.
pub const SESSION_TOKEN: Body = Body { schema: "CreateSessionTokenRequestBody", groups: &[&[EXPIRES_IN_SECONDS]] };

fn parse_expires(mut f: Fields) -> ApiResult<Option<i64>> {
    let v = f.int(&EXPIRES_IN_SECONDS)?;
    f.finish()?;
    Ok(v)
}

/// What a mint reads, checked: a live session, its user, the template if one was asked for, the
/// active organization with the membership object, and the custom session claims; each shared with
/// the mint cache (nothing is cloned on a mint from memory).
struct MintContext {
    session: Arc<SessionEntry>,
    user: Arc<UserEntry>,
    template: Option<Arc<crate::store::TemplateRecord>>,
    active: Option<Arc<ActiveEntry>>,
    session_claims: Option<Arc<crate::store::SessionClaimsRecord>>,
}

impl Tessera {
    /// Reads session, user, template and active organization from the mint cache, or in one store
    /// call (one round trip), and checks them: a session that is unknown, not live (active or
    /// pending, not past expiry) or whose user is gone is a 404.
    async fn mint_context(&self, session_id: &str, template_name: Option<&str>, now: i64) -> ApiResult<MintContext> {
        let rec = match self.mint_cache.get(session_id, template_name, now) {
            Some(rec) => rec,
            None => {
                let before = self.mint_cache.generations();
                let rec = self
                    .store
                    .load_mint(session_id, template_name)
                    .await?
                    .ok_or_else(|| ApiError::session_not_found(session_id))?;
                let rec = MintShared::new(rec);
                self.mint_cache.fill(before, session_id, template_name, &rec);
                rec
            }
        };
        if !effective_status(&rec.session.session, now).is_live() {
            return Err(ApiError::session_not_found(session_id));
        }
        let user = rec.user.ok_or_else(|| ApiError::session_not_found(session_id))?;
        Ok(MintContext {
            session: rec.session,
            user,
            template: rec.template,
            active: rec.active,
            session_claims: rec.session_claims,
        })
    }

    pub(crate) fn cached_template(&self, rec: &Arc<crate::store::TemplateRecord>) -> ApiResult<Arc<CachedTemplate>> {
        let t = &rec.template;
        let found = match self.template_cache.read() {
            Ok(cache) => match cache.get(&t.id) {
                // The very record it was derived from (a mint from memory)...
                Some(c) if Arc::ptr_eq(&c.source, rec) => Some((c.clone(), true)),
                // ...or one equal in every field, not only `updated_at`: two writers that read the
                // same version can store different lifetimes or skews under one `updated_at`.
                Some(c) if c.template == *t && c.sealed == rec.signing_key_sealed => Some((c.clone(), false)),
                _ => None,
            },
            Err(_) => None,
        };
        if let Some((c, same_record)) = found {
            // A plain load first: this runs on every mint, and a read-modify-write would move the
            // shared cache line between cores each time.
            let stored = rec.key_max_token_lifetime.unwrap_or(-1);
            if c.recorded_lifetime.load(Ordering::Acquire) < stored {
                c.recorded_lifetime.fetch_max(stored, Ordering::AcqRel);
            }
            if same_record {
                return Ok(c);
            }
            // An equal record read again (the mint cache refreshed it, e.g. after its key's lifetime
            // was recorded): derive from it from now on, so that the next mints find it by
            // identity instead of comparing every field.
            return Ok(self.remember_template(c.derived_from(rec)));
        }
        let compiled = CompiledClaims::compile(&t.claims).map_err(|e| {
            tracing::error!(template = %t.id, error = %e, "stored template does not compile");
            ApiError::internal()
        })?;
        let custom = if t.custom_signing_key {
            let alg = Algorithm::parse(&t.signing_algorithm).ok_or_else(ApiError::internal)?;
            let key = self.open_template_key(rec, alg)?;
            let kid = if alg.is_hmac() { None } else { key.thumbprint() };
            Some((key, kid))
        } else {
            None
        };
        let custom_header = custom
            .as_ref()
            .map(|(key, kid): &CustomKey| header_b64(key.algorithm(), CAT_TEMPLATE, kid.as_deref()))
            .unwrap_or_default();
        Ok(self.remember_template(CachedTemplate {
            source: rec.clone(),
            template: t.clone(),
            sealed: rec.signing_key_sealed.clone(),
            compiled,
            custom,
            custom_header,
            uses_org_list: uses_org_list(&t.claims),
            recorded_lifetime: AtomicI64::new(rec.key_max_token_lifetime.unwrap_or(-1)),
        }))
    }

    /// Keeps `entry` as its template's derivation and answers it.
    fn remember_template(&self, entry: CachedTemplate) -> Arc<CachedTemplate> {
        let entry = Arc::new(entry);
        if let Ok(mut cache) = self.template_cache.write() {
            cache.insert(entry.template.id.clone(), entry.clone());
        }
        entry
    }

    /// The template to mint with and the token's lifetime, once the template's custom asymmetric key
    /// (if it has one) has that lifetime recorded in the store. When the store no longer holds the
    /// key (rotated or replaced elsewhere), the template is read again by `name`.
    async fn template_for_mint(
        &self,
        mut rec: Arc<crate::store::TemplateRecord>,
        name: &str,
        expires: Option<i64>,
    ) -> ApiResult<(Arc<CachedTemplate>, i64)> {
        for _ in 0..3 {
            let cached = self.cached_template(&rec)?;
            let lifetime = expires.unwrap_or(cached.template.lifetime);
            if self.note_custom_key_lifetime(&cached, lifetime).await? {
                return Ok((cached, lifetime));
            }
            rec = Arc::new(
                self.store
                    .get_template_by_name(name)
                    .await?
                    .ok_or_else(|| ApiError::template_not_found("name", name))?,
            );
        }
        Err(ApiError::new(
            ErrorKind::Conflict,
            "conflict",
            "conflict",
            "The template's signing key kept changing while the token was minted; try again.",
        ))
    }

    /// Records `lifetime` for the template's custom asymmetric key unless this node knows it is
    /// recorded already. False when the store holds another key for the template (it must not sign).
    /// Nothing to do for the instance key (`instance_signer` records its own) or an HMAC key (never
    /// published).
    async fn note_custom_key_lifetime(&self, cached: &CachedTemplate, lifetime: i64) -> ApiResult<bool> {
        let (Some((_, Some(_))), Some(sealed)) = (&cached.custom, &cached.sealed) else {
            return Ok(true);
        };
        if cached.recorded_lifetime.load(Ordering::Acquire) >= lifetime {
            return Ok(true);
        }
        if !self.store.note_template_key_lifetime(&cached.template.id, sealed, lifetime).await? {
            self.forget_template(&cached.template.id);
            return Ok(false);
        }
        cached.recorded_lifetime.fetch_max(lifetime, Ordering::AcqRel);
        Ok(true)
    }

    /// The shortcode context of a template token: the user, the session, the active organization,
    /// and every membership of the user when the template names `user.organizations`.
    pub(crate) async fn template_context(
        &self,
        uses_org_list: bool,
        user: &User,
        session: Option<&Session>,
        active: Option<(&Organization, &OrganizationMembership)>,
    ) -> ApiResult<Value> {
        let org_list = if uses_org_list { self.org_list(&user.id).await? } else { Vec::new() };
        Ok(build_context(user, session, active, &org_list))
    }

    /// Every `(organization id, role)` of the user: `user.organizations` (one more read).
    pub(crate) async fn org_list(&self, user_id: &str) -> ApiResult<Vec<(String, String)>> {
        Ok(self.store.list_user_memberships(user_id).await?.into_iter().map(|(m, o)| (o.id, m.role)).collect())
    }

    /// The `user` part of a mint's context when the claims name `user.organizations` (the cached part
    /// is built without it); `None` when they do not.
    pub(crate) async fn user_part_with_orgs(&self, uses_org_list: bool, user: &User) -> ApiResult<Option<Value>> {
        if !uses_org_list {
            return Ok(None);
        }
        Ok(Some(user_context(user, &self.org_list(&user.id).await?)))
    }

    /// The header a template token signed by `custom` (or the instance key) gets, and the length of
    /// its signature: what [`Tessera::encode`] would produce, without signing.
    pub(crate) fn template_header(&self, custom: Option<&CustomKey>) -> ApiResult<(Map<String, Value>, usize)> {
        match custom {
            Some((key, kid)) => Ok((header(key.algorithm(), CAT_TEMPLATE, kid.as_deref()), key.signature_len())),
            None => {
                let ring = self.keyring.read().map_err(|e| ApiError::internal_logged("keyring lock", e))?;
                let k = ring.signer().ok_or_else(ApiError::internal)?;
                Ok((header(k.key.algorithm(), CAT_TEMPLATE, Some(&k.kid)), k.key.signature_len()))
            }
        }
    }

    /// The algorithm of the instance key that signs now.
    pub(crate) fn instance_algorithm(&self) -> ApiResult<Algorithm> {
        let ring = self.keyring.read().map_err(|e| ApiError::internal_logged("keyring lock", e))?;
        Ok(ring.signer().ok_or_else(ApiError::internal)?.key.algorithm())
    }

    /// Signs `claims` with the instance key, or with `custom` when given; refuses a token over
    /// `max_token_bytes`.
    pub(crate) fn sign(&self, claims: &Map<String, Value>, cat: &str, custom: Option<&CustomKey>) -> ApiResult<String> {
        self.within_limit(self.encode(claims, cat, custom)?)
    }

    /// `jwt`, unless it is longer than `max_token_bytes`.
    fn within_limit(&self, jwt: String) -> ApiResult<String> {
        if jwt.len() > self.config.max_token_bytes {
            return Err(ApiError::new(
                ErrorKind::Unprocessable,
                "jwt_token_too_large",
                "token too large",
                format!(
                    "The signed token would be {} bytes, more than the limit of {} bytes. Reduce the template's claims or the metadata they include.",
                    jwt.len(),
                    self.config.max_token_bytes
                ),
            ));
        }
        Ok(jwt)
    }

    /// Signs `claims` with the instance key, or with `custom` when given.
    fn encode(&self, claims: &Map<String, Value>, cat: &str, custom: Option<&CustomKey>) -> ApiResult<String> {
        match custom {
            Some((key, kid)) => signed(&header_b64(key.algorithm(), cat, kid.as_deref()), claims, key),
            None => {
                let ring = self.keyring.read().map_err(|e| ApiError::internal_logged("keyring lock", e))?;
                let k = ring.signer().ok_or_else(ApiError::internal)?;
                signed(&header_b64(k.key.algorithm(), cat, Some(&k.kid)), claims, &k.key)
            }
        }
    }

    /// `POST /sessions/{session_id}/tokens/{template_name}`.
    pub async fn mint_template_token(&self, session_id: &str, template_name: &str, body: Fields) -> ApiResult<Token> {
        Ok(self.mint_template(session_id, template_name, body).await?.token)
    }

    /// [`Tessera::mint_template_token`], with the algorithm that signed the token.
    pub async fn mint_template(&self, session_id: &str, template_name: &str, body: Fields) -> ApiResult<Minted> {
        let expires = parse_expires(body)?;
        let now = self.now_ms();
        let MintContext { session, user, template, active, .. } =
            self.mint_context(session_id, Some(template_name), now).await?;
        let rec = template.ok_or_else(|| ApiError::template_not_found("name", template_name))?;
        let (cached, lifetime) = self.template_for_mint(rec, template_name, expires).await?;
        let with_orgs = self.user_part_with_orgs(cached.uses_org_list, &user.user).await?;
        let parts = context_parts(with_orgs.as_ref().unwrap_or(&user.ctx), &session, active.as_deref());
        let t = &cached.template;
        let defaults = TemplateDefaults {
            iat: now / 1000,
            lifetime,
            skew: t.allowed_clock_skew,
            issuer: &self.issuer,
            sub: &user.user.id,
        };
        let claims = template_token_claims(cached.compiled.render(&parts), &defaults);
        let (jwt, algorithm) = match &cached.custom {
            // The custom key's header was encoded once, with the template's derivation.
            Some((key, _)) => (self.within_limit(signed(&cached.custom_header, &claims, key)?)?, key.algorithm()),
            None => {
                let signer = self.instance_signer(defaults.lifetime).await?;
                (self.sign(&claims, CAT_TEMPLATE, Some(&signer))?, signer.0.algorithm())
            }
        };
        Ok(Minted { token: Token { object: object::TOKEN.to_owned(), jwt }, algorithm })
    }

    /// `POST /sessions/{session_id}/tokens`: the default session token (v2 claims, or v1 when the
    /// instance is configured so), with the instance's custom session claims when it has some
    /// (`session_claims.rs`; the default claims win).
    pub async fn mint_session_token(&self, session_id: &str, body: Fields) -> ApiResult<Token> {
        Ok(self.mint_session(session_id, body).await?.token)
    }

    /// [`Tessera::mint_session_token`], with the algorithm that signed the token.
    pub async fn mint_session(&self, session_id: &str, body: Fields) -> ApiResult<Minted> {
        let expires = parse_expires(body)?;
        let now = self.now_ms();
        let MintContext { session, user, active, session_claims, .. } =
            self.mint_context(session_id, None, now).await?;
        let custom = self.render_session_claims(session_claims.as_deref(), &user, &session, active.as_deref()).await?;
        let (session, user) = (&session.session, &user.user);
        let iat = now / 1000;
        let mut claims = Map::new();
        let lifetime = expires.unwrap_or(SESSION_TOKEN_LIFETIME);
        claims.insert("exp".into(), json!(iat + lifetime));
        claims.insert("iat".into(), json!(iat));
        claims.insert("iss".into(), json!(self.issuer));
        claims.insert("nbf".into(), json!(iat - SESSION_TOKEN_SKEW));
        claims.insert("sid".into(), json!(session.id));
        claims.insert("sub".into(), json!(user.id));
        let status = if session.status == SessionStatus::Pending { "pending" } else { "active" };
        claims.insert("sts".into(), json!(status));
        if let Some(actor) = &session.actor {
            claims.insert("act".into(), actor.clone());
        }
        let active = active.as_deref().map(|a| (&a.org, &a.membership));
        if self.config.session_token_version == 1 {
            if let Some((org, m)) = active {
                claims.insert("org_id".into(), json!(org.id));
                claims.insert("org_slug".into(), json!(org.slug));
                claims.insert("org_role".into(), json!(m.role));
                claims.insert("org_permissions".into(), json!(custom_permissions(&m.permissions)));
            }
        } else {
            claims.insert("v".into(), json!(2));
            if let Some((org, m)) = active {
                let (o, fea) = org_claim_v2(org, m);
                claims.insert("o".into(), o);
                if let Some(fea) = fea {
                    claims.insert("fea".into(), json!(fea));
                }
            }
        }
        let custom_bytes = custom.as_ref().map(crate::session_claims::claims_size);
        if let Some(custom) = custom {
            for (k, v) in custom {
                claims.entry(k).or_insert(v);
            }
            // Clerk's session tokens carry a `jti` exactly when the instance has custom claims.
            claims.insert("jti".into(), json!(tessera_jwt::random_hex(10)));
        }
        let limit = crate::session_claims::session_token_limit(&self.config);
        let signer = self.instance_signer(lifetime).await?;
        let jwt = self.encode(&claims, CAT_SESSION, Some(&signer))?;
        if jwt.len() > limit {
            tracing::warn!(
                session_id = %session.id,
                user_id = %user.id,
                size_bytes = jwt.len(),
                limit_bytes = limit,
                custom_claims_bytes = custom_bytes,
                "session token refused: larger than the session-token limit"
            );
            return Err(crate::session_claims::token_too_large(jwt.len(), limit, custom_bytes));
        }
        Ok(Minted { token: Token { object: object::TOKEN.to_owned(), jwt }, algorithm: signer.0.algorithm() })
    }
}

/// The context of a mint, borrowed from the cached records: `user` is the user's part (with
/// `user.organizations` when the claims need it).
pub(crate) fn context_parts<'a>(
    user: &'a Value,
    session: &'a SessionEntry,
    active: Option<&'a ActiveEntry>,
) -> ContextParts<'a> {
    ContextParts {
        user,
        org: active.map(|a| &a.org_ctx),
        org_membership: active.map(|a| &a.membership_ctx),
        session: Some(&session.ctx),
    }
}

/// Permission keys without the system ones (`org:sys_*`), which never go into session claims.
fn custom_permissions(perms: &[String]) -> Vec<String> {
    perms.iter().filter(|p| !p.starts_with("org:sys_")).cloned().collect()
}

/// The v2 `o` claim and the top-level `fea` it needs: `per` lists permission names, `fpm` one
/// bitmask per feature (bit i = `per[i]` granted), features `o:<feature>` in `fea`.
fn org_claim_v2(org: &Organization, m: &OrganizationMembership) -> (Value, Option<String>) {
    let mut o = Map::new();
    o.insert("id".into(), json!(org.id));
    o.insert("rol".into(), json!(m.role.strip_prefix("org:").unwrap_or(&m.role)));
    o.insert("slg".into(), json!(org.slug));
    let mut features: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut grants: Vec<(usize, usize)> = Vec::new();
    for p in custom_permissions(&m.permissions) {
        let mut parts = p.splitn(3, ':');
        let (Some("org"), Some(feature), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let fi = features.iter().position(|f| f == feature).unwrap_or_else(|| {
            features.push(feature.to_owned());
            features.len() - 1
        });
        let ni = names.iter().position(|n| n == name).unwrap_or_else(|| {
            names.push(name.to_owned());
            names.len() - 1
        });
        grants.push((fi, ni));
    }
    if features.is_empty() {
        return (Value::Object(o), None);
    }
    let fpm: Vec<String> = (0..features.len())
        .map(|fi| {
            grants.iter().filter(|(f, _)| *f == fi).fold(0u64, |acc, (_, n)| acc | (1u64 << n.min(&63))).to_string()
        })
        .collect();
    o.insert("fpm".into(), json!(fpm.join(",")));
    o.insert("per".into(), json!(names.join(",")));
    let fea = features.iter().map(|f| format!("o:{f}")).collect::<Vec<_>>().join(",");
    (Value::Object(o), Some(fea))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_org_claim_encodes_features_and_permission_bitmasks() {
        let org: Organization = serde_json::from_value(json!({
            "object": "organization", "id": "org_1", "name": "Acme", "slug": "acme", "has_image": false,
            "max_allowed_memberships": 0, "admin_delete_enabled": true, "public_metadata": {},
            "created_at": 0, "updated_at": 0
        }))
        .unwrap();
        let m: OrganizationMembership = serde_json::from_value(json!({
            "object": "organization_membership", "id": "orgmem_1", "role": "org:admin",
            "permissions": ["org:sys_profile:manage", "org:dashboard:manage", "org:dashboard:read", "org:teams:read"],
            "public_metadata": {}, "organization": org, "created_at": 0, "updated_at": 0
        }))
        .unwrap();
        let (o, fea) = org_claim_v2(&org, &m);
        assert_eq!(o, json!({"id": "org_1", "rol": "admin", "slg": "acme", "per": "manage,read", "fpm": "3,2"}));
        assert_eq!(fea.as_deref(), Some("o:dashboard,o:teams"));
    }

    #[test]
    fn headers_written_directly_are_the_maps_encoding() {
        for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA, Algorithm::HS256] {
            for cat in [CAT_SESSION, CAT_TEMPLATE, CAT_M2M] {
                for kid in [None, Some("ins_2x1abc"), Some("a \"quoted\" \\ kid\n"), Some("ké")] {
                    assert_eq!(header_b64(alg, cat, kid), tessera_jwt::encode_header(&header(alg, cat, kid)));
                }
            }
        }
    }

    #[test]
    fn plain_strings_are_exactly_those_the_serializer_writes_unchanged() {
        for s in ["", "token", "eyJh.eyJz.sig-_", "ké ✓", "\u{7f}", "a\"b", "a\\b", "a\nb", "\u{1f}", " ", "~"] {
            let unchanged = serde_json::to_string(s).unwrap() == format!("\"{s}\"");
            assert_eq!(json_plain(s), unchanged, "{s:?}");
        }
    }
}
