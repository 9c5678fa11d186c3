"""The "deadlines met vs missed" breakdown: month-resolution classification, counted in SQL.

Deadlines are written straight into the table (with the case shells of tests/stats/conftest)
so that every status and completion month can be set exactly. "Today" is 25 November 2026
(conftest); the last published month is September 2026.
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from deadlines.models import Deadline, DeadlineKind
from stats.breakdowns import BY_CODE, deadlines_met
from stats.models import SummaryCount
from stats.services import summary_refresh
from tests.stats.test_views import DASHBOARD, parse

pytestmark = pytest.mark.django_db


def kind(code: str) -> DeadlineKind:
    found, _ = DeadlineKind.objects.get_or_create(code=code, defaults={"name": code})
    return found


def add(cases, code: str, *, due: date, status: str = "", completed: date | None = None):
    """One deadline of kind ``code`` on each of ``cases``; done if a completion month is
    given, open otherwise, unless ``status`` says otherwise."""
    status = status or ("done" if completed else "open")
    Deadline.objects.bulk_create(
        [
            Deadline(
                case=case,
                kind=kind(code),
                due_month=due.replace(day=1),
                status=status,
                completed_month=completed,
            )
            for case in cases
        ]
    )


def counts() -> dict[tuple, int]:
    """(organisation id, due month, kind key, outcome) -> count, as the aggregate yields."""
    return {(org, month, key, key2): n for org, month, key, key2, n in deadlines_met()}


@pytest.fixture
def orgs(caseworker_getlost, outsider):
    return (
        caseworker_getlost.memberships.get().organisation,
        outsider.memberships.get().organisation,
    )


@pytest.mark.parametrize(
    ("due", "completed", "outcome"),
    [
        # Done in the month of the due date, even after the day itself: met.
        (date(2026, 3, 1), date(2026, 3, 1), "met"),
        (date(2026, 3, 31), date(2026, 3, 1), "met"),
        # Done in an earlier month: met.
        (date(2026, 3, 1), date(2026, 2, 1), "met"),
        # Done in the month after, however early: missed.
        (date(2026, 3, 31), date(2026, 4, 1), "missed"),
        (date(2025, 12, 31), date(2026, 1, 1), "missed"),
    ],
)
def test_a_done_deadline_is_met_exactly_when_done_by_the_end_of_its_due_month(
    bulk_cases, orgs, due, completed, outcome
):
    getlost, _other = orgs
    add(bulk_cases(getlost, 1, opened=date(2026, 1, 1)), "appeal", due=due, completed=completed)
    assert counts() == {(getlost.pk, due.replace(day=1), "appeal", outcome): 1}


def test_an_open_deadline_is_missed_only_once_its_due_month_is_over(bulk_cases, orgs):
    getlost, _other = orgs
    add(bulk_cases(getlost, 1, opened=date(2026, 1, 1)), "appeal", due=date(2026, 10, 1))
    with time_machine.travel("2026-10-31 23:59:59+00:00", tick=False):
        assert counts() == {}  # still October: it may yet be met
    with time_machine.travel("2026-11-01 00:00:00+00:00", tick=False):
        assert counts() == {(getlost.pk, date(2026, 10, 1), "appeal", "missed"): 1}


def test_cancelled_deadlines_and_done_ones_without_a_completion_month_do_not_count(
    bulk_cases, orgs
):
    getlost, _other = orgs
    cases = bulk_cases(getlost, 3, opened=date(2026, 1, 1))
    add(cases, "appeal", due=date(2026, 3, 10), status="cancelled")
    add(cases, "appeal", due=date(2026, 3, 10), status="done")  # done before it was recorded
    add(cases[:1], "appeal", due=date(2026, 3, 10), status="done", completed=date(2026, 3, 1))
    assert counts() == {(getlost.pk, date(2026, 3, 1), "appeal", "met"): 1}


def test_the_aggregate_counts_per_organisation_kind_due_month_and_outcome_in_one_query(
    bulk_cases, orgs, django_assert_num_queries
):
    getlost, other = orgs
    a = bulk_cases(getlost, 6, opened=date(2026, 1, 1))
    b = bulk_cases(other, 4, opened=date(2026, 2, 1))
    add(a[:4], "appeal", due=date(2026, 3, 5), status="done", completed=date(2026, 3, 1))
    add(a[4:], "appeal", due=date(2026, 3, 20), status="done", completed=date(2026, 5, 1))
    add(a, "court_date", due=date(2026, 4, 2))  # open, long overdue
    add(b, "appeal", due=date(2026, 3, 31), status="done", completed=date(2026, 3, 1))
    add(b[:1], "custom", due=date(2026, 4, 9), status="done", completed=date(2026, 6, 1))
    add(b, "visa_expiry", due=date(2026, 12, 1))  # open, not due yet: no count
    with django_assert_num_queries(1):
        found = counts()
    assert found == {
        (getlost.pk, date(2026, 3, 1), "appeal", "met"): 4,
        (getlost.pk, date(2026, 3, 1), "appeal", "missed"): 2,
        (getlost.pk, date(2026, 4, 1), "court_date", "missed"): 6,
        (other.pk, date(2026, 3, 1), "appeal", "met"): 4,
        # The kind "custom" (shown as "Other") is always in the folded "other" row.
        (other.pk, date(2026, 4, 1), "other", "missed"): 1,
    }


def test_the_refresh_publishes_only_due_months_past_the_publication_delay(bulk_cases, orgs):
    getlost, _other = orgs
    cases = bulk_cases(getlost, 2, opened=date(2026, 1, 1))
    add(cases, "appeal", due=date(2026, 9, 30))
    add(cases, "appeal", due=date(2026, 10, 1))  # missed, but October is not published yet
    summary_refresh()
    published = SummaryCount.objects.filter(breakdown="deadlines")
    assert list(published.values_list("month", "key", "key2", "count")) == [
        (date(2026, 9, 1), "appeal", "missed", 2)
    ]


def test_the_description_states_the_month_rule():
    description = str(BY_CODE["deadlines"].description)
    assert "month" in description and "Cancelled deadlines do not count" in description


def test_a_coordinator_sees_the_deadlines_table_with_small_kinds_folded(
    bulk_cases, orgs, signed_in, coordinator
):
    getlost, other = orgs
    a = bulk_cases(getlost, 40, opened=date(2026, 1, 1))
    b = bulk_cases(other, 20, opened=date(2026, 1, 1))
    add(
        a[:20],
        "consulate_appointment",
        due=date(2026, 3, 9),
        status="done",
        completed=date(2026, 3, 1),
    )
    add(
        b[:15],
        "consulate_appointment",
        due=date(2026, 4, 9),
        status="done",
        completed=date(2026, 5, 1),
    )
    add(a[20:35], "appeal", due=date(2026, 5, 9), status="done", completed=date(2026, 4, 1))
    add(b[:10], "appeal", due=date(2026, 6, 9))  # open, missed
    # Three Dublin transfers (under k) and a custom deadline: folded into one hidden row.
    add(a[:3], "dublin_transfer", due=date(2026, 6, 9), status="done", completed=date(2026, 6, 1))
    add(a[:1], "custom", due=date(2026, 6, 9))
    add(a, "court_date", due=date(2026, 10, 9))  # under the publication delay
    summary_refresh()
    response = signed_in(coordinator).get(DASHBOARD)
    assert response.status_code == 200
    assert "Deadlines met vs missed" in response.content.decode()
    table = parse(response).tables["deadlines"]
    assert table[0] == ["Kind of deadline", "Met", "Missed", "Total"]
    rows = {row[0]: row[1:] for row in table[1:]}
    assert rows["Consulate appointment"] == ["20", "15", "35"]
    assert "Dublin transfer" not in rows and "Court date" not in rows
    # 3 + 1 folded deadlines: hidden, with the smaller large row as their complement so that
    # the column totals cannot give them away.
    assert rows["Other kinds, or kinds with few deadlines"] == ["< 10", "< 10", "< 10"]
    assert rows["Appeal deadline"] == ["< 10", "< 10", "< 10"]
    assert rows["Total"] == ["40", "25", "65"]  # 20+15+3, 15+10+1: rounded to 5
    assert not any(c.isdigit() and 0 < int(c) < 10 for row in table for c in row)
