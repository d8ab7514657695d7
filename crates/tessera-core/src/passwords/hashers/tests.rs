//! Fixed test vectors, each made by another implementation: Openwall's bcrypt and phpass test
//! vectors, the Argon2 reference implementation's (`test.c`), the Django digests of the
//! djangohashers crate's tests, and digests computed with Python's `hashlib` (`pbkdf2_hmac`, `md5`,
//! `sha1`, `sha256`, `sha512`) for the forms no published vector covers.

use super::*;

/// The password of the digests made with Python's hashlib below.
const PW: &str = "correct horse battery";
/// The password of djangohashers' Django vectors.
const DJANGO_PW: &str = "ExjGmyUT73bFoT";

#[track_caller]
fn verifies(h: Hasher, digest: &str, password: &str) {
    assert_eq!(check(h, digest), Ok(()), "{}", h.name());
    assert!(verify(h, digest, password), "{} does not verify its password", h.name());
    assert!(!verify(h, digest, &format!("{password}!")), "{} verifies another password", h.name());
    assert!(!verify(h, digest, ""), "{} verifies the empty password", h.name());
}

#[test]
fn argon2_reference_vectors() {
    // argon2 reference implementation, test.c: password "password", salt "somesalt", m=2^16, t=2, p=1.
    let i = "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";
    verifies(Hasher::Argon2i, i, "password");
    let id = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    verifies(Hasher::Argon2id, id, "password");
    // The hasher must name the digest's variant.
    assert!(check(Hasher::Argon2id, i).is_err());
    assert!(check(Hasher::Argon2i, id).is_err());
    assert!(!verify(Hasher::Argon2id, i, "password"));
}

#[test]
fn tesseras_own_hash_is_argon2id_with_the_documented_parameters() {
    let h = hash_argon2id(PW).unwrap();
    assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
    verifies(Hasher::Argon2id, &h, PW);
    assert!(is_current(Hasher::Argon2id, &h));
    assert_ne!(hash_argon2id(PW).unwrap(), h, "a fresh salt each time");
    let reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    assert!(!is_current(Hasher::Argon2id, reference), "other parameters are rehashed");
    assert!(!is_current(Hasher::Bcrypt, &h));
}

#[test]
fn bcrypt_vectors() {
    // Openwall's crypt_blowfish test vectors.
    verifies(Hasher::Bcrypt, "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U");
    verifies(Hasher::Bcrypt, "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK", "U*U*");
    // Django's BCryptPasswordHasher without its `bcrypt$` prefix (djangohashers' vector).
    verifies(Hasher::Bcrypt, "$2b$12$LZSJchsWG/DrBy1erNs4ee31eJ7DaWiuwhDOC7aqIyqGGggfu6Y/.", DJANGO_PW);
    verifies(
        Hasher::BcryptSha256Django,
        "bcrypt_sha256$$2b$12$LZSJchsWG/DrBy1erNs4eeYo6tZNlLFQmONdxN9HPesa1EyXVcTXK",
        DJANGO_PW,
    );
    assert!(check(Hasher::BcryptSha256Django, "$2b$12$LZSJchsWG/DrBy1erNs4ee31eJ7DaWiuwhDOC7aqIyqGGggfu6Y/.").is_err());
    assert!(check(Hasher::Bcrypt, "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe").is_err());
    let costly = check(Hasher::Bcrypt, "$2a$17$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW").unwrap_err();
    assert!(costly.contains("cost 16"), "{costly}");
}

