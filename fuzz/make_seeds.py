#!/usr/bin/env python3
"""Regenerates the seed corpora of the request_bodies, jwt_verify and key_import fuzz targets.

The seeds are committed; run this only when a target's input format changes:

    python3 fuzz/make_seeds.py

Needs the `cryptography` package (for signing the jwt_verify seeds with the fixture keys of
crates/tessera-jwt/tests/fixtures). The constants below must match the fuzz targets.
"""

import base64
import hashlib
import hmac
import json
import pathlib
import shutil

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, utils

ROOT = pathlib.Path(__file__).resolve().parent
FIXTURES = ROOT.parent / "crates" / "tessera-jwt" / "tests" / "fixtures"
CORPUS = ROOT / "corpus"

HS_SECRET = b"fuzz-hmac-secret-0123456789abcdef"  # jwt_verify.rs, request_bodies.rs
NOW = 1_700_000_000  # jwt_verify.rs

# request_bodies.rs: operation index = first byte % OPS.
OPS = 18
ALGS = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
        "ES256", "ES384", "EdDSA"]  # tessera_jwt::Algorithm::ALL


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def dumps(v) -> bytes:
    return json.dumps(v, separators=(",", ":")).encode()


def write(target: str, seeds: list[bytes]) -> None:
    d = CORPUS / target
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    for i, s in enumerate(seeds, 1):
        (d / f"seed-{i:02}").write_bytes(s)
    print(f"{target}: {len(seeds)} seeds")


# ---- request_bodies --------------------------------------------------------------------------------

def op(i: int, body) -> bytes:
    """A printable selector byte for operation i, then the body."""
    sel = bytes([i + 3 * OPS])
    return sel + (body if isinstance(body, bytes) else dumps(body))


def request_bodies() -> list[bytes]:
    rsa = fixture("rsa2048_pkcs8.pem")
    p256 = fixture("p256_pkcs8.pem")
    ed = fixture("ed25519_pkcs8.pem")
    return [
        op(0, {"email_address": ["x@example.com"], "first_name": "X", "last_name": "Y",
               "username": "xavier", "phone_number": ["+15555550100"], "password": "longpassword1",
               "external_id": "ext-2", "public_metadata": {"a": {"b": [1, None, "s"]}},
               "private_metadata": {}, "unsafe_metadata": {"u": True},
               "skip_password_checks": True, "created_at": "2020-01-01T00:00:00Z"}),
        op(0, {"email_address": "ADA@example.com"}),
        op(0, b"email_address=x%40example.com&first_name=X"),
        op(1, {"first_name": None, "username": "new_name", "external_id": "ext-9",
               "public_metadata": {"k": "v"}, "private_metadata": {"p": 1},
               "delete_self_enabled": False, "create_organizations_limit": 3}),
        op(2, {"public_metadata": {"n": None, "new": {"deep": {"x": 1}}},
               "private_metadata": {"secret": None}, "unsafe_metadata": {"age": 37}}),
        op(3, {"public_metadata": {"a": 1}, "unsafe_metadata": {}}),
        op(4, {"user_id": "user_fz", "active_organization_id": "org_fz"}),
        op(4, {"user_id": "user_two", "active_organization_id": "engines"}),
        op(5, {"name": "Acme Inc", "slug": "acme", "created_by": "user_two",
               "max_allowed_memberships": 3, "public_metadata": {"x": [1]}}),
        op(5, {"name": "  Ünïcödé name  "}),
        op(6, {"name": "Renamed", "slug": "renamed", "public_metadata": {"x": 1},
               "max_allowed_memberships": 1, "admin_delete_enabled": False}),
        op(7, {"public_metadata": {"tier": None, "more": [1, 2]}, "private_metadata": {"a": {}}}),
        op(8, {"user_id": "user_two", "role": "org:member", "public_metadata": {"a": 1}}),
        op(8, {"user_id": "user_fz", "role": "org:admin"}),
        op(9, {"role": "org:billing_manager"}),
        op(10, {"public_metadata": {"x": {"y": None}}, "private_metadata": {"z": [True]}}),
        op(11, {"name": "new", "claims": {"aud": "x", "v": "{{user.id}}",
                                          "n": "{{user.public_metadata.n || 'd'}}",
                                          "s": "id={{user.id}} org={{org.slug}}"},
                "lifetime": 60, "allowed_clock_skew": 5}),
        op(11, {"name": "hmac", "claims": {"a": "{{user.email_verified}}"},
                "custom_signing_key": True, "signing_algorithm": "HS384",
                "signing_key": "a-custom-hmac-secret-key"}),
        op(11, {"name": "es", "claims": {"a": 1}, "custom_signing_key": True,
                "signing_algorithm": "ES256", "signing_key": p256}),
        op(11, {"name": "ed", "claims": {"a": [1, {"b": "{{org.id}}"}]}, "custom_signing_key": True,
                "signing_algorithm": "EdDSA", "signing_key": ed}),
        op(11, {"name": "rs", "claims": {"aud": "rs"}, "custom_signing_key": True,
                "signing_algorithm": "PS256", "signing_key": rsa}),
        op(11, {"name": "bad", "claims": {"sub": "x"}}),
        op(11, {"name": "bad key", "claims": {}, "custom_signing_key": True,
                "signing_algorithm": "ES384", "signing_key": p256}),
        op(12, {"name": "everything", "claims": {"a": "{{user.first_name}}"}, "lifetime": 600}),
        op(13, {"name": "hs", "claims": {"a": 1}, "signing_algorithm": "HS512",
                "signing_key": "another-secret-of-some-length"}),
        op(13, {"name": "hs", "claims": {}, "custom_signing_key": False}),
        op(14, {"name": "es2", "claims": {"aud": ["a", "b"]}, "allowed_clock_skew": 300}),
        op(15, {"expires_in_seconds": 120}),
        op(15, b""),
        op(16, {"expires_in_seconds": 30}),
        op(16, b"{}"),
        op(17, {"users": [{"id": "user_new", "email_address": ["n@example.com"]}],
                "organizations": [{"id": "org_new", "name": "New", "created_by": "user_new",
                                   "members": [{"user_id": "user_fz", "role": "org:member"}]}],
                "sessions": [{"id": "sess_new", "user_id": "user_new"}],
                "jwt_templates": [{"id": "jtmp_new", "name": "n", "claims": {"a": "{{user.id}}"}}]}),
        op(17, {"a": {"b": None}, "keep": None, "x": "{{user.public_metadata.a.b}}"}),
        op(17, b"[" * 40 + b"]" * 40),
        op(17, b"{\"a\":"),
        op(17, {"session_claims": {"email": "{{user.primary_email_address}}", "meta": "{{user.public_metadata}}",
                                   "orgs": "{{user.organizations}}", "role": "{{org.role || 'none'}}"}}),
        op(17, {"session_claims": {"sid": "forged", "aud": "x"}}),
    ]


