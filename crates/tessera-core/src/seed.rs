//! Seed files: users, organizations with their members and invitations, invitations, sessions and JWT
//! templates with the ids the file gives, so tests can hard-code them, and the instance's custom
//! session claims. Applying a seed
//! is idempotent: an object whose id already exists is left as it is, and session claims are set only
//! when none are stored (so claims changed through the API survive a restart with the same seed).
//! Every entry goes through the same validation as the API.
//!
//! ```yaml
//! permissions:
//!   - { id: perm_invoices_read, key: "org:invoices:read", name: Read invoices }
//! roles:                            # `permissions` by key (or id); in the initial role set
//!   - { id: role_accountant, key: "org:accountant", name: Accountant,
//!       permissions: ["org:invoices:read"], include_in_initial_role_set: true }
//! users:
//!   - id: user_alice
//!     email_address: [alice@example.com]
//!     first_name: Alice
//!     password: correct horse battery   # stored as an Argon2id hash
//!   - id: user_bob                      # or a digest from another system, verified as is
//!     password_digest: "$2b$12$LZSJchsWG/DrBy1erNs4ee31eJ7DaWiuwhDOC7aqIyqGGggfu6Y/."
//!     password_hasher: bcrypt
//! organizations:
//!   - id: org_acme
//!     name: Acme
//!     created_by: user_alice        # becomes org:admin
//!     members:
//!       - { user_id: user_bob, role: "org:member" }
//!     invitations:                  # pending; accept them through the API
//!       - { id: orginv_carol, email_address: carol@example.com, role: "org:member" }
//! invitations:                      # creating a user with the address accepts it
//!   - { id: inv_dave, email_address: dave@example.com, public_metadata: { plan: pro } }
//! sessions:
//!   - { id: sess_alice, user_id: user_alice, active_organization_id: org_acme }
//! jwt_templates:
//!   - { id: jtmp_convex, name: convex, claims: { aud: convex, name: "{{user.full_name}}" } }
//! session_claims:                   # the claims object itself, as in PUT /v1/tessera/session_claims
//!   email: "{{user.primary_email_address}}"
//! machines:                         # `secret_key` (optional, `ak_…`): so tests can hard-code it
//!   - { id: mch_billing, name: billing, secret_key: ak_billing_dev_key_0123456789 }
//!   - { id: mch_reports, name: reports, scoped_machines: [mch_billing] }
//! webhooks:                         # endpoints; `secret` (whsec_…) pins the signing secret
//!   - { id: ep_local, url: "http://localhost:3000/api/webhooks", filter_types: [user.created] }
//! ```

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::service::Tessera;

/// The top-level keys of a seed, in the order they are applied.
const SECTIONS: &[&str] = &[
    "permissions",
    "roles",
    "users",
    "organizations",
    "invitations",
    "sessions",
    "jwt_templates",
    "machines",
    "session_claims",
    "webhooks",
];

/// What applying a seed did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub created: usize,
    pub existing: usize,
}

/// Checks the shape of a seed document without a store: sections, ids, the claims of every
/// template and the session claims (reserved claims, shortcode syntax, size).
pub fn check_seed(doc: &Value) -> ApiResult<()> {
    let root = doc.as_object().ok_or_else(|| ApiError::body_invalid("the seed must be an object"))?;
    for key in root.keys() {
        if !SECTIONS.contains(&key.as_str()) {
            return Err(ApiError::param_unknown(key));
        }
    }
    for (section, prefix) in [
        ("permissions", "perm_"),
        ("roles", "role_"),
        ("users", "user_"),
        ("organizations", "org_"),
        ("invitations", "inv_"),
        ("sessions", "sess_"),
        ("jwt_templates", "jtmp_"),
        ("machines", crate::machines::MACHINE_PREFIX),
        ("webhooks", "ep_"),
    ] {
        for (i, entry) in entries(root, section)?.iter().enumerate() {
            let obj = entry.as_object().ok_or_else(|| ApiError::param_type(&format!("{section}[{i}]"), "object"))?;
            let id = obj
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::param_missing(&format!("{section}[{i}].id")))?;
            check_id(id, prefix, &format!("{section}[{i}].id"))?;
            if section == "organizations" {
                let invitations = match obj.get("invitations") {
                    None | Some(Value::Null) => &[][..],
                    Some(Value::Array(a)) => a.as_slice(),
                    Some(_) => return Err(ApiError::param_type(&format!("{section}[{i}].invitations"), "array")),
                };
                for (j, inv) in invitations.iter().enumerate() {
                    let at = format!("{section}[{i}].invitations[{j}]");
                    let inv_id = inv
                        .get("id")
                        .and_then(Value::as_str)
                        .ok_or_else(|| ApiError::param_missing(&format!("{at}.id")))?;
                    check_id(inv_id, "orginv_", &format!("{at}.id"))?;
                }
            }
            if section == "users" {
                crate::passwords::check_seed_user(obj).map_err(|e| prefix_error(e, &format!("{section}[{i}]")))?;
            }
            if section == "jwt_templates" {
                let claims = obj
                    .get("claims")
                    .and_then(Value::as_object)
                    .ok_or_else(|| ApiError::param_missing(&format!("{section}[{i}].claims")))?;
                crate::templates::validate_claims(claims, crate::service::CoreConfig::default().max_claims_bytes)
                    .map_err(|e| prefix_error(e, &format!("{section}[{i}]")))?;
            }
        }
    }
    if let Some(claims) = session_claims(root)? {
        crate::session_claims::validate_session_claims(claims, &crate::service::CoreConfig::default())
            .map_err(|e| prefix_error(e, "session_claims"))?;
    }
    Ok(())
}

