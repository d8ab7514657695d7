//! Email addresses and phone numbers (Clerk's Email Addresses and Phone Numbers tags): create, read,
//! update, delete, and the addresses of `POST /users`. An address lives in its user's document, so
//! every change is an edit of that user made in one transaction ([`ContactStore::edit_user`]): the
//! address, the user's primary ids, the second-factor flags and the unique identifiers are written
//! together or not at all.
//!
//! The rules, pure functions over a [`User`] (docs/api.md, "Email addresses and phone numbers"):
//! - addresses are lowercased, phone numbers are E.164 with spaces, `-`, `(` and `)` dropped; each
//!   is unique across the instance, whatever its verification;
//! - an address is verified (`verification_admin`) or not (`verification: null`; `reserved: true`
//!   for one created `reserved` by `POST /users`);
//! - the user's first address of a kind becomes primary, verified or not; `primary: true` makes an
//!   address primary, verified or not (Clerk documents no refusal on these endpoints), while
//!   `PATCH /users` takes only a verified one, as Clerk documents (422 `form_verification_needed`);
//!   `primary: false` has no effect;
//! - deleting the primary elects the oldest remaining verified address of its kind, else the oldest
//!   remaining one, else none; deleting the user's last identification is refused (400
//!   `identification_deletion_failed`), as Clerk does;
//! - a phone number reserved for the second factor must be verified and may not be the user's last
//!   identification; the oldest reserved one is the default second factor; `two_factor_enabled`
//!   follows.
//!
//! [`ContactStore::edit_user`]: crate::store::ContactStore::edit_user

use tessera_types::{DeletedObject, EmailAddress, IdentificationLink, PhoneNumber, User, Verification, object};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields};
use crate::ids;
use crate::service::Tessera;
use crate::store::ContactKind;

// ---- bodies --------------------------------------------------------------------------------------

const NOTIFY: Field = Field::without_effect("notify_primary_email_address_changed");

/// `POST /email_addresses`.
pub const CREATE_EMAIL_ADDRESS: Body = Body {
    schema: "CreateEmailAddressRequestBody",
    groups: &[&[
        Field::string("user_id").required(),
        Field::string("email_address").required(),
        Field::bool("verified"),
        Field::bool("primary"),
        NOTIFY,
    ]],
};

/// `PATCH /email_addresses/{email_address_id}`.
pub const UPDATE_EMAIL_ADDRESS: Body = Body {
    schema: "UpdateEmailAddressRequestBody",
    groups: &[&[Field::bool("verified"), Field::bool("primary"), NOTIFY]],
};

/// `POST /phone_numbers`.
pub const CREATE_PHONE_NUMBER: Body = Body {
    schema: "CreatePhoneNumberRequestBody",
    groups: &[&[
        Field::string("user_id").required(),
        Field::string("phone_number").required(),
        Field::bool("verified"),
        Field::bool("primary"),
        Field::bool("reserved_for_second_factor"),
    ]],
};

/// `PATCH /phone_numbers/{phone_number_id}`.
pub const UPDATE_PHONE_NUMBER: Body = Body {
    schema: "UpdatePhoneNumberRequestBody",
    groups: &[&[Field::bool("verified"), Field::bool("primary"), Field::bool("reserved_for_second_factor")]],
};

/// The keys of `POST /users` that give the status of each address and number, by position.
pub(crate) const EMAIL_STATUS: Field = Field::string_list("email_address_identification_status");
pub(crate) const PHONE_STATUS: Field = Field::string_list("phone_number_identification_status");

/// The values `*_identification_status` items may take on `POST /users`.
pub const IDENTIFICATION_STATUSES: [&str; 2] = ["verified", "reserved"];

// ---- shapes --------------------------------------------------------------------------------------

pub(crate) fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && e.len() <= 320
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && !local.contains('@')
}

