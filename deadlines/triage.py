"""What the dashboard asks of the deadlines app: the tasks due now and this week, and the
missed welfare check-ins, each as a few top items and a count, whatever the caseload.

Bounded: the days are sealed, so only what the dashboard may show is opened. Deadlines of
months before this one are overdue for certain and are counted in SQL; only the oldest few
of them and the deadlines of this month and the month a week from now (at most WINDOW) are
opened, under the reader's key scope. Information dates are not tasks and stay out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import (
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    QuerySet,
)
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import User
from casework.models import Case
from casework.selectors import cases_assigned_to
from deadlines.dates import by_due, first_of_month, open_for
from deadlines.models import CheckInSchedule, Deadline
from deadlines.selectors import deadlines_of

# How many items of each kind the dashboard shows; the rest are behind "see all".
TOP = 5
# The most deadlines of this month and next opened for the dashboard (beyond: counts are
# shown as lower bounds). Opening costs queries per case, not per row.
WINDOW = 200


@dataclass
class DueTasks:
    overdue: list[Deadline] = field(default_factory=list)
    this_week: list[Deadline] = field(default_factory=list)
    overdue_count: int = 0
    this_week_count: int = 0
    # More deadlines fell in this month and next than WINDOW: the counts are lower bounds.
    partial: bool = False


def task_deadlines_of(*, user: User) -> QuerySet[Deadline]:
    """deadlines_of() without information dates: what the user has to act on. Lazy."""
    return deadlines_of(user=user).filter(information=False)


def due_tasks(*, user: User, today: date | None = None, top: int = TOP) -> DueTasks:
    """Overdue and this week's tasks: the first ``top`` of each by day, and their counts.
    Four queries, the keys of the opened days (one per section) and the grant check of each
    case opened (at most top + WINDOW cases): constant in the number of open deadlines."""
    today = today or timezone.now().date()
    this_month = first_of_month(today)
    tasks = task_deadlines_of(user=user)
    earlier = tasks.filter(due_month__lt=this_month)
    window_rows = tasks.filter(
        due_month__gte=this_month, due_month__lte=first_of_month(today + timedelta(days=6))
    )
    result = DueTasks(overdue_count=earlier.count())
    window = list(window_rows[:WINDOW])
    result.partial = window_rows.count() > WINDOW
    oldest = list(earlier[:top])
    opened = open_for(user=user, deadlines=[*oldest, *window], today=today)
    overdue = [d for d in opened if d.overdue]
    week = [d for d in opened if not d.overdue and d.days_left is not None and d.days_left <= 6]
    result.overdue_count += sum(1 for d in window if d.overdue)
    result.this_week_count = len(week)
    result.overdue = sorted(overdue, key=by_due)[:top]
    result.this_week = sorted(week, key=by_due)[:top]
    return result


@dataclass
class MissedCheckIns:
    cases: list[Case]
    count: int


def missed_checkins(*, user: User, top: int = TOP) -> MissedCheckIns:
    """Cases assigned to the user whose active check-in schedule is past due, longest
    missed first: the first ``top`` and the count. Two queries; no case content."""
    # Cast and an explicit DurationField: SQLite (the embedded demo) refuses a small-integer
    # field times an interval and would add the product as plain numbers.
    interval = ExpressionWrapper(
        Cast("interval_hours", IntegerField()) * timedelta(hours=1), output_field=DurationField()
    )
    next_due = ExpressionWrapper(F("last_check_in_at") + interval, output_field=DateTimeField())
    missed = (
        CheckInSchedule.objects.filter(
            active=True, case__in=cases_assigned_to(user=user).values("pk")
        )
        .annotate(missed_since=next_due)
        .filter(missed_since__lt=timezone.now())
    )
    rows = list(missed.select_related("case").order_by("missed_since")[:top])
    return MissedCheckIns(cases=[row.case for row in rows], count=missed.count())