/// The `session_claims` object of a seed, if it has one.
fn session_claims(root: &Map<String, Value>) -> ApiResult<Option<&Map<String, Value>>> {
    match root.get("session_claims") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(ApiError::param_type("session_claims", "object")),
    }
}

fn prefix_error(mut e: ApiError, at: &str) -> ApiError {
    e.long_message = format!("{at}: {}", e.long_message);
    e
}

fn entries<'a>(root: &'a Map<String, Value>, key: &str) -> ApiResult<&'a [Value]> {
    match root.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(ApiError::param_type(key, "array")),
    }
}

fn check_id(id: &str, prefix: &str, at: &str) -> ApiResult<()> {
    let rest = id.strip_prefix(prefix).unwrap_or("");
    if rest.is_empty() || id.len() > 64 || !rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(ApiError::param_format(
            at,
            format!(
                "{at} must be {prefix} followed by letters, digits, '_' or '-' (at most 64 characters), got {id:?}"
            ),
        ));
    }
    Ok(())
}

/// Splits an entry into its id and the rest as an API body.
fn split(entry: &Value, drop: &[&str]) -> (String, Map<String, Value>) {
    let mut obj = entry.as_object().cloned().unwrap_or_default();
    let id = obj.remove("id").and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    for k in drop {
        obj.remove(*k);
    }
    (id, obj)
}

