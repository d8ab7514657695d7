//! Email addresses, phone numbers and user lock/unlock, through the SDK (raw HTTP for wire shapes
//! and error documentation).

use serde_json::{Value, json};
use tessera_client::types::{
    CreateEmailAddressRequestBody, CreatePhoneNumberRequestBody, CreateUserRequestBody, UpdateEmailAddressRequestBody,
    UpdatePhoneNumberRequestBody, UpdateUserRequestBody,
};
use tessera_client::{GetUserListRequest, User};

use crate::clerk_schema::assert_fits_clerk;
use crate::helpers::*;
use crate::openapi::{assert_documented, document};

fn add_email(
    user_id: &str,
    address: &str,
    verified: Option<bool>,
    primary: Option<bool>,
) -> CreateEmailAddressRequestBody {
    CreateEmailAddressRequestBody {
        user_id: user_id.to_owned(),
        email_address: address.to_owned(),
        verified,
        primary,
        ..Default::default()
    }
}

fn add_phone(user_id: &str, number: &str, verified: bool, second_factor: bool) -> CreatePhoneNumberRequestBody {
    CreatePhoneNumberRequestBody {
        user_id: user_id.to_owned(),
        phone_number: number.to_owned(),
        verified: Some(verified),
        reserved_for_second_factor: second_factor.then_some(true),
        ..Default::default()
    }
}

async fn holders(app: &TestApp, address: &str) -> Vec<String> {
    let req = GetUserListRequest { email_address: vec![address.to_owned()], ..Default::default() };
    app.sdk.users().list(req).await.unwrap().into_iter().map(|u| u.id).collect()
}

fn emails_of(u: &User) -> Vec<&str> {
    u.email_addresses.iter().map(|e| e.email_address.as_str()).collect()
}