#[test]
fn pbkdf2_vectors() {
    // Django's PBKDF2PasswordHasher (djangohashers' vector): raw salt, base64 hash.
    verifies(
        Hasher::Pbkdf2Sha256Django,
        "pbkdf2_sha256$24000$KQ8zeK6wKRuR$cmhbSt1XVKuO4FGd9+AX8qSBD4Z0395nZatXTJpEtTY=",
        DJANGO_PW,
    );
    // hashlib.pbkdf2_hmac, each in its hasher's form.
    verifies(
        Hasher::Pbkdf2Sha256,
        "pbkdf2_sha256$10000$AQJzZWFzYWx0/w==$JiPPC5PHdAPhq/Vi32SoWvKPn6SVS3Iz/7v6Y9JQouc=",
        PW,
    );
    verifies(
        Hasher::Pbkdf2Sha256,
        "pbkdf2_sha256$10000$AQJzZWFzYWx0/w$JiPPC5PHdAPhq/Vi32SoWvKPn6SVS3Iz/7v6Y9JQouc",
        PW,
    );
    verifies(
        Hasher::Pbkdf2Sha256Django,
        "pbkdf2_sha256$10000$Kq8zeK6wKRuR$vFF7i5aDsR7y5HVSo4JJH8/+FUhuXd0Hc/8XMaFn0l0=",
        PW,
    );
    verifies(
        Hasher::Pbkdf2Sha1,
        "pbkdf2_sha1$10000$saltysalt$854c617eebb4d1895967ef647e62678ba8eef343714076a0724af1a3967fbc2c",
        PW,
    );
    verifies(Hasher::Pbkdf2Sha1, "pbkdf2_sha1$10000$a1b2c3d4e5f60718$205f369416a5ec7ca4302563e93be7a147c93ad6$20", PW);
    verifies(
        Hasher::Pbkdf2Sha512,
        "pbkdf2_sha512$10000$plainsalt$1686da1f3b7a90481466d805033a5105e11e84d9b70b54062e6269ca86337b628bf6381dac0c9d7\
         6200a4ad2b86bbd01d950c9772ca599dac59994dbce2e4844",
        PW,
    );
    let hex512 = "b9049d3df3cc3a2533f0a93b4e3390b7ba12cb081d06c7cd6c1aa6967b9735d463b184100ab7b59e65904a378c5e2612166cc8c\
                  acccb60114a0affa0ed0b57fa";
    verifies(Hasher::Pbkdf2Sha512Hex, &format!("pbkdf2_sha512_hex$10000$0011223344556677${hex512}"), PW);
    verifies(Hasher::Pbkdf2Sha512Hex, &format!("pbkdf2_sha512$10000$0011223344556677${hex512}"), PW);
    // The same bytes read with another hasher's encoding do not verify.
    assert!(!verify(
        Hasher::Pbkdf2Sha256,
        "pbkdf2_sha256$24000$KQ8zeK6wKRuR$cmhbSt1XVKuO4FGd9+AX8qSBD4Z0395nZatXTJpEtTY=",
        DJANGO_PW
    ));
    for (h, bad) in [
        (Hasher::Pbkdf2Sha256Django, "pbkdf2_sha256$0$salt$cmhbSt1XVKuO4FGd9+AX8qSBD4Z0395nZatXTJpEtTY="),
        (Hasher::Pbkdf2Sha256Django, "pbkdf2_sha256$-1$salt$cmhbSt1XVKuO4FGd9+AX8qSBD4Z0395nZatXTJpEtTY="),
        (Hasher::Pbkdf2Sha256Django, "pbkdf2_sha256$5000001$salt$cmhbSt1XVKuO4FGd9+AX8qSBD4Z0395nZatXTJpEtTY="),
        (Hasher::Pbkdf2Sha256Django, "pbkdf2_sha1$24000$salt$cmhbSt1XVKuO4FGd9+AX8qSBD4Z0395nZatXTJpEtTY="),
        (Hasher::Pbkdf2Sha256Django, "pbkdf2_sha256$24000$salt$"),
        (Hasher::Pbkdf2Sha256, "pbkdf2_sha256$24000$not base64$cmhbSt1XVKuO4FGd9+AX8qSBD4Z0395nZatXTJpEtTY="),
        (Hasher::Pbkdf2Sha1, "pbkdf2_sha1$10000$a1b2$205f369416a5ec7ca4302563e93be7a147c93ad6$32"),
        (Hasher::Pbkdf2Sha512, "pbkdf2_sha512$10000$salt$nothex"),
        (Hasher::Pbkdf2Sha512Hex, "pbkdf2_sha512_hex$10000$salt$00"),
    ] {
        assert!(check(h, bad).is_err(), "{} accepts {bad}", h.name());
        assert!(!verify(h, bad, DJANGO_PW));
    }
}

