"""Evacuation events move the case's status forward: a dossier sent to the lawyer, a dossier
submitted, a visa decided, a border crossed, an arrival. Never backwards, never out of the
crisis branch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from casework import services as casework_services
from casework.models import CaseStatusChange, Status
from evacuation import services
from evacuation.models import Decision, DossierStatus, StepKind, StepStatus, VisaRoute
from tests.evacuation.test_services import approved, ready_for_review, step

pytestmark = pytest.mark.django_db


def status_of(case) -> str:
    case.refresh_from_db()
    return case.status


def test_a_dossier_through_review_and_submission_moves_the_case(
    dossier, caseworker_getlost, lawyer_intransit, referral_review
):
    case = dossier.case
    assert status_of(case) == Status.INTAKE
    ready_for_review(dossier, caseworker_getlost, lawyer_intransit)
    assert status_of(case) == Status.LAWYER_REVIEW
    change = CaseStatusChange.objects.filter(case=case).last()
    assert (change.from_status, change.event) == (Status.INTAKE, "dossier_in_review")
    dossier.refresh_from_db()
    services.dossier_review(dossier=dossier, by=lawyer_intransit, decision="approved")
    services.dossier_mark(dossier=dossier, by=caseworker_getlost, status=DossierStatus.SUBMITTED)
    assert status_of(case) == Status.VISA_SUBMITTED


def test_a_granted_visa_and_an_arrival_move_the_case_on(visa_fr, caseworker_getlost):
    case = visa_fr.case
    today = timezone.now().date()
    services.visa_save(
        case=case,
        by=caseworker_getlost,
        application=visa_fr,
        route=VisaRoute.FR_HUMANITARIAN,
        destination="FR",
        decision=Decision.GRANTED,
        submitted_on=today - timedelta(days=10),
        decided_on=today - timedelta(days=1),
    )
    assert status_of(case) == Status.VISA_GRANTED
    step(case, caseworker_getlost, kind=StepKind.ARRIVAL, status=StepStatus.DONE, done_on=today)
    assert status_of(case) == Status.ARRIVED
    assert list(CaseStatusChange.objects.filter(case=case).values_list("to_status", "event")) == [
        (Status.INTAKE, ""),
        (Status.VISA_GRANTED, "visa_granted"),
        (Status.ARRIVED, "arrived"),
    ]


def test_a_planned_step_moves_nothing(case_kz, caseworker_getlost):
    step(case_kz, caseworker_getlost, kind=StepKind.CROSS_BORDER, status=StepStatus.PLANNED)
    assert status_of(case_kz) == Status.INTAKE
    step(
        case_kz,
        caseworker_getlost,
        kind=StepKind.CROSS_BORDER,
        status=StepStatus.DONE,
        done_on=timezone.now().date(),
    )
    assert status_of(case_kz) == Status.IN_TRANSIT


def test_an_event_never_moves_a_case_back_nor_out_of_a_crisis(case_kz, caseworker_getlost):
    done = {"status": StepStatus.DONE, "done_on": timezone.now().date()}
    step(case_kz, caseworker_getlost, kind=StepKind.ARRIVAL, **done)
    assert status_of(case_kz) == Status.ARRIVED
    step(case_kz, caseworker_getlost, kind=StepKind.CROSS_BORDER, **done)
    assert status_of(case_kz) == Status.ARRIVED
    casework_services.case_change_status(
        case=case_kz, by=caseworker_getlost, status=Status.DETAINED_ABROAD
    )
    step(case_kz, caseworker_getlost, kind=StepKind.ARRIVAL, **done)
    assert status_of(case_kz) == Status.DETAINED_ABROAD


def test_an_approved_dossier_alone_does_not_submit(
    dossier, caseworker_getlost, lawyer_intransit, referral_review
):
    approved(dossier, caseworker_getlost, lawyer_intransit)
    assert status_of(dossier.case) == Status.LAWYER_REVIEW


def test_in_a_crisis_an_event_leaves_a_suggestion_that_a_move_clears(
    case_kz, caseworker_getlost, signed_in
):
    casework_services.case_change_status(
        case=case_kz, by=caseworker_getlost, status=Status.DETAINED_ABROAD
    )
    done = {"status": StepStatus.DONE, "done_on": timezone.now().date()}
    step(case_kz, caseworker_getlost, kind=StepKind.ARRIVAL, **done)
    case_kz.refresh_from_db()
    assert (case_kz.status, case_kz.suggested_status) == (Status.DETAINED_ABROAD, Status.ARRIVED)
    body = signed_in(caseworker_getlost).get(case_kz.get_absolute_url()).content.decode()
    assert "An evacuation event points to “Arrived at destination”" in body
    casework_services.case_change_status(case=case_kz, by=caseworker_getlost, status=Status.INTAKE)
    case_kz.refresh_from_db()
    assert (case_kz.status, case_kz.suggested_status) == (Status.INTAKE, "")
