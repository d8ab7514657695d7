//! Data-driven tests: one table of (template, context, expected) cases run by [`check`], one table of
//! syntax errors, and a few API-level tests.

use serde_json::{Map, Value, json};
use tessera_types::{Organization, OrganizationMembership, Session, User};

use super::{CompiledClaims, ShortcodeError, build_context, render_claims};

// ---------------------------------------------------------------------------------------------
// Fixtures: Clerk wire objects, turned into a context by `build_context`.

fn base_user() -> Value {
    json!({
        "object": "user", "id": "user_2abc", "external_id": "ext_42",
        "primary_email_address_id": "idn_email1", "primary_phone_number_id": "idn_phone1",
        "primary_web3_wallet_id": null,
        "username": "johnd", "first_name": "John", "last_name": "Doe", "locale": null,
        "profile_image_url": "https://img.clerk.com/legacy.png",
        "image_url": "https://img.clerk.com/john.png", "has_image": true,
        "public_metadata": {
            "role": "admin",
            "nested": {"deep": {"deeper": {"x": 42}}},
            "tags": ["a", "b"],
            "items": [{"name": "first"}, {"name": "second"}],
            "flag": false, "zero": 0, "empty": "", "nil": null, "ratio": 1.5,
            "obj": {"n": 1, "k": "v"},
            "0": "zero-key",
            "x-hasura-role": "editor"
        },
        "private_metadata": {"secret": "s3cret"},
        "unsafe_metadata": {"age": 25, "theme": "dark"},
        "email_addresses": [
            email("idn_email0", "old@example.com", Some("unverified")),
            email("idn_email1", "john@example.com", Some("verified")),
        ],
        "phone_numbers": [phone("idn_phone1", "+15555550100", Some("unverified"))],
        "web3_wallets": [], "passkeys": [],
        "password_enabled": true, "two_factor_enabled": true, "totp_enabled": true,
        "backup_code_enabled": false, "mfa_enabled_at": null, "mfa_disabled_at": null,
        "external_accounts": [], "saml_accounts": [], "enterprise_accounts": [],
        "last_sign_in_at": null, "banned": false, "locked": false,
        "lockout_expires_in_seconds": null, "verification_attempts_remaining": 100,
        "created_at": 1_640_104_791_123_i64, "updated_at": 1_788_951_567_999_i64,
        "delete_self_enabled": true, "create_organization_enabled": true,
        "last_active_at": null, "legal_accepted_at": null
    })
}

fn email(id: &str, address: &str, status: Option<&str>) -> Value {
    json!({
        "id": id, "object": "email_address", "email_address": address, "reserved": false,
        "verification": status.map(|s| json!({"status": s, "strategy": "admin", "attempts": null, "expire_at": null})),
        "linked_to": [], "created_at": 1, "updated_at": 1
    })
}

fn phone(id: &str, number: &str, status: Option<&str>) -> Value {
    json!({
        "id": id, "object": "phone_number", "phone_number": number, "reserved": false,
        "verification": status.map(|s| json!({"status": s, "strategy": "admin", "attempts": null, "expire_at": null})),
        "linked_to": [], "created_at": 1, "updated_at": 1
    })
}

fn user_with(overrides: Value) -> User {
    let mut base = base_user();
    if let (Some(b), Value::Object(o)) = (base.as_object_mut(), overrides) {
        b.extend(o);
    }
    serde_json::from_value(base).expect("fixture user")
}

fn bare_user() -> User {
    user_with(json!({
        "id": "user_bare", "external_id": null, "username": null, "first_name": null,
        "last_name": null, "primary_email_address_id": null, "primary_phone_number_id": null,
        "email_addresses": [], "phone_numbers": [], "two_factor_enabled": false,
        "public_metadata": {}, "private_metadata": null, "unsafe_metadata": {},
        "image_url": "https://img.clerk.com/default.png"
    }))
}

fn organization() -> Organization {
    serde_json::from_value(json!({
        "object": "organization", "id": "org_1", "name": "Acme Inc", "slug": "acme",
        "image_url": "https://img.clerk.com/org_1.png", "has_image": true,
        "max_allowed_memberships": 5, "admin_delete_enabled": true,
        "public_metadata": {"plan": "pro", "limits": {"seats": 10}},
        "private_metadata": {"stripe_id": "cus_secret"},
        "created_at": 1, "updated_at": 1
    }))
    .expect("fixture org")
}

