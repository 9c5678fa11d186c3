"""The statistics pages: the dashboard (the latest release), the list of releases with the
method, and the CSVs. GET only: nothing changes but the audit log (a download is recorded)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from audit.services import record
from stats import privacy, selectors
from stats.render import HIDDEN_NOTE, csv_text, small_text
from stats.selectors import Scope, StatsForbidden

NOT_FOR_ROLE = _("Statistics are open to coordinators and organisation admins only.")
NOTHING_YET = _(
    "No statistics are published yet: a release is published once a month has passed the "
    "publication delay."
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


def _year(request: HttpRequest, years: list[int]) -> int | None:
    """The chosen year; one not on offer is a 404: periods are predefined, not free filters."""
    raw = request.GET.get("year")
    if raw is None:
        return years[0] if years else None
    if raw.isdigit() and int(raw) in years:
        return int(raw)
    raise Http404


def _method(release) -> dict:
    return {
        "k": release.k,
        "small": small_text(release.k),
        "base": release.base,
        "delay": release.delay_days,
        "hidden_note": HIDDEN_NOTE,
        "epsilon": release.epsilon_micro / privacy.MICRO if release.epsilon_micro else None,
        "spent": release.spent_micro / privacy.MICRO if release.spent_micro else None,
        "budget": privacy.budget(),
    }


@require_http_methods(["GET", "HEAD"])
@stats_view
def dashboard(request: HttpRequest, *, scope: Scope) -> HttpResponse:
    release = selectors.latest_release()
    years = selectors.years_available(release, scope) if release else []
    year = _year(request, years)
    tables = selectors.release_tables(release=release, scope=scope, year=year) if release else []
    return render(
        request,
        "stats/dashboard.html",
        {
            "scope": scope,
            "release": release,
            "method": _method(release) if release else None,
            "years": years,
            "year": year,
            "tables": tables,
            "nothing_yet": NOTHING_YET,
        },
    )


@require_http_methods(["GET", "HEAD"])
@stats_view
def releases(request: HttpRequest, *, scope: Scope) -> HttpResponse:
    summaries = selectors.release_summaries(scope)
    return render(
        request,
        "stats/releases.html",
        {
            "scope": scope,
            "summaries": [(s, _method(s.release)) for s in summaries],
            "nothing_yet": NOTHING_YET,
        },
    )


def _csv_response(body: str, name: str) -> HttpResponse:
    response = HttpResponse(body.encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "HEAD"])
@stats_view
def release_csv(request: HttpRequest, number: int, *, scope: Scope) -> HttpResponse:
    """The whole release as one long CSV. Audited."""
    release = selectors.release_numbered(number)
    lines = selectors.release_long_csv(release=release, scope=scope)
    if len(lines) < 2:
        raise Http404
    record(
        "stats.exported",
        actor=request.user,
        org=scope.organisation,
        section=f"release-{number}",
        count=len(lines) - 1,
        target_org=scope.code,
    )
    return _csv_response(csv_text(lines), f"waypoint-release-{number}.csv")


@require_http_methods(["GET", "HEAD"])
@stats_view
def table_csv(
    request: HttpRequest, number: int, code: str, period: str, *, scope: Scope
) -> HttpResponse:
    """One table of one period as published, byte for byte. Audited."""
    release = selectors.release_numbered(number)
    body, lines = selectors.table_csv(release=release, scope=scope, code=code, period=period)
    record(
        "stats.exported",
        actor=request.user,
        org=scope.organisation,
        section=code,
        count=lines,
        target_org=scope.code,
    )
    return _csv_response(body, f"waypoint-{number}-{code}-{period}.csv")
