"""The statistics pages: the dashboard and the CSV of each table. GET only: nothing changes
but the audit log (an export is recorded)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from audit.services import record
from stats import privacy, selectors
from stats.breakdowns import BY_CODE
from stats.selectors import Scope, StatsForbidden

NOT_FOR_ROLE = _("Statistics are open to coordinators and organisation admins only.")
NOTHING_YET = _(
    "No statistics are published yet: the summary is refreshed every night, and the most "
    "recent weeks are held back."
)


def stats_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """404 without an organisation, 403 for roles without statistics; the view gets ``scope``."""

    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            scope = selectors.scope_for(request)
        except StatsForbidden:
            return render(request, "stats/refused.html", {"message": NOT_FOR_ROLE}, status=403)
        return view(request, *args, scope=scope, **kwargs)

    return wrapped


def _period(request: AuthenticatedHttpRequest, scope: Scope):
    """The latest refresh, its publication month, the years on offer and the chosen year.
    A year that is not on offer is a 404: periods are predefined, not free filters."""
    refresh = selectors.latest_refresh()
    if refresh is None:
        return None, None, [], None
    until = refresh.published_until
    years = selectors.years_available(scope=scope, until=until)
    raw = request.GET.get("year")
    if raw is None:
        year = years[0] if years else None
    elif raw.isdigit() and int(raw) in years:
        year = int(raw)
    else:
        raise Http404
    return refresh, until, years, year


@require_http_methods(["GET", "HEAD"])
@stats_view
def dashboard(request: AuthenticatedHttpRequest, *, scope: Scope) -> HttpResponse:
    refresh, until, years, year = _period(request, scope)
    tables = selectors.dashboard_tables(scope=scope, year=year, until=until) if until else []
    return render(
        request,
        "stats/dashboard.html",
        {
            "scope": scope,
            "k": settings.WAYPOINT_STATS_K,
            "base": settings.WAYPOINT_STATS_ROUNDING,
            "refresh": refresh,
            "until": until,
            "years": years,
            "year": year,
            "tables": tables,
            "caseload": selectors.caseload_ratio(scope=scope, until=until) if until else None,
            "nothing_yet": NOTHING_YET,
            "dp": privacy.settings_summary() if privacy.enabled() else None,
        },
    )


@require_http_methods(["GET", "HEAD"])
@stats_view
def export_csv(request: AuthenticatedHttpRequest, code: str, *, scope: Scope) -> HttpResponse:
    """One table as CSV, cell for cell as the page shows it (already protected). Audited."""
    breakdown = BY_CODE.get(code)
    if breakdown is None:
        raise Http404
    refresh, until, years, year = _period(request, scope)
    if until is None:
        raise Http404
    table = selectors.build_table(breakdown, scope=scope, year=year, until=until)
    if table is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"waypoint-{code}-{year}.csv" if breakdown.periodic else f"waypoint-{code}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    for line in table.lines():
        writer.writerow(line)
    record(
        "stats.exported",
        actor=request.user,
        org=scope.organisation,
        section=code,
        count=len(table.rows),
        target_org=scope.code,
    )
    return response
