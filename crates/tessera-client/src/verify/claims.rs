//! Typed claims of a verified token: [`Claims`], [`OrgClaim`], [`VerifiedToken`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tessera_jwt::Algorithm;

use super::VerifyError;

/// A token whose signature and claims were checked.
///
/// Serializes as `{"header":{…},"claims":{…}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerifiedToken {
    /// The JOSE header as sent (`alg`, `kid`, `typ`, Clerk's `cat`, ...).
    pub header: Map<String, Value>,
    /// The claims, typed.
    pub claims: Claims,
}

impl VerifiedToken {
    /// The header's `alg`.
    pub fn alg(&self) -> Option<Algorithm> {
        self.header.get("alg").and_then(Value::as_str).and_then(Algorithm::parse)
    }

    /// The header's `kid`, absent for tokens signed with a custom HMAC key.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// Clerk's token category header: `cl_B7d4PD111AAA` for session tokens, `cl_B7d4PD222AAA` for
    /// template tokens.
    pub fn cat(&self) -> Option<&str> {
        self.header.get("cat").and_then(Value::as_str)
    }
}

/// The claims of a Clerk session token (v1 or v2) or template token. Registered claims and the
/// session-token claims are typed; every other claim (template claims, `aud`, `fea`, `fva`, ...)
/// is in [`Claims::extra`].
///
/// Serializes back to the flat JSON object it came from (absent claims omitted).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claims {
    /// `sub`: the user id.
    pub sub: String,
    /// `iss`: the issuer (the instance's frontend API URL on Clerk).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// `sid`: the session id (session tokens only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `iat`, epoch seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// `exp`, epoch seconds (always present: tokens without it are rejected).
    pub exp: i64,
    /// `nbf`, epoch seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// `azp`: the origin the token was requested from (absent on Backend-API-minted tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// `jti`: the token id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// `v`: the session-token version, `2` for v2 tokens (absent on v1 tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v: Option<u8>,
    /// `sts`: the session status, `"active"` or `"pending"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sts: Option<String>,
    /// `o`: the active organization (v2 session tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub o: Option<OrgClaim>,
    /// `org_id` (v1 session tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// `org_slug` (v1 session tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_slug: Option<String>,
    /// `org_role`, with its `org:` prefix (v1 session tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_role: Option<String>,
    /// `org_permissions` (v1 session tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_permissions: Option<Vec<String>>,
    /// `act`: the actor, during impersonation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub act: Option<Value>,
    /// Every other claim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `o` claim of v2 session tokens: the session's active organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgClaim {
    /// The organization id.
    pub id: String,
    /// The organization slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slg: Option<String>,
    /// The role, **without** the `org:` prefix (`"admin"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rol: Option<String>,
    /// Comma-separated permission names (`"manage,read"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// Comma-separated decimal bitmasks, one per organization feature of the `fea` claim; bit
    /// *i* grants `per[i]` for that feature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fpm: Option<String>,
}

impl Claims {
    /// The active organization id, from `o.id` (v2) or `org_id` (v1).
    pub fn active_org_id(&self) -> Option<&str> {
        self.o.as_ref().map(|o| o.id.as_str()).or(self.org_id.as_deref())
    }

    /// The `aud` claim as a list (a single string becomes one item; absent, an empty list).
    pub fn audiences(&self) -> Vec<&str> {
        audiences(self.extra.get("aud"))
    }

    /// Reads the claims of a token whose signature verified. `sub` and `exp` are required.
    pub(crate) fn from_map(mut map: Map<String, Value>) -> Result<Claims, VerifyError> {
        let exp = match take(&mut map, "exp") {
            None => return Err(VerifyError::MissingClaim("exp")),
            Some(v) => number(&v).ok_or(VerifyError::InvalidClaim("exp"))?,
        };
        let sub = match take(&mut map, "sub") {
            None => return Err(VerifyError::MissingClaim("sub")),
            Some(Value::String(s)) => s,
            Some(_) => return Err(VerifyError::InvalidClaim("sub")),
        };
        let iat = opt_number(&mut map, "iat")?;
        let nbf = opt_number(&mut map, "nbf")?;
        let v = match take(&mut map, "v") {
            None => None,
            Some(v) => Some(v.as_u64().and_then(|n| u8::try_from(n).ok()).ok_or(VerifyError::InvalidClaim("v"))?),
        };
        let o = match take(&mut map, "o") {
            None => None,
            Some(v) => Some(serde_json::from_value(v).map_err(|_| VerifyError::InvalidClaim("o"))?),
        };
        let org_permissions = match take(&mut map, "org_permissions") {
            None => None,
            Some(v) => Some(serde_json::from_value(v).map_err(|_| VerifyError::InvalidClaim("org_permissions"))?),
        };
        Ok(Claims {
            sub,
            iss: opt_string(&mut map, "iss")?,
            sid: opt_string(&mut map, "sid")?,
            iat,
            exp,
            nbf,
            azp: opt_string(&mut map, "azp")?,
            jti: opt_string(&mut map, "jti")?,
            v,
            sts: opt_string(&mut map, "sts")?,
            o,
            org_id: opt_string(&mut map, "org_id")?,
            org_slug: opt_string(&mut map, "org_slug")?,
            org_role: opt_string(&mut map, "org_role")?,
            org_permissions,
            act: take(&mut map, "act"),
            extra: map,
        })
    }
}

