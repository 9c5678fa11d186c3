"""The transit stay limit counts the days present from real entry dates: the location's day
of entry (sealed, only its month in clear) and the border crossings the evacuation steps record,
earlier stays in the rolling window included (Kazakhstan: 90 days in any 180)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from casework import services as casework_services
from casework.models import Country, LegalBasis, Location
from casework.services import ERR_FUTURE_DATE
from deadlines.models import Deadline, DeadlineSource
from evacuation import services
from evacuation.models import StepKind, StepStatus
from tests.deadlines.conftest import due_of

pytestmark = pytest.mark.django_db

NOW = "2026-10-01 09:00:00+00:00"


@pytest.fixture
def case_kz(open_case, caseworker_getlost):
    """A verified case opened on 1 October 2026 by caseworker_getlost, in Kazakhstan."""
    with time_machine.travel(NOW, tick=False):
        case = open_case(by=caseworker_getlost)
        casework_services.case_verify(case=case, by=caseworker_getlost)
    return case


def settle(case, by, entered_on):
    casework_services.location_update(
        case=case,
        by=by,
        country=Country.objects.get(pk="KZ"),
        legal_basis=LegalBasis.VISA_FREE,
        region="",
        stay_expires=None,
        route_notes="",
        entered_on=entered_on,
    )


def crossed(case, by, country, day):
    services.step_save(
        case=case,
        by=by,
        kind=StepKind.CROSS_BORDER,
        country=country,
        planned_on=None,
        done_on=day,
        status=StepStatus.DONE,
        notes="",
    )


def stay_limit():
    return due_of(Deadline.objects.get(source=DeadlineSource.TRANSIT_STAY, status="open"))


@time_machine.travel(NOW, tick=False)
def test_an_earlier_stay_inside_the_window_brings_the_stay_limit_forward(
    case_kz, caseworker_getlost
):
    settle(case_kz, caseworker_getlost, date(2026, 9, 18))
    # 90 days counting the day of entry.
    assert stay_limit() == date(2026, 12, 16)
    # 21 days in Kazakhstan in June (1-21, left for Georgia on the 21st) lie in the window.
    crossed(case_kz, caseworker_getlost, "KZ", date(2026, 6, 1))
    crossed(case_kz, caseworker_getlost, "GE", date(2026, 6, 21))
    assert stay_limit() == date(2026, 11, 25)
    assert Deadline.objects.filter(source=DeadlineSource.TRANSIT_STAY).count() == 1


@time_machine.travel(NOW, tick=False)
def test_moving_the_entry_date_moves_the_deadline(case_kz, caseworker_getlost):
    crossed(case_kz, caseworker_getlost, "KZ", date(2026, 6, 1))
    crossed(case_kz, caseworker_getlost, "GE", date(2026, 6, 21))
    settle(case_kz, caseworker_getlost, date(2026, 9, 18))
    assert stay_limit() == date(2026, 11, 25)
    # A week later, the June stay has left the window when the 90 days are up.
    settle(case_kz, caseworker_getlost, date(2026, 9, 25))
    assert stay_limit() == date(2026, 12, 23)


@time_machine.travel(NOW, tick=False)
def test_a_border_crossing_done_gives_the_day_of_entry_when_the_location_has_none(
    case_kz, caseworker_getlost
):
    # The location was typed in October, without a day: the crossing on 18 September counts,
    # not the month the location was recorded in.
    settle(case_kz, caseworker_getlost, None)
    assert stay_limit() == date(2026, 12, 29)  # from 1 October, the month recorded
    crossed(case_kz, caseworker_getlost, "KZ", date(2026, 9, 18))
    assert stay_limit() == date(2026, 12, 16)


@time_machine.travel(NOW, tick=False)
def test_the_day_of_entry_is_sealed_and_only_its_month_is_clear(case_kz, caseworker_getlost):
    settle(case_kz, caseworker_getlost, date(2026, 9, 18))
    location = Location.objects.get(case=case_kz)
    assert location.since_month == date(2026, 9, 1)
    assert b"2026-09-18" not in bytes(location.entered_on)
    assert case_kz.envelope.open(location, "entered_on") == date(2026, 9, 18)


@time_machine.travel(NOW, tick=False)
def test_an_entry_date_in_the_future_is_refused_and_changes_nothing(case_kz, caseworker_getlost):
    settle(case_kz, caseworker_getlost, date(2026, 9, 18))
    with pytest.raises(ValidationError) as error:
        settle(case_kz, caseworker_getlost, date(2026, 10, 2))
    assert error.value.messages == [str(ERR_FUTURE_DATE)]
    location = Location.objects.get(case=case_kz)
    assert case_kz.envelope.open(location, "entered_on") == date(2026, 9, 18)
    assert stay_limit() == date(2026, 12, 16)