pub(crate) fn valid_phone(p: &str) -> bool {
    let digits = p.strip_prefix('+').unwrap_or(p);
    p.starts_with('+') && (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The address as stored (trimmed, lowercased), or `form_param_format_invalid` naming `param`.
pub(crate) fn normalize_email(raw: &str, param: &str) -> ApiResult<String> {
    let e = raw.trim().to_lowercase();
    if !valid_email(&e) {
        return Err(ApiError::param_format(param, format!("{e} must be a valid email address.")));
    }
    Ok(e)
}

/// The number as stored (spaces, `-`, `(` and `)` dropped), or `form_param_format_invalid`.
pub(crate) fn normalize_phone(raw: &str, param: &str) -> ApiResult<String> {
    let p: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    if !valid_phone(&p) {
        return Err(ApiError::param_format(
            param,
            format!("{p} must be a valid phone number in E.164 format (e.g. +15555550100)."),
        ));
    }
    Ok(p)
}

/// How an address starts out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Verified by the admin (`verification_admin`).
    Verified,
    /// Unverified but held for its user (`reserved: true`, `verification: null`).
    Reserved,
    /// Unverified (`verification: null`).
    Unverified,
}

fn verified_admin() -> Verification {
    Verification {
        object: Some("verification_admin".to_owned()),
        status: "verified".to_owned(),
        strategy: "admin".to_owned(),
        attempts: None,
        expire_at: None,
    }
}

fn is_verified(v: &Option<Verification>) -> bool {
    v.as_ref().is_some_and(|v| v.status == "verified")
}

/// Sets the verification and `reserved` of an address to `status`.
fn set_status(verification: &mut Option<Verification>, reserved: &mut bool, status: Status) {
    *verification = (status == Status::Verified).then(verified_admin);
    *reserved = status == Status::Reserved;
}

pub(crate) fn new_email(address: String, status: Status, now: i64) -> EmailAddress {
    let mut e = EmailAddress {
        id: ids::new_id(ids::EMAIL, now),
        object: object::EMAIL_ADDRESS.to_owned(),
        email_address: address,
        reserved: false,
        verification: None,
        linked_to: Vec::<IdentificationLink>::new(),
        matches_sso_connection: false,
        created_at: now,
        updated_at: now,
    };
    set_status(&mut e.verification, &mut e.reserved, status);
    e
}

pub(crate) fn new_phone(number: String, status: Status, now: i64) -> PhoneNumber {
    let mut p = PhoneNumber {
        id: ids::new_id(ids::EMAIL, now),
        object: object::PHONE_NUMBER.to_owned(),
        phone_number: number,
        reserved_for_second_factor: false,
        default_second_factor: false,
        reserved: false,
        verification: None,
        linked_to: Vec::new(),
        backup_codes: None,
        created_at: now,
        updated_at: now,
    };
    set_status(&mut p.verification, &mut p.reserved, status);
    p
}

// ---- errors ----------------------------------------------------------------------------------------

fn not_found(kind: ContactKind, id: &str) -> ApiError {
    let what = match kind {
        ContactKind::EmailAddress => "email address",
        ContactKind::PhoneNumber => "phone number",
    };
    ApiError::not_found("not found", format!("No {what} was found with id {id}"))
}

/// 422 `form_verification_needed`: `PATCH /users` takes only a verified address as the primary.
fn verification_needed(param: &str, what: &str) -> ApiError {
    ApiError::new(
        ErrorKind::Unprocessable,
        "form_verification_needed",
        "is unverified",
        format!("This {what} needs to be verified before it can become the user's primary {what}."),
    )
    .with_param(param)
}

fn last_identification() -> ApiError {
    ApiError::new(
        ErrorKind::BadRequest,
        "identification_deletion_failed",
        "Deletion failed",
        "You cannot delete your last identification.",
    )
}

fn second_factor_unverified(creating: bool) -> ApiError {
    let (code, message, long) = if creating {
        (
            "identification_create_second_factor_unverified",
            "Create failed",
            "Unverified identifications cannot be a second factor",
        )
    } else {
        (
            "identification_update_second_factor_unverified",
            "Update failed",
            "Cannot update second factor attributes for unverified identification",
        )
    };
    ApiError::new(ErrorKind::BadRequest, code, message, long).with_param("reserved_for_second_factor")
}

fn last_identification_as_second_factor() -> ApiError {
    ApiError::new(
        ErrorKind::BadRequest,
        "identification_update_failed",
        "Update failed",
        "You cannot set your last identification as second factor.",
    )
    .with_param("reserved_for_second_factor")
}

// ---- the rules, over a user ---------------------------------------------------------------------

fn touch(u: &mut User, now: i64) {
    u.updated_at = now.max(u.updated_at);
}

/// How many identifications the user can sign in with: email addresses, phone numbers not reserved
/// for the second factor, the username, web3 wallets, passkeys and external, SAML and enterprise
/// accounts.
fn first_factors(u: &User) -> usize {
    u.email_addresses.len()
        + u.phone_numbers.iter().filter(|p| !p.reserved_for_second_factor).count()
        + usize::from(u.username.is_some())
        + u.web3_wallets.len()
        + u.passkeys.len()
        + u.external_accounts.len()
        + u.saml_accounts.len()
        + u.enterprise_accounts.len()
}

/// The id to make primary after the primary left: the oldest verified one, else the oldest one.
fn elect<'a>(candidates: impl Iterator<Item = (&'a str, bool)> + Clone) -> Option<String> {
    candidates
        .clone()
        .find(|(_, verified)| *verified)
        .or_else(|| candidates.clone().next())
        .map(|(id, _)| id.to_owned())
}

