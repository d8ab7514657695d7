//! The storage boundary. One trait, [`Store`], made of one sub-trait per resource; methods sized to a
//! unit of work; no transaction objects cross it.
//! The only implementation with SQL lives in `tessera-store`; every method that writes more than one row
//! does so atomically.
//!
//! Time is an argument (`now`, epoch milliseconds), never read here.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tessera_types::{ActorTokenStatus, Organization, Permission, Session, SessionStatus, User};

mod events;
mod invitations;
mod machines;
mod templates;
mod webhooks;
use crate::error::ApiError;
pub use events::*;
pub use invitations::*;
pub use machines::*;
pub use templates::*;
pub use webhooks::*;

/// What went wrong below the trait.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness constraint was hit. The field is one of `email_address`, `phone_number`,
    /// `web3_wallet`, `external_account`, `username`, `external_id`, `slug`, `name` (template),
    /// `membership`, `id`.
    #[error("unique constraint on {0}")]
    Conflict(String),
    /// The database failed; the text is for logs only and never reaches a client.
    #[error("store backend: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The single instance this database serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceRecord {
    /// `ins_…`; also the `kid` of the first signing key.
    pub id: String,
    /// Issuer URL recorded at creation (configuration may override it at run time).
    pub issuer: String,
    pub created_at: i64,
    /// Free-form instance settings (e.g. `{"session_token_version": 2}`), JSON object.
    pub settings: Value,
}

/// A signing key of the instance. The private key is sealed with the master key (AES-256-GCM).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub alg: String,
    /// Sealed PKCS#8 DER, as produced by `tessera_jwt::seal` (base64 text).
    pub private_key_sealed: String,
    /// Keys that are `active` may sign; inactive (retired) keys stay published until their tokens expire.
    pub active: bool,
    pub created_at: i64,
    /// When the key may start signing (ms); `None`: `created_at` plus the publish delay.
    pub sign_after: Option<i64>,
    /// When the key was retired (ms), `None` while it is active.
    pub retired_at: Option<i64>,
    /// The longest lifetime (seconds) of a token it signed, recorded before the token is signed;
    /// `None` when it never signed.
    pub max_token_lifetime: Option<i64>,
}

impl std::fmt::Debug for SigningKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRecord")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("private_key_sealed", &"<redacted>")
            .field("active", &self.active)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A secret key, stored only as the lowercase hex SHA-256 of the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecretKeyRecord {
    pub id: String,
    pub key_hash: String,
    pub created_at: i64,
}

/// A membership as stored: the wire object embeds the organization and the user's public data, which
/// are joined in at read time. `permissions` is not stored with the membership: the store fills it in
/// at every read with the keys of the permissions its role holds at that moment (empty when the role
/// does not exist).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembershipRecord {
    pub id: String,
    pub organization_id: String,
    pub user_id: String,
    pub role: String,
    /// The name of the role, filled in at read (not stored with the membership).
    #[serde(skip)]
    pub role_name: Option<String>,
    #[serde(default)]
    pub permissions: Vec<String>,
    pub public_metadata: serde_json::Map<String, Value>,
    pub private_metadata: serde_json::Map<String, Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An organization role as stored, without its permissions (they are rows of their own, in order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleRecord {
    pub id: String,
    /// `org:<key>`.
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A role with its permissions, in the order they were given.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleView {
    pub role: RoleRecord,
    pub permissions: Vec<Permission>,
}

/// A role set as stored, without its roles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleSetRecord {
    pub id: String,
    /// `role_set:<key>`.
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    /// The set new organizations get; exactly one set is initial.
    pub is_initial: bool,
    pub default_role_id: Option<String>,
    pub creator_role_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A role set with its roles (in order), each with the number of memberships that hold it in the
/// organizations using the set.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleSetView {
    pub set: RoleSetRecord,
    pub roles: Vec<(RoleRecord, i64)>,
}

/// Sort field of permission, role and role set lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleOrder {
    CreatedAt,
    Name,
    Key,
}

/// Filter of the permission, role and role set lists.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoleFilter {
    /// Exact id, or a case-insensitive part of the name or key.
    pub query: Option<String>,
    /// `(field, descending)`; `None` means newest first.
    pub order_by: Option<(RoleOrder, bool)>,
}

