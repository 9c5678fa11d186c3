""" "Who has seen this case" counts page visits (one case.viewed event per visit, listing the
sections read), marks break-glass and an admin's assignment, and the receiving
organisation's admin sees their own members' visits of the cases referred to them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from casework import selectors, services
from casework.models import (
    AssignmentReason,
    BreakGlassReason,
    ConsentConfirmation,
    ConsentGiver,
    ConsentPurpose,
    ReferralAction,
    ReferralReason,
)
from casework.sections import SECTIONS, Section
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

SHARED = [Section.TESTIMONY, Section.LEGAL]


def _visit(client, user, case):
    sign_in(client, user)
    response = client.get(reverse("casework:case_detail", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


def _visits(case):
    return AuditEvent.objects.filter(action="case.viewed", object_id=str(case.pk))


def test_a_case_page_visit_is_one_event_listing_the_sections_read(
    client, case_getlost, caseworker_getlost
):
    before = AuditEvent.objects.count()
    _visit(client, caseworker_getlost, case_getlost)
    events = AuditEvent.objects.filter(seq__gt=before, object_id=str(case_getlost.pk))
    assert [e.action for e in events] == ["case.viewed"]
    assert events[0].data == {"sections": sorted(SECTIONS), "access": "assignment"}
    assert not AuditEvent.objects.filter(action="case.section.viewed").exists()


def test_who_has_seen_the_case_counts_visits_not_sections(client, case_getlost, caseworker_getlost):
    _visit(client, caseworker_getlost, case_getlost)
    body = _visit(client, caseworker_getlost, case_getlost)
    (row,) = selectors.case_viewers(case=case_getlost)
    assert (row.viewer.actor_id, row.viewer.count) == (caseworker_getlost.pk, 2)
    assert "Visits" in body


def test_a_break_glass_visit_is_marked_with_its_reason(
    client, case_getlost, caseworker_getlost, admin_getlost
):
    services.break_glass(
        case=case_getlost, by=admin_getlost, reason=BreakGlassReason.CRISIS, explanation="why"
    )
    _visit(client, admin_getlost, case_getlost)
    assert _visits(case_getlost).get().data["access"] == "break_glass"
    body = _visit(client, caseworker_getlost, case_getlost)
    rows = {row.viewer.actor_id: row for row in selectors.case_viewers(case=case_getlost)}
    marks = rows[admin_getlost.pk].marks
    assert [(str(m.label), str(m.reason)) for m in marks] == [
        ("Break-glass", str(BreakGlassReason.CRISIS.label))
    ]
    assert rows[caseworker_getlost.pk].marks == []
    assert "Break-glass" in body and str(BreakGlassReason.CRISIS.label) in body


def test_an_admins_assignment_is_marked_on_the_person_assigned(
    client, case_getlost, caseworker_getlost, colleague_getlost, admin_getlost
):
    services.case_assign(
        case=case_getlost,
        by=admin_getlost,
        caseworkers=[caseworker_getlost, colleague_getlost],
        reason=AssignmentReason.WORKLOAD,
        explanation="Sharing the load.",
    )
    _visit(client, colleague_getlost, case_getlost)
    assert _visits(case_getlost).get().data["access"] == "admin_assignment"
    rows = {row.viewer.actor_id: row for row in selectors.case_viewers(case=case_getlost)}
    assert [str(m.label) for m in rows[colleague_getlost.pk].marks] == [
        "Assigned by an organisation admin"
    ]


@pytest.fixture
def partner(make_member):
    return {
        "lawyer": make_member("intransit", Role.LAWYER),
        "admin": make_member("intransit", Role.ORG_ADMIN),
    }


@pytest.fixture
def referred(case_getlost, caseworker_getlost, partner):
    organisation = partner["lawyer"].memberships.get().organisation
    consent = services.consent_record(
        case=case_getlost,
        by=caseworker_getlost,
        purpose=ConsentPurpose.LEGAL_ADVICE,
        recipient=organisation,
        sections=SHARED,
        given_by=ConsentGiver.CLIENT,
        confirmed_via=ConsentConfirmation.IN_PERSON,
        confirmed_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=90),
    )
    referral = services.referral_create(
        case=case_getlost,
        by=caseworker_getlost,
        to_organisation=organisation,
        sections=SHARED,
        actions=[ReferralAction.VIEW],
        reason=ReferralReason.LEGAL_REVIEW,
        expires_at=timezone.now() + timedelta(days=30),
        consent=consent,
        recipient=partner["lawyer"],
    )
    services.referral_accept(referral=referral, by=partner["lawyer"])
    return referral


def test_a_partners_visit_shows_their_organisation_to_the_owner(
    client, referred, case_getlost, caseworker_getlost, partner
):
    _visit(client, partner["lawyer"], case_getlost)
    assert _visits(case_getlost).get().data == {"sections": sorted(SHARED), "access": "referral"}
    body = _visit(client, caseworker_getlost, case_getlost)
    assert "InTransit" in body or partner["lawyer"].memberships.get().organisation.name in body


def test_the_receiving_admin_sees_their_members_visits_of_a_referred_case(
    client, referred, case_getlost, caseworker_getlost, partner
):
    _visit(client, partner["lawyer"], case_getlost)
    _visit(client, partner["lawyer"], case_getlost)
    _visit(client, caseworker_getlost, case_getlost)  # the owner's own: not theirs to see
    organisation = partner["admin"].memberships.get().organisation
    readers = selectors.referral_readers(
        user=partner["admin"], organisation=organisation, referrals=[referred]
    )
    assert [(r.viewer.actor_id, r.viewer.count) for r in readers[str(case_getlost.pk)]] == [
        (partner["lawyer"].pk, 2)
    ]
    # Nobody else of that organisation gets the list.
    assert (
        selectors.referral_readers(
            user=partner["lawyer"], organisation=organisation, referrals=[referred]
        )
        == {}
    )
    sign_in(client, partner["admin"])
    body = client.get(reverse("casework:referrals")).content.decode()
    lawyer = partner["lawyer"]
    assert "Who has seen this case" in body
    assert (lawyer.display_name or lawyer.email) in body
    assert (caseworker_getlost.display_name or caseworker_getlost.email) not in body


def test_the_assigned_caseworker_sees_each_break_glass_on_the_case_page(
    client, case_getlost, caseworker_getlost, admin_getlost
):
    why = "Detained at the border, lawyer needed tonight."
    services.break_glass(
        case=case_getlost, by=admin_getlost, reason=BreakGlassReason.CRISIS, explanation=why
    )
    body = _visit(client, caseworker_getlost, case_getlost)
    assert why in body
    assert (admin_getlost.display_name or admin_getlost.email) in body
    assert "Opened or assigned by admins" in body
    # The list is for the assigned caseworkers, not for the admin under break-glass.
    assert "Opened or assigned by admins" not in _visit(client, admin_getlost, case_getlost)
    acts = selectors.accountable_acts(user=caseworker_getlost, case=case_getlost)
    assert [(str(a.reason), a.explanation) for a in acts] == [
        (str(BreakGlassReason.CRISIS.label), why)
    ]
