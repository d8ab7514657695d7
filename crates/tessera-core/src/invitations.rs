//! Invitations to the instance (Clerk's Invitations): create, bulk create, list, revoke; and their
//! acceptance, which Tessera ties to user creation because it has no sign-up flow: creating a user
//! with an email address that has a pending invitation accepts it, in the transaction that creates
//! the user, and the invitation's `public_metadata` becomes the user's (under the user's own keys).
//!
//! An invitation is `pending` until it is accepted, revoked, or expires (`expires_in_days`, 30 by
//! default; a pending invitation past `expires_at` reads as `expired`, computed at read). At most one
//! invitation per email address is pending, as Clerk enforces. No email is sent: `notify`,
//! `redirect_url` and `template_slug` are accepted (and checked) without effect.

use std::collections::BTreeSet;

use serde_json::{Map, Value};
use tessera_types::{Invitation, InvitationListQuery, InvitationStatus, ListPage, Paginated, User, object};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields};
use crate::ids;
use crate::metadata::check_size;
use crate::passwords::NewPassword;
use crate::query::{MAX_PAGE_LIMIT, QueryParams, order_by, page};
use crate::service::Tessera;
use crate::sessions::Listing;
use crate::store::{
    InvitationFilter, InvitationOrder, InvitationRecord, Page, PasswordRecord, StoreError, UserFilter, effective_status,
};

/// Most invitations one bulk request may create (Clerk's limit).
pub const MAX_BULK_INVITATIONS: usize = 10;
/// How long an invitation is valid when `expires_in_days` is not given.
pub const DEFAULT_EXPIRES_IN_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;

/// Days an invitation is valid for.
pub(crate) const EXPIRES_IN_DAYS: Field = Field::int("expires_in_days", 1, 365);
/// Email templates Clerk offers for invitations.
pub const TEMPLATE_SLUGS: &[&str] = &["invitation", "waitlist_invitation"];

/// `POST /invitations`, and each item of `POST /invitations/bulk`.
pub const CREATE_INVITATION: Body = Body {
    schema: "CreateInvitationRequestBody",
    groups: &[&[
        Field::string("email_address").required(),
        Field::object("public_metadata"),
        Field::string("redirect_url"),
        Field::bool("notify"),
        Field::bool("ignore_existing"),
        EXPIRES_IN_DAYS,
        Field::string("template_slug"),
    ]],
};

/// The fields invitation lists can be sorted by.
const INVITATION_ORDERS: &[(&str, InvitationOrder)] = &[
    ("created_at", InvitationOrder::CreatedAt),
    ("email_address", InvitationOrder::EmailAddress),
    ("expires_at", InvitationOrder::ExpiresAt),
];

/// The statuses `GET /invitations` lists when none is asked for: every one but `revoked` (Clerk:
/// "Returns all non-revoked invitations").
const DEFAULT_LIST_STATUSES: [InvitationStatus; 3] =
    [InvitationStatus::Pending, InvitationStatus::Accepted, InvitationStatus::Expired];

/// A trimmed, lowercased, valid email address, or `form_param_format_invalid` naming `email_address`.
pub(crate) fn normalize_email(raw: &str) -> ApiResult<String> {
    let e = raw.trim().to_lowercase();
    if !crate::contacts::valid_email(&e) {
        return Err(ApiError::param_format("email_address", format!("{e} must be a valid email address.")));
    }
    Ok(e)
}

/// `expires_at` for an invitation created at `now` that is valid for `days`.
pub(crate) fn expiry(now: i64, days: Option<i64>) -> i64 {
    now.saturating_add(days.unwrap_or(DEFAULT_EXPIRES_IN_DAYS).saturating_mul(DAY_MS))
}

/// Every `status` given (repeated keys, or one value), each one of Clerk's four, without repeats.
pub(crate) fn statuses(q: &QueryParams) -> ApiResult<Vec<InvitationStatus>> {
    let mut out = Vec::new();
    for s in q.list("status")? {
        let status = InvitationStatus::parse(&s).ok_or_else(|| {
            ApiError::param_value(
                "status",
                format!("{s} does not match one of the allowed values for parameter status"),
            )
        })?;
        if !out.contains(&status) {
            out.push(status);
        }
    }
    Ok(out)
}

/// 1 to [`MAX_BULK_INVITATIONS`] items.
pub(crate) fn check_bulk_size(n: usize) -> ApiResult<()> {
    if n == 0 {
        return Err(ApiError::body_invalid("The request body must be an array of at least one invitation."));
    }
    if n > MAX_BULK_INVITATIONS {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            "bulk_size_exceeded",
            "bulk size exceeded",
            format!("Parameters exceed the maximum allowed bulk processing size of {MAX_BULK_INVITATIONS}."),
        ));
    }
    Ok(())
}

