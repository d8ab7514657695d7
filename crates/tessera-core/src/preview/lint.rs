//! The checks of a template preview: pure functions over the template, the claims it rendered and
//! the token's size. Each consumer check follows that consumer's documentation, linked from the
//! finding (`documentation_url`) and from docs/api.md.

use serde_json::{Map, Value};
use tessera_types::TemplateLint;

/// Browsers and common proxies cap one HTTP header or cookie at about 4 KB.
pub const HTTP_HEADER_BYTES: usize = 4_096;

pub const CLERK_SESSION_CLAIMS_DOC: &str = "https://clerk.com/docs/backend-requests/custom-session-token";
pub const HASURA_DOC: &str = "https://hasura.io/docs/latest/auth/authentication/jwt/";
pub const HASURA_NAMESPACE: &str = "https://hasura.io/jwt/claims";
pub const SUPABASE_DOC: &str = "https://supabase.com/docs/guides/auth/third-party/clerk";
pub const SUPABASE_FIELDS_DOC: &str = "https://supabase.com/docs/guides/auth/jwt-fields";
pub const CONVEX_DOC: &str = "https://docs.convex.dev/auth/clerk";
pub const CONVEX_CONFIG_DOC: &str = "https://docs.convex.dev/config/auth.config.ts";

/// A system that consumes template tokens and has documented requirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Consumer {
    Hasura,
    Supabase,
    Convex,
}

impl Consumer {
    pub const ALL: [Consumer; 3] = [Consumer::Hasura, Consumer::Supabase, Consumer::Convex];

    pub fn as_str(self) -> &'static str {
        match self {
            Consumer::Hasura => "hasura",
            Consumer::Supabase => "supabase",
            Consumer::Convex => "convex",
        }
    }

    pub fn parse(s: &str) -> Option<Consumer> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What the checks look at.
pub struct LintInput<'a> {
    /// The stored template's name; `None` for unsaved claims.
    pub template_name: Option<&'a str>,
    /// The claims as written, with their shortcodes.
    pub template: &'a Map<String, Value>,
    /// Every claim of the token (rendered template and default claims).
    pub claims: &'a Map<String, Value>,
    /// Size of the rendered template claims as compact JSON.
    pub custom_claims_bytes: usize,
    /// Size of the signed token.
    pub token_bytes: usize,
    /// The largest token the server signs (`max_token_bytes`).
    pub max_token_bytes: usize,
    /// The consumer the caller named, if any.
    pub named: Option<Consumer>,
}

fn lint(
    code: &str,
    severity: &str,
    consumer: Option<Consumer>,
    path: Option<String>,
    message: String,
    doc: &str,
) -> TemplateLint {
    TemplateLint {
        code: code.to_owned(),
        severity: severity.to_owned(),
        consumer: consumer.map(|c| c.as_str().to_owned()),
        claim_path: path,
        message,
        documentation_url: Some(doc.to_owned()),
    }
}

/// The consumers a template is checked for: the one named, and those it looks meant for (Hasura: a
/// key mentioning `hasura`; Supabase: its name; Convex: its name or `aud: "convex"`).
pub fn consumers(input: &LintInput<'_>) -> Vec<Consumer> {
    let name = input.template_name.unwrap_or("").to_ascii_lowercase();
    let mut out: Vec<Consumer> = input.named.into_iter().collect();
    let hasura_key = |m: &Map<String, Value>| m.keys().any(|k| k.to_ascii_lowercase().contains("hasura"));
    let nested_hasura = input.template.values().any(|v| v.as_object().is_some_and(hasura_key));
    if name.contains("hasura") || hasura_key(input.template) || nested_hasura {
        out.push(Consumer::Hasura);
    }
    if name.contains("supabase") {
        out.push(Consumer::Supabase);
    }
    if name.contains("convex") || input.claims.get("aud").and_then(Value::as_str) == Some("convex") {
        out.push(Consumer::Convex);
    }
    out.sort();
    out.dedup();
    out
}

/// Every finding: size, claims rendering to `null`, and the requirements of each consumer in
/// `consumers`.
pub fn lints(input: &LintInput<'_>, consumers: &[Consumer], issuer: &str) -> Vec<TemplateLint> {
    let mut out = size_lints(input);
    null_lints(input.template, input.claims, &mut out);
    for c in consumers {
        match c {
            Consumer::Hasura => hasura(input.claims, &mut out),
            Consumer::Supabase => supabase(input.claims, &mut out),
            Consumer::Convex => convex(input, issuer, &mut out),
        }
    }
    out
}

