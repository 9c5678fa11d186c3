"""Unwrapped data keys: created per section with a case, held in memory for one request or
task (``key_scope``), handed out only after the scope's user was checked for the section, and
destroyed for good by shredding."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.utils import timezone

import vault
from casework import selectors  # a module, not names: selectors builds on the envelope's index
from casework.envelope.errors import (
    KeyRefused,
    SealedDataUnreadable,
    SectionShredded,
    security_event,
)
from casework.envelope.store import as_uuid, wrap_aad
from casework.models import Case, CaseKey
from casework.sections import SECTIONS
from vault.locks import hold_sealing_lock


class _Scope:
    """One request's or task's unwrapped data keys, by (case id as an integer, section).

    ``keys`` holds every key unwrapped in the scope; ``ready`` the ones the scope's user was
    checked for (all of them when the scope has no user). Only ``ready`` is handed out without
    a further check. ``allowed`` holds, per case, the sections the user's grants opened when
    first checked (all sections are checked at once: the grant queries do not depend on the
    section)."""

    __slots__ = ("allowed", "keys", "ready", "user")

    def __init__(self, user: Any) -> None:
        self.user = user
        self.keys: dict[tuple[int, str], vault.DataKey] = {}
        self.ready: dict[tuple[int, str], vault.DataKey] = {}
        self.allowed: dict[int, set[str]] = {}

    def clear(self) -> None:
        self.keys.clear()
        self.ready.clear()
        self.allowed.clear()


scope_var: ContextVar[_Scope | None] = ContextVar("casework_key_scope", default=None)


@contextmanager
def key_scope(*, user: Any = None) -> Iterator[None]:
    """Keeps unwrapped data keys in memory until the block ends (one request or task), then
    drops them. Nested scopes share the outermost one. With ``user``, every key handed out is
    checked against that user's grants (KeyRefused otherwise)."""
    if scope_var.get() is not None:
        yield
        return
    scope = _Scope(user)
    token = scope_var.set(scope)
    try:
        yield
    finally:
        scope.clear()
        scope_var.reset(token)


def _granted(scope: _Scope, case_id: uuid.UUID, case: Case | None = None) -> set[str]:
    """The sections the scope's user may open on the case, asked once per case in the scope
    (up to five queries; ``case``, the row already read, saves one) and kept. Nothing is
    logged: callers decide what a refusal means."""
    allowed = scope.allowed.get(case_id.int)
    if allowed is None:
        found = case
        if found is None or found.pk != case_id:
            only = ("id", "organisation_id", "verified_by_id")
            found = Case.objects.filter(pk=case_id).only(*only).first()
        refusals = (
            selectors.section_refusals(user=scope.user, case=found, sections=SECTIONS)
            if found is not None
            else {}
        )
        allowed = scope.allowed[case_id.int] = {s for s, r in refusals.items() if r is None}
    return allowed


def _check_grant(scope: _Scope | None, case_id: uuid.UUID, section: str) -> None:
    """Raises KeyRefused unless the scope's user may open the section (no user: trusted).
    The first check of a case in the scope asks for every section at once (up to five
    queries); a section refused then is asked again, in case a grant came since."""
    if scope is None or scope.user is None:
        return
    allowed = scope.allowed.get(case_id.int)
    if allowed is not None and section in allowed:
        return
    case = Case.objects.filter(pk=case_id).only("id", "organisation_id", "verified_by_id").first()
    if case is not None:
        refusals = selectors.section_refusals(user=scope.user, case=case, sections=SECTIONS)
        allowed = scope.allowed[case_id.int] = {s for s, r in refusals.items() if r is None}
    if case is None or allowed is None or section not in allowed:
        security_event("key_refused", case=case_id, section=section)
        raise KeyRefused(section)


def create_case_keys(*, case_id: uuid.UUID) -> None:
    """Generates and stores (wrapped) one data key per section. Call inside the transaction
    that creates the case. One INSERT."""
    case_id = as_uuid(case_id)
    scope = scope_var.get()
    rows = []
    hold_sealing_lock()
    for section in SECTIONS:
        key = vault.new_data_key()
        wrapped = vault.seal(key, aad=wrap_aad(case_id, section))
        kek_id = vault.key_id_of(wrapped)
        rows.append(CaseKey(case_id=case_id, section=section, wrapped_key=wrapped, kek_id=kek_id))
        if scope is not None:
            # The creator seals the first content before being assigned, in this scope.
            scope.keys[case_id.int, section] = scope.ready[case_id.int, section] = vault.DataKey(
                key
            )
    CaseKey.objects.bulk_create(rows)


def data_key(case_id: uuid.UUID, section: str) -> vault.DataKey:
    """The section's unwrapped data key: from the scope's memory, else one query and one
    AES-GCM opening. Raises KeyRefused, SectionShredded or SealedDataUnreadable."""
    case_id = as_uuid(case_id)
    scope = scope_var.get()
    key = scope.ready.get((case_id.int, section)) if scope is not None else None
    return key if key is not None else load_key(scope, case_id, section)


def load_key(scope: _Scope | None, case_id: uuid.UUID, section: str) -> vault.DataKey:
    """Checks the grant, then takes the key the scope holds or unwraps it (one query)."""
    _check_grant(scope, case_id, section)
    pair = (case_id.int, section)
    key = scope.keys.get(pair) if scope is not None else None
    if key is None:
        key = _unwrap(case_id, section)
    if scope is not None:
        scope.keys[pair] = scope.ready[pair] = key
    return key


def key_for_writing(case_id: uuid.UUID, section: str) -> vault.DataKey:
    """The section's key for sealing a value its writer already knows (an org admin's reason
    for assigning a colleague) without the writer's grant to read the section: not checked
    against the scope's user, and not kept in the scope, so nothing of the section opens for
    them. Only services call this, for such write-only fields. One query."""
    return _unwrap(as_uuid(case_id), section)


