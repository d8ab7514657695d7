//! Fuzzes the shortcode parser and renderer two ways, chosen by the first byte:
//!
//! - any UTF-8 string, placed at three depths of a claims template, either fails to compile with an
//!   error naming the first claim, or renders without panicking and renders the same value at every
//!   depth;
//! - a differential check against a reference evaluator of the documented rules (design.md §4): the
//!   bytes choose a template string made of text pieces and `{{ a || b || … }}` expressions over
//!   operands whose values in the fixed context are written down by hand; the expected result is
//!   computed from the rules alone (whole value keeps its JSON type, mixed text interpolates to a
//!   string with `null` for missing, unknown paths are null, `||` takes the first operand neither
//!   null nor false else the last, literals), never from the engine.
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

/// Operands and their value in [`context`], by the documented rules (not by running the engine).
fn operands() -> Vec<(&'static str, Value)> {
    vec![
        ("user.id", json!("user_1")),
        ("user.first_name", json!("Jöhn")),
        ("user.last_name", Value::Null),
        ("user.email_verified", json!(true)),
        ("user.phone_number_verified", json!(false)),
        ("user.created_at", json!(1_640_104_791)),
        ("user.public_metadata.n", json!(-3)),
        ("user.public_metadata.a.b.1", json!(2.5)),
        ("user.public_metadata.a.b.2.c", json!("d")),
        ("user.public_metadata.t", json!(["x", null, false])),
        ("user.public_metadata.t.1", Value::Null),
        ("user.public_metadata.t.2", json!(false)),
        // Array indexes are canonical decimals; anything else into an array is null.
        ("user.public_metadata.t.01", Value::Null),
        ("user.public_metadata.t.x", Value::Null),
        // An object key made of digits is a key.
        ("user.public_metadata.0", json!("zero")),
        ("user.public_metadata.e", json!("")),
        ("user.public_metadata.o", json!({})),
        ("user.unsafe_metadata.age", json!(30)),
        ("user.no_such_field", Value::Null),
        ("user.id.deeper", Value::Null),
        ("user.private_metadata", Value::Null),
        ("org.role", json!("org:admin")),
        ("org_membership.permissions", json!(["org:a:b"])),
        ("session", Value::Null),
        ("session.id", Value::Null),
        ("'lit'", json!("lit")),
        ("''", json!("")),
        ("'a}}b || c'", json!("a}}b || c")),
        ("0", json!(0)),
        ("-2", json!(-2)),
        ("1.5", json!(1.5)),
        ("true", json!(true)),
        ("false", json!(false)),
    ]
}

/// Text pieces placed between expressions (none contains `{{`).
const TEXTS: [&str; 5] = ["a", " ", "}}", "x || y", "é-"];
/// Whitespace inside the braces, which never matters.
const SPACES: [&str; 3] = ["", " ", "\t "];

/// `||`: the first operand that is neither null nor false, else the last.
fn reference_or(values: &[Value]) -> Value {
    values
        .iter()
        .find(|v| !matches!(v, Value::Null | Value::Bool(false)))
        .or(values.last())
        .cloned()
        .unwrap_or(Value::Null)
}

/// How a value reads inside mixed text.
fn reference_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".to_owned(),
        other => other.to_string(),
    }
}

/// Builds a template string from `data` and returns it with the value the rules give it.
fn generated(data: &[u8]) -> (String, Value) {
    let ops = operands();
    let mut bytes = data.iter().copied();
    let mut next = move || bytes.next().unwrap_or(0) as usize;
    let pieces = 1 + next() % 3;
    let (mut text, mut parts, mut exprs, mut texts) = (String::new(), Vec::new(), 0, 0);
    for _ in 0..pieces {
        if next() % 3 == 0 {
            let t = TEXTS[next() % TEXTS.len()];
            text.push_str(t);
            parts.push(Value::String(t.to_owned()));
            texts += 1;
        } else {
            let n = 1 + next() % 3;
            let chosen: Vec<&(&str, Value)> = (0..n).map(|_| &ops[next() % ops.len()]).collect();
            let (ws1, ws2) = (SPACES[next() % SPACES.len()], SPACES[next() % SPACES.len()]);
            let joined: Vec<&str> = chosen.iter().map(|(src, _)| *src).collect();
            text.push_str(&format!("{{{{{ws1}{}{ws2}}}}}", joined.join(" || ")));
            parts.push(reference_or(&chosen.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>()));
            exprs += 1;
        }
    }
    let expected = if exprs == 1 && texts == 0 {
        parts.pop().unwrap_or(Value::Null)
    } else {
        // Text pieces are strings, so they read as themselves.
        Value::String(parts.iter().map(reference_text).collect())
    };
    (text, expected)
}

fn differential(data: &[u8]) {
    let (text, expected) = generated(data);
    let mut claims = Map::new();
    claims.insert("v".into(), Value::String(text.clone()));
    let compiled = match CompiledClaims::compile(&claims) {
        Ok(c) => c,
        Err(e) => panic!("a template built from the grammar does not compile: {text:?}: {e}"),
    };
    let out = compiled.render(context());
    assert_eq!(out.get("v"), Some(&expected), "template {text:?}");
}

fuzz_target!(|data: &[u8]| {
    if let Some((&mode, rest)) = data.split_first() {
        if mode % 2 == 1 {
            differential(rest);
            return;
        }
    }
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
