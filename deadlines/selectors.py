"""Reads that depend on who asks. Cases are reached only through casework.selectors.

Deadlines are case content (a threshold date reveals an absence start): only caseworkers
assigned to the case see them, like the sections; org admins do not. Their days are sealed:
the lists open them under the reader's key scope (deadlines.dates.open_for), and a day the
reader may not open shows as its month.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import Role, User
from casework import envelope
from casework.models import Case
from casework.sections import Section
from casework.selectors import (
    cases_assigned_to,
    cases_visible_to,
    readable_sections,
    unread_notice_rows,
)
from deadlines.dates import by_due, first_of_month, open_due, open_for, user_scope
from deadlines.models import (
    CaseRetention,
    CheckInSchedule,
    Deadline,
    DeadlineChange,
    DeadlineStatus,
    Notification,
    NotificationKind,
    RetentionAction,
)


def deadlines_of(*, user: User) -> QuerySet[Deadline]:
    """Open deadlines the user is responsible for: assigned to them, or unassigned on a case
    they are assigned to. Lazy; one query with the case and kind."""
    cases = cases_assigned_to(user=user).values("pk")
    return (
        Deadline.objects.filter(case_id__in=cases, status=DeadlineStatus.OPEN)
        .filter(Q(assignee=user) | Q(assignee__isnull=True))
        .select_related("case", "kind", "assignee")
        .defer("note")
        .order_by("due_month", "id")
    )


# Rows per page of each group of /deadlines/.
PAGE_SIZE = 25
# The most deadlines of this month and the month a week from now opened for /deadlines/ (the
# only months whose deadlines can fall in more than one group: their day is sealed). Beyond,
# the counts are lower bounds.
WINDOW = 200
# The query parameter of each group's page number.
GROUP_PARAMS = {"overdue": "overdue", "this_week": "week", "later": "later", "information": "dates"}


class DeadlineGroup(list):
    """One group of /deadlines/: the deadlines of the page asked for (the list itself), by
    day, and the group's ``total``, ``page`` and ``pages``. ``partial``: the count is a lower
    bound (more than WINDOW deadlines fell in this month and next)."""

    def __init__(
        self, rows: Iterable[Deadline] = (), *, count: int = 0, page: int = 1, partial=False
    ) -> None:
        super().__init__(rows)
        self.total = count
        self.page = page
        self.pages = max(1, -(-count // PAGE_SIZE))
        self.partial = partial
        # Set by the view: the query string without this group's page, for its links.
        self.param = ""
        self.query = ""

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


@dataclass
class MyDeadlines:
    overdue: DeadlineGroup = field(default_factory=DeadlineGroup)
    this_week: DeadlineGroup = field(default_factory=DeadlineGroup)
    later: DeadlineGroup = field(default_factory=DeadlineGroup)
    # Information dates (a threshold passed, an e-summons served): events, never overdue.
    information: DeadlineGroup = field(default_factory=DeadlineGroup)

    @property
    def count(self) -> int:
        return self.overdue.total + self.this_week.total + self.later.total


def _page(pages: dict[str, int], group: str, count: int) -> tuple[int, int, int]:
    """(page number, first index, end index) of the group's page, the number clamped to the
    pages there are."""
    last = max(1, -(-count // PAGE_SIZE))
    page = min(max(1, pages.get(group, 1)), last)
    return page, (page - 1) * PAGE_SIZE, page * PAGE_SIZE


def _split_window(
    user: User, window: QuerySet[Deadline], today: date
) -> tuple[list[Deadline], list[Deadline], list[Deadline], bool]:
    """The deadlines of this month and next week's month (at most WINDOW), opened and split
    into overdue, this week and later, each by day; and whether there were more."""
    rows = list(window[: WINDOW + 1])
    opened = open_for(user=user, deadlines=rows[:WINDOW], today=today)
    soon = [d for d in opened if not d.overdue and d.days_left is not None and d.days_left <= 6]
    soon_ids = {d.pk for d in soon}
    overdue = [d for d in opened if d.overdue]
    later = [d for d in opened if not d.overdue and d.pk not in soon_ids]
    return (
        sorted(overdue, key=by_due),
        sorted(soon, key=by_due),
        sorted(later, key=by_due),
        len(rows) > WINDOW,
    )


def my_deadlines(
    *, user: User, today: date | None = None, pages: dict[str, int] | None = None
) -> MyDeadlines:
    """Grouped: overdue (before today), this week (today to 6 days on), later, each by day;
    information dates apart; one page (PAGE_SIZE) of each group, ``pages``: group -> page
    number (default 1). A deadline whose day the user may not open is overdue once its month
    is over, else later.

    Bounded whatever the number of deadlines: months before this one are overdue for certain
    and months after next week's later for certain, so they are counted in SQL and only the
    page shown is opened; the deadlines of this month and next week's month (at most WINDOW)
    are opened to sort them into the groups. Within a month, rows on different pages follow
    the month's order in the database, and each page is by day. Five queries, and the keys of
    the days opened (one per section) and the grant check of their cases (one query)."""
    today = today or timezone.now().date()
    pages = pages or {}
    this_month = first_of_month(today)
    week_end = first_of_month(today + timedelta(days=6))
    every = deadlines_of(user=user)
    tasks = every.filter(information=False)
    earlier = tasks.filter(due_month__lt=this_month)
    beyond = tasks.filter(due_month__gt=week_end)
    dates = every.filter(information=True)
    counts = every.aggregate(
        earlier=Count("id", filter=Q(information=False, due_month__lt=this_month)),
        beyond=Count("id", filter=Q(information=False, due_month__gt=week_end)),
        dates=Count("id", filter=Q(information=True)),
    )
    window = tasks.filter(due_month__gte=this_month, due_month__lte=week_end)
    overdue_now, soon, later_now, partial = _split_window(user, window, today)

    n_earlier, n_beyond = counts["earlier"], counts["beyond"]
    o_page, o_start, o_end = _page(pages, "overdue", n_earlier + len(overdue_now))
    w_page, w_start, w_end = _page(pages, "this_week", len(soon))
    l_page, l_start, l_end = _page(pages, "later", len(later_now) + n_beyond)
    i_page, i_start, i_end = _page(pages, "information", counts["dates"])
    old = list(earlier[o_start : min(o_end, n_earlier)]) if o_start < n_earlier else []
    ahead = max(0, l_start - len(later_now)), max(0, l_end - len(later_now))
    far = list(beyond[ahead[0] : ahead[1]]) if ahead[1] > ahead[0] else []
    shown_dates = list(dates[i_start:i_end])
    open_for(user=user, deadlines=[*old, *far, *shown_dates], today=today)
    overdue_rows = old + overdue_now[max(0, o_start - n_earlier) : max(0, o_end - n_earlier)]
    return MyDeadlines(
        overdue=DeadlineGroup(
            sorted(overdue_rows, key=by_due),
            count=n_earlier + len(overdue_now),
            page=o_page,
            partial=partial,
        ),
        this_week=DeadlineGroup(soon[w_start:w_end], count=len(soon), page=w_page, partial=partial),
        later=DeadlineGroup(
            sorted(later_now[l_start:l_end] + far, key=by_due),
            count=len(later_now) + n_beyond,
            page=l_page,
            partial=partial,
        ),
        information=DeadlineGroup(
            sorted(shown_dates, key=by_due), count=counts["dates"], page=i_page
        ),
    )


def case_deadlines(*, user: User, case: Case) -> list[Deadline]:
    """All deadlines of a case (open first, then by day), their days opened under the user's
    key scope; with the notes section open to the user, each one's note (``note_text``) and
    history of changes (``history``: dicts of at, by, before, after, reason). Caller checked
    assignment. One query, one more when a deadline was changed, and the keys and grant check
    of the scope (none on the case page, which holds them)."""
    changed = DeadlineChange.objects.filter(deadline_id=OuterRef("pk"))
    deadlines = (
        Deadline.objects.filter(case=case)
        .select_related("kind", "assignee")
        .annotate(_changed=Exists(changed))
        .order_by("status", "due_month", "id")
    )
    opened = open_for(user=user, deadlines=deadlines, today=timezone.now().date())
    notes_open = Section.NOTES in readable_sections(user=user, case=case)
    changes: dict[Any, list[DeadlineChange]] = {}
    ids = [deadline.pk for deadline in opened if deadline._changed]  # type: ignore[attr-defined]
    if notes_open and ids:
        rows = DeadlineChange.objects.filter(deadline_id__in=ids).select_related("by")
        for change in rows.order_by("at", "id"):
            changes.setdefault(change.deadline_id, []).append(change)
    with user_scope(user):
        for deadline in opened:
            deadline.note_text, deadline.history = "", []
            if notes_open:
                _open_notes(case, deadline, changes.get(deadline.pk, []))
    return sorted(opened, key=lambda d: (d.status, by_due(d)))


def _open_notes(case: Case, deadline: Deadline, changes: list[DeadlineChange]) -> None:
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
            for change in changes
        ]
    except envelope.SealedDataError:
        deadline.note_text, deadline.history = "", []


@dataclass
class CaseUpkeep:
    """The case page's check-in schedule and retention state of one case."""

    schedule: CheckInSchedule | None
    retention: CaseRetention | None
    # Sections due for erasure in the case's status (not yet erased).
    erasures: list[RetentionAction]


