"""Releases: when one is due, what it publishes, what it carries over, re-publication by a
platform admin, the nightly task and the commands."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEvent
from stats.models import GroupVersion, PublishedTable, Release
from stats.services import published_until, release_republish
from stats.tasks import refresh_summary_task
from tests.stats.conftest import make_cases, publish_on

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


def test_nothing_is_published_without_cases_or_before_the_cut_off_moves(stats_data):
    first = publish_on("2026-11-25")
    assert (first.number, first.cut_off, first.kind) == (1, date(2026, 9, 1), "scheduled")
    assert publish_on("2026-11-26") is None  # the same cut-off
    assert publish_on("2026-11-29") is None
    assert publish_on("2026-11-30").number == 2  # October is out of the delay


def test_an_empty_installation_publishes_nothing(db):
    assert publish_on("2026-11-25") is None
    assert not Release.objects.exists()


def test_a_release_publishes_the_months_up_to_its_cut_off_and_a_snapshot(stats_data):
    release = publish_on("2026-11-25")
    periods = set(release.tables.values_list("breakdown", "period"))
    assert ("requests", "2026-03") in periods and ("requests", "2025-07") in periods
    assert not {p for p in periods if p[1] >= "2026-10" and "Q" not in p[1]}  # under the delay
    assert not {p for p in periods if p[1] >= "2026-Q4"}
    assert ("crisis_quarter", "2026-Q2") in periods
    assert ("crisis_quarter", "2026-Q3") not in periods  # no crisis in the quarter
    assert {code for code, p in periods if p == "2026-09"} == {
        "outcome",
        "unverified",
        "countries",
        "backlog",
    }
    # The 100 surrendered cases opened in October and November are counted nowhere.
    assert "surrendered" not in str(list(GroupVersion.objects.values_list("counts", flat=True)))


def test_the_next_release_carries_every_period_as_the_same_row(stats_data):
    first = publish_on("2026-11-25")
    second = publish_on("2026-11-30")
    carried = set(first.tables.exclude(version__group="now")) & set(second.tables.all())
    assert carried == set(first.tables.exclude(version__group="now"))
    new = second.tables.filter(version__release=second)
    assert set(new.values_list("period", flat=True)) == {"2026-10"}
    assert not second.tables.filter(period="2026-09", version__group="now").exists()
    assert PublishedTable.objects.count() == first.tables.count() + new.count()


def test_a_release_counts_in_sql_with_a_fixed_number_of_queries(
    bulk_cases, stats_data, django_assert_max_num_queries
):
    """A GROUP BY per group and period kind, and one insert per published table: never a
    query per case."""
    getlost, _other = stats_data
    bulk_cases(getlost, 300, opened=date(2026, 2, 1), country="DE", article="338")
    with django_assert_max_num_queries(300):
        release = publish_on("2026-11-25")
    version = GroupVersion.objects.get(release=release, group="opened", period="2026-02")
    counts = {(t, r): n for t, r, _c, n in version.counts[str(getlost.pk)]}
    assert counts[("requests", "deserter")] == 300


def test_a_release_is_audited_with_codes_only(stats_data):
    release = publish_on("2026-11-25")
    event = AuditEvent.objects.get(action="stats.released")
    assert event.actor_id is None
    assert event.data == {"count": release.number, "sections": sorted(event.data["sections"])}
    assert "now" in event.data["sections"]


def test_the_periodic_task_publishes_once_a_release_is_due(stats_data):
    assert refresh_summary_task() == 1
    assert refresh_summary_task() == 0


def test_the_refresh_task_is_on_the_beat_schedule():
    from config.celery import BEAT_SCHEDULE

    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert "stats.tasks.refresh_summary_task" in tasks


def test_the_command_says_what_it_published(stats_data):
    out = StringIO()
    call_command("refresh_stats", stdout=out)
    call_command("refresh_stats", stdout=out)
    assert out.getvalue().splitlines() == [
        "Release 1 published (cut-off 2026-09).",
        "No release due: the latest one is up to date.",
    ]


def test_a_threshold_that_would_publish_single_people_fails_the_system_check(settings):
    from stats.checks import check_disclosure_settings

    assert check_disclosure_settings(None) == []
    settings.WAYPOINT_STATS_K = 1
    assert [e.id for e in check_disclosure_settings(None)] == ["stats.E001"]


@pytest.fixture
def platform_admin(make_member):
    user = make_member("waypoint-ops", "coordinator")
    user.is_staff = True
    user.save()
    return user


def test_only_a_platform_admin_republishes_and_bad_input_changes_nothing(
    stats_data, platform_admin, coordinator
):
    publish_on("2026-11-25")
    period = [("opened", "2026-03")]
    with pytest.raises(PermissionDenied):
        release_republish(by=coordinator, reason="fix", periods=period)
    with pytest.raises(ValidationError):
        release_republish(by=platform_admin, reason="  ", periods=period)
    for bad in ([], [("opened", "2026-10")], [("now", "2026-09")], [("nope", "2026-03")]):
        with pytest.raises(ValidationError):
            release_republish(by=platform_admin, reason="fix", periods=bad)
    platform_admin.is_active = False
    with pytest.raises(PermissionDenied):
        release_republish(by=platform_admin, reason="fix", periods=period)
    assert Release.objects.count() == 1
    assert not AuditEvent.objects.filter(action="stats.republished").exists()


def test_a_republication_replaces_only_its_periods_and_keeps_the_reason(stats_data, platform_admin):
    first = publish_on("2026-11-25")
    again = release_republish(
        by=platform_admin, reason="a category was corrected", periods=[("opened", "2026-03")]
    )
    assert (again.number, again.kind, again.cut_off) == (2, "republication", first.cut_off)
    assert again.reason == "a category was corrected" and again.created_by == platform_admin
    replaced = again.tables.filter(period="2026-03", version__group="opened")
    assert replaced.count() == first.tables.filter(period="2026-03").count()
    assert not set(replaced) & set(first.tables.all())
    # Nothing changed in the cases: the same codes, and "0 figures changed".
    assert all(t.data["changed"] == 0 for t in replaced)
    kept = again.tables.exclude(period="2026-03")
    assert set(kept) == set(first.tables.exclude(period="2026-03"))


def test_the_republish_command_runs_the_service(stats_data, platform_admin):
    publish_on("2026-11-25")
    out = StringIO()
    call_command(
        "republish_stats",
        "--by",
        platform_admin.email,
        "--period",
        "opened:2026-03",
        "--reason",
        "checked",
        stdout=out,
    )
    assert out.getvalue() == "Release 2 published (re-publication).\n"
    with pytest.raises(CommandError):
        call_command(
            "republish_stats", "--by", "nobody@example.org", "--period", "opened:2026-03",
            "--reason", "x",
        )  # fmt: skip


def test_the_counts_behind_a_release_are_true_counts_per_organisation(stats_data):
    getlost, other = stats_data
    release = publish_on("2026-11-25")
    snapshot = GroupVersion.objects.get(release=release, group="now")
    mine = {(t, r): n for t, r, _c, n in snapshot.counts[str(getlost.pk)]}
    assert mine[("countries", "KZ")] == 52
    assert ("countries", "KZ") not in {(t, r) for t, r, _c, _n in snapshot.counts[str(other.pk)]}


def test_the_first_release_reaches_back_to_the_first_case(stats_data):
    getlost, _other = stats_data
    make_cases(getlost, 10, opened=date(2024, 1, 1))
    release = publish_on("2026-11-25")
    assert release.tables.filter(breakdown="requests", period="2024-01").exists()
