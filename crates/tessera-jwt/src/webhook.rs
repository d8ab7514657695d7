//! Webhook signing exactly as Svix (and Standard Webhooks) sign: an endpoint secret is `whsec_` +
//! base64 of random bytes; a signature is `v1,` + base64 HMAC-SHA256 over `{id}.{timestamp}.{body}`
//! keyed with the base64-decoded part after `whsec_`. Pure: the timestamp is an argument.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The prefix of every webhook endpoint secret.
pub const WEBHOOK_SECRET_PREFIX: &str = "whsec_";

/// A new endpoint secret: `whsec_` + base64 of 24 random bytes (as Svix makes them).
pub fn new_webhook_secret() -> String {
    let bytes: [u8; 24] = crate::random_bytes();
    format!("{WEBHOOK_SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The HMAC key of a `whsec_…` secret (the bytes after the prefix, base64-decoded); `None` when it is
/// not one. A secret without the prefix is read as the base64 part alone, as Svix's libraries do.
pub fn webhook_secret_key(secret: &str) -> Option<Vec<u8>> {
    let b64 = secret.strip_prefix(WEBHOOK_SECRET_PREFIX).unwrap_or(secret);
    let key = STANDARD.decode(b64).ok()?;
    (!key.is_empty()).then_some(key)
}

/// One signature, `v1,<base64>`, of `body` sent as message `id` at `timestamp` (unix seconds).
pub fn webhook_signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let k = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&k);
    ctx.update(id.as_bytes());
    ctx.update(b".");
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    format!("v1,{}", STANDARD.encode(ctx.sign().as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Svix's published test vector (svix-webhooks: the libraries' `sign` tests, e.g.
    /// `php/tests/WebhookTest.php` `testSignFunctionWorks`).
    #[test]
    fn signatures_match_the_svix_test_vector() {
        let key = webhook_secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = webhook_signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, br#"{"test": 2432232314}"#);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn new_secrets_are_whsec_and_24_random_bytes() {
        let a = new_webhook_secret();
        assert!(a.starts_with("whsec_"));
        assert_eq!(webhook_secret_key(&a).unwrap().len(), 24);
        assert_ne!(a, new_webhook_secret());
        assert!(webhook_secret_key("whsec_").is_none());
        assert!(webhook_secret_key("whsec_!!").is_none());
    }
}
