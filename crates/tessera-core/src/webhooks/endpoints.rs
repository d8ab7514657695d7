//! Webhook endpoints: create, read, update, delete, and secret rotation.
//!
//! A secret is `whsec_` + base64 of 24 random bytes, made per endpoint, answered by the create and
//! rotate calls only, and stored sealed with the master key (AES-256-GCM, the endpoint id as
//! associated data). A rotation keeps the previous secret signing beside the new one for an overlap
//! (default 24 h), so receivers can switch without losing deliveries.

use tessera_types::{DeletedObject, Paginated, WebhookEndpoint, object};

use super::policy::check_url;
use crate::error::{ApiError, ApiResult};
use crate::events::WEBHOOK_EVENT_TYPES;
use crate::fields::{Body, Field, Fields};
use crate::ids;
use crate::query::QueryParams;
use crate::service::Tessera;
use crate::store::WebhookEndpointRecord;

/// How long a rotated-out secret keeps signing when the request does not say: 24 hours.
pub const DEFAULT_SECRET_OVERLAP_SECONDS: i64 = 86_400;
/// The longest overlap: 30 days.
pub const MAX_SECRET_OVERLAP_SECONDS: i64 = 30 * 86_400;
/// Longest endpoint URL.
pub const MAX_URL_CHARS: usize = 2048;
/// Most event types in one filter.
pub const MAX_FILTER_TYPES: usize = 100;

const URL: Field = Field::string_of("url", 1, MAX_URL_CHARS);
const DESCRIPTION: Field = Field::string_of("description", 0, 1024);
const FILTER_TYPES: Field = Field::string_list("filter_types");
const DISABLED: Field = Field::bool("disabled");
const OVERLAP: Field = Field::int("old_secret_overlap_seconds", 0, MAX_SECRET_OVERLAP_SECONDS);

/// `POST /v1/tessera/webhooks/endpoints`.
pub const CREATE_WEBHOOK_ENDPOINT: Body = Body {
    schema: "CreateWebhookEndpointRequestBody",
    groups: &[&[URL.required(), DESCRIPTION, FILTER_TYPES, DISABLED]],
};
/// `PATCH /v1/tessera/webhooks/endpoints/{endpoint_id}`.
pub const UPDATE_WEBHOOK_ENDPOINT: Body =
    Body { schema: "UpdateWebhookEndpointRequestBody", groups: &[&[URL, DESCRIPTION, FILTER_TYPES, DISABLED]] };
/// `POST /v1/tessera/webhooks/endpoints/{endpoint_id}/rotate_secret`.
pub const ROTATE_WEBHOOK_SECRET: Body = Body { schema: "RotateWebhookSecretRequestBody", groups: &[&[OVERLAP]] };

/// The associated data an endpoint's secrets are sealed with.
pub(crate) fn secret_aad(endpoint_id: &str) -> Vec<u8> {
    format!("tessera:webhook-secret:{endpoint_id}").into_bytes()
}

pub(crate) fn endpoint_not_found(id: &str) -> ApiError {
    ApiError::not_found("Webhook endpoint not found", format!("No webhook endpoint was found with id {id}"))
}

