from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from vault import keyring


class Command(BaseCommand):
    help = "Print a new keyring (JSON) to standard output. Store it as WAYPOINT_KEYRING_FILE."
    requires_system_checks = []

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(keyring.generate().to_json())
