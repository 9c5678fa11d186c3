"""Issue 14, item 3: dates derived from sealed data are sealed; clear columns carry at most
the month.

The case of the issue: an absence from 1 October 2026 (sealed, legal) gives the art. 337
thresholds of 4 and 12 October and 2 November; a consulate appointment on 28 December (sealed,
location) and a stay that expires on 15 January 2027 (sealed, location) give deadlines on those
days; a caseworker enters by hand a deadline for 17 December. None of these days may be read
from a dump of the database, nor from the reminders the scan leaves behind. (The absence
itself starts on a first of a month, so it is its own month: months are allowed in clear.)
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.db import connection

from casework import services as casework_services
from casework.models import Article, Country, LegalBasis
from deadlines import services
from deadlines.models import Deadline, DeadlineKind, DeadlineSource, ReminderClaim
from evacuation import services as evacuation_services
from evacuation.models import VisaRoute
from tests.casework.test_marker import raw_database_dump
from tests.deadlines.conftest import due_of

pytestmark = pytest.mark.django_db(transaction=True)

NOW = "2026-11-20 09:00:00+00:00"
ABSENCE_START = date(2026, 10, 1)
THRESHOLDS = [date(2026, 10, 4), date(2026, 10, 12), date(2026, 11, 2)]
APPOINTMENT = date(2026, 12, 28)
STAY_EXPIRES = date(2027, 1, 15)
BY_HAND = date(2026, 12, 17)
SEALED_DAYS = [*THRESHOLDS, APPOINTMENT, STAY_EXPIRES, BY_HAND]


def the_case_of_the_issue(open_case, by):
    case = open_case(by=by)
    casework_services.exposure_add(
        case=case,
        by=by,
        article=Article.A337_5,
        during_mobilisation=True,
        absence_start=ABSENCE_START,
        procedural_stage="none",
        wanted_level="none",
        exit_ban=False,
        passport_confiscated=False,
        details="",
    )
    casework_services.case_verify(case=case, by=by)
    casework_services.location_update(
        case=case,
        by=by,
        country=Country.objects.get(pk="KZ"),
        legal_basis=LegalBasis.VISA_FREE,
        region="",
        stay_expires=STAY_EXPIRES,
        route_notes="",
    )
    evacuation_services.visa_save(
        case=case,
        by=by,
        route=VisaRoute.FR_HUMANITARIAN,
        destination="FR",
        appointment_on=APPOINTMENT,
    )
    services.deadline_create(
        case=case,
        by=by,
        kind=DeadlineKind.objects.get(code="consulate_appointment"),
        due_date=BY_HAND,
        note="",
    )
    return case


def test_no_sealed_day_can_be_read_from_a_dump_of_the_database(open_case, caseworker_getlost):
    with time_machine.travel(NOW, tick=False):
        case = the_case_of_the_issue(open_case, caseworker_getlost)
    deadlines = Deadline.objects.filter(case=case).order_by("due_month", "id")
    # The deadlines are there, and their days open through the envelope.
    assert sorted(due_of(d) for d in deadlines) == sorted(SEALED_DAYS)
    assert {d.source for d in deadlines} == {
        DeadlineSource.ART_337,
        DeadlineSource.TRANSIT_STAY,
        DeadlineSource.VISA,
        DeadlineSource.MANUAL,
    }
    dump = raw_database_dump()
    assert b"COPY public.deadlines_deadline" in dump or connection.vendor != "postgresql"
    for day in SEALED_DAYS:
        assert day.isoformat().encode() not in dump, day
    # What stays in clear is the month.
    assert {d.due_month for d in deadlines} == {day.replace(day=1) for day in SEALED_DAYS}


def test_each_day_is_sealed_in_the_section_of_the_date_it_comes_from(open_case, caseworker_getlost):
    with time_machine.travel(NOW, tick=False):
        case = the_case_of_the_issue(open_case, caseworker_getlost)
    sections = {
        (d.source, d.kind.code): d.due_section
        for d in Deadline.objects.filter(case=case).select_related("kind")
    }
    assert sections == {
        (DeadlineSource.ART_337, "art337_threshold"): "legal",
        (DeadlineSource.TRANSIT_STAY, "transit_stay_limit"): "location",
        (DeadlineSource.VISA, "consulate_appointment"): "location",
        (DeadlineSource.MANUAL, "consulate_appointment"): "notes",
    }


def deadline_rows_in_clear(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - ours
        return cursor.fetchall()


def test_the_reminders_of_a_deadline_do_not_tell_its_day(open_case, caseworker_getlost):
    with time_machine.travel(NOW, tick=False):
        case = the_case_of_the_issue(open_case, caseworker_getlost)
    appointment = Deadline.objects.get(case=case, source=DeadlineSource.VISA)
    # Every day of the appointment's reminder windows (14, 7, 3, 1 and 0 days before).
    for day in (14, 21, 25, 27, 28):
        with time_machine.travel(f"2026-12-{day} 09:00:00+00:00", tick=False):
            services.reminders_scan()
    offsets = ReminderClaim.objects.filter(deadline=appointment).values_list("offset", flat=True)
    assert sorted(offsets) == [0, 1, 3, 7, 14]
    # A claim or a notification made on the day a window opens would give the due date
    # (its day plus its offset): the rows that name a deadline keep no day at all.
    for table in ("deadlines_reminderclaim", "deadlines_notification"):
        rows = deadline_rows_in_clear(table)
        assert rows, table
        for row in rows:
            for value in row:
                if isinstance(value, datetime | date):
                    assert value.day == 1, (table, value)
