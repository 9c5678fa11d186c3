"""Demo organisations, personas, case files, deadlines and a dossier, for `make run`.

The logins go to the file given with --credentials (mode 0600) as
``[{"email", "password", "totp_secret", "organisation", "role"}]``. Passwords and TOTP
secrets are derived from this installation's SECRET_KEY (accounts/demo.py), so running again
rewrites an identical file. The command refuses to run unless WAYPOINT_ENV=dev.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops import demo

REFUSED = (
    "seed_demo only runs with WAYPOINT_ENV=dev: it creates accounts whose passwords are "
    "written to a file."
)


class Command(BaseCommand):
    help = (
        "Create the demo organisations and personas (dev only) and write their logins to "
        "FILE (mode 0600). Safe to run again: nothing is duplicated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--credentials",
            required=True,
            metavar="FILE",
            help="where to write the JSON list of demo logins (mode 0600)",
        )
        parser.add_argument(
            "--cases",
            type=int,
            # Enough per organisation for the demo coordinator's statistics to clear the
            # small-cell threshold (k = 10) in a few rows.
            default=40,
            metavar="N",
            help="demo cases per partner organisation (tops up to N; 0 for none)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.WAYPOINT_ENV != "dev":
            raise CommandError(REFUSED)
        demo.seed(
            credentials=Path(options["credentials"]),
            cases=options["cases"],
            say=self.stdout.write,
        )
