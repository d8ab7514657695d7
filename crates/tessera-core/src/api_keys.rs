//! API keys (Clerk's API Keys tag): keys an application issues to its users, organizations or
//! machines (`subject`), with scopes and claims. The secret (`ak_…`) is stored as its SHA-256, looked
//! up by it and compared in constant time, and sealed with the master key for Clerk's reveal route
//! (`GET /api_keys/{id}/secret`). Verify (`POST /api_keys/verify {secret}`) reads the key from the
//! store every time and answers 404 for an unknown, revoked or expired key.

use tessera_types::{ApiKey, ApiKeySecret, DeletedObject, Paginated, object};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields};
use crate::ids;
use crate::m2m::check_claims;
use crate::machines::{MACHINE_PREFIX, MAX_TOKEN_TTL};
use crate::query::QueryParams;
use crate::service::Tessera;
use crate::store::{ApiKeyFilter, ApiKeyRecord};

/// Prefix of API key ids and secrets.
pub const PREFIX: &str = "ak_";
/// `type` when none is given.
pub const DEFAULT_TYPE: &str = "api_key";
/// Most scopes per key.
pub const MAX_SCOPES: usize = 150;

const TYPE: Field = Field::string_of("type", 3, 25);
const NAME: Field = Field::string_of("name", 3, 255);
const DESCRIPTION: Field = Field::string_of("description", 0, 255);
const SECONDS: Field = Field::positive_number("seconds_until_expiration", MAX_TOKEN_TTL);
const REASON: Field = Field::string_of("revocation_reason", 0, 255);

/// `POST /api_keys`.
pub const CREATE_API_KEY: Body = Body {
    schema: "CreateApiKeyRequestBody",
    groups: &[&[
        TYPE,
        NAME.required(),
        DESCRIPTION,
        Field::string("subject").required(),
        Field::object("claims"),
        Field::string_list("scopes"),
        Field::string("created_by"),
        SECONDS,
    ]],
};
/// `PATCH /api_keys/{id}`.
pub const UPDATE_API_KEY: Body = Body {
    schema: "UpdateApiKeyRequestBody",
    groups: &[&[Field::object("claims"), Field::string_list("scopes"), DESCRIPTION, Field::string("subject"), SECONDS]],
};
/// `POST /api_keys/{id}/revoke`.
pub const REVOKE_API_KEY: Body = Body { schema: "RevokeApiKeyRequestBody", groups: &[&[REASON]] };
/// `POST /api_keys/verify`.
pub const VERIFY_API_KEY: Body =
    Body { schema: "VerifyApiKeyRequestBody", groups: &[&[Field::string_of("secret", 1, 1024).required()]] };

fn api_key_not_found(id: &str) -> ApiError {
    ApiError::not_found("API key not found", format!("No API key was found with id {id}"))
}

fn invalid(long: &str) -> ApiError {
    ApiError::not_found("API key not found", long)
}

pub(crate) fn seal_aad(id: &str) -> Vec<u8> {
    format!("api_key_secret:{id}").into_bytes()
}

/// A subject is `user_`, `org_`, `mch_` or `scim_` and 27 word characters.
fn check_subject(s: &str) -> ApiResult<()> {
    let ok = ["user_", "org_", MACHINE_PREFIX, "scim_"].iter().any(|p| ids::has_shape(s, p));
    if !ok {
        return Err(ApiError::param_format(
            "subject",
            "subject must be the id of a user (user_…), an organization (org_…) or a machine (mch_…).",
        ));
    }
    Ok(())
}

fn check_scopes(scopes: &[String]) -> ApiResult<()> {
    if scopes.len() > MAX_SCOPES {
        return Err(ApiError::param_too_many("scopes", MAX_SCOPES));
    }
    if scopes.iter().any(|s| s.chars().count() > 255) {
        return Err(ApiError::param_value("scopes", "Each scope must be at most 255 characters."));
    }
    Ok(())
}

fn key_object(k: &ApiKeyRecord, now: i64, secret: Option<String>) -> ApiKey {
    ApiKey {
        object: object::API_KEY.to_owned(),
        id: k.id.clone(),
        key_type: k.key_type.clone(),
        subject: k.subject.clone(),
        name: k.name.clone(),
        description: k.description.clone(),
        claims: k.claims.clone(),
        scopes: k.scopes.clone(),
        secret,
        revoked: k.revoked,
        revocation_reason: k.revocation_reason.clone(),
        expired: k.expiration.is_some_and(|e| e <= now),
        expiration: k.expiration,
        created_by: k.created_by.clone(),
        last_used_at: k.last_used_at,
        created_at: k.created_at,
        updated_at: k.updated_at,
    }
}

