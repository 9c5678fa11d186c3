"""The audit table is append-only: in the database (PostgreSQL triggers) and in the ORM."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from audit.models import APPEND_ONLY, AppendOnlyError, AuditEvent
from audit.services import record
from tests.audit.db import ROW_TRIGGER, TABLE, TRUNCATE_TRIGGER
from tests.conftest import require_service

pytestmark = pytest.mark.django_db


def _require_postgresql() -> None:
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL")


def _raw(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.mark.parametrize(
    ("statement", "operation"),
    [
        (f"UPDATE {TABLE} SET action = 'auth.login.succeeded' WHERE seq = 1", "UPDATE"),  # noqa: S608
        (f"UPDATE {TABLE} SET data = '{{}}'", "UPDATE"),  # noqa: S608
        (f"DELETE FROM {TABLE} WHERE seq = 1", "DELETE"),  # noqa: S608
        (f"DELETE FROM {TABLE}", "DELETE"),  # noqa: S608
        (f"TRUNCATE {TABLE}", "TRUNCATE"),
    ],
)
def test_the_database_refuses_to_change_or_remove_events(statement, operation):
    _require_postgresql()
    record("auth.logout", actor=None, reason="first")

    with pytest.raises(DatabaseError) as excinfo, transaction.atomic():
        _raw(statement)

    assert f"The audit log is append-only: {operation} refused" in str(excinfo.value)
    assert list(AuditEvent.objects.values_list("seq", "action", "data")) == [
        (1, "auth.logout", {"reason": "first"})
    ]


def test_both_triggers_are_installed_and_enabled():
    _require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger "
            "WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname",
            [TABLE],
        )
        triggers = cursor.fetchall()

    assert triggers == [(ROW_TRIGGER, "O"), (TRUNCATE_TRIGGER, "O")]


def test_truncating_an_empty_log_destroys_nothing_and_is_allowed():
    # What lets the test runner flush the database after transactional tests.
    _require_postgresql()

    _raw(f"TRUNCATE {TABLE}")

    assert not AuditEvent.objects.exists()


def test_the_orm_refuses_updates_and_deletes_on_every_database():
    event = record("auth.logout", actor=None)
    stored = AuditEvent.objects.get(seq=event.seq)
    attempts = [
        lambda: AuditEvent.objects.filter(seq=event.seq).update(action="auth.login.failed"),
        lambda: AuditEvent.objects.all().delete(),
        lambda: stored.delete(),
        lambda: stored.save(),
        lambda: AuditEvent.objects.bulk_update([stored], ["action"]),
        lambda: AuditEvent.objects.update_or_create(seq=event.seq, defaults={"action": "x.y"}),
    ]
    for attempt in attempts:
        with pytest.raises(AppendOnlyError) as excinfo:
            attempt()
        assert str(excinfo.value) == APPEND_ONLY

    assert AuditEvent.objects.get(seq=event.seq).hash == event.hash
