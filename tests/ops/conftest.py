"""Operations fixtures. Case fixtures come from tests/casework/conftest.py:
case_getlost       a Get Lost case opened by (so assigned to) caseworker_getlost
"""

from __future__ import annotations

from tests.casework.conftest import (  # noqa: F401 - fixtures shared with the case files
    _media_root,
    case_getlost,
    open_case,
    reference_data,
)
