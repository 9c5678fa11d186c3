"""Visa dates and the transit stay limit become deadlines on the case (source "visa" and
"transit_stay"), move with their dates, and raise reminders: a deserter in Kazakhstan under the
90-in-180 stay rule, waiting for a French visa."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from casework import services as casework_services
from casework.models import Country, LegalBasis
from deadlines.models import Deadline, DeadlineSource, DeadlineStatus, Notification
from deadlines.services import computed_deadlines_refresh, reminders_scan
from evacuation import services
from evacuation.models import Decision, VisaRoute
from tests.conftest import sign_in
from tests.deadlines.conftest import due_of
from tests.factories import totp_device

pytestmark = pytest.mark.django_db

NOW = "2026-03-10 09:00:00+00:00"
TODAY = date(2026, 3, 10)


def visa_deadlines(status: str = DeadlineStatus.OPEN) -> dict[str, date]:
    """kind code -> due date of the case's visa deadlines with that status."""
    rows = Deadline.objects.filter(source=DeadlineSource.VISA, status=status)
    return {d.kind.code: due_of(d) for d in rows.select_related("kind")}


def save(case, by, application=None, **values):
    arguments = {"route": VisaRoute.FR_HUMANITARIAN, "destination": "FR", **values}
    return services.visa_save(case=case, by=by, application=application, **arguments)


@time_machine.travel(NOW, tick=False)
def test_a_pending_application_gives_the_appointment_and_the_decision_due(
    case_kz, caseworker_getlost
):
    application = save(
        case_kz,
        caseworker_getlost,
        appointment_on=date(2026, 3, 30),
        submitted_on=TODAY,
        decision_due=date(2026, 4, 14),
    )
    assert visa_deadlines() == {
        "consulate_appointment": date(2026, 3, 30),
        "decision_due": date(2026, 4, 14),
    }
    keys = set(
        Deadline.objects.filter(source=DeadlineSource.VISA).values_list("source_key", flat=True)
    )
    assert keys == {f"{application.pk}:consulate_appointment", f"{application.pk}:decision_due"}
    assert all(d.case_id == case_kz.pk for d in Deadline.objects.filter(source=DeadlineSource.VISA))


@time_machine.travel(NOW, tick=False)
def test_moving_the_appointment_moves_its_deadline(case_kz, caseworker_getlost):
    application = save(case_kz, caseworker_getlost, appointment_on=date(2026, 3, 30))
    before = Deadline.objects.get(source=DeadlineSource.VISA)
    save(case_kz, caseworker_getlost, application, appointment_on=date(2026, 4, 6))
    after = Deadline.objects.get(source=DeadlineSource.VISA)
    assert after.pk == before.pk
    assert (after.kind.code, due_of(after), after.status) == (
        "consulate_appointment",
        date(2026, 4, 6),
        DeadlineStatus.OPEN,
    )


@time_machine.travel(NOW, tick=False)
def test_a_refusal_cancels_the_pending_deadlines_and_adds_the_appeal(case_kz, caseworker_getlost):
    application = save(
        case_kz,
        caseworker_getlost,
        appointment_on=date(2026, 3, 12),
        submitted_on=date(2026, 3, 12),
        decision_due=date(2026, 3, 27),
    )
    save(
        case_kz,
        caseworker_getlost,
        application,
        decision=Decision.REFUSED,
        appointment_on=date(2026, 3, 12),
        submitted_on=date(2026, 3, 12),
        decided_on=date(2026, 3, 20),
        refusal_reasons="Unstamped summons",
        appeal_deadline=date(2026, 5, 20),
    )
    assert visa_deadlines() == {"appeal": date(2026, 5, 20)}
    assert visa_deadlines(DeadlineStatus.CANCELLED) == {
        "consulate_appointment": date(2026, 3, 12),
        "decision_due": date(2026, 3, 27),
    }


