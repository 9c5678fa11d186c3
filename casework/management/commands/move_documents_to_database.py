"""``manage.py move_documents_to_database``: move encrypted document files from
WAYPOINT_MEDIA_ROOT into the database, where every web node reads them (docs/storage.md).

The sealed chunks move as they are: no key is needed and no plaintext exists at any point.
One transaction per document; a file is deleted only after its rows are committed. Safe to run
again: a document that already has its chunks is skipped. Run it once after upgrading, before
starting a second web node.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from casework.envelope import LegacyFileError, move_legacy_file
from casework.models import Document

DONE = "{moved} document(s) moved into the database, {left} file(s) could not be read."


class Command(BaseCommand):
    help = "Move encrypted document files from WAYPOINT_MEDIA_ROOT into the database."

    def handle(self, *args: Any, **options: Any) -> None:
        moved = failed = 0
        for document in Document.objects.filter(chunks__isnull=True).iterator():
            try:
                with transaction.atomic():
                    moved += move_legacy_file(document=document)
            except LegacyFileError:
                # Ids only: the document's id names nothing about the person.
                self.stderr.write(f"document {document.pk}: not a whole document file; left")
                failed += 1
        self.stdout.write(DONE.format(moved=moved, left=failed))
        if failed:
            raise CommandError("Some files were left on disk.", returncode=1)
