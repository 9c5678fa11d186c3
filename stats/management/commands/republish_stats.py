from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from stats.services import release_republish


class Command(BaseCommand):
    help = (
        "Publish statistics periods again after a correction (platform admins only): counts "
        "them from today's history, controls them against every earlier release and records "
        "the reason. Example: republish_stats --by ops@example.org --period opened:2026-08 "
        '--reason "category of one case corrected".'
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--by", required=True, help="e-mail address of the platform admin")
        parser.add_argument(
            "--period",
            action="append",
            required=True,
            help="GROUP:PERIOD, e.g. opened:2026-08 or crisis:2026-Q3 (repeatable)",
        )
        parser.add_argument("--reason", required=True, help="why (no personal data)")

    def handle(self, *args, **options) -> None:
        user = User.objects.filter(email__iexact=options["by"]).first()
        if user is None:
            raise CommandError("No such user.")
        periods = []
        for value in options["period"]:
            group, _sep, period = value.partition(":")
            periods.append((group, period))
        try:
            release = release_republish(by=user, reason=options["reason"], periods=periods)
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        self.stdout.write(f"Release {release.number} published (re-publication).")
