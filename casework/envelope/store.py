"""The stored data keys as rows: the associated data that binds a wrapped key to its case and
section, and which sections were shredded. No key is unwrapped here, and nothing here asks who
is reading (casework.selectors builds on this module; casework.envelope.keys builds on both)."""

from __future__ import annotations

import uuid
from typing import Any

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
