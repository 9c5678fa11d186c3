"""``manage.py grant_runtime_role ROLE``: give the application's runtime database role what
it needs, and on the audit tables only SELECT and INSERT (see audit.roles).

Run it with the owner's ``DATABASE_URL`` (the role that runs the migrations), after every
``migrate``; it is idempotent. The application then connects as ROLE.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.roles import RoleError, grant_runtime_role


class Command(BaseCommand):
    help = (
        "Grant the runtime database role CRUD on the application's tables and only SELECT "
        "and INSERT on the audit tables. Run as the owner, after migrate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the PostgreSQL role the application connects as")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            granted = grant_runtime_role(role=options["role"])
        except RoleError as exc:
            raise CommandError(str(exc), returncode=1) from None
        self.stdout.write(f"Granted {granted.summary()}")
