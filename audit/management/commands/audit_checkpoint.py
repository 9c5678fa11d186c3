"""``manage.py audit_checkpoint [--store]``: the signed head of the audit chain.

Without ``--store`` it prints the checkpoint as JSON: a partner organisation keeps it, and
later ``audit_verify --checkpoint FILE`` proves that every event up to it is still there,
unchanged. The chain is verified first: a broken chain is never signed.

With ``--store`` it verifies the chain against the newest checkpoint in
``WAYPOINT_CHECKPOINT_DIR``, then writes the new one there (what the nightly task does) and
prints the file's path.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.checkpoints import BrokenChainError, sign_and_store
from audit.services import record
from audit.verification import CheckpointError, head_checkpoint, sign_checkpoint, verify_chain

ERR_BROKEN = "Refusing to sign a checkpoint of a broken chain. {failure}"


class Command(BaseCommand):
    help = (
        "Print the head of the audit chain (seq, hash, time) signed with the keyring's Ed25519 "
        "key, or with --store write it to WAYPOINT_CHECKPOINT_DIR."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--store",
            action="store_true",
            help="verify against the newest stored checkpoint, then store the new one in "
            "WAYPOINT_CHECKPOINT_DIR (outside the database) and print its path",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["store"]:
            self._store()
            return
        try:
            checkpoint = head_checkpoint()
        except CheckpointError as exc:
            raise CommandError(str(exc), returncode=1) from None
        # One pass proves every event up to the head we are about to sign.
        result = verify_chain(checkpoint=checkpoint)
        if not result.ok:
            raise CommandError(ERR_BROKEN.format(failure=result.failure()), returncode=1)
        document = sign_checkpoint(checkpoint)
        # That a checkpoint was handed out is itself worth a line in the log.
        record("audit.checkpoint.signed", actor=None, org=None, head_seq=checkpoint.seq)
        self.stdout.write(json.dumps(document, indent=2, sort_keys=True))

    def _store(self) -> None:
        try:
            stored = sign_and_store()
        except BrokenChainError as exc:
            raise CommandError(ERR_BROKEN.format(failure=str(exc)), returncode=1) from None
        except CheckpointError as exc:
            raise CommandError(str(exc), returncode=1) from None
        self.stdout.write(f"checkpoint at event {stored.checkpoint.seq} stored in {stored.path}")
