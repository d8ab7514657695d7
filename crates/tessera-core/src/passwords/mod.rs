//! Passwords: `password`, or `password_digest` with `password_hasher`, on `POST /users` and
//! `PATCH /users/{id}`; `POST /users/{id}/verify_password`; `POST /users/{id}/remove_password`.
//!
//! - A `password` is stored as an Argon2id hash with OWASP's parameters (19 MiB, 2 passes, 1 lane,
//!   16-byte salt; [`hashers::hash_argon2id`]). An imported digest is checked for its hasher's form
//!   and stored as given; the first time its password verifies it is replaced by an Argon2id hash
//!   (only while it is still the stored digest). Hashes live in their own table
//!   ([`PasswordRecord`]), never in the user document, so no read returns them; `Debug` of every
//!   type holding one redacts it, and no error or log line repeats one.
//! - Hashing and verifying run on the CPU pool ([`crate::cpu`]), never on the executor.
//! - Rules (Clerk's): at least [`MIN_PASSWORD_CHARS`] characters unless `skip_password_checks`
//!   (422 `form_password_length_too_short`); at most [`MAX_PASSWORD_CHARS`] (422
//!   `form_password_length_too_long`, not skippable). Breached-password lists are not consulted.

pub mod hashers;

use serde_json::{Map, Value};
use tessera_types::{User, VerifyPasswordResponse};

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::fields::{Body, Field, Fields, Kind};
use crate::service::Tessera;
use crate::store::PasswordRecord;
use hashers::Hasher;

/// Fewest characters of a password, unless `skip_password_checks`.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Most characters of a password, whatever the flags.
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Most characters of an imported digest.
pub const MAX_DIGEST_CHARS: usize = 4096;
/// The `hasher` of the hashes Tessera makes.
pub const OWN_HASHER: Hasher = Hasher::Argon2id;

pub const PASSWORD: Field = Field::string_of("password", 1, MAX_PASSWORD_CHARS);
pub const PASSWORD_DIGEST: Field = Field::string_of("password_digest", 1, MAX_DIGEST_CHARS);
pub const PASSWORD_HASHER: Field = Field::string("password_hasher");
const SKIP_PASSWORD_CHECKS: Field = Field::bool("skip_password_checks");
const SIGN_OUT: Field = Field::bool("sign_out_of_other_sessions");

/// The password keys of `POST /users` (a new user has no session to sign out of).
pub const CREATE_FIELDS: &[Field] = &[
    PASSWORD,
    PASSWORD_DIGEST,
    PASSWORD_HASHER,
    SKIP_PASSWORD_CHECKS,
    Field::without_effect("sign_out_of_other_sessions"),
];

/// The password keys of `PATCH /users/{user_id}`.
pub const UPDATE_FIELDS: &[Field] = &[PASSWORD, PASSWORD_DIGEST, PASSWORD_HASHER, SKIP_PASSWORD_CHECKS, SIGN_OUT];

/// `POST /users/{user_id}/verify_password`.
pub const VERIFY_PASSWORD: Body = Body {
    schema: "VerifyPasswordRequestBody",
    groups: &[&[Field { name: "password", kind: Kind::String { min_chars: 0, max_chars: None }, required: true }]],
};

/// `POST /users/{user_id}/remove_password`.
pub const REMOVE_PASSWORD: Body = Body { schema: "RemoveUserPasswordRequestBody", groups: &[&[SIGN_OUT]] };

/// A password a request sets, checked but not hashed yet. `Debug` shows neither password nor digest.
pub(crate) enum NewPassword {
    Plain(String),
    Digest { hasher: Hasher, digest: String },
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NewPassword::Plain(_) => f.write_str("Plain(<redacted>)"),
            NewPassword::Digest { hasher, .. } => write!(f, "Digest({}, <redacted>)", hasher.name()),
        }
    }
}

/// The password keys of a create or update body, read.
#[derive(Debug)]
pub(crate) struct PasswordInput {
    pub new: Option<NewPassword>,
    /// `sign_out_of_other_sessions` (updates only).
    pub sign_out: bool,
}

