//! Reading request bodies field by field so that every malformed input gets a Clerk error naming the
//! parameter: unknown keys, wrong types, nulls where a value is required, out-of-range numbers.
//!
//! ```
//! # use tessera_core::fields::Fields;
//! let body = serde_json::json!({"name": "x", "lifetime": 60});
//! let mut f = Fields::from_value(Some(body)).unwrap();
//! let name = f.required_string("name").unwrap();
//! let lifetime = f.opt_int("lifetime", 30, 315_360_000).unwrap();
//! f.finish().unwrap();
//! assert_eq!((name.as_str(), lifetime), ("x", Some(60)));
//! ```

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};

/// Nesting depth allowed in any JSON body (objects and arrays).
pub const MAX_JSON_DEPTH: usize = 32;

const NOT_AN_OBJECT: &str =
    "The request body is invalid. It must be a JSON object. Please consult the API documentation for more information.";

/// A request body being consumed. Keys taken are removed; `finish` rejects whatever is left.
#[derive(Debug, Default)]
pub struct Fields {
    map: Map<String, Value>,
}

impl Fields {
    /// `None` (empty body) reads as `{}`. A body that is not a JSON object is `request_body_invalid`.
    pub fn from_value(body: Option<Value>) -> ApiResult<Fields> {
        match body {
            None | Some(Value::Null) => Ok(Fields::default()),
            Some(Value::Object(map)) => {
                check_depth(&Value::Object(map.clone()), 0)?;
                Ok(Fields { map })
            }
            Some(_) => Err(ApiError::body_invalid(NOT_AN_OBJECT)),
        }
    }

    /// Parses raw bytes; an empty (or all-whitespace) body is `{}`.
    pub fn from_bytes(bytes: &[u8]) -> ApiResult<Fields> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Fields::default());
        }
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            ApiError::body_invalid(format!(
                "The request body is invalid: malformed JSON at line {} column {}. Please consult the API documentation for more information.",
                e.line(),
                e.column()
            ))
        })?;
        // A body that is JSON `null` is not an object: only an empty body reads as `{}`.
        if value.is_null() {
            return Err(ApiError::body_invalid(NOT_AN_OBJECT));
        }
        Self::from_value(Some(value))
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn contains(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Takes a key; JSON `null` reads as absent.
    fn take(&mut self, key: &str) -> Option<Value> {
        match self.map.remove(key) {
            Some(Value::Null) | None => None,
            Some(v) => Some(v),
        }
    }

    /// Like `take` but tells `null` apart from absent: `Some(None)` is an explicit null.
    pub fn take_nullable(&mut self, key: &str) -> Option<Option<Value>> {
        self.map.remove(key).map(|v| if v.is_null() { None } else { Some(v) })
    }

    pub fn opt_string(&mut self, key: &str) -> ApiResult<Option<String>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => no_nul(key, s).map(Some),
            Some(_) => Err(ApiError::param_type(key, "string")),
        }
    }

    pub fn required_string(&mut self, key: &str) -> ApiResult<String> {
        if !self.map.contains_key(key) {
            return Err(ApiError::param_missing(key));
        }
        self.opt_string(key)?.ok_or_else(|| ApiError::param_missing(key))
    }

    /// A string that may be explicitly set to `null` (to clear it): `Some(None)`.
    pub fn nullable_string(&mut self, key: &str) -> ApiResult<Option<Option<String>>> {
        match self.take_nullable(key) {
            None => Ok(None),
            Some(None) => Ok(Some(None)),
            Some(Some(Value::String(s))) => no_nul(key, s).map(|s| Some(Some(s))),
            Some(Some(_)) => Err(ApiError::param_type(key, "string")),
        }
    }

    pub fn opt_bool(&mut self, key: &str) -> ApiResult<Option<bool>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(ApiError::param_type(key, "boolean")),
        }
    }

    /// An integer within `min..=max` (inclusive).
    pub fn opt_int(&mut self, key: &str, min: i64, max: i64) -> ApiResult<Option<i64>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) => {
                let v = n.as_i64().ok_or_else(|| ApiError::param_type(key, "integer"))?;
                if v < min || v > max {
                    return Err(ApiError::param_value(key, format!("{key} must be between {min} and {max}, got {v}.")));
                }
                Ok(Some(v))
            }
            Some(_) => Err(ApiError::param_type(key, "integer")),
        }
    }

    pub fn opt_object(&mut self, key: &str) -> ApiResult<Option<Map<String, Value>>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(ApiError::param_type(key, "object")),
        }
    }

    pub fn required_object(&mut self, key: &str) -> ApiResult<Map<String, Value>> {
        if !self.map.contains_key(key) {
            return Err(ApiError::param_missing(key));
        }
        self.opt_object(key)?.ok_or_else(|| ApiError::param_missing(key))
    }

    /// An array of strings; a single string is accepted as a one-element array (Clerk's form
    /// encoding allows both).
    pub fn opt_string_list(&mut self, key: &str) -> ApiResult<Option<Vec<String>>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => no_nul(key, s).map(|s| Some(vec![s])),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => no_nul(key, s),
                    _ => Err(ApiError::param_type(key, "array of strings")),
                })
                .collect::<ApiResult<Vec<_>>>()
                .map(Some),
            Some(_) => Err(ApiError::param_type(key, "array of strings")),
        }
    }

    /// Skips a key Tessera accepts for compatibility but does not act on.
    pub fn ignore(&mut self, key: &str) {
        self.map.remove(key);
    }

    /// Rejects any key that was not taken.
    pub fn finish(self) -> ApiResult<()> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(k) => Err(ApiError::param_unknown(k)),
        }
    }
}

