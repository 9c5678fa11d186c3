"""How the org admin pages learn about cases without importing casework (which sits above
accounts): casework registers its lookups here when its app is ready.

Every lookup answers for one person and checks through casework's selectors, so the audit
log shows a case's reference only to someone who may see that case. Without a registration
(casework not installed) nothing about cases is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CaseLookups:
    # The label record() stores for a case ("casework.case").
    object_type: str
    # (user, case ids) -> {case id: reference} for the cases among them the user may see.
    references: Callable[[Any, Iterable[str]], dict[str, str]]
    # (user, reference) -> the case id, when the user may see that case; else None.
    resolve: Callable[[Any, str], str | None]
    # (user, organisation) -> ids of cases referred to the organisation, when the user is
    # its admin (whose members' reads of them the admin sees); else empty.
    shared_with: Callable[[Any, Any], tuple[str, ...]]


_registered: list[CaseLookups] = []


def register(lookups: CaseLookups) -> None:
    """Called once by casework at app ready; a second call replaces the first."""
    _registered[:] = [lookups]


def case_lookups() -> CaseLookups | None:
    return _registered[0] if _registered else None
