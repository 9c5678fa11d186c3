"""Runs one reminder scan now (the same service the periodic task calls). The e-mails are
sent by the Celery worker."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from deadlines.services import reminders_scan


class Command(BaseCommand):
    help = "Run one reminder scan now; e-mails are sent by the worker."

    def handle(self, *args, **options) -> None:
        result = reminders_scan()
        # Counts only: no ids or content on a terminal that may be logged.
        self.stdout.write(
            f"claimed {result.claimed} reminders, {result.notifications} notifications, "
            f"{result.emails} e-mails queued"
        )
