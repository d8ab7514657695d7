//! Query-string parameters as a list of pairs, so repeated keys (`email_address=a&email_address=b`,
//! or `email_address[]=…`) are kept, with Clerk errors naming the parameter.

use tessera_types::{ListPage, OrganizationListFilter, SessionListFilter, SessionStatus, UserListFilter};

use crate::error::{ApiError, ApiResult};
use crate::store::Page;

/// Largest `limit` of any list.
pub const MAX_PAGE_LIMIT: i64 = 500;
const DEFAULT_PAGE_LIMIT: i64 = 10;

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

    /// `limit` 1..=500 and `offset` ≥ 0, as given.
    pub fn list_page(&self) -> ApiResult<ListPage> {
        Ok(ListPage { limit: self.int("limit", 1, MAX_PAGE_LIMIT)?, offset: self.int("offset", 0, i64::MAX)? })
    }

    /// [`QueryParams::list_page`] with the defaults filled in: `limit` 10, `offset` 0.
    pub fn page(&self) -> ApiResult<Page> {
        Ok(page(self.list_page()?))
    }

    /// `paginated=true` asks for `{data,total_count}` instead of a bare array.
    pub fn paginated(&self) -> ApiResult<bool> {
        Ok(self.bool("paginated")?.unwrap_or(false))
    }

    /// The filters of `GET /users` and `GET /users/count` (`order_by` is checked by the caller).
    pub fn user_list_filter(&self) -> ApiResult<UserListFilter> {
        Ok(UserListFilter {
            email_address: self.all("email_address"),
            phone_number: self.all("phone_number"),
            external_id: self.all("external_id"),
            username: self.all("username"),
            user_id: self.all("user_id"),
            organization_id: self.all("organization_id"),
            query: self.one("query"),
            banned: self.bool("banned")?,
            order_by: self.one("order_by"),
        })
    }

    /// The filters and page of `GET /sessions`; `user_id` or `client_id` is required.
    pub fn session_list_filter(&self) -> ApiResult<SessionListFilter> {
        let (user_id, client_id) = (self.one("user_id"), self.one("client_id"));
        if user_id.is_none() && client_id.is_none() {
            return Err(ApiError::missing_query(&["client_id", "user_id"]));
        }
        let status = match self.one("status") {
            None => None,
            Some(s) => Some(SessionStatus::parse(&s).ok_or_else(|| not_allowed("status", &s))?),
        };
        let ListPage { limit, offset } = self.list_page()?;
        Ok(SessionListFilter { client_id, user_id, status, limit, offset })
    }

    /// The filters, order and page of `GET /organizations` (`order_by` is checked by the caller).
    pub fn organization_list_filter(&self) -> ApiResult<OrganizationListFilter> {
        let include_members_count = self.bool("include_members_count")?;
        let ListPage { limit, offset } = self.list_page()?;
        Ok(OrganizationListFilter {
            include_members_count,
            query: self.one("query"),
            user_id: self.one("user_id"),
            organization_id: self.all("organization_id"),
            order_by: self.one("order_by"),
            limit,
            offset,
        })
    }
}

/// A page with the defaults filled in.
pub fn page(p: ListPage) -> Page {
    Page { limit: p.limit.unwrap_or(DEFAULT_PAGE_LIMIT), offset: p.offset.unwrap_or(0) }
}

/// `order_by` (`+field`/`field` ascending, `-field` descending) read against the fields a list can
/// be sorted by, as `(field, descending)`.
pub fn order_by<T: Copy>(value: Option<&str>, allowed: &[(&str, T)]) -> ApiResult<Option<(T, bool)>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let (field, descending) = match value.strip_prefix('-') {
        Some(rest) => (rest, true),
        None => (value.trim_start_matches('+'), false),
    };
    match allowed.iter().find(|(name, _)| *name == field) {
        Some((_, order)) => Ok(Some((*order, descending))),
        None => Err(not_allowed("order_by", field)),
    }
}

fn not_allowed(param: &str, value: &str) -> ApiError {
    ApiError::param_value(param, format!("{value} does not match one of the allowed values for parameter {param}"))
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
    fn order_by_reads_sign_and_allowed_fields() {
        let allowed = [("created_at", 1), ("name", 2)];
        assert_eq!(order_by(Some("-created_at"), &allowed).unwrap(), Some((1, true)));
        assert_eq!(order_by(Some("+name"), &allowed).unwrap(), Some((2, false)));
        assert_eq!(order_by(None, &allowed).unwrap(), None);
        assert_eq!(order_by(Some("-shoe_size"), &allowed).unwrap_err().param_name(), Some("order_by"));
    }

    /// A filter sent as the SDK sends it (every field set, lists repeated) is read back whole: the
    /// server reads every parameter the shared filter type declares.
    fn as_query<T: serde::Serialize>(filter: &T) -> QueryParams {
        let serde_json::Value::Object(map) = serde_json::to_value(filter).unwrap() else { panic!("not an object") };
        let mut pairs = Vec::new();
        for (k, v) in map {
            let values = match v {
                serde_json::Value::Array(items) => items,
                other => vec![other],
            };
            for v in values {
                pairs.push((k.clone(), v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())));
            }
        }
        QueryParams(pairs)
    }

    #[test]
    fn shared_filters_round_trip() {
        let two = || vec!["a".to_owned(), "b".to_owned()];
        let users = UserListFilter {
            email_address: two(),
            phone_number: two(),
            external_id: two(),
            username: two(),
            user_id: two(),
            organization_id: two(),
            query: Some("q".into()),
            banned: Some(true),
            order_by: Some("-username".into()),
        };
        assert_eq!(as_query(&users).user_list_filter().unwrap(), users);
        let sessions = SessionListFilter {
            client_id: Some("c".into()),
            user_id: Some("u".into()),
            status: Some(SessionStatus::Revoked),
            limit: Some(5),
            offset: Some(2),
        };
        assert_eq!(as_query(&sessions).session_list_filter().unwrap(), sessions);
        let orgs = OrganizationListFilter {
            include_members_count: Some(false),
            query: Some("q".into()),
            user_id: Some("u".into()),
            organization_id: two(),
            order_by: Some("name".into()),
            limit: Some(500),
            offset: Some(0),
        };
        assert_eq!(as_query(&orgs).organization_list_filter().unwrap(), orgs);
        let page = ListPage { limit: Some(1), offset: Some(7) };
        assert_eq!(as_query(&page).list_page().unwrap(), page);
    }
}
