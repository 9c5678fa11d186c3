"""What closing a case does to its deadlines and check-ins: the open ones are cancelled with
it, so no reminder or check-in escalation goes out for a closed case."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from audit.services import record
from casework.models import Case
from deadlines.models import CheckInSchedule, Deadline, DeadlineStatus


@transaction.atomic
def case_closed_cancel(*, case: Case, by: User | None) -> int:
    """Cancels the case's open deadlines and stops its welfare check-ins. Runs on
    casework.signals.case_closed, inside the closing service's transaction (the case row is
    already locked there). Returns how many deadlines it cancelled."""
    cancelled = Deadline.objects.filter(case=case, status=DeadlineStatus.OPEN).update(
        status=DeadlineStatus.CANCELLED, completed_month=None
    )
    stopped = CheckInSchedule.objects.filter(case=case, active=True).update(active=False)
    if cancelled or stopped:
        record(
            "deadline.closed_with_case",
            actor=by,
            obj=case,
            org=case.organisation_id,
            count=cancelled,
        )
    return cancelled
