"""``manage.py audit_checkpoint``: print the signed head of the audit chain as JSON.

A partner organisation keeps the output; later ``audit_verify --checkpoint FILE`` proves that
every event up to it is still there, unchanged. The chain is verified first: a broken chain
is never signed.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.services import record
from audit.verification import CheckpointError, head_checkpoint, sign_checkpoint, verify_chain

ERR_BROKEN = "Refusing to sign a checkpoint of a broken chain. {failure}"


class Command(BaseCommand):
    help = (
        "Print the head of the audit chain (seq, hash, time) signed with the keyring's Ed25519 key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
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