/// What the server makes sure exists when it starts (see [`RoleStore::bootstrap_roles`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RolesBootstrap {
    /// System permissions, inserted unless one with the same key exists.
    pub permissions: Vec<Permission>,
    /// Default roles with their permission keys, inserted only when the store holds no role set yet.
    pub roles: Vec<(RoleRecord, Vec<String>)>,
    /// The initial role set and its role keys, inserted only when the store holds no role set yet.
    pub initial_set: (RoleSetRecord, Vec<String>),
    /// Roles for the role keys of memberships written before roles existed (from
    /// [`RoleStore::legacy_membership_roles`]); they join the initial role set.
    pub legacy_roles: Vec<RoleRecord>,
}

/// The instance's custom session-token claims: one claims template, stored as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionClaimsRecord {
    /// The claims template (shortcodes unrendered), already validated.
    pub claims: serde_json::Map<String, Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A user's password as stored: beside the user, never inside the user document that reads answer
/// with. `Debug` never shows the digest.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordRecord {
    pub user_id: String,
    /// `argon2id` for the hashes Tessera makes; an imported digest's `password_hasher` otherwise.
    pub hasher: String,
    /// The PHC string Tessera made, or the imported digest as given.
    pub digest: String,
    /// When this digest was stored (epoch ms).
    pub updated_at: i64,
}

impl std::fmt::Debug for PasswordRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordRecord")
            .field("user_id", &self.user_id)
            .field("hasher", &self.hasher)
            .field("digest", &"<redacted>")
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// `limit`/`offset` paging, already validated (limit 1..=500, offset ≥ 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Default for Page {
    fn default() -> Self {
        Page { limit: 10, offset: 0 }
    }
}

/// Sort field for user lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserOrder {
    CreatedAt,
    UpdatedAt,
    FirstName,
    LastName,
    Username,
    EmailAddress,
    PhoneNumber,
    /// The primary web3 wallet address.
    Web3Wallet,
    LastSignInAt,
    LastActiveAt,
}

/// A list of ids with Clerk's `+`/`-` prefixes, read: an object matches when `include` is empty or
/// holds it, and `exclude` does not. Empty on both sides, it does not filter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdFilter {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl IdFilter {
    /// Only these ids.
    pub fn only<S: Into<String>>(ids: impl IntoIterator<Item = S>) -> Self {
        IdFilter { include: ids.into_iter().map(Into::into).collect(), exclude: Vec::new() }
    }

    /// Every id but these.
    pub fn except<S: Into<String>>(ids: impl IntoIterator<Item = S>) -> Self {
        IdFilter { include: Vec::new(), exclude: ids.into_iter().map(Into::into).collect() }
    }

    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }
}

/// Bounds on a timestamp (epoch ms), both strict: `after < t < before`. An object without the
/// timestamp (`NULL`) matches no bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    pub after: Option<i64>,
    pub before: Option<i64>,
}

/// Filters of `GET /users` and `GET /users/count`. Within one list the values are ORed; different
/// filters are ANDed. Empty lists and `None` do not filter. Text is compared case-insensitively
/// where the field says so; the caller passes it as given.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserFilter {
    /// Exact, case-insensitive.
    pub email_address: Vec<String>,
    /// Exact.
    pub phone_number: Vec<String>,
    /// Exact, case-insensitive.
    pub username: Vec<String>,
    /// Exact, case-insensitive, over the `web3_wallet` of each of the user's `web3_wallets`.
    pub web3_wallet: Vec<String>,
    pub external_id: IdFilter,
    pub user_id: IdFilter,
    /// Included: members of any of these organizations; excluded: members of none of these.
    pub organization_id: IdFilter,
    /// Users with an external account of this `provider` (e.g. `oauth_google`) ...
    pub provider: Option<String>,
    /// ... whose `provider_user_id` is one of these (any, when empty). Ignored without `provider`.
    pub provider_user_id: Vec<String>,
    /// Case-insensitive substring over id, email addresses, phone numbers, username, web3 wallets,
    /// first and last name.
    pub query: Option<String>,
    /// Case-insensitive substring of one of the user's email addresses.
    pub email_address_query: Option<String>,
    /// Case-insensitive substring of one of the user's phone numbers.
    pub phone_number_query: Option<String>,
    /// Case-insensitive substring of the username.
    pub username_query: Option<String>,
    /// Case-insensitive substring of the first name, the last name or "first last".
    pub name_query: Option<String>,
    pub banned: Option<bool>,
    pub created_at: TimeRange,
    pub last_active_at: TimeRange,
    pub last_sign_in_at: TimeRange,
    /// A cursor: only the users that follow this user in `(created_at, id)` order, in the direction
    /// of `order_by` when it is `created_at` (newest first otherwise; the core allows the cursor
    /// only with a `created_at` order). No user follows an unknown id.
    pub starting_after: Option<String>,
    /// `(field, descending)`; `None` means newest first (`-created_at`).
    pub order_by: Option<(UserOrder, bool)>,
}

