//! Just enough DER reading to tell what kind of key a PKCS#8, SEC1, PKCS#1 or SPKI document holds
//! (and how big an RSA modulus is) before handing the bytes to aws-lc-rs, which does the real
//! parsing and validation. Every function returns `None` on anything unexpected; none panics.

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_CONTEXT_0: u8 = 0xA0;

const OID_RSA_ENCRYPTION: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const OID_RSASSA_PSS: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x23];
const OID_SECP256K1: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x0A];
const OID_X25519: &[u8] = &[0x2B, 0x65, 0x6E];
const OID_X448: &[u8] = &[0x2B, 0x65, 0x6F];
const OID_ED25519: &[u8] = &[0x2B, 0x65, 0x70];
const OID_ED448: &[u8] = &[0x2B, 0x65, 0x71];

/// An elliptic curve named in a key's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
    P521,
    Secp256k1,
    Other,
}

impl Curve {
    fn from_oid(oid: &[u8]) -> Curve {
        match oid {
            OID_P256 => Curve::P256,
            OID_P384 => Curve::P384,
            OID_P521 => Curve::P521,
            OID_SECP256K1 => Curve::Secp256k1,
            _ => Curve::Other,
        }
    }
}

/// What an AlgorithmIdentifier says a key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Rsa,
    RsaPss,
    Ec(Curve),
    Ed25519,
    Ed448,
    X25519,
    X448,
    Other,
}

impl KeyKind {
    /// A short description, used in error messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            KeyKind::Rsa => "RSA",
            KeyKind::RsaPss => "RSASSA-PSS (restricted RSA)",
            KeyKind::Ec(Curve::P256) => "EC P-256",
            KeyKind::Ec(Curve::P384) => "EC P-384",
            KeyKind::Ec(Curve::P521) => "EC P-521",
            KeyKind::Ec(Curve::Secp256k1) => "EC secp256k1",
            KeyKind::Ec(Curve::Other) => "EC (unknown curve)",
            KeyKind::Ed25519 => "Ed25519",
            KeyKind::Ed448 => "Ed448",
            KeyKind::X25519 => "X25519",
            KeyKind::X448 => "X448",
            KeyKind::Other => "unknown key type",
        }
    }
}

/// A cursor over a sequence of DER TLVs.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader { rest: data }
    }

    fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn read_any(&mut self) -> Option<(u8, &'a [u8])> {
        let (&tag, rest) = self.rest.split_first()?;
        let (&len0, mut rest) = rest.split_first()?;
        let len = if len0 < 0x80 {
            usize::from(len0)
        } else {
            let n = usize::from(len0 & 0x7F);
            // Indefinite lengths (n == 0) are not DER; more than 4 length bytes is absurd here.
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let (len_bytes, after) = rest.split_at(n);
            rest = after;
            len_bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        };
        if rest.len() < len {
            return None;
        }
        let (content, after) = rest.split_at(len);
        self.rest = after;
        Some((tag, content))
    }

    fn read(&mut self, tag: u8) -> Option<&'a [u8]> {
        let (t, content) = self.read_any()?;
        (t == tag).then_some(content)
    }
}

/// Reads the single TLV that must make up all of `data`.
fn single(data: &[u8], tag: u8) -> Option<&[u8]> {
    let mut r = Reader::new(data);
    let content = r.read(tag)?;
    // Trailing bytes after the outer structure are tolerated by aws-lc for some formats but
    // never produced by a correct encoder; reject them.
    r.rest.is_empty().then_some(content)
}

/// Reads an AlgorithmIdentifier's content: `OID, parameters`.
fn algorithm_identifier(content: &[u8]) -> Option<KeyKind> {
    let mut r = Reader::new(content);
    let oid = r.read(TAG_OID)?;
    Some(match oid {
        OID_RSA_ENCRYPTION => KeyKind::Rsa,
        OID_RSASSA_PSS => KeyKind::RsaPss,
        OID_EC_PUBLIC_KEY => {
            let curve = if r.peek_tag() == Some(TAG_OID) { Curve::from_oid(r.read(TAG_OID)?) } else { Curve::Other };
            KeyKind::Ec(curve)
        }
        OID_ED25519 => KeyKind::Ed25519,
        OID_ED448 => KeyKind::Ed448,
        OID_X25519 => KeyKind::X25519,
        OID_X448 => KeyKind::X448,
        _ => KeyKind::Other,
    })
}

