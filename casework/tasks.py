"""Background jobs of casework. Thin wrappers: a service call, retry policy here."""

from __future__ import annotations

import logging

from celery import shared_task

from casework import services
from casework.services import keyring as keyops

logger = logging.getLogger(__name__)


@shared_task(name="casework.tasks.kek_epoch_task", acks_late=True, time_limit=3600)
def kek_epoch_task() -> list[str]:
    """Hourly (beat): one step of the key-encryption key epochs (add, activate, re-wrap,
    retire; see casework.services.keyring.epoch_tick). Logs key ids only."""
    try:
        done = keyops.epoch_tick()
    except keyops.RotationError:
        # The keyring is in the WAYPOINT_KEYRING variable: epochs need a keyring file.
        logger.warning("keys.epoch_skipped reason=no_keyring_file")
        return []
    if done:
        logger.info("keys.epoch %s", " ".join(done))
    return done


@shared_task(name="casework.tasks.refresh_absence_parts_task", acks_late=True, time_limit=1800)
def refresh_absence_parts_task() -> int:
    """Daily (beat): the art. 337 part each absence has reached, for statistics and lists."""
    return services.refresh_absence_parts()
