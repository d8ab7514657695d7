//! User lock and unlock (`POST /users/{id}/lock`, `/unlock`), with Clerk's lockout fields on the
//! user: `locked`, `lockout_expires_in_seconds`, `verification_attempts_remaining`.
//!
//! What a lock means in Tessera (docs/api.md, "Lock and unlock"): Tessera has no sign-in flow, so
//! there are no failed attempts and no automatic lockout; a lock is the admin's, and it lasts until
//! unlocked (Clerk's "indefinite lockout": `lockout_expires_in_seconds` is `null`). A locked user
//! gets no new session (`POST /sessions` answers 403 `user_locked`), as Clerk refuses them a sign-in;
//! sessions that already exist keep working and keep minting tokens (`ban` is what ends them).

use tessera_types::User;

use crate::error::{ApiError, ApiResult, ErrorKind};
use crate::service::Tessera;

/// `verification_attempts_remaining` of a user who is not locked out: Clerk's default limit of
/// failed attempts. Unlocking resets it.
pub const MAX_VERIFICATION_ATTEMPTS: i64 = 100;

/// 403 `user_locked`: the answer to a new session for a locked user.
pub(crate) fn user_locked() -> ApiError {
    ApiError::new(
        ErrorKind::Forbidden,
        "user_locked",
        "Account locked",
        "Your account is locked. For more information, please contact support.",
    )
    .with_param("user_id")
}

fn set_lock(u: &mut User, locked: bool, now: i64) {
    u.locked = locked;
    u.lockout_expires_in_seconds = None;
    if !locked {
        u.verification_attempts_remaining = Some(MAX_VERIFICATION_ATTEMPTS);
    }
    u.updated_at = now.max(u.updated_at);
}

impl Tessera {
    /// `POST /users/{id}/lock`: locked until unlocked. Locking a locked user answers it unchanged.
    pub async fn lock_user(&self, id: &str) -> ApiResult<User> {
        let now = self.now_ms();
        self.edit_user(id, &|u| {
            if !u.locked {
                set_lock(u, true, now);
            }
            Ok(())
        })
        .await
    }

    /// `POST /users/{id}/unlock`: also resets `verification_attempts_remaining`.
    pub async fn unlock_user(&self, id: &str) -> ApiResult<User> {
        let now = self.now_ms();
        self.edit_user(id, &|u| {
            if u.locked || u.verification_attempts_remaining != Some(MAX_VERIFICATION_ATTEMPTS) {
                set_lock(u, false, now);
            }
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locking_is_indefinite_and_unlocking_resets_the_attempts() {
        let mut u: User = serde_json::from_value(serde_json::json!({
            "object": "user", "id": "user_1", "external_id": null, "primary_email_address_id": null,
            "primary_phone_number_id": null, "primary_web3_wallet_id": null, "username": null,
            "first_name": null, "last_name": null, "has_image": false, "public_metadata": {},
            "email_addresses": [], "phone_numbers": [], "web3_wallets": [], "passkeys": [],
            "password_enabled": false, "two_factor_enabled": false, "totp_enabled": false,
            "backup_code_enabled": false, "mfa_enabled_at": null, "mfa_disabled_at": null,
            "external_accounts": [], "saml_accounts": [], "enterprise_accounts": [], "last_sign_in_at": null,
            "banned": false, "locked": false, "lockout_expires_in_seconds": null,
            "verification_attempts_remaining": 3, "created_at": 1, "updated_at": 1,
            "delete_self_enabled": true, "create_organization_enabled": true, "last_active_at": null,
            "legal_accepted_at": null
        }))
        .unwrap();
        set_lock(&mut u, true, 50);
        assert_eq!((u.locked, u.lockout_expires_in_seconds, u.verification_attempts_remaining), (true, None, Some(3)));
        assert_eq!(u.updated_at, 50);
        set_lock(&mut u, false, 40);
        assert_eq!((u.locked, u.verification_attempts_remaining), (false, Some(MAX_VERIFICATION_ATTEMPTS)));
        assert_eq!(u.updated_at, 50, "updated_at never goes back");
        assert_eq!(user_locked().code, "user_locked");
        assert_eq!(user_locked().kind.status(), 403);
    }
}
