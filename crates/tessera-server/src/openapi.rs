//! The OpenAPI 3.1 document of every endpoint, served (public) at `GET /v1/openapi.json`.
//!
//! Where it comes from:
//! - operations: the `#[utoipa::path]` entry of each handler, collected by the route table itself
//!   (`routes.rs` registers handlers through utoipa-axum's `routes!`), so no route exists without
//!   its entry and no entry without its route;
//! - schemas: derived from the wire types in `tessera-types` (feature `openapi`), the same types
//!   the handlers answer with;
//! - this module: what many operations share (bearer security on `/v1`, path parameters, the
//!   Clerk error responses each kind of operation can give), and request bodies made to say exactly
//!   what the core accepts. The core reads bodies key by key (`tessera_core::fields::Fields`):
//!   unknown keys are rejected (`additionalProperties: false`), `null` reads as absent on optional
//!   keys (the types' `Option`s are nullable), ranges are the core's, and a few keys the SDK's
//!   request types do not carry are accepted too.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tessera_core::fields::{BODIES, Field, Kind};
use tessera_types::{ClerkErrors, Invitation, JwtTemplate, Paginated, Session};
use utoipa::openapi::OpenApi;
use utoipa::{PartialSchema, ToSchema};

use crate::routes;

/// Where the document is served.
pub const PATH: &str = "/v1/openapi.json";

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

// ---- schemas that exist only in the document ---------------------------------------------------
// (Query parameters are the list filter types of `tessera-types`, which the core parses and the SDK
// sends.)

/// `GET /sessions`: a bare array, or `{data, total_count}` with `paginated=true`.
#[derive(serde::Serialize, ToSchema)]
#[serde(untagged)]
pub enum SessionList {
    Bare(Vec<Session>),
    Page(Paginated<Session>),
}

/// `GET /jwt_templates`: a bare array, or `{data, total_count}` with `paginated=true`.
#[derive(serde::Serialize, ToSchema)]
#[serde(untagged)]
pub enum JwtTemplateList {
    Bare(Vec<JwtTemplate>),
    Page(Paginated<JwtTemplate>),
}

/// `GET /invitations`: a bare array, or `{data, total_count}` with `paginated=true`.
#[derive(serde::Serialize, ToSchema)]
#[serde(untagged)]
pub enum InvitationList {
    Bare(Vec<Invitation>),
    Page(Paginated<Invitation>),
}

/// Body of the organization and membership metadata merges: deep-merged, `null` deletes a key at
/// any depth. (Organizations and memberships have no `unsafe_metadata`.)
#[derive(ToSchema)]
pub struct OrganizationMetadataRequestBody {
    #[schema(value_type = Option<Object>)]
    pub public_metadata: Option<Map<String, Value>>,
    #[schema(value_type = Option<Object>)]
    pub private_metadata: Option<Map<String, Value>>,
}

// ---- serving ----------------------------------------------------------------------------------------

/// `GET /v1/openapi.json`: public, so tools can fetch it without a key.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "Meta", operation_id = "GetOpenAPIDocument",
    responses((status = 200, description = "This document (OpenAPI 3.1).", body = Object)))]
