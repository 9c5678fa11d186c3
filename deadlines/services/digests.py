"""The content-free digest e-mail: who is owed one, queueing them for the worker after
commit, and sending each exactly once over a reused SMTP connection."""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from deadlines.models import NotificationPreference, OutboundEmail

logger = logging.getLogger(__name__)

# The one e-mail Waypoint sends about reminders: the same bytes for everyone who reads the
# same language, whatever the cases, so that nobody reading mail learns names, references,
# countries, counts or dates. In the recipient's language (the account's).
DIGEST_SUBJECT = _("Waypoint: something to look at")
DIGEST_BODY = _(
    "You have deadlines to look at in Waypoint. Sign in to see them.\n"
    "\n"
    "This message is the same for everyone and says nothing more on purpose.\n"
)

# Digest e-mails per worker task.
EMAIL_BATCH = 20


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


def owe_digests(people: set[uuid.UUID], now: datetime) -> None:
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


def queue_digests(now: datetime) -> int:
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


def digest_message(to: str, language: str | None = None) -> EmailMessage:
    """The digest, in ``language`` (the recipient's; the site's default when None)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return EmailMessage(
            subject=str(DIGEST_SUBJECT),
            body=str(DIGEST_BODY),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
        )


# One SMTP connection per worker process, reused across tasks (a new TLS handshake per
# e-mail caps throughput); dropped on any error so the retry starts clean.
_smtp: dict[str, Any] = {}


def smtp_connection_close() -> None:
    """Closes the process's SMTP connection, if one is open (the next send opens another)."""
    connection = _smtp.pop("connection", None)
    if connection is not None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001, S110 - the connection is being discarded anyway
            pass


def _send(message: EmailMessage, *, fresh: bool = False) -> None:
    # Keyed by the configured server, so a settings change never reuses an old connection.
    key = (settings.EMAIL_BACKEND, getattr(settings, "EMAIL_HOST", ""), settings.EMAIL_PORT)
    connection = _smtp.get("connection") if _smtp.get("key") == key else None
    if connection is None:
        smtp_connection_close()  # one to an earlier server, if any
        connection = get_connection(fail_silently=False)
        connection.open()
        _smtp.update(connection=connection, key=key)
        fresh = True
    try:
        if connection.send_messages([message]) != 1:
            raise smtplib.SMTPException("message not accepted")
    except smtplib.SMTPServerDisconnected:
        # A reused connection the server closed while idle: once more on a new one.
        smtp_connection_close()
        if fresh:
            raise
        _send(message, fresh=True)
    except BaseException:
        smtp_connection_close()
        raise


def emails_deliver(*, email_ids: list[int]) -> int:
    """Sends the pending digests among ``email_ids`` over the process's SMTP connection and
    returns how many went out. Their rows stay locked while the SMTP server answers, so a
    duplicate task waits and then finds them sent; digests already sent (or gone) are skipped.

    One transaction for the batch (a lock, one read, one update and one commit per e-mail
    were most of a delivery's time): every digest the server accepted is marked sent, also
    when a later one fails, and the failure then propagates (the task retries the rest). A
    recipient the server refuses for good stays pending and the others go on. If the process
    dies mid-batch, the batch's marks are lost with its transaction and the scans queue it
    again: at most EMAIL_BATCH digests twice, never one lost (the digest says nothing)."""
    sent: list[int] = []
    dropped: list[int] = []
    failure: Exception | None = None
    with transaction.atomic():
        pending = (
            OutboundEmail.objects.select_for_update(of=("self",))
            .filter(pk__in=email_ids, sent_at__isnull=True)
            .order_by("pk")  # locked in one order: two overlapping batches cannot deadlock
            .values_list(
                "pk",
                "user__email",
                "user__preferred_language",
                "user__is_active",
                "user__frozen_at",
            )
        )
        for pk, address, language, active, frozen_at in pending:
            if not active or frozen_at is not None:
                dropped.append(pk)  # nobody to remind any more: settled without a message
                continue
            try:
                _send(digest_message(address, language))
            except smtplib.SMTPRecipientsRefused:
                # Ids only in the log; the scans queue it again later.
                logger.warning("digest e-mail %s refused by the SMTP server", pk)
                continue
            except Exception as exc:  # noqa: BLE001 - re-raised once the sent ones are marked
                failure = exc
                break
            sent.append(pk)
        now = timezone.now()
        # No audit event here: "reminder.sent" was recorded when the reminder was claimed,
        # and one more append to the hash chain per e-mail would serialise every worker on
        # the chain lock. sent_at is the delivery record.
        if sent:
            OutboundEmail.objects.filter(pk__in=sent).update(
                sent_at=now, attempts=F("attempts") + 1
            )
        if dropped:
            OutboundEmail.objects.filter(pk__in=dropped).update(sent_at=now)
    if failure is not None:
        raise failure
    return len(sent)
