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