pub async fn serve() -> Response {
    static DOC: OnceLock<Bytes> = OnceLock::new();
    let body = DOC.get_or_init(|| Bytes::from(serde_json::to_vec(&document()).unwrap_or_default())).clone();
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

/// The whole document, built from the route table.
pub fn document() -> Value {
    let routes::Table { v1, well_known, public, .. } = routes::table();
    let mut api = public.into_openapi().merge_from(well_known.into_openapi()).merge_from(v1.into_openapi());
    // The error envelope is referenced by responses added below.
    let components = api.components.get_or_insert_with(Default::default);
    let mut schemas = Vec::new();
    <ClerkErrors as ToSchema>::schemas(&mut schemas);
    schemas.push((ClerkErrors::name().into_owned(), ClerkErrors::schema()));
    for (name, schema) in schemas {
        components.schemas.entry(name).or_insert(schema);
    }
    finish(api)
}

fn finish(api: OpenApi) -> Value {
    let mut doc = serde_json::to_value(&api).unwrap_or_else(|_| json!({}));
    doc["info"] = json!({
        "title": "Tessera",
        "version": env!("CARGO_PKG_VERSION"),
        "description": "A server compatible with Clerk's Backend API: users, organizations and memberships, sessions, JWT templates, token minting and a JWKS. Routes under `/v1/tessera/` (tag `Tessera`) are Tessera's own extensions, which Clerk does not have. Every `/v1` route needs `Authorization: Bearer <secret key>`. Errors are Clerk's envelope (`ClerkErrors`). Object timestamps are epoch milliseconds.",
        "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
    });
    doc["components"]["securitySchemes"] = json!({
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "A secret key of the instance (`sk_test_…` or `sk_live_…`).",
        }
    });
    let mut request_bodies = BTreeSet::new();
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if METHODS.contains(&method.as_str()) {
                    complete_operation(path, op, &mut request_bodies);
                }
            }
        }
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        complete_request_bodies(schemas, &request_bodies);
        // utoipa inlines the item schema of a generic `Paginated<T>`; refer to `T` instead.
        let names: Vec<String> = schemas.keys().cloned().collect();
        for name in &names {
            if let Some(item) = name.strip_prefix("Paginated_")
                && names.iter().any(|n| n == item)
                && let Some(schema) = schemas.get_mut(name)
            {
                schema["properties"]["data"]["items"] = json!({"$ref": format!("#/components/schemas/{item}")});
            }
        }
    }
    if let Some(paths) = doc["paths"].as_object_mut() {
        add_links(paths);
    }
    // Whether a body is required depends on its schema having required keys.
    let schemas = doc["components"]["schemas"].clone();
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in item.values_mut() {
                let Some(body) = op.get_mut("requestBody") else {
                    continue;
                };
                // An array body (the bulk operations) is always required.
                let has_required = body_schema_name(body).is_some_and(|name| {
                    let schema = &schemas[name.as_str()];
                    schema["type"] == "array" || schema["required"].as_array().is_some_and(|r| !r.is_empty())
                });
                body["required"] = Value::Bool(has_required);
            }
        }
    }
    doc
}

/// The component name a request body refers to.
fn body_schema_name(body: &Value) -> Option<String> {
    body["content"]["application/json"]["schema"]["$ref"]
        .as_str()?
        .strip_prefix("#/components/schemas/")
        .map(str::to_owned)
}

fn error_response(status: u16) -> Value {
    let description = match status {
        400 => {
            "Malformed request: a body that is not a JSON object or is nested too deep (`request_body_invalid`), a malformed `Clerk-API-Version` (`api_version_invalid`), a rule of the operation (`missing_query_parameter`, `jwt_template_reserved_claim`), or a documented query parameter given a value Tessera cannot honour (`invalid_query_parameter_value`, never ignored); `meta.param_name` names the parameter."
        }
        401 => {
            "No or a malformed `Authorization` header (`authorization_header_format_invalid`), or an unknown secret key (`clerk_key_invalid`)."
        }
        403 => "Forbidden.",
        404 => "No such resource (`resource_not_found`).",
        413 => "The body is larger than the server accepts (`request_body_too_large`).",
        415 => "The body is neither JSON nor form-encoded (`unsupported_content_type`).",
        422 => {
            "A parameter is unknown, missing, of the wrong type, out of range, malformed, too large or taken (`form_param_*`, `form_identifier_exists`, …); `meta.param_name` names it."
        }
        429 => "Too many requests (`too_many_requests`); `Retry-After` tells when to retry.",
        _ => "Error.",
    };
    let mut resp = json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClerkErrors"}}},
    });
    if status == 429 {
        resp["headers"] = json!({
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 0}}
        });
    }
    resp
}

