"""The "deadlines met vs missed" breakdown: month-resolution classification, counted in SQL,
published by quarter.

Deadlines are written straight into the table (with the case shells of tests/stats/conftest)
so that every status and completion month can be set exactly. "Today" is 25 November 2026
(conftest); the last published month is September 2026, so the last quarter is Q3.
"""

from __future__ import annotations

from datetime import date

import pytest

from deadlines.models import Deadline, DeadlineKind
from stats import counting
from stats.breakdowns import BY_CODE
from stats.models import PublishedTable
from stats.periods import add_months
from tests.stats.conftest import publish_on
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


MONTHS = [add_months(date(2025, 10, 1), n) for n in range(13)]  # October 2025 to October 2026


def counts(cut_off: date = date(2026, 10, 1)) -> dict[tuple, int]:
    """(organisation id, quarter, kind key, outcome) -> count, as the aggregate yields."""
    atoms = counting.deadlines(cut_off, MONTHS)
    return {
        (org, quarter, kind, outcome): n
        for (org, quarter), cells in atoms.items()
        for (_t, kind, outcome), n in cells.items()
    }


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
    quarter = f"{due.year}-Q{(due.month - 1) // 3 + 1}"
    assert counts() == {(str(getlost.pk), quarter, "appeal", outcome): 1}


def test_an_open_deadline_is_missed_once_its_due_month_is_over_at_the_cut_off(bulk_cases, orgs):
    getlost, _other = orgs
    add(bulk_cases(getlost, 1, opened=date(2026, 1, 1)), "appeal", due=date(2026, 10, 1))
    assert counts(date(2026, 9, 1)) == {}  # October is after the cut-off
    assert counts(date(2026, 10, 1)) == {(str(getlost.pk), "2026-Q4", "appeal", "missed"): 1}


def test_cancelled_deadlines_and_done_ones_without_a_completion_month_do_not_count(
    bulk_cases, orgs
):
    getlost, _other = orgs
    cases = bulk_cases(getlost, 3, opened=date(2026, 1, 1))
    add(cases, "appeal", due=date(2026, 3, 10), status="cancelled")
    add(cases, "appeal", due=date(2026, 3, 10), status="done")  # done before it was recorded
    add(cases[:1], "appeal", due=date(2026, 3, 10), status="done", completed=date(2026, 3, 1))
    assert counts() == {(str(getlost.pk), "2026-Q1", "appeal", "met"): 1}


def test_information_dates_are_never_missed_deadlines(bulk_cases, orgs):
    getlost, _other = orgs
    cases = bulk_cases(getlost, 2, opened=date(2026, 1, 1))
    add(cases, "appeal", due=date(2026, 3, 10))
    add(cases, "art337_threshold", due=date(2026, 3, 10))
    Deadline.objects.filter(kind__code="art337_threshold").update(information=True)
    assert counts() == {(str(getlost.pk), "2026-Q1", "appeal", "missed"): 2}


def test_the_aggregate_counts_per_organisation_kind_quarter_and_outcome_in_one_query(
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
    add(b, "visa_expiry", due=date(2026, 12, 1))  # open, not due by the cut-off: no count
    with django_assert_num_queries(1):
        found = counts()
    gl, el = str(getlost.pk), str(other.pk)
    assert found == {
        (gl, "2026-Q1", "appeal", "met"): 4,
        (gl, "2026-Q1", "appeal", "missed"): 2,
        (gl, "2026-Q2", "court_date", "missed"): 6,
        (el, "2026-Q1", "appeal", "met"): 4,
        # The kind "custom" (shown as "Other") is always in the folded "other" row.
        (el, "2026-Q2", "other", "missed"): 1,
    }


def test_a_release_publishes_only_whole_quarters_past_the_publication_delay(bulk_cases, orgs):
    getlost, _other = orgs
    cases = bulk_cases(getlost, 12, opened=date(2026, 1, 1))
    add(cases, "appeal", due=date(2026, 9, 30))
    add(cases, "appeal", due=date(2026, 10, 1))  # missed, but Q4 is not over yet
    publish_on("2026-11-25")
    published = PublishedTable.objects.filter(breakdown="deadlines", scope="all")
    assert list(published.values_list("period", flat=True)) == ["2026-Q3"]
    data = published.get().data
    assert data["rows"][0] == "appeal" and data["cols"] == ["met", "missed"]
    # None met, 12 missed: hidden beside the zeros of "other", which it would give away.
    assert data["cells"][0] == ["<", "h"] and data["total"] == 10


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
        due=date(2026, 4, 9),
        status="done",
        completed=date(2026, 4, 1),
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
    publish_on("2026-11-25")
    response = signed_in(coordinator).get(DASHBOARD)
    assert response.status_code == 200
    assert "Deadlines met vs missed" in response.content.decode()
    table = parse(response).tables["deadlines-2026-Q2"]
    assert table[0] == ["Kind of deadline", "Met", "Missed", "Total"]
    rows = {row[0]: row[1:] for row in table[1:]}
    assert rows["Consulate appointment"] == ["20", "15", "35"]
    assert "Dublin transfer" not in rows and "Court date" not in rows
    # 3 + 1 folded deadlines: under k, with the smaller large row as their complement so that
    # the column totals cannot give them away — labelled as what they are.
    assert rows["Other kinds, or kinds with few deadlines"] == ["fewer than 10"] * 3
    assert rows["Appeal deadline"] == ["hidden"] * 3
    assert rows["Total"] == ["40", "25", "65"]  # 20+15+3, 15+10+1: rounded to 5
    assert not any(c.isdigit() and 0 < int(c) < 10 for row in table for c in row)
