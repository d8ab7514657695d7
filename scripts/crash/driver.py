#!/usr/bin/env python3
"""Crash-safety driver (standard library only): write load, SIGKILL, restart, verify.

Runs `tessera serve` on a free port with a pinned secret key and `--rate-limit 0`, then N times:
a write load in several threads (users, sessions, JWT templates, a third of them with a custom
HS256 secret or ES256 PEM key, and invitations with their acceptance) while the main thread waits a
random time, creates one HS256 and one ES256 template (acknowledged) and SIGKILLs the server right
away; the server is restarted on the same data (same master key) and every acknowledged write is read
back through the API:

- users: email address, first name and external id as written;
- sessions: present, same user;
- templates: name, claims, algorithm and custom-key flag as written; tokens minted from the
  templates created right before each kill (and a sample of the others) verify: HS256 with the
  secret that was sent, ES256 and RS256 with the key the JWKS publishes under the token's kid
  (checked here in pure Python), which proves the sealed key material still decrypts;
- invitations, and whether their acceptance was written whole or not at all (the writes killed
  mid-way are checked too, acknowledged or not): an instance invitation is `accepted` exactly when a
  user with its address exists, and that user has the invitation's public metadata (creating the user
  accepts it, in one transaction); an organization invitation is `accepted` exactly when the invitee
  is a member with the invited role and the invitation's metadata (Tessera's accept route writes both
  in one transaction), and `pending` with no membership otherwise. An acknowledged acceptance must be
  there. The organization's `pending_invitations_count` matches its pending invitations.

- webhooks: a receiver on loopback (an endpoint made at the start, filtered to `user.created` and
  `session.created`) checks every delivery's Svix signature and refuses a tenth of them with a 500, so
  retries run across kills too; before the end, every acknowledged user and session must have had its
  created event delivered at least once (waiting up to CRASH_WEBHOOK_WAIT seconds, default 60, for
  retries on the compressed schedule `--webhooks-retry-schedule 0s,1s,1s,2s,…`).

At the end the server is stopped, SQLite gets `PRAGMA integrity_check` (must answer "ok") and the
row counts are compared with what was acknowledged (PostgreSQL: `SELECT count(*)` through psql).

Prints "N kills, M acknowledged writes, L lost" and exits 1 when anything is lost or damaged.
"""

