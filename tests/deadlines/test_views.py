from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deadlines import services
from deadlines.models import Deadline, DeadlineStatus, NotificationPreference
from tests.deadlines.conftest import due_of

pytestmark = pytest.mark.django_db


def _add(case, by, kind, days):
    return services.deadline_create(
        case=case, by=by, kind=kind, due_date=timezone.now().date() + timedelta(days=days)
    )


def test_my_deadlines_groups_overdue_this_week_and_later(
    signed_in, case_getlost, caseworker_getlost, kind
):
    overdue = _add(case_getlost, caseworker_getlost, kind, -2)
    soon = _add(case_getlost, caseworker_getlost, kind, 6)
    later = _add(case_getlost, caseworker_getlost, kind, 7)
    response = signed_in(caseworker_getlost).get(reverse("deadlines:my_deadlines"))
    assert response.status_code == 200
    groups = response.context["groups"]
    assert (groups.overdue, groups.this_week, groups.later) == ([overdue], [soon], [later])


def test_my_deadlines_shows_nothing_of_cases_the_user_is_not_assigned_to(
    signed_in, case_getlost, caseworker_getlost, colleague_getlost, admin_getlost, outsider, kind
):
    _add(case_getlost, caseworker_getlost, kind, 1)
    for user in (colleague_getlost, admin_getlost, outsider):
        response = signed_in(user).get(reverse("deadlines:my_deadlines"))
        assert response.status_code == 200
        assert response.context["groups"].count == 0


def test_the_case_page_shows_its_deadlines_panel_to_assigned_caseworkers_only(
    client, signed_in, case_getlost, caseworker_getlost, colleague_getlost, kind
):
    _add(case_getlost, caseworker_getlost, kind, 1)
    url = case_getlost.get_absolute_url()
    page = signed_in(caseworker_getlost).get(url).content.decode()
    assert 'id="deadlines"' in page
    assert reverse("deadlines:deadline_add", args=[case_getlost.reference]) in page
    client.logout()
    other = signed_in(colleague_getlost).get(url).content.decode()
    assert "Only caseworkers assigned to this case can see its deadlines." in other
    assert reverse("deadlines:deadline_add", args=[case_getlost.reference]) not in other


def test_adding_a_deadline_through_the_form(signed_in, case_getlost, caseworker_getlost, kind):
    due = timezone.now().date() + timedelta(days=20)
    response = signed_in(caseworker_getlost).post(
        reverse("deadlines:deadline_add", args=[case_getlost.reference]),
        {"kind": kind.pk, "due_date": due.isoformat(), "assignee": "", "note": "консульство"},
    )
    assert response.status_code == 302
    deadline = Deadline.objects.get()
    assert (due_of(deadline), deadline.assignee) == (due, None)
    assert case_getlost.envelope.open(deadline, "note") == "консульство"


def test_outsiders_get_404_and_unassigned_colleagues_403(
    client, signed_in, case_getlost, caseworker_getlost, colleague_getlost, outsider, kind
):
    deadline = _add(case_getlost, caseworker_getlost, kind, 1)
    add = reverse("deadlines:deadline_add", args=[case_getlost.reference])
    done = reverse("deadlines:deadline_done", args=[deadline.pk])
    signed_in(outsider)
    assert client.get(add).status_code == 404
    assert client.post(done).status_code == 404
    client.logout()
    signed_in(colleague_getlost)
    assert client.get(add).status_code == 403
    assert client.post(done).status_code == 403
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.OPEN


def test_marking_done_is_post_only_and_works(
    client, signed_in, case_getlost, caseworker_getlost, kind
):
    deadline = _add(case_getlost, caseworker_getlost, kind, 1)
    url = reverse("deadlines:deadline_done", args=[deadline.pk])
    signed_in(caseworker_getlost)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.DONE


def test_notifications_show_details_behind_the_login(
    client, signed_in, case_getlost, caseworker_getlost, kind
):
    _add(case_getlost, caseworker_getlost, kind, 0)
    services.reminders_scan()
    assert client.get(reverse("deadlines:notifications")).status_code == 302
    page = signed_in(caseworker_getlost).get(reverse("deadlines:notifications")).content.decode()
    assert case_getlost.reference in page
    assert "is due today" in page
    client.post(reverse("deadlines:notifications"))
    assert caseworker_getlost.notifications.filter(read_at__isnull=True).count() == 0


def test_a_deadline_notification_is_gone_once_its_reader_is_unassigned(
    signed_in, case_getlost, caseworker_getlost, colleague_getlost, kind
):
    from casework.services import case_assign

    both = [caseworker_getlost, colleague_getlost]
    case_assign(case=case_getlost, by=caseworker_getlost, caseworkers=both)
    _add(case_getlost, caseworker_getlost, kind, 0)
    services.reminders_scan()
    client = signed_in(colleague_getlost)
    assert "is due today" in client.get(reverse("deadlines:notifications")).content.decode()
    case_assign(case=case_getlost, by=caseworker_getlost, caseworkers=[caseworker_getlost])
    page = client.get(reverse("deadlines:notifications")).content.decode()
    assert "is due today" not in page
    assert case_getlost.reference not in page


def test_a_retention_warning_says_what_it_is_about(signed_in, case_getlost, caseworker_getlost):
    from deadlines.models import Notification, NotificationKind

    Notification.objects.create(
        user=caseworker_getlost, kind=NotificationKind.RETENTION_WARNING, case=case_getlost
    )
    page = signed_in(caseworker_getlost).get(reverse("deadlines:notifications")).content.decode()
    assert "Section to be erased soon." in page
    assert case_getlost.reference in page


def test_preferences_form_saves_quiet_hours_and_refuses_half_of_them(signed_in, caseworker_getlost):
    client = signed_in(caseworker_getlost)
    url = reverse("deadlines:preferences")
    bad = client.post(url, {"email_enabled": "on", "quiet_start": "22:00", "quiet_end": ""})
    assert str(services.ERR_QUIET_HOURS) in bad.content.decode()
    assert not NotificationPreference.objects.exists()
    client.post(url, {"quiet_start": "22:00", "quiet_end": "07:00"})
    pref = NotificationPreference.objects.get()
    assert (pref.email_enabled, str(pref.quiet_start), str(pref.quiet_end)) == (
        False,
        "22:00:00",
        "07:00:00",
    )


def test_the_dashboard_lists_deadlines_due_this_week(
    signed_in, case_getlost, caseworker_getlost, kind
):
    _add(case_getlost, caseworker_getlost, kind, 2)
    page = signed_in(caseworker_getlost).get(reverse("dashboard")).content.decode()
    assert case_getlost.reference in page
    assert "Case files are not available yet, so there are no deadlines" not in page
