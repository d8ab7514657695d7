"""Browser tests of the console (/console), driving Debian's headless Chromium through WebDriver.

Run by scripts/browser.sh, which installs chromium, chromium-driver and selenium (in a venv) and
builds the binary. Starts `tessera serve --ephemeral` (the console is on in emulator mode), seeds it
through the Backend API, then: signs in, checks the cookie and headers, a user named `<script>`
stays text, creates a template, watches the live preview update, fixes a Hasura lint, mints and
decodes a token, revokes a session, and refuses writes without the CSRF token. Saves a screenshot
of the playground (target/browser/console-playground.png; copied to docs/ with UPDATE_SCREENSHOT=1).
"""

import base64
import http.cookiejar
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

SECRET = "sk_test_console_browser_" + "7" * 24
HASURA = "https://hasura.io/jwt/claims"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECKS = []


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    CHECKS.append(what)
    print(f"ok {len(CHECKS):2d} {what}", flush=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data = tempfile.mkdtemp(prefix="tessera-browser-")
        self.log = open(os.path.join(self.data, "server.log"), "w")
        self.proc = subprocess.Popen(
            [binary, "serve", "--ephemeral", "--secret-key", SECRET, "--listen", f"127.0.0.1:{self.port}",
             "--data-dir", self.data],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except Exception:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("the server did not start; see " + self.log.name)

    def api(self, method, path, body=None):
        req = urllib.request.Request(self.base + "/v1" + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + SECRET, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def raw(self, method, path, data=None, headers=None):
        """A request without following redirects: (status, headers, body)."""
        opener = urllib.request.build_opener(NoRedirect)
        req = urllib.request.Request(self.base + path, method=method, data=data, headers=headers or {})
        try:
            with opener.open(req, timeout=10) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=1360,980", "--hide-scrollbars"):
        opts.add_argument(a)
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(options=opts, service=service)


def b64json(seg):
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def main():
    binary = os.environ.get("TESSERA_BIN") or os.path.join(ROOT, "target", "debug", "tessera")
    srv = Server(binary)
    d = None
    try:
        ada = srv.api("POST", "/users", {"email_address": ["ada@example.com"], "first_name": "Ada",
                                         "last_name": "Lovelace", "public_metadata": {"plan": "pro"}})
        evil_name = "<script>window.__xss=1</script>"
        evil = srv.api("POST", "/users", {"email_address": ["eve@example.com"], "first_name": evil_name,
                                          "last_name": "<img src=x onerror=\"window.__xss=2\">"})
        org = srv.api("POST", "/organizations", {"name": "Acme <b>Corp</b>", "created_by": ada["id"]})
        s1 = srv.api("POST", "/sessions", {"user_id": ada["id"], "active_organization_id": org["id"]})
        s2 = srv.api("POST", "/sessions", {"user_id": ada["id"]})

        # Headers and sign-in protection, without a browser.
        status, headers, _ = srv.raw("GET", "/console/login")
        csp = headers.get("Content-Security-Policy", "")
        check(status == 200 and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
              and "unsafe-inline" not in csp, "the console sends a CSP without inline script and denies framing")
        check(headers.get("X-Frame-Options") == "DENY", "X-Frame-Options: DENY")
        status, _, _ = srv.raw("POST", "/console/login", data=urllib.parse.urlencode({"secret_key": SECRET}).encode(),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        check(status == 403, "signing in without the form's CSRF token is refused")
        status, headers, _ = srv.raw("GET", "/console/users")
        check(status in (302, 303, 307) and headers.get("Location") == "/console/login",
              "pages redirect to sign-in without a session")

        d = browser()
        # A condition that finds an element just before the page is replaced (a form post navigates)
        # is tried again rather than failing on the stale element; one never met still times out.
        wait = WebDriverWait(d, 10, ignored_exceptions=[StaleElementReferenceException])
        pages = []

        def visit(path):
            d.get(srv.base + path)
            pages.append(d.page_source)

        # Sign in: a wrong key first, then the right one.
        visit("/console/users")
        check(d.current_url.endswith("/console/login"), "the browser lands on the sign-in page")
        d.find_element(By.ID, "secret_key").send_keys("sk_test_wrong")
        d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        check("not a secret key" in d.find_element(By.CSS_SELECTOR, ".error").text, "a wrong secret key is refused")
        d.find_element(By.ID, "secret_key").send_keys(SECRET)
        d.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        wait.until(lambda d: d.current_url.endswith("/console/users"))
        pages.append(d.page_source)
        cookie = d.get_cookie("tessera_console")
        check(cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict" and SECRET not in cookie["value"],
              "the console session is an HttpOnly SameSite=Strict cookie that is not the secret key")
        session_cookie = "tessera_console=" + cookie["value"]

        # XSS: the user named <script> stays text, on the list and on their page.
        rows = d.find_elements(By.CSS_SELECTOR, "#users tbody tr")
        check(len(rows) == 2, "the users page lists both users")
        link = d.find_element(By.PARTIAL_LINK_TEXT, "<script>")
        check(evil_name in link.text, "a user named <script> is shown as text")
        link.click()
        wait.until(lambda d: evil["id"] in d.current_url)
        pages.append(d.page_source)
        check(d.execute_script("return window.__xss === undefined"), "no script or handler from user data ran")
        check(evil_name in d.find_element(By.TAG_NAME, "h1").text, "the user page shows the name as text")

        # Search.
        visit("/console/users?query=ada")
        check(len(d.find_elements(By.CSS_SELECTOR, "#users tbody tr")) == 1, "searching users finds Ada alone")
        visit("/console/organizations")
        check("Acme <b>Corp</b>" in d.find_element(By.CSS_SELECTOR, "#organizations").text,
              "organizations are listed, their names escaped")
        d.find_element(By.PARTIAL_LINK_TEXT, "Acme").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#members tbody tr"))
        check("org:admin" in d.find_element(By.ID, "members").text, "an organization page lists its members and roles")
        visit("/console/keys")
        jwks = srv.raw("GET", "/.well-known/jwks.json")[2]
        kids = [k["kid"] for k in json.loads(jwks)["keys"]]
        check(kids[0] in d.find_element(By.ID, "keys").text and "signing" in d.find_element(By.ID, "keys").text,
              "the keys page shows the instance key and that it signs")

        # Create a template with a Hasura mistake.
        visit("/console/templates/new")
        claims = {HASURA: {"x-hasura-default-role": "admin", "x-hasura-allowed-roles": ["user"],
                           "x-hasura-user-id": "{{user.id}}"}}
        d.find_element(By.ID, "name").send_keys("hasura")
        area = d.find_element(By.ID, "claims")
        area.clear()
        area.send_keys(json.dumps(claims, indent=2))
        d.find_element(By.ID, "save").click()
        wait.until(lambda d: "/console/templates/jtmp_" in d.current_url)
        pages.append(d.page_source)
        template_id = d.current_url.rsplit("/", 1)[1]
        check(any(t["id"] == template_id for t in srv.api("GET", "/jwt_templates")), "the template was created")
        lint = lambda: d.find_element(By.ID, "lints").text
        check("hasura_default_role_not_allowed" in lint(), "the preview flags the Hasura default role")

        # Watch the live preview follow the editor.
        Select(d.find_element(By.ID, "subject")).select_by_value("session:" + s1["id"])
        claims[HASURA]["x-hasura-org"] = "{{org.slug}}"
        claims["plan"] = "{{user.public_metadata.plan}}"
        area = d.find_element(By.ID, "claims")
        area.clear()
        area.send_keys(json.dumps(claims, indent=2))
        wait.until(lambda d: '"plan": "pro"' in d.find_element(By.ID, "preview-claims").text)
        check(org["slug"] in d.find_element(By.ID, "preview-claims").text,
              "the preview updates live with the chosen session's claims")
        check(len(d.find_element(By.ID, "timeline").find_elements(By.TAG_NAME, "li")) == 3
              and "bytes signed" in d.find_element(By.ID, "size").text,
              "the preview shows the token size and the nbf/iat/exp timeline")

        # Fix the Hasura lint.
        claims[HASURA]["x-hasura-allowed-roles"] = ["user", "admin"]
        area.clear()
        area.send_keys(json.dumps(claims, indent=2))
        wait.until(lambda d: "hasura_default_role_not_allowed" not in lint() and "No findings" in lint())
        check(True, "fixing the allowed roles clears the Hasura lint")
        d.save_screenshot(os.path.join(ROOT, "target", "browser", "console-playground.png"))
        old = d.find_element(By.ID, "lints")
        d.find_element(By.ID, "save").click()
        wait.until(staleness_of(old))
        check("hasura_default_role_not_allowed" not in lint(), "the saved template previews without the Hasura lint")
        stored = srv.api("GET", "/jwt_templates/" + template_id)
        check(stored["claims"][HASURA]["x-hasura-allowed-roles"] == ["user", "admin"], "the fix was saved")

        # Mint a real token and decode it.
        Select(d.find_element(By.ID, "mint-session")).select_by_value(s1["id"])
        d.find_element(By.ID, "mint-button").click()
        wait.until(lambda d: d.find_element(By.ID, "jwt").get_attribute("value"))
        jwt = d.find_element(By.ID, "jwt").get_attribute("value")
        header, payload = (b64json(p) for p in jwt.split(".")[:2])
        shown = json.loads(d.find_element(By.ID, "jwt-claims").text)
        check(shown == payload and payload["sub"] == ada["id"]
              and payload[HASURA]["x-hasura-default-role"] == "admin"
              and payload[HASURA]["x-hasura-org"] == org["slug"], "a minted token decodes to the claims shown")
        check(header["kid"] in kids, "the minted token is signed by a key of the JWKS")
        d.find_element(By.ID, "copy-button").click()
        wait.until(lambda d: d.find_element(By.ID, "mint-status").text == "copied")
        check(True, "the token can be copied")

        # Revoke a session.
        visit("/console/users/" + ada["id"])
        row = d.find_element(By.CSS_SELECTOR, f'tr[data-session="{s2["id"]}"]')
        row.find_element(By.CSS_SELECTOR, "button.danger").click()
        wait.until(staleness_of(row))  # the form post answers with the user's page again
        wait.until(lambda d: "revoked" in d.find_element(By.CSS_SELECTOR, f'tr[data-session="{s2["id"]}"] .status').text)
        check(srv.api("GET", "/sessions/" + s2["id"])["status"] == "revoked", "revoking a session in the console revokes it")

        # CSRF: writes with the session cookie but without (or with a wrong) token are refused.
        form = urllib.parse.urlencode({"csrf": "0" * 64}).encode()
        for data, what in ((b"", "no"), (form, "a wrong")):
            status, _, _ = srv.raw("POST", f"/console/sessions/{s1['id']}/revoke", data=data,
                                   headers={"Cookie": session_cookie,
                                            "Content-Type": "application/x-www-form-urlencoded"})
            check(status == 403, f"a revoke with {what} CSRF token is refused")
        check(srv.api("GET", "/sessions/" + s1["id"])["status"] == "active", "the session was not revoked")
        status, _, _ = srv.raw("POST", "/console/api/mint",
                               data=json.dumps({"session_id": s1["id"], "template": "hasura"}).encode(),
                               headers={"Cookie": session_cookie, "Content-Type": "application/json"})
        check(status == 403, "the JSON endpoints refuse a request without X-CSRF-Token")
        check(all(SECRET not in p for p in pages) and all(SECRET not in u for u in (d.current_url,)),
              "the secret key never appears in a page or a URL")

        # Sign out ends the session.
        d.find_element(By.CSS_SELECTOR, "form.signout button").click()
        wait.until(lambda d: d.current_url.endswith("/console/login"))
        status, headers, _ = srv.raw("GET", "/console/users", headers={"Cookie": session_cookie})
        check(status in (302, 303, 307), "after signing out the old cookie opens nothing")
    finally:
        if d is not None:
            d.quit()
        srv.stop()
    shot = os.path.join(ROOT, "target", "browser", "console-playground.png")
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        shutil.copy(shot, os.path.join(ROOT, "docs", "console-playground.png"))
    print(f"browser: {len(CHECKS)} checks passed")


if __name__ == "__main__":
    os.makedirs(os.path.join(ROOT, "target", "browser"), exist_ok=True)
    try:
        main()
    except Exception as e:  # noqa: BLE001 - report and fail
        print(f"FAILED after {len(CHECKS)} checks: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
