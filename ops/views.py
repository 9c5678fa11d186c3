"""/healthz for load balancers and monitors."""

from __future__ import annotations

from celery import current_app
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods


def _broker_reachable() -> bool:
    # The project's Celery app (config/celery.py), which Celery's Django fix-up makes the
    # default in every thread; ops does not import config.
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False
    return True


def _database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def healthz(request: HttpRequest) -> HttpResponse:
    """200 "ok" when the database and the broker answer, else 503 "fail". Nothing more, to
    anyone: which part failed is for the logs and the operators."""
    healthy = _database_reachable() and _broker_reachable()
    return HttpResponse(
        "ok" if healthy else "fail",
        status=200 if healthy else 503,
        content_type="text/plain; charset=utf-8",
    )