/// An error about item `i` of a bulk request: its long message says which.
pub(crate) fn at_item(mut e: ApiError, i: usize) -> ApiError {
    e.long_message = format!("invitation {i}: {}", e.long_message);
    e.with_meta("index", i)
}

pub(crate) fn invitation_not_found(id: &str) -> ApiError {
    ApiError::not_found("not found", format!("No invitation was found with id {id}."))
}

/// Clerk's `DuplicateInvitations`: 400 `duplicate_record`, listing the addresses.
fn duplicate_invitations(emails: &[String]) -> ApiError {
    ApiError::new(
        ErrorKind::BadRequest,
        "duplicate_record",
        "duplicate invitations",
        format!("There are already pending invitations for the following email addresses: {}", emails.join(", ")),
    )
    .with_meta("email_addresses", emails.to_vec())
    .with_param("email_address")
}

fn revocable(status: InvitationStatus) -> ApiResult<()> {
    match status {
        InvitationStatus::Revoked => Err(ApiError::new(
            ErrorKind::BadRequest,
            "invitation_already_revoked",
            "Invitation is already revoked.",
            "Invitation is already revoked.",
        )),
        InvitationStatus::Accepted => Err(ApiError::new(
            ErrorKind::BadRequest,
            "invitation_already_accepted",
            "Invitation is already accepted, try signing in instead.",
            "Invitation is already accepted, try signing in instead.",
        )),
        InvitationStatus::Pending | InvitationStatus::Expired => Ok(()),
    }
}

