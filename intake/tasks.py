"""Delivery of replies. Thin wrappers: a message id in, a service call, retry policy here."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from intake import services

logger = logging.getLogger(__name__)


def backoff(retries: int) -> int:
    """Seconds before retry number ``retries + 1``: BASE, 2*BASE, 4*BASE …, capped."""
    base, cap = settings.WAYPOINT_INTAKE_RETRY_BASE, settings.WAYPOINT_INTAKE_RETRY_MAX
    return int(min(base * (2**retries), cap))


@shared_task(
    bind=True,
    name="intake.tasks.deliver_message_task",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def deliver_message_task(self, message_id: str) -> bool:
    """Sends one reply through its channel (ids only in, in the broker and in the log);
    retried with exponential backoff, marked failed after the last retry."""
    try:
        return services.message_deliver(message_id=message_id)
    except Exception as exc:
        # The exception's text may come from outside (an API's answer): only its type is
        # logged, and the retry carries a plain one.
        logger.warning("reply %s not delivered (%s)", message_id, type(exc).__name__)
        if self.request.retries >= settings.WAYPOINT_INTAKE_MAX_RETRIES:
            services.message_delivery_failed(message_id=message_id)
            return False
        raise self.retry(countdown=backoff(self.request.retries)) from None
