"""The completion month of a deadline (for "deadlines met vs missed" in stats): set when it is
marked done, month only, and cleared when the deadline is reopened."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from casework import services as casework_services
from casework.models import Article
from deadlines import services
from deadlines.models import Deadline, DeadlineSource, DeadlineStatus
from tests.deadlines.conftest import due_of

pytestmark = pytest.mark.django_db


def _due_end_of_march(case, by, kind):
    with time_machine.travel("2026-03-10 09:00:00+00:00", tick=False):
        return services.deadline_create(case=case, by=by, kind=kind, due_date=date(2026, 3, 31))


@pytest.mark.parametrize(
    ("moment", "month"),
    [
        ("2026-03-01 00:00:00+00:00", date(2026, 3, 1)),
        ("2026-03-31 23:59:59+00:00", date(2026, 3, 1)),
        ("2026-04-01 00:00:00+00:00", date(2026, 4, 1)),
    ],
)
def test_marking_done_records_only_the_first_of_the_current_month(
    case_getlost, caseworker_getlost, kind, moment, month
):
    deadline = _due_end_of_march(case_getlost, caseworker_getlost, kind)
    with time_machine.travel(moment, tick=False):
        services.deadline_set_status(deadline=deadline, by=caseworker_getlost, status="done")
    assert deadline.completed_month == month
    deadline.refresh_from_db()
    assert (deadline.status, deadline.completed_month) == (DeadlineStatus.DONE, month)


def test_a_cancelled_deadline_has_no_completion_month(case_getlost, caseworker_getlost, kind):
    deadline = _due_end_of_march(case_getlost, caseworker_getlost, kind)
    services.deadline_set_status(deadline=deadline, by=caseworker_getlost, status="cancelled")
    deadline.refresh_from_db()
    assert (deadline.status, deadline.completed_month) == (DeadlineStatus.CANCELLED, None)


@time_machine.travel("2026-03-10 09:00:00+00:00", tick=False)
def test_reopening_a_done_deadline_when_its_date_moves_clears_the_completion_month(
    case_getlost, caseworker_getlost
):
    values = {
        "article": Article.A337_5,
        "during_mobilisation": True,
        "procedural_stage": "none",
        "wanted_level": "none",
        "exit_ban": False,
        "passport_confiscated": False,
        "details": "",
    }
    exposure = casework_services.exposure_add(
        case=case_getlost, by=caseworker_getlost, absence_start=date(2026, 3, 1), **values
    )
    first = min(Deadline.objects.filter(source=DeadlineSource.ART_337), key=due_of)
    services.deadline_set_status(deadline=first, by=caseworker_getlost, status="done")
    first.refresh_from_db()
    assert first.completed_month == date(2026, 3, 1)
    casework_services.exposure_update(
        exposure=exposure, by=caseworker_getlost, absence_start=date(2026, 3, 2), **values
    )
    first.refresh_from_db()
    assert (first.status, first.completed_month) == (DeadlineStatus.OPEN, None)