/// Sort field of membership lists: the membership's creation, or a field of the member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipOrder {
    CreatedAt,
    FirstName,
    LastName,
    Username,
    EmailAddress,
    PhoneNumber,
}

/// Filters of `GET /organizations/{id}/memberships`: `user` selects the members (as in user lists),
/// `role` the memberships' roles (any of them; none means any role).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MembershipFilter {
    /// The memberships of this organization only (of every organization when `None`).
    pub organization_id: Option<String>,
    pub user: UserFilter,
    pub role: Vec<String>,
    /// `(field, descending)`; `None` means oldest membership first.
    pub order_by: Option<(MembershipOrder, bool)>,
}

/// Filters of `GET /sessions`. `now` is needed because a live session past `expire_at` reads as
/// `expired` (and past `abandon_at` as `abandoned`) even though the stored status was never rewritten.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionFilter {
    pub user_id: Option<String>,
    pub client_id: Option<String>,
    pub status: Option<SessionStatus>,
    pub now: i64,
}

/// Filters of `GET /organizations`, ANDed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OrganizationFilter {
    /// The id, case-insensitively, or a case-insensitive substring of the name or the slug.
    pub query: Option<String>,
    /// Included: organizations any of these users is a member of; excluded: organizations none of
    /// these users is a member of.
    pub user_id: IdFilter,
    pub organization_id: IdFilter,
    /// `(field, descending)` where field is `created_at` or `name`; `None` = newest first.
    pub order_by: Option<(OrganizationOrder, bool)>,
}

/// Everything one mint reads, as [`Store::load_mint`] returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct MintRecords {
    /// The session as stored (the caller applies expiry on read).
    pub session: Session,
    /// The session's user; `None` if the user no longer exists.
    pub user: Option<User>,
    /// The template asked for by name; `None` if there is none (or none was asked for).
    pub template: Option<TemplateRecord>,
    /// The session's active organization and the user's membership in it, when the session has one
    /// and both still exist. `members_count` and `pending_invitations_count` of the organization are
    /// not filled in.
    pub active: Option<(Organization, MembershipRecord)>,
    /// The instance's custom session claims, if any are set (read for every mint, used by session
    /// tokens).
    pub session_claims: Option<SessionClaimsRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationOrder {
    CreatedAt,
    Name,
    MembersCount,
}

/// Everything Tessera persists: one sub-trait per resource, plus the one read that spans them
/// ([`Store::load_mint`]). Implementations must be safe to share between many server nodes on one
/// database: no method may rely on in-process state for correctness.
///
/// The methods of the sub-traits are callable on `&dyn Store` and `Arc<dyn Store>` without importing
/// them (a trait object carries its supertraits' methods); code holding a concrete type imports the
/// sub-trait it uses. An implementation writes one `impl` per sub-trait and `impl Store for X {}`
/// (or overrides `load_mint` there).
#[async_trait]
pub trait Store:
    InstanceStore
    + UserStore
    + ContactStore
    + PasswordStore
    + SessionStore
    + OrganizationStore
    + RoleStore
    + TemplateStore
    + SessionClaimsStore
    + ActorTokenStore
    + InvitationStore
    + MachineStore
    + WebhookStore
    + EventStore
    + 'static
{
    /// What a mint needs, read fresh from the database: the session, its user, the template named
    /// `template_name` (if given), the session's active organization with the user's membership
    /// in it, and the instance's custom session claims. `None` if the session does not exist.
    /// Implementations should read it in one round trip (the SQL store does it in one statement);
    /// this default calls the single-record methods.
    async fn load_mint(&self, session_id: &str, template_name: Option<&str>) -> StoreResult<Option<MintRecords>> {
        let Some(session) = self.get_session(session_id).await? else {
            return Ok(None);
        };
        let user = self.get_user(&session.user_id).await?;
        let template = match template_name {
            Some(name) => self.get_template_by_name(name).await?,
            None => None,
        };
        let active = match &session.last_active_organization_id {
            None => None,
            Some(org_id) => match self.get_organization(org_id).await? {
                Some(org) if &org.id != org_id => None,
                None => None,
                Some(mut org) => {
                    org.members_count = None;
                    self.get_membership(&org.id, &session.user_id).await?.map(|m| (org, m))
                }
            },
        };
        let session_claims = self.get_session_claims().await?;
        Ok(Some(MintRecords { session, user, template, active, session_claims }))
    }
}

