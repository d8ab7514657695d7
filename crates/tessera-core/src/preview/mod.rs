//! `POST /v1/tessera/jwt_templates/preview`: the token a template would give a user or a session,
//! rendered but not signed, with its exact size and what would make it refused or surprising
//! ([`lint`]).
//!
//! A preview goes through the mint's own steps ([`crate::mint`]): the same compiled template (the
//! cached one for a stored template), the same shortcode context, the same default claims and the
//! same header, so what it shows is what the next mint would sign. The size is computed, not
//! measured: `base64url(header).base64url(claims).base64url(signature)` with the signature length of
//! the key that would sign.

pub mod lint;

use std::sync::Arc;

use serde_json::{Map, Value};
use tessera_jwt::Algorithm;
use tessera_types::{JwtTemplatePreview, Organization, OrganizationMembership, Session, User, object};

use crate::error::{ApiError, ApiResult};
use crate::fields::{Body, Field, Fields};
use crate::mint::{CAT_TEMPLATE, CachedTemplate, TemplateDefaults, header, template_token_claims, uses_org_list};
use crate::orgs::membership_object;
use crate::service::Tessera;
use crate::sessions::effective_status;
use crate::shortcode::CompiledClaims;
use crate::templates::{
    ALLOWED_CLOCK_SKEW, DEFAULT_CLOCK_SKEW, DEFAULT_LIFETIME, LIFETIME, parse_alg, validate_claims,
};
use lint::{Consumer, LintInput};

/// The body of the preview route.
pub const PREVIEW_JWT_TEMPLATE: Body = Body {
    schema: "PreviewJwtTemplateRequestBody",
    groups: &[&[
        Field::string_of("template", 1, crate::fields::MAX_NAME_CHARS),
        Field::object("claims"),
        LIFETIME,
        ALLOWED_CLOCK_SKEW,
        Field::string("signing_algorithm"),
        Field::string("user_id"),
        Field::string("session_id"),
        Field::string("organization_id"),
        Field::string("consumer"),
    ]],
};

/// RSA keys of unsaved previews are taken to be RSA-2048, as Tessera generates them.
const RSA_2048_BYTES: usize = 256;
/// The `kid` of an asymmetric custom key is its RFC 7638 thumbprint: 43 base64url characters.
const THUMBPRINT_PLACEHOLDER: &str = "thumbprint-of-the-custom-key-rfc7638-sha256";

/// Who the claims are rendered for.
struct Subject {
    user: User,
    session: Option<Session>,
    active: Option<(Organization, OrganizationMembership)>,
    /// Set when a session was given that a mint would refuse (ended or expired).
    not_live: Option<String>,
}

/// What is rendered: a stored template (its cached compiled form) or unsaved claims.
enum Source {
    Stored(Arc<CachedTemplate>),
    Unsaved { claims: Map<String, Value>, compiled: CompiledClaims, lifetime: i64, skew: i64, alg: Option<Algorithm> },
}