impl Tessera {
    /// Applies a seed document (already parsed from YAML or JSON).
    pub async fn apply_seed(&self, doc: &Value) -> ApiResult<SeedReport> {
        check_seed(doc)?;
        let root = doc.as_object().cloned().unwrap_or_default();
        let mut report = SeedReport::default();
        let mut count = |created: bool| if created { report.created += 1 } else { report.existing += 1 };

        for (i, e) in entries(&root, "permissions")?.iter().enumerate() {
            let (id, body) = split(e, &[]);
            let exists = self.store.get_permission(&id).await?.is_some();
            if !exists {
                self.create_permission_as(Some(id), Fields::from_value(Some(Value::Object(body)))?)
                    .await
                    .map_err(|e| prefix_error(e, &format!("permissions[{i}]")))?;
            }
            count(!exists);
        }
        for (i, e) in entries(&root, "roles")?.iter().enumerate() {
            let (id, mut body) = split(e, &[]);
            let exists = self.store.get_role(&id).await?.is_some();
            if !exists {
                let at = format!("roles[{i}]");
                if let Some(Value::Array(names)) = body.get("permissions").cloned() {
                    let mut ids = Vec::with_capacity(names.len());
                    for n in names {
                        let n = n.as_str().unwrap_or_default();
                        ids.push(Value::from(
                            self.permission_id_by_id_or_key(n).await.map_err(|e| prefix_error(e, &at))?,
                        ));
                    }
                    body.insert("permissions".into(), Value::Array(ids));
                }
                self.create_role_as(Some(id), Fields::from_value(Some(Value::Object(body)))?)
                    .await
                    .map_err(|e| prefix_error(e, &at))?;
            }
            count(!exists);
        }
        for (i, e) in entries(&root, "users")?.iter().enumerate() {
            let (id, body) = split(e, &[]);
            let exists = self.store.get_user(&id).await?.is_some();
            if !exists {
                self.create_user_as(Some(id), Fields::from_value(Some(Value::Object(body)))?)
                    .await
                    .map_err(|e| prefix_error(e, &format!("users[{i}]")))?;
            }
            count(!exists);
        }
        for (i, e) in entries(&root, "organizations")?.iter().enumerate() {
            let (id, body) = split(e, &["members", "invitations"]);
            let exists = self.store.get_organization(&id).await?.is_some();
            if !exists {
                self.create_organization_as(Some(id.clone()), Fields::from_value(Some(Value::Object(body)))?)
                    .await
                    .map_err(|e| prefix_error(e, &format!("organizations[{i}]")))?;
            }
            count(!exists);
            let members = e.get("members").and_then(Value::as_array).cloned().unwrap_or_default();
            for (j, m) in members.iter().enumerate() {
                let user_id = m.get("user_id").and_then(Value::as_str).unwrap_or_default();
                let present = self.store.get_membership(&id, user_id).await?.is_some();
                if !present {
                    self.create_membership(&id, Fields::from_value(Some(m.clone()))?)
                        .await
                        .map_err(|e| prefix_error(e, &format!("organizations[{i}].members[{j}]")))?;
                }
                count(!present);
            }
            let invitations = e.get("invitations").and_then(Value::as_array).cloned().unwrap_or_default();
            for (j, inv) in invitations.iter().enumerate() {
                let (inv_id, body) = split(inv, &[]);
                let present = self.store.get_organization_invitation(&inv_id).await?.is_some();
                if !present {
                    self.create_organization_invitation_as(inv_id, &id, Fields::from_value(Some(Value::Object(body)))?)
                        .await
                        .map_err(|e| prefix_error(e, &format!("organizations[{i}].invitations[{j}]")))?;
                }
                count(!present);
            }
        }
        for (i, e) in entries(&root, "invitations")?.iter().enumerate() {
            let (id, body) = split(e, &[]);
            let exists = self.store.get_invitation(&id).await?.is_some();
            if !exists {
                self.create_invitation_as(Some(id), Fields::from_value(Some(Value::Object(body)))?)
                    .await
                    .map_err(|e| prefix_error(e, &format!("invitations[{i}]")))?;
            }
            count(!exists);
        }
        for (i, e) in entries(&root, "sessions")?.iter().enumerate() {
            let (id, body) = split(e, &[]);
            let exists = self.store.get_session(&id).await?.is_some();
            if !exists {
                self.create_session_as(Some(id), Fields::from_value(Some(Value::Object(body)))?)
                    .await
                    .map_err(|e| prefix_error(e, &format!("sessions[{i}]")))?;
            }
            count(!exists);
        }
        for (i, e) in entries(&root, "jwt_templates")?.iter().enumerate() {
            let (id, body) = split(e, &[]);
            let exists = self.store.get_template(&id).await?.is_some();
            if !exists {
                self.create_template_as(Some(id), Fields::from_value(Some(Value::Object(body)))?)
                    .await
                    .map_err(|e| prefix_error(e, &format!("jwt_templates[{i}]")))?;
            }
            count(!exists);
        }
        // Machines first, then their scopes, so a machine may name one that comes after it.
        let machines = entries(&root, "machines")?;
        for (i, e) in machines.iter().enumerate() {
            let (id, mut body) = split(e, &["scoped_machines"]);
            let exists = self.store.get_machine(&id).await?.is_some();
            if !exists {
                let at = format!("machines[{i}]");
                let secret = match body.remove("secret_key") {
                    None => None,
                    Some(Value::String(k)) if k.starts_with(crate::machines::SECRET_KEY_PREFIX) && k.len() >= 16 => {
                        Some(k)
                    }
                    Some(_) => {
                        return Err(ApiError::param_value(
                            &format!("{at}.secret_key"),
                            "secret_key must be a string of at least 16 characters starting with ak_.",
                        ));
                    }
                };
                self.create_machine_as(Some(id), secret, Fields::from_value(Some(Value::Object(body)))?)
                    .await
                    .map_err(|e| prefix_error(e, &at))?;
            }
            count(!exists);
        }
        for (i, e) in machines.iter().enumerate() {
            let (id, _) = split(e, &[]);
            let scoped = e.get("scoped_machines").and_then(Value::as_array).cloned().unwrap_or_default();
            let have = self.store.get_machine(&id).await?.map(|v| v.scoped).unwrap_or_default();
            for (j, to) in scoped.iter().enumerate() {
                let to = to.as_str().unwrap_or_default();
                if have.iter().any(|m| m.id == to) {
                    continue;
                }
                let body = serde_json::json!({ "to_machine_id": to });
                self.create_machine_scope(&id, Fields::from_value(Some(body))?)
                    .await
                    .map_err(|e| prefix_error(e, &format!("machines[{i}].scoped_machines[{j}]")))?;
            }
        }
        if let Some(claims) = session_claims(&root)? {
            let exists = self.store.get_session_claims().await?.is_some();
            if !exists {
                self.store_session_claims(claims.clone()).await.map_err(|e| prefix_error(e, "session_claims"))?;
            }
            count(!exists);
        }
        for (i, e) in entries(&root, "webhooks")?.iter().enumerate() {
            let (id, mut body) = split(e, &[]);
            let exists = self.store.get_webhook_endpoint(&id).await?.is_some();
            if !exists {
                let secret = match body.remove("secret") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s),
                    Some(_) => return Err(ApiError::param_type(&format!("webhooks[{i}].secret"), "string")),
                };
                self.create_webhook_endpoint_as(Some(id), secret, Fields::from_value(Some(Value::Object(body)))?)
                    .await
                    .map_err(|e| prefix_error(e, &format!("webhooks[{i}]")))?;
            }
            count(!exists);
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seeds_are_checked_offline() {
        assert!(check_seed(&json!({"users": [{"id": "user_a"}]})).is_ok());
        assert!(check_seed(&json!({"webhooks": [{"id": "ep_local", "url": "http://localhost:3000/"}]})).is_ok());
        assert_eq!(check_seed(&json!({"webhooks": [{"id": "wh_x"}]})).unwrap_err().code, "form_param_format_invalid");
        assert_eq!(check_seed(&json!({"userz": []})).unwrap_err().code, "form_param_unknown");
        assert_eq!(check_seed(&json!({"users": [{"id": "a"}]})).unwrap_err().code, "form_param_format_invalid");
        assert_eq!(check_seed(&json!({"users": [{}]})).unwrap_err().code, "form_param_missing");
        assert!(check_seed(&json!({"invitations": [{"id": "inv_a", "email_address": "a@example.com"}]})).is_ok());
        let e = check_seed(&json!({"invitations": [{"id": "orginv_a"}]})).unwrap_err();
        assert_eq!((e.code, e.param_name()), ("form_param_format_invalid", Some("invitations[0].id")));
        let org = json!({"organizations": [{"id": "org_a", "name": "A", "invitations": [{"id": "inv_x"}]}]});
        assert_eq!(check_seed(&org).unwrap_err().param_name(), Some("organizations[0].invitations[0].id"));
        let e =
            check_seed(&json!({"jwt_templates": [{"id": "jtmp_x", "name": "x", "claims": {"sub": "1"}}]})).unwrap_err();
        assert_eq!(e.code, "jwt_template_reserved_claim");
        assert!(e.long_message.starts_with("jwt_templates[0]"));
        let e = check_seed(&json!({"jwt_templates": [{"id": "jtmp_x", "name": "x", "claims": {"a": "{{user"}}]}))
            .unwrap_err();
        assert!(e.long_message.contains("claims.a"), "{}", e.long_message);
    }