/// Known event types, without duplicates, in the order given; `None` for an empty list.
fn check_filter_types(types: Vec<String>) -> ApiResult<Option<Vec<String>>> {
    if types.len() > MAX_FILTER_TYPES {
        return Err(ApiError::param_too_many(FILTER_TYPES.name, MAX_FILTER_TYPES));
    }
    let mut out: Vec<String> = Vec::with_capacity(types.len());
    for t in types {
        if !WEBHOOK_EVENT_TYPES.contains(&t.as_str()) {
            return Err(ApiError::param_value(
                FILTER_TYPES.name,
                format!("{t:?} is not an event type; known types: {}.", WEBHOOK_EVENT_TYPES.join(", ")),
            ));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok((!out.is_empty()).then_some(out))
}

impl Tessera {
    /// The wire form; `secret` only right after creation or rotation.
    pub(crate) fn webhook_endpoint_object(&self, r: &WebhookEndpointRecord, secret: Option<String>) -> WebhookEndpoint {
        let now = self.now_ms();
        WebhookEndpoint {
            object: object::WEBHOOK_ENDPOINT.to_owned(),
            id: r.id.clone(),
            url: r.url.clone(),
            description: r.description.clone(),
            filter_types: r.filter_types.clone(),
            disabled: r.disabled,
            secret,
            old_secret_expires_at: r.old_secret_expires_at.filter(|at| *at > now && r.old_secret_sealed.is_some()),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }

    fn checked_url(&self, url: &str) -> ApiResult<String> {
        URL.check_len(url)?;
        check_url(url, self.config.webhooks.policy).map_err(|why| ApiError::param_value(URL.name, why))?;
        Ok(url.to_owned())
    }

    /// `POST /v1/tessera/webhooks/endpoints {url, description?, filter_types?, disabled?}`.
    pub async fn create_webhook_endpoint(&self, f: Fields) -> ApiResult<WebhookEndpoint> {
        self.create_webhook_endpoint_as(None, None, f).await
    }

    /// Creates an endpoint with a given id and secret (the seed file), or new ones.
    pub(crate) async fn create_webhook_endpoint_as(
        &self,
        id: Option<String>,
        secret: Option<String>,
        mut f: Fields,
    ) -> ApiResult<WebhookEndpoint> {
        let url = f.required_string(URL.name)?;
        let description = f.opt_string(DESCRIPTION.name)?.unwrap_or_default();
        let filter = f.opt_string_list(FILTER_TYPES.name)?;
        let disabled = f.opt_bool(DISABLED.name)?.unwrap_or(false);
        f.finish()?;
        let url = self.checked_url(&url)?;
        DESCRIPTION.check_len(&description)?;
        let filter_types = check_filter_types(filter.unwrap_or_default())?;
        let secret = match secret {
            Some(s) if tessera_jwt::webhook_secret_key(&s).is_some() && s.starts_with("whsec_") => s,
            Some(_) => return Err(ApiError::param_value("secret", "secret must be whsec_ followed by base64.")),
            None => tessera_jwt::new_webhook_secret(),
        };
        let now = self.now_ms();
        let id = id.unwrap_or_else(|| ids::new_id(ids::WEBHOOK_ENDPOINT, now));
        let rec = WebhookEndpointRecord {
            secret_sealed: tessera_jwt::seal(&self.master.0, secret.as_bytes(), &secret_aad(&id)),
            id,
            url,
            description,
            filter_types,
            disabled,
            old_secret_sealed: None,
            old_secret_expires_at: None,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_webhook_endpoint(&rec).await?;
        Ok(self.webhook_endpoint_object(&rec, Some(secret)))
    }

    /// `GET /v1/tessera/webhooks/endpoints?limit&offset`: oldest first.
    pub async fn list_webhook_endpoints(&self, q: &QueryParams) -> ApiResult<Paginated<WebhookEndpoint>> {
        let page = q.page()?;
        let all = self.store.list_webhook_endpoints().await?;
        let total = all.len() as i64;
        let data = all
            .iter()
            .skip(page.offset.max(0) as usize)
            .take(page.limit.max(0) as usize)
            .map(|r| self.webhook_endpoint_object(r, None))
            .collect();
        Ok(Paginated { data, total_count: total })
    }

    pub(crate) async fn webhook_endpoint_record(&self, id: &str) -> ApiResult<WebhookEndpointRecord> {
        self.store.get_webhook_endpoint(id).await?.ok_or_else(|| endpoint_not_found(id))
    }

    /// `GET /v1/tessera/webhooks/endpoints/{endpoint_id}` (never the secret).
    pub async fn get_webhook_endpoint(&self, id: &str) -> ApiResult<WebhookEndpoint> {
        Ok(self.webhook_endpoint_object(&self.webhook_endpoint_record(id).await?, None))
    }

    /// `PATCH /v1/tessera/webhooks/endpoints/{endpoint_id}`: the keys given change.
    pub async fn update_webhook_endpoint(&self, id: &str, mut f: Fields) -> ApiResult<WebhookEndpoint> {
        let url = f.opt_string(URL.name)?;
        let description = f.opt_string(DESCRIPTION.name)?;
        let filter = match f.take_nullable(FILTER_TYPES.name) {
            None => None,
            Some(None) => Some(Vec::new()),
            Some(Some(v)) => {
                let mut one = Fields::from_value(Some(serde_json::json!({ "filter_types": v })))?;
                Some(one.opt_string_list(FILTER_TYPES.name)?.unwrap_or_default())
            }
        };
        let disabled = f.opt_bool(DISABLED.name)?;
        f.finish()?;
        let mut rec = self.webhook_endpoint_record(id).await?;
        if let Some(url) = url {
            rec.url = self.checked_url(&url)?;
        }
        if let Some(d) = description {
            DESCRIPTION.check_len(&d)?;
            rec.description = d;
        }
        if let Some(types) = filter {
            rec.filter_types = check_filter_types(types)?;
        }
        if let Some(d) = disabled {
            rec.disabled = d;
        }
        rec.updated_at = self.now_ms();
        if !self.store.update_webhook_endpoint(&rec).await? {
            return Err(endpoint_not_found(id));
        }
        Ok(self.webhook_endpoint_object(&rec, None))
    }

    /// `DELETE /v1/tessera/webhooks/endpoints/{endpoint_id}`: with its messages and attempts.
    pub async fn delete_webhook_endpoint(&self, id: &str) -> ApiResult<DeletedObject> {
        if !self.store.delete_webhook_endpoint(id).await? {
            return Err(endpoint_not_found(id));
        }
        Ok(DeletedObject {
            object: object::WEBHOOK_ENDPOINT.to_owned(),
            id: Some(id.to_owned()),
            slug: None,
            deleted: true,
        })
    }

    /// `POST /v1/tessera/webhooks/endpoints/{endpoint_id}/rotate_secret {old_secret_overlap_seconds?}`:
    /// a new secret, answered once; the current one keeps signing beside it for the overlap.
    pub async fn rotate_webhook_secret(&self, id: &str, mut f: Fields) -> ApiResult<WebhookEndpoint> {
        let overlap = f.int(&OVERLAP)?.unwrap_or(DEFAULT_SECRET_OVERLAP_SECONDS);
        f.finish()?;
        let mut rec = self.webhook_endpoint_record(id).await?;
        let now = self.now_ms();
        let secret = tessera_jwt::new_webhook_secret();
        let previous = std::mem::replace(
            &mut rec.secret_sealed,
            tessera_jwt::seal(&self.master.0, secret.as_bytes(), &secret_aad(&rec.id)),
        );
        if overlap > 0 {
            rec.old_secret_sealed = Some(previous);
            rec.old_secret_expires_at = Some(now + overlap * 1000);
        } else {
            rec.old_secret_sealed = None;
            rec.old_secret_expires_at = None;
        }
        rec.updated_at = now;
        if !self.store.update_webhook_endpoint(&rec).await? {
            return Err(endpoint_not_found(id));
        }
        Ok(self.webhook_endpoint_object(&rec, Some(secret)))
    }
}

/// Every endpoint's secrets re-sealed under `new` (master key rotation): `(id, secret, old secret)`.
pub(crate) async fn reseal_secrets(
    app: &Tessera,
    new: &crate::service::MasterKey,
) -> ApiResult<Vec<(String, String, Option<String>)>> {
    let reseal = |id: &str, sealed: &str| -> ApiResult<String> {
        let aad = secret_aad(id);
        let plain = tessera_jwt::open(&app.master.0, sealed, &aad).map_err(|_| {
            ApiError::internal_logged(
                "master key rotation",
                format!("the secret of webhook endpoint {id} cannot be decrypted; nothing was changed"),
            )
        })?;
        Ok(tessera_jwt::seal(&new.0, &plain, &aad))
    };
    let mut out = Vec::new();
    for e in app.store.list_webhook_endpoints().await? {
        let old = e.old_secret_sealed.as_deref().map(|o| reseal(&e.id, o)).transpose()?;
        out.push((e.id.clone(), reseal(&e.id, &e.secret_sealed)?, old));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_take_known_types_once_and_empty_means_all() {
        let got =
            check_filter_types(vec!["user.created".into(), "user.deleted".into(), "user.created".into()]).unwrap();
        assert_eq!(got, Some(vec!["user.created".to_owned(), "user.deleted".to_owned()]));
        assert_eq!(check_filter_types(vec![]).unwrap(), None);
        let e = check_filter_types(vec!["tessera.jwt_template.changed".into()]).unwrap_err();
        assert_eq!((e.code, e.param_name()), ("form_param_value_invalid", Some("filter_types")));
    }
}
