"""Exporting an approved dossier as a PDF bundle for its recipient."""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from audit.services import record
from casework.guards import lock_case, seal
from casework.selectors import section_refusals
from evacuation import export
from evacuation.models import Dossier, DossierExport
from evacuation.selectors import dossier_role


def dossier_export(
    *, dossier: Dossier, by: User, recipient: str, age_recipient: str = ""
) -> tuple[DossierExport, bytes]:
    """The PDF bundle of an approved (or submitted, or decided) dossier for ``recipient``,
    optionally encrypted to their age public key, with its DossierExport row (the code
    printed on every page, the sha256 of the bytes returned) and one audit event. Built in
    memory (evacuation.export): about two seconds for a few documents."""
    case = dossier.case
    if dossier_role(user=by, dossier=dossier) is None:
        raise PermissionDenied
    if any(section_refusals(user=by, case=case, sections=export.SECTIONS_READ).values()):
        raise PermissionDenied
    if dossier.status not in export.EXPORTABLE_STATUSES:
        raise ValidationError(export.ERR_NOT_EXPORTABLE)
    recipient = recipient.strip()
    if not recipient:
        raise ValidationError(export.ERR_NO_RECIPIENT)
    age = export.age_recipient(age_recipient)
    code = export.new_code()
    data = export.build_bundle(dossier=dossier, by=by, code=code, recipient=recipient)
    if age is not None:
        data = export.encrypt(data, age)
    with transaction.atomic():
        lock_case(case)
        row = DossierExport(
            code=code,
            case=case,
            dossier=dossier,
            exported_by=by,
            encrypted=age is not None,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        seal(case, row, {"recipient": recipient})
        row.save()
        record(
            "dossier.exported",
            actor=by,
            obj=dossier,
            org=case.organisation_id,
            export_id=code,
        )
    return row, data
