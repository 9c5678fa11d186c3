"""The art. 337 article and part advance with the days absent: on the case page (with the
day each part began) and in the history statistics count."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from casework import services
from casework.legal import absence_history, current_article
from casework.models import AttributeChange, TrackedAttribute

pytestmark = pytest.mark.django_db

START = date(2026, 3, 1)


def add_absence(case, by):
    return services.exposure_add(
        case=case,
        by=by,
        article="337.2.1",
        during_mobilisation=True,
        absence_start=START,
        procedural_stage="none",
        wanted_level="none",
        exit_ban=False,
        passport_confiscated=False,
        details="",
    )


@pytest.mark.parametrize(
    ("today", "parts"),
    [
        (date(2026, 3, 3), []),
        (date(2026, 3, 4), [("337.2.1", date(2026, 3, 4))]),
        (date(2026, 3, 11), [("337.2.1", date(2026, 3, 4))]),
        (date(2026, 3, 12), [("337.2.1", date(2026, 3, 4)), ("337.3.1", date(2026, 3, 12))]),
        (
            date(2026, 4, 2),
            [
                ("337.2.1", date(2026, 3, 4)),
                ("337.3.1", date(2026, 3, 12)),
                ("337.5", date(2026, 4, 2)),
            ],
        ),
    ],
)
def test_the_history_of_parts_follows_the_thresholds(today, parts):
    assert absence_history(absence_start=START, today=today) == parts


def test_the_current_article_is_the_part_reached_for_absences_only():
    assert current_article(article="337.2.1", part="337.5") == "337.5"
    assert current_article(article="337.2.1", part="") == "337.2.1"
    assert current_article(article="338", part="337.5") == "338"


def test_the_case_page_shows_the_part_reached_and_when_each_began(
    case_getlost, caseworker_getlost, signed_in
):
    with time_machine.travel("2026-03-05 10:00Z", tick=False):
        add_absence(case_getlost, caseworker_getlost)
        page = signed_in(caseworker_getlost).get(case_getlost.get_absolute_url())
        body = page.content.decode()
    assert "<h3>Art. 337 part 2.1 (absence over 2 days, mobilisation)</h3>" in body
    assert "Recorded as" not in body
    with time_machine.travel("2026-04-15 10:00Z", tick=False):
        body = signed_in(caseworker_getlost).get(case_getlost.get_absolute_url()).content.decode()
    assert "<h3>Art. 337 part 5 (absence over a month, mobilisation)</h3>" in body
    assert "Recorded as" in body
    assert "Art. 337 part 3.1 (absence over 10 days, mobilisation) since 12 March 2026" in body
    assert "Art. 337 part 5 (absence over a month, mobilisation) since 2 April 2026" in body


def test_statistics_count_the_part_as_it_advances(case_getlost, caseworker_getlost):
    with time_machine.travel("2026-03-05 10:00Z", tick=False):
        exposure = add_absence(case_getlost, caseworker_getlost)
    with time_machine.travel("2026-03-20 03:00Z", tick=False):
        assert services.refresh_absence_parts() == 1
    with time_machine.travel("2026-04-03 03:00Z", tick=False):
        assert services.refresh_absence_parts() == 1
        assert services.refresh_absence_parts() == 0
    rows = AttributeChange.objects.filter(
        item=exposure.pk, attribute=TrackedAttribute.EXPOSURE_ARTICLE
    )
    assert list(rows.values_list("value", "changed_month")) == [
        ("337.2.1", date(2026, 3, 1)),
        ("337.3.1", date(2026, 3, 1)),
        ("337.5", date(2026, 4, 1)),
    ]
