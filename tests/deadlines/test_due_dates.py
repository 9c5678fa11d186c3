"""Every reader opens a deadline's sealed day through the envelope, in a key scope: the pages
under the reader's scope (a day the reader may not open, or one erased, shows as its month),
the reminder scan under a system scope, all keys unwrapped in one query."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from casework import services as casework_services
from casework.envelope import key_scope
from casework.models import Article
from casework.sections import Section
from deadlines import services
from deadlines.dates import open_for
from deadlines.models import Deadline, DeadlineKind, DeadlineSource, ReminderClaim
from deadlines.services.reminders import _due_claims

pytestmark = pytest.mark.django_db

NOW = "2026-11-20 09:00:00+00:00"
TODAY = date(2026, 11, 20)


def _add(case, by, kind, days):
    return services.deadline_create(
        case=case, by=by, kind=kind, due_date=timezone.now().date() + timedelta(days=days)
    )


def _absence(case, by, start):
    casework_services.exposure_add(
        case=case,
        by=by,
        article=Article.A337_5,
        during_mobilisation=True,
        absence_start=start,
        procedural_stage="none",
        wanted_level="none",
        exit_ban=False,
        passport_confiscated=False,
        details="",
    )


@time_machine.travel(NOW, tick=False)
def test_every_page_shows_the_day_to_the_assigned_caseworker(
    signed_in, case_getlost, caseworker_getlost, kind
):
    _add(case_getlost, caseworker_getlost, kind, 0)
    _add(case_getlost, caseworker_getlost, kind, 3)
    services.reminders_scan()
    client = signed_in(caseworker_getlost)
    pages = {
        "my deadlines": client.get(reverse("deadlines:my_deadlines")),
        "case": client.get(case_getlost.get_absolute_url()),
        "notifications": client.get(reverse("deadlines:notifications")),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        # Days of this year go without it (shortdate); notifications spell the year out.
        assert "20 Nov" in page.content.decode(), name
        assert "23 Nov" in page.content.decode(), name
        assert "day not shared" not in page.content.decode(), name
    notes = pages["notifications"].content.decode()
    assert "is due today (20 Nov 2026)" in notes
    assert "is due in 3 days (23 Nov 2026)" in notes
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "20 Nov" in dashboard and "23 Nov" in dashboard


@time_machine.travel(NOW, tick=False)
def test_an_erased_section_leaves_the_month_on_every_page_and_no_error(
    signed_in, case_getlost, caseworker_getlost
):
    _absence(case_getlost, caseworker_getlost, date(2026, 11, 10))  # 13, 21 Nov, 11 Dec
    assert services.reminders_scan().claimed == 1  # the 21 November threshold, a day ahead
    casework_services.case_shred(case=case_getlost, by=None, sections=[Section.LEGAL])
    client = signed_in(caseworker_getlost)
    for url in (
        reverse("deadlines:my_deadlines"),
        case_getlost.get_absolute_url(),
        reverse("deadlines:notifications"),
        reverse("dashboard"),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert "21 Nov" not in text and "11 Dec" not in text, url
        if url != reverse("dashboard"):  # the dashboard lists this week's days only
            assert "November 2026" in text, url
    groups = client.get(reverse("deadlines:my_deadlines")).context["groups"]
    # Thresholds are information dates, apart from the tasks, whether or not the day opens.
    thresholds = [
        [d.due for d in group if d.source == DeadlineSource.ART_337]
        for group in (groups.overdue, groups.this_week, groups.later, groups.information)
    ]
    assert thresholds == [[], [], [], [None, None, None]]
    assert "December 2026 <span" in client.get(reverse("deadlines:my_deadlines")).content.decode()
    notes = client.get(reverse("deadlines:notifications")).content.decode()
    assert "is due in November 2026 (the day is not shared with you)." in notes


@time_machine.travel(NOW, tick=False)
def test_a_reader_without_a_grant_gets_no_day_even_from_the_selector(
    case_getlost, caseworker_getlost, colleague_getlost, kind
):
    _add(case_getlost, caseworker_getlost, kind, 5)
    deadlines = list(Deadline.objects.all())
    # The key scope asks for the reader's grants before it unwraps a key: a colleague who is
    # not assigned to the case opens nothing, whatever a caller hands over.
    (closed,) = open_for(user=colleague_getlost, deadlines=deadlines, today=TODAY)
    assert (closed.due, closed.days_left, closed.overdue) == (None, None, False)
    (opened,) = open_for(user=caseworker_getlost, deadlines=deadlines, today=TODAY)
    assert (opened.due, opened.days_left) == (date(2026, 11, 25), 5)


@time_machine.travel(NOW, tick=False)
def test_a_user_scope_is_never_borrowed_from_a_system_scope(case_getlost, caseworker_getlost, kind):
    _add(case_getlost, caseworker_getlost, kind, 5)
    with key_scope(), pytest.raises(RuntimeError):
        open_for(user=caseworker_getlost, deadlines=Deadline.objects.all(), today=TODAY)


@time_machine.travel(NOW, tick=False)
def test_the_scan_runs_in_a_system_scope_only(case_getlost, caseworker_getlost, kind):
    _add(case_getlost, caseworker_getlost, kind, 0)
    with key_scope(user=caseworker_getlost), pytest.raises(RuntimeError):
        services.reminders_scan()
    assert services.reminders_scan().claimed == 1


@time_machine.travel(NOW, tick=False)
def test_the_scan_skips_a_deadline_whose_section_was_erased(
    open_case, caseworker_getlost, kind, django_assert_num_queries
):
    kept, erased = open_case(by=caseworker_getlost), open_case(by=caseworker_getlost)
    for case in (kept, erased):
        _add(case, caseworker_getlost, kind, 0)
    casework_services.case_shred(case=erased, by=None, sections=[Section.NOTES])
    with django_assert_num_queries(2):  # no query for the key that is gone
        assert len(_due_claims(now=timezone.now(), run=uuid.uuid4())) == 1
    assert services.reminders_scan().claimed == 1
    assert ReminderClaim.objects.get().deadline.case_id == kept.pk


def test_the_scan_takes_in_each_month_as_soon_as_a_kinds_widest_window_reaches_it(
    case_getlost, caseworker_getlost, kind
):
    passport = DeadlineKind.objects.get(code="passport_validity")  # 30, 14, 7, 0 days
    with time_machine.travel("2026-11-01 09:00:00+00:00", tick=False):
        appointment = _add(case_getlost, caseworker_getlost, kind, 30)  # 1 December
        expiry = services.deadline_create(
            case=case_getlost, by=caseworker_getlost, kind=passport, due_date=date(2026, 12, 31)
        )
    claimed = {}
    for day in ("2026-11-16", "2026-11-17", "2026-12-01"):
        with time_machine.travel(f"{day} 09:00:00+00:00", tick=False):
            claimed[day] = services.reminders_scan().claimed
    # 16 November: 1 December is 15 days on, out of the 14-day window. 17 November: December
    # is within the widest window of the appointment's kind, and the day is 14 days on.
    # 1 December: the appointment is due, the passport expires in 30 days.
    assert claimed == {"2026-11-16": 0, "2026-11-17": 1, "2026-12-01": 2}
    assert set(ReminderClaim.objects.values_list("deadline_id", "offset")) == {
        (appointment.pk, 14),
        (appointment.pk, 0),
        (expiry.pk, 30),
    }


def test_the_scan_opens_the_days_of_any_number_of_cases_in_two_queries(
    open_case, caseworker_getlost, kind, django_assert_num_queries
):
    # The kinds' offsets; the deadlines of the months in the windows with their data keys.
    with time_machine.travel(NOW, tick=False):
        for count in (2, 7):
            while Deadline.objects.count() < count:
                _add(open_case(by=caseworker_getlost), caseworker_getlost, kind, 3)
            with django_assert_num_queries(2):
                claims = _due_claims(now=timezone.now(), run=uuid.uuid4())
            assert len(claims) == count


def test_a_computed_deadline_moves_with_its_source_and_keeps_its_section(
    case_getlost, caseworker_getlost
):
    with time_machine.travel(NOW, tick=False):
        _absence(case_getlost, caseworker_getlost, date(2026, 11, 10))
    rows = Deadline.objects.filter(source=DeadlineSource.ART_337)
    assert {(d.due_section, d.due_legal is not None, d.due_notes) for d in rows} == {
        ("legal", True, None)
    }
