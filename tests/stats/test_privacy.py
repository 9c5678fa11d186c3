"""Differential-privacy mode (OpenDP): noise, its calibration, and the budget."""

from __future__ import annotations

import math
from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from stats import privacy
from stats.breakdowns import BY_CODE
from stats.models import NoisyRelease
from stats.selectors import Scope, _true_counts, build_table
from stats.services import summary_refresh

pytestmark = pytest.mark.django_db

UNTIL = date(2026, 9, 1)


@pytest.fixture
def dp_on(settings):
    settings.WAYPOINT_STATS_DP_EPSILON_MILLI = 500  # ε = 0.5 per table
    settings.WAYPOINT_STATS_DP_BUDGET_MILLI = 3000  # 3.0 per month
    # Noise alone is the protection being measured here: no threshold, no rounding.
    settings.WAYPOINT_STATS_K = 0
    settings.WAYPOINT_STATS_ROUNDING = 1


def test_noise_matches_the_configured_epsilon_over_many_draws():
    """Discrete Laplace with scale 1/ε: P(0) = (1 - e^-ε) / (1 + e^-ε), and
    P(X = x) / P(X = x + 1) = e^ε; variance 2e^-ε / (1 - e^-ε)^2."""
    eps, draws = 0.5, 40_000
    noise = privacy.laplace([0] * draws, sensitivity=1, eps=eps)
    q = math.exp(-eps)
    p0 = noise.count(0) / draws
    expected_p0 = (1 - q) / (1 + q)
    assert abs(p0 - expected_p0) < 4 * math.sqrt(expected_p0 * (1 - expected_p0) / draws)
    ratio = noise.count(0) / noise.count(1)
    assert abs(math.log(ratio) - eps) < 0.1
    variance = sum(x * x for x in noise) / draws
    assert abs(variance / (2 * q / (1 - q) ** 2) - 1) < 0.08
    assert abs(sum(noise) / draws) < 0.1  # unbiased


def test_twice_the_sensitivity_gets_twice_the_noise():
    eps, draws = 1.0, 20_000
    small = privacy.laplace([0] * draws, sensitivity=1, eps=eps)
    large = privacy.laplace([0] * draws, sensitivity=4, eps=eps)
    ratio = sum(map(abs, large)) / sum(map(abs, small))
    assert 3.0 < ratio < 5.5


def test_published_counts_differ_from_the_true_counts(dp_on, stats_data):
    summary_refresh()
    scope = Scope(None)
    breakdown = BY_CODE["requests"]
    *_keys, true, _rl, _cl = _true_counts(breakdown, scope=scope, year=2026, until=UNTIL)
    table = build_table(breakdown, scope=scope, year=2026, until=UNTIL)
    shown = [[int(c) for c in row.cells] for row in table.rows]
    assert table.epsilon == 0.5
    assert shown != true
    # Noise of scale 2 on 54 cells: differences are there, but the counts stay near the truth.
    assert (
        sum(
            abs(a - b)
            for r1, r2 in zip(shown, true, strict=True)
            for a, b in zip(r1, r2, strict=True)
        )
        < 54 * 12
    )


def test_each_release_is_recorded_and_spends_its_epsilon_once(dp_on, stats_data):
    summary_refresh()
    scope = Scope(None)
    first = build_table(BY_CODE["service"], scope=scope, year=2026, until=UNTIL)
    again = build_table(BY_CODE["service"], scope=scope, year=2026, until=UNTIL)
    assert first.lines() == again.lines()  # same release: no averaging the noise away
    release = NoisyRelease.objects.get()
    assert release.epsilon_micro == 500_000
    assert release.budget_month == date(2026, 11, 1)
    assert privacy.spent(date(2026, 11, 1)) == 0.5
    event = AuditEvent.objects.get(action="stats.dp_released")
    assert event.data == {"count": 500_000, "section": "service"}


def test_when_the_months_budget_is_spent_no_new_table_is_released(dp_on, stats_data):
    summary_refresh()
    scope = Scope(None)
    released = [build_table(b, scope=scope, year=2026, until=UNTIL) for b in BY_CODE.values()]
    assert sum(t is not None for t in released) == 6  # 6 x 0.5 = the budget of 3.0
    assert privacy.spent(date(2026, 11, 1)) == 3.0
    assert NoisyRelease.objects.count() == 6


def test_the_page_states_epsilon(dp_on, stats_data, signed_in, coordinator):
    summary_refresh()
    body = signed_in(coordinator).get(reverse("stats:dashboard")).content.decode()
    assert "ε = 0.5" in body
    assert "ε = 3.0" in body
