"""The contact page's background job: telling an organisation's admins that the page's hourly
budget is spent. The task takes the organisation's id only; the e-mail carries no content
about anyone who wrote (it is the same every time)."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from accounts.models import Organisation, Role, User

logger = logging.getLogger(__name__)

ALERT_SUBJECT = "Waypoint: something to look at"
ALERT_BODY = (
    "The public contact form has received as many new messages this hour as it accepts.\n"
    "Until the next hour it asks people to try again later.\n"
    "\n"
    "If this is unexpected, sign in to look at the triage queue. This message says nothing\n"
    "more on purpose.\n"
)
RETRY_ON = (smtplib.SMTPException, OSError)


def admin_addresses(organisation_id: str) -> list[str]:
    """E-mail addresses of the organisation's active, not frozen admins. One query."""
    return sorted(
        User.objects.filter(
            is_active=True,
            frozen_at__isnull=True,
            memberships__organisation_id=organisation_id,
            memberships__role=Role.ORG_ADMIN,
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def budget_alert_send(*, organisation_id: str) -> int:
    """Sends the alert to each admin separately (no admin learns the others' addresses).
    Returns how many went out; SMTP errors propagate (the task retries)."""
    if not Organisation.objects.filter(pk=organisation_id, is_active=True).exists():
        return 0
    addresses = admin_addresses(organisation_id)
    messages = [
        EmailMessage(
            subject=ALERT_SUBJECT,
            body=ALERT_BODY,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
        )
        for address in addresses
    ]
    if not messages:
        return 0
    with get_connection(fail_silently=False) as connection:
        return connection.send_messages(messages) or 0


@shared_task(
    bind=True,
    name="intake.contact.tasks.contact_budget_alert_task",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def contact_budget_alert_task(self, organisation_id: str) -> int:
    """Ids only. Retried with backoff when the SMTP server fails; at most once an hour per
    page (intake.contact.limits decides who raises it)."""
    try:
        return budget_alert_send(organisation_id=organisation_id)
    except RETRY_ON as exc:
        logger.warning("contact budget alert for organisation %s not sent yet", organisation_id)
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from None