fn too_short() -> ApiError {
    let m = format!("Passwords must be {MIN_PASSWORD_CHARS} characters or more.");
    ApiError::new(ErrorKind::Unprocessable, "form_password_length_too_short", m.clone(), m).with_param("password")
}

fn too_long() -> ApiError {
    let m = format!("Passwords must be {MAX_PASSWORD_CHARS} characters or less.");
    ApiError::new(ErrorKind::Unprocessable, "form_password_length_too_long", m.clone(), m).with_param("password")
}

fn digest_invalid(hasher: Hasher, why: &str) -> ApiError {
    ApiError::new(
        ErrorKind::Unprocessable,
        "form_password_digest_invalid_code",
        "is invalid",
        format!("password_digest is not a valid {} digest: {why}.", hasher.name()),
    )
    .with_param("password_digest")
}

fn hasher_invalid(name: &str) -> ApiError {
    let supported: Vec<&str> = hashers::SUPPORTED.iter().map(|h| h.name()).collect();
    let why = if hashers::UNSUPPORTED.contains(&name) {
        format!("Tessera cannot verify {name} digests.")
    } else {
        format!("{name} is not a password hasher.")
    };
    ApiError::param_value("password_hasher", format!("{why} Supported: {}.", supported.join(", ")))
}

/// 400 `no_password_set`.
fn no_password_set() -> ApiError {
    ApiError::new(
        ErrorKind::BadRequest,
        "no_password_set",
        "no password set",
        "This user does not have a password set for their account",
    )
}

/// 422 `incorrect_password`.
fn incorrect_password() -> ApiError {
    ApiError::new(
        ErrorKind::Unprocessable,
        "incorrect_password",
        "incorrect password",
        "The provided password is not the one the user has set",
    )
}

/// Reads the password keys of a create (`update == false`) or update body and checks them:
/// `password` or `password_digest` (with its `password_hasher`), not both; the length rules; the
/// digest's form. Nothing is hashed yet.
pub(crate) fn take_password(f: &mut Fields, update: bool) -> ApiResult<PasswordInput> {
    let password = f.opt_string(PASSWORD.name)?;
    let digest = f.opt_string(PASSWORD_DIGEST.name)?;
    let hasher = f.opt_string(PASSWORD_HASHER.name)?;
    let skip_checks = f.opt_bool(SKIP_PASSWORD_CHECKS.name)?.unwrap_or(false);
    let sign_out = if update { f.opt_bool(SIGN_OUT.name)?.unwrap_or(false) } else { false };
    let new = match (password, digest, hasher) {
        (Some(_), Some(_), _) => return Err(ApiError::param_disallowed_with("password_digest", "password")),
        (_, None, Some(_)) => return Err(ApiError::param_missing_with("password_digest", "password_hasher")),
        (_, Some(_), None) => return Err(ApiError::param_missing_with("password_hasher", "password_digest")),
        (Some(p), None, None) => {
            let n = p.chars().count();
            if n > MAX_PASSWORD_CHARS {
                return Err(too_long());
            }
            if n == 0 || (n < MIN_PASSWORD_CHARS && !skip_checks) {
                return Err(too_short());
            }
            Some(NewPassword::Plain(p))
        }
        (None, Some(digest), Some(name)) => {
            let hasher = Hasher::parse(&name).ok_or_else(|| hasher_invalid(&name))?;
            PASSWORD_DIGEST.check_len(&digest)?;
            hashers::check(hasher, &digest).map_err(|why| digest_invalid(hasher, &why))?;
            Some(NewPassword::Digest { hasher, digest })
        }
        (None, None, None) => None,
    };
    if sign_out && new.is_none() {
        return Err(ApiError::param_missing_with("password", "sign_out_of_other_sessions"));
    }
    Ok(PasswordInput { new, sign_out })
}

