"""How audit.services appends to the chain on PostgreSQL (the SQL function of migration
0003), and how a reader waits until what it read of the chain is on disk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection

from audit.models import AuditEvent

# One call of the SQL function of migration 0003 per event.
_APPEND_SQL = (
    "SELECT event_id, event_seq, event_prev_hash, event_hash FROM audit_event_append("
    "%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s)"
)
# A statement that makes the server write the WAL up to here to disk and wait for it: a
# transactional logical message gives its (otherwise empty) transaction an id and a WAL
# record, so its commit is a synchronous one. Any role may call it; with wal_level below
# "logical" nothing reads the message.
FLUSH_SQL = "SELECT pg_logical_emit_message(true, 'waypoint.audit', '')"


def append_postgresql(
    pending: list[tuple[dict[str, Any], str]], *, encode: Callable[[Any], str]
) -> list[AuditEvent]:
    """One round trip (migration 0003): per event, lock, read the head, hash, insert.
    ``pending``: (fields, canonical tail) per event, as audit.services.record makes them;
    ``encode``: the canonical JSON encoder, for ``data``.

    Inside the caller's transaction the chain lock is held until that transaction ends (its
    commit included): nothing changes there.

    Outside a transaction (a page view's read event), the append is a transaction of its own
    that commits *without* waiting for the disk (``synchronous_commit`` off for it alone), so
    the chain lock is released as soon as the row is visible, and the next statement of the
    same round trip (FLUSH_SQL, a synchronous commit of its own) waits until the WAL up to
    and including the append's commit is on disk. record() returns only after that, as
    before; but the waits for the disk now happen outside the chain's lock, where PostgreSQL
    groups the concurrent ones into one flush, instead of one flush per event inside it.
    Order and completeness do not depend on it: the WAL is replayed as a prefix, so a crash
    can only lose events that nobody was told were written, and always a tail of the chain
    together with every event chained after them.
    """
    params: list[Any] = []
    for fields, tail in pending:
        params += [
            fields["at"],
            fields["actor_id"],
            fields["organisation_id"],
            fields["action"],
            fields["object_type"],
            fields["object_id"],
            fields["request_id"],
            encode(fields["data"]),
            tail,
        ]
    statements = "; ".join([_APPEND_SQL] * len(pending))
    own_transaction = not connection.in_atomic_block and connection.get_autocommit()
    if own_transaction:
        statements = (
            f"BEGIN; SET LOCAL synchronous_commit TO off; {statements}; COMMIT; {FLUSH_SQL}"
        )
    rows = []
    with connection.cursor() as cursor:
        try:
            cursor.execute(statements, params)
        except BaseException:
            if own_transaction and _in_open_transaction():
                # The failed statement left the explicit transaction open and aborted.
                cursor.execute("ROLLBACK")
            raise
        # One result per statement (psycopg): keep those of the appends, in order.
        raw = cursor.cursor
        while True:
            if raw.description is not None and len(raw.description) == 4:
                rows.append(raw.fetchone())
            if not raw.nextset():
                break
    if len(rows) != len(pending):  # pragma: no cover - a driver that hides results
        raise RuntimeError("audit append: the database returned no row for an event")
    events = []
    for (fields, _tail), (event_id, seq, prev_hash, digest) in zip(pending, rows, strict=True):
        event = AuditEvent(id=event_id, seq=seq, prev_hash=prev_hash, hash=digest, **fields)
        event._state.adding = False
        event._state.db = connection.alias
        events.append(event)
    return events


def _in_open_transaction() -> bool:
    from psycopg.pq import TransactionStatus

    raw = connection.connection
    return raw is not None and raw.info.transaction_status in (
        TransactionStatus.INTRANS,
        TransactionStatus.INERROR,
    )


def flush_to_disk() -> None:
    """Waits until everything committed so far (by any connection) is on disk. For a reader
    that passes on what it read of the chain (a signed checkpoint of the head): the head's
    appender may still be waiting for its flush. Outside a transaction only; elsewhere a
    no-op."""
    if (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and connection.get_autocommit()
    ):
        with connection.cursor() as cursor:
            cursor.execute(FLUSH_SQL)