@time_machine.travel(NOW, tick=False)
def test_a_french_grant_gives_enter_by_expiry_and_asylum_reporting_until_entry(
    case_kz, caseworker_getlost
):
    granted = {
        "decision": Decision.GRANTED,
        "decided_on": date(2026, 3, 9),
        "valid_until": date(2026, 6, 30),
        "enter_by": date(2026, 4, 30),
    }
    application = save(case_kz, caseworker_getlost, **granted)
    assert visa_deadlines() == {
        "enter_by": date(2026, 4, 30),
        "visa_expiry": date(2026, 6, 30),
        "asylum_reporting": date(2026, 5, 8),  # enter-by + 8 days: the latest it can fall
    }
    save(case_kz, caseworker_getlost, application, entered_on=date(2026, 3, 9), **granted)
    assert visa_deadlines() == {
        "visa_expiry": date(2026, 6, 30),
        "asylum_reporting": date(2026, 3, 17),  # entry + 8 days
    }
    assert visa_deadlines(DeadlineStatus.CANCELLED) == {"enter_by": date(2026, 4, 30)}


@time_machine.travel(NOW, tick=False)
def test_a_grant_on_another_route_has_no_asylum_reporting(case_kz, caseworker_getlost):
    services.visa_save(
        case=case_kz,
        by=caseworker_getlost,
        route=VisaRoute.DE_NATIONAL_D,
        destination="DE",
        decision=Decision.GRANTED,
        decided_on=date(2026, 3, 9),
        valid_until=date(2026, 9, 30),
        enter_by=date(2026, 9, 30),
    )
    assert visa_deadlines() == {"enter_by": date(2026, 9, 30), "visa_expiry": date(2026, 9, 30)}


def settle_in_kazakhstan(case, by):
    casework_services.case_verify(case=case, by=by)
    casework_services.location_update(
        case=case,
        by=by,
        country=Country.objects.get(pk="KZ"),
        legal_basis=LegalBasis.VISA_FREE,
        region="",
        stay_expires=None,
        route_notes="",
    )
    return Deadline.objects.get(source=DeadlineSource.TRANSIT_STAY)


def test_the_90_in_180_rule_of_kazakhstan_raises_stay_reminders(open_case, caseworker_getlost):
    with time_machine.travel(NOW, tick=False):
        case = open_case(by=caseworker_getlost)
        stay = settle_in_kazakhstan(case, caseworker_getlost)
        # Entered in March (the month is all that is kept): the 90th day from 1 March.
        assert (stay.kind.code, due_of(stay)) == ("transit_stay_limit", date(2026, 5, 29))
        assert reminders_scan().claimed == 0
    with time_machine.travel("2026-05-14 09:00:00+00:00", tick=False):
        assert reminders_scan().claimed == 0
    for day, offset in ((15, 14), (22, 7), (29, 0)):
        with time_machine.travel(f"2026-05-{day} 09:00:00+00:00", tick=False):
            result = reminders_scan()
            assert (result.claimed, result.notifications) == (1, 1)
            assert reminders_scan().claimed == 0
        note = Notification.objects.filter(deadline=stay).latest("id")
        assert (note.user, note.case_id, note.offset) == (
            caseworker_getlost,
            case.pk,
            offset,
        )
    assert Notification.objects.filter(deadline=stay, urgent=True).count() == 1


def test_an_admin_changing_the_stay_limit_moves_the_date_on_the_next_refresh(
    client, open_case, caseworker_getlost
):
    with time_machine.travel(NOW, tick=False):
        case = open_case(by=caseworker_getlost)
        stay = settle_in_kazakhstan(case, caseworker_getlost)
    assert due_of(stay) == date(2026, 5, 29)

    admin = User.objects.create_superuser("root@example.org", "correct horse battery staple 42")
    totp_device(admin)
    sign_in(client, admin)
    kazakhstan = Country.objects.get(pk="KZ")
    response = client.post(
        reverse("admin:casework_country_change", args=["KZ"]),
        {
            "code": "KZ",
            "name": kazakhstan.name,
            "risk_level": kazakhstan.risk_level,
            "risk_note": kazakhstan.risk_note,
            "advisory": kazakhstan.advisory,
            "internal_passport_entry": "on",
            "stay_max_days": "30",
            "stay_window_days": "180",
        },
    )
    assert response.status_code == 302
    assert Country.objects.get(pk="KZ").stay_max_days == 30
    assert due_of(Deadline.objects.get(pk=stay.pk)) == date(2026, 5, 29)  # until a refresh

    with time_machine.travel(NOW, tick=False):
        assert computed_deadlines_refresh(case=case) == 1
    moved = Deadline.objects.get(source=DeadlineSource.TRANSIT_STAY)
    assert (moved.pk, due_of(moved)) == (stay.pk, date(2026, 3, 1) + timedelta(days=29))