// ---- body contracts ----------------------------------------------------------------------------
// Each request body declares its keys once, as a table of [`Field`]s next to the code that reads
// it: the parsing code takes its limits from the table, and the OpenAPI document builds each body's
// properties from the same table (`tessera_server::openapi`).

/// Names (user first and last names, organization and JWT template names) and external ids are at
/// most this many characters.
pub const MAX_NAME_CHARS: usize = 256;

/// What a body key holds, with the limits the core enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string of `min_chars..=max_chars` characters.
    String {
        min_chars: usize,
        max_chars: Option<usize>,
    },
    /// One string or an array of strings.
    StringList,
    Bool,
    /// An integer in `min..=max`.
    Int {
        min: i64,
        max: i64,
    },
    /// A JSON object.
    Object,
    /// A number (not only an integer) above 0 and at most `max`.
    PositiveNumber {
        max: i64,
    },
    /// Accepted for compatibility with Clerk's SDKs; has no effect.
    WithoutEffect,
}

/// One key of a request body. Keys are optional (and `null` reads as absent) unless `required`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

impl Field {
    pub const fn string(name: &'static str) -> Field {
        Field { name, kind: Kind::String { min_chars: 0, max_chars: None }, required: false }
    }
    pub const fn string_of(name: &'static str, min_chars: usize, max_chars: usize) -> Field {
        Field { name, kind: Kind::String { min_chars, max_chars: Some(max_chars) }, required: false }
    }
    pub const fn string_list(name: &'static str) -> Field {
        Field { name, kind: Kind::StringList, required: false }
    }
    pub const fn bool(name: &'static str) -> Field {
        Field { name, kind: Kind::Bool, required: false }
    }
    pub const fn int(name: &'static str, min: i64, max: i64) -> Field {
        Field { name, kind: Kind::Int { min, max }, required: false }
    }
    pub const fn positive_number(name: &'static str, max: i64) -> Field {
        Field { name, kind: Kind::PositiveNumber { max }, required: false }
    }
    pub const fn object(name: &'static str) -> Field {
        Field { name, kind: Kind::Object, required: false }
    }
    pub const fn without_effect(name: &'static str) -> Field {
        Field { name, kind: Kind::WithoutEffect, required: false }
    }
    pub const fn required(self) -> Field {
        Field { required: true, ..self }
    }

    /// The least number of characters of a string key (0 for other kinds).
    pub const fn min_chars(&self) -> usize {
        match self.kind {
            Kind::String { min_chars, .. } => min_chars,
            _ => 0,
        }
    }

    /// The most characters of a string key (`usize::MAX` when unlimited or not a string).
    pub const fn max_chars(&self) -> usize {
        match self.kind {
            Kind::String { max_chars: Some(max), .. } => max,
            _ => usize::MAX,
        }
    }