/// Keeps the second-factor flags consistent: only reserved numbers can be the default, exactly one
/// of them is (the oldest, unless one already is), and `two_factor_enabled` (with
/// `mfa_enabled_at`/`mfa_disabled_at`) follows.
fn refresh_second_factors(u: &mut User, now: i64) {
    for p in u.phone_numbers.iter_mut().filter(|p| !p.reserved_for_second_factor && p.default_second_factor) {
        p.default_second_factor = false;
        p.updated_at = now.max(p.updated_at);
    }
    let has_default = u.phone_numbers.iter().any(|p| p.default_second_factor);
    if !has_default && let Some(p) = u.phone_numbers.iter_mut().find(|p| p.reserved_for_second_factor) {
        p.default_second_factor = true;
        p.updated_at = now.max(p.updated_at);
    }
    let enabled =
        u.phone_numbers.iter().any(|p| p.reserved_for_second_factor) || u.totp_enabled || u.backup_code_enabled;
    if enabled != u.two_factor_enabled {
        u.two_factor_enabled = enabled;
        if enabled {
            u.mfa_enabled_at = Some(now);
        } else {
            u.mfa_disabled_at = Some(now);
        }
    }
}

/// `PATCH /users` `primary_email_address_id` / `primary_phone_number_id`: makes `id` the user's
/// primary address of `kind` (`param` names the key that asked), if it is the user's and verified
/// (as Clerk documents), or the user has no primary of that kind yet.
pub(crate) fn make_primary(u: &mut User, kind: ContactKind, id: &str, param: &str) -> ApiResult<()> {
    let (verified, current, what) = match kind {
        ContactKind::EmailAddress => (
            u.email_addresses.iter().find(|e| e.id == id).map(|e| is_verified(&e.verification)),
            &mut u.primary_email_address_id,
            "email address",
        ),
        ContactKind::PhoneNumber => (
            u.phone_numbers.iter().find(|p| p.id == id).map(|p| is_verified(&p.verification)),
            &mut u.primary_phone_number_id,
            "phone number",
        ),
    };
    let Some(verified) = verified else {
        let article = if kind == ContactKind::EmailAddress { "an" } else { "a" };
        return Err(ApiError::param_value(param, format!("{id} is not {article} {what} of this user.")));
    };
    if current.as_deref() == Some(id) {
        return Ok(());
    }
    if !verified && current.is_some() {
        return Err(verification_needed(param, what));
    }
    *current = Some(id.to_owned());
    Ok(())
}

/// Makes `id` (an address of the user) primary: `primary: true` on the address endpoints, the
/// admin's explicit choice, verified or not (Clerk documents no refusal there).
fn set_primary(u: &mut User, kind: ContactKind, id: &str) {
    let primary = match kind {
        ContactKind::EmailAddress => &mut u.primary_email_address_id,
        ContactKind::PhoneNumber => &mut u.primary_phone_number_id,
    };
    *primary = Some(id.to_owned());
}

/// `POST /email_addresses`: adds `email` to the user.
fn add_email(u: &mut User, email: &EmailAddress, primary: bool, now: i64) -> ApiResult<()> {
    if u.email_addresses.iter().any(|e| e.email_address.eq_ignore_ascii_case(&email.email_address)) {
        return Err(ApiError::conflict("email_address"));
    }
    u.email_addresses.push(email.clone());
    if primary || u.primary_email_address_id.is_none() {
        set_primary(u, ContactKind::EmailAddress, &email.id);
    }
    touch(u, now);
    Ok(())
}

/// `POST /phone_numbers`: adds `phone` to the user.
fn add_phone(u: &mut User, phone: &PhoneNumber, primary: bool, now: i64) -> ApiResult<()> {
    if u.phone_numbers.iter().any(|p| p.phone_number == phone.phone_number) {
        return Err(ApiError::conflict("phone_number"));
    }
    if phone.reserved_for_second_factor && !is_verified(&phone.verification) {
        return Err(second_factor_unverified(true));
    }
    u.phone_numbers.push(phone.clone());
    if primary || u.primary_phone_number_id.is_none() {
        set_primary(u, ContactKind::PhoneNumber, &phone.id);
    }
    refresh_second_factors(u, now);
    touch(u, now);
    Ok(())
}

