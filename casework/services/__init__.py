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
from casework.services.access import (
    BREAK_GLASS_DEFAULT,
    BREAK_GLASS_MAX,
    ERR_ALREADY_ASSIGNED,
    ERR_CONSENT_NOT_PENDING,
    ERR_CONSENT_OUTLIVED,
    ERR_CONSENT_WITHDRAWN,
    ERR_DURATION,
    ERR_EXPIRY_TOO_LONG,
    ERR_EXPLANATION_REQUIRED,
    ERR_INACTIVE_ORGANISATION,
    ERR_LOCATION_UNVERIFIED,
    ERR_NO_CONSENT,
    ERR_NO_SECTIONS,
    ERR_NOT_ACCEPTED,
    ERR_NOT_ASSIGNABLE,
    ERR_NOT_LAWYER,
    ERR_NOT_PENDING,
    ERR_OWN_ORGANISATION,
    ERR_PAST_EXPIRY,
    ERR_RECIPIENT_NOT_MEMBER,
    ERR_UNKNOWN_ACTION,
    ERR_UNKNOWN_GIVER,
    ERR_UNKNOWN_PURPOSE,
    ERR_UNKNOWN_REASON,
    ERR_UNKNOWN_SECTION,
    REFERRAL_MAX,
)
from casework.services.assignment import (
    ERR_ASSIGN_REASON,
    ERR_CANNOT_OPEN,
    ERR_NO_CASEWORKER,
    ERR_UNKNOWN_CASEWORKER,
    case_assign,
    location_open,
)
from casework.services.break_glass import (
    break_glass,
    notices_mark_read,
)
from casework.services.cases import (
    ERR_ALREADY_VERIFIED,
    ERR_FUTURE_DATE,
    ERR_NOT_CASEWORKER,
    ERR_PSEUDONYM,
    case_create,
    case_update_shell,
    case_verify,
)
from casework.services.consent import (
    consent_confirm,
    consent_record,
    consent_withdraw,
    matching_consent,
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
from casework.services.referrals import (
    lawyer_grant,
    receiver_may_answer,
    referral_accept,
    referral_assign,
    referral_create,
    referral_decline,
    referral_revoke,
)
from casework.services.shredding import case_shred
from casework.services.status import (
    ERR_SAME_STATUS,
    ERR_STAYED_REASON,
    case_change_status,
    case_status_event,
)

__all__ = [
    "BREAK_GLASS_DEFAULT",
    "BREAK_GLASS_MAX",
    "ERR_ALREADY_ASSIGNED",
    "ERR_ALREADY_VERIFIED",
    "ERR_ASSIGN_REASON",
    "ERR_CANNOT_OPEN",
    "ERR_CONSENT_NOT_PENDING",
    "ERR_CONSENT_OUTLIVED",
    "ERR_CONSENT_WITHDRAWN",
    "ERR_DOCUMENT_TYPE",
    "ERR_DURATION",
    "ERR_EMPTY_TEXT",
    "ERR_EXPIRY_TOO_LONG",
    "ERR_EXPLANATION_REQUIRED",
    "ERR_FUTURE_DATE",
    "ERR_INACTIVE_ORGANISATION",
    "ERR_LOCATION_UNVERIFIED",
    "ERR_NOT_ACCEPTED",
    "ERR_NOT_CASEWORKER",
    "ERR_NOT_LAWYER",
    "ERR_NOT_PENDING",
    "ERR_NO_CASEWORKER",
    "ERR_NO_CONSENT",
    "ERR_NOT_ASSIGNABLE",
    "ERR_NO_SECTIONS",
    "ERR_OWN_ORGANISATION",
    "ERR_PAST_EXPIRY",
    "ERR_PSEUDONYM",
    "ERR_RECIPIENT_NOT_MEMBER",
    "ERR_SAME_STATUS",
    "ERR_SHREDDED",
    "ERR_STAYED_REASON",
    "ERR_UNKNOWN_ACTION",
    "ERR_UNKNOWN_CASEWORKER",
    "ERR_UNKNOWN_GIVER",
    "ERR_UNKNOWN_PURPOSE",
    "ERR_UNKNOWN_REASON",
    "ERR_UNKNOWN_SECTION",
    "REFERRAL_MAX",
    "break_glass",
    "case_assign",
    "case_change_status",
    "case_create",
    "case_shred",
    "case_status_event",
    "case_update_shell",
    "case_verify",
    "location_open",
    "consent_confirm",
    "consent_record",
    "consent_withdraw",
    "document_read",
    "document_upload",
    "exposure_add",
    "exposure_update",
    "lawyer_grant",
    "location_update",
    "matching_consent",
    "next_reference",
    "note_add",
    "notices_mark_read",
    "person_update_contact",
    "person_update_identity",
    "receiver_may_answer",
    "referral_accept",
    "referral_assign",
    "referral_create",
    "referral_decline",
    "referral_revoke",
    "refresh_absence_parts",
    "section_viewed",
    "testimony_add",
    "testimony_revise",
    "testimony_screen",
]
