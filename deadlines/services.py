"""Writes for deadlines and reminders. Keyword-only, typed, one transaction each, audited.

The reminder scan (``reminders_scan``) is what the periodic task and ``manage.py
send_reminders`` both call. It claims each due (deadline, offset) once through the unique
ReminderClaim row, writes in-app notifications, and owes each person at most one pending
digest e-mail, sent in batches by ``send_digest_emails_task`` after commit.
"""

from __future__ import annotations

import smtplib
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from audit.services import record
from casework import envelope
from casework.guards import ERR_SHREDDED, require_assigned
from casework.legal import ABSENCE_ARTICLES
from casework.models import Case, LegalExposure, Location
from casework.selectors import caseworkers_of, is_assigned_caseworker, is_owner_admin
from casework.services import case_shred
from deadlines.models import (
    CaseRetention,
    CheckIn,
    CheckInSchedule,
    Deadline,
    DeadlineKind,
    DeadlineSource,
    DeadlineStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboundEmail,
    ReminderClaim,
    RetentionAction,
    RetentionRule,
)
from deadlines.rules import art337_thresholds, last_allowed_day, stay_rule

ERR_NOT_ASSIGNED = _("Only caseworkers assigned to this case can change its deadlines.")
ERR_ASSIGNEE = _("Choose a caseworker of this organisation as the assignee.")
ERR_PAST_DUE = _("The due date lies more than a year in the past.")
ERR_NOT_OPEN = _("This deadline is already done or cancelled.")
ERR_QUIET_HOURS = _("Give both ends of the quiet hours, or neither.")

# The one e-mail Waypoint sends about reminders: the same bytes for everyone, whatever the
# cases, so that nobody reading mail learns names, references, countries, counts or dates.
DIGEST_SUBJECT = "Waypoint: something to look at"
DIGEST_BODY = (
    "You have deadlines to look at in Waypoint. Sign in to see them.\n"
    "\n"
    "This message is the same for everyone and says nothing more on purpose.\n"
)

# A source date that cannot be opened: shredded, or closed to the user in this key scope.
UNREADABLE = (envelope.SectionShredded, envelope.KeyRefused)

# Digest e-mails per worker task.
EMAIL_BATCH = 20

KIND_ART_337 = "art337_threshold"
KIND_TRANSIT_STAY = "transit_stay_limit"


def _check_assignee(case: Case, assignee: User | None) -> None:
    if (
        assignee is not None
        and not caseworkers_of(organisation_id=case.organisation_id).filter(pk=assignee.pk).exists()
    ):
        raise ValidationError(ERR_ASSIGNEE)


# --- Deadlines ------------------------------------------------------------------------------


@transaction.atomic
def deadline_create(
    *,
    case: Case,
    by: User,
    kind: DeadlineKind,
    due_date: date,
    assignee: User | None = None,
    note: str = "",
) -> Deadline:
    require_assigned(by=by, case=case, message=ERR_NOT_ASSIGNED)
    if due_date < timezone.now().date() - timedelta(days=366):
        raise ValidationError(ERR_PAST_DUE)
    _check_assignee(case, assignee)
    deadline = Deadline(case=case, kind=kind, due_date=due_date, assignee=assignee, created_by=by)
    try:
        case.envelope.seal(deadline, "note", note.strip())
    except envelope.SectionShredded:
        raise ValidationError(ERR_SHREDDED) from None
    deadline.save()
    record("deadline.created", actor=by, obj=case, org=case.organisation_id, status=kind.code)
    return deadline


