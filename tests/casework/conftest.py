"""Case-file fixtures: a private media folder per test (files from before documents moved
into the database) and ready-made cases.

Personas come from tests/conftest.py; here:
    case_getlost      a Get Lost case opened by (so assigned to) caseworker_getlost
    colleague_getlost a second Get Lost caseworker, not assigned to case_getlost
"""

from __future__ import annotations

import importlib

import pytest

from accounts.models import Role
from casework import services
from casework.models import Country, IntakeChannel, LegalCategory, RiskLevel, ServiceCategory

MARKER = "ZQXMARKER7731"


def stored_bytes(document) -> bytes:
    """Every byte stored for ``document``: its sealed chunks, as the database holds them."""
    from casework.models import DocumentChunk

    rows = DocumentChunk.objects.filter(document=document).order_by("index")
    return b"".join(bytes(data) for data in rows.values_list("data", flat=True))


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.WAYPOINT_MEDIA_ROOT = tmp_path / "media"
    return settings.WAYPOINT_MEDIA_ROOT


@pytest.fixture
def reference_data(db):
    """Countries (with advisories), document types, routes, regions, dossier templates and
    deadline kinds as the data migrations seed them. A transactional test (live server,
    threads) empties every table when it ends, so put them back if needed."""
    from django.apps import apps

    if not Country.objects.exists():
        seed = importlib.import_module("casework.migrations.0002_seed_countries_and_document_types")
        seed.seed(apps, None)
        advisories = importlib.import_module("casework.migrations.0004_country_advisory")
        advisories.seed_advisories(apps, None)
        routes = importlib.import_module("evacuation.migrations.0005_route_table")
        routes.seed(apps, None)
        regions = importlib.import_module("casework.migrations.0009_risk_regions_and_esummons")
        regions.seed_regions(apps, None)
        templates = importlib.import_module("evacuation.migrations.0002_seed_dossier_requirements")
        templates.seed(apps, None)
    if not apps.get_model("deadlines", "DeadlineKind").objects.exists():
        kinds = importlib.import_module("deadlines.migrations.0002_seed_kinds")
        kinds.seed(apps, None)
        information = importlib.import_module(
            "deadlines.migrations.0010_information_dates_and_changes"
        )
        information.mark_information(apps, None)


@pytest.fixture
def open_case(reference_data):
    """``open_case(by=user, **overrides)`` opens a case through the service."""

    def make(*, by, organisation=None, **overrides):
        organisation = organisation or by.memberships.get().organisation
        values = {
            "pseudonym": "Heron",
            "legal_name": "Иванов Иван Иванович",
            "date_of_birth": None,
            "intake_channel": IntakeChannel.TELEGRAM_BOT,
            "legal_category": LegalCategory.DESERTER,
            "service_category": ServiceCategory.MOBILISED,
            "risk_level": RiskLevel.HIGH,
            "country": Country.objects.get(pk="KZ"),
        }
        values.update(overrides)
        return services.case_create(organisation=organisation, by=by, **values)

    return make


@pytest.fixture
def case_getlost(open_case, caseworker_getlost):
    return open_case(by=caseworker_getlost)


@pytest.fixture
def colleague_getlost(make_member):
    """A caseworker of Get Lost who is not assigned to case_getlost."""
    return make_member("get-lost", Role.CASEWORKER)