/// What a `PATCH` of an address or number asks for.
#[derive(Debug, Clone, Copy, Default)]
struct Change {
    verified: Option<bool>,
    primary: Option<bool>,
    reserved_for_second_factor: Option<bool>,
}

/// Applies `verified` to an address; true if it changed.
fn apply_verified(verification: &mut Option<Verification>, reserved: &mut bool, verified: Option<bool>) -> bool {
    match verified {
        Some(true) if !is_verified(verification) => set_status(verification, reserved, Status::Verified),
        Some(false) if verification.is_some() || *reserved => set_status(verification, reserved, Status::Unverified),
        _ => return false,
    }
    true
}

fn update_email(u: &mut User, id: &str, c: Change, now: i64) -> ApiResult<()> {
    let Some(e) = u.email_addresses.iter_mut().find(|e| e.id == id) else {
        return Err(not_found(ContactKind::EmailAddress, id));
    };
    let mut changed = apply_verified(&mut e.verification, &mut e.reserved, c.verified);
    if changed {
        e.updated_at = now.max(e.updated_at);
    }
    if c.primary == Some(true) && u.primary_email_address_id.as_deref() != Some(id) {
        set_primary(u, ContactKind::EmailAddress, id);
        changed = true;
    }
    if changed {
        touch(u, now);
    }
    Ok(())
}

fn update_phone(u: &mut User, id: &str, c: Change, now: i64) -> ApiResult<()> {
    let Some(p) = u.phone_numbers.iter_mut().find(|p| p.id == id) else {
        return Err(not_found(ContactKind::PhoneNumber, id));
    };
    let mut changed = apply_verified(&mut p.verification, &mut p.reserved, c.verified);
    let mut newly_reserved = false;
    if let Some(reserve) = c.reserved_for_second_factor
        && reserve != p.reserved_for_second_factor
    {
        p.reserved_for_second_factor = reserve;
        if !reserve {
            p.default_second_factor = false;
        }
        newly_reserved = reserve;
        changed = true;
    }
    if p.reserved_for_second_factor && !is_verified(&p.verification) {
        return Err(second_factor_unverified(false));
    }
    if changed {
        p.updated_at = now.max(p.updated_at);
    }
    if newly_reserved && first_factors(u) == 0 {
        return Err(last_identification_as_second_factor());
    }
    if c.primary == Some(true) && u.primary_phone_number_id.as_deref() != Some(id) {
        set_primary(u, ContactKind::PhoneNumber, id);
        changed = true;
    }
    if changed {
        refresh_second_factors(u, now);
        touch(u, now);
    }
    Ok(())
}

fn remove_email(u: &mut User, id: &str, now: i64) -> ApiResult<()> {
    let Some(i) = u.email_addresses.iter().position(|e| e.id == id) else {
        return Err(not_found(ContactKind::EmailAddress, id));
    };
    u.email_addresses.remove(i);
    if first_factors(u) == 0 {
        return Err(last_identification());
    }
    if u.primary_email_address_id.as_deref() == Some(id) {
        u.primary_email_address_id =
            elect(u.email_addresses.iter().map(|e| (e.id.as_str(), is_verified(&e.verification))));
    }
    touch(u, now);
    Ok(())
}

fn remove_phone(u: &mut User, id: &str, now: i64) -> ApiResult<()> {
    let Some(i) = u.phone_numbers.iter().position(|p| p.id == id) else {
        return Err(not_found(ContactKind::PhoneNumber, id));
    };
    u.phone_numbers.remove(i);
    if first_factors(u) == 0 {
        return Err(last_identification());
    }
    if u.primary_phone_number_id.as_deref() == Some(id) {
        u.primary_phone_number_id =
            elect(u.phone_numbers.iter().map(|p| (p.id.as_str(), is_verified(&p.verification))));
    }
    refresh_second_factors(u, now);
    touch(u, now);
    Ok(())
}

// ---- POST /users ---------------------------------------------------------------------------------

/// The email addresses and phone numbers of a `POST /users` body, as given; [`NewContacts::build`]
/// checks them once the whole body has been read.
pub(crate) struct NewContacts {
    emails: Vec<String>,
    email_status: Vec<String>,
    phones: Vec<String>,
    phone_status: Vec<String>,
}

