"""Browser test of the case files in headless Chromium (Debian's /usr/bin/chromium): open a
case, add a testimony and a photo, find the case by legal name, open it."""

from __future__ import annotations

import os
import shutil
from io import BytesIO

import pytest
from django.conf import settings
from PIL import Image

from accounts.models import Role
from tests.casework.conftest import _media_root, reference_data  # noqa: F401 - fixtures
from tests.conftest import require_service, sign_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(autouse=True)
def _chromium_present():
    require_service("chromium", shutil.which(CHROMIUM) is not None, "apt install chromium")


def _photo() -> bytes:
    out = BytesIO()
    Image.new("RGB", (120, 80), (30, 140, 90)).save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.usefixtures("reference_data", "_media_root")
def test_a_caseworker_opens_a_case_adds_a_testimony_and_a_photo_and_finds_it(
    live_server, page, client, make_member
):
    caseworker = make_member("get-lost", Role.CASEWORKER)
    sign_in(client, caseworker)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    base = live_server.url

    page.goto(f"{base}/cases/new/")
    page.get_by_label("Pseudonym").fill("Falcon")
    page.get_by_label("Legal name").fill("Смирнов Алексей Петрович")
    page.get_by_label("Date of birth").fill("1991-04-12")
    page.get_by_label("Intake channel").select_option("secure_line")
    page.get_by_label("Legal category").select_option("deserter")
    page.get_by_label("Service category").select_option("contract_after")
    page.get_by_label("Country now").select_option("GE")
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_url(f"{base}/cases/GL-*/")
    reference = page.url.rstrip("/").rsplit("/", 1)[1]
    assert "The case has been opened." in page.content()

    page.get_by_role("link", name="Add a statement").click()
    page.locator("main").get_by_label("Language").select_option("ru")
    page.locator("#id_text").fill("Я отказался идти в штурм и ушёл из части.")
    page.get_by_label("The person consents").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{base}/cases/{reference}/")

    page.get_by_role("link", name="Add a document").click()
    page.locator("#id_document_type").select_option(label="Photo")
    page.locator("#id_file").set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
    )
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{base}/cases/{reference}/")
    assert "The document has been stored" in page.content()

    page.goto(f"{base}/cases/")
    page.get_by_label("Search by").select_option("name")
    page.get_by_label("Exact value").fill("смирнов  алексей петрович")
    page.get_by_role("button", name="Search").click()
    assert "1 match" in page.content()
    # The searched name is not in the address bar (POST).
    assert "смирнов" not in page.url.lower() and "%D1%81" not in page.url
    page.get_by_role("link", name=reference).click()
    page.wait_for_url(f"{base}/cases/{reference}/")
    body = page.content()
    assert "Смирнов Алексей Петрович" in body
    assert "Я отказался идти в штурм" in body
    assert "IMG_0001.jpg" in body