@transaction.atomic
def deadline_set_status(*, deadline: Deadline, by: User, status: str) -> Deadline:
    """Marks an open deadline done or cancelled. Later reminders for it stop."""
    require_assigned(by=by, case=deadline.case, message=ERR_NOT_ASSIGNED)
    if status not in (DeadlineStatus.DONE, DeadlineStatus.CANCELLED):
        raise ValidationError(ERR_NOT_OPEN)
    # Month resolution only: statistics compare it with the due date's month.
    completed = timezone.now().date().replace(day=1) if status == DeadlineStatus.DONE else None
    changed = Deadline.objects.filter(pk=deadline.pk, status=DeadlineStatus.OPEN).update(
        status=status, completed_month=completed
    )
    if not changed:
        raise ValidationError(ERR_NOT_OPEN)
    deadline.status, deadline.completed_month = status, completed
    record(
        f"deadline.{status}",
        actor=by,
        obj=deadline.case,
        org=deadline.case.organisation_id,
        status=status,
    )
    return deadline


def _kind(code: str) -> DeadlineKind:
    kind = DeadlineKind.objects.filter(code=code).first()
    if kind is None:
        # The data migration seeds it; an admin who deleted it gets it back.
        kind = DeadlineKind.objects.create(code=code, name=code.replace("_", " ").capitalize())
    return kind


# (source, source_key) -> (kind code, due date)
Wanted = dict[tuple[str, str], tuple[str, date]]
# Apps built on casework add their own computed deadlines (evacuation: the visa dates): a
# provider fills ``wanted`` for the case and adds to ``unknown`` the sources it could not read.
ComputedSource = Callable[[Case, Wanted, set[str]], None]
_sources: list[ComputedSource] = []


def register_computed_source(provider: ComputedSource) -> None:
    """Called from an AppConfig.ready(); registering the same provider twice is harmless."""
    if provider not in _sources:
        _sources.append(provider)


def _computed_dates(case: Case) -> tuple[Wanted, set[str]]:
    """(source, source_key) -> (kind code, due date) for every computed deadline the case's
    current source dates give, and the sources that could not be read (shredded, or closed to
    the scope's user: their deadlines are left as they are)."""
    wanted: Wanted = {}
    unknown: set[str] = set()
    for provider in _sources:
        provider(case, wanted, unknown)
    opener = case.envelope
    for exposure in LegalExposure.objects.filter(case=case, article__in=ABSENCE_ARTICLES):
        try:
            start = opener.open(exposure, "absence_start")
        except UNREADABLE:
            unknown.add(DeadlineSource.ART_337)
            continue
        if start is None:
            continue
        thresholds = art337_thresholds(
            absence_start=start, mobilisation=exposure.during_mobilisation
        )
        for index, (_part, due) in enumerate(thresholds):
            wanted[(DeadlineSource.ART_337, f"{exposure.pk}:{index}")] = (KIND_ART_337, due)
    location = Location.objects.filter(case=case).select_related("country").first()
    if location is not None:
        try:
            due = opener.open(location, "stay_expires")
        except UNREADABLE:
            unknown.add(DeadlineSource.TRANSIT_STAY)
            return wanted, unknown
        rule = stay_rule(location.country)
        if due is None and rule is not None:
            # Only the month of entry is kept: the first of the month is the earliest the
            # person can have entered, so the limit computed from it is never too late.
            due = last_allowed_day(stays=[(location.since_month, None)], rule=rule)
        if due is not None:
            wanted[(DeadlineSource.TRANSIT_STAY, str(location.pk))] = (KIND_TRANSIT_STAY, due)
    return wanted, unknown


