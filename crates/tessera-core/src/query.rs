//! Query-string parameters as a list of pairs, so repeated keys (`email_address=a&email_address=b`,
//! or `email_address[]=…`) are kept, with Clerk errors naming the parameter.

use crate::error::{ApiError, ApiResult};
use crate::store::Page;

#[derive(Debug, Clone, Default)]
pub struct QueryParams(pub Vec<(String, String)>);

impl QueryParams {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        QueryParams(pairs)
    }

    fn matches(k: &str, key: &str) -> bool {
        k == key || k.strip_suffix("[]") == Some(key)
    }

    /// Every value given for `key` (also as `key[]`); empty values are skipped.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, v)| Self::matches(k, key) && !v.is_empty()).map(|(_, v)| v.clone()).collect()
    }

    /// The last non-empty value of `key`.
    pub fn one(&self, key: &str) -> Option<String> {
        self.all(key).pop()
    }

    pub fn bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.one(key).as_deref() {
            None => Ok(None),
            Some("true") | Some("1") => Ok(Some(true)),
            Some("false") | Some("0") => Ok(Some(false)),
            Some(other) => Err(ApiError::param_value(key, format!("{other} is not a valid boolean for {key}."))),
        }
    }

    pub fn int(&self, key: &str, min: i64, max: i64) -> ApiResult<Option<i64>> {
        match self.one(key) {
            None => Ok(None),
            Some(s) => {
                let v: i64 = s.trim().parse().map_err(|_| ApiError::param_type(key, "integer"))?;
                if v < min || v > max {
                    return Err(ApiError::param_value(key, format!("{key} must be between {min} and {max}, got {v}.")));
                }
                Ok(Some(v))
            }
        }
    }

    /// `limit` 1..=500 (default 10) and `offset` ≥ 0 (default 0).
    pub fn page(&self) -> ApiResult<Page> {
        Ok(Page {
            limit: self.int("limit", 1, 500)?.unwrap_or(10),
            offset: self.int("offset", 0, i64::MAX)?.unwrap_or(0),
        })
    }

    /// `paginated=true` asks for `{data,total_count}` instead of a bare array.
    pub fn paginated(&self) -> ApiResult<bool> {
        Ok(self.bool("paginated")?.unwrap_or(false))
    }

    /// `order_by` as `(field, descending)`; `+field`/`field` ascending, `-field` descending.
    pub fn order_by(&self) -> Option<(String, bool)> {
        self.one("order_by").map(|s| match s.strip_prefix('-') {
            Some(rest) => (rest.to_owned(), true),
            None => (s.trim_start_matches('+').to_owned(), false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> QueryParams {
        QueryParams(pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect())
    }

    #[test]
    fn repeated_and_bracketed_keys_are_collected() {
        let p = q(&[("email_address", "a"), ("email_address[]", "b"), ("x", "")]);
        assert_eq!(p.all("email_address"), vec!["a", "b"]);
        assert_eq!(p.one("x"), None);
    }

    #[test]
    fn paging_is_validated() {
        assert_eq!(q(&[]).page().unwrap(), Page { limit: 10, offset: 0 });
        assert_eq!(q(&[("limit", "501")]).page().unwrap_err().param_name(), Some("limit"));
        assert_eq!(q(&[("limit", "0")]).page().unwrap_err().param_name(), Some("limit"));
        assert_eq!(q(&[("offset", "-1")]).page().unwrap_err().param_name(), Some("offset"));
        assert_eq!(q(&[("limit", "ten")]).page().unwrap_err().code, "form_param_type_invalid");
    }

    #[test]
    fn order_by_reads_sign() {
        assert_eq!(q(&[("order_by", "-created_at")]).order_by(), Some(("created_at".into(), true)));
        assert_eq!(q(&[("order_by", "+name")]).order_by(), Some(("name".into(), false)));
    }
}
