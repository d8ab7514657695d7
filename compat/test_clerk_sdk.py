#!/usr/bin/env python3
"""Tessera compatibility suite: Clerk's official Python SDK against a running Tessera.

Run by `compat/run.sh`, which installs the pinned SDK into `compat/.venv`, starts a server and sets:

    TESSERA_BASE_URL    http://127.0.0.1:PORT   (the SDK gets server_url=<base>/v1)
    TESSERA_SECRET_KEY  the secret key the server was started with

Everything goes through `clerk_backend_api.Clerk` except what the SDK cannot do (the public
`/.well-known/*` documents, a request without an Authorization header). Responses are parsed by the
SDK's own pydantic models, so a missing or mistyped field in any object Tessera returns shows up as a
`ResponseValidationError` and fails the test that made the call. Every minted token is verified with
PyJWT against the served JWKS (RS256 instance key, ES256 custom key) or the shared secret (HS256),
and its header and claims are compared exactly.

Each check is one named function. A failing check prints `FAIL name: reason` and the run goes on;
later checks that need something a failed check should have created fail with a message that says so.
The last line is `N passed, M failed`; the exit status is 1 when anything failed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import sys
import time
import traceback
import warnings
from typing import Any, Callable, Dict, List, Optional

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from clerk_backend_api import Clerk, models
from clerk_backend_api._hooks.types import BeforeRequestContext, BeforeRequestHook
from clerk_backend_api.security.types import (
    AuthenticateRequestOptions,
    AuthStatus,
    VerifyTokenOptions,
)
from clerk_backend_api.security.verifytoken import verify_token

def _arg(flag: str) -> Optional[str]:
    if flag in sys.argv:
        i = sys.argv.index(flag)
        if i + 1 >= len(sys.argv):
            sys.exit(f"{flag} needs a path")
        return sys.argv[i + 1]
    return None


# --save-state PATH: after the main run, write what a restarted server must still know.
# --after-restart PATH: run only the checks for a server restarted on the same database.
SAVE_STATE = _arg("--save-state")
RESTORE = _arg("--after-restart")
RESTORED: Dict[str, Any] = json.load(open(RESTORE, encoding="utf-8")) if RESTORE else {}
MODE = "restart" if RESTORE else "main"

BASE = os.environ.get("TESSERA_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
SECRET = os.environ.get("TESSERA_SECRET_KEY", "")
RUN = secrets.token_hex(3)  # keeps names unique if the suite is pointed at a reused database

CAT_SESSION = "cl_B7d4PD111AAA"
CAT_TEMPLATE = "cl_B7d4PD222AAA"
SESSION_TOKEN_CLAIMS = {"exp", "iat", "iss", "nbf", "sid", "sub", "sts", "v"}
TEMPLATE_DEFAULT_CLAIMS = {"exp", "iat", "iss", "jti", "nbf", "sub"}
SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000
THIRTY_DAYS_MS = 30 * 24 * 3600 * 1000


# --------------------------------------------------------------------------------------------------
# SDK plumbing


class RecordingClient(httpx.Client):
    """An httpx client that keeps every response, so tests can look at the raw bytes behind what
    the SDK parsed (the SDK's `claims` model is empty and drops the template's claims)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.responses: List[httpx.Response] = []

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        response = super().send(request, **kwargs)
        self.responses.append(response)
        return response

    @property
    def last(self) -> httpx.Response:
        return self.responses[-1]


class UpdateClaimsHook(BeforeRequestHook):
    """Workaround for a defect in clerk-backend-api: `jwt_templates.update` validates `claims`
    into `UpdateJWTTemplateClaims`, a pydantic model with no fields, so the SDK always sends
    `"claims": {}`. `update` builds its request body inside the method, so `model_construct` (the
    fix used for `create`, see `create_template`) cannot reach it; this before-request hook, the SDK's
    own extension point, puts the intended claims back into the JSON body of that one operation."""

    def __init__(self) -> None:
        self.pending: Optional[Dict[str, Any]] = None

    def before_request(
        self, hook_ctx: BeforeRequestContext, request: httpx.Request
    ) -> httpx.Request:
        if hook_ctx.operation_id != "UpdateJWTTemplate" or self.pending is None:
            return request
        body = json.loads(request.content)
        body["claims"] = self.pending
        self.pending = None
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        return httpx.Request(
            request.method,
            request.url,
            headers=headers,
            content=json.dumps(body).encode(),
            extensions=request.extensions,
        )


HTTP = RecordingClient(follow_redirects=False, timeout=30.0)
# retry_config=None: the SDK's default retries 5XX with backoff for up to an hour; a 5xx must fail fast.
clerk = Clerk(bearer_auth=SECRET, server_url=BASE + "/v1", client=HTTP, retry_config=None, timeout_ms=30000)
CLAIMS_HOOK = UpdateClaimsHook()
clerk.sdk_configuration._hooks.register_before_request_hook(CLAIMS_HOOK)  # pylint: disable=protected-access


def create_template(**fields: Any) -> models.JWTTemplate:
    """`jwt_templates.create` with the claims actually sent.

    Workaround for a defect in clerk-backend-api: `CreateJWTTemplateRequestBody.claims` is typed as
    `CreateJWTTemplateClaims`, a pydantic model with no fields and `extra="ignore"`, so validating
    the body turns any claims into `{}`. `model_construct` skips validation and keeps the dict; the
    SDK then serialises it as given (pydantic warns that the value is not the declared model; that
    warning is silenced here because it is exactly the point)."""
    body = models.CreateJWTTemplateRequestBody.model_construct(**fields)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*serializ.*", category=UserWarning)
        return clerk.jwt_templates.create(request=body)


def update_template(template_id: str, **fields: Any) -> models.JWTTemplate:
    """`jwt_templates.update` with the claims actually sent (see `UpdateClaimsHook`)."""
    CLAIMS_HOOK.pending = fields["claims"]
    try:
        return clerk.jwt_templates.update(template_id=template_id, **fields)
    finally:
        CLAIMS_HOOK.pending = None


# --------------------------------------------------------------------------------------------------
# Test harness

TESTS: List[Callable[[], None]] = []
S: Dict[str, Any] = {}  # state shared between tests, filled in as they run


def test(fn: Callable[[], None]) -> Callable[[], None]:
    """A check of the main run."""
    if MODE == "main":
        TESTS.append(fn)
    return fn


def restart_test(fn: Callable[[], None]) -> Callable[[], None]:
    """A check of the run against a server restarted on the main run's database."""
    if MODE == "restart":
        TESTS.append(fn)
    return fn


def both(fn: Callable[[], None]) -> Callable[[], None]:
    TESTS.append(fn)
    return fn


def need(*keys: str) -> Any:
    missing = [k for k in keys if k not in S]
    if missing:
        raise AssertionError(f"prerequisite {', '.join(missing)} missing (an earlier test failed)")
    values = [S[k] for k in keys]
    return values[0] if len(values) == 1 else values


def eq(actual: Any, expected: Any, what: str) -> None:
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def check(cond: Any, what: str) -> None:
    if not cond:
        raise AssertionError(what)


def raw_last() -> Any:
    """The JSON body of the last response the SDK received."""
    return HTTP.last.json()


def expect_error(
    call: Callable[[], Any],
    status: int,
    code: str,
    *,
    param: Optional[str] = None,
    typed: bool = True,
    long_contains: Optional[str] = None,
) -> Dict[str, Any]:
    """Runs an SDK call that must fail; checks the status, the Clerk error code, `meta.param_name`
    and that the SDK raised its typed `ClerkErrors` where the SDK declares the status."""
    try:
        result = call()
    except models.ResponseValidationError:
        raise  # the SDK could not parse what came back: a failure in its own right
    except models.ClerkBaseError as e:
        if typed and not isinstance(e, models.ClerkErrors):
            raise AssertionError(
                f"expected the SDK's typed ClerkErrors, got {type(e).__name__}: {str(e)[:300]}"
            ) from None
        eq(e.status_code, status, f"HTTP status (body {e.body[:300]})")
        if isinstance(e, models.ClerkErrors):
            errors = [x.model_dump() for x in e.data.errors]
        else:
            errors = json.loads(e.body)["errors"]
        check(errors, "error body has no errors[]")
        first = errors[0]
        eq(first["code"], code, "error code")
        for field in ("message", "long_message"):
            check(isinstance(first.get(field), str) and first[field], f"errors[0].{field} empty")
        if param is not None:
            eq((first.get("meta") or {}).get("param_name"), param, "errors[0].meta.param_name")
        if long_contains is not None:
            check(long_contains in first["long_message"],
                  f"long_message {first['long_message']!r} lacks {long_contains!r}")
        return first
    raise AssertionError(f"expected HTTP {status} {code}, the call succeeded: {result!r:.200}")


def is_ms(ts: Any) -> bool:
    return isinstance(ts, int) and 10**12 <= ts < 10**13


# --------------------------------------------------------------------------------------------------
# JWKS and token verification


