//! Users: create, read, update, metadata, ban, delete, list.

use serde_json::{Map, Value};
use tessera_types::{DeletedObject, ListPage, User, UserListFilter, UserListQuery, object};

use crate::contacts::{EMAIL_STATUS, NewContacts, PHONE_STATUS, make_primary};
use crate::error::{ApiError, ApiResult};
use crate::fields::{Body, Field, Fields, Kind, MAX_NAME_CHARS};
use crate::ids;
use crate::metadata::{check_size, deep_merge};
use crate::query::{QueryParams, id_filter, order_by, page, time_range};
use crate::service::Tessera;
use crate::store::{ContactKind, UserFilter, UserOrder};

// ---- the create and update bodies ----------------------------------------------------------------

pub const FIRST_NAME: Field = Field::string_of("first_name", 0, MAX_NAME_CHARS);
pub const LAST_NAME: Field = Field::string_of("last_name", 0, MAX_NAME_CHARS);
/// 4 to 64 letters, digits, `_`, `-` or `.` (checked by `check_username`).
pub const USERNAME: Field = Field::string_of("username", 4, 64);
/// An external id on create; on update an empty one clears it.
const CREATE_EXTERNAL_ID: Field = Field::string_of("external_id", 1, MAX_NAME_CHARS);
const EXTERNAL_ID: Field = Field::string_of("external_id", 0, MAX_NAME_CHARS);
pub const PASSWORD: Field =
    Field { name: "password", kind: Kind::String { min_chars: 8, max_chars: None }, required: false };
const CREATE_ORGANIZATIONS_LIMIT: Field = Field::int("create_organizations_limit", 0, i32::MAX as i64);

/// Keys both bodies read the same way.
const COMMON: &[Field] = &[
    FIRST_NAME,
    LAST_NAME,
    USERNAME,
    Field::string("locale"),
    Field::object("public_metadata"),
    Field::object("private_metadata"),
    Field::object("unsafe_metadata"),
    PASSWORD,
    Field::bool("delete_self_enabled"),
    Field::bool("create_organization_enabled"),
    CREATE_ORGANIZATIONS_LIMIT,
];

/// Keys of the create/update bodies that Tessera accepts but has no behaviour for (sign-in flows are
/// out of scope), so that Clerk SDK calls that send them keep working.
const ACCEPTED_WITHOUT_EFFECT: &[Field] = &[
    Field::without_effect("skip_password_checks"),
    Field::without_effect("skip_password_requirement"),
    Field::without_effect("skip_legal_checks"),
    Field::without_effect("password_hasher"),
    Field::without_effect("totp_secret"),
    Field::without_effect("backup_codes"),
    Field::without_effect("web3_wallet"),
    Field::without_effect("notify_primary_email_address_changed"),
    Field::without_effect("sign_out_of_other_sessions"),
    Field::without_effect("bypass_client_trust"),
    Field::without_effect("created_at"),
    Field::without_effect("legal_accepted_at"),
];

/// `POST /users`.
pub const CREATE_USER: Body = Body {
    schema: "CreateUserRequestBody",
    groups: &[
        &[
            Field::string_list("email_address"),
            Field::string_list("phone_number"),
            CREATE_EXTERNAL_ID,
            Field::string("password_digest"),
        ],
        &[EMAIL_STATUS, PHONE_STATUS, Field::bool("locked"), Field::bool("banned")],
        COMMON,
        ACCEPTED_WITHOUT_EFFECT,
    ],
};

/// `PATCH /users/{user_id}`.
pub const UPDATE_USER: Body = Body {
    schema: "UpdateUserRequestBody",
    groups: &[
        &[
            EXTERNAL_ID,
            Field::string("primary_email_address_id"),
            Field::string("primary_phone_number_id"),
            Field::without_effect("password_digest"),
        ],
        COMMON,
        ACCEPTED_WITHOUT_EFFECT,
    ],
};

/// `PATCH` and `PUT /users/{user_id}/metadata`.
pub const USER_METADATA: Body = Body {
    schema: "UpdateMetadataRequestBody",
    groups: &[&[Field::object("public_metadata"), Field::object("private_metadata"), Field::object("unsafe_metadata")]],
};