@transaction.atomic
def computed_deadlines_refresh(*, case: Case, by: User | None = None) -> int:
    """Brings the case's computed deadlines in line with their source dates: new ones are
    created, moved ones get the new date (and their reminders may go out again), ones whose
    source is gone are cancelled. Runs on casework.signals.case_dates_changed (an absence
    start, a stay or a visa date changed; see DeadlinesConfig.ready). Returns how many rows
    changed."""
    today = timezone.now().date()
    with envelope.key_scope():
        wanted, unknown = _computed_dates(case)
    existing = {
        (d.source, d.source_key): d
        for d in Deadline.objects.select_for_update()
        .filter(case=case)
        .exclude(source=DeadlineSource.MANUAL)
    }
    changed = 0
    for key, (code, due) in wanted.items():
        current = existing.get(key)
        if current is None:
            deadline = Deadline(
                case=case,
                kind=_kind(code),
                due_date=due,
                source=key[0],
                source_key=key[1],
                created_by=by,
            )
            # No note: the row says only "threshold N of that exposure" (ids, in clear).
            deadline.save()
            changed += 1
        elif current.due_date != due:
            # Only a new date reopens a deadline: one a caseworker cancelled or marked done
            # stays so while its source date stays put.
            Deadline.objects.filter(pk=current.pk).update(
                due_date=due, status=DeadlineStatus.OPEN, created_on=today, completed_month=None
            )
            # A moved deadline is a new date: its reminders start over.
            ReminderClaim.objects.filter(deadline=current).delete()
            changed += 1
    for key, current in existing.items():
        if key in wanted or key[0] in unknown:
            continue
        if current.status == DeadlineStatus.OPEN:
            Deadline.objects.filter(pk=current.pk).update(status=DeadlineStatus.CANCELLED)
            changed += 1
    if changed:
        record("deadline.recomputed", actor=by, obj=case, org=case.organisation_id, count=changed)
    return changed


# --- Reminders ------------------------------------------------------------------------------


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


def recipients_of(deadline: Deadline, assigned: dict) -> list[int]:
    if deadline.assignee_id is not None:
        return [deadline.assignee_id]
    return sorted(assigned.get(deadline.case_id, ()))


def _in_quiet_hours(pref: NotificationPreference | None, now: datetime) -> datetime | None:
    """When quiet hours hold at ``now``, the moment they end; else None."""
    if pref is None or pref.quiet_start is None or pref.quiet_end is None:
        return None
    start, end, clock = pref.quiet_start, pref.quiet_end, now.time()
    if start == end:
        return None
    quiet = start <= clock < end if start < end else (clock >= start or clock < end)
    if not quiet:
        return None
    end_at = datetime.combine(now.date(), end, tzinfo=now.tzinfo)
    if end_at <= now:
        end_at += timedelta(days=1)
    return end_at


@dataclass
class ScanResult:
    claimed: int = 0
    notifications: int = 0
    emails: int = 0


def reminders_scan(*, now: datetime | None = None) -> ScanResult:
    """One reminder run. Cost: one query for the deadlines in the widest window, one bulk
    insert of claims, one read-back, bulk inserts of notifications and e-mails, one audit
    event per reminder sent. Safe to run concurrently: the unique claim decides."""
    now = now or timezone.now()
    today = now.date()
    run = uuid.uuid4()
    result = ScanResult()
    with transaction.atomic():
        kinds = {k.pk: k.offsets() for k in DeadlineKind.objects.all()}
        widest = max((max(o) for o in kinds.values() if o), default=0)
        candidates = Deadline.objects.filter(
            status=DeadlineStatus.OPEN,
            due_date__gte=today,
            due_date__lte=today + timedelta(days=widest),
        ).values_list("pk", "kind_id", "due_date", "created_on")
        pairs = []
        for pk, kind_id, due, created_on in candidates:
            offset = active_offset(
                due=due, created_on=created_on, offsets=kinds.get(kind_id, []), today=today
            )
            if offset is not None:
                pairs.append(ReminderClaim(deadline_id=pk, offset=offset, run=run, claimed_at=now))
        if not pairs:
            result.emails = _queue_deferred(now)
            return result
        # The unique (deadline, offset) constraint: rows another run holds are skipped.
        ReminderClaim.objects.bulk_create(pairs, ignore_conflicts=True, batch_size=1000)
        mine = list(
            ReminderClaim.objects.filter(run=run)
            .select_related("deadline")
            .only("offset", "deadline__id", "deadline__case_id", "deadline__assignee_id")
        )
        result.claimed = len(mine)
        case_ids = {c.deadline.case_id for c in mine}
        assigned: dict = defaultdict(set)
        for case_id, user_id in Case.assigned_caseworkers.through.objects.filter(
            case_id__in=case_ids,
            user__is_active=True,
            user__frozen_at__isnull=True,
        ).values_list("case_id", "user_id"):
            assigned[case_id].add(user_id)
        orgs = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "organisation_id"))
        notes = []
        people: set[int] = set()
        # Audited per person and organisation (who was reminded of how many); the claims and
        # notifications name the deadlines. One event per reminder cost most of a scan.
        reminded: dict[tuple[int, object], int] = defaultdict(int)
        for claim in mine:
            deadline = claim.deadline
            for user_id in recipients_of(deadline, assigned):
                reminded[(user_id, orgs.get(deadline.case_id))] += 1
                notes.append(
                    Notification(
                        user_id=user_id,
                        kind=NotificationKind.DEADLINE,
                        case_id=deadline.case_id,
                        deadline_id=deadline.pk,
                        offset=claim.offset,
                        urgent=claim.offset == 0,
                        created_at=now,
                    )
                )
                people.add(user_id)
        for (user_id, org_id), count in sorted(reminded.items(), key=str):
            record("reminder.sent", actor=None, org=org_id, target_user=str(user_id), count=count)
        Notification.objects.bulk_create(notes, batch_size=1000)
        result.notifications = len(notes)
        _owe_emails(people, now)
        result.emails = _queue_deferred(now)
    return result