def b64url_uint(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwks_http() -> Dict[str, Any]:
    r = httpx.get(BASE + "/.well-known/jwks.json", timeout=30)
    eq(r.status_code, 200, "GET /.well-known/jwks.json status")
    return r.json()


_JWKS_CACHE: Dict[str, Dict[str, Any]] = {}


def jwk_by_kid(kid: str) -> Dict[str, Any]:
    """The published key with this kid. Like real verifiers, the key set is cached and fetched
    again only when a kid is not in it."""
    if kid not in _JWKS_CACHE:
        _JWKS_CACHE.clear()
        _JWKS_CACHE.update({k.get("kid"): k for k in jwks_http()["keys"]})
    if kid not in _JWKS_CACHE:
        raise AssertionError(f"kid {kid!r} not in /.well-known/jwks.json")
    return _JWKS_CACHE[kid]


def check_time(payload: Dict[str, Any]) -> None:
    now = int(time.time())
    # After a restart, tokens minted by the main run are checked once the JS suite has run in between.
    slack = 600 if MODE == "restart" else 60
    check(abs(payload["iat"] - now) <= slack, f"iat {payload['iat']} is not close to now {now}")


def verify(token: str, *, alg: str, aud: Optional[str] = None, hs_secret: Optional[str] = None):
    """Signature check with PyJWT: the key comes from the served JWKS by `kid` (asymmetric) or is
    the shared secret (HMAC). Returns (header, payload)."""
    header = jwt.get_unverified_header(token)
    eq(header.get("alg"), alg, "header alg")
    if alg.startswith("HS"):
        check(hs_secret is not None, "no HMAC secret for an HS token")
        key: Any = hs_secret.encode()
    else:
        jwk = jwk_by_kid(header["kid"])
        eq(jwk.get("alg"), alg, "JWKS alg for the token's kid")
        key = jwt.PyJWK(jwk)
    payload = jwt.decode(
        token,
        key=key,
        algorithms=[alg],
        audience=aud,
        issuer=need("issuer"),
        options={"require": ["exp", "iat", "nbf", "iss", "sub"], "verify_aud": aud is not None},
    )
    return header, payload


def check_template_token(
    token: str,
    *,
    tpl: Dict[str, Any],
    rendered: Dict[str, Any],
    expires: Optional[int] = None,
) -> Dict[str, Any]:
    """Header and claims of a template token, exactly."""
    alg = tpl["alg"]
    header, payload = verify(token, alg=alg, aud=rendered.get("aud"), hs_secret=tpl.get("hs_secret"))
    if alg.startswith("HS"):
        eq(sorted(header), ["alg", "cat", "typ"], "header fields (HMAC tokens carry no kid)")
    else:
        eq(sorted(header), ["alg", "cat", "kid", "typ"], "header fields")
        eq(header["kid"], tpl["kid"], "header kid")
    eq(header["typ"], "JWT", "header typ")
    eq(header["cat"], CAT_TEMPLATE, "header cat")
    eq(sorted(payload), sorted(TEMPLATE_DEFAULT_CLAIMS | set(rendered)), "claim names")
    for k, v in rendered.items():
        eq(payload[k], v, f"claim {k!r}")
    check("sid" not in payload, "template token carries sid")
    eq(payload["sub"], need("u1")["id"], "sub")
    eq(payload["iss"], need("issuer"), "iss")
    check(re.fullmatch(r"[0-9a-f]{20}", payload["jti"]), f"jti {payload['jti']!r} is not 20 lowercase hex")
    eq(payload["exp"] - payload["iat"], expires if expires is not None else tpl["lifetime"], "exp - iat")
    eq(payload["iat"] - payload["nbf"], tpl["skew"], "iat - nbf")
    check_time(payload)
    return payload


def check_session_token(token: str, *, session_id: str, org: Optional[Dict[str, Any]], lifetime: int = 60):
    header, payload = verify(token, alg="RS256")
    eq(sorted(header), ["alg", "cat", "kid", "typ"], "header fields")
    eq(header["kid"], need("instance_kid"), "header kid")
    eq(header["typ"], "JWT", "header typ")
    eq(header["cat"], CAT_SESSION, "header cat")
    expected = set(SESSION_TOKEN_CLAIMS) | ({"o"} if org else set())
    eq(sorted(payload), sorted(expected), "claim names")
    eq(payload["sid"], session_id, "sid")
    eq(payload["sub"], need("u1")["id"], "sub")
    eq(payload["iss"], need("issuer"), "iss")
    eq(payload["v"], 2, "v")
    eq(payload["sts"], "active", "sts")
    eq(payload["exp"] - payload["iat"], lifetime, "exp - iat")
    eq(payload["iat"] - payload["nbf"], 10, "iat - nbf")
    if org:
        eq(payload["o"], org, "o")
    check_time(payload)
    return payload


# --------------------------------------------------------------------------------------------------
# Users


@test
def users_create_with_every_identifier_and_metadata():
    email = f"ada.{RUN}@example.com"
    alt = f"ada.alt.{RUN}@example.com"
    phone = f"+1555{secrets.randbelow(10**7):07d}"
    u = clerk.users.create(
        first_name="Ada",
        last_name="Lovelace",
        username=f"ada_{RUN}",
        external_id=f"ext_{RUN}",
        email_address=[email, alt],
        phone_number=[phone],
        public_metadata={"role": "engineer", "prefs": {"theme": "dark", "lang": "en"}, "tags": ["a", "b"]},
        private_metadata={"stripe": {"customer": "cus_1"}},
        unsafe_metadata={"onboarded": False},
    )
    eq(raw_last()["object"], "user", "object")
    check(re.fullmatch(r"user_\w{27}", u.id), f"id {u.id!r}")
    eq((u.first_name, u.last_name, u.username, u.external_id), ("Ada", "Lovelace", f"ada_{RUN}", f"ext_{RUN}"), "names")
    eq([e.email_address for e in u.email_addresses], [email, alt], "email addresses")
    eq(u.primary_email_address_id, u.email_addresses[0].id, "primary email is the first")
    for e in u.email_addresses:
        check(e.id.startswith("idn_"), f"email id {e.id!r}")
        eq(str(getattr(e.verification.status, "value", e.verification.status)), "verified", "email verification status")
    eq([p.phone_number for p in u.phone_numbers], [phone], "phone numbers")
    eq(u.primary_phone_number_id, u.phone_numbers[0].id, "primary phone")
    eq(u.public_metadata, {"role": "engineer", "prefs": {"theme": "dark", "lang": "en"}, "tags": ["a", "b"]}, "public_metadata")
    eq(u.private_metadata, {"stripe": {"customer": "cus_1"}}, "private_metadata")
    eq(u.unsafe_metadata, {"onboarded": False}, "unsafe_metadata")
    eq(u.banned, False, "banned")
    check(is_ms(u.created_at) and is_ms(u.updated_at), "timestamps are epoch milliseconds")
    S["u1"] = {"id": u.id, "email": email, "alt": alt, "phone": phone, "username": f"ada_{RUN}"}


@test
def users_create_second_and_third_user():
    u2 = clerk.users.create(first_name="Grace", last_name="Hopper", email_address=[f"grace.{RUN}@example.com"])
    u3 = clerk.users.create(first_name="Mallory", email_address=[f"mallory.{RUN}@example.com"])
    eq(u2.last_name, "Hopper", "u2 last_name")
    eq(u3.last_name, None, "u3 last_name")
    eq(u3.phone_numbers, [], "u3 phone_numbers")
    S["u2"] = {"id": u2.id, "email": f"grace.{RUN}@example.com"}
    S["u3"] = {"id": u3.id}


@test
def users_get_returns_the_created_user():
    u1 = need("u1")
    u = clerk.users.get(user_id=u1["id"])
    eq(u.id, u1["id"], "id")
    eq(u.email_addresses[0].email_address, u1["email"], "email")
    eq(u.username, u1["username"], "username")


@test
def users_list_filters_by_email_address():
    u1 = need("u1")
    users = clerk.users.list(request={"email_address": [u1["email"]]})
    eq([u.id for u in users], [u1["id"]], "ids for email filter")
    check(isinstance(raw_last(), list), "GET /users answers a bare array")
    users = clerk.users.list(request={"email_address": [u1["alt"]]})
    eq([u.id for u in users], [u1["id"]], "ids for the second email")
    users = clerk.users.list(request={"email_address": [f"nobody.{RUN}@example.com"]})
    eq(users, [], "unknown email")


@test
def users_list_query_and_paging():
    u1, u2 = need("u1", "u2")
    eq([u.id for u in clerk.users.list(request={"query": f"ada_{RUN}"})], [u1["id"]], "query by username")
    eq([u.id for u in clerk.users.list(request={"query": "Hopper"})], [u2["id"]], "query by last name")
    everyone = clerk.users.list(request={"limit": 500})
    check(len(everyone) >= 3, f"list has {len(everyone)} users")
    created = [u.created_at for u in everyone]
    eq(created, sorted(created, reverse=True), "default order -created_at")
    eq(len(clerk.users.list(request={"limit": 1})), 1, "limit 1")
    eq([u.id for u in clerk.users.list(request={"limit": 1, "offset": 1})], [everyone[1].id], "offset 1")


@test
def users_count_with_and_without_filter():
    u1 = need("u1")
    c = clerk.users.count()
    eq(raw_last().get("object"), "total_count", "object")
    check(c.total_count >= 3, f"total_count {c.total_count}")
    eq(clerk.users.count(request={"email_address": [u1["email"]]}).total_count, 1, "count for one email")


@test
def users_update_changes_names_and_username():
    u3 = need("u3")
    u = clerk.users.update(user_id=u3["id"], first_name="Mal", last_name="Lory", username=f"mal_{RUN}", external_id=f"ext3_{RUN}")
    eq((u.first_name, u.last_name, u.username, u.external_id), ("Mal", "Lory", f"mal_{RUN}", f"ext3_{RUN}"), "updated fields")
    again = clerk.users.get(user_id=u3["id"])
    eq(again.username, f"mal_{RUN}", "username after re-read")
    check(again.updated_at >= again.created_at, "updated_at >= created_at")


@test
def users_update_metadata_deep_merges_and_null_deletes():
    u1 = need("u1")
    u = clerk.users.update_metadata(
        user_id=u1["id"],
        public_metadata={"prefs": {"theme": None, "tz": "UTC"}, "tags": ["c"], "level": 3},
        private_metadata={"stripe": None, "vip": True},
        unsafe_metadata={"onboarded": True, "step": {"n": 1}},
    )
    eq(u.public_metadata, {"role": "engineer", "prefs": {"lang": "en", "tz": "UTC"}, "tags": ["c"], "level": 3}, "public_metadata")
    eq(u.private_metadata, {"vip": True}, "private_metadata")
    eq(u.unsafe_metadata, {"onboarded": True, "step": {"n": 1}}, "unsafe_metadata")
    # Only public is sent: the other two stay as they are.
    u = clerk.users.update_metadata(user_id=u1["id"], public_metadata={"level": None})
    eq(u.public_metadata, {"role": "engineer", "prefs": {"lang": "en", "tz": "UTC"}, "tags": ["c"]}, "public after second merge")
    eq(u.private_metadata, {"vip": True}, "private untouched")
    eq(clerk.users.get(user_id=u1["id"]).public_metadata, u.public_metadata, "persisted")


@test
def users_list_filters_by_user_id_external_id_and_username():
    u1, u3 = need("u1", "u3")
    eq(sorted(u.id for u in clerk.users.list(request={"user_id": [u1["id"], u3["id"]]})), sorted([u1["id"], u3["id"]]),
       "user_id filter")
    eq([u.id for u in clerk.users.list(request={"external_id": [f"ext_{RUN}"]})], [u1["id"]], "external_id filter")
    eq([u.id for u in clerk.users.list(request={"username": [u1["username"]]})], [u1["id"]], "username filter")


@test
def users_replace_metadata_replaces_each_given_field():
    u3 = need("u3")
    clerk.users.update_metadata(user_id=u3["id"], public_metadata={"a": {"b": 1}}, private_metadata={"p": 1})
    u = clerk.users.replace_metadata(user_id=u3["id"], public_metadata={"c": 2})
    eq(u.public_metadata, {"c": 2}, "public_metadata replaced, not merged")
    eq(u.private_metadata, {"p": 1}, "private_metadata untouched")
    u = clerk.users.replace_metadata(user_id=u3["id"], public_metadata={})
    eq(u.public_metadata, {}, "{} clears")


@test
def users_create_duplicate_email_is_422_form_identifier_exists():
    u1 = need("u1")
    expect_error(lambda: clerk.users.create(email_address=[u1["email"]]), 422, "form_identifier_exists",
                 param="email_address")


@test
def users_create_duplicate_username_is_422_form_identifier_exists():
    u1 = need("u1")
    expect_error(lambda: clerk.users.create(username=u1["username"], email_address=[f"x.{RUN}@example.com"]),
                 422, "form_identifier_exists", param="username")


@test
def users_get_unknown_is_404_resource_not_found():
    expect_error(lambda: clerk.users.get(user_id="user_2x0000000000000000000000000"), 404, "resource_not_found")


# --------------------------------------------------------------------------------------------------
# Organizations and memberships


@test
def organizations_create_with_created_by_and_metadata():
    u1 = need("u1")
    org = clerk.organizations.create(request={
        "name": f"Acme {RUN}",
        "slug": f"acme-{RUN}",
        "created_by": u1["id"],
        "public_metadata": {"plan": "pro", "tier": {"level": 1, "beta": True}},
        "private_metadata": {"billing": "net30"},
        "max_allowed_memberships": 10,
    })
    check(re.fullmatch(r"org_\w{27}", org.id), f"id {org.id!r}")
    eq((org.name, org.slug, org.created_by), (f"Acme {RUN}", f"acme-{RUN}", u1["id"]), "name, slug, created_by")
    eq(org.public_metadata, {"plan": "pro", "tier": {"level": 1, "beta": True}}, "public_metadata")
    eq(org.private_metadata, {"billing": "net30"}, "private_metadata")
    eq(org.max_allowed_memberships, 10, "max_allowed_memberships")
    check(is_ms(org.created_at), "created_at in ms")
    S["org"] = {"id": org.id, "slug": org.slug, "name": org.name}


@test
def organizations_creator_is_an_admin_member():
    org, u1 = need("org", "u1")
    ms = clerk.organization_memberships.list(organization_id=org["id"])
    eq([(m.public_user_data.user_id, m.role) for m in ms.data], [(u1["id"], "org:admin")], "memberships")
    eq(ms.total_count, 1, "total_count")


@test
def organizations_get_by_id_and_by_slug():
    org = need("org")
    by_id = clerk.organizations.get(organization_id=org["id"])
    by_slug = clerk.organizations.get(organization_id=org["slug"])
    eq(by_id.id, org["id"], "by id")
    eq(by_slug.id, org["id"], "by slug")


@test
def organizations_get_with_members_count():
    org = need("org")
    eq(clerk.organizations.get(organization_id=org["id"], include_members_count=True).members_count, 1, "members_count")


@test
def organizations_update_name_and_slug():
    org = need("org")
    o = clerk.organizations.update(organization_id=org["id"], name=f"Acme Corp {RUN}", slug=f"acme-corp-{RUN}",
                                   max_allowed_memberships=20)
    eq((o.name, o.slug, o.max_allowed_memberships), (f"Acme Corp {RUN}", f"acme-corp-{RUN}", 20), "updated fields")
    eq(clerk.organizations.get(organization_id=f"acme-corp-{RUN}").id, org["id"], "new slug resolves")
    org.update(name=o.name, slug=o.slug)


@test
def organizations_merge_metadata_deep_merges_and_null_deletes():
    org = need("org")
    o = clerk.organizations.merge_metadata(
        organization_id=org["id"],
        public_metadata={"tier": {"beta": None, "level": 2}, "region": "eu"},
        private_metadata={"billing": None, "owner": "finance"},
    )
    eq(o.public_metadata, {"plan": "pro", "tier": {"level": 2}, "region": "eu"}, "public_metadata")
    eq(o.private_metadata, {"owner": "finance"}, "private_metadata")
    org["public_metadata"] = o.public_metadata


@test
def organizations_list_and_query():
    org = need("org")
    res = clerk.organizations.list(query=RUN)
    eq([o.id for o in res.data], [org["id"]], "query by run id")
    eq(res.total_count, 1, "total_count")
    res = clerk.organizations.list(limit=500)
    check(org["id"] in [o.id for o in res.data], "org in full list")


@test
def organizations_get_unknown_is_404_resource_not_found():
    expect_error(lambda: clerk.organizations.get(organization_id="org_2x0000000000000000000000000"), 404,
                 "resource_not_found")


@test
def organizations_delete_then_get_is_404():
    o = clerk.organizations.create(request={"name": f"Temp {RUN}"})
    d = clerk.organizations.delete(organization_id=o.id)
    eq((d.object, d.id, d.deleted), ("organization", o.id, True), "deleted object")
    expect_error(lambda: clerk.organizations.get(organization_id=o.id), 404, "resource_not_found")


@test
def memberships_create_member():
    org, u2 = need("org", "u2")
    m = clerk.organization_memberships.create(organization_id=org["id"], user_id=u2["id"], role="org:member",
                                              public_metadata={"team": "blue"})
    check(m.id.startswith("orgmem_"), f"id {m.id!r}")
    eq(m.role, "org:member", "role")
    eq(m.public_metadata, {"team": "blue"}, "public_metadata")
    eq(m.organization.id, org["id"], "organization.id")
    eq(m.public_user_data.user_id, u2["id"], "public_user_data.user_id")
    check(isinstance(m.permissions, list), "permissions is a list")


@test
def memberships_create_duplicate_is_an_error():
    org, u2 = need("org", "u2")
    try:
        clerk.organization_memberships.create(organization_id=org["id"], user_id=u2["id"], role="org:member")
    except models.ResponseValidationError:
        raise
    except models.ClerkBaseError as e:
        check(400 <= e.status_code < 500, f"status {e.status_code}")
        return
    raise AssertionError("adding the same member twice succeeded")


@test
def memberships_list_shows_both_members():
    org, u1, u2 = need("org", "u1", "u2")
    ms = clerk.organization_memberships.list(organization_id=org["id"])
    eq(ms.total_count, 2, "total_count")
    eq(sorted((m.public_user_data.user_id, m.role) for m in ms.data),
       sorted([(u1["id"], "org:admin"), (u2["id"], "org:member")]), "members")


@test
def memberships_update_role():
    org, u2 = need("org", "u2")
    m = clerk.organization_memberships.update(organization_id=org["id"], user_id=u2["id"], role="org:admin")
    eq(m.role, "org:admin", "role after update")
    ms = clerk.organization_memberships.list(organization_id=org["id"], role=["org:admin"])
    eq(ms.total_count, 2, "admins")


@test
def memberships_update_metadata_deep_merges():
    org, u2 = need("org", "u2")
    m = clerk.organization_memberships.update_metadata(organization_id=org["id"], user_id=u2["id"],
                                                       public_metadata={"team": None, "seat": {"n": 1, "x": 2}})
    eq(m.public_metadata, {"seat": {"n": 1, "x": 2}}, "after first merge")
    m = clerk.organization_memberships.update_metadata(organization_id=org["id"], user_id=u2["id"],
                                                       public_metadata={"seat": {"x": None}})
    eq(m.public_metadata, {"seat": {"n": 1}}, "after null delete")


@test
def memberships_delete():
    org, u2 = need("org", "u2")
    m = clerk.organization_memberships.delete(organization_id=org["id"], user_id=u2["id"])
    eq(m.public_user_data.user_id, u2["id"], "deleted membership's user")
    ms = clerk.organization_memberships.list(organization_id=org["id"])
    eq(ms.total_count, 1, "total_count after delete")


# --------------------------------------------------------------------------------------------------
# Sessions


@test
def sessions_create_with_active_organization():
    u1, org = need("u1", "org")
    s = clerk.sessions.create(request={"user_id": u1["id"], "active_organization_id": org["id"]})
    check(re.fullmatch(r"sess_\w{27}", s.id), f"id {s.id!r}")
    check(s.client_id.startswith("client_"), f"client_id {s.client_id!r}")
    eq((s.user_id, str(getattr(s.status, "value", s.status))), (u1["id"], "active"), "user_id, status")
    eq(s.last_active_organization_id, org["id"], "last_active_organization_id")
    eq(s.expire_at - s.created_at, SEVEN_DAYS_MS, "expire_at - created_at")
    eq(s.abandon_at - s.created_at, THIRTY_DAYS_MS, "abandon_at - created_at")
    S["sess_org"] = {"id": s.id, "client_id": s.client_id}


@test
def sessions_create_without_organization():
    u1 = need("u1")
    s = clerk.sessions.create(request={"user_id": u1["id"]})
    eq(s.last_active_organization_id, None, "last_active_organization_id")
    S["sess"] = {"id": s.id, "client_id": s.client_id}


@test
def sessions_create_with_foreign_organization_is_rejected():
    u3, org = need("u3", "org")
    try:
        clerk.sessions.create(request={"user_id": u3["id"], "active_organization_id": org["id"]})
    except models.ResponseValidationError:
        raise
    except models.ClerkBaseError as e:
        check(400 <= e.status_code < 500, f"status {e.status_code}")
        return
    raise AssertionError("a session became active in an organization the user is not a member of")


@test
def sessions_get():
    s = need("sess_org")
    got = clerk.sessions.get(session_id=s["id"])
    eq((got.id, got.client_id), (s["id"], s["client_id"]), "id, client_id")


@test
def sessions_list_by_user_id_newest_first():
    u1, s_org, s = need("u1", "sess_org", "sess")
    sessions = clerk.sessions.list(user_id=u1["id"])
    check(isinstance(raw_last(), list), "GET /sessions without paginated answers a bare array")
    eq([x.id for x in sessions], [s["id"], s_org["id"]], "ids, newest first")
    eq([x.id for x in clerk.sessions.list(user_id=u1["id"], limit=1)], [s["id"]], "limit 1")


@test
def sessions_list_by_client_id_and_status():
    s = need("sess")
    eq([x.id for x in clerk.sessions.list(client_id=s["client_id"])], [s["id"]], "by client_id")
    u1 = need("u1")
    active = clerk.sessions.list(user_id=u1["id"], status=models.QueryParamStatus.ACTIVE)
    check(s["id"] in [x.id for x in active], "active filter")
    eq(clerk.sessions.list(user_id=u1["id"], status=models.QueryParamStatus.REVOKED), [], "revoked filter")


@test
def sessions_list_without_user_or_client_is_400():
    expect_error(lambda: clerk.sessions.list(), 400, "missing_query_parameter")


@test
def sessions_get_unknown_is_404():
    expect_error(lambda: clerk.sessions.get(session_id="sess_2x0000000000000000000000000"), 404, "resource_not_found")


@test
def sessions_revoke_then_minting_is_404():
    u1 = need("u1")
    s = clerk.sessions.create(request={"user_id": u1["id"]})
    r = clerk.sessions.revoke(session_id=s.id)
    eq(str(getattr(r.status, "value", r.status)), "revoked", "status after revoke")
    eq(str(getattr(clerk.sessions.get(session_id=s.id).status, "value", None)), "revoked", "status on re-read")
    expect_error(lambda: clerk.sessions.create_token(session_id=s.id), 404, "resource_not_found")


@test
def users_ban_revokes_sessions_and_unban_keeps_them_revoked():
    u3 = need("u3")
    s1 = clerk.sessions.create(request={"user_id": u3["id"]})
    s2 = clerk.sessions.create(request={"user_id": u3["id"]})
    u = clerk.users.ban(user_id=u3["id"])
    eq(u.banned, True, "banned")
    statuses = {x.id: str(getattr(x.status, "value", x.status)) for x in clerk.sessions.list(user_id=u3["id"])}
    eq(statuses, {s1.id: "revoked", s2.id: "revoked"}, "session statuses after ban")
    expect_error(lambda: clerk.sessions.create_token(session_id=s1.id), 404, "resource_not_found")
    u = clerk.users.unban(user_id=u3["id"])
    eq(u.banned, False, "banned after unban")
    eq(str(getattr(clerk.sessions.get(session_id=s2.id).status, "value", None)), "revoked", "still revoked after unban")
    S["u3_sessions"] = [s1.id, s2.id]


@test
def users_delete_removes_user_and_memberships():
    org, u2 = need("org", "u2")
    clerk.organization_memberships.create(organization_id=org["id"], user_id=u2["id"], role="org:member")
    eq(clerk.organization_memberships.list(organization_id=org["id"]).total_count, 2, "members before")
    d = clerk.users.delete(user_id=u2["id"])
    eq((d.object, d.id, d.deleted), ("user", u2["id"], True), "deleted object")
    expect_error(lambda: clerk.users.get(user_id=u2["id"]), 404, "resource_not_found")
    eq(clerk.organization_memberships.list(organization_id=org["id"]).total_count, 1, "members after")


# --------------------------------------------------------------------------------------------------
# JWKS and discovery


@both
def jwks_through_the_sdk():
    keys = clerk.jwks.get_jwks().keys or []
    rsa_keys = [k for k in keys if k.kty == "RSA"]
    check(rsa_keys, "no RSA key in GET /v1/jwks")
    k = rsa_keys[0]
    check(re.fullmatch(r"ins_\w{27}", k.kid or ""), f"kid {k.kid!r}")
    eq((k.alg, k.use, k.e), ("RS256", "sig", "AQAB"), "alg, use, e")
    n = int.from_bytes(base64.urlsafe_b64decode(k.n + "=" * (-len(k.n) % 4)), "big")
    eq(n.bit_length(), 2048, "modulus bits")
    check(all(k.kty != "oct" for k in keys), "a symmetric key is published")
    S["instance_kid"] = k.kid
    S["jwks_sdk"] = raw_last()


@both
def jwks_over_plain_http_with_cache_headers():
    r = httpx.get(BASE + "/.well-known/jwks.json", timeout=30)
    eq(r.status_code, 200, "status")
    eq(r.headers.get("content-type"), "application/json", "Content-Type")
    cc = r.headers.get("cache-control", "")
    m = re.fullmatch(r"public, max-age=(\d+)", cc)
    check(m and int(m.group(1)) > 0, f"Cache-Control {cc!r}")
    eq(r.json(), need("jwks_sdk"), "same key set as GET /v1/jwks")
    v1 = HTTP.get(BASE + "/v1/jwks", headers={"Authorization": f"Bearer {SECRET}"})
    eq(v1.headers.get("content-type"), "application/json", "Content-Type of /v1/jwks")


@both
def openid_configuration_names_issuer_and_jwks_uri():
    r = httpx.get(BASE + "/.well-known/openid-configuration", timeout=30)
    eq(r.status_code, 200, "status")
    eq(r.headers.get("content-type"), "application/json", "Content-Type")
    doc = r.json()
    check(isinstance(doc.get("issuer"), str) and doc["issuer"], "issuer")
    eq(doc.get("jwks_uri"), doc["issuer"].rstrip("/") + "/.well-known/jwks.json", "jwks_uri")
    S["issuer"] = doc["issuer"]


# --------------------------------------------------------------------------------------------------
# JWT templates

if RESTORED:
    ES256_PEM = RESTORED["es256_pem"]
    ES256_KEY = serialization.load_pem_private_key(ES256_PEM.encode(), password=None)
    HS256_SECRET = RESTORED["hs256_secret"]
else:
    ES256_KEY = ec.generate_private_key(ec.SECP256R1())
    ES256_PEM = ES256_KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode()
    HS256_SECRET = secrets.token_urlsafe(32)


def ec_public_jwk(key: ec.EllipticCurvePrivateKey) -> Dict[str, str]:
    nums = key.public_key().public_numbers()
    return {
        "crv": "P-256",
        "kty": "EC",
        "x": base64.urlsafe_b64encode(nums.x.to_bytes(32, "big")).rstrip(b"=").decode(),
        "y": base64.urlsafe_b64encode(nums.y.to_bytes(32, "big")).rstrip(b"=").decode(),
    }


def rfc7638_thumbprint(jwk: Dict[str, str]) -> str:
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


# name → what we send and what the token must carry. `render(user, org)` gives the expected claims
# for the main user and the active organization (None: a session without one).
TEMPLATES: Dict[str, Dict[str, Any]] = {
    "hasura": {
        "claims": {"https://hasura.io/jwt/claims": {
            "x-hasura-default-role": "user",
            "x-hasura-allowed-roles": ["user", "admin"],
            "x-hasura-user-id": "{{user.id}}",
            "x-hasura-org-id": "{{org.id || 'none'}}",
            "x-hasura-username": "{{user.username}}",
        }},
        "create": {},
        "alg": "RS256", "lifetime": 60, "skew": 5,
        "render": lambda u, o: {"https://hasura.io/jwt/claims": {
            "x-hasura-default-role": "user",
            "x-hasura-allowed-roles": ["user", "admin"],
            "x-hasura-user-id": u["id"],
            "x-hasura-org-id": o["id"] if o else "none",
            "x-hasura-username": u["username"],
        }},
    },
    "supabase": {
        "claims": {
            "aud": "authenticated",
            "role": "authenticated",
            "email": "{{user.primary_email_address}}",
            "app_metadata": {"provider": "clerk"},
            "user_metadata": "{{user.public_metadata}}",
        },
        "create": {"lifetime": 3600},
        "alg": "RS256", "lifetime": 3600, "skew": 5,
        "render": lambda u, o: {
            "aud": "authenticated",
            "role": "authenticated",
            "email": u["email"],
            "app_metadata": {"provider": "clerk"},
            "user_metadata": u["public_metadata"],
        },
    },
    "convex": {
        # Clerk's dashboard preset for Convex.
        "claims": {
            "aud": "convex",
            "name": "{{user.full_name}}",
            "email": "{{user.primary_email_address}}",
            "picture": "{{user.image_url}}",
            "nickname": "{{user.username}}",
            "given_name": "{{user.first_name}}",
            "updated_at": "{{user.updated_at}}",
            "family_name": "{{user.last_name}}",
            "phone_number": "{{user.primary_phone_number}}",
            "email_verified": "{{user.email_verified}}",
            "phone_number_verified": "{{user.phone_number_verified}}",
        },
        "create": {},
        "alg": "RS256", "lifetime": 60, "skew": 5,
        "render": lambda u, o: {
            "aud": "convex",
            "name": "Ada Lovelace",
            "email": u["email"],
            "picture": u["image_url"],
            "nickname": u["username"],
            "given_name": "Ada",
            "updated_at": u["updated_at"] // 1000,
            "family_name": "Lovelace",
            "phone_number": u["phone"],
            "email_verified": True,
            "phone_number_verified": True,
        },
    },
    "orgs": {
        "claims": {
            "org": {
                "id": "{{org.id}}",
                "slug": "{{org.slug}}",
                "name": "{{org.name}}",
                "role": "{{org.role}}",
                "plan": "{{org.public_metadata.plan || 'free'}}",
                "level": "{{org.public_metadata.tier.level}}",
                "meta": "{{org.public_metadata}}",
            },
            "membership_meta": "{{org_membership.public_metadata}}",
            "perms": "{{org_membership.permissions}}",
            "orgs": "{{user.organizations}}",
            "greeting": "Hi {{user.first_name}} of {{org.name}}",
            "missing": "{{user.public_metadata.nope}}",
            "fallback": "{{user.external_id || user.id}}",
            "groups": ["{{org.role}}", "static", 1, None, True],
        },
        "create": {"lifetime": 300, "allowed_clock_skew": 10},
        "alg": "RS256", "lifetime": 300, "skew": 10,
        "render": lambda u, o: {
            "org": {
                "id": o["id"] if o else None,
                "slug": o["slug"] if o else None,
                "name": o["name"] if o else None,
                # {{org.role}} gives the role key with its prefix (Tessera's documented choice).
                "role": "org:admin" if o else None,
                "plan": o["public_metadata"]["plan"] if o else "free",
                "level": o["public_metadata"]["tier"]["level"] if o else None,
                "meta": o["public_metadata"] if o else None,
            },
            "membership_meta": {} if o else None,
            "perms": u["org_permissions"] if o else None,
            "orgs": u["organizations"],
            "greeting": f"Hi Ada of {o['name'] if o else 'null'}",
            "missing": None,
            "fallback": u["external_id"],
            "groups": ["org:admin" if o else None, "static", 1, None, True],
        },
    },
    "supabase-hs256": {
        "claims": {"aud": "authenticated", "role": "authenticated", "email": "{{user.primary_email_address}}"},
        "create": {"custom_signing_key": True, "signing_algorithm": "HS256", "signing_key": HS256_SECRET},
        "alg": "HS256", "lifetime": 60, "skew": 5, "hs_secret": HS256_SECRET,
        "render": lambda u, o: {"aud": "authenticated", "role": "authenticated", "email": u["email"]},
    },
    "convex-es256": {
        "claims": {"aud": "convex", "name": "{{user.full_name}}", "email": "{{user.primary_email_address}}"},
        "create": {"custom_signing_key": True, "signing_algorithm": "ES256", "signing_key": ES256_PEM,
                   "lifetime": 120, "allowed_clock_skew": 0},
        "alg": "ES256", "lifetime": 120, "skew": 0,
        "render": lambda u, o: {"aud": "convex", "name": "Ada Lovelace", "email": u["email"]},
    },
}


def user_view() -> Dict[str, Any]:
    """The main user as the token renderer sees it now (updated_at moves with every write)."""
    u1 = need("u1")
    u = clerk.users.get(user_id=u1["id"])
    memberships = clerk.users.get_organization_memberships(user_id=u1["id"], limit=100)
    org = S.get("org")
    perms = [m.permissions for m in memberships.data if org and m.organization.id == org["id"]]
    return {
        "id": u.id,
        "email": u1["email"],
        "phone": u1["phone"],
        "username": u.username,
        "external_id": u.external_id,
        "image_url": u.image_url,
        "updated_at": u.updated_at,
        "public_metadata": u.public_metadata,
        "organizations": {m.organization.id: m.role for m in memberships.data},
        "org_permissions": perms[0] if perms else None,
    }


def make_template_create_test(name: str) -> None:
    spec = TEMPLATES[name]

    def fn() -> None:
        t = create_template(name=name, claims=spec["claims"], **spec["create"])
        raw = raw_last()
        check(re.fullmatch(r"jtmp_\w{27}", t.id), f"id {t.id!r}")
        eq(t.name, name, "name")
        eq(raw["claims"], spec["claims"], "claims as stored (raw response)")
        eq((t.lifetime, t.allowed_clock_skew), (spec["lifetime"], spec["skew"]), "lifetime, allowed_clock_skew")
        custom = bool(spec["create"].get("custom_signing_key"))
        eq(t.custom_signing_key, custom, "custom_signing_key")
        eq(t.signing_algorithm, spec["alg"], "signing_algorithm")
        check("signing_key" not in raw, "signing_key is returned")
        check(is_ms(t.created_at) and is_ms(t.updated_at), "timestamps in ms")
        spec["id"] = t.id
        if spec["alg"] == "RS256":
            spec["kid"] = need("instance_kid")
        elif spec["alg"] == "ES256":
            jwk = ec_public_jwk(ES256_KEY)
            spec["kid"] = rfc7638_thumbprint(jwk)
            published = jwk_by_kid(spec["kid"])
            eq({k: published.get(k) for k in jwk}, jwk, "published ES256 public key")
            eq((published.get("alg"), published.get("use")), ("ES256", "sig"), "published alg, use")
            check("d" not in published, "the private part of the ES256 key is published")

    fn.__name__ = f"jwt_templates_create_{name.replace('-', '_')}"
    test(fn)


for _name in TEMPLATES:
    make_template_create_test(_name)


@test
def jwt_templates_hmac_key_is_never_published():
    need("instance_kid")
    for k in jwks_http()["keys"]:
        check(k.get("kty") != "oct" and "k" not in k, f"symmetric key in JWKS: {k}")


@test
def jwt_templates_list_returns_every_template():
    ts = clerk.jwt_templates.list(limit=500)
    check(isinstance(raw_last(), list), "GET /jwt_templates without paginated answers a bare array")
    by_name = {t.name: t for t in ts}
    for name, spec in TEMPLATES.items():
        check(name in by_name, f"{name} missing from the list")
        if "id" in spec:
            eq(by_name[name].id, spec["id"], f"{name} id")
    raw = {t["name"]: t for t in raw_last()}
    eq(raw["hasura"]["claims"], TEMPLATES["hasura"]["claims"], "hasura claims in the list")
    check(all("signing_key" not in t for t in raw.values()), "signing_key in a listed template")


@test
def jwt_templates_get_by_id():
    spec = TEMPLATES["orgs"]
    t = clerk.jwt_templates.get(template_id=need_template("orgs"))
    eq((t.id, t.name, t.lifetime, t.allowed_clock_skew), (spec["id"], "orgs", 300, 10), "template")
    eq(raw_last()["claims"], spec["claims"], "claims")


def need_template(name: str) -> str:
    if "id" not in TEMPLATES[name]:
        raise AssertionError(f"template {name} was not created (an earlier test failed)")
    return TEMPLATES[name]["id"]


@test
def jwt_templates_update_then_mint_uses_new_claims():
    s = need("sess")
    t = create_template(name=f"temp-{RUN}", claims={"a": "{{user.first_name}}"})
    u = update_template(t.id, name=f"temp2-{RUN}", claims={"b": "{{user.last_name}}", "aud": "x"}, lifetime=90,
                        allowed_clock_skew=3)
    raw = raw_last()
    eq((u.id, u.name, u.lifetime, u.allowed_clock_skew), (t.id, f"temp2-{RUN}", 90, 3), "updated template")
    eq(raw["claims"], {"b": "{{user.last_name}}", "aud": "x"}, "claims after update (raw response)")
    check(u.updated_at >= t.updated_at, "updated_at moves forward")
    tok = clerk.sessions.create_token_from_template(session_id=s["id"], template_name=f"temp2-{RUN}").jwt
    check_template_token(tok, tpl={"alg": "RS256", "kid": need("instance_kid"), "lifetime": 90, "skew": 3},
                         rendered={"b": "Lovelace", "aud": "x"})
    expect_error(lambda: clerk.sessions.create_token_from_template(session_id=s["id"], template_name=f"temp-{RUN}"),
                 404, "resource_not_found")
    S["temp_template"] = {"id": t.id, "name": f"temp2-{RUN}"}


@test
def jwt_templates_delete_then_get_and_mint_are_404():
    t, s = need("temp_template", "sess")
    d = clerk.jwt_templates.delete(template_id=t["id"])
    eq((d.object, d.id, d.deleted), ("jwt_template", t["id"], True), "deleted object")
    expect_error(lambda: clerk.jwt_templates.get(template_id=t["id"]), 404, "resource_not_found", typed=False)
    expect_error(lambda: clerk.sessions.create_token_from_template(session_id=s["id"], template_name=t["name"]),
                 404, "resource_not_found")


@test
def jwt_templates_reserved_claim_sub_is_400():
    expect_error(lambda: create_template(name=f"bad-{RUN}", claims={"sub": "{{user.id}}"}), 400,
                 "jwt_template_reserved_claim", long_contains="sub")


@test
def jwt_templates_reserved_claim_iss_is_400():
    expect_error(lambda: create_template(name=f"bad-{RUN}", claims={"iss": "me", "ok": 1}), 400,
                 "jwt_template_reserved_claim", long_contains="iss")


@test
def jwt_templates_duplicate_name_is_422():
    need_template("hasura")
    try:
        create_template(name="hasura", claims={"a": 1})
    except models.ClerkErrors as e:
        eq(e.status_code, 422, "status")
        # The live API's code is not documented (clerk-compat §1.2): either candidate is accepted.
        first = e.data.errors[0]
        check(first.code in ("form_identifier_exists", "form_already_exists"), f"code {first.code!r}")
        eq((first.meta or {}).get("param_name"), "name", "meta.param_name")
        return
    raise AssertionError("a second template named hasura was created")


@test
def jwt_templates_lifetime_out_of_range_is_422():
    expect_error(lambda: create_template(name=f"short-{RUN}", claims={"a": 1}, lifetime=5), 422,
                 "form_param_value_invalid", param="lifetime")


@test
def jwt_templates_shortcode_syntax_error_is_422_naming_the_claim():
    e = expect_error(lambda: create_template(name=f"syntax-{RUN}", claims={"a": {"b": ["{{user.id"]}}), 422,
                     "form_param_value_invalid", param="claims")
    check("a.b[0]" in e["long_message"] or "a.b.0" in e["long_message"],
          f"long_message {e['long_message']!r} does not name the claim path")


@test
def jwt_templates_name_with_a_space_mints_through_the_sdk():
    s = need("sess")
    name = f"my template {RUN}"
    create_template(name=name, claims={"who": "{{user.first_name}}"})
    tok = clerk.sessions.create_token_from_template(session_id=s["id"], template_name=name)
    check_template_token(tok.jwt, tpl={"alg": "RS256", "kid": need("instance_kid"), "lifetime": 60, "skew": 5},
                         rendered={"who": "Ada"})


@test
def jwt_templates_update_turns_a_custom_key_on_and_off():
    s = need("sess")
    name = f"switch-{RUN}"
    secret = secrets.token_urlsafe(32)
    t = create_template(name=name, claims={"k": 1})
    u = update_template(t.id, name=name, claims={"k": 2}, custom_signing_key=True, signing_algorithm="HS256",
                        signing_key=secret)
    eq((u.custom_signing_key, u.signing_algorithm), (True, "HS256"), "after turning the custom key on")
    check("signing_key" not in raw_last(), "signing_key is returned")
    tok = clerk.sessions.create_token_from_template(session_id=s["id"], template_name=name).jwt
    check_template_token(tok, tpl={"alg": "HS256", "hs_secret": secret, "lifetime": 60, "skew": 5}, rendered={"k": 2})
    u = update_template(t.id, name=name, claims={"k": 3}, custom_signing_key=False)
    eq((u.custom_signing_key, u.signing_algorithm), (False, "RS256"), "after turning the custom key off")
    tok = clerk.sessions.create_token_from_template(session_id=s["id"], template_name=name).jwt
    check_template_token(tok, tpl={"alg": "RS256", "kid": need("instance_kid"), "lifetime": 60, "skew": 5},
                         rendered={"k": 3})


@test
def jwt_templates_custom_key_that_does_not_parse_is_422():
    expect_error(lambda: create_template(name=f"badkey-{RUN}", claims={"a": 1}, custom_signing_key=True,
                                         signing_algorithm="ES256", signing_key="not a pem"),
                 422, "form_param_value_invalid", param="signing_key")


# --------------------------------------------------------------------------------------------------
# Minting


def make_mint_tests(name: str) -> None:
    spec = TEMPLATES[name]

    def mint(expires: Optional[int]) -> None:
        need_template(name)
        s, org = need("sess_org", "org")
        kwargs = {} if expires is None else {"expires_in_seconds": expires}
        tok = clerk.sessions.create_token_from_template(session_id=s["id"], template_name=name, **kwargs)
        eq(raw_last().get("object"), "token", "object")
        spec.setdefault("tokens", []).append(tok.jwt)
        check_template_token(tok.jwt, tpl=spec, rendered=spec["render"](user_view(), org), expires=expires)

    def default() -> None:
        mint(None)

    def with_expiry() -> None:
        mint(1234)

    default.__name__ = f"mint_{name.replace('-', '_')}_default_lifetime"
    with_expiry.__name__ = f"mint_{name.replace('-', '_')}_expires_in_seconds"
    test(default)
    test(with_expiry)


for _name in TEMPLATES:
    make_mint_tests(_name)


@test
def mint_orgs_template_without_active_organization_gives_nulls():
    s = need("sess")
    spec = TEMPLATES["orgs"]
    need_template("orgs")
    tok = clerk.sessions.create_token_from_template(session_id=s["id"], template_name="orgs")
    check_template_token(tok.jwt, tpl=spec, rendered=spec["render"](user_view(), None))


@test
def mint_unknown_template_is_404():
    s = need("sess")
    e = expect_error(lambda: clerk.sessions.create_token_from_template(session_id=s["id"], template_name="nope"),
                     404, "resource_not_found")
    check("nope" in e["long_message"], f"long_message {e['long_message']!r} does not name the template")


@test
def mint_unknown_session_is_404():
    need_template("hasura")
    expect_error(lambda: clerk.sessions.create_token_from_template(session_id="sess_2x0000000000000000000000000",
                                                                   template_name="hasura"),
                 404, "resource_not_found")


@test
def mint_expires_in_seconds_5_is_422():
    s = need("sess")
    need_template("hasura")
    expect_error(lambda: clerk.sessions.create_token_from_template(session_id=s["id"], template_name="hasura",
                                                                   expires_in_seconds=5),
                 422, "form_param_value_invalid", param="expires_in_seconds", typed=False)


@test
def mint_accepts_an_empty_body_with_a_json_content_type():
    # What @clerk/backend sends when no expiry is given (clerk-compat §1.6); not reachable through
    # the Python SDK, so plain HTTP.
    s = need("sess")
    need_template("hasura")
    headers = {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}
    for path in (f"/v1/sessions/{s['id']}/tokens", f"/v1/sessions/{s['id']}/tokens/hasura"):
        for body in (b"", b"{}"):
            r = HTTP.post(BASE + path, headers=headers, content=body)
            eq(r.status_code, 200, f"POST {path} with body {body!r}: {r.text[:200]}")
            eq(r.json().get("object"), "token", "object")
            verify(r.json()["jwt"], alg="RS256")


@test
def session_token_with_active_organization():
    s, org = need("sess_org", "org")
    tok = clerk.sessions.create_token(session_id=s["id"])
    eq(raw_last().get("object"), "token", "object")
    # Default roles carry only system permissions, which never go into `o` (no per/fpm, no fea).
    check_session_token(tok.jwt, session_id=s["id"], org={"id": org["id"], "slg": org["slug"], "rol": "admin"})
    S["session_token_org"] = tok.jwt


@test
def session_token_without_organization():
    s = need("sess")
    tok = clerk.sessions.create_token(session_id=s["id"])
    check_session_token(tok.jwt, session_id=s["id"], org=None)
    S["session_token"] = tok.jwt


@test
def session_token_expires_in_seconds():
    s = need("sess")
    tok = clerk.sessions.create_token(session_id=s["id"], expires_in_seconds=600)
    check_session_token(tok.jwt, session_id=s["id"], org=None, lifetime=600)
    S["session_token_600"] = tok.jwt


@test
def session_token_expires_in_seconds_5_is_422():
    s = need("sess")
    expect_error(lambda: clerk.sessions.create_token(session_id=s["id"], expires_in_seconds=5), 422,
                 "form_param_value_invalid", param="expires_in_seconds", typed=False)


@test
def sdk_verify_token_accepts_session_and_template_tokens():
    tok = need("session_token_org")
    opts = VerifyTokenOptions(secret_key=SECRET, api_url=BASE, api_version="v1")
    payload = verify_token(tok, opts)
    eq(payload["sid"], need("sess_org")["id"], "sid via clerk_backend_api.security.verify_token")
    hasura = TEMPLATES["hasura"].get("tokens") or []
    check(hasura, "no hasura token was minted")
    eq(verify_token(hasura[0], opts)["sub"], need("u1")["id"], "hasura token sub")
    convex = TEMPLATES["convex"].get("tokens") or []
    check(convex, "no convex token was minted")
    opts_aud = VerifyTokenOptions(secret_key=SECRET, api_url=BASE, api_version="v1", audience="convex")
    eq(verify_token(convex[0], opts_aud)["aud"], "convex", "convex token aud")


@test
def sdk_authenticate_request_with_instance_public_key():
    tok = need("session_token_org")
    org = need("org")
    jwk = jwk_by_kid(need("instance_kid"))
    pub = rsa.RSAPublicNumbers(
        int.from_bytes(base64.urlsafe_b64decode(jwk["e"] + "=" * (-len(jwk["e"]) % 4)), "big"),
        int.from_bytes(base64.urlsafe_b64decode(jwk["n"] + "=" * (-len(jwk["n"]) % 4)), "big"),
    ).public_key()
    pem = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    request = httpx.Request("GET", "https://app.example/", headers={"Authorization": f"Bearer {tok}"})
    state = clerk.authenticate_request(request, AuthenticateRequestOptions(jwt_key=pem))
    eq(state.status, AuthStatus.SIGNED_IN, f"status (reason {state.reason})")
    eq((state.payload["org_id"], state.payload["org_slug"], state.payload["org_role"]),
       (org["id"], org["slug"], "admin"), "org fields derived by the SDK")


# --------------------------------------------------------------------------------------------------
# Organization permissions, roles and role sets (clerk-backend-api's organization_permissions,
# organization_roles, role_sets and organization_memberships), and the permissions a role gives a
# member, read back from memberships, session tokens and the SDK's authenticate_request.
# Everything lives under keys with this run's RUN in them; the default roles (org:admin, org:member)
# are never changed, so the session-token checks above and in the @clerk/backend suite stay exact.

SYSTEM_PERMISSION_KEYS = {
    "org:sys_profile:manage", "org:sys_profile:delete", "org:sys_memberships:read",
    "org:sys_memberships:manage", "org:sys_domains:read", "org:sys_domains:manage",
    "org:sys_billing:read", "org:sys_billing:manage", "org:sys_entconns:manage",
}
MEMBER_ROLE_PERMISSION_KEYS = {"org:sys_memberships:read", "org:sys_billing:read"}


def roles_state(*keys: str) -> Dict[str, Any]:
    """This section's state; fails with a clear message when one of `keys` was not filled in."""
    st = need("roles")
    missing = [k for k in keys if k not in st]
    if missing:
        raise AssertionError(f"prerequisite roles.{', roles.'.join(missing)} missing (an earlier test failed)")
    return st


def role_keys(role: Any) -> List[str]:
    """The permission keys of an SDK `Role`, each checked to be a full `Permission`."""
    for p in role.permissions:
        check(isinstance(p, models.Permission) and isinstance(p.description, str), f"permission {p!r}")
    return sorted(p.key for p in role.permissions)


def roles_membership(org_id: str, user_id: str) -> Any:
    """A user's membership, read from the organization's membership list (no list filters used)."""
    ms = [m for m in clerk.organization_memberships.list(organization_id=org_id, limit=100).data
          if m.public_user_data.user_id == user_id]
    eq(len(ms), 1, f"memberships of {user_id} in {org_id}")
    return ms[0]


def instance_public_pem() -> str:
    jwk = jwk_by_kid(need("instance_kid"))
    pub = rsa.RSAPublicNumbers(
        int.from_bytes(base64.urlsafe_b64decode(jwk["e"] + "=" * (-len(jwk["e"]) % 4)), "big"),
        int.from_bytes(base64.urlsafe_b64decode(jwk["n"] + "=" * (-len(jwk["n"]) % 4)), "big"),
    ).public_key()
    return pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@test
def roles_system_permissions_are_listed_with_string_descriptions():
    res = clerk.organization_permissions.list(query="org:sys_", order_by="key", limit=100)
    eq(res.total_count, 9, "total_count of org:sys_ permissions")
    eq({p.key for p in res.data}, SYSTEM_PERMISSION_KEYS, "system permission keys")
    eq([p.key for p in res.data], sorted(SYSTEM_PERMISSION_KEYS), "order_by=key")
    for p in res.data:
        eq((p.object, p.type), (models.PermissionObject.PERMISSION, "system"), f"{p.key} object, type")
        check(re.fullmatch(r"perm_\w{27}", p.id), f"{p.key} id {p.id!r}")
        check(isinstance(p.description, str) and p.description, f"{p.key} description {p.description!r}")
        check(p.name and is_ms(p.created_at) and is_ms(p.updated_at), f"{p.key} name/timestamps")
    by_key = {p.key: p for p in res.data}
    got = clerk.organization_permissions.get(permission_id=by_key["org:sys_memberships:read"].id)
    eq((got.id, got.key, got.type), (by_key["org:sys_memberships:read"].id, "org:sys_memberships:read", "system"), "get")
    S["roles"] = {"run": RUN, "sys": {k: p.id for k, p in by_key.items()}}


@test
def roles_default_roles_and_the_initial_role_set():
    st = roles_state()
    res = clerk.organization_roles.list(limit=100)
    by_key = {r.key: r for r in res.data}
    check({"org:admin", "org:member"} <= set(by_key), f"roles {sorted(by_key)}")
    check(res.total_count >= 2, f"total_count {res.total_count}")
    admin, member = by_key["org:admin"], by_key["org:member"]
    eq((admin.object, admin.name, admin.is_creator_eligible), (models.RoleObject.ROLE, "Admin", True), "org:admin")
    eq(role_keys(admin), sorted(SYSTEM_PERMISSION_KEYS), "org:admin permissions")
    eq((member.name, member.is_creator_eligible), ("Member", False), "org:member")
    eq(role_keys(member), sorted(MEMBER_ROLE_PERMISSION_KEYS), "org:member permissions")
    check(re.fullmatch(r"role_\w{27}", admin.id), f"org:admin id {admin.id!r}")
    got = clerk.organization_roles.get(organization_role_id=member.id)
    eq((got.id, got.key, role_keys(got)), (member.id, "org:member", sorted(MEMBER_ROLE_PERMISSION_KEYS)), "get org:member")
    initial = clerk.role_sets.get(role_set_key_or_id="role_set:default")
    eq((initial.object, initial.type), (models.RoleSetObject.ROLE_SET, models.Type.INITIAL), "role_set:default object, type")
    eq((initial.creator_role.key, initial.default_role.key), ("org:admin", "org:member"), "creator and default role")
    check({"org:admin", "org:member"} <= {r.key for r in initial.roles}, f"initial set roles {[r.key for r in initial.roles]}")
    eq(clerk.role_sets.get(role_set_key_or_id=initial.id).key, "role_set:default", "role set by id")
    st["admin_id"], st["member_id"] = admin.id, member.id


@test
def roles_create_permissions_description_is_always_a_string():
    st = roles_state()
    read = clerk.organization_permissions.create(name="Read invoices", key=f"org:inv_{RUN}:read")
    eq((read.object, read.type, read.key, read.name), (models.PermissionObject.PERMISSION, "user", f"org:inv_{RUN}:read",
                                                        "Read invoices"), "created permission")
    eq(read.description, "", "description without one given (the SDK requires a string)")
    eq(raw_last()["description"], "", "description on the wire")
    check(re.fullmatch(r"perm_\w{27}", read.id) and is_ms(read.created_at), f"id {read.id!r}, created_at")
    pay = clerk.organization_permissions.create(name="Pay invoices", key=f"org:inv_{RUN}:pay", description="Money out")
    eq(pay.description, "Money out", "description given")
    view = clerk.organization_permissions.create(name="View reports", key=f"org:rep_{RUN}:view")
    eq(clerk.organization_permissions.get(permission_id=view.id).key, f"org:rep_{RUN}:view", "get by id")
    listed = clerk.organization_permissions.list(query=RUN, order_by="key", limit=100)
    eq([p.key for p in listed.data], sorted([read.key, pay.key, view.key]), "list by query")
    eq(listed.total_count, 3, "total_count by query")
    st["perm"] = {"read": read.id, "pay": pay.id, "view": view.id}


@test
def roles_duplicate_permission_key_is_422_form_identifier_exists():
    roles_state("perm")
    expect_error(lambda: clerk.organization_permissions.create(name="Again", key=f"org:inv_{RUN}:read"), 422,
                 "form_identifier_exists", param="key")


@test
def roles_permission_keys_are_checked():
    expect_error(lambda: clerk.organization_permissions.create(name="Sys", key=f"org:sys_{RUN}:read"), 422,
                 "form_param_value_invalid", param="key")
    expect_error(lambda: clerk.organization_permissions.create(name="Bad", key=f"inv_{RUN}:read"), 422,
                 "form_param_format_invalid", param="key")


@test
def roles_create_role_with_permissions_in_the_initial_role_set():
    st = roles_state("perm")
    perm = st["perm"]
    sys_read = st["sys"]["org:sys_memberships:read"]
    r = clerk.organization_roles.create(name=f"Accountant {RUN}", key=f"org:acct_{RUN}", description="Books",
                                        permissions=[perm["read"], sys_read], include_in_initial_role_set=True)
    check(re.fullmatch(r"role_\w{27}", r.id), f"id {r.id!r}")
    eq((r.object, r.key, r.name, r.description, r.is_creator_eligible),
       (models.RoleObject.ROLE, f"org:acct_{RUN}", f"Accountant {RUN}", "Books", False), "created role")
    eq(role_keys(r), sorted([f"org:inv_{RUN}:read", "org:sys_memberships:read"]), "role permissions")
    check(is_ms(r.created_at) and is_ms(r.updated_at), "timestamps in ms")
    eq(clerk.organization_roles.get(organization_role_id=r.id).key, r.key, "get by id")
    initial = clerk.role_sets.get(role_set_key_or_id="role_set:default")
    item = [x for x in initial.roles if x.key == r.key]
    eq([(x.object, x.id, x.name) for x in item], [(models.RoleSetItemObject.ROLE_SET_ITEM, r.id, r.name)],
       "the role in role_set:default")
    eq((initial.creator_role.key, initial.default_role.key), ("org:admin", "org:member"),
       "the initial set keeps its creator and default role")
    st["acct"] = r.id


@test
def roles_membership_with_custom_role_reads_role_name_and_permissions():
    st = roles_state("acct")
    owner = clerk.users.create(email_address=[f"roles.owner.{RUN}@example.com"])
    clerk_user = clerk.users.create(email_address=[f"roles.clerk.{RUN}@example.com"])
    org = clerk.organizations.create(request={"name": f"Ledger {RUN}", "slug": f"ledger-{RUN}", "created_by": owner.id})
    eq(org.role_set_key, "role_set:default", "a new organization gets the initial role set")
    creator = roles_membership(org.id, owner.id)
    eq((creator.role, creator.role_name), ("org:admin", "Admin"), "the creator's role")
    eq(sorted(creator.permissions), sorted(SYSTEM_PERMISSION_KEYS), "the creator's permissions")
    m = clerk.organization_memberships.create(organization_id=org.id, user_id=clerk_user.id, role=f"org:acct_{RUN}")
    eq((m.role, m.role_name), (f"org:acct_{RUN}", f"Accountant {RUN}"), "role, role_name")
    eq(sorted(m.permissions), sorted([f"org:inv_{RUN}:read", "org:sys_memberships:read"]), "permissions")
    eq(m.organization.role_set_key, "role_set:default", "organization.role_set_key")
    listed = clerk.organization_memberships.list(organization_id=org.id, limit=100)
    eq(sorted((x.public_user_data.user_id, x.role, x.role_name) for x in listed.data),
       sorted([(owner.id, "org:admin", "Admin"), (clerk_user.id, f"org:acct_{RUN}", f"Accountant {RUN}")]),
       "the list reads role and role_name")
    st.update(owner=owner.id, clerk=clerk_user.id, org={"id": org.id, "slug": org.slug})


@test
def roles_membership_with_unknown_role_is_422():
    st = roles_state("org", "owner")
    org, owner = st["org"], st["owner"]
    extra = clerk.users.create(email_address=[f"roles.extra.{RUN}@example.com"])
    expect_error(lambda: clerk.organization_memberships.create(organization_id=org["id"], user_id=extra.id,
                                                               role=f"org:nope_{RUN}"),
                 422, "form_param_value_invalid", param="role")
    expect_error(lambda: clerk.organization_memberships.update(organization_id=org["id"], user_id=owner,
                                                               role=f"org:nope_{RUN}"),
                 422, "form_param_value_invalid", param="role")
    eq(roles_membership(org["id"], owner).role, "org:admin", "the owner's role is unchanged")
    users = [x.public_user_data.user_id for x in clerk.organization_memberships.list(organization_id=org["id"]).data]
    check(extra.id not in users, "a membership was created with an unknown role")


@test
def roles_membership_role_outside_the_role_set_is_422():
    st = roles_state("org", "clerk")
    org, clerk_user = st["org"], st["clerk"]
    viewer = clerk.organization_roles.create(name=f"Viewer {RUN}", key=f"org:viewer_{RUN}",
                                             include_in_initial_role_set=False)
    eq((viewer.key, viewer.permissions, viewer.description), (f"org:viewer_{RUN}", [], None), "viewer role")
    initial = clerk.role_sets.get(role_set_key_or_id="role_set:default")
    check(viewer.key not in [r.key for r in initial.roles], "a role created outside the initial set is in it")
    expect_error(lambda: clerk.organization_memberships.update(organization_id=org["id"], user_id=clerk_user,
                                                               role=viewer.key),
                 422, "form_param_value_invalid", param="role")
    eq(roles_membership(org["id"], clerk_user).role, f"org:acct_{RUN}", "role unchanged")
    st["viewer"] = viewer.id


@test
def roles_assign_permission_reaches_memberships_and_twice_is_409():
    st = roles_state("acct", "perm", "org", "clerk")
    acct, perm, org = st["acct"], st["perm"], st["org"]
    r = clerk.organization_roles.assign_permission(organization_role_id=acct, permission_id=perm["pay"])
    want = sorted([f"org:inv_{RUN}:read", f"org:inv_{RUN}:pay", "org:sys_memberships:read"])
    eq(role_keys(r), want, "role permissions after assign")
    eq(sorted(roles_membership(org["id"], st["clerk"]).permissions), want, "membership permissions after assign")
    expect_error(lambda: clerk.organization_roles.assign_permission(organization_role_id=acct, permission_id=perm["pay"]),
                 409, "organization_role_permission_association_exists")
    expect_error(lambda: clerk.organization_roles.assign_permission(organization_role_id=acct,
                                                                    permission_id="perm_2x0000000000000000000000000"),
                 404, "resource_not_found")


@test
def roles_remove_permission_reaches_memberships_and_twice_is_404():
    st = roles_state("acct", "perm", "org", "clerk")
    acct, perm, org = st["acct"], st["perm"], st["org"]
    r = clerk.organization_roles.remove_permission(organization_role_id=acct, permission_id=perm["read"])
    want = sorted([f"org:inv_{RUN}:pay", "org:sys_memberships:read"])
    eq(role_keys(r), want, "role permissions after remove")
    eq(sorted(roles_membership(org["id"], st["clerk"]).permissions), want, "membership permissions after remove")
    expect_error(lambda: clerk.organization_roles.remove_permission(organization_role_id=acct, permission_id=perm["read"]),
                 404, "organization_role_permission_association_not_found")


@test
def roles_update_role_replaces_permissions_and_renames_memberships():
    st = roles_state("acct", "perm", "org", "clerk")
    acct, perm, org = st["acct"], st["perm"], st["org"]
    r = clerk.organization_roles.update(organization_role_id=acct, name=f"Bookkeeper {RUN}", description="Ledgers",
                                        permissions=[perm["read"], perm["view"], st["sys"]["org:sys_memberships:read"]])
    want = sorted([f"org:inv_{RUN}:read", f"org:rep_{RUN}:view", "org:sys_memberships:read"])
    eq((r.key, r.name, r.description, role_keys(r)), (f"org:acct_{RUN}", f"Bookkeeper {RUN}", "Ledgers", want),
       "role after update")
    m = roles_membership(org["id"], st["clerk"])
    eq((m.role, m.role_name, sorted(m.permissions)), (f"org:acct_{RUN}", f"Bookkeeper {RUN}", want),
       "membership after update")


@test
def roles_update_permission_key_follows_to_roles_and_memberships():
    st = roles_state("acct", "perm", "org", "clerk")
    perm, org = st["perm"], st["org"]
    p = clerk.organization_permissions.update(permission_id=perm["view"], key=f"org:rep_{RUN}:see", name="See reports",
                                              description="Read-only")
    eq((p.id, p.key, p.name, p.description, p.type), (perm["view"], f"org:rep_{RUN}:see", "See reports", "Read-only", "user"),
       "permission after update")
    want = sorted([f"org:inv_{RUN}:read", f"org:rep_{RUN}:see", "org:sys_memberships:read"])
    eq(role_keys(clerk.organization_roles.get(organization_role_id=st["acct"])), want, "role permissions")
    eq(sorted(roles_membership(org["id"], st["clerk"]).permissions), want, "membership permissions")
    expect_error(lambda: clerk.organization_permissions.update(permission_id=perm["pay"], key=f"org:inv_{RUN}:read"),
                 422, "form_identifier_exists", param="key")


@test
def roles_system_permissions_cannot_be_changed_or_deleted():
    sys_id = roles_state("sys")["sys"]["org:sys_billing:read"]
    expect_error(lambda: clerk.organization_permissions.update(permission_id=sys_id, name="Mine now"), 403,
                 "organization_system_permission_not_modifiable")
    expect_error(lambda: clerk.organization_permissions.delete(permission_id=sys_id), 403,
                 "organization_system_permission_not_modifiable")
    eq(clerk.organization_permissions.get(permission_id=sys_id).name, "Read billing", "system permission unchanged")


@test
def roles_delete_role_in_use_is_422():
    st = roles_state("acct", "org", "member_id", "admin_id")
    expect_error(lambda: clerk.organization_roles.delete(organization_role_id=st["acct"]), 422,
                 "organization_role_assigned_members")
    expect_error(lambda: clerk.organization_roles.delete(organization_role_id=st["member_id"]), 422,
                 "organization_role_default_creator_role")
    expect_error(lambda: clerk.organization_roles.delete(organization_role_id=st["admin_id"]), 422,
                 "organization_role_default_creator_role")
    eq(clerk.organization_roles.get(organization_role_id=st["acct"]).key, f"org:acct_{RUN}", "role still there")


@test
def roles_session_token_and_authenticate_request_carry_custom_permissions_only():
    st = roles_state("org", "clerk")
    org = st["org"]
    s = clerk.sessions.create(request={"user_id": st["clerk"], "active_organization_id": org["id"]})
    tok = clerk.sessions.create_token(session_id=s.id)
    _, payload = verify(tok.jwt, alg="RS256")
    eq((payload["sub"], payload["sid"], payload["v"]), (st["clerk"], s.id, 2), "sub, sid, v")
    o = payload["o"]
    eq(sorted(o), ["fpm", "id", "per", "rol", "slg"], "o fields")
    eq((o["id"], o["slg"], o["rol"]), (org["id"], org["slug"], f"acct_{RUN}"), "o.id, o.slg, o.rol")
    eq(sorted(payload["fea"].split(",")), sorted([f"o:inv_{RUN}", f"o:rep_{RUN}"]), "fea")
    eq(sorted(o["per"].split(",")), ["read", "see"], "o.per")
    check("sys_" not in json.dumps(payload), f"a system permission reached the token: {payload}")
    request = httpx.Request("GET", "https://app.example/", headers={"Authorization": f"Bearer {tok.jwt}"})
    state = clerk.authenticate_request(request, AuthenticateRequestOptions(jwt_key=instance_public_pem()))
    eq(state.status, AuthStatus.SIGNED_IN, f"status (reason {state.reason})")
    auth = state.to_auth()
    eq((auth.org_id, auth.org_role), (org["id"], f"acct_{RUN}"), "to_auth org_id, org_role")
    eq(sorted(auth.org_permissions or []), sorted([f"org:inv_{RUN}:read", f"org:rep_{RUN}:see"]),
       "to_auth().org_permissions decoded by the SDK from o.per, o.fpm and fea")
    st["session"] = s.id


@test
def role_sets_create_get_and_list():
    st = roles_state("viewer")
    rs = clerk.role_sets.create(name=f"Py set {RUN}", key=f"role_set:py_{RUN}", description="Two roles",
                                default_role_key=f"org:viewer_{RUN}", creator_role_key="org:admin",
                                roles=["org:admin", f"org:viewer_{RUN}"])
    check(re.fullmatch(r"rs_\w{27}", rs.id), f"id {rs.id!r}")
    eq((rs.object, rs.key, rs.name, rs.description, rs.type),
       (models.RoleSetObject.ROLE_SET, f"role_set:py_{RUN}", f"Py set {RUN}", "Two roles", models.Type.CUSTOM), "role set")
    eq(sorted(r.key for r in rs.roles), sorted(["org:admin", f"org:viewer_{RUN}"]), "roles")
    eq((rs.default_role.key, rs.creator_role.key), (f"org:viewer_{RUN}", "org:admin"), "default and creator role")
    eq((rs.default_role.members_count, rs.default_role.has_members), (0, False), "default role has no members yet")
    eq(clerk.role_sets.get(role_set_key_or_id=rs.id).key, rs.key, "get by id")
    eq(clerk.role_sets.get(role_set_key_or_id=rs.key).id, rs.id, "get by key")
    listed = clerk.role_sets.list(query=f"py_{RUN}")
    eq(([x.id for x in listed.data], listed.total_count), ([rs.id], 1), "list by query")
    up = clerk.role_sets.update(role_set_key_or_id=rs.key, name=f"Py set renamed {RUN}", description="Renamed")
    eq((up.id, up.key, up.name, up.description, up.type), (rs.id, rs.key, f"Py set renamed {RUN}", "Renamed",
                                                           models.Type.CUSTOM), "role set after update")
    expect_error(lambda: clerk.role_sets.create(name="Again", key=rs.key, default_role_key=f"org:viewer_{RUN}",
                                                creator_role_key="org:admin", roles=["org:admin", f"org:viewer_{RUN}"]),
                 422, "form_identifier_exists", param="key")
    st["set"] = rs.id


@test
def role_sets_add_roles_and_replace_role_move_members():
    st = roles_state("set", "owner", "clerk")
    set_id = st["set"]
    analyst = clerk.organization_roles.create(name=f"Analyst {RUN}", key=f"org:analyst_{RUN}",
                                              include_in_initial_role_set=False)
    rs = clerk.role_sets.add_roles(role_set_key_or_id=set_id, role_keys=[analyst.key], default_role_key=analyst.key)
    eq(sorted(r.key for r in rs.roles), sorted(["org:admin", f"org:viewer_{RUN}", analyst.key]), "roles after add")
    eq(rs.default_role.key, analyst.key, "default role after add")
    owner, u = st["owner"], st["clerk"]
    org = clerk.organizations.create(request={"name": f"Ledger Pro {RUN}", "created_by": owner,
                                              "role_set_key": f"role_set:py_{RUN}"})
    eq(org.role_set_key, f"role_set:py_{RUN}", "organization role_set_key")
    expect_error(lambda: clerk.organization_memberships.create(organization_id=org.id, user_id=u, role="org:member"),
                 422, "form_param_value_invalid", param="role")
    m = clerk.organization_memberships.create(organization_id=org.id, user_id=u, role=f"org:viewer_{RUN}")
    eq((m.role, m.role_name, m.permissions), (f"org:viewer_{RUN}", f"Viewer {RUN}", []), "viewer membership")
    got = clerk.role_sets.get(role_set_key_or_id=set_id)
    eq({r.key: r.members_count for r in got.roles},
       {"org:admin": 1, f"org:viewer_{RUN}": 1, analyst.key: 0}, "members_count per role")
    expect_error(lambda: clerk.organizations.update(organization_id=org.id, role_set_key="role_set:default"), 422,
                 "organization_role_on_set_assigned_to_user")
    eq(clerk.organizations.get(organization_id=org.id).role_set_key, f"role_set:py_{RUN}", "role set unchanged")
    rs = clerk.role_sets.replace_role(role_set_key_or_id=f"role_set:py_{RUN}", role_key=f"org:viewer_{RUN}",
                                      to_role_key=analyst.key)
    eq(sorted(r.key for r in rs.roles), sorted(["org:admin", analyst.key]), "roles after replace_role")
    moved = roles_membership(org.id, u)
    eq((moved.role, moved.role_name), (analyst.key, f"Analyst {RUN}"), "the viewer moved to the analyst role")
    st.update(analyst=analyst.id, org_pro=org.id)


@test
def role_sets_replace_moves_organizations_and_deletes_the_set():
    st = roles_state("set", "org_pro", "owner", "clerk")
    set_id, org_pro = st["set"], st["org_pro"]
    expect_error(lambda: clerk.role_sets.replace(role_set_key_or_id=set_id, dest_role_set_key="role_set:default"),
                 422, "organization_role_set_reassignment_mappings_missing")
    d = clerk.role_sets.replace(role_set_key_or_id=set_id, dest_role_set_key="role_set:default",
                                reassignment_mappings={f"org:analyst_{RUN}": "org:member"})
    eq((d.object, d.id, d.deleted), ("role_set", set_id, True), "deleted object")
    expect_error(lambda: clerk.role_sets.get(role_set_key_or_id=set_id), 404, "resource_not_found")
    eq(clerk.organizations.get(organization_id=org_pro).role_set_key, "role_set:default", "organization's new role set")
    m = roles_membership(org_pro, st["clerk"])
    eq((m.role, m.role_name, sorted(m.permissions)), ("org:member", "Member", sorted(MEMBER_ROLE_PERMISSION_KEYS)),
       "the analyst became a member")
    eq(roles_membership(org_pro, st["owner"]).role, "org:admin", "the creator stays admin")


@test
def roles_delete_unused_role_and_an_assigned_permission():
    st = roles_state("viewer", "perm", "acct", "org", "clerk")
    viewer, analyst, perm = st["viewer"], st.get("analyst"), st["perm"]
    d = clerk.organization_roles.delete(organization_role_id=viewer)
    eq((d.object, d.id, d.deleted), ("role", viewer, True), "deleted role")
    expect_error(lambda: clerk.organization_roles.get(organization_role_id=viewer), 404, "resource_not_found")
    if analyst:
        eq(clerk.organization_roles.delete(organization_role_id=analyst).deleted, True, "analyst deleted")
    d = clerk.organization_permissions.delete(permission_id=perm["pay"])
    eq((d.object, d.id, d.deleted), ("permission", perm["pay"], True), "deleted permission")
    expect_error(lambda: clerk.organization_permissions.get(permission_id=perm["pay"]), 404, "resource_not_found")
    # An assigned permission: deleting it takes it out of the role and so out of the membership.
    tmp = clerk.organization_permissions.create(name="Temporary", key=f"org:inv_{RUN}:tmp")
    with_tmp = clerk.organization_roles.assign_permission(organization_role_id=st["acct"], permission_id=tmp.id)
    check(f"org:inv_{RUN}:tmp" in role_keys(with_tmp), "tmp permission assigned")
    eq(clerk.organization_permissions.delete(permission_id=tmp.id).deleted, True, "assigned permission deleted")
    want = sorted([f"org:inv_{RUN}:read", f"org:rep_{RUN}:see", "org:sys_memberships:read"])
    eq(role_keys(clerk.organization_roles.get(organization_role_id=st["acct"])), want, "role permissions")
    eq(sorted(roles_membership(st["org"]["id"], st["clerk"]).permissions), want, "membership permissions")


@restart_test
def restart_keeps_roles_permissions_and_memberships():
    st = roles_state("run", "acct", "org", "clerk", "session")
    want = sorted([f"org:inv_{st['run']}:read", f"org:rep_{st['run']}:see", "org:sys_memberships:read"])
    r = clerk.organization_roles.get(organization_role_id=st["acct"])
    eq((r.key, r.name, role_keys(r)), (f"org:acct_{st['run']}", f"Bookkeeper {st['run']}", want), "role")
    m = roles_membership(st["org"]["id"], st["clerk"])
    eq((m.role, m.role_name, sorted(m.permissions)), (r.key, r.name, want), "membership")
    initial = clerk.role_sets.get(role_set_key_or_id="role_set:default")
    check(r.key in [x.key for x in initial.roles], "the role left the initial set")
    eq(clerk.organization_permissions.list(query="org:sys_", limit=100).total_count, 9, "system permissions")
    tok = clerk.sessions.create_token(session_id=st["session"])
    _, payload = verify(tok.jwt, alg="RS256")
    eq((payload["o"]["rol"], sorted(payload["o"]["per"].split(",")), sorted(payload["fea"].split(","))),
       (f"acct_{st['run']}", ["read", "see"], sorted([f"o:inv_{st['run']}", f"o:rep_{st['run']}"])),
       "session token o.rol, o.per, fea")


# --------------------------------------------------------------------------------------------------
# >>> Custom session claims (Tessera extension /v1/tessera/session_claims; clerk-compat §2.5) >>>
# Clerk's SDK has no call for this Tessera route, so the claims are set over plain HTTP; the session
# tokens are minted through the SDK and read back by its networkless `authenticate_request` and
# `verify_token` (with the instance public key). Every check leaves no claims behind: the checks above
# and the @clerk/backend suite run next on this server compare session-token claims exactly.

SESSION_CLAIMS_URL = BASE + "/v1/tessera/session_claims"


def session_claims_call(method: str, body: Optional[Dict[str, Any]] = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {SECRET}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    r = HTTP.request(method, SESSION_CLAIMS_URL, headers=headers,
                     content=None if body is None else json.dumps(body).encode())
    eq(r.headers.get("content-type"), "application/json", f"{method} content type")
    return r


class custom_session_claims:  # noqa: N801 - used as `with custom_session_claims({...}):`
    """Sets the instance's session claims for the `with` block and clears them afterwards, even when a
    check inside fails."""

    def __init__(self, claims: Dict[str, Any]) -> None:
        self.claims = claims

    def __enter__(self) -> Dict[str, Any]:
        r = session_claims_call("PUT", {"claims": self.claims})
        eq(r.status_code, 200, f"PUT session claims: {r.text[:300]}")
        return r.json()

    def __exit__(self, *exc: Any) -> None:
        session_claims_call("DELETE")


def instance_public_key_pem() -> str:
    jwk = jwk_by_kid(need("instance_kid"))
    num = lambda v: int.from_bytes(base64.urlsafe_b64decode(v + "=" * (-len(v) % 4)), "big")  # noqa: E731
    pub = rsa.RSAPublicNumbers(num(jwk["e"]), num(jwk["n"])).public_key()
    return pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


SESSION_CLAIMS = {
    "email": "{{user.primary_email_address}}",
    "prefs": "{{user.public_metadata.prefs}}",
    "tier": "{{org.public_metadata.tier || 'free'}}",
    "app": {"org": "{{org.slug}}", "role": "{{org.role}}"},
}


@test
def session_claims_put_get_and_delete_answer_tessera_objects():
    with custom_session_claims(SESSION_CLAIMS) as stored:
        eq(stored["object"], "session_claims", "object")
        eq(stored["claims"], SESSION_CLAIMS, "claims as stored")
        eq(stored["size_bytes"], len(json.dumps(SESSION_CLAIMS, separators=(",", ":")).encode()), "size_bytes")
        eq(stored["warnings"], [], "warnings")
        check(is_ms(stored["created_at"]) and is_ms(stored["updated_at"]), "timestamps in ms")
        eq(session_claims_call("GET").json(), stored, "GET answers what PUT stored")
    r = session_claims_call("DELETE")
    eq((r.status_code, r.json()), (200, {"object": "session_claims", "deleted": True}), "DELETE")
    eq(session_claims_call("GET").json()["claims"], {}, "no claims after DELETE")


@test
def session_claims_reserved_claim_is_400_like_templates():
    for claim in ("sid", "sub", "o", "v"):
        r = session_claims_call("PUT", {"claims": {claim: "x", "ok": 1}})
        eq(r.status_code, 400, f"{claim}: status")
        first = r.json()["errors"][0]
        eq((first["code"], first["meta"].get("param_name")), ("jwt_template_reserved_claim", "claims"), claim)
        check(f"'{claim}'" in first["long_message"], f"long_message {first['long_message']!r} names {claim}")
    eq(session_claims_call("GET").json()["claims"], {}, "nothing stored")


@test
def session_claims_over_1200_bytes_are_stored_with_a_warning():
    with custom_session_claims({"note": "x" * 1300}) as stored:
        eq([w["code"] for w in stored["warnings"]], ["session_claims_over_recommended_size"], "warnings")
        check("1200" in stored["warnings"][0]["message"], f"message {stored['warnings'][0]['message']!r}")


@test
def session_claims_in_authenticate_request_and_verify_token_networkless():
    s = need("sess_org")
    org_id, u1_id = need("org")["id"], need("u1")["id"]
    pem = instance_public_key_pem()
    # What the shortcodes must render, from the user and organization as they are now.
    user = clerk.users.get(user_id=u1_id)
    org = clerk.organizations.get(organization_id=org_id)
    primary = [e.email_address for e in user.email_addresses if e.id == user.primary_email_address_id]
    expected = {"email": primary[0] if primary else None, "prefs": (user.public_metadata or {}).get("prefs"),
                "tier": (org.public_metadata or {}).get("tier") or "free", "app": {"org": org.slug, "role": "org:admin"}}
    with custom_session_claims(SESSION_CLAIMS):
        tok = clerk.sessions.create_token(session_id=s["id"]).jwt
    request = httpx.Request("GET", "https://app.example/", headers={"Authorization": f"Bearer {tok}"})
    state = clerk.authenticate_request(request, AuthenticateRequestOptions(jwt_key=pem))
    eq(state.status, AuthStatus.SIGNED_IN, f"status (reason {state.reason})")
    for k, v in expected.items():
        eq(state.payload.get(k), v, f"authenticate_request payload {k!r}")
    eq((state.payload["sid"], state.payload["sub"], state.payload["v"]), (s["id"], u1_id, 2), "default claims kept")
    eq((state.payload["org_id"], state.payload["org_role"]), (org_id, "admin"), "org fields derived by the SDK")
    check(re.fullmatch(r"[0-9a-f]{20}", state.payload.get("jti") or ""), f"jti {state.payload.get('jti')!r}")
    payload = verify_token(tok, VerifyTokenOptions(jwt_key=pem))
    eq({k: payload.get(k) for k in expected}, expected, "verify_token payload")


@test
def session_claims_with_aud_authenticate_with_the_audience_option():
    # PyJWT (under the SDK) refuses a token with `aud` unless an audience is expected.
    s = need("sess")
    with custom_session_claims({"aud": "my-api", "email": "{{user.primary_email_address}}"}):
        tok = clerk.sessions.create_token(session_id=s["id"]).jwt
    request = httpx.Request("GET", "https://app.example/", headers={"Authorization": f"Bearer {tok}"})
    state = clerk.authenticate_request(request, AuthenticateRequestOptions(jwt_key=instance_public_key_pem(),
                                                                           audience="my-api"))
    eq(state.status, AuthStatus.SIGNED_IN, f"status (reason {state.reason})")
    eq(state.payload["aud"], "my-api", "aud")
    check(isinstance(state.payload.get("email"), str) and "@" in state.payload["email"], f"email {state.payload.get('email')!r}")


@test
def session_claims_session_token_over_the_limit_is_422():
    big = clerk.users.create(email_address=[f"big.{RUN}@example.com"], public_metadata={"blob": "y" * 3000})
    s = clerk.sessions.create(request={"user_id": big.id})
    with custom_session_claims({"meta": "{{user.public_metadata}}"}):
        e = expect_error(lambda: clerk.sessions.create_token(session_id=s.id), 422, "session_token_too_large",
                         typed=False, long_contains="4000")
    check("render to 3020 bytes" in e["long_message"], f"long_message {e['long_message']!r}")
    check_session_token(clerk.sessions.create_token(session_id=need("sess")["id"]).jwt, session_id=need("sess")["id"],
                        org=None)


# <<< Custom session claims <<<


# --------------------------------------------------------------------------------------------------
# >>> Invitations (issue 11): Clerk's Invitations and Organization Invitations through the SDK; the
# acceptance of an organization invitation is Tessera's own route (`/v1/tessera/…`), called over plain
# HTTP. The Python SDK sends `status` once and reads `GET /invitations` as a bare array; it renames
# the revoke answer's `revoked` to `REVOKED`. Addresses are `inv.{RUN}.…`, unique per run.


def _inv(name: str) -> str:
    return f"inv.{RUN}.{name}@example.com"


def _accept_org_invitation(org_id: str, invitation_id: str, body: Optional[Dict[str, Any]] = None) -> httpx.Response:
    r = HTTP.post(f"{BASE}/v1/tessera/organizations/{org_id}/invitations/{invitation_id}/accept",
                  headers={"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"},
                  content=json.dumps(body or {}).encode())
    eq(r.headers.get("content-type"), "application/json", "accept content type")
    return r


@test
def invitations_create_answers_a_pending_invitation():
    inv = clerk.invitations.create(request={
        "email_address": _inv("ada").upper(), "public_metadata": {"plan": "pro", "seats": 3},
        "redirect_url": "https://example.com/welcome", "notify": False, "expires_in_days": 7,
    })
    check(inv.id.startswith("inv_"), f"id {inv.id!r}")
    eq((inv.object.value, inv.email_address, inv.status.value, inv.revoked), ("invitation", _inv("ada"), "pending", False),
       "object, email, status, revoked")
    eq(inv.public_metadata, {"plan": "pro", "seats": 3}, "public_metadata")
    check(is_ms(inv.created_at) and inv.expires_at == inv.created_at + SEVEN_DAYS_MS, f"expires_at {inv.expires_at}")
    S["inv_ada"] = inv.id


@test
def invitations_one_pending_per_address_and_ignore_existing_replaces_it():
    first = need("inv_ada")
    e = expect_error(lambda: clerk.invitations.create(request={"email_address": _inv("ada")}), 400, "duplicate_record")
    check(_inv("ada") in e["long_message"], f"long_message {e['long_message']!r}")
    # A user's address is refused, unless ignore_existing (single invitations only).
    taken = clerk.users.create(email_address=[_inv("taken")])
    expect_error(lambda: clerk.invitations.create(request={"email_address": _inv("taken")}), 422,
                 "form_identifier_exists", param="email_address")
    forced = clerk.invitations.create(request={"email_address": _inv("taken"), "ignore_existing": True})
    eq(forced.status.value, "pending", "ignore_existing invites a user's address")
    clerk.invitations.revoke(invitation_id=forced.id)
    clerk.users.delete(user_id=taken.id)
    second = clerk.invitations.create(request={"email_address": _inv("ada"), "public_metadata": {"plan": "pro", "seats": 3},
                                               "ignore_existing": True})
    listed = {i.id: i.status.value for i in clerk.invitations.list(query=_inv("ada"), status="revoked")}
    eq(listed, {first: "revoked"}, "the replaced invitation is revoked")
    S["inv_ada"] = second.id


@test
def invitations_bulk_create_is_all_or_nothing():
    made = clerk.invitations.bulk_create(request=[{"email_address": _inv("b1")}, {"email_address": _inv("b2")}])
    eq([i.email_address for i in made], [_inv("b1"), _inv("b2")], "created in order")
    expect_error(lambda: clerk.invitations.bulk_create(request=[{"email_address": _inv("b3")},
                                                                {"email_address": _inv("b1")}]),
                 400, "duplicate_record")
    eq(clerk.invitations.list(query=_inv("b3")), [], "nothing of a refused batch is created")
    S["inv_bulk"] = [i.id for i in made]


@test
def invitations_list_is_a_bare_array_with_status_query_and_order():
    b1, b2 = need("inv_bulk")
    got = clerk.invitations.list(query=f"inv.{RUN}.b", status="pending", order_by="email_address", limit=10)
    eq([i.id for i in got], [b1, b2], "pending, by email address")
    eq(raw_last().__class__, list, "a bare array without paginated")
    newest = [i.id for i in clerk.invitations.list(query=f"inv.{RUN}.b")]
    eq(sorted(newest), sorted([b1, b2]), "newest first (one bulk request: one creation time)")
    eq([i.id for i in clerk.invitations.list(query=f"inv.{RUN}.b", limit=1, offset=1)], newest[1:], "paged")
    eq([i.id for i in clerk.invitations.list(query=b2)], [b2], "query by id")
    expect_error(lambda: clerk.invitations.list(order_by="name"), 422, "form_param_value_invalid",
                 param="order_by", typed=False)


@test
def invitations_revoke_answers_revoked_true():
    b1 = need("inv_bulk")[0]
    r = clerk.invitations.revoke(invitation_id=b1)
    eq((r.id, r.status.value, r.REVOKED), (b1, "revoked", True), "id, status, revoked (REVOKED in the SDK)")
    eq(raw_last()["revoked"], True, "revoked on the wire")
    expect_error(lambda: clerk.invitations.revoke(invitation_id=b1), 400, "invitation_already_revoked")
    expect_error(lambda: clerk.invitations.revoke(invitation_id="inv_nope"), 404, "resource_not_found")
    eq([i.id for i in clerk.invitations.list(query=b1)], [], "revoked invitations are not listed by default")


@test
def invitations_creating_a_user_with_the_address_accepts_it():
    inv = need("inv_ada")
    user = clerk.users.create(email_address=[_inv("ada")], public_metadata={"seats": 5})
    eq(user.public_metadata, {"plan": "pro", "seats": 5}, "the invitation's metadata under the user's own")
    eq([(i.id, i.status.value) for i in clerk.invitations.list(query=inv, status="accepted")], [(inv, "accepted")],
       "the invitation is accepted")
    expect_error(lambda: clerk.invitations.revoke(invitation_id=inv), 400, "invitation_already_accepted")
    S["inv_ada_user"] = user.id


@test
def organization_invitations_create_with_inviter_and_metadata():
    admin = clerk.users.create(email_address=[_inv("admin")], first_name="Olga")
    org = clerk.organizations.create(request={"name": f"Inv {RUN}", "created_by": admin.id})
    inv = clerk.organization_invitations.create(
        organization_id=org.id, email_address=_inv("bob"), role="org:member", inviter_user_id=admin.id,
        public_metadata={"team": "red"}, private_metadata={"source": "crm"}, expires_in_days=3)
    check(inv.id.startswith("orginv_"), f"id {inv.id!r}")
    eq((inv.object.value, inv.email_address, inv.role, inv.role_name, inv.organization_id, inv.status),
       ("organization_invitation", _inv("bob"), "org:member", "Member", org.id, "pending"), "fields")
    eq((inv.inviter_id, inv.public_inviter_data.user_id, inv.public_inviter_data.identifier, inv.url),
       (admin.id, admin.id, _inv("admin"), None), "inviter and url")
    eq((inv.public_metadata, inv.private_metadata), ({"team": "red"}, {"source": "crm"}), "metadata")
    eq(inv.expires_at, inv.created_at + 3 * 24 * 3600 * 1000, "expires_at")
    S["inv_org"] = {"id": org.id, "admin": admin.id}
    S["inv_org_bob"] = inv.id


@test
def organization_invitations_refuse_what_clerk_refuses():
    org = need("inv_org")
    create = lambda **kw: (lambda: clerk.organization_invitations.create(organization_id=org["id"], **kw))  # noqa: E731
    expect_error(create(email_address=_inv("x"), role="org:nope"), 422, "form_param_value_invalid", param="role")
    expect_error(create(email_address=_inv("bob"), role="org:admin"), 400, "organization_invitation_not_unique")
    expect_error(create(email_address=_inv("admin"), role="org:member"), 400, "already_a_member_in_organization")
    outsider = clerk.users.create(email_address=[_inv("outsider")])
    expect_error(create(email_address=_inv("x"), role="org:member", inviter_user_id=outsider.id), 403,
                 "not_an_admin_in_organization", param="inviter_user_id")
    expect_error(lambda: clerk.organization_invitations.create(organization_id="org_nope", email_address=_inv("x"),
                                                               role="org:member"), 404, "resource_not_found")


@test
def organization_invitations_bulk_create_answers_a_page():
    org = need("inv_org")
    page = clerk.organization_invitations.bulk_create(organization_id=org["id"], request_body=[
        {"email_address": _inv("c1"), "role": "org:member"}, {"email_address": _inv("c2"), "role": "org:admin"}])
    eq((page.total_count, [i.email_address for i in page.data]), (2, [_inv("c1"), _inv("c2")]), "the page")
    S["inv_org_bulk"] = [i.id for i in page.data]


@test
def organization_invitations_list_with_one_status_email_and_order():
    org = need("inv_org")
    bob = need("inv_org_bob")
    c1, c2 = need("inv_org_bulk")
    clerk.organization_invitations.revoke(organization_id=org["id"], invitation_id=c2, requesting_user_id=org["admin"])
    res = clerk.organization_invitations.list(organization_id=org["id"], status="pending", limit=10)
    eq((res.total_count, [i.id for i in res.data]), (2, [c1, bob]), "pending, newest first")
    res = clerk.organization_invitations.list(organization_id=org["id"], status="revoked")
    eq([(i.id, i.status) for i in res.data], [(c2, "revoked")], "revoked")
    res = clerk.organization_invitations.list(organization_id=org["id"], email_address=_inv("bob").upper())
    eq([i.id for i in res.data], [bob], "by email address")
    res = clerk.organization_invitations.list(organization_id=org["id"], order_by="email_address")
    eq([i.id for i in res.data], [bob, c1, c2], "by email address, ascending")
    res = clerk.organization_invitations.list_pending(organization_id=org["id"])
    eq([i.id for i in res.data], [c1, bob], "the deprecated pending list")
    expect_error(lambda: clerk.organization_invitations.revoke(organization_id=org["id"], invitation_id=c2), 404,
                 "organization_invitation_not_pending")


@test
def organization_invitations_get_get_all_and_per_user_carry_public_organization_data():
    org = need("inv_org")
    bob = need("inv_org_bob")
    got = clerk.organization_invitations.get(organization_id=org["id"], invitation_id=bob)
    eq((got.id, got.status), (bob, "pending"), "get")
    expect_error(lambda: clerk.organization_invitations.get(organization_id=org["id"], invitation_id="orginv_nope"),
                 404, "resource_not_found")
    res = clerk.organization_invitations.get_all(query=f"inv.{RUN}.bob", status="pending")
    eq([(i.id, i.public_organization_data.id, i.public_organization_data.slug) for i in res.data],
       [(bob, org["id"], clerk.organizations.get(organization_id=org["id"]).slug)], "get_all")
    user = clerk.users.create(email_address=[_inv("bob")])
    res = clerk.users.get_organization_invitations(user_id=user.id, status="pending")
    eq([(i.id, i.public_organization_data.name) for i in res.data], [(bob, f"Inv {RUN}")], "a user's invitations")
    S["inv_bob_user"] = user.id


@test
def organization_invitations_count_as_pending_invitations_on_the_organization():
    org = need("inv_org")
    o = clerk.organizations.get(organization_id=org["id"])
    eq((o.members_count, o.pending_invitations_count), (1, 2), "members_count, pending_invitations_count")


@test
def organization_invitations_accept_through_tessera_makes_the_member():
    org, bob, user = need("inv_org", "inv_org_bob", "inv_bob_user")
    r = _accept_org_invitation(org["id"], bob)
    eq(r.status_code, 200, f"accept: {r.text[:300]}")
    m = r.json()
    eq((m["object"], m["role"], m["public_user_data"]["user_id"], m["public_metadata"], m["private_metadata"]),
       ("organization_membership", "org:member", user, {"team": "red"}, {"source": "crm"}), "the membership")
    members = clerk.organization_memberships.list(organization_id=org["id"], role=["org:member"])
    eq([x.public_user_data.user_id for x in members.data], [user], "listed through the SDK")
    eq(clerk.organization_invitations.get(organization_id=org["id"], invitation_id=bob).status, "accepted", "status")
    again = _accept_org_invitation(org["id"], bob)
    eq((again.status_code, again.json()["errors"][0]["code"]), (400, "organization_invitation_already_accepted"),
       "accepting twice")
    o = clerk.organizations.get(organization_id=org["id"])
    eq((o.members_count, o.pending_invitations_count), (2, 1), "counts after acceptance")


@test
def organization_invitations_hold_their_role():
    org = need("inv_org")
    role = clerk.organization_roles.create(name=f"Inv {RUN}", key=f"org:inv_{RUN}", include_in_initial_role_set=True)
    inv = clerk.organization_invitations.create(organization_id=org["id"], email_address=_inv("role"),
                                                role=role.key)
    expect_error(lambda: clerk.organization_roles.delete(organization_role_id=role.id), 422,
                 "organization_role_exists_in_invitations")
    clerk.organization_invitations.revoke(organization_id=org["id"], invitation_id=inv.id)
    clerk.organization_roles.delete(organization_role_id=role.id)
    # Left pending, in an organization of its own, for the run after a restart.
    kept = clerk.organizations.create(request={"name": f"Inv restart {RUN}"})
    clerk.organization_invitations.create(organization_id=kept.id, email_address="invite-restart@example.com",
                                          role="org:admin", public_metadata={"kept": True})


@restart_test
def invitations_survive_a_restart():
    res = clerk.organization_invitations.get_all(query="invite-restart@", status="pending")
    eq([(i.email_address, i.role, i.status, i.public_metadata) for i in res.data],
       [("invite-restart@example.com", "org:admin", "pending", {"kept": True})], "the pending invitation")
    inv = res.data[0]
    o = clerk.organizations.get(organization_id=inv.organization_id)
    eq(o.pending_invitations_count, 1, "pending_invitations_count")


# <<< Invitations <<<


# --------------------------------------------------------------------------------------------------
# After a restart on the same database and master key (PostgreSQL run of run.sh)


def restore() -> None:
    S.update({k: v for k, v in RESTORED["S"].items() if k not in ("instance_kid", "issuer", "jwks_sdk")})
    for name, saved in RESTORED["templates"].items():
        TEMPLATES[name].update(saved)


@restart_test
def restart_keeps_instance_key_and_issuer():
    eq(need("instance_kid"), RESTORED["S"]["instance_kid"], "instance kid")
    eq(need("issuer"), RESTORED["S"]["issuer"], "issuer")
    before = [k for k in RESTORED["S"]["jwks_sdk"]["keys"] if k.get("kid") == RESTORED["S"]["instance_kid"]]
    eq(jwk_by_kid(need("instance_kid")), before[0] if before else None, "instance public key")
    es256 = TEMPLATES["convex-es256"]
    check(es256.get("kid"), "no ES256 kid was saved")
    eq({k: jwk_by_kid(es256["kid"]).get(k) for k in ("x", "y")}, {k: ec_public_jwk(ES256_KEY)[k] for k in ("x", "y")},
       "ES256 custom key still published")


@restart_test
def restart_tokens_minted_before_still_verify():
    check_session_token(need("session_token_600"), session_id=need("sess")["id"], org=None, lifetime=600)
    for name, spec in TEMPLATES.items():
        token = (spec.get("tokens") or [None, None])[1]
        check(token, f"no {name} token with expires_in_seconds was saved")
        verify(token, alg=spec["alg"], aud=spec["render"](user_view(), need("org")).get("aud"),
               hs_secret=spec.get("hs_secret"))


@restart_test
def restart_keeps_users_and_metadata():
    u1 = need("u1")
    u = clerk.users.get(user_id=u1["id"])
    eq((u.username, u.email_addresses[0].email_address, u.phone_numbers[0].phone_number),
       (u1["username"], u1["email"], u1["phone"]), "identifiers")
    eq(u.public_metadata, {"role": "engineer", "prefs": {"lang": "en", "tz": "UTC"}, "tags": ["c"]}, "public_metadata")
    eq(u.private_metadata, {"vip": True}, "private_metadata")
    eq(clerk.users.get(user_id=need("u3")["id"]).banned, False, "u3 unbanned")
    expect_error(lambda: clerk.users.get(user_id=need("u2")["id"]), 404, "resource_not_found")


@restart_test
def restart_keeps_organizations_and_memberships():
    org, u1 = need("org", "u1")
    o = clerk.organizations.get(organization_id=org["slug"])
    eq((o.id, o.name, o.public_metadata), (org["id"], org["name"], org["public_metadata"]), "organization")
    ms = clerk.organization_memberships.list(organization_id=org["id"])
    eq([(m.public_user_data.user_id, m.role) for m in ms.data], [(u1["id"], "org:admin")], "memberships")


@restart_test
def restart_keeps_session_statuses():
    s_org, org = need("sess_org", "org")
    got = clerk.sessions.get(session_id=s_org["id"])
    eq((str(getattr(got.status, "value", got.status)), got.last_active_organization_id), ("active", org["id"]),
       "active session with its organization")
    for sid in need("u3_sessions"):
        eq(str(getattr(clerk.sessions.get(session_id=sid).status, "value", None)), "revoked", f"{sid} status")


@restart_test
def restart_keeps_templates_and_deleted_one_stays_deleted():
    raw = {t["name"]: t for t in (clerk.jwt_templates.list(limit=500) and raw_last())}
    for name, spec in TEMPLATES.items():
        check(name in raw, f"template {name} lost")
        eq(raw[name]["claims"], spec["claims"], f"{name} claims")
        eq(raw[name]["signing_algorithm"], spec["alg"], f"{name} signing_algorithm")
    expect_error(lambda: clerk.jwt_templates.get(template_id=need("temp_template")["id"]), 404,
                 "resource_not_found", typed=False)


def make_restart_mint_test(name: str) -> None:
    spec = TEMPLATES[name]

    def fn() -> None:
        need_template(name)
        s, org = need("sess_org", "org")
        tok = clerk.sessions.create_token_from_template(session_id=s["id"], template_name=name)
        check_template_token(tok.jwt, tpl=spec, rendered=spec["render"](user_view(), org))

    fn.__name__ = f"restart_mint_{name.replace('-', '_')}"
    restart_test(fn)


for _name in TEMPLATES:
    make_restart_mint_test(_name)


@restart_test
def restart_session_token_mints():
    s, org = need("sess_org", "org")
    tok = clerk.sessions.create_token(session_id=s["id"])
    check_session_token(tok.jwt, session_id=s["id"], org={"id": org["id"], "slg": org["slug"], "rol": "admin"})


def save_state(path: str) -> None:
    keep = ("u1", "u2", "u3", "org", "sess", "sess_org", "u3_sessions", "temp_template", "session_token_600",
            "instance_kid", "issuer", "jwks_sdk", "roles", "imp_keep")
    state = {
        "S": {k: S[k] for k in keep if k in S},
        "templates": {n: {k: t[k] for k in ("id", "kid", "tokens") if k in t} for n, t in TEMPLATES.items()},
        "es256_pem": ES256_PEM,
        "hs256_secret": HS256_SECRET,
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(state, f)


# --------------------------------------------------------------------------------------------------
# List filters (issue 10): every filter of GET /users, /users/count and /organizations selects the
# right objects, and a filter Tessera cannot honour is refused, never ignored. Scoped to this run's
# users (`flt.{RUN}.…@…`), so users made by other checks never change the answers. (One block: other
# sections are edited concurrently.)


def _flt_ids(users: List[Any]) -> List[str]:
    return [u.id for u in users]


def _flt_list(**request: Any) -> List[str]:
    """Ids listed for these filters, scoped to this section's users; the count of the same filters
    must agree."""
    a, b, c = need("flt_a", "flt_b", "flt_c")
    request.setdefault("user_id", [a["id"], b["id"], c["id"]])
    ids = _flt_ids(clerk.users.list(request={**request, "limit": 500}))
    eq(clerk.users.count(request=request).total_count, len(ids), f"GET /users/count for {request}")
    return ids


@test
def list_filters_setup_three_users_and_an_organization():
    tag = f"flt{RUN}"
    a = clerk.users.create(
        first_name="Ada", last_name=f"Lovelace{tag}", username=f"flt_a_{RUN}", external_id=f"flt-ext-{RUN}",
        email_address=[f"flt.{RUN}.a@example.com"], phone_number=[f"+1556{secrets.randbelow(10**7):07d}"],
    )
    time.sleep(0.005)
    b = clerk.users.create(first_name="Bob", last_name=f"Young{tag}", username=f"flt_b_{RUN}",
                           email_address=[f"flt.{RUN}.b@work.org"])
    time.sleep(0.005)
    c = clerk.users.create(first_name="Carol", email_address=[f"flt.{RUN}.c@example.com"])
    check(a.created_at < b.created_at < c.created_at, "the three users were created in distinct milliseconds")
    org = clerk.organizations.create(request={"name": f"Flt {RUN}", "created_by": a.id})
    clerk.organization_memberships.create(organization_id=org.id, user_id=c.id, role="org:member")
    S["flt_a"] = {"id": a.id, "created_at": a.created_at, "phone": a.phone_numbers[0].phone_number}
    S["flt_b"] = {"id": b.id, "created_at": b.created_at}
    S["flt_c"] = {"id": c.id, "created_at": c.created_at}
    S["flt_org"] = org.id


@test
def users_list_partial_queries_select_the_right_users():
    a, b, c = (need(k)["id"] for k in ("flt_a", "flt_b", "flt_c"))
    eq(_flt_list(email_address_query=f"FLT.{RUN}.A@EXAMPLE"), [a], "email_address_query")
    eq(_flt_list(email_address_query="example.com"), [c, a], "email_address_query on the domain")
    eq(_flt_list(phone_number_query=need("flt_a")["phone"][-6:]), [a], "phone_number_query")
    eq(_flt_list(username_query=f"_B_{RUN}"), [b], "username_query")
    eq(_flt_list(name_query=f"ada lovelaceflt{RUN}"), [a], "name_query on the full name")
    eq(_flt_list(name_query=f"flt{RUN}"), [b, a], "name_query on the last name")
    eq(_flt_list(name_query=f"flt{RUN}", email_address_query="work.org"), [b], "two queries are ANDed")


@test
def users_list_created_at_bounds_are_strict_epoch_milliseconds():
    a, b, c = (need(k) for k in ("flt_a", "flt_b", "flt_c"))
    eq(_flt_list(created_at_after=a["created_at"]), [c["id"], b["id"]], "created_at_after")
    eq(_flt_list(created_at_before=c["created_at"]), [b["id"], a["id"]], "created_at_before")
    eq(_flt_list(created_at_after=a["created_at"], created_at_before=c["created_at"]), [b["id"]], "both bounds")


@test
def users_list_id_prefixes_include_and_exclude():
    a, b, c = (need(k)["id"] for k in ("flt_a", "flt_b", "flt_c"))
    org = need("flt_org")
    eq(_flt_list(user_id=[f"+{a}", f"+{b}", f"-{a}"]), [b], "user_id with + and -")
    eq(_flt_list(external_id=[f"-flt-ext-{RUN}"]), [c, b], "external_id -")
    eq(_flt_list(organization_id=[org]), [c, a], "organization_id")
    eq(_flt_list(organization_id=[f"-{org}"]), [b], "organization_id -")
    eq(_flt_list(user_id=[f"-{b}"], email_address_query=f"flt.{RUN}."), [c, a], "user_id - alone")


@test
def users_list_activity_wallet_and_provider_filters_match_users_without_them_never():
    # Users created through the Backend API were never active, never signed in and hold no web3
    # wallet or external account: these filters select none of them (not all of them).
    for request in ({"last_active_at_after": 0}, {"last_active_at_before": 9_999_999_999_999},
                    {"last_active_at_since": 0}, {"last_sign_in_at_after": 0},
                    {"last_sign_in_at_before": 9_999_999_999_999}, {"web3_wallet": ["0xabc"]},
                    {"provider": "oauth_google", "provider_user_id": ["123"]}):
        eq(_flt_list(**request), [], f"users for {request}")


@test
def users_list_bad_filters_are_clerk_errors_naming_the_parameter():
    expect_error(lambda: clerk.users.list(request={"provider": "oauth_google"}), 422,
                 "form_conditional_param_missing", param="provider_user_id")
    expect_error(lambda: clerk.users.count(request={"provider_user_id": ["1"]}), 422,
                 "form_conditional_param_missing", param="provider")
    expect_error(lambda: clerk.users.list(request={"created_at_after": -1}), 422,
                 "form_param_value_invalid", param="created_at_after")
    expect_error(lambda: clerk.users.list(request={"user_id": [f"user_{n}" for n in range(101)]}), 422,
                 "form_param_array_size_exceeded", param="user_id")


@test
def organizations_list_filters_select_the_right_organizations():
    a, c = need("flt_a")["id"], need("flt_c")["id"]
    org = need("flt_org")
    solo = clerk.organizations.create(request={"name": f"Flt solo {RUN}", "created_by": a})
    ids = lambda res: [o.id for o in res.data]  # noqa: E731
    res = clerk.organizations.list(query=org.upper(), limit=500)
    eq((ids(res), res.total_count), ([org], 1), "query is the id, in any case")
    eq(ids(clerk.organizations.list(query=f"flt solo {RUN}")), [solo.id], "query is part of the name")
    eq(ids(clerk.organizations.list(user_id=[a], limit=500)), [solo.id, org], "user_id")
    eq(ids(clerk.organizations.list(user_id=[a, f"-{c}"], limit=500)), [solo.id], "user_id with -")
    eq(ids(clerk.organizations.list(user_id=[a], organization_id=[f"-{solo.id}"], limit=500)), [org],
       "organization_id -")
    res = clerk.organizations.list(organization_id=[org], include_members_count=True)
    eq([o.members_count for o in res.data], [2], "members_count")
    res = clerk.organizations.list(organization_id=[org], include_members_count=False)
    eq([o.members_count for o in res.data], [None], "include_members_count=false leaves it out")


@test
def organizations_list_elevated_permissions_flag_is_refused_not_ignored():
    expect_error(lambda: clerk.organizations.list(include_missing_member_with_elevated_permissions=True), 400,
                 "invalid_query_parameter_value", param="include_missing_member_with_elevated_permissions")
    res = clerk.organizations.list(include_missing_member_with_elevated_permissions=False, organization_id=[need("flt_org")])
    eq([o.id for o in res.data], [need("flt_org")], "false asks for nothing and is accepted")


@test
def organization_memberships_list_filters_members_and_roles():
    a, c = need("flt_a", "flt_c")
    org = need("flt_org")

    def members(**request: Any) -> List[str]:
        res = clerk.organization_memberships.list(organization_id=org, limit=100, **request)
        eq(res.total_count, len(res.data), f"total_count for {request}")
        return [m.public_user_data.user_id for m in res.data]

    eq(sorted(members()), sorted([a["id"], c["id"]]), "every member")
    eq(members(role=["org:member"]), [c["id"]], "role=org:member")
    eq(members(role=["org:admin"]), [a["id"]], "role=org:admin")
    eq(members(user_id=["-" + a["id"]]), [c["id"]], "user_id -")
    eq(members(query=f"lovelaceflt{RUN}"), [a["id"]], "query")
    eq(members(email_address_query="nobody-here"), [], "email_address_query")
    eq(members(order_by="-first_name"), [c["id"], a["id"]], "order_by -first_name")
    expect_error(lambda: members(order_by="role"), 422, "form_param_value_invalid", param="order_by")


@test
def instance_organization_memberships_are_listed_newest_first():
    res = clerk.users.get_instance_organization_memberships(limit=500)
    check(res.total_count >= 2 and len(res.data) >= 2, "every membership of the instance")
    created = [m.created_at for m in res.data]
    eq(created, sorted(created, reverse=True), "newest first")
    oldest = clerk.users.get_instance_organization_memberships(order_by="created_at", limit=1)
    check(oldest.data[0].created_at <= created[-1], "order_by=created_at gives the oldest first")


# >>> Actor tokens (impersonation; issue 11) >>>
# clerk-backend-api's actor_tokens.create/revoke parse Tessera's answers (the SDK's ActorToken model
# drops `actor`'s content, so it is read from the raw body); the token is redeemed through Tessera's
# own route (POST /v1/tessera/actor_tokens/{id}/redeem, which the SDK has no call for) into a session
# whose session tokens carry `act`, read back by the SDK's networkless `authenticate_request`.
# Revoking the token ends that session.

ACTOR_TOKEN_ID = re.compile(r"act_\w{27}")


def redeem_actor_token(token_id: str, token: str) -> httpx.Response:
    r = HTTP.post(f"{BASE}/v1/tessera/actor_tokens/{token_id}/redeem",
                  headers={"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"},
                  content=json.dumps({"token": token}).encode())
    eq(r.headers.get("content-type"), "application/json", "redeem content type")
    return r


def actor_session(token_id: str, token: str) -> Dict[str, Any]:
    r = redeem_actor_token(token_id, token)
    eq(r.status_code, 200, f"redeem: {r.text[:300]}")
    return r.json()


@test
def actor_tokens_create_parses_in_the_sdk_model():
    u1, u3 = need("u1", "u3")
    t = clerk.actor_tokens.create(request={"user_id": u1["id"], "actor": {"sub": u3["id"]},
                                           "expires_in_seconds": 600, "session_max_duration_in_seconds": 300})
    check(isinstance(t, models.ActorToken), f"parsed as {type(t).__name__}")
    check(ACTOR_TOKEN_ID.fullmatch(t.id), f"id {t.id!r}")
    eq((t.object.value, t.status, t.user_id), ("actor_token", models.ActorTokenStatus.PENDING, u1["id"]), "token")
    eq(raw_last()["actor"], {"sub": u3["id"]}, "actor as given (the SDK's model drops its content)")
    check(re.fullmatch(r"[0-9a-f]{64}", t.token or ""), f"token {t.token!r}")
    eq(t.url, f"{need('issuer')}/v1/tessera/actor_tokens/{t.id}/redeem", "url: the redeem route")
    check(is_ms(t.created_at) and t.created_at == t.updated_at, "timestamps in ms")
    S["imp_token"] = {"id": t.id, "token": t.token}


@test
def actor_tokens_revoke_parses_and_a_revoked_token_does_not_revoke_again():
    u1, u3 = need("u1", "u3")
    t = clerk.actor_tokens.create(request={"user_id": u1["id"], "actor": {"sub": u3["id"]}})
    r = clerk.actor_tokens.revoke(actor_token_id=t.id)
    eq((r.id, r.status, r.token), (t.id, models.ActorTokenStatus.REVOKED, None), "revoked, without its secret")
    check("token" not in raw_last(), "the revoke answer has no token")
    expect_error(lambda: clerk.actor_tokens.revoke(actor_token_id=t.id), 400, "actor_token_cannot_be_revoked_code")
    expect_error(lambda: clerk.actor_tokens.revoke(actor_token_id="act_nope"), 404, "resource_not_found")
    expect_error(lambda: clerk.actor_tokens.create(request={"user_id": "user_nobody", "actor": {"sub": u3["id"]}}),
                 422, "form_resource_not_found", param="user_id")
    r = redeem_actor_token(t.id, "0" * 64)
    eq((r.status_code, r.json()["errors"][0]["code"]), (400, "ticket_invalid_code"), "a wrong token")


@test
def actor_tokens_redeemed_session_token_carries_act_in_authenticate_request():
    u1, u3, t = need("u1", "u3", "imp_token")
    sess = actor_session(t["id"], t["token"])
    got = clerk.sessions.get(session_id=sess["id"])
    eq((got.user_id, str(getattr(got.status, "value", got.status))), (u1["id"], "active"), "session")
    eq(raw_last()["actor"], {"sub": u3["id"]}, "session actor")
    eq(got.expire_at - got.created_at, 300_000, "session_max_duration_in_seconds caps the session")
    r = redeem_actor_token(t["id"], t["token"])
    eq((r.status_code, r.json()["errors"][0]["code"]), (400, "actor_token_already_used_code"), "a second redeem")
    tok = clerk.sessions.create_token(session_id=sess["id"]).jwt
    request = httpx.Request("GET", "https://app.example/", headers={"Authorization": f"Bearer {tok}"})
    state = clerk.authenticate_request(request, AuthenticateRequestOptions(jwt_key=instance_public_key_pem()))
    eq(state.status, AuthStatus.SIGNED_IN, f"status (reason {state.reason})")
    eq((state.payload["act"], state.payload["sub"], state.payload["sid"]), ({"sub": u3["id"]}, u1["id"], sess["id"]),
       "authenticate_request payload act, sub, sid")
    S["imp_session"] = sess["id"]


@test
def actor_tokens_revoking_the_token_ends_the_impersonation():
    t, sid = need("imp_token", "imp_session")
    eq(clerk.actor_tokens.revoke(actor_token_id=t["id"]).status, models.ActorTokenStatus.REVOKED, "accepted → revoked")
    eq(str(getattr(clerk.sessions.get(session_id=sid).status, "value", None)), "revoked", "its session")
    expect_error(lambda: clerk.sessions.create_token(session_id=sid), 404, "resource_not_found", typed=False)
    # Kept for the restart run: a live impersonation session and a pending token.
    u1, u3 = need("u1", "u3")
    keep = clerk.actor_tokens.create(request={"user_id": u1["id"], "actor": {"sub": u3["id"], "reason": "restart"}})
    live = actor_session(keep.id, keep.token or "")
    pending = clerk.actor_tokens.create(request={"user_id": u1["id"], "actor": {"sub": u3["id"]}})
    S["imp_keep"] = {"session": live["id"], "pending": {"id": pending.id, "token": pending.token}}


@restart_test
def restart_keeps_impersonation_sessions_and_pending_actor_tokens():
    keep, u1, u3 = need("imp_keep", "u1", "u3")
    tok = clerk.sessions.create_token(session_id=keep["session"]).jwt
    _, payload = verify(tok, alg="RS256")
    eq(payload["act"], {"sub": u3["id"], "reason": "restart"}, "act of a session redeemed before the restart")
    sess = actor_session(keep["pending"]["id"], keep["pending"]["token"])
    eq((sess["user_id"], sess["actor"]), (u1["id"], {"sub": u3["id"]}), "a token created before the restart redeems")


# <<< Actor tokens <<<


# --------------------------------------------------------------------------------------------------
# >>> Passwords (issue 11, part 4): users.create / users.update with `password`, or `password_digest`
# and `password_hasher` for each hasher Tessera verifies, users.verify_password right and wrong, and
# users.remove_password. Digests are made here with hashlib (fresh salts every run) or are published
# test vectors (bcrypt, Django's bcrypt_sha256, Argon2's reference vectors, phpass'). The SDK reports
# verify_password's 4xx as a generic SDKError (clerk-compat "Second wave"): the bodies are still
# Clerk's envelopes, checked below. Users are scoped by RUN; `pwrestart_*` users are read back after
# the restart. (One block: other sections are edited concurrently.)

PW = f"compat password {RUN}"
PW_RESTART = "compat password kept across a restart"


def _pw_phpass(password: str, setting: str) -> str:
    """phpass' portable hash (crypt_private) of `password` for a 12-character `$P$`/`$H$` setting."""
    itoa = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    pw, rounds = password.encode(), 1 << itoa.index(setting[3])
    h = hashlib.md5(setting[4:12].encode() + pw).digest()
    for _ in range(rounds):
        h = hashlib.md5(h + pw).digest()
    out, i = "", 0
    while i < 16:
        chunk = h[i:i + 3]
        v = sum(b << (8 * k) for k, b in enumerate(chunk))
        out += "".join(itoa[(v >> (6 * k)) & 0x3F] for k in range(len(chunk) + 1))
        i += 3
    return setting + out


def _pw_symfony(password: str, salt: str, iterations: int) -> str:
    salted = f"{password}{{{salt}}}".encode()
    d = hashlib.sha512(salted).digest()
    for _ in range(1, iterations):
        d = hashlib.sha512(d + salted).digest()
    return base64.b64encode(d).decode()


def _pw_digests() -> List[tuple]:
    """(hasher, digest, password) for every hasher Tessera verifies."""
    salt = secrets.token_hex(8)
    raw = secrets.token_bytes(12)
    pbkdf2 = lambda alg, s, n, length=None: hashlib.pbkdf2_hmac(alg, PW.encode(), s, n, length)  # noqa: E731
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return [
        ("argon2i", "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA", "password"),
        ("argon2id", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "password"),
        ("bcrypt", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"),
        ("bcrypt_sha256_django", "bcrypt_sha256$$2b$12$LZSJchsWG/DrBy1erNs4eeYo6tZNlLFQmONdxN9HPesa1EyXVcTXK",
         "ExjGmyUT73bFoT"),
        ("md5", hashlib.md5(PW.encode()).hexdigest(), PW),
        ("sha256", hashlib.sha256(PW.encode()).hexdigest(), PW),
        ("pbkdf2_sha1", f"pbkdf2_sha1$1000${salt}${pbkdf2('sha1', bytes.fromhex(salt), 1000, 32).hex()}$32", PW),
        ("pbkdf2_sha256", f"pbkdf2_sha256$1000${b64(raw)}${b64(pbkdf2('sha256', raw, 1000))}", PW),
        ("pbkdf2_sha256_django", f"pbkdf2_sha256$1000$s{salt}${b64(pbkdf2('sha256', f's{salt}'.encode(), 1000))}", PW),
        ("pbkdf2_sha512", f"pbkdf2_sha512$1000$s{salt}${pbkdf2('sha512', f's{salt}'.encode(), 1000).hex()}", PW),
        ("pbkdf2_sha512_hex", f"pbkdf2_sha512_hex$1000${salt}${pbkdf2('sha512', bytes.fromhex(salt), 1000).hex()}", PW),
        ("phpass", _pw_phpass(PW, "$P$B" + salt[:8]), PW),
        ("md5_phpass", _pw_phpass(PW, "$H$9" + salt[8:]), PW),
        ("ldap_ssha", "{SSHA}" + b64(hashlib.sha1(PW.encode() + raw).digest() + raw), PW),
        ("sha512_symfony", f"sha512_symfony$500${salt}${_pw_symfony(PW, salt, 500)}", PW),
    ]


def _pw_verify(user_id: str, password: str) -> Any:
    return clerk.users.verify_password(user_id=user_id, password=password)


def _pw_expect_error(call: Callable[[], Any], status: int, code: str) -> None:
    """A verify_password refusal: the SDK's generic SDKError, over Clerk's envelope."""
    first = expect_error(call, status, code, typed=False)
    check(PW not in json.dumps(first), "the error repeats the password")


@test
def passwords_create_with_a_password_sets_password_enabled_and_it_verifies():
    u = clerk.users.create(email_address=[f"pw.{RUN}@example.com"], password=PW)
    check(u.password_enabled is True, "password_enabled")
    check(is_ms(u.password_last_updated_at), f"password_last_updated_at {u.password_last_updated_at!r}")
    check(PW not in HTTP.last.text and "$argon2" not in HTTP.last.text, "the response shows the password")
    r = _pw_verify(u.id, PW)
    check(isinstance(r, models.VerifyPasswordResponseBody), f"{type(r).__name__}")
    eq(r.verified, True, "verified")
    eq(raw_last(), {"verified": True}, "the raw answer")
    eq(clerk.users.get(user_id=u.id).password_enabled, True, "password_enabled read back")
    S["pw_user"] = u.id
    keep = clerk.users.create(username=f"pwrestart_{RUN}", password=PW_RESTART)
    check(keep.password_enabled, "the restart user has a password")


@test
def passwords_a_wrong_password_is_422_incorrect_password():
    uid = need("pw_user")
    _pw_expect_error(lambda: _pw_verify(uid, PW + "x"), 422, "incorrect_password")
    _pw_expect_error(lambda: _pw_verify(uid, ""), 422, "incorrect_password")


@test
def passwords_a_short_password_is_422_form_password_length_too_short():
    expect_error(lambda: clerk.users.create(password="short"), 422, "form_password_length_too_short", param="password")
    u = clerk.users.create(password="short", skip_password_checks=True)
    eq(_pw_verify(u.id, "short").verified, True, "skip_password_checks lifts the minimum")


def make_password_hasher_test(hasher: str) -> None:
    def fn() -> None:
        digests = need("pw_digests")
        _, digest, password = next(d for d in digests if d[0] == hasher)
        u = clerk.users.create(external_id=f"pw-{hasher}-{RUN}", password_digest=digest, password_hasher=hasher)
        check(u.password_enabled is True, "password_enabled")
        check(digest not in HTTP.last.text, "the response shows the digest")
        _pw_expect_error(lambda: _pw_verify(u.id, password + "!"), 422, "incorrect_password")
        eq(_pw_verify(u.id, password).verified, True, f"{hasher} verifies its password")
        # Upgraded to Argon2id on that verification: the same password still verifies, others not.
        eq(_pw_verify(u.id, password).verified, True, f"{hasher} after the upgrade")
        _pw_expect_error(lambda: _pw_verify(u.id, password + "!"), 422, "incorrect_password")

    fn.__name__ = f"passwords_{hasher}_digest_is_imported_and_verifies"
    test(fn)


S["pw_digests"] = _pw_digests()
for _hasher, _, _ in S["pw_digests"]:
    make_password_hasher_test(_hasher)


@test
def passwords_an_unsupported_hasher_is_422_naming_password_hasher():
    md5 = hashlib.md5(PW.encode()).hexdigest()
    expect_error(lambda: clerk.users.create(password_digest=md5, password_hasher="scrypt_firebase"), 422,
                 "form_param_value_invalid", param="password_hasher", long_contains="scrypt_firebase")
    expect_error(lambda: clerk.users.create(password_digest=md5), 422, "form_conditional_param_missing",
                 param="password_hasher")


@test
def passwords_a_malformed_digest_is_422_form_password_digest_invalid_code():
    digest = hashlib.md5(PW.encode()).hexdigest()
    first = expect_error(lambda: clerk.users.create(password_digest=digest, password_hasher="bcrypt"), 422,
                         "form_password_digest_invalid_code", param="password_digest")
    check(digest not in json.dumps(first), "the error repeats the digest")


@test
def passwords_update_changes_the_password_and_signs_out_every_session():
    uid = need("pw_user")
    s = clerk.sessions.create(request={"user_id": uid})
    u = clerk.users.update(user_id=uid, password=PW + " new", sign_out_of_other_sessions=True)
    check(is_ms(u.password_last_updated_at), "password_last_updated_at")
    status = clerk.sessions.get(session_id=s.id).status
    eq(str(getattr(status, "value", status)), "revoked", "the session is revoked in the same write")
    eq(_pw_verify(uid, PW + " new").verified, True, "the new password")
    _pw_expect_error(lambda: _pw_verify(uid, PW), 422, "incorrect_password")


@test
def passwords_remove_password_turns_it_off_and_verify_is_400_no_password_set():
    uid = need("pw_user")
    u = clerk.users.remove_password(user_id=uid)
    eq((u.password_enabled, u.password_last_updated_at), (False, None), "password_enabled, password_last_updated_at")
    _pw_expect_error(lambda: _pw_verify(uid, PW + " new"), 400, "no_password_set")
    eq(clerk.users.remove_password(user_id=uid).password_enabled, False, "removing again changes nothing")


@test
def passwords_verify_for_an_unknown_user_is_404_resource_not_found():
    _pw_expect_error(lambda: _pw_verify("user_nobody_" + RUN, PW), 404, "resource_not_found")
    expect_error(lambda: clerk.users.remove_password(user_id="user_nobody_" + RUN), 404, "resource_not_found")


@restart_test
def restart_passwords_still_verify():
    users = clerk.users.list(request={"username_query": "pwrestart_", "limit": 500})
    check(users, "the users with a password made before the restart are there")
    for u in users:
        check(u.password_enabled, f"{u.id}: password_enabled")
        eq(_pw_verify(u.id, PW_RESTART).verified, True, f"{u.id}: the password set before the restart")

# <<< Passwords <<<


# --------------------------------------------------------------------------------------------------
# >>> Contact details and lock/unlock (issue 11, part 3): email addresses, phone numbers, users with
# several of them, lock and unlock. Every response goes through the SDK's models (EmailAddress,
# PhoneNumber, User). Scoped to this run's addresses (`ctc.{RUN}.…`). (One block: other sections are
# edited concurrently.) >>>


def _ctc(name: str) -> str:
    return f"ctc.{RUN}.{name}@example.com"


def _ctc_phone() -> str:
    return f"+1557{secrets.randbelow(10**7):07d}"


def _v(x: Any) -> str:
    """An SDK enum (or a plain string) as its string value."""
    return str(getattr(x, "value", x))


@test
def contacts_users_create_with_several_addresses_and_identification_statuses():
    u = clerk.users.create(
        email_address=[_ctc("a"), _ctc("b"), _ctc("c")],
        email_address_identification_status=["verified", "reserved", "verified"],
        phone_number=[_ctc_phone(), _ctc_phone()],
        first_name="Contact",
    )
    eq([e.email_address for e in u.email_addresses], [_ctc("a"), _ctc("b"), _ctc("c")], "addresses in order")
    eq([(e.verification is not None, e.reserved) for e in u.email_addresses],
       [(True, False), (False, True), (True, False)], "verified / reserved by position")
    eq(_v(u.email_addresses[0].verification.status), "verified", "verification status")
    eq(_v(u.email_addresses[0].verification.strategy), "admin", "verification strategy")
    eq(u.primary_email_address_id, u.email_addresses[0].id, "the first address is primary")
    eq(u.primary_phone_number_id, u.phone_numbers[0].id, "the first number is primary")
    check(all(p.verification is not None for p in u.phone_numbers), "numbers verified by default")
    # PATCH /users moves the primary to a verified address, never to an unverified one.
    u2 = clerk.users.update(user_id=u.id, primary_email_address_id=u.email_addresses[2].id)
    eq(u2.primary_email_address_id, u.email_addresses[2].id, "primary moved")
    expect_error(lambda: clerk.users.update(user_id=u.id, primary_email_address_id=u.email_addresses[1].id),
                 422, "form_verification_needed", param="primary_email_address_id")
    S["ctc_user"] = {"id": u.id, "emails": [e.id for e in u.email_addresses], "phones": [p.id for p in u.phone_numbers]}


@test
def contacts_email_addresses_create_get_update_delete_and_re_elect_the_primary():
    st = need("ctc_user")
    created = clerk.email_addresses.create(request={"user_id": st["id"], "email_address": _ctc("d").upper()})
    eq((created.email_address, created.verification, created.reserved), (_ctc("d"), None, False),
       "created unverified, lowercased")
    check(created.id and created.id.startswith("idn_") and is_ms(created.created_at), f"id/created_at {created!r:.200}")
    eq(clerk.email_addresses.get(email_address_id=created.id).email_address, _ctc("d"), "get")
    # The address endpoint promotes as asked, verified or not (PATCH /users takes only verified ones).
    eq(clerk.email_addresses.update(email_address_id=created.id, primary=True).verification, None, "still unverified")
    eq(clerk.users.get(user_id=st["id"]).primary_email_address_id, created.id, "an unverified address promoted")
    verified = clerk.email_addresses.update(email_address_id=created.id, verified=True)
    eq(_v(verified.verification.status), "verified", "verified by update")
    promoted = clerk.email_addresses.update(email_address_id=created.id, primary=True)
    eq(promoted.id, created.id, "update answers the address")
    eq(clerk.users.get(user_id=st["id"]).primary_email_address_id, created.id, "primary moved by update")
    # Deleting the primary elects the oldest verified address left (a), not the reserved b.
    d = clerk.email_addresses.delete(email_address_id=created.id)
    eq((d.object, d.id, d.deleted), ("email_address", created.id, True), "deleted object")
    eq(clerk.users.get(user_id=st["id"]).primary_email_address_id, st["emails"][0], "re-elected primary")
    expect_error(lambda: clerk.email_addresses.get(email_address_id=created.id), 404, "resource_not_found")
    eq([u.id for u in clerk.users.list(request={"email_address": [_ctc("d")]})], [], "the address is free again")


@test
def contacts_email_address_errors_are_clerk_errors_naming_the_parameter():
    st = need("ctc_user")
    expect_error(lambda: clerk.email_addresses.create(request={"user_id": st["id"], "email_address": _ctc("a")}),
                 422, "form_identifier_exists", param="email_address")
    expect_error(lambda: clerk.email_addresses.create(request={"user_id": st["id"], "email_address": "nope"}),
                 422, "form_param_format_invalid", param="email_address")
    expect_error(lambda: clerk.email_addresses.create(request={"user_id": "user_nope", "email_address": _ctc("x")}),
                 404, "resource_not_found", param="user_id")
    expect_error(lambda: clerk.email_addresses.create(request={"user_id": st["id"], "email_address": _ctc("A")}),
                 422, "form_identifier_exists", param="email_address")
    lone = clerk.users.create(email_address=[_ctc("lone")])
    expect_error(lambda: clerk.email_addresses.delete(email_address_id=lone.email_addresses[0].id),
                 400, "identification_deletion_failed")
    expect_error(lambda: clerk.phone_numbers.get(phone_number_id=lone.email_addresses[0].id), 404, "resource_not_found")


@test
def contacts_phone_numbers_create_get_update_delete_with_second_factor():
    st = need("ctc_user")
    number = _ctc_phone()
    expect_error(lambda: clerk.phone_numbers.create(
        request={"user_id": st["id"], "phone_number": number, "reserved_for_second_factor": True}),
        400, "identification_create_second_factor_unverified", param="reserved_for_second_factor")
    p = clerk.phone_numbers.create(request={"user_id": st["id"], "phone_number": number, "verified": True,
                                            "reserved_for_second_factor": True})
    eq((p.phone_number, p.reserved_for_second_factor, p.default_second_factor), (number, True, True), "second factor")
    eq(_v(p.verification.status), "verified", "verified")
    eq(clerk.users.get(user_id=st["id"]).two_factor_enabled, True, "two_factor_enabled")
    eq(clerk.phone_numbers.get(phone_number_id=p.id).id, p.id, "get")
    released = clerk.phone_numbers.update(phone_number_id=p.id, reserved_for_second_factor=False, primary=True)
    eq((released.reserved_for_second_factor, released.default_second_factor), (False, False), "released")
    u = clerk.users.get(user_id=st["id"])
    eq((u.two_factor_enabled, u.primary_phone_number_id), (False, p.id), "two-factor off, primary moved")
    d = clerk.phone_numbers.delete(phone_number_id=p.id)
    eq((d.object, d.deleted), ("phone_number", True), "deleted object")
    eq(clerk.users.get(user_id=st["id"]).primary_phone_number_id, st["phones"][0], "re-elected primary number")
    expect_error(lambda: clerk.phone_numbers.create(request={"user_id": st["id"], "phone_number": "12"}),
                 422, "form_param_format_invalid", param="phone_number")


@test
def contacts_users_lock_refuses_new_sessions_and_unlock_restores_them():
    st = need("ctc_user")
    before = clerk.sessions.create(request={"user_id": st["id"]})
    u = clerk.users.lock(user_id=st["id"])
    eq((u.locked, u.lockout_expires_in_seconds, u.verification_attempts_remaining), (True, None, 100), "locked")
    expect_error(lambda: clerk.sessions.create(request={"user_id": st["id"]}), 403, "user_locked",
                 param="user_id", typed=False)
    tok = clerk.sessions.create_token(session_id=before.id)
    check(tok.jwt.count(".") == 2, "a session started before the lock keeps minting")
    eq(clerk.users.unlock(user_id=st["id"]).locked, False, "unlocked")
    eq(_v(clerk.sessions.create(request={"user_id": st["id"]}).status), "active", "a new session after unlock")
    expect_error(lambda: clerk.users.lock(user_id="user_nope"), 404, "resource_not_found", typed=False)
    # Locked again for the restart check, with an address it can be found by.
    clerk.email_addresses.create(request={"user_id": st["id"], "email_address": f"ctc-restart.{RUN}@example.com",
                                          "verified": True})
    eq(clerk.users.lock(user_id=st["id"]).locked, True, "locked for the restart")


@restart_test
def restart_keeps_contact_details_and_the_lock():
    found = clerk.users.list(request={"email_address_query": "ctc-restart."})
    check(found, "the contacts user is gone after the restart")
    u = found[0]
    eq(u.locked, True, "still locked")
    addresses = [e.email_address for e in u.email_addresses]
    check(len(addresses) == 4 and any(a.startswith("ctc-restart.") for a in addresses), f"addresses {addresses}")
    eq(u.primary_email_address_id, u.email_addresses[0].id, "primary kept")
    eq([(e.verification is not None, e.reserved) for e in u.email_addresses[:2]], [(True, False), (False, True)],
       "verified and reserved kept")
    eid = next(e.id for e in u.email_addresses if e.email_address.startswith("ctc-restart."))
    eq(clerk.email_addresses.get(email_address_id=eid).email_address.startswith("ctc-restart."), True,
       "found by id after the restart")
    expect_error(lambda: clerk.sessions.create(request={"user_id": u.id}), 403, "user_locked", typed=False)


# <<< Contact details and lock/unlock <<<


# ---- machines begin ----
# Machine authentication (issue 15): machines and their scopes and secret keys, M2M tokens (opaque and
# JWT, made with a machine's own secret key), API keys. Names are scoped by RUN.


def machine_client(secret: str) -> Clerk:
    """A client authenticated with a machine's secret key (as the SDK's M2M calls are)."""
    return Clerk(bearer_auth=secret, server_url=BASE + "/v1", client=HTTP, retry_config=None, timeout_ms=30000)


@test
def machines_create_answers_the_secret_key_and_scoped_machines():
    callee = clerk.machines.create(request={"name": f"callee-{RUN}"})
    check(callee.id.startswith("mch_") and len(callee.id) == 31, f"machine id {callee.id!r}")
    check(callee.secret_key and callee.secret_key.startswith("ak_"), "secret_key")
    eq(callee.scoped_machines, [], "scoped_machines")
    eq(callee.default_token_ttl, 3600, "default_token_ttl")
    caller = clerk.machines.create(request={"name": f"caller-{RUN}", "scoped_machines": [callee.id],
                                            "default_token_ttl": 600})
    eq([m.id for m in caller.scoped_machines], [callee.id], "caller's scoped_machines")
    eq(raw_last()["instance_id"], need("instance_kid"), "instance_id")
    S["mch_callee"], S["mch_caller"] = callee.id, caller.id
    S["mch_callee_key"], S["mch_caller_key"] = callee.secret_key, caller.secret_key


@test
def machines_get_list_and_update():
    caller = need("mch_caller")
    got = clerk.machines.get(machine_id=caller)
    eq((got.name, got.default_token_ttl), (f"caller-{RUN}", 600), "get")
    check("secret_key" not in raw_last(), "get answers no secret_key")
    listed = clerk.machines.list(query=f"caller-{RUN}")
    eq([m.id for m in listed.data], [caller], "list by query")
    eq(listed.total_count, 1, "total_count")
    updated = clerk.machines.update(machine_id=caller, name=f"caller2-{RUN}")
    eq((updated.name, updated.default_token_ttl), (f"caller2-{RUN}", 600), "update")


@test
def machines_scopes_are_created_once_and_deleted():
    extra = clerk.machines.create(request={"name": f"extra-{RUN}"})
    scope = clerk.machines.create_scope(machine_id=need("mch_caller"), to_machine_id=extra.id)
    eq((scope.from_machine_id, scope.to_machine_id), (need("mch_caller"), extra.id), "scope")
    expect_error(lambda: clerk.machines.create_scope(machine_id=need("mch_caller"), to_machine_id=extra.id),
                 409, "conflict", typed=False)
    deleted = clerk.machines.delete_scope(machine_id=need("mch_caller"), other_machine_id=extra.id)
    eq((deleted.to_machine_id, raw_last()["deleted"]), (extra.id, True), "scope deleted")
    gone = clerk.machines.delete(machine_id=extra.id)
    eq((gone.id, raw_last()["deleted"]), (extra.id, True), "machine deleted")
    expect_error(lambda: clerk.machines.get(machine_id=extra.id), 404, "machine_not_found")


@test
def machines_secret_key_is_revealed_and_rotated():
    callee = need("mch_callee")
    eq(clerk.machines.get_secret_key(machine_id=callee).secret, need("mch_callee_key"), "secret_key")
    rotated = clerk.machines.rotate_secret_key(machine_id=callee, previous_token_ttl=0)
    check(rotated.secret.startswith("ak_") and rotated.secret != need("mch_callee_key"), "a new key")
    old = machine_client(need("mch_callee_key"))
    expect_error(lambda: old.m2m.list_tokens(subject=callee), 401, "clerk_key_invalid", typed=False)
    eq(clerk.machines.get_secret_key(machine_id=callee).secret, rotated.secret, "revealed after rotation")
    S["mch_callee_key"] = rotated.secret


@test
def m2m_opaque_token_is_made_by_a_machine_and_answered_201():
    caller = machine_client(need("mch_caller_key"))
    t = caller.m2m.create_token(claims={"job": "nightly"})
    eq(HTTP.last.status_code, 201, "status")
    check(t.token.startswith("mt_") and re.fullmatch(r"mt_[0-9a-f]{32}", t.id), f"token and id {t.id!r}")
    eq((t.subject, t.scopes, t.claims), (need("mch_caller"), [need("mch_callee")], {"job": "nightly"}), "token")
    eq((t.revoked, t.expired), (False, False), "flags")
    check(t.expiration - t.created_at == 600_000, "default_token_ttl of the machine")
    S["m2m_opaque"], S["m2m_opaque_id"] = t.token, t.id


@test
def m2m_token_verifies_for_the_scoped_machine_and_the_instance():
    token = need("m2m_opaque")
    v = machine_client(need("mch_callee_key")).m2m.verify_token(token=token)
    eq((v.id, v.subject), (need("m2m_opaque_id"), need("mch_caller")), "verified by the callee")
    check("token" not in raw_last(), "verify answers no token")
    v = clerk.m2m.verify_token(token=token)
    eq(v.subject, need("mch_caller"), "verified with the instance key")
    expect_error(lambda: machine_client(need("mch_caller_key")).m2m.verify_token(token=token),
                 404, "resource_not_found", typed=False)


@test
def m2m_create_with_the_instance_key_is_403():
    expect_error(lambda: clerk.m2m.create_token(), 403, "authorization_invalid", typed=False)


@test
def m2m_tokens_are_listed_under_m2m_tokens():
    listed = clerk.m2m.list_tokens(subject=need("mch_caller"))
    check("m2m_tokens" in raw_last(), "list key m2m_tokens")
    check(need("m2m_opaque_id") in [t.id for t in listed.m2m_tokens], "the token is listed")
    check(all("token" not in t for t in raw_last()["m2m_tokens"]), "no secrets in the list")


@test
def m2m_revoked_token_fails_verification():
    revoked = clerk.m2m.revoke_token(m2m_token_id=need("m2m_opaque_id"), revocation_reason="rotated")
    eq((revoked.revoked, revoked.revocation_reason), (True, "rotated"), "revoked")
    expect_error(lambda: clerk.m2m.verify_token(token=need("m2m_opaque")), 404, "resource_not_found", typed=False)
    listed = clerk.m2m.list_tokens(subject=need("mch_caller"))
    check(need("m2m_opaque_id") not in [t.id for t in listed.m2m_tokens], "revoked tokens are not listed by default")


@test
def m2m_jwt_token_is_signed_by_the_instance_key_with_the_m2m_category():
    t = machine_client(need("mch_caller_key")).m2m.create_token(token_format=models.TokenFormat.JWT,
                                                                claims={"tier": "gold"})
    header, payload = verify(t.token, alg="RS256")
    eq(header.get("cat"), "cl_B7d4PD333AAA", "cat")
    eq((payload["sub"], payload["jti"], payload["tier"]), (need("mch_caller"), t.id, "gold"), "claims")
    eq(payload.get("scopes"), need("mch_callee"), "scopes")
    v = machine_client(need("mch_callee_key")).m2m.verify_token(token=t.token)
    eq((v.id, v.subject, v.claims), (t.id, need("mch_caller"), {"tier": "gold"}), "verified by the server")


@test
def api_keys_are_created_201_for_a_user_listed_and_updated():
    user = need("u1")["id"]
    k = clerk.api_keys.create_api_key(name=f"ci-{RUN}", subject=user, scopes=["read"], claims={"plan": "pro"},
                                      description="CI key", created_by=user)
    eq(HTTP.last.status_code, 201, "status")
    check(re.fullmatch(r"ak_[0-9a-f]{32}", k.id) and k.secret.startswith("ak_"), f"id {k.id!r}, secret")
    eq((k.subject, k.scopes, k.claims, k.type, k.revoked), (user, ["read"], {"plan": "pro"}, "api_key", False), "key")
    listed = clerk.api_keys.get_api_keys(subject=user)
    eq([x.id for x in listed.data], [k.id], "listed")
    check(all("secret" not in x for x in raw_last()["data"]), "no secrets in the list")
    got = clerk.api_keys.get_api_key(api_key_id=k.id)
    eq(got.name, f"ci-{RUN}", "get")
    updated = clerk.api_keys.update_api_key(api_key_id=k.id, scopes=["read", "write"], description="CI")
    eq((updated.scopes, updated.description), (["read", "write"], "CI"), "updated")
    S["api_key"], S["api_key_secret"] = k.id, k.secret


@test
def api_key_secret_is_revealed_and_verifies():
    key = need("api_key")
    eq(clerk.api_keys.get_api_key_secret(api_key_id=key).secret, need("api_key_secret"), "revealed")
    v = clerk.api_keys.verify_api_key(secret=need("api_key_secret"))
    eq((v.id, v.subject), (key, need("u1")["id"]), "verified")
    check(isinstance(raw_last()["last_used_at"], int), "last_used_at set")
    expect_error(lambda: clerk.api_keys.verify_api_key(secret="ak_" + "0" * 48), 404, "resource_not_found",
                 typed=False)


@test
def api_key_revoked_fails_verification_and_is_deleted():
    key = need("api_key")
    r = clerk.api_keys.revoke_api_key(api_key_id=key, revocation_reason="leaked")
    eq((r.revoked, r.revocation_reason), (True, "leaked"), "revoked")
    expect_error(lambda: clerk.api_keys.verify_api_key(secret=need("api_key_secret")), 404, "resource_not_found",
                 typed=False)
    d = clerk.api_keys.delete_api_key(api_key_id=key)
    eq((d.id, raw_last()["deleted"]), (key, True), "deleted")
    expect_error(lambda: clerk.api_keys.get_api_key(api_key_id=key), 404, "resource_not_found", typed=False)


# ---- machines end ----
# ---- webhooks begin ----
# Webhooks (Tessera extension /v1/tessera/webhooks; docs/webhooks.md): a receiver on 127.0.0.1 gets the
# deliveries of an endpoint created over raw HTTP; the writes go through the SDK; every delivery is
# verified with `standardwebhooks` (PyPI), given the svix-* headers as webhook-* ones, which is what
# Clerk's own verifyWebhook does. A tampered body and an old timestamp must fail. The endpoint is
# deleted at the end.

import hmac  # noqa: E402
import http.server  # noqa: E402
import threading  # noqa: E402

from standardwebhooks.webhooks import Webhook as StandardWebhook, WebhookVerificationError  # noqa: E402

WEBHOOKS_URL = BASE + "/v1/tessera/webhooks"
WH_DELIVERIES: List[Dict[str, Any]] = []


class _WebhookReceiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        WH_DELIVERIES.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def webhooks_call(method: str, path: str, body: Optional[Dict[str, Any]] = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {SECRET}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return HTTP.request(method, WEBHOOKS_URL + path, headers=headers,
                        content=None if body is None else json.dumps(body).encode())


def as_standard(headers: Dict[str, str]) -> Dict[str, str]:
    return {f"webhook-{k[len('svix-'):]}": v for k, v in headers.items() if k.startswith("svix-")}


def deliveries_of(object_id: str) -> List[Dict[str, Any]]:
    return [d for d in WH_DELIVERIES if json.loads(d["body"]).get("data", {}).get("id") == object_id]


@test
def webhooks_user_writes_are_delivered_and_verify_with_standardwebhooks():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _WebhookReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    S["wh_server"] = server
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    r = webhooks_call("POST", "/endpoints", {"url": url, "filter_types": ["user.created", "user.updated"]})
    eq(r.status_code, 200, f"create endpoint: {r.text}")
    endpoint = r.json()
    check(re.fullmatch(r"whsec_[A-Za-z0-9+/]{32}", endpoint["secret"]), f"secret {endpoint['secret']!r}")
    S["wh_endpoint"] = endpoint
    u = clerk.users.create(email_address=[f"webhooks.py.{RUN}@example.com"], first_name="Hook")
    clerk.users.update(user_id=u.id, last_name="Receiver")
    for _ in range(200):
        if len(deliveries_of(u.id)) >= 2:
            break
        time.sleep(0.1)
    got = deliveries_of(u.id)
    eq(len(got), 2, "deliveries of the user")
    wh = StandardWebhook(endpoint["secret"])
    events = []
    for d in got:
        payload = wh.verify(d["body"], as_standard(d["headers"]))
        check(d["headers"]["svix-id"].startswith("msg_"), f"svix-id {d['headers']['svix-id']!r}")
        eq(payload["object"], "event", "object")
        events.append((payload["type"], payload["data"]["id"]))
    # Attempts run concurrently: arrival order is not write order (docs/webhooks.md).
    eq(sorted(events), [("user.created", u.id), ("user.updated", u.id)], "types and data ids")
    updated = next(json.loads(d["body"]) for d in got if json.loads(d["body"])["type"] == "user.updated")
    eq(updated["data"]["last_name"], "Receiver", "user.updated data")
    S["wh_delivery"] = got[0]


@test
def webhooks_a_tampered_body_and_an_old_timestamp_fail_standardwebhooks():
    endpoint, d = need("wh_endpoint", "wh_delivery")
    wh = StandardWebhook(endpoint["secret"])
    tampered = d["body"].replace('"object":"event"', '"object":"evenT"')
    check(tampered != d["body"], "nothing tampered")
    try:
        wh.verify(tampered, as_standard(d["headers"]))
        raise AssertionError("a tampered body verified")
    except WebhookVerificationError:
        pass
    old = int(time.time()) - 600
    key = base64.b64decode(endpoint["secret"][len("whsec_"):])
    signed = f"{d['headers']['svix-id']}.{old}.{d['body']}".encode()
    sig = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    headers = {**as_standard(d["headers"]), "webhook-timestamp": str(old), "webhook-signature": sig}
    try:
        wh.verify(d["body"], headers)
        raise AssertionError("a 10-minute-old timestamp verified")
    except WebhookVerificationError as e:
        check("old" in str(e).lower() or "timestamp" in str(e).lower(), f"failed for another reason: {e}")


@test
def webhooks_endpoint_is_deleted():
    endpoint = need("wh_endpoint")
    r = webhooks_call("DELETE", f"/endpoints/{endpoint['id']}")
    eq((r.status_code, r.json().get("deleted")), (200, True), "delete endpoint")
    server = S.pop("wh_server", None)
    if server is not None:
        server.shutdown()


# ---- webhooks end ----
# ---- ops begin ----
# Instance key lifecycle over HTTP (/v1/tessera/keys): the Python SDK has no such call, so raw HTTP.
# A default rotation is staged (published, not signing); retiring it (it never signed) withdraws it.


def keys_call(method: str, path: str, body: Optional[Dict[str, Any]] = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {SECRET}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    r = HTTP.request(method, BASE + "/v1/tessera/keys" + path, headers=headers,
                     content=None if body is None else json.dumps(body).encode())
    eq(r.headers.get("content-type"), "application/json", f"{method} {path} content type")
    return r


@test
def ops_a_default_rotation_is_staged_and_published_before_it_signs():
    before = keys_call("GET", "")
    eq(before.status_code, 200, f"list: {before.text}")
    signer = [k for k in before.json()["data"] if k["signing"]]
    eq(len(signer), 1, "one signing key")
    staged = keys_call("POST", "/rotate", {})
    eq(staged.status_code, 200, f"rotate: {staged.text}")
    k = staged.json()
    eq((k["object"], k["status"], k["signing"], k["published"]), ("instance_key", "staged", False, True), "new key")
    check(k["sign_after"] > k["created_at"], "signs later than it is published")
    kids = [j.kid for j in clerk.jwks.get_jwks().keys or []]
    check(k["kid"] in kids, "the staged key is in the JWKS")
    eq(kids[0], signer[0]["kid"], "the signing key is first in the JWKS")
    S["ops_staged_kid"] = k["kid"]


@test
def ops_retiring_a_key_keeps_it_published_and_refuses_bad_requests():
    kid = need("ops_staged_kid")
    r = keys_call("POST", f"/{kid}/retire")
    # It never signed, so no token needs it: it leaves the JWKS at once.
    eq((r.status_code, r.json()["status"], r.json()["published"]), (200, "retired", False), f"retire: {r.text}")
    check(kid not in [j.kid for j in clerk.jwks.get_jwks().keys or []], "a retired key that never signed is withdrawn")
    again = keys_call("POST", f"/{kid}/retire")
    eq((again.status_code, again.json()["errors"][0]["code"]), (400, "signing_key_already_retired"), "twice")
    eq(keys_call("POST", "/ins_nope/retire").status_code, 404, "unknown kid")
    bad = keys_call("POST", "/rotate", {"activate_in_seconds": "soon"})
    eq((bad.status_code, bad.json()["errors"][0]["meta"]["param_name"]), (422, "activate_in_seconds"), "bad body")
    listed = {k["kid"]: k["status"] for k in keys_call("GET", "").json()["data"]}
    eq(listed[kid], "retired", "listed as retired")
# ---- ops end ----


# --------------------------------------------------------------------------------------------------
# Auth and transport


@both
def wrong_secret_key_is_401_clerk_key_invalid():
    bad = Clerk(bearer_auth="sk_test_" + "x" * 40, server_url=BASE + "/v1", retry_config=None)
    expect_error(lambda: bad.users.list(), 401, "clerk_key_invalid")


@test
def missing_authorization_is_401_authorization_header_format_invalid():
    r = httpx.get(BASE + "/v1/users", timeout=30)
    eq(r.status_code, 401, "status")
    eq(r.json()["errors"][0]["code"], "authorization_header_format_invalid", "code")


@both
def every_response_has_content_type_application_json():
    bad = [f"{r.request.method} {r.request.url.path} → {r.headers.get('content-type')!r}"
           for r in HTTP.responses if r.headers.get("content-type") != "application/json"]
    check(HTTP.responses, "no responses recorded")
    check(not bad, "; ".join(bad[:5]))


@both
def every_error_response_has_a_clerk_trace_id():
    errors = [r for r in HTTP.responses if r.status_code >= 400]
    check(errors, "no error responses recorded")
    bad = []
    for r in errors:
        body = r.json()
        if not re.fullmatch(r"[0-9a-f]{32}", str(body.get("clerk_trace_id"))):
            bad.append(f"{r.request.method} {r.request.url.path}: {body.get('clerk_trace_id')!r}")
    check(not bad, "; ".join(bad[:5]))


@both
def no_response_has_a_5xx_status():
    bad = [f"{r.request.method} {r.request.url.path} → {r.status_code}" for r in HTTP.responses if r.status_code >= 500]
    check(not bad, "; ".join(bad[:5]))


# --------------------------------------------------------------------------------------------------


def describe(e: BaseException) -> str:
    if isinstance(e, models.ResponseValidationError):
        req = e.raw_response.request
        detail = " | ".join(str(e).splitlines()[:12])
        return (f"the SDK rejected the response to {req.method} {req.url.path} "
                f"(HTTP {e.status_code}): {detail} -- body: {e.body[:500]}")
    text = f"{type(e).__name__}: {e}" if not isinstance(e, AssertionError) else str(e)
    text = " ".join(text.split())
    tb = traceback.extract_tb(e.__traceback__)
    here = [f for f in tb if f.filename == __file__]
    if here and not isinstance(e, AssertionError):
        text += f" (at line {here[-1].lineno})"
    return text[:1500]


def main() -> int:
    if not SECRET:
        print("TESSERA_SECRET_KEY is not set", file=sys.stderr)
        return 2
    # Order matters: the discovery checks fill in what token checks compare against.
    order = [t for t in TESTS if t.__name__ in ("jwks_through_the_sdk", "openid_configuration_names_issuer_and_jwks_uri")]
    order += [t for t in TESTS if t not in order]
    if MODE == "restart":
        restore()
    passed = failed = 0
    for fn in order:
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - a failing check must not stop the run
            failed += 1
            print(f"FAIL {fn.__name__}: {describe(e)}", flush=True)
        else:
            passed += 1
            print(f"PASS {fn.__name__}", flush=True)
    if SAVE_STATE:
        save_state(SAVE_STATE)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
