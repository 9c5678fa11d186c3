"""How record() reaches PostgreSQL: a read event outside a transaction commits on its own and
waits for the disk outside the chain's lock; the events of a deferred() block go in one round
trip, in order; a failed append leaves nothing behind and the connection usable."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection, transaction
from django.db.utils import DataError
from django.test.utils import CaptureQueriesContext

from audit import context
from audit.appending import FLUSH_SQL
from audit.models import AuditEvent
from audit.services import deferred, record
from audit.verification import verify_chain
from tests.conftest import require_service

pytestmark = pytest.mark.django_db(transaction=True)


def _postgresql() -> None:
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


def test_a_read_event_outside_a_transaction_commits_then_waits_for_the_disk():
    _postgresql()
    actor = uuid.uuid4()

    with CaptureQueriesContext(connection) as queries:
        event = record("case.viewed", actor=actor, sections=["notes"])

    assert len(queries) == 1
    sql = " ".join(queries[0]["sql"].split())
    # The append's own transaction skips the wait for the disk; the flush after its COMMIT
    # (a synchronous commit of its own) waits for it, outside the chain's lock.
    assert sql.startswith("BEGIN; SET LOCAL synchronous_commit TO off; SELECT")
    assert sql.index("COMMIT;") < sql.index(FLUSH_SQL)
    assert sql.endswith(FLUSH_SQL)
    # SET LOCAL ended with the append's transaction: nothing else commits asynchronously.
    assert _setting("synchronous_commit") == "on"
    assert not connection.in_atomic_block
    stored = AuditEvent.objects.get(seq=event.seq)
    assert (stored.actor_id, stored.hash) == (actor, event.hash)


def test_inside_a_transaction_the_append_joins_it_and_commits_with_it():
    _postgresql()

    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            record("case.updated", actor=None, count=1)
        sql = queries[0]["sql"]
        assert "BEGIN" not in sql
        assert "synchronous_commit" not in sql
        assert FLUSH_SQL not in sql

    assert AuditEvent.objects.filter(action="case.updated").count() == 1


def test_a_failed_append_outside_a_transaction_writes_nothing_and_leaves_the_connection_usable():
    _postgresql()
    record("auth.logout", actor=None)
    token = context.request_id.set("x" * 40)  # longer than the column: the INSERT fails
    try:
        with pytest.raises(DataError):
            record("auth.logout", actor=None)
    finally:
        context.request_id.reset(token)

    assert AuditEvent.objects.count() == 1
    after = record("auth.logout", actor=None)
    assert after.seq == 2
    assert _setting("synchronous_commit") == "on"
    assert verify_chain().ok


def test_the_events_of_a_deferred_block_go_in_one_round_trip_in_order():
    _postgresql()
    record("auth.logout", actor=None)

    with transaction.atomic(), deferred():
        for number in range(5):
            record("case.updated", actor=None, count=number)
        # Nothing is appended before the block ends.
        assert AuditEvent.objects.count() == 1

    events = list(AuditEvent.objects.order_by("seq").values_list("seq", "data"))
    assert events == [(1, {})] + [(2 + number, {"count": number}) for number in range(5)]
    assert verify_chain().count == 6


def test_a_deferred_block_appends_with_one_statement_round_trip():
    _postgresql()

    with CaptureQueriesContext(connection) as queries, transaction.atomic(), deferred():
        record("case.updated", actor=None, count=1)
        record("case.updated", actor=None, count=2)
        record("case.updated", actor=None, count=3)

    appends = [q["sql"] for q in queries if "audit_event_append(" in q["sql"]]
    assert len(appends) == 1
    assert appends[0].count("audit_event_append(") == 3
    assert verify_chain().count == 3
