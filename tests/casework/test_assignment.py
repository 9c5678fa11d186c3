"""Assigning someone to a case from outside it is accountable like break-glass, and before
verification location and route open to a newly assigned caseworker only when a colleague
who holds them opens them (issue: an org admin got round break-glass by assigning)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from casework import services
from casework.envelope import KeyRefused, key_scope
from casework.models import AssignmentReason, CaseAssignment, CaseNotice, NoticeKind
from casework.sections import SECTIONS, Section
from casework.selectors import NOT_OPENED_TO_YOU, readable_sections, section_refusal
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

WHY = "The assigned caseworker is in hospital."


def _assign_from_outside(case, admin, *people):
    return services.case_assign(
        case=case,
        by=admin,
        caseworkers=[*case.assigned_caseworkers.all(), *people],
        reason=AssignmentReason.CASEWORKER_LEFT,
        explanation=WHY,
    )


def _team(case, caseworker, *colleagues):
    """An assigned caseworker sets the team: themselves and ``colleagues``."""
    services.case_assign(case=case, by=caseworker, caseworkers=[caseworker, *colleagues])


def test_an_admin_cannot_assign_without_a_reason_and_nothing_changes(
    case_getlost, admin_getlost, caseworker_getlost, colleague_getlost
):
    for reason, explanation in (("", WHY), (AssignmentReason.WORKLOAD, " "), ("bogus", WHY)):
        with pytest.raises(ValidationError) as refused:
            services.case_assign(
                case=case_getlost,
                by=admin_getlost,
                caseworkers=[caseworker_getlost, colleague_getlost],
                reason=reason,
                explanation=explanation,
            )
        assert refused.value.messages == [str(services.ERR_ASSIGN_REASON)]
    assert list(case_getlost.assigned_caseworkers.all()) == [caseworker_getlost]
    assert not CaseAssignment.objects.filter(case=case_getlost).exists()


def test_an_admins_assignment_keeps_reason_and_sealed_explanation_and_tells_the_team(
    case_getlost, admin_getlost, caseworker_getlost, colleague_getlost
):
    _assign_from_outside(case_getlost, admin_getlost, colleague_getlost)
    row = CaseAssignment.objects.get(case=case_getlost, user=colleague_getlost)
    assert (row.assigned_by, row.reason, row.from_outside) == (
        admin_getlost,
        AssignmentReason.CASEWORKER_LEFT,
        True,
    )
    assert WHY.encode() not in bytes(row.explanation)  # sealed
    with key_scope(user=caseworker_getlost):
        assert case_getlost.envelope.open(row, "explanation") == WHY
    with key_scope(user=admin_getlost), pytest.raises(KeyRefused):
        case_getlost.envelope.open(row, "explanation")  # written, not readable by the admin
    notified = set(
        CaseNotice.objects.filter(
            case=case_getlost, kind=NoticeKind.ASSIGNED_FROM_OUTSIDE, assignment=row
        ).values_list("user", flat=True)
    )
    assert notified == {caseworker_getlost.pk, colleague_getlost.pk}
    event = AuditEvent.objects.filter(action="case.assigned").latest("seq")
    assert event.data == {"count": 2, "reason": AssignmentReason.CASEWORKER_LEFT}
    assert WHY not in str(event.data)


def test_a_caseworker_assigning_a_colleague_needs_no_reason_and_sends_no_notice(
    case_getlost, caseworker_getlost, colleague_getlost
):
    services.case_assign(
        case=case_getlost,
        by=caseworker_getlost,
        caseworkers=[caseworker_getlost, colleague_getlost],
    )
    row = CaseAssignment.objects.get(case=case_getlost, user=colleague_getlost)
    assert (row.assigned_by, row.reason, row.from_outside) == (caseworker_getlost, "", False)
    assert not CaseNotice.objects.filter(case=case_getlost).exists()


def test_before_verification_the_newly_assigned_do_not_read_location(
    case_getlost, admin_getlost, caseworker_getlost, colleague_getlost
):
    assert not case_getlost.is_verified
    _assign_from_outside(case_getlost, admin_getlost, colleague_getlost)
    assert readable_sections(user=colleague_getlost, case=case_getlost) == set(SECTIONS) - {
        Section.LOCATION
    }
    refusal = section_refusal(user=colleague_getlost, case=case_getlost, section=Section.LOCATION)
    assert refusal == NOT_OPENED_TO_YOU
    location = case_getlost.location
    with key_scope(user=colleague_getlost), pytest.raises(KeyRefused):
        case_getlost.envelope.open(location, "region")
    # The caseworker who opened the case holds location; they open it to the colleague.
    with pytest.raises(PermissionDenied):
        services.location_open(case=case_getlost, by=colleague_getlost, colleague=colleague_getlost)
    services.location_open(case=case_getlost, by=caseworker_getlost, colleague=colleague_getlost)
    assert Section.LOCATION in readable_sections(user=colleague_getlost, case=case_getlost)
    assert CaseNotice.objects.filter(
        user=colleague_getlost, kind=NoticeKind.LOCATION_OPENED
    ).exists()
    event = AuditEvent.objects.filter(action="case.location_opened").get()
    assert event.data == {"target_user": str(colleague_getlost.pk)}
    with pytest.raises(ValidationError):
        services.location_open(
            case=case_getlost, by=caseworker_getlost, colleague=colleague_getlost
        )


def test_taken_off_the_case_a_caseworker_loses_what_was_opened_to_them(
    case_getlost, caseworker_getlost, colleague_getlost
):
    services.case_assign(
        case=case_getlost,
        by=caseworker_getlost,
        caseworkers=[caseworker_getlost, colleague_getlost],
    )
    services.location_open(case=case_getlost, by=caseworker_getlost, colleague=colleague_getlost)
    _team(case_getlost, caseworker_getlost)
    services.case_assign(
        case=case_getlost,
        by=caseworker_getlost,
        caseworkers=[caseworker_getlost, colleague_getlost],
    )
    assert Section.LOCATION not in readable_sections(user=colleague_getlost, case=case_getlost)


def test_after_verification_every_assigned_caseworker_reads_location(
    case_getlost, admin_getlost, caseworker_getlost, colleague_getlost
):
    _assign_from_outside(case_getlost, admin_getlost, colleague_getlost)
    services.case_verify(case=case_getlost, by=caseworker_getlost)
    assert readable_sections(user=colleague_getlost, case=case_getlost) == set(SECTIONS)


def test_the_admins_assign_page_asks_why_and_refuses_without_it(
    client, case_getlost, admin_getlost, caseworker_getlost, colleague_getlost
):
    sign_in(client, admin_getlost)
    url = reverse("casework:case_assign", args=[case_getlost.reference])
    page = client.get(url).content.decode()
    assert 'name="reason"' in page and 'name="explanation"' in page
    people = [caseworker_getlost.pk, colleague_getlost.pk]
    response = client.post(url, {"caseworkers": people})
    assert response.status_code == 200
    assert list(case_getlost.assigned_caseworkers.all()) == [caseworker_getlost]
    response = client.post(url, {"caseworkers": people, "reason": "workload", "explanation": WHY})
    assert response.status_code == 302
    assert set(case_getlost.assigned_caseworkers.all()) == {caseworker_getlost, colleague_getlost}


def test_the_case_page_of_the_newly_assigned_hides_where_the_person_is(
    client, case_getlost, admin_getlost, caseworker_getlost, colleague_getlost
):
    _assign_from_outside(case_getlost, admin_getlost, colleague_getlost)
    sign_in(client, colleague_getlost)
    html = client.get(case_getlost.get_absolute_url()).content.decode()
    assert "Kazakhstan" not in html and 'id="location-advisory"' not in html
    assert str(NOT_OPENED_TO_YOU) in html
    sign_in(client, caseworker_getlost)
    html = client.get(case_getlost.get_absolute_url()).content.decode()
    assert "Kazakhstan" in html
    assert reverse("casework:location_open", args=[case_getlost.reference]) in html
