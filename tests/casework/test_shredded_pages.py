"""After shredding, every page says the section was erased, to those who may open it, and
offers no form to fill it again; one erased section does not take the case page down."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from casework import services
from casework.models import Note
from casework.sections import Section
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ERASED = (
    "This section was erased: its content can no longer be read here, and nothing can be "
    "added to it."
)
STATEMENT = "This section was erased. It can no longer be read here."


@pytest.fixture
def shredded(case_getlost):
    services.case_shred(case=case_getlost, by=None, sections=[Section.NOTES, Section.IDENTITY])
    return case_getlost


@pytest.mark.parametrize("name", ["note_add", "identity_edit"])
def test_the_forms_of_an_erased_section_are_not_offered(client, shredded, caseworker_getlost, name):
    sign_in(client, caseworker_getlost)
    url = reverse(f"casework:{name}", args=[shredded.reference])
    page = client.get(url)
    assert page.status_code == 410
    assert ERASED in page.content.decode()
    assert "<textarea" not in page.content.decode()


def test_posting_to_an_erased_section_changes_nothing(client, shredded, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    url = reverse("casework:note_add", args=[shredded.reference])
    assert client.post(url, {"text": "again"}).status_code == 410
    assert not Note.objects.filter(case=shredded).exists()


def test_the_case_page_offers_no_link_to_add_to_an_erased_section(
    client, shredded, caseworker_getlost
):
    sign_in(client, caseworker_getlost)
    html = client.get(shredded.get_absolute_url()).content.decode()
    assert html.count(STATEMENT) == 2
    assert reverse("casework:note_add", args=[shredded.reference]) not in html
    assert reverse("casework:identity_edit", args=[shredded.reference]) not in html
    # The other sections still work.
    assert reverse("casework:testimony_add", args=[shredded.reference]) in html


def test_a_lawyer_granted_an_erased_section_reads_erased_and_the_rest_of_the_page(
    client, case_getlost, caseworker_getlost, make_member
):
    lawyer = make_member("get-lost", Role.LAWYER)
    services.lawyer_grant(
        case=case_getlost,
        by=caseworker_getlost,
        lawyer=lawyer,
        sections=[Section.IDENTITY, Section.LEGAL],
    )
    services.case_shred(case=case_getlost, by=None, sections=[Section.IDENTITY])
    sign_in(client, lawyer)
    page = client.get(case_getlost.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count(STATEMENT) == 1
    # Sections the lawyer was not granted stay refused, erased or not: nothing is said of them.
    assert "This section was not shared with you." in html
