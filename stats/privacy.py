"""Optional differential-privacy mode (WAYPOINT_STATS_DP_EPSILON_MILLI > 0), built on OpenDP
(optional dependency group ``dp``).

Each table's true counts get discrete Laplace noise from OpenDP's ``make_laplace`` over a
vector of integers, with scale = sensitivity / ε:

* additive tables: a case (or incident) is in one cell, so the L1 sensitivity of the cell
  vector is 1 (add or remove one record); totals are sums of the noisy cells (post-processing
  costs nothing);
* non-additive tables (a case in several cells, at most once per cell): sensitivity is the
  number of cells, the honest worst case.

Incident tables protect incidents, not people (event-level privacy): a case with several
crisis incidents counts several times. Stated here because the page cannot say it all.

A table is released once per calendar month and scope and kept (NoisyRelease): reloading a
page neither spends budget again nor lets the noise be averaged away. Every release spends its
ε against a per-month budget shared by all tables and scopes (a person is in many tables: ε
add up); when the budget is spent, tables without a release this month are not shown. Noisy
counts then go through the same suppression and rounding as in the default mode.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from audit.services import record
from casework.models import this_month
from stats.breakdowns import Breakdown
from stats.models import NoisyRelease

MICRO = 1_000_000


def enabled() -> bool:
    return settings.WAYPOINT_STATS_DP_EPSILON_MILLI > 0


def epsilon() -> float:
    return settings.WAYPOINT_STATS_DP_EPSILON_MILLI / 1000


def budget() -> float:
    return settings.WAYPOINT_STATS_DP_BUDGET_MILLI / 1000


def settings_summary() -> dict[str, float]:
    return {"epsilon": epsilon(), "budget": budget()}


def spent(month: date) -> float:
    """ε spent by the releases of that calendar month. One query."""
    total = NoisyRelease.objects.filter(budget_month=month).aggregate(s=Sum("epsilon_micro"))["s"]
    return (total or 0) / MICRO


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


def noisy_matrix(
    *,
    breakdown: Breakdown,
    scope_code: str,
    year: int,
    row_keys: list[str],
    col_keys: list[str],
    matrix: list[list[int]],
) -> tuple[list[str], list[str], list[list[int]], float] | None:
    """This month's noisy release of the table (creating it, and spending ε, if there is none
    yet), as (row keys, column keys, counts, ε); None when the month's budget is spent."""
    month = this_month()
    eps = epsilon()
    with transaction.atomic():
        existing = NoisyRelease.objects.filter(
            scope=scope_code, breakdown=breakdown.code, year=year, budget_month=month
        ).first()
        if existing is not None:
            data = existing.counts
            return data["rows"], data["cols"], data["counts"], existing.epsilon_micro / MICRO
        # Serialise budget checks: two requests must not both spend the last of it.
        list(NoisyRelease.objects.select_for_update().filter(budget_month=month).values_list("pk"))
        if spent(month) + eps > budget() + 1e-9:
            return None
        cells = [n for row in matrix for n in row]
        sensitivity = 1 if breakdown.additive else max(len(cells), 1)
        noisy = [max(0, n) for n in laplace(cells, sensitivity=sensitivity, eps=eps)]
        width = len(col_keys)
        counts = [noisy[i * width : (i + 1) * width] for i in range(len(row_keys))]
        NoisyRelease.objects.create(
            scope=scope_code,
            breakdown=breakdown.code,
            year=year,
            budget_month=month,
            epsilon_micro=round(eps * MICRO),
            counts={"rows": row_keys, "cols": col_keys, "counts": counts},
        )
        # The spend is part of the record: ε in millionths, the table's code, no numbers.
        record("stats.dp_released", actor=None, section=breakdown.code, count=round(eps * MICRO))
    return row_keys, col_keys, counts, eps
