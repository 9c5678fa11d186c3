"""The summary refresh: SQL aggregation only, published months only, recorded."""

from __future__ import annotations

from datetime import date

import pytest

from audit.models import AuditEvent
from stats.models import Refresh, SummaryCount
from stats.services import published_until, summary_refresh
from stats.tasks import refresh_summary_task

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("today", "delay", "expected"),
    [
        (date(2026, 11, 25), 30, date(2026, 9, 1)),  # October ends 31 Oct + 30 days > 25 Nov
        (date(2026, 11, 30), 30, date(2026, 10, 1)),
        (date(2026, 3, 1), 0, date(2026, 2, 1)),  # a month is published only once it is over
        (date(2026, 1, 15), 30, date(2025, 11, 1)),
    ],
)
def test_the_publication_delay_holds_back_recent_months(settings, today, delay, expected):
    settings.WAYPOINT_STATS_DELAY_DAYS = delay
    assert published_until(today) == expected


def test_the_refresh_writes_only_published_months(stats_data):
    refresh = summary_refresh()
    assert refresh.published_until == date(2026, 9, 1)
    assert SummaryCount.objects.exists()
    assert not SummaryCount.objects.filter(month__gt=date(2026, 9, 1)).exists()
    assert not SummaryCount.objects.filter(key="surrendered").exists()


def test_the_refresh_aggregates_in_sql_with_a_fixed_number_of_queries(
    bulk_cases, stats_data, django_assert_max_num_queries
):
    """Twelve breakdowns: a GROUP BY each, inserts in batches; never a query per case."""
    getlost, _other = stats_data
    bulk_cases(getlost, 500, opened=date(2026, 2, 1), country="DE", article="338")
    with django_assert_max_num_queries(30):
        refresh = summary_refresh()
    assert refresh.rows < 200  # aggregates, not cases
    requests = SummaryCount.objects.get(
        breakdown="requests", organisation=getlost, month=date(2026, 2, 1), key="deserter"
    )
    assert requests.count == 500


def test_the_refresh_counts_true_numbers_per_organisation(stats_data):
    getlost, other = stats_data
    summary_refresh()
    kz = SummaryCount.objects.filter(breakdown="countries", key="KZ", organisation=getlost)
    assert sum(kz.values_list("count", flat=True)) == 52
    assert not SummaryCount.objects.filter(breakdown="countries", key="KZ", organisation=other)


def test_the_refresh_is_recorded_and_repeatable(stats_data):
    first = summary_refresh()
    rows = list(SummaryCount.objects.values_list("breakdown", "month", "key", "key2", "count"))
    second = summary_refresh()
    assert sorted(rows) == sorted(
        SummaryCount.objects.values_list("breakdown", "month", "key", "key2", "count")
    )
    assert Refresh.objects.count() == 2 and first.rows == second.rows
    assert second.duration_ms >= 0
    assert AuditEvent.objects.filter(action="stats.refreshed").count() == 2


def test_the_periodic_task_refreshes_the_summary(stats_data):
    assert refresh_summary_task() == SummaryCount.objects.count() > 0


def test_the_refresh_task_is_on_the_beat_schedule():
    from config.celery import BEAT_SCHEDULE

    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert "stats.tasks.refresh_summary_task" in tasks


def test_a_threshold_that_would_publish_single_people_fails_the_system_check(settings):
    from stats.checks import check_disclosure_settings

    assert check_disclosure_settings(None) == []
    settings.WAYPOINT_STATS_K = 1
    assert [e.id for e in check_disclosure_settings(None)] == ["stats.E001"]


def test_the_caseload_ratio_counts_each_caseworker_once(stats_data, make_member):
    """Get Lost's 80 published cases (March to May), one of them closed here: 79 open. Two
    caseworkers hold them, one with cases of several months (and one still under the
    publication delay): 79 / 2, not 79 / 4. A caseworker whose only open case is unpublished,
    or whose only case is closed, does not count."""
    from casework.models import Case
    from stats.selectors import Scope, caseload_ratio

    getlost, _other = stats_data
    many, one, recent, closed = (make_member("get-lost") for _ in range(4))
    cases = Case.objects.filter(organisation=getlost).order_by("number")
    for month in (3, 4, 5, 10):
        many.assigned_cases.add(*cases.filter(opened_month=date(2026, month, 1))[:2])
    one.assigned_cases.add(cases.filter(opened_month=date(2026, 3, 1)).last())
    recent.assigned_cases.add(cases.filter(opened_month=date(2026, 11, 1)).first())
    finished = cases.filter(opened_month=date(2026, 4, 1)).last()
    Case.objects.filter(pk=finished.pk).update(status="closed")
    closed.assigned_cases.add(finished)
    refresh = summary_refresh()
    assert caseload_ratio(scope=Scope(getlost), until=refresh.published_until) == f"{79 / 2:.1f}"


def test_the_caseload_ratio_is_not_shown_under_differential_privacy(
    stats_data, make_member, settings
):
    from casework.models import Case
    from stats.selectors import Scope, caseload_ratio

    getlost, _other = stats_data
    make_member("get-lost").assigned_cases.add(*Case.objects.filter(organisation=getlost))
    refresh = summary_refresh()
    assert caseload_ratio(scope=Scope(getlost), until=refresh.published_until) is not None
    settings.WAYPOINT_STATS_DP_EPSILON_MILLI = 500
    assert caseload_ratio(scope=Scope(getlost), until=refresh.published_until) is None