impl Tessera {
    /// Renders a template for a user or a session without signing; see the module documentation.
    pub async fn preview_template(&self, mut f: Fields) -> ApiResult<JwtTemplatePreview> {
        let template = f.opt_string("template")?;
        let claims = f.opt_object("claims")?;
        let lifetime = f.int(&LIFETIME)?;
        let skew = f.int(&ALLOWED_CLOCK_SKEW)?;
        let alg = f.opt_string("signing_algorithm")?;
        let user_id = f.opt_string("user_id")?;
        let session_id = f.opt_string("session_id")?;
        let org_id = f.opt_string("organization_id")?;
        let consumer = f.opt_string("consumer")?;
        f.finish()?;
        let named = match consumer.as_deref() {
            None => None,
            Some(c) => Some(Consumer::parse(c).ok_or_else(|| {
                ApiError::param_value("consumer", format!("{c} is not one of hasura, supabase, convex."))
            })?),
        };
        let source = match (template, claims) {
            (Some(_), Some(_)) => return Err(ApiError::param_disallowed_with("claims", "template")),
            (None, None) => return Err(ApiError::param_missing("template")),
            (Some(t), None) => {
                for (param, given) in [
                    ("lifetime", lifetime.is_some()),
                    ("allowed_clock_skew", skew.is_some()),
                    ("signing_algorithm", alg.is_some()),
                ] {
                    if given {
                        return Err(ApiError::param_disallowed_with(param, "template"));
                    }
                }
                let rec = match self.store.get_template(&t).await? {
                    Some(r) => r,
                    None => self
                        .store
                        .get_template_by_name(&t)
                        .await?
                        .ok_or_else(|| ApiError::template_not_found("id or name", &t))?,
                };
                Source::Stored(self.cached_template(&Arc::new(rec))?)
            }
            (None, Some(claims)) => {
                let compiled = validate_claims(&claims, self.config.max_claims_bytes)?;
                let alg = alg.map(|a| parse_alg(&a)).transpose()?;
                Source::Unsaved {
                    claims,
                    compiled,
                    lifetime: lifetime.unwrap_or(DEFAULT_LIFETIME),
                    skew: skew.unwrap_or(DEFAULT_CLOCK_SKEW),
                    alg,
                }
            }
        };
        let now = self.now_ms();
        let subject = self.preview_subject(user_id.as_deref(), session_id.as_deref(), org_id.as_deref(), now).await?;
        self.render_preview(&source, &subject, named, now).await
    }

    async fn preview_subject(
        &self,
        user_id: Option<&str>,
        session_id: Option<&str>,
        org_id: Option<&str>,
        now: i64,
    ) -> ApiResult<Subject> {
        let mut subject = match (session_id, user_id) {
            (Some(_), Some(_)) => return Err(ApiError::param_disallowed_with("user_id", "session_id")),
            (None, None) => return Err(ApiError::param_missing("user_id")),
            (Some(sid), None) => {
                let rec = self.store.load_mint(sid, None).await?.ok_or_else(|| ApiError::session_not_found(sid))?;
                let user = rec.user.ok_or_else(|| ApiError::session_not_found(sid))?;
                let status = effective_status(&rec.session, now);
                let not_live = (!status.is_live()).then(|| status.as_str().to_owned());
                let active = rec.active.map(|(org, m)| {
                    let obj = membership_object(&m, &org, None);
                    (org, obj)
                });
                Subject { user, session: Some(rec.session), active, not_live }
            }
            (None, Some(uid)) => {
                let user = self.store.get_user(uid).await?.ok_or_else(|| ApiError::user_not_found(uid))?;
                Subject { user, session: None, active: None, not_live: None }
            }
        };
        if let Some(org_id) = org_id {
            let org = self.store.get_organization(org_id).await?.ok_or_else(ApiError::organization_not_found)?;
            let m = self.store.get_membership(&org.id, &subject.user.id).await?.ok_or_else(|| {
                ApiError::param_value(
                    "organization_id",
                    format!("{} is not a member of the organization {}.", subject.user.id, org.id),
                )
            })?;
            let obj = membership_object(&m, &org, None);
            subject.active = Some((org, obj));
        }
        Ok(subject)
    }

