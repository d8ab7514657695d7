//! The contact rules over a user, without a store.

use serde_json::json;

use super::*;

const NOW: i64 = 1_000;

fn user() -> User {
    serde_json::from_value(json!({
        "object": "user", "id": "user_1", "external_id": null, "primary_email_address_id": null,
        "primary_phone_number_id": null, "primary_web3_wallet_id": null, "username": null,
        "first_name": null, "last_name": null, "has_image": false, "public_metadata": {},
        "email_addresses": [], "phone_numbers": [], "web3_wallets": [], "passkeys": [],
        "password_enabled": false, "two_factor_enabled": false, "totp_enabled": false,
        "backup_code_enabled": false, "mfa_enabled_at": null, "mfa_disabled_at": null,
        "external_accounts": [], "saml_accounts": [], "enterprise_accounts": [], "last_sign_in_at": null,
        "banned": false, "locked": false, "lockout_expires_in_seconds": null,
        "verification_attempts_remaining": 100, "created_at": 1, "updated_at": 1,
        "delete_self_enabled": true, "create_organization_enabled": true, "last_active_at": null,
        "legal_accepted_at": null
    }))
    .unwrap()
}

fn email(address: &str, status: Status) -> EmailAddress {
    new_email(address.to_owned(), status, NOW)
}

fn phone(number: &str, status: Status) -> PhoneNumber {
    new_phone(number.to_owned(), status, NOW)
}

fn code(r: ApiResult<()>) -> (&'static str, Option<String>) {
    let e = r.unwrap_err();
    (e.code, e.param_name().map(str::to_owned))
}

#[test]
fn email_and_phone_shapes() {
    assert!(valid_email("a@b.co"));
    assert!(!valid_email("a@b"));
    assert!(!valid_email("ab.co"));
    assert!(!valid_email("a b@c.co"));
    assert!(valid_phone("+15555550100"));
    assert!(!valid_phone("15555550100"));
    assert!(!valid_phone("+1"));
    assert_eq!(normalize_email("  Ada@Example.COM ", "email_address").unwrap(), "ada@example.com");
    assert_eq!(normalize_phone("+1 (555) 555-0100", "phone_number").unwrap(), "+15555550100");
    let e = normalize_phone("555", "phone_number").unwrap_err();
    assert_eq!((e.code, e.param_name()), ("form_param_format_invalid", Some("phone_number")));
}

#[test]
fn statuses_set_verification_and_reserved() {
    let v = email("a@x.io", Status::Verified);
    assert_eq!((v.verification.as_ref().map(|v| v.status.as_str()), v.reserved), (Some("verified"), false));
    assert_eq!(v.verification.as_ref().unwrap().object.as_deref(), Some("verification_admin"));
    let r = email("b@x.io", Status::Reserved);
    assert_eq!((r.verification.is_none(), r.reserved), (true, true));
    let u = phone("+15555550100", Status::Unverified);
    assert_eq!((u.verification.is_none(), u.reserved), (true, false));
    assert!(u.id.starts_with("idn_"));
}

#[test]
fn the_first_address_becomes_primary_and_primary_true_promotes_any() {
    let mut u = user();
    let first = email("a@x.io", Status::Unverified);
    add_email(&mut u, &first, false, NOW).unwrap();
    assert_eq!(u.primary_email_address_id.as_deref(), Some(first.id.as_str()), "first, even unverified");
    assert_eq!(u.updated_at, NOW);
    let second = email("b@x.io", Status::Verified);
    add_email(&mut u, &second, false, NOW).unwrap();
    assert_eq!(u.primary_email_address_id.as_deref(), Some(first.id.as_str()), "not asked: unchanged");
    let third = email("c@x.io", Status::Unverified);
    add_email(&mut u, &third, true, NOW).unwrap();
    assert_eq!(u.primary_email_address_id.as_deref(), Some(third.id.as_str()), "asked: promoted, unverified");
    // The same address twice in one user.
    let again = email("A@X.IO", Status::Verified);
    assert_eq!(code(add_email(&mut u, &again, false, NOW)), ("form_identifier_exists", Some("email_address".into())));
}

