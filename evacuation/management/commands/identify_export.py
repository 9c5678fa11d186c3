"""``manage.py identify_export CODE`` or ``--file PATH``: which export leaked? Prints what
DossierExport holds about the export whose code is printed on the pages (or whose bytes the
file is): when, which case and dossier, who exported it, for whom. Audited
(dossier.export_identified). An operator's path: the recipient is opened without a user.
"""

from __future__ import annotations

import hashlib
from io import BytesIO
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from pypdf import PdfReader

from audit.services import record
from casework.envelope import SealedDataUnreadable, SectionShredded, key_scope
from evacuation.export import CODE_RE
from evacuation.models import DossierExport

NOT_FOUND = "No export has this code."
NO_CODE = "No export code found in this file, and its bytes match no export."
UNREADABLE_FILE = "The file could not be read: {error}"
NEED_ONE = "Give an export code or --file PATH (not both)."
ERASED = "(erased: the case's documents section was shredded)"
UNREADABLE = "(could not be opened; see the security log)"


def code_in_file(data: bytes) -> str | None:
    """The first export code in the PDF's text."""
    for page in PdfReader(BytesIO(data)).pages:
        found = CODE_RE.search(page.extract_text() or "")
        if found:
            return found.group()
    return None


class Command(BaseCommand):
    help = "Identify a dossier export from the code printed on its pages, or from a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", nargs="?", help="the code printed on the pages (WX-…)")
        parser.add_argument("--file", help="a leaked PDF (or .pdf.age) file")

    def handle(self, *args, **options) -> None:
        code, path = options["code"], options["file"]
        if bool(code) == bool(path):
            raise CommandError(NEED_ONE)
        export = self._from_file(Path(path)) if path else self._from_code(code.strip().upper())
        record(
            "dossier.export_identified",
            actor=None,
            obj=export.dossier,
            org=export.case.organisation_id,
            export_id=export.code,
        )
        user = export.exported_by
        rows = [
            ("Export", export.code),
            ("Exported at", export.exported_at.isoformat(timespec="seconds")),
            ("Case", export.case.reference),
            ("Dossier", str(export.dossier_id)),
            ("Exported by", user.email if user else "(account deleted)"),
            ("Recipient", self._recipient(export)),
            ("Encrypted", "yes" if export.encrypted else "no"),
            ("SHA-256", export.sha256),
        ]
        for label, value in rows:
            self.stdout.write(f"{label}: {value}")

    def _exports(self):
        return DossierExport.objects.select_related("case", "dossier", "exported_by")

    def _from_code(self, code: str) -> DossierExport:
        export = self._exports().filter(code=code).first()
        if export is None:
            raise CommandError(NOT_FOUND)
        return export

    def _from_file(self, path: Path) -> DossierExport:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(UNREADABLE_FILE.format(error=error.strerror)) from None
        # The very file handed out (also an encrypted one), else the code on its pages.
        export = self._exports().filter(sha256=hashlib.sha256(data).hexdigest()).first()
        if export is not None:
            return export
        try:
            code = code_in_file(data)
        except Exception as error:  # noqa: BLE001 - pypdf raises many types for broken files
            raise CommandError(UNREADABLE_FILE.format(error=type(error).__name__)) from None
        if code is None:
            raise CommandError(NO_CODE)
        return self._from_code(code)

    def _recipient(self, export: DossierExport) -> str:
        with key_scope():
            try:
                return export.case.envelope.open(export, "recipient")
            except SectionShredded:
                return ERASED
            except SealedDataUnreadable:
                return UNREADABLE
