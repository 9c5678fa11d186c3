"""Background jobs of casework. Thin wrappers: no arguments, a service call."""

from __future__ import annotations

from celery import shared_task

from casework import services


@shared_task(name="casework.tasks.refresh_absence_parts_task", acks_late=True, time_limit=1800)
def refresh_absence_parts_task() -> int:
    """Daily (beat): the art. 337 part each absence has reached, for statistics and lists."""
    return services.refresh_absence_parts()