    #[test]
    fn seeded_passwords_and_digests_are_checked_like_the_api_checks_them() {
        let digest = "$2b$12$LZSJchsWG/DrBy1erNs4ee31eJ7DaWiuwhDOC7aqIyqGGggfu6Y/.";
        assert!(check_seed(&json!({"users": [{"id": "user_a", "password": "correct horse"}]})).is_ok());
        let users = json!([{"id": "user_a", "password_digest": digest, "password_hasher": "bcrypt"}]);
        assert!(check_seed(&json!({ "users": users })).is_ok());
        let e = check_seed(&json!({"users": [{"id": "user_a", "password": "short"}]})).unwrap_err();
        assert_eq!((e.code, e.param_name()), ("form_password_length_too_short", Some("password")));
        assert!(e.long_message.starts_with("users[0]: "), "{}", e.long_message);
        let e = check_seed(&json!({"users": [{"id": "user_a", "password_digest": digest, "password_hasher": "md5"}]}))
            .unwrap_err();
        assert_eq!((e.code, e.param_name()), ("form_password_digest_invalid_code", Some("password_digest")));
        assert!(!e.long_message.contains(digest), "{}", e.long_message);
        let e = check_seed(&json!({"users": [{"id": "user_a", "password_digest": digest}]})).unwrap_err();
        assert_eq!((e.code, e.param_name()), ("form_conditional_param_missing", Some("password_hasher")));
    }

    #[test]
    fn seeded_session_claims_are_checked_like_the_api_checks_them() {
        assert!(
            check_seed(&json!({"session_claims": {"aud": "x", "email": "{{user.primary_email_address}}"}})).is_ok()
        );
        let e = check_seed(&json!({"session_claims": {"sid": "mine"}})).unwrap_err();
        assert_eq!(e.code, "jwt_template_reserved_claim");
        assert!(
            e.long_message.starts_with("session_claims: ") && e.long_message.contains("'sid'"),
            "{}",
            e.long_message
        );
        let e = check_seed(&json!({"session_claims": ["not", "an", "object"]})).unwrap_err();
        assert_eq!((e.code, e.param_name()), ("form_param_type_invalid", Some("session_claims")));
    }
}
