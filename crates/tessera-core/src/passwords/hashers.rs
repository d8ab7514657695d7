//! The password hashes themselves, pure functions: Tessera's own Argon2id hash, and checking and
//! verifying the digests of each hasher Clerk lists that a maintained crate can verify (`argon2`,
//! `bcrypt`, `md-5`, and aws-lc-rs through `tessera_jwt` for PBKDF2 and SHA). Every comparison of a
//! derived value with a stored one is constant-time. No error text repeats a digest or a password.
//!
//! Digest forms are Clerk's (`CreateUserParams.passwordHasher` in @clerk/backend, "must be in the
//! format of"): see [`Hasher`]. Costs are capped at import ([`check`]) so that one stored digest
//! cannot make every verification of it take minutes.

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use md5::{Digest as _, Md5};
use tessera_jwt::{Sha, constant_time_eq, pbkdf2_verify, sha_digest};

/// Tessera's Argon2id parameters (OWASP's password storage recommendation): 19 MiB of memory,
/// 2 passes, 1 lane, a 16-byte random salt and a 32-byte output, as a PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
pub const ARGON2_PASSES: u32 = 2;
pub const ARGON2_LANES: u32 = 1;
const ARGON2_OUTPUT_BYTES: usize = 32;

/// The most an imported digest may cost to verify: Argon2 memory (KiB), passes and lanes, bcrypt's
/// cost, PBKDF2 iterations, phpass' log2 rounds, Symfony iterations.
pub const MAX_ARGON2_MEMORY_KIB: u32 = 256 * 1024;
pub const MAX_ARGON2_PASSES: u32 = 16;
pub const MAX_ARGON2_LANES: u32 = 16;
pub const MAX_BCRYPT_COST: u32 = 16;
pub const MAX_PBKDF2_ITERATIONS: u32 = 5_000_000;
pub const MAX_PHPASS_LOG2_ROUNDS: u32 = 24;
pub const MAX_SYMFONY_ITERATIONS: u32 = 1_000_000;

/// A hasher Clerk accepts in `password_hasher` and Tessera can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hasher {
    /// `$argon2i$v=19$m=…,t=…,p=…$<salt>$<hash>` (PHC string).
    Argon2i,
    /// `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`; also what Tessera stores for its own hashes.
    Argon2id,
    /// `$2a$`, `$2b$`, `$2x$` or `$2y$` + cost + 53 characters of salt and hash.
    Bcrypt,
    /// Django's `bcrypt_sha256$$2b$<cost>$…`: bcrypt of the hex SHA-256 of the password.
    BcryptSha256Django,
    /// 32 hex digits: MD5 of the password.
    Md5,
    /// `pbkdf2_sha1$<iterations>$<salt>$<hex hash>[$<key length>]`; the salt is hex when it is
    /// valid hex, its raw bytes otherwise.
    Pbkdf2Sha1,
    /// `pbkdf2_sha256$<iterations>$<base64 salt>$<base64 hash>`.
    Pbkdf2Sha256,
    /// Django's `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>` (the salt as is).
    Pbkdf2Sha256Django,
    /// `pbkdf2_sha512$<iterations>$<salt>$<hex hash>` (the salt as is).
    Pbkdf2Sha512,
    /// `pbkdf2_sha512_hex$<iterations>$<hex salt>$<hex hash>` (`pbkdf2_sha512$` accepted too).
    Pbkdf2Sha512Hex,
    /// phpass' portable hashes: `$P$` (or phpBB's `$H$`), a rounds character, 8 of salt, 22 of hash.
    Phpass,
    /// The same portable MD5 phpass hashes under Clerk's other name.
    Md5Phpass,
    /// 64 hex digits: SHA-256 of the password.
    Sha256,
    /// `{SSHA}` + base64 of SHA-1(password + salt) followed by the salt.
    LdapSsha,
    /// `sha512_symfony$<iterations>$<salt>$<base64 hash>`: Symfony's legacy
    /// `MessageDigestPasswordEncoder` with SHA-512.
    Sha512Symfony,
}

