"""Demo statistics for `seed_demo` (dev only): two releases, so that the demo coordinator sees
how a release carries the periods of the one before and adds a snapshot."""

from __future__ import annotations

from django.utils import timezone

from stats.models import Release
from stats.periods import add_months
from stats.services import release_publish


def seed_releases() -> list[Release]:
    """Publishes, if none exists yet, the release that was due a month ago and the one due
    today (two cut-offs a month apart). Idempotent: with releases already there it only
    publishes one that is due."""
    today = timezone.now().date()
    published = []
    if not Release.objects.exists():
        month_ago = add_months(today.replace(day=1), -1).replace(day=min(today.day, 28))
        published.append(release_publish(today=month_ago))
    published.append(release_publish(today=today))
    return [release for release in published if release is not None]
