"""Periods of publication and their keys: months ("2026-08"), quarters ("2026-Q3") and
snapshots (keyed by their cut-off month, "2026-09"). Pure Python."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def quarter_key(month: date) -> str:
    return f"{month.year:04d}-Q{(month.month - 1) // 3 + 1}"


def parse(key: str) -> date:
    """The first month of a period key."""
    year, rest = key.split("-")
    if rest.startswith("Q"):
        return date(int(year), (int(rest[1:]) - 1) * 3 + 1, 1)
    return date(int(year), int(rest), 1)


def months_of(key: str) -> list[date]:
    first = parse(key)
    return [add_months(first, n) for n in range(3 if "Q" in key else 1)]


def last_month(key: str) -> date:
    return months_of(key)[-1]


def keys_until(first: date, cut_off: date, *, quarterly: bool) -> list[str]:
    """The keys of the whole periods from the one holding ``first`` to the last one that has
    ended by the end of the cut-off month."""
    keys: list[str] = []
    month = first
    while month <= cut_off:
        key = quarter_key(month) if quarterly else month_key(month)
        if last_month(key) <= cut_off and key not in keys:
            keys.append(key)
        month = add_months(month, 1)
    return keys


def label(key: str) -> str:
    """How a period reads on the page: "August 2026", "Q3 2026"."""
    first = parse(key)
    if "Q" in key:
        return str(_("Q%(quarter)s %(year)s") % {"quarter": key[-1], "year": first.year})
    return date_format(first, "YEAR_MONTH_FORMAT")


def end_of(month: date) -> date:
    """The last day of the month."""
    return add_months(month, 1) - timedelta(days=1)
