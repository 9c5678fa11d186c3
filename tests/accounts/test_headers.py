"""Security headers on anonymous and signed-in pages, in dev and with production settings."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]
ANONYMOUS_PAGES = ["accounts:login"]
# Pages every verified member reaches, and the org admin's own.
MEMBER_PAGES = ["dashboard", "accounts:security", "accounts:sessions"]
ADMIN_PAGES = ["accounts:members", "accounts:invite"]


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_hardened(response) -> None:
    """The headers every Waypoint response carries, and an HTML body that obeys the CSP."""
    directives = csp_directives(response)
    header = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    assert directives["default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    # Only our own origin, never a third party.
    for sources in directives.values():
        for source in sources:
            assert source.startswith("'") or source in {"data:"}, source
    # django-csp adds a nonce only to responses that use it (a page with scripts).
    nonces = [s for s in directives["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) <= 1
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    cache_control = {v.strip() for v in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control
    if response["Content-Type"].startswith("text/html") and response.content:
        html = response.content.decode()
        nonce = nonces[0][len("'nonce-") : -1] if nonces else None
        scripts = re.findall(r"<script\b[^>]*>", html)
        for tag in scripts:
            # JSON data blocks are never executed; everything else needs this response's nonce.
            if 'type="application/json"' not in tag:
                assert nonce is not None and f'nonce="{nonce}"' in tag, tag
        assert not re.search(r"\sstyle\s*=", html), "inline style attributes break the CSP"
        assert "<style" not in html
        assert not re.search(r"\son[a-z]+\s*=", html), "inline event handlers break the CSP"
        # Scripts, styles and images come from our own origin (no CDN).
        assert not re.search(r"<(?:script|link|img)\b[^>]*(?:src|href)=\"(?:https?:)?//", html)


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_anonymous_pages_carry_the_security_headers(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_hardened(response)


def test_the_nonce_changes_with_every_response(client, caseworker_getlost):
    # The security page loads the passkey scripts, so its responses carry a nonce.
    sign_in(client, caseworker_getlost)
    first = csp_directives(client.get(reverse("accounts:security")))["script-src"]
    second = csp_directives(client.get(reverse("accounts:security")))["script-src"]
    assert any(source.startswith("'nonce-") for source in first)
    assert first != second


def test_a_redirect_for_an_anonymous_visitor_is_not_cached(client, db):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]


def test_a_missing_page_carries_the_security_headers(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_member_pages_carry_the_security_headers(client, caseworker_getlost, name):
    sign_in(client, caseworker_getlost)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_hardened(response)


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_org_admin_pages_carry_the_security_headers(client, admin_getlost, name):
    sign_in(client, admin_getlost)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_hardened(response)


def test_a_password_only_page_carries_the_security_headers(client, caseworker_getlost):
    sign_in(client, caseworker_getlost, verified=False)
    response = client.get(reverse("accounts:verify"))
    assert response.status_code == 200
    assert_hardened(response)


def test_static_files_are_not_framed_or_sniffed(client, db):
    response = client.get("/static/waypoint/waypoint.css")
    try:
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"].startswith("text/css")
        assert b".card" in b"".join(response.streaming_content)
    finally:
        response.close()


# --- production settings, in a process of their own ----------------------------------------

PRODUCTION_SCRIPT = """
import json
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from accounts.models import User

host = "waypoint.example.org"
client = Client(HTTP_HOST=host)
out = {}
plain = client.get("/accounts/login/")
out["plain"] = [plain.status_code, plain.get("Location", "")]
page = client.get("/accounts/login/", secure=True)
proxied = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
spoofed = client.get(
    "/accounts/login/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="203.0.113.9"
)
out["proxied"] = proxied.status_code
out["spoofed"] = [spoofed.status_code, spoofed.get("Location", "")]
out["page"] = [page.status_code, dict(page.headers)]
lang = client.post("/i18n/setlang/", {"language": "ru", "next": "/"}, secure=True)
user = User.objects.create_user("someone@example.org", "a long enough password 1")
client.force_login(user)
signed_in = client.get("/", secure=True)
out["signed_in"] = [signed_in.status_code, dict(signed_in.headers)]


def cookie(response, name):
    morsel = response.cookies.get(name)
    if morsel is None:
        return None
    return {key: morsel[key] for key in ("path", "domain", "secure", "httponly", "samesite")}


