"""Migrations 0007-0009 seal the days of the deadlines already there (issue 14, item 3): each
in the section of the date it derives from, the month kept in clear, nothing of the day left in
clear; a day whose section was erased keeps only its month. Reversing puts the days back."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from casework import services as casework_services
from casework.sections import Section
from deadlines import services
from deadlines.models import Deadline, Notification
from tests.casework.test_marker import raw_database_dump
from tests.deadlines.conftest import due_of

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("deadlines", "0007_sealed_due_date_fields")]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_existing_days_are_sealed_where_they_come_from_and_leave_nothing_in_clear(
    open_case, caseworker_getlost, kind
):
    with time_machine.travel("2026-11-20 09:00:00+00:00", tick=False):
        case = open_case(by=caseworker_getlost)
        erased = open_case(by=caseworker_getlost)
        # A deadline sealed already: reversing puts its day back in clear, and it is sealed
        # again.
        stay = services.deadline_create(
            case=case, by=caseworker_getlost, kind=kind, due_date=date(2027, 1, 15)
        )
    stay_day = date(2027, 1, 15)
    casework_services.case_shred(case=erased, by=None, sections=[Section.LEGAL])

    executor = migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        assert old.get_model("deadlines", "Deadline").objects.get(pk=stay.pk).due_date == stay_day
        rows = seed_old_rows(old, case, erased, caseworker_getlost)
    finally:
        migrate(latest())

    after = {pk: Deadline.objects.get(pk=pk) for pk in rows.values()}
    assert {pk: (d.due_section, d.due_month, due_of(d)) for pk, d in after.items()} == {
        rows["by_hand"]: ("notes", date(2026, 12, 1), date(2026, 12, 17)),
        rows["appointment"]: ("location", date(2026, 12, 1), date(2026, 12, 28)),
        # The legal section was erased: the day went with it, the month stays.
        rows["threshold"]: ("legal", date(2026, 10, 1), None),
    }
    assert due_of(Deadline.objects.get(pk=stay.pk)) == stay_day
    assert Notification.objects.get().created_at == datetime(2026, 12, 1, tzinfo=UTC)
    dump = raw_database_dump()
    for day in ("2026-12-17", "2026-12-28", "2026-10-04", "2027-01-15"):
        assert day.encode() not in dump, day


def seed_old_rows(old, case, erased, user) -> dict[str, object]:
    """Deadlines with their days in clear, as 0006 had them, and a reminder of one."""
    kind = old.get_model("deadlines", "DeadlineKind")
    deadline = old.get_model("deadlines", "Deadline")

    def add(on, code, day, source, source_key=""):
        found, _ = kind.objects.get_or_create(code=code, defaults={"name": code})
        return deadline.objects.create(
            case_id=on.pk, kind=found, due_date=day, source=source, source_key=source_key
        ).pk

    rows = {
        "by_hand": add(case, "consulate_appointment", date(2026, 12, 17), "manual"),
        "appointment": add(
            case, "consulate_appointment", date(2026, 12, 28), "visa", "7:consulate_appointment"
        ),
        "threshold": add(erased, "art337_threshold", date(2026, 10, 4), "art337", "3:0"),
    }
    old.get_model("deadlines", "Notification").objects.create(
        user_id=user.pk,
        kind="deadline",
        case_id=case.pk,
        deadline_id=rows["appointment"],
        offset=0,
        urgent=True,
        created_at=datetime(2026, 12, 28, 9, tzinfo=UTC),
    )
    return rows
