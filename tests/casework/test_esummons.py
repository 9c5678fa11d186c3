"""An e-summons placed in the register is deemed served 7 days later: shown on the exposure
and given to the deadlines as a dated legal effect."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from casework import services
from casework.legal import esummons_deemed_served
from casework.models import LegalExposure
from deadlines.models import Deadline, DeadlineSource
from tests.deadlines.conftest import due_of

pytestmark = pytest.mark.django_db


def test_deemed_served_is_seven_days_after_placing():
    assert esummons_deemed_served(date(2026, 2, 25)) == date(2026, 3, 4)
    assert esummons_deemed_served(None) is None


@time_machine.travel("2026-03-10 10:00Z", tick=False)
def test_the_exposure_shows_the_dates_and_the_deadline_follows(
    case_getlost, caseworker_getlost, signed_in
):
    exposure = services.exposure_add(
        case=case_getlost,
        by=caseworker_getlost,
        article="admin_no_show",
        during_mobilisation=True,
        absence_start=None,
        esummons_placed_on=date(2026, 3, 6),
        procedural_stage="none",
        wanted_level="none",
        exit_ban=False,
        passport_confiscated=False,
        details="",
    )
    raw = LegalExposure.objects.values_list("esummons_placed_on", flat=True).get(pk=exposure.pk)
    assert raw is not None and b"2026" not in bytes(raw)
    deadline = Deadline.objects.get(case=case_getlost, source=DeadlineSource.ESUMMONS)
    assert (deadline.kind.code, deadline.due_section, due_of(deadline)) == (
        "esummons_served",
        "legal",
        date(2026, 3, 13),
    )
    body = signed_in(caseworker_getlost).get(case_getlost.get_absolute_url()).content.decode()
    assert "Placed in the register on 6 March 2026; deemed served on 13 March 2026" in body
    services.exposure_update(
        exposure=exposure,
        by=caseworker_getlost,
        article="admin_no_show",
        during_mobilisation=True,
        absence_start=None,
        esummons_placed_on=date(2026, 3, 1),
        procedural_stage="none",
        wanted_level="none",
        exit_ban=False,
        passport_confiscated=False,
        details="",
    )
    deadline.refresh_from_db()
    assert due_of(deadline) == date(2026, 3, 8)


def test_a_future_placing_date_is_refused(case_getlost, caseworker_getlost):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.exposure_add(
            case=case_getlost,
            by=caseworker_getlost,
            article="admin_no_show",
            during_mobilisation=True,
            absence_start=None,
            esummons_placed_on=date(2999, 1, 1),
            procedural_stage="none",
            wanted_level="none",
            exit_ban=False,
            passport_confiscated=False,
            details="",
        )
    assert not LegalExposure.objects.exists()
