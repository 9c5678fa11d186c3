from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from deadlines import services
from deadlines.models import Notification, NotificationKind, OutboundEmail

pytestmark = pytest.mark.django_db


def test_a_missed_check_in_escalates_once_to_caseworkers_and_the_org_admin(
    case_getlost, caseworker_getlost, admin_getlost, outsider
):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.checkin_schedule_set(case=case_getlost, by=caseworker_getlost, interval_hours=48)
    with time_machine.travel(start + timedelta(hours=47), tick=False):
        assert services.missed_checkins_escalate() == 0
    with time_machine.travel(start + timedelta(hours=49), tick=False):
        assert services.missed_checkins_escalate() == 1
        assert services.missed_checkins_escalate() == 0
    notes = Notification.objects.filter(kind=NotificationKind.CHECKIN_MISSED)
    assert sorted(notes.values_list("user_id", flat=True)) == sorted(
        [caseworker_getlost.pk, admin_getlost.pk]
    )
    assert all(n.urgent for n in notes)
    assert set(OutboundEmail.objects.values_list("user_id", flat=True)) == {
        caseworker_getlost.pk,
        admin_getlost.pk,
    }
    assert AuditEvent.objects.filter(action="checkin.missed").count() == 1


def test_a_check_in_resets_the_clock(case_getlost, caseworker_getlost):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        services.checkin_schedule_set(case=case_getlost, by=caseworker_getlost, interval_hours=24)
    with time_machine.travel(start + timedelta(hours=20), tick=False):
        services.checkin_record(case=case_getlost, by=caseworker_getlost)
    with time_machine.travel(start + timedelta(hours=30), tick=False):
        assert services.missed_checkins_escalate() == 0
    with time_machine.travel(start + timedelta(hours=45), tick=False):
        assert services.missed_checkins_escalate() == 1


def test_an_interval_out_of_range_is_refused(case_getlost, caseworker_getlost):
    with pytest.raises(ValidationError) as error:
        services.checkin_schedule_set(case=case_getlost, by=caseworker_getlost, interval_hours=0)
    assert error.value.messages == [str(services.ERR_INTERVAL)]


def test_the_dashboard_marks_a_missed_check_in_urgent(signed_in, case_getlost, caseworker_getlost):
    start = timezone.now() - timedelta(hours=50)
    with time_machine.travel(start, tick=False):
        services.checkin_schedule_set(case=case_getlost, by=caseworker_getlost, interval_hours=48)
    services.missed_checkins_escalate()
    page = signed_in(caseworker_getlost).get(reverse("dashboard")).content.decode()
    assert "1 urgent notification" in page


def test_check_in_pages_are_post_only_for_assigned_caseworkers(
    client, signed_in, case_getlost, caseworker_getlost, colleague_getlost, outsider
):
    url = reverse("deadlines:checkin_schedule", args=[case_getlost.reference])
    signed_in(outsider)
    assert client.post(url, {"interval_hours": 12}).status_code == 404
    client.logout()
    signed_in(colleague_getlost)
    assert client.post(url, {"interval_hours": 12}).status_code == 403
    client.logout()
    signed_in(caseworker_getlost)
    assert client.get(url).status_code == 405
    assert client.post(url, {"interval_hours": 12, "active": "on"}).status_code == 302
    assert case_getlost.checkin_schedule.interval_hours == 12
    record = reverse("deadlines:checkin_record", args=[case_getlost.reference])
    assert client.post(record).status_code == 302
    assert case_getlost.checkin_schedule.checkins.count() == 1