/// Every hasher Tessera verifies, in the order the docs list them.
pub const SUPPORTED: &[Hasher] = &[
    Hasher::Argon2i,
    Hasher::Argon2id,
    Hasher::Bcrypt,
    Hasher::BcryptSha256Django,
    Hasher::Md5,
    Hasher::Md5Phpass,
    Hasher::Pbkdf2Sha1,
    Hasher::Pbkdf2Sha256,
    Hasher::Pbkdf2Sha256Django,
    Hasher::Pbkdf2Sha512,
    Hasher::Pbkdf2Sha512Hex,
    Hasher::Phpass,
    Hasher::Sha256,
    Hasher::LdapSsha,
    Hasher::Sha512Symfony,
];

/// Hashers Clerk lists that Tessera does not verify: Cognito migrations call AWS, the scrypt
/// variants would need another crate (and Firebase's AES), and the others have no documented form.
pub const UNSUPPORTED: &[&str] = &[
    "awscognito",
    "bcrypt_peppered",
    "hmac_sha256_utf16_b64",
    "md5_salted",
    "scrypt_firebase",
    "scrypt_werkzeug",
    "sha256_salted",
];

impl Hasher {
    /// The name `password_hasher` takes.
    pub fn name(self) -> &'static str {
        match self {
            Hasher::Argon2i => "argon2i",
            Hasher::Argon2id => "argon2id",
            Hasher::Bcrypt => "bcrypt",
            Hasher::BcryptSha256Django => "bcrypt_sha256_django",
            Hasher::Md5 => "md5",
            Hasher::Md5Phpass => "md5_phpass",
            Hasher::Pbkdf2Sha1 => "pbkdf2_sha1",
            Hasher::Pbkdf2Sha256 => "pbkdf2_sha256",
            Hasher::Pbkdf2Sha256Django => "pbkdf2_sha256_django",
            Hasher::Pbkdf2Sha512 => "pbkdf2_sha512",
            Hasher::Pbkdf2Sha512Hex => "pbkdf2_sha512_hex",
            Hasher::Phpass => "phpass",
            Hasher::Sha256 => "sha256",
            Hasher::LdapSsha => "ldap_ssha",
            Hasher::Sha512Symfony => "sha512_symfony",
        }
    }

    pub fn parse(name: &str) -> Option<Hasher> {
        SUPPORTED.iter().copied().find(|h| h.name() == name)
    }
}

/// A digest taken apart, ready to verify.
enum Parsed {
    Argon2(String),
    Bcrypt { bcrypt: String, sha256_prehash: bool },
    Plain { md5: bool, expected: Vec<u8> },
    Pbkdf2 { sha: Sha, iterations: u32, salt: Vec<u8>, expected: Vec<u8> },
    Phpass { setting: String, expected: String },
    Ssha { hash: Vec<u8>, salt: Vec<u8> },
    Symfony { iterations: u32, salt: String, expected: Vec<u8> },
}

/// Standard base64, with or without padding.
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn b64(s: &str, what: &str) -> Result<Vec<u8>, String> {
    B64.decode(s).map_err(|_| format!("the {what} is not base64"))
}

fn hex_bytes(s: &str, what: &str) -> Result<Vec<u8>, String> {
    hex::decode(s).map_err(|_| format!("the {what} is not hex"))
}

fn iterations(s: &str, max: u32) -> Result<u32, String> {
    let n: u32 = s
        .parse()
        .ok()
        .filter(|_| s.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| "the iteration count is not a number".to_owned())?;
    if n == 0 || n > max {
        return Err(format!("the iteration count must be between 1 and {max}"));
    }
    Ok(n)
}

/// A derived key Tessera can check: 1 to 1,024 bytes.
fn derived(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if bytes.is_empty() || bytes.len() > 1024 {
        return Err("the hash must be 1 to 1024 bytes".to_owned());
    }
    Ok(bytes)
}

