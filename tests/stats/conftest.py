"""Statistics fixtures: many case shells written straight into the tables, fast.

Statistics read only clear-text categorical columns and their history, so these cases have
no data keys and no sealed content at all: if anything in the stats app tried to decrypt, it
would fail. Each case gets the history the casework services would have written: its status,
categories and country since it was opened (and its crisis in its month).

    bulk_cases(organisation, n, **fields)  n case shells (plus location, exposure, crisis)
    stats_data                             a fixed data set over two organisations
    publish(today)                         the release due on that day (the clock moves)
"""

from __future__ import annotations

import importlib
import itertools
from datetime import date

import pytest
import time_machine

from accounts.models import Organisation
from casework.models import (
    AttributeChange,
    Case,
    CaseStatusChange,
    Country,
    LegalExposure,
    Location,
    TrackedAttribute,
)

_numbers = itertools.count(1)

# Fixed "today" for every statistics test: November 2026; with the 30-day delay the last
# published month is September 2026.
TODAY = "2026-11-25 12:00:00+00:00"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def countries(db):
    from django.apps import apps

    if not Country.objects.exists():
        seed = importlib.import_module("casework.migrations.0002_seed_countries_and_document_types")
        seed.seed(apps, None)


def make_cases(
    organisation: Organisation,
    n: int,
    *,
    opened: date,
    legal_category: str = "deserter",
    service_category: str = "mobilised",
    status: str = "intake",
    country: str | None = None,
    article: str | None = None,
    stage: str = "none",
    wanted: str = "none",
    crisis_month: date | None = None,
    verified: bool = True,
) -> list[Case]:
    cases = []
    for _ in range(n):
        number = next(_numbers)
        cases.append(
            Case(
                organisation=organisation,
                reference=f"T-{opened.year}-{number:07d}",
                year=opened.year,
                number=number,
                intake_channel="hotline",
                legal_category=legal_category,
                service_category=service_category,
                status=status,
                opened_month=opened,
                verified_month=opened if verified else None,
            )
        )
    Case.objects.bulk_create(cases)
    history = [
        AttributeChange(case=c, attribute=attribute, value=value, changed_month=opened)
        for c in cases
        for attribute, value in (
            (TrackedAttribute.LEGAL_CATEGORY, legal_category),
            (TrackedAttribute.SERVICE_CATEGORY, service_category),
            *([(TrackedAttribute.COUNTRY, country)] if country else []),
        )
    ]
    first_status = "in_transit" if crisis_month else status
    statuses = [
        CaseStatusChange(case=c, to_status=first_status, changed_month=opened) for c in cases
    ]
    if country:
        Location.objects.bulk_create(
            [Location(case=c, country_id=country, since_month=opened) for c in cases]
        )
    if article:
        exposures = LegalExposure.objects.bulk_create(
            [
                LegalExposure(case=c, article=article, procedural_stage=stage, wanted_level=wanted)
                for c in cases
            ]
        )
        history += [
            AttributeChange(
                case=e.case, attribute=attribute, item=e.pk, value=value, changed_month=opened
            )
            for e in exposures
            for attribute, value in (
                (TrackedAttribute.EXPOSURE_ARTICLE, article),
                (TrackedAttribute.EXPOSURE_STAGE, stage),
                (TrackedAttribute.EXPOSURE_WANTED, wanted),
            )
        ]
    if crisis_month:
        statuses += [
            CaseStatusChange(
                case=c, from_status="in_transit", to_status=status, changed_month=crisis_month
            )
            for c in cases
        ]
    AttributeChange.objects.bulk_create(history)
    CaseStatusChange.objects.bulk_create(statuses)
    return cases


@pytest.fixture
def bulk_cases(countries):
    return make_cases


@pytest.fixture
def stats_data(bulk_cases, caseworker_getlost, outsider):
    """Get Lost and "elsewhere": large cells next to cells of 1-9, and recent cases still
    under the publication delay."""
    getlost = caseworker_getlost.memberships.get().organisation
    other = outsider.memberships.get().organisation
    bulk_cases(getlost, 40, opened=date(2026, 3, 1), country="KZ", article="337.5")
    bulk_cases(getlost, 25, opened=date(2026, 4, 1), legal_category="evader", country="GE")
    bulk_cases(getlost, 3, opened=date(2026, 4, 1), legal_category="objector", country="RS")
    bulk_cases(
        getlost,
        12,
        opened=date(2026, 5, 1),
        status="detained_abroad",
        country="KZ",
        crisis_month=date(2026, 6, 1),
    )
    bulk_cases(other, 30, opened=date(2026, 3, 1), service_category="officer", country="AM")
    bulk_cases(other, 2, opened=date(2026, 6, 1), service_category="prisoner_recruit")
    bulk_cases(other, 20, opened=date(2025, 7, 1), country="AM")
    # Under the publication delay (October and November 2026): never published.
    bulk_cases(getlost, 50, opened=date(2026, 10, 1), legal_category="surrendered")
    bulk_cases(getlost, 50, opened=date(2026, 11, 1), legal_category="surrendered")
    return getlost, other


def publish_on(today: str):
    """Publishes the release due on ``today`` (an ISO date): the clock moves there for it."""
    from stats.services import release_publish

    with time_machine.travel(f"{today} 12:00:00+00:00", tick=False):
        return release_publish()