import argparse
import base64
import concurrent.futures
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "crates", "tessera-jwt", "tests", "fixtures")
EC_KEYS = [open(os.path.join(FIXTURES, n)).read() for n in ("p256_pkcs8.pem", "p256_sec1.pem")]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def log(msg):
    print(f"[crash {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- HTTP ------------------------------------------------------------------------------------------

class Down(Exception):
    """The server did not answer (killed, restarting)."""


def call(base, sk, method, path, body=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {sk}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    failures = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, OSError)
    try:
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
    except failures as e:
        raise Down(f"{type(e).__name__}: {e}") from e
    try:
        return status, json.loads(raw or b"null")
    except ValueError as e:
        if status == 200:
            raise Down(f"a 200 with a cut-off body: {e}") from e
        return status, raw.decode(errors="replace")


# ---- the server --------------------------------------------------------------------------------

class Server:
    def __init__(self, binary, args, log_path):
        self.binary, self.args, self.log_path = binary, args, log_path
        self.proc = None
        self.url = None

    def start(self, timeout=120):
        self.url = None
        found = threading.Event()
        logf = open(self.log_path, "a")
        logf.write(f"---- start {time.time():.3f}\n")
        env = dict(os.environ, TESSERA_LOG=os.environ.get("TESSERA_LOG", "info"), NO_COLOR="1")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--listen", "127.0.0.1:0", *self.args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)

        def pump(proc=self.proc):
            for raw in proc.stdout:
                line = ANSI.sub("", raw.decode(errors="replace"))
                logf.write(line)
                logf.flush()
                m = re.search(r"listening on (http://[0-9.:]+)", line)
                if m and not found.is_set():
                    self.url = m.group(1)
                    found.set()
            logf.close()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.time() + timeout
        while not found.wait(0.1):
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited with {self.proc.returncode} at start; see {self.log_path}")
            if time.time() > deadline:
                self.kill()
                raise SystemExit(f"the server did not start in {timeout}s; see {self.log_path}")
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.time() > deadline:
                raise SystemExit("the server never became healthy")
            time.sleep(0.05)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc:
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                log("the server did not stop on SIGTERM within 30 s; killing it")
                self.kill()


# ---- webhooks --------------------------------------------------------------------------------------

class Receiver:
    """A webhook receiver on loopback: checks each delivery's Svix signature with the endpoint's
    secret, records the events it got by `svix-id`, and refuses a share of deliveries with a 500 (so
    retries happen while the server is killed too)."""

    def __init__(self, refuse_share, rng):
        import http.server

        receiver = self
        self.lock = threading.Lock()
        self.secret = None
        self.refuse_share = refuse_share
        self.rng = rng
        self.events = {}        # svix-id -> (type, data id)
        self.deliveries = 0     # 2xx answers
        self.duplicates = 0     # 2xx answers for an id already answered 2xx
        self.bad_signatures = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                ok = receiver.check(self.headers, body)
                code = 200 if ok else 400
                if ok and receiver.rng.random() < receiver.refuse_share:
                    code = 500
                if code == 200:
                    receiver.note(self.headers.get("svix-id"), body)
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def check(self, headers, body):
        sid, ts, sigs = headers.get("svix-id"), headers.get("svix-timestamp"), headers.get("svix-signature")
        if not (sid and ts and sigs and self.secret):
            with self.lock:
                self.bad_signatures += 1
            return False
        key = base64.b64decode(self.secret.split("_", 1)[1])
        want = base64.b64encode(hmac.new(key, f"{sid}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
        good = any(hmac.compare_digest(part.split(",", 1)[-1], want) for part in sigs.split())
        if not good:
            with self.lock:
                self.bad_signatures += 1
        return good

    def note(self, sid, body):
        e = json.loads(body)
        with self.lock:
            if sid in self.events:
                self.duplicates += 1
            self.events[sid] = (e.get("type"), (e.get("data") or {}).get("id"))
            self.deliveries += 1

    def seen(self, event_type):
        with self.lock:
            return {i for t, i in self.events.values() if t == event_type}


def check_webhooks(receiver, ledger, wait_s):
    """Every acknowledged user and session has its `user.created` / `session.created` delivered
    (waiting up to `wait_s` for retries); returns the problems."""
    with ledger.lock:
        users, sessions = set(ledger.users), set(ledger.sessions)
    deadline = time.time() + wait_s
    while True:
        missing_users = users - receiver.seen("user.created")
        missing_sessions = sessions - receiver.seen("session.created")
        if not (missing_users or missing_sessions) or time.time() > deadline:
            break
        time.sleep(0.5)
    log(f"webhooks: {len(receiver.events)} events delivered ({receiver.deliveries} 2xx deliveries, "
        f"{receiver.duplicates} repeated after a kill or a refusal, {receiver.bad_signatures} bad signatures); "
        f"{len(missing_users)} of {len(users)} acknowledged users and {len(missing_sessions)} of "
        f"{len(sessions)} sessions without their created event")
    problems = [(u, f"user.created of acknowledged user {u} never delivered") for u in sorted(missing_users)]
    problems += [(x, f"session.created of acknowledged session {x} never delivered") for x in sorted(missing_sessions)]
    if receiver.bad_signatures:
        problems.append((None, f"{receiver.bad_signatures} deliveries with a bad or missing signature"))
    return problems


# ---- what was acknowledged ---------------------------------------------------------------------

class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.users = {}      # id -> {"email", "first_name", "external_id"}
        self.sessions = {}   # id -> user_id
        self.templates = {}  # id -> {"name", "claims", "alg", "custom", "secret"}
        self.pre_kill = []   # template ids created right before a kill
        # inv_… -> {"email", "meta", "attempted" (the accepting user creation was sent), "user" (its id, acknowledged)}
        self.invitations = {}
        # orginv_… -> {"email", "meta", "user" (the invitee, acknowledged), "attempted" (accept sent), "accepted" (acknowledged)}
        self.org_invitations = {}
        self.org_id = None   # the organization the organization invitations are to
        self.rejected = {}   # "op status code" -> count (non-200 answers, for the report)
        self.down_errors = 0
        self.echo_mismatches = []

    def total(self):
        with self.lock:
            return len(self.users) + len(self.sessions) + len(self.templates) + len(self.invitations) \
                + len(self.org_invitations)

    def note_rejected(self, op, status, body):
        code = ""
        if isinstance(body, dict) and body.get("errors"):
            code = body["errors"][0].get("code", "")
        with self.lock:
            key = f"{op} {status} {code}"
            self.rejected[key] = self.rejected.get(key, 0) + 1


def template_body(name, kind, rng):
    claims = {
        "aud": name,
        "n": rng.randrange(1 << 40),
        "nested": {"list": [rng.randrange(1 << 20) / 1024, "x" * rng.randrange(1, 50), None, True], "e": "{{user.primary_email_address}}"},
        "who": "{{user.first_name}} {{user.last_name}}",
    }
    body = {"name": name, "claims": claims, "lifetime": rng.choice([60, 300, 3600])}
    secret = None
    if kind == "HS256":
        secret = secrets.token_urlsafe(32)
        body.update(custom_signing_key=True, signing_algorithm="HS256", signing_key=secret)
    elif kind == "ES256":
        body.update(custom_signing_key=True, signing_algorithm="ES256", signing_key=rng.choice(EC_KEYS))
    return body, secret


def create_template(api, ledger, name, kind, rng):
    body, secret = template_body(name, kind, rng)
    status, resp = api("POST", "/v1/jwt_templates", body)
    if status != 200:
        ledger.note_rejected("template", status, resp)
        return None
    if resp.get("name") != name or resp.get("claims") != body["claims"]:
        with ledger.lock:
            ledger.echo_mismatches.append((resp.get("id"), f"template {resp.get('id')}: the create response differs from the request"))
    with ledger.lock:
        ledger.templates[resp["id"]] = {"name": name, "claims": body["claims"], "alg": kind,
                                        "custom": kind != "RS256", "secret": secret}
    return resp["id"]


class Load:
    """Writer threads; `running` gates them while the server is down."""

    def __init__(self, ledger, threads):
        self.ledger = ledger
        self.threads = threads
        self.running = threading.Event()
        self.stop = threading.Event()
        self.base = None
        self.sk = None
        self.counter = 0
        self.workers = []

    def api(self, method, path, body=None):
        return call(self.base, self.sk, method, path, body)

    def start(self):
        for i in range(self.threads):
            t = threading.Thread(target=self.work, args=(i,), daemon=True)
            t.start()
            self.workers.append(t)

    def work(self, tid):
        rng = random.Random(secrets.randbits(64))
        n = 0
        while not self.stop.is_set():
            if not self.running.wait(0.1):
                continue
            n += 1
            op = rng.choices(["user", "session", "template", "invitation", "org_invitation"],
                             weights=[40, 20, 25, 8, 7])[0]
            try:
                if op == "user" or not self.ledger.users:
                    uniq = f"{tid}-{n}-{secrets.token_hex(4)}"
                    body = {"email_address": [f"u{uniq}@crash.example.com"], "first_name": f"F{uniq}",
                            "last_name": "Crash", "external_id": f"ext-{uniq}",
                            "public_metadata": {"n": n, "tid": tid}}
                    status, resp = self.api("POST", "/v1/users", body)
                    if status == 200:
                        with self.ledger.lock:
                            self.ledger.users[resp["id"]] = {
                                "email": body["email_address"][0], "first_name": body["first_name"],
                                "external_id": body["external_id"]}
                    else:
                        self.ledger.note_rejected("user", status, resp)
                elif op == "session":
                    with self.ledger.lock:
                        uid = rng.choice(list(self.ledger.users))
                    status, resp = self.api("POST", "/v1/sessions", {"user_id": uid})
                    if status == 200:
                        with self.ledger.lock:
                            self.ledger.sessions[resp["id"]] = uid
                    else:
                        self.ledger.note_rejected("session", status, resp)
                elif op == "invitation":
                    self.invite_and_accept(f"{tid}-{n}-{secrets.token_hex(4)}")
                elif op == "org_invitation" and self.ledger.org_id:
                    self.invite_to_org_and_accept(f"{tid}-{n}-{secrets.token_hex(4)}")
                else:
                    kind = rng.choices(["RS256", "HS256", "ES256"], weights=[50, 25, 25])[0]
                    create_template(self.api, self.ledger, f"t{tid}-{n}-{secrets.token_hex(3)}", kind, rng)
            except Down:
                with self.ledger.lock:
                    self.ledger.down_errors += 1
                time.sleep(0.02)
            except Exception as e:  # noqa: BLE001 - a writer must never die silently
                log(f"writer {tid}: unexpected {type(e).__name__}: {e}")
                with self.ledger.lock:
                    self.ledger.rejected[f"{op} exception {type(e).__name__}"] = \
                        self.ledger.rejected.get(f"{op} exception {type(e).__name__}", 0) + 1
                time.sleep(0.1)


    def invite_and_accept(self, uniq):
        """An instance invitation, then the user creation that accepts it (one transaction)."""
        email, meta = f"i{uniq}@crash.example.com", {"inv": uniq}
        status, resp = self.api("POST", "/v1/invitations", {"email_address": email, "public_metadata": meta})
        if status != 200:
            self.ledger.note_rejected("invitation", status, resp)
            return
        iid = resp["id"]
        with self.ledger.lock:
            self.ledger.invitations[iid] = {"email": email, "meta": meta, "attempted": False, "user": None}
        body = {"email_address": [email], "first_name": f"I{uniq}", "external_id": f"iext-{uniq}",
                "public_metadata": {"own": uniq}}
        with self.ledger.lock:
            self.ledger.invitations[iid]["attempted"] = True
        status, resp = self.api("POST", "/v1/users", body)
        if status != 200:
            self.ledger.note_rejected("accepting user", status, resp)
            return
        with self.ledger.lock:
            self.ledger.users[resp["id"]] = {"email": email, "first_name": body["first_name"],
                                            "external_id": body["external_id"]}
            self.ledger.invitations[iid]["user"] = resp["id"]
        if resp.get("public_metadata") != {"inv": uniq, "own": uniq}:
            with self.ledger.lock:
                self.ledger.echo_mismatches.append((iid, f"invitation {iid}: the accepting user answered "
                                                         f"{resp.get('public_metadata')}"))

    def invite_to_org_and_accept(self, uniq):
        """An organization invitation, the invitee's user, then Tessera's accept (one transaction)."""
        org, email, meta = self.ledger.org_id, f"o{uniq}@crash.example.com", {"team": uniq}
        status, resp = self.api("POST", f"/v1/organizations/{org}/invitations",
                                {"email_address": email, "role": "org:member", "public_metadata": meta})
        if status != 200:
            self.ledger.note_rejected("org invitation", status, resp)
            return
        oid = resp["id"]
        with self.ledger.lock:
            self.ledger.org_invitations[oid] = {"email": email, "meta": meta, "user": None, "attempted": False,
                                                "accepted": False}
        body = {"email_address": [email], "first_name": f"O{uniq}", "external_id": f"oext-{uniq}"}
        status, resp = self.api("POST", "/v1/users", body)
        if status != 200:
            self.ledger.note_rejected("invitee", status, resp)
            return
        with self.ledger.lock:
            self.ledger.users[resp["id"]] = {"email": email, "first_name": body["first_name"],
                                            "external_id": body["external_id"]}
            self.ledger.org_invitations[oid].update(user=resp["id"], attempted=True)
        status, resp = self.api("POST", f"/v1/tessera/organizations/{org}/invitations/{oid}/accept", {})
        if status != 200:
            self.ledger.note_rejected("accept", status, resp)
            return
        with self.ledger.lock:
            self.ledger.org_invitations[oid]["accepted"] = True


# ---- signature checks in pure Python -------------------------------------------------------------

def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64int(s):
    return int.from_bytes(b64d(s), "big")


# NIST P-256
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
     0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)


def ec_add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        lam = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (lam * lam - x1 - x2) % P
    return x3, (lam * (x1 - x3) - y1) % P


def ec_mul(k, pt):
    out = None
    while k:
        if k & 1:
            out = ec_add(out, pt)
        pt = ec_add(pt, pt)
        k >>= 1
    return out


def verify_es256(signing_input, sig, jwk):
    if len(sig) != 64 or jwk.get("crv") != "P-256":
        return False
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    if not (0 < r < N and 0 < s < N):
        return False
    q = (b64int(jwk["x"]), b64int(jwk["y"]))
    e = int.from_bytes(hashlib.sha256(signing_input).digest(), "big")
    w = pow(s, -1, N)
    pt = ec_add(ec_mul(e * w % N, G), ec_mul(r * w % N, q))
    return pt is not None and pt[0] % N == r


def verify_rs256(signing_input, sig, jwk):
    n, e = b64int(jwk["n"]), b64int(jwk["e"])
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    em = pow(int.from_bytes(sig, "big"), e, n).to_bytes(k, "big")
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + hashlib.sha256(signing_input).digest()
    return em == b"\x00\x01" + b"\xff" * (k - 3 - len(digest_info)) + b"\x00" + digest_info


def check_token(jwt, template, jwks):
    """None if the token verifies as `template` should sign it, else why not."""
    try:
        h64, p64, s64 = jwt.split(".")
        header, claims, sig = json.loads(b64d(h64)), json.loads(b64d(p64)), b64d(s64)
    except ValueError as e:
        return f"malformed token: {e}"
    signing_input = f"{h64}.{p64}".encode()
    alg = header.get("alg")
    if alg != template["alg"]:
        return f"alg {alg}, expected {template['alg']}"
    if claims.get("aud") != template["claims"]["aud"] or claims.get("n") != template["claims"]["n"]:
        return "claims differ from the template's"
    if alg == "HS256":
        want = hmac.new(template["secret"].encode(), signing_input, hashlib.sha256).digest()
        return None if hmac.compare_digest(want, sig) else "HS256 signature does not match the secret sent"
    jwk = next((k for k in jwks if k.get("kid") == header.get("kid")), None)
    if jwk is None:
        return f"kid {header.get('kid')} is not in the JWKS"
    ok = verify_es256(signing_input, sig, jwk) if alg == "ES256" else verify_rs256(signing_input, sig, jwk)
    return None if ok else f"{alg} signature does not verify with the published key"


# ---- verification ------------------------------------------------------------------------------

def verify_all(base, sk, ledger, mint_ids, pool):
    """Reads back every acknowledged write; returns (checked, [(id of the write or None, problem)])."""
    api = lambda m, p, b=None: call(base, sk, m, p, b)  # noqa: E731
    with ledger.lock:
        users = dict(ledger.users)
        sessions = dict(ledger.sessions)
        templates = dict(ledger.templates)
        invitations = {k: dict(v) for k, v in ledger.invitations.items()}
        org_invitations = {k: dict(v) for k, v in ledger.org_invitations.items()}
        org_id = ledger.org_id

    def user(item):
        uid, want = item
        status, u = api("GET", f"/v1/users/{uid}")
        if status != 200:
            return uid, f"user {uid}: GET answered {status}"
        emails = [e["email_address"] for e in u.get("email_addresses", [])]
        if emails != [want["email"]] or u.get("first_name") != want["first_name"] \
                or u.get("external_id") != want["external_id"]:
            return uid, f"user {uid}: content differs: {emails} {u.get('first_name')!r} {u.get('external_id')!r}"
        return None

    def session(item):
        sid, uid = item
        status, s = api("GET", f"/v1/sessions/{sid}")
        if status != 200:
            return sid, f"session {sid}: GET answered {status}"
        if s.get("user_id") != uid:
            return sid, f"session {sid}: user {s.get('user_id')} instead of {uid}"
        return None

    def template(item):
        tid, want = item
        status, t = api("GET", f"/v1/jwt_templates/{tid}")
        if status != 200:
            return tid, f"template {tid}: GET answered {status}"
        got = (t.get("name"), t.get("claims"), t.get("signing_algorithm"), t.get("custom_signing_key"))
        if got != (want["name"], want["claims"], want["alg"], want["custom"]):
            return tid, f"template {tid}: content differs: {got}"
        return None

    def invitation(item):
        """Accepted exactly when the user exists (and has the invitation's metadata), whole or not at all."""
        iid, want = item
        everything = "&status=pending&status=accepted&status=revoked&status=expired"
        status, listed = api("GET", f"/v1/invitations?query={iid}{everything}")
        found = [i for i in listed if i.get("id") == iid] if status == 200 else []
        if not found:
            return iid, f"invitation {iid}: not listed (GET answered {status})"
        state = found[0]["status"]
        status, holders = api("GET", "/v1/users?email_address=" + urllib.parse.quote(want["email"]))
        if status != 200:
            return iid, f"invitation {iid}: listing users answered {status}"
        if state == "accepted" and len(holders) != 1:
            return iid, f"invitation {iid}: accepted, but {len(holders)} users have its address (half-written)"
        if state == "pending" and holders:
            return iid, f"invitation {iid}: a user has its address but it is still pending (half-written)"
        if state not in ("pending", "accepted"):
            return iid, f"invitation {iid}: status {state}"
        if want["user"] and state != "accepted":
            return iid, f"invitation {iid}: the acknowledged acceptance (user {want['user']}) is lost"
        if holders and holders[0].get("public_metadata", {}).get("inv") != want["meta"]["inv"]:
            return iid, f"invitation {iid}: the user lacks its metadata: {holders[0].get('public_metadata')}"
        return None

    def org_invitation(item):
        """Accepted exactly when the invitee is a member with the invited role and metadata."""
        oid, want = item
        status, inv = api("GET", f"/v1/organizations/{org_id}/invitations/{oid}")
        if status != 200:
            return oid, f"organization invitation {oid}: GET answered {status}"
        q = urllib.parse.quote(want["email"])
        status, page = api("GET", f"/v1/organizations/{org_id}/memberships?email_address={q}")
        if status != 200:
            return oid, f"organization invitation {oid}: listing memberships answered {status}"
        members = page.get("data", [])
        if inv["status"] == "accepted":
            if len(members) != 1 or members[0].get("role") != "org:member" \
                    or members[0].get("public_metadata") != want["meta"]:
                return oid, f"organization invitation {oid}: accepted, but the membership is {members} (half-written)"
        elif inv["status"] == "pending":
            if members:
                return oid, f"organization invitation {oid}: pending, but the invitee is a member (half-written)"
        else:
            return oid, f"organization invitation {oid}: status {inv['status']}"
        if want["accepted"] and inv["status"] != "accepted":
            return oid, f"organization invitation {oid}: the acknowledged acceptance is lost"
        return None

    problems = []
    jobs = [(user, x) for x in users.items()] + [(session, x) for x in sessions.items()] \
        + [(template, x) for x in templates.items()] + [(invitation, x) for x in invitations.items()] \
        + [(org_invitation, x) for x in org_invitations.items()]
    for result in pool.map(lambda j: j[0](j[1]), jobs):
        if result:
            problems.append(result)
    if org_id:
        status, org = api("GET", f"/v1/organizations/{org_id}")
        status2, pending = api("GET", f"/v1/organizations/{org_id}/invitations?status=pending&limit=1")
        if status != 200 or status2 != 200:
            problems.append((None, f"the invitations' organization: GET answered {status} / {status2}"))
        elif org.get("pending_invitations_count") != pending.get("total_count"):
            problems.append((None, f"pending_invitations_count {org.get('pending_invitations_count')} but "
                                   f"{pending.get('total_count')} pending invitations"))

    # Minting: the key material of these templates must still decrypt.
    live = [sid for sid in sessions]
    if mint_ids and not live:
        problems.append((None, "no acknowledged session to mint with"))
    elif mint_ids:
        status, jwks = api("GET", "/v1/jwks")
        keys = jwks.get("keys", []) if status == 200 else []
        if status != 200:
            problems.append((None, f"GET /v1/jwks answered {status}"))
        sid = live[0]

        def mint(tid):
            t = templates[tid]
            status, tok = api("POST", f"/v1/sessions/{sid}/tokens/{urllib.parse.quote(t['name'])}")
            if status != 200:
                return tid, f"mint from template {tid} ({t['alg']}): answered {status} {tok}"
            why = check_token(tok["jwt"], t, keys)
            return (tid, f"mint from template {tid} ({t['alg']}): {why}") if why else None

        for result in pool.map(mint, [t for t in mint_ids if t in templates]):
            if result:
                problems.append(result)
    return len(jobs), problems


# ---- databases ---------------------------------------------------------------------------------

def psql(url, sql):
    out = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"psql failed: {out.stderr.strip()}")
    return out.stdout.strip()


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def count_rows(ledger, query):
    """Compares row counts with what was acknowledged: never fewer rows than acknowledged writes."""
    problems = []
    for table, acked in [("users", len(ledger.users)), ("sessions", len(ledger.sessions)),
                         ("jwt_templates", len(ledger.templates)), ("invitations", len(ledger.invitations)),
                         ("organization_invitations", len(ledger.org_invitations))]:
        n = query(f"SELECT count(*) FROM {table}")
        log(f"  {table}: {n} rows, {acked} acknowledged")
        if n < acked:
            problems.append((None, f"{table} has {n} rows but {acked} writes were acknowledged"))
    return problems


# ---- main --------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="the tessera binary")
    ap.add_argument("--kills", type=int, default=int(os.environ.get("CRASH_KILLS", "5")))
    ap.add_argument("--threads", type=int, default=int(os.environ.get("CRASH_THREADS", "3")))
    ap.add_argument("--min-run", type=float, default=float(os.environ.get("CRASH_MIN_RUN", "1.0")),
                    help="shortest load phase before a kill, seconds")
    ap.add_argument("--max-run", type=float, default=float(os.environ.get("CRASH_MAX_RUN", "4.0")),
                    help="longest load phase before a kill, seconds")
    ap.add_argument("--postgres", help="a PostgreSQL URL: run on a fresh database there instead of SQLite")
    ap.add_argument("--work-dir", help="keep data and logs here (default: a temporary directory)")
    ap.add_argument("--seed", type=int, help="random seed for the kill points")
    ap.add_argument("--inject-loss", action="store_true",
                    help="self-test of the checker (SQLite): delete one acknowledged user while the server is "
                         "down after the first kill; the run must then report 1 lost and exit 1")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    work = args.work_dir or tempfile.mkdtemp(prefix="tessera-crash-")
    os.makedirs(work, exist_ok=True)
    data_dir = os.path.join(work, "data")
    shutil.rmtree(data_dir, ignore_errors=True)
    log_path = os.path.join(work, "server.log")
    sk = "sk_test_crash_" + secrets.token_hex(16)
    serve_args = ["--data-dir", data_dir, "--secret-key", sk, "--rate-limit", "0",
                  "--webhooks-allow-private", "--webhooks-retry-schedule", "0s,1s,1s,2s,2s,3s,5s,5s"]
    backend = "SQLite"
    pg_db = None
    if args.postgres:
        backend = "PostgreSQL"
        pg_db = f"tessera_crash_{secrets.token_hex(4)}"
        psql(args.postgres, f'CREATE DATABASE "{pg_db}"')
        master = base64.b64encode(os.urandom(32)).decode()
        serve_args += ["--database-url", with_database(args.postgres, pg_db), "--master-key", master]
    log(f"{backend}; work dir {work}; {args.kills} kills; {args.threads} writer threads")

    server = Server(args.bin, serve_args, log_path)
    receiver = Receiver(refuse_share=0.1, rng=random.Random(rng.random()))
    ledger = Ledger()
    load = Load(ledger, args.threads)
    load.sk = sk
    load.start()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)
    problems = []
    master_digest = None
    mint_ids = []
    try:
        for round_ in range(args.kills + 1):
            server.start()
            load.base = server.url
            if ledger.org_id is None:
                status, org = call(server.url, sk, "POST", "/v1/organizations", {"name": "Crash invitations"})
                if status != 200:
                    raise SystemExit(f"creating the invitations' organization answered {status}: {org}")
                ledger.org_id = org["id"]
                status, endpoint = call(server.url, sk, "POST", "/v1/tessera/webhooks/endpoints",
                                        {"url": receiver.url, "filter_types": ["user.created", "session.created"]})
                if status != 200 or not str(endpoint.get("secret", "")).startswith("whsec_"):
                    raise SystemExit(f"creating the webhook endpoint answered {status}: {endpoint}")
                receiver.secret = endpoint["secret"]
            master_file = os.path.join(data_dir, "master.key")
            if not args.postgres:
                digest = hashlib.sha256(open(master_file, "rb").read()).hexdigest()
                if master_digest and digest != master_digest:
                    problems.append((None, "master.key changed across a restart"))
                master_digest = digest
            if round_ > 0:
                # Mint from the templates made right before the last kill, and a sample of the rest.
                with ledger.lock:
                    others = [t for t in ledger.templates if t not in ledger.pre_kill]
                sample = ledger.pre_kill[-2:] + rng.sample(others, min(20, len(others)))
                started = time.time()
                checked, found = verify_all(server.url, sk, ledger, sample, pool)
                log(f"restart {round_}: {checked} acknowledged writes read back, {len(sample)} templates "
                    f"minted from, {len(found)} problems ({time.time() - started:.1f}s)")
                problems += found
                mint_ids += sample
            if round_ == args.kills:
                break
            load.running.set()
            time.sleep(rng.uniform(args.min_run, args.max_run))
            # Key material created right before the crash: acknowledged, then killed at once.
            api = lambda m, p, b=None: call(server.url, sk, m, p, b)  # noqa: E731
            for kind in ("HS256", "ES256"):
                tid = create_template(api, ledger, f"prekill-{round_}-{kind}-{secrets.token_hex(3)}", kind, rng)
                if tid:
                    ledger.pre_kill.append(tid)
            server.kill()
            load.running.clear()
            log(f"kill {round_ + 1}: SIGKILL with {ledger.total()} acknowledged writes so far")
            if args.inject_loss and round_ == 0 and not args.postgres:
                with ledger.lock:
                    # A plain user without sessions: one lost write, not a cascade (the user of an
                    # accepted invitation counts twice, the user of the session minted from, many times).
                    owners = set(ledger.sessions.values())
                    plain = [u for u, v in ledger.users.items() if v["email"].startswith("u") and u not in owners]
                    victim = plain[0] if plain else next(iter(ledger.users))
                db = sqlite3.connect(os.path.join(data_dir, "tessera.db"))
                db.execute("DELETE FROM users WHERE id = ?", (victim,))
                db.commit()
                db.close()
                log(f"injected a loss: deleted user {victim}")
            time.sleep(0.2)

        # Every template once more, to be sure all key material decrypts after the last restart.
        checked, found = verify_all(server.url, sk, ledger, list(ledger.templates), pool)
        log(f"final: {checked} acknowledged writes read back, minted from all {len(ledger.templates)} templates, "
            f"{len(found)} problems")
        problems += found
        mint_ids += list(ledger.templates)
        load.stop.set()
        problems += check_webhooks(receiver, ledger, wait_s=float(os.environ.get("CRASH_WEBHOOK_WAIT", "60")))
        server.stop()
        log(f"stopped the server (exit {server.proc.returncode})")

        if args.postgres:
            url = with_database(args.postgres, pg_db)
            problems += count_rows(ledger, lambda q: int(psql(url, q)))
        else:
            db = sqlite3.connect(os.path.join(data_dir, "tessera.db"))
            result = [r[0] for r in db.execute("PRAGMA integrity_check")]
            log(f"  PRAGMA integrity_check: {', '.join(result)}")
            if result != ["ok"]:
                problems.append((None, f"integrity_check: {result}"))
            fk = db.execute("PRAGMA foreign_key_check").fetchall()
            if fk:
                problems.append((None, f"foreign_key_check: {fk[:5]}"))
            problems += count_rows(ledger, lambda q: db.execute(q).fetchone()[0])
            db.close()
    finally:
        load.stop.set()
        server.kill()
        pool.shutdown(wait=False)
        if pg_db and not args.work_dir:
            try:
                psql(args.postgres, f'DROP DATABASE IF EXISTS "{pg_db}" WITH (FORCE)')
            except SystemExit as e:
                log(f"could not drop {pg_db}: {e}")

    acked = ledger.total()
    problems += ledger.echo_mismatches
    lost = {pid for pid, _ in problems if pid}
    seen = set()
    for _, p in problems:
        if p not in seen and len(seen) < 50:
            seen.add(p)
            log(f"PROBLEM: {p}")
    if ledger.rejected:
        log("non-200 answers during the load: " + ", ".join(f"{k} x{v}" for k, v in sorted(ledger.rejected.items())))
    log(f"{ledger.down_errors} requests failed while the server was down (not acknowledged, not counted)")
    print(f"{backend}: {len(ledger.users)} users, {len(ledger.sessions)} sessions, {len(ledger.templates)} "
          f"templates acknowledged; minted from all {len(set(mint_ids))} templates after restarts")
    inv_attempted = sum(1 for v in ledger.invitations.values() if v["attempted"])
    inv_acked = sum(1 for v in ledger.invitations.values() if v["user"])
    org_attempted = sum(1 for v in ledger.org_invitations.values() if v["attempted"])
    org_acked = sum(1 for v in ledger.org_invitations.values() if v["accepted"])
    print(f"{backend}: {len(ledger.invitations)} invitations ({inv_attempted} acceptances sent, {inv_acked} acknowledged), "
          f"{len(ledger.org_invitations)} organization invitations ({org_attempted} acceptances sent, {org_acked} "
          f"acknowledged), each accepted whole or not at all")
    print(f"{backend}: {args.kills} kills, {acked} acknowledged writes, {len(lost)} lost")
    others = {p for pid, p in problems if not pid}
    if others:
        print(f"{backend}: {len(others)} other problems (see PROBLEM lines)")
    if problems:
        log(f"kept the data and server log in {work}")
    elif not args.work_dir:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