fn parse(h: Hasher, digest: &str) -> Result<Parsed, String> {
    match h {
        Hasher::Argon2i | Hasher::Argon2id => parse_argon2(h, digest),
        Hasher::Bcrypt => parse_bcrypt(digest, false),
        Hasher::BcryptSha256Django => {
            let rest = digest.strip_prefix("bcrypt_sha256$").ok_or("it must start with bcrypt_sha256$")?;
            parse_bcrypt(rest, true)
        }
        Hasher::Md5 | Hasher::Sha256 => {
            let (md5, len) = if h == Hasher::Md5 { (true, 32) } else { (false, 64) };
            if digest.len() != len {
                return Err(format!("it must be {len} hex digits"));
            }
            Ok(Parsed::Plain { md5, expected: hex_bytes(digest, "digest")? })
        }
        Hasher::Pbkdf2Sha1
        | Hasher::Pbkdf2Sha256
        | Hasher::Pbkdf2Sha256Django
        | Hasher::Pbkdf2Sha512
        | Hasher::Pbkdf2Sha512Hex => parse_pbkdf2(h, digest),
        Hasher::Phpass | Hasher::Md5Phpass => {
            let (setting, expected) = phpass_parts(digest)?;
            Ok(Parsed::Phpass { setting: setting.to_owned(), expected: expected.to_owned() })
        }
        Hasher::LdapSsha => {
            let body = digest.get(..6).filter(|p| p.eq_ignore_ascii_case("{SSHA}")).map(|_| &digest[6..]);
            let bytes = b64(body.ok_or("it must start with {SSHA}")?, "digest")?;
            if bytes.len() <= 20 {
                return Err("it must hold a SHA-1 hash and a salt".to_owned());
            }
            let (hash, salt) = bytes.split_at(20);
            Ok(Parsed::Ssha { hash: hash.to_vec(), salt: salt.to_vec() })
        }
        Hasher::Sha512Symfony => {
            let rest = digest.strip_prefix("sha512_symfony$").ok_or("it must start with sha512_symfony$")?;
            let (count, rest) = rest.split_once('$').ok_or("it must be sha512_symfony$<iterations>$<salt>$<hash>")?;
            let (salt, hash) = rest.rsplit_once('$').ok_or("it must be sha512_symfony$<iterations>$<salt>$<hash>")?;
            if salt.contains(['{', '}']) {
                return Err("the salt cannot contain { or }".to_owned());
            }
            let expected = b64(hash, "hash")?;
            if expected.len() != 64 {
                return Err("the hash must be a base64 SHA-512".to_owned());
            }
            Ok(Parsed::Symfony {
                iterations: iterations(count, MAX_SYMFONY_ITERATIONS)?,
                salt: salt.to_owned(),
                expected,
            })
        }
    }
}

fn parse_argon2(h: Hasher, digest: &str) -> Result<Parsed, String> {
    let phc = PasswordHash::new(digest).map_err(|_| "it is not an Argon2 PHC string".to_owned())?;
    if phc.algorithm.as_str() != h.name() {
        return Err(format!("it must start with ${}$", h.name()));
    }
    if phc.salt.is_none() || phc.hash.is_none() {
        return Err("it must hold a salt and a hash".to_owned());
    }
    let params = Params::try_from(&phc).map_err(|_| "its parameters are not Argon2's".to_owned())?;
    if params.m_cost() > MAX_ARGON2_MEMORY_KIB
        || params.t_cost() > MAX_ARGON2_PASSES
        || params.p_cost() > MAX_ARGON2_LANES
    {
        return Err(format!(
            "Tessera verifies Argon2 digests of at most m={MAX_ARGON2_MEMORY_KIB}, t={MAX_ARGON2_PASSES}, p={MAX_ARGON2_LANES}"
        ));
    }
    Ok(Parsed::Argon2(digest.to_owned()))
}