def case_upkeep(*, case: Case) -> CaseUpkeep:
    """The case's check-in schedule, retention (each None when there is none) and pending
    erasures. One query, one more when an erasure is pending."""
    pending = RetentionAction.objects.filter(
        case=case, shredded_on__isnull=True, status=case.status
    )
    row = (
        Case.objects.filter(pk=case.pk)
        .select_related("checkin_schedule", "retention")
        .annotate(_pending=Exists(pending))
        .first()
    )
    if row is None:
        return CaseUpkeep(schedule=None, retention=None, erasures=[])
    return CaseUpkeep(
        schedule=_one_to_one(row, "checkin_schedule"),
        retention=_one_to_one(row, "retention"),
        erasures=list(pending) if row._pending else [],
    )


def _one_to_one(row: Case, name: str) -> Any:
    """The row's reverse one-to-one relation read with it (select_related), or None."""
    try:
        return getattr(row, name)
    except ObjectDoesNotExist:
        return None


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
    assigned = cases_assigned_to(user=user).values("pk")
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


class _Count(Subquery):
    """COUNT(*) of a queryset's rows as an expression, for several counts in one query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _counted)"
    output_field = IntegerField()


def inbox_unread(*, user: User) -> int:
    """Unread items of the one inbox: the deadline notifications it shows and the notices
    about cases. One query (both counts as subqueries of the user's row)."""
    notifications = _shown_to(user).filter(read_at__isnull=True).order_by().values("pk")
    notices = unread_notice_rows(user=user).order_by().values("pk")
    counts = (
        User.objects.filter(pk=user.pk)
        .annotate(_unread=_Count(notifications), _unread_notices=_Count(notices))
        .values_list("_unread", "_unread_notices")
        .first()
    )
    return sum(counts) if counts else 0


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
    mine = cases_assigned_to(user=user).filter(pk__in=ids).values("pk")
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