#[test]
fn make_primary_names_the_parameter_that_asked() {
    let mut u = user();
    let a = email("a@x.io", Status::Verified);
    let b = email("b@x.io", Status::Reserved);
    add_email(&mut u, &a, false, NOW).unwrap();
    add_email(&mut u, &b, false, NOW).unwrap();
    let e = make_primary(&mut u, ContactKind::EmailAddress, &b.id, "primary_email_address_id").unwrap_err();
    assert_eq!((e.code, e.param_name()), ("form_verification_needed", Some("primary_email_address_id")));
    let e = make_primary(&mut u, ContactKind::EmailAddress, "idn_nope", "primary_email_address_id").unwrap_err();
    assert_eq!(e.code, "form_param_value_invalid");
    assert!(e.long_message.contains("is not an email address of this user"), "{}", e.long_message);
    let e = make_primary(&mut u, ContactKind::PhoneNumber, &a.id, "primary_phone_number_id").unwrap_err();
    assert!(e.long_message.contains("is not a phone number"), "{}", e.long_message);
    make_primary(&mut u, ContactKind::EmailAddress, &a.id, "primary_email_address_id").unwrap();
}

#[test]
fn updates_verify_unverify_and_promote() {
    let mut u = user();
    let a = email("a@x.io", Status::Verified);
    let b = email("b@x.io", Status::Reserved);
    add_email(&mut u, &a, false, NOW).unwrap();
    add_email(&mut u, &b, false, NOW).unwrap();
    let promote = Change { primary: Some(true), ..Change::default() };
    let mut promoted = u.clone();
    update_email(&mut promoted, &b.id, promote, NOW + 1).unwrap();
    assert_eq!(promoted.primary_email_address_id.as_deref(), Some(b.id.as_str()), "an unverified one too");
    // Verified and promoted in one request.
    let both = Change { verified: Some(true), primary: Some(true), ..Change::default() };
    update_email(&mut u, &b.id, both, NOW + 5).unwrap();
    let stored = u.email_addresses.iter().find(|e| e.id == b.id).unwrap();
    assert_eq!((is_verified(&stored.verification), stored.reserved, stored.updated_at), (true, false, NOW + 5));
    assert_eq!(u.primary_email_address_id.as_deref(), Some(b.id.as_str()));
    // Unverified again; `primary: false` changes nothing.
    let off = Change { verified: Some(false), primary: Some(false), ..Change::default() };
    update_email(&mut u, &b.id, off, NOW + 6).unwrap();
    assert!(u.email_addresses.iter().find(|e| e.id == b.id).unwrap().verification.is_none());
    assert_eq!(u.primary_email_address_id.as_deref(), Some(b.id.as_str()));
    // Nothing asked, nothing changes.
    let before = u.clone();
    update_email(&mut u, &a.id, Change::default(), NOW + 9).unwrap();
    assert_eq!(u, before);
    assert_eq!(code(update_email(&mut u, "idn_nope", Change::default(), NOW)).0, "resource_not_found");
}

#[test]
fn deleting_the_primary_elects_the_oldest_verified_then_the_oldest() {
    let mut u = user();
    let a = email("a@x.io", Status::Verified);
    let b = email("b@x.io", Status::Unverified);
    let c = email("c@x.io", Status::Verified);
    let d = email("d@x.io", Status::Unverified);
    for e in [&a, &b, &c, &d] {
        add_email(&mut u, e, false, NOW).unwrap();
    }
    remove_email(&mut u, &a.id, NOW + 1).unwrap();
    assert_eq!(u.primary_email_address_id.as_deref(), Some(c.id.as_str()), "oldest verified");
    remove_email(&mut u, &c.id, NOW + 2).unwrap();
    assert_eq!(u.primary_email_address_id.as_deref(), Some(b.id.as_str()), "else the oldest");
    remove_email(&mut u, &d.id, NOW + 3).unwrap();
    assert_eq!(u.primary_email_address_id.as_deref(), Some(b.id.as_str()), "a non-primary leaves it alone");
    assert_eq!(u.updated_at, NOW + 3);
    // The last identification stays; with a phone number beside it, it goes and the primary clears.
    assert_eq!(code(remove_email(&mut u.clone(), &b.id, NOW)), ("identification_deletion_failed", None));
    let p = phone("+15555550100", Status::Verified);
    add_phone(&mut u, &p, false, NOW).unwrap();
    remove_email(&mut u, &b.id, NOW).unwrap();
    assert_eq!((u.primary_email_address_id.as_deref(), u.email_addresses.len()), (None, 0));
    assert_eq!(code(remove_phone(&mut u.clone(), &p.id, NOW)).0, "identification_deletion_failed");
    // A username counts as an identification.
    u.username = Some("ada".into());
    remove_phone(&mut u, &p.id, NOW).unwrap();
    assert_eq!(u.primary_phone_number_id, None);
    assert_eq!(code(remove_phone(&mut u, &p.id, NOW)).0, "resource_not_found");
}