/// The instance record, its signing keys and the secret keys.
#[async_trait]
pub trait InstanceStore: Send + Sync {
    /// Cheap round trip for `/healthz`.
    async fn ping(&self) -> StoreResult<()>;

    async fn get_instance(&self) -> StoreResult<Option<InstanceRecord>>;
    /// Creates the instance and its first signing key in one transaction, unless an instance already
    /// exists (another node won the race); returns the instance that is stored afterwards.
    async fn create_instance(
        &self,
        instance: &InstanceRecord,
        first_key: &SigningKeyRecord,
    ) -> StoreResult<InstanceRecord>;
    async fn update_instance_settings(&self, settings: &Value) -> StoreResult<()>;
    async fn list_signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>>;
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<()>;
    async fn set_signing_key_active(&self, kid: &str, active: bool) -> StoreResult<bool>;
    /// Marks an active key retired at `now` (`active` false, `retired_at` set). False when no active
    /// key has that `kid`.
    async fn retire_signing_key(&self, kid: &str, now: i64) -> StoreResult<bool>;
    /// Raises the key's recorded `max_token_lifetime` to `seconds` if it is lower (never lowers it).
    async fn note_signing_key_lifetime(&self, kid: &str, seconds: i64) -> StoreResult<()>;
    /// Inserts `key` only if no active key was created at or after `due_before`, in one transaction
    /// that serializes concurrent callers (several nodes running scheduled rotation at once add one
    /// key). True when inserted.
    async fn insert_signing_key_if_due(&self, key: &SigningKeyRecord, due_before: i64) -> StoreResult<bool>;

    async fn insert_secret_key(&self, key: &SecretKeyRecord) -> StoreResult<()>;
    async fn find_secret_key(&self, key_hash: &str) -> StoreResult<Option<SecretKeyRecord>>;
    async fn count_secret_keys(&self) -> StoreResult<i64>;
    /// Every secret key record (hashes only), oldest first.
    async fn list_secret_keys(&self) -> StoreResult<Vec<SecretKeyRecord>>;
    async fn delete_secret_key(&self, id: &str) -> StoreResult<bool>;
    /// Replaces sealed key material in one transaction (master-key rotation): `(kid, sealed)` for
    /// instance signing keys and `(template id, sealed)` for custom template keys.
    async fn reseal_keys(&self, signing_keys: &[(String, String)], templates: &[(String, String)]) -> StoreResult<()>;
}

/// Users, with their unique identifiers.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Fails with `Conflict(field)` if an email address, phone number, username or external id is
    /// taken (case-insensitively for email and username).
    async fn insert_user(&self, user: &User) -> StoreResult<()>;
    /// Replaces the stored user (same uniqueness rules). Returns false if the user does not exist.
    async fn update_user(&self, user: &User) -> StoreResult<bool>;
    /// Stores `user` (already marked banned) and revokes every live session of theirs, atomically.
    async fn ban_user(&self, user: &User, now: i64) -> StoreResult<bool>;
    async fn get_user(&self, id: &str) -> StoreResult<Option<User>>;
    /// Deletes the user, their memberships, and marks their live sessions `removed`, atomically.
    async fn delete_user(&self, id: &str, now: i64) -> StoreResult<bool>;
    async fn list_users(&self, filter: &UserFilter, page: Page) -> StoreResult<Vec<User>>;
    async fn count_users(&self, filter: &UserFilter) -> StoreResult<i64>;
}

