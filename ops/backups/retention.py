"""Which archives to keep: the newest of each of the last ``keep_daily`` days that have a
backup, and the newest of each of the last ``keep_weekly`` ISO weeks that have one (the sets
overlap). Counting days that have a backup, not calendar days, means a week of failed backups
does not prune away the last good ones."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from pathlib import Path

from ops.backups.archive import archive_time, backup_dir


def _newest_per(
    times: list[datetime], period: Callable[[datetime], Hashable], count: int
) -> set[datetime]:
    kept: dict[Hashable, datetime] = {}
    for at in sorted(times, reverse=True):
        key = period(at)
        if key not in kept:
            if len(kept) >= count:
                break
            kept[key] = at
    return set(kept.values())


def retained(times: Iterable[datetime], *, keep_daily: int, keep_weekly: int) -> set[datetime]:
    """The times to keep among ``times`` (UTC)."""
    times = list(times)
    daily = _newest_per(times, lambda at: at.date(), keep_daily)
    weekly = _newest_per(times, lambda at: at.isocalendar()[:2], keep_weekly)
    return daily | weekly


def archives() -> dict[datetime, Path]:
    """Every archive in backup_dir(), by the time in its name."""
    found = {}
    for path in backup_dir().iterdir():
        at = archive_time(path)
        if at is not None and path.is_file():
            found[at] = path
    return found


def prune_backups(*, keep_daily: int, keep_weekly: int) -> list[Path]:
    """Deletes the archives retention does not keep; returns them. The newest archive is
    always kept, whatever the counts say."""
    found = archives()
    if not found:
        return []
    keep = retained(found, keep_daily=keep_daily, keep_weekly=keep_weekly) | {max(found)}
    pruned = [path for at, path in sorted(found.items()) if at not in keep]
    for path in pruned:
        path.unlink(missing_ok=True)
    return pruned
