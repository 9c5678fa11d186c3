"""Browser test in headless Chromium: a seized laptop's browser keeps no case data. After a
caseworker opens a case page and moves on, sessionStorage and localStorage are empty (a
history cache such as htmx's would keep page snapshots there)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from accounts.models import Role
from casework import services
from tests.casework.conftest import _media_root, reference_data  # noqa: F401 - fixtures
from tests.casework.conftest import open_case as open_case  # noqa: F401 - fixture
from tests.conftest import sign_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TESTIMONY = "STORAGEMARK7731"
STORAGE_LENGTHS = "() => [window.sessionStorage.length, window.localStorage.length]"


@pytest.mark.usefixtures("reference_data", "_media_root")
def test_a_case_page_leaves_nothing_in_browser_storage(
    live_server,
    page,
    client,
    make_member,
    open_case,  # noqa: F811
):
    caseworker = make_member("get-lost", Role.CASEWORKER)
    case = open_case(by=caseworker)
    services.testimony_add(
        case=case, by=caseworker, language="ru", text=TESTIMONY, consent_dossier=False
    )
    sign_in(client, caseworker)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    base = live_server.url
    case_url = f"{base}/cases/{case.reference}/"

    page.goto(f"{base}/cases/")
    page.goto(case_url)
    assert TESTIMONY in page.content()
    assert page.evaluate(STORAGE_LENGTHS) == [0, 0]

    # Leaving the page is when a history cache would save its snapshot.
    page.goto(f"{base}/")
    page.go_back()
    page.wait_for_url(case_url)
    assert page.evaluate(STORAGE_LENGTHS) == [0, 0]
    assert page.evaluate("() => typeof window.htmx") == "undefined"