/// Adds what an operation has by its kind: security, path parameters, the API version header and the
/// error responses the server can give it.
fn complete_operation(path: &str, op: &mut Value, request_bodies: &mut BTreeSet<String>) {
    let authenticated = path.starts_with("/v1/") && path != PATH;
    let path_params: Vec<&str> = path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
    if !op["parameters"].is_array() {
        op["parameters"] = json!([]);
    }
    if let Some(params) = op["parameters"].as_array_mut() {
        for name in &path_params {
            if !params.iter().any(|p| p["in"] == "path" && p["name"] == *name) {
                params.push(json!({
                    "name": name,
                    "in": "path",
                    "required": true,
                    "description": path_param_description(name),
                    "schema": {"type": "string"},
                }));
            }
        }
        if authenticated {
            params.push(json!({
                "name": "Clerk-API-Version",
                "in": "header",
                "required": false,
                "description": "The Clerk API version the client speaks, a `YYYY-MM-DD` date; empty is none.",
                "schema": {"type": "string", "pattern": r"^([0-9]{4}-[0-9]{2}-[0-9]{2}|\s*)$"},
            }));
        }
    }
    let has_query = op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
    if op["parameters"].as_array().is_some_and(Vec::is_empty)
        && let Some(o) = op.as_object_mut()
    {
        o.remove("parameters");
    }
    let has_body = op.get("requestBody").is_some();
    if let Some(name) = op.get("requestBody").and_then(body_schema_name) {
        request_bodies.insert(name);
    }
    let bulk = path.ends_with("/bulk");
    if let Some(body) = op.get_mut("requestBody") {
        body["description"] = if bulk {
            json!("A JSON array of 1 to 10 objects; `null` on an optional key reads as the key left out.")
        } else {
            json!("A JSON object. An empty body reads as `{}`; `null` on an optional key reads as the key left out.")
        };
    }

    let mut statuses = Vec::new();
    if authenticated {
        op["security"] = json!([{"bearerAuth": []}]);
        statuses.extend([400, 401, 429]);
    } else if path.starts_with("/.well-known/") {
        statuses.push(429);
    }
    if !path_params.is_empty() {
        statuses.push(404);
    }
    if has_body {
        statuses.extend([400, 413, 415, 422]);
    }
    if has_query {
        statuses.push(422);
    }
    if !op["responses"].is_object() {
        op["responses"] = json!({});
    }
    if let Some(responses) = op["responses"].as_object_mut() {
        for status in statuses {
            responses.entry(status.to_string()).or_insert_with(|| error_response(status));
        }
    }
}

fn path_param_description(name: &str) -> &'static str {
    match name {
        "user_id" => "A user id (`user_…`).",
        "session_id" => "A session id (`sess_…`).",
        "org_id" => "An organization id (`org_…`) or slug.",
        "template_id" => "A JWT template id (`jtmp_…`).",
        "template_name" => "The name of a JWT template.",
        "permission_id" => "An organization permission id (`perm_…`).",
        "organization_role_id" => "An organization role id (`role_…`).",
        "role_set_key_or_id" => "A role set id (`rs_…`) or key (`role_set:…`).",
        "actor_token_id" => "An actor token id (`act_…`).",
        "email_address_id" => "An email address id (`idn_…`).",
        "phone_number_id" => "A phone number id (`idn_…`).",
        "invitation_id" => "An invitation id (`inv_…` or, under an organization, `orginv_…`).",
        "machine_id" => "A machine id (`mch_…`).",
        "other_machine_id" => "The id of the machine it may call (`mch_…`).",
        "m2m_token_id" => "An M2M token id (`mt_…`).",
        "apiKeyID" => "An API key id (`ak_…`).",
        _ => "An id.",
    }
}

/// No `/ ? # % \`, control characters, or leading or trailing whitespace: a template name is one URL
/// path segment (`tessera_core::templates::check_name`).
const TEMPLATE_NAME_PATTERN: &str =
    r"^[^/?#%\\\s\x00-\x1f\x7f-\x9f]([^/?#%\\\x00-\x1f\x7f-\x9f]*[^/?#%\\\s\x00-\x1f\x7f-\x9f])?$";