fn membership() -> OrganizationMembership {
    serde_json::from_value(json!({
        "object": "organization_membership", "id": "orgmem_1", "role": "org:admin",
        "role_name": "Admin", "permissions": ["org:article:publish", "org:article:read"],
        "public_metadata": {"department": "eng"}, "private_metadata": {"salary": 1},
        "organization": serde_json::to_value(organization()).expect("org json"),
        "created_at": 1, "updated_at": 1
    }))
    .expect("fixture membership")
}

fn session(actor: Value) -> Session {
    serde_json::from_value(json!({
        "object": "session", "id": "sess_1", "user_id": "user_2abc", "client_id": "client_1",
        "actor": actor, "status": "active", "last_active_organization_id": "org_1",
        "last_active_at": 1, "expire_at": 2, "abandon_at": 3, "updated_at": 1, "created_at": 1
    }))
    .expect("fixture session")
}

fn memberships() -> Vec<(String, String)> {
    vec![("org_1".into(), "org:admin".into()), ("org_2".into(), "org:member".into())]
}

/// Where a case's context comes from.
enum Fx {
    /// John Doe, an active session, org_1 active, two memberships.
    Full,
    /// `Full` with top-level fields of the wire user replaced.
    FullWith(Value),
    /// `Full` without an active organization.
    NoOrg,
    /// `Full`, impersonated: the session has an actor.
    Impersonated,
    /// A user with no names, identifiers or metadata; no session, no organization.
    Bare,
    /// A hand-written context tree.
    Json(Value),
}

