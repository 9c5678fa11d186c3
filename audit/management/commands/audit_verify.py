"""``manage.py audit_verify [--checkpoint FILE | --no-checkpoint]``: prove the audit chain
intact.

Exit 0 and ``N events verified, head <hash>`` when intact; exit 1 naming the first bad
sequence number when an event was changed, removed or reordered, or (with a checkpoint) when
the history up to it was rewritten or events were cut off the end after it. By default it
verifies against the newest checkpoint stored in ``WAYPOINT_CHECKPOINT_DIR`` and says so
(on stderr) when there is none. Reads only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.checkpoints import (
    MSG_NONE_STORED,
    checkpoint_dir,
    load_stored,
    newest_checkpoint_file,
)
from audit.verification import Checkpoint, CheckpointError, parse_checkpoint, verify_chain

ERR_CHECKPOINT_UNREADABLE = "Cannot read the checkpoint file."


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain against a signed checkpoint (by default the newest "
        "in WAYPOINT_CHECKPOINT_DIR)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="a checkpoint printed by audit_checkpoint (instead of the newest stored one)",
        )
        which.add_argument(
            "--no-checkpoint",
            action="store_true",
            help="verify the chain alone, without any checkpoint",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stored: Path | None = None
        checkpoint: Checkpoint | None = None
        if options["checkpoint"]:
            checkpoint = self._given(options["checkpoint"])
        elif not options["no_checkpoint"]:
            stored = newest_checkpoint_file()
            if stored is None:
                self.stderr.write(MSG_NONE_STORED.format(directory=checkpoint_dir()))
            else:
                try:
                    checkpoint = load_stored(stored)
                except CheckpointError as exc:
                    raise CommandError(str(exc), returncode=1) from None
        result = verify_chain(checkpoint=checkpoint)
        if not result.ok:
            failure = result.failure()
            if stored is not None:
                failure += f" (checkpoint {stored})"
            raise CommandError(failure, returncode=1)
        self.stdout.write(result.summary())
        if checkpoint is not None:
            source = f" ({stored})" if stored is not None else ""
            self.stdout.write(
                f"checkpoint at event {checkpoint.seq} (signed {checkpoint.signed_at}) "
                f"matches{source}"
            )

    @staticmethod
    def _given(name: str) -> Checkpoint:
        try:
            text = Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise CommandError(ERR_CHECKPOINT_UNREADABLE, returncode=1) from None
        try:
            return parse_checkpoint(text)
        except CheckpointError as exc:
            raise CommandError(str(exc), returncode=1) from None
