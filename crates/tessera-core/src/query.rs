//! Query-string parameters as a list of pairs, so repeated keys (`email_address=a&email_address=b`,
//! or `email_address[]=…`) are kept, with Clerk errors naming the parameter; and the readings of
//! list filters that several lists share (`+`/`-` id prefixes, time bounds).

use tessera_types::{
    ListPage, OrganizationListFilter, OrganizationMembershipListFilter, SessionListFilter, SessionStatus,
    UserListFilter, UserListQuery,
};

use crate::error::{ApiError, ApiResult};
use crate::store::{IdFilter, Page, TimeRange};

/// Largest `limit` of any list.
pub const MAX_PAGE_LIMIT: i64 = 500;
const DEFAULT_PAGE_LIMIT: i64 = 10;
/// Most values a repeatable filter takes ("Accepts up to 100" in Clerk's document).
pub const MAX_FILTER_VALUES: usize = 100;

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

    /// The first non-empty value of `key` (Clerk keeps the first `order_by`).
    pub fn first(&self, key: &str) -> Option<String> {
        self.all(key).into_iter().next()
    }

    /// Every value of a repeatable filter: at most [`MAX_FILTER_VALUES`].
    pub fn list(&self, key: &str) -> ApiResult<Vec<String>> {
        let values = self.all(key);
        if values.len() > MAX_FILTER_VALUES {
            return Err(ApiError::param_too_many(key, MAX_FILTER_VALUES));
        }
        Ok(values)
    }

    /// A point in time in epoch milliseconds (an integer ≥ 0).
    pub fn timestamp(&self, key: &str) -> ApiResult<Option<i64>> {
        self.int(key, 0, i64::MAX)
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

    /// The filters of `GET /users/count` (checked further by the caller).
    pub fn user_list_filter(&self) -> ApiResult<UserListFilter> {
        Ok(UserListFilter {
            email_address: self.list("email_address")?,
            phone_number: self.list("phone_number")?,
            external_id: self.list("external_id")?,
            username: self.list("username")?,
            web3_wallet: self.list("web3_wallet")?,
            user_id: self.list("user_id")?,
            organization_id: self.list("organization_id")?,
            query: self.one("query"),
            email_address_query: self.one("email_address_query"),
            phone_number_query: self.one("phone_number_query"),
            username_query: self.one("username_query"),
            name_query: self.one("name_query"),
            banned: self.bool("banned")?,
            last_active_at_before: self.timestamp("last_active_at_before")?,
            last_active_at_after: self.timestamp("last_active_at_after")?,
            last_active_at_since: self.timestamp("last_active_at_since")?,
            created_at_before: self.timestamp("created_at_before")?,
            created_at_after: self.timestamp("created_at_after")?,
            last_sign_in_at_before: self.timestamp("last_sign_in_at_before")?,
            last_sign_in_at_after: self.timestamp("last_sign_in_at_after")?,
            provider: self.one("provider"),
            provider_user_id: self.list("provider_user_id")?,
        })
    }

    /// The filters, order, page and cursor of `GET /users` (checked further by the caller): the
    /// filters of [`QueryParams::user_list_filter`] plus the first `order_by`, `limit`, `offset`
    /// and `starting_after`.
    pub fn user_list_query(&self) -> ApiResult<UserListQuery> {
        let f = self.user_list_filter()?;
        let ListPage { limit, offset } = self.list_page()?;
        Ok(UserListQuery {
            email_address: f.email_address,
            phone_number: f.phone_number,
            external_id: f.external_id,
            username: f.username,
            web3_wallet: f.web3_wallet,
            user_id: f.user_id,
            organization_id: f.organization_id,
            query: f.query,
            email_address_query: f.email_address_query,
            phone_number_query: f.phone_number_query,
            username_query: f.username_query,
            name_query: f.name_query,
            banned: f.banned,
            last_active_at_before: f.last_active_at_before,
            last_active_at_after: f.last_active_at_after,
            last_active_at_since: f.last_active_at_since,
            created_at_before: f.created_at_before,
            created_at_after: f.created_at_after,
            last_sign_in_at_before: f.last_sign_in_at_before,
            last_sign_in_at_after: f.last_sign_in_at_after,
            provider: f.provider,
            provider_user_id: f.provider_user_id,
            order_by: self.first("order_by"),
            limit,
            offset,
            starting_after: self.one("starting_after"),
        })
    }

    /// The filters, first `order_by` and page of `GET /organizations/{id}/memberships` (checked
    /// further by the caller).
    pub fn membership_list_filter(&self) -> ApiResult<OrganizationMembershipListFilter> {
        let ListPage { limit, offset } = self.list_page()?;
        Ok(OrganizationMembershipListFilter {
            user_id: self.list("user_id")?,
            email_address: self.list("email_address")?,
            phone_number: self.list("phone_number")?,
            username: self.list("username")?,
            web3_wallet: self.list("web3_wallet")?,
            role: self.list("role")?,
            query: self.one("query"),
            email_address_query: self.one("email_address_query"),
            phone_number_query: self.one("phone_number_query"),
            username_query: self.one("username_query"),
            name_query: self.one("name_query"),
            last_active_at_before: self.timestamp("last_active_at_before")?,
            last_active_at_after: self.timestamp("last_active_at_after")?,
            created_at_before: self.timestamp("created_at_before")?,
            created_at_after: self.timestamp("created_at_after")?,
            order_by: self.first("order_by"),
            limit,
            offset,
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

    /// The filters, order and page of `GET /organizations` (checked further by the caller).
    pub fn organization_list_filter(&self) -> ApiResult<OrganizationListFilter> {
        let include_members_count = self.bool("include_members_count")?;
        let include_missing_member_with_elevated_permissions =
            self.bool("include_missing_member_with_elevated_permissions")?;
        let ListPage { limit, offset } = self.list_page()?;
        Ok(OrganizationListFilter {
            include_members_count,
            include_missing_member_with_elevated_permissions,
            query: self.one("query"),
            user_id: self.list("user_id")?,
            organization_id: self.list("organization_id")?,
            order_by: self.first("order_by"),
            limit,
            offset,
        })
    }
}

/// A page with the defaults filled in.
pub fn page(p: ListPage) -> Page {
    Page { limit: p.limit.unwrap_or(DEFAULT_PAGE_LIMIT), offset: p.offset.unwrap_or(0) }
}

/// `order_by` (`+field`/`field` ascending, `-field` descending; a leading space is an unencoded
/// `+`) read against the fields a list can be sorted by, as `(field, descending)`.
pub fn order_by<T: Copy>(value: Option<&str>, allowed: &[(&str, T)]) -> ApiResult<Option<(T, bool)>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let (field, descending) = match value.strip_prefix('-') {
        Some(rest) => (rest, true),
        None => (value.strip_prefix(['+', ' ']).unwrap_or(value), false),
    };
    match allowed.iter().find(|(name, _)| *name == field) {
        Some((_, order)) => Ok(Some((*order, descending))),
        None => Err(not_allowed("order_by", field)),
    }
}

/// A list of ids with Clerk's prefixes: `-id` excludes, `+id` or `id` includes (a leading space is an
/// unencoded `+`). A sign with nothing after it names no id: 422 naming `param`.
pub fn id_filter(param: &str, values: Vec<String>) -> ApiResult<IdFilter> {
    let mut filter = IdFilter::default();
    for value in values {
        let (side, id) = match value.strip_prefix('-') {
            Some(rest) => (&mut filter.exclude, rest),
            None => (&mut filter.include, value.strip_prefix(['+', ' ']).unwrap_or(&value)),
        };
        if id.is_empty() {
            return Err(ApiError::param_value(
                param,
                format!("{value} is not a valid value for {param}: no id follows the sign."),
            ));
        }
        side.push(id.to_owned());
    }
    Ok(filter)
}

/// Strict bounds `after < t < before`; `since` (inclusive, deprecated) tightens `after`.
pub fn time_range(after: Option<i64>, before: Option<i64>, since: Option<i64>) -> TimeRange {
    let since = since.map(|s| s.saturating_sub(1));
    let after = match (after, since) {
        (Some(a), Some(s)) => Some(a.max(s)),
        (a, s) => a.or(s),
    };
    TimeRange { after, before }
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
        let two = || vec!["a".to_owned(), "-b".to_owned()];
        let text = |s: &str| Some(s.to_owned());
        let users = UserListQuery {
            email_address: two(),
            phone_number: two(),
            external_id: two(),
            username: two(),
            web3_wallet: two(),
            user_id: two(),
            organization_id: two(),
            query: text("q"),
            email_address_query: text("e"),
            phone_number_query: text("p"),
            username_query: text("u"),
            name_query: text("n"),
            banned: Some(true),
            last_active_at_before: Some(1),
            last_active_at_after: Some(2),
            last_active_at_since: Some(3),
            created_at_before: Some(4),
            created_at_after: Some(5),
            last_sign_in_at_before: Some(6),
            last_sign_in_at_after: Some(7),
            provider: text("oauth_google"),
            provider_user_id: two(),
            order_by: text("-username"),
            limit: Some(3),
            offset: Some(0),
            starting_after: text("user_1"),
        };
        assert_eq!(as_query(&users).user_list_query().unwrap(), users);
        let count = UserListFilter {
            email_address: two(),
            phone_number: two(),
            external_id: two(),
            username: two(),
            web3_wallet: two(),
            user_id: two(),
            organization_id: two(),
            query: text("q"),
            email_address_query: text("e"),
            phone_number_query: text("p"),
            username_query: text("u"),
            name_query: text("n"),
            banned: Some(false),
            last_active_at_before: Some(1),
            last_active_at_after: Some(2),
            last_active_at_since: Some(3),
            created_at_before: Some(4),
            created_at_after: Some(5),
            last_sign_in_at_before: Some(6),
            last_sign_in_at_after: Some(7),
            provider: text("oauth_github"),
            provider_user_id: two(),
        };
        assert_eq!(as_query(&count).user_list_filter().unwrap(), count);
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
            include_missing_member_with_elevated_permissions: Some(false),
            query: Some("q".into()),
            user_id: two(),
            organization_id: two(),
            order_by: Some("name".into()),
            limit: Some(500),
            offset: Some(0),
        };
        assert_eq!(as_query(&orgs).organization_list_filter().unwrap(), orgs);
        let page = ListPage { limit: Some(1), offset: Some(7) };
        assert_eq!(as_query(&page).list_page().unwrap(), page);
    }

    #[test]
    fn repeatable_filters_take_at_most_100_values() {
        let many: Vec<(String, String)> = (0..=100).map(|i| ("user_id".to_owned(), format!("user_{i}"))).collect();
        let e = QueryParams(many[..100].to_vec()).list("user_id").map(|v| v.len());
        assert_eq!(e, Ok(100));
        let e = QueryParams(many).user_list_filter().unwrap_err();
        assert_eq!((e.code, e.param_name()), ("form_param_array_size_exceeded", Some("user_id")));
    }

    #[test]
    fn timestamps_are_non_negative_integers() {
        assert_eq!(
            q(&[("created_at_after", "1700000000000")]).timestamp("created_at_after"),
            Ok(Some(1_700_000_000_000))
        );
        for (bad, code) in [
            ("soon", "form_param_type_invalid"),
            ("-1", "form_param_value_invalid"),
            ("1.5", "form_param_type_invalid"),
        ] {
            let e = q(&[("created_at_after", bad)]).user_list_filter().unwrap_err();
            assert_eq!((e.code, e.param_name()), (code, Some("created_at_after")), "{bad}");
        }
    }

    #[test]
    fn the_first_order_by_counts() {
        let p = q(&[("order_by", "username"), ("order_by", "-created_at")]);
        assert_eq!(p.user_list_query().unwrap().order_by.as_deref(), Some("username"));
        assert_eq!(p.organization_list_filter().unwrap().order_by.as_deref(), Some("username"));
        // An unencoded `+` arrives as a space.
        assert_eq!(order_by(Some(" name"), &[("name", 2)]).unwrap(), Some((2, false)));
    }

    #[test]
    fn id_prefixes_include_and_exclude() {
        let values = ["user_1", "+user_2", " user_3", "-user_4"].map(str::to_owned).to_vec();
        assert_eq!(
            id_filter("user_id", values).unwrap(),
            IdFilter {
                include: vec!["user_1".into(), "user_2".into(), "user_3".into()],
                exclude: vec!["user_4".into()]
            }
        );
        for bad in ["-", "+"] {
            let e = id_filter("organization_id", vec![bad.to_owned()]).unwrap_err();
            assert_eq!((e.code, e.param_name()), ("form_param_value_invalid", Some("organization_id")));
        }
    }

    #[test]
    fn since_tightens_after() {
        assert_eq!(time_range(None, Some(9), None), TimeRange { after: None, before: Some(9) });
        assert_eq!(time_range(None, None, Some(5)), TimeRange { after: Some(4), before: None });
        assert_eq!(time_range(Some(7), None, Some(5)), TimeRange { after: Some(7), before: None });
        assert_eq!(time_range(Some(2), None, Some(5)), TimeRange { after: Some(4), before: None });
        assert_eq!(time_range(None, None, Some(0)), TimeRange { after: Some(-1), before: None });
    }
}
