"""The database lock that makes retiring a key-encryption key (KEK) safe against writers.

Code that seals under the KEK and stores the result (wrapped data keys, authenticator seeds)
holds the shared lock until its transaction ends; retiring takes the exclusive one, then
counts what is still under the KEK and rewrites the keyring file before it lets go. So a row
sealed under the KEK by a writer that started before the retirement is committed, and
counted, before the count; a writer that starts after it reads the keyring afresh (see
vault.keyring.RELOAD_SECONDS) and seals under another KEK. PostgreSQL only (elsewhere, one
process: nothing to wait for)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

KEK_LOCK = 0x5750_4B4B  # "WPKK"
EPOCH_LOCK = 0x5750_4B45  # "WPKE": one key epoch step at a time, whatever the workers


def _take(function: str) -> None:
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [KEK_LOCK])  # noqa: S608 - a fixed name


def hold_sealing_lock() -> None:
    """Shared: call before sealing under the KEK in the transaction that stores it."""
    _take("pg_advisory_xact_lock_shared")


def hold_retire_lock() -> None:
    """Exclusive: waits for every transaction that sealed under a KEK to end."""
    _take("pg_advisory_xact_lock")


@contextmanager
def only_one(name: int = EPOCH_LOCK) -> Iterator[bool]:
    """Whether this process holds the session lock ``name`` for the block (False: another
    one does, skip the work). Spans several transactions. PostgreSQL only (elsewhere: True)."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [name])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [name])
