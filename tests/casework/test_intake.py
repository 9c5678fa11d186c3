"""One intake page opens the case with its contact, where the person is, the first statement
and documents, in one submission: every part but the case is optional, bad input anywhere
shows its message on its field and leaves nothing behind (no row, no audit event, no file)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from audit.models import AuditEvent
from casework import models
from casework.uploads import ERR_TYPE
from tests.casework.conftest import reference_data  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

URL = "/cases/new/"


def jpeg(colour=(20, 120, 60)) -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return out.getvalue()


def shell(**extra):
    return {
        "pseudonym": "Falcon",
        "legal_name": "Смирнов Алексей Петрович",
        "intake_channel": "secure_line",
        "legal_category": "deserter",
        "service_category": "contract_after",
        "risk_level": "high",
        **extra,
    }


def full(**extra):
    photo = models.DocumentType.objects.get(code="photo")
    summons = models.DocumentType.objects.get(code="summons")
    values = shell(
        phones="+7 916 123 45 67",
        contact_handles="Signal: falcon",
        country="KZ",
        region="Almaty",
        legal_basis="visa_free",
        entered_on="2026-09-18",
        statement="Я отказался идти в штурм и ушёл из части.",
        statement_language="ru",
        consent_dossier="on",
        document_type_1=photo.pk,
        file_1=SimpleUploadedFile("IMG_0001.jpg", jpeg(), "image/jpeg"),
        document_type_2=summons.pk,
        file_2=SimpleUploadedFile("summons.jpg", jpeg((1, 2, 3)), "image/jpeg"),
    )
    return {**values, **extra}


@pytest.fixture
def caseworker(make_member, signed_in, reference_data):  # noqa: F811 - the fixture above
    user = make_member("get-lost")
    signed_in(user)
    return user


def test_one_submission_opens_the_case_with_every_part(client, caseworker):
    response = client.post(URL, full())
    case = models.Case.objects.get()
    assert (response.status_code, response["Location"]) == (302, case.get_absolute_url())
    envelope = case.envelope
    person = models.Person.objects.get(case=case)
    assert envelope.open(person, "phones") == ["+7 916 123 45 67"]
    assert envelope.open(person, "contact_handles") == ["Signal: falcon"]
    location = models.Location.objects.get(case=case)
    assert location.country_id == "KZ"
    assert envelope.open_many(location, ("region", "entered_on")) == {
        "region": "Almaty",
        "entered_on": date(2026, 9, 18),
    }
    statement = models.Testimony.objects.get(case=case)
    assert statement.consent_dossier is True
    assert envelope.open(statement, "text").startswith("Я отказался")
    documents = models.Document.objects.filter(case=case).order_by("seq")
    assert [d.document_type.code for d in documents] == ["photo", "summons"]
    assert all(models.DocumentChunk.objects.filter(document=d).exists() for d in documents)
    events = AuditEvent.objects.exclude(action__startswith="auth.").order_by("seq")
    actions = list(events.values_list("action", flat=True))
    assert actions[0] == "case.created"
    assert {"testimony.added", "document.uploaded", "case.section.updated"} <= set(actions)


def test_only_the_person_and_the_case_are_needed(client, caseworker):
    response = client.post(URL, shell())
    assert response.status_code == 302
    case = models.Case.objects.get()
    assert not models.Testimony.objects.filter(case=case).exists()
    assert not models.Document.objects.filter(case=case).exists()
    assert not models.Location.objects.filter(case=case).exists()


def test_a_refused_document_shows_on_its_field_and_nothing_is_saved(client, caseworker):
    data = full(
        file_2=SimpleUploadedFile("notes.txt", b"plain text, no image", "text/plain"),
    )
    events = AuditEvent.objects.count()
    response = client.post(URL, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["file_2"] == [str(ERR_TYPE)]
    assert escape(str(ERR_TYPE)) in response.content.decode()
    assert not models.Case.objects.exists()
    assert not models.Document.objects.exists()
    assert AuditEvent.objects.count() == events
    # The first document's encrypted chunks were written in the same transaction, and rolled back.
    assert not models.DocumentChunk.objects.exists()


def test_a_future_entry_date_is_refused_on_its_field(client, caseworker):
    tomorrow = timezone.now().date() + timedelta(days=1)
    response = client.post(URL, full(entered_on=tomorrow.isoformat()))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["entered_on"]
    assert not models.Case.objects.exists()


def test_location_details_need_the_country(client, caseworker):
    response = client.post(URL, shell(region="Almaty"))
    assert response.status_code == 200
    assert "country" in response.context["form"].errors
    assert not models.Case.objects.exists()


def test_a_document_needs_its_type(client, caseworker):
    data = shell(file_1=SimpleUploadedFile("IMG.jpg", jpeg(), "image/jpeg"))
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "document_type_1" in response.context["form"].errors
    assert not models.Case.objects.exists()


def test_the_page_groups_the_parts_and_starts_on_the_pseudonym(client, caseworker):
    body = client.get(URL).content.decode()
    for part in ("person", "contact", "location", "statement", "documents"):
        assert f'<fieldset id="intake-{part}">' in body
    assert 'enctype="multipart/form-data"' in body
    assert 'name="pseudonym"' in body and "autofocus" in body


def test_a_refused_intake_starts_on_the_first_field_to_correct(client, caseworker):
    """The cursor goes to the first field with an error in the page's order (the document
    slot after the location), which names its error; the pseudonym loses its autofocus."""
    data = shell(region="Almaty", file_1=SimpleUploadedFile("IMG.jpg", jpeg(), "image/jpeg"))
    response = client.post(URL, data)
    form = response.context["form"]
    assert set(form.errors) == {"country", "document_type_1"}
    body = response.content.decode()
    assert body.count("autofocus") == 1
    country = re.search(r'<select name="country"[^>]*>', body)
    assert country is not None
    assert "autofocus" in country.group(0)
    assert 'aria-invalid="true"' in country.group(0)
    assert 'aria-describedby="id_country_error"' in country.group(0)
    assert 'id="id_country_error"' in body