/// PKCS#8 `PrivateKeyInfo` / `OneAsymmetricKey`: the key kind and the inner private key octets.
pub(crate) fn pkcs8(der: &[u8]) -> Option<(KeyKind, &[u8])> {
    let mut r = Reader::new(single(der, TAG_SEQUENCE)?);
    r.read(TAG_INTEGER)?;
    let kind = algorithm_identifier(r.read(TAG_SEQUENCE)?)?;
    let private_key = r.read(TAG_OCTET_STRING)?;
    Some((kind, private_key))
}

/// The modulus of a PKCS#1 `RSAPrivateKey`.
pub(crate) fn rsa_private_modulus(der: &[u8]) -> Option<&[u8]> {
    let mut r = Reader::new(single(der, TAG_SEQUENCE)?);
    r.read(TAG_INTEGER)?;
    r.read(TAG_INTEGER)
}

/// `(n, e)` of a PKCS#1 `RSAPublicKey`.
pub(crate) fn rsa_public(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut r = Reader::new(single(der, TAG_SEQUENCE)?);
    let n = r.read(TAG_INTEGER)?;
    let e = r.read(TAG_INTEGER)?;
    Some((n, e))
}

/// X.509 `SubjectPublicKeyInfo`: the key kind and the public key bits.
pub(crate) fn spki(der: &[u8]) -> Option<(KeyKind, &[u8])> {
    let mut r = Reader::new(single(der, TAG_SEQUENCE)?);
    let kind = algorithm_identifier(r.read(TAG_SEQUENCE)?)?;
    let bits = r.read(TAG_BIT_STRING)?;
    let (&unused_bits, key) = bits.split_first()?;
    (unused_bits == 0).then_some((kind, key))
}

/// SEC1 `ECPrivateKey`: the curve named in its optional parameters, if any.
pub(crate) fn sec1_curve(der: &[u8]) -> Option<Option<Curve>> {
    let mut r = Reader::new(single(der, TAG_SEQUENCE)?);
    r.read(TAG_INTEGER)?;
    r.read(TAG_OCTET_STRING)?;
    if r.peek_tag() == Some(TAG_CONTEXT_0) {
        let params = r.read(TAG_CONTEXT_0)?;
        let oid = single(params, TAG_OID)?;
        Some(Some(Curve::from_oid(oid)))
    } else {
        Some(None)
    }
}

/// A DER INTEGER's magnitude without the sign-padding zero bytes.
pub(crate) fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first_nonzero = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(first_nonzero..).unwrap_or_default()
}

/// The bit length of a big-endian unsigned integer.
pub(crate) fn bit_len(bytes: &[u8]) -> usize {
    let bytes = strip_leading_zeros(bytes);
    match bytes.first() {
        None => 0,
        Some(first) => (bytes.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_never_panics_on_truncated_or_odd_lengths() {
        let inputs: &[&[u8]] = &[
            &[],
            &[0x30],
            &[0x30, 0x80],
            &[0x30, 0x85, 1, 2, 3, 4, 5],
            &[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],
            &[0x30, 0x82, 0x01],
            &[0x30, 0x03, 0x02, 0x01],
            &[0x30, 0x02, 0x02, 0x00],
        ];
        for input in inputs {
            assert!(pkcs8(input).is_none());
            assert!(spki(input).is_none());
            assert!(rsa_public(input).is_none());
            assert!(rsa_private_modulus(input).is_none());
            assert!(sec1_curve(input).is_none());
        }
    }

    #[test]
    fn bit_length_ignores_sign_padding() {
        assert_eq!(bit_len(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_len(&[0x01]), 1);
        assert_eq!(bit_len(&[0x00, 0x00]), 0);
        assert_eq!(bit_len(&[]), 0);
    }
}
