"""The one way to write the audit log: ``record(action, *, actor, obj=None, org=None, **data)``.

The chain: event n stores ``prev_hash`` (the hash of event n-1, or GENESIS for the first) and
``hash = SHA-256(prev_hash + "\\n" + canonical(event n))``, where ``canonical`` is compact,
key-sorted, ASCII JSON of ``[seq, at (UTC, microseconds), actor_id, organisation_id, action,
object_type, object_id, request_id, data]``. Anyone holding a copy of the table can recompute
it (see audit.verification); a partner holding a signed checkpoint of the head can prove that
nothing up to it was rewritten or cut off.

Lock order
----------
On PostgreSQL ``record()`` takes the chain's advisory lock, held until the transaction ends.
So every write transaction takes its locks in one order:

1. the case row first (``casework.guards.lock_case``), before any other row of the case;
2. then the rows it writes (which includes computed deadlines, notices and grant rows);
3. the audit append last: after ``record()`` nothing may write or lock a row, only further
   ``record()`` calls may follow.

An operation made of several services in one transaction (each of which records) runs them
inside ``deferred()``: their events are held and appended, in order, when the block ends.

A transaction that appended and then waited for a row could wait for another that holds the
row and waits for the chain: a deadlock, and a lost edit. tests/lockorder.py watches every
test's SQL for a lock taken after the append; tests/casework/test_concurrent_writes.py fires
mixed writers at one case.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from audit import context
from audit.appending import append_postgresql
from audit.models import AuditEvent

GENESIS = "0" * 64
# pg_advisory_xact_lock key that serialises appends to the chain ("WAYP"); the SQL function
# audit_event_append (migration 0003) takes the same lock.
CHAIN_LOCK = 0x57415950

# Keys allowed in ``data``: codes and ids only. Anything that could carry personal data
# (names, free text, e-mail addresses, IP addresses) has no key here.
DATA_KEYS = frozenset(
    {
        "factor",
        "method",
        "reason",
        "role",
        "old_role",
        "new_role",
        "target_user",
        "target_org",
        "session",
        "section",
        "sections",
        "count",
        "export_id",
        "invitation",
        "referral",
        "consent",
        "status",
        # How a reader came to a case: assignment, break_glass, referral, ...
        "access",
        # Case files: the previous status of a status change, a testimony's version number.
        "from_status",
        "version",
        "offset",
        "key_id",
        "head_seq",
        # Where a chain verification found the first broken link (a number).
        "first_bad_seq",
        # The API route a token was used on (a URL name, never the path or its parameters).
        "endpoint",
        # The other case of an intake merged into a case (an id).
        "merged_case",
    }
)
MAX_VALUE_LENGTH = 64
MAX_LIST_LENGTH = 32
# A code or an id: letters, digits and . _ : - only. No spaces (names, free text), no "@"
# (e-mail addresses); IPv4 addresses are refused separately below.
VALUE_RE = re.compile(r"[A-Za-z0-9_.:\-]*")
IPV4_RE = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
ACTION_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")

# Error texts (constants so tests can assert them; they never contain the offending value).
ERR_ACTION = "audit action must be a dotted lower-case code such as auth.login.failed"
ERR_UNKNOWN_KEYS = "audit data keys not allowed: {keys}"
ERR_TOO_LONG = "audit data {key!r} is too long for a code or id"
ERR_NOT_CODE = "audit data {key!r} must be a code or an id (letters, digits and . _ : -)"
ERR_TYPE = "audit data {key!r} must be a code, id or number"
ERR_LIST = "audit data {key!r} holds too many items"
ERR_NOT_UUID = "audit {what} must be a UUID"
ERR_OBJECT_ID = "audit object id is too long"


class AuditDataError(ValueError):
    pass


def _clean_value(key: str, value: Any, *, nested: bool = False) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bool | int) or value is None:
        return value
    if isinstance(value, str):
        if len(value) > MAX_VALUE_LENGTH:
            raise AuditDataError(ERR_TOO_LONG.format(key=key))
        if not VALUE_RE.fullmatch(value) or IPV4_RE.fullmatch(value):
            raise AuditDataError(ERR_NOT_CODE.format(key=key))
        return value
    if isinstance(value, list | tuple | set | frozenset) and not nested:
        if len(value) > MAX_LIST_LENGTH:
            raise AuditDataError(ERR_LIST.format(key=key))
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [_clean_value(key, item, nested=True) for item in items]
    # Floats are refused too: jsonb may not give back the same digits, and the hash must.
    raise AuditDataError(ERR_TYPE.format(key=key))


def clean_data(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - DATA_KEYS
    if unknown:
        raise AuditDataError(ERR_UNKNOWN_KEYS.format(keys=sorted(unknown)))
    return {key: _clean_value(key, value) for key, value in sorted(data.items())}


# One encoder for every event: same output as json.dumps with these arguments, without
# building a new encoder per call (verification hashes a million events in a row).
CANONICAL_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True, ensure_ascii=True)


def format_time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(
    *,
    seq: int,
    at: datetime,
    actor_id: str,
    organisation_id: str,
    action: str,
    object_type: str,
    object_id: str,
    request_id: str,
    data: dict[str, Any],
) -> bytes:
    return CANONICAL_ENCODER.encode(
        [
            seq,
            format_time(at),
            actor_id,
            organisation_id,
            action,
            object_type,
            object_id,
            request_id,
            data,
        ]
    ).encode("ascii")


def chain_hash(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + payload).hexdigest()


def event_hash(event: AuditEvent) -> str:
    """Recompute an event's hash from its stored fields and its stored prev_hash."""
    return chain_hash(
        event.prev_hash,
        canonical(
            seq=event.seq,
            at=event.at,
            actor_id=str(event.actor_id or ""),
            organisation_id=str(event.organisation_id or ""),
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            request_id=event.request_id,
            data=event.data,
        ),
    )


