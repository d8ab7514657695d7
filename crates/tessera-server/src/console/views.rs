//! The console's shared markup: the page layout and small pieces. maud escapes every interpolated
//! value, so names, metadata and claims are always text.

use axum::response::Html;
use maud::{DOCTYPE, Markup, html};
use serde_json::Value;

pub(crate) type Page = Html<String>;

/// The sections of the navigation bar.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Users,
    Organizations,
    Templates,
    Keys,
    None,
}

/// A whole page; `csrf` is the signed-in session's token (it goes into a `<meta>` for the script
/// and into the sign-out form).
pub(crate) fn page(title: &str, csrf: Option<&str>, nav: Nav, body: Markup) -> Page {
    let link = |href: &str, label: &str, this: Nav| {
        html! { a href=(href) class=[(nav == this).then_some("current")] { (label) } }
    };
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · Tessera console" }
                    link rel="stylesheet" href="/console/static/console.css";
                    @if let Some(c) = csrf { meta name="csrf-token" content=(c); }
                    script src="/console/static/console.js" defer {}
                }
                body {
                    header.top {
                        span.brand { "Tessera" }
                        @if let Some(c) = csrf {
                            nav {
                                (link("/console/users", "Users", Nav::Users))
                                (link("/console/organizations", "Organizations", Nav::Organizations))
                                (link("/console/templates", "JWT templates", Nav::Templates))
                                (link("/console/keys", "Keys", Nav::Keys))
                            }
                            form.signout method="post" action="/console/logout" {
                                input type="hidden" name="csrf" value=(c);
                                button type="submit" { "Sign out" }
                            }
                        }
                    }
                    main { (body) }
                }
            }
        }
        .into_string(),
    )
}

/// Pretty JSON in a `<pre>`, escaped.
pub(crate) fn json_block(id: Option<&str>, v: &Value) -> Markup {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    html! { pre.json id=[id] { (text) } }
}

/// An epoch-ms timestamp as UTC `YYYY-MM-DD HH:MM:SS`.
pub(crate) fn time_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

pub(crate) fn error_box(message: Option<&str>) -> Markup {
    html! { @if let Some(m) = message { p.error role="alert" { (m) } } }
}

pub(crate) fn not_found() -> Page {
    page(
        "Not found",
        None,
        Nav::None,
        html! { h1 { "Not found" } p { a href="/console/users" { "Back to the console" } } },
    )
}

pub(crate) fn forbidden() -> Page {
    page(
        "Forbidden",
        None,
        Nav::None,
        html! { h1 { "Forbidden" } p { "The request had no valid console session or CSRF token. " a href="/console/login" { "Sign in" } } },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_render_as_utc() {
        assert_eq!(time_ms(0), "1970-01-01 00:00:00");
        assert_eq!(time_ms(1_700_000_000_123), "2023-11-14 22:13:20");
    }

    #[test]
    fn interpolated_text_is_escaped() {
        let p = page("<script>x</script>", None, Nav::None, html! { p { ("<img src=x onerror=alert(1)>") } });
        assert!(!p.0.contains("<script>x"));
        assert!(p.0.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }
}