/// The wire `Invitation` at `now`.
pub fn invitation_object(r: &InvitationRecord, now: i64) -> Invitation {
    let status = effective_status(r.status, r.expires_at, now);
    Invitation {
        object: object::INVITATION.to_owned(),
        id: r.id.clone(),
        email_address: r.email_address.clone(),
        public_metadata: r.public_metadata.clone(),
        revoked: status == InvitationStatus::Revoked,
        status,
        url: None,
        expires_at: Some(r.expires_at),
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// Reads one invitation body: the record to create and its `ignore_existing`.
fn read_invitation(mut f: Fields, id: Option<String>, now: i64) -> ApiResult<(InvitationRecord, bool)> {
    let email = f.required_string("email_address")?;
    let public_metadata = f.opt_object("public_metadata")?.unwrap_or_default();
    f.opt_string("redirect_url")?;
    f.opt_bool("notify")?;
    let ignore_existing = f.opt_bool("ignore_existing")?.unwrap_or(false);
    let days = f.int(&EXPIRES_IN_DAYS)?;
    let template_slug = f.opt_string("template_slug")?;
    f.finish()?;
    if let Some(slug) = template_slug
        && !TEMPLATE_SLUGS.contains(&slug.as_str())
    {
        return Err(ApiError::param_value(
            "template_slug",
            format!("{slug} does not match one of the allowed values for parameter template_slug"),
        ));
    }
    let email_address = normalize_email(&email)?;
    check_size("public_metadata", &public_metadata)?;
    let record = InvitationRecord {
        id: id.unwrap_or_else(|| ids::new_id(ids::INVITATION, now)),
        email_address,
        public_metadata,
        status: InvitationStatus::Pending,
        expires_at: expiry(now, days),
        created_at: now,
        updated_at: now,
    };
    Ok((record, ignore_existing))
}

/// The filters of `GET /invitations` (checked further by the caller).
pub(crate) fn invitation_list_query(q: &QueryParams) -> ApiResult<InvitationListQuery> {
    let ListPage { limit, offset } = q.list_page()?;
    Ok(InvitationListQuery {
        status: statuses(q)?,
        query: q.one("query"),
        order_by: q.first("order_by"),
        paginated: q.bool("paginated")?,
        limit,
        offset,
    })
}

impl Tessera {
    /// `POST /invitations`.
    pub async fn create_invitation(&self, f: Fields) -> ApiResult<Invitation> {
        self.create_invitation_as(None, f).await
    }

    /// Creates an invitation with a given id (seed files) or a new one.
    pub(crate) async fn create_invitation_as(&self, id: Option<String>, f: Fields) -> ApiResult<Invitation> {
        let now = self.now_ms();
        let item = read_invitation(f, id, now)?;
        let mut created = self.insert_new_invitations(vec![item], true, now).await?;
        created.pop().ok_or_else(|| ApiError::internal_logged("invitations", "an insert answered no invitation"))
    }

    /// `POST /invitations/bulk`: 1 to 10 invitations, all created or none. Unlike a single one, an
    /// address that a user already has is refused even with `ignore_existing` (Clerk: "this rule
    /// cannot be bypassed").
    pub async fn create_invitations_bulk(&self, items: Vec<Fields>) -> ApiResult<Vec<Invitation>> {
        check_bulk_size(items.len())?;
        let now = self.now_ms();
        let mut parsed = Vec::with_capacity(items.len());
        for (i, f) in items.into_iter().enumerate() {
            parsed.push(read_invitation(f, None, now).map_err(|e| at_item(e, i))?);
        }
        self.insert_new_invitations(parsed, false, now).await
    }

    /// Whether a user has this (lowercase) email address.
    pub(crate) async fn email_taken(&self, email: &str) -> ApiResult<bool> {
        let filter = UserFilter { email_address: vec![email.to_owned()], ..Default::default() };
        Ok(self.store.count_users(&filter).await? > 0)
    }

    async fn insert_new_invitations(
        &self,
        items: Vec<(InvitationRecord, bool)>,
        ignore_may_skip_users: bool,
        now: i64,
    ) -> ApiResult<Vec<Invitation>> {
        let mut seen = BTreeSet::new();
        let repeated: Vec<String> =
            items.iter().map(|(r, _)| &r.email_address).filter(|e| !seen.insert(*e)).cloned().collect();
        if !repeated.is_empty() {
            return Err(duplicate_invitations(&repeated));
        }
        for (i, (r, ignore)) in items.iter().enumerate() {
            if ignore_may_skip_users && *ignore {
                continue;
            }
            if self.email_taken(&r.email_address).await? {
                let e = ApiError::identifier_exists(
                    "email_address",
                    format!("A user with the email address {} already exists.", r.email_address),
                );
                return Err(if items.len() > 1 { at_item(e, i) } else { e });
            }
        }
        let checked: Vec<String> =
            items.iter().filter(|(_, ignore)| !ignore).map(|(r, _)| r.email_address.clone()).collect();
        if !checked.is_empty() {
            let filter = InvitationFilter {
                email_address: checked,
                status: vec![InvitationStatus::Pending],
                now,
                ..Default::default()
            };
            let (pending, _) = self.store.list_invitations(&filter, Page { limit: MAX_PAGE_LIMIT, offset: 0 }).await?;
            if !pending.is_empty() {
                let emails: Vec<String> = pending.into_iter().map(|r| r.email_address).collect();
                return Err(duplicate_invitations(&emails));
            }
        }
        match self.store.insert_invitations(&items, now).await {
            Ok(()) => {}
            // Another request invited one of these addresses meanwhile.
            Err(StoreError::Conflict(f)) if f == "email_address" => {
                let emails: Vec<String> = items.iter().map(|(r, _)| r.email_address.clone()).collect();
                return Err(duplicate_invitations(&emails));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(items.iter().map(|(r, _)| invitation_object(r, now)).collect())
    }

    /// `GET /invitations`: newest first unless `order_by` says otherwise; without `status`, every
    /// invitation but the revoked ones. A bare array, or `{data, total_count}` with `paginated=true`.
    pub async fn list_invitations(&self, q: &QueryParams) -> ApiResult<Listing<Invitation>> {
        let f = invitation_list_query(q)?;
        let now = self.now_ms();
        let filter = InvitationFilter {
            status: if f.status.is_empty() { DEFAULT_LIST_STATUSES.to_vec() } else { f.status },
            query: f.query,
            order_by: order_by(f.order_by.as_deref(), INVITATION_ORDERS)?,
            now,
            ..Default::default()
        };
        let (rows, total_count) =
            self.store.list_invitations(&filter, page(ListPage { limit: f.limit, offset: f.offset })).await?;
        let data: Vec<Invitation> = rows.iter().map(|r| invitation_object(r, now)).collect();
        Ok(if f.paginated == Some(true) { Listing::Page(Paginated { data, total_count }) } else { Listing::Bare(data) })
    }

    /// `POST /invitations/{invitation_id}/revoke`: a pending (or expired) invitation becomes `revoked`.
    pub async fn revoke_invitation(&self, id: &str) -> ApiResult<Invitation> {
        let now = self.now_ms();
        let r = self.store.get_invitation(id).await?.ok_or_else(|| invitation_not_found(id))?;
        revocable(effective_status(r.status, r.expires_at, now))?;
        let r = self.store.revoke_invitation(id, now).await?.ok_or_else(|| invitation_not_found(id))?;
        if r.status != InvitationStatus::Revoked {
            // Accepted meanwhile.
            revocable(r.status)?;
        }
        Ok(invitation_object(&r, now))
    }

    /// Stores a new user (with their password, when given) and accepts the pending invitations of their
    /// email addresses in the same transaction: the user's `public_metadata` is the invitations' (oldest
    /// first), overlaid with the user's own keys.
    pub(crate) async fn insert_user_accepting_invitations(
        &self,
        mut user: User,
        password: Option<NewPassword>,
    ) -> ApiResult<User> {
        let emails: Vec<String> = user.email_addresses.iter().map(|e| e.email_address.to_lowercase()).collect();
        let password = match password {
            Some(new) => Some(self.password_record(&user.id, new, user.created_at).await?),
            None => None,
        };
        if emails.is_empty() {
            self.insert_user_with(&user, password.as_ref()).await?;
            return Ok(user);
        }
        let own: Map<String, Value> = user.public_metadata.clone();
        // A retry only when an invitation changed between reading and writing.
        for _ in 0..3 {
            let now = self.now_ms();
            let filter = InvitationFilter {
                email_address: emails.clone(),
                status: vec![InvitationStatus::Pending],
                order_by: Some((InvitationOrder::CreatedAt, false)),
                now,
                ..Default::default()
            };
            let (pending, _) = self.store.list_invitations(&filter, Page { limit: MAX_PAGE_LIMIT, offset: 0 }).await?;
            if pending.is_empty() {
                self.insert_user_with(&user, password.as_ref()).await?;
                return Ok(user);
            }
            let mut metadata = Map::new();
            for inv in &pending {
                metadata.extend(inv.public_metadata.clone());
            }
            metadata.extend(own.clone());
            check_size("public_metadata", &metadata)?;
            user.public_metadata = metadata;
            let ids: Vec<String> = pending.iter().map(|i| i.id.clone()).collect();
            if self.store.insert_user_accepting_invitations(&user, password.as_ref(), &ids, now).await? {
                return Ok(user);
            }
        }
        Err(ApiError::new(
            ErrorKind::Conflict,
            "conflict",
            "conflict",
            "The invitations of this email address changed while the user was created; try again.",
        ))
    }

    /// Inserts the user, with their password when there is one (atomically).
    async fn insert_user_with(&self, user: &User, password: Option<&PasswordRecord>) -> ApiResult<()> {
        match password {
            None => self.store.insert_user(user).await?,
            Some(p) => self.store.insert_user_with_password(user, p).await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> QueryParams {
        QueryParams(pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect())
    }

    #[test]
    fn statuses_are_repeatable_and_checked() {
        let p = q(&[("status", "pending"), ("status", "expired"), ("status", "pending")]);
        assert_eq!(statuses(&p).unwrap(), [InvitationStatus::Pending, InvitationStatus::Expired]);
        let e = statuses(&q(&[("status", "bogus")])).unwrap_err();
        assert_eq!((e.code, e.param_name()), ("form_param_value_invalid", Some("status")));
    }

    #[test]
    fn the_list_query_round_trips() {
        let want = InvitationListQuery {
            status: vec![InvitationStatus::Accepted, InvitationStatus::Revoked],
            query: Some("ada".into()),
            order_by: Some("-expires_at".into()),
            paginated: Some(true),
            limit: Some(5),
            offset: Some(1),
        };
        let serde_json::Value::Object(map) = serde_json::to_value(&want).unwrap() else { panic!("an object") };
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
        assert_eq!(invitation_list_query(&QueryParams(pairs)).unwrap(), want);
    }

    #[test]
    fn invitations_expire_at_read() {
        let r = InvitationRecord {
            id: "inv_1".into(),
            email_address: "a@example.com".into(),
            public_metadata: Map::new(),
            status: InvitationStatus::Pending,
            expires_at: expiry(1_000, Some(1)),
            created_at: 1_000,
            updated_at: 1_000,
        };
        assert_eq!(r.expires_at, 1_000 + DAY_MS);
        assert_eq!(invitation_object(&r, r.expires_at - 1).status, InvitationStatus::Pending);
        let expired = invitation_object(&r, r.expires_at);
        assert_eq!((expired.status, expired.revoked), (InvitationStatus::Expired, false));
    }

    #[test]
    fn bulk_sizes() {
        assert_eq!(check_bulk_size(0).unwrap_err().code, "request_body_invalid");
        assert!(check_bulk_size(10).is_ok());
        assert_eq!(check_bulk_size(11).unwrap_err().code, "bulk_size_exceeded");
    }
}
