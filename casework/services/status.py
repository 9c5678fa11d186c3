"""A case's status: moves a caseworker chooses (checked against casework.workflow) and moves
that evacuation events make."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from audit.services import record
from casework import workflow
from casework.guards import lock_case, require_assigned
from casework.models import (
    CRISIS_STATUSES,
    Case,
    CaseStatusChange,
    Status,
    StayedReason,
    this_month,
)
from casework.signals import case_closed

ERR_SAME_STATUS = workflow.ERR_SAME_STATUS
ERR_STAYED_REASON = workflow.ERR_STAYED_REASON


def _move(case: Case, locked: Case, *, by: User | None, status: str, event: str = "") -> None:
    """Writes the move (the case row is locked): the crisis return, the outcome reason, the
    closing month, the history row; on closing, tells the apps that hold the case's
    deadlines."""
    previous = locked.status
    if status in CRISIS_STATUSES and previous not in CRISIS_STATUSES:
        case.status_before_crisis = previous
    elif status not in CRISIS_STATUSES:
        case.status_before_crisis = ""
    if status != Status.STAYED_IN_RUSSIA:
        case.stayed_reason = ""
    case.status = status
    case.suggested_status = ""
    case.closed_month = this_month() if status == Status.CLOSED else None
    case.save(
        update_fields=[
            "status",
            "status_before_crisis",
            "stayed_reason",
            "suggested_status",
            "closed_month",
        ]
    )
    CaseStatusChange.objects.create(
        case=case, from_status=previous, to_status=status, changed_by=by, event=event
    )
    if status == Status.CLOSED:
        case_closed.send(sender=Case, case=case, by=by)


@transaction.atomic
def case_change_status(*, case: Case, by: User, status: str, stayed_reason: str = "") -> Case:
    """Moves the case to ``status`` if the workflow allows it from where it is (the
    ValidationError says why not). "Stayed in Russia" needs its reason; entering the crisis
    branch remembers the way back; closing cancels the case's deadlines and check-ins
    (casework.signals.case_closed) and sets the closing month, reopening clears it."""
    require_assigned(by=by, case=case)
    lock_case(case)
    locked = Case.objects.get(pk=case.pk)
    reason = workflow.refusal(locked, status)
    if reason:
        raise ValidationError(str(reason))
    if status == Status.STAYED_IN_RUSSIA and stayed_reason not in StayedReason.values:
        raise ValidationError(ERR_STAYED_REASON)
    case.status_before_crisis = locked.status_before_crisis
    case.stayed_reason = stayed_reason if status == Status.STAYED_IN_RUSSIA else ""
    _move(case, locked, by=by, status=status)
    record(
        "case.status.changed",
        actor=by,
        obj=case,
        org=case.organisation_id,
        status=status,
        from_status=locked.status,
    )
    return case


@transaction.atomic
def case_status_event(*, case: Case, by: User | None, event: str) -> str | None:
    """Moves the case forward to the status an evacuation event means (dossier in review,
    dossier submitted, visa granted or refused, border crossed, arrival), when it is not
    already further along, in the crisis branch, closed or at an outcome (in the crisis branch
    or after staying in Russia the status is left as a suggestion). Called by the services
    that record the event, inside their transaction and after their own checks. Returns the
    new status, or None when the case stays where it is."""
    lock_case(case)
    locked = Case.objects.get(pk=case.pk)
    target = workflow.event_target(locked, event)
    if target is None:
        _suggest(case, locked, by=by, event=event)
        return None
    case.status_before_crisis = locked.status_before_crisis
    case.stayed_reason = locked.stayed_reason
    _move(case, locked, by=by, status=target, event=event)
    record(
        "case.status.changed",
        actor=by,
        obj=case,
        org=case.organisation_id,
        status=target,
        from_status=locked.status,
        # The event that moved it (a code).
        method=event,
    )
    return target


def _suggest(case: Case, locked: Case, *, by: User | None, event: str) -> None:
    """Leaves the status an event points to as a suggestion, when the case cannot follow."""
    suggestion = workflow.event_suggestion(locked, event)
    if suggestion is None:
        return
    case.suggested_status = suggestion
    case.save(update_fields=["suggested_status"])
    record(
        "case.status.suggested",
        actor=by,
        obj=case,
        org=case.organisation_id,
        status=suggestion,
        method=event,
    )
