//! Checks of `PasswordStore`: passwords beside users, never in them.

use tessera_core::store::PasswordRecord;

use crate::fixtures::*;

fn record(user_id: &str, hasher: &str, digest: &str, at: i64) -> PasswordRecord {
    PasswordRecord { user_id: user_id.into(), hasher: hasher.into(), digest: digest.into(), updated_at: at }
}

/// A user inserted with a password has it, and their document does not; an update replaces it,
/// removes it, and can revoke the user's live sessions in the same write; a deleted user's password
/// goes with them.
pub async fn check_passwords(store: &dyn Store) {
    let live = T0 + 1_000_000;
    let first = record("user_01", "argon2id", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", T0);
    let mut u = email(user(1), "pw@example.com");
    u.password_enabled = true;
    ok(store.insert_user_with_password(&u, &first).await);
    assert_eq!(ok(store.get_password("user_01").await), Some(first.clone()));
    assert_eq!(ok(store.get_user("user_01").await), Some(u.clone()));
    assert_eq!(ok(store.get_password("user_02").await), None);

    // Conflicts are the user's: nothing of the second user (nor their password) is stored.
    let taken = email(user(2), "pw@example.com");
    let e = store.insert_user_with_password(&taken, &record("user_02", "bcrypt", "$2b$…", T0)).await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict(ref f) if f == "email_address"), "{e:?}");
    assert_eq!(ok(store.get_user("user_02").await), None);
    assert_eq!(ok(store.get_password("user_02").await), None);

    // Replaced with the user, sessions kept.
    ok(store.insert_session(&session("sess_a", "user_01", "c", SessionStatus::Active, 1, live, live)).await);
    let second = record("user_01", "bcrypt", "$2b$12$second", T0 + 5);
    u.first_name = Some("Ada".into());
    assert!(ok(store.update_user_password(&u, Some(&second), None).await));
    assert_eq!(ok(store.get_password("user_01").await), Some(second.clone()));
    assert_eq!(ok(store.get_user("user_01").await).and_then(|u| u.first_name), Some("Ada".into()));
    assert_eq!(stored_session(store, "sess_a").await.status, SessionStatus::Active);

    // Replaced again, revoking the live sessions at that time.
    let third = record("user_01", "argon2id", "$argon2id$third", T0 + 9);
    assert!(ok(store.update_user_password(&u, Some(&third), Some(T0 + 9)).await));
    let s = stored_session(store, "sess_a").await;
    assert_eq!((s.status, s.updated_at), (SessionStatus::Revoked, T0 + 9));

    // A rehash happens only while the digest is the one it upgrades.
    let upgraded = record("user_01", "argon2id", "$argon2id$upgraded", T0 + 10);
    assert!(!ok(store.rehash_password("$2b$12$second", &upgraded).await));
    assert_eq!(ok(store.get_password("user_01").await), Some(third.clone()));
    assert!(ok(store.rehash_password("$argon2id$third", &upgraded).await));
    assert_eq!(ok(store.get_password("user_01").await), Some(upgraded));
    assert!(!ok(store.rehash_password("$argon2id$third", &record("user_09", "argon2id", "x", T0)).await));

    // Removed, the user kept.
    u.password_enabled = false;
    assert!(ok(store.update_user_password(&u, None, None).await));
    assert_eq!(ok(store.get_password("user_01").await), None);
    assert_eq!(ok(store.get_user("user_01").await).map(|u| u.password_enabled), Some(false));
    assert!(ok(store.update_user_password(&u, None, None).await), "removing no password is no error");
    assert!(!ok(store.update_user_password(&user(7), Some(&first), None).await), "unknown user");
    assert_eq!(ok(store.get_password("user_07").await), None);

    // Deleting the user deletes the password.
    assert!(ok(store.update_user_password(&u, Some(&first), None).await));
    assert!(ok(store.delete_user("user_01", T0 + 20).await));
    assert_eq!(ok(store.get_password("user_01").await), None);
    ok(store.insert_user(&user(1)).await);
    assert_eq!(ok(store.get_password("user_01").await), None, "a new user with the same id has no password");
}
