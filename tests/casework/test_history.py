"""The month-resolution history statistics read (casework.models.AttributeChange): written by
the services that change the categories, the country and the exposures, in the month of the
change, with coarse codes only — and backfilled for cases that existed before it."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from casework import services
from casework.envelope import key_scope
from casework.models import AttributeChange, Country, LegalExposure

pytestmark = pytest.mark.django_db


def history(case) -> list[tuple[str, str, date]]:
    return list(
        AttributeChange.objects.filter(case=case, item__isnull=True)
        .order_by("id")
        .values_list("attribute", "value", "changed_month")
    )


def test_opening_a_case_records_its_categories_and_country(case_getlost):
    month = timezone.now().date().replace(day=1)
    assert sorted(history(case_getlost)) == [
        ("country", "KZ", month),
        ("legal_category", "deserter", month),
        ("service_category", "mobilised", month),
    ]


def test_a_change_of_category_is_recorded_in_its_month_and_nothing_else_is(
    case_getlost, caseworker_getlost
):
    before = len(history(case_getlost))
    with time_machine.travel("2027-02-10 12:00:00+00:00", tick=False):
        services.case_update_shell(
            case=case_getlost,
            by=caseworker_getlost,
            risk_level="low",
            legal_category="occupied_ukraine",
            service_category="mobilised",  # unchanged: no row
        )
    assert history(case_getlost)[before:] == [
        ("legal_category", "occupied_ukraine", date(2027, 2, 1))
    ]


def test_a_move_is_recorded_and_staying_put_is_not(case_getlost, caseworker_getlost):
    services.case_verify(case=case_getlost, by=caseworker_getlost)
    before = len(history(case_getlost))
    with key_scope(user=caseworker_getlost):
        for code in ("TR", "TR"):
            services.location_update(
                case=case_getlost,
                by=caseworker_getlost,
                country=Country.objects.get(pk=code),
                legal_basis="",
                region="Somewhere sealed",
                stay_expires=None,
                route_notes="",
            )
    assert [row[:2] for row in history(case_getlost)[before:]] == [("country", "TR")]
    assert "Somewhere" not in str(list(AttributeChange.objects.values_list("value", flat=True)))


def test_an_exposure_keeps_its_article_stage_and_wanted_level_over_time(
    case_getlost, caseworker_getlost
):
    values = dict(
        article="337.5",
        during_mobilisation=True,
        absence_start=None,
        procedural_stage="case_opened",
        wanted_level="none",
        exit_ban=False,
        passport_confiscated=False,
        details="",
    )
    with key_scope(user=caseworker_getlost):
        exposure = services.exposure_add(case=case_getlost, by=caseworker_getlost, **values)
        with time_machine.travel("2027-03-05 12:00:00+00:00", tick=False):
            services.exposure_update(
                exposure=exposure,
                by=caseworker_getlost,
                **{**values, "procedural_stage": "convicted"},
            )
    rows = AttributeChange.objects.filter(item=exposure.pk).order_by("id")
    assert [(r.attribute, r.value) for r in rows] == [
        ("exposure_article", "337.5"),
        ("exposure_stage", "case_opened"),
        ("exposure_wanted", "none"),
        ("exposure_stage", "convicted"),
    ]
    assert rows.last().changed_month == date(2027, 3, 1)


def test_the_migration_backfills_what_is_known_of_existing_cases(case_getlost, caseworker_getlost):
    LegalExposure.objects.create(case=case_getlost, article="338")
    AttributeChange.objects.all().delete()
    migration = importlib.import_module("casework.migrations.0005_attribute_history")
    migration.backfill(apps, None)
    assert {row[:2] for row in history(case_getlost)} == {
        ("legal_category", "deserter"),
        ("service_category", "mobilised"),
        ("country", "KZ"),
    }
    assert AttributeChange.objects.filter(item__isnull=False).count() == 3
