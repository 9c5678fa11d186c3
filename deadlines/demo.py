"""Demo deadlines for `make run` (ops.demo calls this after casework's demo seeds the cases)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import deferred
from casework.envelope import key_scope
from casework.models import Case
from deadlines import services
from deadlines.models import DeadlineKind

DEMO_KINDS = ("consulate_appointment", "visa_expiry", "court_date", "appeal")
# Every fifth case (by number: the 1st, 6th, 11th …) gets deadlines.
EVERY = 5


def seed_deadlines(*, cases: Iterable[Case]) -> int:
    """Gives every fifth of ``cases`` (by case number) one deadline due today, which "my
    deadlines" shows and the first reminder scan of `make run` e-mails to the console, and one
    due in ten days. Call it once, with the cases just created: it does not look for deadlines
    already there. Returns how many cases got deadlines."""
    today = timezone.now().date()
    seeded = 0
    with key_scope():
        for case in cases:
            seq = case.number - 1
            if seq % EVERY:
                continue
            by = case.assigned_caseworkers.order_by("email").first()
            if by is None:
                continue
            with transaction.atomic(), deferred():
                demo_deadline(case=case, by=by, today=today, seq=seq)
            seeded += 1
    return seeded


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
