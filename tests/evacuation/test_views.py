"""Evacuation pages: the case panel's advisories and what it hides, the plan and visa forms that
refuse bad input and write nothing, and the dossier page the caseworkers and the reviewing lawyer
share (and nobody else reaches)."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from accounts.models import Role
from audit.models import AuditEvent
from casework import services as casework_services
from casework.models import DocumentType, ReferralAction
from casework.sections import Section
from evacuation import services
from evacuation.models import (
    DossierDocument,
    DossierStatus,
    EvacuationPlan,
    ReviewComment,
    VisaApplication,
)
from evacuation.views.dossiers import NO_DOSSIER_ROLE
from tests.evacuation.conftest import refer

KZ_ADVISORY = "handed over in 2022 and 2026"


def _jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (40, 30), (10, 90, 200)).save(out, format="JPEG")
    return out.getvalue()


def _upload(case, by, code="internal-passport", name="passport.jpg"):
    return casework_services.document_upload(
        case=case,
        by=by,
        document_type=DocumentType.objects.get(code=code),
        data=_jpeg(),
        original_name=name,
    )


def _page(name, case, *args):
    return reverse(f"evacuation:{name}", args=[case.reference, *args])


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def plan(case_kz, caseworker_getlost):
    return services.plan_save(
        case=case_kz,
        by=caseworker_getlost,
        status="active",
        origin_region="Orenburg ROUTEMARK",
        transit_countries=["KZ", "AM"],
        destination="FR",
        fallback_notes="",
    )


@pytest.fixture
def reviewed(dossier, referral_review, caseworker_getlost, lawyer_intransit):
    """The dossier with lawyer_intransit as its reviewer."""
    return services.dossier_assign_reviewer(
        dossier=dossier, by=caseworker_getlost, lawyer=lawyer_intransit
    )


# --- The case page's panel ---------------------------------------------------------------------


def test_a_case_in_kazakhstan_shows_the_critical_advisory_to_those_who_may_open_location(
    client, signed_in, case_kz, caseworker_getlost, colleague_getlost
):
    signed_in(caseworker_getlost)
    body = _text(client.get(case_kz.get_absolute_url()))
    assert 'role="alert" id="location-advisory"' in body
    assert KZ_ADVISORY in body
    assert "Stay limit: 90 days in any 180." in body
    # Where the person is belongs to location and route: an unassigned colleague sees the
    # case but neither the country nor its advisory.
    signed_in(colleague_getlost)
    body = _text(client.get(case_kz.get_absolute_url()))
    assert 'id="location-advisory"' not in body
    assert KZ_ADVISORY not in body and "Kazakhstan" not in body


def test_the_panel_shows_the_route_and_its_advisories_to_the_assigned_caseworker(
    client, signed_in, plan, visa_fr, case_kz, caseworker_getlost
):
    signed_in(caseworker_getlost)
    body = _text(client.get(case_kz.get_absolute_url()))
    assert "Orenburg ROUTEMARK" in body
    assert "→ Armenia" in body
    assert "critical in Gyumri" in body  # Armenia's advisory: high risk on the route
    assert escape("Consulate General of France, Almaty") in body
    assert reverse("evacuation:dossier_create", args=[case_kz.reference, visa_fr.pk]) in body


def test_the_route_is_absent_from_the_lawyers_view_of_the_case(
    client, signed_in, plan, reviewed, case_kz, lawyer_intransit
):
    signed_in(lawyer_intransit)
    body = _text(client.get(case_kz.get_absolute_url()))
    assert "French humanitarian visa" in body  # route and destination are in clear
    assert "ROUTEMARK" not in body
    assert "Almaty" not in body  # the consulate is location
    assert "Armenia" not in body
    # Where the person is belongs to location and route, which was not shared with them.
    assert KZ_ADVISORY not in body and "Kazakhstan" not in body
    assert _page("dossier_detail", case_kz, reviewed.pk) in body
    assert _page("plan_edit", case_kz) not in body


def test_the_case_page_records_location_once_for_the_assigned_caseworker(
    client, signed_in, plan, visa_fr, case_kz, caseworker_getlost
):
    signed_in(caseworker_getlost)
    before = AuditEvent.objects.filter(action="case.viewed").count()
    client.get(case_kz.get_absolute_url())
    viewed = AuditEvent.objects.filter(action="case.viewed").order_by("seq")[before:]
    # One visit, one event: the evacuation panel adds no reads of its own.
    (visit,) = viewed
    sections = visit.data["sections"]
    assert sections.count(Section.LOCATION) == 1
    assert sections.count(Section.LEGAL) == 1


# --- Plan, steps, visas ------------------------------------------------------------------------


def test_the_plan_page_shows_the_advisory_of_each_risky_transit_country(
    client, signed_in, plan, case_kz, caseworker_getlost
):
    signed_in(caseworker_getlost)
    response = client.get(_page("plan_edit", case_kz))
    body = _text(response)
    assert response.status_code == 200
    assert KZ_ADVISORY in body and "critical in Gyumri" in body
    assert 'value="KZ, AM"' in body
    viewed = AuditEvent.objects.filter(action="case.viewed", actor_id=caseworker_getlost.pk)
    assert any(Section.LOCATION in e.data["sections"] for e in viewed)


def test_an_unknown_transit_country_is_refused_and_no_plan_is_saved(
    client, signed_in, case_kz, caseworker_getlost
):
    signed_in(caseworker_getlost)
    response = client.post(
        _page("plan_edit", case_kz),
        {"status": "draft", "transit_countries": "KZ, XX", "destination": "FR"},
    )
    assert response.status_code == 200
    assert escape(str(services.ERR_UNKNOWN_COUNTRY)) in _text(response)
    assert not EvacuationPlan.objects.filter(case=case_kz).exists()


def test_a_plan_is_saved_in_the_order_given(client, signed_in, case_kz, caseworker_getlost):
    signed_in(caseworker_getlost)
    response = client.post(
        _page("plan_edit", case_kz),
        {"status": "active", "transit_countries": "am kz", "destination": "FR"},
    )
    assert response.status_code == 302
    plan = EvacuationPlan.objects.get(case=case_kz)
    assert case_kz.envelope.open(plan, "transit_countries") == ["AM", "KZ"]


def test_a_step_in_the_future_cannot_be_done_and_nothing_is_saved(
    client, signed_in, case_kz, caseworker_getlost
):
    signed_in(caseworker_getlost)
    response = client.post(
        _page("step_add", case_kz),
        {"kind": "cross_border", "country": "KZ", "status": "done", "done_on": "2999-01-01"},
    )
    assert escape(str(services.ERR_DONE_IN_FUTURE)) in _text(response)
    assert not case_kz.evacuation_steps.exists()
    response = client.post(
        _page("step_add", case_kz), {"kind": "cross_border", "country": "KZ", "status": "planned"}
    )
    assert response.status_code == 302
    assert case_kz.evacuation_steps.count() == 1


def test_an_appeal_deadline_before_the_decision_is_refused_and_nothing_is_saved(
    client, signed_in, case_kz, caseworker_getlost
):
    signed_in(caseworker_getlost)
    response = client.post(
        _page("visa_add", case_kz),
        {
            "route": "fr_humanitarian",
            "destination": "FR",
            "decision": "refused",
            "decided_on": "2026-03-10",
            "appeal_deadline": "2026-03-01",
        },
    )
    assert response.status_code == 200
    assert escape(str(services.ERR_APPEAL_BEFORE_DECISION)) in _text(response)
    assert VisaApplication.objects.filter(case=case_kz).count() == 0


def test_a_visa_to_an_unknown_country_is_refused_and_nothing_is_saved(
    client, signed_in, case_kz, caseworker_getlost
):
    signed_in(caseworker_getlost)
    response = client.post(
        _page("visa_add", case_kz),
        {"route": "fr_humanitarian", "destination": "XX", "decision": "pending"},
    )
    assert escape(str(services.ERR_UNKNOWN_COUNTRY)) in _text(response)
    assert VisaApplication.objects.filter(case=case_kz).count() == 0


def test_editing_a_visa_shows_its_dates_and_saves_the_change(
    client, signed_in, visa_fr, case_kz, caseworker_getlost
):
    signed_in(caseworker_getlost)
    page = _page("visa_edit", case_kz, visa_fr.pk)
    assert "Consulate General of France, Almaty" in _text(client.get(page))
    response = client.post(
        page,
        {
            "route": "fr_humanitarian",
            "destination": "FR",
            "decision": "granted",
            "decided_on": "2026-03-10",
            "valid_until": "2026-06-10",
            "enter_by": "2026-05-10",
        },
    )
    assert response.status_code == 302
    visa_fr.refresh_from_db()
    assert visa_fr.decision == "granted"


def test_the_lawyer_gets_403_on_the_route_pages(
    client, signed_in, plan, visa_fr, referral_review, case_kz, lawyer_intransit
):
    signed_in(lawyer_intransit)
    for page in (_page("plan_edit", case_kz), _page("visa_edit", case_kz, visa_fr.pk)):
        response = client.get(page)
        assert response.status_code == 403
        assert "ROUTEMARK" not in _text(response)


# --- The dossier page ----------------------------------------------------------------------------


def test_the_dossier_says_what_is_missing_and_submit_is_blocked_before_vetting(
    client, signed_in, dossier, case_kz, caseworker_getlost
):
    signed_in(caseworker_getlost)
    body = _text(client.get(_page("dossier_detail", case_kz, dossier.pk)))
    assert "What is still missing" in body
    assert "Missing: Internal passport" in body
    response = client.post(_page("dossier_submit", case_kz, dossier.pk))
    assert response.status_code == 200
    assert "Vetting has not been recorded." in _text(response)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.DRAFT


def test_a_document_of_another_case_is_refused_and_nothing_is_linked(
    client, signed_in, open_case, dossier, case_kz, caseworker_getlost
):
    other = open_case(by=caseworker_getlost, pseudonym="Crane")
    foreign = _upload(other, caseworker_getlost)
    item = dossier.items.get(document_type__code="internal-passport")
    signed_in(caseworker_getlost)
    response = client.post(
        _page("dossier_item", case_kz, dossier.pk, item.pk), {"documents": [str(foreign.pk)]}
    )
    assert response.status_code == 200
    assert escape(str(services.ERR_DOCUMENT_OTHER_CASE)) in _text(response)
    assert DossierDocument.objects.count() == 0


def test_documents_of_the_case_are_linked_and_listed_by_their_names(
    client, signed_in, dossier, case_kz, caseworker_getlost
):
    document = _upload(case_kz, caseworker_getlost, name="scan-of-passport.jpg")
    item = dossier.items.get(document_type__code="internal-passport")
    signed_in(caseworker_getlost)
    page = _page("dossier_item", case_kz, dossier.pk, item.pk)
    assert "scan-of-passport.jpg" in _text(client.get(page))
    response = client.post(page, {"documents": [str(document.pk)]})
    assert response.status_code == 302
    body = _text(client.get(_page("dossier_detail", case_kz, dossier.pk)))
    assert "scan-of-passport.jpg" in body
    assert reverse("casework:document_download", args=[case_kz.reference, document.pk]) in body
    assert "Missing: Internal passport" not in body


def test_caseworker_and_reviewer_see_each_others_comments(
    client, signed_in, reviewed, case_kz, caseworker_getlost, lawyer_intransit
):
    item = reviewed.items.get(document_type__code="military-id")
    signed_in(caseworker_getlost)
    response = client.post(
        _page("dossier_comment", case_kz, reviewed.pk),
        {"item": str(item.pk), "text": "The military ID scan is blurred, will redo."},
    )
    assert response.status_code == 302
    signed_in(lawyer_intransit)
    page = _page("dossier_detail", case_kz, reviewed.pk)
    response = client.get(page)
    assert response.status_code == 200
    assert "The military ID scan is blurred, will redo." in _text(response)
    client.post(_page("dossier_comment", case_kz, reviewed.pk), {"text": "Add the expert opinion."})
    signed_in(caseworker_getlost)
    assert "Add the expert opinion." in _text(client.get(page))
    assert ReviewComment.objects.filter(dossier=reviewed).count() == 2


def test_the_reviewers_reading_of_the_dossier_is_in_the_audit_log(
    client, signed_in, reviewed, case_kz, lawyer_intransit
):
    signed_in(lawyer_intransit)
    client.get(_page("dossier_detail", case_kz, reviewed.pk))
    (visit,) = AuditEvent.objects.filter(
        action="case.viewed", actor_id=lawyer_intransit.pk, object_id=str(case_kz.pk)
    )
    assert visit.data["access"] == "referral"
    assert set(visit.data["sections"]) == {
        Section.DOCUMENTS,
        Section.TESTIMONY,
        Section.LEGAL,
    }


def test_another_lawyer_of_the_partner_without_the_dossier_gets_403(
    client, signed_in, make_member, reviewed, case_kz, caseworker_getlost
):
    services.dossier_comment(dossier=reviewed, by=caseworker_getlost, text="COMMENTMARK")
    colleague = make_member("intransit", Role.LAWYER)
    refer(case_kz, by=caseworker_getlost, lawyer=colleague, actions=[ReferralAction.VIEW])
    signed_in(colleague)
    assert client.get(case_kz.get_absolute_url()).status_code == 200  # inside the case's reach
    response = client.get(_page("dossier_detail", case_kz, reviewed.pk))
    assert response.status_code == 403
    assert escape(str(NO_DOSSIER_ROLE)) in _text(response)
    assert "COMMENTMARK" not in _text(response)
    response = client.post(_page("dossier_comment", case_kz, reviewed.pk), {"text": "Let me in."})
    assert response.status_code == 403
    assert ReviewComment.objects.filter(dossier=reviewed).count() == 1


def test_an_outsider_gets_404_on_the_dossier(client, signed_in, reviewed, case_kz, outsider):
    signed_in(outsider)
    assert client.get(_page("dossier_detail", case_kz, reviewed.pk)).status_code == 404
    assert client.get(_page("plan_edit", case_kz)).status_code == 404


def _ready(dossier, case, by) -> None:
    """Vetted, and a document of its type under every required item."""
    for item in dossier.items.filter(required=True).select_related("document_type"):
        document = _upload(case, by, item.document_type.code)
        services.dossier_link(dossier=dossier, by=by, item=item, documents=[document])
    services.dossier_vet(dossier=dossier, by=by, note="Vetted in Almaty.")


def test_the_lawyer_requests_changes_then_approves_through_the_page(
    client, signed_in, reviewed, case_kz, caseworker_getlost, lawyer_intransit
):
    _ready(reviewed, case_kz, caseworker_getlost)
    signed_in(caseworker_getlost)
    assert client.post(_page("dossier_submit", case_kz, reviewed.pk)).status_code == 302
    signed_in(lawyer_intransit)
    review = _page("dossier_review", case_kz, reviewed.pk)
    response = client.post(review, {"decision": "changes_requested"})
    assert escape(str(services.ERR_CHANGES_NEED_COMMENT)) in _text(response)
    reviewed.refresh_from_db()
    assert reviewed.status == DossierStatus.IN_REVIEW
    client.post(review, {"decision": "changes_requested", "comment": "Stamp the summons."})
    reviewed.refresh_from_db()
    assert reviewed.status == DossierStatus.CHANGES_REQUESTED
    signed_in(caseworker_getlost)
    body = _text(client.get(_page("dossier_detail", case_kz, reviewed.pk)))
    assert "Stamp the summons." in body and "Changes requested" in body
    client.post(_page("dossier_submit", case_kz, reviewed.pk))
    signed_in(lawyer_intransit)
    client.post(review, {"decision": "approved"})
    reviewed.refresh_from_db()
    assert reviewed.status == DossierStatus.APPROVED
    body = _text(client.get(_page("dossier_detail", case_kz, reviewed.pk)))
    assert _page("dossier_export", case_kz, reviewed.pk) in body


def test_the_contents_page_saves_the_excerpt_from_a_consented_statement(
    client, signed_in, dossier, case_kz, caseworker_getlost
):
    statement = casework_services.testimony_add(
        case=case_kz, by=caseworker_getlost, language="ru", text="Я ушёл.", consent_dossier=True
    )
    signed_in(caseworker_getlost)
    response = client.post(
        _page("dossier_contents", case_kz, dossier.pk),
        {
            "testimony": str(statement.pk),
            "testimony_excerpt": "EXCERPTMARK",
            "exposure_summary": "Art. 338, wanted federally.",
        },
    )
    assert response.status_code == 302
    body = _text(client.get(_page("dossier_detail", case_kz, dossier.pk)))
    assert "EXCERPTMARK" in body and "Art. 338, wanted federally." in body


def test_my_dossiers_lists_the_reviewers_and_the_caseworkers_dossiers(
    client, signed_in, reviewed, case_kz, caseworker_getlost, lawyer_intransit, outsider
):
    for user in (lawyer_intransit, caseworker_getlost):
        signed_in(user)
        body = _text(client.get(reverse("evacuation:my_dossiers")))
        assert _page("dossier_detail", case_kz, reviewed.pk) in body
    signed_in(outsider)
    body = _text(client.get(reverse("evacuation:my_dossiers")))
    assert case_kz.reference not in body
    assert "You have no visa dossiers." in body
