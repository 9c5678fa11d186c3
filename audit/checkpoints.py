"""Signed checkpoints of the audit chain, stored outside the database.

Whoever owns the audit table can rewrite an event and recompute every hash after it: the
chain alone then verifies. A checkpoint signed earlier with the keyring's Ed25519 key, kept
where the database's owner cannot rewrite it, catches that: the event it names no longer has
the hash it signed. Every night ``store_checkpoint_task`` verifies the chain against the
newest stored checkpoint and, if intact, signs the head and writes it to
``settings.WAYPOINT_CHECKPOINT_DIR`` (``manage.py audit_checkpoint --store`` does the same by
hand). ``manage.py audit_verify`` verifies against the newest one by default.

Files are named ``checkpoint-<UTC time>-<seq>.json`` (mode 0600, folder 0700), so the newest
sorts last; each holds the document of audit.verification (its own signature: a file that
was edited does not verify). The folder belongs in the backups, apart from the database.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from audit.verification import (
    Checkpoint,
    CheckpointError,
    Verification,
    head_checkpoint,
    notify_platform_admins,
    parse_checkpoint,
    sign_checkpoint,
    verify_chain,
)

logger = logging.getLogger(__name__)

FILE_PREFIX = "checkpoint-"
FILE_SUFFIX = ".json"

ERR_UNREADABLE = "Cannot read the checkpoint file {path}."
ERR_STORED = "The stored checkpoint {path} cannot be used: {problem}"
MSG_NONE_STORED = (
    "No stored checkpoint in {directory}: the chain was verified on its own, which does not "
    "catch a history that the database's owner rewrote and rechained. Store one with "
    "manage.py audit_checkpoint --store (the nightly task does)."
)


class BrokenChainError(Exception):
    """The chain failed verification: nothing was signed or stored."""

    def __init__(self, result: Verification) -> None:
        super().__init__(result.failure())
        self.result = result


@dataclass(frozen=True)
class Stored:
    path: Path
    checkpoint: Checkpoint
    previous: Path | None


def checkpoint_dir() -> Path:
    return Path(settings.WAYPOINT_CHECKPOINT_DIR)


def newest_checkpoint_file(directory: Path | None = None) -> Path | None:
    """The newest stored checkpoint file (by its name), or None. Lists one folder."""
    folder = directory or checkpoint_dir()
    if not folder.is_dir():
        return None
    files = sorted(
        path
        for path in folder.glob(f"{FILE_PREFIX}*{FILE_SUFFIX}")
        if path.is_file() and not path.name.startswith(".")
    )
    return files[-1] if files else None


def load_checkpoint(path: Path) -> Checkpoint:
    """Reads and checks one checkpoint file (signature against this keyring's key). Raises
    CheckpointError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise CheckpointError(ERR_UNREADABLE.format(path=path)) from None
    return parse_checkpoint(text)


def load_stored(path: Path) -> Checkpoint:
    """load_checkpoint for a file found in the checkpoint folder: errors name the file."""
    try:
        return load_checkpoint(path)
    except CheckpointError as exc:
        message = str(exc)
        if str(path) in message:
            raise
        raise CheckpointError(ERR_STORED.format(path=path, problem=message)) from None


def write_checkpoint(document: dict, *, seq: int, directory: Path | None = None) -> Path:
    """Writes a signed document into the folder (created 0700) as a new 0600 file, whole or
    not at all (a temporary name first, then an atomic rename)."""
    folder = directory or checkpoint_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    name = f"{FILE_PREFIX}{stamp}-{seq:012d}{FILE_SUFFIX}"
    temporary = folder / f".{name}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(json.dumps(document, indent=2, sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())
    path = folder / name
    os.replace(temporary, path)
    return path


def sign_and_store(directory: Path | None = None) -> Stored:
    """Verifies the whole chain against the newest stored checkpoint, then signs the head and
    stores it. Raises BrokenChainError (nothing stored) or CheckpointError (the newest file
    is unreadable or not signed by this keyring; an empty log). One pass over the log."""
    folder = directory or checkpoint_dir()
    previous_path = newest_checkpoint_file(folder)
    previous = load_stored(previous_path) if previous_path else None
    # The head is read before the pass, so the pass covers it.
    checkpoint = head_checkpoint()
    result = verify_chain(checkpoint=previous)
    if not result.ok:
        raise BrokenChainError(result)
    path = write_checkpoint(sign_checkpoint(checkpoint), seq=checkpoint.seq, directory=folder)
    # That a checkpoint was signed is itself worth a line in the log.
    record("audit.checkpoint.signed", actor=None, org=None, head_seq=checkpoint.seq)
    return Stored(path=path, checkpoint=checkpoint, previous=previous_path)


def store_nightly() -> Stored | None:
    """The nightly run: sign_and_store; on a broken chain record ``audit.verify.failed`` and
    notify platform admins; on an unusable stored checkpoint notify them too. Returns what
    was stored, or None (also for an empty log: nothing to sign yet)."""
    if not AuditEvent.objects.exists():
        return None
    try:
        return sign_and_store()
    except BrokenChainError as exc:
        # The sequence number is not personal data; the e-mail does not carry it.
        logger.error("audit checkpoint refused: chain broken at event %s", exc.result.first_bad_seq)
        record("audit.verify.failed", actor=None, org=None, first_bad_seq=exc.result.first_bad_seq)
    except CheckpointError:
        logger.exception("audit checkpoint refused: the stored checkpoint cannot be used")
    notify_platform_admins(at=timezone.now())
    return None