def _unwrap(case_id: uuid.UUID, section: str) -> vault.DataKey:
    row = (
        CaseKey.objects.filter(case_id=case_id, section=section)
        .values_list("wrapped_key", "shredded_at")
        .first()
    )
    if row is None:
        security_event("missing_key", case=case_id, section=section)
        raise SealedDataUnreadable
    wrapped, shredded_at = row
    if shredded_at is not None:
        raise SectionShredded(section)
    try:
        return vault.DataKey(vault.open(bytes(wrapped), aad=wrap_aad(case_id, section)))
    except (vault.DecryptionError, ValueError):
        security_event("key_unwrap_failed", case=case_id, section=section)
        raise SealedDataUnreadable from None


def _open_for_scope(scope: _Scope, case_id: uuid.UUID, section: str) -> bool:
    """Whether a key of the pair may go into the scope: not there yet, and (a scope with a
    user) the user's grants open the section."""
    if (case_id.int, section) in scope.ready:
        return False
    return scope.user is None or section in _granted(scope, case_id)


def adopt_keys(rows: Iterable[tuple[Any, str, Any]]) -> None:
    """Unwraps into the current key scope the wrapped data keys that a caller read along with
    its own rows (``wrapped_key_of``): (case id, section, wrapped key or None). The associated
    data binds each wrapped key to its case and section, so a key of any other pair fails to
    unwrap; a failure, a shredded section (None) or a pair the scope's user may not open is
    left out, and opening its fields then raises (and logs) as it would have. One AES-GCM
    opening per pair. Needs a scope."""
    scope = scope_var.get()
    if scope is None:
        raise RuntimeError("adopt_keys keeps keys in a key scope: open one first")
    # Rows of one case and section come in many times (one per row the caller read).
    distinct = {(case_id, section): wrapped for case_id, section, wrapped in rows}
    for (case_id, section), wrapped in distinct.items():
        if not wrapped:
            continue
        case_id = as_uuid(case_id)
        if not _open_for_scope(scope, case_id, section):
            continue
        try:
            key = vault.DataKey(vault.open(bytes(wrapped), aad=wrap_aad(case_id, section)))
        except (vault.DecryptionError, ValueError):
            continue  # data_key unwraps it again, fails and logs the security event
        scope.keys[case_id.int, section] = scope.ready[case_id.int, section] = key


def load_case_keys(*, case: Case, sections: Iterable[str]) -> dict[str, Any]:
    """adopt_keys() of several sections of one case read by its page: one query for all of
    them instead of one per section, which also tells which sections were erased: returns
    {section: when it was shredded} of the case's erased sections. The scope's user is
    checked as for any key. Needs a scope."""
    scope = scope_var.get()
    if scope is None:
        raise RuntimeError("load_case_keys keeps keys in a key scope: open one first")
    case_id = as_uuid(case.pk)
    wanted = {
        section
        for section in sections
        if (case_id.int, section) not in scope.ready
        and (scope.user is None or section in _granted(scope, case_id, case))
    }
    rows = CaseKey.objects.filter(case_id=case_id).values_list(
        "section", "wrapped_key", "shredded_at"
    )
    shredded: dict[str, Any] = {}
    live = []
    for section, wrapped, shredded_at in rows:
        if shredded_at is not None:
            shredded[section] = shredded_at
        elif section in wanted:
            live.append((case_id, section, wrapped))
    if live:
        adopt_keys(live)
    return shredded


def load_keys(pairs: Iterable[tuple[Any, str]]) -> None:
    """adopt_keys() of many (case id, section) pairs, for readers of many cases (lists of
    deadlines): one query per section and 2,000 cases instead of one per pair, plus for a
    scope with a user the grant check of all the cases at once (one query per 2,000 cases
    the user is an assigned caseworker of). Needs a scope."""
    scope = scope_var.get()
    if scope is None:
        raise RuntimeError("load_keys keeps keys in a key scope: open one first")
    pairs = [(as_uuid(case_id), section) for case_id, section in pairs]
    if scope.user is not None:
        # Every case's grants at once (casework.selectors.sections_open_to), not one case at
        # a time: the cost stays constant in the number of cases listed.
        unknown = {case_id for case_id, _section in pairs if case_id.int not in scope.allowed}
        if unknown:
            opened = selectors.sections_open_to(user=scope.user, case_ids=sorted(unknown))
            for case_id, sections in opened.items():
                scope.allowed[as_uuid(case_id).int] = sections
    wanted: dict[str, set[uuid.UUID]] = {}
    for case_id, section in pairs:
        if _open_for_scope(scope, case_id, section):
            wanted.setdefault(section, set()).add(case_id)
    for section, case_ids in wanted.items():
        ordered = sorted(case_ids)
        for start in range(0, len(ordered), 2000):
            rows = CaseKey.objects.filter(
                case_id__in=ordered[start : start + 2000], section=section, shredded_at__isnull=True
            ).values_list("case_id", "section", "wrapped_key")
            adopt_keys(rows)


def shred_section(*, case_id: uuid.UUID, section: str) -> bool:
    """Destroys the section's data key (overwrites the wrapped key, sets shredded_at).
    Returns False if it was already shredded. Call inside the caller's transaction."""
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}")
    case_id = as_uuid(case_id)
    changed = CaseKey.objects.filter(
        case_id=case_id, section=section, shredded_at__isnull=True
    ).update(wrapped_key=b"", kek_id="", shredded_at=timezone.now())
    scope = scope_var.get()
    if scope is not None:
        scope.keys.pop((case_id.int, section), None)
        scope.ready.pop((case_id.int, section), None)
    return bool(changed)
