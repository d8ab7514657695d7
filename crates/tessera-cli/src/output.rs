//! Printing: human-readable tables by default, JSON with `--json`.

use serde::Serialize;
use serde_json::Value;

/// Prints `rows` as an aligned table under `headers`.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells.iter().enumerate().map(|(i, c)| format!("{c:<w$}", w = widths[i])).collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_uppercase()).collect());
    for r in rows {
        line(r.clone());
    }
}

/// Pretty JSON on stdout.
pub fn json<T: Serialize>(v: &T) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: {e}"),
    }
}

/// `"text"`, `-` for null/absent.
pub fn cell(v: Option<&str>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or("-").to_owned()
}

/// Epoch ms → `YYYY-MM-DD HH:MM:SS` UTC.
pub fn time_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Howard Hinnant's days → civil date.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Reads a JSON or YAML file into a JSON value.
pub fn read_json_or_yaml(path: &std::path::Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let is_json = path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{');
    if is_json {
        serde_json::from_str(&text).map_err(|e| format!("{}: invalid JSON: {e}", path.display()))
    } else {
        serde_norway::from_str(&text).map_err(|e| format!("{}: invalid YAML: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_print_as_utc_dates() {
        assert_eq!(super::time_ms(0), "1970-01-01 00:00:00");
        assert_eq!(super::time_ms(1_767_225_600_000), "2026-01-01 00:00:00");
    }

    #[test]
    fn the_example_seed_file_loads_as_yaml() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/seed.yaml");
        let seed = super::read_json_or_yaml(&path).unwrap();
        assert_eq!(seed["users"][0]["id"], "user_alice");
        assert_eq!(seed["users"][0]["email_address"], serde_json::json!(["alice@example.com"]));
        assert_eq!(seed["users"][0]["public_metadata"], serde_json::json!({"role": "admin", "plan": "pro"}));
        assert_eq!(seed["organizations"][0]["members"][0]["role"], "org:accountant");
        assert_eq!(seed["roles"][0]["permissions"][0], "org:invoices:read");
        assert_eq!(seed["sessions"][1]["user_id"], "user_bob");
    }

    #[test]
    fn invalid_yaml_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.yaml");
        std::fs::write(&path, "users: [unclosed").unwrap();
        let e = super::read_json_or_yaml(&path).unwrap_err();
        assert!(e.contains("bad.yaml") && e.contains("invalid YAML"), "{e}");
    }
}
