"""``manage.py shred_case REF [--section NAME]``: destroy the data key of one section, or of
every section. Afterwards that content is unreadable everywhere; the case shell and its
statistics fields stay. Audited (case.shredded).

It then says what is true of older copies: backups and database copies made before still
hold the wrapped key, which opens until every key-encryption key that sealed up to now is
retired (casework.envelope.epochs): it names that day, or says it is already so.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation

from casework import services
from casework.envelope.epochs import erasure_statement
from casework.envelope.store import shredded_times
from casework.models import Case
from casework.sections import SECTIONS

NOT_FOUND = "No case has this reference."
NOT_CONFIRMED = "Nothing was shredded."


class Command(BaseCommand):
    help = "Destroy the data key of a case section (or all sections): irreversible."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference")
        parser.add_argument("--section", choices=SECTIONS, help="only this section")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args, **options) -> None:
        reference = options["reference"]
        case = Case.objects.filter(reference=reference).first()
        if case is None:
            raise CommandError(NOT_FOUND)
        sections = [options["section"]] if options["section"] else list(SECTIONS)
        if options["interactive"]:
            what = ", ".join(sections)
            try:
                answer = input(
                    f"This destroys {what} of {reference} for good. Type the reference to go on: "
                )
            except EOFError:
                answer = ""
            if answer.strip() != reference:
                raise CommandError(NOT_CONFIRMED)
        done = services.case_shred(case=case, by=None, sections=sections)
        already = sorted(set(sections) - set(done))
        self.stdout.write(
            f"Shredded: {', '.join(done) or 'nothing'}"
            + (f"; already shredded: {', '.join(already)}" if already else "")
            + "."
        )
        times = shredded_times(case_id=case.pk)
        with translation.override(None):
            for section in sections:
                when = times.get(section, timezone.now())
                self.stdout.write(f"{section}: {erasure_statement(when)}")
