"""The dashboard's triage: a few tasks of each kind and their counts, whatever the caseload;
information dates are never tasks; dates carry their year when it is not this one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.envelope import key_scope
from deadlines import triage
from deadlines.dates import seal_due
from deadlines.models import CheckInSchedule, Deadline, DeadlineKind
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

NOW = "2026-03-10 09:00:00+00:00"
TODAY = date(2026, 3, 10)


def _plant(cases, kind, days: list[int], *, information: bool = False) -> None:
    """Deadlines due ``days`` from today, spread over ``cases`` (sealed as the services do)."""
    rows = []
    with key_scope():
        for index, offset in enumerate(days):
            deadline = Deadline(case=cases[index % len(cases)], kind=kind, information=information)
            seal_due(deadline, due=TODAY + timedelta(days=offset), section="notes")
            rows.append(deadline)
    Deadline.objects.bulk_create(rows)


def _mix(count: int) -> list[int]:
    """Days from today: long overdue, overdue this month, this week, later; ``count`` of them."""
    pattern = [-400, -40, -3, 0, 2, 6, 12, 45, 90, -100]
    return [pattern[i % len(pattern)] for i in range(count)]


@pytest.fixture
def caseload(open_case, caseworker_getlost):
    return [open_case(by=caseworker_getlost, pseudonym=f"P{i}") for i in range(4)]


@pytest.fixture
def consulate(db):
    return DeadlineKind.objects.get(code="consulate_appointment")


@time_machine.travel(NOW, tick=False)
def test_it_shows_the_first_few_tasks_and_counts_them_all(caseload, caseworker_getlost, consulate):
    _plant(caseload, consulate, _mix(200))
    tasks = triage.due_tasks(user=caseworker_getlost)
    # Per 10 planted: 4 overdue (-400, -40, -3, -100), 3 this week (0, 2, 6).
    assert tasks.overdue_count == 80
    assert tasks.this_week_count == 60
    assert len(tasks.overdue) == triage.TOP
    assert len(tasks.this_week) == triage.TOP
    assert all(d.due < TODAY for d in tasks.overdue)
    assert all(TODAY <= d.due <= TODAY + timedelta(days=6) for d in tasks.this_week)
    assert tasks.this_week[0].due == TODAY


@time_machine.travel(NOW, tick=False)
def test_information_dates_are_not_tasks(caseload, caseworker_getlost):
    threshold = DeadlineKind.objects.get(code="art337_threshold")
    _plant(caseload, threshold, [-120, -2, 0, 3], information=True)
    tasks = triage.due_tasks(user=caseworker_getlost)
    assert (tasks.overdue_count, tasks.this_week_count) == (0, 0)
    assert tasks.overdue == tasks.this_week == []


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_costs_the_same_with_10_or_200_deadlines(
    client, caseload, caseworker_getlost, consulate
):
    sign_in(client, caseworker_getlost)
    _plant(caseload, consulate, _mix(10))
    client.get("/")  # warm the per-process caches (content types, translations)
    with CaptureQueriesContext(connection) as few:
        small = client.get("/").content.decode()
    _plant(caseload, consulate, _mix(190))
    with CaptureQueriesContext(connection) as many:
        large = client.get("/").content.decode()
    assert len(many) == len(few)
    assert "4 overdue" in small and "80 overdue" in large
    # Rows link to "#deadlines": all 7 tasks of the small load, the first 5 + 5 of the large.
    assert small.count('#deadlines">') == 7
    assert large.count('#deadlines">') == 2 * triage.TOP


@time_machine.travel(NOW, tick=False)
def test_a_date_of_another_year_carries_its_year(client, caseload, caseworker_getlost, consulate):
    _plant(caseload, consulate, [-400, 2])
    sign_in(client, caseworker_getlost)
    body = client.get("/").content.decode()
    assert "3 Feb 2025" in body  # 400 days before 10 Mar 2026
    assert "12 Mar" in body and "12 Mar 2026" not in body


@time_machine.travel(NOW, tick=False)
def test_missed_checkins_are_listed_longest_missed_first(caseload, caseworker_getlost):
    from django.utils import timezone

    now = timezone.now()
    CheckInSchedule.objects.create(
        case=caseload[0], interval_hours=48, last_check_in_at=now - timedelta(hours=50)
    )
    CheckInSchedule.objects.create(
        case=caseload[1], interval_hours=24, last_check_in_at=now - timedelta(hours=100)
    )
    CheckInSchedule.objects.create(
        case=caseload[2], interval_hours=48, last_check_in_at=now - timedelta(hours=10)
    )
    CheckInSchedule.objects.create(
        case=caseload[3], interval_hours=1, last_check_in_at=now - timedelta(hours=9), active=False
    )
    missed = triage.missed_checkins(user=caseworker_getlost)
    assert missed.count == 2
    assert [c.pk for c in missed.cases] == [caseload[1].pk, caseload[0].pk]
