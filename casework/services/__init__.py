"""Writes to case files. Keyword-only, typed, each in one transaction with its audit event.

Every service that touches a section's content checks that ``by`` may open that section
(casework.guards, through selectors.section_refusal) and raises PermissionDenied otherwise:
views check first, this is the second lock on the door. Bad input raises ValidationError with
one of the message constants and writes nothing.

Modules: ``cases`` (opening, status, details, assignment, verification), ``people`` (identity,
contact, location), ``exposures`` (legal exposure), ``records`` (statements, notes, what was
read), ``documents``, ``shredding``, ``access`` (consent, referrals, grants, break-glass),
``references`` and ``indexes`` (helpers of ``cases`` and ``people``).
"""

from casework.guards import ERR_SHREDDED
from casework.services.cases import (
    ERR_ALREADY_VERIFIED,
    ERR_FUTURE_DATE,
    ERR_NO_CASEWORKER,
    ERR_NOT_CASEWORKER,
    ERR_PSEUDONYM,
    ERR_SAME_STATUS,
    ERR_UNKNOWN_CASEWORKER,
    case_assign,
    case_change_status,
    case_create,
    case_update_shell,
    case_verify,
)
from casework.services.documents import ERR_DOCUMENT_TYPE, document_read, document_upload
from casework.services.exposures import exposure_add, exposure_update, refresh_absence_parts
from casework.services.people import location_update, person_update_contact, person_update_identity
from casework.services.records import (
    ERR_EMPTY_TEXT,
    note_add,
    section_viewed,
    testimony_add,
    testimony_revise,
    testimony_screen,
)
from casework.services.references import next_reference
from casework.services.shredding import case_shred

__all__ = [
    "ERR_ALREADY_VERIFIED",
    "ERR_DOCUMENT_TYPE",
    "ERR_EMPTY_TEXT",
    "ERR_FUTURE_DATE",
    "ERR_NOT_CASEWORKER",
    "ERR_NO_CASEWORKER",
    "ERR_PSEUDONYM",
    "ERR_SAME_STATUS",
    "ERR_SHREDDED",
    "ERR_UNKNOWN_CASEWORKER",
    "case_assign",
    "case_change_status",
    "case_create",
    "case_shred",
    "case_update_shell",
    "case_verify",
    "document_read",
    "document_upload",
    "exposure_add",
    "exposure_update",
    "location_update",
    "next_reference",
    "note_add",
    "person_update_contact",
    "person_update_identity",
    "refresh_absence_parts",
    "section_viewed",
    "testimony_add",
    "testimony_revise",
    "testimony_screen",
]