/// The fields users can be sorted by.
const USER_ORDERS: &[(&str, UserOrder)] = &[
    ("created_at", UserOrder::CreatedAt),
    ("updated_at", UserOrder::UpdatedAt),
    ("first_name", UserOrder::FirstName),
    ("last_name", UserOrder::LastName),
    ("username", UserOrder::Username),
    ("email_address", UserOrder::EmailAddress),
    ("phone_number", UserOrder::PhoneNumber),
    ("web3wallet", UserOrder::Web3Wallet),
    ("last_sign_in_at", UserOrder::LastSignInAt),
    ("last_active_at", UserOrder::LastActiveAt),
];

fn check_username(u: &str) -> ApiResult<()> {
    let n = u.chars().count();
    if !(USERNAME.min_chars()..=USERNAME.max_chars()).contains(&n) {
        return Err(ApiError::new(
            crate::error::ErrorKind::Unprocessable,
            "form_username_invalid_length",
            "is invalid",
            "Username must be between 4 and 64 characters long.",
        )
        .with_param("username"));
    }
    if !u.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.') {
        return Err(ApiError::new(
            crate::error::ErrorKind::Unprocessable,
            "form_username_invalid_character",
            "is invalid",
            "Username can only contain letters, numbers, '_', '-' and '.'.",
        )
        .with_param("username"));
    }
    Ok(())
}

/// The default avatar every user without an image gets (Clerk always sets `image_url`).
pub(crate) const DEFAULT_IMAGE_URL: &str = "https://img.clerk.com/default-avatar.png";

fn take_metadata(f: &mut Fields, key: &str) -> ApiResult<Option<Map<String, Value>>> {
    let m = f.opt_object(key)?;
    if let Some(m) = &m {
        check_size(key, m)?;
    }
    Ok(m)
}

fn take_name(f: &mut Fields, field: &Field) -> ApiResult<Option<Option<String>>> {
    let v = f.nullable_string(field.name)?;
    if let Some(Some(s)) = &v {
        field.check_len(s)?;
    }
    Ok(v)
}

impl Tessera {
    pub async fn create_user(&self, f: Fields) -> ApiResult<User> {
        self.create_user_as(None, f).await
    }

