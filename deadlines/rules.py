"""Date rules behind computed deadlines. Pure functions of dates: easy to test across month
ends and leap years."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from casework.legal import absence_thresholds


def art337_thresholds(*, absence_start: date, mobilisation: bool = True) -> list[tuple[str, date]]:
    """(part, first day the part applies) for the three art. 337 thresholds (the same
    computation as the case page and statistics: casework.legal.absence_thresholds)."""
    return absence_thresholds(absence_start=absence_start, mobilisation=mobilisation)


@dataclass(frozen=True)
class StayRule:
    """At most ``max_days`` days of stay within any ``window_days`` days."""

    max_days: int
    window_days: int


def stay_rule(country) -> StayRule | None:
    """The country's stay limit (casework.Country, edited by admins), or None."""
    if country.stay_max_days and country.stay_window_days:
        return StayRule(country.stay_max_days, country.stay_window_days)
    return None


def _days_present(stays: list[tuple[date, date | None]], start: date, end: date) -> int:
    """Days in [start, end] covered by the stays (entry and exit days both count)."""
    total = 0
    for entry, exit_ in stays:
        lo = max(entry, start)
        hi = min(exit_ or end, end)
        if hi >= lo:
            total += (hi - lo).days + 1
    return total


def last_allowed_day(*, stays: list[tuple[date, date | None]], rule: StayRule) -> date:
    """The last day the person may still be present, staying on continuously from the last
    entry (whose exit is None): the latest day D such that in every window of
    ``rule.window_days`` days ending on a day up to D, the days present stay within
    ``rule.max_days``. Entry and exit days count as days of stay."""
    if not stays or stays[-1][1] is not None:
        raise ValueError("the last stay must be ongoing (exit None)")
    entry = stays[-1][0]
    day = entry
    # At most window_days + max_days steps: bounded, and cheap for one case.
    for _ in range(rule.window_days + rule.max_days + 1):
        nxt = day + timedelta(days=1)
        window_start = nxt - timedelta(days=rule.window_days - 1)
        if _days_present(stays, window_start, nxt) > rule.max_days:
            return day
        day = nxt
    return day


def stays_in(
    *, country: str, entries: list[tuple[date, str]], current: date
) -> list[tuple[date, date | None]]:
    """The stays in ``country`` for last_allowed_day(): the earlier ones read off the
    person's border crossings (``entries``: day of entry, ISO code of the country entered)
    before ``current``, the day of the ongoing stay's entry, which comes last. A stay ends on
    the day the person entered another country; when the next entry is into ``country`` again
    the day they left is unknown, and the stay is taken to last until the day before (never
    too short: a limit computed from it is never too late)."""
    timeline = sorted({entry for entry in entries if entry[0] < current})
    timeline.append((current, country))
    stays: list[tuple[date, date | None]] = []
    for (day, code), (following, next_code) in zip(timeline, timeline[1:], strict=False):
        if code != country:
            continue
        exit_ = following - timedelta(days=1) if next_code == country else following
        stays.append((day, max(exit_, day)))
    stays.append((current, None))
    return stays
