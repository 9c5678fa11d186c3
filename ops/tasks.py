"""Background jobs of the platform. Tasks take no personal data (these take nothing)."""

from __future__ import annotations

from celery import shared_task

from ops.backups import backup_and_notify


@shared_task(name="ops.tasks.backup_task", acks_late=True, soft_time_limit=3300, time_limit=3600)
def backup_task() -> None:
    """Nightly: write an encrypted backup and prune old ones; notify platform admins if it
    fails. Not retried: a failure needs a person."""
    backup_and_notify()