    /// `form_param_max_length_exceeded` when `s` is longer than this key allows.
    pub fn check_len(&self, s: &str) -> ApiResult<()> {
        let max = self.max_chars();
        if s.chars().count() > max {
            return Err(ApiError::param_too_long(self.name, max));
        }
        Ok(())
    }
}

/// A request body: the name of its schema in `tessera-types` (and the OpenAPI document) and every
/// key it accepts, in groups (so that bodies can share a group).
#[derive(Debug, Clone, Copy)]
pub struct Body {
    pub schema: &'static str,
    pub groups: &'static [&'static [Field]],
}

impl Body {
    /// Every key of the body.
    pub fn fields(&self) -> impl Iterator<Item = &'static Field> {
        self.groups.iter().flat_map(|g| g.iter())
    }
}

/// Every request body the core reads.
pub const BODIES: &[Body] = &[
    crate::users::CREATE_USER,
    crate::users::UPDATE_USER,
    crate::users::USER_METADATA,
    crate::contacts::CREATE_EMAIL_ADDRESS,
    crate::contacts::UPDATE_EMAIL_ADDRESS,
    crate::contacts::CREATE_PHONE_NUMBER,
    crate::contacts::UPDATE_PHONE_NUMBER,
    crate::passwords::VERIFY_PASSWORD,
    crate::passwords::REMOVE_PASSWORD,
    crate::sessions::CREATE_SESSION,
    crate::mint::SESSION_TOKEN,
    crate::orgs::CREATE_ORGANIZATION,
    crate::orgs::UPDATE_ORGANIZATION,
    crate::orgs::ORGANIZATION_METADATA,
    crate::orgs::CREATE_MEMBERSHIP,
    crate::orgs::UPDATE_MEMBERSHIP,
    crate::templates::TEMPLATE,
    crate::template_keys::ROTATE_TEMPLATE_KEY,
    crate::roles::CREATE_PERMISSION,
    crate::roles::UPDATE_PERMISSION,
    crate::roles::CREATE_ROLE,
    crate::roles::UPDATE_ROLE,
    crate::role_sets::CREATE_ROLE_SET,
    crate::role_sets::UPDATE_ROLE_SET,
    crate::role_sets::REPLACE_ROLE_SET,
    crate::role_sets::ADD_ROLES,
    crate::role_sets::REPLACE_ROLE,
    crate::session_claims::UPDATE_SESSION_CLAIMS,
    crate::keyring::ROTATE_INSTANCE_KEY,
    crate::actor_tokens::CREATE_ACTOR_TOKEN,
    crate::actor_tokens::REDEEM_ACTOR_TOKEN,
    crate::invitations::CREATE_INVITATION,
    crate::machines::CREATE_MACHINE,
    crate::machines::UPDATE_MACHINE,
    crate::machines::ROTATE_MACHINE_SECRET_KEY,
    crate::machines::CREATE_MACHINE_SCOPE,
    crate::m2m::CREATE_M2M_TOKEN,
    crate::m2m::REVOKE_M2M_TOKEN,
    crate::m2m::VERIFY_M2M_TOKEN,
    crate::api_keys::CREATE_API_KEY,
    crate::api_keys::UPDATE_API_KEY,
    crate::api_keys::REVOKE_API_KEY,
    crate::api_keys::VERIFY_API_KEY,
    crate::org_invitations::CREATE_ORGANIZATION_INVITATION,
    crate::org_invitations::REVOKE_ORGANIZATION_INVITATION,
    crate::org_invitations::ACCEPT_ORGANIZATION_INVITATION,
    crate::webhooks::CREATE_WEBHOOK_ENDPOINT,
    crate::webhooks::UPDATE_WEBHOOK_ENDPOINT,
    crate::webhooks::ROTATE_WEBHOOK_SECRET,
    crate::preview::PREVIEW_JWT_TEMPLATE,
];

impl Fields {
    /// An integer key within the range its [`Field`] declares.
    pub fn int(&mut self, field: &Field) -> ApiResult<Option<i64>> {
        match field.kind {
            Kind::Int { min, max } => self.opt_int(field.name, min, max),
            _ => self.opt_int(field.name, i64::MIN, i64::MAX),
        }
    }

