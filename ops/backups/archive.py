"""Writing and reading backup archives: a tar inside one age file, with a signed manifest."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pyrage
from cryptography.exceptions import InvalidSignature
from django.conf import settings
from django.db.models import Max

import vault
from accounts.models import TOTPDevice
from audit.models import AuditEvent
from casework.envelope import legacy_file_path
from casework.models import CaseKey, Document
from ops.backups.database import dump_database, vendor
from vault.age import AgeKeyError, age_recipient

KIND = "waypoint.backup"
VERSION = 1
MANIFEST = "manifest.json"
TIME_FORMAT = "%Y%m%dT%H%M%SZ"
PREFIX, SUFFIX = "waypoint-", ".backup.age"
# A working folder this old belongs to no backup still running (they take minutes).
STALE_WORK_SECONDS = 6 * 3600

ERR_NO_RECIPIENTS = "No backup recipients: set WAYPOINT_BACKUP_RECIPIENTS (age public keys)."
ERR_RECIPIENT = "WAYPOINT_BACKUP_RECIPIENTS holds something that is not an age public key."
ERR_MANIFEST = "The manifest is missing, malformed or not signed by this keyring's key."
ERR_PART = "Part {name} does not match the manifest."


class BackupError(Exception):
    """A backup could not be written or read; the message names no personal data."""


def backup_dir() -> Path:
    folder = Path(settings.WAYPOINT_BACKUP_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def checkpoint_dir() -> Path:
    return Path(
        getattr(settings, "WAYPOINT_CHECKPOINT_DIR", Path(settings.VAR_DIR) / "checkpoints")
    )


def archive_name(at: datetime) -> str:
    return f"{PREFIX}{at.astimezone(UTC).strftime(TIME_FORMAT)}{SUFFIX}"


def archive_time(path: Path) -> datetime | None:
    """When the archive was written, from its name; None for any other file."""
    name = path.name
    if not (name.startswith(PREFIX) and name.endswith(SUFFIX)):
        return None
    try:
        return datetime.strptime(name[len(PREFIX) : -len(SUFFIX)], TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def recipients() -> list[pyrage.x25519.Recipient]:
    keys = list(settings.WAYPOINT_BACKUP_RECIPIENTS)
    if not keys:
        raise BackupError(ERR_NO_RECIPIENTS)
    try:
        return [age_recipient(key) for key in keys]
    except AgeKeyError:
        raise BackupError(ERR_RECIPIENT) from None


def key_ids_needed() -> list[str]:
    """The ids of the key-encryption keys that wrap what the database holds: live data keys
    of cases and authenticator seeds. A restore needs a keyring holding all of them."""
    ids = set(CaseKey.objects.filter(shredded_at__isnull=True).values_list("kek_id", flat=True))
    for sealed in TOTPDevice.objects.values_list("sealed_key", flat=True).iterator():
        ids.add(vault.key_id_of(bytes(sealed)))
    return sorted(ids)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _parts(work: Path) -> dict[str, Path]:
    """Archive member name -> file: the database, old document files, audit checkpoints."""
    database = dump_database(work)
    parts = {database.name: database}
    for name in Document.objects.values_list("storage_name", flat=True).iterator():
        path = legacy_file_path(name)
        if path is not None and path.is_file():
            parts[f"documents/{name}"] = path
    checkpoints = checkpoint_dir()
    if checkpoints.is_dir():
        for path in sorted(checkpoints.iterdir()):
            if path.is_file():
                parts[f"checkpoints/{path.name}"] = path
    return parts


def _statement_bytes(statement: dict[str, Any]) -> bytes:
    return json.dumps(statement, sort_keys=True, separators=(",", ":")).encode("ascii")


def _manifest(parts: dict[str, Path], at: datetime, head_seq: int) -> dict[str, Any]:
    statement = {
        "kind": KIND,
        "version": VERSION,
        "created_at": at.astimezone(UTC).isoformat(timespec="seconds"),
        "database": vendor(),
        "key_ids": key_ids_needed(),
        "audit_head_seq": head_seq,
        "parts": {
            name: {"sha256": _sha256(path), "size": path.stat().st_size}
            for name, path in sorted(parts.items())
        },
    }
    signature = vault.signing_key().sign(_statement_bytes(statement))
    return {"manifest": statement, "signature": base64.b64encode(signature).decode("ascii")}


def _remove_stale_work(folder: Path) -> None:
    """Working folders left by a backup that was killed: they hold an unencrypted dump."""
    cutoff = time.time() - STALE_WORK_SECONDS
    for path in folder.glob(".work-*"):
        if path.is_dir() and path.stat().st_mtime < cutoff:
            shutil.rmtree(path, ignore_errors=True)


def write_backup(*, at: datetime) -> Path:
    """Writes a new archive into backup_dir(), mode 0600, named for ``at``. The plaintext tar
    exists only in a private working folder next to it, removed before returning."""
    keys = recipients()
    folder = backup_dir()
    _remove_stale_work(folder)
    target = folder / archive_name(at)
    head_seq = AuditEvent.objects.aggregate(n=Max("seq"))["n"] or 0
    with tempfile.TemporaryDirectory(dir=folder, prefix=".work-") as scratch:
        work = Path(scratch)
        parts = _parts(work)
        manifest = _manifest(parts, at, head_seq)
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        tar_path = work / "archive.tar"
        with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST, recursive=False)
            for name, path in sorted(parts.items()):
                tar.add(path, arcname=name, recursive=False)
        partial = work / "archive.age"
        pyrage.encrypt_file(str(tar_path), str(partial), keys)
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    return target


# --- Reading ----------------------------------------------------------------------------------


def check_manifest(document: Any) -> dict[str, Any]:
    """The manifest's statement once its signature checks against this keyring's key."""
    if not isinstance(document, dict):
        raise BackupError(ERR_MANIFEST)
    statement, signature = document.get("manifest"), document.get("signature")
    if not isinstance(statement, dict) or not isinstance(signature, str):
        raise BackupError(ERR_MANIFEST)
    try:
        vault.verify_key().verify(base64.b64decode(signature), _statement_bytes(statement))
    except (InvalidSignature, ValueError):
        raise BackupError(ERR_MANIFEST) from None
    if statement.get("kind") != KIND or statement.get("version") != VERSION:
        raise BackupError(ERR_MANIFEST)
    if not isinstance(statement.get("parts"), dict) or not isinstance(
        statement.get("key_ids"), list
    ):
        raise BackupError(ERR_MANIFEST)
    return statement


@contextmanager
def opened_archive(archive: Path, identity: pyrage.x25519.Identity) -> Iterator[tuple[dict, Path]]:
    """Decrypts ``archive`` into a private working folder and checks every part against the
    signed manifest; yields (manifest statement, folder of parts). The folder is removed on
    exit. BackupError when the archive does not open or any part differs."""
    with tempfile.TemporaryDirectory(prefix="waypoint-drill-") as scratch:
        work = Path(scratch)
        tar_path = work / "archive.tar"
        try:
            pyrage.decrypt_file(str(archive), str(tar_path), [identity])
        except (pyrage.DecryptError, OSError):
            raise BackupError(
                "The archive does not open with this identity, or it was changed."
            ) from None
        with tarfile.open(tar_path, "r") as tar:
            statement = _extract(tar, work / "parts")
        tar_path.unlink()
        yield statement, work / "parts"


def _copy(source: IO[bytes], target: Path) -> str:
    """Copies ``source`` to ``target`` a megabyte at a time; returns the SHA-256 (hex)."""
    digest = hashlib.sha256()
    with target.open("wb") as out:
        while block := source.read(1 << 20):
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def _extract(tar: tarfile.TarFile, folder: Path) -> dict[str, Any]:
    members = {m.name: m for m in tar.getmembers()}
    raw = tar.extractfile(members[MANIFEST]) if MANIFEST in members else None
    if raw is None:
        raise BackupError(ERR_MANIFEST)
    try:
        statement = check_manifest(json.loads(raw.read()))
    except ValueError:
        raise BackupError(ERR_MANIFEST) from None
    expected = statement["parts"]
    if set(members) - {MANIFEST} != set(expected):
        raise BackupError("The archive's parts are not those its manifest lists.")
    for name, facts in expected.items():
        source = tar.extractfile(members[name])
        # Names come from the signed manifest; still, nothing may land outside the folder.
        target = (folder / name).resolve()
        if source is None or not target.is_relative_to(folder.resolve()):
            raise BackupError(ERR_PART.format(name=name))
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if _copy(source, target) != facts.get("sha256"):
            raise BackupError(ERR_PART.format(name=name))
    return statement
