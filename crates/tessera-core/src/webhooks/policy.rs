//! The URL policy of webhook endpoints and the retry schedule.
//!
//! A URL must be `http` or `https`. Its host must not be a loopback, private (RFC 1918, CGNAT,
//! unique-local), link-local, unspecified, broadcast or multicast address unless the operator allows
//! it: `allow_private` allows them all, `allow_loopback` (emulator mode) only loopback. The same
//! rule ([`ip_allowed`]) is applied to literal addresses at creation and to every address a name
//! resolves to at delivery (the server's resolver), so a name that later resolves to a private
//! address (DNS rebinding) is refused then.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// Svix's schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after each failure.
pub const DEFAULT_RETRY_SCHEDULE: &str = "0s,5s,5m,30m,2h,5h,10h,10h";

/// Which addresses deliveries may go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UrlPolicy {
    /// Loopback, private, link-local, … addresses allowed (`--webhooks-allow-private`).
    pub allow_private: bool,
    /// Loopback addresses allowed (emulator mode).
    pub allow_loopback: bool,
}

/// The core's webhook settings, from the server's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    pub policy: UrlPolicy,
    /// Delay before each attempt, ms: `[0]` is the first attempt's (from the event), `[i]` the
    /// wait after attempt `i` failed. Its length is the number of attempts.
    pub retry_schedule_ms: Vec<i64>,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            policy: UrlPolicy::default(),
            retry_schedule_ms: parse_schedule(DEFAULT_RETRY_SCHEDULE).unwrap_or_else(|_| vec![0]),
        }
    }
}

fn v4_allowed(ip: Ipv4Addr, policy: UrlPolicy) -> bool {
    if ip.is_loopback() {
        return policy.allow_loopback || policy.allow_private;
    }
    let o = ip.octets();
    let special = ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64);
    !special || policy.allow_private
}

fn v6_allowed(ip: Ipv6Addr, policy: UrlPolicy) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_allowed(v4, policy);
    }
    if ip.is_loopback() {
        return policy.allow_loopback || policy.allow_private;
    }
    let first = ip.segments()[0];
    let special = ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80; // link-local
    !special || policy.allow_private
}

/// Whether deliveries may go to `ip` under `policy`.
pub fn ip_allowed(ip: IpAddr, policy: UrlPolicy) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_allowed(v4, policy),
        IpAddr::V6(v6) => v6_allowed(v6, policy),
    }
}

/// Checks an endpoint URL under `policy`: the scheme, and the host when it is an address (or a
/// `localhost` name). Names are checked again when they are resolved, at every delivery. The error
/// says why, for `form_param_value_invalid` on `url`.
pub fn check_url(text: &str, policy: UrlPolicy) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("url is not a valid URL ({e})."))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("url must be an http or https URL.".to_owned());
    }
    let refused = "url points at a loopback, private or link-local address; the server must be started with --webhooks-allow-private to deliver there (emulator mode allows loopback).";
    match url.host() {
        None => return Err("url must have a host.".to_owned()),
        Some(Host::Ipv4(ip)) if !ip_allowed(IpAddr::V4(ip), policy) => return Err(refused.to_owned()),
        Some(Host::Ipv6(ip)) if !ip_allowed(IpAddr::V6(ip), policy) => return Err(refused.to_owned()),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if (d == "localhost" || d.ends_with(".localhost")) && !ip_allowed(IpAddr::V4(Ipv4Addr::LOCALHOST), policy) {
                return Err(refused.to_owned());
            }
        }
        Some(_) => {}
    }
    Ok(url)
}

/// A duration such as `0s`, `250ms`, `5s`, `5m`, `2h` or `1d`, in ms. A bare number is seconds.
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: i64 = num.parse().map_err(|_| format!("{text:?} is not a duration (e.g. 250ms, 5s, 5m, 2h, 1d)"))?;
    let factor = match unit {
        "ms" => 1,
        "" | "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(format!("{text:?} has an unknown unit (use ms, s, m, h or d)")),
    };
    n.checked_mul(factor).filter(|ms| *ms <= 365 * 86_400_000).ok_or_else(|| format!("{text:?} is too long"))
}

/// A comma-separated retry schedule (`0s,5s,5m,…`): 1 to 50 delays.
pub fn parse_schedule(text: &str) -> Result<Vec<i64>, String> {
    let delays = text.split(',').map(parse_duration_ms).collect::<Result<Vec<_>, _>>()?;
    if delays.is_empty() || delays.len() > 50 {
        return Err("the retry schedule must have 1 to 50 delays".to_owned());
    }
    Ok(delays)
}

/// `250ms`, `5s`, `5m`, `2h`: the largest unit that divides the duration.
pub fn format_duration_ms(ms: i64) -> String {
    for (unit, f) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if ms != 0 && ms % f == 0 {
            return format!("{}{unit}", ms / f);
        }
    }
    if ms == 0 { "0s".to_owned() } else { format!("{ms}ms") }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: UrlPolicy = UrlPolicy { allow_private: false, allow_loopback: false };
    const EMULATOR: UrlPolicy = UrlPolicy { allow_private: false, allow_loopback: true };
    const OPEN: UrlPolicy = UrlPolicy { allow_private: true, allow_loopback: false };

    #[test]
    fn only_public_http_urls_pass_the_strict_policy() {
        for ok in ["https://example.com/hook", "http://93.184.216.34:8080/x", "https://[2606:4700::1111]/"] {
            assert!(check_url(ok, STRICT).is_ok(), "{ok}");
        }
        for bad in [
            "ftp://example.com/",
            "not a url",
            "http://127.0.0.1/",
            "http://127.1/",
            "http://0x7f000001/",
            "http://localhost:3000/",
            "http://api.localhost/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://100.64.0.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[::]/",
            "http://[fe80::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://224.0.0.1/",
        ] {
            assert!(check_url(bad, STRICT).is_err(), "{bad}");
        }
    }

    #[test]
    fn emulator_mode_allows_loopback_only_and_the_flag_allows_private_addresses() {
        assert!(check_url("http://127.0.0.1:3000/", EMULATOR).is_ok());
        assert!(check_url("http://localhost:3000/", EMULATOR).is_ok());
        assert!(check_url("http://[::1]/", EMULATOR).is_ok());
        assert!(check_url("http://10.0.0.1/", EMULATOR).is_err());
        assert!(check_url("http://10.0.0.1/", OPEN).is_ok());
        assert!(check_url("http://127.0.0.1/", OPEN).is_ok());
        assert!(check_url("file:///etc/passwd", OPEN).is_err());
    }

    #[test]
    fn schedules_parse_svix_style_durations() {
        assert_eq!(
            parse_schedule(DEFAULT_RETRY_SCHEDULE).unwrap(),
            vec![0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]
        );
        assert_eq!(parse_schedule("0s, 100ms,2").unwrap(), vec![0, 100, 2_000]);
        assert_eq!(parse_duration_ms("1d").unwrap(), 86_400_000);
        for bad in ["", "5x", "-1s", "s", "1.5s", "400d"] {
            assert!(parse_schedule(bad).is_err(), "{bad}");
        }
        assert_eq!(format_duration_ms(300_000), "5m");
        assert_eq!(format_duration_ms(250), "250ms");
        assert_eq!(format_duration_ms(0), "0s");
    }
}
