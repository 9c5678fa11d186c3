"""The reminder scan (``reminders_scan``), which the periodic task and ``manage.py
send_reminders`` both call. It claims each due (deadline, offset) once through the unique
ReminderClaim row, writes in-app notifications, and owes each person at most one pending
digest e-mail, sent in batches by ``send_digest_emails_task`` after commit.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.services import record
from casework import envelope
from casework.models import Case
from deadlines.dates import first_of_month, open_days, system_scope
from deadlines.models import (
    DUE_FIELDS,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    Notification,
    NotificationKind,
    ReminderClaim,
)
from deadlines.services.digests import owe_digests, queue_digests


def active_offset(*, due: date, created_on: date, offsets: list[int], today: date) -> int | None:
    """The reminder window ``today`` falls in: the smallest offset whose window has opened
    (due - offset <= today), provided it opened on or after the day the deadline was created
    (a window that was already open then is not announced). None once the due date passed."""
    days_left = (due - today).days
    if days_left < 0:
        return None
    opened = [o for o in offsets if o >= days_left]
    if not opened:
        return None
    offset = min(opened)
    if due - timedelta(days=offset) < created_on:
        return None
    return offset


def recipients_of(case_id: uuid.UUID, assignee_id: uuid.UUID | None, assigned: dict) -> list:
    """Who a deadline reminds: its assignee, else the case's assigned caseworkers."""
    if assignee_id is not None:
        return [assignee_id]
    return sorted(assigned.get(case_id, ()))


@dataclass
class ScanResult:
    claimed: int = 0
    notifications: int = 0
    emails: int = 0


def _candidates(*, today: date, kinds: dict[int, list[int]]) -> list[tuple]:
    """(id, case id, kind id, created on, due section, the sealed day, the wrapped key of the
    case's section) of the open deadlines whose due month can hold a day within their kind's
    widest reminder window (from this month to the month of today + widest offset). One query;
    rows, not instances (the scan reads thousands)."""
    by_widest: dict[int, list[int]] = defaultdict(list)
    for kind_id, offsets in kinds.items():
        if offsets:
            by_widest[max(offsets)].append(kind_id)
    if not by_widest:
        return []
    months = Q()
    for widest, kind_ids in by_widest.items():
        months |= Q(kind_id__in=kind_ids, due_month__lte=today + timedelta(days=widest))
    rows = (
        Deadline.objects.filter(
            months, status=DeadlineStatus.OPEN, due_month__gte=first_of_month(today)
        )
        .annotate(wrapped=envelope.wrapped_key_of(case="case_id", section="due_section"))
        .order_by()  # any order: sorting ten thousand rows on disk cost more than the rest
        .values_list(
            "id", "case_id", "kind_id", "created_on", "due_section", *DUE_FIELDS.values(), "wrapped"
        )
    )
    column = {section: index for index, section in enumerate(DUE_FIELDS)}
    return [
        (pk, case_id, kind_id, created_on, section, sealed[column[section]], sealed[-1])
        for pk, case_id, kind_id, created_on, section, *sealed in rows
    ]


def _due_claims(*, now: datetime, run: uuid.UUID) -> list[ReminderClaim]:
    """Unsaved claims for every open deadline whose reminder window is open today. Two
    queries (the kinds' offsets; the deadlines of the months in the widest windows, with their
    sections' wrapped keys), one unwrapping per case and section and one AES-GCM opening per
    deadline, in a system key scope."""
    today = now.date()
    kinds = {k.pk: k.offsets() for k in DeadlineKind.objects.all()}
    # A deadline whose section was erased (no key) has no day any more: no reminder.
    candidates = [row for row in _candidates(today=today, kinds=kinds) if row[6] is not None]
    with system_scope():
        days = open_days(
            ((row[0], row[1], row[4], row[5]) for row in candidates),
            keys=((row[1], row[4], row[6]) for row in candidates),
        )
    claims = []
    for pk, _case_id, kind_id, created_on, _section, _day, _key in candidates:
        due = days.get(pk)
        if due is None:
            continue  # it failed to open: the envelope logged a security event
        offset = active_offset(due=due, created_on=created_on, offsets=kinds[kind_id], today=today)
        if offset is not None:
            claims.append(ReminderClaim(deadline_id=pk, offset=offset, run=run))
    return claims


