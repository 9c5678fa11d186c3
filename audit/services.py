"""The one way to write the audit log: ``record(action, *, actor, obj=None, **data)``."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from audit import context
from audit.models import AuditEvent

GENESIS = "0" * 64
# pg_advisory_xact_lock key that serialises appends to the chain.
CHAIN_LOCK = 0x57415950  # "WAYP"

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
        "offset",
        "key_id",
        "head_seq",
    }
)
MAX_VALUE_LENGTH = 64


class AuditDataError(ValueError):
    pass


def _clean_value(key: str, value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bool | int) or value is None:
        return value
    if isinstance(value, str):
        if len(value) > MAX_VALUE_LENGTH:
            raise AuditDataError(f"audit data {key!r} is too long for a code or id")
        return value
    if isinstance(value, list | tuple):
        return [_clean_value(key, item) for item in value]
    raise AuditDataError(f"audit data {key!r} must be a code, id or number")


def _clean_data(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - DATA_KEYS
    if unknown:
        raise AuditDataError(f"audit data keys not allowed: {sorted(unknown)}")
    return {key: _clean_value(key, value) for key, value in sorted(data.items())}


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
    return json.dumps(
        [
            seq,
            at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor_id,
            organisation_id,
            action,
            object_type,
            object_id,
            request_id,
            data,
        ],
        separators=(",", ":"),
        sort_keys=True,
        ensure_ascii=True,
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
    if value is None or value == "":
        return ""
    return str(getattr(value, "pk", value))


def record(
    action: str,
    *,
    actor: Any,
    obj: Any = None,
    org: Any = None,
    **data: Any,
) -> AuditEvent:
    """Append one event to the chain.

    Joins the caller's transaction (a rolled-back change leaves no event); called outside
    one, it commits on its own, so reads are recorded too. ``org`` defaults to the active
    organisation of the request. One lock, one read and one insert.
    """
    if not action or len(action) > 64:
        raise AuditDataError("audit action must be a short code")
    clean = _clean_data(data)
    actor_id = _id_of(actor)
    organisation_id = _id_of(org) or context.organisation_id.get()
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = _id_of(obj)
    request_id = context.request_id.get()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        at = timezone.now()
        digest = chain_hash(
            prev_hash,
            canonical(
                seq=seq,
                at=at,
                actor_id=actor_id,
                organisation_id=organisation_id,
                action=action,
                object_type=object_type,
                object_id=object_id,
                request_id=request_id,
                data=clean,
            ),
        )
        return AuditEvent.objects.create(
            seq=seq,
            at=at,
            actor_id=actor_id or None,
            organisation_id=organisation_id or None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            request_id=request_id,
            data=clean,
            prev_hash=prev_hash,
            hash=digest,
        )
