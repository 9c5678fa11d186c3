"""The nightly backup (beat runs it through ops.tasks): write, prune, record; on failure,
tell the platform admins by e-mail, saying only that it failed and when."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from audit.services import record
from audit.verification import notify_platform_admins
from ops.backups.archive import write_backup
from ops.backups.retention import prune_backups

logger = logging.getLogger(__name__)

NOTICE_SUBJECT = gettext_noop("Waypoint: the nightly backup failed")
NOTICE_BODY = gettext_noop(
    "The nightly backup failed at {time}. Run manage.py backup on the server to see why."
)


def run_backup(*, at: datetime | None = None) -> tuple[Path, list[Path]]:
    """Writes an archive, then prunes by the retention settings. Returns the new archive and
    the pruned ones. Records ``backup.written`` (with the number pruned)."""
    path = write_backup(at=at or timezone.now())
    pruned = prune_backups(
        keep_daily=settings.WAYPOINT_BACKUP_KEEP_DAILY,
        keep_weekly=settings.WAYPOINT_BACKUP_KEEP_WEEKLY,
    )
    record("backup.written", actor=None, org=None, count=len(pruned))
    return path, pruned


def backup_and_notify() -> Path | None:
    """run_backup; on any failure record ``backup.failed``, notify platform admins and
    return None (a retry would not fix a full disk or a missing recipient)."""
    try:
        return run_backup()[0]
    except Exception as exc:  # noqa: BLE001 - every failure must reach the admins
        # The kind of error only: messages can quote paths or database output.
        logger.error("backup failed: %s", type(exc).__name__)
        record("backup.failed", actor=None, org=None, reason=type(exc).__name__[:64])
        notify_platform_admins(at=timezone.now(), subject=NOTICE_SUBJECT, body=NOTICE_BODY)
        return None