    /// Creates a user with a given id (seed files) or a new one.
    pub(crate) async fn create_user_as(&self, id: Option<String>, mut f: Fields) -> ApiResult<User> {
        let now = self.now_ms();
        let contacts = NewContacts::take(&mut f)?;
        let username = f.opt_string("username")?;
        let external_id = f.opt_string("external_id")?;
        let first_name = take_name(&mut f, &FIRST_NAME)?.flatten();
        let last_name = take_name(&mut f, &LAST_NAME)?.flatten();
        let locale = f.opt_string("locale")?;
        let public_metadata = take_metadata(&mut f, "public_metadata")?.unwrap_or_default();
        let private_metadata = take_metadata(&mut f, "private_metadata")?.unwrap_or_default();
        let unsafe_metadata = take_metadata(&mut f, "unsafe_metadata")?.unwrap_or_default();
        let password = f.opt_string("password")?;
        let password_digest = f.opt_string("password_digest")?;
        let delete_self_enabled = f.opt_bool("delete_self_enabled")?;
        let create_organization_enabled = f.opt_bool("create_organization_enabled")?;
        let create_organizations_limit = f.int(&CREATE_ORGANIZATIONS_LIMIT)?;
        let locked = f.opt_bool("locked")?.unwrap_or(false);
        let banned = f.opt_bool("banned")?.unwrap_or(false);
        f.skip_without_effect(&CREATE_USER);
        f.finish()?;

        let (email_objs, phone_objs) = contacts.build(now)?;
        if let Some(u) = &username {
            check_username(u)?;
        }
        if let Some(x) = &external_id {
            CREATE_EXTERNAL_ID.check_len(x)?;
            if x.chars().count() < CREATE_EXTERNAL_ID.min_chars() {
                return Err(ApiError::param_value("external_id", "external_id must not be empty."));
            }
        }
        if let Some(p) = &password
            && p.chars().count() < PASSWORD.min_chars()
        {
            return Err(ApiError::new(
                crate::error::ErrorKind::Unprocessable,
                "form_password_length_too_short",
                "Passwords must be 8 characters or more.",
                "Passwords must be 8 characters or more.",
            )
            .with_param("password"));
        }

        let user = User {
            object: object::USER.to_owned(),
            id: id.unwrap_or_else(|| ids::new_id(ids::USER, now)),
            external_id,
            primary_email_address_id: email_objs.first().map(|e| e.id.clone()),
            primary_phone_number_id: phone_objs.first().map(|p| p.id.clone()),
            primary_web3_wallet_id: None,
            username: username.map(|u| u.to_lowercase()),
            first_name,
            last_name,
            locale,
            profile_image_url: DEFAULT_IMAGE_URL.to_owned(),
            image_url: DEFAULT_IMAGE_URL.to_owned(),
            has_image: false,
            public_metadata,
            private_metadata: Some(private_metadata),
            unsafe_metadata,
            email_addresses: email_objs,
            phone_numbers: phone_objs,
            web3_wallets: vec![],
            passkeys: vec![],
            password_enabled: password.is_some() || password_digest.is_some(),
            two_factor_enabled: false,
            totp_enabled: false,
            backup_code_enabled: false,
            mfa_enabled_at: None,
            mfa_disabled_at: None,
            password_last_updated_at: (password.is_some() || password_digest.is_some()).then_some(now),
            external_accounts: vec![],
            saml_accounts: vec![],
            enterprise_accounts: vec![],
            organization_memberships: vec![],
            last_sign_in_at: None,
            banned,
            locked,
            deprovisioned: false,
            lockout_expires_in_seconds: None,
            verification_attempts_remaining: Some(100),
            created_at: now,
            updated_at: now,
            delete_self_enabled: delete_self_enabled.unwrap_or(true),
            create_organization_enabled: create_organization_enabled.unwrap_or(true),
            create_organizations_limit,
            last_active_at: None,
            legal_accepted_at: None,
            bypass_client_trust: false,
        };
        self.store.insert_user(&user).await?;
        Ok(user)
    }

    pub async fn get_user(&self, id: &str) -> ApiResult<User> {
        self.store.get_user(id).await?.ok_or_else(|| ApiError::user_not_found(id))
    }

    pub async fn update_user(&self, id: &str, mut f: Fields) -> ApiResult<User> {
        let mut user = self.get_user(id).await?;
        if let Some(v) = take_name(&mut f, &FIRST_NAME)? {
            user.first_name = v;
        }
        if let Some(v) = take_name(&mut f, &LAST_NAME)? {
            user.last_name = v;
        }
        if let Some(v) = f.nullable_string("username")? {
            if let Some(u) = &v {
                check_username(u)?;
            }
            user.username = v.map(|u| u.to_lowercase());
        }
        if let Some(v) = f.nullable_string("external_id")? {
            if let Some(x) = &v {
                EXTERNAL_ID.check_len(x)?;
            }
            user.external_id = v.filter(|x| !x.is_empty());
        }
        if let Some(v) = f.nullable_string("locale")? {
            user.locale = v;
        }
        if let Some(pid) = f.opt_string("primary_email_address_id")? {
            make_primary(&mut user, ContactKind::EmailAddress, &pid, "primary_email_address_id")?;
        }
        if let Some(pid) = f.opt_string("primary_phone_number_id")? {
            make_primary(&mut user, ContactKind::PhoneNumber, &pid, "primary_phone_number_id")?;
        }
        // Up to API version 2025-11-10, metadata on PATCH /users/{id} replaces the field.
        if let Some(m) = take_metadata(&mut f, "public_metadata")? {
            user.public_metadata = m;
        }
        if let Some(m) = take_metadata(&mut f, "private_metadata")? {
            user.private_metadata = Some(m);
        }
        if let Some(m) = take_metadata(&mut f, "unsafe_metadata")? {
            user.unsafe_metadata = m;
        }
        if let Some(p) = f.opt_string("password")? {
            if p.chars().count() < PASSWORD.min_chars() {
                return Err(ApiError::param_value("password", "Passwords must be 8 characters or more."));
            }
            user.password_enabled = true;
            user.password_last_updated_at = Some(self.now_ms());
        }
        if let Some(b) = f.opt_bool("delete_self_enabled")? {
            user.delete_self_enabled = b;
        }
        if let Some(b) = f.opt_bool("create_organization_enabled")? {
            user.create_organization_enabled = b;
        }
        if let Some(n) = f.int(&CREATE_ORGANIZATIONS_LIMIT)? {
            user.create_organizations_limit = Some(n);
        }
        f.skip_without_effect(&UPDATE_USER);
        f.finish()?;
        user.updated_at = self.now_ms().max(user.updated_at);
        if !self.store.update_user(&user).await? {
            return Err(ApiError::user_not_found(id));
        }
        Ok(user)
    }

