//! Metadata rules: objects only, 8 KB each, deep merge where `null` deletes a key at any depth.

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};

/// Clerk's documented limit per metadata field.
pub const MAX_METADATA_BYTES: usize = 8 * 1024;

/// Deep-merges `patch` into `target`: objects merge recursively, `null` removes the key, anything
/// else (arrays, scalars) replaces.
pub fn deep_merge(target: &mut Map<String, Value>, patch: Map<String, Value>) {
    for (k, v) in patch {
        match v {
            Value::Null => {
                target.remove(&k);
            }
            Value::Object(p) => match target.get_mut(&k) {
                Some(Value::Object(t)) => deep_merge(t, p),
                _ => {
                    let mut fresh = Map::new();
                    deep_merge(&mut fresh, p);
                    target.insert(k, Value::Object(fresh));
                }
            },
            other => {
                target.insert(k, other);
            }
        }
    }
}

/// Rejects metadata whose JSON is larger than 8 KB.
pub fn check_size(param: &str, m: &Map<String, Value>) -> ApiResult<()> {
    let len = serde_json::to_vec(m).map(|v| v.len()).unwrap_or(usize::MAX);
    if len > MAX_METADATA_BYTES {
        return Err(ApiError::param_too_large(
            param,
            format!("{param} exceeds the maximum allowed size of {MAX_METADATA_BYTES} bytes (got {len} bytes)."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn merge_is_deep_and_null_deletes_at_any_depth() {
        let mut t = obj(json!({"a": {"b": 1, "c": {"d": 2, "e": 3}}, "x": [1, 2], "gone": true}));
        deep_merge(&mut t, obj(json!({"a": {"c": {"d": null, "f": 4}}, "x": [3], "gone": null, "n": {"m": null}})));
        assert_eq!(Value::Object(t), json!({"a": {"b": 1, "c": {"e": 3, "f": 4}}, "x": [3], "n": {}}));
    }

    #[test]
    fn oversized_metadata_is_rejected_with_its_size() {
        let big = obj(json!({"k": "x".repeat(9000)}));
        let e = check_size("public_metadata", &big).unwrap_err();
        assert_eq!(e.code, "form_param_exceeds_allowed_size");
        assert!(e.long_message.contains("8192"));
    }
}
