"""The stored data keys as rows: the associated data that binds a wrapped key to its case and
section, and which sections were shredded. No key is unwrapped here, and nothing here asks who
is reading (casework.selectors builds on this module; casework.envelope.keys builds on both)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, Subquery

from casework.models import CaseKey

WRAP_AAD = "waypoint.casekey.v1:{case}:{section}"


def wrap_aad(case_id: uuid.UUID, section: str) -> bytes:
    return WRAP_AAD.format(case=case_id, section=section).encode("ascii")


def as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def is_shredded(*, case_id: uuid.UUID, section: str) -> bool:
    return CaseKey.objects.filter(
        case_id=case_id, section=section, shredded_at__isnull=False
    ).exists()


def shredded_sections(*, case_id: uuid.UUID) -> set[str]:
    """The sections of the case whose keys were destroyed. One query."""
    return set(
        CaseKey.objects.filter(case_id=case_id, shredded_at__isnull=False).values_list(
            "section", flat=True
        )
    )


def shredded_times(*, case_id: uuid.UUID) -> dict[str, datetime]:
    """When each erased section of the case was shredded. One query."""
    rows = CaseKey.objects.filter(case_id=case_id, shredded_at__isnull=False).values_list(
        "section", "shredded_at"
    )
    return {section: when for section, when in rows if when is not None}


def wrapped_key_of(*, case: str, section: str) -> Subquery:
    """An expression for a caller's own query: the wrapped data key of the row's case (the
    field named ``case``) and section (the field named ``section``), NULL once shredded. For
    readers of thousands of rows (the reminder scan), which then hand the keys to
    ``adopt_keys`` instead of a second query. Wrapped keys are no secret without the KEK."""
    return Subquery(
        CaseKey.objects.filter(
            case_id=OuterRef(case), section=OuterRef(section), shredded_at__isnull=True
        ).values("wrapped_key")[:1]
    )
