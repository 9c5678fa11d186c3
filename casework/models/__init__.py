"""Case files. Identifying content lives only in ``SealedField`` columns (ciphertext under the
case's section keys, see casework.envelope); only coarse categorical fields and month dates stay
in clear, for lists, filters and statistics.

Every content row has a UUID primary key set at construction (default=uuid4), because the
ciphertext is bound to its row id: a row must know its id before anything is sealed into it.
Dates in clear are months (the first of the month): exact days identify people.

Modules: ``choices`` (categories and months), ``reference`` (countries, document types),
``cases`` (the case, its keys and status history), ``history`` (the month-resolution history
of the other attributes statistics count), ``records`` (person, exposure, location,
statements, notes, documents), ``access`` (grants, consent, referrals, break-glass, notices).
"""

from casework.models.access import (
    AssignmentReason,
    BreakGlass,
    BreakGlassReason,
    CaseAssignment,
    CaseGroupPermission,
    CaseNotice,
    CaseUserPermission,
    Consent,
    ConsentConfirmation,
    ConsentGiver,
    ConsentPurpose,
    GrantSource,
    LocationOpening,
    NoticeKind,
    Referral,
    ReferralAction,
    ReferralReason,
    ReferralStatus,
    section_codename,
)
from casework.models.cases import (
    Case,
    CaseCounter,
    CaseKey,
    CaseNumbering,
    CaseStatusChange,
)
from casework.models.choices import (
    CRISIS_STATUSES,
    RISK_ORDER,
    Article,
    IntakeChannel,
    Language,
    LegalBasis,
    LegalCategory,
    ProceduralStage,
    RiskLevel,
    Screening,
    ServiceCategory,
    Status,
    StayedReason,
    WantedLevel,
    more_severe,
    this_month,
)
from casework.models.history import AttributeChange, TrackedAttribute
from casework.models.records import (
    CONTENT_TYPE_EXTENSIONS,
    Document,
    DocumentChunk,
    LegalExposure,
    Location,
    Note,
    Person,
    PersonIndex,
    Testimony,
)
from casework.models.reference import (
    Country,
    DocumentType,
    Region,
)

__all__ = [
    "AssignmentReason",
    "CaseAssignment",
    "LocationOpening",
    "Article",
    "AttributeChange",
    "BreakGlass",
    "BreakGlassReason",
    "CONTENT_TYPE_EXTENSIONS",
    "CRISIS_STATUSES",
    "Case",
    "CaseCounter",
    "CaseGroupPermission",
    "CaseKey",
    "CaseNotice",
    "CaseNumbering",
    "CaseStatusChange",
    "CaseUserPermission",
    "Consent",
    "ConsentConfirmation",
    "ConsentGiver",
    "ConsentPurpose",
    "Country",
    "Document",
    "DocumentChunk",
    "DocumentType",
    "GrantSource",
    "IntakeChannel",
    "Language",
    "LegalBasis",
    "LegalCategory",
    "LegalExposure",
    "Location",
    "Note",
    "NoticeKind",
    "Person",
    "PersonIndex",
    "ProceduralStage",
    "Referral",
    "ReferralAction",
    "ReferralReason",
    "ReferralStatus",
    "RISK_ORDER",
    "Region",
    "RiskLevel",
    "Screening",
    "ServiceCategory",
    "Status",
    "Testimony",
    "TrackedAttribute",
    "WantedLevel",
    "section_codename",
    "StayedReason",
    "more_severe",
    "this_month",
]
