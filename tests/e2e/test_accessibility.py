"""axe-core in headless Chromium on every page each persona reaches, in every language whose
catalogue exists: no serious or critical violation of WCAG 2.0, 2.1 and 2.2 (A and AA).

The pages are the permission matrix's (tests/test_permission_matrix.py): every GET row a
persona gets 200 for, on the matrix's world. One browser, one signed-in context per persona
and language; the dark colour scheme once, in English.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from tests.casework.conftest import _media_root, reference_data  # noqa: F401 - fixtures
from tests.conftest import require_service, sign_in
from tests.e2e.axe import AXE_PATH, AXE_SOURCE, axe_violations, describe
from tests.test_permission_matrix import PERSONAS, ROWS, World, build_world

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# GET rows that answer with something other than an HTML page (a file, JSON, a CSV).
NOT_HTML = {
    "healthz",
    "otp_webauthn:js-i18n-catalog",
    "casework:document_download",
    "stats:release_csv",
    "stats:table_csv",
}


def languages() -> list[str]:
    """English, and every configured language whose catalogue is in locale/."""
    locale = Path(django_settings.BASE_DIR) / "locale"
    return [
        code
        for code, _name in django_settings.LANGUAGES
        if code == "en" or (locale / code / "LC_MESSAGES" / "django.po").exists()
    ]


# Every language in the light scheme; the dark scheme's colours once, in English.
RUNS = [(code, "light") for code in languages()] + [("en", "dark")]


@pytest.fixture
def compiled(settings):
    """Every catalogue compiled from its committed .po, and the translation caches reset."""
    require_service("msgfmt", shutil.which("msgfmt") is not None, "apt-get install gettext")
    codes = [code for code in languages() if code != "en"]
    call_command("compilemessages", locale=codes, ignore_patterns=[".venv"], stdout=StringIO())
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS]


# The error pages, once each: a case out of reach (404), a page of it without the right (403).
ERROR_PAGES = {"outsider": "casework:case_detail", "caseworker": "casework:identity_edit"}


def pages_of(world: World, persona: str) -> list[tuple[str, str, int]]:
    """(row key, path, status) of every HTML page ``persona`` opens with a 200, and of the
    error page it is shown (ERROR_PAGES)."""
    pages = [
        (key, entry.path(world), 200)
        for key, entry in sorted(ROWS.items())
        if entry.method == "get" and entry.expected[persona] == 200 and key not in NOT_HTML
    ]
    if persona in ERROR_PAGES:
        entry = ROWS[ERROR_PAGES[persona]]
        pages.append((ERROR_PAGES[persona], entry.path(world), entry.expected[persona]))
    return pages


def persona_context(browser, world: World, persona: str, base: str, language: str, scheme: str):
    """A browser context for ``persona``, signed in as the matrix signs in, in ``language``
    (the language cookie, the browser's locale and the account's preferred language)."""
    context = browser.new_context(locale=language, color_scheme=scheme)
    context.set_default_timeout(15_000)
    cookies = [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
    if persona != "anonymous":
        user = world.users[persona]
        User.objects.filter(pk=user.pk).update(preferred_language=language)
        client = sign_in(Client(), user, verified=persona != "password_only")
        session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        cookies.append({"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": base})
    context.add_cookies(cookies)
    return context


# tests/e2e/vendor/README.md: axe-core 4.14.1 as the npm registry's tarball holds it.
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"


def test_the_vendored_axe_is_the_recorded_release():
    assert AXE_SOURCE.startswith("/*! axe v4.14.1")
    assert hashlib.sha256(AXE_PATH.read_bytes()).hexdigest() == AXE_SHA256


def test_axe_reports_what_it_must(page):
    """The harness sees violations: an unlabelled field, an image without text, grey on grey."""
    page.set_content(
        '<!doctype html><html lang="en"><title>t</title><body><main>'
        '<input type="text"><img src="data:,">'
        '<p style="color:#aaa;background:#bbb">faint</p></main></body></html>'
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"label", "image-alt", "color-contrast"} <= found


@pytest.mark.usefixtures("reference_data", "_media_root", "compiled")
@pytest.mark.parametrize(("language", "scheme"), RUNS)
def test_every_page_of_every_persona_passes_axe(
    live_server, browser, make_member, language, scheme
):
    world = build_world(make_member)
    base = live_server.url
    found: dict[str, list[str]] = {}
    checked = 0
    for persona in PERSONAS:
        pages = pages_of(world, persona)
        if not pages:
            continue
        context = persona_context(browser, world, persona, base, language, scheme)
        page = context.new_page()
        try:
            for key, path, status in pages:
                response = page.goto(base + path)
                assert response is not None and response.status == status, (persona, key)
                assert page.locator("html").get_attribute("lang") == language, (persona, key)
                checked += 1
                for violation in axe_violations(page):
                    found.setdefault(violation["id"], []).append(
                        f"{persona} {key}: {describe(violation)}"
                    )
        finally:
            context.close()
    # Every persona's pages (the matrix lists well over a hundred persona × page pairs).
    assert checked > 100, checked
    report = "\n".join(f"{rule}:\n  " + "\n  ".join(hits[:8]) for rule, hits in found.items())
    assert not found, f"axe: serious or critical violations ({language}, {scheme}):\n{report}"
