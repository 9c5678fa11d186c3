"""seed_demo ends with one dossier in review, visible to InTransit's demo lawyer, who may
review it but not read the route (a deserter in Kazakhstan waiting for a French visa, for
`make run`)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role, User
from casework.demo import seed_cases
from casework.envelope import KeyRefused, key_scope
from casework.models import Referral, ReferralAction, ReferralStatus
from casework.sections import Section
from casework.selectors import granted_sections, readable_sections
from deadlines.models import Deadline, DeadlineSource
from evacuation import demo
from evacuation.models import (
    Decision,
    Dossier,
    DossierStatus,
    EvacuationPlan,
    EvacuationStep,
    VisaApplication,
    VisaRoute,
)
from evacuation.selectors import dossiers_to_review, may_review
from evacuation.services import dossier_missing
from tests.evacuation.conftest import refer

pytestmark = pytest.mark.django_db


def test_the_demo_has_one_dossier_in_review_for_the_intransit_lawyer(tmp_path):
    for _ in range(2):  # idempotent: the second run adds nothing
        out = StringIO()
        call_command(
            "seed_demo", "--credentials", str(tmp_path / "demo.json"), "--cases", "3", stdout=out
        )
    assert "Demo dossier: In review." in out.getvalue()
    assert (
        Dossier.objects.count(),
        VisaApplication.objects.count(),
        EvacuationPlan.objects.count(),
        EvacuationStep.objects.count(),
        Referral.objects.count(),
    ) == (1, 1, 1, 6, 1)

    lawyer = User.objects.get(email="lawyer@intransit.example")
    [dossier] = dossiers_to_review(user=lawyer)
    case = dossier.case
    assert dossier.status == DossierStatus.IN_REVIEW
    assert case.organisation.slug == "get-lost" and case.is_verified
    assert case.location.country_id == "KZ"
    assert dossier.is_vetted and dossier_missing(dossier=dossier) == []
    assert dossier.testimony is not None and dossier.testimony.consent_dossier
    application = dossier.visa_application
    assert (application.route, application.destination_id, application.decision) == (
        VisaRoute.FR_HUMANITARIAN,
        "FR",
        Decision.PENDING,
    )
    referral = Referral.objects.get()
    assert referral.case == case and ReferralAction.REVIEW_DOSSIER in referral.actions

    assert may_review(user=lawyer, case=case)
    assert Section.LOCATION not in granted_sections(user=lawyer, case=case)
    assert readable_sections(user=lawyer, case=case) == {
        Section.TESTIMONY,
        Section.LEGAL,
        Section.DOCUMENTS,
    }
    with key_scope(user=lawyer):
        assert case.envelope.open(dossier, "exposure_summary") == demo.EXPOSURE
        with pytest.raises(KeyRefused):
            case.envelope.open(case.evacuation_plan, "destination")
    with key_scope():
        appointment = case.envelope.open(application, "appointment_on")
    assert appointment > timezone.now().date()
    kinds = set(Deadline.objects.filter(case=case).values_list("source", "kind__code"))
    assert {
        (DeadlineSource.TRANSIT_STAY, "transit_stay_limit"),
        (DeadlineSource.VISA, "consulate_appointment"),
    } <= kinds


def test_the_demo_replaces_an_older_referral_that_shared_no_documents(make_member, reference_data):
    caseworker = make_member("get-lost", Role.CASEWORKER)
    lawyer = make_member("intransit", Role.LAWYER)
    [case] = seed_cases(
        organisation=caseworker.memberships.get().organisation, caseworkers=[caseworker], count=1
    )
    older = refer(
        case,
        by=caseworker,
        lawyer=lawyer,
        actions=[ReferralAction.VIEW, ReferralAction.COMMENT],
        sections=[Section.TESTIMONY, Section.LEGAL],
    )
    dossier = demo.seed_dossier()
    assert demo.seed_dossier() == dossier
    older.refresh_from_db()
    assert older.status == ReferralStatus.REVOKED
    live = Referral.objects.get(status=ReferralStatus.ACCEPTED)
    assert set(live.sections) == {Section.TESTIMONY, Section.LEGAL, Section.DOCUMENTS}
    assert dossiers_to_review(user=lawyer) == [dossier]
    assert dossier.status == DossierStatus.IN_REVIEW
