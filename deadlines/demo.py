"""Demo deadlines for `make run` (called from casework.demo while it seeds cases)."""

from __future__ import annotations

from datetime import date, timedelta

from accounts.models import User
from casework.models import Case
from deadlines import services
from deadlines.models import DeadlineKind

DEMO_KINDS = ("consulate_appointment", "visa_expiry", "court_date", "appeal")


def demo_deadline(*, case: Case, by: User, today: date, seq: int) -> None:
    """One deadline due today and one in ten days (kinds vary with ``seq``)."""
    kinds = list(DeadlineKind.objects.filter(code__in=DEMO_KINDS).order_by("position"))
    if not kinds:
        return
    services.deadline_create(
        case=case, by=by, kind=kinds[seq % len(kinds)], due_date=today, note="Demo deadline"
    )
    services.deadline_create(
        case=case,
        by=by,
        kind=kinds[(seq + 1) % len(kinds)],
        due_date=today + timedelta(days=10),
        note="",
    )
