"""Writes of the stats app: refreshing the summary table (and, in differential-privacy mode,
releasing noisy tables, stats.privacy)."""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import record
from stats.breakdowns import BREAKDOWNS, EXTRA_AGGREGATES
from stats.models import Refresh, SummaryCount


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def published_until(today: date | None = None) -> date:
    """The last month that may be published: one whose last day is at least the publication
    delay (WAYPOINT_STATS_DELAY_DAYS) before ``today``. Returns the first of that month."""
    today = today or timezone.now().date()
    month = today.replace(day=1)
    while (
        add_months(month, 1)
        - timedelta(days=1)
        + timedelta(days=settings.WAYPOINT_STATS_DELAY_DAYS)
        > today
    ):
        month = add_months(month, -1)
    return month


def summary_refresh() -> Refresh:
    """Recomputes the whole summary table from the case tables, in one transaction (readers
    see the old table or the new one). One GROUP BY query per breakdown; rows for months
    still under the publication delay are never written."""
    started = timezone.now()
    clock = time.perf_counter()
    until = published_until(started.date())
    aggregates = [(b.code, b.aggregate) for b in BREAKDOWNS] + list(EXTRA_AGGREGATES.items())
    with transaction.atomic():
        SummaryCount.objects.all().delete()
        rows = 0
        for code, aggregate in aggregates:
            batch = [
                SummaryCount(
                    organisation_id=org, breakdown=code, month=month, key=key, key2=key2, count=n
                )
                for org, month, key, key2, n in aggregate()
                if month is not None and month <= until and n
            ]
            SummaryCount.objects.bulk_create(batch, batch_size=2000)
            rows += len(batch)
        refresh = Refresh.objects.create(
            started_at=started,
            finished_at=timezone.now(),
            published_until=until,
            rows=rows,
            duration_ms=int((time.perf_counter() - clock) * 1000),
        )
        record("stats.refreshed", actor=None, count=rows)
    return refresh
