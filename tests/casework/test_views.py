"""Case pages: the permission matrix over every casework URL, the list's constant number of
queries, search, forms that refuse bad input, downloads, and calm pages on tampering."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.urls import get_resolver, reverse
from django.utils.html import escape
from PIL import Image

from audit.models import AuditEvent
from casework import services
from casework.models import Case, Document, DocumentType, Note, Person
from casework.models import Testimony as Statement
from casework.sections import Section
from casework.selectors import NOT_ASSIGNED, NOT_VERIFIED
from casework.web import NO_CASE_ROLE, UNREADABLE
from tests.conftest import sign_in


def _jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def full_case(case_getlost, caseworker_getlost):
    """case_getlost with one of everything (testimony, exposure, note, document)."""
    by = caseworker_getlost
    services.testimony_add(
        case=case_getlost, by=by, language="ru", text="Я ушёл.", consent_dossier=True
    )
    services.exposure_add(
        case=case_getlost,
        by=by,
        article="337.5",
        during_mobilisation=True,
        absence_start=None,
        procedural_stage="none",
        wanted_level="none",
        exit_ban=False,
        passport_confiscated=False,
        details="",
    )
    services.note_add(case=case_getlost, by=by, text="Call back on Monday.")
    services.document_upload(
        case=case_getlost,
        by=by,
        document_type=DocumentType.objects.get(code="photo"),
        data=_jpeg(),
        original_name="photo.jpg",
    )
    return case_getlost


def casework_urls(case: Case) -> dict[str, tuple[str, str]]:
    """Every casework URL name -> (method, path) for ``case``."""
    ref = case.reference
    testimony = Statement.objects.filter(case=case).first()
    exposure = case.exposures.first()
    document = Document.objects.filter(case=case).first()
    return {
        "case_list": ("get", reverse("casework:case_list")),
        "case_search": ("post", reverse("casework:case_search")),
        "case_create": ("get", reverse("casework:case_create")),
        "case_detail": ("get", reverse("casework:case_detail", args=[ref])),
        "case_shell": ("get", reverse("casework:case_shell", args=[ref])),
        "case_status": ("post", reverse("casework:case_status", args=[ref])),
        "case_assign": ("get", reverse("casework:case_assign", args=[ref])),
        "case_verify": ("get", reverse("casework:case_verify", args=[ref])),
        "identity_edit": ("get", reverse("casework:identity_edit", args=[ref])),
        "contact_edit": ("get", reverse("casework:contact_edit", args=[ref])),
        "location_edit": ("get", reverse("casework:location_edit", args=[ref])),
        "exposure_add": ("get", reverse("casework:exposure_add", args=[ref])),
        "exposure_edit": ("get", reverse("casework:exposure_edit", args=[ref, exposure.pk])),
        "testimony_add": ("get", reverse("casework:testimony_add", args=[ref])),
        "testimony_revise": ("get", reverse("casework:testimony_revise", args=[ref, 1])),
        "testimony_screen": (
            "post",
            reverse("casework:testimony_screen", args=[ref, testimony.pk]),
        ),
        "note_add": ("get", reverse("casework:note_add", args=[ref])),
        "document_upload": ("get", reverse("casework:document_upload", args=[ref])),
        "document_download": (
            "get",
            reverse("casework:document_download", args=[ref, document.pk]),
        ),
    }


ORG_PAGES = {"case_list", "case_search", "case_create"}
# Pages of one case that any member who sees the case list may open (the shell).
SHELL_PAGES = {"case_detail"}


# Consent, referral, lawyer and break-glass pages: their personas (referred lawyers, break-glass
# admins, expired referrals) are in tests/test_permission_matrix.py.
ACCESS_PAGES = {
    "referrals",
    "referral_accept",
    "referral_decline",
    "referral_create",
    "referral_revoke",
    "consent_create",
    "consent_confirm",
    "consent_withdraw",
    "lawyer_grant",
    "break_glass",
    "location_open",
    "referral_assign",
    "case_bulk_assign",
}


def test_the_matrix_lists_every_casework_url(full_case):
    names = {name for name in get_resolver().reverse_dict.keys() if isinstance(name, str)}
    assert names  # the resolver is loaded
    casework = set(get_resolver().namespace_dict["casework"][1].reverse_dict.keys())
    listed = set(casework_urls(full_case)) | ACCESS_PAGES
    assert {n for n in casework if isinstance(n, str)} == listed


def _call(client, method: str, path: str):
    return getattr(client, method)(path)


def test_anonymous_visitors_are_sent_to_sign_in_everywhere(client, full_case):
    for name, (method, path) in casework_urls(full_case).items():
        response = _call(client, method, path)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login")), name


def test_a_password_only_session_reaches_no_case_page(client, full_case, caseworker_getlost):
    sign_in(client, caseworker_getlost, verified=False)
    for name, (method, path) in casework_urls(full_case).items():
        response = _call(client, method, path)
        assert response.status_code == 302, name
        assert "/accounts/verify/" in response["Location"], name


def test_an_outsider_gets_404_for_every_page_of_the_case(client, full_case, outsider):
    sign_in(client, outsider)
    for name, (method, path) in casework_urls(full_case).items():
        if name in ORG_PAGES:
            continue
        assert _call(client, method, path).status_code == 404, name


def test_an_outsider_does_not_find_the_case_in_the_list(client, full_case, outsider):
    sign_in(client, outsider)
    response = client.get(reverse("casework:case_list"))
    assert response.status_code == 200
    assert full_case.reference not in response.content.decode()


def test_an_unassigned_caseworker_sees_the_shell_and_gets_403_on_sections(
    client, full_case, colleague_getlost
):
    sign_in(client, colleague_getlost)
    for name, (method, path) in casework_urls(full_case).items():
        response = _call(client, method, path)
        if name in ORG_PAGES or name in SHELL_PAGES:
            assert response.status_code == 200, name
        else:
            assert response.status_code == 403, name
    page = client.get(reverse("casework:case_detail", args=[full_case.reference]))
    body = page.content.decode()
    assert "Иванов" not in body and "Я ушёл" not in body
    assert escape(str(NOT_ASSIGNED)) in body


def test_an_org_admin_sees_the_list_but_no_content(client, full_case, admin_getlost):
    sign_in(client, admin_getlost)
    assert client.get(reverse("casework:case_list")).status_code == 200
    page = client.get(reverse("casework:case_detail", args=[full_case.reference]))
    assert page.status_code == 200
    assert "Иванов" not in page.content.decode()
    response = client.get(reverse("casework:identity_edit", args=[full_case.reference]))
    assert response.status_code == 403
    # Admins manage assignment without seeing content.
    assert (
        client.get(reverse("casework:case_assign", args=[full_case.reference])).status_code == 200
    )


@pytest.mark.parametrize("persona", ["lawyer_intransit", "coordinator"])
def test_roles_without_case_files_get_403_on_the_list_and_404_on_cases(
    client, full_case, persona, request
):
    sign_in(client, request.getfixturevalue(persona))
    response = client.get(reverse("casework:case_list"))
    assert response.status_code == 403
    assert escape(str(NO_CASE_ROLE)) in response.content.decode()
    detail = client.get(reverse("casework:case_detail", args=[full_case.reference]))
    assert detail.status_code == 404


def test_the_assigned_caseworker_reaches_every_page(client, full_case, caseworker_getlost):
    services.case_verify(case=full_case, by=caseworker_getlost)
    sign_in(client, caseworker_getlost)
    for name, (method, path) in casework_urls(full_case).items():
        response = _call(client, method, path)
        # POST-only endpoints without a body show their form again with errors (200).
        assert response.status_code == 200, name


def test_location_stays_closed_to_everyone_but_the_assigned_until_verified(
    client, case_getlost, caseworker_getlost, admin_getlost
):

    services.break_glass(case=case_getlost, by=admin_getlost, reason="safety", explanation="why")
    url = reverse("casework:case_detail", args=[case_getlost.reference])
    sign_in(client, admin_getlost)
    assert escape(str(NOT_VERIFIED)) in client.get(url).content.decode()
    sign_in(client, caseworker_getlost)
    assert (
        client.get(reverse("casework:location_edit", args=[case_getlost.reference])).status_code
        == 200
    )
    client.post(reverse("casework:case_verify", args=[case_getlost.reference]))
    sign_in(client, admin_getlost)
    assert escape(str(NOT_VERIFIED)) not in client.get(url).content.decode()


def test_the_case_page_shows_content_and_records_one_visit_with_every_section(
    client, full_case, caseworker_getlost
):
    sign_in(client, caseworker_getlost)
    before = AuditEvent.objects.count()
    response = client.get(reverse("casework:case_detail", args=[full_case.reference]))
    body = response.content.decode()
    assert "Иванов Иван Иванович" in body
    assert "Я ушёл." in body
    (visit,) = AuditEvent.objects.filter(seq__gt=before, action="case.viewed")
    # The assigned caseworker opens every section, location included before verification.
    assert visit.data["sections"] == sorted(Section.values)
    assert visit.object_id == str(full_case.pk)


def test_the_list_costs_the_same_queries_for_5_or_40_cases(
    client, open_case, caseworker_getlost, django_assert_max_num_queries
):
    sign_in(client, caseworker_getlost)
    for _ in range(5):
        open_case(by=caseworker_getlost)
    url = reverse("casework:case_list") + "?page=1"
    client.get(url)  # warm up (session, content types)
    # Session, user, device, memberships, countries, count, page ids, rows, assignees, the
    # inbox count (notifications and case notices), the triage count and the next deadlines.
    with django_assert_max_num_queries(14) as small:
        client.get(url)
    for _ in range(35):
        open_case(by=caseworker_getlost)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["page"].paginator.count == 40
    assert len(response.context["cases"]) == 25


def test_filters_narrow_the_list(client, open_case, caseworker_getlost, colleague_getlost):
    mine = open_case(by=caseworker_getlost, risk_level="critical")
    other = open_case(by=colleague_getlost, risk_level="low")
    sign_in(client, caseworker_getlost)
    body = client.get(reverse("casework:case_list") + "?mine=on").content.decode()
    assert mine.reference in body and other.reference not in body
    body = client.get(reverse("casework:case_list") + "?risk=low").content.decode()
    assert other.reference in body and mine.reference not in body
    body = client.get(reverse("casework:case_list") + "?country=KZ").content.decode()
    assert other.reference in body and mine.reference in body
    body = client.get(reverse("casework:case_list") + "?country=GE").content.decode()
    assert other.reference not in body


def test_search_by_legal_name_finds_the_case_by_post(client, case_getlost, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    response = client.post(
        reverse("casework:case_search"), {"kind": "name", "value": "иванов  иван  иванович"}
    )
    assert response.status_code == 200
    assert case_getlost.reference in response.content.decode()
    event = AuditEvent.objects.filter(action="case.searched").last()
    assert event.data == {"method": "name", "count": 1}


def test_opening_a_case_with_bad_input_shows_the_form_and_writes_nothing(
    client, caseworker_getlost
):
    sign_in(client, caseworker_getlost)
    response = client.post(
        reverse("casework:case_create"),
        {"pseudonym": "", "legal_name": "Петров", "date_of_birth": "2999-01-01"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "pseudonym" in errors and "date_of_birth" in errors
    assert not Case.objects.exists() and not Person.objects.exists()


def test_opening_a_case_through_the_page(client, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    response = client.post(
        reverse("casework:case_create"),
        {
            "pseudonym": "Lynx",
            "legal_name": "Петров Пётр",
            "date_of_birth": "1990-05-01",
            "intake_channel": "hotline",
            "legal_category": "evader",
            "service_category": "civilian_summoned",
            "risk_level": "medium",
            "country": "GE",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert re.fullmatch(r"GL-\d{4}-0001", case.reference)
    assert list(case.assigned_caseworkers.all()) == [caseworker_getlost]


def test_an_empty_note_is_refused_with_a_message(client, case_getlost, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    response = client.post(
        reverse("casework:note_add", args=[case_getlost.reference]), {"text": " "}
    )
    assert response.status_code == 200
    assert not Note.objects.exists()


def test_a_download_is_an_audited_sandboxed_attachment(client, full_case, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    document = Document.objects.get(case=full_case)
    response = client.get(
        reverse("casework:document_download", args=[full_case.reference, document.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="document-{document.seq}.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Content-Length"] == str(document.size)
    assert response.getvalue().startswith(b"\xff\xd8\xff")
    assert AuditEvent.objects.filter(action="document.downloaded").count() == 1


def test_tampered_content_shows_a_calm_error_page_and_not_the_bytes(
    client, full_case, caseworker_getlost, caplog
):
    person = Person.objects.get(case=full_case)
    Person.objects.filter(pk=person.pk).update(legal_name=b"plain text name")
    sign_in(client, caseworker_getlost)
    response = client.get(reverse("casework:case_detail", args=[full_case.reference]))
    assert response.status_code == 500
    body = response.content.decode()
    assert escape(str(UNREADABLE)) in body
    assert "plain text name" not in body
    assert any(r.name == "waypoint.security" for r in caplog.records)


def test_a_revision_adds_a_version_and_keeps_the_first(client, full_case, caseworker_getlost):
    sign_in(client, caseworker_getlost)
    response = client.post(
        reverse("casework:testimony_revise", args=[full_case.reference, 1]),
        {"language": "ru", "text": "Я ушёл в мае.", "consent_dossier": "on"},
    )
    assert response.status_code == 302
    versions = Statement.objects.filter(case=full_case, number=1).order_by("version")
    assert [t.version for t in versions] == [1, 2]
    assert full_case.envelope.open(versions[0], "text") == "Я ушёл."
    assert full_case.envelope.open(versions[1], "text") == "Я ушёл в мае."
