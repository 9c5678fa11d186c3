"""Welfare check-ins: the schedule, a recorded check-in, and escalating missed ones."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record
from casework.guards import lock_case, require_assigned
from casework.models import Case
from deadlines.models import CheckIn, CheckInSchedule, Notification, NotificationKind
from deadlines.services.deadlines import ERR_NOT_ASSIGNED
from deadlines.services.digests import owe_digests, queue_digests
from deadlines.services.notifications import alert_case_team

ERR_INTERVAL = _("Choose an interval between 1 hour and 30 days.")
ERR_NO_SCHEDULE = _("This case has no check-in schedule.")


@transaction.atomic
def checkin_schedule_set(
    *, case: Case, by: User, interval_hours: int, active: bool = True
) -> CheckInSchedule:
    require_assigned(by=by, case=case, message=ERR_NOT_ASSIGNED)
    if not 1 <= interval_hours <= 720:
        raise ValidationError(ERR_INTERVAL)
    lock_case(case)
    schedule, created = CheckInSchedule.objects.get_or_create(
        case=case, defaults={"interval_hours": interval_hours, "active": active}
    )
    if not created:
        schedule.interval_hours = interval_hours
        schedule.active = active
        schedule.save(update_fields=["interval_hours", "active"])
    record("checkin.scheduled", actor=by, obj=case, org=case.organisation_id, count=interval_hours)
    return schedule


@transaction.atomic
def checkin_record(*, case: Case, by: User) -> CheckIn:
    """The person checked in (a caseworker heard from them). Clears an escalation."""
    require_assigned(by=by, case=case, message=ERR_NOT_ASSIGNED)
    lock_case(case)
    schedule = CheckInSchedule.objects.filter(case=case).first()
    if schedule is None:
        raise ValidationError(ERR_NO_SCHEDULE)
    now = timezone.now()
    schedule.last_check_in_at = now
    schedule.escalated_due = None
    schedule.save(update_fields=["last_check_in_at", "escalated_due"])
    checkin = CheckIn.objects.create(schedule=schedule, at=now, recorded_by=by)
    record("checkin.recorded", actor=by, obj=case, org=case.organisation_id)
    return checkin


def missed_checkins_escalate(*, now: datetime | None = None) -> int:
    """Escalates every missed check-in once: urgent in-app notifications to the assigned
    caseworkers and the organisation's admins, and the same content-free digest e-mail.
    The conditional UPDATE on ``escalated_due`` is the claim (two workers never both send).
    Returns how many schedules escalated."""
    now = now or timezone.now()
    escalated = 0
    schedules = CheckInSchedule.objects.filter(active=True).select_related("case")
    with transaction.atomic():
        people: set[uuid.UUID] = set()
        notes: list[Notification] = []
        missed: list[Case] = []
        for schedule in schedules:
            due = schedule.next_due
            if due > now or schedule.escalated_due == due:
                continue
            claimed = (
                CheckInSchedule.objects.filter(
                    pk=schedule.pk, last_check_in_at=schedule.last_check_in_at
                )
                .exclude(escalated_due=due)
                .update(escalated_due=due)
            )
            if not claimed:
                continue
            escalated += 1
            case = schedule.case
            people |= alert_case_team(
                notes, case=case, kind=NotificationKind.CHECKIN_MISSED, now=now, urgent=True
            )
            missed.append(case)
        Notification.objects.bulk_create(notes)
        owe_digests(people, now)
        queue_digests(now)
        # The audit appends come last, after every row written (audit.services, "Lock order").
        for case in missed:
            record("checkin.missed", actor=None, obj=case, org=case.organisation_id)
    return escalated
