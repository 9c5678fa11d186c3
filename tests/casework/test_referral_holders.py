"""A referral names an organisation and, if wished, a person; whoever of that organisation
accepts, its admin gives the referral to members, and the lawyer given it reviews the dossier
(issue: a referral bound to whoever accepted it, so the partner's lawyer got 404)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from casework import services
from casework.models import (
    CaseNotice,
    ConsentConfirmation,
    ConsentGiver,
    ConsentPurpose,
    NoticeKind,
    ReferralAction,
    ReferralReason,
)
from casework.sections import Section
from casework.selectors import cases_visible_to, readable_sections
from evacuation.selectors import may_review
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

SHARED = [Section.TESTIMONY, Section.LEGAL, Section.DOCUMENTS]


@pytest.fixture
def partner(make_member):
    """InTransit: a caseworker, two lawyers and an admin."""
    return {
        "caseworker": make_member("intransit", Role.CASEWORKER),
        "lawyer": make_member("intransit", Role.LAWYER),
        "other_lawyer": make_member("intransit", Role.LAWYER),
        "admin": make_member("intransit", Role.ORG_ADMIN),
    }


def _refer(case, by, organisation, *, recipient=None):
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
    return services.referral_create(
        case=case,
        by=by,
        to_organisation=organisation,
        sections=SHARED,
        actions=[ReferralAction.VIEW, ReferralAction.REVIEW_DOSSIER],
        reason=ReferralReason.LEGAL_REVIEW,
        expires_at=timezone.now() + timedelta(days=30),
        consent=consent,
        recipient=recipient,
    )


def _org(user):
    return user.memberships.get().organisation


def test_after_a_caseworker_accepts_the_admin_gives_the_referral_to_the_lawyer(
    case_getlost, caseworker_getlost, partner
):
    referral = _refer(case_getlost, caseworker_getlost, _org(partner["lawyer"]))
    services.referral_accept(referral=referral, by=partner["caseworker"])
    # The lawyer does not hold it yet: the case does not exist for them.
    assert case_getlost not in cases_visible_to(user=partner["lawyer"])
    assert not may_review(user=partner["lawyer"], case=case_getlost)
    services.referral_assign(
        referral=referral, by=partner["admin"], members=[partner["caseworker"], partner["lawyer"]]
    )
    assert readable_sections(user=partner["lawyer"], case=case_getlost) == set(SHARED)
    assert may_review(user=partner["lawyer"], case=case_getlost)
    assert not may_review(user=partner["other_lawyer"], case=case_getlost)
    assert CaseNotice.objects.filter(
        user=partner["lawyer"], kind=NoticeKind.REFERRAL_ASSIGNED
    ).exists()
    # Taken off, the caseworker loses it at once.
    services.referral_assign(referral=referral, by=partner["admin"], members=[partner["lawyer"]])
    assert case_getlost not in cases_visible_to(user=partner["caseworker"])


def test_a_named_person_or_the_admin_answers_a_referral_nobody_else(
    case_getlost, caseworker_getlost, partner
):
    referral = _refer(
        case_getlost, caseworker_getlost, _org(partner["lawyer"]), recipient=partner["lawyer"]
    )
    with pytest.raises(PermissionDenied):
        services.referral_accept(referral=referral, by=partner["other_lawyer"])
    services.referral_accept(referral=referral, by=partner["admin"])
    referral.refresh_from_db()
    assert referral.recipient == partner["lawyer"]
    assert readable_sections(user=partner["lawyer"], case=case_getlost) == set(SHARED)
    # The admin who accepted holds nothing and reads nothing.
    assert case_getlost not in cases_visible_to(user=partner["admin"])


def test_only_the_receiving_admin_gives_a_referral_to_its_own_members(
    case_getlost, caseworker_getlost, partner, outsider, admin_getlost
):
    referral = _refer(case_getlost, caseworker_getlost, _org(partner["lawyer"]))
    with pytest.raises(ValidationError):  # not accepted yet
        services.referral_assign(referral=referral, by=partner["admin"], members=[])
    services.referral_accept(referral=referral, by=partner["lawyer"])
    for by in (partner["lawyer"], admin_getlost):
        with pytest.raises(PermissionDenied):
            services.referral_assign(referral=referral, by=by, members=[partner["lawyer"]])
    with pytest.raises(ValidationError):
        services.referral_assign(referral=referral, by=partner["admin"], members=[outsider])
    assert readable_sections(user=partner["lawyer"], case=case_getlost) == set(SHARED)


def test_revoking_tells_everyone_who_held_the_referral(case_getlost, caseworker_getlost, partner):
    referral = _refer(case_getlost, caseworker_getlost, _org(partner["lawyer"]))
    services.referral_accept(referral=referral, by=partner["caseworker"])
    services.referral_assign(
        referral=referral, by=partner["admin"], members=[partner["caseworker"], partner["lawyer"]]
    )
    services.referral_revoke(referral=referral, by=caseworker_getlost)
    told = set(
        CaseNotice.objects.filter(kind=NoticeKind.REFERRAL_REVOKED).values_list("user", flat=True)
    )
    assert told == {partner["caseworker"].pk, partner["lawyer"].pk}


def test_the_referral_form_names_a_person_of_the_receiving_organisation(
    client, case_getlost, caseworker_getlost, partner, outsider
):
    services.consent_record(
        case=case_getlost,
        by=caseworker_getlost,
        purpose=ConsentPurpose.LEGAL_ADVICE,
        recipient=_org(partner["lawyer"]),
        sections=SHARED,
        given_by=ConsentGiver.CLIENT,
        confirmed_via=ConsentConfirmation.IN_PERSON,
        confirmed_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=90),
    )
    sign_in(client, caseworker_getlost)
    url = reverse("casework:referral_create", args=[case_getlost.reference])
    page = client.get(url).content.decode()
    assert 'name="recipient"' in page
    lawyer_membership = partner["lawyer"].memberships.get()
    data = {
        "to_organisation": _org(partner["lawyer"]).pk,
        "sections": SHARED,
        "actions": [ReferralAction.VIEW],
        "reason": ReferralReason.LEGAL_REVIEW,
        "expires_at": (timezone.now() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
    }
    wrong = outsider.memberships.get()
    assert client.post(url, {**data, "recipient": wrong.pk}).status_code == 200
    assert not case_getlost.referrals.exists()
    assert client.post(url, {**data, "recipient": lawyer_membership.pk}).status_code == 302
    assert case_getlost.referrals.get().recipient == partner["lawyer"]


def test_the_partner_admin_sees_who_holds_each_referral_and_can_give_it(
    client, case_getlost, caseworker_getlost, partner
):
    referral = _refer(case_getlost, caseworker_getlost, _org(partner["lawyer"]))
    services.referral_accept(referral=referral, by=partner["lawyer"])
    sign_in(client, partner["admin"])
    page = client.get(reverse("casework:referrals")).content.decode()
    assert reverse("casework:referral_assign", args=[referral.pk]) in page
    # Sections by name, never as codes ("documents, legal, testimony").
    assert "Documents, Legal exposure, Testimony" in page
    assert "documents, legal" not in page
    response = client.post(
        reverse("casework:referral_assign", args=[referral.pk]),
        {"members": [partner["lawyer"].pk, partner["other_lawyer"].pk]},
    )
    assert response.status_code == 302
    assert may_review(user=partner["other_lawyer"], case=case_getlost)
