"""Browser test of the contact page in headless Chromium with JavaScript off (Tor Browser at
its safest setting runs no script): a person writes and attaches a photo, gets a reply
phrase, a caseworker answers from the case page, the phrase reads the answer and a follow-up
joins the intake. Every request is recorded: none leaves this machine, and the person's
browser holds no cookie at any point. A wrong phrase and a spent hourly budget are told
clearly."""

from __future__ import annotations

import os
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from PIL import Image

from accounts.models import Role
from audit.models import AuditEvent
from casework.models import Case, Document, Status
from intake.contact import views
from intake.models import Conversation, Direction, Message
from tests.casework.conftest import _media_root, reference_data  # noqa: F401 - fixtures
from tests.conftest import sign_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LOCAL = {"127.0.0.1", "localhost"}
MESSAGE = "Меня мобилизовали, я ушёл из части и прячусь. Что делать?"
ANSWER = "Мы получили ваше сообщение. Напишите, в какой стране вы сейчас."


def _photo() -> bytes:
    out = BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMakerMRK"
    Image.new("RGB", (60, 40), (9, 90, 9)).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _person(browser, requests: list[str]):
    """A browser context like Tor Browser at its safest level: no JavaScript. Every request
    is recorded; one to another host would be aborted (and fail the test)."""
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)

    def record(route):
        requests.append(route.request.url)
        if urlsplit(route.request.url).hostname in LOCAL:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", record)
    return context


def _caseworker_page(browser, client, user, base: str):
    sign_in(client, user)
    context = browser.new_context()
    context.set_default_timeout(10_000)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    return context.new_page()


def _read(page, base: str, phrase: str) -> None:
    page.goto(f"{base}/contact/replies/?lang=en")
    page.get_by_label("Your reply phrase").fill(phrase)
    page.get_by_role("button", name="Show answers").click()


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.usefixtures("reference_data", "_media_root")
def test_a_person_writes_without_javascript_and_reads_the_answer_with_the_phrase(
    live_server, browser, client, make_member
):
    make_member("get-lost", Role.ORG_ADMIN)
    caseworker = make_member("get-lost", Role.CASEWORKER)
    base = live_server.url
    requests: list[str] = []
    person = _person(browser, requests)
    page = person.new_page()

    page.goto(f"{base}/contact/?lang=en")
    assert person.cookies() == []
    page.get_by_label("Your message").fill(MESSAGE)
    page.get_by_label("One document (optional)").set_input_files(
        files=[{"name": "IMG_0007.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
    )
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Send").click()
    words = page.locator("[data-testid=reply-phrase] li").all_inner_texts()
    assert len(words) == 6
    phrase = " ".join(words)
    assert person.cookies() == []

    case = Case.objects.get()
    assert case.status == Status.INTAKE
    assert Document.objects.filter(case=case).count() == 1

    # A caseworker takes the intake on and answers from the case page's reply box.
    staff = _caseworker_page(browser, client, caseworker, base)
    staff.goto(f"{base}/intake/{case.reference}/take/")
    staff.get_by_label("Legal category").select_option("deserter")
    staff.get_by_label("Service category").select_option("mobilised")
    staff.get_by_role("button", name="Take it on").click()
    staff.goto(f"{base}/cases/{case.reference}/")
    assert MESSAGE in staff.locator("#conversation").inner_text()
    staff.get_by_label("Reply").fill(ANSWER)
    staff.get_by_role("button", name="Send the reply").click()
    staff.wait_for_load_state()
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 1

    _read(page, base, phrase.upper())
    assert ANSWER in page.locator("[data-testid=answer]").inner_text()
    page.get_by_label("Write to us again").fill("Я в Казахстане.")
    page.get_by_role("button", name="Send").click()
    assert str(views.FOLLOWUP_SAVED) in page.content()
    conversation = Conversation.objects.get()
    assert conversation.messages.filter(direction=Direction.INBOUND).count() == 2

    # A wrong phrase: a clear message, nothing shown, nothing changed.
    before = (Message.objects.count(), AuditEvent.objects.count())
    words[0] = "abandon" if words[0] != "abandon" else "ability"
    _read(page, base, " ".join(words))
    assert str(views.ERR_PHRASE_UNKNOWN) in page.content() and ANSWER not in page.content()
    assert (Message.objects.count(), AuditEvent.objects.count()) == before

    assert person.cookies() == []
    assert requests and all(urlsplit(url).hostname in LOCAL for url in requests), requests
    person.close()


@pytest.mark.usefixtures("reference_data", "_media_root")
def test_over_the_hourly_budget_the_page_says_so_and_the_admins_are_alerted(
    live_server, browser, make_member, settings
):
    settings.WAYPOINT_CONTACT_HOURLY_BUDGET = 1
    make_member("get-lost", Role.ORG_ADMIN)
    base = live_server.url
    requests: list[str] = []
    person = _person(browser, requests)
    page = person.new_page()
    for attempt in range(2):
        page.goto(f"{base}/contact/?lang=en")
        page.get_by_label("Your message").fill(f"Message number {attempt}")
        page.get_by_label("I agree").check()
        page.get_by_role("button", name="Send").click()
    assert str(views.ERR_BUSY) in page.content()
    # What was typed is still there to send later.
    assert page.get_by_label("Your message").input_value() == "Message number 1"
    assert Case.objects.count() == 1
    assert AuditEvent.objects.filter(action="intake.contact_budget_exhausted").count() == 1
    assert person.cookies() == []
    assert all(urlsplit(url).hostname in LOCAL for url in requests), requests
    person.close()
