"""How long free text may be, in characters. One table for the forms (which state each limit
next to the field) and for the services (which enforce it for every caller, pages and API).

Long enough for real work (a statement of many pages), short enough that a pasted file or a
crafted request cannot fill the database or make a page unreadable.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

PSEUDONYM = 80
NAME = 200  # a legal name, a region, a consulate, a description, one line of a list
LINES = 30  # entries in a list field (aliases, phones, passports, handles)
SHORT_TEXT = 2_000  # details, relatives at risk, explanations, vetting notes
TEXT = 10_000  # notes, route notes, comments, reasons
STATEMENT = 100_000  # a statement: many pages

# Plural by "n" (the number), shown as "limit" (the number grouped as the language writes it).
ERR_TOO_LONG = ngettext_lazy(
    "This text is too long: at most %(limit)s character is kept.",
    "This text is too long: at most %(limit)s characters are kept.",
    "n",
)
ERR_TOO_MANY = _("Too many entries: at most %(limit)s, one per line.")
LIMIT_HELP = ngettext_lazy("Up to %(limit)s character.", "Up to %(limit)s characters.", "n")
LINES_LIMIT_HELP = ngettext_lazy(
    "Up to %(count)s line of %(limit)s characters each.",
    "Up to %(count)s lines of %(limit)s characters each.",
    "count",
)


def grouped(number: int) -> str:
    """The number as the reader's language writes it (100,000 or 100 000)."""
    return number_format(number, force_grouping=True)


def check_text(value: str | None, limit: int) -> str:
    """``value`` if it is at most ``limit`` characters long, else ValidationError."""
    value = value or ""
    if len(value) > limit:
        raise ValidationError(ERR_TOO_LONG, params={"n": limit, "limit": grouped(limit)})
    return value


def check_lines(values: Iterable[str], limit: int = NAME, count: int = LINES) -> list[str]:
    """A list field's entries, each at most ``limit`` characters, at most ``count`` of them."""
    values = list(values)
    if len(values) > count:
        raise ValidationError(ERR_TOO_MANY, params={"limit": count})
    for value in values:
        check_text(value, limit)
    return values
