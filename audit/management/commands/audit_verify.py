"""``manage.py audit_verify [--checkpoint FILE]``: prove the audit chain intact.

Exit 0 and ``N events verified, head <hash>`` when intact; exit 1 naming the first bad
sequence number when an event was changed, removed or reordered, or (with a checkpoint) when
events were cut off the end after it. Reads only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.verification import CheckpointError, parse_checkpoint, verify_chain

ERR_CHECKPOINT_UNREADABLE = "Cannot read the checkpoint file."


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (and optionally a signed checkpoint)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="a checkpoint printed by audit_checkpoint; also detects events cut off the end",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = None
        if options["checkpoint"]:
            try:
                text = Path(options["checkpoint"]).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                raise CommandError(ERR_CHECKPOINT_UNREADABLE, returncode=1) from None
            try:
                checkpoint = parse_checkpoint(text)
            except CheckpointError as exc:
                raise CommandError(str(exc), returncode=1) from None
        result = verify_chain(checkpoint=checkpoint)
        if not result.ok:
            raise CommandError(result.failure(), returncode=1)
        self.stdout.write(result.summary())
        if checkpoint is not None:
            self.stdout.write(
                f"checkpoint at event {checkpoint.seq} (signed {checkpoint.signed_at}) matches"
            )