/// The JSON Schema of one body key, from the core's declaration of it.
fn field_schema(field: &Field) -> Value {
    let ty = |name: &str| if field.required { json!(name) } else { json!([name, "null"]) };
    match field.kind {
        Kind::String { min_chars, max_chars } => {
            let mut s = json!({"type": ty("string")});
            if min_chars > 0 {
                s["minLength"] = json!(min_chars);
            }
            if let Some(max) = max_chars {
                s["maxLength"] = json!(max);
            }
            s
        }
        Kind::StringList => json!({"type": ["array", "string", "null"], "items": {"type": "string"}}),
        Kind::Bool => json!({"type": ty("boolean")}),
        Kind::Int { min, max } => json!({"type": ty("integer"), "minimum": min, "maximum": max}),
        Kind::Object => json!({"type": ty("object")}),
        Kind::PositiveNumber { max } => json!({"type": ty("number"), "exclusiveMinimum": 0, "maximum": max}),
        Kind::WithoutEffect => json!({"description": "Accepted for compatibility with Clerk's SDKs; has no effect."}),
    }
}

/// What the document says about a key beyond its kind and limits: the formats the core checks
/// (as patterns) and descriptions.
fn decoration(body: &str, key: &str) -> Value {
    use tessera_core::orgs::SLUG;
    use tessera_core::session_claims::RESERVED_SESSION_CLAIMS;
    use tessera_core::templates::RESERVED_CLAIMS;

    const INVITATIONS: [&str; 2] = ["CreateInvitationRequestBody", "CreateOrganizationInvitationRequestBody"];
    match (body, key) {
        (b, "email_address") if INVITATIONS.contains(&b) => {
            json!({"format": "email", "description": "The address to invite; stored lowercase."})
        }
        (b, "redirect_url" | "notify") if INVITATIONS.contains(&b) => {
            json!({"description": "Accepted and checked; Tessera sends no email and has no invitation link, so it has no effect."})
        }
        (_, "template_slug") => json!({"enum": [Value::Null, "invitation", "waitlist_invitation"],
            "description": "Accepted and checked; Tessera sends no email, so it has no effect."}),
        (_, "ignore_existing") => {
            json!({"description": "Revoke the address's pending invitation and create this one; on `POST /invitations` also invite an address a user already has."})
        }
        (_, "inviter_user_id" | "requesting_user_id") => {
            json!({"description": "A member of the organization whose role holds `org:sys_memberships:manage`."})
        }
        ("AcceptOrganizationInvitationRequestBody", "user_id") => {
            json!({"description": "The user who accepts: one of their email addresses must be the invited one. Default: the user who has it."})
        }
        (_, "username") => json!({"pattern": r"^[\w.-]+$",
            "description": "Letters, digits, `_`, `-` or `.`; stored lowercase."}),
        ("VerifyPasswordRequestBody", "password") => {
            json!({"writeOnly": true, "description": "The password to check against the user's."})
        }
        (_, "password") => json!({"writeOnly": true,
            "description": "At least 8 characters (1 with `skip_password_checks`), at most 256. Stored as an Argon2id hash (m=19 MiB, t=2, p=1), never returned. Not together with `password_digest`."}),
        (_, "password_digest") => json!({"writeOnly": true,
            "description": "A digest made by another system, in the form its `password_hasher` takes (Clerk's forms). Stored as given; replaced by an Argon2id hash the first time its password verifies."}),
        (_, "password_hasher") => {
            let names: Vec<Value> = tessera_core::passwords::hashers::SUPPORTED
                .iter()
                .map(|h| json!(h.name()))
                .chain([Value::Null])
                .collect();
            json!({"enum": names, "description": "The hasher that made `password_digest`. Required with it."})
        }
        ("CreateEmailAddressRequestBody", "email_address") => json!({"format": "email",
            "description": "The address (trimmed and stored lowercase); unique across the instance."}),
        ("CreatePhoneNumberRequestBody", "phone_number") => json!({"pattern": r"^\+[0-9]{7,15}$",
            "description": "E.164 (spaces, `-`, `(` and `)` are dropped); unique across the instance."}),
        (_, "email_address_identification_status" | "phone_number_identification_status") => {
            let statuses = tessera_core::contacts::IDENTIFICATION_STATUSES;
            json!({"items": {"type": "string", "enum": statuses},
                "description": "One status per address, by position (none: every one `verified`); `reserved` creates it unverified, held for this user."})
        }
        ("CreateEmailAddressRequestBody" | "CreatePhoneNumberRequestBody", "verified") => json!({"description":
            "`true`: verified by the admin (`verification_admin`); `false` or absent: unverified (`verification: null`)."}),
        (_, "verified") => json!({"description":
            "`true`: verified by the admin (`verification_admin`); `false`: unverified (`verification: null`)."}),
        (_, "primary") => {
            json!({"description": "`true` makes it the user's primary one, verified or not; `false` has no effect."})
        }
        (_, "reserved_for_second_factor") => {
            json!({"description": "Reserve it for multi-factor authentication: it must be verified and may not be the user's last identification; the oldest reserved number is the default second factor."})
        }
        (_, "email_address") => json!({"format": "email", "items": {"type": "string", "format": "email"},
            "description": "One email address or an array of them; the first becomes the primary one."}),
        (_, "phone_number") => json!({"pattern": r"^\+[0-9]{7,15}$",
            "items": {"type": "string", "pattern": r"^\+[0-9]{7,15}$"},
            "description": "One phone number (E.164; spaces, `-`, `(` and `)` are dropped) or an array of them."}),
        ("CreateOrganizationRequestBody" | "UpdateOrganizationRequestBody", "name") => {
            json!({"pattern": r"\S", "description": "Trimmed; not blank."})
        }
        (_, "slug") => json!({"pattern": format!("^[a-z0-9_-]{{1,{}}}$", SLUG.max_chars()),
            "description": "Lowercase letters, digits, `-` and `_`; by default derived from the name."}),
        (_, "role") => json!({"pattern": "^org:[a-z0-9_]{1,64}$",
            "description": "The key of a role of the instance that is in the organization's role set (`org:admin`, `org:member` at first)."}),
        (_, "key") if body.contains("Permission") => json!({"pattern": "^org:[a-z0-9_]{1,64}:[a-z0-9_]{1,64}$",
            "description": "`org:<feature>:<action>`; `org:sys_` is reserved for system permissions."}),
        (_, "key") if body.contains("Role") && !body.contains("RoleSet") => json!({"pattern": "^org:[a-z0-9_]{1,64}$",
            "description": "`org:<key>`: lowercase letters, digits and `_`."}),
        (_, "key") if body.contains("RoleSet") => json!({"pattern": "^role_set:[a-z0-9_]{1,64}$",
            "description": "`role_set:<key>`; made from the name when absent."}),
        (_, "type") if body.contains("RoleSet") => json!({"enum": ["initial", "custom", null]}),
        ("CreateJwtTemplateRequestBody", "name") => json!({"pattern": TEMPLATE_NAME_PATTERN,
            "description": "Unique; usable as one URL path segment."}),
        ("UpdateSessionClaimsRequestBody", "claims") => {
            json!({"propertyNames": {"not": {"enum": RESERVED_SESSION_CLAIMS}},
            "description": "Claims with `{{shortcodes}}` (the JWT templates' language), rendered into every session token. The session token's own claims are set by the server and reserved; `aud` is allowed. Over 1,200 bytes of JSON the claims are stored with a warning."})
        }
        ("CreateM2MTokenRequestBody", "claims") => {
            json!({"propertyNames": {"not": {"enum": tessera_core::m2m::RESERVED_CLAIMS}},
            "description": "Custom claims: in a JWT-format token, top-level claims; at most 4,096 bytes of JSON."})
        }
        (b, "claims") if b.contains("ApiKey") => {
            json!({"description": "Custom claims, answered by verify; at most 4,096 bytes of JSON."})
        }
        ("CreateM2MTokenRequestBody", "token_format") => json!({"enum": ["opaque", "jwt", null],
            "description": "`opaque` (`mt_…`, stored hashed, revocable) or `jwt` (signed by the instance key, header `cat: cl_B7d4PD333AAA`, stateless)."}),
        ("CreateM2MTokenRequestBody", "min_remaining_ttl_seconds") => json!({"description":
            "Checked (it must be below the token's lifetime), but Tessera always makes a new token: it keeps only hashes of tokens."}),
        (b, "subject") if b.contains("ApiKey") => json!({"pattern": r"^(user|org|mch|scim)_[A-Za-z0-9]{27}$",
            "description": "The user, organization or machine the key stands for; it must exist."}),
        (_, "created_by") => json!({"pattern": r"^user_[A-Za-z0-9]{27}$"}),
        (b, "name") if b.contains("ApiKey") => json!({"pattern": r"^\S(.*\S)?$"}),
        ("CreateMachineRequestBody" | "UpdateMachineRequestBody", "name") => json!({"pattern": r"\S"}),
        ("CreateMachineRequestBody", "scoped_machines") => json!({"maxItems": tessera_core::machines::MAX_SCOPES,
            "description": "Machines (`mch_…`) this one may call; each must exist."}),
        ("VerifyM2MTokenRequestBody", "token") | ("VerifyApiKeyRequestBody", "secret") => json!({"writeOnly": true}),
        ("PreviewJwtTemplateRequestBody", "consumer") => json!({"enum": ["hasura", "supabase", "convex", null],
            "description": "Check this consumer's documented requirements too."}),
        (_, "claims") => json!({"propertyNames": {"not": {"enum": RESERVED_CLAIMS}},
            "description": "Claims with `{{shortcodes}}`; the registered claims `azp exp iat iss jti nbf sub` are set by the server."}),
        (_, "signing_algorithm") => {
            let algorithms: Vec<Value> =
                tessera_jwt::Algorithm::ALL.iter().map(|a| json!(a.as_str())).chain([Value::Null]).collect();
            json!({"enum": algorithms})
        }
        ("CreateActorTokenRequestBody", "actor") => json!({"required": ["sub"],
            "properties": {"sub": {"type": "string", "pattern": r"\S", "description": "The ID of the impersonating user."}},
            "additionalProperties": true,
            "description": "The impersonator: at least `sub`; the whole object (at most 1,024 bytes of JSON) becomes the session's `actor` and the `act` claim of its session tokens."}),
        ("CreateActorTokenRequestBody", "expires_in_seconds") => {
            json!({"default": tessera_core::actor_tokens::DEFAULT_EXPIRES_IN_SECONDS,
            "description": "How long the token can be redeemed."})
        }
        ("CreateActorTokenRequestBody", "session_max_duration_in_seconds") => {
            json!({"default": tessera_core::actor_tokens::DEFAULT_SESSION_MAX_DURATION_SECONDS,
            "description": "The longest the session made by redeeming the token lasts (never beyond the instance's session lifetime)."})
        }
        ("RedeemActorTokenRequestBody", "token") => json!({"writeOnly": true,
            "description": "The `token` the create call answered."}),
        ("CreateWebhookEndpointRequestBody" | "UpdateWebhookEndpointRequestBody", "url") => {
            json!({"format": "uri", "pattern": "^https?://",
            "description": "Where events are POSTed: http or https. Loopback, private and link-local hosts are refused unless the server allows them (docs/webhooks.md)."})
        }
        ("CreateWebhookEndpointRequestBody" | "UpdateWebhookEndpointRequestBody", "filter_types") => {
            json!({"items": {"type": "string", "enum": tessera_core::events::WEBHOOK_EVENT_TYPES},
            "description": "Event types this endpoint receives (one type or an array); absent, `null` or `[]` for every type."})
        }
        ("RotateWebhookSecretRequestBody", "old_secret_overlap_seconds") => {
            json!({"default": tessera_core::webhooks::DEFAULT_SECRET_OVERLAP_SECONDS,
            "description": "How long the previous secret keeps signing beside the new one."})
        }
        (_, "signing_key") => json!({"writeOnly": true,
            "description": "PEM private key, or the secret of an HMAC algorithm. Write-only."}),
        _ => json!({}),
    }
}

