//! Clerk-style ids: a type prefix plus 27 base62 characters, KSUID-like (4 bytes of seconds since the
//! KSUID epoch, then 16 random bytes), so ids sort by creation time.

const KSUID_EPOCH: i64 = 1_400_000_000;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub const USER: &str = "user_";
pub const EMAIL: &str = "idn_";
pub const SESSION: &str = "sess_";
pub const CLIENT: &str = "client_";
pub const ORGANIZATION: &str = "org_";
pub const MEMBERSHIP: &str = "orgmem_";
pub const TEMPLATE: &str = "jtmp_";
pub const INSTANCE: &str = "ins_";
pub const SECRET_KEY: &str = "ak_";
pub const PERMISSION: &str = "perm_";
pub const ROLE: &str = "role_";
pub const ROLE_SET: &str = "rs_";
pub const ACTOR_TOKEN: &str = "act_";
pub const INVITATION: &str = "inv_";
pub const ORGANIZATION_INVITATION: &str = "orginv_";
pub const WEBHOOK_ENDPOINT: &str = "ep_";
pub const WEBHOOK_MESSAGE: &str = "wmsg_";
pub const WEBHOOK_ATTEMPT: &str = "atmpt_";

/// A new id with `prefix` for an object created at `now_ms`.
pub fn new_id(prefix: &str, now_ms: i64) -> String {
    let secs = (now_ms / 1000 - KSUID_EPOCH).clamp(0, u32::MAX as i64) as u32;
    let mut bytes = [0u8; 20];
    bytes[..4].copy_from_slice(&secs.to_be_bytes());
    bytes[4..].copy_from_slice(&tessera_jwt::random_bytes::<16>());
    format!("{prefix}{}", base62_27(bytes))
}

/// Encodes 160 bits as exactly 27 base62 digits (big-endian, zero padded).
fn base62_27(mut num: [u8; 20]) -> String {
    let mut out = [b'0'; 27];
    for slot in out.iter_mut().rev() {
        let mut rem: u32 = 0;
        for byte in num.iter_mut() {
            let acc = (rem << 8) | u32::from(*byte);
            *byte = (acc / 62) as u8;
            rem = acc % 62;
        }
        *slot = BASE62[rem as usize];
    }
    out.iter().map(|&b| b as char).collect()
}

/// True if `id` looks like `prefix` + 27 base62 characters.
pub fn has_shape(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|rest| rest.len() == 27 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_prefix_and_27_chars_and_sort_by_time() {
        let a = new_id(USER, 1_700_000_000_000);
        let b = new_id(USER, 1_700_000_001_000);
        assert!(has_shape(&a, USER), "{a}");
        assert!(a < b);
        assert_ne!(new_id(USER, 0), new_id(USER, 0));
    }

    #[test]
    fn max_value_fits_27_digits() {
        let s = base62_27([0xff; 20]);
        assert_eq!(s, "aWgEPTl1tmebfsQzFP4bxwgy80V");
        assert_eq!(base62_27([0; 20]), "0".repeat(27));
    }
}
