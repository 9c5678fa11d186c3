"""Closing a case lists its open deadlines and check-ins, cancels them with it, and no
reminder or check-in escalation follows."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from casework import services as casework_services
from casework.models import Status
from deadlines import services
from deadlines.models import CheckInSchedule, Deadline, DeadlineStatus, ReminderClaim

pytestmark = pytest.mark.django_db

NOW = "2026-03-10 09:00:00+00:00"


def test_closing_cancels_deadlines_and_check_ins_and_reminders_stop(
    case_getlost, caseworker_getlost, kind
):
    with time_machine.travel(NOW, tick=False):
        due = timezone.now().date() + timedelta(days=10)
        deadline = services.deadline_create(
            case=case_getlost, by=caseworker_getlost, kind=kind, due_date=due
        )
        services.checkin_schedule_set(case=case_getlost, by=caseworker_getlost, interval_hours=48)
        casework_services.case_change_status(
            case=case_getlost, by=caseworker_getlost, status=Status.CLOSED
        )
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.CANCELLED
    assert CheckInSchedule.objects.get(case=case_getlost).active is False
    closed = AuditEvent.objects.get(action="deadline.closed_with_case")
    assert closed.data == {"count": 1}
    # The 7-day reminder window opens on 13 March, and the 48 hours end on 12 March.
    with time_machine.travel("2026-03-13 09:00:00+00:00", tick=False):
        assert services.reminders_scan().claimed == 0
        assert services.missed_checkins_escalate() == 0
    assert not ReminderClaim.objects.exists()


def test_without_closing_the_same_reminder_goes_out(case_getlost, caseworker_getlost, kind):
    """The control of the test above: the deadline would have been reminded."""
    with time_machine.travel(NOW, tick=False):
        services.deadline_create(
            case=case_getlost,
            by=caseworker_getlost,
            kind=kind,
            due_date=timezone.now().date() + timedelta(days=10),
        )
    with time_machine.travel("2026-03-13 09:00:00+00:00", tick=False):
        assert services.reminders_scan().claimed == 1


def test_a_closed_case_gets_no_new_computed_deadlines(case_getlost, caseworker_getlost):
    casework_services.case_change_status(
        case=case_getlost, by=caseworker_getlost, status=Status.CLOSED
    )
    assert services.computed_deadlines_refresh(case=case_getlost, by=caseworker_getlost) == 0
    assert not Deadline.objects.filter(case=case_getlost).exists()


def test_the_close_page_lists_what_closes_and_closes_the_case(
    signed_in, case_getlost, caseworker_getlost, kind
):
    services.deadline_create(
        case=case_getlost,
        by=caseworker_getlost,
        kind=kind,
        due_date=timezone.now().date() + timedelta(days=5),
    )
    services.checkin_schedule_set(case=case_getlost, by=caseworker_getlost, interval_hours=24)
    client = signed_in(caseworker_getlost)
    url = reverse("deadlines:case_close", args=[case_getlost.reference])
    page = client.get(url).content.decode()
    assert 'id="closing-deadlines"' in page and "Consulate appointment" in page
    assert "Check-ins every 24 hours." in page
    response = client.post(url)
    assert response.status_code == 302
    case_getlost.refresh_from_db()
    assert case_getlost.status == Status.CLOSED
    assert not Deadline.objects.filter(case=case_getlost, status=DeadlineStatus.OPEN).exists()