impl Tessera {
    /// Checks that the subject exists (a user, organization or machine of the instance).
    async fn check_subject_exists(&self, subject: &str) -> ApiResult<()> {
        check_subject(subject)?;
        let exists = if subject.starts_with("user_") {
            self.store.get_user(subject).await?.is_some()
        } else if subject.starts_with("org_") {
            self.store.get_organization(subject).await?.is_some()
        } else if subject.starts_with(MACHINE_PREFIX) {
            self.store.get_machine(subject).await?.is_some()
        } else {
            // SCIM directories are not modelled; nothing can be checked.
            true
        };
        if !exists {
            return Err(ApiError::new(
                ErrorKind::Unprocessable,
                "form_resource_not_found",
                "is missing",
                "The resource associated with the supplied subject was not found.",
            )
            .with_param("subject"));
        }
        Ok(())
    }

    async fn api_key(&self, id: &str) -> ApiResult<ApiKeyRecord> {
        self.store.get_api_key(id).await?.ok_or_else(|| api_key_not_found(id))
    }

    /// `POST /api_keys`: the answer carries `secret`.
    pub async fn create_api_key(&self, mut f: Fields) -> ApiResult<ApiKey> {
        let key_type = f.opt_string(TYPE.name)?.unwrap_or_else(|| DEFAULT_TYPE.to_owned());
        let name = f.required_string(NAME.name)?;
        let description = f.opt_string(DESCRIPTION.name)?;
        let subject = f.required_string("subject")?;
        let claims = f.opt_object("claims")?;
        let scopes = f.opt_string_list("scopes")?.unwrap_or_default();
        let created_by = f.opt_string("created_by")?;
        let lifetime_ms = f.positive_millis(&SECONDS)?;
        f.finish()?;
        TYPE.check_len(&key_type)?;
        if key_type.chars().count() < TYPE.min_chars() {
            return Err(ApiError::param_value("type", "type must be at least 3 characters."));
        }
        NAME.check_len(&name)?;
        if name.chars().count() < NAME.min_chars() || name.trim() != name {
            return Err(ApiError::param_value(
                "name",
                "name must be at least 3 characters, without leading or trailing whitespace.",
            ));
        }
        if let Some(d) = &description {
            DESCRIPTION.check_len(d)?;
        }
        if let Some(c) = &claims {
            check_claims(c, &[])?;
        }
        check_scopes(&scopes)?;
        if let Some(u) = &created_by
            && !ids::has_shape(u, "user_")
        {
            return Err(ApiError::param_format("created_by", "created_by must be a user id (user_…)."));
        }
        self.check_subject_exists(&subject).await?;
        let now = self.now_ms();
        let id = format!("{PREFIX}{}", tessera_jwt::random_hex(16));
        let secret = format!("{PREFIX}{}", tessera_jwt::random_hex(24));
        let rec = ApiKeyRecord {
            id: id.clone(),
            key_type,
            name,
            description,
            subject,
            claims: claims.map(serde_json::Value::Object),
            scopes,
            secret_hash: tessera_jwt::sha256_hex(secret.as_bytes()),
            secret_sealed: tessera_jwt::seal(&self.master.0, secret.as_bytes(), &seal_aad(&id)),
            revoked: false,
            revocation_reason: None,
            expiration: lifetime_ms.map(|ms| now + ms),
            created_by,
            last_used_at: None,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_api_key(&rec).await?;
        Ok(key_object(&rec, now, Some(secret)))
    }

    /// `GET /api_keys?subject&type&include_invalid&query&limit&offset`: `{data, total_count}`, newest first.
    pub async fn list_api_keys(&self, q: &QueryParams) -> ApiResult<Paginated<ApiKey>> {
        let page = crate::m2m::sdk_page(q)?;
        let subject = q.one("subject").ok_or_else(|| ApiError::missing_query(&["subject"]))?;
        let filter = ApiKeyFilter {
            subject,
            key_type: q.one("type").unwrap_or_else(|| DEFAULT_TYPE.to_owned()),
            include_invalid: q.bool("include_invalid")?.unwrap_or(false),
            query: q.one("query"),
        };
        let now = self.now_ms();
        let (keys, total) = self.store.list_api_keys(&filter, now, page).await?;
        Ok(Paginated { data: keys.iter().map(|k| key_object(k, now, None)).collect(), total_count: total })
    }

    pub async fn get_api_key(&self, id: &str) -> ApiResult<ApiKey> {
        Ok(key_object(&self.api_key(id).await?, self.now_ms(), None))
    }

    /// `PATCH /api_keys/{id} {claims?, scopes?, description?, subject?, seconds_until_expiration?}`;
    /// a new `seconds_until_expiration` counts from now; `null` clears claims, description and expiry.
    pub async fn update_api_key(&self, id: &str, mut f: Fields) -> ApiResult<ApiKey> {
        let claims = f.take_nullable("claims");
        let scopes = f.opt_string_list("scopes")?;
        let description = f.nullable_string(DESCRIPTION.name)?;
        let subject = f.opt_string("subject")?;
        let seconds = f.take_nullable(SECONDS.name);
        f.finish()?;
        let clear_expiry = matches!(seconds, Some(None));
        let lifetime_ms = match seconds {
            Some(Some(v)) => {
                let mut one = serde_json::Map::new();
                one.insert(SECONDS.name.to_owned(), v);
                Fields::from_value(Some(serde_json::Value::Object(one)))?.positive_millis(&SECONDS)?
            }
            _ => None,
        };
        let claims = match claims {
            None => None,
            Some(None) => Some(None),
            Some(Some(serde_json::Value::Object(m))) => {
                check_claims(&m, &[])?;
                Some(Some(serde_json::Value::Object(m)))
            }
            Some(Some(_)) => return Err(ApiError::param_type("claims", "object")),
        };
        if let Some(s) = &scopes {
            check_scopes(s)?;
        }
        if let Some(Some(d)) = &description {
            DESCRIPTION.check_len(d)?;
        }
        if let Some(s) = &subject {
            self.check_subject_exists(s).await?;
        }
        let mut rec = self.api_key(id).await?;
        let now = self.now_ms();
        if let Some(c) = claims {
            rec.claims = c;
        }
        if let Some(s) = scopes {
            rec.scopes = s;
        }
        if let Some(d) = description {
            rec.description = d;
        }
        if let Some(s) = subject {
            rec.subject = s;
        }
        if clear_expiry {
            rec.expiration = None;
        }
        if let Some(ms) = lifetime_ms {
            rec.expiration = Some(now + ms);
        }
        rec.updated_at = now;
        if !self.store.update_api_key(&rec).await? {
            return Err(api_key_not_found(id));
        }
        Ok(key_object(&rec, now, None))
    }

    pub async fn delete_api_key(&self, id: &str) -> ApiResult<DeletedObject> {
        if !self.store.delete_api_key(id).await? {
            return Err(api_key_not_found(id));
        }
        Ok(DeletedObject { object: object::API_KEY.to_owned(), id: Some(id.to_owned()), slug: None, deleted: true })
    }

    /// `GET /api_keys/{id}/secret`: Clerk's reveal route.
    pub async fn api_key_secret(&self, id: &str) -> ApiResult<ApiKeySecret> {
        let rec = self.api_key(id).await?;
        let plain = tessera_jwt::open(&self.master.0, &rec.secret_sealed, &seal_aad(id))
            .map_err(|e| ApiError::internal_logged("API key secret cannot be opened with the master key", e))?;
        let secret = String::from_utf8(plain).map_err(|e| ApiError::internal_logged("API key secret", e))?;
        Ok(ApiKeySecret { secret })
    }

    /// `POST /api_keys/{id}/revoke {revocation_reason?}`: a revoked key answers unchanged.
    pub async fn revoke_api_key(&self, id: &str, mut f: Fields) -> ApiResult<ApiKey> {
        let reason = f.opt_string(REASON.name)?;
        f.finish()?;
        if let Some(r) = &reason {
            REASON.check_len(r)?;
        }
        let now = self.now_ms();
        let rec = self.store.revoke_api_key(id, reason.as_deref(), now).await?.ok_or_else(|| api_key_not_found(id))?;
        Ok(key_object(&rec, now, None))
    }

    /// `POST /api_keys/verify {secret}`: the key if it is valid now; 404 otherwise.
    pub async fn verify_api_key(&self, mut f: Fields) -> ApiResult<ApiKey> {
        let secret = f.required_string("secret")?;
        f.finish()?;
        let hash = tessera_jwt::sha256_hex(secret.as_bytes());
        let rec = self.store.find_api_key(&hash).await?;
        let Some(rec) = rec.filter(|r| tessera_jwt::constant_time_eq(r.secret_hash.as_bytes(), hash.as_bytes())) else {
            return Err(invalid("The API key is invalid."));
        };
        let now = self.now_ms();
        if rec.revoked {
            return Err(invalid("The API key has been revoked."));
        }
        if rec.expiration.is_some_and(|e| e <= now) {
            return Err(invalid("The API key has expired."));
        }
        self.store.touch_api_key(&rec.id, now).await?;
        let rec = ApiKeyRecord { last_used_at: Some(now), ..rec };
        Ok(key_object(&rec, now, None))
    }
}