def _owe_emails(people: set[int], now: datetime) -> None:
    """One pending digest per person (the partial unique index merges with a pending one)."""
    if not people:
        return
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=people)}
    rows = []
    for user_id in people:
        pref = prefs.get(user_id)
        if pref is not None and not pref.email_enabled:
            continue
        quiet_until = _in_quiet_hours(pref, now)
        rows.append(OutboundEmail(user_id=user_id, created_at=now, not_before=quiet_until or now))
    OutboundEmail.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


def _queue_deferred(now: datetime) -> int:
    """Hands pending e-mails whose time has come to the worker, after commit. Also re-queues
    any queued more than STALE ago and still unsent (a message lost with a broker)."""
    from deadlines.tasks import send_digest_emails_task

    stale = now - timedelta(seconds=settings.WAYPOINT_EMAIL_REQUEUE_AFTER)
    due = OutboundEmail.objects.filter(sent_at__isnull=True, not_before__lte=now).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=stale)
    )
    ids = list(due.values_list("pk", flat=True))
    if ids:
        OutboundEmail.objects.filter(pk__in=ids).update(queued_at=now)
        # Batches: one task per e-mail spent more time in the queue than on the wire.
        for start in range(0, len(ids), EMAIL_BATCH):
            chunk = ids[start : start + EMAIL_BATCH]
            transaction.on_commit(partial(send_digest_emails_task.delay, chunk))
    return len(ids)


def _alert(
    notes: list[Notification], *, case: Case, kind: str, now: datetime, urgent: bool = False
) -> set[int]:
    """Adds to ``notes`` one in-app notification of ``kind`` on the case for each of its
    assigned caseworkers and its organisation's admins (active, not frozen); returns their
    ids, who are owed the digest e-mail. Two queries."""
    active = User.objects.filter(is_active=True, frozen_at__isnull=True)
    recipients = set(active.filter(assigned_cases=case).values_list("pk", flat=True)) | set(
        active.filter(
            memberships__organisation_id=case.organisation_id, memberships__role=Role.ORG_ADMIN
        ).values_list("pk", flat=True)
    )
    notes.extend(
        Notification(user_id=user_id, kind=kind, case_id=case.pk, urgent=urgent, created_at=now)
        for user_id in sorted(recipients)
    )
    return recipients


def digest_message(to: str) -> EmailMessage:
    return EmailMessage(
        subject=DIGEST_SUBJECT,
        body=DIGEST_BODY,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )


# One SMTP connection per worker process, reused across tasks (a new TLS handshake per
# e-mail caps throughput); dropped on any error so the retry starts clean.
_smtp: dict[str, Any] = {}


