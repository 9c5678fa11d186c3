"""Evacuation fixtures. Personas come from tests/conftest.py, case fixtures from
tests/casework/conftest.py; here:
    case_kz           a Get Lost case, verified, located in Kazakhstan (no stay expiry given),
                      assigned to caseworker_getlost
    referral_review   the case referred to lawyer_intransit by name and accepted: view and
                      review the dossier, sections testimony, legal and documents
    visa_fr           a pending French humanitarian visa application, appointment in 20 days
    dossier           the draft dossier of visa_fr, checklist from the route's template
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casework import services as casework_services
from casework.models import (
    ConsentConfirmation,
    ConsentGiver,
    ConsentPurpose,
    Country,
    LegalBasis,
    ReferralAction,
    ReferralReason,
)
from casework.sections import Section
from evacuation import services
from evacuation.models import VisaRoute
from tests.casework.conftest import (  # noqa: F401 - fixtures shared with the case files
    MARKER,
    _media_root,
    case_getlost,
    colleague_getlost,
    open_case,
    reference_data,
)

REVIEW_SECTIONS = [Section.TESTIMONY, Section.LEGAL, Section.DOCUMENTS]


def refer(case, *, by, lawyer, actions, sections=REVIEW_SECTIONS, recipient=True):
    """An accepted referral of ``case`` to ``lawyer``'s organisation under the client's consent
    (to the lawyer by name unless ``recipient`` is False)."""
    organisation = lawyer.memberships.get().organisation
    consent = casework_services.consent_record(
        case=case,
        by=by,
        purpose=ConsentPurpose.LEGAL_ADVICE,
        recipient=organisation,
        sections=sections,
        given_by=ConsentGiver.CLIENT,
        confirmed_via=ConsentConfirmation.IN_PERSON,
        confirmed_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=180),
    )
    referral = casework_services.referral_create(
        case=case,
        by=by,
        to_organisation=organisation,
        sections=sections,
        actions=actions,
        reason=ReferralReason.LEGAL_REVIEW,
        expires_at=timezone.now() + timedelta(days=90),
        consent=consent,
        recipient=lawyer if recipient else None,
    )
    return casework_services.referral_accept(referral=referral, by=lawyer)


@pytest.fixture
def case_kz(case_getlost, caseworker_getlost):  # noqa: F811 - the fixture imported above
    case = case_getlost
    casework_services.case_verify(case=case, by=caseworker_getlost)
    casework_services.location_update(
        case=case,
        by=caseworker_getlost,
        country=Country.objects.get(pk="KZ"),
        legal_basis=LegalBasis.VISA_FREE,
        region="Almaty",
        stay_expires=None,
        route_notes="",
    )
    return case


@pytest.fixture
def referral_review(case_kz, caseworker_getlost, lawyer_intransit):
    return refer(
        case_kz,
        by=caseworker_getlost,
        lawyer=lawyer_intransit,
        actions=[ReferralAction.VIEW, ReferralAction.REVIEW_DOSSIER],
    )


@pytest.fixture
def visa_fr(case_kz, caseworker_getlost):
    return services.visa_save(
        case=case_kz,
        by=caseworker_getlost,
        route=VisaRoute.FR_HUMANITARIAN,
        destination="FR",
        consulate="Consulate General of France, Almaty",
        appointment_on=timezone.now().date() + timedelta(days=20),
    )


@pytest.fixture
def dossier(visa_fr, caseworker_getlost):
    return services.dossier_create(application=visa_fr, by=caseworker_getlost)