    /// `PATCH /users/{id}/metadata`: deep merge, `null` deletes.
    pub async fn merge_user_metadata(&self, id: &str, mut f: Fields) -> ApiResult<User> {
        let public = f.opt_object("public_metadata")?;
        let private = f.opt_object("private_metadata")?;
        let unsafe_ = f.opt_object("unsafe_metadata")?;
        f.finish()?;
        let mut user = self.get_user(id).await?;
        if let Some(p) = public {
            deep_merge(&mut user.public_metadata, p);
            check_size("public_metadata", &user.public_metadata)?;
        }
        if let Some(p) = private {
            let target = user.private_metadata.get_or_insert_with(Map::new);
            deep_merge(target, p);
            check_size("private_metadata", target)?;
        }
        if let Some(p) = unsafe_ {
            deep_merge(&mut user.unsafe_metadata, p);
            check_size("unsafe_metadata", &user.unsafe_metadata)?;
        }
        user.updated_at = self.now_ms().max(user.updated_at);
        if !self.store.update_user(&user).await? {
            return Err(ApiError::user_not_found(id));
        }
        Ok(user)
    }

    /// `PUT /users/{id}/metadata`: replaces each given field whole.
    pub async fn replace_user_metadata(&self, id: &str, mut f: Fields) -> ApiResult<User> {
        let public = take_metadata(&mut f, "public_metadata")?;
        let private = take_metadata(&mut f, "private_metadata")?;
        let unsafe_ = take_metadata(&mut f, "unsafe_metadata")?;
        f.finish()?;
        let mut user = self.get_user(id).await?;
        if let Some(p) = public {
            user.public_metadata = p;
        }
        if let Some(p) = private {
            user.private_metadata = Some(p);
        }
        if let Some(p) = unsafe_ {
            user.unsafe_metadata = p;
        }
        user.updated_at = self.now_ms().max(user.updated_at);
        if !self.store.update_user(&user).await? {
            return Err(ApiError::user_not_found(id));
        }
        Ok(user)
    }

    /// Bans the user and revokes every live session of theirs, atomically.
    pub async fn ban_user(&self, id: &str) -> ApiResult<User> {
        let mut user = self.get_user(id).await?;
        let now = self.now_ms();
        user.banned = true;
        user.updated_at = now.max(user.updated_at);
        if !self.store.ban_user(&user, now).await? {
            return Err(ApiError::user_not_found(id));
        }
        Ok(user)
    }

    pub async fn unban_user(&self, id: &str) -> ApiResult<User> {
        let mut user = self.get_user(id).await?;
        user.banned = false;
        user.updated_at = self.now_ms().max(user.updated_at);
        if !self.store.update_user(&user).await? {
            return Err(ApiError::user_not_found(id));
        }
        Ok(user)
    }

    pub async fn delete_user(&self, id: &str) -> ApiResult<DeletedObject> {
        if !self.store.delete_user(id, self.now_ms()).await? {
            return Err(ApiError::user_not_found(id));
        }
        Ok(DeletedObject { object: object::USER.to_owned(), id: Some(id.to_owned()), slug: None, deleted: true })
    }

