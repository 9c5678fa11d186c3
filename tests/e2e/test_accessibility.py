"""axe-core in headless Chromium on every page each persona reaches, in every language whose
catalogue exists: no serious or critical violation of WCAG 2.0, 2.1 and 2.2 (A and AA).

The pages are the permission matrix's (tests/test_permission_matrix.py): every GET row a
persona gets 200 for, on the matrix's world, and the 403 and 404 pages. In English, every
persona opens all of its pages; in every other language, and in the dark colour scheme, each
page is opened once, as the persona who sees the most of it (ONCE_AS). One browser, one world,
one signed-in context per persona and run.
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


# Every language in the light scheme, English first; the dark scheme's colours in English.
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
    # axe-core in every page of the context before the page's own scripts (by the DevTools
    # protocol, so the Content-Security-Policy stays as users get it): a quarter faster than
    # sending it to each page after it loads.
    context.add_init_script(AXE_SOURCE)
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


# The other runs open every page once, as the first persona here that reaches it (the one who
# sees the most of it): what changes with the language or the colours is the same for all.
ONCE_AS = (
    "assigned",
    "admin_glass",
    "lawyer_with",
    "admin",
    "coordinator",
    "caseworker",
    "outsider",
    "lawyer_without",
    "password_only",
    "anonymous",
)


def visits(world: World, language: str, scheme: str) -> list[tuple[str, list]]:
    """(persona, pages) to check in one run: the full matrix in English (light), else each
    page once."""
    if (language, scheme) == RUNS[0]:
        return [(persona, pages_of(world, persona)) for persona in PERSONAS]
    seen: set[str] = set()
    plan = []
    for persona in ONCE_AS:
        pages = [page for page in pages_of(world, persona) if page[0] not in seen]
        seen.update(page[0] for page in pages)
        plan.append((persona, pages))
    return plan


def check_run(browser, world: World, base: str, language: str, scheme: str) -> list[str]:
    """Opens the run's pages, each persona in its own signed-in context; returns one line per
    serious or critical violation found."""
    found = []
    for persona, pages in visits(world, language, scheme):
        if not pages:
            continue
        context = persona_context(browser, world, persona, base, language, scheme)
        page = context.new_page()
        try:
            for key, path, status in pages:
                response = page.goto(base + path)
                assert response is not None and response.status == status, (persona, key)
                assert page.locator("html").get_attribute("lang") == language, (persona, key)
                for violation in axe_violations(page):
                    found.append(f"{language} {scheme} {persona} {key}: {describe(violation)}")
        finally:
            context.close()
    return found


@pytest.mark.usefixtures("reference_data", "_media_root", "compiled")
def test_every_page_of_every_persona_passes_axe(live_server, browser, make_member):
    """One world for every run (building it is the slow part)."""
    world = build_world(make_member)
    pairs = sum(len(pages) for _persona, pages in visits(world, *RUNS[0]))
    # The matrix gives the personas well over a hundred pages between them.
    assert pairs > 100, pairs
    found = []
    for language, scheme in RUNS:
        found += check_run(browser, world, live_server.url, language, scheme)
    assert not found, "axe: serious or critical violations:\n" + "\n".join(found)
