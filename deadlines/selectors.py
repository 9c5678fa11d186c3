"""Reads that depend on who asks. Cases are reached only through casework.selectors.

Deadlines are case content (a threshold date reveals an absence start): only caseworkers
assigned to the case see them, like the sections; org admins do not. Their days are sealed:
the lists open them under the reader's key scope (deadlines.dates.open_for), and a day the
reader may not open shows as its month.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import Role, User
from casework import envelope
from casework.models import Case
from casework.sections import Section
from casework.selectors import cases_visible_to, readable_sections, unread_notices
from deadlines.dates import by_due, open_due, open_for, user_scope
from deadlines.models import (
    Deadline,
    DeadlineChange,
    DeadlineStatus,
    Notification,
    NotificationKind,
)


def assigned_cases(user: User) -> QuerySet[Case]:
    return cases_visible_to(user=user).filter(
        assigned_caseworkers=user,
        organisation__memberships__user=user,
        organisation__memberships__role=Role.CASEWORKER,
    )


def deadlines_of(*, user: User) -> QuerySet[Deadline]:
    """Open deadlines the user is responsible for: assigned to them, or unassigned on a case
    they are assigned to. Lazy; one query with the case and kind."""
    cases = assigned_cases(user).values("pk")
    return (
        Deadline.objects.filter(case_id__in=cases, status=DeadlineStatus.OPEN)
        .filter(Q(assignee=user) | Q(assignee__isnull=True))
        .select_related("case", "kind", "assignee")
        .defer("note")
        .order_by("due_month", "id")
    )


@dataclass
class MyDeadlines:
    overdue: list[Deadline] = field(default_factory=list)
    this_week: list[Deadline] = field(default_factory=list)
    later: list[Deadline] = field(default_factory=list)
    # Information dates (a threshold passed, an e-summons served): events, never overdue.
    information: list[Deadline] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.this_week) + len(self.later)


def my_deadlines(*, user: User, today: date | None = None) -> MyDeadlines:
    """Grouped: overdue (before today), this week (today to 6 days on), later, each by day;
    information dates apart. A deadline whose day the user may not open is overdue once its
    month is over, else later. One query, and the days opened (deadlines.dates.open_for)."""
    today = today or timezone.now().date()
    result = MyDeadlines()
    deadlines = open_for(user=user, deadlines=deadlines_of(user=user), today=today)
    for deadline in sorted(deadlines, key=by_due):
        if deadline.information:
            result.information.append(deadline)
        elif deadline.overdue:
            result.overdue.append(deadline)
        elif deadline.days_left is not None and deadline.days_left <= 6:
            result.this_week.append(deadline)
        else:
            result.later.append(deadline)
    return result


def case_deadlines(*, user: User, case: Case) -> list[Deadline]:
    """All deadlines of a case (open first, then by day), their days opened under the user's
    key scope; with the notes section open to the user, each one's note (``note_text``) and
    history of changes (``history``: dicts of at, by, before, after, reason). Caller checked
    assignment. Four queries, and the grant check of the scope."""
    deadlines = (
        Deadline.objects.filter(case=case)
        .select_related("kind", "assignee")
        .prefetch_related(Prefetch("changes", queryset=DeadlineChange.objects.select_related("by")))
        .order_by("status", "due_month", "id")
    )
    opened = open_for(user=user, deadlines=deadlines, today=timezone.now().date())
    notes_open = Section.NOTES in readable_sections(user=user, case=case)
    with user_scope(user):
        for deadline in opened:
            deadline.note_text, deadline.history = "", []
            if notes_open:
                _open_notes(case, deadline)
    return sorted(opened, key=lambda d: (d.status, by_due(d)))


def _open_notes(case: Case, deadline: Deadline) -> None:
    """Sets the note and history of the deadline, or leaves them empty if they fail to open
    (an erased section; a failure is logged by the envelope)."""
    opener = case.envelope
    try:
        deadline.note_text = opener.open(deadline, "note") or ""
        deadline.history = [
            {
                "at": change.at,
                "by": change.by,
                "before": opener.open(change, "due_before"),
                "after": opener.open(change, "due_after"),
                "reason": opener.open(change, "reason"),
            }
            for change in deadline.changes.all()
        ]
    except envelope.SealedDataError:
        deadline.note_text, deadline.history = "", []


def deadline_values(*, deadline: Deadline) -> dict[str, Any]:
    """The day and note of a deadline for its change form, opened in the current key scope
    (the caller's case page scope; raises the envelope's errors). Two AES-GCM openings."""
    return {"due_date": open_due(deadline), "note": deadline.case.envelope.open(deadline, "note")}


def deadline_for(*, user: User, pk) -> Deadline | None:
    """The deadline if its case is within the user's reach (else None: 404)."""
    return (
        Deadline.objects.filter(pk=pk, case__in=cases_visible_to(user=user))
        .select_related("case", "kind")
        .first()
    )


