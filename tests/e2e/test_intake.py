"""Browser test of the one-page intake in headless Chromium: the person, the case, contact,
where the person is, the first statement and two documents in one submission, from the
keyboard (the page opens on the pseudonym; Enter in a field saves). Two page loads: the
form and the case it opened, whose table of contents links every section."""

from __future__ import annotations

import os
import shutil
from io import BytesIO

import pytest
from django.conf import settings
from PIL import Image

from accounts.models import Role
from casework import models
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


def _jpeg(colour) -> bytes:
    out = BytesIO()
    Image.new("RGB", (60, 40), colour).save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.usefixtures("reference_data", "_media_root")
def test_a_full_intake_on_one_page(live_server, page, client, make_member):
    caseworker = make_member("get-lost", Role.CASEWORKER)
    sign_in(client, caseworker)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    base = live_server.url

    page.goto(f"{base}/cases/new/")
    # The page opens with the cursor in the pseudonym: typing starts the intake.
    page.keyboard.type("Falcon")
    page.get_by_label("Legal name").fill("Смирнов Алексей Петрович")
    page.get_by_label("Intake channel").select_option("secure_line")
    page.get_by_label("Legal category").select_option("deserter")
    page.get_by_label("Service category").select_option("contract_after")
    page.get_by_label("Phone numbers").fill("+7 916 123 45 67")
    page.get_by_label("Country now").select_option("KZ")
    page.get_by_label("Entered this country on").fill("2026-09-18")
    page.get_by_label("First statement").fill("Я отказался идти в штурм и ушёл из части.")
    page.get_by_label("The person consents").check()
    page.get_by_label("Type of document 1").select_option(label="Photo")
    page.locator("#id_file_1").set_input_files(
        files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((9, 90, 9))}]
    )
    page.get_by_label("Type of document 2").select_option(label="Summons (paper with stamp)")
    page.locator("#id_file_2").set_input_files(
        files=[{"name": "summons.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((90, 9, 9))}]
    )
    # Enter in a field saves the whole intake.
    page.get_by_label("Region").fill("Almaty")
    page.get_by_label("Region").press("Enter")
    page.wait_for_url(f"{base}/cases/GL-*/")
    assert "The case has been opened." in page.content()

    case = models.Case.objects.get()
    assert models.Testimony.objects.filter(case=case).count() == 1
    assert models.Document.objects.filter(case=case).count() == 2
    toc = page.locator("nav.toc")
    for name in ("Contact", "Location and route", "Testimony", "Documents"):
        assert toc.get_by_role("link", name=name, exact=True).count() == 1
    page.locator("nav.toc").get_by_role("link", name="Documents", exact=True).click()
    assert page.url.endswith("#section-documents")
    body = page.content()
    for shown in (
        "Смирнов Алексей Петрович",
        "+7 916 123 45 67",
        "Almaty",
        "2026-09-18",
        "Я отказался идти в штурм",
        "IMG_0001.jpg",
        "summons.jpg",
    ):
        assert shown in body, shown
