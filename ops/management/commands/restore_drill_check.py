"""``manage.py restore_drill_check``: run by ``restore_drill`` in its own process, with
DATABASE_URL naming the restored scratch database. Brings the schema up to this version,
verifies the audit chain and opens a random sample of cases whole (every section and
document) with the keyring in use; prints one JSON line. Not meant to be run by hand."""

from __future__ import annotations

import json
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

import vault
from audit.verification import verify_chain
from casework.envelope import SealedDataError, key_scope
from casework.export import case_export_data
from casework.models import Case


class Command(BaseCommand):
    help = "Used by restore_drill: check the restored scratch database (prints JSON)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sample", type=int, default=20)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        chain = verify_chain()
        cases = list(Case.objects.order_by("?").only("pk")[: options["sample"]])
        failed = []
        for case in cases:
            try:
                with key_scope():
                    case_export_data(case=Case.objects.get(pk=case.pk), include_files=True)
            except (SealedDataError, vault.DecryptionError, vault.KeyringError) as error:
                # The case id and the kind of failure (which key, which seal): no content.
                failed.append(f"{case.pk} ({type(error).__name__}: {error})")
        report = {
            "chain_ok": chain.ok,
            "first_bad_seq": chain.first_bad_seq,
            "events": chain.count,
            "head_seq": chain.head_seq,
            "sampled": len(cases),
            "opened": len(cases) - len(failed),
            "failed": failed,
        }
        self.stdout.write(json.dumps(report))