out["cookies"] = {
    "csrf": cookie(page, "__Host-csrftoken"),
    "language": cookie(lang, "__Host-language"),
    "session": cookie(signed_in, "__Host-sessionid"),
    "others": sorted(set(page.cookies) | set(lang.cookies) | set(signed_in.cookies)),
}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """Responses and cookies of a production-configured Waypoint (SQLite, no network)."""
    from vault.keyring import generate

    tmp = tmp_path_factory.mktemp("production")
    (tmp / "keyring.json").write_text(generate().to_json(), encoding="utf-8")
    env = {
        "WAYPOINT_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "x" * 60,
        "WAYPOINT_KEYRING_FILE": str(tmp / "keyring.json"),
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "EMAIL_URL": "smtp://127.0.0.1:587",
        "ALLOWED_HOSTS": "waypoint.example.org",
        "WAYPOINT_VAR_DIR": str(tmp / "var"),
        "WAYPOINT_STATIC_ROOT": str(tmp / "static"),
    }
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_redirects_plain_http_to_https(production):
    status, location = production["plain"]
    assert status == 301
    assert location == "https://waypoint.example.org/accounts/login/"


def test_production_believes_the_forwarded_scheme_only_from_the_proxy(production):
    # nginx on 127.0.0.1 says the client used HTTPS: the page is served.
    assert production["proxied"] == 200
    # Anyone else saying so directly to the application server is redirected as plain HTTP.
    assert production["spoofed"] == [301, "https://waypoint.example.org/accounts/login/"]


def test_production_sends_hsts_with_preload(production):
    status, headers = production["page"]
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"


def test_production_signed_in_pages_are_not_stored(production):
    status, headers = production["signed_in"]
    assert status == 302  # a password alone reaches only the second-factor pages
    assert "no-store" in headers["Cache-Control"]
    assert "Strict-Transport-Security" in headers


@pytest.mark.parametrize("name", ["csrf", "language", "session"])
def test_production_cookies_are_host_only_and_secure(production, name):
    cookie = production["cookies"][name]
    assert cookie is not None, f"no __Host- {name} cookie was set"
    assert cookie["secure"] is True
    assert cookie["path"] == "/"
    assert cookie["domain"] == ""
    assert cookie["httponly"] is True
    assert cookie["samesite"] in {"Lax", "Strict"}


def test_production_sets_no_cookie_without_the_host_prefix(production):
    assert production["cookies"]["others"] == [
        "__Host-csrftoken",
        "__Host-language",
        "__Host-sessionid",
    ]


def test_a_missing_page_is_a_calm_page_in_the_layout(client, db):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert "<title>Page not found · Waypoint</title>" in html
    assert 'href="/static/waypoint/waypoint.css"' in html


def test_the_server_error_page_renders_without_a_request():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "<title>Something went wrong · Waypoint</title>" in html
    assert "<script" not in html


# --- CSRF under no-referrer -------------------------------------------------------------------
# With Referrer-Policy: no-referrer, browsers send `Origin: null` on a form posting to its own
# site; Sec-Fetch-Site (set by the browser, never by a page) tells us it is same-origin.


@pytest.fixture
def strict_client(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.get(reverse("accounts:login"))  # sets the CSRF cookie
    return client


def post_language(client, *, token: bool = True, **headers):
    data = {"language": "en", "next": "/accounts/login/"}
    if token:
        data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    return client.post(reverse("set_language"), data, **headers)


def test_a_same_origin_form_with_a_null_origin_is_accepted(strict_client):
    response = post_language(strict_client, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 302


@pytest.mark.parametrize("site", ["cross-site", "same-site", "none"])
def test_a_null_origin_from_elsewhere_is_refused(strict_client, site):
    response = post_language(strict_client, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE=site)
    assert response.status_code == 403


def test_a_null_origin_without_fetch_metadata_is_refused(strict_client):
    assert post_language(strict_client, HTTP_ORIGIN="null").status_code == 403


def test_the_csrf_token_is_still_required_for_a_same_origin_post(strict_client):
    response = post_language(
        strict_client, token=False, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert response.status_code == 403


def test_another_site_cannot_pass_as_same_origin(strict_client):
    response = post_language(
        strict_client, HTTP_ORIGIN="https://evil.example", HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("peer", "trusted"),
    [("127.0.0.1", True), ("10.8.0.7", True), ("10.9.0.1", False), ("not-an-ip", False)],
)
def test_forwarded_headers_count_only_from_trusted_proxies(rf, settings, peer, trusted):
    from accounts.middleware import TrustedProxyMiddleware

    settings.WAYPOINT_TRUSTED_PROXIES = ["127.0.0.1", "10.8.0.0/24"]
    seen = {}

    def view(request):
        seen.update(request.META)
        return None

    request = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.1", HTTP_X_FORWARDED_PROTO="https")
    request.META["REMOTE_ADDR"] = peer
    TrustedProxyMiddleware(view)(request)
    assert ("HTTP_X_FORWARDED_FOR" in seen) is trusted
    assert ("HTTP_X_FORWARDED_PROTO" in seen) is trusted
