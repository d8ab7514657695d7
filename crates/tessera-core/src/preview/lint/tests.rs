use serde_json::json;

use super::*;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn input<'a>(template: &'a Map<String, Value>, claims: &'a Map<String, Value>) -> LintInput<'a> {
    LintInput {
        template_name: None,
        template,
        claims,
        custom_claims_bytes: 10,
        token_bytes: 500,
        max_token_bytes: 16_384,
        named: None,
    }
}

fn codes(lints: &[TemplateLint]) -> Vec<&str> {
    lints.iter().map(|l| l.code.as_str()).collect()
}

#[test]
fn a_token_over_the_signing_limit_is_an_error_and_over_4_kb_a_warning() {
    let t = Map::new();
    let mut i = input(&t, &t);
    assert!(size_lints(&i).is_empty());
    i.token_bytes = 5_000;
    assert_eq!(codes(&size_lints(&i)), ["token_over_http_header_limit"]);
    i.max_token_bytes = 4_500;
    let l = size_lints(&i);
    assert_eq!(codes(&l), ["token_too_large", "token_over_http_header_limit"]);
    assert_eq!(l[0].severity, "error");
    assert!(l[0].message.contains("5000 bytes"));
}

#[test]
fn custom_claims_over_clerks_1200_byte_advice_are_a_warning() {
    let t = Map::new();
    let mut i = input(&t, &t);
    i.custom_claims_bytes = 1_200;
    assert!(size_lints(&i).is_empty());
    i.custom_claims_bytes = 1_201;
    let l = size_lints(&i);
    assert_eq!(codes(&l), ["custom_claims_over_recommended_size"]);
    assert_eq!(l[0].documentation_url.as_deref(), Some(CLERK_SESSION_CLAIMS_DOC));
}

#[test]
fn a_shortcode_rendering_null_is_named_by_its_claim_path_but_a_literal_null_is_not() {
    let template = obj(json!({
        "plan": "{{user.public_metadata.plan}}",
        "lit": null,
        "deep": {"list": ["{{user.public_metadata.a}}", "{{user.id}}"]},
        "fine": "{{user.public_metadata.x || 'free'}}"
    }));
    let rendered = obj(json!({"plan": null, "lit": null, "deep": {"list": [null, "user_1"]}, "fine": "free"}));
    let mut out = Vec::new();
    null_lints(&template, &rendered, &mut out);
    let mut paths: Vec<_> = out.iter().map(|l| l.claim_path.as_deref().unwrap()).collect();
    paths.sort();
    assert_eq!(paths, ["deep.list[0]", "plan"]);
    assert!(out.iter().all(|l| l.code == "claim_renders_null"));
}

#[test]
fn hasura_without_its_namespace_is_an_error_that_points_at_top_level_keys() {
    let claims = obj(json!({"x-hasura-user-id": "u1"}));
    let mut out = Vec::new();
    hasura(&claims, &mut out);
    assert_eq!(codes(&out), ["hasura_claims_namespace_missing"]);
    assert!(out[0].message.contains("x-hasura-user-id"));
    assert_eq!(out[0].consumer.as_deref(), Some("hasura"));
}

#[test]
fn hasura_default_role_must_be_among_the_allowed_roles() {
    let claims = obj(json!({HASURA_NAMESPACE: {
        "x-hasura-default-role": "admin",
        "x-hasura-allowed-roles": ["user"],
        "x-hasura-user-id": "u1"
    }}));
    let mut out = Vec::new();
    hasura(&claims, &mut out);
    assert_eq!(codes(&out), ["hasura_default_role_not_allowed"]);
    assert_eq!(out[0].claim_path.as_deref(), Some("https://hasura.io/jwt/claims.x-hasura-default-role"));

    let fixed = obj(json!({HASURA_NAMESPACE: {
        "x-hasura-default-role": "user",
        "x-hasura-allowed-roles": ["user", "admin"],
        "x-hasura-user-id": "u1"
    }}));
    let mut out = Vec::new();
    hasura(&fixed, &mut out);
    assert!(out.is_empty(), "{out:?}");
}

#[test]
fn hasura_roles_must_be_strings_and_other_values_strings_too() {
    let claims = obj(json!({HASURA_NAMESPACE: {
        "x-hasura-default-role": null,
        "x-hasura-allowed-roles": [],
        "x-hasura-org-id": 42,
        "not-hasura": 1
    }}));
    let mut out = Vec::new();
    hasura(&claims, &mut out);
    assert_eq!(codes(&out), ["hasura_allowed_roles_invalid", "hasura_default_role_invalid", "hasura_value_not_string"]);
    assert_eq!(out[2].severity, "warning");
}

#[test]
fn supabase_needs_a_role_and_an_audience() {
    let mut out = Vec::new();
    supabase(&obj(json!({"sub": "u"})), &mut out);
    assert_eq!(codes(&out), ["supabase_role_missing", "supabase_aud_missing"]);
    assert_eq!(out[0].severity, "error");

    let mut out = Vec::new();
    supabase(&obj(json!({"role": "authenticated", "aud": "authenticated"})), &mut out);
    assert!(out.is_empty());

    let mut out = Vec::new();
    supabase(&obj(json!({"role": "editor", "aud": ["authenticated"]})), &mut out);
    assert_eq!(codes(&out), ["supabase_role_custom"]);
}

#[test]
fn convex_needs_aud_an_https_issuer_and_the_template_named_convex() {
    let t = Map::new();
    let claims = obj(json!({"sub": "u"}));
    let mut i = input(&t, &claims);
    i.template_name = Some("my-convex");
    let mut out = Vec::new();
    convex(&i, "http://127.0.0.1:8080", &mut out);
    assert_eq!(codes(&out), ["convex_aud_missing", "convex_issuer_not_https", "convex_template_name"]);

    let claims = obj(json!({"aud": "convex"}));
    let mut i = input(&t, &claims);
    i.template_name = Some("convex");
    let mut out = Vec::new();
    convex(&i, "https://auth.example.com", &mut out);
    assert!(out.is_empty(), "{out:?}");

    let claims = obj(json!({"aud": "my-app"}));
    let mut out = Vec::new();
    convex(&input(&t, &claims), "https://auth.example.com", &mut out);
    assert_eq!(codes(&out), ["convex_aud_not_default"]);
}

#[test]
fn consumers_are_those_named_or_those_the_template_looks_meant_for() {
    let t = obj(json!({HASURA_NAMESPACE: {}}));
    let claims = obj(json!({"aud": "convex"}));
    let mut i = input(&t, &claims);
    assert_eq!(consumers(&i), [Consumer::Hasura, Consumer::Convex]);
    i.named = Some(Consumer::Supabase);
    assert_eq!(consumers(&i), [Consumer::Hasura, Consumer::Supabase, Consumer::Convex]);

    let empty = Map::new();
    let mut i = input(&empty, &empty);
    assert!(consumers(&i).is_empty());
    i.template_name = Some("supabase");
    assert_eq!(consumers(&i), [Consumer::Supabase]);
    assert_eq!(Consumer::parse("convex"), Some(Consumer::Convex));
    assert_eq!(Consumer::parse("firebase"), None);
}