/// Over the signing limit (the mint refuses), over an HTTP header, over Clerk's advice for custom claims.
pub fn size_lints(input: &LintInput<'_>) -> Vec<TemplateLint> {
    let mut out = Vec::new();
    let n = input.token_bytes;
    if n > input.max_token_bytes {
        out.push(lint(
            "token_too_large",
            "error",
            None,
            None,
            format!("The signed token would be {n} bytes, more than the {} bytes this server signs: minting it answers 422 jwt_token_too_large. Include less metadata.", input.max_token_bytes),
            "https://clerk.com/docs/backend-requests/jwt-templates",
        ));
    }
    if n > HTTP_HEADER_BYTES {
        out.push(lint(
            "token_over_http_header_limit",
            "warning",
            None,
            None,
            format!("The signed token would be {n} bytes: browsers and most proxies refuse a cookie or header over about {HTTP_HEADER_BYTES} bytes, so it may not travel in an Authorization header or a cookie."),
            CLERK_SESSION_CLAIMS_DOC,
        ));
    }
    let custom = input.custom_claims_bytes;
    if custom > crate::session_claims::RECOMMENDED_MAX_BYTES {
        out.push(lint(
            "custom_claims_over_recommended_size",
            "warning",
            None,
            None,
            format!("The rendered claims are {custom} bytes of JSON; Clerk advises at most {} bytes of custom claims so the token fits a cookie with the rest of the request. Move large data out of the token.", crate::session_claims::RECOMMENDED_MAX_BYTES),
            CLERK_SESSION_CLAIMS_DOC,
        ));
    }
    out
}