fn parse_bcrypt(digest: &str, sha256_prehash: bool) -> Result<Parsed, String> {
    let parts: bcrypt::HashParts = digest.parse().map_err(|_| "it is not a bcrypt hash".to_owned())?;
    if parts.get_cost() > MAX_BCRYPT_COST {
        return Err(format!("Tessera verifies bcrypt digests of cost {MAX_BCRYPT_COST} at most"));
    }
    Ok(Parsed::Bcrypt { bcrypt: digest.to_owned(), sha256_prehash })
}

fn parse_pbkdf2(h: Hasher, digest: &str) -> Result<Parsed, String> {
    let parts: Vec<&str> = digest.split('$').collect();
    let (prefixes, sha): (&[&str], Sha) = match h {
        Hasher::Pbkdf2Sha1 => (&["pbkdf2_sha1"], Sha::Sha1),
        Hasher::Pbkdf2Sha256 | Hasher::Pbkdf2Sha256Django => (&["pbkdf2_sha256"], Sha::Sha256),
        Hasher::Pbkdf2Sha512 => (&["pbkdf2_sha512"], Sha::Sha512),
        _ => (&["pbkdf2_sha512_hex", "pbkdf2_sha512"], Sha::Sha512),
    };
    let form = format!("it must be {}$<iterations>$<salt>$<hash>", prefixes[0]);
    let key_length = h == Hasher::Pbkdf2Sha1 && parts.len() == 5;
    if !(parts.len() == 4 || key_length) || !prefixes.contains(&parts[0]) {
        return Err(form);
    }
    let count = iterations(parts[1], MAX_PBKDF2_ITERATIONS)?;
    let (salt, hash) = (parts[2], parts[3]);
    let is_hex = |s: &str| !s.is_empty() && s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit());
    let (salt, expected) = match h {
        Hasher::Pbkdf2Sha1 => {
            let salt = if is_hex(salt) { hex_bytes(salt, "salt")? } else { salt.as_bytes().to_vec() };
            (salt, hex_bytes(hash, "hash")?)
        }
        Hasher::Pbkdf2Sha256 => (b64(salt, "salt")?, b64(hash, "hash")?),
        Hasher::Pbkdf2Sha256Django => (salt.as_bytes().to_vec(), b64(hash, "hash")?),
        Hasher::Pbkdf2Sha512 => (salt.as_bytes().to_vec(), hex_bytes(hash, "hash")?),
        _ => (hex_bytes(salt, "salt")?, hex_bytes(hash, "hash")?),
    };
    let expected = derived(expected)?;
    if key_length && parts[4].parse::<usize>().ok() != Some(expected.len()) {
        return Err("the key length is not the length of the hash".to_owned());
    }
    Ok(Parsed::Pbkdf2 { sha, iterations: count, salt, expected })
}

/// Why `digest` cannot be imported as a `h` digest: malformed, or costlier than Tessera verifies.
pub fn check(h: Hasher, digest: &str) -> Result<(), String> {
    parse(h, digest).map(|_| ())
}

/// True when `password` is the one `digest` (a `h` digest) was made from. A malformed digest
/// verifies nothing.
pub fn verify(h: Hasher, digest: &str, password: &str) -> bool {
    let Ok(parsed) = parse(h, digest) else {
        return false;
    };
    let pw = password.as_bytes();
    match parsed {
        Parsed::Argon2(phc) => {
            PasswordHash::new(&phc).is_ok_and(|hash| Argon2::default().verify_password(pw, &hash).is_ok())
        }
        Parsed::Bcrypt { bcrypt, sha256_prehash } => {
            let input = if sha256_prehash { tessera_jwt::sha256_hex(pw) } else { password.to_owned() };
            bcrypt::verify(input, &bcrypt).unwrap_or(false)
        }
        Parsed::Plain { md5, expected } => {
            let actual = if md5 { Md5::digest(pw).to_vec() } else { sha_digest(Sha::Sha256, &[pw]) };
            constant_time_eq(&actual, &expected)
        }
        Parsed::Pbkdf2 { sha, iterations, salt, expected } => pbkdf2_verify(sha, iterations, &salt, pw, &expected),
        Parsed::Phpass { setting, expected } => {
            phpass_crypt(pw, &setting).is_some_and(|actual| constant_time_eq(actual.as_bytes(), expected.as_bytes()))
        }
        Parsed::Ssha { hash, salt } => constant_time_eq(&sha_digest(Sha::Sha1, &[pw, &salt]), &hash),
        Parsed::Symfony { iterations, salt, expected } => {
            let salted = format!("{password}{{{salt}}}");
            let mut d = sha_digest(Sha::Sha512, &[salted.as_bytes()]);
            for _ in 1..iterations {
                d = sha_digest(Sha::Sha512, &[&d, salted.as_bytes()]);
            }
            constant_time_eq(&d, &expected)
        }
    }
}

