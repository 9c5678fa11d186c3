"""Deadline fixtures. Case fixtures come from tests/casework/conftest.py:
case_getlost       a Get Lost case opened by (so assigned to) caseworker_getlost
colleague_getlost  a Get Lost caseworker not assigned to it
"""

from __future__ import annotations

from datetime import date

import pytest

from casework.envelope import key_scope
from deadlines.dates import open_due
from deadlines.models import DeadlineKind
from tests.casework.conftest import (  # noqa: F401 - fixtures shared with the case files
    MARKER,
    _media_root,
    case_getlost,
    colleague_getlost,
    open_case,
    reference_data,
)


@pytest.fixture
def kind(db):
    """The consulate appointment kind as the data migration seeds it (14, 7, 3, 1, 0)."""
    found, _ = DeadlineKind.objects.get_or_create(
        code="consulate_appointment",
        defaults={"name": "Consulate appointment", "reminder_offsets": [14, 7, 3, 1, 0]},
    )
    return found


def due_of(deadline) -> date | None:
    """The deadline's sealed day, opened in a key scope without a user (as the scan opens it)."""
    with key_scope():
        return open_due(deadline)