/// Removes `key`; a JSON `null` counts as absent.
fn take(map: &mut Map<String, Value>, key: &str) -> Option<Value> {
    match map.remove(key) {
        None | Some(Value::Null) => None,
        Some(v) => Some(v),
    }
}

fn opt_string(map: &mut Map<String, Value>, key: &'static str) -> Result<Option<String>, VerifyError> {
    match take(map, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(VerifyError::InvalidClaim(key)),
    }
}

fn opt_number(map: &mut Map<String, Value>, key: &'static str) -> Result<Option<i64>, VerifyError> {
    match take(map, key) {
        None => Ok(None),
        Some(v) => number(&v).map(Some).ok_or(VerifyError::InvalidClaim(key)),
    }
}

/// A NumericDate: an integer, or a finite number (floored).
fn number(v: &Value) -> Option<i64> {
    if let Some(n) = v.as_i64() {
        return Some(n);
    }
    let f = v.as_f64()?;
    (f.is_finite() && f.abs() < 1e15).then(|| f.floor() as i64)
}

/// `aud` as a list: a string is one audience, an array its string items.
pub(crate) fn audiences(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn v2_session_claims_are_typed_and_the_rest_kept() {
        let c = Claims::from_map(map(json!({
            "sub": "user_1", "sid": "sess_1", "iss": "https://x", "iat": 100, "exp": 160, "nbf": 90,
            "v": 2, "sts": "active", "fea": "o:a",
            "o": {"id": "org_1", "slg": "acme", "rol": "admin", "per": "read", "fpm": "1"},
            "custom": {"a": 1}, "azp": null
        })))
        .unwrap();
        assert_eq!(c.sub, "user_1");
        assert_eq!(c.v, Some(2));
        assert_eq!(c.active_org_id(), Some("org_1"));
        assert_eq!(c.o.as_ref().unwrap().rol.as_deref(), Some("admin"));
        assert_eq!(c.azp, None);
        assert_eq!(c.extra.len(), 2);
        assert_eq!(c.extra["custom"], json!({"a": 1}));
        let back = serde_json::to_value(&c).unwrap();
        assert_eq!(back["fea"], json!("o:a"));
        assert_eq!(back["o"]["slg"], json!("acme"));
        assert!(back.get("azp").is_none());
    }

    #[test]
    fn v1_org_claims_are_typed() {
        let c = Claims::from_map(map(json!({
            "sub": "u", "exp": 1, "org_id": "org_1", "org_role": "org:admin", "org_permissions": []
        })))
        .unwrap();
        assert_eq!(c.active_org_id(), Some("org_1"));
        assert_eq!(c.org_permissions, Some(vec![]));
    }

    #[test]
    fn wrong_types_name_the_claim() {
        let cases = [
            (json!({"exp": 1}), VerifyError::MissingClaim("sub")),
            (json!({"sub": "u"}), VerifyError::MissingClaim("exp")),
            (json!({"sub": 1, "exp": 1}), VerifyError::InvalidClaim("sub")),
            (json!({"sub": "u", "exp": "1"}), VerifyError::InvalidClaim("exp")),
            (json!({"sub": "u", "exp": 1, "v": 300}), VerifyError::InvalidClaim("v")),
            (json!({"sub": "u", "exp": 1, "o": {"slg": "x"}}), VerifyError::InvalidClaim("o")),
            (json!({"sub": "u", "exp": 1, "azp": 5}), VerifyError::InvalidClaim("azp")),
            (json!({"sub": "u", "exp": 1, "nbf": true}), VerifyError::InvalidClaim("nbf")),
        ];
        for (claims, want) in cases {
            assert_eq!(Claims::from_map(map(claims.clone())).unwrap_err(), want, "{claims}");
        }
    }

    #[test]
    fn numeric_dates_may_be_fractional() {
        let c = Claims::from_map(map(json!({"sub": "u", "exp": 1700000000.9}))).unwrap();
        assert_eq!(c.exp, 1700000000);
    }

    #[test]
    fn audiences_read_strings_and_arrays() {
        assert_eq!(audiences(Some(&json!("a"))), vec!["a"]);
        assert_eq!(audiences(Some(&json!(["a", "b", 3]))), vec!["a", "b"]);
        assert!(audiences(None).is_empty());
    }
}
