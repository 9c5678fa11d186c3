"""stats.counting: every attribute as of the cut-off, from the history, in SQL.

Cases are made by tests/stats/conftest.make_cases with the history the services write; later
changes are written the way the services write them (casework.services.history.track and a
CaseStatusChange), in the month the clock says.
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from casework.models import Case, CaseStatusChange, LegalExposure
from casework.services.history import track, track_exposure
from stats import counting
from stats.breakdowns import Stage, stage_of
from tests.stats.conftest import make_cases

pytestmark = pytest.mark.django_db
SEP, OCT = date(2026, 9, 1), date(2026, 10, 1)


@pytest.fixture
def org(caseworker_getlost, countries):
    return caseworker_getlost.memberships.get().organisation


def flat(atoms) -> dict[tuple, int]:
    return {
        (period, *key): n for (_org, period), cells in atoms.items() for key, n in cells.items()
    }


def in_month(month: date):
    return time_machine.travel(month.replace(day=10).isoformat() + " 12:00:00+00:00", tick=False)


def test_a_category_changed_after_the_cut_off_counts_as_it_was(org):
    cases = make_cases(org, 3, opened=SEP, legal_category="deserter")
    with in_month(OCT):
        Case.objects.filter(pk=cases[0].pk).update(legal_category="surrendered")
        track(cases[0], legal_category="surrendered")
    assert flat(counting.opened(SEP, [SEP]))[("2026-09", "requests", "deserter", "")] == 3
    later = flat(counting.opened(OCT, [SEP]))
    assert later[("2026-09", "requests", "deserter", "")] == 2
    assert later[("2026-09", "requests", "surrendered", "")] == 1


def test_occupied_ukraine_is_a_legal_category_of_its_own(org):
    make_cases(org, 2, opened=SEP, legal_category="occupied_ukraine")
    assert flat(counting.opened(SEP, [SEP])) == {
        ("2026-09", "requests", "occupied_ukraine", ""): 2,
        ("2026-09", "service", "mobilised", ""): 2,
    }


def test_a_crisis_counts_in_the_country_of_its_month(org):
    case = make_cases(org, 1, opened=date(2026, 7, 1), status="in_transit", country="KZ")[0]
    with in_month(SEP):
        CaseStatusChange.objects.create(case=case, to_status="detained_abroad")
    with in_month(OCT):
        track(case, country="TR")
    atoms = flat(counting.crisis(OCT, [date(2026, 7, 1), date(2026, 8, 1), SEP]))
    assert atoms == {
        ("2026-Q3", "crisis_quarter", "detained_abroad", ""): 1,
        ("2026-Q3", "crisis_country", "KZ", ""): 1,
    }


def test_exposures_count_as_recorded_at_the_cut_off(org):
    case = make_cases(org, 1, opened=SEP, article="337.5", stage="case_opened")[0]
    exposure = LegalExposure.objects.get(case=case)
    with in_month(OCT):
        exposure.procedural_stage = "convicted"
        exposure.save()
        track_exposure(exposure)
        added = LegalExposure.objects.create(case=case, article="338")
        track_exposure(added)
    assert flat(counting.exposures(SEP, [SEP])) == {
        ("2026-Q3", "exposure", "337.5", "case_opened"): 1,
        ("2026-Q3", "wanted", "none", ""): 1,
    }
    later = flat(counting.exposures(OCT, [SEP]))
    assert later[("2026-Q3", "exposure", "337.5", "convicted")] == 1
    assert later[("2026-Q3", "exposure", "338", "none")] == 1
    assert later[("2026-Q3", "wanted", "none", "")] == 1  # one case, counted once


def test_the_funnel_places_people_by_where_they_are():
    assert stage_of("intake", "KZ") == Stage.ABROAD  # not "still in Russia" for its status
    assert stage_of("triage", "RU") == Stage.IN_RUSSIA
    assert stage_of("verification_pending", "") == Stage.UNKNOWN
    assert stage_of("lawyer_review", "TR") == Stage.VISA
    assert stage_of("lawyer_review", "RU") == Stage.IN_RUSSIA
    assert stage_of("detained_in_russia", "RU") == Stage.CRISIS
    assert stage_of("protected", "DE") == Stage.PROTECTED
    assert stage_of("closed", "DE") == Stage.ENDED


def test_the_snapshot_counts_verified_people_and_keeps_unverified_contacts_apart(org):
    make_cases(org, 4, opened=SEP, status="intake", country="KZ")
    make_cases(org, 2, opened=SEP, status="intake", country="RU")
    make_cases(org, 3, opened=SEP, status="intake", country="KZ", verified=False)
    make_cases(org, 1, opened=SEP, status="closed", country="KZ", verified=False)
    late = make_cases(org, 1, opened=SEP, status="intake", country="GE", verified=False)[0]
    Case.objects.filter(pk=late.pk).update(verified_month=OCT)  # verified after the cut-off
    atoms = flat(counting.snapshot(SEP, "2026-09"))
    assert atoms == {
        ("2026-09", "outcome", Stage.ABROAD, ""): 4,
        ("2026-09", "outcome", Stage.IN_RUSSIA, ""): 2,
        ("2026-09", "countries", "KZ", ""): 4,
        ("2026-09", "countries", "RU", ""): 2,
        ("2026-09", "backlog", "0-2", ""): 6,
        ("2026-09", "unverified", "unverified", ""): 4,  # the closed one is not open
    }
    assert flat(counting.snapshot(OCT, "2026-10"))[("2026-10", "countries", "GE", "")] == 1


def test_a_status_and_a_move_after_the_cut_off_are_not_in_its_snapshot(org):
    cases = make_cases(org, 2, opened=date(2026, 1, 1), status="in_transit", country="KZ")
    with in_month(OCT):
        CaseStatusChange.objects.create(case=cases[0], to_status="closed")
        track(cases[1], country="TR")
    before = flat(counting.snapshot(SEP, "2026-09"))
    assert before[("2026-09", "countries", "KZ", "")] == 2
    assert before[("2026-09", "backlog", "6-11", "")] == 2  # 8 months old at the cut-off
    after = flat(counting.snapshot(OCT, "2026-10"))
    assert after[("2026-10", "countries", "TR", "")] == 1
    assert ("2026-10", "countries", "KZ", "") not in after
    assert after[("2026-10", "outcome", Stage.ENDED, "")] == 1
