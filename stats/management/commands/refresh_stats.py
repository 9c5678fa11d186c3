from __future__ import annotations

from django.core.management.base import BaseCommand

from stats.services import summary_refresh


class Command(BaseCommand):
    help = "Recompute the statistics summary table now (the periodic task does it nightly)."

    def handle(self, *args, **options) -> None:
        refresh = summary_refresh()
        self.stdout.write(f"Summary refreshed: {refresh.rows} rows in {refresh.duration_ms} ms.")
