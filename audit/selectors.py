"""Reads of the audit log. The callers (org admin pages, case pages) decide who may ask;
these functions only filter. Names of people live in accounts: here there are only ids.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from audit.models import AuditEvent


def _start_of(day: date | datetime) -> datetime:
    if isinstance(day, datetime):
        return day if timezone.is_aware(day) else timezone.make_aware(day)
    return timezone.make_aware(datetime.combine(day, time.min))


def events_for_organisation(
    *,
    organisation_id: uuid.UUID | str,
    actor_id: uuid.UUID | str | None = None,
    action_prefix: str | None = None,
    date_from: date | datetime | None = None,
    date_to: date | datetime | None = None,
) -> QuerySet[AuditEvent]:
    """The organisation's events, newest first.

    ``action_prefix`` matches a whole code or a namespace: ``"auth"`` and ``"auth."`` match
    ``auth.login.failed`` but not ``authority.x``. ``date_from`` and ``date_to`` are inclusive
    days in the current time zone (a datetime is taken as an exact bound: from inclusive, to
    exclusive).
    """
    events = AuditEvent.objects.filter(organisation_id=organisation_id)
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if action_prefix:
        prefix = action_prefix.rstrip(".")
        events = events.filter(Q(action=prefix) | Q(action__startswith=prefix + "."))
    if date_from is not None:
        events = events.filter(at__gte=_start_of(date_from))
    if date_to is not None:
        end = date_to if isinstance(date_to, datetime) else date_to + timedelta(days=1)
        events = events.filter(at__lt=_start_of(end))
    return events.order_by("-seq")


@dataclass(frozen=True)
class EventPage:
    """One page of events, newest first, with cursors for the neighbouring pages:
    ``older`` is the ``before`` value of the next page back, ``newer`` the ``after`` value
    of the page before it (None when there is no such page)."""

    events: list[AuditEvent]
    older: int | None
    newer: int | None


def page_of(
    events: QuerySet[AuditEvent],
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = 50,
) -> EventPage:
    """A page of ``events`` by sequence-number cursor: one query, and the same cost on the
    first page as on the ten-thousandth (no COUNT, no OFFSET over an ever-growing log).

    ``before=N``: the ``size`` newest events older than event N (N is the oldest event of
    the page the reader comes from). ``after=N``: the ``size`` oldest events newer than N.
    The query also fetches event N itself: finding it proves there is a page on that side.
    """
    events = events.order_by()  # the direction is chosen below
    if after is not None:
        rows = list(events.filter(seq__gte=after).order_by("seq")[: size + 2])
        has_older = bool(rows) and rows[0].seq == after
        if has_older:
            rows = rows[1:]
        has_newer = len(rows) > size
        rows = rows[:size]
        rows.reverse()
    else:
        if before is not None:
            rows = list(events.filter(seq__lte=before).order_by("-seq")[: size + 2])
            has_newer = bool(rows) and rows[0].seq == before
            if has_newer:
                rows = rows[1:]
        else:
            rows = list(events.order_by("-seq")[: size + 1])
            has_newer = False
        has_older = len(rows) > size
        rows = rows[:size]
    return EventPage(
        events=rows,
        older=rows[-1].seq if rows and has_older else None,
        newer=rows[0].seq if rows and has_newer else None,
    )


@dataclass
class Viewer:
    """One person in a "who has seen this" list. ``label`` is filled in by the caller, which
    knows names (accounts); the audit log knows only the id."""

    actor_id: uuid.UUID
    last_at: datetime
    count: int
    label: Any = field(default="")


def viewers_of(
    *,
    object_type: str,
    object_id: Any,
    action_prefix: str | None = None,
) -> list[Viewer]:
    """Everyone who has acted on one object (viewed, changed, exported it), most recent
    first, with the time of their last event on it and how many there were. One query.

    ``object_type`` is the model label as record() stores it (``obj._meta.label_lower``,
    e.g. ``"casework.case"``); ``action_prefix`` narrows to a namespace (e.g. reads only).
    Events without an actor (the system) are left out.
    """
    events = AuditEvent.objects.filter(
        object_type=object_type, object_id=str(object_id), actor_id__isnull=False
    )
    if action_prefix:
        prefix = action_prefix.rstrip(".")
        events = events.filter(Q(action=prefix) | Q(action__startswith=prefix + "."))
    rows = (
        events.order_by()
        .values("actor_id")
        .annotate(last_at=Max("at"), count=Count("id"))
        .order_by("-last_at", "actor_id")
    )
    return [Viewer(row["actor_id"], row["last_at"], row["count"]) for row in rows]
