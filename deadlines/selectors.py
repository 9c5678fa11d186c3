"""Reads that depend on who asks. Cases are reached only through casework.selectors.

Deadlines are case content (a threshold date reveals an absence start): only caseworkers
assigned to the case see them, like the sections; org admins do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Role, User
from casework.models import Case
from casework.selectors import cases_visible_to
from deadlines.models import Deadline, DeadlineStatus, Notification, NotificationKind


def _assigned_cases(user: User) -> QuerySet[Case]:
    return cases_visible_to(user=user).filter(
        assigned_caseworkers=user,
        organisation__memberships__user=user,
        organisation__memberships__role=Role.CASEWORKER,
    )


def deadlines_of(*, user: User) -> QuerySet[Deadline]:
    """Open deadlines the user is responsible for: assigned to them, or unassigned on a case
    they are assigned to. Lazy; one query with the case and kind."""
    cases = _assigned_cases(user).values("pk")
    return (
        Deadline.objects.filter(case_id__in=cases, status=DeadlineStatus.OPEN)
        .filter(Q(assignee=user) | Q(assignee__isnull=True))
        .select_related("case", "kind", "assignee")
        .defer("note")
        .order_by("due_date", "id")
    )


@dataclass
class MyDeadlines:
    overdue: list[Deadline] = field(default_factory=list)
    this_week: list[Deadline] = field(default_factory=list)
    later: list[Deadline] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.this_week) + len(self.later)


def my_deadlines(*, user: User, today: date | None = None) -> MyDeadlines:
    """Grouped: overdue (before today), this week (today to 6 days on), later. One query."""
    today = today or timezone.now().date()
    week_end = today + timedelta(days=6)
    result = MyDeadlines()
    for deadline in deadlines_of(user=user):
        if deadline.due_date < today:
            result.overdue.append(deadline)
        elif deadline.due_date <= week_end:
            result.this_week.append(deadline)
        else:
            result.later.append(deadline)
    return result


def case_deadlines(*, user: User, case: Case) -> QuerySet[Deadline]:
    """All deadlines of a case the user can see (open first). Caller checked assignment."""
    return (
        Deadline.objects.filter(case=case)
        .select_related("kind", "assignee")
        .order_by("status", "due_date", "id")
    )


def deadline_for(*, user: User, pk) -> Deadline | None:
    """The deadline if its case is within the user's reach (else None: 404)."""
    return (
        Deadline.objects.filter(pk=pk, case__in=cases_visible_to(user=user))
        .select_related("case", "kind")
        .first()
    )


def notifications_of(*, user: User, limit: int = 100) -> list[Notification]:
    """The user's newest notifications whose case they can still see; a deadline's only while
    they are still assigned to its case (its kind and date are case content). One query."""
    visible = cases_visible_to(user=user).values("pk")
    assigned = _assigned_cases(user).values("pk")
    return list(
        Notification.objects.filter(user=user, case_id__in=visible)
        .exclude(Q(kind=NotificationKind.DEADLINE) & ~Q(case_id__in=assigned))
        .select_related("case", "deadline__kind")
        .defer("deadline__note")
        .order_by("-created_at", "-id")[:limit]
    )


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def urgent_notifications(*, user: User) -> list[Notification]:
    """Unread urgent notifications (due today, missed check-ins) for the dashboard."""
    return [n for n in notifications_of(user=user, limit=20) if n.urgent and n.read_at is None]
