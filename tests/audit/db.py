"""Test helpers that go around the audit log's append-only guards (never used by the app).

On PostgreSQL the triggers from audit migration 0002 refuse UPDATE, DELETE and TRUNCATE; a
test that plays the insider who tampers with the table switches them off for one statement,
as an attacker with the table owner's rights could.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

TABLE = "audit_auditevent"
ROW_TRIGGER = "audit_event_append_only"
TRUNCATE_TRIGGER = "audit_event_no_truncate"


@contextmanager
def append_only_disabled() -> Iterator[None]:
    """Switches the row trigger off inside the current transaction (a no-op off PostgreSQL).

    ALTER TABLE is transactional on PostgreSQL: if the test's transaction rolls back, so
    does the switch."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {ROW_TRIGGER}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {ROW_TRIGGER}")


def tamper(sql: str, params: Sequence[Any] | None = None) -> int:
    """Runs one raw statement on the audit table with the trigger off; returns the row count."""
    with transaction.atomic(), append_only_disabled(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def empty_audit_log() -> None:
    """Deletes every event (trigger off, in one transaction), so that Django's flush after a
    transactional test may TRUNCATE the now empty table."""
    if connection.vendor != "postgresql":
        return
    tamper(f"DELETE FROM {TABLE}")  # noqa: S608 - a constant table name