#[tokio::test]
async fn email_addresses_are_added_verified_promoted_and_deleted_with_primary_re_election() {
    let app = TestApp::spawn().await;
    let emails = app.sdk.email_addresses();
    let ada = app.user("a@example.com").await;
    let first = ada.email_addresses[0].id.clone();

    // Unverified by default, not primary (the user has one).
    app.advance_secs(10);
    let b = emails.create(add_email(&ada.id, " B@Example.com ", None, None)).await.unwrap();
    assert_eq!((b.email_address.as_str(), b.verification.is_none(), b.reserved), ("b@example.com", true, false));
    assert!(b.id.starts_with("idn_") && b.created_at == T0 + 10_000 && b.updated_at == b.created_at);
    assert_eq!(emails.get(&b.id).await.unwrap(), b);
    // Verified and primary at once.
    let c = emails.create(add_email(&ada.id, "c@example.com", Some(true), Some(true))).await.unwrap();
    let v = c.verification.as_ref().unwrap();
    assert_eq!(
        (v.status.as_str(), v.strategy.as_str(), v.object.as_deref()),
        ("verified", "admin", Some("verification_admin"))
    );
    let u = app.sdk.users().get(&ada.id).await.unwrap();
    assert_eq!(emails_of(&u), ["a@example.com", "b@example.com", "c@example.com"]);
    assert_eq!(u.primary_email_address_id.as_deref(), Some(c.id.as_str()));
    assert_eq!(u.updated_at, T0 + 10_000);
    assert_eq!(holders(&app, "c@example.com").await, [ada.id.as_str()]);

    // PATCH /users takes only a verified address as the primary, as Clerk documents; the address
    // endpoints promote as asked, verified or not.
    let patch = UpdateUserRequestBody { primary_email_address_id: Some(b.id.clone()), ..Default::default() };
    let param = assert_api_err_param(app.sdk.users().update(&ada.id, patch).await, 422, "form_verification_needed");
    assert_eq!(param, "primary_email_address_id");
    let promote = UpdateEmailAddressRequestBody { primary: Some(true), ..Default::default() };
    emails.update(&b.id, promote.clone()).await.unwrap();
    let u = app.sdk.users().get(&ada.id).await.unwrap();
    assert_eq!(u.primary_email_address_id.as_deref(), Some(b.id.as_str()));
    emails.update(&c.id, promote).await.unwrap();
    app.advance_secs(5);
    let verify = UpdateEmailAddressRequestBody { verified: Some(true), ..Default::default() };
    let b2 = emails.update(&b.id, verify).await.unwrap();
    assert_eq!((b2.verification.as_ref().map(|v| v.status.as_str()), b2.updated_at), (Some("verified"), T0 + 15_000));
    let unverify = UpdateEmailAddressRequestBody { verified: Some(false), ..Default::default() };
    assert!(emails.update(&b.id, unverify).await.unwrap().verification.is_none());

    // Deleting the primary elects the oldest verified address left (a), not the oldest (b).
    let _ = first;
    let deleted = emails.delete(&c.id).await.unwrap();
    assert_eq!(
        (deleted.object.as_str(), deleted.id.as_deref(), deleted.deleted),
        ("email_address", Some(c.id.as_str()), true)
    );
    assert_api_err(emails.get(&c.id).await, 404, "resource_not_found");
    assert_api_err(emails.delete(&c.id).await, 404, "resource_not_found");
    let u = app.sdk.users().get(&ada.id).await.unwrap();
    assert_eq!(u.primary_email_address_id.as_deref(), Some(ada.email_addresses[0].id.as_str()));
    assert_eq!(holders(&app, "c@example.com").await, Vec::<String>::new());
    emails.delete(&ada.email_addresses[0].id).await.unwrap();
    let u = app.sdk.users().get(&ada.id).await.unwrap();
    assert_eq!(u.primary_email_address_id.as_deref(), Some(b.id.as_str()), "else the oldest");

    // The last identification stays; beside a phone number it goes, and the primary id clears.
    assert_api_err(emails.delete(&b.id).await, 400, "identification_deletion_failed");
    app.sdk.phone_numbers().create(add_phone(&ada.id, "+15555550100", true, false)).await.unwrap();
    emails.delete(&b.id).await.unwrap();
    let u = app.sdk.users().get(&ada.id).await.unwrap();
    assert_eq!((u.email_addresses.len(), u.primary_email_address_id), (0, None));
    // The freed address can be taken by another user.
    let other = app.user("b@example.com").await;
    assert_eq!(holders(&app, "b@example.com").await, [other.id.as_str()]);
    app.stop().await;
}

