"""Documents on disk: encrypted in chunks under the case's documents key before they touch
storage; every chunk bound to its document, its place and whether it is the last."""

from __future__ import annotations

import os
import re
import struct
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

import vault
from casework.envelope.errors import SealedDataUnreadable, security_event
from casework.envelope.keys import data_key
from casework.envelope.store import as_uuid
from casework.sections import Section

if TYPE_CHECKING:
    from casework.models import Document

FILE_AAD = "waypoint.file.v1:{document}:{index}:{final}"
FILE_MAGIC = b"WPF1"
FILE_CHUNK = 64 * 1024
STORAGE_NAME_RE = re.compile(r"[0-9a-f]{32}")


def media_root() -> Path:
    root = Path(settings.WAYPOINT_MEDIA_ROOT)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def new_storage_name() -> str:
    return uuid.uuid4().hex


def _file_path(storage_name: str) -> Path:
    if not STORAGE_NAME_RE.fullmatch(storage_name):
        raise ValueError("not a storage name")
    return media_root() / storage_name


def _file_aad(document_id: uuid.UUID, index: int, final: bool) -> bytes:
    return FILE_AAD.format(document=document_id, index=index, final=int(final)).encode("ascii")


def write_document_file(*, case_id: uuid.UUID, document: Document, data: bytes) -> None:
    """Encrypts ``data`` in chunks under the case's documents key into a new file (mode 0600)
    named by ``document.storage_name``. The plaintext never touches the disk."""
    if document.case_id != as_uuid(case_id):
        raise ValueError("this document belongs to another case")
    key = data_key(case_id, Section.DOCUMENTS)
    path = _file_path(document.storage_name)
    chunks = [data[i : i + FILE_CHUNK] for i in range(0, len(data), FILE_CHUNK)] or [b""]
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(FILE_MAGIC)
            last = len(chunks) - 1
            for index, chunk in enumerate(chunks):
                sealed = vault.seal_with_key(
                    key, chunk, aad=_file_aad(document.pk, index, index == last)
                )
                fh.write(struct.pack(">I", len(sealed)))
                fh.write(sealed)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def read_document_file(*, case_id: uuid.UUID, document: Document) -> bytes:
    """Decrypts a stored document. Raises SectionShredded or SealedDataUnreadable (also when
    the file is missing, truncated, reordered or altered)."""
    if document.case_id != as_uuid(case_id):
        raise ValueError("this document belongs to another case")
    key = data_key(case_id, Section.DOCUMENTS)

    def refuse(reason: str) -> SealedDataUnreadable:
        security_event(reason, case=case_id, section=Section.DOCUMENTS, document=document.pk)
        return SealedDataUnreadable()

    try:
        raw = _file_path(document.storage_name).read_bytes()
    except (OSError, ValueError):
        raise refuse("file_missing") from None
    if not raw.startswith(FILE_MAGIC):
        raise refuse("file_unreadable")
    offset, index, parts = len(FILE_MAGIC), 0, []
    while True:
        if offset + 4 > len(raw):
            raise refuse("file_unreadable")
        (length,) = struct.unpack(">I", raw[offset : offset + 4])
        end = offset + 4 + length
        if end > len(raw):
            raise refuse("file_unreadable")
        final = end == len(raw)
        try:
            aad = _file_aad(document.pk, index, final)
            parts.append(vault.open_with_key(key, raw[offset + 4 : end], aad=aad))
        except vault.DecryptionError:
            raise refuse("file_unreadable") from None
        if final:
            return b"".join(parts)
        offset, index = end, index + 1


def delete_document_file(*, storage_name: str) -> None:
    try:
        _file_path(storage_name).unlink(missing_ok=True)
    except ValueError:
        pass