/// Makes each request body schema say what the core reads (see the module docs): its properties,
/// required keys and limits come from the core's declaration of the body
/// (`tessera_core::fields::BODIES`), and no other key is accepted.
fn complete_request_bodies(schemas: &mut Map<String, Value>, names: &BTreeSet<String>) {
    for body in BODIES {
        let Some(schema) = schemas.get_mut(body.schema) else {
            continue;
        };
        let derived = schema["properties"].as_object().cloned().unwrap_or_default();
        let mut props = Map::new();
        let mut required = Vec::new();
        for field in body.fields() {
            let mut s = field_schema(field);
            if let Value::Object(extra) = decoration(body.schema, field.name) {
                for (k, v) in extra {
                    s[k] = v;
                }
            }
            // Keep a derived description when the core's has none.
            if s.get("description").is_none()
                && let Some(d) = derived.get(field.name).and_then(|p| p.get("description"))
            {
                s["description"] = d.clone();
            }
            if field.required {
                required.push(json!(field.name));
            }
            props.insert(field.name.to_owned(), s);
        }
        schema["properties"] = Value::Object(props);
        match schema.as_object_mut() {
            Some(o) if required.is_empty() => {
                o.remove("required");
            }
            _ => schema["required"] = Value::Array(required),
        }
    }
    for name in names {
        if let Some(schema) = schemas.get_mut(name) {
            if schema["type"] == "array" {
                // A bulk body: its items are a body above.
                schema["minItems"] = json!(1);
                schema["maxItems"] = json!(tessera_core::invitations::MAX_BULK_INVITATIONS);
            } else {
                schema["additionalProperties"] = Value::Bool(false);
            }
        }
    }
}