impl NewContacts {
    pub(crate) fn take(f: &mut Fields) -> ApiResult<NewContacts> {
        Ok(NewContacts {
            emails: f.opt_string_list("email_address")?.unwrap_or_default(),
            email_status: f.opt_string_list(EMAIL_STATUS.name)?.unwrap_or_default(),
            phones: f.opt_string_list("phone_number")?.unwrap_or_default(),
            phone_status: f.opt_string_list(PHONE_STATUS.name)?.unwrap_or_default(),
        })
    }

    /// The new user's addresses and numbers, in the order given (the first of each is primary).
    pub(crate) fn build(self, now: i64) -> ApiResult<(Vec<EmailAddress>, Vec<PhoneNumber>)> {
        let email_status = statuses(EMAIL_STATUS.name, &self.email_status, self.emails.len(), "email address")?;
        let mut emails: Vec<EmailAddress> = Vec::with_capacity(self.emails.len());
        for (raw, status) in self.emails.iter().zip(email_status) {
            let e = normalize_email(raw, "email_address")?;
            if emails.iter().any(|x| x.email_address == e) {
                return Err(ApiError::conflict("email_address"));
            }
            emails.push(new_email(e, status, now));
        }
        let phone_status = statuses(PHONE_STATUS.name, &self.phone_status, self.phones.len(), "phone number")?;
        let mut phones: Vec<PhoneNumber> = Vec::with_capacity(self.phones.len());
        for (raw, status) in self.phones.iter().zip(phone_status) {
            let p = normalize_phone(raw, "phone_number")?;
            if phones.iter().any(|x| x.phone_number == p) {
                return Err(ApiError::conflict("phone_number"));
            }
            phones.push(new_phone(p, status, now));
        }
        Ok((emails, phones))
    }
}

/// The statuses of `n` addresses: all verified when none are given, else exactly one per address.
fn statuses(param: &str, given: &[String], n: usize, what: &str) -> ApiResult<Vec<Status>> {
    if given.is_empty() {
        return Ok(vec![Status::Verified; n]);
    }
    if given.len() != n {
        return Err(ApiError::param_value(
            param,
            format!("{param} must have exactly one item per {what} ({n}), got {}.", given.len()),
        ));
    }
    given
        .iter()
        .map(|s| match s.as_str() {
            "verified" => Ok(Status::Verified),
            "reserved" => Ok(Status::Reserved),
            other => Err(ApiError::param_value(
                param,
                format!("{other:?} is not a valid identification status: use `verified` or `reserved`."),
            )),
        })
        .collect()
}

// ---- the operations ------------------------------------------------------------------------------

impl Tessera {
    /// Applies `edit` to the user in one transaction (see [`crate::store::ContactStore::edit_user`]).
    pub(crate) async fn edit_user(
        &self,
        user_id: &str,
        edit: &(dyn Fn(&mut User) -> ApiResult<()> + Send + Sync),
    ) -> ApiResult<User> {
        match self.store.edit_user(user_id, edit).await? {
            None => Err(ApiError::user_not_found(user_id)),
            Some(result) => result,
        }
    }

    async fn contact_owner(&self, kind: ContactKind, id: &str) -> ApiResult<User> {
        self.store.get_contact_owner(kind, id).await?.ok_or_else(|| not_found(kind, id))
    }

    /// Edits the user holding the address `id` of `kind`; the address vanishing meanwhile (with
    /// its user, or deleted) is a 404 for it.
    async fn edit_owner(
        &self,
        kind: ContactKind,
        id: &str,
        edit: &(dyn Fn(&mut User) -> ApiResult<()> + Send + Sync),
    ) -> ApiResult<User> {
        let owner = self.contact_owner(kind, id).await?;
        match self.store.edit_user(&owner.id, edit).await? {
            None => Err(not_found(kind, id)),
            Some(result) => result,
        }
    }

    /// `POST /email_addresses`.
    pub async fn create_email_address(&self, mut f: Fields) -> ApiResult<EmailAddress> {
        let user_id = f.required_string("user_id")?;
        let raw = f.required_string("email_address")?;
        let verified = f.opt_bool("verified")?.unwrap_or(false);
        let primary = f.opt_bool("primary")?.unwrap_or(false);
        f.skip_without_effect(&CREATE_EMAIL_ADDRESS);
        f.finish()?;
        let address = normalize_email(&raw, "email_address")?;
        let now = self.now_ms();
        let email = new_email(address, if verified { Status::Verified } else { Status::Unverified }, now);
        let outcome = self.store.edit_user(&user_id, &|u| add_email(u, &email, primary, now)).await?;
        match outcome {
            None => Err(ApiError::user_not_found(&user_id).with_param("user_id")),
            Some(result) => result.map(|_| email),
        }
    }