def _assigned_caseworkers(case_ids: QuerySet) -> dict[uuid.UUID, set[uuid.UUID]]:
    """case id -> ids of its assigned caseworkers who are active and not frozen. One query."""
    assigned: dict = defaultdict(set)
    for case_id, user_id in Case.assigned_caseworkers.through.objects.filter(
        case_id__in=case_ids,
        user__is_active=True,
        user__frozen_at__isnull=True,
    ).values_list("case_id", "user_id"):
        assigned[case_id].add(user_id)
    return assigned


def _reminder_notes(
    run: uuid.UUID, now: datetime
) -> tuple[int, list[Notification], dict[tuple[uuid.UUID, object], int]]:
    """How many reminders ``run`` claimed; unsaved in-app notifications, one per claimed
    reminder and recipient; and how many reminders each person got per organisation (for the
    audit events). Three queries of rows, not instances, with the claimed cases as a
    subquery (there can be thousands)."""
    claims = ReminderClaim.objects.filter(run=run)
    case_ids = claims.values("deadline__case_id")
    assigned = _assigned_caseworkers(case_ids)
    orgs = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "organisation_id"))
    notes = []
    # Audited per person and organisation (who was reminded of how many); the claims and
    # notifications name the deadlines. One event per reminder cost most of a scan.
    reminded: dict[tuple[uuid.UUID, object], int] = defaultdict(int)
    # The month only (Notification): the day a reminder goes out is its due date minus the
    # offset.
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = claims.values_list("deadline_id", "offset", "deadline__case_id", "deadline__assignee_id")
    claimed = 0
    for deadline_id, offset, case_id, assignee_id in rows:
        claimed += 1
        for user_id in recipients_of(case_id, assignee_id, assigned):
            reminded[(user_id, orgs.get(case_id))] += 1
            notes.append(
                Notification(
                    user_id=user_id,
                    kind=NotificationKind.DEADLINE,
                    case_id=case_id,
                    deadline_id=deadline_id,
                    offset=offset,
                    urgent=offset == 0,
                    created_at=month_start,
                )
            )
    return claimed, notes, reminded


def reminders_scan(*, now: datetime | None = None) -> ScanResult:
    """One reminder run. Cost: one query for the deadlines of the months in the widest
    windows, one for their data keys and an AES-GCM opening each (system scope), one bulk
    insert of claims, three reads of what was claimed (the rows, their recipients, their
    organisations), bulk inserts of notifications and e-mails, one audit event per person
    and organisation reminded. Safe to run concurrently: the unique claim decides."""
    now = now or timezone.now()
    run = uuid.uuid4()
    result = ScanResult()
    with transaction.atomic():
        claims = _due_claims(now=now, run=run)
        if not claims:
            result.emails = queue_digests(now)
            return result
        # The unique (deadline, offset) constraint: rows another run holds are skipped.
        ReminderClaim.objects.bulk_create(claims, ignore_conflicts=True, batch_size=1000)
        result.claimed, notes, reminded = _reminder_notes(run, now)
        Notification.objects.bulk_create(notes, batch_size=1000)
        result.notifications = len(notes)
        owe_digests({note.user_id for note in notes}, now)
        result.emails = queue_digests(now)
        # The audit appends come last, after every row written (audit.services, "Lock order").
        for (user_id, org_id), count in sorted(reminded.items(), key=str):
            record("reminder.sent", actor=None, org=org_id, target_user=str(user_id), count=count)
    return result
