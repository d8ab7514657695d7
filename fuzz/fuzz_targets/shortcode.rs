//! Fuzzes the shortcode parser and renderer: any UTF-8 string, placed at three depths of a claims
//! template, either fails to compile with an error naming the first claim, or renders without
//! panicking and renders the same value at every depth.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use tessera_core::shortcode::CompiledClaims;

fn context() -> &'static Value {
    static CTX: OnceLock<Value> = OnceLock::new();
    CTX.get_or_init(|| {
        json!({
            "user": {
                "id": "user_1", "first_name": "Jöhn", "last_name": null, "full_name": "Jöhn",
                "created_at": 1_640_104_791, "email_verified": true, "phone_number_verified": false,
                "public_metadata": {
                    "a": {"b": [1, 2.5, {"c": "d"}]}, "0": "zero", "t": ["x", null, false],
                    "n": -3, "big": 18_446_744_073_709_551_615_u64, "e": "", "o": {}
                },
                "unsafe_metadata": {"age": 30},
                "organizations": {"org_1": "org:admin"}
            },
            "org": {"id": "org_1", "role": "org:admin", "public_metadata": {"k": [[], {}]}},
            "org_membership": {"permissions": ["org:a:b"], "public_metadata": {}},
            "session": null
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let mut nested = Map::new();
    nested.insert("d".into(), Value::String(input.to_owned()));
    let mut claims = Map::new();
    claims.insert("a".into(), Value::String(input.to_owned()));
    claims.insert("b".into(), Value::Array(vec![Value::String(input.to_owned())]));
    claims.insert("c".into(), Value::Object(nested));

    match CompiledClaims::compile(&claims) {
        Ok(compiled) => {
            let out = compiled.render(context());
            assert_eq!(out.len(), 3);
            let a = &out["a"];
            assert_eq!(out["b"], json!([a]));
            assert_eq!(out["c"], json!({"d": a}));
            if !input.contains("{{") {
                assert_eq!(a, &Value::String(input.to_owned()), "text without {{{{ must pass through");
            }
            assert_eq!(compiled.render(context()), out, "rendering must be deterministic");
        }
        Err(e) => {
            assert_eq!(e.path, "a", "the first claim in key order fails first");
            assert!(input.contains("{{"), "text without {{{{ cannot fail: {e}");
            assert!(!e.message.is_empty());
        }
    }
});
