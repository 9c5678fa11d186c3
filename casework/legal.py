"""Legal rules that are pure computation: no database, no keys. Services, deadlines and
statistics all ask these, so a page, a reminder and a table never disagree."""

from __future__ import annotations

from calendar import monthrange
from datetime import date

from casework.models import Article

# Art. 337: absence over 2 days, over 10 days, over one month; parts 2.1, 3.1 and 5 apply
# during mobilisation (since September 2022), parts 1, 3 and 4 otherwise.
ABSENCE_PARTS = {
    True: (Article.A337_2_1, Article.A337_3_1, Article.A337_5),
    False: (Article.A337_1, Article.A337_3, Article.A337_4),
}
ABSENCE_ARTICLES = frozenset(p for parts in ABSENCE_PARTS.values() for p in parts)


def one_month_after(start: date) -> date:
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month, day=min(start.day, monthrange(year, month)[1]))


def absence_part(*, absence_start: date | None, today: date, mobilisation: bool = True) -> str:
    """The part of art. 337 that an absence since ``absence_start`` falls under on ``today``:
    over 2 days, over 10 days, over a month. "" when there is no absence date or it is 2 days
    or less."""
    if absence_start is None:
        return ""
    days = (today - absence_start).days
    short, medium, long = ABSENCE_PARTS[mobilisation]
    if today > one_month_after(absence_start):
        return long
    if days > 10:
        return medium
    if days > 2:
        return short
    return ""
