"""Background job of the stats app: the nightly release (takes no arguments)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from stats.services import release_publish


@shared_task(
    name="stats.tasks.refresh_summary_task",
    acks_late=True,
    soft_time_limit=1700,
    time_limit=1800,
    autoretry_for=(OperationalError,),
    retry_backoff=60,
    max_retries=3,
)
def refresh_summary_task() -> int:
    """Publishes the next release if one is due; returns its number, or 0 when none was."""
    release = release_publish()
    return release.number if release else 0