def _id_of(value: Any) -> str:
    # Model instances give their pk; an AnonymousUser has pk None and counts as no one.
    value = getattr(value, "pk", value)
    if value is None or value == "":
        return ""
    return str(value)


def _uuid_or_none(value: str, what: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise AuditDataError(ERR_NOT_UUID.format(what=what)) from None


_deferred: ContextVar[list[tuple[dict[str, Any], str]] | None] = ContextVar(
    "audit_deferred", default=None
)


@contextmanager
def deferred() -> Iterator[None]:
    """Holds the events record() is asked for inside the block and appends them, in order,
    when it ends without an error; an error drops them with the transaction. Use inside the
    transaction: ``with transaction.atomic(), deferred(): ...``. Nested blocks share the
    outermost one."""
    if _deferred.get() is not None:
        yield
        return
    pending: list[tuple[dict[str, Any], str]] = []
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    _write_many(pending)


def record(
    action: str,
    *,
    actor: Any,
    obj: Any = None,
    org: Any = None,
    **data: Any,
) -> AuditEvent:
    """Append one event to the chain.

    ``actor``: a user, a user id or None (the system, an anonymous visitor). ``obj``: the model
    instance acted on (stored as its label and primary key, never its content). ``org``
    defaults to the active organisation of the request. ``data``: allow-listed keys with
    code-like values only (see DATA_KEYS); anything else raises AuditDataError and writes
    nothing.

    Joins the caller's transaction (a rolled-back change leaves no event); called outside
    one, it commits on its own, so reads are recorded too. On PostgreSQL appends are
    serialised by a transaction-level advisory lock (CHAIN_LOCK), held until the caller's
    transaction ends: call record() last (see "Lock order" above). One round trip; outside a
    transaction the lock is not held while the disk is written (see audit.appending).
    """
    if not isinstance(action, str) or len(action) > 64 or not ACTION_RE.fullmatch(action):
        raise AuditDataError(ERR_ACTION)
    clean = clean_data(data)
    actor_id = _id_of(actor)
    organisation_id = _id_of(org) or context.organisation_id.get()
    actor_uuid = _uuid_or_none(actor_id, "actor")
    organisation_uuid = _uuid_or_none(organisation_id, "organisation")
    # Store ids in one spelling (the hash covers the text form).
    actor_id = str(actor_uuid) if actor_uuid else ""
    organisation_id = str(organisation_uuid) if organisation_uuid else ""
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = _id_of(obj)
    if len(object_id) > 64:
        raise AuditDataError(ERR_OBJECT_ID)
    request_id = context.request_id.get()
    at = timezone.now()
    fields = {
        "at": at,
        "actor_id": actor_uuid,
        "organisation_id": organisation_uuid,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "request_id": request_id,
        "data": clean,
    }
    # The canonical encoding without its leading "[<seq>,": the sequence number is only
    # known once the chain lock is held.
    tail = CANONICAL_ENCODER.encode(
        [
            format_time(at),
            actor_id,
            organisation_id,
            action,
            object_type,
            object_id,
            request_id,
            clean,
        ]
    )[1:]
    pending = _deferred.get()
    if pending is not None:
        pending.append((fields, tail))
        return AuditEvent(**fields)
    return _write(fields, tail)


def _write(fields: dict[str, Any], tail: str) -> AuditEvent:
    if connection.vendor == "postgresql":
        return append_postgresql([(fields, tail)], encode=CANONICAL_ENCODER.encode)[0]
    return _append(fields, tail)


def _write_many(pending: list[tuple[dict[str, Any], str]]) -> None:
    """The events of a deferred() block, in order: on PostgreSQL in one round trip."""
    if not pending:
        return
    if connection.vendor == "postgresql":
        append_postgresql(pending, encode=CANONICAL_ENCODER.encode)
        return
    for fields, tail in pending:
        _append(fields, tail)


def _append(fields: dict[str, Any], tail: str) -> AuditEvent:
    """Other databases (SQLite in development): the write transaction itself serialises
    appends (settings open SQLite transactions with BEGIN IMMEDIATE)."""
    with transaction.atomic():
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        payload = f"[{seq},{tail}".encode("ascii")
        return AuditEvent.objects.create(
            seq=seq, prev_hash=prev_hash, hash=chain_hash(prev_hash, payload), **fields
        )
