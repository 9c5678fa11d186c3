"""Case references: an organisation's prefix, claimed once, and a counter per year."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import Organisation
from casework.models import CaseCounter, CaseNumbering


def _prefix_candidates(organisation: Organisation) -> list[str]:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", organisation.slug.upper()) if w]
    if not words:
        words = ["C"]
    initials = "".join(w[0] for w in words)[:4]
    first = initials if len(initials) >= 2 else words[0][:2]
    longer = words[0][:3] if len(words) == 1 else initials + words[-1][1:2]
    return [first, longer] + [f"{first}{n}" for n in range(2, 100)]


def _prefix(organisation: Organisation) -> str:
    existing = CaseNumbering.objects.filter(organisation=organisation).first()
    if existing:
        return existing.prefix
    for candidate in _prefix_candidates(organisation):
        if CaseNumbering.objects.filter(prefix=candidate).exists():
            continue
        try:
            with transaction.atomic():
                return CaseNumbering.objects.create(
                    organisation=organisation, prefix=candidate
                ).prefix
        except IntegrityError:
            # Another request numbered this organisation, or took the prefix, just now.
            existing = CaseNumbering.objects.filter(organisation=organisation).first()
            if existing:
                return existing.prefix
    raise RuntimeError("no free case reference prefix")


def next_reference(*, organisation: Organisation, year: int) -> tuple[str, int]:
    """Claims the next number of the organisation and year. The UPDATE holds the counter row
    until the caller's transaction ends, so concurrent creations get distinct numbers."""
    prefix = _prefix(organisation)
    CaseCounter.objects.get_or_create(organisation=organisation, year=year)
    CaseCounter.objects.filter(organisation=organisation, year=year).update(last=F("last") + 1)
    number = CaseCounter.objects.filter(organisation=organisation, year=year).values_list(
        "last", flat=True
    )[0]
    return f"{prefix}-{year}-{number:04d}", number
