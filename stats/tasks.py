"""Background job of the stats app: the periodic summary refresh (takes no arguments)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from stats.services import summary_refresh


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
    """Recomputes the summary table; returns the number of rows written."""
    return summary_refresh().rows