    /// A number above 0 and at most the [`Field`]'s `max` (`Kind::PositiveNumber`), in thousandths
    /// (seconds read as milliseconds), rounded.
    pub fn positive_millis(&mut self, field: &Field) -> ApiResult<Option<i64>> {
        let max = match field.kind {
            Kind::PositiveNumber { max } => max,
            _ => i64::MAX / 1000,
        };
        let key = field.name;
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) => {
                let v = n.as_f64().filter(|v| v.is_finite()).ok_or_else(|| ApiError::param_type(key, "number"))?;
                if v <= 0.0 || v > max as f64 {
                    return Err(ApiError::param_value(
                        key,
                        format!("{key} must be above 0 and at most {max}, got {v}."),
                    ));
                }
                Ok(Some(((v * 1000.0).round() as i64).max(1)))
            }
            Some(_) => Err(ApiError::param_type(key, "number")),
        }
    }

    /// Skips the keys of `body` that are accepted without effect.
    pub fn skip_without_effect(&mut self, body: &Body) {
        for f in body.fields().filter(|f| f.kind == Kind::WithoutEffect) {
            self.ignore(f.name);
        }
    }
}

/// No string parameter may hold a NUL character: nothing is named with one, and PostgreSQL cannot
/// store one in text.
fn no_nul(key: &str, s: String) -> ApiResult<String> {
    if s.contains('\0') {
        return Err(ApiError::param_value(key, format!("{key} must not contain NUL characters.")));
    }
    Ok(s)
}

fn check_depth(v: &Value, depth: usize) -> ApiResult<()> {
    if depth > MAX_JSON_DEPTH {
        return Err(ApiError::body_invalid(format!(
            "The request body is invalid: JSON nesting deeper than {MAX_JSON_DEPTH} levels."
        )));
    }
    match v {
        Value::Array(items) => items.iter().try_for_each(|i| check_depth(i, depth + 1)),
        Value::Object(map) => map.values().try_for_each(|i| check_depth(i, depth + 1)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_keys_are_named() {
        let mut f = Fields::from_value(Some(json!({"name": "a", "bogus": 1}))).unwrap();
        f.required_string("name").unwrap();
        let e = f.finish().unwrap_err();
        assert_eq!((e.code, e.param_name()), ("form_param_unknown", Some("bogus")));
    }

    #[test]
    fn wrong_types_and_ranges_are_named() {
        let mut f = Fields::from_value(Some(json!({"lifetime": "60", "skew": 500, "n": 1.5}))).unwrap();
        assert_eq!(f.opt_int("lifetime", 30, 100).unwrap_err().code, "form_param_type_invalid");
        let e = f.opt_int("skew", 0, 300).unwrap_err();
        assert_eq!((e.code, e.param_name()), ("form_param_value_invalid", Some("skew")));
        assert_eq!(f.opt_int("n", 0, 3).unwrap_err().code, "form_param_type_invalid");
    }

    #[test]
    fn strings_with_nul_characters_are_invalid() {
        let mut f = Fields::from_value(Some(json!({"a": "x\u{0}y", "b": ["ok", "\u{0}"], "c": "\u{0}"}))).unwrap();
        assert_eq!(f.opt_string("a").unwrap_err().param_name(), Some("a"));
        assert_eq!(f.opt_string_list("b").unwrap_err().code, "form_param_value_invalid");
        assert_eq!(f.nullable_string("c").unwrap_err().param_name(), Some("c"));
    }

    #[test]
    fn missing_and_null_required_fields_are_missing() {
        let mut f = Fields::from_value(Some(json!({"claims": null}))).unwrap();
        assert_eq!(f.required_string("name").unwrap_err().code, "form_param_missing");
        assert_eq!(f.required_object("claims").unwrap_err().code, "form_param_missing");
    }

    #[test]
    fn bodies_that_are_not_objects_or_too_deep_are_invalid() {
        assert_eq!(Fields::from_bytes(b"[1]").unwrap_err().code, "request_body_invalid");
        assert_eq!(Fields::from_bytes(b"{bad").unwrap_err().code, "request_body_invalid");
        assert!(Fields::from_bytes(b"  ").unwrap().is_empty());
        assert_eq!(Fields::from_bytes(b"null").unwrap_err().code, "request_body_invalid");
        let deep = "[".repeat(40) + &"]".repeat(40);
        let body = format!("{{\"a\":{deep}}}");
        assert_eq!(Fields::from_bytes(body.as_bytes()).unwrap_err().code, "request_body_invalid");
    }
}