/// Hashes `password` with Argon2id and Tessera's parameters, under a fresh random salt.
pub fn hash_argon2id(password: &str) -> Result<String, String> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, Some(ARGON2_OUTPUT_BYTES))
        .map_err(|e| e.to_string())?;
    let salt: [u8; 16] = tessera_jwt::random_bytes();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// True when a stored digest is Tessera's own kind: Argon2id, version 19, with today's parameters.
/// Any other digest is replaced by one after the password next verifies.
pub fn is_current(h: Hasher, digest: &str) -> bool {
    if h != Hasher::Argon2id {
        return false;
    }
    let Ok(phc) = PasswordHash::new(digest) else {
        return false;
    };
    let Ok(params) = Params::try_from(&phc) else {
        return false;
    };
    phc.version == Some(0x13)
        && (params.m_cost(), params.t_cost(), params.p_cost()) == (ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES)
        && phc.hash.is_some_and(|o| o.len() == ARGON2_OUTPUT_BYTES)
}

// ---- phpass ------------------------------------------------------------------------------------
// The portable hashes of Openwall's phpass (WordPress `$P$`, phpBB `$H$`): 2^n rounds of MD5 over
// the previous hash and the password, encoded in phpass' own base64.

const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Splits a phpass hash into its setting (prefix, rounds, salt: 12 characters) and its 22-character
/// hash, checking the alphabet and the rounds.
fn phpass_parts(digest: &str) -> Result<(&str, &str), String> {
    let form = "it must be $P$ (or $H$), a rounds character, 8 of salt and 22 of hash";
    if digest.len() != 34 || !(digest.starts_with("$P$") || digest.starts_with("$H$")) {
        return Err(form.to_owned());
    }
    if !digest.as_bytes()[3..].iter().all(|b| ITOA64.contains(b)) {
        return Err(form.to_owned());
    }
    let log2 = phpass_log2(digest.as_bytes()[3]);
    if !(7..=MAX_PHPASS_LOG2_ROUNDS).contains(&log2) {
        return Err(format!("Tessera verifies phpass hashes of 2^7 to 2^{MAX_PHPASS_LOG2_ROUNDS} rounds"));
    }
    Ok(digest.split_at(12))
}

fn phpass_log2(c: u8) -> u32 {
    ITOA64.iter().position(|&x| x == c).unwrap_or(0) as u32
}

/// phpass' `crypt_private`: the 22-character hash of `password` for a 12-character setting.
fn phpass_crypt(password: &[u8], setting: &str) -> Option<String> {
    let salt = setting.as_bytes().get(4..12)?;
    let count = 1u32.checked_shl(phpass_log2(*setting.as_bytes().get(3)?))?;
    let mut hash: [u8; 16] = Md5::new().chain_update(salt).chain_update(password).finalize().into();
    for _ in 0..count {
        hash = Md5::new().chain_update(hash).chain_update(password).finalize().into();
    }
    Some(phpass_encode64(&hash))
}

/// phpass' `encode64`: little-endian groups of 3 bytes as 4 characters of [`ITOA64`].
fn phpass_encode64(input: &[u8]) -> String {
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let value = chunk.iter().enumerate().fold(0u32, |v, (i, &b)| v | (u32::from(b) << (8 * i)));
        for i in 0..=chunk.len() {
            out.push(ITOA64[((value >> (6 * i)) & 0x3f) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests;