/// Which list of a user an identification id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    /// `User::email_addresses`.
    EmailAddress,
    /// `User::phone_numbers`.
    PhoneNumber,
}

/// A change to a user, applied by [`ContactStore::edit_user`] to the user as stored at that moment:
/// it edits the user in place, or refuses with the error to answer (then nothing is written). It
/// runs inside the write transaction, so it must be quick and do no IO; it may not change the id.
pub type UserEdit<'a> = &'a (dyn Fn(&mut User) -> Result<(), ApiError> + Send + Sync);

/// Email addresses and phone numbers. They live in their user's document (and, as unique
/// identifiers, in the store's identifier index), so every change to one is an edit of the user,
/// made in one transaction.
#[async_trait]
pub trait ContactStore: Send + Sync {
    /// The user holding the email address or phone number with this id (`None` if no user holds
    /// one of that kind with that id).
    async fn get_contact_owner(&self, kind: ContactKind, id: &str) -> StoreResult<Option<User>>;
    /// In one transaction: reads the user, holding it against concurrent writers until the end,
    /// applies `edit`, and stores the result with its identifiers (the uniqueness rules of
    /// [`UserStore::update_user`]: a taken email address or phone number is `Conflict`). `Ok(None)`
    /// if the user does not exist; `Ok(Some(Err(e)))` if `edit` refused, and then nothing changed.
    async fn edit_user(&self, user_id: &str, edit: UserEdit<'_>) -> StoreResult<Option<Result<User, ApiError>>>;
}

/// Users' passwords, kept apart from the user documents (a user read never carries one). A user's
/// password goes when the user does.
#[async_trait]
pub trait PasswordStore: Send + Sync {
    /// Inserts the user (as [`UserStore::insert_user`], same conflicts) and their password, atomically.
    async fn insert_user_with_password(&self, user: &User, password: &PasswordRecord) -> StoreResult<()>;
    /// Stores `user` (as [`UserStore::update_user`]) and replaces their password with `password`, or
    /// removes it when `None`; with `end_sessions_at`, also revokes every live session of the user at
    /// that time. Atomically; false if the user does not exist.
    async fn update_user_password(
        &self,
        user: &User,
        password: Option<&PasswordRecord>,
        end_sessions_at: Option<i64>,
    ) -> StoreResult<bool>;
    async fn get_password(&self, user_id: &str) -> StoreResult<Option<PasswordRecord>>;
    /// Replaces the user's digest with `new` only while it is still `old_digest` (an upgrade after a
    /// verification must not undo a password change made meanwhile). True if it was replaced.
    async fn rehash_password(&self, old_digest: &str, new: &PasswordRecord) -> StoreResult<bool>;
}

/// Sessions.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn insert_session(&self, session: &Session) -> StoreResult<()>;
    /// The session as stored (the caller applies expiry on read).
    async fn get_session(&self, id: &str) -> StoreResult<Option<Session>>;
    /// Newest first; returns the page and the total count matching the filter.
    async fn list_sessions(&self, filter: &SessionFilter, page: Page) -> StoreResult<(Vec<Session>, i64)>;
    /// Moves a session to `to` only if its stored status is `active` or `pending` and it has not
    /// passed `expire_at`/`abandon_at` at `now`. Returns the session afterwards (None if unknown).
    async fn end_session(&self, id: &str, to: SessionStatus, now: i64) -> StoreResult<Option<Session>>;
}

/// Organizations and their memberships.
#[async_trait]
pub trait OrganizationStore: Send + Sync {
    /// Inserts the organization and, if given, its first membership, atomically.
    async fn insert_organization(&self, org: &Organization, first_member: Option<&MembershipRecord>)
    -> StoreResult<()>;
    async fn update_organization(&self, org: &Organization) -> StoreResult<bool>;
    /// By id or, failing that, by slug. `members_count` is filled in.
    async fn get_organization(&self, id_or_slug: &str) -> StoreResult<Option<Organization>>;
    /// Deletes the organization and its memberships; live sessions whose active organization it was
    /// keep running without one.
    async fn delete_organization(&self, id: &str) -> StoreResult<bool>;
    async fn list_organizations(
        &self,
        filter: &OrganizationFilter,
        page: Page,
    ) -> StoreResult<(Vec<Organization>, i64)>;

