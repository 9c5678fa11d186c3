"""A watch on the lock order of every write (audit.services, "Lock order"): within one
transaction nothing may take a row lock after the audit chain's lock.

record() appends through ``audit_event_append`` on PostgreSQL, which takes the chain's
advisory lock and holds it until the transaction ends. A write or a locking read after that
can wait for a row that another transaction holds while it waits for the chain: a deadlock.
The watch sees the SQL a test's services send and lists every statement that would lock a
row after the chain was locked in the same transaction.
"""

from __future__ import annotations

import re

from django.db import connection

APPEND = "audit_event_append("
LOCKING = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE)\b|\bFOR\s+(UPDATE|NO\s+KEY\s+UPDATE|SHARE|KEY\s+SHARE)\b",
    re.IGNORECASE,
)
AUDIT_TABLE = '"audit_auditevent"'


class LockOrderWatch:
    """An execute wrapper for a test that runs inside one outer atomic block (pytest-django's
    non-transactional tests): each service's transaction is then a savepoint at depth
    ``base``, told apart by its savepoint id."""

    def __init__(self, base: int) -> None:
        self.base = base
        self.transaction: str | None = None
        self.chain_locked = False
        self.violations: list[str] = []

    def _current(self) -> str | None:
        ids = connection.savepoint_ids
        return ids[self.base - 1] if len(ids) >= self.base and self.base > 0 else None

    def __call__(self, execute, sql, params, many, context):
        current = self._current()
        if current != self.transaction:
            self.transaction, self.chain_locked = current, False
        if (
            self.chain_locked
            and current is not None
            and LOCKING.search(sql)
            and AUDIT_TABLE not in sql
        ):
            self.violations.append(" ".join(sql.split())[:240])
        result = execute(sql, params, many, context)
        if current is not None and APPEND in sql:
            self.chain_locked = True
        return result
