"""Documents: checked and cleaned on upload, encrypted before they touch storage, audited on
download."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record
from casework.envelope import (
    is_shredded,
    new_storage_name,
    open_document_stream,
    write_document_file,
)
from casework.guards import ERR_SHREDDED, lock_case, require_section, seal
from casework.models import Case, Document, DocumentType
from casework.sections import Section
from casework.uploads import UploadRefused, clean_upload

ERR_DOCUMENT_TYPE = _("Choose a document type.")


@transaction.atomic
def document_upload(
    *,
    case: Case,
    by: User,
    document_type: DocumentType,
    data: bytes,
    original_name: str,
    description: str = "",
) -> Document:
    """Checks and cleans the file (casework.uploads), encrypts it into the database in chunks
    and records it. A refused file raises ValidationError with the reason and leaves nothing
    behind; so does a rollback of the caller's transaction."""
    require_section(by=by, case=case, section=Section.DOCUMENTS)
    if document_type is None or not document_type.is_active:
        raise ValidationError(ERR_DOCUMENT_TYPE)
    if is_shredded(case_id=case.pk, section=Section.DOCUMENTS):
        raise ValidationError(ERR_SHREDDED)
    try:
        clean = clean_upload(data)
    except UploadRefused as refused:
        raise ValidationError(refused.message) from None
    lock_case(case)
    seq = (case.documents.aggregate(n=Max("seq"))["n"] or 0) + 1
    document = Document(
        case=case,
        document_type=document_type,
        uploaded_by=by,
        seq=seq,
        content_type=clean.content_type,
        size=len(clean.data),
        storage_name=new_storage_name(),
    )
    seal(
        case,
        document,
        {"original_name": original_name.strip()[:200], "description": description.strip()},
    )
    document.save()
    write_document_file(case_id=case.pk, document=document, data=clean.data)
    record("document.uploaded", actor=by, obj=case, org=case.organisation_id, count=seq)
    return document


def document_read(*, document: Document, by: User) -> bytes:
    """The decrypted document, whole, audited (document.downloaded)."""
    return b"".join(document_stream(document=document, by=by))


def document_stream(*, document: Document, by: User) -> Iterator[bytes]:
    """The decrypted document for its download, a chunk at a time, audited
    (document.downloaded) once the key was taken and content was found: a shredded or
    missing document raises here, before anything is recorded or sent."""
    case = document.case
    require_section(by=by, case=case, section=Section.DOCUMENTS, write=False)
    stream = open_document_stream(case_id=case.pk, document=document)
    record(
        "document.downloaded",
        actor=by,
        obj=case,
        org=case.organisation_id,
        section=Section.DOCUMENTS,
        count=document.seq,
    )
    return stream