    /// `Conflict("membership")` if the user is already a member.
    async fn insert_membership(&self, m: &MembershipRecord) -> StoreResult<()>;
    async fn update_membership(&self, m: &MembershipRecord) -> StoreResult<bool>;
    async fn delete_membership(&self, organization_id: &str, user_id: &str) -> StoreResult<bool>;
    async fn get_membership(&self, organization_id: &str, user_id: &str) -> StoreResult<Option<MembershipRecord>>;
    /// The memberships that match `filter`, in its order; page and total.
    async fn list_memberships(
        &self,
        filter: &MembershipFilter,
        page: Page,
    ) -> StoreResult<(Vec<MembershipRecord>, i64)>;
    /// Every membership of a user with its organization, oldest first.
    async fn list_user_memberships(&self, user_id: &str) -> StoreResult<Vec<(MembershipRecord, Organization)>>;
}

/// Organization permissions, roles and role sets. Every write that touches several rows (a role and
/// its permissions, a set and its roles, a reassignment of memberships) is one transaction.
#[async_trait]
pub trait RoleStore: Send + Sync {
    /// Creates what is missing of `b` in one transaction (see [`RolesBootstrap`]), and fills in the
    /// role of memberships and the role set of organizations written before roles existed (from
    /// their documents; organizations get the initial set). Safe to run on every start and from
    /// several nodes at once.
    async fn bootstrap_roles(&self, b: &RolesBootstrap) -> StoreResult<()>;
    /// The distinct role keys of memberships written before roles existed that no role has.
    async fn legacy_membership_roles(&self) -> StoreResult<Vec<String>>;

    /// `Conflict("key")` if the key is taken.
    async fn insert_permission(&self, p: &Permission) -> StoreResult<()>;
    /// Also rewrites the permission keys of the roles that hold it. `Conflict("key")`.
    async fn update_permission(&self, p: &Permission) -> StoreResult<bool>;
    /// Also takes it away from every role that holds it.
    async fn delete_permission(&self, id: &str) -> StoreResult<bool>;
    async fn get_permission(&self, id: &str) -> StoreResult<Option<Permission>>;
    /// The permissions with these ids (any order; unknown ids are left out).
    async fn get_permissions(&self, ids: &[String]) -> StoreResult<Vec<Permission>>;
    async fn list_permissions(&self, filter: &RoleFilter, page: Page) -> StoreResult<(Vec<Permission>, i64)>;

    /// Inserts the role with these permissions (ids, in order) and, if given, adds it to the end of
    /// that role set. `Conflict("key")`.
    async fn insert_role(
        &self,
        role: &RoleRecord,
        permission_ids: &[String],
        add_to_set: Option<&str>,
    ) -> StoreResult<()>;
    /// Rewrites the role and, when given, replaces its permissions. A new key is carried to the
    /// memberships holding the old one. `Conflict("key")`; false if the role does not exist.
    async fn update_role(&self, role: &RoleRecord, permission_ids: Option<&[String]>) -> StoreResult<bool>;
    /// Deletes the role (and takes it out of every role set) unless a membership holds it or a role
    /// set has it as default or creator role: `Conflict("role_in_use")` then.
    async fn delete_role(&self, id: &str) -> StoreResult<bool>;
    async fn get_role(&self, id: &str) -> StoreResult<Option<RoleView>>;
    async fn get_role_by_key(&self, key: &str) -> StoreResult<Option<RoleView>>;
    async fn list_roles(&self, filter: &RoleFilter, page: Page) -> StoreResult<(Vec<RoleView>, i64)>;
    /// How many memberships hold the role with this key.
    async fn count_role_members(&self, key: &str) -> StoreResult<i64>;

