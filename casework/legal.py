"""Legal rules that are pure computation: no database, no keys. Services, deadlines and
statistics all ask these, so a page, a reminder and a table never disagree."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from casework.models import Article, LegalCategory, ServiceCategory

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


def absence_thresholds(*, absence_start: date, mobilisation: bool = True) -> list[tuple[str, date]]:
    """(part, first day the part applies) for the three art. 337 thresholds: absence over
    2 days, over 10 days, over a month. On the returned day absence_part gives the part, on
    the day before the lighter one."""
    short, medium, long = ABSENCE_PARTS[mobilisation]
    return [
        (short, absence_start + timedelta(days=3)),
        (medium, absence_start + timedelta(days=11)),
        (long, one_month_after(absence_start) + timedelta(days=1)),
    ]


def absence_history(
    *, absence_start: date | None, today: date, mobilisation: bool = True
) -> list[tuple[str, date]]:
    """The parts the absence has fallen under by ``today``, each with the day it began, the
    heaviest last ([] without an absence date or within the first 2 days)."""
    if absence_start is None:
        return []
    thresholds = absence_thresholds(absence_start=absence_start, mobilisation=mobilisation)
    return [(part, began) for part, began in thresholds if began <= today]


def current_article(*, article: str, part: str) -> str:
    """The article and part an exposure falls under now: for an absence (art. 337) the part
    its days absent reached (``part``, from absence_part), otherwise the recorded article.
    What the case page shows and what statistics count."""
    if article in ABSENCE_ARTICLES and part:
        return part
    return article


# Federal law of 14 April 2023 (No. 127-FZ): an e-summons placed in the register of summonses
# is deemed served 7 days later, whether or not the person opened it. From that day the person
# may not leave Russia, and failing to appear brings the further restrictions.
ESUMMONS_DEEMED_SERVED_DAYS = 7


def esummons_deemed_served(placed_on: date | None) -> date | None:
    """The day an e-summons placed in the register on ``placed_on`` counts as served."""
    if placed_on is None:
        return None
    return placed_on + timedelta(days=ESUMMONS_DEEMED_SERVED_DAYS)


# Residents of occupied Ukraine forced into the Russian army take their own path: not a
# Russian service category (they were never Russian recruits by choice), and protection for
# Ukrainians rather than a route for Russian deserters (evacuation routes them there).
ERR_SERVICE_CATEGORY = _("Choose a service category.")
ERR_OCCUPIED_MISMATCH = _(
    "The service category “Resident of occupied Ukraine” goes with the legal category of "
    "the same name."
)


def service_category_for(*, legal_category: str, service_category: str) -> str:
    """The service category a case with ``legal_category`` takes: for an occupied-Ukraine
    case none is asked for (the occupied-Ukraine one when none is given), the chosen one
    otherwise. Raises ValidationError when the two do not go together."""
    if legal_category == LegalCategory.OCCUPIED_UKRAINE:
        return service_category or ServiceCategory.OCCUPIED_UKRAINE
    if service_category == ServiceCategory.OCCUPIED_UKRAINE:
        raise ValidationError(ERR_OCCUPIED_MISMATCH)
    if not service_category:
        raise ValidationError(ERR_SERVICE_CATEGORY)
    return service_category
