"""Answers about one user and one case kept for the rest of a read-only request.

A case page asks "is this user an assigned caseworker here?", "does the user hold location
and route?" and "is there a live break-glass?" from several places (the page's panels, the key
scope's grant check, the access box). Inside ``request_memo(...)`` each question costs one
query per request; the user's roles come from the memberships the middleware already loaded,
so the request checks membership once.

Only for requests that change nothing (GET and HEAD): a write must decide on the state it
locked, so services never run inside a memo (casework.web opens it for safe methods only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")


class _Memo:
    __slots__ = ("answers", "roles", "user_id")

    def __init__(self, user_id: Any, roles: dict[Any, str] | None) -> None:
        self.user_id = user_id
        self.roles = roles  # organisation id -> role, in active organisations
        self.answers: dict[tuple[str, Any], Any] = {}


_memo: ContextVar[_Memo | None] = ContextVar("casework_access_memo", default=None)


@contextmanager
def request_memo(*, user: Any, memberships: Iterable[Any] | None = None) -> Iterator[None]:
    """Keeps access answers about ``user`` until the block ends. ``memberships``: the user's
    memberships in active organisations, already loaded (accounts' middleware), or None."""
    roles = None
    if memberships is not None:
        roles = {membership.organisation_id: membership.role for membership in memberships}
    token = _memo.set(_Memo(getattr(user, "pk", None), roles))
    try:
        yield
    finally:
        _memo.reset(token)


def _current(user: Any) -> _Memo | None:
    memo = _memo.get()
    if memo is None or memo.user_id is None or memo.user_id != getattr(user, "pk", None):
        return None
    return memo


def remembered(question: str, *, user: Any, case_id: Any, ask: Callable[[], T]) -> T:
    """``ask()``, or its earlier answer for the same user and case in this memo."""
    memo = _current(user)
    if memo is None:
        return ask()
    key = (question, case_id)
    if key not in memo.answers:
        memo.answers[key] = ask()
    return memo.answers[key]


def for_request(question: str, *, case_id: Any, ask: Callable[[], T]) -> T:
    """``ask()``, kept for the rest of the memo whoever asks: for rows of a case that two
    boxes of one page both show (they do not depend on the user)."""
    memo = _memo.get()
    if memo is None:
        return ask()
    key = (f"rows:{question}", case_id)
    if key not in memo.answers:
        memo.answers[key] = ask()
    return memo.answers[key]


def known_role(*, user: Any, organisation_id: Any) -> tuple[bool, str | None]:
    """(True, the role or None) when the memo holds the user's memberships, else (False,
    None): the caller asks the database."""
    memo = _current(user)
    if memo is None or memo.roles is None:
        return False, None
    return True, memo.roles.get(organisation_id)


def prime(question: str, *, user: Any, case_id: Any, answer: Any) -> None:
    """Stores what a query that was made anyway already answered (a column of the case's own
    row, a batch of cases), so ``remembered(question, ...)`` asks nothing. No memo: no-op."""
    memo = _current(user)
    if memo is not None:
        memo.answers[question, case_id] = answer


def prime_rows(question: str, *, case_id: Any, rows: Any) -> None:
    """Stores the rows ``for_request(question, ...)`` would read (typically none, when the
    case's row said there are none). No memo: no-op."""
    memo = _memo.get()
    if memo is not None:
        memo.answers[f"rows:{question}", case_id] = rows


def knows_roles(user: Any) -> bool:
    """Whether the memo holds the user's memberships (known_role answers without a query)."""
    memo = _current(user)
    return memo is not None and memo.roles is not None
