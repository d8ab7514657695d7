//! Commands that need no server: `verify`, `render`, `check-config`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value, json};
use tessera_client::{KeySource, VerifyOptions};
use tessera_core::shortcode::{CompiledClaims, build_context};
use tessera_types::{Organization, OrganizationMembership, Session, User};

use crate::output::{json as print_json, read_json_or_yaml};

pub struct VerifyArgs {
    pub jwt: String,
    pub jwks_url: Option<String>,
    pub jwks: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub hmac_secret: Option<String>,
    pub issuer: Option<String>,
    pub audience: Vec<String>,
    pub skew_secs: u64,
    /// Default JWKS URL (from `--url`) and the secret key to fetch it with.
    pub default_url: String,
    pub secret_key: Option<String>,
}

/// Verifies a token; `Ok(true)` when valid. Prints header and claims either way.
pub async fn verify(a: VerifyArgs) -> Result<bool, String> {
    let jwt = a.jwt.trim().to_owned();
    let source = if let Some(p) = &a.jwks {
        let text = std::fs::read_to_string(p).map_err(|e| format!("reading {}: {e}", p.display()))?;
        KeySource::Jwks(serde_json::from_str(&text).map_err(|e| format!("{}: not a JWKS: {e}", p.display()))?)
    } else if let Some(p) = &a.key {
        KeySource::PublicKeyPem(std::fs::read_to_string(p).map_err(|e| format!("reading {}: {e}", p.display()))?)
    } else if let Some(secret) = &a.hmac_secret {
        let alg =
            tessera_jwt::decode_unverified(&jwt).ok().and_then(|d| d.alg).unwrap_or(tessera_jwt::Algorithm::HS256);
        KeySource::HmacSecret { alg, secret: secret.as_bytes().to_vec() }
    } else {
        let url = a
            .jwks_url
            .clone()
            .unwrap_or_else(|| format!("{}/.well-known/jwks.json", a.default_url.trim_end_matches('/')));
        KeySource::JwksUrl { url, secret_key: a.secret_key.clone() }
    };
    let options = VerifyOptions {
        clock_skew: Duration::from_secs(a.skew_secs),
        issuer: a.issuer.clone(),
        audience: a.audience.clone(),
        ..VerifyOptions::default()
    };
    if let Ok(d) = tessera_jwt::decode_unverified(&jwt) {
        print_json(&json!({"header": d.header, "claims": d.claims}));
    }
    match tessera_client::verify_token(&jwt, &source, &options).await {
        Ok(_) => {
            println!("valid");
            Ok(true)
        }
        Err(e) => {
            println!("invalid: {e}");
            Ok(false)
        }
    }
}

/// Fills the fields a hand-written object may leave out.
fn overlay(base: Value, file: Value) -> Value {
    match (base, file) {
        (Value::Object(mut b), Value::Object(f)) => {
            for (k, v) in f {
                b.insert(k, v);
            }
            Value::Object(b)
        }
        (_, f) => f,
    }
}

fn user_defaults() -> Value {
    json!({
        "object": "user", "id": "user_local", "external_id": null, "primary_email_address_id": null,
        "primary_phone_number_id": null, "primary_web3_wallet_id": null, "username": null, "first_name": null,
        "last_name": null, "image_url": "", "has_image": false, "public_metadata": {}, "private_metadata": {},
        "unsafe_metadata": {}, "email_addresses": [], "phone_numbers": [], "web3_wallets": [], "passkeys": [],
        "password_enabled": false, "two_factor_enabled": false, "totp_enabled": false, "backup_code_enabled": false,
        "mfa_enabled_at": null, "mfa_disabled_at": null, "external_accounts": [], "saml_accounts": [],
        "enterprise_accounts": [], "last_sign_in_at": null, "banned": false, "locked": false,
        "lockout_expires_in_seconds": null, "verification_attempts_remaining": null, "created_at": 0,
        "updated_at": 0, "delete_self_enabled": true, "create_organization_enabled": true, "last_active_at": null,
        "legal_accepted_at": null
    })
}

fn org_defaults() -> Value {
    json!({
        "object": "organization", "id": "org_local", "name": "", "slug": "", "has_image": false,
        "max_allowed_memberships": 0, "admin_delete_enabled": true, "public_metadata": {}, "created_at": 0,
        "updated_at": 0
    })
}

fn load<T: serde::de::DeserializeOwned>(path: &Path, defaults: Value, what: &str) -> Result<T, String> {
    let v = overlay(defaults, read_json_or_yaml(path)?);
    serde_json::from_value(v).map_err(|e| format!("{}: not a {what}: {e}", path.display()))
}

/// `tessera render --claims FILE --user FILE [--org FILE] [--role ROLE]`: the claims a template
/// contributes (default claims such as exp and sub are added at mint time).
pub fn render(
    claims: &Path,
    user: &Path,
    org: Option<&Path>,
    role: &str,
    session: Option<&Path>,
) -> Result<(), String> {
    let claims: Map<String, Value> = match read_json_or_yaml(claims)? {
        Value::Object(m) => m,
        _ => return Err(format!("{}: the claims must be an object", claims.display())),
    };
    let compiled = CompiledClaims::compile(&claims).map_err(|e| format!("claims.{}: {}", e.path, e.message))?;
    let user: User = load(user, user_defaults(), "user")?;
    let org: Option<Organization> = match org {
        Some(p) => Some(load(p, org_defaults(), "organization")?),
        None => None,
    };
    let membership: Option<OrganizationMembership> = match &org {
        None => None,
        Some(o) => Some(
            serde_json::from_value(json!({
                "object": "organization_membership", "id": "orgmem_local", "role": role,
                "permissions": tessera_core::orgs::role_permissions(role), "public_metadata": {},
                "organization": o, "created_at": 0, "updated_at": 0
            }))
            .map_err(|e| e.to_string())?,
        ),
    };
    let session: Option<Session> = match session {
        Some(p) => Some(
            serde_json::from_value(read_json_or_yaml(p)?)
                .map_err(|e| format!("{}: not a session: {e}", p.display()))?,
        ),
        None => None,
    };
    let memberships: Vec<(String, String)> = org.iter().map(|o| (o.id.clone(), role.to_owned())).collect();
    let active = org.as_ref().zip(membership.as_ref());
    let ctx = build_context(&user, session.as_ref(), active, &memberships);
    print_json(&compiled.render(&ctx));
    Ok(())
}

/// `tessera check-config FILE`: validates a seed file (every template included).
pub fn check_config(path: &Path) -> Result<(), String> {
    let doc = read_json_or_yaml(path)?;
    tessera_core::seed::check_seed(&doc).map_err(|e| format!("{}: {} ({})", path.display(), e.long_message, e.code))?;
    let count = |k: &str| doc.get(k).and_then(Value::as_array).map_or(0, Vec::len);
    println!(
        "{}: ok ({} users, {} organizations, {} sessions, {} templates)",
        path.display(),
        count("users"),
        count("organizations"),
        count("sessions"),
        count("jwt_templates")
    );
    Ok(())
}
