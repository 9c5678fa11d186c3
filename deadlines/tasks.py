"""Background jobs for deadlines. Thin wrappers: ids in, a service call, retry policy here."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.conf import settings

from deadlines import services

# Transient delivery failures: the SMTP server refused or was unreachable.
RETRY_ON = (smtplib.SMTPException, OSError)


def backoff(retries: int) -> int:
    """Seconds before retry number ``retries + 1``: BASE, 2*BASE, 4*BASE …, capped."""
    return min(settings.WAYPOINT_EMAIL_RETRY_BASE * (2**retries), settings.WAYPOINT_EMAIL_RETRY_MAX)


@shared_task(name="deadlines.tasks.reminders_scan_task", acks_late=True, time_limit=240)
def reminders_scan_task() -> int:
    """Every 5 minutes (beat): claim what came due; e-mails go out as separate tasks."""
    return services.reminders_scan().claimed


@shared_task(name="deadlines.tasks.checkins_escalate_task", acks_late=True, time_limit=240)
def checkins_escalate_task() -> int:
    """Every 5 minutes (beat): escalate missed welfare check-ins."""
    return services.missed_checkins_escalate()


@shared_task(name="deadlines.tasks.retention_run_task", acks_late=True, time_limit=3600)
def retention_run_task() -> int:
    """Daily (beat): warn 14 days ahead, then shred sections whose time has come."""
    return services.retention_run()[1]


@shared_task(
    bind=True,
    name="deadlines.tasks.send_digest_emails_task",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=240,
    time_limit=300,
)
def send_digest_emails_task(self, email_ids: list[int]) -> int:
    """Sends a batch of content-free digests (ids only); the batch is retried with exponential
    backoff on a delivery failure, and the digests it already sent are skipped then
    (emails_deliver marks each one the server accepted). Returns how many went out."""
    try:
        return services.emails_deliver(email_ids=email_ids)
    except RETRY_ON as exc:
        if self.request.retries >= settings.WAYPOINT_EMAIL_MAX_RETRIES:
            # Left pending: the next scans queue it again after WAYPOINT_EMAIL_REQUEUE_AFTER.
            raise
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from None
