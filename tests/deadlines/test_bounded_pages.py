"""The dashboard and /deadlines/ do constant work in the number of open deadlines and cases:
top items, counts and pages. Query counts, not timings (docs/performance.md has those)."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deadlines import selectors
from deadlines.models import DeadlineKind
from tests.conftest import sign_in
from tests.deadlines.test_triage import NOW, TODAY, _mix, _plant

pytestmark = pytest.mark.django_db


@pytest.fixture
def consulate(db):
    return DeadlineKind.objects.get(code="consulate_appointment")


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_and_deadlines_cost_the_same_for_n_and_5n_cases(
    client, open_case, caseworker_getlost, consulate
):
    sign_in(client, caseworker_getlost)
    cases = [open_case(by=caseworker_getlost, pseudonym=f"P{i}") for i in range(3)]
    _plant(cases, consulate, _mix(30))
    client.get("/")  # warm the per-process caches (content types, translations)
    client.get(reverse("deadlines:my_deadlines"))
    small = {path: _queries(client, path) for path in ("/", reverse("deadlines:my_deadlines"))}
    more = [open_case(by=caseworker_getlost, pseudonym=f"Q{i}") for i in range(12)]
    _plant(cases + more, consulate, _mix(150))
    large = {path: _queries(client, path) for path in small}
    assert large == small
    groups = client.get(reverse("deadlines:my_deadlines")).context["groups"]
    # Per 10 planted: 4 overdue, 3 this week, 3 later (12, 45, 90 days).
    assert (groups.overdue.total, groups.this_week.total, groups.later.total) == (72, 54, 54)
    assert len(groups.overdue) == selectors.PAGE_SIZE
    assert groups.overdue.pages == 3


@time_machine.travel(NOW, tick=False)
def test_each_group_of_deadlines_pages_through_all_its_deadlines_in_order(
    client, open_case, caseworker_getlost, consulate
):
    cases = [open_case(by=caseworker_getlost, pseudonym=f"P{i}") for i in range(4)]
    _plant(cases, consulate, _mix(100))
    sign_in(client, caseworker_getlost)
    url = reverse("deadlines:my_deadlines")
    seen: dict[str, list] = {"overdue": [], "later": []}
    for group, param in (("overdue", "overdue"), ("later", "later")):
        page = 1
        while True:
            shown = getattr(client.get(url, {param: page}).context["groups"], group)
            seen[group] += list(shown)
            if not shown.has_next:
                break
            page += 1
    overdue, later = seen["overdue"], seen["later"]
    assert len(overdue) == len({d.pk for d in overdue}) == 40
    assert all(d.due < TODAY for d in overdue)
    assert [d.due_month for d in overdue] == sorted(d.due_month for d in overdue)
    assert len(later) == len({d.pk for d in later}) == 30
    assert all((d.due - TODAY).days > 6 for d in later)
    # A page past the last shows the last; nonsense shows the first.
    assert client.get(url, {"overdue": 99}).context["groups"].overdue.page == 2
    assert client.get(url, {"overdue": "x"}).context["groups"].overdue.page == 1


@time_machine.travel(NOW, tick=False)
def test_a_group_page_link_keeps_the_other_groups_pages(
    client, open_case, caseworker_getlost, consulate
):
    cases = [open_case(by=caseworker_getlost, pseudonym=f"P{i}") for i in range(2)]
    _plant(cases, consulate, _mix(100))
    sign_in(client, caseworker_getlost)
    body = client.get(reverse("deadlines:my_deadlines"), {"later": 2}).content.decode()
    assert 'href="?later=2&amp;overdue=2#overdue-heading"' in body
    assert "<title>My deadlines · Waypoint</title>" in body
