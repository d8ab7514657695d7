//! The shortcode engine: compiling a template once, building the context per mint, rendering.
//! `small` is the README's Convex template (3 claims); `large` is a Hasura-style template with 40
//! claims, nested objects, arrays, `||` fallbacks and interpolation.
//!
//! `cargo bench -p tessera-core --bench shortcode`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Map, Value, json};
use tessera_core::shortcode::{CompiledClaims, build_context};
use tessera_types::{Organization, OrganizationMembership, Session, User};

fn user() -> User {
    serde_json::from_value(json!({
        "object": "user", "id": "user_2sY9kKJm3b0RQ2lZ8bJ5xj1tQ7a", "external_id": "ext_42",
        "primary_email_address_id": "idn_email1", "primary_phone_number_id": "idn_phone1",
        "primary_web3_wallet_id": null, "username": "ada", "first_name": "Ada",
        "last_name": "Lovelace", "locale": null, "profile_image_url": "https://img.example/a.png",
        "image_url": "https://img.example/a.png", "has_image": true,
        "public_metadata": {
            "role": "admin", "tier": "pro", "tags": ["a", "b", "c"],
            "tenant": {"id": "t_1", "region": "eu", "limits": {"seats": 25}}
        },
        "private_metadata": {"secret": "never"},
        "unsafe_metadata": {"theme": "dark"},
        "email_addresses": [{
            "id": "idn_email1", "object": "email_address", "email_address": "ada@example.com",
            "reserved": false, "linked_to": [], "created_at": 1, "updated_at": 1,
            "verification": {"status": "verified", "strategy": "admin", "attempts": null, "expire_at": null}
        }],
        "phone_numbers": [{
            "id": "idn_phone1", "object": "phone_number", "phone_number": "+15555550100",
            "reserved": false, "linked_to": [], "created_at": 1, "updated_at": 1, "verification": null
        }],
        "web3_wallets": [], "passkeys": [], "password_enabled": true, "two_factor_enabled": false,
        "totp_enabled": false, "backup_code_enabled": false, "mfa_enabled_at": null,
        "mfa_disabled_at": null, "external_accounts": [], "saml_accounts": [],
        "enterprise_accounts": [], "last_sign_in_at": null, "banned": false, "locked": false,
        "lockout_expires_in_seconds": null, "verification_attempts_remaining": 100,
        "created_at": 1_767_225_600_000_i64, "updated_at": 1_767_225_600_000_i64,
        "delete_self_enabled": true, "create_organization_enabled": true,
        "last_active_at": null, "legal_accepted_at": null
    }))
    .expect("user fixture")
}

fn org() -> Organization {
    serde_json::from_value(json!({
        "object": "organization", "id": "org_2sY9kKJm3b0RQ2lZ8bJ5xj1tQ7b", "name": "Acme",
        "slug": "acme", "has_image": false, "max_allowed_memberships": 0,
        "admin_delete_enabled": true, "public_metadata": {"plan": "enterprise"},
        "created_at": 0, "updated_at": 0
    }))
    .expect("org fixture")
}

fn membership(org: &Organization) -> OrganizationMembership {
    serde_json::from_value(json!({
        "object": "organization_membership", "id": "orgmem_1", "role": "org:admin",
        "permissions": ["org:dashboard:manage", "org:dashboard:read"],
        "public_metadata": {"team": "core"}, "organization": org,
        "created_at": 0, "updated_at": 0
    }))
    .expect("membership fixture")
}

fn session() -> Session {
    serde_json::from_value(json!({
        "object": "session", "id": "sess_2sY9kKJm3b0RQ2lZ8bJ5xj1tQ7c", "user_id": "user_2sY9kKJm3b0RQ2lZ8bJ5xj1tQ7a",
        "client_id": "client_1", "status": "active", "last_active_at": 0,
        "last_active_organization_id": null, "actor": null,
        "expire_at": 1_800_000_000_000_i64, "abandon_at": 1_800_000_000_000_i64,
        "created_at": 0, "updated_at": 0
    }))
    .expect("session fixture")
}

fn small() -> Map<String, Value> {
    json!({
        "aud": "convex",
        "name": "{{user.full_name}}",
        "email": "{{user.primary_email_address}}"
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

fn large() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "https://hasura.io/jwt/claims".into(),
        json!({
            "x-hasura-user-id": "{{user.id}}",
            "x-hasura-default-role": "{{user.public_metadata.role || 'user'}}",
            "x-hasura-allowed-roles": ["user", "{{user.public_metadata.role || 'user'}}"],
            "x-hasura-org-id": "{{org.id || 'none'}}",
            "x-hasura-tenant": "{{user.public_metadata.tenant.id}}"
        }),
    );
    m.insert("aud".into(), json!("authenticated"));
    m.insert("role".into(), json!("authenticated"));
    m.insert("email".into(), json!("{{user.primary_email_address}}"));
    m.insert("greeting".into(), json!("Hello {{user.first_name}} {{user.last_name}} from {{org.name || 'nowhere'}}!"));
    m.insert("meta".into(), json!("{{user.public_metadata}}"));
    m.insert("org".into(), json!({"id": "{{org.id}}", "slug": "{{org.slug}}", "role": "{{org.role}}", "perms": "{{org_membership.permissions}}"}));
    m.insert("session_status".into(), json!("{{session.status}}"));
    for i in 0..30 {
        let v = match i % 5 {
            0 => json!("{{user.public_metadata.tenant.limits.seats}}"),
            1 => json!("{{user.username || user.external_id || 'anon'}}"),
            2 => json!("user {{user.id}} tier {{user.public_metadata.tier}}"),
            3 => json!(["{{user.public_metadata.tags.0}}", "{{user.public_metadata.tags.2}}", 7]),
            _ => json!({"verified": "{{user.email_verified}}", "created": "{{user.created_at}}"}),
        };
        m.insert(format!("c{i:02}"), v);
    }
    m
}

fn benches(c: &mut Criterion) {
    let user = user();
    let org = org();
    let m = membership(&org);
    let session = session();
    let orgs = vec![(org.id.clone(), m.role.clone())];
    let mut g = c.benchmark_group("shortcode");
    for (name, claims) in [("small", small()), ("large", large())] {
        g.bench_function(format!("{name}/compile"), |b| b.iter(|| CompiledClaims::compile(black_box(&claims))));
        let compiled = CompiledClaims::compile(&claims).expect("template compiles");
        let ctx = build_context(&user, Some(&session), Some((&org, &m)), &orgs);
        g.bench_function(format!("{name}/render"), |b| b.iter(|| compiled.render(black_box(&ctx))));
        g.bench_function(format!("{name}/context+render"), |b| {
            b.iter(|| {
                let ctx = build_context(black_box(&user), Some(&session), Some((&org, &m)), &orgs);
                compiled.render(&ctx)
            })
        });
    }
    g.finish();
}

criterion_group!(shortcode, benches);
criterion_main!(shortcode);
