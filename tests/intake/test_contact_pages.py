"""The contact page and its answers page through Django's test client: what a person sees,
what is stored, what is refused, and that no cookie is ever set. The browser test
(tests/e2e/test_contact.py) runs the same story in Chromium without JavaScript."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.core.cache import cache
from django.urls import reverse
from PIL import Image

from accounts.models import Role
from audit.models import AuditEvent
from casework.models import Case, Document, IntakeChannel, Status
from intake.contact import forms as contact_forms
from intake.contact import views
from intake.contact.tokens import form_token_new
from intake.models import Conversation, Direction, Message
from intake.services import sender_index

pytestmark = pytest.mark.django_db

MARKER = "CONTACTMRK5521"
WORD = re.compile(r"<li>([a-zа-я]+)</li>")


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def get_lost(make_member, reference_data):
    """Get Lost receives the page's intakes (WAYPOINT_CONTACT_ORGANISATION's default)."""
    admin = make_member("get-lost", Role.ORG_ADMIN)
    return admin.memberships.get().organisation


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMakerMRK"  # Make
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _send(client, message: str = f"Я ушёл из части. {MARKER}", **extra):
    data = {"token": form_token_new(), "message": message, "consent": "on", "lang": "en"}
    data.update(extra)
    return client.post(reverse("contact:form"), data)


def _phrase(response) -> str:
    words = WORD.findall(response.content.decode())
    assert len(words) == 6, response.content.decode()[:2000]
    return " ".join(words)


def test_the_form_sets_no_cookie_loads_nothing_from_elsewhere_and_allows_no_script(
    client, get_lost
):
    response = client.get(reverse("contact:form"))
    assert response.status_code == 200
    assert not response.cookies
    policy = response["Content-Security-Policy"]
    assert "script-src 'none'" in policy and "connect-src 'none'" in policy
    assert "default-src 'none'" in policy and "form-action 'self'" in policy
    html = response.content.decode()
    assert "<script" not in html
    assert not re.search(r"""(src|href|action)=["'](https?:)?//""", html)
    assert 'name="token"' in html and "csrfmiddlewaretoken" not in html
    assert response["Cache-Control"].count("no-store") == 1


def test_a_first_message_opens_an_intake_and_hands_out_a_phrase_once(client, get_lost):
    response = _send(client)
    assert response.status_code == 200
    assert not response.cookies
    phrase = _phrase(response)
    case = Case.objects.get()
    assert case.organisation == get_lost
    assert case.status == Status.INTAKE and case.intake_channel == IntakeChannel.CONTACT_PAGE
    conversation = Conversation.objects.get()
    assert bytes(conversation.sender_index) == sender_index(
        organisation_id=get_lost.pk, channel=IntakeChannel.CONTACT_PAGE, sender=phrase
    )
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 1
    # The words are sealed and the phrase is nowhere in the database.
    for message in Message.objects.all():
        assert MARKER.encode() not in bytes(message.text)
    assert phrase not in str(list(AuditEvent.objects.values()))


def test_a_form_sent_twice_opens_one_intake(client, get_lost):
    token = form_token_new()
    first = _send(client, token=token)
    second = _send(client, token=token)
    assert first.status_code == 200 and _phrase(first)
    assert str(views.ERR_ALREADY_SENT) in second.content.decode()
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"token": "forged:token"}, contact_forms.ERR_FORM_EXPIRED),
        ({"consent": ""}, contact_forms.ERR_CONSENT),
        ({"message": ""}, "This field is required."),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(client, get_lost, change, error):
    response = _send(client, **change)
    assert response.status_code == 200
    assert str(error) in response.content.decode()
    assert not Case.objects.exists() and not Conversation.objects.exists()
    assert not response.cookies


def test_a_message_over_the_length_limit_is_refused(client, get_lost, settings):
    settings.WAYPOINT_CONTACT_MAX_CHARS = 50
    response = _send(client, message="а" * 51)
    assert "at most 50 characters" in response.content.decode()
    assert not Case.objects.exists()


def test_a_photo_is_stored_without_its_metadata(client, get_lost):
    photo = BytesIO(_jpeg_with_exif())
    photo.name = "IMG_0042.jpg"
    response = _send(client, document=photo)
    assert response.status_code == 200 and _phrase(response)
    assert Document.objects.filter(case=Case.objects.get()).count() == 1


def test_a_file_that_is_no_image_or_pdf_is_refused_and_nothing_is_stored(client, get_lost):
    upload = BytesIO(b"MZ\x90\x00 not a document")
    upload.name = "scan.jpg"
    response = _send(client, document=upload)
    assert "Only JPEG, PNG or WebP images and PDF documents" in response.content.decode()
    assert not Case.objects.exists()


def test_a_document_over_the_contact_limit_is_refused(client, get_lost, settings):
    settings.WAYPOINT_CONTACT_MAX_UPLOAD_BYTES = 1024 * 1024
    upload = BytesIO(b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10))
    upload.name = "big.pdf"
    response = _send(client, document=upload)
    assert "The file is too large. Files up to 1 MB" in response.content.decode()
    assert not Case.objects.exists()


def test_over_the_hourly_budget_the_person_is_told_and_the_admins_alerted_once(
    client, get_lost, settings, django_capture_on_commit_callbacks
):
    settings.WAYPOINT_CONTACT_HOURLY_BUDGET = 1
    assert _send(client).status_code == 200
    with django_capture_on_commit_callbacks() as callbacks:
        refused = _send(client)
        again = _send(client)
    assert refused.status_code == again.status_code == 429
    assert str(views.ERR_BUSY) in refused.content.decode()
    assert int(refused["Retry-After"]) <= 3600
    assert Case.objects.count() == 1
    alerts = AuditEvent.objects.filter(action="intake.contact_budget_exhausted")
    assert alerts.count() == 1 and alerts.get().organisation_id == get_lost.pk
    alert_tasks = [c for c in callbacks if getattr(c, "args", None)]
    assert [c.args for c in alert_tasks] == [(str(get_lost.pk),)]


def test_the_page_is_off_without_a_receiving_organisation(client, get_lost, settings):
    settings.WAYPOINT_CONTACT_ORGANISATION = ""
    for name in ("contact:form", "contact:replies"):
        response = client.get(reverse(name))
        assert response.status_code == 404
        assert "This contact page is not open at the moment." in response.content.decode()


def test_russian_is_chosen_by_a_link_without_a_cookie(client, get_lost):
    response = client.get(reverse("contact:form") + "?lang=ru")
    assert '<html lang="ru">' in response.content.decode() and not response.cookies


def test_a_russian_page_hands_out_a_phrase_of_russian_words(client, get_lost):
    words = _phrase(_send(client, lang="ru")).split()
    assert all(re.fullmatch("[а-я]+", word) for word in words)