def _shown_to(user: User):
    """The user's notifications whose case they can still see; a deadline's only while they
    are still assigned to its case. Lazy."""
    visible = cases_visible_to(user=user).values("pk")
    assigned = assigned_cases(user).values("pk")
    return Notification.objects.filter(user=user, case_id__in=visible).exclude(
        Q(kind=NotificationKind.DEADLINE) & ~Q(case_id__in=assigned)
    )


def notifications_of(*, user: User, limit: int = 100) -> list[Notification]:
    """The user's newest notifications whose case they can still see; a deadline's only while
    they are still assigned to its case (its kind and date are case content), its day opened
    under the user's key scope. One query, and the days opened."""
    notes = list(
        _shown_to(user)
        .select_related("case", "deadline__kind")
        .defer("deadline__note")
        .order_by("-id")[:limit]
    )
    deadlines = [note.deadline for note in notes if note.deadline is not None]
    open_for(user=user, deadlines=deadlines, today=timezone.now().date())
    return notes


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def inbox_unread(*, user: User) -> int:
    """Unread items of the one inbox: the deadline notifications it shows and the notices
    about cases. Two queries."""
    return _shown_to(user).filter(read_at__isnull=True).count() + unread_notices(user=user)


def urgent_notifications(*, user: User) -> list[Notification]:
    """Unread urgent notifications (due today, missed check-ins) for the dashboard."""
    return [n for n in notifications_of(user=user, limit=20) if n.urgent and n.read_at is None]


def _first_open_month(case_ref: Any) -> Subquery:
    return Subquery(
        Deadline.objects.filter(case=case_ref, status=DeadlineStatus.OPEN, information=False)
        .order_by("due_month")
        .values("due_month")[:1]
    )


def next_due_month(user: User) -> Any:
    """For the case list's sorting (casework.selectors.register_next_due): the month of the
    case's next open task if the user is an assigned caseworker of it (else NULL: deadlines
    are theirs to see). The list has already limited the cases to the user's reach. One
    indexed subquery per case."""
    return Subquery(
        Deadline.objects.filter(
            case=OuterRef("pk"),
            status=DeadlineStatus.OPEN,
            information=False,
            case__assigned_caseworkers=user,
            case__organisation__memberships__user=user,
            case__organisation__memberships__role=Role.CASEWORKER,
        )
        .order_by("due_month")
        .values("due_month")[:1]
    )


def next_deadlines(*, user: User, cases: Iterable[Case]) -> dict[Any, Deadline]:
    """case id -> the case's next open task, its day opened, for the listed cases the user is
    an assigned caseworker of. Two queries, the keys and the grant check of each such case:
    bounded by the page, not by the deadlines."""
    ids = [case.pk for case in cases]
    mine = assigned_cases(user).filter(pk__in=ids).values("pk")
    candidates = (
        Deadline.objects.filter(case_id__in=mine, status=DeadlineStatus.OPEN, information=False)
        .filter(due_month=_first_open_month(OuterRef("case_id")))
        .select_related("kind")
        .defer("note")
    )
    found: dict[Any, Deadline] = {}
    for deadline in sorted(
        open_for(user=user, deadlines=candidates, today=timezone.now().date()), key=by_due
    ):
        found.setdefault(deadline.case_id, deadline)
    return found
