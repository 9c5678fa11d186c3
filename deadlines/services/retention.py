"""Retention: the legal hold, and the daily pass that warns and then crypto-shreds the
sections an organisation keeps only so long."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record
from casework.guards import lock_case
from casework.models import Case
from casework.selectors import is_assigned_caseworker, is_owner_admin
from casework.services import case_shred
from deadlines.models import (
    CaseRetention,
    Notification,
    NotificationKind,
    RetentionAction,
    RetentionRule,
)
from deadlines.services.digests import owe_digests, queue_digests
from deadlines.services.notifications import alert_case_team

RETENTION_WARNING_DAYS = 14
ERR_HOLD_FORBIDDEN = _("Only assigned caseworkers and the organisation's admins set a legal hold.")


@transaction.atomic
def retention_hold_set(*, case: Case, by: User, hold: bool) -> CaseRetention:
    """Sets or lifts the legal hold: while it holds, nothing of the case is shredded."""
    if not (is_assigned_caseworker(user=by, case=case) or is_owner_admin(user=by, case=case)):
        raise PermissionDenied(ERR_HOLD_FORBIDDEN)
    lock_case(case)
    state, _created = CaseRetention.objects.get_or_create(
        case=case, defaults={"status": case.status, "legal_hold": hold}
    )
    state.legal_hold = hold
    state.save(update_fields=["legal_hold"])
    record(
        "retention.hold_set" if hold else "retention.hold_lifted",
        actor=by,
        obj=case,
        org=case.organisation_id,
    )
    return state


def _retention_state(case: Case, today: date) -> CaseRetention:
    """The case's retention row (the case is locked); its clock restarts when the status
    changed."""
    state, created = CaseRetention.objects.get_or_create(
        case=case, defaults={"status": case.status, "status_since": today}
    )
    if not created and state.status != case.status:
        state.status, state.status_since = case.status, today
        state.save(update_fields=["status", "status_since"])
    return state


def _retention_step(
    case: Case,
    rule: RetentionRule,
    since: date,
    *,
    today: date,
    now: datetime,
    notes: list[Notification],
) -> tuple[bool, bool, set[uuid.UUID]]:
    """One rule on one case: warns once, at least 14 days before the section's time is up,
    and shreds it once the time is up and the warning is 14 days old. Returns (warn now,
    shred now, the people owed the digest e-mail); the caller shreds and records."""
    due = since + timedelta(days=rule.keep_days)
    action, _new = RetentionAction.objects.get_or_create(
        case=case, section=rule.section, status=case.status, defaults={"due_on": due}
    )
    if action.shredded_on:
        return False, False, set()
    action.due_on = due
    warn = shred = False
    people: set[uuid.UUID] = set()
    if action.warned_on is None:
        if today >= due - timedelta(days=RETENTION_WARNING_DAYS):
            action.warned_on = today
            warn = True
            people = alert_case_team(
                notes, case=case, kind=NotificationKind.RETENTION_WARNING, now=now
            )
    elif today >= max(due, action.warned_on + timedelta(days=RETENTION_WARNING_DAYS)):
        action.shredded_on = today
        shred = True
    action.save()
    return warn, shred, people


@transaction.atomic
def _retention_case(
    case: Case, rules: list[RetentionRule], *, today: date, now: datetime
) -> tuple[int, int]:
    """The retention pass over one case, in one transaction: the case locked first, the
    warnings and shredding recorded last. Returns (warnings, shredded)."""
    lock_case(case)
    state = _retention_state(case, today)
    if state.legal_hold:
        return 0, 0
    warned: list[str] = []
    shred: list[str] = []
    people: set[uuid.UUID] = set()
    notes: list[Notification] = []
    for rule in rules:
        warn_now, shred_now, owed = _retention_step(
            case, rule, state.status_since, today=today, now=now, notes=notes
        )
        warned += [rule.section] if warn_now else []
        shred += [rule.section] if shred_now else []
        people |= owed
    Notification.objects.bulk_create(notes)
    owe_digests(people, now)
    if shred:
        case_shred(case=case, by=None, sections=shred)
    for section in warned:
        record("retention.warned", actor=None, obj=case, org=case.organisation_id, section=section)
    return len(warned), len(shred)


def retention_run(*, today: date | None = None) -> tuple[int, int]:
    """The daily retention pass. For each case whose organisation keeps its status's
    sections only so long: start the clock when the status is first seen, warn the assigned
    caseworkers and the org admins (in-app, and the content-free e-mail) at least 14 days
    before, then shred the section (crypto-shredding, audited). A legal hold stops it all.
    Returns (warnings, sections shredded)."""
    today = today or timezone.now().date()
    now = timezone.now()
    warned = shredded = 0
    rules: dict = defaultdict(list)
    for rule in RetentionRule.objects.all():
        rules[(rule.organisation_id, rule.status)].append(rule)
    orgs = {org for org, _status in rules}
    for case in Case.objects.filter(organisation_id__in=orgs).iterator():
        case_warned, case_shredded = _retention_case(
            case, rules.get((case.organisation_id, case.status), []), today=today, now=now
        )
        warned += case_warned
        shredded += case_shredded
    # Once for the run, not once per case (a query each, over every case with a rule).
    with transaction.atomic():
        queue_digests(now)
    return warned, shredded
