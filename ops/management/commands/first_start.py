"""First start in production: the first organisation and the one-time link of its admin.

    manage.py first_start --organisation "Get Lost" --slug getlost --admin-email a@example.org

Prints the invitation link once (it is stored only as a hash). Refuses to run when an
organisation already exists, unless --again is given (a new link for a lost or expired one,
or another organisation).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services.first_start import first_start


class Command(BaseCommand):
    help = (
        "Create the first organisation and an invitation for its admin, and print the "
        "one-time invitation link. Refuses to run twice unless --again is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, metavar="NAME")
        parser.add_argument(
            "--slug", required=True, metavar="SHORT", help="short name: a-z, 0-9, - and _"
        )
        parser.add_argument("--admin-email", required=True, metavar="EMAIL")
        parser.add_argument(
            "--again",
            action="store_true",
            help="run even though an organisation exists (reissues the admin's link)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = first_start(
                name=options["organisation"],
                slug=options["slug"],
                admin_email=options["admin_email"],
                again=options["again"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(str(message) for message in exc.messages)) from None
        hours = int(settings.INVITATION_LIFETIME.total_seconds() // 3600)
        verb = "Created" if result.created else "Reused"
        self.stdout.write(f"{verb} organisation {result.organisation.slug}.")
        self.stdout.write(
            f"Admin invitation (works once, for {hours} hours; shown only now). Open it, "
            "choose a password and set up a second factor:"
        )
        self.stdout.write(result.link)