#[tokio::test]
async fn bad_email_address_requests_are_clerk_errors_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let ada = app.user("ada@example.com").await;
    let grace = app.user("grace@example.com").await;
    let emails = app.sdk.email_addresses();
    let taken = assert_api_err_param(
        emails.create(add_email(&grace.id, "ADA@example.com", Some(true), None)).await,
        422,
        "form_identifier_exists",
    );
    assert_eq!(taken, "email_address");
    let again = emails.create(add_email(&ada.id, "ada@EXAMPLE.com", None, None)).await;
    assert_eq!(assert_api_err_param(again, 422, "form_identifier_exists"), "email_address");
    let bad = emails.create(add_email(&ada.id, "not-an-address", None, None)).await;
    assert_eq!(assert_api_err_param(bad, 422, "form_param_format_invalid"), "email_address");
    let nobody = emails.create(add_email("user_nope", "x@example.com", None, None)).await;
    assert_eq!(assert_api_err_param(nobody, 404, "resource_not_found"), "user_id");
    assert_api_err(emails.get("idn_nope").await, 404, "resource_not_found");
    // A phone number's id is not an email address's.
    let phone = app.sdk.phone_numbers().create(add_phone(&ada.id, "+15555550100", false, false)).await.unwrap();
    assert_api_err(emails.get(&phone.id).await, 404, "resource_not_found");
    assert_api_err(app.sdk.phone_numbers().get(&ada.email_addresses[0].id).await, 404, "resource_not_found");

    // Raw: missing, mistyped and unknown keys; every answer documented and in Clerk's envelope.
    let cases = [
        (json!({"user_id": ada.id}), 422, "form_param_missing", "email_address"),
        (json!({"email_address": "x@example.com"}), 422, "form_param_missing", "user_id"),
        (
            json!({"user_id": ada.id, "email_address": "x@example.com", "verified": "yes"}),
            422,
            "form_param_type_invalid",
            "verified",
        ),
        (json!({"user_id": ada.id, "email_address": "x@example.com", "bogus": 1}), 422, "form_param_unknown", "bogus"),
        (json!({"user_id": "user_nope", "email_address": "x@example.com"}), 404, "resource_not_found", "user_id"),
    ];
    for (body, status, code, param) in cases {
        let r = app.post("/email_addresses", body.clone()).await;
        r.err(status, code);
        assert_eq!(r.param(), param, "{body}");
        assert_documented(&doc, "POST", "/v1/email_addresses", &r);
        assert_fits_clerk("post", "/email_addresses", &r);
    }
    let r = app.patch(&format!("/email_addresses/{}", ada.email_addresses[0].id), json!({"primary": 1})).await;
    r.err(422, "form_param_type_invalid");
    let r = app.delete(&format!("/email_addresses/{}", grace.email_addresses[0].id)).await;
    r.err(400, "identification_deletion_failed");
    assert_documented(&doc, "DELETE", "/v1/email_addresses/{email_address_id}", &r);
    assert_fits_clerk("delete", "/email_addresses/{email_address_id}", &r);
    // `notify_primary_email_address_changed` is accepted (Tessera sends no mail).
    let r = app
        .post(
            "/email_addresses",
            json!({"user_id": ada.id, "email_address": "n@example.com", "notify_primary_email_address_changed": true}),
        )
        .await;
    assert_documented(&doc, "POST", "/v1/email_addresses", &r);
    app.stop().await;
}

#[tokio::test]
async fn phone_numbers_carry_second_factor_flags_and_two_factor_follows() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let phones = app.sdk.phone_numbers();
    let ada = app.user("ada@example.com").await;

    let p1 = phones.create(add_phone(&ada.id, "+1 (555) 555-0100", false, false)).await.unwrap();
    assert_eq!((p1.phone_number.as_str(), p1.verification.is_none()), ("+15555550100", true));
    let u = app.sdk.users().get(&ada.id).await.unwrap();
    assert_eq!(
        u.primary_phone_number_id.as_deref(),
        Some(p1.id.as_str()),
        "the first number is primary, verified or not"
    );

    // A second factor must be verified.
    let r = app
        .post(
            "/phone_numbers",
            json!({"user_id": ada.id, "phone_number": "+15555550101", "reserved_for_second_factor": true}),
        )
        .await;
    r.err(400, "identification_create_second_factor_unverified");
    assert_eq!(r.param(), "reserved_for_second_factor");
    assert_documented(&doc, "POST", "/v1/phone_numbers", &r);
    assert_fits_clerk("post", "/phone_numbers", &r);
    let p2 = phones.create(add_phone(&ada.id, "+15555550101", true, true)).await.unwrap();
    assert!(p2.reserved_for_second_factor && p2.default_second_factor);
    let u = app.sdk.users().get(&ada.id).await.unwrap();
    assert!(u.two_factor_enabled);
    assert_eq!(u.mfa_enabled_at, Some(T0));
    let reserve = UpdatePhoneNumberRequestBody { reserved_for_second_factor: Some(true), ..Default::default() };
    let r = phones.update(&p1.id, reserve.clone()).await;
    assert_eq!(
        assert_api_err_param(r, 400, "identification_update_second_factor_unverified"),
        "reserved_for_second_factor"
    );
    let both = UpdatePhoneNumberRequestBody { verified: Some(true), ..reserve.clone() };
    let p1 = phones.update(&p1.id, both).await.unwrap();
    assert!(p1.reserved_for_second_factor && !p1.default_second_factor, "the default stays with p2");

    // Releasing the default moves it; deleting the last second factor turns two-factor off.
    app.advance_secs(3);
    let release = UpdatePhoneNumberRequestBody { reserved_for_second_factor: Some(false), ..Default::default() };
    phones.update(&p2.id, release).await.unwrap();
    assert!(phones.get(&p1.id).await.unwrap().default_second_factor);
    let d = phones.delete(&p1.id).await.unwrap();
    assert_eq!((d.object.as_str(), d.deleted), ("phone_number", true));
    let u = app.sdk.users().get(&ada.id).await.unwrap();
    assert!(!u.two_factor_enabled);
    assert_eq!(u.mfa_disabled_at, Some(T0 + 3_000));
    assert_eq!(u.primary_phone_number_id.as_deref(), Some(p2.id.as_str()), "the primary went with p1: p2 is elected");

    // The user's only way in cannot become a second factor.
    let lone = app
        .sdk
        .users()
        .create(CreateUserRequestBody { phone_number: Some(vec!["+15555550199".into()]), ..Default::default() })
        .await
        .unwrap();
    let r = app
        .patch(&format!("/phone_numbers/{}", lone.phone_numbers[0].id), json!({"reserved_for_second_factor": true}))
        .await;
    r.err(400, "identification_update_failed");
    assert_documented(&doc, "PATCH", "/v1/phone_numbers/{phone_number_id}", &r);
    let taken = phones.create(add_phone(&ada.id, "+15555550199", true, false)).await;
    assert_eq!(assert_api_err_param(taken, 422, "form_identifier_exists"), "phone_number");
    let bad = phones.create(add_phone(&ada.id, "5550100", true, false)).await;
    assert_eq!(assert_api_err_param(bad, 422, "form_param_format_invalid"), "phone_number");
    app.stop().await;
}

