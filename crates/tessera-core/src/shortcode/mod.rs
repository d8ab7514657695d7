//! The shortcode engine: Clerk's JWT-template claim language (`clerk-compat.md` §1.3, `design.md` §4).
//!
//! A template is a JSON object of claims. Any **string value** at any depth (inside objects and arrays)
//! may contain `{{ … }}` shortcodes; keys are never looked at, and non-string values pass through
//! unchanged. [`CompiledClaims::compile`] parses every string once into a small AST (text and expression
//! segments, paths pre-split into segments); [`CompiledClaims::render`] walks that AST against a context
//! tree built by [`build_context`] and never re-parses.
//!
//! # Grammar
//!
//! ```text
//! value_string := ( text | "{{" ws expr ws "}}" )*
//! text         := any characters; a lone "}}" is just text
//! expr         := operand ( ws "||" ws operand )*
//! operand      := path | "'" chars-without-quote "'" | number | "true" | "false"
//! path         := root ( "." key )*
//! root         := "user" | "org" | "org_membership" | "session"
//! key          := 1*( any character except whitespace . | ' " { } [ ] ( ) , )
//! number       := [ "-" ] digit+ [ "." digit+ ] [ ( "e" | "E" ) [ "+" | "-" ] digit+ ]
//! ws           := Unicode white space, any amount
//! ```
//!
//! A string containing no `{{` is plain text and is returned as it is. Inside `{{ … }}` the expression is
//! tokenised, so a quoted literal may contain `}}`, `{{` or `||` (`{{ user.x || '}}' }}` is valid).
//! Compile errors ([`ShortcodeError`]) name the claim path (`a.b[2].c`) and the 1-based character column
//! inside the string: unterminated `{{`, empty expression, an unexpected character where an operand is
//! expected, a dangling `||`, an unknown root identifier, `null` as a literal, an unterminated quote, an
//! empty path segment (`user..x`, `user.`) and a number that does not fit an `f64`.
//!
//! # Evaluation
//!
//! * **Whole value keeps its type.** A string that is *exactly* one `{{ expr }}`, with nothing at all
//!   outside the braces, yields the expression's JSON value (object, array, number, bool, string or
//!   null). Whitespace *inside* the braces is free. Whitespace *outside* does not count as whole-value:
//!   `" {{user.created_at}}"` is interpolation and yields the string `" 1640104791"`.
//! * **Mixed text interpolates to a string.** Strings go in as they are, null as `null`, booleans as
//!   `true`/`false`, numbers as their JSON text (`30`, `-2`, `1.5`, `1e+20`), and objects and arrays as
//!   **compact JSON** (`{"a":1}`; object keys sorted). Nothing is trimmed: the trailing space of
//!   `"{{user.last_name}} {{user.first_name}} "` is kept (the docs' `"Doe Maria"` is taken as a typo).
//! * **Missing is null.** A path that does not resolve yields `null`; the claim is kept with `null`.
//! * **Paths** walk objects by key to any depth. When the value reached is an **array**, a segment made
//!   of decimal digits in canonical form (`0`, `1`, `12`; not `01`) indexes it:
//!   `user.public_metadata.tags.0`. Anything else into an array or a scalar yields null. A bare root
//!   (`{{user}}`) yields that whole context object.
//! * **`||`** yields the first operand that is neither `null` nor `false`; if all are, the **last**
//!   operand's value. `0` and `''` are truthy. Conditionals work inside interpolation too.
//! * **Literals**: single-quoted strings (no escapes: a literal runs to the next `'`, so it cannot
//!   contain one), integers and floats (negative allowed), `true`, `false`. There is no `null` literal
//!   (a compile error), as in Clerk.
//!
//! # Context
//!
//! [`build_context`] exposes exactly the catalogue of §1.3: `user.*` (with `created_at`/`updated_at` in
//! seconds, `full_name`, the primary email and phone, `email_verified`/`phone_number_verified` and their
//! old aliases `has_verified_email`/`has_verified_phone`, `profile_image_url` as an alias of
//! `image_url`, `organizations` as `{org_id: role}`), `org.*` and `org_membership.*` for the active
//! organization (both `null` when there is none) and `session.*` (`null` without a session).
//! **`private_metadata` (user, organization or membership) is never exposed**: Clerk documents no
//! shortcode for it and templates end up in tokens readable by anyone holding them.

mod ast;
mod context;
mod parse;
#[cfg(test)]
mod tests;

pub use context::{ContextParts, build_context, membership_context, org_context, session_context, user_context};

use serde_json::{Map, Value};

use ast::Node;

/// A template that does not parse. `path` is the claim's path inside the template (`.` before object
/// keys, `[i]` for array elements, e.g. `hasura.x-hasura-user-id` or `groups[0]`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ShortcodeError {
    pub path: String,
    pub message: String,
}

/// A parsed claims template, compiled once and rendered many times (held in a cache by the minting
/// code).
#[derive(Debug, Clone)]
pub struct CompiledClaims {
    claims: Vec<(String, Node)>,
}

impl CompiledClaims {
    /// Parses every string value of `claims`. Fails on the first syntax error, in key order.
    pub fn compile(claims: &Map<String, Value>) -> Result<CompiledClaims, ShortcodeError> {
        let mut path = String::new();
        let mut out = Vec::with_capacity(claims.len());
        for (key, value) in claims {
            path.clear();
            path.push_str(key);
            out.push((key.clone(), ast::compile_value(value, &mut path)?));
        }
        Ok(CompiledClaims { claims: out })
    }

    /// Renders the template against a context: a tree from [`build_context`] (or any JSON object whose
    /// top-level keys are the roots), or [`ContextParts`] borrowed from records that keep their parts
    /// (the mint cache). Never fails: anything missing renders as `null`.
    pub fn render<R: Roots + ?Sized>(&self, ctx: &R) -> Map<String, Value> {
        self.claims.iter().map(|(key, node)| (key.clone(), node.render(ctx))).collect()
    }
}

/// Where a path's root (`user`, `org`, `org_membership`, `session`) is looked up.
pub trait Roots {
    /// The value of the root `name`; `None` when there is no such root.
    fn root(&self, name: &str) -> Option<&Value>;
}

impl Roots for Value {
    fn root(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// Convenience: compile + render.
pub fn render_claims(claims: &Map<String, Value>, ctx: &Value) -> Result<Map<String, Value>, ShortcodeError> {
    Ok(CompiledClaims::compile(claims)?.render(ctx))
}
