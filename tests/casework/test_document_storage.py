"""Documents in the database: chunked, sealed, bound to their place; streamed on download;
erased by shredding; files from before the move moved in without a key."""

from __future__ import annotations

import struct
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

import vault
from casework import envelope
from casework.envelope.files import FILE_AAD, FILE_MAGIC
from casework.models import Document, DocumentChunk, DocumentType
from tests.casework.conftest import stored_bytes
from tests.conftest import sign_in


def _document(case) -> Document:
    document = Document(
        case=case,
        document_type=DocumentType.objects.first(),
        content_type="application/pdf",
        storage_name=envelope.new_storage_name(),
    )
    document.save()
    return document


def _data(size: int) -> bytes:
    return bytes(range(256)) * (size // 256) + b"x" * (size % 256)


@pytest.mark.parametrize("size", [0, 1, envelope.FILE_CHUNK, envelope.FILE_CHUNK * 2 + 17])
def test_a_document_round_trips_in_sealed_chunks(case_getlost, size, _media_root):
    document = _document(case_getlost)
    data = _data(size)
    envelope.write_document_file(case_id=case_getlost.pk, document=document, data=data)
    chunks = DocumentChunk.objects.filter(document=document).count()
    assert chunks == max(1, -(-size // envelope.FILE_CHUNK))
    assert envelope.read_document_file(case_id=case_getlost.pk, document=document) == data
    # Nothing on this node's disk: another node reads the same rows.
    assert not _media_root.exists() or not any(_media_root.iterdir())


def test_the_stream_hands_out_one_chunk_at_a_time(case_getlost):
    document = _document(case_getlost)
    data = _data(envelope.FILE_CHUNK * 40 + 3)  # three batches of chunks
    envelope.write_document_file(case_id=case_getlost.pk, document=document, data=data)
    stream = envelope.open_document_stream(case_id=case_getlost.pk, document=document)
    first = next(stream)
    assert first == data[: envelope.FILE_CHUNK]
    assert first + b"".join(stream) == data


def test_stored_chunks_hold_no_plaintext(case_getlost):
    document = _document(case_getlost)
    data = b"ZQXMARKER7731 " * 10_000
    envelope.write_document_file(case_id=case_getlost.pk, document=document, data=data)
    assert b"ZQXMARKER7731" not in stored_bytes(document)


def test_a_document_cut_short_fails_closed(case_getlost):
    document = _document(case_getlost)
    envelope.write_document_file(
        case_id=case_getlost.pk, document=document, data=b"a" * (envelope.FILE_CHUNK * 2 + 5)
    )
    # Without its last chunk what is left is well-formed but not final.
    DocumentChunk.objects.filter(document=document, index=2).delete()
    with pytest.raises(envelope.SealedDataUnreadable):
        envelope.read_document_file(case_id=case_getlost.pk, document=document)


def test_reordered_chunks_fail_closed(case_getlost):
    document = _document(case_getlost)
    data = b"a" * envelope.FILE_CHUNK + b"b" * envelope.FILE_CHUNK + b"c"
    envelope.write_document_file(case_id=case_getlost.pk, document=document, data=data)
    rows = {c.index: c for c in DocumentChunk.objects.filter(document=document)}
    rows[0].data, rows[1].data = rows[1].data, rows[0].data
    DocumentChunk.objects.bulk_update([rows[0], rows[1]], ["data"])
    with pytest.raises(envelope.SealedDataUnreadable):
        envelope.read_document_file(case_id=case_getlost.pk, document=document)


def test_chunks_of_another_document_fail_closed(case_getlost):
    one, two = _document(case_getlost), _document(case_getlost)
    envelope.write_document_file(case_id=case_getlost.pk, document=one, data=b"one")
    envelope.write_document_file(case_id=case_getlost.pk, document=two, data=b"two")
    sealed = DocumentChunk.objects.get(document=one).data
    DocumentChunk.objects.filter(document=two).update(data=sealed)
    with pytest.raises(envelope.SealedDataUnreadable):
        envelope.read_document_file(case_id=case_getlost.pk, document=two)


def test_a_document_without_content_fails_closed_before_streaming(case_getlost):
    document = _document(case_getlost)
    with pytest.raises(envelope.SealedDataUnreadable):
        envelope.open_document_stream(case_id=case_getlost.pk, document=document)


def test_a_download_streams_with_its_length(client, case_getlost, caseworker_getlost):
    from casework import services

    data = b"%PDF-1.4 not checked here"
    document = _document(case_getlost)
    document.size = len(data)
    document.save()
    envelope.write_document_file(case_id=case_getlost.pk, document=document, data=data)
    sign_in(client, caseworker_getlost)
    response = client.get(
        reverse("casework:document_download", args=[case_getlost.reference, document.pk])
    )
    assert response.status_code == 200 and response.streaming
    assert response["Content-Length"] == str(len(data))
    assert b"".join(response.streaming_content) == data
    assert services.document_read(document=document, by=caseworker_getlost) == data


def test_a_download_of_missing_content_is_the_calm_error_page(
    client, case_getlost, caseworker_getlost
):
    document = _document(case_getlost)
    sign_in(client, caseworker_getlost)
    response = client.get(
        reverse("casework:document_download", args=[case_getlost.reference, document.pk])
    )
    assert response.status_code == 500 and not response.streaming


# --- Files from before the move -------------------------------------------------------------


def _legacy_file(case, document, data: bytes, media_root) -> bytes:
    """Writes ``data`` as the old on-disk format did; returns the file's bytes."""
    key = envelope.data_key(case.pk, "documents")
    pieces = [data[i : i + envelope.FILE_CHUNK] for i in range(0, len(data), envelope.FILE_CHUNK)]
    raw = FILE_MAGIC
    for index, piece in enumerate(pieces):
        final = int(index == len(pieces) - 1)
        aad = FILE_AAD.format(document=document.pk, index=index, final=final).encode("ascii")
        sealed = vault.seal_with_key(key, piece, aad=aad)
        raw += struct.pack(">I", len(sealed)) + sealed
    media_root.mkdir(parents=True, exist_ok=True)
    (media_root / document.storage_name).write_bytes(raw)
    return raw


def test_the_command_moves_old_files_into_the_database_and_deletes_them(
    case_getlost, _media_root, django_capture_on_commit_callbacks
):
    data = _data(envelope.FILE_CHUNK + 99)
    document = _document(case_getlost)
    _legacy_file(case_getlost, document, data, _media_root)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("move_documents_to_database", stdout=out)
    assert "1 document(s) moved" in out.getvalue()
    assert not (_media_root / document.storage_name).exists()
    assert DocumentChunk.objects.filter(document=document).count() == 2
    assert envelope.read_document_file(case_id=case_getlost.pk, document=document) == data
    # Again: nothing left to move, nothing changed.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("move_documents_to_database", stdout=out)
    assert DocumentChunk.objects.filter(document=document).count() == 2


def test_a_damaged_old_file_stays_and_the_command_fails(case_getlost, _media_root):
    document = _document(case_getlost)
    raw = _legacy_file(case_getlost, document, b"hello", _media_root)
    (_media_root / document.storage_name).write_bytes(raw[:-3] + b"\x00\x00\x00\x09")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("move_documents_to_database", stdout=StringIO(), stderr=err)
    assert str(document.pk) in err.getvalue()
    assert (_media_root / document.storage_name).exists()
    assert not DocumentChunk.objects.filter(document=document).exists()


def test_shredding_documents_erases_their_chunks_and_old_files(
    case_getlost, _media_root, django_capture_on_commit_callbacks
):
    from casework import services

    kept = _document(case_getlost)
    envelope.write_document_file(case_id=case_getlost.pk, document=kept, data=b"stored")
    old = _document(case_getlost)
    _legacy_file(case_getlost, old, b"on disk", _media_root)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_shred(case=case_getlost, by=None, sections=["documents"])
    assert not DocumentChunk.objects.filter(document__case=case_getlost).exists()
    assert not (_media_root / old.storage_name).exists()
