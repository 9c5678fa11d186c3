"""A deadline's due date: the day sealed in the section of the date it derives from, only the
month in clear (``Deadline.due_month``). Every reader opens the day here, in a key scope:
pages under the reading user's scope, where a section closed to the user or erased gives the
month only; the reminder scan under a system scope (no user), all its keys unwrapped at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from accounts.models import User
from casework import envelope
from casework.envelope.keys import scope_var
from deadlines.models import DUE_FIELDS, Deadline


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def seal_due(deadline: Deadline, *, due: date, section: str) -> dict[str, Any]:
    """Seals ``due`` into ``section``'s column of the deadline, empties the other columns and
    sets the month; returns the columns it set (for an ``update()``). The deadline needs its
    primary key (a new Deadline has one). Raises SectionShredded, or KeyRefused in the scope of
    a user who may not open the section. One AES-GCM operation."""
    if section not in DUE_FIELDS:
        raise ValueError(f"no due-date column for section {section!r}")
    values: dict[str, Any] = dict.fromkeys(DUE_FIELDS.values())
    values.update(due_month=first_of_month(due), due_section=section)
    envelope.Envelope(deadline.case_id).seal(deadline, DUE_FIELDS[section], due)
    values[DUE_FIELDS[section]] = getattr(deadline, DUE_FIELDS[section])
    for name, value in values.items():
        setattr(deadline, name, value)
    return values


def open_due(deadline: Deadline, opener: envelope.Envelope | None = None) -> date | None:
    """The deadline's exact due date (None if it was never sealed: the section was erased
    before the date moved to its column). Raises the envelope's errors (SealedDataError)."""
    opener = opener or envelope.Envelope(deadline.case_id)
    return opener.open(deadline, DUE_FIELDS[deadline.due_section])


@contextmanager
def user_scope(user: User) -> Iterator[None]:
    """``key_scope(user=user)``, refused inside a scope of anyone else: a scope without a user
    hands out every key unchecked, and a page must never read under it."""
    with envelope.key_scope(user=user):
        scope = scope_var.get()
        holder = getattr(scope, "user", None)
        if holder is None or holder.pk != user.pk:
            raise RuntimeError("a user's deadlines are opened in that user's key scope only")
        yield


@contextmanager
def system_scope() -> Iterator[None]:
    """``key_scope()`` without a user (the reminder scan), refused inside a user's scope,
    whose grant checks would silently drop the reminders of cases that user cannot open."""
    with envelope.key_scope():
        scope = scope_var.get()
        if getattr(scope, "user", None) is not None:
            raise RuntimeError("the reminder scan opens dates in a system key scope")
        yield


def open_days(
    rows: Iterable[tuple[Any, Any, str, Any]],
    *,
    keys: Iterable[tuple[Any, str, Any]] | None = None,
) -> dict[Any, date]:
    """deadline id -> exact due date, from rows of (deadline id, case id, due_section, the
    stored value of that section's column), for the days that open in the current key scope;
    the others (erased section, closed to the scope's user, or failing to open, which the
    envelope logs as a security event) are left out. ``keys``: (case id, section, wrapped
    key) read along with the rows (envelope.wrapped_key_of); without, the keys are loaded,
    one query per section. One AES-GCM opening per row and per key."""
    rows = list(rows)
    if keys is None:
        envelope.load_keys({(case_id, section) for _pk, case_id, section, _raw in rows})
    else:
        envelope.adopt_keys(keys)
    openers: dict[Any, envelope.Envelope] = {}
    days = {}
    for pk, case_id, section, raw in rows:
        opener = openers.get(case_id)
        if opener is None:
            opener = openers[case_id] = envelope.Envelope(case_id)
        try:
            day = opener.open_stored(Deadline, DUE_FIELDS[section], pk, raw)
        except envelope.SealedDataError:
            continue
        if day is not None:
            days[pk] = day
    return days


def open_dates(deadlines: Iterable[Deadline]) -> dict[Any, date]:
    """open_days() of deadline instances."""
    return open_days(
        (d.pk, d.case_id, d.due_section, getattr(d, DUE_FIELDS[d.due_section])) for d in deadlines
    )


def open_for(*, user: User, deadlines: Iterable[Deadline], today: date) -> list[Deadline]:
    """Opens the deadlines' days under ``user``'s key scope and sets on each ``due`` (the day,
    or None: the page shows the month and says the day is not shared), ``days_left`` (None
    without the day) and ``overdue`` (without the day: its month is over). One query for the
    keys, and the scope's grant check once per case (up to five queries)."""
    deadlines = list(deadlines)
    with user_scope(user):
        days = open_dates(deadlines)
    this_month = first_of_month(today)
    for deadline in deadlines:
        due = deadline.due = days.get(deadline.pk)
        deadline.days_left = (due - today).days if due is not None else None
        deadline.overdue = due < today if due is not None else deadline.due_month < this_month
    return deadlines


def by_due(deadline: Deadline) -> tuple[date, str]:
    """Sort key of opened deadlines: the day, else the first of the month."""
    return (getattr(deadline, "due", None) or deadline.due_month, str(deadline.pk))
