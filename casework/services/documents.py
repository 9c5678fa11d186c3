"""Documents: checked and cleaned on upload, encrypted before they touch storage, audited on
download."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record
from casework.envelope import (
    delete_document_file,
    is_shredded,
    new_storage_name,
    read_document_file,
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
    """Checks and cleans the file (casework.uploads), encrypts it to a new file and records
    it. A refused file raises ValidationError with the reason and leaves nothing behind."""
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
    write_document_file(case_id=case.pk, document=document, data=clean.data)
    try:
        document.save()
        record("document.uploaded", actor=by, obj=case, org=case.organisation_id, count=seq)
    except BaseException:
        delete_document_file(storage_name=document.storage_name)
        raise
    # If an outer transaction rolls back later, the file stays behind as an orphan: ciphertext
    # under this case's documents key, which no row names.
    return document


def document_read(*, document: Document, by: User) -> bytes:
    """The decrypted document for its download, audited (document.downloaded)."""
    case = document.case
    require_section(by=by, case=case, section=Section.DOCUMENTS, write=False)
    data = read_document_file(case_id=case.pk, document=document)
    record(
        "document.downloaded",
        actor=by,
        obj=case,
        org=case.organisation_id,
        section=Section.DOCUMENTS,
        count=document.seq,
    )
    return data
