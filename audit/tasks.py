"""Background jobs of the audit log. Tasks take no personal data (these take nothing)."""

from __future__ import annotations

import smtplib

from celery import shared_task

from audit.checkpoints import store_nightly
from audit.verification import verify_and_notify


@shared_task(
    name="audit.tasks.verify_audit_chain_task",
    acks_late=True,
    # A long log takes a while: about 15 s per million events on a small machine.
    soft_time_limit=3300,
    time_limit=3600,
    # Only the e-mail can fail transiently; a retry verifies again and records again.
    autoretry_for=(smtplib.SMTPException, ConnectionError),
    retry_backoff=60,
    max_retries=3,
)
def verify_audit_chain_task() -> None:
    """Nightly: recompute the whole chain; notify platform admins if it is broken."""
    verify_and_notify()


@shared_task(
    name="audit.tasks.store_checkpoint_task",
    acks_late=True,
    soft_time_limit=3300,
    time_limit=3600,
    autoretry_for=(smtplib.SMTPException, ConnectionError),
    retry_backoff=60,
    max_retries=3,
)
def store_checkpoint_task() -> None:
    """Nightly: verify the chain against the newest stored checkpoint, then sign its head and
    write it to WAYPOINT_CHECKPOINT_DIR, outside the database; notify platform admins if the
    chain or the stored checkpoint is broken."""
    store_nightly()