#[tokio::test]
async fn users_are_created_and_updated_with_several_addresses_and_statuses() {
    let app = TestApp::spawn().await;
    let u = app
        .sdk
        .users()
        .create(CreateUserRequestBody {
            email_address: Some(vec!["Ada@Example.com".into(), "ada@work.example".into(), "ada@old.example".into()]),
            email_address_identification_status: Some(vec!["verified".into(), "reserved".into(), "verified".into()]),
            phone_number: Some(vec!["+15555550100".into(), "+15555550101".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(emails_of(&u), ["ada@example.com", "ada@work.example", "ada@old.example"]);
    let statuses: Vec<(bool, bool)> =
        u.email_addresses.iter().map(|e| (e.verification.is_some(), e.reserved)).collect();
    assert_eq!(statuses, [(true, false), (false, true), (true, false)]);
    assert_eq!(u.primary_email_address_id.as_deref(), Some(u.email_addresses[0].id.as_str()));
    assert_eq!(u.primary_phone_number_id.as_deref(), Some(u.phone_numbers[0].id.as_str()));
    assert!(u.phone_numbers.iter().all(|p| p.verification.is_some()));
    for address in ["ada@example.com", "ada@work.example", "ada@old.example"] {
        assert_eq!(holders(&app, address).await, [u.id.as_str()], "{address}");
    }

    // PATCH /users moves the primaries to verified ones; sorting by the primary address follows.
    let other = app.user("ada@m.example").await;
    let first_by_email = || async { app.get("/users?order_by=email_address&limit=1").await.ok()[0]["id"].clone() };
    assert_eq!(first_by_email().await, json!(u.id));
    let patch = UpdateUserRequestBody {
        primary_email_address_id: Some(u.email_addresses[2].id.clone()),
        primary_phone_number_id: Some(u.phone_numbers[1].id.clone()),
        ..Default::default()
    };
    let u2 = app.sdk.users().update(&u.id, patch).await.unwrap();
    assert_eq!(u2.primary_email_address_id.as_deref(), Some(u.email_addresses[2].id.as_str()));
    assert_eq!(u2.primary_phone_number_id.as_deref(), Some(u.phone_numbers[1].id.as_str()));
    let r = app.patch(&format!("/users/{}", u.id), json!({"primary_email_address_id": u.email_addresses[1].id})).await;
    r.err(422, "form_verification_needed");
    let r = app.patch(&format!("/users/{}", u.id), json!({"primary_phone_number_id": "idn_nope"})).await;
    r.err(422, "form_param_value_invalid");
    assert_eq!(r.param(), "primary_phone_number_id");
    assert_eq!(first_by_email().await, json!(other.id), "ada@m.example sorts before ada@old.example");

    // Statuses: one per address, `verified` or `reserved`.
    let r = app.post("/users", json!({"email_address": ["x@example.com"], "email_address_identification_status": ["verified", "reserved"]})).await;
    r.err(422, "form_param_value_invalid");
    assert_eq!(r.param(), "email_address_identification_status");
    let r = app
        .post("/users", json!({"phone_number": ["+15555550155"], "phone_number_identification_status": ["unverified"]}))
        .await;
    r.err(422, "form_param_value_invalid");
    assert_eq!(r.param(), "phone_number_identification_status");
    assert_eq!(holders(&app, "x@example.com").await, Vec::<String>::new());
    // Created locked and banned.
    let r = app.post("/users", json!({"email_address": ["l@example.com"], "locked": true, "banned": true})).await;
    let v = r.ok();
    assert_eq!(
        (&v["locked"], &v["banned"], &v["lockout_expires_in_seconds"]),
        (&json!(true), &json!(true), &Value::Null)
    );
    assert_fits_clerk("post", "/users", &r);
    app.stop().await;
}

#[tokio::test]
async fn a_locked_user_gets_no_new_session_but_keeps_running_ones() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let ada = app.user("ada@example.com").await;
    let running = app.session(&ada.id, None).await;
    app.advance_secs(7);

    let locked = app.sdk.users().lock(&ada.id).await.unwrap();
    assert!(locked.locked);
    assert_eq!((locked.lockout_expires_in_seconds, locked.verification_attempts_remaining), (None, Some(100)));
    assert_eq!(locked.updated_at, T0 + 7_000);
    assert_eq!(app.sdk.users().get(&ada.id).await.unwrap(), locked);
    let again = app.sdk.users().lock(&ada.id).await.unwrap();
    assert_eq!(again, locked, "locking a locked user changes nothing");

    let r = app.post("/sessions", json!({"user_id": ada.id})).await;
    r.err(403, "user_locked");
    assert_eq!(r.param(), "user_id");
    assert_documented(&doc, "POST", "/v1/sessions", &r);
    assert_fits_clerk("post", "/sessions", &r);
    // The session that was running keeps minting, and reads as active.
    app.session_token(&running.id, None).await.unwrap();
    assert_eq!(app.sdk.sessions().get(&running.id).await.unwrap().status, tessera_client::SessionStatus::Active);
    // Users can be listed by what they are not: a locked user is not banned.
    assert!(!locked.banned);

    let r = app.post(&format!("/users/{}/unlock", ada.id), json!({})).await;
    assert_fits_clerk("post", "/users/{user_id}/unlock", &r);
    assert_eq!(r.ok()["locked"], json!(false));
    app.session(&ada.id, None).await;

    let r = app.post("/users/user_nope/lock", json!({})).await;
    r.err(404, "resource_not_found");
    assert_documented(&doc, "POST", "/v1/users/{user_id}/lock", &r);
    assert_fits_clerk("post", "/users/{user_id}/lock", &r);
    let r = app.post(&format!("/users/{}/lock", ada.id), json!({})).await;
    assert_documented(&doc, "POST", "/v1/users/{user_id}/lock", &r);
    assert_fits_clerk("post", "/users/{user_id}/lock", &r);
    // A banned and locked user is refused as banned.
    app.sdk.users().ban(&ada.id).await.unwrap();
    app.post("/sessions", json!({"user_id": ada.id})).await.err(403, "user_banned");
    app.stop().await;
}

#[tokio::test]
async fn contact_responses_fit_clerks_schemas_and_the_document() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let ada = app.user("ada@example.com").await;
    let check = |method: &str, clerk: &str, r: &Resp| {
        assert_fits_clerk(method, clerk, r);
        assert_documented(&doc, method, &format!("/v1{clerk}"), r);
    };
    let r = app.post("/email_addresses", json!({"user_id": ada.id, "email_address": "u@example.com"})).await;
    check("post", "/email_addresses", &r);
    let unverified = r.ok()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.ok()["verification"], Value::Null);
    let r = app
        .post("/email_addresses", json!({"user_id": ada.id, "email_address": "v@example.com", "verified": true}))
        .await;
    check("post", "/email_addresses", &r);
    let path = format!("/email_addresses/{unverified}");
    check("get", "/email_addresses/{email_address_id}", &app.get(&path).await);
    check("patch", "/email_addresses/{email_address_id}", &app.patch(&path, json!({"verified": true})).await);
    check("patch", "/email_addresses/{email_address_id}", &app.patch(&path, json!({"primary": true})).await);
    check("delete", "/email_addresses/{email_address_id}", &app.delete(&path).await);
    check("get", "/email_addresses/{email_address_id}", &app.get(&path).await);

    let r = app.post("/phone_numbers", json!({"user_id": ada.id, "phone_number": "+15555550100", "verified": true, "reserved_for_second_factor": true})).await;
    check("post", "/phone_numbers", &r);
    let p = format!("/phone_numbers/{}", r.ok()["id"].as_str().unwrap());
    check("get", "/phone_numbers/{phone_number_id}", &app.get(&p).await);
    check(
        "patch",
        "/phone_numbers/{phone_number_id}",
        &app.patch(&p, json!({"reserved_for_second_factor": false, "primary": true})).await,
    );
    check("delete", "/phone_numbers/{phone_number_id}", &app.delete(&p).await);
    check("delete", "/phone_numbers/{phone_number_id}", &app.delete(&p).await);

    let lock = format!("/users/{}/lock", ada.id);
    check("post", "/users/{user_id}/lock", &app.post(&lock, json!({})).await);
    check("post", "/users/{user_id}/unlock", &app.post(&format!("/users/{}/unlock", ada.id), json!({})).await);
    let u = app.get(&format!("/users/{}", ada.id)).await;
    check("get", "/users/{user_id}", &u);
    assert_eq!(u.ok()["email_addresses"].as_array().unwrap().len(), 2);
    app.stop().await;
}

/// Concurrent adds to one user are all kept (each edit reads what the one before wrote), on SQLite
/// and, when configured, PostgreSQL; deleting the user takes its addresses along.
#[tokio::test]
async fn concurrent_address_writes_on_one_user_are_all_kept() {
    let mut apps = vec![TestApp::spawn().await];
    apps.extend(TestApp::spawn_postgres().await);
    for app in apps {
        let ada = app.user("ada@example.com").await;
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..12 {
            let sdk = app.sdk.clone();
            let user_id = ada.id.clone();
            tasks.spawn(async move {
                if n % 3 == 2 {
                    let number = format!("+1555555{n:04}");
                    sdk.phone_numbers().create(add_phone(&user_id, &number, true, false)).await.map(|p| p.id)
                } else {
                    let body = add_email(&user_id, &format!("n{n}@example.com"), Some(true), None);
                    sdk.email_addresses().create(body).await.map(|e| e.id)
                }
            });
        }
        let mut ids = Vec::new();
        while let Some(done) = tasks.join_next().await {
            ids.push(done.unwrap().unwrap());
        }
        let u = app.sdk.users().get(&ada.id).await.unwrap();
        assert_eq!((u.email_addresses.len(), u.phone_numbers.len()), (9, 4), "no write is lost");
        app.sdk.users().delete(&ada.id).await.unwrap();
        for id in &ids {
            assert_eq!(app.get(&format!("/email_addresses/{id}")).await.status, 404);
            assert_eq!(app.get(&format!("/phone_numbers/{id}")).await.status, 404);
        }
        app.stop().await;
    }
}
