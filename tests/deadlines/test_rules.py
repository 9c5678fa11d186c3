from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from casework.legal import absence_part
from casework.models import Article
from deadlines.rules import StayRule, art337_thresholds, last_allowed_day, stays_in

KZ = StayRule(90, 180)  # Kazakhstan, as seeded


@pytest.mark.parametrize(
    "start",
    [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2024, 1, 30),
        date(2026, 12, 25),
        date(2026, 3, 31),
    ],
)
def test_art337_thresholds_match_the_part_casework_computes_on_that_day(start):
    for part, first_day in art337_thresholds(absence_start=start):
        assert absence_part(absence_start=start, today=first_day) == part
        assert absence_part(absence_start=start, today=first_day - timedelta(days=1)) != part


def test_art337_month_threshold_across_february():
    # Absent from 31 January: "over a month" is after 28 February (one month on, clamped).
    thresholds = dict(art337_thresholds(absence_start=date(2026, 1, 31)))
    assert thresholds[Article.A337_2_1] == date(2026, 2, 3)
    assert thresholds[Article.A337_3_1] == date(2026, 2, 11)
    assert thresholds[Article.A337_5] == date(2026, 3, 1)


def test_art337_thresholds_use_the_peacetime_parts_outside_mobilisation():
    parts = [p for p, _ in art337_thresholds(absence_start=date(2026, 5, 1), mobilisation=False)]
    assert parts == [Article.A337_1, Article.A337_3, Article.A337_4]


def test_a_first_stay_in_kazakhstan_ends_after_90_days_counting_the_entry_day():
    assert last_allowed_day(stays=[(date(2026, 1, 1), None)], rule=KZ) == date(2026, 3, 31)


def test_ninety_in_180_counts_an_earlier_stay_across_a_month_end():
    # 31 Oct - 29 Nov (30 days), then back on 30 Jan: 60 days left within the window.
    stays = [(date(2025, 10, 31), date(2025, 11, 29)), (date(2026, 1, 30), None)]
    last = last_allowed_day(stays=stays, rule=KZ)
    assert last == date(2026, 3, 30)
    window = [last - timedelta(days=179), last]
    present = sum(
        (min(e or last, window[1]) - max(s, window[0])).days + 1
        for s, e in stays
        if (e or last) >= window[0]
    )
    assert present == 90


def test_an_old_stay_outside_the_window_no_longer_counts():
    stays = [(date(2025, 1, 1), date(2025, 3, 31)), (date(2026, 2, 27), None)]
    assert last_allowed_day(stays=stays, rule=KZ) == date(2026, 2, 27) + timedelta(days=89)


def test_a_stay_rule_needs_an_ongoing_last_stay():
    with pytest.raises(ValueError, match="ongoing"):
        last_allowed_day(stays=[(date(2026, 1, 1), date(2026, 1, 5))], rule=StayRule(90, 180))


@time_machine.travel("2026-01-31 23:30:00+00:00", tick=False)
def test_the_art337_deadline_is_computed_the_same_on_the_last_day_of_a_month():
    from django.utils import timezone

    today = timezone.now().date()
    first = dict(art337_thresholds(absence_start=today))[Article.A337_5]
    assert first == date(2026, 3, 1)


def test_stays_end_on_the_day_of_entry_into_another_country():
    entries = [(date(2026, 6, 1), "KZ"), (date(2026, 6, 21), "GE"), (date(2026, 10, 5), "KZ")]
    stays = stays_in(country="KZ", entries=entries, current=date(2026, 9, 18))
    # A crossing after the current entry does not count; the June stay ends in Georgia.
    assert stays == [(date(2026, 6, 1), date(2026, 6, 21)), (date(2026, 9, 18), None)]


def test_a_re_entry_ends_the_earlier_stay_the_day_before_at_the_latest():
    entries = [(date(2026, 6, 1), "KZ")]
    stays = stays_in(country="KZ", entries=entries, current=date(2026, 7, 1))
    assert stays == [(date(2026, 6, 1), date(2026, 6, 30)), (date(2026, 7, 1), None)]
    assert last_allowed_day(stays=stays, rule=KZ) == date(2026, 8, 29)