impl Fx {
    fn ctx(&self) -> Value {
        let org = organization();
        let mem = membership();
        let active = Some((&org, &mem));
        match self {
            Fx::Full => build_context(&user_with(json!({})), Some(&session(Value::Null)), active, &memberships()),
            Fx::FullWith(o) => {
                build_context(&user_with(o.clone()), Some(&session(Value::Null)), active, &memberships())
            }
            Fx::NoOrg => build_context(&user_with(json!({})), Some(&session(Value::Null)), None, &[]),
            Fx::Impersonated => build_context(
                &user_with(json!({})),
                Some(&session(json!({"sub": "user_admin"}))),
                active,
                &memberships(),
            ),
            Fx::Bare => build_context(&bare_user(), None, None, &[]),
            Fx::Json(v) => v.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The helper and the table.

/// Renders `template` against `ctx` and compares with `expected`. A template that is not a JSON
/// object is one claim, wrapped as `{"v": template}` (and `expected` as `{"v": expected}`).
fn check(template: &Value, ctx: &Value, expected: &Value) -> Result<(), String> {
    let (template, expected) = match template {
        Value::Object(t) => (t.clone(), expected.clone()),
        other => (wrap(other.clone()), Value::Object(wrap(expected.clone()))),
    };
    let compiled = CompiledClaims::compile(&template).map_err(|e| format!("compile error: {e}"))?;
    let got = Value::Object(compiled.render(ctx));
    if got != expected {
        return Err(format!("got {got}, expected {expected}"));
    }
    // The convenience function agrees with compile + render.
    let once = render_claims(&template, ctx).map_err(|e| format!("render_claims: {e}"))?;
    if Value::Object(once) != got {
        return Err("render_claims differs from compile + render".into());
    }
    Ok(())
}

fn wrap(v: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("v".into(), v);
    m
}

#[rustfmt::skip]
fn cases() -> Vec<(&'static str, Fx, Value, Value)> {
    use Fx::*;
    let age_ctx = |public: Value, unsafe_: Value| {
        Json(json!({"user": {"public_metadata": public, "unsafe_metadata": unsafe_}}))
    };
    vec![
        // ---- Catalogue: user.*
        ("user.id", Full, json!("{{user.id}}"), json!("user_2abc")),
        ("user.first_name", Full, json!("{{user.first_name}}"), json!("John")),
        ("user.last_name", Full, json!("{{user.last_name}}"), json!("Doe")),
        ("user.first_name missing is null", Bare, json!("{{user.first_name}}"), json!(null)),
        ("user.full_name", Full, json!("{{user.full_name}}"), json!("John Doe")),
        ("user.full_name first only", FullWith(json!({"last_name": null})), json!("{{user.full_name}}"), json!("John")),
        ("user.full_name last only", FullWith(json!({"first_name": null})), json!("{{user.full_name}}"), json!("Doe")),
        ("user.full_name both missing is null", Bare, json!("{{user.full_name}}"), json!(null)),
        ("user.full_name skips an empty first name", FullWith(json!({"first_name": ""})), json!("{{user.full_name}}"), json!("Doe")),
        ("user.username", Full, json!("{{user.username}}"), json!("johnd")),
        ("user.username missing", Bare, json!("{{user.username}}"), json!(null)),
        ("user.external_id", Full, json!("{{user.external_id}}"), json!("ext_42")),
        ("migration guide: external_id || id", Bare, json!("{{user.external_id || user.id}}"), json!("user_bare")),
        ("user.created_at in seconds", Full, json!("{{user.created_at}}"), json!(1_640_104_791)),
        ("user.updated_at in seconds", Full, json!("{{user.updated_at}}"), json!(1_788_951_567)),
        ("user.primary_email_address", Full, json!("{{user.primary_email_address}}"), json!("john@example.com")),
        ("primary email id pointing nowhere", FullWith(json!({"primary_email_address_id": "idn_gone"})), json!("{{user.primary_email_address}}"), json!(null)),
        ("primary email missing", Bare, json!("{{user.primary_email_address}}"), json!(null)),
        ("user.primary_phone_number", Full, json!("{{user.primary_phone_number}}"), json!("+15555550100")),
        ("primary phone missing", Bare, json!("{{user.primary_phone_number}}"), json!(null)),
        ("docs typo primary_phone_address is null", Full, json!("{{user.primary_phone_address}}"), json!(null)),
        ("user.email_verified", Full, json!("{{user.email_verified}}"), json!(true)),
        ("email_verified by a non-primary address", FullWith(json!({"primary_email_address_id": "idn_email0"})), json!("{{user.email_verified}}"), json!(true)),
        ("email_verified without emails", Bare, json!("{{user.email_verified}}"), json!(false)),
        ("email_verified with no verification object", FullWith(json!({"email_addresses": [email("idn_email1", "john@example.com", None)]})), json!("{{user.email_verified}}"), json!(false)),
        ("user.phone_number_verified false", Full, json!("{{user.phone_number_verified}}"), json!(false)),
        ("user.phone_number_verified true", FullWith(json!({"phone_numbers": [phone("idn_phone1", "+15555550100", Some("verified"))]})), json!("{{user.phone_number_verified}}"), json!(true)),
        ("alias has_verified_email", Full, json!("{{user.has_verified_email}}"), json!(true)),
        ("alias has_verified_phone", Full, json!("{{user.has_verified_phone}}"), json!(false)),
        ("user.image_url", Full, json!("{{user.image_url}}"), json!("https://img.clerk.com/john.png")),
        ("user.profile_image_url aliases image_url", Full, json!("{{user.profile_image_url}}"), json!("https://img.clerk.com/john.png")),
        ("user.two_factor_enabled", Full, json!("{{user.two_factor_enabled}}"), json!(true)),
        ("user.two_factor_enabled false", Bare, json!("{{user.two_factor_enabled}}"), json!(false)),
        ("user.public_metadata whole", FullWith(json!({"public_metadata": {"a": [1, {"b": null}]}})), json!("{{user.public_metadata}}"), json!({"a": [1, {"b": null}]})),
        ("user.public_metadata.role", Full, json!("{{user.public_metadata.role}}"), json!("admin")),
        ("metadata path to any depth", Full, json!("{{user.public_metadata.nested.deep.deeper.x}}"), json!(42)),
        ("metadata array keeps its type", Full, json!("{{user.public_metadata.tags}}"), json!(["a", "b"])),
        ("metadata float keeps its type", Full, json!("{{user.public_metadata.ratio}}"), json!(1.5)),
        ("user.unsafe_metadata whole", Full, json!("{{user.unsafe_metadata}}"), json!({"age": 25, "theme": "dark"})),
        ("user.unsafe_metadata.theme", Full, json!("{{user.unsafe_metadata.theme}}"), json!("dark")),
        ("empty metadata is an empty object", Bare, json!("{{user.public_metadata}}"), json!({})),
        ("user.private_metadata not exposed", Full, json!("{{user.private_metadata}}"), json!(null)),
        ("user.private_metadata.secret not exposed", Full, json!("{{user.private_metadata.secret}}"), json!(null)),
        ("user.organizations", Full, json!("{{user.organizations}}"), json!({"org_1": "org:admin", "org_2": "org:member"})),
        ("user.organizations empty", Bare, json!("{{user.organizations}}"), json!({})),
        ("user.organizations.<org_id>", Full, json!("{{user.organizations.org_2}}"), json!("org:member")),
        ("unknown user field is null", Full, json!("{{user.favourite_colour}}"), json!(null)),
        // ---- Catalogue: org.*, org_membership.*
        ("org.id", Full, json!("{{org.id}}"), json!("org_1")),
        ("org.name", Full, json!("{{org.name}}"), json!("Acme Inc")),
        ("org.slug", Full, json!("{{org.slug}}"), json!("acme")),
        ("org.role is the role key", Full, json!("{{org.role}}"), json!("org:admin")),
        ("org.image_url", Full, json!("{{org.image_url}}"), json!("https://img.clerk.com/org_1.png")),
        ("org.public_metadata", Full, json!("{{org.public_metadata}}"), json!({"plan": "pro", "limits": {"seats": 10}})),
        ("org.public_metadata path", Full, json!("{{org.public_metadata.limits.seats}}"), json!(10)),
        ("org.private_metadata not exposed", Full, json!("{{org.private_metadata}}"), json!(null)),
        ("org.id without active org", NoOrg, json!("{{org.id}}"), json!(null)),
        ("org.role without active org", NoOrg, json!("{{org.role}}"), json!(null)),
        ("org metadata path without active org", NoOrg, json!("{{org.public_metadata.plan}}"), json!(null)),
        ("org whole without active org", NoOrg, json!("{{org}}"), json!(null)),
        ("org_membership.public_metadata", Full, json!("{{org_membership.public_metadata}}"), json!({"department": "eng"})),
        ("org_membership.public_metadata path", Full, json!("{{org_membership.public_metadata.department}}"), json!("eng")),
        ("org_membership.permissions", Full, json!("{{org_membership.permissions}}"), json!(["org:article:publish", "org:article:read"])),
        ("org_membership.role", Full, json!("{{org_membership.role}}"), json!("org:admin")),
        ("org_membership.private_metadata not exposed", Full, json!("{{org_membership.private_metadata}}"), json!(null)),
        ("org_membership without active org", NoOrg, json!("{{org_membership.permissions}}"), json!(null)),
        // ---- Catalogue: session.*
        ("session.id", Full, json!("{{session.id}}"), json!("sess_1")),
        ("session.status", Full, json!("{{session.status}}"), json!("active")),
        ("session.actor null when none", Full, json!("{{session.actor}}"), json!(null)),
        ("session.actor when impersonated", Impersonated, json!("{{session.actor}}"), json!({"sub": "user_admin"})),
        ("session.actor.sub", Impersonated, json!("{{session.actor.sub}}"), json!("user_admin")),
        ("session whole", Full, json!("{{session}}"), json!({"actor": null, "id": "sess_1", "status": "active"})),
        ("session.id without session", Bare, json!("{{session.id}}"), json!(null)),
        // ---- Rule 1: whole value keeps its type; whitespace
        ("whitespace inside braces", Full, json!("{{   user.created_at   }}"), json!(1_640_104_791)),
        ("tabs and newlines inside braces", Full, json!("{{\n\tuser.two_factor_enabled\t\n}}"), json!(true)),
        ("leading space outside is interpolation", Full, json!(" {{user.created_at}}"), json!(" 1640104791")),
        ("trailing space outside is interpolation", Full, json!("{{user.created_at}} "), json!("1640104791 ")),
        ("two adjacent shortcodes interpolate", Full, json!("{{user.first_name}}{{user.last_name}}"), json!("JohnDoe")),
        // ---- Rule 2: interpolation
        ("docs: null John", FullWith(json!({"last_name": null})), json!("{{user.last_name}} {{user.first_name}}"), json!("null John")),
        ("docs: trailing space is kept, not trimmed", FullWith(json!({"first_name": "Maria"})), json!("{{user.last_name}} {{user.first_name}} "), json!("Doe Maria ")),
        ("interpolate a number", Full, json!("age: {{user.unsafe_metadata.age}}"), json!("age: 25")),
        ("interpolate true", Full, json!("v={{user.email_verified}}"), json!("v=true")),
        ("interpolate false", Full, json!("v={{user.phone_number_verified}}"), json!("v=false")),
        ("interpolate a float", Full, json!("r={{user.public_metadata.ratio}}"), json!("r=1.5")),
        ("interpolate an object as compact JSON", Full, json!("m={{org_membership.public_metadata}}"), json!("m={\"department\":\"eng\"}")),
        ("interpolate an object with sorted keys", Full, json!("o={{user.public_metadata.obj}}"), json!("o={\"k\":\"v\",\"n\":1}")),
        ("interpolate an array as compact JSON", Full, json!("p={{org_membership.permissions}}"), json!("p=[\"org:article:publish\",\"org:article:read\"]")),
        ("interpolate a missing path as null", Full, json!("x-{{user.nope}}-y"), json!("x-null-y")),
        ("interpolate an empty string", Full, json!("[{{user.public_metadata.empty}}]"), json!("[]")),
        ("interpolate unicode text", Full, json!("héllo {{user.first_name}} ✓"), json!("héllo John ✓")),
        ("interpolate a negative float literal", Full, json!("t={{-1.25}}"), json!("t=-1.25")),
        ("interpolate an exponent literal", Full, json!("{{1e20}}x"), json!("1e+20x")),
        // ---- Rule 3: missing is null; Rule 4: paths
        ("missing metadata key is null, claim kept", Full, json!("{{user.public_metadata.missing}}"), json!(null)),
        ("path through a string is null", Full, json!("{{user.id.length}}"), json!(null)),
        ("path through null is null", Full, json!("{{user.public_metadata.nil.x}}"), json!(null)),
        ("array index 0", Full, json!("{{user.public_metadata.tags.0}}"), json!("a")),
        ("array index 1", Full, json!("{{user.public_metadata.tags.1}}"), json!("b")),
        ("array index out of range is null", Full, json!("{{user.public_metadata.tags.2}}"), json!(null)),
        ("non-canonical array index is null", Full, json!("{{user.public_metadata.tags.01}}"), json!(null)),
        ("non-numeric segment into an array is null", Full, json!("{{user.public_metadata.tags.length}}"), json!(null)),
        ("path through an array element", Full, json!("{{user.public_metadata.items.1.name}}"), json!("second")),
        ("numeric key of an object", Full, json!("{{user.public_metadata.0}}"), json!("zero-key")),
        ("key with hyphens", Full, json!("{{user.public_metadata.x-hasura-role}}"), json!("editor")),
        ("unicode key", Json(json!({"user": {"public_metadata": {"ключ": "v"}}})), json!("{{user.public_metadata.ключ}}"), json!("v")),
        ("context missing the root", Json(json!({})), json!("{{user.id}}"), json!(null)),
        ("context that is not an object", Json(json!(null)), json!(["{{user.id}}", "a {{org.id}}"]), json!([null, "a null"])),
        // ---- Rule 5: ||
        ("|| first truthy", Full, json!("{{user.public_metadata.missing || user.id}}"), json!("user_2abc")),
        ("|| without spaces", Full, json!("{{user.nope||user.username}}"), json!("johnd")),
        ("|| zero is truthy", Full, json!("{{user.public_metadata.zero || 5}}"), json!(0)),
        ("|| empty string is truthy", Full, json!("{{user.public_metadata.empty || 'x'}}"), json!("")),
        ("|| false is skipped", Full, json!("{{user.public_metadata.flag || 'y'}}"), json!("y")),
        ("|| all falsy gives the last (false)", Full, json!("{{user.public_metadata.nil || user.public_metadata.flag}}"), json!(false)),
        ("|| all falsy gives the last (null)", Full, json!("{{user.public_metadata.flag || user.public_metadata.nil}}"), json!(null)),
        ("|| literal false last", Full, json!("{{ false || false }}"), json!(false)),
        ("|| object operand is truthy", Full, json!("{{user.nope || user.unsafe_metadata}}"), json!({"age": 25, "theme": "dark"})),
        ("docs: age from public_metadata", age_ctx(json!({"age": 40}), json!({"age": 25})), json!("{{user.public_metadata.age || user.unsafe_metadata.age || 30 }}"), json!(40)),
        ("docs: age from unsafe_metadata", age_ctx(json!({}), json!({"age": 25})), json!("{{user.public_metadata.age || user.unsafe_metadata.age || 30 }}"), json!(25)),
        ("docs: age default", age_ctx(json!({}), json!({})), json!("{{user.public_metadata.age || user.unsafe_metadata.age || 30 }}"), json!(30)),
        ("docs: email_verified || phone_number_verified", Full, json!("{{user.email_verified || user.phone_number_verified}}"), json!(true)),
        ("docs: neither verified", Bare, json!("{{user.email_verified || user.phone_number_verified}}"), json!(false)),
        ("docs: full_name || literal, with name", Full, json!("{{user.full_name || 'Awesome User'}}"), json!("John Doe")),
        ("docs: full_name || literal, without name", Bare, json!("{{user.full_name || 'Awesome User'}}"), json!("Awesome User")),
        ("docs: conditional in interpolation", Bare, json!("Awesome {{user.first_name || user.last_name || 'user'}}"), json!("Awesome user")),
        ("conditional in interpolation, first wins", Full, json!("Awesome {{user.first_name || user.last_name || 'user'}}"), json!("Awesome John")),
        // ---- Literals
        ("string literal", Full, json!("{{'hello'}}"), json!("hello")),
        ("empty string literal", Full, json!("{{''}}"), json!("")),
        ("literal may hold braces, bars and quotes", Full, json!("{{ 'a }} b || {{c \"d\"' }}"), json!("a }} b || {{c \"d\"")),
        ("literal backslash is not an escape", Full, json!("{{ 'a\\' }}"), json!("a\\")),
        ("integer literal", Full, json!("{{ 42 }}"), json!(42)),
        ("negative integer literal", Full, json!("{{-7}}"), json!(-7)),
        ("float literal", Full, json!("{{ 2.5 }}"), json!(2.5)),
        ("exponent literal is a float", Full, json!("{{1e3}}"), json!(1000.0)),
        ("negative exponent literal", Full, json!("{{ 25E-1 }}"), json!(2.5)),
        ("u64 literal", Full, json!("{{18446744073709551615}}"), json!(18_446_744_073_709_551_615_u64)),
        ("integer beyond u64 becomes a float", Full, json!("{{100000000000000000000}}"), json!(1e20)),
        ("true literal", Full, json!("{{true}}"), json!(true)),
        ("false literal", Full, json!("{{ false }}"), json!(false)),
        ("literal in interpolation", Full, json!("x{{ 'y' }}z"), json!("xyz")),
        // ---- Structure: keys, recursion, pass-through
        ("keys are never substituted", Full, json!({"{{user.id}}": "{{user.id}}"}), json!({"{{user.id}}": "user_2abc"})),
        ("recursion into objects", Full, json!({"a": {"b": {"c": "{{org.slug}}", "d": 1}}}), json!({"a": {"b": {"c": "acme", "d": 1}}})),
        ("recursion into arrays", Full, json!(["{{org.role}}", "static", 1, null]), json!(["org:admin", "static", 1, null])),
        ("deep mixed nesting", Full, json!([[{"a": ["x {{user.id}}", {"b": "{{user.created_at}}"}]}]]), json!([[{"a": ["x user_2abc", {"b": 1_640_104_791}]}]])),
        ("number passes through", Full, json!(12), json!(12)),
        ("float passes through", Full, json!(-0.5), json!(-0.5)),
        ("bool passes through", Full, json!(false), json!(false)),
        ("null passes through", Full, json!(null), json!(null)),
        ("static object passes through", Full, json!({"x": {"a": [1, "b", {"c": null}]}}), json!({"x": {"a": [1, "b", {"c": null}]}})),
        ("empty containers pass through", Full, json!({"a": [], "b": {}, "c": ""}), json!({"a": [], "b": {}, "c": ""})),
        ("text without braces passes through", Full, json!("plain text"), json!("plain text")),
        ("lone closing braces are text", Full, json!("a }} b"), json!("a }} b")),
        ("single braces are text", Full, json!("{user.id} { {x} }"), json!("{user.id} { {x} }")),
        ("closing braces before a shortcode", Full, json!("}}{{user.id}}"), json!("}}user_2abc")),
        ("extra closing brace after a shortcode", Full, json!("{{user.id}}}"), json!("user_2abc}")),
        // ---- Integration templates from the docs
        ("Grafbase groups", Full, json!({"groups": ["{{org.role}}"]}), json!({"groups": ["org:admin"]})),
        ("Grafbase groups without org", NoOrg, json!({"groups": ["{{org.role}}"]}), json!({"groups": [null]})),
        (
            "Hasura",
            Full,
            json!({"https://hasura.io/jwt/claims": {"x-hasura-user-id": "{{user.id}}", "x-hasura-default-role": "user", "x-hasura-allowed-roles": ["user"]}}),
            json!({"https://hasura.io/jwt/claims": {"x-hasura-user-id": "user_2abc", "x-hasura-default-role": "user", "x-hasura-allowed-roles": ["user"]}}),
        ),
        (
            "Hasura with org and a default role",
            NoOrg,
            json!({"hasura": {"x-hasura-org-id": "{{org.id}}", "x-hasura-role": "{{org.role || 'user'}}"}}),
            json!({"hasura": {"x-hasura-org-id": null, "x-hasura-role": "user"}}),
        ),
        (
            "Supabase",
            Full,
            json!({"aud": "authenticated", "role": "authenticated", "email": "{{user.primary_email_address}}"}),
            json!({"aud": "authenticated", "role": "authenticated", "email": "john@example.com"}),
        ),
        (
            "Convex",
            Full,
            json!({
                "aud": "convex", "name": "{{user.full_name}}", "email": "{{user.primary_email_address}}",
                "picture": "{{user.image_url}}", "nickname": "{{user.username}}",
                "given_name": "{{user.first_name}}", "updated_at": "{{user.updated_at}}",
                "family_name": "{{user.last_name}}", "phone_number": "{{user.primary_phone_number}}",
                "email_verified": "{{user.email_verified}}",
                "phone_number_verified": "{{user.phone_number_verified}}"
            }),
            json!({
                "aud": "convex", "name": "John Doe", "email": "john@example.com",
                "picture": "https://img.clerk.com/john.png", "nickname": "johnd",
                "given_name": "John", "updated_at": 1_788_951_567,
                "family_name": "Doe", "phone_number": "+15555550100",
                "email_verified": true, "phone_number_verified": false
            }),
        ),
        (
            "Convex for a bare user",
            Bare,
            json!({"aud": "convex", "name": "{{user.full_name}}", "email": "{{user.primary_email_address}}"}),
            json!({"aud": "convex", "name": null, "email": null}),
        ),
    ]
}

#[test]
fn table() {
    let cases = cases();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, fx, template, expected)| {
            check(template, &fx.ctx(), expected).err().map(|e| format!("{name}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Syntax errors: (template, expected path, expected message). A string template is `{"v": …}`.

#[rustfmt::skip]
fn error_cases() -> Vec<(Value, &'static str, &'static str)> {
    vec![
        (json!("{{user.id"), "v", "unterminated \"{{\" at column 1"),
        (json!("abc {{ user.id }"), "v", "unterminated \"{{\" at column 5"),
        (json!("ok {{user.id}} then {{"), "v", "unterminated \"{{\" at column 21"),
        (json!("{{ user.id || "), "v", "unterminated \"{{\" at column 1"),
        (json!("{{}}"), "v", "empty expression at column 1"),
        (json!("x {{   }}"), "v", "empty expression at column 3"),
        (json!("{{ foo.bar }}"), "v", "unknown identifier \"foo\" at column 4 (expected user, org, org_membership or session)"),
        (json!("{{ organization.public_metadata }}"), "v", "unknown identifier \"organization\" at column 4 (expected user, org, org_membership or session)"),
        (json!("{{ User.id }}"), "v", "unknown identifier \"User\" at column 4 (expected user, org, org_membership or session)"),
        (json!("{{ user.id }} {{ x }}"), "v", "unknown identifier \"x\" at column 18 (expected user, org, org_membership or session)"),
        (json!("é{{ bad }}"), "v", "unknown identifier \"bad\" at column 5 (expected user, org, org_membership or session)"),
        (json!("{{ 'abc }}"), "v", "unterminated string literal at column 4"),
        (json!("{{ user.id || 'a }}"), "v", "unterminated string literal at column 15"),
        (json!("{{ user.id || }}"), "v", "dangling \"||\" at column 12"),
        (json!("{{ user.id || user.x || }}"), "v", "dangling \"||\" at column 22"),
        (json!("{{ || user.id }}"), "v", "expected an operand at column 4, found \"|\" (operands are paths, 'strings', numbers, true and false)"),
        (json!("{{ \"x\" }}"), "v", "expected an operand at column 4, found \"\"\" (operands are paths, 'strings', numbers, true and false)"),
        (json!("{{ {{user.id}} }}"), "v", "expected an operand at column 4, found \"{\" (operands are paths, 'strings', numbers, true and false)"),
        (json!("{{{user.id}}}"), "v", "expected an operand at column 3, found \"{\" (operands are paths, 'strings', numbers, true and false)"),
        (json!("{{ user.id | user.x }}"), "v", "expected \"||\" or \"}}\" at column 12, found \"|\""),
        (json!("{{ user.id user.x }}"), "v", "expected \"||\" or \"}}\" at column 12, found \"u\""),
        (json!("{{ user.id + 'x' }}"), "v", "expected \"||\" or \"}}\" at column 12, found \"+\""),
        (json!("{{ user[0] }}"), "v", "expected \"||\" or \"}}\" at column 8, found \"[\""),
        (json!("{{ true.x }}"), "v", "expected \"||\" or \"}}\" at column 8, found \".\""),
        (json!("{{ null }}"), "v", "null is not a literal at column 4 (literals are 'strings', numbers, true and false)"),
        (json!("{{ user..id }}"), "v", "empty path segment at column 9"),
        (json!("{{ user. }}"), "v", "empty path segment at column 9"),
        (json!("{{ 30abc }}"), "v", "invalid number \"30abc\" at column 4"),
        (json!("{{ 1. }}"), "v", "invalid number \"1.\" at column 4"),
        (json!("{{ .5 }}"), "v", "expected an operand at column 4, found \".\" (operands are paths, 'strings', numbers, true and false)"),
        (json!("{{ - }}"), "v", "invalid number \"-\" at column 4"),
        (json!("{{ 1e999 }}"), "v", "invalid number \"1e999\" at column 4"),
        (json!("{{ 1.2.3 }}"), "v", "invalid number \"1.2.3\" at column 4"),
        // Paths name the claim.
        (json!({"hasura": {"x-hasura-user-id": "{{bad"}}), "hasura.x-hasura-user-id", "unterminated \"{{\" at column 1"),
        (json!({"groups": ["ok", "{{}}"]}), "groups[1]", "empty expression at column 1"),
        (json!({"groups": ["{{ nope }}"]}), "groups[0]", "unknown identifier \"nope\" at column 4 (expected user, org, org_membership or session)"),
        (json!({"a": [{"b": [0, "{{x}}"]}]}), "a[0].b[1]", "unknown identifier \"x\" at column 3 (expected user, org, org_membership or session)"),
        (json!({"b": "{{x}}", "a": "{{y}}"}), "a", "unknown identifier \"y\" at column 3 (expected user, org, org_membership or session)"),
    ]
}

#[test]
fn syntax_errors() {
    let mut failures = Vec::new();
    for (template, path, message) in error_cases() {
        let claims = match &template {
            Value::Object(m) => m.clone(),
            other => wrap(other.clone()),
        };
        let expected = ShortcodeError { path: path.into(), message: message.into() };
        match CompiledClaims::compile(&claims) {
            Ok(_) => failures.push(format!("{template}: compiled, expected {expected}")),
            Err(e) if e != expected => failures.push(format!("{template}: got {e}, expected {expected}")),
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// API-level behaviour.

#[test]
fn error_displays_path_then_message() {
    let claims = wrap(json!(["{{}}"]));
    let err = CompiledClaims::compile(&claims).expect_err("an error");
    assert_eq!(err.to_string(), "v[0]: empty expression at column 1");
}

#[test]
fn keys_are_not_parsed() {
    let claims = json!({"{{bad": "ok", "}}": "{{'x'}}"});
    let claims = claims.as_object().expect("object");
    let out = render_claims(claims, &Fx::Full.ctx()).expect("compiles");
    assert_eq!(Value::Object(out), json!({"{{bad": "ok", "}}": "x"}));
}

#[test]
fn compiled_once_rendered_against_many_contexts() {
    let claims = json!({"sub_name": "{{user.full_name || 'anon'}}", "org": "{{org.slug}}"});
    let compiled = CompiledClaims::compile(claims.as_object().expect("object")).expect("compiles");
    assert_eq!(Value::Object(compiled.render(&Fx::Full.ctx())), json!({"sub_name": "John Doe", "org": "acme"}));
    assert_eq!(Value::Object(compiled.render(&Fx::Bare.ctx())), json!({"sub_name": "anon", "org": null}));
    assert_eq!(Value::Object(compiled.render(&Fx::Full.ctx())), json!({"sub_name": "John Doe", "org": "acme"}));
}

#[test]
fn context_never_contains_private_metadata() {
    let ctx = Fx::Full.ctx().to_string();
    for secret in ["s3cret", "cus_secret", "salary", "private_metadata", "legacy.png"] {
        assert!(!ctx.contains(secret), "context leaks {secret}: {ctx}");
    }
}

#[test]
fn context_shape() {
    let ctx = Fx::Full.ctx();
    let keys = |v: &Value| v.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    assert_eq!(keys(&ctx), ["org", "org_membership", "session", "user"]);
    assert_eq!(
        keys(&ctx["user"]),
        [
            "created_at",
            "email_verified",
            "external_id",
            "first_name",
            "full_name",
            "has_verified_email",
            "has_verified_phone",
            "id",
            "image_url",
            "last_name",
            "organizations",
            "phone_number_verified",
            "primary_email_address",
            "primary_phone_number",
            "profile_image_url",
            "public_metadata",
            "two_factor_enabled",
            "unsafe_metadata",
            "updated_at",
            "username",
        ]
    );
    assert_eq!(keys(&ctx["org"]), ["id", "image_url", "name", "public_metadata", "role", "slug"]);
    assert_eq!(keys(&ctx["org_membership"]), ["permissions", "public_metadata", "role"]);
    assert_eq!(keys(&ctx["session"]), ["actor", "id", "status"]);
    let bare = Fx::Bare.ctx();
    assert_eq!((&bare["org"], &bare["org_membership"], &bare["session"]), (&Value::Null, &Value::Null, &Value::Null));
}