/// Checks the password keys of a seed file's user entry (a create body) without a store.
pub(crate) fn check_seed_user(entry: &Map<String, Value>) -> ApiResult<()> {
    let keys: Map<String, Value> = entry
        .iter()
        .filter(|(k, _)| CREATE_FIELDS.iter().any(|f| f.name == *k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    take_password(&mut Fields::from_value(Some(Value::Object(keys)))?, false).map(|_| ())
}

impl Tessera {
    /// The record to store for `new`: an Argon2id hash of a password (on the CPU pool), or the
    /// imported digest as given.
    pub(crate) async fn password_record(&self, user_id: &str, new: NewPassword, now: i64) -> ApiResult<PasswordRecord> {
        let (hasher, digest) = match new {
            NewPassword::Plain(p) => {
                let digest = self
                    .on_cpu(move || hashers::hash_argon2id(&p))
                    .await?
                    .map_err(|e| ApiError::internal_logged("hashing a password", e))?;
                (OWN_HASHER, digest)
            }
            NewPassword::Digest { hasher, digest } => (hasher, digest),
        };
        Ok(PasswordRecord { user_id: user_id.to_owned(), hasher: hasher.name().to_owned(), digest, updated_at: now })
    }

    /// Stores an updated user and, when the body set one, their new password (`password_enabled`,
    /// `password_last_updated_at`), revoking their live sessions if asked, atomically. False if the
    /// user is gone.
    pub(crate) async fn update_user_and_password(&self, user: &mut User, input: PasswordInput) -> ApiResult<bool> {
        let Some(new) = input.new else {
            return Ok(self.store.update_user(user).await?);
        };
        let now = self.now_ms();
        let record = self.password_record(&user.id, new, now).await?;
        user.password_enabled = true;
        user.password_last_updated_at = Some(now);
        Ok(self.store.update_user_password(user, Some(&record), input.sign_out.then_some(now)).await?)
    }

    /// `POST /users/{user_id}/verify_password`: `{"verified": true}` when `password` is the user's;
    /// 422 `incorrect_password` when it is not, 400 `no_password_set` when the user has none. A
    /// digest that is not Tessera's own Argon2id hash is replaced by one once its password verifies.
    pub async fn verify_password(&self, id: &str, mut f: Fields) -> ApiResult<VerifyPasswordResponse> {
        let password = f.required_string("password")?;
        f.finish()?;
        self.get_user(id).await?;
        let Some(stored) = self.store.get_password(id).await? else {
            return Err(no_password_set());
        };
        let Some(hasher) = Hasher::parse(&stored.hasher) else {
            return Err(ApiError::internal_logged("verifying a password", format!("unknown hasher {}", stored.hasher)));
        };
        let digest = stored.digest.clone();
        let (verified, rehashed) = self
            .on_cpu(move || {
                let verified = hashers::verify(hasher, &digest, &password);
                let upgrade = verified && !hashers::is_current(hasher, &digest);
                (verified, upgrade.then(|| hashers::hash_argon2id(&password)))
            })
            .await?;
        if !verified {
            return Err(incorrect_password());
        }
        match rehashed {
            None => {}
            Some(Ok(digest)) => {
                let now = self.now_ms();
                let new =
                    PasswordRecord { hasher: OWN_HASHER.name().to_owned(), digest, updated_at: now, ..stored.clone() };
                if let Err(e) = self.store.rehash_password(&stored.digest, &new).await {
                    tracing::warn!(user_id = %id, error = %e, "upgrading a password digest to Argon2id failed; it stays");
                }
            }
            Some(Err(e)) => {
                tracing::warn!(user_id = %id, error = %e, "hashing a verified password failed; its digest stays")
            }
        }
        Ok(VerifyPasswordResponse { verified: true })
    }

    /// `POST /users/{user_id}/remove_password`: the user without a password (`password_enabled:
    /// false`, `password_last_updated_at: null`); unchanged when they had none. With
    /// `sign_out_of_other_sessions`, their live sessions are revoked in the same transaction.
    pub async fn remove_password(&self, id: &str, mut f: Fields) -> ApiResult<User> {
        let sign_out = f.opt_bool(SIGN_OUT.name)?.unwrap_or(false);
        f.finish()?;
        let mut user = self.get_user(id).await?;
        if !user.password_enabled && self.store.get_password(id).await?.is_none() {
            return Ok(user);
        }
        let now = self.now_ms();
        user.password_enabled = false;
        user.password_last_updated_at = None;
        user.updated_at = now.max(user.updated_at);
        if !self.store.update_user_password(&user, None, sign_out.then_some(now)).await? {
            return Err(ApiError::user_not_found(id));
        }
        Ok(user)
    }
}
