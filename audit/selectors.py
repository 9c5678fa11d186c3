"""Reads of the audit log. The callers (org admin pages, case pages) decide who may ask;
these functions only filter. Names of people live in accounts: here there are only ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
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


@dataclass(frozen=True)
class SharedObjects:
    """Objects of other organisations shared with one (``object_ids`` of ``object_type``),
    and the organisation's people (``actor_ids``) whose events on them it may read."""

    object_type: str
    object_ids: tuple[str, ...]
    actor_ids: tuple[uuid.UUID, ...]


def events_for_organisation(
    *,
    organisation_id: uuid.UUID | str,
    actor_id: uuid.UUID | str | None = None,
    action_prefix: str | None = None,
    date_from: date | datetime | None = None,
    date_to: date | datetime | None = None,
    obj: tuple[str, str] | None = None,
    shared: SharedObjects | None = None,
) -> QuerySet[AuditEvent]:
    """The organisation's events, newest first.

    ``obj`` (object type, object id) narrows to the events on one object. ``shared`` adds the
    events of the organisation's own people on objects another organisation shared with it
    (recorded under the owner's organisation): e.g. its members' reads of referred cases.

    ``action_prefix`` matches a whole code or a namespace: ``"auth"`` and ``"auth."`` match
    ``auth.login.failed`` but not ``authority.x``. ``date_from`` and ``date_to`` are inclusive
    days in the current time zone (a datetime is taken as an exact bound: from inclusive, to
    exclusive).
    """
    scope = Q(organisation_id=organisation_id)
    if shared is not None and shared.object_ids and shared.actor_ids:
        scope |= Q(
            object_type=shared.object_type,
            object_id__in=[str(pk) for pk in shared.object_ids],
            actor_id__in=list(shared.actor_ids),
        )
    events = AuditEvent.objects.filter(scope)
    if obj is not None:
        events = events.filter(object_type=obj[0], object_id=str(obj[1]))
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
    # The caller's own expressions about the actor (``about`` of viewers_of), by name.
    about: dict[str, Any] = field(default_factory=dict)


def viewers_of(
    *,
    object_type: str,
    object_id: Any,
    action_prefix: str | None = None,
    count_action: str | None = None,
    about: dict[str, Any] | None = None,
) -> list[Viewer]:
    """Everyone who has acted on one object (viewed, changed, exported it), most recent
    first, with the time of their last event on it and how many there were. One query.

    ``object_type`` is the model label as record() stores it (``obj._meta.label_lower``,
    e.g. ``"casework.case"``); ``action_prefix`` narrows to a namespace (e.g. reads only).
    ``count_action`` counts only the events of that exact action (e.g. page visits) while
    still listing everyone who acted. Events without an actor (the system) are left out.
    ``about``: expressions on ``actor_id`` (subqueries of the caller's tables, such as the
    actor's name) read in the same query, in each Viewer's ``about``.
    """
    events = AuditEvent.objects.filter(
        object_type=object_type, object_id=str(object_id), actor_id__isnull=False
    )
    if action_prefix:
        prefix = action_prefix.rstrip(".")
        events = events.filter(Q(action=prefix) | Q(action__startswith=prefix + "."))
    counted = Count("id", filter=Q(action=count_action)) if count_action else Count("id")
    rows = (
        events.order_by()
        .values("actor_id")
        .annotate(last_at=Max("at"), count=counted, **(about or {}))
        .order_by("-last_at", "actor_id")
    )
    return [
        Viewer(
            row["actor_id"],
            row["last_at"],
            row["count"],
            about={name: row[name] for name in about or ()},
        )
        for row in rows
    ]


def readers_of(
    *,
    object_type: str,
    object_ids: Iterable[Any],
    actor_ids: Iterable[Any],
    action: str,
) -> dict[str, list[Viewer]]:
    """For several objects, who of ``actor_ids`` did ``action`` on each (e.g. the members of
    one organisation who visited each case referred to it): object id -> viewers, most recent
    first. One query, whatever the number of objects."""
    ids = [str(pk) for pk in object_ids]
    actors = [str(pk) for pk in actor_ids]
    if not ids or not actors:
        return {}
    rows = (
        AuditEvent.objects.filter(
            object_type=object_type, object_id__in=ids, actor_id__in=actors, action=action
        )
        .order_by()
        .values("object_id", "actor_id")
        .annotate(last_at=Max("at"), count=Count("id"))
        .order_by("-last_at", "actor_id")
    )
    found: dict[str, list[Viewer]] = {}
    for row in rows:
        viewer = Viewer(row["actor_id"], row["last_at"], row["count"])
        found.setdefault(row["object_id"], []).append(viewer)
    return found
