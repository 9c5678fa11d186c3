"""Cases in the org admin's audit log (/org/audit/): references shown to admins who may see
the case, a filter by case, and the receiving organisation's admin following their own
members' reads of the cases referred to them (recorded under the owning organisation)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.case_lookups import case_lookups
from accounts.models import Role
from accounts.views.audit_log import ERR_CASE
from audit.services import record
from casework import services
from casework.models import (
    ConsentConfirmation,
    ConsentGiver,
    ConsentPurpose,
    ReferralAction,
    ReferralReason,
)
from casework.sections import Section
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

URL = "/org/audit/"
SHARED = [Section.TESTIMONY, Section.LEGAL]


def _rows(client, **query):
    response = client.get(URL, query)
    return response, response.context["rows"]


def _visit(client, user, case):
    sign_in(client, user)
    assert client.get(reverse("casework:case_detail", args=[case.reference])).status_code == 200


@pytest.fixture
def partner(make_member):
    return {
        "lawyer": make_member("intransit", Role.LAWYER),
        "admin": make_member("intransit", Role.ORG_ADMIN),
    }


def _refer(case, by, lawyer):
    organisation = lawyer.memberships.get().organisation
    consent = services.consent_record(
        case=case,
        by=by,
        purpose=ConsentPurpose.LEGAL_ADVICE,
        recipient=organisation,
        sections=SHARED,
        given_by=ConsentGiver.CLIENT,
        confirmed_via=ConsentConfirmation.IN_PERSON,
        confirmed_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=90),
    )
    referral = services.referral_create(
        case=case,
        by=by,
        to_organisation=organisation,
        sections=SHARED,
        actions=[ReferralAction.VIEW],
        reason=ReferralReason.LEGAL_REVIEW,
        expires_at=timezone.now() + timedelta(days=30),
        consent=consent,
        recipient=lawyer,
    )
    services.referral_accept(referral=referral, by=lawyer)
    return referral


def test_casework_registers_its_case_lookups_at_app_ready():
    lookups = case_lookups()
    assert lookups is not None and lookups.object_type == "casework.case"


def test_the_owner_admin_sees_case_references_and_filters_by_case(
    client, open_case, case_getlost, caseworker_getlost, admin_getlost
):
    other = open_case(by=caseworker_getlost, pseudonym="Crane")
    _visit(client, caseworker_getlost, case_getlost)
    _visit(client, caseworker_getlost, other)
    sign_in(client, admin_getlost)
    response, rows = _rows(client, action="case.viewed")
    assert {row.case_reference for row in rows} == {case_getlost.reference, other.reference}
    assert case_getlost.reference in response.content.decode()
    # How the reader came to the case is shown by its label, not its code.
    details = [{str(k): v for k, v in row.details} for row in rows]
    assert all(d["Access through"] == "Assigned" for d in details)
    response, rows = _rows(client, case=case_getlost.reference.lower())
    assert rows and {row.event.object_id for row in rows} == {str(case_getlost.pk)}
    assert {row.event.action for row in rows} >= {"case.created", "case.viewed"}


def test_a_case_the_admin_may_not_see_is_refused_like_an_unknown_one(
    client, case_getlost, caseworker_getlost, outsider, make_member
):
    outsider_admin = make_member(outsider.memberships.get().organisation.slug, Role.ORG_ADMIN)
    sign_in(client, outsider_admin)
    for reference in (case_getlost.reference, "ZZ-2026-9999"):
        response, rows = _rows(client, case=reference)
        assert response.status_code == 400
        assert rows is None
        assert str(ERR_CASE) in response.content.decode()


def test_a_reference_is_shown_only_to_an_admin_who_may_see_the_case(
    client, case_getlost, caseworker_getlost, partner
):
    organisation = partner["admin"].memberships.get().organisation
    # An event of the partner's organisation about a case never referred to it.
    record("case.viewed", actor=partner["lawyer"], obj=case_getlost, org=organisation.pk)
    sign_in(client, partner["admin"])
    response, rows = _rows(client, action="case.viewed")
    assert [row.case_reference for row in rows] == [""]
    assert case_getlost.reference not in response.content.decode()


def test_the_receiving_admin_follows_their_members_reads_of_a_referred_case(
    client, case_getlost, caseworker_getlost, partner
):
    _refer(case_getlost, caseworker_getlost, partner["lawyer"])
    _visit(client, partner["lawyer"], case_getlost)
    _visit(client, caseworker_getlost, case_getlost)
    sign_in(client, partner["admin"])
    response, rows = _rows(client, action="case.viewed")
    assert [(row.event.actor_id, row.case_reference) for row in rows] == [
        (partner["lawyer"].pk, case_getlost.reference)
    ]
    # The owner's own people stay the owner's business.
    _, rows = _rows(client, case=case_getlost.reference)
    assert {row.event.actor_id for row in rows} == {partner["lawyer"].pk}