fn child_path(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// A shortcode value that rendered to `null` for this user (a missing metadata path, an unset
/// field): the claim is sent as `null`, which consumers rarely expect.
pub fn null_lints(template: &Map<String, Value>, rendered: &Map<String, Value>, out: &mut Vec<TemplateLint>) {
    fn walk(t: &Value, r: Option<&Value>, path: &str, out: &mut Vec<TemplateLint>) {
        match (t, r) {
            (Value::String(s), Some(Value::Null)) if s.contains("{{") => out.push(lint(
                "claim_renders_null",
                "warning",
                None,
                Some(path.to_owned()),
                format!("{path} renders to null for this subject: {s} names nothing they have. Give a fallback (`{{{{ user.public_metadata.x || 'default' }}}}`) or set the value."),
                "https://clerk.com/docs/backend-requests/jwt-templates",
            )),
            (Value::Object(tm), Some(Value::Object(rm))) => {
                for (k, v) in tm {
                    walk(v, rm.get(k), &child_path(path, k), out);
                }
            }
            (Value::Array(ta), Some(Value::Array(ra))) => {
                for (i, v) in ta.iter().enumerate() {
                    walk(v, ra.get(i), &format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    for (k, v) in template {
        walk(v, rendered.get(k), k, out);
    }
}

/// Hasura: the `https://hasura.io/jwt/claims` namespace holding `x-hasura-allowed-roles` (a list of
/// strings) and `x-hasura-default-role` (one of them); every other `x-hasura-*` value a string.
pub fn hasura(claims: &Map<String, Value>, out: &mut Vec<TemplateLint>) {
    let h = Some(Consumer::Hasura);
    let Some(ns) = claims.get(HASURA_NAMESPACE) else {
        let top: Vec<&String> = claims.keys().filter(|k| k.to_ascii_lowercase().starts_with("x-hasura-")).collect();
        let hint = if top.is_empty() {
            String::new()
        } else {
            format!(
                " The x-hasura-* claims ({}) are at the top level: move them inside it.",
                top.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
            )
        };
        out.push(lint(
            "hasura_claims_namespace_missing",
            "error",
            h,
            Some(HASURA_NAMESPACE.to_owned()),
            format!("Hasura reads its session variables from the {HASURA_NAMESPACE} claim (unless claims_namespace or claims_namespace_path says otherwise); the token has none.{hint}"),
            HASURA_DOC,
        ));
        return;
    };
    let Some(ns) = ns.as_object() else {
        out.push(lint(
            "hasura_claims_namespace_not_object",
            "error",
            h,
            Some(HASURA_NAMESPACE.to_owned()),
            format!("{HASURA_NAMESPACE} must be a JSON object of x-hasura-* values (claims_format json)."),
            HASURA_DOC,
        ));
        return;
    };
    let path = |k: &str| Some(format!("{HASURA_NAMESPACE}.{k}"));
    let allowed: Option<Vec<&str>> = match ns.get("x-hasura-allowed-roles") {
        Some(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_string) => {
            Some(a.iter().filter_map(Value::as_str).collect())
        }
        other => {
            let what = match other {
                None => "is missing".to_owned(),
                Some(v) => format!("is {v}"),
            };
            out.push(lint(
                "hasura_allowed_roles_invalid",
                "error",
                h,
                path("x-hasura-allowed-roles"),
                format!("x-hasura-allowed-roles must be a non-empty list of role names (strings); it {what}."),
                HASURA_DOC,
            ));
            None
        }
    };
    match ns.get("x-hasura-default-role") {
        Some(Value::String(role)) => {
            if let Some(allowed) = &allowed
                && !allowed.contains(&role.as_str())
            {
                out.push(lint(
                    "hasura_default_role_not_allowed",
                    "error",
                    h,
                    path("x-hasura-default-role"),
                    format!("x-hasura-default-role is \"{role}\", which is not in x-hasura-allowed-roles ({}): Hasura refuses the request. Add it to the allowed roles or pick one of them.", allowed.join(", ")),
                    HASURA_DOC,
                ));
            }
        }
        other => {
            let what = match other {
                None => "is missing".to_owned(),
                Some(v) => format!("is {v}"),
            };
            out.push(lint(
                "hasura_default_role_invalid",
                "error",
                h,
                path("x-hasura-default-role"),
                format!("x-hasura-default-role must be a role name (a string); it {what}."),
                HASURA_DOC,
            ));
        }
    }
    for (k, v) in ns {
        let lower = k.to_ascii_lowercase();
        if lower == "x-hasura-allowed-roles" || lower == "x-hasura-default-role" || !lower.starts_with("x-hasura-") {
            continue;
        }
        if !v.is_string() {
            out.push(lint(
                "hasura_value_not_string",
                "warning",
                h,
                path(k),
                format!("{k} is {v}; Hasura session variables are strings (quote numbers and booleans, join lists as a Postgres array literal such as \"{{a,b}}\")."),
                HASURA_DOC,
            ));
        }
    }
}

/// Supabase third-party auth: a `role` claim naming the Postgres role (`authenticated` for signed-in
/// users) and an `aud`.
pub fn supabase(claims: &Map<String, Value>, out: &mut Vec<TemplateLint>) {
    let s = Some(Consumer::Supabase);
    match claims.get("role") {
        Some(Value::String(r)) if !r.is_empty() => {
            if !matches!(r.as_str(), "authenticated" | "anon" | "service_role") {
                out.push(lint(
                    "supabase_role_custom",
                    "info",
                    s,
                    Some("role".into()),
                    format!("role is \"{r}\": Supabase switches to the Postgres role of that name, which must exist and be granted to the authenticator; signed-in users are usually \"authenticated\"."),
                    SUPABASE_DOC,
                ));
            }
        }
        other => out.push(lint(
            "supabase_role_missing",
            "error",
            s,
            Some("role".into()),
            format!(
                "Supabase picks the Postgres role from the role claim; it {}. Add \"role\": \"authenticated\".",
                match other {
                    None => "is missing".to_owned(),
                    Some(v) => format!("is {v}"),
                }
            ),
            SUPABASE_DOC,
        )),
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => !a.is_empty(),
        Some(Value::Array(a)) => !a.is_empty() && a.iter().all(Value::is_string),
        _ => false,
    };
    if !aud_ok {
        out.push(lint(
            "supabase_aud_missing",
            "warning",
            s,
            Some("aud".into()),
            "Supabase's tokens always carry aud (\"authenticated\" for signed-in users) and auth.jwt() policies and client libraries read it; add \"aud\": \"authenticated\".".into(),
            SUPABASE_FIELDS_DOC,
        ));
    }
}

/// Convex: `aud` equal to the provider's `applicationID` (`convex` in Clerk's template), `iss` the
/// provider's domain, served over HTTPS, and the template named `convex` for
/// `ConvexProviderWithClerk`.
pub fn convex(input: &LintInput<'_>, issuer: &str, out: &mut Vec<TemplateLint>) {
    let c = Some(Consumer::Convex);
    match input.claims.get("aud") {
        Some(Value::String(a)) if !a.is_empty() => {
            if a != "convex" {
                out.push(lint(
                    "convex_aud_not_default",
                    "info",
                    c,
                    Some("aud".into()),
                    format!("aud is \"{a}\": Convex accepts the token only if convex/auth.config.ts has applicationID: \"{a}\" (Clerk's Convex template uses \"convex\")."),
                    CONVEX_CONFIG_DOC,
                ));
            }
        }
        other => out.push(lint(
            "convex_aud_missing",
            "error",
            c,
            Some("aud".into()),
            format!(
                "Convex checks aud against the applicationID of convex/auth.config.ts; it {}. Add \"aud\": \"convex\".",
                match other {
                    None => "is missing".to_owned(),
                    Some(v) => format!("is {v}"),
                }
            ),
            CONVEX_CONFIG_DOC,
        )),
    }
    if !issuer.starts_with("https://") {
        out.push(lint(
            "convex_issuer_not_https",
            "warning",
            c,
            Some("iss".into()),
            format!("iss is {issuer}: Convex matches it against the provider's domain and fetches {issuer}/.well-known/openid-configuration from its own servers, so it must be a public https:// URL (set --issuer)."),
            CONVEX_DOC,
        ));
    }
    if let Some(name) = input.template_name
        && name != "convex"
    {
        out.push(lint(
            "convex_template_name",
            "info",
            c,
            None,
            format!(
                "The template is named \"{name}\"; ConvexProviderWithClerk asks for the template named \"convex\"."
            ),
            CONVEX_DOC,
        ));
    }
}

#[cfg(test)]
mod tests;
