"""Bulk case shells for the benchmarks: the list pages decrypt nothing, so the sealed columns
stay empty. Call after django.setup()."""

from __future__ import annotations

import random


def bulk_cases(*, organisation, prefix: str, numbers: range, assignee, rng: random.Random):
    """Creates one case per number (with its person and location) assigned to ``assignee``;
    returns the cases. Four bulk INSERTs."""
    from casework.models import Case, Location, Person, RiskLevel, Status

    rows = [
        Case(
            organisation=organisation,
            reference=f"{prefix}-2026-{n:05d}",
            year=2026,
            number=n,
            intake_channel="hotline",
            legal_category="deserter",
            service_category="mobilised",
            status=rng.choice(Status.values),
            risk_level=rng.choice(RiskLevel.values),
        )
        for n in numbers
    ]
    Case.objects.bulk_create(rows)
    Person.objects.bulk_create([Person(case=c, pseudonym=f"Person {c.number}") for c in rows])
    Location.objects.bulk_create(
        [Location(case=c, country_id=rng.choice(["KZ", "GE", "AM", "TR"])) for c in rows]
    )
    through = Case.assigned_caseworkers.through
    through.objects.bulk_create([through(case=c, user=assignee) for c in rows])
    return rows