    /// `GET /email_addresses/{id}`.
    pub async fn get_email_address(&self, id: &str) -> ApiResult<EmailAddress> {
        let user = self.contact_owner(ContactKind::EmailAddress, id).await?;
        user.email_addresses.into_iter().find(|e| e.id == id).ok_or_else(|| not_found(ContactKind::EmailAddress, id))
    }

    /// `PATCH /email_addresses/{id}`.
    pub async fn update_email_address(&self, id: &str, mut f: Fields) -> ApiResult<EmailAddress> {
        let change = Change { verified: f.opt_bool("verified")?, primary: f.opt_bool("primary")?, ..Change::default() };
        f.skip_without_effect(&UPDATE_EMAIL_ADDRESS);
        f.finish()?;
        let now = self.now_ms();
        let user = self.edit_owner(ContactKind::EmailAddress, id, &|u| update_email(u, id, change, now)).await?;
        user.email_addresses.into_iter().find(|e| e.id == id).ok_or_else(|| not_found(ContactKind::EmailAddress, id))
    }

    /// `DELETE /email_addresses/{id}`.
    pub async fn delete_email_address(&self, id: &str) -> ApiResult<DeletedObject> {
        let now = self.now_ms();
        self.edit_owner(ContactKind::EmailAddress, id, &|u| remove_email(u, id, now)).await?;
        Ok(deleted(object::EMAIL_ADDRESS, id))
    }

    /// `POST /phone_numbers`.
    pub async fn create_phone_number(&self, mut f: Fields) -> ApiResult<PhoneNumber> {
        let user_id = f.required_string("user_id")?;
        let raw = f.required_string("phone_number")?;
        let verified = f.opt_bool("verified")?.unwrap_or(false);
        let primary = f.opt_bool("primary")?.unwrap_or(false);
        let second_factor = f.opt_bool("reserved_for_second_factor")?.unwrap_or(false);
        f.finish()?;
        let number = normalize_phone(&raw, "phone_number")?;
        let now = self.now_ms();
        let mut phone = new_phone(number, if verified { Status::Verified } else { Status::Unverified }, now);
        phone.reserved_for_second_factor = second_factor;
        let id = phone.id.clone();
        let outcome = self.store.edit_user(&user_id, &|u| add_phone(u, &phone, primary, now)).await?;
        match outcome {
            None => Err(ApiError::user_not_found(&user_id).with_param("user_id")),
            Some(result) => {
                let user = result?;
                user.phone_numbers
                    .into_iter()
                    .find(|p| p.id == id)
                    .ok_or_else(|| not_found(ContactKind::PhoneNumber, &id))
            }
        }
    }

    /// `GET /phone_numbers/{id}`.
    pub async fn get_phone_number(&self, id: &str) -> ApiResult<PhoneNumber> {
        let user = self.contact_owner(ContactKind::PhoneNumber, id).await?;
        user.phone_numbers.into_iter().find(|p| p.id == id).ok_or_else(|| not_found(ContactKind::PhoneNumber, id))
    }

    /// `PATCH /phone_numbers/{id}`.
    pub async fn update_phone_number(&self, id: &str, mut f: Fields) -> ApiResult<PhoneNumber> {
        let change = Change {
            verified: f.opt_bool("verified")?,
            primary: f.opt_bool("primary")?,
            reserved_for_second_factor: f.opt_bool("reserved_for_second_factor")?,
        };
        f.finish()?;
        let now = self.now_ms();
        let user = self.edit_owner(ContactKind::PhoneNumber, id, &|u| update_phone(u, id, change, now)).await?;
        user.phone_numbers.into_iter().find(|p| p.id == id).ok_or_else(|| not_found(ContactKind::PhoneNumber, id))
    }

    /// `DELETE /phone_numbers/{id}`.
    pub async fn delete_phone_number(&self, id: &str) -> ApiResult<DeletedObject> {
        let now = self.now_ms();
        self.edit_owner(ContactKind::PhoneNumber, id, &|u| remove_phone(u, id, now)).await?;
        Ok(deleted(object::PHONE_NUMBER, id))
    }
}

fn deleted(object: &str, id: &str) -> DeletedObject {
    DeletedObject { object: object.to_owned(), id: Some(id.to_owned()), slug: None, deleted: true }
}

#[cfg(test)]
mod tests;
