"""Documents in the database: encrypted in chunks under the case's documents key before they
are stored; every chunk bound to its document, its place and whether it is the last. Every
web node reads them (docs/storage.md); a download streams a batch of chunks at a time.

Before documents moved into the database they were files in WAYPOINT_MEDIA_ROOT, in the same
chunk format (``WPF1``, then length-prefixed sealed chunks). ``move_legacy_file`` moves such a
file's sealed chunks as they are: the associated data does not name where a chunk lives, so
nothing needs a key to move."""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction

import vault
from casework.envelope.errors import SealedDataUnreadable, security_event
from casework.envelope.keys import data_key
from casework.envelope.store import as_uuid
from casework.models import Document, DocumentChunk
from casework.sections import Section

FILE_AAD = "waypoint.file.v1:{document}:{index}:{final}"
FILE_MAGIC = b"WPF1"
FILE_CHUNK = 64 * 1024
STORAGE_NAME_RE = re.compile(r"[0-9a-f]{32}")
# Chunks written or read per query: 16 x 64 KiB, about a megabyte in memory at a time.
CHUNK_BATCH = 16


def new_storage_name() -> str:
    return uuid.uuid4().hex


def _file_aad(document_id: uuid.UUID, index: int, final: bool) -> bytes:
    return FILE_AAD.format(document=document_id, index=index, final=int(final)).encode("ascii")


def _check_case(case_id: uuid.UUID, document: Document) -> None:
    if document.case_id != as_uuid(case_id):
        raise ValueError("this document belongs to another case")


def write_document_file(*, case_id: uuid.UUID, document: Document, data: bytes) -> None:
    """Encrypts ``data`` in chunks under the case's documents key into DocumentChunk rows of
    the saved ``document``, in the caller's transaction: a rollback leaves nothing behind."""
    _check_case(case_id, document)
    key = data_key(case_id, Section.DOCUMENTS)
    count = max(1, -(-len(data) // FILE_CHUNK))
    for start in range(0, count, CHUNK_BATCH):
        rows = []
        for index in range(start, min(start + CHUNK_BATCH, count)):
            chunk = data[index * FILE_CHUNK : (index + 1) * FILE_CHUNK]
            aad = _file_aad(document.pk, index, index == count - 1)
            sealed = vault.seal_with_key(key, chunk, aad=aad)
            rows.append(DocumentChunk(document=document, index=index, data=sealed))
        DocumentChunk.objects.bulk_create(rows)


def open_document_stream(*, case_id: uuid.UUID, document: Document) -> Iterator[bytes]:
    """The decrypted document, a chunk at a time. The key is taken now (inside the caller's
    key scope: SectionShredded or KeyRefused raise here), and a document with no stored
    content raises SealedDataUnreadable here; a chunk that fails to open raises it when the
    stream reaches it, before any of its plaintext is handed out."""
    _check_case(case_id, document)
    key = data_key(case_id, Section.DOCUMENTS)
    count = DocumentChunk.objects.filter(document=document).count()

    def refuse(reason: str) -> SealedDataUnreadable:
        security_event(reason, case=case_id, section=Section.DOCUMENTS, document=document.pk)
        return SealedDataUnreadable()

    if count == 0:
        raise refuse("file_missing")

    def stream() -> Iterator[bytes]:
        for start in range(0, count, CHUNK_BATCH):
            rows = DocumentChunk.objects.filter(
                document=document, index__gte=start, index__lt=start + CHUNK_BATCH
            ).order_by("index")
            expected = start
            for index, sealed in rows.values_list("index", "data"):
                if index != expected:
                    raise refuse("file_unreadable")
                aad = _file_aad(document.pk, index, index == count - 1)
                try:
                    yield vault.open_with_key(key, bytes(sealed), aad=aad)
                except vault.DecryptionError:
                    raise refuse("file_unreadable") from None
                expected += 1
            if expected != min(start + CHUNK_BATCH, count):
                raise refuse("file_unreadable")

    return stream()


def read_document_file(*, case_id: uuid.UUID, document: Document) -> bytes:
    """Decrypts a stored document whole (exports). Raises SectionShredded or
    SealedDataUnreadable (also when chunks are missing, reordered or altered)."""
    return b"".join(open_document_stream(case_id=case_id, document=document))


def erase_document_content(*, case_id: uuid.UUID) -> int:
    """Deletes the stored chunks of every document of the case (shredding), in the caller's
    transaction, and any file left on disk from before the move, once it commits. Returns the
    number of chunks deleted."""
    names = list(Document.objects.filter(case_id=case_id).values_list("storage_name", flat=True))
    deleted, _ = DocumentChunk.objects.filter(document__case_id=case_id).delete()

    def delete_files() -> None:
        for name in names:
            path = legacy_file_path(name)
            if path is not None:
                path.unlink(missing_ok=True)

    transaction.on_commit(delete_files)
    return deleted


# --- Files from before the move ---------------------------------------------------------------


class LegacyFileError(ValueError):
    """A file on disk that is not a whole document in the chunk format."""


def legacy_file_path(storage_name: str) -> Path | None:
    """Where a document's file lived on disk (None for a name that is not a storage name)."""
    if not STORAGE_NAME_RE.fullmatch(storage_name):
        return None
    return Path(settings.WAYPOINT_MEDIA_ROOT) / storage_name


def _legacy_chunks(raw: bytes) -> list[bytes]:
    if not raw.startswith(FILE_MAGIC):
        raise LegacyFileError("not a document file")
    offset, chunks = len(FILE_MAGIC), []
    while offset < len(raw):
        if offset + 4 > len(raw):
            raise LegacyFileError("truncated document file")
        (length,) = struct.unpack(">I", raw[offset : offset + 4])
        end = offset + 4 + length
        if end > len(raw):
            raise LegacyFileError("truncated document file")
        chunks.append(raw[offset + 4 : end])
        offset = end
    if not chunks:
        raise LegacyFileError("empty document file")
    return chunks


def move_legacy_file(*, document: Document) -> bool:
    """Moves the document's file from WAYPOINT_MEDIA_ROOT into DocumentChunk rows, sealed
    chunks as they are, and deletes the file once the caller's transaction commits. False
    when there is no file, or the document already has chunks. LegacyFileError for a file
    that is not in the chunk format (it stays where it is)."""
    path = legacy_file_path(document.storage_name)
    if path is None or not path.is_file():
        return False
    if DocumentChunk.objects.filter(document=document).exists():
        return False
    chunks = _legacy_chunks(path.read_bytes())
    DocumentChunk.objects.bulk_create(
        DocumentChunk(document=document, index=index, data=sealed)
        for index, sealed in enumerate(chunks)
    )
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return True
