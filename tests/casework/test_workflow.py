"""The case workflow: every (status, next status) pair of the table, allowed or refused with
its reason; the crisis branch and the way back; "stayed in Russia" and its reason; statuses
that need a dossier or a visa application."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from casework import services, workflow
from casework.models import CRISIS_STATUSES, Case, CaseStatusChange, Status, StayedReason

CRISIS = {str(s) for s in CRISIS_STATUSES}
# The law and the work, written out independently of casework.workflow: status -> the
# ordinary statuses it may move to. Every status but a closed one may also be closed and
# enter the crisis branch.
ORDINARY = {
    "intake": "triage verification_pending consultation",
    "triage": "intake verification_pending consultation exit_planning stayed_in_russia",
    "verification_pending": "triage consultation exit_planning",
    "consultation": (
        "exit_planning hiding_in_russia dossier_preparation asylum_lodged stayed_in_russia"
    ),
    "exit_planning": (
        "leaving_unit hiding_in_russia border_crossing dossier_preparation stayed_in_russia"
    ),
    "leaving_unit": "hiding_in_russia border_crossing",
    "hiding_in_russia": "exit_planning border_crossing stayed_in_russia",
    "border_crossing": "in_transit hiding_in_russia asylum_lodged",
    "in_transit": "dossier_preparation asylum_lodged travel",
    "dossier_preparation": "lawyer_review in_transit",
    "lawyer_review": "dossier_preparation visa_submitted",
    "visa_submitted": "visa_granted visa_refused",
    "visa_granted": "travel",
    "visa_refused": "appeal dossier_preparation asylum_lodged",
    "appeal": "visa_granted protected rejected",
    "travel": "arrived",
    "arrived": "asylum_lodged protected",
    "asylum_lodged": "protected rejected",
    "protected": "",
    "rejected": "appeal dossier_preparation in_transit",
    "stayed_in_russia": "consultation exit_planning",
}


def expected_targets(status: str, before_crisis: str = "") -> set[str]:
    if status == "closed":
        return {"triage"}
    if status == "deceased":
        return {"closed"}
    if status in CRISIS:
        return (CRISIS | {before_crisis or "intake", "closed"}) - {status}
    return set(ORDINARY[status].split()) | CRISIS | {"closed"}


def test_the_spec_names_every_status():
    assert set(ORDINARY) | CRISIS | {"closed"} == set(Status.values)


PAIRS = [(a, b) for a in Status.values for b in Status.values if a != b]


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_each_pair_is_allowed_or_refused_as_the_table_says(current, target):
    case = Case(status=current, status_before_crisis="consultation" if current in CRISIS else "")
    allowed = target in expected_targets(current, case.status_before_crisis)
    assert (target in workflow.allowed_targets(case)) is allowed
    if not allowed:
        # The table refuses before any requirement is asked (no query needed), with a reason.
        reason = str(workflow._table_refusal(case))
        assert reason
        if current not in CRISIS | {"closed"}:
            assert str(Status(current).label) in reason


def test_a_refusal_names_what_is_allowed_and_writes_nothing(case_getlost, caseworker_getlost):
    with pytest.raises(ValidationError) as error:
        services.case_change_status(
            case=case_getlost, by=caseworker_getlost, status=Status.PROTECTED
        )
    assert error.value.messages == [
        "From “Intake” the case can move to: Triage, Verification pending, Consultation, "
        "Closed, Crisis: detained abroad, Crisis: extradition proceedings, Crisis: deported "
        "or abducted, Crisis: detained in Russia, Crisis: missing contact, Crisis: deceased."
    ]
    case_getlost.refresh_from_db()
    assert case_getlost.status == Status.INTAKE
    assert CaseStatusChange.objects.filter(case=case_getlost).count() == 1
    assert not AuditEvent.objects.filter(action="case.status.changed").exists()


def test_lawyer_review_needs_a_dossier(case_getlost, caseworker_getlost):
    for status in workflow.path(Status.INTAKE, Status.DOSSIER_PREPARATION):
        services.case_change_status(case=case_getlost, by=caseworker_getlost, status=status)
    with pytest.raises(ValidationError) as error:
        services.case_change_status(
            case=case_getlost, by=caseworker_getlost, status=Status.LAWYER_REVIEW
        )
    assert error.value.messages == [
        "Lawyer review needs a dossier: prepare one for a visa application first."
    ]
    assert ("Lawyer review", error.value.messages[0]) in workflow.refusals(case_getlost)


def test_the_crisis_branch_is_reachable_from_anywhere_and_leads_back(
    case_getlost, caseworker_getlost
):
    for status in workflow.path(Status.INTAKE, Status.HIDING_IN_RUSSIA):
        services.case_change_status(case=case_getlost, by=caseworker_getlost, status=status)
    services.case_change_status(
        case=case_getlost, by=caseworker_getlost, status=Status.DETAINED_IN_RUSSIA
    )
    services.case_change_status(
        case=case_getlost, by=caseworker_getlost, status=Status.MISSING_CONTACT
    )
    case_getlost.refresh_from_db()
    assert case_getlost.status_before_crisis == Status.HIDING_IN_RUSSIA
    with pytest.raises(ValidationError) as error:
        services.case_change_status(
            case=case_getlost, by=caseworker_getlost, status=Status.EXIT_PLANNING
        )
    assert "(Hiding in Russia)" in error.value.messages[0]
    services.case_change_status(
        case=case_getlost, by=caseworker_getlost, status=Status.HIDING_IN_RUSSIA
    )
    case_getlost.refresh_from_db()
    assert (case_getlost.status, case_getlost.status_before_crisis) == (
        Status.HIDING_IN_RUSSIA,
        "",
    )


def test_stayed_in_russia_needs_its_reason(case_getlost, caseworker_getlost):
    services.case_change_status(case=case_getlost, by=caseworker_getlost, status=Status.TRIAGE)
    with pytest.raises(ValidationError) as error:
        services.case_change_status(
            case=case_getlost, by=caseworker_getlost, status=Status.STAYED_IN_RUSSIA
        )
    assert error.value.messages == ["Say why the person stayed in Russia."]
    services.case_change_status(
        case=case_getlost,
        by=caseworker_getlost,
        status=Status.STAYED_IN_RUSSIA,
        stayed_reason=StayedReason.REFUSING_IN_SERVICE,
    )
    case_getlost.refresh_from_db()
    assert case_getlost.stayed_reason == StayedReason.REFUSING_IN_SERVICE


def test_a_closed_case_reopens_to_triage_only(case_getlost, caseworker_getlost):
    services.case_change_status(case=case_getlost, by=caseworker_getlost, status=Status.CLOSED)
    with pytest.raises(ValidationError) as error:
        services.case_change_status(case=case_getlost, by=caseworker_getlost, status=Status.INTAKE)
    assert error.value.messages == ["A closed case is first reopened to triage."]
    services.case_change_status(case=case_getlost, by=caseworker_getlost, status=Status.TRIAGE)
    case_getlost.refresh_from_db()
    assert case_getlost.closed_month is None


def test_path_gives_allowed_steps_only():
    steps = workflow.path(Status.INTAKE, Status.PROTECTED)
    assert steps[-1] == Status.PROTECTED
    current = Case(status=Status.INTAKE)
    for step in steps:
        assert step in workflow.allowed_targets(current)
        current = Case(status=step)


def test_the_case_page_offers_allowed_statuses_and_explains_the_others(
    case_getlost, caseworker_getlost, signed_in
):
    client = signed_in(caseworker_getlost)
    body = client.get(case_getlost.get_absolute_url()).content.decode()
    select = body.split('id="status-select"')[1].split("</select>")[0]
    assert '<option value="triage">' in select
    assert 'value="protected"' not in select and 'value="closed"' not in select
    assert "Why other statuses are not offered" in body
    assert "<strong>Protected</strong>: From “Intake” the case can move to:" in body
    response = client.post(
        reverse("casework:case_status", args=[case_getlost.reference]), {"status": "protected"}
    )
    assert response.status_code == 200
    assert "From “Intake” the case can move to: Triage" in response.content.decode()
    case_getlost.refresh_from_db()
    assert case_getlost.status == Status.INTAKE
