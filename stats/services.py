"""Writes of the stats app: releases.

* ``release_publish`` (the nightly job): once the cut-off — the end of the last month outside
  the publication delay — has moved past the latest release's, publishes the next release:
  the periods that have ended since, counted as of the new cut-off, and a snapshot of the
  world at the cut-off. Every earlier period is carried over as it was published.
* ``release_republish``: a platform admin's correction. Counts the chosen periods again from
  today's history, controls them against everything published before, and publishes them
  in a new release with the reason and what changed. Audited.

Each runs in one transaction and appends its audit event last.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.services import record
from casework.models import Case, this_month
from deadlines.models import Deadline
from stats import privacy
from stats.breakdowns import GROUPS, SNAPSHOT
from stats.models import PublishedTable, Release, ReleaseKind
from stats.periods import add_months, keys_until, last_month, month_key
from stats.store import count_group, publish_group

ERR_NOT_PLATFORM_ADMIN = _("Only a platform admin can re-publish statistics.")
ERR_NO_REASON = _("Say why the periods are published again.")
ERR_NO_RELEASE = _("Nothing has been published yet: there is nothing to re-publish.")
ERR_UNKNOWN_PERIOD = _("Choose periods that have been published.")


def published_until(today: date | None = None) -> date:
    """The last month that may be published: one whose last day is at least the publication
    delay (WAYPOINT_STATS_DELAY_DAYS) before ``today``. Returns the first of that month."""
    today = today or timezone.now().date()
    month = today.replace(day=1)
    delay = timedelta(days=settings.WAYPOINT_STATS_DELAY_DAYS)
    while add_months(month, 1) - timedelta(days=1) + delay > today:
        month = add_months(month, -1)
    return month


def _first_month() -> date | None:
    """The earliest month anything was counted in: the first case opened, or the first
    deadline due."""
    found = [
        Case.objects.aggregate(m=Min("opened_month"))["m"],
        Deadline.objects.aggregate(m=Min("due_month"))["m"],
    ]
    months = [m.replace(day=1) for m in found if m is not None]
    return min(months) if months else None


def _due(previous: Release | None, cut_off: date, first: date) -> dict[str, list[str]]:
    """Per group, the periods a release with this cut-off publishes for the first time."""
    due: dict[str, list[str]] = {}
    for code, group in GROUPS.items():
        if group.period == SNAPSHOT:
            due[code] = [month_key(cut_off)]
            continue
        keys = keys_until(first, cut_off, quarterly=group.period == "quarter")
        if previous is not None:
            keys = [key for key in keys if last_month(key) > previous.cut_off]
        due[code] = keys
    return due


def _new_release(kind: str, cut_off: date, *, by: User | None = None, reason: str = "") -> Release:
    latest = Release.objects.select_for_update().order_by("-number").first()
    return Release.objects.create(
        number=(latest.number + 1) if latest else 1,
        kind=kind,
        cut_off=cut_off,
        created_at=timezone.now(),
        created_by=by,
        reason=reason,
        k=settings.WAYPOINT_STATS_K,
        base=settings.WAYPOINT_STATS_ROUNDING,
        delay_days=settings.WAYPOINT_STATS_DELAY_DAYS,
        epsilon_micro=round(privacy.epsilon() * privacy.MICRO) if privacy.enabled() else None,
    )


def _publish(release: Release, due: dict[str, list[str]], *, as_of: date) -> list[PublishedTable]:
    tables: list[PublishedTable] = []
    for group, keys in due.items():
        if not keys:
            continue
        for period, counts in count_group(group, as_of=as_of, periods=keys).items():
            tables += publish_group(release, group, period, counts, as_of=as_of)
    return tables


@transaction.atomic
def release_publish(*, today: date | None = None) -> Release | None:
    """Publishes the next scheduled release if the cut-off has moved; None otherwise (or
    when nothing was ever counted, or the month's privacy budget would be exceeded)."""
    cut_off = published_until(today)
    previous = Release.objects.select_for_update().order_by("-number").first()
    first = _first_month()
    if first is None or first > cut_off or (previous and previous.cut_off >= cut_off):
        return None
    due = _due(previous, cut_off, first)
    if not privacy.affordable(groups=[g for g, keys in due.items() if keys]):
        return None
    release = _new_release(ReleaseKind.SCHEDULED, cut_off)
    new = _publish(release, due, as_of=cut_off)
    carried = previous.tables.exclude(version__group="now") if previous else []
    release.tables.add(*carried, *new)
    release.spent_micro = privacy.spent_by(groups=[g for g, keys in due.items() if keys])
    release.save(update_fields=["spent_micro"])
    record("stats.released", actor=None, count=release.number, sections=sorted(due))
    return release


@transaction.atomic
def release_republish(*, by: User, reason: str, periods: list[tuple[str, str]]) -> Release:
    """Publishes ``periods`` ((group, period key) pairs already published) again, counted from
    today's history, in a new release that carries everything else over. Only platform admins
    (active staff); the reason is shown with the release and must hold no personal data."""
    if not (by.is_active and (by.is_staff or by.is_superuser)):
        raise PermissionDenied(ERR_NOT_PLATFORM_ADMIN)
    reason = reason.strip()
    if not reason:
        raise ValidationError(ERR_NO_REASON)
    previous = Release.objects.select_for_update().order_by("-number").first()
    if previous is None:
        raise ValidationError(ERR_NO_RELEASE)
    published = set(previous.tables.values_list("version__group", "period"))
    wanted = sorted(set(periods))
    if not wanted or not set(wanted) <= published or any(g == "now" for g, _p in wanted):
        raise ValidationError(ERR_UNKNOWN_PERIOD)
    due: dict[str, list[str]] = {}
    for group, period in wanted:
        due.setdefault(group, []).append(period)
    release = _new_release(ReleaseKind.REPUBLICATION, previous.cut_off, by=by, reason=reason)
    new = _publish(release, due, as_of=this_month())
    replaced = {(t.version.group, t.period) for t in new} | set(wanted)
    carried = [
        t
        for t in previous.tables.select_related("version")
        if (t.version.group, t.period) not in replaced
    ]
    release.tables.add(*carried, *new)
    release.spent_micro = privacy.spent_by(groups=sorted(due))
    release.save(update_fields=["spent_micro"])
    record(
        "stats.republished",
        actor=by,
        obj=release,
        count=release.number,
        sections=[f"{group}:{period}" for group, period in wanted][:32],
    )
    return release
