"""``manage.py export_case REF``: the person's complete file as JSON on standard output
(a subject-access request). Shredded sections are named as shredded. Audited (case.exported).

Standard output then holds personal data: write it to an encrypted medium, never to a log.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import record
from casework.envelope import SealedDataUnreadable
from casework.export import case_export_data
from casework.models import Case

NOT_FOUND = "No case has this reference."
UNREADABLE = "Part of the case could not be opened (see the security log); nothing was exported."


class Command(BaseCommand):
    help = "Print a case's complete file as JSON (subject-access request)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference")
        parser.add_argument(
            "--without-files",
            action="store_true",
            help="list documents without their content",
        )

    def handle(self, *args, **options) -> None:
        case = (
            Case.objects.select_related("person", "organisation", "verified_by")
            .filter(reference=options["reference"])
            .first()
        )
        if case is None:
            raise CommandError(NOT_FOUND)
        try:
            data = case_export_data(case=case, include_files=not options["without_files"])
        except SealedDataUnreadable:
            raise CommandError(UNREADABLE) from None
        record("case.exported", actor=None, obj=case, org=case.organisation_id)
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
