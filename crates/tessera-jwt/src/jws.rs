//! Compact JWS (RFC 7515 §7.1): encode, decode without verification, and verify.

use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::keys::{SigningKey, VerifyingKey};
use crate::util::{b64url, b64url_append, b64url_decode};

/// A JSON object: a JOSE header or a claims set.
type Object = Map<String, Value>;

/// Why a token was rejected. `Malformed` and `UnsupportedAlgorithm` details describe the input,
/// never a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("malformed token: {0}")]
    Malformed(String),
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    #[error("the key does not allow the token's algorithm")]
    AlgorithmNotAllowed,
    #[error("invalid signature")]
    BadSignature,
}

/// Why a token could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("the header's alg {header:?} does not match the key's algorithm {key}")]
    HeaderAlgorithmMismatch { header: String, key: Algorithm },
    #[error("signing failed")]
    Crypto,
}

/// A token's header and claims. `alg` is `None` when the header has no `alg` or one this crate
/// does not know; `kid` is `None` when absent or not a string.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    pub alg: Option<Algorithm>,
    pub kid: Option<String>,
}

/// Serializes a JSON object. `Map<String, Value>` always serializes (string keys, finite numbers).
fn json_bytes(object: &Object) -> Vec<u8> {
    serde_json::to_vec(object).unwrap_or_default()
}

/// Builds the base64url header segment once so hot paths can reuse it.
pub fn encode_header(header: &Map<String, Value>) -> String {
    b64url(&json_bytes(header))
}

/// Length in bytes of a compact JWS whose header and claims serialize to `header_json_bytes` and
/// `claims_json_bytes` of JSON and whose signature has `signature_bytes`: what [`encode`] returns,
/// computed without signing. (Unpadded base64url of n bytes is ⌈4n/3⌉ characters.)
pub fn compact_len(header_json_bytes: usize, claims_json_bytes: usize, signature_bytes: usize) -> usize {
    let b64 = |n: usize| (n * 4).div_ceil(3);
    b64(header_json_bytes) + 1 + b64(claims_json_bytes) + 1 + b64(signature_bytes)
}

/// Compact JWS: `header_b64 + "." + b64(claims_json) + "." + b64(sig)`.
///
/// `header_b64` comes from [`encode_header`]; it is not checked against the key (that is what
/// [`encode`] does), so build it from the same key's algorithm.
pub fn encode_with_header(
    header_b64: &str,
    claims: &Map<String, Value>,
    key: &SigningKey,
) -> Result<String, SignError> {
    let claims_json = json_bytes(claims);
    // Room for both segments and an RSA-4096 signature without reallocating.
    let mut token = String::with_capacity(header_b64.len() + claims_json.len() * 4 / 3 + 700);
    token.push_str(header_b64);
    token.push('.');
    b64url_append(&claims_json, &mut token);
    let signature = key.sign(token.as_bytes())?;
    token.push('.');
    b64url_append(&signature, &mut token);
    Ok(token)
}

/// Encodes and signs. A header without `alg` gets the key's; a different `alg` is an error.
pub fn encode(header: &Map<String, Value>, claims: &Map<String, Value>, key: &SigningKey) -> Result<String, SignError> {
    let alg = key.algorithm();
    let header_b64 = match header.get("alg") {
        None => {
            let mut with_alg = header.clone();
            with_alg.insert("alg".to_owned(), Value::String(alg.as_str().to_owned()));
            encode_header(&with_alg)
        }
        Some(Value::String(name)) if name == alg.as_str() => encode_header(header),
        Some(other) => {
            return Err(SignError::HeaderAlgorithmMismatch { header: excerpt(&other.to_string()), key: alg });
        }
    };
    encode_with_header(&header_b64, claims, key)
}

/// The three segments of a compact JWS.
struct Segments<'a> {
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
    /// `header "." payload`, the bytes the signature covers.
    signing_input: &'a str,
}

fn split(token: &str) -> Result<Segments<'_>, JwtError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed("expected three dot-separated segments".to_owned()));
    };
    if header.is_empty() || payload.is_empty() {
        return Err(JwtError::Malformed("empty header or payload segment".to_owned()));
    }
    let signing_input =
        token.get(..header.len() + 1 + payload.len()).ok_or_else(|| JwtError::Malformed("bad segments".to_owned()))?;
    Ok(Segments { header, payload, signature, signing_input })
}

fn parse_object(segment: &str, what: &str) -> Result<Object, JwtError> {
    let bytes = b64url_decode(segment).map_err(|_| JwtError::Malformed(format!("the {what} is not base64url")))?;
    serde_json::from_slice::<Object>(&bytes)
        .map_err(|_| JwtError::Malformed(format!("the {what} is not a JSON object")))
}

/// Short, printable excerpt of untrusted text for error messages.
fn excerpt(s: &str) -> String {
    s.chars().take(32).collect()
}

fn decoded(header: Object, claims: Object) -> Decoded {
    let alg = header.get("alg").and_then(Value::as_str).and_then(Algorithm::parse);
    let kid = header.get("kid").and_then(Value::as_str).map(str::to_owned);
    Decoded { header, claims, alg, kid }
}

/// Parses without checking the signature (3 segments, base64url, JSON objects). Never panics
/// on any input. Use it to read `kid`/`iss` before choosing a key, never to trust claims.
pub fn decode_unverified(token: &str) -> Result<Decoded, JwtError> {
    let segments = split(token)?;
    let header = parse_object(segments.header, "header")?;
    let claims = parse_object(segments.payload, "payload")?;
    b64url_decode(segments.signature).map_err(|_| JwtError::Malformed("the signature is not base64url".to_owned()))?;
    Ok(decoded(header, claims))
}

/// Checks structure and signature only: rejects `alg` "none" and unknown algorithms, rejects
/// `crit` headers, rejects an `alg` the key does not allow (algorithm confusion, e.g. HS256 with
/// an RSA public key), then verifies. No time checks: callers check `exp`/`nbf` with their own
/// clock. The payload is parsed only after the signature verifies.
pub fn verify(token: &str, key: &VerifyingKey) -> Result<Decoded, JwtError> {
    let segments = split(token)?;
    let header = parse_object(segments.header, "header")?;
    let alg = match header.get("alg") {
        None => return Err(JwtError::Malformed("the header has no alg".to_owned())),
        Some(Value::String(name)) => {
            Algorithm::parse(name).ok_or_else(|| JwtError::UnsupportedAlgorithm(excerpt(name)))?
        }
        Some(_) => {
            return Err(JwtError::Malformed("the header's alg is not a string".to_owned()));
        }
    };
    if header.contains_key("crit") {
        // RFC 7515 §4.1.11: we understand no extensions, so any `crit` must be refused.
        return Err(JwtError::Malformed("crit header parameters are not supported".to_owned()));
    }
    if !key.allows(alg) {
        return Err(JwtError::AlgorithmNotAllowed);
    }
    let signature = b64url_decode(segments.signature)
        .map_err(|_| JwtError::Malformed("the signature is not base64url".to_owned()))?;
    if !key.verify_signature(alg, segments.signing_input.as_bytes(), &signature) {
        return Err(JwtError::BadSignature);
    }
    let claims = parse_object(segments.payload, "payload")?;
    Ok(decoded(header, claims))
}
