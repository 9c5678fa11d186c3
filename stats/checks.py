"""System checks for the statistics' disclosure settings: a mistake here publishes people."""

from __future__ import annotations

import importlib.util

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_disclosure_settings(app_configs, **kwargs):
    errors = []
    if settings.WAYPOINT_STATS_K < 2:
        errors.append(
            Error(
                "WAYPOINT_STATS_K below 2 publishes single people.",
                hint="Use the default of 10, or at least 5.",
                id="stats.E001",
            )
        )
    if settings.WAYPOINT_STATS_ROUNDING < 1:
        errors.append(Error("WAYPOINT_STATS_ROUNDING must be 1 or more.", id="stats.E002"))
    if settings.WAYPOINT_STATS_DELAY_DAYS < 0:
        errors.append(Error("WAYPOINT_STATS_DELAY_DAYS cannot be negative.", id="stats.E003"))
    if settings.WAYPOINT_STATS_DP_EPSILON_MILLI < 0 or settings.WAYPOINT_STATS_DP_BUDGET_MILLI < 0:
        errors.append(Error("The privacy budget settings cannot be negative.", id="stats.E004"))
    if settings.WAYPOINT_STATS_DP_EPSILON_MILLI > 0 and importlib.util.find_spec("opendp") is None:
        errors.append(
            Error(
                "Differential privacy is on, but OpenDP is not installed.",
                hint='Install the optional dependency group "dp" (opendp).',
                id="stats.E005",
            )
        )
    return errors
