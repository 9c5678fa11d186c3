"""``manage.py backup``: write an age-encrypted archive of the database, any document files
still on disk and the audit checkpoints into WAYPOINT_BACKUP_DIR, then prune old archives
(WAYPOINT_BACKUP_KEEP_DAILY / _KEEP_WEEKLY). The keyring is never inside. Beat runs the same
every night (ops.tasks.backup_task)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ops.backups import BackupError
from ops.backups.database import DatabaseToolError
from ops.backups.nightly import run_backup

DONE = "Backup written: {path} ({pruned} older archive(s) pruned)."


class Command(BaseCommand):
    help = "Write an encrypted backup archive and prune old ones."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path, pruned = run_backup()
        except (BackupError, DatabaseToolError) as problem:
            raise CommandError(str(problem), returncode=1) from None
        self.stdout.write(DONE.format(path=path, pruned=len(pruned)))