/// OpenAPI links: where the ids an operation answers with are used next. Clients and tools (the
/// stateful phase of schemathesis) follow them.
fn add_links(paths: &mut Map<String, Value>) {
    let id = "$response.body#/id";
    let by_id = |param: &str, targets: &[&str]| -> Vec<(String, Value)> {
        targets.iter().map(|t| ((*t).to_owned(), json!({"operationId": t, "parameters": {param: id}}))).collect()
    };
    let mut links: Vec<(&str, Vec<(String, Value)>)> = vec![
        (
            "CreateUser",
            by_id(
                "user_id",
                &[
                    "GetUser",
                    "UpdateUser",
                    "DeleteUser",
                    "UpdateUserMetadata",
                    "ReplaceUserMetadata",
                    "BanUser",
                    "UnbanUser",
                    "LockUser",
                    "UnlockUser",
                    "UsersGetOrganizationMemberships",
                    "VerifyPassword",
                    "RemoveUserPassword",
                ],
            ),
        ),
        (
            "CreateSession",
            by_id(
                "session_id",
                &["GetSession", "RevokeSession", "CreateSessionToken", "CreateSessionTokenFromTemplate"],
            ),
        ),
        (
            "CreateOrganization",
            by_id(
                "org_id",
                &[
                    "GetOrganization",
                    "UpdateOrganization",
                    "DeleteOrganization",
                    "MergeOrganizationMetadata",
                    "CreateOrganizationMembership",
                    "ListOrganizationMemberships",
                ],
            ),
        ),
        (
            "CreateJWTTemplate",
            by_id("template_id", &["GetJWTTemplate", "UpdateJWTTemplate", "DeleteJWTTemplate", "RotateJWTTemplateKey"]),
        ),
        (
            "CreateEmailAddress",
            by_id("email_address_id", &["GetEmailAddress", "UpdateEmailAddress", "DeleteEmailAddress"]),
        ),
        ("CreatePhoneNumber", by_id("phone_number_id", &["GetPhoneNumber", "UpdatePhoneNumber", "DeletePhoneNumber"])),
        (
            "CreateOrganizationPermission",
            by_id(
                "permission_id",
                &["GetOrganizationPermission", "UpdateOrganizationPermission", "DeleteOrganizationPermission"],
            ),
        ),
        (
            "CreateOrganizationRole",
            by_id("organization_role_id", &["GetOrganizationRole", "UpdateOrganizationRole", "DeleteOrganizationRole"]),
        ),
        ("CreateActorToken", by_id("actor_token_id", &["RevokeActorToken"])),
        (
            "CreateMachine",
            by_id(
                "machine_id",
                &["GetMachine", "UpdateMachine", "DeleteMachine", "GetMachineSecretKey", "RotateMachineSecretKey"],
            ),
        ),
        (
            "createApiKey",
            by_id("apiKeyID", &["getApiKey", "updateApiKey", "getApiKeySecret", "revokeApiKey", "deleteApiKey"]),
        ),
        (
            "CreateWebhookEndpoint",
            by_id(
                "endpoint_id",
                &[
                    "GetWebhookEndpoint",
                    "UpdateWebhookEndpoint",
                    "DeleteWebhookEndpoint",
                    "RotateWebhookSecret",
                    "ReplayFailedWebhookMessages",
                ],
            ),
        ),
        (
            "CreateRoleSet",
            by_id(
                "role_set_key_or_id",
                &["GetRoleSet", "UpdateRoleSet", "AddRolesToRoleSet", "ReplaceRoleInRoleSet", "ReplaceRoleSet"],
            ),
        ),
    ];
    for target in ["CreateSession", "CreateEmailAddress", "CreatePhoneNumber"] {
        links[0].1.push((target.to_owned(), json!({"operationId": target, "requestBody": {"user_id": id}})));
    }
    links[0].1.push((
        "CreateActorToken".to_owned(),
        json!({"operationId": "CreateActorToken", "requestBody": {"user_id": id, "actor": {"sub": id}}}),
    ));
    // The redeem link carries the secret the create call answered.
    if let Some((_, targets)) = links.iter_mut().find(|(source, _)| *source == "CreateActorToken") {
        targets.push((
            "RedeemActorToken".to_owned(),
            json!({"operationId": "RedeemActorToken", "parameters": {"actor_token_id": id},
                "requestBody": {"token": "$response.body#/token"}}),
        ));
    }
    links.push(("CreateInvitation", by_id("invitation_id", &["RevokeInvitation"])));
    let org_invitation = json!({"org_id": "$response.body#/organization_id", "invitation_id": id});
    links.push((
        "CreateOrganizationInvitation",
        ["GetOrganizationInvitation", "RevokeOrganizationInvitation", "AcceptOrganizationInvitation"]
            .iter()
            .map(|t| ((*t).to_owned(), json!({"operationId": t, "parameters": org_invitation})))
            .collect(),
    ));
    let membership = json!({
        "org_id": "$response.body#/organization/id",
        "user_id": "$response.body#/public_user_data/user_id",
    });
    links.push((
        "CreateOrganizationMembership",
        ["UpdateOrganizationMembership", "DeleteOrganizationMembership", "UpdateOrganizationMembershipMetadata"]
            .iter()
            .map(|t| ((*t).to_owned(), json!({"operationId": t, "parameters": membership})))
            .collect(),
    ));
    for op in paths.values_mut().filter_map(Value::as_object_mut).flat_map(|item| item.values_mut()) {
        let Some((_, targets)) = links.iter().find(|(source, _)| op["operationId"] == *source) else {
            continue;
        };
        let status = if op["responses"].get("201").is_some() { "201" } else { "200" };
        let ok = &mut op["responses"][status];
        for (name, link) in targets {
            ok["links"][name.as_str()] = link.clone();
        }
    }
}
