"""``shortdate``: a day as "3 Dec", with its year when that is not the current year
("1 Nov 2025"), in the reader's language. A builtin (config.settings TEMPLATES), so every
template shows dates the same way without loading it."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def shortdate(value: date | datetime | None, today: date | None = None) -> str:
    """ "" for None; a datetime counts by its day in the current time zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    today = today or timezone.localdate()
    return date_format(value, "j M" if value.year == today.year else "j M Y")