    /// Inserts the set with these roles (ids, in order); when it is initial, the previous initial set
    /// becomes custom. `Conflict("key")`.
    async fn insert_role_set(&self, set: &RoleSetRecord, role_ids: &[String]) -> StoreResult<()>;
    /// Rewrites the set (same rules for `is_initial`); a new key is carried to the organizations that
    /// use it, and `add_role_ids` are appended to its roles. `Conflict("key")`; false if unknown.
    async fn update_role_set(&self, set: &RoleSetRecord, add_role_ids: &[String]) -> StoreResult<bool>;
    /// By id or, failing that, by key.
    async fn get_role_set(&self, id_or_key: &str) -> StoreResult<Option<RoleSetView>>;
    async fn initial_role_set(&self) -> StoreResult<Option<RoleSetView>>;
    async fn list_role_sets(&self, filter: &RoleFilter, page: Page) -> StoreResult<(Vec<RoleSetView>, i64)>;
    /// Takes `role_id` out of the set, moving the memberships that hold `from_key` in the
    /// organizations using the set to `to_key`, and stores `set` (new default/creator role).
    async fn remove_role_from_set(
        &self,
        set: &RoleSetRecord,
        role_id: &str,
        from_key: &str,
        to_key: &str,
    ) -> StoreResult<bool>;
    /// Moves every organization using set `from` to set `to`, reassigns their memberships' roles by
    /// `mappings` (source key → destination key), and deletes `from`.
    async fn replace_role_set(
        &self,
        from: &RoleSetRecord,
        to: &RoleSetRecord,
        mappings: &[(String, String)],
    ) -> StoreResult<bool>;
    /// The role keys held by memberships of the organizations using the set, with their counts.
    async fn role_set_member_roles(&self, set_key: &str) -> StoreResult<Vec<(String, i64)>>;
}

/// The instance's custom session claims: a singleton, absent until set.
#[async_trait]
pub trait SessionClaimsStore: Send + Sync {
    async fn get_session_claims(&self) -> StoreResult<Option<SessionClaimsRecord>>;
    /// Stores `claims` as the instance's session claims, replacing any (every field as given).
    async fn put_session_claims(&self, claims: &SessionClaimsRecord) -> StoreResult<()>;
    /// Removes the session claims; false if none were set.
    async fn delete_session_claims(&self) -> StoreResult<bool>;
}

/// An actor token as stored. The token itself is never stored: only its SHA-256 (lowercase hex),
/// which the redeem call compares in constant time.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorTokenRecord {
    /// `act_…`.
    pub id: String,
    /// The user to be impersonated.
    pub user_id: String,
    /// The actor payload as given (an object with at least `sub`).
    pub actor: serde_json::Map<String, Value>,
    pub status: ActorTokenStatus,
    pub token_hash: String,
    /// Epoch ms after which a pending token can no longer be redeemed.
    pub expires_at: i64,
    /// The longest the session made by redeeming it may last, in seconds.
    pub session_max_duration_seconds: i64,
    /// The session the redeem made (set when the token is accepted).
    pub session_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl std::fmt::Debug for ActorTokenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorTokenRecord")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("actor", &self.actor)
            .field("status", &self.status)
            .field("token_hash", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("session_max_duration_seconds", &self.session_max_duration_seconds)
            .field("session_id", &self.session_id)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// Actor tokens (impersonation). Redeeming (the token becomes `accepted` and its session is created)
/// and revoking (the token and its session) are each one transaction.
#[async_trait]
pub trait ActorTokenStore: Send + Sync {
    /// `Conflict("id")` on a duplicate id.
    async fn insert_actor_token(&self, token: &ActorTokenRecord) -> StoreResult<()>;
    async fn get_actor_token(&self, id: &str) -> StoreResult<Option<ActorTokenRecord>>;
    /// If the token is `pending` and `now` is before its `expires_at`, marks it `accepted` (at `now`,
    /// with `session.id`) and inserts `session`, atomically; returns true. Otherwise writes nothing
    /// and returns false (so of two concurrent redeems, at most one succeeds).
    async fn redeem_actor_token(&self, id: &str, session: &Session, now: i64) -> StoreResult<bool>;
    /// Marks a `pending` or `accepted` token `revoked` (at `now`) and revokes its session if that is
    /// still live, atomically. A token already revoked is left as it is. Returns the token afterwards
    /// (None if unknown).
    async fn revoke_actor_token(&self, id: &str, now: i64) -> StoreResult<Option<ActorTokenRecord>>;
}
