"""Concurrent writers keep one valid chain (PostgreSQL: the advisory lock serialises appends)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from django.db import connection, transaction

from audit.models import AuditEvent
from audit.services import record
from audit.verification import verify_chain
from tests.conftest import require_service

pytestmark = pytest.mark.django_db(transaction=True)


def _run_writers(count: int, work) -> None:
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait()
            work(index)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    if errors:
        raise errors[0]


def test_eight_threads_appending_500_events_each_leave_one_chain_without_gaps():
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")
    actors = [uuid.uuid4() for _ in range(8)]

    def work(index: int) -> None:
        for number in range(500):
            record("case.section.viewed", actor=actors[index], section="notes", count=number)

    _run_writers(8, work)

    result = verify_chain()
    assert result.ok, result.failure()
    assert result.count == 4000
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 4001))
    per_actor = Counter(AuditEvent.objects.values_list("actor_id", flat=True))
    assert per_actor == dict.fromkeys(actors, 500)


def test_writers_inside_transactions_that_sometimes_roll_back_leave_no_gaps():
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")

    class Undo(Exception):
        pass

    def work(index: int) -> None:
        for number in range(60):
            try:
                with transaction.atomic():
                    record("member.role_changed", actor=None, count=number)
                    record("case.updated", actor=None, count=number)
                    if number % 3 == 0:
                        raise Undo
            except Undo:
                pass

    _run_writers(4, work)

    result = verify_chain()
    assert result.ok, result.failure()
    # 4 writers x 40 committed transactions x 2 events; the 20 rolled back left nothing.
    assert result.count == 320
    assert AuditEvent.objects.filter(data__count=0).count() == 0
    # The two events of one transaction always sit next to each other in the chain.
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["member.role_changed", "case.updated"] * 160