def _send(message: EmailMessage, *, fresh: bool = False) -> None:
    # Keyed by the configured server, so a settings change never reuses an old connection.
    key = (settings.EMAIL_BACKEND, getattr(settings, "EMAIL_HOST", ""), settings.EMAIL_PORT)
    connection = _smtp.get("connection") if _smtp.get("key") == key else None
    if connection is None:
        connection = get_connection(fail_silently=False)
        connection.open()
        _smtp.update(connection=connection, key=key)
        fresh = True
    try:
        if connection.send_messages([message]) != 1:
            raise smtplib.SMTPException("message not accepted")
    except smtplib.SMTPServerDisconnected:
        # A reused connection the server closed while idle: once more on a new one.
        _smtp.pop("connection", None)
        if fresh:
            raise
        _send(message, fresh=True)
    except BaseException:
        _smtp.pop("connection", None)
        try:
            connection.close()
        except Exception:  # noqa: BLE001, S110 - the connection is being discarded anyway
            pass
        raise


def email_deliver(*, email_id: int) -> bool:
    """Sends one pending digest. The row stays locked while the SMTP server answers, so a
    duplicate delivery of the same task waits and then finds it sent. Returns False when it
    was already sent (or gone). SMTP errors propagate (the task retries) and change nothing."""
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update()
            .select_related("user")
            .filter(pk=email_id, sent_at__isnull=True)
            .first()
        )
        if email is None:
            return False
        user = email.user
        if not user.is_active or user.is_frozen:
            email.sent_at = timezone.now()
            email.save(update_fields=["sent_at"])
            return False
        _send(digest_message(user.email))
        email.sent_at = timezone.now()
        email.attempts += 1
        # No audit event here: "reminder.sent" was recorded when the reminder was claimed,
        # and one more append to the hash chain per e-mail would serialise every worker on
        # the chain lock. sent_at is the delivery record.
        email.save(update_fields=["sent_at", "attempts"])
    return True


# --- Notifications and preferences ----------------------------------------------------------


@transaction.atomic
def notifications_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())


@transaction.atomic
def preferences_update(
    *,
    user: User,
    email_enabled: bool,
    quiet_start: time | None,
    quiet_end: time | None,
) -> NotificationPreference:
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError(ERR_QUIET_HOURS)
    pref, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    pref.email_enabled = email_enabled
    pref.quiet_start = quiet_start
    pref.quiet_end = quiet_end
    pref.save()
    record("notification.preferences_changed", actor=user, obj=user, org=None)
    return pref


# --- Welfare check-ins ----------------------------------------------------------------------

ERR_INTERVAL = _("Choose an interval between 1 hour and 30 days.")
ERR_NO_SCHEDULE = _("This case has no check-in schedule.")


@transaction.atomic
def checkin_schedule_set(
    *, case: Case, by: User, interval_hours: int, active: bool = True
) -> CheckInSchedule:
    require_assigned(by=by, case=case, message=ERR_NOT_ASSIGNED)
    if not 1 <= interval_hours <= 720:
        raise ValidationError(ERR_INTERVAL)
    schedule, created = CheckInSchedule.objects.select_for_update().get_or_create(
        case=case, defaults={"interval_hours": interval_hours, "active": active}
    )
    if not created:
        schedule.interval_hours = interval_hours
        schedule.active = active
        schedule.save(update_fields=["interval_hours", "active"])
    record("checkin.scheduled", actor=by, obj=case, org=case.organisation_id, count=interval_hours)
    return schedule


@transaction.atomic
def checkin_record(*, case: Case, by: User) -> CheckIn:
    """The person checked in (a caseworker heard from them). Clears an escalation."""
    require_assigned(by=by, case=case, message=ERR_NOT_ASSIGNED)
    schedule = CheckInSchedule.objects.select_for_update().filter(case=case).first()
    if schedule is None:
        raise ValidationError(ERR_NO_SCHEDULE)
    now = timezone.now()
    schedule.last_check_in_at = now
    schedule.escalated_due = None
    schedule.save(update_fields=["last_check_in_at", "escalated_due"])
    checkin = CheckIn.objects.create(schedule=schedule, at=now, recorded_by=by)
    record("checkin.recorded", actor=by, obj=case, org=case.organisation_id)
    return checkin


