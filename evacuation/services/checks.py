"""Checks the plan and visa services share: section write rights and country codes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from casework.guards import require_section
from casework.models import Case, Country

ERR_UNKNOWN_COUNTRY = _("Unknown country: choose one from the list.")
ERR_UNKNOWN_STATUS = _("Choose a status from the list.")


def require_sections(*, by: User, case: Case, sections: tuple[str, ...]) -> None:
    """PermissionDenied unless ``by`` may change every one of the case's ``sections``."""
    for section in sections:
        require_section(by=by, case=case, section=section)


def country_codes(codes: list[str]) -> list[str]:
    """The codes, trimmed and upper-cased; ERR_UNKNOWN_COUNTRY if one is not a known country."""
    codes = [c.strip().upper() for c in codes if c and c.strip()]
    known = set(Country.objects.filter(code__in=codes).values_list("code", flat=True))
    if any(c not in known for c in codes):
        raise ValidationError(ERR_UNKNOWN_COUNTRY)
    return codes
