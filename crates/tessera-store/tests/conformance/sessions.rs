//! Checks of `SessionStore`.

use crate::fixtures::*;

/// Seven sessions whose effective status at `T0 + 100_000` covers every rule.
pub async fn seed_sessions(store: &dyn Store) {
    let d = |ms: i64| T0 + ms;
    use SessionStatus::*;
    for s in [
        session("sess_1", "user_a", "client_1", Active, 1, d(200_000), d(300_000)),
        // expire_at passed
        session("sess_2", "user_a", "client_1", Active, 2, d(50_000), d(300_000)),
        // abandon_at passed (and is the earlier deadline)
        session("sess_3", "user_a", "client_2", Pending, 3, d(200_000), d(90_000)),
        session("sess_4", "user_a", "client_2", Ended, 4, d(50_000), d(60_000)),
        session("sess_5", "user_b", "client_3", Active, 5, d(200_000), d(300_000)),
        // both passed, expire_at first
        session("sess_6", "user_b", "client_3", Active, 6, d(60_000), d(70_000)),
        // both passed, abandon_at first: expiry still wins
        session("sess_7", "user_a", "client_1", Active, 7, d(80_000), d(70_000)),
    ] {
        ok(store.insert_session(&s).await);
    }
}

/// (user_id, client_id, status, expected ids)
type SessionCase<'a> = (Option<&'a str>, Option<&'a str>, Option<SessionStatus>, &'a [&'a str]);

pub async fn check_sessions_effective_status(store: &dyn Store) {
    seed_sessions(store).await;
    let now = T0 + 100_000;
    use SessionStatus::*;

    let (all, total) = sessions_where(store, None, None, None, now, ALL).await;
    assert_eq!(total, 7);
    assert_eq!(session_ids(&all), ["sess_7", "sess_6", "sess_5", "sess_4", "sess_3", "sess_2", "sess_1"]);
    let statuses: Vec<SessionStatus> = all.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [Expired, Expired, Active, Ended, Abandoned, Expired, Active]);

    let cases: [SessionCase; 9] = [
        (None, None, Some(Active), &["sess_5", "sess_1"]),
        (None, None, Some(Expired), &["sess_7", "sess_6", "sess_2"]),
        (None, None, Some(Abandoned), &["sess_3"]),
        (None, None, Some(Ended), &["sess_4"]),
        (None, None, Some(Pending), &[]),
        (Some("user_a"), None, Some(Active), &["sess_1"]),
        (None, Some("client_2"), None, &["sess_4", "sess_3"]),
        (Some("user_b"), None, None, &["sess_6", "sess_5"]),
        (Some("user_a"), Some("client_3"), None, &[]),
    ];
    for (user_id, client_id, status, expected) in cases {
        let (list, total) = sessions_where(store, user_id, client_id, status, now, ALL).await;
        assert_eq!(session_ids(&list), expected, "{user_id:?} {client_id:?} {status:?}");
        assert_eq!(total, expected.len() as i64);
        if let Some(status) = status {
            assert!(list.iter().all(|s| s.status == status), "data agrees with the filter");
        }
    }

    // Paging keeps the total.
    let (list, total) = sessions_where(store, None, None, None, now, page(2, 1)).await;
    assert_eq!((session_ids(&list), total), (vec!["sess_6", "sess_5"], 7));
    let (list, total) = sessions_where(store, None, None, Some(Expired), now, page(1, 1)).await;
    assert_eq!((session_ids(&list), total), (vec!["sess_6"], 3));

    // get_session returns the stored status.
    assert_eq!(stored_session(store, "sess_2").await.status, Active);
    assert_eq!(stored_session(store, "sess_3").await.status, Pending);
    assert_eq!(ok(store.get_session("sess_nope").await), None);

    // The store's effective status is core's, at every instant (boundaries included).
    for at in [0, 50_000, 60_000, 69_999, 70_000, 80_000, 90_000, 100_000, 200_000, 300_000] {
        let at = T0 + at;
        let (list, _) = sessions_where(store, None, None, None, at, ALL).await;
        for listed in list {
            let stored = stored_session(store, &listed.id).await;
            let expected = tessera_core::sessions::effective_status(&stored, at);
            assert_eq!(listed.status, expected, "{} at {at}", listed.id);
            let (filtered, _) = sessions_where(store, None, None, Some(expected), at, ALL).await;
            assert!(filtered.iter().any(|s| s.id == listed.id), "{} at {at}", listed.id);
        }
    }

    // `now` decides: early on everything live is live, much later nothing is.
    let (list, _) = sessions_where(store, None, None, Some(Active), T0, ALL).await;
    assert_eq!(session_ids(&list), ["sess_7", "sess_6", "sess_5", "sess_2", "sess_1"]);
    let (list, _) = sessions_where(store, None, None, Some(Pending), T0, ALL).await;
    assert_eq!(session_ids(&list), ["sess_3"]);
    let (list, _) = sessions_where(store, None, None, Some(Active), T0 + 10_000_000, ALL).await;
    assert!(list.is_empty());

    // Duplicate ids conflict.
    let dup = session("sess_1", "user_x", "client_x", Active, 9, T0, T0);
    assert_eq!(conflict(store.insert_session(&dup).await), "id");
}

pub async fn check_end_session(store: &dyn Store) {
    seed_sessions(store).await;
    let now = T0 + 100_000;
    use SessionStatus::*;

    let s = ok(store.end_session("sess_1", Ended, now).await);
    let s = s.unwrap_or_else(|| panic!("sess_1 missing"));
    assert_eq!((s.status, s.updated_at), (Ended, now));
    assert_eq!(stored_session(store, "sess_1").await, s);

    // Terminal sessions do not move again.
    let again = ok(store.end_session("sess_1", Revoked, now + 5).await);
    assert_eq!(again.map(|s| (s.status, s.updated_at)), Some((Ended, now)));
    let ended = ok(store.end_session("sess_4", Revoked, now).await);
    assert_eq!(ended.map(|s| (s.status, s.updated_at)), Some((Ended, T0 + 4)));

    // Sessions past expire_at / abandon_at are returned as stored, unchanged.
    let expired = ok(store.end_session("sess_2", Revoked, now).await);
    assert_eq!(expired.map(|s| (s.status, s.updated_at)), Some((Active, T0 + 2)));
    let abandoned = ok(store.end_session("sess_3", Revoked, now).await);
    assert_eq!(abandoned.map(|s| (s.status, s.updated_at)), Some((Pending, T0 + 3)));
    // Exactly at expire_at counts as expired.
    let at_edge = ok(store.end_session("sess_5", Removed, T0 + 200_000).await);
    assert_eq!(at_edge.map(|s| s.status), Some(Active));

    // A live pending session can be ended.
    let pending = session("sess_8", "user_a", "client_1", Pending, 8, T0 + 1_000_000, T0 + 1_000_000);
    ok(store.insert_session(&pending).await);
    let revoked = ok(store.end_session("sess_8", Revoked, now).await);
    assert_eq!(revoked.map(|s| (s.status, s.updated_at)), Some((Revoked, now)));

    assert_eq!(ok(store.end_session("sess_nope", Ended, now).await), None);

    // The rest of the stored object survives the status change.
    let s8 = stored_session(store, "sess_8").await;
    assert_eq!(s8, Session { status: Revoked, updated_at: now, ..pending });
}
