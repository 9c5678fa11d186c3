"""``manage.py restore_drill ARCHIVE [--identity FILE] [--sample N]``: prove that a backup
restores. Opens the archive with the age identity (``--identity`` or
WAYPOINT_BACKUP_IDENTITY / _FILE), checks every part against the signed manifest, restores the
database into a scratch database, verifies the audit chain there and opens a sample of cases
with the keyring in use; drops the scratch database and prints one line. Exit status 1 when
the drill fails. Audited (backup.drill.passed / backup.drill.failed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import record
from ops.backups import restore_drill

ERR_IDENTITY_FILE = "Cannot read the identity file."


class Command(BaseCommand):
    help = "Restore a backup into a scratch database and prove it: one line, exit 1 on failure."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--identity", type=Path, help="age identity file that opens it")
        parser.add_argument("--sample", type=int, default=20, help="cases to open (default 20)")
        parser.add_argument(
            "--scratch-prefix",
            default="",
            help="name prefix of the scratch database (default: the database's own name)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        identity = settings.WAYPOINT_BACKUP_IDENTITY
        if options["identity"]:
            try:
                identity = options["identity"].read_text(encoding="utf-8")
            except OSError:
                raise CommandError(ERR_IDENTITY_FILE, returncode=2) from None
        result = restore_drill(
            archive=options["archive"],
            identity=identity,
            sample=max(options["sample"], 1),
            scratch_prefix=options["scratch_prefix"],
        )
        record("backup.drill.passed" if result.ok else "backup.drill.failed", actor=None, org=None)
        if not result.ok:
            raise CommandError(result.line, returncode=1)
        self.stdout.write(result.line)
