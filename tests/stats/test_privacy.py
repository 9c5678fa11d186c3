"""Differential-privacy mode (OpenDP): noise, its calibration, noise frozen with the published
tables, and the budget per person and month."""

from __future__ import annotations

import math
from datetime import date

import pytest
from django.urls import reverse

from stats import privacy
from stats.models import GroupVersion, Release
from tests.stats.conftest import publish_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def dp_on(settings):
    settings.WAYPOINT_STATS_DP_EPSILON_MILLI = 500  # ε = 0.5 per table
    # A release of all 11 tables costs one person 11 x 2 views x 0.5 = 11.0.
    settings.WAYPOINT_STATS_DP_BUDGET_MILLI = 12000
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


def test_published_counts_differ_from_the_true_counts_and_the_noise_is_frozen(
    dp_on, stats_data, settings
):
    release = publish_on("2026-11-25")
    version = GroupVersion.objects.get(release=release, group="opened", period="2026-03")
    assert version.noisy
    table = release.tables.get(scope="all", breakdown="service", period="2026-03")
    true = {"mobilised": 40, "officer": 30}
    shown = {row: table.data["cells"][i][0] for i, row in enumerate(table.data["rows"])}
    # Noise of scale 2 on 10 cells (P(no noise at all) < 1e-6): some differ from the truth,
    # none by very much.
    assert any(shown[k] != true.get(k, 0) for k in shown)
    assert sum(abs(shown[k] - true.get(k, 0)) for k in shown) < 10 * 12
    settings.WAYPOINT_STATS_DP_BUDGET_MILLI = 50000
    again = publish_on("2026-11-30")
    assert again.tables.get(scope="all", breakdown="service", period="2026-03") == table


def test_each_release_records_epsilon_and_what_one_person_may_cost(dp_on, stats_data):
    release = publish_on("2026-11-25")
    assert release.epsilon_micro == 500_000
    assert release.spent_micro == 11 * 2 * 500_000
    assert privacy.spent(date(2026, 11, 1)) == 11.0


def test_when_the_months_budget_is_spent_no_release_is_published(dp_on, stats_data, settings):
    publish_on("2026-11-25")
    # The next release would spend as much again: over the month's budget.
    assert publish_on("2026-11-30") is None
    assert Release.objects.count() == 1
    settings.WAYPOINT_STATS_DP_BUDGET_MILLI = 50000
    assert publish_on("2026-11-30").number == 2


def test_the_pages_state_epsilon(dp_on, stats_data, signed_in, coordinator):
    publish_on("2026-11-25")
    client = signed_in(coordinator)
    for url in (reverse("stats:dashboard"), reverse("stats:releases")):
        body = client.get(url).content.decode()
        assert "ε = 0.5" in body and "ε = 11.0" in body and "ε = 12.0" in body
