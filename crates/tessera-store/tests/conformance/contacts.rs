//! Checks of `ContactStore`: finding the owner of an email address or phone number, and edits of a
//! user made in one transaction.

use tessera_core::ApiError;
use tessera_core::store::{ContactKind, ContactStore};

use crate::fixtures::*;

fn added(mut u: User, address: &str, n: usize) -> User {
    let mut e = email(user(0), address).email_addresses.remove(0);
    e.id = format!("idn_new_{n}");
    u.email_addresses.push(e);
    u
}

async fn owner(store: &dyn Store, kind: ContactKind, id: &str) -> Option<String> {
    ok(store.get_contact_owner(kind, id).await).map(|u| u.id)
}

async fn holders(store: &dyn Store, address: &str) -> Vec<String> {
    users_where(store, UserFilter { email_address: vec![address.into()], ..Default::default() }).await
}

pub async fn check_contact_owner_and_edits(store: &dyn Store) {
    let u1 = phone(email(user(1), "alice@example.com"), "+15550001");
    let u2 = email(user(2), "bob@example.com");
    ok(store.insert_user(&u1).await);
    ok(store.insert_user(&u2).await);
    let (e1, p1) = (u1.email_addresses[0].id.clone(), u1.phone_numbers[0].id.clone());

    assert_eq!(owner(store, ContactKind::EmailAddress, &e1).await.as_deref(), Some("user_01"));
    assert_eq!(owner(store, ContactKind::PhoneNumber, &p1).await.as_deref(), Some("user_01"));
    assert_eq!(owner(store, ContactKind::PhoneNumber, &e1).await, None, "an email id is no phone number");
    assert_eq!(owner(store, ContactKind::EmailAddress, "idn_nope").await, None);

    // An edit that adds an address: stored with its identifier, in one go.
    let edited = ok(store
        .edit_user("user_01", &|u| {
            *u = added(u.clone(), "alice@work.example", 1);
            u.updated_at += 1;
            Ok(())
        })
        .await);
    let edited = match edited {
        Some(Ok(u)) => u,
        other => panic!("expected the edited user, got {other:?}"),
    };
    assert_eq!(edited.email_addresses.len(), 2);
    assert_eq!(ok(store.get_user("user_01").await), Some(edited.clone()));
    assert_eq!(owner(store, ContactKind::EmailAddress, "idn_new_1").await.as_deref(), Some("user_01"));
    assert_eq!(holders(store, "ALICE@work.example").await, ["user_01"]);

    // A refused edit writes nothing, even what it changed before refusing.
    let refused = ok(store
        .edit_user("user_01", &|u| {
            u.first_name = Some("Changed".into());
            Err(ApiError::param_value("primary", "no"))
        })
        .await);
    assert!(matches!(refused, Some(Err(ref e)) if e.param_name() == Some("primary")), "{refused:?}");
    assert_eq!(ok(store.get_user("user_01").await), Some(edited.clone()));

    // A taken address is a conflict, and nothing is written.
    let taken = store
        .edit_user("user_01", &|u| {
            *u = added(u.clone(), "BOB@example.com", 2);
            Ok(())
        })
        .await;
    assert_eq!(conflict(taken), "email_address");
    assert_eq!(ok(store.get_user("user_01").await), Some(edited.clone()));
    assert_eq!(owner(store, ContactKind::EmailAddress, "idn_new_2").await, None);
    assert_eq!(holders(store, "bob@example.com").await, ["user_02"]);

    // Removing an address removes its identifier: another user can take it.
    let removed = ok(store
        .edit_user("user_01", &|u| {
            u.email_addresses.retain(|e| e.email_address != "alice@example.com");
            u.primary_email_address_id = Some("idn_new_1".into());
            Ok(())
        })
        .await);
    assert!(matches!(removed, Some(Ok(_))));
    assert_eq!(owner(store, ContactKind::EmailAddress, &e1).await, None);
    assert_eq!(holders(store, "alice@example.com").await, Vec::<String>::new());
    ok(store.insert_user(&email(user(3), "alice@example.com")).await);
    assert_eq!(holders(store, "alice@example.com").await, ["user_03"]);

    // An unknown user; an edit may not change the id.
    assert!(ok(store.edit_user("user_nope", &|_| Ok(())).await).is_none());
    let renamed = store
        .edit_user("user_02", &|u| {
            u.id = "user_99".into();
            Ok(())
        })
        .await;
    assert!(matches!(renamed, Err(StoreError::Backend(_))), "{renamed:?}");
    assert_eq!(ok(store.get_user("user_02").await), Some(u2));
    assert_eq!(ok(store.get_user("user_99").await), None);

    // Deleting the user takes its identifiers along.
    assert!(ok(store.delete_user("user_01", T0).await));
    assert_eq!(owner(store, ContactKind::PhoneNumber, &p1).await, None);
}

/// Edits of one user from two nodes at once are all kept: each reads the user as the one before
/// left it (no lost update), on both databases.
pub async fn check_concurrent_user_edits(url: String) {
    let a = open(&url).await;
    let b = open(&url).await;
    ok(a.insert_user(&email(user(1), "first@example.com")).await);
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..16usize {
        let store = if n % 2 == 0 { a.clone() } else { b.clone() };
        tasks.spawn(async move {
            let address = format!("u{n}@example.com");
            let done = store
                .edit_user("user_01", &|u| {
                    *u = added(u.clone(), &address, n);
                    u.updated_at += 1;
                    Ok(())
                })
                .await?;
            assert!(matches!(done, Some(Ok(_))));
            StoreResult::Ok(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(result) => ok(result),
            Err(e) => panic!("editor task failed: {e}"),
        }
    }
    let u = ok(b.get_user("user_01").await).expect("the user is there");
    assert_eq!(u.email_addresses.len(), 17, "every edit is kept");
    assert_eq!(u.updated_at, user(1).updated_at + 16);
    for n in 0..16usize {
        assert_eq!(holders(&a, &format!("u{n}@example.com")).await, ["user_01"]);
    }
    a.close().await;
    b.close().await;
}