# ---- jwt_verify ------------------------------------------------------------------------------------

def jws(header: dict, claims: dict, sign) -> str:
    signing_input = b64u(dumps(header)) + "." + b64u(dumps(claims))
    return signing_input + "." + b64u(sign(signing_input.encode()))


def jwt_verify() -> list[bytes]:
    rsa = serialization.load_pem_private_key(fixture("rsa2048_pkcs8.pem").encode(), None)
    p256 = serialization.load_pem_private_key(fixture("p256_pkcs8.pem").encode(), None)
    ed = serialization.load_pem_private_key(fixture("ed25519_pkcs8.pem").encode(), None)

    def rs256(m):
        return rsa.sign(m, padding.PKCS1v15(), hashes.SHA256())

    def ps256(m):
        return rsa.sign(m, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())

    def es256(m):
        r, s = utils.decode_dss_signature(p256.sign(m, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def eddsa(m):
        return ed.sign(m)

    def hs256(m, key=HS_SECRET):
        return hmac.new(key, m, hashlib.sha256).digest()

    good = {"sub": "user_1", "iss": "http://127.0.0.1:8080", "iat": NOW - 10, "nbf": NOW - 15,
            "exp": NOW + 60, "sid": "sess_1", "v": 2, "sts": "active",
            "o": {"id": "org_1", "rol": "admin", "slg": "acme", "per": "read", "fpm": "1"},
            "aud": ["a", "b"]}
    tmpl = {"sub": "user_1", "iat": NOW - 1, "exp": NOW + 3600, "jti": "0123456789abcdef0123",
            "nbf": NOW - 6, "aud": "convex", "name": "Ada"}
    rsa_pub_pem = rsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    nums = rsa.public_key().public_numbers()
    pn = p256.public_key().public_numbers()
    ed_raw = ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def be(n: int) -> bytes:
        return n.to_bytes((n.bit_length() + 7) // 8, "big")

    jwks = {"keys": [
        {"use": "sig", "kty": "RSA", "kid": "rsa", "alg": "RS256", "n": b64u(be(nums.n)),
         "e": b64u(be(nums.e))},
        {"use": "sig", "kty": "EC", "kid": "ec", "alg": "ES256", "crv": "P-256",
         "x": b64u(pn.x.to_bytes(32, "big")), "y": b64u(pn.y.to_bytes(32, "big"))},
        {"use": "sig", "kty": "OKP", "kid": "ed", "alg": "EdDSA", "crv": "Ed25519", "x": b64u(ed_raw)},
        {"kty": "oct", "kid": "oct", "k": b64u(HS_SECRET)},
    ]}
    head = {"typ": "JWT", "cat": "cl_B7d4PD111AAA"}
    tokens = [
        jws({"alg": "RS256", "kid": "rsa", **head}, good, rs256),
        jws({"alg": "PS256", "kid": "rsa", "typ": "JWT"}, tmpl, ps256),
        jws({"alg": "ES256", "kid": "ec", "typ": "JWT"}, tmpl, es256),
        jws({"alg": "EdDSA", "kid": "ed"}, good, eddsa),
        jws({"alg": "HS256", "typ": "JWT"}, tmpl, hs256),
        # Rejections: expired, not yet valid, alg none, HMAC keyed with the RSA public key
        # (algorithm confusion), unknown kid, crit header, typ other than JWT.
        jws({"alg": "RS256", "kid": "rsa"}, {**good, "exp": NOW - 100}, rs256),
        jws({"alg": "ES256", "kid": "ec"}, {**tmpl, "nbf": NOW + 100}, es256),
        b64u(dumps({"alg": "none", "typ": "JWT"})) + "." + b64u(dumps(good)) + ".",
        jws({"alg": "HS256", "kid": "rsa"}, good, lambda m: hs256(m, rsa_pub_pem)),
        jws({"alg": "RS256", "kid": "nope"}, good, rs256),
        jws({"alg": "RS256", "kid": "rsa", "crit": ["exp"]}, good, rs256),
        jws({"alg": "HS256", "typ": "at+jwt"}, tmpl, hs256),
    ]
    seeds = [t.encode() for t in tokens]
    seeds.append(tokens[0].encode() + b"\xff" + dumps(jwks))
    seeds.append(tokens[2].encode() + b"\xff" + dumps({"keys": [jwks["keys"][1]]}))
    seeds.append(tokens[3].encode() + b"\xff" + dumps(jwks["keys"][2]))
    seeds.append(b"a.b.c\xff" + dumps({"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"},
                                               {"kty": "EC", "crv": "P-384", "x": "", "y": ""}]}))
    return seeds


# ---- key_import ------------------------------------------------------------------------------------

def sel(alg: str) -> bytes:
    return bytes([ALGS.index(alg) + 4 * len(ALGS)])


def key_import() -> list[bytes]:
    seeds = []
    for name, alg in [("rsa2048_pkcs8.pem", "RS256"), ("rsa2048_pkcs1.pem", "PS384"),
                      ("rsa1024_pkcs1.pem", "RS256"), ("p256_pkcs8.pem", "ES256"),
                      ("p256_sec1.pem", "ES256"), ("p384_pkcs8.pem", "ES384"),
                      ("p384_sec1.pem", "ES384"), ("ed25519_pkcs8.pem", "EdDSA"),
                      ("ed448_pkcs8.pem", "EdDSA"), ("secp256k1_sec1.pem", "ES256"),
                      ("rsa2048_pkcs8.pub.pem", "RS256"), ("rsa2048_pkcs1.rsapub.pem", "RS256"),
                      ("p256_pkcs8.pub.pem", "ES256"), ("p384_sec1.pub.pem", "ES384"),
                      ("ed25519_pkcs8.pub.pem", "EdDSA"), ("p256_pkcs8.pem", "RS256")]:
        text = fixture(name)
        seeds.append(sel(alg) + text.encode())
        # The DER body, for from_pkcs8_der / from_spki_der.
        body = "".join(line for line in text.splitlines() if not line.startswith("-----"))
        seeds.append(sel(alg) + base64.b64decode(body))
    one_line = fixture("p256_pkcs8.pem").replace("\n", "\\n")
    seeds.append(sel("ES256") + one_line.encode())
    seeds.append(sel("HS256") + HS_SECRET)
    seeds.append(sel("HS512") + b"")
    for path in sorted((CORPUS / "jwt_verify").glob("*")):
        data = path.read_bytes()
        if b"\xff" in data:
            doc = json.loads(data.split(b"\xff", 1)[1])
            for k in doc.get("keys", [doc]) if isinstance(doc, dict) else []:
                seeds.append(sel("RS256") + dumps(k))
    return seeds


if __name__ == "__main__":
    write("request_bodies", request_bodies())
    write("jwt_verify", jwt_verify())
    write("key_import", key_import())