#[test]
fn second_factor_numbers_are_verified_with_one_default() {
    let mut u = user();
    u.username = Some("ada".into());
    let mut unverified = phone("+15555550100", Status::Unverified);
    unverified.reserved_for_second_factor = true;
    let e = add_phone(&mut u, &unverified, false, NOW).unwrap_err();
    assert_eq!((e.code, e.kind.status()), ("identification_create_second_factor_unverified", 400));
    let mut a = phone("+15555550101", Status::Verified);
    a.reserved_for_second_factor = true;
    add_phone(&mut u, &a, false, NOW).unwrap();
    assert!(u.phone_numbers[0].default_second_factor);
    assert!(u.two_factor_enabled);
    assert_eq!(u.mfa_enabled_at, Some(NOW));
    let b = phone("+15555550102", Status::Verified);
    add_phone(&mut u, &b, false, NOW).unwrap();
    let reserve = Change { reserved_for_second_factor: Some(true), ..Change::default() };
    update_phone(&mut u, &b.id, reserve, NOW + 1).unwrap();
    let flags: Vec<(bool, bool)> =
        u.phone_numbers.iter().map(|p| (p.reserved_for_second_factor, p.default_second_factor)).collect();
    assert_eq!(flags, vec![(true, true), (true, false)], "the default stays where it was");
    // Unverifying a second factor is refused; releasing the default moves it.
    let unverify = Change { verified: Some(false), ..Change::default() };
    assert_eq!(
        code(update_phone(&mut u.clone(), &a.id, unverify, NOW)).0,
        "identification_update_second_factor_unverified"
    );
    let release = Change { reserved_for_second_factor: Some(false), ..Change::default() };
    update_phone(&mut u, &a.id, release, NOW + 2).unwrap();
    let flags: Vec<(bool, bool)> =
        u.phone_numbers.iter().map(|p| (p.reserved_for_second_factor, p.default_second_factor)).collect();
    assert_eq!(flags, vec![(false, false), (true, true)]);
    remove_phone(&mut u, &b.id, NOW + 3).unwrap();
    assert!(!u.two_factor_enabled);
    assert_eq!(u.mfa_disabled_at, Some(NOW + 3));
    // The last identification cannot become a second factor.
    let mut lone = user();
    let only = phone("+15555550103", Status::Verified);
    add_phone(&mut lone, &only, false, NOW).unwrap();
    let e = update_phone(&mut lone, &only.id, reserve, NOW).unwrap_err();
    assert_eq!((e.code, e.param_name()), ("identification_update_failed", Some("reserved_for_second_factor")));
}

#[test]
fn new_users_get_their_addresses_with_statuses_by_position() {
    let body = json!({
        "email_address": ["Ada@Example.com", "ada@work.io"],
        "email_address_identification_status": ["verified", "reserved"],
        "phone_number": ["+1 555 555 0100"],
    });
    let mut f = Fields::from_value(Some(body)).unwrap();
    let (emails, phones) = NewContacts::take(&mut f).unwrap().build(NOW).unwrap();
    f.finish().unwrap();
    assert_eq!(emails.iter().map(|e| e.email_address.as_str()).collect::<Vec<_>>(), ["ada@example.com", "ada@work.io"]);
    assert_eq!((is_verified(&emails[0].verification), emails[0].reserved), (true, false));
    assert_eq!((is_verified(&emails[1].verification), emails[1].reserved), (false, true));
    assert_eq!((phones[0].phone_number.as_str(), is_verified(&phones[0].verification)), ("+15555550100", true));

    let build = |body: serde_json::Value| {
        let mut f = Fields::from_value(Some(body)).unwrap();
        NewContacts::take(&mut f).unwrap().build(NOW).map(|_| ())
    };
    let e =
        build(json!({"email_address": ["a@x.io"], "email_address_identification_status": ["verified", "reserved"]}))
            .unwrap_err();
    assert_eq!((e.code, e.param_name()), ("form_param_value_invalid", Some("email_address_identification_status")));
    let e = build(json!({"phone_number": ["+15555550100"], "phone_number_identification_status": ["unverified"]}))
        .unwrap_err();
    assert_eq!((e.code, e.param_name()), ("form_param_value_invalid", Some("phone_number_identification_status")));
    let e = build(json!({"email_address": ["a@x.io", "A@X.io"]})).unwrap_err();
    assert_eq!((e.code, e.param_name()), ("form_identifier_exists", Some("email_address")));
    assert!(build(json!({"email_address": [], "email_address_identification_status": []})).is_ok());
}
