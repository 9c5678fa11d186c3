"""Deadlines a caseworker adds by hand: create, change (extend, with a reason and a kept
history), mark done, cancel."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record
from casework import envelope
from casework.guards import ERR_SHREDDED, lock_case, require_assigned
from casework.models import Case
from casework.sections import Section
from casework.selectors import caseworkers_of
from deadlines.dates import open_due, seal_due
from deadlines.models import (
    Deadline,
    DeadlineChange,
    DeadlineKind,
    DeadlineSource,
    DeadlineStatus,
    ReminderClaim,
)

ERR_NOT_ASSIGNED = _("Only caseworkers assigned to this case can change its deadlines.")
ERR_ASSIGNEE = _("Choose a caseworker of this organisation as the assignee.")
ERR_PAST_DUE = _("The due date lies more than a year in the past.")
ERR_NOT_OPEN = _("This deadline is already done or cancelled.")
ERR_COMPUTED = _(
    "This deadline is computed from the case's dates: change the date it comes from instead."
)
ERR_REASON = _("Say why the deadline changes (for example: the transfer period was extended).")
ERR_UNCHANGED = _("Nothing changed: give a new due date or a new note.")


def _check_assignee(case: Case, assignee: User | None) -> None:
    if (
        assignee is not None
        and not caseworkers_of(organisation_id=case.organisation_id).filter(pk=assignee.pk).exists()
    ):
        raise ValidationError(ERR_ASSIGNEE)


@transaction.atomic
def deadline_create(
    *,
    case: Case,
    by: User,
    kind: DeadlineKind,
    due_date: date,
    assignee: User | None = None,
    note: str = "",
) -> Deadline:
    require_assigned(by=by, case=case, message=ERR_NOT_ASSIGNED)
    if due_date < timezone.now().date() - timedelta(days=366):
        raise ValidationError(ERR_PAST_DUE)
    _check_assignee(case, assignee)
    lock_case(case)
    deadline = Deadline(
        case=case, kind=kind, information=kind.information, assignee=assignee, created_by=by
    )
    try:
        # The day goes with the note into the notes section: what a caseworker enters by
        # hand is often a sealed date itself (the consulate appointment, the stay's end).
        seal_due(deadline, due=due_date, section=Section.NOTES)
        case.envelope.seal(deadline, "note", note.strip())
    except envelope.SectionShredded:
        raise ValidationError(ERR_SHREDDED) from None
    deadline.save()
    record("deadline.created", actor=by, obj=case, org=case.organisation_id, status=kind.code)
    return deadline


@transaction.atomic
def deadline_set_status(*, deadline: Deadline, by: User, status: str) -> Deadline:
    """Marks an open deadline done or cancelled. Later reminders for it stop."""
    require_assigned(by=by, case=deadline.case, message=ERR_NOT_ASSIGNED)
    if status not in (DeadlineStatus.DONE, DeadlineStatus.CANCELLED):
        raise ValidationError(ERR_NOT_OPEN)
    lock_case(deadline.case)
    # Month resolution only: statistics compare it with the due month.
    completed = timezone.now().date().replace(day=1) if status == DeadlineStatus.DONE else None
    changed = Deadline.objects.filter(pk=deadline.pk, status=DeadlineStatus.OPEN).update(
        status=status, completed_month=completed
    )
    if not changed:
        raise ValidationError(ERR_NOT_OPEN)
    deadline.status, deadline.completed_month = status, completed
    record(
        f"deadline.{status}",
        actor=by,
        obj=deadline.case,
        org=deadline.case.organisation_id,
        status=status,
    )
    return deadline


def _check_change(deadline: Deadline, reason: str) -> str:
    if deadline.source != DeadlineSource.MANUAL:
        raise ValidationError(ERR_COMPUTED)
    if deadline.status != DeadlineStatus.OPEN:
        raise ValidationError(ERR_NOT_OPEN)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(ERR_REASON)
    return reason


@transaction.atomic
def deadline_change(
    *, deadline: Deadline, by: User, due_date: date, reason: str, note: str | None = None
) -> DeadlineChange:
    """Moves an open deadline entered by hand to ``due_date`` (a Dublin transfer extended
    from 6 to 12, then 18 months) and/or replaces its note, keeping the day before and after
    and the reason in its history (sealed with the notes). Its reminders start over. Computed
    deadlines follow their source dates and are refused."""
    case = deadline.case
    require_assigned(by=by, case=case, message=ERR_NOT_ASSIGNED)
    reason = _check_change(deadline, reason)
    if due_date < timezone.now().date() - timedelta(days=366):
        raise ValidationError(ERR_PAST_DUE)
    lock_case(case)
    try:
        before = open_due(deadline)
        old_note = case.envelope.open(deadline, "note")
        if due_date == before and (note is None or note.strip() == old_note):
            raise ValidationError(ERR_UNCHANGED)
        change = DeadlineChange(deadline=deadline, case=case, by=by)
        for name, value in (("due_before", before), ("due_after", due_date), ("reason", reason)):
            case.envelope.seal(change, name, value)
        values = seal_due(deadline, due=due_date, section=Section.NOTES)
        if note is not None:
            case.envelope.seal(deadline, "note", note.strip())
            values["note"] = deadline.note
    except envelope.SectionShredded:
        raise ValidationError(ERR_SHREDDED) from None
    Deadline.objects.filter(pk=deadline.pk).update(**values)
    change.save()
    if due_date != before:
        # A new day is a new deadline for the reminders: their windows open again.
        ReminderClaim.objects.filter(deadline=deadline).delete()
    record(
        "deadline.changed", actor=by, obj=case, org=case.organisation_id, status=deadline.kind.code
    )
    return change