    async fn render_preview(
        &self,
        source: &Source,
        subject: &Subject,
        named: Option<Consumer>,
        now: i64,
    ) -> ApiResult<JwtTemplatePreview> {
        let (template, compiled, lifetime, skew, org_list, name) = match source {
            Source::Stored(c) => (
                &c.template.claims,
                &c.compiled,
                c.template.lifetime,
                c.template.allowed_clock_skew,
                c.uses_org_list,
                Some(c.template.name.as_str()),
            ),
            Source::Unsaved { claims, compiled, lifetime, skew, .. } => {
                (claims, compiled, *lifetime, *skew, uses_org_list(claims), None)
            }
        };
        let (head, signature_len) = match source {
            Source::Stored(c) => self.template_header(c.custom.as_ref())?,
            Source::Unsaved { alg: Some(alg), .. } if *alg != self.instance_algorithm()? => {
                let kid = (!alg.is_hmac()).then_some(THUMBPRINT_PLACEHOLDER);
                (header(*alg, CAT_TEMPLATE, kid), alg.signature_len(RSA_2048_BYTES))
            }
            Source::Unsaved { .. } => self.template_header(None)?,
        };
        let active = subject.active.as_ref().map(|(o, m)| (o, m));
        let ctx = self.template_context(org_list, &subject.user, subject.session.as_ref(), active).await?;
        let rendered = compiled.render(&ctx);
        let custom_claims_bytes = crate::session_claims::claims_size(&rendered);
        let defaults =
            TemplateDefaults { iat: now / 1000, lifetime, skew, issuer: &self.issuer, sub: &subject.user.id };
        let claims = template_token_claims(rendered, &defaults);
        let json_len = |m: &Map<String, Value>| serde_json::to_vec(m).map(|v| v.len()).unwrap_or(0);
        let size = tessera_jwt::compact_len(json_len(&head), json_len(&claims), signature_len);
        let input = LintInput {
            template_name: name,
            template,
            claims: &claims,
            custom_claims_bytes,
            token_bytes: size,
            max_token_bytes: self.config.max_token_bytes,
            named,
        };
        let consumers = lint::consumers(&input);
        let mut lints = Vec::new();
        if let (Some(status), Some(s)) = (&subject.not_live, &subject.session) {
            lints.push(tessera_types::TemplateLint {
                code: "session_not_live".into(),
                severity: "error".into(),
                consumer: None,
                claim_path: None,
                message: format!("The session {} is {status}: minting a token for it answers 404.", s.id),
                documentation_url: Some("https://clerk.com/docs/reference/backend-api/tag/sessions".into()),
            });
        }
        lints.extend(lint::lints(&input, &consumers, &self.issuer));
        Ok(JwtTemplatePreview {
            object: object::JWT_TEMPLATE_PREVIEW.to_owned(),
            template_id: match source {
                Source::Stored(c) => Some(c.template.id.clone()),
                Source::Unsaved { .. } => None,
            },
            header: head,
            custom_claims_bytes: custom_claims_bytes as u64,
            size_bytes: size as u64,
            consumers: consumers.iter().map(|c| c.as_str().to_owned()).collect(),
            claims,
            lints,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tessera_jwt::SigningKey;

    use super::*;

    /// The computed size is the length of the token the key signs, for every algorithm.
    #[test]
    fn computed_size_equals_the_signed_token_length_for_every_algorithm() {
        let claims: Map<String, Value> =
            json!({"sub": "user_1", "meta": {"a": [1, 2, 3]}, "x": "é".repeat(7)}).as_object().cloned().unwrap();
        for alg in Algorithm::ALL {
            let key = if alg.is_hmac() {
                SigningKey::from_hmac_secret(alg, &[7u8; 64]).unwrap()
            } else {
                SigningKey::generate(alg).unwrap()
            };
            let kid = key.thumbprint();
            let head = header(alg, CAT_TEMPLATE, kid.as_deref());
            let jwt = tessera_jwt::encode(&head, &claims, &key).unwrap();
            let size = tessera_jwt::compact_len(
                serde_json::to_vec(&head).unwrap().len(),
                serde_json::to_vec(&claims).unwrap().len(),
                key.signature_len(),
            );
            assert_eq!(size, jwt.len(), "{alg:?}");
            if !alg.is_rsa() {
                assert_eq!(key.signature_len(), alg.signature_len(0), "{alg:?}");
            }
        }
        assert_eq!(THUMBPRINT_PLACEHOLDER.len(), 43);
    }
}
