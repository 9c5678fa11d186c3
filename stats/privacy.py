"""Optional differential-privacy mode (WAYPOINT_STATS_DP_EPSILON_MILLI > 0), built on OpenDP
(optional dependency group ``dp``).

When a table's version is computed (once per period, once per snapshot: stats.services), each
view's true counts get discrete Laplace noise from OpenDP's ``make_laplace`` over the vector
of the table's cells, with scale = sensitivity / ε:

* additive tables: a case (or incident) is in one cell, so the L1 sensitivity of the cell
  vector is 1 (add or remove one record); totals are sums of the noisy cells;
* non-additive tables (a case in several cells, at most once per cell): sensitivity is the
  number of cells, the honest worst case.

Incident tables protect incidents, not people (event-level privacy): a case with several
crisis incidents counts several times. Stated here because the page cannot say it all.

The noise is drawn once and frozen with the published table: reloading a page or carrying a
period into the next release spends nothing and cannot average the noise away. What one
person's data can cost in a release: ε for each table with a new version holding them — a
person is in one period of each periodic table (periods are disjoint), and in the snapshot —
times two views (all organisations, and their own organisation's). Releases of one calendar
month share a budget; a release that would exceed it is not published. Noisy counts then go
through the same suppression, disclosure control and rounding as in the default mode.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

MICRO = 1_000_000
VIEWS_PER_PERSON = 2  # all organisations, and the person's own organisation


def enabled() -> bool:
    return settings.WAYPOINT_STATS_DP_EPSILON_MILLI > 0


def epsilon() -> float:
    return settings.WAYPOINT_STATS_DP_EPSILON_MILLI / 1000


def budget() -> float:
    return settings.WAYPOINT_STATS_DP_BUDGET_MILLI / 1000


def settings_summary() -> dict[str, float]:
    return {"epsilon": epsilon(), "budget": budget()}


def spent(month: date) -> float:
    """ε per person spent by the releases created in that calendar month. One query."""
    from stats.models import Release

    total = Release.objects.filter(
        created_at__year=month.year, created_at__month=month.month
    ).aggregate(s=Sum("spent_micro"))["s"]
    return (total or 0) / MICRO


def spent_by(*, groups: list[str]) -> int | None:
    """ε (in millionths) one person's data can cost in a release that publishes new versions
    of ``groups``; None when the mode is off."""
    if not enabled():
        return None
    from stats.breakdowns import tables_of

    tables = sum(len(tables_of(group)) for group in groups)
    return round(epsilon() * MICRO) * tables * VIEWS_PER_PERSON


def affordable(*, groups: list[str]) -> bool:
    """Whether a release publishing ``groups`` fits in this month's budget."""
    if not enabled():
        return True
    cost = (spent_by(groups=groups) or 0) / MICRO
    return spent(timezone.now().date()) + cost <= budget() + 1e-9


def laplace(values: list[int], *, sensitivity: int, eps: float) -> list[int]:
    """Discrete Laplace noise on each value (OpenDP), calibrated so the release of the whole
    vector is ``eps``-differentially private for the given L1 sensitivity."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    measurement = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=sensitivity / eps
    )
    # OpenDP's own accounting must agree with ours, or the stated ε would be wrong.
    if measurement.map(sensitivity) > eps * (1 + 1e-9):
        raise AssertionError("noise scale does not give the configured epsilon")
    return list(measurement(list(values)))