#[test]
fn phpass_vectors() {
    // Openwall phpass' own test (test.php).
    verifies(Hasher::Phpass, "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", "test12345");
    // A Python port of crypt_private (checked against the vector above).
    verifies(Hasher::Phpass, "$P$BZ1b2c3d4b.BNL81XoBX/i8Mdz7jKh/", PW);
    verifies(Hasher::Md5Phpass, "$H$9saltsaltc6FiMZ7qxtxcwwPo4F3va.", PW);
    verifies(Hasher::Md5Phpass, "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", "test12345");
    for bad in [
        "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L",
        "$Q$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0",
        "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L!",
        "$P$4IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0",
        "$P$zIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0",
    ] {
        assert!(check(Hasher::Phpass, bad).is_err(), "{bad}");
    }
}

#[test]
fn plain_and_salted_digest_vectors() {
    verifies(Hasher::Md5, "88e4ddd2402d92d50e1879d6ecd9ffd4", PW);
    verifies(Hasher::Md5, "88E4DDD2402D92D50E1879D6ECD9FFD4", PW);
    verifies(Hasher::Md5, "5f4dcc3b5aa765d61d8327deb882cf99", "password");
    verifies(Hasher::Sha256, "9028ea0d15decaa35b2da21c0290af3b1a5ba0a30a591906f89b5074e209ea72", PW);
    verifies(Hasher::Sha256, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "test");
    verifies(Hasher::LdapSsha, "{SSHA}64G2Lx3M12XCMoNYLZtKgQGGYMEKCwwN", PW);
    verifies(Hasher::LdapSsha, "{ssha}64G2Lx3M12XCMoNYLZtKgQGGYMEKCwwN", PW);
    verifies(
        Hasher::Sha512Symfony,
        "sha512_symfony$5000$sym.salt$ksxdJpOes7GVrIL9zUEy8FGMyR+l97gQixez42pKpsXNnkgRrtBPTZYLsDEHB3i0Fe2oWYtdipAr6mzCVEpnDw==",
        PW,
    );
    for (h, bad) in [
        (Hasher::Md5, "88e4ddd2402d92d50e1879d6ecd9ffd"),
        (Hasher::Md5, "zze4ddd2402d92d50e1879d6ecd9ffd4"),
        (Hasher::Sha256, "88e4ddd2402d92d50e1879d6ecd9ffd4"),
        (Hasher::LdapSsha, "{SHA}64G2Lx3M12XCMoNYLZtKgQGGYMEKCwwN"),
        (Hasher::LdapSsha, "{SSHA}64G2Lx3M12XCMoNYLZtKgQGGYME="),
        (
            Hasher::Sha512Symfony,
            "sha512_symfony$0$salt$ksxdJpOes7GVrIL9zUEy8FGMyR+l97gQixez42pKpsXNnkgRrtBPTZYLsDEHB3i0Fe2oWYtdipAr6mzCVEpnDw==",
        ),
        (
            Hasher::Sha512Symfony,
            "sha512_symfony$5000$sa{lt$ksxdJpOes7GVrIL9zUEy8FGMyR+l97gQixez42pKpsXNnkgRrtBPTZYLsDEHB3i0Fe2oWYtdipAr6mzCVEpnDw==",
        ),
        (Hasher::Sha512Symfony, "sha512_symfony$5000$salt$AAAA"),
    ] {
        assert!(check(h, bad).is_err(), "{} accepts {bad}", h.name());
    }
}

#[test]
fn names_round_trip_and_unsupported_hashers_are_not_parsed() {
    for h in SUPPORTED {
        assert_eq!(Hasher::parse(h.name()), Some(*h));
    }
    for name in UNSUPPORTED.iter().chain(&["", "BCRYPT", "plaintext"]) {
        assert_eq!(Hasher::parse(name), None, "{name}");
    }
}

#[test]
fn refusals_never_repeat_the_digest() {
    let digest = "pbkdf2_sha256$24000$KQ8zeK6wKRuR$secretsecretsecret";
    for h in SUPPORTED {
        if let Err(e) = check(*h, digest) {
            assert!(!e.contains("KQ8zeK6wKRuR") && !e.contains("secretsecret"), "{}: {e}", h.name());
        }
    }
}