    pub async fn list_users(&self, q: &QueryParams) -> ApiResult<Vec<User>> {
        let lq = q.user_list_query()?;
        let (filters, list) = split_user_list_query(lq);
        let mut filter = user_filter(filters)?;
        filter.order_by = order_by(list.order_by.as_deref(), USER_ORDERS)?;
        if let Some(cursor) = list.starting_after {
            // A cursor walks the one order in which each user has a fixed, unique place.
            if matches!(filter.order_by, Some((field, _)) if field != UserOrder::CreatedAt) {
                let value = list.order_by.as_deref().unwrap_or_default();
                return Err(ApiError::param_value_disallowed_with("order_by", value, "`starting_after` is present"));
            }
            if list.offset.is_some_and(|o| o > 0) {
                return Err(ApiError::param_disallowed_with("offset", "starting_after"));
            }
            if self.store.get_user(&cursor).await?.is_none() {
                return Err(ApiError::param_value(
                    "starting_after",
                    format!("No user was found with id {cursor}: the cursor must be the id of a listed user."),
                ));
            }
            filter.starting_after = Some(cursor);
        }
        let page = page(ListPage { limit: list.limit, offset: list.offset });
        Ok(self.store.list_users(&filter, page).await?)
    }

    pub async fn count_users(&self, q: &QueryParams) -> ApiResult<i64> {
        let filter = user_filter(q.user_list_filter()?)?;
        Ok(self.store.count_users(&filter).await?)
    }
}

/// What `GET /users` reads beyond the filters it shares with `GET /users/count`.
struct UserListExtras {
    order_by: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
    starting_after: Option<String>,
}

/// Splits a [`UserListQuery`] into the shared filters and the rest (every field named, so a new
/// filter cannot be left behind).
fn split_user_list_query(q: UserListQuery) -> (UserListFilter, UserListExtras) {
    let filters = UserListFilter {
        email_address: q.email_address,
        phone_number: q.phone_number,
        external_id: q.external_id,
        username: q.username,
        web3_wallet: q.web3_wallet,
        user_id: q.user_id,
        organization_id: q.organization_id,
        query: q.query,
        email_address_query: q.email_address_query,
        phone_number_query: q.phone_number_query,
        username_query: q.username_query,
        name_query: q.name_query,
        banned: q.banned,
        last_active_at_before: q.last_active_at_before,
        last_active_at_after: q.last_active_at_after,
        last_active_at_since: q.last_active_at_since,
        created_at_before: q.created_at_before,
        created_at_after: q.created_at_after,
        last_sign_in_at_before: q.last_sign_in_at_before,
        last_sign_in_at_after: q.last_sign_in_at_after,
        provider: q.provider,
        provider_user_id: q.provider_user_id,
    };
    let extras =
        UserListExtras { order_by: q.order_by, limit: q.limit, offset: q.offset, starting_after: q.starting_after };
    (filters, extras)
}

/// The store filter for the user filters as given (no order, no cursor): `+`/`-` id prefixes read,
/// `provider` and `provider_user_id` required together, the deprecated `last_active_at_since`
/// folded into the lower bound.
pub(crate) fn user_filter(f: UserListFilter) -> ApiResult<UserFilter> {
    match (&f.provider, f.provider_user_id.is_empty()) {
        (Some(_), true) => return Err(ApiError::param_missing_with("provider_user_id", "provider")),
        (None, false) => return Err(ApiError::param_missing_with("provider", "provider_user_id")),
        _ => {}
    }
    Ok(UserFilter {
        email_address: f.email_address,
        phone_number: f.phone_number,
        username: f.username,
        web3_wallet: f.web3_wallet,
        external_id: id_filter("external_id", f.external_id)?,
        user_id: id_filter("user_id", f.user_id)?,
        organization_id: id_filter("organization_id", f.organization_id)?,
        provider: f.provider,
        provider_user_id: f.provider_user_id,
        query: f.query,
        email_address_query: f.email_address_query,
        phone_number_query: f.phone_number_query,
        username_query: f.username_query,
        name_query: f.name_query,
        banned: f.banned,
        created_at: time_range(f.created_at_after, f.created_at_before, None),
        last_active_at: time_range(f.last_active_at_after, f.last_active_at_before, f.last_active_at_since),
        last_sign_in_at: time_range(f.last_sign_in_at_after, f.last_sign_in_at_before, None),
        starting_after: None,
        order_by: None,
    })
}