def missed_checkins_escalate(*, now: datetime | None = None) -> int:
    """Escalates every missed check-in once: urgent in-app notifications to the assigned
    caseworkers and the organisation's admins, and the same content-free digest e-mail.
    The conditional UPDATE on ``escalated_due`` is the claim (two workers never both send).
    Returns how many schedules escalated."""
    now = now or timezone.now()
    escalated = 0
    schedules = CheckInSchedule.objects.filter(active=True).select_related("case")
    with transaction.atomic():
        people: set[int] = set()
        notes = []
        for schedule in schedules:
            due = schedule.next_due
            if due > now or schedule.escalated_due == due:
                continue
            claimed = (
                CheckInSchedule.objects.filter(
                    pk=schedule.pk, last_check_in_at=schedule.last_check_in_at
                )
                .exclude(escalated_due=due)
                .update(escalated_due=due)
            )
            if not claimed:
                continue
            escalated += 1
            case = schedule.case
            people |= _alert(
                notes, case=case, kind=NotificationKind.CHECKIN_MISSED, now=now, urgent=True
            )
            record("checkin.missed", actor=None, obj=case, org=case.organisation_id)
        Notification.objects.bulk_create(notes)
        _owe_emails(people, now)
        _queue_deferred(now)
    return escalated


# --- Retention ------------------------------------------------------------------------------

RETENTION_WARNING_DAYS = 14
ERR_HOLD_FORBIDDEN = _("Only assigned caseworkers and the organisation's admins set a legal hold.")


@transaction.atomic
def retention_hold_set(*, case: Case, by: User, hold: bool) -> CaseRetention:
    """Sets or lifts the legal hold: while it holds, nothing of the case is shredded."""
    if not (is_assigned_caseworker(user=by, case=case) or is_owner_admin(user=by, case=case)):
        raise PermissionDenied(ERR_HOLD_FORBIDDEN)
    state, _created = CaseRetention.objects.select_for_update().get_or_create(
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
        with transaction.atomic():
            state, created = CaseRetention.objects.select_for_update().get_or_create(
                case=case, defaults={"status": case.status, "status_since": today}
            )
            if not created and state.status != case.status:
                state.status, state.status_since = case.status, today
                state.save(update_fields=["status", "status_since"])
            if state.legal_hold:
                continue
            people: set[int] = set()
            notes = []
            for rule in rules.get((case.organisation_id, case.status), []):
                due = state.status_since + timedelta(days=rule.keep_days)
                action, _new = RetentionAction.objects.select_for_update().get_or_create(
                    case=case, section=rule.section, status=case.status, defaults={"due_on": due}
                )
                if action.shredded_on:
                    continue
                if action.due_on != due:
                    action.due_on = due
                if action.warned_on is None:
                    if today >= due - timedelta(days=RETENTION_WARNING_DAYS):
                        action.warned_on = today
                        warned += 1
                        people |= _alert(
                            notes, case=case, kind=NotificationKind.RETENTION_WARNING, now=now
                        )
                        record(
                            "retention.warned",
                            actor=None,
                            obj=case,
                            org=case.organisation_id,
                            section=rule.section,
                        )
                elif today >= max(due, action.warned_on + timedelta(days=RETENTION_WARNING_DAYS)):
                    case_shred(case=case, by=None, sections=[rule.section])
                    action.shredded_on = today
                    shredded += 1
                action.save()
            Notification.objects.bulk_create(notes)
            _owe_emails(people, now)
    # Once for the run, not once per case (a query each, over every case with a rule).
    with transaction.atomic():
        _queue_deferred(now)
    return warned, shredded
